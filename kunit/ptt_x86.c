// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The case bodies the x86-64 and VT-d second-stage KUnit suites share (see
 * ptt_x86.h). Both formats are 512-entry radix trees over 4K with 2M and 1G
 * leaves; what differs (levels for an ias, hw_info.mode, the entries, the
 * dirty state) comes from the hardware-walk model and FORMATS.md. Every map
 * and unmap goes through ptt_map()/ptt_unmap(), which cross-check the whole
 * tree against the oracle and the model after the call.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "ptt_util.h"
#include "ptt_x86.h"

#define RW (PTCORE_PROT_READ | PTCORE_PROT_WRITE)
#define X86_SIZES (SZ_4K | SZ_2M | SZ_1G)
#define ptt_ull(x) ((unsigned long long)(x))

void x86_cfg_desc(const struct x86_cfg *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s ias %u oas %u%s%s",
		 c->fmt == PTCORE_FMT_X86_64 ? "x86-64" : "vtdss", c->ias, c->oas,
		 (c->features & PTCORE_FEAT_FREE_EMPTY_TABLES) ? " free-empty" : "",
		 (c->features & PTCORE_FEAT_DIRTY_TRACKING) ? " dirty" : "");
}

unsigned int x86_expected_levels(u32 fmt, unsigned int ias)
{
	if (ias > 48)
		return 5;
	if (fmt == PTCORE_FMT_VTDSS && ias <= 39)
		return 3;
	return 4;
}

unsigned int x86_expected_mode(u32 fmt, unsigned int levels)
{
	return fmt == PTCORE_FMT_VTDSS ? levels - 2 : levels;
}

static struct ptt_ctx *x86_ctx(struct kunit *test, u32 extra_features)
{
	const struct x86_cfg *c = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(c->fmt, 0, c->ias, c->oas, c->features | extra_features, 0);

	return ptt_ctx_create(test, &cfg, 0);
}

/* Leaf level in the model's numbering (PT 4, PD 3, PDPT 2) for a page size. */
static unsigned int model_level(u64 size)
{
	return size == SZ_4K ? 4 : size == SZ_2M ? 3 : 2;
}

/* ---- create ---- */

struct x86_mini {
	struct ptcore_ops ops;
	unsigned int allocs, frees;
	u64 first_size;
};

static void *xm_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	struct x86_mini *m = cookie;

	if (!m->allocs++)
		m->first_size = size;
	return ptcore_builtin_alloc_table(NULL, size, phys, gfp);
}

static void xm_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	struct x86_mini *m = cookie;

	m->frees++;
	ptcore_builtin_free_table(NULL, va, phys, size);
}

static bool geometry_one(struct kunit *test, u32 fmt, unsigned int ias, unsigned int oas,
			 u64 bitmap)
{
	bool ok = ias >= 32 && ias <= 57 && oas >= 32 && oas <= 52 &&
		  (!bitmap || (bitmap & X86_SIZES));
	struct ptcore_cfg cfg = ptt_cfg(fmt, 0, ias, oas, 0, bitmap);
	struct ptcore_table *t = NULL;
	struct ptcore_hw_info hi;
	struct x86_mini m;
	struct hw_walk w;
	const char *why;
	unsigned int levels = x86_expected_levels(fmt, ias);
	int ret;

	memset(&m, 0, sizeof(m));
	m.ops.alloc_table = xm_alloc;
	m.ops.free_table = xm_free;
	cfg.ops = &m.ops;
	cfg.cookie = &m;
	ret = ptcore_table_create(&cfg, &t);
	if (!ok) {
		KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "ias %u oas %u bitmap %llx", ias, oas,
				    ptt_ull(bitmap));
		KUNIT_EXPECT_EQ(test, m.allocs, m.frees);
		if (!ret)
			ptcore_table_destroy(t);
		return false;
	}
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "ias %u oas %u", ias, oas);
	KUNIT_ASSERT_EQ(test, ptcore_hw_info(t, &hi), 0);
	KUNIT_EXPECT_EQ(test, hi.format, fmt);
	KUNIT_EXPECT_EQ_MSG(test, hi.levels, levels, "ias %u", ias);
	KUNIT_EXPECT_EQ_MSG(test, hi.mode, x86_expected_mode(fmt, levels), "ias %u", ias);
	KUNIT_EXPECT_EQ(test, hi.n_roots, 1);
	KUNIT_EXPECT_EQ(test, hi.pgsize_bitmap, bitmap ? bitmap & X86_SIZES : X86_SIZES);
	KUNIT_EXPECT_EQ(test, hi.granule_lg2, 12);
	KUNIT_EXPECT_EQ(test, hi.ias, ias);
	KUNIT_EXPECT_EQ(test, hi.oas, oas);
	KUNIT_EXPECT_EQ(test, hi.start_level, 0);
	KUNIT_EXPECT_EQ(test,
			hi.arm_tsz | hi.arm_tg | hi.arm_sh | hi.arm_orgn | hi.arm_irgn | hi.arm_ps |
				hi.arm_sl | hi.arm_reserved,
			0);
	KUNIT_EXPECT_EQ(test, hi.arm_mair, 0);
	KUNIT_EXPECT_EQ(test, hi.root[0] & (SZ_4K - 1), 0);
	KUNIT_EXPECT_EQ(test, hi.root[1] | hi.root[2] | hi.root[3], 0);
	/* one 4K root, nothing else */
	KUNIT_EXPECT_EQ(test, m.allocs, 1);
	KUNIT_EXPECT_EQ(test, m.first_size, SZ_4K);
	ret = hw_walk_init(&w, &hi, 0, NULL, NULL, &why);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s", why);
	if (!ret)
		KUNIT_EXPECT_EQ_MSG(test, hw_walk_check_cfg(&w, &cfg, &why), 0, "%s", why);
	ptcore_table_destroy(t);
	KUNIT_EXPECT_EQ(test, m.frees, m.allocs);
	return true;
}

void x86_case_geometry(struct kunit *test, u32 fmt)
{
	static const unsigned char oas_list[] = { 31, 32, 40, 46, 48, 52, 53 };
	static const u64 bitmaps[] = { 0, SZ_2M, SZ_4K | SZ_16K, SZ_16K, SZ_1G | SZ_512M };
	unsigned int oi, ias, bi, accepted = 0, refused = 0;

	for (oi = 0; oi < ARRAY_SIZE(oas_list); oi++)
		for (ias = 28; ias <= 60; ias++)
			for (bi = 0; bi < ARRAY_SIZE(bitmaps); bi++) {
				if (bi && ias != 48 && ias != 39)
					continue;
				if (geometry_one(test, fmt, ias, oas_list[oi], bitmaps[bi]))
					accepted++;
				else
					refused++;
			}
	kunit_info(test, "%u configurations accepted, %u refused", accepted, refused);
	KUNIT_EXPECT_GT(test, accepted, 0);
	KUNIT_EXPECT_GT(test, refused, 0);
}

static void *never_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	return NULL;
}

static void never_free(void *cookie, void *va, uint64_t phys, size_t size)
{
}

void x86_case_bad_config(struct kunit *test, u32 fmt)
{
	static const struct {
		u32 features;
		unsigned int granule, ias, oas;
		int err;
	} bad[] = {
		{ PTCORE_FEAT_ARM_NS, 0, 48, 52, -EOPNOTSUPP },
		{ PTCORE_FEAT_ARM_S2FWB, 0, 48, 52, -EOPNOTSUPP },
		{ PTCORE_FEAT_ARM_BBML2, 0, 48, 52, -EOPNOTSUPP },
		{ PTCORE_FEAT_DIRTY_TRACKING | PTCORE_FEAT_DMA_INCOHERENT, 0, 48, 52, -EINVAL },
		{ PTCORE_FEAT_DMA_INCOHERENT, 0, 48, 52, -EINVAL }, /* no sync_table op */
		{ 0, 14, 48, 52, -EINVAL },
		{ 0, 16, 48, 52, -EINVAL },
		{ 0, 0, 58, 52, -EINVAL },
		{ 0, 0, 48, 53, -EINVAL },
		{ 0x100, 0, 48, 52, -EINVAL }, /* unknown feature bit */
	};
	static const struct ptcore_ops nomem = { .alloc_table = never_alloc,
						 .free_table = never_free };
	struct ptcore_table *t = NULL;
	struct ptcore_cfg cfg;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		cfg = ptt_cfg(fmt, bad[i].granule, bad[i].ias, bad[i].oas, bad[i].features, 0);
		ret = ptcore_table_create(&cfg, &t);
		KUNIT_EXPECT_EQ_MSG(test, ret, bad[i].err, "bad config %u", i);
		if (!ret)
			ptcore_table_destroy(t);
	}
	/* granule 12 named explicitly, and dirty tracking alone, are fine */
	cfg = ptt_cfg(fmt, 12, 48, 52, PTCORE_FEAT_DIRTY_TRACKING, 0);
	KUNIT_EXPECT_EQ(test, ptcore_table_create(&cfg, &t), 0);
	ptcore_table_destroy(t);
	/* no memory for the root */
	cfg = ptt_cfg(fmt, 0, 48, 52, 0, 0);
	cfg.ops = &nomem;
	KUNIT_EXPECT_EQ(test, ptcore_table_create(&cfg, &t), -ENOMEM);
}

/* ---- entries ---- */

void x86_case_leaf_roundtrip(struct kunit *test)
{
	struct ptt_ctx *ctx = x86_ctx(test, 0);
	u64 sizes = ctx->hi.pgsize_bitmap, top_pa = 1ULL << ctx->hi.oas;
	unsigned int n, checked = 0, nsizes = 0;
	u32 prot;

	while (sizes) {
		u64 sz = sizes & -sizes, iova = 3 * sz, pa = (top_pa - 1) & ~(sz - 1);

		sizes &= sizes - 1;
		nsizes++;
		for (prot = 0; prot < 64; prot++) {
			struct hw_leaf l;

			if (!(prot & RW))
				continue;
			KUNIT_ASSERT_EQ(test, ptt_map(ctx, iova, pa, sz, 1, prot, NULL), 0);
			KUNIT_ASSERT_EQ(test, hw_walk_iova(&ctx->w, iova + sz - 1, &l), HW_OK);
			KUNIT_EXPECT_EQ(test, l.oa, pa + sz - 1);
			KUNIT_EXPECT_EQ(test, l.size, sz);
			KUNIT_EXPECT_EQ(test, l.level, model_level(sz));
			KUNIT_EXPECT_EQ(test, l.pte,
					ptt_expected_leaf(ctx, prot, pa, l.level, false));
			/* x86-64 reads need no bit: every present leaf is readable */
			if (ctx->hi.format == PTCORE_FMT_VTDSS) {
				KUNIT_EXPECT_EQ_MSG(test, l.read, !!(prot & PTCORE_PROT_READ),
						    "prot %x", prot);
				KUNIT_EXPECT_EQ_MSG(test, l.cache, !!(prot & PTCORE_PROT_CACHE),
						    "prot %x", prot);
			} else {
				KUNIT_EXPECT_TRUE(test, l.read);
				KUNIT_EXPECT_TRUE(test, l.exec); /* NX is never used */
				KUNIT_EXPECT_FALSE(test, l.priv_only);
			}
			KUNIT_EXPECT_EQ_MSG(test, l.write, !!(prot & PTCORE_PROT_WRITE), "prot %x",
					    prot);
			KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, iova, sz, NULL), 0);
			checked++;
		}
	}
	KUNIT_EXPECT_EQ(test, checked, 48U * nsizes);
	/* every PA bit */
	for (n = ctx->hi.oas - 1; n >= 12; n--)
		KUNIT_EXPECT_EQ(test, ptt_map(ctx, (u64)n * SZ_4K, 1ULL << n, SZ_4K, 1, RW, NULL),
				0);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Linux's io-pgtable self-test sequence, for every page size. */
void x86_case_selftest(struct kunit *test)
{
	struct ptt_ctx *ctx = x86_ctx(test, 0);
	u64 sizes = ctx->hi.pgsize_bitmap, top = 1ULL << ctx->hi.ias, iova, phys, unmapped, sz;
	u64 big = ptt_largest_pgsize(ctx);

	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, 42, &phys), -ENOENT);
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, SZ_1G + 42, &phys), -ENOENT);
	ptt_check_translation(ctx, SZ_2G + 42);
	iova = 0;
	for (sz = sizes; sz; sz &= sz - 1, iova += SZ_1G) {
		u64 s = sz & -sz;

		KUNIT_ASSERT_EQ(test,
				ptt_map(ctx, iova, iova, s, 1,
					RW | PTCORE_PROT_NOEXEC | PTCORE_PROT_CACHE, NULL),
				0);
		KUNIT_EXPECT_EQ(test, ptt_map(ctx, iova, iova + s, s, 1, PTCORE_PROT_READ, NULL),
				-EADDRINUSE);
		KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, iova + 42, &phys), 0);
		KUNIT_EXPECT_EQ(test, phys, iova + 42);
	}
	iova = 0;
	for (sz = sizes; sz; sz &= sz - 1, iova += SZ_1G) {
		u64 s = sz & -sz;

		KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, iova, s, &unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, s);
		KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, iova + 42, &phys), -ENOENT);
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, iova, iova, s, 1, PTCORE_PROT_WRITE, NULL), 0);
		ptt_check_translation(ctx, iova + 42);
	}
	/* the last largest page below 2^ias */
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, top - big, big, big, 1, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, top, &phys), -ERANGE);
	ptt_verify_all(ctx);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, top - big, big, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, big);
	ptt_ctx_destroy(ctx);
}

/* ---- unmap ---- */

void x86_case_unmap_semantics(struct kunit *test)
{
	struct ptt_ctx *ctx = x86_ctx(test, 0);
	u64 b = 4ULL * SZ_1G, unmapped, n_free0, n_tables0;
	struct ptcore_gather ga;

	/* never split: -EINVAL inside a 2M leaf, nothing removed */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, b, SZ_2M, SZ_2M, 1, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, b + SZ_4K, SZ_4K, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 0);
	ptt_check_translation(ctx, b + SZ_4K);
	/* a leaf that starts in the range and ends past it: removed, counted, gathered whole */
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, b, SZ_4K, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, SZ_2M);
	KUNIT_EXPECT_EQ(test, ga.start, b);
	KUNIT_EXPECT_EQ(test, ga.end, b + SZ_2M - 1);
	KUNIT_EXPECT_EQ(test, ga.pgsize, SZ_2M);
	KUNIT_EXPECT_EQ(test, ga.flags, 0);
	ptt_sync(ctx, &ga);
	/* the same for 1G */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, b, SZ_1G, SZ_1G, 1, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, b + SZ_2M, SZ_2M, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, b, SZ_2M, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, SZ_1G);

	/* a full page table covered: unlinked, gathered, freed after the flush */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, b, 0, SZ_4K, 512, RW, NULL), 0);
	n_free0 = ctx->n_free;
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, b, SZ_2M, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, SZ_2M);
	KUNIT_EXPECT_EQ(test, ga.flags, PTCORE_GATHER_TABLES);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, 1);
	KUNIT_EXPECT_EQ(test, ga.pgsize, SZ_4K);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0);
	KUNIT_EXPECT_EQ(test, ptt_count_state(ctx, PTT_TS_UNLINKED), 1);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ctx->n_free, n_free0 + 1);

	/* the fullness check: a hole in a covered table stops there, the table stays */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, b, 0, SZ_4K, 511, RW, NULL), 0);
	n_tables0 = ptt_count_tables(ctx);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, b, SZ_2M, &ga, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 511 * SZ_4K);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, 0);
	KUNIT_EXPECT_EQ(test, ga.flags, 0);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx), n_tables0);

	/* a directory with 2M leaves and a full page table goes at once, subtree and all */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, b, 0, SZ_4K, 512, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, b + SZ_2M, SZ_2M, SZ_2M, 511, RW, NULL), 0);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, b, SZ_1G, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, SZ_1G);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, 2);
	KUNIT_EXPECT_EQ(test, ga.pgsize, SZ_4K | SZ_2M);
	ptt_sync(ctx, &ga);

	/* a hole: the prefix is removed, nothing after it */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, b, 0, SZ_2M, 2, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, b + 3 * SZ_2M, 0, SZ_2M, 1, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, b, 4 * SZ_2M, &unmapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped, 2 * SZ_2M);
	ptt_check_translation(ctx, b + 3 * SZ_2M);

	/* partly covered tables stay, even empty */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, b + SZ_1G, 0, SZ_4K, 2, RW, NULL), 0);
	n_tables0 = ptt_count_tables(ctx);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, b + SZ_1G, 2 * SZ_4K, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx), n_tables0);
	/* and an empty table may be replaced by a larger leaf */
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, b + SZ_1G, 0, SZ_2M, 1, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx), n_tables0 - 1);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

void x86_case_free_empty_tables(struct kunit *test)
{
	struct ptt_ctx *ctx = x86_ctx(test, PTCORE_FEAT_FREE_EMPTY_TABLES);
	u64 b = 5ULL * SZ_1G, unmapped;
	struct ptcore_gather ga;

	/* one page alone below the root: every table on its walk but the root goes */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, b, 0, SZ_4K, 1, RW, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx), ctx->hi.levels);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, b, SZ_4K, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, ctx->hi.levels - 1);
	KUNIT_EXPECT_EQ(test, ga.flags, PTCORE_GATHER_TABLES);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx), 1);
	/* a neighbour keeps the tables it needs */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, b, 0, SZ_4K, 1, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, b + SZ_2M, SZ_2M, SZ_2M, 1, RW, NULL), 0);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, b, SZ_4K, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, 1); /* the page table only */
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx), ctx->hi.levels - 1);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* ptcore_cut: a 1G leaf cut at a 4K boundary, then unmaps between the cuts. */
void x86_case_cut(struct kunit *test)
{
	struct ptt_ctx *ctx = x86_ctx(test, 0);
	u64 b = 6ULL * SZ_1G, pa = 2ULL * SZ_1G, unmapped;
	struct ptcore_gather ga;
	u64 flushes0;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, b, pa, SZ_1G, 1, RW | PTCORE_PROT_CACHE, NULL), 0);
	ptcore_gather_init(&ga);
	flushes0 = ctx->n_flush;
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, b + 3 * SZ_4K, &ga), 0);
	/* no break-before-make on this format: no flush during the cut */
	KUNIT_EXPECT_EQ(test, ctx->n_flush, flushes0);
	KUNIT_EXPECT_EQ(test, ga.pgsize, SZ_1G);
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, b + SZ_2M + SZ_4K, &ga), 0);
	/* a boundary already: nothing */
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, b + SZ_2M, &ga), 0);
	ptt_sync(ctx, &ga);
	ptt_check_translation(ctx, b + 3 * SZ_4K);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, b + SZ_4K, 2 * SZ_4K, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, 2 * SZ_4K);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, b + 3 * SZ_4K, SZ_2M - 2 * SZ_4K, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, b, SZ_4K, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, SZ_4K);
	/* the rest is 4K at b + 2M + 4K, then 2M leaves, all translating as before */
	ptt_check_translation(ctx, b + SZ_1G - 1);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

void x86_case_random(struct kunit *test)
{
	const struct x86_cfg *c = test->param_value;
	struct ptt_ctx *ctx = x86_ctx(test, 0);
	u64 top = 1ULL << ctx->hi.ias, window = 8ULL * SZ_1G;
	unsigned int i, maps = 0, unmaps = 0, refused = 0, cuts = 0;
	struct ptcore_gather ga;
	struct ptt_rng rng;

	/* the generic page table's pgsize_boundary */
	KUNIT_EXPECT_EQ(test, ptt_map_range(ctx, 0xfef80000ULL, 0x208b95d000ULL, 0x20000, RW), 0);
	KUNIT_EXPECT_EQ(test, ptt_unmap_sync(ctx, 0xfef80000ULL, 0x20000, NULL), 0);
	ptt_rng_seed(&rng, 0x8664ULL * c->ias + c->fmt + c->features);
	ptcore_gather_init(&ga);
	for (i = 0; i < 400; i++) {
		unsigned int r = ptt_rand_below(&rng, 100);

		if (r < 50 || !ctx->o.n) {
			static const u64 sz[] = { SZ_4K, SZ_4K, SZ_2M, SZ_1G };
			u64 s = sz[ptt_rand_below(&rng, 4)], count = 1 + ptt_rand_below(&rng, 8);
			u64 iova = ptt_rand_below(&rng, window / s) * s;
			u64 pa = ptt_rand_below(&rng, (1ULL << ctx->hi.oas) / s) * s;
			u32 prot = 1 + ptt_rand_below(&rng, 63);

			if (ptt_rand_below(&rng, 4) == 0) /* near the top */
				iova = top - window + iova;
			if (s == SZ_1G)
				count = 1;
			if (!(prot & RW))
				prot |= PTCORE_PROT_READ;
			if (ptt_rand_below(&rng, 5) == 0)
				ptt_map_range(ctx, iova, pa,
					      count * s + SZ_4K * ptt_rand_below(&rng, 3), prot);
			else if (ptt_map(ctx, iova, pa, s, count, prot, NULL))
				refused++;
			maps++;
		} else if (r < 90) {
			const struct orc_leaf *m = &ctx->o.v[ptt_rand_below(&rng, ctx->o.n)];
			u64 len = SZ_4K * (1 + ptt_rand_below(&rng, 1024));
			u64 at = m->iova + (ptt_rand_below(&rng, 8) == 0 ? SZ_4K : 0);

			if (m->iova + len > top)
				len = m->size;
			if (r & 1)
				ptt_unmap_collect(ctx, at, len, &ga, NULL);
			else
				ptt_unmap(ctx, at, len, &ga, NULL);
			unmaps++;
			if (ptt_rand_below(&rng, 3) == 0)
				ptt_sync(ctx, &ga);
		} else {
			const struct orc_leaf *m = &ctx->o.v[ptt_rand_below(&rng, ctx->o.n)];

			ptt_cut(ctx, m->iova + SZ_4K * ptt_rand_below(&rng, m->size / SZ_4K), &ga);
			cuts++;
		}
		if (i % 100 == 99)
			ptt_verify_all(ctx);
		if (ctx->violations)
			break;
	}
	ptt_sync(ctx, &ga);
	ptt_verify_all(ctx);
	kunit_info(test, "%u maps (%u refused), %u unmaps, %u cuts", maps, refused, unmaps, cuts);
	ptt_ctx_destroy(ctx);
}

void x86_case_bad_arguments(struct kunit *test)
{
	struct ptt_ctx *ctx = x86_ctx(test, 0);

	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, SZ_4K, 1, PTCORE_PROT_CACHE, NULL), -EINVAL);
	/* 8K is no size; a 2M leaf over a table that holds a leaf is in use */
	ptt_case_bad_arguments(ctx, SZ_8K, SZ_2M);
	ptt_ctx_destroy(ctx);
}

/* ---- dirty state ---- */

struct x86_dirty {
	struct kunit *test;
	struct ptcore_table *t;
	struct hw_walk w;
	u64 reported, runs;
};

static const u64 *xd_read(void *arg, u64 pa, u64 bytes)
{
	struct x86_dirty *d = arg;

	return ptcore_phys_to_virt(d->t, pa);
}

static void xd_record(void *arg, const struct ptcore_range *runs, u32 n)
{
	struct x86_dirty *d = arg;
	u32 i;

	for (i = 0; i < n; i++) {
		struct hw_leaf l;

		d->reported += runs[i].size;
		d->runs++;
		/* every run translates as reported */
		KUNIT_EXPECT_EQ(d->test, hw_walk_iova(&d->w, runs[i].iova, &l), HW_OK);
		KUNIT_EXPECT_EQ(d->test, l.oa, runs[i].paddr);
	}
}

/* Bytes reported dirty in [iova, iova + len), reading only. */
static u64 xd_dirty_bytes(struct x86_dirty *d, u64 iova, u64 len, u32 flags,
			  struct ptcore_gather *g)
{
	d->reported = 0;
	d->runs = 0;
	KUNIT_EXPECT_EQ(d->test,
			ptcore_read_and_clear_dirty(d->t, iova, len, flags, g, xd_record, d), 0);
	return d->reported;
}

/* What a device write through @iova does to the entry, as the model says. */
static void xd_device_write(struct x86_dirty *d, u64 iova)
{
	struct hw_leaf l;
	u64 *table;

	KUNIT_ASSERT_EQ(d->test, hw_walk_iova(&d->w, iova, &l), HW_OK);
	KUNIT_ASSERT_TRUE(d->test, l.write && l.dbm);
	table = ptcore_phys_to_virt(d->t, l.table_pa);
	table[l.index] = hw_walk_written_pte(&d->w, &l);
}

void x86_case_dirty(struct kunit *test, bool fresh_dirty)
{
	const struct x86_cfg *c = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(c->fmt, 0, c->ias, c->oas, PTCORE_FEAT_DIRTY_TRACKING, 0);
	u64 b = SZ_1G, mapped_rw = SZ_2M + 8 * SZ_4K + SZ_1G;
	struct ptcore_hw_info hi;
	struct ptcore_gather g;
	struct x86_dirty d = { .test = test };
	struct ptcore_table *plain;
	const char *why = NULL;

	KUNIT_ASSERT_EQ(test, ptcore_table_create(&cfg, &d.t), 0);
	KUNIT_ASSERT_EQ(test, ptcore_hw_info(d.t, &hi), 0);
	KUNIT_ASSERT_EQ_MSG(test, hw_walk_init(&d.w, &hi, cfg.features, xd_read, &d, &why), 0,
			    "%s", why ? why : "");
	KUNIT_ASSERT_EQ(test, ptcore_map_pages(d.t, b, SZ_1G, SZ_2M, 1, RW, 0, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptcore_map_pages(d.t, b + SZ_2M, SZ_2G, SZ_4K, 8, RW, 0, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptcore_map_pages(d.t, b + SZ_2M + 8 * SZ_4K, SZ_2G + SZ_1M, SZ_4K, 1,
					       PTCORE_PROT_READ, 0, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptcore_map_pages(d.t, 2 * b, 0, SZ_1G, 1, RW, 0, NULL), 0);

	/* fresh: x86-64 leaves carry D from the map (as Linux's), VT-d leaves start clean */
	KUNIT_EXPECT_EQ(test, xd_dirty_bytes(&d, b, 2ULL * SZ_1G, PTCORE_DIRTY_NO_CLEAR, NULL),
			fresh_dirty ? mapped_rw : 0);
	/* no-clear changed nothing; clearing reports the same, then nothing */
	ptcore_gather_init(&g);
	KUNIT_EXPECT_EQ(test, xd_dirty_bytes(&d, b, 2ULL * SZ_1G, 0, &g),
			fresh_dirty ? mapped_rw : 0);
	if (fresh_dirty) {
		KUNIT_EXPECT_EQ(test, g.start, b);
		KUNIT_EXPECT_EQ(test, g.end, 3 * b - 1);
	}
	ptcore_iotlb_sync(d.t, &g);
	KUNIT_EXPECT_EQ(test, xd_dirty_bytes(&d, b, 2ULL * SZ_1G, PTCORE_DIRTY_NO_CLEAR, NULL), 0);

	/* device writes: one page, and inside the 2M and the 1G leaves (reported whole) */
	xd_device_write(&d, b + SZ_2M + 3 * SZ_4K + 100);
	xd_device_write(&d, b + SZ_1M);
	xd_device_write(&d, 2 * b + SZ_256M);
	KUNIT_EXPECT_EQ(test, xd_dirty_bytes(&d, b, 2ULL * SZ_1G, PTCORE_DIRTY_NO_CLEAR, NULL),
			SZ_2M + SZ_4K + SZ_1G);
	/* a range that only overlaps the 2M leaf still reports it whole */
	KUNIT_EXPECT_EQ(test, xd_dirty_bytes(&d, b + SZ_1M, SZ_4K, PTCORE_DIRTY_NO_CLEAR, NULL),
			SZ_2M);
	ptcore_gather_init(&g);
	KUNIT_EXPECT_EQ(test, xd_dirty_bytes(&d, b, 2ULL * SZ_1G, 0, &g), SZ_2M + SZ_4K + SZ_1G);
	KUNIT_EXPECT_EQ(test, d.runs, 3);
	ptcore_iotlb_sync(d.t, &g);
	KUNIT_EXPECT_EQ(test, xd_dirty_bytes(&d, b, 2ULL * SZ_1G, 0, &g), 0);
	ptcore_iotlb_sync(d.t, &g);
	ptcore_table_destroy(d.t);

	/* without the feature: refused */
	cfg.features = 0;
	KUNIT_ASSERT_EQ(test, ptcore_table_create(&cfg, &plain), 0);
	ptcore_gather_init(&g);
	KUNIT_EXPECT_EQ(test, ptcore_read_and_clear_dirty(plain, 0, SZ_4K, 0, &g, NULL, NULL),
			-EOPNOTSUPP);
	ptcore_table_destroy(plain);
}

/* ---- the walk model itself, on hand-made tables ---- */

#define XM_TABLES 5
#define XM_BASE 0x100000ULL /* table i at XM_BASE + i * 4K */

struct x86_mem {
	u64 t[XM_TABLES][512];
};

static const u64 *xmem_read(void *arg, u64 pa, u64 bytes)
{
	struct x86_mem *m = arg;
	u64 i = (pa - XM_BASE) / SZ_4K;

	if (pa < XM_BASE || (pa & (SZ_4K - 1)) || i >= XM_TABLES || bytes > SZ_4K)
		return NULL;
	return m->t[i];
}

/*
 * The model against the specification, on entries written by hand (not by
 * ptcore): present rules, PS levels, hierarchical permissions, reserved and
 * never-written bits, the device's A/D writes, the register fields.
 */
void x86_case_model(struct kunit *test, u32 fmt)
{
	bool vtd = fmt == PTCORE_FMT_VTDSS;
	struct x86_mem *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	struct ptcore_hw_info hi = { .format = fmt, .ias = 48, .oas = 52, .granule_lg2 = 12,
				     .levels = 4, .n_roots = 1, .root = { XM_BASE } };
	u64 tbl = vtd ? 0x3 : 0x27, leaf_rw = vtd ? 0x3 : 0x67, ps = 1ULL << 7;
	struct hw_walk w;
	struct hw_leaf l;
	const char *why;

	KUNIT_ASSERT_NOT_NULL(test, m);
	hi.mode = vtd ? 2 : 4;
	KUNIT_ASSERT_EQ(test, hw_walk_init(&w, &hi, PTCORE_FEAT_DIRTY_TRACKING, xmem_read, m, &why),
			0);
	/* PML4[1] -> PDPT (table 1); PDPT[0] -> PD (2); PD[0] -> PT (3); PDPT[2] a 1G leaf */
	m->t[0][1] = (XM_BASE + SZ_4K) | tbl;
	m->t[1][0] = (XM_BASE + 2 * SZ_4K) | tbl;
	m->t[2][0] = (XM_BASE + 3 * SZ_4K) | tbl;
	m->t[3][5] = 0x7000 | leaf_rw;
	m->t[1][2] = (3ULL << 30) | leaf_rw | ps;
	m->t[2][1] = (5ULL << 21) | leaf_rw | ps;

	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, (1ULL << 39) + 5 * SZ_4K + 9, &l), HW_OK);
	KUNIT_EXPECT_EQ(test, l.oa, 0x7009ULL);
	KUNIT_EXPECT_EQ(test, l.size, SZ_4K);
	KUNIT_EXPECT_EQ(test, l.level, 4);
	KUNIT_EXPECT_TRUE(test, l.read && l.write);
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, (1ULL << 39) + 2ULL * SZ_1G + 77, &l), HW_OK);
	KUNIT_EXPECT_EQ(test, l.oa, 3ULL * SZ_1G + 77);
	KUNIT_EXPECT_EQ(test, l.size, SZ_1G);
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, (1ULL << 39) + SZ_2M + 1, &l), HW_OK);
	KUNIT_EXPECT_EQ(test, l.oa, 5ULL * SZ_2M + 1);
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, 0, &l), HW_FAULT_INVALID);
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, 1ULL << 48, &l), HW_FAULT_RANGE);

	/* present: x86 P alone; VT-d R or W, so a write-only entry is present */
	m->t[3][6] = 0x8000 | 0x2;
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, (1ULL << 39) + 6 * SZ_4K, &l),
			vtd ? HW_OK : HW_FAULT_INVALID);
	if (vtd)
		KUNIT_EXPECT_TRUE(test, !l.read && l.write);

	/* permissions are the AND of every level: a read-only directory entry */
	m->t[1][0] &= ~0x2ULL;
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, (1ULL << 39) + 5 * SZ_4K, &l), HW_OK);
	KUNIT_EXPECT_FALSE(test, l.write);
	m->t[1][0] |= 0x2;

	/* PS in a PML4 entry is reserved */
	m->t[0][2] = (1ULL << 39) | leaf_rw | ps;
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, 2ULL << 39, &l), HW_FAULT_MALFORMED);
	/* a 2M leaf with address bits below 2M, and an entry with ignored high bits */
	m->t[2][1] = (5ULL << 21) | SZ_4K | leaf_rw | ps;
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, (1ULL << 39) + SZ_2M, &l), HW_FAULT_MALFORMED);
	m->t[2][1] = (5ULL << 21) | leaf_rw | ps | (1ULL << 55);
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, (1ULL << 39) + SZ_2M, &l), HW_FAULT_MALFORMED);
	m->t[2][1] = (5ULL << 21) | leaf_rw | ps;
	/* an output address beyond oas */
	m->t[3][7] = (1ULL << 51) | leaf_rw;
	hi.oas = 48;
	KUNIT_ASSERT_EQ(test, hw_walk_init(&w, &hi, PTCORE_FEAT_DIRTY_TRACKING, xmem_read, m, &why),
			0);
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, (1ULL << 39) + 7 * SZ_4K, &l), HW_FAULT_ADDRSIZE);

	/* a device write: D (and A) set on the leaf only; x86-64 leaves as ptcore writes them */
	m->t[3][5] = 0x7000 | (vtd ? 0x3 : 0x27);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&w, (1ULL << 39) + 5 * SZ_4K, &l), HW_OK);
	KUNIT_EXPECT_FALSE(test, l.dirty);
	KUNIT_EXPECT_EQ(test, hw_walk_written_pte(&w, &l),
			0x7000 | (vtd ? 0x3 | BIT_ULL(8) | BIT_ULL(9) : 0x67));
	m->t[3][5] = hw_walk_written_pte(&w, &l);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&w, (1ULL << 39) + 5 * SZ_4K, &l), HW_OK);
	KUNIT_EXPECT_TRUE(test, l.dirty);

	/* the registers: x86-64 mode is the level count, VT-d AW = levels - 2 */
	hi.mode = vtd ? 4 : 3;
	KUNIT_EXPECT_EQ(test, hw_walk_init(&w, &hi, 0, xmem_read, m, &why), -EINVAL);
	hi.mode = vtd ? 3 : 5;
	hi.ias = 57;
	KUNIT_EXPECT_EQ(test, hw_walk_init(&w, &hi, 0, xmem_read, m, &why), 0);
	KUNIT_EXPECT_EQ(test, w.levels, 5);
	hi.root[0] = XM_BASE + 8;
	KUNIT_EXPECT_EQ(test, hw_walk_init(&w, &hi, 0, xmem_read, m, &why), -EINVAL);
}

