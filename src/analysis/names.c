// SPDX-License-Identifier: BSD-2-Clause
#include <stdio.h>
#include "analysis/names.h"

#define NAME_OF(tbl, i) ((i) < sizeof(tbl) / sizeof(tbl[0]) && tbl[i] ? tbl[i] : "?")

static const char *l3_names[PL_L3_MAX] = {
	[PL_L3_OTHER] = "other", [PL_L3_IPV4] = "ipv4", [PL_L3_IPV6] = "ipv6", [PL_L3_ARP] = "arp",
};

static const char *l4_names[PL_L4_MAX] = {
	[PL_L4_NONE] = "none", [PL_L4_TCP] = "tcp",   [PL_L4_UDP] = "udp",
	[PL_L4_ICMP] = "icmp", [PL_L4_ICMPV6] = "icmpv6", [PL_L4_SCTP] = "sctp",
	[PL_L4_GRE] = "gre",   [PL_L4_FRAG] = "fragment", [PL_L4_OTHER] = "other",
};

static const char *mal_names[PL_MAL_MAX] = {
	[PL_MAL_NONE] = "none",
	[PL_MAL_TRUNC_ETH] = "truncated_ethernet",
	[PL_MAL_TRUNC_VLAN] = "truncated_vlan",
	[PL_MAL_VLAN_TOO_DEEP] = "vlan_too_deep",
	[PL_MAL_TRUNC_ARP] = "truncated_arp",
	[PL_MAL_TRUNC_IPV4] = "truncated_ipv4",
	[PL_MAL_BAD_IPV4_VERSION] = "bad_ipv4_version",
	[PL_MAL_BAD_IPV4_IHL] = "bad_ipv4_ihl",
	[PL_MAL_BAD_IPV4_TOTLEN] = "bad_ipv4_total_length",
	[PL_MAL_TRUNC_IPV6] = "truncated_ipv6",
	[PL_MAL_BAD_IPV6_VERSION] = "bad_ipv6_version",
	[PL_MAL_BAD_IPV6_PAYLOAD_LEN] = "bad_ipv6_payload_length",
	[PL_MAL_BAD_IPV6_EXT_CHAIN] = "bad_ipv6_ext_chain",
	[PL_MAL_TRUNC_TCP] = "truncated_tcp",
	[PL_MAL_BAD_TCP_DOFF] = "bad_tcp_data_offset",
	[PL_MAL_TRUNC_UDP] = "truncated_udp",
	[PL_MAL_BAD_UDP_LEN] = "bad_udp_length",
	[PL_MAL_TRUNC_ICMP] = "truncated_icmp",
	[PL_MAL_TRUNC_ICMPV6] = "truncated_icmpv6",
	[PL_MAL_TRUNC_SCTP] = "truncated_sctp",
	[PL_MAL_TRUNC_GRE] = "truncated_gre",
	[PL_MAL_BAD_GRE_VERSION] = "bad_gre_version",
	[PL_MAL_TRUNC_VXLAN] = "truncated_vxlan",
	[PL_MAL_TRUNC_PPPOE] = "truncated_pppoe",
	[PL_MAL_TRUNC_MPLS] = "truncated_mpls",
	[PL_MAL_MPLS_TOO_DEEP] = "mpls_too_deep",
	[PL_MAL_TRUNC_AH] = "truncated_ah",
};

static const char *link_names[PL_LINK_MAX] = {
	[PL_LINK_PPPOE_SESSION] = "pppoe_session",
	[PL_LINK_PPPOE_DISCOVERY] = "pppoe_discovery",
	[PL_LINK_MPLS] = "mpls",
};

static const char *encap_names[PL_ENCAP_MAX] = {
	[PL_ENCAP_NONE] = "none", [PL_ENCAP_GRE] = "gre", [PL_ENCAP_VXLAN] = "vxlan",
};

static const char *size_names[PL_SZ_MAX] = {
	[PL_SZ_LE64] = "0-64",       [PL_SZ_LE127] = "65-127",    [PL_SZ_LE255] = "128-255",
	[PL_SZ_LE511] = "256-511",   [PL_SZ_LE1023] = "512-1023", [PL_SZ_LE1518] = "1024-1518",
	[PL_SZ_JUMBO] = "1519-",
};

const char *pl_l3_name(unsigned int i) { return NAME_OF(l3_names, i); }
const char *pl_l4_name(unsigned int i) { return NAME_OF(l4_names, i); }
const char *pl_malformed_name(unsigned int i) { return NAME_OF(mal_names, i); }
const char *pl_encap_name(unsigned int i) { return NAME_OF(encap_names, i); }
const char *pl_size_name(unsigned int i) { return NAME_OF(size_names, i); }
const char *pl_link_name(unsigned int i) { return NAME_OF(link_names, i); }

const char *pl_tcp_flags_str(unsigned int flags, char *buf)
{
	/* tcpdump's letters, ACK shown as '.' */
	static const struct { unsigned int bit; char c; } f[] = {
		{ PL_TCP_SYN, 'S' }, { PL_TCP_FIN, 'F' }, { PL_TCP_PSH, 'P' }, { PL_TCP_RST, 'R' },
		{ PL_TCP_URG, 'U' }, { PL_TCP_ECE, 'E' }, { PL_TCP_CWR, 'W' }, { PL_TCP_ACK, '.' },
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (flags & f[i].bit)
			buf[n++] = f[i].c;
	if (!n)
		return snprintf(buf, 12, "none"), buf;
	buf[n] = 0;
	return buf;
}

const char *pl_proto_name(unsigned int p)
{
	switch (p) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 47: return "gre";
	case 58: return "icmpv6";
	case 132: return "sctp";
	default: return NULL;
	}
}

/*
 * EtherTypes by the names tcpdump -e prints (read off tcpdump 4.99 for every value
 * from 0x0600 up); NULL for the others, which it calls "Unknown".
 */
const char *pl_ethertype_name(unsigned int t)
{
	switch (t) {
	case 0x0600: return "NS";
	case 0x0707: return "GeoNet (old)";
	case 0x0800: return "IPv4";
	case 0x0806: return "ARP";
	case 0x1000: return "Trail";
	case 0x1111: return "CALM FAST";
	case 0x6001: return "MOP DL";
	case 0x6002: return "MOP RC";
	case 0x6003: return "DN";
	case 0x6004: return "LAT";
	case 0x6007: return "SCA";
	case 0x6558: return "TEB";
	case 0x8035: return "Reverse ARP";
	case 0x8038: return "Lanbridge";
	case 0x803c: return "DEC DNS";
	case 0x803e: return "DEC DTS";
	case 0x805b: return "VEXP";
	case 0x805c: return "VPROD";
	case 0x809b: return "Appletalk";
	case 0x80f3: return "Appletalk ARP";
	case 0x8100: return "802.1Q";
	case 0x8137: return "IPX";
	case 0x86dd: return "IPv6";
	case 0x8808: return "MPCP";
	case 0x8809: return "Slow Protocols";
	case 0x880b: return "PPP";
	case 0x8847: return "MPLS unicast";
	case 0x8848: return "MPLS multicast";
	case 0x8863: return "PPPoE D";
	case 0x8864: return "PPPoE S";
	case 0x886f: return "MS NLB heartbeat";
	case 0x888e: return "EAPOL";
	case 0x8899: return "Realtek protocols";
	case 0x88a2: return "AoE";
	case 0x88a8: return "802.1Q-QinQ";
	case 0x88ca: return "TIPC";
	case 0x88cc: return "LLDP";
	case 0x88e5: return "802.1AE MACsec";
	case 0x88f7: return "PTP";
	case 0x8902: return "CFM";
	case 0x893a: return "IEEE1905.1";
	case 0x8947: return "GeoNet";
	case 0x894f: return "NSH";
	case 0x9000: return "Loopback";
	case 0x9100: return "802.1Q-9100";
	case 0x9200: return "802.1Q-9200";
	case 0xabcd: return "CFM (old)";
	case 0xd28b: return "Arista Vendor Specific Protocol";
	case 0xfefe: return "OSI";
	default: return NULL;
	}
}
