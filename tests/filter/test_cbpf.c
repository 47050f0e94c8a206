// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_cbpf.c - hand-written classic BPF programs through the translator
 * (src/filter/translate.c), run in verdict mode with BPF_PROG_TEST_RUN.
 *
 * Each case names its expected verdict; unless a case is marked NOREF, libpcap's own
 * interpreter (pcap_offline_filter) must agree with it too. Cases run as XDP and, for
 * frames that fit an skb test run, as TC, each with inline loads and with call loads
 * (PL_FILTER_F_CALL_LOADS). Then: invalid and unsupported programs, the
 * wire length from the hook (PL_WIRELEN_BUFF), the tail-call epilogue, far jumps
 * (gotol) and loop mode (backward jumps). Needs root (BPF).
 *
 * Last, TC programs on skbs that carry a VLAN tag in their metadata (vlan_present):
 * BPF_PROG_TEST_RUN cannot make those (its __sk_buff ctx_in refuses vlan_present,
 * vlan_tci and vlan_proto with EINVAL, and the skb it builds keeps a tag inline), so
 * this part is live: in a network namespace of its own (unshare), frames sent on one
 * end of a veth pair arrive at the other end's tc ingress, where the kernel has moved
 * the outer 802.1Q/802.1ad tag into the skb metadata. The translated program is
 * attached there with a counting tail-call target, and its verdict on each frame must
 * equal libpcap's interpreter on the frame as sent (the wire frame, tag inline).
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
#include <net/if.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>

#include "check.h"

#define WL_OFF 4
#define NOREF 1   /* libpcap's interpreter is no reference (uninitialized memory, hangs) */
#define XDPONLY 2 /* frame too large for an skb test run */
#define XDP64K 4  /* XDP cannot read at offsets > 0xffff (bpf_xdp_load_bytes): no match
		   * there, where libpcap (and TC's bpf_skb_load_bytes) read the bytes */

static __u32 extra_flags; /* PL_FILTER_F_* added to every tcase() translation */
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
#define NETMASK_UNKNOWN PL_FILTER_NETMASK_UNKNOWN

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
			.flags = (v & 2 ? PL_FILTER_F_CALL_LOADS : PL_FILTER_F_INLINE_LOADS) |
				 extra_flags,
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
	tcase("unreachable instructions are not translated",
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

/*
 * Constant offsets >= 2^31: below SKF_LL_OFF they are beyond any packet (libpcap's
 * interpreter and the kernel agree: no match), not refused.
 */
static void test_offsets_beyond(void)
{
	tcase("ldb [0x80000000] is beyond the packet: no match",
	      PROG(S(BPF_LD | BPF_B | BPF_ABS, 0x80000000u), J(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
		   RET1, RET0), pkt, 60, 60, 0, 0);
	tcase("ld [SKF_LL_OFF - 1] is beyond the packet: no match",
	      PROG(S(BPF_LD | BPF_W | BPF_ABS, (__u32)SKF_LL_OFF - 1), RET1), pkt, 60, 60, 0, 0);
	tcase("ldh [x + 0x80000000], x = 0: no match",
	      PROG(S(BPF_LDX | BPF_IMM, 0), S(BPF_LD | BPF_H | BPF_IND, 0x80000000u), RET1),
	      pkt, 60, 60, 0, 0);
	tcase("ldb [x + 0xfff00000 - 1], x = 0x00100010: still no match (no wrap-around)",
	      PROG(S(BPF_LDX | BPF_IMM, 0x00100010u),
		   S(BPF_LD | BPF_B | BPF_IND, (__u32)SKF_LL_OFF - 1), RET1),
	      pkt, 60, 60, 0, 0);
	tcase("ldxb 4*([0x90000000]&0xf): no match",
	      PROG(S(BPF_LDX | BPF_MSH | BPF_B, 0x90000000u), RET1), pkt, 60, 60, 0, 0);
	/* the load is on one branch only: the other still matches */
	tcase("beyond load on the taken branch: no match",
	      PROG(S(BPF_LD | BPF_B | BPF_ABS, 1), J(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 2),
		   S(BPF_LD | BPF_B | BPF_ABS, 0xf0000000u), RET1, RET1),
	      pkt, 60, 60, 0, 0);
	tcase("beyond load on the branch not taken: match",
	      PROG(S(BPF_LD | BPF_B | BPF_ABS, 1), J(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 2),
		   S(BPF_LD | BPF_B | BPF_ABS, 0xf0000000u), RET1, RET1),
	      pkt, 60, 60, 1, 0);
	tcase("beyond load inside a loop (loop mode): no match",
	      PROG(S(BPF_LDX | BPF_IMM, 0), /* 1 */ S(BPF_MISC | BPF_TXA, 0),
		   J(BPF_JMP | BPF_JEQ | BPF_K, 3, 0, 1), S(BPF_LD | BPF_B | BPF_ABS, 0xa0000000u),
		   S(BPF_ALU | BPF_ADD | BPF_K, 1), S(BPF_MISC | BPF_TAX, 0),
		   S(BPF_JMP | BPF_JA, (__u32)-6)),
	      pkt, 60, 60, 0, 0);
}

/*
 * The two Linux ancillary loads libpcap emits on a live interface, with
 * PL_FILTER_F_LIVE_INGRESS: "inbound" (pkttype != PACKET_OUTGOING) matches every
 * received packet, "outbound" none, "ifindex 1" the test runs' loopback device.
 * libpcap's interpreter has no such data (it returns no match): no reference.
 */
static void test_live_ancillary(void)
{
	extra_flags = PL_FILTER_F_LIVE_INGRESS;
	tcase("inbound (ldh [SKF_AD_PKTTYPE] != PACKET_OUTGOING) matches",
	      PROG(S(BPF_LD | BPF_H | BPF_ABS, (__u32)(SKF_AD_OFF + SKF_AD_PKTTYPE)),
		   J(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1), RET0, RET1),
	      pkt, 60, 60, 1, NOREF);
	tcase("outbound (ldb [SKF_AD_PKTTYPE] == PACKET_OUTGOING) does not match",
	      PROG(S(BPF_LD | BPF_B | BPF_ABS, (__u32)(SKF_AD_OFF + SKF_AD_PKTTYPE)),
		   J(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1), RET1, RET0),
	      pkt, 60, 60, 0, NOREF);
	tcase("ifindex 1 (ld [SKF_AD_IFINDEX]): the test run's loopback device",
	      PROG(S(BPF_LD | BPF_W | BPF_ABS, (__u32)(SKF_AD_OFF + SKF_AD_IFINDEX)),
		   J(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1), RET1, RET0),
	      pkt, 60, 60, 1, NOREF);
	tcase("ifindex 2 does not match",
	      PROG(S(BPF_LD | BPF_W | BPF_ABS, (__u32)(SKF_AD_OFF + SKF_AD_IFINDEX)),
		   J(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 1), RET1, RET0),
	      pkt, 60, 60, 0, NOREF);
	tcase("inbound and a packet load in loop mode",
	      PROG(S(BPF_LDX | BPF_IMM, 0), /* 1 */ S(BPF_MISC | BPF_TXA, 0),
		   J(BPF_JMP | BPF_JEQ | BPF_K, 3, 0, 2),
		   S(BPF_LD | BPF_H | BPF_ABS, (__u32)(SKF_AD_OFF + SKF_AD_PKTTYPE)),
		   J(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 4, 5),
		   S(BPF_LD | BPF_B | BPF_IND, 0),
		   S(BPF_ALU | BPF_ADD | BPF_K, 1), S(BPF_MISC | BPF_TAX, 0),
		   S(BPF_JMP | BPF_JA, (__u32)-8), RET0, RET1),
	      pkt, 60, 60, 1, NOREF);
	extra_flags = 0;
}

static void test_rejects(void)
{
	reject("ancillary load (SKF_AD_PKTTYPE) without PL_FILTER_F_LIVE_INGRESS",
	       PROG(S(BPF_LD | BPF_H | BPF_ABS, (__u32)(SKF_AD_OFF + SKF_AD_PKTTYPE)), RET1),
	       -EOPNOTSUPP, "only on a live interface");
	reject("link-layer relative load (SKF_LL_OFF) is unsupported",
	       PROG(S(BPF_LD | BPF_B | BPF_ABS, (__u32)SKF_LL_OFF), RET1), -EOPNOTSUPP,
	       "insn 0 (ldb [k]");
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
	rc = pl_filter_compile("tcp port 80", DLT_EN10MB, 262144, NETMASK_UNKNOWN, &fp, err, sizeof(err));
	CHECK(rc == 0 && fp.len > 0 && fp.filter, "compile: %d %s", rc, err);
	pl_filter_free(&fp);
	CHECK(fp.filter == NULL && fp.len == 0, "free clears");
	rc = pl_filter_compile("tcp port", DLT_EN10MB, 262144, NETMASK_UNKNOWN, &fp, err, sizeof(err));
	CHECK(rc == -EINVAL && strstr(err, "syntax error"), "bad expression: %d %s", rc, err);
	CHECK(fp.filter == NULL, "out cleared");
	rc = pl_filter_compile("ether host 1:2:3:4:5:6", DLT_RAW, 262144, NETMASK_UNKNOWN, &fp, err,
			       sizeof(err));
	CHECK(rc == -EINVAL && err[0], "ether on raw IP: %d %s", rc, err);
	TEST_END();
}

/* ---------------------------------------------------------------------------------- */
/* TC on skbs whose VLAN tag is in the metadata: live, on a veth pair                  */

#define LV_IF_TX "plvlan0"
#define LV_IF_RX "plvlan1"
#define LV_MAXF 10

struct lv_frame {
	const char *name;
	uint8_t *b;
	uint32_t len;
};

static struct lv_frame lv_frames[LV_MAXF];
static size_t lv_nframes;
static int lv_sock = -1, lv_ifindex, lv_counters = -1, lv_progs = -1;

/* A wire frame: MACs, the tags (TPID, TCI pairs), the ethertype, then for IPv4 a header
 * of ihl words and UDP 40000 -> 7000, the rest a pattern that differs per offset. */
static void lv_add(const char *name, uint32_t len, const uint16_t *tags, size_t ntags,
		   uint16_t type, unsigned int ihl)
{
	static const uint8_t macs[12] = { 0x02, 0, 0xc6, 0x12, 0, 0x02, 0x02, 0, 0xc6, 0x12, 0, 0x01 };
	uint8_t *b = calloc(1, len);
	size_t h = 12;

	if (!b || lv_nframes == LV_MAXF)
		exit(2);
	for (uint32_t i = 0; i < len; i++)
		b[i] = (uint8_t)(i * 13 + 7 + (i >> 8));
	memcpy(b, macs, 12);
	for (size_t i = 0; i < 2 * ntags; i++, h += 2) {
		b[h] = (uint8_t)(tags[i] >> 8);
		b[h + 1] = (uint8_t)tags[i];
	}
	b[h] = (uint8_t)(type >> 8);
	b[h + 1] = (uint8_t)type;
	h += 2;
	if (type == ETH_P_IP && h + 4 * ihl + 8 <= len) {
		uint8_t *ip = b + h, *udp = ip + 4 * ihl;
		uint32_t tot = len - (uint32_t)h;

		memset(ip, 0, 4 * ihl);
		ip[0] = (uint8_t)(0x40 | ihl);
		ip[2] = (uint8_t)(tot >> 8);
		ip[3] = (uint8_t)tot;
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, (const uint8_t[]){ 198, 18, 0, 1, 198, 18, 0, 2 }, 8);
		for (unsigned int i = 20; i < 4 * ihl; i++)
			ip[i] = 1; /* NOP options */
		udp[0] = 40000 >> 8; udp[1] = 40000 & 0xff;
		udp[2] = 7000 >> 8; udp[3] = 7000 & 0xff;
		udp[4] = (uint8_t)((tot - 4 * ihl) >> 8);
		udp[5] = (uint8_t)(tot - 4 * ihl);
		udp[6] = udp[7] = 0;
	}
	lv_frames[lv_nframes].name = name;
	lv_frames[lv_nframes].b = b;
	lv_frames[lv_nframes].len = len;
	lv_nframes++;
}

static void lv_make_frames(void)
{
	lv_add("802.1Q vid 100 (PCP 5, DEI 1), IPv4 with options, UDP", 90,
	       (const uint16_t[]){ 0x8100, 0xb064 }, 1, ETH_P_IP, 6);
	lv_add("QinQ: 802.1ad vid 300, 802.1Q vid 100, IPv4, UDP", 100,
	       (const uint16_t[]){ 0x88a8, 0x012c, 0x8100, 0x2064 }, 2, ETH_P_IP, 5);
	lv_add("untagged IPv4, UDP", 70, NULL, 0, ETH_P_IP, 5);
	lv_add("0x9100 tag vid 300 (the kernel leaves it inline)", 80,
	       (const uint16_t[]){ 0x9100, 0x012c }, 1, ETH_P_IP, 5);
	lv_add("802.1Q vid 7, 22 bytes", 22, (const uint16_t[]){ 0x8100, 0xe007 }, 1, 0x88b5, 5);
	lv_add("802.1Q vid 200, 5000 bytes (non-linear skb)", 5000,
	       (const uint16_t[]){ 0x8100, 0x00c8 }, 1, ETH_P_IP, 7);
	lv_add("802.1Q TCI 0 (priority tag), IPv6", 90, (const uint16_t[]){ 0x8100, 0x0000 }, 1,
	       ETH_P_IPV6, 5);
	lv_add("802.1ad vid 4095 alone, ARP", 60, (const uint16_t[]){ 0x88a8, 0x0fff }, 1,
	       ETH_P_ARP, 5);
}

/* A SCHED_CLS program: counters[idx] += 1, return retval. */
static int lv_counter_prog(__s32 idx, __s32 retval)
{
	struct bpf_insn p[] = {
		{ .code = BPF_ST | BPF_MEM | BPF_W, .dst_reg = 10, .off = -4, .imm = idx },
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = 1, .src_reg = BPF_PSEUDO_MAP_FD,
		  .imm = lv_counters },
		{ .code = 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 2, .src_reg = 10 },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 2, .imm = -4 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_map_lookup_elem },
		{ .code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = 0, .off = 2, .imm = 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 1, .imm = 1 },
		{ .code = BPF_STX | BPF_ATOMIC | BPF_DW, .dst_reg = 0, .src_reg = 1, .imm = BPF_ADD },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = retval },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "pl_lv_count", "GPL", p,
			     sizeof(p) / sizeof(p[0]), NULL);
}

static __u64 lv_counter(__u32 idx)
{
	__u64 v = 0;

	bpf_map_lookup_elem(lv_counters, &idx, &v);
	return v;
}

/*
 * The lab, in a network namespace of this process's own: veth LV_IF_TX -> LV_IF_RX
 * (MTU 9000, IPv6 off: nothing but our frames on it), a packet socket on LV_IF_TX, and
 * at LV_IF_RX's tc ingress, priority 1, a program that counts every frame
 * (counters[0]) and lets classification go on (TC_ACT_UNSPEC) to the filter under
 * test at priority 2, whose tail-call target counts the matches (counters[1]). The
 * thread stays on one CPU: a frame is processed (in softirq, not preempted) on the CPU
 * that sent it, so once counters[0] has moved, counters[1] is final for that frame.
 * Returns NULL or why it cannot run.
 */
static const char *lv_setup(void)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = 1, .priority = 1);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	__u32 slot = 0;
	cpu_set_t cpus;
	int cpu = sched_getcpu(), tfd, seen;
	FILE *f;

	if (unshare(CLONE_NEWNET))
		return "unshare(CLONE_NEWNET) failed";
	for (int i = 0; i < 2; i++) {
		f = fopen(i ? "/proc/sys/net/ipv6/conf/all/disable_ipv6"
			    : "/proc/sys/net/ipv6/conf/default/disable_ipv6", "w");
		if (f) {
			fputs("1\n", f);
			fclose(f);
		}
	}
	if (system("ip link add " LV_IF_TX " mtu 9000 type veth peer name " LV_IF_RX
		   " mtu 9000 >/dev/null 2>&1 && ip link set " LV_IF_TX " up && ip link set "
		   LV_IF_RX " up") != 0)
		return "cannot create a veth pair with ip(8)";
	lv_ifindex = (int)if_nametoindex(LV_IF_RX);
	sll.sll_ifindex = (int)if_nametoindex(LV_IF_TX);
	if (!lv_ifindex || !sll.sll_ifindex)
		return "veth pair not found";
	if (cpu >= 0) {
		CPU_ZERO(&cpus);
		CPU_SET(cpu, &cpus);
		sched_setaffinity(0, sizeof(cpus), &cpus);
	}
	lv_sock = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: sends only */
	if (lv_sock < 0 || bind(lv_sock, (struct sockaddr *)&sll, sizeof(sll)))
		return "packet socket";
	lv_counters = bpf_map_create(BPF_MAP_TYPE_ARRAY, "pl_lv_cnt", 4, 8, 2, NULL);
	lv_progs = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "pl_lv_tail", 4, 4, 1, NULL);
	if (lv_counters < 0 || lv_progs < 0)
		return "maps";
	seen = lv_counter_prog(0, TC_ACT_UNSPEC);
	tfd = lv_counter_prog(1, TC_ACT_OK);
	if (seen < 0 || tfd < 0 || bpf_map_update_elem(lv_progs, &slot, &tfd, BPF_ANY))
		return "counting programs";
	hook.ifindex = lv_ifindex;
	to.prog_fd = seen;
	if (bpf_tc_hook_create(&hook) || bpf_tc_attach(&hook, &to))
		return "cannot attach at tc ingress";
	return NULL;
}

/* Attach fd at priority 2 and send every frame: verdict[i] = 1 match, 0 no match. */
static int lv_run(int fd, int *verdict)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = lv_ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = 2, .priority = 2, .prog_fd = fd,
		    .flags = BPF_TC_F_REPLACE);
	int rc = bpf_tc_attach(&hook, &to);

	if (rc) {
		printf("  bpf_tc_attach: %s\n", strerror(-rc));
		return -1;
	}
	for (size_t i = 0; i < lv_nframes; i++) {
		__u64 seen = lv_counter(0), matched = lv_counter(1), now;
		struct timespec t0, t1;

		if (send(lv_sock, lv_frames[i].b, lv_frames[i].len, 0) != (ssize_t)lv_frames[i].len) {
			printf("  send (%u bytes): %s\n", lv_frames[i].len, strerror(errno));
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while ((now = lv_counter(0)) == seen) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			if (t1.tv_sec - t0.tv_sec > 2) {
				printf("  frame %zu never reached tc ingress\n", i);
				return -1;
			}
			sched_yield();
		}
		if (now != seen + 1) {
			printf("  %llu frames at tc ingress for one sent\n",
			       (unsigned long long)(now - seen));
			return -1;
		}
		verdict[i] = (int)(lv_counter(1) - matched);
	}
	return 0;
}

static int lv_fails; /* mismatch lines printed, bounded */

/* f as TC (flags), live on every frame; each verdict must be libpcap's on the wire frame. */
static void lv_check(const char *what, const struct sock_filter *f, size_t n, __u32 flags)
{
	struct pl_filter_opts o = { .hook = PL_FILTER_TC, .wirelen = PL_WIRELEN_BUFF,
				    .tail_map_fd = lv_progs, .tail_index = 0, .flags = flags };
	int v[LV_MAXF], fd = build(f, n, &o, 0, NULL);

	CHECK(fd >= 0, "%s: translate/load: %d %s %.300s", what, fd, errbuf,
	      strlen(logbuf) > 300 ? logbuf + strlen(logbuf) - 300 : logbuf);
	if (fd < 0)
		return;
	if (lv_run(fd, v) < 0) {
		CHECK(0, "%s: live run failed", what);
	} else {
		for (size_t i = 0; i < lv_nframes; i++) {
			const struct lv_frame *fr = &lv_frames[i];
			int ref = reference(f, n, fr->b, fr->len, fr->len);

			if (v[i] != ref && lv_fails++ > 40)
				check_cur_failed = 1; /* enough lines */
			else
				CHECK(v[i] == ref, "%s, frame \"%s\": tc %d, libpcap %d", what,
				      fr->name, v[i], ref);
		}
	}
	close(fd);
}

/* The sz bytes at wire offset off of frame i, or -1 when beyond it. */
static long long lv_wire(size_t i, uint32_t off, unsigned int sz)
{
	const struct lv_frame *fr = &lv_frames[i];
	uint32_t v = 0;

	if ((uint64_t)off + sz > fr->len)
		return -1;
	for (unsigned int j = 0; j < sz; j++)
		v = v << 8 | fr->b[off + j];
	return v;
}

/* prog[n..]: "jeq #v -> ret 1" for each distinct value (>= 0) of vals, else ret 0. */
static size_t lv_eq_list(struct sock_filter *p, size_t n, const long long *vals, size_t nv)
{
	uint32_t u[LV_MAXF];
	size_t nu = 0;

	for (size_t i = 0; i < nv; i++) {
		bool dup = vals[i] < 0;

		for (size_t j = 0; j < nu && !dup; j++)
			dup = u[j] == (uint32_t)vals[i];
		if (!dup)
			u[nu++] = (uint32_t)vals[i];
	}
	for (size_t i = 0; i < nu; i++)
		p[n++] = (struct sock_filter)J(BPF_JMP | BPF_JEQ | BPF_K, u[i], (__u8)(nu - i), 0);
	p[n++] = (struct sock_filter)RET0;
	p[n++] = (struct sock_filter)RET1;
	return n;
}

/* Offsets to load from: 0..24 (the tag and around it) and the last bytes of each frame. */
static size_t lv_offsets(uint32_t *offs)
{
	size_t n = 0;

	for (uint32_t k = 0; k <= 24; k++)
		offs[n++] = k;
	for (size_t i = 0; i < lv_nframes; i++) {
		for (uint32_t k = lv_frames[i].len - 5; k <= lv_frames[i].len; k++) {
			bool dup = false;

			for (size_t j = 0; j < n && !dup; j++)
				dup = offs[j] == k;
			if (!dup)
				offs[n++] = k;
		}
	}
	return n;
}

static void test_tc_vlan_live(void)
{
	static const char *const exprs[] = {
		"vlan", "not vlan", "vlan 100", "vlan 100 and udp", "vlan 100 and udp port 7000",
		"vlan and vlan 300", "vlan and vlan 100", "vlan 300 and vlan 100 and udp", "vlan 4095", "vlan 7",
		"vlan and ip6", "vlan and arp", "vlan and ether proto 0x88b5", "udp", "ip",
		"udp port 7000", "not udp", "ether[12:2] = 0x8100", "ether[10:4] = 0x00018100",
		"ether[13:2] = 0x00b0", "ether[15:2] = 0x6408", "ether[14:2] & 0x1000 != 0",
		"len > 80", "len > 86", "len = 90", "len >= 5000", "vlan and len < 30", "greater 100",
		"vlan and ip[0] & 0xf = 6", "vlan 100 and udp[2:2] = 7000",
		"vlan and tcp or udp dst port 7000", "vlan and ip protochain 17",
		"ip protochain 17",
	};
	static const __u32 modes[] = { PL_FILTER_F_INLINE_LOADS, PL_FILTER_F_CALL_LOADS, 0 };
	static const char *const mode_names[] = { "inline loads", "call loads", "default" };
	struct sock_filter p[32];
	uint32_t offs[128];
	long long vals[LV_MAXF];
	const char *why;
	char name[160], what[96];
	size_t noffs;

	lv_make_frames();
	why = lv_setup();
	if (why) {
		TEST_SKIP("TC on skbs with a VLAN tag in the metadata (live)", why);
		return;
	}
	noffs = lv_offsets(offs);
	for (int m = 0; m < 2; m++) {
		snprintf(name, sizeof(name),
			 "TC, VLAN tag in skb metadata (live): ld/ldh/ldb [k] at k = 0..24 and the frame ends (%s)",
			 mode_names[m]);
		TEST_BEGIN(name);
		for (unsigned int sz = 1; sz <= 4; sz *= 2) {
			for (size_t o = 0; o < noffs; o++) {
				size_t n = 0;

				for (size_t i = 0; i < lv_nframes; i++)
					vals[i] = lv_wire(i, offs[o], sz);
				p[n++] = (struct sock_filter)S(BPF_LD | (sz == 4 ? BPF_W : sz == 2 ? BPF_H : BPF_B) | BPF_ABS, offs[o]);
				n = lv_eq_list(p, n, vals, lv_nframes);
				snprintf(what, sizeof(what), "%u-byte load at %u", sz, offs[o]);
				lv_check(what, p, n, modes[m]);
			}
		}
		TEST_END();

		snprintf(name, sizeof(name),
			 "TC, VLAN tag in skb metadata (live): ld/ldh/ldb [x+k] at x+k = 0..24 and the frame ends (%s)",
			 mode_names[m]);
		TEST_BEGIN(name);
		for (unsigned int sz = 1; sz <= 4; sz *= 2) {
			for (size_t o = 0; o < noffs; o++) {
				uint32_t x = (offs[o] * 5) % 11, n = 0;

				if (x > offs[o])
					x = offs[o];
				for (size_t i = 0; i < lv_nframes; i++)
					vals[i] = lv_wire(i, offs[o], sz);
				p[n++] = (struct sock_filter)S(BPF_LDX | BPF_IMM, x);
				p[n++] = (struct sock_filter)S(BPF_LD | (sz == 4 ? BPF_W : sz == 2 ? BPF_H : BPF_B) | BPF_IND, offs[o] - x);
				n = (uint32_t)lv_eq_list(p, n, vals, lv_nframes);
				snprintf(what, sizeof(what), "%u-byte load at x %u + %u", sz, x, offs[o] - x);
				lv_check(what, p, n, modes[m]);
			}
		}
		TEST_END();

		snprintf(name, sizeof(name),
			 "TC, VLAN tag in skb metadata (live): ldxb 4*([k]&0xf), ld #len, a loop over bytes 10..17 (%s)",
			 mode_names[m]);
		TEST_BEGIN(name);
		for (size_t o = 0; o < noffs; o++) {
			size_t n = 0;

			for (size_t i = 0; i < lv_nframes; i++) {
				vals[i] = lv_wire(i, offs[o], 1);
				if (vals[i] >= 0)
					vals[i] = 4 * (vals[i] & 0xf);
			}
			p[n++] = (struct sock_filter)S(BPF_LDX | BPF_MSH | BPF_B, offs[o]);
			p[n++] = (struct sock_filter)S(BPF_MISC | BPF_TXA, 0);
			n = lv_eq_list(p, n, vals, lv_nframes);
			snprintf(what, sizeof(what), "ldxb 4*([%u]&0xf)", offs[o]);
			lv_check(what, p, n, modes[m]);
		}
		{
			size_t n = 0;

			for (size_t i = 0; i < lv_nframes; i++)
				vals[i] = lv_frames[i].len;
			p[n++] = (struct sock_filter)S(BPF_LD | BPF_W | BPF_LEN, 0);
			n = lv_eq_list(p, n, vals, lv_nframes);
			lv_check("ld #len == the wire length", p, n, modes[m]);
			/* the last byte through X = len - 1, and the byte at len (none) */
			for (size_t i = 0; i < lv_nframes; i++)
				vals[i] = lv_wire(i, lv_frames[i].len - 1, 1);
			n = 0;
			p[n++] = (struct sock_filter)S(BPF_LD | BPF_W | BPF_LEN, 0);
			p[n++] = (struct sock_filter)S(BPF_ALU | BPF_SUB | BPF_K, 1);
			p[n++] = (struct sock_filter)S(BPF_MISC | BPF_TAX, 0);
			p[n++] = (struct sock_filter)S(BPF_LD | BPF_B | BPF_IND, 0);
			n = lv_eq_list(p, n, vals, lv_nframes);
			lv_check("ldb [x+0] at x = len - 1", p, n, modes[m]);
			n = 0;
			p[n++] = (struct sock_filter)S(BPF_LDX | BPF_W | BPF_LEN, 0);
			p[n++] = (struct sock_filter)S(BPF_LD | BPF_B | BPF_IND, 0);
			p[n++] = (struct sock_filter)RET1;
			lv_check("ldb [x+0] at x = len: beyond", p, n, modes[m]);
		}
		{
			/* M[0] = sum of bytes 10..17 (M[1] the index), backward ja: loop mode */
			size_t n = 0;

			for (size_t i = 0; i < lv_nframes; i++) {
				vals[i] = 0;
				for (uint32_t k = 10; k < 18; k++)
					vals[i] += lv_wire(i, k, 1);
			}
			p[n++] = (struct sock_filter)S(BPF_LD | BPF_IMM, 0);
			p[n++] = (struct sock_filter)S(BPF_ST, 0);
			p[n++] = (struct sock_filter)S(BPF_LD | BPF_IMM, 10);
			p[n++] = (struct sock_filter)S(BPF_ST, 1);
			/* 4 */ p[n++] = (struct sock_filter)S(BPF_LDX | BPF_MEM, 1);
			p[n++] = (struct sock_filter)S(BPF_LD | BPF_B | BPF_IND, 0);
			p[n++] = (struct sock_filter)S(BPF_LDX | BPF_MEM, 0);
			p[n++] = (struct sock_filter)S(BPF_ALU | BPF_ADD | BPF_X, 0);
			p[n++] = (struct sock_filter)S(BPF_ST, 0);
			p[n++] = (struct sock_filter)S(BPF_LD | BPF_MEM, 1);
			p[n++] = (struct sock_filter)S(BPF_ALU | BPF_ADD | BPF_K, 1);
			p[n++] = (struct sock_filter)S(BPF_ST, 1);
			/* 12 */ p[n++] = (struct sock_filter)J(BPF_JMP | BPF_JEQ | BPF_K, 18, 1, 0);
			/* 13 */ p[n++] = (struct sock_filter)S(BPF_JMP | BPF_JA, (__u32)-10);
			/* 14 */ p[n++] = (struct sock_filter)S(BPF_LD | BPF_MEM, 0);
			n = lv_eq_list(p, n, vals, lv_nframes);
			lv_check("loop mode: sum of bytes 10..17", p, n, modes[m]);
		}
		TEST_END();
	}
	{
		/* like test_huge: call loads chosen on its own, a single copy with pl_vload */
		enum { N = 4400 };
		struct sock_filter *f = calloc(N + 16, sizeof(*f));
		struct pl_filter_opts o = { .hook = PL_FILTER_TC, .wirelen = PL_WIRELEN_BUFF,
					    .tail_map_fd = lv_progs };
		struct sock_fprog fp;
		struct bpf_insn *insns = NULL;
		size_t cnt = 0, n;

		TEST_BEGIN("TC, VLAN tag in skb metadata (live): 2200 IND loads, call-load mode chosen automatically");
		f[0] = (struct sock_filter)S(BPF_LDX | BPF_IMM, 0);
		for (int i = 0; i < N / 2; i++) {
			f[1 + 2 * i] = (struct sock_filter)S(BPF_LD | BPF_B | BPF_IND, (__u32)(i % 50));
			f[2 + 2 * i] = (struct sock_filter)S(BPF_ST, (__u32)(i % 16));
		}
		f[N + 1] = (struct sock_filter)S(BPF_LD | BPF_MEM, 3); /* ldb [45] */
		for (size_t i = 0; i < lv_nframes; i++)
			vals[i] = lv_wire(i, 45, 1);
		n = lv_eq_list(f, N + 2, vals, lv_nframes);
		fp.filter = f;
		fp.len = (unsigned short)n;
		CHECK(pl_filter_translate(&fp, &o, &insns, &cnt, errbuf, sizeof(errbuf)) == 0 &&
		      cnt < 12 * (N / 2) + 200, "%zu eBPF instructions: not one copy with call loads? %s",
		      cnt, errbuf);
		free(insns);
		lv_check("2200 loads", f, n, 0);
		TEST_END();
		free(f);
	}
	for (size_t x = 0; x < sizeof(exprs) / sizeof(exprs[0]); x++) {
		struct sock_fprog fp;
		int rc;

		snprintf(name, sizeof(name), "TC, VLAN tag in skb metadata (live): \"%s\"", exprs[x]);
		TEST_BEGIN(name);
		rc = pl_filter_compile(exprs[x], DLT_EN10MB, 262144, NETMASK_UNKNOWN, &fp, errbuf,
				       sizeof(errbuf));
		CHECK(rc == 0, "compile: %s", errbuf);
		for (int m = 0; rc == 0 && m < 3; m++)
			lv_check(mode_names[m], fp.filter, fp.len, modes[m]);
		pl_filter_free(&fp);
		TEST_END();
	}
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
	test_offsets_beyond();
	test_live_ancillary();
	test_rejects();
	test_wirelen_buff();
	test_tail_call();
	test_far_jump();
	test_huge();
	test_compile();
	test_tc_vlan_live(); /* last: it moves this process into a network namespace of its own */
	return check_summary();
}
