// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the capture file I/O: link-type conversion to Ethernet when reading
 * (sources/pcap_file.c) and the pcap/pcapng writer (sinks/pcap_writer.c), checked by
 * reading back with libpcap itself.
 */
#include <pcap/pcap.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "sources/pcap_file.h"
#include "sinks/pcap_writer.h"

static char dir[] = "/tmp/pl-unit-XXXXXX";

/* Write one frame with the given link type to a fresh pcap file. */
static const char *write_pcap(const char *name, int dlt, const uint8_t *pkt, uint32_t caplen,
			      uint32_t len)
{
	static char path[256];
	pcap_t *p = pcap_open_dead(dlt, 65535);
	pcap_dumper_t *d;
	struct pcap_pkthdr h = { .caplen = caplen, .len = len };

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	h.ts.tv_sec = 1700000000;
	h.ts.tv_usec = 250000;
	d = pcap_dump_open(p, path);
	pcap_dump((u_char *)d, &h, pkt);
	pcap_dump_close(d);
	pcap_close(p);
	return path;
}

static const uint8_t ipv4_udp[28] = {
	0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2,
	0x13, 0x88, 0x00, 0x35, 0, 8, 0, 0,
};

/* @file_len: the frame's length as the file has it, which analyze counts (frame_len). */
static void check_ipv4_frame(const struct pl_frame *fr, uint32_t extra_wire, uint32_t file_len)
{
	if (!fr->data) {
		CHECK(0, "no frame was read");
		return;
	}
	CHECK_EQ(fr->caplen, 14 + sizeof(ipv4_udp));
	CHECK_EQ(fr->wire_len, 14 + sizeof(ipv4_udp) + extra_wire);
	CHECK_EQ(fr->frame_len, file_len);
	CHECK(fr->data[12] == 0x08 && fr->data[13] == 0x00, "ethertype %02x%02x", fr->data[12],
	      fr->data[13]);
	CHECK(!memcmp(fr->data + 14, ipv4_udp, sizeof(ipv4_udp)), "payload differs");
	CHECK_EQ(fr->ts_ns, 1700000000ull * 1000000000ull + 250000000ull);
}

static void read_one(const char *path, struct pl_frame *fr, int *rc_open, int *rc_next);

/* @hdr (@hlen bytes) then the IPv4/UDP packet, as one frame of link type @dlt. */
static void link_case(const char *name, int dlt, const uint8_t *hdr, uint32_t hlen,
		      uint32_t extra_wire)
{
	static uint8_t pkt[256];
	struct pl_frame fr;
	int ro, rn;

	memcpy(pkt, hdr, hlen);
	memcpy(pkt + hlen, ipv4_udp, sizeof(ipv4_udp));
	TEST_BEGIN(name);
	read_one(write_pcap("link.pcap", dlt, pkt, hlen + sizeof(ipv4_udp),
			    hlen + sizeof(ipv4_udp) + extra_wire),
		 &fr, &ro, &rn);
	CHECK_EQ(ro, 0);
	CHECK_EQ(rn, 1);
	check_ipv4_frame(&fr, extra_wire, hlen + sizeof(ipv4_udp) + extra_wire);
	TEST_END();
}

/* The IPv4 packet inside PPP, Cisco HDLC, NFLOG and 802.11 frames, behind Ethernet. */
static void test_link_headers(void)
{
	static const uint8_t nflog[] = { 2, 0, 0, 0, 8, 0, 1, 0, 0x08, 0, 0, 0,
					 4 + 28, 0, 9, 0 };
	static const uint8_t wifi[] = { 0, 0, 8, 0, 0, 0, 0, 0,   /* radiotap */
					0x88, 0x01, 0, 0,         /* QoS data, to DS */
					2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 3,
					0x10, 0, 0, 0,            /* sequence, QoS control */
					0xaa, 0xaa, 3, 0, 0, 0, 0x08, 0x00 };

	link_case("PPP with address and control", 9, (const uint8_t[]){ 0xff, 3, 0, 0x21 }, 4, 0);
	link_case("PPP, protocol field compressed", 9, (const uint8_t[]){ 0x21 }, 1, 0);
	link_case("PPP in HDLC framing", 50, (const uint8_t[]){ 0xff, 3, 0, 0x21 }, 4, 0);
	link_case("Cisco HDLC", 104, (const uint8_t[]){ 0x0f, 0, 0x08, 0 }, 4, 0);
	link_case("NFLOG payload attribute", 239, nflog, sizeof(nflog), 0);
	link_case("802.11 QoS data behind radiotap", 127, wifi, sizeof(wifi), 0);
	link_case("802.11 data", 105, wifi + 8, sizeof(wifi) - 8, 0);
	link_case("PPP, a frame longer on the wire", 9, (const uint8_t[]){ 0xff, 3, 0, 0x21 }, 4,
		  100);
}

static void read_one(const char *path, struct pl_frame *fr, int *rc_open, int *rc_next)
{
	static struct pl_pcap_file f;

	/* No frame of an earlier read may stand in for this one. */
	memset(fr, 0, sizeof(*fr));
	*rc_next = -1;
	*rc_open = pl_pcap_open(&f, path);
	if (*rc_open)
		return;
	*rc_next = pl_pcap_next(&f, fr);
	/* the frame may live in f.buf: copy before closing */
	static uint8_t copy[65536];
	if (*rc_next == 1 && fr->data) {
		memcpy(copy, fr->data, fr->caplen);
		fr->data = copy;
	}
	CHECK_EQ(pl_pcap_next(&f, &(struct pl_frame){ 0 }), 0);
	pl_pcap_close(&f);
}

static void test_linktypes(void)
{
	uint8_t buf[64];
	struct pl_frame fr;
	int ro, rn;

	TEST_BEGIN("read raw IPv4 (DLT_RAW) as Ethernet");
	read_one(write_pcap("raw.pcap", DLT_RAW, ipv4_udp, sizeof(ipv4_udp), sizeof(ipv4_udp)),
		 &fr, &ro, &rn);
	CHECK_EQ(ro, 0);
	CHECK_EQ(rn, 1);
	check_ipv4_frame(&fr, 0, sizeof(ipv4_udp));
	TEST_END();

	TEST_BEGIN("read Linux cooked SLL as Ethernet, source MAC kept");
	memset(buf, 0, 16);
	buf[5] = 6; /* address length */
	memcpy(buf + 6, "\x02\x11\x22\x33\x44\x55", 6);
	buf[14] = 0x08;
	memcpy(buf + 16, ipv4_udp, sizeof(ipv4_udp));
	read_one(write_pcap("sll.pcap", DLT_LINUX_SLL, buf, 16 + sizeof(ipv4_udp),
			    16 + sizeof(ipv4_udp)),
		 &fr, &ro, &rn);
	CHECK_EQ(ro, 0);
	CHECK_EQ(rn, 1);
	check_ipv4_frame(&fr, 0, 16 + sizeof(ipv4_udp));
	CHECK(!memcmp(fr.data + 6, "\x02\x11\x22\x33\x44\x55", 6), "source MAC not kept");
	TEST_END();

	TEST_BEGIN("read Linux cooked SLL2 as Ethernet");
	memset(buf, 0, 20);
	buf[0] = 0x08;
	buf[11] = 6;
	memcpy(buf + 20, ipv4_udp, sizeof(ipv4_udp));
	read_one(write_pcap("sll2.pcap", 276, buf, 20 + sizeof(ipv4_udp), 20 + sizeof(ipv4_udp)),
		 &fr, &ro, &rn);
	CHECK_EQ(ro, 0);
	CHECK_EQ(rn, 1);
	check_ipv4_frame(&fr, 0, 20 + sizeof(ipv4_udp));
	TEST_END();

	TEST_BEGIN("read BSD loopback (DLT_NULL, both byte orders) and DLT_LOOP");
	uint32_t af = 2;
	memcpy(buf, &af, 4);
	memcpy(buf + 4, ipv4_udp, sizeof(ipv4_udp));
	read_one(write_pcap("null.pcap", DLT_NULL, buf, 32, 32), &fr, &ro, &rn);
	CHECK_EQ(ro, 0);
	CHECK_EQ(rn, 1);
	check_ipv4_frame(&fr, 0, 32);
	af = __builtin_bswap32(2);
	memcpy(buf, &af, 4);
	read_one(write_pcap("null-be.pcap", DLT_NULL, buf, 32, 32), &fr, &ro, &rn);
	CHECK_EQ(ro, 0);
	CHECK_EQ(rn, 1);
	check_ipv4_frame(&fr, 0, 32);
	read_one(write_pcap("loop.pcap", DLT_LOOP, buf, 32, 32), &fr, &ro, &rn);
	CHECK_EQ(ro, 0);
	CHECK_EQ(rn, 1);
	check_ipv4_frame(&fr, 0, 32);
	TEST_END();

	TEST_BEGIN("snaplen-truncated frame keeps its wire length");
	read_one(write_pcap("trunc.pcap", DLT_RAW, ipv4_udp, sizeof(ipv4_udp), 1500), &fr, &ro,
		 &rn);
	CHECK_EQ(ro, 0);
	CHECK_EQ(rn, 1);
	check_ipv4_frame(&fr, 1500 - sizeof(ipv4_udp), 1500);
	TEST_END();

	TEST_BEGIN("unsupported link type is refused");
	read_one(write_pcap("frelay.pcap", 107 /* DLT_FRELAY */, ipv4_udp, 28, 28), &fr, &ro,
		 &rn);
	CHECK_EQ(ro, -EPROTONOSUPPORT);
	TEST_END();

	test_link_headers();

	TEST_BEGIN("missing file and non-capture file are refused");
	struct pl_pcap_file *f = malloc(sizeof(*f));
	CHECK_EQ(pl_pcap_open(f, "/nonexistent/x.pcap"), -ENOENT);
	char path[256];
	snprintf(path, sizeof(path), "%s/text.pcap", dir);
	FILE *t = fopen(path, "w");
	fputs("this is not a capture file at all\n", t);
	fclose(t);
	CHECK_EQ(pl_pcap_open(f, path), -EINVAL);
	free(f);
	TEST_END();
}

static void test_writer(int pcapng)
{
	struct pl_pcap_writer *w;
	char path[256], err[PCAP_ERRBUF_SIZE];
	uint8_t frame[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;

	TEST_BEGIN(pcapng ? "pcapng writer output reads back in libpcap"
			  : "pcap writer output reads back in libpcap");
	snprintf(path, sizeof(path), "%s/out.%s", dir, pcapng ? "pcapng" : "pcap");
	memcpy(frame + 14, ipv4_udp, sizeof(ipv4_udp));
	CHECK_EQ(pl_pcap_writer_open(&w, path, pcapng, 1 /* Ethernet */, 96, "veth-test", NULL), 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(pl_pcap_writer_write(w, frame, 42 + i, 1000 + i,
					      1700000000123456789ull + i), 0);
	CHECK_EQ(pl_pcap_writer_close(w), 0);
	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	CHECK(p != NULL, "libpcap cannot open it: %s", err);
	if (p) {
		CHECK_EQ(pcap_datalink(p), DLT_EN10MB);
		for (int i = 0; i < 3; i++) {
			CHECK_EQ(pcap_next_ex(p, &h, &data), 1);
			CHECK_EQ(h->caplen, 42 + i);
			CHECK_EQ(h->len, 1000 + i);
			CHECK_EQ(h->ts.tv_sec, 1700000000);
			CHECK_EQ(h->ts.tv_usec, 123456789 + i);
			CHECK(!memcmp(data, frame, 42 + i), "bytes differ");
		}
		CHECK_EQ(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
		pcap_close(p);
	}
	TEST_END();
}

int main(void)
{
	int rc;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_linktypes();
	test_writer(0);
	test_writer(1);
	rc = check_summary();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return rc;
}
