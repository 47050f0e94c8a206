// SPDX-License-Identifier: BSD-2-Clause
/*
 * pcap_lines - print an Ethernet pcap file the way `pktlens capture` prints packets,
 * with tcpdump's -t, -e, -x, -X and -A, so that tests can hold capture's text next
 * to `tcpdump -n -r FILE` with the same options:
 *	pcap_lines [-#] [-t...] [-e] [-x|-xx|-X|-XX|-A|-AA] FILE
 * Exit 0, 1 if FILE cannot be read, 2 on bad usage, 3 if FILE is not Ethernet.
 */
#include <stdio.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "sinks/pkt_line.h"

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pl_line_fmt fmt = {};
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;
	int c, rc;

	while ((c = getopt(argc, argv, "#texXA")) != -1)
		if (!pl_line_fmt_opt(&fmt, c)) /* the same mapping as capture's */
			return 2;
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: pcap_lines [-#] [-t...] [-e] [-x|-xx|-X|-XX|-A|-AA] FILE\n");
		return 2;
	}
	p = pcap_open_offline_with_tstamp_precision(argv[optind], PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p) {
		fprintf(stderr, "pcap_lines: %s\n", err);
		return 1;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		pcap_close(p);
		return 3;
	}
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
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
