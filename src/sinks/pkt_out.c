// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include "sinks/pcap_writer.h"
#include "sinks/pkt_out.h"

int pl_pkt_out(struct pl_pkt_out *o, const uint8_t *frame, uint32_t caplen, uint32_t wire_len,
	       uint64_t ts_unix_ns)
{
	int err;

	if (o->w) {
		err = pl_pcap_writer_write(o->w, frame, caplen, wire_len, ts_unix_ns);
		return !err && o->each_packet ? pl_pcap_writer_flush(o->w) : err;
	}
	errno = 0; /* a failed write leaves its reason here; stdio keeps only a flag */
	pl_pkt_line(o->text, &o->fmt, frame, caplen, wire_len, ts_unix_ns);
	if (o->each_packet) /* -U: packet-buffered, as tcpdump's printed output */
		fflush(o->text);
	return ferror(o->text) ? (errno ? -errno : -EIO) : 0;
}

int pl_pkt_out_flush(struct pl_pkt_out *o)
{
	if (o->w)
		return pl_pcap_writer_flush(o->w);
	if (fflush(o->text) == 0)
		return 0;
	return errno ? -errno : -EIO;
}
