// SPDX-License-Identifier: BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "util/json_text.h"

size_t pl_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t k;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		k = 2;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4;
	else
		return 0;
	if (k > n)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return k;
}

/* Bytes of the valid prefix of @u. */
static size_t valid_prefix(const unsigned char *u, size_t len)
{
	size_t i = 0, k;

	while (i < len && (k = pl_utf8_seq(u + i, len - i)))
		i += k;
	return i;
}

/* At most 4 output bytes per input byte: U+FFFD is 3 bytes, \xNN 4. */
static size_t rewrite(char *out, const unsigned char *u, size_t len, enum pl_json_bad how)
{
	char *p = out;
	size_t i = 0, k;

	while (i < len) {
		if (how == PL_JSON_BAD_HEX) {
			if (u[i] < 0x80)
				*p++ = (char)u[i];
			else
				p += sprintf(p, "\\x%02x", u[i]);
			i++;
			continue;
		}
		k = pl_utf8_seq(u + i, len - i);
		if (!k) {
			memcpy(p, "\xef\xbf\xbd", 3);
			p += 3;
			i++;
			continue;
		}
		memcpy(p, u + i, k);
		p += k;
		i += k;
	}
	return (size_t)(p - out);
}

json_object *pl_json_text(const char *s, size_t len, enum pl_json_bad how)
{
	const unsigned char *u = (const unsigned char *)s;
	json_object *o;
	char *buf;

	if (valid_prefix(u, len) == len)
		return json_object_new_string_len(s, (int)len);
	buf = malloc(len * 4 + 1);
	if (!buf)
		return NULL;
	o = json_object_new_string_len(buf, (int)rewrite(buf, u, len, how));
	free(buf);
	return o;
}
