// SPDX-License-Identifier: BSD-2-Clause
/*
 * classify.c - nDPI used as its own reader uses it (nDPI 4.2 example/reader_util.c):
 * one detection module per engine with every protocol enabled, one
 * ndpi_flow_struct per flow, each packet handed over from its IP header with a
 * millisecond time stamp; a flow is done when nDPI names its application and wants
 * no extra packets (ndpi_extra_dissection_possible), or after the packet limit, when
 * nDPI is asked to give up (ndpi_detection_giveup, guessing from ports and
 * addresses). pktlens's own parsers (dissect.c) read the same packets meanwhile.
 */
#include <ctype.h>
#include <strings.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <ndpi/ndpi_api.h>
#include "l7/classify.h"

/* The give-up limits of nDPI's reader (max_num_tcp/udp_dissected_pkts). */
#define LIMIT_TCP   80
#define LIMIT_UDP   24
#define LIMIT_OTHER 24

struct pl_l7_engine {
	struct ndpi_detection_module_struct *ndpi;
	uint32_t limit_tcp, limit_udp, limit_other;
};

struct pl_l7_flow {
	struct ndpi_flow_struct *nf;
	ndpi_protocol proto;
	uint8_t l4proto;
	uint64_t last_ts_ns;
	struct pl_l7_verdict v;
	struct pl_l7_dissect d;
};

struct pl_l7_engine *pl_l7_engine_new(int *err)
{
	struct pl_l7_engine *e = calloc(1, sizeof(*e));
	NDPI_PROTOCOL_BITMASK all;

	if (!e) {
		*err = -ENOMEM;
		return NULL;
	}
	e->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
	if (!e->ndpi) {
		free(e);
		*err = -ENOMEM;
		return NULL;
	}
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(e->ndpi, &all);
	ndpi_finalize_initialization(e->ndpi);
	e->limit_tcp = LIMIT_TCP;
	e->limit_udp = LIMIT_UDP;
	e->limit_other = LIMIT_OTHER;
	*err = 0;
	return e;
}

void pl_l7_engine_free(struct pl_l7_engine *e)
{
	if (!e)
		return;
	ndpi_exit_detection_module(e->ndpi);
	free(e);
}

void pl_l7_engine_set_limits(struct pl_l7_engine *e, uint32_t tcp, uint32_t udp,
			     uint32_t other)
{
	if (tcp)
		e->limit_tcp = tcp;
	if (udp)
		e->limit_udp = udp;
	if (other)
		e->limit_other = other;
}

struct pl_l7_flow *pl_l7_flow_new(struct pl_l7_engine *e)
{
	struct pl_l7_flow *f = calloc(1, sizeof(*f));

	(void)e;
	if (!f)
		return NULL;
	f->nf = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
	if (!f->nf) {
		free(f);
		return NULL;
	}
	memset(f->nf, 0, SIZEOF_FLOW_STRUCT);
	pl_l7_dissect_init(&f->d);
	strcpy(f->v.name, "Unknown");
	return f;
}

void pl_l7_flow_free(struct pl_l7_flow *f)
{
	if (!f)
		return;
	if (f->nf)
		ndpi_flow_free(f->nf);
	free(f);
}

static int is_proto(const ndpi_protocol *p, uint16_t id)
{
	return p->master_protocol == id || p->app_protocol == id;
}

static void copy_name(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* An MD5 in hex as Suricata writes it, lower case (nDPI's HASSH is upper case). */
static void copy_lower(char *dst, size_t n, const char *src)
{
	size_t i;

	/* MD5 of nothing: nDPI 4.2 read a KEXINIT cut by the segment's end. No HASSH. */
	if (src && !strcasecmp(src, "d41d8cd98f00b204e9800998ecf8427e"))
		src = "";

	for (i = 0; src && src[i] && i + 1 < n; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = 0;
}

static int tls_filled(const ndpi_protocol *p)
{
	static const uint16_t ids[] = { NDPI_PROTOCOL_TLS, NDPI_PROTOCOL_QUIC, NDPI_PROTOCOL_DTLS,
					NDPI_PROTOCOL_MAIL_IMAPS, NDPI_PROTOCOL_MAIL_POPS,
					NDPI_PROTOCOL_MAIL_SMTPS, NDPI_PROTOCOL_DOH_DOT };

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (is_proto(p, ids[i]))
			return 1;
	return 0;
}

/* What nDPI found that pktlens's parsers do not: JA3, QUIC's decrypted hello, HASSH. */
static void take_ndpi_meta(struct pl_l7_flow *f)
{
	const struct ndpi_flow_struct *nf = f->nf;
	struct pl_l7_meta *m = &f->d.meta;
	const ndpi_protocol *p = &f->proto;

	/* protos is a union: read the TLS part only for flows whose verdict nDPI's TLS,
	 * QUIC or DTLS code gave (4.2 names TLS on the mail ports IMAPS, POPS, SMTPS). */
	if (tls_filled(p)) {
		const typeof(nf->protos.tls_quic) *t = &nf->protos.tls_quic;

		copy_name(m->tls.ja3_client, sizeof(m->tls.ja3_client), t->ja3_client);
		copy_name(m->tls.ja3_server, sizeof(m->tls.ja3_server), t->ja3_server);
		if (!m->tls.have_client_hello && !m->tls.have_server_hello &&
		    (t->hello_processed || nf->host_server_name[0])) {
			m->tls.from_ndpi = 1;
			m->tls.have_client_hello = 1;
			m->tls.ts_ns = f->last_ts_ns;
			copy_name(m->tls.sni, sizeof(m->tls.sni), nf->host_server_name);
			copy_name(m->tls.alpn_client, sizeof(m->tls.alpn_client), t->alpn);
			m->tls.server_version = t->ssl_version;
		}
		if (!m->tls.server_version)
			m->tls.server_version = t->ssl_version;
	} else if (is_proto(p, NDPI_PROTOCOL_SSH)) {
		/* pktlens's own (from the stream start, whole KEXINIT) first: nDPI 4.2
		 * hashes what one segment holds, nothing when the KEXINIT spans two. */
		if (!m->ssh.hassh_client[0])
			copy_lower(m->ssh.hassh_client, sizeof(m->ssh.hassh_client),
				   nf->protos.ssh.hassh_client);
		if (!m->ssh.hassh_server[0])
			copy_lower(m->ssh.hassh_server, sizeof(m->ssh.hassh_server),
				   nf->protos.ssh.hassh_server);
	}
}

static void fill_verdict(struct pl_l7_engine *e, struct pl_l7_flow *f)
{
	struct pl_l7_verdict *v = &f->v;
	const ndpi_protocol *p = &f->proto;
	uint16_t master = p->master_protocol ? p->master_protocol : p->app_protocol;
	uint16_t app = p->app_protocol ? p->app_protocol : p->master_protocol;

	v->master_id = p->master_protocol;
	v->app_id = p->app_protocol;
	v->category_id = (uint16_t)p->category;
	ndpi_protocol2name(e->ndpi, *p, v->name, sizeof(v->name));
	copy_name(v->master, sizeof(v->master), ndpi_get_proto_name(e->ndpi, master));
	copy_name(v->app, sizeof(v->app), ndpi_get_proto_name(e->ndpi, app));
	copy_name(v->category, sizeof(v->category), ndpi_category_get_name(e->ndpi, p->category));
}

/* The flow is done: nDPI named it and wants no more, the limit was hit, or it ended. */
static void complete(struct pl_l7_engine *e, struct pl_l7_flow *f, int give_up)
{
	if (give_up) {
		uint8_t guessed = 0;

		f->proto = ndpi_detection_giveup(e->ndpi, f->nf, 1, &guessed);
		f->v.guessed = guessed;
	}
	fill_verdict(e, f);
	take_ndpi_meta(f);
	pl_l7_dissect_final(&f->d, f->last_ts_ns);
	f->v.done = 1;
}

static uint32_t limit_of(const struct pl_l7_engine *e, uint8_t l4proto)
{
	if (l4proto == IPPROTO_TCP)
		return e->limit_tcp;
	return l4proto == IPPROTO_UDP ? e->limit_udp : e->limit_other;
}

/* SSH: a side sent its banner and its KEXINIT is not read yet. */
static int ssh_more(const struct pl_l7_flow *f)
{
	const struct pl_l7_ssh *s = &f->d.meta.ssh;

	return is_proto(&f->proto, NDPI_PROTOCOL_SSH) &&
	       ((s->client.have && !s->hassh_client[0]) || (s->server.have && !s->hassh_server[0]));
}

/* TLS that nDPI named after the port (IMAPS, ...), its ServerHello not read yet:
 * nDPI's wish for more covers only flows it calls TLS. */
static int tls_port_more(const struct pl_l7_flow *f)
{
	return tls_filled(&f->proto) && !is_proto(&f->proto, NDPI_PROTOCOL_TLS) &&
	       !is_proto(&f->proto, NDPI_PROTOCOL_QUIC) && !is_proto(&f->proto, NDPI_PROTOCOL_DTLS) &&
	       !f->d.meta.tls.have_server_hello;
}

/* A protocol that carries HTTP or TLS later in the flow, neither seen yet. */
static int wraps_more(const struct pl_l7_flow *f)
{
	static const uint16_t wrappers[] = {
		NDPI_PROTOCOL_SOCKS,	 NDPI_PROTOCOL_HTTP_CONNECT, NDPI_PROTOCOL_HTTP_PROXY,
		NDPI_PROTOCOL_MAIL_SMTP, NDPI_PROTOCOL_MAIL_IMAP,    NDPI_PROTOCOL_MAIL_POP,
		NDPI_PROTOCOL_FTP_CONTROL,
	};
	const struct pl_l7_meta *m = &f->d.meta;

	if (f->l4proto != IPPROTO_TCP || m->tls.have_client_hello ||
	    (m->http.have_request && f->proto.master_protocol != NDPI_PROTOCOL_HTTP_CONNECT &&
	     f->proto.app_protocol != NDPI_PROTOCOL_HTTP_CONNECT))
		return 0;
	for (size_t i = 0; i < sizeof(wrappers) / sizeof(wrappers[0]); i++)
		if (is_proto(&f->proto, wrappers[i]))
			return 1;
	return 0;
}

int pl_l7_feed(struct pl_l7_engine *e, struct pl_l7_flow *f, int dir, uint64_t ts_ns,
	       const uint8_t *l3, size_t len)
{
	struct pl_l7_pkt p;
	int enough, dns;

	if (f->v.done)
		return 1;
	if (pl_l7_pkt_decode(l3, len, &p) < 0)
		return -EINVAL;
	if (len > 0xffff)
		len = 0xffff; /* nDPI takes an unsigned short; an IP packet fits in it */
	if (!f->v.packets++)
		f->l4proto = p.l4proto;
	f->last_ts_ns = ts_ns;
	f->proto = ndpi_detection_process_packet(e->ndpi, f->nf, l3, (unsigned short)len,
						 ts_ns / 1000000);
	/* Plain DNS messages on other ports too: Avast's SecureDNS on 443, DNSCrypt's
	 * certificate queries (dissect.c checks that they are plain). */
	dns = is_proto(&f->proto, NDPI_PROTOCOL_DNS) || is_proto(&f->proto, NDPI_PROTOCOL_MDNS) ||
	      is_proto(&f->proto, NDPI_PROTOCOL_LLMNR) ||
	      is_proto(&f->proto, NDPI_PROTOCOL_AVAST_SECUREDNS) ||
	      is_proto(&f->proto, NDPI_PROTOCOL_DNSCRYPT);
	pl_l7_dissect_packet(&f->d, dir, &p, ts_ns, dns);
	enough = f->v.packets > limit_of(e, f->l4proto);
	if (!enough && f->proto.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
		fill_verdict(e, f);
		return 0;
	}
	if (!enough && ndpi_extra_dissection_possible(e->ndpi, f->nf)) {
		fill_verdict(e, f);
		return 0;
	}
	/* pktlens's own parsers want more too: an mDNS flow that began with an announcement
	 * (no question) has its query name later; a proxy or STARTTLS flow carries its
	 * HTTP request or TLS hello after the part nDPI knew it by; an SSH KEXINIT that
	 * spans segments gives its HASSH when its last one is in. */
	if (!enough && ((dns && !f->d.meta.dns.have_query) || wraps_more(f) || ssh_more(f) ||
		       tls_port_more(f))) {
		fill_verdict(e, f);
		return 0;
	}
	complete(e, f, f->proto.app_protocol == NDPI_PROTOCOL_UNKNOWN);
	return 1;
}

void pl_l7_finish(struct pl_l7_engine *e, struct pl_l7_flow *f)
{
	if (!f->v.done)
		complete(e, f, 1);
}

const struct pl_l7_verdict *pl_l7_verdict(const struct pl_l7_flow *f)
{
	return &f->v;
}

const struct pl_l7_meta *pl_l7_meta(const struct pl_l7_flow *f)
{
	return &f->d.meta;
}
