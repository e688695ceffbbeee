// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptctl: execution. Runs the parsed commands against ptcore, prints every
 * result, and checks the `expect` lines.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptctl.h"
#include <linux/types.h>
#include "oracle.h"

static struct result last;
struct tcfg cmdline_cfg;

void destroy_table(struct ptctl *s, const char *why)
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
		printf(" from L%d", (int8_t)s->hw.start_level);
	else if (fmt_is_x86(s->hw.format))
		printf(", mode %u", s->hw.mode);
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

/* iommu_map(): [iova, iova + len) in the map_pages calls of Linux's iommu_pgsize() split. */
static void do_maprange(struct ptctl *s, const struct cmd *c)
{
	uint64_t iova = c->a, pa = c->b, left = c->c, total = 0, bm = s->hw.pgsize_bitmap;
	char b1[32], b2[32], pr[32];
	int ret = 0;

	if (!left)
		ret = -EINVAL;
	while (left && !ret) {
		uint64_t count, mapped = 0;
		uint64_t pgsize = orc_pgsize(bm, iova, pa, left, &count);

		if (!pgsize) {
			out_break();
			printf("      no page size fits iova 0x%" PRIx64 " pa 0x%" PRIx64 " len 0x%" PRIx64
			       "\n", iova, pa, left);
			ret = -EINVAL;
			break;
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

void run(struct ptctl *s, struct script *sc)
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
