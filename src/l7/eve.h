/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * eve.h - Suricata EVE JSON events of a flow (one JSON object per line), built with
 * json-c: event_type "flow", "dns", "http", "tls" and "ssh" with Suricata 7's field
 * names and time format, so pipelines written for Suricata's eve.json read them.
 * Strings are written as Suricata writes bytes: valid UTF-8 as it is, otherwise
 * bytes above 0x7f as the text \xNN; json-c escapes control bytes.
 */
#ifndef PL_L7_EVE_H
#define PL_L7_EVE_H

#include <stdint.h>
#include <stdio.h>
#include "l7/classify.h"
#include "l7/meta.h"

struct json_object;
struct pl_tcp_val;

/* What the caller knows of the flow; src is the side that started it (the client). */
struct pl_l7_eve_flow {
	uint64_t flow_id;
	const char *in_iface;     /* NULL: left out */
	const char *pcap_filename; /* offline: the capture, as Suricata's pcap-file mode */
	uint8_t family;           /* 4 or 6 */
	uint8_t proto;            /* IPPROTO_* */
	uint8_t src[16], dst[16]; /* addresses in network order (4 bytes for IPv4) */
	uint16_t sport, dport;
	uint16_t vlan;            /* 0: none */
	uint64_t pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient;
	uint64_t start_ns, end_ns;
	const char *state;        /* "new", "established", "closed" */
	const char *reason;       /* "timeout", "forced", "shutdown" */
	const struct pl_tcp_val *tcp; /* TCP RTT and health (src/perf/): a "tcp" object; NULL: none */
	uint8_t tcp_offline;      /* the record is of a capture (its RTT sides are named so) */
	/* alerts of detection (src/detect/): src_ip and dest_ip are of no one address;
	 * a flow_id, proto or port of 0 is unknown. Left out (optional in Suricata's EVE
	 * schema, etc/schema.json) rather than written as 0.0.0.0 or 0. */
	uint8_t no_addrs, zero_unknown;
};

/* Which events pl_l7_eve_write() writes. */
#define PL_L7_EVE_APP  1 /* dns (query and answer), http, tls, ssh: those with metadata */
#define PL_L7_EVE_FLOW 2

/*
 * Write the flow's events to @out, one line each: the application events first (as
 * they happened), then the flow event. @v and @m may be NULL (no classification).
 * Returns the number of lines written, -ENOMEM, or -EIO when @out failed.
 */
int pl_l7_eve_write(FILE *out, unsigned int what, const struct pl_l7_eve_flow *fl,
		    const struct pl_l7_verdict *v, const struct pl_l7_meta *m);

/* Suricata's time stamp ("2024-05-01T12:00:00.123456+0000", local time) into @buf. */
void pl_l7_eve_time(uint64_t ts_ns, char *buf, size_t n);

/*
 * A json-c string of @len bytes as Suricata writes bytes (see above); NULL when out of
 * memory. The caller owns the reference.
 */
struct json_object *pl_l7_eve_string(const char *s, size_t len);

/* Suricata's app_proto name for nDPI's verdict ("http", "tls", "dns", ...), or nDPI's
 * own name in lower case; NULL when unknown. @buf holds >= 32 bytes. */
const char *pl_l7_eve_app_proto(const struct pl_l7_verdict *v, char *buf);

/* alert.action as Suricata writes it; "would-block" is pktlens's (protect --dry-run). */
enum pl_eve_action { PL_EVE_ALLOWED, PL_EVE_BLOCKED, PL_EVE_WOULD_BLOCK };

/*
 * One alert: what detection or a signature says of the flow @fl of pl_l7_eve_alert().
 * The flow's src is the attacker's side (the packet that matched). Strings may be
 * NULL (written as ""); @evidence is the "pktlens" object (rate, window, threshold,
 * baseline, distinct ports/hosts, ...), borrowed: the writer takes its own reference.
 */
struct pl_eve_alert {
	uint64_t ts_ns;           /* when the evidence was seen (packet or capture time) */
	uint32_t gid, sid, rev;
	const char *signature;    /* the rule's msg */
	const char *category;     /* the classtype's description */
	unsigned int severity;    /* 1 (high) .. 4, the rule's priority */
	enum pl_eve_action action;
	const char *app_proto;    /* NULL: left out */
	struct json_object *evidence;
};

/*
 * The EVE "alert" event of @a on @fl as a json-c object (the caller owns it; NULL when
 * out of memory), and the same written as one line to @out (1, -ENOMEM or -EIO).
 * fl's packet and byte counts go in the "flow" object when any is non-zero.
 */
struct json_object *pl_l7_eve_alert_json(const struct pl_l7_eve_flow *fl,
					 const struct pl_eve_alert *a);
int pl_l7_eve_alert(FILE *out, const struct pl_l7_eve_flow *fl, const struct pl_eve_alert *a);

#endif
