/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcap_file.h - frames from a pcap or pcapng file, as Ethernet. Linux cooked
 * (SLL, SLL2), raw IP and BSD loopback captures get a synthetic Ethernet header so
 * the XDP program sees what it would see on an interface; other link types are
 * refused with a message that lists the supported ones.
 */
#ifndef PL_PCAP_FILE_H
#define PL_PCAP_FILE_H

#include <stdint.h>

struct pcap; /* pcap_t; pcap.h is kept out: its bpf.h clashes with linux/bpf.h */

struct pl_frame {
	const uint8_t *data;
	uint32_t caplen;   /* bytes in data */
	uint32_t wire_len; /* length on the wire (Ethernet framing) */
	/*
	 * The capture's own frame length, its link header included (= wire_len on
	 * Ethernet): what tshark and capinfos count, and so do pktlens's byte counters.
	 */
	uint32_t frame_len;
	uint64_t ts_ns;    /* capture time, ns since the epoch */
};

struct pl_pcap_file {
	struct pcap *p;
	const char *path;
	int linktype;
	uint64_t frames;
	uint64_t size;           /* bytes of a regular file; 0 for a pipe */
	void *filter;            /* struct bpf_program from pl_pcap_set_filter(), or NULL */
	const void *hdr;         /* the last frame read, as in the file (pcap_pkthdr) */
	const uint8_t *raw;
	uint8_t buf[262144 + 64];
};

/* Open @path; -ENOENT, -EINVAL (not a capture), -EPROTONOSUPPORT (link type). */
int pl_pcap_open(struct pl_pcap_file *f, const char *path);
/* Next frame: 1 got one, 0 end of file, < 0 the file is damaged (message printed). */
int pl_pcap_next(struct pl_pcap_file *f, struct pl_frame *fr);
void pl_pcap_close(struct pl_pcap_file *f);
/* The last frame read as stored in the file: its own link type, lengths as recorded. */
void pl_pcap_raw(const struct pl_pcap_file *f, struct pl_frame *raw);
/* The file's snap length and its link type's name and description, as tcpdump prints. */
int pl_pcap_snaplen(const struct pl_pcap_file *f);
const char *pl_pcap_linktype_name(const struct pl_pcap_file *f, const char **description);
/*
 * Compile @expr for the file's own link type (as tcpdump -r would); -EINVAL with a
 * message naming the expression when libpcap refuses it.
 */
int pl_pcap_set_filter(struct pl_pcap_file *f, const char *expr);
/* libpcap's verdict on the last frame read, as stored in the file: 1 match, 0 not. */
int pl_pcap_filter_match(const struct pl_pcap_file *f);
/* Bytes of the file read so far (libpcap's reads, so ahead by at most its buffer). */
uint64_t pl_pcap_offset(const struct pl_pcap_file *f);
/* Whether frames of this link type can be converted to Ethernet. */
int pl_pcap_linktype_supported(int dlt);

#define PL_PCAP_LINKTYPE_ETHERNET 1 /* DLT_EN10MB: frames go to the program as they are */

#endif
