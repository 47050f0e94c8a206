/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pktlens.h - the one header shared by the BPF programs (bpf/) and user space (src/).
 *
 * Fixed-width types only: every struct here is a map key, a map value or a ring-buffer
 * event, laid out identically on both sides. Enums double as metric labels, so their
 * names (pl_*_name() in src/analysis/names.c) are part of the JSON output contract.
 */
#ifndef PKTLENS_H
#define PKTLENS_H

#include <linux/types.h>

#define PL_VLAN_MAX_DEPTH 2 /* 802.1ad outer + 802.1Q inner */
#ifndef PL_IPV6_EXT_MAX
#define PL_IPV6_EXT_MAX 8
#endif   /* extension headers walked before giving up */
#define PL_ENCAP_MAX_DEPTH 1 /* one GRE/VXLAN level is decapsulated and counted */
#define PL_FLOWS_DEFAULT 65536
#define PL_VXLAN_PORT 4789

/* Network-layer protocol classes counted per packet (outer and inner headers). */
enum pl_l3 {
	PL_L3_OTHER = 0,
	PL_L3_IPV4,
	PL_L3_IPV6,
	PL_L3_ARP,
	PL_L3_MAX,
};

/* Transport classes. FRAG counts IP fragments that carry no L4 header (non-first). */
enum pl_l4 {
	PL_L4_NONE = 0, /* no L3 that carries L4 (ARP, other ethertypes) */
	PL_L4_TCP,
	PL_L4_UDP,
	PL_L4_ICMP,
	PL_L4_ICMPV6,
	PL_L4_SCTP,
	PL_L4_GRE,
	PL_L4_FRAG,
	PL_L4_OTHER,
	PL_L4_MAX,
};

/* Why a packet was counted as malformed. Parsing stops at the first problem. */
enum pl_malformed {
	PL_MAL_NONE = 0,
	PL_MAL_TRUNC_ETH,
	PL_MAL_TRUNC_VLAN,
	PL_MAL_VLAN_TOO_DEEP,
	PL_MAL_TRUNC_ARP,
	PL_MAL_TRUNC_IPV4,
	PL_MAL_BAD_IPV4_VERSION,
	PL_MAL_BAD_IPV4_IHL,
	PL_MAL_BAD_IPV4_TOTLEN,
	PL_MAL_TRUNC_IPV6,
	PL_MAL_BAD_IPV6_VERSION,
	PL_MAL_BAD_IPV6_PAYLOAD_LEN,
	PL_MAL_BAD_IPV6_EXT_CHAIN,
	PL_MAL_TRUNC_TCP,
	PL_MAL_BAD_TCP_DOFF,
	PL_MAL_TRUNC_UDP,
	PL_MAL_BAD_UDP_LEN,
	PL_MAL_TRUNC_ICMP,
	PL_MAL_TRUNC_ICMPV6,
	PL_MAL_TRUNC_SCTP,
	PL_MAL_TRUNC_GRE,
	PL_MAL_BAD_GRE_VERSION,
	PL_MAL_TRUNC_VXLAN,
	PL_MAL_MAX,
};

/* Encapsulations that were opened to count the inner packet. */
enum pl_encap {
	PL_ENCAP_NONE = 0,
	PL_ENCAP_GRE,
	PL_ENCAP_VXLAN,
	PL_ENCAP_MAX,
};

/* Packet-size histogram (frame length, like `ip -s` / ethtool rmon buckets). */
enum pl_size_bucket {
	PL_SZ_LE64 = 0, /* <= 64 */
	PL_SZ_LE127,
	PL_SZ_LE255,
	PL_SZ_LE511,
	PL_SZ_LE1023,
	PL_SZ_LE1518,
	PL_SZ_JUMBO, /* > 1518 */
	PL_SZ_MAX,
};

/*
 * All per-packet counters in one per-CPU array slot: one map lookup per packet.
 * User space sums the slot over every possible CPU.
 */
struct pl_stats {
	__u64 packets;
	__u64 bytes;
	__u64 l3_packets[PL_L3_MAX];
	__u64 l3_bytes[PL_L3_MAX];
	__u64 l4_packets[PL_L4_MAX];
	__u64 l4_bytes[PL_L4_MAX];
	__u64 inner_l3_packets[PL_L3_MAX]; /* headers inside GRE/VXLAN */
	__u64 inner_l4_packets[PL_L4_MAX];
	__u64 size_hist[PL_SZ_MAX];
	__u64 malformed[PL_MAL_MAX];
	__u64 encap[PL_ENCAP_MAX];
	__u64 vlan_tagged;  /* packets with >= 1 VLAN tag */
	__u64 qinq;         /* packets with two tags */
	__u64 ipv4_frag_first;
	__u64 ipv4_frag_later;
	__u64 ipv6_frag_first;
	__u64 ipv6_frag_later;
	__u64 ipv4_options;  /* IPv4 headers longer than 20 bytes */
	__u64 ipv6_ext;      /* IPv6 packets with >= 1 extension header */
	__u64 tcp_flags[256]; /* index: TCP flags byte (CWR..FIN) */
	__u64 flows_created;  /* new flow-table entries; evictions = created - live */
	__u64 flow_update_fail; /* map update errors (other than a lost insert race) */
	__u64 capture_copied;   /* packets copied to the ring buffer */
	__u64 capture_lost;     /* ring buffer full: packet matched but not copied */
	__u64 hdr_cut;          /* headers ran past the bytes held of a longer frame */
};

/*
 * Flow key: the 5-tuple normalized so that both directions of a conversation map to
 * one entry. Endpoint "a" is the numerically lower (addr, port) pair. IPv4 addresses
 * are stored as IPv4-mapped IPv6 (::ffff:a.b.c.d).
 */
struct pl_flow_key {
	__u32 addr_a[4]; /* raw address bytes (network order), viewed as words */
	__u32 addr_b[4];
	__u16 port_a; /* network byte order; ICMP/ICMPv6 echo: the id in both, else 0 */
	__u16 port_b;
	__u8 proto;   /* IP protocol number */
	__u8 family;  /* 4 or 6 */
	__u16 vlan;   /* innermost VLAN id, 0 if untagged */
};

enum pl_flow_dir {
	PL_DIR_A_TO_B = 0,
	PL_DIR_B_TO_A = 1,
};

struct pl_flow_value {
	__u64 packets[2]; /* indexed by enum pl_flow_dir */
	__u64 bytes[2];
	__u64 first_seen_ns; /* program clock: ktime live, capture time offline */
	__u64 last_seen_ns;
	__u32 tcp_flags;     /* OR of flags seen: bits 0-7 from a, bits 8-15 from b */
	__u8 initiator;      /* enum pl_flow_dir of the first packet seen */
	__u8 pad[3];
};

/*
 * Offline input: analyze writes these into the program's .bss (mmapped) before each
 * BPF_PROG_TEST_RUN so that time and frame length come from the capture. One slot per
 * CPU: a test run executes on the calling thread's CPU, so worker threads pinned to
 * different CPUs never share a slot.
 *
 * One run carries up to PL_OFFLINE_BATCH frames (n), packed last-first in the buffer:
 * [frame n-1] ... [frame 1] [frame 0]. The program moves the buffer's start and end
 * onto each frame in turn (bpf_xdp_adjust_head/_tail), so that a syscall's fixed cost
 * is shared; every frame still sees exactly its own bytes. n of 0 or 1: the buffer is
 * one frame (which may be larger than a page: multi-buffer).
 */
#define PL_OFFLINE_SLOTS 64
#define PL_OFFLINE_BATCH 16          /* frames per run, a power of 2 */
#define PL_OFFLINE_BATCH_BYTES 3000  /* packed frames stay in the first page (linear) */
struct pl_offline_frame {
	__u64 ts_ns;    /* capture timestamp, ns since the epoch */
	__u32 wire_len; /* original frame length (the file may hold fewer bytes) */
	__u32 cap_len;  /* bytes in the buffer (batches only) */
};

struct pl_offline_input {
	__u32 n;   /* frames in this run; 0 or 1: one */
	__u32 cur; /* the frame being run: set by the program */
	struct pl_offline_frame f[PL_OFFLINE_BATCH];
};

/* Largest snap length a capture may ask for (ring-buffer reservation is fixed). */
#define PL_SNAPLEN_MAX 65535

/* Ring-buffer event header. */
enum pl_event_type {
	PL_EV_NONE = 0,
	PL_EV_PACKET = 1, /* captured packet: pl_pkt_event + data */
};

struct pl_pkt_event {
	__u32 type;     /* PL_EV_PACKET */
	__u32 cap_len;  /* bytes of packet data following the header */
	__u32 wire_len; /* original frame length */
	__u32 ifindex;
	__u64 ts_ns;    /* bpf_ktime_get_ns(); user space converts to wall-clock */
	__u16 vlan_tci;     /* TC: a tag the kernel moved out of the frame into skb */
	__u16 vlan_proto;   /*     metadata, and its TPID (network order); user space */
	__u32 vlan_present; /*     puts it back at offset 12 so the file has the wire frame */
};

/* TCP flag bits as they appear in byte 13 of the TCP header. */
#define PL_TCP_FIN 0x01
#define PL_TCP_SYN 0x02
#define PL_TCP_RST 0x04
#define PL_TCP_PSH 0x08
#define PL_TCP_ACK 0x10
#define PL_TCP_URG 0x20
#define PL_TCP_ECE 0x40
#define PL_TCP_CWR 0x80

/*
 * ---- L7: flow-start sampling and per-application counting (bpf/l7.h, src/l7/) ----
 * Flow-start samples in the L7 ring buffer, the verdict user space writes back per
 * flow, and the kernel's per-application counters.
 */
#define PL_L7_PKTS_DEFAULT 8    /* packets sampled per flow and direction */
#define PL_L7_PKTS_MAX     64
#define PL_L7_SNAP         1536 /* bytes of each sampled frame (fixed reservation): a full
				  * frame at the standard MTU, so a hello is seldom cut */
#define PL_L7_APP_MAX      512  /* nDPI protocol ids counted; larger ids count in the last */
#define PL_L7_CAT_MAX      128  /* nDPI category ids counted */

/* A sampled frame: this header, then cap_len bytes of the frame from its L2 header. */
struct pl_l7_sample {
	struct pl_flow_key key; /* normalized, as in pl_flows */
	__u64 ts_ns;            /* program clock (capture time offline) */
	__u32 cap_len;
	__u32 wire_len;
	__u8 dir;               /* enum pl_flow_dir of this packet relative to key */
	__u8 egress;            /* from the tc egress program */
	__u8 vlan_pre;          /* tc: the frame's tag is in skb metadata (not in the bytes) */
	__u8 pad[5];
};

/* Written by user space once a flow is classified; the kernel counts by it. */
struct pl_l7_verdict_val {
	__u16 app;      /* nDPI app protocol id, else the master's; 0: Unknown */
	__u16 master;
	__u16 category;
	__u16 pad;
};

struct pl_l7_count {
	__u64 packets;
	__u64 bytes;
};

/*
 * Live, what the tc egress program saw leave per flow (pl_l7_egress, keyed like
 * pl_flows): it decides which packets to sample, and gives EVE flow events the
 * direction that ingress-only pl_flows lacks.
 */
struct pl_l7_egress_val {
	__u64 packets[2]; /* indexed by enum pl_flow_dir */
	__u64 bytes[2];
};

/* Per-CPU: index 0 of app/category holds packets of flows with no verdict (yet). */
struct pl_l7_counters {
	__u64 sampled;  /* frames copied to the L7 ring */
	__u64 lost;     /* frames to sample that did not fit the ring */
	struct pl_l7_count app[PL_L7_APP_MAX];
	struct pl_l7_count category[PL_L7_CAT_MAX];
};

#endif /* PKTLENS_H */
