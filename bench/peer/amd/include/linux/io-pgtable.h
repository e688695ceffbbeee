/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Userspace stand-in for <linux/io-pgtable.h> as Linux 6.12's AMD v1 table
 * code uses it (bench/peer/amd): the configuration with its amd member, the
 * ops table, the common head of a format's table and its init_fns.
 */
#ifndef PEER_AMD_IO_PGTABLE_H
#define PEER_AMD_IO_PGTABLE_H

#include <linux/kernel.h>
#include <linux/iommu.h>

enum io_pgtable_fmt {
	AMD_IOMMU_V1 = 6,
	AMD_IOMMU_V2 = 7,
};

struct io_pgtable_cfg {
	unsigned long quirks;
	unsigned long pgsize_bitmap;
	unsigned int ias;
	unsigned int oas;
	bool coherent_walk;
	const void *tlb;
	struct device *iommu_dev;
	union {
		struct {
			int nid;
		} amd;
	};
};

struct io_pgtable_ops {
	int (*map_pages)(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr,
			 size_t pgsize, size_t pgcount, int prot, gfp_t gfp, size_t *mapped);
	size_t (*unmap_pages)(struct io_pgtable_ops *ops, unsigned long iova, size_t pgsize,
			      size_t pgcount, struct iommu_iotlb_gather *gather);
	phys_addr_t (*iova_to_phys)(struct io_pgtable_ops *ops, unsigned long iova);
	int (*read_and_clear_dirty)(struct io_pgtable_ops *ops, unsigned long iova, size_t size,
				    unsigned long flags, struct iommu_dirty_bitmap *dirty);
};

struct io_pgtable {
	enum io_pgtable_fmt fmt;
	void *cookie;
	struct io_pgtable_cfg cfg;
	struct io_pgtable_ops ops;
};

#define io_pgtable_ops_to_pgtable(o)	container_of((o), struct io_pgtable, ops)

struct io_pgtable_init_fns {
	struct io_pgtable *(*alloc)(struct io_pgtable_cfg *cfg, void *cookie);
	void (*free)(struct io_pgtable *iop);
};

#endif
