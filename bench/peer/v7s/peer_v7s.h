/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The ARMv7s peer: Linux 6.12's drivers/iommu/io-pgtable-arm-v7s.c, reached
 * through 6.12's io-pgtable.c (alloc_io_pgtable_ops(ARM_V7S)), both
 * extracted from Debian's linux-source-6.12 at build time (never stored
 * here) and built in userspace against the stand-ins of this directory,
 * behind a small API in ptcore's vocabulary (prot bits as PTCORE_PROT_*).
 * Its tables live in the arena peer_v7s_mem() returns.
 */
#ifndef PEER_V7S_H
#define PEER_V7S_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "v7s_mem.h"

struct peer_v7s;

/* peer_v7s_create() flags */
#define PEER_V7S_NS		0x1	/* IO_PGTABLE_QUIRK_ARM_NS */
#define PEER_V7S_INCOHERENT	0x2	/* io_pgtable_cfg.coherent_walk = false */

/**
 * struct peer_v7s_info - io_pgtable_cfg after alloc_io_pgtable_ops()
 * @pgsize_bitmap: the sizes map accepts
 * @ias: input bits
 * @oas: output bits
 * @ttbr: arm_v7s_cfg.ttbr (level-1 table address and walk attributes)
 * @tcr: arm_v7s_cfg.tcr
 * @nmrr: arm_v7s_cfg.nmrr
 * @prrr: arm_v7s_cfg.prrr
 */
struct peer_v7s_info {
	uint64_t pgsize_bitmap;
	uint32_t ias, oas;
	uint32_t ttbr, tcr, nmrr, prrr;
};

/* Calls the table code made to its flush ops, per instance. */
struct peer_v7s_stats {
	uint64_t tlb_add_page;
	uint64_t tlb_flush_walk;
	uint64_t tlb_flush_all;
};

/* NULL when io-pgtable refuses the configuration (or out of memory). */
struct peer_v7s *peer_v7s_create(uint64_t pgsize_bitmap, unsigned int ias, unsigned int oas,
				 unsigned int flags);
/* free_io_pgtable_ops(); NULL is a no-op */
void peer_v7s_destroy(struct peer_v7s *p);
/* ops->map_pages (one call maps all of it or stops at the first failure) */
int peer_v7s_map(struct peer_v7s *p, uint64_t iova, uint64_t pa, uint64_t pgsize,
		 uint64_t pgcount, uint32_t prot, uint64_t *mapped);
/* ops->unmap_pages as is: bytes unmapped */
uint64_t peer_v7s_unmap_pages(struct peer_v7s *p, uint64_t iova, uint64_t pgsize,
			      uint64_t pgcount);
/*
 * [iova, iova + len) as iommu_unmap() cuts it: the largest size of the
 * bitmap that fits the remaining length and the alignment of the IOVA,
 * as many of them as reach the next larger size's boundary, until done
 * or a call unmaps nothing. Bytes unmapped; *@walk_flushes (if not NULL)
 * gets the tlb_flush_walk calls it caused (tables freed).
 */
uint64_t peer_v7s_unmap(struct peer_v7s *p, uint64_t iova, uint64_t len,
			uint64_t *walk_flushes);
/* ops->iova_to_phys: 0 when not mapped */
uint64_t peer_v7s_iova_to_phys(struct peer_v7s *p, uint64_t iova);

void peer_v7s_info(const struct peer_v7s *p, struct peer_v7s_info *info);
void peer_v7s_stats(const struct peer_v7s *p, struct peer_v7s_stats *s);
/* WARN_ON()s and errors the kernel code printed, since start */
uint64_t peer_v7s_warnings(void);
/* While @expect, warnings are counted but not printed (a test that provokes them). */
void peer_v7s_expect_warnings(bool expect);
/* the arena of every peer table (level 1 and level 2) */
struct v7s_mem *peer_v7s_mem(void);
/* bytes of struct arm_v7s_io_pgtable etc. allocated and not freed, and live kmem_caches */
uint64_t peer_v7s_kmalloc_live(void);
uint64_t peer_v7s_caches_live(void);

#endif
