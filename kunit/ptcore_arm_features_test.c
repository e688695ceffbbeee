// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptcore_arm_features: the contiguous hint, the DMA-incoherent walk,
 * allocation failure and the built-in allocator on the ARM LPAE formats.
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

KUNIT_ARRAY_PARAM(arm_variant, arm_variants, arm_variant_desc);

/* Contiguous-hint sizes: bit 52 on the whole run; unmap removes a run whole. */
static void contig_run_set_and_removed_whole(struct kunit *test)
{
	const struct arm_variant *v = test->param_value;
	u64 contig = arm_contig_sizes(v->pg_shift), small, run, unmapped;
	struct ptcore_cfg cfg;
	struct ptt_ctx *ctx;
	struct ptcore_gather ga;
	u64 b;

	cfg = ptt_cfg(v->fmt, v->pg_shift, 48, 48, 0, arm_base_sizes(v->pg_shift, 48) | contig);
	ctx = ptt_ctx_create(test, &cfg, 0);
	KUNIT_EXPECT_EQ(test, ctx->hi.pgsize_bitmap & contig, contig);
	for (b = contig; b; b &= b - 1) {
		u64 base;

		run = b & -b;
		small = 1ULL << (run >= SZ_1G ? arm_level_shift(v->pg_shift, 2) : v->pg_shift);
		if (run == SZ_32M && v->pg_shift == 12)
			small = SZ_2M;
		base = 4 * run;
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, 8 * run, run, 2, RW, NULL), 0);
		/* starting inside a run is starting inside a leaf */
		ptcore_gather_init(&ga);
		KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base + small, small, &ga, &unmapped), -EINVAL);
		KUNIT_EXPECT_EQ(test, unmapped, 0);
		/* its first entry's worth removes the run */
		KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base, small, &ga, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, run);
		KUNIT_EXPECT_EQ(test, ga.end, base + run - 1);
		KUNIT_EXPECT_EQ(test, ga.pgsize, run);
		ptt_sync(ctx, &ga);
		ptt_check_translation(ctx, base + run);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + run, run, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, run);
		/* a run over existing small leaves is refused */
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + 3 * small, 0, small, 1, RW, NULL), 0);
		KUNIT_EXPECT_EQ(test, ptt_map(ctx, base, 0, run, 1, RW, NULL), -EADDRINUSE);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + 3 * small, small, NULL), 0);
	}
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* DMA-incoherent walk: every write synced, tables synced before they are reachable. */
static void incoherent_tables_synced_before_reachable(struct kunit *test)
{
	const struct arm_variant *v = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(v->fmt, v->pg_shift, 48, 48, PTCORE_FEAT_DMA_INCOHERENT, 0);
	struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, 0);
	u64 pg = 1ULL << v->pg_shift, blk = 1ULL << arm_level_shift(v->pg_shift, 2), syncs;

	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 7 * blk + pg, SZ_1G, pg, 5, RW, NULL), 0);
	syncs = ctx->n_sync_table;
	KUNIT_EXPECT_GT(test, syncs, 0);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 9 * blk, SZ_2G, blk, 2, PTCORE_PROT_READ, NULL), 0);
	KUNIT_EXPECT_GT(test, ctx->n_sync_table, syncs);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, 7 * blk + pg, 2 * pg, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, 9 * blk, 2 * blk, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, 7 * blk + 3 * pg, 3 * pg, NULL), 0);
	/* an empty table replaced by a block, with the walker reading only synced memory */
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 7 * blk, 0, blk, 1, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, 7 * blk, blk, NULL), 0);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);

	/* coherent: sync_table is never called */
	cfg.features = 0;
	ctx = ptt_ctx_create(test, &cfg, 0);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 7 * blk + pg, SZ_1G, pg, 5, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, 7 * blk + pg, 5 * pg, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctx->n_sync_table, 0);
	ptt_ctx_destroy(ctx);
}

/* Out of memory part way: -ENOMEM, the mapped prefix stays, nothing leaks. */
static void map_enomem_keeps_prefix_no_leak(struct kunit *test)
{
	const struct arm_variant *v = test->param_value;
	u64 pg = 1ULL << v->pg_shift, blk = 1ULL << arm_level_shift(v->pg_shift, 2);
	u64 count = 3 * (blk / pg), needed = 0;
	unsigned int nth;

	for (nth = 2;; nth++) {
		struct ptcore_cfg cfg = ptt_cfg(v->fmt, v->pg_shift, 48, 48, 0, 0);
		struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, 0);
		u64 mapped;
		int ret;

		ctx->fail_nth = nth;
		/* straddles a level-2 boundary: needs several new tables */
		ret = ptt_map(ctx, 5 * blk - 2 * pg, SZ_1G, pg, count, RW, &mapped);
		if (!ret) {
			KUNIT_EXPECT_EQ(test, ctx->n_alloc_failed, 0);
			needed = nth - 2;
			KUNIT_EXPECT_EQ(test,
					ptt_unmap_sync(ctx, 5 * blk - 2 * pg, count * pg, NULL), 0);
			ptt_ctx_destroy(ctx);
			break;
		}
		KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
		KUNIT_EXPECT_LT(test, mapped, count * pg);
		if (mapped)
			KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, 5 * blk - 2 * pg, mapped, NULL),
					0);
		ptt_verify_all(ctx);
		ptt_ctx_destroy(ctx);
		if (nth > 20) {
			KUNIT_FAIL(test, "still failing after 20 allocations");
			break;
		}
	}
	kunit_info(test, "the map needed %llu new tables", ptt_ull(needed));
	KUNIT_EXPECT_GE(test, needed, 3);
}

/* cfg.ops == NULL: the built-in allocator, no callbacks; also an ops without iotlb_flush. */
static void builtin_allocator_without_ops(struct kunit *test)
{
	const struct arm_variant *v = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(v->fmt, v->pg_shift, 48, 48, 0, 0);
	u64 pg = 1ULL << v->pg_shift, blk = 1ULL << arm_level_shift(v->pg_shift, 2);
	struct ptcore_mem_stats s0, s1;
	struct ptt_ctx *ctx;

	ptcore_mem_stats(&s0);
	ctx = ptt_ctx_create(test, &cfg, PTT_CTX_NO_OPS);
	ptcore_mem_stats(&s1);
	KUNIT_EXPECT_EQ(test, s1.tables_live, s0.tables_live + 1);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 3 * blk, 0, pg, blk / pg, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, 3 * blk, blk, NULL), 0);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
	ptcore_mem_stats(&s1);
	KUNIT_EXPECT_EQ(test, s1.tables_live, s0.tables_live);

	ctx = ptt_ctx_create(test, &cfg, PTT_CTX_NO_FLUSH_OP);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 3 * blk, 0, pg, blk / pg, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, 3 * blk, blk, NULL), 0);
	ptt_ctx_destroy(ctx);
}

static struct kunit_case arm_feature_cases[] = {
	KUNIT_CASE_PARAM(contig_run_set_and_removed_whole, arm_variant_gen_params),
	KUNIT_CASE_PARAM(incoherent_tables_synced_before_reachable, arm_variant_gen_params),
	KUNIT_CASE_PARAM(map_enomem_keeps_prefix_no_leak, arm_variant_gen_params),
	KUNIT_CASE_PARAM(builtin_allocator_without_ops, arm_variant_gen_params),
	{}
};

static struct kunit_suite arm_feature_suite = {
	.name = "ptcore_arm_features",
	.init = ptt_case_init,
	.exit = ptt_case_exit,
	.test_cases = arm_feature_cases,
};

kunit_test_suites(&arm_feature_suite);

MODULE_DESCRIPTION("KUnit tests for ptcore's ARM LPAE formats: features");
MODULE_LICENSE("Dual MIT/GPL");
