// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_pkt_line.c - libFuzzer target for capture's text lines (src/sinks/pkt_line*.c):
 * an arbitrary frame, cut at an arbitrary capture length, is described. Nothing may
 * read beyond the captured bytes (the frame sits in a buffer of exactly that size),
 * and the description must be one line of printable ASCII (dumps: tabs and line breaks
 * too): a hostile packet must not be able to put control characters on the user's
 * terminal. Every output form (-e, -x, -X, -A, -t...) is fuzzed. `make fuzz` runs it.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sinks/pkt_line.h"

/* tcpdump's -e, -x, -xx, -X, -XX, -A and -t forms, chosen by 3 bits of the input. */
static void pick_fmt(struct pl_line_fmt *fmt, unsigned int k)
{
	static const struct pl_line_fmt forms[8] = {
		{ 0 },
		{ .link_header = true, .ts = 2, .number = true },
		{ .hex = 1, .ts = 3 },
		{ .hex = 2, .ts = 4 },
		{ .hex_ascii = 1, .ts = 5 },
		{ .hex_ascii = 2, .link_header = true, .ts = 1 },
		{ .ascii = 1 },
		{ .ascii = 2, .link_header = true },
	};

	*fmt = forms[k & 7];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_line_fmt fmt;
	uint32_t caplen, wire_len;
	uint8_t *frame;
	char *out = NULL;
	size_t out_len = 0;
	bool dump;
	FILE *f;

	/*
	 * Input: 2 bytes, of which the top 3 bits pick the output form and the other 13
	 * give the extra wire length (a frame cut by -s); then the frame.
	 */
	if (size < 2)
		return 0;
	pick_fmt(&fmt, data[0] >> 5);
	dump = fmt.hex || fmt.hex_ascii || fmt.ascii;
	wire_len = (uint32_t)(size - 2) + (uint32_t)((data[0] & 0x1f) << 8 | data[1]);
	caplen = (uint32_t)(size - 2);
	frame = malloc(caplen ? caplen : 1);
	if (!frame)
		abort();
	memcpy(frame, data + 2, caplen);
	f = open_memstream(&out, &out_len);
	if (!f)
		abort();
	pl_pkt_line(f, &fmt, frame, caplen, wire_len, 1700000000123456789ull);
	fclose(f);
	if (!out_len || out[out_len - 1] != '\n')
		abort();
	/* Dumps may hold the packet's own line breaks and tabs, nothing else below 0x20. */
	for (size_t i = 0; i + 1 < out_len; i++)
		if ((out[i] < 0x20 || out[i] > 0x7e) &&
		    !(dump && (out[i] == '\n' || out[i] == '\t')))
			abort();
	free(out);
	free(frame);
	return 0;
}
