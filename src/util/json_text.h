/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * json_text.h - bytes made into a json-c string (JSON text is UTF-8, RFC 8259): the one
 * place pktlens decides what a byte that is not UTF-8 becomes. json-c escapes quotes,
 * backslashes and control bytes itself.
 */
#ifndef PL_JSON_TEXT_H
#define PL_JSON_TEXT_H

#include <stddef.h>

struct json_object;

enum pl_json_bad {
	PL_JSON_BAD_FFFD, /* U+FFFD per bad byte, as jq and Python show it (names, paths) */
	PL_JSON_BAD_HEX,  /* the four characters \xNN per byte above 0x7f, once any byte of
			   * the string is bad: Suricata's EVE way for payload bytes */
};

/* Length of the well-formed UTF-8 sequence at @s of @n bytes (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF); 1 for ASCII; 0 when not one. */
size_t pl_utf8_seq(const unsigned char *s, size_t n);

/* A new json-c string of the @len bytes at @s, bad bytes as @how says; NULL when out
 * of memory. The caller owns the reference. */
struct json_object *pl_json_text(const char *s, size_t len, enum pl_json_bad how);

#endif
