/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Stand-in for what the AMD v1 table code uses of <linux/iommu.h> (bench/peer/amd). */
#ifndef PEER_AMD_IOMMU_H
#define PEER_AMD_IOMMU_H

#include <linux/kernel.h>

#define IOMMU_READ		(1 << 0)
#define IOMMU_WRITE		(1 << 1)
#define IOMMU_DIRTY_NO_CLEAR	(1 << 0)

struct iommu_iotlb_gather {
	unsigned long start, end;
	size_t pgsize;
	bool queued;
};

/* Every span read_and_clear_dirty records goes to @record as it comes. */
struct iommu_dirty_bitmap {
	void (*record)(void *arg, unsigned long iova, unsigned long length);
	void *arg;
};

static inline void iommu_dirty_bitmap_record(struct iommu_dirty_bitmap *dirty,
					     unsigned long iova, unsigned long length)
{
	if (dirty->record)
		dirty->record(dirty->arg, iova, length);
}

#define iommu_get_iommu_dev(dev, type, member)	((type *)NULL)

#endif
