// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_l7_egress.c - the tc egress program (bpf/l7_egress.h) through BPF_PROG_TEST_RUN:
 * it copies the first pl_cfg_l7_pkts packets of each flow and direction to the L7
 * ring, marked egress, with the flow key normalized as the ingress program keys
 * pl_flows, and the frame's bytes; later packets are counted in pl_l7_egress but
 * never copied; it counts nothing in pl_stats or pl_flows (every counter stays what
 * the interface receives); with a filter (pl_cfg_l7_egress_known) it samples only
 * flows that are in pl_flows; with L7 off, and for a frame without a flow (ARP), it
 * does nothing. Needs root.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pktlens.h"
#include "pktlens.skel.h"
#include "l7/session.h"
#include "check.h"

#define N_SAMPLE 2

struct got {
	int n;
	struct pl_l7_sample h[16];
	unsigned char data[16][128];
};

static int on_sample(void *ctx, void *data, size_t size)
{
	struct got *g = ctx;
	const struct pl_l7_sample *h = data;

	if (g->n < 16 && size >= sizeof(*h)) {
		g->h[g->n] = *h;
		memcpy(g->data[g->n], h + 1, h->cap_len < 128 ? h->cap_len : 128);
	}
	g->n++;
	return 0;
}

static struct pktlens *load(__u32 l7_pkts, bool known)
{
	struct pktlens *s = pktlens__open();

	if (!s)
		return NULL;
	s->rodata->pl_cfg_l7_pkts = l7_pkts;
	s->rodata->pl_cfg_l7_egress_known = known;
	if (pktlens__load(s)) {
		pktlens__destroy(s);
		return NULL;
	}
	return s;
}

/* An Ethernet + IPv4 + TCP frame with 20 bytes of payload from @src:@sport to @dst:@dport. */
static size_t tcp4(unsigned char *b, const char *src, __u16 sport, const char *dst, __u16 dport)
{
	unsigned char *ip = b + 14, *tcp = ip + 20;
	size_t len = 14 + 20 + 20 + 20;

	memset(b, 0, len);
	memcpy(b, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", 14);
	ip[0] = 0x45;
	ip[3] = 60;
	ip[8] = 64;
	ip[9] = 6;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	tcp[0] = sport >> 8, tcp[1] = sport & 0xff;
	tcp[2] = dport >> 8, tcp[3] = dport & 0xff;
	tcp[12] = 5 << 4;
	tcp[13] = 0x18; /* PSH ACK */
	memset(tcp + 20, 'x', 20);
	return len;
}

static int run(struct pktlens *s, const unsigned char *frame, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (__u32)len,
		    .repeat = 1);

	return bpf_prog_test_run_opts(bpf_program__fd(s->progs.tc_pktlens_egress), &o);
}

static int drain(struct pktlens *s, struct got *g)
{
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(s->maps.pl_l7_events), on_sample,
						  g, NULL);

	memset(g, 0, sizeof(*g));
	if (!rb)
		return -1;
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return g->n;
}

static void counters(struct pktlens *s, __u64 *sampled, __u64 *lost, __u64 *packets)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pl_l7_counters *c = calloc((size_t)ncpu, sizeof(*c));
	struct pl_stats *st = calloc((size_t)ncpu, sizeof(*st));
	__u32 zero = 0;

	*sampled = *lost = *packets = 0;
	if (c && st && !bpf_map_lookup_elem(bpf_map__fd(s->maps.pl_l7_counts), &zero, c) &&
	    !bpf_map_lookup_elem(bpf_map__fd(s->maps.pl_stats), &zero, st)) {
		for (int i = 0; i < ncpu; i++) {
			*sampled += c[i].sampled;
			*lost += c[i].lost;
			*packets += st[i].packets;
		}
	}
	free(c);
	free(st);
}

static int map_entries(int fd, size_t key_size)
{
	unsigned char k[64], next[64];
	void *prev = NULL;
	int n = 0;

	while (key_size <= sizeof(k) && !bpf_map_get_next_key(fd, prev, next)) {
		memcpy(k, next, key_size);
		prev = k;
		n++;
	}
	return n;
}

static struct pl_flow_key key4(const char *a, __u16 pa, const char *b, __u16 pb)
{
	struct pl_flow_key k = { .proto = 6, .family = 4 };

	((unsigned char *)k.addr_a)[10] = ((unsigned char *)k.addr_a)[11] = 0xff;
	((unsigned char *)k.addr_b)[10] = ((unsigned char *)k.addr_b)[11] = 0xff;
	inet_pton(AF_INET, a, (unsigned char *)k.addr_a + 12);
	inet_pton(AF_INET, b, (unsigned char *)k.addr_b + 12);
	k.port_a = htons(pa);
	k.port_b = htons(pb);
	return k;
}

static void test_samples(void)
{
	struct pktlens *s = load(N_SAMPLE, false);
	unsigned char f[128];
	struct pl_flow_key want = key4("198.18.0.1", 40000, "198.18.0.2", 80);
	struct pl_l7_egress_val ev = {};
	__u64 sampled, lost, packets;
	struct got g;
	size_t len;

	TEST_BEGIN("egress: the first packets of each direction copied, later ones counted");
	CHECK(s, "loading the object failed: %s", strerror(errno));
	if (!s)
		goto out;
	/* The server's answers (b -> a in the normalized key), then a packet the other way. */
	len = tcp4(f, "198.18.0.2", 80, "198.18.0.1", 40000);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(run(s, f, len), 0);
	CHECK_EQ(drain(s, &g), N_SAMPLE);
	for (int i = 0; i < N_SAMPLE && i < g.n; i++) {
		CHECK(!memcmp(&g.h[i].key, &want, sizeof(want)), "sample %d: the normalized key", i);
		CHECK_EQ(g.h[i].dir, PL_DIR_B_TO_A);
		CHECK_EQ(g.h[i].egress, 1);
		CHECK_EQ(g.h[i].cap_len, len);
		CHECK_EQ(g.h[i].wire_len, len);
		CHECK(!memcmp(g.data[i], f, len), "sample %d: the frame's bytes", i);
	}
	CHECK_EQ(bpf_map_lookup_elem(bpf_map__fd(s->maps.pl_l7_egress), &want, &ev), 0);
	CHECK_EQ(ev.packets[PL_DIR_B_TO_A], 5);
	CHECK_EQ(ev.bytes[PL_DIR_B_TO_A], 5 * len);
	CHECK_EQ(ev.packets[PL_DIR_A_TO_B], 0);
	CHECK_EQ(ev.bytes[PL_DIR_A_TO_B], 0);
	len = tcp4(f, "198.18.0.1", 40000, "198.18.0.2", 80);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(run(s, f, len), 0);
	CHECK_EQ(drain(s, &g), N_SAMPLE);
	CHECK(g.n >= 1 && g.h[0].dir == PL_DIR_A_TO_B, "the other direction has its own count");
	counters(s, &sampled, &lost, &packets);
	CHECK_EQ(sampled, 2 * N_SAMPLE);
	CHECK_EQ(lost, 0);
	CHECK_EQ(packets, 0); /* the receive counters stay untouched */
	CHECK_EQ(map_entries(bpf_map__fd(s->maps.pl_flows), sizeof(struct pl_flow_key)), 0);
	/* An ARP frame has no flow: nothing. */
	memset(f, 0, 60);
	memcpy(f + 12, "\x08\x06", 2);
	CHECK_EQ(run(s, f, 60), 0);
	CHECK_EQ(drain(s, &g), 0);
out:
	pktlens__destroy(s);
	TEST_END();
}

static void test_known_only(void)
{
	struct pktlens *s = load(N_SAMPLE, true);
	struct pl_flow_key k = key4("198.18.0.1", 40000, "198.18.0.2", 443);
	struct pl_flow_value v = { .packets = { 1, 0 } };
	unsigned char f[128];
	struct got g;
	size_t len = tcp4(f, "198.18.0.2", 443, "198.18.0.1", 40000);

	TEST_BEGIN("egress with a filter: only flows the ingress side let into pl_flows");
	CHECK(s, "loading the object failed: %s", strerror(errno));
	if (!s)
		goto out;
	CHECK_EQ(run(s, f, len), 0);
	CHECK_EQ(drain(s, &g), 0);
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(s->maps.pl_flows), &k, &v, BPF_ANY), 0);
	CHECK_EQ(run(s, f, len), 0);
	CHECK_EQ(drain(s, &g), 1);
out:
	pktlens__destroy(s);
	TEST_END();
}

static void test_off(void)
{
	struct pktlens *s = pktlens__open();
	unsigned char f[128];
	struct got g;
	size_t len = tcp4(f, "198.18.0.2", 80, "198.18.0.1", 40000);

	/* Detection counts what left in pl_l7_egress even without L7: off here too. */
	TEST_BEGIN("egress with L7, TCP tracking and detection off: nothing copied, nothing kept");
	if (s) {
		s->rodata->pl_cfg_l7_pkts = 0;
		s->rodata->pl_cfg_tcp = 0;
		s->rodata->pl_cfg_detect = 0;
		if (pktlens__load(s)) {
			pktlens__destroy(s);
			s = NULL;
		}
	}
	CHECK(s, "loading the object failed: %s", strerror(errno));
	if (!s)
		goto out;
	CHECK_EQ(run(s, f, len), 0);
	CHECK_EQ(drain(s, &g), 0);
	CHECK_EQ(map_entries(bpf_map__fd(s->maps.pl_l7_egress), sizeof(struct pl_flow_key)), 0);
out:
	pktlens__destroy(s);
	TEST_END();
}

/* The default 4 MiB ring, ~1.6 KB a sample (its 1536-byte reservation): ~2600 fit. */
#define RING_FLOWS 4000

static void test_full_ring(struct pktlens *s)
{
	__u64 sampled, lost, packets;
	unsigned char f[128];
	struct got g;
	size_t len;
	int n;

	TEST_BEGIN("a full L7 ring: every sample that does not fit is counted lost");
	/* RING_FLOWS new flows, one sample each, nobody reading. */
	for (int i = 0; i < RING_FLOWS; i++) {
		len = tcp4(f, i & 1 ? "198.18.0.3" : "198.18.0.2", 80, "198.18.0.1",
			   (__u16)(20000 + i / 2));
		CHECK_EQ(run(s, f, len), 0);
	}
	n = drain(s, &g);
	counters(s, &sampled, &lost, &packets);
	CHECK(n > 0 && n < RING_FLOWS, "drained %d of %d from the ring", n, RING_FLOWS);
	CHECK(lost > 0 && (__u64)n + lost == RING_FLOWS, "delivered %d + lost %llu != %d sent",
	      n, (unsigned long long)lost, RING_FLOWS);
	CHECK_EQ(sampled, (__u64)n);
	/* Read, the ring has room again: the next new flow's sample arrives. */
	len = tcp4(f, "198.18.0.4", 80, "198.18.0.1", 42000);
	CHECK_EQ(run(s, f, len), 0);
	CHECK_EQ(drain(s, &g), 1);
	TEST_END();
}

static void test_skipped(struct pktlens *s)
{
	struct pl_l7_session_opts lo = { .max_classifying = 2, .pkts = N_SAMPLE };
	struct pl_l7_session *l7;
	struct pl_l7_app_row rows[4];
	struct pl_l7_totals t = {};
	unsigned char f[128];
	size_t len;
	int err = 0;

	TEST_BEGIN("L7 session: samples of new flows past max_classifying are skipped, counted");
	lo.events_fd = bpf_map__fd(s->maps.pl_l7_events);
	lo.verdicts_fd = bpf_map__fd(s->maps.pl_l7_verdicts);
	lo.counts_fd = bpf_map__fd(s->maps.pl_l7_counts);
	lo.flows_fd = bpf_map__fd(s->maps.pl_flows);
	l7 = pl_l7_session_new(&lo, &err);
	CHECK(l7, "no session: %s", strerror(-err));
	if (!l7)
		goto out;
	/* 5 new flows, one packet each, none classified by one packet (port 9 payload). */
	for (int i = 0; i < 5; i++) {
		len = tcp4(f, "198.18.0.5", 9, "198.18.0.1", (__u16)(43000 + i));
		CHECK_EQ(run(s, f, len), 0);
	}
	CHECK_EQ(pl_l7_drain(l7), 5);
	pl_l7_apps(l7, rows, 4, &t);
	CHECK_EQ(t.skipped, 3);
	CHECK_EQ(t.classifying, 2);
out:
	pl_l7_session_free(l7);
	TEST_END();
}

/* One object for both (each load verifies the whole program: seconds). */
static void test_ring_and_session(void)
{
	struct pktlens *s = load(N_SAMPLE, false);

	if (!s) {
		TEST_BEGIN("loading the object for the ring and session tests");
		CHECK(0, "failed: %s", strerror(errno));
		TEST_END();
		return;
	}
	test_full_ring(s);
	test_skipped(s);
	pktlens__destroy(s);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		TEST_SKIP("egress program tests", "need root to load BPF programs");
		return check_summary();
	}
	test_samples();
	test_known_only();
	test_off();
	test_ring_and_session();
	return check_summary();
}
