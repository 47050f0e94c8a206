// SPDX-License-Identifier: BSD-2-Clause
/* token.c - the bearer token of write calls: read from a private file, compared safely. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "serve/serve.h"

static int token_check(const char *buf, size_t n, char *why, size_t whylen)
{
	if (n < PL_TOKEN_MIN || n > PL_TOKEN_MAX) {
		snprintf(why, whylen, "the token must be %d to %d characters, not %zu",
			 PL_TOKEN_MIN, PL_TOKEN_MAX, n);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (buf[i] <= ' ' || buf[i] > '~') {
			snprintf(why, whylen, "the token must be printable ASCII without spaces "
				 "(character %zu is not)", i + 1);
			return -EINVAL;
		}
	}
	return 0;
}

int pl_token_load(const char *path, char **out, char *why, size_t whylen)
{
	char buf[PL_TOKEN_MAX + 3];
	struct stat st;
	ssize_t n;
	int fd, err;

	*out = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(why, whylen, "cannot open token file %s: %s", path, strerror(errno));
		return err;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "token file %s is not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if (st.st_mode & 077) {
		snprintf(why, whylen, "token file %s is mode %04o: others could read it; "
			 "chmod 600 %s", path, st.st_mode & 07777, path);
		close(fd);
		return -EPERM;
	}
	if (st.st_uid != geteuid()) {
		snprintf(why, whylen, "token file %s belongs to uid %u, not to this user (%u)",
			 path, (unsigned int)st.st_uid, (unsigned int)geteuid());
		close(fd);
		return -EPERM;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	err = errno;
	close(fd);
	if (n < 0) {
		snprintf(why, whylen, "cannot read token file %s: %s", path, strerror(err));
		return -err;
	}
	/* One line: a final newline (and CR) is not part of the token. */
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (token_check(buf, (size_t)n, why, whylen)) {
		size_t l = strlen(why);

		snprintf(why + l, whylen - l, " (token file %s)", path);
		return -EINVAL;
	}
	*out = strndup(buf, (size_t)n);
	if (!*out) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int pl_token_from_header(const char *hdr, const char **tok, size_t *len)
{
	size_t n;

	if (!hdr || strncasecmp(hdr, "Bearer ", 7))
		return -EINVAL;
	hdr += 7;
	while (*hdr == ' ')
		hdr++;
	n = strlen(hdr);
	while (n && hdr[n - 1] == ' ')
		n--;
	if (!n)
		return -EINVAL;
	*tok = hdr;
	*len = n;
	return 0;
}

bool pl_token_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char diff = alen != blen;
	size_t n = alen < blen ? alen : blen;

	/* Every byte is looked at whatever the outcome: no early return. */
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return !diff;
}
