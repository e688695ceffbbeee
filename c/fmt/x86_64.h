/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * x86-64 paging entries (4 and 5 levels), as the AMD IOMMU v2 (guest) page
 * table of Linux 6.12 (drivers/iommu/amd/io_pgtable_v2.c) writes them; the
 * same format is VT-d's first stage. Internal level 0 is the architecture's
 * PT (4K), 1 the PD (2M leaves with PS), 2 the PDPT (1G leaves with PS), 3
 * the PML4 and 4 the PML5.
 *
 * Tables are Present|RW|User|Accessed. Leaves are Present|User|Accessed|Dirty,
 * RW when writable (reads need no bit), PS above level 0; execute-disable is
 * never set (the v2 table never uses it) and the other prot flags have no bit.
 */
#ifndef PTCORE_FMT_X86_64_H
#define PTCORE_FMT_X86_64_H

#include "pt_common.h"

#define X86_P			PT_BIT(0)
#define X86_RW			PT_BIT(1)
#define X86_US			PT_BIT(2)
#define X86_A			PT_BIT(5)
#define X86_D			PT_BIT(6)
#define X86_PS			PT_BIT(7)	/* a leaf at levels 1 and 2 */
#define X86_ADDR_MASK		PT_GENMASK(51, 12)
#define X86_TABLE_BITS		(X86_P | X86_RW | X86_US | X86_A)

static inline bool fmt_valid(uint64_t pte)
{
	return pte & X86_P;
}

/* PS is only ever set at levels 1 and 2 (ptcore writes no PS above). */
static inline bool fmt_is_table(const struct ptcore_table *t, uint64_t pte, unsigned int level)
{
	return level && !(pte & X86_PS);
}

static inline uint64_t fmt_encode_oa(const struct ptcore_table *t, uint64_t pa)
{
	return pa & X86_ADDR_MASK;
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
	return pte & X86_ADDR_MASK;
}

static inline uint64_t fmt_make_table(const struct ptcore_table *t, uint64_t pa,
				      unsigned int level)
{
	return (pa & X86_ADDR_MASK) | X86_TABLE_BITS;
}

static inline uint64_t fmt_leaf_oa(const struct ptcore_table *t, uint64_t pte)
{
	return pte & X86_ADDR_MASK;
}

static inline unsigned int fmt_leaf_run_lg2(const struct ptcore_table *t, uint64_t pte,
					    unsigned int level)
{
	return 0;
}

/* At level 0 bit 7 is PAT (never set): P alone makes a leaf there. */
static inline void fmt_plain_leaf(const struct ptcore_table *t, unsigned int level,
				  uint64_t *mask, uint64_t *val)
{
	*mask = level ? X86_P | X86_PS : X86_P;
	*val = *mask;
}

static inline uint64_t fmt_leaf_attrs(const struct ptcore_table *t, uint32_t prot,
				      unsigned int level, unsigned int run_lg2)
{
	uint64_t pte = X86_P | X86_US | X86_A | X86_D;

	if (prot & PTCORE_PROT_WRITE)
		pte |= X86_RW;
	if (level)
		pte |= X86_PS;
	return pte;
}

static inline uint64_t fmt_leaf_reattr(const struct ptcore_table *t, uint64_t pte,
				       unsigned int level, unsigned int run_lg2)
{
	pte &= ~(X86_ADDR_MASK | X86_PS);
	return level ? pte | X86_PS : pte;
}

/*
 * Dirty state: the walker sets D on a write through a writable leaf.
 * Leaves are written with D set (as Linux does), so a fresh writable
 * mapping reads as dirty until the first clear.
 */
static inline void fmt_dirty_state(const struct ptcore_table *t, uint64_t *mask, uint64_t *val)
{
	*mask = X86_P | X86_RW | X86_D;
	*val = *mask;
}

static inline void fmt_dirty_clean(const struct ptcore_table *t, uint64_t *ptep)
{
	os_pte_update(ptep, X86_D, 0);
}

/* Replacing a large leaf by a table of the same translations needs no break. */
static inline bool fmt_cut_hitless(const struct ptcore_table *t)
{
	return true;
}

#endif /* PTCORE_FMT_X86_64_H */
