/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Userspace stand-in for the parts of <linux/iommu.h> io-pgtable uses (bench/peer). */
#ifndef PEER_LINUX_IOMMU_H
#define PEER_LINUX_IOMMU_H

#include <linux/types.h>

/* Same values as ptcore's PTCORE_PROT_* (and the kernel's). */
#define IOMMU_READ	(1 << 0)
#define IOMMU_WRITE	(1 << 1)
#define IOMMU_CACHE	(1 << 2)
#define IOMMU_NOEXEC	(1 << 3)
#define IOMMU_MMIO	(1 << 4)
#define IOMMU_PRIV	(1 << 5)

/*
 * What an unmap removed, for the driver's deferred TLB invalidation. The
 * peer's tlb_add_page widens [start, end]; "queued" means a flush queue
 * (lazy mode) already covers everything, so no per-page callback is needed.
 */
struct iommu_iotlb_gather {
	unsigned long start;
	unsigned long end;
	size_t pgsize;
	bool queued;
};

static inline bool iommu_iotlb_gather_queued(const struct iommu_iotlb_gather *g)
{
	return g && g->queued;
}

#endif
