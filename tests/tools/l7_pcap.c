// SPDX-License-Identifier: BSD-2-Clause
/*
 * l7_pcap - the L7 engine (src/l7/) over capture files, for tests: reads each
 * pcap/pcapng FILE with libpcap, keys flows by VLAN and 5-tuple in user space (as
 * nDPI's own reader does: innermost VLAN, IP-in-IP opened, later IPv4 fragments and
 * packets cut by the snap length left out), feeds each flow's packets to the engine
 * until it is done, and prints per flow the verdict and the metadata:
 *	l7_pcap [--json | --eve] FILE...
 * Default: one text line per flow. --json: one JSON object per flow (the keys the
 * corpus test compares). --eve: the flows' EVE events (src/l7/eve.c), at the end.
 * Exit 0, 1 if a FILE cannot be read, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include <json-c/json.h>
#include "l7/classify.h"
#include "l7/eve.h"
#include "l7/pkt.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#define BUCKETS (1u << 16)

enum mode { TEXT, JSON, EVE };

struct key {
	uint8_t family, proto;
	uint16_t vlan;
	uint8_t a[16], b[16]; /* a < b (with ports): both directions share a key */
	uint16_t pa, pb;
};

struct flow {
	struct flow *next;
	struct key key;
	uint64_t id;
	uint8_t src[16], dst[16]; /* the side that started the flow first */
	uint16_t sport, dport;
	uint64_t pkts[2], bytes[2];
	uint64_t first_ns, last_ns;
	uint8_t tcp_flags;
	struct pl_l7_flow *l7;    /* while the engine classifies it */
	struct pl_l7_verdict v;   /* copied out when done */
	struct pl_l7_meta *meta;
};

struct table {
	struct flow *b[BUCKETS];
	struct flow **list; /* in the order they began */
	size_t n, cap;
};

static uint32_t hash_key(const struct key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Find the L3 header behind the link layer, walking VLAN, MPLS and PPPoE; -1: none. */
static long l3_offset(int dlt, const uint8_t *d, uint32_t n, uint16_t *vlan)
{
	uint32_t off;
	unsigned int type;

	switch (dlt) {
	case DLT_EN10MB:
		if (n < 14)
			return -1;
		type = d[12] << 8 | d[13];
		off = 14;
		break;
	case DLT_LINUX_SLL:
		if (n < 16)
			return -1;
		type = d[14] << 8 | d[15];
		off = 16;
		break;
	case DLT_LINUX_SLL2:
		if (n < 20)
			return -1;
		type = d[0] << 8 | d[1];
		off = 20;
		break;
	case DLT_NULL:
	case DLT_LOOP:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case 14: /* OpenBSD's DLT_RAW */
		off = dlt == DLT_NULL || dlt == DLT_LOOP ? 4 : 0;
		return off < n ? (long)off : -1;
	case DLT_PPP:
	case DLT_C_HDLC:
	case DLT_PPP_SERIAL:
		if (n < 4)
			return -1;
		if (d[0] == 0xff || d[0] == 0x0f || d[0] == 0x8f) {
			type = d[2] << 8 | d[3];
			off = 4;
		} else {
			type = d[0] << 8 | d[1];
			off = 2;
		}
		if (type == 0x0021)
			type = 0x0800;
		else if (type == 0x0057)
			type = 0x86dd;
		break;
	default:
		return -1;
	}
	for (int i = 0; i < 8; i++) {
		if (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
			if (off + 4 > n)
				return -1;
			*vlan = (d[off] << 8 | d[off + 1]) & 0xfff;
			type = d[off + 2] << 8 | d[off + 3];
			off += 4;
		} else if (type == 0x8847 || type == 0x8848) {
			while (off + 4 <= n && !(d[off + 2] & 1))
				off += 4;
			off += 4;
			return off < n ? (long)off : -1;
		} else if (type == 0x8864) {
			if (off + 8 > n)
				return -1;
			type = d[off + 6] << 8 | d[off + 7];
			type = type == 0x0021 ? 0x0800 : type == 0x0057 ? 0x86dd : 0;
			off += 8;
		} else {
			break;
		}
	}
	return (type == 0x0800 || type == 0x86dd) && off < n ? (long)off : -1;
}

/* Open IPv4/IPv6-in-IP as nDPI's reader does; returns the innermost IP header offset. */
static uint32_t decap(const uint8_t *d, uint32_t n, uint32_t off)
{
	for (int i = 0; i < 4; i++) {
		struct pl_l7_pkt p;

		if (pl_l7_pkt_decode(d + off, n - off, &p) < 0 || p.fragment)
			return off;
		if (p.l4proto != 4 && p.l4proto != 41)
			return off;
		if ((d[off] >> 4) == 4)
			off += (uint32_t)(d[off] & 0xf) * 4;
		else
			return off; /* IPv6 carrying IP: left as it is (extension walk needed) */
		if (off >= n)
			return off - (uint32_t)(d[off] & 0xf) * 4;
	}
	return off;
}

/* nDPI's reader drops packets whose IP length runs past the captured bytes. */
static int cut_short(const uint8_t *ip, uint32_t n)
{
	if ((ip[0] >> 4) == 4)
		return n < 20 || n < (uint32_t)(ip[2] << 8 | ip[3]);
	return n < 40 || n < 40u + (uint32_t)(ip[4] << 8 | ip[5]);
}

static void make_key(const uint8_t *ip, const struct pl_l7_pkt *p, uint16_t vlan, struct key *k,
		     uint8_t *src, uint8_t *dst)
{
	int alen = p->family == 4 ? 4 : 16;
	const uint8_t *s = ip + (p->family == 4 ? 12 : 8), *d = s + alen;
	int cmp;

	memset(k, 0, sizeof(*k));
	memset(src, 0, 16);
	memset(dst, 0, 16);
	memcpy(src, s, alen);
	memcpy(dst, d, alen);
	k->family = p->family;
	k->proto = p->l4proto;
	k->vlan = vlan;
	cmp = memcmp(src, dst, 16);
	if (cmp < 0 || (cmp == 0 && p->sport <= p->dport)) {
		memcpy(k->a, src, 16), memcpy(k->b, dst, 16);
		k->pa = p->sport, k->pb = p->dport;
	} else {
		memcpy(k->a, dst, 16), memcpy(k->b, src, 16);
		k->pa = p->dport, k->pb = p->sport;
	}
}

static void finish_flow(struct pl_l7_engine *e, struct flow *f)
{
	if (!f->l7)
		return;
	pl_l7_finish(e, f->l7);
	f->v = *pl_l7_verdict(f->l7);
	f->meta = malloc(sizeof(*f->meta));
	if (f->meta)
		*f->meta = *pl_l7_meta(f->l7);
	pl_l7_flow_free(f->l7);
	f->l7 = NULL;
}

static int packet(struct pl_l7_engine *e, struct table *t, int dlt, const uint8_t *d,
		  uint32_t caplen, uint32_t wire, uint64_t ts_ns)
{
	struct pl_l7_pkt p;
	struct key k;
	struct flow *f;
	uint8_t src[16], dst[16];
	uint16_t vlan = 0;
	long off = l3_offset(dlt, d, caplen, &vlan);
	uint32_t h;
	int dir;

	if (off < 0)
		return 0;
	off = decap(d, caplen, (uint32_t)off);
	if ((uint32_t)off >= caplen || cut_short(d + off, caplen - (uint32_t)off) ||
	    pl_l7_pkt_decode(d + off, caplen - (uint32_t)off, &p) < 0 || p.fragment)
		return 0;
	make_key(d + off, &p, vlan, &k, src, dst);
	h = hash_key(&k) & (BUCKETS - 1);
	for (f = t->b[h]; f && memcmp(&f->key, &k, sizeof(k)); f = f->next)
		;
	if (!f) {
		if (t->n == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 1024;
			struct flow **l = realloc(t->list, cap * sizeof(*l));

			if (!l)
				return -ENOMEM;
			t->list = l;
			t->cap = cap;
		}
		f = calloc(1, sizeof(*f));
		if (!f)
			return -ENOMEM;
		t->list[t->n++] = f;
		f->key = k;
		f->id = t->n;
		memcpy(f->src, src, 16), memcpy(f->dst, dst, 16);
		f->sport = p.sport, f->dport = p.dport;
		f->first_ns = ts_ns;
		f->l7 = pl_l7_flow_new(e);
		if (!f->l7) {
			free(f);
			return -ENOMEM;
		}
		f->next = t->b[h];
		t->b[h] = f;
	}
	dir = !(memcmp(src, f->src, 16) == 0 && p.sport == f->sport) ? PL_L7_DIR_TOCLIENT
								     : PL_L7_DIR_TOSERVER;
	f->pkts[dir]++;
	f->bytes[dir] += wire;
	f->last_ns = ts_ns;
	f->tcp_flags |= p.tcp_flags;
	if (f->l7 && pl_l7_feed(e, f->l7, dir, ts_ns, d + off, caplen - (uint32_t)off) == 1)
		finish_flow(e, f);
	return 0;
}

static const char *addr(const struct flow *f, const uint8_t *a, char *buf)
{
	inet_ntop(f->key.family == 4 ? AF_INET : AF_INET6, a, buf, INET6_ADDRSTRLEN);
	return buf;
}

static void put_str(json_object *o, const char *k, const char *v)
{
	if (v && v[0])
		json_object_object_add(o, k, pl_l7_eve_string(v, strlen(v)));
}

static void print_json(const char *path, const struct flow *f)
{
	const struct pl_l7_meta *m = f->meta;
	json_object *o = json_object_new_object();
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	json_object_object_add(o, "file", json_object_new_string(path));
	json_object_object_add(o, "proto", json_object_new_int(f->key.proto));
	json_object_object_add(o, "vlan", json_object_new_int(f->key.vlan));
	json_object_object_add(o, "src", json_object_new_string(addr(f, f->src, a)));
	json_object_object_add(o, "sport", json_object_new_int(f->sport));
	json_object_object_add(o, "dst", json_object_new_string(addr(f, f->dst, b)));
	json_object_object_add(o, "dport", json_object_new_int(f->dport));
	json_object_object_add(o, "packets", json_object_new_int64((int64_t)(f->pkts[0] + f->pkts[1])));
	json_object_object_add(o, "fed", json_object_new_int64(f->v.packets));
	json_object_object_add(o, "ndpi", json_object_new_string(f->v.name));
	json_object_object_add(o, "category", json_object_new_string(f->v.category));
	json_object_object_add(o, "guessed", json_object_new_boolean(f->v.guessed));
	if (m) {
		if (m->dns.have_query) {
			put_str(o, "dns_qname", m->dns.qname);
			json_object_object_add(o, "dns_qtype", json_object_new_int(m->dns.qtype));
		}
		if (m->dns.have_response)
			json_object_object_add(o, "dns_rcode", json_object_new_int(m->dns.rcode));
		put_str(o, "http_host", m->http.host);
		put_str(o, "http_url", m->http.url);
		put_str(o, "http_method", m->http.method);
		put_str(o, "http_user_agent", m->http.user_agent);
		if (m->http.have_response)
			json_object_object_add(o, "http_status", json_object_new_int(m->http.status));
		put_str(o, "tls_sni", m->tls.sni);
		put_str(o, "tls_alpn", m->tls.alpn_client);
		put_str(o, "ja3", m->tls.ja3_client);
		put_str(o, "ja3s", m->tls.ja3_server);
		put_str(o, "ssh_client", m->ssh.client.software_version);
		put_str(o, "ssh_server", m->ssh.server.software_version);
	}
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void print_text(const struct flow *f)
{
	const struct pl_l7_meta *m = f->meta;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	printf("%u %s.%u > %s.%u pkts %llu: %s (%s)%s", f->key.proto, addr(f, f->src, a),
	       f->sport, addr(f, f->dst, b), f->dport,
	       (unsigned long long)(f->pkts[0] + f->pkts[1]), f->v.name, f->v.category,
	       f->v.guessed ? " guessed" : "");
	if (m && m->dns.have_query)
		printf(" dns=%s", m->dns.qname);
	if (m && m->http.have_request)
		printf(" http=%s%s", m->http.host, m->http.url);
	if (m && m->tls.sni[0])
		printf(" sni=%s", m->tls.sni);
	if (m && m->ssh.client.have)
		printf(" ssh=%s", m->ssh.client.software_version);
	putchar('\n');
}

static void print_eve(const struct flow *f)
{
	struct pl_l7_eve_flow ev = {
		.flow_id = f->id, .family = f->key.family, .proto = f->key.proto,
		.sport = f->sport, .dport = f->dport, .vlan = f->key.vlan,
		.pkts_toserver = f->pkts[0], .pkts_toclient = f->pkts[1],
		.bytes_toserver = f->bytes[0], .bytes_toclient = f->bytes[1],
		.start_ns = f->first_ns, .end_ns = f->last_ns, .reason = "shutdown",
	};

	memcpy(ev.src, f->src, 16);
	memcpy(ev.dst, f->dst, 16);
	if (f->tcp_flags & 0x05)
		ev.state = "closed";
	else
		ev.state = f->pkts[1] ? "established" : "new";
	pl_l7_eve_write(stdout, PL_L7_EVE_APP | PL_L7_EVE_FLOW, &ev, &f->v, f->meta);
}

static int run_file(struct pl_l7_engine *e, const char *path, enum mode mode)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	struct table *t;
	uint64_t last = 0;
	pcap_t *p;
	int dlt, rc = 0, n;

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p) {
		fprintf(stderr, "l7_pcap: %s\n", err);
		return 1;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		pcap_close(p);
		return 1;
	}
	dlt = pcap_datalink(p);
	while ((n = pcap_next_ex(p, &h, &d)) == 1) {
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;

		/* Time never goes back for nDPI, as its reader repairs it. */
		if (ts < last)
			ts = last;
		last = ts;
		if (packet(e, t, dlt, d, h->caplen, h->len, ts) < 0) {
			fprintf(stderr, "l7_pcap: %s: out of memory\n", path);
			rc = 1;
			break;
		}
	}
	if (n == PCAP_ERROR)
		fprintf(stderr, "l7_pcap: %s: %s (flows so far are shown)\n", path, pcap_geterr(p));
	/* The capture ended: flows not done yet give up now, as nDPI's reader does. */
	for (size_t i = 0; i < t->n; i++) {
		struct flow *f = t->list[i];

		finish_flow(e, f);
		if (mode == JSON)
			print_json(path, f);
		else if (mode == EVE)
			print_eve(f);
		else
			print_text(f);
		free(f->meta);
		free(f);
	}
	free(t->list);
	free(t);
	pcap_close(p);
	return rc;
}

static void usage(FILE *o)
{
	fprintf(o, "usage: l7_pcap [--json | --eve] FILE...\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "eve", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	enum mode mode = TEXT;
	struct pl_l7_engine *e;
	int c, err, rc = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j': mode = JSON; break;
		case 'e': mode = EVE; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	e = pl_l7_engine_new(&err);
	if (!e) {
		fprintf(stderr, "l7_pcap: cannot start nDPI: %s\n", strerror(-err));
		return 1;
	}
	for (int i = optind; i < argc; i++)
		rc |= run_file(e, argv[i], mode);
	pl_l7_engine_free(e);
	return rc;
}
