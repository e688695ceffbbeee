// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: the gather as the ABI's revised concurrency contract describes it.
 * Each gather holds the tables its own unmaps removed, is known by its
 * contents (so it may move between calls), is refused by a table it does
 * not belong to, and offers one leaf size for drivers that need a single
 * invalidation size. Every call goes through the checked helpers of
 * ptt_util.c (oracle, walk model, table tracking, leak check).
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "ptt_util.h"

#define RW (PTCORE_PROT_READ | PTCORE_PROT_WRITE)

static struct ptt_ctx *s1_4k(struct kunit *test, u32 flags)
{
	struct ptcore_cfg cfg = ptt_cfg(PTCORE_FMT_ARM64_LPAE_S1, 12, 48, 48, 0, 0);

	return ptt_ctx_create(test, &cfg, flags);
}

/* A gather copied elsewhere between its unmaps still frees all it holds, once. */
static void gather_may_move(struct kunit *test)
{
	struct ptt_ctx *ctx = s1_4k(test, 0);
	struct ptcore_gather a, b;
	u64 n_free0, n_flush0;
	unsigned int i;

	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_1G + i * SZ_2M, 0, SZ_4K, 512, RW, NULL), 0);
	n_free0 = ctx->n_free;
	ptcore_gather_init(&a);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, SZ_1G, 2 * SZ_2M, &a, NULL), 0);
	memcpy(&b, &a, sizeof(b));
	memset(&a, 0x5a, sizeof(a));	/* the old place is gone */
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, SZ_1G + 2 * SZ_2M, SZ_2M, &b, NULL), 0);
	KUNIT_EXPECT_EQ(test, b.nr_tables, 3);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0);
	n_flush0 = ctx->n_flush;
	ptt_sync(ctx, &b);
	KUNIT_EXPECT_EQ(test, ctx->n_flush, n_flush0 + 1);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0 + 3);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Two gathers on one table: each sync flushes once and frees only its own tables. */
static void gather_frees_only_its_own(struct kunit *test)
{
	struct ptt_ctx *ctx = s1_4k(test, PTT_CTX_MULTI_GATHER);
	struct ptcore_gather a, b;
	u64 n_free0, n_flush0;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_1G, 0, SZ_4K, 512, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_1G + SZ_2M, 0, SZ_4K, 1024, RW, NULL), 0);
	n_free0 = ctx->n_free;
	ptcore_gather_init(&a);
	ptcore_gather_init(&b);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, SZ_1G, SZ_2M, &a, NULL), 0);
	n_flush0 = ctx->n_flush;
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, SZ_1G + SZ_2M, 2 * SZ_2M, &b, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctx->n_flush, n_flush0); /* no early flush of a's table */
	KUNIT_EXPECT_EQ(test, a.nr_tables, 1);
	KUNIT_EXPECT_EQ(test, b.nr_tables, 2);
	ptt_sync(ctx, &b);
	KUNIT_EXPECT_EQ(test, ctx->n_flush, n_flush0 + 1);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0 + 2);
	KUNIT_EXPECT_EQ(test, ptt_count_state(ctx, PTT_TS_FLUSHED) +
			ptt_count_state(ctx, PTT_TS_UNLINKED), 1); /* a's, still waiting */
	ptt_sync(ctx, &a);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0 + 3);
	ptt_ctx_destroy(ctx);
}

/* A gather holding one table's tables is refused by another: nothing changes. */
static void gather_of_another_table_refused(struct kunit *test)
{
	struct ptt_ctx *c1 = s1_4k(test, 0), *c2 = s1_4k(test, 0);
	struct ptcore_gather g, g0;
	u64 unmapped = 1, n_free1, n_flush2;

	KUNIT_ASSERT_EQ(test, ptt_map(c1, SZ_1G, 0, SZ_4K, 512, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(c2, SZ_1G, 0, SZ_4K, 512, RW, NULL), 0);
	ptcore_gather_init(&g);
	KUNIT_ASSERT_EQ(test, ptt_unmap(c1, SZ_1G, SZ_2M, &g, NULL), 0);
	g0 = g;
	n_free1 = c1->n_free;
	n_flush2 = c2->n_flush;
	KUNIT_EXPECT_EQ(test, ptcore_unmap(c2->t, SZ_1G, SZ_2M, &g, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 0);
	KUNIT_EXPECT_EQ(test, memcmp(&g, &g0, sizeof(g)), 0);
	ptcore_iotlb_sync(c2->t, &g);	/* refused: neither flushes nor frees */
	KUNIT_EXPECT_EQ(test, c2->n_flush, n_flush2);
	KUNIT_EXPECT_EQ(test, c1->n_free, n_free1);
	KUNIT_EXPECT_EQ(test, memcmp(&g, &g0, sizeof(g)), 0);
	ptt_verify_all(c2);		/* c2's mappings are all still there */
	ptt_sync(c1, &g);
	KUNIT_EXPECT_EQ(test, c1->n_free, n_free1 + 1);
	ptt_ctx_destroy(c2);
	ptt_ctx_destroy(c1);
}

/* The single-size view: the smallest leaf the gather holds. */
static void gather_leaf_size_is_smallest(struct kunit *test)
{
	struct ptt_ctx *ctx = s1_4k(test, 0);
	struct ptcore_gather g;

	ptcore_gather_init(&g);
	KUNIT_EXPECT_EQ(test, ptcore_gather_leaf_size(&g), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_1G, 0, SZ_2M, 2, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_1G + SZ_4M, 0, SZ_4K, 2, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, SZ_1G, SZ_4M, &g, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptcore_gather_leaf_size(&g), SZ_2M);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, SZ_1G + SZ_4M, SZ_8K, &g, NULL), 0);
	KUNIT_EXPECT_EQ(test, g.pgsize, SZ_2M | SZ_4K);
	KUNIT_EXPECT_EQ(test, ptcore_gather_leaf_size(&g), SZ_4K);
	ptt_sync(ctx, &g);
	ptt_ctx_destroy(ctx);
}

static struct kunit_case gather_cases[] = {
	KUNIT_CASE(gather_may_move),
	KUNIT_CASE(gather_frees_only_its_own),
	KUNIT_CASE(gather_of_another_table_refused),
	KUNIT_CASE(gather_leaf_size_is_smallest),
	{}
};

static struct kunit_suite gather_suite = {
	.name = "ptcore_gather",
	.init = ptt_case_init,
	.exit = ptt_case_exit,
	.test_cases = gather_cases,
};

kunit_test_suites(&gather_suite);
