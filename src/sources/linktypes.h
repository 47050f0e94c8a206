/* SPDX-License-Identifier: BSD-2-Clause */
/* linktypes.h - the network packet inside PPP, Cisco HDLC, NFLOG and 802.11 frames. */
#ifndef PL_LINKTYPES_H
#define PL_LINKTYPES_H

#include <stdbool.h>
#include <stdint.h>

#define PL_DLT_PPP 9
#define PL_DLT_PPP_SERIAL 50
#define PL_DLT_C_HDLC 104
#define PL_DLT_IEEE802_11 105
#define PL_DLT_IEEE802_11_RADIO 127
#define PL_DLT_NFLOG 239

/*
 * For a frame of link type @dlt holding @caplen bytes at @d: where its network packet
 * starts (*off, at most caplen), how long it is at most (*len, UINT32_MAX: to the end
 * of the frame) and the EtherType to give it (*ethertype, 0: nothing pktlens opens).
 * Returns 1 for the link types above, 0 for any other.
 */
int pl_link_decap(int dlt, const uint8_t *d, uint32_t caplen, uint32_t *off, uint32_t *len,
		  uint16_t *ethertype);

#endif
