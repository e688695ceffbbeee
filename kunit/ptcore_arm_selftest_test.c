// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptcore_arm_selftest: Linux's io-pgtable self-test sequence on the ARM
 * LPAE formats, for every granule x ias <= oas, adapted to ptcore's unmap.
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

static const unsigned char selftest_bits[] = { 32, 36, 40, 42, 44, 48 };

struct selftest_cfg {
	u32 fmt;
	unsigned char pg_shift, ias, oas;
};

static struct selftest_cfg selftest_cfgs[2 * 3 * 21];

static const void *selftest_gen_params(const void *prev, char *desc)
{
	static unsigned int n;
	const struct selftest_cfg *c;
	unsigned int idx;

	if (!prev) {
		unsigned int f, gi, i, j;

		n = 0;
		for (f = 0; f < 2; f++)
			for (gi = 0; gi < 3; gi++)
				for (i = 0; i < ARRAY_SIZE(selftest_bits); i++)
					for (j = i; j < ARRAY_SIZE(selftest_bits); j++) {
						struct selftest_cfg *s = &selftest_cfgs[n++];

						s->fmt = f ? S2 : S1;
						s->pg_shift = 12 + 2 * gi;
						s->ias = selftest_bits[i];
						s->oas = selftest_bits[j];
					}
		idx = 0;
	} else {
		idx = (const struct selftest_cfg *)prev - selftest_cfgs + 1;
	}
	if (idx >= n)
		return NULL;
	c = &selftest_cfgs[idx];
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %uK ias %u oas %u", c->fmt == S1 ? "s1" : "s2",
		 1U << (c->pg_shift - 10), c->ias, c->oas);
	return c;
}

static void arm_io_pgtable_selftest(struct kunit *test)
{
	const struct selftest_cfg *c = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(c->fmt, c->pg_shift, c->ias, c->oas, 0, 0);
	struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, 0);
	u64 b, iova, size, smallest, largest, phys, unmapped;

	/* an empty table translates nothing */
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, 42, &phys), -ENOENT);
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, SZ_1G + 42, &phys), -ENOENT);
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, SZ_2G + 42, &phys), -ENOENT);
	ptt_check_translation(ctx, 42);
	ptt_check_translation(ctx, SZ_1G + 42);

	/* distinct mappings of each size at 0, 1G, 2G, ... */
	iova = 0;
	for (b = ctx->hi.pgsize_bitmap; b; b &= b - 1) {
		size = b & -b;
		if (iova + size > (1ULL << c->ias))
			break;
		KUNIT_ASSERT_EQ(test,
				ptt_map(ctx, iova, iova, size, 1,
					RW | PTCORE_PROT_NOEXEC | PTCORE_PROT_CACHE, NULL),
				0);
		/* an overlapping mapping fails and changes nothing */
		KUNIT_EXPECT_EQ(test,
				ptt_map(ctx, iova, iova + size, size, 1,
					PTCORE_PROT_READ | PTCORE_PROT_NOEXEC, NULL),
				-EADDRINUSE);
		KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, iova + 42, &phys), 0);
		KUNIT_EXPECT_EQ(test, phys, iova + 42);
		iova += SZ_1G;
	}

	/* Linux splits the block here; ptcore never splits: -EINVAL, nothing removed */
	smallest = ptt_smallest_pgsize(ctx);
	if (ctx->hi.pgsize_bitmap & ~smallest) {
		struct ptcore_gather g;

		ptcore_gather_init(&g);
		KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, SZ_1G + smallest, smallest, &g, &unmapped),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, unmapped, 0);
		ptt_sync(ctx, &g);
	}

	/* full unmap of each, then remap write-only */
	iova = 0;
	for (b = ctx->hi.pgsize_bitmap; b; b &= b - 1) {
		size = b & -b;
		if (iova + size > (1ULL << c->ias))
			break;
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, iova, size, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, size);
		KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, iova + 42, &phys), -ENOENT);
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, iova, iova, size, 1, PTCORE_PROT_WRITE, NULL),
				0);
		KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, iova + 42, &phys), 0);
		KUNIT_EXPECT_EQ(test, phys, iova + 42);
		iova += SZ_1G;
	}

	/* the last largest page below 2^ias */
	largest = ptt_largest_pgsize(ctx);
	iova = (1ULL << c->ias) - largest;
	if (!ptt_oracle_overlaps(ctx, iova, largest)) {
		KUNIT_EXPECT_EQ(test, ptt_map(ctx, iova, iova, largest, 1, RW, NULL), 0);
		KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, iova + largest - 1, &phys), 0);
		KUNIT_EXPECT_EQ(test, phys, iova + largest - 1);
		KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, 1ULL << c->ias, &phys), -ERANGE);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, iova, largest, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, largest);
	}
	/* and the last smallest page, which needs the deepest walk */
	iova = (1ULL << c->ias) - smallest;
	KUNIT_EXPECT_EQ(test,
			ptt_map(ctx, iova, (1ULL << c->oas) - smallest, smallest, 1, RW, NULL), 0);
	ptt_verify_all(ctx);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, iova, smallest, &unmapped), 0);
	ptt_ctx_destroy(ctx);
}

static struct kunit_case arm_selftest_cases[] = {
	KUNIT_CASE_PARAM(arm_io_pgtable_selftest, selftest_gen_params),
	{}
};

static struct kunit_suite arm_selftest_suite = {
	.name = "ptcore_arm_selftest",
	.init = ptt_case_init,
	.exit = ptt_case_exit,
	.test_cases = arm_selftest_cases,
};

kunit_test_suites(&arm_selftest_suite);

MODULE_DESCRIPTION("KUnit tests for ptcore's ARM LPAE formats: io-pgtable self-test sequence");
MODULE_LICENSE("Dual MIT/GPL");
