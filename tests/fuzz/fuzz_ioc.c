// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_ioc.c - libFuzzer target for detection's IOC lists (src/detect/ioc.c): any bytes
 * as an address list and as a domain list. Nothing may crash or read out of bounds; a
 * refused list leaves the list it was added to as it was (all or nothing); a list
 * read once reads again to the same entries (duplicates merge); lookups of names made
 * from the input never crash. `make fuzz` runs it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "detect/ioc.h"
#include "util/log.h"

static void one(const uint8_t *data, size_t size, bool domains)
{
	static const char seed[] = "192.0.2.1\nseed.example\n";
	struct pl_ioc *l = pl_ioc_new();
	const char *hit;
	char name[64];
	size_t before, after;
	uint32_t a[4] = { 0, 0, 0, 0 };

	if (!l)
		return;
	/* one entry first: a refused list must leave exactly it */
	if (pl_ioc_parse(l, "seed", domains ? "seed.example\n" : seed, domains ? 13 : 10, domains))
		abort();
	before = pl_ioc_count(l, domains);
	if (pl_ioc_parse(l, "fuzz", (const char *)data, size, domains)) {
		if (pl_ioc_count(l, domains) != before)
			abort();
	} else {
		after = pl_ioc_count(l, domains);
		if (pl_ioc_parse(l, "fuzz", (const char *)data, size, domains) ||
		    pl_ioc_count(l, domains) != after)
			abort();
	}
	memcpy(a, data, size < 16 ? size : 16);
	pl_ioc_addr(l, a, size & 1 ? 4 : 6);
	memcpy(name, data, size < sizeof(name) - 1 ? size : sizeof(name) - 1);
	name[size < sizeof(name) - 1 ? size : sizeof(name) - 1] = 0;
	pl_ioc_domain(l, name, &hit);
	pl_ioc_free(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_log_set_level(PL_LOG_QUIET);
	one(data, size, false);
	one(data, size, true);
	return 0;
}
