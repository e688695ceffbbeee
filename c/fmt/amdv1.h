/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * AMD IOMMU v1 host page table entries, as Linux 6.12's amd/io_pgtable.c
 * writes them. Internal level 0 holds 4K pages; a table at level L is the
 * AMD specification's level L + 1, and its entries pointing down carry
 * NextLevel = L. Leaves carry NextLevel 0 (4K, 2M, 1G, ... at the item size
 * of their level) or 7: a sized leaf of 2^n items of its level, every one of
 * its 2^n entries the same value, with the size in the address field (the
 * bits from 12 up to two below the size set, the bit below the size clear).
 */
#ifndef PTCORE_FMT_AMDV1_H
#define PTCORE_FMT_AMDV1_H

#include "pt_common.h"

#define AMDV1_PR		PT_BIT(0)
#define AMDV1_HD		PT_BIT(6)	/* host dirty: set by the IOMMU on a write */
#define AMDV1_NL_SHIFT		9
#define AMDV1_NL_MASK		PT_GENMASK(11, 9)
#define AMDV1_NL_SIZED		7ULL
#define AMDV1_ADDR_MASK		PT_GENMASK(51, 12)
#define AMDV1_FC		PT_BIT(60)	/* force coherent */
#define AMDV1_IR		PT_BIT(61)
#define AMDV1_IW		PT_BIT(62)

static inline unsigned int amdv1_nl(uint64_t pte)
{
	return (unsigned int)((pte & AMDV1_NL_MASK) >> AMDV1_NL_SHIFT);
}

/* log2 of the size a NextLevel-7 entry encodes: one above its lowest clear address bit. */
static inline unsigned int amdv1_sized_lg2(uint64_t pte)
{
	return pt_ffs64(~(pte | PT_GENMASK(11, 0))) + 1;
}

/* The address bits that encode a sized leaf of 2^@lg2 bytes (none for 8K). */
static inline uint64_t amdv1_size_bits(unsigned int lg2)
{
	return lg2 >= 14 ? PT_GENMASK(lg2 - 2, 12) : 0;
}

static inline bool fmt_valid(uint64_t pte)
{
	return pte & AMDV1_PR;
}

static inline bool fmt_is_table(const struct ptcore_table *t, uint64_t pte, unsigned int level)
{
	unsigned int nl = amdv1_nl(pte);

	return level && nl && nl != AMDV1_NL_SIZED;
}

static inline uint64_t fmt_encode_oa(const struct ptcore_table *t, uint64_t pa)
{
	return pa & AMDV1_ADDR_MASK;
}

static inline bool fmt_oa_linear(const struct ptcore_table *t)
{
	return true;
}

static inline uint64_t fmt_table_pa(const struct ptcore_table *t, uint64_t pte)
{
	return pte & AMDV1_ADDR_MASK;
}

/* A table entry in a table at @level: NextLevel names that level, readable and writable. */
static inline uint64_t fmt_make_table(const struct ptcore_table *t, uint64_t pa,
				      unsigned int level)
{
	return fmt_encode_oa(t, pa) | ((uint64_t)level << AMDV1_NL_SHIFT) | AMDV1_PR |
	       AMDV1_IR | AMDV1_IW;
}

static inline uint64_t fmt_leaf_oa(const struct ptcore_table *t, uint64_t pte)
{
	uint64_t oa = pte & AMDV1_ADDR_MASK;

	if (amdv1_nl(pte) == AMDV1_NL_SIZED)
		oa &= ~(PT_BIT(amdv1_sized_lg2(pte)) - 1);
	return oa;
}

/* Every entry of a sized leaf is the same: the leaf's base and size. */
static inline bool fmt_run_replicates(const struct ptcore_table *t)
{
	return true;
}

static inline unsigned int fmt_leaf_run_lg2(const struct ptcore_table *t, uint64_t pte,
					    unsigned int level)
{
	if (amdv1_nl(pte) != AMDV1_NL_SIZED)
		return 0;
	return amdv1_sized_lg2(pte) - item_lg2(t, level);
}

static inline void fmt_plain_leaf(const struct ptcore_table *t, unsigned int level,
				  uint64_t *mask, uint64_t *val)
{
	*mask = AMDV1_PR | AMDV1_NL_MASK;
	*val = AMDV1_PR;
}

/* Linux: PR and FC always, IR/IW from READ/WRITE; no other prot bit has a place. */
static inline uint64_t fmt_leaf_attrs(const struct ptcore_table *t, uint32_t prot,
				      unsigned int level, unsigned int run_lg2)
{
	uint64_t pte = AMDV1_PR | AMDV1_FC;

	if (prot & PTCORE_PROT_READ)
		pte |= AMDV1_IR;
	if (prot & PTCORE_PROT_WRITE)
		pte |= AMDV1_IW;
	if (run_lg2)
		pte |= (AMDV1_NL_SIZED << AMDV1_NL_SHIFT) |
		       amdv1_size_bits(item_lg2(t, level) + run_lg2);
	return pte;
}

/* The bits of leaf @pte but its address (and size), for a leaf at @level of 2^@run_lg2 items. */
static inline uint64_t fmt_leaf_reattr(const struct ptcore_table *t, uint64_t pte,
				       unsigned int level, unsigned int run_lg2)
{
	pte &= ~(AMDV1_ADDR_MASK | AMDV1_NL_MASK);
	if (run_lg2)
		pte |= (AMDV1_NL_SIZED << AMDV1_NL_SHIFT) |
		       amdv1_size_bits(item_lg2(t, level) + run_lg2);
	return pte;
}

/* Host dirty: the IOMMU sets HD in (at least one of the entries of) a leaf it wrote through. */
static inline void fmt_dirty_state(const struct ptcore_table *t, uint64_t *mask, uint64_t *val)
{
	*mask = AMDV1_PR | AMDV1_HD;
	*val = AMDV1_PR | AMDV1_HD;
}

static inline void fmt_dirty_clean(const struct ptcore_table *t, uint64_t *ptep)
{
	os_pte_update(ptep, AMDV1_HD, 0);
}

/* A cut breaks before it makes: nothing in the AMD IOMMU promises more. */
static inline bool fmt_cut_hitless(const struct ptcore_table *t)
{
	return false;
}

#endif /* PTCORE_FMT_AMDV1_H */
