// SPDX-License-Identifier: BSD-2-Clause
/*
 * blocklist.c - user space of the kernel blocklist: the hashes hold every prefix; the
 * /16 tables, summaries and filter bits that the lookup reads (bpf/blocklist.h) are
 * derived from them here, through the arrays mapped into this process.
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

static void *map_fd(int fd, size_t value_size, uint32_t *entries)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *m;

	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.value_size != value_size)
		return NULL;
	m = mmap(NULL, (size_t)info.max_entries * value_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (m == MAP_FAILED)
		return NULL;
	*entries = info.max_entries;
	return m;
}

int pl_bl_map(struct pl_bl *bl)
{
	uint32_t n4 = 0, n6 = 0, ns = 0;

	errno = 0;
	bl->bloom = map_fd(bl->bloom_fd, 8, &bl->bloom_words);
	bl->top[0] = map_fd(bl->top4_fd, sizeof(struct pl_bl_top), &n4);
	bl->top[1] = map_fd(bl->top6_fd, sizeof(struct pl_bl_top), &n6);
	bl->sum6 = map_fd(bl->sum6_fd, sizeof(struct pl_bl_sum6), &ns);
	if (!bl->bloom || !bl->top[0] || !bl->top[1] || !bl->sum6 || n4 != PL_BL_TOP ||
	    n6 != PL_BL_TOP || ns != PL_BL_SUM6) {
		int err = errno ? -errno : -EPROTO;

		pl_bl_unmap(bl);
		return err;
	}
	return 0;
}

void pl_bl_unmap(struct pl_bl *bl)
{
	if (bl->bloom)
		munmap(bl->bloom, (size_t)bl->bloom_words * 8);
	for (int f = 0; f < 2; f++)
		if (bl->top[f])
			munmap(bl->top[f], (size_t)PL_BL_TOP * sizeof(struct pl_bl_top));
	if (bl->sum6)
		munmap(bl->sum6, (size_t)PL_BL_SUM6 * sizeof(*bl->sum6));
	bl->bloom = NULL;
	bl->top[0] = bl->top[1] = NULL;
	bl->sum6 = NULL;
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

int pl_bl_init(struct pl_bl *bl)
{
	struct pl_bl_cfg c = { .bloom_mask = bl->bloom_words >= 2 ? bl->bloom_words - 1 : 0 };
	int err = cfg_write(bl, 0, &c);

	return err ? err : cfg_write(bl, 1, &c);
}

/* IPv6 /17-/31: keep len[] (the lengths present, longest first) up to date. */
static void cfg_add_len(struct pl_bl_cfg *c, int l)
{
	int i;

	for (i = 0; i < (int)c->nlen; i++)
		if (c->len[i] == l)
			return;
	i = c->nlen;
	while (i > 0 && c->len[i - 1] < l) {
		c->len[i] = c->len[i - 1];
		i--;
	}
	c->len[i] = l;
	c->nlen++;
}

static __u64 prefix_hash(const struct pl_prefix *p)
{
	return p->family == 4 ? pl_bl_hash4(p->plen, p->addr[0]) : pl_bl_hash6(p->plen, p->addr);
}

static void bloom_set(struct pl_bl *bl, const struct pl_bl_cfg *c, const struct pl_prefix *p)
{
	__u64 h = prefix_hash(p);

	if (bl->bloom && c->bloom_mask)
		__atomic_fetch_or(&bl->bloom[pl_bloom_word(h, c->bloom_mask)], pl_bloom_bits(h),
				  __ATOMIC_RELAXED);
}

/* A long prefix's bit in the summary of its block (see struct pl_bl_top, pl_bl_sum6). */
static void sum_set(struct pl_bl *bl, const struct pl_prefix *p)
{
	if (p->family == 4) {
		__atomic_fetch_or(&bl->top[0][ntohl(p->addr[0]) >> 16].sum, 1ULL << (32 - p->plen),
				  __ATOMIC_RELAXED);
	} else if (p->plen >= 32) {
		int w = p->plen <= 64;

		__atomic_fetch_or(&bl->sum6[pl_bl_sum6_index(p->addr[0])].w[w],
				  1ULL << ((w ? 64 : 128) - p->plen), __ATOMIC_RELAXED);
	}
}

/* The /16 entries a short prefix covers: [*first, *first + *n). */
static void short_range(const struct pl_prefix *p, uint32_t *first, uint32_t *n)
{
	*first = ntohl(p->addr[0]) >> 16;
	*n = 1u << (PL_BL_SHORT - p->plen);
}

/* A short prefix wins every /16 it covers that no longer short prefix holds. */
static void short_set(struct pl_bl *bl, const struct pl_prefix *p, uint32_t rule)
{
	struct pl_bl_top *t = bl->top[fam_index(p)];
	uint32_t first, n;

	short_range(p, &first, &n);
	for (uint32_t b = first; b < first + n; b++) {
		if (t[b].rule && t[b].plen > p->plen)
			continue;
		t[b].plen = p->plen;
		__atomic_store_n(&t[b].rule, rule, __ATOMIC_RELEASE);
	}
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

/* Pending hash updates of one family, written in batches. */
struct pending {
	struct pl_bl6_key keys[BATCH]; /* IPv4 keys packed at their own size */
	struct pl_bl_val vals[BATCH];
	__u32 n;
};

static int flush(struct pl_bl *bl, int f, struct pending *pd)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o, .elem_flags = BPF_ANY);
	size_t ksz = f ? sizeof(struct pl_bl6_key) : sizeof(struct pl_bl4_key);
	__u32 n = pd->n;
	int err;

	if (!n)
		return 0;
	err = bpf_map_update_batch(bl->hash_fd[f], pd->keys, pd->vals, &n, &o);
	if (err == -EINVAL || err == -ENOTSUP) { /* no batch operations: one at a time */
		err = 0;
		for (__u32 i = 0; i < pd->n && !err; i++)
			if (bpf_map_update_elem(bl->hash_fd[f], (char *)pd->keys + i * ksz,
						&pd->vals[i], BPF_ANY))
				err = -errno;
	}
	pd->n = 0;
	return err;
}

/*
 * The derived bits of each prefix are set once its hash entry is in (after its batch),
 * so the kernel never probes for an entry that is not there yet.
 */
static int flush_all(struct pl_bl *bl, int f, struct pending *pd, struct pl_bl_cfg *c,
		     const struct pl_prefix *v, const uint32_t *rule, size_t from, size_t to)
{
	int err = flush(bl, f, pd);

	for (size_t i = from; i < to && !err; i++) {
		const struct pl_prefix *p = &v[i];

		if (fam_index(p) != f)
			continue;
		if (p->plen <= PL_BL_SHORT) {
			short_set(bl, p, rule[i]);
			continue;
		}
		bloom_set(bl, c, p);
		sum_set(bl, p);
		if (f && p->plen < 32)
			cfg_add_len(c, p->plen);
	}
	return err;
}

int pl_bl_add(struct pl_bl *bl, const struct pl_prefix *v, const uint32_t *rule, size_t n)
{
	static struct pending pd[2];
	struct pl_bl_cfg c[2], old[2];
	size_t from[2] = { 0, 0 };
	int err;

	if (!bl->top[0])
		return -EINVAL;
	for (int f = 0; f < 2; f++) {
		err = cfg_read(bl, f, &c[f]);
		if (err)
			return err;
		old[f] = c[f];
		pd[f].n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		int f = fam_index(&v[i]);
		struct pending *q = &pd[f];
		size_t ksz = f ? sizeof(struct pl_bl6_key) : sizeof(struct pl_bl4_key);

		if (!rule[i])
			return -EINVAL;
		hash_key(&v[i], (char *)q->keys + q->n * ksz);
		q->vals[q->n].rule = rule[i];
		q->vals[q->n].plen = v[i].plen;
		if (++q->n == BATCH) {
			err = flush_all(bl, f, q, &c[f], v, rule, from[f], i + 1);
			if (err)
				return err;
			from[f] = i + 1;
		}
	}
	for (int f = 0; f < 2; f++) {
		err = flush_all(bl, f, &pd[f], &c[f], v, rule, from[f], n);
		if (!err && memcmp(&c[f], &old[f], sizeof(c[f])))
			err = cfg_write(bl, f, &c[f]);
		if (err)
			return err;
	}
	return 0;
}

/* Recompute the /16 entries a removed short prefix held from the shorter ones left. */
static void short_unset(struct pl_bl *bl, const struct pl_prefix *p)
{
	struct pl_bl_top *t = bl->top[fam_index(p)];
	uint32_t first, n;

	short_range(p, &first, &n);
	for (uint32_t b = first; b < first + n; b++) {
		struct pl_prefix q = { .family = p->family };
		uint32_t rule = 0;
		int l;

		if (t[b].plen != p->plen)
			continue; /* a longer short prefix holds it */
		for (l = p->plen - 1; l >= 0 && !rule; l--) {
			q.plen = l;
			q.addr[0] = htonl(b << 16);
			pl_prefix_mask(&q);
			if (pl_bl_get(bl, &q, &rule))
				rule = 0;
		}
		__atomic_store_n(&t[b].rule, rule, __ATOMIC_RELEASE);
		t[b].plen = rule ? l + 1 : 0;
	}
}

int pl_bl_del(struct pl_bl *bl, const struct pl_prefix *p)
{
	struct pl_bl6_key hk;

	hash_key(p, &hk);
	if (bpf_map_delete_elem(bl->hash_fd[fam_index(p)], &hk))
		return -errno;
	if (p->plen <= PL_BL_SHORT && bl->top[0])
		short_unset(bl, p);
	return 0;
}

int pl_bl_get(struct pl_bl *bl, const struct pl_prefix *p, uint32_t *rule)
{
	struct pl_bl_val val;
	struct pl_bl6_key hk;

	hash_key(p, &hk);
	if (bpf_map_lookup_elem(bl->hash_fd[fam_index(p)], &hk, &val))
		return -errno;
	*rule = val.rule;
	return 0;
}
