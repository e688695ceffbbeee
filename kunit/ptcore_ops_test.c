// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: the operations ABI.md adds beyond the seed, per format and granule.
 *
 * - ptcore_map_range() leaves exactly the tables that Linux's splitting of
 *   the range into map_pages() calls leaves (iommu_pgsize()/__iommu_map(),
 *   emulated by ptt_map_range() through ptcore_map_pages() on a twin
 *   table): the same return, the same *mapped, leaf for leaf the same
 *   entries, the same number of tables.
 * - ptcore_unmap_collect() is ptcore_unmap() (every check of ptt_unmap())
 *   and reports the removed leaves as the oracle's leaves merged into runs.
 * - PTCORE_FEAT_FREE_EMPTY_TABLES: what an unmap leaves empty goes through
 *   the gather; ptt_unmap() checks that every table that went was wholly
 *   covered or empty, that none that is empty stays linked, and the gather.
 * - ptcore_cut(): ptt_cut() teaches the oracle the split map_range would
 *   choose on either side and then checks the tree leaf for leaf, the
 *   translations, the gather and the flushes (break-before-make or BBML2).
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "ptt_util.h"

#define RW (PTCORE_PROT_READ | PTCORE_PROT_WRITE)
#define S1 PTCORE_FMT_ARM64_LPAE_S1
#define S2 PTCORE_FMT_ARM64_LPAE_S2
#define D1 PTCORE_FMT_APPLE_DART
#define D2 PTCORE_FMT_APPLE_DART2
#define RV PTCORE_FMT_RISCV64
#define ops_ull(x) ((unsigned long long)(x))
#define MAX_LEAVES 65536

struct ops_cfg {
	u32 fmt;
	unsigned char pg_shift, ias, oas;
	bool contig; /* ARM: the contiguous-hint sizes too */
};

static const struct ops_cfg ops_cfgs[] = {
	{ S1, 12, 48, 48, false },
	{ S1, 12, 48, 48, true },
	{ S1, 14, 48, 48, true },
	{ S1, 16, 48, 48, false },
	{ S2, 12, 40, 40, false },
	{ D1, 14, 32, 36, false },
	{ D2, 14, 36, 42, false },
	{ RV, 12, 38, 56, false },
	{ RV, 12, 47, 48, false },
};

static void ops_cfg_desc(const struct ops_cfg *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %uK ias %u oas %u%s",
		 c->fmt == S1 ? "s1" : c->fmt == S2 ? "s2" : c->fmt == D1 ? "dart1" :
		 c->fmt == RV ? "riscv" : "dart2",
		 1U << (c->pg_shift - 10), c->ias, c->oas, c->contig ? " contig" : "");
}

KUNIT_ARRAY_PARAM(ops_cfg, ops_cfgs, ops_cfg_desc);

/* Every size of the granule, contiguous-hint sizes included where asked for. */
static u64 ops_bitmap(const struct ops_cfg *c)
{
	return c->contig ? ptt_arm_contig_bitmap(c->pg_shift) : 0;
}

static struct ptt_ctx *ops_ctx(struct kunit *test, u32 features, u32 flags)
{
	const struct ops_cfg *c = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(c->fmt, c->pg_shift, c->ias, c->oas, features,
					ops_bitmap(c));

	return ptt_ctx_create(test, &cfg, flags);
}

struct leaf_rec {
	u64 iova, pte;
	unsigned int level;
};

struct leaf_list {
	struct leaf_rec *v;
	unsigned int n, tables;
};

static int list_leaf(void *arg, const struct hw_leaf *leaf)
{
	struct leaf_list *l = arg;

	if (l->n == MAX_LEAVES)
		return -ENOSPC;
	l->v[l->n].iova = leaf->iova;
	l->v[l->n].pte = leaf->pte;
	l->v[l->n++].level = leaf->level;
	return 0;
}

static int count_table(void *arg, u64 pa, unsigned int level, u64 iova, u64 span, u64 bytes,
		       u64 desc)
{
	((struct leaf_list *)arg)->tables++;
	return 0;
}

/* The two trees hold the same leaves (raw entries included) and as many tables. */
static void expect_same_leaves(struct kunit *test, struct ptt_ctx *a, struct ptt_ctx *b)
{
	struct leaf_list la = { 0 }, lb = { 0 };
	unsigned int i;

	la.v = kvmalloc_array(MAX_LEAVES, sizeof(*la.v), GFP_KERNEL);
	lb.v = kvmalloc_array(MAX_LEAVES, sizeof(*lb.v), GFP_KERNEL);
	if (la.v && lb.v) {
		KUNIT_EXPECT_EQ(test, hw_walk_for_each(&a->w, count_table, list_leaf, &la), 0);
		KUNIT_EXPECT_EQ(test, hw_walk_for_each(&b->w, count_table, list_leaf, &lb), 0);
		KUNIT_EXPECT_EQ(test, la.n, lb.n);
		KUNIT_EXPECT_EQ(test, la.tables, lb.tables);
		for (i = 0; i < la.n && i < lb.n; i++) {
			if (la.v[i].iova == lb.v[i].iova && la.v[i].pte == lb.v[i].pte &&
			    la.v[i].level == lb.v[i].level)
				continue;
			KUNIT_FAIL(test,
				   "leaf %u: split into map_pages %llx L%u %llx, map_range %llx L%u %llx",
				   i, ops_ull(la.v[i].iova), la.v[i].level, ops_ull(la.v[i].pte),
				   ops_ull(lb.v[i].iova), lb.v[i].level, ops_ull(lb.v[i].pte));
			break;
		}
	} else {
		KUNIT_FAIL(test, "out of memory for the leaf lists");
	}
	kvfree(la.v);
	kvfree(lb.v);
}

/* A random range: sizes and misalignments that make the splitting choose. */
static void rand_range(struct ptt_rng *r, const struct ptt_ctx *ctx, u64 slot, u64 *iova,
		       u64 *pa, u64 *len)
{
	u64 g = ptt_smallest_pgsize(ctx), blk = g << (ctx->hi.granule_lg2 - 3);
	u64 off = ptt_rand_below(r, 4) ? g * ptt_rand_below(r, 40) : 0;

	*iova = slot + off;
	/* the same offset in a large page keeps large leaves possible, mostly */
	*pa = (ptt_rand_below(r, 8) ? slot : slot + g * (1 + ptt_rand_below(r, 7))) + off;
	*len = g * (1 + ptt_rand_below(r, 64));
	if (ptt_rand_below(r, 2))
		*len += blk * ptt_rand_below(r, 3);
}

static void map_range_is_linux_split(struct kunit *test)
{
	struct ptt_ctx *a = ops_ctx(test, 0, 0), *b = ops_ctx(test, 0, PTT_CTX_NO_OPS);
	u64 blk = ptt_smallest_pgsize(a) << (a->hi.granule_lg2 - 3);
	u64 slot_size = 4 * blk, iova, pa, len, mapped = 0;
	unsigned int i, n = 24;
	struct ptt_rng r;

	if ((u64)(n + 1) * slot_size > (1ULL << a->hi.ias) / 2)
		n = (1ULL << a->hi.ias) / 2 / slot_size - 1;
	ptt_rng_seed(&r, 0x5eed0001 + a->hi.granule_lg2);
	for (i = 0; i < n; i++) {
		int ra, rb;

		rand_range(&r, a, (u64)i * slot_size, &iova, &pa, &len);
		if (len > slot_size - (iova - (u64)i * slot_size))
			len = slot_size - (iova - (u64)i * slot_size);
		ra = ptt_map_range(a, iova, pa, len, RW);
		rb = ptcore_map_range(b->t, iova, pa, len, RW, 0, &mapped);
		KUNIT_EXPECT_EQ_MSG(test, rb, ra, "map_range(%llx, %llx, %llx)", ops_ull(iova),
				    ops_ull(pa), ops_ull(len));
		KUNIT_EXPECT_EQ(test, mapped, ra ? mapped : len);
	}
	/* an overlap in a fresh slot: both stop at the same leaf, having mapped as much */
	iova = (u64)n * slot_size;
	KUNIT_ASSERT_EQ(test, ptt_map(a, iova + blk + ptt_smallest_pgsize(a), 0,
				      ptt_smallest_pgsize(a), 1, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptcore_map_pages(b->t, iova + blk + ptt_smallest_pgsize(a), 0,
					       ptt_smallest_pgsize(a), 1, RW, 0, &mapped), 0);
	KUNIT_EXPECT_EQ(test, ptt_map_range(a, iova, iova, 3 * blk, RW), -EADDRINUSE);
	KUNIT_EXPECT_EQ(test, ptcore_map_range(b->t, iova, iova, 3 * blk, RW, 0, &mapped),
			-EADDRINUSE);
	/* one block, then the table with the page; pages up to it where there are no blocks */
	KUNIT_EXPECT_EQ(test, mapped,
			(a->hi.pgsize_bitmap & blk) ? blk : blk + ptt_smallest_pgsize(a));
	expect_same_leaves(test, a, b);
	ptt_verify_all(a);
	ptt_ctx_destroy(b);
	ptt_ctx_destroy(a);
}

/* Every argument error of ABI.md, checked before anything is written. */
static void map_range_bad_arguments(struct kunit *test)
{
	struct ptt_ctx *ctx = ops_ctx(test, 0, 0);
	u64 g = ptt_smallest_pgsize(ctx), top = 1ULL << ctx->hi.ias, mapped;
	u64 otop = 1ULL << ctx->hi.oas, n_alloc0 = ctx->n_alloc;
	const struct {
		u64 iova, pa, len;
		u32 prot;
		int err;
	} bad[] = {
		{ 0, 0, 0, RW, -EINVAL },
		{ g / 2, 0, g, RW, -EINVAL },
		{ 0, g / 2, g, RW, -EINVAL },
		{ 0, 0, g + g / 2, RW, -EINVAL },
		{ 0, 0, g, PTCORE_PROT_CACHE, -EINVAL },
		{ U64_MAX - g + 1, 0, 2 * g, RW, -EOVERFLOW },
		{ 0, U64_MAX - g + 1, 2 * g, RW, -EOVERFLOW },
		{ top - g, 0, 2 * g, RW, -ERANGE },
		{ 0, otop - g, 2 * g, RW, -ERANGE },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		mapped = 1;
		KUNIT_EXPECT_EQ_MSG(test, ptcore_map_range(ctx->t, bad[i].iova, bad[i].pa,
							   bad[i].len, bad[i].prot, 0, &mapped),
				    bad[i].err, "case %u", i);
		KUNIT_EXPECT_EQ(test, mapped, 0);
	}
	KUNIT_EXPECT_EQ(test, ctx->n_alloc, n_alloc0);
	KUNIT_EXPECT_EQ(test, ctx->n_flush, 0);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* The runs of unmap_collect, over mixed sizes, wholly covered tables and a hole. */
static void unmap_collect_reports_runs(struct kunit *test)
{
	struct ptt_ctx *ctx = ops_ctx(test, 0, 0);
	u64 g = ptt_smallest_pgsize(ctx), blk = g << (ctx->hi.granule_lg2 - 3);
	u64 unmapped, iova, pa, len;
	struct ptcore_gather ga;
	struct ptt_rng r;
	unsigned int i;

	/* whole leaf tables of pages, contiguous in PA across them, then a block */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, 4 * blk, 8 * blk, g, 2 * (blk / g), RW, NULL), 0);
	if (ctx->hi.pgsize_bitmap & blk)
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, 6 * blk, 10 * blk, blk, 1, RW, NULL), 0);
	else
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, 6 * blk, 10 * blk, g, blk / g, RW, NULL), 0);
	/* pages whose PAs are not contiguous */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, 7 * blk, 3 * g, g, 1, RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, 7 * blk + g, g, g, 1, RW, NULL), 0);
	ptcore_gather_init(&ga);
	/* one run 4*blk..7*blk (tables, then a block that continues them), then two */
	KUNIT_EXPECT_EQ(test, ptt_unmap_collect(ctx, 4 * blk, 3 * blk + 2 * g, &ga, &unmapped), 0);
	ptt_sync(ctx, &ga);

	/* random ranges mapped with map_range, unmapped at random, holes included */
	ptt_rng_seed(&r, 0xc011ec7);
	for (i = 0; i < 16; i++) {
		rand_range(&r, ctx, (16 + (u64)i) * 4 * blk, &iova, &pa, &len);
		ptt_map_range(ctx, iova, pa, len, RW);
	}
	for (i = 0; i < 32; i++) {
		u64 at = (16 + ptt_rand_below(&r, 16)) * 4 * blk + g * ptt_rand_below(&r, 64);

		ptcore_gather_init(&ga);
		ptt_unmap_collect(ctx, at, g * (1 + ptt_rand_below(&r, 600)), &ga, &unmapped);
		ptt_sync(ctx, &ga);
	}
	/* a NULL callback is plain unmap */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, blk, blk, g, 4, RW, NULL), 0);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptcore_unmap_collect(ctx->t, blk, 4 * g, &ga, &unmapped, NULL, NULL),
			0);
	KUNIT_EXPECT_EQ(test, unmapped, 4 * g);
	ptt_oracle_remove(ctx, blk, 4 * g);
	ptt_sync(ctx, &ga);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Free-empty: a lone page takes its tables with it; a neighbour keeps them. */
static void free_empty_takes_what_it_empties(struct kunit *test)
{
	struct ptt_ctx *ctx = ops_ctx(test, PTCORE_FEAT_FREE_EMPTY_TABLES, 0);
	u64 g = ptt_smallest_pgsize(ctx), blk = g << (ctx->hi.granule_lg2 - 3);
	u64 far = (1ULL << ctx->hi.ias) / 2 + 3 * blk;
	unsigned int tables0 = ptt_count_tables(ctx);
	struct ptcore_gather ga;

	KUNIT_ASSERT_EQ(test, ptt_map(ctx, far + g, 0, g, 2, RW, NULL), 0);
	KUNIT_EXPECT_GT(test, ptt_count_tables(ctx), tables0);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, far + g, g, &ga, NULL), 0);
	KUNIT_EXPECT_EQ(test, ga.nr_tables, 0); /* its neighbour keeps the table */
	ptt_sync(ctx, &ga);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, far + 2 * g, g, &ga, NULL), 0);
	KUNIT_EXPECT_GT(test, ga.nr_tables, 0);
	KUNIT_EXPECT_TRUE(test, ga.flags & PTCORE_GATHER_TABLES);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx), tables0);
	/* a failed unmap (a hole) frees what it emptied before the hole */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, far, 0, g, 1, RW, NULL), 0);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, far, 2 * g, &ga, NULL), -EINVAL);
	ptt_sync(ctx, &ga);
	KUNIT_EXPECT_EQ(test, ptt_count_tables(ctx), tables0);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/* Free-empty against the oracle: random maps and unmaps, every check of ptt_unmap(). */
static void free_empty_random(struct kunit *test)
{
	struct ptt_ctx *ctx = ops_ctx(test, PTCORE_FEAT_FREE_EMPTY_TABLES, 0);
	u64 g = ptt_smallest_pgsize(ctx), blk = g << (ctx->hi.granule_lg2 - 3);
	u64 iova, pa, len, unmapped;
	struct ptcore_gather ga;
	struct ptt_rng r;
	unsigned int i;

	ptt_rng_seed(&r, 0xf7ee);
	for (i = 0; i < 96; i++) {
		if (ptt_rand_below(&r, 2)) {
			rand_range(&r, ctx, ptt_rand_below(&r, 16) * 4 * blk, &iova, &pa, &len);
			ptt_map_range(ctx, iova, pa, len, RW);
		} else {
			u64 at = ptt_rand_below(&r, 16) * 4 * blk + g * ptt_rand_below(&r, 64);
			u64 size = g * (1 + ptt_rand_below(&r, 900));

			ptcore_gather_init(&ga);
			if (ptt_rand_below(&r, 2))
				ptt_unmap(ctx, at, size, &ga, &unmapped);
			else
				ptt_unmap_collect(ctx, at, size, &ga, &unmapped);
			ptt_sync(ctx, &ga);
		}
	}
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

/*
 * Cut inside blocks, contiguous runs and pages, at boundaries and where
 * nothing is mapped; then unmaps between cut points succeed. With BBML2 no
 * flush; without, break-before-make with one flush of the old leaf.
 */
static void cut_splits_only_what_spans(struct kunit *test, u32 features)
{
	struct ptt_ctx *ctx = ops_ctx(test, features, 0);
	u64 g = ptt_smallest_pgsize(ctx), blk = g << (ctx->hi.granule_lg2 - 3);
	u64 big = blk << (ctx->hi.granule_lg2 - 3), bm = ctx->hi.pgsize_bitmap, unmapped;
	u64 base = 2 * big, n_alloc0;
	struct ptcore_gather ga;

	if (!(bm & blk))
		kunit_skip(test, "no block size (DART): no leaf larger than a page");
	ptcore_gather_init(&ga);
	/* blocks and pages mapped as map_range splits them, one big block where possible */
	KUNIT_ASSERT_EQ(test, ptt_map_range(ctx, base, base, 4 * blk + 2 * g, RW), 0);
	if ((bm & big) && ctx->hi.ias > 32 + ctx->hi.granule_lg2 - 12)
		KUNIT_ASSERT_EQ(test, ptt_map(ctx, 4 * big, 6 * big, big, 1, RW, NULL), 0);
	/* boundaries and holes change nothing */
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, base, &ga), 0);
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, base + blk, &ga), 0);
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, 7 * big + 5 * g, &ga), 0);
	/* inside a block, at a page */
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, base + blk + 3 * g, &ga), 0);
	/* inside a block, at a multiple of a contiguous run where there are runs */
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, base + 2 * blk + 32 * g, &ga), 0);
	/* twice in one block */
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, base + 3 * blk + 8 * g, &ga), 0);
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, base + 3 * blk + 40 * g, &ga), 0);
	if ((bm & big) && ctx->hi.ias > 32 + ctx->hi.granule_lg2 - 12) {
		/* inside the big block, a page in: tables two levels deep */
		KUNIT_EXPECT_EQ(test, ptt_cut(ctx, 4 * big + blk + g, &ga), 0);
		KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, 4 * big + blk + g, big - blk - g, &ga,
						&unmapped), 0);
		KUNIT_EXPECT_EQ(test, unmapped, big - blk - g);
	}
	ptt_sync(ctx, &ga);
	/* an unmap between cut points inside what was one block */
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base + 3 * blk + 8 * g, 32 * g, &ga, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, 32 * g);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, base + blk + 3 * g, g, &ga, &unmapped), 0);
	ptt_sync(ctx, &ga);
	/* bad arguments change nothing */
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, base + g / 2, &ga), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, 1ULL << ctx->hi.ias, &ga), -ERANGE);
	/* out of memory: nothing changed, then it works */
	KUNIT_ASSERT_EQ(test, ptt_map(ctx, base + 8 * blk, 0, blk, 1, RW, NULL), 0);
	n_alloc0 = ctx->alloc_calls;
	ctx->fail_nth = n_alloc0 + 1;
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, base + 8 * blk + g, &ga), -ENOMEM);
	ctx->fail_nth = 0;
	KUNIT_EXPECT_EQ(test, ptt_cut(ctx, base + 8 * blk + g, &ga), 0);
	ptt_sync(ctx, &ga);
	ptt_verify_all(ctx);
	ptt_ctx_destroy(ctx);
}

static void cut_break_before_make(struct kunit *test)
{
	cut_splits_only_what_spans(test, 0);
}

static void cut_hitless_with_bbml2(struct kunit *test)
{
	const struct ops_cfg *c = test->param_value;

	if (c->fmt == D1 || c->fmt == D2)
		kunit_skip(test, "BBML2 is an ARM feature");
	cut_splits_only_what_spans(test, PTCORE_FEAT_ARM_BBML2);
}

static struct kunit_case ops_cases[] = {
	KUNIT_CASE_PARAM(map_range_is_linux_split, ops_cfg_gen_params),
	KUNIT_CASE_PARAM(map_range_bad_arguments, ops_cfg_gen_params),
	KUNIT_CASE_PARAM(unmap_collect_reports_runs, ops_cfg_gen_params),
	KUNIT_CASE_PARAM(free_empty_takes_what_it_empties, ops_cfg_gen_params),
	KUNIT_CASE_PARAM(free_empty_random, ops_cfg_gen_params),
	KUNIT_CASE_PARAM(cut_break_before_make, ops_cfg_gen_params),
	KUNIT_CASE_PARAM(cut_hitless_with_bbml2, ops_cfg_gen_params),
	{}
};

static struct kunit_suite ops_suite = {
	.name = "ptcore_ops",
	.init = ptt_case_init,
	.exit = ptt_case_exit,
	.test_cases = ops_cases,
};

kunit_test_suites(&ops_suite);
