// SPDX-License-Identifier: BSD-2-Clause
/*
 * ipfix.c - IPFIX messages (RFC 7011) of flow records, over UDP. The templates are a
 * table of IANA information elements (RFC 7012 numbers) and both the template set and
 * the data records are written from it, so the two cannot disagree.
 */
#include <errno.h>
#include <stdbool.h>
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
	IE_L2_OCTETS = 352, IE_APP_ID = 95, IE_APP_NAME = 96,
};

#define VARLEN 0xffff     /* a variable-length field (RFC 7011 7) */
#define STR_MAX 254       /* longer strings are cut: their length fits one octet */
#define ENTERPRISE 0x8000 /* the enterprise bit of a field specifier's id */

struct field {
	__u16 ie, len;
	bool pen; /* enterprise-specific: PL_IPFIX_PEN's element @ie */
};

/* The order of the fields in both templates; the address fields by family. */
static const struct field fields[] = {
	{ 0, 0 }, /* source address */
	{ 0, 0 }, /* destination address */
	{ IE_SPORT, 2 }, { IE_DPORT, 2 }, { IE_PROTO, 1 }, { IE_TCP_FLAGS, 2 },
	{ IE_VLAN, 2 }, { IE_INGRESS, 4 }, { IE_OCTETS, 8 }, { IE_PACKETS, 8 },
	{ IE_L2_OCTETS, 8 }, { IE_START_MS, 8 }, { IE_END_MS, 8 }, { IE_END_REASON, 1 },
	{ IE_APP_ID, 4 },
	{ PL_PIE_RTT_MIN_US, 4, true }, { PL_PIE_RTT_AVG_US, 4, true },
	{ PL_PIE_RTT_MAX_US, 4, true }, { PL_PIE_RTT_SAMPLES, 4, true },
	{ PL_PIE_APP_NAME, VARLEN, true }, { PL_PIE_SERVER_NAME, VARLEN, true },
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static struct field field_of(size_t k, int family)
{
	if (k == 0)
		return family == 4 ? (struct field){ IE_SRC4, 4 } : (struct field){ IE_SRC6, 16 };
	if (k == 1)
		return family == 4 ? (struct field){ IE_DST4, 4 } : (struct field){ IE_DST6, 16 };
	return fields[k];
}

/* The string field @ie of @r ("" when it has none). */
static const char *text_of(const struct pl_ipfix_rec *r, __u16 ie)
{
	const char *t = ie == PL_PIE_APP_NAME ? r->app_name : r->server_name;

	return t ? t : "";
}

static size_t text_len(const char *t)
{
	return strnlen(t, STR_MAX);
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

/* Bytes of one template record (its header and field specifiers). */
static size_t template_len(void)
{
	size_t n = 4;

	for (size_t k = 0; k < NFIELDS; k++)
		n += fields[k].pen ? 8 : 4;
	return n;
}

size_t pl_ipfix_put_templates(__u8 *buf, size_t cap)
{
	size_t need = PL_IPFIX_SET_HDR_LEN + 2 * template_len(), off = PL_IPFIX_SET_HDR_LEN;

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

			put16(buf + off, f.ie | (f.pen ? ENTERPRISE : 0));
			put16(buf + off + 2, f.len);
			if (f.pen) {
				put32(buf + off + 4, PL_IPFIX_PEN);
				off += 4;
			}
		}
	}
	return off;
}

size_t pl_ipfix_rec_len(const struct pl_ipfix_rec *r)
{
	size_t n = 0;

	for (size_t k = 0; k < NFIELDS; k++) {
		struct field f = field_of(k, r->family);

		/* a variable-length field: one length octet, then the bytes */
		n += f.len == VARLEN ? 1 + text_len(text_of(r, f.ie)) : f.len;
	}
	return n;
}

size_t pl_ipfix_put_options_template(__u8 *buf, size_t cap)
{
	/* set header, template id, 2 fields of which 1 is scope, the two specifiers */
	const size_t need = PL_IPFIX_SET_HDR_LEN + 6 + 2 * 4;

	if (cap < need)
		return 0;
	put16(buf, PL_IPFIX_SET_OPTIONS);
	put16(buf + 2, need);
	put16(buf + 4, PL_IPFIX_TPL_APPS);
	put16(buf + 6, 2);
	put16(buf + 8, 1);
	put16(buf + 10, IE_APP_ID);
	put16(buf + 12, 4);
	put16(buf + 14, IE_APP_NAME);
	put16(buf + 16, VARLEN);
	return need;
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

/* The value of enterprise field @ie of @r. */
static __u64 pen_value_of(const struct pl_ipfix_rec *r, __u16 ie)
{
	switch (ie) {
	case PL_PIE_RTT_MIN_US: return r->rtt_min_us;
	case PL_PIE_RTT_AVG_US: return r->rtt_avg_us;
	case PL_PIE_RTT_MAX_US: return r->rtt_max_us;
	case PL_PIE_RTT_SAMPLES: return r->rtt_samples;
	}
	return 0;
}

/* String @t as a variable-length field at @p: its length octet, then its bytes. */
static size_t put_text(__u8 *p, const char *t)
{
	size_t n = text_len(t);

	p[0] = (__u8)n;
	/* IPFIX strings are UTF-8: a byte outside printable ASCII goes out as '?' */
	for (size_t i = 0; i < n; i++)
		p[1 + i] = t[i] > 0x20 && t[i] < 0x7f ? (__u8)t[i] : '?';
	return 1 + n;
}

size_t pl_ipfix_put_app_name(__u8 *buf, size_t cap, __u32 app_id, const char *name)
{
	if (cap < 4 + 1 + text_len(name))
		return 0;
	put32(buf, app_id);
	return 4 + put_text(buf + 4, name);
}

size_t pl_ipfix_put_record(__u8 *buf, size_t cap, const struct pl_ipfix_rec *r)
{
	size_t off = 0;

	if ((r->family != 4 && r->family != 6) || cap < pl_ipfix_rec_len(r))
		return 0;
	for (size_t k = 0; k < NFIELDS; k++) {
		struct field f = field_of(k, r->family);

		if (f.len == VARLEN) {
			off += put_text(buf + off, text_of(r, f.ie));
			continue;
		}
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
	struct {
		__u32 id;          /* applicationId: engine and selector */
		char name[64];
	} apps[PL_IPFIX_APPS_MAX];
	unsigned int napps, apps_sent; /* apps[apps_sent..napps) not announced yet */
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
	__u8 buf[PL_IPFIX_HDR_LEN + 512];
	size_t len = PL_IPFIX_HDR_LEN + pl_ipfix_put_templates(buf + PL_IPFIX_HDR_LEN,
							       sizeof(buf) - PL_IPFIX_HDR_LEN);

	len += pl_ipfix_put_options_template(buf + len, sizeof(buf) - len);

	pl_ipfix_put_header(buf, len, (__u32)(now_ms / 1000), x->seq, x->o.domain);
	if (send_msg(x, buf, len))
		return; /* due again: the next flush tries */
	count(&x->st.template_sends, 1);
	x->templates_due_ms = now_ms + (__u64)x->o.template_refresh_s * 1000;
	x->apps_sent = 0; /* the names again with the templates */
}

/* The application names not announced yet, as options records in messages of their own. */
static void send_app_names(struct pl_ipfix *x, __u64 now_ms)
{
	while (x->apps_sent < x->napps) {
		__u8 buf[PL_IPFIX_MSG_MAX];
		size_t len = PL_IPFIX_HDR_LEN + PL_IPFIX_SET_HDR_LEN, l;
		unsigned int n = 0;

		while (x->apps_sent + n < x->napps &&
		       (l = pl_ipfix_put_app_name(buf + len, sizeof(buf) - len,
						  x->apps[x->apps_sent + n].id,
						  x->apps[x->apps_sent + n].name))) {
			len += l;
			n++;
		}
		put16(buf + PL_IPFIX_HDR_LEN, PL_IPFIX_TPL_APPS);
		put16(buf + PL_IPFIX_HDR_LEN + 2, (__u16)(len - PL_IPFIX_HDR_LEN));
		pl_ipfix_put_header(buf, len, (__u32)(now_ms / 1000), x->seq, x->o.domain);
		x->seq += n;
		if (send_msg(x, buf, len))
			return; /* the templates are due again, and these with them */
		x->apps_sent += n;
	}
}

/* Remember @r's application for the options records; a new one is announced. */
static void note_app(struct pl_ipfix *x, const struct pl_ipfix_rec *r)
{
	__u32 id;

	if (!r->app_engine || !r->app_selector_name || !*r->app_selector_name)
		return;
	id = (__u32)r->app_engine << 24 | (r->app_selector & 0xffffff);
	for (unsigned int i = 0; i < x->napps; i++)
		if (x->apps[i].id == id)
			return;
	if (x->napps == PL_IPFIX_APPS_MAX)
		return; /* the records still carry the id and their own name element */
	x->apps[x->napps].id = id;
	snprintf(x->apps[x->napps].name, sizeof(x->apps[0].name), "%s", r->app_selector_name);
	x->napps++;
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
	if (now_ms < x->templates_due_ms) /* a template set is out: the names may follow */
		send_app_names(x, now_ms);
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
	size_t rl;

	if (r->family != 4 && r->family != 6)
		return;
	rl = pl_ipfix_rec_len(r);
	note_app(x, r);
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
