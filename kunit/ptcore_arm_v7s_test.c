// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite for ptcore's ARM short-descriptor format (io-pgtable-arm-v7s),
 * in the style of the AMD v1 and RISC-V suites: expected values computed by
 * hand from Linux 6.12's encoding (nG, S, AP[0] always; TEX[0] unless MMIO;
 * AP[1] unless PRIV; AP[2] without WRITE; XN; B, B|C; NS), geometry and
 * registers as Linux's arm_v7s_cfg holds them, every map and unmap
 * cross-checked against the oracle and the short-descriptor walk model
 * (hw_walk_v7s.c), and a leak check in every case. Unmap follows ptcore's
 * rules, not Linux v7s's splitting: a leaf goes whole or not at all.
 */
#include <kunit/test.h>
#include <linux/bitops.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "ptt_util.h"

#define V7S PTCORE_FMT_ARM_V7S
#define RW (PTCORE_PROT_READ | PTCORE_PROT_WRITE)
#define V7S_SIZES ((u64)(SZ_4K | SZ_64K | SZ_1M | SZ_16M))
#define V7S_MAIR 0x40004000800b8204ULL /* NMRR << 32 | PRRR, Linux's values */
#define ptt_ull(x) ((unsigned long long)(x))

struct v7s_cfg {
	unsigned char ias, oas;
	u32 features;
	u64 sizes;
};

static const struct v7s_cfg v7s_cfgs[] = {
	{ 32, 32, 0, 0 },
	{ 32, 32, PTCORE_FEAT_ARM_NS, 0 },
	{ 32, 32, PTCORE_FEAT_DMA_INCOHERENT, 0 },
	{ 32, 32, PTCORE_FEAT_FREE_EMPTY_TABLES, 0 },
	{ 30, 32, 0, SZ_4K | SZ_1M },	/* a smaller space; no large pages, no supersections */
	{ 32, 31, 0, SZ_4K | SZ_64K | SZ_1M },	/* no supersections */
};

static void v7s_cfg_desc(const struct v7s_cfg *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "v7s ias %u oas %u features %x sizes %llx", c->ias,
		 c->oas, c->features, ptt_ull(c->sizes));
}

KUNIT_ARRAY_PARAM(v7s_cfg, v7s_cfgs, v7s_cfg_desc);

static struct ptt_ctx *v7s_ctx(struct kunit *test)
{
	const struct v7s_cfg *c = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(V7S, 0, c->ias, c->oas, c->features, c->sizes);

	return ptt_ctx_create(test, &cfg, 0);
}

/* Every ias x oas: accepted 1..32 x 1..32, with Linux's registers in hw_info. */
static void v7s_geometry(struct kunit *test)
{
	static const unsigned char oas_list[] = { 0, 1, 20, 31, 32, 33, 40 };
	unsigned int ias, oi, accepted = 0;

	for (oi = 0; oi < ARRAY_SIZE(oas_list); oi++) {
		for (ias = 0; ias <= 34; ias++) {
			struct ptcore_cfg cfg = ptt_cfg(V7S, 0, ias, oas_list[oi], 0, 0);
			bool ok = ias >= 1 && ias <= 32 && oas_list[oi] >= 1 && oas_list[oi] <= 32;
			struct ptcore_hw_info hi;
			struct ptcore_table *t = ptt_create_checked(test, &cfg, ok, &hi);

			if (!t)
				continue;
			accepted++;
			KUNIT_EXPECT_EQ(test, hi.levels, 2);
			KUNIT_EXPECT_EQ(test, hi.granule_lg2, 12);
			KUNIT_EXPECT_EQ(test, hi.start_level, 0);
			KUNIT_EXPECT_EQ(test, hi.n_roots, 1);
			KUNIT_EXPECT_EQ(test, hi.pgsize_bitmap, V7S_SIZES);
			/* TTBCR.N = 0: a 16K-aligned first level below 4 GiB */
			KUNIT_EXPECT_EQ(test, hi.root[0] & (SZ_16K - 1), 0);
			KUNIT_EXPECT_EQ(test, hi.root[0] >> 32, 0);
			KUNIT_EXPECT_EQ(test, hi.root[1] | hi.root[2] | hi.root[3], 0);
			/* TTBR: S | NOS, IRGN and RGN write-back write-allocate */
			KUNIT_EXPECT_EQ(test, hi.arm_sh, 3);
			KUNIT_EXPECT_EQ(test, hi.arm_irgn, 1);
			KUNIT_EXPECT_EQ(test, hi.arm_orgn, 1);
			KUNIT_EXPECT_EQ(test, hi.arm_mair, V7S_MAIR);
			KUNIT_EXPECT_EQ(test, hi.arm_tsz | hi.arm_tg | hi.arm_ps | hi.arm_sl, 0);
			KUNIT_EXPECT_EQ(test, hi.mode | hi.reserved | hi.arm_reserved, 0);
			ptcore_table_destroy(t);
		}
	}
	kunit_info(test, "%u configurations accepted", accepted);
	KUNIT_EXPECT_EQ(test, accepted, 32 * 4);
}

static void v7s_bad_config(struct kunit *test)
{
	static const struct {
		u32 features;
		unsigned int granule;
		u64 bitmap;
		int err;
	} bad[] = {
		{ PTCORE_FEAT_DIRTY_TRACKING, 0, 0, -EOPNOTSUPP }, /* no hardware dirty state */
		{ PTCORE_FEAT_ARM_S2FWB, 0, 0, -EOPNOTSUPP },	/* stage 2 */
		{ PTCORE_FEAT_ARM_LPA2, 0, 0, -EOPNOTSUPP },
		{ PTCORE_FEAT_ARM_BBML2, 0, 0, -EOPNOTSUPP },
		{ 0, 14, 0, -EINVAL },				/* 4K pages only */
		{ 0, 16, 0, -EINVAL },
		{ 0, 0, SZ_1M | SZ_16M, -EINVAL },		/* no 4K */
		{ 0, 0, SZ_2M, -EINVAL },			/* no v7s size at all */
		{ 0x100, 0, 0, -EINVAL },			/* unknown feature */
	};
	static const u64 kept[][2] = {
		{ SZ_4K | SZ_2M | SZ_16M, SZ_4K | SZ_16M },	/* sizes v7s lacks are dropped */
		{ SZ_4K, SZ_4K },
		{ ~0ULL, V7S_SIZES },
	};
	struct ptcore_cfg cfg;
	struct ptt_ctx *ctx;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ptcore_table *t = NULL;
		int ret;

		cfg = ptt_cfg(V7S, bad[i].granule, 32, 32, bad[i].features, bad[i].bitmap);
		ret = ptcore_table_create(&cfg, &t);
		KUNIT_EXPECT_EQ_MSG(test, ret, bad[i].err, "bad v7s config %u", i);
		if (!ret)
			ptcore_table_destroy(t);
	}
	for (i = 0; i < ARRAY_SIZE(kept); i++) {
		cfg = ptt_cfg(V7S, 12, 32, 32, 0, kept[i][0]);
		ctx = ptt_ctx_create(test, &cfg, 0);
		KUNIT_EXPECT_EQ(test, ctx->hi.pgsize_bitmap, kept[i][1]);
		ptt_ctx_destroy(ctx);
	}
	/* an incoherent walk: TTBR S only, IRGN and RGN non-cacheable */
	cfg = ptt_cfg(V7S, 0, 32, 32, PTCORE_FEAT_DMA_INCOHERENT | PTCORE_FEAT_ARM_NS, 0);
	ctx = ptt_ctx_create(test, &cfg, 0);
	KUNIT_EXPECT_EQ(test, ctx->hi.arm_sh, 1);
	KUNIT_EXPECT_EQ(test, ctx->hi.arm_irgn | ctx->hi.arm_orgn, 0);
	KUNIT_EXPECT_EQ(test, ctx->hi.arm_mair, V7S_MAIR);
	ptt_ctx_destroy(ctx);
}

/* Exact entries, worked out by hand from Linux 6.12's arm_v7s_prot_to_pte(). */
static void v7s_leaf_encoding(struct kunit *test)
{
	static const struct {
		u64 size, pa;
		u32 prot;
		u32 features;
		u32 pte;
	} v[] = {
		/* attr nG|S|AF|TEX0|AP1 = 0xc7 at bit 4: 0xc70, small page 2 */
		{ SZ_4K, 0x80001000, RW, 0, 0x80001c72 },
		/* + AP2 (read only), XN: 0xe73 */
		{ SZ_4K, 0x3000, PTCORE_PROT_READ | PTCORE_PROT_NOEXEC, 0, 0x00003e73 },
		/* PRIV: AP1 clear; CACHE: B|C */
		{ SZ_4K, 0xfffff000, RW | PTCORE_PROT_PRIV | PTCORE_PROT_CACHE, 0, 0xfffffc5e },
		/* MMIO: TEX0 clear, B */
		{ SZ_4K, 0x10000, PTCORE_PROT_WRITE | PTCORE_PROT_MMIO, 0, 0x00010c36 },
		/* large page: TEX[0] to bit 12, XN to bit 15, type 01 */
		{ SZ_64K, 0x80010000, PTCORE_PROT_READ | PTCORE_PROT_NOEXEC, 0, 0x80019e31 },
		{ SZ_64K, 0x20000, RW | PTCORE_PROT_CACHE, 0, 0x00021c3d },
		/* section: attributes at bit 10, XN 4 */
		{ SZ_1M, 0x80100000, RW | PTCORE_PROT_CACHE, 0, 0x80131c0e },
		{ SZ_1M, 0x300000, PTCORE_PROT_READ | PTCORE_PROT_NOEXEC, 0, 0x00339c12 },
		{ SZ_1M, 0x400000, RW, PTCORE_FEAT_ARM_NS, 0x004b1c02 },	/* NS: bit 19 */
		/* supersection: bit 18 */
		{ SZ_16M, 0x81000000, RW | PTCORE_PROT_MMIO, 0, 0x81070c06 },
		{ SZ_16M, 0x2000000, RW, PTCORE_FEAT_ARM_NS, 0x020f1c02 },
	};
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		struct ptcore_cfg cfg = ptt_cfg(V7S, 0, 32, 32, v[i].features, 0);
		struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, 0);
		u64 iova = v[i].size * 5, phys, unmapped, entry;
		unsigned int level = v[i].size >= SZ_1M ? 0 : 1, slots;

		entry = level ? SZ_4K : SZ_1M;
		slots = v[i].size / entry;
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, iova, v[i].pa, v[i].size, 1, v[i].prot, NULL),
				0);
		for (k = 0; k < slots; k++)
			KUNIT_EXPECT_EQ_MSG(test, ptt_raw_entry(ctx, iova + k * entry, level),
					    (u64)v[i].pte, "case %u slot %u", i, k);
		KUNIT_EXPECT_EQ(test, ptt_raw_entry(ctx, iova + v[i].size, level), 0);
		if (level) /* the first-level entry of the page table (NS with the feature) */
			KUNIT_EXPECT_EQ(test, ptt_raw_entry(ctx, iova, 0) & 0x3ff,
					(v[i].features & PTCORE_FEAT_ARM_NS) ? 0x9ULL : 0x1ULL);
		KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, iova + v[i].size - 4, &phys), 0);
		KUNIT_EXPECT_EQ(test, phys, v[i].pa + v[i].size - 4);
		ptt_verify_all(ctx);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, iova, v[i].size, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, v[i].size);
		ptt_ctx_destroy(ctx);
	}
}

/* Linux's self-test sequence for every page size: map, overlap, translate, unmap, remap. */
static void v7s_selftest(struct kunit *test)
{
	const struct v7s_cfg *c = test->param_value;
	struct ptt_ctx *ctx = v7s_ctx(test);
	u64 top = 1ULL << c->ias, sizes = ctx->hi.pgsize_bitmap, iova, phys, unmapped;
	unsigned int lg2, n = 0;

	for (lg2 = 12; lg2 <= 24; lg2++) {
		u64 s = 1ULL << lg2;

		if (!(sizes & s))
			continue;
		/* four pages 64M apart, the last one at the top of the space */
		for (iova = 0; iova < 4 * SZ_64M && iova + s <= top; iova += SZ_64M) {
			KUNIT_ASSERT_EQ(test, ptt_map(ctx, iova, iova, s, 1, RW, NULL), 0);
			KUNIT_EXPECT_EQ(test, ptt_map(ctx, iova, iova + s, s, 1, RW, NULL),
					-EADDRINUSE);
			KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, iova + 42, &phys), 0);
			KUNIT_EXPECT_EQ(test, phys, iova + 42);
		}
		for (iova = 0; iova < 4 * SZ_64M && iova + s <= top; iova += SZ_64M) {
			KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, iova, s, &unmapped), 0);
			KUNIT_EXPECT_EQ(test, unmapped, s);
			KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, iova + 42, &phys),
					-ENOENT);
			KUNIT_ASSERT_EQ(test, ptt_map(ctx, iova, iova, s, 1, PTCORE_PROT_WRITE,
						      NULL), 0);
			ptt_check_translation(ctx, iova + 42);
			KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, iova, s, &unmapped), 0);
		}
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, top - s, 0, s, 1, RW, NULL), 0);
		ptt_check_translation(ctx, top - 1);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, top - s, s, &unmapped), 0);
		n++;
	}
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
	kunit_info(test, "%u page sizes", n);
	KUNIT_EXPECT_EQ(test, n, (unsigned int)hweight64(sizes));
}

/* ptcore's unmap on every leaf kind: never split, whole leaves, covered tables freed. */
static void v7s_unmap_semantics(struct kunit *test)
{
	struct ptt_ctx *ctx = v7s_ctx(test);
	u64 unmapped, phys, n_free0, sizes = ctx->hi.pgsize_bitmap;
	struct ptcore_gather ga;

	if (sizes & SZ_64K) {
		/* 4K at the start of a large page: the whole 64K goes, counted and gathered */
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_1M, 0x100000, SZ_64K, 1, RW, NULL), 0);
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_1M + SZ_64K, 0x40000, SZ_4K, 1, RW, NULL),
				0);
		ptcore_gather_init(&ga);
		KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, SZ_1M, SZ_4K, &ga, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, (u64)SZ_64K);
		KUNIT_EXPECT_EQ(test, ga.start, (u64)SZ_1M);
		KUNIT_EXPECT_EQ(test, ga.end, (u64)SZ_1M + SZ_64K - 1);
		KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)SZ_64K);
		ptt_sync(ctx, &ga);
		ptt_check_translation(ctx, SZ_1M + SZ_64K);
		/* starting inside one: -EINVAL, nothing removed */
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_1M + SZ_128K, 0x80000, SZ_64K, 1, RW,
					      NULL), 0);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, SZ_1M + SZ_128K + SZ_8K, SZ_4K,
						     &unmapped), -EINVAL);
		KUNIT_EXPECT_EQ(test, unmapped, 0);
		KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, SZ_1M + SZ_128K + SZ_64K - 1,
							  &phys), 0);
		KUNIT_EXPECT_EQ(test, phys, 0x80000ULL + SZ_64K - 1);
		/* collected whole, with its base address */
		ptcore_gather_init(&ga);
		KUNIT_EXPECT_EQ(test, ptt_unmap_collect(ctx, SZ_1M + SZ_128K, SZ_4K, &ga,
							&unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, (u64)SZ_64K);
		ptt_sync(ctx, &ga);
	}
	/* a section: 4K at its start removes 1M; 4K inside it is refused */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_8M, SZ_2M, SZ_1M, 1, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, SZ_8M + SZ_512K, SZ_4K, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, SZ_8M, SZ_4K, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, (u64)SZ_1M);
	if (sizes & SZ_16M) {
		/* a supersection: the same, and 1M at its start removes all 16M */
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_32M, SZ_16M, SZ_16M, 1, RW, NULL), 0);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, SZ_32M + SZ_1M, SZ_1M, &unmapped),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, SZ_32M + SZ_16M - 1, &phys), 0);
		KUNIT_EXPECT_EQ(test, phys, (u64)SZ_32M - 1);
		ptcore_gather_init(&ga);
		KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, SZ_32M, SZ_1M, &ga, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, (u64)SZ_16M);
		KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)SZ_16M);
		ptt_sync(ctx, &ga);
	}
	/* a hole stops the walk with the prefix removed */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_4M, 0, SZ_4K, 4, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_4M + 5 * SZ_4K, 0, SZ_4K, 1, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, SZ_4M, 6 * SZ_4K, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 4 * SZ_4K);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, SZ_4M + 5 * SZ_4K, SZ_4K, &unmapped), 0);
	/* a full second-level table wholly covered: unlinked, freed after the flush */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_64M, 0, SZ_4K, 256, RW, NULL), 0);
	n_free0 = ctx->n_free;
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, SZ_64M, SZ_1M, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, (u64)SZ_1M);
	KUNIT_EXPECT_EQ(test, ga.flags, PTCORE_GATHER_TABLES);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, 1);
	KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)SZ_4K);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0 + 1);
	/* a map over an emptied table replaces it with a section */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_64M, 0, SZ_4K, 1, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, SZ_64M, SZ_4K, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, SZ_64M, SZ_1M, SZ_1M, 1, RW, NULL), 0);
	ptt_check_translation(ctx, SZ_64M + SZ_512K + 5);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, SZ_64M, SZ_1M, &unmapped), 0);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* ptcore_cut() inside a section and a supersection: each side keeps the largest sizes. */
static void v7s_cut(struct kunit *test)
{
	struct ptt_ctx *ctx = v7s_ctx(test);
	u64 unmapped, sizes = ctx->hi.pgsize_bitmap;
	struct ptcore_gather ga;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_16M, 0x700000, SZ_1M, 1,
				      RW | PTCORE_PROT_NOEXEC | PTCORE_PROT_CACHE, NULL), 0);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, SZ_16M + SZ_256K + SZ_8K, &ga), 0);
	KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)SZ_1M);
	ptt_sync(ctx, &ga);
	/* now a table: pages with the section's attributes in the page layout */
	KUNIT_EXPECT_EQ(test, ptt_raw_entry(ctx, SZ_16M, 0) & 3, 1);
	KUNIT_EXPECT_EQ(test, ptt_raw_entry(ctx, SZ_16M + SZ_256K + SZ_8K, 1),
			ptt_expected_leaf(ctx, RW | PTCORE_PROT_NOEXEC | PTCORE_PROT_CACHE,
					  0x700000 + SZ_256K + SZ_8K, 1, false));
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, SZ_16M + SZ_256K + SZ_8K, SZ_4K, &unmapped),
			0);
	KUNIT_EXPECT_EQ(test, unmapped, (u64)SZ_4K);
	if (sizes & SZ_16M) {
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_64M, SZ_64M, SZ_16M, 1, RW, NULL), 0);
		ptcore_gather_init(&ga);
		KUNIT_EXPECT_EQ(test, ptt_cut(ctx, SZ_64M + 3 * SZ_1M + SZ_4K, &ga), 0);
		KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)SZ_16M);
		ptt_sync(ctx, &ga);
		/* sections on both sides, a table for the one holding the cut */
		KUNIT_EXPECT_EQ(test, ptt_raw_entry(ctx, SZ_64M, 0),
				ptt_expected_leaf(ctx, RW, SZ_64M, 0, false));
		KUNIT_EXPECT_EQ(test, ptt_raw_entry(ctx, SZ_64M + 3 * SZ_1M, 0) & 3, 1);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, SZ_64M + 3 * SZ_1M + SZ_4K, SZ_4K,
						     &unmapped), 0);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, SZ_64M, 3 * SZ_1M, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, (u64)3 * SZ_1M);
	}
	if (sizes & SZ_64K) {
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_32M, 0x90000, SZ_64K, 1,
					      PTCORE_PROT_READ | PTCORE_PROT_MMIO, NULL), 0);
		ptcore_gather_init(&ga);
		KUNIT_EXPECT_EQ(test, ptt_cut(ctx, SZ_32M + SZ_16K, &ga), 0);
		ptt_sync(ctx, &ga);
		KUNIT_EXPECT_EQ(test, ptt_raw_entry(ctx, SZ_32M + SZ_32K, 1),
				ptt_expected_leaf(ctx, PTCORE_PROT_READ | PTCORE_PROT_MMIO,
						  0x90000 + SZ_32K, 1, false));
	}
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Random maps, unmaps, cuts and collects against the oracle, in a 64M window and at the top. */
static void v7s_random(struct kunit *test)
{
	static const unsigned int lg2s[] = { 12, 16, 20, 24 };
	const struct v7s_cfg *c = test->param_value;
	struct ptt_ctx *ctx = v7s_ctx(test);
	u64 top = 1ULL << c->ias, window = SZ_64M;
	unsigned int i, ops[4] = { 0 };
	struct ptcore_gather ga;
	struct ptt_rng rng;

	ptt_rng_seed(&rng, 0x7c5ULL * c->ias + c->oas + c->features);
	ptcore_gather_init(&ga);
	for (i = 0; i < 500 && !ctx->violations; i++) {
		unsigned int op = ptt_rand_below(&rng, 4);
		u64 s = BIT_ULL(lg2s[ptt_rand_below(&rng, ARRAY_SIZE(lg2s))]), iova;

		if (!(ctx->hi.pgsize_bitmap & s))
			s = SZ_4K;
		iova = ptt_rand_below(&rng, window / s) * s + (i & 1 ? top - window : 0);
		if (op < 2 || !ctx->o.n) {
			u64 pa = ptt_rand_below(&rng, (1ULL << c->oas) / s) * s;
			u64 count = 1 + ptt_rand_below(&rng, iova + 4 * s <= top ? 4 : 1);

			ptt_map(ctx, iova, pa, s, count,
				PTCORE_PROT_READ | (u32)ptt_rand_below(&rng, 64), NULL);
			ops[0]++;
			continue;
		}
		iova = ctx->o.v[ptt_rand_below(&rng, ctx->o.n)].iova;
		if (op == 2) {
			ptt_cut(ctx, iova + SZ_4K * ptt_rand_below(&rng, 4), &ga);
			ops[1]++;
		} else if (ptt_rand_below(&rng, 2)) {
			ptt_unmap_collect(ctx, iova, s * (1 + ptt_rand_below(&rng, 3)), &ga, NULL);
			ops[2]++;
		} else {
			ptt_unmap(ctx, iova, min_t(u64, top - iova, s * 2), &ga, NULL);
			ops[3]++;
		}
		if (ptt_rand_below(&rng, 4) == 0)
			ptt_sync(ctx, &ga);
		if (i % 125 == 124)
			ptt_verify_all(ctx);
	}
	ptt_sync(ctx, &ga);
	ptt_verify_all(ctx);
	kunit_info(test, "%u maps, %u cuts, %u collects, %u unmaps", ops[0], ops[1], ops[2],
		   ops[3]);
	KUNIT_EXPECT_EQ(test, ctx->violations, 0);
	ptt_ctx_destroy(ctx);
}

static void v7s_bad_arguments(struct kunit *test)
{
	struct ptt_ctx *ctx = v7s_ctx(test);
	struct ptcore_gather ga;

	ptt_case_bad_arguments(ctx, SZ_2M, SZ_1M);
	/* a size that is two of v7s's, and dirty tracking, which v7s has not */
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, SZ_1M, 0, SZ_4K + SZ_64K, 1, RW, NULL), -EINVAL);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, 0, SZ_4K, 0, &ga, NULL, NULL),
			-EOPNOTSUPP);
	ptt_ctx_destroy(ctx);
}

/* The walk model refuses what ptcore must never write (so agreeing with it means something). */
static void v7s_model_refuses(struct kunit *test)
{
	struct ptcore_cfg cfg = ptt_cfg(V7S, 0, 32, 32, 0, 0);
	struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, 0);
	struct hw_leaf leaf;
	u32 *l1, *l2, save, save1;
	unsigned int idx;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_1M, 0x4000000, SZ_64K, 1, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, SZ_16M, SZ_16M, SZ_16M, 1, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, SZ_1M + SZ_4K, &leaf), HW_OK);
	KUNIT_EXPECT_EQ(test, leaf.run_size, (u64)SZ_64K);
	KUNIT_EXPECT_EQ(test, leaf.oa, 0x4001000ULL);
	KUNIT_EXPECT_TRUE(test, leaf.write && !leaf.priv_only && leaf.ng && leaf.exec);
	KUNIT_EXPECT_EQ(test, leaf.memtype, HW_MT_NORMAL_NC);
	l2 = ptcore_phys_to_virt(ctx->t, leaf.table_pa);
	idx = leaf.index;
	save = l2[idx];
	/* each entry its own address, as LPAE's contiguous hint would have it */
	l2[idx] = save + SZ_4K;
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&ctx->w, SZ_1M, &leaf), HW_FAULT_CONTIG);
	l2[idx] = save & ~BIT(4);	/* the access flag (AP[0]) clear */
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&ctx->w, SZ_1M + SZ_4K, &leaf), HW_FAULT_ACCESS);
	l2[idx] = save;
	l1 = ptcore_phys_to_virt(ctx->t, ctx->hi.root[0]);
	save1 = l1[1];
	l1[1] = save1 | BIT(5);	/* a domain other than 0 */
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&ctx->w, SZ_1M, &leaf), HW_FAULT_MALFORMED);
	l1[1] = save1 | BIT(3);	/* NS without the feature */
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&ctx->w, SZ_1M, &leaf), HW_FAULT_MALFORMED);
	l1[1] = save1;
	/* a supersection: replicas, and address bits above 4 GiB */
	save1 = l1[17];
	l1[17] = save1 | BIT(20);
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&ctx->w, SZ_16M + SZ_1M, &leaf), HW_FAULT_ADDRSIZE);
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&ctx->w, SZ_16M, &leaf), HW_FAULT_CONTIG);
	l1[17] = (save1 & ~BIT(18));	/* one replica a plain section */
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&ctx->w, SZ_16M, &leaf), HW_FAULT_CONTIG);
	l1[17] = save1 | 3;	/* PXN */
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&ctx->w, SZ_16M + SZ_1M, &leaf), HW_FAULT_MALFORMED);
	l1[17] = save1;
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, SZ_16M + SZ_1M + 5, &leaf), HW_OK);
	KUNIT_EXPECT_EQ(test, leaf.oa, (u64)SZ_16M + SZ_1M + 5);
	KUNIT_EXPECT_EQ(test, leaf.run_size, (u64)SZ_16M);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

static struct kunit_case v7s_cases[] = {
	KUNIT_CASE(v7s_geometry),
	KUNIT_CASE(v7s_bad_config),
	KUNIT_CASE(v7s_leaf_encoding),
	KUNIT_CASE(v7s_model_refuses),
	KUNIT_CASE_PARAM(v7s_selftest, v7s_cfg_gen_params),
	KUNIT_CASE_PARAM(v7s_unmap_semantics, v7s_cfg_gen_params),
	KUNIT_CASE_PARAM(v7s_cut, v7s_cfg_gen_params),
	KUNIT_CASE_PARAM(v7s_random, v7s_cfg_gen_params),
	KUNIT_CASE_PARAM(v7s_bad_arguments, v7s_cfg_gen_params),
	{}
};

static struct kunit_suite v7s_suite = {
	.name = "ptcore_arm_v7s",
	.init = ptt_case_init,
	.exit = ptt_case_exit,
	.test_cases = v7s_cases,
};

kunit_test_suites(&v7s_suite);

MODULE_DESCRIPTION("KUnit tests for ptcore's ARM short-descriptor (v7s) format");
MODULE_LICENSE("Dual MIT/GPL");
