// SPDX-License-Identifier: BSD-2-Clause
/*
 * metrics.c - GET /metrics: Prometheus text exposition format 0.0.4. Labels are bounded:
 * the interface and the fixed classes of the shared enums, never a flow or an address.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include "analysis/names.h"
#include "export/ipfix.h"
#include "serve/server.h"
#include "sinks/timefmt.h"

/* Upper bounds (le) of the frame-size buckets, as enum pl_size_bucket counts them. */
static const char *const size_le[PL_SZ_MAX] = {
	"64", "127", "255", "511", "1023", "1518", "+Inf",
};

static const struct { unsigned int bit; const char *name; } flag_bits[] = {
	{ PL_TCP_FIN, "fin" }, { PL_TCP_SYN, "syn" }, { PL_TCP_RST, "rst" },
	{ PL_TCP_PSH, "psh" }, { PL_TCP_ACK, "ack" }, { PL_TCP_URG, "urg" },
	{ PL_TCP_ECE, "ece" }, { PL_TCP_CWR, "cwr" },
};

struct mout {
	FILE *f;
	struct pl_srv *srv;
	struct pl_stats st[PL_SERVE_MAX_IFS];
};

static void head(struct mout *m, const char *name, const char *type, const char *help)
{
	fprintf(m->f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * @s as a label value (text format 0.0.4: backslash, quote and newline escaped) into
 * @buf of @len bytes, cut before a character that does not fit. Every /metrics writer
 * uses it: Linux allows a quote or a backslash in an interface name.
 */
const char *pl_prom_esc(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; *s; s++) {
		bool two = *s == '\\' || *s == '"' || *s == '\n';

		if (n + 1 + two >= len)
			break;
		if (two)
			buf[n++] = '\\';
		buf[n++] = *s == '\n' ? 'n' : *s;
	}
	if (len)
		buf[n] = 0;
	return buf;
}

static void sample(struct mout *m, const char *name, int i, const char *lname,
		   const char *lval, __u64 v)
{
	char b[PL_PROM_ESC_LEN];

	fprintf(m->f, "%s{interface=\"%s\"", name,
		pl_prom_esc(m->srv->ifs[i].dp.ifname, b, sizeof(b)));
	if (lname)
		fprintf(m->f, ",%s=\"%s\"", lname, pl_prom_esc(lval, b, sizeof(b)));
	fprintf(m->f, "} %llu\n", (unsigned long long)v);
}

/* One counter per interface: @field of its struct pl_stats. */
#define PER_IF(m, name, help, field)                                          \
	do {                                                                  \
		head(m, name, "counter", help);                               \
		for (int i = 0; i < (m)->srv->nifs; i++)                      \
			sample(m, name, i, NULL, NULL, (m)->st[i].field);     \
	} while (0)

/* A labelled family over the classes of an enum. */
static void classes(struct mout *m, const char *name, const char *help, const char *label,
		    size_t off, unsigned int first, unsigned int n,
		    const char *(*cname)(unsigned int))
{
	head(m, name, "counter", help);
	for (int i = 0; i < m->srv->nifs; i++) {
		const __u64 *v = (const __u64 *)((const char *)&m->st[i] + off);

		for (unsigned int k = first; k < n; k++)
			sample(m, name, i, label, cname(k), v[k]);
	}
}

static void size_histogram(struct mout *m)
{
	const char *name = "pktlens_rx_frame_size_bytes";

	head(m, name, "histogram", "Frames received, by length in bytes.");
	for (int i = 0; i < m->srv->nifs; i++) {
		__u64 cum = 0;

		for (int b = 0; b < PL_SZ_MAX; b++) {
			cum += m->st[i].size_hist[b];
			sample(m, "pktlens_rx_frame_size_bytes_bucket", i, "le", size_le[b], cum);
		}
		sample(m, "pktlens_rx_frame_size_bytes_sum", i, NULL, NULL, m->st[i].bytes);
		sample(m, "pktlens_rx_frame_size_bytes_count", i, NULL, NULL, cum);
	}
}

static void tcp_flags(struct mout *m)
{
	const char *name = "pktlens_rx_tcp_flag_packets_total";

	head(m, name, "counter", "TCP segments received with this flag set.");
	for (int i = 0; i < m->srv->nifs; i++) {
		for (size_t b = 0; b < sizeof(flag_bits) / sizeof(flag_bits[0]); b++) {
			__u64 n = 0;

			for (int f = 0; f < 256; f++)
				if (f & flag_bits[b].bit)
					n += m->st[i].tcp_flags[f];
			sample(m, name, i, "flag", flag_bits[b].name, n);
		}
	}
}

static void flows(struct mout *m)
{
	struct pl_srv *srv = m->srv;

	head(m, "pktlens_flows_active", "gauge",
	     "Entries in the flow table at the last sample (once a second).");
	for (int i = 0; i < srv->nifs; i++)
		sample(m, "pktlens_flows_active", i, NULL, NULL, srv->ifs[i].nflows);
	head(m, "pktlens_flows_capacity", "gauge", "Entries the flow table can hold.");
	for (int i = 0; i < srv->nifs; i++)
		sample(m, "pktlens_flows_capacity", i, NULL, NULL,
		       pl_dp_flow_capacity(&srv->ifs[i].dp));
	PER_IF(m, "pktlens_flows_created_total", "Flow-table entries created.", flows_created);
	head(m, "pktlens_flows_evicted_total", "counter",
	     "Flow-table entries evicted to make room (created minus active, at the last sample).");
	for (int i = 0; i < srv->nifs; i++) {
		const struct pl_srv_if *s = &srv->ifs[i];

		sample(m, "pktlens_flows_evicted_total", i, NULL, NULL,
		       s->flows_created > s->nflows ? s->flows_created - s->nflows : 0);
	}
	PER_IF(m, "pktlens_flow_update_failures_total",
	       "Flow-table updates that failed (other than a lost insert race).", flow_update_fail);
}

/* --ipfix: what the exporter sent and lost. */
static void ipfix(struct mout *m)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} h[] = {
		{ "pktlens_ipfix_messages_total", "IPFIX messages sent to the collector.",
		  offsetof(struct pl_ipfix_stats, messages) },
		{ "pktlens_ipfix_records_total", "IPFIX flow records in the messages sent.",
		  offsetof(struct pl_ipfix_stats, records) },
		{ "pktlens_ipfix_template_sends_total", "IPFIX template sets sent.",
		  offsetof(struct pl_ipfix_stats, template_sends) },
		{ "pktlens_ipfix_send_errors_total", "IPFIX sends that failed.",
		  offsetof(struct pl_ipfix_stats, send_errors) },
		{ "pktlens_ipfix_records_lost_total", "IPFIX flow records whose message failed.",
		  offsetof(struct pl_ipfix_stats, records_lost) },
	};
	struct pl_ipfix_stats st;

	if (!m->srv->ipfix)
		return;
	pl_ipfix_get_stats(m->srv->ipfix, &st);
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		head(m, h[i].name, "counter", h[i].help);
		fprintf(m->f, "%s %llu\n", h[i].name,
			(unsigned long long)*(const __u64 *)((const char *)&st + h[i].off));
	}
}

static void self(struct mout *m)
{
	static const char *const cls[PL_HTTP_CLASSES] = { "2xx", "4xx", "5xx" };
	struct pl_srv *srv = m->srv;

	head(m, "pktlens_build_info", "gauge", "pktlens's version, as a label; always 1.");
	fprintf(m->f, "pktlens_build_info{version=\"%s\"} 1\n", PKTLENS_VERSION);
	head(m, "pktlens_start_time_seconds", "gauge", "When the daemon started, Unix time.");
	fprintf(m->f, "pktlens_start_time_seconds %.3f\n", srv->start_unix_ns / 1e9);
	head(m, "pktlens_interface_up", "gauge",
	     "1 while the program is attached to the interface, 0 once it is gone.");
	for (int i = 0; i < srv->nifs; i++)
		sample(m, "pktlens_interface_up", i, NULL, NULL, !srv->ifs[i].gone);
	head(m, "pktlens_http_requests_total", "counter", "HTTP requests answered, by class.");
	for (int c = 0; c < PL_HTTP_CLASSES; c++)
		fprintf(m->f, "pktlens_http_requests_total{code=\"%s\"} %llu\n", cls[c],
			(unsigned long long)srv->http_requests[c]);
	head(m, "pktlens_http_connections_open", "gauge", "HTTP connections open now.");
	fprintf(m->f, "pktlens_http_connections_open %u\n",
		__atomic_load_n(&srv->http_open, __ATOMIC_RELAXED));
	head(m, "pktlens_http_connections_limit", "gauge",
	     "HTTP connections the daemon keeps open at most (from its open file limit).");
	fprintf(m->f, "pktlens_http_connections_limit %u\n", srv->http_limit);
	head(m, "pktlens_http_connections_refused_total", "counter", "HTTP connections closed "
	     "at once: over the limit, or over one address's limit (not on the loopback).");
	for (int r = 0; r < PL_HTTP_REFUSED_MAX; r++)
		fprintf(m->f, "pktlens_http_connections_refused_total{reason=\"%s\"} %llu\n",
			r == PL_HTTP_REFUSED_LIMIT ? "limit" : "address", (unsigned long long)
			__atomic_load_n(&srv->http_refused[r], __ATOMIC_RELAXED));
	head(m, "pktlens_reloads_total", "counter", "Reloads done (SIGHUP, POST /api/v1/reload).");
	fprintf(m->f, "pktlens_reloads_total %llu\n", (unsigned long long)srv->reloads);
	head(m, "pktlens_reload_failures_total", "counter",
	     "Reloads refused; the old configuration stayed.");
	fprintf(m->f, "pktlens_reload_failures_total %llu\n",
		(unsigned long long)srv->reload_failures);
	ipfix(m);
	pl_metrics_drops(srv, m->f);
	pl_metrics_l7(srv, m->f);
	pl_metrics_perf(srv, m->f);
	pl_metrics_cost(srv, m->f);
	if (!srv->cfg->eve)
		return;
	head(m, "pktlens_eve_events_total", "counter", "EVE flow events written to --eve FILE.");
	fprintf(m->f, "pktlens_eve_events_total %llu\n", (unsigned long long)srv->eve_events);
	head(m, "pktlens_eve_write_errors_total", "counter",
	     "EVE events lost: writing --eve FILE failed.");
	fprintf(m->f, "pktlens_eve_write_errors_total %llu\n",
		(unsigned long long)srv->eve_errors);
}

/* The history's writer (none with --no-db): what it committed, dropped and failed. */
static void history(struct mout *m)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} h[] = {
		{ "pktlens_history_minute_updates_total", "counter",
		  "Per-minute updates committed to the history.",
		  offsetof(struct pl_hist_counts, minutes_written) },
		{ "pktlens_history_flows_written_total", "counter",
		  "Ended flows committed to the history.",
		  offsetof(struct pl_hist_counts, flows_written) },
		{ "pktlens_history_flows_dropped_total", "counter",
		  "Ended flows not written: the writer's queue was full.",
		  offsetof(struct pl_hist_counts, flows_dropped) },
		{ "pktlens_history_write_errors_total", "counter",
		  "Transactions that failed (disk full, read-only); their rows are tried again.",
		  offsetof(struct pl_hist_counts, write_errors) },
		{ "pktlens_history_rows_trimmed_total", "counter",
		  "Rows removed by --retention-days and --max-db-mb.",
		  offsetof(struct pl_hist_counts, rows_trimmed) },
	};
	struct pl_hist_counts c;

	if (!m->srv->hist)
		return;
	pl_hist_counts(m->srv->hist, &c); /* the writer's queue lock: never held across SQLite */
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		head(m, h[i].name, h[i].type, h[i].help);
		fprintf(m->f, "%s %llu\n", h[i].name,
			(unsigned long long)*(const __u64 *)((const char *)&c + h[i].off));
	}
	head(m, "pktlens_history_queued_flows", "gauge", "Ended flows waiting for the writer.");
	fprintf(m->f, "pktlens_history_queued_flows %zu\n", c.queued);
}

#define OFF(field) offsetof(struct pl_stats, field)

int pl_metrics_render(struct pl_srv *srv, char **out, size_t *len)
{
	struct mout *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->srv = srv;
	m->f = open_memstream(out, len);
	if (!m->f) {
		free(m);
		return -ENOMEM;
	}
	for (int i = 0; i < srv->nifs; i++)
		pl_srv_stats(srv, i, &m->st[i]);
	PER_IF(m, "pktlens_rx_packets_total", "Packets received on the interface.", packets);
	PER_IF(m, "pktlens_rx_bytes_total", "Bytes received (frame length).", bytes);
	classes(m, "pktlens_rx_l3_packets_total", "Packets by network-layer class.", "l3",
		OFF(l3_packets), 0, PL_L3_MAX, pl_l3_name);
	classes(m, "pktlens_rx_l3_bytes_total", "Bytes by network-layer class.", "l3",
		OFF(l3_bytes), 0, PL_L3_MAX, pl_l3_name);
	classes(m, "pktlens_rx_l4_packets_total", "Packets by transport class.", "l4",
		OFF(l4_packets), 0, PL_L4_MAX, pl_l4_name);
	classes(m, "pktlens_rx_l4_bytes_total", "Bytes by transport class.", "l4",
		OFF(l4_bytes), 0, PL_L4_MAX, pl_l4_name);
	classes(m, "pktlens_rx_inner_l3_packets_total",
		"Packets inside GRE/VXLAN by network-layer class.", "l3", OFF(inner_l3_packets),
		0, PL_L3_MAX, pl_l3_name);
	classes(m, "pktlens_rx_inner_l4_packets_total",
		"Packets inside GRE/VXLAN by transport class.", "l4", OFF(inner_l4_packets), 0,
		PL_L4_MAX, pl_l4_name);
	classes(m, "pktlens_rx_encap_packets_total", "Packets by encapsulation opened.", "encap",
		OFF(encap), 0, PL_ENCAP_MAX, pl_encap_name);
	classes(m, "pktlens_rx_malformed_packets_total", "Malformed packets, by reason.",
		"reason", OFF(malformed), 1, PL_MAL_MAX, pl_malformed_name);
	PER_IF(m, "pktlens_rx_headers_cut_total",
	       "Packets whose headers ran past the bytes held of a longer frame.", hdr_cut);
	PER_IF(m, "pktlens_rx_vlan_tagged_packets_total", "Packets with a VLAN tag.", vlan_tagged);
	PER_IF(m, "pktlens_rx_qinq_packets_total", "Packets with two VLAN tags.", qinq);
	size_histogram(m);
	tcp_flags(m);
	flows(m);
	self(m);
	history(m);
	pl_metrics_alerts(srv, m->f);
	if (fclose(m->f)) {
		free(m);
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	free(m);
	return 0;
}
