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

/* Widen the gather to cover [iova, iova + size) (an address-range flush). */
static inline void iommu_iotlb_gather_add_range(struct iommu_iotlb_gather *g,
						unsigned long iova, size_t size)
{
	unsigned long last = iova + size - 1;

	if (iova < g->start)
		g->start = iova;
	if (last > g->end)
		g->end = last;
}

/* read_and_clear_dirty flag (6.12): report dirty leaves but leave them dirty. */
#define IOMMU_DIRTY_NO_CLEAR	(1 << 0)

/*
 * Where read_and_clear_dirty (6.12) records what it found. The kernel sets
 * bits of an iova_bitmap; here every recorded span goes to @record (if set)
 * as it comes, so the harness sees exactly the spans io-pgtable recorded,
 * and @gather (if set) is widened over it, as in the kernel.
 */
struct iommu_dirty_bitmap {
	void (*record)(void *arg, unsigned long iova, unsigned long length);
	void *arg;
	struct iommu_iotlb_gather *gather;
};

static inline void iommu_dirty_bitmap_record(struct iommu_dirty_bitmap *dirty,
					     unsigned long iova, unsigned long length)
{
	if (dirty->record)
		dirty->record(dirty->arg, iova, length);
	if (dirty->gather)
		iommu_iotlb_gather_add_range(dirty->gather, iova, length);
}

#endif
