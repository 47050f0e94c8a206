// SPDX-License-Identifier: BSD-2-Clause
/*
 * pkt_line_fmt.c - what tcpdump's options add around capture's line: the packet number
 * of -#, the time stamp forms of -t...-ttttt, the link header of -e, and the byte dumps
 * of -x, -X and -A, in tcpdump's layout so that eyes and scripts used to it read them
 * unchanged (tests/text holds them next to tcpdump's output).
 */
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include "analysis/names.h"
#include "sinks/pkt_line.h"
#include "sinks/pkt_line_internal.h"

bool pl_line_fmt_opt(struct pl_line_fmt *fmt, int opt)
{
	switch (opt) {
	case '#': fmt->number = true; return true;
	case 't': fmt->ts++; return true;
	case 'e': fmt->link_header = true; return true;
	case 'x': fmt->hex++; return true;
	case 'X': fmt->hex_ascii++; return true;
	case 'A': fmt->ascii++; return true;
	default: return false;
	}
}

/*
 * A time difference as -ttt and -ttttt print it: a sign or a blank, then
 * hours:minutes:seconds.microseconds, the hours of a day (as tcpdump, which goes
 * through gmtime: a gap of a day or more loses its days).
 */
static void put_delta(FILE *f, uint64_t from_ns, uint64_t to_ns)
{
	bool neg = to_ns < from_ns;
	uint64_t us = (neg ? from_ns - to_ns : to_ns - from_ns) / 1000;
	uint64_t s = us / 1000000;

	fprintf(f, "%c%02u:%02u:%02u.%06u ", neg ? '-' : ' ', (unsigned int)(s / 3600 % 24),
		(unsigned int)(s / 60 % 60), (unsigned int)(s % 60), (unsigned int)(us % 1000000));
}

/* tcpdump's largest snap length: a longer record is invalid. */
#define PL_TCPDUMP_SNAPLEN_MAX 262144

/* A new line: counted, and with -# numbered (right-aligned in 5 columns, two blanks). */
static void number_line(FILE *f, struct pl_line_fmt *fmt)
{
	fmt->printed++;
	if (fmt->number)
		fprintf(f, "%5llu  ", fmt->printed);
}

/* One complaint of an invalid header; the first opens the bracket (and numbers it). */
static void invalid_part(FILE *f, struct pl_line_fmt *fmt, bool *bad, const char *what, ...)
{
	va_list ap;

	if (!*bad)
		number_line(f, fmt);
	fputs(*bad ? "," : "[Invalid header:", f);
	va_start(ap, what);
	vfprintf(f, what, ap);
	va_end(ap);
	*bad = true;
}

bool pl_line_invalid_header(FILE *f, struct pl_line_fmt *fmt, uint32_t caplen, uint32_t len)
{
	bool bad = false;

	/* tcpdump's checks, in its order */
	if (!caplen)
		invalid_part(f, fmt, &bad, " caplen==0");
	if (!len)
		invalid_part(f, fmt, &bad, " len==0");
	else if (len < caplen)
		invalid_part(f, fmt, &bad, " len(%u) < caplen(%u)", len, caplen);
	if (caplen > PL_TCPDUMP_SNAPLEN_MAX)
		invalid_part(f, fmt, &bad, " caplen(%u) > %u", caplen, PL_TCPDUMP_SNAPLEN_MAX);
	if (len > PL_TCPDUMP_SNAPLEN_MAX)
		invalid_part(f, fmt, &bad, " len(%u) > %u", len, PL_TCPDUMP_SNAPLEN_MAX);
	if (bad)
		fputs("]\n", f);
	return bad;
}

void pl_line_prefix(FILE *f, struct pl_line_fmt *fmt, uint64_t ts_ns)
{
	time_t sec = (time_t)(ts_ns / 1000000000ull);
	unsigned int us = (unsigned int)(ts_ns % 1000000000ull / 1000);
	char buf[32];
	struct tm tm;

	number_line(f, fmt);
	if (!fmt->timed++)
		fmt->first_ns = fmt->prev_ns = ts_ns;
	switch (fmt->ts) {
	case 1:
		break;
	case 2:
		fprintf(f, "%llu.%06u ", (unsigned long long)sec, us);
		break;
	case 3:
		put_delta(f, fmt->prev_ns, ts_ns);
		break;
	case 5:
		put_delta(f, fmt->first_ns, ts_ns);
		break;
	default: /* 0 and 4: local time, with the date for 4 */
		localtime_r(&sec, &tm);
		strftime(buf, sizeof(buf), fmt->ts == 4 ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
		fprintf(f, "%s.%06u ", buf, us);
	}
	fmt->prev_ns = ts_ns;
}

/* "ethertype IPv4 (0x0800)", or "ethertype Unknown (0x88b5)" as tcpdump names it. */
static void put_ethertype(FILE *f, unsigned int t)
{
	const char *name = pl_ethertype_name(t);

	fprintf(f, "ethertype %s (0x%04x)", name ? name : "Unknown", t);
}

void pl_line_link(FILE *f, const uint8_t *d, uint32_t wire_len)
{
	uint16_t type = be16(d + 12);

	pl_put_mac(f, d + 6);
	fputs(" > ", f);
	pl_put_mac(f, d);
	if (pl_is_8023(type)) { /* the length field, at most what the frame holds */
		fprintf(f, ", 802.3, length %u: ", type < wire_len - 14 ? type : wire_len - 14);
		return;
	}
	fputs(", ", f);
	put_ethertype(f, type);
	fprintf(f, ", length %u: ", wire_len);
}

void pl_line_tag(FILE *f, const struct pl_line_fmt *fmt, uint16_t tci, uint16_t next)
{
	if (!fmt->link_header) {
		fprintf(f, "vlan %u, ", tci & 0x0fff);
		return;
	}
	fprintf(f, "vlan %u, p %u, %s", tci & 0x0fff, tci >> 13, tci & 0x1000 ? "DEI, " : "");
	if (pl_is_8023(next)) { /* tcpdump goes on with no separator after it */
		fputs("802.3", f);
		return;
	}
	put_ethertype(f, next);
	fputs(", ", f);
}

/*
 * -x and -X: 16 bytes a line, as hex pairs, and with -X beside them the printable
 * characters (a blank too is a dot there, as in tcpdump).
 */
static void hex_dump(FILE *f, const uint8_t *p, uint32_t n, bool ascii)
{
	for (uint32_t off = 0; off < n; off += 16) {
		uint32_t k = n - off < 16 ? n - off : 16;
		char hex[41], *h = hex;

		for (uint32_t i = 0; i < k; i++)
			h += sprintf(h, i % 2 ? "%02x" : " %02x", p[off + i]);
		fprintf(f, "\n\t0x%04x: ", off);
		if (!ascii) {
			fputs(hex, f);
			continue;
		}
		fprintf(f, "%-40s  ", hex);
		for (uint32_t i = 0; i < k; i++)
			fputc(p[off + i] > 0x20 && p[off + i] < 0x7f ? p[off + i] : '.', f);
	}
}

/*
 * -A: the bytes as text: tabs, blanks and line breaks as they are, other control
 * bytes as dots. A carriage return shows as a dot only in the middle of a line: not
 * before a line break, and (tcpdump's rule) not as the last or next-to-last byte.
 */
static void ascii_dump(FILE *f, const uint8_t *p, uint32_t n)
{
	fputc('\n', f);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (c == '\r') {
			if (n - i - 1 > 1 && p[i + 1] != '\n')
				fputc('.', f);
			continue;
		}
		fputc((c > 0x20 && c < 0x7f) || c == ' ' || c == '\t' || c == '\n' ? c : '.', f);
	}
}

/*
 * The link header's size for the dumps: after the VLAN tags at @off, and for an 802.3
 * frame after its LLC header too (3 bytes, 4 for I and S frames, 8 with SNAP), as
 * tcpdump counts it: never more of the LLC header than the 802.3 length field covers,
 * except that a SNAP header is skipped whole once its first 3 bytes are covered.
 */
static uint32_t link_hdrlen(const uint8_t *d, uint32_t caplen, uint32_t off)
{
	uint32_t llc, len;

	/* The length field is the last 2 bytes before @off, behind any VLAN tags. */
	if (off < 14 || !pl_is_8023(be16(d + off - 2)) || caplen < off + 3)
		return off;
	len = be16(d + off - 2);
	llc = (d[off + 2] & 3) == 3 ? 3 : 4;
	if (llc == 3 && d[off] == 0xaa && d[off + 1] == 0xaa)
		llc = 8;
	if (len < llc && (llc != 8 || len < 3))
		llc = len;
	return off + llc;
}

void pl_line_dump(FILE *f, const struct pl_line_fmt *fmt, const uint8_t *d, uint32_t caplen,
		  uint32_t off)
{
	/* tcpdump's order: -X before -x before -A; doubled, the link header too. */
	unsigned int n = fmt->hex_ascii ? fmt->hex_ascii : fmt->hex ? fmt->hex : fmt->ascii;
	uint32_t hdrlen = n > 1 ? 0 : link_hdrlen(d, caplen, off);

	if (!n || caplen <= hdrlen) /* nothing after the link header */
		return;
	if (fmt->hex_ascii || fmt->hex)
		hex_dump(f, d + hdrlen, caplen - hdrlen, fmt->hex_ascii);
	else
		ascii_dump(f, d + hdrlen, caplen - hdrlen);
}
