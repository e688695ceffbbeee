/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The AMD IOMMU v1 peer: Linux 6.12's drivers/iommu/amd/io_pgtable.c,
 * extracted from Debian's linux-source-6.12 at build time (never stored
 * here) and built in userspace against the stand-ins of this directory,
 * behind a small API in ptcore's vocabulary.
 */
#ifndef PEER_AMDV1_H
#define PEER_AMDV1_H

#include <stddef.h>
#include <stdint.h>

struct peer_amdv1;

/* Counters of the driver calls io_pgtable.c made (the harness stubs them). */
struct peer_amdv1_stats {
	uint64_t flush_pages;		/* amd_iommu_domain_flush_pages() */
	uint64_t update_dte;		/* amd_iommu_update_and_flush_device_table() */
	uint64_t warnings;		/* WARN_ON()s and pr_warn()s */
};

/*
 * A v1 table as the driver allocates it (mode 3), then raised to @mode by
 * the file's own increase_address_space(), as a map above the current
 * space would raise it. NULL when out of memory or @mode is not 3..6.
 */
struct peer_amdv1 *peer_amdv1_create(unsigned int mode);
void peer_amdv1_destroy(struct peer_amdv1 *p);

/* ops->map_pages until @pgcount pages are mapped, as iommu_map() calls it. */
int peer_amdv1_map(struct peer_amdv1 *p, uint64_t iova, uint64_t pa, uint64_t pgsize,
		   uint64_t pgcount, uint32_t prot, uint64_t *mapped);
/* ops->unmap_pages: bytes unmapped */
uint64_t peer_amdv1_unmap(struct peer_amdv1 *p, uint64_t iova, uint64_t pgsize,
			  uint64_t pgcount);
/* ops->iova_to_phys: 0 when not mapped */
uint64_t peer_amdv1_iova_to_phys(struct peer_amdv1 *p, uint64_t iova);
/* ops->read_and_clear_dirty; @record gets every span io_pgtable.c records */
int peer_amdv1_read_and_clear_dirty(struct peer_amdv1 *p, uint64_t iova, uint64_t size,
				    int no_clear, void (*record)(void *, uint64_t, uint64_t),
				    void *arg);

/* The DTE's view: root table (CPU address = physical here) and mode, re-read every call. */
uint64_t *peer_amdv1_root(const struct peer_amdv1 *p, unsigned int *mode);
/* io_pgtable_cfg after alloc */
void peer_amdv1_cfg(const struct peer_amdv1 *p, uint64_t *pgsize_bitmap, unsigned int *ias,
		    unsigned int *oas);
void peer_amdv1_stats(struct peer_amdv1_stats *s);
/* table pages the peer holds now */
uint64_t peer_amdv1_pages(void);

#endif
