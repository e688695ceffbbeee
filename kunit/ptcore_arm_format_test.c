// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptcore_arm_format: ARM LPAE (VMSAv8-64 stage 1 and 2) geometry,
 * registers, entry encodings and the configurations create refuses.
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

/* Geometry and registers for every ias x oas Linux accepts at this granule. */
static void registers_follow_ias_oas_granule(struct kunit *test)
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

			arm_mini_init(&m, &cfg);
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
static void s2_root_concatenates_small_level0(struct kunit *test)
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

static void incoherent_walk_registers_non_cacheable(struct kunit *test)
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
static void create_refuses_bad_config(struct kunit *test)
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
		{ 100, 0, 12, 48, 48, 0, 0, -EINVAL }, /* unknown format */
		{ PTCORE_FMT_ARM_V7S + 1, 0, 12, 48, 48, 0, 0, -EINVAL }, /* past the last format */
		{ PTCORE_FMT_ARM_V7S, 0, 12, 48, 48, 0, 0, -EINVAL }, /* v7s: ias above 32 */
		{ PTCORE_FMT_ARM_V7S, 0, 12, 32, 32, 0, SZ_1M, -EINVAL }, /* v7s: no 4K */
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
		arm_mini_init(&m, &cfg);
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

		arm_mini_init(&m, &cfg);
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
static void pgsize_bitmap_only_asked_sizes(struct kunit *test)
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
static void leaf_entry_roundtrips_every_size_prot(struct kunit *test)
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
static void table_entries_exact_on_walk(struct kunit *test)
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

static struct kunit_case arm_format_cases[] = {
	KUNIT_CASE_PARAM(registers_follow_ias_oas_granule, arm_variant_gen_params),
	KUNIT_CASE(s2_root_concatenates_small_level0),
	KUNIT_CASE(incoherent_walk_registers_non_cacheable),
	KUNIT_CASE(create_refuses_bad_config),
	KUNIT_CASE_PARAM(pgsize_bitmap_only_asked_sizes, arm_variant_gen_params),
	KUNIT_CASE_PARAM(leaf_entry_roundtrips_every_size_prot, leaf_case_gen_params),
	KUNIT_CASE_PARAM(table_entries_exact_on_walk, leaf_case_gen_params),
	{}
};

static struct kunit_suite arm_format_suite = {
	.name = "ptcore_arm_format",
	.init = ptt_case_init,
	.exit = ptt_case_exit,
	.test_cases = arm_format_cases,
};

kunit_test_suites(&arm_format_suite);

MODULE_DESCRIPTION("KUnit tests for ptcore's ARM LPAE formats: geometry, registers and entry encodings");
MODULE_LICENSE("Dual MIT/GPL");
