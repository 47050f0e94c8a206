// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_blocklist.c - the blocklist (bpf/blocklist.h, placed by src/mitigate/blocklist.c)
 * gives the same answer as one plain BPF_MAP_TYPE_LPM_TRIE holding the same prefixes:
 * random prefix sets of every length mix, IPv4 and IPv6, the edge lengths /0, /1, /31,
 * /32, /127, /128, short prefixes expanded over many /16s and then removed again,
 * filters from none to one that says "maybe" to nearly everything, and the sets
 * changed afterwards (half removed, new lengths added). The addresses asked are random,
 * inside prefixes, and just outside them (the first bit past the prefix flipped). Both
 * answers come from the kernel (bpf/bl_lookup.bpf.c through BPF_PROG_TEST_RUN), and a
 * brute-force search in this file checks the plain trie too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pktlens.h"
#include "bl_lookup.skel.h"
#include "check.h"
#include "mitigate/blocklist.h"

/* The plain tries' key (struct bpf_lpm_trie_key's layout; IPv4 uses 8 bytes of it). */
struct pl_lpm6_key {
	__u32 prefixlen;
	__u32 addr[4];
};

#define MAXP 20000

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13, x ^= x >> 7, x ^= x << 17;
	return rng_state = x;
}

struct set {
	struct pl_prefix p[MAXP];
	uint32_t rule[MAXP];
	bool live[MAXP];
	size_t n;
};

static struct set g_set;

struct env {
	struct bl_lookup *skel;
	struct pl_bl bl;
	int fast, trie;
};

static int env_open(struct env *e, uint32_t bloom_words)
{
	memset(e, 0, sizeof(*e));
	e->skel = bl_lookup__open();
	if (!e->skel)
		return -errno;
	bpf_map__set_max_entries(e->skel->maps.pl_bl_bloom, bloom_words);
	if (bl_lookup__load(e->skel)) {
		bl_lookup__destroy(e->skel);
		return -1;
	}
	e->bl.cfg_fd = bpf_map__fd(e->skel->maps.pl_bl_cfg);
	e->bl.bloom_fd = bpf_map__fd(e->skel->maps.pl_bl_bloom);
	e->bl.top4_fd = bpf_map__fd(e->skel->maps.pl_bl_top4);
	e->bl.top6_fd = bpf_map__fd(e->skel->maps.pl_bl_top6);
	e->bl.sum6_fd = bpf_map__fd(e->skel->maps.pl_bl_sum6);
	e->bl.hash_fd[0] = bpf_map__fd(e->skel->maps.pl_bl4);
	e->bl.hash_fd[1] = bpf_map__fd(e->skel->maps.pl_bl6);
	e->fast = bpf_program__fd(e->skel->progs.xdp_bl_fast);
	e->trie = bpf_program__fd(e->skel->progs.xdp_bl_trie);
	return pl_bl_map(&e->bl);
}

static void env_close(struct env *e)
{
	pl_bl_unmap(&e->bl);
	bl_lookup__destroy(e->skel);
}

/* Random prefix of family @fam and length @len. */
static struct pl_prefix rand_prefix(int fam, int len)
{
	struct pl_prefix p = { .family = fam, .plen = len };

	for (int i = 0; i < (fam == 4 ? 1 : 4); i++)
		p.addr[i] = (uint32_t)rng();
	/* Keep IPv6 sets clustered sometimes, so prefixes nest. */
	if (fam == 6 && rng() % 2)
		p.addr[0] = htonl(0x20010db8);
	if (fam == 4 && rng() % 2)
		p.addr[0] = (p.addr[0] & htonl(0x0000ffff)) | htonl(0xc6120000);
	pl_prefix_mask(&p);
	return p;
}

static bool same_prefix(const struct pl_prefix *a, const struct pl_prefix *b)
{
	return a->family == b->family && a->plen == b->plen && !memcmp(a->addr, b->addr, 16);
}

/* Add prefixes of lengths drawn from @lens (n_lens of them) until @n are in the set. */
static void set_fill(struct set *s, int fam, const int *lens, int n_lens, size_t n)
{
	size_t tries = 0;

	while (s->n < n && s->n < MAXP && tries++ < 20 * n) {
		struct pl_prefix p = rand_prefix(fam, lens[rng() % n_lens]);
		bool dup = false;

		for (size_t i = 0; i < s->n && !dup; i++)
			dup = s->live[i] && same_prefix(&s->p[i], &p);
		if (dup)
			continue;
		s->p[s->n] = p;
		s->rule[s->n] = 1 + (uint32_t)(rng() % 100000);
		s->live[s->n] = true;
		s->n++;
	}
}

static int plain_add(struct env *e, const struct pl_prefix *p, uint32_t rule)
{
	struct pl_lpm6_key k = { .prefixlen = p->plen };

	memcpy(k.addr, p->addr, 16);
	return bpf_map_update_elem(bpf_map__fd(p->family == 4 ? e->skel->maps.bl_plain4
							     : e->skel->maps.bl_plain6),
				   &k, &rule, BPF_ANY);
}

static int plain_del(struct env *e, const struct pl_prefix *p)
{
	struct pl_lpm6_key k = { .prefixlen = p->plen };

	memcpy(k.addr, p->addr, 16);
	return bpf_map_delete_elem(bpf_map__fd(p->family == 4 ? e->skel->maps.bl_plain4
							     : e->skel->maps.bl_plain6),
				   &k);
}

/* The frame a program reads the source address from. */
static size_t frame(uint8_t *f, int fam, const uint32_t *a)
{
	memset(f, 0, 64);
	f[12] = fam == 4 ? 0x08 : 0x86;
	f[13] = fam == 4 ? 0x00 : 0xdd;
	if (fam == 4) {
		f[14] = 0x45;
		memcpy(f + 14 + 12, a, 4);
		return 64;
	}
	f[14] = 0x60;
	memcpy(f + 14 + 8, a, 16);
	return 64;
}

static int run(struct env *e, int fd, int fam, const uint32_t *a, uint32_t *out)
{
	uint8_t f[64];
	size_t len = frame(f, fam, a);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = len, .repeat = 1);

	e->skel->bss->bl_result = 0xdeadbeef;
	if (bpf_prog_test_run_opts(fd, &o) || o.retval != XDP_PASS)
		return -1;
	*out = e->skel->bss->bl_result;
	return 0;
}

/* The longest live prefix holding @a, by brute force. */
static uint32_t brute(const struct set *s, int fam, const uint32_t *a)
{
	struct pl_prefix q = { .family = fam, .plen = fam == 4 ? 32 : 128 };
	int best = -1;
	uint32_t rule = 0;

	memcpy(q.addr, a, 16);
	for (size_t i = 0; i < s->n; i++)
		if (s->live[i] && (int)s->p[i].plen > best && pl_prefix_contains(&s->p[i], &q)) {
			best = s->p[i].plen;
			rule = s->rule[i];
		}
	return rule;
}

/* An address to ask: random, inside a prefix of the set, or just outside one. */
static int pick_addr(const struct set *s, int fam, uint32_t *a)
{
	uint64_t r = rng() % 3;

	memset(a, 0, 16);
	for (int i = 0; i < (fam == 4 ? 1 : 4); i++)
		a[i] = (uint32_t)rng();
	if (r && s->n) {
		const struct pl_prefix *p = &s->p[rng() % s->n];
		int bits = fam == 4 ? 32 : 128;

		if (p->family != fam)
			return fam;
		for (int i = 0; i < bits / 32; i++) {
			uint32_t m = p->plen >= 32 * (i + 1) ? ~0u
				     : p->plen <= 32 * i   ? 0
							   : htonl(~0u << (32 - (p->plen - 32 * i)));

			a[i] = (p->addr[i] & m) | (a[i] & ~m);
		}
		if (r == 2 && p->plen < bits) { /* flip the first bit past the prefix */
			int b = p->plen;

			a[b / 32] ^= htonl(1u << (31 - b % 32));
		}
	}
	return fam;
}

/* Ask @n addresses of each family; every answer must agree. Returns mismatches. */
static int compare(struct env *e, const struct set *s, int n, bool with_brute, int *hits)
{
	int bad = 0;

	for (int k = 0; k < n; k++) {
		int fam = k % 2 ? 6 : 4;
		uint32_t a[4], fast, plain, want;

		pick_addr(s, fam, a);
		if (run(e, e->fast, fam, a, &fast) || run(e, e->trie, fam, a, &plain)) {
			CHECK(0, "test run failed: %s", strerror(errno));
			return bad + 1;
		}
		*hits += plain != 0;
		if (fast != plain && bad++ < 5) {
			char txt[64];

			inet_ntop(fam == 4 ? AF_INET : AF_INET6, a, txt, sizeof(txt));
			CHECK(0, "%s: blocklist says rule %u, the plain trie %u", txt, fast, plain);
		}
		if (with_brute) {
			want = brute(s, fam, a);
			CHECK(plain == want, "plain trie %u, brute force %u", plain, want);
		}
	}
	return bad;
}

static int load_set(struct env *e, struct set *s, size_t from)
{
	int err = 0;

	for (size_t i = from; i < s->n && !err; i++)
		err = plain_add(e, &s->p[i], s->rule[i]);
	if (!err)
		err = pl_bl_add(&e->bl, s->p + from, s->rule + from, s->n - from);
	return err;
}

struct scenario {
	const char *name;
	int lens4[33], n4; /* lengths drawn from; n4 = 0: every length */
	int lens6[129], n6;
	size_t count;               /* prefixes per family */
	uint32_t bloom_words;
};

static void all_lengths(int *v, int *n, int bits)
{
	for (int l = 0; l <= bits; l++)
		v[l] = l;
	*n = bits + 1;
}

static void run_scenario(struct scenario *sc, int asks)
{
	struct set *s = &g_set;
	struct env e;
	int hits = 0, bad = 0, err;
	size_t half;

	TEST_BEGIN(sc->name);
	memset(s, 0, sizeof(*s));
	if (!sc->n4)
		all_lengths(sc->lens4, &sc->n4, 32);
	if (!sc->n6)
		all_lengths(sc->lens6, &sc->n6, 128);
	err = env_open(&e, sc->bloom_words);
	if (err) {
		CHECK(0, "cannot load bl_lookup.bpf.o: %s", strerror(errno));
		TEST_END();
		return;
	}
	set_fill(s, 4, sc->lens4, sc->n4, sc->count);
	set_fill(s, 6, sc->lens6, sc->n6, 2 * sc->count);
	err = pl_bl_init(&e.bl);
	if (!err)
		err = load_set(&e, s, 0);
	CHECK(!err, "loading %zu prefixes: %s", s->n, strerror(-err));
	bad += compare(&e, s, asks, s->n <= 4000, &hits);

	/* Change it: remove every other prefix, then add new ones of every length. */
	for (size_t i = 0; i < s->n; i += 2) {
		err = pl_bl_del(&e.bl, &s->p[i]);
		CHECK(!err, "removing a prefix: %s", strerror(-err));
		CHECK(!plain_del(&e, &s->p[i]), "removing from the plain trie");
		s->live[i] = false;
	}
	half = s->n;
	{
		int l4[33], l6[129], n4, n6;

		all_lengths(l4, &n4, 32);
		all_lengths(l6, &n6, 128);
		set_fill(s, 4, l4, n4, half + sc->count / 4 + 40);
		set_fill(s, 6, l6, n6, half + sc->count / 2 + 80);
	}
	err = load_set(&e, s, half);
	CHECK(!err, "adding prefixes: %s", strerror(-err));
	bad += compare(&e, s, asks, s->n <= 4000, &hits);
	CHECK(bad == 0, "%d answers differ", bad);
	/* Answers that found a prefix: the comparison is not only of misses. */
	CHECK(hits > asks / 4, "only %d of %d asks found a prefix", hits, 2 * asks);
	printf("  %s: %zu prefixes, %d asks, %d found a prefix\n", sc->name, s->n, 2 * asks,
	       hits);
	env_close(&e);
	TEST_END();
}

int main(int argc, char **argv)
{
	bool full = getenv("PL_TEST_FULL") && *getenv("PL_TEST_FULL") == '1';
	int asks = full ? 20000 : 3000;
	struct scenario sc[] = {
		{ .name = "every length, IPv4 and IPv6", .count = 3000, .bloom_words = 1 << 12 },
		{ .name = "every length, larger sets, small filter", .count = 6000,
		  .bloom_words = 1 << 8 },
		{ .name = "edges /0 /1 /31 /32, /0 /1 /127 /128",
		  .lens4 = { 0, 1, 31, 32 }, .n4 = 4, .lens6 = { 0, 1, 127, 128 }, .n6 = 4,
		  .count = 500, .bloom_words = 1 << 10 },
		{ .name = "mostly /32 and /128, filter of 2 words (false positives)",
		  .lens4 = { 32, 32, 32, 24, 16 }, .n4 = 5, .lens6 = { 128, 128, 64, 48 }, .n6 = 4,
		  .count = 4000, .bloom_words = 2 },
		{ .name = "short prefixes only, no filter",
		  .lens4 = { 1, 2, 3, 5, 8, 12 }, .n4 = 6, .lens6 = { 1, 3, 7, 16, 29 }, .n6 = 5,
		  .count = 300, .bloom_words = 1 },
		{ .name = "sparse: /8-/32 and /16-/128, most asks find nothing",
		  .lens4 = { 8, 12, 16, 20, 23, 24, 27, 29, 30, 31, 32 }, .n4 = 11,
		  .lens6 = { 16, 32, 40, 48, 56, 60, 64, 72, 96, 112, 120, 127, 128 }, .n6 = 13,
		  .count = 2000, .bloom_words = 1 << 12 },
		{ .name = "one /0 of each family",
		  .lens4 = { 0 }, .n4 = 1, .lens6 = { 0 }, .n6 = 1, .count = 1,
		  .bloom_words = 64 },
	};

	(void)argc, (void)argv;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid()) {
		TEST_SKIP("blocklist", "needs root to load BPF programs");
		return check_summary();
	}
	if (full)
		sc[0].count = sc[1].count = 9000;
	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++)
		run_scenario(&sc[i], asks);
	return check_summary();
}
