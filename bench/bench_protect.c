// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_protect.c - in-kernel cost of the whole protect program (xdp_pktlens loaded with
 * mitigation, as `pktlens protect` loads it) against the plain monitor program (the same
 * object loaded as `pktlens monitor` loads it, mitigation pruned), through
 * BPF_PROG_TEST_RUN, measured as bench_pipeline measures: distinct packets, repeat = 1,
 * the empty program's (bench_pass) time subtracted, programs alternated round by round
 * (each round starts with another one), medians over the rounds.
 *
 *   bench_protect [--rounds N] [--frames N] [--prefixes N]
 *
 * The frames: --frames (50 000) 64-byte IPv4/UDP frames, each from its own source
 * address in 198.18.0.0/16 (each a flow of its own), in a fixed shuffled order. The
 * protect programs hold, each in its own maps:
 *   miss:  a blocklist of --prefixes (100 000) random prefixes outside 198.0.0.0/8 (70 %
 *          /32, 20 % /24, 10 % /8-/31), 64 port rules, an allow rule, a rate rule
 *          elsewhere: every table is asked, nothing matches (legitimate traffic);
 *  +rate:  the same and `rate 198.18.0.0/16` at a limit never reached: every packet also
 *          updates its source's token bucket;
 *   drop:  the same and `block 198.18.0.0/16`: every packet dropped (a blocked flood).
 * Every program's verdict is checked once per round (PASS, or DROP for "drop").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pktlens.h" /* before the skeleton: it defines the .bss/.rodata types */
#include "pktlens.skel.h"
#include "bench_pass.skel.h"
#include "loader/dataplane.h" /* pl_tick_ns() */
#include "mitigate/maps.h"
#include "mitigate/rules.h"
#include "median.h"
#include "pin_cpu.h"

#define SLOT 64
#define MAX_ROUNDS 200

enum { P_PASS, P_MON, P_MISS, P_RATE, P_DROP, P_N };
static const char *const pname[P_N] = { "pass", "monitor", "protect (rules miss)",
					"protect (+ rate rule)", "protect (drop)" };

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13, x ^= x >> 7, x ^= x << 17;
	return rng_state = x;
}

struct frames {
	uint8_t *buf;
	uint32_t *order;
	uint32_t n;
};

/* Frame @i: 198.18.y.z (i spread over the /16, distinct below 65536) to 198.19.0.1, UDP 53. */
static void build_frame(uint8_t *f, uint32_t i)
{
	uint32_t s = htonl(0xc6120000 | ((i * 2654435761u) & 0x0000ffff)), d = htonl(0xc6130001);
	uint16_t tot = htons(50), sp = htons(1024 + i % 60000), dp = htons(53), ul = htons(30);

	memset(f, 0, SLOT);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	f[14] = 0x45;
	memcpy(f + 16, &tot, 2);
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, &s, 4);
	memcpy(f + 30, &d, 4);
	memcpy(f + 34, &sp, 2);
	memcpy(f + 36, &dp, 2);
	memcpy(f + 38, &ul, 2);
}

struct prog {
	struct pktlens *skel;
	struct pl_mit m;
	int fd;
};

static struct bench_pass *g_pass;
static struct prog g_p[P_N];

/* Add one rule from rules-file text (no list files); 0 or a negative errno. */
static int add_rule(struct pl_mit *m, const char *text)
{
	struct pl_rule_set set;
	char err[PL_ERR_LEN];
	__u32 id;
	int e = pl_rules_parse("bench", text, strlen(text), true, &set, err, sizeof(err));

	for (size_t i = 0; !e && i < set.n; i++)
		e = pl_rule_add(m, &set.v[i], NULL, 0, &id, err, sizeof(err));
	if (e)
		fprintf(stderr, "bench_protect: %s: %s\n", text, err);
	pl_rules_free(&set);
	return e;
}

/* A blocklist rule of @n random prefixes outside 198.0.0.0/8 (none covers a source). */
static int add_list(struct pl_mit *m, uint32_t n)
{
	struct pl_rule_spec sp = { .r = { .kind = PL_RULE_LIST, .entries = n } };
	char err[PL_ERR_LEN];
	uint64_t seed = rng_state;
	__u32 id;
	int e;

	sp.list = calloc(n, sizeof(*sp.list));
	if (!sp.list)
		return -ENOMEM;
	rng_state = 0x9e3779b97f4a7c15ull; /* the same list for every program */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t r = rng() % 10, len = r < 7 ? 32 : r < 9 ? 24 : 8 + rng() % 24;
		uint32_t a = (uint32_t)rng();

		if ((a >> 24) == 198)
			a ^= 0x80000000;
		sp.list[i].family = 4;
		sp.list[i].plen = len;
		sp.list[i].addr[0] = htonl(a);
		pl_prefix_mask(&sp.list[i]);
	}
	rng_state = seed;
	sp.nlist = n;
	snprintf(sp.r.label, sizeof(sp.r.label), "bench");
	e = pl_rule_add(m, &sp, NULL, 0, &id, err, sizeof(err));
	if (e == -EEXIST) /* a random duplicate: the list is a set */
		e = 0;
	if (e)
		fprintf(stderr, "bench_protect: the blocklist: %s\n", err);
	free(sp.list);
	return e;
}

static int prog_open(int q, uint32_t flows, uint32_t prefixes)
{
	struct prog *p = &g_p[q];
	char txt[64];
	int e;

	p->skel = pktlens__open();
	if (!p->skel)
		return -errno;
	/* As monitor and protect load it. */
	p->skel->rodata->pl_cfg_tick_ns = pl_tick_ns();
	bpf_map__set_max_entries(p->skel->maps.pl_flows, flows);
	bpf_map__set_max_entries(p->skel->maps.pl_events, 4096);
	bpf_program__set_autoload(p->skel->progs.tc_pktlens, false);
	pl_mit_size_maps(p->skel, q != P_MON, q != P_MON ? 2 * prefixes : 0);
	e = pktlens__load(p->skel);
	if (e)
		return e;
	p->fd = bpf_program__fd(p->skel->progs.xdp_pktlens);
	if (q == P_MON)
		return 0;
	e = pl_mit_from_skel(&p->m, p->skel);
	if (!e)
		e = add_list(&p->m, prefixes);
	for (int i = 0; !e && i < 64; i++) {
		snprintf(txt, sizeof(txt), "block 192.0.2.%d port %d proto udp\n", i, 1000 + i);
		e = add_rule(&p->m, txt);
	}
	if (!e)
		e = add_rule(&p->m, "allow 198.51.100.7\nrate 203.0.113.0/24 100\n");
	if (!e && q == P_RATE)
		e = add_rule(&p->m, "rate 198.18.0.0/16 100000000 burst 100000000\n");
	if (!e && q == P_DROP)
		e = add_rule(&p->m, "block 198.18.0.0/16\n");
	return e;
}

static void progs_close(void)
{
	for (int q = P_MON; q < P_N; q++) {
		if (g_p[q].skel && q != P_MON)
			pl_mit_close(&g_p[q].m);
		pktlens__destroy(g_p[q].skel);
	}
	bench_pass__destroy(g_pass);
	memset(g_p, 0, sizeof(g_p));
}

/* Every frame once, in the shuffled order: the sum of the kernel's durations. */
static int run_round(int q, const struct frames *fr, uint64_t *sum)
{
	int fd = q == P_PASS ? bpf_program__fd(g_pass->progs.xdp_bench_pass) : g_p[q].fd;
	__u32 want = q == P_DROP ? XDP_DROP : XDP_PASS;

	*sum = 0;
	for (uint32_t k = 0; k < fr->n; k++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = fr->buf + (size_t)fr->order[k] * SLOT,
			    .data_size_in = SLOT, .repeat = 1);

		if (bpf_prog_test_run_opts(fd, &o))
			return -errno;
		if (o.retval != want) {
			fprintf(stderr, "bench_protect: %s gave verdict %u, not %u\n", pname[q],
				o.retval, want);
			return -EPROTO;
		}
		*sum += o.duration;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static double net[P_N][MAX_ROUNDS], ratio[P_N][MAX_ROUNDS];
	uint32_t n = 50000, prefixes = 100000;
	int rounds = 15, err = 0;
	struct frames fr = {};
	uint64_t sum[P_N];

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--rounds"))
			rounds = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--frames"))
			n = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--prefixes"))
			prefixes = strtoul(argv[i + 1], NULL, 10);
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || n < 1 || n > 60000 || prefixes < 1) {
		fprintf(stderr, "usage: bench_protect [--rounds 1-%d] [--frames 1-60000] "
				"[--prefixes N]\n", MAX_ROUNDS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	pin_cpu();
	g_pass = bench_pass__open_and_load();
	if (!g_pass) {
		fprintf(stderr, "bench_protect: loading bench_pass: %s\n", strerror(errno));
		return 1;
	}
	for (int q = P_MON; q < P_N && !err; q++)
		err = prog_open(q, n, prefixes);
	if (err) {
		fprintf(stderr, "bench_protect: loading the programs: %s\n", strerror(-err));
		progs_close();
		return 1;
	}
	fr.n = n;
	fr.buf = malloc((size_t)n * SLOT);
	fr.order = malloc(n * sizeof(*fr.order));
	if (!fr.buf || !fr.order)
		return 1;
	for (uint32_t i = 0; i < n; i++) {
		build_frame(fr.buf + (size_t)i * SLOT, i);
		fr.order[i] = i;
	}
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t k = rng() % (i + 1), t = fr.order[i];

		fr.order[i] = fr.order[k];
		fr.order[k] = t;
	}
	printf("bench_protect: %u frames (one source each), a blocklist of %u prefixes, %d "
	       "rounds, ns per packet net of bench_pass (medians)\n", n, prefixes, rounds);
	for (int q = 0; q < P_N && !err; q++) /* warm-up: flow tables and rate states */
		err = run_round(q, &fr, &sum[q]);
	for (int r = 0; r < rounds && !err; r++) {
		for (int j = 0; j < P_N && !err; j++) {
			int q = (r + j) % P_N;

			err = run_round(q, &fr, &sum[q]);
		}
		for (int q = P_MON; q < P_N && !err; q++) {
			net[q][r] = ((double)sum[q] - (double)sum[P_PASS]) / n;
			ratio[q][r] = net[q][r] / net[P_MON][r];
		}
	}
	if (err) {
		fprintf(stderr, "bench_protect: test run failed: %s\n", strerror(-err));
		progs_close();
		return 1;
	}
	printf("  %-24s %8s %8s\n", "program", "ns/pkt", "x monitor");
	for (int q = P_MON; q < P_N; q++) {
		double ns = median(net[q], rounds), rt = median(ratio[q], rounds);

		printf("  %-24s %8.1f %8.2f\n", pname[q], ns, rt);
	}
	/* Every program counted every frame, none as malformed (the frames are what we meant). */
	for (int q = P_MON; q < P_N; q++) {
		int ncpu = libbpf_num_possible_cpus();
		struct pl_stats *st = calloc(ncpu, sizeof(*st));
		__u64 pk = 0, mal = 0;
		__u32 z = 0;

		if (!st || bpf_map_lookup_elem(bpf_map__fd(g_p[q].skel->maps.pl_stats), &z, st))
			err = -EIO;
		for (int c = 0; st && c < ncpu; c++) {
			pk += st[c].packets;
			for (int w = 0; w < PL_MAL_MAX; w++)
				mal += st[c].malformed[w];
		}
		free(st);
		if (err || pk != (__u64)n * (rounds + 1) || mal) {
			fprintf(stderr, "bench_protect: %s counted %llu packets (%llu malformed) of %llu\n",
				pname[q], (unsigned long long)pk, (unsigned long long)mal,
				(unsigned long long)n * (rounds + 1));
			err = -EPROTO;
		}
	}
	free(fr.buf);
	free(fr.order);
	progs_close();
	return err ? 1 : 0;
}
