/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Stand-in for what the v7s table code uses of <linux/iommu.h> (bench/peer/v7s). */
#ifndef PEER_V7S_IOMMU_H
#define PEER_V7S_IOMMU_H

#include <linux/kernel.h>

/* Linux's values, which are also ptcore's PTCORE_PROT_* */
#define IOMMU_READ	(1 << 0)
#define IOMMU_WRITE	(1 << 1)
#define IOMMU_CACHE	(1 << 2)
#define IOMMU_NOEXEC	(1 << 3)
#define IOMMU_MMIO	(1 << 4)
#define IOMMU_PRIV	(1 << 5)

struct iommu_iotlb_gather {
	unsigned long start, end;
	size_t pgsize;
	bool queued;
};

/* read_and_clear_dirty's bitmap: v7s has none, only the ops member's type */
struct iommu_dirty_bitmap;

static inline bool iommu_iotlb_gather_queued(struct iommu_iotlb_gather *gather)
{
	return gather && gather->queued;
}

#endif
