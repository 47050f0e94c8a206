// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_ipfix.c - the IPFIX encoder and exporter (src/export/ipfix.c), held to RFC 7011's
 * layout by a decoder written here from the RFC: the template set (both templates, IANA
 * element ids and lengths, pktlens's enterprise-specific ones), a data record's bytes field
 * by field, messages over a
 * datagram socket pair (templates first, sets per family, lengths, the sequence number
 * counting data records), large batches split under PL_IPFIX_MSG_MAX, and a failed
 * send counted as lost with the templates sent again before the next data.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "check.h"
#include "export/ipfix.h"

static unsigned get16(const __u8 *p) { return (unsigned)p[0] << 8 | p[1]; }
static unsigned long get32(const __u8 *p) { return (unsigned long)get16(p) << 16 | get16(p + 2); }
static unsigned long long get64(const __u8 *p)
{
	return (unsigned long long)get32(p) << 32 | get32(p + 4);
}

/* Enterprise numbers of the last template read (0: IANA's element). */
static unsigned long pen[32];

/*
 * A template from RFC 7011 3.4.1: its id, fields (ie, len) into @ie/@len, their
 * enterprise numbers into pen[] (a field specifier with the E bit: 4 more bytes, 3.2);
 * its size.
 */
static size_t read_template(const __u8 *p, unsigned *id, unsigned *n, unsigned ie[], unsigned len[])
{
	size_t off = 4;

	*id = get16(p);
	*n = get16(p + 2);
	for (unsigned k = 0; k < *n; k++, off += 4) {
		ie[k] = get16(p + off) & 0x7fff;
		len[k] = get16(p + off + 2);
		pen[k] = get16(p + off) & 0x8000 ? get32(p + off + 4) : 0;
		if (pen[k])
			off += 4;
	}
	return off;
}

static struct pl_ipfix_rec rec4(void)
{
	struct pl_ipfix_rec r = {
		.family = 4, .src = { 198, 18, 0, 1 }, .dst = { 198, 19, 0, 2 }, .sport = 40000,
		.dport = 443, .proto = 6, .tcp_flags = 0x12, .vlan = 100, .ifindex = 7,
		.octets = 1500, .l2_octets = 1570, .packets = 5, .start_ms = 1765000000123ull,
		.end_ms = 1765000001456ull, .end_reason = PL_IPFIX_END_IDLE,
	};
	return r;
}

static void test_templates(void)
{
	static const unsigned want4[][2] = {
		{ 8, 4 }, { 12, 4 }, { 7, 2 }, { 11, 2 }, { 4, 1 }, { 6, 2 }, { 58, 2 }, { 10, 4 },
		{ 1, 8 }, { 2, 8 }, { 352, 8 }, { 152, 8 }, { 153, 8 }, { 136, 1 }, { 95, 4 },
		{ 1, 4 }, { 2, 4 }, { 3, 4 }, { 4, 4 }, /* pktlens's: RTT min, mean, max, samples */
	};
	unsigned id, n, ie[32], len[32], sum = 0;
	__u8 buf[512];
	size_t l = pl_ipfix_put_templates(buf, sizeof(buf)), off;

	TEST_BEGIN("template set: id 2, both templates, IANA ids and lengths");
	CHECK(l > 0, "written");
	CHECK_EQ(get16(buf), 2);
	CHECK_EQ(get16(buf + 2), l);
	off = 4 + read_template(buf + 4, &id, &n, ie, len);
	CHECK_EQ(id, 256);
	CHECK_EQ(n, 19);
	for (unsigned k = 0; k < n && k < 19; k++) {
		CHECK(ie[k] == want4[k][0] && len[k] == want4[k][1], "v4 field %u: %u/%u", k,
		      ie[k], len[k]);
		CHECK(pen[k] == (k < 15 ? 0 : PL_IPFIX_PEN), "field %u: enterprise %lu", k, pen[k]);
		sum += len[k];
	}
	CHECK_EQ(sum, pl_ipfix_rec_len(4));
	off += read_template(buf + off, &id, &n, ie, len);
	CHECK_EQ(id, 257);
	CHECK_EQ(n, 19);
	CHECK(pen[18] == PL_IPFIX_PEN && ie[18] == 4, "v6: pktlens's elements too");
	CHECK(ie[0] == 27 && len[0] == 16 && ie[1] == 28 && len[1] == 16, "v6 addresses");
	sum = 0;
	for (unsigned k = 0; k < n; k++)
		sum += len[k];
	CHECK_EQ(sum, pl_ipfix_rec_len(6));
	CHECK_EQ(off, l);
	CHECK_EQ(pl_ipfix_put_templates(buf, l - 1), 0);
	TEST_END();
}

static void test_record(void)
{
	struct pl_ipfix_rec r = rec4();
	__u8 b[128];
	size_t l = pl_ipfix_put_record(b, sizeof(b), &r);

	TEST_BEGIN("IPv4 data record, field by field in template order");
	CHECK_EQ(l, 82);
	CHECK(!memcmp(b, r.src, 4) && !memcmp(b + 4, r.dst, 4), "addresses");
	CHECK_EQ(get16(b + 8), 40000);
	CHECK_EQ(get16(b + 10), 443);
	CHECK_EQ(b[12], 6);
	CHECK_EQ(get16(b + 13), 0x12);
	CHECK_EQ(get16(b + 15), 100);
	CHECK_EQ(get32(b + 17), 7);
	CHECK_EQ(get64(b + 21), 1500);
	CHECK_EQ(get64(b + 29), 5);
	CHECK_EQ(get64(b + 37), 1570);
	CHECK_EQ(get64(b + 45), 1765000000123ull);
	CHECK_EQ(get64(b + 53), 1765000001456ull);
	CHECK_EQ(b[61], 1);
	CHECK_EQ(get32(b + 62), 0); /* no application: an all-zero applicationId */
	CHECK(!get32(b + 66) && !get32(b + 70) && !get32(b + 74) && !get32(b + 78),
	      "no RTT: zeros");
	CHECK_EQ(pl_ipfix_put_record(b, 81, &r), 0);
	r.rtt_min_us = 20100, r.rtt_avg_us = 20300, r.rtt_max_us = 21000, r.rtt_samples = 22;
	pl_ipfix_put_record(b, sizeof(b), &r);
	CHECK(get32(b + 66) == 20100 && get32(b + 70) == 20300 && get32(b + 74) == 21000 &&
	      get32(b + 78) == 22, "RTT min, mean, max, samples");
	r.app_engine = PL_IPFIX_ENGINE_NDPI;
	r.app_selector = 0x123456;
	pl_ipfix_put_record(b, sizeof(b), &r);
	CHECK(b[62] == 6 && b[63] == 0x12 && b[64] == 0x34 && b[65] == 0x56,
	      "applicationId: engine 6, then the 3-octet selector");
	r.family = 5;
	CHECK_EQ(pl_ipfix_put_record(b, sizeof(b), &r), 0);
	TEST_END();

	TEST_BEGIN("IPv6 data record: 16-byte addresses, the rest as IPv4's");
	r = rec4();
	r.family = 6;
	memset(r.src, 0, 16);
	r.src[0] = 0x20, r.src[1] = 0x01, r.src[2] = 0x0d, r.src[3] = 0xb8, r.src[15] = 1;
	memcpy(r.dst, r.src, 16);
	r.dst[15] = 2;
	l = pl_ipfix_put_record(b, sizeof(b), &r);
	CHECK_EQ(l, 106);
	CHECK(!memcmp(b, r.src, 16) && !memcmp(b + 16, r.dst, 16), "addresses");
	CHECK_EQ(get16(b + 32), 40000);
	CHECK_EQ(get64(b + 53), 5);
	TEST_END();
}

/* Receive one datagram from @fd into @b; its length, or -1 if none is waiting. */
static ssize_t recv1(int fd, __u8 *b, size_t cap)
{
	return recv(fd, b, cap, MSG_DONTWAIT);
}

static void test_exporter(void)
{
	struct pl_ipfix_opts o = { .domain = 42, .template_refresh_s = 10 };
	struct pl_ipfix_rec r4 = rec4(), r6 = rec4();
	struct pl_ipfix_stats st;
	struct pl_ipfix *x;
	__u64 now = 1765000010000ull;
	unsigned long seq_want = 0, nrec = 0, msgs = 0;
	int sv[2];
	__u8 b[2048];
	ssize_t l;

	r6.family = 6;
	TEST_BEGIN("exporter: templates first, then one message with a set per family");
	CHECK(!socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), "socketpair");
	CHECK(!pl_ipfix_open_fd(&x, sv[0], &o), "open");
	pl_ipfix_add(x, &r4, now);
	pl_ipfix_add(x, &r4, now);
	pl_ipfix_add(x, &r6, now);
	pl_ipfix_flush(x, now);
	l = recv1(sv[1], b, sizeof(b));
	CHECK(l > 16, "template message");
	CHECK_EQ(get16(b), 10);
	CHECK_EQ(get16(b + 2), l);
	CHECK_EQ(get32(b + 4), now / 1000);
	CHECK_EQ(get32(b + 8), 0);
	CHECK_EQ(get32(b + 12), 42);
	CHECK_EQ(get16(b + 16), 2);
	l = recv1(sv[1], b, sizeof(b));
	CHECK_EQ(l, 16 + 4 + 2 * 82 + 4 + 106);
	CHECK_EQ(get16(b + 2), l);
	CHECK_EQ(get32(b + 8), 0);
	CHECK_EQ(get16(b + 16), 256);
	CHECK_EQ(get16(b + 18), 4 + 2 * 82);
	CHECK_EQ(get16(b + 16 + 168), 257);
	CHECK_EQ(get16(b + 18 + 168), 4 + 106);
	CHECK_EQ(recv1(sv[1], b, sizeof(b)), -1);
	TEST_END();

	TEST_BEGIN("exporter: 100 records split under the size limit, sequence counts records");
	seq_want = 3;
	for (int k = 0; k < 100; k++)
		pl_ipfix_add(x, k % 3 ? &r4 : &r6, now + 1000);
	pl_ipfix_flush(x, now + 1000); /* templates not due yet: 10 s refresh */
	while ((l = recv1(sv[1], b, sizeof(b))) > 0) {
		size_t off = 16;

		CHECK(l <= PL_IPFIX_MSG_MAX, "message of %zd bytes", l);
		CHECK_EQ(get16(b + 2), l);
		CHECK_EQ(get32(b + 8), seq_want);
		CHECK(get16(b + 16) != 2, "no template set");
		while (off < (size_t)l) {
			unsigned id = get16(b + off), sl = get16(b + off + 2);

			CHECK(sl > 4 && off + sl <= (size_t)l, "set length %u", sl);
			if (sl <= 4)
				break;
			nrec += (sl - 4) / (id == 256 ? 82 : 106);
			seq_want += (sl - 4) / (id == 256 ? 82 : 106);
			off += sl;
		}
		msgs++;
	}
	CHECK_EQ(nrec, 100);
	CHECK(msgs >= 6, "%lu messages", msgs);
	pl_ipfix_get_stats(x, &st);
	CHECK_EQ(st.records, 103);
	CHECK_EQ(st.template_sends, 1);
	CHECK_EQ(st.send_errors, 0);
	TEST_END();

	TEST_BEGIN("exporter: templates again once the refresh time is up");
	pl_ipfix_add(x, &r4, now + 10000);
	pl_ipfix_flush(x, now + 10000);
	l = recv1(sv[1], b, sizeof(b));
	CHECK(l > 16 && get16(b + 16) == 2, "template set");
	CHECK(recv1(sv[1], b, sizeof(b)) == 16 + 4 + 82, "data");
	TEST_END();

	TEST_BEGIN("exporter: a failed send counts records lost, asks for templates again");
	close(sv[1]);
	pl_ipfix_add(x, &r4, now + 11000);
	pl_ipfix_add(x, &r4, now + 11000);
	pl_ipfix_flush(x, now + 11000);
	pl_ipfix_get_stats(x, &st);
	CHECK_EQ(st.records_lost, 2);
	CHECK(st.send_errors >= 1, "errors %llu", (unsigned long long)st.send_errors);
	CHECK(pl_ipfix_last_error(x) != 0, "last error");
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "new pair");
	pl_ipfix_close(x);
	CHECK(!pl_ipfix_open_fd(&x, sv[0], &o), "open");
	pl_ipfix_close(x);
	close(sv[1]);
	TEST_END();
}

/* The retry: a socket whose peer comes back gets templates before data. */
static void test_retry(void)
{
	struct pl_ipfix_opts o = { .template_refresh_s = 3600 };
	struct pl_ipfix_rec r = rec4();
	struct pl_ipfix *x;
	int sv[2], fd2;
	__u8 b[2048];

	TEST_BEGIN("exporter: after a failure the next flush sends templates first");
	CHECK(!socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), "socketpair");
	CHECK(!pl_ipfix_open_fd(&x, sv[0], &o), "open");
	pl_ipfix_flush(x, 1000);
	CHECK(recv1(sv[1], b, sizeof(b)) > 0 && get16(b + 16) == 2, "first templates");
	/* A receive buffer that is full makes the next send fail with EAGAIN. */
	fd2 = sv[1];
	{
		int small = 1, k = 0;

		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
		while (k++ < 10000 && send(sv[0], b, 1000, MSG_DONTWAIT) > 0)
			;
	}
	pl_ipfix_add(x, &r, 2000);
	pl_ipfix_flush(x, 2000);
	CHECK(pl_ipfix_last_error(x) == EAGAIN, "EAGAIN, got %d", pl_ipfix_last_error(x));
	while (recv1(fd2, b, sizeof(b)) > 0)
		;
	pl_ipfix_add(x, &r, 3000);
	pl_ipfix_flush(x, 3000);
	CHECK(recv1(fd2, b, sizeof(b)) > 0 && get16(b + 16) == 2, "templates again");
	CHECK(recv1(fd2, b, sizeof(b)) == 16 + 4 + 82 && get32(b + 8) == 1,
	      "then data, sequence past the lost record");
	pl_ipfix_close(x);
	close(fd2);
	TEST_END();
}

int main(void)
{
	test_templates();
	test_record();
	test_exporter();
	test_retry();
	return check_summary();
}
