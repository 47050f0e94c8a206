// SPDX-License-Identifier: BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "analysis/stats.h"

int pl_stats_read(int stats_fd, struct pl_stats *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pl_stats *per;
	__u32 zero = 0;
	size_t words = sizeof(*out) / sizeof(__u64);

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	per = calloc(ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	if (bpf_map_lookup_elem(stats_fd, &zero, per)) {
		int err = -errno;

		free(per);
		return err;
	}
	memset(out, 0, sizeof(*out));
	for (int c = 0; c < ncpu; c++) {
		const __u64 *src = (const __u64 *)&per[c];
		__u64 *dst = (__u64 *)out;

		for (size_t i = 0; i < words; i++)
			dst[i] += src[i];
	}
	free(per);
	return 0;
}

void pl_stats_sub(struct pl_stats *out, const struct pl_stats *a, const struct pl_stats *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;
	__u64 *o = (__u64 *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(__u64); i++)
		o[i] = x[i] - y[i];
}

void pl_stats_add(struct pl_stats *out, const struct pl_stats *a)
{
	const __u64 *x = (const __u64 *)a;
	__u64 *o = (__u64 *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(__u64); i++)
		o[i] += x[i];
}

/* The program's size_bucket(), for frames counted in user space. */
static unsigned int size_class(__u64 len)
{
	static const __u64 upper[] = { 64, 127, 255, 511, 1023, 1518 };
	unsigned int i = 0;

	while (i < sizeof(upper) / sizeof(upper[0]) && len > upper[i])
		i++;
	return i;
}

void pl_stats_add_short_frame(struct pl_stats *s, __u64 caplen, __u64 wire_len)
{
	s->packets++;
	s->bytes += wire_len;
	s->size_hist[size_class(wire_len)]++;
	/* As the program counts it: only a frame that was that short is malformed. */
	if (wire_len > caplen)
		s->hdr_cut++;
	else
		s->malformed[PL_MAL_TRUNC_ETH]++;
	s->encap[PL_ENCAP_NONE]++;
}

/* Room for @want entries in *@arr (capacity *@cap); 0 or -ENOMEM (and *@arr freed). */
static int flows_reserve(struct pl_flow **arr, size_t *cap, size_t want)
{
	struct pl_flow *t;
	size_t ncap = *cap ? *cap : 1024;

	if (want <= *cap)
		return 0;
	while (ncap < want)
		ncap *= 2;
	t = realloc(*arr, ncap * sizeof(**arr));
	if (!t) {
		free(*arr);
		*arr = NULL;
		return -ENOMEM;
	}
	*arr = t;
	*cap = ncap;
	return 0;
}

/*
 * Key by key, for kernels without batch reads. On a busy LRU table a key evicted
 * under our feet restarts the walk from the first bucket, so keys may repeat.
 */
static int flows_read_by_key(int fd, struct pl_flow **arr, size_t *cap, size_t *cnt)
{
	struct pl_flow_key key, next;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (flows_reserve(arr, cap, *cnt + 1))
			return -ENOMEM;
		/* An entry evicted between next_key and lookup is simply skipped. */
		if (!bpf_map_lookup_elem(fd, &next, &(*arr)[*cnt].val)) {
			(*arr)[*cnt].key = next;
			memset((*arr)[*cnt].rate, 0, sizeof((*arr)[*cnt].rate));
			(*cnt)++;
		}
		key = next;
		prev = &key;
	}
	return 0;
}

/*
 * Bucket by bucket (BPF_MAP_LOOKUP_BATCH): an entry never moves between buckets, so
 * none is read twice however busy the table is. -EINVAL/-EOPNOTSUPP: not supported.
 */
static int flows_read_batch(int fd, struct pl_flow **arr, size_t *cap, size_t *cnt)
{
	__u32 chunk = 1024, in = 0, out = 0, got;
	struct pl_flow_key *keys = NULL;
	struct pl_flow_value *vals = NULL;
	bool first = true, last = false;
	int err = 0;

	while (!last) {
		if (!keys) {
			keys = malloc(chunk * sizeof(*keys));
			vals = malloc(chunk * sizeof(*vals));
			if (!keys || !vals) {
				err = -ENOMEM;
				break;
			}
		}
		got = chunk;
		err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, vals, &got, NULL);
		if (err == -ENOENT) { /* the end; what came with it still counts */
			err = 0;
			last = true;
		} else if (err == -ENOSPC && !got) { /* one bucket holds more than a chunk */
			free(keys), free(vals);
			keys = NULL, vals = NULL;
			chunk *= 2;
			continue;
		} else if (err) {
			break;
		}
		if (flows_reserve(arr, cap, *cnt + got)) {
			err = -ENOMEM;
			break;
		}
		for (__u32 i = 0; i < got; i++) {
			(*arr)[*cnt + i].key = keys[i];
			(*arr)[*cnt + i].val = vals[i];
			memset((*arr)[*cnt + i].rate, 0, sizeof((*arr)[*cnt + i].rate));
		}
		*cnt += got;
		in = out;
		first = false;
	}
	free(keys);
	free(vals);
	return err;
}

int pl_flows_read(int fd, struct pl_flow **flows, size_t *n)
{
	struct pl_flow *arr = NULL;
	size_t cap = 0, cnt = 0;
	int err;

	*flows = NULL;
	*n = 0;
	err = flows_read_batch(fd, &arr, &cap, &cnt);
	if ((err == -EINVAL || err == -EOPNOTSUPP || err == -524 /* ENOTSUPP */) && !cnt)
		err = flows_read_by_key(fd, &arr, &cap, &cnt);
	if (err) {
		free(arr);
		return err;
	}
	*flows = arr;
	*n = cnt;
	return 0;
}

static int cmp_bytes(const void *a, const void *b)
{
	const struct pl_flow *x = a, *y = b;
	__u64 bx = x->val.bytes[0] + x->val.bytes[1], by = y->val.bytes[0] + y->val.bytes[1];

	if (bx != by)
		return bx < by ? 1 : -1;
	/* Ties in key order: the same report whatever order the table was read in. */
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

static int cmp_packets(const void *a, const void *b)
{
	const struct pl_flow *x = a, *y = b;
	__u64 px = x->val.packets[0] + x->val.packets[1], py = y->val.packets[0] + y->val.packets[1];

	if (px != py)
		return px < py ? 1 : -1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

void pl_flow_rate(const struct pl_flow *f, struct pl_rate *sum)
{
	memset(sum, 0, sizeof(*sum));
	pl_rate_add(sum, &f->rate[0]);
	pl_rate_add(sum, &f->rate[1]);
}

/* By the rate, then by bytes: flows that were quiet in the interval keep an order. */
static int cmp_rate(const void *a, const void *b)
{
	const struct pl_flow *x = a, *y = b;
	float rx = x->rate[0].bps + x->rate[1].bps, ry = y->rate[0].bps + y->rate[1].bps;

	if (rx != ry)
		return rx < ry ? 1 : -1;
	return cmp_bytes(a, b);
}

void pl_flows_sort(struct pl_flow *flows, size_t n, enum pl_flow_order order)
{
	if (n > 1) /* qsort(NULL, 0) is undefined behaviour */
		qsort(flows, n, sizeof(*flows),
		      order == PL_ORDER_RATE ? cmp_rate : order == PL_ORDER_PACKETS ? cmp_packets
										 : cmp_bytes);
}

/* Open-addressing table of talkers keyed by address; sized at twice the flows. */
static size_t talker_slot(struct pl_talker *tab, size_t cap, const __u32 addr[4], __u8 family)
{
	__u32 h = 2166136261u;

	for (int i = 0; i < 4; i++)
		h = (h ^ addr[i]) * 16777619u;
	for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
		if (!tab[i].family || (tab[i].family == family && !memcmp(tab[i].addr, addr, 16)))
			return i;
	}
}

static int cmp_talker(const void *a, const void *b)
{
	const struct pl_talker *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	if (x->family != y->family)
		return x->family - y->family;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

static int cmp_talker_packets(const void *a, const void *b)
{
	const struct pl_talker *x = a, *y = b;

	if (x->packets != y->packets)
		return x->packets < y->packets ? 1 : -1;
	return cmp_talker(a, b);
}

static int cmp_talker_rate(const void *a, const void *b)
{
	const struct pl_talker *x = a, *y = b;

	if (x->rate.bps != y->rate.bps)
		return x->rate.bps < y->rate.bps ? 1 : -1;
	return cmp_talker(a, b);
}

void pl_talkers_sort(struct pl_talker *t, size_t n, enum pl_flow_order order)
{
	if (n > 1)
		qsort(t, n, sizeof(*t),
		      order == PL_ORDER_RATE	  ? cmp_talker_rate
		      : order == PL_ORDER_PACKETS ? cmp_talker_packets
						  : cmp_talker);
}

/* Senders (@dst false) or receivers of @flows, each direction that carried packets. */
static int top_ends(const struct pl_flow *flows, size_t n, bool dst, struct pl_talker **out,
		    size_t *nout)
{
	size_t cap = 16, cnt = 0;
	struct pl_talker *tab;

	while (cap < 4 * n + 16)
		cap *= 2;
	tab = calloc(cap, sizeof(*tab));
	if (!tab)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct pl_flow *f = &flows[i];

		for (int d = 0; d < 2; d++) {
			const __u32 *addr = (d == PL_DIR_A_TO_B) != dst ? f->key.addr_a : f->key.addr_b;
			struct pl_talker *t;

			if (!f->val.packets[d])
				continue;
			t = &tab[talker_slot(tab, cap, addr, f->key.family)];
			if (!t->family) {
				memcpy(t->addr, addr, 16);
				t->family = f->key.family;
				cnt++;
			}
			t->packets += f->val.packets[d];
			t->bytes += f->val.bytes[d];
			t->flows++;
			pl_rate_add(&t->rate, &f->rate[d]);
		}
	}
	/* Compact in place, then sort. */
	for (size_t i = 0, j = 0; i < cap; i++)
		if (tab[i].family)
			tab[j++] = tab[i];
	if (cnt > 1)
		qsort(tab, cnt, sizeof(*tab), cmp_talker);
	*out = tab;
	*nout = cnt;
	return 0;
}

int pl_top_sources(const struct pl_flow *flows, size_t n, struct pl_talker **out, size_t *nout)
{
	return top_ends(flows, n, false, out, nout);
}

int pl_top_destinations(const struct pl_flow *flows, size_t n, struct pl_talker **out,
			size_t *nout)
{
	return top_ends(flows, n, true, out, nout);
}

const char *pl_addr_str(const __u32 addr[4], __u8 family, char *buf, size_t len)
{
	if (family == 4)
		inet_ntop(AF_INET, &addr[3], buf, len);
	else
		inet_ntop(AF_INET6, addr, buf, len);
	return buf;
}

void pl_flow_view(const struct pl_flow *f, struct pl_flow_view *v)
{
	int fwd = f->val.initiator, rev = !fwd;

	v->src = fwd == PL_DIR_A_TO_B ? f->key.addr_a : f->key.addr_b;
	v->dst = fwd == PL_DIR_A_TO_B ? f->key.addr_b : f->key.addr_a;
	v->sport = ntohs(fwd == PL_DIR_A_TO_B ? f->key.port_a : f->key.port_b);
	v->dport = ntohs(fwd == PL_DIR_A_TO_B ? f->key.port_b : f->key.port_a);
	v->pkts_fwd = f->val.packets[fwd];
	v->pkts_rev = f->val.packets[rev];
	v->bytes_fwd = f->val.bytes[fwd];
	v->bytes_rev = f->val.bytes[rev];
	v->flags_fwd = (f->val.tcp_flags >> (8 * fwd)) & 0xff;
	v->flags_rev = (f->val.tcp_flags >> (8 * rev)) & 0xff;
}

const char *const pl_flow_states[PL_FLOW_STATES] = {
	"syn_sent", "syn_received", "established", "closing", "closed", "reset", "midstream",
	"unidirectional", "bidirectional", "ingress-only",
};

enum { ST_SYN_SENT, ST_SYN_RECEIVED, ST_ESTABLISHED, ST_CLOSING, ST_CLOSED, ST_RESET,
       ST_MIDSTREAM, ST_UNIDIRECTIONAL, ST_BIDIRECTIONAL, ST_INGRESS_ONLY };

const char *pl_flow_state_seen(const struct pl_flow *f, bool ingress_only)
{
	struct pl_flow_view v;
	__u8 all;

	/*
	 * Where only ingress is observed, a flow without a packet back may well have
	 * answers leaving unseen (a receiver's ACKs): no handshake state can be told.
	 */
	if (ingress_only && (!f->val.packets[0] || !f->val.packets[1]))
		return pl_flow_states[ST_INGRESS_ONLY];
	if (f->key.proto != 6)
		return pl_flow_states[f->val.packets[0] && f->val.packets[1] ? ST_BIDIRECTIONAL
									    : ST_UNIDIRECTIONAL];
	pl_flow_view(f, &v);
	all = v.flags_fwd | v.flags_rev;
	if (all & PL_TCP_RST)
		return pl_flow_states[ST_RESET];
	if ((v.flags_fwd & PL_TCP_FIN) && (v.flags_rev & PL_TCP_FIN))
		return pl_flow_states[ST_CLOSED];
	if (all & PL_TCP_FIN)
		return pl_flow_states[ST_CLOSING];
	if ((v.flags_fwd & PL_TCP_SYN) && (v.flags_rev & PL_TCP_SYN) && (v.flags_fwd & PL_TCP_ACK))
		return pl_flow_states[ST_ESTABLISHED];
	if ((v.flags_fwd & PL_TCP_SYN) && (v.flags_rev & PL_TCP_SYN))
		return pl_flow_states[ST_SYN_RECEIVED];
	if (v.flags_fwd & PL_TCP_SYN)
		return pl_flow_states[ST_SYN_SENT];
	return pl_flow_states[ST_MIDSTREAM]; /* joined after the handshake */
}

const char *pl_flow_state(const struct pl_flow *f)
{
	return pl_flow_state_seen(f, false);
}
