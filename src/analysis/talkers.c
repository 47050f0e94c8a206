// SPDX-License-Identifier: BSD-2-Clause
/*
 * talkers.c - read the kernel's address, port and ICMP tables (bpf/talkers.h): every
 * entry, the port and ICMP arrays through a mapping of their memory, and the sketches
 * estimated.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "analysis/talkers.h"

/*
 * A mapping of an address table (BPF_F_MMAPABLE), read-only or writable; its buckets
 * in *@nb (the table's size was set at load: --addresses).
 */
static const union pl_addr_entry *map_buckets(int fd, bool write, size_t *size, __u32 *nb)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	size_t page = sysconf(_SC_PAGESIZE);
	void *m;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return NULL;
	*nb = info.max_entries / (1 + PL_ADDR_WAYS);
	if (info.value_size != sizeof(union pl_addr_entry) || !*nb || (*nb & (*nb - 1)) ||
	    info.max_entries != PL_ADDR_ENTRIES_OF(*nb) || !(info.map_flags & BPF_F_MMAPABLE)) {
		errno = EPROTO;
		return NULL;
	}
	*size = ((size_t)info.max_entries * info.value_size + page - 1) / page * page;
	m = mmap(NULL, *size, write ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
	return m == MAP_FAILED ? NULL : m;
}

static void slot_stat(struct pl_addr_stat *a, const struct pl_addr_slot *s,
		      const struct pl_addr_sketch *k)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->addr, s->addr, sizeof(a->addr));
	a->family = s->packets & PL_ADDR_V6 ? 6 : 4;
	a->packets = PL_ADDR_PKTS(s->packets);
	a->bytes = s->bytes;
	a->peers = pl_hll_estimate(k->peers);
	a->ports = pl_hll_estimate(k->ports);
}

static int cmp_addr_key(const struct pl_addr_stat *x, const struct pl_addr_stat *y);

static int cmp_addr_only(const void *a, const void *b)
{
	return cmp_addr_key(a, b);
}

/*
 * An address that two CPUs made at once holds two ways of its bucket: one entry of
 * their sums (the larger spread estimate: the sketches are not kept here). Sorts @a by
 * address; returns the new count.
 */
static size_t merge_twins(struct pl_addr_stat *a, size_t n)
{
	size_t o = 0;

	if (n < 2)
		return n;
	qsort(a, n, sizeof(*a), cmp_addr_only);
	for (size_t i = 1; i < n; i++) {
		struct pl_addr_stat *p = &a[o];

		if (cmp_addr_key(p, &a[i])) {
			a[++o] = a[i];
			continue;
		}
		p->packets += a[i].packets;
		p->bytes += a[i].bytes;
		p->peers = p->peers > a[i].peers ? p->peers : a[i].peers;
		p->ports = p->ports > a[i].ports ? p->ports : a[i].ports;
	}
	return o + 1;
}

/* Every used slot of an address table; its capacity (addresses) in *@cap. */
static int read_addr_map(int fd, struct pl_addr_stat **out, size_t *n, __u32 *cap)
{
	const union pl_addr_entry *m;
	struct pl_addr_stat *arr;
	size_t size, cnt = 0;
	int err = 0;
	__u32 nb;

	*out = NULL;
	*n = 0;
	m = map_buckets(fd, false, &size, &nb);
	if (!m)
		return -errno;
	*cap = nb * PL_ADDR_WAYS;
	arr = malloc((size_t)*cap * sizeof(*arr));
	if (!arr)
		err = -ENOMEM;
	for (__u32 i = 0; i < nb && !err; i++)
		for (int w = 0; w < PL_ADDR_WAYS; w++)
			if (PL_ADDR_PKTS(m[i].slot[w].packets))
				slot_stat(&arr[cnt++], &m[i].slot[w],
					  &m[PL_ADDR_SKETCH_OF(nb, i, w)].sk);
	munmap((void *)m, size);
	if (err)
		return err;
	*out = arr;
	*n = merge_twins(arr, cnt);
	return 0;
}

/* Two 4-bit sketch registers of a byte: the larger of each (the sketches' union). */
static __u8 regs_max(__u8 a, __u8 b)
{
	return ((a & 0x0f) > (b & 0x0f) ? a & 0x0f : b & 0x0f) |
	       ((a & 0xf0) > (b & 0xf0) ? a & 0xf0 : b & 0xf0);
}

int pl_talkers_lookup(int fd, const struct pl_addr_key *k, struct pl_addr_value *v)
{
	const union pl_addr_entry *m;
	size_t size;
	int err = -ENOENT;
	__u32 nb, idx;

	memset(v, 0, sizeof(*v));
	m = map_buckets(fd, false, &size, &nb);
	if (!m)
		return -errno;
	idx = (pl_hll_hash_addr(k->addr) >> PL_ADDR_IDX_SHIFT) & (nb - 1);
	for (int w = 0; w < PL_ADDR_WAYS; w++) {
		const struct pl_addr_slot *s = &m[idx].slot[w];

		/* Two ways of one address (a race between CPUs): both count. */
		if (!PL_ADDR_PKTS(s->packets) || memcmp(s->addr, k->addr, 16) ||
		    !!(s->packets & PL_ADDR_V6) != (k->family == 6))
			continue;
		v->packets += PL_ADDR_PKTS(s->packets);
		v->bytes += s->bytes;
		for (int r = 0; r < PL_HLL_BYTES; r++) {
			const struct pl_addr_sketch *k = &m[PL_ADDR_SKETCH_OF(nb, idx, w)].sk;

			v->peers[r] = regs_max(v->peers[r], k->peers[r]);
			v->ports[r] = regs_max(v->ports[r], k->ports[r]);
		}
		err = 0;
	}
	munmap((void *)m, size);
	return err;
}

int pl_talkers_clear(int fd)
{
	size_t size;
	__u32 nb;
	void *m = (void *)map_buckets(fd, true, &size, &nb);

	if (!m)
		return -errno;
	memset(m, 0, (size_t)PL_ADDR_ENTRIES_OF(nb) * sizeof(union pl_addr_entry));
	munmap(m, size);
	return 0;
}

/*
 * An array map of @vsize-byte values made of __u64 counters, read through a shared
 * read-only mapping (BPF_F_MMAPABLE): calls @take(key, counters) for every slot whose
 * first counter (packets) is not 0.
 */
static int read_mmap_array(int fd, size_t vsize,
			   int (*take)(void *ctx, __u32 key, const __u64 *v), void *ctx)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	size_t size, page = sysconf(_SC_PAGESIZE);
	const __u8 *m;
	int err = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.value_size != vsize || !(info.map_flags & BPF_F_MMAPABLE))
		return -EPROTO;
	size = ((size_t)info.max_entries * vsize + page - 1) / page * page;
	m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	for (__u32 k = 0; k < info.max_entries && !err; k++) {
		const __u64 *v = (const __u64 *)(m + (size_t)k * vsize);

		if (v[0])
			err = take(ctx, k, v);
	}
	munmap((void *)m, size);
	return err;
}

static int grow(void **arr, size_t *cap, size_t want, size_t size)
{
	void *t;

	if (want <= *cap)
		return 0;
	t = realloc(*arr, (*cap ? *cap * 2 : 64) * size);
	if (!t)
		return -ENOMEM;
	*arr = t;
	*cap = *cap ? *cap * 2 : 64;
	return 0;
}

struct port_ctx {
	struct pl_talkers *t;
	size_t cap;
};

static int take_port(void *ctx, __u32 key, const __u64 *sum)
{
	struct port_ctx *c = ctx;
	struct pl_port_stat *p;

	if (grow((void **)&c->t->ports, &c->cap, c->t->nports + 1, sizeof(*p)))
		return -ENOMEM;
	p = &c->t->ports[c->t->nports++];
	p->kind = key >> 16;
	p->port = key & 0xffff;
	p->packets = sum[0];
	p->bytes = sum[1];
	return 0;
}

static int take_icmp(void *ctx, __u32 key, const __u64 *sum)
{
	struct port_ctx *c = ctx;
	struct pl_icmp_stat *s;

	if (grow((void **)&c->t->icmp, &c->cap, c->t->nicmp + 1, sizeof(*s)))
		return -ENOMEM;
	s = &c->t->icmp[c->t->nicmp++];
	s->v6 = key >> 16;
	s->type = key >> 8;
	s->code = key;
	s->packets = sum[0];
	return 0;
}

static int read_talk_stats(int fd, struct pl_talk_stats *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pl_talk_stats *per;
	__u32 zero = 0;

	if (ncpu <= 0)
		return -EINVAL;
	per = calloc(ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &zero, per)) {
		int err = -errno;

		free(per);
		return err;
	}
	memset(out, 0, sizeof(*out));
	for (int c = 0; c < ncpu; c++) {
		out->created[0] += per[c].created[0];
		out->created[1] += per[c].created[1];
		out->evicted[0] += per[c].evicted[0];
		out->evicted[1] += per[c].evicted[1];
		out->update_fail += per[c].update_fail;
	}
	free(per);
	return 0;
}

/* Open-addressing index of an address array; cap a power of two > 2n. */
static size_t slot(const struct pl_addr_stat *a, const size_t *idx, size_t cap,
		   const __u32 addr[4], __u8 family)
{
	__u32 h = 2166136261u;

	for (int i = 0; i < 4; i++)
		h = (h ^ addr[i]) * 16777619u;
	for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
		if (idx[i] == (size_t)-1)
			return i;
		if (a[idx[i]].family == family && !memcmp(a[idx[i]].addr, addr, 16))
			return i;
	}
}

/* Each address's flows: those in which it sent (@dst false) or received. */
static int count_flows(struct pl_addr_stat *a, size_t n, const struct pl_flow *flows,
		       size_t nflows, bool dst)
{
	size_t cap = 16, *idx;

	while (cap < 2 * n + 16)
		cap *= 2;
	idx = malloc(cap * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	memset(idx, 0xff, cap * sizeof(*idx));
	for (size_t i = 0; i < n; i++)
		idx[slot(a, idx, cap, a[i].addr, a[i].family)] = i;
	for (size_t i = 0; i < nflows; i++) {
		const struct pl_flow *f = &flows[i];

		for (int d = 0; d < 2; d++) {
			const __u32 *from = d == PL_DIR_A_TO_B ? f->key.addr_a : f->key.addr_b;
			const __u32 *to = d == PL_DIR_A_TO_B ? f->key.addr_b : f->key.addr_a;
			size_t s;

			if (!f->val.packets[d])
				continue;
			s = slot(a, idx, cap, dst ? to : from, f->key.family);
			if (idx[s] != (size_t)-1)
				a[idx[s]].flows++;
		}
	}
	free(idx);
	return 0;
}

int pl_talkers_read(struct pl_talkers *t, const struct pl_talker_fds *fds,
		    const struct pl_flow *flows, size_t nflows)
{
	struct port_ctx pc = { t, 0 }, ic = { t, 0 };
	int err = 0;

	memset(t, 0, sizeof(*t));
	if (fds->srcs >= 0 && fds->dsts >= 0) {
		err = read_addr_map(fds->srcs, &t->src, &t->nsrc, &t->src_capacity);
		if (!err)
			err = read_addr_map(fds->dsts, &t->dst, &t->ndst, &t->dst_capacity);
		if (!err)
			err = count_flows(t->src, t->nsrc, flows, nflows, false);
		if (!err)
			err = count_flows(t->dst, t->ndst, flows, nflows, true);
		t->present = !err;
	}
	if (!err && fds->stats >= 0)
		err = read_talk_stats(fds->stats, &t->st);
	if (!err && fds->ports >= 0)
		err = read_mmap_array(fds->ports, sizeof(struct pl_count), take_port, &pc);
	if (!err && fds->icmp >= 0)
		err = read_mmap_array(fds->icmp, sizeof(__u64), take_icmp, &ic);
	if (err)
		pl_talkers_free(t);
	return err;
}

void pl_talkers_free(struct pl_talkers *t)
{
	free(t->src);
	free(t->dst);
	free(t->ports);
	free(t->icmp);
	memset(t, 0, sizeof(*t));
}

__u64 pl_talkers_evicted(const struct pl_talkers *t, bool dst)
{
	return t->st.evicted[dst];
}

static int cmp_addr_key(const struct pl_addr_stat *x, const struct pl_addr_stat *y)
{
	if (x->family != y->family)
		return x->family - y->family;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

static int cmp_addr_bytes(const void *a, const void *b)
{
	const struct pl_addr_stat *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return cmp_addr_key(x, y);
}

static int cmp_addr_packets(const void *a, const void *b)
{
	const struct pl_addr_stat *x = a, *y = b;

	if (x->packets != y->packets)
		return x->packets < y->packets ? 1 : -1;
	return cmp_addr_key(x, y);
}

void pl_addrs_sort(struct pl_addr_stat *a, size_t n, enum pl_flow_order order)
{
	if (n > 1)
		qsort(a, n, sizeof(*a), order == PL_ORDER_BYTES ? cmp_addr_bytes : cmp_addr_packets);
}

static int cmp_port_key(const struct pl_port_stat *x, const struct pl_port_stat *y)
{
	return (x->kind << 16 | x->port) - (y->kind << 16 | y->port);
}

static int cmp_port_bytes(const void *a, const void *b)
{
	const struct pl_port_stat *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return cmp_port_key(x, y);
}

static int cmp_port_packets(const void *a, const void *b)
{
	const struct pl_port_stat *x = a, *y = b;

	if (x->packets != y->packets)
		return x->packets < y->packets ? 1 : -1;
	return cmp_port_key(x, y);
}

void pl_ports_sort(struct pl_port_stat *p, size_t n, enum pl_flow_order order)
{
	if (n > 1)
		qsort(p, n, sizeof(*p), order == PL_ORDER_BYTES ? cmp_port_bytes : cmp_port_packets);
}
