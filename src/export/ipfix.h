/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ipfix.h - an IPFIX exporter (RFC 7011) over UDP: flow records with the information
 * elements of RFC 7012 (IANA's registry) and pktlens's own enterprise-specific ones
 * (RTT, application and server names: PL_PIE_*), one template for IPv4 flows and one for
 * IPv6, sent at the start, every template_refresh_s seconds and after a failed send (a
 * collector that comes back knows them again). One record is one direction of a flow.
 * An options template maps the applicationId selectors used to their names (RFC 6759):
 * each new one is announced before the first record that carries it, and all of them
 * again with the templates.
 *
 * The encoders (pl_ipfix_put_*) are pure and write big-endian bytes into a buffer; the
 * exporter (struct pl_ipfix) packs records into messages of at most PL_IPFIX_MSG_MAX
 * bytes and sends them. It is used by one thread; pl_ipfix_get_stats() may be called
 * from any other.
 */
#ifndef PL_EXPORT_IPFIX_H
#define PL_EXPORT_IPFIX_H

#include <stddef.h>
#include <sys/socket.h>
#include <linux/types.h>

#define PL_IPFIX_VERSION 10
#define PL_IPFIX_PORT 4739           /* IANA's port for IPFIX */
#define PL_IPFIX_MSG_MAX 1400        /* fits an Ethernet MTU with IPv6 and UDP headers */
#define PL_IPFIX_HDR_LEN 16
#define PL_IPFIX_SET_HDR_LEN 4
#define PL_IPFIX_SET_TEMPLATE 2
#define PL_IPFIX_TPL_V4 256
#define PL_IPFIX_TPL_V6 257
#define PL_IPFIX_SET_OPTIONS 3
#define PL_IPFIX_TPL_APPS 258        /* options: applicationId -> applicationName */
#define PL_IPFIX_APPS_MAX 512        /* application names remembered and announced */
#define PL_IPFIX_DEFAULT_REFRESH 60  /* seconds between template sends */

/*
 * pktlens's enterprise-specific elements are numbered under PL_IPFIX_PEN, RFC 5612's
 * Private Enterprise Number for documentation: a placeholder until pktlens registers
 * one with IANA (a collector maps them by this number and the element ids below).
 */
#define PL_IPFIX_PEN 32473
enum pl_ipfix_pie {
	PL_PIE_RTT_MIN_US = 1,   /* unsigned32: the flow's least TCP RTT, microseconds */
	PL_PIE_RTT_AVG_US = 2,   /* unsigned32: its mean RTT */
	PL_PIE_RTT_MAX_US = 3,   /* unsigned32: its largest RTT */
	PL_PIE_RTT_SAMPLES = 4,  /* unsigned32: RTT samples (0: no RTT, the three are 0) */
	PL_PIE_APP_NAME = 5,     /* string: nDPI's "master.app" name ("TLS.Google") */
	PL_PIE_SERVER_NAME = 6,  /* string: TLS SNI, else HTTP host, else DNS query name */
};

/* flowEndReason (IE 136). */
enum pl_ipfix_end {
	PL_IPFIX_END_IDLE = 1,
	PL_IPFIX_END_ACTIVE = 2,
	PL_IPFIX_END_EOF = 3,
	PL_IPFIX_END_FORCED = 4,
	PL_IPFIX_END_LACK = 5, /* the LRU flow table evicted it */
};

/* One direction of a flow. Addresses: IPv4 in the first 4 bytes. */
struct pl_ipfix_rec {
	__u8 family;            /* 4 or 6 */
	__u8 src[16], dst[16];  /* network order */
	__u16 sport, dport;     /* host order; 0 where the protocol has none */
	__u8 proto;
	__u16 tcp_flags;        /* tcpControlBits (RFC 7125) */
	__u16 vlan;             /* vlanId, 0: untagged */
	__u32 ifindex;          /* ingressInterface */
	__u64 octets;           /* octetDeltaCount: IP header and payload */
	__u64 l2_octets;        /* layer2OctetDeltaCount: the whole frames */
	__u64 packets;          /* packetDeltaCount */
	__u64 start_ms, end_ms; /* flowStartMilliseconds, flowEndMilliseconds (Unix) */
	__u8 end_reason;        /* enum pl_ipfix_end */
	/*
	 * applicationId (RFC 6759): a classification engine id and a 3-octet selector;
	 * pktlens's L7 exports PL_IPFIX_ENGINE_NDPI and nDPI's protocol id. 0: none known.
	 */
	__u8 app_engine;
	__u32 app_selector;
	/* enterprise-specific (PL_PIE_*); strings: NULL or "" for none, cut at 254 bytes */
	__u32 rtt_min_us, rtt_avg_us, rtt_max_us, rtt_samples;
	const char *app_name, *server_name;
	/* the name of app_selector alone ("Google"; the options record's applicationName) */
	const char *app_selector_name;
};
/* RFC 6759's "USER-Defined" classification engine: the selectors are nDPI's ids. */
#define PL_IPFIX_ENGINE_NDPI 6

/* Message header at @buf: @len bytes in all, exported at @export_s (Unix seconds). */
void pl_ipfix_put_header(__u8 *buf, size_t len, __u32 export_s, __u32 seq, __u32 domain);
/* The template set of both templates into @buf (@cap bytes); its length, 0 if short. */
size_t pl_ipfix_put_templates(__u8 *buf, size_t cap);
/* The options template set (RFC 6759's applicationId -> applicationName) into @buf. */
size_t pl_ipfix_put_options_template(__u8 *buf, size_t cap);
/* One applicationId -> applicationName options record into @buf; its length or 0. */
size_t pl_ipfix_put_app_name(__u8 *buf, size_t cap, __u32 app_id, const char *name);
/* Bytes the data record of @r takes (its strings are of variable length). */
size_t pl_ipfix_rec_len(const struct pl_ipfix_rec *r);
/* @r as a data record into @buf (@cap bytes); its length, 0 if short or bad family. */
size_t pl_ipfix_put_record(__u8 *buf, size_t cap, const struct pl_ipfix_rec *r);

struct pl_ipfix_opts {
	__u32 domain;                /* observation domain id */
	unsigned int template_refresh_s; /* 0: PL_IPFIX_DEFAULT_REFRESH */
};

struct pl_ipfix_stats {
	__u64 messages;       /* sent */
	__u64 records;        /* data records in messages sent */
	__u64 template_sends; /* template sets sent */
	__u64 send_errors;    /* sends that failed (collector down: ECONNREFUSED, ...) */
	__u64 records_lost;   /* data records in messages that could not be sent */
};

struct pl_ipfix;

/*
 * An exporter sending to @to over UDP (a connected socket). 0, or a negative errno
 * with the reason in @why. The caller frees it with pl_ipfix_close().
 */
int pl_ipfix_open(struct pl_ipfix **x, const struct sockaddr_storage *to,
		  const struct pl_ipfix_opts *o, char *why, size_t whylen);
/* The same on a datagram socket @fd the caller made (taken: closed by pl_ipfix_close). */
int pl_ipfix_open_fd(struct pl_ipfix **x, int fd, const struct pl_ipfix_opts *o);
/* Queue @r; a full message is sent. @now_ms: Unix time. */
void pl_ipfix_add(struct pl_ipfix *x, const struct pl_ipfix_rec *r, __u64 now_ms);
/* Send what is queued, and the templates first when they are due. */
void pl_ipfix_flush(struct pl_ipfix *x, __u64 now_ms);
/* The counters, from any thread. */
void pl_ipfix_get_stats(const struct pl_ipfix *x, struct pl_ipfix_stats *st);
/* The error of the last send that failed (positive errno), 0 if none did. */
int pl_ipfix_last_error(const struct pl_ipfix *x);
/* Frees (what is queued is dropped: pl_ipfix_flush() first); NULL is fine. */
void pl_ipfix_close(struct pl_ipfix *x);

#endif
