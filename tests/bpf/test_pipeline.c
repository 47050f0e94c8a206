// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_pipeline.c - the XDP/TC ingress pipeline (bpf/pktlens.bpf.c) run on crafted
 * packets through BPF_PROG_TEST_RUN, in offline mode (time and wire length come from
 * pl_offline). Each case resets the maps, sends one or a few packets and checks the
 * per-CPU counters and the flow table. Needs root (or CAP_BPF + CAP_NET_ADMIN).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pktlens.h" /* before the skeleton: it defines the .bss/.rodata types */
#include "pktlens.skel.h"

#include "check.h"
#include "loader/dataplane.h" /* pl_tick_ns() */
#include "analysis/talkers.h"
#include "sources/ring_reader.h"
#include "pktbuild.h"

/* ---- environment ---------------------------------------------------------------- */

static struct pktlens *g_skel; /* the skeleton the cases run on */
/*
 * The same pipeline without its fast path (pl_cfg_fast_path = 0): every packet a case
 * sends through g_skel also goes through g_layered, and every read_stats() checks that
 * both counted the same and hold the same flows.
 */
static struct pktlens *g_layered;
static int g_ncpu;
static int g_cpu;              /* the CPU this test runs on: its pl_offline slot */
static __u64 g_ts;             /* pl_offline.ts_ns of the last packet sent */
static bool g_covered[PL_MAL_MAX];

static const char *const mal_names[PL_MAL_MAX] = {
	[PL_MAL_NONE] = "none",
	[PL_MAL_TRUNC_ETH] = "trunc_eth",
	[PL_MAL_TRUNC_VLAN] = "trunc_vlan",
	[PL_MAL_VLAN_TOO_DEEP] = "vlan_too_deep",
	[PL_MAL_TRUNC_ARP] = "trunc_arp",
	[PL_MAL_TRUNC_IPV4] = "trunc_ipv4",
	[PL_MAL_BAD_IPV4_VERSION] = "bad_ipv4_version",
	[PL_MAL_BAD_IPV4_IHL] = "bad_ipv4_ihl",
	[PL_MAL_BAD_IPV4_TOTLEN] = "bad_ipv4_totlen",
	[PL_MAL_TRUNC_IPV6] = "trunc_ipv6",
	[PL_MAL_BAD_IPV6_VERSION] = "bad_ipv6_version",
	[PL_MAL_BAD_IPV6_PAYLOAD_LEN] = "bad_ipv6_plen",
	[PL_MAL_BAD_IPV6_EXT_CHAIN] = "bad_ipv6_ext_chain",
	[PL_MAL_TRUNC_TCP] = "trunc_tcp",
	[PL_MAL_BAD_TCP_DOFF] = "bad_tcp_doff",
	[PL_MAL_TRUNC_UDP] = "trunc_udp",
	[PL_MAL_BAD_UDP_LEN] = "bad_udp_len",
	[PL_MAL_TRUNC_ICMP] = "trunc_icmp",
	[PL_MAL_TRUNC_ICMPV6] = "trunc_icmpv6",
	[PL_MAL_TRUNC_SCTP] = "trunc_sctp",
	[PL_MAL_TRUNC_GRE] = "trunc_gre",
	[PL_MAL_BAD_GRE_VERSION] = "bad_gre_version",
	[PL_MAL_TRUNC_VXLAN] = "trunc_vxlan",
	[PL_MAL_TRUNC_PPPOE] = "trunc_pppoe",
	[PL_MAL_TRUNC_MPLS] = "trunc_mpls",
	[PL_MAL_MPLS_TOO_DEEP] = "mpls_too_deep",
	[PL_MAL_TRUNC_AH] = "trunc_ah",
};

static const char *mal_name(int r)
{
	return r >= 0 && r < PL_MAL_MAX && mal_names[r] ? mal_names[r] : "(unnamed)";
}

/* How a case loads the pipeline; zeroes are the defaults. */
struct load_opts {
	__u32 max_flows, snaplen, ring_bytes;
	bool layered;    /* fast path off */
	bool count_only; /* as pktlens capture loads it */
};

static struct pktlens *skel_load_opts(const struct load_opts *lo)
{
	struct pktlens *s = pktlens__open();
	int err;

	if (!s) {
		fprintf(stderr, "pktlens__open: %s\n", strerror(errno));
		return NULL;
	}
	/* as the loader does for offline analysis */
	s->rodata->pl_cfg_offline = 1;
	bpf_program__set_flags(s->progs.xdp_pktlens, BPF_F_XDP_HAS_FRAGS);
	s->rodata->pl_cfg_snaplen = lo->snaplen;
	s->rodata->pl_cfg_fast_path = !lo->layered;
	s->rodata->pl_cfg_count_only = lo->count_only;
	if (lo->max_flows)
		bpf_map__set_max_entries(s->maps.pl_flows, lo->max_flows);
	if (lo->ring_bytes)
		bpf_map__set_max_entries(s->maps.pl_events, lo->ring_bytes);
	err = pktlens__load(s);
	if (err) {
		fprintf(stderr, "pktlens__load: %s\n", strerror(-err));
		pktlens__destroy(s);
		return NULL;
	}
	return s;
}

static struct pktlens *skel_load_snap(__u32 max_flows, __u32 snaplen)
{
	return skel_load_opts(&(struct load_opts){ .max_flows = max_flows, .snaplen = snaplen });
}

static struct pktlens *skel_load(__u32 max_flows)
{
	return skel_load_snap(max_flows, 0);
}

/* Empty the address tables and their counters (ports and ICMP: read as differences). */
static void reset_talkers(struct pktlens *s)
{
	int fds[2] = { bpf_map__fd(s->maps.pl_srcs), bpf_map__fd(s->maps.pl_dsts) };
	struct pl_talk_stats *zero = calloc((size_t)g_ncpu, sizeof(*zero));
	__u32 idx = 0;
	int err;

	for (int i = 0; i < 2; i++) {
		err = pl_talkers_clear(fds[i]);
		CHECK(!err, "clearing an address table failed: %s", strerror(-err));
	}
	if (!zero || bpf_map_update_elem(bpf_map__fd(s->maps.pl_talk_stats), &idx, zero, BPF_ANY))
		CHECK(0, "resetting pl_talk_stats failed: %s", strerror(errno));
	free(zero);
}

static void reset_maps(struct pktlens *s)
{
	size_t sz = (size_t)g_ncpu * sizeof(struct pl_stats);
	struct pl_stats *zero = calloc(1, sz);
	int flows = bpf_map__fd(s->maps.pl_flows);
	struct pl_flow_key k;
	__u32 idx = 0;

	if (!zero || bpf_map_update_elem(bpf_map__fd(s->maps.pl_stats), &idx, zero, BPF_ANY))
		CHECK(0, "resetting pl_stats failed: %s", strerror(errno));
	free(zero);
	while (bpf_map_get_next_key(flows, NULL, &k) == 0) {
		if (bpf_map_delete_elem(flows, &k)) {
			CHECK(0, "deleting a flow failed: %s", strerror(errno));
			break;
		}
	}
	reset_talkers(s);
	if (s == g_skel && g_layered)
		reset_maps(g_layered);
}

static void begin(const char *name)
{
	TEST_BEGIN(name);
	reset_maps(g_skel);
}

/* Sum this skeleton's per-CPU counters (every field is a __u64). */
static void read_stats_of(struct pktlens *s, struct pl_stats *out)
{
	size_t words = sizeof(*out) / sizeof(__u64);
	struct pl_stats *per = calloc((size_t)g_ncpu, sizeof(*per));
	__u32 idx = 0;

	memset(out, 0, sizeof(*out));
	if (!per || bpf_map_lookup_elem(bpf_map__fd(s->maps.pl_stats), &idx, per)) {
		CHECK(0, "reading pl_stats failed: %s", strerror(errno));
		free(per);
		return;
	}
	for (int c = 0; c < g_ncpu; c++)
		for (size_t w = 0; w < words; w++)
			((__u64 *)out)[w] += ((__u64 *)&per[c])[w];
	free(per);
}

static int count_flows_of(struct pktlens *s)
{
	int fd = bpf_map__fd(s->maps.pl_flows), n = 0;
	struct pl_flow_key k, next;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

static int count_flows(void)
{
	return count_flows_of(g_skel);
}

struct flow_entry {
	struct pl_flow_key k;
	struct pl_flow_value v;
};

static int dump_flows_of(struct pktlens *s, struct flow_entry *out, int max)
{
	int fd = bpf_map__fd(s->maps.pl_flows), n = 0;
	struct pl_flow_key k, next;
	void *prev = NULL;

	while (n < max && bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		out[n].k = k;
		if (bpf_map_lookup_elem(fd, &k, &out[n].v) == 0)
			n++;
	}
	return n;
}

/*
 * Two runs of the same packets counted the same: every pl_stats word, and the same
 * flow entries (key and value). @an, @bn name the runs in messages.
 */
static void expect_same(const struct pl_stats *a, const struct flow_entry *fa, int na,
			const char *an, const struct pl_stats *b, const struct flow_entry *fb,
			int nb, const char *bn)
{
	for (size_t w = 0; w < sizeof(*a) / sizeof(__u64); w++) {
		__u64 x = ((const __u64 *)a)[w], y = ((const __u64 *)b)[w];

		CHECK(x == y, "pl_stats word %zu: %s %llu, %s %llu", w, an, (unsigned long long)x,
		      bn, (unsigned long long)y);
	}
	CHECK_EQ(nb, na);
	for (int i = 0; i < na; i++) {
		bool found = false;

		for (int j = 0; j < nb; j++)
			if (!memcmp(&fa[i].k, &fb[j].k, sizeof(fa[i].k))) {
				found = true;
				CHECK(!memcmp(&fa[i].v, &fb[j].v, sizeof(fa[i].v)),
				      "flow %d differs between %s and %s", i, an, bn);
			}
		CHECK(found, "flow %d of %s not in %s's table", i, an, bn);
	}
}

/* g_skel's counters and (up to 32) flows at one moment. */
struct snapshot {
	struct pl_stats st;
	struct flow_entry f[32];
	int n;
};

/* g_skel's counters @st and flows equal g_layered's: the fast path changed nothing. */
static void expect_layered_same(const struct pl_stats *st)
{
	int max = count_flows_of(g_skel) + count_flows_of(g_layered) + 1, nf, nl;
	struct flow_entry *ff = calloc((size_t)max, sizeof(*ff));
	struct flow_entry *fl = calloc((size_t)max, sizeof(*fl));
	struct pl_stats sl;

	if (!ff || !fl) {
		CHECK(0, "out of memory");
	} else {
		read_stats_of(g_layered, &sl);
		nf = dump_flows_of(g_skel, ff, max);
		nl = dump_flows_of(g_layered, fl, max);
		expect_same(st, ff, nf, "fast path", &sl, fl, nl, "layered parsers");
	}
	free(ff);
	free(fl);
}

static void read_stats(struct pl_stats *out)
{
	read_stats_of(g_skel, out);
	if (g_layered)
		expect_layered_same(out);
}

static void take_snapshot(struct snapshot *sn)
{
	read_stats(&sn->st);
	sn->n = dump_flows_of(g_skel, sn->f, 32);
}

/* Two snapshots of the same packets, taken two ways (@an, @bn), agree. */
static void expect_same_snapshot(const struct snapshot *a, const char *an,
				 const struct snapshot *b, const char *bn)
{
	expect_same(&a->st, a->f, a->n, an, &b->st, b->f, b->n, bn);
}

/* ---- running packets -------------------------------------------------------------- */

/*
 * The run g_skel's @prog just made (options @o, result @err), repeated on g_layered with
 * the same input: it must give the same result and verdict.
 */
static void run_layered_twin(const struct bpf_program *prog, const struct bpf_test_run_opts *o,
			     int err)
{
	struct bpf_program *twin = prog == g_skel->progs.tc_pktlens ? g_layered->progs.tc_pktlens :
								     g_layered->progs.xdp_pktlens;
	LIBBPF_OPTS(bpf_test_run_opts, lo, .data_in = o->data_in, .data_size_in = o->data_size_in,
		    .repeat = 1, .ctx_in = o->ctx_in, .ctx_size_in = o->ctx_size_in);
	int lerr;

	g_layered->bss->pl_offline[g_cpu] = g_skel->bss->pl_offline[g_cpu];
	lerr = bpf_prog_test_run_opts(bpf_program__fd(twin), &lo);
	CHECK(lerr == err && lo.retval == o->retval,
	      "without the fast path: test_run %d verdict %u, with it %d %u", lerr, lo.retval, err,
	      o->retval);
}

/*
 * Run @pkt through @prog with pl_offline = { next timestamp, @wire_len }. Returns
 * the test_run error (0 or -errno); the program's return code goes to *retval.
 */
static int run_raw(struct pktlens *s, struct bpf_program *prog, const void *pkt, size_t len,
		   __u32 wire_len, const struct xdp_md *xctx, __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = (__u32)len,
		    .repeat = 1);
	int err;

	if (xctx) {
		o.ctx_in = xctx;
		o.ctx_size_in = sizeof(*xctx);
	}
	s->bss->pl_offline[g_cpu].n = 1;
	s->bss->pl_offline[g_cpu].f[0].ts_ns = ++g_ts;
	s->bss->pl_offline[g_cpu].f[0].wire_len = wire_len;
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &o); /* 0 or -errno */
	*retval = o.retval;
	if (s == g_skel && g_layered)
		run_layered_twin(prog, &o, err);
	return err;
}

/* XDP run of a built packet whose wire length is @wire_len; must PASS. */
static void xdp_wire(const struct pb *b, __u32 wire_len)
{
	__u32 rv = ~0u;
	int err = run_raw(g_skel, g_skel->progs.xdp_pktlens, b->buf, b->len, wire_len, NULL, &rv);

	CHECK(err == 0, "xdp test_run failed: %s", strerror(-err));
	CHECK(rv == XDP_PASS, "xdp returned %u, expected XDP_PASS", rv);
}

static void xdp(const struct pb *b)
{
	xdp_wire(b, (__u32)b->len);
}

static void tc(const struct pb *b)
{
	__u32 rv = ~0u;
	int err = run_raw(g_skel, g_skel->progs.tc_pktlens, b->buf, b->len, (__u32)b->len, NULL,
			  &rv);

	CHECK(err == 0, "tc test_run failed: %s", strerror(-err));
	CHECK(rv == (__u32)TC_ACT_UNSPEC, "tc returned %u, expected TC_ACT_UNSPEC (no verdict)", rv);
}

/*
 * A capture truncated after @cut bytes: finish the packet, remember its full length
 * as the wire length, cut it and send it.
 */
static void xdp_cut(struct pb *b, size_t cut)
{
	size_t wire = pb_finish(b);

	pb_trim(b, cut);
	xdp_wire(b, (__u32)wire);
}

/*
 * A frame that is only @cut bytes long on the wire, as a runt or a broken sender
 * makes it: the IP lengths say so too (pb_finish after the cut), and nothing was
 * left out by a snap length. Its headers that do not fit are malformed.
 */
static void xdp_short(struct pb *b, size_t cut)
{
	pb_trim(b, cut);
	pb_finish(b);
	xdp(b);
}

/* ---- flow keys ---------------------------------------------------------------------- */

struct ep {
	__u32 addr[4]; /* network-order bytes, as the key holds them */
	__u16 port;    /* network order */
};

static struct ep ep4(uint32_t addr, uint16_t port)
{
	struct ep e = { .addr = { 0, 0, htonl(0xffff), htonl(addr) }, .port = htons(port) };

	return e;
}

static struct ep ep6(const char *addr, uint16_t port)
{
	struct in6_addr a = pb_in6(addr);
	struct ep e = { .port = htons(port) };

	memcpy(e.addr, &a, 16);
	return e;
}

/* Is @x greater than @y? The program's order: four u32 words, then the port. */
static bool ep_greater(const struct ep *x, const struct ep *y)
{
	for (int i = 0; i < 4; i++)
		if (x->addr[i] != y->addr[i])
			return x->addr[i] > y->addr[i];
	return x->port > y->port;
}

/* The normalized key of a packet from @src to @dst; *dir gets its direction. */
static struct pl_flow_key mkkey(struct ep src, struct ep dst, __u8 proto, __u8 family, __u16 vlan,
				int *dir)
{
	struct pl_flow_key k;
	bool swap = ep_greater(&src, &dst);
	const struct ep *a = swap ? &dst : &src, *b = swap ? &src : &dst;

	memset(&k, 0, sizeof(k));
	memcpy(k.addr_a, a->addr, 16);
	memcpy(k.addr_b, b->addr, 16);
	k.port_a = a->port;
	k.port_b = b->port;
	k.proto = proto;
	k.family = family;
	k.vlan = vlan;
	if (dir)
		*dir = swap ? PL_DIR_B_TO_A : PL_DIR_A_TO_B;
	return k;
}

static bool get_flow(const struct pl_flow_key *k, struct pl_flow_value *v)
{
	memset(v, 0, sizeof(*v));
	return bpf_map_lookup_elem(bpf_map__fd(g_skel->maps.pl_flows), k, v) == 0;
}

/* Run the block after it with *@v filled when the flow @k exists; fail otherwise. */
#define WITH_FLOW(k, v)                                                                    \
	if (!get_flow(k, v))                                                               \
		CHECK(0, "flow not found (%d flows in the table)", count_flows());         \
	else

/* The flow holds exactly one packet of @len bytes in @dir, seen at g_ts. */
static void expect_flow1(const struct pl_flow_key *k, int dir, __u64 len, __u8 tcp_flags)
{
	struct pl_flow_value v;

	if (!get_flow(k, &v)) {
		CHECK(0, "flow not found (%d flows in the table)", count_flows());
		return;
	}
	CHECK_EQ(v.packets[dir], 1);
	CHECK_EQ(v.packets[!dir], 0);
	CHECK_EQ(v.bytes[dir], len);
	CHECK_EQ(v.bytes[!dir], 0);
	CHECK_EQ(v.first_seen_ns, g_ts);
	CHECK_EQ(v.last_seen_ns, g_ts);
	CHECK_EQ(v.tcp_flags & 0xffff, (__u32)tcp_flags << (8 * dir)); /* PL_FLOW_OS_SYN aside */
	CHECK_EQ(v.initiator, dir);
}

/* ---- counter expectations ---------------------------------------------------------- */

static __u64 sum(const __u64 *a, int n)
{
	__u64 t = 0;

	for (int i = 0; i < n; i++)
		t += a[i];
	return t;
}

/* No malformed reason, and every packet in exactly one L3, L4 and size class. */
static void expect_clean(const struct pl_stats *st)
{
	for (int r = 0; r < PL_MAL_MAX; r++)
		CHECK(st->malformed[r] == 0, "malformed[%s] == %llu, expected 0", mal_name(r),
		      (unsigned long long)st->malformed[r]);
	CHECK_EQ(sum(st->l3_packets, PL_L3_MAX), st->packets);
	CHECK_EQ(sum(st->l3_bytes, PL_L3_MAX), st->bytes);
	CHECK_EQ(sum(st->l4_packets, PL_L4_MAX), st->packets);
	CHECK_EQ(sum(st->l4_bytes, PL_L4_MAX), st->bytes);
	CHECK_EQ(sum(st->size_hist, PL_SZ_MAX), st->packets);
	CHECK_EQ(st->flow_update_fail, 0);
}

/* Exactly one packet of @len bytes, classed @l3/@l4, not malformed, no tunnel. */
static void expect_one(const struct pl_stats *st, __u64 len, int l3, int l4)
{
	expect_clean(st);
	CHECK_EQ(st->packets, 1);
	CHECK_EQ(st->bytes, len);
	CHECK(st->l3_packets[l3] == 1, "l3_packets[%d] == %llu, expected 1", l3,
	      (unsigned long long)st->l3_packets[l3]);
	CHECK_EQ(st->l3_bytes[l3], len);
	CHECK(st->l4_packets[l4] == 1, "l4_packets[%d] == %llu, expected 1", l4,
	      (unsigned long long)st->l4_packets[l4]);
	CHECK_EQ(st->l4_bytes[l4], len);
	CHECK_EQ(st->encap[PL_ENCAP_NONE], 1); /* untunnelled */
	CHECK_EQ(sum(st->encap, PL_ENCAP_MAX), 1);
	CHECK_EQ(sum(st->inner_l3_packets, PL_L3_MAX), 0);
	CHECK_EQ(sum(st->inner_l4_packets, PL_L4_MAX), 0);
}

/* Exactly one malformed count, for @why; marks the reason as covered. */
static void expect_mal(const struct pl_stats *st, int why)
{
	int before = check_cur_failed;

	check_cur_failed = 0;
	CHECK(st->malformed[why] == 1, "malformed[%s] == %llu, expected 1", mal_name(why),
	      (unsigned long long)st->malformed[why]);
	for (int r = 0; r < PL_MAL_MAX; r++)
		if (r != why)
			CHECK(st->malformed[r] == 0, "malformed[%s] == %llu, expected 0",
			      mal_name(r), (unsigned long long)st->malformed[r]);
	CHECK_EQ(st->packets, 1);
	CHECK_EQ(sum(st->size_hist, PL_SZ_MAX), 1);
	CHECK_EQ(sum(st->tcp_flags, 256), 0);
	if (!check_cur_failed)
		g_covered[why] = true;
	check_cur_failed |= before;
}

/* ---- packet helpers ---------------------------------------------------------------- */

#define A4 PB_IP4(10, 0, 0, 1)
#define B4 PB_IP4(10, 0, 0, 2)
#define A6 "2001:db8::1"
#define B6 "2001:db8::2"

static void v4(struct pb *b, uint32_t src, uint32_t dst, uint8_t proto)
{
	pb_ipv4(b, &(struct pb_ipv4_opts){ .src = src, .dst = dst, .proto = proto });
}

static void v6(struct pb *b, const char *src, const char *dst, uint8_t nexthdr)
{
	pb_ipv6(b, &(struct pb_ipv6_opts){ .src = pb_in6(src), .dst = pb_in6(dst),
					   .nexthdr = nexthdr });
}

static void tcp(struct pb *b, uint16_t sport, uint16_t dport, uint8_t flags)
{
	pb_tcp(b, &(struct pb_tcp_opts){ .sport = sport, .dport = dport, .flags = flags,
					 .seq = 1000, .ack = flags & PB_TCP_ACK ? 2000 : 0 });
}

/* Ethernet + IPv4 (A4 -> B4) + UDP 1234 -> 53 + @payload bytes. */
static void v4_udp(struct pb *b, size_t payload)
{
	pb_init(b);
	pb_eth(b, NULL, NULL, PB_ETH_P_IP);
	v4(b, A4, B4, PB_IPPROTO_UDP);
	pb_udp(b, 1234, 53);
	pb_payload(b, payload);
	pb_finish(b);
}

/* Ethernet + IPv4 + TCP with @flags, @src:@sport -> @dst:@dport, @payload bytes. */
static void v4_tcp(struct pb *b, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
		   uint8_t flags, size_t payload)
{
	pb_init(b);
	pb_eth(b, NULL, NULL, PB_ETH_P_IP);
	v4(b, src, dst, PB_IPPROTO_TCP);
	tcp(b, sport, dport, flags);
	pb_payload(b, payload);
	pb_finish(b);
}

/* ---- link layer -------------------------------------------------------------------- */

static void test_link(void)
{
	struct pl_stats st;
	struct pb b;
	int dir;

	begin("ethernet only: unknown ethertype is L3 other, L4 none");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, 0x88b5); /* local experimental */
	pb_payload(&b, 46);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, 60, PL_L3_OTHER, PL_L4_NONE);
	CHECK_EQ(st.size_hist[PL_SZ_LE64], 1);
	CHECK_EQ(st.vlan_tagged, 0);
	CHECK_EQ(count_flows(), 0);
	TEST_END();

	begin("arp request");
	pb_init(&b);
	pb_eth(&b, (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, NULL, PB_ETH_P_ARP);
	pb_arp(&b, 1, (const uint8_t[6]){ 2, 0, 0, 0, 0, 1 }, A4, NULL, B4);
	pb_zero(&b, 18); /* pad to 60 */
	xdp(&b);
	read_stats(&st);
	expect_one(&st, 60, PL_L3_ARP, PL_L4_NONE);
	CHECK_EQ(count_flows(), 0);
	TEST_END();

	begin("802.1Q tag: vlan_tagged, flow keyed by the VLAN id");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_8021Q);
	pb_vlan(&b, 100, 3, PB_ETH_P_IP);
	v4(&b, A4, B4, PB_IPPROTO_UDP);
	pb_udp(&b, 1234, 53);
	pb_payload(&b, 20);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV4, PL_L4_UDP);
	CHECK_EQ(st.vlan_tagged, 1);
	CHECK_EQ(st.qinq, 0);
	{
		struct pl_flow_key k = mkkey(ep4(A4, 1234), ep4(B4, 53), PB_IPPROTO_UDP, 4, 100, &dir);

		expect_flow1(&k, dir, b.len, 0);
	}
	TEST_END();

	static const struct {
		const char *name;
		uint16_t outer_tpid;
	} qinq[] = {
		{ "QinQ 802.1ad outer + 802.1Q inner: innermost VLAN id", PB_ETH_P_8021AD },
		{ "QinQ 0x9100 outer + 802.1Q inner", PB_ETH_P_QINQ_OLD },
		{ "double 802.1Q tags count as QinQ", PB_ETH_P_8021Q },
	};
	for (size_t i = 0; i < sizeof(qinq) / sizeof(qinq[0]); i++) {
		begin(qinq[i].name);
		pb_init(&b);
		pb_eth(&b, NULL, NULL, qinq[i].outer_tpid);
		pb_vlan(&b, 10, 0, PB_ETH_P_8021Q);
		pb_vlan(&b, 200, 0, PB_ETH_P_IPV6);
		v6(&b, A6, B6, PB_IPPROTO_TCP);
		tcp(&b, 40000, 22, PB_TCP_ACK);
		pb_finish(&b);
		xdp(&b);
		read_stats(&st);
		expect_one(&st, b.len, PL_L3_IPV6, PL_L4_TCP);
		CHECK_EQ(st.vlan_tagged, 1);
		CHECK_EQ(st.qinq, 1);
		CHECK_EQ(st.tcp_flags[PB_TCP_ACK], 1);
		{
			struct pl_flow_key k = mkkey(ep6(A6, 40000), ep6(B6, 22), PB_IPPROTO_TCP, 6,
						     200, &dir);

			expect_flow1(&k, dir, b.len, PB_TCP_ACK);
		}
		TEST_END();
	}

	begin("two VLANs carrying the same 5-tuple are two flows");
	for (int vid = 1; vid <= 2; vid++) {
		pb_init(&b);
		pb_eth(&b, NULL, NULL, PB_ETH_P_8021Q);
		pb_vlan(&b, (uint16_t)vid, 0, PB_ETH_P_IP);
		v4(&b, A4, B4, PB_IPPROTO_UDP);
		pb_udp(&b, 1234, 53);
		pb_payload(&b, 20);
		pb_finish(&b);
		xdp(&b);
		struct pl_flow_key k = mkkey(ep4(A4, 1234), ep4(B4, 53), PB_IPPROTO_UDP, 4,
					     (uint16_t)vid, &dir);
		expect_flow1(&k, dir, b.len, 0);
	}
	read_stats(&st);
	CHECK_EQ(count_flows(), 2);
	CHECK_EQ(st.flows_created, 2);
	CHECK_EQ(st.vlan_tagged, 2);
	TEST_END();
}

/* ---- IPv4 ---------------------------------------------------------------------------- */

static void test_ipv4(void)
{
	struct pl_flow_key k;
	struct pl_stats st;
	struct pb b;
	int dir;

	begin("ipv4 tcp: flow key is IPv4-mapped, per-direction counters");
	v4_tcp(&b, A4, 33000, B4, 80, PB_TCP_SYN, 0);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV4, PL_L4_TCP);
	CHECK_EQ(st.ipv4_options, 0);
	CHECK_EQ(st.ipv4_frag_first + st.ipv4_frag_later, 0);
	CHECK_EQ(st.flows_created, 1);
	k = mkkey(ep4(A4, 33000), ep4(B4, 80), PB_IPPROTO_TCP, 4, 0, &dir);
	CHECK_EQ(k.addr_a[2], htonl(0xffff));
	CHECK_EQ(k.addr_a[3], htonl(A4));
	expect_flow1(&k, dir, b.len, PB_TCP_SYN);
	CHECK_EQ(count_flows(), 1);
	TEST_END();

	begin("ipv4 options: counted, L4 found after them");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	/* router alert (4 bytes) + NOP + timestamp option stub, padded to 12 */
	pb_ipv4(&b, &(struct pb_ipv4_opts){
			    .src = A4, .dst = B4, .proto = PB_IPPROTO_UDP,
			    .options = (const uint8_t[]){ 0x94, 4, 0, 0, 1, 0x44, 4, 5 },
			    .optlen = 8 });
	pb_udp(&b, 5000, 6000);
	pb_payload(&b, 10);
	pb_finish(&b);
	CHECK_EQ(b.buf[14] & 0x0f, 7);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV4, PL_L4_UDP);
	CHECK_EQ(st.ipv4_options, 1);
	k = mkkey(ep4(A4, 5000), ep4(B4, 6000), PB_IPPROTO_UDP, 4, 0, &dir);
	expect_flow1(&k, dir, b.len, 0);
	TEST_END();

	begin("ipv4 first fragment (MF, offset 0): L4 parsed, flow created");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	pb_ipv4(&b, &(struct pb_ipv4_opts){ .src = A4, .dst = B4, .proto = PB_IPPROTO_UDP,
					    .id = 77, .frag_off = PB_IP_MF });
	pb_udp(&b, 1111, 2222);
	pb_payload(&b, 1000);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV4, PL_L4_UDP);
	CHECK_EQ(st.ipv4_frag_first, 1);
	CHECK_EQ(st.ipv4_frag_later, 0);
	k = mkkey(ep4(A4, 1111), ep4(B4, 2222), PB_IPPROTO_UDP, 4, 0, &dir);
	expect_flow1(&k, dir, b.len, 0);
	TEST_END();

	static const struct {
		const char *name;
		uint16_t frag_off;
	} later[] = {
		{ "ipv4 later fragment (MF, offset != 0): L4 frag, no flow", PB_IP_MF | 126 },
		{ "ipv4 last fragment (offset != 0, no MF): L4 frag, no flow", 252 },
	};
	for (size_t i = 0; i < 2; i++) {
		begin(later[i].name);
		pb_init(&b);
		pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
		pb_ipv4(&b, &(struct pb_ipv4_opts){ .src = A4, .dst = B4, .proto = PB_IPPROTO_UDP,
						    .id = 77, .frag_off = later[i].frag_off });
		pb_payload(&b, 300); /* continuation bytes, no UDP header */
		pb_finish(&b);
		xdp(&b);
		read_stats(&st);
		expect_one(&st, b.len, PL_L3_IPV4, PL_L4_FRAG);
		CHECK_EQ(st.ipv4_frag_first, 0);
		CHECK_EQ(st.ipv4_frag_later, 1);
		CHECK_EQ(st.flows_created, 0);
		CHECK_EQ(count_flows(), 0);
		TEST_END();
	}

	begin("ipv4 DF set is not a fragment");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	pb_ipv4(&b, &(struct pb_ipv4_opts){ .src = A4, .dst = B4, .proto = PB_IPPROTO_UDP,
					    .frag_off = PB_IP_DF });
	pb_udp(&b, 1, 2);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV4, PL_L4_UDP);
	CHECK_EQ(st.ipv4_frag_first + st.ipv4_frag_later, 0);
	TEST_END();

	begin("ipv4 unknown protocol is L4 other, no flow");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	v4(&b, A4, B4, 89 /* OSPF */);
	pb_payload(&b, 40);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV4, PL_L4_OTHER);
	CHECK_EQ(count_flows(), 0);
	TEST_END();
}

/* ---- IPv6 ---------------------------------------------------------------------------- */

static void test_ipv6(void)
{
	struct pl_flow_key k;
	struct pl_stats st;
	struct pb b;
	int dir;

	begin("ipv6 udp: raw addresses in the key");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IPV6);
	v6(&b, B6, A6, PB_IPPROTO_UDP);
	pb_udp(&b, 5353, 5353);
	pb_payload(&b, 30);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV6, PL_L4_UDP);
	CHECK_EQ(st.ipv6_ext, 0);
	k = mkkey(ep6(B6, 5353), ep6(A6, 5353), PB_IPPROTO_UDP, 6, 0, &dir);
	CHECK_EQ(dir, PL_DIR_B_TO_A);
	expect_flow1(&k, dir, b.len, 0);
	TEST_END();

	begin("ipv6 hop-by-hop + routing + destination options chain");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IPV6);
	v6(&b, A6, B6, PB_IPPROTO_HOPOPTS);
	pb_ipv6_opts_hdr(&b, PB_IPPROTO_ROUTING, 8);
	pb_ipv6_routing(&b, PB_IPPROTO_DSTOPTS, 4, 1, 2); /* SRH, 2 segments: 40 bytes */
	pb_ipv6_opts_hdr(&b, PB_IPPROTO_TCP, 16);
	tcp(&b, 50000, 443, PB_TCP_SYN);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV6, PL_L4_TCP);
	CHECK_EQ(st.ipv6_ext, 1);
	CHECK_EQ(st.tcp_flags[PB_TCP_SYN], 1);
	k = mkkey(ep6(A6, 50000), ep6(B6, 443), PB_IPPROTO_TCP, 6, 0, &dir);
	expect_flow1(&k, dir, b.len, PB_TCP_SYN);
	TEST_END();

	begin("ipv6 first fragment (offset 0, M): L4 parsed, flow created");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IPV6);
	v6(&b, A6, B6, PB_IPPROTO_FRAGMENT);
	pb_ipv6_frag(&b, PB_IPPROTO_UDP, 0, true, 0xabcd);
	pb_udp(&b, 7000, 7001);
	pb_payload(&b, 1200);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV6, PL_L4_UDP);
	CHECK_EQ(st.ipv6_ext, 1);
	CHECK_EQ(st.ipv6_frag_first, 1);
	CHECK_EQ(st.ipv6_frag_later, 0);
	k = mkkey(ep6(A6, 7000), ep6(B6, 7001), PB_IPPROTO_UDP, 6, 0, &dir);
	expect_flow1(&k, dir, b.len, 0);
	TEST_END();

	begin("ipv6 later fragment (offset != 0): L4 frag, no flow");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IPV6);
	v6(&b, A6, B6, PB_IPPROTO_HOPOPTS);
	pb_ipv6_opts_hdr(&b, PB_IPPROTO_FRAGMENT, 8);
	pb_ipv6_frag(&b, PB_IPPROTO_UDP, 151, false, 0xabcd);
	pb_payload(&b, 200);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV6, PL_L4_FRAG);
	CHECK_EQ(st.ipv6_ext, 1);
	CHECK_EQ(st.ipv6_frag_first, 0);
	CHECK_EQ(st.ipv6_frag_later, 1);
	CHECK_EQ(count_flows(), 0);
	TEST_END();

	begin("ipv6 atomic fragment (offset 0, no M) is neither first nor later");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IPV6);
	v6(&b, A6, B6, PB_IPPROTO_FRAGMENT);
	pb_ipv6_frag(&b, PB_IPPROTO_UDP, 0, false, 1);
	pb_udp(&b, 7000, 7001);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV6, PL_L4_UDP);
	CHECK_EQ(st.ipv6_frag_first + st.ipv6_frag_later, 0);
	TEST_END();

	begin("ipv6 chain of exactly PL_IPV6_EXT_MAX headers is walked");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IPV6);
	v6(&b, A6, B6, PB_IPPROTO_DSTOPTS);
	for (int i = 0; i < PL_IPV6_EXT_MAX; i++)
		pb_ipv6_opts_hdr(&b, i == PL_IPV6_EXT_MAX - 1 ? PB_IPPROTO_UDP : PB_IPPROTO_DSTOPTS,
				 8);
	pb_udp(&b, 9, 9);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV6, PL_L4_UDP);
	CHECK_EQ(count_flows(), 1);
	TEST_END();

	begin("ipv6 AH length is (hdrlen + 2) * 4, not (hdrlen + 1) * 8");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IPV6);
	v6(&b, A6, B6, PB_IPPROTO_AH);
	pb_ah(&b, PB_IPPROTO_TCP, 0x1000, 1, 12); /* 24 bytes, hdrlen 4 */
	tcp(&b, 1234, 80, PB_TCP_SYN | PB_TCP_ACK);
	pb_payload(&b, 64);
	pb_finish(&b);
	CHECK_EQ(b.buf[14 + 40 + 1], 4);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV6, PL_L4_TCP);
	CHECK_EQ(st.ipv6_ext, 1);
	CHECK_EQ(st.tcp_flags[PB_TCP_SYN | PB_TCP_ACK], 1);
	k = mkkey(ep6(A6, 1234), ep6(B6, 80), PB_IPPROTO_TCP, 6, 0, &dir);
	expect_flow1(&k, dir, b.len, PB_TCP_SYN | PB_TCP_ACK);
	TEST_END();

	begin("ipv6 no next header (59) is L4 other");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IPV6);
	v6(&b, A6, B6, PB_IPPROTO_NONE);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV6, PL_L4_OTHER);
	TEST_END();
}

/* ---- transport ----------------------------------------------------------------------- */

static void test_l4(void)
{
	struct pl_flow_key k;
	struct pl_flow_value v;
	struct pl_stats st;
	struct pb b;
	int dir, dir2;

	begin("icmp echo request and reply join one flow (id as both ports)");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	v4(&b, B4, A4, PB_IPPROTO_ICMP);
	pb_icmp_echo(&b, false, 0x4242, 1);
	pb_payload(&b, 56);
	pb_finish(&b);
	xdp(&b);
	__u64 t_req = g_ts;
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	v4(&b, A4, B4, PB_IPPROTO_ICMP);
	pb_icmp_echo(&b, true, 0x4242, 1);
	pb_payload(&b, 56);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_clean(&st);
	CHECK_EQ(st.l4_packets[PL_L4_ICMP], 2);
	CHECK_EQ(st.flows_created, 1);
	CHECK_EQ(count_flows(), 1);
	k = mkkey(ep4(B4, 0x4242), ep4(A4, 0x4242), PB_IPPROTO_ICMP, 4, 0, &dir);
	CHECK_EQ(k.port_a, htons(0x4242));
	CHECK_EQ(k.port_b, htons(0x4242));
	WITH_FLOW(&k, &v) {
		CHECK_EQ(v.packets[0], 1);
		CHECK_EQ(v.packets[1], 1);
		CHECK_EQ(v.bytes[dir], b.len);
		CHECK_EQ(v.bytes[!dir], b.len);
		CHECK_EQ(v.initiator, dir); /* the request (B4 -> A4) came first */
		CHECK_EQ(v.first_seen_ns, t_req);
		CHECK_EQ(v.last_seen_ns, g_ts);
		CHECK_EQ(v.tcp_flags, 0);
	}
	TEST_END();

	begin("icmp non-echo (port unreachable): flow with zero ports");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	v4(&b, A4, B4, PB_IPPROTO_ICMP);
	pb_icmp(&b, 3, 3, 0);
	pb_payload(&b, 28);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV4, PL_L4_ICMP);
	k = mkkey(ep4(A4, 0), ep4(B4, 0), PB_IPPROTO_ICMP, 4, 0, &dir);
	expect_flow1(&k, dir, b.len, 0);
	TEST_END();

	begin("icmpv6 echo request and reply join one flow");
	for (int reply = 0; reply <= 1; reply++) {
		pb_init(&b);
		pb_eth(&b, NULL, NULL, PB_ETH_P_IPV6);
		v6(&b, reply ? B6 : A6, reply ? A6 : B6, PB_IPPROTO_ICMPV6);
		pb_icmp6_echo(&b, reply, 7, 1);
		pb_payload(&b, 16);
		pb_finish(&b);
		xdp(&b);
	}
	read_stats(&st);
	expect_clean(&st);
	CHECK_EQ(st.l3_packets[PL_L3_IPV6], 2);
	CHECK_EQ(st.l4_packets[PL_L4_ICMPV6], 2);
	CHECK_EQ(count_flows(), 1);
	k = mkkey(ep6(A6, 7), ep6(B6, 7), PB_IPPROTO_ICMPV6, 6, 0, &dir);
	WITH_FLOW(&k, &v) {
		CHECK_EQ(v.packets[dir], 1);
		CHECK_EQ(v.packets[!dir], 1);
		CHECK_EQ(v.initiator, dir);
	}
	TEST_END();

	static const struct {
		const char *name;
		uint8_t flags;
	} combos[] = {
		{ "tcp flags SYN", PB_TCP_SYN },
		{ "tcp flags SYN|ACK", PB_TCP_SYN | PB_TCP_ACK },
		{ "tcp flags FIN|ACK", PB_TCP_FIN | PB_TCP_ACK },
		{ "tcp flags RST", PB_TCP_RST },
		{ "tcp flags XMAS (FIN|PSH|URG)", PB_TCP_FIN | PB_TCP_PSH | PB_TCP_URG },
		{ "tcp flags NULL", 0 },
		{ "tcp flags all eight (ECE|CWR too)", 0xff },
	};
	const size_t ncombo = sizeof(combos) / sizeof(combos[0]);

	for (size_t i = 0; i < ncombo; i++) {
		begin(combos[i].name);
		v4_tcp(&b, B4, 2000, A4, 3000, combos[i].flags, 0);
		xdp(&b);
		read_stats(&st);
		expect_one(&st, b.len, PL_L3_IPV4, PL_L4_TCP);
		CHECK_EQ(st.tcp_flags[combos[i].flags], 1);
		CHECK_EQ(sum(st.tcp_flags, 256), 1);
		k = mkkey(ep4(B4, 2000), ep4(A4, 3000), PB_IPPROTO_TCP, 4, 0, &dir);
		expect_flow1(&k, dir, b.len, combos[i].flags);
		TEST_END();
	}

	begin("tcp flags histogram over one flow of every combination");
	for (size_t i = 0; i < ncombo; i++) {
		v4_tcp(&b, A4, 2000, B4, 3000, combos[i].flags, 0);
		xdp(&b);
	}
	read_stats(&st);
	expect_clean(&st);
	for (size_t i = 0; i < ncombo; i++)
		CHECK(st.tcp_flags[combos[i].flags] == 1, "tcp_flags[0x%02x] == %llu, expected 1",
		      combos[i].flags, (unsigned long long)st.tcp_flags[combos[i].flags]);
	CHECK_EQ(sum(st.tcp_flags, 256), ncombo);
	CHECK_EQ(count_flows(), 1);
	k = mkkey(ep4(A4, 2000), ep4(B4, 3000), PB_IPPROTO_TCP, 4, 0, &dir);
	WITH_FLOW(&k, &v) {
		CHECK_EQ(v.packets[dir], ncombo);
		CHECK_EQ(v.tcp_flags, 0xffu << (8 * dir));
	}
	TEST_END();

	begin("tcp options (doff 8): parsed, not malformed");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	v4(&b, A4, B4, PB_IPPROTO_TCP);
	pb_tcp(&b, &(struct pb_tcp_opts){
			   .sport = 45000, .dport = 8080, .flags = PB_TCP_SYN,
			   /* MSS 1460, SACK permitted, timestamps, NOP, window scale 7 */
			   .options = (const uint8_t[]){ 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1,
							 0, 0, 0, 0, 1, 3, 3, 7 },
			   .optlen = 20 });
	pb_payload(&b, 5);
	pb_finish(&b);
	CHECK_EQ(b.buf[14 + 20 + 12] >> 4, 10);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV4, PL_L4_TCP);
	CHECK_EQ(st.tcp_flags[PB_TCP_SYN], 1);
	k = mkkey(ep4(A4, 45000), ep4(B4, 8080), PB_IPPROTO_TCP, 4, 0, &dir);
	expect_flow1(&k, dir, b.len, PB_TCP_SYN);
	{
		struct pl_flow_value v = {};

		CHECK(get_flow(&k, &v) && (v.tcp_flags >> 16) == 1u << dir,
		      "an OS's SYN (20 bytes of options) not marked: tcp_flags %#x", v.tcp_flags);
	}
	TEST_END();

	begin("udp");
	v4_udp(&b, 100);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV4, PL_L4_UDP);
	CHECK_EQ(sum(st.tcp_flags, 256), 0);
	k = mkkey(ep4(A4, 1234), ep4(B4, 53), PB_IPPROTO_UDP, 4, 0, &dir);
	expect_flow1(&k, dir, b.len, 0);
	TEST_END();

	begin("sctp INIT: ports from the common header");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	v4(&b, A4, B4, PB_IPPROTO_SCTP);
	pb_sctp(&b, 36412, 36412, 0);
	pb_sctp_chunk(&b, 1 /* INIT */, 0, 16);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV4, PL_L4_SCTP);
	k = mkkey(ep4(A4, 36412), ep4(B4, 36412), PB_IPPROTO_SCTP, 4, 0, &dir);
	expect_flow1(&k, dir, b.len, 0);
	TEST_END();

	begin("sctp over ipv6");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IPV6);
	v6(&b, A6, B6, PB_IPPROTO_SCTP);
	pb_sctp(&b, 2905, 2905, 0x11223344);
	pb_sctp_chunk(&b, 0 /* DATA */, 3, 20);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV6, PL_L4_SCTP);
	CHECK_EQ(count_flows(), 1);
	TEST_END();

	/* Both directions of one TCP conversation; the client has the higher address. */
	begin("tcp conversation: one flow, per-direction counters, initiator b");
	{
		static const struct {
			bool from_client;
			uint8_t flags;
			size_t payload;
		} conv[] = {
			{ true, PB_TCP_SYN, 0 },
			{ false, PB_TCP_SYN | PB_TCP_ACK, 0 },
			{ true, PB_TCP_ACK, 0 },
			{ true, PB_TCP_PSH | PB_TCP_ACK, 300 },
			{ false, PB_TCP_ACK, 0 },
			{ false, PB_TCP_PSH | PB_TCP_ACK, 1200 },
			{ true, PB_TCP_FIN | PB_TCP_ACK, 0 },
			{ false, PB_TCP_FIN | PB_TCP_ACK, 0 },
			{ true, PB_TCP_ACK, 0 },
		};
		__u64 pk[2] = { 0, 0 }, by[2] = { 0, 0 }, t0 = 0;
		__u32 fl[2] = { 0, 0 };
		uint32_t client = PB_IP4(198, 19, 7, 9), server = PB_IP4(198, 18, 8, 7);

		k = mkkey(ep4(client, 51000), ep4(server, 443), PB_IPPROTO_TCP, 4, 0, &dir);
		/* 198.19.7.9 vs 198.18.8.7: the last word decides, compared as the program does */
		for (size_t i = 0; i < sizeof(conv) / sizeof(conv[0]); i++) {
			int d = conv[i].from_client ? dir : !dir;

			if (conv[i].from_client)
				v4_tcp(&b, client, 51000, server, 443, conv[i].flags,
				       conv[i].payload);
			else
				v4_tcp(&b, server, 443, client, 51000, conv[i].flags,
				       conv[i].payload);
			xdp(&b);
			if (!i)
				t0 = g_ts;
			pk[d]++;
			by[d] += b.len;
			fl[d] |= conv[i].flags;
		}
		read_stats(&st);
		expect_clean(&st);
		CHECK_EQ(st.flows_created, 1);
		CHECK_EQ(count_flows(), 1);
		CHECK_EQ(st.tcp_flags[PB_TCP_ACK], 3);
		CHECK_EQ(st.tcp_flags[PB_TCP_FIN | PB_TCP_ACK], 2);
		WITH_FLOW(&k, &v) {
			CHECK_EQ(v.packets[0], pk[0]);
			CHECK_EQ(v.packets[1], pk[1]);
			CHECK_EQ(v.bytes[0], by[0]);
			CHECK_EQ(v.bytes[1], by[1]);
			CHECK_EQ(v.tcp_flags, fl[0] | fl[1] << 8);
			CHECK_EQ(v.initiator, dir);
			CHECK_EQ(v.first_seen_ns, t0);
			CHECK_EQ(v.last_seen_ns, g_ts);
		}
		CHECK(dir == PL_DIR_B_TO_A, "test meant the client to be endpoint b");
	}
	TEST_END();

	begin("tcp conversation: initiator a when the client is lower");
	v4_tcp(&b, A4, 40000, B4, 22, PB_TCP_SYN, 0);
	xdp(&b);
	v4_tcp(&b, B4, 22, A4, 40000, PB_TCP_SYN | PB_TCP_ACK, 0);
	xdp(&b);
	k = mkkey(ep4(A4, 40000), ep4(B4, 22), PB_IPPROTO_TCP, 4, 0, &dir);
	CHECK_EQ(dir, PL_DIR_A_TO_B);
	WITH_FLOW(&k, &v) {
		CHECK_EQ(v.initiator, PL_DIR_A_TO_B);
		CHECK_EQ(v.packets[0], 1);
		CHECK_EQ(v.packets[1], 1);
		CHECK_EQ(v.tcp_flags, PB_TCP_SYN | (PB_TCP_SYN | PB_TCP_ACK) << 8);
	}
	TEST_END();

	begin("same address both ends: the port decides the endpoint order");
	v4_tcp(&b, A4, 5000, A4, 80, PB_TCP_SYN, 0);
	xdp(&b);
	v4_tcp(&b, A4, 80, A4, 5000, PB_TCP_RST | PB_TCP_ACK, 0);
	xdp(&b);
	k = mkkey(ep4(A4, 5000), ep4(A4, 80), PB_IPPROTO_TCP, 4, 0, &dir);
	mkkey(ep4(A4, 80), ep4(A4, 5000), PB_IPPROTO_TCP, 4, 0, &dir2);
	CHECK(dir != dir2, "the two directions should normalize differently");
	CHECK_EQ(count_flows(), 1);
	WITH_FLOW(&k, &v) {
		CHECK_EQ(v.packets[dir], 1);
		CHECK_EQ(v.packets[dir2], 1);
		CHECK_EQ(v.initiator, dir);
	}
	TEST_END();

	begin("capture time going backwards: first seen is the earliest, last seen the latest");
	__u64 tb = g_ts;
	g_ts = tb + 5000;
	v4_tcp(&b, A4, 40000, B4, 22, PB_TCP_ACK, 0);
	xdp(&b); /* at tb + 5001 */
	g_ts = tb + 999;
	xdp(&b); /* at tb + 1000: earlier than the first */
	g_ts = tb + 2999;
	xdp(&b); /* in between */
	k = mkkey(ep4(A4, 40000), ep4(B4, 22), PB_IPPROTO_TCP, 4, 0, &dir);
	WITH_FLOW(&k, &v) {
		CHECK_EQ(v.packets[dir], 3);
		CHECK_EQ(v.first_seen_ns, tb + 1000);
		CHECK_EQ(v.last_seen_ns, tb + 5001);
	}
	g_ts = tb + 5001; /* later cases expect time to move on */
	TEST_END();
}

/* ---- tunnels ------------------------------------------------------------------------- */

static void expect_tunnel(const struct pl_stats *st, __u64 len, int l3, int l4, int encap,
			  int il3, int il4)
{
	expect_clean(st);
	CHECK_EQ(st->packets, 1);
	CHECK_EQ(st->bytes, len);
	CHECK(st->l3_packets[l3] == 1, "outer l3_packets[%d] != 1", l3);
	CHECK(st->l4_packets[l4] == 1, "outer l4_packets[%d] != 1", l4);
	CHECK(st->encap[encap] == 1, "encap[%d] == %llu, expected 1", encap,
	      (unsigned long long)st->encap[encap]);
	CHECK_EQ(sum(st->encap, PL_ENCAP_MAX), 1);
	CHECK(st->inner_l3_packets[il3] == 1, "inner_l3_packets[%d] == %llu, expected 1", il3,
	      (unsigned long long)st->inner_l3_packets[il3]);
	CHECK_EQ(sum(st->inner_l3_packets, PL_L3_MAX), 1);
	CHECK(st->inner_l4_packets[il4] == 1, "inner_l4_packets[%d] == %llu, expected 1", il4,
	      (unsigned long long)st->inner_l4_packets[il4]);
	CHECK_EQ(sum(st->inner_l4_packets, PL_L4_MAX), 1);
	/* the inner packet is counted, not tracked */
	CHECK_EQ(sum(st->tcp_flags, 256), 0);
	CHECK_EQ(st->flows_created, 1);
}

static void gre_v4_tcp(struct pb *b)
{
	pb_init(b);
	pb_eth(b, NULL, NULL, PB_ETH_P_IP);
	v4(b, PB_IP4(198, 51, 100, 1), PB_IP4(203, 0, 113, 1), PB_IPPROTO_GRE);
	pb_gre(b, &(struct pb_gre_opts){ .proto = PB_ETH_P_IP });
	v4(b, A4, B4, PB_IPPROTO_TCP);
	tcp(b, 1000, 2000, PB_TCP_SYN);
	pb_payload(b, 10);
	pb_finish(b);
}

static void vxlan_v6_udp(struct pb *b)
{
	pb_init(b);
	pb_eth(b, NULL, NULL, PB_ETH_P_IP);
	v4(b, PB_IP4(198, 51, 100, 1), PB_IP4(203, 0, 113, 1), PB_IPPROTO_UDP);
	pb_udp(b, 49152, PB_VXLAN_PORT);
	pb_vxlan(b, 5001);
	pb_eth(b, NULL, NULL, PB_ETH_P_IPV6);
	v6(b, A6, B6, PB_IPPROTO_UDP);
	pb_udp(b, 1000, 53);
	pb_payload(b, 30);
	pb_finish(b);
}

static void test_tunnels(void)
{
	struct pl_flow_key k;
	struct pl_stats st;
	struct pb b;
	int dir;

	begin("gre -> ipv4/tcp: outer GRE flow with ports 0, inner counted");
	gre_v4_tcp(&b);
	xdp(&b);
	read_stats(&st);
	expect_tunnel(&st, b.len, PL_L3_IPV4, PL_L4_GRE, PL_ENCAP_GRE, PL_L3_IPV4, PL_L4_TCP);
	CHECK_EQ(count_flows(), 1);
	k = mkkey(ep4(PB_IP4(198, 51, 100, 1), 0), ep4(PB_IP4(203, 0, 113, 1), 0), PB_IPPROTO_GRE,
		  4, 0, &dir);
	expect_flow1(&k, dir, b.len, 0);
	TEST_END();

	begin("gre with checksum + key + sequence over ipv6 -> ipv6/udp");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IPV6);
	v6(&b, "2001:db8:ff::1", "2001:db8:ff::2", PB_IPPROTO_GRE);
	pb_gre(&b, &(struct pb_gre_opts){ .proto = PB_ETH_P_IPV6, .csum = true, .key = true,
					  .key_val = 0xdeadbeef, .seq = true, .seq_val = 9 });
	v6(&b, A6, B6, PB_IPPROTO_UDP);
	pb_udp(&b, 4000, 4001);
	pb_payload(&b, 8);
	pb_finish(&b);
	CHECK_EQ(b.buf[14 + 40], 0xb0);
	xdp(&b);
	read_stats(&st);
	expect_tunnel(&st, b.len, PL_L3_IPV6, PL_L4_GRE, PL_ENCAP_GRE, PL_L3_IPV6, PL_L4_UDP);
	k = mkkey(ep6("2001:db8:ff::1", 0), ep6("2001:db8:ff::2", 0), PB_IPPROTO_GRE, 6, 0, &dir);
	expect_flow1(&k, dir, b.len, 0);
	TEST_END();

	begin("gre key only -> ipv4/udp");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	v4(&b, PB_IP4(198, 51, 100, 1), PB_IP4(203, 0, 113, 1), PB_IPPROTO_GRE);
	pb_gre(&b, &(struct pb_gre_opts){ .proto = PB_ETH_P_IP, .key = true, .key_val = 1 });
	v4(&b, A4, B4, PB_IPPROTO_UDP);
	pb_udp(&b, 4000, 4001);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_tunnel(&st, b.len, PL_L3_IPV4, PL_L4_GRE, PL_ENCAP_GRE, PL_L3_IPV4, PL_L4_UDP);
	TEST_END();

	begin("gre TEB -> ethernet -> ipv4/icmp");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	v4(&b, PB_IP4(198, 51, 100, 1), PB_IP4(203, 0, 113, 1), PB_IPPROTO_GRE);
	pb_gre(&b, &(struct pb_gre_opts){ .proto = PB_ETH_P_TEB });
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	v4(&b, A4, B4, PB_IPPROTO_ICMP);
	pb_icmp_echo(&b, false, 1, 1);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_tunnel(&st, b.len, PL_L3_IPV4, PL_L4_GRE, PL_ENCAP_GRE, PL_L3_IPV4, PL_L4_ICMP);
	CHECK_EQ(st.vlan_tagged, 0);
	TEST_END();

	begin("gre TEB -> tagged ethernet: inner tag not counted as outer VLAN");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	v4(&b, PB_IP4(198, 51, 100, 1), PB_IP4(203, 0, 113, 1), PB_IPPROTO_GRE);
	pb_gre(&b, &(struct pb_gre_opts){ .proto = PB_ETH_P_TEB });
	pb_eth(&b, NULL, NULL, PB_ETH_P_8021Q);
	pb_vlan(&b, 55, 0, PB_ETH_P_ARP);
	pb_arp(&b, 2, NULL, A4, NULL, B4);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_tunnel(&st, b.len, PL_L3_IPV4, PL_L4_GRE, PL_ENCAP_GRE, PL_L3_ARP, PL_L4_NONE);
	CHECK_EQ(st.vlan_tagged, 0);
	k = mkkey(ep4(PB_IP4(198, 51, 100, 1), 0), ep4(PB_IP4(203, 0, 113, 1), 0), PB_IPPROTO_GRE,
		  4, 0, &dir);
	expect_flow1(&k, dir, b.len, 0);
	TEST_END();

	begin("gre version 1 (PPTP): counted as GRE, not opened");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	v4(&b, A4, B4, PB_IPPROTO_GRE);
	pb_gre(&b, &(struct pb_gre_opts){ .proto = PB_ETH_P_PPP, .version = 1, .key = true,
					  .key_val = 24u << 16 | 0x1234, .seq = true,
					  .seq_val = 3 });
	pb_put(&b, (const uint8_t[]){ 0xff, 0x03, 0x00, 0x21 }, 4); /* PPP: IPv4 */
	pb_payload(&b, 20);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV4, PL_L4_GRE);
	k = mkkey(ep4(A4, 0), ep4(B4, 0), PB_IPPROTO_GRE, 4, 0, &dir);
	expect_flow1(&k, dir, b.len, 0);
	TEST_END();

	begin("vxlan (udp 4789) -> ethernet -> ipv6/udp");
	vxlan_v6_udp(&b);
	xdp(&b);
	read_stats(&st);
	expect_tunnel(&st, b.len, PL_L3_IPV4, PL_L4_UDP, PL_ENCAP_VXLAN, PL_L3_IPV6, PL_L4_UDP);
	CHECK_EQ(count_flows(), 1);
	k = mkkey(ep4(PB_IP4(198, 51, 100, 1), 49152), ep4(PB_IP4(203, 0, 113, 1), PB_VXLAN_PORT),
		  PB_IPPROTO_UDP, 4, 0, &dir);
	expect_flow1(&k, dir, b.len, 0);
	TEST_END();

	begin("vxlan -> ethernet -> ipv4 later fragment: inner L4 frag");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	v4(&b, PB_IP4(198, 51, 100, 1), PB_IP4(203, 0, 113, 1), PB_IPPROTO_UDP);
	pb_udp(&b, 49152, PB_VXLAN_PORT);
	pb_vxlan(&b, 1);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	pb_ipv4(&b, &(struct pb_ipv4_opts){ .src = A4, .dst = B4, .proto = PB_IPPROTO_TCP,
					    .frag_off = 100 });
	pb_payload(&b, 40);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_tunnel(&st, b.len, PL_L3_IPV4, PL_L4_UDP, PL_ENCAP_VXLAN, PL_L3_IPV4, PL_L4_FRAG);
	CHECK_EQ(st.ipv4_frag_later, 0); /* outer-only counter */
	TEST_END();

	begin("udp 4789 without the VXLAN I flag is not opened");
	vxlan_v6_udp(&b);
	b.buf[14 + 20 + 8] = 0; /* clear I */
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV4, PL_L4_UDP);
	TEST_END();
}

/* ---- sizes, wire length, flow table ---------------------------------------------------- */

static void test_sizes(void)
{
	static const struct {
		__u32 len;
		int bucket;
	} edges[] = {
		{ 64, PL_SZ_LE64 },     { 65, PL_SZ_LE127 },    { 127, PL_SZ_LE127 },
		{ 128, PL_SZ_LE255 },   { 255, PL_SZ_LE255 },   { 256, PL_SZ_LE511 },
		{ 511, PL_SZ_LE511 },   { 512, PL_SZ_LE1023 },  { 1023, PL_SZ_LE1023 },
		{ 1024, PL_SZ_LE1518 }, { 1518, PL_SZ_LE1518 }, { 1519, PL_SZ_JUMBO },
		{ 9000, PL_SZ_JUMBO },
	};
	struct pl_stats st;
	struct pl_flow_key k;
	struct pl_flow_value v;
	struct pb b;
	int dir;

	begin("size histogram bucket edges via wire_len (64-byte frame)");
	v4_udp(&b, 22); /* 64 bytes */
	CHECK_EQ(b.len, 64);
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		reset_maps(g_skel);
		xdp_wire(&b, edges[i].len);
		read_stats(&st);
		CHECK(st.size_hist[edges[i].bucket] == 1 && sum(st.size_hist, PL_SZ_MAX) == 1,
		      "wire_len %u: bucket %d == %llu (total %llu), expected 1", edges[i].len,
		      edges[i].bucket, (unsigned long long)st.size_hist[edges[i].bucket],
		      (unsigned long long)sum(st.size_hist, PL_SZ_MAX));
		CHECK_EQ(st.bytes, edges[i].len);
		CHECK_EQ(st.l4_bytes[PL_L4_UDP], edges[i].len);
	}
	TEST_END();

	begin("size histogram bucket edges with whole frames");
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		reset_maps(g_skel);
		v4_udp(&b, edges[i].len - 42);
		xdp(&b);
		read_stats(&st);
		expect_clean(&st);
		CHECK(st.size_hist[edges[i].bucket] == 1,
		      "frame %u: bucket %d == %llu, expected 1", edges[i].len, edges[i].bucket,
		      (unsigned long long)st.size_hist[edges[i].bucket]);
	}
	TEST_END();

	begin("snaplen-truncated capture: bytes from wire_len, headers still parsed");
	v4_tcp(&b, A4, 33000, B4, 443, PB_TCP_PSH | PB_TCP_ACK, 1446); /* 1500 bytes */
	CHECK_EQ(b.len, 1500);
	xdp_cut(&b, 96);
	read_stats(&st);
	expect_one(&st, 1500, PL_L3_IPV4, PL_L4_TCP);
	CHECK_EQ(st.size_hist[PL_SZ_LE1518], 1);
	k = mkkey(ep4(A4, 33000), ep4(B4, 443), PB_IPPROTO_TCP, 4, 0, &dir);
	expect_flow1(&k, dir, 1500, PB_TCP_PSH | PB_TCP_ACK);
	TEST_END();

	begin("jumbo frame of 9000 bytes: multi-buffer XDP, headers from the first buffer");
	v4_tcp(&b, A4, 33000, B4, 443, PB_TCP_ACK, 9000 - 54);
	CHECK_EQ(b.len, 9000);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, 9000, PL_L3_IPV4, PL_L4_TCP);
	CHECK_EQ(st.size_hist[PL_SZ_JUMBO], 1);
	k = mkkey(ep4(A4, 33000), ep4(B4, 443), PB_IPPROTO_TCP, 4, 0, &dir);
	expect_flow1(&k, dir, 9000, PB_TCP_ACK);
	TEST_END();

	begin("flows_created counts new entries only");
	for (int i = 0; i < 3; i++) {
		v4_udp(&b, 10);
		xdp(&b);
	}
	v4_tcp(&b, A4, 1, B4, 2, PB_TCP_SYN, 0);
	xdp(&b);
	read_stats(&st);
	CHECK_EQ(st.flows_created, 2);
	CHECK_EQ(count_flows(), 2);
	k = mkkey(ep4(A4, 1234), ep4(B4, 53), PB_IPPROTO_UDP, 4, 0, &dir);
	WITH_FLOW(&k, &v) {
		CHECK_EQ(v.packets[dir], 3);
		CHECK(v.first_seen_ns < v.last_seen_ns, "first_seen %llu !< last_seen %llu",
		      (unsigned long long)v.first_seen_ns, (unsigned long long)v.last_seen_ns);
	}
	TEST_END();

	TEST_BEGIN("LRU flow table of 16: 100 flows created, at most 16 live");
	{
		struct pktlens *small = skel_load(16);

		if (!small) {
			CHECK(0, "loading a skeleton with 16 flow entries failed");
		} else {
			struct pl_stats s16;
			__u32 rv;
			int live;

			for (int i = 0; i < 100; i++) {
				pb_init(&b);
				pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
				v4(&b, PB_IP4(10, 1, (i >> 8) & 0xff, i & 0xff), PB_IP4(10, 2, 0, 1),
				   PB_IPPROTO_UDP);
				pb_udp(&b, (uint16_t)(1000 + i), 53);
				pb_finish(&b);
				int err = run_raw(small, small->progs.xdp_pktlens, b.buf, b.len,
						  (__u32)b.len, NULL, &rv);
				CHECK(err == 0 && rv == XDP_PASS, "packet %d: err %d retval %u", i,
				      err, rv);
			}
			read_stats_of(small, &s16);
			live = count_flows_of(small);
			CHECK_EQ(s16.packets, 100);
			CHECK_EQ(s16.flows_created, 100);
			CHECK_EQ(s16.flow_update_fail, 0);
			CHECK(live >= 1 && live <= 16, "%d live flows, expected 1..16", live);
			printf("  (LRU: 100 created, %d live, %llu evicted)\n", live,
			       (unsigned long long)(s16.flows_created - (unsigned)live));
			pktlens__destroy(small);
		}
	}
	TEST_END();
}

/* ---- malformed ------------------------------------------------------------------------ */

/* Ethernet + IPv4 header announcing @proto, ready for a transport header. */
static void v4_hdr(struct pb *b, uint8_t proto)
{
	pb_init(b);
	pb_eth(b, NULL, NULL, PB_ETH_P_IP);
	v4(b, A4, B4, proto);
}

static void v6_hdr(struct pb *b, uint8_t nexthdr)
{
	pb_init(b);
	pb_eth(b, NULL, NULL, PB_ETH_P_IPV6);
	v6(b, A6, B6, nexthdr);
}

/* Checks shared by packets whose outer L3/L4 classes were counted before the error. */
static void expect_classes(const struct pl_stats *st, int l3, int l4)
{
	CHECK(st->l3_packets[l3] == 1, "l3_packets[%d] == %llu, expected 1", l3,
	      (unsigned long long)st->l3_packets[l3]);
	CHECK(st->l4_packets[l4] == 1, "l4_packets[%d] == %llu, expected 1", l4,
	      (unsigned long long)st->l4_packets[l4]);
	CHECK_EQ(sum(st->l3_packets, PL_L3_MAX), 1);
	CHECK_EQ(sum(st->l4_packets, PL_L4_MAX), 1);
}

static void test_trunc_eth(void)
{
	struct pl_stats st;
	struct pb b;
	__u32 rv;
	int err;

	/*
	 * An outer Ethernet header shorter than 14 bytes cannot reach the program through
	 * BPF_PROG_TEST_RUN: XDP and TC refuse data_in under ETH_HLEN, and XDP checks the
	 * frame behind any metadata (ctx_in xdp_md.data) against ETH_HLEN too. Live,
	 * drivers do not hand such runts to XDP either. The outer check stays as a guard;
	 * PL_MAL_TRUNC_ETH is produced below by an inner Ethernet header (VXLAN, GRE TEB)
	 * that the packet cuts short.
	 */
	begin("frames shorter than 14 bytes: test_run refuses them (EINVAL)");
	pb_init(&b);
	pb_payload(&b, 13);
	err = run_raw(g_skel, g_skel->progs.xdp_pktlens, b.buf, b.len, 13, NULL, &rv);
	CHECK(err == -EINVAL, "xdp test_run of 13 bytes: %d (%s), expected EINVAL", err,
	      strerror(-err));
	err = run_raw(g_skel, g_skel->progs.tc_pktlens, b.buf, b.len, 13, NULL, &rv);
	CHECK(err == -EINVAL, "tc test_run of 13 bytes: %d (%s), expected EINVAL", err,
	      strerror(-err));
	{
		/* 8 bytes of metadata + a 12-byte frame */
		struct xdp_md ctx = { .data = 8, .data_end = 20 };

		pb_init(&b);
		pb_zero(&b, 8);
		pb_payload(&b, 12);
		err = run_raw(g_skel, g_skel->progs.xdp_pktlens, b.buf, b.len, 12, &ctx, &rv);
		CHECK(err == -EINVAL,
		      "xdp test_run of a 12-byte frame behind metadata: %d (%s), expected EINVAL",
		      err, strerror(-err));
		/* the same metadata in front of a 14-byte frame is accepted */
		pb_init(&b);
		pb_zero(&b, 8);
		pb_eth(&b, NULL, NULL, 0x88b5);
		ctx.data_end = (__u32)b.len;
		err = run_raw(g_skel, g_skel->progs.xdp_pktlens, b.buf, b.len, 14, &ctx, &rv);
		CHECK(err == 0 && rv == XDP_PASS, "14-byte frame behind metadata: %d (%s), %u",
		      err, strerror(-err), rv);
	}
	read_stats(&st);
	CHECK_EQ(st.packets, 1);
	CHECK_EQ(st.l3_packets[PL_L3_OTHER], 1);
	CHECK_EQ(sum(st.malformed, PL_MAL_MAX), 0);
	TEST_END();

	begin("malformed trunc_eth: inner ethernet of GRE TEB cut short");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	v4(&b, A4, B4, PB_IPPROTO_GRE);
	pb_gre(&b, &(struct pb_gre_opts){ .proto = PB_ETH_P_TEB });
	pb_payload(&b, 10);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_ETH);
	expect_classes(&st, PL_L3_IPV4, PL_L4_GRE);
	CHECK_EQ(st.encap[PL_ENCAP_GRE], 1);
	CHECK_EQ(sum(st.inner_l3_packets, PL_L3_MAX), 0);
	TEST_END();

	begin("malformed trunc_eth: inner ethernet of VXLAN cut short");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	v4(&b, A4, B4, PB_IPPROTO_UDP);
	pb_udp(&b, 49152, PB_VXLAN_PORT);
	pb_vxlan(&b, 1);
	pb_payload(&b, 13);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_ETH);
	expect_classes(&st, PL_L3_IPV4, PL_L4_UDP);
	CHECK_EQ(st.encap[PL_ENCAP_VXLAN], 1);
	CHECK_EQ(sum(st.inner_l3_packets, PL_L3_MAX), 0);
	CHECK_EQ(count_flows(), 1); /* the outer UDP flow is still tracked */
	TEST_END();
}

static void test_malformed(void)
{
	struct pl_stats st;
	struct pb b;

	test_trunc_eth();

	begin("malformed trunc_vlan: 802.1Q ethertype, 2 bytes of tag");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_8021Q);
	pb_put(&b, (const uint8_t[]){ 0x00, 0x64 }, 2);
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_VLAN);
	CHECK_EQ(sum(st.l3_packets, PL_L3_MAX), 0);
	TEST_END();

	begin("malformed trunc_vlan: second tag of QinQ cut short");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_8021AD);
	pb_vlan(&b, 10, 0, PB_ETH_P_8021Q);
	pb_put(&b, (const uint8_t[]){ 0x00, 0x64, 0x08 }, 3);
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_VLAN);
	CHECK_EQ(st.vlan_tagged, 1);
	CHECK_EQ(st.qinq, 0);
	TEST_END();

	begin("malformed vlan_too_deep: three tags");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_8021AD);
	pb_vlan(&b, 10, 0, PB_ETH_P_8021Q);
	pb_vlan(&b, 20, 0, PB_ETH_P_8021Q);
	pb_vlan(&b, 30, 0, PB_ETH_P_IP);
	v4(&b, A4, B4, PB_IPPROTO_UDP);
	pb_udp(&b, 1, 2);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_VLAN_TOO_DEEP);
	CHECK_EQ(st.vlan_tagged, 1);
	CHECK_EQ(st.qinq, 1);
	CHECK_EQ(sum(st.l3_packets, PL_L3_MAX), 0);
	CHECK_EQ(count_flows(), 0);
	TEST_END();

	begin("malformed trunc_arp: 7 bytes of ARP");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_ARP);
	pb_arp(&b, 1, NULL, A4, NULL, B4);
	pb_trim(&b, 14 + 7);
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_ARP);
	expect_classes(&st, PL_L3_ARP, PL_L4_NONE);
	TEST_END();

	begin("malformed trunc_ipv4: 19 bytes of header");
	v4_udp(&b, 10);
	xdp_short(&b, 14 + 19);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_IPV4);
	expect_classes(&st, PL_L3_IPV4, PL_L4_NONE);
	CHECK_EQ(count_flows(), 0);
	TEST_END();

	begin("malformed trunc_ipv4: options cut short (ihl 8, 24 bytes)");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	pb_ipv4(&b, &(struct pb_ipv4_opts){ .src = A4, .dst = B4, .proto = PB_IPPROTO_UDP,
					    .options = (const uint8_t[12]){ 1, 1, 1, 1 },
					    .optlen = 12 });
	pb_udp(&b, 1, 2);
	xdp_short(&b, 14 + 24);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_IPV4);
	CHECK_EQ(st.ipv4_options, 0);
	TEST_END();

	begin("malformed bad_ipv4_version: version 6 under ethertype IPv4");
	v4_udp(&b, 10);
	b.buf[14] = 0x65;
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_BAD_IPV4_VERSION);
	expect_classes(&st, PL_L3_IPV4, PL_L4_NONE);
	TEST_END();

	begin("malformed bad_ipv4_ihl: ihl 4");
	v4_udp(&b, 10);
	b.buf[14] = 0x44;
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_BAD_IPV4_IHL);
	expect_classes(&st, PL_L3_IPV4, PL_L4_NONE);
	TEST_END();

	begin("malformed bad_ipv4_totlen: tot_len beyond the frame");
	v4_udp(&b, 10);
	pb_set16(&b, 14 + 2, (uint16_t)(b.len - 14 + 1));
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_BAD_IPV4_TOTLEN);
	expect_classes(&st, PL_L3_IPV4, PL_L4_NONE);
	CHECK_EQ(count_flows(), 0);
	TEST_END();

	begin("bad_ipv4_totlen boundary: tot_len reaching exactly the frame end is fine");
	v4_udp(&b, 10);
	pb_zero(&b, 6); /* Ethernet padding after the IP packet is allowed */
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV4, PL_L4_UDP);
	TEST_END();

	begin("malformed bad_ipv4_totlen: tot_len smaller than ihl * 4");
	v4_udp(&b, 10);
	pb_set16(&b, 14 + 2, 19);
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_BAD_IPV4_TOTLEN);
	expect_classes(&st, PL_L3_IPV4, PL_L4_NONE);
	TEST_END();

	begin("IPv4 BIG TCP: total length 0 on a frame over 64 KiB is the whole frame");
	v4_hdr(&b, PB_IPPROTO_TCP);
	pb_tcp(&b, &(struct pb_tcp_opts){ .sport = 1000, .dport = 2000, .flags = 0x10 });
	pb_finish(&b);
	pb_set16(&b, 14 + 2, 0);
	xdp_wire(&b, 80000);
	read_stats(&st);
	expect_one(&st, 80000, PL_L3_IPV4, PL_L4_TCP);
	CHECK_EQ(st.tso, 1);
	TEST_END();

	begin("IPv4 total length 0 on a frame under 64 KiB is TSO: the frame's length");
	v4_hdr(&b, PB_IPPROTO_TCP);
	pb_tcp(&b, &(struct pb_tcp_opts){ .sport = 1000, .dport = 2000, .flags = 0x10 });
	pb_finish(&b);
	pb_set16(&b, 14 + 2, 0);
	xdp_wire(&b, 60000);
	read_stats(&st);
	expect_one(&st, 60000, PL_L3_IPV4, PL_L4_TCP);
	CHECK_EQ(st.tso, 1);
	TEST_END();

	begin("UDP length 0 on a datagram over 64 KiB (jumbogram, BIG TCP) is fine");
	v4_udp(&b, 10);
	pb_set16(&b, 14 + 2, 0);
	pb_set16(&b, 14 + 20 + 4, 0);
	xdp_wire(&b, 70000);
	read_stats(&st);
	expect_one(&st, 70000, PL_L3_IPV4, PL_L4_UDP);
	TEST_END();

	begin("UDP length 0 on a small datagram is malformed");
	v4_udp(&b, 10);
	pb_set16(&b, 14 + 20 + 4, 0);
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_BAD_UDP_LEN);
	TEST_END();

	begin("malformed trunc_ipv6: 39 bytes of header");
	v6_hdr(&b, PB_IPPROTO_UDP);
	pb_udp(&b, 1, 2);
	xdp_short(&b, 14 + 39);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_IPV6);
	expect_classes(&st, PL_L3_IPV6, PL_L4_NONE);
	TEST_END();

	begin("malformed bad_ipv6_version: version 4 under ethertype IPv6");
	v6_hdr(&b, PB_IPPROTO_UDP);
	pb_udp(&b, 1, 2);
	pb_finish(&b);
	b.buf[14] = (uint8_t)(0x40 | (b.buf[14] & 0x0f));
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_BAD_IPV6_VERSION);
	expect_classes(&st, PL_L3_IPV6, PL_L4_NONE);
	TEST_END();

	begin("malformed bad_ipv6_ext_chain: PL_IPV6_EXT_MAX + 1 headers");
	v6_hdr(&b, PB_IPPROTO_DSTOPTS);
	for (int i = 0; i <= PL_IPV6_EXT_MAX; i++)
		pb_ipv6_opts_hdr(&b, i == PL_IPV6_EXT_MAX ? PB_IPPROTO_UDP : PB_IPPROTO_DSTOPTS, 8);
	pb_udp(&b, 9, 9);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_BAD_IPV6_EXT_CHAIN);
	expect_classes(&st, PL_L3_IPV6, PL_L4_NONE);
	CHECK_EQ(st.ipv6_ext, 1);
	CHECK_EQ(count_flows(), 0);
	TEST_END();

	begin("malformed bad_ipv6_ext_chain: header length runs past the frame");
	v6_hdr(&b, PB_IPPROTO_HOPOPTS);
	pb_ipv6_opts_hdr(&b, PB_IPPROTO_UDP, 16);
	pb_udp(&b, 9, 9);
	xdp_short(&b, 14 + 40 + 12);
	read_stats(&st);
	expect_mal(&st, PL_MAL_BAD_IPV6_EXT_CHAIN);
	TEST_END();

	begin("malformed bad_ipv6_ext_chain: extension header of 3 bytes");
	v6_hdr(&b, PB_IPPROTO_ROUTING);
	pb_ipv6_routing(&b, PB_IPPROTO_TCP, 4, 0, 1);
	xdp_short(&b, 14 + 40 + 3);
	read_stats(&st);
	expect_mal(&st, PL_MAL_BAD_IPV6_EXT_CHAIN);
	TEST_END();

	begin("malformed bad_ipv6_ext_chain: AH length past the frame");
	v6_hdr(&b, PB_IPPROTO_AH);
	pb_ah(&b, PB_IPPROTO_TCP, 1, 1, 12);
	tcp(&b, 1, 2, PB_TCP_SYN);
	/* 20 bytes of AH are there: (hdrlen + 1) * 8 = 40 would also fail, 24 must */
	xdp_short(&b, 14 + 40 + 20);
	read_stats(&st);
	expect_mal(&st, PL_MAL_BAD_IPV6_EXT_CHAIN);
	TEST_END();

	begin("malformed trunc_tcp: 19 bytes of header");
	v4_tcp(&b, A4, 1, B4, 2, PB_TCP_SYN, 0);
	xdp_short(&b, 14 + 20 + 19);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_TCP);
	expect_classes(&st, PL_L3_IPV4, PL_L4_TCP);
	CHECK_EQ(count_flows(), 0);
	TEST_END();

	begin("malformed trunc_tcp: options cut short (doff 15, 40 bytes)");
	v4_hdr(&b, PB_IPPROTO_TCP);
	pb_tcp(&b, &(struct pb_tcp_opts){ .sport = 1, .dport = 2, .flags = PB_TCP_SYN,
					  .options = (const uint8_t[40]){ 1 }, .optlen = 40 });
	xdp_short(&b, 14 + 20 + 40);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_TCP);
	TEST_END();

	begin("malformed bad_tcp_doff: doff 4");
	v4_tcp(&b, A4, 1, B4, 2, PB_TCP_SYN, 20);
	b.buf[14 + 20 + 12] = 0x40;
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_BAD_TCP_DOFF);
	expect_classes(&st, PL_L3_IPV4, PL_L4_TCP);
	CHECK_EQ(count_flows(), 0);
	TEST_END();

	begin("malformed trunc_udp: 7 bytes");
	v4_udp(&b, 0);
	xdp_short(&b, 14 + 20 + 7);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_UDP);
	expect_classes(&st, PL_L3_IPV4, PL_L4_UDP);
	CHECK_EQ(count_flows(), 0);
	TEST_END();

	begin("malformed bad_udp_len: length 7");
	v4_udp(&b, 10);
	pb_set16(&b, 14 + 20 + 4, 7);
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_BAD_UDP_LEN);
	expect_classes(&st, PL_L3_IPV4, PL_L4_UDP);
	TEST_END();

	begin("malformed trunc_icmp: 7 bytes");
	v4_hdr(&b, PB_IPPROTO_ICMP);
	pb_icmp_echo(&b, false, 1, 1);
	xdp_short(&b, 14 + 20 + 7);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_ICMP);
	expect_classes(&st, PL_L3_IPV4, PL_L4_ICMP);
	CHECK_EQ(count_flows(), 0);
	TEST_END();

	begin("malformed trunc_icmpv6: 3 bytes");
	v6_hdr(&b, PB_IPPROTO_ICMPV6);
	pb_icmp6_echo(&b, false, 1, 1);
	xdp_short(&b, 14 + 40 + 3);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_ICMPV6);
	expect_classes(&st, PL_L3_IPV6, PL_L4_ICMPV6);
	CHECK_EQ(count_flows(), 0);
	TEST_END();

	begin("icmpv6 with a 4-byte header is valid (no echo id)");
	v6_hdr(&b, PB_IPPROTO_ICMPV6);
	pb_icmp6(&b, 128, 0, 0);
	pb_trim(&b, 14 + 40 + 4);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV6, PL_L4_ICMPV6);
	CHECK_EQ(count_flows(), 1);
	TEST_END();

	begin("malformed trunc_sctp: 11 bytes");
	v4_hdr(&b, PB_IPPROTO_SCTP);
	pb_sctp(&b, 1, 2, 3);
	xdp_short(&b, 14 + 20 + 11);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_SCTP);
	expect_classes(&st, PL_L3_IPV4, PL_L4_SCTP);
	CHECK_EQ(count_flows(), 0);
	TEST_END();

	begin("malformed trunc_gre: 3 bytes");
	v4_hdr(&b, PB_IPPROTO_GRE);
	pb_gre(&b, &(struct pb_gre_opts){ .proto = PB_ETH_P_IP });
	xdp_short(&b, 14 + 20 + 3);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_GRE);
	expect_classes(&st, PL_L3_IPV4, PL_L4_GRE);
	CHECK_EQ(st.encap[PL_ENCAP_GRE], 0);
	CHECK_EQ(count_flows(), 0);
	TEST_END();

	begin("malformed trunc_gre: C+K+S announced, 8 bytes present");
	v4_hdr(&b, PB_IPPROTO_GRE);
	pb_gre(&b, &(struct pb_gre_opts){ .proto = PB_ETH_P_IP, .csum = true, .key = true,
					  .seq = true });
	xdp_short(&b, 14 + 20 + 8);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_GRE);
	CHECK_EQ(st.encap[PL_ENCAP_GRE], 0);
	TEST_END();

	begin("malformed bad_gre_version: version 2");
	v4_hdr(&b, PB_IPPROTO_GRE);
	pb_gre(&b, &(struct pb_gre_opts){ .proto = PB_ETH_P_IP, .version = 2 });
	v4(&b, A4, B4, PB_IPPROTO_UDP);
	pb_udp(&b, 1, 2);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_BAD_GRE_VERSION);
	expect_classes(&st, PL_L3_IPV4, PL_L4_GRE);
	CHECK_EQ(sum(st.inner_l3_packets, PL_L3_MAX), 0);
	CHECK_EQ(count_flows(), 0);
	TEST_END();

	begin("malformed trunc_vxlan: 7 bytes after udp 4789");
	v4_hdr(&b, PB_IPPROTO_UDP);
	pb_udp(&b, 49152, PB_VXLAN_PORT);
	pb_vxlan(&b, 1);
	xdp_short(&b, 14 + 20 + 8 + 7);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_VXLAN);
	expect_classes(&st, PL_L3_IPV4, PL_L4_UDP);
	CHECK_EQ(st.encap[PL_ENCAP_VXLAN], 0);
	TEST_END();

	begin("malformed reasons inside a tunnel count too (inner trunc_tcp via GRE)");
	gre_v4_tcp(&b);
	xdp_short(&b, 14 + 20 + 4 + 20 + 10);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_TCP);
	CHECK_EQ(st.inner_l4_packets[PL_L4_TCP], 1);
	CHECK_EQ(count_flows(), 1); /* outer GRE flow */
	TEST_END();
}

/* ---- headers bounded by the IP packet's own length -------------------------------------- */

/*
 * Make the IP packet of a finished @b (IPv4 or IPv6 header at offset 14) @by bytes
 * shorter than the frame: the bytes stay, as Ethernet padding or a trailer would.
 */
static void ip_shorten(struct pb *b, size_t by)
{
	size_t lenoff = (b->buf[14] >> 4) == 6 ? 14 + 4 : 14 + 2;

	pb_set16(b, lenoff, (uint16_t)(pb_get16(b, lenoff) - by));
}

/*
 * A header that is in the frame but past the end of the IP packet (in the Ethernet
 * padding of a short frame, or a trailer) is not part of the packet: tshark and
 * Suricata bound transport headers by the IP length, and so must both parsers.
 */
static void test_ip_length(void)
{
	static const struct {
		const char *name;
		uint8_t proto;
		bool v6;
		size_t keep; /* bytes of the header left inside the IP packet */
		int why;
	} padded[] = {
		{ "ipv4: tcp header partly in the padding: trunc_tcp", PB_IPPROTO_TCP, false, 10,
		  PL_MAL_TRUNC_TCP },
		{ "ipv6: tcp header partly in the padding: trunc_tcp", PB_IPPROTO_TCP, true, 10,
		  PL_MAL_TRUNC_TCP },
		{ "ipv4: no udp header in the packet, zeros after it: trunc_udp", PB_IPPROTO_UDP,
		  false, 0, PL_MAL_TRUNC_UDP },
		{ "ipv6: udp header partly in the padding: trunc_udp", PB_IPPROTO_UDP, true, 4,
		  PL_MAL_TRUNC_UDP },
		{ "ipv4: icmp header partly in the padding: trunc_icmp", PB_IPPROTO_ICMP, false, 4,
		  PL_MAL_TRUNC_ICMP },
		{ "ipv6: icmpv6 header partly in the padding: trunc_icmpv6", PB_IPPROTO_ICMPV6, true,
		  2, PL_MAL_TRUNC_ICMPV6 },
		{ "ipv4: sctp header partly in the padding: trunc_sctp", PB_IPPROTO_SCTP, false, 8,
		  PL_MAL_TRUNC_SCTP },
		{ "ipv4: gre header partly in the padding: trunc_gre", PB_IPPROTO_GRE, false, 2,
		  PL_MAL_TRUNC_GRE },
	};
	static const int l4_of[256] = { [PB_IPPROTO_TCP] = PL_L4_TCP, [PB_IPPROTO_UDP] = PL_L4_UDP,
					[PB_IPPROTO_ICMP] = PL_L4_ICMP,
					[PB_IPPROTO_ICMPV6] = PL_L4_ICMPV6,
					[PB_IPPROTO_SCTP] = PL_L4_SCTP,
					[PB_IPPROTO_GRE] = PL_L4_GRE };
	struct pl_flow_key k;
	struct pl_stats st;
	struct pb b;
	size_t hlen;
	int dir;

	for (size_t i = 0; i < sizeof(padded) / sizeof(padded[0]); i++) {
		begin(padded[i].name);
		if (padded[i].v6)
			v6_hdr(&b, padded[i].proto);
		else
			v4_hdr(&b, padded[i].proto);
		switch (padded[i].proto) {
		case PB_IPPROTO_TCP: tcp(&b, 1234, 80, PB_TCP_SYN); hlen = 20; break;
		case PB_IPPROTO_UDP: pb_udp(&b, 1234, 53); hlen = 8; break;
		case PB_IPPROTO_ICMP: pb_icmp_echo(&b, false, 1, 1); hlen = 8; break;
		case PB_IPPROTO_ICMPV6: pb_icmp6_echo(&b, false, 1, 1); hlen = 8; break;
		case PB_IPPROTO_SCTP: pb_sctp(&b, 1, 2, 3); hlen = 12; break;
		default: pb_gre(&b, &(struct pb_gre_opts){ .proto = PB_ETH_P_IP }); hlen = 4;
		}
		pb_finish(&b);
		ip_shorten(&b, hlen - padded[i].keep);
		pb_zero(&b, b.len < 60 ? 60 - b.len : 0);
		xdp(&b);
		read_stats(&st);
		expect_mal(&st, padded[i].why);
		expect_classes(&st, padded[i].v6 ? PL_L3_IPV6 : PL_L3_IPV4, l4_of[padded[i].proto]);
		CHECK_EQ(count_flows(), 0);
		TEST_END();
	}

	for (int is6 = 0; is6 <= 1; is6++) {
		begin(is6 ? "ipv6: tcp options past the end of the packet: trunc_tcp, no flow" :
			   "ipv4: tcp options past the end of the packet: trunc_tcp, no flow");
		if (is6)
			v6_hdr(&b, PB_IPPROTO_TCP);
		else
			v4_hdr(&b, PB_IPPROTO_TCP);
		pb_tcp(&b, &(struct pb_tcp_opts){ .sport = 1234, .dport = 80, .flags = PB_TCP_SYN,
						  .options = (const uint8_t[12]){ 2, 4, 5, 0xb4 },
						  .optlen = 12 });
		pb_finish(&b);
		ip_shorten(&b, 12);
		xdp(&b);
		read_stats(&st);
		expect_mal(&st, PL_MAL_TRUNC_TCP);
		expect_classes(&st, is6 ? PL_L3_IPV6 : PL_L3_IPV4, PL_L4_TCP);
		CHECK_EQ(count_flows(), 0);
		TEST_END();

		begin(is6 ? "ipv6: udp length beyond the packet: bad_udp_len, no flow" :
			   "ipv4: udp length beyond the packet: bad_udp_len, no flow");
		if (is6)
			v6_hdr(&b, PB_IPPROTO_UDP);
		else
			v4_hdr(&b, PB_IPPROTO_UDP);
		pb_udp(&b, 1234, 53);
		pb_payload(&b, 20);
		pb_finish(&b);
		ip_shorten(&b, 1);
		xdp(&b);
		read_stats(&st);
		expect_mal(&st, PL_MAL_BAD_UDP_LEN);
		expect_classes(&st, is6 ? PL_L3_IPV6 : PL_L3_IPV4, PL_L4_UDP);
		CHECK_EQ(count_flows(), 0);
		TEST_END();

		begin(is6 ? "ipv6: first fragment's udp length spans the datagram: fine" :
			   "ipv4: first fragment's udp length spans the datagram: fine");
		pb_init(&b);
		if (is6) {
			pb_eth(&b, NULL, NULL, PB_ETH_P_IPV6);
			v6(&b, A6, B6, PB_IPPROTO_FRAGMENT);
			pb_ipv6_frag(&b, PB_IPPROTO_UDP, 0, true, 9);
		} else {
			pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
			pb_ipv4(&b, &(struct pb_ipv4_opts){ .src = A4, .dst = B4,
							    .proto = PB_IPPROTO_UDP,
							    .frag_off = PB_IP_MF });
		}
		hlen = pb_udp(&b, 1234, 53);
		pb_payload(&b, 100);
		pb_finish(&b);
		pb_set16(&b, hlen + 4, 3000); /* the whole datagram */
		xdp(&b);
		read_stats(&st);
		expect_one(&st, b.len, is6 ? PL_L3_IPV6 : PL_L3_IPV4, PL_L4_UDP);
		CHECK_EQ(count_flows(), 1);
		TEST_END();
	}

	begin("udp length shorter than the packet (trailing bytes) is fine");
	v4_udp(&b, 10);
	pb_set16(&b, 14 + 20 + 4, 8);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV4, PL_L4_UDP);
	k = mkkey(ep4(A4, 1234), ep4(B4, 53), PB_IPPROTO_UDP, 4, 0, &dir);
	expect_flow1(&k, dir, b.len, 0);
	TEST_END();

	begin("malformed bad_ipv6_plen: payload length beyond the frame");
	v6_hdr(&b, PB_IPPROTO_UDP);
	pb_udp(&b, 1234, 53);
	pb_payload(&b, 10);
	pb_finish(&b);
	pb_set16(&b, 14 + 4, (uint16_t)(b.len - 14 - 40 + 1));
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_BAD_IPV6_PAYLOAD_LEN);
	expect_classes(&st, PL_L3_IPV6, PL_L4_NONE);
	CHECK_EQ(count_flows(), 0);
	TEST_END();

	begin("ipv6 payload length ending before the frame (padding) is fine");
	v6_hdr(&b, PB_IPPROTO_TCP);
	tcp(&b, 1234, 80, PB_TCP_ACK);
	pb_finish(&b);
	pb_zero(&b, 6);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV6, PL_L4_TCP);
	CHECK_EQ(count_flows(), 1);
	TEST_END();

	begin("ipv6 payload length 0 on a small frame is the rest of the frame (as tshark)");
	v6_hdr(&b, PB_IPPROTO_UDP);
	pb_udp(&b, 1234, 53);
	pb_payload(&b, 10);
	pb_finish(&b);
	pb_set16(&b, 14 + 4, 0);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV6, PL_L4_UDP);
	CHECK_EQ(count_flows(), 1);
	CHECK_EQ(st.tso, 1);
	TEST_END();

	begin("malformed bad_ipv6_ext_chain: extension header past the payload length");
	v6_hdr(&b, PB_IPPROTO_DSTOPTS);
	pb_ipv6_opts_hdr(&b, PB_IPPROTO_UDP, 16);
	pb_udp(&b, 1234, 53);
	pb_finish(&b);
	pb_set16(&b, 14 + 4, 8);
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_BAD_IPV6_EXT_CHAIN);
	expect_classes(&st, PL_L3_IPV6, PL_L4_NONE);
	TEST_END();

	begin("malformed trunc_vxlan: vxlan header past the end of the packet");
	v4_hdr(&b, PB_IPPROTO_UDP);
	pb_udp(&b, 49152, PB_VXLAN_PORT);
	pb_vxlan(&b, 1);
	pb_finish(&b);
	ip_shorten(&b, 4);
	pb_set16(&b, 14 + 20 + 4, 8 + 4);
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_VXLAN);
	expect_classes(&st, PL_L3_IPV4, PL_L4_UDP);
	CHECK_EQ(st.encap[PL_ENCAP_VXLAN], 0);
	TEST_END();

	begin("malformed trunc_arp: fixed header whole, addresses cut");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_ARP);
	pb_arp(&b, 1, NULL, A4, NULL, B4);
	pb_trim(&b, 14 + 8 + 10);
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_ARP);
	expect_classes(&st, PL_L3_ARP, PL_L4_NONE);
	TEST_END();

	begin("arp with 20-byte hardware addresses (InfiniBand), all present, is fine");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_ARP);
	hlen = pb_zero(&b, 8 + 2 * (20 + 4));
	pb_set16(&b, hlen, 32);
	pb_set16(&b, hlen + 2, PB_ETH_P_IP);
	b.buf[hlen + 4] = 20;
	b.buf[hlen + 5] = 4;
	pb_set16(&b, hlen + 6, 1);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_ARP, PL_L4_NONE);
	TEST_END();
}

/* ---- headers cut by a snap length ------------------------------------------------------ */

/* One packet, its headers cut where the capture ends: counted as cut, nothing malformed. */
static void expect_cut(const struct pl_stats *st, __u64 len, int l3, int l4)
{
	CHECK_EQ(st->packets, 1);
	CHECK_EQ(st->bytes, len);
	CHECK_EQ(st->hdr_cut, 1);
	CHECK_EQ(sum(st->malformed, PL_MAL_MAX), 0);
	CHECK(st->l3_packets[l3] == 1, "l3_packets[%d] == %llu, expected 1", l3,
	      (unsigned long long)st->l3_packets[l3]);
	CHECK(st->l4_packets[l4] == 1, "l4_packets[%d] == %llu, expected 1", l4,
	      (unsigned long long)st->l4_packets[l4]);
}

/*
 * tcpdump -s 60 or -s 68 (its old default) cuts TCP options or the TCP header of
 * most segments. tshark calls that "packet size limited during capture", not
 * malformed: the bytes exist on the wire, the capture did not keep them.
 */
static void test_snaplen_cut(void)
{
	struct pl_flow_key k;
	struct pl_stats st;
	struct pb b;
	int dir;

	begin("snap length 60: TCP options cut, the flow and its flags still counted");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	v4(&b, A4, B4, PB_IPPROTO_TCP);
	pb_tcp(&b, &(struct pb_tcp_opts){ .sport = 40000, .dport = 443,
					  .flags = PB_TCP_PSH | PB_TCP_ACK, .ack = 1,
					  .options = (const uint8_t[12]){ 1, 1, 8, 10 },
					  .optlen = 12 });
	pb_payload(&b, 1000);
	xdp_cut(&b, 60);
	read_stats(&st);
	expect_cut(&st, 14 + 20 + 32 + 1000, PL_L3_IPV4, PL_L4_TCP);
	CHECK_EQ(st.tcp_flags[PB_TCP_PSH | PB_TCP_ACK], 1);
	k = mkkey(ep4(A4, 40000), ep4(B4, 443), PB_IPPROTO_TCP, 4, 0, &dir);
	expect_flow1(&k, dir, 14 + 20 + 32 + 1000, PB_TCP_PSH | PB_TCP_ACK);
	TEST_END();

	begin("snap length 68, IPv6: TCP header cut, cut not malformed");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IPV6);
	v6(&b, A6, B6, PB_IPPROTO_TCP);
	tcp(&b, 40000, 443, PB_TCP_ACK);
	pb_payload(&b, 100);
	xdp_cut(&b, 68);
	read_stats(&st);
	expect_cut(&st, 14 + 40 + 20 + 100, PL_L3_IPV6, PL_L4_TCP);
	CHECK_EQ(count_flows(), 0);
	TEST_END();

	begin("snap length inside the IPv4 header and the UDP header: cut");
	v4_udp(&b, 100);
	xdp_cut(&b, 14 + 19);
	read_stats(&st);
	expect_cut(&st, 14 + 20 + 8 + 100, PL_L3_IPV4, PL_L4_NONE);
	v4_udp(&b, 100);
	reset_maps(g_skel);
	xdp_cut(&b, 14 + 20 + 7);
	read_stats(&st);
	expect_cut(&st, 14 + 20 + 8 + 100, PL_L3_IPV4, PL_L4_UDP);
	TEST_END();

	begin("snap length inside a GRE tunnel's inner TCP header: cut, outer flow kept");
	gre_v4_tcp(&b);
	xdp_cut(&b, 14 + 20 + 4 + 20 + 10);
	read_stats(&st);
	expect_cut(&st, 14 + 20 + 4 + 20 + 20 + 10, PL_L3_IPV4, PL_L4_GRE);
	CHECK_EQ(st.inner_l4_packets[PL_L4_TCP], 1);
	CHECK_EQ(count_flows(), 1);
	TEST_END();
}

/* ---- capture ---------------------------------------------------------------------------- */

struct cap_seen {
	int events;
	struct pl_pkt_event ev;
	uint8_t data[256];
};

static int cap_cb(void *ctx, const void *data, size_t size)
{
	struct cap_seen *c = ctx;
	const struct pl_pkt_event *ev = data;

	c->events++;
	if (size >= sizeof(*ev)) {
		c->ev = *ev;
		memcpy(c->data, ev + 1,
		       ev->cap_len < sizeof(c->data) ? ev->cap_len : sizeof(c->data));
	}
	return 0;
}

static void test_capture(void)
{
	struct pktlens *s;
	struct pl_ring *rb;
	struct cap_seen seen;
	struct pl_stats st;
	struct pb b;
	__u32 rv;
	int err;

	TEST_BEGIN("capture (snaplen 128): whole frame cut to 128, truncated capture copies "
		   "what it holds");
	s = skel_load_snap(0, 128);
	rb = NULL;
	if (!s || pl_ring_open(&rb, bpf_map__fd(s->maps.pl_events))) {
		CHECK(0, "loading a skeleton with capture failed");
	} else {
		v4_udp(&b, 1458); /* 1500 bytes */
		for (int cut = 0; cut <= 1; cut++) {
			size_t len = cut ? 96 : b.len;

			memset(&seen, 0, sizeof(seen));
			err = run_raw(s, s->progs.xdp_pktlens, b.buf, len, 1500, NULL, &rv);
			CHECK(err == 0 && rv == XDP_PASS, "err %d retval %u", err, rv);
			pl_ring_drain(rb, cap_cb, &seen);
			CHECK_EQ(seen.events, 1);
			CHECK_EQ(seen.ev.type, PL_EV_PACKET);
			CHECK_EQ(seen.ev.cap_len, cut ? 96 : 128);
			CHECK_EQ(seen.ev.wire_len, 1500);
			CHECK(!memcmp(seen.data, b.buf, cut ? 96 : 128),
			      "captured bytes differ from the frame");
		}
		read_stats_of(s, &st);
		CHECK_EQ(st.capture_copied, 2);
		CHECK_EQ(st.capture_lost, 0);
		CHECK_EQ(st.bytes, 3000);
		CHECK_EQ(st.l4_packets[PL_L4_UDP], 2);
	}
	pl_ring_close(rb);
	pktlens__destroy(s);
	TEST_END();

	TEST_BEGIN("capture counting only (as pktlens capture loads it): copies, counts "
		   "packets and bytes, parses nothing");
	s = skel_load_opts(&(struct load_opts){ .snaplen = 64, .count_only = true });
	rb = NULL;
	if (!s || pl_ring_open(&rb, bpf_map__fd(s->maps.pl_events))) {
		CHECK(0, "loading a skeleton with capture failed");
	} else {
		struct pl_stats want = {};

		v4_tcp(&b, A4, 1000, B4, 80, PB_TCP_SYN, 100);
		memset(&seen, 0, sizeof(seen));
		err = run_raw(s, s->progs.xdp_pktlens, b.buf, b.len, (__u32)b.len, NULL, &rv);
		CHECK(err == 0 && rv == XDP_PASS, "err %d retval %u", err, rv);
		pl_ring_drain(rb, cap_cb, &seen);
		CHECK_EQ(seen.events, 1);
		CHECK_EQ(seen.ev.cap_len, 64);
		CHECK(!memcmp(seen.data, b.buf, 64), "captured bytes differ from the frame");
		read_stats_of(s, &st);
		want.packets = 1;
		want.bytes = b.len;
		want.capture_copied = 1;
		CHECK(!memcmp(&st, &want, sizeof(st)),
		      "counters other than packets, bytes and capture_copied are set");
		CHECK_EQ(count_flows_of(s), 0);
	}
	pl_ring_close(rb);
	pktlens__destroy(s);
	TEST_END();
}

/* Records in order: frame i has source port 1000 + i. */
struct ring_order {
	int seen, bad;
	__u16 next_port;
};

static int order_cb(void *ctx, const void *data, size_t size)
{
	struct ring_order *o = ctx;
	const struct pl_pkt_event *ev = data;
	__u16 port;

	o->seen++;
	if (size < sizeof(*ev) + 14 + 20 + 2 || ev->cap_len < 14 + 20 + 2) {
		o->bad++;
		return 0;
	}
	memcpy(&port, (const __u8 *)(ev + 1) + 14 + 20, 2);
	if (ntohs(port) != o->next_port)
		o->bad++;
	o->next_port = ntohs(port) + 1;
	return 0;
}

/* One UDP frame from source port @port through @s. */
static void send_port(struct pktlens *s, __u16 port)
{
	struct pb b;
	__u32 rv;
	int err;

	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	pb_ipv4(&b, &(struct pb_ipv4_opts){ .src = A4, .dst = B4, .proto = PB_IPPROTO_UDP });
	pb_udp(&b, port, 9);
	pb_payload(&b, 64);
	pb_finish(&b);
	err = run_raw(s, s->progs.xdp_pktlens, b.buf, b.len, (__u32)b.len, NULL, &rv);
	CHECK(err == 0 && rv == XDP_PASS, "err %d retval %u", err, rv);
}

static void test_ring_reader(void)
{
	struct ring_order o = { .next_port = 1000 };
	struct pl_ring *r = NULL;
	struct pl_stats st;
	struct pktlens *s;
	__u16 port = 1000;
	long n, total = 0;

	TEST_BEGIN("ring reader: a one-page ring wrapped 20 times hands over every record "
		   "in order; a full ring loses what does not fit, counted");
	s = skel_load_opts(&(struct load_opts){ .snaplen = 93, .ring_bytes = 4096 });
	if (!s || pl_ring_open(&r, bpf_map__fd(s->maps.pl_events))) {
		CHECK(0, "loading a skeleton with a 4 KiB ring failed");
		goto out;
	}
	CHECK_EQ(pl_ring_size(r), 4096);
	/* A record is 8 + 32 + 93 bytes, 136 aligned: 30 fit; 7 per pass wrap at odd places. */
	for (int round = 0; round < 4096 * 20 / (7 * 136); round++) {
		for (int i = 0; i < 7; i++)
			send_port(s, port++);
		n = pl_ring_drain(r, order_cb, &o);
		CHECK(n == 7, "round %d: drained %ld records, expected 7", round, n);
		total += n;
	}
	CHECK_EQ(o.seen, (int)total);
	CHECK_EQ(o.bad, 0);
	CHECK_EQ(pl_ring_drain(r, order_cb, &o), 0);

	/* 100 frames into a ring that holds 30: the rest are counted lost, none vanish. */
	for (int i = 0; i < 100; i++)
		send_port(s, port++);
	o.seen = 0;
	n = pl_ring_drain(r, order_cb, &o);
	read_stats_of(s, &st);
	CHECK(n > 0 && n < 100, "drained %ld of 100 from a full ring", n);
	CHECK(n + (long)st.capture_lost == 100, "drained %ld + lost %llu != 100", n,
	      (unsigned long long)st.capture_lost);
	CHECK_EQ(o.bad, 0);
	/* The space is free again: the next frame lands. */
	o.next_port = port;
	send_port(s, port++);
	CHECK_EQ(pl_ring_drain(r, order_cb, &o), 1);
	CHECK_EQ(o.bad, 0);
out:
	pl_ring_close(r);
	pktlens__destroy(s);
	TEST_END();
}

/* ---- TC ------------------------------------------------------------------------------ */

/* Send @n packets through XDP and through TC with the same timestamps; compare. */
static void tc_vs_xdp(const char *name, struct pb *pkts, int n)
{
	static struct snapshot sx, stc;
	__u64 t0 = g_ts;

	begin(name);
	for (int i = 0; i < n; i++)
		xdp(&pkts[i]);
	take_snapshot(&sx);

	reset_maps(g_skel);
	g_ts = t0;
	for (int i = 0; i < n; i++)
		tc(&pkts[i]);
	take_snapshot(&stc);

	CHECK_EQ(stc.st.packets, (__u64)n);
	expect_same_snapshot(&sx, "xdp", &stc, "tc");
	g_ts = t0 + (__u64)n; /* both runs used t0 + 1 .. t0 + n */
	TEST_END();
}

static void test_tc(void)
{
	static struct pb p[6];

	v4_tcp(&p[0], PB_IP4(192, 168, 7, 9), 51000, PB_IP4(10, 9, 8, 7), 443, PB_TCP_SYN, 0);
	v4_tcp(&p[1], PB_IP4(10, 9, 8, 7), 443, PB_IP4(192, 168, 7, 9), 51000,
	       PB_TCP_SYN | PB_TCP_ACK, 0);
	v4_tcp(&p[2], PB_IP4(192, 168, 7, 9), 51000, PB_IP4(10, 9, 8, 7), 443,
	       PB_TCP_PSH | PB_TCP_ACK, 700);
	tc_vs_xdp("tc matches xdp: tcp conversation", p, 3);

	pb_init(&p[0]);
	pb_eth(&p[0], NULL, NULL, PB_ETH_P_8021AD);
	pb_vlan(&p[0], 10, 0, PB_ETH_P_8021Q);
	pb_vlan(&p[0], 200, 0, PB_ETH_P_IPV6);
	v6(&p[0], A6, B6, PB_IPPROTO_HOPOPTS);
	pb_ipv6_opts_hdr(&p[0], PB_IPPROTO_FRAGMENT, 8);
	pb_ipv6_frag(&p[0], PB_IPPROTO_UDP, 0, true, 5);
	pb_udp(&p[0], 4000, 4001);
	pb_payload(&p[0], 100);
	pb_finish(&p[0]);
	tc_vs_xdp("tc matches xdp: QinQ ipv6 ext chain first fragment", p, 1);

	gre_v4_tcp(&p[0]);
	vxlan_v6_udp(&p[1]);
	tc_vs_xdp("tc matches xdp: GRE and VXLAN", p, 2);

	pb_init(&p[0]);
	pb_eth(&p[0], NULL, NULL, PB_ETH_P_IP);
	pb_ipv4(&p[0], &(struct pb_ipv4_opts){ .src = A4, .dst = B4, .proto = PB_IPPROTO_UDP,
					       .frag_off = 100 });
	pb_payload(&p[0], 64);
	pb_finish(&p[0]);
	v4_tcp(&p[1], A4, 1, B4, 2, PB_TCP_SYN, 20);
	p[1].buf[14 + 20 + 12] = 0x40; /* bad doff */
	pb_init(&p[2]);
	pb_eth(&p[2], NULL, NULL, PB_ETH_P_ARP);
	pb_arp(&p[2], 1, NULL, A4, NULL, B4);
	pb_zero(&p[2], 18);
	tc_vs_xdp("tc matches xdp: later fragment, bad doff, arp", p, 3);
}

/* ---- offline batches -------------------------------------------------------------------- */

/*
 * Run @n frames as analyze batches them: packed last-first in one test run, frame i
 * with time t0 + 1 + i and wire length @wire[i]. Returns the program's verdict.
 */
static __u32 run_packed(const struct pb *pkts, const __u32 *wire, const __u32 *cap, int n,
			__u64 t0)
{
	static __u8 buf[PL_OFFLINE_BATCH_BYTES];
	struct pl_offline_input *in = &g_skel->bss->pl_offline[g_cpu];
	__u32 size = 0, end;
	int err;

	for (int i = 0; i < n; i++)
		size += (__u32)pkts[i].len;
	end = size;
	for (int i = 0; i < n; i++) {
		end -= (__u32)pkts[i].len;
		memcpy(buf + end, pkts[i].buf, pkts[i].len);
		in->f[i].ts_ns = t0 + 1 + (__u64)i;
		in->f[i].wire_len = wire[i];
		in->f[i].cap_len = cap ? cap[i] : (__u32)pkts[i].len;
	}
	in->n = (__u32)n;
	{
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = size, .repeat = 1);

		err = bpf_prog_test_run_opts(bpf_program__fd(g_skel->progs.xdp_pktlens), &o);
		CHECK(err == 0, "test_run of a batch failed: %s", strerror(-err));
		run_layered_twin(g_skel->progs.xdp_pktlens, &o, err);
		return o.retval;
	}
}

/* A batch counts exactly what the same frames run one by one count: stats and flows. */
static void batch_vs_single(const char *name, struct pb *pkts, const __u32 *wire, int n)
{
	static struct snapshot s1, sb;
	__u64 t0 = g_ts;

	begin(name);
	for (int i = 0; i < n; i++)
		xdp_wire(&pkts[i], wire[i]); /* times t0 + 1 .. t0 + n */
	take_snapshot(&s1);

	reset_maps(g_skel);
	CHECK_EQ(run_packed(pkts, wire, NULL, n, t0), XDP_PASS);
	take_snapshot(&sb);

	CHECK_EQ(sb.st.packets, (__u64)n);
	expect_same_snapshot(&s1, "one by one", &sb, "batched");
	g_ts = t0 + (__u64)n;
	TEST_END();
}

static void test_offline_batch(void)
{
	struct pb p[PL_OFFLINE_BATCH];
	__u32 wire[PL_OFFLINE_BATCH], cap[3];
	int n = 0;

	v4_tcp(&p[n++], A4, 1000, B4, 80, PB_TCP_SYN, 0);
	v4_tcp(&p[n++], B4, 80, A4, 1000, PB_TCP_SYN | PB_TCP_ACK, 0);
	v4_udp(&p[n++], 100);
	gre_v4_tcp(&p[n++]);
	vxlan_v6_udp(&p[n++]);
	/* Snapped inside the TCP header (wire length 254 below): only the bytes that
	 * are there may be parsed, so this frame must not see its neighbours. */
	v4_tcp(&p[n], A4, 1001, B4, 80, PB_TCP_ACK, 200);
	p[n++].len = 14 + 20 + 8;
	pb_init(&p[n]);
	pb_eth(&p[n], NULL, NULL, PB_ETH_P_ARP);
	pb_arp(&p[n], 1, NULL, A4, NULL, B4);
	pb_zero(&p[n++], 18);
	v4_tcp(&p[n++], A4, 1000, B4, 80, PB_TCP_ACK, 300);
	for (int i = 0; i < n; i++)
		wire[i] = (__u32)p[i].len;
	wire[5] = 14 + 20 + 20 + 200;
	wire[7] += 1000; /* snapped after the headers */
	batch_vs_single("offline batch of 8 mixed frames equals 8 single runs", p, wire, n);

	for (n = 0; n < PL_OFFLINE_BATCH; n++) {
		v4_udp(&p[n], (size_t)n * 7);
		wire[n] = (__u32)p[n].len;
	}
	batch_vs_single("offline batch of PL_OFFLINE_BATCH frames equals single runs", p, wire, n);
	batch_vs_single("offline batch of 2 frames equals single runs", p, wire, 2);

	begin("an inconsistent offline batch is aborted, not misread");
	v4_udp(&p[0], 10);
	v4_udp(&p[1], 10);
	v4_udp(&p[2], 10);
	wire[0] = wire[1] = wire[2] = (__u32)p[0].len;
	cap[0] = (__u32)p[0].len;
	cap[1] = 13; /* shorter than an Ethernet header */
	cap[2] = (__u32)p[0].len;
	CHECK_EQ(run_packed(p, wire, cap, 3, g_ts), XDP_ABORTED);
	cap[1] = 3 * (__u32)p[0].len; /* more than the buffer holds */
	CHECK_EQ(run_packed(p, wire, cap, 3, g_ts), XDP_ABORTED);
	g_skel->bss->pl_offline[g_cpu].n = PL_OFFLINE_BATCH + 1;
	{
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p[0].buf, .data_size_in = (__u32)p[0].len,
			    .repeat = 1);

		CHECK_EQ(bpf_prog_test_run_opts(bpf_program__fd(g_skel->progs.xdp_pktlens), &o), 0);
		CHECK_EQ(o.retval, XDP_ABORTED);
	}
	g_skel->bss->pl_offline[g_cpu].n = 1;
	TEST_END();
}

/* ---- live clock ------------------------------------------------------------------------ */

static __u64 mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (__u64)t.tv_sec * 1000000000ULL + (__u64)t.tv_nsec;
}

/*
 * Live flow time stamps (pl_cfg_offline = 0), counted in ticks (@tick_ns) or, with
 * @tick_ns = 0 as bpftool loads the object, from the coarse clock: both must stay
 * within a tick or two of CLOCK_MONOTONIC around the runs.
 */
static void live_clock(const char *name, __u32 tick_ns)
{
	struct pktlens *s = pktlens__open();
	__u64 t0, t1, slack = 2ULL * (pl_tick_ns() ? pl_tick_ns() : 10000000);
	struct pl_flow_value v;
	struct pl_flow_key k;
	struct pb b;
	__u32 rv;
	int fd;

	TEST_BEGIN(name);
	if (!s) {
		CHECK(0, "pktlens__open: %s", strerror(errno));
		TEST_END();
		return;
	}
	s->rodata->pl_cfg_tick_ns = tick_ns;
	if (pktlens__load(s)) {
		CHECK(0, "loading the live-config pipeline failed");
		goto out;
	}
	v4_tcp(&b, A4, 1000, B4, 80, PB_TCP_SYN, 0);
	t0 = mono_ns();
	CHECK(!run_raw(s, s->progs.xdp_pktlens, b.buf, b.len, b.len, NULL, &rv), "test_run");
	usleep(60000);
	CHECK(!run_raw(s, s->progs.xdp_pktlens, b.buf, b.len, b.len, NULL, &rv), "test_run");
	t1 = mono_ns();
	fd = bpf_map__fd(s->maps.pl_flows);
	if (bpf_map_get_next_key(fd, NULL, &k) || bpf_map_lookup_elem(fd, &k, &v)) {
		CHECK(0, "no flow after two packets");
		goto out;
	}
	CHECK_EQ(v.packets[0] + v.packets[1], 2);
	CHECK(v.first_seen_ns + slack >= t0 && v.first_seen_ns <= t0 + slack,
	      "first seen %llu is not within %llu ns of %llu", (unsigned long long)v.first_seen_ns,
	      (unsigned long long)slack, (unsigned long long)t0);
	CHECK(v.last_seen_ns + slack >= t1 && v.last_seen_ns <= t1 + slack,
	      "last seen %llu is not within %llu ns of %llu", (unsigned long long)v.last_seen_ns,
	      (unsigned long long)slack, (unsigned long long)t1);
	CHECK(v.last_seen_ns - v.first_seen_ns + slack >= 60000000ULL,
	      "flow lasted %llu ns, slept 60 ms", (unsigned long long)(v.last_seen_ns - v.first_seen_ns));
out:
	TEST_END();
	pktlens__destroy(s);
}

/*
 * Live on a jumbo-MTU interface (as pl_dp_load loads it there): a frame in several
 * buffers counts, tracks and captures with its whole length, not its first buffer's.
 */
static void test_live_frags(void)
{
	struct pktlens *s = pktlens__open();
	struct pl_ring *r = NULL;
	struct cap_seen seen = {};
	struct pl_flow_value v;
	struct pl_flow_key k;
	struct pl_stats st;
	struct pb b;
	__u32 rv;
	int fd;

	TEST_BEGIN("live multi-buffer frame (jumbo MTU): counted, tracked and captured whole");
	if (!s) {
		CHECK(0, "pktlens__open: %s", strerror(errno));
		TEST_END();
		return;
	}
	s->rodata->pl_cfg_tick_ns = pl_tick_ns();
	s->rodata->pl_cfg_frags = 1;
	s->rodata->pl_cfg_snaplen = 128;
	/*
	 * Capture beside full parsing is no command's configuration (capture counts only,
	 * monitor never copies): with the address tables and detection too, this program
	 * is past the verifier's million instructions. The flow table stays on.
	 */
	s->rodata->pl_cfg_detect = 0;
	s->rodata->pl_cfg_talkers = 0;
	bpf_program__set_flags(s->progs.xdp_pktlens, BPF_F_XDP_HAS_FRAGS);
	if (pktlens__load(s) || pl_ring_open(&r, bpf_map__fd(s->maps.pl_events))) {
		CHECK(0, "loading the live pipeline for multi-buffer frames failed");
		goto out;
	}
	v4_tcp(&b, A4, 33000, B4, 443, PB_TCP_ACK, 9000 - 54);
	CHECK(!run_raw(s, s->progs.xdp_pktlens, b.buf, b.len, 0, NULL, &rv) && rv == XDP_PASS,
	      "test_run of a 9000-byte frame");
	read_stats_of(s, &st);
	CHECK_EQ(st.packets, 1);
	CHECK_EQ(st.bytes, 9000);
	CHECK_EQ(st.l4_bytes[PL_L4_TCP], 9000);
	CHECK_EQ(st.size_hist[PL_SZ_JUMBO], 1);
	fd = bpf_map__fd(s->maps.pl_flows);
	if (bpf_map_get_next_key(fd, NULL, &k) || bpf_map_lookup_elem(fd, &k, &v))
		CHECK(0, "no flow for the frame");
	else
		CHECK_EQ(v.bytes[0] + v.bytes[1], 9000);
	pl_ring_drain(r, cap_cb, &seen);
	CHECK_EQ(seen.events, 1);
	CHECK_EQ(seen.ev.wire_len, 9000);
	CHECK_EQ(seen.ev.cap_len, 128);
	CHECK(!memcmp(seen.data, b.buf, 128), "captured bytes differ from the frame");
out:
	pl_ring_close(r);
	pktlens__destroy(s);
	TEST_END();
}

static void test_live_clock(void)
{
	TEST_BEGIN("the kernel tick is known (clock_getres CLOCK_MONOTONIC_COARSE)");
	CHECK(pl_tick_ns() > 0 && pl_tick_ns() <= 10000000, "tick %u ns", pl_tick_ns());
	TEST_END();
	live_clock("live flow time counted in ticks tracks CLOCK_MONOTONIC", pl_tick_ns());
	live_clock("live flow time from the coarse clock (bpftool load) tracks CLOCK_MONOTONIC", 0);
}

/* ---- link-layer shims, IPv4's AH, RARP, TSO (issue 17) ------------------------------------ */

#define PPPOE_SES 0x8864
#define PPPOE_DISC 0x8863
#define MPLS_UC 0x8847
#define MPLS_MC 0x8848

/* Ethernet (+ one tag when @vid) + PPPoE session header with PPP protocol @ppp. */
static size_t pppoe_hdr(struct pb *b, uint16_t vid, uint16_t ppp)
{
	uint8_t h[8] = { 0x11, 0x00, 0x12, 0x34, 0, 0, (uint8_t)(ppp >> 8), (uint8_t)ppp };

	pb_init(b);
	if (vid) {
		pb_eth(b, NULL, NULL, PB_ETH_P_8021Q);
		pb_vlan(b, vid, 0, PPPOE_SES);
	} else {
		pb_eth(b, NULL, NULL, PPPOE_SES);
	}
	return pb_put(b, h, sizeof(h));
}

/* After pb_finish(): the PPPoE length field covers the PPP protocol and its payload. */
static void pppoe_len(struct pb *b, size_t off)
{
	pb_set16(b, off + 4, (uint16_t)(b->len - off - 6));
}

/* Ethernet + @n MPLS labels (the last with the bottom-of-stack bit when @bos). */
static void mpls_hdr(struct pb *b, uint16_t type, int n, bool bos)
{
	pb_init(b);
	pb_eth(b, NULL, NULL, type);
	for (int i = 0; i < n; i++) {
		uint32_t label = 100 + (uint32_t)i;
		uint32_t e = label << 12 | (i == n - 1 && bos ? 0x100 : 0) | 64;
		uint8_t h[4] = { (uint8_t)(e >> 24), (uint8_t)(e >> 16), (uint8_t)(e >> 8),
				 (uint8_t)e };

		pb_put(b, h, 4);
	}
}

/* One clean packet of @len bytes classed @l3/@l4; only link counter @link (-1: none) is 1. */
static void expect_link(const struct pl_stats *st, __u64 len, int l3, int l4, int link)
{
	expect_one(st, len, l3, l4);
	for (int i = 0; i < PL_LINK_MAX; i++)
		CHECK(st->link[i] == (i == link), "link[%d] == %llu, expected %d", i,
		      (unsigned long long)st->link[i], i == link);
}

static void test_pppoe(void)
{
	struct pl_flow_key k;
	struct pl_stats st;
	struct pb b;
	size_t off;
	int dir;

	begin("pppoe session -> ipv4/tcp: the IP packet is the outer one, tracked");
	off = pppoe_hdr(&b, 0, 0x0021);
	v4(&b, A4, B4, PB_IPPROTO_TCP);
	tcp(&b, 40000, 80, PB_TCP_SYN);
	pb_finish(&b);
	pppoe_len(&b, off);
	xdp(&b);
	read_stats(&st);
	expect_link(&st, b.len, PL_L3_IPV4, PL_L4_TCP, PL_LINK_PPPOE_SESSION);
	CHECK_EQ(st.tcp_flags[PB_TCP_SYN], 1);
	k = mkkey(ep4(A4, 40000), ep4(B4, 80), PB_IPPROTO_TCP, 4, 0, &dir);
	expect_flow1(&k, dir, b.len, PB_TCP_SYN);
	TEST_END();

	begin("pppoe session behind a vlan tag -> ipv6/udp, vlan id in the flow key");
	off = pppoe_hdr(&b, 42, 0x0057);
	v6(&b, A6, B6, PB_IPPROTO_UDP);
	pb_udp(&b, 5000, 53);
	pb_payload(&b, 20);
	pb_finish(&b);
	pppoe_len(&b, off);
	xdp(&b);
	read_stats(&st);
	expect_link(&st, b.len, PL_L3_IPV6, PL_L4_UDP, PL_LINK_PPPOE_SESSION);
	CHECK_EQ(st.vlan_tagged, 1);
	k = mkkey(ep6(A6, 5000), ep6(B6, 53), PB_IPPROTO_UDP, 6, 42, &dir);
	expect_flow1(&k, dir, b.len, 0);
	TEST_END();

	begin("pppoe session with LCP (0xc021): l3 other, l4 none");
	off = pppoe_hdr(&b, 0, 0xc021);
	pb_payload(&b, 14);
	pb_finish(&b);
	pppoe_len(&b, off);
	xdp(&b);
	read_stats(&st);
	expect_link(&st, b.len, PL_L3_OTHER, PL_L4_NONE, PL_LINK_PPPOE_SESSION);
	CHECK_EQ(count_flows(), 0);
	TEST_END();

	begin("pppoe discovery (PADI): counted, l3 other");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PPPOE_DISC);
	pb_put(&b, (const uint8_t[10]){ 0x11, 0x09, 0, 0, 0, 4, 0x01, 0x01, 0, 0 }, 10);
	pb_zero(&b, 36);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_link(&st, b.len, PL_L3_OTHER, PL_L4_NONE, PL_LINK_PPPOE_DISCOVERY);
	TEST_END();

	begin("malformed truncated_pppoe: session frame ends in the PPP protocol");
	pppoe_hdr(&b, 0, 0x0021);
	xdp_short(&b, 14 + 7);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_PPPOE);
	CHECK_EQ(sum(st.l3_packets, PL_L3_MAX), 0);
	CHECK_EQ(st.link[PL_LINK_PPPOE_SESSION], 0);
	TEST_END();

	begin("malformed truncated_pppoe: discovery frame shorter than its header");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PPPOE_DISC);
	pb_put(&b, (const uint8_t[5]){ 0x11, 0x09, 0, 0, 0 }, 5);
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_PPPOE);
	TEST_END();

	begin("pppoe session cut by a snap length in its header: cut, not malformed");
	off = pppoe_hdr(&b, 0, 0x0021);
	v4(&b, A4, B4, PB_IPPROTO_UDP);
	pb_udp(&b, 1, 2);
	pb_finish(&b);
	pppoe_len(&b, off);
	xdp_cut(&b, 14 + 4);
	read_stats(&st);
	CHECK_EQ(st.hdr_cut, 1);
	CHECK_EQ(sum(st.malformed, PL_MAL_MAX), 0);
	TEST_END();

	begin("pppoe session -> ipv4 cut in the UDP header by a snap length: cut");
	off = pppoe_hdr(&b, 0, 0x0021);
	v4(&b, A4, B4, PB_IPPROTO_UDP);
	pb_udp(&b, 1, 2);
	pb_payload(&b, 100);
	pb_finish(&b);
	pppoe_len(&b, off);
	xdp_cut(&b, 14 + 8 + 20 + 4);
	read_stats(&st);
	expect_cut(&st, 14 + 8 + 20 + 8 + 100, PL_L3_IPV4, PL_L4_UDP);
	TEST_END();
}

static void test_mpls(void)
{
	struct pl_flow_key k;
	struct pl_stats st;
	struct pb b;
	int dir;

	begin("mpls, one label -> ipv4/udp: tracked as the outer packet");
	mpls_hdr(&b, MPLS_UC, 1, true);
	v4(&b, A4, B4, PB_IPPROTO_UDP);
	pb_udp(&b, 1234, 53);
	pb_payload(&b, 30);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_link(&st, b.len, PL_L3_IPV4, PL_L4_UDP, PL_LINK_MPLS);
	k = mkkey(ep4(A4, 1234), ep4(B4, 53), PB_IPPROTO_UDP, 4, 0, &dir);
	expect_flow1(&k, dir, b.len, 0);
	TEST_END();

	begin("mpls multicast, three labels -> ipv6/tcp");
	mpls_hdr(&b, MPLS_MC, 3, true);
	v6(&b, A6, B6, PB_IPPROTO_TCP);
	tcp(&b, 179, 40000, PB_TCP_ACK);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_link(&st, b.len, PL_L3_IPV6, PL_L4_TCP, PL_LINK_MPLS);
	k = mkkey(ep6(A6, 179), ep6(B6, 40000), PB_IPPROTO_TCP, 6, 0, &dir);
	expect_flow1(&k, dir, b.len, PB_TCP_ACK);
	TEST_END();

	begin("mpls, PL_MPLS_MAX_LABELS labels -> ipv4/icmp: the deepest stack walked");
	mpls_hdr(&b, MPLS_UC, PL_MPLS_MAX_LABELS, true);
	v4(&b, A4, B4, PB_IPPROTO_ICMP);
	pb_icmp_echo(&b, false, 7, 1);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_link(&st, b.len, PL_L3_IPV4, PL_L4_ICMP, PL_LINK_MPLS);
	TEST_END();

	begin("mpls -> pseudowire control word (first nibble 0): l3 other");
	mpls_hdr(&b, MPLS_UC, 2, true);
	pb_zero(&b, 4); /* control word */
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	v4(&b, A4, B4, PB_IPPROTO_UDP);
	pb_udp(&b, 1, 2);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_link(&st, b.len, PL_L3_OTHER, PL_L4_NONE, PL_LINK_MPLS);
	TEST_END();

	begin("mpls label stack and nothing after it: l3 other, not malformed");
	mpls_hdr(&b, MPLS_UC, 1, true);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_link(&st, b.len, PL_L3_OTHER, PL_L4_NONE, PL_LINK_MPLS);
	TEST_END();

	begin("malformed mpls_too_deep: no bottom of stack within the bound");
	mpls_hdr(&b, MPLS_UC, PL_MPLS_MAX_LABELS + 1, true);
	v4(&b, A4, B4, PB_IPPROTO_UDP);
	pb_udp(&b, 1, 2);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_MPLS_TOO_DEEP);
	CHECK_EQ(st.link[PL_LINK_MPLS], 1);
	TEST_END();

	begin("malformed truncated_mpls: the frame ends inside a label");
	mpls_hdr(&b, MPLS_UC, 2, false);
	xdp_short(&b, 14 + 6);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_MPLS);
	TEST_END();

	begin("malformed truncated_mpls: no bottom of stack before the end of the frame");
	mpls_hdr(&b, MPLS_UC, 2, false);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_MPLS);
	TEST_END();

	begin("mpls cut by a snap length in the stack and right after it: cut");
	mpls_hdr(&b, MPLS_UC, 3, true);
	v4(&b, A4, B4, PB_IPPROTO_UDP);
	pb_udp(&b, 1, 2);
	pb_finish(&b);
	xdp_cut(&b, 14 + 6);
	read_stats(&st);
	CHECK_EQ(st.hdr_cut, 1);
	CHECK_EQ(sum(st.malformed, PL_MAL_MAX), 0);
	mpls_hdr(&b, MPLS_UC, 3, true);
	v4(&b, A4, B4, PB_IPPROTO_UDP);
	pb_udp(&b, 1, 2);
	pb_finish(&b);
	reset_maps(g_skel);
	xdp_cut(&b, 14 + 12);
	read_stats(&st);
	CHECK_EQ(st.hdr_cut, 1);
	CHECK_EQ(sum(st.malformed, PL_MAL_MAX), 0);
	CHECK_EQ(sum(st.l3_packets, PL_L3_MAX), 0);
	TEST_END();
}

/* Ethernet + IPv4 (A4 -> B4) + AH (@icv bytes) + @proto. */
static size_t v4_ah(struct pb *b, uint8_t proto, size_t icv)
{
	pb_init(b);
	pb_eth(b, NULL, NULL, PB_ETH_P_IP);
	v4(b, A4, B4, PB_IPPROTO_AH);
	return pb_ah(b, proto, 0x1000, 1, icv);
}

static void test_ah4_rarp(void)
{
	struct pl_flow_key k;
	struct pl_stats st;
	struct pb b;
	size_t ah;
	int dir;

	begin("ipv4 AH -> tcp: skipped as in IPv6, the segment tracked");
	v4_ah(&b, PB_IPPROTO_TCP, 12);
	tcp(&b, 5000, 22, PB_TCP_PSH | PB_TCP_ACK);
	pb_payload(&b, 40);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_link(&st, b.len, PL_L3_IPV4, PL_L4_TCP, -1);
	k = mkkey(ep4(A4, 5000), ep4(B4, 22), PB_IPPROTO_TCP, 4, 0, &dir);
	expect_flow1(&k, dir, b.len, PB_TCP_PSH | PB_TCP_ACK);
	TEST_END();

	begin("ipv4 AH -> udp, first fragment");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	pb_ipv4(&b, &(struct pb_ipv4_opts){ .src = A4, .dst = B4, .proto = PB_IPPROTO_AH,
					    .frag_off = PB_IP_MF });
	pb_ah(&b, PB_IPPROTO_UDP, 1, 1, 16);
	pb_udp(&b, 500, 500);
	pb_payload(&b, 60);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_link(&st, b.len, PL_L3_IPV4, PL_L4_UDP, -1);
	CHECK_EQ(st.ipv4_frag_first, 1);
	CHECK_EQ(count_flows(), 1);
	TEST_END();

	begin("ipv4 AH -> esp: l4 other");
	v4_ah(&b, 50, 12);
	pb_payload(&b, 40);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_link(&st, b.len, PL_L3_IPV4, PL_L4_OTHER, -1);
	TEST_END();

	begin("malformed truncated_ah: AH longer than the IP packet");
	ah = v4_ah(&b, PB_IPPROTO_TCP, 12);
	pb_finish(&b);
	b.buf[ah + 1] = 20;
	xdp(&b);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_AH);
	expect_classes(&st, PL_L3_IPV4, PL_L4_NONE);
	TEST_END();

	begin("malformed truncated_ah: IP packet ends after one byte of AH");
	v4_ah(&b, PB_IPPROTO_TCP, 12);
	xdp_short(&b, 14 + 20 + 1);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_AH);
	TEST_END();

	begin("ipv4 AH cut by a snap length: cut, not malformed");
	v4_ah(&b, PB_IPPROTO_TCP, 12);
	tcp(&b, 5000, 22, PB_TCP_ACK);
	pb_finish(&b);
	xdp_cut(&b, 14 + 20 + 10);
	read_stats(&st);
	expect_cut(&st, 14 + 20 + 24 + 20, PL_L3_IPV4, PL_L4_NONE);
	TEST_END();

	begin("rarp request: counted with arp");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, 0x8035);
	pb_arp(&b, 3, NULL, 0, NULL, 0);
	pb_zero(&b, 18);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_link(&st, b.len, PL_L3_ARP, PL_L4_NONE, -1);
	TEST_END();

	begin("malformed truncated_arp: rarp without its addresses");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, 0x8035);
	pb_arp(&b, 4, NULL, 0, NULL, 0);
	xdp_short(&b, 14 + 20);
	read_stats(&st);
	expect_mal(&st, PL_MAL_TRUNC_ARP);
	expect_classes(&st, PL_L3_ARP, PL_L4_NONE);
	TEST_END();
}

static void test_tso(void)
{
	struct pl_flow_key k;
	struct pl_stats st;
	struct pb b;
	int dir;

	begin("TSO: ipv4 total length 0 on a 1514-byte frame, length from the frame");
	v4_tcp(&b, A4, 40000, B4, 443, PB_TCP_PSH | PB_TCP_ACK, 1460);
	pb_set16(&b, 14 + 2, 0);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV4, PL_L4_TCP);
	CHECK_EQ(st.tso, 1);
	k = mkkey(ep4(A4, 40000), ep4(B4, 443), PB_IPPROTO_TCP, 4, 0, &dir);
	expect_flow1(&k, dir, b.len, PB_TCP_PSH | PB_TCP_ACK);
	TEST_END();

	begin("TSO: ipv4 total length 0, 16 KiB segment captured in part");
	v4_tcp(&b, A4, 40000, B4, 443, PB_TCP_ACK, 16000);
	pb_set16(&b, 14 + 2, 0);
	pb_trim(&b, 200);
	xdp_wire(&b, 14 + 20 + 20 + 16000);
	read_stats(&st);
	CHECK_EQ(st.tso, 1);
	CHECK_EQ(st.l4_packets[PL_L4_TCP], 1);
	CHECK_EQ(sum(st.malformed, PL_MAL_MAX), 0);
	CHECK_EQ(count_flows(), 1);
	TEST_END();

	begin("TSO: ipv4 total length 0 behind PPPoE, with options, udp (GSO)");
	{
		size_t off = pppoe_hdr(&b, 0, 0x0021);

		pb_ipv4(&b, &(struct pb_ipv4_opts){ .src = A4, .dst = B4, .proto = PB_IPPROTO_UDP,
						    .options = (const uint8_t[4]){ 1, 1, 1, 0 },
						    .optlen = 4 });
		pb_udp(&b, 4433, 443);
		pb_payload(&b, 1200);
		pb_finish(&b);
		pppoe_len(&b, off);
		pb_set16(&b, 14 + 8 + 2, 0);
	}
	xdp(&b);
	read_stats(&st);
	expect_link(&st, b.len, PL_L3_IPV4, PL_L4_UDP, PL_LINK_PPPOE_SESSION);
	CHECK_EQ(st.tso, 1);
	TEST_END();

	begin("ipv4 total length 0 on a frame holding the header alone: not TSO");
	v4_hdr(&b, 59);
	pb_finish(&b);
	pb_set16(&b, 14 + 2, 0);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV4, PL_L4_OTHER);
	CHECK_EQ(st.tso, 0);
	TEST_END();

	begin("TSO: ipv6 payload length 0 without a jumbo option");
	v6_hdr(&b, PB_IPPROTO_TCP);
	tcp(&b, 40000, 443, PB_TCP_ACK);
	pb_payload(&b, 1400);
	pb_finish(&b);
	pb_set16(&b, 14 + 4, 0);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV6, PL_L4_TCP);
	CHECK_EQ(st.tso, 1);
	CHECK_EQ(count_flows(), 1);
	TEST_END();

	begin("ipv6 payload length 0 with a jumbo payload option: a jumbogram, not TSO");
	v6_hdr(&b, PB_IPPROTO_HOPOPTS);
	{
		size_t hbh = pb_ipv6_opts_hdr(&b, PB_IPPROTO_UDP, 8);

		b.buf[hbh + 2] = 0xc2;
		b.buf[hbh + 3] = 4;
		pb_set32(&b, hbh + 4, 70000 - 40);
	}
	pb_udp(&b, 1, 2);
	pb_payload(&b, 100);
	pb_finish(&b);
	pb_set16(&b, 14 + 4, 0);
	pb_set16(&b, 14 + 40 + 8 + 4, 0);
	xdp_wire(&b, 14 + 70000);
	read_stats(&st);
	CHECK_EQ(st.tso, 0);
	CHECK_EQ(st.l4_packets[PL_L4_UDP], 1);
	CHECK_EQ(st.ipv6_ext, 1);
	CHECK_EQ(sum(st.malformed, PL_MAL_MAX), 0);
	TEST_END();

	begin("ipv6 payload length 0 on the header alone: not TSO");
	v6_hdr(&b, PB_IPPROTO_NONE);
	pb_finish(&b);
	xdp(&b);
	read_stats(&st);
	expect_one(&st, b.len, PL_L3_IPV6, PL_L4_OTHER);
	CHECK_EQ(st.tso, 0);
	TEST_END();
}

static void test_encap_tc(void)
{
	static struct pb p[6];
	size_t off;

	off = pppoe_hdr(&p[0], 7, 0x0021);
	v4(&p[0], A4, B4, PB_IPPROTO_TCP);
	tcp(&p[0], 1, 2, PB_TCP_SYN);
	pb_finish(&p[0]);
	pppoe_len(&p[0], off);
	mpls_hdr(&p[1], MPLS_UC, 2, true);
	v6(&p[1], A6, B6, PB_IPPROTO_UDP);
	pb_udp(&p[1], 3, 4);
	pb_finish(&p[1]);
	v4_ah(&p[2], PB_IPPROTO_UDP, 12);
	pb_udp(&p[2], 5, 6);
	pb_finish(&p[2]);
	v4_tcp(&p[3], A4, 7, B4, 8, PB_TCP_ACK, 1000);
	pb_set16(&p[3], 14 + 2, 0);
	pb_init(&p[4]);
	pb_eth(&p[4], NULL, NULL, PB_ETH_P_8021Q);
	pb_vlan(&p[4], 9, 0, PPPOE_DISC);
	pb_zero(&p[4], 40);
	pb_finish(&p[4]);
	mpls_hdr(&p[5], MPLS_UC, 1, false);
	pb_finish(&p[5]);
	tc_vs_xdp("tc matches xdp: pppoe in a vlan, mpls, ipv4 AH, TSO, discovery, cut stack",
		  p, 6);
}

/* ---- talkers: addresses, ports, ICMP types (bpf/talkers.h) ------------------------- */

static struct pl_addr_key addr4(uint32_t a)
{
	struct pl_addr_key k = { .family = 4 };

	k.addr[2] = htonl(0xffff);
	k.addr[3] = htonl(a);
	return k;
}

static struct pl_addr_key addr6(const char *s)
{
	struct pl_addr_key k = { .family = 6 };
	struct in6_addr a = pb_in6(s);

	memcpy(k.addr, &a, 16);
	return k;
}

/* An address's entry in pl_srcs (@dst false) or pl_dsts; zeros if absent. */
static struct pl_addr_value talker(bool dst, struct pl_addr_key k)
{
	struct pl_addr_value v;

	pl_talkers_lookup(bpf_map__fd(dst ? g_skel->maps.pl_dsts : g_skel->maps.pl_srcs), &k, &v);
	return v;
}

/* Addresses in pl_srcs (@dst false) or pl_dsts, as user space reads them. */
static int count_talkers(bool dst)
{
	struct pl_talker_fds fds = { .srcs = bpf_map__fd(g_skel->maps.pl_srcs),
				     .dsts = bpf_map__fd(g_skel->maps.pl_dsts),
				     .ports = -1, .icmp = -1, .stats = -1 };
	struct pl_talkers t;
	int n;

	if (pl_talkers_read(&t, &fds, NULL, 0))
		return -1;
	n = (int)(dst ? t.ndst : t.nsrc);
	pl_talkers_free(&t);
	return n;
}

/* Packets (and bytes) of a port or ICMP slot. */
static struct pl_count port_count(__u32 kind, __u16 port)
{
	struct pl_count c = {};
	__u32 k = kind << 16 | port;

	bpf_map_lookup_elem(bpf_map__fd(g_skel->maps.pl_ports), &k, &c);
	return c;
}

static __u64 icmp_count(int v6, int type, int code)
{
	__u32 k = PL_ICMP_KEY(v6, type, code);
	__u64 n = 0;

	bpf_map_lookup_elem(bpf_map__fd(g_skel->maps.pl_icmp), &k, &n);
	return n;
}

/* Ethernet + IPv4 @src -> @dst, fragment field @frag, UDP 1234 -> @dport when first. */
static void v4_frag(struct pb *b, uint32_t src, uint32_t dst, uint16_t frag, uint16_t dport)
{
	pb_init(b);
	pb_eth(b, NULL, NULL, PB_ETH_P_IP);
	pb_ipv4(b, &(struct pb_ipv4_opts){ .src = src, .dst = dst, .proto = PB_IPPROTO_UDP,
					   .frag_off = frag });
	if (!(frag & 0x1fff))
		pb_udp(b, 1234, dport);
	pb_payload(b, 200);
	pb_finish(b);
}

/* ---- detection: overlapping fragments (bpf/detect.h) ------------------------------- */

#define FA4 PB_IP4(198, 18, 0, 1)
#define FB4 PB_IP4(198, 18, 0, 2)

/* An Ethernet/IPv4 fragment of datagram @id: @off8 in 8-byte units, @len bytes. */
static void frag4(struct pb *b, uint16_t id, uint8_t proto, uint16_t off8, bool more, size_t len)
{
	pb_init(b);
	pb_eth(b, NULL, NULL, PB_ETH_P_IP);
	pb_ipv4(b, &(struct pb_ipv4_opts){ .src = FA4, .dst = FB4, .proto = proto, .id = id,
					   .frag_off = (more ? PB_IP_MF : 0) | off8 });
	if (!off8 && proto == PB_IPPROTO_UDP && len >= 8) {
		pb_udp(b, 4000, 5000);
		len -= 8;
	}
	pb_payload(b, len);
	pb_finish(b);
}

static void frag6(struct pb *b, uint32_t id, uint16_t off8, bool more, size_t len)
{
	pb_init(b);
	pb_eth(b, NULL, NULL, PB_ETH_P_IPV6);
	v6(b, A6, B6, PB_IPPROTO_FRAGMENT);
	pb_ipv6_frag(b, PB_IPPROTO_UDP, off8, more, id);
	if (!off8 && len >= 8) {
		pb_udp(b, 4000, 5000);
		len -= 8;
	}
	pb_payload(b, len);
	pb_finish(b);
}

static void det_clear(void)
{
	int fds[2] = { bpf_map__fd(g_skel->maps.pl_det_srcs), bpf_map__fd(g_skel->maps.pl_det_frags) };
	char k[64];

	for (int i = 0; i < 2; i++)
		while (!bpf_map_get_next_key(fds[i], NULL, k))
			if (bpf_map_delete_elem(fds[i], k))
				break;
}

/* Overlaps counted on the source (FA4, or A6 with @v6). */
static __u64 overlaps(bool is6)
{
	struct pl_addr_key k = { .family = is6 ? 6 : 4 };
	struct pl_det_src v;
	struct ep e = is6 ? ep6(A6, 0) : ep4(FA4, 0);

	memcpy(k.addr, e.addr, 16);
	if (bpf_map_lookup_elem(bpf_map__fd(g_skel->maps.pl_det_srcs), &k, &v))
		return 0;
	return v.n[PL_DC_FRAG_OVERLAP];
}

static int frag_entries(void)
{
	int fd = bpf_map__fd(g_skel->maps.pl_det_frags), n = 0;
	struct pl_frag_key k, next;

	for (bool first = true; !bpf_map_get_next_key(fd, first ? NULL : &k, &next); first = false) {
		k = next;
		n++;
	}
	return n;
}

static void test_detect_frags(void)
{
	struct pb b;

	begin("detect: teardrop (second fragment inside the first) counted on its source");
	det_clear();
	frag4(&b, 0x1234, PB_IPPROTO_UDP, 0, true, 36);
	xdp(&b);
	CHECK_EQ(overlaps(false), 0);
	frag4(&b, 0x1234, PB_IPPROTO_UDP, 3, false, 4);
	xdp(&b);
	CHECK_EQ(overlaps(false), 1);
	TEST_END();

	begin("detect: the same through tc");
	det_clear();
	frag4(&b, 0x99, PB_IPPROTO_UDP, 0, true, 48);
	tc(&b);
	frag4(&b, 0x99, PB_IPPROTO_UDP, 2, false, 100);
	tc(&b);
	CHECK_EQ(overlaps(false), 1);
	TEST_END();

	begin("detect: in-order and reversed fragments, a duplicate: no overlap, datagrams done");
	det_clear();
	for (int i = 0; i < 3; i++) {
		frag4(&b, 7, PB_IPPROTO_UDP, (uint16_t)(i * 185), i < 2, i < 2 ? 1480 : 40);
		xdp(&b);
		if (i == 1)
			xdp(&b); /* a duplicate (RFC 8200 4.5: no overlap) */
	}
	CHECK_EQ(frag_entries(), 0); /* all its bytes came: forgotten */
	for (int i = 2; i >= 0; i--) {
		frag4(&b, 8, PB_IPPROTO_UDP, (uint16_t)(i * 185), i < 2, i < 2 ? 1480 : 40);
		xdp(&b);
	}
	CHECK_EQ(frag_entries(), 0);
	CHECK_EQ(overlaps(false), 0);
	TEST_END();

	begin("detect: same id, other protocol or a new datagram after the timeout: no overlap");
	det_clear();
	frag4(&b, 9, PB_IPPROTO_UDP, 0, true, 1480);
	xdp(&b);
	frag4(&b, 9, PB_IPPROTO_ICMP, 0, true, 1480); /* another datagram (IPv4 keys by protocol) */
	xdp(&b);
	CHECK_EQ(frag_entries(), 2);
	g_ts += PL_FRAG_TIMEOUT_NS + 1;
	frag4(&b, 9, PB_IPPROTO_UDP, 100, false, 200); /* inside the first, but 60 s later */
	xdp(&b);
	CHECK_EQ(overlaps(false), 0);
	TEST_END();

	begin("detect: ipv6 fragments overlapping by 8 bytes; an atomic fragment is none");
	det_clear();
	frag6(&b, 0xabcdef, 0, true, 1208);
	xdp(&b);
	frag6(&b, 0xabcdef, 150, false, 300);
	xdp(&b);
	CHECK_EQ(overlaps(true), 1);
	frag6(&b, 0xabcdef, 0, true, 1208); /* a repeat of the first: still one */
	xdp(&b);
	CHECK_EQ(overlaps(true), 1);
	frag6(&b, 5, 0, false, 100);
	xdp(&b);
	CHECK_EQ(frag_entries(), 1);
	TEST_END();
	det_clear();

	begin("detect: a SYN with an OS's options (12 bytes) marks its side, MSS alone does not");
	for (int os = 0; os < 2; os++) {
		static const uint8_t linux_opts[] = { 2, 4, 5, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7 };
		static const uint8_t mss[] = { 2, 4, 5, 0xb4 };
		struct pl_flow_value v = {};
		struct pl_flow_key k;
		int dir;

		pb_init(&b);
		pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
		v4(&b, FA4, FB4, PB_IPPROTO_TCP);
		pb_tcp(&b, &(struct pb_tcp_opts){ .sport = 41000, .dport = 1000, .flags = PB_TCP_SYN,
						  .options = os ? linux_opts : mss,
						  .optlen = os ? sizeof(linux_opts) : sizeof(mss) });
		pb_finish(&b);
		xdp(&b);
		k = mkkey(ep4(FA4, 41000), ep4(FB4, 1000), PB_IPPROTO_TCP, 4, 0, &dir);
		CHECK(get_flow(&k, &v), "no flow");
		CHECK_EQ(v.tcp_flags >> 16, os ? 1u << dir : 0u);
	}
	TEST_END();
}

static void test_talkers_frags(void)
{
	struct pl_count p0 = port_count(PL_PORT_UDP_DST, 4000), p1;
	struct pl_addr_value v;
	struct pb b;
	__u64 bytes = 0;

	begin("talkers: later IPv4 and IPv6 fragments credited to their addresses, not ports");
	v4_frag(&b, A4, B4, PB_IP_MF, 4000);
	xdp(&b);
	bytes += b.len;
	v4_frag(&b, A4, B4, PB_IP_MF | 26, 4000);
	xdp(&b);
	bytes += b.len;
	v4_frag(&b, A4, B4, 52, 4000);
	xdp(&b);
	bytes += b.len;
	v = talker(false, addr4(A4));
	CHECK_EQ(v.packets, 3);
	CHECK_EQ(v.bytes, bytes);
	v = talker(true, addr4(B4));
	CHECK_EQ(v.packets, 3);
	CHECK_EQ(v.bytes, bytes);
	CHECK_EQ(pl_hll_estimate(v.peers) > 0.5 && pl_hll_estimate(v.peers) < 1.5, 1);
	p1 = port_count(PL_PORT_UDP_DST, 4000);
	CHECK_EQ(p1.packets - p0.packets, 1); /* the first fragment's port only */
	CHECK_EQ(count_flows(), 1);
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IPV6);
	v6(&b, A6, B6, PB_IPPROTO_FRAGMENT);
	pb_ipv6_frag(&b, PB_IPPROTO_UDP, 100, false, 7);
	pb_payload(&b, 64);
	pb_finish(&b);
	xdp(&b);
	v = talker(false, addr6(A6));
	CHECK_EQ(v.packets, 1);
	CHECK_EQ(v.bytes, b.len);
	CHECK_EQ(talker(true, addr6(B6)).packets, 1);
	TEST_END();

	begin("talkers: a malformed transport header still counts its addresses");
	v4_tcp(&b, A4, 1, B4, 2, PB_TCP_SYN, 0);
	xdp_short(&b, 14 + 20 + 10);
	CHECK_EQ(talker(false, addr4(A4)).packets, 1);
	CHECK_EQ(talker(true, addr4(B4)).packets, 1);
	CHECK_EQ(pl_hll_estimate(talker(false, addr4(A4)).ports), 0);
	TEST_END();
}

static void test_talkers_ports_icmp(void)
{
	struct pl_count d0 = port_count(PL_PORT_UDP_SRC, 161), t0 = port_count(PL_PORT_TCP_DST, 22);
	struct pl_count s0 = port_count(PL_PORT_SCTP_DST, 2905), d1, t1, s1;
	__u64 i33 = icmp_count(0, 3, 3), i110 = icmp_count(0, 11, 0), i614 = icmp_count(1, 1, 4);
	__u64 i8 = icmp_count(0, 8, 0);
	struct pb b;

	begin("talkers: ports by kind (udp source 161, tcp and sctp destinations), bytes");
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	v4(&b, A4, B4, PB_IPPROTO_UDP);
	pb_udp(&b, 161, 40000);
	pb_payload(&b, 1000);
	pb_finish(&b);
	xdp(&b);
	xdp(&b);
	d1 = port_count(PL_PORT_UDP_SRC, 161);
	CHECK_EQ(d1.packets - d0.packets, 2);
	CHECK_EQ(d1.bytes - d0.bytes, 2 * b.len);
	v4_tcp(&b, A4, 50000, B4, 22, PB_TCP_SYN, 0);
	xdp(&b);
	t1 = port_count(PL_PORT_TCP_DST, 22);
	CHECK_EQ(t1.packets - t0.packets, 1);
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IPV6);
	v6(&b, A6, B6, PB_IPPROTO_SCTP);
	pb_sctp(&b, 1, 2905, 1);
	pb_finish(&b);
	xdp(&b);
	s1 = port_count(PL_PORT_SCTP_DST, 2905);
	CHECK_EQ(s1.packets - s0.packets, 1);
	TEST_END();

	begin("talkers: ICMP and ICMPv6 by type and code");
	for (int i = 0; i < 3; i++) {
		pb_init(&b);
		pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
		v4(&b, B4, A4, PB_IPPROTO_ICMP);
		pb_icmp(&b, i < 2 ? 3 : 11, i < 2 ? 3 : 0, 0);
		pb_payload(&b, 28);
		pb_finish(&b);
		xdp(&b);
	}
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IPV6);
	v6(&b, B6, A6, PB_IPPROTO_ICMPV6);
	pb_icmp6(&b, 1, 4, 0);
	pb_payload(&b, 48);
	pb_finish(&b);
	xdp(&b);
	CHECK_EQ(icmp_count(0, 3, 3) - i33, 2);
	CHECK_EQ(icmp_count(0, 11, 0) - i110, 1);
	CHECK_EQ(icmp_count(1, 1, 4) - i614, 1);
	/* an ICMP header cut short is not counted by type */
	pb_init(&b);
	pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
	v4(&b, B4, A4, PB_IPPROTO_ICMP);
	pb_icmp_echo(&b, false, 1, 1);
	pb_finish(&b);
	xdp_short(&b, 14 + 20 + 3);
	CHECK_EQ(icmp_count(0, 8, 0) - i8, 0);
	TEST_END();
}

/* Relative error of an estimate of @n. */
static double rel_err(double est, double n)
{
	return est > n ? (est - n) / n : (n - est) / n;
}

/*
 * A frame of a link type analyze converts (Linux cooked, raw IP, radiotap, ...): the
 * buffer holds it behind a synthetic Ethernet header, wire_len is that Ethernet
 * frame's length and frame_len the capture's own, which every counter counts.
 */
static void xdp_framed(const struct pb *b, __u32 wire_len, __u32 frame_len)
{
	g_skel->bss->pl_offline[g_cpu].f[0].frame_len = frame_len;
	xdp_wire(b, wire_len);
	g_skel->bss->pl_offline[g_cpu].f[0].frame_len = 0;
}

static void test_converted_lengths(void)
{
	/* SLL (16-byte header: +2), raw IP (-14), radiotap + 802.11 + SNAP (+26 + 8) */
	static const int adj[] = { 2, -14, 34 };
	struct pl_flow_key k;
	struct pl_stats st;
	struct pb b;
	int dir;

	begin("converted link types: counters count the capture's frame, parsers the Ethernet one");
	for (size_t i = 0; i < sizeof(adj) / sizeof(adj[0]); i++) {
		struct pl_count p0 = port_count(PL_PORT_UDP_SRC, 161), p1;
		__u32 fl;

		reset_maps(g_skel);
		pb_init(&b);
		pb_eth(&b, NULL, NULL, PB_ETH_P_IP);
		v4(&b, A4, B4, PB_IPPROTO_UDP);
		pb_udp(&b, 161, 40000);
		pb_payload(&b, 1030 - 42); /* 1030 bytes: raw IP's 1016 is a size class lower */
		pb_finish(&b);
		fl = (__u32)((int)b.len + adj[i]);
		xdp_framed(&b, (__u32)b.len, fl);
		read_stats(&st);
		expect_one(&st, fl, PL_L3_IPV4, PL_L4_UDP);
		CHECK_EQ(st.size_hist[fl <= 1023 ? PL_SZ_LE1023 : PL_SZ_LE1518], 1);
		CHECK_EQ(talker(false, addr4(A4)).bytes, fl);
		CHECK_EQ(talker(true, addr4(B4)).bytes, fl);
		p1 = port_count(PL_PORT_UDP_SRC, 161);
		CHECK_EQ(p1.packets - p0.packets, 1);
		CHECK_EQ(p1.bytes - p0.bytes, fl);
		k = mkkey(ep4(A4, 161), ep4(B4, 40000), PB_IPPROTO_UDP, 4, 0, &dir);
		expect_flow1(&k, dir, fl, 0);
	}
	TEST_END();

	begin("converted link types: raw IP TSO frame, length from the Ethernet frame");
	reset_maps(g_skel);
	v4_tcp(&b, A4, 40000, B4, 443, PB_TCP_ACK, 1460);
	pb_set16(&b, 14 + 2, 0);
	xdp_framed(&b, (__u32)b.len, (__u32)b.len - 14);
	read_stats(&st);
	expect_one(&st, b.len - 14, PL_L3_IPV4, PL_L4_TCP);
	CHECK_EQ(st.tso, 1);
	TEST_END();
}

static void test_talkers_spread(void)
{
	const int n = 2000, nports = 300;
	struct pl_addr_value v;
	struct pb b;
	double e;

	begin("talkers: spread of a horizontal sweep (one source, 2000 hosts, 300 ports)");
	for (int i = 0; i < n; i++) {
		v4_tcp(&b, A4, 40000, PB_IP4(10, 9, i >> 8, i & 0xff), 1 + i % nports, PB_TCP_SYN,
		       0);
		xdp_wire(&b, (__u32)b.len);
	}
	v = talker(false, addr4(A4));
	CHECK_EQ(v.packets, (__u64)n);
	e = pl_hll_estimate(v.peers);
	printf("     destinations: estimate %.0f of %d (%.1f %%)\n", e, n, 100 * rel_err(e, n));
	CHECK(rel_err(e, n) <= 3 * PL_HLL_STDERR, "estimate %.0f of %d destinations", e, n);
	e = pl_hll_estimate(v.ports);
	printf("     ports: estimate %.0f of %d (%.1f %%)\n", e, nports, 100 * rel_err(e, nports));
	CHECK(rel_err(e, nports) <= 3 * PL_HLL_STDERR, "estimate %.0f of %d ports", e, nports);
	{
		__u8 want[PL_HLL_BYTES] = { 0 }, wantp[PL_HLL_BYTES] = { 0 };

		for (int i = 0; i < n; i++) {
			struct pl_addr_key k = addr4(PB_IP4(10, 9, i >> 8, i & 0xff));

			pl_hll_add(want, pl_hll_hash_addr(k.addr));
			pl_hll_add(wantp, pl_hll_hash_port(PB_IPPROTO_TCP, 1 + i % nports));
		}
		CHECK(!memcmp(want, v.peers, sizeof(want)), "kernel and user-space sketches differ");
		CHECK(!memcmp(wantp, v.ports, sizeof(wantp)), "port sketches differ");
	}
	CHECK_EQ(count_talkers(true), n);
	v = talker(true, addr4(PB_IP4(10, 9, 3, 7)));
	CHECK_EQ(v.packets, 1);
	CHECK(rel_err(pl_hll_estimate(v.peers), 1) < 0.05, "one source: %.2f",
	      pl_hll_estimate(v.peers));
	TEST_END();
}

/* The address tables' counters, summed over CPUs. */
static struct pl_talk_stats talk_stats(void)
{
	struct pl_talk_stats *per = calloc((size_t)g_ncpu, sizeof(*per)), sum = {};
	__u32 idx = 0;

	if (per && !bpf_map_lookup_elem(bpf_map__fd(g_skel->maps.pl_talk_stats), &idx, per))
		for (int c = 0; c < g_ncpu; c++) {
			sum.created[0] += per[c].created[0];
			sum.evicted[0] += per[c].evicted[0];
			sum.update_fail += per[c].update_fail;
		}
	free(per);
	return sum;
}

static __u32 bucket_of(uint32_t a)
{
	return (pl_hll_hash_addr(addr4(a).addr) >> PL_ADDR_IDX_SHIFT) & (PL_ADDR_BUCKETS - 1);
}

static void test_talkers_evict(void)
{
	static const int sent[PL_ADDR_WAYS] = { 3, 4, 2, 5 };
	uint32_t src[PL_ADDR_WAYS + 1], n = 0;
	struct pl_talk_stats st;
	struct pb b;

	begin("talkers: a full bucket gives the way with the fewest packets to a new address");
	/* Addresses of one bucket, found the way the kernel picks it. */
	for (uint32_t a = PB_IP4(10, 200, 0, 1); n <= PL_ADDR_WAYS && a < PB_IP4(10, 220, 0, 0); a++)
		if (!n || bucket_of(a) == bucket_of(src[0]))
			src[n++] = a;
	CHECK_EQ(n, PL_ADDR_WAYS + 1);
	for (uint32_t i = 0; i < PL_ADDR_WAYS && n == PL_ADDR_WAYS + 1; i++)
		for (int j = 0; j < sent[i]; j++) {
			v4_tcp(&b, src[i], 1000 + j, B4, 80, PB_TCP_SYN, 0);
			xdp(&b);
		}
	v4_tcp(&b, src[PL_ADDR_WAYS], 2000, B4, 80, PB_TCP_SYN, 0);
	xdp(&b);
	st = talk_stats();
	CHECK_EQ(st.created[0], PL_ADDR_WAYS + 1);
	CHECK_EQ(st.evicted[0], 1);
	CHECK_EQ(st.update_fail, 0);
	CHECK_EQ(talker(false, addr4(src[2])).packets, 0); /* 2 packets: the fewest */
	CHECK_EQ(talker(false, addr4(src[PL_ADDR_WAYS])).packets, 1);
	for (int i = 0; i < PL_ADDR_WAYS; i++)
		if (i != 2)
			CHECK_EQ(talker(false, addr4(src[i])).packets, (__u64)sent[i]);
	CHECK_EQ(count_talkers(false), PL_ADDR_WAYS);
	/* The destination kept every packet, and its sketch the evicted source. */
	CHECK_EQ(talker(true, addr4(B4)).packets, 3 + 4 + 2 + 5 + 1);
	CHECK(rel_err(pl_hll_estimate(talker(true, addr4(B4)).peers), 5) < 0.05,
	      "5 sources: %.2f", pl_hll_estimate(talker(true, addr4(B4)).peers));
	TEST_END();
}

/* The sketches @v should hold: one peer address and one (TCP, port). */
static void check_sketch(struct pl_addr_value v, uint32_t peer, uint16_t port)
{
	__u8 want[PL_HLL_BYTES] = { 0 }, wantp[PL_HLL_BYTES] = { 0 };

	pl_hll_add(want, pl_hll_hash_addr(addr4(peer).addr));
	pl_hll_add(wantp, pl_hll_hash_port(PB_IPPROTO_TCP, port));
	CHECK(!memcmp(want, v.peers, sizeof(want)), "peer sketch is not {%08x}", peer);
	CHECK(!memcmp(wantp, v.ports, sizeof(wantp)), "port sketch is not {tcp %u}", port);
}

static void test_talkers_directions(void)
{
	__u64 p0 = port_count(PL_PORT_TCP_DST, 40000).packets;
	struct pb b;

	begin("talkers: both directions of a flow, each end its own peer and port");
	v4_tcp(&b, A4, 40000, B4, 80, PB_TCP_SYN, 0);
	xdp(&b);
	v4_tcp(&b, B4, 80, A4, 40000, PB_TCP_SYN | PB_TCP_ACK, 0);
	xdp(&b);
	for (int i = 0; i < 3; i++) {
		v4_tcp(&b, A4, 40000, B4, 80, PB_TCP_ACK, 10);
		xdp(&b);
	}
	CHECK_EQ(talker(false, addr4(A4)).packets, 4);
	CHECK_EQ(talker(false, addr4(B4)).packets, 1);
	CHECK_EQ(talker(true, addr4(B4)).packets, 4);
	CHECK_EQ(talker(true, addr4(A4)).packets, 1);
	check_sketch(talker(false, addr4(A4)), B4, 80);
	check_sketch(talker(false, addr4(B4)), A4, 40000);
	check_sketch(talker(true, addr4(B4)), A4, 80);
	check_sketch(talker(true, addr4(A4)), B4, 40000);
	CHECK_EQ(port_count(PL_PORT_TCP_DST, 40000).packets - p0, 1);
	TEST_END();
}

static void test_talkers(void)
{
	test_talkers_evict();
	test_talkers_directions();
	test_talkers_frags();
	test_talkers_ports_icmp();
	test_converted_lengths();
	test_talkers_spread();
}

static void test_encap(void)
{
	test_pppoe();
	test_mpls();
	test_ah4_rarp();
	test_tso();
	test_encap_tc();
}

/* ---- main ----------------------------------------------------------------------------- */

int main(void)
{
	struct timespec t0, t1;
	cpu_set_t set;
	int cpu;

	setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	g_ts = 1700000000ULL * 1000000000ULL;

	/* One CPU: per-CPU counters and LRU lists behave the same on every run. */
	cpu = sched_getcpu();
	g_cpu = cpu < 0 ? 0 : cpu % PL_OFFLINE_SLOTS;
	CPU_ZERO(&set);
	CPU_SET(g_cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);

	g_ncpu = libbpf_num_possible_cpus();
	g_skel = g_ncpu > 0 ? skel_load(0) : NULL;
	g_layered = g_skel ? skel_load_opts(&(struct load_opts){ .layered = true }) : NULL;
	if (!g_skel || !g_layered) {
		if (geteuid() != 0)
			TEST_SKIP("bpf pipeline tests", "need root to load BPF programs");
		else {
			TEST_BEGIN("load the pipeline");
			CHECK(0, "could not load build/pktlens.bpf.o through the skeleton");
			TEST_END();
		}
		return check_summary();
	}

	test_link();
	test_ipv4();
	test_ipv6();
	test_l4();
	test_tunnels();
	test_sizes();
	test_malformed();
	test_ip_length();
	test_snaplen_cut();
	test_capture();
	test_ring_reader();
	test_tc();
	test_offline_batch();
	test_live_clock();
	test_live_frags();
	test_encap();
	test_talkers();
	test_detect_frags();

	TEST_BEGIN("every malformed reason has a test that produces it");
	for (int r = 1; r < PL_MAL_MAX; r++)
		CHECK(g_covered[r], "no passing test case produced malformed reason %d (%s)", r,
		      mal_name(r));
	TEST_END();

	pktlens__destroy(g_layered);
	pktlens__destroy(g_skel);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("  (runtime %.3f s)\n",
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return check_summary();
}
