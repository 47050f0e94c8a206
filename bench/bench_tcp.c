// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_tcp.c - the in-kernel cost per packet of passive TCP RTT and health tracking
 * (bpf/rtt.h), through BPF_PROG_TEST_RUN, as bench_pipeline measures the pipeline:
 *
 *   ingress: xdp_pktlens with pl_cfg_tcp on against the same program with it off
 *            (the verifier prunes the tracking then), both loaded as monitor loads them;
 *   egress:  tc_pktlens_egress as monitor loads it by default (L7 sampling, detection's
 *            count of what left, TCP tracking) against the same program with --no-tcp
 *            (L7 and detection still on: the program stays attached), the difference
 *            and ratio being what RTT and health tracking add on egress; and the
 *            program with all three off, which returns at once (the test run's own
 *            cost, subtracted for the ratio).
 *
 *   bench_tcp [--flows N] [--rounds N] [--no-echo]
 *
 * N flows (default 65536), two frames each: the client's data segment (100 bytes,
 * timestamps option, a new TSval) and the server's ACK that echoes it (an RTT sample),
 * every frame distinct, sent once per round (repeat = 1) in a fixed shuffled order that
 * keeps each flow's data before its ACK. A warm-up round makes the flows' records; each
 * timed round runs every program over all frames, starting with a different one each
 * round, and the TSvals move on so that every round's data is new and its ACK a sample.
 * The first 1 + PL_L7_PKTS_DEFAULT rounds warm up: past them every flow's direction has
 * had its L7 samples, as the packets of a flow past its first few are (the sampling is
 * the same with TCP tracking on and off).
 * The empty XDP program (bench_pass) is subtracted from the ingress figures. Medians
 * over the rounds, in ns per packet. --no-echo: the ACKs echo no TSval that waits, so no
 * packet is an RTT sample (a bulk transfer's packets between its about one sample per
 * RTT).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pktlens.h"
#include "pktlens.skel.h"
#include "bench_pass.skel.h"
#include "loader/dataplane.h" /* pl_tick_ns() */
#include "median.h"

#define SLOT 192
#define MAX_ROUNDS 64

enum { P_OFF, P_ON, P_EBARE, P_EOFF, P_EON, P_PASS, P_N };
static const char *const names[P_N] = { "ingress, TCP off", "ingress, TCP on",
					"egress, bare return", "egress, --no-tcp",
					"egress, default", "empty XDP" };
#define WARM (1 + PL_L7_PKTS_DEFAULT)

struct frames {
	uint32_t n;
	uint8_t *buf;
	uint32_t *len, *order;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, (uint16_t)v);
}

static bool g_no_echo;

/* Frame 2f (data) or 2f + 1 (its ACK) of flow f; returns its length. */
static uint32_t build(uint8_t *b, uint32_t f, bool ack, uint32_t tsval)
{
	uint32_t cli = 0xc6120000u | (f >> 8 & 0xff) << 8 | 1, srv = 0xc6130001u;
	uint16_t cport = (uint16_t)(10000 + (f & 0xff) * 200 + (f >> 16)), plen = ack ? 0 : 100;
	uint8_t *ip = b + 14, *th = ip + 20;

	memset(b, 0, SLOT);
	b[0] = 0x02, b[5] = ack ? 1 : 2, b[6] = 0x02, b[11] = ack ? 2 : 1;
	put16(b + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + 32 + plen));
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	put32(ip + 12, ack ? srv : cli);
	put32(ip + 16, ack ? cli : srv);
	put16(th, ack ? 80 : cport);
	put16(th + 2, ack ? cport : 80);
	put32(th + 4, ack ? 5000 : 1000 + tsval * 100);
	put32(th + 8, ack ? 1000 + tsval * 100 + 100 : 5000);
	th[12] = 8 << 4; /* 32-byte header: NOP NOP TS */
	th[13] = ack ? 0x10 : 0x18;
	put16(th + 14, 1000);
	th[20] = 1, th[21] = 1, th[22] = 8, th[23] = 10;
	put32(th + 24, ack ? 7 + tsval : tsval);
	put32(th + 28, g_no_echo ? 1 : ack ? tsval : 6 + tsval);
	return 14 + 20 + 32 + plen;
}

static void frames_fill(struct frames *fr, uint32_t round)
{
	for (uint32_t i = 0; i < fr->n; i++)
		fr->len[i] = build(fr->buf + (size_t)i * SLOT, i / 2, i & 1, 100 + round);
}

/* Flows in a random order; a flow's ACK right after its data. */
static int frames_make(struct frames *fr, uint32_t flows)
{
	uint64_t r = 0x9e3779b97f4a7c15ull;
	uint32_t *perm;

	fr->n = flows * 2;
	fr->buf = calloc(fr->n, SLOT);
	fr->len = calloc(fr->n, sizeof(*fr->len));
	fr->order = calloc(fr->n, sizeof(*fr->order));
	perm = calloc(flows, sizeof(*perm));
	if (!fr->buf || !fr->len || !fr->order || !perm)
		return -ENOMEM;
	for (uint32_t i = 0; i < flows; i++)
		perm[i] = i;
	for (uint32_t i = flows - 1; i > 0; i--) {
		uint32_t j;

		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		j = (uint32_t)(r % (i + 1));
		uint32_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (uint32_t i = 0; i < flows; i++) {
		fr->order[2 * i] = 2 * perm[i];
		fr->order[2 * i + 1] = 2 * perm[i] + 1;
	}
	free(perm);
	return 0;
}

static int run_round(int fd, const struct frames *fr, bool tc, uint64_t *sum)
{
	*sum = 0;
	for (uint32_t k = 0; k < fr->n; k++) {
		uint32_t i = fr->order[k];
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = fr->buf + (size_t)i * SLOT,
			    .data_size_in = fr->len[i], .repeat = 1);
		int err = bpf_prog_test_run_opts(fd, &o);

		if (err)
			return err;
		if (o.retval != (tc ? (__u32)TC_ACT_UNSPEC : XDP_PASS))
			return -EPROTO;
		*sum += o.duration;
	}
	return 0;
}

/* @l7, @detect: egress only, as monitor sets them (ingress: L7 off, detection on). */
static struct pktlens *load(bool tcp, bool egress, bool l7, bool detect, uint32_t flows)
{
	struct pktlens *s = pktlens__open();

	if (!s)
		return NULL;
	s->rodata->pl_cfg_tcp = tcp;
	if (egress) {
		s->rodata->pl_cfg_l7_pkts = l7 ? PL_L7_PKTS_DEFAULT : 0;
		s->rodata->pl_cfg_detect = detect;
	}
	s->rodata->pl_cfg_tick_ns = pl_tick_ns();
	bpf_map__set_max_entries(s->maps.pl_flows, flows);
	bpf_map__set_max_entries(s->maps.pl_tcp, flows);
	bpf_map__set_max_entries(s->maps.pl_events, 4096);
	bpf_map__set_max_entries(s->maps.pl_l7_events, 4096);
	bpf_program__set_autoload(s->progs.tc_pktlens, false);
	bpf_program__set_autoload(s->progs.tc_pktlens_egress, egress);
	bpf_program__set_autoload(s->progs.xdp_pktlens, !egress);
	if (pktlens__load(s)) {
		pktlens__destroy(s);
		return NULL;
	}
	return s;
}

static __u64 samples(struct pktlens *s)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pl_tcp_totals t[ncpu > 0 ? ncpu : 1];
	__u32 zero = 0;
	__u64 n = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(s->maps.pl_tcp_totals), &zero, t))
		return 0;
	for (int c = 0; c < ncpu; c++)
		n += t[c].c[PL_TT_SAMPLES];
	return n;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	uint32_t flows = 65536, rounds = 15;
	struct pktlens *sk[P_PASS] = {};
	struct bench_pass *pass;
	double v[P_N][MAX_ROUNDS], m[P_N];
	struct frames fr = {};
	int fd[P_N];
	cpu_set_t set;

	for (int i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--flows"))
			flows = (uint32_t)strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--rounds"))
			rounds = (uint32_t)strtoul(argv[i + 1], NULL, 0);
	}
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--no-echo"))
			g_no_echo = true;
	if (!flows || flows > (1u << 20) || !rounds || rounds > MAX_ROUNDS) {
		fprintf(stderr, "bench_tcp: --flows 1..1048576, --rounds 1..%d\n", MAX_ROUNDS);
		return 2;
	}
	libbpf_set_print(libbpf_quiet);
	/* One CPU: the per-CPU counters and the clock the program reads stay put. */
	if (!sched_getaffinity(0, sizeof(set), &set)) {
		int cpu = 0;

		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set))
				cpu = c;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	sk[P_OFF] = load(false, false, false, true, flows);
	sk[P_ON] = load(true, false, false, true, flows);
	sk[P_EBARE] = load(false, true, false, false, flows);
	sk[P_EOFF] = load(false, true, true, true, flows);
	sk[P_EON] = load(true, true, true, true, flows);
	pass = bench_pass__open_and_load();
	if (!sk[P_OFF] || !sk[P_ON] || !sk[P_EBARE] || !sk[P_EOFF] || !sk[P_EON] || !pass ||
	    frames_make(&fr, flows)) {
		fprintf(stderr, "bench_tcp: cannot load the programs (root?)\n");
		return 1;
	}
	fd[P_OFF] = bpf_program__fd(sk[P_OFF]->progs.xdp_pktlens);
	fd[P_ON] = bpf_program__fd(sk[P_ON]->progs.xdp_pktlens);
	fd[P_EBARE] = bpf_program__fd(sk[P_EBARE]->progs.tc_pktlens_egress);
	fd[P_EOFF] = bpf_program__fd(sk[P_EOFF]->progs.tc_pktlens_egress);
	fd[P_EON] = bpf_program__fd(sk[P_EON]->progs.tc_pktlens_egress);
	fd[P_PASS] = bpf_program__fd(pass->progs.xdp_bench_pass);
	for (uint32_t r = 0; r < rounds + WARM; r++) { /* the first WARM warm up */
		frames_fill(&fr, r);
		for (int k = 0; k < P_N; k++) {
			int p = (int)((k + r) % P_N), err;
			uint64_t sum;

			err = run_round(fd[p], &fr, p == P_EBARE || p == P_EOFF || p == P_EON, &sum);
			if (err) {
				fprintf(stderr, "bench_tcp: test run of %s failed: %s\n", names[p],
					strerror(-err));
				return 1;
			}
			if (r >= WARM)
				v[p][r - WARM] = (double)sum / fr.n;
		}
	}
	for (int p = 0; p < P_N; p++)
		m[p] = median(v[p], (int)rounds);
	printf("bench_tcp: %u flows, %u distinct frames a round (data + its ACK%s), %u rounds\n",
	       flows, fr.n, g_no_echo ? ", no echo: no RTT sample" : "", rounds);
	for (int p = 0; p < P_N; p++)
		printf("  %-18s %8.1f ns/packet (test_run)\n", names[p], m[p]);
	printf("  RTT samples: ingress %llu, egress %llu (of %u data/ACK pairs a round)\n",
	       (unsigned long long)samples(sk[P_ON]), (unsigned long long)samples(sk[P_EON]),
	       flows);
	printf("ingress: TCP tracking adds %.1f ns/packet (%.1f -> %.1f ns, empty XDP "
	       "subtracted)\n",
	       m[P_ON] - m[P_OFF], m[P_OFF] - m[P_PASS], m[P_ON] - m[P_PASS]);
	printf("egress: TCP tracking adds %.1f ns/packet to the program with L7 and detection "
	       "(--no-tcp %.1f -> default %.1f ns; over its bare return %.1f -> %.1f ns, "
	       "ratio %.2f)\n",
	       m[P_EON] - m[P_EOFF], m[P_EOFF], m[P_EON], m[P_EOFF] - m[P_EBARE],
	       m[P_EON] - m[P_EBARE], (m[P_EON] - m[P_EBARE]) / (m[P_EOFF] - m[P_EBARE]));
	for (int i = 0; i < P_PASS; i++)
		pktlens__destroy(sk[i]);
	bench_pass__destroy(pass);
	free(fr.buf);
	free(fr.len);
	free(fr.order);
	return 0;
}
