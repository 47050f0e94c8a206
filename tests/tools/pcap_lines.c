// SPDX-License-Identifier: BSD-2-Clause
/*
 * pcap_lines - print Ethernet pcap files the way `pktlens capture -r` prints packets
 * (the same function), with tcpdump's -t, -e, -x, -X and -A, so that tests can hold
 * capture's text next to `tcpdump -n -r FILE` with the same options:
 *	pcap_lines [-#] [-t...] [-e] [-x|-xx|-X|-XX|-A|-AA] FILE...
 * With several files, each one's output follows a line "==> FILE <==" (as head(1)),
 * and a file that is not Ethernet or cannot be read says so there: one process for a
 * whole corpus (a sanitizer build starts slowly).
 * Exit 0, 1 if a FILE cannot be read, 2 on bad usage, 3 if FILE (one) is not Ethernet.
 */
#include <stdio.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "commands/capture_file.h"
#include "sinks/pkt_line.h"

/* One file; the exit status for it alone. */
static int print_file(const struct pl_line_fmt *opts, const char *path, bool header)
{
	/* -# and -ttt count from each file's start. */
	struct pl_pkt_out out = { .text = stdout, .fmt = *opts };
	struct pl_capture_file_opts fo = { .path = path };
	char err[PCAP_ERRBUF_SIZE];
	int dlt;
	pcap_t *p;

	if (header)
		printf("==> %s <==\n", path);
	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p) {
		if (header)
			printf("[cannot read: %s]\n", err);
		fprintf(stderr, "pcap_lines: %s\n", err);
		return 1;
	}
	dlt = pcap_datalink(p);
	pcap_close(p);
	if (dlt != DLT_EN10MB) {
		if (header)
			printf("[not Ethernet]\n");
		return 3;
	}
	return pl_capture_file(&fo, &out);
}

int main(int argc, char **argv)
{
	struct pl_line_fmt fmt = {};
	int c, rc = 0;

	while ((c = getopt(argc, argv, "#texXA")) != -1)
		if (!pl_line_fmt_opt(&fmt, c)) /* the same mapping as capture's */
			return 2;
	if (optind >= argc) {
		fprintf(stderr, "usage: pcap_lines [-#] [-t...] [-e] [-x|-xx|-X|-XX|-A|-AA] FILE...\n");
		return 2;
	}
	if (optind + 1 == argc)
		return print_file(&fmt, argv[optind], false);
	for (int i = optind; i < argc; i++)
		if (print_file(&fmt, argv[i], true) == 1)
			rc = 1;
	return rc;
}
