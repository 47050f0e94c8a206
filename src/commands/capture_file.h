/* SPDX-License-Identifier: BSD-2-Clause */
/* capture_file.h - `pktlens capture -r FILE` (capture_file.c). */
#ifndef PL_CAPTURE_FILE_H
#define PL_CAPTURE_FILE_H

#include <stdbool.h>
#include "sinks/pcap_writer.h"
#include "sinks/pkt_out.h"

struct pl_capture_file_opts {
	const char *path;       /* -r FILE ("-": standard input) */
	const char *write_path; /* -w FILE, NULL: lines on out->text */
	struct pl_rotate rot;   /* -C, -W, -G */
	bool pcapng;
	unsigned int count;     /* -c, 0: all */
	const char *expr;       /* NULL: every frame */
};

/*
 * Read, match, print or write; @out holds the line format and -U (its writer is made
 * here from write_path and closed again). Returns an exit code: 0, 1 (the file cannot
 * be read or is damaged, the output cannot be written), 2 (a bad expression).
 */
int pl_capture_file(const struct pl_capture_file_opts *o, struct pl_pkt_out *out);

#endif
