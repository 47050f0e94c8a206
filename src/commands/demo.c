// SPDX-License-Identifier: BSD-2-Clause
#include <stdio.h>
#include "commands/commands.h"
#include "util/args.h"

int cmd_demo(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "pktlens: demo is being written\n");
	return PL_EXIT_FAIL;
}
