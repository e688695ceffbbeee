// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite for ptcore's AMD IOMMU v1 format, in the style of the DART
 * and ARM suites: expected values from design/FORMATS.md (PR 0, HD 6,
 * NextLevel 11:9, OA 51:12, FC 60, IR 61, IW 62; tables NextLevel = their
 * level with IR|IW; NextLevel 7 sized pages replicated over their slots;
 * DTE mode = levels) and ABI.md, every map/unmap cross-checked against the
 * oracle and the AMD v1 walk model (hw_walk_amdv1.c), and a leak check in
 * every case.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "ptt_util.h"

#define AMD PTCORE_FMT_AMDV1
#define RW (PTCORE_PROT_READ | PTCORE_PROT_WRITE)
#define AMD_HD BIT_ULL(6)
#define AMD_512G BIT_ULL(39)
#define ptt_ull(x) ((unsigned long long)(x))

struct amd_cfg {
	unsigned char ias, oas;
	u32 features;
};

static const struct amd_cfg amd_cfgs[] = {
	{ 32, 52, 0 },	/* three levels, as Linux starts */
	{ 39, 48, 0 },
	{ 48, 52, 0 },	/* four levels */
	{ 52, 52, 0 },	/* Linux's ias: five levels */
	{ 63, 52, 0 },	/* six levels */
	{ 21, 40, 0 },	/* one level: DTE mode 1 */
	{ 40, 52, PTCORE_FEAT_FREE_EMPTY_TABLES },
	{ 48, 52, PTCORE_FEAT_DIRTY_TRACKING },
};

static void amd_cfg_desc(const struct amd_cfg *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "amdv1 ias %u oas %u features %x", c->ias, c->oas,
		 c->features);
}

KUNIT_ARRAY_PARAM(amd_cfg, amd_cfgs, amd_cfg_desc);

static struct ptt_ctx *amd_ctx(struct kunit *test)
{
	const struct amd_cfg *c = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(AMD, 0, c->ias, c->oas, c->features, 0);

	return ptt_ctx_create(test, &cfg, 0);
}

/* FORMATS.md: levels from ias, every power of two from 4K but 512G that the top table holds */
static u64 amd_expected_sizes(unsigned int ias)
{
	unsigned int levels = DIV_ROUND_UP(ias - 12, 9), top = 12 + 9 * (levels - 1) + 8, lg2;
	u64 sizes = 0;

	for (lg2 = 12; lg2 <= min(min(ias, 51U), top); lg2++)
		if (lg2 != 39)
			sizes |= 1ULL << lg2;
	return sizes;
}

/* Geometry of every accepted ias x oas, refusal of the others. */
static void amd_geometry(struct kunit *test)
{
	static const unsigned char oas_list[] = { 31, 32, 40, 48, 52, 53 };
	unsigned int ias, oi, accepted = 0, refused = 0;

	for (oi = 0; oi < ARRAY_SIZE(oas_list); oi++) {
		for (ias = 16; ias <= 64; ias++) {
			unsigned int oas = oas_list[oi], levels = DIV_ROUND_UP(ias - 12, 9);
			struct ptcore_cfg cfg = ptt_cfg(AMD, 0, ias, oas, 0, 0);
			bool ok = ias >= 21 && ias <= 63 && oas >= 32 && oas <= 52;
			struct ptcore_table *t = NULL;
			struct ptcore_hw_info hi;
			struct hw_walk w;
			const char *why;
			int ret;

			ret = ptcore_table_create(&cfg, &t);
			if (!ok) {
				KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "ias %u oas %u", ias, oas);
				if (!ret)
					ptcore_table_destroy(t);
				refused++;
				continue;
			}
			KUNIT_ASSERT_EQ_MSG(test, ret, 0, "ias %u oas %u", ias, oas);
			KUNIT_ASSERT_EQ(test, ptcore_hw_info(t, &hi), 0);
			KUNIT_EXPECT_EQ(test, hi.format, AMD);
			KUNIT_EXPECT_EQ_MSG(test, hi.levels, levels, "ias %u", ias);
			KUNIT_EXPECT_EQ_MSG(test, hi.mode, levels, "ias %u: DTE mode", ias);
			KUNIT_EXPECT_EQ_MSG(test, hi.pgsize_bitmap, amd_expected_sizes(ias),
					    "ias %u", ias);
			KUNIT_EXPECT_EQ(test, hi.granule_lg2, 12);
			KUNIT_EXPECT_EQ(test, hi.n_roots, 1);
			KUNIT_EXPECT_EQ(test, hi.root[0] & 0xfff, 0);
			KUNIT_EXPECT_EQ(test, hi.root[1] | hi.root[2] | hi.root[3], 0);
			KUNIT_EXPECT_EQ(test, hi.start_level | hi.arm_tsz | hi.arm_ps, 0);
			ret = hw_walk_init(&w, &hi, 0, NULL, NULL, &why);
			KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s", why);
			if (!ret)
				KUNIT_EXPECT_EQ_MSG(test, hw_walk_check_cfg(&w, &cfg, &why), 0,
						    "%s", why);
			ptcore_table_destroy(t);
			accepted++;
		}
	}
	kunit_info(test, "%u configurations accepted, %u refused", accepted, refused);
	KUNIT_EXPECT_EQ(test, accepted, 43 * 4);
}

static void amd_bad_config(struct kunit *test)
{
	static const struct {
		u32 features;
		unsigned int granule, ias, oas;
		u64 bitmap;
		int err;
	} bad[] = {
		{ PTCORE_FEAT_DMA_INCOHERENT, 0, 48, 52, 0, -EOPNOTSUPP }, /* the IOMMU snoops */
		{ PTCORE_FEAT_ARM_NS, 0, 48, 52, 0, -EOPNOTSUPP },
		{ PTCORE_FEAT_ARM_S2FWB, 0, 48, 52, 0, -EOPNOTSUPP },
		{ PTCORE_FEAT_ARM_BBML2, 0, 48, 52, 0, -EOPNOTSUPP },
		{ 0, 14, 48, 52, 0, -EINVAL },			/* 4K tables only */
		{ 0, 16, 48, 52, 0, -EINVAL },
		{ 0, 0, 48, 52, AMD_512G, -EINVAL },		/* 512G is no AMD v1 size */
		{ 0, 0, 32, 52, 1ULL << 33, -EINVAL },		/* beyond ias */
		{ 0, 0, 64, 52, 0, -EINVAL },
		{ 0x100, 0, 48, 52, 0, -EINVAL },		/* unknown feature */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ptcore_cfg cfg = ptt_cfg(AMD, bad[i].granule, bad[i].ias, bad[i].oas,
						bad[i].features, bad[i].bitmap);
		struct ptcore_table *t = NULL;
		int ret = ptcore_table_create(&cfg, &t);

		KUNIT_EXPECT_EQ_MSG(test, ret, bad[i].err, "bad AMD v1 config %u", i);
		if (!ret)
			ptcore_table_destroy(t);
	}
	/* a caller's bitmap is intersected; dirty tracking and free-empty are accepted */
	{
		struct ptcore_cfg cfg = ptt_cfg(AMD, 12, 48, 52, PTCORE_FEAT_DIRTY_TRACKING |
						PTCORE_FEAT_FREE_EMPTY_TABLES,
						SZ_4K | SZ_16K | AMD_512G | SZ_2M);
		struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, 0);

		KUNIT_EXPECT_EQ(test, ctx->hi.pgsize_bitmap, (u64)(SZ_4K | SZ_16K | SZ_2M));
		ptt_ctx_destroy(ctx);
	}
}

/* Exact entries, computed by hand from FORMATS.md (Linux 6.12's encoding). */
static void amd_leaf_encoding(struct kunit *test)
{
	static const struct {
		u64 size, pa;
		u32 prot;
		unsigned int depth;	/* levels above the page table */
		u64 pte;
		unsigned int slots;
	} v[] = {
		{ SZ_4K, 0x123456000ULL, RW, 0, 0x7000000123456001ULL, 1 },
		{ SZ_8K, 0x2000ULL, PTCORE_PROT_WRITE, 0, 0x5000000000002e01ULL, 2 },
		{ SZ_16K, 0x4000000ULL, RW, 0, 0x7000000004001e01ULL, 4 },
		{ SZ_1M, 0xfff00000ULL, PTCORE_PROT_READ, 0, 0x30000000fff7fe01ULL, 256 },
		{ SZ_2M, 0x400000ULL, PTCORE_PROT_READ, 1, 0x3000000000400001ULL, 1 },
		{ SZ_4M, 0xc00000ULL, RW, 1, 0x7000000000dffe01ULL, 2 },
		{ SZ_1G, 0x40000000ULL, RW, 2, 0x7000000040000001ULL, 1 },
		{ SZ_4G, 1ULL << 32, RW | PTCORE_PROT_CACHE, 2, 0x700000017ffffe01ULL, 4 },
	};
	struct ptcore_cfg cfg = ptt_cfg(AMD, 0, 48, 52, 0, 0);
	struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, 0);
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		u64 iova = v[i].size * 8, phys, unmapped, entry = v[i].size / v[i].slots;
		unsigned int level = ctx->hi.levels - 1 - v[i].depth;

		KUNIT_ASSERT_EQ(test, ptt_map(ctx, iova, v[i].pa, v[i].size, 1, v[i].prot, NULL),
				0);
		for (k = 0; k < v[i].slots; k++)
			KUNIT_EXPECT_EQ_MSG(test, ptt_raw_entry(ctx, iova + k * entry, level),
					    v[i].pte, "size %llx slot %u", ptt_ull(v[i].size), k);
		/* the slot after the page is empty */
		KUNIT_EXPECT_EQ(test, ptt_raw_entry(ctx, iova + v[i].size, level), 0);
		KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, iova + v[i].size - 8, &phys), 0);
		KUNIT_EXPECT_EQ(test, phys, v[i].pa + v[i].size - 8);
		ptt_verify_all(ctx);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, iova, v[i].size, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, v[i].size);
	}
	/* table entries: NextLevel = their level, PR | IR | IW, no FC */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, 0, 0, SZ_4K, 1, PTCORE_PROT_READ, NULL), 0);
	for (k = 0; k + 1 < ctx->hi.levels; k++) {
		u64 pde = ptt_raw_entry(ctx, 0, k);

		KUNIT_EXPECT_EQ_MSG(test, pde & ~GENMASK_ULL(51, 12),
				    BIT_ULL(0) | BIT_ULL(61) | BIT_ULL(62) |
					    ((u64)(ctx->hi.levels - 1 - k) << 9),
				    "level %u", k);
	}
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Linux's self-test sequence for every page size: map, overlap, translate, unmap, remap. */
static void amd_selftest(struct kunit *test)
{
	const struct amd_cfg *c = test->param_value;
	u64 top = 1ULL << c->ias, sizes;
	unsigned int lg2, n = 0;

	{
		struct ptt_ctx *ctx = amd_ctx(test);

		sizes = ctx->hi.pgsize_bitmap;
		ptt_ctx_destroy(ctx);
	}
	for (lg2 = 12; lg2 < 64; lg2++) {
		u64 s = 1ULL << lg2, iova, phys, unmapped;
		struct ptt_ctx *ctx;

		if (!(sizes & s) || s > top / 4 || lg2 > 36)
			continue;
		ctx = amd_ctx(test);
		for (iova = 0; iova + s <= top && iova < 4 * max_t(u64, s, SZ_1G);
		     iova += max_t(u64, s, SZ_1G)) {
			KUNIT_ASSERT_EQ(test, ptt_map(ctx, iova, iova, s, 1, RW, NULL), 0);
			KUNIT_EXPECT_EQ(test, ptt_map(ctx, iova, iova + s, s, 1, RW, NULL),
					-EADDRINUSE);
			KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, iova + 42, &phys), 0);
			KUNIT_EXPECT_EQ(test, phys, iova + 42);
		}
		for (iova = 0; iova + s <= top && iova < 4 * max_t(u64, s, SZ_1G);
		     iova += max_t(u64, s, SZ_1G)) {
			KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, iova, s, &unmapped), 0);
			KUNIT_EXPECT_EQ(test, unmapped, s);
			KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, iova + 42, &phys),
					-ENOENT);
			KUNIT_ASSERT_EQ(test, ptt_map(ctx, iova, iova, s, 1, PTCORE_PROT_WRITE,
						      NULL), 0);
			ptt_check_translation(ctx, iova + 42);
		}
		/* the last page of the space */
		if (!ptt_oracle_overlaps(ctx, top - s, s))
			KUNIT_EXPECT_EQ(test, ptt_map(ctx, top - s, 0, s, 1, RW, NULL), 0);
		ptt_verify_all(ctx);
		ptt_ctx_destroy(ctx);
		n++;
	}
	kunit_info(test, "%u page sizes", n);
	KUNIT_EXPECT_GT(test, n, 0);
}

/* The seed's unmap semantics on sized pages, plain large pages and tables. */
static void amd_unmap_semantics(struct kunit *test)
{
	const struct amd_cfg *c = test->param_value;
	struct ptt_ctx *ctx = amd_ctx(test);
	u64 unmapped, phys, base = 0, n_free0;
	struct ptcore_gather ga;
	bool big = c->ias >= 30;

	/* 4K at the start of a 16K sized page: the whole 16K goes, counted and gathered whole */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, 0x10000, SZ_16K, 1, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + SZ_16K, 0x40000, SZ_4K, 1, RW, NULL), 0);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base, SZ_4K, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, (u64)SZ_16K);
	KUNIT_EXPECT_EQ(test, ga.start, base);
	KUNIT_EXPECT_EQ(test, ga.end, base + SZ_16K - 1);
	KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)SZ_16K);
	ptt_sync(ctx, &ga);
	ptt_check_translation(ctx, base + SZ_16K);	/* the next mapping is untouched */

	/* starting inside a sized page: -EINVAL, nothing removed */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + SZ_64K, 0x80000, SZ_64K, 1, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + SZ_64K + SZ_8K, SZ_4K, &unmapped),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 0);
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, base + 2 * SZ_64K - 1, &phys), 0);
	KUNIT_EXPECT_EQ(test, phys, 0x80000 + SZ_64K - 1);
	/* collected whole, with its base address */
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap_collect(ctx, base + SZ_64K, SZ_4K, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, (u64)SZ_64K);
	ptt_sync(ctx, &ga);

	/* a hole stops the walk with the prefix removed */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + SZ_1M, 0, SZ_8K, 2, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + SZ_1M + 5 * SZ_4K, 0, SZ_4K, 1, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + SZ_1M, 6 * SZ_4K, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 4 * SZ_4K);

	if (big) {
		/* a plain 2M leaf: 4K of it removes all of it */
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_4M, SZ_2M, SZ_2M, 1, RW, NULL), 0);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, SZ_4M, SZ_4K, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, (u64)SZ_2M);
		/* a full page table wholly covered: unlinked, freed after the flush */
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_8M, 0, SZ_16K, 128, RW, NULL), 0);
		n_free0 = ctx->n_free;
		ptcore_gather_init(&ga);
		KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, SZ_8M, SZ_2M, &ga, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, (u64)SZ_2M);
		KUNIT_EXPECT_EQ(test, ga.flags, PTCORE_GATHER_TABLES);
		KUNIT_EXPECT_EQ(test, ga.nr_tables, 1);
		KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)SZ_16K);
		KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0);
		ptt_sync(ctx, &ga);
		KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0 + 1);
		/* a mix of plain and sized entries in a covered table: both sizes gathered */
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_16M, 0, SZ_4K, 4, RW, NULL), 0);
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_16M + SZ_16K, 0, SZ_16K, 127, RW, NULL), 0);
		ptcore_gather_init(&ga);
		KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, SZ_16M, SZ_2M, &ga, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)(SZ_4K | SZ_16K));
		ptt_sync(ctx, &ga);
		/* a map over an empty table replaces it with a 4M sized page */
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_32M, 0, SZ_4K, 1, RW, NULL), 0);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, SZ_32M, SZ_4K, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, ptt_map(ctx, SZ_32M, SZ_4M, SZ_4M, 1, RW, NULL), 0);
		ptt_check_translation(ctx, SZ_32M + SZ_2M + 5);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, SZ_32M + SZ_2M, SZ_4K, &unmapped),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, SZ_32M, SZ_4K, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, (u64)SZ_4M);
	}
	/*
	 * cut inside a sized page: each side keeps the largest sizes it can
	 * (map_range's split, which ptt_cut() teaches the oracle and checks),
	 * then unmaps at the cut succeed
	 */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + SZ_512K, 0x100000, SZ_64K, 1, RW, NULL), 0);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, base + SZ_512K + SZ_8K, &ga), 0);
	KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)SZ_64K);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ptt_raw_entry(ctx, base + SZ_512K + SZ_32K, ctx->hi.levels - 1),
			0x700000000010be01ULL);	/* 32K at +32K: 0x108000 | 0x3000 */
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + SZ_512K + SZ_8K, SZ_64K - SZ_8K,
					     &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, (u64)(SZ_64K - SZ_8K));
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + SZ_512K, SZ_8K, &unmapped), 0);
	if (big) {
		/* a 4M sized page cut 4K past its middle: a table for that 2M entry */
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_64M, SZ_64M, SZ_4M, 1, RW, NULL), 0);
		ptcore_gather_init(&ga);
		KUNIT_EXPECT_EQ(test, ptt_cut(ctx, SZ_64M + SZ_2M + SZ_4K, &ga), 0);
		ptt_sync(ctx, &ga);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, SZ_64M + SZ_2M + SZ_4K, SZ_4K, &unmapped),
				0);
		/* a plain 2M leaf cut at 1M + 12K */
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_128M, 0, SZ_2M, 1, RW, NULL), 0);
		ptcore_gather_init(&ga);
		KUNIT_EXPECT_EQ(test, ptt_cut(ctx, SZ_128M + SZ_1M + 3 * SZ_4K, &ga), 0);
		ptt_sync(ctx, &ga);
	}
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Linux's read_and_clear_dirty: a sized page is dirty when any of its entries is (OR). */
static void amd_dirty(struct kunit *test)
{
	struct ptcore_cfg cfg = ptt_cfg(AMD, 0, 48, 52, PTCORE_FEAT_DIRTY_TRACKING, 0);
	struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, 0);
	struct ptt_ranges d = { .n = 0 };
	struct ptcore_gather ga;
	struct hw_leaf leaf;
	u64 *ptep;
	unsigned int k;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_1M, 0x200000, SZ_16K, 1, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_1M + SZ_16K, 0x300000, SZ_4K, 1, RW, NULL), 0);
	/* written clean, as Linux writes them */
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, 0, SZ_2M, 0, &ga, ptt_ranges_add,
							  &d), 0);
	KUNIT_EXPECT_EQ(test, d.n, 0);
	KUNIT_EXPECT_TRUE(test, ptt_gather_empty(&ga));
	/* the device writes through the third entry of the 16K page only */
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, SZ_1M + SZ_8K, &leaf), HW_OK);
	ptep = ptcore_phys_to_virt(ctx->t, leaf.table_pa);
	ptep[leaf.index] = hw_walk_written_pte(&ctx->w, &leaf);
	KUNIT_EXPECT_TRUE(test, ptep[leaf.index] & AMD_HD);
	/* report only */
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, SZ_1M + SZ_8K, SZ_4K,
							  PTCORE_DIRTY_NO_CLEAR, NULL,
							  ptt_ranges_add, &d), 0);
	KUNIT_ASSERT_EQ(test, d.n, 1);
	KUNIT_EXPECT_EQ(test, d.r[0].iova, (u64)SZ_1M);
	KUNIT_EXPECT_EQ(test, d.r[0].paddr, 0x200000ULL);
	KUNIT_EXPECT_EQ(test, d.r[0].size, (u64)SZ_16K);
	KUNIT_EXPECT_TRUE(test, ptep[leaf.index] & AMD_HD);
	/* and clear: every replica clean, the page's span gathered */
	d.n = 0;
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, 0, SZ_2M, 0, &ga, ptt_ranges_add,
							  &d), 0);
	KUNIT_ASSERT_EQ(test, d.n, 1);
	KUNIT_EXPECT_EQ(test, d.r[0].size, (u64)SZ_16K);
	for (k = 0; k < 4; k++)
		KUNIT_EXPECT_FALSE(test, ptep[leaf.index - 2 + k] & AMD_HD);
	KUNIT_EXPECT_EQ(test, ga.start, (u64)SZ_1M);
	KUNIT_EXPECT_EQ(test, ga.end, (u64)SZ_1M + SZ_16K - 1);
	ptt_sync(ctx, &ga);
	d.n = 0;
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, 0, SZ_2M, PTCORE_DIRTY_NO_CLEAR,
							  NULL, ptt_ranges_add, &d), 0);
	KUNIT_EXPECT_EQ(test, d.n, 0);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

static void amd_random(struct kunit *test)
{
	const struct amd_cfg *c = test->param_value;
	struct ptt_ctx *ctx = amd_ctx(test);
	u64 top = 1ULL << c->ias, window = min_t(u64, top, SZ_64M), sizes;
	unsigned int i, maps = 0, unmaps = 0, refused = 0, nsizes = 0, lg2;
	unsigned int pick[24];
	struct ptcore_gather ga;
	struct ptt_rng rng;

	sizes = ctx->hi.pgsize_bitmap & (window / 4 * 2 - 1);
	for (lg2 = 12; lg2 < 64 && nsizes < ARRAY_SIZE(pick); lg2++)
		if (sizes & BIT_ULL(lg2))
			pick[nsizes++] = lg2;
	ptt_rng_seed(&rng, 0xa3d1ULL * c->ias + c->features);
	ptcore_gather_init(&ga);
	for (i = 0; i < 600; i++) {
		if (ptt_rand_below(&rng, 100) < 55 || !ctx->o.n) {
			u64 s = BIT_ULL(pick[ptt_rand_below(&rng, nsizes)]);
			u64 count = 1 + ptt_rand_below(&rng, 4);
			u64 iova = ptt_rand_below(&rng, window / s) * s;
			u64 pa = ptt_rand_below(&rng, (1ULL << c->oas) / s) * s;
			u32 prot = 1 + ptt_rand_below(&rng, 63);

			if (ptt_rand_below(&rng, 4) == 0)
				iova += top - window;
			if (iova + count * s > top)
				count = 1;
			if (!(prot & RW))
				prot |= PTCORE_PROT_READ;
			if (ptt_map(ctx, iova, pa, s, count, prot, NULL))
				refused++;
			maps++;
		} else {
			const struct orc_leaf *m = &ctx->o.v[ptt_rand_below(&rng, ctx->o.n)];
			u64 len = SZ_4K * (1 + ptt_rand_below(&rng, 64));
			u64 at = m->iova + ptt_rand_below(&rng, m->size / SZ_4K) * SZ_4K;

			if (m->iova + len > top)
				len = top - m->iova;
			if (ptt_rand_below(&rng, 5) == 0)
				ptt_cut(ctx, at, &ga);
			else if (ptt_rand_below(&rng, 3) == 0)
				ptt_unmap_collect(ctx, m->iova, len, &ga, NULL);
			else
				ptt_unmap(ctx, m->iova + (ptt_rand_below(&rng, 8) == 0 ? SZ_4K : 0),
					  len, &ga, NULL);
			unmaps++;
			if (ptt_rand_below(&rng, 3) == 0)
				ptt_sync(ctx, &ga);
		}
		if (i % 100 == 99)
			ptt_verify_all(ctx);
		if (ctx->violations)
			break;
	}
	ptt_sync(ctx, &ga);
	ptt_verify_all(ctx);
	kunit_info(test, "%u maps (%u refused), %u unmaps, %u sizes", maps, refused, unmaps,
		   nsizes);
	KUNIT_EXPECT_EQ(test, ctx->violations, 0);
	ptt_ctx_destroy(ctx);
}

static void amd_bad_arguments(struct kunit *test)
{
	struct ptt_ctx *ctx = amd_ctx(test);

	/* 512G is the one size AMD v1 lacks; 12K is no size at all */
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, SZ_4K + SZ_8K, 1, RW, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, SZ_4K, 1, PTCORE_PROT_CACHE, NULL), -EINVAL);
	ptt_case_bad_arguments(ctx, AMD_512G, SZ_16K);
	ptt_ctx_destroy(ctx);
}

/* The walk model refuses what ptcore must never write (so agreeing with it means something). */
static void amd_model_refuses(struct kunit *test)
{
	struct ptcore_cfg cfg = ptt_cfg(AMD, 0, 48, 52, 0, 0);
	struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, 0);
	struct hw_leaf leaf;
	u64 *ptep, *pde, save, save_pde;
	unsigned int idx;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_1M, 0x4000000, SZ_16K, 1, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, SZ_1M + SZ_4K, &leaf), HW_OK);
	KUNIT_EXPECT_EQ(test, leaf.run_size, (u64)SZ_16K);
	KUNIT_EXPECT_EQ(test, leaf.oa, 0x4001000ULL);
	ptep = ptcore_phys_to_virt(ctx->t, leaf.table_pa);
	idx = leaf.index;	/* the page's second slot */
	save = ptep[idx];
	/* a replica that disagrees: each entry its own address, as ARM's hint would */
	ptep[idx] = save + SZ_4K;
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&ctx->w, SZ_1M, &leaf), HW_FAULT_CONTIG);
	/* a size that belongs one level up (2M in the 4K table) */
	ptep[idx - 1] = (save & ~GENMASK_ULL(51, 12)) | 0xff000ULL;
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&ctx->w, SZ_1M, &leaf), HW_FAULT_MALFORMED);
	ptep[idx - 1] = save;
	ptep[idx] = save;
	/* a replica the IOMMU marked dirty is still the same page */
	ptep[idx] = save | AMD_HD;
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&ctx->w, SZ_1M, &leaf), HW_OK);
	KUNIT_EXPECT_FALSE(test, leaf.dirty);
	ptep[idx] = save;
	/* a table entry that skips a level; one without IW takes the write away */
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, SZ_1M, &leaf), HW_OK);
	pde = ptcore_phys_to_virt(ctx->t, leaf.walk_table[1]);
	pde += (leaf.walk_entry[1] - leaf.walk_table[1]) / 8;
	save_pde = *pde;
	*pde = (save_pde & ~GENMASK_ULL(11, 9)) | (1ULL << 9);
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&ctx->w, SZ_1M, &leaf), HW_FAULT_MALFORMED);
	*pde = save_pde & ~BIT_ULL(62);
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&ctx->w, SZ_1M, &leaf), HW_OK);
	KUNIT_EXPECT_FALSE(test, leaf.write);
	KUNIT_EXPECT_TRUE(test, leaf.read);
	*pde = save_pde;
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

static struct kunit_case amd_cases[] = {
	KUNIT_CASE(amd_geometry),
	KUNIT_CASE(amd_bad_config),
	KUNIT_CASE(amd_leaf_encoding),
	KUNIT_CASE(amd_dirty),
	KUNIT_CASE(amd_model_refuses),
	KUNIT_CASE_PARAM(amd_selftest, amd_cfg_gen_params),
	KUNIT_CASE_PARAM(amd_unmap_semantics, amd_cfg_gen_params),
	KUNIT_CASE_PARAM(amd_random, amd_cfg_gen_params),
	KUNIT_CASE_PARAM(amd_bad_arguments, amd_cfg_gen_params),
	{}
};

static struct kunit_suite amd_suite = {
	.name = "ptcore_amdv1",
	.init = ptt_case_init,
	.exit = ptt_case_exit,
	.test_cases = amd_cases,
};

kunit_test_suites(&amd_suite);

MODULE_DESCRIPTION("KUnit tests for ptcore's AMD IOMMU v1 format");
MODULE_LICENSE("Dual MIT/GPL");
