/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cbpf.h - tcpdump filter expressions for pktlens's BPF programs.
 *
 * A filter expression is compiled by libpcap to classic BPF (pl_filter_compile), the
 * classic program is translated to a complete eBPF program (pl_filter_translate) and
 * that program is loaded with libbpf's bpf_prog_load() (pl_filter_load). The code is
 * in src/filter/: compile.c, analyse.c, translate.c with packet_loads.c, prog_load.c
 * (cbpf_internal.h lists them).
 *
 * Header design: libpcap's <pcap/bpf.h> defines a classic `struct bpf_insn` and
 * `struct bpf_program`, which clash with <linux/bpf.h>'s eBPF `struct bpf_insn` and
 * libbpf's opaque `struct bpf_program`. This header therefore never includes libpcap:
 * classic programs are passed as the kernel's `struct sock_fprog` / `struct sock_filter`
 * (<linux/filter.h>), whose layout is identical to libpcap's classic instruction
 * ({u16 code; u8 jt; u8 jf; u32 k}), and eBPF instructions are <linux/bpf.h>'s
 * `struct bpf_insn`. A file may include this header together with <bpf/bpf.h> and
 * <bpf/libbpf.h>. A file that also needs libpcap must rename libpcap's two tags, e.g.
 *
 *     #define bpf_insn pcap_bpf_insn
 *     #define bpf_program pcap_bpf_program
 *     #include <pcap/pcap.h>
 *     #undef bpf_insn
 *     #undef bpf_program
 *
 * before including this header (see src/filter/compile.c and tests/filter/difftest.c).
 *
 * All functions return 0 (or a file descriptor) on success and a negative errno on
 * failure; when err/log is non-NULL it receives a NUL-terminated message (truncated to
 * its length). None of them keeps a pointer to its arguments after it returns.
 */
#ifndef PKTLENS_FILTER_CBPF_H
#define PKTLENS_FILTER_CBPF_H

#include <stddef.h>
#include <linux/bpf.h>
#include <linux/filter.h>

/* Which program type the translated program is for. */
enum pl_filter_hook {
	PL_FILTER_XDP, /* BPF_PROG_TYPE_XDP, ctx is struct xdp_md */
	PL_FILTER_TC,  /* BPF_PROG_TYPE_SCHED_CLS, ctx is struct __sk_buff */
};

/* Where the classic "len" (wire length, BPF_LD|BPF_W|BPF_LEN) comes from. */
enum pl_filter_wirelen {
	PL_WIRELEN_BUFF, /* XDP: bpf_xdp_get_buff_len(ctx); TC: skb->len, + 4 when the
			  * skb carries a VLAN tag in its metadata (the wire length) */
	PL_WIRELEN_MAP,  /* the __u32 at byte wirelen_off of the value of key 0 of the array
			  * map wirelen_map_fd (e.g. the .bss of the main object): offline,
			  * where the capture's original length differs from the bytes we have */
};

struct pl_filter_opts {
	enum pl_filter_hook hook;
	enum pl_filter_wirelen wirelen;
	int wirelen_map_fd; /* PL_WIRELEN_MAP only; the fd is used while translating (it is
			     * embedded in the instructions) and must stay open until the
			     * program is loaded; value_size must be >= wirelen_off + 4 */
	__u32 wirelen_off;
	int tail_map_fd;    /* >= 0 (a BPF_MAP_TYPE_PROG_ARRAY): on match
			     * bpf_tail_call(ctx, tail_map_fd, tail_index), and PASS if that
			     * fails; on no match PASS (XDP_PASS / TC_ACT_OK).
			     * -1: verdict epilogue: match -> XDP_PASS / TC_ACT_OK,
			     * no match -> XDP_DROP / TC_ACT_SHOT (used by tests). */
	__u32 tail_index;
	__u32 flags;        /* PL_FILTER_F_*, 0 for the defaults */
};

/*
 * Packet loads are inline (direct access, helper fallback) unless the program is so
 * large that the verifier would give up on its branches (about 4000 loads and
 * conditional jumps): then each load calls a global function instead. These force
 * one or the other (tests).
 */
#define PL_FILTER_F_CALL_LOADS   (1u << 0)
#define PL_FILTER_F_INLINE_LOADS (1u << 1)
/*
 * The program runs on packets a live interface received (pktlens sees ingress only).
 * Then the two Linux ancillary loads libpcap emits for a live capture are translated
 * (any load size, as the kernel does): SKF_AD_OFF + SKF_AD_PKTTYPE ("inbound",
 * "outbound") reads __sk_buff->pkt_type at TC and PACKET_HOST in XDP, never
 * PACKET_OUTGOING, so "inbound" matches every packet and "outbound" none;
 * SKF_AD_OFF + SKF_AD_IFINDEX ("ifindex N") reads the receiving interface's index
 * (xdp_md->ingress_ifindex, __sk_buff->ifindex). Without it they are refused
 * (-EOPNOTSUPP): offline there is no such data.
 */
#define PL_FILTER_F_LIVE_INGRESS (1u << 2)

/* pcap_compile()'s "netmask unknown" (PCAP_NETMASK_UNKNOWN): "ip broadcast" fails. */
#define PL_FILTER_NETMASK_UNKNOWN 0xffffffffu

/*
 * The IPv4 netmask of interface ifname for pl_filter_compile(), in host byte order as
 * pcap_compile() takes it (from pcap_lookupnet(), as tcpdump; no privileges needed),
 * PL_FILTER_NETMASK_UNKNOWN when the interface has no IPv4 address or cannot be asked.
 */
__u32 pl_filter_netmask(const char *ifname);

/*
 * Compile the tcpdump expression `expr` with libpcap (pcap_compile() on
 * pcap_open_dead(linktype, snaplen), optimized, with `netmask` as pcap_compile() takes
 * it: pl_filter_netmask() or PL_FILTER_NETMASK_UNKNOWN).
 * On success out->filter is a malloc()ed array of out->len instructions owned by the
 * caller, to be released with pl_filter_free(). On failure *out is zeroed and the
 * return is -EINVAL with libpcap's own error text (pcap_geterr) in err, -E2BIG if the
 * program has more than 65535 instructions, -ENOMEM.
 */
int pl_filter_compile(const char *expr, int linktype, int snaplen, __u32 netmask,
		      struct sock_fprog *out, char *err, size_t errlen);

/* Free what pl_filter_compile() allocated and zero *prog. NULL-safe. */
void pl_filter_free(struct sock_fprog *prog);

/*
 * Translate the classic program `cbpf` (not modified, not retained) into a complete
 * eBPF program for o->hook. Classic semantics are kept exactly (those of libpcap's
 * interpreter pcap_offline_filter(): 32-bit unsigned A and X, a load beyond the packet
 * or a division by X == 0 ends the filter with no match, a RET value != 0 is a match).
 *
 * The program sees the frame as it was on the wire, like tcpdump. At TC the kernel may
 * hold the outer VLAN tag in skb metadata instead of the frame (always for a received
 * 802.1Q/802.1ad frame at ingress): then the TC program reads the frame with the tag
 * put back at offset 12 (vlan_proto, then vlan_tci, network order) and its "len" is
 * skb->len + 4; see "VLAN tags at TC" in translate.c. XDP programs see tags inline.
 *
 * Backward jumps (libpcap's "protochain") are run in a bpf_loop() callback, at most
 * 16384 of them per packet (then no match). XDP cannot read at packet offsets above
 * 0xffff (a bpf_xdp_load_bytes() limit): such loads do not match. Needs kernel >= 6.4
 * only for programs with a jump longer than 32767 eBPF instructions (gotol).
 *
 * On success *insns is a malloc()ed array of *cnt eBPF instructions owned by the caller
 * (free() it). On failure *insns is NULL and *cnt 0, and:
 *   -EOPNOTSUPP  an instruction it cannot translate (Linux ancillary or negative-offset
 *                loads: a constant offset in [SKF_LL_OFF, 2^32) but for the two of
 *                PL_FILTER_F_LIVE_INGRESS; unknown opcodes); the message names the
 *                instruction index, and the program is never silently widened to
 *                match everything. libpcap emits ancillary loads for "inbound",
 *                "outbound" and "ifindex" on link types other than LINUX_SLL/SLL2
 *                (pcap_open_dead() handles, as here, never get them for "vlan").
 *                A constant offset in [2^31, SKF_LL_OFF) is beyond any packet, as in
 *                libpcap's interpreter and the kernel: that load ends with no match;
 *   -EINVAL      an invalid classic program (jump out of range, scratch index >= 16,
 *                division by constant 0, shift by constant >= 32, not ending in RET),
 *                or bad opts;
 *   -E2BIG       a jump too long to encode; -ENOMEM.
 */
int pl_filter_translate(const struct sock_fprog *cbpf, const struct pl_filter_opts *o,
			struct bpf_insn **insns, size_t *cnt, char *err, size_t errlen);

/*
 * Load a translated program with bpf_prog_load() (license "Dual BSD/GPL"; XDP programs
 * with expected_attach_type BPF_XDP like libbpf's SEC("xdp"), TC ones with 0).
 * prog_flags is passed through: BPF_F_XDP_HAS_FRAGS lets an XDP program see
 * multi-buffer frames. A tail-call target must agree with the filter program on the
 * program type, expected_attach_type and BPF_F_XDP_HAS_FRAGS (the kernel checks the
 * prog array's owner). Programs with subprograms (the bpf_loop() callback of backward
 * jumps, the load functions of call-load mode) get generated BTF func_info. Returns the program fd (the caller owns it and close()s
 * it) or a negative errno with the verifier log (or a description of the error) in log.
 */
int pl_filter_load(const struct bpf_insn *insns, size_t cnt, enum pl_filter_hook hook,
		   __u32 prog_flags, char *log, size_t loglen);

#endif /* PKTLENS_FILTER_CBPF_H */
