// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suites for ptcore's Apple DART formats (DART1 t8020/t8103, DART2
 * t6000/t8110/t602x), in the style of the ARM suites (ptcore_arm_*_test.c):
 * expected values from design/ABI.md and design/FORMATS.md (plus the DART
 * geometry: two levels below the TTBR selection while that takes at most
 * four TTBRs, as Linux 6.1, else three, as io-pgtable-dart's 4-level tables
 * of 2025), every map/unmap cross-checked against the oracle and
 * the DART walk model, and a leak check in every case.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "ptt_util.h"

#define D1 PTCORE_FMT_APPLE_DART
#define D2 PTCORE_FMT_APPLE_DART2
#define RW (PTCORE_PROT_READ | PTCORE_PROT_WRITE)
#define ptt_ull(x) ((unsigned long long)(x))

struct dart_geom {
	bool ok;
	unsigned int levels, tbl_bits;
};

/* Which configs the DART formats accept, and their geometry. */
static struct dart_geom dart_expected(u32 fmt, unsigned int pg_shift, unsigned int ias,
				      unsigned int oas)
{
	struct dart_geom g = { .ok = false };
	unsigned int bpl = pg_shift - 3;
	int t2 = (int)ias - (int)pg_shift - 2 * (int)bpl;
	int t3 = (int)ias - (int)pg_shift - 3 * (int)bpl;

	if (pg_shift != 14 && !(fmt == D1 && pg_shift == 12))
		return g;
	if (oas != 36 && oas != 42)
		return g;
	if (ias > oas)
		return g;
	if (t2 <= 2) {
		g.levels = 2;
		g.tbl_bits = t2 > 0 ? t2 : 0;
	} else {
		if (t3 > 2)
			return g;
		g.levels = 3;
		g.tbl_bits = t3 > 0 ? t3 : 0;
	}
	g.ok = true;
	return g;
}

struct dart_cfg {
	u32 fmt;
	unsigned char pg_shift, ias, oas;
};

static const struct dart_cfg dart_cfgs[] = {
	{ D1, 14, 32, 36 }, /* t8103: 16K, one TTBR */
	{ D1, 12, 32, 36 }, /* 4K: four TTBRs */
	{ D1, 12, 36, 36 }, /* 4K, three levels */
	{ D1, 14, 36, 42 }, /* oas 42 accepted, PAs limited to 36 bits */
	{ D2, 14, 32, 42 }, /* t6000 */
	{ D2, 14, 38, 42 }, /* four TTBRs, two levels */
	{ D2, 14, 39, 42 }, /* the smallest 16K ias of three levels (one TTBR) */
	{ D2, 14, 42, 42 }, /* t602x: three levels */
	{ D1, 12, 41, 42 }, /* 4K, three levels below four TTBRs */
	{ D2, 14, 36, 36 },
};

static void dart_cfg_desc(const struct dart_cfg *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "dart%u %uK ias %u oas %u", c->fmt == D1 ? 1 : 2,
		 1U << (c->pg_shift - 10), c->ias, c->oas);
}

KUNIT_ARRAY_PARAM(dart_cfg, dart_cfgs, dart_cfg_desc);

static struct ptt_ctx *dart_ctx(struct kunit *test)
{
	const struct dart_cfg *c = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(c->fmt, c->pg_shift, c->ias, c->oas, 0, 0);

	return ptt_ctx_create(test, &cfg, 0);
}

/* the PA reach of the format */
static unsigned int dart_pa_bits(const struct ptt_ctx *ctx)
{
	return ctx->hi.format == D1 ? min_t(unsigned int, ctx->hi.oas, 36) : ctx->hi.oas;
}

/* ---- counting ops for create-only checks ---- */

struct dart_mini {
	struct ptcore_ops ops;
	unsigned int allocs, frees, bad_size;
	u64 size;
};

static void *dm_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	struct dart_mini *m = cookie;

	m->allocs++;
	if (m->size && size != m->size)
		m->bad_size++;
	return ptcore_builtin_alloc_table(NULL, size, phys, gfp);
}

static void dm_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	struct dart_mini *m = cookie;

	m->frees++;
	ptcore_builtin_free_table(NULL, va, phys, size);
}

/* One config: refused when the rules say so, else the geometry of the rules. */
static bool dart_geometry_one(struct kunit *test, u32 fmt, unsigned int pg, unsigned int ias,
			      unsigned int oas)
{
	struct dart_geom g = dart_expected(fmt, pg, ias, oas);
	struct ptcore_cfg cfg = ptt_cfg(fmt, pg, ias, oas, 0, 0);
	struct ptcore_table *t = NULL;
	struct ptcore_hw_info hi;
	struct dart_mini m;
	struct hw_walk w;
	const char *why;
	unsigned int i;
	int ret;

	memset(&m, 0, sizeof(m));
	m.ops.alloc_table = dm_alloc;
	m.ops.free_table = dm_free;
	m.size = 1ULL << pg;
	cfg.ops = &m.ops;
	cfg.cookie = &m;
	ret = ptcore_table_create(&cfg, &t);
	if (!g.ok) {
		KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "fmt %u granule %u ias %u oas %u", fmt, pg,
				    ias, oas);
		KUNIT_EXPECT_EQ(test, m.allocs, m.frees);
		if (!ret)
			ptcore_table_destroy(t);
		return false;
	}
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "fmt %u granule %u ias %u oas %u", fmt, pg, ias, oas);
	KUNIT_ASSERT_EQ(test, ptcore_hw_info(t, &hi), 0);
	KUNIT_EXPECT_EQ(test, hi.format, fmt);
	KUNIT_EXPECT_EQ_MSG(test, hi.levels, g.levels, "fmt %u %u ias %u", fmt, pg, ias);
	KUNIT_EXPECT_EQ_MSG(test, hi.n_roots, 1U << g.tbl_bits, "fmt %u %u ias %u", fmt, pg, ias);
	KUNIT_EXPECT_EQ(test, hi.pgsize_bitmap, 1ULL << pg);
	KUNIT_EXPECT_EQ(test, hi.granule_lg2, pg);
	KUNIT_EXPECT_EQ(test, hi.ias, ias);
	KUNIT_EXPECT_EQ(test, hi.oas, oas);
	KUNIT_EXPECT_EQ(test, hi.start_level, 0);
	KUNIT_EXPECT_EQ(test,
			hi.arm_tsz | hi.arm_tg | hi.arm_sh | hi.arm_orgn | hi.arm_irgn | hi.arm_ps |
				hi.arm_sl | hi.arm_reserved,
			0);
	KUNIT_EXPECT_EQ(test, hi.arm_mair, 0);
	KUNIT_EXPECT_EQ(test, hi.mode, 0);
	/* one granule-sized table per TTBR, nothing else */
	KUNIT_EXPECT_EQ(test, m.allocs, 1U << g.tbl_bits);
	KUNIT_EXPECT_EQ(test, m.bad_size, 0);
	for (i = 0; i < 4; i++) {
		if (i < hi.n_roots)
			KUNIT_EXPECT_EQ(test, hi.root[i] & ((1ULL << pg) - 1), 0);
		else
			KUNIT_EXPECT_EQ(test, hi.root[i], 0);
	}
	ret = hw_walk_init(&w, &hi, 0, NULL, NULL, &why);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s", why);
	/* the TTBRs and levels cover exactly the input space */
	if (!ret)
		KUNIT_EXPECT_GE(test, pg + g.levels * (pg - 3) + g.tbl_bits, ias);
	ptcore_table_destroy(t);
	KUNIT_EXPECT_EQ(test, m.frees, m.allocs);
	return true;
}

/* Geometry for every accepted config; refusal of every other. */
static void dart_geometry(struct kunit *test)
{
	static const unsigned char oas_list[] = { 32, 36, 40, 42, 48 };
	static const unsigned char granules[] = { 12, 14, 16 };
	unsigned int f, gi, oi, ias, accepted = 0, refused = 0;

	for (f = 0; f < 2; f++) {
		for (gi = 0; gi < ARRAY_SIZE(granules); gi++) {
			for (oi = 0; oi < ARRAY_SIZE(oas_list); oi++) {
				for (ias = 24; ias <= 44; ias++) {
					if (dart_geometry_one(test, f ? D2 : D1, granules[gi], ias,
							      oas_list[oi]))
						accepted++;
					else
						refused++;
				}
			}
		}
	}
	kunit_info(test, "%u configurations accepted, %u refused", accepted, refused);
	KUNIT_EXPECT_GT(test, accepted, 0);
}

static void dart_bad_config(struct kunit *test)
{
	static const struct {
		u32 fmt, features;
		unsigned int granule, ias, oas;
		int err;
	} bad[] = {
		{ D2, 0, 12, 32, 42, -EINVAL }, /* DART2 is 16K only */
		{ D1, 0, 16, 32, 36, -EINVAL },
		{ D1, 0, 14, 37, 36, -EINVAL }, /* ias > oas */
		{ D2, 0, 14, 32, 40, -EINVAL }, /* oas 36 or 42 */
		{ D1, PTCORE_FEAT_ARM_NS, 14, 32, 36, -EOPNOTSUPP },
		{ D2, PTCORE_FEAT_ARM_S2FWB, 14, 32, 42, -EOPNOTSUPP },
		{ D1, PTCORE_FEAT_DIRTY_TRACKING, 14, 32, 36, -EOPNOTSUPP },
		{ D2, PTCORE_FEAT_DMA_INCOHERENT, 14, 32, 42,
		  -EOPNOTSUPP }, /* Linux requires a coherent walker */
		{ D1, 0x100, 14, 32, 36, -EINVAL }, /* unknown feature bit */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ptcore_cfg cfg = ptt_cfg(bad[i].fmt, bad[i].granule, bad[i].ias, bad[i].oas,
						bad[i].features, 0);
		struct ptcore_table *t = NULL;
		int ret = ptcore_table_create(&cfg, &t);

		KUNIT_EXPECT_EQ_MSG(test, ret, bad[i].err, "bad DART config %u", i);
		if (!ret)
			ptcore_table_destroy(t);
	}
	/* defaults: 16K */
	for (i = 0; i < 2; i++) {
		struct ptcore_cfg cfg = ptt_cfg(i ? D2 : D1, 0, 32, i ? 42 : 36, 0, 0);
		struct ptt_ctx *ctx = ptt_ctx_create(test, &cfg, 0);

		KUNIT_EXPECT_EQ(test, ctx->hi.granule_lg2, 14);
		KUNIT_EXPECT_EQ(test, ctx->hi.pgsize_bitmap, (u64)SZ_16K);
		ptt_ctx_destroy(ctx);
	}
}

/* Leaf encode/decode for every prot, at high output addresses. */
static void dart_leaf_roundtrip(struct kunit *test)
{
	struct ptt_ctx *ctx = dart_ctx(test);
	u64 pg = ptt_smallest_pgsize(ctx), pa, iova = 7 * pg;
	u32 prot;
	unsigned int n = 0;

	pa = ((1ULL << dart_pa_bits(ctx)) - 1) & ~(pg - 1);
	for (prot = 0; prot < 64; prot++) {
		struct hw_leaf l;

		if (!(prot & RW))
			continue;
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, iova, pa, pg, 1, prot, NULL), 0);
		KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, iova + pg - 1, &l), HW_OK);
		KUNIT_EXPECT_EQ(test, l.oa, pa + pg - 1);
		KUNIT_EXPECT_EQ(test, l.pte, ptt_expected_leaf(ctx, prot, pa, l.level, false));
		KUNIT_EXPECT_EQ(test, l.level, ctx->hi.levels - 1);
		KUNIT_EXPECT_EQ_MSG(test, l.read, !!(prot & PTCORE_PROT_READ), "prot %x", prot);
		KUNIT_EXPECT_EQ_MSG(test, l.write, !!(prot & PTCORE_PROT_WRITE), "prot %x", prot);
		KUNIT_EXPECT_TRUE(test, l.sp_full);
		if (ctx->hi.format == D2)
			KUNIT_EXPECT_EQ_MSG(test, l.cache, !!(prot & PTCORE_PROT_CACHE), "prot %x",
					    prot);
		else
			KUNIT_EXPECT_TRUE(test, l.sp_dis);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, iova, pg, NULL), 0);
		n++;
	}
	/* every PA bit */
	for (n = dart_pa_bits(ctx) - 1; n >= ctx->hi.granule_lg2; n--)
		KUNIT_EXPECT_EQ(test, ptt_map(ctx, iova + n * pg, 1ULL << n, pg, 1, RW, NULL), 0);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Linux's io-pgtable self-test sequence for the one page size, and every TTBR. */
static void dart_selftest(struct kunit *test)
{
	struct ptt_ctx *ctx = dart_ctx(test);
	u64 pg = ptt_smallest_pgsize(ctx), top = 1ULL << ctx->hi.ias, phys, unmapped, iova;
	unsigned int per_ttbr = ctx->hi.granule_lg2 + ctx->hi.levels * (ctx->hi.granule_lg2 - 3);
	unsigned int i;

	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, 42, &phys), -ENOENT);
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, SZ_1G + 42, &phys), -ENOENT);
	ptt_check_translation(ctx, SZ_2G + 42);
	for (iova = 0; iova + pg <= top && iova <= 3ULL * SZ_1G; iova += SZ_1G) {
		KUNIT_ASSERT_EQ(test,
				ptt_map(ctx, iova, iova, pg, 1,
					RW | PTCORE_PROT_NOEXEC | PTCORE_PROT_CACHE, NULL),
				0);
		KUNIT_EXPECT_EQ(test, ptt_map(ctx, iova, iova + pg, pg, 1, PTCORE_PROT_READ, NULL),
				-EADDRINUSE);
		KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, iova + 42, &phys), 0);
		KUNIT_EXPECT_EQ(test, phys, iova + 42);
	}
	for (iova = 0; iova + pg <= top && iova <= 3ULL * SZ_1G; iova += SZ_1G) {
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, iova, pg, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, pg);
		KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, iova + 42, &phys), -ENOENT);
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, iova, iova, pg, 1, PTCORE_PROT_WRITE, NULL), 0);
		ptt_check_translation(ctx, iova + 42);
	}
	/* the first and last page of every TTBR's range */
	for (i = 0; i < ctx->hi.n_roots; i++) {
		u64 lo = (u64)i << per_ttbr, hi = min_t(u64, top, (u64)(i + 1) << per_ttbr) - pg;

		if (!ptt_oracle_find(ctx, lo))
			KUNIT_EXPECT_EQ(test, ptt_map(ctx, lo, SZ_1G, pg, 1, RW, NULL), 0);
		KUNIT_EXPECT_EQ(test, ptt_map(ctx, hi, SZ_2G, pg, 1, RW, NULL), 0);
	}
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, top, &phys), -ERANGE);
	ptt_verify_all(ctx);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, top - pg, pg, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, pg);
	ptt_ctx_destroy(ctx);
}

/* A mapping across a TTBR boundary, and the seed's unmap semantics. */
static void dart_unmap_semantics(struct kunit *test)
{
	struct ptt_ctx *ctx = dart_ctx(test);
	u64 pg = ptt_smallest_pgsize(ctx), tspan = pg << (ctx->hi.granule_lg2 - 3);
	u64 n = tspan / pg, base = 4 * tspan, unmapped, n_free0;
	unsigned int per_ttbr = ctx->hi.granule_lg2 + ctx->hi.levels * (ctx->hi.granule_lg2 - 3);
	struct ptcore_gather ga;

	/* a full leaf table: unlinked, gathered, freed after the flush */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, SZ_1G, pg, n, RW, NULL), 0);
	n_free0 = ctx->n_free;
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base, tspan, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, tspan);
	KUNIT_EXPECT_EQ(test, ga.flags, PTCORE_GATHER_TABLES);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, 1);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0 + 1);

	/* hole: prefix removed */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base, 0, pg, 2, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + 3 * pg, 0, pg, 1, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base, 4 * pg, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 2 * pg);
	/* start inside a page: nothing */
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, base + 3 * pg + 64, pg, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 0);
	/* shorter than the page: the whole page */
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base + 3 * pg, 64, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, pg);
	KUNIT_EXPECT_EQ(test, ga.end, base + 4 * pg - 1);
	ptt_sync(ctx, &ga);
	/* partly covered tables stay */
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx) >= ctx->hi.n_roots + 1, true);

	/* across a TTBR boundary */
	if (ctx->hi.n_roots > 1) {
		u64 b = 1ULL << per_ttbr;

		KUNIT_EXPECT_EQ(test, ptt_map(ctx, b - 2 * pg, SZ_1G, pg, 4, RW, NULL), 0);
		ptt_check_translation(ctx, b);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, b - 2 * pg, 4 * pg, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, 4 * pg);
		/* a whole TTBR's range: its leaf tables go, the TTBR table stays */
		KUNIT_EXPECT_EQ(test, ptt_map(ctx, b, 0, pg, 2 * n, RW, NULL), 0);
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, b, 2 * tspan, &unmapped), 0);
	}
	/* three levels: a middle table and its leaf tables go at once */
	if (ctx->hi.levels == 3) {
		u64 mspan = tspan << (ctx->hi.granule_lg2 - 3), mbase = 3 * mspan;

		if (mbase + mspan <= (1ULL << ctx->hi.ias)) {
			KUNIT_ASSERT_EQ(test, ptt_map(ctx, mbase, 0, pg, 2 * n, RW, NULL), 0);
			KUNIT_ASSERT_EQ(test, ptt_map(ctx, mbase + 2 * tspan, 0, pg, 1, RW, NULL),
					0);
			ptcore_gather_init(&ga);
			/* hole after the third table's first page: that table stays */
			KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, mbase, mspan, &ga, &unmapped),
					-EINVAL);
			KUNIT_EXPECT_EQ(test, ga.nr_tables, 2);
			ptt_sync(ctx, &ga);
		}
	}
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

static void dart_random(struct kunit *test)
{
	const struct dart_cfg *c = test->param_value;
	struct ptt_ctx *ctx = dart_ctx(test);
	u64 pg = ptt_smallest_pgsize(ctx), window = min_t(u64, 1ULL << ctx->hi.ias, pg << 13);
	unsigned int i, maps = 0, unmaps = 0, refused = 0;
	struct ptcore_gather ga;
	struct ptt_rng rng;

	/* include the top of the space and TTBR boundaries */
	ptt_rng_seed(&rng, 0xda27ULL * c->ias + c->fmt);
	ptcore_gather_init(&ga);
	for (i = 0; i < 500; i++) {
		if (ptt_rand_below(&rng, 100) < 55 || !ctx->o.n) {
			u64 count = 1 + ptt_rand_below(&rng, 12);
			u64 iova = ptt_rand_below(&rng, window / pg) * pg;
			u64 pa = ptt_rand_below(&rng, (1ULL << dart_pa_bits(ctx)) / pg) * pg;
			u32 prot = 1 + ptt_rand_below(&rng, 63);

			if (ptt_rand_below(&rng, 4) == 0) /* near the top */
				iova = (1ULL << ctx->hi.ias) - window + iova;
			if (iova + count * pg > (1ULL << ctx->hi.ias))
				count = 1;
			if (!(prot & RW))
				prot |= PTCORE_PROT_WRITE;
			if (ptt_map(ctx, iova, pa, pg, count, prot, NULL))
				refused++;
			maps++;
		} else {
			const struct orc_leaf *m = &ctx->o.v[ptt_rand_below(&rng, ctx->o.n)];
			u64 len = pg * (1 + ptt_rand_below(&rng, 6));

			if (m->iova + len > (1ULL << ctx->hi.ias))
				len = pg;
			ptt_unmap(ctx, m->iova + (ptt_rand_below(&rng, 8) == 0 ? pg / 2 : 0), len,
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
	ptt_ctx_destroy(ctx);
}

static void dart_bad_arguments(struct kunit *test)
{
	struct ptt_ctx *ctx = dart_ctx(test);
	u64 pg = ptt_smallest_pgsize(ctx), top = 1ULL << ctx->hi.ias, phys;
	struct ptcore_gather ga;

	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, pg << 1, 1, RW, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, pg, 0, RW, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, pg / 2, 0, pg, 1, RW, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, pg, 1, PTCORE_PROT_CACHE, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, U64_MAX - pg + 1, 0, pg, 2, RW, NULL), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, top, 0, pg, 1, RW, NULL), -ERANGE);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 1ULL << dart_pa_bits(ctx), pg, 1, RW, NULL), -ERANGE);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, pg, 2, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, pg, 0, pg, 2, RW, NULL), -EADDRINUSE);
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

/*
 * io-pgtable-dart's 4-level tables (Linux, 2025): the TTBR selection is its
 * first level, so its 4 levels are ptcore's hw_info.levels 3, and the
 * driver then sets t8110's TCR four-level bit. ptcore takes three levels
 * only where two levels and four TTBRs do not reach ias (Linux 2025 also
 * for 16K ias 37 and 38, where ptcore keeps 6.1's two or four TTBRs).
 */
static void dart_four_level(struct kunit *test)
{
	static const struct {
		u32 fmt;
		unsigned int pg, ias, oas, levels, n_roots; /* levels 0: refused */
	} want[] = {
		{ D2, 14, 36, 42, 2, 1 }, /* two levels reach 36 bits */
		{ D2, 14, 37, 42, 2, 2 }, /* 6.1: two levels, two TTBRs */
		{ D2, 14, 38, 42, 2, 4 }, /* 6.1: two levels, four TTBRs */
		{ D2, 14, 39, 42, 3, 1 }, /* beyond 6.1: three levels */
		{ D2, 14, 42, 42, 3, 1 }, /* t602x */
		{ D1, 14, 36, 36, 2, 1 },
		{ D1, 14, 37, 42, 2, 2 },
		{ D1, 14, 40, 42, 3, 1 },
		{ D1, 12, 32, 36, 2, 4 }, /* t8020 4K: the TTBRs select */
		{ D1, 12, 33, 36, 3, 1 },
		{ D1, 12, 39, 42, 3, 1 },
		{ D1, 12, 40, 42, 3, 2 },
		{ D1, 12, 41, 42, 3, 4 },
		{ D1, 12, 42, 42, 0, 0 }, /* eight TTBRs: no DART has them */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		struct ptcore_cfg cfg = ptt_cfg(want[i].fmt, want[i].pg, want[i].ias, want[i].oas,
						0, 0);
		u64 pg = 1ULL << want[i].pg, top = 1ULL << want[i].ias;
		u64 two = 1ULL << (want[i].pg + 2 * (want[i].pg - 3)); /* two levels' reach */
		struct ptt_ctx *ctx;
		struct hw_leaf l;

		if (!want[i].levels) {
			struct ptcore_table *t = NULL;

			KUNIT_EXPECT_EQ_MSG(test, ptcore_table_create(&cfg, &t), -EINVAL, "row %u",
					    i);
			if (t)
				ptcore_table_destroy(t);
			continue;
		}
		ctx = ptt_ctx_create(test, &cfg, 0);
		KUNIT_EXPECT_EQ_MSG(test, ctx->hi.levels, want[i].levels, "row %u", i);
		KUNIT_EXPECT_EQ_MSG(test, ctx->hi.n_roots, want[i].n_roots, "row %u", i);
		/* the last page of the space, and the first beyond two levels' reach */
		KUNIT_EXPECT_EQ(test, ptt_map(ctx, top - pg, SZ_1G, pg, 1, RW, NULL), 0);
		KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, top - 1, &l), HW_OK);
		KUNIT_EXPECT_EQ(test, l.oa, (u64)SZ_1G + pg - 1);
		KUNIT_EXPECT_EQ_MSG(test, l.walk_levels, (1U << want[i].levels) - 1, "row %u", i);
		KUNIT_EXPECT_EQ(test, l.level, want[i].levels - 1);
		if (want[i].levels == 3 && want[i].n_roots == 1) {
			KUNIT_EXPECT_EQ(test, ptt_map(ctx, two, SZ_2G, pg, 2, RW, NULL), 0);
			KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, two + pg, &l), HW_OK);
			KUNIT_EXPECT_EQ(test, l.oa, (u64)SZ_2G + pg);
			/* one root table, its entry 1 the first above two levels' reach */
			KUNIT_EXPECT_EQ(test, l.walk_table[0], ctx->hi.root[0]);
			KUNIT_EXPECT_EQ(test, l.walk_entry[0], ctx->hi.root[0] + 8);
			KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, two, 2 * pg, NULL), 0);
		}
		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, top - pg, pg, NULL), 0);
		ptt_verify_all(ctx);
		ptt_ctx_destroy(ctx);
	}
}

static struct kunit_case dart_cases[] = {
	KUNIT_CASE(dart_geometry),
	KUNIT_CASE(dart_bad_config),
	KUNIT_CASE(dart_four_level),
	KUNIT_CASE_PARAM(dart_leaf_roundtrip, dart_cfg_gen_params),
	KUNIT_CASE_PARAM(dart_selftest, dart_cfg_gen_params),
	KUNIT_CASE_PARAM(dart_unmap_semantics, dart_cfg_gen_params),
	KUNIT_CASE_PARAM(dart_random, dart_cfg_gen_params),
	KUNIT_CASE_PARAM(dart_bad_arguments, dart_cfg_gen_params),
	{}
};

static struct kunit_suite dart_suite = {
	.name = "ptcore_dart",
	.init = ptt_case_init,
	.exit = ptt_case_exit,
	.test_cases = dart_cases,
};

kunit_test_suites(&dart_suite);

MODULE_DESCRIPTION("KUnit tests for ptcore's Apple DART formats");
MODULE_LICENSE("Dual MIT/GPL");
