/* SPDX-License-Identifier: BSD-2-Clause */
/* pkt_line.h - one line per packet in a compact tcpdump -n style. */
#ifndef PL_PKT_LINE_H
#define PL_PKT_LINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* How packets are printed: tcpdump's -#, -t, -e, -x/-xx, -X/-XX and -A. Zero: the default. */
struct pl_line_fmt {
	/* times -t was given: 0 time of day, 1 none, 2 Unix seconds, 3 since the previous
	 * packet, 4 date and time of day, 5 since the first packet */
	unsigned int ts;
	bool link;          /* -e: MAC addresses, EtherTypes and VLAN tags first */
	unsigned int hex;   /* times -x or -X was given: 1 after the link header, 2 all */
	bool hex_ascii;     /* -X: the bytes as ASCII beside the hex */
	bool ascii;         /* -A: the bytes after the link header as ASCII */
	bool number;        /* -#: each line starts with the packet's number */
	unsigned long long count;  /* packets printed so far */
	uint64_t first_ns, prev_ns; /* the state -ttt and -ttttt need */
	bool seen;
};

/*
 * Describe an Ethernet frame as @fmt says (NULL: the default line); never reads
 * beyond @caplen. Ends with a newline.
 */
void pl_pkt_line(FILE *f, struct pl_line_fmt *fmt, const uint8_t *d, uint32_t caplen,
		 uint32_t wire_len, uint64_t ts_ns);

#endif
