// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the drop reason names read from BTF (src/drops/reasons.c): a BTF built
 * here holds enum skb_drop_reason as a kernel would, with a reason no kernel has yet
 * (a new kernel's reasons are named with no table in pktlens), the enum's MAX and
 * subsystem mask (no reasons), the special SKB_CONSUMED / SKB_NOT_DROPPED_YET, a
 * subsystem's reason, and the 64-bit enum form; then the running kernel's own BTF.
 * The names against the kernel's tracepoint format: tests/e2e/test_drops.sh.
 */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "drops/reasons.h"

/* A BTF with enum skb_drop_reason (4 or 8 bytes) and enum skb_drop_reason_subsys. */
static struct btf *make_btf(bool enum64, bool with_reasons)
{
	struct btf *b = btf__new_empty();
	int id;

	if (!b)
		return NULL;
	btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	if (!with_reasons)
		return b;
	id = enum64 ? btf__add_enum64(b, "skb_drop_reason", 8, false) :
		      btf__add_enum(b, "skb_drop_reason", 4);
	if (id < 0)
		goto fail;
#define V(n, v) (enum64 ? btf__add_enum64_value(b, n, v) : btf__add_enum_value(b, n, v))
	if (V("SKB_NOT_DROPPED_YET", 0) || V("SKB_CONSUMED", 1) ||
	    V("SKB_DROP_REASON_NOT_SPECIFIED", 2) || V("SKB_DROP_REASON_NO_SOCKET", 3) ||
	    V("SKB_DROP_REASON_A_REASON_OF_2030", 140) || V("SKB_DROP_REASON_MAX", 141) ||
	    V("SKB_DROP_REASON_SUBSYS_MASK", 0xffff0000u))
		goto fail;
#undef V
	if (btf__add_enum(b, "skb_drop_reason_subsys", 4) < 0 ||
	    btf__add_enum_value(b, "SKB_DROP_REASON_SUBSYS_CORE", 0) ||
	    btf__add_enum_value(b, "SKB_DROP_REASON_SUBSYS_OPENVSWITCH", 2) ||
	    btf__add_enum_value(b, "SKB_DROP_REASON_SUBSYS_NUM", 3))
		goto fail;
	return b;
fail:
	btf__free(b);
	return NULL;
}

static void test_names(bool enum64)
{
	struct btf *b = make_btf(enum64, true);
	struct pl_drop_names n;
	char buf[48];

	TEST_BEGIN(enum64 ? "names from a 64-bit enum skb_drop_reason" :
			    "names from enum skb_drop_reason");
	CHECK(b, "could not build the BTF");
	if (!b) {
		TEST_END();
		return;
	}
	CHECK_EQ(pl_drop_names_from_btf(b, &n), 0);
	CHECK_EQ(n.n, 5); /* MAX and SUBSYS_MASK are no reasons */
	CHECK_EQ(n.consumed, 1);
	CHECK_EQ(n.not_dropped, 0);
	CHECK_EQ(n.not_specified, 2);
	CHECK(!strcmp(pl_drop_name(&n, 0, buf, sizeof(buf)), "NOT_DROPPED_YET"), "0: %s", buf);
	CHECK(!strcmp(pl_drop_name(&n, 1, buf, sizeof(buf)), "CONSUMED"), "1");
	CHECK(!strcmp(pl_drop_name(&n, 2, buf, sizeof(buf)), "NOT_SPECIFIED"), "2");
	CHECK(!strcmp(pl_drop_name(&n, 3, buf, sizeof(buf)), "NO_SOCKET"), "3");
	CHECK(!strcmp(pl_drop_name(&n, 140, buf, sizeof(buf)), "A_REASON_OF_2030"),
	      "a reason no kernel has yet is named from the BTF");
	CHECK(!strcmp(pl_drop_name(&n, 141, buf, sizeof(buf)), "REASON_141"), "MAX: %s", buf);
	CHECK(!strcmp(pl_drop_name(&n, (2u << 16) | 7, buf, sizeof(buf)), "OPENVSWITCH:7"),
	      "subsystem reason: %s", buf);
	CHECK(!strcmp(pl_drop_name(&n, (9u << 16) | 1, buf, sizeof(buf)), "REASON_589825"),
	      "unknown subsystem: %s", buf);
	for (size_t i = 1; i < n.n; i++)
		CHECK(n.r[i - 1].value < n.r[i].value, "sorted by value");
	pl_drop_names_free(&n);
	btf__free(b);
	TEST_END();
}

static void test_absent(void)
{
	struct btf *b = make_btf(false, false);
	struct pl_drop_names n;

	TEST_BEGIN("a BTF without enum skb_drop_reason (Linux < 5.17): -ENOENT");
	CHECK(b, "could not build the BTF");
	if (b) {
		CHECK_EQ(pl_drop_names_from_btf(b, &n), -ENOENT);
		pl_drop_names_free(&n);
		btf__free(b);
	}
	TEST_END();
}

static void test_running_kernel(void)
{
	struct btf *b = btf__load_vmlinux_btf();
	struct pl_drop_names n;
	char buf[48];

	if (!b) {
		TEST_SKIP("the running kernel's reasons", "no /sys/kernel/btf/vmlinux");
		return;
	}
	TEST_BEGIN("the running kernel's reasons");
	if (pl_drop_names_from_btf(b, &n) == -ENOENT) {
		btf__free(b);
		TEST_SKIP("the running kernel's reasons", "kernel before 5.17");
		return;
	}
	CHECK(n.n > 10, "%zu reasons", n.n);
	CHECK(n.not_specified != PL_DROP_NONE, "NOT_SPECIFIED");
	CHECK(!strcmp(pl_drop_name(&n, n.not_specified, buf, sizeof(buf)), "NOT_SPECIFIED"),
	      "%s", buf);
	for (size_t i = 0; i < n.n; i++)
		CHECK(strncmp(n.r[i].name, "SKB_DROP_REASON_", 16) && n.r[i].name[0], "name '%s'",
		      n.r[i].name);
	pl_drop_names_free(&n);
	btf__free(b);
	TEST_END();
}

int main(void)
{
	test_names(false);
	test_names(true);
	test_absent();
	test_running_kernel();
	return check_summary();
}
