// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_pkt_line.c - libFuzzer target for capture's text lines (src/sinks/pkt_line*.c):
 * an arbitrary frame, cut at an arbitrary capture length, is described. Nothing may
 * read beyond the captured bytes (the frame sits in a buffer of exactly that size),
 * and the description must be one line of printable ASCII: a hostile packet must not
 * be able to put control characters on the user's terminal. `make fuzz` runs it.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sinks/pkt_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t caplen, wire_len;
	uint8_t *frame;
	char *out = NULL;
	size_t out_len = 0;
	FILE *f;

	/* Input: 2 bytes of extra wire length (a frame cut by -s), then the frame. */
	if (size < 2)
		return 0;
	wire_len = (uint32_t)(size - 2) + (uint32_t)(data[0] << 8 | data[1]);
	caplen = (uint32_t)(size - 2);
	frame = malloc(caplen ? caplen : 1);
	if (!frame)
		abort();
	memcpy(frame, data + 2, caplen);
	f = open_memstream(&out, &out_len);
	if (!f)
		abort();
	pl_pkt_line(f, frame, caplen, wire_len, 1700000000123456789ull);
	fclose(f);
	if (!out_len || out[out_len - 1] != '\n')
		abort();
	for (size_t i = 0; i + 1 < out_len; i++)
		if (out[i] < 0x20 || out[i] > 0x7e)
			abort();
	free(out);
	free(frame);
	return 0;
}
