/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * peer_amd_v2: Linux 6.12's drivers/iommu/amd/io_pgtable_v2.c (the AMD IOMMU
 * v2 table, x86-64 paging) built in userspace against the stand-ins in
 * bench/peer/include (include/amd_v2/ for the driver's own headers), behind
 * a small C API in ptcore's vocabulary. The kernel file is extracted at
 * build time from Debian's linux-source-6.12 and never stored here.
 *
 * One instance at a time may run an operation (the v2 level count is a
 * driver global, set before every call).
 */
#ifndef PEER_AMD_V2_H
#define PEER_AMD_V2_H

#include <stddef.h>
#include <stdint.h>

struct peer_amdv2;

/**
 * struct peer_amdv2_info - what the v2 table reported
 * @pgsize_bitmap: io_pgtable_cfg.pgsize_bitmap after alloc
 * @ias: io_pgtable_cfg.ias after alloc (52 with 4 levels, 57 with 5)
 * @oas: io_pgtable_cfg.oas after alloc
 * @levels: amd_iommu_gpt_level of the instance
 * @root: physical address of the pgd (what the GCR3 table entry holds)
 * @flushes: amd_iommu_domain_flush_pages() calls (a map replaced an entry)
 */
struct peer_amdv2_info {
	uint64_t pgsize_bitmap;
	uint32_t ias, oas, levels;
	uint64_t root;
	uint64_t flushes;
};

/* A v2 table of @levels (4 or 5) levels; NULL when out of memory. */
struct peer_amdv2 *peer_amdv2_create(unsigned int levels);
void peer_amdv2_destroy(struct peer_amdv2 *p);

/* ops->map_pages (the v2 table maps the whole count in one call). */
int peer_amdv2_map(struct peer_amdv2 *p, uint64_t iova, uint64_t pa, uint64_t pgsize,
		   uint64_t pgcount, uint32_t prot, uint64_t *mapped);
/* ops->unmap_pages: bytes unmapped (it stops at the first hole). */
uint64_t peer_amdv2_unmap(struct peer_amdv2 *p, uint64_t iova, uint64_t pgsize, uint64_t pgcount);
/* ops->iova_to_phys: 0 when not mapped. */
uint64_t peer_amdv2_iova_to_phys(struct peer_amdv2 *p, uint64_t iova);
void peer_amdv2_info(const struct peer_amdv2 *p, struct peer_amdv2_info *info);

#endif
