// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite for ptcore's RISC-V IOMMU format (first stage, Sv39, Sv48,
 * Sv57), in the style of ptcore_dart_test.c: expected values from the
 * RISC-V privileged and IOMMU specifications (the smallest mode whose lower,
 * not sign-extended half holds ias; iosatp MODE 8/9/10; leaves at every
 * level; R on every leaf, A preset, D preset on writable leaves), every
 * map and unmap cross-checked against the oracle and the RISC-V walk model
 * (hw_walk_riscv.c), and a leak check in every case. Svnapot: 64K leaves of
 * 16 level-0 entries with N and PPN[3:0] = 1000b, offered when
 * pgsize_bitmap asks for 64K.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "ptt_util.h"

#define RV PTCORE_FMT_RISCV64
#define RW (PTCORE_PROT_READ | PTCORE_PROT_WRITE)
#define RV_PTE_V BIT_ULL(0)
#define RV_PTE_R BIT_ULL(1)
#define RV_PTE_W BIT_ULL(2)
#define RV_PTE_X BIT_ULL(3)
#define RV_PTE_A BIT_ULL(6)
#define RV_PTE_D BIT_ULL(7)
#define RV_PTE_N BIT_ULL(63)
#define RV_PTE_PPN GENMASK_ULL(53, 10)
#define RV_NAPOT_64K BIT_ULL(13) /* PPN[3:0] = 1000b */

struct rv_cfg {
	unsigned char ias, oas;
};

static const struct rv_cfg rv_cfgs[] = {
	{ 38, 56 }, /* Sv39, the largest PA */
	{ 32, 40 }, /* Sv39, a small space: the root is still a whole page */
	{ 47, 48 }, /* Sv48 */
	{ 56, 56 }, /* Sv57 */
};

static void rv_cfg_desc(const struct rv_cfg *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "riscv ias %u oas %u", c->ias, c->oas);
}

KUNIT_ARRAY_PARAM(rv_cfg, rv_cfgs, rv_cfg_desc);

static struct ptt_ctx *rv_ctx(struct kunit *test, u32 features)
{
	const struct rv_cfg *c = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(RV, 0, c->ias, c->oas, features, 0);

	return ptt_ctx_create(test, &cfg, 0);
}

/* The spec's levels for ias: Sv39 holds 38 bits, each more level 9 more. */
static unsigned int rv_levels(unsigned int ias)
{
	return ias <= 38 ? 3 : ias <= 47 ? 4 : 5;
}

/* Leaf sizes: 4K and one per level above, those below ias. */
static u64 rv_sizes(unsigned int ias)
{
	u64 sizes = 0;
	unsigned int l;

	for (l = 0; l < rv_levels(ias); l++)
		if (12 + 9 * l < ias)
			sizes |= BIT_ULL(12 + 9 * l);
	return sizes;
}

struct rv_mini {
	struct ptcore_ops ops;
	unsigned int allocs, frees, not_page;
};

static void *rm_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	struct rv_mini *m = cookie;

	m->allocs++;
	if (size != SZ_4K)
		m->not_page++;
	return ptcore_builtin_alloc_table(NULL, size, phys, gfp);
}

static void rm_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	struct rv_mini *m = cookie;

	m->frees++;
	ptcore_builtin_free_table(NULL, va, phys, size);
}

static bool rv_config_ok(unsigned int granule, unsigned int ias, unsigned int oas)
{
	return (granule == 0 || granule == 12) && ias >= 21 && ias <= 56 && oas >= 32 && oas <= 56;
}

/* One config: refused when the rules say so, else the spec's mode, levels and sizes. */
static bool riscv_geometry_one(struct kunit *test, unsigned int g, unsigned int ias,
			       unsigned int oas)
{
	struct ptcore_cfg cfg = ptt_cfg(RV, g, ias, oas, 0, 0);
	struct ptcore_table *t = NULL;
	struct ptcore_hw_info hi;
	struct rv_mini m;
	struct hw_walk w;
	const char *why = NULL;
	int ret;

	memset(&m, 0, sizeof(m));
	m.ops.alloc_table = rm_alloc;
	m.ops.free_table = rm_free;
	cfg.ops = &m.ops;
	cfg.cookie = &m;
	ret = ptcore_table_create(&cfg, &t);
	if (!rv_config_ok(g, ias, oas)) {
		KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "g %u ias %u oas %u", g, ias, oas);
		KUNIT_EXPECT_EQ(test, m.allocs, m.frees);
		if (!ret)
			ptcore_table_destroy(t);
		return false;
	}
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "ias %u oas %u", ias, oas);
	KUNIT_ASSERT_EQ(test, ptcore_hw_info(t, &hi), 0);
	KUNIT_EXPECT_EQ(test, hi.format, RV);
	KUNIT_EXPECT_EQ_MSG(test, hi.levels, rv_levels(ias), "ias %u", ias);
	KUNIT_EXPECT_EQ_MSG(test, hi.mode, 8 + rv_levels(ias) - 3, "ias %u", ias);
	KUNIT_EXPECT_EQ_MSG(test, hi.pgsize_bitmap, rv_sizes(ias), "ias %u", ias);
	KUNIT_EXPECT_EQ(test, hi.granule_lg2, 12);
	KUNIT_EXPECT_EQ(test, hi.ias, ias);
	KUNIT_EXPECT_EQ(test, hi.oas, oas);
	KUNIT_EXPECT_EQ(test, hi.start_level, 0);
	KUNIT_EXPECT_EQ(test, hi.n_roots, 1);
	KUNIT_EXPECT_EQ(test, hi.root[0] & (SZ_4K - 1), 0);
	KUNIT_EXPECT_EQ(test, hi.root[1] | hi.root[2] | hi.root[3], 0);
	KUNIT_EXPECT_EQ(test,
			hi.arm_tsz | hi.arm_tg | hi.arm_sh | hi.arm_orgn | hi.arm_irgn | hi.arm_ps |
				hi.arm_sl | hi.arm_reserved | hi.reserved,
			0);
	KUNIT_EXPECT_EQ(test, hi.arm_mair, 0);
	/* the root, one page, and nothing else */
	KUNIT_EXPECT_EQ(test, m.allocs, 1);
	KUNIT_EXPECT_EQ(test, m.not_page, 0);
	ret = hw_walk_init(&w, &hi, 0, NULL, NULL, &why);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s", why ? why : "");
	if (!ret) {
		KUNIT_EXPECT_EQ(test, hw_walk_check_cfg(&w, &cfg, &why), 0);
		KUNIT_EXPECT_EQ(test, w.levels, rv_levels(ias));
	}
	ptcore_table_destroy(t);
	KUNIT_EXPECT_EQ(test, m.frees, m.allocs);
	return true;
}

/* Every accepted config has the spec's geometry; every other is refused. */
static void riscv_geometry(struct kunit *test)
{
	static const unsigned char granules[] = { 0, 12, 14, 16 };
	static const unsigned char oas_list[] = { 31, 32, 40, 48, 52, 56, 57 };
	unsigned int gi, oi, ias, accepted = 0, refused = 0;

	for (gi = 0; gi < ARRAY_SIZE(granules); gi++)
		for (oi = 0; oi < ARRAY_SIZE(oas_list); oi++)
			for (ias = 18; ias <= 58; ias++) {
				if (riscv_geometry_one(test, granules[gi], ias, oas_list[oi]))
					accepted++;
				else
					refused++;
			}
	kunit_info(test, "%u configurations accepted, %u refused", accepted, refused);
	KUNIT_EXPECT_GT(test, accepted, 0);
}

static void riscv_bad_config(struct kunit *test)
{
	static const struct {
		u32 features;
		unsigned int ias, oas;
		u64 bitmap;
		int err;
	} bad[] = {
		{ PTCORE_FEAT_ARM_NS, 38, 56, 0, -EOPNOTSUPP },
		{ PTCORE_FEAT_ARM_S2FWB, 38, 56, 0, -EOPNOTSUPP },
		{ 0x100, 38, 56, 0, -EINVAL }, /* unknown feature bit */
		{ 0, 38, 56, SZ_32K, -EINVAL }, /* Svnapot defines 64K only */
		{ 0, 38, 56, SZ_8K | SZ_128K, -EINVAL },
		{ 0, 38, 56, SZ_16K | SZ_32M, -EINVAL }, /* no size of the format */
		{ 0, 30, 56, SZ_1G, -EINVAL }, /* a 1G leaf does not fit a 30-bit space */
		{ 0, 38, 56, 1ULL << 39, -EINVAL }, /* Sv39 has no 512G leaf */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ptcore_cfg cfg = ptt_cfg(RV, 12, bad[i].ias, bad[i].oas, bad[i].features,
						bad[i].bitmap);
		struct ptcore_table *t = NULL;
		int ret = ptcore_table_create(&cfg, &t);

		KUNIT_EXPECT_EQ_MSG(test, ret, bad[i].err, "bad RISC-V config %u", i);
		if (!ret)
			ptcore_table_destroy(t);
	}
	/* sizes the format lacks are dropped: 16K and 32M go, 4K, 64K and 2M stay */
	{
		struct ptcore_cfg cfg = ptt_cfg(RV, 0, 47, 48, PTCORE_FEAT_FREE_EMPTY_TABLES,
						SZ_4K | SZ_16K | SZ_64K | SZ_2M | SZ_32M);
		struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, 0);

		KUNIT_EXPECT_EQ(test, ctx->hi.pgsize_bitmap, (u64)(SZ_4K | SZ_64K | SZ_2M));
		ptt_ctx_destroy(ctx);
	}
	/* 64K alone: a table of NAPOT leaves only */
	{
		struct ptcore_cfg cfg = ptt_cfg(RV, 0, 38, 56, 0, SZ_64K);
		struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, 0);

		KUNIT_EXPECT_EQ(test, ctx->hi.pgsize_bitmap, (u64)SZ_64K);
		KUNIT_EXPECT_EQ(test, ptt_map(ctx, SZ_64K, SZ_1G, SZ_64K, 2, RW, NULL), 0);
		KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, SZ_4K, 1, RW, NULL), -EINVAL);
		ptt_verify_all(ctx);
		ptt_ctx_destroy(ctx);
	}
}

/* The walker's rules, from the specification, on crafted entries. */
static void riscv_model_rules(struct kunit *test)
{
	struct ptt_ctx *ctx = rv_ctx(test, 0);
	const struct hw_walk *w = &ctx->w;
	unsigned int top = 0, last = w->last_level, mid = last - 1;
	u64 oa2m = SZ_2M * 5, ppn = hw_walk_addr_bits(w, oa2m);
	u64 leaf = RV_PTE_V | RV_PTE_R | RV_PTE_A;
	enum hw_entry_kind kind;
	u64 addr;

	/* pointer: V only */
	KUNIT_EXPECT_EQ(test, hw_walk_decode(w, ppn | RV_PTE_V, top, &kind, &addr), HW_OK);
	KUNIT_EXPECT_EQ(test, kind, HW_ENTRY_TABLE);
	KUNIT_EXPECT_EQ(test, addr, oa2m);
	/* a pointer at level 0 of the architecture: page fault */
	KUNIT_EXPECT_EQ(test, hw_walk_decode(w, ppn | RV_PTE_V, last, &kind, &addr),
			HW_FAULT_MALFORMED);
	/* A, D or U in a pointer: reserved */
	KUNIT_EXPECT_EQ(test, hw_walk_decode(w, ppn | RV_PTE_V | RV_PTE_A, top, &kind, &addr),
			HW_FAULT_MALFORMED);
	/* W without R: reserved */
	KUNIT_EXPECT_EQ(test, hw_walk_decode(w, ppn | RV_PTE_V | RV_PTE_W | RV_PTE_A, last, &kind,
					     &addr),
			HW_FAULT_MALFORMED);
	/* a 2M leaf at its level, and misaligned */
	KUNIT_EXPECT_EQ(test, hw_walk_decode(w, ppn | leaf, mid, &kind, &addr), HW_OK);
	KUNIT_EXPECT_EQ(test, kind, HW_ENTRY_LEAF);
	KUNIT_EXPECT_EQ(test,
			hw_walk_decode(w, hw_walk_addr_bits(w, oa2m + SZ_4K) | leaf, mid, &kind,
				       &addr),
			HW_FAULT_MALFORMED);
	/* X alone is a leaf too */
	KUNIT_EXPECT_EQ(test,
			hw_walk_decode(w, ppn | RV_PTE_V | RV_PTE_X | RV_PTE_A, last, &kind, &addr),
			HW_OK);
	KUNIT_EXPECT_EQ(test, kind, HW_ENTRY_LEAF);
	/* A clear (ptcore presets it), N (no 64K in this table's sizes), reserved bits 60:54 */
	KUNIT_EXPECT_EQ(test, hw_walk_decode(w, ppn | RV_PTE_V | RV_PTE_R, last, &kind, &addr),
			HW_FAULT_ACCESS);
	KUNIT_EXPECT_EQ(test, hw_walk_decode(w, ppn | leaf | RV_PTE_N, last, &kind, &addr),
			HW_FAULT_MALFORMED);
	KUNIT_EXPECT_EQ(test, hw_walk_decode(w, ppn | leaf | BIT_ULL(54), last, &kind, &addr),
			HW_FAULT_MALFORMED);
	/* V clear: invalid whatever the rest */
	KUNIT_EXPECT_EQ(test, hw_walk_decode(w, ppn | RV_PTE_R, last, &kind, &addr), HW_OK);
	KUNIT_EXPECT_EQ(test, kind, HW_ENTRY_INVALID);
	/* above ias: not translated (not sign-extended beyond the mode's lower half) */
	{
		struct hw_leaf l;

		KUNIT_EXPECT_EQ(test, hw_walk_iova(w, 1ULL << ctx->hi.ias, &l), HW_FAULT_RANGE);
	}
	ptt_ctx_destroy(ctx);
}

/* Every prot at every leaf level, at the top of the output space; every PA bit. */
static void riscv_leaf_roundtrip(struct kunit *test)
{
	struct ptt_ctx *ctx = rv_ctx(test, 0);
	u64 bm = ctx->hi.pgsize_bitmap, top_pa = 1ULL << ctx->hi.oas;
	unsigned int lg2, n;
	u32 prot;

	for (lg2 = 12; lg2 < 64; lg2++) {
		u64 sz = 1ULL << lg2, iova = sz, pa;

		if (!(bm & sz))
			continue;
		if (sz >= top_pa)
			continue;
		pa = (top_pa - 1) & ~(sz - 1);
		for (prot = 0; prot < 64; prot++) {
			struct hw_leaf l;

			if (!(prot & RW))
				continue;
			KUNIT_ASSERT_EQ(test, ptt_map(ctx, iova, pa, sz, 1, prot, NULL), 0);
			KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, iova + sz - 1, &l), HW_OK);
			KUNIT_EXPECT_EQ(test, l.oa, pa + sz - 1);
			KUNIT_EXPECT_EQ(test, l.size, sz);
			KUNIT_EXPECT_EQ(test, l.pte,
					ptt_expected_leaf(ctx, prot, pa, l.level, false));
			/* R on every leaf: W alone is reserved */
			KUNIT_EXPECT_TRUE(test, l.read);
			KUNIT_EXPECT_EQ_MSG(test, l.write, !!(prot & PTCORE_PROT_WRITE), "prot %x",
					    prot);
			KUNIT_EXPECT_EQ_MSG(test, l.exec, !(prot & PTCORE_PROT_NOEXEC), "prot %x",
					    prot);
			KUNIT_EXPECT_EQ_MSG(test, l.priv_only, !!(prot & PTCORE_PROT_PRIV),
					    "prot %x", prot);
			/* A preset; D preset exactly on writable leaves */
			KUNIT_EXPECT_TRUE(test, l.pte & RV_PTE_A);
			KUNIT_EXPECT_EQ(test, !!(l.pte & RV_PTE_D), !!(prot & PTCORE_PROT_WRITE));
			KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, iova, sz, NULL), 0);
		}
	}
	/* every PA bit of a 4K page */
	for (n = ctx->hi.oas - 1; n >= 12; n--)
		KUNIT_EXPECT_EQ(test,
				ptt_map(ctx, (u64)n * SZ_4K, 1ULL << n, SZ_4K, 1, RW, NULL), 0);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* The seed's unmap semantics on RISC-V leaves of every level. */
static void riscv_unmap_semantics(struct kunit *test)
{
	struct ptt_ctx *ctx = rv_ctx(test, 0);
	u64 pg = SZ_4K, blk = SZ_2M, base = 4 * blk, unmapped, n_free0, phys;
	u64 n = blk / pg;
	struct ptcore_gather ga;

	/* never split: inside a 2M leaf -EINVAL, nothing removed */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, SZ_1G, blk, 1, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + pg, pg, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 0);
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, base + pg + 5, &phys), 0);
	KUNIT_EXPECT_EQ(test, phys, (u64)SZ_1G + pg + 5);
	/* a 4K unmap at its first byte removes, counts and gathers the whole leaf */
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base, pg, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, blk);
	KUNIT_EXPECT_EQ(test, ga.start, base);
	KUNIT_EXPECT_EQ(test, ga.end, base + blk - 1);
	KUNIT_EXPECT_EQ(test, ga.pgsize, blk);
	KUNIT_EXPECT_EQ(test, ga.flags, 0);
	ptt_sync(ctx, &ga);

	/* a full leaf table: unlinked whole, freed only after the flush */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, SZ_1G, pg, n, RW, NULL), 0);
	n_free0 = ctx->n_free;
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base, blk, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, blk);
	KUNIT_EXPECT_EQ(test, ga.flags, PTCORE_GATHER_TABLES);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, 1);
	KUNIT_EXPECT_EQ(test, ga.pgsize, pg);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0);
	KUNIT_EXPECT_EQ(test, ptt_count_state(ctx, PTT_TS_UNLINKED), 1);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0 + 1);

	/* a covered table with a hole: -EINVAL at the hole, the table stays */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, 0, pg, 3, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + 4 * pg, 0, pg, n - 4, RW, NULL), 0);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base, blk, &ga, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 3 * pg);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, 0);
	KUNIT_EXPECT_EQ(test, ga.end, base + 3 * pg - 1);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + 4 * pg, blk - 4 * pg, &unmapped), 0);
	/* partly covered tables stay, even empty */
	KUNIT_EXPECT_GE(test, ptt_count_tables(ctx), ctx->hi.levels);

	/* a 1G leaf (and 512G on Sv48/57) removed whole by a short unmap */
	if (ctx->hi.pgsize_bitmap & SZ_1G) {
		u64 g1 = 2ULL * SZ_1G;

		KUNIT_ASSERT_EQ(test, ptt_map(ctx, g1, SZ_1G, SZ_1G, 1, PTCORE_PROT_READ, NULL), 0);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, g1, blk, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, (u64)SZ_1G);
	}
	if (ctx->hi.pgsize_bitmap & (1ULL << 39)) {
		u64 t512 = 1ULL << 39;

		KUNIT_ASSERT_EQ(test, ptt_map(ctx, t512, 0, t512, 1, RW, NULL), 0);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, t512 + SZ_1G, pg, &unmapped), -EINVAL);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, t512, SZ_1G, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, t512);
	}
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Free-empty tables: a lone page takes its tables with it, up to the root. */
static void riscv_free_empty(struct kunit *test)
{
	struct ptt_ctx *ctx = rv_ctx(test, PTCORE_FEAT_FREE_EMPTY_TABLES);
	u64 pg = SZ_4K, far = (1ULL << ctx->hi.ias) / 2 + 3 * SZ_2M;
	unsigned int tables0 = ptt_count_tables(ctx);
	struct ptcore_gather ga;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, far, 0, pg, 2, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx), tables0 + ctx->hi.levels - 1);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, far, pg, &ga, NULL), 0);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, 0);
	ptt_sync(ctx, &ga);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, far + pg, pg, &ga, NULL), 0);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, ctx->hi.levels - 1);
	KUNIT_EXPECT_TRUE(test, ga.flags & PTCORE_GATHER_TABLES);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx), tables0);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Cut a 2M leaf: no fault window on RISC-V, and the halves unmap apart. */
static void riscv_cut(struct kunit *test)
{
	struct ptt_ctx *ctx = rv_ctx(test, 0);
	u64 base = 6 * SZ_2M, unmapped, n_flush0;
	struct ptcore_gather ga;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, SZ_1G, SZ_2M, 1, RW, NULL), 0);
	n_flush0 = ctx->n_flush;
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, base + 5 * SZ_4K, &ga), 0);
	KUNIT_EXPECT_EQ(test, ctx->n_flush, n_flush0); /* no break-before-make flush */
	KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)SZ_2M);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + 5 * SZ_4K, SZ_4K, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, (u64)SZ_4K);
	ptt_check_translation(ctx, base + 4 * SZ_4K);
	ptt_check_translation(ctx, base + 6 * SZ_4K);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Dirty state through D: fresh writable leaves are dirty; clean clears D; a write sets it. */
static void riscv_dirty(struct kunit *test)
{
	struct ptt_ctx *ctx = rv_ctx(test, PTCORE_FEAT_DIRTY_TRACKING);
	u64 base = 8 * SZ_2M, *ptep;
	struct ptcore_gather ga;
	struct hw_leaf l;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, SZ_1G, SZ_4K, 4, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + SZ_2M, SZ_2G, SZ_2M, 1, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + 4 * SZ_4K, 0, SZ_4K, 1, PTCORE_PROT_READ, NULL),
			0);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, base, &l), HW_OK);
	KUNIT_EXPECT_TRUE(test, l.dbm && l.dirty);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, base + 4 * SZ_4K, &l), HW_OK);
	KUNIT_EXPECT_FALSE(test, l.dbm || l.dirty || l.write);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, base, 2 * SZ_2M, 0, &ga, NULL,
							  NULL),
			0);
	KUNIT_EXPECT_EQ(test, ga.start, base);
	KUNIT_EXPECT_EQ(test, ga.end, base + 2 * SZ_2M - 1);
	KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)(SZ_4K | SZ_2M));
	ptcore_iotlb_sync(ctx->t, &ga);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, base + SZ_2M + 7, &l), HW_OK);
	KUNIT_EXPECT_FALSE(test, l.pte & RV_PTE_D);
	KUNIT_EXPECT_TRUE(test, (l.pte & RV_PTE_W) && l.write && !l.dirty);
	/* a device write sets D again (hardware A/D update) */
	ptep = ptcore_phys_to_virt(ctx->t, l.table_pa);
	ptep[l.index] = hw_walk_written_pte(&ctx->w, &l);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, base + SZ_2M, &l), HW_OK);
	KUNIT_EXPECT_TRUE(test, l.dirty);
	KUNIT_EXPECT_EQ(test, l.pte, ptt_expected_leaf(ctx, RW, SZ_2G, l.level, false));
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, base, 2 * SZ_2M,
							  PTCORE_DIRTY_NO_CLEAR, NULL, NULL, NULL),
			0);
	/* leave the tree as ptcore wrote it for the checks on destroy */
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base, 5 * SZ_4K, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + SZ_2M, SZ_2M, NULL), 0);
	ptt_ctx_destroy(ctx);
}

static void riscv_random(struct kunit *test)
{
	const struct rv_cfg *c = test->param_value;
	struct ptt_ctx *ctx = rv_ctx(test, 0);
	u64 bm = ctx->hi.pgsize_bitmap & (SZ_4K | SZ_2M), window = 64ULL * SZ_2M;
	unsigned int i, maps = 0, unmaps = 0, refused = 0;
	struct ptcore_gather ga;
	struct ptt_rng rng;

	ptt_rng_seed(&rng, 0x715cULL * c->ias + c->oas);
	ptcore_gather_init(&ga);
	for (i = 0; i < 600; i++) {
		if (ptt_rand_below(&rng, 100) < 55 || !ctx->o.n) {
			u64 sz = (ptt_rand_below(&rng, 4) == 0 && (bm & SZ_2M)) ? SZ_2M : SZ_4K;
			u64 count = 1 + ptt_rand_below(&rng, sz == SZ_4K ? 40 : 3);
			u64 iova = ptt_rand_below(&rng, window / sz) * sz;
			u64 pa = ptt_rand_below(&rng, (1ULL << c->oas) / sz) * sz;
			u32 prot = 1 + ptt_rand_below(&rng, 63);

			if (ptt_rand_below(&rng, 4) == 0) /* near the top */
				iova += (1ULL << c->ias) - window;
			if (iova + count * sz > (1ULL << c->ias))
				count = 1;
			if (!(prot & RW))
				prot |= PTCORE_PROT_WRITE;
			if (ptt_map(ctx, iova, pa, sz, count, prot, NULL))
				refused++;
			maps++;
		} else {
			const struct orc_leaf *m = &ctx->o.v[ptt_rand_below(&rng, ctx->o.n)];
			u64 len = SZ_4K * (1 + ptt_rand_below(&rng, 600));

			if (m->iova + len > (1ULL << c->ias))
				len = SZ_4K;
			ptt_unmap(ctx, m->iova + (ptt_rand_below(&rng, 8) == 0 ? SZ_4K : 0), len,
				  &ga, NULL);
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
	kunit_info(test, "%u maps (%u refused), %u unmaps", maps, refused, unmaps);
	KUNIT_EXPECT_GT(test, maps - refused, 0);
	ptt_ctx_destroy(ctx);
}

static void riscv_bad_arguments(struct kunit *test)
{
	struct ptt_ctx *ctx = rv_ctx(test, 0);
	u64 pg = SZ_4K, top = 1ULL << ctx->hi.ias, phys;
	struct ptcore_gather ga;

	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, SZ_64K, 1, RW, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, pg, 0, RW, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, pg / 2, 0, pg, 1, RW, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, pg, 1, PTCORE_PROT_NOEXEC, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, U64_MAX - pg + 1, 0, pg, 2, RW, NULL), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, top, 0, pg, 1, RW, NULL), -ERANGE);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 1ULL << ctx->hi.oas, pg, 1, RW, NULL), -ERANGE);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, pg, 2, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, pg, 0, pg, 2, RW, NULL), -EADDRINUSE);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, SZ_2M, 1, RW, NULL), -EADDRINUSE);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, 0, 0, &ga, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, top - pg, 2 * pg, &ga, NULL), -ERANGE);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, pg, U64_MAX, &ga, NULL), -EOVERFLOW);
	KUNIT_EXPECT_TRUE(test, ptt_gather_empty(&ga));
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, top, &phys), -ERANGE);
	ptt_sync(ctx, &ga);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* ---- Svnapot: 64K leaves ---- */

static struct ptt_ctx *rv_napot_ctx(struct kunit *test, u32 features)
{
	const struct rv_cfg *c = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(RV, 0, c->ias, c->oas, features,
					rv_sizes(c->ias) | SZ_64K);

	return ptt_ctx_create(test, &cfg, 0);
}

/* The raw entry ptcore must write in each of the 16 slots of a 64K leaf at @pa. */
static u64 rv_napot_pte(struct ptt_ctx *ctx, u32 prot, u64 pa)
{
	return (ptt_expected_leaf(ctx, prot, pa, ctx->w.last_level, false) & ~RV_PTE_PPN) |
	       RV_PTE_N | RV_NAPOT_64K | hw_walk_addr_bits(&ctx->w, pa);
}

/* The specification's NAPOT rules, on crafted entries. */
static void riscv_napot_rules(struct kunit *test)
{
	struct ptt_ctx *ctx = rv_napot_ctx(test, 0);
	const struct hw_walk *w = &ctx->w;
	unsigned int last = w->last_level, mid = last - 1;
	u64 base = 7 * SZ_64K, leaf = RV_PTE_V | RV_PTE_R | RV_PTE_A | RV_PTE_N;
	enum hw_entry_kind kind;
	unsigned int k;
	u64 addr;

	KUNIT_EXPECT_TRUE(test, ctx->hi.pgsize_bitmap & SZ_64K);
	/* PPN[3:0] = 1000b at level 0: 64K, the walk's address is the range's base */
	KUNIT_EXPECT_EQ(test,
			hw_walk_decode(w, hw_walk_addr_bits(w, base) | RV_NAPOT_64K | leaf, last,
				       &kind, &addr),
			HW_OK);
	KUNIT_EXPECT_EQ(test, kind, HW_ENTRY_LEAF);
	KUNIT_EXPECT_EQ(test, addr, base);
	/* every other PPN[3:0] with N is reserved */
	for (k = 0; k < 16; k++) {
		if (k == 8)
			continue;
		KUNIT_EXPECT_EQ_MSG(test,
				    hw_walk_decode(w, hw_walk_addr_bits(w, base + k * SZ_4K) | leaf,
						   last, &kind, &addr),
				    HW_FAULT_MALFORMED, "PPN[3:0] %u", k);
	}
	/* N above level 0, and in a pointer: reserved */
	KUNIT_EXPECT_EQ(test,
			hw_walk_decode(w, hw_walk_addr_bits(w, SZ_2M) | RV_NAPOT_64K | leaf, mid,
				       &kind, &addr),
			HW_FAULT_MALFORMED);
	KUNIT_EXPECT_EQ(test,
			hw_walk_decode(w, hw_walk_addr_bits(w, base) | RV_NAPOT_64K | RV_PTE_V |
						  RV_PTE_N,
				       0, &kind, &addr),
			HW_FAULT_MALFORMED);
	/* 16 entries that disagree: ptcore must never write them */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, base, SZ_64K, 1, RW, NULL), 0);
	{
		u64 *ptep, save;
		struct hw_leaf l;

		KUNIT_ASSERT_EQ(test, hw_walk_iova(w, base + 3 * SZ_4K, &l), HW_OK);
		ptep = ptcore_phys_to_virt(ctx->t, l.table_pa);
		save = ptep[l.index + 2];
		ptep[l.index + 2] = save & ~RV_PTE_X;
		KUNIT_EXPECT_EQ(test, hw_walk_iova(w, base + 3 * SZ_4K, &l), HW_FAULT_CONTIG);
		ptep[l.index + 2] = save | RV_PTE_D;	/* D may differ: the IOMMU sets it */
		KUNIT_EXPECT_EQ(test, hw_walk_iova(w, base + 3 * SZ_4K, &l), HW_OK);
		ptep[l.index + 2] = save;
	}
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* 64K leaves: 16 equal entries, every 4K inside translated, at every prot. */
static void riscv_napot_map(struct kunit *test)
{
	struct ptt_ctx *ctx = rv_napot_ctx(test, 0);
	u64 iova = 3 * SZ_2M + 5 * SZ_64K, pa = (1ULL << ctx->hi.oas) - 4 * SZ_64K, phys;
	unsigned int k, r;
	u32 prot;

	for (prot = 1; prot < 64; prot++) {
		if (!(prot & RW))
			continue;
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, iova, pa, SZ_64K, 1, prot, NULL), 0);
		for (k = 0; k < 16; k++) {
			u64 at = iova + k * SZ_4K + 9;
			struct hw_leaf l;

			KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, at, &l), HW_OK);
			KUNIT_EXPECT_EQ(test, l.oa, pa + k * SZ_4K + 9);
			KUNIT_EXPECT_EQ(test, l.level, ctx->w.last_level);
			KUNIT_EXPECT_EQ(test, l.size, (u64)SZ_4K);
			KUNIT_EXPECT_EQ(test, l.run_size, (u64)SZ_64K);
			KUNIT_EXPECT_EQ(test, l.run_iova, iova);
			KUNIT_EXPECT_EQ_MSG(test, l.pte, rv_napot_pte(ctx, prot, pa), "prot %x",
					    prot);
			KUNIT_EXPECT_EQ(test, l.write, !!(prot & PTCORE_PROT_WRITE));
			KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, at, &phys), 0);
			KUNIT_EXPECT_EQ(test, phys, pa + k * SZ_4K + 9);
		}
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, iova, SZ_64K, NULL), 0);
	}
	/* several in one call, then refusals: misaligned, overlapping */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, iova, SZ_1G, SZ_64K, 5, RW, NULL), 0);
	for (r = 0; r < 5; r++)
		ptt_check_translation(ctx, iova + r * SZ_64K + 15 * SZ_4K);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, SZ_1G + SZ_4K, 0, SZ_64K, 1, RW, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, SZ_1G, SZ_4K, SZ_64K, 1, RW, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, iova + 4 * SZ_64K, 0, SZ_64K, 2, RW, NULL),
			-EADDRINUSE);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, iova + 7 * SZ_4K, 0, SZ_4K, 1, RW, NULL), -EADDRINUSE);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 3 * SZ_2M, 0, SZ_2M, 1, RW, NULL), -EADDRINUSE);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Unmap never splits a 64K leaf: removed, counted and gathered whole from its base. */
static void riscv_napot_unmap(struct kunit *test)
{
	struct ptt_ctx *ctx = rv_napot_ctx(test, 0);
	u64 base = 9 * SZ_2M, unmapped, phys, n_free0;
	struct ptcore_gather ga;
	unsigned int k;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, SZ_2G, SZ_64K, 2, RW, NULL), 0);
	/* starting inside: -EINVAL, nothing removed */
	for (k = 1; k < 16; k += 7) {
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + k * SZ_4K, SZ_4K, &unmapped),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, unmapped, 0);
	}
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, base + 15 * SZ_4K + 1, &phys), 0);
	KUNIT_EXPECT_EQ(test, phys, (u64)SZ_2G + 15 * SZ_4K + 1);
	/* 4K at the base: the whole 64K, counted and gathered whole */
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base, SZ_4K, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, (u64)SZ_64K);
	KUNIT_EXPECT_EQ(test, ga.start, base);
	KUNIT_EXPECT_EQ(test, ga.end, base + SZ_64K - 1);
	KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)SZ_64K);
	KUNIT_EXPECT_EQ(test, ga.flags, 0);
	ptt_sync(ctx, &ga);
	for (k = 0; k < 16; k++)
		KUNIT_EXPECT_EQ(test, ptt_raw_entry(ctx, base + k * SZ_4K, ctx->w.last_level), 0);
	ptt_check_translation(ctx, base + SZ_64K);
	/* the unmap_pages form: one 64K page */
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + SZ_64K, SZ_64K, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, (u64)SZ_64K);

	/* a full table of 64K leaves: unlinked whole, its size gathered */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, 0, SZ_64K, SZ_2M / SZ_64K, RW, NULL), 0);
	n_free0 = ctx->n_free;
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base, SZ_2M, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, (u64)SZ_2M);
	KUNIT_EXPECT_EQ(test, ga.flags, PTCORE_GATHER_TABLES);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, 1);
	KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)SZ_64K);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0 + 1);

	/* 4K and 64K in one covered table: both sizes gathered; a hole stops it */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, 0, SZ_4K, 16, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + SZ_64K, 0, SZ_64K, 30, RW, NULL), 0);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base, SZ_2M, &ga, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, SZ_2M - SZ_64K);
	KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)(SZ_4K | SZ_64K));
	KUNIT_EXPECT_EQ(test, ga.nr_tables, 0);
	ptt_sync(ctx, &ga);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* map_range picks 4K, 64K and 2M as Linux's splitting does; unmap and cut keep them whole. */
static void riscv_napot_mixed(struct kunit *test)
{
	struct ptt_ctx *ctx = rv_napot_ctx(test, 0);
	/* [start, lo): 2 x 4K, 3 x 64K; [lo, hi): 2M; [hi, end): 5 x 64K, 3 x 4K */
	u64 lo = 4 * SZ_2M, hi = lo + SZ_2M, start = lo - 3 * SZ_64K - 2 * SZ_4K;
	u64 end = hi + 5 * SZ_64K + 3 * SZ_4K, pa = SZ_1G + (start & (SZ_2M - 1));
	u64 hole = hi + SZ_64K + 6 * SZ_4K, iova, unmapped, n_flush0;
	unsigned int n4k = 0, n64k = 0, n2m = 0;
	struct ptcore_gather ga;
	struct hw_leaf l;

	KUNIT_ASSERT_EQ(test, ptt_map_range(ctx, start, pa, end - start, RW), 0);
	for (iova = start; iova < end;) {
		KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, iova, &l), HW_OK);
		KUNIT_EXPECT_EQ(test, l.oa, pa + (iova - start));
		KUNIT_EXPECT_EQ(test, l.run_iova, iova);
		if (l.run_size == SZ_4K)
			n4k++;
		else if (l.run_size == SZ_64K)
			n64k++;
		else if (l.run_size == SZ_2M)
			n2m++;
		iova += l.run_size;
	}
	KUNIT_EXPECT_EQ(test, n4k, 5);
	KUNIT_EXPECT_EQ(test, n64k, 8);
	KUNIT_EXPECT_EQ(test, n2m, 1);
	/* cut inside a 64K leaf: break before make (one flush), 4K entries there */
	ptcore_gather_init(&ga);
	n_flush0 = ctx->n_flush;
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, hole, &ga), 0);
	KUNIT_EXPECT_EQ(test, ctx->n_flush, n_flush0 + 1);
	KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)SZ_64K);
	ptt_sync(ctx, &ga);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, hole + SZ_4K, &l), HW_OK);
	KUNIT_EXPECT_EQ(test, l.run_size, (u64)SZ_4K);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, hi + 2 * SZ_64K, &l), HW_OK);
	KUNIT_EXPECT_EQ(test, l.run_size, (u64)SZ_64K);
	ptt_verify_all(ctx);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, hole, SZ_4K, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, (u64)SZ_4K);
	/* cut the 2M leaf, hitless: 64K leaves on either side where they fit, 4K around */
	ptcore_gather_init(&ga);
	n_flush0 = ctx->n_flush;
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, lo + 3 * SZ_64K + SZ_4K, &ga), 0);
	KUNIT_EXPECT_EQ(test, ctx->n_flush, n_flush0);
	KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)SZ_2M);
	ptt_sync(ctx, &ga);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, lo + 9 * SZ_64K, &l), HW_OK);
	KUNIT_EXPECT_EQ(test, l.run_size, (u64)SZ_64K);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, lo + SZ_64K, &l), HW_OK);
	KUNIT_EXPECT_EQ(test, l.run_size, (u64)SZ_64K);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, lo + 3 * SZ_64K, &l), HW_OK);
	KUNIT_EXPECT_EQ(test, l.run_size, (u64)SZ_4K);
	ptt_verify_all(ctx);
	/* one unmap up to the hole: every size counted */
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, start, hole - start, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, hole - start);
	KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)(SZ_4K | SZ_64K));
	ptt_sync(ctx, &ga);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* A 64K leaf is one leaf for dirty tracking: D in any of its entries reports it whole. */
static void riscv_napot_dirty(struct kunit *test)
{
	struct ptt_ctx *ctx = rv_napot_ctx(test, PTCORE_FEAT_DIRTY_TRACKING);
	u64 base = 5 * SZ_2M + 2 * SZ_64K, pa = 3ULL * SZ_1G, *ptep;
	struct ptt_ranges d = { .n = 0 };
	struct ptcore_gather ga;
	struct hw_leaf l;
	unsigned int k, first;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, pa, SZ_64K, 2, RW, NULL), 0);
	/* written dirty, as every writable RISC-V leaf; clean them all */
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, base, 2 * SZ_64K, 0, &ga,
							  ptt_ranges_add, &d), 0);
	KUNIT_ASSERT_EQ(test, d.n, 1); /* two leaves, coalesced into one run */
	KUNIT_EXPECT_EQ(test, d.r[0].iova, base);
	KUNIT_EXPECT_EQ(test, d.r[0].size, 2ULL * SZ_64K);
	KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)SZ_64K);
	ptcore_iotlb_sync(ctx->t, &ga);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, base + 11 * SZ_4K, &l), HW_OK);
	ptep = ptcore_phys_to_virt(ctx->t, l.table_pa);
	first = l.index - 11;
	for (k = 0; k < 32; k++)
		KUNIT_EXPECT_FALSE(test, ptep[first + k] & RV_PTE_D);
	KUNIT_EXPECT_TRUE(test, l.write && !l.dirty);
	/* the device writes through the 12th entry of the first leaf only */
	ptep[l.index] = hw_walk_written_pte(&ctx->w, &l);
	KUNIT_EXPECT_TRUE(test, ptep[l.index] & RV_PTE_D);
	/* a range over one 4K elsewhere in the leaf reports the whole 64K */
	d.n = 0;
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, base + 2 * SZ_4K, 1,
							  PTCORE_DIRTY_NO_CLEAR, NULL,
							  ptt_ranges_add, &d), 0);
	KUNIT_ASSERT_EQ(test, d.n, 1);
	KUNIT_EXPECT_EQ(test, d.r[0].iova, base);
	KUNIT_EXPECT_EQ(test, d.r[0].paddr, pa);
	KUNIT_EXPECT_EQ(test, d.r[0].size, (u64)SZ_64K);
	/* the second leaf is clean */
	d.n = 0;
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, base + SZ_64K, SZ_64K,
							  PTCORE_DIRTY_NO_CLEAR, NULL,
							  ptt_ranges_add, &d), 0);
	KUNIT_EXPECT_EQ(test, d.n, 0);
	/* clear: every entry of the leaf clean, its span gathered */
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, base + 15 * SZ_4K, SZ_4K, 0, &ga,
							  NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, ga.start, base);
	KUNIT_EXPECT_EQ(test, ga.end, base + SZ_64K - 1);
	KUNIT_EXPECT_EQ(test, ga.pgsize, (u64)SZ_64K);
	ptcore_iotlb_sync(ctx->t, &ga);
	for (k = 0; k < 16; k++)
		KUNIT_EXPECT_EQ(test, ptep[first + k], rv_napot_pte(ctx, RW, pa) & ~RV_PTE_D);
	/* leave the tree as ptcore wrote it for the checks on destroy */
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base, 2 * SZ_64K, NULL), 0);
	ptt_ctx_destroy(ctx);
}

/* Random maps of 4K, 64K and 2M and unmaps, checked against the oracle and the model. */
static void riscv_napot_random(struct kunit *test)
{
	static const u64 sizes[] = { SZ_4K, SZ_64K, SZ_2M };
	const struct rv_cfg *c = test->param_value;
	struct ptt_ctx *ctx = rv_napot_ctx(test, 0);
	u64 window = 16ULL * SZ_2M;
	unsigned int i, maps = 0, unmaps = 0, refused = 0;
	struct ptcore_gather ga;
	struct ptt_rng rng;

	ptt_rng_seed(&rng, 0x64cULL * c->ias + c->oas);
	ptcore_gather_init(&ga);
	for (i = 0; i < 500; i++) {
		if (ptt_rand_below(&rng, 100) < 55 || !ctx->o.n) {
			u64 sz = sizes[ptt_rand_below(&rng, 3)];
			u64 count = 1 + ptt_rand_below(&rng, sz == SZ_2M ? 2 : 20);
			u64 iova = ptt_rand_below(&rng, window / sz) * sz;
			u64 pa = ptt_rand_below(&rng, (1ULL << c->oas) / sz) * sz;

			if (ptt_rand_below(&rng, 8) == 0) /* misaligned now and then */
				iova += SZ_4K;
			if (ptt_map(ctx, iova, pa, sz, count, RW, NULL))
				refused++;
			maps++;
		} else {
			const struct orc_leaf *m = &ctx->o.v[ptt_rand_below(&rng, ctx->o.n)];
			u64 len = SZ_4K * (1 + ptt_rand_below(&rng, 300));

			ptt_unmap(ctx, m->iova + (ptt_rand_below(&rng, 6) == 0 ? SZ_4K : 0), len,
				  &ga, NULL);
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
	kunit_info(test, "%u maps (%u refused), %u unmaps", maps, refused, unmaps);
	KUNIT_EXPECT_GT(test, maps - refused, 0);
	ptt_ctx_destroy(ctx);
}

static struct kunit_case riscv_cases[] = {
	KUNIT_CASE(riscv_geometry),
	KUNIT_CASE(riscv_bad_config),
	KUNIT_CASE_PARAM(riscv_model_rules, rv_cfg_gen_params),
	KUNIT_CASE_PARAM(riscv_leaf_roundtrip, rv_cfg_gen_params),
	KUNIT_CASE_PARAM(riscv_unmap_semantics, rv_cfg_gen_params),
	KUNIT_CASE_PARAM(riscv_free_empty, rv_cfg_gen_params),
	KUNIT_CASE_PARAM(riscv_cut, rv_cfg_gen_params),
	KUNIT_CASE_PARAM(riscv_dirty, rv_cfg_gen_params),
	KUNIT_CASE_PARAM(riscv_random, rv_cfg_gen_params),
	KUNIT_CASE_PARAM(riscv_bad_arguments, rv_cfg_gen_params),
	KUNIT_CASE_PARAM(riscv_napot_rules, rv_cfg_gen_params),
	KUNIT_CASE_PARAM(riscv_napot_map, rv_cfg_gen_params),
	KUNIT_CASE_PARAM(riscv_napot_unmap, rv_cfg_gen_params),
	KUNIT_CASE_PARAM(riscv_napot_mixed, rv_cfg_gen_params),
	KUNIT_CASE_PARAM(riscv_napot_dirty, rv_cfg_gen_params),
	KUNIT_CASE_PARAM(riscv_napot_random, rv_cfg_gen_params),
	{}
};

static struct kunit_suite riscv_suite = {
	.name = "ptcore_riscv",
	.init = ptt_case_init,
	.exit = ptt_case_exit,
	.test_cases = riscv_cases,
};

kunit_test_suites(&riscv_suite);

MODULE_DESCRIPTION("KUnit tests for ptcore's RISC-V IOMMU format");
MODULE_LICENSE("Dual MIT/GPL");
