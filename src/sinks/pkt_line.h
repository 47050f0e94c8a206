/* SPDX-License-Identifier: BSD-2-Clause */
/* pkt_line.h - one line per packet in a compact tcpdump -n style. */
#ifndef PL_PKT_LINE_H
#define PL_PKT_LINE_H

#include <stdint.h>
#include <stdio.h>

/* Describe an Ethernet frame; never reads beyond @caplen. */
void pl_pkt_line(FILE *f, const uint8_t *d, uint32_t caplen, uint32_t wire_len, uint64_t ts_ns);

#endif
