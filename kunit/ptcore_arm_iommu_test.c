// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptcore_arm_iommu: the generic page table's IOMMU tests on the ARM LPAE
 * formats.
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

static const struct iommu_cfg iommu_cfgs[] = {
	{ S1, 12, 48, 48, 0 }, { S1, 12, 32, 40, 0 }, { S1, 14, 48, 48, 0 },
	{ S1, 16, 48, 48, 0 }, { S1, 16, 52, 52, 0 }, { S2, 12, 40, 48, 0 }, /* concatenated root */
	{ S2, 14, 48, 48, 0 }, /* concatenated root */
	{ S2, 16, 42, 44, 0 },
};

KUNIT_ARRAY_PARAM(iommu_cfg, iommu_cfgs, arm_iommu_cfg_desc);

/* Map each size at a few places, check, unmap. */
static void iommu_map_simple(struct kunit *test)
{
	struct ptt_ctx *ctx = arm_iommu_ctx(test, 0);
	u64 b, limit = 1ULL << ctx->hi.ias;

	for (b = ctx->hi.pgsize_bitmap; b; b &= b - 1) {
		u64 sz = b & -b;
		u64 at[] = { 0, sz, 5 * sz, limit / 2, limit - sz };
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(at); i++) {
			if (at[i] + sz > limit || ptt_oracle_overlaps(ctx, at[i], sz))
				continue;
			KUNIT_EXPECT_EQ(test,
					ptt_map(ctx, at[i],
						(at[i] + 3ULL * SZ_1G) &
							((1ULL << ctx->hi.oas) - 1) & ~(sz - 1),
						sz, 1, RW, NULL),
					0);
		}
		ptt_verify_all(ctx);
		for (i = 0; i < ARRAY_SIZE(at); i++) {
			const struct orc_leaf *m = ptt_oracle_find(ctx, at[i]);
			u64 unmapped;

			if (!m || m->iova != at[i] || m->size != sz)
				continue;
			KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, at[i], sz, &unmapped), 0);
			KUNIT_EXPECT_EQ(test, unmapped, sz);
		}
		KUNIT_EXPECT_EQ(test, ctx->o.n, 0);
	}
	ptt_ctx_destroy(ctx);
}

/* Every output address bit is stored and read back. */
static void iommu_map_table_to_oa(struct kunit *test)
{
	struct ptt_ctx *ctx = arm_iommu_ctx(test, 0);
	u64 b, iova = 0;
	unsigned int bit;

	for (b = ctx->hi.pgsize_bitmap; b; b &= b - 1) {
		u64 sz = b & -b;

		for (bit = __builtin_ctzll(sz); bit < ctx->hi.oas; bit++) {
			iova = ALIGN(iova, sz);
			if (iova + sz > (1ULL << ctx->hi.ias))
				break;
			KUNIT_EXPECT_EQ(test, ptt_map(ctx, iova, 1ULL << bit, sz, 1, RW, NULL), 0);
			iova += sz;
		}
		/* and all bits at once */
		iova = ALIGN(iova, sz);
		if (iova + sz <= (1ULL << ctx->hi.ias))
			KUNIT_EXPECT_EQ(test,
					ptt_map(ctx, iova, ((1ULL << ctx->hi.oas) - 1) & ~(sz - 1),
						sz, 1, RW, NULL),
					0);
		iova += sz;
	}
	ptt_verify_all(ctx);
	/* one unmap over everything: it stops at the first hole, if any */
	ptt_unmap_sync(ctx, 0, ALIGN(iova, ptt_largest_pgsize(ctx)), NULL);
	ptt_ctx_destroy(ctx);
}

/* Unmapping the first small page of a large page removes the large page. */
static void iommu_unmap_split(struct kunit *test)
{
	struct ptt_ctx *ctx = arm_iommu_ctx(test, 0);
	u64 small = ptt_smallest_pgsize(ctx), big, unmapped, base, phys;
	u64 rest = ctx->hi.pgsize_bitmap & ~small;
	struct ptcore_gather g;

	if (!rest)
		kunit_skip(test, "one page size only");
	big = rest & -rest;
	base = 4 * big;
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, 8 * big, big, 1, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + big, 10 * big, small, 1, RW, NULL), 0);

	ptcore_gather_init(&g);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base, small, &g, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, big);
	KUNIT_EXPECT_EQ(test, g.start, base);
	KUNIT_EXPECT_EQ(test, g.end, base + big - 1);
	KUNIT_EXPECT_EQ(test, g.pgsize, big);
	ptt_sync(ctx, &g);
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, base + big - 1, &phys), -ENOENT);
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, base + big, &phys), 0);
	KUNIT_EXPECT_EQ(test, phys, 10 * big);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Random maps and unmaps against the oracle; overlaps fail with -EADDRINUSE. */
static void iommu_random(struct kunit *test)
{
	const struct iommu_cfg *c = test->param_value;
	struct ptt_ctx *ctx = arm_iommu_ctx(test, ~0ULL);
	unsigned int window_bits = min_t(unsigned int, c->ias, c->pg_shift + 14);
	u64 window = 1ULL << window_bits, sizes[16];
	unsigned int n_sizes = 0, i, ops = 600, fails = 0, maps = 0, unmaps = 0;
	struct ptcore_gather g;
	struct ptt_rng rng;
	u64 b;

	ptt_rng_seed(&rng, 0x5eed0000ULL + c->pg_shift * 131 + c->ias * 7 + c->fmt);
	for (b = ctx->hi.pgsize_bitmap; b; b &= b - 1)
		if ((b & -b) <= window / 8 && n_sizes < ARRAY_SIZE(sizes))
			sizes[n_sizes++] = b & -b;
	KUNIT_ASSERT_GT(test, n_sizes, 0);
	ptcore_gather_init(&g);
	for (i = 0; i < ops; i++) {
		u64 r = ptt_rand(&rng);

		if (r % 100 < 55 || !ctx->o.n) {
			u64 sz = sizes[ptt_rand_below(&rng, n_sizes)];
			u64 count = 1 + ptt_rand_below(&rng, sz == sizes[0] ? 8 : 2);
			u64 iova = ptt_rand_below(&rng, window / sz) * sz;
			u64 pa = ptt_rand_below(&rng,
						(1ULL << min_t(unsigned int, c->oas, 40)) / sz) *
				 sz;
			u32 prot = 1 + ptt_rand_below(&rng, 63);
			int ret;

			if (!(prot & RW))
				prot |= PTCORE_PROT_READ;
			if (iova + count * sz > window)
				count = 1;
			ret = ptt_map(ctx, iova, pa, sz, count, prot, NULL);
			if (ret)
				fails++;
			maps++;
		} else {
			const struct orc_leaf *m = &ctx->o.v[ptt_rand_below(&rng, ctx->o.n)];
			u64 iova = m->iova, len = m->size;

			switch (ptt_rand_below(&rng, 4)) {
			case 0: /* several leaves, maybe a hole */
				len = m->size * (1 + ptt_rand_below(&rng, 4));
				break;
			case 1: /* less than the leaf: removed whole */
				len = max_t(u64, 1, m->size / 2);
				break;
			case 2: /* inside the leaf: -EINVAL when it is larger than 1 byte */
				iova = m->iova + m->size / 2;
				len = ptt_smallest_pgsize(ctx);
				break;
			default:
				break;
			}
			if (iova + len > (1ULL << c->ias))
				len = (1ULL << c->ias) - iova;
			ptt_unmap(ctx, iova, len, &g, NULL);
			unmaps++;
			if (ptt_rand_below(&rng, 3) == 0)
				ptt_sync(ctx, &g);
		}
		if (i % 100 == 99)
			ptt_verify_all(ctx);
		if (ctx->violations)
			break;
	}
	ptt_sync(ctx, &g);
	ptt_verify_all(ctx);
	kunit_info(test, "%u maps (%u refused), %u unmaps, %zu leaves at the end", maps, fails,
		   unmaps, ctx->o.n);
	ptt_ctx_destroy(ctx);
}

/* generic_pt's pgsize_boundary: 0xfef80000..0xfef9ffff -> 0x208b95d000 */
static void iommu_pgsize_boundary(struct kunit *test)
{
	const struct iommu_cfg *c = test->param_value;
	struct ptt_ctx *ctx;
	u64 iova = 0xfef80000ULL, pa = 0x208b95d000ULL, len = 0xfef9ffffULL - iova + 1, off;

	if (c->pg_shift != 12)
		kunit_skip(test, "0x208b95d000 is 4K aligned only");
	if (c->oas < 40 || c->ias < 32)
		kunit_skip(test, "needs ias >= 32 and oas >= 40");
	ctx = arm_iommu_ctx(test, 0);
	KUNIT_ASSERT_EQ(test, ptt_map_range(ctx, iova, pa, len, RW), 0);
	for (off = 0; off < len; off += SZ_4K)
		ptt_check_translation(ctx, iova + off + 0x123);
	ptt_check_translation(ctx, iova - 1);
	ptt_check_translation(ctx, iova + len);
	ptt_verify_all(ctx);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, iova, len, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctx->o.n, 0);
	ptt_ctx_destroy(ctx);
}

/* Ranges that need several page sizes, as iommu_map() splits them. */
static void iommu_mixed(struct kunit *test)
{
	struct ptt_ctx *ctx = arm_iommu_ctx(test, 0);
	u64 small = ptt_smallest_pgsize(ctx), big = ptt_largest_pgsize(ctx);
	u64 limit = 1ULL << ctx->hi.ias, unmapped, starts[3], lens[3];
	unsigned int i;

	if (big > limit / 16)
		big = limit / 16;
	starts[0] = big - 3 * small;
	lens[0] = big + 8 * small;
	starts[1] = 2 * big + 5 * small;
	lens[1] = 3 * small;
	starts[2] = 7 * big;
	lens[2] = big;
	for (i = 0; i < ARRAY_SIZE(starts); i++) {
		if (starts[i] + lens[i] > limit)
			continue;
		KUNIT_EXPECT_EQ(test,
				ptt_map_range(ctx, starts[i], starts[i] + SZ_4G, lens[i],
					      RW | PTCORE_PROT_CACHE),
				0);
	}
	ptt_verify_all(ctx);
	/* unmap each range whole: every leaf in it, and every table wholly inside */
	for (i = 0; i < ARRAY_SIZE(starts); i++) {
		if (starts[i] + lens[i] > limit)
			continue;
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, starts[i], lens[i], &unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, lens[i]);
	}
	KUNIT_EXPECT_EQ(test, ctx->o.n, 0);
	ptt_ctx_destroy(ctx);
}

static struct kunit_case arm_iommu_cases[] = {
	KUNIT_CASE_PARAM(iommu_map_simple, iommu_cfg_gen_params),
	KUNIT_CASE_PARAM(iommu_map_table_to_oa, iommu_cfg_gen_params),
	KUNIT_CASE_PARAM(iommu_unmap_split, iommu_cfg_gen_params),
	KUNIT_CASE_PARAM(iommu_random, iommu_cfg_gen_params),
	KUNIT_CASE_PARAM(iommu_pgsize_boundary, iommu_cfg_gen_params),
	KUNIT_CASE_PARAM(iommu_mixed, iommu_cfg_gen_params),
	{}
};

static struct kunit_suite arm_iommu_suite = {
	.name = "ptcore_arm_iommu",
	.init = ptt_case_init,
	.exit = ptt_case_exit,
	.test_cases = arm_iommu_cases,
};

kunit_test_suites(&arm_iommu_suite);

MODULE_DESCRIPTION("KUnit tests for ptcore's ARM LPAE formats: generic page table IOMMU tests");
MODULE_LICENSE("Dual MIT/GPL");
