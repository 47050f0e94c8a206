// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_serve.c - what `pktlens serve` parses from outside: the query string of the
 * API (each key=value through pl_query_param, then the filters applied to flows),
 * request bodies (pl_reload_parse and the rules' block/unblock bodies, json-c
 * underneath), the Authorization header and
 * --listen. The first byte picks the parser; the rest is its input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "serve/query.h"
#include "serve/rules_api.h"
#include "serve/serve.h"

/* A few flows for the filters to run over: IPv4 and IPv6, TCP, UDP, ICMP. */
static void match_some(const struct pl_flow_query *q)
{
	struct pl_flow f[4];

	memset(f, 0, sizeof(f));
	f[0].key.family = 4, f[0].key.proto = 6;
	f[0].key.addr_a[2] = f[0].key.addr_b[2] = 0xffff0000u;
	f[0].key.addr_a[3] = 0x010012c6u, f[0].key.port_a = 0x5000;
	f[1].key.family = 6, f[1].key.proto = 17, f[1].key.addr_a[0] = 0xb80d0120u;
	f[2].key.family = 4, f[2].key.proto = 1, f[2].key.port_a = 0x5000;
	f[3].key.family = 6, f[3].key.proto = 132, f[3].key.vlan = 100;
	for (int i = 0; i < 4; i++) {
		f[i].val.packets[0] = (__u64)i * 7;
		f[i].val.last_seen_ns = (__u64)i;
		pl_query_match(q, &f[i]);
	}
	pl_query_sort(q, f, 4, sizeof(f[0]));
}

/* "k=v&k2&k3=v3", split as the query string is before libmicrohttpd hands it over. */
static void fuzz_query(char *s, int kind)
{
	struct pl_flow_query q;
	char why[256], *save = NULL;

	pl_query_init(&q);
	for (char *kv = strtok_r(s, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');

		if (eq)
			*eq++ = 0;
		if (pl_query_param(&q, kind, kv, eq, why, sizeof(why)))
			return;
	}
	match_some(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage ss;
	struct pl_reload_req r;
	struct pl_rules_req rr;
	const char *why, *tok;
	char *s, msg[512];
	size_t len;

	if (!size)
		return 0;
	/* Bodies may hold NUL bytes; the other inputs are C strings by then. */
	if (data[0] % 5 == 1) {
		pl_reload_parse((const char *)data + 1, size - 1, &r, msg, sizeof(msg));
		pl_rules_req_parse((const char *)data + 1, size - 1, true, &rr, msg, sizeof(msg));
		pl_rules_req_parse((const char *)data + 1, size - 1, false, &rr, msg, sizeof(msg));
		return 0;
	}
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = 0;
	switch (data[0] % 5) {
	case 0: fuzz_query(s, PL_Q_FLOWS); break;
	case 2: pl_listen_parse(s, &ss, &why); break;
	case 3: pl_token_from_header(s, &tok, &len); break;
	default: fuzz_query(s, PL_Q_IFACE_ONLY); break;
	}
	free(s);
	return 0;
}
