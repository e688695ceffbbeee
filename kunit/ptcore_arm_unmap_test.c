// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptcore_arm_unmap: each unmap, gather and flush rule of ABI.md as its own
 * case, on the ARM LPAE formats.
 *
 * Every expected value comes from design/ABI.md and design/FORMATS.md (the
 * architecture and Linux io-pgtable-arm's register and entry values), never
 * from ptcore. Every map and unmap goes through ptt_map()/ptt_unmap(), which
 * cross-check the whole tree against the interval oracle and the hardware
 * walk model after the call (see ptt_util.h); every case checks for leaks in
 * its exit hook. The formulas the ARM suites share are in ptt_arm.c.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ptt_arm.h"
#include "ptt_util.h"

static const struct iommu_cfg unmap_cfgs[] = {
	{ S1, 12, 48, 48, 0 },
	{ S2, 14, 48, 48, 0 },
	{ S1, 16, 48, 48, 0 },
};

KUNIT_ARRAY_PARAM(unmap_cfg, unmap_cfgs, arm_iommu_cfg_desc);

/* A wholly covered table is unlinked, gathered, and freed only after the flush. */
static void unmap_frees_covered_table_after_flush(struct kunit *test)
{
	struct ptt_ctx *ctx = arm_iommu_ctx(test, 0);
	struct geo g = arm_geo_of(ctx);
	u64 base = 8 * g.blk, unmapped, n_free0, n = g.tspan / g.pg;
	struct ptcore_gather ga;
	const struct ptcore_gather *f;

	/* a full level-3 table, and a neighbour page in the next one */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, SZ_1G, g.pg, n, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + g.tspan, SZ_2G, g.pg, 1, RW, NULL), 0);
	n_free0 = ctx->n_free;
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base, g.tspan, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, g.tspan);
	KUNIT_EXPECT_EQ(test, ga.start, base);
	KUNIT_EXPECT_EQ(test, ga.end, base + g.tspan - 1);
	KUNIT_EXPECT_EQ(test, ga.pgsize, g.pg);
	KUNIT_EXPECT_EQ(test, ga.flags, PTCORE_GATHER_TABLES);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, 1);
	/* unlinked, not flushed, not freed */
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0);
	KUNIT_EXPECT_EQ(test, ptt_count_state(ctx, PTT_TS_UNLINKED), 1);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0 + 1);
	f = ptt_last_flush(ctx);
	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_EXPECT_EQ(test, f->flags, PTCORE_GATHER_TABLES);
	KUNIT_EXPECT_EQ(test, f->start, base);
	KUNIT_EXPECT_EQ(test, f->end, base + g.tspan - 1);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* A subtree (a level-2 table with blocks and two full level-3 tables) goes at once. */
static void unmap_frees_subtree(struct kunit *test)
{
	struct ptt_ctx *ctx = arm_iommu_ctx(test, 0);
	struct geo g = arm_geo_of(ctx);
	u64 span2 = 1ULL << arm_level_shift(ctx->hi.granule_lg2, 1), base = 2 * span2;
	u64 per_table = g.tspan / g.pg, nblk = span2 / g.blk, unmapped, n_free0;
	struct ptcore_gather ga;

	if (ctx->hi.start_level > 1 || base + span2 > (1ULL << ctx->hi.ias))
		kunit_skip(test, "no level-2 table below the root");
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, 0, g.pg, 2 * per_table, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + 2 * g.blk, 2 * g.blk, g.blk, nblk - 2, RW, NULL),
			0);
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx), ctx->hi.levels + 2 - 1);
	n_free0 = ctx->n_free;
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base, span2, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, span2);
	KUNIT_EXPECT_EQ(test, ga.pgsize, g.pg | g.blk);
	KUNIT_EXPECT_EQ(test, ga.flags, PTCORE_GATHER_TABLES);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, 3);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0 + 3);
	ptt_ctx_destroy(ctx);
}

/* A hole: -EINVAL, the prefix removed and gathered, nothing after it touched. */
static void unmap_hole_keeps_suffix(struct kunit *test)
{
	struct ptt_ctx *ctx = arm_iommu_ctx(test, 0);
	struct geo g = arm_geo_of(ctx);
	u64 base = 3 * g.blk, unmapped, phys;
	struct ptcore_gather ga;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, SZ_1G, g.pg, 2, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + 3 * g.pg, SZ_1G + 3 * g.pg, g.pg, 2, RW, NULL),
			0);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base, 5 * g.pg, &ga, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 2 * g.pg);
	KUNIT_EXPECT_EQ(test, ga.start, base);
	KUNIT_EXPECT_EQ(test, ga.end, base + 2 * g.pg - 1);
	KUNIT_EXPECT_EQ(test, ga.flags, 0);
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, base + 3 * g.pg, &phys), 0);
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, base + 4 * g.pg, &phys), 0);
	ptt_sync(ctx, &ga);
	/* a hole right at the start: nothing removed, gather untouched */
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base + 2 * g.pg, 2 * g.pg, &ga, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 0);
	KUNIT_EXPECT_TRUE(test, ptt_gather_empty(&ga));
	ptt_sync(ctx, &ga);
	/* a wholly covered table with a hole stays, with its prefix removed */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, 5 * g.blk, 0, g.pg, g.tspan / g.pg - 1, RW, NULL), 0);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, 5 * g.blk, g.tspan, &ga, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, g.tspan - g.pg);
	KUNIT_EXPECT_EQ(test, ga.flags, 0);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, 0);
	ptt_sync(ctx, &ga);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Start inside a leaf: -EINVAL, nothing removed, gather untouched, no flush. */
static void unmap_start_inside_leaf(struct kunit *test)
{
	struct ptt_ctx *ctx = arm_iommu_ctx(test, 0);
	struct geo g = arm_geo_of(ctx);
	u64 unmapped, n_flush0;
	struct ptcore_gather ga;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, 2 * g.blk, 4 * g.blk, g.blk, 1, RW, NULL), 0);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, 2 * g.blk + g.pg, g.pg, &ga, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 0);
	KUNIT_EXPECT_TRUE(test, ptt_gather_empty(&ga));
	/* one byte in: also inside */
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, 2 * g.blk + 1, g.blk, &ga, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 0);
	n_flush0 = ctx->n_flush;
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ctx->n_flush, n_flush0);
	ptt_check_translation(ctx, 2 * g.blk + g.pg);
	ptt_ctx_destroy(ctx);
}

/* The range ends inside a large leaf: the whole leaf goes, counted and gathered whole. */
static void unmap_end_inside_large_leaf(struct kunit *test)
{
	struct ptt_ctx *ctx = arm_iommu_ctx(test, 0);
	struct geo g = arm_geo_of(ctx);
	u64 base = 6 * g.blk, unmapped;
	struct ptcore_gather ga;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base - g.pg, SZ_1G - g.pg, g.pg, 1, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, SZ_1G, g.blk, 1, RW, NULL), 0);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base - g.pg, 2 * g.pg, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, g.pg + g.blk);
	KUNIT_EXPECT_EQ(test, ga.start, base - g.pg);
	KUNIT_EXPECT_EQ(test, ga.end, base + g.blk - 1); /* the whole leaf (CVE-2026-31735) */
	KUNIT_EXPECT_EQ(test, ga.pgsize, g.pg | g.blk);
	ptt_sync(ctx, &ga);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Partly covered tables stay, even when the unmap leaves them empty. */
static void unmap_partial_table_kept(struct kunit *test)
{
	struct ptt_ctx *ctx = arm_iommu_ctx(test, 0);
	struct geo g = arm_geo_of(ctx);
	u64 base = 9 * g.blk, unmapped;
	unsigned int tables;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + g.pg, SZ_1G, g.pg, 3, RW, NULL), 0);
	tables = ptt_count_tables(ctx);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + g.pg, 2 * g.pg, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, 2 * g.pg);
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx), tables);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + 3 * g.pg, g.pg, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx), tables); /* empty, but stays */
	KUNIT_EXPECT_EQ(test, ctx->o.n, 0);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Gathers accumulate over several unmaps; the flush sees exactly the gather. */
static void unmap_gather_accumulates(struct kunit *test)
{
	struct ptt_ctx *ctx = arm_iommu_ctx(test, 0);
	struct geo g = arm_geo_of(ctx);
	u64 unmapped, n = g.tspan / g.pg;
	struct ptcore_gather ga;
	const struct ptcore_gather *f;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, 20 * g.blk, 0, g.pg, 4, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, 30 * g.blk, 0, g.blk, 2, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, 40 * g.blk, 0, g.pg, n, RW, NULL), 0);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ga.start, U64_MAX);
	KUNIT_EXPECT_EQ(test, ga.end, 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, 30 * g.blk, g.blk, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, 20 * g.blk + g.pg, g.pg, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, ga.start, 20 * g.blk + g.pg);
	KUNIT_EXPECT_EQ(test, ga.end, 31 * g.blk - 1);
	KUNIT_EXPECT_EQ(test, ga.pgsize, g.pg | g.blk);
	KUNIT_EXPECT_EQ(test, ga.flags, 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, 40 * g.blk, g.tspan, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, ga.end, 40 * g.blk + g.tspan - 1);
	KUNIT_EXPECT_EQ(test, ga.flags, PTCORE_GATHER_TABLES);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, 1);
	ptt_sync(ctx, &ga);
	f = ptt_last_flush(ctx);
	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_EXPECT_EQ(test, f->start, 20 * g.blk + g.pg);
	KUNIT_EXPECT_EQ(test, f->pgsize, g.pg | g.blk);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* No callback for an empty gather. */
static void unmap_empty_gather_no_flush(struct kunit *test)
{
	struct ptt_ctx *ctx = arm_iommu_ctx(test, 0);
	struct ptcore_gather ga;
	u64 n_flush0 = ctx->n_flush;

	ptcore_gather_init(&ga);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, 0, SZ_4K, &ga, NULL), -EINVAL); /* a hole */
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, 0, 0, &ga, NULL), -EINVAL);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ctx->n_flush, n_flush0);
	ptt_ctx_destroy(ctx);
}

/*
 * A map may replace an empty table by a larger leaf: it flushes the table's
 * span at once, and keeps its memory (a lookup racing the map may read it)
 * until the unmap of that leaf is synced.
 */
static void map_replaces_empty_table(struct kunit *test)
{
	struct ptt_ctx *ctx = arm_iommu_ctx(test, 0);
	struct geo g = arm_geo_of(ctx);
	u64 base = 12 * g.blk, n_free0, n_flush0, span1;
	const struct ptcore_gather *f;
	struct ptcore_gather ga;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + g.pg, 0, g.pg, 1, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_unmap_sync(ctx, base + g.pg, g.pg, NULL), 0);
	n_free0 = ctx->n_free;
	n_flush0 = ctx->n_flush;
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, SZ_1G, g.blk, 1, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctx->n_flush, n_flush0 + 1);
	f = ptt_last_flush(ctx);
	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_EXPECT_TRUE(test, f->flags & PTCORE_GATHER_TABLES);
	KUNIT_EXPECT_LE(test, f->start, base);
	KUNIT_EXPECT_GE(test, f->end, base + g.blk - 1);
	KUNIT_EXPECT_EQ(test, f->nr_tables, 0); /* that flush frees nothing */
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0); /* map never frees */
	KUNIT_EXPECT_EQ(test, ptt_count_state(ctx, PTT_TS_PARKED), 1);
	/* a sync of anything else, empty or not, leaves it alone */
	ptcore_gather_init(&ga);
	ptt_sync(ctx, &ga);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + 2 * g.blk, 0, g.pg, 1, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_unmap_sync(ctx, base + 2 * g.blk, g.pg, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0);
	KUNIT_EXPECT_EQ(test, ptt_count_state(ctx, PTT_TS_PARKED), 1);
	/* the unmap of the block takes it over: counted on its gather, freed by its sync */
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base, g.blk, &ga, NULL), 0);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, 1);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0 + 1);

	/* nested: an empty level-2 table over an empty level-3 table, replaced by a block */
	span1 = 1ULL << arm_level_shift(ctx->hi.granule_lg2, 1);
	if ((ctx->hi.pgsize_bitmap & span1) && ctx->hi.start_level <= 1) {
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, 3 * span1 + g.pg, 0, g.pg, 1, RW, NULL), 0);
		KUNIT_ASSERT_EQ(test, ptt_unmap_sync(ctx, 3 * span1 + g.pg, g.pg, NULL), 0);
		n_free0 = ctx->n_free;
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, 3 * span1, span1, span1, 1, RW, NULL), 0);
		KUNIT_EXPECT_EQ(test, ptt_count_state(ctx, PTT_TS_PARKED), 2);
		ptcore_gather_init(&ga);
		KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, 3 * span1, span1, &ga, NULL), 0);
		KUNIT_EXPECT_EQ(test, ga.nr_tables, 2);
		ptt_sync(ctx, &ga);
		KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0 + 2);
	}
	/* destroy frees replaced tables whose leaf is still mapped */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, 14 * g.blk + g.pg, 0, g.pg, 1, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_unmap_sync(ctx, 14 * g.blk + g.pg, g.pg, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, 14 * g.blk, 0, g.blk, 1, RW, NULL), 0);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Many tables in one unmap: one gather holds them all; no flush before the sync. */
static void unmap_many_tables(struct kunit *test)
{
	struct ptt_ctx *ctx = arm_iommu_ctx(test, 0);
	struct geo g = arm_geo_of(ctx);
	u64 base = 1ULL << arm_level_shift(ctx->hi.granule_lg2, 1), unmapped, i, n = 300;
	u64 per_table = g.tspan / g.pg;
	struct ptcore_gather ga;

	if (ctx->hi.granule_lg2 != 12)
		kunit_skip(test, "4K only (memory)");
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + i * g.blk, i * g.blk, g.blk, 1, RW, NULL),
				0);
	/* and a second range of full level-3 tables */
	for (i = 0; i < n; i++) {
		u64 at = 2 * base + i * g.blk;

		KUNIT_ASSERT_EQ(test, ptt_map(ctx, at, 0, g.pg, per_table, RW, NULL), 0);
	}
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, 2 * base, n * g.blk, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, n * g.blk);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base, n * g.blk, &unmapped), 0);
	ptt_verify_all(ctx);
	kunit_info(test, "%llu flushes, %llu frees", ptt_ull(ctx->n_flush), ptt_ull(ctx->n_free));
	ptt_ctx_destroy(ctx);
}

/* Two gathers in flight on one table. */
static void unmap_two_gathers(struct kunit *test)
{
	const struct iommu_cfg *c = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(c->fmt, c->pg_shift, c->ias, c->oas, 0, 0);
	struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, PTT_CTX_MULTI_GATHER);
	struct geo g = arm_geo_of(ctx);
	struct ptcore_gather a, b;
	u64 n = g.tspan / g.pg;
	unsigned int pending;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, 2 * g.blk, 0, g.pg, n, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, 4 * g.blk, 0, g.pg, n, RW, NULL), 0);
	ptcore_gather_init(&a);
	ptcore_gather_init(&b);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, 2 * g.blk, g.tspan, &a, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, 4 * g.blk, g.tspan, &b, NULL), 0);
	ptt_sync(ctx, &b);
	ptt_sync(ctx, &a);
	pending = ptt_count_state(ctx, PTT_TS_UNLINKED) + ptt_count_state(ctx, PTT_TS_FLUSHED);
	KUNIT_EXPECT_EQ(test, pending, 0);
	ptt_ctx_destroy(ctx);
}

/* Bad arguments: each errno of ABI.md, in the documented order; nothing changes. */
static void bad_arguments_fail_in_abi_order(struct kunit *test)
{
	struct ptt_ctx *ctx = arm_iommu_ctx(test, 0);
	struct geo g = arm_geo_of(ctx);
	u64 top = 1ULL << ctx->hi.ias, otop = 1ULL << ctx->hi.oas, unmapped, phys;
	struct ptcore_gather ga;
	unsigned int i;
	const struct {
		u64 iova, pa, pgsize, count;
		u32 prot;
		int err;
	} maps[] = {
		{ 0, 0, 3 * g.pg, 1, RW, -EINVAL }, /* not a size */
		{ 0, 0, g.pg << 1, 1, RW, -EINVAL }, /* not in the bitmap */
		{ 0, 0, 0, 1, RW, -EINVAL },
		{ 0, 0, g.pg, 0, RW, -EINVAL }, /* pgcount 0 */
		{ g.pg / 2, 0, g.pg, 1, RW, -EINVAL }, /* iova unaligned */
		{ 0, 8, g.pg, 1, RW, -EINVAL }, /* pa unaligned */
		{ 0, 0, g.pg, 1, PTCORE_PROT_CACHE, -EINVAL }, /* no READ/WRITE */
		{ g.pg / 2, 0, g.pg, 0, 0, -EINVAL }, /* several: still -EINVAL */
		{ 0, 0, g.pg, U64_MAX / g.pg + 1, RW, -EOVERFLOW },
		{ U64_MAX - g.pg + 1, 0, g.pg, 2, RW, -EOVERFLOW }, /* iova wraps */
		{ 0, U64_MAX - g.pg + 1, g.pg, 2, RW, -EOVERFLOW }, /* pa wraps */
		{ U64_MAX - g.pg + 1, 0, g.pg, 2, 0, -EINVAL }, /* -EINVAL before -EOVERFLOW */
		{ top, 0, g.pg, 1, RW, -ERANGE }, /* beyond ias */
		{ top - g.pg, 0, g.pg, 2, RW, -ERANGE }, /* runs past ias */
		{ 0, otop, g.pg, 1, RW, -ERANGE }, /* beyond oas */
		{ 0, otop - g.pg, g.pg, 2, RW, -ERANGE },
		{ U64_MAX - g.pg + 1, otop, g.pg, 2, RW,
		  -EOVERFLOW }, /* -EOVERFLOW before -ERANGE */
	};

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, 0, 0, g.pg, 4, RW, NULL), 0);
	for (i = 0; i < ARRAY_SIZE(maps); i++) {
		u64 mapped = 1;
		int ret = ptt_map(ctx, maps[i].iova, maps[i].pa, maps[i].pgsize, maps[i].count,
				  maps[i].prot, &mapped);

		KUNIT_EXPECT_EQ_MSG(test, ret, maps[i].err, "map case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, mapped, 0, "map case %u", i);
	}
	/* overlapping maps: -EADDRINUSE, existing leaves never overwritten */
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 2 * g.pg, SZ_1G, g.pg, 1, RW, NULL), -EADDRINUSE);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, g.blk, 1, RW, NULL), -EADDRINUSE);

	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, 0, 0, &ga, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, g.pg, U64_MAX, &ga, &unmapped), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, unmapped, 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, top - g.pg, 2 * g.pg, &ga, &unmapped), -ERANGE);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, top, g.pg, &ga, &unmapped), -ERANGE);
	KUNIT_EXPECT_EQ(test, unmapped, 0);
	KUNIT_EXPECT_TRUE(test, ptt_gather_empty(&ga));
	KUNIT_EXPECT_EQ(test, ptcore_unmap_pages(ctx->t, 0, g.pg, U64_MAX / 2, &ga), 0);
	KUNIT_EXPECT_EQ(test, ptcore_unmap_pages(ctx->t, 0, g.pg, 0, &ga), 0);
	KUNIT_EXPECT_TRUE(test, ptt_gather_empty(&ga));
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, top, &phys), -ERANGE);
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, U64_MAX, &phys), -ERANGE);
	ptt_sync(ctx, &ga);
	/* the kernel-style form */
	KUNIT_EXPECT_EQ(test, ptcore_unmap_pages(ctx->t, 0, g.pg, 4, &ga), 4 * g.pg);
	KUNIT_EXPECT_EQ(test, ga.start, 0);
	KUNIT_EXPECT_EQ(test, ga.end, 4 * g.pg - 1);
	ptt_oracle_remove(ctx, 0, 4 * g.pg);
	ptt_sync(ctx, &ga);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

static struct kunit_case arm_unmap_cases[] = {
	KUNIT_CASE_PARAM(unmap_frees_covered_table_after_flush, unmap_cfg_gen_params),
	KUNIT_CASE_PARAM(unmap_frees_subtree, unmap_cfg_gen_params),
	KUNIT_CASE_PARAM(unmap_hole_keeps_suffix, unmap_cfg_gen_params),
	KUNIT_CASE_PARAM(unmap_start_inside_leaf, unmap_cfg_gen_params),
	KUNIT_CASE_PARAM(unmap_end_inside_large_leaf, unmap_cfg_gen_params),
	KUNIT_CASE_PARAM(unmap_partial_table_kept, unmap_cfg_gen_params),
	KUNIT_CASE_PARAM(unmap_gather_accumulates, unmap_cfg_gen_params),
	KUNIT_CASE_PARAM(unmap_empty_gather_no_flush, unmap_cfg_gen_params),
	KUNIT_CASE_PARAM(map_replaces_empty_table, unmap_cfg_gen_params),
	KUNIT_CASE_PARAM(unmap_many_tables, unmap_cfg_gen_params),
	KUNIT_CASE_PARAM(unmap_two_gathers, unmap_cfg_gen_params),
	KUNIT_CASE_PARAM(bad_arguments_fail_in_abi_order, unmap_cfg_gen_params),
	{}
};

static struct kunit_suite arm_unmap_suite = {
	.name = "ptcore_arm_unmap",
	.init = ptt_case_init,
	.exit = ptt_case_exit,
	.test_cases = arm_unmap_cases,
};

kunit_test_suites(&arm_unmap_suite);

MODULE_DESCRIPTION("KUnit tests for ptcore's ARM LPAE formats: unmap, gather and flush rules");
MODULE_LICENSE("Dual MIT/GPL");
