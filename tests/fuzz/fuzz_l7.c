// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_l7.c - libFuzzer targets for pktlens's own L7 parsers (src/l7/), one binary per
 * parser, chosen with -DFUZZ_L7_<NAME>:
 *	DNS   a DNS message (pl_l7_dns_parse), then the name at every offset
 *	HTTP  a stream start (pl_l7_http_parse)
 *	TLS   a stream start of TLS records, cut and final (pl_l7_tls_parse)
 *	SSH   a stream start (pl_l7_ssh_parse, then the KEXINIT's pl_l7_ssh_hassh)
 *	QUIC  a UDP payload as coalesced QUIC long-header packets (pl_l7_quic_packet:
 *	      headers, lengths, key derivation, opening), then as a CRYPTO stream start
 *	      (pl_l7_tls_handshake)
 *	FLOW  a flow: the input split into IP packets of both directions, decoded
 *	      (pl_l7_pkt_decode), dissected (TCP stream starts, DNS/HTTP/TLS/SSH), and the
 *	      metadata written as EVE JSON, which must parse back as one object a line;
 *	      the same packets paired by service latency (src/perf/svc_track.c), whose
 *	      figures must parse back as JSON
 * The input sits in a buffer of exactly its size, so any read beyond it is an ASan
 * report. Nothing may loop: libFuzzer's -timeout catches a hang.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "l7/dissect.h"
#include "l7/dns.h"
#include "l7/eve.h"
#include "l7/http.h"
#include "l7/quic.h"
#include "l7/ssh.h"
#include "l7/tls.h"
#include "perf/svc.h"
#include "perf/svc_track.h"
#include "sinks/json.h"

static void must(int cond)
{
	if (!cond)
		abort();
}

#if defined(FUZZ_L7_DNS)
static void run(const uint8_t *d, size_t n)
{
	struct pl_l7_dns dns = {};
	char name[PL_L7_NAME_MAX];
	int trunc;

	pl_l7_dns_parse(d, n, 0, &dns);
	must(strlen(dns.qname) < sizeof(dns.qname) && dns.n_answers <= PL_L7_DNS_ANSWERS);
	for (size_t off = 0; off < n && off < 48; off++) {
		int end = pl_l7_dns_name(d, n, off, name, sizeof(name), &trunc);

		must(end < 0 || ((size_t)end > off && (size_t)end <= n));
	}
}
#elif defined(FUZZ_L7_HTTP)
static void run(const uint8_t *d, size_t n)
{
	struct pl_l7_http h = {};

	pl_l7_http_parse(d, n, 0, &h);
	pl_l7_http_parse(d, n, 0, &h);
	must(strlen(h.url) < sizeof(h.url) && strlen(h.host) < sizeof(h.host));
}
#elif defined(FUZZ_L7_TLS)
static void run(const uint8_t *d, size_t n)
{
	struct pl_l7_tls t = {}, u = {};

	pl_l7_tls_parse(d, n, 0, 0, &t);
	pl_l7_tls_parse(d, n, 1, 0, &u);
	must(strlen(u.sni) < sizeof(u.sni) && strlen(u.alpn_client) < sizeof(u.alpn_client));
}
#elif defined(FUZZ_L7_SSH)
static void run(const uint8_t *d, size_t n)
{
	struct pl_l7_ssh_side s = {};

	char h[33] = "";

	if (pl_l7_ssh_parse(d, n, &s) == 1)
		must(s.have && strlen(s.software_version) < sizeof(s.software_version));
	if (pl_l7_ssh_hassh(d, n, n & 1, h) == 1)
		must(strlen(h) == 32);
}
#elif defined(FUZZ_L7_QUIC)
static void run(const uint8_t *d, size_t n)
{
	static struct pl_l7_quic q;
	struct pl_l7_tls t = {}, u = {};

	memset(&q, 0, sizeof(q));
	pl_l7_quic_packet(&q, d, n, 0, &t);
	pl_l7_quic_packet(&q, d, n, 0, &t);
	pl_l7_tls_handshake(d, n, 1, 0, &u);
	must(strlen(t.sni) < sizeof(t.sni) && strlen(u.sni) < sizeof(u.sni));
}
#elif defined(FUZZ_L7_FLOW)
/* Every line of @buf is one JSON object. */
static void check_json(char *buf)
{
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
		json_object *o = json_tokener_parse(l);

		must(o && json_object_is_type(o, json_type_object));
		json_object_put(o);
	}
}

/* Input: records of [dir:1][len:2][bytes], each an IP packet of the flow. */
static void run(const uint8_t *d, size_t n)
{
	static struct pl_l7_dissect ds;
	struct pl_l7_eve_flow fl = { .family = 4, .proto = 6, .state = "new" };
	struct pl_l7_verdict v = { .done = 1 };
	struct pl_svc_track *t = pl_svc_track_new();
	struct pl_svc *svc = pl_svc_new();
	struct pl_flow_key key = { .family = 4, .proto = 6 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	pl_l7_dissect_init(&ds);
	for (size_t off = 0; off + 3 <= n;) {
		size_t k = (size_t)(d[off + 1] << 8 | d[off + 2]);
		uint8_t *pkt;
		struct pl_l7_pkt p;

		if (k > n - off - 3)
			k = n - off - 3;
		pkt = malloc(k ? k : 1);
		memcpy(pkt, d + off + 3, k);
		if (pl_l7_pkt_decode(pkt, k, &p) == 0) {
			pl_l7_dissect_packet(&ds, d[off] & 1, &p, off, d[off] & 2);
			/* half of the packets after the flow is bound */
			if (d[off] & 4)
				pl_svc_track_bind(t, svc, &key, 0, ds.meta.dns.have_query,
						  ds.meta.http.have_request);
			pl_svc_track_pkt(t, &p, !(d[off] & 1), off);
		}
		free(pkt);
		off += 3 + k;
	}
	pl_l7_dissect_final(&ds, n);
	f = open_memstream(&buf, &len);
	if (!f)
		return;
	pl_l7_eve_write(f, PL_L7_EVE_APP | PL_L7_EVE_FLOW, &fl, &v, &ds.meta);
	fclose(f);
	check_json(buf);
	free(buf);
	pl_svc_track_bind(t, svc, &key, 0, 1, 1);
	buf = NULL;
	f = open_memstream(&buf, &len);
	if (f) {
		struct pl_json j;

		pl_json_init(&j, f, false);
		pl_json_begin_obj(&j, NULL);
		pl_svc_json(&j, svc, 10);
		pl_json_end_obj(&j);
		pl_json_finish(&j);
		fclose(f);
		check_json(buf);
		free(buf);
	}
	pl_svc_track_free(t);
	pl_svc_free(svc);
}
#else
#error "define one of FUZZ_L7_DNS, _HTTP, _TLS, _SSH, _FLOW"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *d = malloc(size ? size : 1);

	memcpy(d, data, size);
	run(d, size);
	free(d);
	return 0;
}
