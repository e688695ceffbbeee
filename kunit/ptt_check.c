// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Test support shared by ptcore's KUnit suites: the checked operations of
 * ptt_util.h. Each predicts its result from the oracle and ABI.md, calls
 * ptcore, and cross-checks the return value, the bytes, the gather, the
 * flushes and frees, and then the whole tree (ptt_util.c's scan) and
 * translations through the hardware-walk model.
 *
 * Conventions in this file: ctx is the checked table, g a gather, e an
 * unmap prediction, "violation" something ABI.md or FORMATS.md forbids,
 * reported with KUNIT_FAIL.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ptt_internal.h"

/* ---- checked map ---- */

/* LIVE non-root blocks whose span lies in [start, start + len) and is at most @max_span */
static unsigned int tables_within(const struct ptt_ctx *ctx, u64 start, u64 len, u64 max_span)
{
	unsigned int i, n = 0;

	if (!ptt_tracking(ctx) || !len)
		return 0;
	for (i = 0; i < PTT_TRACK_SLOTS; i++) {
		const struct ptt_tracked *s = &ctx->trk[i];

		if (s->state != PTT_TS_LIVE || !s->span_known || ptt_is_root(ctx, s->pa))
			continue;
		if (s->span_start >= start && s->span_last <= start + (len - 1) &&
		    s->span_last - s->span_start < max_span)
			n++;
	}
	return n;
}

/*
 * PARKED blocks whose span lies in [start, start + len): an unmap that
 * removed that range takes them over. With @adopt they become FLUSHED
 * (pending on the unmap's gather).
 */
static unsigned int parked_within(struct ptt_ctx *ctx, u64 start, u64 len, bool adopt)
{
	unsigned int i, n = 0;

	if (!ptt_tracking(ctx) || !len)
		return 0;
	for (i = 0; i < PTT_TRACK_SLOTS; i++) {
		struct ptt_tracked *s = &ctx->trk[i];

		if (s->state != PTT_TS_PARKED || s->span_start < start ||
		    s->span_last > start + (len - 1))
			continue;
		n++;
		if (adopt)
			s->state = PTT_TS_FLUSHED;
	}
	return n;
}

/* Blocks a map unlinked (scans after @epoch0) and flushed: they are parked now. */
static void park_replaced(struct ptt_ctx *ctx, u32 epoch0)
{
	unsigned int i;

	for (i = 0; ptt_tracking(ctx) && i < PTT_TRACK_SLOTS; i++) {
		struct ptt_tracked *s = &ctx->trk[i];

		if (s->state == PTT_TS_FLUSHED && s->unlinked_epoch > epoch0)
			s->state = PTT_TS_PARKED;
	}
}

int ptt_map(struct ptt_ctx *ctx, u64 iova, u64 pa, u64 pgsize, u64 pgcount, u32 prot,
	    u64 *mapped_out)
{
	u32 epoch0 = ctx->epoch;
	u64 n_free0 = ctx->n_free, n_flush0 = ctx->n_flush, calls0 = ctx->alloc_calls;
	u64 mapped = 0xdeadbeef, k = 0, len = 0;
	unsigned int replaced = 0, unl0 = ptt_count_state(ctx, PTT_TS_UNLINKED);
	unsigned int pending0 = ptt_pending_blocks(ctx);
	int want, ret;

	want = ptt_map_arg_errno(ctx, iova, pa, pgsize, pgcount, prot);
	if (!want) {
		len = pgsize * pgcount;
		/* the leaves before the first that would overlap something mapped */
		k = orc_map_room(&ctx->o, iova, pgsize, pgcount);
		if (k < pgcount)
			want = -EADDRINUSE;
		replaced = tables_within(ctx, iova, k * pgsize, ptt_entry_size(ctx, pgsize));
	}

	ret = ptcore_map_pages(ctx->t, iova, pa, pgsize, pgcount, prot, PTT_GFP, &mapped);

	if (ret != want && !(ret == -ENOMEM && ctx->n_alloc_failed && want != -EINVAL &&
			     want != -EOVERFLOW && want != -ERANGE))
		violation(ctx, "map(%llx, pa %llx, sz %llx, n %llu, prot %x) = %d, want %d",
			  ptt_ull(iova), ptt_ull(pa), ptt_ull(pgsize), ptt_ull(pgcount), prot, ret,
			  want);
	if (mapped == 0xdeadbeef) {
		violation(ctx, "map did not write *mapped");
		mapped = 0;
	}
	if (want == -EINVAL || want == -EOVERFLOW || want == -ERANGE) {
		if (mapped)
			violation(ctx, "map with bad arguments reports %llx mapped",
				  ptt_ull(mapped));
		if (ctx->alloc_calls != calls0 || ctx->n_flush != n_flush0)
			violation(ctx, "map with bad arguments allocated or flushed");
		mapped = 0;
	} else {
		if (pgsize && mapped % pgsize)
			violation(ctx, "map reports %llx bytes, not whole pages of %llx",
				  ptt_ull(mapped), ptt_ull(pgsize));
		if (ret == 0 && mapped != len)
			violation(ctx, "map succeeded but reports %llx of %llx bytes",
				  ptt_ull(mapped), ptt_ull(len));
		if (mapped > k * pgsize) {
			violation(ctx, "map reports %llx mapped, past the first conflict at %llx",
				  ptt_ull(mapped), ptt_ull(k * pgsize));
			mapped = k * pgsize;
		}
		if (mapped)
			ptt_om_add(ctx, iova, pa, pgsize, mapped / pgsize, prot);
		if (ctx->alloc_calls != calls0 && ctx->last_gfp != PTT_GFP)
			violation(ctx, "alloc_table got gfp %x, map was given %x", ctx->last_gfp,
				  PTT_GFP);
	}
	if (ctx->n_free != n_free0)
		violation(ctx, "map freed %llu table blocks (map never frees)",
			  ptt_ull(ctx->n_free - n_free0));

	ptt_do_scan(ctx, true);
	if (ptt_tracking(ctx)) {
		unsigned int unl1 = ptt_count_state(ctx, PTT_TS_UNLINKED);
		unsigned int unlinked = ptt_pending_blocks(ctx) - pending0;

		if (unl1 > unl0)
			violation(ctx, "map unlinked %u table(s) without a covering flush",
				  unl1 - unl0);
		if (ret == 0 && unlinked != replaced)
			violation(ctx, "map(%llx, sz %llx, n %llu) unlinked %u table(s), want %u",
				  ptt_ull(iova), ptt_ull(pgsize), ptt_ull(pgcount), unlinked,
				  replaced);
		if (unlinked && ctx->n_flush == n_flush0 && ctx->ops.iotlb_flush)
			violation(ctx, "map replaced a table without calling iotlb_flush");
		park_replaced(ctx, epoch0);
	}
	ptt_check_published(ctx);
	if (mapped) {
		ptt_check_translation(ctx, iova);
		ptt_check_translation(ctx, iova + 42 < iova + mapped ? iova + 42 : iova);
		ptt_check_translation(ctx, iova + mapped - 1);
	}
	if (mapped_out)
		*mapped_out = mapped;
	return ret;
}

int ptt_map_range(struct ptt_ctx *ctx, u64 iova, u64 pa, u64 len, u32 prot)
{
	while (len) {
		u64 count, mapped;
		u64 pgsize = orc_pgsize(ctx->hi.pgsize_bitmap, iova, pa, len, &count);
		int ret;

		if (!pgsize) {
			violation(ctx, "map_range: no page size for %llx/%llx len %llx",
				  ptt_ull(iova), ptt_ull(pa), ptt_ull(len));
			return -EINVAL;
		}
		ret = ptt_map(ctx, iova, pa, pgsize, count, prot, &mapped);
		if (ret)
			return ret;
		iova += mapped;
		pa += mapped;
		len -= mapped;
	}
	return 0;
}

/* ---- checked cut ---- */

/* The oracle learns [iova, iova + len) -> pa as map_range would split it. */
static void om_add_split(struct ptt_ctx *ctx, u64 iova, u64 pa, u64 len, u32 prot)
{
	if (orc_insert_split(&ctx->o, ctx->hi.pgsize_bitmap, iova, pa, len, prot))
		violation(ctx, "oracle: no page size or no memory for %llx+%llx", ptt_ull(iova),
			  ptt_ull(len));
}

int ptt_cut(struct ptt_ctx *ctx, u64 iova, struct ptcore_gather *g)
{
	const struct orc_leaf *m = ptt_oracle_find(ctx, iova);
	u64 n_free0 = ctx->n_free, n_flush0 = ctx->n_flush, min = ptt_smallest_pgsize(ctx);
	struct ptcore_gather g0 = *g;
	struct orc_leaf old = { 0 };
	bool split = false;
	int want = 0, ret;

	if (iova & (min - 1)) {
		want = -EINVAL;
	} else if (ctx->hi.ias < 64 && (iova >> ctx->hi.ias)) {
		want = -ERANGE;
	} else if (m && m->iova != iova) {
		split = true;
		old = *m;
	}
	ret = ptcore_cut(ctx->t, iova, PTT_GFP, g);
	if (ret != want && !(ret == -ENOMEM && ctx->n_alloc_failed && split))
		violation(ctx, "cut(%llx) = %d, want %d", ptt_ull(iova), ret, want);
	if (ctx->n_free != n_free0)
		violation(ctx, "cut(%llx) freed table memory", ptt_ull(iova));
	if (ret == 0 && split) {
		u64 last = old.iova + old.size - 1;
		/*
		 * No break-before-make on RISC-V, x86-64 and VT-d: their cuts are
		 * hitless, but for a RISC-V Svnapot 64K leaf (the privileged
		 * specification asks to invalidate NAPOT entries before changing them)
		 */
		bool bbml2 = (ctx->cfg.features & PTCORE_FEAT_ARM_BBML2) ||
			     (ctx->cfg.format == PTCORE_FMT_RISCV64 && old.size != 0x10000) ||
			     ctx->w.x86;
		const struct ptcore_gather *f = ptt_last_flush(ctx);

		ptt_oracle_remove(ctx, old.iova, old.size);
		om_add_split(ctx, old.iova, old.pa, iova - old.iova, old.prot);
		om_add_split(ctx, iova, old.pa + (iova - old.iova), last + 1 - iova, old.prot);
		if (g->start > old.iova || g->end < last || g->pgsize != (g0.pgsize | old.size) ||
		    g->flags != g0.flags || g->nr_tables != g0.nr_tables)
			violation(ctx, "cut(%llx): gather [%llx, %llx] %llx, old leaf %llx+%llx",
				  ptt_ull(iova), ptt_ull(g->start), ptt_ull(g->end),
				  ptt_ull(g->pgsize), ptt_ull(old.iova), ptt_ull(old.size));
		if (ctx->ops.iotlb_flush && ctx->n_flush != n_flush0 + (bbml2 ? 0 : 1))
			violation(ctx, "cut(%llx): %llu flushes, BBML2 %d", ptt_ull(iova),
				  ptt_ull(ctx->n_flush - n_flush0), bbml2);
		if (ctx->ops.iotlb_flush && !bbml2 && f &&
		    (f->start > old.iova || f->end < last || f->pgsize != old.size))
			violation(ctx, "cut(%llx): break-before-make flushed [%llx, %llx]",
				  ptt_ull(iova), ptt_ull(f->start), ptt_ull(f->end));
	} else if (memcmp(&g0, g, sizeof(g0)) || ctx->n_flush != n_flush0) {
		violation(ctx, "cut(%llx) = %d changed nothing but the gather or flushed",
			  ptt_ull(iova), ret);
	}
	ptt_do_scan(ctx, true);	/* the tree is the oracle's, leaf for leaf */
	ptt_check_published(ctx);
	if (split) {
		ptt_check_translation(ctx, old.iova);
		ptt_check_translation(ctx, iova - min);
		ptt_check_translation(ctx, iova);
		ptt_check_translation(ctx, old.iova + old.size - 1);
	}
	return ret;
}

/* ---- checked unmap ---- */

struct unmap_expect {
	struct orc_unmap_result r;
	int ret;
	u64 bytes, gstart, glast, pgsize, stop;
	size_t i0, i1;
};

/* The oracle's prediction, with the gather bounds of an unmap that removed nothing. */
static void expect_unmap(const struct ptt_ctx *ctx, u64 iova, u64 len, struct unmap_expect *e)
{
	memset(e, 0, sizeof(*e));
	orc_unmap_predict(&ctx->o, &ctx->g, iova, len, &e->r);
	e->ret = e->r.ret;
	e->bytes = e->r.unmapped;
	e->gstart = e->r.unmapped ? e->r.first : U64_MAX;
	e->glast = e->r.unmapped ? e->r.last : 0;
	e->pgsize = e->r.pgsize;
	e->stop = iova + e->r.unmapped;
	e->i0 = e->r.i0;
	e->i1 = e->r.i1;
}

/* ptcore_unmap_collect()'s callback: the runs as they arrive. */
struct collect_log {
	struct ptcore_range *runs;
	unsigned int n, cap, calls;
	bool overflow, bad_batch;
};

static void collect_cb(void *arg, const struct ptcore_range *runs, uint32_t n)
{
	struct collect_log *cl = arg;
	uint32_t i;

	cl->calls++;
	if (!n)
		cl->bad_batch = true;
	for (i = 0; i < n; i++) {
		if (cl->n == cl->cap) {
			cl->overflow = true;
			return;
		}
		cl->runs[cl->n++] = runs[i];
	}
}

/*
 * The runs unmap_collect must report: the oracle's leaves in [i0, i1),
 * merged where they continue each other in IOVA and physical address.
 */
static void check_collected(struct ptt_ctx *ctx, const struct orc_leaf *om, unsigned int n,
			    const struct collect_log *cl, u64 unmapped)
{
	unsigned int i, r = 0;
	u64 sum = 0;

	if (cl->overflow || cl->bad_batch)
		violation(ctx, "unmap_collect: more runs than leaves, or an empty batch");
	for (i = 0; i < cl->n; i++)
		sum += cl->runs[i].size;
	if (sum != unmapped)
		violation(ctx, "unmap_collect: runs add up to %llx, unmapped %llx", ptt_ull(sum),
			  ptt_ull(unmapped));
	for (i = 0; i < n && !cl->overflow; r++) {
		struct ptcore_range want = { om[i].iova, om[i].pa, om[i].size };

		for (i++; i < n && om[i].iova == want.iova + want.size &&
		     om[i].pa == want.paddr + want.size; i++)
			want.size += om[i].size;
		if (r >= cl->n) {
			violation(ctx, "unmap_collect: run %u (%llx -> %llx, %llx) not reported", r,
				  ptt_ull(want.iova), ptt_ull(want.paddr), ptt_ull(want.size));
			return;
		}
		if (memcmp(&want, &cl->runs[r], sizeof(want)))
			violation(ctx, "unmap_collect: run %u %llx->%llx (%llx), want %llx (%llx)",
				  r, ptt_ull(cl->runs[r].iova), ptt_ull(cl->runs[r].paddr),
				  ptt_ull(cl->runs[r].size), ptt_ull(want.paddr),
				  ptt_ull(want.size));
	}
	if (r != cl->n)
		violation(ctx, "unmap_collect: %u runs reported, %u expected", cl->n, r);
}

static bool free_empty(const struct ptt_ctx *ctx)
{
	return ctx->cfg.features & PTCORE_FEAT_FREE_EMPTY_TABLES;
}

static int nonempty_table(void *c, u64 pa, unsigned int level, u64 iova, u64 span, u64 bytes,
			  u64 desc)
{
	struct ptt_ctx *ctx = c;
	const u64 *e = ptcore_phys_to_virt(ctx->t, pa);
	u64 i;

	if (ptt_is_root(ctx, pa))
		return 0;
	for (i = 0; i < bytes / 8; i++)
		if (e[i])
			return 0;
	violation(ctx, "free-empty: table %llx (%llx, span %llx) is empty and still linked",
		  ptt_ull(pa), ptt_ull(iova), ptt_ull(span));
	return 0;
}

/*
 * Free-empty: the tables this unmap unlinked (found by the scan just done)
 * are wholly inside the removed range or hold nothing; counts them and
 * widens [*ws, *we] by their spans.
 */
static unsigned int check_unlinked_empty(struct ptt_ctx *ctx, u64 start, u64 stop, u64 *ws,
					 u64 *we)
{
	unsigned int i, n = 0;

	for (i = 0; ptt_tracking(ctx) && i < PTT_TRACK_SLOTS; i++) {
		struct ptt_tracked *s = &ctx->trk[i];
		const u64 *e = s->va;
		u64 k;

		if (s->state != PTT_TS_UNLINKED || s->unlinked_epoch != ctx->epoch)
			continue;
		n++;
		if (s->span_start < *ws)
			*ws = s->span_start;
		if (s->span_last > *we)
			*we = s->span_last;
		if (s->span_start >= start && s->span_last <= stop - 1)
			continue;
		for (k = 0; k < s->size / 8; k++)
			if (e[k])
				break;
		if (k < s->size / 8)
			violation(ctx, "free-empty: unlinked table %llx (%llx..%llx) not empty",
				  ptt_ull(s->pa),
				  ptt_ull(s->span_start), ptt_ull(s->span_last));
	}
	return n;
}

static int do_ptt_unmap(struct ptt_ctx *ctx, u64 iova, u64 len, struct ptcore_gather *g,
			u64 *unmapped_out, bool collect)
{
	struct collect_log cl = { 0 };
	struct ptcore_gather g0 = *g;
	struct unmap_expect e;
	u64 n_free0 = ctx->n_free, n_flush0 = ctx->n_flush, calls0 = ctx->alloc_calls;
	u64 unmapped = 0xdeadbeef, first_removed = 0, last_removed = 0;
	unsigned int pending0 = ptt_pending_blocks(ctx);
	unsigned int tables = 0, parked = 0, unlinked, freed_now;
	bool flushed;
	int ret;

	expect_unmap(ctx, iova, len, &e);
	if (e.i1 > e.i0) {
		first_removed = ctx->o.v[e.i0].iova;
		last_removed = ctx->o.v[e.i1 - 1].iova + ctx->o.v[e.i1 - 1].size - 1;
		tables = tables_within(ctx, iova, e.stop - iova, U64_MAX);
		parked = parked_within(ctx, iova, e.stop - iova, false);
	}

	if (collect) {
		cl.cap = e.i1 - e.i0 + 1;
		cl.runs = kcalloc(cl.cap, sizeof(*cl.runs), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(ctx->test, cl.runs);
		ret = ptcore_unmap_collect(ctx->t, iova, len, g, &unmapped, collect_cb, &cl);
		check_collected(ctx, e.i1 > e.i0 ? ctx->o.v + e.i0 : NULL, e.i1 - e.i0, &cl,
				unmapped);
		kfree(cl.runs);
	} else {
		ret = ptcore_unmap(ctx->t, iova, len, g, &unmapped);
	}
	if (free_empty(ctx)) {
		/* Which tables went: only whole ones and empty ones may have. */
		u64 ws = min_t(u64, g0.start, e.gstart), we = max_t(u64, g0.end, e.glast);
		unsigned int went;

		ptt_do_scan(ctx, false);
		went = check_unlinked_empty(ctx, iova, e.stop, &ws, &we);
		if (ptt_tracking(ctx) && g->nr_tables != g0.nr_tables + went + parked)
			violation(ctx, "free-empty unmap(%llx, %llx): nr_tables %u, %u tables went",
				  ptt_ull(iova), ptt_ull(len), g->nr_tables, went + parked);
		if (went && !(g->flags & PTCORE_GATHER_TABLES))
			violation(ctx, "free-empty unmap: %u tables went, no TABLES flag", went);
		if (went && (g->start > ws || g->end < we))
			violation(ctx, "free-empty unmap: gather [%llx, %llx] misses [%llx, %llx]",
				  ptt_ull(g->start), ptt_ull(g->end), ptt_ull(ws), ptt_ull(we));
		tables = went;
		hw_walk_for_each(&ctx->w, nonempty_table, NULL, ctx);
	}

	if (ret != e.ret)
		violation(ctx, "unmap(%llx, %llx) = %d, expected %d", ptt_ull(iova), ptt_ull(len),
			  ret, e.ret);
	if (unmapped != e.bytes)
		violation(ctx, "unmap(%llx, %llx) unmapped %llx, expected %llx", ptt_ull(iova),
			  ptt_ull(len), ptt_ull(unmapped), ptt_ull(e.bytes));
	if (ctx->alloc_calls != calls0)
		violation(ctx, "unmap allocated memory");
	flushed = ctx->n_flush != n_flush0;
	freed_now = (unsigned int)(ctx->n_free - n_free0);
	if (flushed || freed_now)
		violation(ctx, "unmap(%llx, %llx) flushed (%llu) or freed (%u): only sync may",
			  ptt_ull(iova), ptt_ull(len), ptt_ull(ctx->n_flush - n_flush0), freed_now);
	if (e.ret == -EOVERFLOW || e.ret == -ERANGE || !len || e.bytes == 0) {
		if (memcmp(&g0, g, sizeof(g0)))
			violation(ctx, "unmap(%llx, %llx) that removed nothing changed the gather",
				  ptt_ull(iova), ptt_ull(len));
	} else if (!free_empty(ctx)) {
		u64 ws = min_t(u64, g0.start, e.gstart), we = max_t(u64, g0.end, e.glast);
		u32 wflags = g0.flags | (tables || parked ? PTCORE_GATHER_TABLES : 0);

		/* without ptt_tracking the removed tables are unknown: take ptcore's word */
		if (!ptt_tracking(ctx))
			wflags |= g->flags & PTCORE_GATHER_TABLES;

		if (g->start != ws || g->end != we)
			violation(ctx,
				  "unmap(%llx, %llx): gather [%llx, %llx], expected [%llx, %llx]",
				  ptt_ull(iova), ptt_ull(len), ptt_ull(g->start), ptt_ull(g->end),
				  ptt_ull(ws), ptt_ull(we));
		if (g->pgsize != (g0.pgsize | e.pgsize))
			violation(ctx, "unmap(%llx, %llx): gather pgsize %llx, expected %llx",
				  ptt_ull(iova), ptt_ull(len), ptt_ull(g->pgsize),
				  ptt_ull(g0.pgsize | e.pgsize));
		if (g->flags != wflags)
			violation(ctx, "unmap(%llx, %llx): gather flags %x, want %x (%u tables)",
				  ptt_ull(iova), ptt_ull(len), g->flags, wflags, tables);
		if (ptt_tracking(ctx) && g->nr_tables != g0.nr_tables + tables + parked)
			violation(ctx,
				  "unmap(%llx, %llx): gather nr_tables %u, expected %u (%u parked)",
				  ptt_ull(iova), ptt_ull(len), g->nr_tables,
				  g0.nr_tables + tables + parked, parked);
	}
	orc_unmap_apply(&ctx->o, &e.r);

	ptt_do_scan(ctx, true);
	parked_within(ctx, iova, e.stop - iova, true);
	unlinked = ptt_pending_blocks(ctx) + freed_now - pending0;
	if (ptt_tracking(ctx) && unlinked != tables + parked)
		violation(ctx, "unmap(%llx, %llx) unlinked or took over %u table(s), want %u",
			  ptt_ull(iova), ptt_ull(len), unlinked, tables + parked);
	ptt_check_published(ctx);
	if (e.i1 > e.i0) {
		ptt_check_translation(ctx, first_removed);
		ptt_check_translation(ctx, last_removed);
	}
	ptt_check_translation(ctx, iova);
	if (e.ret == -EINVAL && e.stop != iova)
		ptt_check_translation(ctx, e.stop);
	if (unmapped_out)
		*unmapped_out = unmapped;
	return ret;
}

int ptt_unmap(struct ptt_ctx *ctx, u64 iova, u64 len, struct ptcore_gather *g, u64 *unmapped_out)
{
	return do_ptt_unmap(ctx, iova, len, g, unmapped_out, false);
}

int ptt_unmap_collect(struct ptt_ctx *ctx, u64 iova, u64 len, struct ptcore_gather *g,
		      u64 *unmapped_out)
{
	return do_ptt_unmap(ctx, iova, len, g, unmapped_out, true);
}

/* The last flush saw exactly the gather @g0. */
static void check_flush_saw(struct ptt_ctx *ctx, const struct ptcore_gather *g0)
{
	const struct ptcore_gather *f = ptt_last_flush(ctx);

	if (f->start != g0->start || f->end != g0->end)
		violation(ctx, "flush range [%llx, %llx], gather [%llx, %llx]", ptt_ull(f->start),
			  ptt_ull(f->end), ptt_ull(g0->start), ptt_ull(g0->end));
	if (f->pgsize != g0->pgsize || f->flags != g0->flags || f->nr_tables != g0->nr_tables)
		violation(ctx, "flush pgsize %llx flags %x nr %u, gather %llx %x %u",
			  ptt_ull(f->pgsize), f->flags, f->nr_tables, ptt_ull(g0->pgsize),
			  g0->flags, g0->nr_tables);
}

void ptt_sync(struct ptt_ctx *ctx, struct ptcore_gather *g)
{
	struct ptcore_gather g0 = *g;
	u64 n_flush0 = ctx->n_flush;
	bool nonempty = !ptt_gather_empty(g);

	ptcore_iotlb_sync(ctx->t, g);

	if (ctx->ops.iotlb_flush) {
		if (ctx->n_flush - n_flush0 != (nonempty ? 1 : 0))
			violation(ctx, "iotlb_sync of a%s gather made %llu flush call(s)",
				  nonempty ? " non-empty" : "n empty",
				  ptt_ull(ctx->n_flush - n_flush0));
		if (nonempty && ctx->n_flush == n_flush0 + 1)
			check_flush_saw(ctx, &g0);
	}
	if (g->start != U64_MAX || g->end != 0 || g->pgsize || g->flags || g->nr_tables ||
	    g->freelist)
		violation(ctx, "iotlb_sync did not re-initialise the gather");
	ptt_do_scan(ctx, true);
	if (ptt_tracking(ctx) && !(ctx->flags & PTT_CTX_MULTI_GATHER)) {
		unsigned int pending = ptt_count_state(ctx, PTT_TS_UNLINKED) +
				       ptt_count_state(ctx, PTT_TS_FLUSHED);

		if (pending)
			violation(ctx,
				  "%u unlinked table block(s) still not freed after iotlb_sync",
				  pending);
	}
	ptt_check_published(ctx);
}

int ptt_unmap_sync(struct ptt_ctx *ctx, u64 iova, u64 len, u64 *unmapped)
{
	struct ptcore_gather g;
	int ret;

	ptcore_gather_init(&g);
	ret = ptt_unmap(ctx, iova, len, &g, unmapped);
	ptt_sync(ctx, &g);
	return ret;
}
