// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptctl: a small CLI for driver authors. Creates a ptcore table of any
 * supported format, replays a script of map/unmap/sync/translate commands
 * and shows every result, gather, flush callback and table free as it
 * happens, plus a decoded dump of the tree and the hardware register fields.
 *
 * Exit status: 0 all good; 1 an `expect` line disagreed or ptcore broke a
 * rule of its ABI (a table freed before its flush, a leak, ...); 2 bad
 * script or usage.
 *
 * Only the public include/ptcore.h is used.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptctl.h"

#define MAX_TOKENS 32

static struct ptctl S;
static int expects_passed;

/* ------------------------------------------------------------------ */
/* formatting                                                          */

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

static int errno_by_name(const char *name, int *err)
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
};

const char *format_name(uint32_t fmt)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].fmt == fmt)
			return formats[i].name;
	return "unknown";
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
};

static const char *fmt_features(char *buf, size_t len, uint32_t f)
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

static const char *fmt_prot(char *buf, uint32_t prot)
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

static void print_gather(const char *what, const struct ptcore_gather *g)
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

static void begin_cmd(int line, const char *text)
{
	out_break();
	if (line)
		pending_col = printf("[%d] %s", line, text);
	else
		pending_col = printf("[-] %s", text);
	pending = 1;
}

static void __attribute__((format(printf, 1, 2))) result(const char *fmt, ...)
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

static void cleanup(void);

static void __attribute__((noreturn, format(printf, 3, 4)))
die_at(const char *file, int line, const char *fmt, ...)
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

/* ------------------------------------------------------------------ */
/* our ops: wrap the built-in allocator, print and check every callback */

static struct trec *rec_new(struct ptctl *s)
{
	if (s->nrecs == s->caprecs) {
		size_t n = s->caprecs ? 2 * s->caprecs : 256;
		struct trec *r = realloc(s->recs, n * sizeof(*r));

		if (!r) {
			fprintf(stderr, "ptctl: out of memory\n");
			exit(2);
		}
		s->recs = r;
		s->caprecs = n;
	}
	memset(&s->recs[s->nrecs], 0, sizeof(s->recs[0]));
	return &s->recs[s->nrecs++];
}

static uint64_t live_tables(struct ptctl *s)
{
	return s->allocs - s->frees;
}

static void *op_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	struct ptctl *s = cookie;
	void *va = ptcore_builtin_alloc_table(NULL, size, phys, gfp);
	char b[32];
	struct trec *r;

	if (!va) {
		out_break();
		printf("      alloc table size=%s FAILED\n", fmt_size(b, sizeof(b), size));
		return NULL;
	}
	r = rec_new(s);
	r->pa = *phys;
	r->va = va;
	r->size = size;
	r->live = 1;
	s->allocs++;
	if (s->verbose || !s->in_destroy) {
		out_break();
		printf("      alloc table pa=0x%" PRIx64 " size=%s (live %" PRIu64 ")\n", *phys,
		       fmt_size(b, sizeof(b), size), live_tables(s));
	}
	return va;
}

/* Was the table @r flushed from the walk caches since it was last seen linked? */
static int flushed_since_seen(struct ptctl *s, const struct trec *r)
{
	size_t i;

	for (i = s->nfl; i-- > 0;) {
		const struct flushrec *f = &s->fl[i];

		if (f->seq <= r->seen_seq)
			break;
		if ((f->flags & PTCORE_GATHER_TABLES) && f->start <= r->span_start &&
		    f->end >= r->span_end)
			return 1;
	}
	return 0;
}

static void op_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	struct ptctl *s = cookie;
	struct trec *r = rec_find(s, phys);
	char b[32];

	if (!r || r->va != va || r->size != size) {
		violation(s, "free_table(pa=0x%" PRIx64 ", size=%zu) of a block we did not hand out",
			  phys, size);
	} else if (!s->in_destroy) {
		/* the table must be unlinked and flushed from the walk caches already */
		if (table_reachable(s, phys))
			violation(s, "table pa=0x%" PRIx64 " freed while still linked in the tree", phys);
		else if (r->seen && !flushed_since_seen(s, r))
			violation(s, "table pa=0x%" PRIx64 " (span 0x%" PRIx64 "..0x%" PRIx64
				  ") freed before a flush with TABLES covered its span",
				  phys, r->span_start, r->span_end);
	}
	if (r)
		r->live = 0;
	s->frees++;
	s->sync_frees++;
	if (s->verbose || !s->in_destroy) {
		out_break();
		printf("      free table pa=0x%" PRIx64 " size=%s (live %" PRIu64 ")\n", phys,
		       fmt_size(b, sizeof(b), size), live_tables(s));
	}
	ptcore_builtin_free_table(NULL, va, phys, size);
}

static void op_sync_table(void *cookie, void *va, size_t len)
{
	struct ptctl *s = cookie;
	size_t i;
	int ok = 0;

	s->table_syncs++;
	for (i = 0; i < s->nrecs; i++) {
		const struct trec *r = &s->recs[i];

		if (r->live && (char *)va >= (char *)r->va &&
		    (char *)va + len <= (char *)r->va + r->size) {
			ok = 1;
			if (s->verbose) {
				out_break();
				printf("      sync_table pa=0x%" PRIx64 " len=%zu\n",
				       r->pa + (uint64_t)((char *)va - (char *)r->va), len);
			}
			break;
		}
	}
	if (!ok)
		violation(s, "sync_table(%p, %zu) outside every live table", va, len);
}

static void op_flush(void *cookie, const struct ptcore_gather *g)
{
	struct ptctl *s = cookie;
	struct flushrec *f;
	char b[160];

	if (s->nfl == s->capfl) {
		size_t n = s->capfl ? 2 * s->capfl : 256;
		struct flushrec *nf = realloc(s->fl, n * sizeof(*nf));

		if (!nf) {
			fprintf(stderr, "ptctl: out of memory\n");
			exit(2);
		}
		s->fl = nf;
		s->capfl = n;
	}
	f = &s->fl[s->nfl++];
	f->seq = ++s->seq;
	f->start = g->start;
	f->end = g->end;
	f->pgsize = g->pgsize;
	f->flags = g->flags;
	s->flushes++;
	out_break();
	printf("      flush [0x%" PRIx64 "..0x%" PRIx64 "] %s (pgsize %s, nr_tables %u)\n", g->start,
	       g->end, (g->flags & PTCORE_GATHER_TABLES) ? "leaf+walk" : "leaf",
	       fmt_pgsizes(b, sizeof(b), g->pgsize), g->nr_tables);
	if (g->start > g->end)
		violation(s, "iotlb_flush called with an empty gather");
}

/* ------------------------------------------------------------------ */
/* script parsing                                                      */

enum ckind {
	C_TABLE, C_MAP, C_MAPRANGE, C_MAP_RANGE, C_UNMAP, C_UNMAP_PAGES, C_UNMAP_COLLECT, C_CUT,
	C_SYNC, C_TRANSLATE, C_DUMP, C_INFO, C_STATS, C_ECHO, C_EXPECT,
};

enum ekind {
	E_RET, E_ANYERR, E_MAPPED, E_UNMAPPED, E_PHYS, E_GATHER_EMPTY, E_GATHER, E_PGSIZE,
	E_NR_TABLES, E_FLUSH, E_FLUSHES, E_FREES, E_LIVE, E_HW,
};

/* what kind of result an `expect` may look at */
enum rkind { R_NONE, R_MAP, R_UNMAP, R_UNMAP_PAGES, R_TRANSLATE, R_TABLE, R_CUT };

struct cmd {
	enum ckind kind;
	int line;
	char *text;
	uint64_t a, b, c, d;
	uint32_t prot;
	struct ptcore_cfg cfg;
	enum ekind ek;
	int walk;		/* expect gather/flush: -1 don't care, 0 leaf, 1 leaf+walk */
	int err;
	int hwf;		/* expect hw: index into hw_fields */
};

struct script {
	const char *file;
	struct cmd *cmds;
	size_t n, cap;
};

static int parse_u64(const char *str, const char **endp, uint64_t *out)
{
	const char *p = str;
	uint64_t v = 0;
	int base = 10, digits = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (;; p++) {
		int d;

		if (*p == '_' && digits)
			continue;
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		v = v * base + d;
		digits++;
	}
	if (!digits)
		return -1;
	switch (*p) {
	case 'k': case 'K': case 'm': case 'M': case 'g': case 'G': case 't': case 'T': {
		int sh = strchr("kK", *p) ? 10 : strchr("mM", *p) ? 20 : strchr("gG", *p) ? 30 : 40;

		if (v > (UINT64_MAX >> sh))
			return -1;
		v <<= sh;
		p++;
		break;
	}
	default:
		break;
	}
	*endp = p;
	*out = v;
	return 0;
}

static int parse_num(const char *tok, uint64_t *out)
{
	const char *end;

	return parse_u64(tok, &end, out) || *end ? -1 : 0;
}

/* SIZE or SIZExCOUNT (also SIZE*COUNT) */
static int parse_size_count(const char *tok, uint64_t *size, uint64_t *count, int *has_count)
{
	const char *end;

	*count = 1;
	*has_count = 0;
	if (parse_u64(tok, &end, size))
		return -1;
	if (*end == 'x' || *end == 'X' || *end == '*') {
		*has_count = 1;
		return parse_num(end + 1, count);
	}
	return *end ? -1 : 0;
}

static int parse_prot(const char *tok, uint32_t *prot)
{
	uint64_t v;
	const char *p;

	if (isdigit((unsigned char)tok[0])) {
		if (parse_num(tok, &v) || v > UINT32_MAX)
			return -1;
		*prot = (uint32_t)v;
		return 0;
	}
	*prot = 0;
	if (!strcmp(tok, "-"))
		return 0;
	for (p = tok; *p; p++) {
		switch (*p) {
		case 'r': *prot |= PTCORE_PROT_READ; break;
		case 'w': *prot |= PTCORE_PROT_WRITE; break;
		case 'c': *prot |= PTCORE_PROT_CACHE; break;
		case 'x': *prot |= PTCORE_PROT_NOEXEC; break;
		case 'm': *prot |= PTCORE_PROT_MMIO; break;
		case 'p': *prot |= PTCORE_PROT_PRIV; break;
		default: return -1;
		}
	}
	return 0;
}

static int parse_pgsizes(const char *val, uint64_t *bitmap)
{
	char buf[256], *tok, *save;
	uint64_t v;

	if (!strcmp(val, "all")) {
		*bitmap = UINT64_MAX;
		return 0;
	}
	if (!strcmp(val, "default")) {
		*bitmap = 0;
		return 0;
	}
	if (strlen(val) >= sizeof(buf))
		return -1;
	strcpy(buf, val);
	*bitmap = 0;
	/* a list of sizes (4K,2M|1G) or one raw bitmap (0x40201000) */
	if (!strchr(buf, ',') && !strchr(buf, '|') && !parse_num(buf, &v) && (v & (v - 1))) {
		*bitmap = v;
		return 0;
	}
	for (tok = strtok_r(buf, ",|", &save); tok; tok = strtok_r(NULL, ",|", &save)) {
		if (parse_num(tok, &v) || !v || (v & (v - 1)))
			return -1;
		*bitmap |= v;
	}
	return *bitmap ? 0 : -1;
}

static int parse_features(const char *val, uint32_t *f)
{
	char buf[256], *tok, *save;
	uint64_t v;
	size_t i;

	*f = 0;
	if (!strcmp(val, "none") || !strcmp(val, "-"))
		return 0;
	if (strlen(val) >= sizeof(buf))
		return -1;
	strcpy(buf, val);
	for (tok = strtok_r(buf, ",|", &save); tok; tok = strtok_r(NULL, ",|", &save)) {
		for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
			if (!strcmp(tok, features[i].name))
				break;
		if (i < sizeof(features) / sizeof(features[0]))
			*f |= features[i].bit;
		else if (!parse_num(tok, &v) && v <= UINT32_MAX)
			*f |= (uint32_t)v;
		else
			return -1;
	}
	return 0;
}

static int parse_format(const char *val, uint32_t *fmt)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(val, formats[i].name)) {
			*fmt = formats[i].fmt;
			return 0;
		}
	if (!parse_num(val, &v) && v <= UINT32_MAX) {
		*fmt = (uint32_t)v;
		return 0;
	}
	return -1;
}

/* table configuration being built from keys */
struct tcfg {
	struct ptcore_cfg cfg;
	int have_ias, have_oas;
};

/* Apply key=value to @tc. Returns NULL or a message. */
static const char *apply_key(struct tcfg *tc, const char *key, const char *val)
{
	uint64_t v;

	if (!strcmp(key, "format")) {
		if (parse_format(val, &tc->cfg.format))
			return "unknown format (arm-s1, arm-s2, dart, dart2 or a number)";
	} else if (!strcmp(key, "granule")) {
		if (parse_num(val, &v))
			return "bad granule (4k, 16k, 64k, 12, 14, 16 or 0)";
		if (v == 0 || v == 12 || v == 14 || v == 16)
			tc->cfg.granule_lg2 = (uint8_t)v;
		else if (v == 4096 || v == 16384 || v == 65536)
			tc->cfg.granule_lg2 = v == 4096 ? 12 : v == 16384 ? 14 : 16;
		else if (v < 64)
			tc->cfg.granule_lg2 = (uint8_t)v;	/* let ptcore refuse it */
		else
			return "bad granule (4k, 16k, 64k, 12, 14, 16 or 0)";
	} else if (!strcmp(key, "ias")) {
		if (parse_num(val, &v) || v > 255)
			return "bad ias";
		tc->cfg.ias = (uint8_t)v;
		tc->have_ias = 1;
	} else if (!strcmp(key, "oas")) {
		if (parse_num(val, &v) || v > 255)
			return "bad oas";
		tc->cfg.oas = (uint8_t)v;
		tc->have_oas = 1;
	} else if (!strcmp(key, "pgsizes")) {
		if (parse_pgsizes(val, &tc->cfg.pgsize_bitmap))
			return "bad pgsizes (a list like 4K,2M, a bitmap, 'all' or 'default')";
	} else if (!strcmp(key, "features")) {
		if (parse_features(val, &tc->cfg.features))
			return "bad features (ns, s2fwb, bbml2, incoherent, free-empty, dirty, or a number)";
	} else {
		return "unknown table key (format, granule, ias, oas, pgsizes, features)";
	}
	return NULL;
}

static void tcfg_finish(struct tcfg *tc)
{
	int dart = fmt_is_dart(tc->cfg.format);

	if (!tc->have_ias)
		tc->cfg.ias = dart ? 32 : 48;
	if (!tc->have_oas)
		tc->cfg.oas = tc->cfg.format == PTCORE_FMT_APPLE_DART ? 36 :
			      tc->cfg.format == PTCORE_FMT_APPLE_DART2 ? 42 : 48;
}

static struct cmd *script_add(struct script *sc)
{
	if (sc->n == sc->cap) {
		size_t n = sc->cap ? 2 * sc->cap : 64;
		struct cmd *c = realloc(sc->cmds, n * sizeof(*c));

		if (!c) {
			fprintf(stderr, "ptctl: out of memory\n");
			exit(2);
		}
		sc->cmds = c;
		sc->cap = n;
	}
	memset(&sc->cmds[sc->n], 0, sizeof(sc->cmds[0]));
	return &sc->cmds[sc->n++];
}

static void script_free(struct script *sc)
{
	size_t i;

	for (i = 0; i < sc->n; i++)
		free(sc->cmds[i].text);
	free(sc->cmds);
	sc->cmds = NULL;
	sc->n = sc->cap = 0;
}

#define NEED(n, usage) do {						\
	if (nt != (n))							\
		die_at(sc->file, line, "%s: usage: %s", tok[0], usage);	\
} while (0)

#define NUM(i, out, what) do {						\
	if (parse_num(tok[i], out))					\
		die_at(sc->file, line, "%s: bad %s '%s' (hex 0x.., decimal, K/M/G/T suffix)", \
		       tok[0], what, tok[i]);				\
} while (0)

static void parse_table(struct script *sc, int line, char **tok, int nt, struct cmd *c)
{
	struct tcfg tc;
	const char *msg;
	int i;

	memset(&tc, 0, sizeof(tc));
	if (nt < 2)
		die_at(sc->file, line, "table: usage: table FORMAT [granule=G] [ias=N] [oas=N] "
		       "[pgsizes=LIST] [features=LIST]");
	/* the format comes first, or as format=F anywhere */
	i = 1;
	if (!strchr(tok[1], '=')) {
		if (parse_format(tok[1], &tc.cfg.format))
			die_at(sc->file, line, "table: unknown format '%s' (arm-s1, arm-s2, dart, dart2)",
			       tok[1]);
		i = 2;
	}
	for (; i < nt; i++) {
		char *eq = strchr(tok[i], '=');
		const char *key = tok[i], *val;

		if (eq) {
			*eq = 0;
			val = eq + 1;
		} else {
			if (i + 1 >= nt)
				die_at(sc->file, line, "table: '%s' needs a value", key);
			val = tok[++i];
		}
		msg = apply_key(&tc, key, val);
		if (msg)
			die_at(sc->file, line, "table: %s: '%s'", msg, val);
	}
	if (!tc.cfg.format)
		die_at(sc->file, line, "table: no format (arm-s1, arm-s2, dart, dart2)");
	tcfg_finish(&tc);
	c->cfg = tc.cfg;
}

static const char *const hw_fields[] = {
	"levels", "start_level", "n_roots", "pgsizes", "ias", "oas", "granule",
	"tsz", "tg", "sh", "orgn", "irgn", "ps", "sl", "mair",
};

static uint64_t hw_field(const struct ptcore_hw_info *hw, int i)
{
	switch (i) {
	case 0: return hw->levels;
	case 1: return hw->start_level;
	case 2: return hw->n_roots;
	case 3: return hw->pgsize_bitmap;
	case 4: return hw->ias;
	case 5: return hw->oas;
	case 6: return 1ULL << hw->granule_lg2;
	case 7: return hw->arm_tsz;
	case 8: return hw->arm_tg;
	case 9: return hw->arm_sh;
	case 10: return hw->arm_orgn;
	case 11: return hw->arm_irgn;
	case 12: return hw->arm_ps;
	case 13: return hw->arm_sl;
	default: return hw->arm_mair;
	}
}

static void parse_expect(struct script *sc, int line, char **tok, int nt, struct cmd *c,
			 enum rkind last)
{
	static const char usage[] =
		"expect ok | -ERRNO | error | mapped N | unmapped N | phys PA | gather empty | "
		"gather START END [leaf|walk] | pgsize LIST | nr_tables N | flush START END [leaf|walk] | "
		"flushes N | frees N | live N | hw FIELD VALUE";
	const char *w = nt > 1 ? tok[1] : "";
	int retlike = 0;

	c->walk = -1;
	if (nt < 2)
		die_at(sc->file, line, "expect: usage: %s", usage);
	if (!strcmp(w, "ok") || !strcmp(w, "0")) {
		NEED(2, "expect ok");
		c->ek = E_RET;
		c->err = 0;
		retlike = 1;
	} else if (!strcmp(w, "error")) {
		NEED(2, "expect error");
		c->ek = E_ANYERR;
		retlike = 1;
	} else if (!errno_by_name(w, &c->err) ||
		   (w[0] == '-' && isdigit((unsigned char)w[1]) && (c->err = atoi(w)) < 0)) {
		NEED(2, "expect -ERRNO");
		c->ek = E_RET;
		retlike = 1;
	} else if (!strcmp(w, "mapped") || !strcmp(w, "unmapped") || !strcmp(w, "phys")) {
		NEED(3, "expect mapped|unmapped|phys N");
		NUM(2, &c->a, "number");
		c->ek = w[0] == 'm' ? E_MAPPED : w[0] == 'u' ? E_UNMAPPED : E_PHYS;
		if (c->ek == E_MAPPED && last != R_MAP)
			die_at(sc->file, line, "expect mapped: the last result is not from map/maprange");
		if (c->ek == E_UNMAPPED && last != R_UNMAP && last != R_UNMAP_PAGES)
			die_at(sc->file, line, "expect unmapped: the last result is not from unmap");
		if (c->ek == E_PHYS && last != R_TRANSLATE)
			die_at(sc->file, line, "expect phys: the last result is not from translate");
	} else if (!strcmp(w, "gather") || !strcmp(w, "flush")) {
		if (nt == 3 && !strcmp(w, "gather") && !strcmp(tok[2], "empty")) {
			c->ek = E_GATHER_EMPTY;
			return;
		}
		if (nt != 4 && nt != 5)
			die_at(sc->file, line, "expect %s: usage: expect %s START END [leaf|walk]", w, w);
		NUM(2, &c->a, "start");
		NUM(3, &c->b, "end");
		if (nt == 5) {
			if (!strcmp(tok[4], "leaf"))
				c->walk = 0;
			else if (!strcmp(tok[4], "walk") || !strcmp(tok[4], "leaf+walk"))
				c->walk = 1;
			else
				die_at(sc->file, line, "expect %s: '%s' is not leaf or walk", w, tok[4]);
		}
		c->ek = w[0] == 'g' ? E_GATHER : E_FLUSH;
	} else if (!strcmp(w, "hw")) {
		size_t i;

		NEED(4, "expect hw FIELD VALUE (levels, start_level, n_roots, pgsizes, ias, oas, granule, "
		     "tsz, tg, sh, orgn, irgn, ps, sl, mair)");
		for (i = 0; i < sizeof(hw_fields) / sizeof(hw_fields[0]); i++)
			if (!strcmp(tok[2], hw_fields[i]))
				break;
		if (i == sizeof(hw_fields) / sizeof(hw_fields[0]))
			die_at(sc->file, line, "expect hw: unknown field '%s'", tok[2]);
		c->hwf = (int)i;
		if (i == 3 ? parse_pgsizes(tok[3], &c->a) : parse_num(tok[3], &c->a))
			die_at(sc->file, line, "expect hw %s: bad value '%s'", tok[2], tok[3]);
		c->ek = E_HW;
	} else if (!strcmp(w, "pgsize")) {
		NEED(3, "expect pgsize LIST (e.g. 4K|2M)");
		if (parse_pgsizes(tok[2], &c->a) || c->a == UINT64_MAX)
			die_at(sc->file, line, "expect pgsize: bad size list '%s'", tok[2]);
		c->ek = E_PGSIZE;
	} else if (!strcmp(w, "nr_tables") || !strcmp(w, "flushes") || !strcmp(w, "frees") ||
		   !strcmp(w, "live")) {
		NEED(3, "expect nr_tables|flushes|frees|live N");
		NUM(2, &c->a, "count");
		c->ek = w[0] == 'n' ? E_NR_TABLES : w[0] == 'l' ? E_LIVE : w[1] == 'l' ? E_FLUSHES : E_FREES;
	} else {
		die_at(sc->file, line, "expect: unknown check '%s' (%s)", w, usage);
	}
	if (retlike && last != R_MAP && last != R_UNMAP && last != R_TRANSLATE && last != R_TABLE &&
	    last != R_CUT)
		die_at(sc->file, line, "expect %s: no earlier map, unmap, cut, translate or table result", w);
}

static char *trim(char *p)
{
	char *e;

	while (isspace((unsigned char)*p))
		p++;
	e = p + strlen(p);
	while (e > p && isspace((unsigned char)e[-1]))
		*--e = 0;
	return p;
}

static void parse_line(struct script *sc, int line, char *raw, enum rkind *last)
{
	char *hash = strchr(raw, '#'), *text, *tok[MAX_TOKENS] = { 0 }, *p, *save;
	int nt = 0;
	struct cmd *c;
	uint64_t cnt;
	int has_count;

	if (hash)
		*hash = 0;
	text = trim(raw);
	if (!*text)
		return;
	c = script_add(sc);
	c->line = line;
	c->text = strdup(text);
	if (!c->text) {
		fprintf(stderr, "ptctl: out of memory\n");
		exit(2);
	}
	if (!strncmp(text, "echo", 4) && (!text[4] || isspace((unsigned char)text[4]))) {
		c->kind = C_ECHO;
		return;
	}
	for (p = strtok_r(text, " \t", &save); p; p = strtok_r(NULL, " \t", &save)) {
		if (nt == MAX_TOKENS)
			die_at(sc->file, line, "too many words");
		tok[nt++] = p;
	}
	if (!strcmp(tok[0], "table")) {
		c->kind = C_TABLE;
		parse_table(sc, line, tok, nt, c);
		*last = R_TABLE;
	} else if (!strcmp(tok[0], "map") || !strcmp(tok[0], "maprange")) {
		int range = tok[0][3] == 'r';

		NEED(5, range ? "maprange IOVA PA LEN PROT" : "map IOVA PA SIZE[xCOUNT] PROT");
		NUM(1, &c->a, "IOVA");
		NUM(2, &c->b, "PA");
		if (range) {
			NUM(3, &c->c, "length");
			c->d = 1;
		} else if (parse_size_count(tok[3], &c->c, &c->d, &has_count)) {
			die_at(sc->file, line, "map: bad size '%s' (SIZE or SIZExCOUNT, e.g. 4Kx16)", tok[3]);
		}
		if (parse_prot(tok[4], &c->prot))
			die_at(sc->file, line, "%s: bad prot '%s' (letters r w c x=noexec m=mmio p=priv, "
			       "'-' or a number)", tok[0], tok[4]);
		c->kind = range ? C_MAPRANGE : C_MAP;
		*last = R_MAP;
	} else if (!strcmp(tok[0], "map-range")) {
		NEED(5, "map-range IOVA PA LEN PROT");
		NUM(1, &c->a, "IOVA");
		NUM(2, &c->b, "PA");
		NUM(3, &c->c, "length");
		if (parse_prot(tok[4], &c->prot))
			die_at(sc->file, line, "%s: bad prot '%s' (letters r w c x=noexec m=mmio p=priv, "
			       "'-' or a number)", tok[0], tok[4]);
		c->kind = C_MAP_RANGE;
		*last = R_MAP;
	} else if (!strcmp(tok[0], "unmap-collect")) {
		NEED(3, "unmap-collect IOVA LEN");
		NUM(1, &c->a, "IOVA");
		NUM(2, &c->b, "length");
		c->kind = C_UNMAP_COLLECT;
		*last = R_UNMAP;
	} else if (!strcmp(tok[0], "cut")) {
		NEED(2, "cut IOVA");
		NUM(1, &c->a, "IOVA");
		c->kind = C_CUT;
		*last = R_CUT;
	} else if (!strcmp(tok[0], "unmap")) {
		NEED(3, "unmap IOVA LEN  or  unmap IOVA PGSIZExCOUNT");
		NUM(1, &c->a, "IOVA");
		if (parse_size_count(tok[2], &c->b, &cnt, &has_count))
			die_at(sc->file, line, "unmap: bad length '%s'", tok[2]);
		c->c = cnt;
		c->kind = has_count ? C_UNMAP_PAGES : C_UNMAP;
		*last = has_count ? R_UNMAP_PAGES : R_UNMAP;
	} else if (!strcmp(tok[0], "translate")) {
		NEED(2, "translate IOVA");
		NUM(1, &c->a, "IOVA");
		c->kind = C_TRANSLATE;
		*last = R_TRANSLATE;
	} else if (!strcmp(tok[0], "sync")) {
		NEED(1, "sync");
		c->kind = C_SYNC;
	} else if (!strcmp(tok[0], "dump")) {
		NEED(1, "dump");
		c->kind = C_DUMP;
	} else if (!strcmp(tok[0], "info")) {
		NEED(1, "info");
		c->kind = C_INFO;
	} else if (!strcmp(tok[0], "stats")) {
		NEED(1, "stats");
		c->kind = C_STATS;
	} else if (!strcmp(tok[0], "expect")) {
		c->kind = C_EXPECT;
		parse_expect(sc, line, tok, nt, c, *last);
	} else {
		die_at(sc->file, line, "unknown command '%s' (table, map, maprange, map-range, unmap, "
		       "unmap-collect, cut, sync, translate, dump, info, stats, echo, expect)", tok[0]);
	}
}

static void parse_buffer(struct script *sc, char *buf, int first_line, enum rkind *last)
{
	char *line = buf, *nl;
	int n = first_line;

	while (line && *line) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (strlen(line) > 4000)
			die_at(sc->file, n, "line too long");
		parse_line(sc, n, line, last);
		n++;
		line = nl ? nl + 1 : NULL;
	}
}

static char *read_all(FILE *f, const char *name)
{
	size_t len = 0, cap = 65536, r;
	char *buf = malloc(cap + 1);

	if (!buf) {
		fprintf(stderr, "ptctl: out of memory\n");
		exit(2);
	}
	while ((r = fread(buf + len, 1, cap - len, f)) > 0) {
		len += r;
		if (len == cap) {
			char *nb = realloc(buf, 2 * cap + 1);

			if (!nb) {
				fprintf(stderr, "ptctl: out of memory\n");
				exit(2);
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "ptctl: %s: read error\n", name);
		exit(2);
	}
	buf[len] = 0;
	if (memchr(buf, 0, len)) {
		fprintf(stderr, "ptctl: %s: binary data (NUL byte) in script\n", name);
		exit(2);
	}
	return buf;
}

/* ------------------------------------------------------------------ */
/* execution                                                           */

struct result {
	enum rkind kind;
	int line;
	int ret;
	uint64_t bytes;		/* mapped / unmapped */
	uint64_t phys;
};

static struct result last;
static struct tcfg cmdline_cfg;

static void destroy_table(struct ptctl *s, const char *why)
{
	uint64_t before = s->frees;
	size_t i, leaked = 0;

	if (!s->t)
		return;
	if (s->g.start <= s->g.end || s->g.nr_tables) {
		out_break();
		printf("    note: the gather was never synced; destroy frees its %u queued table%s\n",
		       s->g.nr_tables, s->g.nr_tables == 1 ? "" : "s");
	}
	s->in_destroy = 1;
	ptcore_table_destroy(s->t);
	s->in_destroy = 0;
	s->t = NULL;
	for (i = 0; i < s->nrecs; i++)
		if (s->recs[i].live) {
			leaked++;
			violation(s, "after ptcore_table_destroy: table pa=0x%" PRIx64 " size=%zu not freed",
				  s->recs[i].pa, s->recs[i].size);
			s->recs[i].live = 0;
		}
	out_break();
	printf("    %s: ptcore_table_destroy freed %" PRIu64 " table%s%s\n", why, s->frees - before,
	       s->frees - before == 1 ? "" : "s", leaked ? " (LEAK)" : ", nothing leaked");
	ptcore_gather_init(&s->g);
}

static void create_table(struct ptctl *s, const struct ptcore_cfg *cfg, int line)
{
	char b1[32], b2[160], b3[64];
	int ret;

	destroy_table(s, "previous table");
	s->cfg = *cfg;
	s->ops.alloc_table = op_alloc;
	s->ops.free_table = op_free;
	s->ops.sync_table = op_sync_table;
	s->ops.iotlb_flush = op_flush;
	s->cfg.ops = &s->ops;
	s->cfg.cookie = s;
	s->table_tried = 1;
	s->table_line = line;
	memset(&s->hw, 0, sizeof(s->hw));
	ret = ptcore_table_create(&s->cfg, &s->t);
	last.kind = R_TABLE;
	last.line = line;
	last.ret = ret;
	if (ret) {
		s->t = NULL;
		result("%s: no table\n", errname(ret));
		return;
	}
	ptcore_hw_info(s->t, &s->hw);
	ptcore_gather_init(&s->g);
	result("ok: %s granule %s ias %u oas %u features %s, %u levels", format_name(s->hw.format),
	       fmt_size(b1, sizeof(b1), 1ULL << s->hw.granule_lg2), s->hw.ias, s->hw.oas,
	       fmt_features(b3, sizeof(b3), s->cfg.features), s->hw.levels);
	if (fmt_is_arm(s->hw.format))
		printf(" from L%u", s->hw.start_level);
	else
		printf(", %u TTBR%s", s->hw.n_roots, s->hw.n_roots == 1 ? "" : "s");
	printf(", pgsizes %s\n", fmt_pgsizes(b2, sizeof(b2), s->hw.pgsize_bitmap));
	snapshot(s);
}

static void need_table(struct ptctl *s, const struct cmd *c)
{
	if (s->t)
		return;
	if (s->table_tried)
		die_at(s->file, c->line, "%s: no table (the table at line %d was not created)",
		       c->text, s->table_line);
	out_break();
	begin_cmd(0, "table (from the command line)");
	create_table(s, &cmdline_cfg.cfg, 0);
	if (!s->t)
		die_at(s->file, c->line, "%s: no table (the command-line table was not created: %s)",
		       c->text, errname(last.ret));
}

static void check_map_result(struct ptctl *s, int ret, uint64_t mapped, uint64_t want)
{
	if (mapped > want)
		violation(s, "mapped %" PRIu64 " bytes of %" PRIu64, mapped, want);
	if (!ret && mapped != want)
		violation(s, "returned 0 but mapped %" PRIu64 " of %" PRIu64 " bytes", mapped, want);
	if (ret && ret != -EADDRINUSE && ret != -ENOMEM && mapped)
		violation(s, "%s but mapped %" PRIu64 " bytes", errname(ret), mapped);
}

static void do_map(struct ptctl *s, const struct cmd *c)
{
	uint64_t mapped = 0, want = c->c * c->d;
	char b[32];
	int ret;

	if (c->d && want / c->d != c->c)
		want = UINT64_MAX;
	ret = ptcore_map_pages(s->t, c->a, c->b, c->c, c->d, c->prot, 0, &mapped);
	check_map_result(s, ret, mapped, want);
	result("%s, mapped 0x%" PRIx64 " (%s)\n", errname(ret), mapped,
	       fmt_size(b, sizeof(b), mapped));
	last.ret = ret;
	last.bytes = mapped;
}

/* iommu_map()-style: split [iova, iova + len) into the largest pages alignment allows. */
static void do_maprange(struct ptctl *s, const struct cmd *c)
{
	uint64_t iova = c->a, pa = c->b, left = c->c, total = 0, bm = s->hw.pgsize_bitmap;
	char b1[32], b2[32], pr[32];
	int ret = 0;

	if (!left)
		ret = -EINVAL;
	while (left && !ret) {
		uint64_t cand = bm, align = iova | pa, pgsize, count, mapped = 0, next;
		int hi;

		/* sizes the alignment of both addresses allows, and at most @left */
		if (align)
			cand &= (align & -align) | ((align & -align) - 1);
		for (hi = 63; hi >= 0; hi--)
			if ((cand & (1ULL << hi)) && (1ULL << hi) <= left)
				break;
		if (hi < 0) {
			out_break();
			printf("      no page size fits iova 0x%" PRIx64 " pa 0x%" PRIx64 " len 0x%" PRIx64
			       "\n", iova, pa, left);
			ret = -EINVAL;
			break;
		}
		pgsize = 1ULL << hi;
		count = left / pgsize;
		/* stop where a larger size would become usable */
		next = bm & ~((pgsize << 1) - 1);
		if (next && !((iova ^ pa) & ((next & -next) - 1))) {
			uint64_t nsz = next & -next;
			uint64_t upto = ((iova + nsz - 1) & ~(nsz - 1)) - iova;

			if (upto / pgsize && upto / pgsize < count)
				count = upto / pgsize;
		}
		ret = ptcore_map_pages(s->t, iova, pa, pgsize, count, c->prot, 0, &mapped);
		check_map_result(s, ret, mapped, pgsize * count);
		out_break();
		printf("      map_pages 0x%" PRIx64 " -> 0x%" PRIx64 " %s x %" PRIu64 " %s: %s\n", iova, pa,
		       fmt_size(b1, sizeof(b1), pgsize), count, fmt_prot(pr, c->prot), errname(ret));
		total += mapped;
		iova += pgsize * count;
		pa += pgsize * count;
		left -= pgsize * count;
	}
	result("%s, mapped 0x%" PRIx64 " (%s)\n", errname(ret), total,
	       fmt_size(b2, sizeof(b2), total));
	last.ret = ret;
	last.bytes = total;
}

/* ptcore_map_range(): the best mix of page sizes in one walk. */
static void do_map_range(struct ptctl *s, const struct cmd *c)
{
	uint64_t mapped = 0xdeadbeef;
	char b[32];
	int ret;

	ret = ptcore_map_range(s->t, c->a, c->b, c->c, c->prot, 0, &mapped);
	check_map_result(s, ret, mapped, c->c);
	result("%s, mapped 0x%" PRIx64 " (%s)\n", errname(ret), mapped,
	       fmt_size(b, sizeof(b), mapped));
	last.ret = ret;
	last.bytes = mapped;
}

/* What ptcore_unmap_collect() reported so far, checked as it arrives. */
struct collect {
	struct ptctl *s;
	uint64_t runs, bytes;
	struct ptcore_range prev;
};

static void collect_fn(void *arg, const struct ptcore_range *runs, uint32_t n)
{
	struct collect *col = arg;
	char b[32];
	uint32_t i;

	for (i = 0; i < n; i++) {
		const struct ptcore_range *r = &runs[i];

		out_break();
		printf("      removed 0x%" PRIx64 "..0x%" PRIx64 " -> 0x%" PRIx64 " (%s)\n", r->iova,
		       r->iova + r->size - 1, r->paddr, fmt_size(b, sizeof(b), r->size));
		if (!r->size)
			violation(col->s, "unmap_collect reported an empty run at 0x%" PRIx64, r->iova);
		if (col->runs && r->iova < col->prev.iova + col->prev.size)
			violation(col->s, "unmap_collect: run at 0x%" PRIx64 " not in IOVA order",
				  r->iova);
		if (col->runs && r->iova == col->prev.iova + col->prev.size &&
		    r->paddr == col->prev.paddr + col->prev.size)
			violation(col->s, "unmap_collect: run at 0x%" PRIx64 " continues the last one "
				  "(not coalesced)", r->iova);
		col->prev = *r;
		col->runs++;
		col->bytes += r->size;
	}
}

static void do_unmap_collect(struct ptctl *s, const struct cmd *c)
{
	struct ptcore_gather before = s->g;
	struct collect col = { .s = s };
	uint64_t unmapped = 0xdeadbeef;
	char b[32], b2[32];
	int ret;

	ret = ptcore_unmap_collect(s->t, c->a, c->b, &s->g, &unmapped, collect_fn, &col);
	result("%s, unmapped 0x%" PRIx64 " (%s) in %" PRIu64 " run%s of 0x%" PRIx64 " (%s)\n",
	       errname(ret), unmapped, fmt_size(b, sizeof(b), unmapped), col.runs,
	       col.runs == 1 ? "" : "s", col.bytes, fmt_size(b2, sizeof(b2), col.bytes));
	if (col.bytes != unmapped)
		violation(s, "unmap_collect: runs add up to %" PRIu64 " bytes, unmapped %" PRIu64,
			  col.bytes, unmapped);
	if (ret == -EOVERFLOW || ret == -ERANGE || c->b == 0) {
		if (unmapped || col.runs || memcmp(&before, &s->g, sizeof(before)))
			violation(s, "argument error %s changed the gather or unmapped %" PRIu64,
				  errname(ret), unmapped);
	}
	print_gather("    gather", &s->g);
	last.ret = ret;
	last.bytes = unmapped;
}

/*
 * ptcore_cut(): translations never change (checked at the cut point and the
 * page before it), the gather gets the old leaf's span (it holds the cut
 * point and the page before), and a refusal changes neither the gather nor
 * any translation and flushes nothing.
 */
static void do_cut(struct ptctl *s, const struct cmd *c)
{
	struct ptcore_gather before = s->g;
	uint64_t min = s->hw.pgsize_bitmap & -s->hw.pgsize_bitmap;
	uint64_t at[2] = { c->a, c->a - min }, pa0[2] = { 0, 0 }, pa1[2] = { 0, 0 };
	uint64_t fl0 = s->flushes;
	int ok0[2], ok1[2], i, ret;

	for (i = 0; i < 2; i++)
		ok0[i] = !ptcore_iova_to_phys(s->t, at[i], &pa0[i]);
	ret = ptcore_cut(s->t, c->a, 0, &s->g);
	result("%s, %" PRIu64 " flush%s in the cut\n", errname(ret), (uint64_t)(s->flushes - fl0),
	       s->flushes - fl0 == 1 ? "" : "es");
	for (i = 0; i < 2; i++) {
		ok1[i] = !ptcore_iova_to_phys(s->t, at[i], &pa1[i]);
		if (ok0[i] != ok1[i] || pa0[i] != pa1[i])
			violation(s, "cut at 0x%" PRIx64 " changed the translation of 0x%" PRIx64,
				  c->a, at[i]);
	}
	if (ret) {
		if (memcmp(&before, &s->g, sizeof(before)))
			violation(s, "cut refused with %s but changed the gather", errname(ret));
		if (s->flushes != fl0)
			violation(s, "cut refused with %s but flushed", errname(ret));
	} else if (memcmp(&before, &s->g, sizeof(before)) &&
		   (s->g.start > c->a - min || s->g.end < c->a)) {
		violation(s, "cut at 0x%" PRIx64 ": the gather [0x%" PRIx64 "..0x%" PRIx64
			  "] misses the old leaf", c->a, s->g.start, s->g.end);
	}
	print_gather("    gather", &s->g);
	last.ret = ret;
}

static void do_unmap(struct ptctl *s, const struct cmd *c)
{
	struct ptcore_gather before = s->g;
	uint64_t unmapped = 0;
	char b[32];
	int ret;

	if (c->kind == C_UNMAP_PAGES) {
		unmapped = ptcore_unmap_pages(s->t, c->a, c->b, c->c, &s->g);
		ret = 0;
		result("unmapped 0x%" PRIx64 " (%s)\n", unmapped, fmt_size(b, sizeof(b), unmapped));
	} else {
		unmapped = 0xdeadbeef;
		ret = ptcore_unmap(s->t, c->a, c->b, &s->g, &unmapped);
		result("%s, unmapped 0x%" PRIx64 " (%s)\n", errname(ret), unmapped,
		       fmt_size(b, sizeof(b), unmapped));
		if (ret == -EOVERFLOW || ret == -ERANGE || c->b == 0) {
			if (unmapped || memcmp(&before, &s->g, sizeof(before)))
				violation(s, "argument error %s changed the gather or unmapped %" PRIu64,
					  errname(ret), unmapped);
		}
	}
	print_gather("    gather", &s->g);
	last.ret = ret;
	last.bytes = unmapped;
}

static void do_sync(struct ptctl *s)
{
	uint64_t f0 = s->flushes;

	print_gather("    gather", &s->g);
	s->sync_frees = 0;
	ptcore_iotlb_sync(s->t, &s->g);
	result("%" PRIu64 " flush%s, %" PRIu64 " table%s freed\n", s->flushes - f0,
	       s->flushes - f0 == 1 ? "" : "es", s->sync_frees, s->sync_frees == 1 ? "" : "s");
	if (s->g.start != UINT64_MAX || s->g.end || s->g.nr_tables || s->g.flags || s->g.pgsize)
		violation(s, "ptcore_iotlb_sync did not re-initialise the gather");
}

static void do_translate(struct ptctl *s, const struct cmd *c)
{
	uint64_t pa = 0, wpa = 0;
	int ret = ptcore_iova_to_phys(s->t, c->a, &pa);
	int wret = walk_translate(s, c->a, &wpa);

	if (ret)
		result("%s\n", errname(ret));
	else
		result("0x%" PRIx64 "\n", pa);
	if (wret != -EOPNOTSUPP && (wret != ret || (!ret && pa != wpa)))
		violation(s, "iova_to_phys(0x%" PRIx64 ") = %s 0x%" PRIx64
			  ", the raw table walk says %s 0x%" PRIx64, c->a, errname(ret), pa,
			  errname(wret), wpa);
	last.ret = ret;
	last.phys = pa;
}

static void do_stats(struct ptctl *s)
{
	struct ptcore_mem_stats ms;

	ptcore_mem_stats(&ms);
	out_break();
	printf("    tables: allocated %" PRIu64 ", freed %" PRIu64 ", live %" PRIu64
	       "; flushes %" PRIu64 "; sync_table calls %" PRIu64 "\n", s->allocs, s->frees,
	       live_tables(s), s->flushes, s->table_syncs);
	out_break();
	printf("    ptcore_mem_stats: tables_live %" PRIu64 " bytes_live %" PRIu64 " allocs %" PRIu64
	       " frees %" PRIu64 "\n", ms.tables_live, ms.bytes_live, ms.allocs, ms.frees);
}

static void __attribute__((noreturn, format(printf, 3, 4)))
expect_failed(struct ptctl *s, const struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	out_break();
	fflush(stdout);
	fprintf(stderr, "ptctl: %s:%d: expect failed: %s: ", s->file, c->line, c->text);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cleanup();
	exit(1);
}

static void do_expect(struct ptctl *s, const struct cmd *c)
{
	const struct ptcore_gather *g = &s->g;
	char b1[160], b2[160];

	switch (c->ek) {
	case E_RET:
		if (last.ret != c->err)
			expect_failed(s, c, "line %d returned %s", last.line, errname(last.ret));
		break;
	case E_ANYERR:
		if (!last.ret)
			expect_failed(s, c, "line %d returned ok", last.line);
		break;
	case E_MAPPED:
	case E_UNMAPPED:
		if (last.bytes != c->a)
			expect_failed(s, c, "line %d %s 0x%" PRIx64, last.line,
				      c->ek == E_MAPPED ? "mapped" : "unmapped", last.bytes);
		break;
	case E_PHYS:
		if (last.ret || last.phys != c->a)
			expect_failed(s, c, "line %d gave %s 0x%" PRIx64, last.line, errname(last.ret),
				      last.phys);
		break;
	case E_GATHER_EMPTY:
		if (g->start <= g->end)
			expect_failed(s, c, "gather is [0x%" PRIx64 "..0x%" PRIx64 "]", g->start, g->end);
		break;
	case E_GATHER:
		if (g->start != c->a || g->end != c->b ||
		    (c->walk >= 0 && !!(g->flags & PTCORE_GATHER_TABLES) != c->walk))
			expect_failed(s, c, "gather is [0x%" PRIx64 "..0x%" PRIx64 "]%s", g->start, g->end,
				      (g->flags & PTCORE_GATHER_TABLES) ? " TABLES" : "");
		break;
	case E_PGSIZE:
		if (g->pgsize != c->a)
			expect_failed(s, c, "gather pgsize is %s, not %s",
				      fmt_pgsizes(b1, sizeof(b1), g->pgsize),
				      fmt_pgsizes(b2, sizeof(b2), c->a));
		break;
	case E_NR_TABLES:
		if (g->nr_tables != c->a)
			expect_failed(s, c, "gather nr_tables is %u", g->nr_tables);
		break;
	case E_FLUSH: {
		const struct flushrec *f = s->nfl ? &s->fl[s->nfl - 1] : NULL;

		if (!f)
			expect_failed(s, c, "no flush happened yet");
		if (f->start != c->a || f->end != c->b ||
		    (c->walk >= 0 && !!(f->flags & PTCORE_GATHER_TABLES) != c->walk))
			expect_failed(s, c, "last flush was [0x%" PRIx64 "..0x%" PRIx64 "] %s", f->start,
				      f->end, (f->flags & PTCORE_GATHER_TABLES) ? "leaf+walk" : "leaf");
		break;
	}
	case E_FLUSHES:
		if (s->flushes != c->a)
			expect_failed(s, c, "%" PRIu64 " flushes so far", s->flushes);
		break;
	case E_FREES:
		if (s->frees != c->a)
			expect_failed(s, c, "%" PRIu64 " tables freed so far", s->frees);
		break;
	case E_LIVE:
		if (live_tables(s) != c->a)
			expect_failed(s, c, "%" PRIu64 " tables live", live_tables(s));
		break;
	case E_HW: {
		uint64_t v;

		if (!s->t)
			expect_failed(s, c, "there is no table");
		ptcore_hw_info(s->t, &s->hw);
		v = hw_field(&s->hw, c->hwf);
		if (v != c->a)
			expect_failed(s, c, "hw_info %s is 0x%" PRIx64 " (%" PRIu64 ")", hw_fields[c->hwf], v, v);
		break;
	}
	}
	expects_passed++;
	result("pass\n");
}

static void run(struct ptctl *s, struct script *sc)
{
	size_t i;

	s->file = sc->file;
	for (i = 0; i < sc->n; i++) {
		const struct cmd *c = &sc->cmds[i];

		s->line = c->line;
		if (c->kind == C_ECHO) {
			const char *t = c->text + 4;

			while (isspace((unsigned char)*t))
				t++;
			printf("%s%s\n", *t ? "\n" : "", t);
			continue;
		}
		begin_cmd(c->line, c->text);
		switch (c->kind) {
		case C_TABLE:
			create_table(s, &c->cfg, c->line);
			break;
		case C_MAP:
		case C_MAPRANGE:
		case C_MAP_RANGE:
			need_table(s, c);
			last.kind = R_MAP;
			last.line = c->line;
			if (c->kind == C_MAP)
				do_map(s, c);
			else if (c->kind == C_MAPRANGE)
				do_maprange(s, c);
			else
				do_map_range(s, c);
			snapshot(s);
			break;
		case C_UNMAP:
		case C_UNMAP_PAGES:
		case C_UNMAP_COLLECT:
			need_table(s, c);
			last.kind = c->kind == C_UNMAP_PAGES ? R_UNMAP_PAGES : R_UNMAP;
			last.line = c->line;
			if (c->kind == C_UNMAP_COLLECT)
				do_unmap_collect(s, c);
			else
				do_unmap(s, c);
			snapshot(s);
			break;
		case C_CUT:
			need_table(s, c);
			last.kind = R_CUT;
			last.line = c->line;
			do_cut(s, c);
			snapshot(s);
			break;
		case C_SYNC:
			need_table(s, c);
			do_sync(s);
			snapshot(s);
			break;
		case C_TRANSLATE:
			need_table(s, c);
			last.kind = R_TRANSLATE;
			last.line = c->line;
			do_translate(s, c);
			break;
		case C_DUMP:
			out_break();
			need_table(s, c);
			cmd_dump(s);
			break;
		case C_INFO:
			out_break();
			need_table(s, c);
			ptcore_hw_info(s->t, &s->hw);
			cmd_info(s);
			break;
		case C_STATS:
			do_stats(s);
			break;
		case C_EXPECT:
			do_expect(s, c);
			break;
		case C_ECHO:
			break;
		}
	}
	s->line = 0;
}

static struct ptcore_mem_stats baseline;

static void cleanup(void)
{
	struct ptcore_mem_stats ms;

	out_break();
	if (S.t) {
		printf("[end]\n");
		destroy_table(&S, "end of script");
	}
	ptcore_mem_stats(&ms);
	if (ms.tables_live != baseline.tables_live)
		violation(&S, "ptcore_mem_stats: %" PRIu64 " blocks live at exit, %" PRIu64 " at start",
			  ms.tables_live, baseline.tables_live);
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: ptctl [options] [SCRIPT | -]\n"
"Replays a ptcore script (file, or stdin for '-' or no argument) and prints\n"
"every result, gather, flush and table free; see tools/ptctl/README.md.\n"
"\n"
"  -f, --format F     arm-s1 (default), arm-s2, dart, dart2\n"
"  -g, --granule G    4k, 16k, 64k (default: 4k for ARM, 16k for DART)\n"
"      --ias N        input address bits (default 48 ARM, 32 DART)\n"
"      --oas N        output address bits (default 48 ARM, 36 DART, 42 DART2)\n"
"  -p, --pgsizes L    4K,2M,... | all (incl. ARM contiguous sizes) | default\n"
"  -F, --features L   ns, s2fwb, bbml2, incoherent, free-empty, dirty (comma list)\n"
"  -e, --exec CMD     run CMD (repeatable) instead of a script\n"
"  -v, --verbose      also print sync_table calls and frees at destroy\n"
"  -q, --quiet        print nothing but errors\n"
"  -h, --help\n"
"The table options apply until the script's first `table` command.\n"
"Exit status: 0 ok, 1 an expect failed or ptcore broke its ABI, 2 bad script/usage.\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "granule", required_argument, NULL, 'g' },
		{ "ias", required_argument, NULL, 'I' },
		{ "oas", required_argument, NULL, 'O' },
		{ "pgsizes", required_argument, NULL, 'p' },
		{ "features", required_argument, NULL, 'F' },
		{ "exec", required_argument, NULL, 'e' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct script sc;
	enum rkind lastk = R_NONE;
	static char *execbuf;
	size_t execlen = 0;
	const char *msg;
	int opt, quiet = 0;

	cmdline_cfg.cfg.format = PTCORE_FMT_ARM64_LPAE_S1;
	while ((opt = getopt_long(argc, argv, "f:g:p:F:e:vqh", lo, NULL)) != -1) {
		const char *key = NULL;

		switch (opt) {
		case 'f': key = "format"; break;
		case 'g': key = "granule"; break;
		case 'I': key = "ias"; break;
		case 'O': key = "oas"; break;
		case 'p': key = "pgsizes"; break;
		case 'F': key = "features"; break;
		case 'e': {
			size_t l = strlen(optarg);
			char *nb = realloc(execbuf, execlen + l + 2);

			if (!nb)
				return 2;
			execbuf = nb;
			memcpy(execbuf + execlen, optarg, l);
			execlen += l;
			execbuf[execlen++] = '\n';
			execbuf[execlen] = 0;
			break;
		}
		case 'v': S.verbose = 1; break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (key) {
			msg = apply_key(&cmdline_cfg, key, optarg);
			if (msg) {
				fprintf(stderr, "ptctl: --%s %s: %s\n", key, optarg, msg);
				return 2;
			}
		}
	}
	tcfg_finish(&cmdline_cfg);

	if (execbuf) {
		if (optind < argc) {
			fprintf(stderr, "ptctl: give either -e commands or a script, not both\n");
			return 2;
		}
		sc.file = "-e";
		parse_buffer(&sc, execbuf, 1, &lastk);
	} else {
		const char *name = optind < argc ? argv[optind] : "-";
		FILE *f = strcmp(name, "-") ? fopen(name, "r") : stdin;
		char *buf;

		if (optind + 1 < argc) {
			usage(stderr);
			return 2;
		}
		if (!f) {
			fprintf(stderr, "ptctl: %s: %s\n", name, strerror(errno));
			return 2;
		}
		sc.file = f == stdin ? "<stdin>" : name;
		buf = read_all(f, sc.file);
		if (f != stdin)
			fclose(f);
		parse_buffer(&sc, buf, 1, &lastk);
		free(buf);
	}

	if (quiet && !freopen("/dev/null", "w", stdout))
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	ptcore_mem_stats(&baseline);
	run(&S, &sc);
	cleanup();
	printf("summary: %zu commands, %d expect%s passed, %" PRIu64 " flush%s, tables allocated %"
	       PRIu64 " freed %" PRIu64 ", %d violation%s\n", sc.n, expects_passed,
	       expects_passed == 1 ? "" : "s", S.flushes, S.flushes == 1 ? "" : "es", S.allocs, S.frees,
	       S.violations, S.violations == 1 ? "" : "s");
	script_free(&sc);
	free(execbuf);
	free(S.recs);
	free(S.fl);
	return S.violations ? 1 : 0;
}
