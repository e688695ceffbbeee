/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Stand-in for drivers/iommu/iommu-pages.h (bench/peer/amd), reached by the
 * AMD code's "../iommu-pages.h" through this directory's include path: the
 * page allocator of peer_amdv1.c, one struct page per 4K frame.
 */
#ifndef PEER_AMD_IOMMU_PAGES_H
#define PEER_AMD_IOMMU_PAGES_H

#include <linux/kernel.h>

void *peer_amd_page_alloc(void);
void peer_amd_page_free(void *va);

static inline void *iommu_alloc_page_node(int nid, gfp_t gfp)
{
	return peer_amd_page_alloc();
}

static inline void iommu_free_page(void *va)
{
	if (va)
		peer_amd_page_free(va);
}

/* Free every page linked through its struct page's lru (after the flush). */
void iommu_put_pages_list(struct list_head *list);

#endif
