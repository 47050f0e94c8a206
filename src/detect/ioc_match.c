// SPDX-License-Identifier: BSD-2-Clause
/*
 * ioc_match.c - the IOC lists against traffic: the addresses of the flows that moved
 * this tick, and the DNS query names, TLS SNIs and HTTP hosts of classified flows.
 */
#include <arpa/inet.h>
#include <string.h>
#include "detect/internal.h"
#include "detect/ioc.h"
#include "l7/meta.h"

static void addr_hit(struct pl_det *d, const struct pl_flow *f, bool listed_b)
{
	const __u32 *listed = listed_b ? f->key.addr_b : f->key.addr_a;
	const __u32 *other = listed_b ? f->key.addr_a : f->key.addr_b;
	struct pl_addr_key src = { .family = f->key.family };
	char a[INET6_ADDRSTRLEN];
	json_object *in = json_object_new_object();

	/* the listed side is the one alerted on (src), whichever started the flow */
	memcpy(src.addr, listed, 16);
	if (in) {
		inet_ntop(f->key.family == 6 ? AF_INET6 : AF_INET,
			  (const uint8_t *)listed + (f->key.family == 6 ? 0 : 12), a, sizeof(a));
		json_object_object_add(in, "listed", json_object_new_string(a));
		json_object_object_add(in, "packets", json_object_new_int64(
						      (int64_t)(f->val.packets[0] + f->val.packets[1])));
	}
	pl_det_raise(d, PL_SID_IOC_ADDR, &src, other, f->key.proto,
		     pl_det_evidence("ioc", "address", in), false);
}

void pl_ioc_tick(struct pl_det *d)
{
	const struct pl_det_input *in = d->in;

	if (!pl_ioc_count(d->ioc, false))
		return;
	for (size_t i = 0; i < in->nflows; i++) {
		const struct pl_flow *f = &in->flows[i];

		if (d->since_valid && f->val.last_seen_ns <= d->since_ns)
			continue;
		if (pl_ioc_addr(d->ioc, f->key.addr_a, f->key.family))
			addr_hit(d, f, false);
		if (pl_ioc_addr(d->ioc, f->key.addr_b, f->key.family))
			addr_hit(d, f, true);
	}
}

void pl_det_meta(void *arg, const struct pl_l7_eve_flow *fl, const struct pl_l7_meta *m)
{
	static const char *const what[] = { "dns.query", "tls.sni", "http.host" };
	struct pl_det *d = arg;
	const char *names[3], *hit;

	if (!d || !pl_ioc_count(d->ioc, true))
		return;
	names[0] = m->dns.have_query ? m->dns.qname : NULL;
	names[1] = m->tls.sni;
	names[2] = m->http.host;
	for (int i = 0; i < 3; i++) {
		struct pl_l7_eve_flow f = *fl;
		struct pl_eve_alert a = { .gid = 1, .sid = PL_SID_IOC_DOMAIN, .rev = 1,
					  .signature = "PKTLENS name on a domain list",
					  .category = "Known malicious address or domain",
					  .severity = 1 };
		json_object *in;

		if (!names[i] || !pl_ioc_domain(d->ioc, names[i], &hit))
			continue;
		in = json_object_new_object();
		if (in) {
			json_object_object_add(in, "name", json_object_new_string(names[i]));
			json_object_object_add(in, "listed", json_object_new_string(hit));
			json_object_object_add(in, "field", json_object_new_string(what[i]));
		}
		a.evidence = pl_det_evidence("ioc", "domain", in);
		f.start_ns = f.end_ns = a.ts_ns = d->last_unix_ns;
		pl_alerts_raise(d->alerts, &f, &a, false);
		json_object_put(a.evidence);
	}
}
