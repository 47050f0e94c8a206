// SPDX-License-Identifier: BSD-2-Clause
/*
 * detect.c - the detector's tick: read pl_det_srcs, follow each address's counters over
 * the sliding window, and decide floods, reflection and packet anomalies; scans
 * (scan.c), baselines (baseline.c) and IOC lists (ioc.c) run on the same tick.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "util/sort.h"
#include "analysis/names.h"
#include "analysis/talkers.h"
#include "detect/internal.h"
#include "util/log.h"

struct sig {
	unsigned int sid;
	const char *msg, *category;
	unsigned int severity;
};

#define CAT_DOS "Detection of a Denial of Service Attack"
#define CAT_RECON "Detection of a Network Scan"
#define CAT_BAD "Potentially Bad Traffic"
#define CAT_ANOM "Misc activity"
#define CAT_IOC "Known malicious address or domain"

static const struct sig sigs[] = {
	{ PL_SID_SYN_FLOOD_SRC, "PKTLENS SYN flood from one source", CAT_DOS, 1 },
	{ PL_SID_UDP_FLOOD_SRC, "PKTLENS UDP flood from one source", CAT_DOS, 1 },
	{ PL_SID_ICMP_FLOOD_SRC, "PKTLENS ICMP flood from one source", CAT_DOS, 1 },
	{ PL_SID_SYN_FLOOD, "PKTLENS SYN flood from many sources", CAT_DOS, 1 },
	{ PL_SID_UDP_FLOOD, "PKTLENS UDP flood from many sources", CAT_DOS, 1 },
	{ PL_SID_ICMP_FLOOD, "PKTLENS ICMP flood from many sources", CAT_DOS, 1 },
	{ PL_SID_UDP_AMP, "PKTLENS UDP amplification: unsolicited large answers", CAT_DOS, 1 },
	{ PL_SID_SYNACK_REFLECT, "PKTLENS SYN-ACK reflection: SYN-ACKs never asked for",
	  CAT_DOS, 1 },
	{ PL_SID_SCAN_SYN, "PKTLENS SYN scan", CAT_RECON, 2 },
	{ PL_SID_SCAN_CONNECT, "PKTLENS TCP connect scan", CAT_RECON, 2 },
	{ PL_SID_SCAN_FIN, "PKTLENS FIN scan", CAT_RECON, 2 },
	{ PL_SID_SCAN_NULL, "PKTLENS NULL scan", CAT_RECON, 2 },
	{ PL_SID_SCAN_XMAS, "PKTLENS XMAS scan", CAT_RECON, 2 },
	{ PL_SID_SCAN_ACK, "PKTLENS ACK scan", CAT_RECON, 2 },
	{ PL_SID_SCAN_UDP, "PKTLENS UDP scan", CAT_RECON, 2 },
	{ PL_SID_SWEEP_ICMP, "PKTLENS ICMP sweep", CAT_RECON, 2 },
	{ PL_SID_SWEEP_ARP, "PKTLENS ARP sweep", CAT_RECON, 2 },
	{ PL_SID_BAD_FLAGS, "PKTLENS invalid TCP flag combinations", CAT_BAD, 2 },
	{ PL_SID_LAND, "PKTLENS land attack: source address is the destination", CAT_BAD, 1 },
	{ PL_SID_TINY_FRAG, "PKTLENS tiny IP fragments", CAT_BAD, 2 },
	{ PL_SID_MALFORMED, "PKTLENS malformed packets above the rate", CAT_BAD, 3 },
	{ PL_SID_FRAG_OVERLAP, "PKTLENS overlapping IP fragments (teardrop)", CAT_BAD, 2 },
	{ PL_SID_BASE_PPS, "PKTLENS packet rate above its baseline", CAT_ANOM, 3 },
	{ PL_SID_BASE_BPS, "PKTLENS bit rate above its baseline", CAT_ANOM, 3 },
	{ PL_SID_BASE_FLOWS, "PKTLENS new flows per second above the baseline", CAT_ANOM, 3 },
	{ PL_SID_BASE_SYN_RATIO, "PKTLENS SYN share above its baseline", CAT_ANOM, 3 },
	{ PL_SID_BASE_SRC_ENTROPY, "PKTLENS source address entropy above its baseline",
	  CAT_ANOM, 3 },
	{ PL_SID_IOC_ADDR, "PKTLENS traffic with a listed address", CAT_IOC, 1 },
	{ PL_SID_IOC_DOMAIN, "PKTLENS name on a domain list", CAT_IOC, 1 },
};

static const struct sig *sig_of(unsigned int sid)
{
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigs[i].sid == sid)
			return &sigs[i];
	return NULL;
}

void pl_det_cfg_default(struct pl_det_cfg *c)
{
	*c = (struct pl_det_cfg){
		.window_s = 1, .tick_s = 0.25,
		.syn_pps_src = 1000, .udp_pps_src = 5000, .icmp_pps_src = 1000,
		.syn_pps = 2000, .udp_pps = 5000, .icmp_pps = 2000,
		.udp_flood_max_bytes = 512,
		.scan_window_s = 10, .scan_ports = 20, .scan_hosts = 20, .arp_hosts = 32,
		.amp_pps = 100, .amp_min_bytes = PL_DET_AMP_MIN_DEFAULT, .synack_pps = 100,
		.bad_flags_pps = 10, .tiny_frag_pps = 10, .malformed_pps = 100,
		.base_alpha = 0.05, .base_k = 6, .base_min_factor = 4, .base_warmup = 30,
		.base_sustain = 3,
		.max_sources = 4096, .quiet_s = 10, .max_alerts = 4096,
	};
}

/* ---- sliding windows ------------------------------------------------------------------ */

void pl_win_start(struct pl_win *w, uint64_t start_ns)
{
	memset(w, 0, sizeof(*w));
	w->cur_ns = w->prev_ns = w->base_ns = start_ns;
}

void pl_win_push(struct pl_win *w, uint64_t v, uint64_t now_ns, uint64_t start_ns,
		 uint64_t window_ns)
{
	w->prev = w->cur;
	w->prev_ns = w->cur_ns;
	if (now_ns - w->prev_ns > window_ns) {
		/*
		 * No tick for longer than the window: what grew since grew in the last window
		 * at most, and after a gap in a capture within this tick (from @start_ns).
		 * The later base keeps it in the window for the ticks that follow: a burst
		 * over a few ticks after a silence is counted whole.
		 */
		w->base = w->prev;
		w->base_ns = now_ns - window_ns > w->prev_ns ? now_ns - window_ns : w->prev_ns;
		if (start_ns > w->base_ns && start_ns <= now_ns)
			w->base_ns = start_ns;
	} else if (now_ns - w->base_ns > window_ns && w->prev_ns > w->base_ns) {
		w->base = w->prev;
		w->base_ns = w->prev_ns;
	}
	w->cur = v;
	w->cur_ns = now_ns;
}

uint64_t pl_win_growth(const struct pl_win *w)
{
	return w->cur > w->base ? w->cur - w->base : 0;
}

/* Seconds the window covers, at least @window_s. */
double pl_win_span(const struct pl_win *w, uint64_t now_ns, double window_s)
{
	double s = now_ns > w->base_ns ? (now_ns - w->base_ns) / 1e9 : 0;

	return s > window_s ? s : window_s;
}

/*
 * Packets per second over the window: the growth since its base, over the time since
 * then but never less than @window_s (a capture of a few packets within a millisecond
 * is no flood).
 */
double pl_win_rate(const struct pl_win *w, uint64_t now_ns, double window_s)
{
	return pl_win_growth(w) / pl_win_span(w, now_ns, window_s);
}

/* ---- raising -------------------------------------------------------------------------- */

uint64_t pl_det_unix(const struct pl_det *d, uint64_t ns)
{
	return ns + (uint64_t)d->in->to_unix_ns;
}

json_object *pl_det_evidence(const char *kind, const char *style, json_object *inner)
{
	json_object *o = json_object_new_object();

	if (!o) {
		json_object_put(inner);
		return NULL;
	}
	json_object_object_add(o, "kind", json_object_new_string(kind));
	if (style)
		json_object_object_add(o, "style", json_object_new_string(style));
	json_object_object_add(o, "evidence", inner);
	return o;
}

json_object *pl_det_ev_rate(double rate, double window_s, double threshold)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "rate", json_object_new_double(round(rate * 10) / 10));
	json_object_object_add(o, "window_s", json_object_new_double(round(window_s * 1000) / 1000));
	json_object_object_add(o, "threshold", json_object_new_double(threshold));
	return o;
}

static bool key_eq(const __u32 *a, const __u32 *b)
{
	return !memcmp(a, b, 16);
}

/* The address @src exchanged most packets with in the flow table, into @out. */
static bool top_peer(const struct pl_det *d, const __u32 *src, __u32 *out)
{
	__u64 best = 0;

	for (size_t i = 0; i < d->in->nflows; i++) {
		const struct pl_flow *f = &d->in->flows[i];
		__u64 n = f->val.packets[0] + f->val.packets[1];
		const __u32 *peer = NULL;

		if (key_eq(f->key.addr_a, src))
			peer = f->key.addr_b;
		else if (key_eq(f->key.addr_b, src))
			peer = f->key.addr_a;
		/* Ties to the lower address: the same peer whatever the flow table's order
		 * (analyze's workers fill it in another order on every run). */
		if (peer && (n > best || (n == best && n && memcmp(peer, out, 16) < 0))) {
			best = n;
			memcpy(out, peer, 16);
		}
	}
	return best > 0;
}

static void addr_out(uint8_t *dst, const __u32 *a, __u8 family)
{
	if (family == 6)
		memcpy(dst, a, 16);
	else
		memcpy(dst, (const uint8_t *)a + 12, 4);
}

/* The port on @a's side of flow @f, whose addresses are @a and another (or @a twice). */
static __u16 port_of(const struct pl_flow *f, const __u32 *a, bool initiator)
{
	bool is_a = key_eq(f->key.addr_a, a) && key_eq(f->key.addr_b, a) ?
			    (f->val.initiator == PL_DIR_A_TO_B) == initiator : key_eq(f->key.addr_a, a);

	return ntohs(is_a ? f->key.port_a : f->key.port_b);
}

/* One value seen (0 stays "none yet"), or none at all once two differ. */
static void one_of(unsigned int *v, bool *many, unsigned int x)
{
	if (*many || *v == x)
		return;
	if (*v)
		*many = true;
	*v = x;
}

/*
 * The flows between @src and @dst (with protocol @fl->proto when set): the protocol
 * when they have one, and the source and destination ports when they have one each
 * (a flood of one source to one port, a land packet, an amplifier's port). Bounded: a
 * pass over the flow table each, at most PORT_VISITS flows visited a tick (one pass over
 * 1M flows took 20 ms here: 2 passes then, 16 over 125k flows); past that, no ports.
 */
#define PORT_VISITS 2000000u

static void flow_ports(struct pl_det *d, const __u32 *src, const __u32 *dst,
		       struct pl_l7_eve_flow *fl)
{
	unsigned int proto = 0, sp = 0, dp = 0;
	bool mp = false, ms = false, md = false, any = false;

	if (d->port_visits + d->in->nflows > PORT_VISITS || d->port_lookups >= 16)
		return;
	d->port_visits += d->in->nflows;
	d->port_lookups++;
	for (size_t i = 0; i < d->in->nflows; i++) {
		const struct pl_flow *f = &d->in->flows[i];

		if (fl->proto && f->key.proto != fl->proto)
			continue;
		if (!((key_eq(f->key.addr_a, src) && key_eq(f->key.addr_b, dst)) ||
		      (key_eq(f->key.addr_a, dst) && key_eq(f->key.addr_b, src))))
			continue;
		any = true;
		one_of(&proto, &mp, f->key.proto + 1); /* + 1: protocol 0 is one too */
		if (f->key.proto != 6 && f->key.proto != 17 && f->key.proto != 132)
			continue;
		one_of(&sp, &ms, port_of(f, src, true) + 1u);
		one_of(&dp, &md, port_of(f, dst, false) + 1u);
	}
	if (!any || mp)
		return;
	fl->proto = (uint8_t)(proto - 1);
	if (sp && !ms)
		fl->sport = (uint16_t)(sp - 1);
	if (dp && !md)
		fl->dport = (uint16_t)(dp - 1);
}

int pl_det_raise(struct pl_det *d, unsigned int sid, const struct pl_addr_key *src,
		 const __u32 *dst, __u8 proto, json_object *ev, bool by_victim)
{
	const struct sig *s = sig_of(sid);
	struct pl_l7_eve_flow fl = { .family = src ? (uint8_t)src->family : 4, .proto = proto,
				     .in_iface = d->in->in_iface, .no_addrs = !src,
				     .zero_unknown = 1 };
	struct pl_eve_alert a = { .gid = 1, .sid = sid, .rev = 1 };
	__u32 peer[4] = {};
	int err;

	if (!s || !ev) {
		json_object_put(ev);
		return -ENOMEM;
	}
	if (src && !dst && top_peer(d, src->addr, peer))
		dst = peer;
	if (src)
		addr_out(fl.src, src->addr, fl.family);
	if (dst)
		addr_out(fl.dst, dst, fl.family);
	/* a new attack's EVE line names the protocol and ports where its flows have one */
	if (src && dst && !pl_alerts_active(d->alerts, &fl, sid, by_victim))
		flow_ports(d, src->addr, dst, &fl);
	fl.start_ns = fl.end_ns = a.ts_ns = pl_det_unix(d, d->in->now_ns);
	a.signature = s->msg;
	a.category = s->category;
	a.severity = s->severity;
	a.evidence = ev;
	err = pl_alerts_raise(d->alerts, &fl, &a, by_victim);
	json_object_put(ev);
	return err;
}

/* ---- pl_det_srcs ---------------------------------------------------------------------- */

struct kentry {
	struct pl_addr_key key;
	struct pl_det_src v;
};

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct pl_addr_key));
}

static int reserve(struct kentry **arr, size_t *cap, size_t n)
{
	void *p;

	if (n <= *cap)
		return 0;
	p = realloc(*arr, (n + 1024) * sizeof(**arr));
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n + 1024;
	return 0;
}

/* Every entry of pl_det_srcs by batches of lookups; -EINVAL etc: not supported. */
static int read_batch(int fd, struct kentry **arr, size_t *cnt)
{
	__u32 chunk = 4096, in = 0, out = 0, got;
	struct pl_addr_key *keys = malloc(chunk * sizeof(*keys));
	struct pl_det_src *vals = malloc(chunk * sizeof(*vals));
	bool first = true, last = false;
	size_t cap = 0;
	int err = 0;

	if (!keys || !vals)
		err = -ENOMEM;
	while (!err && !last) {
		got = chunk;
		err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, vals, &got, NULL);
		if (err == -ENOENT) {
			err = 0;
			last = true;
		}
		if (err || reserve(arr, &cap, *cnt + got)) {
			err = err ? err : -ENOMEM;
			break;
		}
		for (__u32 i = 0; i < got; i++) {
			(*arr)[*cnt + i].key = keys[i];
			(*arr)[*cnt + i].v = vals[i];
		}
		*cnt += got;
		in = out;
		first = false;
	}
	free(keys);
	free(vals);
	return err;
}

/* Every entry of pl_det_srcs, sorted by key. */
static int read_kernel(int fd, struct kentry **out, size_t *n)
{
	struct pl_addr_key k, next;
	struct kentry *arr = NULL;
	size_t cnt = 0, cap = 0;
	bool first = true;
	int err = read_batch(fd, &arr, &cnt);

	if (!err)
		goto sorted;
	if (err != -EINVAL && err != -EOPNOTSUPP && err != -524) {
		free(arr);
		return err;
	}
	cnt = 0;
	while (!bpf_map_get_next_key(fd, first ? NULL : &k, &next)) {
		first = false;
		k = next;
		if (cnt == cap) {
			void *p = realloc(arr, (cap = cap ? cap * 2 : 256) * sizeof(*arr));

			if (!p) {
				free(arr);
				return -ENOMEM;
			}
			arr = p;
		}
		arr[cnt].key = k;
		if (bpf_map_lookup_elem(fd, &k, &arr[cnt].v))
			continue; /* evicted between the two calls */
		cnt++;
		if (cnt > PL_DET_SRCS_DEFAULT * 4)
			break;
	}
sorted:
	if (cnt)
		pl_qsort(arr, cnt, sizeof(*arr), cmp_key);
	*out = arr;
	*n = cnt;
	return 0;
}

static uint64_t est(const __u8 *regs)
{
	return (uint64_t)llround(pl_hll_estimate(regs));
}

/* Follow each kernel entry; states of addresses the kernel dropped are dropped too. */
/*
 * An address whose counters stood still for the window (the scan window if it sent ARP
 * requests) is forgotten, here and in the kernel, so that both hold the addresses
 * active now, not every spoofed one a flood brought; it starts from zero if it comes
 * back. A packet counted between the read and the delete is lost.
 */
static bool idle(const struct pl_src_state *old, const struct kentry *k, uint64_t now,
		 uint64_t win, uint64_t swin)
{
	if (!old)
		return false;
	for (int c = 0; c < PL_DC_MAX; c++)
		if (k->v.n[c] != old->w[c].cur)
			return false;
	return now - old->changed_ns > (k->v.n[PL_DC_ARP_REQ] ? swin : win);
}

static int follow(struct pl_det *d, const struct kentry *k, size_t nk)
{
	uint64_t now = d->in->now_ns, win = (uint64_t)(d->cfg.window_s * 1e9);
	uint64_t swin = (uint64_t)(d->cfg.scan_window_s * 1e9);
	uint64_t start = now - (uint64_t)(d->in->span_s * 1e9);
	struct pl_src_state *ns = malloc((nk ? nk : 1) * sizeof(*ns));
	size_t j = 0, n = 0;

	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < nk; i++) {
		struct pl_src_state *s = &ns[n];
		const struct pl_src_state *old = NULL;
		uint64_t before = 0;

		while (j < d->nsrc && cmp_key(&d->src[j].key, &k[i].key) < 0)
			j++;
		if (j < d->nsrc && !cmp_key(&d->src[j].key, &k[i].key))
			old = &d->src[j];
		if (idle(old, &k[i], now, win, swin)) {
			bpf_map_delete_elem(d->in->det_srcs_fd, &k[i].key);
			d->counts.sources_idle++;
			continue;
		}
		n++;
		if (old) {
			*s = *old;
		} else { /* new this tick: it started from nothing */
			memset(s, 0, sizeof(*s));
			s->key = k[i].key;
			for (int c = 0; c < PL_DC_MAX; c++)
				pl_win_start(&s->w[c], start);
			pl_win_start(&s->arp_hosts, start);
			pl_win_start(&s->reflectors, start);
		}
		for (int c = 0; c < PL_DC_MAX; c++) {
			if (c != PL_DC_UDP_BYTES && c != PL_DC_AMP_BYTES_RCVD) /* packets only */
				before += s->w[c].cur;
			pl_win_push(&s->w[c], k[i].v.n[c], now, start, win);
		}
		/* the sketches change only with their counters: estimate them then */
		pl_win_push(&s->arp_hosts, old && k[i].v.n[PL_DC_ARP_REQ] == old->w[PL_DC_ARP_REQ].cur ?
					   old->arp_hosts.cur : est(k[i].v.arp_targets), now, start, swin);
		pl_win_push(&s->reflectors,
			    old && k[i].v.n[PL_DC_AMP_RCVD] == old->w[PL_DC_AMP_RCVD].cur &&
					    k[i].v.n[PL_DC_SYNACK_RCVD] == old->w[PL_DC_SYNACK_RCVD].cur ?
				    old->reflectors.cur : est(k[i].v.reflectors), now, start, win);
		s->tick_delta = 0;
		for (int c = 0; c < PL_DC_MAX; c++)
			if (c != PL_DC_UDP_BYTES && c != PL_DC_AMP_BYTES_RCVD)
				s->tick_delta += s->w[c].cur;
		s->tick_delta = s->tick_delta > before ? s->tick_delta - before : 0;
		if (!old || s->tick_delta ||
		    k[i].v.n[PL_DC_UDP_BYTES] != old->w[PL_DC_UDP_BYTES].cur ||
		    k[i].v.n[PL_DC_AMP_BYTES_RCVD] != old->w[PL_DC_AMP_BYTES_RCVD].cur)
			s->changed_ns = now;
		memcpy(s->peer, k[i].v.peer, sizeof(s->peer));
	}
	free(d->src);
	d->src = ns;
	d->nsrc = n;
	d->counts.kernel_sources = n;
	return 0;
}

/* ---- floods, reflection, anomalies ---------------------------------------------------- */

static void src_rate_alert(struct pl_det *d, const struct pl_src_state *s, int cls,
			   double thr, unsigned int sid, const char *kind, const char *style)
{
	double r = pl_win_rate(&s->w[cls], d->in->now_ns, d->cfg.window_s);
	json_object *in;
	__u8 proto = cls == PL_DC_UDP ? 17 : cls == PL_DC_ICMP ? (s->key.family == 6 ? 58 : 1) : 6;

	if (r < thr || !thr)
		return;
	/* A fast scan sends SYNs (UDP, ICMP) at a flood's rate: its alert says scan. */
	if (pl_scan_scanning(d->scan, &s->key, d->in->now_ns))
		return;
	if (cls == PL_DC_UDP) { /* bulk transfers of large datagrams are not floods */
		uint64_t p = pl_win_growth(&s->w[PL_DC_UDP]), b = pl_win_growth(&s->w[PL_DC_UDP_BYTES]);

		if (p && (double)b / p > d->cfg.udp_flood_max_bytes)
			return;
	}
	in = pl_det_ev_rate(r, pl_win_span(&s->w[cls], d->in->now_ns, d->cfg.window_s), thr);
	if (in)
		json_object_object_add(in, "packets", json_object_new_int64(
						      (int64_t)pl_win_growth(&s->w[cls])));
	pl_det_raise(d, sid, &s->key, s->peer, proto, pl_det_evidence(kind, style, in), false);
}

/* Answers never asked for, counted on the victim. */
static void victim_alert(struct pl_det *d, const struct pl_src_state *s, int cls, double thr,
			 unsigned int sid, const char *style)
{
	double r = pl_win_rate(&s->w[cls], d->in->now_ns, d->cfg.window_s);
	json_object *in;
	struct pl_addr_key refl = {};
	__u32 victim[4];

	if (r < thr || !thr)
		return;
	in = pl_det_ev_rate(r, pl_win_span(&s->w[cls], d->in->now_ns, d->cfg.window_s), thr);
	if (in) {
		json_object_object_add(in, "packets",
				       json_object_new_int64((int64_t)pl_win_growth(&s->w[cls])));
		json_object_object_add(in, "reflectors",
				       json_object_new_int64((int64_t)s->reflectors.cur));
		if (cls == PL_DC_AMP_RCVD)
			json_object_object_add(in, "bytes", json_object_new_int64((int64_t)
					pl_win_growth(&s->w[PL_DC_AMP_BYTES_RCVD])));
	}
	/* src: the reflector of the last such packet */
	memcpy(victim, s->key.addr, 16);
	refl.family = s->key.family;
	memcpy(refl.addr, s->peer, 16);
	pl_det_raise(d, sid, &refl, victim, cls == PL_DC_AMP_RCVD ? 17 : 6,
		     pl_det_evidence("reflection", style, in), true);
}

static void anomaly_alert(struct pl_det *d, const struct pl_src_state *s, int cls, double thr,
			  unsigned int sid, const char *style)
{
	double r = pl_win_rate(&s->w[cls], d->in->now_ns, d->cfg.window_s);
	bool any = cls == PL_DC_LAND || cls == PL_DC_FRAG_OVERLAP;
	json_object *in;

	/* land, overlapping fragments: any packet is one too many; the others above a rate */
	if (any ? !pl_win_growth(&s->w[cls]) : (r < thr || !thr))
		return;
	in = pl_det_ev_rate(r, pl_win_span(&s->w[cls], d->in->now_ns, d->cfg.window_s), thr);
	if (in)
		json_object_object_add(in, "packets",
				       json_object_new_int64((int64_t)pl_win_growth(&s->w[cls])));
	/* land and overlaps: TCP or UDP, and an overlap's later fragments do not say it:
	 * the flows tell (flow_ports()) */
	pl_det_raise(d, sid, &s->key, s->peer, any ? 0 : 6,
		     pl_det_evidence("anomaly", style, in), false);
}

static void arp_sweep(struct pl_det *d, const struct pl_src_state *s)
{
	uint64_t hosts = pl_win_growth(&s->arp_hosts);
	json_object *in;

	if (!d->cfg.arp_hosts || hosts < d->cfg.arp_hosts ||
	    !pl_win_growth(&s->w[PL_DC_ARP_REQ]))
		return;
	in = json_object_new_object();
	if (in) {
		json_object_object_add(in, "hosts", json_object_new_int64((int64_t)hosts));
		json_object_object_add(in, "requests", json_object_new_int64(
						       (int64_t)pl_win_growth(&s->w[PL_DC_ARP_REQ])));
		json_object_object_add(in, "window_s", json_object_new_double(
					round(pl_win_span(&s->arp_hosts, d->in->now_ns, d->cfg.scan_window_s) * 1000) / 1000));
		json_object_object_add(in, "threshold", json_object_new_int64(d->cfg.arp_hosts));
	}
	pl_det_raise(d, PL_SID_SWEEP_ARP, &s->key, s->key.addr, 0,
		     pl_det_evidence("scan", "arp", in), false);
}

static void per_source(struct pl_det *d)
{
	const struct pl_det_cfg *c = &d->cfg;

	for (size_t i = 0; i < d->nsrc; i++) {
		const struct pl_src_state *s = &d->src[i];

		src_rate_alert(d, s, PL_DC_SYN, c->syn_pps_src, PL_SID_SYN_FLOOD_SRC, "flood", "syn");
		src_rate_alert(d, s, PL_DC_UDP, c->udp_pps_src, PL_SID_UDP_FLOOD_SRC, "flood", "udp");
		src_rate_alert(d, s, PL_DC_ICMP, c->icmp_pps_src, PL_SID_ICMP_FLOOD_SRC, "flood",
			       "icmp");
		victim_alert(d, s, PL_DC_AMP_RCVD, c->amp_pps, PL_SID_UDP_AMP, "udp-amplification");
		victim_alert(d, s, PL_DC_SYNACK_RCVD, c->synack_pps, PL_SID_SYNACK_REFLECT,
			     "syn-ack");
		anomaly_alert(d, s, PL_DC_BAD_FLAGS, c->bad_flags_pps, PL_SID_BAD_FLAGS,
			      "invalid-tcp-flags");
		anomaly_alert(d, s, PL_DC_LAND, 0, PL_SID_LAND, "land");
		anomaly_alert(d, s, PL_DC_TINY_FRAG, c->tiny_frag_pps, PL_SID_TINY_FRAG, "tiny-fragment");
		anomaly_alert(d, s, PL_DC_FRAG_OVERLAP, 0, PL_SID_FRAG_OVERLAP, "overlapping-fragments");
		arp_sweep(d, s);
	}
}

/* The address with the largest growth of @cls this window (the "top source"). */
static const struct pl_src_state *top_of(const struct pl_det *d, int cls, uint64_t *nsrc)
{
	const struct pl_src_state *best = NULL;
	uint64_t bg = 0;

	*nsrc = 0;
	for (size_t i = 0; i < d->nsrc; i++) {
		uint64_t g = pl_win_growth(&d->src[i].w[cls]);

		if (g)
			(*nsrc)++;
		if (g > bg)
			bg = g, best = &d->src[i];
	}
	return best;
}

static void agg_alert(struct pl_det *d, int cls, double thr, unsigned int sid, const char *style)
{
	const struct pl_src_state *top;
	double r = pl_win_rate(&d->agg[cls], d->in->now_ns, d->cfg.window_s);
	uint64_t nsrc;
	json_object *in;
	__u32 tv[4];

	if (!thr || r < thr)
		return;
	if (cls == PL_DC_UDP) {
		uint64_t p = pl_win_growth(&d->agg[PL_DC_UDP]);
		uint64_t b = pl_win_growth(&d->agg[PL_DC_UDP_BYTES]);

		if (p && (double)b / p > d->cfg.udp_flood_max_bytes)
			return;
	}
	top = top_of(d, cls, &nsrc);
	if (!top)
		return;
	/* One source explains it: that is the per-source alert's. */
	if (nsrc < 2)
		return;
	in = pl_det_ev_rate(r, pl_win_span(&d->agg[cls], d->in->now_ns, d->cfg.window_s), thr);
	if (in)
		json_object_object_add(in, "sources", json_object_new_int64((int64_t)nsrc));
	/* Keyed by victim: the top source changes from tick to tick under spoofing. */
	memcpy(tv, top->peer, sizeof(tv));
	pl_det_raise(d, sid, &top->key, tv, cls == PL_DC_UDP ? 17 :
		     cls == PL_DC_ICMP ? (top->key.family == 6 ? 58 : 1) : 6,
		     pl_det_evidence("flood", style, in), true);
}

/* Every source together, from the interval's counters (also the addresses evicted). */
static void aggregate(struct pl_det *d)
{
	const struct pl_stats *s = d->in->delta;
	uint64_t win = (uint64_t)(d->cfg.window_s * 1e9), add[PL_DC_MAX] = {};
	uint64_t mal = 0, start = d->in->now_ns - (uint64_t)(d->in->span_s * 1e9);

	for (int f = 0; f < 256; f++)
		if ((f & (PL_TCP_SYN | PL_TCP_ACK)) == PL_TCP_SYN)
			add[PL_DC_SYN] += s->tcp_flags[f];
	add[PL_DC_UDP] = s->l4_packets[PL_L4_UDP];
	add[PL_DC_UDP_BYTES] = s->l4_bytes[PL_L4_UDP];
	add[PL_DC_ICMP] = s->l4_packets[PL_L4_ICMP] + s->l4_packets[PL_L4_ICMPV6];
	for (int i = 1; i < PL_MAL_MAX; i++)
		mal += s->malformed[i];
	add[PL_DC_BAD_FLAGS] = mal; /* the aggregate slot holds malformed packets */
	for (int c = 0; c < PL_DC_MAX; c++) {
		if (!d->agg[c].cur_ns)
			pl_win_start(&d->agg[c], start);
		d->agg_cum[c] += add[c];
		pl_win_push(&d->agg[c], d->agg_cum[c], d->in->now_ns, start, win);
	}
	agg_alert(d, PL_DC_SYN, d->cfg.syn_pps, PL_SID_SYN_FLOOD, "syn");
	agg_alert(d, PL_DC_UDP, d->cfg.udp_pps, PL_SID_UDP_FLOOD, "udp");
	agg_alert(d, PL_DC_ICMP, d->cfg.icmp_pps, PL_SID_ICMP_FLOOD, "icmp");
}

static void malformed(struct pl_det *d)
{
	const struct pl_win *w = &d->agg[PL_DC_BAD_FLAGS];
	double r = pl_win_rate(w, d->in->now_ns, d->cfg.window_s);
	const struct pl_stats *s = d->in->delta;
	int top = 0;
	json_object *in;

	if (!d->cfg.malformed_pps || r < d->cfg.malformed_pps)
		return;
	for (int i = 1; i < PL_MAL_MAX; i++)
		if (s->malformed[i] > s->malformed[top])
			top = i;
	in = pl_det_ev_rate(r, pl_win_span(w, d->in->now_ns, d->cfg.window_s), d->cfg.malformed_pps);
	if (in && top)
		json_object_object_add(in, "top_reason", json_object_new_string(pl_malformed_name(top)));
	pl_det_raise(d, PL_SID_MALFORMED, NULL, NULL, 0,
		     pl_det_evidence("anomaly", "malformed", in), false);
}

/*
 * The fragment tracking's counts: datagrams tracked, and evicted (made, less those
 * completed or timed out, less those still in the table). Read each tick: a few calls.
 */
static void frag_counts(struct pl_det *d)
{
	int ncpu = libbpf_num_possible_cpus(), fd = d->in->det_frags_fd;
	struct pl_frag_key k, next;
	struct pl_det_frag_counts *c;
	uint64_t made = 0, gone = 0, live = 0;
	__u32 zero = 0;

	if (d->in->det_frag_stats_fd < 0 || fd < 0 || ncpu < 1)
		return;
	c = calloc(ncpu, sizeof(*c));
	if (!c)
		return;
	if (!bpf_map_lookup_elem(d->in->det_frag_stats_fd, &zero, c)) {
		for (int i = 0; i < ncpu; i++) {
			made += c[i].datagrams;
			gone += c[i].completed + c[i].restarted;
		}
	}
	free(c);
	for (bool first = true; !bpf_map_get_next_key(fd, first ? NULL : &k, &next);
	     first = false) {
		k = next;
		if (++live > PL_DET_FRAGS_DEFAULT * 4)
			break;
	}
	d->counts.frag_datagrams = made;
	d->counts.frag_evicted = made > gone + live ? made - gone - live : 0;
}

/* ---- the detector --------------------------------------------------------------------- */

struct pl_det *pl_det_new(const struct pl_det_cfg *cfg, struct pl_alerts *alerts,
			  struct pl_ioc *ioc)
{
	struct pl_det *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->cfg = *cfg;
	d->alerts = alerts;
	d->ioc = ioc;
	d->scan = pl_scan_new(cfg->max_sources);
	if (!d->scan) {
		free(d);
		return NULL;
	}
	return d;
}

void pl_det_free(struct pl_det *d)
{
	if (!d)
		return;
	pl_scan_free(d->scan);
	pl_ioc_free(d->ioc);
	free(d->src);
	free(d);
}

int pl_det_tick(struct pl_det *d, const struct pl_det_input *in)
{
	struct kentry *k = NULL;
	size_t nk = 0;
	int err = 0;

	d->in = in;
	d->port_lookups = 0;
	d->port_visits = 0;
	d->since_ns = d->watermark_ns;
	d->since_valid = d->have_watermark;
	d->last_unix_ns = pl_det_unix(d, in->now_ns);
	d->in_iface = in->in_iface;
	pl_scan_tick(d); /* first: a scanning source's SYNs are no flood */
	if (in->det_srcs_fd >= 0) {
		err = read_kernel(in->det_srcs_fd, &k, &nk);
		if (!err)
			err = follow(d, k, nk);
		free(k);
		if (err)
			goto out;
		per_source(d);
	}
	frag_counts(d);
	if (in->delta) {
		aggregate(d);
		malformed(d);
		pl_base_tick(d);
	}
	pl_ioc_tick(d);
	pl_alerts_tick(d->alerts, pl_det_unix(d, in->now_ns));
	d->counts.ticks++;
	{
		struct pl_alerts_counts c = { .ticks = d->counts.ticks,
					      .kernel_sources = d->counts.kernel_sources,
					      .sources_forgotten = d->counts.sources_idle,
					      .scan_sources = pl_scan_tracked(d->scan),
					      .scan_evicted = pl_scan_evicted(d->scan),
					      .frag_datagrams = d->counts.frag_datagrams,
					      .frag_evicted = d->counts.frag_evicted };

		pl_alerts_set_counts(d->alerts, &c);
	}
out:
	d->in = NULL;
	return err;
}

void pl_det_counts(const struct pl_det *d, struct pl_det_counts *c)
{
	*c = d->counts;
	c->sources_evicted = pl_scan_evicted(d->scan);
	c->sources_tracked = pl_scan_tracked(d->scan);
}
