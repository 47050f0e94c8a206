// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_cbpf.c - hand-written classic BPF programs through the translator
 * (src/filter/cbpf.c), run in verdict mode with BPF_PROG_TEST_RUN.
 *
 * Each case names its expected verdict; unless a case is marked NOREF, libpcap's own
 * interpreter (pcap_offline_filter) must agree with it too. Cases run as XDP and, for
 * frames that fit an skb test run, as TC, each with inline loads and with call loads
 * (PL_FILTER_F_CALL_LOADS). Then: invalid and unsupported programs, the
 * wire length from the hook (PL_WIRELEN_BUFF), the tail-call epilogue, far jumps
 * (gotol) and loop mode (backward jumps). Needs root (BPF).
 */
#define _GNU_SOURCE
#define bpf_insn pcap_bpf_insn
#define bpf_program pcap_bpf_program
#include <pcap/pcap.h>
#undef bpf_insn
#undef bpf_program

#include "filter/cbpf.h"

/* cbpf.h coexists with libbpf's own (opaque) struct bpf_program */
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pkt_cls.h>

#include "check.h"

#define WL_OFF 4
#define NOREF 1   /* libpcap's interpreter is no reference (uninitialized memory, hangs) */
#define XDPONLY 2 /* frame too large for an skb test run */
#define XDP64K 4  /* XDP cannot read at offsets > 0xffff (bpf_xdp_load_bytes): no match
		   * there, where libpcap (and TC's bpf_skb_load_bytes) read the bytes */

static int wl_map = -1;
static volatile uint32_t *wl;
static char logbuf[1 << 20];
static char errbuf[1024];

#define PROG(...) ((struct sock_filter[]){ __VA_ARGS__ }), \
	(sizeof((struct sock_filter[]){ __VA_ARGS__ }) / sizeof(struct sock_filter))
#define S(c, k) BPF_STMT(c, k)
#define J(c, k, jt, jf) BPF_JUMP(c, k, jt, jf)
#define RET1 S(BPF_RET | BPF_K, 1)
#define RET0 S(BPF_RET | BPF_K, 0)

static uint8_t pkt[128]; /* the default test frame */
static uint8_t *big;     /* a frame larger than a page (XDP multi-buffer) */
#define BIG_LEN 70000

/* Translate and load; fd or negative errno (message in errbuf/logbuf). */
static int build(const struct sock_filter *f, size_t n, const struct pl_filter_opts *o,
		 __u32 flags, size_t *cnt_out)
{
	struct sock_fprog fp = { .len = (unsigned short)n, .filter = (struct sock_filter *)f };
	struct bpf_insn *insns;
	size_t cnt;
	int rc, fd;

	rc = pl_filter_translate(&fp, o, &insns, &cnt, errbuf, sizeof(errbuf));
	if (rc)
		return rc;
	if (cnt_out)
		*cnt_out = cnt;
	fd = pl_filter_load(insns, cnt, o->hook, flags, logbuf, sizeof(logbuf));
	free(insns);
	return fd;
}

/* Run prog fd on data; returns the program's return value or -1. */
static int run(int fd, const uint8_t *data, uint32_t caplen)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = data, .data_size_in = caplen, .repeat = 1);
	int rc = bpf_prog_test_run_opts(fd, &t);

	if (rc) {
		printf("  test run: %s\n", strerror(-rc));
		return -1;
	}
	return (int)t.retval;
}

static int reference(const struct sock_filter *f, size_t n, const uint8_t *data,
		     uint32_t caplen, uint32_t wirelen)
{
	struct pcap_bpf_program p = { .bf_len = (u_int)n, .bf_insns = (struct pcap_bpf_insn *)f };
	struct pcap_pkthdr h = { .caplen = caplen, .len = wirelen };

	return pcap_offline_filter(&p, &h, data) != 0;
}

/* One case: expected verdict (1 match, 0 no match) for data/caplen/wirelen. */
static void tcase(const char *name, const struct sock_filter *f, size_t n, const uint8_t *data,
		  uint32_t caplen, uint32_t wirelen, int expect, int flags)
{
	TEST_BEGIN(name);
	if (!(flags & NOREF))
		CHECK(reference(f, n, data, caplen, wirelen) == expect,
		      "libpcap's interpreter disagrees with the expected %d", expect);
	for (int v = 0; v < 4; v++) {
		int hook = v & 1 ? PL_FILTER_TC : PL_FILTER_XDP;
		struct pl_filter_opts o = {
			.hook = hook, .wirelen = PL_WIRELEN_MAP, .wirelen_map_fd = wl_map,
			.wirelen_off = WL_OFF, .tail_map_fd = -1,
			.flags = v & 2 ? PL_FILTER_F_CALL_LOADS : PL_FILTER_F_INLINE_LOADS,
		};
		const char *mode = v == 0 ? "xdp" : v == 1 ? "tc" : v == 2 ? "xdp, call loads" : "tc, call loads";
		int fd, ret, got, want = expect;

		if (hook == PL_FILTER_XDP && (flags & XDP64K))
			want = 0;
		if (hook == PL_FILTER_TC && (flags & XDPONLY))
			continue;
		fd = build(f, n, &o, hook == PL_FILTER_XDP ? BPF_F_XDP_HAS_FRAGS : 0, NULL);
		CHECK(fd >= 0, "%s: translate/load: %d %s %s", mode, fd, errbuf,
		      fd == -EINVAL || fd == -EACCES ? logbuf : "");
		if (fd < 0)
			continue;
		*wl = wirelen;
		ret = run(fd, data, caplen);
		if (hook == PL_FILTER_XDP)
			got = ret == XDP_PASS ? 1 : ret == XDP_DROP ? 0 : -1;
		else
			got = ret == TC_ACT_OK ? 1 : ret == TC_ACT_SHOT ? 0 : -1;
		CHECK(got == want, "%s: verdict %d (retval %d), expected %d", mode, got, ret, want);
		close(fd);
	}
	TEST_END();
}

/* Translation must fail with err and a message containing `needle`. */
static void reject(const char *name, const struct sock_filter *f, size_t n, int err,
		   const char *needle)
{
	struct pl_filter_opts o = { .hook = PL_FILTER_XDP, .wirelen = PL_WIRELEN_BUFF,
				    .tail_map_fd = -1 };
	struct sock_fprog fp = { .len = (unsigned short)n, .filter = (struct sock_filter *)f };
	struct bpf_insn *insns = (struct bpf_insn *)1;
	size_t cnt = 99;
	int rc;

	TEST_BEGIN(name);
	errbuf[0] = '\0';
	rc = pl_filter_translate(&fp, &o, &insns, &cnt, errbuf, sizeof(errbuf));
	CHECK(rc == err, "returned %d, expected %d (%s)", rc, err, errbuf);
	CHECK(insns == NULL && cnt == 0, "outputs not cleared");
	CHECK(strstr(errbuf, needle) != NULL, "message \"%s\" lacks \"%s\"", errbuf, needle);
	TEST_END();
}

/* A = value, then "jeq #expect -> match" (tests an ALU result). */
#define ALU_K(name, a, op, k, expect)                                                      \
	tcase(name, PROG(S(BPF_LD | BPF_IMM, a), S(BPF_ALU | op | BPF_K, k),                  \
			 J(BPF_JMP | BPF_JEQ | BPF_K, expect, 0, 1), RET1, RET0),              \
	      pkt, 60, 60, 1, 0)
#define ALU_X(name, a, op, x, expect)                                                      \
	tcase(name, PROG(S(BPF_LD | BPF_IMM, a), S(BPF_LDX | BPF_IMM, x),                     \
			 S(BPF_ALU | op | BPF_X, 0), J(BPF_JMP | BPF_JEQ | BPF_K, expect, 0, 1), \
			 RET1, RET0),                                                          \
	      pkt, 60, 60, 1, 0)

static void test_loads(void)
{
	/* pkt: byte i = i, except [20..23] = 12 34 56 78, [14] = 0x45 */
	tcase("ret #1 matches", PROG(RET1), pkt, 60, 60, 1, 0);
	tcase("ret #0 does not match", PROG(RET0), pkt, 60, 60, 0, 0);
	tcase("ret #0x40000 (snaplen) matches", PROG(S(BPF_RET | BPF_K, 262144)), pkt, 60, 60, 1, 0);
	tcase("ld #k; ret a (nonzero)", PROG(S(BPF_LD | BPF_IMM, 5), S(BPF_RET | BPF_A, 0)),
	      pkt, 60, 60, 1, 0);
	tcase("ld #0; ret a", PROG(S(BPF_LD | BPF_IMM, 0), S(BPF_RET | BPF_A, 0)), pkt, 60, 60, 0, 0);
	tcase("ld [20] is big endian",
	      PROG(S(BPF_LD | BPF_W | BPF_ABS, 20), J(BPF_JMP | BPF_JEQ | BPF_K, 0x12345678, 0, 1),
		   RET1, RET0), pkt, 60, 60, 1, 0);
	tcase("ldh [21] is big endian",
	      PROG(S(BPF_LD | BPF_H | BPF_ABS, 21), J(BPF_JMP | BPF_JEQ | BPF_K, 0x3456, 0, 1),
		   RET1, RET0), pkt, 60, 60, 1, 0);
	tcase("ldb [23]",
	      PROG(S(BPF_LD | BPF_B | BPF_ABS, 23), J(BPF_JMP | BPF_JEQ | BPF_K, 0x78, 0, 1),
		   RET1, RET0), pkt, 60, 60, 1, 0);
	tcase("ld [56] last word of 60", PROG(S(BPF_LD | BPF_W | BPF_ABS, 56), RET1), pkt, 60, 60, 1, 0);
	tcase("ld [57] crosses the end -> no match",
	      PROG(S(BPF_LD | BPF_W | BPF_ABS, 57), RET1), pkt, 60, 60, 0, 0);
	tcase("ldh [59] crosses the end -> no match",
	      PROG(S(BPF_LD | BPF_H | BPF_ABS, 59), RET1), pkt, 60, 60, 0, 0);
	tcase("ldb [59] last byte", PROG(S(BPF_LD | BPF_B | BPF_ABS, 59), RET1), pkt, 60, 60, 1, 0);
	tcase("ldb [60] beyond -> no match", PROG(S(BPF_LD | BPF_B | BPF_ABS, 60), RET1), pkt, 60, 60, 0, 0);
	tcase("ldb [k] beyond caplen, within wire length -> no match",
	      PROG(S(BPF_LD | BPF_B | BPF_ABS, 40), RET1), pkt, 30, 1500, 0, 0);
	tcase("ld [0x7fffffff] -> no match", PROG(S(BPF_LD | BPF_W | BPF_ABS, 0x7fffffff), RET1),
	      pkt, 60, 60, 0, 0);
	tcase("ld [x+k] (IND)",
	      PROG(S(BPF_LDX | BPF_IMM, 10), S(BPF_LD | BPF_W | BPF_IND, 10),
		   J(BPF_JMP | BPF_JEQ | BPF_K, 0x12345678, 0, 1), RET1, RET0), pkt, 60, 60, 1, 0);
	tcase("ldh [x+k] (IND)",
	      PROG(S(BPF_LDX | BPF_IMM, 1), S(BPF_LD | BPF_H | BPF_IND, 20),
		   J(BPF_JMP | BPF_JEQ | BPF_K, 0x3456, 0, 1), RET1, RET0), pkt, 60, 60, 1, 0);
	tcase("ldb [x+k] (IND)",
	      PROG(S(BPF_LDX | BPF_IMM, 3), S(BPF_LD | BPF_B | BPF_IND, 20),
		   J(BPF_JMP | BPF_JEQ | BPF_K, 0x78, 0, 1), RET1, RET0), pkt, 60, 60, 1, 0);
	tcase("ldb [x+k] beyond the packet -> no match",
	      PROG(S(BPF_LDX | BPF_IMM, 50), S(BPF_LD | BPF_B | BPF_IND, 10), RET1), pkt, 60, 60, 0, 0);
	tcase("ld [x+k] with X + k wrapping 32 bits -> no match",
	      PROG(S(BPF_LDX | BPF_IMM, 0xffffffff), S(BPF_LD | BPF_W | BPF_IND, 2), RET1),
	      pkt, 60, 60, 0, 0);
	tcase("ld [x+k] with X + k > 0xffff -> no match",
	      PROG(S(BPF_LDX | BPF_IMM, 0x10000), S(BPF_LD | BPF_W | BPF_IND, 0), RET1),
	      pkt, 60, 60, 0, 0);
	tcase("ldxb 4*([14]&0xf) (MSH) = 20",
	      PROG(S(BPF_LDX | BPF_MSH | BPF_B, 14), S(BPF_MISC | BPF_TXA, 0),
		   J(BPF_JMP | BPF_JEQ | BPF_K, 20, 0, 1), RET1, RET0), pkt, 60, 60, 1, 0);
	tcase("MSH beyond the packet -> no match",
	      PROG(S(BPF_LDX | BPF_MSH | BPF_B, 60), RET1), pkt, 60, 60, 0, 0);
	tcase("ld #len is the wire length",
	      PROG(S(BPF_LD | BPF_W | BPF_LEN, 0), J(BPF_JMP | BPF_JEQ | BPF_K, 1000, 0, 1), RET1, RET0),
	      pkt, 60, 1000, 1, 0);
	tcase("ldx #len",
	      PROG(S(BPF_LDX | BPF_W | BPF_LEN, 0), S(BPF_MISC | BPF_TXA, 0),
		   J(BPF_JMP | BPF_JEQ | BPF_K, 77, 0, 1), RET1, RET0), pkt, 60, 77, 1, 0);
	tcase("ret a of a packet byte", PROG(S(BPF_LD | BPF_B | BPF_ABS, 1), S(BPF_RET | BPF_A, 0)),
	      pkt, 60, 60, 1, 0);
	tcase("ret a of a zero packet byte", PROG(S(BPF_LD | BPF_B | BPF_ABS, 0), S(BPF_RET | BPF_A, 0)),
	      pkt, 60, 60, 0, 0);
}

static void test_alu(void)
{
	ALU_K("add #k", 5, BPF_ADD, 7, 12);
	ALU_K("add #k wraps at 32 bits", 0xffffffff, BPF_ADD, 1, 0);
	ALU_K("sub #k wraps", 1, BPF_SUB, 2, 0xffffffff);
	ALU_K("mul #k", 7, BPF_MUL, 6, 42);
	ALU_K("mul #k overflows 32 bits", 0x10000, BPF_MUL, 0x10000, 0);
	ALU_K("div #k unsigned", 0xfffffffe, BPF_DIV, 2, 0x7fffffff);
	ALU_K("mod #k", 100, BPF_MOD, 7, 2);
	ALU_K("and #k", 0xf0f0, BPF_AND, 0xff00, 0xf000);
	ALU_K("or #k", 0xf0, BPF_OR, 0x0f, 0xff);
	ALU_K("xor #k", 0xff, BPF_XOR, 0x0f, 0xf0);
	ALU_K("lsh #k", 1, BPF_LSH, 31, 0x80000000);
	ALU_K("rsh #k is logical", 0x80000000, BPF_RSH, 31, 1);
	tcase("neg", PROG(S(BPF_LD | BPF_IMM, 1), S(BPF_ALU | BPF_NEG, 0),
			  J(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffff, 0, 1), RET1, RET0), pkt, 60, 60, 1, 0);
	ALU_X("add x", 5, BPF_ADD, 7, 12);
	ALU_X("sub x", 5, BPF_SUB, 7, 0xfffffffe);
	ALU_X("mul x", 0x10001, BPF_MUL, 0x10001, 0x20001);
	ALU_X("div x", 100, BPF_DIV, 7, 14);
	ALU_X("mod x", 100, BPF_MOD, 7, 2);
	ALU_X("and x", 0xf0f0, BPF_AND, 0xff00, 0xf000);
	ALU_X("or x", 0xf0, BPF_OR, 0x0f, 0xff);
	ALU_X("xor x", 0xff, BPF_XOR, 0x0f, 0xf0);
	ALU_X("lsh x", 3, BPF_LSH, 4, 48);
	ALU_X("rsh x", 0xff00, BPF_RSH, 8, 0xff);
	ALU_X("lsh x by 31", 1, BPF_LSH, 31, 0x80000000);
	ALU_X("lsh x by 32 gives 0", 1, BPF_LSH, 32, 0);
	ALU_X("rsh x by 40 gives 0", 0xffffffff, BPF_RSH, 40, 0);
	tcase("div x by X == 0 -> no match (even before ret #1)",
	      PROG(S(BPF_LD | BPF_IMM, 10), S(BPF_LDX | BPF_IMM, 0), S(BPF_ALU | BPF_DIV | BPF_X, 0),
		   RET1), pkt, 60, 60, 0, 0);
	tcase("mod x by X == 0 -> no match",
	      PROG(S(BPF_LD | BPF_IMM, 10), S(BPF_LDX | BPF_IMM, 0), S(BPF_ALU | BPF_MOD | BPF_X, 0),
		   RET1), pkt, 60, 60, 0, 0);
	tcase("div x by a packet byte that is zero -> no match",
	      PROG(S(BPF_LD | BPF_IMM, 10), S(BPF_LDX | BPF_MSH | BPF_B, 0),
		   S(BPF_ALU | BPF_DIV | BPF_X, 0), RET1), pkt, 60, 60, 0, 0);
}

static void test_jumps_misc(void)
{
	tcase("jgt #k is unsigned",
	      PROG(S(BPF_LD | BPF_IMM, 0x80000000), J(BPF_JMP | BPF_JGT | BPF_K, 1, 0, 1), RET1, RET0),
	      pkt, 60, 60, 1, 0);
	tcase("jge #k equal",
	      PROG(S(BPF_LD | BPF_IMM, 7), J(BPF_JMP | BPF_JGE | BPF_K, 7, 0, 1), RET1, RET0),
	      pkt, 60, 60, 1, 0);
	tcase("jge #k less",
	      PROG(S(BPF_LD | BPF_IMM, 6), J(BPF_JMP | BPF_JGE | BPF_K, 7, 0, 1), RET1, RET0),
	      pkt, 60, 60, 0, 0);
	tcase("jeq #k true branch falls through, false jumps",
	      PROG(S(BPF_LD | BPF_IMM, 3), J(BPF_JMP | BPF_JEQ | BPF_K, 4, 1, 0), RET0, RET1),
	      pkt, 60, 60, 0, 0);
	tcase("jset #k set",
	      PROG(S(BPF_LD | BPF_IMM, 0x12), J(BPF_JMP | BPF_JSET | BPF_K, 0x02, 0, 1), RET1, RET0),
	      pkt, 60, 60, 1, 0);
	tcase("jset #k clear (jt falls through)",
	      PROG(S(BPF_LD | BPF_IMM, 0x12), J(BPF_JMP | BPF_JSET | BPF_K, 0x01, 0, 1), RET1, RET0),
	      pkt, 60, 60, 0, 0);
	tcase("jset #k with jt jumping",
	      PROG(S(BPF_LD | BPF_IMM, 0x12), J(BPF_JMP | BPF_JSET | BPF_K, 0x10, 1, 0), RET0, RET1),
	      pkt, 60, 60, 1, 0);
	tcase("jset #0x80000000",
	      PROG(S(BPF_LD | BPF_IMM, 0x80000000), J(BPF_JMP | BPF_JSET | BPF_K, 0x80000000, 0, 1),
		   RET1, RET0), pkt, 60, 60, 1, 0);
	tcase("jeq x",
	      PROG(S(BPF_LD | BPF_IMM, 9), S(BPF_LDX | BPF_IMM, 9), J(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 1),
		   RET1, RET0), pkt, 60, 60, 1, 0);
	tcase("jgt x unsigned",
	      PROG(S(BPF_LD | BPF_IMM, 0xffffffff), S(BPF_LDX | BPF_IMM, 1),
		   J(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 1), RET1, RET0), pkt, 60, 60, 1, 0);
	tcase("jge x",
	      PROG(S(BPF_LD | BPF_IMM, 1), S(BPF_LDX | BPF_IMM, 2), J(BPF_JMP | BPF_JGE | BPF_X, 0, 0, 1),
		   RET1, RET0), pkt, 60, 60, 0, 0);
	tcase("jset x",
	      PROG(S(BPF_LD | BPF_IMM, 6), S(BPF_LDX | BPF_IMM, 4), J(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 1),
		   RET1, RET0), pkt, 60, 60, 1, 0);
	tcase("jeq with jt == jf",
	      PROG(S(BPF_LD | BPF_IMM, 6), J(BPF_JMP | BPF_JEQ | BPF_K, 6, 1, 1), RET0, RET1),
	      pkt, 60, 60, 1, 0);
	tcase("ja forward",
	      PROG(S(BPF_JMP | BPF_JA, 2), RET0, RET0, RET1), pkt, 60, 60, 1, 0);
	tcase("ja #0", PROG(S(BPF_JMP | BPF_JA, 0), RET1), pkt, 60, 60, 1, 0);
	tcase("tax / txa",
	      PROG(S(BPF_LD | BPF_IMM, 0x55), S(BPF_MISC | BPF_TAX, 0), S(BPF_LD | BPF_IMM, 0),
		   S(BPF_MISC | BPF_TXA, 0), J(BPF_JMP | BPF_JEQ | BPF_K, 0x55, 0, 1), RET1, RET0),
	      pkt, 60, 60, 1, 0);
	tcase("st / ld M[3], stx / ldx M[15]",
	      PROG(S(BPF_LD | BPF_IMM, 0xabcd), S(BPF_ST, 3), S(BPF_LDX | BPF_IMM, 0x1234),
		   S(BPF_STX, 15), S(BPF_LD | BPF_IMM, 0), S(BPF_LDX | BPF_IMM, 0),
		   S(BPF_LDX | BPF_MEM, 15), S(BPF_LD | BPF_MEM, 3), S(BPF_ALU | BPF_ADD | BPF_X, 0),
		   J(BPF_JMP | BPF_JEQ | BPF_K, 0xabcd + 0x1234, 0, 1), RET1, RET0),
	      pkt, 60, 60, 1, 0);
	tcase("scratch memory overwritten",
	      PROG(S(BPF_LD | BPF_IMM, 1), S(BPF_ST, 0), S(BPF_LD | BPF_IMM, 2), S(BPF_ST, 0),
		   S(BPF_LD | BPF_MEM, 0), J(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 1), RET1, RET0),
	      pkt, 60, 60, 1, 0);
	/* libpcap leaves scratch memory uninitialized; ours starts at 0 */
	tcase("unwritten scratch memory reads 0",
	      PROG(S(BPF_LD | BPF_MEM, 7), J(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), RET1, RET0),
	      pkt, 60, 60, 1, NOREF);
	tcase("unreachable instructions are skipped",
	      PROG(S(BPF_JMP | BPF_JA, 2), S(BPF_LD | BPF_B | BPF_ABS, 1000), RET0, RET1),
	      pkt, 60, 60, 1, 0);
}

static void test_big_frames(void)
{
	static const uint32_t offs[] = { 3000, 3400, 3500, 3520, 3530, 3550, 3584, 3600, 4094, 4095,
					 4096, 8190, 60000, 65533, 65534, 65535, 65536, 69996 };
	char name[96];

	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		uint32_t k = offs[i];
		uint32_t w = (uint32_t)big[k] << 24 | (uint32_t)big[k + 1] << 16 |
			     (uint32_t)big[k + 2] << 8 | big[k + 3];

		int fl = XDPONLY | (k > 0xffff ? XDP64K : 0);

		snprintf(name, sizeof(name), "70000-byte frame: ld [%u]%s", k,
			 k > 0xffff ? " (XDP: beyond 64 KiB, no match)" : "");
		tcase(name, PROG(S(BPF_LD | BPF_W | BPF_ABS, k), J(BPF_JMP | BPF_JEQ | BPF_K, w, 0, 1),
				 RET1, RET0), big, BIG_LEN, BIG_LEN, 1, fl);
		snprintf(name, sizeof(name), "70000-byte frame: ldh [x+%u]%s", k - 100,
			 k > 0xffff ? " (XDP: beyond 64 KiB, no match)" : "");
		tcase(name, PROG(S(BPF_LDX | BPF_IMM, 100), S(BPF_LD | BPF_H | BPF_IND, k - 100),
				 J(BPF_JMP | BPF_JEQ | BPF_K, w >> 16, 0, 1), RET1, RET0),
		      big, BIG_LEN, BIG_LEN, 1, fl);
	}
	tcase("70000-byte frame: ld [69997] crosses the end",
	      PROG(S(BPF_LD | BPF_W | BPF_ABS, 69997), RET1), big, BIG_LEN, BIG_LEN, 0, XDPONLY);
	tcase("70000-byte frame: ldb [x+k] = 70000 beyond",
	      PROG(S(BPF_LDX | BPF_IMM, 69000), S(BPF_LD | BPF_B | BPF_IND, 1000), RET1),
	      big, BIG_LEN, BIG_LEN, 0, XDPONLY);
	tcase("70000-byte frame: ldb [x+k] = 69999 last byte (XDP: beyond 64 KiB)",
	      PROG(S(BPF_LDX | BPF_IMM, 69000), S(BPF_LD | BPF_B | BPF_IND, 999), RET1),
	      big, BIG_LEN, BIG_LEN, 1, XDPONLY | XDP64K);
	tcase("3000-byte frame (TC too): ld [2996]",
	      PROG(S(BPF_LD | BPF_W | BPF_ABS, 2996), RET1), big, 3000, 3000, 1, 0);
}

static void test_loops(void)
{
	/* M[0] = 5; loop: if M[0] == 0 -> ret 1; M[0] -= 1; ja loop */
	tcase("backward ja: counted loop (loop mode)",
	      PROG(S(BPF_LD | BPF_IMM, 5), S(BPF_ST, 0),
		   /* 2 */ S(BPF_LD | BPF_MEM, 0), J(BPF_JMP | BPF_JEQ | BPF_K, 0, 3, 0),
		   S(BPF_ALU | BPF_SUB | BPF_K, 1), S(BPF_ST, 0),
		   S(BPF_JMP | BPF_JA, (__u32)-5), /* -> 2 */
		   /* 7 */ S(BPF_LD | BPF_W | BPF_LEN, 0), S(BPF_RET | BPF_A, 0)),
	      pkt, 60, 60, 1, 0);
	/* walk X through the packet 8 bytes at a time until a load fails */
	tcase("backward ja: walk until beyond the packet (loop mode, loads in the loop)",
	      PROG(S(BPF_LDX | BPF_IMM, 0),
		   /* 1 */ S(BPF_LD | BPF_B | BPF_IND, 0), S(BPF_MISC | BPF_TXA, 0),
		   S(BPF_ALU | BPF_ADD | BPF_K, 8), S(BPF_MISC | BPF_TAX, 0),
		   S(BPF_JMP | BPF_JA, (__u32)-5)),
	      pkt, 60, 60, 0, 0);
	tcase("backward ja: infinite loop ends with no match (budget)",
	      PROG(S(BPF_LD | BPF_IMM, 1), S(BPF_JMP | BPF_JA, (__u32)-1), RET1),
	      pkt, 60, 60, 0, NOREF);
}

static void test_rejects(void)
{
	reject("ancillary load (SKF_AD_OFF + SKF_AD_PROTOCOL) is unsupported",
	       PROG(S(BPF_LD | BPF_H | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL), RET1), -EOPNOTSUPP,
	       "insn 0 (ldh [k]");
	reject("negative offset load (SKF_NET_OFF) is unsupported",
	       PROG(S(BPF_LDX | BPF_IMM, 0), S(BPF_LD | BPF_B | BPF_IND, (__u32)SKF_NET_OFF), RET1),
	       -EOPNOTSUPP, "insn 1 (ldb [x+k]");
	reject("unknown opcode is unsupported", PROG(S(0xe0 | BPF_MISC, 0), RET1), -EOPNOTSUPP,
	       "insn 0");
	reject("ret x is unsupported", PROG(S(BPF_RET | BPF_X, 0)), -EOPNOTSUPP, "insn 0");
	reject("division by constant 0", PROG(S(BPF_ALU | BPF_DIV | BPF_K, 0), RET1), -EINVAL,
	       "division by constant zero");
	reject("modulo by constant 0", PROG(S(BPF_ALU | BPF_MOD | BPF_K, 0), RET1), -EINVAL,
	       "division by constant zero");
	reject("shift by constant 32", PROG(S(BPF_ALU | BPF_LSH | BPF_K, 32), RET1), -EINVAL,
	       "shift");
	reject("scratch index 16", PROG(S(BPF_ST, 16), RET1), -EINVAL, "scratch");
	reject("jump out of the program", PROG(J(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0), RET1), -EINVAL,
	       "outside");
	reject("ja out of the program", PROG(S(BPF_JMP | BPF_JA, 1), RET1), -EINVAL, "outside");
	reject("falls off the end", PROG(S(BPF_LD | BPF_IMM, 1)), -EINVAL, "does not end");
	reject("backward ja before the start", PROG(S(BPF_JMP | BPF_JA, (__u32)-2), RET1), -EINVAL,
	       "outside");
}

static void test_wirelen_buff(void)
{
	static const struct sock_filter f[] = {
		S(BPF_LD | BPF_W | BPF_LEN, 0), S(BPF_RET | BPF_A, 0),
	};
	struct pl_filter_opts o = { .hook = PL_FILTER_XDP, .wirelen = PL_WIRELEN_BUFF,
				    .tail_map_fd = -1 };
	/* "len == N": match iff the hook's length is N */
	struct sock_filter eq[] = {
		S(BPF_LD | BPF_W | BPF_LEN, 0), J(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), RET1, RET0,
	};
	int fd;

	(void)f;
	TEST_BEGIN("PL_WIRELEN_BUFF: XDP len = bpf_xdp_get_buff_len (with frags)");
	eq[1].k = BIG_LEN;
	fd = build(eq, 4, &o, BPF_F_XDP_HAS_FRAGS, NULL);
	CHECK(fd >= 0, "load: %d %s %s", fd, errbuf, logbuf);
	if (fd >= 0) {
		CHECK(run(fd, big, BIG_LEN) == XDP_PASS, "len of a 70000-byte frame");
		close(fd);
	}
	TEST_END();
	TEST_BEGIN("PL_WIRELEN_BUFF: TC len = skb->len");
	o.hook = PL_FILTER_TC;
	eq[1].k = 1000;
	fd = build(eq, 4, &o, 0, NULL);
	CHECK(fd >= 0, "load: %d %s %s", fd, errbuf, logbuf);
	if (fd >= 0) {
		CHECK(run(fd, big, 1000) == TC_ACT_OK, "len of a 1000-byte frame");
		CHECK(run(fd, big, 999) == TC_ACT_SHOT, "len of a 999-byte frame");
		close(fd);
	}
	TEST_END();
}

static void test_tail_call(void)
{
	static const struct bpf_insn target[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = XDP_TX },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static const struct sock_filter byte1[] = { /* match iff pkt[1] == 1 */
		S(BPF_LD | BPF_B | BPF_ABS, 1), J(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1), RET1, RET0,
	};
	static const struct sock_filter loop[] = { /* loop mode, then match */
		S(BPF_LD | BPF_IMM, 2), S(BPF_ALU | BPF_SUB | BPF_K, 1),
		J(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), S(BPF_JMP | BPF_JA, (__u32)-3), RET1,
	};
	/* like libbpf's SEC("xdp.frags"): the tail-call owner checks both */
	LIBBPF_OPTS(bpf_prog_load_opts, lo, .prog_flags = BPF_F_XDP_HAS_FRAGS,
		    .expected_attach_type = BPF_XDP);
	struct pl_filter_opts o = { .hook = PL_FILTER_XDP, .wirelen = PL_WIRELEN_BUFF,
				    .tail_index = 3 };
	int pa, tfd, fd, fd2;
	__u32 slot = 3;

	TEST_BEGIN("tail-call epilogue: match -> tail call, no match / empty slot -> XDP_PASS");
	pa = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "pl_tail", 4, 4, 4, NULL);
	tfd = bpf_prog_load(BPF_PROG_TYPE_XDP, "pl_target", "GPL", target, 2, &lo);
	CHECK(pa >= 0 && tfd >= 0, "map %d prog %d", pa, tfd);
	o.tail_map_fd = pa;
	fd = build(byte1, 4, &o, BPF_F_XDP_HAS_FRAGS, NULL);
	fd2 = build(loop, 5, &o, BPF_F_XDP_HAS_FRAGS, NULL);
	CHECK(fd >= 0 && fd2 >= 0, "load: %d %d %s %s", fd, fd2, errbuf, strlen(logbuf) > 600 ? logbuf + strlen(logbuf) - 600 : logbuf);
	if (pa >= 0 && tfd >= 0 && fd >= 0 && fd2 >= 0) {
		CHECK(run(fd, pkt, 60) == XDP_PASS, "match with an empty slot");
		CHECK(bpf_map_update_elem(pa, &slot, &tfd, BPF_ANY) == 0, "slot update: %s", strerror(errno));
		CHECK(run(fd, pkt, 60) == XDP_TX, "match -> tail call");
		CHECK(run(fd2, pkt, 60) == XDP_TX, "loop mode match -> tail call");
		pkt[1] = 2;
		CHECK(run(fd, pkt, 60) == XDP_PASS, "no match -> pass");
		pkt[1] = 1;
	}
	if (fd >= 0)
		close(fd);
	if (fd2 >= 0)
		close(fd2);
	if (tfd >= 0)
		close(tfd);
	if (pa >= 0)
		close(pa);
	TEST_END();
}

/* A JA over more eBPF instructions than a 16-bit offset reaches: gotol. */
static void test_far_jump(void)
{
	enum { N = 1600 };
	struct sock_filter *f = calloc(N + 5, sizeof(*f));
	struct pl_filter_opts o = { .hook = PL_FILTER_XDP, .wirelen = PL_WIRELEN_MAP,
				    .wirelen_map_fd = wl_map, .wirelen_off = WL_OFF,
				    .tail_map_fd = -1 };
	size_t cnt = 0;
	int fd;

	/* 0: ldb [1]; 1: jeq #1 jt 1 jf 0; 2: ja end; 3..: N loads; ret #0; end: ret #1 */
	f[0] = (struct sock_filter)S(BPF_LD | BPF_B | BPF_ABS, 1);
	f[1] = (struct sock_filter)J(BPF_JMP | BPF_JEQ | BPF_K, 1, 1, 0);
	f[2] = (struct sock_filter)S(BPF_JMP | BPF_JA, N + 1);
	for (int i = 0; i < N; i++)
		f[3 + i] = (struct sock_filter)S(BPF_LD | BPF_B | BPF_IND, (__u32)(i % 50));
	f[3 + N] = (struct sock_filter)RET0;
	f[4 + N] = (struct sock_filter)RET1;
	TEST_BEGIN("far jumps use gotol");
	fd = build(f, N + 5, &o, BPF_F_XDP_HAS_FRAGS, &cnt);
	CHECK(fd >= 0, "load: %d %s %.300s", fd, errbuf,
	      strlen(logbuf) > 300 ? logbuf + strlen(logbuf) - 300 : logbuf);
	CHECK(cnt > 32767, "only %zu eBPF instructions", cnt);
	if (fd >= 0) {
		*wl = 60;
		CHECK(run(fd, pkt, 60) == XDP_DROP, "through the loads to ret #0");
		pkt[1] = 0;
		CHECK(run(fd, pkt, 60) == XDP_PASS, "far jump to ret #1");
		pkt[1] = 1;
		close(fd);
	}
	CHECK(reference(f, N + 5, pkt, 60, 60) == 0, "libpcap");
	TEST_END();
	free(f);
}

/* So many loads that the translator switches to call loads on its own. */
static void test_huge(void)
{
	enum { N = 4400 };
	struct sock_filter *f = calloc(N + 4, sizeof(*f));
	struct pl_filter_opts o = { .hook = PL_FILTER_XDP, .wirelen = PL_WIRELEN_MAP,
				    .wirelen_map_fd = wl_map, .wirelen_off = WL_OFF,
				    .tail_map_fd = -1 };
	size_t cnt = 0;
	int fd;

	/* ldx #k; N x (ldb [x+i%50]; st M[i%16]) ... ; ld M[3]; ret a */
	f[0] = (struct sock_filter)S(BPF_LDX | BPF_IMM, 0);
	for (int i = 0; i < N / 2; i++) {
		f[1 + 2 * i] = (struct sock_filter)S(BPF_LD | BPF_B | BPF_IND, (__u32)(i % 50));
		f[2 + 2 * i] = (struct sock_filter)S(BPF_ST, (__u32)(i % 16));
	}
	f[N + 1] = (struct sock_filter)S(BPF_LD | BPF_MEM, 3);
	f[N + 2] = (struct sock_filter)S(BPF_RET | BPF_A, 0);
	TEST_BEGIN("2200 IND loads: call-load mode chosen automatically, verifier accepts");
	fd = build(f, N + 3, &o, BPF_F_XDP_HAS_FRAGS, &cnt);
	CHECK(fd >= 0, "load: %d %s %.300s", fd, errbuf,
	      strlen(logbuf) > 300 ? logbuf + strlen(logbuf) - 300 : logbuf);
	CHECK(cnt < 12 * (N / 2) + 100, "%zu eBPF instructions: not call loads?", cnt);
	if (fd >= 0) {
		*wl = 60;
		/* M[3] = last store of i % 16 == 3: i = 2195 -> ldb [2195 % 50 = 45] */
		CHECK(run(fd, pkt, 60) == XDP_PASS, "pkt[45] != 0 -> match");
		CHECK(reference(f, N + 3, pkt, 60, 60) == 1, "libpcap");
		CHECK(run(fd, pkt, 40) == XDP_DROP, "a load beyond 40 bytes -> no match");
		CHECK(reference(f, N + 3, pkt, 40, 40) == 0, "libpcap");
		close(fd);
	}
	TEST_END();
	free(f);
}

static void test_compile(void)
{
	struct sock_fprog fp;
	char err[PCAP_ERRBUF_SIZE + 64];
	int rc;

	TEST_BEGIN("pl_filter_compile: ok, and libpcap's message on errors");
	rc = pl_filter_compile("tcp port 80", DLT_EN10MB, 262144, &fp, err, sizeof(err));
	CHECK(rc == 0 && fp.len > 0 && fp.filter, "compile: %d %s", rc, err);
	pl_filter_free(&fp);
	CHECK(fp.filter == NULL && fp.len == 0, "free clears");
	rc = pl_filter_compile("tcp port", DLT_EN10MB, 262144, &fp, err, sizeof(err));
	CHECK(rc == -EINVAL && strstr(err, "syntax error"), "bad expression: %d %s", rc, err);
	CHECK(fp.filter == NULL, "out cleared");
	rc = pl_filter_compile("ether host 1:2:3:4:5:6", DLT_RAW, 262144, &fp, err, sizeof(err));
	CHECK(rc == -EINVAL && err[0], "ether on raw IP: %d %s", rc, err);
	TEST_END();
}

int main(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_MMAPABLE);
	void *m;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)i;
	pkt[14] = 0x45;
	pkt[20] = 0x12; pkt[21] = 0x34; pkt[22] = 0x56; pkt[23] = 0x78;
	big = malloc(BIG_LEN);
	if (!big)
		return 1;
	for (size_t i = 0; i < BIG_LEN; i++)
		big[i] = (uint8_t)(i * 7 + (i >> 8) + 3);

	wl_map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "pl_wirelen", 4, 8, 1, &mo);
	if (wl_map < 0) {
		printf("cannot create a BPF map (%s): not root?\n", strerror(-wl_map));
		TEST_BEGIN("BPF available");
		CHECK(0, "bpf_map_create failed");
		TEST_END();
		return check_summary();
	}
	m = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE, MAP_SHARED, wl_map, 0);
	if (m == MAP_FAILED)
		return 1;
	wl = (volatile uint32_t *)((char *)m + WL_OFF);

	test_loads();
	test_alu();
	test_jumps_misc();
	test_big_frames();
	test_loops();
	test_rejects();
	test_wirelen_buff();
	test_tail_call();
	test_far_jump();
	test_huge();
	test_compile();
	return check_summary();
}
