// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of QUIC's Initial reader (src/l7/quic.c): the client's keys against RFC
 * 9001's appendix A.1 (v1) and RFC 9369's appendix A.1 (v2); a ClientHello cut into
 * three CRYPTO frames sent out of order over two Initial packets (the second with
 * another Destination Connection ID, its keys still the first one's), each protected
 * here with those keys as a client does (AES-128-GCM, then header protection): the SNI
 * comes out once the last piece is in, not before; a packet with a bad tag, a cut
 * one and an unknown version give nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <gcrypt.h>
#include "check.h"
#include "l7/quic.h"

static void hex(const char *h, uint8_t *out)
{
	for (size_t i = 0; h[2 * i]; i++)
		sscanf(h + 2 * i, "%2hhx", &out[i]);
}

static void test_keys(void)
{
	static const uint8_t dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };
	uint8_t key[16], iv[12], hp[16], want[16];

	TEST_BEGIN("quic: client Initial keys as RFC 9001 A.1 (v1) and RFC 9369 A.1 (v2)");
	CHECK_EQ(pl_l7_quic_client_keys(1, dcid, sizeof(dcid), key, iv, hp), 0);
	hex("1f369613dd76d5467730efcbe3b1a22d", want);
	CHECK(!memcmp(key, want, 16), "v1 key");
	hex("fa044b2f42a3fd3b46fb255c", want);
	CHECK(!memcmp(iv, want, 12), "v1 iv");
	hex("9f50449e04a0e810283a1e9933adedd2", want);
	CHECK(!memcmp(hp, want, 16), "v1 hp");
	CHECK_EQ(pl_l7_quic_client_keys(0x6b3343cf, dcid, sizeof(dcid), key, iv, hp), 0);
	hex("8b1a0bc121284290a29e0971b5cd045d", want);
	CHECK(!memcmp(key, want, 16), "v2 key");
	hex("91f73e2351d8fa91660e909f", want);
	CHECK(!memcmp(iv, want, 12), "v2 iv");
	hex("45b95e15235d6f45a6b19cbcb0294ba9", want);
	CHECK(!memcmp(hp, want, 16), "v2 hp");
	CHECK(pl_l7_quic_client_keys(0x51303530, dcid, sizeof(dcid), key, iv, hp) < 0,
	      "gQUIC's Q050 is not known");
	TEST_END();
}

/* A ClientHello handshake message (no record header) naming @sni. */
static size_t hello(uint8_t *b, const char *sni)
{
	size_t n = strlen(sni), p = 0, ext, body;

	b[p++] = 1;
	p += 3; /* length, below */
	body = p;
	b[p++] = 3, b[p++] = 3;
	memset(b + p, 0x11, 32), p += 32;          /* random */
	b[p++] = 0;                                /* session id */
	b[p++] = 0, b[p++] = 2, b[p++] = 0x13, b[p++] = 0x01; /* one cipher suite */
	b[p++] = 1, b[p++] = 0;                    /* compression: null */
	ext = p;
	p += 2;
	b[p++] = 0, b[p++] = 0;                    /* server_name */
	b[p++] = 0, b[p++] = (uint8_t)(n + 5);
	b[p++] = 0, b[p++] = (uint8_t)(n + 3);
	b[p++] = 0, b[p++] = 0, b[p++] = (uint8_t)n;
	memcpy(b + p, sni, n), p += n;
	b[ext] = (uint8_t)((p - ext - 2) >> 8), b[ext + 1] = (uint8_t)(p - ext - 2);
	b[1] = 0, b[2] = (uint8_t)((p - body) >> 8), b[3] = (uint8_t)(p - body);
	return p;
}

struct frag {
	size_t off, len;
};

/*
 * A v1 client Initial to @out with destination CID @dcid, packet number @pn, the
 * CRYPTO frames @f of @crypto, padded to 1200 bytes, protected with @keys_dcid's keys.
 */
static size_t initial(uint8_t *out, const uint8_t *dcid, const uint8_t *keys_dcid,
		      uint8_t pn, const uint8_t *crypto, const struct frag *f, int nf)
{
	uint8_t key[16], iv[12], hp[16], pt[1200] = { 0 }, mask[16];
	size_t p = 0, n = 0, pn_off, len = 1100;
	gcry_cipher_hd_t h;

	pl_l7_quic_client_keys(1, keys_dcid, 8, key, iv, hp);
	for (int i = 0; i < nf; i++) {
		pt[n++] = 0x06;
		pt[n++] = 0x40 | (uint8_t)(f[i].off >> 8), pt[n++] = (uint8_t)f[i].off;
		pt[n++] = 0x40 | (uint8_t)(f[i].len >> 8), pt[n++] = (uint8_t)f[i].len;
		memcpy(pt + n, crypto + f[i].off, f[i].len);
		n += f[i].len;
	}
	out[p++] = 0xc0; /* long header, Initial, 1-byte packet number */
	out[p++] = 0, out[p++] = 0, out[p++] = 0, out[p++] = 1;
	out[p++] = 8;
	memcpy(out + p, dcid, 8), p += 8;
	out[p++] = 0; /* no source CID */
	out[p++] = 0; /* no token */
	out[p++] = 0x40 | (uint8_t)(len >> 8), out[p++] = (uint8_t)len;
	pn_off = p;
	out[p++] = pn;
	iv[11] ^= pn;
	gcry_cipher_open(&h, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_GCM, 0);
	gcry_cipher_setkey(h, key, 16);
	gcry_cipher_setiv(h, iv, 12);
	gcry_cipher_authenticate(h, out, p);
	gcry_cipher_encrypt(h, out + p, len - 1 - 16, pt, len - 1 - 16);
	gcry_cipher_gettag(h, out + p + len - 1 - 16, 16);
	gcry_cipher_close(h);
	gcry_cipher_open(&h, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_ECB, 0);
	gcry_cipher_setkey(h, hp, 16);
	gcry_cipher_encrypt(h, mask, 16, out + pn_off + 4, 16);
	gcry_cipher_close(h);
	out[0] ^= mask[0] & 0x0f;
	out[pn_off] ^= mask[1];
	return pn_off + len;
}

static void test_reassembly(void)
{
	static const uint8_t d1[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, d2[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };
	uint8_t ch[200], a[1300], b[1300];
	size_t n = hello(ch, "quic.example"), na, nb;
	struct frag first[2] = { { 40, n - 40 }, { 0, 10 } }, second[1] = { { 10, 30 } };
	struct pl_l7_quic *q = calloc(1, sizeof(*q));
	struct pl_l7_tls t = {};

	TEST_BEGIN("quic: a ClientHello in CRYPTO frames out of order over two Initials");
	na = initial(a, d1, d1, 0, ch, first, 2);
	/* The second Initial names another DCID; its keys are still the first one's. */
	nb = initial(b, d2, d1, 1, ch, second, 1);
	CHECK(pl_l7_quic_looks_like(a, na), "a long-header v1 packet");
	CHECK_EQ(pl_l7_quic_packet(q, a, na, 5, &t), 0);
	CHECK(!t.have_client_hello, "not before the middle piece is in");
	CHECK_EQ(pl_l7_quic_packet(q, b, nb, 6, &t), 1);
	CHECK(!strcmp(t.sni, "quic.example"), "sni '%s'", t.sni);
	CHECK(t.have_client_hello && t.from_ndpi, "a QUIC hello (EVE's quic event)");
	TEST_END();

	TEST_BEGIN("quic: a bad tag, a cut packet, an unknown version give nothing");
	memset(q, 0, sizeof(*q));
	memset(&t, 0, sizeof(t));
	{
		struct frag all[1] = { { 0, n } };

		na = initial(a, d1, d1, 0, ch, all, 1);
	}
	a[na - 1] ^= 1; /* the tag */
	CHECK_EQ(pl_l7_quic_packet(q, a, na, 0, &t), 0);
	a[na - 1] ^= 1;
	CHECK_EQ(pl_l7_quic_packet(q, a, na - 100, 0, &t), 0);
	a[4] = 2; /* version 2 of nothing known */
	CHECK(!pl_l7_quic_looks_like(a, na), "unknown version");
	CHECK_EQ(pl_l7_quic_packet(q, a, na, 0, &t), 0);
	a[4] = 1;
	CHECK_EQ(pl_l7_quic_packet(q, a, na, 0, &t), 1);
	CHECK(!strcmp(t.sni, "quic.example"), "the intact packet: sni '%s'", t.sni);
	free(q);
	TEST_END();
}

int main(void)
{
	test_keys();
	test_reassembly();
	return check_summary();
}
