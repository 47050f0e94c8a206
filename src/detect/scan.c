// SPDX-License-Identifier: BSD-2-Clause
/*
 * scan.c - scans from the flow table: each flow that moved this tick, started within
 * the scan window and looks like a probe (a few packets in the shape a scanner sends:
 * SYN, FIN, NULL, XMAS, ACK, a handshake torn down at once, a UDP datagram nobody here
 * answered, an ICMP echo) is a target of its initiator (a SYN's options tell connect()
 * from a raw scanner's). Per source, at most SCAN_TARGETS targets are kept (the
 * newest); at most max_sources sources (the least recent are evicted, and counted).
 * A source with scan_ports distinct ports or scan_hosts distinct hosts of one style
 * within the scan window is a scan of that style.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "util/sort.h"
#include "detect/internal.h"

#define SCAN_TARGETS 128

enum style {
	ST_SYN_ONLY, /* SYN, no answer or RST: a raw SYN (MSS at most) to a closed port */
	ST_SYN_OS,   /* the same with an operating system's SYN (PL_FLOW_OS_SYN): connect() */
	ST_SYN_HALF, /* SYN then RST without ACK: a half-open (raw) SYN scan's open port */
	ST_CONNECT,  /* handshake completed and torn down at once, no data */
	ST_FIN, ST_NULL, ST_XMAS, ST_ACK, ST_UDP, ST_ICMP,
	ST_MAX,
};

/* Style groups that are alerted: SYN-based probes are one group. */
enum group { G_SYN, G_FIN, G_NULL, G_XMAS, G_ACK, G_UDP, G_ICMP, G_MAX };

static const enum group group_of[ST_MAX] = {
	[ST_SYN_ONLY] = G_SYN, [ST_SYN_OS] = G_SYN, [ST_SYN_HALF] = G_SYN, [ST_CONNECT] = G_SYN, [ST_FIN] = G_FIN,
	[ST_NULL] = G_NULL,    [ST_XMAS] = G_XMAS,    [ST_ACK] = G_ACK,     [ST_UDP] = G_UDP,
	[ST_ICMP] = G_ICMP,
};

struct target {
	__u32 host[4];
	__u16 port; /* host order; 0 for ICMP */
	__u8 style;
	__u64 ns;
};

struct scan_src {
	struct pl_addr_key key;
	uint64_t last_ns;
	uint64_t scanning_until; /* program time: its SYNs are a scan's, not a flood's */
	unsigned int nt, next;
	bool touched;
	/* probes per style in the window (the ring may have dropped some): the style */
	unsigned int seen[ST_MAX];
	uint64_t seen_ns[ST_MAX];
	struct target t[SCAN_TARGETS];
};

struct probe {
	struct pl_addr_key key;
	struct target t;
};

struct pl_scan {
	struct scan_src **src; /* sorted by key; room for max */
	size_t n, max;
	uint64_t evicted;
	struct probe *pr;
	size_t npr, prcap;
};

struct pl_scan *pl_scan_new(unsigned int max_sources)
{
	struct pl_scan *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->max = max_sources ? max_sources : 1;
	return s;
}

void pl_scan_free(struct pl_scan *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->src[i]);
	free(s->src);
	free(s->pr);
	free(s);
}

uint64_t pl_scan_evicted(const struct pl_scan *s)
{
	return s->evicted;
}

size_t pl_scan_tracked(const struct pl_scan *s)
{
	return s->n;
}

/* Did this host send anything on the flow in direction @dir (live: what left)? */
static bool sent_back(int egress_fd, const struct pl_flow_key *k, int dir)
{
	struct pl_l7_egress_val v;

	if (egress_fd < 0 || bpf_map_lookup_elem(egress_fd, k, &v))
		return false;
	return v.packets[dir & 1] > 0;
}

/* The probe style of a flow, or -1: not a probe. */
static int classify(const struct pl_flow *f, const struct pl_det_input *in)
{
	int ini = f->val.initiator & 1, rsp = !ini;
	unsigned int fi = (f->val.tcp_flags >> (8 * ini)) & 0xff;
	unsigned int fr = (f->val.tcp_flags >> (8 * rsp)) & 0xff;
	__u64 pi = f->val.packets[ini], pr = f->val.packets[rsp];

	(void)fr;
	if (f->key.proto == 6) {
		if (pi > 4)
			return -1;
		if ((fi & ~PL_TCP_RST) == PL_TCP_SYN) {
			/* an OS's SYN torn down bare: a SYN-ACK after connect() gave up */
			if (f->val.tcp_flags & (PL_FLOW_OS_SYN << ini))
				return ST_SYN_OS;
			return fi & PL_TCP_RST ? ST_SYN_HALF : ST_SYN_ONLY;
		}
		if ((fi & (PL_TCP_SYN | PL_TCP_ACK | PL_TCP_RST)) ==
			    (PL_TCP_SYN | PL_TCP_ACK | PL_TCP_RST) &&
		    !(fi & (PL_TCP_PSH | PL_TCP_FIN)) && f->val.bytes[ini] <= pi * 90)
			return ST_CONNECT;
		if (fi == PL_TCP_FIN)
			return ST_FIN;
		if (fi == 0)
			return ST_NULL;
		if ((fi & (PL_TCP_FIN | PL_TCP_PSH | PL_TCP_URG)) ==
			    (PL_TCP_FIN | PL_TCP_PSH | PL_TCP_URG) && !(fi & PL_TCP_SYN))
			return ST_XMAS;
		if (fi == PL_TCP_ACK && pi <= 2 && pr <= 1)
			return ST_ACK;
		return -1;
	}
	if (f->key.proto == 17) {
		if (pi > 3 || pr > 1 || (!in->offline && sent_back(in->egress_fd, &f->key, rsp)))
			return -1;
		return ST_UDP;
	}
	if (f->key.proto == 1 || f->key.proto == 58) {
		/* echo flows carry the identifier as their ports */
		if (!f->key.port_a || pi > 2 || pr > 0 ||
		    (!in->offline && sent_back(in->egress_fd, &f->key, rsp)))
			return -1;
		return ST_ICMP;
	}
	return -1;
}

static int add_probe(struct pl_scan *s, const struct pl_flow *f, int style, __u64 now)
{
	int ini = f->val.initiator & 1;
	struct probe *p;

	if (s->npr == s->prcap) {
		size_t cap = s->prcap ? s->prcap * 2 : 256;
		void *n = realloc(s->pr, cap * sizeof(*s->pr));

		if (!n)
			return -ENOMEM;
		s->pr = n;
		s->prcap = cap;
	}
	p = &s->pr[s->npr++];
	memset(p, 0, sizeof(*p));
	p->key.family = f->key.family;
	memcpy(p->key.addr, ini ? f->key.addr_b : f->key.addr_a, 16);
	memcpy(p->t.host, ini ? f->key.addr_a : f->key.addr_b, 16);
	p->t.port = style == ST_ICMP ? 0 : ntohs(ini ? f->key.port_a : f->key.port_b);
	p->t.style = (__u8)style;
	p->t.ns = now;
	return 0;
}

static int cmp_probe(const void *a, const void *b)
{
	return memcmp(&((const struct probe *)a)->key, &((const struct probe *)b)->key,
		      sizeof(struct pl_addr_key));
}

/* The whole probe: the targets a full ring keeps do not depend on the table's order. */
static int cmp_probe_all(const void *a, const void *b)
{
	const struct probe *x = a, *y = b;
	int c = cmp_probe(a, b);

	if (c)
		return c;
	c = memcmp(x->t.host, y->t.host, 16);
	if (c)
		return c;
	return x->t.port != y->t.port ? x->t.port - y->t.port : x->t.style - y->t.style;
}

static int cmp_src(const void *a, const void *b)
{
	const struct scan_src *x = *(const struct scan_src *const *)a;
	const struct scan_src *y = *(const struct scan_src *const *)b;

	return memcmp(&x->key, &y->key, sizeof(x->key));
}

static int cmp_recent(const void *a, const void *b)
{
	const struct scan_src *x = *(const struct scan_src *const *)a;
	const struct scan_src *y = *(const struct scan_src *const *)b;

	return x->last_ns < y->last_ns ? 1 : x->last_ns > y->last_ns ? -1 : 0;
}

/* @k among the first @n (sorted) sources, or NULL. */
static struct scan_src *find_in(struct pl_scan *s, size_t n, const struct pl_addr_key *k)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = memcmp(&s->src[mid]->key, k, sizeof(*k));

		if (!c)
			return s->src[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Add or refresh a target; true when it is new. */
static bool add_target(struct scan_src *src, const struct target *t)
{
	for (unsigned int i = 0; i < src->nt; i++) {
		struct target *o = &src->t[i];

		if (o->port == t->port && o->style == t->style && !memcmp(o->host, t->host, 16)) {
			o->ns = t->ns;
			return false;
		}
	}
	src->t[src->next] = *t;
	src->next = (src->next + 1) % SCAN_TARGETS;
	if (src->nt < SCAN_TARGETS)
		src->nt++;
	return true;
}

/* Keep at most max sources: the most recent (the ones evicted are counted). */
static void bound(struct pl_scan *s, size_t extra)
{
	size_t keep;

	if (s->n + extra <= s->max)
		return;
	keep = s->n + extra > s->max * 2 ? 0 : s->max - (extra < s->max ? extra : s->max);
	keep = keep > s->max / 2 ? s->max / 2 : keep;
	pl_qsort(s->src, s->n, sizeof(*s->src), cmp_recent);
	for (size_t i = keep; i < s->n; i++)
		free(s->src[i]);
	s->evicted += s->n - keep;
	s->n = keep;
	pl_qsort(s->src, s->n, sizeof(*s->src), cmp_src);
}

/* Put this tick's probes into their sources (new sources are made). */
static int merge(struct pl_scan *s, uint64_t win)
{
	struct scan_src *src = NULL;
	size_t nnew = 0;

	pl_qsort(s->pr, s->npr, sizeof(*s->pr), cmp_probe_all);
	for (size_t i = 0; i < s->npr; i++)
		if ((i == 0 || cmp_probe(&s->pr[i - 1], &s->pr[i])) &&
		    !find_in(s, s->n, &s->pr[i].key))
			nnew++;
	bound(s, nnew);
	/*
	 * Room for max sources, made once: sources bound() evicted come back as new ones
	 * when they probe again this tick, beyond the nnew counted before it (a spoofed
	 * flood from a /16 wrote past an array sized n + nnew).
	 */
	if (!s->src) {
		s->src = malloc(s->max * sizeof(*s->src));
		if (!s->src)
			return -ENOMEM;
	}
	/* New sources go after the sorted ones (probes come sorted: one lookup a source). */
	for (size_t i = 0, base = s->n; i < s->npr; i++) {
		struct target *t = &s->pr[i].t;

		if (!i || cmp_probe(&s->pr[i - 1], &s->pr[i])) {
			src = find_in(s, base, &s->pr[i].key);
			if (!src && s->n < s->max) {
				src = calloc(1, sizeof(*src));
				if (!src)
					return -ENOMEM;
				src->key = s->pr[i].key;
				s->src[s->n++] = src;
			}
		}
		if (!src) /* more than the bound lets in */
			continue;
		if (add_target(src, t)) {
			if (t->ns > src->seen_ns[t->style] + win)
				src->seen[t->style] = 0;
			src->seen[t->style]++;
			src->seen_ns[t->style] = t->ns;
		}
		src->last_ns = t->ns;
		src->touched = true;
	}
	pl_qsort(s->src, s->n, sizeof(*s->src), cmp_src);
	s->npr = 0;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static size_t distinct(__u64 *v, size_t n)
{
	size_t k = 0;

	pl_qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < n; i++)
		if (!i || v[i] != v[i - 1])
			k++;
	return k;
}

static __u64 host_hash(const __u32 *h)
{
	return ((__u64)h[2] << 32 | h[3]) ^ ((__u64)h[0] << 32 | h[1]) * 0x9e3779b97f4a7c15ULL;
}

static const char *style_name(int g, const unsigned int *cnt)
{
	static const char *const names[G_MAX] = { "syn", "fin", "null", "xmas", "ack", "udp",
						  "icmp" };

	/*
	 * A raw SYN scan tears open ports down with a bare RST, connect() completes the
	 * handshake; to closed ports both get a RST, and only the SYN tells them apart: an
	 * operating system's carries its options, a raw scanner's the MSS at most.
	 */
	if (g == G_SYN && !cnt[ST_SYN_HALF] &&
	    (cnt[ST_CONNECT] || cnt[ST_SYN_OS] > cnt[ST_SYN_ONLY]))
		return "connect";
	return names[g];
}

static unsigned int sid_of(const char *style)
{
	static const struct { const char *s; unsigned int sid; } m[] = {
		{ "syn", PL_SID_SCAN_SYN }, { "connect", PL_SID_SCAN_CONNECT },
		{ "fin", PL_SID_SCAN_FIN }, { "null", PL_SID_SCAN_NULL },
		{ "xmas", PL_SID_SCAN_XMAS }, { "ack", PL_SID_SCAN_ACK },
		{ "udp", PL_SID_SCAN_UDP }, { "icmp", PL_SID_SWEEP_ICMP },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(m[i].s, style))
			return m[i].sid;
	return 0;
}

/* Distinct hosts and ports of group @g in the window; the most probed host in @top. */
static void count_group(const struct scan_src *src, int g, __u64 since, size_t *hosts,
			size_t *ports, unsigned int *cnt, __u32 *top)
{
	__u64 h[SCAN_TARGETS], p[SCAN_TARGETS];
	size_t n = 0, best = 0;

	memset(cnt, 0, ST_MAX * sizeof(*cnt));
	for (unsigned int i = 0; i < src->nt; i++) {
		const struct target *t = &src->t[i];

		if (t->ns < since || group_of[t->style] != (enum group)g)
			continue;
		cnt[t->style]++;
		h[n] = host_hash(t->host);
		p[n] = (__u64)t->port;
		n++;
	}
	*hosts = n ? distinct(h, n) : 0;
	*ports = n ? distinct(p, n) : 0;
	/* the victim: the host with the most targets (ties: the first) */
	for (unsigned int i = 0; i < src->nt; i++) {
		const struct target *t = &src->t[i];
		size_t c = 0;

		if (t->ns < since || group_of[t->style] != (enum group)g)
			continue;
		for (unsigned int j = 0; j < src->nt; j++)
			c += src->t[j].ns >= since && group_of[src->t[j].style] == (enum group)g &&
			     !memcmp(src->t[j].host, t->host, 16);
		if (c > best) {
			best = c;
			memcpy(top, t->host, 16);
		}
	}
}

static void evaluate(struct pl_det *d, struct scan_src *src)
{
	__u64 now = d->in->now_ns, win = (__u64)(d->cfg.scan_window_s * 1e9);
	__u64 since = now > win ? now - win : 0;

	for (int g = 0; g < G_MAX; g++) {
		unsigned int cnt[ST_MAX];
		size_t hosts, ports;
		const char *style;
		json_object *in;
		__u32 top[4] = {};
		bool vertical;

		count_group(src, g, since, &hosts, &ports, cnt, top);
		/* probes per style: the targets in the window, or more if the ring dropped
		 * some (a target refreshed late counts, its first probe may be older) */
		for (int st = 0; st < ST_MAX; st++)
			if (src->seen_ns[st] >= since && src->seen[st] > cnt[st])
				cnt[st] = src->seen[st];
		vertical = d->cfg.scan_ports && ports >= d->cfg.scan_ports;
		if (!vertical && !(d->cfg.scan_hosts && hosts >= d->cfg.scan_hosts))
			continue;
		style = style_name(g, cnt);
		src->scanning_until = now + win;
		in = json_object_new_object();
		if (in) {
			json_object_object_add(in, "ports", json_object_new_int64((int64_t)ports));
			json_object_object_add(in, "hosts", json_object_new_int64((int64_t)hosts));
			json_object_object_add(in, "direction", json_object_new_string(
							vertical ? "vertical" : "horizontal"));
			json_object_object_add(in, "window_s", json_object_new_double(
							d->cfg.scan_window_s));
			json_object_object_add(in, "threshold", json_object_new_int64(
							vertical ? d->cfg.scan_ports : d->cfg.scan_hosts));
		}
		pl_det_raise(d, sid_of(style), &src->key, top,
			     g == G_UDP ? 17 : g == G_ICMP ? (src->key.family == 6 ? 58 : 1) : 6,
			     pl_det_evidence("scan", style, in), false);
	}
}

void pl_scan_tick(struct pl_det *d)
{
	const struct pl_det_input *in = d->in;
	struct pl_scan *s = d->scan;
	__u64 newest = d->watermark_ns, win = (__u64)(d->cfg.scan_window_s * 1e9);

	for (size_t i = 0; i < in->nflows; i++) {
		const struct pl_flow *f = &in->flows[i];
		int st;

		if (f->val.last_seen_ns > newest)
			newest = f->val.last_seen_ns;
		/*
		 * Flows that moved this tick and started within the window: a probe whose
		 * answer or teardown came after the last tick is seen again, whole.
		 */
		if (d->have_watermark && f->val.last_seen_ns <= d->watermark_ns)
			continue;
		if (f->val.first_seen_ns + win < in->now_ns)
			continue;
		st = classify(f, in);
		if (st >= 0 && add_probe(s, f, st, in->now_ns))
			break;
	}
	d->watermark_ns = newest;
	d->have_watermark = true;
	if (merge(s, win))
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (!s->src[i]->touched)
			continue;
		s->src[i]->touched = false;
		evaluate(d, s->src[i]);
	}
}

bool pl_scan_scanning(const struct pl_scan *s, const struct pl_addr_key *k, uint64_t now_ns)
{
	struct scan_src *src = find_in((struct pl_scan *)s, s->n, k);

	return src && src->scanning_until > now_ns;
}
