// SPDX-License-Identifier: BSD-2-Clause
#include <string.h>
#include "l7/stream.h"

size_t pl_l7_stream_add(struct pl_l7_stream *s, uint32_t seq, int syn, const uint8_t *data,
			size_t len)
{
	uint32_t skip;
	size_t room;

	if (syn) {
		/* The SYN takes one sequence number; data on a SYN (TFO) follows it. */
		if (!s->started) {
			s->started = 1;
			s->next_seq = seq + 1;
		}
		seq++;
	}
	if (s->closed || !len)
		return 0;
	if (!s->started) {
		s->started = 1;
		s->next_seq = seq;
	}
	/* Serial arithmetic: bytes before next_seq were had already. */
	skip = s->next_seq - seq;
	if ((int32_t)skip < 0) {
		s->closed = 1; /* a hole: later bytes cannot be placed */
		return 0;
	}
	if (skip >= len)
		return 0;
	data += skip;
	len -= skip;
	room = PL_L7_STREAM_MAX - s->len;
	if (len > room)
		len = room;
	if (s->n_marks < PL_L7_STREAM_MARKS)
		s->marks[s->n_marks++] = s->len;
	memcpy(s->buf + s->len, data, len);
	s->len = (uint16_t)(s->len + len);
	s->next_seq += (uint32_t)len;
	if (s->len == PL_L7_STREAM_MAX)
		s->closed = 1;
	return len;
}
