// SPDX-License-Identifier: BSD-2-Clause
/*
 * linktypes.c - where the network packet starts in frames of the point-to-point, NFLOG
 * and 802.11 link types, and which EtherType it gets behind the synthetic Ethernet
 * header (pcap_file.c): PPP (9), PPP in HDLC framing (50), Cisco HDLC (104), Linux
 * NFLOG (239), 802.11 (105) and 802.11 with radiotap (127). As tcpdump and tshark read
 * them; a frame with nothing pktlens opens (LCP, SLARP, management frames, encrypted
 * data) gets EtherType 0 and counts as l3 other.
 */
#include <string.h>
#include "sources/linktypes.h"

/* PPP protocol numbers (RFC 1661 and the IANA registry) to EtherTypes. */
static uint16_t ppp_ethertype(uint16_t proto)
{
	switch (proto) {
	case 0x0021: return 0x0800;
	case 0x0057: return 0x86dd;
	case 0x0281: return 0x8847;
	case 0x0283: return 0x8848;
	default: return 0;
	}
}

/* Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control, then an EtherType. */
static uint16_t chdlc(const uint8_t *d, uint32_t caplen, uint32_t *off)
{
	uint16_t t;

	if (caplen < 4)
		return *off = caplen, 0;
	*off = 4;
	t = d[2] << 8 | d[3];
	/* 0x8035 is Cisco's SLARP here, not RARP: nothing pktlens opens. */
	return t == 0x8035 ? 0 : t;
}

/*
 * PPP (RFC 1661), with or without the HDLC-like address and control bytes (0xff 0x03,
 * RFC 1662) and with a one-byte protocol field when it is odd (RFC 1661's compression).
 * PPP in HDLC framing may also hold Cisco HDLC, as tcpdump reads it.
 */
static uint16_t ppp(const uint8_t *d, uint32_t caplen, uint32_t *off)
{
	uint32_t i = 0;

	if (caplen >= 1 && (d[0] == 0x0f || d[0] == 0x8f))
		return chdlc(d, caplen, off);
	if (caplen >= 2 && d[0] == 0xff && d[1] == 0x03)
		i = 2;
	if (caplen < i + 1)
		return *off = caplen, 0;
	if (d[i] & 1) {
		*off = i + 1;
		return ppp_ethertype(d[i]);
	}
	if (caplen < i + 2)
		return *off = caplen, 0;
	*off = i + 2;
	return ppp_ethertype(d[i] << 8 | d[i + 1]);
}

/*
 * Linux NFLOG: family, version and resource id, then type-length-value attributes
 * (lengths in the capturing host's byte order, padded to 4 bytes); the packet is the
 * payload attribute (type 9), an IPv4 or IPv6 packet as the family says.
 */
static uint16_t nflog(const uint8_t *d, uint32_t caplen, uint32_t *off, uint32_t *len)
{
	uint32_t i = 4;
	bool be = false;

	*off = caplen;
	if (caplen < 4)
		return 0;
	/* The first attribute tells the byte order: a length of 4..caplen. */
	if (caplen >= 8) {
		uint16_t le = d[4] | d[5] << 8;

		be = le < 4 || le > caplen - 4;
	}
	while (i + 4 <= caplen) {
		uint16_t l = be ? d[i] << 8 | d[i + 1] : d[i] | d[i + 1] << 8;
		uint16_t t = be ? d[i + 2] << 8 | d[i + 3] : d[i + 2] | d[i + 3] << 8;

		if (l < 4)
			return 0;
		if (t == 9) {
			*off = i + 4;
			*len = l - 4;
			return d[0] == 2 ? 0x0800 : d[0] == 10 ? 0x86dd : 0;
		}
		i += (l + 3u) & ~3u;
	}
	return 0;
}

/*
 * An 802.11 frame: data frames (type 2) that are neither null nor protected, past
 * their header (24 bytes; 30 with a fourth address; QoS control 2 more, and an HT
 * control field 4 more when the order bit is set), whose LLC is SNAP (RFC 1042 or
 * 802.1H bridge tunnel): their EtherType. An A-MSDU is not opened.
 */
static uint16_t ieee80211(const uint8_t *d, uint32_t caplen, uint32_t *off)
{
	uint8_t fc0, fc1;
	uint32_t h = 24;

	*off = caplen;
	if (caplen < 2)
		return 0;
	fc0 = d[0], fc1 = d[1];
	if (((fc0 >> 2) & 3) != 2 || (fc0 & 0x40) || (fc1 & 0x40))
		return 0; /* not data, a null function, or protected */
	if ((fc1 & 3) == 3)
		h += 6;
	if (fc0 & 0x80) { /* QoS data */
		if (caplen < h + 2 || (d[h] & 0x80))
			return 0; /* cut, or an A-MSDU */
		h += 2;
		if (fc1 & 0x80)
			h += 4;
	}
	if (caplen < h + 8 || d[h] != 0xaa || d[h + 1] != 0xaa || d[h + 2] != 0x03 || d[h + 3] ||
	    d[h + 4] || (d[h + 5] && d[h + 5] != 0xf8))
		return 0;
	*off = h + 8;
	return d[h + 6] << 8 | d[h + 7];
}

/* Radiotap: version 0, then its length (little-endian) covers every field. */
static uint16_t radiotap(const uint8_t *d, uint32_t caplen, uint32_t *off)
{
	uint32_t rl, o;
	uint16_t t;

	if (caplen < 4 || d[0] != 0)
		return *off = caplen, 0;
	rl = d[2] | d[3] << 8;
	if (rl < 8 || rl > caplen)
		return *off = caplen, 0;
	t = ieee80211(d + rl, caplen - rl, &o);
	*off = rl + o;
	return t;
}

int pl_link_decap(int dlt, const uint8_t *d, uint32_t caplen, uint32_t *off, uint32_t *len,
		  uint16_t *ethertype)
{
	*len = UINT32_MAX; /* the rest of the frame */
	switch (dlt) {
	case PL_DLT_PPP:
	case PL_DLT_PPP_SERIAL:
		*ethertype = ppp(d, caplen, off);
		return 1;
	case PL_DLT_C_HDLC:
		*ethertype = chdlc(d, caplen, off);
		return 1;
	case PL_DLT_NFLOG:
		*ethertype = nflog(d, caplen, off, len);
		return 1;
	case PL_DLT_IEEE802_11:
		*ethertype = ieee80211(d, caplen, off);
		return 1;
	case PL_DLT_IEEE802_11_RADIO:
		*ethertype = radiotap(d, caplen, off);
		return 1;
	default:
		return 0;
	}
}
