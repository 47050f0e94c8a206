// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of service latency's pairing (src/perf/svc_track.c): every request and
 * answer of one flow, fed as decoded packets with times the test sets, against the
 * service figures it must give (perf/svc.c's JSON): HTTP keep-alive and pipelined
 * requests (deeper than the queue), a 100 Continue before the real answer, a resent
 * request segment, pairs seen before the flow was classified; DNS queries on one
 * 5-tuple answered out of order by id, a resent query, an answer to no query, DNS over
 * TCP with two messages in one segment; a flow the L7 parsers did not call DNS or HTTP
 * counts nothing.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "check.h"
#include "l7/pkt.h"
#include "perf/svc.h"
#include "perf/svc_track.h"
#include "sinks/json.h"

#define MS 1000000ull

static uint32_t seq[2];

/* A TCP segment of the flow 198.18.0.1:40000 -> :@port (to_server) or back. */
static void tcp(struct pl_svc_track *t, unsigned int port, int to_server, const char *data,
		uint64_t ms)
{
	struct pl_l7_pkt p = { .family = 4, .l4proto = IPPROTO_TCP, .tcp_flags = 0x18 };

	p.sport = (uint16_t)(to_server ? 40000 : port);
	p.dport = (uint16_t)(to_server ? port : 40000);
	p.seq = seq[!to_server];
	p.payload = (const uint8_t *)data;
	p.payload_len = strlen(data);
	seq[!to_server] += (uint32_t)p.payload_len;
	pl_svc_track_pkt(t, &p, to_server, ms * MS);
}

static void udp(struct pl_svc_track *t, int to_server, const uint8_t *m, size_t n, uint64_t ms)
{
	struct pl_l7_pkt p = { .family = 4, .l4proto = IPPROTO_UDP, .payload = m,
			       .payload_len = n };

	p.sport = (uint16_t)(to_server ? 40000 : 53);
	p.dport = (uint16_t)(to_server ? 53 : 40000);
	pl_svc_track_pkt(t, &p, to_server, ms * MS);
}

/* A DNS query (or response with @rcode, @resp) for a.example, id @id, into @m. */
static size_t dns(uint8_t *m, uint16_t id, int resp, unsigned int rcode)
{
	static const uint8_t q[] = { 1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1 };
	uint16_t fl = resp ? (uint16_t)(0x8180 | rcode) : 0x0100;
	uint8_t h[12] = { (uint8_t)(id >> 8), (uint8_t)id, (uint8_t)(fl >> 8), (uint8_t)fl, 0, 1 };

	memcpy(m, h, sizeof(h));
	memcpy(m + sizeof(h), q, sizeof(q));
	return sizeof(h) + sizeof(q);
}

static struct pl_flow_key key(unsigned int proto, unsigned int port)
{
	struct pl_flow_key k = { .proto = (uint8_t)proto, .family = 4 };

	k.port_a = htons(40000);
	k.port_b = htons((uint16_t)port);
	return k;
}

/* The service's "requests answered avg min max codes" from the JSON. */
static void figures(struct pl_svc *s, const char *svc, unsigned int port, char *out, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	struct json_object *root, *arr;
	struct pl_json j;

	snprintf(out, len, "none");
	pl_json_init(&j, f, false);
	pl_json_begin_obj(&j, NULL);
	pl_svc_json(&j, s, 10);
	pl_json_end_obj(&j);
	pl_json_finish(&j);
	fclose(f);
	root = json_tokener_parse(buf);
	free(buf);
	if (!root || !json_object_object_get_ex(root, "service_latency", &arr))
		return;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *v, *l, *c;
		char codes[128] = "";

		json_object_object_get_ex(e, "service", &v);
		if (strcmp(json_object_get_string(v), svc))
			continue;
		json_object_object_get_ex(e, "port", &v);
		if ((unsigned int)json_object_get_int(v) != port)
			continue;
		if (!json_object_object_get_ex(e, "rcodes", &c))
			json_object_object_get_ex(e, "status_classes", &c);
		json_object_object_foreach(c, k, cv)
			if (json_object_get_int(cv))
				snprintf(codes + strlen(codes), sizeof(codes) - strlen(codes), " %s=%d",
					 k, json_object_get_int(cv));
		json_object_object_get_ex(e, "requests", &v);
		json_object_object_get_ex(e, "latency_ms", &l);
		if (json_object_get_type(l) != json_type_object) {
			snprintf(out, len, "%d -%s", json_object_get_int(v), codes);
			break;
		}
		{
			struct json_object *a, *mn, *mx, *an;

			json_object_object_get_ex(e, "answered", &an);
			json_object_object_get_ex(l, "avg", &a);
			json_object_object_get_ex(l, "min", &mn);
			json_object_object_get_ex(l, "max", &mx);
			snprintf(out, len, "%d %d %.1f %.1f %.1f%s", json_object_get_int(v),
				 json_object_get_int(an), json_object_get_double(a),
				 json_object_get_double(mn), json_object_get_double(mx), codes);
		}
		break;
	}
	json_object_put(root);
}

#define CHECK_FIG(s, svc, port, want)                                                      \
	do {                                                                               \
		char got_[256];                                                            \
		figures((s), (svc), (port), got_, sizeof(got_));                           \
		CHECK(!strcmp(got_, (want)), "%s/%u: got '%s', want '%s'", (svc), (port),  \
		      got_, (want));                                                       \
	} while (0)

static void test_http(void)
{
	struct pl_svc *s = pl_svc_new();
	struct pl_svc_track *t = pl_svc_track_new();
	struct pl_flow_key k = key(IPPROTO_TCP, 8081);

	TEST_BEGIN("svc_track: HTTP keep-alive, pipelining, 100 Continue, a resent request");
	seq[0] = seq[1] = 1000;
	/* Before classification: two requests in sequence. */
	tcp(t, 8081, 1, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", 0);
	tcp(t, 8081, 0, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 30);
	tcp(t, 8081, 1, "GET /b HTTP/1.1\r\nHost: x\r\n\r\n", 40);
	CHECK_FIG(s, "http", 8081, "none");
	CHECK_EQ(pl_svc_track_bind(t, s, &k, PL_DIR_A_TO_B, 0, 1), 1);
	/* The second's answer after the bind; its request segment resent meanwhile. */
	seq[0] -= 28;
	tcp(t, 8081, 1, "GET /b HTTP/1.1\r\nHost: x\r\n\r\n", 45);
	tcp(t, 8081, 0, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 60);
	/* Two pipelined, the first with a 100 Continue before its answer. */
	tcp(t, 8081, 1, "POST /c HTTP/1.1\r\nExpect: 100-continue\r\n\r\n", 100);
	tcp(t, 8081, 1, "GET /d HTTP/1.1\r\n\r\n", 101);
	tcp(t, 8081, 0, "HTTP/1.1 100 Continue\r\n\r\n", 102);
	tcp(t, 8081, 0, "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n", 150);
	tcp(t, 8081, 0, "HTTP/1.1 204 No Content\r\n\r\n", 171);
	/* A body segment is no answer; a request left without one stays unanswered. */
	tcp(t, 8081, 1, "GET /e HTTP/1.1\r\n\r\n", 200);
	tcp(t, 8081, 0, "<html>HTTP/1.1 200</html>", 210);
	/* 30, 20, 50, 70 ms; 5 requests, 4 answered. */
	CHECK_FIG(s, "http", 8081, "5 4 42.5 20.0 70.0 2xx=2 4xx=1 5xx=1");
	pl_svc_track_free(t);
	pl_svc_free(s);
	TEST_END();
}

static void test_http_deep(void)
{
	struct pl_svc *s = pl_svc_new();
	struct pl_svc_track *t = pl_svc_track_new();
	struct pl_flow_key k = key(IPPROTO_TCP, 80);

	TEST_BEGIN("svc_track: 10 pipelined requests, 8 queued: the answers pair in order");
	seq[0] = seq[1] = 1;
	CHECK_EQ(pl_svc_track_bind(t, s, &k, PL_DIR_A_TO_B, 0, 1), 1);
	for (int i = 0; i < 10; i++)
		tcp(t, 80, 1, "GET / HTTP/1.1\r\n\r\n", (uint64_t)i);
	/* each answer 10 ms after its own request: the ninth and tenth pair with nothing */
	for (int i = 0; i < 10; i++)
		tcp(t, 80, 0, "HTTP/1.1 200 OK\r\n\r\n", (uint64_t)i + 10);
	CHECK_FIG(s, "http", 80, "10 8 10.0 10.0 10.0 2xx=8");
	pl_svc_track_free(t);
	pl_svc_free(s);
	TEST_END();
}

static void test_dns(void)
{
	struct pl_svc *s = pl_svc_new();
	struct pl_svc_track *t = pl_svc_track_new();
	struct pl_flow_key k = key(IPPROTO_UDP, 53);
	uint8_t m[64];

	TEST_BEGIN("svc_track: DNS queries on one 5-tuple paired by id, out of order");
	udp(t, 1, m, dns(m, 1, 0, 0), 0);
	udp(t, 1, m, dns(m, 2, 0, 0), 5);
	udp(t, 1, m, dns(m, 2, 0, 0), 8); /* resent: the same request */
	udp(t, 0, m, dns(m, 9, 1, 0), 9); /* answers nothing asked */
	udp(t, 0, m, dns(m, 2, 1, 3), 25);
	CHECK_EQ(pl_svc_track_bind(t, s, &k, PL_DIR_A_TO_B, 1, 0), 1);
	udp(t, 0, m, dns(m, 1, 1, 0), 40);
	udp(t, 1, m, dns(m, 3, 0, 0), 50);
	udp(t, 0, m, dns(m, 3, 1, 2), 60);
	udp(t, 0, m, dns(m, 3, 1, 2), 61); /* a second answer pairs with nothing */
	/* 20, 40, 10 ms */
	CHECK_FIG(s, "dns", 53, "3 3 23.3 10.0 40.0 NOERROR=1 SERVFAIL=1 NXDOMAIN=1");
	pl_svc_track_free(t);
	pl_svc_free(s);
	TEST_END();

	TEST_BEGIN("svc_track: DNS over TCP, two messages in one segment");
	s = pl_svc_new();
	t = pl_svc_track_new();
	k = key(IPPROTO_TCP, 53);
	{
		uint8_t seg[128];
		size_t a = dns(seg + 2, 7, 0, 0), b;
		struct pl_l7_pkt p = { .family = 4, .l4proto = IPPROTO_TCP, .sport = 40000,
				       .dport = 53, .seq = 1, .payload = seg };

		seg[0] = 0;
		seg[1] = (uint8_t)a;
		b = dns(seg + 4 + a, 8, 0, 0);
		seg[2 + a] = 0;
		seg[3 + a] = (uint8_t)b;
		p.payload_len = 4 + a + b;
		pl_svc_track_pkt(t, &p, 1, 0);
		b = dns(seg + 2, 8, 1, 0);
		seg[1] = (uint8_t)b;
		p = (struct pl_l7_pkt){ .family = 4, .l4proto = IPPROTO_TCP, .sport = 53,
					.dport = 40000, .seq = 1, .payload = seg,
					.payload_len = 2 + b };
		pl_svc_track_pkt(t, &p, 0, 15 * MS);
	}
	CHECK_EQ(pl_svc_track_bind(t, s, &k, PL_DIR_A_TO_B, 1, 0), 1);
	CHECK_FIG(s, "dns", 53, "2 1 15.0 15.0 15.0 NOERROR=1");
	pl_svc_track_free(t);
	pl_svc_free(s);
	TEST_END();

	TEST_BEGIN("svc_track: a flow that is neither DNS nor HTTP counts nothing");
	s = pl_svc_new();
	t = pl_svc_track_new();
	k = key(IPPROTO_UDP, 53);
	udp(t, 1, m, dns(m, 1, 0, 0), 0);
	udp(t, 0, m, dns(m, 1, 1, 0), 3);
	CHECK_EQ(pl_svc_track_bind(t, s, &k, PL_DIR_A_TO_B, 0, 0), 0);
	CHECK_FIG(s, "dns", 53, "none");
	pl_svc_track_free(t);
	pl_svc_free(s);
	TEST_END();
}

int main(void)
{
	test_http();
	test_http_deep();
	test_dns();
	return check_summary();
}
