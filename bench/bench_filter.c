// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_filter.c - in-kernel cost per packet of a tcpdump filter expression as pktlens
 * runs it (libpcap -> classic BPF -> eBPF, src/filter/cbpf.h), through BPF_PROG_TEST_RUN.
 *
 *   bench_filter [--repeat N] [--rounds N] [EXPRESSION]
 *
 * The expression is compiled with pl_filter_compile() and translated for XDP in verdict
 * mode (tail_map_fd = -1: match -> XDP_PASS, no match -> XDP_DROP), then run with
 * bpf_prog_test_run_opts(repeat = N, default 1000000) on a matching and a non-matching
 * 64-byte frame, and so is the empty XDP program (bpf/bench_pass.bpf.c's skeleton when
 * it is built, else a 2-instruction program): the kernel's average duration per run of
 * the empty program is subtracted, which leaves the filter's own cost. Each round runs
 * the three programs one after another, starting with a different one; figures are
 * medians over the rounds (default 7). With the default expression each verdict is
 * checked: a wrong one is an error.
 *
 * The default expression has 10 terms (primitives joined by and/not):
 *   1 udp  2 dst port 7000  3 src net 198.18.0.0/16  4 dst host 198.18.0.2  5 len > 50
 *   6 len < 1500  7 ip[8] > 1  8 not ip[6:2] & 0x1fff != 0  9 src portrange 1024-65535
 *   10 not ether broadcast
 * The non-matching frame is the same frame to UDP port 7001 (noise next to the traffic
 * being captured).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "filter/cbpf.h"
#include "median.h"
#if __has_include("bench_pass.skel.h")
#include "bench_pass.skel.h"
#define HAVE_BENCH_PASS 1
#endif

#define DEFAULT_EXPR                                                                     \
	"udp and dst port 7000 and src net 198.18.0.0/16 and dst host 198.18.0.2 and "   \
	"len > 50 and len < 1500 and ip[8] > 1 and not ip[6:2] & 0x1fff != 0 and "       \
	"src portrange 1024-65535 and not ether broadcast"
#define DEFAULT_TERMS 10
#define MSG_LEN 65536
#define DLT_EN10MB 1

enum { P_PASS, P_MATCH, P_MISS, P_N };

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (; n > 1; p += 2, n -= 2)
		s += (uint32_t)p[0] << 8 | p[1];
	if (n)
		s += (uint32_t)p[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* 64-byte Ethernet/IPv4/UDP frame 198.18.0.1:40000 -> 198.18.0.2:@dport, TTL 64, DF. */
static void build_frame(uint8_t f[64], uint16_t dport)
{
	static const uint8_t hdr[] = {
		0x02, 0x00, 0xc6, 0x12, 0x00, 0x02, 0x02, 0x00, 0xc6, 0x12, 0x00, 0x01, 0x08, 0x00,
		0x45, 0x00, 0x00, 50, 0x00, 0x01, 0x40, 0x00, 64, 17, 0, 0,
		198, 18, 0, 1, 198, 18, 0, 2,
	};
	uint16_t c;

	memset(f, 0x41, 64);
	memcpy(f, hdr, sizeof(hdr));
	c = csum(f + 14, 20);
	f[24] = c >> 8, f[25] = c & 0xff;
	f[34] = 40000 >> 8, f[35] = 40000 & 0xff;
	f[36] = dport >> 8, f[37] = dport & 0xff;
	f[38] = 0, f[39] = 30; /* UDP length */
	f[40] = f[41] = 0;     /* no checksum */
}

static int load_pass(void **skel)
{
#ifdef HAVE_BENCH_PASS
	struct bench_pass *p = bench_pass__open_and_load();

	if (!p)
		return -errno;
	*skel = p;
	return bpf_program__fd(p->progs.xdp_bench_pass);
#else
	static const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_XDP);
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "bench_pass", "Dual BSD/GPL", insns, 2, &o);

	*skel = NULL;
	return fd < 0 ? -errno : fd;
#endif
}

static void unload_pass(void *skel, int fd)
{
#ifdef HAVE_BENCH_PASS
	(void)fd;
	bench_pass__destroy(skel);
#else
	(void)skel;
	if (fd >= 0)
		close(fd);
#endif
}

/* One test run: average ns per run (kernel-measured) and the verdict. */
static int run(int fd, uint8_t *frame, unsigned int repeat, double *ns, unsigned int *verdict)
{
	uint8_t out[64];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = 64,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	*ns = o.duration;
	*verdict = o.retval;
	return 0;
}

int main(int argc, char **argv)
{
	const char *expr = DEFAULT_EXPR;
	bool is_default = true;
	unsigned int repeat = 1000000, rounds = 7, verdict = 0;
	struct pl_filter_opts fo = { .hook = PL_FILTER_XDP, .wirelen = PL_WIRELEN_BUFF,
				     .tail_map_fd = -1 };
	static const unsigned int want[P_N] = { XDP_PASS, XDP_PASS, XDP_DROP };
	static const char *const name[P_N] = { "empty XDP program", "filter, matching frame",
					       "filter, non-matching frame" };
	struct sock_fprog cbpf = {};
	struct bpf_insn *insns = NULL;
	uint8_t match[64], miss[64];
	double *t[P_N] = {}, med[P_N];
	unsigned int v[P_N] = {};
	void *skel = NULL;
	int fd[P_N] = { -1, -1, -1 }, i, rc = 1, err;
	size_t cnt = 0;
	char *msg = calloc(1, MSG_LEN);

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
			repeat = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = strtoul(argv[++i], NULL, 0);
		else if (argv[i][0] != '-')
			expr = argv[i], is_default = false;
		else {
			fprintf(stderr, "usage: bench_filter [--repeat N] [--rounds N] [EXPRESSION]\n");
			return 2;
		}
	}
	if (!msg || !repeat || !rounds || rounds > 1000)
		return 2;
	for (i = 0; i < P_N; i++)
		t[i] = calloc(rounds, sizeof(double));
	if (!t[0] || !t[1] || !t[2])
		goto out;

	err = pl_filter_compile(expr, DLT_EN10MB, 262144, PL_FILTER_NETMASK_UNKNOWN, &cbpf, msg,
				MSG_LEN);
	if (err) {
		fprintf(stderr, "bench_filter: '%s': %s\n", expr, msg);
		goto out;
	}
	err = pl_filter_translate(&cbpf, &fo, &insns, &cnt, msg, MSG_LEN);
	if (err) {
		fprintf(stderr, "bench_filter: translating '%s': %s\n", expr, msg);
		goto out;
	}
	fd[P_MATCH] = pl_filter_load(insns, cnt, PL_FILTER_XDP, 0, msg, MSG_LEN);
	if (fd[P_MATCH] < 0) {
		fprintf(stderr, "bench_filter: loading '%s': %s\n%s\n", expr,
			strerror(-fd[P_MATCH]), msg);
		goto out;
	}
	fd[P_MISS] = fd[P_MATCH];
	fd[P_PASS] = load_pass(&skel);
	if (fd[P_PASS] < 0) {
		fprintf(stderr, "bench_filter: loading the empty XDP program: %s\n",
			strerror(-fd[P_PASS]));
		goto out;
	}
	build_frame(match, 7000);
	build_frame(miss, 7001);

	/* Warm-up (also checks the verdicts), then the timed rounds. */
	for (int r = -1; r < (int)rounds; r++) {
		for (int k = 0; k < P_N; k++) {
			int p = (r < 0 ? k : (r + k) % P_N);
			double ns = 0;

			err = run(fd[p], p == P_MISS ? miss : match, r < 0 ? 1000 : repeat, &ns,
				  &verdict);
			if (err) {
				fprintf(stderr, "bench_filter: BPF_PROG_TEST_RUN (%s): %s\n", name[p],
					strerror(-err));
				goto out;
			}
			/* Another expression need not match these frames: no check. */
			if (is_default && verdict != want[p]) {
				fprintf(stderr, "bench_filter: %s: verdict %u, expected %u\n", name[p],
					verdict, want[p]);
				goto out;
			}
			v[p] = verdict;
			if (r >= 0)
				t[p][r] = ns;
		}
	}
	for (i = 0; i < P_N; i++)
		med[i] = median(t[i], rounds);

	if (is_default)
		printf("bench_filter: %d-term expression, ", DEFAULT_TERMS);
	else
		printf("bench_filter: ");
	printf("%u classic -> %zu eBPF instructions (XDP, verdict mode)\n", cbpf.len, cnt);
	printf("  expression: %s\n", expr);
	printf("  BPF_PROG_TEST_RUN, 64-byte frames, repeat %u, median of %u rounds%s\n", repeat,
	       rounds,
#ifdef HAVE_BENCH_PASS
	       " (empty program: bpf/bench_pass.bpf.c)"
#else
	       " (empty program: 2 instructions)"
#endif
	);
	printf("  empty XDP program: %.1f ns/packet\n", med[P_PASS]);
	for (i = P_MATCH; i < P_N; i++)
		printf("  filter, frame to UDP port %d (%s): %.1f ns/packet raw, %.1f ns/packet "
		       "net of the empty program\n",
		       i == P_MATCH ? 7000 : 7001, v[i] == XDP_PASS ? "match" : "no match", med[i],
		       med[i] - med[P_PASS]);
	rc = 0;
out:
	if (fd[P_MATCH] >= 0)
		close(fd[P_MATCH]);
	unload_pass(skel, fd[P_PASS]);
	pl_filter_free(&cbpf);
	free(insns);
	for (i = 0; i < P_N; i++)
		free(t[i]);
	free(msg);
	return rc;
}
