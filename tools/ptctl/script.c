// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptctl: script parsing. Reads a script (or -e commands) into a list of
 * struct cmd, checking every command, key and number; a bad script exits 2
 * naming its line.
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

#define MAX_TOKENS 32


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

	*f = 0;
	if (!strcmp(val, "none") || !strcmp(val, "-"))
		return 0;
	if (strlen(val) >= sizeof(buf))
		return -1;
	strcpy(buf, val);
	for (tok = strtok_r(buf, ",|", &save); tok; tok = strtok_r(NULL, ",|", &save)) {
		uint32_t bit;

		if (!feature_by_name(tok, &bit))
			*f |= bit;
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

	if (!format_by_name(val, fmt))
		return 0;
	if (!parse_num(val, &v) && v <= UINT32_MAX) {
		*fmt = (uint32_t)v;
		return 0;
	}
	return -1;
}

/* Apply key=value to @tc. Returns NULL or a message. */
const char *apply_key(struct tcfg *tc, const char *key, const char *val)
{
	uint64_t v;

	if (!strcmp(key, "format")) {
		if (parse_format(val, &tc->cfg.format))
			return "unknown format (arm-s1, arm-s2, dart, dart2, vtdss, x86-64, riscv64, arm-v7s "
			       "or a number)";
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
			return "bad features (ns, s2fwb, bbml2, lpa2, incoherent, free-empty, dirty, or a number)";
	} else {
		return "unknown table key (format, granule, ias, oas, pgsizes, features)";
	}
	return NULL;
}

void tcfg_finish(struct tcfg *tc)
{
	int dart = fmt_is_dart(tc->cfg.format);

	int riscv = tc->cfg.format == PTCORE_FMT_RISCV64;
	int v7s = tc->cfg.format == PTCORE_FMT_ARM_V7S;

	if (!tc->have_ias)
		tc->cfg.ias = dart || v7s ? 32 : riscv ? 47 : 48;	/* RISC-V: Sv48 */
	if (!tc->have_oas)
		tc->cfg.oas = tc->cfg.format == PTCORE_FMT_APPLE_DART ? 36 :
			      tc->cfg.format == PTCORE_FMT_APPLE_DART2 ? 42 :
			      tc->cfg.format == PTCORE_FMT_AMDV1 ? 52 : riscv ? 56 : v7s ? 32 : 48;
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

void script_free(struct script *sc)
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
			die_at(sc->file, line,
			       "table: unknown format '%s' (arm-s1, arm-s2, dart, dart2, vtdss, "
			       "x86-64, riscv64, arm-v7s)", tok[1]);
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
		die_at(sc->file, line, "table: no format (arm-s1, arm-s2, dart, dart2, vtdss, x86-64, "
		       "riscv64, arm-v7s)");
	tcfg_finish(&tc);
	c->cfg = tc.cfg;
}

const char *const hw_fields[] = {
	"levels", "start_level", "n_roots", "pgsizes", "ias", "oas", "granule",
	"tsz", "tg", "sh", "orgn", "irgn", "ps", "sl", "mair", "mode",
};

const size_t nr_hw_fields = sizeof(hw_fields) / sizeof(hw_fields[0]);

uint64_t hw_field(const struct ptcore_hw_info *hw, int i)
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
	case 15: return hw->mode;
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
		for (i = 0; i < nr_hw_fields; i++)
			if (!strcmp(tok[2], hw_fields[i]))
				break;
		if (i == nr_hw_fields)
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

void parse_buffer(struct script *sc, char *buf, int first_line, enum rkind *last)
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

char *read_all(FILE *f, const char *name)
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
