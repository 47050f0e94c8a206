// SPDX-License-Identifier: BSD-2-Clause
/* reasons.c - drop reason names from the kernel's BTF. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "drops/reasons.h"
#include "util/log.h"

#define SUBSYS_SHIFT 16

static const char *strip(const char *name, const char *prefix)
{
	size_t l = strlen(prefix);

	return strncmp(name, prefix, l) ? NULL : name + l;
}

/* The short name of an enum member, or NULL for members that are no reason (MAX, masks). */
static const char *short_name(const char *name)
{
	const char *s;

	if (!strcmp(name, "SKB_DROP_REASON_MAX") || !strncmp(name, "SKB_DROP_REASON_SUBSYS_", 23))
		return NULL;
	s = strip(name, "SKB_DROP_REASON_");
	if (!s)
		s = strip(name, "SKB_");
	return s ? s : name;
}

static int by_value(const void *a, const void *b)
{
	const struct pl_drop_reason *x = a, *y = b;

	return x->value < y->value ? -1 : x->value > y->value;
}

/* Members of enum @name in @btf, as (name, value) through @each; -ENOENT if absent. */
static int walk_enum(const struct btf *btf, const char *name,
		     int (*each)(void *ctx, const char *name, __u32 value), void *ctx)
{
	const struct btf_type *t;
	int id, err;

	id = btf__find_by_name_kind(btf, name, BTF_KIND_ENUM);
	if (id < 0)
		id = btf__find_by_name_kind(btf, name, BTF_KIND_ENUM64);
	if (id < 0)
		return -ENOENT;
	t = btf__type_by_id(btf, id);
	for (__u16 i = 0; i < btf_vlen(t); i++) {
		const char *m;
		__u32 v;

		if (btf_is_enum(t)) {
			m = btf__name_by_offset(btf, btf_enum(t)[i].name_off);
			v = (__u32)btf_enum(t)[i].val;
		} else {
			m = btf__name_by_offset(btf, btf_enum64(t)[i].name_off);
			v = (__u32)btf_enum64_value(&btf_enum64(t)[i]);
		}
		if (!m)
			continue; /* a member without a name: nothing to call it */
		err = each(ctx, m, v);
		if (err)
			return err;
	}
	return 0;
}

static int add_reason(void *ctx, const char *name, __u32 v)
{
	struct pl_drop_names *n = ctx;
	const char *s = short_name(name);
	struct pl_drop_reason *r;

	if (!strcmp(name, "SKB_CONSUMED"))
		n->consumed = v;
	else if (!strcmp(name, "SKB_NOT_DROPPED_YET"))
		n->not_dropped = v;
	else if (!strcmp(name, "SKB_DROP_REASON_NOT_SPECIFIED"))
		n->not_specified = v;
	if (!s)
		return 0;
	r = realloc(n->r, (n->n + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	n->r = r;
	r[n->n].value = v;
	r[n->n].name = strdup(s);
	if (!r[n->n].name)
		return -ENOMEM;
	n->n++;
	return 0;
}

static int add_subsys(void *ctx, const char *name, __u32 v)
{
	struct pl_drop_names *n = ctx;
	const char *s = strip(name, "SKB_DROP_REASON_SUBSYS_");
	char **a;

	if (!s || !strcmp(s, "NUM") || v > 255)
		return 0;
	if (v >= n->nsubsys) {
		a = realloc(n->subsys, (v + 1) * sizeof(*a));
		if (!a)
			return -ENOMEM;
		memset(a + n->nsubsys, 0, (v + 1 - n->nsubsys) * sizeof(*a));
		n->subsys = a;
		n->nsubsys = v + 1;
	}
	free(n->subsys[v]);
	n->subsys[v] = strdup(s);
	return n->subsys[v] ? 0 : -ENOMEM;
}

int pl_drop_names_from_btf(const struct btf *btf, struct pl_drop_names *n)
{
	int err;

	memset(n, 0, sizeof(*n));
	n->consumed = n->not_dropped = n->not_specified = PL_DROP_NONE;
	err = walk_enum(btf, "skb_drop_reason", add_reason, n);
	if (err)
		return err;
	err = walk_enum(btf, "skb_drop_reason_subsys", add_subsys, n);
	if (err && err != -ENOENT)
		return err;
	qsort(n->r, n->n, sizeof(*n->r), by_value);
	return 0;
}

int pl_drop_names_load(struct pl_drop_names *n)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int err;

	memset(n, 0, sizeof(*n));
	if (!btf) {
		err = -errno;
		pl_warn("cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): %s; drops needs "
			"a kernel built with CONFIG_DEBUG_INFO_BTF",
			strerror(-err));
		return err;
	}
	err = pl_drop_names_from_btf(btf, n);
	btf__free(btf);
	if (err == -ENOENT)
		pl_warn("this kernel's BTF has no enum skb_drop_reason: drop reasons need "
			"Linux 5.17 or later");
	else if (err)
		pl_warn("reading the drop reasons from the kernel's BTF: %s", strerror(-err));
	return err;
}

void pl_drop_names_free(struct pl_drop_names *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->r[i].name);
	for (size_t i = 0; i < n->nsubsys; i++)
		free(n->subsys[i]);
	free(n->r);
	free(n->subsys);
	memset(n, 0, sizeof(*n));
}

const char *pl_drop_name(const struct pl_drop_names *n, __u32 v, char *buf, size_t len)
{
	struct pl_drop_reason key = { .value = v }, *r;
	__u32 sub = v >> SUBSYS_SHIFT;

	r = n->n ? bsearch(&key, n->r, n->n, sizeof(*n->r), by_value) : NULL;
	if (r)
		return r->name;
	if (sub && sub < n->nsubsys && n->subsys[sub])
		snprintf(buf, len, "%s:%u", n->subsys[sub], v & ((1u << SUBSYS_SHIFT) - 1));
	else
		snprintf(buf, len, "REASON_%u", v);
	return buf;
}
