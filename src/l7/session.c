// SPDX-License-Identifier: BSD-2-Clause
/*
 * session.c - flow-start samples from the kernel to nDPI and back (see session.h).
 * A flow's engine state (about 10 KB) lives only while it is being classified: once
 * done, its application events are written, its names tallied, its verdict written
 * to the kernel and kept (a small record), and the rest freed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "l7/classify.h"
#include "l7/eve.h"
#include "l7/pkt.h"
#include "l7/session.h"
#include "perf/svc.h"
#include "perf/svc_track.h"
#include "perf/tcp.h"
#include "sinks/json.h"

#define BUCKETS  (1u << 16)
#define TALLY_MAX 4096 /* distinct names kept per kind; later new names are counted apart */

struct sflow {
	struct sflow *next;
	struct pl_flow_key key;
	struct pl_l7_flow *l7;     /* while classifying */
	struct pl_l7_verdict v;    /* once done */
	uint8_t client_dir;        /* enum pl_flow_dir of the side that started it */
	uint8_t done;
	uint16_t fed[2];           /* samples given to the engine, per enum pl_flow_dir */
	uint64_t last_ns;          /* time of its latest sample (the program's clock) */
	uint64_t first_ns, end_ns; /* times of its first and latest received sample */
	uint32_t pkts[2];          /* received samples per enum pl_flow_dir, and their */
	uint64_t bytes[2];         /* bytes: a flow evicted unread has these (flow events) */
	struct pl_svc_track *trk;  /* its DNS/HTTP pairs (service latency), or NULL */
};

struct tally_ent {
	char *name;
	uint64_t count;
};

struct tally {
	struct tally_ent *e;
	size_t n, cap;
	uint64_t other; /* names not kept (TALLY_MAX reached) */
};

struct pl_l7_session {
	struct pl_l7_session_opts o;
	struct pl_l7_engine *engine;
	struct ring_buffer *rb;
	pthread_mutex_t lock;
	struct sflow *b[BUCKETS];
	uint64_t nflows, ndone;
	uint64_t skipped; /* samples of new flows left out at the max_classifying cap */
	uint64_t app_flows[PL_L7_APP_MAX], cat_flows[PL_L7_CAT_MAX];
	struct pl_l7_count moved_app[PL_L7_APP_MAX], moved_cat[PL_L7_CAT_MAX];
	char app_name[PL_L7_APP_MAX][64], cat_name[PL_L7_CAT_MAX][32];
	struct tally dns, sni, host;
	uint64_t bad_samples, eve_errors;
	const struct pl_tcp_view *tcp; /* for flow events, or NULL */
};

void pl_l7_set_tcp(struct pl_l7_session *s, const struct pl_tcp_view *v)
{
	if (s)
		s->tcp = v;
}

static uint64_t key_hash(const struct pl_flow_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static struct sflow *find(const struct pl_l7_session *s, const struct pl_flow_key *k)
{
	struct sflow *f = s->b[key_hash(k) & (BUCKETS - 1)];

	while (f && memcmp(&f->key, k, sizeof(*k)))
		f = f->next;
	return f;
}

static void tally_add(struct tally *t, const char *name)
{
	if (!name[0])
		return;
	for (size_t i = 0; i < t->n; i++) {
		if (!strcmp(t->e[i].name, name)) {
			t->e[i].count++;
			return;
		}
	}
	if (t->n == TALLY_MAX) {
		t->other++;
		return;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct tally_ent *e = realloc(t->e, cap * sizeof(*e));

		if (!e)
			return;
		t->e = e;
		t->cap = cap;
	}
	t->e[t->n].name = strdup(name);
	if (t->e[t->n].name)
		t->e[t->n++].count = 1;
}

static void tally_free(struct tally *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->e[i].name);
	free(t->e);
}

/* The IP header behind the Ethernet header and up to two VLAN tags; -1: not IP. */
static long l3_offset(const uint8_t *d, uint32_t n)
{
	uint32_t off = 14;
	unsigned int type;

	if (n < 14)
		return -1;
	type = (unsigned int)(d[12] << 8 | d[13]);
	for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8); i++) {
		if (off + 4 > n)
			return -1;
		type = (unsigned int)(d[off + 2] << 8 | d[off + 3]);
		off += 4;
	}
	if (type == 0x8864 && off + 8 <= n) { /* PPPoE session: PPP IPv4/IPv6 */
		unsigned int ppp = (unsigned int)(d[off + 6] << 8 | d[off + 7]);

		type = ppp == 0x0021 ? 0x0800 : ppp == 0x0057 ? 0x86dd : 0;
		off += 8;
	}
	return (type == 0x0800 || type == 0x86dd) && off < n ? (long)off : -1;
}

/*
 * A sample holds the frame's first bytes only: make the IP length say so, as nDPI
 * drops a packet whose header claims more than it is given (it never reads the cut
 * part; the TCP sequence numbers still place what there is).
 */
static void fit_ip_length(uint8_t *ip, uint32_t n)
{
	if ((ip[0] >> 4) == 4 && n >= 20) {
		uint32_t tot = (uint32_t)(ip[2] << 8 | ip[3]);

		if (tot > n) {
			ip[2] = (uint8_t)(n >> 8);
			ip[3] = (uint8_t)n;
		}
	} else if ((ip[0] >> 4) == 6 && n >= 40) {
		uint32_t pl = (uint32_t)(ip[4] << 8 | ip[5]);

		if (pl + 40 > n) {
			ip[4] = (uint8_t)((n - 40) >> 8);
			ip[5] = (uint8_t)(n - 40);
		}
	}
}

static void eve_flow_of(const struct sflow *f, struct pl_l7_eve_flow *ev)
{
	const struct pl_flow_key *k = &f->key;
	const uint8_t *a = (const uint8_t *)k->addr_a, *b = (const uint8_t *)k->addr_b;
	int v4 = k->family == 4;
	int client_a = f->client_dir == PL_DIR_A_TO_B;

	memset(ev, 0, sizeof(*ev));
	ev->flow_id = key_hash(k);
	ev->family = k->family;
	ev->proto = k->proto;
	ev->vlan = k->vlan;
	memcpy(ev->src, (client_a ? a : b) + (v4 ? 12 : 0), v4 ? 4 : 16);
	memcpy(ev->dst, (client_a ? b : a) + (v4 ? 12 : 0), v4 ? 4 : 16);
	ev->sport = ntohs(client_a ? k->port_a : k->port_b);
	ev->dport = ntohs(client_a ? k->port_b : k->port_a);
}

/* Packets and bytes the kernel counted as unknown before the verdict move to the app. */
static void move_counts(struct pl_l7_session *s, const struct sflow *f, uint16_t app,
			uint16_t cat)
{
	struct pl_flow_value fv;

	if (s->o.flows_fd < 0 || bpf_map_lookup_elem(s->o.flows_fd, &f->key, &fv))
		return;
	s->moved_app[app].packets += fv.packets[0] + fv.packets[1];
	s->moved_app[app].bytes += fv.bytes[0] + fv.bytes[1];
	s->moved_cat[cat].packets += fv.packets[0] + fv.packets[1];
	s->moved_cat[cat].bytes += fv.bytes[0] + fv.bytes[1];
}

static void complete(struct pl_l7_session *s, struct sflow *f)
{
	const struct pl_l7_meta *m = pl_l7_meta(f->l7);
	struct pl_l7_verdict_val vv = {};
	struct pl_l7_eve_flow ev;
	uint16_t app, cat;

	f->v = *pl_l7_verdict(f->l7);
	f->done = 1;
	s->ndone++;
	app = f->v.app_id ? f->v.app_id : f->v.master_id;
	app = app < PL_L7_APP_MAX ? app : PL_L7_APP_MAX - 1;
	cat = f->v.category_id < PL_L7_CAT_MAX ? f->v.category_id : PL_L7_CAT_MAX - 1;
	s->app_flows[app]++;
	s->cat_flows[cat]++;
	if (!s->app_name[app][0])
		snprintf(s->app_name[app], sizeof(s->app_name[app]), "%s",
			 app ? f->v.app : "Unknown");
	if (!s->cat_name[cat][0])
		snprintf(s->cat_name[cat], sizeof(s->cat_name[cat]), "%s", f->v.category);
	if (app) {
		vv.app = app;
		vv.master = f->v.master_id;
		vv.category = cat;
		if (!bpf_map_update_elem(s->o.verdicts_fd, &f->key, &vv, BPF_ANY))
			move_counts(s, f, app, cat);
	}
	/* A DNS or HTTP flow's pairs count from now on; any other's tracking ends. */
	if (f->trk && !pl_svc_track_bind(f->trk, s->o.svc, &f->key, f->client_dir,
					 m->dns.have_query, m->http.have_request)) {
		pl_svc_track_free(f->trk);
		f->trk = NULL;
	}
	if (m->dns.have_query)
		tally_add(&s->dns, m->dns.qname);
	tally_add(&s->sni, m->tls.sni);
	tally_add(&s->host, m->http.host);
	/* The flow's EVE fields, once for every consumer below. */
	eve_flow_of(f, &ev);
	ev.in_iface = s->o.in_iface;
	ev.pcap_filename = s->o.pcap_filename;
	if (s->o.on_meta)
		s->o.on_meta(s->o.on_meta_arg, &ev, m);
	if (s->o.eve && pl_l7_eve_write(s->o.eve, PL_L7_EVE_APP, &ev, &f->v, m) < 0)
		s->eve_errors++;
	if (s->o.on_classified)
		s->o.on_classified(s->o.on_classified_arg, &f->key, &f->v, m, &ev);
	pl_l7_flow_free(f->l7);
	f->l7 = NULL;
}

/* The sample's DNS/HTTP messages to the flow's service latency tracking. */
static void track(struct pl_l7_session *s, struct sflow *f, const struct pl_l7_sample *h,
		  const uint8_t *frame)
{
	long off = l3_offset(frame, h->cap_len);
	struct pl_l7_pkt p;

	if (!f->trk || off < 0 ||
	    pl_l7_pkt_decode(frame + off, h->cap_len - (size_t)off, &p) < 0)
		return;
	pl_svc_track_pkt(f->trk, &p, h->dir == f->client_dir,
			 h->ts_ns + (uint64_t)s->o.clock_to_unix_ns);
}

/* Give the sample to on_packet (signatures): @f may be NULL (a flow left out). */
static void notify(struct pl_l7_session *s, const struct sflow *f,
		   const struct pl_l7_sample *h, const uint8_t *frame)
{
	struct pl_l7_pkt_view v = { .key = &h->key, .flow_id = key_hash(&h->key), .dir = h->dir,
				    .to_server = f ? h->dir == f->client_dir : -1,
				    .ts_ns = h->ts_ns + (uint64_t)s->o.clock_to_unix_ns,
				    .in_iface = s->o.in_iface,
				    .pcap_filename = s->o.pcap_filename };
	long off = l3_offset(frame, h->cap_len);

	if (off < 0)
		return;
	v.l3 = frame + off;
	v.len = h->cap_len - (size_t)off;
	if (f && f->l7) {
		v.meta = pl_l7_meta(f->l7);
		v.verdict = pl_l7_verdict(f->l7);
	} else if (f) {
		v.verdict = &f->v;
	}
	s->o.on_packet(s->o.on_packet_arg, &v);
}

/* What the kernel's flow table counted of it, as far as samples tell. */
static void tally_sample(struct sflow *f, const struct pl_l7_sample *h)
{
	if (h->egress)
		return;
	if (!f->pkts[0] && !f->pkts[1])
		f->first_ns = h->ts_ns;
	if (h->ts_ns > f->end_ns)
		f->end_ns = h->ts_ns;
	f->pkts[h->dir & 1]++;
	f->bytes[h->dir & 1] += h->wire_len;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct pl_l7_session *s = ctx;
	const struct pl_l7_sample *h = data;
	uint8_t frame[PL_L7_SNAP];
	struct sflow *f;
	uint32_t n;
	long off;
	int dir;
	bool done;

	if (size < sizeof(*h) || h->cap_len > PL_L7_SNAP || sizeof(*h) + h->cap_len > size) {
		s->bad_samples++;
		return 0;
	}
	f = find(s, &h->key);
	if (f)
		tally_sample(f, h);
	if (f && f->done) {
		track(s, f, h, (const uint8_t *)(h + 1));
		if (s->o.on_packet)
			notify(s, f, h, (const uint8_t *)(h + 1));
		return 0;
	}
	n = h->cap_len;
	memcpy(frame, h + 1, n);
	off = l3_offset(frame, n);
	if (off < 0)
		return 0;
	if (!f) {
		size_t b = key_hash(&h->key) & (BUCKETS - 1);

		/* Each flow being classified holds ~20 KB: past the cap, new flows wait. */
		if (s->o.max_classifying && s->nflows - s->ndone >= s->o.max_classifying) {
			s->skipped++;
			if (s->o.on_packet)
				notify(s, NULL, h, (const uint8_t *)(h + 1));
			return 0;
		}
		f = calloc(1, sizeof(*f));
		if (!f)
			return -ENOMEM;
		f->l7 = pl_l7_flow_new(s->engine);
		if (!f->l7) {
			free(f);
			return -ENOMEM;
		}
		f->key = h->key;
		f->client_dir = h->dir;
		tally_sample(f, h);
		if (s->o.svc && (h->key.proto == IPPROTO_TCP || h->key.proto == IPPROTO_UDP))
			f->trk = pl_svc_track_new(); /* NULL: no latency for it, no harm */
		f->next = s->b[b];
		s->b[b] = f;
		s->nflows++;
	}
	fit_ip_length(frame + off, n - (uint32_t)off);
	track(s, f, h, frame);
	dir = h->dir == f->client_dir ? PL_L7_DIR_TOSERVER : PL_L7_DIR_TOCLIENT;
	f->last_ns = h->ts_ns > f->last_ns ? h->ts_ns : f->last_ns;
	if (f->fed[h->dir & 1] < UINT16_MAX)
		f->fed[h->dir & 1]++;
	/* Events carry Unix time; live samples are stamped with the monotonic clock. */
	done = pl_l7_feed(s->engine, f->l7, dir, h->ts_ns + (uint64_t)s->o.clock_to_unix_ns,
			  frame + off, n - (size_t)off) == 1;
	if (s->o.on_packet) /* before complete(): the metadata is freed there */
		notify(s, f, h, frame);
	if (done) {
		complete(s, f);
	} else if (s->o.pkts && f->fed[0] >= s->o.pkts && f->fed[1] >= s->o.pkts) {
		/* Live: no more samples will come for it; the kernel sampled both sides. */
		pl_l7_finish(s->engine, f->l7);
		complete(s, f);
	}
	return 0;
}

struct pl_l7_session *pl_l7_session_new(const struct pl_l7_session_opts *o, int *err)
{
	struct pl_l7_session *s = calloc(1, sizeof(*s));

	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	s->o = *o;
	pthread_mutex_init(&s->lock, NULL);
	s->engine = pl_l7_engine_new(err);
	if (!s->engine)
		goto fail;
	s->rb = ring_buffer__new(o->events_fd, on_sample, s, NULL);
	if (!s->rb) {
		*err = -errno;
		goto fail;
	}
	*err = 0;
	return s;
fail:
	pl_l7_session_free(s);
	return NULL;
}

void pl_l7_session_free(struct pl_l7_session *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < BUCKETS; i++) {
		for (struct sflow *f = s->b[i], *next; f; f = next) {
			next = f->next;
			pl_l7_flow_free(f->l7);
			pl_svc_track_free(f->trk);
			free(f);
		}
	}
	ring_buffer__free(s->rb);
	pl_l7_engine_free(s->engine);
	tally_free(&s->dns);
	tally_free(&s->sni);
	tally_free(&s->host);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int pl_l7_drain(struct pl_l7_session *s)
{
	int n;

	pthread_mutex_lock(&s->lock);
	n = ring_buffer__consume(s->rb);
	pthread_mutex_unlock(&s->lock);
	return n;
}

int pl_l7_poll(struct pl_l7_session *s, int timeout_ms)
{
	int n;

	pthread_mutex_lock(&s->lock);
	n = ring_buffer__poll(s->rb, timeout_ms);
	/* The data plane wakes us only when the ring is a quarter full (bpf/l7.h): what
	 * came in below that is read at the end of the wait. */
	if (n >= 0) {
		int k = ring_buffer__consume(s->rb);

		n = k < 0 ? k : n + k;
	}
	pthread_mutex_unlock(&s->lock);
	return n;
}

void pl_l7_finish_all(struct pl_l7_session *s)
{
	pl_l7_drain(s);
	for (size_t i = 0; i < BUCKETS; i++) {
		for (struct sflow *f = s->b[i]; f; f = f->next) {
			if (!f->done) {
				pl_l7_finish(s->engine, f->l7);
				complete(s, f);
			}
		}
	}
}

void pl_l7_finish_flow(struct pl_l7_session *s, const struct pl_flow_key *k)
{
	struct sflow *f = find(s, k);

	if (f && !f->done) {
		pl_l7_finish(s->engine, f->l7);
		complete(s, f);
	}
}

/* Unlink *@pp (a flow of the session) and free it. */
static void drop(struct pl_l7_session *s, struct sflow **pp)
{
	struct sflow *f = *pp;

	*pp = f->next;
	if (!f->done)
		s->nflows--; /* never classified: "classifying" counts it no more */
	pl_l7_flow_free(f->l7);
	pl_svc_track_free(f->trk);
	free(f);
}

void pl_l7_forget(struct pl_l7_session *s, const struct pl_flow_key *k)
{
	struct sflow **pp = &s->b[key_hash(k) & (BUCKETS - 1)];

	while (*pp && memcmp(&(*pp)->key, k, sizeof(*k)))
		pp = &(*pp)->next;
	if (*pp)
		drop(s, pp);
}

static int eve_sampled(struct pl_l7_session *s, const struct sflow *f, __s64 clock_to_unix_ns,
		       const char *reason);

/* Done, quiet for PL_L7_KEEP_NS and not (or no longer) in the kernel's flow table: a
 * flow that only left (egress samples), whose end the flow table cannot tell. */
static bool stale(const struct pl_l7_session *s, const struct sflow *f, uint64_t now_ns)
{
	struct pl_flow_value v;

	return f->done && f->last_ns + PL_L7_KEEP_NS <= now_ns &&
	       (s->o.flows_fd < 0 || bpf_map_lookup_elem(s->o.flows_fd, &f->key, &v));
}

int pl_l7_finish_idle(struct pl_l7_session *s, uint64_t now_ns, uint64_t idle_ns)
{
	int n = 0;

	for (size_t i = 0; i < BUCKETS; i++) {
		for (struct sflow **pp = &s->b[i]; *pp;) {
			struct sflow *f = *pp;

			if (!f->done && f->last_ns + idle_ns <= now_ns) {
				pl_l7_finish(s->engine, f->l7);
				complete(s, f);
				n++;
			}
			if (stale(s, f, now_ns)) {
				/* Came and went between two reads of the table: its event now. */
				if (s->o.written && !s->o.written(s->o.written_arg, &f->key) &&
				    eve_sampled(s, f, s->o.clock_to_unix_ns, "forced") < 0)
					s->eve_errors++;
				drop(s, pp);
				continue;
			}
			pp = &f->next;
		}
	}
	return n;
}

const char *pl_l7_app_of(const struct pl_l7_session *s, const struct pl_flow_key *k)
{
	const struct sflow *f = find(s, k);

	return f && f->done ? f->v.name : "Unknown";
}

/* The kernel's counters summed over every possible CPU. */
static int read_counts(const struct pl_l7_session *s, struct pl_l7_counters *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pl_l7_counters *pc;
	__u32 zero = 0;

	memset(sum, 0, sizeof(*sum));
	if (ncpu < 1)
		return -EINVAL;
	pc = calloc((size_t)ncpu, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	if (bpf_map_lookup_elem(s->o.counts_fd, &zero, pc)) {
		free(pc);
		return -errno;
	}
	for (int c = 0; c < ncpu; c++) {
		sum->sampled += pc[c].sampled;
		sum->lost += pc[c].lost;
		for (int i = 0; i < PL_L7_APP_MAX; i++) {
			sum->app[i].packets += pc[c].app[i].packets;
			sum->app[i].bytes += pc[c].app[i].bytes;
		}
		for (int i = 0; i < PL_L7_CAT_MAX; i++) {
			sum->category[i].packets += pc[c].category[i].packets;
			sum->category[i].bytes += pc[c].category[i].bytes;
		}
	}
	free(pc);
	return 0;
}

/* Apply the moves out of index 0 (counted before the verdict) to @c[0..n). */
static void adjust(struct pl_l7_count *c, const struct pl_l7_count *moved, int n)
{
	for (int i = 1; i < n; i++) {
		uint64_t p = moved[i].packets, b = moved[i].bytes;

		p = p < c[0].packets ? p : c[0].packets;
		b = b < c[0].bytes ? b : c[0].bytes;
		c[i].packets += p;
		c[i].bytes += b;
		c[0].packets -= p;
		c[0].bytes -= b;
	}
}

struct row {
	const char *name;
	uint64_t flows, packets, bytes;
};

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	if (x->flows != y->flows)
		return x->flows < y->flows ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Rows of the application (or category) mix, busiest first; returns how many. */
static int mix_rows(const struct pl_l7_count *c, const uint64_t *flows, char (*names)[64],
		    char (*cnames)[32], int n, struct row *rows)
{
	int k = 0;

	for (int i = 0; i < n; i++) {
		if (!c[i].packets && !flows[i])
			continue;
		rows[k].name = names ? (names[i][0] ? names[i] : i ? "Other" : "Unknown")
				     : (cnames[i][0] ? cnames[i] : i ? "Other" : "Unspecified");
		rows[k].flows = flows[i];
		rows[k].packets = c[i].packets;
		rows[k].bytes = c[i].bytes;
		k++;
	}
	qsort(rows, (size_t)k, sizeof(*rows), row_cmp);
	return k;
}

static int tally_cmp(const void *a, const void *b)
{
	const struct tally_ent *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void mix_json(struct pl_json *j, const char *key, const struct row *rows, int n)
{
	pl_json_begin_arr(j, key);
	for (int i = 0; i < n; i++) {
		pl_json_begin_obj(j, NULL);
		pl_json_str(j, "name", rows[i].name);
		pl_json_u64(j, "flows", rows[i].flows);
		pl_json_u64(j, "packets", rows[i].packets);
		pl_json_u64(j, "bytes", rows[i].bytes);
		pl_json_end_obj(j);
	}
	pl_json_end_arr(j);
}

static void names_json(struct pl_json *j, const char *key, struct tally *t, int top)
{
	if (t->n > 1) /* qsort(NULL, 0) is undefined */
		qsort(t->e, t->n, sizeof(*t->e), tally_cmp);
	pl_json_begin_arr(j, key);
	for (size_t i = 0; i < t->n && (int)i < top; i++) {
		pl_json_begin_obj(j, NULL);
		pl_json_str(j, "name", t->e[i].name);
		pl_json_u64(j, "flows", t->e[i].count);
		pl_json_end_obj(j);
	}
	pl_json_end_arr(j);
}

void pl_l7_report_json(struct pl_json *j, const struct pl_l7_session *cs, int top)
{
	struct pl_l7_session *s = (struct pl_l7_session *)cs; /* tallies are sorted in place */
	static struct pl_l7_counters c;
	static struct row rows[PL_L7_APP_MAX];
	int n;

	read_counts(s, &c);
	adjust(c.app, s->moved_app, PL_L7_APP_MAX);
	adjust(c.category, s->moved_cat, PL_L7_CAT_MAX);
	pl_json_begin_obj(j, "l7");
	pl_json_u64(j, "samples", c.sampled);
	pl_json_u64(j, "samples_lost", c.lost);
	pl_json_u64(j, "flows_classified", s->ndone);
	pl_json_u64(j, "flows_classifying", s->nflows - s->ndone);
	pl_json_u64(j, "samples_skipped", s->skipped);
	n = mix_rows(c.app, s->app_flows, s->app_name, NULL, PL_L7_APP_MAX, rows);
	mix_json(j, "applications", rows, n);
	n = mix_rows(c.category, s->cat_flows, NULL, s->cat_name, PL_L7_CAT_MAX, rows);
	mix_json(j, "categories", rows, n);
	names_json(j, "top_dns_names", &s->dns, top);
	names_json(j, "top_tls_sni", &s->sni, top);
	names_json(j, "top_http_hosts", &s->host, top);
	pl_json_end_obj(j);
}

static void mix_text(const struct row *rows, int n, int top,
		     void (*emit)(void *arg, const char *line), void *arg)
{
	char line[256];

	for (int i = 0; i < n && i < top; i++) {
		snprintf(line, sizeof(line), "  %-24s %8llu flows %10llu pkts %12llu bytes",
			 rows[i].name, (unsigned long long)rows[i].flows,
			 (unsigned long long)rows[i].packets, (unsigned long long)rows[i].bytes);
		emit(arg, line);
	}
}

void pl_l7_report_text(const struct pl_l7_session *cs, int top,
		       void (*emit)(void *arg, const char *line), void *arg)
{
	struct pl_l7_session *s = (struct pl_l7_session *)cs;
	static struct pl_l7_counters c;
	static struct row rows[PL_L7_APP_MAX];
	char line[256];
	int n;

	read_counts(s, &c);
	adjust(c.app, s->moved_app, PL_L7_APP_MAX);
	adjust(c.category, s->moved_cat, PL_L7_CAT_MAX);
	snprintf(line, sizeof(line), "L7: %llu samples, %llu lost, %llu skipped; %llu flows classified",
		 (unsigned long long)c.sampled, (unsigned long long)c.lost,
		 (unsigned long long)s->skipped, (unsigned long long)s->ndone);
	emit(arg, line);
	n = mix_rows(c.app, s->app_flows, s->app_name, NULL, PL_L7_APP_MAX, rows);
	mix_text(rows, n, top, emit, arg);
	n = mix_rows(c.category, s->cat_flows, NULL, s->cat_name, PL_L7_CAT_MAX, rows);
	if (n)
		emit(arg, "categories:");
	mix_text(rows, n, top, emit, arg);
	const struct {
		const char *title;
		struct tally *t;
	} lists[] = { { "DNS names", &s->dns }, { "TLS SNI", &s->sni }, { "HTTP hosts", &s->host } };
	for (size_t l = 0; l < 3; l++) {
		struct tally *t = lists[l].t;

		if (!t->n)
			continue;
		qsort(t->e, t->n, sizeof(*t->e), tally_cmp);
		snprintf(line, sizeof(line), "top %s:", lists[l].title);
		emit(arg, line);
		for (size_t i = 0; i < t->n && (int)i < top; i++) {
			snprintf(line, sizeof(line), "  %-60.60s %llu", t->e[i].name,
				 (unsigned long long)t->e[i].count);
			emit(arg, line);
		}
	}
}

static int tally_top(struct tally *t, char (*out)[64], int max)
{
	int i;

	if (t->n > 1) /* qsort(NULL, 0) is undefined */
		qsort(t->e, t->n, sizeof(*t->e), tally_cmp);
	for (i = 0; i < max && (size_t)i < t->n; i++)
		snprintf(out[i], sizeof(out[i]), "%s", t->e[i].name);
	return i;
}

void pl_l7_summary(const struct pl_l7_session *cs, struct pl_l7_summary *out)
{
	struct pl_l7_session *s = (struct pl_l7_session *)cs; /* tallies are sorted in place */
	static struct pl_l7_counters c;
	static struct row rows[PL_L7_APP_MAX];
	int n;

	memset(out, 0, sizeof(*out));
	read_counts(s, &c);
	adjust(c.app, s->moved_app, PL_L7_APP_MAX);
	out->samples = c.sampled;
	out->lost = c.lost + s->skipped;
	out->classified = s->ndone;
	out->classifying = s->nflows - s->ndone;
	n = mix_rows(c.app, s->app_flows, s->app_name, NULL, PL_L7_APP_MAX, rows);
	for (int i = 0; i < n && i < PL_L7_SUM_APPS; i++) {
		snprintf(out->apps[i].name, sizeof(out->apps[i].name), "%s", rows[i].name);
		out->apps[i].flows = rows[i].flows;
		out->apps[i].bytes = rows[i].bytes;
		out->napps++;
	}
	out->ndns = tally_top(&s->dns, out->dns, PL_L7_SUM_NAMES);
	out->nsni = tally_top(&s->sni, out->sni, PL_L7_SUM_NAMES);
	out->nhost = tally_top(&s->host, out->host, PL_L7_SUM_NAMES);
}

int pl_l7_apps(const struct pl_l7_session *cs, struct pl_l7_app_row *out, int max,
	       struct pl_l7_totals *t)
{
	struct pl_l7_session *s = (struct pl_l7_session *)cs;
	struct pl_l7_counters *c = malloc(sizeof(*c));
	struct row *rows = malloc(PL_L7_APP_MAX * sizeof(*rows));
	int n = 0;

	memset(t, 0, sizeof(*t));
	if (c && rows && !read_counts(s, c)) {
		adjust(c->app, s->moved_app, PL_L7_APP_MAX);
		t->samples = c->sampled;
		t->lost = c->lost;
		n = mix_rows(c->app, s->app_flows, s->app_name, NULL, PL_L7_APP_MAX, rows);
		n = n < max ? n : max;
		for (int i = 0; i < n; i++) {
			snprintf(out[i].name, sizeof(out[i].name), "%s", rows[i].name);
			out[i].flows = rows[i].flows;
			out[i].packets = rows[i].packets;
			out[i].bytes = rows[i].bytes;
		}
	}
	t->skipped = s->skipped;
	t->classified = s->ndone;
	t->classifying = s->nflows - s->ndone;
	free(c);
	free(rows);
	return n;
}

static const char *eve_state(const struct pl_flow *fl)
{
	__u32 fl_all = fl->val.tcp_flags | fl->val.tcp_flags >> 8;

	if (fl->key.proto == 6 && (fl_all & (PL_TCP_FIN | PL_TCP_RST)))
		return "closed";
	return fl->val.packets[0] && fl->val.packets[1] ? "established" : "new";
}

int pl_l7_eve_flows(struct pl_l7_session *s, const struct pl_flow *flows, size_t n,
		    __s64 clock_to_unix_ns, const char *reason)
{
	int lines = 0;

	if (!s->o.eve)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct pl_flow both = flows[i];
		const struct pl_flow *fl = &both;
		const struct sflow *f = find(s, &fl->key);
		struct pl_l7_egress_val eg;
		struct sflow tmp = { .key = fl->key, .client_dir = fl->val.initiator };
		struct pl_l7_eve_flow ev;
		int c, rc;

		/* Live: what left the interface in this flow, beside what arrived. */
		if (s->o.egress && !bpf_map_lookup_elem(s->o.egress_fd, &fl->key, &eg)) {
			for (int d = 0; d < 2; d++) {
				both.val.packets[d] += eg.packets[d];
				both.val.bytes[d] += eg.bytes[d];
			}
		}
		eve_flow_of(f ? f : &tmp, &ev);
		c = (f ? f->client_dir : fl->val.initiator) == PL_DIR_A_TO_B ? 0 : 1;
		ev.in_iface = s->o.in_iface;
		ev.pcap_filename = s->o.pcap_filename;
		ev.pkts_toserver = fl->val.packets[c];
		ev.pkts_toclient = fl->val.packets[!c];
		ev.bytes_toserver = fl->val.bytes[c];
		ev.bytes_toclient = fl->val.bytes[!c];
		ev.start_ns = fl->val.first_seen_ns + (uint64_t)clock_to_unix_ns;
		ev.end_ns = fl->val.last_seen_ns + (uint64_t)clock_to_unix_ns;
		ev.state = eve_state(fl);
		ev.reason = reason;
		if (s->tcp && fl->key.proto == 6) {
			ev.tcp = pl_tcp_find(s->tcp, &fl->key);
			ev.tcp_offline = s->tcp->offline;
		}
		rc = pl_l7_eve_write(s->o.eve, PL_L7_EVE_FLOW, &ev, f && f->done ? &f->v : NULL,
				     NULL);
		if (rc < 0)
			return rc;
		lines += rc;
	}
	return lines;
}

/* The flow event of a flow no read of the table held, from its samples. */
static int eve_sampled(struct pl_l7_session *s, const struct sflow *f, __s64 clock_to_unix_ns,
		       const char *reason)
{
	struct pl_flow fl = { .key = f->key };

	if (!f->pkts[0] && !f->pkts[1])
		return 0; /* it only left (egress): not in the flow table */
	for (int d = 0; d < 2; d++) {
		fl.val.packets[d] = f->pkts[d];
		fl.val.bytes[d] = f->bytes[d];
	}
	fl.val.first_seen_ns = f->first_ns;
	fl.val.last_seen_ns = f->end_ns;
	fl.val.initiator = f->client_dir;
	return pl_l7_eve_flows(s, &fl, 1, clock_to_unix_ns, reason);
}

int pl_l7_eve_unread(struct pl_l7_session *s, bool (*written)(void *arg, const struct pl_flow_key *k),
		     void *arg, __s64 clock_to_unix_ns, const char *reason)
{
	int lines = 0;

	for (size_t i = 0; i < BUCKETS; i++) {
		for (const struct sflow *f = s->b[i]; f; f = f->next) {
			int rc = written(arg, &f->key) ? 0 :
				 eve_sampled(s, f, clock_to_unix_ns, reason);

			if (rc < 0)
				return rc;
			lines += rc;
		}
	}
	return lines;
}
