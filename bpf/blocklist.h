/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * blocklist.h - longest-prefix match of an address against a large prefix set, cheaper
 * than one BPF_MAP_TYPE_LPM_TRIE holding them all (`make bench`: bench_blocklist).
 *
 * A trie walk costs a dependent cache miss per level it leaves the cache, and at a
 * million prefixes most levels do. Here (layout in include/pktlens.h, pl_bl_*):
 *  - one load of the address's /16 entry gives the longest /0-/16 prefix holding it
 *    (user space expands short prefixes into every /16 they cover) and, for IPv4, which
 *    of /17-/32 occur under that /16: only those are probed, longest first, usually
 *    one or two, often none;
 *  - IPv6 keeps that summary of /32-/128 per hash of the /32 (a collision only adds
 *    probes), and probes the /17-/31 lengths present anywhere;
 *  - each probe of the hash keyed by (length, masked address) first asks a Bloom-style
 *    filter (one 64-bit word, two bits), so a miss rarely touches the hash.
 * The first probe that matches is the longest match, else the /16 entry's answer:
 * the same as one LPM trie holding every prefix (tests/bpf/test_blocklist.c).
 * Summary and filter bits are only ever set (a removed prefix leaves them: a wasted
 * probe, never a wrong answer) until user space rebuilds the maps.
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
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PL_BL_TOP);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct pl_bl_top);
} pl_bl_top4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PL_BL_TOP);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct pl_bl_top);
} pl_bl_top6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PL_BL_SUM6);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct pl_bl_sum6);
} pl_bl_sum6 SEC(".maps");

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

/*
 * Index of the lowest bit set in @x (not 0), without branches: a branch per bit would
 * let the verifier follow every bit pattern through the probe loops.
 */
static const __u8 pl_debruijn64[64] = {
	0,  1,  48, 2,  57, 49, 28, 3,  61, 58, 50, 42, 38, 29, 17, 4,
	62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
	63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
	46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,  13, 8,  7,  6,
};

static __always_inline int pl_ffs64(__u64 x)
{
	return pl_debruijn64[((x & -x) * 0x03f79d71b4cb0a89ULL) >> 58];
}

/* One IPv4 hash probe: the rule of (@len, @addr masked), 0 if none. */
static __always_inline __u32 pl_bl_probe4(const struct pl_bl_cfg *cfg, __u32 addr, int len)
{
	struct pl_bl4_key k = { .plen = len, .addr = addr & pl_mask32(len) };
	struct pl_bl_val *v;

	if (!pl_bl_maybe(cfg, pl_bl_hash4(len, k.addr)))
		return 0;
	v = bpf_map_lookup_elem(&pl_bl4, &k);
	return v ? v->rule : 0;
}

static __always_inline __u32 pl_bl_probe6(const struct pl_bl_cfg *cfg, const __u32 *a, int len)
{
	struct pl_bl6_key k;
	struct pl_bl_val *v;

	k.plen = len;
	k.addr[0] = a[0] & pl_mask32(len);
	k.addr[1] = a[1] & pl_mask32(len - 32);
	k.addr[2] = a[2] & pl_mask32(len - 64);
	k.addr[3] = a[3] & pl_mask32(len - 96);
	if (!pl_bl_maybe(cfg, pl_bl_hash6(len, k.addr)))
		return 0;
	v = bpf_map_lookup_elem(&pl_bl6, &k);
	return v ? v->rule : 0;
}

/* The rule of the longest prefix holding IPv4 @addr (network order), 0 if none. */
static __always_inline __u32 pl_bl_lookup4(__u32 addr)
{
	__u32 fam = 0, idx = bpf_ntohl(addr) >> 16;
	struct pl_bl_cfg *cfg;
	struct pl_bl_top *top;
	__u64 bits;

	cfg = bpf_map_lookup_elem(&pl_bl_cfg, &fam);
	top = bpf_map_lookup_elem(&pl_bl_top4, &idx);
	if (!cfg || !top)
		return 0;
	bits = top->sum;
	for (int i = 0; i < 32 - PL_BL_SHORT && bits; i++) {
		__u32 r = pl_bl_probe4(cfg, addr, 32 - pl_ffs64(bits));

		if (r)
			return r;
		bits &= bits - 1;
	}
	return top->rule;
}

/* The same for IPv6 @a (four network-order words). */
static __always_inline __u32 pl_bl_lookup6(const __u32 *a)
{
	__u32 fam = 1, n, idx = pl_bl_sum6_index(a[0]), top_idx = bpf_ntohl(a[0]) >> 16;
	struct pl_bl_sum6 *sum;
	struct pl_bl_cfg *cfg;
	struct pl_bl_top *top;

	cfg = bpf_map_lookup_elem(&pl_bl_cfg, &fam);
	sum = bpf_map_lookup_elem(&pl_bl_sum6, &idx);
	top = bpf_map_lookup_elem(&pl_bl_top6, &top_idx);
	if (!cfg || !sum || !top)
		return 0;
	for (int w = 0; w < 2; w++) {
		__u64 bits = sum->w[w];

		for (int i = 0; i < 64 && bits; i++) {
			__u32 r = pl_bl_probe6(cfg, a, 128 - 64 * w - pl_ffs64(bits));

			if (r)
				return r;
			bits &= bits - 1;
		}
	}
	n = cfg->nlen;
	for (__u32 i = 0; i < 16; i++) {
		__u32 r;

		if (i >= n)
			break;
		r = pl_bl_probe6(cfg, a, cfg->len[i]);
		if (r)
			return r;
	}
	return top->rule;
}

#endif /* PL_BLOCKLIST_H */
