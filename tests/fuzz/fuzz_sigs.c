// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_sigs.c - signature files as hostile input (src/rules/): any bytes through the
 * rule parser; a failed load leaves nothing; a loaded set is then matched against a
 * packet and L7 metadata made of the same bytes (content search, pcre, byte_*, datasets
 * and the Hyperscan prefilter on arbitrary rules and data). Dataset files are not read.
 * With FUZZ_DATASET: any bytes as a dataset file of each type, then looked up.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rules/rules_int.h"
#include "util/log.h"

#ifdef FUZZ_DATASET
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_log_set_level(PL_LOG_QUIET);
	for (int type = DS_STRING; type <= DS_IP; type++) {
		struct perr e = {};
		struct dataset *d = pl_dataset_parse("fuzz.lst", type, (const char *)data, size, &e);

		if (!d && !e.msg[0])
			abort(); /* a failure always says why */
		if (d) {
			pl_dataset_has(d, data, size);
			pl_dataset_has(d, data, size < 4 ? size : 4);
			pl_dataset_free(d);
		}
	}
	return 0;
}
#else
static int alerts;

static void on_alert(void *arg, const struct pl_sigs_pkt *p, const struct pl_sig_hit *h)
{
	(void)arg;
	(void)p;
	if (!h->msg || !h->category || !h->sid)
		abort();
	alerts++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pl_l7_meta m;
	static uint8_t pkt[20 + 20 + 512];
	struct pl_sigs_opts o = { .no_files = true, .flows_max = 16 };
	struct pl_sigs *rs = (struct pl_sigs *)1;
	struct pl_flow_key k = { .proto = 6, .family = 4 };
	size_t n = size < 512 ? size : 512;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	pl_log_set_level(PL_LOG_QUIET);
	if (pl_sigs_load_text("fuzz.rules", text, size, &o, &rs)) {
		if (rs)
			abort(); /* nothing half-loaded */
		free(text);
		return 0;
	}
	/* IPv4 + TCP 40000 -> 80, the input as payload; the metadata from it too */
	memset(pkt, 0, 40);
	pkt[0] = 0x45, pkt[2] = (uint8_t)((40 + n) >> 8), pkt[3] = (uint8_t)(40 + n);
	pkt[8] = 64, pkt[9] = 6, pkt[12] = 198, pkt[13] = 18, pkt[15] = 1, pkt[16] = 198;
	pkt[17] = 18, pkt[19] = 2, pkt[20] = 0x9c, pkt[21] = 0x40, pkt[23] = 80;
	pkt[32] = 0x50, pkt[33] = 0x18;
	memcpy(pkt + 40, data, n);
	memset(&m, 0, sizeof(m));
	m.http.have_request = m.dns.have_query = 1;
	snprintf(m.http.url, sizeof(m.http.url), "%.*s", (int)(n < 200 ? n : 200), text);
	snprintf(m.http.method, sizeof(m.http.method), "GET");
	snprintf(m.dns.qname, sizeof(m.dns.qname), "%.*s", (int)(n < 100 ? n : 100), text);
	snprintf(m.tls.sni, sizeof(m.tls.sni), "%.*s", (int)(n < 60 ? n : 60), text);
	for (int dir = 0; dir < 2; dir++) {
		struct pl_sigs_pkt p = { .l3 = pkt, .len = 40 + n, .ts_ns = 1, .key = &k,
					 .to_server = !dir, .meta = dir ? NULL : &m,
					 .app_proto = dir ? "dns" : "http" };

		pl_sigs_match(rs, &p, on_alert, NULL);
	}
	pl_sigs_free(rs);
	free(text);
	return 0;
}
#endif
