// SPDX-License-Identifier: BSD-2-Clause
/*
 * ipfix.c - IPFIX messages (RFC 7011) of flow records, over UDP. The templates are a
 * table of IANA information elements (RFC 7012 numbers) and both the template set and
 * the data records are written from it, so the two cannot disagree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include "export/ipfix.h"

/* IANA information element ids. */
enum {
	IE_OCTETS = 1, IE_PACKETS = 2, IE_PROTO = 4, IE_TCP_FLAGS = 6, IE_SPORT = 7,
	IE_SRC4 = 8, IE_INGRESS = 10, IE_DPORT = 11, IE_DST4 = 12, IE_SRC6 = 27, IE_DST6 = 28,
	IE_VLAN = 58, IE_END_REASON = 136, IE_START_MS = 152, IE_END_MS = 153,
	IE_L2_OCTETS = 352, IE_APP_ID = 95,
};

struct field {
	__u16 ie, len;
	__u32 pen;     /* 0: IANA's; else the element is enterprise-specific (RFC 7011 3.2) */
};

/* The order of the fields in both templates; the address fields by family. */
static const struct field fields[] = {
	{ 0, 0 }, /* source address */
	{ 0, 0 }, /* destination address */
	{ IE_SPORT, 2 }, { IE_DPORT, 2 }, { IE_PROTO, 1 }, { IE_TCP_FLAGS, 2 },
	{ IE_VLAN, 2 }, { IE_INGRESS, 4 }, { IE_OCTETS, 8 }, { IE_PACKETS, 8 },
	{ IE_L2_OCTETS, 8 }, { IE_START_MS, 8 }, { IE_END_MS, 8 }, { IE_END_REASON, 1 },
	{ IE_APP_ID, 4 },
	{ PL_IPFIX_PIE_RTT_MIN, 4, PL_IPFIX_PEN }, { PL_IPFIX_PIE_RTT_MEAN, 4, PL_IPFIX_PEN },
	{ PL_IPFIX_PIE_RTT_MAX, 4, PL_IPFIX_PEN }, { PL_IPFIX_PIE_RTT_SAMPLES, 4, PL_IPFIX_PEN },
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static struct field field_of(size_t k, int family)
{
	if (k == 0)
		return family == 4 ? (struct field){ IE_SRC4, 4, 0 } :
				     (struct field){ IE_SRC6, 16, 0 };
	if (k == 1)
		return family == 4 ? (struct field){ IE_DST4, 4, 0 } :
				     (struct field){ IE_DST6, 16, 0 };
	return fields[k];
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static void put64(__u8 *p, __u64 v)
{
	put32(p, v >> 32);
	put32(p + 4, v & 0xffffffffu);
}

/* Big-endian @v in @len bytes (1, 2, 4 or 8). */
static void put_uint(__u8 *p, size_t len, __u64 v)
{
	switch (len) {
	case 1: p[0] = v & 0xff; break;
	case 2: put16(p, (__u16)v); break;
	case 4: put32(p, (__u32)v); break;
	default: put64(p, v); break;
	}
}

void pl_ipfix_put_header(__u8 *buf, size_t len, __u32 export_s, __u32 seq, __u32 domain)
{
	put16(buf, PL_IPFIX_VERSION);
	put16(buf + 2, (__u16)len);
	put32(buf + 4, export_s);
	put32(buf + 8, seq);
	put32(buf + 12, domain);
}

size_t pl_ipfix_put_templates(__u8 *buf, size_t cap)
{
	size_t need = PL_IPFIX_SET_HDR_LEN + 2 * 4, off = PL_IPFIX_SET_HDR_LEN;

	for (size_t k = 0; k < NFIELDS; k++) /* a field specifier, and its enterprise number */
		need += 2 * (fields[k].pen ? 8 : 4);
	if (cap < need)
		return 0;
	put16(buf, PL_IPFIX_SET_TEMPLATE);
	put16(buf + 2, (__u16)need);
	for (int family = 4; family <= 6; family += 2) {
		put16(buf + off, family == 4 ? PL_IPFIX_TPL_V4 : PL_IPFIX_TPL_V6);
		put16(buf + off + 2, NFIELDS);
		off += 4;
		for (size_t k = 0; k < NFIELDS; k++, off += 4) {
			struct field f = field_of(k, family);

			put16(buf + off, f.ie | (f.pen ? 0x8000 : 0));
			put16(buf + off + 2, f.len);
			if (f.pen) {
				put32(buf + off + 4, f.pen);
				off += 4;
			}
		}
	}
	return off;
}

size_t pl_ipfix_rec_len(int family)
{
	size_t n = 0;

	for (size_t k = 0; k < NFIELDS; k++)
		n += field_of(k, family).len;
	return n;
}

/* The value of pktlens's element @ie of @r. */
static __u64 pen_value_of(const struct pl_ipfix_rec *r, __u16 ie)
{
	switch (ie) {
	case PL_IPFIX_PIE_RTT_MIN: return r->rtt_min_us;
	case PL_IPFIX_PIE_RTT_MEAN: return r->rtt_avg_us;
	case PL_IPFIX_PIE_RTT_MAX: return r->rtt_max_us;
	case PL_IPFIX_PIE_RTT_SAMPLES: return r->rtt_samples;
	}
	return 0;
}

/* The value of field @ie of @r (addresses are written apart). */
static __u64 value_of(const struct pl_ipfix_rec *r, __u16 ie)
{
	switch (ie) {
	case IE_SPORT: return r->sport;
	case IE_DPORT: return r->dport;
	case IE_PROTO: return r->proto;
	case IE_TCP_FLAGS: return r->tcp_flags;
	case IE_VLAN: return r->vlan;
	case IE_INGRESS: return r->ifindex;
	case IE_OCTETS: return r->octets;
	case IE_PACKETS: return r->packets;
	case IE_L2_OCTETS: return r->l2_octets;
	case IE_START_MS: return r->start_ms;
	case IE_END_MS: return r->end_ms;
	case IE_END_REASON: return r->end_reason;
	/* RFC 6759: the engine id in the first octet, the selector in the three after. */
	case IE_APP_ID: return r->app_engine ? (__u64)r->app_engine << 24 |
						(r->app_selector & 0xffffff) : 0;
	}
	return 0;
}

size_t pl_ipfix_put_record(__u8 *buf, size_t cap, const struct pl_ipfix_rec *r)
{
	size_t off = 0;

	if ((r->family != 4 && r->family != 6) || cap < pl_ipfix_rec_len(r->family))
		return 0;
	for (size_t k = 0; k < NFIELDS; k++) {
		struct field f = field_of(k, r->family);

		if (k < 2)
			memcpy(buf + off, k ? r->dst : r->src, f.len);
		else
			put_uint(buf + off, f.len, f.pen ? pen_value_of(r, f.ie) : value_of(r, f.ie));
		off += f.len;
	}
	return off;
}

struct pl_ipfix {
	int fd;
	struct pl_ipfix_opts o;
	__u8 msg[PL_IPFIX_MSG_MAX];
	size_t len;            /* bytes in msg, the header included once a record is in */
	size_t set_off;        /* where the open data set starts, 0: none */
	int set_family;
	__u32 nrec;            /* records in msg */
	__u32 seq;             /* data records sent before this message (RFC 7011 3.1) */
	__u64 templates_due_ms; /* 0: now */
	int last_err;
	struct pl_ipfix_stats st; /* written by the exporter's thread, read atomically */
};

static void count(__u64 *c, __u64 n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

/* Send @len bytes of @buf as one datagram; a failure asks for the templates again. */
static int send_msg(struct pl_ipfix *x, const __u8 *buf, size_t len)
{
	ssize_t n = send(x->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n == (ssize_t)len) {
		x->last_err = 0;
		count(&x->st.messages, 1);
		return 0;
	}
	x->last_err = n < 0 ? errno : EMSGSIZE;
	count(&x->st.send_errors, 1);
	x->templates_due_ms = 0;
	return -x->last_err;
}

static void send_templates(struct pl_ipfix *x, __u64 now_ms)
{
	__u8 buf[PL_IPFIX_HDR_LEN + 256];
	size_t len = PL_IPFIX_HDR_LEN + pl_ipfix_put_templates(buf + PL_IPFIX_HDR_LEN,
							       sizeof(buf) - PL_IPFIX_HDR_LEN);

	pl_ipfix_put_header(buf, len, (__u32)(now_ms / 1000), x->seq, x->o.domain);
	if (send_msg(x, buf, len))
		return; /* due again: the next flush tries */
	count(&x->st.template_sends, 1);
	x->templates_due_ms = now_ms + (__u64)x->o.template_refresh_s * 1000;
}

static void close_set(struct pl_ipfix *x)
{
	if (x->set_off)
		put16(x->msg + x->set_off + 2, (__u16)(x->len - x->set_off));
	x->set_off = 0;
}

void pl_ipfix_flush(struct pl_ipfix *x, __u64 now_ms)
{
	if (!x)
		return;
	if (now_ms >= x->templates_due_ms)
		send_templates(x, now_ms);
	if (!x->nrec)
		return;
	close_set(x);
	pl_ipfix_put_header(x->msg, x->len, (__u32)(now_ms / 1000), x->seq, x->o.domain);
	/* Sent or not, the records count in the sequence: a collector sees the gap. */
	if (send_msg(x, x->msg, x->len))
		count(&x->st.records_lost, x->nrec);
	else
		count(&x->st.records, x->nrec);
	x->seq += x->nrec;
	x->nrec = 0;
	x->len = 0;
}

void pl_ipfix_add(struct pl_ipfix *x, const struct pl_ipfix_rec *r, __u64 now_ms)
{
	size_t rl = pl_ipfix_rec_len(r->family);

	if (r->family != 4 && r->family != 6)
		return;
	if (x->len && x->len + rl + (x->set_family == r->family && x->set_off ? 0 :
				     PL_IPFIX_SET_HDR_LEN) > sizeof(x->msg))
		pl_ipfix_flush(x, now_ms);
	if (!x->len)
		x->len = PL_IPFIX_HDR_LEN;
	if (!x->set_off || x->set_family != r->family) {
		close_set(x);
		x->set_off = x->len;
		x->set_family = r->family;
		put16(x->msg + x->len, r->family == 4 ? PL_IPFIX_TPL_V4 : PL_IPFIX_TPL_V6);
		x->len += PL_IPFIX_SET_HDR_LEN;
	}
	x->len += pl_ipfix_put_record(x->msg + x->len, sizeof(x->msg) - x->len, r);
	x->nrec++;
}

int pl_ipfix_open_fd(struct pl_ipfix **out, int fd, const struct pl_ipfix_opts *o)
{
	struct pl_ipfix *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	x->fd = fd;
	if (o)
		x->o = *o;
	if (!x->o.template_refresh_s)
		x->o.template_refresh_s = PL_IPFIX_DEFAULT_REFRESH;
	*out = x;
	return 0;
}

int pl_ipfix_open(struct pl_ipfix **out, const struct sockaddr_storage *to,
		  const struct pl_ipfix_opts *o, char *why, size_t whylen)
{
	socklen_t sl = to->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						 : sizeof(struct sockaddr_in);
	int fd = socket(to->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), err;

	if (fd < 0 || connect(fd, (const struct sockaddr *)to, sl)) {
		err = -errno;
		snprintf(why, whylen, "IPFIX: cannot set up a UDP socket to the collector: %s",
			 strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	err = pl_ipfix_open_fd(out, fd, o);
	if (err)
		close(fd);
	return err;
}

void pl_ipfix_get_stats(const struct pl_ipfix *x, struct pl_ipfix_stats *st)
{
	st->messages = __atomic_load_n(&x->st.messages, __ATOMIC_RELAXED);
	st->records = __atomic_load_n(&x->st.records, __ATOMIC_RELAXED);
	st->template_sends = __atomic_load_n(&x->st.template_sends, __ATOMIC_RELAXED);
	st->send_errors = __atomic_load_n(&x->st.send_errors, __ATOMIC_RELAXED);
	st->records_lost = __atomic_load_n(&x->st.records_lost, __ATOMIC_RELAXED);
}

int pl_ipfix_last_error(const struct pl_ipfix *x)
{
	return x->last_err;
}

void pl_ipfix_close(struct pl_ipfix *x)
{
	if (!x)
		return;
	close(x->fd);
	free(x);
}
