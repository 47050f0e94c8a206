// SPDX-License-Identifier: BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include "analysis/names.h"
#include "analysis/phs.h"
#include "sinks/json.h"

/* A level being built: children of one node, merged by name, before sorting. */
struct level {
	struct pl_phs_node n[32];
	int count;
};

static struct pl_phs_node *slot(struct level *l, const char *name)
{
	for (int i = 0; i < l->count; i++)
		if (!strcmp(l->n[i].name, name))
			return &l->n[i];
	if (l->count == (int)(sizeof(l->n) / sizeof(l->n[0])))
		return NULL;
	snprintf(l->n[l->count].name, PL_PHS_NAME, "%s", name);
	return &l->n[l->count++];
}

static void add(struct level *l, const char *name, uint64_t frames, uint64_t bytes)
{
	struct pl_phs_node *n;

	if (!frames)
		return;
	n = slot(l, name);
	if (n) {
		n->frames += frames;
		n->bytes += bytes;
	}
}

static int by_frames(const void *a, const void *b)
{
	const struct pl_phs_node *x = a, *y = b;

	if (x->frames != y->frames)
		return x->frames < y->frames ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void put(struct pl_phs *h, const struct pl_phs_node *n, int depth)
{
	if (h->count == PL_PHS_MAX)
		return;
	h->n[h->count] = *n;
	h->n[h->count++].depth = depth;
}

/* tshark's names of the transports. */
static const char *l4_name(unsigned int proto, char *buf, size_t n)
{
	const char *s;

	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	case IPPROTO_SCTP: return "sctp";
	case IPPROTO_GRE: return "gre";
	}
	s = pl_proto_name(proto);
	if (s)
		return s;
	snprintf(buf, n, "%u", proto);
	return buf;
}

/* The applications of the flows of (@family, @proto), under depth 3. */
static void apps(struct pl_phs *h, const struct pl_flow *flows, size_t nflows, int family,
		 unsigned int proto, pl_phs_app_fn app_of, const void *ctx)
{
	struct level l = { .count = 0 };

	if (!app_of)
		return;
	for (size_t i = 0; i < nflows; i++) {
		const struct pl_flow *f = &flows[i];
		char master[PL_PHS_NAME];
		const char *app;

		if (f->key.family != family || f->key.proto != proto)
			continue;
		app = app_of(ctx, &f->key);
		/* "TLS.Google" is TLS at this level, as tshark's "tls" */
		snprintf(master, sizeof(master), "%.*s", (int)strcspn(app, "."), app);
		if (!strcmp(master, "Unknown"))
			continue;
		add(&l, master, f->val.packets[0] + f->val.packets[1],
		    f->val.bytes[0] + f->val.bytes[1]);
	}
	qsort(l.n, (size_t)l.count, sizeof(l.n[0]), by_frames);
	for (int i = 0; i < l.count; i++)
		put(h, &l.n[i], 3);
}

/* The transports of one IP family: the counters when it is the only family, else
 * the flows of that family. */
static void transports(struct pl_phs *h, const struct pl_stats *s, const struct pl_flow *flows,
		       size_t nflows, int family, bool alone, pl_phs_app_fn app_of,
		       const void *ctx)
{
	static const struct {
		int l4;
		unsigned int proto;
	} map[] = { { PL_L4_TCP, IPPROTO_TCP },	  { PL_L4_UDP, IPPROTO_UDP },
		    { PL_L4_ICMP, IPPROTO_ICMP },	  { PL_L4_ICMPV6, IPPROTO_ICMPV6 },
		    { PL_L4_SCTP, IPPROTO_SCTP },	  { PL_L4_GRE, IPPROTO_GRE } };
	struct level l = { .count = 0 };
	unsigned int protos[32];
	char buf[8];

	if (alone) {
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			add(&l, l4_name(map[i].proto, buf, sizeof(buf)),
			    s->l4_packets[map[i].l4], s->l4_bytes[map[i].l4]);
		/* IP fragments after the first carry no transport header */
		add(&l, "fragment", s->l4_packets[PL_L4_FRAG], s->l4_bytes[PL_L4_FRAG]);
		add(&l, "other", s->l4_packets[PL_L4_OTHER], s->l4_bytes[PL_L4_OTHER]);
	} else {
		for (size_t i = 0; i < nflows; i++)
			if (flows[i].key.family == family)
				add(&l, l4_name(flows[i].key.proto, buf, sizeof(buf)),
				    flows[i].val.packets[0] + flows[i].val.packets[1],
				    flows[i].val.bytes[0] + flows[i].val.bytes[1]);
	}
	qsort(l.n, (size_t)l.count, sizeof(l.n[0]), by_frames);
	for (int i = 0; i < l.count; i++) {
		/* the protocol number back from the name, for the flows' applications */
		protos[i] = 0;
		if (!strcmp(l.n[i].name, "fragment") || !strcmp(l.n[i].name, "other"))
			continue;
		for (unsigned int p = 0; p < 256; p++)
			if (!strcmp(l4_name(p, buf, sizeof(buf)), l.n[i].name)) {
				protos[i] = p;
				break;
			}
	}
	for (int i = 0; i < l.count; i++) {
		put(h, &l.n[i], 2);
		if (protos[i] == IPPROTO_TCP || protos[i] == IPPROTO_UDP ||
		    protos[i] == IPPROTO_SCTP)
			apps(h, flows, nflows, family, protos[i], app_of, ctx);
	}
}

void pl_phs_build(struct pl_phs *h, const struct pl_stats *s, const struct pl_flow *flows,
		  size_t nflows, const char *link, pl_phs_app_fn app_of, const void *ctx)
{
	struct pl_phs_node root = { .frames = s->packets, .bytes = s->bytes };
	struct level l3 = { .count = 0 };
	bool v4 = s->l3_packets[PL_L3_IPV4] > 0, v6 = s->l3_packets[PL_L3_IPV6] > 0;

	h->count = 0;
	snprintf(root.name, sizeof(root.name), "%s", link);
	put(h, &root, 0);
	add(&l3, "ip", s->l3_packets[PL_L3_IPV4], s->l3_bytes[PL_L3_IPV4]);
	add(&l3, "ipv6", s->l3_packets[PL_L3_IPV6], s->l3_bytes[PL_L3_IPV6]);
	add(&l3, "arp", s->l3_packets[PL_L3_ARP], s->l3_bytes[PL_L3_ARP]);
	qsort(l3.n, (size_t)l3.count, sizeof(l3.n[0]), by_frames);
	for (int i = 0; i < l3.count; i++) {
		put(h, &l3.n[i], 1);
		if (!strcmp(l3.n[i].name, "ip"))
			transports(h, s, flows, nflows, 4, !v6, app_of, ctx);
		else if (!strcmp(l3.n[i].name, "ipv6"))
			transports(h, s, flows, nflows, 6, !v4, app_of, ctx);
	}
}

const char *pl_phs_link_name(int dlt)
{
	switch (dlt) {
	case 1: return "eth";
	case 113: case 276: return "sll";
	case 12: case 14: case 101: case 228: case 229: return "raw";
	case 0: case 108: return "null";
	case 9: case 50: return "ppp";
	case 104: return "chdlc";
	case 239: return "nflog";
	case 127: return "radiotap";
	default: return "frame";
	}
}

void pl_phs_text(const struct pl_phs *h, pl_line_fn emit, void *arg)
{
	char line[128];

	emit(arg, "");
	emit(arg, "protocol hierarchy (as tshark -q -z io,phs; applications: every packet "
		  "of the flows nDPI names)");
	for (int i = 0; i < h->count; i++) {
		const struct pl_phs_node *n = &h->n[i];

		snprintf(line, sizeof(line), "%*s%-*s frames:%llu bytes:%llu", 2 * n->depth, "",
			 40 - 2 * n->depth, n->name, (unsigned long long)n->frames,
			 (unsigned long long)n->bytes);
		emit(arg, line);
	}
}

/* Node @i and its children (the nodes after it that are deeper); returns the next. */
static int json_node(struct pl_json *j, const struct pl_phs *h, int i)
{
	const struct pl_phs_node *n = &h->n[i];
	int k = i + 1;

	pl_json_begin_obj(j, NULL);
	pl_json_str(j, "protocol", n->name);
	pl_json_u64(j, "frames", n->frames);
	pl_json_u64(j, "bytes", n->bytes);
	pl_json_begin_arr(j, "children");
	while (k < h->count && h->n[k].depth > n->depth)
		k = json_node(j, h, k);
	pl_json_end_arr(j);
	pl_json_end_obj(j);
	return k;
}

void pl_phs_json(struct pl_json *j, const struct pl_phs *h)
{
	pl_json_begin_arr(j, "protocol_hierarchy");
	for (int i = 0; i < h->count;)
		i = json_node(j, h, i);
	pl_json_end_arr(j);
}
