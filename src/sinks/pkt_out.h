/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pkt_out.h - where `capture` puts a packet, live or from a file: a pcap or pcapng
 * writer (-w) or one line of text in tcpdump's forms; with -U each packet goes out
 * at once.
 */
#ifndef PL_PKT_OUT_H
#define PL_PKT_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "sinks/pkt_line.h"

struct pl_pcap_writer;

struct pl_pkt_out {
	struct pl_pcap_writer *w; /* NULL: print lines to text */
	FILE *text;
	struct pl_line_fmt fmt;   /* how lines look: -#, -t, -e, -x, -X, -A */
	bool each_packet;         /* -U */
};

/* 0, or a negative errno if writing failed (-EPIPE: the reader went away). */
int pl_pkt_out(struct pl_pkt_out *o, const uint8_t *frame, uint32_t caplen, uint32_t wire_len,
	       uint64_t ts_unix_ns);
/* Out with what is buffered (the source went idle); 0 or a negative errno. */
int pl_pkt_out_flush(struct pl_pkt_out *o);

#endif
