/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ioc.h - IOC lists: IPv4/IPv6 prefix lists (one address or CIDR a line) and domain
 * lists (one name a line, matched exactly and as a parent domain: "example.com"
 * matches "a.example.com"). '#' starts a comment; blank lines are skipped. A list with
 * a bad line, a NUL or control byte, a line over PL_IOC_LINE_MAX, more than
 * PL_IOC_ENTRIES_MAX entries or more than PL_IOC_FILE_MAX bytes is refused whole with
 * the file and line.
 */
#ifndef PL_DETECT_IOC_H
#define PL_DETECT_IOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PL_IOC_LINE_MAX 512
#define PL_IOC_ENTRIES_MAX (4u << 20)
#define PL_IOC_FILE_MAX (256u << 20)

struct pl_ioc;

struct pl_ioc *pl_ioc_new(void);
void pl_ioc_free(struct pl_ioc *l);

/*
 * Add the prefixes (@domains false) or names (@domains true) of the text @buf (@len
 * bytes; @name for messages) to @l. All or nothing: on error @l is as before.
 * 0, -EINVAL after a message "NAME:LINE: ...", -E2BIG, -ENOMEM.
 */
int pl_ioc_parse(struct pl_ioc *l, const char *name, const char *buf, size_t len, bool domains);
/* The same from a file. */
int pl_ioc_load(struct pl_ioc *l, const char *path, bool domains);

/* Is the address (16 bytes, IPv4-mapped for family 4) in a listed prefix? */
bool pl_ioc_addr(const struct pl_ioc *l, const uint32_t *addr, int family);
/* Is @name, or a parent domain of it, listed? The listed entry in *@hit. */
bool pl_ioc_domain(const struct pl_ioc *l, const char *name, const char **hit);
/* Entries: prefixes and names. */
size_t pl_ioc_count(const struct pl_ioc *l, bool domains);

#endif
