// SPDX-License-Identifier: BSD-2-Clause
#include <string.h>
#include <netinet/in.h>
#include "l7/dissect.h"
#include "l7/dns.h"
#include "l7/http.h"
#include "l7/ssh.h"
#include "l7/tls.h"

#define PORT_DNS   53
#define PORT_MDNS  5353
#define PORT_LLMNR 5355

void pl_l7_dissect_init(struct pl_l7_dissect *d)
{
	memset(d, 0, sizeof(*d));
	d->tls_at[0] = d->tls_at[1] = -1;
	d->http_at[0] = d->http_at[1] = -1;
	d->inited = 1;
}

static int dns_port(unsigned int port)
{
	return port == PORT_DNS || port == PORT_MDNS || port == PORT_LLMNR;
}

/*
 * On a port that is not DNS's, nDPI's word that a flow is DNS-like (Avast SecureDNS,
 * DNSCrypt's certificate queries) is taken only for a message that looks like a plain
 * query or answer: one question, opcode QUERY, Z clear. An encrypted DNSCrypt message
 * passes that by chance about once in two million.
 */
static int plain_dns(const uint8_t *m, size_t n)
{
	unsigned int flags, qd;

	if (n < 12)
		return 0;
	flags = (unsigned int)(m[2] << 8 | m[3]);
	qd = (unsigned int)(m[4] << 8 | m[5]);
	return qd == 1 && !((flags >> 11) & 0xf) && !(flags & 0x0040);
}

/* DNS over TCP: messages with a two-byte length; the first complete ones are read. */
static void tcp_dns(struct pl_l7_dissect *d, const struct pl_l7_stream *s, uint64_t ts_ns)
{
	size_t off = 0;

	for (int i = 0; i < 4 && off + 2 <= s->len; i++) {
		size_t n = (size_t)(s->buf[off] << 8 | s->buf[off + 1]);

		if (off + 2 + n > s->len)
			return;
		pl_l7_dns_parse(s->buf + off + 2, n, ts_ns, &d->meta.dns);
		off += 2 + n;
	}
}

/*
 * The length of a PROXY protocol header (HAProxy's, v1 text or v2 binary) at @p, which
 * a load balancer puts before the client's first bytes; 0 when there is none.
 */
static size_t proxy_len(const uint8_t *p, size_t n)
{
	static const uint8_t v2[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
					0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };
	const uint8_t *lf;

	if (n >= 16 && !memcmp(p, v2, sizeof(v2))) {
		size_t len = 16 + (size_t)(p[14] << 8 | p[15]);

		return len <= n ? len : 0;
	}
	if (n < 8 || memcmp(p, "PROXY ", 6))
		return 0;
	lf = memchr(p, '\n', n < 108 ? n : 108); /* v1: at most 107 bytes with CRLF */
	return lf && lf > p && lf[-1] == '\r' ? (size_t)(lf - p) + 1 : 0;
}

/* Note where a TLS record or an HTTP head starts: at the stream's start or later (after
 * STARTTLS, or a CONNECT) at the start of a segment, or after a PROXY header. */
static void find_starts(struct pl_l7_dissect *d, int dir)
{
	const struct pl_l7_stream *s = &d->stream[dir];
	uint16_t m;

	if (!s->n_marks)
		return;
	m = s->marks[s->n_marks - 1];
	if (m == 0)
		m = (uint16_t)proxy_len(s->buf, s->len);
	if (d->tls_at[dir] < 0 && pl_l7_tls_looks_like(s->buf + m, s->len - m))
		d->tls_at[dir] = (int16_t)m;
	if (d->http_at[dir] < 0 && d->tls_at[dir] < 0 &&
	    pl_l7_http_looks_like(s->buf + m, s->len - m))
		d->http_at[dir] = (int16_t)m;
}

static void parse_stream(struct pl_l7_dissect *d, int dir, int final, uint64_t ts_ns,
			 unsigned int sport, unsigned int dport)
{
	const struct pl_l7_stream *s = &d->stream[dir];
	struct pl_l7_ssh_side *side = dir == PL_L7_DIR_TOSERVER ? &d->meta.ssh.client
								 : &d->meta.ssh.server;

	if (d->tls_at[dir] >= 0)
		pl_l7_tls_parse(s->buf + d->tls_at[dir], s->len - (size_t)d->tls_at[dir],
				final, ts_ns, &d->meta.tls);
	if (d->http_at[dir] >= 0)
		pl_l7_http_parse(s->buf + d->http_at[dir], s->len - (size_t)d->http_at[dir],
				 ts_ns, &d->meta.http);
	if (s->len >= 4 && !memcmp(s->buf, "SSH-", 4))
		d->ssh = 1;
	if (d->ssh && !side->have && pl_l7_ssh_parse(s->buf, s->len, side) == 1 &&
	    !d->meta.ssh.ts_ns)
		d->meta.ssh.ts_ns = ts_ns;
	if (d->ssh && side->have) {
		char *h = dir == PL_L7_DIR_TOSERVER ? d->meta.ssh.hassh_client
						    : d->meta.ssh.hassh_server;

		if (!h[0])
			pl_l7_ssh_hassh(s->buf, s->len, dir == PL_L7_DIR_TOSERVER, h);
	}
	if (sport == PORT_DNS || dport == PORT_DNS)
		tcp_dns(d, s, ts_ns);
}

void pl_l7_dissect_packet(struct pl_l7_dissect *d, int dir, const struct pl_l7_pkt *p,
			  uint64_t ts_ns, int dns_hint)
{
	dir = !!dir;
	if (!d->inited)
		pl_l7_dissect_init(d);
	if (p->l4proto == IPPROTO_UDP && p->payload) {
		if (dns_port(p->sport) || dns_port(p->dport) ||
		    (dns_hint && plain_dns(p->payload, p->payload_len)))
			pl_l7_dns_parse(p->payload, p->payload_len, ts_ns, &d->meta.dns);
		else if (pl_l7_http_looks_like(p->payload, p->payload_len))
			/* HTTP over UDP, a message a datagram: SSDP's M-SEARCH and NOTIFY. */
			pl_l7_http_parse(p->payload, p->payload_len, ts_ns, &d->meta.http);
		else if (pl_l7_quic_looks_like(p->payload, p->payload_len))
			pl_l7_quic_packet(&d->quic, p->payload, p->payload_len, ts_ns,
					  &d->meta.tls);
		/* What a QUIC long header would hold (EVE writes it in quic events only):
		 * also of versions this reader cannot open (gQUIC Q046, ...). */
		if (!d->meta.tls.quic_version && p->payload_len >= 5 && (p->payload[0] & 0x80))
			d->meta.tls.quic_version = (uint32_t)p->payload[1] << 24 |
						   (uint32_t)p->payload[2] << 16 |
						   (uint32_t)p->payload[3] << 8 | p->payload[4];
		return;
	}
	if (p->l4proto != IPPROTO_TCP || !p->payload)
		return;
	if (!pl_l7_stream_add(&d->stream[dir], p->seq, p->tcp_flags & 0x02, p->payload,
			      p->payload_len))
		return;
	find_starts(d, dir);
	parse_stream(d, dir, d->stream[dir].closed, ts_ns, p->sport, p->dport);
}

void pl_l7_dissect_final(struct pl_l7_dissect *d, uint64_t ts_ns)
{
	if (!d->inited)
		return;
	/* Only TLS reads a cut message differently when told no more will come. */
	for (int dir = 0; dir < 2; dir++)
		if (d->tls_at[dir] >= 0 && !d->stream[dir].closed)
			pl_l7_tls_parse(d->stream[dir].buf + d->tls_at[dir],
					d->stream[dir].len - (size_t)d->tls_at[dir], 1, ts_ns,
					&d->meta.tls);
}
