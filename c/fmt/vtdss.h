/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Intel VT-d second-stage entries (3, 4 and 5 levels), from the VT-d
 * specification. Internal level 0 is the SL-PTE (4K), 1 the SL-PDE (2M
 * leaves with PS), 2 the SL-PDPE (1G leaves with PS), 3 the SL-PML4E and 4
 * the SL-PML5E.
 *
 * There is no present bit: an entry translates when R or W is set. Tables
 * are R|W (as Linux's intel-iommu writes them); leaves R when readable, W
 * when writable, SNP with PTCORE_PROT_CACHE, PS above level 0. A (bit 8) and
 * D (bit 9) are the walker's, set only with second-stage A/D enabled (SSADE).
 */
#ifndef PTCORE_FMT_VTDSS_H
#define PTCORE_FMT_VTDSS_H

#include "pt_common.h"

#define VTD_R			PT_BIT(0)
#define VTD_W			PT_BIT(1)
#define VTD_PS			PT_BIT(7)	/* a leaf at levels 1 and 2 */
#define VTD_A			PT_BIT(8)
#define VTD_D			PT_BIT(9)
#define VTD_SNP			PT_BIT(11)
#define VTD_ADDR_MASK		PT_GENMASK(51, 12)

static inline bool fmt_valid(uint64_t pte)
{
	return pte & (VTD_R | VTD_W);
}

static inline bool fmt_is_table(const struct ptcore_table *t, uint64_t pte, unsigned int level)
{
	return level && !(pte & VTD_PS);
}

static inline uint64_t fmt_encode_oa(const struct ptcore_table *t, uint64_t pa)
{
	return pa & VTD_ADDR_MASK;
}

static inline bool fmt_oa_linear(const struct ptcore_table *t)
{
	return true;
}

/* No runs of replicated entries. */
static inline bool fmt_run_replicates(const struct ptcore_table *t)
{
	return false;
}

static inline uint64_t fmt_table_pa(const struct ptcore_table *t, uint64_t pte)
{
	return pte & VTD_ADDR_MASK;
}

static inline uint64_t fmt_make_table(const struct ptcore_table *t, uint64_t pa,
				      unsigned int level)
{
	return (pa & VTD_ADDR_MASK) | VTD_R | VTD_W;
}

static inline uint64_t fmt_leaf_oa(const struct ptcore_table *t, uint64_t pte)
{
	return pte & VTD_ADDR_MASK;
}

static inline unsigned int fmt_leaf_run_lg2(const struct ptcore_table *t, uint64_t pte,
					    unsigned int level)
{
	return 0;
}

/*
 * Validity is R or W, which one mask cannot say: this matches read-write
 * leaves only (the common case); read-only and write-only leaves take the
 * unmap's per-entry path.
 */
static inline void fmt_plain_leaf(const struct ptcore_table *t, unsigned int level,
				  uint64_t *mask, uint64_t *val)
{
	*mask = VTD_R | VTD_W | VTD_PS;
	*val = level ? VTD_R | VTD_W | VTD_PS : VTD_R | VTD_W;
}

static inline uint64_t fmt_leaf_attrs(const struct ptcore_table *t, uint32_t prot,
				      unsigned int level, unsigned int run_lg2)
{
	uint64_t pte = 0;

	if (prot & PTCORE_PROT_READ)
		pte |= VTD_R;
	if (prot & PTCORE_PROT_WRITE)
		pte |= VTD_W;
	if (prot & PTCORE_PROT_CACHE)
		pte |= VTD_SNP;
	if (level)
		pte |= VTD_PS;
	return pte;
}

static inline uint64_t fmt_leaf_reattr(const struct ptcore_table *t, uint64_t pte,
				       unsigned int level, unsigned int run_lg2)
{
	pte &= ~(VTD_ADDR_MASK | VTD_PS);
	return level ? pte | VTD_PS : pte;
}

/* With SSADE the walker sets D on a write through a writable leaf; maps leave it clear. */
static inline void fmt_dirty_state(const struct ptcore_table *t, uint64_t *mask, uint64_t *val)
{
	*mask = VTD_W | VTD_D;
	*val = VTD_W | VTD_D;
}

static inline void fmt_dirty_clean(const struct ptcore_table *t, uint64_t *ptep)
{
	os_pte_update(ptep, VTD_D, 0);
}

/* Replacing a large leaf by a table of the same translations needs no break. */
static inline bool fmt_cut_hitless(const struct ptcore_table *t)
{
	return true;
}

#endif /* PTCORE_FMT_VTDSS_H */
