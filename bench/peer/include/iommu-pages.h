/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Userspace stand-in for drivers/iommu/iommu-pages.h (bench/peer), which
 * Linux 6.12's io-pgtable-arm.c and io-pgtable-dart.c include for their
 * table pages. The kernel's versions also account the pages to the node's
 * IOMMU page-table statistics; here they are the same zeroed blocks of
 * ptcore's built-in allocator that <linux/gfp.h> gives 6.1, so both
 * versions pay the same for table memory. The file is not extracted from
 * the kernel source: the quoted include falls back to this directory.
 */
#ifndef PEER_IOMMU_PAGES_H
#define PEER_IOMMU_PAGES_H

#include <linux/types.h>
#include <linux/gfp.h>

/* Zeroed block of PAGE_SIZE << order bytes (its CPU address), or NULL. */
static inline void *iommu_alloc_pages_node(int nid, gfp_t gfp, int order)
{
	(void)nid;
	return peer_page_alloc((unsigned int)order, gfp | __GFP_ZERO);
}

static inline void *iommu_alloc_pages(gfp_t gfp, int order)
{
	return iommu_alloc_pages_node(NUMA_NO_NODE, gfp, order);
}

/* Free what iommu_alloc_pages*() returned; NULL is ignored, as in the kernel. */
static inline void iommu_free_pages(void *virt, int order)
{
	if (virt)
		peer_page_free(virt, (unsigned int)order);
}

/* 6.12's order-0 forms (the AMD tables use them). */
static inline void *iommu_alloc_page_node(int nid, gfp_t gfp)
{
	return iommu_alloc_pages_node(nid, gfp, 0);
}

static inline void iommu_free_page(void *virt)
{
	iommu_free_pages(virt, 0);
}

#endif
