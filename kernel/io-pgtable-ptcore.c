// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * io-pgtable on ptcore: the ARM_64_LPAE_S1, ARM_64_LPAE_S2, APPLE_DART and
 * APPLE_DART2 formats of drivers/iommu/io-pgtable.c served by ptcore.
 *
 * A driver keeps calling alloc_io_pgtable_ops() and the io_pgtable_ops it
 * returns; with CONFIG_IOMMU_IO_PGTABLE_PTCORE the provider table of
 * io-pgtable.c points those formats here (a build-time edit of that one
 * file, see scripts/qemu_smmuv3.sh). io_pgtable_cfg is filled in from
 * ptcore_hw_info with the values io-pgtable-arm and io-pgtable-dart give for
 * the same configuration.
 *
 * Flushing follows what io-pgtable-arm does, which is what arm-smmu-v3
 * expects: every unmap_pages() call uses a ptcore gather of its own and
 * syncs it before returning. When the unmap removed tables, ptcore's
 * iotlb_flush callback issues cfg->tlb->tlb_flush_walk over the span (the
 * driver's walk invalidation covers leaves too) and only then does ptcore
 * free them. When only leaves went, each leaf is handed to tlb_add_page on
 * the driver's iommu_iotlb_gather, unless that gather is queued (a flush
 * queue invalidates everything later). A map that replaces an empty table
 * by a block gets the walk flush from the same callback.
 *
 * IO_PGTABLE_QUIRK_ARM_HD (stage 1) is ptcore's PTCORE_FEAT_DIRTY_TRACKING,
 * with the same entries; read_and_clear_dirty() records the dirty leaves
 * in the driver's iommu_dirty_bitmap, whose gather the caller syncs.
 *
 * Every domain counts what ptcore did for it; the counters of the live
 * domains are in debugfs (ptcore/io-pgtable) and a domain's are printed
 * when it is freed.
 */
#define pr_fmt(fmt) "ptcore-io-pgtable: " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/init.h>
#include <linux/io-pgtable.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "ptcore.h"
#include "io-pgtable-ptcore.h"

/* TCR/VTCR encodings that ptcore_hw_info does not carry */
#define PIOPT_RGN_WBWA		1

struct piopt_stats {
	atomic64_t tables_created;
	atomic64_t tables_freed;
	atomic64_t maps;
	atomic64_t map_bytes;
	atomic64_t unmaps;
	atomic64_t unmap_bytes;
	atomic64_t walk_flushes;
	atomic64_t leaf_flushes;
	atomic64_t faults_injected;
};

struct piopt {
	struct io_pgtable iop;		/* first: io_pgtable_ops_to_pgtable() */
	struct ptcore_table *t;
	unsigned int id;
	enum io_pgtable_fmt fmt;
	/* copies of what the callbacks need, valid before iop.cfg is */
	void *cookie;
	const struct iommu_flush_ops *tlb;
	struct device *dev;
	bool coherent;
	void *(*cfg_alloc)(void *cookie, size_t size, gfp_t gfp);
	void (*cfg_free)(void *cookie, void *pages, size_t size);
	struct piopt_stats st;
	/* fault injection: the first page of one map that was left out */
	spinlock_t hole_lock;
	unsigned long hole_iova;
	phys_addr_t hole_phys;
	size_t hole_size;
	struct list_head node;
};

static LIST_HEAD(piopt_list);
static DEFINE_MUTEX(piopt_list_lock);
static atomic_t piopt_next_id = ATOMIC_INIT(0);
/* debugfs ptcore/fault_next_map: leave out the first page of the next N maps */
static atomic_t piopt_fault_next_map = ATOMIC_INIT(0);

static const char *piopt_fmt_name(enum io_pgtable_fmt fmt)
{
	switch (fmt) {
	case ARM_64_LPAE_S1: return "ARM_64_LPAE_S1";
	case ARM_64_LPAE_S2: return "ARM_64_LPAE_S2";
	case APPLE_DART: return "APPLE_DART";
	case APPLE_DART2: return "APPLE_DART2";
	default: return "?";
	}
}

static inline struct piopt *ops_to_piopt(struct io_pgtable_ops *ops)
{
	return container_of(io_pgtable_ops_to_pgtable(ops), struct piopt, iop);
}

/* ---- ptcore_ops ---- */

/* io-pgtable-arm never gives the walker less than 64 bytes of a table */
static size_t piopt_alloc_size(size_t size)
{
	return max_t(size_t, size, 64);
}

static void *piopt_alloc_table(void *cookie, size_t size, u64 *phys, u32 gfp)
{
	struct piopt *p = cookie;
	size_t sz = piopt_alloc_size(size);
	void *va;

	if (p->cfg_alloc) {
		va = p->cfg_alloc(p->cookie, sz, (__force gfp_t)gfp);
		if (!va)
			return NULL;
		*phys = virt_to_phys(va);
		/* ptcore needs tables aligned to their size */
		if (WARN_ON(!IS_ALIGNED(*phys, sz))) {
			p->cfg_free(p->cookie, va, sz);
			return NULL;
		}
	} else {
		va = ptcore_builtin_alloc_table(NULL, sz, phys, gfp);
		if (!va)
			return NULL;
	}

	if (!p->coherent) {
		dma_addr_t dma = dma_map_single(p->dev, va, sz, DMA_TO_DEVICE);

		if (dma_mapping_error(p->dev, dma))
			goto out_free;
		/* as io-pgtable-arm: the walker must see the CPU's physical address */
		if (dma != *phys) {
			dev_err(p->dev, "ptcore: cannot use table memory with an offset DMA address\n");
			dma_unmap_single(p->dev, dma, sz, DMA_TO_DEVICE);
			goto out_free;
		}
	}
	atomic64_inc(&p->st.tables_created);
	return va;

out_free:
	if (p->cfg_free)
		p->cfg_free(p->cookie, va, sz);
	else
		ptcore_builtin_free_table(NULL, va, *phys, sz);
	return NULL;
}

static void piopt_free_table(void *cookie, void *va, u64 phys, size_t size)
{
	struct piopt *p = cookie;
	size_t sz = piopt_alloc_size(size);

	if (!p->coherent)
		dma_unmap_single(p->dev, phys, sz, DMA_TO_DEVICE);
	if (p->cfg_free)
		p->cfg_free(p->cookie, va, sz);
	else
		ptcore_builtin_free_table(NULL, va, phys, sz);
	atomic64_inc(&p->st.tables_freed);
}

static void piopt_sync_table(void *cookie, void *va, size_t len)
{
	struct piopt *p = cookie;

	dma_sync_single_for_device(p->dev, virt_to_phys(va), len, DMA_TO_DEVICE);
}

/*
 * ptcore asks for an invalidation. Leaves alone are added to the driver's
 * gather by unmap_pages() itself (ptcore does not know that gather), so
 * only a gather that removed or replaced tables needs work here: the walk
 * flush, synchronous, before ptcore frees them.
 */
static void piopt_iotlb_flush(void *cookie, const struct ptcore_gather *g)
{
	struct piopt *p = cookie;
	u64 granule;

	if (!(g->flags & PTCORE_GATHER_TABLES))
		return;
	granule = ptcore_gather_leaf_size(g);
	if (!granule)
		granule = 1ULL << __ffs(p->iop.cfg.pgsize_bitmap ?: PAGE_SIZE);
	atomic64_inc(&p->st.walk_flushes);
	if (p->tlb && p->tlb->tlb_flush_walk)
		p->tlb->tlb_flush_walk(g->start, g->end - g->start + 1, granule, p->cookie);
}

static const struct ptcore_ops piopt_ops_coherent = {
	.alloc_table = piopt_alloc_table,
	.free_table = piopt_free_table,
	.iotlb_flush = piopt_iotlb_flush,
};

static const struct ptcore_ops piopt_ops_incoherent = {
	.alloc_table = piopt_alloc_table,
	.free_table = piopt_free_table,
	.sync_table = piopt_sync_table,
	.iotlb_flush = piopt_iotlb_flush,
};

/* ---- io_pgtable_ops ---- */

static int piopt_map_pages(struct io_pgtable_ops *ops, unsigned long iova,
			   phys_addr_t paddr, size_t pgsize, size_t pgcount,
			   int prot, gfp_t gfp, size_t *mapped)
{
	struct piopt *p = ops_to_piopt(ops);
	u64 done = 0;
	size_t skip = 0;
	int ret;

	/* io-pgtable-arm: no access, nothing to do */
	if (!(prot & (IOMMU_READ | IOMMU_WRITE)))
		return 0;

	/* fault injection: leave the first page out, remember it as mapped */
	if (unlikely(atomic_read(&piopt_fault_next_map) > 0) &&
	    atomic_dec_if_positive(&piopt_fault_next_map) >= 0) {
		unsigned long flags;

		spin_lock_irqsave(&p->hole_lock, flags);
		if (!p->hole_size) {
			p->hole_iova = iova;
			p->hole_phys = paddr;
			p->hole_size = pgsize;
			skip = 1;
		}
		spin_unlock_irqrestore(&p->hole_lock, flags);
		if (skip) {
			atomic64_inc(&p->st.faults_injected);
			pr_info("domain %u: fault injection: IOVA %#lx (%zu bytes) left unmapped\n",
				p->id, iova, pgsize);
		}
	}

	ret = 0;
	if (pgcount > skip)
		ret = ptcore_map_pages(p->t, iova + skip * pgsize, paddr + skip * pgsize,
				       pgsize, pgcount - skip, (u32)prot,
				       (__force u32)gfp, &done);
	if (skip && ret) {
		unsigned long flags;

		spin_lock_irqsave(&p->hole_lock, flags);
		p->hole_size = 0;
		spin_unlock_irqrestore(&p->hole_lock, flags);
		skip = 0;
		/* the pages after it that were mapped stay: report no progress */
		if (done) {
			struct ptcore_gather g;

			ptcore_gather_init(&g);
			ptcore_unmap(p->t, iova + pgsize, done, &g, NULL);
			ptcore_iotlb_sync(p->t, &g);
			done = 0;
		}
	}
	done += skip * pgsize;
	if (mapped)
		*mapped += done;
	atomic64_inc(&p->st.maps);
	atomic64_add(done, &p->st.map_bytes);

	/* io-pgtable-arm's errors: -EEXIST for an entry already there */
	if (ret == -EADDRINUSE)
		ret = -EEXIST;
	return ret;
}

static size_t piopt_unmap_pages(struct io_pgtable_ops *ops, unsigned long iova,
				size_t pgsize, size_t pgcount,
				struct iommu_iotlb_gather *gather)
{
	struct piopt *p = ops_to_piopt(ops);
	struct ptcore_gather g;
	size_t hole = 0;
	u64 unmapped;

	if (WARN_ON(!pgsize || (pgsize & p->iop.cfg.pgsize_bitmap) != pgsize || !pgcount))
		return 0;

	if (unlikely(READ_ONCE(p->hole_size))) {
		unsigned long flags;

		spin_lock_irqsave(&p->hole_lock, flags);
		if (p->hole_size && p->hole_iova == iova && p->hole_size == pgsize) {
			hole = pgsize;
			p->hole_size = 0;
		}
		spin_unlock_irqrestore(&p->hole_lock, flags);
		if (hole) {
			iova += pgsize;
			pgcount--;
			if (!pgcount)
				goto out;
		}
	}

	ptcore_gather_init(&g);
	unmapped = ptcore_unmap_pages(p->t, iova, pgsize, pgcount, &g);

	/* leaves only: the driver gathers them, unless a flush queue does it all later */
	if (g.start <= g.end && !(g.flags & PTCORE_GATHER_TABLES) &&
	    !iommu_iotlb_gather_queued(gather)) {
		u64 step = ptcore_gather_leaf_size(&g);
		u64 a;

		for (a = g.start; step && a <= g.end && a >= g.start; a += step) {
			atomic64_inc(&p->st.leaf_flushes);
			io_pgtable_tlb_add_page(&p->iop, gather, a, step);
		}
	}
	/* tables: walk flush (piopt_iotlb_flush), then ptcore frees them */
	ptcore_iotlb_sync(p->t, &g);
	hole += unmapped;
out:
	atomic64_inc(&p->st.unmaps);
	atomic64_add(hole, &p->st.unmap_bytes);
	return hole;
}

static void piopt_record_dirty(void *arg, const struct ptcore_range *runs, u32 n)
{
	struct iommu_dirty_bitmap *dirty = arg;
	u32 i;

	for (i = 0; i < n; i++)
		iommu_dirty_bitmap_record(dirty, runs[i].iova, runs[i].size);
}

static int piopt_read_and_clear_dirty(struct io_pgtable_ops *ops, unsigned long iova,
				      size_t size, unsigned long flags,
				      struct iommu_dirty_bitmap *dirty)
{
	struct piopt *p = ops_to_piopt(ops);
	struct ptcore_gather g;
	u32 pflags = (flags & IOMMU_DIRTY_NO_CLEAR) ? PTCORE_DIRTY_NO_CLEAR : 0;

	if (WARN_ON(!size))
		return -EINVAL;
	/*
	 * The leaves made clean reach the driver's gather through
	 * iommu_dirty_bitmap_record(); this one holds no table to free.
	 */
	ptcore_gather_init(&g);
	return ptcore_read_and_clear_dirty(p->t, iova, size, pflags, &g, piopt_record_dirty,
					   dirty);
}

static phys_addr_t piopt_iova_to_phys(struct io_pgtable_ops *ops, unsigned long iova)
{
	struct piopt *p = ops_to_piopt(ops);
	u64 phys;

	/* the injected hole is mapped as far as the driver knows */
	if (unlikely(READ_ONCE(p->hole_size))) {
		phys_addr_t hp = 0;
		unsigned long flags;

		spin_lock_irqsave(&p->hole_lock, flags);
		if (p->hole_size && iova - p->hole_iova < p->hole_size)
			hp = p->hole_phys + (iova - p->hole_iova);
		spin_unlock_irqrestore(&p->hole_lock, flags);
		if (hp)
			return hp;
	}
	if (ptcore_iova_to_phys(p->t, iova, &phys))
		return 0;
	return phys;
}

/* ---- creation ---- */

/*
 * The granule and leaf sizes io-pgtable-arm settles on for a driver's
 * pgsize_bitmap: the CPU page size when the driver offers it, else the
 * largest smaller size, else the smallest larger one; then only the block
 * sizes of that granule, and ias/oas at most 48 bits (52 with 64K).
 */
static unsigned int piopt_arm_granule(struct io_pgtable_cfg *cfg)
{
	unsigned long below = cfg->pgsize_bitmap & (PAGE_SIZE - 1);
	unsigned long above = cfg->pgsize_bitmap & ~(PAGE_SIZE - 1);
	unsigned long sizes, granule;
	unsigned int max_bits = 48;

	if (cfg->pgsize_bitmap & PAGE_SIZE)
		granule = PAGE_SIZE;
	else if (below)
		granule = 1UL << __fls(below);
	else if (above)
		granule = 1UL << __ffs(above);
	else
		return 0;

	if (granule == SZ_4K) {
		sizes = SZ_4K | SZ_2M | SZ_1G;
	} else if (granule == SZ_16K) {
		sizes = SZ_16K | SZ_32M;
	} else if (granule == SZ_64K) {
		sizes = SZ_64K | SZ_512M;
		if (cfg->oas > 48)
			sizes |= 1UL << 42;
		max_bits = 52;
	} else {
		return 0;
	}
	cfg->pgsize_bitmap &= sizes;
	cfg->ias = min(cfg->ias, max_bits);
	cfg->oas = min(cfg->oas, max_bits);
	if (!(cfg->pgsize_bitmap & granule))
		return 0;
	return __ffs(granule);
}

static struct io_pgtable *piopt_alloc(enum io_pgtable_fmt fmt, struct io_pgtable_cfg *cfg,
				      void *cookie)
{
	struct ptcore_cfg pc = {};
	struct ptcore_hw_info hw;
	struct piopt *p;
	unsigned int i;
	int ret;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;
	p->fmt = fmt;
	p->cookie = cookie;
	p->tlb = cfg->tlb;
	p->dev = cfg->iommu_dev;
	p->coherent = cfg->coherent_walk;
	p->cfg_alloc = cfg->alloc;
	p->cfg_free = cfg->free;
	spin_lock_init(&p->hole_lock);
	INIT_LIST_HEAD(&p->node);

	switch (fmt) {
	case ARM_64_LPAE_S1:
		pc.format = PTCORE_FMT_ARM64_LPAE_S1;
		if (cfg->quirks & ~(IO_PGTABLE_QUIRK_ARM_NS | IO_PGTABLE_QUIRK_ARM_OUTER_WBWA |
				    IO_PGTABLE_QUIRK_ARM_HD))
			goto refuse;	/* TTBR1: not in ptcore */
		if (cfg->coherent_walk && (cfg->quirks & IO_PGTABLE_QUIRK_ARM_OUTER_WBWA))
			goto refuse;
		if (cfg->quirks & IO_PGTABLE_QUIRK_ARM_NS)
			pc.features |= PTCORE_FEAT_ARM_NS;
		if (cfg->quirks & IO_PGTABLE_QUIRK_ARM_HD)
			pc.features |= PTCORE_FEAT_DIRTY_TRACKING;
		pc.granule_lg2 = piopt_arm_granule(cfg);
		break;
	case ARM_64_LPAE_S2:
		pc.format = PTCORE_FMT_ARM64_LPAE_S2;
		if (cfg->quirks)
			goto refuse;
		pc.granule_lg2 = piopt_arm_granule(cfg);
		break;
	case APPLE_DART:
	case APPLE_DART2:
		/* io-pgtable-dart: one page size, 4K or 16K; oas 36 or 42; ias <= oas */
		pc.format = fmt == APPLE_DART ? PTCORE_FMT_APPLE_DART : PTCORE_FMT_APPLE_DART2;
		if (!cfg->coherent_walk || cfg->quirks)
			goto refuse;
		if (cfg->pgsize_bitmap != SZ_4K && cfg->pgsize_bitmap != SZ_16K)
			goto refuse;
		if (cfg->oas != 36 && cfg->oas != 42)
			goto refuse;
		if (cfg->ias > cfg->oas)
			goto refuse;
		pc.granule_lg2 = __ffs(cfg->pgsize_bitmap);
		break;
	default:
		goto refuse;
	}
	if (!pc.granule_lg2)
		goto refuse;
	if (!cfg->coherent_walk)
		pc.features |= PTCORE_FEAT_DMA_INCOHERENT;
	pc.pgsize_bitmap = cfg->pgsize_bitmap;
	pc.ias = cfg->ias;
	pc.oas = cfg->oas;
	pc.ops = cfg->coherent_walk ? &piopt_ops_coherent : &piopt_ops_incoherent;
	pc.cookie = p;

	ret = ptcore_table_create(&pc, &p->t);
	if (ret) {
		pr_warn("%s: ptcore_table_create: %d (ias %u oas %u pgsizes %#lx)\n",
			piopt_fmt_name(fmt), ret, cfg->ias, cfg->oas, cfg->pgsize_bitmap);
		goto out_free;
	}
	ptcore_hw_info(p->t, &hw);

	cfg->pgsize_bitmap = hw.pgsize_bitmap;
	cfg->ias = hw.ias;
	cfg->oas = hw.oas;
	switch (fmt) {
	case ARM_64_LPAE_S1:
		cfg->arm_lpae_s1_cfg.ttbr = hw.root[0];
		cfg->arm_lpae_s1_cfg.tcr.ips = hw.arm_ps;
		cfg->arm_lpae_s1_cfg.tcr.tg = hw.arm_tg;
		cfg->arm_lpae_s1_cfg.tcr.sh = hw.arm_sh;
		cfg->arm_lpae_s1_cfg.tcr.orgn = hw.arm_orgn;
		cfg->arm_lpae_s1_cfg.tcr.irgn = hw.arm_irgn;
		cfg->arm_lpae_s1_cfg.tcr.tsz = hw.arm_tsz;
		/* a TCR-only quirk: the table bytes do not change */
		if (cfg->quirks & IO_PGTABLE_QUIRK_ARM_OUTER_WBWA)
			cfg->arm_lpae_s1_cfg.tcr.orgn = PIOPT_RGN_WBWA;
		cfg->arm_lpae_s1_cfg.mair = hw.arm_mair;
		break;
	case ARM_64_LPAE_S2:
		cfg->arm_lpae_s2_cfg.vttbr = hw.root[0];
		cfg->arm_lpae_s2_cfg.vtcr.ps = hw.arm_ps;
		cfg->arm_lpae_s2_cfg.vtcr.tg = hw.arm_tg;
		cfg->arm_lpae_s2_cfg.vtcr.sh = hw.arm_sh;
		cfg->arm_lpae_s2_cfg.vtcr.orgn = hw.arm_orgn;
		cfg->arm_lpae_s2_cfg.vtcr.irgn = hw.arm_irgn;
		cfg->arm_lpae_s2_cfg.vtcr.sl = hw.arm_sl;
		cfg->arm_lpae_s2_cfg.vtcr.tsz = hw.arm_tsz;
		break;
	default:
		cfg->apple_dart_cfg.n_ttbrs = hw.n_roots;
		for (i = 0; i < hw.n_roots && i < ARRAY_SIZE(hw.root); i++)
			cfg->apple_dart_cfg.ttbr[i] = hw.root[i];
		break;
	}
	/* the empty root is visible before the driver writes the TTBR */
	wmb();

	p->id = atomic_inc_return(&piopt_next_id);
	p->iop.ops = (struct io_pgtable_ops) {
		.map_pages = piopt_map_pages,
		.unmap_pages = piopt_unmap_pages,
		.iova_to_phys = piopt_iova_to_phys,
		.read_and_clear_dirty = piopt_read_and_clear_dirty,
	};
	mutex_lock(&piopt_list_lock);
	list_add_tail(&p->node, &piopt_list);
	mutex_unlock(&piopt_list_lock);
	pr_info("domain %u: ptcore serves %s: granule %luK ias %u oas %u pgsizes %#lx levels %u root %#llx%s\n",
		p->id, piopt_fmt_name(fmt), (1UL << pc.granule_lg2) >> 10, hw.ias, hw.oas,
		(unsigned long)hw.pgsize_bitmap, hw.levels, hw.root[0],
		cfg->coherent_walk ? "" : " (incoherent walk)");
	return &p->iop;

refuse:
	pr_warn("%s: configuration not served (quirks %#lx pgsizes %#lx ias %u oas %u)\n",
		piopt_fmt_name(fmt), cfg->quirks, cfg->pgsize_bitmap, cfg->ias, cfg->oas);
out_free:
	kfree(p);
	return NULL;
}

static void piopt_print(struct seq_file *m, struct piopt *p, const char *what)
{
	char line[320];

	snprintf(line, sizeof(line),
		 "domain %u %s %s: tables created %lld freed %lld, maps %lld (%lld bytes), unmaps %lld (%lld bytes), walk flushes %lld, leaf flushes %lld, faults injected %lld\n",
		 p->id, piopt_fmt_name(p->fmt), what,
		 atomic64_read(&p->st.tables_created), atomic64_read(&p->st.tables_freed),
		 atomic64_read(&p->st.maps), atomic64_read(&p->st.map_bytes),
		 atomic64_read(&p->st.unmaps), atomic64_read(&p->st.unmap_bytes),
		 atomic64_read(&p->st.walk_flushes), atomic64_read(&p->st.leaf_flushes),
		 atomic64_read(&p->st.faults_injected));
	if (m)
		seq_puts(m, line);
	else
		pr_info("%s", line);
}

static void piopt_free(struct io_pgtable *iop)
{
	struct piopt *p = container_of(iop, struct piopt, iop);

	mutex_lock(&piopt_list_lock);
	list_del(&p->node);
	mutex_unlock(&piopt_list_lock);
	ptcore_table_destroy(p->t);
	piopt_print(NULL, p, "freed");
	kfree(p);
}

static struct io_pgtable *piopt_alloc_s1(struct io_pgtable_cfg *cfg, void *cookie)
{
	return piopt_alloc(ARM_64_LPAE_S1, cfg, cookie);
}

static struct io_pgtable *piopt_alloc_s2(struct io_pgtable_cfg *cfg, void *cookie)
{
	return piopt_alloc(ARM_64_LPAE_S2, cfg, cookie);
}

static struct io_pgtable *piopt_alloc_dart(struct io_pgtable_cfg *cfg, void *cookie)
{
	return piopt_alloc(APPLE_DART, cfg, cookie);
}

static struct io_pgtable *piopt_alloc_dart2(struct io_pgtable_cfg *cfg, void *cookie)
{
	return piopt_alloc(APPLE_DART2, cfg, cookie);
}

struct io_pgtable_init_fns ptcore_io_pgtable_arm_64_lpae_s1_init_fns = {
	.alloc = piopt_alloc_s1,
	.free = piopt_free,
	.caps = IO_PGTABLE_CAP_CUSTOM_ALLOCATOR,
};

struct io_pgtable_init_fns ptcore_io_pgtable_arm_64_lpae_s2_init_fns = {
	.alloc = piopt_alloc_s2,
	.free = piopt_free,
	.caps = IO_PGTABLE_CAP_CUSTOM_ALLOCATOR,
};

struct io_pgtable_init_fns ptcore_io_pgtable_apple_dart_init_fns = {
	.alloc = piopt_alloc_dart,
	.free = piopt_free,
	.caps = IO_PGTABLE_CAP_CUSTOM_ALLOCATOR,
};

struct io_pgtable_init_fns ptcore_io_pgtable_apple_dart2_init_fns = {
	.alloc = piopt_alloc_dart2,
	.free = piopt_free,
	.caps = IO_PGTABLE_CAP_CUSTOM_ALLOCATOR,
};

/* For the KUnit suite: the ptcore table behind a domain. */
struct ptcore_table *ptcore_io_pgtable_table(struct io_pgtable_ops *ops)
{
	return ops_to_piopt(ops)->t;
}

/* For the KUnit suite: walk flushes of every live domain together. */
u64 ptcore_io_pgtable_walk_flushes(void)
{
	struct piopt *p;
	u64 n = 0;

	mutex_lock(&piopt_list_lock);
	list_for_each_entry(p, &piopt_list, node)
		n += atomic64_read(&p->st.walk_flushes);
	mutex_unlock(&piopt_list_lock);
	return n;
}

/* ---- debugfs ---- */

static int piopt_stats_show(struct seq_file *m, void *v)
{
	struct piopt *p;

	mutex_lock(&piopt_list_lock);
	list_for_each_entry(p, &piopt_list, node)
		piopt_print(m, p, "live");
	mutex_unlock(&piopt_list_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(piopt_stats);

static int __init piopt_debugfs_init(void)
{
	struct dentry *d = debugfs_create_dir("ptcore", NULL);

	debugfs_create_file("io-pgtable", 0444, d, NULL, &piopt_stats_fops);
	debugfs_create_atomic_t("fault_next_map", 0600, d, &piopt_fault_next_map);
	return 0;
}
late_initcall(piopt_debugfs_init);
