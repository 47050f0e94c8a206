// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <string.h>
#include "l7/ssh.h"

#define LINE_MAX_   255
#define LINES_BEFORE 16

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
