/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dns.h - a bounded DNS message parser (RFC 1035): the first question, the
 * response code and the first answers. Hostile messages are safe: every read is
 * bounds-checked, compression pointers must point strictly before the part of the
 * name that holds them (so a chain cannot loop), and names are cut at 255 bytes.
 */
#ifndef PL_L7_DNS_H
#define PL_L7_DNS_H

#include <stddef.h>
#include <stdint.h>
#include "l7/meta.h"

/*
 * Decode the (possibly compressed) name at @off of the message @msg[0..@len) into
 * @out (@outsz >= 2) as text: labels joined by '.', the root as "", control bytes as
 * \DDD. Sets *@truncated when the text did not fit. Returns the offset just past the
 * name where it starts, or -EINVAL when the name is malformed (runs past the message,
 * bad label type, a pointer that does not point backward, more than 128 labels).
 */
int pl_l7_dns_name(const uint8_t *msg, size_t len, size_t off, char *out, size_t outsz,
		   int *truncated);

/*
 * Parse one DNS message (a UDP payload, or a TCP message without its length prefix)
 * into @d: the first message with a question fills the query fields, the first
 * response the response fields; later messages change nothing. Returns 0 when the
 * message was read (fully or up to a damaged record after the question), -EINVAL
 * when it is not a DNS message (shorter than the header, or a malformed question).
 */
int pl_l7_dns_parse(const uint8_t *msg, size_t len, uint64_t ts_ns, struct pl_l7_dns *d);

/* Suricata's names of a record type ("A", "AAAA", ...) and a response code
 * ("NOERROR", ...); NULL when it has none (then the number is used). */
const char *pl_l7_dns_type_name(unsigned int type);
const char *pl_l7_dns_rcode_name(unsigned int rcode);

#endif
