/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ssh.h - the SSH identification string (RFC 4253 4.2): "SSH-protoversion-
 * softwareversion SP comments CR LF", which a server may precede with other lines.
 * Only complete lines inside the data are read; a line is at most 255 bytes. Then
 * the HASSH of the KEXINIT that follows.
 */
#ifndef PL_L7_SSH_H
#define PL_L7_SSH_H

#include <stddef.h>
#include <stdint.h>
#include "l7/meta.h"

/*
 * Find the identification line at the start of one stream direction,
 * @data[0..@len), and fill @side. Returns 1 when found, 0 when not there (yet): the
 * data does not start with "SSH-" or a line that may precede it, or the line is not
 * complete; -EINVAL when it never will be (a line over 255 bytes, or more than 16
 * lines before it).
 */
int pl_l7_ssh_parse(const uint8_t *data, size_t len, struct pl_l7_ssh_side *side);

/*
 * HASSH (Salesforce's definition) of the KEXINIT that follows the identification line
 * in one stream direction: MD5, lower-case hex into @out, of "kex;enc;mac;compression"
 * with the client-to-server lists (@client) or the server-to-client ones (HASSH-server).
 * Returns 1 when computed, 0 when the packet is not all there (yet), -EINVAL when the
 * next packet is no KEXINIT or its lists lie about their lengths.
 */
int pl_l7_ssh_hassh(const uint8_t *data, size_t len, int client, char out[33]);

#endif
