// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "l7/dns.h"

#define DNS_HDR_LEN    12
#define DNS_MAX_LABELS 128

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Append @n bytes of text to @out (cap @outsz, NUL kept); 0 when it did not fit. */
static int put(char *out, size_t outsz, size_t *o, const char *s, size_t n)
{
	if (*o + n + 1 > outsz)
		return 0;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
	return 1;
}

static int put_label(char *out, size_t outsz, size_t *o, const uint8_t *l, size_t n)
{
	char esc[5];

	for (size_t i = 0; i < n; i++) {
		if (l[i] >= 0x20 && l[i] != 0x7f) {
			if (!put(out, outsz, o, (const char *)&l[i], 1))
				return 0;
			continue;
		}
		snprintf(esc, sizeof(esc), "\\%03u", l[i]);
		if (!put(out, outsz, o, esc, 4))
			return 0;
	}
	return 1;
}

int pl_l7_dns_name(const uint8_t *msg, size_t len, size_t off, char *out, size_t outsz,
		   int *truncated)
{
	size_t pos = off, floor = off, o = 0, end = 0;
	int labels = 0, full = 0;

	out[0] = '\0';
	*truncated = 0;
	for (;;) {
		uint8_t c;

		if (pos >= len)
			return -EINVAL;
		c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len)
				return -EINVAL;
			target = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
			/* Strictly below every byte of the name read so far: no loop. */
			if (target >= floor)
				return -EINVAL;
			if (!end)
				end = pos + 2;
			pos = floor = target;
			continue;
		}
		if (c & 0xc0)
			return -EINVAL; /* extended (0x40) and reserved (0x80) label types */
		if (c == 0) {
			if (!end)
				end = pos + 1;
			return (int)end;
		}
		if (++labels > DNS_MAX_LABELS || pos + 1 + c > len)
			return -EINVAL;
		if (!full && ((o && !put(out, outsz, &o, ".", 1)) ||
			      !put_label(out, outsz, &o, msg + pos + 1, c))) {
			full = 1;
			*truncated = 1;
		}
		pos += 1 + (size_t)c;
	}
}

/* @rd..@rd+@rdlen is inside the message (checked by the caller). */
static void read_rdata(const uint8_t *msg, size_t rd, uint16_t rdlen, struct pl_l7_dns_rr *rr)
{
	size_t skip = 0, o = 0;
	int trunc;

	switch (rr->type) {
	case 1:  /* A */
	case 28: /* AAAA */
		if (rdlen == (rr->type == 1 ? 4 : 16)) {
			rr->addr_len = (uint8_t)rdlen;
			memcpy(rr->addr, msg + rd, rdlen);
		}
		return;
	case 15: /* MX: preference first */
		skip = 2;
		break;
	case 33: /* SRV: priority, weight, port first */
		skip = 6;
		break;
	case 2:  /* NS */
	case 5:  /* CNAME */
	case 12: /* PTR */
	case 39: /* DNAME */
		break;
	case 16: /* TXT: character-strings, joined */
		for (size_t p = rd; p < rd + rdlen;) {
			size_t n = msg[p];

			if (p + 1 + n > rd + rdlen)
				break;
			if (!put_label(rr->data, sizeof(rr->data), &o, msg + p + 1, n))
				break;
			p += 1 + n;
		}
		return;
	default:
		return;
	}
	if (rdlen > skip && pl_l7_dns_name(msg, rd + rdlen, rd + skip, rr->data,
					   sizeof(rr->data), &trunc) < 0)
		rr->data[0] = '\0';
}

/* Read the answer section into @d; stops quietly at the first damaged record. */
static void read_answers(const uint8_t *msg, size_t len, size_t pos, uint16_t ancount,
			 struct pl_l7_dns *d)
{
	for (unsigned int i = 0; i < ancount && d->n_answers < PL_L7_DNS_ANSWERS; i++) {
		struct pl_l7_dns_rr *rr = &d->answers[d->n_answers];
		int trunc, next;
		uint16_t rdlen;

		memset(rr, 0, sizeof(*rr));
		next = pl_l7_dns_name(msg, len, pos, rr->name, sizeof(rr->name), &trunc);
		if (next < 0 || (size_t)next + 10 > len)
			return;
		pos = (size_t)next;
		rr->type = rd16(msg + pos);
		rr->rclass = rd16(msg + pos + 2);
		rr->ttl = rd32(msg + pos + 4);
		rdlen = rd16(msg + pos + 8);
		pos += 10;
		if (pos + rdlen > len)
			return;
		read_rdata(msg, pos, rdlen, rr);
		pos += rdlen;
		d->n_answers++;
	}
}

int pl_l7_dns_parse(const uint8_t *msg, size_t len, uint64_t ts_ns, struct pl_l7_dns *d)
{
	char name[PL_L7_NAME_MAX];
	uint16_t flags, qdcount, ancount, qtype = 0, qclass = 0;
	int trunc = 0, next = DNS_HDR_LEN, response;

	if (len < DNS_HDR_LEN)
		return -EINVAL;
	flags = rd16(msg + 2);
	qdcount = rd16(msg + 4);
	ancount = rd16(msg + 6);
	response = !!(flags & 0x8000);
	if (qdcount) {
		next = pl_l7_dns_name(msg, len, DNS_HDR_LEN, name, sizeof(name), &trunc);
		if (next < 0 || (size_t)next + 4 > len)
			return -EINVAL;
		qtype = rd16(msg + next);
		qclass = rd16(msg + next + 2);
		next += 4;
		if (!d->have_query) {
			d->have_query = 1;
			d->id = rd16(msg);
			d->flags = flags;
			d->qtype = qtype;
			d->qclass = qclass;
			d->name_truncated = (uint8_t)trunc;
			d->query_ts_ns = ts_ns;
			memcpy(d->qname, name, sizeof(d->qname));
		}
		/* Later questions are skipped: only the first is kept. */
		for (unsigned int i = 1; i < qdcount; i++) {
			next = pl_l7_dns_name(msg, len, (size_t)next, name, sizeof(name), &trunc);
			if (next < 0 || (size_t)next + 4 > len)
				return 0;
			next += 4;
		}
	}
	if (!response || d->have_response)
		return 0;
	d->have_response = 1;
	d->flags = flags;
	d->rcode = flags & 0xf;
	d->ancount = ancount;
	d->response_ts_ns = ts_ns;
	if (!d->have_query)
		d->id = rd16(msg);
	read_answers(msg, len, (size_t)next, ancount, d);
	return 0;
}

static const struct {
	uint16_t type;
	const char *name;
} dns_types[] = {
	{ 1, "A" },	 { 2, "NS" },	    { 5, "CNAME" },  { 6, "SOA" },	{ 12, "PTR" },
	{ 13, "HINFO" }, { 15, "MX" },	    { 16, "TXT" },   { 17, "RP" },	{ 18, "AFSDB" },
	{ 28, "AAAA" },	 { 29, "LOC" },	    { 33, "SRV" },   { 35, "NAPTR" },	{ 37, "CERT" },
	{ 39, "DNAME" }, { 41, "OPT" },	    { 43, "DS" },    { 44, "SSHFP" },	{ 46, "RRSIG" },
	{ 47, "NSEC" },	 { 48, "DNSKEY" },  { 50, "NSEC3" }, { 52, "TLSA" },	{ 64, "SVCB" },
	{ 65, "HTTPS" }, { 99, "SPF" },	    { 249, "TKEY" }, { 250, "TSIG" },	{ 255, "ANY" },
	{ 256, "URI" },	 { 257, "CAA" },
};

const char *pl_l7_dns_type_name(unsigned int type)
{
	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (dns_types[i].type == type)
			return dns_types[i].name;
	return NULL;
}

const char *pl_l7_dns_rcode_name(unsigned int rcode)
{
	static const char *const names[] = { "NOERROR", "FORMERR",  "SERVFAIL", "NXDOMAIN",
					     "NOTIMP",	"REFUSED",  "YXDOMAIN", "YXRRSET",
					     "NXRRSET", "NOTAUTH", "NOTZONE" };

	return rcode < sizeof(names) / sizeof(names[0]) ? names[rcode] : NULL;
}
