/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * blocklist.h - longest-prefix match of an address against a large prefix set, cheaper
 * than one BPF_MAP_TYPE_LPM_TRIE holding them all (`make bench`: bench_blocklist).
 *
 * A trie walk costs a dependent cache miss per level it leaves the cache, and at a
 * million prefixes most levels do. Here each family has:
 *  - one hash keyed by (length, address masked to it) for the lengths user space put
 *    there (pl_bl_cfg.len[], longest first): typically /32 or /128 and the few lengths
 *    that hold most prefixes;
 *  - in front of every hash probe a Bloom-style filter, one 64-bit word per probe, so
 *    that the common no-match case costs a load and two bit tests per length, not a
 *    hash lookup;
 *  - a small LPM trie for every other length, looked up only when it holds anything.
 * The trie's answer (with its length) is taken first; then only hashed lengths longer
 * than it can win, and the first hashed length that matches is the longest match. The
 * result is the same as one LPM trie holding every prefix (tests/bpf/test_blocklist.c).
 */
#ifndef PL_BLOCKLIST_H
#define PL_BLOCKLIST_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "pktlens.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct pl_bl_cfg);
} pl_bl_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PL_BL_BLOOM_WORDS_DEFAULT);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} pl_bl_bloom SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PL_BL_ENTRIES_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pl_bl4_key);
	__type(value, struct pl_bl_val);
} pl_bl4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PL_BL_ENTRIES_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pl_bl6_key);
	__type(value, struct pl_bl_val);
} pl_bl6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PL_BL_TRIE_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pl_lpm4_key);
	__type(value, struct pl_bl_val);
} pl_bl4_trie SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PL_BL_TRIE_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pl_lpm6_key);
	__type(value, struct pl_bl_val);
} pl_bl6_trie SEC(".maps");

/* The filter says "maybe" (or there is none). */
static __always_inline int pl_bl_maybe(const struct pl_bl_cfg *cfg, __u64 h)
{
	__u32 w;
	__u64 *word, bits;

	if (!cfg->bloom_mask)
		return 1;
	w = pl_bloom_word(h, cfg->bloom_mask);
	word = bpf_map_lookup_elem(&pl_bl_bloom, &w);
	if (!word)
		return 1;
	bits = pl_bloom_bits(h);
	return (*word & bits) == bits;
}

/* Network-order mask of the first @bits bits of a 32-bit word (bits clamped to 0..32). */
static __always_inline __u32 pl_mask32(int bits)
{
	if (bits <= 0)
		return 0;
	if (bits >= 32)
		return 0xffffffff;
	return bpf_htonl(~0u << (32 - bits));
}

/* The rule of the longest prefix holding IPv4 @addr (network order), 0 if none. */
static __always_inline __u32 pl_bl_lookup4(__u32 addr)
{
	struct pl_lpm4_key tk = { .prefixlen = 32, .addr = addr };
	struct pl_bl_cfg *cfg;
	struct pl_bl_val *v;
	__u32 fam = 0, rule = 0, n;
	int best = -1;

	cfg = bpf_map_lookup_elem(&pl_bl_cfg, &fam);
	if (!cfg)
		return 0;
	if (cfg->trie) {
		v = bpf_map_lookup_elem(&pl_bl4_trie, &tk);
		if (v) {
			best = v->plen;
			rule = v->rule;
		}
	}
	n = cfg->nlen;
	for (__u32 i = 0; i < PL_BL_LENS4; i++) {
		struct pl_bl4_key k;
		__u32 len;

		if (i >= n)
			break;
		len = cfg->len[i];
		if ((int)len <= best)
			break;
		k.plen = len;
		k.addr = addr & pl_mask32(len);
		if (!pl_bl_maybe(cfg, pl_bl_hash4(len, k.addr)))
			continue;
		v = bpf_map_lookup_elem(&pl_bl4, &k);
		if (v)
			return v->rule;
	}
	return rule;
}

/* The same for IPv6 @a (four network-order words). */
static __always_inline __u32 pl_bl_lookup6(const __u32 *a)
{
	struct pl_lpm6_key tk = { .prefixlen = 128 };
	struct pl_bl_cfg *cfg;
	struct pl_bl_val *v;
	__u32 fam = 1, rule = 0, n;
	int best = -1;

	cfg = bpf_map_lookup_elem(&pl_bl_cfg, &fam);
	if (!cfg)
		return 0;
	if (cfg->trie) {
		tk.addr[0] = a[0];
		tk.addr[1] = a[1];
		tk.addr[2] = a[2];
		tk.addr[3] = a[3];
		v = bpf_map_lookup_elem(&pl_bl6_trie, &tk);
		if (v) {
			best = v->plen;
			rule = v->rule;
		}
	}
	n = cfg->nlen;
	for (__u32 i = 0; i < PL_BL_LENS6; i++) {
		struct pl_bl6_key k;
		int len;

		if (i >= n)
			break;
		len = cfg->len[i];
		if (len <= best)
			break;
		k.plen = len;
		k.addr[0] = a[0] & pl_mask32(len);
		k.addr[1] = a[1] & pl_mask32(len - 32);
		k.addr[2] = a[2] & pl_mask32(len - 64);
		k.addr[3] = a[3] & pl_mask32(len - 96);
		if (!pl_bl_maybe(cfg, pl_bl_hash6(len, k.addr)))
			continue;
		v = bpf_map_lookup_elem(&pl_bl6, &k);
		if (v)
			return v->rule;
	}
	return rule;
}

#endif /* PL_BLOCKLIST_H */
