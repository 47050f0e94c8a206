// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <gcrypt.h>
#include "l7/ssh.h"

#define LINE_MAX_   255
#define LINES_BEFORE 16
#define PL_L7_STREAM_MAX_HASSH 4096 /* the four lists of a KEXINIT held in a stream start */

static void copy_bytes(char *dst, size_t dstsz, const uint8_t *src, size_t n)
{
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Split "SSH-2.0-OpenSSH_9.2p1 Debian-2" (no line end) into its parts. */
static int split(const uint8_t *l, size_t n, struct pl_l7_ssh_side *side)
{
	const uint8_t *dash, *sp, *sw;
	size_t swn;

	dash = memchr(l + 4, '-', n - 4);
	if (!dash || dash == l + 4)
		return -EINVAL;
	sw = dash + 1;
	swn = n - (size_t)(sw - l);
	sp = memchr(sw, ' ', swn);
	copy_bytes(side->proto_version, sizeof(side->proto_version), l + 4,
		   (size_t)(dash - (l + 4)));
	if (sp) {
		copy_bytes(side->comments, sizeof(side->comments), sp + 1,
			   swn - (size_t)(sp + 1 - sw));
		swn = (size_t)(sp - sw);
	}
	copy_bytes(side->software_version, sizeof(side->software_version), sw, swn);
	side->have = 1;
	return 1;
}

/* Offset just past the identification line's LF, 0 when it is not (yet) there. */
static size_t banner_end(const uint8_t *data, size_t len)
{
	size_t p = 0;

	for (int lines = 0; lines <= LINES_BEFORE; lines++) {
		size_t rest = len - p, win = rest < LINE_MAX_ + 1 ? rest : LINE_MAX_ + 1;
		const uint8_t *lf = memchr(data + p, '\n', win);
		int banner = rest >= 4 && !memcmp(data + p, "SSH-", 4);

		if (!lf)
			return 0;
		p += (size_t)(lf - (data + p)) + 1;
		if (banner)
			return p;
	}
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void gcrypt_init(void)
{
	gcry_check_version(NULL);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
}

int pl_l7_ssh_hassh(const uint8_t *data, size_t len, int client, char out[33])
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	/* name-lists: kex, host key, enc c2s, enc s2c, mac c2s, mac s2c, comp c2s, comp s2c */
	static const int pick[2][4] = { { 0, 3, 5, 7 }, { 0, 2, 4, 6 } };
	const uint8_t *list[8];
	uint32_t n[8];
	size_t off = banner_end(data, len), end, used = 0;
	uint8_t md[16];
	char str[PL_L7_STREAM_MAX_HASSH];

	if (!off || len - off < 6 + 16)
		return 0;
	end = be32(data + off);
	if (end > len - off - 4)
		return 0; /* the packet is not all there (yet) */
	end += off + 4;
	if (data[off + 5] != 20 || end < off + 6 + 16) /* SSH_MSG_KEXINIT, its cookie */
		return -EINVAL;
	off += 6 + 16; /* packet length, padding length, type, cookie */
	for (int i = 0; i < 8; i++) {
		/* off <= end holds: each list was checked to end inside the packet */
		if (end - off < 4 || be32(data + off) > end - off - 4)
			return -EINVAL;
		n[i] = be32(data + off);
		list[i] = data + off + 4;
		off += 4 + n[i];
	}
	for (int i = 0; i < 4; i++) {
		int k = pick[!!client][i];

		if (used + n[k] + 1 > sizeof(str))
			return -EINVAL;
		memcpy(str + used, list[k], n[k]);
		used += n[k];
		str[used++] = ';';
	}
	pthread_once(&once, gcrypt_init);
	gcry_md_hash_buffer(GCRY_MD_MD5, md, str, used - 1);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 1;
}

int pl_l7_ssh_parse(const uint8_t *data, size_t len, struct pl_l7_ssh_side *side)
{
	size_t p = 0;

	for (int lines = 0; lines <= LINES_BEFORE; lines++) {
		size_t rest = len - p, n;
		const uint8_t *lf = memchr(data + p, '\n', rest < LINE_MAX_ + 1 ? rest : LINE_MAX_ + 1);

		if (!lf)
			return rest > LINE_MAX_ ? -EINVAL : 0;
		n = (size_t)(lf - (data + p));
		if (n && data[p + n - 1] == '\r')
			n--;
		if (n >= 4 && !memcmp(data + p, "SSH-", 4))
			return split(data + p, n, side);
		/* A line before the banner: text only, or this is not SSH at all. */
		for (size_t i = 0; i < n; i++)
			if (data[p + i] < 0x20 && data[p + i] != '\t')
				return -EINVAL;
		p += (size_t)(lf - (data + p)) + 1;
	}
	return -EINVAL;
}
