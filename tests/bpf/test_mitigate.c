// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_mitigate.c - the verdict of the whole XDP program (bpf/pktlens.bpf.c loaded live,
 * as protect loads it) on packets this test builds and sends one at a time through
 * BPF_PROG_TEST_RUN, with rules placed by src/mitigate/rules.c. The reference is what
 * the test sent and the XDP return code of each packet:
 *  - a rate rule: a source gets its burst, then at most pps, each source its own bucket,
 *    the bucket refills and never beyond the burst; the count of passed packets stays
 *    within the token bucket's bound for the time the sending took;
 *  - an allow rule lets its address through inside a rate-limited range, and this host's
 *    own address (protect's implicit allow) inside a blocklist; an allow inside a block
 *    rule or a blocklist's prefix is refused, and so is a blocklist over an allow;
 *  - an aggregate rate rule holds packets from many sources (random, one packet each) to
 *    one bucket with one state, while a known network keeps its own per-source rule; a
 *    per-source rule over more sources than its LRU table keeps the table bounded; a
 *    rule that takes a removed rate rule's slot starts with full buckets;
 *  - the same for IPv6 sources (a rate rule, the host's address inside a blocklist);
 *  - a full rule table and a full blocklist are refused with nothing half-applied;
 *  - dropped packets are still counted in the traffic totals.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pktlens.h" /* before the skeleton: it defines the .bss/.rodata types */
#include "pktlens.skel.h"

#include "check.h"
#include "mitigate/maps.h"
#include "mitigate/rules.h"

#define BL_CAP 4096 /* blocklist prefixes per family in this test */

static struct pktlens *g_skel;
static struct pl_mit g_m;
static int g_prog, g_ncpu;

static double now_s(void)
{
	return pl_mono_ns() / 1e9;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* An Ethernet/IPv4/UDP frame from @src (host order) to 198.19.0.1 port @dport. */
static size_t frame(uint8_t *f, uint32_t src, uint16_t dport)
{
	uint32_t s = htonl(src), d = htonl(0xc6130001);
	uint16_t tot = htons(28), dp = htons(dport), sp = htons(40000), ul = htons(8);

	memset(f, 0, 64);
	f[12] = 0x08;
	f[14] = 0x45;
	memcpy(f + 16, &tot, 2);
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, &s, 4);
	memcpy(f + 30, &d, 4);
	memcpy(f + 34, &sp, 2);
	memcpy(f + 36, &dp, 2);
	memcpy(f + 38, &ul, 2);
	return 60;
}

/* XDP's verdict for one packet from @src; -1 when the run fails. */
static int verdict(uint32_t src, uint16_t dport)
{
	uint8_t f[64];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .repeat = 1);

	o.data_size_in = frame(f, src, dport);
	if (bpf_prog_test_run_opts(g_prog, &o))
		return -1;
	return o.retval;
}

/* An Ethernet/IPv6/UDP frame from 2001:db8:6::@host to 2001:db8::1 port 53. */
static int verdict6(uint32_t host)
{
	uint8_t f[80] = { 0 };
	uint32_t h = htonl(host);
	uint16_t pl = htons(8), dp = htons(53), sp = htons(40000);
	static const uint8_t src[12] = { 0x20, 0x01, 0x0d, 0xb8, 0, 6 };
	static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = 62, .repeat = 1);

	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	memcpy(f + 18, &pl, 2);
	f[20] = 17;
	f[21] = 64;
	memcpy(f + 22, src, 12);
	memcpy(f + 34, &h, 4);
	memcpy(f + 38, dst, 16);
	memcpy(f + 54, &sp, 2);
	memcpy(f + 56, &dp, 2);
	memcpy(f + 58, &pl, 2);
	if (bpf_prog_test_run_opts(g_prog, &o))
		return -1;
	return o.retval;
}

static __u64 total_packets(void)
{
	struct pl_stats *per = calloc(g_ncpu, sizeof(*per));
	__u64 n = 0;
	__u32 k = 0;

	if (per && !bpf_map_lookup_elem(bpf_map__fd(g_skel->maps.pl_stats), &k, per))
		for (int c = 0; c < g_ncpu; c++)
			n += per[c].packets;
	free(per);
	return n;
}

static struct pl_mit_cfg cfg(void)
{
	struct pl_mit_cfg c = {};
	__u32 k = 0;

	bpf_map_lookup_elem(g_m.cfg_fd, &k, &c);
	return c;
}

static int count_keys(int fd, size_t key_size)
{
	char k[64], next[64];
	void *prev = NULL;
	int n = 0;

	(void)key_size;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(k, next, sizeof(k));
		prev = k;
		n++;
	}
	return n;
}

static int rules_in_use(void)
{
	struct pl_rule_row *rows = NULL;
	size_t n = 0;

	if (pl_rule_list(&g_m, &rows, &n))
		return -1;
	free(rows);
	return (int)n;
}

/* Add a rule of @kind over @cidr; its id, or 0 with the error in @err. */
static __u32 add_o(int kind, const char *cidr, __u32 pps, __u32 burst, int origin, char *err)
{
	struct pl_rule_spec sp = { .r = { .kind = kind, .pps = pps, .burst = burst,
					  .origin = origin } };
	struct pl_prefix p;
	__u32 id = 0;

	if (pl_prefix_parse(cidr, &p, err, PL_ERR_LEN))
		return 0;
	sp.r.family = p.family;
	sp.r.plen = p.plen;
	memcpy(sp.r.addr, p.addr, 16);
	if (pl_rule_add(&g_m, &sp, NULL, 0, &id, err, PL_ERR_LEN))
		return 0;
	return id;
}

static __u32 add(int kind, const char *cidr, __u32 pps, __u32 burst, char *err)
{
	return add_o(kind, cidr, pps, burst, PL_ORIGIN_CLI, err);
}

/* This host's address, as protect allows it (implicit: it wins inside a blocklist). */
static __u32 add_host(const char *cidr, char *err)
{
	return add_o(PL_RULE_ALLOW, cidr, 0, 0, PL_ORIGIN_IMPLICIT, err);
}

/* Add a blocklist (list) rule of the @n /32s from @first (host order) on, step @step. */
static int add_list(uint32_t first, uint32_t step, size_t n, __u32 *id, char *err)
{
	struct pl_rule_spec sp = { .r = { .kind = PL_RULE_LIST, .entries = n } };
	int e;

	sp.list = calloc(n, sizeof(*sp.list));
	if (!sp.list)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		sp.list[i].family = 4;
		sp.list[i].plen = 32;
		sp.list[i].addr[0] = htonl(first + (uint32_t)i * step);
	}
	sp.nlist = n;
	snprintf(sp.r.label, sizeof(sp.r.label), "test list");
	e = pl_rule_add(&g_m, &sp, NULL, 0, id, err, PL_ERR_LEN);
	free(sp.list);
	return e;
}

/* How many of @n packets from @src passed, sent back to back; the seconds it took. */
static int burst_of(uint32_t src, int n, double *took, double *max_gap)
{
	double t0 = now_s(), prev = t0;
	int passed = 0;

	*max_gap = 0;
	for (int i = 0; i < n; i++) {
		int v = verdict(src, 53);
		double t = now_s();

		if (t - prev > *max_gap)
			*max_gap = t - prev;
		prev = t;
		if (v < 0) {
			CHECK(0, "test run failed: %s", strerror(errno));
			return -1;
		}
		passed += v == XDP_PASS;
	}
	*took = now_s() - t0;
	return passed;
}

#define PPS 200
#define BURST 20

static void test_rate(void)
{
	uint32_t a = 0xc6120501, b = 0xc6120502; /* 198.18.5.1, .2 */
	char err[PL_ERR_LEN] = "";
	double took, gap, tb, t0;
	__u64 before = total_packets();
	int p, first = 0;
	__u32 id;

	TEST_BEGIN("rate rule: the burst, then at most pps per source");
	id = add(PL_RULE_RATE, "198.18.5.0/24", PPS, BURST, err);
	CHECK(id, "adding rate 198.18.5.0/24 %d burst %d: %s", PPS, BURST, err);
	/* The first BURST back to back all pass (they come within far less than a token). */
	t0 = now_s();
	for (int i = 0; i < BURST; i++)
		first += verdict(a, 53) == XDP_PASS;
	CHECK(first == BURST, "%d of the first %d packets passed", first, BURST);
	p = burst_of(a, 1000, &took, &gap);
	/* After the burst: one token per 1/PPS s since the first packet, and one in flight. */
	took = now_s() - t0;
	tb = PPS * took + 1;
	CHECK(p >= 0 && p <= tb, "%d of 1000 passed after the burst; the bucket allows %.1f in "
	      "%.3f s", p, tb, took);
	printf("  %d of 1000 passed after the burst in %.3f s (bound %.1f)\n", p, took, tb);
	CHECK(total_packets() - before == (__u64)BURST + 1000,
	      "the traffic totals counted %llu of %d packets, dropped ones included",
	      (unsigned long long)(total_packets() - before), BURST + 1000);

	/* Another source of the same rule has a bucket of its own. */
	first = 0;
	for (int i = 0; i < BURST; i++)
		first += verdict(b, 53) == XDP_PASS;
	CHECK(first == BURST, "a second source: %d of its first %d passed", first, BURST);
	TEST_END();

	TEST_BEGIN("rate rule: the bucket refills, never beyond its burst");
	/* 100 ms: 20 tokens at 200 pps; the cap is BURST = 20 in any case. */
	sleep_ms(100);
	p = burst_of(a, 200, &took, &gap);
	CHECK(p >= BURST * 3 / 4 && p <= BURST + PPS * took + 1,
	      "after 100 ms %d of 200 passed in %.3f s (expected %d to %.1f)", p, took, BURST * 3 / 4,
	      BURST + PPS * took + 1);
	sleep_ms(400); /* 80 tokens' worth: still only BURST */
	p = burst_of(a, 200, &took, &gap);
	CHECK(p >= BURST && p <= BURST + PPS * took + 1,
	      "after 400 ms %d of 200 passed in %.3f s (cap %d, bound %.1f)", p, took, BURST,
	      BURST + PPS * took + 1);
	TEST_END();

	TEST_BEGIN("rate rule: sustained, about pps");
	{
		double t0 = now_s(), t = t0;
		int sent = 0, passed = 0, v;

		/* A fresh source: its burst, then 0.5 s of back-to-back packets. */
		while (t - t0 < 0.5 && sent < 200000) {
			v = verdict(0xc6120503, 53);
			if (v < 0)
				break;
			passed += v == XDP_PASS;
			sent++;
			t = now_s();
		}
		tb = BURST + PPS * (t - t0) + 1;
		CHECK(passed <= tb, "%d of %d passed in %.3f s: above the bucket's %.1f", passed,
		      sent, t - t0, tb);
		/* Packets came every few µs; the bucket should have been used to the full. */
		CHECK(sent < 2 * PPS || passed >= BURST + PPS * (t - t0) * 0.8 - 1,
		      "only %d of %d passed in %.3f s at %d pps", passed, sent, t - t0, PPS);
		printf("  sustained: %d sent, %d passed in %.3f s (bucket %.1f)\n", sent, passed,
		       t - t0, tb);
	}
	pl_rule_del(&g_m, id);
	CHECK(verdict(a, 53) == XDP_PASS, "without the rule the source passes");
	TEST_END();
}

/* Rules from text, as protect's --rules reads them; the ids in @ids. */
static int add_text(const char *text, __u32 *ids, size_t max, char *err)
{
	struct pl_rule_set set;
	int e = pl_rules_parse("test", text, strlen(text), true, &set, err, PL_ERR_LEN);

	for (size_t i = 0; !e && i < set.n && i < max; i++)
		e = pl_rule_add(&g_m, &set.v[i], NULL, 0, &ids[i], err, PL_ERR_LEN);
	pl_rules_free(&set);
	return e;
}

static void test_aggregate(void)
{
	char err[PL_ERR_LEN] = "";
	__u32 ids[2] = { 0, 0 };
	double t0, took, tb;
	int passed = 0, legit = 0, states, e;
	int states0 = count_keys(g_m.rate_state_fd, sizeof(struct pl_rate_key));

	TEST_BEGIN("aggregate rate rule: random sources share one bucket");
	e = add_text("rate 0.0.0.0/0 100 burst 10 aggregate\nrate 198.18.0.0/24 1000\n", ids, 2,
		     err);
	CHECK(!e, "rate 0.0.0.0/0 100 burst 10 aggregate; rate 198.18.0.0/24 1000 (inside it): %s",
	      err);
	e = add_text("rate 198.18.0.0/24 5\n", ids + 1, 1, err);
	CHECK(e == -EEXIST, "a second rate rule of exactly 198.18.0.0/24 accepted (%d)", e);
	t0 = now_s();
	/* 2000 packets, each from another address of 198.19.0.0/16 (a --rand-source flood). */
	for (uint32_t i = 0; i < 2000; i++)
		passed += verdict(0xc6130000 + i * 7919 % 0xffff, 53) == XDP_PASS;
	took = now_s() - t0;
	tb = 10 + 100 * took + 1;
	CHECK(passed >= 10 && passed <= tb, "%d of 2000 random sources passed in %.3f s; the "
	      "aggregate bucket allows 10 to %.1f", passed, took, tb);
	printf("  %d of 2000 packets from 2000 sources passed in %.3f s (bound %.1f)\n", passed,
	       took, tb);
	/* A known source inside has its own per-source rule and is not starved. */
	for (int i = 0; i < 200; i++)
		legit += verdict(0xc612000b, 53) == XDP_PASS;
	CHECK(legit == 200, "198.18.0.11 under its own rule: %d of 200 passed", legit);
	states = count_keys(g_m.rate_state_fd, sizeof(struct pl_rate_key)) - states0;
	CHECK(states <= 2, "%d new rate states for 2001 sources (the aggregate's and "
	      "198.18.0.11's)", states);
	pl_rule_del(&g_m, ids[0]);
	pl_rule_del(&g_m, ids[1]);
	TEST_END();

	TEST_BEGIN("per-source rate rule: random sources, memory bounded");
	e = add_text("rate 0.0.0.0/0 100 burst 10\n", ids, 1, err);
	CHECK(!e, "rate 0.0.0.0/0 100 burst 10: %s", err);
	passed = 0;
	/* More sources than the LRU table holds: each passes (its own bucket), the table stays full. */
	for (uint32_t i = 0; i < PL_RATE_SOURCES_DEFAULT + 5000; i++)
		passed += verdict(0x0b000000 + i, 53) == XDP_PASS;
	states = count_keys(g_m.rate_state_fd, sizeof(struct pl_rate_key));
	CHECK(states <= PL_RATE_SOURCES_DEFAULT, "%d rate states, the table holds %d", states,
	      PL_RATE_SOURCES_DEFAULT);
	CHECK(passed == PL_RATE_SOURCES_DEFAULT + 5000, "%d of %d first packets of new sources "
	      "passed", passed, PL_RATE_SOURCES_DEFAULT + 5000);
	printf("  %d sources, %d rate states\n", PL_RATE_SOURCES_DEFAULT + 5000, states);
	pl_rule_del(&g_m, ids[0]);
	TEST_END();
}

static void test_slot_reuse(void)
{
	char err[PL_ERR_LEN] = "";
	__u32 a = 0xc6120b01, id, id2; /* 198.18.11.1 */
	int p = 0;

	TEST_BEGIN("a rate rule in a freed slot starts with full buckets");
	/* 1 pps, burst 1: the second packet is dropped and the bucket is a second behind. */
	id = add(PL_RULE_RATE, "198.18.11.0/24", 1, 1, err);
	CHECK(id, "rate 198.18.11.0/24 1 burst 1: %s", err);
	verdict(a, 53);
	CHECK(verdict(a, 53) == XDP_DROP, "the second packet at 1 pps dropped");
	pl_rule_del(&g_m, id);
	id2 = add(PL_RULE_RATE, "198.18.11.0/24", 1000, 10, err);
	CHECK(id2 == id, "the new rule took slot %u (the old one's: %u)", id2, id);
	for (int i = 0; i < 10; i++)
		p += verdict(a, 53) == XDP_PASS;
	CHECK(p == 10, "%d of the new rule's burst of 10 passed", p);
	pl_rule_del(&g_m, id2);
	TEST_END();
}

static void test_ipv6(void)
{
	char err[PL_ERR_LEN] = "";
	__u32 rate, allow, list;
	struct pl_rule_spec sp = { .r = { .kind = PL_RULE_LIST, .entries = 1 } };
	struct pl_prefix lp;
	double t0, tb;
	int p = 0, e;

	TEST_BEGIN("IPv6: a rate rule per source, the host's address inside a blocklist");
	rate = add(PL_RULE_RATE, "2001:db8:6::/64", 50, 5, err);
	CHECK(rate, "rate 2001:db8:6::/64 50 burst 5: %s", err);
	t0 = now_s();
	for (int i = 0; i < 200; i++)
		p += verdict6(1) == XDP_PASS;
	tb = 5 + 50 * (now_s() - t0) + 1;
	CHECK(p >= 5 && p <= tb, "2001:db8:6::1: %d of 200 back to back passed (burst 5, bound "
	      "%.1f)", p, tb);
	p = 0;
	for (int i = 0; i < 5; i++)
		p += verdict6(2) == XDP_PASS;
	CHECK(p == 5, "2001:db8:6::2 has its own bucket: %d of 5 passed", p);
	pl_rule_del(&g_m, rate);
	e = pl_prefix_parse("2001:db8:6::/120", &lp, err, sizeof(err));
	sp.list = &lp;
	sp.nlist = 1;
	if (!e)
		e = pl_rule_add(&g_m, &sp, NULL, 0, &list, err, sizeof(err));
	CHECK(!e, "a blocklist of 2001:db8:6::/120: %s", err);
	CHECK(!add(PL_RULE_ALLOW, "2001:db8:6::7", 0, 0, err), "allow 2001:db8:6::7 inside the "
	      "blocklist accepted");
	CHECK(strstr(err, "inside 2001:db8:6::/120 of blocklist"), "the error names the list's "
	      "prefix: %s", err);
	allow = add_host("2001:db8:6::7", err);
	CHECK(allow, "this host's 2001:db8:6::7: %s", err);
	CHECK(verdict6(7) == XDP_PASS, "the host's 2001:db8:6::7 passes");
	CHECK(verdict6(8) == XDP_DROP, "2001:db8:6::8 is dropped by the blocklist");
	CHECK(verdict6(0x100) == XDP_PASS, "2001:db8:6::100, outside the /120, passes");
	pl_rule_del(&g_m, allow);
	pl_rule_del(&g_m, list);
	CHECK(verdict6(8) == XDP_PASS, "without the rules 2001:db8:6::8 passes");
	TEST_END();
}

static void test_allow(void)
{
	char err[PL_ERR_LEN] = "";
	__u32 list, allow, blk, rate, allow2;
	struct pl_mit_cfg c;
	int e, p;

	TEST_BEGIN("the host's allow wins inside a blocked range; an allow there is refused");
	e = add_list(0xc6120600, 1, 256, &list, err); /* every /32 of 198.18.6.0/24 */
	CHECK(!e, "a blocklist of 198.18.6.0/24: %s", err);
	CHECK(verdict(0xc6120607, 53) == XDP_DROP, "198.18.6.7 dropped by the blocklist");
	CHECK(!add(PL_RULE_ALLOW, "198.18.6.5", 0, 0, err), "allow 198.18.6.5 inside the "
	      "blocklist accepted");
	CHECK(strstr(err, "inside 198.18.6.5 of blocklist"), "the error names the list's "
	      "prefix: %s", err);
	allow2 = add(PL_RULE_ALLOW, "198.18.9.9", 0, 0, err);
	CHECK(allow2, "allow 198.18.9.9: %s", err);
	e = add_list(0xc6120908, 1, 4, &blk, err); /* 198.18.9.8 to .11 */
	CHECK(e == -EINVAL && strstr(err, "holds allow 198.18.9.9"), "a blocklist over allow "
	      "198.18.9.9 refused: %d %s", e, err);
	pl_rule_del(&g_m, allow2);
	allow = add_host("198.18.6.7", err);
	CHECK(allow, "this host's 198.18.6.7: %s", err);
	CHECK(verdict(0xc6120607, 53) == XDP_PASS, "the host's 198.18.6.7 passes");
	CHECK(verdict(0xc6120608, 53) == XDP_DROP, "its neighbour 198.18.6.8 is still dropped");
	CHECK(verdict(0xc6120606, 53) == XDP_DROP, "198.18.6.6 is still dropped");
	TEST_END();

	TEST_BEGIN("allow wins inside a rate-limited range");
	rate = add(PL_RULE_RATE, "198.18.8.0/24", 10, 1, err);
	CHECK(rate, "rate 198.18.8.0/24 10: %s", err);
	allow2 = add(PL_RULE_ALLOW, "198.18.8.9", 0, 0, err);
	CHECK(allow2, "allow 198.18.8.9: %s", err);
	p = 0;
	for (int i = 0; i < 300; i++)
		p += verdict(0xc6120809, 53) == XDP_PASS;
	CHECK(p == 300, "allowed 198.18.8.9: %d of 300 passed", p);
	p = 0;
	for (int i = 0; i < 300; i++)
		p += verdict(0xc612080a, 53) == XDP_PASS;
	CHECK(p < 300 / 2, "198.18.8.10 is still limited: %d of 300 passed", p);
	TEST_END();

	TEST_BEGIN("allow inside a block rule: refused, nothing applied");
	blk = add(PL_RULE_BLOCK, "198.18.7.0/24", 0, 0, err);
	CHECK(blk, "block 198.18.7.0/24: %s", err);
	c = cfg();
	err[0] = 0;
	CHECK(!add(PL_RULE_ALLOW, "198.18.7.5", 0, 0, err), "allow 198.18.7.5 inside the block "
	      "accepted");
	CHECK(strstr(err, "inside block 198.18.7.0/24"), "the error names the block: %s", err);
	CHECK(cfg().n_allow == c.n_allow, "allow entries %u -> %u", c.n_allow, cfg().n_allow);
	CHECK(verdict(0xc6120705, 53) == XDP_DROP, "198.18.7.5 is still dropped");
	TEST_END();
	pl_rule_del(&g_m, blk);
	pl_rule_del(&g_m, rate);
	pl_rule_del(&g_m, allow2);
	pl_rule_del(&g_m, allow);
	pl_rule_del(&g_m, list);
}

/* XDP's verdict for a UDP (or TCP) frame of @len bytes from @src:@sport to port @dport. */
static int verdict_sport(uint32_t src, uint8_t proto, uint16_t sport, uint16_t dport,
			 uint16_t len)
{
	uint8_t f[1514] = { 0 };
	uint32_t s = htonl(src), d = htonl(0xc6130001);
	uint16_t tot = htons(len - 14), dp = htons(dport), sp = htons(sport);
	uint16_t ul = htons(len - 34);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = len, .repeat = 1);

	f[12] = 0x08;
	f[14] = 0x45;
	memcpy(f + 16, &tot, 2);
	f[22] = 64;
	f[23] = proto;
	memcpy(f + 26, &s, 4);
	memcpy(f + 30, &d, 4);
	memcpy(f + 34, &sp, 2);
	memcpy(f + 36, &dp, 2);
	if (proto == 17)
		memcpy(f + 38, &ul, 2);
	else
		f[46] = 0x50; /* TCP data offset 5 */
	if (bpf_prog_test_run_opts(g_prog, &o))
		return -1;
	return o.retval;
}

/* Source-port rules (reflected answers): source port, protocol and minimum size. */
static void test_sport(void)
{
	char err[PL_ERR_LEN] = "";
	__u32 ids[2] = { 0 };
	struct pl_rule_set set;
	struct pl_rule_row *rows = NULL;
	size_t n = 0;
	__u64 hits = 0;
	int e;

	TEST_BEGIN("source-port rules: UDP from port 123 of 400 bytes or more");
	e = add_text("block 0.0.0.0/0 sport 123 proto udp minlen 400\nallow 198.18.3.1\n", ids,
		     2, err);
	CHECK(!e && ids[0] && ids[1], "block 0.0.0.0/0 sport 123 proto udp minlen 400; allow "
	      "198.18.3.1: %s", err);
	CHECK(cfg().n_sport == 1 && cfg().n_port == 0, "n_sport %u, n_port %u", cfg().n_sport,
	      cfg().n_port);
	CHECK(verdict_sport(0xc6120305, 17, 123, 40000, 500) == XDP_DROP,
	      "500 bytes from 198.18.3.5:123 dropped");
	CHECK(verdict_sport(0xc6120305, 17, 123, 40000, 400) == XDP_DROP,
	      "400 bytes (the minimum) dropped");
	CHECK(verdict_sport(0xc6120305, 17, 123, 40000, 399) == XDP_PASS,
	      "399 bytes from port 123 pass (short answers: the host's own queries)");
	CHECK(verdict_sport(0xc6120305, 17, 124, 40000, 500) == XDP_PASS,
	      "500 bytes from port 124 pass");
	CHECK(verdict_sport(0xc6120305, 17, 40000, 123, 500) == XDP_PASS,
	      "500 bytes to port 123 pass (the rule is on the source port)");
	CHECK(verdict_sport(0xc6120305, 6, 123, 40000, 500) == XDP_PASS,
	      "500 bytes of TCP from port 123 pass");
	CHECK(verdict_sport(0xc6120301, 17, 123, 40000, 500) == XDP_PASS,
	      "the allowed 198.18.3.1 passes");
	if (!pl_rule_list(&g_m, &rows, &n))
		for (size_t i = 0; i < n; i++)
			if (rows[i].id == ids[0])
				hits = rows[i].st.packets;
	free(rows);
	CHECK(hits == 2, "the rule counted %llu packets (2 dropped)", (unsigned long long)hits);
	pl_rule_del(&g_m, ids[0]);
	pl_rule_del(&g_m, ids[1]);
	CHECK(cfg().n_sport == 0, "n_sport %u after removal", cfg().n_sport);
	CHECK(verdict_sport(0xc6120305, 17, 123, 40000, 500) == XDP_PASS,
	      "without the rule 500 bytes from port 123 pass");
	TEST_END();

	TEST_BEGIN("source-port rules: bad input");
	static const char *const bad[][2] = {
		{ "block 198.18.0.0/16 sport 123\n", "sport needs proto" },
		{ "block 198.18.0.0/16 port 53 minlen 400 proto udp\n", "minlen goes with sport" },
		{ "block 198.18.0.0/16 port 53 sport 123 proto udp\n", "port N or sport N" },
		{ "block 198.18.0.0/16 sport 123 proto icmp\n", "sport needs proto" },
		{ "block 198.18.0.0/16 sport 0 proto udp\n", "1 to 65535" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		e = pl_rules_parse("test", bad[i][0], strlen(bad[i][0]), true, &set, err,
				   sizeof(err));
		CHECK(e && strstr(err, bad[i][1]), "'%.*s': %s", (int)strlen(bad[i][0]) - 1,
		      bad[i][0], e ? err : "accepted");
		if (!e)
			pl_rules_free(&set);
	}
	TEST_END();
}

static void test_full_table(void)
{
	char err[PL_ERR_LEN] = "";
	struct pl_rule none = {};
	__u32 filled = 0, last;
	struct pl_mit_cfg c;
	int before;

	TEST_BEGIN("a full rule table: refused, nothing applied");
	/* Fill every free slot but one with meta data of /32 rules (kept out of the maps). */
	for (__u32 i = 1; i < PL_RULES_MAX - 1; i++) {
		struct pl_rule r = { .kind = PL_RULE_BLOCK, .family = 4, .plen = 32,
				     .addr = { htonl(0xc6130000 + i) } };

		if (bpf_map_update_elem(g_m.rules_fd, &i, &r, BPF_NOEXIST) &&
		    bpf_map_update_elem(g_m.rules_fd, &i, &r, BPF_ANY)) {
			CHECK(0, "filling slot %u: %s", i, strerror(errno));
			break;
		}
		filled = i;
	}
	last = add(PL_RULE_BLOCK, "198.18.9.1", 0, 0, err);
	CHECK(last, "the last free slot takes block 198.18.9.1: %s", err);
	CHECK(verdict(0xc6120901, 53) == XDP_DROP, "198.18.9.1 dropped");
	before = rules_in_use();
	c = cfg();
	err[0] = 0;
	CHECK(!add(PL_RULE_BLOCK, "198.18.9.2", 0, 0, err), "a rule beyond the table accepted");
	CHECK(strstr(err, "rule table is full"), "the error says the table is full: %s", err);
	CHECK(verdict(0xc6120902, 53) == XDP_PASS, "198.18.9.2 not blocked");
	CHECK(rules_in_use() == before, "rules in use %d -> %d", before, rules_in_use());
	CHECK(cfg().n_block == c.n_block, "block entries %u -> %u", c.n_block, cfg().n_block);
	CHECK(!add(PL_RULE_RATE, "198.18.9.0/24", 5, 1, err), "a rate rule beyond the table");
	CHECK(cfg().n_rate == c.n_rate, "rate entries %u -> %u", c.n_rate, cfg().n_rate);
	for (__u32 i = 1; i <= filled; i++)
		bpf_map_update_elem(g_m.rules_fd, &i, &none, BPF_ANY);
	CHECK(verdict(0xc6120901, 53) == XDP_DROP, "198.18.9.1 still dropped");
	pl_rule_del(&g_m, last);
	CHECK(verdict(0xc6120901, 53) == XDP_PASS, "unblocked 198.18.9.1 passes");
	TEST_END();
}

static void test_full_blocklist(void)
{
	char err[PL_ERR_LEN] = "";
	__u32 blk, list, big;
	struct pl_mit_cfg c;
	int before, hashed, e, p = 0;

	TEST_BEGIN("a full blocklist: refused, nothing applied");
	blk = add(PL_RULE_BLOCK, "198.18.10.0/24", 0, 0, err);
	CHECK(blk, "block 198.18.10.0/24: %s", err);
	before = rules_in_use();
	hashed = count_keys(g_m.bl.hash_fd[0], sizeof(struct pl_bl4_key));
	c = cfg();
	/* 198.18.16.0 on, every 2nd address: more /32s than the blocklist holds. */
	e = add_list(0xc6121000, 2, BL_CAP + 100, &big, err);
	CHECK(e, "a list of %d prefixes accepted into a blocklist of %d", BL_CAP + 100, BL_CAP);
	CHECK(strstr(err, "nothing was applied"), "the error says nothing was applied: %s", err);
	for (int i = 0; i < BL_CAP + 100; i += 7)
		p += verdict(0xc6121000 + 2 * i, 53) == XDP_PASS;
	CHECK(p == (BL_CAP + 100 + 6) / 7, "%d of %d of the refused list's addresses pass", p,
	      (BL_CAP + 100 + 6) / 7);
	CHECK(count_keys(g_m.bl.hash_fd[0], sizeof(struct pl_bl4_key)) == hashed,
	      "the blocklist held %d prefixes, now %d", hashed,
	      count_keys(g_m.bl.hash_fd[0], sizeof(struct pl_bl4_key)));
	CHECK(rules_in_use() == before, "rules in use %d -> %d", before, rules_in_use());
	CHECK(cfg().n_block == c.n_block, "block entries %u -> %u", c.n_block, cfg().n_block);
	CHECK(verdict(0xc6120a05, 53) == XDP_DROP, "the earlier block still drops");
	/* What fits is taken whole. */
	e = add_list(0xc6121000, 2, BL_CAP / 2, &list, err);
	CHECK(!e, "a list of %d: %s", BL_CAP / 2, err);
	p = 0;
	for (int i = 0; i < BL_CAP / 2; i += 7)
		p += verdict(0xc6121000 + 2 * i, 53) == XDP_DROP;
	CHECK(p == (BL_CAP / 2 + 6) / 7, "%d of %d of the list's addresses dropped", p,
	      (BL_CAP / 2 + 6) / 7);
	CHECK(verdict(0xc6121001, 53) == XDP_PASS, "an address between them passes");
	pl_rule_del(&g_m, list);
	pl_rule_del(&g_m, blk);
	CHECK(count_keys(g_m.bl.hash_fd[0], sizeof(struct pl_bl4_key)) == hashed - 1,
	      "removed rules leave %d prefixes (before: %d)",
	      count_keys(g_m.bl.hash_fd[0], sizeof(struct pl_bl4_key)), hashed);
	TEST_END();
}

int main(void)
{
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid()) {
		TEST_SKIP("mitigate", "needs root to load BPF programs");
		return check_summary();
	}
	g_ncpu = libbpf_num_possible_cpus();
	g_skel = pktlens__open();
	if (!g_skel) {
		CHECK(0, "pktlens__open: %s", strerror(errno));
		return check_summary();
	}
	pl_mit_size_maps(g_skel, true, BL_CAP);
	err = pktlens__load(g_skel);
	if (err || pl_mit_from_skel(&g_m, g_skel)) {
		CHECK(0, "loading the data plane for mitigation: %s", strerror(err ? -err : errno));
		pktlens__destroy(g_skel);
		return check_summary();
	}
	g_prog = bpf_program__fd(g_skel->progs.xdp_pktlens);
	test_rate();
	test_aggregate();
	test_slot_reuse();
	test_ipv6();
	test_allow();
	test_sport();
	test_full_table();
	test_full_blocklist();
	pl_mit_close(&g_m);
	pktlens__destroy(g_skel);
	return check_summary();
}
