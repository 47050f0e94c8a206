// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of detection (src/detect/) on synthetic timelines the test builds itself,
 * with no kernel (no pl_det_srcs: floods per source are the e2e tests'):
 *  - a SYN scan of 40 ports in 1 s: one alert (sid 9100020, the scanner), updated on
 *    the next ticks, not repeated; 10 ports: none; a connect scan named "connect", also
 *    over closed ports only when its SYNs carry an operating system's options;
 *  - a horizontal UDP probe of 30 hosts: the UDP scan sid, direction horizontal;
 *  - established flows and DNS-like queries to one server: no scan;
 *  - baselines: after the warm-up a single spike raises nothing and barely moves the
 *    mean; a sustained rise raises one alert carrying value and baseline; so for bps,
 *    new flows/s and the SYN share each alone, and the entropy of the sources over a
 *    BPF hash map of the kernel table's layout (root; test_detect_crafted checks all
 *    five offline);
 *  - the sliding window: a burst over two ticks after a long silence counted whole;
 *  - malformed packets above the rate: an alert naming the top reason;
 *  - the alert store: keyed by sid and source (or victim), updated, ended after the
 *    quiet time, a new record after that, full store counted; a foreign sid accepted;
 *  - IOC lists: CIDR and domain parsing, exact and parent matches, errors with file and
 *    line and nothing half-loaded.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "detect/alerts.h"
#include "detect/detect.h"
#include "detect/internal.h"
#include "detect/ioc.h"
#include "util/log.h"

#define S 1000000000ull

static void v4(__u32 *a, unsigned int last)
{
	memset(a, 0, 16);
	a[2] = htonl(0xffff);
	a[3] = htonl(0xc6120000 | last); /* 198.18.0.0/16 */
}

/* A flow from 198.18.0.@src:40000 to 198.18.1.@dst:@port started at @t. */
static struct pl_flow flow(unsigned int src, unsigned int dst, __u16 port, __u8 proto,
			   __u32 ini_flags, __u32 rsp_flags, __u64 pi, __u64 pr, __u64 t)
{
	struct pl_flow f = {};

	v4(f.key.addr_a, src);
	v4(f.key.addr_b, 256 + dst);
	f.key.port_a = htons(40000);
	f.key.port_b = htons(port);
	f.key.proto = proto;
	f.key.family = 4;
	f.val.initiator = PL_DIR_A_TO_B;
	f.val.tcp_flags = ini_flags | rsp_flags << 8;
	f.val.packets[0] = pi;
	f.val.packets[1] = pr;
	f.val.bytes[0] = pi * 60;
	f.val.bytes[1] = pr * 60;
	f.val.first_seen_ns = t;
	f.val.last_seen_ns = t;
	return f;
}

struct run {
	struct pl_det_cfg cfg;
	struct pl_alerts *al;
	struct pl_det *d;
	struct pl_stats delta;
	__u64 now;
};

static void run_init(struct run *r)
{
	memset(r, 0, sizeof(*r));
	pl_det_cfg_default(&r->cfg);
	r->al = pl_alerts_new(NULL, 64, (__u64)(r->cfg.quiet_s * S));
	r->d = pl_det_new(&r->cfg, r->al, NULL);
	r->now = 1000 * S;
}

static void tick(struct run *r, const struct pl_flow *f, size_t n)
{
	struct pl_det_input in = { .now_ns = r->now, .span_s = 1, .delta = &r->delta,
				   .flows = f, .nflows = n, .det_srcs_fd = -1,
				   .det_frags_fd = -1, .det_frag_stats_fd = -1, .egress_fd = -1, .offline = true };

	pl_det_tick(r->d, &in);
	pl_alerts_untouch(r->al);
	memset(&r->delta, 0, sizeof(r->delta));
	r->now += S;
}

/* A tick that reads per-source counters from @fd (pl_det_srcs's layout). */
static void tick_srcs(struct run *r, int fd)
{
	struct pl_det_input in = { .now_ns = r->now, .span_s = 1, .delta = &r->delta,
				   .det_srcs_fd = fd, .det_frags_fd = -1, .det_frag_stats_fd = -1,
				   .egress_fd = -1, .offline = true };

	pl_det_tick(r->d, &in);
	pl_alerts_untouch(r->al);
	memset(&r->delta, 0, sizeof(r->delta));
	r->now += S;
}

static void run_free(struct run *r)
{
	pl_det_free(r->d);
	pl_alerts_free(r->al);
}

/* The records with @sid: how many, and the first in *@out. */
static size_t with_sid(struct run *r, unsigned int sid, const struct pl_alert_rec **out)
{
	size_t n, k = 0;
	const struct pl_alert_rec *a = pl_alerts_list(r->al, &n);

	for (size_t i = 0; i < n; i++)
		if (a[i].a.sid == sid) {
			if (!k && out)
				*out = &a[i];
			k++;
		}
	return k;
}

static const char *ev_str(const struct pl_alert_rec *a, const char *key)
{
	json_object *v;

	return a->a.evidence && json_object_object_get_ex(a->a.evidence, key, &v) ?
		       json_object_get_string(v) : "";
}

static void test_syn_scan(void)
{
	struct pl_flow f[64];
	const struct pl_alert_rec *a = NULL;
	struct run r;

	TEST_BEGIN("SYN scan of 40 ports: one alert from the scanner, updated not repeated");
	run_init(&r);
	tick(&r, NULL, 0);
	for (int i = 0; i < 40; i++) /* closed ports: SYN, RST+ACK back */
		f[i] = flow(7, 1, 1000 + i, 6, PL_TCP_SYN, PL_TCP_RST | PL_TCP_ACK, 1, 1,
			    r.now - S / 2);
	tick(&r, f, 40);
	CHECK(with_sid(&r, PL_SID_SCAN_SYN, &a) == 1, "%zu SYN scan alerts",
	      with_sid(&r, PL_SID_SCAN_SYN, NULL));
	CHECK(a && a->fl.src[3] == 7 && a->fl.dst[2] == 1, "attacker/victim wrong");
	CHECK(a && !strcmp(ev_str(a, "style"), "syn"), "style %s", a ? ev_str(a, "style") : "-");
	for (int i = 0; i < 40; i++) /* more ports on the next tick */
		f[i] = flow(7, 1, 2000 + i, 6, PL_TCP_SYN, 0, 1, 0, r.now - S / 2);
	tick(&r, f, 40);
	CHECK(with_sid(&r, PL_SID_SCAN_SYN, &a) == 1, "repeated");
	CHECK(a && a->updates == 1, "updates %llu", a ? (unsigned long long)a->updates : 0);
	CHECK(with_sid(&r, PL_SID_SYN_FLOOD_SRC, NULL) == 0, "a scan is no flood");
	run_free(&r);
	TEST_END();

	TEST_BEGIN("10 ports: below the threshold, no alert");
	run_init(&r);
	tick(&r, NULL, 0);
	for (int i = 0; i < 10; i++)
		f[i] = flow(7, 1, 1000 + i, 6, PL_TCP_SYN, PL_TCP_RST | PL_TCP_ACK, 1, 1,
			    r.now - S / 2);
	tick(&r, f, 10);
	CHECK(with_sid(&r, PL_SID_SCAN_SYN, NULL) == 0, "alerted");
	run_free(&r);
	TEST_END();

	TEST_BEGIN("connect scan: handshakes torn down at once make it 'connect'");
	run_init(&r);
	tick(&r, NULL, 0);
	for (int i = 0; i < 30; i++)
		f[i] = flow(8, 1, 1000 + i, 6, PL_TCP_SYN, PL_TCP_RST | PL_TCP_ACK, 1, 1,
			    r.now - S / 2);
	f[30] = flow(8, 1, 22, 6, PL_TCP_SYN | PL_TCP_ACK | PL_TCP_RST,
		     PL_TCP_SYN | PL_TCP_ACK, 3, 1, r.now - S / 2);
	tick(&r, f, 31);
	CHECK(with_sid(&r, PL_SID_SCAN_CONNECT, NULL) == 1, "no connect scan alert");
	CHECK(with_sid(&r, PL_SID_SCAN_SYN, NULL) == 0, "called SYN");
	run_free(&r);
	TEST_END();

	TEST_BEGIN("closed ports only: an OS's SYNs (options) are 'connect', raw ones 'syn'");
	for (int raw = 0; raw < 2; raw++) {
		run_init(&r);
		tick(&r, NULL, 0);
		for (int i = 0; i < 30; i++) {
			f[i] = flow(9, 1, 1000 + i, 6, PL_TCP_SYN, PL_TCP_RST | PL_TCP_ACK, 1, 1,
				    r.now - S / 2);
			if (!raw)
				f[i].val.tcp_flags |= PL_FLOW_OS_SYN; /* from a (the initiator) */
		}
		tick(&r, f, 30);
		CHECK(with_sid(&r, raw ? PL_SID_SCAN_SYN : PL_SID_SCAN_CONNECT, NULL) == 1 &&
			      with_sid(&r, raw ? PL_SID_SCAN_CONNECT : PL_SID_SCAN_SYN, NULL) == 0,
		      "%s SYNs: wrong style", raw ? "raw" : "OS");
		run_free(&r);
	}
	TEST_END();

	TEST_BEGIN("an open port torn down with a bare RST makes it 'syn' despite OS SYNs");
	run_init(&r);
	tick(&r, NULL, 0);
	for (int i = 0; i < 30; i++) {
		f[i] = flow(10, 1, 1000 + i, 6, PL_TCP_SYN, PL_TCP_RST | PL_TCP_ACK, 1, 1,
			    r.now - S / 2);
		f[i].val.tcp_flags |= PL_FLOW_OS_SYN;
	}
	f[30] = flow(10, 1, 22, 6, PL_TCP_SYN | PL_TCP_RST, PL_TCP_SYN | PL_TCP_ACK, 2, 1,
		     r.now - S / 2);
	tick(&r, f, 31);
	CHECK(with_sid(&r, PL_SID_SCAN_SYN, NULL) == 1, "not called SYN");
	run_free(&r);
	TEST_END();
}

static void test_scan_bound(void)
{
	struct pl_det_counts c;
	struct pl_flow f[8];
	struct run r;

	TEST_BEGIN("scan tracker: sources evicted and back in the same tick stay in max-sources");
	run_init(&r);
	pl_det_free(r.d);
	r.cfg.max_sources = 4;
	r.d = pl_det_new(&r.cfg, r.al, NULL);
	tick(&r, NULL, 0);
	for (int round = 0; round < 4; round++) {
		/* the four sources known, one more each round: two are evicted and come back */
		for (int i = 0; i < 5; i++)
			f[i] = flow(20 + (unsigned int)(i < 4 ? i : 4 + round), 1,
				    (__u16)(1000 + 10 * round + i), 6, PL_TCP_SYN,
				    PL_TCP_RST | PL_TCP_ACK, 1, 1, r.now - S / 2);
		tick(&r, f, 5);
	}
	pl_det_counts(r.d, &c);
	CHECK(c.sources_tracked <= 4 && c.sources_evicted > 0, "tracked %llu, evicted %llu",
	      (unsigned long long)c.sources_tracked, (unsigned long long)c.sources_evicted);
	run_free(&r);
	TEST_END();
}

static void test_udp_and_normal(void)
{
	struct pl_flow f[64];
	const struct pl_alert_rec *a = NULL;
	struct run r;
	json_object *ev, *dir;

	TEST_BEGIN("UDP to port 161 of 30 hosts: horizontal UDP scan");
	run_init(&r);
	tick(&r, NULL, 0);
	for (int i = 0; i < 30; i++)
		f[i] = flow(9, 10 + i, 161, 17, 0, 0, 1, 0, r.now - S / 2);
	tick(&r, f, 30);
	CHECK(with_sid(&r, PL_SID_SCAN_UDP, &a) == 1, "no UDP scan alert");
	ev = NULL;
	if (a && json_object_object_get_ex(a->a.evidence, "evidence", &ev) &&
	    json_object_object_get_ex(ev, "direction", &dir))
		CHECK(!strcmp(json_object_get_string(dir), "horizontal"), "direction %s",
		      json_object_get_string(dir));
	else
		CHECK(0, "no direction in the evidence");
	run_free(&r);
	TEST_END();

	TEST_BEGIN("established flows and 50 queries to one DNS server: no scan");
	run_init(&r);
	tick(&r, NULL, 0);
	for (int i = 0; i < 50; i++) {
		f[i] = flow(11, 1, 53, 17, 0, 0, 1, 1, r.now - S / 2);
		f[i].key.port_a = htons(30000 + i); /* each query its own source port */
	}
	for (int i = 50; i < 60; i++)
		f[i] = flow(11, 2 + i, 443, 6, PL_TCP_SYN | PL_TCP_ACK | PL_TCP_PSH | PL_TCP_FIN,
			    PL_TCP_SYN | PL_TCP_ACK | PL_TCP_PSH | PL_TCP_FIN, 20, 30, r.now - S / 2);
	tick(&r, f, 60);
	{
		size_t n;

		pl_alerts_list(r.al, &n);
		CHECK(n == 0, "%zu alerts", n);
	}
	run_free(&r);
	TEST_END();
}

static void test_baseline(void)
{
	const struct pl_alert_rec *a = NULL;
	struct run r;

	TEST_BEGIN("baseline: a single spike after the warm-up raises nothing");
	run_init(&r);
	for (unsigned int i = 0; i < r.cfg.base_warmup + 5; i++) {
		r.delta.packets = 2000 + (i % 3) * 100;
		r.delta.bytes = r.delta.packets * 500;
		tick(&r, NULL, 0);
	}
	r.delta.packets = 200000; /* one tick, 100 x */
	r.delta.bytes = r.delta.packets * 500;
	tick(&r, NULL, 0);
	for (int i = 0; i < 5; i++) {
		r.delta.packets = 2000;
		r.delta.bytes = r.delta.packets * 500;
		tick(&r, NULL, 0);
	}
	CHECK(with_sid(&r, PL_SID_BASE_PPS, NULL) == 0, "a spike alerted");
	TEST_END();

	TEST_BEGIN("baseline: a sustained rise raises one alert with value and baseline");
	for (int i = 0; i < 10; i++) {
		r.delta.packets = 60000;
		r.delta.bytes = r.delta.packets * 500;
		tick(&r, NULL, 0);
	}
	CHECK(with_sid(&r, PL_SID_BASE_PPS, &a) == 1, "%zu pps alerts",
	      with_sid(&r, PL_SID_BASE_PPS, NULL));
	if (a) {
		json_object *ev, *b, *v;

		CHECK(json_object_object_get_ex(a->a.evidence, "evidence", &ev) &&
			      json_object_object_get_ex(ev, "baseline", &b) &&
			      json_object_object_get_ex(ev, "value", &v) &&
			      json_object_get_double(b) < 3000 && json_object_get_double(v) == 60000,
		      "evidence %s", json_object_to_json_string(a->a.evidence));
	}
	run_free(&r);
	TEST_END();
}

/*
 * One metric's baseline alone: @set puts @v (the learned level) or @v * 8 (the rise) in
 * the tick's counters; every other metric stays where it was learned. The rise must
 * raise @sid once, with the value and the baseline, and no other baseline alert.
 */
static void base_one(const char *name, unsigned int sid, void (*set)(struct pl_stats *, double),
		     double v, double rise)
{
	const struct pl_alert_rec *a = NULL;
	struct run r;

	TEST_BEGIN(name);
	run_init(&r);
	for (unsigned int i = 0; i < r.cfg.base_warmup + 5; i++) {
		set(&r.delta, v * (1 + (i % 3) * 0.05));
		tick(&r, NULL, 0);
	}
	set(&r.delta, rise); /* one spike: nothing */
	tick(&r, NULL, 0);
	set(&r.delta, v);
	tick(&r, NULL, 0);
	CHECK(with_sid(&r, sid, NULL) == 0, "a spike alerted");
	for (int i = 0; i < 5; i++) {
		set(&r.delta, rise);
		tick(&r, NULL, 0);
	}
	CHECK(with_sid(&r, sid, &a) == 1, "%zu alerts", with_sid(&r, sid, NULL));
	for (unsigned int o = PL_SID_BASE_PPS; o <= PL_SID_BASE_SRC_ENTROPY; o++)
		CHECK(o == sid || with_sid(&r, o, NULL) == 0, "sid %u alerted too", o);
	if (a) {
		json_object *ev, *b, *x;

		CHECK(json_object_object_get_ex(a->a.evidence, "evidence", &ev) &&
			      json_object_object_get_ex(ev, "baseline", &b) &&
			      json_object_object_get_ex(ev, "value", &x) &&
			      json_object_get_double(b) < v * 1.5 &&
			      fabs(json_object_get_double(x) - rise) < rise * 1e-3,
		      "evidence %s", json_object_to_json_string(a->a.evidence));
		CHECK(a->fl.no_addrs && a->fl.zero_unknown, "an alert on no one address");
	}
	run_free(&r);
	TEST_END();
}

/* The counters that make each metric: the others stay constant (packets, bytes). */
static void set_bps(struct pl_stats *s, double bps)
{
	memset(s, 0, sizeof(*s));
	s->packets = 1000; /* 1000 pps: learned, constant */
	s->bytes = (__u64)(bps / 8);
}

static void set_flows(struct pl_stats *s, double fps)
{
	memset(s, 0, sizeof(*s));
	s->packets = 5000;
	s->bytes = 5000 * 100;
	s->flows_created = (__u64)fps;
}

static void set_syn(struct pl_stats *s, double share)
{
	memset(s, 0, sizeof(*s));
	s->packets = 1000;
	s->bytes = 1000 * 100;
	s->l4_packets[PL_L4_TCP] = 1000;
	s->tcp_flags[PL_TCP_SYN] = (__u64)(share * 1000);
	s->tcp_flags[PL_TCP_ACK] = 1000 - s->tcp_flags[PL_TCP_SYN];
	/* SYN-ACKs are answers, not the share's SYNs */
	s->tcp_flags[PL_TCP_SYN | PL_TCP_ACK] = 0;
}

static void test_baselines(void)
{
	/* ticks of 1 s: the values are per second */
	base_one("baseline bps: 20 Mbit/s learned, 160 Mbit/s for 5 s: one alert", PL_SID_BASE_BPS,
		 set_bps, 20e6, 160e6);
	base_one("baseline new flows/s: 100 learned, 800 for 5 s: one alert", PL_SID_BASE_FLOWS,
		 set_flows, 100, 800);
	base_one("baseline SYN share: 0.1 learned, 0.8 for 5 s: one alert", PL_SID_BASE_SYN_RATIO,
		 set_syn, 0.1, 0.8);
}

/* Add @n packets of class @cls (and @bytes to the class after it, UDP's) to 198.18.2.@src. */
static void src_add(int fd, unsigned int src, int cls, __u64 n, __u64 bytes)
{
	struct pl_addr_key k = { .family = 4 };
	struct pl_det_src v = {};

	v4(k.addr, 512 + src);
	bpf_map_lookup_elem(fd, &k, &v);
	v.n[cls] += n;
	if (cls == PL_DC_UDP)
		v.n[PL_DC_UDP_BYTES] += bytes;
	bpf_map_update_elem(fd, &k, &v, BPF_ANY);
}

/*
 * The source entropy baseline over a per-source table of the kernel's layout (a plain
 * hash map the test fills): two sources learned (1 bit), then SYNs from 256 sources (4
 * a tick each) and 1400-byte UDP datagrams from one more (256 a tick): 7.122 bits, the
 * UDP source's packets counted on every tick (not its bytes).
 */
static void test_entropy(void)
{
	const struct pl_alert_rec *a = NULL;
	struct run r;
	int fd;

	TEST_BEGIN("baseline source entropy: 1 bit learned, 7.122 bits for 5 s: one alert");
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "t_det_srcs", sizeof(struct pl_addr_key),
			    sizeof(struct pl_det_src), 1024, NULL);
	if (fd < 0) {
		TEST_SKIP(check_cur, "cannot create a BPF map (needs root)");
		return;
	}
	run_init(&r);
	for (unsigned int i = 0; i < r.cfg.base_warmup + 5; i++) {
		src_add(fd, 1, PL_DC_SYN, 10, 0);
		src_add(fd, 2, PL_DC_SYN, 10, 0);
		tick_srcs(&r, fd);
	}
	for (int i = 0; i < 5; i++) {
		for (unsigned int s = 0; s < 256; s++)
			src_add(fd, 10 + s, PL_DC_SYN, 4, 0);
		src_add(fd, 300, PL_DC_UDP, 256, 256 * 1400);
		tick_srcs(&r, fd);
	}
	CHECK(with_sid(&r, PL_SID_BASE_SRC_ENTROPY, &a) == 1, "%zu alerts",
	      with_sid(&r, PL_SID_BASE_SRC_ENTROPY, NULL));
	if (a) {
		json_object *ev, *x, *b;

		CHECK(json_object_object_get_ex(a->a.evidence, "evidence", &ev) &&
			      json_object_object_get_ex(ev, "value", &x) &&
			      json_object_object_get_ex(ev, "baseline", &b) &&
			      fabs(json_object_get_double(x) - 7.122) < 0.001 &&
			      fabs(json_object_get_double(b) - 1) < 0.5,
		      "evidence %s", json_object_to_json_string(a->a.evidence));
	}
	run_free(&r);
	close(fd);
	TEST_END();
}

/* A burst over two ticks after a silence longer than the window is counted whole. */
static void test_window_gap(void)
{
	struct pl_win w;
	__u64 t = 100 * S, q = S / 4;

	TEST_BEGIN("sliding window: a burst after a gap is counted whole, over one window");
	pl_win_start(&w, t - q);
	pl_win_push(&w, 10, t, t - q, S); /* 10 packets, then 5 s of nothing */
	t += 5 * S;
	pl_win_push(&w, 1260, t, t - q, S); /* the burst's first half */
	CHECK(pl_win_growth(&w) == 1250, "first tick: growth %llu", (unsigned long long)pl_win_growth(&w));
	t += q;
	pl_win_push(&w, 2510, t, t - q, S);
	CHECK(pl_win_growth(&w) == 2500 && pl_win_rate(&w, t, 1) == 2500,
	      "second tick: growth %llu, rate %.1f", (unsigned long long)pl_win_growth(&w),
	      pl_win_rate(&w, t, 1));
	for (int i = 0; i < 4; i++) { /* nothing more: out of the window after it */
		t += q;
		pl_win_push(&w, 2510, t, t - q, S);
	}
	CHECK(pl_win_growth(&w) == 0, "a second later: growth %llu",
	      (unsigned long long)pl_win_growth(&w));
	TEST_END();
}

static void test_malformed(void)
{
	const struct pl_alert_rec *a = NULL;
	struct run r;

	TEST_BEGIN("malformed packets above the rate: alert naming the top reason");
	run_init(&r);
	tick(&r, NULL, 0);
	r.delta.malformed[PL_MAL_BAD_TCP_DOFF] = 500;
	r.delta.malformed[PL_MAL_TRUNC_UDP] = 20;
	tick(&r, NULL, 0);
	CHECK(with_sid(&r, PL_SID_MALFORMED, &a) == 1, "no alert");
	if (a) {
		json_object *ev, *t;

		CHECK(json_object_object_get_ex(a->a.evidence, "evidence", &ev) &&
			      json_object_object_get_ex(ev, "top_reason", &t) &&
			      strstr(json_object_get_string(t), "tcp_data_offset"),
		      "evidence %s", json_object_to_json_string(a->a.evidence));
	}
	run_free(&r);
	TEST_END();
}

static void test_store(void)
{
	struct pl_alerts *s = pl_alerts_new(NULL, 2, 10 * S);
	struct pl_l7_eve_flow fl = { .family = 4, .src = { 192, 0, 2, 1 }, .dst = { 192, 0, 2, 9 } };
	struct pl_eve_alert a = { .gid = 1, .sid = 2000001, .rev = 1, .signature = "foreign",
				  .ts_ns = 100 * S };
	size_t n;

	TEST_BEGIN("alert store: raised, updated, ended after quiet, raised again, bounded");
	CHECK(pl_alerts_raise(s, &fl, &a, false) == 1, "not new");
	a.ts_ns = 105 * S;
	CHECK(pl_alerts_raise(s, &fl, &a, false) == 0, "not an update");
	fl.dst[3] = 10; /* another victim, same attacker: the same attack */
	CHECK(pl_alerts_raise(s, &fl, &a, false) == 0, "keyed by victim");
	CHECK(pl_alerts_raise(s, &fl, &a, true) == 1, "by victim: new");
	pl_alerts_tick(s, 114 * S);
	CHECK(!pl_alerts_list(s, &n)[0].ended, "ended early");
	pl_alerts_tick(s, 116 * S);
	CHECK(pl_alerts_list(s, &n)[0].ended, "not ended");
	a.ts_ns = 120 * S;
	CHECK(pl_alerts_raise(s, &fl, &a, false) == -ENOSPC, "store not bounded");
	CHECK(pl_alerts_dropped(s) == 1, "drop not counted");
	TEST_END();

	TEST_BEGIN("alert store: the ended records forgotten (serve) make room, ids go on");
	pl_alerts_tick(s, 140 * S); /* the by-victim record ends too */
	CHECK(pl_alerts_forget_ended(s) == 2, "ended records not forgotten");
	pl_alerts_list(s, &n);
	CHECK(n == 0, "%zu records left", n);
	CHECK(pl_alerts_raise(s, &fl, &a, false) == 1, "no room after forgetting");
	CHECK(pl_alerts_list(s, &n)[0].id == 3 && n == 1, "id %llu, %zu records",
	      (unsigned long long)pl_alerts_list(s, &n)[0].id, n);
	pl_alerts_free(s);
	TEST_END();
}

static void test_cfg_equal(void)
{
	struct pl_det_cfg a, b;

	TEST_BEGIN("[detect] compared by its numbers (serve's SIGHUP applies a change only)");
	pl_det_cfg_default(&a);
	pl_det_cfg_default(&b);
	CHECK(pl_det_cfg_equal(&a, &b), "defaults differ");
	b.scan_ports = 21;
	CHECK(!pl_det_cfg_equal(&a, &b), "scan-ports change not seen");
	b = a;
	b.quiet_s = 11;
	CHECK(!pl_det_cfg_equal(&a, &b), "quiet change not seen");
	TEST_END();
}

static void test_ioc(void)
{
	static const char addrs[] = "# list\n198.51.100.0/24\n2001:db8:bad::/48 # v6\n\n203.0.113.7\n";
	static const char names[] = "evil.example\n*.Tracker.test.\n";
	struct pl_ioc *l = pl_ioc_new();
	__u32 a[4] = {};
	const char *hit = NULL;

	TEST_BEGIN("IOC lists: prefixes and names match, parents too");
	CHECK(!pl_ioc_parse(l, "a.txt", addrs, sizeof(addrs) - 1, false), "addresses refused");
	CHECK(!pl_ioc_parse(l, "d.txt", names, sizeof(names) - 1, true), "names refused");
	CHECK(pl_ioc_count(l, false) == 3 && pl_ioc_count(l, true) == 2, "counts");
	a[2] = htonl(0xffff);
	a[3] = htonl(0xc6336442); /* 198.51.100.66 */
	CHECK(pl_ioc_addr(l, a, 4), "198.51.100.66 not in 198.51.100.0/24");
	a[3] = htonl(0xc6336542);
	CHECK(!pl_ioc_addr(l, a, 4), "198.51.101.66 matched");
	a[3] = htonl(0xcb007107);
	CHECK(pl_ioc_addr(l, a, 4), "203.0.113.7 not matched");
	inet_pton(AF_INET6, "2001:db8:bad:1::5", a);
	CHECK(pl_ioc_addr(l, a, 6), "v6 /48 not matched");
	CHECK(pl_ioc_domain(l, "EVIL.example.", &hit) && !strcmp(hit, "evil.example"), "exact");
	CHECK(pl_ioc_domain(l, "a.b.tracker.test", &hit) && !strcmp(hit, "tracker.test"), "parent");
	CHECK(!pl_ioc_domain(l, "notevil.example", &hit), "suffix without a dot matched");
	TEST_END();

	TEST_BEGIN("IOC lists: a bad line refuses the whole file, nothing half-loaded");
	pl_log_set_level(PL_LOG_QUIET);
	CHECK(pl_ioc_parse(l, "b.txt", "192.0.2.0/24\n10.0.0.300\n", 25, false) == -EINVAL, "bad CIDR");
	CHECK(pl_ioc_parse(l, "b.txt", "192.0.2.0/33\n", 13, false) == -EINVAL, "bad length");
	CHECK(pl_ioc_parse(l, "b.txt", "192.0.2.1\n\x01\x02junk\n", 17, false) == -EINVAL, "binary");
	CHECK(pl_ioc_parse(l, "b.txt", "ok.example\nbad..name\n", 21, true) == -EINVAL, "bad name");
	CHECK(pl_ioc_count(l, false) == 3 && pl_ioc_count(l, true) == 2, "half-loaded");
	pl_log_set_level(PL_LOG_WARN);
	pl_ioc_free(l);
	TEST_END();
}

int main(void)
{
	test_syn_scan();
	test_scan_bound();
	test_udp_and_normal();
	test_baseline();
	test_baselines();
	test_entropy();
	test_window_gap();
	test_malformed();
	test_store();
	test_cfg_equal();
	test_ioc();
	return check_summary();
}
