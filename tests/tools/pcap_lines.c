// SPDX-License-Identifier: BSD-2-Clause
/*
 * pcap_lines - print an Ethernet pcap file the way `pktlens capture` prints packets,
 * with tcpdump's -t, -e, -x, -X and -A, so that tests can hold capture's text next
 * to `tcpdump -n -r FILE` with the same options:
 *	pcap_lines [-#] [-t...] [-e] [-x|-xx|-X|-XX|-A|-AA] FILE...
 * With several files, each one's output follows a line "==> FILE <==" (as head(1)),
 * and a file that is not Ethernet or cannot be read says so there: one process for a
 * whole corpus (a sanitizer build starts slowly).
 * Exit 0, 1 if a FILE cannot be read, 2 on bad usage, 3 if FILE (one) is not Ethernet.
 */
#include <stdio.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "sinks/pkt_line.h"

/* One file; the exit status for it alone. */
static int print_file(const struct pl_line_fmt *opts, const char *path, bool header)
{
	struct pl_line_fmt fmt = *opts; /* -# and -ttt count from each file's start */
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
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
	if (pcap_datalink(p) != DLT_EN10MB) {
		if (header)
			printf("[not Ethernet]\n");
		pcap_close(p);
		return 3;
	}
	while (pcap_next_ex(p, &h, &d) == 1) {
		if (!h->caplen || !h->len) { /* no packet: as tcpdump, which skips it */
			printf("[Invalid header: caplen==%u, len==%u]\n", h->caplen, h->len);
			continue;
		}
		pl_pkt_line(stdout, &fmt, d, h->caplen, h->len,
			    (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec);
	}
	pcap_close(p);
	return 0;
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
