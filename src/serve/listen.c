// SPDX-License-Identifier: BSD-2-Clause
/* listen.c - the address --listen names: "ADDR:PORT" or "[ADDR6]:PORT", numeric only. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "serve/serve.h"

static int parse_port(const char *s, unsigned short *port)
{
	char *end;
	unsigned long n;

	if (*s < '0' || *s > '9' || strlen(s) > 5)
		return -EINVAL;
	n = strtoul(s, &end, 10);
	if (*end || n < 1 || n > 65535)
		return -EINVAL;
	*port = htons((unsigned short)n);
	return 0;
}

int pl_listen_parse(const char *s, struct sockaddr_storage *ss, const char **why)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon, *h = s;
	unsigned short port;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	*why = "expected ADDR:PORT (e.g. 127.0.0.1:9739) or [ADDR6]:PORT (e.g. [::1]:9739)";
	if (*s == '[') {
		colon = strstr(s, "]:");
		if (!colon)
			return -EINVAL;
		h = s + 1;
		n = (size_t)(colon - h);
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return -EINVAL; /* an IPv6 address needs its brackets */
		n = (size_t)(colon - s);
	}
	if (!n || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = 0;
	if (parse_port(colon + 1, &port)) {
		*why = "the port must be a number from 1 to 65535";
		return -EINVAL;
	}
	if (*s == '[') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1) {
			*why = "not a numeric IPv6 address between the brackets";
			return -EINVAL;
		}
		a6->sin6_family = AF_INET6;
		a6->sin6_port = port;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) {
			*why = "not a numeric IPv4 address (host names are not looked up)";
			return -EINVAL;
		}
		a4->sin_family = AF_INET;
		a4->sin_port = port;
	}
	return 0;
}
