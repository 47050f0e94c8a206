// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_pcap.c - libFuzzer target for the capture reader (src/sources/pcap_file.c): an
 * arbitrary file is opened as pcap/pcapng and every frame is read and converted to
 * Ethernet (SLL, SLL2, raw IP, NULL/LOOP). Nothing may crash, read out of bounds or
 * return a frame whose lengths disagree with its buffer. `make fuzz` runs it.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "sources/pcap_file.h"
#include "util/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	pl_log_init(PL_LOG_QUIET); /* damaged files are the point: no messages */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pl_pcap_file f; /* 256 KiB frame buffer: not on the stack */
	char path[64];
	struct pl_frame fr;
	int fd = memfd_create("fuzz_pcap", MFD_CLOEXEC), r;

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (pl_pcap_open(&f, path) == 0) {
		for (int i = 0; i < 100000 && (r = pl_pcap_next(&f, &fr)) == 1; i++) {
			/* The frame must lie inside what the reader handed out. */
			if (fr.caplen > sizeof(f.buf) && fr.data == f.buf)
				abort();
			if (fr.caplen) {
				volatile uint8_t sink = fr.data[0] ^ fr.data[fr.caplen - 1];
				(void)sink;
			}
		}
		pl_pcap_close(&f);
	}
	close(fd);
	return 0;
}
