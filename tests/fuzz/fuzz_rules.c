// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_rules.c - libFuzzer target for protect's rules and list files
 * (src/mitigate/parse.c): any bytes are parsed as a rules file (blocklist lines refused:
 * no files are opened) and as a list file. Nothing may crash or read out of bounds; a
 * failure must say file:line; every rule and prefix read must be masked to its length
 * and print back to text that parses to the same prefix. `make fuzz` runs it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mitigate/parse.h"

static void check_prefix(const struct pl_prefix *p)
{
	struct pl_prefix m = *p, back;
	char txt[64], err[PL_ERR_LEN];

	if ((p->family != 4 && p->family != 6) || p->plen > (p->family == 4 ? 32 : 128))
		abort();
	pl_prefix_mask(&m);
	if (memcmp(m.addr, p->addr, 16))
		abort(); /* bits past the length */
	pl_prefix_str(p, txt, sizeof(txt));
	if (pl_prefix_parse(txt, &back, err, sizeof(err)) || back.plen != p->plen ||
	    memcmp(back.addr, p->addr, 16))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[PL_ERR_LEN] = "";
	struct pl_rule_set set;
	struct pl_prefix *v;
	size_t n;

	if (pl_rules_parse("fuzz.rules", (const char *)data, size, true, &set, err, sizeof(err))) {
		if (strncmp(err, "fuzz.rules:", 11))
			abort();
	} else {
		for (size_t i = 0; i < set.n; i++) {
			struct pl_prefix p = { .family = set.v[i].r.family, .plen = set.v[i].r.plen };

			memcpy(p.addr, set.v[i].r.addr, 16);
			check_prefix(&p);
		}
		pl_rules_free(&set);
	}
	if (!pl_list_parse("fuzz.list", (const char *)data, size, &v, &n, err, sizeof(err))) {
		for (size_t i = 0; i < n; i++)
			check_prefix(&v[i]);
		free(v);
	} else if (strncmp(err, "fuzz.list:", 10)) {
		abort();
	}
	return 0;
}
