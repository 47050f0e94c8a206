// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_blocklist.c - in-kernel cost of the blocklist lookup (bpf/blocklist.h) against
 * one plain BPF_MAP_TYPE_LPM_TRIE holding the same prefixes, through BPF_PROG_TEST_RUN,
 * measured as bench_pipeline measures: distinct packets, repeat = 1, the empty
 * program's (bench_pass) time subtracted, programs alternated round by round (each
 * round starts with another one), medians over the rounds.
 *
 *   bench_blocklist [--rounds N] [--frames N] [--sizes N,N,...]
 *
 * For every size N: N distinct prefixes, 80 % IPv4 (70 % /32, 20 % /24, 10 % spread
 * evenly over /8-/31) and 20 % IPv6 (50 % /128, 25 % /64, 15 % /48, 10 % spread over
 * /16-/127), half of them inside 198.18.0.0/15 or 2001:db8::/32 so that prefixes nest.
 * The frames (64 bytes, --frames of them, each source address once per round, in a
 * fixed shuffled order) come from the same family mix: one in four from inside a
 * prefix of the set, the rest random. xdp_bl_fast asks the blocklist, xdp_bl_trie the
 * plain trie, xdp_bl_parse reads the address only (its time, net of bench_pass, is the
 * parse both others pay: shown so that the lookups alone can be compared too). Every
 * frame's two answers are compared once, and must agree. For looking into the figures:
 * BL_FAM=4 or 6 sends frames of one family only, BL_MISS=1 none from inside a prefix.
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

#include "pktlens.h"
#include "bl_lookup.skel.h"
#include "bench_pass.skel.h"
#include "mitigate/blocklist.h"

/* The plain tries' key (struct bpf_lpm_trie_key's layout; IPv4 uses 8 bytes of it). */
struct pl_lpm6_key {
	__u32 prefixlen;
	__u32 addr[4];
};
#include "median.h"
#include "pin_cpu.h"

#define TARGET_RATIO 0.5
#define SLOT 64
#define MAX_ROUNDS 64

enum { P_PASS, P_PARSE, P_FAST, P_TRIE, P_N };
static const char *const pname[P_N] = { "pass", "parse", "blocklist", "lpm_trie" };

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13, x ^= x >> 7, x ^= x << 17;
	return rng_state = x;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the prefix set ---------------------------------------------------------------- */

static int pick_len(bool v6)
{
	uint64_t r = rng() % 100;

	if (!v6)
		return r < 70 ? 32 : r < 90 ? 24 : 8 + (int)(rng() % 24);
	return r < 50 ? 128 : r < 75 ? 64 : r < 90 ? 48 : 16 + (int)(rng() % 112);
}

static struct pl_prefix rand_prefix(void)
{
	bool v6 = rng() % 5 == 0;
	struct pl_prefix p = { .family = v6 ? 6 : 4, .plen = pick_len(v6) };

	for (int i = 0; i < (v6 ? 4 : 1); i++)
		p.addr[i] = (uint32_t)rng();
	if (rng() % 2)
		p.addr[0] = v6 ? htonl(0x20010db8) : (p.addr[0] & htonl(0x1ffff)) | htonl(0xc6120000);
	pl_prefix_mask(&p);
	return p;
}

/* Open-addressing set of prefixes, to keep them distinct. */
struct pset {
	struct pl_prefix *v;
	uint32_t *slot; /* index + 1, 0 empty */
	size_t n, cap;
};

static uint64_t phash(const struct pl_prefix *p)
{
	return pl_bl_hash6(p->plen | p->family << 8, p->addr);
}

static bool pset_add(struct pset *s, const struct pl_prefix *p)
{
	size_t m = s->cap * 2 - 1, i = phash(p) & m;

	for (; s->slot[i]; i = (i + 1) & m) {
		const struct pl_prefix *q = &s->v[s->slot[i] - 1];

		if (q->family == p->family && q->plen == p->plen && !memcmp(q->addr, p->addr, 16))
			return false;
	}
	s->v[s->n] = *p;
	s->slot[i] = ++s->n;
	return true;
}

static void pset_make(struct pset *s, size_t n)
{
	s->cap = 1;
	while (s->cap < n)
		s->cap <<= 1;
	s->v = calloc(n, sizeof(*s->v));
	s->slot = calloc(2 * s->cap, sizeof(*s->slot));
	if (!s->v || !s->slot) {
		fprintf(stderr, "bench_blocklist: out of memory\n");
		exit(1);
	}
	s->n = 0;
	while (s->n < n) {
		struct pl_prefix p = rand_prefix();

		pset_add(s, &p);
	}
}

static void pset_free(struct pset *s)
{
	free(s->v);
	free(s->slot);
}

/* ---- frames -------------------------------------------------------------------------- */

static int g_fam; /* frames of one family only (debugging) */

static void frame_for(uint8_t *f, const struct pset *s)
{
	bool v6 = g_fam ? g_fam == 6 : rng() % 5 == 0;
	uint32_t a[4];

	for (int i = 0; i < 4; i++)
		a[i] = (uint32_t)rng();
	if (rng() % 4 == 0 && !getenv("BL_MISS")) { /* inside a prefix of the set */
		const struct pl_prefix *p = &s->v[rng() % s->n];

		if (!g_fam)
			v6 = p->family == 6;
		else if ((p->family == 6) != v6)
			p = &s->v[0];
		for (int i = 0; i < 4; i++) {
			int bits = p->plen - 32 * i;
			uint32_t m = bits >= 32 ? ~0u : bits <= 0 ? 0 : htonl(~0u << (32 - bits));

			a[i] = (p->addr[i] & m) | (a[i] & ~m);
		}
	}
	memset(f, 0, SLOT);
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	f[14] = v6 ? 0x60 : 0x45;
	memcpy(f + 14 + (v6 ? 8 : 12), a, v6 ? 16 : 4);
}

/* ---- runs ----------------------------------------------------------------------------- */

struct progs {
	struct bl_lookup *bl;
	struct bench_pass *pass;
	struct pl_bl map;
	int fd[P_N];
};

static int run_one(int fd, const uint8_t *f, uint32_t *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = SLOT, .repeat = 1);

	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	*ns = o.duration;
	return o.retval == XDP_PASS ? 0 : -EPROTO;
}

static int run_round(int fd, const uint8_t *frames, const uint32_t *order, uint32_t n,
		     uint64_t *sum)
{
	uint32_t ns;
	int err;

	*sum = 0;
	for (uint32_t k = 0; k < n; k++) {
		err = run_one(fd, frames + (size_t)order[k] * SLOT, &ns);
		if (err)
			return err;
		*sum += ns;
	}
	return 0;
}

static uint32_t bloom_words_for(size_t n)
{
	uint32_t w = 1 << 10;

	/* About 16 bits per prefix (two of them set each): a few per cent say "maybe". */
	while ((uint64_t)w * 64 < 16 * (uint64_t)n && w < (1u << 22))
		w <<= 1;
	return w;
}

static int progs_open(struct progs *p, const struct pset *s)
{
	size_t n4 = 0;
	uint32_t *rule;
	int err;

	memset(p, 0, sizeof(*p));
	p->bl = bl_lookup__open();
	p->pass = bench_pass__open();
	if (!p->bl || !p->pass)
		return -errno;
	for (size_t i = 0; i < s->n; i++)
		n4 += s->v[i].family == 4;
	bpf_map__set_max_entries(p->bl->maps.pl_bl_bloom, bloom_words_for(s->n));
	bpf_map__set_max_entries(p->bl->maps.pl_bl4, n4 + 16);
	bpf_map__set_max_entries(p->bl->maps.pl_bl6, s->n - n4 + 16);
	bpf_map__set_max_entries(p->bl->maps.bl_plain4, n4 + 16);
	bpf_map__set_max_entries(p->bl->maps.bl_plain6, s->n - n4 + 16);
	err = bl_lookup__load(p->bl);
	if (!err)
		err = bench_pass__load(p->pass);
	if (err)
		return err;
	p->map.cfg_fd = bpf_map__fd(p->bl->maps.pl_bl_cfg);
	p->map.bloom_fd = bpf_map__fd(p->bl->maps.pl_bl_bloom);
	p->map.top4_fd = bpf_map__fd(p->bl->maps.pl_bl_top4);
	p->map.top6_fd = bpf_map__fd(p->bl->maps.pl_bl_top6);
	p->map.sum6_fd = bpf_map__fd(p->bl->maps.pl_bl_sum6);
	p->map.hash_fd[0] = bpf_map__fd(p->bl->maps.pl_bl4);
	p->map.hash_fd[1] = bpf_map__fd(p->bl->maps.pl_bl6);
	err = pl_bl_map(&p->map);
	if (err)
		return err;
	rule = malloc(s->n * sizeof(*rule));
	if (!rule)
		return -ENOMEM;
	for (size_t i = 0; i < s->n && !err; i++) {
		struct pl_lpm6_key k = { .prefixlen = s->v[i].plen };

		rule[i] = (uint32_t)(i % 65535) + 1;
		memcpy(k.addr, s->v[i].addr, 16);
		if (bpf_map_update_elem(bpf_map__fd(s->v[i].family == 4 ? p->bl->maps.bl_plain4
									 : p->bl->maps.bl_plain6),
					&k, &rule[i], BPF_ANY))
			err = -errno;
	}
	if (!err)
		err = pl_bl_init(&p->map);
	if (!err)
		err = pl_bl_add(&p->map, s->v, rule, s->n);
	free(rule);
	p->fd[P_PASS] = bpf_program__fd(p->pass->progs.xdp_bench_pass);
	p->fd[P_PARSE] = bpf_program__fd(p->bl->progs.xdp_bl_parse);
	p->fd[P_FAST] = bpf_program__fd(p->bl->progs.xdp_bl_fast);
	p->fd[P_TRIE] = bpf_program__fd(p->bl->progs.xdp_bl_trie);
	return err;
}

static void progs_close(struct progs *p)
{
	pl_bl_unmap(&p->map);
	bl_lookup__destroy(p->bl);
	bench_pass__destroy(p->pass);
}

/* Every frame through both lookups once: the answers must agree. */
static int verify(struct progs *p, const uint8_t *frames, uint32_t nf, uint32_t *hits)
{
	uint32_t ns, a, b;

	*hits = 0;
	for (uint32_t i = 0; i < nf; i++) {
		if (run_one(p->fd[P_FAST], frames + (size_t)i * SLOT, &ns))
			return -1;
		a = p->bl->bss->bl_result;
		if (run_one(p->fd[P_TRIE], frames + (size_t)i * SLOT, &ns))
			return -1;
		b = p->bl->bss->bl_result;
		if (a != b) {
			fprintf(stderr, "bench_blocklist: frame %u: blocklist rule %u, trie %u\n", i, a,
				b);
			return -1;
		}
		*hits += a != 0;
	}
	return 0;
}

static int bench_size(uint32_t n, uint32_t nf, int rounds)
{
	static double net[P_N][MAX_ROUNDS], ratio[MAX_ROUNDS], lookup_ratio[MAX_ROUNDS];
	double t0 = now_s(), tload;
	uint8_t *frames = malloc((size_t)nf * SLOT);
	uint32_t *order = malloc(nf * sizeof(*order)), hits = 0;
	uint64_t sum[P_N];
	struct progs p;
	struct pset s;
	int err;

	if (!frames || !order)
		return -ENOMEM;
	pset_make(&s, n);
	for (uint32_t i = 0; i < nf; i++) {
		frame_for(frames + (size_t)i * SLOT, &s);
		order[i] = i;
	}
	for (uint32_t i = nf - 1; i > 0; i--) {
		uint32_t j = rng() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	err = progs_open(&p, &s);
	tload = now_s() - t0;
	if (!err)
		err = verify(&p, frames, nf, &hits);
	for (int q = 0; q < P_N && !err; q++) /* warm-up */
		err = run_round(p.fd[q], frames, order, nf, &sum[q]);
	for (int r = 0; r < rounds && !err; r++) {
		for (int j = 0; j < P_N && !err; j++) {
			int q = (r + j) % P_N;

			err = run_round(p.fd[q], frames, order, nf, &sum[q]);
		}
		for (int q = P_PARSE; q < P_N; q++)
			net[q][r] = ((double)sum[q] - (double)sum[P_PASS]) / nf;
		ratio[r] = net[P_FAST][r] / net[P_TRIE][r];
		lookup_ratio[r] = (net[P_FAST][r] - net[P_PARSE][r]) /
				  (net[P_TRIE][r] - net[P_PARSE][r]);
	}
	progs_close(&p);
	pset_free(&s);
	free(frames);
	free(order);
	if (err) {
		fprintf(stderr, "bench_blocklist: %u prefixes: %s\n", n,
			err == -1 ? "the answers differ" : strerror(-err));
		return err;
	}
	{
		double rt = median(ratio, rounds);

		printf("  %8u %6d %8.1f %8.1f %8.1f %6.2f %6.2f  %-6s %5.1f%% %6.1fs %5.1fs\n",
		       n, rounds, median(net[P_PARSE], rounds), median(net[P_FAST], rounds),
		       median(net[P_TRIE], rounds), rt, median(lookup_ratio, rounds),
		       rt <= TARGET_RATIO ? "met" : "MISSED", 100.0 * hits / nf, tload,
		       now_s() - t0);
		fflush(stdout);
		return rt <= TARGET_RATIO;
	}
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	uint32_t sizes[8] = { 1000, 100000, 1000000 }, nsizes = 3, nframes = 131072;
	int rounds = 7, cpu, missed = 0, last = 0;
	double t0 = now_s();

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--rounds") && a + 1 < argc) {
			rounds = atoi(argv[++a]);
		} else if (!strcmp(argv[a], "--frames") && a + 1 < argc) {
			nframes = strtoul(argv[++a], NULL, 0);
		} else if (!strcmp(argv[a], "--sizes") && a + 1 < argc) {
			char *s = argv[++a];

			for (nsizes = 0; *s && nsizes < 8; nsizes++) {
				sizes[nsizes] = strtoul(s, &s, 0);
				if (*s == ',')
					s++;
			}
		} else {
			fprintf(stderr, "usage: bench_blocklist [--rounds N] [--frames N] "
					"[--sizes N,N,...]\n");
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || nframes < 16 || nframes > (1u << 22)) {
		fprintf(stderr, "bench_blocklist: rounds 1..%d, frames 16..%u\n", MAX_ROUNDS,
			1u << 22);
		return 2;
	}
	for (uint32_t i = 0; i < nsizes; i++) {
		if (sizes[i] < 1 || sizes[i] > (1u << 23)) {
			fprintf(stderr, "bench_blocklist: sizes 1..%u\n", 1u << 23);
			return 2;
		}
	}
	if (getenv("BL_FAM"))
		g_fam = atoi(getenv("BL_FAM"));
	libbpf_set_print(libbpf_quiet);
	cpu = pin_cpu();
	printf("bench_blocklist: BPF_PROG_TEST_RUN on CPU %d, repeat=1, %u distinct 64-byte "
	       "frames (80%% IPv4), one in four from inside a prefix;\n"
	       "  ns/packet net of bench_pass (%s), medians over rounds; parse: reading the "
	       "address only;\n"
	       "  ratio: blocklist/lpm_trie; lookup: the same net of parse; hit: frames that "
	       "found a prefix;\n"
	       "  load: seconds to fill both; target ratio <= %.1f at 1M\n",
	       cpu, nframes, pname[P_PASS], TARGET_RATIO);
	printf("  %8s %6s %8s %8s %8s %6s %6s  %-6s %6s %7s %6s\n", "prefixes", "rounds",
	       "parse", "blocklst", "lpm_trie", "ratio", "lookup", "target", "hit", "load",
	       "time");
	for (uint32_t i = 0; i < nsizes; i++) {
		int r = bench_size(sizes[i], nframes, rounds);

		if (r < 0)
			return 1;
		last = r;
		missed += sizes[i] >= 1000000 && !r;
	}
	(void)last;
	printf("bench_blocklist: target (<= %.1f x the plain trie at 1M prefixes) %s; %.0f s\n",
	       TARGET_RATIO, missed ? "MISSED" : "met", now_s() - t0);
	return 0;
}
