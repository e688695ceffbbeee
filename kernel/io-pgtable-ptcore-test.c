// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite for io-pgtable on ptcore (kernel/io-pgtable-ptcore.c), through
 * alloc_io_pgtable_ops() and io_pgtable_ops as a driver uses them, with a
 * recording iommu_flush_ops and a recording cfg->alloc/free:
 *
 *   - io_pgtable_cfg outputs (TCR/VTCR fields, MAIR, pgsize_bitmap, ias,
 *     oas) equal io-pgtable-arm's for the same configuration, and after the
 *     same maps both trees hold the same entries (table addresses aside);
 *   - an unmap that removes whole tables walk-flushes their span before
 *     any of them is freed, and adds no leaf to the gather;
 *   - leaves go to the iommu gather one by one, and none when it is queued;
 *   - a block map over an empty table walk-flushes before returning;
 *   - every table cfg->alloc gave is given back to cfg->free.
 */
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/io-pgtable.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "io-pgtable-ptcore.h"

enum rec_kind { REC_ALL, REC_WALK, REC_ADD, REC_ALLOC, REC_FREE };

struct rec_event {
	enum rec_kind kind;
	unsigned long iova;
	size_t size;
	size_t granule;
	void *va;
};

#define REC_MAX 4096

struct rec {
	struct rec_event ev[REC_MAX];
	unsigned int n;
	unsigned int live;
	bool overflow;
};

static void rec_add(struct rec *r, enum rec_kind kind, unsigned long iova, size_t size,
		    size_t granule, void *va)
{
	if (r->n == REC_MAX) {
		r->overflow = true;
		return;
	}
	r->ev[r->n++] = (struct rec_event){ kind, iova, size, granule, va };
}

static void rec_flush_all(void *cookie)
{
	rec_add(cookie, REC_ALL, 0, 0, 0, NULL);
}

static void rec_flush_walk(unsigned long iova, size_t size, size_t granule, void *cookie)
{
	rec_add(cookie, REC_WALK, iova, size, granule, NULL);
}

static void rec_add_page(struct iommu_iotlb_gather *gather, unsigned long iova,
			 size_t granule, void *cookie)
{
	rec_add(cookie, REC_ADD, iova, granule, granule, NULL);
}

static const struct iommu_flush_ops rec_flush_ops = {
	.tlb_flush_all = rec_flush_all,
	.tlb_flush_walk = rec_flush_walk,
	.tlb_add_page = rec_add_page,
};

static void *rec_alloc(void *cookie, size_t size, gfp_t gfp)
{
	struct rec *r = cookie;
	void *va = (void *)__get_free_pages(gfp | __GFP_ZERO, get_order(size));

	if (va) {
		r->live++;
		rec_add(r, REC_ALLOC, 0, size, 0, va);
	}
	return va;
}

static void rec_free(void *cookie, void *va, size_t size)
{
	struct rec *r = cookie;

	r->live--;
	rec_add(r, REC_FREE, 0, size, 0, va);
	free_pages((unsigned long)va, get_order(size));
}

static struct device piopt_test_dev;

static void test_cfg(struct io_pgtable_cfg *cfg, struct rec *r, bool custom)
{
	set_dev_node(&piopt_test_dev, NUMA_NO_NODE);
	*cfg = (struct io_pgtable_cfg) {
		.pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G,
		.ias = 48,
		.oas = 44,
		.coherent_walk = true,
		.tlb = &rec_flush_ops,
		.iommu_dev = &piopt_test_dev,
	};
	if (custom) {
		cfg->alloc = rec_alloc;
		cfg->free = rec_free;
	}
}

static unsigned int count(struct rec *r, enum rec_kind kind, unsigned int from)
{
	unsigned int i, n = 0;

	for (i = from; i < r->n; i++)
		n += r->ev[i].kind == kind;
	return n;
}

/* io-pgtable-arm's table of init functions is bypassed: call it directly */
static struct io_pgtable *arm_ref_alloc(const struct io_pgtable_init_fns *fns,
					enum io_pgtable_fmt fmt,
					struct io_pgtable_cfg *cfg, void *cookie)
{
	struct io_pgtable *iop = fns->alloc(cfg, cookie);

	if (!iop)
		return NULL;
	iop->fmt = fmt;
	iop->cookie = cookie;
	iop->cfg = *cfg;
	return iop;
}

static void cfg_equal(struct kunit *test, enum io_pgtable_fmt fmt, unsigned long pgsizes,
		      unsigned int ias, unsigned int oas, bool coherent)
{
	const struct io_pgtable_init_fns *ref_fns = fmt == ARM_64_LPAE_S1 ?
		&io_pgtable_arm_64_lpae_s1_init_fns : &io_pgtable_arm_64_lpae_s2_init_fns;
	struct io_pgtable_cfg a, b;
	typeof(&a.arm_lpae_s1_cfg) x1, y1;
	typeof(&a.arm_lpae_s2_cfg) x2, y2;
	struct io_pgtable_ops *ops;
	struct io_pgtable *ref;
	struct rec *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	test_cfg(&a, r, false);
	a.pgsize_bitmap = pgsizes;
	a.ias = ias;
	a.oas = oas;
	a.coherent_walk = coherent;
	b = a;
	ops = alloc_io_pgtable_ops(fmt, &a, r);
	KUNIT_ASSERT_NOT_NULL(test, ops);
	ref = arm_ref_alloc(ref_fns, fmt, &b, r);
	KUNIT_ASSERT_NOT_NULL(test, ref);

	KUNIT_EXPECT_EQ(test, a.pgsize_bitmap, b.pgsize_bitmap);
	KUNIT_EXPECT_EQ(test, a.ias, b.ias);
	KUNIT_EXPECT_EQ(test, a.oas, b.oas);
	x1 = &a.arm_lpae_s1_cfg;
	y1 = &b.arm_lpae_s1_cfg;
	x2 = &a.arm_lpae_s2_cfg;
	y2 = &b.arm_lpae_s2_cfg;
	if (fmt == ARM_64_LPAE_S1) {
		KUNIT_EXPECT_EQ(test, (u32)x1->tcr.ips, (u32)y1->tcr.ips);
		KUNIT_EXPECT_EQ(test, (u32)x1->tcr.tg, (u32)y1->tcr.tg);
		KUNIT_EXPECT_EQ(test, (u32)x1->tcr.sh, (u32)y1->tcr.sh);
		KUNIT_EXPECT_EQ(test, (u32)x1->tcr.orgn, (u32)y1->tcr.orgn);
		KUNIT_EXPECT_EQ(test, (u32)x1->tcr.irgn, (u32)y1->tcr.irgn);
		KUNIT_EXPECT_EQ(test, (u32)x1->tcr.tsz, (u32)y1->tcr.tsz);
		/*
		 * The four attributes PTEs index (ATTRINDX 0..3) are equal.
		 * io-pgtable-arm 6.12 computes the MAIR in int: 0xf4 << 24
		 * sign-extends and sets attributes 4..7 to 0xff; ptcore leaves
		 * them 0. No PTE of either uses them.
		 */
		KUNIT_EXPECT_EQ(test, lower_32_bits(x1->mair), lower_32_bits(y1->mair));
		KUNIT_EXPECT_EQ(test, upper_32_bits(x1->mair), 0);
		KUNIT_EXPECT_TRUE(test, upper_32_bits(y1->mair) == 0 ||
				  upper_32_bits(y1->mair) == U32_MAX);
		KUNIT_EXPECT_NE(test, x1->ttbr, 0);
	} else {
		KUNIT_EXPECT_EQ(test, (u32)x2->vtcr.ps, (u32)y2->vtcr.ps);
		KUNIT_EXPECT_EQ(test, (u32)x2->vtcr.tg, (u32)y2->vtcr.tg);
		KUNIT_EXPECT_EQ(test, (u32)x2->vtcr.sh, (u32)y2->vtcr.sh);
		KUNIT_EXPECT_EQ(test, (u32)x2->vtcr.orgn, (u32)y2->vtcr.orgn);
		KUNIT_EXPECT_EQ(test, (u32)x2->vtcr.irgn, (u32)y2->vtcr.irgn);
		KUNIT_EXPECT_EQ(test, (u32)x2->vtcr.sl, (u32)y2->vtcr.sl);
		KUNIT_EXPECT_EQ(test, (u32)x2->vtcr.tsz, (u32)y2->vtcr.tsz);
		KUNIT_EXPECT_NE(test, x2->vttbr, 0);
	}
	free_io_pgtable_ops(ops);
	ref_fns->free(ref);
}

static void piopt_test_cfg_s1(struct kunit *test)
{
	static const unsigned long pgs[] = { SZ_4K | SZ_2M | SZ_1G, SZ_16K | SZ_32M,
					     SZ_64K | SZ_512M, SZ_4K | SZ_64K };
	static const unsigned int ias[] = { 32, 36, 39, 40, 42, 44, 48 };
	static const unsigned int oas[] = { 32, 36, 40, 42, 44, 48 };
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(pgs); i++)
		for (j = 0; j < ARRAY_SIZE(ias); j++)
			cfg_equal(test, ARM_64_LPAE_S1, pgs[i], ias[j],
				  oas[j % ARRAY_SIZE(oas)], true);
}

static void piopt_test_cfg_s2(struct kunit *test)
{
	static const unsigned long pgs[] = { SZ_4K | SZ_2M | SZ_1G, SZ_16K | SZ_32M,
					     SZ_64K | SZ_512M };
	static const unsigned int ias[] = { 32, 36, 40, 42, 44, 48 };
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(pgs); i++)
		for (j = 0; j < ARRAY_SIZE(ias); j++)
			cfg_equal(test, ARM_64_LPAE_S2, pgs[i], ias[j], ias[j], true);
}

#ifdef CONFIG_IOMMU_IO_PGTABLE_DART
/* DART and DART2 against io-pgtable-dart: TTBR count, sizes, translations. */
static void piopt_test_dart(struct kunit *test)
{
	static const struct { enum io_pgtable_fmt fmt; unsigned long pgsize; u32 ias, oas; } c[] = {
		{ APPLE_DART, SZ_16K, 32, 36 }, { APPLE_DART, SZ_16K, 36, 36 },
		{ APPLE_DART, SZ_4K, 32, 36 }, { APPLE_DART2, SZ_16K, 36, 42 },
		{ APPLE_DART2, SZ_16K, 38, 42 },
	};
	struct rec *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned int i, k;

	KUNIT_ASSERT_NOT_NULL(test, r);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		struct io_pgtable_cfg a, b;
		struct io_pgtable_ops *ops;
		struct io_pgtable *ref;
		struct iommu_iotlb_gather g;
		unsigned long iova = (1UL << c[i].ias) - 4 * c[i].pgsize;
		size_t mapped;

		test_cfg(&a, r, false);
		a.pgsize_bitmap = c[i].pgsize;
		a.ias = c[i].ias;
		a.oas = c[i].oas;
		b = a;
		ops = alloc_io_pgtable_ops(c[i].fmt, &a, r);
		KUNIT_ASSERT_NOT_NULL(test, ops);
		ref = arm_ref_alloc(&io_pgtable_apple_dart_init_fns, c[i].fmt, &b, r);
		KUNIT_ASSERT_NOT_NULL(test, ref);
		KUNIT_EXPECT_EQ(test, a.apple_dart_cfg.n_ttbrs, b.apple_dart_cfg.n_ttbrs);
		KUNIT_EXPECT_EQ(test, a.pgsize_bitmap, b.pgsize_bitmap);
		KUNIT_EXPECT_EQ(test, a.ias, b.ias);
		KUNIT_EXPECT_EQ(test, a.oas, b.oas);
		for (k = 0; k < 2; k++) {
			struct io_pgtable_ops *o = k ? &ref->ops : ops;

			mapped = 0;
			KUNIT_EXPECT_EQ(test, o->map_pages(o, iova, 0x80000000UL, c[i].pgsize, 3,
							   IOMMU_READ | IOMMU_WRITE, GFP_KERNEL,
							   &mapped), 0);
			KUNIT_EXPECT_EQ(test, mapped, 3 * c[i].pgsize);
		}
		KUNIT_EXPECT_EQ(test, ops->iova_to_phys(ops, iova + c[i].pgsize + 8),
				ref->ops.iova_to_phys(&ref->ops, iova + c[i].pgsize + 8));
		KUNIT_EXPECT_EQ(test, ops->iova_to_phys(ops, iova + 3 * c[i].pgsize), 0);
		iommu_iotlb_gather_init(&g);
		KUNIT_EXPECT_EQ(test, ops->unmap_pages(ops, iova, c[i].pgsize, 3, &g),
				3 * c[i].pgsize);
		KUNIT_EXPECT_EQ(test, ops->iova_to_phys(ops, iova), 0);
		free_io_pgtable_ops(ops);
		io_pgtable_apple_dart_init_fns.free(ref);
	}
	/* io-pgtable-dart refuses what its walker cannot do; so does the provider */
	{
		struct io_pgtable_cfg a;

		test_cfg(&a, r, false);
		a.pgsize_bitmap = SZ_16K;
		a.ias = 32;
		a.oas = 40;
		KUNIT_EXPECT_NULL(test, alloc_io_pgtable_ops(APPLE_DART, &a, r));
		a.oas = 36;
		a.coherent_walk = false;
		KUNIT_EXPECT_NULL(test, alloc_io_pgtable_ops(APPLE_DART, &a, r));
		/*
		 * A difference: io-pgtable-dart 6.12 also builds DART2 tables
		 * with 4K pages; ptcore has DART2 with the 16K granule only.
		 */
		a.coherent_walk = true;
		a.pgsize_bitmap = SZ_4K;
		a.ias = 30;
		a.oas = 42;
		KUNIT_EXPECT_NULL(test, alloc_io_pgtable_ops(APPLE_DART2, &a, r));
	}
}
#endif

/* ---- the same entries as io-pgtable-arm ---- */

#define T_PTE_TYPE_MASK	3ULL
#define T_PTE_TABLE	3ULL
#define T_PTE_ADDR_MASK	GENMASK_ULL(47, 12)

/*
 * Compare two 4K-granule trees entry by entry: equal leaves, and a table
 * wherever the other has one (their addresses differ).
 */
static void tree_equal(struct kunit *test, u64 *a, u64 *b, unsigned int lvl,
		       unsigned int n, unsigned int *leaves)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		u64 x = READ_ONCE(a[i]), y = READ_ONCE(b[i]);
		bool xt = lvl < 3 && (x & T_PTE_TYPE_MASK) == T_PTE_TABLE;
		bool yt = lvl < 3 && (y & T_PTE_TYPE_MASK) == T_PTE_TABLE;

		if (!x && !y)
			continue;
		/* io-pgtable-arm keeps empty tables; so does ptcore */
		KUNIT_EXPECT_EQ_MSG(test, xt, yt, "level %u index %u: %#llx vs %#llx", lvl, i, x, y);
		if (xt && yt) {
			KUNIT_EXPECT_EQ(test, x & ~T_PTE_ADDR_MASK, y & ~T_PTE_ADDR_MASK);
			tree_equal(test, phys_to_virt(x & T_PTE_ADDR_MASK),
				   phys_to_virt(y & T_PTE_ADDR_MASK), lvl + 1, 512, leaves);
		} else if (!xt && !yt) {
			KUNIT_EXPECT_EQ_MSG(test, x, y, "level %u index %u", lvl, i);
			(*leaves)++;
		}
	}
}

static void piopt_test_same_entries(struct kunit *test)
{
	static const int prots[] = { IOMMU_READ, IOMMU_READ | IOMMU_WRITE,
				     IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE,
				     IOMMU_WRITE | IOMMU_NOEXEC, IOMMU_READ | IOMMU_MMIO,
				     IOMMU_READ | IOMMU_PRIV };
	struct io_pgtable_cfg a, b;
	struct io_pgtable_ops *ops, *ref_ops;
	struct io_pgtable *ref;
	struct rec *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct iommu_iotlb_gather g;
	unsigned int i, leaves = 0;
	size_t mapped;

	KUNIT_ASSERT_NOT_NULL(test, r);
	for (i = 0; i < 2; i++) {
		enum io_pgtable_fmt fmt = i ? ARM_64_LPAE_S2 : ARM_64_LPAE_S1;
		unsigned int p, start_lvl;

		test_cfg(&a, r, false);
		b = a;
		ops = alloc_io_pgtable_ops(fmt, &a, r);
		KUNIT_ASSERT_NOT_NULL(test, ops);
		ref = arm_ref_alloc(i ? &io_pgtable_arm_64_lpae_s2_init_fns :
				    &io_pgtable_arm_64_lpae_s1_init_fns, fmt, &b, r);
		KUNIT_ASSERT_NOT_NULL(test, ref);
		ref_ops = &ref->ops;
		for (p = 0; p < ARRAY_SIZE(prots); p++) {
			unsigned long iova = (unsigned long)p << 30;
			struct io_pgtable_ops *o[2] = { ops, ref_ops };
			unsigned int k;

			for (k = 0; k < 2; k++) {
				mapped = 0;
				KUNIT_EXPECT_EQ(test, o[k]->map_pages(o[k], iova, 0x80000000UL + iova,
						SZ_4K, 3, prots[p], GFP_KERNEL, &mapped), 0);
				KUNIT_EXPECT_EQ(test, mapped, 3 * SZ_4K);
				mapped = 0;
				KUNIT_EXPECT_EQ(test, o[k]->map_pages(o[k], iova + SZ_2M,
						0x80000000UL + SZ_4M, SZ_2M, 2, prots[p],
						GFP_KERNEL, &mapped), 0);
				KUNIT_EXPECT_EQ(test, mapped, 2 * SZ_2M);
			}
			KUNIT_EXPECT_EQ(test, ops->iova_to_phys(ops, iova + SZ_2M + 0x1234),
					ref_ops->iova_to_phys(ref_ops, iova + SZ_2M + 0x1234));
		}
		/*
		 * 48-bit ias, 4K: four levels from level 0 at both stages (6.12
		 * concatenates stage-2 roots only for a root of at most 16 entries)
		 */
		start_lvl = 0;
		tree_equal(test,
			   phys_to_virt(i ? a.arm_lpae_s2_cfg.vttbr : a.arm_lpae_s1_cfg.ttbr),
			   phys_to_virt(i ? b.arm_lpae_s2_cfg.vttbr : b.arm_lpae_s1_cfg.ttbr),
			   start_lvl, 512, &leaves);
		iommu_iotlb_gather_init(&g);
		KUNIT_EXPECT_EQ(test, ops->unmap_pages(ops, 0, SZ_4K, 3, &g), 3 * SZ_4K);
		free_io_pgtable_ops(ops);
		(i ? &io_pgtable_arm_64_lpae_s2_init_fns :
		     &io_pgtable_arm_64_lpae_s1_init_fns)->free(ref);
	}
	/* every map above compared: 6 protections x (3 pages + 2 blocks) x 2 stages */
	KUNIT_EXPECT_EQ(test, leaves, 2 * ARRAY_SIZE(prots) * 5);
}

/*
 * IO_PGTABLE_QUIRK_ARM_HD: the same writable-dirty entries as io-pgtable-arm
 * 6.12, the same leaves reported dirty (through the dirty bitmap's gather),
 * and the same entries again once both made them clean.
 */
static void piopt_test_dirty_same_as_arm_hd(struct kunit *test)
{
	static const int prots[] = { IOMMU_READ, IOMMU_READ | IOMMU_WRITE,
				     IOMMU_WRITE | IOMMU_CACHE };
	struct rec *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct io_pgtable_ops *o[2];
	struct io_pgtable_cfg a, b;
	struct io_pgtable *ref;
	unsigned int p, k, leaves = 0;
	size_t mapped;

	KUNIT_ASSERT_NOT_NULL(test, r);
	test_cfg(&a, r, false);
	a.quirks = IO_PGTABLE_QUIRK_ARM_HD;
	b = a;
	o[0] = alloc_io_pgtable_ops(ARM_64_LPAE_S1, &a, r);
	KUNIT_ASSERT_NOT_NULL(test, o[0]);
	ref = arm_ref_alloc(&io_pgtable_arm_64_lpae_s1_init_fns, ARM_64_LPAE_S1, &b, r);
	KUNIT_ASSERT_NOT_NULL(test, ref);
	o[1] = &ref->ops;
	for (p = 0; p < ARRAY_SIZE(prots); p++) {
		unsigned long iova = (unsigned long)p << 30;

		for (k = 0; k < 2; k++) {
			KUNIT_EXPECT_EQ(test, o[k]->map_pages(o[k], iova, 0x80000000UL + iova,
					SZ_4K, 3, prots[p], GFP_KERNEL, &mapped), 0);
			KUNIT_EXPECT_EQ(test, o[k]->map_pages(o[k], iova + SZ_2M,
					0x80000000UL + SZ_4M, SZ_2M, 2, prots[p], GFP_KERNEL,
					&mapped), 0);
		}
	}
	tree_equal(test, phys_to_virt(a.arm_lpae_s1_cfg.ttbr),
		   phys_to_virt(b.arm_lpae_s1_cfg.ttbr), 0, 512, &leaves);
	KUNIT_EXPECT_EQ(test, leaves, ARRAY_SIZE(prots) * 5);

	/* Report only, report and clear, and again: the same gathers (no holes: 6.12 stops). */
	for (k = 0; k < 3; k++) {
		unsigned long flags = k == 0 ? IOMMU_DIRTY_NO_CLEAR : 0;

		for (p = 0; p < ARRAY_SIZE(prots); p++) {
			unsigned long iova = (unsigned long)p << 30;
			struct iommu_iotlb_gather g[2];
			struct iommu_dirty_bitmap d[2];
			unsigned int j;

			for (j = 0; j < 2; j++) {
				iommu_iotlb_gather_init(&g[j]);
				iommu_dirty_bitmap_init(&d[j], NULL, &g[j]);
				KUNIT_EXPECT_EQ(test, o[j]->read_and_clear_dirty(o[j], iova,
						3 * SZ_4K, flags, &d[j]), 0);
				KUNIT_EXPECT_EQ(test, o[j]->read_and_clear_dirty(o[j], iova + SZ_2M,
						SZ_4M, flags, &d[j]), 0);
			}
			KUNIT_EXPECT_EQ_MSG(test, g[0].start, g[1].start, "prot %u pass %u", p, k);
			KUNIT_EXPECT_EQ_MSG(test, g[0].end, g[1].end, "prot %u pass %u", p, k);
			/* read-only: never dirty; writable: dirty until the clearing pass */
			if ((prots[p] & IOMMU_WRITE) && k < 2)
				KUNIT_EXPECT_LE(test, g[0].start, g[0].end);
			else
				KUNIT_EXPECT_GT(test, g[0].start, g[0].end);
		}
		leaves = 0;
		tree_equal(test, phys_to_virt(a.arm_lpae_s1_cfg.ttbr),
			   phys_to_virt(b.arm_lpae_s1_cfg.ttbr), 0, 512, &leaves);
		KUNIT_EXPECT_EQ(test, leaves, ARRAY_SIZE(prots) * 5);
	}
	free_io_pgtable_ops(o[0]);
	io_pgtable_arm_64_lpae_s1_init_fns.free(ref);
}

/* ---- the flush protocol ---- */

struct piopt_ctx {
	struct rec *r;
	struct io_pgtable_cfg cfg;
	struct io_pgtable_ops *ops;
};

static void ctx_init(struct kunit *test, struct piopt_ctx *c)
{
	c->r = kunit_kzalloc(test, sizeof(*c->r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->r);
	test_cfg(&c->cfg, c->r, true);
	c->ops = alloc_io_pgtable_ops(ARM_64_LPAE_S1, &c->cfg, c->r);
	KUNIT_ASSERT_NOT_NULL(test, c->ops);
	/* the root came from cfg->alloc */
	KUNIT_EXPECT_EQ(test, count(c->r, REC_ALLOC, 0), 1);
}

static void ctx_fini(struct kunit *test, struct piopt_ctx *c)
{
	free_io_pgtable_ops(c->ops);
	KUNIT_EXPECT_EQ(test, c->r->live, 0);
	KUNIT_EXPECT_FALSE(test, c->r->overflow);
}

static void map(struct kunit *test, struct piopt_ctx *c, unsigned long iova, size_t pgsize,
		size_t pgcount)
{
	size_t mapped = 0;

	KUNIT_ASSERT_EQ(test, c->ops->map_pages(c->ops, iova, iova + SZ_1G, pgsize, pgcount,
						IOMMU_READ | IOMMU_WRITE, GFP_KERNEL, &mapped), 0);
	KUNIT_ASSERT_EQ(test, mapped, pgsize * pgcount);
}

/* Unmapping whole leaf tables: one walk flush over them, then the frees. */
static void piopt_test_tables_flushed_before_free(struct kunit *test)
{
	struct piopt_ctx c;
	struct iommu_iotlb_gather g;
	unsigned int from, i, walk_at = UINT_MAX, first_free = UINT_MAX, frees = 0;

	ctx_init(test, &c);
	/* two whole leaf tables, [2M, 6M), and one page beside them */
	map(test, &c, SZ_2M, SZ_4K, 1024);
	map(test, &c, SZ_8M, SZ_4K, 1);
	/* level 1, level 2 and three leaf tables below the root */
	KUNIT_EXPECT_EQ(test, count(c.r, REC_ALLOC, 0), 1 + 2 + 3);
	KUNIT_EXPECT_EQ(test, c.ops->iova_to_phys(c.ops, SZ_4M + 0x42), SZ_1G + SZ_4M + 0x42);

	from = c.r->n;
	iommu_iotlb_gather_init(&g);
	KUNIT_EXPECT_EQ(test, c.ops->unmap_pages(c.ops, SZ_2M, SZ_4K, 1024, &g), SZ_4M);
	for (i = from; i < c.r->n; i++) {
		struct rec_event *e = &c.r->ev[i];

		if (e->kind == REC_WALK && walk_at == UINT_MAX) {
			walk_at = i;
			KUNIT_EXPECT_EQ(test, e->iova, SZ_2M);
			KUNIT_EXPECT_EQ(test, e->size, SZ_4M);
		}
		if (e->kind == REC_FREE) {
			frees++;
			if (first_free == UINT_MAX)
				first_free = i;
		}
	}
	KUNIT_EXPECT_NE(test, walk_at, UINT_MAX);
	KUNIT_EXPECT_LT(test, walk_at, first_free);
	KUNIT_EXPECT_EQ(test, frees, 2);
	KUNIT_EXPECT_EQ(test, count(c.r, REC_ADD, from), 0);
	KUNIT_EXPECT_EQ(test, c.ops->iova_to_phys(c.ops, SZ_4M), 0);
	KUNIT_EXPECT_EQ(test, c.ops->iova_to_phys(c.ops, SZ_8M), SZ_1G + SZ_8M);
	ctx_fini(test, &c);
}

/* Leaves: one tlb_add_page each, none when the gather is queued. */
static void piopt_test_leaves_to_gather(struct kunit *test)
{
	struct piopt_ctx c;
	struct iommu_iotlb_gather g;
	unsigned int from, i, k = 0;

	ctx_init(test, &c);
	map(test, &c, SZ_1M, SZ_4K, 5);
	map(test, &c, SZ_16M, SZ_2M, 2);

	from = c.r->n;
	iommu_iotlb_gather_init(&g);
	KUNIT_EXPECT_EQ(test, c.ops->unmap_pages(c.ops, SZ_1M, SZ_4K, 5, &g), 5 * SZ_4K);
	KUNIT_EXPECT_EQ(test, count(c.r, REC_ADD, from), 5);
	for (i = from; i < c.r->n; i++)
		if (c.r->ev[i].kind == REC_ADD) {
			KUNIT_EXPECT_EQ(test, c.r->ev[i].iova, SZ_1M + k * SZ_4K);
			KUNIT_EXPECT_EQ(test, c.r->ev[i].granule, SZ_4K);
			k++;
		}
	KUNIT_EXPECT_EQ(test, count(c.r, REC_WALK, from), 0);
	KUNIT_EXPECT_EQ(test, count(c.r, REC_FREE, from), 0);

	from = c.r->n;
	iommu_iotlb_gather_init(&g);
	KUNIT_EXPECT_EQ(test, c.ops->unmap_pages(c.ops, SZ_16M, SZ_2M, 1, &g), SZ_2M);
	KUNIT_EXPECT_EQ(test, count(c.r, REC_ADD, from), 1);
	KUNIT_EXPECT_EQ(test, c.r->ev[c.r->n - 1].granule, SZ_2M);

	from = c.r->n;
	iommu_iotlb_gather_init(&g);
	g.queued = true;
	KUNIT_EXPECT_EQ(test, c.ops->unmap_pages(c.ops, SZ_16M + SZ_2M, SZ_2M, 1, &g), SZ_2M);
	KUNIT_EXPECT_EQ(test, count(c.r, REC_ADD, from), 0);
	KUNIT_EXPECT_EQ(test, count(c.r, REC_WALK, from), 0);

	/* a hole: what was there is unmapped and reported, nothing more */
	map(test, &c, SZ_32M, SZ_4K, 2);
	iommu_iotlb_gather_init(&g);
	KUNIT_EXPECT_EQ(test, c.ops->unmap_pages(c.ops, SZ_32M, SZ_4K, 4, &g), 2 * SZ_4K);
	ctx_fini(test, &c);
}

/* A queued gather still gets the walk flush when tables go: they are freed now. */
static void piopt_test_queued_tables(struct kunit *test)
{
	struct piopt_ctx c;
	struct iommu_iotlb_gather g;
	unsigned int from;

	ctx_init(test, &c);
	map(test, &c, SZ_2M, SZ_4K, 512);
	from = c.r->n;
	iommu_iotlb_gather_init(&g);
	g.queued = true;
	KUNIT_EXPECT_EQ(test, c.ops->unmap_pages(c.ops, SZ_2M, SZ_4K, 512, &g), SZ_2M);
	KUNIT_EXPECT_EQ(test, count(c.r, REC_WALK, from), 1);
	KUNIT_EXPECT_EQ(test, count(c.r, REC_FREE, from), 1);
	KUNIT_EXPECT_EQ(test, count(c.r, REC_ADD, from), 0);
	ctx_fini(test, &c);
}

/* A block over an empty table: walk flush in the map; the table is freed later. */
static void piopt_test_block_over_empty_table(struct kunit *test)
{
	struct piopt_ctx c;
	struct iommu_iotlb_gather g;
	unsigned int from, i, walk_at = UINT_MAX;

	ctx_init(test, &c);
	map(test, &c, SZ_2M, SZ_4K, 1);
	iommu_iotlb_gather_init(&g);
	KUNIT_EXPECT_EQ(test, c.ops->unmap_pages(c.ops, SZ_2M, SZ_4K, 1, &g), SZ_4K);
	from = c.r->n;
	map(test, &c, SZ_2M, SZ_2M, 1);
	for (i = from; i < c.r->n; i++)
		if (c.r->ev[i].kind == REC_WALK) {
			walk_at = i;
			KUNIT_EXPECT_EQ(test, c.r->ev[i].iova, SZ_2M);
			KUNIT_EXPECT_EQ(test, c.r->ev[i].size, SZ_2M);
		}
	KUNIT_EXPECT_NE(test, walk_at, UINT_MAX);
	/* never freed before its walk flush */
	for (i = from; i < walk_at && walk_at != UINT_MAX; i++)
		KUNIT_EXPECT_NE(test, c.r->ev[i].kind, REC_FREE);
	KUNIT_EXPECT_EQ(test, c.ops->iova_to_phys(c.ops, SZ_2M + SZ_1M), SZ_1G + SZ_2M + SZ_1M);
	iommu_iotlb_gather_init(&g);
	KUNIT_EXPECT_EQ(test, c.ops->unmap_pages(c.ops, SZ_2M, SZ_2M, 1, &g), SZ_2M);
	ctx_fini(test, &c);
}

/* Errors as io-pgtable-arm reports them. */
static void piopt_test_errors(struct kunit *test)
{
	struct piopt_ctx c;
	size_t mapped = 0;

	ctx_init(test, &c);
	map(test, &c, SZ_2M, SZ_4K, 1);
	KUNIT_EXPECT_EQ(test, c.ops->map_pages(c.ops, SZ_2M, 0, SZ_4K, 1, IOMMU_READ,
					       GFP_KERNEL, &mapped), -EEXIST);
	KUNIT_EXPECT_EQ(test, mapped, 0);
	/* no access: nothing to do, as io-pgtable-arm */
	KUNIT_EXPECT_EQ(test, c.ops->map_pages(c.ops, SZ_8M, 0, SZ_4K, 1, 0, GFP_KERNEL,
					       &mapped), 0);
	KUNIT_EXPECT_EQ(test, c.ops->iova_to_phys(c.ops, SZ_8M), 0);
	KUNIT_EXPECT_EQ(test, c.ops->map_pages(c.ops, 1UL << 48, 0, SZ_4K, 1, IOMMU_READ,
					       GFP_KERNEL, &mapped), -ERANGE);
	ctx_fini(test, &c);
}

/*
 * A real driver's domain: the DMA domain arm-smmu-v3 gave a virtio PCI
 * device (when the kernel has one). 2 MiB of 4K pages at an IOVA the DMA
 * allocator leaves alone (1 TiB, above the 32-bit space it prefers), then
 * one iommu_unmap() of them all: ptcore removes the whole leaf table, and
 * the driver's own tlb_flush_walk (a non-leaf TLBI and a CMD_SYNC to the
 * SMMU) runs before ptcore frees it.
 */
#define PIOPT_LIVE_IOVA	(1UL << 40)

static void piopt_test_live_domain(struct kunit *test)
{
	struct pci_dev *pdev = pci_get_device(PCI_VENDOR_ID_REDHAT_QUMRANET, PCI_ANY_ID, NULL);
	struct iommu_domain *dom;
	struct page *page;
	u64 before;
	unsigned int i;

	if (!pdev)
		kunit_skip(test, "no virtio PCI device");
	dom = iommu_get_domain_for_dev(&pdev->dev);
	pci_dev_put(pdev);
	if (!dom || !(dom->type & __IOMMU_DOMAIN_PAGING))
		kunit_skip(test, "the device has no paging domain");
	if (dom->geometry.aperture_end < PIOPT_LIVE_IOVA + SZ_2M - 1)
		kunit_skip(test, "IOVA space too small");
	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, iommu_iova_to_phys(dom, PIOPT_LIVE_IOVA), 0);
	for (i = 0; i < SZ_2M / SZ_4K; i++)
		KUNIT_ASSERT_EQ(test, iommu_map(dom, PIOPT_LIVE_IOVA + i * SZ_4K, page_to_phys(page),
						SZ_4K, IOMMU_READ, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(dom, PIOPT_LIVE_IOVA + SZ_1M + 0x10),
			page_to_phys(page) + 0x10);
	before = ptcore_io_pgtable_walk_flushes();
	KUNIT_EXPECT_EQ(test, iommu_unmap(dom, PIOPT_LIVE_IOVA, SZ_2M), SZ_2M);
	KUNIT_EXPECT_EQ(test, ptcore_io_pgtable_walk_flushes(), before + 1);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(dom, PIOPT_LIVE_IOVA + SZ_1M), 0);
	kunit_info(test, "walk flush of [%#lx, %#lx) through the driver\n",
		   PIOPT_LIVE_IOVA, PIOPT_LIVE_IOVA + SZ_2M);
	__free_page(page);
}

static struct kunit_case piopt_test_cases[] = {
	KUNIT_CASE(piopt_test_cfg_s1),
	KUNIT_CASE(piopt_test_cfg_s2),
	KUNIT_CASE(piopt_test_same_entries),
	KUNIT_CASE(piopt_test_dirty_same_as_arm_hd),
#ifdef CONFIG_IOMMU_IO_PGTABLE_DART
	KUNIT_CASE(piopt_test_dart),
#endif
	KUNIT_CASE(piopt_test_tables_flushed_before_free),
	KUNIT_CASE(piopt_test_leaves_to_gather),
	KUNIT_CASE(piopt_test_queued_tables),
	KUNIT_CASE(piopt_test_block_over_empty_table),
	KUNIT_CASE(piopt_test_errors),
	KUNIT_CASE(piopt_test_live_domain),
	{}
};

static struct kunit_suite piopt_test_suite = {
	.name = "ptcore_io_pgtable",
	.test_cases = piopt_test_cases,
};

kunit_test_suite(piopt_test_suite);

MODULE_DESCRIPTION("KUnit tests for io-pgtable on ptcore");
MODULE_LICENSE("Dual MIT/GPL");
