// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <gcrypt.h>
#include "l7/quic.h"

#define CID_MAX 20
#define TAG_LEN 16
#define HDR_MAX 512 /* header bytes up to the packet number, token included */
#define PL_L7_QUIC_MAX 2048 /* a datagram's payload read (the samples hold 1536 bytes) */

/* RFC 9001 5.2, RFC 9369 3.3.1 and the drafts' initial salts. */
static const uint8_t salt_v1[20] = { 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
				     0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a };
static const uint8_t salt_v2[20] = { 0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
				     0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9 };
static const uint8_t salt_d29[20] = { 0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
				      0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99 };
static const uint8_t salt_d23[20] = { 0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
				      0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02 };

struct version {
	const uint8_t *salt;
	int v2;      /* "quicv2 " labels, Initial is long-header type 1 */
};

static int version_of(uint32_t v, struct version *out)
{
	*out = (struct version){ .salt = salt_v1 };
	if (v == 1 || v == 0xff000021 || v == 0xff000022)
		return 1;
	if (v == 0x6b3343cf) {
		*out = (struct version){ .salt = salt_v2, .v2 = 1 };
		return 1;
	}
	if (v >= 0xff00001d && v <= 0xff000020) {
		out->salt = salt_d29;
		return 1;
	}
	if (v >= 0xff000017 && v <= 0xff00001c) {
		out->salt = salt_d23;
		return 1;
	}
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int pl_l7_quic_looks_like(const uint8_t *d, size_t n)
{
	struct version v;

	return n >= 7 && (d[0] & 0xc0) == 0xc0 && version_of(be32(d + 1), &v);
}

/* A variable-length integer (RFC 9000 16) at *off; -1 when cut. */
static int64_t varint(const uint8_t *d, size_t n, size_t *off)
{
	size_t len;
	uint64_t v;

	if (*off >= n)
		return -1;
	len = (size_t)1 << (d[*off] >> 6);
	if (n - *off < len)
		return -1;
	v = d[*off] & 0x3f;
	for (size_t i = 1; i < len; i++)
		v = v << 8 | d[*off + i];
	*off += len;
	return (int64_t)v;
}

static int hmac256(const uint8_t *key, size_t klen, const uint8_t *msg, size_t mlen,
		   uint8_t out[32])
{
	gcry_buffer_t iov[2] = { { .size = klen, .len = klen, .data = (void *)key },
				 { .size = mlen, .len = mlen, .data = (void *)msg } };

	return gcry_md_hash_buffers(GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC, out, iov, 2) ? -1 : 0;
}

/* HKDF-Expand-Label (RFC 8446 7.1) with an empty context, @len <= 32. */
static int expand_label(const uint8_t secret[32], const char *label, uint8_t *out, size_t len)
{
	uint8_t info[64], t[32];
	size_t ll = strlen(label), n = 0;

	info[n++] = 0;
	info[n++] = (uint8_t)len;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = 0; /* context */
	info[n++] = 1; /* T(1) */
	if (hmac256(secret, 32, info, n, t))
		return -1;
	memcpy(out, t, len);
	return 0;
}

struct keys {
	uint8_t key[16], iv[12], hp[16];
};

static int client_keys(const struct version *v, const uint8_t *dcid, size_t dcil, struct keys *k)
{
	uint8_t initial[32], client[32];

	if (hmac256(v->salt, 20, dcid, dcil, initial) ||
	    expand_label(initial, "client in", client, 32))
		return -1;
	if (v->v2)
		return expand_label(client, "quicv2 key", k->key, 16) ||
		       expand_label(client, "quicv2 iv", k->iv, 12) ||
		       expand_label(client, "quicv2 hp", k->hp, 16) ? -1 : 0;
	return expand_label(client, "quic key", k->key, 16) ||
	       expand_label(client, "quic iv", k->iv, 12) ||
	       expand_label(client, "quic hp", k->hp, 16) ? -1 : 0;
}

static void gcrypt_init(void);

int pl_l7_quic_client_keys(uint32_t version, const uint8_t *dcid, size_t dcil,
			   uint8_t key[16], uint8_t iv[12], uint8_t hp[16])
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct version v;
	struct keys k;

	if (!version_of(version, &v) || dcil > CID_MAX)
		return -EINVAL;
	pthread_once(&once, gcrypt_init);
	if (client_keys(&v, dcid, dcil, &k))
		return -EINVAL;
	memcpy(key, k.key, 16);
	memcpy(iv, k.iv, 12);
	memcpy(hp, k.hp, 16);
	return 0;
}

static int aes_ecb(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	gcry_cipher_hd_t h;
	int err;

	if (gcry_cipher_open(&h, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_ECB, 0))
		return -1;
	err = gcry_cipher_setkey(h, key, 16) || gcry_cipher_encrypt(h, out, 16, in, 16);
	gcry_cipher_close(h);
	return err ? -1 : 0;
}

/* AES-128-GCM open of @ct (tag after it) into @pt; 0 when the tag holds. */
static int gcm_open(const struct keys *k, const uint8_t nonce[12], const uint8_t *aad,
		    size_t alen, const uint8_t *ct, size_t clen, uint8_t *pt)
{
	gcry_cipher_hd_t h;
	int err;

	if (gcry_cipher_open(&h, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_GCM, 0))
		return -1;
	err = gcry_cipher_setkey(h, k->key, 16) || gcry_cipher_setiv(h, nonce, 12) ||
	      gcry_cipher_authenticate(h, aad, alen) ||
	      gcry_cipher_decrypt(h, pt, clen, ct, clen) ||
	      gcry_cipher_checktag(h, ct + clen, TAG_LEN);
	gcry_cipher_close(h);
	return err ? -1 : 0;
}

/* Put CRYPTO bytes at their offset; what lies past the buffer is dropped. */
static void place(struct pl_l7_quic *q, uint64_t off, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n && off + i < sizeof(q->crypto); i++) {
		size_t at = (size_t)(off + i);

		q->crypto[at] = b[i];
		q->have[at / 8] |= (uint8_t)(1u << (at % 8));
	}
}

/* Bytes present from offset 0 without a gap. */
static size_t contiguous(const struct pl_l7_quic *q)
{
	size_t i = 0;

	while (i < sizeof(q->crypto) && (q->have[i / 8] >> (i % 8) & 1))
		i++;
	return i;
}

/* The frames of a decrypted Initial: CRYPTO placed, PADDING/PING/ACK skipped; stops at
 * anything else (nothing else may follow in an Initial worth reading). */
static void frames(struct pl_l7_quic *q, const uint8_t *p, size_t n)
{
	size_t off = 0;

	while (off < n) {
		int64_t type = varint(p, n, &off), a, b, c;

		if (type == 0x00 || type == 0x01)
			continue;
		if (type == 0x02 || type == 0x03) {
			int64_t ranges;

			if (varint(p, n, &off) < 0 || varint(p, n, &off) < 0 ||
			    (ranges = varint(p, n, &off)) < 0 || varint(p, n, &off) < 0)
				return;
			for (int64_t i = 0; i < ranges; i++)
				if (varint(p, n, &off) < 0 || varint(p, n, &off) < 0)
					return;
			if (type == 0x03)
				for (int i = 0; i < 3; i++)
					if (varint(p, n, &off) < 0)
						return;
			continue;
		}
		if (type != 0x06)
			return;
		a = varint(p, n, &off); /* offset */
		b = varint(p, n, &off); /* length */
		if (a < 0 || b < 0 || (uint64_t)b > n - off)
			return;
		c = (int64_t)off;
		place(q, (uint64_t)a, p + c, (size_t)b);
		off += (size_t)b;
	}
}

static int open_initial(struct pl_l7_quic *q, const struct version *v, const uint8_t *dcid,
			size_t dcil, const uint8_t *d, size_t pn_off, size_t len);

/* One long-header packet at @d: its length, or 0 when the rest cannot be read. Reads
 * it when it is a client Initial of a known version. */
static size_t one_packet(struct pl_l7_quic *q, const uint8_t *d, size_t n)
{
	size_t off = 5, dcil, pn_off, end;
	struct version v;
	const uint8_t *dcid;
	int64_t len, tok;

	if (n < 7 || (d[0] & 0xc0) != 0xc0 || !version_of(be32(d + 1), &v))
		return 0;
	dcil = d[off++];
	if (dcil > CID_MAX || n - off < dcil + 1)
		return 0;
	dcid = d + off;
	off += dcil;
	if (d[off] > CID_MAX || n - off - 1 < d[off])
		return 0;
	off += 1 + d[off];
	if (((d[0] >> 4) & 3) != (v.v2 ? 1 : 0)) {
		/* 0-RTT or Handshake: only its length, to reach the next packet */
		len = varint(d, n, &off);
		return len < 0 || (uint64_t)len > n - off ? 0 : off + (size_t)len;
	}
	tok = varint(d, n, &off);
	if (tok < 0 || (uint64_t)tok > n - off)
		return 0;
	off += (size_t)tok;
	len = varint(d, n, &off);
	if (len < 0 || (uint64_t)len > n - off)
		return 0;
	pn_off = off;
	end = pn_off + (size_t)len;
	if (len < 4 + 16 || pn_off + 4 > HDR_MAX)
		return end;
	/* Keys from this packet's DCID, then from the first Initial's (a client that
	 * heard the server uses the server's CID but keeps its first keys). */
	if (!open_initial(q, &v, dcid, dcil, d, pn_off, (size_t)len) && q->dcil &&
	    (q->dcil != dcil || memcmp(q->dcid, dcid, dcil)))
		open_initial(q, &v, q->dcid, q->dcil, d, pn_off, (size_t)len);
	return end;
}

/* Unprotect and open the Initial at @d with the keys of @dcid; reads its frames and
 * returns 1 when the tag holds. */
static int open_initial(struct pl_l7_quic *q, const struct version *v, const uint8_t *dcid,
			size_t dcil, const uint8_t *d, size_t pn_off, size_t len)
{
	uint8_t hdr[HDR_MAX], mask[16], nonce[12], pt[PL_L7_QUIC_MAX];
	size_t pnl, clen;
	struct keys k;

	if (client_keys(v, dcid, dcil, &k) || aes_ecb(k.hp, d + pn_off + 4, mask))
		return 0;
	memcpy(hdr, d, pn_off + 4);
	hdr[0] ^= mask[0] & 0x0f;
	pnl = (hdr[0] & 3) + 1;
	memcpy(nonce, k.iv, 12);
	for (size_t i = 0; i < pnl; i++) {
		hdr[pn_off + i] ^= mask[1 + i];
		nonce[12 - pnl + i] ^= hdr[pn_off + i];
	}
	if (len < pnl + TAG_LEN)
		return 0;
	clen = len - pnl - TAG_LEN;
	if (clen > sizeof(pt) ||
	    gcm_open(&k, nonce, hdr, pn_off + pnl, d + pn_off + pnl, clen, pt))
		return 0; /* not the client's, other keys, or damaged */
	if (!q->dcil && dcil) {
		q->dcil = (uint8_t)dcil;
		memcpy(q->dcid, dcid, dcil);
	}
	frames(q, pt, clen);
	return 1;
}

/* libgcrypt wants gcry_check_version() before its first use, once per process. */
static void gcrypt_init(void)
{
	gcry_check_version(NULL);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
}

int pl_l7_quic_packet(struct pl_l7_quic *q, const uint8_t *d, size_t n, uint64_t ts_ns,
		      struct pl_l7_tls *t)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	size_t off = 0, used;

	if (q->done || t->have_client_hello)
		return 0;
	pthread_once(&once, gcrypt_init);
	/* Coalesced packets: Initial, 0-RTT, Handshake one after another (RFC 9000 12.2). */
	for (int i = 0; i < 4 && off < n; i++) {
		used = one_packet(q, d + off, n - off);
		if (!used)
			break;
		off += used;
	}
	if (!pl_l7_tls_handshake(q->crypto, contiguous(q), 0, ts_ns, t) || !t->have_client_hello)
		return 0;
	q->done = 1;
	/* The same mark nDPI's QUIC names get: EVE writes a "quic" event. */
	t->from_ndpi = 1;
	return 1;
}
