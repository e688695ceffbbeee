// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The peer's front: a minimal io-pgtable registry (what Linux's io-pgtable.c
 * does: pick the version's and format's init_fns, allocate, record
 * fmt/cookie/cfg), TLB callbacks that gather like an IOMMU driver does, and
 * the peer_* API.
 */
#include <stdlib.h>

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/device.h>
#include <linux/io-pgtable.h>

#include "ptcore.h"
#include "peer.h"
#include "peer_kern.h"

struct peer {
	struct io_pgtable_ops *ops;
	struct io_pgtable_cfg cfg;	/* as alloc() left it */
	enum io_pgtable_fmt fmt;
	enum peer_version version;
	uint32_t flags;
	uint32_t format;
	unsigned int granule_lg2;
	const struct io_pgtable_init_fns *fns;
	struct device dev;
	struct iommu_iotlb_gather gather;
	struct peer_stats stats;
	bool thread_stats;		/* count into tl_stats, not stats */
};

/* A caller's gather, alone on its cache line(s). */
struct peer_gather {
	struct iommu_iotlb_gather g;
} __attribute__((aligned(64)));

static __thread struct peer_stats tl_stats;

static struct peer_stats *stats_of(struct peer *p)
{
	return p->thread_stats ? &tl_stats : &p->stats;
}

static const struct {
	const char *name;
	const struct peer_arm_kernel *arm;
	const struct peer_dart_kernel *dart;
} kernels[PEER_NR_VERSIONS] = {
	[PEER_6_1] = { "6.1", &peer_arm_v6_1, &peer_dart_v6_1 },
	[PEER_6_12] = { "6.12", &peer_arm_v6_12, &peer_dart_v6_12 },
};

const char *peer_version_name(enum peer_version v)
{
	return (unsigned int)v < PEER_NR_VERSIONS ? kernels[v].name : NULL;
}

static const struct io_pgtable_init_fns *init_fns_of(enum peer_version v, enum io_pgtable_fmt fmt)
{
	switch (fmt) {
	case ARM_64_LPAE_S1:
		return kernels[v].arm->s1;
	case ARM_64_LPAE_S2:
		return kernels[v].arm->s2;
	case APPLE_DART:
	case APPLE_DART2:
		return kernels[v].dart->dart;
	default:
		return NULL;
	}
}

/* alloc_io_pgtable_ops() of the instance's version and format. */
static struct io_pgtable_ops *peer_alloc_ops(struct peer *p)
{
	struct io_pgtable *iop;

	p->fns = init_fns_of(p->version, p->fmt);
	if (!p->fns)
		return NULL;
	/* A custom allocator needs a format that takes one (6.12's check). */
	if ((p->cfg.alloc || p->cfg.free) && !(p->fns->caps & IO_PGTABLE_CAP_CUSTOM_ALLOCATOR))
		return NULL;
	iop = p->fns->alloc(&p->cfg, p);
	if (!iop)
		return NULL;
	iop->fmt = p->fmt;
	iop->cookie = p;
	iop->cfg = p->cfg;
	return &iop->ops;
}

/* free_io_pgtable_ops() */
static void peer_free_ops(struct peer *p)
{
	struct io_pgtable *iop;

	if (!p->ops)
		return;
	iop = io_pgtable_ops_to_pgtable(p->ops);
	io_pgtable_tlb_flush_all(iop);
	p->fns->free(iop);
}

/* ---- TLB callbacks: what a batching IOMMU driver (arm-smmu-v3) does ---- */

/* Empty; @queued: the DMA API's lazy mode (see PEER_LAZY). */
static void gather_reset(struct iommu_iotlb_gather *g, bool queued)
{
	g->start = ~0UL;
	g->end = 0;
	g->pgsize = 0;
	g->queued = queued;
}

static bool gather_empty(const struct iommu_iotlb_gather *g)
{
	return g->start > g->end;
}

static void peer_tlb_flush_all(void *cookie)
{
	stats_of(cookie)->tlb_flush_all++;
}

static void peer_tlb_flush_walk(unsigned long iova, size_t size, size_t granule, void *cookie)
{
	(void)iova; (void)size; (void)granule;
	stats_of(cookie)->tlb_flush_walk++;
}

static void sync_gather(struct peer *p, struct iommu_iotlb_gather *g)
{
	if (!gather_empty(g))
		stats_of(p)->iotlb_sync++;
	gather_reset(g, g->queued);
}

static void peer_tlb_add_page(struct iommu_iotlb_gather *g, unsigned long iova,
			      size_t granule, void *cookie)
{
	struct peer *p = cookie;
	unsigned long last = iova + granule - 1;

	stats_of(p)->tlb_add_page++;
	if (!g)
		return;
	/* A page of another size or not adjacent to the range: flush what is there first. */
	if (g->pgsize && (g->pgsize != granule || last + 1 < g->start || iova > g->end + 1))
		sync_gather(p, g);
	g->pgsize = granule;
	if (iova < g->start)
		g->start = iova;
	if (last > g->end)
		g->end = last;
}

static const struct iommu_flush_ops peer_flush_ops = {
	.tlb_flush_all = peer_tlb_flush_all,
	.tlb_flush_walk = peer_tlb_flush_walk,
	.tlb_add_page = peer_tlb_add_page,
};

/* ---- API ---- */

struct peer *peer_create_version(enum peer_version v, uint32_t format, unsigned int granule_lg2,
				 unsigned int ias, unsigned int oas, uint32_t flags)
{
	struct peer *p;
	unsigned long g;

	if ((unsigned int)v >= PEER_NR_VERSIONS ||
	    (flags & ~(PEER_ARM_NS | PEER_INCOHERENT | PEER_ARM_HD | PEER_LAZY)))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->version = v;
	p->flags = flags;
	p->format = format;
	switch (format) {
	case PTCORE_FMT_ARM64_LPAE_S1:
		p->fmt = ARM_64_LPAE_S1;
		break;
	case PTCORE_FMT_ARM64_LPAE_S2:
		p->fmt = ARM_64_LPAE_S2;
		break;
	case PTCORE_FMT_APPLE_DART:
		p->fmt = APPLE_DART;
		break;
	case PTCORE_FMT_APPLE_DART2:
		p->fmt = APPLE_DART2;
		break;
	default:
		goto refused;
	}
	if (!granule_lg2)
		granule_lg2 = (p->fmt == APPLE_DART || p->fmt == APPLE_DART2) ? 14 : 12;
	p->granule_lg2 = granule_lg2;
	g = 1UL << granule_lg2;

	if (p->fmt == APPLE_DART || p->fmt == APPLE_DART2) {
		p->cfg.pgsize_bitmap = g;
	} else {
		/* The granule and the block sizes at each level above it. */
		switch (granule_lg2) {
		case 12:
			p->cfg.pgsize_bitmap = g | (1UL << 21) | (1UL << 30);
			break;
		case 14:
			p->cfg.pgsize_bitmap = g | (1UL << 25);
			break;
		case 16:
			p->cfg.pgsize_bitmap = g | (1UL << 29) | (1UL << 42);
			break;
		default:
			goto refused;
		}
	}
	p->cfg.quirks = ((flags & PEER_ARM_NS) ? IO_PGTABLE_QUIRK_ARM_NS : 0) |
			((flags & PEER_ARM_HD) ? IO_PGTABLE_QUIRK_ARM_HD : 0);
	p->cfg.ias = ias;
	p->cfg.oas = oas;
	p->cfg.coherent_walk = !(flags & PEER_INCOHERENT);
	p->cfg.tlb = &peer_flush_ops;
	set_dev_node(&p->dev, NUMA_NO_NODE);
	p->cfg.iommu_dev = &p->dev;
	gather_reset(&p->gather, flags & PEER_LAZY);

	p->ops = peer_alloc_ops(p);
	if (!p->ops)
		goto refused;
	return p;

refused:
	free(p);
	return NULL;
}

struct peer *peer_create(uint32_t format, unsigned int granule_lg2, unsigned int ias,
			 unsigned int oas, int ns_quirk, int coherent)
{
	return peer_create_version(PEER_6_1, format, granule_lg2, ias, oas,
				   (ns_quirk ? PEER_ARM_NS : 0) | (coherent ? 0 : PEER_INCOHERENT));
}

void peer_destroy(struct peer *p)
{
	if (!p)
		return;
	peer_free_ops(p);
	free(p);
}

enum peer_version peer_version_of(const struct peer *p)
{
	return p->version;
}

uint32_t peer_flags_of(const struct peer *p)
{
	return p->flags;
}

int peer_map(struct peer *p, uint64_t iova, uint64_t pa, uint64_t pgsize,
	     uint64_t pgcount, uint32_t prot, uint64_t *mapped)
{
	uint64_t done = 0;
	int ret = 0;

	while (pgcount) {
		size_t now = 0;

		ret = p->ops->map_pages(p->ops, iova, pa, pgsize, pgcount, (int)prot,
					GFP_KERNEL, &now);
		done += now;
		if (ret)
			break;
		if (!now) {		/* cannot happen; do not spin */
			ret = -EINVAL;
			break;
		}
		iova += now;
		pa += now;
		pgcount -= now / pgsize;
	}
	if (mapped)
		*mapped = done;
	return ret;
}

static uint64_t unmap_into(struct peer *p, struct iommu_iotlb_gather *g, uint64_t iova,
			   uint64_t pgsize, uint64_t pgcount)
{
	uint64_t done = 0, total = pgsize * pgcount;

	while (done < total) {
		size_t now = p->ops->unmap_pages(p->ops, iova + done, pgsize,
						 (total - done) / pgsize, g);
		if (!now)
			break;
		done += now;
	}
	return done;
}

uint64_t peer_unmap(struct peer *p, uint64_t iova, uint64_t pgsize, uint64_t pgcount)
{
	return unmap_into(p, &p->gather, iova, pgsize, pgcount);
}

void peer_iotlb_sync(struct peer *p)
{
	sync_gather(p, &p->gather);
}

struct peer_gather *peer_gather_alloc(void)
{
	struct peer_gather *g = aligned_alloc(64, sizeof(*g));

	if (g)
		gather_reset(&g->g, false);
	return g;
}

void peer_gather_free(struct peer_gather *g)
{
	free(g);
}

uint64_t peer_unmap_gather(struct peer *p, struct peer_gather *g, uint64_t iova,
			   uint64_t pgsize, uint64_t pgcount)
{
	g->g.queued = p->flags & PEER_LAZY;	/* the instance's mode, as the DMA API sets it */
	return unmap_into(p, &g->g, iova, pgsize, pgcount);
}

void peer_iotlb_sync_gather(struct peer *p, struct peer_gather *g)
{
	sync_gather(p, &g->g);
}

void peer_set_thread_stats(struct peer *p)
{
	p->thread_stats = true;
}

void peer_thread_stats(struct peer_stats *stats)
{
	*stats = tl_stats;
}

int peer_gather_range(const struct peer *p, uint64_t *start, uint64_t *end)
{
	if (gather_empty(&p->gather))
		return -1;
	*start = p->gather.start;
	*end = p->gather.end;
	return 0;
}

struct dirty_ctx {
	peer_dirty_fn *record;
	void *arg;
};

static void dirty_record(void *arg, unsigned long iova, unsigned long length)
{
	struct dirty_ctx *d = arg;

	if (d->record)
		d->record(d->arg, iova, length);
}

int peer_read_and_clear_dirty(struct peer *p, uint64_t iova, uint64_t size, uint32_t flags,
			      peer_dirty_fn *record, void *arg)
{
	struct dirty_ctx d = { record, arg };
	struct iommu_dirty_bitmap dirty = { dirty_record, &d, &p->gather };

	if (!p->ops->read_and_clear_dirty)
		return -EOPNOTSUPP;
	return p->ops->read_and_clear_dirty(p->ops, iova, size,
					    (flags & PEER_DIRTY_NO_CLEAR) ? IOMMU_DIRTY_NO_CLEAR : 0,
					    &dirty);
}

uint64_t peer_iova_to_phys(struct peer *p, uint64_t iova)
{
	return p->ops->iova_to_phys(p->ops, iova);
}

void peer_info(const struct peer *p, struct peer_info *info)
{
	const struct io_pgtable_cfg *c = &p->cfg;
	int start_level, pgd_bits, bpl, tbl_bits;
	uint32_t i;

	*info = (struct peer_info){ 0 };
	info->format = p->format;
	info->pgsize_bitmap = c->pgsize_bitmap;
	info->ias = c->ias;
	info->oas = c->oas;
	info->granule_lg2 = p->granule_lg2;

	switch (p->fmt) {
	case ARM_64_LPAE_S1:
	case ARM_64_LPAE_S2:
		kernels[p->version].arm->geometry(p->ops, &start_level, &pgd_bits, &bpl);
		info->start_level = (uint32_t)start_level;
		info->levels = 4 - (uint32_t)start_level;
		info->root_entries = 1u << pgd_bits;
		info->n_roots = 1;
		if (p->fmt == ARM_64_LPAE_S1) {
			info->root[0] = c->arm_lpae_s1_cfg.ttbr;
			info->tsz = c->arm_lpae_s1_cfg.tcr.tsz;
			info->tg = c->arm_lpae_s1_cfg.tcr.tg;
			info->sh = c->arm_lpae_s1_cfg.tcr.sh;
			info->orgn = c->arm_lpae_s1_cfg.tcr.orgn;
			info->irgn = c->arm_lpae_s1_cfg.tcr.irgn;
			info->ps = c->arm_lpae_s1_cfg.tcr.ips;
			info->mair = c->arm_lpae_s1_cfg.mair;
		} else {
			info->root[0] = c->arm_lpae_s2_cfg.vttbr;
			info->tsz = c->arm_lpae_s2_cfg.vtcr.tsz;
			info->tg = c->arm_lpae_s2_cfg.vtcr.tg;
			info->sh = c->arm_lpae_s2_cfg.vtcr.sh;
			info->orgn = c->arm_lpae_s2_cfg.vtcr.orgn;
			info->irgn = c->arm_lpae_s2_cfg.vtcr.irgn;
			info->ps = c->arm_lpae_s2_cfg.vtcr.ps;
			info->sl = c->arm_lpae_s2_cfg.vtcr.sl;
		}
		break;
	default:
		kernels[p->version].dart->geometry(p->ops, &tbl_bits, &bpl);
		info->levels = 2;
		info->root_entries = 1u << bpl;
		info->n_roots = c->apple_dart_cfg.n_ttbrs;
		for (i = 0; i < info->n_roots && i < 4; i++)
			info->root[i] = c->apple_dart_cfg.ttbr[i];
		break;
	}
}

void peer_stats(const struct peer *p, struct peer_stats *stats)
{
	*stats = p->stats;
}

void *peer_phys_to_virt(const struct peer *p, uint64_t pa)
{
	(void)p;
	return __va(pa);
}
