// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_tcp_rtt.c - passive TCP RTT and health (bpf/rtt.h) through BPF_PROG_TEST_RUN,
 * in offline mode so that each packet's time is the test's: segments of one
 * connection built by hand, both directions, and the flow's record in pl_tcp checked
 * to the nanosecond: the handshake (first SYN to the ACK of the SYN-ACK), a TSval to
 * its echo, a sequence end to its ACK without timestamps, no sample across a
 * retransmission (Karn), retransmissions, a hole (out of order), a keep-alive that is
 * none, duplicate ACKs, zero windows, resets by side, the histograms per service
 * port and remote /24, and an IPv6 flow. Needs root.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <sched.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pktlens.h"
#include "pktlens.skel.h"
#include "check.h"
#include "pktbuild.h"

#define MS 1000000ull

static struct pktlens *g;
static int g_cpu;
static int g_v6;

/* One segment of the connection 198.18.0.1:@cport <-> 198.18.0.2:80 at time @t. */
static void seg(int from_client, __u16 cport, __u8 flags, __u32 seq, __u32 ack, size_t len,
		__u32 tsval, __u32 tsecr, __u16 win, __u64 t)
{
	unsigned char opt[12] = { 1, 1, 8, 10 };
	struct pb b;
	LIBBPF_OPTS(bpf_test_run_opts, o);

	pb_init(&b);
	if (g_v6) {
		pb_eth(&b, NULL, NULL, PB_ETH_P_IPV6);
		pb_ipv6(&b, &(struct pb_ipv6_opts){ .src = pb_in6(from_client ? "2001:db8::1" : "2001:db8::2"),
						    .dst = pb_in6(from_client ? "2001:db8::2" : "2001:db8::1"),
						    .nexthdr = PB_IPPROTO_TCP });
	} else {
		pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
		pb_ipv4(&b, &(struct pb_ipv4_opts){ .src = from_client ? PB_IP4(198, 18, 0, 1) : PB_IP4(198, 18, 0, 2),
						    .dst = from_client ? PB_IP4(198, 18, 0, 2) : PB_IP4(198, 18, 0, 1),
						    .proto = PB_IPPROTO_TCP });
	}
	opt[4] = tsval >> 24, opt[5] = tsval >> 16, opt[6] = tsval >> 8, opt[7] = tsval;
	opt[8] = tsecr >> 24, opt[9] = tsecr >> 16, opt[10] = tsecr >> 8, opt[11] = tsecr;
	pb_tcp(&b, &(struct pb_tcp_opts){ .sport = from_client ? cport : 80,
					  .dport = from_client ? 80 : cport, .seq = seq, .ack = ack,
					  .flags = flags, .window = win ? win : 1000,
					  .options = tsval ? opt : NULL, .optlen = tsval ? 12 : 0 });
	pb_payload(&b, len);
	pb_finish(&b);
	/* 0xffff here means a zero window (the builder takes 0 as its default); set
	 * after the checksums, which the program does not check */
	if (win == 0xffff)
		*(__u16 *)(b.buf + b.len - len - (tsval ? 32 : 20) + 14) = 0;
	g->bss->pl_offline[g_cpu].n = 1;
	g->bss->pl_offline[g_cpu].f[0].ts_ns = t;
	g->bss->pl_offline[g_cpu].f[0].wire_len = b.len;
	o.data_in = b.buf;
	o.data_size_in = b.len;
	CHECK_EQ(bpf_prog_test_run_opts(bpf_program__fd(g->progs.xdp_pktlens), &o), 0);
}

/* The record of the flow with client port @cport; 0 when found. */
static int rec(__u16 cport, struct pl_tcp_val *v, struct pl_flow_key *out)
{
	int fd = bpf_map__fd(g->maps.pl_tcp);
	struct pl_flow_key k, *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &k)) {
		if ((ntohs(k.port_a) == cport || ntohs(k.port_b) == cport) &&
		    !bpf_map_lookup_elem(fd, &k, v)) {
			if (out)
				*out = k;
			return 0;
		}
		prev = &k;
	}
	return -1;
}

/* Client and server directions of a record. */
#define CLI(v) (&(v).d[(v).init_dir & 1])
#define SRV(v) (&(v).d[!((v).init_dir & 1)])

static void handshake(__u16 p, __u64 t0)
{
	seg(1, p, PB_TCP_SYN, 1000, 0, 0, 0, 0, 0, t0);
	seg(0, p, PB_TCP_SYN | PB_TCP_ACK, 5000, 1001, 0, 0, 0, 0, t0 + 3 * MS);
	seg(1, p, PB_TCP_ACK, 1001, 5001, 0, 0, 0, 0, t0 + 10 * MS);
}

static void test_handshake_and_ts(void)
{
	struct pl_tcp_val v;
	__u64 t0 = 1000 * MS;

	TEST_BEGIN(g_v6 ? "IPv6: handshake RTT and a TSval to its echo" :
			  "handshake RTT (SYN to the ACK of the SYN-ACK) and a TSval to its echo");
	handshake(40001, t0);
	/* Client data with TSval 100; the server echoes it 7 ms later. */
	seg(1, 40001, PB_TCP_ACK | PB_TCP_PSH, 1001, 5001, 100, 100, 0, 0, t0 + 20 * MS);
	seg(0, 40001, PB_TCP_ACK, 5001, 1101, 0, 900, 100, 0, t0 + 27 * MS);
	/* The same TSval again is no new sample; a later one is. */
	seg(1, 40001, PB_TCP_ACK | PB_TCP_PSH, 1101, 5001, 100, 100, 900, 0, t0 + 28 * MS);
	seg(1, 40001, PB_TCP_ACK | PB_TCP_PSH, 1201, 5001, 100, 101, 900, 0, t0 + 30 * MS);
	seg(0, 40001, PB_TCP_ACK, 5001, 1301, 0, 901, 101, 0, t0 + 39 * MS);
	CHECK(!rec(40001, &v, NULL), "no record");
	CHECK_EQ(v.hs, PL_HS_SYN | PL_HS_SYNACK | PL_HS_DONE);
	CHECK_EQ(v.handshake_ns, 10 * MS);
	/* the handshake, then 7 ms and 9 ms from timestamps, on the responder's side */
	CHECK_EQ(v.rtt[0].samples, 3);
	CHECK_EQ(v.rtt[0].from_ts, 2);
	CHECK_EQ(v.rtt[0].min_ns, 7 * MS);
	CHECK_EQ(v.rtt[0].max_ns, 10 * MS);
	CHECK_EQ(v.rtt[0].last_ns, 9 * MS);
	CHECK_EQ(v.rtt[0].sum_ns, 26 * MS);
	/* the client's echo of TSval 900 came 1 ms after it (t0 + 28) ... */
	CHECK_EQ(v.rtt[1].samples, 1);
	CHECK_EQ(v.rtt[1].last_ns, 1 * MS);
	CHECK_EQ(CLI(v)->retrans + SRV(v)->retrans, 0);
	TEST_END();
}

static void test_seq_ack(void)
{
	struct pl_tcp_val v;
	__u64 t0 = 2000 * MS;

	TEST_BEGIN("without timestamps: a sequence end to the ACK that covers it; Karn");
	handshake(40002, t0);
	seg(1, 40002, PB_TCP_ACK, 1001, 5001, 100, 0, 0, 0, t0 + 20 * MS);
	seg(0, 40002, PB_TCP_ACK, 5001, 1101, 0, 0, 0, 0, t0 + 24 * MS); /* 4 ms */
	/* sent, resent, then acknowledged: no sample (which copy?) */
	seg(1, 40002, PB_TCP_ACK, 1101, 5001, 100, 0, 0, 0, t0 + 30 * MS);
	seg(1, 40002, PB_TCP_ACK, 1101, 5001, 100, 0, 0, 0, t0 + 60 * MS);
	seg(0, 40002, PB_TCP_ACK, 5001, 1201, 0, 0, 0, 0, t0 + 65 * MS);
	CHECK(!rec(40002, &v, NULL), "no record");
	CHECK_EQ(v.rtt[0].samples, 2); /* the handshake and the 4 ms */
	CHECK_EQ(v.rtt[0].from_ts, 0);
	CHECK_EQ(v.rtt[0].min_ns, 4 * MS);
	CHECK_EQ(CLI(v)->retrans, 1);
	CHECK_EQ(CLI(v)->segs, 4); /* SYN and three with data */
	TEST_END();
}

static void test_health(void)
{
	struct pl_tcp_val v;
	__u64 t0 = 3000 * MS;

	TEST_BEGIN("retransmission, hole, keep-alive, duplicate ACKs, zero window, reset by side");
	handshake(40003, t0);
	seg(1, 40003, PB_TCP_ACK, 1001, 5001, 100, 0, 0, 0, t0 + 20 * MS);
	seg(1, 40003, PB_TCP_ACK, 1201, 5001, 100, 0, 0, 0, t0 + 21 * MS); /* 1101-1200 missing */
	seg(0, 40003, PB_TCP_ACK, 5001, 1101, 0, 0, 0, 0, t0 + 25 * MS);
	seg(0, 40003, PB_TCP_ACK, 5001, 1101, 0, 0, 0, 0, t0 + 26 * MS); /* duplicate */
	seg(0, 40003, PB_TCP_ACK, 5001, 1101, 0, 0, 0, 0, t0 + 27 * MS); /* duplicate */
	seg(1, 40003, PB_TCP_ACK, 1101, 5001, 100, 0, 0, 0, t0 + 30 * MS); /* the hole filled: resent */
	seg(0, 40003, PB_TCP_ACK, 5001, 1301, 0, 0, 0, 0xffff, t0 + 31 * MS); /* zero window */
	seg(1, 40003, PB_TCP_ACK, 1300, 5001, 1, 0, 0, 0, t0 + 40 * MS); /* keep-alive */
	seg(0, 40003, PB_TCP_RST | PB_TCP_ACK, 5001, 1301, 0, 0, 0, 0, t0 + 50 * MS);
	CHECK(!rec(40003, &v, NULL), "no record");
	CHECK_EQ(CLI(v)->ooo, 1);
	CHECK_EQ(CLI(v)->retrans, 1);
	CHECK_EQ(SRV(v)->dupack, 2);
	CHECK_EQ(SRV(v)->zero_win, 1);
	CHECK_EQ(SRV(v)->rst, 1);
	CHECK_EQ(CLI(v)->rst, 0);
	TEST_END();
}

static void test_unanswered(void)
{
	struct pl_tcp_val v;

	TEST_BEGIN("a SYN without answer and a SYN-ACK without ACK stay so");
	seg(1, 40004, PB_TCP_SYN, 7000, 0, 0, 0, 0, 0, 4000 * MS);
	seg(1, 40004, PB_TCP_SYN, 7000, 0, 0, 0, 0, 0, 4001 * MS); /* SYN resent */
	CHECK(!rec(40004, &v, NULL), "no record");
	CHECK_EQ(v.hs, PL_HS_SYN);
	CHECK_EQ(v.syn_ns, 4000 * MS);
	CHECK_EQ(CLI(v)->retrans, 1);
	seg(1, 40005, PB_TCP_SYN, 7000, 0, 0, 0, 0, 0, 4100 * MS);
	seg(0, 40005, PB_TCP_SYN | PB_TCP_ACK, 9000, 7001, 0, 0, 0, 0, 4101 * MS);
	CHECK(!rec(40005, &v, NULL), "no record");
	CHECK_EQ(v.hs, PL_HS_SYN | PL_HS_SYNACK);
	CHECK_EQ(v.handshake_ns, 0);
	TEST_END();
}

static __u64 hist_samples(const struct pl_rtt_hkey *k, __u32 bucket)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pl_rtt_hist h[ncpu];
	__u64 n = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(g->maps.pl_tcp_hist), k, h))
		return 0;
	for (int c = 0; c < ncpu; c++)
		n += h[c].count[bucket];
	return n;
}

static void test_hists(void)
{
	struct pl_rtt_hkey port = { .kind = PL_RTTH_PORT, .port = 80 };
	struct pl_rtt_hkey net = { .kind = PL_RTTH_NET, .family = 4 };

	TEST_BEGIN("histograms: service port 80 and the responder's 198.18.0.0/24");
	net.net[2] = htonl(0xffff);
	net.net[3] = htonl(0xc6120000); /* 198.18.0.0 */
	/* bucket 13 (8192-16383 us): the three completed handshakes (10 ms) and 9 ms;
	 * bucket 12: 7 ms and the health case's 5 ms; bucket 11: 4 ms */
	CHECK_EQ(hist_samples(&port, 13), 4);
	CHECK_EQ(hist_samples(&port, 12), 2);
	CHECK_EQ(hist_samples(&port, 11), 1);
	CHECK_EQ(hist_samples(&net, 13), 4);
	CHECK_EQ(hist_samples(&net, 12), 2);
	CHECK_EQ(hist_samples(&net, 11), 1);
	TEST_END();
}

int main(void)
{
	cpu_set_t set;

	g_cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(g_cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	g = pktlens__open();
	if (!g) {
		TEST_SKIP("tcp rtt", "cannot open the object");
		return check_summary();
	}
	g->rodata->pl_cfg_offline = 1;
	g->rodata->pl_cfg_tcp = 1;
	bpf_program__set_flags(g->progs.xdp_pktlens, BPF_F_XDP_HAS_FRAGS);
	bpf_program__set_autoload(g->progs.tc_pktlens, false);
	bpf_program__set_autoload(g->progs.tc_pktlens_egress, false);
	if (pktlens__load(g)) {
		printf("FAIL load: the object did not load (root?)\n");
		return 1;
	}
	test_handshake_and_ts();
	test_seq_ack();
	test_health();
	test_unanswered();
	test_hists();
	g_v6 = 1;
	test_handshake_and_ts();
	pktlens__destroy(g);
	return check_summary();
}
