/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * quic.h - the TLS ClientHello inside a QUIC client's Initial packets (RFC 9000/9001,
 * QUIC v1, v2 (RFC 9369) and drafts 23-34): each Initial is unprotected with the keys
 * derived from its Destination Connection ID, its CRYPTO frames are put in place by
 * their offsets (in any order, over several packets: Chrome splits and shuffles the
 * hello), and once the hello's bytes are there it is read with the TLS parser. Only
 * what lies inside both the datagram and the lengths it declares is read.
 */
#ifndef PL_L7_QUIC_H
#define PL_L7_QUIC_H

#include <stddef.h>
#include <stdint.h>
#include "l7/meta.h"
#include "l7/tls.h"

/* The client's CRYPTO stream start, gathered in place. */
struct pl_l7_quic {
	uint8_t crypto[PL_L7_TLS_MAX];
	uint8_t have[PL_L7_TLS_MAX / 8]; /* which bytes of crypto[] arrived */
	uint8_t done;                    /* the hello was read */
	uint8_t dcil;                    /* the first client Initial's DCID: its keys */
	uint8_t dcid[20];                /* hold for later Initials (RFC 9001 5.2) */
};

/*
 * The client's Initial keys for @version and the Destination Connection ID @dcid
 * (RFC 9001 5.2; RFC 9369 for v2): AEAD key, IV and header protection key. Returns 0,
 * or -EINVAL for a version this reader does not know.
 */
int pl_l7_quic_client_keys(uint32_t version, const uint8_t *dcid, size_t dcil,
			   uint8_t key[16], uint8_t iv[12], uint8_t hp[16]);

/* Whether @d looks like a QUIC long-header packet of a version this reader knows. */
int pl_l7_quic_looks_like(const uint8_t *d, size_t n);

/*
 * One UDP payload of the flow (coalesced packets included). Fills @t's client fields
 * when the ClientHello is complete. Returns 1 when the hello was read now, 0 otherwise
 * (not an Initial of a known version, not decryptable, hello not whole yet).
 */
int pl_l7_quic_packet(struct pl_l7_quic *q, const uint8_t *d, size_t n, uint64_t ts_ns,
		      struct pl_l7_tls *t);

#endif
