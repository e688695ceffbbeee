/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Userspace stand-in for drivers/iommu/amd/amd_iommu.h (bench/peer), for
 * Linux 6.12's amd/io_pgtable_v2.c only (see amd_iommu_types.h here): the
 * v2 level count, the SME C-bit and the driver's flush, which
 * peer_amd_v2.c defines.
 */
#ifndef PEER_AMD_V2_IOMMU_H
#define PEER_AMD_V2_IOMMU_H

#include <asm/page.h>
#include "amd_iommu_types.h"

/* 4, or 5 when the IOMMU and the CPU have 5-level paging (57-bit input) */
extern int amd_iommu_gpt_level;
/* The SME encryption bit, 0 without memory encryption */
extern u64 sme_me_mask;

#define __sme_set(x)	((x) | sme_me_mask)
#define __sme_clr(x)	((x) & ~sme_me_mask)

static inline u64 iommu_virt_to_phys(void *vaddr)
{
	return (u64)__sme_set(virt_to_phys(vaddr));
}

static inline void *iommu_phys_to_virt(unsigned long paddr)
{
	return phys_to_virt(__sme_clr(paddr));
}

void amd_iommu_domain_flush_pages(struct protection_domain *domain, u64 address, size_t size);

#endif
