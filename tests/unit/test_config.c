// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of pktlens.conf(5) (src/config/config.c): a section's entries become the
 * command's long options, booleans yes/no, every bad file named with its line, and
 * --config taken out of the command line with the command line overriding the file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "config/config.h"

/* A command's options, as the commands declare theirs. */
static const struct option opts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "interval", required_argument, NULL, 256 },
	{ "json", no_argument, NULL, 257 },
	{ "top", required_argument, NULL, 258 },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Parse @text for [monitor]; the options joined by spaces, or "ERR <errno>". */
static const char *parse(const char *text)
{
	static char out[1024];
	char **o;
	int n, err;

	err = pl_config_parse("t.conf", text, "monitor", opts, &o, &n);
	if (err) {
		snprintf(out, sizeof(out), "ERR %d", -err);
		return out;
	}
	out[0] = 0;
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? " " : "", o[i]);
	pl_config_free(o, n);
	return out;
}

#define CHECK_STR(got, want) CHECK(!strcmp((got), (want)), "got '%s', want '%s'", (got), (want))

static void test_parse(void)
{
	char big[400];

	TEST_BEGIN("entries of the command's section become its long options");
	CHECK_STR(parse("# comment\n[monitor]\ninterval = 2\ntop=5 ; inline\n"),
		  "--interval=2 --top=5");
	CHECK_STR(parse("[analyze]\ntop = 3\n[monitor]\ninterface = veth0\ninterface = veth1\n"),
		  "--interface=veth0 --interface=veth1");
	CHECK_STR(parse(""), "");
	CHECK_STR(parse("[monitor]\n"), "");
	CHECK_STR(parse("\xef\xbb\xbf[monitor]\r\ntop = 4\r\n"), "--top=4"); /* BOM, CR LF */
	TEST_END();

	TEST_BEGIN("booleans: yes/no, true/false, on/off, 1/0");
	CHECK_STR(parse("[monitor]\njson = yes\n"), "--json");
	CHECK_STR(parse("[monitor]\njson = On\n"), "--json");
	CHECK_STR(parse("[monitor]\njson = 0\n"), "");
	CHECK_STR(parse("[monitor]\njson = false\n"), "");
	CHECK_STR(parse("[monitor]\njson = maybe\n"), "ERR 22");
	TEST_END();

	TEST_BEGIN("bad files: EINVAL, whatever the first wrong line is");
	CHECK_STR(parse("top = 3\n"), "ERR 22");                 /* outside a section */
	CHECK_STR(parse("[monitr]\ntop = 3\n"), "ERR 22");       /* unknown section */
	CHECK_STR(parse("[monitor]\ntopp = 3\n"), "ERR 22");     /* unknown key */
	CHECK_STR(parse("[monitor]\nhelp = yes\n"), "ERR 22");   /* not a setting */
	CHECK_STR(parse("[monitor]\nconfig = x\n"), "ERR 22");   /* no nesting */
	CHECK_STR(parse("[monitor\ntop = 3\n"), "ERR 22");       /* syntax */
	CHECK_STR(parse("[monitor]\njust words\n"), "ERR 22");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	memcpy(big, "[monitor]\n#", 11);
	CHECK_STR(parse(big), "ERR 22"); /* a line longer than inih's buffer */
	TEST_END();

	TEST_BEGIN("another command's section is not checked here");
	CHECK_STR(parse("[serve]\nlisten = 127.0.0.1:1\n[monitor]\ntop = 2\n"), "--top=2");
	TEST_END();
}

/* pl_config_args() on a command line; the new argv joined by spaces. */
static const char *args(const char *file_text, int argc, char **argv, int *err)
{
	static char out[1024];
	char path[] = "/tmp/pl-config-XXXXXX";
	int fd = mkstemp(path);
	char **av = argv;

	if (fd < 0 || write(fd, file_text, strlen(file_text)) < 0) {
		*err = -errno;
		return "";
	}
	close(fd);
	static char eq[64];

	snprintf(eq, sizeof(eq), "--config=%s", path);
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "CONF"))
			argv[i] = path;
		else if (!strcmp(argv[i], "--config=CONF"))
			argv[i] = eq;
	*err = pl_config_args("monitor", "i:F:h", opts, &argc, &av);
	unlink(path);
	out[0] = 0;
	for (int i = 0; i < argc; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? " " : "", av[i]);
	if (!*err && av[argc] != NULL)
		*err = -EFAULT;
	return out;
}

static void test_args(void)
{
	const char *conf = "[monitor]\ninterface = veth9\ninterval = 2\ntop = 7\njson = yes\n";
	const char *r;
	int err;

	TEST_BEGIN("--config FILE: the file's options first, then the command line");
	{
		char *av[] = { "monitor", "--config", "CONF", "--duration", "3", NULL };

		r = args(conf, 5, av, &err);
		CHECK_EQ(err, 0);
		CHECK_STR(r, "monitor --interface=veth9 --interval=2 --top=7 --json --duration 3");
	}
	{
		char *av[] = { "monitor", "-j", "--config=CONF", NULL };

		r = args(conf, 3, av, &err);
		CHECK_EQ(err, 0);
		CHECK_STR(r, "monitor --interface=veth9 --interval=2 --top=7 --json -j");
	}
	TEST_END();

	TEST_BEGIN("the command line overrides the file: long, abbreviated, short, clustered");
	{
		char *av[] = { "monitor", "--config", "CONF", "-i", "veth1", "--interv=5", NULL };

		r = args(conf, 6, av, &err);
		CHECK_STR(r, "monitor --top=7 --json -i veth1 --interv=5");
	}
	{
		char *av[] = { "monitor", "-iveth2", "--top", "3", "--config", "CONF", NULL };

		r = args(conf, 6, av, &err);
		CHECK_STR(r, "monitor --interval=2 --json -iveth2 --top 3");
	}
	TEST_END();

	TEST_BEGIN("no --config: argv unchanged; after --: an expression word");
	{
		char *av[] = { "monitor", "-i", "x", "--", "--config", "y", NULL };

		r = args(conf, 6, av, &err);
		CHECK_EQ(err, 0);
		CHECK_STR(r, "monitor -i x -- --config y");
	}
	TEST_END();

	TEST_BEGIN("bad uses: twice, no value, unreadable, bad content");
	{
		char *av[] = { "monitor", "--config", "CONF", "--config", "CONF", NULL };

		args(conf, 5, av, &err);
		CHECK_EQ(err, -EINVAL);
	}
	{
		char *av[] = { "monitor", "--config", NULL };

		args(conf, 2, av, &err);
		CHECK_EQ(err, -EINVAL);
	}
	{
		char *av[] = { "monitor", "--config", "/nonexistent/pktlens.conf", NULL };

		args(conf, 3, av, &err);
		CHECK_EQ(err, -ENOENT);
	}
	{
		char *av[] = { "monitor", "--config", "CONF", NULL };

		args("[monitor]\nnope = 1\n", 3, av, &err);
		CHECK_EQ(err, -EINVAL);
	}
	TEST_END();

	TEST_BEGIN("the options made name their file and line");
	{
		char *av[] = { "monitor", "--config", "CONF", NULL };
		char **v = av;
		int c = 3;
		char path[] = "/tmp/pl-config-XXXXXX";
		int fd = mkstemp(path);
		const char *o;

		CHECK(fd >= 0 && write(fd, "[monitor]\n\n# x\ntop = 7\n", 22) == 22, "temp file");
		close(fd);
		av[2] = path;
		CHECK_EQ(pl_config_args("monitor", "i:F:h", opts, &c, &v), 0);
		CHECK(c == 2 && !strcmp(v[1], "--top=7"), "one option");
		o = c == 2 ? pl_config_origin(v[1]) : NULL;
		CHECK(o && strstr(o, path) && !strcmp(o + strlen(path), ":4"), "origin '%s'", o ? o : "");
		CHECK(!pl_config_origin(av[0]), "the command line has no origin");
		unlink(path);
	}
	TEST_END();
}

int main(void)
{
	test_parse();
	test_args();
	return check_summary();
}
