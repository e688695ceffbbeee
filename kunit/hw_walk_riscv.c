// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The hardware-walk model for the RISC-V IOMMU's first stage (iosatp Sv39,
 * Sv48, Sv57), written from the RISC-V privileged specification ("Sv39:
 * virtual address translation process", and Sv48/Sv57 which extend it by
 * one level each) and the RISC-V IOMMU specification (iosatp, the
 * capabilities' AMO_HWAD and the device context's SADE), not from ptcore.
 *
 * Level numbers here are the model's: 0 is the root (the architecture's
 * LEVELS - 1), levels - 1 holds the 4K pages (the architecture's level 0).
 *
 * The process, per level: the entry at VPN[i]; V clear, W without R, or a
 * reserved bit or encoding set: page fault; R or X set: a leaf, else a
 * pointer to the next table (a pointer at the last level: page fault). A
 * superpage leaf whose PPN bits below its level are not zero is misaligned
 * (page fault). A clear, or D clear on a write: the IOMMU sets them when
 * hardware A/D update is on (PTCORE_FEAT_DIRTY_TRACKING stands for it),
 * else faults. The model also rejects what ptcore must never write: PBMT
 * (no Svpbmt assumed), G, a leaf without A, and A, D or U on a table entry
 * (reserved there).
 *
 * Svnapot (the privileged specification's chapter of that name; the RISC-V
 * IOMMU specification requires it of every IOMMU): a leaf with N at the
 * architecture's level 0 whose PPN[3:0] is 1000b is part of a 64K NAPOT
 * range, and the walk returns it with PPN[3:0] replaced by VPN[0][3:0];
 * every other encoding with N set (another PPN[3:0], a leaf above level 0,
 * a pointer) is reserved: page fault. A TLB may cache the whole 64K from
 * any of its 16 entries, so the model also rejects, as ptcore must never
 * write them, NAPOT entries when 64K is not in hw_info.pgsize_bitmap, and a
 * range whose 16 entries are not all valid NAPOT leaves equal but for A
 * and D (the IOMMU sets those in whichever entry it read).
 */
#include <linux/kernel.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/types.h>

#include "hw_walk_riscv.h"

#define RV_V BIT_ULL(0)
#define RV_R BIT_ULL(1)
#define RV_W BIT_ULL(2)
#define RV_X BIT_ULL(3)
#define RV_U BIT_ULL(4)
#define RV_G BIT_ULL(5)
#define RV_A BIT_ULL(6)
#define RV_D BIT_ULL(7)
#define RV_PPN GENMASK_ULL(53, 10)
#define RV_RSVD GENMASK_ULL(60, 54)
#define RV_PBMT GENMASK_ULL(62, 61)
#define RV_N BIT_ULL(63)
#define RV_PAGE_SHIFT 12
#define RV_VPN_BITS 9
#define RV_PA_BITS 56 /* PPN[43:0]: PA[55:12] */
#define RV_NAPOT_PPN GENMASK_ULL(13, 10) /* PPN[3:0] */
#define RV_NAPOT_64K BIT_ULL(13) /* PPN[3:0] = 1000b */
#define RV_NAPOT_ENTRIES 16
#define RV_NAPOT_SIZE (RV_NAPOT_ENTRIES << RV_PAGE_SHIFT)

/* iosatp.MODE: Bare 0, Sv39 8, Sv48 9, Sv57 10 */
#define RV_MODE_SV39 8
#define RV_MODE_SV57 10

static bool hw_dirty_hw(const struct hw_walk *w)
{
	return w->features & PTCORE_FEAT_DIRTY_TRACKING;
}

int hw_riscv_init(struct hw_walk *w, const char **why)
{
	const struct ptcore_hw_info *hi = &w->hi;
	unsigned int levels, va_bits;

	if (hi->mode < RV_MODE_SV39 || hi->mode > RV_MODE_SV57) {
		*why = "iosatp MODE is not Sv39, Sv48 or Sv57";
		return -EINVAL;
	}
	levels = 3 + hi->mode - RV_MODE_SV39;
	va_bits = RV_PAGE_SHIFT + RV_VPN_BITS * levels;
	/* IOVAs must be sign-extended from bit va_bits - 1: the lower half is 0..2^(va_bits-1) */
	if (hi->ias > va_bits - 1 || hi->ias <= RV_PAGE_SHIFT) {
		*why = "ias does not fit the mode's lower (not sign-extended) half";
		return -EINVAL;
	}
	if (hi->n_roots != 1) {
		*why = "one iosatp root";
		return -EINVAL;
	}
	if (hi->root[0] & (BIT_ULL(RV_PAGE_SHIFT) - 1)) {
		*why = "iosatp.PPN names a page: root not page aligned";
		return -EINVAL;
	}
	if (hi->oas > RV_PA_BITS || hi->oas < 32 || hi->root[0] >> hi->oas) {
		*why = "root beyond oas, or oas beyond 56 bits";
		return -EINVAL;
	}
	w->riscv = true;
	w->pg_shift = RV_PAGE_SHIFT;
	w->bpl = RV_VPN_BITS;
	w->ias = hi->ias;
	w->oas = hi->oas;
	w->pa_bits = hi->oas;
	w->start_level = 0;
	w->levels = levels;
	w->last_level = levels - 1;
	w->root_bits = RV_VPN_BITS; /* the root is a whole page */
	w->n_roots = 1;
	w->ttbr_shift = 64;
	return 0;
}

u64 hw_riscv_addr_mask(void)
{
	return RV_PPN;
}

u64 hw_riscv_addr_bits(u64 pa)
{
	return (pa >> RV_PAGE_SHIFT) << 10 & RV_PPN;
}

static u64 rv_addr(u64 pte)
{
	return ((pte & RV_PPN) >> 10) << RV_PAGE_SHIFT;
}

enum hw_fault hw_riscv_decode(const struct hw_walk *w, u64 pte, unsigned int level,
			      enum hw_entry_kind *kind, u64 *addr)
{
	unsigned int shift = hw_walk_entry_shift(w, level);

	*kind = HW_ENTRY_INVALID;
	*addr = 0;
	if (!(pte & RV_V))
		return HW_OK;
	if ((pte & (RV_R | RV_W)) == RV_W)
		return HW_FAULT_MALFORMED; /* W without R is reserved */
	if (pte & (RV_RSVD | RV_PBMT | RV_G))
		return HW_FAULT_MALFORMED;
	*addr = rv_addr(pte);
	if (!(pte & (RV_R | RV_X))) {
		*kind = HW_ENTRY_TABLE;
		if (pte & RV_N)
			return HW_FAULT_MALFORMED; /* reserved in a non-leaf entry */
		if (level >= w->last_level)
			return HW_FAULT_MALFORMED; /* a pointer below level 0: page fault */
		if (pte & (RV_A | RV_D | RV_U))
			return HW_FAULT_MALFORMED; /* reserved in a non-leaf entry */
		if (*addr >> w->oas)
			return HW_FAULT_ADDRSIZE;
		return HW_OK;
	}
	*kind = HW_ENTRY_LEAF;
	if (pte & RV_N) {
		/* 64K at level 0 is the only NAPOT encoding; ptcore offers it on request */
		if (level != w->last_level || (pte & RV_NAPOT_PPN) != RV_NAPOT_64K ||
		    !(w->hi.pgsize_bitmap & RV_NAPOT_SIZE))
			return HW_FAULT_MALFORMED;
		*addr &= ~(u64)(RV_NAPOT_SIZE - 1); /* the range's base */
	}
	if (*addr & (BIT_ULL(shift) - 1))
		return HW_FAULT_MALFORMED; /* misaligned superpage */
	if (*addr >> w->oas)
		return HW_FAULT_ADDRSIZE;
	if (!(pte & RV_A))
		return HW_FAULT_ACCESS; /* ptcore presets A */
	return HW_OK;
}

/* The 16 entries of the NAPOT range holding entry @idx of @tbl: equal to @pte but A and D. */
static enum hw_fault rv_check_napot(const u64 *tbl, u64 idx, u64 pte)
{
	u64 base = idx & ~(u64)(RV_NAPOT_ENTRIES - 1), i;

	for (i = base; i < base + RV_NAPOT_ENTRIES; i++) {
		u64 e = READ_ONCE(tbl[i]);

		if ((e ^ pte) & ~(RV_A | RV_D))
			return HW_FAULT_CONTIG;
	}
	return HW_OK;
}

enum hw_fault hw_riscv_leaf_fill(const struct hw_walk *w, const u64 *tbl, u64 idx, u64 pte,
				 struct hw_leaf *leaf)
{
	bool writable = pte & RV_W;

	leaf->read = pte & RV_R;
	leaf->exec = pte & RV_X;
	leaf->priv_only = !(pte & RV_U); /* a device's user-mode request needs U */
	leaf->dbm = writable && hw_dirty_hw(w);
	leaf->dirty = leaf->dbm && (pte & RV_D);
	/* without hardware A/D update, a write through D clear faults */
	leaf->write = writable && ((pte & RV_D) || hw_dirty_hw(w));
	leaf->memtype = HW_MT_NORMAL_WB; /* PBMT 0: the PMAs decide */
	leaf->cache = true;
	leaf->sp_full = true;
	if (!(pte & RV_N))
		return HW_OK;
	/* the walk's copy of the entry: PPN[3:0] from VPN[0][3:0] */
	leaf->oa += leaf->iova & (RV_NAPOT_SIZE - 1);
	leaf->run_size = RV_NAPOT_SIZE;
	leaf->run_iova = leaf->iova & ~(u64)(RV_NAPOT_SIZE - 1);
	return rv_check_napot(tbl, idx, pte);
}

u64 hw_riscv_written_pte(const struct hw_walk *w, const struct hw_leaf *leaf)
{
	if (!leaf->dbm || !leaf->write)
		return leaf->pte;
	return leaf->pte | RV_A | RV_D;
}

int hw_riscv_cfg_levels(const struct ptcore_cfg *cfg, unsigned int *levels, const char **why)
{
	if (cfg->ias > 56) {
		*why = "ias beyond Sv57's lower half";
		return -EINVAL;
	}
	/* the smallest mode whose lower half holds ias */
	for (*levels = 3; cfg->ias > RV_PAGE_SHIFT + RV_VPN_BITS * *levels - 1; (*levels)++)
		;
	return 0;
}

/*
 * R on every leaf (also write-only: W alone is reserved), A, D with W, X
 * unless NOEXEC; an entry of a 64K NAPOT range (@napot) holds N and the
 * range's base with PPN[3:0] = 1000b.
 */
u64 hw_riscv_expected_leaf(const struct hw_walk *w, u32 prot, u64 oa, bool napot)
{
	u64 pte = RV_V | RV_R | RV_A;

	if (napot)
		pte |= RV_N | RV_NAPOT_64K | hw_riscv_addr_bits(oa & ~(u64)(RV_NAPOT_SIZE - 1));
	else
		pte |= hw_riscv_addr_bits(oa);

	if (prot & PTCORE_PROT_WRITE)
		pte |= RV_W | RV_D;
	if (!(prot & PTCORE_PROT_NOEXEC))
		pte |= RV_X;
	if (!(prot & PTCORE_PROT_PRIV))
		pte |= RV_U;
	return pte;
}

u64 hw_riscv_expected_table(const struct hw_walk *w, u64 pa)
{
	return hw_riscv_addr_bits(pa) | RV_V;
}
