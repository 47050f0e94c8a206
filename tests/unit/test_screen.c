// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of monitor's terminal view layout (src/sinks/screen.c), without a
 * terminal: every section the view must show is on an 80x24 screen, nothing goes
 * past the last row or column, bigger screens get more, the b/p order is shown; the
 * flow columns fit their longest values; endpoints are address.port for both families.
 * PL_SCREEN_DUMP=1 prints the screens.
 */
#include <arpa/inet.h>
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

static void grab(void *arg, int row, const char *text, bool heading)
{
	struct grid *g = arg;

	g->calls++;
	if (row < 0 || row >= g->rows || row >= ROWS_MAX || row != g->used) {
		g->bad_row = true;
		return;
	}
	if ((int)strlen(text) > g->cols)
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

static void lay(struct grid *g, const struct pl_screen *s, int rows, int cols, bool by_packets)
{
	memset(g, 0, sizeof(*g));
	g->rows = rows;
	g->cols = cols;
	pl_screen_layout(s, rows, cols, by_packets, grab, g);
	if (getenv("PL_SCREEN_DUMP")) {
		printf("--- %dx%d%s\n", cols, rows, by_packets ? " by packets" : "");
		for (int i = 0; i < g->used; i++)
			printf("%s|\n", g->line[i]);
	}
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

static void test_80x24(const struct pl_screen *s)
{
	static struct grid g;
	int fl, src;

	TEST_BEGIN("80x24: every section on the screen, inside its bounds");
	lay(&g, s, 24, 80, false);
	CHECK(!g.bad_row && !g.bad_width, "rows in order, within 24x80");
	CHECK_EQ(g.used, 24);
	CHECK(find(&g, "rx 5.00k pps", 0) >= 0 && find(&g, "3.20Mbit/s", 0) >= 0, "rates");
	CHECK(find(&g, "own cost 95.2 ns/packet", 0) >= 0, "cost");
	CHECK(find(&g, "malformed 3", 0) >= 0, "malformed total");
	CHECK(find(&g, "evicted 7", 0) >= 0, "evictions");
	CHECK(find(&g, "own cost", 0) < 3 && find(&g, "evicted", 0) < 4, "header first");
	CHECK(find(&g, "L3    ipv4 99.0%  ipv6 1.0%", 0) >= 0, "L3 mix");
	CHECK(find(&g, "L4    tcp 0.0%  udp 100.0%", 0) >= 0, "L4 mix (classes seen)");
	CHECK(find(&g, "size  0-64 90.0%", 0) >= 0 && find(&g, "1519- 0.0%", 0) >= 0,
	      "size histogram, every bucket");
	CHECK(find(&g, "truncated_tcp 2", 0) >= 0 && find(&g, "bad_udp_length 1", 0) >= 0,
	      "malformed reasons");
	fl = find(&g, "top flows by bytes", 0);
	CHECK(fl > 0 && find(&g, "(p: by packets)", 0) == fl, "flows by bytes, p offered");
	CHECK(fl > 0 && g.heading[fl + 1] && strstr(g.line[fl + 1], "packets"), "flow heading");
	CHECK(fl > 0 && strstr(g.line[fl + 2], "198.18.0.1.40000") &&
		      strstr(g.line[fl + 2], "9.00M") && strstr(g.line[fl + 2], "ingress-only"),
	      "largest flow first, with packets, bytes and state: '%s'", fl > 0 ? g.line[fl + 2] : "");
	src = find(&g, "top sources", 0);
	CHECK(src > fl + 4, "sources after at least 3 flows (%d, %d)", fl, src);
	CHECK(src > 0 && find(&g, "198.18.1.1", src) > src, "a source row");
	CHECK(find(&g, "top flows by packets", 0) < 0, "one flow list on 24 rows");
	TEST_END();

	TEST_BEGIN("80x24: wide IPv6 endpoints are cut in the middle, the port kept");
	lay(&g, s, 24, 80, false);
	CHECK(find(&g, "2001:db8:~234:5678.1 ", 0) >= 0,
	      "IPv6 endpoint cut with ~");
	TEST_END();

	TEST_BEGIN("80x24 with p: flows by packets, b offered");
	lay(&g, s, 24, 80, true);
	fl = find(&g, "top flows by packets", 0);
	CHECK(fl > 0 && find(&g, "(b: by bytes)", 0) == fl, "title shows the order");
	CHECK(fl > 0 && strstr(g.line[fl + 2], "198.18.1.1.41000"), "most packets first");
	TEST_END();
}

static void test_bigger(const struct pl_screen *s)
{
	static struct grid g;
	int a, b;

	TEST_BEGIN("200x60: both orders, all rows, counts in the mix");
	lay(&g, s, 60, 200, false);
	CHECK(!g.bad_row && !g.bad_width, "within bounds");
	a = find(&g, "top flows by bytes", 0);
	b = find(&g, "top flows by packets", 0);
	CHECK(a > 0 && b > a + 11, "both lists, 10 rows each (%d, %d)", a, b);
	CHECK(find(&g, "top sources", 0) > b, "sources");
	CHECK(find(&g, "ipv4 99.00k 99.0%", 0) >= 0, "counts on a wide screen");
	CHECK(find(&g, "2001:db8:1234:5678:9abc:def0:1234:5678.1", 0) >= 0, "IPv6 whole");
	CHECK(find(&g, "q quit", 0) == 0, "keys in the title line");
	TEST_END();

	TEST_BEGIN("tiny screens: nothing outside, no crash");
	for (int rows = 0; rows < 12; rows++)
		for (int cols = 1; cols < 90; cols += 11) {
			lay(&g, s, rows, cols, rows & 1);
			CHECK(!g.bad_row && !g.bad_width && g.used <= rows, "%dx%d", cols, rows);
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
	lay(&g, &s, 24, 80, false);
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
	lay(&g, &s, 24, 80, false);
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
	lay(&g, &s, 24, 80, false);
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
	lay(&g, &s, 24, 80, false);
	fl = find(&g, "top flows by bytes", 0);
	CHECK(fl > 0 && strstr(g.line[fl + 2], " ingress-only") &&
		      strstr(g.line[fl + 3], " bidirectional"),
	      "'%s' / '%s'", fl > 0 ? g.line[fl + 2] : "", fl > 0 ? g.line[fl + 3] : "");
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

/* With the kernel's address tables: sources and destinations, each with its spread. */
static void test_talkers(void)
{
	static struct pl_addr_stat src[3], dst[2];
	struct pl_talkers t = { .present = true, .src = src, .nsrc = 3, .dst = dst, .ndst = 2 };
	struct pl_screen s = {};
	struct pl_report r;
	struct grid g;
	int so, de;

	for (int i = 0; i < 3; i++) {
		src[i].family = 4;
		src[i].addr[3] = htonl(0xc6120001 + i);
		src[i].packets = src[i].bytes = 100 * (i + 1);
		src[i].peers = 1, src[i].ports = 300;
	}
	dst[0] = src[0], dst[0].peers = 1, dst[0].ports = 300;
	dst[1] = src[1], dst[1].peers = 256, dst[1].ports = 1;
	make_report(&r);
	r.talk = &t;
	TEST_BEGIN("kernel tables: top sources and top destinations with their spread");
	CHECK_EQ(pl_screen_take(&s, &r), 0);
	CHECK_EQ(s.nsources, 3);
	CHECK_EQ(s.ndests, 2);
	lay(&g, &s, 60, 120, false);
	so = find(&g, "top sources", 0);
	de = find(&g, "top destinations", 0);
	CHECK(so > 0 && de > so, "sources at %d, destinations at %d", so, de);
	CHECK(so > 0 && strstr(g.line[so + 1], "dests") && strstr(g.line[so + 2], "198.18.0.3") &&
		      strstr(g.line[so + 2], " 300"),
	      "'%s' / '%s'", so > 0 ? g.line[so + 1] : "", so > 0 ? g.line[so + 2] : "");
	CHECK(de > 0 && strstr(g.line[de + 1], "sources") && strstr(g.line[de + 2], "198.18.0.2") &&
		      strstr(g.line[de + 2], " 256"),
	      "'%s' / '%s'", de > 0 ? g.line[de + 1] : "", de > 0 ? g.line[de + 2] : "");
	CHECK(!g.bad_row && !g.bad_width, "fits 60 x 120");
	lay(&g, &s, 24, 80, false);
	CHECK(!g.bad_row && !g.bad_width, "fits 24 x 80");
	pl_screen_free(&s);
	TEST_END();
}

int main(void)
{
	struct pl_report r;
	struct pl_screen s = {};

	make_report(&r);
	TEST_BEGIN("take a copy");
	CHECK_EQ(pl_screen_take(&s, &r), 0);
	CHECK_EQ(s.nkept, 10);
	CHECK_EQ(s.nsources, 4);
	CHECK(s.r.flows == NULL && s.r.total == &s.total, "the copy stands alone");
	TEST_END();
	memset(flows, 0xff, sizeof(flows)); /* the caller frees its flows after the draw */
	test_80x24(&s);
	test_bigger(&s);
	pl_screen_free(&s);
	test_empty();
	test_cut();
	test_columns();
	test_endpoints();
	test_talkers();
	return check_summary();
}
