// SPDX-License-Identifier: BSD-2-Clause
/*
 * screen_talk.c - the address, port and ICMP rows of the terminal view. Without a
 * filter they are the kernel's own tables (bpf/talkers.h: counts that outlive evicted
 * flows, and the spread sketches), each row's rate the sum of its flows' rates the way
 * it sent or received; with a filter, the flows that match are all there is to count
 * (the kernel does not know which packets a filter would take). ICMP types and codes
 * are the kernel's only: flows do not keep them.
 */
#include <errno.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <string.h>
#include "sinks/screen.h"

/* A deep copy of @from's arrays into @to; 0 or -ENOMEM (then @to is empty). */
static int talk_copy(struct pl_talkers *to, const struct pl_talkers *from)
{
	*to = *from;
	to->src = to->dst = NULL;
	to->ports = NULL;
	to->icmp = NULL;
	to->src = malloc((from->nsrc ? from->nsrc : 1) * sizeof(*to->src));
	to->dst = malloc((from->ndst ? from->ndst : 1) * sizeof(*to->dst));
	to->ports = malloc((from->nports ? from->nports : 1) * sizeof(*to->ports));
	to->icmp = malloc((from->nicmp ? from->nicmp : 1) * sizeof(*to->icmp));
	if (!to->src || !to->dst || !to->ports || !to->icmp) {
		pl_talkers_free(to);
		return -ENOMEM;
	}
	if (from->nsrc)
		memcpy(to->src, from->src, from->nsrc * sizeof(*to->src));
	if (from->ndst)
		memcpy(to->dst, from->dst, from->ndst * sizeof(*to->dst));
	if (from->nports)
		memcpy(to->ports, from->ports, from->nports * sizeof(*to->ports));
	if (from->nicmp)
		memcpy(to->icmp, from->icmp, from->nicmp * sizeof(*to->icmp));
	return 0;
}

static void free_rows(struct pl_screen *s)
{
	free(s->sources);
	free(s->dests);
	free(s->ports);
	s->sources = s->dests = NULL;
	s->ports = NULL;
	s->icmp = NULL;
	s->nsources = s->ndests = s->nports = s->nicmp = 0;
}

void pl_screen_talk_free(struct pl_screen *s)
{
	free_rows(s);
	pl_talkers_free(&s->talk);
}

int pl_screen_talk_take(struct pl_screen *s, const struct pl_talkers *t)
{
	pl_screen_talk_free(s);
	return t ? talk_copy(&s->talk, t) : 0;
}

/* ---- order ------------------------------------------------------------------------ */

static enum pl_flow_order g_order; /* for the comparators below (qsort has no argument) */

/* Largest first by the order, then by the key @kc (ascending) so that ties are stable. */
static int by_order(double rx, double ry, __u64 bx, __u64 by, __u64 px, __u64 py, int kc)
{
	if (g_order == PL_ORDER_RATE && rx != ry)
		return rx < ry ? 1 : -1;
	if (g_order == PL_ORDER_PACKETS && px != py)
		return px < py ? 1 : -1;
	if (bx != by)
		return bx < by ? 1 : -1;
	return kc;
}

static int cmp_addr(const struct pl_talker *x, const struct pl_talker *y)
{
	if (x->family != y->family)
		return x->family - y->family;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

static int cmp_addr_v(const void *a, const void *b)
{
	return cmp_addr(a, b);
}

static int cmp_addr_row(const void *a, const void *b)
{
	const struct pl_screen_addr *x = a, *y = b;

	return by_order(x->t.rate.bps, y->t.rate.bps, x->t.bytes, y->t.bytes, x->t.packets,
			y->t.packets, cmp_addr(&x->t, &y->t));
}

static __u32 port_key(const struct pl_screen_port *p)
{
	return (__u32)p->kind << 16 | p->port;
}

static int cmp_port_key(const void *a, const void *b)
{
	__u32 x = port_key(a), y = port_key(b);

	return x < y ? -1 : x > y;
}

static int cmp_port_row(const void *a, const void *b)
{
	const struct pl_screen_port *x = a, *y = b;

	return by_order(x->rate.bps, y->rate.bps, x->bytes, y->bytes, x->packets, y->packets,
			cmp_port_key(a, b));
}

static int cmp_icmp(const void *a, const void *b)
{
	const struct pl_icmp_stat *x = a, *y = b;
	__u32 kx = x->v6 << 16 | x->type << 8 | x->code, ky = y->v6 << 16 | y->type << 8 | y->code;

	if (x->packets != y->packets)
		return x->packets < y->packets ? 1 : -1;
	return kx < ky ? -1 : kx > ky;
}

/* ---- rows --------------------------------------------------------------------------- */

int pl_flow_ports(const struct pl_flow *f, size_t n, struct pl_screen_port **out, size_t *nout)
{
	struct pl_screen_port *p = malloc((4 * n + 1) * sizeof(*p));
	size_t k = 0, o = 0;

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		__u8 proto = f[i].key.proto;

		if (proto != 6 && proto != 17 && proto != 132)
			continue;
		for (int d = 0; d < 2; d++) {
			__u16 a = ntohs(f[i].key.port_a), b = ntohs(f[i].key.port_b);
			__u16 dport = d == PL_DIR_A_TO_B ? b : a, sport = d == PL_DIR_A_TO_B ? a : b;
			struct pl_screen_port r = { .packets = f[i].val.packets[d],
						    .bytes = f[i].val.bytes[d],
						    .rate = f[i].rate[d] };

			if (!r.packets)
				continue;
			r.kind = proto == 6 ? PL_PORT_TCP_DST : proto == 17 ? PL_PORT_UDP_DST
									 : PL_PORT_SCTP_DST;
			r.port = dport;
			p[k++] = r;
			if (proto == 17) {
				r.kind = PL_PORT_UDP_SRC;
				r.port = sport;
				p[k++] = r;
			}
		}
	}
	if (k > 1)
		qsort(p, k, sizeof(*p), cmp_port_key);
	for (size_t i = 0; i < k; i++) {
		if (o && !cmp_port_key(&p[o - 1], &p[i])) {
			p[o - 1].packets += p[i].packets;
			p[o - 1].bytes += p[i].bytes;
			pl_rate_add(&p[o - 1].rate, &p[i].rate);
		} else {
			p[o++] = p[i];
		}
	}
	*out = p;
	*nout = o;
	return 0;
}

const struct pl_rate *pl_flow_port_rate(const struct pl_screen_port *fp, size_t n, __u8 kind,
					__u16 port)
{
	static const struct pl_rate none;
	struct pl_screen_port key = { .kind = kind, .port = port };
	const struct pl_screen_port *f = n ? bsearch(&key, fp, n, sizeof(*fp), cmp_port_key) : NULL;

	return f ? &f->rate : &none;
}

/*
 * Address rows of @n kernel entries @a (NULL: from the flows' @ft instead), each with
 * the rate of its entry in @ft (sorted by address; absent: no flow now, rate 0).
 */
static struct pl_screen_addr *addr_rows(const struct pl_addr_stat *a, size_t n,
					const struct pl_talker *ft, size_t nft, size_t *nout)
{
	size_t cnt = a ? n : nft;
	struct pl_screen_addr *r = malloc((cnt ? cnt : 1) * sizeof(*r));

	if (!r)
		return NULL;
	for (size_t i = 0; i < cnt; i++) {
		struct pl_screen_addr *x = &r[i];
		const struct pl_talker *f;

		memset(x, 0, sizeof(*x));
		if (!a) {
			x->t = ft[i];
			x->peers = x->ports = -1;
			continue;
		}
		memcpy(x->t.addr, a[i].addr, sizeof(x->t.addr));
		x->t.family = a[i].family;
		x->t.packets = a[i].packets;
		x->t.bytes = a[i].bytes;
		x->t.flows = a[i].flows;
		x->peers = a[i].peers;
		x->ports = a[i].ports;
		f = nft ? bsearch(&x->t, ft, nft, sizeof(*ft), cmp_addr_v) : NULL;
		if (f)
			x->t.rate = f->rate;
	}
	*nout = cnt;
	return r;
}

/* Port rows: the kernel's (@kp, with the flows' rates from @fp, sorted by key) or @fp's. */
static struct pl_screen_port *port_rows(const struct pl_port_stat *kp, size_t nk,
					struct pl_screen_port *fp, size_t nfp, size_t *nout)
{
	struct pl_screen_port *r;

	if (!kp) {
		*nout = nfp;
		return fp;
	}
	r = malloc((nk ? nk : 1) * sizeof(*r));
	if (r) {
		for (size_t i = 0; i < nk; i++) {
			r[i] = (struct pl_screen_port){ .kind = kp[i].kind, .port = kp[i].port };
			r[i].packets = kp[i].packets;
			r[i].bytes = kp[i].bytes;
			r[i].rate = *pl_flow_port_rate(fp, nfp, kp[i].kind, kp[i].port);
		}
		*nout = nk;
	}
	free(fp);
	return r;
}

static size_t cut(size_t n, int top)
{
	return top > 0 && n > (size_t)top ? (size_t)top : top > 0 ? n : 0;
}

int pl_screen_talk_select(struct pl_screen *s, const struct pl_flow *match, size_t n,
			  bool filtered, enum pl_flow_order order)
{
	bool kern = s->talk.present && !filtered;
	struct pl_talker *fs = NULL, *fd = NULL;
	struct pl_screen_port *fp = NULL;
	size_t nfs = 0, nfd = 0, nfp = 0, ns = 0, nd = 0, np = 0;
	int err = -ENOMEM;

	free_rows(s);
	if (pl_top_sources(match, n, &fs, &nfs) || pl_top_destinations(match, n, &fd, &nfd) ||
	    pl_flow_ports(match, n, &fp, &nfp))
		goto out;
	if (nfs > 1) /* by address, for the rates' look-up */
		qsort(fs, nfs, sizeof(*fs), cmp_addr_v);
	if (nfd > 1)
		qsort(fd, nfd, sizeof(*fd), cmp_addr_v);
	s->sources = addr_rows(kern ? s->talk.src : NULL, s->talk.nsrc, fs, nfs, &ns);
	s->dests = addr_rows(kern ? s->talk.dst : NULL, s->talk.ndst, fd, nfd, &nd);
	s->ports = port_rows(kern ? s->talk.ports : NULL, s->talk.nports, fp, nfp, &np);
	fp = NULL;
	if (!s->sources || !s->dests || !s->ports)
		goto out;
	g_order = order;
	qsort(s->sources, ns, sizeof(*s->sources), cmp_addr_row);
	qsort(s->dests, nd, sizeof(*s->dests), cmp_addr_row);
	qsort(s->ports, np, sizeof(*s->ports), cmp_port_row);
	if (s->talk.nicmp > 1)
		qsort(s->talk.icmp, s->talk.nicmp, sizeof(*s->talk.icmp), cmp_icmp);
	s->icmp = s->talk.icmp;
	s->nsources = cut(ns, s->r.top);
	s->ndests = cut(nd, s->r.top);
	s->nports = cut(np, s->r.top);
	s->nicmp = cut(s->talk.nicmp, s->r.top);
	s->from_flows = !kern;
	err = 0;
out:
	free(fs);
	free(fd);
	free(fp);
	if (err)
		free_rows(s);
	return err;
}
