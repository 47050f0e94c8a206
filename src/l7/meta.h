/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * meta.h - the application metadata of one flow (DNS, HTTP, TLS, SSH, QUIC), in
 * fixed-size fields: a flow's metadata never allocates, and every string is
 * NUL-terminated and bounded. Strings hold the bytes seen on the wire (they may be
 * binary or invalid UTF-8); the JSON writer escapes them.
 */
#ifndef PL_L7_META_H
#define PL_L7_META_H

#include <stdint.h>

#define PL_L7_NAME_MAX    256  /* a DNS name in text form (255) + NUL; SNI, Host */
#define PL_L7_URL_MAX     2048 /* HTTP request target */
#define PL_L7_UA_MAX      512  /* HTTP User-Agent */
#define PL_L7_ALPN_MAX    128  /* ALPN protocols joined by ',' */
#define PL_L7_BANNER_MAX  256  /* SSH identification string (RFC 4253: 255 with CR LF) */
#define PL_L7_DNS_ANSWERS 8    /* answers kept of the first response (EVE: at most 8;
				* each takes ~540 bytes of every flow's metadata) */

/* A DNS resource record of an answer section. */
struct pl_l7_dns_rr {
	char name[PL_L7_NAME_MAX];
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	uint8_t addr_len; /* 4 (A) or 16 (AAAA): addr holds it; 0: data holds text */
	uint8_t addr[16];
	char data[PL_L7_NAME_MAX]; /* CNAME/NS/PTR/MX/SRV target name, TXT strings */
};

struct pl_l7_dns {
	uint8_t have_query;    /* a message was parsed: qname/qtype are set */
	uint8_t have_response; /* a response was parsed: rcode/answers are set */
	uint8_t name_truncated;
	uint8_t n_answers;     /* answers kept (up to PL_L7_DNS_ANSWERS) */
	uint16_t id;           /* of the first message */
	uint16_t flags;        /* of the first response (or query) */
	uint16_t qtype;
	uint16_t qclass;
	uint8_t rcode;         /* of the first response */
	uint16_t ancount;      /* answers the first response announced */
	uint64_t query_ts_ns;
	uint64_t response_ts_ns;
	char qname[PL_L7_NAME_MAX];
	struct pl_l7_dns_rr answers[PL_L7_DNS_ANSWERS];
};

struct pl_l7_http {
	uint8_t have_request;
	uint8_t have_response;
	uint8_t url_truncated;
	uint16_t status;
	uint64_t request_ts_ns;
	uint64_t response_ts_ns; /* of the packet that completed the first status line */
	char method[24];
	char protocol[16];  /* "HTTP/1.1" of the request line */
	char host[PL_L7_NAME_MAX];
	char url[PL_L7_URL_MAX];
	char user_agent[PL_L7_UA_MAX];
	char content_type[128]; /* of the response */
};

struct pl_l7_tls {
	uint8_t have_client_hello;
	uint8_t have_server_hello;
	uint8_t from_ndpi;        /* QUIC: the names are nDPI's (it decrypts the Initial) */
	uint16_t client_version;  /* highest of supported_versions, else legacy_version */
	uint16_t server_version;  /* supported_versions of the ServerHello, else legacy */
	uint16_t cipher;          /* chosen by the server */
	uint64_t ts_ns;           /* of the ClientHello (or the first hello seen) */
	uint32_t quic_version;    /* QUIC: of the first long-header packet; 0: none seen */
	char sni[PL_L7_NAME_MAX];
	char alpn_client[PL_L7_ALPN_MAX];
	char alpn_server[64];
	char ja3_client[33];      /* as nDPI computes it (MD5 hex), "" when none */
	char ja3_server[33];
};

struct pl_l7_ssh_side {
	uint8_t have;
	char proto_version[16];
	char software_version[PL_L7_BANNER_MAX];
	char comments[PL_L7_BANNER_MAX];
};

struct pl_l7_ssh {
	uint64_t ts_ns;
	struct pl_l7_ssh_side client, server;
	char hassh_client[33], hassh_server[33]; /* nDPI's */
};

struct pl_l7_meta {
	struct pl_l7_dns dns;
	struct pl_l7_http http;
	struct pl_l7_tls tls;
	struct pl_l7_ssh ssh;
};

#endif
