// SPDX-License-Identifier: BSD-2-Clause
/*
 * dashboard.c - GET /: the live dashboard, src/serve/dashboard.html embedded at build
 * time (build/dashboard_html.h), so the installed daemon needs no file and the page no
 * network beyond this daemon's API.
 */
#include <string.h>
#include "serve/server.h"
#include "dashboard_html.h" /* static const char pl_dashboard_html[]: NUL-terminated */

const char *pl_dashboard(size_t *len)
{
	*len = sizeof(pl_dashboard_html) - 1;
	return pl_dashboard_html;
}
