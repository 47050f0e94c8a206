// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pcap/pcap.h>
#include "sinks/pcap_writer.h"
#include "util/log.h"

struct pl_pcap_writer {
	bool pcapng;
	int linktype;
	uint32_t snaplen;
	const char *ifname;
	pcap_t *dead;       /* pcap: libpcap writes the file header */
	pcap_dumper_t *dump;
	FILE *f;            /* the file; records come from buf */
	const char *path;   /* -w as given: with -G a strftime(3) template */
	char name[PATH_MAX]; /* the file being written */
	int err;
	bool done;          /* -G with -W: the last file is complete */
	uint8_t *buf;       /* records waiting to be written */
	size_t used, size;
	uint64_t bytes;     /* in the current file, buffered ones included */
	struct pl_rotate rot;
	unsigned int digits; /* -C with -W: width of the file number */
	unsigned int n_size; /* -C: number of the current file */
	unsigned int n_time; /* -G: periods begun since the first */
	time_t period;      /* -G: when the current period began */
};

/* pcapng block types and options (draft-ietf-opsawg-pcapng). */
#define PCAPNG_SHB 0x0A0D0D0A
#define PCAPNG_IDB 0x00000001
#define PCAPNG_EPB 0x00000006
#define OPT_END 0
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9
#define OPT_SHB_USERAPPL 4

/*
 * Records are built in place in one buffer and written 256 KiB at a time: a stdio
 * stream (pcap_dump's two fwrites per packet, or a 4 KiB buffer) cost twice the CPU
 * per packet. The capture loop flushes whenever the ring has been idle for its poll
 * interval, so the size costs no latency when traffic is light.
 */
#define PL_WRITE_BUF (256 * 1024)

/* libpcap's record header on disk (struct pcap_sf_pkthdr): 32-bit seconds. */
struct pcap_record {
	uint32_t sec, frac, caplen, len;
};

static uint32_t pad4(uint32_t n)
{
	return (n + 3) & ~3u;
}

static void spill(struct pl_pcap_writer *w)
{
	errno = 0;
	if (w->used && fwrite(w->buf, 1, w->used, w->f) != w->used && !w->err)
		w->err = errno ? -errno : -EIO;
	w->used = 0;
}

/* @n bytes at the end of the buffer, written out first if they do not fit. */
static uint8_t *room(struct pl_pcap_writer *w, size_t n)
{
	uint8_t *p;

	if (w->used + n > w->size)
		spill(w);
	p = w->buf + w->used;
	w->used += n;
	w->bytes += n;
	return p;
}

/* @n is at most a block: the buffer holds two of the largest. */
static void put(struct pl_pcap_writer *w, const void *p, size_t n)
{
	if (n)
		memcpy(room(w, n), p, n);
}

static void put32(struct pl_pcap_writer *w, uint32_t v)
{
	put(w, &v, 4);
}

static void put_opt(struct pl_pcap_writer *w, uint16_t code, const void *v, uint16_t len)
{
	static const uint8_t zero[4];

	put(w, &code, 2);
	put(w, &len, 2);
	put(w, v, len);
	put(w, zero, pad4(len) - len);
}

static uint32_t opt_size(uint32_t len)
{
	return 4 + pad4(len);
}

/*
 * pcapng stores LINKTYPE_ values; libpcap hands out DLT_ ones. They are the same
 * numbers for every link type pktlens reads but raw IP (DLT_RAW, LINKTYPE_RAW 101).
 */
static uint16_t dlt_to_linktype(int dlt)
{
	return dlt == DLT_RAW ? 101 : (uint16_t)dlt;
}

/* Section header and the one interface description block: the writer's link type,
 * snap length and interface name. */
static void pcapng_header(struct pl_pcap_writer *w)
{
	static const char appl[] = "pktlens " PKTLENS_VERSION;
	uint8_t tsresol = 9; /* 10^-9 s */
	uint32_t len;
	uint16_t u16;

	/* Section header block. */
	len = 28 + opt_size(sizeof(appl) - 1) + 4;
	put32(w, PCAPNG_SHB);
	put32(w, len);
	put32(w, 0x1A2B3C4D);
	u16 = 1;
	put(w, &u16, 2);
	u16 = 0;
	put(w, &u16, 2);
	put32(w, 0xffffffff); /* section length unknown */
	put32(w, 0xffffffff);
	put_opt(w, OPT_SHB_USERAPPL, appl, sizeof(appl) - 1);
	put_opt(w, OPT_END, NULL, 0);
	put32(w, len);

	/* Interface description block: link type, the snap length, name, ns resolution. */
	len = 20 + opt_size(strlen(w->ifname)) + opt_size(1) + 4;
	put32(w, PCAPNG_IDB);
	put32(w, len);
	u16 = dlt_to_linktype(w->linktype);
	put(w, &u16, 2);
	u16 = 0;
	put(w, &u16, 2);
	put32(w, w->snaplen);
	put_opt(w, OPT_IF_NAME, w->ifname, strlen(w->ifname));
	put_opt(w, OPT_IF_TSRESOL, &tsresol, 1);
	put_opt(w, OPT_END, NULL, 0);
	put32(w, len);
}

/* Open w->name and write the file header. */
static int file_open(struct pl_pcap_writer *w)
{
	int err;

	w->bytes = 0;
	w->f = strcmp(w->name, "-") ? fopen(w->name, "wb") : stdout;
	if (!w->f) {
		err = -errno;
		pl_warn("cannot write '%s': %s", w->name, strerror(-err));
		return err;
	}
	/*
	 * The stream keeps its small default buffer: it holds libpcap's file header, so
	 * that a full disk shows while writing packets as it does for pcapng; whole
	 * buffers of records pass through to write(2).
	 */
	/* One thread writes: stdio need not lock the stream around every fwrite. */
	__fsetlocking(w->f, FSETLOCKING_BYCALLER);
	if (w->pcapng) {
		pcapng_header(w);
		return 0;
	}
	if (!w->dead)
		w->dead = pcap_open_dead_with_tstamp_precision(w->linktype, w->snaplen,
							       PCAP_TSTAMP_PRECISION_NANO);
	w->dump = w->dead ? pcap_dump_fopen(w->dead, w->f) : NULL;
	if (!w->dump) {
		err = w->dead ? -EIO : -ENOMEM;
		pl_warn("cannot write '%s': %s", w->name,
			w->dead ? pcap_geterr(w->dead) : "out of memory");
		if (w->f != stdout)
			fclose(w->f);
		w->f = NULL;
		return err;
	}
	w->bytes = 24; /* libpcap's file header */
	return 0;
}

/* Write out and close the current file; the first error of the writer. */
static int file_close(struct pl_pcap_writer *w)
{
	if (!w->f)
		return w->err;
	pl_pcap_writer_flush(w);
	if (w->pcapng) {
		if (w->f != stdout && fclose(w->f) && !w->err)
			w->err = -errno;
	} else {
		pcap_dump_close(w->dump); /* closes w->f */
		w->dump = NULL;
	}
	w->f = NULL;
	return w->err;
}

/*
 * tcpdump's file names: -G passes -w through strftime(3) at the start of each period;
 * -C appends the file's number (none for the first, unless -W fixes a width).
 */
static int make_name(struct pl_pcap_writer *w)
{
	char base[PATH_MAX];
	const char *b = w->path;
	struct tm tm;
	int n;

	if (w->rot.seconds) {
		localtime_r(&w->period, &tm);
		if (!strftime(base, sizeof(base), w->path, &tm)) {
			pl_warn("-w '%s': the file name is empty or too long after strftime",
				w->path);
			return -ENAMETOOLONG;
		}
		b = base;
	}
	if (!w->rot.size || (!w->n_size && !w->digits))
		n = snprintf(w->name, sizeof(w->name), "%s", b);
	else
		n = snprintf(w->name, sizeof(w->name), "%s%0*u", b, (int)w->digits, w->n_size);
	if (n < 0 || (size_t)n >= sizeof(w->name)) {
		pl_warn("-w '%s': the file name is too long", w->path);
		return -ENAMETOOLONG;
	}
	return 0;
}

/* Digits tcpdump gives the file numbers of -C with -W: enough for 0 .. files - 1. */
static unsigned int number_width(unsigned int files)
{
	unsigned int d = 0;

	for (unsigned long long p = 1; p < files; p *= 10)
		d++;
	return d;
}

int pl_pcap_writer_open(struct pl_pcap_writer **out, const char *path, bool pcapng,
			int linktype, uint32_t snaplen, const char *ifname,
			const struct pl_rotate *rot)
{
	struct pl_pcap_writer *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return -ENOMEM;
	w->pcapng = pcapng;
	w->linktype = linktype;
	w->snaplen = snaplen;
	w->ifname = ifname;
	w->path = path;
	if (rot)
		w->rot = *rot;
	w->digits = w->rot.size ? number_width(w->rot.files) : 0;
	w->period = time(NULL);
	/* Room for two records of the snap length (and pcapng's 32 bytes around each). */
	w->size = PL_WRITE_BUF > 2 * ((size_t)snaplen + 64) ? PL_WRITE_BUF
							    : 2 * ((size_t)snaplen + 64);
	w->buf = malloc(w->size);
	err = !w->buf ? -ENOMEM : make_name(w);
	if (!err)
		err = file_open(w);
	if (err) {
		if (err == -ENOMEM)
			pl_warn("cannot write '%s': out of memory", path);
		if (w->dead)
			pcap_close(w->dead);
		free(w->buf);
		free(w);
		return err;
	}
	*out = w;
	return 0;
}

/*
 * Before each packet, as tcpdump: a new file when the -G period is over (without -C,
 * -W such periods end it all: PL_WRITER_DONE) or the file has grown past -C (-W files
 * make a ring: the numbers start again at 0). 0, PL_WRITER_DONE or a negative errno.
 */
static int rotate(struct pl_pcap_writer *w)
{
	bool next = false;
	int err;

	if (w->rot.seconds) {
		time_t now = time(NULL);

		if (now - w->period >= (time_t)w->rot.seconds) {
			w->period = now;
			if (++w->n_time >= w->rot.files && w->rot.files && !w->rot.size) {
				w->done = true;
				return PL_WRITER_DONE;
			}
			w->n_size = 0;
			next = true;
		}
	}
	if (!next && w->rot.size && w->bytes > w->rot.size) {
		if (++w->n_size >= w->rot.files && w->rot.files)
			w->n_size = 0;
		next = true;
	}
	if (!next)
		return 0;
	err = file_close(w);
	if (!err)
		err = make_name(w);
	if (!err)
		err = file_open(w);
	if (err && !w->err)
		w->err = err;
	return err;
}

int pl_pcap_writer_write(struct pl_pcap_writer *w, const void *data, uint32_t caplen,
			 uint32_t wire_len, uint64_t ts_ns)
{
	if (w->err || w->done)
		return w->err ? w->err : PL_WRITER_DONE;
	if (w->rot.seconds || w->rot.size) {
		int r = rotate(w);

		if (r)
			return r;
	}
	if (!w->pcapng) {
		/* What pcap_dump writes, built in place; nanosecond file: frac is ns. */
		uint8_t *p = room(w, sizeof(struct pcap_record) + caplen);
		struct pcap_record h = { (uint32_t)(ts_ns / 1000000000ull),
					 (uint32_t)(ts_ns % 1000000000ull), caplen, wire_len };

		memcpy(p, &h, sizeof(h));
		memcpy(p + sizeof(h), data, caplen);
		return w->err;
	}
	uint32_t len = 32 + pad4(caplen);
	/* Enhanced packet block: type, length, interface 0, time high/low, lengths. */
	uint32_t head[7] = { PCAPNG_EPB, len, 0, (uint32_t)(ts_ns >> 32),
			     (uint32_t)(ts_ns & 0xffffffff), caplen, wire_len };
	uint8_t tail[8] = { 0 }; /* padding, then the length again */

	memcpy(tail + pad4(caplen) - caplen, &len, 4);
	put(w, head, sizeof(head));
	put(w, data, caplen);
	put(w, tail, pad4(caplen) - caplen + 4);
	return w->err;
}

int pl_pcap_writer_flush(struct pl_pcap_writer *w)
{
	if (!w->f)
		return w->err;
	spill(w);
	if (fflush(w->f) && !w->err)
		w->err = errno ? -errno : -EIO;
	return w->err;
}

int pl_pcap_writer_close(struct pl_pcap_writer *w)
{
	int err;

	if (!w)
		return 0;
	err = file_close(w);
	if (w->dead)
		pcap_close(w->dead);
	if (err && err != -EPIPE) /* a closed pipe: the reader had enough */
		pl_warn("writing '%s' failed: %s", w->name, strerror(-err));
	free(w->buf);
	free(w);
	return err;
}
