/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcap_writer.h - captured packets to a pcap (libpcap, nanosecond time stamps) or
 * pcapng file (section header, one interface description block with the link type,
 * the interface name and nanosecond resolution, enhanced packet blocks). "-" writes
 * to stdout.
 */
#ifndef PL_PCAP_WRITER_H
#define PL_PCAP_WRITER_H

#include <stdbool.h>
#include <stdint.h>

struct pl_pcap_writer;

/* tcpdump's -C, -W and -G for -w FILE; all 0: one file. */
struct pl_rotate {
	unsigned long long size; /* -C: a new file once this one holds more bytes */
	unsigned int files;      /* -W: with -C a ring of this many files; with -G alone,
				  * stop after this many */
	unsigned int seconds;    /* -G: a new file every so many seconds, -w a strftime
				  * template */
};

/* pl_pcap_writer_write(): -G with -W, the last file is complete. */
#define PL_WRITER_DONE 1

/*
 * Open @path for frames of @linktype (a DLT_ value; live capture: Ethernet, 1), with
 * @rot (NULL: one file; @path must stay valid); *w is owned by the caller and
 * released by _close.
 */
int pl_pcap_writer_open(struct pl_pcap_writer **w, const char *path, bool pcapng,
			int linktype, uint32_t snaplen, const char *ifname,
			const struct pl_rotate *rot);
/* 0, PL_WRITER_DONE (nothing written) or the first error, a negative errno. */
int pl_pcap_writer_write(struct pl_pcap_writer *w, const void *data, uint32_t caplen,
			 uint32_t wire_len, uint64_t ts_unix_ns);
/* Write out what is buffered; a negative errno if it could not be written. */
int pl_pcap_writer_flush(struct pl_pcap_writer *w);
/* Flush and close; returns a negative errno if anything could not be written. */
int pl_pcap_writer_close(struct pl_pcap_writer *w);

#endif
