// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suites for ptcore's ARM LPAE formats (VMSAv8-64 stage 1 and 2).
 *
 * Every expected value comes from design/ABI.md and design/FORMATS.md (the
 * architecture and Linux io-pgtable-arm's register and entry values), never
 * from ptcore. Every map and unmap goes through ptt_map()/ptt_unmap(), which
 * cross-check the whole tree against the interval oracle and the hardware
 * walk model after the call (see ptt_util.h); every case checks for
 * leaks in its exit hook.
 *
 * Suites:
 *  ptcore_arm_format    geometry, registers, entry encodings, bad configs
 *  ptcore_arm_selftest  Linux's io-pgtable self-test sequence, every granule x ias <= oas
 *  ptcore_arm_iommu     the generic page table's IOMMU tests
 *  ptcore_arm_unmap     each unmap/gather/flush semantic of ABI.md as its own case
 *  ptcore_arm_features  contiguous hint, NS, S2FWB, DMA-incoherent walk, ops, faults
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ptt_util.h"

#define S1 PTCORE_FMT_ARM64_LPAE_S1
#define S2 PTCORE_FMT_ARM64_LPAE_S2
#define RW (PTCORE_PROT_READ | PTCORE_PROT_WRITE)
#define ptt_ull(x) ((unsigned long long)(x))

static const unsigned char arm_oas_list[] = { 32, 36, 40, 42, 44, 48, 52 };
static const unsigned char selftest_bits[] = { 32, 36, 40, 42, 44, 48 };

/* ---- FORMATS.md formulas ---- */

struct arm_geom {
	unsigned int bpl, levels, start_level, pgd_bits;
};

/* io-pgtable-arm's geometry, with 6.1's stage-2 concatenation */
static struct arm_geom arm_expected_geom(u32 fmt, unsigned int pg_shift, unsigned int ias)
{
	struct arm_geom g;
	unsigned int va_bits = ias - pg_shift;

	g.bpl = pg_shift - 3;
	g.levels = DIV_ROUND_UP(va_bits, g.bpl);
	g.start_level = 4 - g.levels;
	g.pgd_bits = va_bits - g.bpl * (g.levels - 1);
	if (fmt == S2 && g.start_level == 0 && (1U << g.pgd_bits) <= 16) {
		g.pgd_bits += g.bpl;
		g.start_level++;
		g.levels--;
	}
	return g;
}

static unsigned int level_shift(unsigned int pg_shift, unsigned int level)
{
	return pg_shift + (3 - level) * (pg_shift - 3);
}

/* Leaf sizes of the granule (Linux's list), and the contiguous-hint sizes. */
static u64 arm_base_sizes(unsigned int pg_shift, unsigned int oas)
{
	switch (pg_shift) {
	case 12:
		return SZ_4K | SZ_2M | SZ_1G;
	case 14:
		return SZ_16K | SZ_32M;
	case 16:
		return SZ_64K | SZ_512M | (oas > 48 ? (1ULL << 42) : 0);
	}
	return 0;
}

static u64 arm_contig_sizes(unsigned int pg_shift)
{
	switch (pg_shift) {
	case 12:
		return SZ_64K | SZ_32M;
	case 14:
		return SZ_2M | SZ_1G;
	case 16:
		return SZ_2M | SZ_16G;
	}
	return 0;
}

/* sizes whose entries live at a level the walk has */
static u64 arm_sizes_fitting(u64 sizes, unsigned int pg_shift, unsigned int start_level)
{
	u64 out = 0, b;

	for (b = sizes; b; b &= b - 1) {
		u64 sz = b & -b;
		unsigned int lg2 = __builtin_ctzll(sz), lvl;

		/* a contiguous size lives at the level of the base size below it */
		lvl = 3 - (lg2 - pg_shift) / (pg_shift - 3);
		if (lvl >= start_level)
			out |= sz;
	}
	return out;
}

static unsigned int arm_ps(unsigned int oas)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(arm_oas_list); i++)
		if (arm_oas_list[i] == oas)
			return i;
	return 99;
}

/* ---- counting ops for create-only checks (no ptt_ctx) ---- */

struct mini_ops {
	struct ptcore_ops ops;
	unsigned int allocs, frees, fail_at;
	u64 first_size, first_pa;
};

static void *mini_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	struct mini_ops *m = cookie;
	void *va;

	if (m->fail_at && m->allocs + 1 == m->fail_at) {
		m->allocs++;
		return NULL;
	}
	va = ptcore_builtin_alloc_table(NULL, size, phys, gfp);
	if (va && !m->allocs) {
		m->first_size = size;
		m->first_pa = *phys;
	}
	m->allocs++;
	return va;
}

static void mini_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	struct mini_ops *m = cookie;

	m->frees++;
	ptcore_builtin_free_table(NULL, va, phys, size);
}

static void mini_init(struct mini_ops *m, struct ptcore_cfg *cfg)
{
	memset(m, 0, sizeof(*m));
	m->ops.alloc_table = mini_alloc;
	m->ops.free_table = mini_free;
	cfg->ops = &m->ops;
	cfg->cookie = m;
}

/* ---- suite: format ---- */

struct arm_variant {
	u32 fmt;
	unsigned int pg_shift;
};

static const struct arm_variant arm_variants[] = {
	{ S1, 12 }, { S1, 14 }, { S1, 16 }, { S2, 12 }, { S2, 14 }, { S2, 16 },
};

static void arm_variant_desc(const struct arm_variant *v, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %uK", v->fmt == S1 ? "s1" : "s2",
		 1U << (v->pg_shift - 10));
}

KUNIT_ARRAY_PARAM(arm_variant, arm_variants, arm_variant_desc);

/* Geometry and registers for every ias x oas Linux accepts at this granule. */
static void arm_geometry(struct kunit *test)
{
	const struct arm_variant *v = test->param_value;
	unsigned int max_ias = v->pg_shift == 16 ? 52 : 48, ias, oi, configs = 0;

	for (ias = 32; ias <= max_ias; ias++) {
		for (oi = 0; oi < ARRAY_SIZE(arm_oas_list); oi++) {
			unsigned int oas = arm_oas_list[oi];
			struct ptcore_cfg cfg = ptt_cfg(v->fmt, v->pg_shift, ias, oas, 0, 0);
			struct arm_geom g = arm_expected_geom(v->fmt, v->pg_shift, ias);
			struct ptcore_table *t = NULL;
			struct ptcore_hw_info hi;
			struct hw_walk w;
			struct mini_ops m;
			const char *why = NULL;
			u64 root_bytes, bitmap;
			int ret;

			mini_init(&m, &cfg);
			ret = ptcore_table_create(&cfg, &t);
			if (oas == 52 && v->pg_shift != 16) {
				KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL,
						    "52-bit PA needs 64K (ias %u)", ias);
				KUNIT_EXPECT_EQ(test, m.allocs, 0);
				continue;
			}
			KUNIT_ASSERT_EQ_MSG(test, ret, 0, "ias %u oas %u", ias, oas);
			configs++;
			KUNIT_ASSERT_EQ(test, ptcore_hw_info(t, &hi), 0);
			KUNIT_EXPECT_EQ(test, hi.format, v->fmt);
			KUNIT_EXPECT_EQ_MSG(test, hi.levels, g.levels, "ias %u oas %u", ias, oas);
			KUNIT_EXPECT_EQ_MSG(test, hi.start_level, g.start_level, "ias %u oas %u",
					    ias, oas);
			KUNIT_EXPECT_EQ(test, hi.ias, ias);
			KUNIT_EXPECT_EQ(test, hi.oas, oas);
			KUNIT_EXPECT_EQ(test, hi.granule_lg2, v->pg_shift);
			KUNIT_EXPECT_EQ(test, hi.n_roots, 1);
			KUNIT_EXPECT_EQ(test, hi.root[1] | hi.root[2] | hi.root[3], 0);
			KUNIT_EXPECT_EQ(test, hi.arm_tsz, 64 - ias);
			KUNIT_EXPECT_EQ(test, hi.arm_tg,
					v->pg_shift == 12 ? 0 :
					v->pg_shift == 16 ? 1 :
							    2);
			KUNIT_EXPECT_EQ(test, hi.arm_ps, arm_ps(oas));
			KUNIT_EXPECT_EQ(test, hi.arm_sh, 3);
			KUNIT_EXPECT_EQ(test, hi.arm_irgn, 1);
			KUNIT_EXPECT_EQ(test, hi.arm_orgn, 1);
			KUNIT_EXPECT_EQ(test, hi.arm_reserved, 0);
			KUNIT_EXPECT_EQ(test, hi.mode, 0);
			KUNIT_EXPECT_EQ(test, hi.reserved, 0);
			if (v->fmt == S1) {
				KUNIT_EXPECT_EQ(test, hi.arm_mair, 0xf404ff44ULL);
				KUNIT_EXPECT_EQ(test, hi.arm_sl, 0);
			} else {
				unsigned int sl = g.start_level + (v->pg_shift == 12 ? 1 : 0);

				KUNIT_EXPECT_EQ(test, hi.arm_mair, 0);
				KUNIT_EXPECT_EQ_MSG(test, hi.arm_sl, ~sl & 3, "ias %u", ias);
			}
			bitmap = arm_sizes_fitting(arm_base_sizes(v->pg_shift, oas), v->pg_shift,
						   g.start_level);
			KUNIT_EXPECT_EQ_MSG(test, hi.pgsize_bitmap, bitmap, "ias %u oas %u", ias,
					    oas);
			/* the root: one block, at least 64 bytes, aligned to its size */
			root_bytes = 8ULL << g.pgd_bits;
			KUNIT_EXPECT_EQ(test, m.allocs, 1);
			KUNIT_EXPECT_EQ(test, m.first_pa, hi.root[0]);
			KUNIT_EXPECT_GE_MSG(test, m.first_size, max_t(u64, 64, root_bytes),
					    "root of %llu entries", ptt_ull(1ULL << g.pgd_bits));
			KUNIT_EXPECT_LE(test, m.first_size,
					max_t(u64, 1ULL << v->pg_shift, root_bytes));
			KUNIT_EXPECT_EQ(test, hi.root[0] & (m.first_size - 1), 0);
			/* the hardware derives the same walk from the registers */
			ret = hw_walk_init(&w, &hi, 0, NULL, NULL, &why);
			KUNIT_EXPECT_EQ_MSG(test, ret, 0, "ias %u oas %u: %s", ias, oas, why);
			if (!ret) {
				KUNIT_EXPECT_EQ(test, w.start_level, g.start_level);
				KUNIT_EXPECT_EQ(test, w.root_bits, g.pgd_bits);
				KUNIT_EXPECT_EQ(test, w.ias, ias);
				KUNIT_EXPECT_EQ(test, w.oas, oas);
			}
			ptcore_table_destroy(t);
			KUNIT_EXPECT_EQ(test, m.frees, 1);
		}
	}
	kunit_info(test, "%u configurations", configs);
	KUNIT_EXPECT_GT(test, configs, 0);
}

/* Stage-2 concatenation, as Linux 6.1 does it, spelled out. */
static void arm_s2_concatenation(struct kunit *test)
{
	static const struct {
		unsigned int pg_shift, ias, start_level, root_entries;
	} want
		[] = {
			{ 12, 40, 1, 1024 }, /* 2 L0 entries -> 2 concatenated L1 tables */
			{ 12, 42, 1, 4096 }, /* 8 -> 8 tables */
			{ 12, 44, 0, 32 }, /* 32 L0 entries: no concatenation */
			{ 12, 48, 0, 512 },  { 12, 39, 1, 512 },
			{ 14, 48, 1, 4096 }, /* 2 L0 entries -> 2 16K tables at L1 */
			{ 14, 47, 1, 2048 }, { 14, 36, 2, 2048 },
			{ 16, 48, 1, 64 },   { 16, 42, 2, 8192 },
		};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		struct ptcore_cfg cfg = ptt_cfg(S2, want[i].pg_shift, want[i].ias, 48, 0, 0);
		struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, 0);

		KUNIT_EXPECT_EQ_MSG(test, ctx->hi.start_level, want[i].start_level,
				    "granule %u ias %u", want[i].pg_shift, want[i].ias);
		KUNIT_EXPECT_EQ(test, ctx->hi.levels, 4 - want[i].start_level);
		KUNIT_EXPECT_EQ(test, 1ULL << ctx->w.root_bits, want[i].root_entries);
		KUNIT_EXPECT_GE(test, ctx->first_alloc_size, want[i].root_entries * 8ULL);
		/* the last IOVA lands in the last root entry */
		KUNIT_EXPECT_EQ(test,
				ptt_map(ctx, (1ULL << want[i].ias) - (1ULL << want[i].pg_shift),
					SZ_1G, 1ULL << want[i].pg_shift, 1, RW, NULL),
				0);
		ptt_verify_all(ctx);
		KUNIT_EXPECT_EQ(test,
				ptt_unmap_sync(ctx,
					       (1ULL << want[i].ias) - (1ULL << want[i].pg_shift),
					       1ULL << want[i].pg_shift, NULL),
				0);
		ptt_ctx_destroy(ctx);
	}
}

static void arm_hw_info_incoherent(struct kunit *test)
{
	unsigned int f;

	for (f = 0; f < 2; f++) {
		struct ptcore_cfg cfg =
			ptt_cfg(f ? S2 : S1, 12, 48, 48, PTCORE_FEAT_DMA_INCOHERENT, 0);
		struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, 0);

		KUNIT_EXPECT_EQ(test, ctx->hi.arm_sh, 2);
		KUNIT_EXPECT_EQ(test, ctx->hi.arm_irgn, 0);
		KUNIT_EXPECT_EQ(test, ctx->hi.arm_orgn, 0);
		KUNIT_EXPECT_EQ(test, ctx->hi.arm_tsz, 16);
		KUNIT_EXPECT_EQ(test, ctx->hi.arm_ps, 5);
		ptt_ctx_destroy(ctx);
	}
}

/* ias/oas/granule/format/feature/reserved checks of table_create */
static void arm_bad_config(struct kunit *test)
{
	static const struct {
		u32 fmt, features;
		unsigned int granule, ias, oas, reserved;
		u64 bitmap;
		int err;
	} bad[] = {
		{ S1, 0, 12, 49, 48, 0, 0, -EINVAL }, /* ias > 48 at 4K */
		{ S1, 0, 14, 49, 48, 0, 0, -EINVAL },
		{ S1, 0, 16, 53, 52, 0, 0, -EINVAL },
		{ S1, 0, 12, 48, 52, 0, 0, -EINVAL }, /* 52-bit PA needs 64K */
		{ S1, 0, 12, 48, 46, 0, 0, -EINVAL }, /* oas not in the list */
		{ S1, 0, 12, 48, 31, 0, 0, -EINVAL },
		{ S1, 0, 13, 48, 48, 0, 0, -EINVAL }, /* no such granule */
		{ S1, 0, 15, 48, 48, 0, 0, -EINVAL },
		{ S1, 0, 12, 48, 48, 1, 0, -EINVAL }, /* reserved byte */
		{ S1, 0x8, 12, 48, 48, 0, 0, -EINVAL }, /* unknown feature bit */
		{ S1, 0x40000000, 12, 48, 48, 0, 0, -EINVAL },
		{ S1, 0, 12, 48, 48, 0, SZ_16K | SZ_512M, -EINVAL }, /* no size of this granule */
		{ S1, 0, 16, 48, 48, 0, SZ_4K, -EINVAL },
		{ 0, 0, 12, 48, 48, 0, 0, -EINVAL }, /* unknown format */
		{ 99, 0, 12, 48, 48, 0, 0, -EINVAL },
		{ PTCORE_FMT_AMDV1, 0, 12, 48, 48, 0, 0, -EINVAL }, /* reserved format */
		{ PTCORE_FMT_RISCV64, 0, 12, 48, 48, 0, 0, -EINVAL },
		{ S2, PTCORE_FEAT_ARM_NS, 12, 48, 48, 0, 0, -EOPNOTSUPP }, /* no NS at stage 2 */
		{ S1, PTCORE_FEAT_ARM_S2FWB, 12, 48, 48, 0, 0, -EOPNOTSUPP },
	};
	struct ptcore_table *sentinel = (struct ptcore_table *)&bad;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ptcore_cfg cfg = ptt_cfg(bad[i].fmt, bad[i].granule, bad[i].ias, bad[i].oas,
						bad[i].features, bad[i].bitmap);
		struct ptcore_table *t = sentinel;
		struct mini_ops m;
		int ret;

		cfg.reserved[4] = bad[i].reserved;
		mini_init(&m, &cfg);
		ret = ptcore_table_create(&cfg, &t);
		KUNIT_EXPECT_EQ_MSG(test, ret, bad[i].err, "bad config %u", i);
		KUNIT_EXPECT_PTR_EQ_MSG(test, t, sentinel, "bad config %u wrote *out", i);
		KUNIT_EXPECT_EQ_MSG(test, m.allocs, m.frees, "bad config %u leaked", i);
		if (!ret)
			ptcore_table_destroy(t);
	}

	/* only one of alloc_table / free_table */
	{
		struct ptcore_cfg cfg = ptt_cfg(S1, 12, 48, 48, 0, 0);
		struct ptcore_ops ops = { .alloc_table = ptcore_builtin_alloc_table };
		struct ptcore_table *t = sentinel;

		cfg.ops = &ops;
		KUNIT_EXPECT_EQ(test, ptcore_table_create(&cfg, &t), -EINVAL);
		ops.alloc_table = NULL;
		ops.free_table = ptcore_builtin_free_table;
		KUNIT_EXPECT_EQ(test, ptcore_table_create(&cfg, &t), -EINVAL);
		KUNIT_EXPECT_PTR_EQ(test, t, sentinel);
	}

	/* out of memory at creation: -ENOMEM, nothing leaks */
	{
		struct ptcore_cfg cfg = ptt_cfg(S1, 12, 48, 48, 0, 0);
		struct ptcore_table *t = sentinel;
		struct mini_ops m;

		mini_init(&m, &cfg);
		m.fail_at = 1;
		KUNIT_EXPECT_EQ(test, ptcore_table_create(&cfg, &t), -ENOMEM);
		KUNIT_EXPECT_PTR_EQ(test, t, sentinel);
		KUNIT_EXPECT_EQ(test, m.frees, 0);
	}

	/* format default granule: 4K */
	{
		struct ptcore_cfg cfg = ptt_cfg(S1, 0, 48, 48, 0, 0);
		struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, 0);

		KUNIT_EXPECT_EQ(test, ctx->hi.granule_lg2, 12);
		KUNIT_EXPECT_EQ(test, ctx->hi.pgsize_bitmap, (u64)(SZ_4K | SZ_2M | SZ_1G));
	}
	ptcore_table_destroy(NULL);
}

/* pgsize_bitmap: asked sizes only, contiguous sizes only when asked */
static void arm_pgsize_bitmap(struct kunit *test)
{
	const struct arm_variant *v = test->param_value;
	u64 base = arm_base_sizes(v->pg_shift, 48), contig = arm_contig_sizes(v->pg_shift);
	u64 smallest = 1ULL << v->pg_shift;
	struct ptcore_cfg cfg;
	struct ptt_ctx *ctx;

	cfg = ptt_cfg(v->fmt, v->pg_shift, 48, 48, 0, 0);
	ctx = ptt_ctx_create(test, &cfg, 0);
	KUNIT_EXPECT_EQ(test, ctx->hi.pgsize_bitmap, base);
	ptt_ctx_destroy(ctx);

	cfg = ptt_cfg(v->fmt, v->pg_shift, 48, 48, 0, smallest);
	ctx = ptt_ctx_create(test, &cfg, 0);
	KUNIT_EXPECT_EQ(test, ctx->hi.pgsize_bitmap, smallest);
	/* a size outside the bitmap is refused */
	KUNIT_EXPECT_EQ(test,
			ptt_map(ctx, 0, 0, base & ~smallest & -(base & ~smallest), 1, RW, NULL),
			-EINVAL);
	ptt_ctx_destroy(ctx);

	cfg = ptt_cfg(v->fmt, v->pg_shift, 48, 48, 0, ~0ULL);
	ctx = ptt_ctx_create(test, &cfg, 0);
	KUNIT_EXPECT_EQ(test, ctx->hi.pgsize_bitmap, base | contig);
	ptt_ctx_destroy(ctx);
}

struct leaf_case {
	u32 fmt;
	unsigned int pg_shift;
	u32 features;
};

static const struct leaf_case leaf_cases[] = {
	{ S1, 12, 0 },
	{ S1, 14, 0 },
	{ S1, 16, 0 },
	{ S2, 12, 0 },
	{ S2, 14, 0 },
	{ S2, 16, 0 },
	{ S1, 12, PTCORE_FEAT_ARM_NS },
	{ S1, 16, PTCORE_FEAT_ARM_NS },
	{ S2, 12, PTCORE_FEAT_ARM_S2FWB },
	{ S2, 14, PTCORE_FEAT_ARM_S2FWB },
	{ S1, 12, PTCORE_FEAT_DMA_INCOHERENT },
	{ S2, 16, PTCORE_FEAT_DMA_INCOHERENT },
};

static void leaf_case_desc(const struct leaf_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %uK%s%s%s", c->fmt == S1 ? "s1" : "s2",
		 1U << (c->pg_shift - 10), (c->features & PTCORE_FEAT_ARM_NS) ? " ns" : "",
		 (c->features & PTCORE_FEAT_ARM_S2FWB) ? " s2fwb" : "",
		 (c->features & PTCORE_FEAT_DMA_INCOHERENT) ? " incoherent" : "");
}

KUNIT_ARRAY_PARAM(leaf_case, leaf_cases, leaf_case_desc);

/* What the walker must decode for @prot (the semantics of the bits). */
static void check_decoded(struct kunit *test, const struct ptt_ctx *ctx, const struct hw_leaf *l,
			  u32 prot, bool contig)
{
	bool s1 = ctx->hi.format == S1;
	enum hw_memtype mt = (prot & PTCORE_PROT_MMIO)	? HW_MT_DEVICE :
			     (prot & PTCORE_PROT_CACHE) ? HW_MT_NORMAL_WB :
							  HW_MT_NORMAL_NC;

	if (s1) {
		KUNIT_EXPECT_TRUE(test, l->read);
		KUNIT_EXPECT_EQ_MSG(test, l->write,
				    !((prot & PTCORE_PROT_READ) && !(prot & PTCORE_PROT_WRITE)),
				    "prot %x", prot);
		KUNIT_EXPECT_EQ_MSG(test, l->priv_only, !!(prot & PTCORE_PROT_PRIV), "prot %x",
				    prot);
		KUNIT_EXPECT_TRUE(test, l->ng);
		KUNIT_EXPECT_EQ(test, l->ns, !!(ctx->cfg.features & PTCORE_FEAT_ARM_NS));
		KUNIT_EXPECT_EQ(test, l->table_attrs & ~BIT_ULL(63), 0);
	} else {
		KUNIT_EXPECT_EQ_MSG(test, l->read, !!(prot & PTCORE_PROT_READ), "prot %x", prot);
		KUNIT_EXPECT_EQ_MSG(test, l->write, !!(prot & PTCORE_PROT_WRITE), "prot %x", prot);
	}
	KUNIT_EXPECT_EQ_MSG(test, l->exec, !(prot & PTCORE_PROT_NOEXEC), "prot %x", prot);
	KUNIT_EXPECT_EQ_MSG(test, l->memtype, mt, "prot %x", prot);
	KUNIT_EXPECT_EQ_MSG(test, l->sh, (prot & PTCORE_PROT_CACHE) ? 3 : 2, "prot %x", prot);
	KUNIT_EXPECT_EQ(test, l->contig, contig);
}

/*
 * Entry encode/decode round trip: every leaf size (contiguous sizes too) x
 * every prot with READ or WRITE, at an output address with high bits set.
 */
static void arm_leaf_roundtrip(struct kunit *test)
{
	const struct leaf_case *c = test->param_value;
	unsigned int oas = c->pg_shift == 16 && c->fmt == S1 ? 52 : 48;
	struct ptcore_cfg cfg = ptt_cfg(c->fmt, c->pg_shift, 48, oas, c->features, ~0ULL);
	struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, 0);
	u64 b, n = 0;

	for (b = ctx->hi.pgsize_bitmap; b; b &= b - 1) {
		u64 sz = b & -b, iova = sz * 3, pa;
		bool contig = arm_contig_sizes(c->pg_shift) & sz;
		u32 prot;

		if (sz >= (1ULL << 42))
			iova = sz;
		/* high output bits, aligned to the size */
		pa = ((1ULL << oas) - 1) & ~(sz - 1) & ~(1ULL << (oas - 2));
		for (prot = 0; prot < 64; prot++) {
			struct hw_leaf l;
			enum hw_fault f;
			u64 phys = 0;

			if (!(prot & RW))
				continue;
			KUNIT_ASSERT_EQ(test, ptt_map(ctx, iova, pa, sz, 1, prot, NULL), 0);
			f = hw_walk_iova(&ctx->w, iova + sz - 8, &l);
			KUNIT_ASSERT_EQ_MSG(test, f, HW_OK, "%s", hw_fault_name(f));
			KUNIT_EXPECT_EQ(test, l.oa, pa + sz - 8);
			KUNIT_EXPECT_EQ(test, l.pte,
					ptt_expected_leaf(ctx, prot, pa + sz - l.size, l.level,
							  contig));
			check_decoded(test, ctx, &l, prot, contig);
			KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, iova + sz - 8, &phys), 0);
			KUNIT_EXPECT_EQ(test, phys, pa + sz - 8);
			KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, iova, sz, NULL), 0);
			n++;
		}
	}
	kunit_info(test, "%llu leaf encodings checked", ptt_ull(n));
	KUNIT_EXPECT_GT(test, n, 0);
	ptt_ctx_destroy(ctx);
}

/* Table entries: a walk to the smallest page reads levels-1 table entries. */
static void arm_table_entries(struct kunit *test)
{
	const struct leaf_case *c = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(c->fmt, c->pg_shift, 48, 48, c->features, 0);
	struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, 0);
	u64 pg = 1ULL << c->pg_shift, iova = (1ULL << 47) + 5 * pg;
	struct hw_leaf l;
	unsigned int level;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, iova, SZ_2G, pg, 1, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, iova, &l), HW_OK);
	KUNIT_EXPECT_EQ(test, l.level, 3);
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx), ctx->hi.levels);
	for (level = ctx->hi.start_level; level < 3; level++) {
		u64 e = ptt_raw_entry(ctx, iova, level);

		KUNIT_EXPECT_EQ_MSG(test, e & 3, 3, "level %u entry %llx", level, ptt_ull(e));
		if (c->features & PTCORE_FEAT_ARM_NS)
			KUNIT_EXPECT_TRUE(test, e & BIT_ULL(63));
		else /* bit 55: Linux's SW_SYNC mark for DMA-incoherent walkers */
			KUNIT_EXPECT_EQ(test,
					e & GENMASK_ULL(63, 52) &
						~((c->features & PTCORE_FEAT_DMA_INCOHERENT) ?
							  BIT_ULL(55) :
							  0),
					0);
	}
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* ---- suite: Linux's io-pgtable self-test, adapted to ptcore's unmap ---- */

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

/* ---- suite: the generic page table's IOMMU tests ---- */

struct iommu_cfg {
	u32 fmt;
	unsigned char pg_shift, ias, oas;
	u32 features;
};

static const struct iommu_cfg iommu_cfgs[] = {
	{ S1, 12, 48, 48, 0 }, { S1, 12, 32, 40, 0 }, { S1, 14, 48, 48, 0 },
	{ S1, 16, 48, 48, 0 }, { S1, 16, 52, 52, 0 }, { S2, 12, 40, 48, 0 }, /* concatenated root */
	{ S2, 14, 48, 48, 0 }, /* concatenated root */
	{ S2, 16, 42, 44, 0 },
};

static void iommu_cfg_desc(const struct iommu_cfg *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %uK ias %u oas %u", c->fmt == S1 ? "s1" : "s2",
		 1U << (c->pg_shift - 10), c->ias, c->oas);
}

KUNIT_ARRAY_PARAM(iommu_cfg, iommu_cfgs, iommu_cfg_desc);

static struct ptt_ctx *iommu_ctx(struct kunit *test, u64 bitmap)
{
	const struct iommu_cfg *c = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(c->fmt, c->pg_shift, c->ias, c->oas, c->features, bitmap);

	return ptt_ctx_create(test, &cfg, 0);
}

/* Map each size at a few places, check, unmap. */
static void iommu_map_simple(struct kunit *test)
{
	struct ptt_ctx *ctx = iommu_ctx(test, 0);
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
			const struct ptt_omap *m = ptt_oracle_find(ctx, at[i]);
			u64 unmapped;

			if (!m || m->iova != at[i] || m->size != sz)
				continue;
			KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, at[i], sz, &unmapped), 0);
			KUNIT_EXPECT_EQ(test, unmapped, sz);
		}
		KUNIT_EXPECT_EQ(test, ctx->om_n, 0);
	}
	ptt_ctx_destroy(ctx);
}

/* Every output address bit is stored and read back. */
static void iommu_map_table_to_oa(struct kunit *test)
{
	struct ptt_ctx *ctx = iommu_ctx(test, 0);
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
	struct ptt_ctx *ctx = iommu_ctx(test, 0);
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
	struct ptt_ctx *ctx = iommu_ctx(test, ~0ULL);
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

		if (r % 100 < 55 || !ctx->om_n) {
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
			const struct ptt_omap *m = &ctx->om[ptt_rand_below(&rng, ctx->om_n)];
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
	kunit_info(test, "%u maps (%u refused), %u unmaps, %u leaves at the end", maps, fails,
		   unmaps, ctx->om_n);
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
	ctx = iommu_ctx(test, 0);
	KUNIT_ASSERT_EQ(test, ptt_map_range(ctx, iova, pa, len, RW), 0);
	for (off = 0; off < len; off += SZ_4K)
		ptt_check_translation(ctx, iova + off + 0x123);
	ptt_check_translation(ctx, iova - 1);
	ptt_check_translation(ctx, iova + len);
	ptt_verify_all(ctx);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, iova, len, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctx->om_n, 0);
	ptt_ctx_destroy(ctx);
}

/* Ranges that need several page sizes, as iommu_map() splits them. */
static void iommu_mixed(struct kunit *test)
{
	struct ptt_ctx *ctx = iommu_ctx(test, 0);
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
	KUNIT_EXPECT_EQ(test, ctx->om_n, 0);
	ptt_ctx_destroy(ctx);
}

/* ---- suite: unmap semantics (ABI.md), each its own case ---- */

static const struct iommu_cfg unmap_cfgs[] = {
	{ S1, 12, 48, 48, 0 },
	{ S2, 14, 48, 48, 0 },
	{ S1, 16, 48, 48, 0 },
};

KUNIT_ARRAY_PARAM(unmap_cfg, unmap_cfgs, iommu_cfg_desc);

struct geo {
	u64 pg, blk, tspan; /* page, block (level 2 entry), span of a level-3 table */
};

static struct geo geo_of(const struct ptt_ctx *ctx)
{
	struct geo g;

	g.pg = 1ULL << ctx->hi.granule_lg2;
	g.blk = 1ULL << level_shift(ctx->hi.granule_lg2, 2);
	g.tspan = g.blk;
	return g;
}

/* A wholly covered table is unlinked, gathered, and freed only after the flush. */
static void unmap_frees_covered_table_after_flush(struct kunit *test)
{
	struct ptt_ctx *ctx = iommu_ctx(test, 0);
	struct geo g = geo_of(ctx);
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
	struct ptt_ctx *ctx = iommu_ctx(test, 0);
	struct geo g = geo_of(ctx);
	u64 span2 = 1ULL << level_shift(ctx->hi.granule_lg2, 1), base = 2 * span2;
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
	struct ptt_ctx *ctx = iommu_ctx(test, 0);
	struct geo g = geo_of(ctx);
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
	struct ptt_ctx *ctx = iommu_ctx(test, 0);
	struct geo g = geo_of(ctx);
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
	struct ptt_ctx *ctx = iommu_ctx(test, 0);
	struct geo g = geo_of(ctx);
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
	struct ptt_ctx *ctx = iommu_ctx(test, 0);
	struct geo g = geo_of(ctx);
	u64 base = 9 * g.blk, unmapped;
	unsigned int tables;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + g.pg, SZ_1G, g.pg, 3, RW, NULL), 0);
	tables = ptt_count_tables(ctx);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + g.pg, 2 * g.pg, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, 2 * g.pg);
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx), tables);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + 3 * g.pg, g.pg, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx), tables); /* empty, but stays */
	KUNIT_EXPECT_EQ(test, ctx->om_n, 0);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Gathers accumulate over several unmaps; the flush sees exactly the gather. */
static void unmap_gather_accumulates(struct kunit *test)
{
	struct ptt_ctx *ctx = iommu_ctx(test, 0);
	struct geo g = geo_of(ctx);
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
	struct ptt_ctx *ctx = iommu_ctx(test, 0);
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
	struct ptt_ctx *ctx = iommu_ctx(test, 0);
	struct geo g = geo_of(ctx);
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
	span1 = 1ULL << level_shift(ctx->hi.granule_lg2, 1);
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
	struct ptt_ctx *ctx = iommu_ctx(test, 0);
	struct geo g = geo_of(ctx);
	u64 base = 1ULL << level_shift(ctx->hi.granule_lg2, 1), unmapped, i, n = 300;
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
	struct geo g = geo_of(ctx);
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
static void bad_arguments(struct kunit *test)
{
	struct ptt_ctx *ctx = iommu_ctx(test, 0);
	struct geo g = geo_of(ctx);
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

/* ---- suite: features ---- */

/* Contiguous-hint sizes: bit 52 on the whole run; unmap removes a run whole. */
static void contig_hint(struct kunit *test)
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
		small = run >= SZ_1G ? (1ULL << level_shift(v->pg_shift, 2)) : 1ULL << v->pg_shift;
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
static void incoherent_walk(struct kunit *test)
{
	const struct arm_variant *v = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(v->fmt, v->pg_shift, 48, 48, PTCORE_FEAT_DMA_INCOHERENT, 0);
	struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, 0);
	u64 pg = 1ULL << v->pg_shift, blk = 1ULL << level_shift(v->pg_shift, 2), syncs;

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
static void map_enomem_every_step(struct kunit *test)
{
	const struct arm_variant *v = test->param_value;
	u64 pg = 1ULL << v->pg_shift, blk = 1ULL << level_shift(v->pg_shift, 2);
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
static void builtin_ops(struct kunit *test)
{
	const struct arm_variant *v = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(v->fmt, v->pg_shift, 48, 48, 0, 0);
	u64 pg = 1ULL << v->pg_shift, blk = 1ULL << level_shift(v->pg_shift, 2);
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

static struct kunit_case arm_format_cases[] = {
	KUNIT_CASE_PARAM(arm_geometry, arm_variant_gen_params),
	KUNIT_CASE(arm_s2_concatenation),
	KUNIT_CASE(arm_hw_info_incoherent),
	KUNIT_CASE(arm_bad_config),
	KUNIT_CASE_PARAM(arm_pgsize_bitmap, arm_variant_gen_params),
	KUNIT_CASE_PARAM(arm_leaf_roundtrip, leaf_case_gen_params),
	KUNIT_CASE_PARAM(arm_table_entries, leaf_case_gen_params),
	{}
};

static struct kunit_suite arm_format_suite = {
	.name = "ptcore_arm_format",
	.init = ptt_case_init,
	.exit = ptt_case_exit,
	.test_cases = arm_format_cases,
};

static struct kunit_case arm_selftest_cases[] = { KUNIT_CASE_PARAM(arm_io_pgtable_selftest,
								   selftest_gen_params),
						  {} };

static struct kunit_suite arm_selftest_suite = {
	.name = "ptcore_arm_selftest",
	.init = ptt_case_init,
	.exit = ptt_case_exit,
	.test_cases = arm_selftest_cases,
};

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
	KUNIT_CASE_PARAM(bad_arguments, unmap_cfg_gen_params),
	{}
};

static struct kunit_suite arm_unmap_suite = {
	.name = "ptcore_arm_unmap",
	.init = ptt_case_init,
	.exit = ptt_case_exit,
	.test_cases = arm_unmap_cases,
};

static struct kunit_case arm_feature_cases[] = {
	KUNIT_CASE_PARAM(contig_hint, arm_variant_gen_params),
	KUNIT_CASE_PARAM(incoherent_walk, arm_variant_gen_params),
	KUNIT_CASE_PARAM(map_enomem_every_step, arm_variant_gen_params),
	KUNIT_CASE_PARAM(builtin_ops, arm_variant_gen_params),
	{}
};

static struct kunit_suite arm_feature_suite = {
	.name = "ptcore_arm_features",
	.init = ptt_case_init,
	.exit = ptt_case_exit,
	.test_cases = arm_feature_cases,
};

kunit_test_suites(&arm_format_suite, &arm_selftest_suite, &arm_iommu_suite, &arm_unmap_suite,
		  &arm_feature_suite);

MODULE_DESCRIPTION("KUnit tests for ptcore's ARM LPAE formats");
MODULE_LICENSE("Dual MIT/GPL");
