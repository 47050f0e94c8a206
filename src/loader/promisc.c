// SPDX-License-Identifier: BSD-2-Clause
/*
 * promisc.c - see promisc.h. A packet socket with protocol 0 is never handed a packet
 * (it is not bound to any), so holding it costs nothing per packet; its
 * PACKET_MR_PROMISC membership is what turns the mode on.
 */
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#include "loader/promisc.h"

int pl_promisc_hold(int ifindex)
{
	struct packet_mreq mr = { .mr_ifindex = ifindex, .mr_type = PACKET_MR_PROMISC };
	int fd, err;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}
