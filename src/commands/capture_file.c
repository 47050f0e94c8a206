// SPDX-License-Identifier: BSD-2-Clause
/*
 * capture_file.c - `pktlens capture -r FILE`, as tcpdump -r: the frames of a pcap or
 * pcapng file that match EXPRESSION, printed as capture prints packets or written
 * with -w in the file's own link type. A file needs no privileges and no ring buffer:
 * libpcap runs the expression on each frame as stored (the kernel's translated
 * filter gives the same verdicts, which tests/filter holds against each other).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands/capture_file.h"
#include "sinks/pcap_writer.h"
#include "sources/pcap_file.h"
#include "util/args.h"
#include "util/log.h"

/*
 * Print or write every matching frame: 0, PL_WRITER_DONE (-G with -W) or the first
 * write error. *damaged: the file
 * ended in damage, which pl_pcap_next named (and where).
 */
static int copy_frames(const struct pl_capture_file_opts *o, struct pl_pcap_file *pf,
		       struct pl_pkt_out *out, bool *damaged)
{
	struct pl_frame fr, raw;
	unsigned long long n = 0;
	int rd = 0;

	while (!(o->count && n >= o->count) && (rd = pl_pcap_next(pf, &fr)) > 0) {
		int err;

		if (o->expr && !pl_pcap_filter_match(pf))
			continue;
		n++;
		pl_pcap_raw(pf, &raw);
		/* Lengths that make no packet: tcpdump's line for them. */
		if (!out->w && pl_line_invalid_header(out->text, &out->fmt, raw.caplen,
						      raw.wire_len))
			continue;
		/* Lines are Ethernet's: other link types print behind the synthetic header. */
		if (out->w || pf->linktype == PL_PCAP_LINKTYPE_ETHERNET)
			err = pl_pkt_out(out, raw.data, raw.caplen, raw.wire_len, raw.ts_ns);
		else
			err = pl_pkt_out(out, fr.data, fr.caplen, fr.wire_len, fr.ts_ns);
		if (err)
			return err;
	}
	*damaged = rd < 0;
	return 0;
}

int pl_capture_file(const struct pl_capture_file_opts *o, struct pl_pkt_out *out)
{
	struct pl_pcap_file *pf = malloc(sizeof(*pf));
	const char *name, *desc;
	bool damaged = false;
	int err, rc = PL_EXIT_FAIL;

	if (!pf || pl_pcap_open(pf, o->path)) {
		free(pf);
		return PL_EXIT_FAIL;
	}
	if (o->expr && pl_pcap_set_filter(pf, o->expr)) {
		rc = PL_EXIT_USAGE; /* libpcap's words were printed */
		goto out;
	}
	name = pl_pcap_linktype_name(pf, &desc);
	fprintf(stderr, "pktlens: reading from file %s, link-type %s (%s), snapshot length %d\n",
		o->path, name, desc, pl_pcap_snaplen(pf));
	if (o->write_path && pl_pcap_writer_open(&out->w, o->write_path, o->pcapng, pf->linktype,
						 (uint32_t)pl_pcap_snaplen(pf), o->path, &o->rot))
		goto out;
	err = copy_frames(o, pf, out, &damaged);
	if (err == PL_WRITER_DONE) {
		fprintf(stderr, "pktlens: maximum file limit reached: %u\n", o->rot.files);
		err = 0;
	}
	rc = damaged || (err && err != -EPIPE) ? PL_EXIT_FAIL : PL_EXIT_OK;
	if (out->w) { /* the writer names its own failure */
		err = pl_pcap_writer_close(out->w);
		out->w = NULL;
		if (err && err != -EPIPE)
			rc = PL_EXIT_FAIL;
	} else {
		if (!err)
			err = pl_pkt_out_flush(out);
		if (err && err != -EPIPE) {
			pl_warn("writing to standard output failed: %s", strerror(-err));
			rc = PL_EXIT_FAIL;
		}
	}
out:
	pl_pcap_close(pf);
	free(pf);
	return rc;
}
