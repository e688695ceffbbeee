// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The hardware-walk model for AMD IOMMU v1 host tables (see hw_walk.h),
 * from the AMD I/O Virtualization Technology (IOMMU) Specification's host
 * translation (2.2.3): the DTE's Mode names the levels (1..6) and its root
 * pointer the top table; every table is a 4K page of 512 entries. An entry
 * is present when PR (bit 0) is set. NextLevel (11:9) in an entry of a
 * table at specification level L: L - 1 (a table one level down; ptcore
 * never skips levels, so the model refuses a skip), 0 (a page of the entry's
 * own size), or 7 (a page larger than the entry, its size encoded in the
 * address: bits 12 up to two below the size set, the bit below clear; the
 * same entry written into each of the size / entry-size slots it covers).
 * IR (61) and IW (62) of every entry on the way must allow an access; the
 * IOMMU sets HD (6) in at least one entry of a page it writes through.
 *
 * Model levels count from the root (0) down to the page table (mode - 1).
 */
#include <linux/kernel.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/types.h>

#include "hw_walk.h"
#include "hw_walk_amdv1.h"

#define AMD_PR BIT_ULL(0)
#define AMD_A BIT_ULL(5)
#define AMD_HD BIT_ULL(6)
#define AMD_NL(p) (((p) >> 9) & 7)
#define AMD_NL_FIELD GENMASK_ULL(11, 9)
#define AMD_ADDR GENMASK_ULL(51, 12)
#define AMD_RSVD GENMASK_ULL(58, 52)
#define AMD_PDE_RSVD GENMASK_ULL(60, 52)
#define AMD_FC BIT_ULL(60)
#define AMD_IR BIT_ULL(61)
#define AMD_IW BIT_ULL(62)

int hw_walk_amdv1_init(struct hw_walk *w, const char **why)
{
	const struct ptcore_hw_info *hi = &w->hi;

	if (hi->mode < 1 || hi->mode > 6) {
		*why = "DTE mode must be 1..6";
		return -EINVAL;
	}
	if (hi->oas > 52 || hi->ias > 64 || hi->ias < 13) {
		*why = "AMD v1 addresses are 52 bits out, 64 in";
		return -EINVAL;
	}
	w->amdv1 = true;
	w->pg_shift = 12;
	w->bpl = 9;
	w->ias = hi->ias;
	w->oas = hi->oas;
	w->pa_bits = hi->oas;
	w->start_level = 0;
	w->levels = hi->mode;
	w->last_level = hi->mode - 1;
	w->root_bits = 9;
	w->n_roots = 1;
	w->ttbr_shift = w->ias; /* one root: every IOVA selects root 0 */
	if (w->ias > 12 + 9 * w->levels) {
		*why = "DTE mode too small for the input size";
		return -EINVAL;
	}
	if (hi->root[0] & GENMASK_ULL(11, 0) || hi->root[0] >> w->oas) {
		*why = "root pointer not a 4K page within oas";
		return -EINVAL;
	}
	return 0;
}

/* log2 of the page a NextLevel-7 entry maps */
static unsigned int sized_lg2(u64 pte)
{
	return __builtin_ctzll(~(pte | GENMASK_ULL(11, 0))) + 1;
}

enum hw_fault hw_walk_amdv1_decode(const struct hw_walk *w, u64 pte, unsigned int level,
				   enum hw_entry_kind *kind, u64 *addr)
{
	unsigned int spec_level = w->levels - level, shift = hw_walk_entry_shift(w, level);
	unsigned int nl = AMD_NL(pte);

	*kind = HW_ENTRY_INVALID;
	*addr = 0;
	if (!(pte & AMD_PR))
		return HW_OK;
	if (nl && nl != 7) {
		*kind = HW_ENTRY_TABLE;
		if (nl != spec_level - 1 || (pte & AMD_PDE_RSVD))
			return HW_FAULT_MALFORMED; /* level skip, or a table below level 1 */
		*addr = pte & AMD_ADDR;
		return *addr >> w->oas ? HW_FAULT_ADDRSIZE : HW_OK;
	}
	*kind = HW_ENTRY_LEAF;
	if (pte & AMD_RSVD)
		return HW_FAULT_MALFORMED;
	*addr = pte & AMD_ADDR;
	if (nl == 7) {
		unsigned int lg2 = sized_lg2(pte);

		/* larger than the entry, smaller than an entry one level up */
		if (lg2 <= shift || lg2 >= shift + 9)
			return HW_FAULT_MALFORMED;
		*addr &= ~(BIT_ULL(lg2) - 1);
	} else if (*addr & (BIT_ULL(shift) - 1)) {
		return HW_FAULT_MALFORMED;
	}
	return *addr >> w->oas ? HW_FAULT_ADDRSIZE : HW_OK;
}

enum hw_fault hw_walk_amdv1_fill_leaf(const struct hw_walk *w, const u64 *tbl, u64 idx, u64 pte,
				      unsigned int level, u64 iova, u64 oa, u64 denied,
				      struct hw_leaf *leaf)
{
	unsigned int shift = hw_walk_entry_shift(w, level);
	u64 i, n = 1, first;

	leaf->pte = pte;
	leaf->level = level;
	leaf->index = idx;
	leaf->size = 1ULL << shift;
	leaf->iova = iova & ~(leaf->size - 1);
	if (AMD_NL(pte) == 7) {
		n = BIT_ULL(sized_lg2(pte) - shift);
		/* every slot of the page holds the same entry (the IOMMU may set HD/A in one) */
		first = idx & ~(n - 1);
		for (i = first; i < first + n; i++)
			if ((READ_ONCE(tbl[i]) ^ pte) & ~(AMD_HD | AMD_A))
				return HW_FAULT_CONTIG;
	}
	leaf->run_size = leaf->size * n;
	leaf->run_iova = iova & ~(leaf->run_size - 1);
	leaf->run_oa = oa;
	leaf->oa = oa + (iova - leaf->run_iova);
	leaf->contig = n > 1;
	leaf->read = (pte & AMD_IR) && !(denied & AMD_IR);
	leaf->write = (pte & AMD_IW) && !(denied & AMD_IW);
	leaf->exec = true;
	leaf->dirty = pte & AMD_HD;
	leaf->cache = true;
	leaf->sp_full = true;
	leaf->memtype = HW_MT_NORMAL_WB;
	return HW_OK;
}

/* The permissions a table entry takes away from everything below it. */
u64 hw_walk_amdv1_denied(u64 pde)
{
	return ~pde & (AMD_IR | AMD_IW);
}

u64 hw_walk_amdv1_written_pte(const struct hw_walk *w, const struct hw_leaf *leaf)
{
	return leaf->write ? leaf->pte | AMD_HD : leaf->pte;
}

/* Linux 6.12's leaves: PR and FC, IR/IW from the prot; a sized page in the address. */
u64 hw_walk_amdv1_leaf(const struct hw_walk *w, u32 prot, u64 pa, u64 size)
{
	unsigned int lg2 = __builtin_ctzll(size), base = 12;
	u64 pte = AMD_PR | AMD_FC | (pa & AMD_ADDR);

	if (prot & PTCORE_PROT_READ)
		pte |= AMD_IR;
	if (prot & PTCORE_PROT_WRITE)
		pte |= AMD_IW;
	while (base + 9 <= lg2)
		base += 9;
	if (lg2 != base)
		pte |= AMD_NL_FIELD | ((BIT_ULL(lg2 - 1) - 1) & AMD_ADDR);
	return pte;
}

/* A table entry in the table at model level @level - 1, pointing to one at @level. */
u64 hw_walk_amdv1_table(const struct hw_walk *w, u64 pa, unsigned int level)
{
	return (pa & AMD_ADDR) | ((u64)(w->levels - level) << 9) | AMD_PR | AMD_IR | AMD_IW;
}

int hw_walk_amdv1_check_cfg(const struct hw_walk *w, const struct ptcore_cfg *cfg,
			    const char **why)
{
	unsigned int levels = DIV_ROUND_UP(cfg->ias - 12, 9);

	if (cfg->granule_lg2 && cfg->granule_lg2 != 12)
		*why = "AMD v1 has 4K granules only";
	else if (w->levels != levels || w->hi.levels != levels || w->hi.mode != levels)
		*why = "DTE mode (hw_info.mode, .levels) is not the levels ias needs";
	else if (w->ias != cfg->ias || w->oas != cfg->oas)
		*why = "hw_info ias/oas are not the configuration's";
	else if (w->hi.n_roots != 1 || w->hi.granule_lg2 != 12)
		*why = "AMD v1 has one root and 4K tables";
	return *why ? -EINVAL : 0;
}
