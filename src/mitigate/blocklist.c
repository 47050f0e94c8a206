// SPDX-License-Identifier: BSD-2-Clause
/*
 * blocklist.c - user space of the kernel blocklist: placement of prefix lengths, the
 * filter bits and the map updates (see bpf/blocklist.h for the lookup).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "mitigate/blocklist.h"

#define BATCH 4096

static int fam_index(const struct pl_prefix *p)
{
	return p->family == 6;
}

int pl_bl_map(struct pl_bl *bl)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *m;

	if (bpf_obj_get_info_by_fd(bl->bloom_fd, &info, &len))
		return -errno;
	bl->bloom_words = info.max_entries;
	m = mmap(NULL, (size_t)info.max_entries * 8, PROT_READ | PROT_WRITE, MAP_SHARED,
		 bl->bloom_fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	bl->bloom = m;
	return 0;
}

void pl_bl_unmap(struct pl_bl *bl)
{
	if (bl->bloom)
		munmap(bl->bloom, (size_t)bl->bloom_words * 8);
	bl->bloom = NULL;
}

static uint32_t mask32(int bits)
{
	if (bits <= 0)
		return 0;
	if (bits >= 32)
		return 0xffffffff;
	return htonl(~0u << (32 - bits));
}

void pl_prefix_mask(struct pl_prefix *p)
{
	for (int i = 0; i < 4; i++)
		p->addr[i] &= p->family == 4 && i ? 0 : mask32(p->plen - 32 * i);
}

int pl_prefix_contains(const struct pl_prefix *p, const struct pl_prefix *q)
{
	if (p->family != q->family || p->plen > q->plen)
		return 0;
	for (int i = 0; i < 4; i++)
		if ((q->addr[i] & mask32(p->plen - 32 * i)) != p->addr[i])
			return 0;
	return 1;
}

static int cfg_read(struct pl_bl *bl, int fam, struct pl_bl_cfg *c)
{
	__u32 k = fam;

	return bpf_map_lookup_elem(bl->cfg_fd, &k, c) ? -errno : 0;
}

static int cfg_write(struct pl_bl *bl, int fam, const struct pl_bl_cfg *c)
{
	__u32 k = fam;

	return bpf_map_update_elem(bl->cfg_fd, &k, c, BPF_ANY) ? -errno : 0;
}

static int bit(const __u64 *m, int l)
{
	return m[l / 64] >> (l % 64) & 1;
}

/* Make @l a hashed length, keeping len[] longest first. */
static void cfg_hash_len(struct pl_bl_cfg *c, int l)
{
	int i = c->nlen;

	c->hashed[l / 64] |= 1ULL << (l % 64);
	while (i > 0 && c->len[i - 1] < l) {
		c->len[i] = c->len[i - 1];
		i--;
	}
	c->len[i] = l;
	c->nlen++;
}

int pl_bl_plan(struct pl_bl *bl, const struct pl_prefix *v, size_t n)
{
	static const int cap[2] = { PL_BL_HASH_LENS4, PL_BL_HASH_LENS6 };
	size_t count[2][PL_BL_LENS6] = {};
	int err;

	for (size_t i = 0; i < n; i++)
		count[fam_index(&v[i])][v[i].plen]++;
	for (int f = 0; f < 2; f++) {
		struct pl_bl_cfg c = {};
		int lens = f ? PL_BL_LENS6 : PL_BL_LENS4;

		c.bloom_mask = bl->bloom_words >= 2 ? bl->bloom_words - 1 : 0;
		/* The most populated lengths first; on a tie the longer one. */
		for (int k = 0; k < cap[f]; k++) {
			int best = -1;

			for (int l = lens - 1; l >= 0; l--)
				if (count[f][l] && !bit(c.hashed, l) &&
				    (best < 0 || count[f][l] > count[f][best]))
					best = l;
			if (best < 0)
				break;
			cfg_hash_len(&c, best);
		}
		err = cfg_write(bl, f, &c);
		if (err)
			return err;
	}
	return 0;
}

static void bloom_set(struct pl_bl *bl, const struct pl_bl_cfg *c, const struct pl_prefix *p)
{
	__u64 h;

	if (!bl->bloom || !c->bloom_mask)
		return;
	h = p->family == 4 ? pl_bl_hash4(p->plen, p->addr[0]) : pl_bl_hash6(p->plen, p->addr);
	__atomic_fetch_or(&bl->bloom[pl_bloom_word(h, c->bloom_mask)], pl_bloom_bits(h),
			  __ATOMIC_RELAXED);
}

static void hash_key(const struct pl_prefix *p, void *key)
{
	struct pl_bl4_key *k4 = key;
	struct pl_bl6_key *k6 = key;

	if (p->family == 4) {
		k4->plen = p->plen;
		k4->addr = p->addr[0];
	} else {
		k6->plen = p->plen;
		memcpy(k6->addr, p->addr, 16);
	}
}

static void trie_key(const struct pl_prefix *p, void *key)
{
	struct pl_lpm4_key *k4 = key;
	struct pl_lpm6_key *k6 = key;

	if (p->family == 4) {
		k4->prefixlen = p->plen;
		k4->addr = p->addr[0];
	} else {
		k6->prefixlen = p->plen;
		memcpy(k6->addr, p->addr, 16);
	}
}

/* Pending hash updates of one family, written in batches. */
struct pending {
	struct pl_bl6_key keys[BATCH]; /* IPv4 keys packed at their own size */
	struct pl_bl_val vals[BATCH];
	__u32 n;
};

static int flush(struct pl_bl *bl, int f, struct pending *pd)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o, .elem_flags = BPF_ANY);
	__u32 n = pd->n;
	int err;

	if (!n)
		return 0;
	err = bpf_map_update_batch(bl->hash_fd[f], pd->keys, pd->vals, &n, &o);
	if (err == -EINVAL || err == -ENOTSUP) { /* no batch operations: one at a time */
		size_t ksz = f ? sizeof(struct pl_bl6_key) : sizeof(struct pl_bl4_key);

		err = 0;
		for (__u32 i = 0; i < pd->n && !err; i++)
			if (bpf_map_update_elem(bl->hash_fd[f], (char *)pd->keys + i * ksz,
						&pd->vals[i], BPF_ANY))
				err = -errno;
	}
	pd->n = 0;
	return err;
}

static int trie_add(struct pl_bl *bl, struct pl_bl_cfg *c, const struct pl_prefix *p,
		    __u32 rule)
{
	struct pl_bl_val val = { rule, p->plen }, old;
	struct pl_lpm6_key key;
	int f = fam_index(p), had;

	trie_key(p, &key);
	/* A trie lookup answers with the longest match: only an exact one was there. */
	had = !bpf_map_lookup_elem(bl->trie_fd[f], &key, &old) && old.plen == p->plen;
	if (bpf_map_update_elem(bl->trie_fd[f], &key, &val, BPF_ANY))
		return -errno;
	c->trie += !had;
	c->trie_lens[p->plen / 64] |= 1ULL << (p->plen % 64);
	return 0;
}

int pl_bl_add(struct pl_bl *bl, const struct pl_prefix *v, const uint32_t *rule, size_t n)
{
	static const int cap[2] = { PL_BL_HASH_LENS4, PL_BL_HASH_LENS6 };
	static struct pending pd[2];
	struct pl_bl_cfg c[2], pub[2];
	int err;

	for (int f = 0; f < 2; f++) {
		err = cfg_read(bl, f, &c[f]);
		if (err)
			return err;
		pub[f] = c[f];
		pd[f].n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		const struct pl_prefix *p = &v[i];
		int f = fam_index(p), l = p->plen;
		struct pending *q = &pd[f];
		size_t ksz = f ? sizeof(struct pl_bl6_key) : sizeof(struct pl_bl4_key);

		if (!bit(c[f].hashed, l) && !bit(c[f].trie_lens, l) && (int)c[f].nlen < cap[f])
			cfg_hash_len(&c[f], l); /* published once its prefixes are in */
		if (!bit(c[f].hashed, l)) {
			err = trie_add(bl, &c[f], p, rule[i]);
			if (err)
				return err;
			continue;
		}
		hash_key(p, (char *)q->keys + q->n * ksz);
		q->vals[q->n].rule = rule[i];
		q->vals[q->n].plen = l;
		bloom_set(bl, &c[f], p);
		if (++q->n == BATCH) {
			err = flush(bl, f, q);
			if (err)
				return err;
		}
	}
	for (int f = 0; f < 2; f++) {
		err = flush(bl, f, &pd[f]);
		if (!err && memcmp(&c[f], &pub[f], sizeof(c[f])))
			err = cfg_write(bl, f, &c[f]);
		if (err)
			return err;
	}
	return 0;
}

int pl_bl_del(struct pl_bl *bl, const struct pl_prefix *p)
{
	struct pl_lpm6_key tk;
	struct pl_bl6_key hk;
	struct pl_bl_cfg c;
	int f = fam_index(p), err;

	err = cfg_read(bl, f, &c);
	if (err)
		return err;
	if (bit(c.hashed, p->plen)) {
		hash_key(p, &hk);
		return bpf_map_delete_elem(bl->hash_fd[f], &hk) ? -errno : 0;
	}
	trie_key(p, &tk);
	if (bpf_map_delete_elem(bl->trie_fd[f], &tk))
		return -errno;
	if (c.trie)
		c.trie--;
	return cfg_write(bl, f, &c);
}

int pl_bl_get(struct pl_bl *bl, const struct pl_prefix *p, uint32_t *rule)
{
	struct pl_bl_val val;
	struct pl_lpm6_key tk;
	struct pl_bl6_key hk;
	struct pl_bl_cfg c;
	int f = fam_index(p), err;

	err = cfg_read(bl, f, &c);
	if (err)
		return err;
	if (bit(c.hashed, p->plen)) {
		hash_key(p, &hk);
		err = bpf_map_lookup_elem(bl->hash_fd[f], &hk, &val);
	} else {
		trie_key(p, &tk);
		err = bpf_map_lookup_elem(bl->trie_fd[f], &tk, &val);
		/* The trie answers with the longest match: only an exact one counts. */
		if (!err && val.plen != p->plen)
			return -ENOENT;
	}
	if (err)
		return -errno;
	*rule = val.rule;
	return 0;
}
