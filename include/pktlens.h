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
#define PL_MPLS_MAX_LABELS 8 /* label stack entries walked before giving up */
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
	/* link-layer shims and IPv4's AH (issue 17) */
	PL_MAL_TRUNC_PPPOE,   /* PPPoE header or PPP protocol cut */
	PL_MAL_TRUNC_MPLS,    /* a label stack entry cut */
	PL_MAL_MPLS_TOO_DEEP, /* no bottom of stack within PL_MPLS_MAX_LABELS */
	PL_MAL_TRUNC_AH,      /* IPv4 authentication header cut */
	PL_MAL_MAX,
};

/* Encapsulations that were opened to count the inner packet. */
enum pl_encap {
	PL_ENCAP_NONE = 0,
	PL_ENCAP_GRE,
	PL_ENCAP_VXLAN,
	PL_ENCAP_MAX,
};

/*
 * Link-layer headers between Ethernet (and its tags) and the network layer. Not
 * tunnels: the IP packet behind them is the outer one (l3, l4, flows).
 */
enum pl_link {
	PL_LINK_PPPOE_SESSION = 0, /* 0x8864: PPP's IPv4 (0x0021) and IPv6 (0x0057) opened */
	PL_LINK_PPPOE_DISCOVERY,   /* 0x8863: counted, nothing inside */
	PL_LINK_MPLS,              /* 0x8847/0x8848: IP under the bottom label by its nibble */
	PL_LINK_MAX,
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
	/* link-layer shims and TSO (issue 17, parsing) */
	__u64 link[PL_LINK_MAX]; /* enum pl_link */
	__u64 tso;               /* outer IP length 0 on a longer frame: taken from the frame */
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

/*
 * Bit 16 (from a) or 17 (from b) of tcp_flags: a SYN without ACK from that side with 12
 * or more bytes of TCP options, as operating systems' connect() sends them; raw
 * scanners' SYNs carry the MSS at most (detection names connect scans by it).
 */
#define PL_FLOW_OS_SYN 0x10000u
struct pl_flow_value {
	__u64 packets[2]; /* indexed by enum pl_flow_dir */
	__u64 bytes[2];
	__u64 first_seen_ns; /* program clock: ktime live, capture time offline */
	__u64 last_seen_ns;
	__u32 tcp_flags;     /* OR of flags seen: bits 0-7 from a, bits 8-15 from b; and
			      * PL_FLOW_OS_SYN << dir */
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
	__u32 wire_len; /* original frame length (the file may hold fewer bytes), Ethernet
			 * framing: the synthetic header of a converted link type counted */
	__u32 cap_len;  /* bytes in the buffer (batches only) */
	__u32 frame_len; /* the capture's own frame length, which every counter counts
			  * (0: wire_len) */
	__u32 pad;
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

/*
 * ---- Talkers (issue 17, counting): addresses, ports and ICMP types counted on their
 * own, apart from the flow table, so that a flood that evicts flows leaves them whole.
 */
/*
 * Address tables (sources, destinations): set-associative arrays of PL_ADDR_BUCKETS
 * buckets of PL_ADDR_WAYS slots, the bucket picked by bits of the address's hash (the
 * one its peers' sketches take), so that a packet costs no hash-table walk. A new
 * address takes a free slot of its bucket, else the one with the fewest packets,
 * which is counted as evicted.
 */
#define PL_ADDR_WAYS 4
#define PL_ADDR_BUCKETS 16384 /* the default: a power of two */
#define PL_ADDR_IDX_SHIFT 21  /* hash bits of the bucket: above the sketches' rank bits */
#define PL_ADDRS_DEFAULT (PL_ADDR_BUCKETS * PL_ADDR_WAYS)
/* Addresses a table holds (--addresses): a power of two in these bounds, set at load. */
#define PL_ADDRS_MIN 64
#define PL_ADDRS_MAX (1u << 20)

/*
 * Spread sketch: a HyperLogLog of PL_HLL_REGS 4-bit registers (PL_HLL_BYTES bytes).
 * A 64-bit hash's top PL_HLL_BITS bits pick the register; its low 14 bits give the
 * rank (1 + trailing zeros, at most PL_HLL_RANK_MAX). Relative standard error of the
 * estimate: 1.04 / sqrt(128) = 9.2 %; small sets are counted nearly exactly.
 */
#define PL_HLL_BITS 7
#define PL_HLL_REGS (1 << PL_HLL_BITS)
#define PL_HLL_BYTES (PL_HLL_REGS / 2)
#define PL_HLL_Q 14 /* hash bits that give the rank */
#define PL_HLL_RANK_MAX (PL_HLL_Q + 1)
#define PL_HLL_NONZERO (1ULL << 32) /* a hash bit the sketch does not read */

/* An address as user space asks for it: as in struct pl_flow_key, and its family. */
struct pl_addr_key {
	__u32 addr[4]; /* IPv4 as IPv4-mapped IPv6 */
	__u32 family;  /* 4 or 6 */
};

/* The counters of a slot; bit 63 of packets marks an IPv6 address (PL_ADDR_V6). */
#define PL_ADDR_V6 (1ULL << 63)
#define PL_ADDR_PKTS(p) ((p) & ~PL_ADDR_V6)

struct pl_addr_slot {
	__u32 addr[4];
	__u64 packets; /* 0: free; PL_ADDR_V6 | count */
	__u64 bytes;
};

/*
 * Spread of an address: distinct peers, i.e. destinations (pl_srcs) or sources
 * (pl_dsts), and distinct (protocol, destination port) pairs of its TCP, UDP and SCTP
 * packets.
 */
struct pl_addr_sketch {
	__u8 peers[PL_HLL_BYTES]; /* sketch of the other end's addresses */
	__u8 ports[PL_HLL_BYTES]; /* sketch of (protocol << 16 | destination port) */
};

/*
 * An entry of pl_srcs and pl_dsts (128 bytes). Entries below PL_ADDR_BUCKETS are the
 * buckets' slots, which every packet reads: 2 MiB, dense, so that the pages and cache
 * lines a packet touches stay few. Entry PL_ADDR_BUCKETS + bucket * PL_ADDR_WAYS + way
 * holds that way's sketches, which only a flow's first packet in a direction updates.
 */
union pl_addr_entry {
	struct pl_addr_slot slot[PL_ADDR_WAYS];
	struct pl_addr_sketch sk;
};

#define PL_ADDR_ENTRIES_OF(buckets) ((buckets) * (1 + PL_ADDR_WAYS))
#define PL_ADDR_ENTRIES PL_ADDR_ENTRIES_OF(PL_ADDR_BUCKETS)
#define PL_ADDR_SKETCH_OF(buckets, bucket, way) ((buckets) + (bucket) * PL_ADDR_WAYS + (way))

/* One address's counters and sketches, as user space reads them out. */
struct pl_addr_value {
	__u64 packets;
	__u64 bytes;
	__u8 peers[PL_HLL_BYTES];
	__u8 ports[PL_HLL_BYTES];
};

/* Ports: one array slot per (kind, port); key kind << 16 | port (host order). */
enum pl_port_kind {
	PL_PORT_TCP_DST = 0,
	PL_PORT_UDP_DST,
	PL_PORT_UDP_SRC, /* services answering: DNS 53, NTP 123, SNMP 161, ... */
	PL_PORT_SCTP_DST,
	PL_PORT_KINDS,
};

struct pl_count {
	__u64 packets;
	__u64 bytes;
};

/* ICMP (0) and ICMPv6 (1) by type and code: an array, packets per key. */
#define PL_ICMP_KEY(v6, type, code) ((__u32)(v6) << 16 | (__u32)(type) << 8 | (code))
#define PL_ICMP_SLOTS (2 << 16)

/* Counters of the address tables (per-CPU, touched only when an entry is made). */
struct pl_talk_stats {
	__u64 created[2]; /* entries made: [0] sources, [1] destinations */
	__u64 evicted[2]; /* entries that made room for a new address */
	__u64 update_fail; /* a bucket could not be read (never, with the tables loaded) */
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
 * Kernel drop reasons (bpf/drops.bpf.c, `pktlens drops`): one counter per reason,
 * network namespace, receiving interface and transport port. The reason is the
 * kernel's enum skb_drop_reason value as is; user space names it from the running
 * kernel's BTF.
 */
#define PL_DROP_KEYS_DEFAULT 16384
#define PL_DROP_LOCS_DEFAULT 4096

struct pl_drop_key {
	__u32 reason;   /* enum skb_drop_reason */
	__u32 netns;    /* inode of the device's network namespace; 0: unknown */
	__s32 ifindex;  /* device the packet was on (or arrived on); 0: none */
	__u8 l3;        /* 4, 6, or 0 when the network header was not readable */
	__u8 l4proto;   /* IP protocol number when l3 is set */
	__u16 dport;    /* TCP/UDP/SCTP destination port, host order; 0: none */
};

/* Where the kernel freed the packet: dropwatch's "drops at SYMBOL+OFF". */
struct pl_drop_loc {
	__u64 location; /* kernel text address passed to the tracepoint */
	__u32 reason;
	__u32 pad;
};

/* Per-CPU totals of the drops program (array pl_drop_totals). */
enum pl_drop_total {
	PL_DT_COUNTED = 0,  /* drops of received packets, counted in pl_drops */
	PL_DT_CONSUMED,     /* frees that are not drops (SKB_CONSUMED), skipped */
	PL_DT_NOT_RECEIVED, /* drops of packets this host sent (not received), skipped */
	PL_DT_OTHER_IF,     /* drops on other interfaces or namespaces (-i), skipped */
	PL_DT_KEYS_FULL,    /* counted, but pl_drops was full: in no per-key row */
	PL_DT_LOCS_FULL,    /* counted, but pl_drop_locs was full */
	PL_DT_MAX,
};

/*
 * XDP verdicts (bpf/xdp_verdicts.bpf.c): what the XDP program of an interface returned,
 * by action; the last slot counts values that are no action.
 */
#define PL_XDP_ACTS 6 /* XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT, other */

/* ---- mitigation (pktlens protect, block/unblock/blocked) ---------------------------- */

/*
 * The blocklist (bpf/blocklist.h): source prefixes -> rule id by longest-prefix match.
 * Every prefix is stored in its family's hash, keyed by (length, address masked to it).
 * Per /16 of the address (pl_bl_top4/6) the kernel finds, in one load, the longest
 * prefix of /0-/16 holding that /16 (user space expands them there), and for IPv4 a
 * summary of the longer lengths present in that /16, one bit each; for IPv6 the
 * summary of /32-/128 is kept per hash of the /32 (pl_bl_sum6), and /17-/31 are
 * probed from pl_bl_cfg.len[]. Each hash probe sits behind a Bloom-style filter (one
 * word, two bits). User space (src/mitigate/blocklist.c) keeps all of it consistent.
 * Addresses are in network order.
 */
#define PL_BL_SHORT 16          /* /0-/16: expanded into the /16 tables */
#define PL_BL_TOP 65536         /* entries of the /16 tables */
#define PL_BL_SUM6 65536        /* IPv6 summaries, by a hash of the /32 */
#define PL_BL_ENTRIES_DEFAULT (1 << 20)
#define PL_BL_BLOOM_WORDS_DEFAULT (1 << 15) /* 64-bit words, a power of 2 */

struct pl_bl4_key {
	__u32 plen;
	__u32 addr;    /* masked to plen */
};

struct pl_bl6_key {
	__u32 plen;
	__u32 addr[4]; /* masked to plen */
};

struct pl_bl_val {
	__u32 rule;    /* the rule this prefix belongs to (index into pl_rules) */
	__u32 plen;
};

/*
 * One /16: the longest /0-/16 prefix holding it (rule 0: none) and, IPv4 only, bit
 * 32 - L for each length L of /17-/32 present under it (longest first from bit 0).
 */
struct pl_bl_top {
	__u64 sum;
	__u32 rule;
	__u32 plen;
};

/* IPv6 summary entry: w[0] bit 128 - L for /65-/128, w[1] bit 64 - L for /32-/64. */
struct pl_bl_sum6 {
	__u64 w[2];
};

/* One per family (key 0: IPv4, 1: IPv6). */
struct pl_bl_cfg {
	__u32 bloom_mask;   /* words of pl_bl_bloom - 1; 0: no filter */
	__u32 nlen;         /* IPv6: lengths of /17-/31 present, in len[] longest first */
	__u8 len[16];
};

/* Multiplicative hashes (the filter and the IPv6 summary); user space uses the same. */
static inline __u64 pl_bl_hash4(__u32 plen, __u32 addr)
{
	return (((__u64)plen << 32 | addr) + 0x632be59bd9b4e019ULL) * 0x9e3779b97f4a7c15ULL;
}

static inline __u64 pl_bl_hash6(__u32 plen, const __u32 *a)
{
	__u64 x = ((__u64)a[0] << 32 | a[1]) * 0x9e3779b97f4a7c15ULL;

	x ^= ((__u64)a[2] << 32 | a[3]) + ((__u64)plen << 24);
	return (x ^ x >> 29) * 0xbf58476d1ce4e5b9ULL;
}

static inline __u32 pl_bl_sum6_index(__u32 a0)
{
	return (__u32)((a0 * 0x9e3779b1u) >> 16) & (PL_BL_SUM6 - 1);
}

/* The filter word of hash @h and the two bits it must hold (one load per probe). */
static inline __u32 pl_bloom_word(__u64 h, __u32 mask)
{
	return (__u32)(h >> 40) & mask;
}

static inline __u64 pl_bloom_bits(__u64 h)
{
	return 1ULL << (h >> 28 & 63) | 1ULL << (h >> 34 & 63);
}

/*
 * Rules (bpf/mitigate.h). Each rule has a slot in pl_rules (its meta data, which the
 * kernel reads for expiry, rate and dry-run) and in pl_rule_stats (its counters); its
 * prefixes live in the blocklist (block and list rules) or in the LPM tries pl_allow,
 * pl_port_rules and pl_rate_rules, keyed by struct pl_rule_key.
 */
#define PL_RULES_MAX 4096
#define PL_RATE_SOURCES_DEFAULT 65536 /* per-source rate states (LRU) */
#define PL_ALLOW_MAX 65536
#define PL_PORT_RULES_MAX 65536

enum pl_rule_kind {
	PL_RULE_NONE = 0,
	PL_RULE_BLOCK,    /* a CIDR: every packet from it */
	PL_RULE_PORT,     /* a CIDR and a destination port and/or protocol */
	PL_RULE_ALLOW,    /* never dropped, whatever else matches */
	PL_RULE_RATE,     /* per source address of a CIDR: at most pps, bursts of burst */
	PL_RULE_LIST,     /* a blocklist file: many prefixes, one rule */
	PL_RULE_KIND_MAX,
};

/* Why a packet was dropped (or, dry run, would have been). */
enum pl_mit_reason {
	PL_MIT_NONE = 0,
	PL_MIT_BLOCK,    /* block or list rule */
	PL_MIT_PORT,
	PL_MIT_RATE,
	PL_MIT_MAX,
};

enum pl_rule_origin {
	PL_ORIGIN_CLI = 0,   /* pktlens block */
	PL_ORIGIN_FILE,      /* protect --rules */
	PL_ORIGIN_IMPLICIT,  /* the host's own addresses and gateway (allow) */
	PL_ORIGIN_AUTO,      /* protect's automatic blocks (detection, drop signatures) */
};

#define PL_RULE_F_ALERT 0x01 /* count only, never drop */
#define PL_RULE_F_AGGREGATE 0x02 /* rate rules: one bucket for every source of the CIDR */
/*
 * Port rules: the port is the packet's source port (reflected answers come from a
 * service's port), and frames shorter than min_len pass. In pl_port_rules under a
 * key whose family carries PL_RULE_KEY_SPORT, counted in pl_mit_cfg.n_sport.
 */
#define PL_RULE_F_SPORT 0x04
#define PL_RULE_KEY_SPORT 0x80

struct pl_rule {
	__u8 kind;        /* enum pl_rule_kind; 0: free slot */
	__u8 family;      /* 4 or 6 (list rules: 0, both) */
	__u8 plen;
	__u8 proto;       /* IP protocol, 0: any */
	__u16 port;       /* destination port, network order, 0: any */
	__u8 origin;      /* enum pl_rule_origin */
	__u8 flags;       /* PL_RULE_F_* */
	__u32 addr[4];    /* network order; IPv4 in addr[0] */
	__u64 expires_ns; /* CLOCK_MONOTONIC; 0: never */
	__u64 created_s;  /* wall clock, seconds */
	__u32 pps;        /* rate rules */
	__u32 burst;
	__u32 entries;    /* list rules: prefixes */
	__u32 line;       /* origin FILE: its line; origin AUTO: the alert's sid */
	char label[32];   /* list rules: the file's name; else a comment */
	__u32 min_len;    /* source-port rules: frames (wire bytes) shorter than this pass */
	__u32 pad;
};

struct pl_rule_stats {
	__u64 packets;
	__u64 bytes;
};

struct pl_mit_stats {
	__u64 allowed;            /* packets an allow rule let through */
	__u64 dropped;            /* packets dropped (still counted in pl_stats) */
	__u64 dropped_bytes;
	__u64 would_drop;         /* dry run: packets a rule would have dropped */
	__u64 reason[PL_MIT_MAX];/* dropped, or would have been, by reason */
	__u64 rate_races;         /* rate updates lost to other CPUs four times in a row */
};

struct pl_mit_cfg {
	__u32 dry_run;    /* count what would be dropped, drop nothing */
	__u32 n_allow;    /* entries in each table: 0 skips its lookup */
	__u32 n_block;
	__u32 n_port;
	__u32 n_rate;
	__u32 n_sport;    /* port rules on the source port (PL_RULE_F_SPORT) */
};

/* LPM key of pl_allow, pl_port_rules, pl_rate_rules: prefixlen = 32 + the CIDR's length. */
struct pl_rule_key {
	__u32 prefixlen;
	__u8 family;
	__u8 proto;       /* pl_port_rules only; else 0 */
	__u16 port;       /* pl_port_rules only, network order; else 0 */
	__u32 addr[4];
};

struct pl_rate_key {
	__u32 rule;
	__u32 addr[4];
};

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


/*
 * ---- TCP performance (issue 20): passive RTT and health per flow (bpf/rtt.h, src/perf/) ----
 * pl_tcp holds one record per TCP flow, keyed like pl_flows, updated by the ingress
 * program and the tc egress program (live) or by every frame of a capture (offline).
 * RTT samples come from the handshake (first SYN to the ACK of the SYN-ACK), from TCP
 * timestamps (a TSval to its echo in TSecr, one pending per direction, as pping) and,
 * in a direction without timestamps, from a sequence end to the ACK that covers it.
 * Times are nanoseconds of the program's clock (capture time offline).
 */
#define PL_RTT_BUCKETS 32       /* log2 of microseconds: bucket i counts [2^i, 2^(i+1)) us,
				  * bucket 0 also below 1 us */
#define PL_RTT_HISTS_DEFAULT 4096
#define PL_RTT_STALE_NS 10000000000ull /* a pending timestamp left unanswered this long is replaced */
#define PL_RTT_NET4_BITS 24     /* the remote network of a histogram: IPv4 /24 */
#define PL_RTT_NET6_BITS 48     /*                                    IPv6 /48 */

struct pl_rtt_stat {
	__u64 min_ns;
	__u64 max_ns;
	__u64 sum_ns;
	__u64 last_ns;
	__u32 samples;
	__u32 from_ts;  /* of them: from TCP timestamps (else handshake or SEQ/ACK) */
};

#define PL_TCPD_SEQ     0x01 /* next_seq is set */
#define PL_TCPD_ACK     0x02 /* ack and win are set */
#define PL_TCPD_TS      0x04 /* this direction sends timestamps; tsval is set */
#define PL_TCPD_PEND_TS 0x08 /* pend_tsval waits for its echo */
#define PL_TCPD_PEND_SQ 0x10 /* pend_seq waits for its ACK */

/* One direction of a TCP flow: what its sender sent. */
struct pl_tcp_dir {
	__u32 next_seq;   /* the highest sequence number sent + 1 (SYN and FIN count one) */
	__u32 ack;        /* the last acknowledgement number sent */
	__u32 tsval;      /* the last TSval sent */
	__u32 pend_tsval; /* a TSval whose echo is awaited */
	__u32 pend_seq;   /* without timestamps: a sequence end whose ACK is awaited */
	__u16 win;        /* the last window field sent (raw, unscaled) */
	__u16 flags;      /* PL_TCPD_* */
	__u64 pend_ts_ns;
	__u64 pend_seq_ns;
	/* health: segments of this direction (a GSO packet counts its segments) */
	__u32 retrans;    /* resent a sequence range already sent (SYN and FIN too) */
	__u32 ooo;        /* started past next_seq: something before them was not seen */
	__u32 dupack;     /* a pure ACK repeating the last ACK and window, data outstanding */
	__u32 zero_win;   /* advertised a zero window */
	__u32 rst;        /* resets sent */
	__u32 segs;       /* segments with data, SYN or FIN */
};

#define PL_HS_SYN    0x01 /* a SYN without ACK was seen (init_dir, syn_ns) */
#define PL_HS_SYNACK 0x02 /* its SYN-ACK was seen */
#define PL_HS_DONE   0x04 /* the SYN-ACK was acknowledged: handshake_ns is set */

struct pl_tcp_val {
	struct pl_tcp_dir d[2];      /* by enum pl_flow_dir of the sender */
	/*
	 * RTT samples by where the echo came from: [0] the remote end (live: the echo
	 * was received; offline: sent by the responder, the client's view), [1] this
	 * host's own echo delay (live: sent; offline: the initiator's echoes).
	 */
	struct pl_rtt_stat rtt[2];
	__u64 syn_ns;
	__u64 synack_ns;
	__u64 handshake_ns;          /* SYN to the ACK of the SYN-ACK; 0: not completed */
	__u32 synack_seq;
	__u8 hs;                     /* PL_HS_* */
	__u8 init_dir;               /* enum pl_flow_dir of the SYN, else of the first packet */
	__u8 pad[2];
};

enum pl_rtt_hist_kind {
	PL_RTTH_PORT = 0, /* the service port: the responder's (the SYN's destination) */
	PL_RTTH_NET,      /* the remote network (echo sender's address, /24 or /48) */
};

struct pl_rtt_hkey {
	__u8 kind;     /* enum pl_rtt_hist_kind */
	__u8 family;   /* PL_RTTH_NET: 4 or 6 */
	__u16 port;    /* PL_RTTH_PORT: host order */
	__u32 net[4];  /* PL_RTTH_NET: the address masked, as in struct pl_flow_key */
};

struct pl_rtt_hist {
	__u64 count[PL_RTT_BUCKETS];
	__u64 sum_ns;
};

/* Per-CPU totals of the tracking (array pl_tcp_totals). */
enum pl_tcp_total {
	PL_TT_SAMPLES = 0, /* RTT samples (remote side) */
	PL_TT_HANDSHAKES,  /* completed handshakes seen */
	PL_TT_RETRANS,
	PL_TT_OOO,
	PL_TT_DUPACK,
	PL_TT_ZERO_WIN,
	PL_TT_RST,
	PL_TT_TRACK_FAIL,  /* a flow's record could be neither made nor found */
	PL_TT_HIST_FULL,   /* a sample in no histogram: pl_tcp_hist was full */
	PL_TT_MAX,
};

struct pl_tcp_totals {
	__u64 c[PL_TT_MAX];
};

/* ---- detection (issue 19): per-address counters the flow table cannot keep ---------- */
/*
 * pl_det_srcs: one entry per address (LRU), only for the packets a flood, a sweep or a
 * reflection is made of, so that established traffic costs no lookup. Most classes
 * count what the address sent; the *_RCVD ones what it received (the victim's side).
 * User space turns the differences between ticks into rates (src/detect/).
 */
#define PL_DET_SRCS_DEFAULT 65536
enum pl_det_class {
	PL_DC_SYN = 0,   /* TCP SYN without ACK */
	PL_DC_BAD_FLAGS, /* SYN+FIN, SYN+RST or FIN+RST: never valid */
	PL_DC_UDP,       /* UDP packets */
	PL_DC_UDP_BYTES, /* their frame bytes */
	PL_DC_ICMP,      /* ICMP and ICMPv6 requests (not answers, not errors) */
	PL_DC_ARP_REQ,   /* ARP requests sent by this IPv4 address */
	PL_DC_LAND,      /* source address = destination address */
	PL_DC_TINY_FRAG, /* first IP fragment too short for the TCP header */
	PL_DC_AMP_RCVD,  /* large UDP answers from an amplifier port, no request seen */
	PL_DC_AMP_BYTES_RCVD,
	PL_DC_SYNACK_RCVD, /* SYN-ACKs for connections this address never opened */
	PL_DC_FRAG_OVERLAP, /* IP fragments overlapping an earlier one of their datagram */
	PL_DC_MAX,
};
/* UDP answers at least this long (frame bytes) count as amplified. */
#define PL_DET_AMP_MIN_DEFAULT 400
struct pl_det_src {
	__u64 n[PL_DC_MAX];
	__u32 peer[4];      /* the other end of the last packet counted (a victim, a reflector) */
	__u8 arp_targets[PL_HLL_BYTES]; /* sketch of the ARP requests' target addresses */
	__u8 reflectors[PL_HLL_BYTES];  /* sketch of the *_RCVD packets' sources */
};

/*
 * pl_det_frags: the fragments of each datagram being received (LRU, keyed by the
 * datagram as reassembly knows it), for overlapping fragments (teardrop): the byte
 * ranges of its last PL_FRAG_RANGES fragments. A fragment that intersects one of them
 * without being an exact repeat (RFC 8200 4.5: duplicates are no overlap) is counted
 * on its source. A datagram all of whose bytes arrived is deleted (its id may be used
 * again); one that stays quiet for PL_FRAG_TIMEOUT_NS starts again.
 */
#define PL_DET_FRAGS_DEFAULT 4096
#define PL_FRAG_RANGES 8
#define PL_FRAG_TIMEOUT_NS (60ull * 1000000000ull) /* IPv6's reassembly time, IPv4's is 30 s */
struct pl_frag_key {
	__u32 src[4];
	__u32 dst[4];
	__u32 id;     /* IPv4's 16-bit identification or the IPv6 fragment header's */
	__u8 proto;   /* IPv4 protocol; IPv6: the fragment header's next header */
	__u8 family;
	__u16 pad;
};
struct pl_frag_val {
	__u64 seen_ns;               /* the last fragment's time */
	__u32 start[PL_FRAG_RANGES]; /* bytes [start, end) of the last fragments (a ring) */
	__u32 end[PL_FRAG_RANGES];
	__u32 covered;               /* bytes of the distinct fragments seen */
	__u32 total;                 /* the datagram's length (its last fragment's end), 0: unknown */
	__u32 n;                     /* fragments kept so far (the ring's next slot: n % RANGES) */
	__u32 pad;
};
/* What the fragment tracking did, per CPU (in struct pl_det_frag_counts). */
struct pl_det_frag_counts {
	__u64 datagrams;  /* entries made */
	__u64 completed;  /* entries deleted because all their bytes arrived */
	__u64 restarted;  /* entries quiet for longer than the timeout, started again */
	__u64 fail;       /* an entry could be neither made nor found */
};

#endif /* PKTLENS_H */
