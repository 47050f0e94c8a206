// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_config.c - pktlens.conf(5) as a hostile file: any bytes through inih and
 * pktlens's checks (src/config/config.c). Every option made must be a long option of
 * the table, "--name" or "--name=value".
 */
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "config/config.h"
#include "util/log.h"

static const struct option opts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "interval", required_argument, NULL, 256 },
	{ "json", no_argument, NULL, 257 },
	{ "mode", optional_argument, NULL, 258 },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), **o;
	int n;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	pl_log_set_level(PL_LOG_QUIET);
	if (!pl_config_parse("fuzz.conf", text, "monitor", opts, &o, &n)) {
		for (int i = 0; i < n; i++) {
			size_t len = strcspn(o[i] + 2, "=");
			int known = 0;

			for (const struct option *p = opts; p->name; p++)
				known |= strlen(p->name) == len && !strncmp(p->name, o[i] + 2, len);
			if (strncmp(o[i], "--", 2) || !known)
				abort();
		}
		pl_config_free(o, n);
	}
	free(text);
	return 0;
}
