// SPDX-License-Identifier: BSD-2-Clause
/* svc_track.c - a flow's DNS and HTTP request/response pairs (see svc_track.h). */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "l7/dns.h"
#include "l7/http.h"
#include "l7/pkt.h"
#include "perf/svc.h"
#include "perf/svc_track.h"

#define PENDING 8  /* requests waiting for their answer, per kind */
#define EVENTS 160 /* requests and answers kept until the flow is classified */
#define DNS_PORT 53

struct pending {
	uint64_t ts_ns;
	uint16_t id; /* DNS */
};

/* A request (answered 0) or an answer, while the flow's service is not known yet. */
struct event {
	uint8_t kind, answered;
	uint16_t code;
	uint64_t from_ns, to_ns;
};

struct pl_svc_track {
	struct pl_svc *svc; /* once bound */
	unsigned int proto, port;
	uint8_t want[2];    /* bound: which kinds count (PL_SVC_DNS, PL_SVC_HTTP) */
	uint8_t have_seq[2];
	uint32_t next_seq[2]; /* TCP: the next new byte per direction (0: to the server) */
	struct pending pend[2][PENDING];
	unsigned int npend[2];
	struct event *ev; /* until bound (a bound flow, kept while it lives, is ~300 bytes) */
	unsigned int nev, cap;
};

struct pl_svc_track *pl_svc_track_new(void)
{
	return calloc(1, sizeof(struct pl_svc_track));
}

void pl_svc_track_free(struct pl_svc_track *t)
{
	if (t)
		free(t->ev);
	free(t);
}

static void emit(struct pl_svc_track *t, int kind, int answered, uint64_t from, uint64_t to,
		 unsigned int code)
{
	if (t->svc) {
		if (!t->want[kind])
			return;
		if (answered)
			pl_svc_answer(t->svc, kind, t->proto, t->port, from, to, code);
		else
			pl_svc_request(t->svc, kind, t->proto, t->port);
		return;
	}
	if (t->nev == t->cap && t->cap < EVENTS) {
		unsigned int ncap = t->cap ? t->cap * 2 : 8;
		void *p = realloc(t->ev, (ncap < EVENTS ? ncap : EVENTS) * sizeof(*t->ev));

		if (p) {
			t->ev = p;
			t->cap = ncap < EVENTS ? ncap : EVENTS;
		}
	}
	if (t->nev < t->cap)
		t->ev[t->nev++] = (struct event){ .kind = (uint8_t)kind, .answered = (uint8_t)answered,
						  .code = (uint16_t)code, .from_ns = from,
						  .to_ns = to };
}

static void push(struct pl_svc_track *t, int kind, uint16_t id, uint64_t ts_ns)
{
	struct pending *p = t->pend[kind];

	/*
	 * Full: HTTP answers in order, so a request past the queue stays unanswered (the
	 * answers of the queued ones still pair right); DNS pairs by id: the oldest goes.
	 */
	if (t->npend[kind] == PENDING && kind == PL_SVC_HTTP) {
		emit(t, kind, 0, 0, 0, 0);
		return;
	}
	if (t->npend[kind] == PENDING) {
		memmove(p, p + 1, (PENDING - 1) * sizeof(*p));
		t->npend[kind]--;
	}
	p[t->npend[kind]++] = (struct pending){ .ts_ns = ts_ns, .id = id };
	emit(t, kind, 0, 0, 0, 0);
}

/* The pending request at @i answered at @ts_ns. */
static void answer(struct pl_svc_track *t, int kind, unsigned int i, uint64_t ts_ns,
		   unsigned int code)
{
	struct pending *p = t->pend[kind];
	uint64_t from = p[i].ts_ns;

	memmove(p + i, p + i + 1, (t->npend[kind] - i - 1) * sizeof(*p));
	t->npend[kind]--;
	if (ts_ns >= from)
		emit(t, kind, 1, from, ts_ns, code);
}

static void dns_msg(struct pl_svc_track *t, const uint8_t *m, size_t n, int to_server,
		    uint64_t ts_ns)
{
	struct pl_l7_dns d;
	uint16_t id;

	memset(&d, 0, sizeof(d));
	if (pl_l7_dns_parse(m, n, ts_ns, &d) < 0 || !d.have_query)
		return;
	id = (uint16_t)(m[0] << 8 | m[1]);
	if (!d.have_response) {
		if (!to_server)
			return;
		/* A query resent with the same id is the same request: its first time counts. */
		for (unsigned int i = 0; i < t->npend[PL_SVC_DNS]; i++)
			if (t->pend[PL_SVC_DNS][i].id == id)
				return;
		push(t, PL_SVC_DNS, id, ts_ns);
		return;
	}
	if (to_server)
		return;
	for (unsigned int i = 0; i < t->npend[PL_SVC_DNS]; i++) {
		if (t->pend[PL_SVC_DNS][i].id == id) {
			answer(t, PL_SVC_DNS, i, ts_ns, d.rcode & 15);
			return;
		}
	}
}

/* An HTTP/1 head at the start of a segment (or datagram). */
static void http_msg(struct pl_svc_track *t, const uint8_t *m, size_t n, int to_server,
		     uint64_t ts_ns)
{
	struct pl_l7_http h;

	if (!pl_l7_http_looks_like(m, n))
		return;
	memset(&h, 0, sizeof(h));
	pl_l7_http_parse(m, n, ts_ns, &h);
	if (h.have_request && to_server) {
		push(t, PL_SVC_HTTP, 0, ts_ns);
	} else if (h.have_response && !to_server && t->npend[PL_SVC_HTTP]) {
		/* 100 Continue and other interim answers precede the request's own. */
		if (h.status >= 100 && h.status < 200 && h.status != 101)
			return;
		answer(t, PL_SVC_HTTP, 0, ts_ns, h.status);
	}
}

/* TCP: is this segment's payload new (not a retransmission of what was seen)? */
static int tcp_new(struct pl_svc_track *t, const struct pl_l7_pkt *p, int d)
{
	uint32_t end = p->seq + (uint32_t)p->payload_len;

	if (t->have_seq[d] && (int32_t)(end - t->next_seq[d]) <= 0)
		return 0;
	t->have_seq[d] = 1;
	t->next_seq[d] = end;
	return 1;
}

void pl_svc_track_pkt(struct pl_svc_track *t, const struct pl_l7_pkt *p, int to_server,
		      uint64_t ts_ns)
{
	const uint8_t *m = p->payload;
	size_t n = p->payload_len;

	if (!t || !m || !n)
		return;
	if (p->l4proto == IPPROTO_UDP) {
		if (n >= 12 && !pl_l7_http_looks_like(m, n))
			dns_msg(t, m, n, to_server, ts_ns);
		else
			http_msg(t, m, n, to_server, ts_ns);
		return;
	}
	if (p->l4proto != IPPROTO_TCP || !tcp_new(t, p, !to_server))
		return;
	if (p->sport == DNS_PORT || p->dport == DNS_PORT) {
		/* DNS over TCP: messages behind a two-byte length, the complete ones. */
		for (size_t off = 0; off + 2 <= n;) {
			size_t len = (size_t)(m[off] << 8 | m[off + 1]);

			if (off + 2 + len > n)
				break;
			dns_msg(t, m + off + 2, len, to_server, ts_ns);
			off += 2 + len;
		}
		return;
	}
	http_msg(t, m, n, to_server, ts_ns);
}

int pl_svc_track_bind(struct pl_svc_track *t, struct pl_svc *s, const struct pl_flow_key *k,
		      int client_dir, int dns, int http)
{
	if (!t || !s || (!dns && !http))
		return 0;
	t->svc = s;
	t->proto = k->proto;
	t->port = ntohs(client_dir == PL_DIR_A_TO_B ? k->port_b : k->port_a);
	t->want[PL_SVC_DNS] = (uint8_t)!!dns;
	t->want[PL_SVC_HTTP] = (uint8_t)!!http;
	for (unsigned int i = 0; i < t->nev; i++)
		emit(t, t->ev[i].kind, t->ev[i].answered, t->ev[i].from_ns, t->ev[i].to_ns,
		     t->ev[i].code);
	free(t->ev);
	t->ev = NULL;
	t->nev = t->cap = 0;
	return 1;
}
