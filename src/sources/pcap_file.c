// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pcap/pcap.h>
#include "sources/pcap_file.h"
#include "sources/linktypes.h"
#include "util/log.h"

#define ETH_HLEN_ 14
#define SLL_HLEN 16
#define SLL2_HLEN 20
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

static const int supported[] = { DLT_EN10MB, DLT_LINUX_SLL,     DLT_LINUX_SLL2,
				 DLT_RAW,    DLT_IPV4,          DLT_IPV6,
				 DLT_NULL,   DLT_LOOP,          PL_DLT_PPP,
				 PL_DLT_PPP_SERIAL, PL_DLT_C_HDLC, PL_DLT_NFLOG,
				 PL_DLT_IEEE802_11, PL_DLT_IEEE802_11_RADIO };

int pl_pcap_linktype_supported(int dlt)
{
	for (size_t i = 0; i < sizeof(supported) / sizeof(supported[0]); i++)
		if (supported[i] == dlt)
			return 1;
	return 0;
}

int pl_pcap_open(struct pl_pcap_file *f, const char *path)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	struct stat st;

	memset(f, 0, offsetof(struct pl_pcap_file, buf));
	f->path = path;
	if (strcmp(path, "-") && stat(path, &st)) {
		int e = -errno;

		pl_warn("cannot read '%s': %s", path, strerror(-e));
		return e;
	}
	f->p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!f->p) {
		pl_warn("'%s' is not a capture pktlens can read: %s (expected pcap or pcapng)", path,
			err);
		return -EINVAL;
	}
	f->linktype = pcap_datalink(f->p);
	if (strcmp(path, "-") && S_ISREG(st.st_mode))
		f->size = st.st_size;
	if (!pl_pcap_linktype_supported(f->linktype)) {
		const char *name = pcap_datalink_val_to_name(f->linktype);

		pl_warn("'%s': link type %s (%d) is not supported; pktlens reads Ethernet, Linux "
			"cooked (SLL, SLL2), raw IP, BSD loopback, PPP, Cisco HDLC, NFLOG and "
			"802.11 (with radiotap) captures",
			path, name ? name : "unknown", f->linktype);
		pcap_close(f->p);
		f->p = NULL;
		return -EPROTONOSUPPORT;
	}
	return 0;
}

static uint16_t ethertype_for_ip(const uint8_t *d, uint32_t len)
{
	if (!len)
		return 0;
	switch (d[0] >> 4) {
	case 4: return 0x0800;
	case 6: return 0x86dd;
	default: return 0;
	}
}

static uint16_t ethertype_for_af(uint32_t af)
{
	/* AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24, 28 or 30 (BSDs, macOS). */
	if (af == 2)
		return 0x0800;
	if (af == 10 || af == 24 || af == 28 || af == 30)
		return 0x86dd;
	return 0;
}

/* Put an Ethernet header before the @hlen-byte link header's payload. */
static void to_ethernet(struct pl_pcap_file *f, struct pl_frame *fr, const uint8_t *pkt,
			const struct pcap_pkthdr *h, uint32_t hlen, uint16_t ethertype,
			const uint8_t *src_mac)
{
	uint32_t pay = h->caplen > hlen ? h->caplen - hlen : 0;
	uint8_t *e = f->buf;

	memset(e, 0, 12);
	if (src_mac)
		memcpy(e + 6, src_mac, 6);
	e[12] = ethertype >> 8;
	e[13] = ethertype & 0xff;
	memcpy(e + ETH_HLEN_, pkt + hlen, pay);
	fr->data = e;
	fr->caplen = ETH_HLEN_ + pay;
	fr->wire_len = (h->len > hlen ? h->len - hlen : 0) + ETH_HLEN_;
}

/*
 * As to_ethernet(), for a packet that is at most @len bytes of what follows the link
 * header (NFLOG's payload attribute): the length on the wire is the packet's then.
 */
static void to_ethernet_part(struct pl_pcap_file *f, struct pl_frame *fr, const uint8_t *pkt,
			     const struct pcap_pkthdr *h, uint32_t hlen, uint32_t len,
			     uint16_t ethertype)
{
	to_ethernet(f, fr, pkt, h, hlen, ethertype, NULL);
	if (len == UINT32_MAX)
		return;
	if (fr->caplen > ETH_HLEN_ + len)
		fr->caplen = ETH_HLEN_ + len;
	fr->wire_len = ETH_HLEN_ + len;
	if (fr->wire_len < fr->caplen)
		fr->wire_len = fr->caplen;
}

/*
 * A record's time in ns (the file was opened with nanosecond precision). A pcap
 * record's seconds are 32 bits without sign, up to 2106, and libpcap hands those past
 * 2038 on as a negative tv_sec; pcapng's are 64 bits and pass as they are.
 */
static uint64_t ts_ns(const struct pcap_pkthdr *h)
{
	uint64_t sec = h->ts.tv_sec < 0 ? (uint32_t)h->ts.tv_sec : (uint64_t)h->ts.tv_sec;

	return sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
}

int pl_pcap_next(struct pl_pcap_file *f, struct pl_frame *fr)
{
	struct pcap_pkthdr *h;
	const uint8_t *pkt;
	uint32_t v, off, len;
	uint16_t et;
	int r;

	r = pcap_next_ex(f->p, &h, &pkt);
	if (r == PCAP_ERROR_BREAK)
		return 0;
	if (r != 1) {
		const char *why = pcap_geterr(f->p);

		/* libpcap's words for a pcapng with, say, Ethernet and "any" (SLL) interfaces. */
		if (strstr(why, "different from the type of the first interface"))
			pl_warn("'%s': its interfaces have different link types (libpcap: %s, "
				"after %llu frames); pktlens reads one link type per file, as "
				"tcpdump does. Write each interface to a file of its own, e.g. "
				"tshark -r '%s' -Y 'frame.interface_id == 1' -w - | editcap -F pcap "
				"-T ENCAP - if1.pcap (capinfos '%s' lists the interfaces and their "
				"encapsulations)",
				f->path, why, (unsigned long long)f->frames, f->path, f->path);
		else
			pl_warn("'%s': %s after %llu frames", f->path, why,
				(unsigned long long)f->frames);
		return -EIO;
	}
	f->frames++;
	f->hdr = h;
	f->raw = pkt;
	fr->ts_ns = ts_ns(h);
	fr->data = pkt;
	fr->caplen = h->caplen;
	fr->wire_len = h->len < h->caplen ? h->caplen : h->len;
	fr->frame_len = fr->wire_len; /* a conversion changes wire_len only */

	if (pl_link_decap(f->linktype, pkt, h->caplen, &off, &len, &et)) {
		to_ethernet_part(f, fr, pkt, h, off, len, et);
		return 1;
	}
	switch (f->linktype) {
	case DLT_EN10MB:
		break;
	case DLT_LINUX_SLL:
		if (h->caplen < SLL_HLEN)
			return to_ethernet(f, fr, pkt, h, h->caplen, 0, NULL), 1;
		to_ethernet(f, fr, pkt, h, SLL_HLEN, (pkt[14] << 8) | pkt[15],
			    ((pkt[4] << 8) | pkt[5]) == 6 ? pkt + 6 : NULL);
		break;
	case DLT_LINUX_SLL2:
		if (h->caplen < SLL2_HLEN)
			return to_ethernet(f, fr, pkt, h, h->caplen, 0, NULL), 1;
		to_ethernet(f, fr, pkt, h, SLL2_HLEN, (pkt[0] << 8) | pkt[1],
			    pkt[11] == 6 ? pkt + 12 : NULL);
		break;
	case DLT_RAW:
		to_ethernet(f, fr, pkt, h, 0, ethertype_for_ip(pkt, h->caplen), NULL);
		break;
	case DLT_IPV4: /* the link type, not the version field, says what the packet is */
		to_ethernet(f, fr, pkt, h, 0, 0x0800, NULL);
		break;
	case DLT_IPV6:
		to_ethernet(f, fr, pkt, h, 0, 0x86dd, NULL);
		break;
	case DLT_NULL:
	case DLT_LOOP:
		if (h->caplen < 4)
			return to_ethernet(f, fr, pkt, h, h->caplen, 0, NULL), 1;
		memcpy(&v, pkt, 4);
		/* DLT_LOOP is network order; DLT_NULL is the writer's order: try both. */
		if (f->linktype == DLT_LOOP)
			v = __builtin_bswap32(v);
		if (v > 0xffff)
			v = __builtin_bswap32(v);
		to_ethernet(f, fr, pkt, h, 4, ethertype_for_af(v), NULL);
		break;
	}
	return 1;
}

int pl_pcap_set_filter(struct pl_pcap_file *f, const char *expr)
{
	struct bpf_program *prog = calloc(1, sizeof(*prog));

	if (!prog)
		return -ENOMEM;
	if (pcap_compile(f->p, prog, expr, 1, PCAP_NETMASK_UNKNOWN)) {
		const char *name = pcap_datalink_val_to_name(f->linktype);

		pl_warn("invalid filter expression '%s' for '%s' (link type %s): %s", expr, f->path,
			name ? name : "unknown", pcap_geterr(f->p));
		free(prog);
		return -EINVAL;
	}
	f->filter = prog;
	return 0;
}

int pl_pcap_filter_match(const struct pl_pcap_file *f)
{
	if (!f->filter || !f->hdr)
		return 1;
	return pcap_offline_filter(f->filter, f->hdr, f->raw) != 0;
}

uint64_t pl_pcap_offset(const struct pl_pcap_file *f)
{
	FILE *fp = f->p ? pcap_file(f->p) : NULL;
	long off = fp ? ftell(fp) : -1;

	return off < 0 ? 0 : (uint64_t)off;
}

void pl_pcap_close(struct pl_pcap_file *f)
{
	if (f->filter) {
		pcap_freecode(f->filter);
		free(f->filter);
		f->filter = NULL;
	}
	if (f->p)
		pcap_close(f->p);
	f->p = NULL;
}

void pl_pcap_raw(const struct pl_pcap_file *f, struct pl_frame *raw)
{
	const struct pcap_pkthdr *h = f->hdr;

	raw->data = f->raw;
	raw->caplen = h->caplen;
	raw->wire_len = h->len;
	raw->frame_len = h->len;
	raw->ts_ns = ts_ns(h);
}

int pl_pcap_snaplen(const struct pl_pcap_file *f)
{
	return pcap_snapshot(f->p);
}

const char *pl_pcap_linktype_name(const struct pl_pcap_file *f, const char **description)
{
	const char *name = pcap_datalink_val_to_name(f->linktype);
	const char *desc = pcap_datalink_val_to_description(f->linktype);

	*description = desc ? desc : "unknown";
	return name ? name : "unknown";
}
