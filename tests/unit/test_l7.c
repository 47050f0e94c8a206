// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the L7 metadata parsers (src/l7/) on crafted payloads: DNS names with
 * compression, loops and over-long names; HTTP heads cut, without line ends, with
 * binary; TLS hellos whose records, extensions and lists lie about their lengths; SSH
 * banners; TCP stream starts; IP decoding; the EVE writer's escaping and fields.
 * Every hostile input sits in a buffer of exactly its size, so the sanitizer build
 * (make SAN=1) sees any read beyond it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "check.h"
#include "l7/classify.h"
#include "l7/dns.h"
#include "l7/eve.h"
#include "l7/http.h"
#include "l7/pkt.h"
#include "l7/ssh.h"
#include "l7/stream.h"
#include "l7/tls.h"

/* A heap copy of exactly @n bytes (no slack for an overread to hide in). */
static uint8_t *dup_exact(const void *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);

	memcpy(d, p, n);
	return d;
}

/* A DNS response: www.example.com A, answer by pointer to the question, 93.184.216.34. */
static const uint8_t dns_resp[] = {
	0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	0, 1, 0, 1,
	/* CNAME www.example.com -> edge.example.com ("edge" + pointer to example.com) */
	0xc0, 12, 0, 5, 0, 1, 0, 0, 0x0e, 0x10, 0, 7, 4, 'e', 'd', 'g', 'e', 0xc0, 16,
	/* A edge.example.com (pointer to the CNAME's data) */
	0xc0, 45, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 93, 184, 216, 34,
};

static void test_dns(void)
{
	struct pl_l7_dns d = {};
	uint8_t *m = dup_exact(dns_resp, sizeof(dns_resp));

	TEST_BEGIN("dns: response with compressed answers");
	CHECK_EQ(pl_l7_dns_parse(m, sizeof(dns_resp), 5, &d), 0);
	CHECK(!strcmp(d.qname, "www.example.com"), "qname %s", d.qname);
	CHECK_EQ(d.qtype, 1);
	CHECK_EQ(d.have_response, 1);
	CHECK_EQ(d.rcode, 0);
	CHECK_EQ(d.id, 0x1234);
	CHECK_EQ(d.n_answers, 2);
	CHECK_EQ(d.answers[0].type, 5);
	CHECK(!strcmp(d.answers[0].data, "edge.example.com"), "cname %s", d.answers[0].data);
	CHECK(!strcmp(d.answers[1].name, "edge.example.com"), "a name %s", d.answers[1].name);
	CHECK_EQ(d.answers[1].addr_len, 4);
	CHECK_EQ(d.answers[1].addr[0], 93);
	CHECK_EQ(d.answers[1].ttl, 60);
	TEST_END();

	/* Every cut of the message: never beyond it, the question only when whole. */
	TEST_BEGIN("dns: every truncation");
	for (size_t n = 0; n < sizeof(dns_resp); n++) {
		uint8_t *c = dup_exact(dns_resp, n);
		struct pl_l7_dns t = {};
		int rc = pl_l7_dns_parse(c, n, 0, &t);

		CHECK(n >= 33 ? rc == 0 : rc == -EINVAL, "cut at %zu: rc %d", n, rc);
		CHECK(t.n_answers <= (n >= 66 ? 2 : n >= 50 ? 1 : 0), "cut %zu: %u answers", n,
		      t.n_answers);
		free(c);
	}
	TEST_END();
	free(m);
}

static void test_dns_hostile(void)
{
	uint8_t loop[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1 };
	uint8_t fwd[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 1, 'a', 0, 0, 1, 0, 1 };
	uint8_t chain[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0xc0, 12, 0, 1, 0, 1 };
	uint8_t ext[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 'a', 0, 0, 1, 0, 1 };
	uint8_t big[12 + 200 * 2 + 5];
	uint8_t ctl[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'a', '\n', 0xff, 0, 0, 1, 0, 1 };
	struct pl_l7_dns d = {};
	char name[PL_L7_NAME_MAX];
	int trunc;

	TEST_BEGIN("dns: pointer to itself, forward pointer, pointer chain into itself");
	CHECK_EQ(pl_l7_dns_parse(loop, sizeof(loop), 0, &d), (unsigned long long)-EINVAL);
	CHECK_EQ(pl_l7_dns_parse(fwd, sizeof(fwd), 0, &d), (unsigned long long)-EINVAL);
	CHECK_EQ(pl_l7_dns_parse(chain, sizeof(chain), 0, &d), (unsigned long long)-EINVAL);
	CHECK_EQ(pl_l7_dns_parse(ext, sizeof(ext), 0, &d), (unsigned long long)-EINVAL);
	CHECK_EQ(d.have_query, 0);
	TEST_END();

	TEST_BEGIN("dns: 200 labels (over 128) refused; a long name cut at 255 bytes");
	memset(big, 0, sizeof(big));
	big[5] = 1;
	for (int i = 0; i < 200; i++) {
		big[12 + 2 * i] = 1;
		big[13 + 2 * i] = 'x';
	}
	CHECK_EQ(pl_l7_dns_name(big, sizeof(big), 12, name, sizeof(name), &trunc),
		 (unsigned long long)-EINVAL);
	/* 5 labels of 63 (a wire name over RFC 1035's 255): the text is cut to fit. */
	{
		uint8_t n4[12 + 5 * 64 + 1 + 4] = { 0, 1, 0, 0, 0, 1 };

		for (int i = 0; i < 5; i++) {
			n4[12 + 64 * i] = 63;
			memset(n4 + 13 + 64 * i, 'y', 63);
		}
		memset(&d, 0, sizeof(d));
		CHECK_EQ(pl_l7_dns_parse(n4, sizeof(n4), 0, &d), 0);
		CHECK_EQ(d.name_truncated, 1);
		CHECK(strlen(d.qname) < PL_L7_NAME_MAX, "qname %zu bytes", strlen(d.qname));
	}
	TEST_END();

	TEST_BEGIN("dns: control bytes in a label as \\DDD, others kept");
	memset(&d, 0, sizeof(d));
	CHECK_EQ(pl_l7_dns_parse(ctl, sizeof(ctl), 0, &d), 0);
	CHECK(!strcmp(d.qname, "a\\010\xff"), "qname %s", d.qname);
	TEST_END();
}

static const char http_req[] = "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com:8080\r\n"
			       "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";

static void test_http(void)
{
	struct pl_l7_http h = {};
	uint8_t *r = dup_exact(http_req, strlen(http_req));
	const char resp[] = "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n";

	TEST_BEGIN("http: request line, Host, User-Agent; response status");
	CHECK_EQ(pl_l7_http_parse(r, strlen(http_req), 7, &h), 1);
	CHECK(!strcmp(h.method, "GET"), "method %s", h.method);
	CHECK(!strcmp(h.url, "/index.html?q=1"), "url %s", h.url);
	CHECK(!strcmp(h.host, "example.com:8080"), "host %s", h.host);
	CHECK(!strcmp(h.user_agent, "curl/7.88.1"), "ua %s", h.user_agent);
	CHECK(!strcmp(h.protocol, "HTTP/1.1"), "proto %s", h.protocol);
	CHECK_EQ(pl_l7_http_parse((const uint8_t *)resp, strlen(resp), 8, &h), 1);
	CHECK_EQ(h.status, 404);
	CHECK(!strcmp(h.content_type, "text/html"), "ctype %s", h.content_type);
	TEST_END();

	TEST_BEGIN("http: every cut of the request; no line end; binary");
	for (size_t n = 0; n < strlen(http_req); n++) {
		uint8_t *c = dup_exact(http_req, n);
		struct pl_l7_http t = {};
		int rc = pl_l7_http_parse(c, n, 0, &t);

		CHECK(rc == (n >= 30), "cut at %zu: rc %d", n, rc);
		free(c);
	}
	{
		char bin[300];
		struct pl_l7_http t = {};

		memset(bin, 'A', sizeof(bin));
		memcpy(bin, "GET /", 5);
		CHECK_EQ(pl_l7_http_parse((uint8_t *)bin, sizeof(bin), 0, &t), 0);
		static const char bh[] = "GET / HTTP/1.0\nHost: \x01\xff\x80zz\n\n";

		memcpy(bin, bh, sizeof(bh) - 1);
		CHECK_EQ(pl_l7_http_parse((uint8_t *)bin, sizeof(bh) - 1, 0, &t), 1);
		CHECK(!memcmp(t.host, "\x01\xff\x80zz", 6), "host kept as bytes");
		CHECK_EQ(pl_l7_http_parse((const uint8_t *)"GET  HTTP/1.1\r\n", 15, 0, &t), 0);
	}
	TEST_END();
	free(r);
}

/* A ClientHello record: SNI "a.example", ALPN h2,http/1.1, supported_versions 1.3/1.2. */
static size_t client_hello(uint8_t *b)
{
	static const uint8_t ext[] = {
		0, 0, 0, 14, 0, 12, 0, 0, 9, 'a', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		0, 16, 0, 14, 0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1',
		0, 43, 0, 7, 6, 0x0a, 0x0a, 3, 4, 3, 3,
	};
	size_t n = 0, body;

	b[n++] = 22, b[n++] = 3, b[n++] = 1, n += 2;  /* record header, length later */
	b[n++] = 1, n += 3;                           /* ClientHello, length later */
	b[n++] = 3, b[n++] = 3;
	memset(b + n, 0x11, 32), n += 32;             /* random */
	b[n++] = 0;                                   /* session id */
	b[n++] = 0, b[n++] = 2, b[n++] = 0x13, b[n++] = 1; /* one cipher */
	b[n++] = 1, b[n++] = 0;                       /* compression */
	b[n++] = 0, b[n++] = sizeof(ext);
	memcpy(b + n, ext, sizeof(ext)), n += sizeof(ext);
	body = n - 9;
	b[3] = (uint8_t)((n - 5) >> 8), b[4] = (uint8_t)(n - 5);
	b[6] = 0, b[7] = (uint8_t)(body >> 8), b[8] = (uint8_t)body;
	return n;
}

static void test_tls(void)
{
	uint8_t b[256], *c;
	size_t n = client_hello(b);
	struct pl_l7_tls t = {};

	TEST_BEGIN("tls: ClientHello SNI, ALPN, highest supported version (GREASE skipped)");
	c = dup_exact(b, n);
	CHECK_EQ(pl_l7_tls_parse(c, n, 0, 3, &t), 1);
	CHECK(!strcmp(t.sni, "a.example"), "sni %s", t.sni);
	CHECK(!strcmp(t.alpn_client, "h2,http/1.1"), "alpn %s", t.alpn_client);
	CHECK_EQ(t.client_version, 0x0304);
	free(c);
	TEST_END();

	TEST_BEGIN("tls: split over two records, then cut: only final reads the cut one");
	{
		uint8_t two[300];
		size_t hs = n - 5, k = 20;

		memcpy(two, b, 5 + k);
		two[3] = 0, two[4] = (uint8_t)k;
		two[5 + k] = 22, two[6 + k] = 3, two[7 + k] = 1;
		two[8 + k] = (uint8_t)((hs - k) >> 8), two[9 + k] = (uint8_t)(hs - k);
		memcpy(two + 10 + k, b + 5 + k, hs - k);
		memset(&t, 0, sizeof(t));
		c = dup_exact(two, n + 5);
		CHECK_EQ(pl_l7_tls_parse(c, n + 5, 0, 0, &t), 1);
		CHECK(!strcmp(t.sni, "a.example"), "sni over records %s", t.sni);
		free(c);
	}
	memset(&t, 0, sizeof(t));
	c = dup_exact(b, n - 12);
	CHECK_EQ(pl_l7_tls_parse(c, n - 12, 0, 0, &t), 0);
	CHECK_EQ(pl_l7_tls_parse(c, n - 12, 1, 0, &t), 1);
	CHECK(!strcmp(t.sni, "a.example"), "sni of the cut hello %s", t.sni);
	free(c);
	TEST_END();

	TEST_BEGIN("tls: every length field lying, every cut: no read beyond the data");
	for (size_t i = 3; i < n; i++) {
		for (int v = 0; v < 3; v++) {
			uint8_t l[256];
			struct pl_l7_tls x = {};

			memcpy(l, b, n);
			l[i] = v == 0 ? 0xff : v == 1 ? 0 : (uint8_t)(l[i] + 1);
			c = dup_exact(l, n);
			pl_l7_tls_parse(c, n, 1, 0, &x);
			CHECK(strlen(x.sni) < sizeof(x.sni), "sni bounded");
			free(c);
		}
		c = dup_exact(b, i);
		memset(&t, 0, sizeof(t));
		pl_l7_tls_parse(c, i, 1, 0, &t);
		free(c);
	}
	TEST_END();
	CHECK(pl_l7_tls_version_name(0x0303) && !strcmp(pl_l7_tls_version_name(0x0303), "TLS 1.2"),
	      "version name");
}

/* A banner and a KEXINIT with these ten name-lists; returns its length. */
static size_t kexinit(uint8_t *b, const char *const lists[10])
{
	size_t p, start;

	p = (size_t)sprintf((char *)b, "SSH-2.0-t\r\n");
	start = p;
	p += 4; /* packet length */
	b[p++] = 4;  /* padding length */
	b[p++] = 20; /* SSH_MSG_KEXINIT */
	memset(b + p, 0xcc, 16), p += 16;
	for (int i = 0; i < 10; i++) {
		size_t n = strlen(lists[i]);

		b[p] = 0, b[p + 1] = 0, b[p + 2] = (uint8_t)(n >> 8), b[p + 3] = (uint8_t)n;
		memcpy(b + p + 4, lists[i], n);
		p += 4 + n;
	}
	memset(b + p, 0, 5 + 4), p += 5 + 4; /* first_kex_follows, reserved, padding */
	b[start] = 0, b[start + 1] = 0;
	b[start + 2] = (uint8_t)((p - start - 4) >> 8), b[start + 3] = (uint8_t)(p - start - 4);
	return p;
}

/* HASSH: MD5 of kex;enc;mac;comp, client-to-server lists for the client, the others
 * for the server (the expected digests from Python's hashlib). */
static void test_hassh(void)
{
	static const char *const l[10] = { "curve25519-sha256", "ssh-ed25519", "aes128-ctr",
					   "aes256-ctr", "hmac-sha2-256", "hmac-sha1", "none",
					   "zlib", "", "" };
	uint8_t b[400], *c;
	size_t n = kexinit(b, l);
	char h[33] = "";

	TEST_BEGIN("ssh: HASSH and HASSH-server of the KEXINIT after the banner; cut; lying");
	c = dup_exact(b, n);
	CHECK_EQ(pl_l7_ssh_hassh(c, n, 1, h), 1);
	CHECK(!strcmp(h, "e97d07603350d1111ec2b64bf25413c9"), "hassh %s", h);
	CHECK_EQ(pl_l7_ssh_hassh(c, n, 0, h), 1);
	CHECK(!strcmp(h, "1d28bf246fed683b2556414dbd13cd28"), "hassh-server %s", h);
	free(c);
	c = dup_exact(b, n - 10);
	CHECK_EQ(pl_l7_ssh_hassh(c, n - 10, 1, h), 0);
	free(c);
	b[11 + 4 + 2 + 16 + 3] = 0xff; /* the first list claims 255 bytes more */
	c = dup_exact(b, n);
	CHECK_EQ(pl_l7_ssh_hassh(c, n, 1, h), (unsigned long long)-EINVAL);
	free(c);
	TEST_END();
}

static void test_ssh(void)
{
	struct pl_l7_ssh_side s = {};
	const char *b = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";
	char longl[400];

	TEST_BEGIN("ssh: banner split; lines before it; cut; over-long line");
	CHECK_EQ(pl_l7_ssh_parse((const uint8_t *)b, strlen(b), &s), 1);
	CHECK(!strcmp(s.proto_version, "2.0"), "proto %s", s.proto_version);
	CHECK(!strcmp(s.software_version, "OpenSSH_9.2p1"), "sw %s", s.software_version);
	CHECK(!strcmp(s.comments, "Debian-2+deb12u3"), "comments %s", s.comments);
	memset(&s, 0, sizeof(s));
	CHECK_EQ(pl_l7_ssh_parse((const uint8_t *)"hello\r\nSSH-1.99-x\n", 18, &s), 1);
	CHECK(!strcmp(s.software_version, "x"), "sw %s", s.software_version);
	CHECK_EQ(pl_l7_ssh_parse((const uint8_t *)b, 20, &s), 0);
	memset(longl, 'a', sizeof(longl));
	CHECK_EQ(pl_l7_ssh_parse((uint8_t *)longl, sizeof(longl), &s),
		 (unsigned long long)-EINVAL);
	CHECK_EQ(pl_l7_ssh_parse((const uint8_t *)"\x01\x02\n", 3, &s), (unsigned long long)-EINVAL);
	TEST_END();
	test_hassh();
}

static void test_stream(void)
{
	static struct pl_l7_stream s;

	TEST_BEGIN("stream: in order, retransmitted tail, gap closes, full closes");
	memset(&s, 0, sizeof(s));
	CHECK_EQ(pl_l7_stream_add(&s, 100, 1, NULL, 0), 0);
	CHECK_EQ(pl_l7_stream_add(&s, 101, 0, (const uint8_t *)"abcd", 4), 4);
	CHECK_EQ(pl_l7_stream_add(&s, 103, 0, (const uint8_t *)"cdef", 4), 2);
	CHECK_EQ(s.len, 6);
	CHECK(!memcmp(s.buf, "abcdef", 6), "bytes in order");
	CHECK_EQ(pl_l7_stream_add(&s, 101, 0, (const uint8_t *)"ab", 2), 0);
	CHECK_EQ(pl_l7_stream_add(&s, 200, 0, (const uint8_t *)"zz", 2), 0);
	CHECK_EQ(s.closed, 1);
	memset(&s, 0, sizeof(s));
	{
		static uint8_t big[PL_L7_STREAM_MAX + 10];

		CHECK_EQ(pl_l7_stream_add(&s, 0xfffffff0u, 0, big, sizeof(big)), PL_L7_STREAM_MAX);
		CHECK_EQ(s.closed, 1);
	}
	TEST_END();
}

static void test_pkt(void)
{
	uint8_t ip[] = {
		0x45, 0, 0, 32, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		0x30, 0x39, 0, 53, 0, 12, 0, 0, 'a', 'b', 'c', 'd',
		0, 0, 0, 0, /* Ethernet padding: not payload */
	};
	struct pl_l7_pkt p;

	TEST_BEGIN("pkt: UDP payload bounded by the IP total length; fragments; cut headers");
	CHECK_EQ(pl_l7_pkt_decode(ip, sizeof(ip), &p), 0);
	CHECK_EQ(p.dport, 53);
	CHECK_EQ(p.payload_len, 4);
	ip[6] = 0, ip[7] = 8; /* a later fragment */
	CHECK_EQ(pl_l7_pkt_decode(ip, sizeof(ip), &p), 0);
	CHECK_EQ(p.fragment, 1);
	CHECK(!p.payload, "fragment has no payload");
	ip[7] = 0;
	CHECK_EQ(pl_l7_pkt_decode(ip, 24, &p), 0);
	CHECK(!p.payload && !p.dport, "cut UDP header");
	CHECK_EQ(pl_l7_pkt_decode(ip, 19, &p), (unsigned long long)-EINVAL);
	ip[0] = 0x4f; /* header length 60 beyond the data */
	CHECK_EQ(pl_l7_pkt_decode(ip, sizeof(ip), &p), (unsigned long long)-EINVAL);
	TEST_END();
}

/* The EVE line of a flow with hostile metadata parses back with the same strings. */
static void test_eve_alert(void)
{
	struct pl_l7_eve_flow fl = {
		.flow_id = 7, .family = 4, .proto = 6, .src = { 198, 18, 0, 9 },
		.dst = { 198, 18, 0, 1 }, .sport = 5555, .dport = 22,
	};
	json_object *ev = json_object_new_object(), *o, *x, *y;
	struct pl_eve_alert a = {
		.ts_ns = 2000000000ull, .sid = 2100001, .rev = 2, .signature = "scan \"x\"",
		.category = "Attempted Information Leak", .severity = 2,
		.action = PL_EVE_WOULD_BLOCK, .evidence = ev,
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	TEST_BEGIN("eve: alert event with Suricata's alert fields and the evidence");
	json_object_object_add(ev, "distinct_ports", json_object_new_int(300));
	CHECK_EQ(pl_l7_eve_alert(f, &fl, &a), 1);
	fclose(f);
	json_object_put(ev); /* the writer took its own reference */
	o = json_tokener_parse(buf);
	CHECK(o && json_object_object_get_ex(o, "event_type", &x) &&
		      !strcmp(json_object_get_string(x), "alert"), "event_type alert: %s", buf);
	CHECK(o && json_object_object_get_ex(o, "src_ip", &x) &&
		      !strcmp(json_object_get_string(x), "198.18.0.9"), "src_ip");
	CHECK(o && json_object_object_get_ex(o, "dest_port", &x) && json_object_get_int(x) == 22,
	      "dest_port");
	CHECK(o && json_object_object_get_ex(o, "alert", &x), "alert object");
	CHECK(o && json_object_object_get_ex(x, "action", &y) &&
		      !strcmp(json_object_get_string(y), "would-block"), "action");
	CHECK(o && json_object_object_get_ex(x, "signature_id", &y) &&
		      json_object_get_int(y) == 2100001, "signature_id");
	CHECK(o && json_object_object_get_ex(x, "gid", &y) && json_object_get_int(y) == 1, "gid");
	CHECK(o && json_object_object_get_ex(x, "signature", &y) &&
		      !strcmp(json_object_get_string(y), "scan \"x\""), "signature");
	CHECK(o && json_object_object_get_ex(x, "severity", &y) && json_object_get_int(y) == 2,
	      "severity");
	CHECK(o && !json_object_object_get_ex(o, "flow", &x), "no flow object without counts");
	CHECK(o && json_object_object_get_ex(o, "pktlens", &x) &&
		      json_object_object_get_ex(x, "distinct_ports", &y) &&
		      json_object_get_int(y) == 300, "evidence");
	json_object_put(o);
	free(buf);
	TEST_END();
}

static void test_eve(void)
{
	static struct pl_l7_meta m;
	struct pl_l7_verdict v = { .done = 1, .master_id = 7, .app_id = 7 };
	struct pl_l7_eve_flow fl = {
		.flow_id = 42, .family = 4, .proto = 6, .src = { 10, 0, 0, 1 },
		.dst = { 10, 0, 0, 2 }, .sport = 40000, .dport = 8080, .pkts_toserver = 3,
		.pkts_toclient = 2, .bytes_toserver = 300, .bytes_toclient = 200,
		.start_ns = 1000000000ull, .end_ns = 3000000000ull, .state = "closed",
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int lines = 0, http = 0, flow = 0;

	strcpy(v.name, "HTTP"), strcpy(v.master, "HTTP"), strcpy(v.app, "HTTP");
	strcpy(v.category, "Web");
	m.http.have_request = 1;
	strcpy(m.http.method, "GET");
	strcpy(m.http.url, "/a\"b\\c\n\x01\xc3\xa9\xff");
	strcpy(m.http.host, "h.example:8080");
	TEST_BEGIN("eve: one JSON object a line, Suricata's fields, bytes escaped");
	CHECK_EQ(pl_l7_eve_write(f, PL_L7_EVE_APP | PL_L7_EVE_FLOW, &fl, &v, &m), 2);
	fclose(f);
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		json_object *o = json_tokener_parse(line), *x, *y;
		const char *type;

		lines++;
		CHECK(o && json_object_is_type(o, json_type_object), "line %d not an object", lines);
		if (!o)
			continue;
		CHECK(json_object_object_get_ex(o, "event_type", &x), "event_type");
		type = json_object_get_string(x);
		CHECK(json_object_object_get_ex(o, "src_port", &x) &&
			      json_object_get_int(x) == 40000, "src_port");
		CHECK(json_object_object_get_ex(o, "app_proto", &x) &&
			      !strcmp(json_object_get_string(x), "http"), "app_proto");
		if (!strcmp(type, "http")) {
			http++;
			CHECK(json_object_object_get_ex(o, "http", &x), "http object");
			CHECK(json_object_object_get_ex(x, "url", &y) &&
				      !strcmp(json_object_get_string(y),
					      "/a\"b\\c\n\x01\\xc3\\xa9\\xff"),
			      "url %s", json_object_get_string(y));
			CHECK(json_object_object_get_ex(x, "hostname", &y) &&
				      !strcmp(json_object_get_string(y), "h.example"), "hostname");
			CHECK(json_object_object_get_ex(x, "http_port", &y) &&
				      json_object_get_int(y) == 8080, "http_port");
		} else if (!strcmp(type, "flow")) {
			flow++;
			CHECK(json_object_object_get_ex(o, "flow", &x), "flow object");
			CHECK(json_object_object_get_ex(x, "bytes_toclient", &y) &&
				      json_object_get_int(y) == 200, "bytes_toclient");
			CHECK(json_object_object_get_ex(x, "age", &y) && json_object_get_int(y) == 2,
			      "age");
		}
		json_object_put(o);
	}
	CHECK(lines == 2 && http == 1 && flow == 1, "%d lines %d http %d flow", lines, http, flow);
	TEST_END();
	free(buf);

	TEST_BEGIN("eve: valid UTF-8 kept, invalid as \\xNN");
	{
		json_object *s = pl_l7_eve_string("\xc3\xa9", 2), *t = pl_l7_eve_string("\xc3(", 2);

		CHECK(!strcmp(json_object_get_string(s), "\xc3\xa9"), "utf-8 kept");
		CHECK(!strcmp(json_object_get_string(t), "\\xc3("), "invalid escaped: %s",
		      json_object_get_string(t));
		json_object_put(s);
		json_object_put(t);
	}
	TEST_END();
}

/* The engine on a DNS query and response: nDPI names it, the parser reads it. */
static void test_classify(void)
{
	uint8_t q[20 + 8 + sizeof(dns_resp)];
	struct pl_l7_flow *f;
	struct pl_l7_engine *e;
	int err;

	TEST_BEGIN("classify: a DNS exchange is DNS with its name");
	e = pl_l7_engine_new(&err);
	CHECK(e, "engine: %d", err);
	if (!e) {
		TEST_END();
		return;
	}
	f = pl_l7_flow_new(e);
	memset(q, 0, sizeof(q));
	q[0] = 0x45, q[3] = sizeof(q), q[8] = 64, q[9] = 17;
	q[12] = 10, q[15] = 2, q[16] = 10, q[19] = 1;
	q[20] = 0, q[21] = 53, q[22] = 0x9c, q[23] = 0x40, q[25] = 8 + sizeof(dns_resp);
	memcpy(q + 28, dns_resp, sizeof(dns_resp));
	pl_l7_feed(e, f, PL_L7_DIR_TOCLIENT, 1000000, q, sizeof(q));
	pl_l7_finish(e, f);
	CHECK(!strcmp(pl_l7_verdict(f)->master, "DNS"), "verdict %s", pl_l7_verdict(f)->name);
	CHECK(!strcmp(pl_l7_meta(f)->dns.qname, "www.example.com"), "qname");
	CHECK_EQ(pl_l7_feed(e, f, 0, 0, (const uint8_t *)"x", 1), 1);
	pl_l7_flow_free(f);
	pl_l7_engine_free(e);
	TEST_END();
}

int main(void)
{
	test_dns();
	test_dns_hostile();
	test_http();
	test_tls();
	test_ssh();
	test_stream();
	test_pkt();
	test_eve();
	test_eve_alert();
	test_classify();
	return check_summary();
}
