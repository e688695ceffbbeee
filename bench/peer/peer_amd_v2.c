// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Translation unit for Linux 6.12's drivers/iommu/amd/io_pgtable_v2.c,
 * extracted at build time into a directory of its own (so that its quoted
 * includes find the stand-ins of include/amd_v2/, see there) and included
 * below, with the driver pieces it calls: the v2 level count, the SME mask
 * and amd_iommu_domain_flush_pages(), which only counts.
 */
#include <stdlib.h>

#include "peer_amd_v2.h"

#include "io_pgtable_v2.c"

int amd_iommu_gpt_level = PAGE_MODE_4_LEVEL;
u64 sme_me_mask;

void amd_iommu_domain_flush_pages(struct protection_domain *domain, u64 address, size_t size)
{
	domain->flushes++;
	domain->flushed_bytes += size;
}

struct peer_amdv2 {
	struct protection_domain dom;	/* its iop.pgtbl.cfg is the io_pgtable_cfg */
	struct io_pgtable *iop;
	unsigned int levels;
};

struct peer_amdv2 *peer_amdv2_create(unsigned int levels)
{
	struct peer_amdv2 *p = calloc(1, sizeof(*p));
	struct io_pgtable_cfg *cfg;

	if (!p)
		return NULL;
	p->levels = levels;
	amd_iommu_gpt_level = (int)levels;
	cfg = &p->dom.iop.pgtbl.cfg;
	cfg->amd.nid = NUMA_NO_NODE;
	/* as alloc_io_pgtable_ops(AMD_IOMMU_V2, cfg, cookie) with the domain's own cfg */
	p->iop = io_pgtable_amd_iommu_v2_init_fns.alloc(cfg, &p->dom);
	if (!p->iop) {
		free(p);
		return NULL;
	}
	p->iop->fmt = AMD_IOMMU_V2;
	p->iop->cookie = &p->dom;
	return p;
}

void peer_amdv2_destroy(struct peer_amdv2 *p)
{
	if (!p)
		return;
	amd_iommu_gpt_level = (int)p->levels;
	io_pgtable_amd_iommu_v2_init_fns.free(p->iop);
	free(p);
}

int peer_amdv2_map(struct peer_amdv2 *p, uint64_t iova, uint64_t pa, uint64_t pgsize,
		   uint64_t pgcount, uint32_t prot, uint64_t *mapped)
{
	size_t done = 0;
	int ret;

	amd_iommu_gpt_level = (int)p->levels;
	ret = p->iop->ops.map_pages(&p->iop->ops, iova, pa, pgsize, pgcount, (int)prot,
				    GFP_KERNEL, &done);
	if (mapped)
		*mapped = done;
	return ret;
}

uint64_t peer_amdv2_unmap(struct peer_amdv2 *p, uint64_t iova, uint64_t pgsize, uint64_t pgcount)
{
	amd_iommu_gpt_level = (int)p->levels;
	return p->iop->ops.unmap_pages(&p->iop->ops, iova, pgsize, pgcount, NULL);
}

uint64_t peer_amdv2_iova_to_phys(struct peer_amdv2 *p, uint64_t iova)
{
	amd_iommu_gpt_level = (int)p->levels;
	return p->iop->ops.iova_to_phys(&p->iop->ops, iova);
}

void peer_amdv2_info(const struct peer_amdv2 *p, struct peer_amdv2_info *info)
{
	const struct io_pgtable_cfg *cfg = &p->dom.iop.pgtbl.cfg;

	info->pgsize_bitmap = cfg->pgsize_bitmap;
	info->ias = cfg->ias;
	info->oas = cfg->oas;
	info->levels = p->levels;
	info->root = __pa(p->dom.iop.pgd);
	info->flushes = p->dom.flushes;
}
