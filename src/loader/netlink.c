// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include "loader/netlink.h"

int pl_nl_request(int protocol, const void *req, size_t len, pl_nl_parse parse, void *ctx)
{
	char buf[16384];
	int fd, n, done = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return -errno;
	if (send(fd, req, len, 0) < 0) {
		done = -errno;
		goto out;
	}
	while (!done) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			done = -errno;
			break;
		}
		if (n == 0) {
			done = -EIO;
			break;
		}
		done = parse(buf, n, ctx);
	}
out:
	close(fd);
	return done;
}
