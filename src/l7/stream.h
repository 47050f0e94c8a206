/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stream.h - the first bytes of one direction of a TCP connection, in sequence
 * order: enough to read a message head that spans segments (a TLS ClientHello, an
 * HTTP request). Segments are appended only where they continue the bytes held;
 * retransmissions add only their new tail, and a segment after a gap ends the
 * stream (what follows a hole is never guessed at).
 */
#ifndef PL_L7_STREAM_H
#define PL_L7_STREAM_H

#include <stddef.h>
#include <stdint.h>

#define PL_L7_STREAM_MAX   4096
#define PL_L7_STREAM_MARKS 16

struct pl_l7_stream {
	uint32_t next_seq;  /* sequence number of the byte after buf[len - 1] */
	uint16_t len;
	uint8_t started;    /* next_seq is known (a SYN or the first data segment seen) */
	uint8_t closed;     /* a gap, or the buffer is full: nothing more is added */
	uint8_t n_marks;
	uint16_t marks[PL_L7_STREAM_MARKS]; /* offsets where a segment's new bytes began */
	uint8_t buf[PL_L7_STREAM_MAX];
};

/*
 * Add a segment (sequence number @seq, SYN flag @syn, payload @data[0..@len)).
 * Returns the number of new bytes appended (0: nothing new, or the stream is closed).
 */
size_t pl_l7_stream_add(struct pl_l7_stream *s, uint32_t seq, int syn, const uint8_t *data,
			size_t len);

#endif
