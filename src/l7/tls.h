/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tls.h - a bounded TLS handshake reader: the ClientHello's server name (SNI), ALPN
 * list and highest supported version, and the ServerHello's chosen version, cipher
 * and ALPN. Records may split a handshake message and a message may be cut by the
 * end of the data: whatever lies inside both the data and the lengths the message
 * declares is read, nothing beyond either.
 */
#ifndef PL_L7_TLS_H
#define PL_L7_TLS_H

#include <stddef.h>
#include <stdint.h>
#include "l7/meta.h"

#define PL_L7_TLS_MAX 4096 /* handshake bytes gathered from the records */

/*
 * Read TLS records from the start of @data[0..@len) (one direction of a stream, at
 * a record boundary) into @t: the first ClientHello fills the client fields, the first
 * ServerHello the server fields. A hello cut by the end of the data is left for a
 * later call with more data, unless @final says no more will come (then what there
 * is counts). Returns 1 when a hello was read, 0 when the data does not start with a
 * TLS handshake record or holds no complete hello yet.
 */
int pl_l7_tls_parse(const uint8_t *data, size_t len, int final, uint64_t ts_ns,
		    struct pl_l7_tls *t);

/*
 * The same for handshake messages without records (QUIC's CRYPTO stream): @hs holds
 * messages from the stream's start.
 */
int pl_l7_tls_handshake(const uint8_t *hs, size_t n, int final, uint64_t ts_ns,
			struct pl_l7_tls *t);

/* Whether @data starts with a TLS handshake record header (for resynchronising). */
int pl_l7_tls_looks_like(const uint8_t *data, size_t len);

/* Suricata's name of a TLS version: "TLS 1.2", "TLSv1", "SSLv3", ...; NULL if none. */
const char *pl_l7_tls_version_name(unsigned int version);

#endif
