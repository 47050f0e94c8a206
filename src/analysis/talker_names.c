// SPDX-License-Identifier: BSD-2-Clause
/* talker_names.c - names of port kinds, well-known services and ICMP types and codes. */
#include <string.h>
#include "analysis/talkers.h"

const char *pl_port_kind_proto(unsigned int kind)
{
	switch (kind) {
	case PL_PORT_TCP_DST: return "tcp";
	case PL_PORT_UDP_DST:
	case PL_PORT_UDP_SRC: return "udp";
	case PL_PORT_SCTP_DST: return "sctp";
	default: return "?";
	}
}

const char *pl_port_kind_side(unsigned int kind)
{
	return kind == PL_PORT_UDP_SRC ? "src" : "dst";
}

/* Service names as IANA's registry (and /etc/services) spell them. */
static const struct {
	unsigned short port;
	unsigned char tcp, udp;
	const char *name;
} services[] = {
	{ 20, 1, 0, "ftp-data" }, { 21, 1, 0, "ftp" },      { 22, 1, 0, "ssh" },
	{ 23, 1, 0, "telnet" },   { 25, 1, 0, "smtp" },     { 53, 1, 1, "domain" },
	{ 67, 0, 1, "bootps" },   { 68, 0, 1, "bootpc" },   { 69, 0, 1, "tftp" },
	{ 80, 1, 0, "http" },     { 110, 1, 0, "pop3" },    { 111, 1, 1, "sunrpc" },
	{ 123, 0, 1, "ntp" },     { 137, 0, 1, "netbios-ns" }, { 138, 0, 1, "netbios-dgm" },
	{ 139, 1, 0, "netbios-ssn" }, { 143, 1, 0, "imap" }, { 161, 0, 1, "snmp" },
	{ 162, 0, 1, "snmp-trap" }, { 179, 1, 0, "bgp" },   { 389, 1, 1, "ldap" },
	{ 443, 1, 1, "https" },   { 445, 1, 0, "microsoft-ds" }, { 500, 0, 1, "isakmp" },
	{ 514, 0, 1, "syslog" },  { 520, 0, 1, "router" },  { 587, 1, 0, "submission" },
	{ 636, 1, 0, "ldaps" },   { 853, 1, 1, "domain-s" }, { 993, 1, 0, "imaps" },
	{ 995, 1, 0, "pop3s" },   { 1194, 1, 1, "openvpn" }, { 1433, 1, 0, "ms-sql-s" },
	{ 1900, 0, 1, "ssdp" },   { 3306, 1, 0, "mysql" },  { 3389, 1, 0, "ms-wbt-server" },
	{ 3478, 1, 1, "stun" },   { 4500, 0, 1, "ipsec-nat-t" }, { 5060, 1, 1, "sip" },
	{ 5353, 0, 1, "mdns" },   { 5432, 1, 0, "postgresql" }, { 6379, 1, 0, "redis" },
	{ 8080, 1, 0, "http-alt" }, { 11211, 1, 1, "memcache" },
};

const char *pl_service_name(const char *proto, unsigned int port)
{
	bool tcp = !strcmp(proto, "tcp"), udp = !strcmp(proto, "udp");

	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (services[i].port == port && ((tcp && services[i].tcp) || (udp && services[i].udp)))
			return services[i].name;
	return NULL;
}

#define NAME_AT(tbl, i) ((i) < sizeof(tbl) / sizeof(tbl[0]) ? tbl[i] : NULL)

/* ICMP types (RFC 792 and successors), ICMPv6 types (RFC 4443, 4861, ...). */
static const char *const icmp4_types[] = {
	[0] = "echo-reply", [3] = "destination-unreachable", [4] = "source-quench",
	[5] = "redirect", [8] = "echo-request", [9] = "router-advertisement",
	[10] = "router-solicitation", [11] = "time-exceeded", [12] = "parameter-problem",
	[13] = "timestamp-request", [14] = "timestamp-reply", [17] = "address-mask-request",
	[18] = "address-mask-reply",
};

static const char *const icmp4_unreach[] = {
	"net-unreachable", "host-unreachable", "protocol-unreachable", "port-unreachable",
	"fragmentation-needed", "source-route-failed", "net-unknown", "host-unknown",
	"source-host-isolated", "net-prohibited", "host-prohibited", "net-tos-unreachable",
	"host-tos-unreachable", "admin-prohibited", "host-precedence-violation",
	"precedence-cutoff",
};

static const char *const icmp6_types[] = {
	[1] = "destination-unreachable", [2] = "packet-too-big", [3] = "time-exceeded",
	[4] = "parameter-problem", [128] = "echo-request", [129] = "echo-reply",
	[130] = "mld-query", [131] = "mld-report", [132] = "mld-done",
	[133] = "router-solicitation", [134] = "router-advertisement",
	[135] = "neighbor-solicitation", [136] = "neighbor-advertisement", [137] = "redirect",
	[143] = "mld2-report",
};

static const char *const icmp6_unreach[] = {
	"no-route", "admin-prohibited", "beyond-scope", "address-unreachable",
	"port-unreachable", "source-policy-failed", "reject-route",
};

const char *pl_icmp_type_name(bool v6, unsigned int type)
{
	return v6 ? NAME_AT(icmp6_types, type) : NAME_AT(icmp4_types, type);
}

const char *pl_icmp_code_name(bool v6, unsigned int type, unsigned int code)
{
	if (!v6 && type == 3)
		return NAME_AT(icmp4_unreach, code);
	if (v6 && type == 1)
		return NAME_AT(icmp6_unreach, code);
	if (type == (v6 ? 3u : 11u))
		return code == 0 ? "ttl-exceeded" : code == 1 ? "reassembly-time-exceeded" : NULL;
	if (!v6 && type == 5)
		return code < 4 ? (const char *const[]){ "net-redirect", "host-redirect",
							  "tos-net-redirect",
							  "tos-host-redirect" }[code]
				: NULL;
	return NULL;
}
