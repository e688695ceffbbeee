/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Apple DART entries (DART1 t8103, DART2 t6000/t8110/t602x), as
 * io-pgtable-dart writes them. The TTBR selection is not a table: the walks
 * pick one of the handle's roots by the IOVA bits above the top table.
 */
#ifndef PTCORE_FMT_DART_H
#define PTCORE_FMT_DART_H

#include "pt_common.h"

#define DART_VALID		PT_BIT(0)
#define DART_SUBPAGE_END	(0xfffULL << 40)	/* START (63:52) = 0: whole page */
#define DART1_ADDR_MASK		PT_GENMASK(35, 12)
#define DART1_NO_READ		PT_BIT(8)
#define DART1_NO_WRITE		PT_BIT(7)
#define DART1_SP_DIS		PT_BIT(1)
#define DART2_ADDR_MASK		PT_GENMASK(37, 10)
#define DART2_ADDR_SHIFT	4
#define DART2_NO_READ		PT_BIT(3)
#define DART2_NO_WRITE		PT_BIT(2)
#define DART2_NO_CACHE		PT_BIT(1)

static inline bool fmt_valid(uint64_t pte)
{
	return pte & DART_VALID;
}

/* DART has no blocks: every valid entry above the last level is a table. */
static inline bool fmt_is_table(const struct ptcore_table *t, uint64_t pte, unsigned int level)
{
	return level != 0;
}

static inline uint64_t fmt_encode_oa(const struct ptcore_table *t, uint64_t pa)
{
	if (t->dart_version == 1)
		return pa & DART1_ADDR_MASK;
	return (pa >> DART2_ADDR_SHIFT) & DART2_ADDR_MASK;
}

static inline uint64_t dart_decode_addr(const struct ptcore_table *t, uint64_t pte)
{
	if (t->dart_version == 1)
		return pte & DART1_ADDR_MASK;
	return (pte & DART2_ADDR_MASK) << DART2_ADDR_SHIFT;
}

static inline bool fmt_oa_linear(const struct ptcore_table *t)
{
	return true;
}

static inline uint64_t fmt_table_pa(const struct ptcore_table *t, uint64_t pte)
{
	return dart_decode_addr(t, pte);
}

static inline uint64_t fmt_make_table(const struct ptcore_table *t, uint64_t pa,
				      unsigned int level)
{
	return fmt_encode_oa(t, pa) | DART_VALID;
}

static inline uint64_t fmt_leaf_oa(const struct ptcore_table *t, uint64_t pte)
{
	return dart_decode_addr(t, pte);
}

/* No runs. */
static inline bool fmt_run_replicates(const struct ptcore_table *t)
{
	return false;
}

static inline unsigned int fmt_leaf_run_lg2(const struct ptcore_table *t, uint64_t pte,
					    unsigned int level)
{
	return 0;
}

/* Leaves only at level 0; above it nothing matches (val has a bit mask lacks). */
static inline void fmt_plain_leaf(const struct ptcore_table *t, unsigned int level,
				  uint64_t *mask, uint64_t *val)
{
	*mask = level ? 0 : DART_VALID;
	*val = DART_VALID;
}

static inline uint64_t fmt_leaf_attrs(const struct ptcore_table *t, uint32_t prot,
				      unsigned int level, unsigned int run_lg2)
{
	uint64_t pte = DART_VALID | DART_SUBPAGE_END;

	if (t->dart_version == 1) {
		pte |= DART1_SP_DIS;
		if (!(prot & PTCORE_PROT_READ))
			pte |= DART1_NO_READ;
		if (!(prot & PTCORE_PROT_WRITE))
			pte |= DART1_NO_WRITE;
	} else {
		if (!(prot & PTCORE_PROT_READ))
			pte |= DART2_NO_READ;
		if (!(prot & PTCORE_PROT_WRITE))
			pte |= DART2_NO_WRITE;
		if (!(prot & PTCORE_PROT_CACHE))
			pte |= DART2_NO_CACHE;
	}
	return pte;
}

/* DART leaves are pages only: nothing to resize, the address bits go. */
static inline uint64_t fmt_leaf_reattr(const struct ptcore_table *t, uint64_t pte,
				       unsigned int level, unsigned int run_lg2)
{
	return pte & ~fmt_encode_oa(t, ~0ULL);
}

/* DART has no dirty state (create refuses PTCORE_FEAT_DIRTY_TRACKING): nothing matches. */
static inline void fmt_dirty_state(const struct ptcore_table *t, uint64_t *mask, uint64_t *val)
{
	*mask = 0;
	*val = DART_VALID;
}

static inline void fmt_dirty_clean(const struct ptcore_table *t, uint64_t *ptep)
{
}

/* No large leaves, nothing to cut; as ARM without BBML2 (create refuses BBML2). */
static inline bool fmt_cut_hitless(const struct ptcore_table *t)
{
	return t->features & PTCORE_FEAT_ARM_BBML2;
}

#endif /* PTCORE_FMT_DART_H */
