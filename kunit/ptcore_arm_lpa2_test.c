// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptcore_arm_lpa2: ARM with PTCORE_FEAT_ARM_LPA2, the FEAT_LPA2 descriptors
 * (TCR.DS = 1) of the 4K and 16K granules: 52-bit input and output, OA[51:50]
 * in descriptor bits 9:8 (tables and leaves), shareability from TCR.SH0,
 * 512G blocks at 4K level 0, 64G blocks at 16K level 1, and with 4K and ias
 * above 48 a walk of 5 levels from level -1.
 *
 * Expected values from the Arm architecture (VMSAv8-64 with FEAT_LPA2),
 * never from ptcore; every map and unmap goes through ptt_map()/ptt_unmap(),
 * which check the whole tree against the oracle and the walk model
 * (hw_walk.c, which knows DS from the feature bit). Linux 6.1 and 6.12 have
 * no LPA2 in io-pgtable-arm, so there is no differential peer here.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "ptt_util.h"

#define S1 PTCORE_FMT_ARM64_LPAE_S1
#define S2 PTCORE_FMT_ARM64_LPAE_S2
#define LPA2 PTCORE_FEAT_ARM_LPA2
#define RW (PTCORE_PROT_READ | PTCORE_PROT_WRITE)
#define lpa2_ull(x) ((unsigned long long)(x))

struct lpa2_cfg {
	u32 fmt;
	unsigned char pg_shift, ias, oas;
};

static const struct lpa2_cfg lpa2_cfgs[] = {
	{ S1, 12, 52, 52 }, /* 5 levels from level -1 */
	{ S1, 14, 52, 52 }, /* 4 levels, a level-0 root of 32 entries */
	{ S1, 12, 48, 52 }, /* 4 levels, 52-bit output */
	{ S2, 12, 52, 52 }, /* level -1 concatenated into 16 level-0 tables */
	{ S2, 14, 50, 52 },
};

static void lpa2_cfg_desc(const struct lpa2_cfg *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %uK ias %u oas %u lpa2",
		 c->fmt == S1 ? "s1" : "s2", 1U << (c->pg_shift - 10), c->ias, c->oas);
}

KUNIT_ARRAY_PARAM(lpa2_cfg, lpa2_cfgs, lpa2_cfg_desc);

static struct ptt_ctx *lpa2_ctx(struct kunit *test, u32 features)
{
	const struct lpa2_cfg *c = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(c->fmt, c->pg_shift, c->ias, c->oas, LPA2 | features, 0);

	return ptt_ctx_create(test, &cfg, 0);
}

/* The architecture's geometry: levels, start level (-1 allowed), root entries (log2). */
struct lpa2_geom {
	int start_level;
	unsigned int levels, root_bits;
	u64 sizes;
};

static struct lpa2_geom lpa2_expected(u32 fmt, unsigned int g, unsigned int ias)
{
	unsigned int bpl = g - 3, va_bits = ias - g, l;
	struct lpa2_geom e;

	e.levels = DIV_ROUND_UP(va_bits, bpl);
	e.root_bits = va_bits - bpl * (e.levels - 1);
	/* stage 2: a start level of 0 or -1 with at most 16 entries goes one level down */
	if (fmt == S2 && e.levels >= 4 && e.root_bits <= 4) {
		e.levels--;
		e.root_bits += bpl;
	}
	e.start_level = 4 - (int)e.levels;
	/* pages; blocks at 4K levels 2, 1, 0, at 16K levels 2, 1: those walked, inside ias */
	e.sizes = 0;
	for (l = 0; l < (g == 12 ? 4U : 3U) && l < e.levels; l++) {
		unsigned int lg2 = g + l * bpl;

		if (lg2 < ias)
			e.sizes |= BIT_ULL(lg2);
	}
	return e;
}

static void lpa2_geometry_one(struct kunit *test, u32 fmt, unsigned int g, unsigned int ias,
			      unsigned int oas, unsigned int *accepted, unsigned int *refused)
{
	struct ptcore_cfg cfg = ptt_cfg(fmt, g, ias, oas, LPA2, 0);
	struct ptcore_table *t = NULL;
	bool ok = g != 16 && ias >= 25 && ias <= 52 && ias > g + (g - 3);
	struct ptcore_hw_info hi;
	struct lpa2_geom e;
	struct hw_walk w;
	const char *why = NULL;
	int ret;

	ret = ptcore_table_create(&cfg, &t);
	if (!ok) {
		KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "g %u ias %u", g, ias);
		if (!ret)
			ptcore_table_destroy(t);
		(*refused)++;
		return;
	}
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "fmt %u g %u ias %u oas %u", fmt, g, ias, oas);
	(*accepted)++;
	e = lpa2_expected(fmt, g, ias);
	KUNIT_ASSERT_EQ(test, ptcore_hw_info(t, &hi), 0);
	KUNIT_EXPECT_EQ_MSG(test, hi.levels, e.levels, "fmt %u g %u ias %u", fmt, g, ias);
	KUNIT_EXPECT_EQ_MSG(test, hi.start_level, (u8)e.start_level, "fmt %u g %u ias %u", fmt,
			    g, ias);
	KUNIT_EXPECT_EQ_MSG(test, hi.pgsize_bitmap, e.sizes, "fmt %u g %u ias %u", fmt, g, ias);
	KUNIT_EXPECT_EQ(test, hi.arm_tsz, 64 - ias);
	KUNIT_EXPECT_EQ(test, hi.arm_ps, oas == 52 ? 6 : 5);
	KUNIT_EXPECT_EQ(test, hi.arm_tg, g == 12 ? 0 : 2);
	ret = hw_walk_init(&w, &hi, LPA2, NULL, NULL, &why);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s", why ? why : "");
	if (!ret) {
		KUNIT_EXPECT_EQ_MSG(test, hw_walk_check_cfg(&w, &cfg, &why), 0, "%s",
				    why ? why : "");
		KUNIT_EXPECT_EQ(test, w.root_bits, e.root_bits);
		KUNIT_EXPECT_EQ(test, w.levels, e.levels);
	}
	ptcore_table_destroy(t);
}

/* The architecture's geometry for every accepted size; 64K refuses DS. */
static void lpa2_geometry(struct kunit *test)
{
	static const unsigned char granules[] = { 12, 14, 16 };
	unsigned int gi, ias, f, accepted = 0, refused = 0;

	for (f = 0; f < 2; f++)
		for (gi = 0; gi < ARRAY_SIZE(granules); gi++)
			for (ias = 24; ias <= 53; ias++) {
				lpa2_geometry_one(test, f ? S2 : S1, granules[gi], ias, 52,
						  &accepted, &refused);
				lpa2_geometry_one(test, f ? S2 : S1, granules[gi], ias, 48,
						  &accepted, &refused);
			}
	kunit_info(test, "%u configurations accepted, %u refused", accepted, refused);
	KUNIT_EXPECT_GT(test, accepted, 0);
}

/* Without the feature nothing changes: 52 bits stay 64K only. */
static void lpa2_needs_the_feature(struct kunit *test)
{
	static const struct {
		u32 fmt, features;
		unsigned int g, ias, oas;
		int err;
	} cases[] = {
		{ S1, 0, 12, 52, 52, -EINVAL }, { S1, 0, 14, 48, 52, -EINVAL },
		{ S1, 0, 12, 49, 48, -EINVAL }, { S1, LPA2, 16, 52, 52, -EINVAL },
		{ S1, LPA2, 16, 48, 48, -EINVAL }, { S1, LPA2, 12, 53, 52, -EINVAL },
		{ S1, LPA2, 12, 48, 50, -EINVAL },
		{ PTCORE_FMT_APPLE_DART, LPA2, 14, 32, 36, -EOPNOTSUPP },
		{ PTCORE_FMT_RISCV64, LPA2, 12, 38, 48, -EOPNOTSUPP },
		{ S1, LPA2, 12, 48, 48, 0 }, { S2, LPA2 | PTCORE_FEAT_ARM_S2FWB, 14, 52, 52, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ptcore_cfg cfg = ptt_cfg(cases[i].fmt, cases[i].g, cases[i].ias,
						cases[i].oas, cases[i].features, 0);
		struct ptcore_table *t = NULL;
		int ret = ptcore_table_create(&cfg, &t);

		KUNIT_EXPECT_EQ_MSG(test, ret, cases[i].err, "case %u", i);
		if (!ret)
			ptcore_table_destroy(t);
	}
}

/* Leaves of every size at output addresses with bits 51:50 set: they sit in bits 9:8. */
static void lpa2_leaf_bits(struct kunit *test)
{
	struct ptt_ctx *ctx = lpa2_ctx(test, 0);
	u64 bm = ctx->hi.pgsize_bitmap, top = 1ULL << ctx->hi.ias;
	unsigned int lg2, n, checked = 0;

	for (lg2 = 12; lg2 < 64; lg2++) {
		u64 sz = 1ULL << lg2, pa = (3ULL << 50) | sz, iova;
		struct hw_leaf l;

		if (!(bm & sz) || 4 * sz > top)
			continue;
		iova = 2 * sz;
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, iova, pa, sz, 1, RW | PTCORE_PROT_CACHE, NULL),
				0);
		KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, iova + sz - 8, &l), HW_OK);
		KUNIT_EXPECT_EQ(test, l.oa, pa + sz - 8);
		KUNIT_EXPECT_EQ_MSG(test, (l.pte >> 8) & 3, 3, "pte %llx", lpa2_ull(l.pte));
		KUNIT_EXPECT_EQ(test, l.pte & GENMASK_ULL(49, 12), pa & GENMASK_ULL(49, 12));
		KUNIT_EXPECT_EQ(test, l.sh, ctx->hi.arm_sh); /* TCR.SH0, not the entry */
		KUNIT_EXPECT_EQ(test, l.pte,
				ptt_expected_leaf(ctx, RW | PTCORE_PROT_CACHE, pa, l.level, false));
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, iova, sz, NULL), 0);
		checked++;
	}
	KUNIT_EXPECT_GE(test, checked, 3);
	/* every output address bit of a page, 51 down to the granule */
	for (n = ctx->hi.oas - 1; n >= ctx->hi.granule_lg2; n--)
		KUNIT_EXPECT_EQ(test,
				ptt_map(ctx, (u64)n << ctx->hi.granule_lg2, 1ULL << n,
					1ULL << ctx->hi.granule_lg2, 1, RW, NULL),
				0);
	/* the top of the 52-bit input space (level -1's last entry at 4K) */
	KUNIT_EXPECT_EQ(test,
			ptt_map(ctx, top - (1ULL << ctx->hi.granule_lg2), 0,
				1ULL << ctx->hi.granule_lg2, 1, RW, NULL),
			0);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* ---- tables at physical addresses above 2^50 ---- */

#define LPA2_PHYS_OFF (3ULL << 50)

struct lpa2_high {
	struct ptcore_ops ops;
	struct ptcore_table *t;
	unsigned int allocs, frees;
};

static void *lh_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	struct lpa2_high *h = cookie;
	void *va = ptcore_builtin_alloc_table(NULL, size, phys, gfp);

	if (va) {
		*phys += LPA2_PHYS_OFF; /* va - phys stays one constant */
		h->allocs++;
	}
	return va;
}

static void lh_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	struct lpa2_high *h = cookie;

	h->frees++;
	ptcore_builtin_free_table(NULL, va, phys - LPA2_PHYS_OFF, size);
}

static const u64 *lh_read(void *arg, u64 pa, u64 bytes)
{
	struct lpa2_high *h = arg;

	if (pa < LPA2_PHYS_OFF)
		return NULL;
	return ptcore_phys_to_virt(h->t, pa);
}

/* Every table entry holds its table's PA[51:50] in bits 9:8; the walker follows it. */
static void lpa2_high_tables(struct kunit *test)
{
	const struct lpa2_cfg *c = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(c->fmt, c->pg_shift, c->ias, c->oas, LPA2, 0);
	u64 pg = 1ULL << c->pg_shift, iova = (1ULL << c->ias) - 5 * pg, phys;
	struct lpa2_high h;
	struct ptcore_hw_info hi;
	struct ptcore_gather ga;
	struct hw_walk w;
	struct hw_leaf l;
	const char *why = NULL;
	unsigned int level, tables = 0;

	memset(&h, 0, sizeof(h));
	h.ops.alloc_table = lh_alloc;
	h.ops.free_table = lh_free;
	cfg.ops = &h.ops;
	cfg.cookie = &h;
	KUNIT_ASSERT_EQ(test, ptcore_table_create(&cfg, &h.t), 0);
	KUNIT_ASSERT_EQ(test, ptcore_hw_info(h.t, &hi), 0);
	KUNIT_EXPECT_EQ(test, hi.root[0] >> 50, 3);
	KUNIT_ASSERT_EQ_MSG(test, hw_walk_init(&w, &hi, LPA2, lh_read, &h, &why), 0, "%s",
			    why ? why : "");
	KUNIT_ASSERT_EQ(test, ptcore_map_pages(h.t, iova, 5 * pg, pg, 3, RW, 0, NULL), 0);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&w, iova + pg + 9, &l), HW_OK);
	KUNIT_EXPECT_EQ(test, l.oa, 6 * pg + 9);
	for (level = w.start_level; level < l.level; level++) {
		if (!(l.walk_levels & BIT(level)))
			continue;
		KUNIT_EXPECT_EQ(test, (l.walk_pte[level] >> 8) & 3, 3);
		KUNIT_EXPECT_EQ(test, l.walk_next[level] >> 50, 3);
		KUNIT_EXPECT_EQ(test, l.walk_pte[level],
				hw_walk_expected_table(&w, l.walk_next[level]));
		tables++;
	}
	KUNIT_EXPECT_EQ(test, tables, w.levels - 1);
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(h.t, iova + 2 * pg + 1, &phys), 0);
	KUNIT_EXPECT_EQ(test, phys, 7 * pg + 1);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptcore_unmap_pages(h.t, iova, pg, 3, &ga), 3 * pg);
	ptcore_iotlb_sync(h.t, &ga);
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, iova, &l), HW_FAULT_INVALID);
	ptcore_table_destroy(h.t);
	KUNIT_EXPECT_EQ(test, h.frees, h.allocs);
}

/* The unmap semantics on the largest LPA2 blocks and through 5 levels. */
static void lpa2_unmap_semantics(struct kunit *test)
{
	struct ptt_ctx *ctx = lpa2_ctx(test, 0);
	u64 big = ptt_largest_pgsize(ctx);
	u64 pg = 1ULL << ctx->hi.granule_lg2, blk = pg << (ctx->hi.granule_lg2 - 3);
	u64 base = 2 * big, unmapped, n_free0;
	struct ptcore_gather ga;

	/* the largest block: never split, removed whole by a short unmap at its start */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, big, big, 1, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + blk, pg, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 0);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base, pg, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, big);
	KUNIT_EXPECT_EQ(test, ga.start, base);
	KUNIT_EXPECT_EQ(test, ga.end, base + big - 1);
	KUNIT_EXPECT_EQ(test, ga.pgsize, big);
	ptt_sync(ctx, &ga);
	/* a full last-level table: unlinked whole, freed after the flush */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, 0, pg, blk / pg, RW, NULL), 0);
	n_free0 = ctx->n_free;
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base, blk, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, 1);
	KUNIT_EXPECT_EQ(test, ga.flags, PTCORE_GATHER_TABLES);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0 + 1);
	/* a hole: the prefix goes, the rest stays */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, 0, pg, 2, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + 3 * pg, 0, pg, 1, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base, 4 * pg, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 2 * pg);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + 3 * pg, pg, &unmapped), 0);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Free-empty through every level: a lone page at the top takes its tables with it. */
static void lpa2_free_empty(struct kunit *test)
{
	struct ptt_ctx *ctx = lpa2_ctx(test, PTCORE_FEAT_FREE_EMPTY_TABLES);
	u64 pg = 1ULL << ctx->hi.granule_lg2, top = 1ULL << ctx->hi.ias;
	unsigned int tables0 = ptt_count_tables(ctx);
	struct ptcore_gather ga;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, top - pg, SZ_1G, pg, 1, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx), tables0 + ctx->hi.levels - 1);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, top - pg, pg, &ga, NULL), 0);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, ctx->hi.levels - 1);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx), tables0);
	ptt_ctx_destroy(ctx);
}

/* Dirty tracking keeps DBM (bit 51) and AP[2]/S2AP[1] under DS. */
static void lpa2_dirty(struct kunit *test)
{
	struct ptt_ctx *ctx = lpa2_ctx(test, PTCORE_FEAT_DIRTY_TRACKING);
	u64 pg = 1ULL << ctx->hi.granule_lg2, pa = (2ULL << 50) | pg;
	struct ptcore_gather ga;
	struct hw_leaf l;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, 4 * pg, pa, pg, 1, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, 4 * pg, &l), HW_OK);
	KUNIT_EXPECT_TRUE(test, l.dbm && l.dirty);
	KUNIT_EXPECT_EQ(test, l.oa, pa);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(ctx->t, 4 * pg, pg, 0, &ga, NULL, NULL),
			0);
	KUNIT_EXPECT_EQ(test, ga.pgsize, pg);
	ptcore_iotlb_sync(ctx->t, &ga);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, 4 * pg, &l), HW_OK);
	KUNIT_EXPECT_TRUE(test, l.dbm && !l.dirty && l.write);
	KUNIT_EXPECT_EQ(test, l.oa, pa); /* cleaning kept OA[51:50] */
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, 4 * pg, pg, NULL), 0);
	ptt_ctx_destroy(ctx);
}

static void lpa2_random(struct kunit *test)
{
	const struct lpa2_cfg *c = test->param_value;
	struct ptt_ctx *ctx = lpa2_ctx(test, 0);
	u64 pg = 1ULL << c->pg_shift, blk = pg << (c->pg_shift - 3), window = 32 * blk;
	unsigned int i, maps = 0, refused = 0;
	struct ptcore_gather ga;
	struct ptt_rng rng;

	ptt_rng_seed(&rng, 0x1a2ULL * c->ias + c->pg_shift + c->fmt);
	ptcore_gather_init(&ga);
	for (i = 0; i < 400; i++) {
		if (ptt_rand_below(&rng, 100) < 55 || !ctx->o.n) {
			u64 sz = ptt_rand_below(&rng, 5) == 0 ? blk : pg;
			u64 count = 1 + ptt_rand_below(&rng, sz == pg ? 24 : 2);
			u64 iova = ptt_rand_below(&rng, window / sz) * sz;
			u64 pa = ptt_rand_below(&rng, (1ULL << c->oas) / sz) * sz;

			if (ptt_rand_below(&rng, 3) == 0) /* near the top of 52 bits */
				iova += (1ULL << c->ias) - window;
			if (iova + count * sz > (1ULL << c->ias))
				count = 1;
			if (ptt_map(ctx, iova, pa, sz, count, RW, NULL))
				refused++;
			maps++;
		} else {
			const struct orc_leaf *m = &ctx->o.v[ptt_rand_below(&rng, ctx->o.n)];
			u64 len = pg * (1 + ptt_rand_below(&rng, 4 * (blk / pg)));

			if (m->iova + len > (1ULL << c->ias))
				len = pg;
			ptt_unmap(ctx, m->iova, len, &ga, NULL);
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
	kunit_info(test, "%u maps (%u refused)", maps, refused);
	KUNIT_EXPECT_GT(test, maps - refused, 0);
	ptt_ctx_destroy(ctx);
}

static struct kunit_case lpa2_cases[] = {
	KUNIT_CASE(lpa2_geometry),
	KUNIT_CASE(lpa2_needs_the_feature),
	KUNIT_CASE_PARAM(lpa2_leaf_bits, lpa2_cfg_gen_params),
	KUNIT_CASE_PARAM(lpa2_high_tables, lpa2_cfg_gen_params),
	KUNIT_CASE_PARAM(lpa2_unmap_semantics, lpa2_cfg_gen_params),
	KUNIT_CASE_PARAM(lpa2_free_empty, lpa2_cfg_gen_params),
	KUNIT_CASE_PARAM(lpa2_dirty, lpa2_cfg_gen_params),
	KUNIT_CASE_PARAM(lpa2_random, lpa2_cfg_gen_params),
	{}
};

static struct kunit_suite lpa2_suite = {
	.name = "ptcore_arm_lpa2",
	.init = ptt_case_init,
	.exit = ptt_case_exit,
	.test_cases = lpa2_cases,
};

kunit_test_suites(&lpa2_suite);

MODULE_DESCRIPTION("KUnit tests for ptcore's ARM LPA2 (FEAT_LPA2, 52-bit 4K and 16K)");
MODULE_LICENSE("Dual MIT/GPL");
