// SPDX-License-Identifier: BSD-2-Clause
/*
 * perf_metrics.c - the /metrics series of TCP RTT and health and of service latency
 * (perf_srv.c has the rest): histograms pktlens_tcp_rtt_seconds{interface,port} and
 * pktlens_service_latency_seconds{interface,service,port}, the requests and responses
 * of the services, and the kernel's TCP health totals per interface. Labels stay
 * bounded: the first LABELLED_PORTS service ports of an interface keep a label for
 * good, the others are added up under port="other" (so no series ever counts down when
 * a port moves). Reads the histograms and totals only, never the per-flow records.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "perf/svc.h"
#include "perf/tcp.h"
#include "serve/server.h"

/* Service ports labelled per interface; the rest are port="other". */
#define LABELLED_PORTS 5

/* Histogram buckets shown: the log2 buckets [lo, hi] of microseconds, le = 2^(b+1) us
 * (32 us to 8.4 s); lower ones are in the first, higher ones in +Inf. */
#define LE_FIRST 4
#define LE_LAST 22

/* @port keeps a label on interface @s's list @ports (*n of them): true if it has one. */
static bool labelled(unsigned int *ports, unsigned int *n, unsigned int port, bool add)
{
	for (unsigned int k = 0; k < *n; k++)
		if (ports[k] == port)
			return true;
	if (!add || *n >= LABELLED_PORTS)
		return false;
	ports[(*n)++] = port;
	return true;
}

struct mhist {
	__u64 count[PL_RTT_BUCKETS];
	double sum_s;
};

static void hist_out(FILE *f, const char *name, const char *labels, const struct mhist *h)
{
	__u64 cum = 0;

	for (int b = 0; b < PL_RTT_BUCKETS; b++) {
		cum += h->count[b];
		if (b < LE_FIRST || b > LE_LAST)
			continue;
		fprintf(f, "%s_bucket{%s,le=\"%.6f\"} %llu\n", name, labels,
			(double)(2ull << b) / 1e6, (unsigned long long)cum);
	}
	fprintf(f, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name, labels, (unsigned long long)cum);
	fprintf(f, "%s_sum{%s} %.9f\n", name, labels, h->sum_s);
	fprintf(f, "%s_count{%s} %llu\n", name, labels, (unsigned long long)cum);
}

static void rtt_hist_add(struct mhist *m, const struct pl_rtt_hist *h)
{
	for (int b = 0; b < PL_RTT_BUCKETS; b++)
		m->count[b] += h->count[b];
	m->sum_s += h->sum_ns / 1e9;
}

/* pktlens_tcp_rtt_seconds of interface @i: its labelled ports, then "other". */
static void rtt_metrics(struct pl_srv *srv, int i, const struct pl_tcp_view *v, FILE *f)
{
	struct pl_srv_if *s = &srv->ifs[i];
	struct mhist per[LABELLED_PORTS], other = { { 0 } };
	bool any_other = false;
	char lab[200], ifn[PL_PROM_ESC_LEN];

	pl_prom_esc(s->dp.ifname, ifn, sizeof(ifn));
	memset(per, 0, sizeof(per));
	/* Busiest first (pl_tcp_read_hists sorts): the first ones seen keep their label. */
	for (size_t h = 0; h < v->nhists; h++) {
		const struct pl_tcp_hrow *r = &v->hists[h];

		if (r->k.kind == PL_RTTH_PORT)
			labelled(s->rtt_ports, &s->nrtt_ports, r->k.port, true);
	}
	for (size_t h = 0; h < v->nhists; h++) {
		const struct pl_tcp_hrow *r = &v->hists[h];
		unsigned int k;

		if (r->k.kind != PL_RTTH_PORT)
			continue;
		for (k = 0; k < s->nrtt_ports && s->rtt_ports[k] != r->k.port; k++)
			;
		if (k < s->nrtt_ports) {
			rtt_hist_add(&per[k], &r->h);
		} else {
			rtt_hist_add(&other, &r->h);
			any_other = true;
		}
	}
	for (unsigned int k = 0; k < s->nrtt_ports; k++) {
		snprintf(lab, sizeof(lab), "interface=\"%s\",port=\"%u\"", ifn, s->rtt_ports[k]);
		hist_out(f, "pktlens_tcp_rtt_seconds", lab, &per[k]);
	}
	if (any_other || s->nrtt_ports >= LABELLED_PORTS) {
		snprintf(lab, sizeof(lab), "interface=\"%s\",port=\"other\"", ifn);
		hist_out(f, "pktlens_tcp_rtt_seconds", lab, &other);
	}
}

static const struct {
	const char *name, *help;
	int total;
} tcp_counters[] = {
	{ "pktlens_tcp_retransmits_total", "TCP segments that resent data already sent.",
	  PL_TT_RETRANS },
	{ "pktlens_tcp_out_of_order_total",
	  "TCP segments that began past the next expected sequence number.", PL_TT_OOO },
	{ "pktlens_tcp_duplicate_acks_total", "Duplicate TCP ACKs (data outstanding).",
	  PL_TT_DUPACK },
	{ "pktlens_tcp_zero_windows_total", "TCP segments advertising a zero window.",
	  PL_TT_ZERO_WIN },
	{ "pktlens_tcp_resets_total", "TCP resets, either side.", PL_TT_RST },
	{ "pktlens_tcp_handshakes_total", "TCP handshakes seen to complete.", PL_TT_HANDSHAKES },
	{ "pktlens_tcp_rtt_samples_total", "RTT samples taken (the remote end's).",
	  PL_TT_SAMPLES },
	{ "pktlens_tcp_track_failures_total",
	  "TCP segments whose flow record could be neither made nor found.", PL_TT_TRACK_FAIL },
};

static void tcp_metrics(struct pl_srv *srv, FILE *f)
{
	struct pl_tcp_view v[PL_SERVE_MAX_IFS];
	bool ok[PL_SERVE_MAX_IFS];
	const size_t nc = sizeof(tcp_counters) / sizeof(tcp_counters[0]);
	char ifn[PL_PROM_ESC_LEN];

	for (int i = 0; i < srv->nifs; i++)
		ok[i] = !srv->ifs[i].gone && !pl_tcp_read_hists(&v[i], &srv->ifs[i].dp.tcp);
	fputs("# HELP pktlens_tcp_rtt_seconds Passive TCP round-trip time, by service port "
	      "(the responder's; the busiest few keep a label, the rest are \"other\").\n"
	      "# TYPE pktlens_tcp_rtt_seconds histogram\n", f);
	for (int i = 0; i < srv->nifs; i++)
		if (ok[i])
			rtt_metrics(srv, i, &v[i], f);
	for (size_t c = 0; c < nc; c++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", tcp_counters[c].name,
			tcp_counters[c].help, tcp_counters[c].name);
		for (int i = 0; i < srv->nifs; i++)
			if (ok[i])
				fprintf(f, "%s{interface=\"%s\"} %llu\n", tcp_counters[c].name,
					pl_prom_esc(srv->ifs[i].dp.ifname, ifn, sizeof(ifn)),
					(unsigned long long)v[i].totals[tcp_counters[c].total]);
	}
	for (int i = 0; i < srv->nifs; i++)
		if (ok[i])
			pl_tcp_view_free(&v[i]);
}

/* The DNS response codes that get their own label; the rest are "other". */
static const char *const rcode_names[6] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
};

static void responses(FILE *f, const char *lab, const struct pl_svc_row *r)
{
	static const char *const cls[6] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
	const char *name = "pktlens_service_responses_total";

	if (!strcmp(r->service, "dns")) {
		unsigned long long other = 0;

		for (int c = 0; c < 16; c++)
			if (c >= 6)
				other += r->rcode[c];
		for (int c = 0; c < 6; c++)
			fprintf(f, "%s{%s,code=\"%s\"} %llu\n", name, lab, rcode_names[c],
				r->rcode[c]);
		fprintf(f, "%s{%s,code=\"other\"} %llu\n", name, lab, other);
		return;
	}
	for (int c = 1; c <= 6; c++)
		fprintf(f, "%s{%s,code=\"%s\"} %llu\n", name, lab, cls[c % 6], r->status[c % 6]);
}

/* Service rows of interface @i by (service, labelled port or "other"). */
struct lat {
	const char *service;
	unsigned int port; /* 0: other */
	struct mhist h;
	struct pl_svc_row sum;
};

static struct lat *lat_of(struct lat *l, size_t *n, const char *service, unsigned int port)
{
	for (size_t k = 0; k < *n; k++)
		if (l[k].port == port && !strcmp(l[k].service, service))
			return &l[k];
	memset(&l[*n], 0, sizeof(l[*n]));
	l[*n].service = service;
	l[*n].port = port;
	return &l[(*n)++];
}

static void lat_add(struct lat *l, const struct pl_svc_row *r)
{
	for (int b = 0; b < PL_SVC_BUCKETS && b < PL_RTT_BUCKETS; b++)
		l->h.count[b] += r->hist[b];
	l->h.sum_s += r->sum_ms / 1e3;
	l->sum.requests += r->requests;
	l->sum.answered += r->answered;
	for (int c = 0; c < 16; c++)
		l->sum.rcode[c] += r->rcode[c];
	for (int c = 0; c < 6; c++)
		l->sum.status[c] += r->status[c];
}

static void latency_metrics_if(struct pl_srv *srv, int i, FILE *f, int part)
{
	struct pl_srv_if *s = &srv->ifs[i];
	struct pl_svc_row *rows;
	struct lat l[2 * (LABELLED_PORTS + 1)];
	size_t nr, nl = 0;
	char lab[200], ifn[PL_PROM_ESC_LEN];

	if (!s->svc || pl_svc_rows(s->svc, &rows, &nr))
		return;
	pl_prom_esc(s->dp.ifname, ifn, sizeof(ifn));
	for (size_t r = 0; r < nr; r++) /* most requests first */
		labelled(s->lat_ports, &s->nlat_ports, rows[r].port, true);
	for (size_t r = 0; r < nr; r++) {
		bool own = labelled(s->lat_ports, &s->nlat_ports, rows[r].port, false);

		lat_add(lat_of(l, &nl, rows[r].service, own ? rows[r].port : 0), &rows[r]);
	}
	for (size_t k = 0; k < nl; k++) {
		char port[16];

		snprintf(port, sizeof(port), "%u", l[k].port);
		snprintf(lab, sizeof(lab), "interface=\"%s\",service=\"%s\",port=\"%s\"",
			 ifn, l[k].service, l[k].port ? port : "other");
		l[k].sum.service = l[k].service;
		if (part == 0)
			hist_out(f, "pktlens_service_latency_seconds", lab, &l[k].h);
		else if (part == 1)
			fprintf(f, "pktlens_service_requests_total{%s} %llu\n", lab,
				l[k].sum.requests);
		else
			responses(f, lab, &l[k].sum);
	}
	free(rows);
}

static void latency_metrics(struct pl_srv *srv, FILE *f)
{
	static const char *const heads[3] = {
		"# HELP pktlens_service_latency_seconds DNS query to response, HTTP request to "
		"the first response byte (every request-response pair in the packets L7 samples), "
		"by server port.\n"
		"# TYPE pktlens_service_latency_seconds histogram\n",
		"# HELP pktlens_service_requests_total DNS queries and HTTP requests (every one in "
		"the packets L7 samples), by server port.\n"
		"# TYPE pktlens_service_requests_total counter\n",
		"# HELP pktlens_service_responses_total Responses by DNS response code or HTTP "
		"status class.\n"
		"# TYPE pktlens_service_responses_total counter\n",
	};

	for (int part = 0; part < 3; part++) {
		fputs(heads[part], f);
		for (int i = 0; i < srv->nifs; i++)
			latency_metrics_if(srv, i, f, part);
	}
}

void pl_metrics_perf(struct pl_srv *srv, FILE *f)
{
	if (srv->tcp)
		tcp_metrics(srv, f);
	if (srv->l7)
		latency_metrics(srv, f);
}
