/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * rtt.h - passive TCP RTT and health per flow (issue 20), for the ingress programs
 * and the tc egress program (live: each sees one direction of the host's traffic)
 * or for every frame of a capture (offline: both directions pass the XDP program).
 *
 * RTT, as pping/ePPing do it: a direction's first packet with a new TSval is
 * remembered (one pending per direction: that rate-limits samples to about one per
 * RTT), and the first packet of the other direction that echoes it in TSecr gives a
 * sample. A direction that sends no timestamps uses its sequence numbers: a new
 * sequence end waits for the ACK that covers it, forgotten when the range is resent
 * (Karn). The handshake gives one more: first SYN to the ACK of the SYN-ACK, which is
 * the RTT on the client, the server and in between.
 *
 * Health per direction: segments that resend what was sent already, segments past
 * the next expected sequence (a hole before them), duplicate ACKs, zero windows and
 * resets. The tracking is one global function per hook kind, verified once.
 * Included at the end of pktlens.bpf.c (it uses pl_cfg_offline and offline_frame()).
 */
#ifndef PL_BPF_RTT_H
#define PL_BPF_RTT_H

#include <linux/tcp.h>

const volatile __u8 pl_cfg_tcp = 0; /* track TCP RTT and health */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PL_FLOWS_DEFAULT);
	__type(key, struct pl_flow_key);
	__type(value, struct pl_tcp_val);
} pl_tcp SEC(".maps");

/* LRU: networks under a spoofed flood come and go; a sample in none is counted. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, PL_RTT_HISTS_DEFAULT);
	__type(key, struct pl_rtt_hkey);
	__type(value, struct pl_rtt_hist);
} pl_tcp_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_tcp_totals);
} pl_tcp_totals SEC(".maps");

/* What the caller knows of the packet (a global function takes it as memory). */
struct pl_tcp_in {
	struct pl_flow_key key; /* normalized, as in pl_flows */
	__u64 now;              /* ns: capture time offline; live 0 until tcp_now() reads it */
	__u32 tcp_off;          /* TCP header offset in the buffer */
	__u32 l4_len;           /* bytes of the IP packet after its network headers */
	__u16 segs;             /* segments the packet stands for (GSO), >= 1 */
	__u8 dir;               /* enum pl_flow_dir of the packet */
	__u8 egress;            /* live: seen leaving (tc egress) */
	__u32 tsval, tsecr;     /* set by tcp_ts() */
};

/* Scratch off the BPF stack, which the ingress program nearly fills: this CPU's input
 * and histogram key. */
struct pl_tcp_scratch {
	struct pl_tcp_in in;
	struct pl_rtt_hkey hk;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_tcp_scratch);
} pl_tcp_scratch SEC(".maps");

static const struct pl_tcp_val pl_tcp_zero;
static const struct pl_rtt_hist pl_rtt_hist_zero;

/*
 * The packet's time, read once and only when it is needed (a timestamp to remember,
 * a sample, the handshake): most packets of a bulk flow need none, and a clock read
 * is about 50 ns here. Offline it is the capture's time, set beforehand.
 */
static __always_inline __u64 tcp_now(struct pl_tcp_in *in)
{
	if (!in->now)
		in->now = bpf_ktime_get_ns();
	return in->now;
}

/* Sequence-space order (RFC 793 arithmetic). */
static __always_inline int seq_after(__u32 a, __u32 b)
{
	return (__s32)(a - b) > 0;
}

static __always_inline void tcp_total(__u32 i, __u64 n)
{
	struct pl_tcp_totals *t;
	__u32 zero = 0;

	t = bpf_map_lookup_elem(&pl_tcp_totals, &zero);
	if (t && i < PL_TT_MAX)
		t->c[i] += n;
}

/* floor(log2(us)), at most PL_RTT_BUCKETS - 1; 0 for less than 2 us. */
static __always_inline __u32 rtt_bucket(__u64 ns)
{
	__u64 us = ns / 1000;
	__u32 b = 0;

#pragma unroll
	for (int i = 16; i > 0; i >>= 1) {
		if (us >= (1ull << i)) {
			us >>= i;
			b += i;
		}
	}
	return b < PL_RTT_BUCKETS ? b : PL_RTT_BUCKETS - 1;
}

static __always_inline void rtt_hist(const struct pl_rtt_hkey *k, __u64 ns)
{
	struct pl_rtt_hist *h = bpf_map_lookup_elem(&pl_tcp_hist, k);

	if (!h) {
		bpf_map_update_elem(&pl_tcp_hist, k, &pl_rtt_hist_zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&pl_tcp_hist, k);
		if (!h) {
			tcp_total(PL_TT_HIST_FULL, 1);
			return;
		}
	}
	h->count[rtt_bucket(ns) & (PL_RTT_BUCKETS - 1)]++;
	h->sum_ns += ns;
}

/* Histograms of a remote-side sample: the service port and the echo sender's network. */
static __always_inline void rtt_hists(const struct pl_tcp_val *v, const struct pl_tcp_in *in,
				      __u64 ns)
{

	const __u32 *src = in->dir == PL_DIR_A_TO_B ? in->key.addr_a : in->key.addr_b;
	struct pl_tcp_scratch *sc;
	struct pl_rtt_hkey *k;
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&pl_tcp_scratch, &zero);
	if (!sc)
		return;
	k = &sc->hk;
	__builtin_memset(k, 0, sizeof(*k));
	k->kind = PL_RTTH_PORT;
	k->port = bpf_ntohs(v->init_dir == PL_DIR_A_TO_B ? in->key.port_b : in->key.port_a);
	rtt_hist(k, ns);
	k->kind = PL_RTTH_NET;
	k->port = 0;
	k->family = in->key.family;
	if (in->key.family == 4) {
		k->net[2] = src[2];
		k->net[3] = src[3] & bpf_htonl(0xffffffffu << (32 - PL_RTT_NET4_BITS));
	} else {
		k->net[0] = src[0];
		k->net[1] = src[1] & bpf_htonl(0xffffffffu << (64 - PL_RTT_NET6_BITS));
	}
	rtt_hist(k, ns);
}

static __always_inline void rtt_sample(struct pl_tcp_val *v, const struct pl_tcp_in *in,
				       __u64 ns, int from_ts)
{
	/* Live: received echoes are the remote's; offline: the responder's echoes. */
	__u32 side = pl_cfg_offline ? in->dir == v->init_dir : in->egress;
	struct pl_rtt_stat *st = &v->rtt[side & 1];

	if (!st->samples || ns < st->min_ns)
		st->min_ns = ns;
	if (ns > st->max_ns)
		st->max_ns = ns;
	st->sum_ns += ns;
	st->last_ns = ns;
	st->samples++;
	st->from_ts += from_ts;
	if (side)
		return;
	tcp_total(PL_TT_SAMPLES, 1);
	rtt_hists(v, in, ns);
}

/* TSval and TSecr of the timestamp option; 0 when the header has none. */
static __always_inline int tcp_ts(void *data, void *end, __u32 off, __u32 hlen,
				  struct pl_tcp_in *in)
{
	__u32 pos = sizeof(struct tcphdr);

	off &= PL_HDR_OFF_MAX;
	/* The timestamp's usual places first: after two NOPs (every segment but a SYN). */
	if (hlen >= 32 && data + off + 32 <= end) {
		__u8 *o = data + off + 20;

		if (o[0] == 1 && o[1] == 1 && o[2] == 8 && o[3] == 10) {
			in->tsval = (__u32)o[4] << 24 | (__u32)o[5] << 16 | (__u32)o[6] << 8 | o[7];
			in->tsecr = (__u32)o[8] << 24 | (__u32)o[9] << 16 | (__u32)o[10] << 8 | o[11];
			return 1;
		}
	}
	/* Else walk them (a SYN's: MSS, SACK permitted, timestamps, ...); 6 options. */
	for (int i = 0; i < 6; i++) {
		__u8 *o;
		__u32 len;

		if (pos >= hlen || pos > 60)
			return 0;
		o = data + off + pos;
		if ((void *)(o + 2) > end)
			return 0;
		if (o[0] == 0) /* end of options */
			return 0;
		if (o[0] == 1) { /* NOP */
			pos++;
			continue;
		}
		len = o[1];
		if (len < 2)
			return 0;
		if (o[0] == 8 && len == 10) {
			if ((void *)(o + 10) > end || pos + 10 > hlen)
				return 0;
			in->tsval = (__u32)o[2] << 24 | (__u32)o[3] << 16 | (__u32)o[4] << 8 | o[5];
			in->tsecr = (__u32)o[6] << 24 | (__u32)o[7] << 16 | (__u32)o[8] << 8 | o[9];
			return 1;
		}
		pos += len;
	}
	return 0;
}

static __always_inline void tcp_handshake(struct pl_tcp_val *v, struct pl_tcp_in *in,
					  __u8 fl, __u32 seq, __u32 ack)
{
	if ((fl & (PL_TCP_SYN | PL_TCP_ACK)) == PL_TCP_SYN) {
		if (!(v->hs & PL_HS_SYN)) {
			v->hs |= PL_HS_SYN;
			v->syn_ns = tcp_now(in);
			v->init_dir = in->dir;
		}
	} else if ((fl & (PL_TCP_SYN | PL_TCP_ACK)) == (PL_TCP_SYN | PL_TCP_ACK)) {
		if ((v->hs & PL_HS_SYN) && !(v->hs & PL_HS_SYNACK) && in->dir != v->init_dir) {
			v->hs |= PL_HS_SYNACK;
			v->synack_ns = tcp_now(in);
			v->synack_seq = seq;
		}
	} else if ((fl & (PL_TCP_ACK | PL_TCP_RST)) == PL_TCP_ACK &&
		   (v->hs & (PL_HS_SYNACK | PL_HS_DONE)) == PL_HS_SYNACK &&
		   in->dir == v->init_dir && ack == v->synack_seq + 1 && tcp_now(in) >= v->syn_ns) {
		__u64 ns = in->now - v->syn_ns;

		v->hs |= PL_HS_DONE;
		v->handshake_ns = ns ? ns : 1;
		tcp_total(PL_TT_HANDSHAKES, 1);
		/* The sample is the remote side's whichever end this host is. */
		v->rtt[0].samples++;
		if (!v->rtt[0].min_ns || ns < v->rtt[0].min_ns)
			v->rtt[0].min_ns = ns;
		if (ns > v->rtt[0].max_ns)
			v->rtt[0].max_ns = ns;
		v->rtt[0].sum_ns += ns;
		v->rtt[0].last_ns = ns;
		tcp_total(PL_TT_SAMPLES, 1);
		rtt_hists(v, in, ns);
	}
}

/* Sequence numbers: new data, resent data, a hole; returns 1 for new data. */
static __always_inline int tcp_seq(struct pl_tcp_dir *d, const struct pl_tcp_in *in, __u32 seq,
				   __u32 seg_len, __u32 plen)
{
	__u32 end = seq + seg_len;

	if (!seg_len)
		return 0;
	d->segs += in->segs;
	if (!(d->flags & PL_TCPD_SEQ)) {
		d->flags |= PL_TCPD_SEQ;
		d->next_seq = end;
		return 1;
	}
	if (seq_after(end, d->next_seq)) {
		if (seq_after(seq, d->next_seq)) {
			d->ooo += in->segs;
			tcp_total(PL_TT_OOO, in->segs);
		}
		d->next_seq = end;
		return 1;
	}
	/* A keep-alive resends one byte (or none) below next_seq: no retransmission. */
	if (plen <= 1 && seq == d->next_seq - 1 && seg_len == plen)
		return 0;
	d->retrans += in->segs;
	tcp_total(PL_TT_RETRANS, in->segs);
	d->flags &= ~PL_TCPD_PEND_SQ; /* Karn: an ACK can no longer tell which copy */
	return 0;
}

static __always_inline void tcp_acks(struct pl_tcp_dir *d, const struct pl_tcp_dir *o, __u8 fl,
				     __u32 ack, __u16 win, __u32 plen)
{
	if (win == 0 && !(fl & (PL_TCP_RST | PL_TCP_SYN))) {
		d->zero_win++;
		tcp_total(PL_TT_ZERO_WIN, 1);
	}
	if (!(fl & PL_TCP_ACK) || (fl & (PL_TCP_RST | PL_TCP_SYN)))
		return;
	if (!plen && !(fl & PL_TCP_FIN) && (d->flags & PL_TCPD_ACK) && ack == d->ack &&
	    win == d->win && (o->flags & PL_TCPD_SEQ) && seq_after(o->next_seq, ack)) {
		d->dupack++;
		tcp_total(PL_TT_DUPACK, 1);
	}
	d->ack = ack;
	d->win = win;
	d->flags |= PL_TCPD_ACK;
}

static __always_inline void tcp_rtt(struct pl_tcp_val *v, struct pl_tcp_dir *d,
				    struct pl_tcp_dir *o, struct pl_tcp_in *in, __u8 fl,
				    __u32 ack, int has_ts, int new_data, __u32 seq_end)
{
	__u32 tsval = in->tsval, tsecr = in->tsecr;

	if (has_ts) {
		if ((o->flags & PL_TCPD_PEND_TS) && (fl & PL_TCP_ACK)) {
			if (tsecr == o->pend_tsval) {
				o->flags &= ~PL_TCPD_PEND_TS;
				if (tcp_now(in) >= o->pend_ts_ns)
					rtt_sample(v, in, in->now - o->pend_ts_ns, 1);
			} else if (seq_after(tsecr, o->pend_tsval)) {
				o->flags &= ~PL_TCPD_PEND_TS; /* a later one was echoed */
			}
		}
		if (!(d->flags & PL_TCPD_TS) || tsval != d->tsval) {
			if (!(d->flags & PL_TCPD_PEND_TS) ||
			    (__s64)(pl_now() - d->pend_ts_ns) > (__s64)PL_RTT_STALE_NS) {
				/* (the tick clock is enough to tell 10 s) */
				d->pend_tsval = tsval;
				d->pend_ts_ns = tcp_now(in);
				d->flags |= PL_TCPD_PEND_TS;
			}
			d->tsval = tsval;
			d->flags |= PL_TCPD_TS;
		}
		return;
	}
	if ((o->flags & PL_TCPD_PEND_SQ) && !(o->flags & PL_TCPD_TS) && (fl & PL_TCP_ACK) &&
	    !seq_after(o->pend_seq, ack)) {
		o->flags &= ~PL_TCPD_PEND_SQ;
		if (tcp_now(in) >= o->pend_seq_ns)
			rtt_sample(v, in, in->now - o->pend_seq_ns, 0);
	}
	if (new_data && !(d->flags & PL_TCPD_PEND_SQ) && !(fl & PL_TCP_SYN)) {
		d->pend_seq = seq_end;
		d->pend_seq_ns = tcp_now(in);
		d->flags |= PL_TCPD_PEND_SQ;
	}
}

static __always_inline int tcp_track(void *data, void *end, struct pl_tcp_in *in)
{
	struct tcphdr *th = data + (in->tcp_off & PL_HDR_OFF_MAX);
	__u32 hlen, plen, seq, ack, seg_len;
	struct pl_tcp_dir *d, *o;
	struct pl_tcp_val *v;
	int has_ts, new_data;
	__u8 fl;

	if ((void *)(th + 1) > end)
		return 0;
	hlen = th->doff * 4;
	if (hlen < sizeof(*th) || hlen > in->l4_len)
		return 0;
	v = bpf_map_lookup_elem(&pl_tcp, &in->key);
	if (!v) {
		bpf_map_update_elem(&pl_tcp, &in->key, &pl_tcp_zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&pl_tcp, &in->key);
		if (!v) {
			tcp_total(PL_TT_TRACK_FAIL, 1);
			return 0;
		}
		v->init_dir = in->dir; /* until a SYN says otherwise */
	}
	fl = ((__u8 *)th)[13];
	plen = in->l4_len - hlen;
	seq = bpf_ntohl(th->seq);
	ack = bpf_ntohl(th->ack_seq);
	seg_len = plen + !!(fl & PL_TCP_SYN) + !!(fl & PL_TCP_FIN);
	has_ts = tcp_ts(data, end, in->tcp_off, hlen, in);
	d = &v->d[in->dir & 1];
	o = &v->d[!(in->dir & 1)];

	tcp_handshake(v, in, fl, seq, ack);
	if (fl & PL_TCP_RST) {
		d->rst++;
		tcp_total(PL_TT_RST, 1);
		return 0;
	}
	new_data = tcp_seq(d, in, seq, seg_len, plen);
	tcp_acks(d, o, fl, ack, bpf_ntohs(th->window), plen);
	tcp_rtt(v, d, o, in, fl, ack, has_ts, new_data, seq + seg_len);
	return 0;
}

__noinline int pl_tcp_xdp(struct xdp_md *ctx, struct pl_tcp_in *in)
{
	if (!ctx || !in)
		return 0;
	return tcp_track((void *)(long)ctx->data, (void *)(long)ctx->data_end, in);
}

__noinline int pl_tcp_skb(struct __sk_buff *skb, struct pl_tcp_in *in)
{
	if (!skb || !in)
		return 0;
	return tcp_track((void *)(long)skb->data, (void *)(long)skb->data_end, in);
}

/* This CPU's input filled for a parsed packet; NULL when it is no TCP segment to track. */
static __always_inline struct pl_tcp_in *tcp_in(const struct pkt *p, __u16 segs, __u8 egress)
{
	struct pl_tcp_scratch *sc;
	struct pl_tcp_in *in;
	__u32 zero = 0;

	if (!pl_cfg_tcp || !p->has_flow || p->key.proto != IPPROTO_TCP || p->malformed ||
	    !p->tcp_off)
		return NULL;
	sc = bpf_map_lookup_elem(&pl_tcp_scratch, &zero);
	if (!sc)
		return NULL;
	in = &sc->in;
	__builtin_memcpy(&in->key, &p->key, sizeof(in->key));
	in->now = pl_cfg_offline ? offline_frame()->ts_ns : 0; /* live: tcp_now() */
	in->tcp_off = p->tcp_off;
	in->l4_len = p->l4_len;
	in->segs = segs ? segs : 1;
	in->dir = p->l7_dir;
	in->egress = egress;
	return in;
}

#endif /* PL_BPF_RTT_H */
