// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The hardware-walk model for the x86-style formats (see hw_walk_x86.h),
 * written from the architecture descriptions, never from ptcore:
 *
 * x86-64 paging (Intel SDM vol. 3 ch. 4 "IA-32e paging"; AMD IOMMU spec,
 * guest translation): every entry has P (bit 0); RW (1) and U/S (2) must be
 * set at every level for a write or a user access, XD (63) at any level
 * forbids execution; PS (7) makes a 1G leaf in a PDPTE and a 2M leaf in a
 * PDE, is reserved in PML4E/PML5E and is PAT in a PTE; A (5) and D (6, leaves)
 * are written by the walker. The address is bits 51:12 (for large pages,
 * bit 12 is PAT and the bits below the page size are reserved).
 *
 * VT-d second stage (VT-d spec, "Second-Stage Paging Entries"): no present
 * bit, an entry is present when R (0) or W (1) is set, and R and W must be
 * set at every level for a read or a write; PS (7) as above; A (8) and D (9)
 * are written by the walker only with second-stage A/D enabled (SSADE); SNP
 * (11) snoops the access; EMT (5:3) and IPAT (6) are leaf memory types; bit
 * 10 and bits 63:52 are ignored by the walker but never written by ptcore.
 * The context or PASID entry's AW field gives the levels: AW + 2.
 *
 * Beyond what a walker faults on, it rejects what ptcore must never write
 * (ignored or software bits, PAT, reserved large-page address bits) as
 * malformed.
 */
#include <linux/kernel.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/types.h>

#include "hw_walk_x86.h"

#define X86_P BIT_ULL(0)
#define X86_RW BIT_ULL(1)
#define X86_US BIT_ULL(2)
#define X86_PWT BIT_ULL(3)
#define X86_PCD BIT_ULL(4)
#define X86_A BIT_ULL(5)
#define X86_D BIT_ULL(6)
#define X86_PS BIT_ULL(7)
#define X86_XD BIT_ULL(63)

#define VTD_R BIT_ULL(0)
#define VTD_W BIT_ULL(1)
#define VTD_X BIT_ULL(2)
#define VTD_EMT GENMASK_ULL(5, 3)
#define VTD_IPAT BIT_ULL(6)
#define VTD_PS BIT_ULL(7)
#define VTD_A BIT_ULL(8)
#define VTD_D BIT_ULL(9)
#define VTD_SNP BIT_ULL(11)

#define ADDR_FIELD GENMASK_ULL(51, 12)
#define LAST_LEVEL 4 /* the PT */

int hw_x86_init(struct hw_walk *w, const char **why)
{
	const struct ptcore_hw_info *hi = &w->hi;
	unsigned int levels;

	w->x86 = true;
	w->vtd = hi->format == PTCORE_FMT_VTDSS;
	if (w->vtd) {
		if (hi->mode < 1 || hi->mode > 3) {
			*why = "AW encodes 3, 4 or 5 levels only";
			return -EINVAL;
		}
		levels = hi->mode + 2;
	} else {
		if (hi->mode != 4 && hi->mode != 5) {
			*why = "x86-64 paging has 4 or 5 levels";
			return -EINVAL;
		}
		levels = hi->mode;
	}
	w->pg_shift = 12;
	w->bpl = 9;
	w->last_level = LAST_LEVEL;
	w->start_level = LAST_LEVEL + 1 - levels;
	w->levels = levels;
	w->root_bits = 9;
	w->n_roots = 1;
	w->ttbr_shift = 64;
	w->ias = hi->ias;
	w->oas = hi->oas;
	w->pa_bits = hi->oas;
	if (w->ias > 12 + 9 * levels) {
		*why = "input size beyond what the levels translate";
		return -EINVAL;
	}
	if (w->oas > 52) {
		*why = "output size beyond 52 bits";
		return -EINVAL;
	}
	if (hi->root[0] & GENMASK_ULL(11, 0)) {
		*why = "root table not 4K aligned";
		return -EINVAL;
	}
	if (hi->root[0] >> w->oas) {
		*why = "root beyond oas";
		return -EINVAL;
	}
	return 0;
}

static bool present(const struct hw_walk *w, u64 pte)
{
	return w->vtd ? pte & (VTD_R | VTD_W) : pte & X86_P;
}

/* Bits ptcore must never write, and the architecture's reserved bits, per kind. */
static u64 table_forbidden(const struct hw_walk *w)
{
	if (w->vtd)
		return ~(VTD_R | VTD_W | VTD_X | VTD_A | ADDR_FIELD);
	return GENMASK_ULL(62, 52) | GENMASK_ULL(11, 8) | X86_D | X86_PS;
}

static u64 leaf_forbidden(const struct hw_walk *w, unsigned int level)
{
	u64 f;

	if (w->vtd)
		f = ~(VTD_R | VTD_W | VTD_X | VTD_EMT | VTD_IPAT | VTD_PS | VTD_A | VTD_D |
		      VTD_SNP | ADDR_FIELD);
	else
		f = GENMASK_ULL(62, 52) | GENMASK_ULL(11, 8);
	/* bit 7 of a 4K entry: x86 PAT, VT-d ignored; ptcore never sets it */
	if (level == LAST_LEVEL)
		return f | X86_PS;
	/* large pages: PAT (x86) or reserved at bit 12, reserved up to the page size */
	return f | GENMASK_ULL(hw_walk_entry_shift(w, level) - 1, 12);
}

enum hw_fault hw_x86_decode(const struct hw_walk *w, u64 pte, unsigned int level,
			    enum hw_entry_kind *kind, u64 *addr)
{
	u64 ps = w->vtd ? VTD_PS : X86_PS;

	*kind = HW_ENTRY_INVALID;
	*addr = 0;
	if (!present(w, pte))
		return HW_OK;
	if (level < LAST_LEVEL && !(pte & ps)) {
		*kind = HW_ENTRY_TABLE;
		if (pte & table_forbidden(w))
			return HW_FAULT_MALFORMED;
		*addr = pte & ADDR_FIELD;
		return (*addr >> w->oas) ? HW_FAULT_ADDRSIZE : HW_OK;
	}
	*kind = HW_ENTRY_LEAF;
	/* PS is reserved in PML4 and PML5 entries */
	if (level < LAST_LEVEL - 2)
		return HW_FAULT_MALFORMED;
	if (pte & leaf_forbidden(w, level))
		return HW_FAULT_MALFORMED;
	*addr = pte & ADDR_FIELD;
	return (*addr >> w->oas) ? HW_FAULT_ADDRSIZE : HW_OK;
}

u64 hw_x86_table_restrict(const struct hw_walk *w, u64 pte)
{
	if (w->vtd)
		return ~pte & (VTD_R | VTD_W);
	return (~pte & (X86_RW | X86_US)) | (pte & X86_XD);
}

void hw_x86_leaf_fill(const struct hw_walk *w, u64 pte, u64 restrict_bits, struct hw_leaf *leaf)
{
	u64 eff;

	leaf->sp_full = true;
	if (w->vtd) {
		eff = pte & ~restrict_bits;
		leaf->read = eff & VTD_R;
		leaf->write = eff & VTD_W;
		leaf->exec = true;
		leaf->dbm = leaf->write && (w->features & PTCORE_FEAT_DIRTY_TRACKING);
		leaf->dirty = leaf->dbm && (pte & VTD_D);
		leaf->cache = pte & VTD_SNP;
		leaf->memtype = HW_MT_NORMAL_WB;
		return;
	}
	leaf->read = true;
	leaf->write = (pte & X86_RW) && !(restrict_bits & X86_RW);
	leaf->priv_only = !(pte & X86_US) || (restrict_bits & X86_US);
	leaf->exec = !(pte & X86_XD) && !(restrict_bits & X86_XD);
	/* the walker always records D on a write */
	leaf->dbm = leaf->write;
	leaf->dirty = leaf->write && (pte & X86_D);
	leaf->memtype = (pte & X86_PCD) ? HW_MT_DEVICE : HW_MT_NORMAL_WB;
	leaf->cache = leaf->memtype == HW_MT_NORMAL_WB;
}

u64 hw_x86_written_pte(const struct hw_walk *w, const struct hw_leaf *leaf)
{
	if (!leaf->dbm)
		return leaf->pte;
	return leaf->pte | (w->vtd ? VTD_A | VTD_D : X86_A | X86_D);
}

u64 hw_x86_addr_mask(const struct hw_walk *w)
{
	return ADDR_FIELD;
}

/* ---- what FORMATS.md says ptcore writes ---- */

int hw_x86_cfg_levels(const struct ptcore_cfg *cfg, unsigned int *levels, const char **why)
{
	if (cfg->ias > 57) {
		*why = "more input bits than 5 levels translate";
		return -EINVAL;
	}
	if (cfg->format == PTCORE_FMT_X86_64)
		*levels = cfg->ias > 48 ? 5 : 4;
	else
		*levels = cfg->ias > 48 ? 5 : cfg->ias > 39 ? 4 : 3;
	return 0;
}

u64 hw_x86_expected_leaf(const struct hw_walk *w, u32 prot, u64 oa, unsigned int level)
{
	u64 pte = oa & ADDR_FIELD;

	if (w->vtd) {
		if (prot & PTCORE_PROT_READ)
			pte |= VTD_R;
		if (prot & PTCORE_PROT_WRITE)
			pte |= VTD_W;
		if (prot & PTCORE_PROT_CACHE)
			pte |= VTD_SNP;
		return level < LAST_LEVEL ? pte | VTD_PS : pte;
	}
	/* as Linux 6.12's AMD v2 table: D on every leaf, RW when writable */
	pte |= X86_P | X86_US | X86_A | X86_D;
	if (prot & PTCORE_PROT_WRITE)
		pte |= X86_RW;
	return level < LAST_LEVEL ? pte | X86_PS : pte;
}

u64 hw_x86_expected_table(const struct hw_walk *w, u64 pa)
{
	if (w->vtd)
		return (pa & ADDR_FIELD) | VTD_R | VTD_W;
	return (pa & ADDR_FIELD) | X86_P | X86_RW | X86_US | X86_A;
}
