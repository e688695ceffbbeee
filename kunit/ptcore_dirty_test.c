// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: ptcore_read_and_clear_dirty() and PTCORE_FEAT_DIRTY_TRACKING.
 *
 * The device is played by the hardware-walk model (hw_walk.c): a write
 * through a leaf entry does to the one entry that translated it what an SMMU
 * with hardware dirty state (DBM) does (hw_walk_written_pte()), and the
 * expected report is derived from table memory through the model alone:
 * every leaf (a contiguous run is one leaf) with an entry in the dirty
 * state, whole, in IOVA order, merged where IOVA and physical address both
 * continue.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <ptcore.h>

#include "hw_walk.h"
#include "ptt_util.h"

#define RW (PTCORE_PROT_READ | PTCORE_PROT_WRITE)
#define S1 PTCORE_FMT_ARM64_LPAE_S1
#define S2 PTCORE_FMT_ARM64_LPAE_S2

#define DT_MAX_RUNS 4096

struct dirty_cfg {
	u32 fmt;
	unsigned char pg_shift, ias, oas;
	bool contig; /* the contiguous-hint sizes too */
};

static const struct dirty_cfg dirty_cfgs[] = {
	{ S1, 12, 48, 48, false },
	{ S1, 12, 48, 48, true },
	{ S1, 14, 48, 48, true },
	{ S1, 16, 48, 48, false },
	{ S2, 12, 40, 40, false },
	{ S2, 12, 40, 40, true },
	{ PTCORE_FMT_RISCV64, 12, 38, 56, false },
	{ PTCORE_FMT_RISCV64, 12, 47, 48, false },
};

static void dirty_cfg_desc(const struct dirty_cfg *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %uK ias %u oas %u%s",
		 c->fmt == S1 ? "s1" : c->fmt == S2 ? "s2" : "riscv",
		 1U << (c->pg_shift - 10), c->ias, c->oas, c->contig ? " contig" : "");
}

KUNIT_ARRAY_PARAM(dirty_cfg, dirty_cfgs, dirty_cfg_desc);

/* One table under test, its walker, and what the callback received. */
struct dt_ctx {
	struct kunit *test;
	struct ptcore_table *t;
	struct hw_walk w;
	u64 granule, block; /* sizes of a page and of the smallest block */
	u64 flushes;
	struct ptcore_range *runs;
	unsigned int n_runs, calls;
	struct ptcore_range *want;
	unsigned int n_want;
};

static const u64 *dt_read(void *arg, u64 pa, u64 bytes)
{
	struct dt_ctx *ctx = arg;

	return ptcore_phys_to_virt(ctx->t, pa);
}

static void dt_flush(void *cookie, const struct ptcore_gather *g)
{
	struct dt_ctx *ctx = cookie;

	ctx->flushes++;
}

static const struct ptcore_ops dt_ops = { .iotlb_flush = dt_flush };

static u64 dt_bitmap(const struct dirty_cfg *c)
{
	return c->contig ? ptt_arm_contig_bitmap(c->pg_shift) : 0;
}

static struct dt_ctx *dt_create(struct kunit *test, u32 features)
{
	const struct dirty_cfg *c = test->param_value;
	struct dt_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct ptcore_cfg cfg;
	struct ptcore_hw_info hi;
	const char *why = NULL;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->runs = kunit_kcalloc(test, DT_MAX_RUNS, sizeof(*ctx->runs), GFP_KERNEL);
	ctx->want = kunit_kcalloc(test, DT_MAX_RUNS, sizeof(*ctx->want), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->runs);
	KUNIT_ASSERT_NOT_NULL(test, ctx->want);
	memset(&cfg, 0, sizeof(cfg));
	cfg.format = c->fmt;
	cfg.granule_lg2 = c->pg_shift;
	cfg.ias = c->ias;
	cfg.oas = c->oas;
	cfg.features = features;
	cfg.pgsize_bitmap = dt_bitmap(c);
	cfg.ops = &dt_ops;
	cfg.cookie = ctx;
	ctx->test = test;
	ctx->granule = 1ULL << c->pg_shift;
	ctx->block = ctx->granule << (c->pg_shift - 3);
	KUNIT_ASSERT_EQ(test, ptcore_table_create(&cfg, &ctx->t), 0);
	KUNIT_ASSERT_EQ(test, ptcore_hw_info(ctx->t, &hi), 0);
	KUNIT_ASSERT_EQ_MSG(test, hw_walk_init(&ctx->w, &hi, features, dt_read, ctx, &why), 0,
			    "%s", why ? why : "");
	return ctx;
}

static void dt_destroy(struct dt_ctx *ctx)
{
	ptcore_table_destroy(ctx->t);
}

/* ---- the device and the expected report ---- */

static u64 *dt_entry_ptr(struct dt_ctx *ctx, const struct hw_leaf *leaf)
{
	u64 *table = ptcore_phys_to_virt(ctx->t, leaf->table_pa);

	return &table[leaf->index];
}

/* A device write to @iova: the entry that translates it becomes dirty (DBM set). */
static void dt_device_write(struct dt_ctx *ctx, u64 iova)
{
	struct hw_leaf leaf;
	u64 *ptep;

	KUNIT_ASSERT_EQ_MSG(ctx->test, hw_walk_iova(&ctx->w, iova, &leaf), HW_OK,
			    "device write to unmapped %llx", (unsigned long long)iova);
	ptep = dt_entry_ptr(ctx, &leaf);
	KUNIT_ASSERT_TRUE_MSG(ctx->test, leaf.dbm && leaf.write, "a write without DBM");
	*ptep = hw_walk_written_pte(&ctx->w, &leaf);
}

static void dt_want_add(struct dt_ctx *ctx, u64 iova, u64 pa, u64 size)
{
	struct ptcore_range *last = ctx->n_want ? &ctx->want[ctx->n_want - 1] : NULL;

	if (last && last->iova + last->size == iova && last->paddr + last->size == pa) {
		last->size += size;
		return;
	}
	KUNIT_ASSERT_LT(ctx->test, ctx->n_want, DT_MAX_RUNS);
	ctx->want[ctx->n_want++] = (struct ptcore_range){ iova, pa, size };
}

struct dt_scan {
	struct dt_ctx *ctx;
	u64 lo, hi; /* leaves overlapping [lo, hi] */
	u64 unit_iova, unit_pa, unit_size; /* the leaf being assembled (a run is one) */
	bool unit_dirty;
	u64 next; /* the first IOVA after the unit's entries so far */
};

static void dt_scan_close(struct dt_scan *s)
{
	if (s->unit_size && s->unit_dirty && s->unit_iova <= s->hi &&
	    s->unit_iova + s->unit_size - 1 >= s->lo)
		dt_want_add(s->ctx, s->unit_iova, s->unit_pa, s->unit_size);
	s->unit_size = 0;
}

static int dt_scan_leaf(void *arg, const struct hw_leaf *leaf)
{
	struct dt_scan *s = arg;
	unsigned int run = leaf->contig ? hw_walk_contig_entries(&s->ctx->w, leaf->level) : 1;
	u64 span = leaf->size * (run ? run : 1);
	u64 base = leaf->iova & ~(span - 1);

	if (!s->unit_size || base != s->unit_iova) {
		dt_scan_close(s);
		s->unit_iova = base;
		s->unit_pa = leaf->oa - (leaf->iova - base);
		s->unit_size = span;
		s->unit_dirty = false;
	}
	s->unit_dirty |= leaf->dirty;
	return 0;
}

/* What read_and_clear_dirty of [lo, hi] must report, from table memory. */
static void dt_expect(struct dt_ctx *ctx, u64 lo, u64 hi)
{
	struct dt_scan s = { .ctx = ctx, .lo = lo, .hi = hi };

	ctx->n_want = 0;
	KUNIT_ASSERT_EQ(ctx->test, hw_walk_for_each(&ctx->w, NULL, dt_scan_leaf, &s), 0);
	dt_scan_close(&s);
}

static void dt_record(void *arg, const struct ptcore_range *runs, u32 n)
{
	struct dt_ctx *ctx = arg;
	u32 i;

	ctx->calls++;
	for (i = 0; i < n; i++) {
		const struct ptcore_range *r = &runs[i];
		struct ptcore_range *last = ctx->n_runs ? &ctx->runs[ctx->n_runs - 1] : NULL;

		KUNIT_EXPECT_GT(ctx->test, r->size, 0ULL);
		if (last)
			KUNIT_EXPECT_GE_MSG(ctx->test, r->iova, last->iova + last->size,
					    "runs out of IOVA order");
		if (ctx->n_runs < DT_MAX_RUNS)
			ctx->runs[ctx->n_runs++] = *r;
	}
}

/* Read (and clear unless @flags says not) [iova, iova + len); check the report. */
static int dt_read_dirty(struct dt_ctx *ctx, u64 iova, u64 len, u32 flags,
			 struct ptcore_gather *g)
{
	unsigned int i;
	int ret;

	dt_expect(ctx, iova, iova + len - 1);
	ctx->n_runs = 0;
	ret = ptcore_read_and_clear_dirty(ctx->t, iova, len, flags, g, dt_record, ctx);
	KUNIT_EXPECT_EQ(ctx->test, ret, 0);
	KUNIT_EXPECT_EQ(ctx->test, ctx->n_runs, ctx->n_want);
	for (i = 0; i < ctx->n_runs && i < ctx->n_want; i++) {
		KUNIT_EXPECT_EQ_MSG(ctx->test, ctx->runs[i].iova, ctx->want[i].iova, "run %u", i);
		KUNIT_EXPECT_EQ_MSG(ctx->test, ctx->runs[i].paddr, ctx->want[i].paddr, "run %u", i);
		KUNIT_EXPECT_EQ_MSG(ctx->test, ctx->runs[i].size, ctx->want[i].size, "run %u", i);
	}
	return ret;
}

struct dt_state_count {
	const struct dt_ctx *ctx;
	unsigned int dirty, clean, no_dbm;
};

static int dt_count_leaf(void *arg, const struct hw_leaf *leaf)
{
	struct dt_state_count *c = arg;

	if (leaf->dirty)
		c->dirty++;
	else if (leaf->dbm)
		c->clean++;
	else
		c->no_dbm++;
	return 0;
}

static struct dt_state_count dt_count(struct dt_ctx *ctx)
{
	struct dt_state_count c = { .ctx = ctx };

	KUNIT_EXPECT_EQ(ctx->test, hw_walk_for_each(&ctx->w, NULL, dt_count_leaf, &c), 0);
	return c;
}

/* A mix: a block, pages, a contiguous run where the bitmap has them, a read-only page. */
static void dt_map_mix(struct dt_ctx *ctx, u64 base)
{
	struct kunit *test = ctx->test;
	u64 g = ctx->granule, b = ctx->block;

	KUNIT_ASSERT_EQ(test, ptcore_map_range(ctx->t, base, base + SZ_1G, 2 * b, RW, 0, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptcore_map_range(ctx->t, base + 2 * b, base + 2 * b + SZ_1G, 8 * g,
					       RW, 0, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptcore_map_pages(ctx->t, base + 2 * b + 16 * g, SZ_256M, g, 1,
					       PTCORE_PROT_READ, 0, NULL), 0);
	/* A block-aligned run of pages: contiguous-hint runs when the bitmap has them. */
	KUNIT_ASSERT_EQ(test, ptcore_map_range(ctx->t, base + 4 * b, base + 4 * b + SZ_1G, b / 2,
					       RW, 0, NULL), 0);
}

/* ---- cases ---- */

/* A new writable leaf has DBM and starts dirty (as Linux's HD quirk); read-only has no DBM. */
static void dirty_fresh_writable_leaf_is_dirty(struct kunit *test)
{
	struct dt_ctx *ctx = dt_create(test, PTCORE_FEAT_DIRTY_TRACKING);
	const u64 base = SZ_1G;
	struct dt_state_count c;

	dt_map_mix(ctx, base);
	c = dt_count(ctx);
	KUNIT_EXPECT_GT(test, c.dirty, 0U);
	KUNIT_EXPECT_EQ(test, c.clean, 0U);
	KUNIT_EXPECT_EQ(test, c.no_dbm, 1U); /* the read-only page */
	dt_read_dirty(ctx, base, 5 * ctx->block, PTCORE_DIRTY_NO_CLEAR, NULL);
	/* The block, the pages and the run after them all continue: at most 3 runs. */
	KUNIT_EXPECT_GE(test, ctx->n_runs, 2U);
	dt_destroy(ctx);
}

/* Without the feature, writable leaves carry no DBM (the tables of every other test). */
static void dirty_off_writes_no_dbm(struct kunit *test)
{
	struct dt_ctx *ctx = dt_create(test, 0);
	struct ptcore_gather g;
	struct dt_state_count c;

	dt_map_mix(ctx, SZ_1G);
	c = dt_count(ctx);
	KUNIT_EXPECT_EQ(test, c.dirty + c.clean, 0U);
	KUNIT_EXPECT_GT(test, c.no_dbm, 0U);
	ptcore_gather_init(&g);
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, SZ_1G, SZ_2M, 0, &g, NULL, NULL),
			-EOPNOTSUPP);
	KUNIT_EXPECT_TRUE(test, g.start > g.end);
	dt_destroy(ctx);
}

/*
 * Clearing makes every dirty leaf writable-clean, gathers its whole span and
 * size, and a second read finds nothing; device writes then dirty exactly
 * the leaves (whole blocks, whole runs) they went through.
 */
static void dirty_clear_then_device_writes(struct kunit *test)
{
	struct dt_ctx *ctx = dt_create(test, PTCORE_FEAT_DIRTY_TRACKING);
	const u64 base = SZ_1G, len = 5 * ctx->block, g4 = ctx->granule;
	const u64 run = dt_bitmap(test->param_value) ? g4 * hw_walk_contig_entries(&ctx->w, 3) : g4;
	struct ptcore_gather g;
	struct dt_state_count c;
	unsigned int i;

	dt_map_mix(ctx, base);
	ptcore_gather_init(&g);
	dt_read_dirty(ctx, base, len, 0, &g);
	KUNIT_EXPECT_GT(test, ctx->n_runs, 0U);
	KUNIT_EXPECT_EQ(test, g.start, base);
	KUNIT_EXPECT_EQ(test, g.end, base + 4 * ctx->block + ctx->block / 2 - 1);
	KUNIT_EXPECT_TRUE(test, g.pgsize & ctx->block);
	KUNIT_EXPECT_EQ(test, g.nr_tables, 0U);
	KUNIT_EXPECT_EQ(test, (unsigned long long)g.flags & PTCORE_GATHER_TABLES, 0ULL);
	ptcore_iotlb_sync(ctx->t, &g);
	KUNIT_EXPECT_EQ(test, ctx->flushes, 1ULL);
	c = dt_count(ctx);
	KUNIT_EXPECT_EQ(test, c.dirty, 0U);
	KUNIT_EXPECT_GT(test, c.clean, 0U);

	/* Nothing written since: nothing to report, nothing gathered. */
	ptcore_gather_init(&g);
	dt_read_dirty(ctx, base, len, 0, &g);
	KUNIT_EXPECT_EQ(test, ctx->n_runs, 0U);
	KUNIT_EXPECT_TRUE(test, g.start > g.end);

	/* Writes in the middle of a block, into a page, into the run's middle entry. */
	dt_device_write(ctx, base + ctx->block + 3 * g4 + 8);
	dt_device_write(ctx, base + 2 * ctx->block + 5 * g4);
	dt_device_write(ctx, base + 4 * ctx->block + 7 * g4);
	ptcore_gather_init(&g);
	dt_read_dirty(ctx, base, len, 0, &g);
	KUNIT_EXPECT_EQ(test, ctx->n_runs, 3U);
	if (ctx->n_runs == 3) {
		KUNIT_EXPECT_EQ(test, ctx->runs[0].iova, base + ctx->block);
		KUNIT_EXPECT_EQ(test, ctx->runs[0].size, ctx->block);
		KUNIT_EXPECT_EQ(test, ctx->runs[1].iova, base + 2 * ctx->block + 5 * g4);
		KUNIT_EXPECT_EQ(test, ctx->runs[1].size, g4);
		/* A contiguous run reports whole: the hardware may mark any one entry. */
		KUNIT_EXPECT_EQ(test, ctx->runs[2].iova, base + 4 * ctx->block +
				(7 * g4 & ~(run - 1)));
		KUNIT_EXPECT_EQ(test, ctx->runs[2].size, run);
	}
	ptcore_iotlb_sync(ctx->t, &g);
	c = dt_count(ctx);
	KUNIT_EXPECT_EQ(test, c.dirty, 0U);

	/* A range that starts at the written entry inside a run still gets the run whole. */
	dt_device_write(ctx, base + 4 * ctx->block + 7 * g4);
	ptcore_gather_init(&g);
	dt_read_dirty(ctx, base + 4 * ctx->block + 7 * g4, g4, 0, &g);
	KUNIT_EXPECT_EQ(test, ctx->n_runs, 1U);
	if (ctx->n_runs == 1) {
		KUNIT_EXPECT_EQ(test, ctx->runs[0].iova, base + 4 * ctx->block +
				(7 * g4 & ~(run - 1)));
		KUNIT_EXPECT_EQ(test, ctx->runs[0].size, run);
	}
	KUNIT_EXPECT_EQ(test, g.end - g.start + 1, run);
	ptcore_iotlb_sync(ctx->t, &g);

	/* Many writes at once, in each mapped part: the report always equals what memory says. */
	for (i = 0; i < 64; i++) {
		static const u64 part[3][2] = { { 0, 2 }, { 2, 0 }, { 4, 0 } };
		const u64 *p = part[i % 3];
		u64 start = p[0] * ctx->block;
		u64 plen = p[1] ? p[1] * ctx->block : i % 3 == 1 ? 8 * g4 : ctx->block / 2;

		dt_device_write(ctx, base + start + ((u64)i * 7919 * g4 + i) % plen);
	}
	ptcore_gather_init(&g);
	dt_read_dirty(ctx, base, len, 0, &g);
	KUNIT_EXPECT_GT(test, ctx->n_runs, 0U);
	ptcore_iotlb_sync(ctx->t, &g);
	dt_destroy(ctx);
}

/* PTCORE_DIRTY_NO_CLEAR reports and changes nothing: not the entries, not the gather. */
static void dirty_no_clear_changes_nothing(struct kunit *test)
{
	struct dt_ctx *ctx = dt_create(test, PTCORE_FEAT_DIRTY_TRACKING);
	const u64 base = SZ_1G;
	struct ptcore_gather g;
	struct dt_state_count c0, c1;
	unsigned int n;

	dt_map_mix(ctx, base);
	c0 = dt_count(ctx);
	ptcore_gather_init(&g);
	dt_read_dirty(ctx, base, 5 * ctx->block, PTCORE_DIRTY_NO_CLEAR, &g);
	n = ctx->n_runs;
	KUNIT_EXPECT_GT(test, n, 0U);
	KUNIT_EXPECT_TRUE(test, g.start > g.end);
	KUNIT_EXPECT_EQ(test, g.pgsize, 0ULL);
	c1 = dt_count(ctx);
	KUNIT_EXPECT_EQ(test, c1.dirty, c0.dirty);
	KUNIT_EXPECT_EQ(test, c1.clean, c0.clean);
	/* Again: the same report. */
	dt_read_dirty(ctx, base, 5 * ctx->block, PTCORE_DIRTY_NO_CLEAR, NULL);
	KUNIT_EXPECT_EQ(test, ctx->n_runs, n);
	dt_destroy(ctx);
}

/*
 * A range that starts inside a block and crosses holes is no error: the
 * block is reported whole (from before the range) and the holes skipped.
 */
static void dirty_holes_and_partial_leaves(struct kunit *test)
{
	struct dt_ctx *ctx = dt_create(test, PTCORE_FEAT_DIRTY_TRACKING);
	const u64 base = SZ_1G, b = ctx->block, g4 = ctx->granule;
	struct ptcore_gather g;

	KUNIT_ASSERT_EQ(test, ptcore_map_pages(ctx->t, base, SZ_1G, b, 1, RW, 0, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptcore_map_pages(ctx->t, base + 3 * b, SZ_1G + 3 * b, g4, 2, RW, 0,
					       NULL), 0);
	ptcore_gather_init(&g);
	dt_read_dirty(ctx, base + b / 2, 3 * b, 0, &g);
	KUNIT_EXPECT_EQ(test, ctx->n_runs, 2U);
	if (ctx->n_runs == 2) {
		KUNIT_EXPECT_EQ(test, ctx->runs[0].iova, base);
		KUNIT_EXPECT_EQ(test, ctx->runs[0].size, b);
		KUNIT_EXPECT_EQ(test, ctx->runs[1].iova, base + 3 * b);
		KUNIT_EXPECT_EQ(test, ctx->runs[1].size, 2 * g4);
	}
	/* The gather covers the whole block, from before the range's start. */
	KUNIT_EXPECT_EQ(test, g.start, base);
	KUNIT_EXPECT_EQ(test, g.end, base + 3 * b + 2 * g4 - 1);
	ptcore_iotlb_sync(ctx->t, &g);
	/* An unmapped range only: nothing, no error. */
	ptcore_gather_init(&g);
	dt_read_dirty(ctx, base + 8 * b, b, 0, &g);
	KUNIT_EXPECT_EQ(test, ctx->n_runs, 0U);
	/* One byte inside the page run: that page, whole. */
	dt_device_write(ctx, base + 3 * b + g4 + 1);
	dt_read_dirty(ctx, base + 3 * b + g4 + 100, 1, 0, &g);
	KUNIT_EXPECT_EQ(test, ctx->n_runs, 1U);
	if (ctx->n_runs == 1)
		KUNIT_EXPECT_EQ(test, ctx->runs[0].iova, base + 3 * b + g4);
	ptcore_iotlb_sync(ctx->t, &g);
	dt_destroy(ctx);
}

/* A cut keeps each side's dirty state: a clean block cut in two is two clean halves. */
static void dirty_state_survives_cut(struct kunit *test)
{
	struct dt_ctx *ctx = dt_create(test, PTCORE_FEAT_DIRTY_TRACKING | PTCORE_FEAT_ARM_BBML2);
	const u64 base = SZ_1G, b = ctx->block, g4 = ctx->granule;
	struct ptcore_gather g;

	KUNIT_ASSERT_EQ(test, ptcore_map_pages(ctx->t, base, SZ_1G, b, 1, RW, 0, NULL), 0);
	ptcore_gather_init(&g);
	dt_read_dirty(ctx, base, b, 0, &g);
	ptcore_iotlb_sync(ctx->t, &g);
	ptcore_gather_init(&g);
	KUNIT_ASSERT_EQ(test, ptcore_cut(ctx->t, base + b / 2, 0, &g), 0);
	ptcore_iotlb_sync(ctx->t, &g);
	KUNIT_EXPECT_EQ(test, dt_count(ctx).dirty, 0U);
	dt_device_write(ctx, base + b / 2 + g4);
	ptcore_gather_init(&g);
	dt_read_dirty(ctx, base, b, 0, &g);
	KUNIT_EXPECT_EQ(test, ctx->n_runs, 1U);
	if (ctx->n_runs == 1)
		KUNIT_EXPECT_GE(test, ctx->runs[0].iova, base + b / 2);
	ptcore_iotlb_sync(ctx->t, &g);
	dt_destroy(ctx);
}

/* Bad arguments: the error, and nothing reported, changed or gathered. */
static void dirty_bad_arguments(struct kunit *test)
{
	struct dt_ctx *ctx = dt_create(test, PTCORE_FEAT_DIRTY_TRACKING);
	const u64 base = SZ_1G, top = 1ULL << ctx->w.ias;
	struct ptcore_gather g;
	struct dt_state_count c0, c1;

	dt_map_mix(ctx, base);
	c0 = dt_count(ctx);
	ptcore_gather_init(&g);
	ctx->n_runs = 0;
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, base, 0, 0, &g, dt_record, ctx),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, base, SZ_2M, 2, &g, dt_record,
							  ctx), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, base, SZ_2M, 0, NULL, dt_record,
							  ctx), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, ~0ULL - SZ_4K + 1, SZ_8K, 0, &g,
							  dt_record, ctx), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, top - SZ_4K, SZ_8K, 0, &g,
							  dt_record, ctx), -ERANGE);
	KUNIT_EXPECT_EQ(test, ctx->n_runs, 0U);
	KUNIT_EXPECT_TRUE(test, g.start > g.end);
	c1 = dt_count(ctx);
	KUNIT_EXPECT_EQ(test, c1.dirty, c0.dirty);
	KUNIT_EXPECT_EQ(test, c1.clean, c0.clean);
	/* No callback: only clear. */
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, base, 5 * ctx->block, 0, &g,
							  NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, dt_count(ctx).dirty, 0U);
	KUNIT_EXPECT_FALSE(test, g.start > g.end);
	ptcore_iotlb_sync(ctx->t, &g);
	dt_destroy(ctx);
}

static void dt_sync_nothing(void *cookie, void *va, size_t len)
{
}

/* Where there is no dirty state to keep, create says so. */
static void dirty_create_refuses_dart_and_incoherent(struct kunit *test)
{
	static const struct ptcore_ops sync_ops = { .sync_table = dt_sync_nothing };
	static const u32 darts[] = { PTCORE_FMT_APPLE_DART, PTCORE_FMT_APPLE_DART2 };
	struct ptcore_table *sentinel = (struct ptcore_table *)&sync_ops, *t = sentinel;
	struct ptcore_cfg cfg;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(darts); i++) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.format = darts[i];
		cfg.granule_lg2 = 14;
		cfg.ias = 32;
		cfg.oas = 36;
		cfg.features = PTCORE_FEAT_DIRTY_TRACKING;
		KUNIT_EXPECT_EQ(test, ptcore_table_create(&cfg, &t), -EOPNOTSUPP);
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.format = S1;
	cfg.granule_lg2 = 12;
	cfg.ias = 48;
	cfg.oas = 48;
	cfg.ops = &sync_ops;
	cfg.features = PTCORE_FEAT_DIRTY_TRACKING | PTCORE_FEAT_DMA_INCOHERENT;
	KUNIT_EXPECT_EQ(test, ptcore_table_create(&cfg, &t), -EOPNOTSUPP);
	cfg.format = S2;
	KUNIT_EXPECT_EQ(test, ptcore_table_create(&cfg, &t), -EOPNOTSUPP);
	KUNIT_EXPECT_PTR_EQ(test, t, sentinel);
	/* The same with a coherent walker is fine. */
	cfg.features = PTCORE_FEAT_DIRTY_TRACKING;
	KUNIT_ASSERT_EQ(test, ptcore_table_create(&cfg, &t), 0);
	ptcore_table_destroy(t);
}

static struct kunit_case dirty_cases[] = {
	KUNIT_CASE_PARAM(dirty_fresh_writable_leaf_is_dirty, dirty_cfg_gen_params),
	KUNIT_CASE_PARAM(dirty_off_writes_no_dbm, dirty_cfg_gen_params),
	KUNIT_CASE_PARAM(dirty_clear_then_device_writes, dirty_cfg_gen_params),
	KUNIT_CASE_PARAM(dirty_no_clear_changes_nothing, dirty_cfg_gen_params),
	KUNIT_CASE_PARAM(dirty_holes_and_partial_leaves, dirty_cfg_gen_params),
	KUNIT_CASE_PARAM(dirty_state_survives_cut, dirty_cfg_gen_params),
	KUNIT_CASE_PARAM(dirty_bad_arguments, dirty_cfg_gen_params),
	KUNIT_CASE(dirty_create_refuses_dart_and_incoherent),
	{}
};

static struct kunit_suite dirty_suite = {
	.name = "ptcore_dirty",
	.test_cases = dirty_cases,
};

kunit_test_suite(dirty_suite);

MODULE_LICENSE("Dual MIT/GPL");
