/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pkt_line.h - capture's text: one line per packet in a compact tcpdump -n style,
 * followed by a dump of its bytes when asked (-x, -X, -A).
 */
#ifndef PL_PKT_LINE_H
#define PL_PKT_LINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * How packets are printed: tcpdump's -#, -t, -e, -x, -X and -A, each counted as often
 * as it was given (-xx: 2). All zero: the default.
 */
struct pl_line_fmt {
	/* -t: 0 time of day, 1 none, 2 Unix seconds, 3 since the previous packet,
	 * 4 date and time of day, 5 since the first packet */
	unsigned int ts;
	bool number;             /* -#: each line starts with the packet's number */
	bool link_header;        /* -e: MAC addresses, EtherTypes and VLAN tags first */
	unsigned int hex;        /* -x: hex after the link header; -xx: of the whole frame */
	unsigned int hex_ascii;  /* -X, -XX: the same with ASCII beside it (wins over -x) */
	unsigned int ascii;      /* -A, -AA: as text (when no -x or -X) */
	/* what -# and -ttt/-ttttt need from one packet to the next */
	unsigned long long printed; /* lines, invalid headers included (-#) */
	unsigned long long timed;   /* lines with a time stamp */
	uint64_t first_ns, prev_ns;
};

/*
 * Take tcpdump's option letter @opt ('#', 't', 'e', 'x', 'X', 'A') into @fmt; false
 * if it is not one of them.
 */
bool pl_line_fmt_opt(struct pl_line_fmt *fmt, int opt);

/*
 * Describe an Ethernet frame as @fmt says (NULL: the default line); never reads
 * beyond @caplen. Ends with a newline.
 */
void pl_pkt_line(FILE *f, struct pl_line_fmt *fmt, const uint8_t *d, uint32_t caplen,
		 uint32_t wire_len, uint64_t ts_ns);

/*
 * A record of a capture file whose lengths make no packet: tcpdump's line for it
 * ("[Invalid header: len==0]", numbered with -#) and true; false if they are sound.
 */
bool pl_line_invalid_header(FILE *f, struct pl_line_fmt *fmt, uint32_t caplen, uint32_t len);

#endif
