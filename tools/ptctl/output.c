// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptctl: output. Number, size, errno and flag formatting; the "[line]
 * command -> result" layout; script errors and ABI violations.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptctl.h"

const char *fmt_size(char *buf, size_t len, uint64_t v)
{
	static const char sfx[] = "KMGTPE";
	int i;

	if (!v) {
		snprintf(buf, len, "0");
		return buf;
	}
	for (i = 5; i >= 0; i--) {
		uint64_t unit = 1ULL << (10 * (i + 1));

		if (v % unit == 0) {
			snprintf(buf, len, "%" PRIu64 "%c", v / unit, sfx[i]);
			return buf;
		}
	}
	if (v < 1024)
		snprintf(buf, len, "%" PRIu64 "B", v);
	else
		snprintf(buf, len, "0x%" PRIx64, v);
	return buf;
}

const char *fmt_pgsizes(char *buf, size_t len, uint64_t bitmap)
{
	size_t used = 0;
	int b;

	buf[0] = 0;
	if (!bitmap) {
		snprintf(buf, len, "none");
		return buf;
	}
	for (b = 0; b < 64; b++) {
		char one[32];

		if (!(bitmap & (1ULL << b)))
			continue;
		fmt_size(one, sizeof(one), 1ULL << b);
		used += snprintf(buf + used, used < len ? len - used : 0, "%s%s", used ? "|" : "", one);
		if (used >= len)
			break;
	}
	return buf;
}

static const struct {
	int err;
	const char *name;
} errnames[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EIO, "EIO" }, { E2BIG, "E2BIG" },
	{ ENOMEM, "ENOMEM" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" },
	{ EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" }, { ENOSYS, "ENOSYS" },
	{ EOVERFLOW, "EOVERFLOW" }, { EOPNOTSUPP, "EOPNOTSUPP" }, { EADDRINUSE, "EADDRINUSE" },
	{ EAGAIN, "EAGAIN" }, { ENODEV, "ENODEV" }, { ENXIO, "ENXIO" },
};

const char *errname(int err)
{
	static char buf[32];
	size_t i;

	if (!err)
		return "ok";
	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (-err == errnames[i].err) {
			snprintf(buf, sizeof(buf), "-%s", errnames[i].name);
			return buf;
		}
	snprintf(buf, sizeof(buf), "%d", err);
	return buf;
}

int errno_by_name(const char *name, int *err)
{
	size_t i;

	if (*name == '-')
		name++;
	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (!strcasecmp(name, errnames[i].name)) {
			*err = -errnames[i].err;
			return 0;
		}
	return -1;
}

static const struct {
	const char *name;
	uint32_t fmt;
} formats[] = {
	{ "arm-s1", PTCORE_FMT_ARM64_LPAE_S1 }, { "arm-s2", PTCORE_FMT_ARM64_LPAE_S2 },
	{ "dart", PTCORE_FMT_APPLE_DART }, { "dart2", PTCORE_FMT_APPLE_DART2 },
	{ "s1", PTCORE_FMT_ARM64_LPAE_S1 }, { "s2", PTCORE_FMT_ARM64_LPAE_S2 },
	{ "dart1", PTCORE_FMT_APPLE_DART },
	{ "amdv1", PTCORE_FMT_AMDV1 }, { "vtdss", PTCORE_FMT_VTDSS },
	{ "x86-64", PTCORE_FMT_X86_64 }, { "riscv64", PTCORE_FMT_RISCV64 },
	{ "arm-v7s", PTCORE_FMT_ARM_V7S }, { "v7s", PTCORE_FMT_ARM_V7S },
};

const char *format_name(uint32_t fmt)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].fmt == fmt)
			return formats[i].name;
	return "unknown";
}

int format_by_name(const char *name, uint32_t *fmt)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(name, formats[i].name)) {
			*fmt = formats[i].fmt;
			return 0;
		}
	return -1;
}

static const struct {
	const char *name;
	uint32_t bit;
} features[] = {
	{ "incoherent", PTCORE_FEAT_DMA_INCOHERENT },
	{ "free-empty", PTCORE_FEAT_FREE_EMPTY_TABLES },
	{ "dirty", PTCORE_FEAT_DIRTY_TRACKING },
	{ "ns", PTCORE_FEAT_ARM_NS },
	{ "s2fwb", PTCORE_FEAT_ARM_S2FWB },
	{ "bbml2", PTCORE_FEAT_ARM_BBML2 },
	{ "lpa2", PTCORE_FEAT_ARM_LPA2 },
};

int feature_by_name(const char *name, uint32_t *bit)
{
	size_t i;

	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (!strcmp(name, features[i].name)) {
			*bit = features[i].bit;
			return 0;
		}
	return -1;
}

const char *fmt_features(char *buf, size_t len, uint32_t f)
{
	size_t i, used = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (f & features[i].bit) {
			used += snprintf(buf + used, used < len ? len - used : 0, "%s%s",
					 used ? "," : "", features[i].name);
			f &= ~features[i].bit;
		}
	if (f)
		used += snprintf(buf + used, used < len ? len - used : 0, "%s0x%x", used ? "," : "", f);
	if (!used)
		snprintf(buf, len, "none");
	return buf;
}

const char *fmt_prot(char *buf, uint32_t prot)
{
	char *p = buf;

	if (prot & PTCORE_PROT_READ)
		*p++ = 'r';
	if (prot & PTCORE_PROT_WRITE)
		*p++ = 'w';
	if (prot & PTCORE_PROT_CACHE)
		*p++ = 'c';
	if (prot & PTCORE_PROT_NOEXEC)
		*p++ = 'x';
	if (prot & PTCORE_PROT_MMIO)
		*p++ = 'm';
	if (prot & PTCORE_PROT_PRIV)
		*p++ = 'p';
	if (prot & ~0x3fu)
		p += sprintf(p, "+0x%x", prot & ~0x3fu);
	if (p == buf)
		*p++ = '-';
	*p = 0;
	return buf;
}

void print_gather(const char *what, const struct ptcore_gather *g)
{
	char b[160];

	out_break();
	if (g->start > g->end) {
		printf("%s empty%s\n", what, g->nr_tables ? " (but nr_tables != 0!)" : "");
		return;
	}
	printf("%s [0x%" PRIx64 "..0x%" PRIx64 "] pgsize %s%s nr_tables=%u\n", what, g->start, g->end,
	       fmt_pgsizes(b, sizeof(b), g->pgsize), (g->flags & PTCORE_GATHER_TABLES) ? " TABLES" : "",
	       g->nr_tables);
}

/* ------------------------------------------------------------------ */
/* output: "[line] command" then either " -> result" on the same line, */
/* or, when callbacks printed lines in between, the result on its own.  */

static int pending, pending_col;

void out_break(void)
{
	if (pending) {
		putchar('\n');
		pending = 0;
	}
}

void begin_cmd(int line, const char *text)
{
	out_break();
	if (line)
		pending_col = printf("[%d] %s", line, text);
	else
		pending_col = printf("[-] %s", text);
	pending = 1;
}

void result(const char *fmt, ...)
{
	va_list ap;

	if (pending) {
		printf("%*s-> ", pending_col < 44 ? 44 - pending_col : 1, "");
		pending = 0;
	} else {
		printf("    -> ");
	}
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* failures                                                            */

void die_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	out_break();
	fflush(stdout);
	if (line)
		fprintf(stderr, "ptctl: %s:%d: ", file, line);
	else
		fprintf(stderr, "ptctl: %s: ", file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

void violation(struct ptctl *s, const char *fmt, ...)
{
	va_list ap;

	out_break();
	fflush(stdout);
	fprintf(stderr, "ptctl: %s:%d: VIOLATION: ", s->file ? s->file : "-", s->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	out_break();
	printf("      !! VIOLATION (see stderr)\n");
	s->violations++;
}
