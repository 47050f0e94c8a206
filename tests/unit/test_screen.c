// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of monitor's terminal view layout (src/sinks/screen*.c), without a
 * terminal: every section the view must show is on an 80x24 screen, nothing goes
 * past the last row or column (in characters: the graph may hold UTF-8), bigger
 * screens get more (the 2/10/40 s averages, a packets/s graph); the rate, bytes and
 * packets orders; the graph's rows grow with its samples; the help; the '/' filter
 * (libpcap's expression on each flow) narrows both lists and the status line says so;
 * the flow columns fit their longest values; endpoints are address.port for both
 * families; with the kernel's tables, destinations, ports and ICMP types are listed
 * with the kernel's counts and spread, in every order, and a filter narrows them to the
 * matching flows. PL_SCREEN_DUMP=1 prints the screens.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "sinks/report_fmt.h"
#include "sinks/screen.h"

#define ROWS_MAX 80

struct grid {
	int rows, cols, used, calls;
	bool bad_row, bad_width;
	char line[ROWS_MAX][600];
	bool heading[ROWS_MAX];
};

/* Characters of a UTF-8 string (continuation bytes do not count). */
static int chars(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void grab(void *arg, int row, const char *text, bool heading)
{
	struct grid *g = arg;

	g->calls++;
	if (row < 0 || row >= g->rows || row >= ROWS_MAX || row != g->used) {
		g->bad_row = true;
		return;
	}
	if (chars(text) > g->cols)
		g->bad_width = true;
	snprintf(g->line[row], sizeof(g->line[row]), "%s", text);
	g->heading[row] = heading;
	g->used++;
}

/* Row of the first line containing @s after row @from, or -1. */
static int find(const struct grid *g, const char *s, int from)
{
	for (int i = from; i < g->used; i++)
		if (strstr(g->line[i], s))
			return i;
	return -1;
}

static void layv(struct grid *g, const struct pl_screen *s, int rows, int cols,
		 const struct pl_screen_view *v)
{
	memset(g, 0, sizeof(*g));
	g->rows = rows;
	g->cols = cols;
	pl_screen_layout(s, v, rows, cols, grab, g);
	if (getenv("PL_SCREEN_DUMP")) {
		printf("--- %dx%d by %s\n", cols, rows, pl_screen_order_name(v->order));
		for (int i = 0; i < g->used; i++)
			printf("%s|\n", g->line[i]);
	}
}

/* The screen in @order (chosen again from the copy), no filter. */
static void lay(struct grid *g, struct pl_screen *s, int rows, int cols, enum pl_flow_order order)
{
	struct pl_screen_view v = { .order = order };

	pl_screen_select(s, order, NULL);
	layv(g, s, rows, cols, &v);
}

static void v4(__u32 a[4], const char *s)
{
	a[0] = a[1] = 0;
	a[2] = htonl(0xffff);
	inet_pton(AF_INET, s, &a[3]);
}

static struct pl_flow udp4(const char *src, __u16 sport, __u64 pkts, __u64 bytes)
{
	struct pl_flow f = {};

	v4(f.key.addr_a, src);
	v4(f.key.addr_b, "198.18.0.2");
	f.key.port_a = htons(sport);
	f.key.port_b = htons(9);
	f.key.proto = 17;
	f.key.family = 4;
	f.val.packets[0] = pkts;
	f.val.bytes[0] = bytes;
	return f;
}

/* 12 flows: 198.18.0.1:40000 has the most bytes, 198.18.1.1:41000 the most packets;
 * one IPv6 flow with addresses too wide for 80 columns; 3 malformed packets. */
static struct pl_flow flows[13];
static struct pl_stats total, delta;

static void make_report(struct pl_report *r)
{
	struct pl_flow *f6 = &flows[12];

	flows[0] = udp4("198.18.0.1", 40000, 1000, 9000000);
	flows[1] = udp4("198.18.1.1", 41000, 90000, 90000 * 64);
	for (int i = 2; i < 12; i++)
		flows[i] = udp4("198.18.0.3", 42000 + i, 10 + i, 640 + i);
	*f6 = udp4("198.18.0.1", 1, 50, 20000);
	f6->key.family = 6;
	inet_pton(AF_INET6, "2001:db8:1234:5678:9abc:def0:1234:5678", f6->key.addr_a);
	inet_pton(AF_INET6, "2001:db8:1234:5678:9abc:def0:1234:9999", f6->key.addr_b);

	total.packets = 100000;
	total.bytes = 8000000;
	total.l3_packets[PL_L3_IPV4] = 99000;
	total.l3_packets[PL_L3_IPV6] = 1000;
	total.l4_packets[PL_L4_UDP] = 99990;
	total.l4_packets[PL_L4_TCP] = 10;
	total.size_hist[PL_SZ_LE64] = 90000;
	total.size_hist[PL_SZ_LE1518] = 10000;
	total.malformed[PL_MAL_TRUNC_TCP] = 2;
	total.malformed[PL_MAL_BAD_UDP_LEN] = 1;
	total.flows_created = 20; /* 13 alive: 7 evicted */
	delta.packets = 5000;
	delta.bytes = 400000;

	memset(r, 0, sizeof(*r));
	r->source = "plrx1";
	r->mode = "native";
	r->total = &total;
	r->delta = &delta;
	r->interval_s = 1;
	r->flows = flows;
	r->nflows = 13;
	r->flow_capacity = 65536;
	r->top = 10;
	r->has_cost = true;
	r->cost_ns_per_pkt = 95.25;
}

/* Rates: 198.18.0.3.42005 is the fastest now, the largest flows are slower. */
static void give_rates(void)
{
	flows[0].rate[0].bps = 1e6;
	flows[1].rate[0].bps = 2e6;
	flows[5].rate[0].bps = 9e6;
	flows[5].rate[0].pps = 1200;
	for (int i = 0; i < PL_RATE_AVGS; i++)
		flows[5].rate[0].bps_avg[i] = 7e6 + i * 1e6; /* 7M, 8M, 9M */
}

static void test_80x24(struct pl_screen *s)
{
	static struct grid g;
	int fl, src, gr;

	TEST_BEGIN("80x24: every section on the screen, inside its bounds");
	lay(&g, s, 24, 80, PL_ORDER_RATE);
	CHECK(!g.bad_row && !g.bad_width, "rows in order, within 24x80");
	CHECK_EQ(g.used, 24);
	CHECK(find(&g, "rx 5.00k pps", 0) >= 0 && find(&g, "3.20Mbit/s", 0) >= 0, "rates");
	CHECK(find(&g, "own cost 95.2 ns/packet", 0) >= 0, "cost");
	CHECK(find(&g, "malformed 3", 0) >= 0, "malformed total");
	CHECK(find(&g, "evicted 7", 0) >= 0, "evictions");
	CHECK(find(&g, "own cost", 0) < 3 && find(&g, "evicted", 0) < 4, "header first");
	CHECK(find(&g, "L3    ipv4 99.00k 99.0%  ipv6 1.00k 1.0%", 0) >= 0, "L3 mix with counts");
	/* 10 of 100000: its count, and "<0.1%", never "0.0%" for a class that is not empty;
	 * the other 99990 ">99.9%", never "100.0%" beside a class that is not empty. */
	CHECK(find(&g, "L4    tcp 10 <0.1%  udp 99.99k >99.9%", 0) >= 0,
	      "L4 mix (classes seen, a small one)");
	CHECK(find(&g, "size  0-64 90.00k 90.0%  1024-1518 10.00k 10.0%", 0) >= 0,
	      "size classes seen, with counts");
	CHECK(find(&g, "1519-", 0) < 0 && find(&g, " 0.0%", 0) < 0, "no empty class, no 0.0%%");
	CHECK(find(&g, "truncated_tcp 2", 0) >= 0 && find(&g, "bad_udp_length 1", 0) >= 0,
	      "malformed reasons");
	gr = find(&g, "rx bit/s, last ", 0);
	CHECK(gr > 0 && find(&g, "now 3.20M, max 3.20M   pps now 5.00k, max 5.00k", 0) == gr,
	      "graph label with now and max of both rates: '%s'", gr > 0 ? g.line[gr] : "");
	CHECK(gr > 0 && strchr(g.line[gr + 3], '#') && !strchr(g.line[gr + 4], '#'),
	      "3 rows of ASCII bars under it");
	fl = find(&g, "top flows by rate", 0);
	CHECK(fl > gr + 3, "flows by rate by default, below the graph");
	CHECK(fl > 0 && g.heading[fl + 1] && strstr(g.line[fl + 1], "bit/s") &&
		      strstr(g.line[fl + 1], "pps") && strstr(g.line[fl + 1], "bytes"),
	      "flow heading with the rates: '%s'", fl > 0 ? g.line[fl + 1] : "");
	CHECK(fl > 0 && strstr(g.line[fl + 2], "198.18.0.3.42005") &&
		      strstr(g.line[fl + 2], "9.00M") && strstr(g.line[fl + 2], "1.20k"),
	      "fastest flow first, with bit/s and pps: '%s'", fl > 0 ? g.line[fl + 2] : "");
	CHECK(fl > 0 && strstr(g.line[fl + 3], "198.18.1.1.41000") &&
		      strstr(g.line[fl + 4], "198.18.0.1.40000"),
	      "then by rate: 2M, 1M");
	src = find(&g, "top sources by rate", 0);
	CHECK(src > fl + 4, "sources after at least 3 flows (%d, %d)", fl, src);
	CHECK(src > 0 && strstr(g.line[src + 2], "198.18.0.3 ") &&
		      strstr(g.line[src + 2], "9.00M"),
	      "the fastest source first, its rate the sum of its flows'");
	CHECK(g.heading[23] && strstr(g.line[23], "sort: rate  filter: none") &&
		      strstr(g.line[23], "? help"),
	      "status line last: '%s'", g.line[23]);
	TEST_END();

	TEST_BEGIN("80x24: wide IPv6 endpoints are cut in the middle, the port kept");
	lay(&g, s, 24, 80, PL_ORDER_BYTES);
	CHECK(find(&g, "2001:db8:~234:5678.1 ", 0) >= 0, "IPv6 endpoint cut with ~");
	TEST_END();

	TEST_BEGIN("80x24 by bytes and by packets: the title and the status line say so");
	lay(&g, s, 24, 80, PL_ORDER_BYTES);
	fl = find(&g, "top flows by bytes", 0);
	CHECK(fl > 0 && strstr(g.line[fl + 2], "198.18.0.1.40000"), "most bytes first");
	CHECK(strstr(g.line[23], "sort: bytes"), "status: '%s'", g.line[23]);
	lay(&g, s, 24, 80, PL_ORDER_PACKETS);
	fl = find(&g, "top flows by packets", 0);
	CHECK(fl > 0 && strstr(g.line[fl + 2], "198.18.1.1.41000"), "most packets first");
	src = find(&g, "top sources by packets", 0);
	CHECK(src > 0 && strstr(g.line[src + 2], "198.18.1.1 "), "sources by packets too");
	CHECK(strstr(g.line[23], "sort: packets"), "status: '%s'", g.line[23]);
	TEST_END();
}

/* Cells of graph row @row that are not blank. */
static int filled(const struct grid *g, int row)
{
	int n = 0;

	for (const char *p = g->line[row]; *p; p++)
		n += *p != ' ' && ((unsigned char)*p & 0xc0) != 0x80;
	return n;
}

static void test_graph(struct pl_screen *s)
{
	static struct grid g;
	struct pl_screen_view v = { .order = PL_ORDER_RATE };
	struct pl_graph saved = s->graph;
	int gr, before;

	TEST_BEGIN("graph: one column a report, newest right, grows, scaled to the max");
	pl_screen_select(s, v.order, NULL);
	memset(&s->graph, 0, sizeof(s->graph));
	for (int i = 0; i < 5; i++)
		pl_graph_add(&s->graph, 1e6 * (i + 1), 100, 1);
	layv(&g, s, 24, 80, &v);
	gr = find(&g, "rx bit/s, last 5 s: now 5.00M, max 5.00M", 0);
	CHECK(gr > 0, "label: 5 s, now and max");
	before = gr > 0 ? filled(&g, gr + 3) : 0;
	CHECK(before == 5, "5 columns in the bottom row (%d)", before);
	CHECK(gr > 0 && g.line[gr + 1][79] == '#' && g.line[gr + 1][75] == ' ',
	      "the newest (the max) fills the top row, the oldest does not: '%s'",
	      gr > 0 ? g.line[gr + 1] : "");
	for (int i = 0; i < 95; i++)
		pl_graph_add(&s->graph, 2e6, 100, 1);
	layv(&g, s, 24, 80, &v);
	gr = find(&g, "rx bit/s, last 80 s", 0);
	CHECK(gr > 0 && filled(&g, gr + 3) == 80, "grows to the width, 80 s shown");
	TEST_END();

	TEST_BEGIN("graph: Unicode eighth blocks on a UTF-8 terminal, within the width");
	v.utf8 = true;
	layv(&g, s, 24, 80, &v);
	CHECK(!g.bad_width && !g.bad_row, "80 characters a row");
	gr = find(&g, "rx bit/s, last 80 s", 0);
	CHECK(gr > 0 && strstr(g.line[gr + 3], "\u2588") && !strchr(g.line[gr + 3], '#'),
	      "full blocks, no ASCII");
	CHECK(gr > 0 && strstr(g.line[gr + 3], "\u2588"), "block characters");
	TEST_END();

	TEST_BEGIN("graph: 200x60 gets a packets/s graph and taller bars");
	v.utf8 = false;
	layv(&g, s, 60, 200, &v);
	CHECK(!g.bad_width && !g.bad_row, "within bounds");
	gr = find(&g, "rx bit/s, last 100 s", 0);
	CHECK(gr > 0 && find(&g, "rx packets/s, last 100 s: now 100, max 100", gr) > gr + 4,
	      "a packets/s graph below the bit/s one");
	TEST_END();
	s->graph = saved;
}

static void test_keys(struct pl_screen *s)
{
	static struct grid g;
	struct pl_screen_view v = { .order = PL_ORDER_RATE, .help = true };

	TEST_BEGIN("help: the keys in place of the lists");
	pl_screen_select(s, v.order, NULL);
	layv(&g, s, 24, 80, &v);
	CHECK(!g.bad_width && !g.bad_row && g.used == 24, "within 24x80");
	CHECK(find(&g, "keys (any key closes this help)", 0) > 0, "help title");
	CHECK(find(&g, "  /  filter the lists", 0) > 0 && find(&g, "P  pause", 0) > 0 &&
		      find(&g, "r  sort by rate", 0) > 0 && find(&g, "q  quit", 0) > 0 &&
		      find(&g, "b  sort by bytes", 0) > 0 && find(&g, "p  sort by packets", 0) > 0,
	      "the keys");
	CHECK(find(&g, "top flows", 0) < 0, "no lists under it");
	TEST_END();

	/* Under the longest header (drops, TCP, latency and alerts lines, L7 on): whole. */
	TEST_BEGIN("help: whole on 80x24 under the longest header");
	snprintf(s->drops, sizeof(s->drops), "NO_SOCKET 12  OTHERHOST 3");
	snprintf(s->tcp, sizeof(s->tcp), "median 1.2 ms  p99 9.8 ms  retransmits 0.1%%");
	snprintf(s->svc, sizeof(s->svc), "tcp/443 median 3.1 ms");
	snprintf(s->alerts, sizeof(s->alerts), "1 active: SYN flood to 198.18.0.2");
	s->has_l7 = true;
	layv(&g, s, 24, 80, &v);
	CHECK(!g.bad_width && !g.bad_row && g.used == 24, "within 24x80");
	CHECK(find(&g, "keys (any key closes this help)", 0) > 0, "help title");
	CHECK(find(&g, "distinct peers and ports", 0) > 0 && find(&g, "state, when narrow", 0) > 0,
	      "its last lines");
	CHECK(find(&g, "sort: rate", 0) == 23, "the status line last");
	s->drops[0] = s->tcp[0] = s->svc[0] = s->alerts[0] = 0;
	s->has_l7 = false;
	TEST_END();

	TEST_BEGIN("pause and the filter prompt on the status line");
	v.help = false;
	v.paused = true;
	layv(&g, s, 24, 80, &v);
	CHECK(strstr(g.line[0], "PAUSED") && strstr(g.line[23], "PAUSED"), "PAUSED said");
	v.paused = false;
	v.prompt = "port 52";
	layv(&g, s, 24, 80, &v);
	CHECK(strstr(g.line[23], "filter: port 52_") && g.heading[23], "prompt: '%s'", g.line[23]);
	TEST_END();
}

/* Lay out with @expr in force; returns the rows that matched. */
static size_t filtered(struct grid *g, struct pl_screen *s, const char *expr)
{
	struct pl_flow_match m = {};
	struct pl_screen_view v = { .order = PL_ORDER_RATE, .filter = expr };
	char err[PCAP_ERRBUF_SIZE];

	CHECK(pl_flow_match_set(&m, expr, err, sizeof(err)) == 0, "'%s' compiles: %s", expr, err);
	pl_screen_select(s, v.order, &m);
	layv(g, s, 24, 80, &v);
	pl_flow_match_free(&m);
	return s->nmatch;
}

static void test_filter(struct pl_screen *s)
{
	static struct grid g;
	struct pl_flow_match m = {};
	char err[PCAP_ERRBUF_SIZE];
	int fl, src;

	TEST_BEGIN("filter 'port 41000': one flow, its sender; the status line says so");
	CHECK_EQ(filtered(&g, s, "port 41000"), 1);
	fl = find(&g, "top flows by rate", 0);
	CHECK(fl > 0 && strstr(g.line[fl + 2], "198.18.1.1.41000") &&
		      find(&g, ".4200", 0) < 0 && find(&g, ".40000", 0) < 0,
	      "only that flow");
	src = find(&g, "top sources", 0);
	CHECK(src > 0 && strstr(g.line[src + 2], "198.18.1.1 ") &&
		      !strncmp(g.line[src + 3], "top destinations", 16),
	      "only its sender: '%s' '%s'", src > 0 ? g.line[src + 2] : "",
	      src > 0 ? g.line[src + 3] : "");
	CHECK(strstr(g.line[23], "sort: rate  filter: port 41000 (1 of 13 flows)"), "status: '%s'",
	      g.line[23]);
	TEST_END();

	TEST_BEGIN("filter: host, net, src, protocols, and/or/not");
	CHECK_EQ(filtered(&g, s, "host 198.18.0.3"), 10);
	CHECK_EQ(filtered(&g, s, "src host 198.18.0.2"), 0); /* the responder of every flow */
	CHECK_EQ(filtered(&g, s, "dst host 198.18.0.2"), 12);
	CHECK(find(&g, "2001:db8", 0) < 0, "no IPv6 flow");
	CHECK_EQ(filtered(&g, s, "net 2001:db8::/32"), 1);
	CHECK_EQ(filtered(&g, s, "ip6 and src port 1"), 1);
	CHECK_EQ(filtered(&g, s, "ip and udp and dst port 9 and not src net 198.18.0.0/24"), 1);
	CHECK_EQ(filtered(&g, s, "tcp or icmp"), 0);
	CHECK(find(&g, "(no flow matches)", 0) > 0, "an empty list says why");
	CHECK_EQ(filtered(&g, s, "port 40000 or port 41000"), 2);
	TEST_END();

	TEST_BEGIN("filter: a bad expression is refused, the old one stays");
	CHECK_EQ(pl_flow_match_set(&m, "port 443", err, sizeof(err)), 0);
	CHECK(pl_flow_match_set(&m, "port", err, sizeof(err)) == -EINVAL && err[0],
	      "'port' refused: %s", err);
	CHECK(m.set && !strcmp(m.text, "port 443"), "old filter kept");
	CHECK_EQ(pl_flow_match_set(&m, "   ", err, sizeof(err)), 0);
	CHECK(!m.set, "blank: no filter");
	pl_flow_match_free(&m);
	TEST_END();
}

/* The packet a flow's filter runs on: what tcpdump's own compiler says of it. */
static void test_flow_packet(void)
{
	struct pl_flow f = udp4("198.18.0.9", 5353, 1, 100);
	struct pl_flow_match m = {};
	char err[PCAP_ERRBUF_SIZE];

	TEST_BEGIN("flow packet: VLAN, TCP, ICMP echo, the initiator as source");
	f.key.vlan = 7;
	f.val.initiator = PL_DIR_B_TO_A; /* 198.18.0.2.9 started it */
	CHECK(!pl_flow_match_set(&m, "vlan 7 and udp and src host 198.18.0.2 and src port 9 "
				     "and dst port 5353", err, sizeof(err)), "%s", err);
	CHECK(pl_flow_match(&m, &f), "vlan, direction");
	f.key.proto = 6;
	CHECK(!pl_flow_match_set(&m, "vlan and tcp dst port 5353", err, sizeof(err)), "%s", err);
	CHECK(pl_flow_match(&m, &f), "tcp");
	f.key.vlan = 0;
	f.key.proto = 1;
	CHECK(!pl_flow_match_set(&m, "icmp[icmptype] == icmp-echo", err, sizeof(err)), "%s", err);
	CHECK(pl_flow_match(&m, &f), "icmp echo");
	CHECK(!pl_flow_match_set(&m, "udp or vlan", err, sizeof(err)), "%s", err);
	CHECK(!pl_flow_match(&m, &f), "not udp, no vlan");
	pl_flow_match_free(&m);
	TEST_END();
}

static void test_bigger(struct pl_screen *s)
{
	static struct grid g;
	int a;

	TEST_BEGIN("200x60: the 2/10/40 s averages, all rows, IPv6 whole");
	lay(&g, s, 60, 200, PL_ORDER_RATE);
	CHECK(!g.bad_row && !g.bad_width, "within bounds");
	a = find(&g, "top flows by rate", 0);
	CHECK(a > 0 && strstr(g.line[a + 1], "    2s     10s     40s"), "average headings: '%s'",
	      a > 0 ? g.line[a + 1] : "");
	CHECK(a > 0 && strstr(g.line[a + 2], " 7.00M   8.00M   9.00M"), "averages: '%s'",
	      a > 0 ? g.line[a + 2] : "");
	CHECK(a > 0 && strstr(g.line[a + 1], "state"), "state column");
	CHECK(find(&g, "top sources by rate", a) > a + 11, "10 flow rows, then sources");
	CHECK(find(&g, "ipv4 99.00k 99.0%", 0) >= 0, "counts on a wide screen");
	CHECK(find(&g, "2001:db8:1234:5678:9abc:def0:1234:5678.1", 0) >= 0, "IPv6 whole");
	TEST_END();

	TEST_BEGIN("tiny screens: nothing outside, no crash");
	for (int rows = 0; rows < 12; rows++)
		for (int cols = 1; cols < 90; cols += 11) {
			struct pl_screen_view v = { .order = rows % 3, .help = rows & 1,
						    .utf8 = cols & 1, .prompt = rows == 5 ? "x" : NULL };

			layv(&g, s, rows, cols, &v);
			CHECK(!g.bad_row && !g.bad_width && g.used == rows, "%dx%d", cols, rows);
		}
	TEST_END();
}

static void test_empty(void)
{
	static struct grid g;
	struct pl_stats zero = {};
	struct pl_report r = { .source = "plrx1", .mode = "tc", .total = &zero, .delta = &zero,
			       .flow_capacity = 16, .top = 10 };
	struct pl_screen s = {};

	TEST_BEGIN("no traffic yet: placeholders, no cost figure");
	CHECK_EQ(pl_screen_take(&s, &r), 0);
	lay(&g, &s, 24, 80, PL_ORDER_BYTES);
	CHECK(find(&g, "own cost not measured", 0) >= 0, "no cost");
	CHECK(find(&g, "L3    -", 0) >= 0, "empty mix");
	CHECK(find(&g, "(no flows)", 0) >= 0 && find(&g, "(none)", 0) >= 0, "empty lists");
	pl_screen_free(&s);
	TEST_END();
}

/* Headers cut by a snap length are shown on their own, not as malformed. */
static void test_cut(void)
{
	static struct grid g;
	struct pl_stats t = { .packets = 10, .hdr_cut = 4 };
	struct pl_report r = { .source = "x.pcap", .mode = "offline", .total = &t, .delta = &t,
			       .flow_capacity = 16, .top = 10 };
	struct pl_screen s = {};

	TEST_BEGIN("headers cut: on the misc line, not in malformed");
	t.l3_packets[PL_L3_IPV4] = 10;
	t.l4_packets[PL_L4_TCP] = 10;
	CHECK_EQ(pl_screen_take(&s, &r), 0);
	lay(&g, &s, 24, 80, PL_ORDER_BYTES);
	CHECK(find(&g, "headers cut 4", 0) >= 0, "headers cut count");
	CHECK(find(&g, "malformed 0", 0) >= 0, "malformed total");
	pl_screen_free(&s);
	TEST_END();
}

/* Column @col of @line: the word that starts there, and nothing right before it. */
static bool word_at(const char *line, int col, const char *word)
{
	return (int)strlen(line) >= col && (col == 0 || line[col - 1] == ' ') &&
	       !strncmp(line + col, word, strlen(word)) &&
	       (line[col + strlen(word)] == ' ' || !line[col + strlen(word)]);
}

/*
 * The longest protocol name (icmpv6) and the longest state (unidirectional) at 80
 * columns: each value starts under its heading and the state is whole.
 */
static void test_columns(void)
{
	static struct grid g;
	struct pl_flow f[3];
	struct pl_stats t = { .packets = 30 };
	struct pl_report r = { .source = "x.pcap", .mode = "offline", .total = &t, .delta = &t,
			       .flows = f, .nflows = 3, .flow_capacity = 16, .top = 10 };
	struct pl_screen s = {};
	int fl, proto, state, init;

	f[0] = udp4("198.18.0.1", 1, 10, 3000); /* icmpv6, one way: unidirectional */
	f[0].key.family = 6;
	f[0].key.proto = 58;
	inet_pton(AF_INET6, "2001:db8::1", f[0].key.addr_a);
	inet_pton(AF_INET6, "2001:db8::2", f[0].key.addr_b);
	f[1] = udp4("198.18.0.7", 443, 8, 2000); /* both ways: bidirectional */
	f[1].val.packets[1] = 1;
	f[2] = udp4("198.18.0.9", 7, 5, 1000);
	f[2].key.proto = 253; /* no name: its number */

	TEST_BEGIN("80 columns: icmpv6 and the longest state fit their columns");
	CHECK_EQ(pl_screen_take(&s, &r), 0);
	lay(&g, &s, 24, 80, PL_ORDER_BYTES);
	CHECK(!g.bad_row && !g.bad_width, "within 24x80");
	fl = find(&g, "top flows by bytes", 0);
	CHECK(fl > 0 && g.heading[fl + 1], "flow heading");
	if (fl > 0) {
		const char *h = g.line[fl + 1];

		proto = strstr(h, "proto") ? (int)(strstr(h, "proto") - h) : -1;
		init = strstr(h, "initiator") ? (int)(strstr(h, "initiator") - h) : -1;
		state = strstr(h, "state") ? (int)(strstr(h, "state") - h) : -1;
		CHECK(proto == 0 && init > 0 && state > init, "heading '%s'", h);
		CHECK(word_at(g.line[fl + 2], proto, "icmpv6") &&
			      word_at(g.line[fl + 2], init, "2001:db8::1.1") &&
			      word_at(g.line[fl + 2], state, "unidirectional"),
		      "icmpv6 row aligned, state whole: '%s'", g.line[fl + 2]);
		CHECK(word_at(g.line[fl + 3], init, "198.18.0.7.443") &&
			      word_at(g.line[fl + 3], state, "bidirectional"),
		      "udp row: '%s'", g.line[fl + 3]);
		CHECK(word_at(g.line[fl + 4], proto, "253") &&
			      word_at(g.line[fl + 4], state, "unidirectional"),
		      "numbered protocol row: '%s'", g.line[fl + 4]);
		CHECK(state + (int)strlen("unidirectional") <= 80, "state column ends by 80 (%d)",
		      state);
	}
	TEST_END();

	TEST_BEGIN("live: a flow seen one way is ingress-only, seen both ways as offline");
	r.mode = "tc";
	CHECK_EQ(pl_screen_take(&s, &r), 0);
	lay(&g, &s, 24, 80, PL_ORDER_BYTES);
	fl = find(&g, "top flows by bytes", 0);
	CHECK(fl > 0 && strstr(g.line[fl + 2], " ingress-only") &&
		      strstr(g.line[fl + 3], " bidirectional"),
	      "'%s' / '%s'", fl > 0 ? g.line[fl + 2] : "", fl > 0 ? g.line[fl + 3] : "");
	pl_screen_free(&s);
	TEST_END();
}

/* A stand-in for the L7 session: the app of a flow from its source port. */
static const char *fake_app(const void *ctx, const struct pl_flow_key *k)
{
	(void)ctx;
	switch (ntohs(k->port_a)) {
	case 443: return "TLS.GoogleServices"; /* longer than the column */
	case 53: return "DNS";
	default: return "Unknown";
	}
}

/*
 * L7 on: an "app" column in the flow table, each flow's app under its heading (a long
 * name cut to the column), asked for the rows shown; L7 off: no column.
 */
static void test_app_column(void)
{
	static struct grid g;
	struct pl_flow f[3];
	struct pl_stats t = { .packets = 30 };
	struct pl_report r = { .source = "x.pcap", .mode = "offline", .total = &t, .delta = &t,
			       .flows = f, .nflows = 3, .flow_capacity = 16, .top = 10 };
	struct pl_screen s = {};
	int fl, app = -1, state = -1;

	f[0] = udp4("198.18.0.1", 443, 10, 3000);
	f[1] = udp4("198.18.0.7", 53, 8, 2000);
	f[2] = udp4("198.18.0.9", 7, 5, 1000);
	TEST_BEGIN("L7 on: the flow table has an app column, each row its flow's app");
	CHECK_EQ(pl_screen_take(&s, &r), 0);
	s.has_l7 = true;
	s.app_of = fake_app;
	lay(&g, &s, 30, 100, PL_ORDER_BYTES);
	CHECK(!g.bad_row && !g.bad_width, "within 30x100");
	fl = find(&g, "top flows by bytes", 0);
	if (fl > 0) {
		const char *h = g.line[fl + 1];

		app = strstr(h, " app ") ? (int)(strstr(h, " app ") - h) + 1 : -1;
		state = strstr(h, "state") ? (int)(strstr(h, "state") - h) : -1;
	}
	CHECK(fl > 0 && app > 0 && state > app, "heading '%s'", fl > 0 ? g.line[fl + 1] : "");
	CHECK(app > 0 && word_at(g.line[fl + 2], app, "TLS.GoogleSer") &&
		      word_at(g.line[fl + 2], state, "unidirectional"),
	      "row 1: '%s'", g.line[fl + 2]);
	CHECK(app > 0 && word_at(g.line[fl + 3], app, "DNS"), "row 2: '%s'", g.line[fl + 3]);
	CHECK(app > 0 && word_at(g.line[fl + 4], app, "Unknown"), "row 3: '%s'", g.line[fl + 4]);
	r.has_rates = true;
	CHECK_EQ(pl_screen_take(&s, &r), 0);
	s.has_l7 = true;
	s.app_of = fake_app;
	lay(&g, &s, 24, 80, PL_ORDER_BYTES);
	CHECK(!g.bad_row && !g.bad_width, "live, 80 columns: within 24x80");
	fl = find(&g, "top flows by bytes", 0);
	CHECK(fl > 0 && strstr(g.line[fl + 1], " app ") && strstr(g.line[fl + 2], " TLS.Google"),
	      "live, 80 columns: app shown: '%s'", fl > 0 ? g.line[fl + 2] : "");
	r.has_rates = false;
	CHECK_EQ(pl_screen_take(&s, &r), 0);
	lay(&g, &s, 30, 100, PL_ORDER_BYTES);
	fl = find(&g, "top flows by bytes", 0);
	CHECK(fl > 0 && !strstr(g.line[fl + 1], " app"), "L7 off: no app column");
	pl_screen_free(&s);
	TEST_END();
}

/* The column under the word @w of heading @h, or -1. */
static int head_col(const char *h, const char *w)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), " %s", w);
	for (p = strstr(h, pat); p; p = strstr(p + 1, pat))
		if (p[strlen(pat)] == ' ' || !p[strlen(pat)])
			return (int)(p - h) + 1;
	return -1;
}

/*
 * The live layout as monitor draws it by default (rates and L7 on) at 80 and 120
 * columns: the state stays (its short name when narrow) beside bit/s, pps and the app,
 * each value under its heading; 120 columns add bytes and the 2/10/40 s averages.
 */
static void test_live_columns(void)
{
	static struct grid g;
	struct pl_flow f[3];
	struct pl_stats t = { .packets = 30 };
	struct pl_report r = { .source = "plrx1", .mode = "native", .total = &t, .delta = &t,
			       .interval_s = 1, .flows = f, .nflows = 3, .flow_capacity = 16,
			       .top = 10, .has_rates = true };
	struct pl_screen s = {};
	static const int widths[] = { 80, 120 };

	f[0] = udp4("198.18.0.1", 443, 10, 3000); /* one way, live: ingress-only */
	f[0].rate[0].bps = 3e6;
	f[1] = udp4("198.18.0.7", 53, 8, 2000); /* both ways: bidirectional */
	f[1].val.packets[1] = 4;
	f[1].rate[0].bps = 2e6;
	f[2] = udp4("198.18.0.9", 7, 5, 1000); /* icmpv6, the widest protocol */
	f[2].key.family = 6;
	f[2].key.proto = 58;
	inet_pton(AF_INET6, "2001:db8::1", f[2].key.addr_a);
	inet_pton(AF_INET6, "2001:db8::2", f[2].key.addr_b);
	f[2].rate[0].bps = 1e6;
	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		int cols = widths[i], fl, st, app, bps, pps, avg, by;
		const char *h;

		TEST_BEGIN(cols == 80 ? "live, L7 on, 80 columns: state, app, bit/s and pps all shown"
				      : "live, L7 on, 120 columns: state, app, averages and bytes too");
		CHECK_EQ(pl_screen_take(&s, &r), 0);
		s.has_l7 = true;
		s.app_of = fake_app;
		lay(&g, &s, 24, cols, PL_ORDER_RATE);
		CHECK(!g.bad_row && !g.bad_width, "within 24x%d", cols);
		fl = find(&g, "top flows by rate", 0);
		if (fl < 0) {
			CHECK(false, "no flow table");
			TEST_END();
			continue;
		}
		h = g.line[fl + 1];
		st = head_col(h, "state");
		app = head_col(h, "app");
		bps = head_col(h, "bit/s");
		pps = head_col(h, "pps");
		avg = head_col(h, "40s");
		by = head_col(h, "bytes");
		CHECK(st > 0 && app > 0 && bps > 0 && pps > 0, "heading '%s'", h);
		CHECK(cols == 80 || (avg > 0 && by > 0), "120: averages and bytes: '%s'", h);
		CHECK(st > 0 && word_at(g.line[fl + 2], st, "ingress"),
		      "row 1 state: '%s'", g.line[fl + 2]);
		CHECK(st > 0 && word_at(g.line[fl + 3], st, "bidir"),
		      "row 2 state: '%s'", g.line[fl + 3]);
		CHECK(st > 0 && word_at(g.line[fl + 4], st, "ingress"),
		      "row 3 (icmpv6) state: '%s'", g.line[fl + 4]);
		CHECK(app > 0 && !strncmp(g.line[fl + 2] + app, "TLS.Goo", 7) &&
			      word_at(g.line[fl + 3], app, "DNS"),
		      "apps: '%s' / '%s'", g.line[fl + 2], g.line[fl + 3]);
		CHECK(!strncmp(g.line[fl + 4], "icmpv6 2001:db8::1.7 ", 21), "icmpv6 row: '%s'",
		      g.line[fl + 4]);
		CHECK(bps > 0 && strstr(g.line[fl + 2], " 3.00M "), "bit/s: '%s'", g.line[fl + 2]);
		TEST_END();
	}
	pl_screen_free(&s);
}

/* protect's part of the report, as its text function gives it (rules of pl_blocked_text). */
static void fake_mitigation(void (*emit)(void *, const char *), void *emit_arg, void *arg)
{
	char l[256];

	(void)arg;
	emit(emit_arg, "mitigation: dropped 1200 packets (76800 bytes): block 1200, port 0, "
		       "rate 0; would drop 0; allowed 35");
	snprintf(l, sizeof(l), "%5s %-6s %-6s %-44s %-6s %10s %12s %s", "id", "kind", "action",
		 "match", "origin", "expires", "packets", "bytes");
	emit(emit_arg, l);
	snprintf(l, sizeof(l), "%5u %-6s %-6s %-44s %-6s %10s %12llu %llu", 1u, "allow", "allow",
		 "198.18.0.2/32", "host", "never", 35ull, 2240ull);
	emit(emit_arg, l);
	snprintf(l, sizeof(l), "%5u %-6s %-6s %-44s %-6s %10s %12llu %llu", 2u, "block", "drop",
		 "198.18.0.77/32", "cli", "3599s", 1200ull, 76800ull);
	emit(emit_arg, l);
}

/* The column where @w ends in @line (its first occurrence), or -1. */
static int end_of(const char *line, const char *w)
{
	const char *p = strstr(line, w);

	return p ? (int)(p - line + strlen(w)) : -1;
}

/*
 * protect's mitigation on the view: the drops by reason whole (wrapped), the rules
 * with their drops and expiry, the columns squeezed to 80 but still aligned.
 */
static void test_extra(void)
{
	static struct grid g;
	struct pl_flow f[1] = { udp4("198.18.0.1", 40000, 10, 3000) };
	struct pl_stats t = { .packets = 10 };
	struct pl_report r = { .source = "plrx1", .mode = "generic", .total = &t, .delta = &t,
			       .interval_s = 1, .flows = f, .nflows = 1, .flow_capacity = 16,
			       .top = 10, .has_rates = true };
	struct pl_screen s = {};
	int m, h, e;

	pl_report_add_extra(&r, NULL, fake_mitigation, NULL);
	TEST_BEGIN("protect's mitigation on 80x24: drops by reason, rules, expiry, aligned");
	CHECK_EQ(pl_screen_take(&s, &r), 0);
	lay(&g, &s, 24, 80, PL_ORDER_RATE);
	CHECK(!g.bad_row && !g.bad_width, "within 24x80");
	m = find(&g, "mitigation: dropped 1200 packets", 0);
	CHECK(m > 0 && find(&g, "allowed 35", m) == m + 1, "drops by reason, wrapped whole");
	h = find(&g, "expires", 0);
	e = find(&g, "198.18.0.77/32", 0);
	CHECK(h > m && e > h && strstr(g.line[e], " drop ") && strstr(g.line[e], " 3599s ") &&
		      strstr(g.line[e], " 1200 76800"),
	      "the block with its expiry and drops: '%s'", e > 0 ? g.line[e] : "");
	CHECK(h > 0 && e > 0 && end_of(g.line[h], "expires") == end_of(g.line[e], "3599s") &&
		      end_of(g.line[h], "packets") == end_of(g.line[e], " 1200"),
	      "aligned: '%s' / '%s'", h > 0 ? g.line[h] : "", e > 0 ? g.line[e] : "");
	CHECK(find(&g, "top flows by rate", 0) > e, "the lists below");
	TEST_END();

	TEST_BEGIN("protect's mitigation on 200 columns: the lines as the text report has them");
	lay(&g, &s, 40, 200, PL_ORDER_RATE);
	e = find(&g, "198.18.0.77/32", 0);
	CHECK(e > 0 && strstr(g.line[e], "198.18.0.77/32                               cli "),
	      "not squeezed: '%s'", e > 0 ? g.line[e] : "");
	TEST_END();

	TEST_BEGIN("protect's mitigation on tiny screens: within bounds, no hang");
	for (int c = 1; c <= 4; c++) {
		lay(&g, &s, 12, c, PL_ORDER_RATE);
		CHECK(!g.bad_row && !g.bad_width, "within 12x%d", c);
	}
	TEST_END();

	TEST_BEGIN("protect's mitigation on 80x16: cut, and says so");
	lay(&g, &s, 16, 80, PL_ORDER_RATE);
	CHECK(!g.bad_row && !g.bad_width, "within 16x80");
	CHECK(find(&g, "more lines: the text and JSON reports have them all", 0) > 0,
	      "the cut is said");
	CHECK(find(&g, "top flows by rate", 0) > 0, "the flows still shown");
	pl_screen_free(&s);
	TEST_END();
}

/* tcpdump's address.port for both families (the text report uses the same helper). */
static void test_endpoints(void)
{
	struct pl_flow f = udp4("198.18.0.1", 40000, 1, 100);
	char e1[64], e2[64], pn[8];

	TEST_BEGIN("endpoints: address.port for IPv4 and IPv6");
	f.key.proto = 6;
	pl_flow_ends(&f, e1, e2, sizeof(e1), pn);
	CHECK(!strcmp(e1, "198.18.0.1.40000") && !strcmp(e2, "198.18.0.2.9") &&
		      !strcmp(pn, "tcp"),
	      "'%s' '%s' '%s'", e1, e2, pn);
	f.key.family = 6;
	f.key.port_b = htons(443);
	inet_pton(AF_INET6, "2001:db8::1", f.key.addr_a);
	inet_pton(AF_INET6, "2001:db8::2", f.key.addr_b);
	pl_flow_ends(&f, e1, e2, sizeof(e1), pn);
	CHECK(!strcmp(e1, "2001:db8::1.40000") && !strcmp(e2, "2001:db8::2.443"), "'%s' '%s'",
	      e1, e2);
	TEST_END();
}

/* L7 on: a line of applications with their flows, the samples lost, and the top names. */
static void test_l7(struct pl_screen *s)
{
	struct grid g;
	int a;

	TEST_BEGIN("L7 lines");
	s->has_l7 = true;
	memset(&s->l7, 0, sizeof(s->l7));
	s->l7.samples = 1234;
	s->l7.lost = 5;
	s->l7.napps = 2;
	snprintf(s->l7.apps[0].name, sizeof(s->l7.apps[0].name), "HTTP");
	s->l7.apps[0].flows = 3;
	s->l7.apps[0].bytes = 4000;
	snprintf(s->l7.apps[1].name, sizeof(s->l7.apps[1].name), "DNS");
	s->l7.apps[1].flows = 2;
	s->l7.apps[1].bytes = 300;
	s->l7.ndns = 1;
	snprintf(s->l7.dns[0], sizeof(s->l7.dns[0]), "www.example.org");
	s->l7.nsni = 1;
	snprintf(s->l7.sni[0], sizeof(s->l7.sni[0]), "tls.example.org");
	lay(&g, s, 24, 80, PL_ORDER_RATE);
	a = find(&g, "L7    HTTP 3 4.00kB  DNS 2 300B  samples 1.23k lost 5", 0);
	CHECK(a > 0, "applications, flows, bytes, samples lost");
	CHECK(a > 0 && find(&g, "names dns www.example.org  sni tls.example.org", 0) == a + 1,
	      "top names below");
	CHECK(!g.bad_row && !g.bad_width && g.used == 24, "still within 24x80");
	s->has_l7 = false;
	lay(&g, s, 24, 80, PL_ORDER_RATE);
	CHECK(find(&g, "L7 ", 0) < 0, "no L7 line when it is off");
	TEST_END();
}

/* The kernel's tables beside the 13 flows: counts beyond the flows' (evicted ones). */
static struct pl_addr_stat k_src[3], k_dst[2];
static struct pl_port_stat k_ports[3];
static struct pl_icmp_stat k_icmp[3];
static struct pl_talkers k_talk = { .present = true, .src = k_src, .nsrc = 3, .dst = k_dst,
				    .ndst = 2, .ports = k_ports, .nports = 3, .icmp = k_icmp,
				    .nicmp = 3, .src_capacity = 65536, .dst_capacity = 65536 };

static void make_talk(struct pl_report *r)
{
	/* 198.18.9.9 sent most packets, all in flows the table has evicted: no rate. */
	v4(k_src[0].addr, "198.18.9.9");
	k_src[0] = (struct pl_addr_stat){ .addr = { k_src[0].addr[0], k_src[0].addr[1],
						     k_src[0].addr[2], k_src[0].addr[3] },
					  .family = 4, .packets = 500000, .bytes = 30000000,
					  .peers = 1, .ports = 1001 };
	v4(k_src[1].addr, "198.18.0.3");
	k_src[1].family = 4, k_src[1].packets = 170, k_src[1].bytes = 7000, k_src[1].flows = 10;
	k_src[1].peers = 1, k_src[1].ports = 1;
	v4(k_src[2].addr, "198.18.1.1");
	k_src[2].family = 4, k_src[2].packets = 90000, k_src[2].bytes = 90000 * 64;
	k_src[2].flows = 1, k_src[2].peers = 256, k_src[2].ports = 1;
	v4(k_dst[0].addr, "198.18.0.2");
	k_dst[0].family = 4, k_dst[0].packets = 91200, k_dst[0].bytes = 14800000;
	k_dst[0].flows = 12, k_dst[0].peers = 3, k_dst[0].ports = 1;
	v4(k_dst[1].addr, "198.18.7.7");
	k_dst[1].family = 4, k_dst[1].packets = 500000, k_dst[1].bytes = 30000000;
	k_dst[1].peers = 37000, k_dst[1].ports = 1;
	k_ports[0] = (struct pl_port_stat){ PL_PORT_UDP_DST, 9, 91200, 14800000 };
	k_ports[1] = (struct pl_port_stat){ PL_PORT_UDP_SRC, 161, 20, 100000 };
	k_ports[2] = (struct pl_port_stat){ PL_PORT_TCP_DST, 80, 500000, 30000000 };
	k_icmp[0] = (struct pl_icmp_stat){ 0, 3, 3, 40 };
	k_icmp[1] = (struct pl_icmp_stat){ 0, 11, 0, 700 };
	k_icmp[2] = (struct pl_icmp_stat){ 1, 128, 0, 5 };
	r->talk = &k_talk;
}

static void test_talk(void)
{
	static struct grid g;
	struct pl_screen s = {};
	struct pl_report r;
	int a, b;

	make_report(&r);
	give_rates();
	r.has_rates = true;
	make_talk(&r);
	TEST_BEGIN("kernel tables: destinations, ports, ICMP lists with their counts and spread");
	CHECK_EQ(pl_screen_take(&s, &r), 0);
	memset(k_src, 0xff, sizeof(k_src)); /* the view keeps a copy */
	lay(&g, &s, 50, 120, PL_ORDER_BYTES);
	CHECK(!g.bad_row && !g.bad_width && g.used == 50, "within 120x50");
	a = find(&g, "top sources by bytes", 0);
	CHECK(a > 0 && strstr(g.line[a + 1], "flows dests ports"), "spread heading: '%s'",
	      a > 0 ? g.line[a + 1] : "");
	/* The evicted flows' sender first, with the kernel's counts and its 1,001 ports. */
	CHECK(a > 0 && strstr(g.line[a + 2], "198.18.9.9 ") && strstr(g.line[a + 2], "30.00M") &&
		      strstr(g.line[a + 2], "500.00k") && strstr(g.line[a + 2], "0     1 1.00k"),
	      "kernel's top source: '%s'", a > 0 ? g.line[a + 2] : "");
	b = find(&g, "top destinations by bytes", 0);
	CHECK(b > a && strstr(g.line[b + 1], "flows  srcs ports"), "destination heading");
	CHECK(b > 0 && strstr(g.line[b + 2], "198.18.7.7 ") && strstr(g.line[b + 2], "37.00k"),
	      "the flood's victim first, 37k sources: '%s'", b > 0 ? g.line[b + 2] : "");
	CHECK(b > 0 && strstr(g.line[b + 3], "198.18.0.2 ") && strstr(g.line[b + 3], "12.00M"),
	      "then 198.18.0.2 with its flows' rate: '%s'", b > 0 ? g.line[b + 3] : "");
	a = find(&g, "top ports by bytes", 0);
	CHECK(a > b && strstr(g.line[a + 2], "tcp   dst     80 http") &&
		      strstr(g.line[a + 3], "udp   dst      9  ") &&
		      strstr(g.line[a + 4], "udp   src    161 snmp"),
	      "ports by bytes, with services: '%s' '%s' '%s'", a > 0 ? g.line[a + 2] : "",
	      a > 0 ? g.line[a + 3] : "", a > 0 ? g.line[a + 4] : "");
	b = find(&g, "icmp types by packets", 0);
	CHECK(b > a && strstr(g.line[b + 2], "icmp   11/0       time-exceeded") &&
		      strstr(g.line[b + 2], "700") &&
		      strstr(g.line[b + 3], "3/3        destination-unreachable port-unreachable") &&
		      strstr(g.line[b + 4], "icmpv6 128/0      echo-request"),
	      "ICMP by packets, named: '%s' '%s' '%s'", b > 0 ? g.line[b + 2] : "",
	      b > 0 ? g.line[b + 3] : "", b > 0 ? g.line[b + 4] : "");
	TEST_END();

	TEST_BEGIN("kernel tables: the sort keys order every list");
	lay(&g, &s, 50, 120, PL_ORDER_RATE);
	a = find(&g, "top destinations by rate", 0);
	CHECK(a > 0 && strstr(g.line[a + 2], "198.18.0.2 "), "by rate: the one with flows now");
	a = find(&g, "top ports by rate", 0);
	CHECK(a > 0 && strstr(g.line[a + 2], "udp   dst      9"), "port 9 carries the rate");
	lay(&g, &s, 50, 120, PL_ORDER_PACKETS);
	a = find(&g, "top ports by packets", 0);
	CHECK(a > 0 && strstr(g.line[a + 2], "tcp   dst     80") &&
		      strstr(g.line[a + 3], "udp   dst      9"),
	      "by packets: 500k, 91.2k");
	TEST_END();

	TEST_BEGIN("kernel tables: a filter counts the flows that match; ICMP says it is all");
	{
		struct pl_flow_match m = {};
		struct pl_screen_view v = { .order = PL_ORDER_BYTES, .filter = "port 41000" };
		char err[PCAP_ERRBUF_SIZE];

		CHECK_EQ(pl_flow_match_set(&m, "port 41000", err, sizeof(err)), 0);
		pl_screen_select(&s, v.order, &m);
		layv(&g, &s, 50, 120, &v);
		pl_flow_match_free(&m);
	}
	CHECK(find(&g, "198.18.9.9", 0) < 0 && find(&g, "198.18.7.7", 0) < 0,
	      "no address outside the matching flow");
	a = find(&g, "top destinations by bytes", 0);
	CHECK(a > 0 && strstr(g.line[a + 1], " flows") && !strstr(g.line[a + 1], "srcs") &&
		      strstr(g.line[a + 2], "198.18.0.2 ") && strstr(g.line[a + 2], "5.76M"),
	      "the flow's receiver, its bytes in that flow: '%s'", a > 0 ? g.line[a + 2] : "");
	a = find(&g, "top ports by bytes", 0);
	CHECK(a > 0 && strstr(g.line[a + 2], "udp   dst      9 ") &&
		      strstr(g.line[a + 3], "udp   src  41000") && !strstr(g.line[a + 4], "udp"),
	      "its two ports: '%s' '%s'", a > 0 ? g.line[a + 2] : "", a > 0 ? g.line[a + 3] : "");
	CHECK(find(&g, "icmp types by packets   (all traffic: the filter does not apply)", 0) > 0,
	      "ICMP unfiltered, said so");
	TEST_END();
	pl_screen_free(&s);
}
/* Shares as the mix lines print them: the ends never hide a class that is not empty. */
static void test_share(void)
{
	static const struct {
		__u64 part, all;
		const char *want;
	} c[] = {
		{ 0, 100, "0.0%" },          { 1, 100000, "<0.1%" },      { 50, 100000, "0.1%" },
		{ 99940, 100000, "99.9%" },  { 99960, 100000, ">99.9%" }, { 99999, 100000, ">99.9%" },
		{ 100000, 100000, "100.0%" }, { 1, 1, "100.0%" },         { 1, 2, "50.0%" },
	};
	char b[8];

	TEST_BEGIN("shares: <0.1% for a handful, >99.9% beside a handful, 100.0% alone");
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		CHECK(!strcmp(pl_report_share(c[i].part, c[i].all, b, sizeof(b)), c[i].want),
		      "%llu of %llu: '%s', want '%s'", (unsigned long long)c[i].part,
		      (unsigned long long)c[i].all, b, c[i].want);
	TEST_END();
}

int main(void)
{
	struct pl_report r;
	struct pl_screen s = {};

	make_report(&r);
	give_rates();
	r.has_rates = true;
	TEST_BEGIN("take a copy");
	CHECK_EQ(pl_screen_take(&s, &r), 0);
	CHECK_EQ(pl_screen_select(&s, PL_ORDER_RATE, NULL), 0);
	CHECK_EQ(s.nflows, 10);
	CHECK_EQ(s.nmatch, 13);
	CHECK_EQ(s.nsources, 4);
	CHECK_EQ(s.graph.n, 1);
	CHECK(s.r.flows == NULL && s.r.total == &s.total, "the copy stands alone");
	TEST_END();
	memset(flows, 0xff, sizeof(flows)); /* the caller frees its flows after the draw */
	test_80x24(&s);
	test_graph(&s);
	test_keys(&s);
	test_filter(&s);
	test_bigger(&s);
	test_l7(&s);
	pl_screen_free(&s);
	test_talk();
	test_flow_packet();
	test_empty();
	test_cut();
	test_columns();
	test_app_column();
	test_live_columns();
	test_extra();
	test_endpoints();
	test_share();
	return check_summary();
}
