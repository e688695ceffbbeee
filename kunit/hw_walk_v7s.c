// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The hardware-walk model for the ARM short-descriptor translation table
 * format (VMSAv7, "Short-descriptor translation table format descriptors"
 * and "Translation table walks" in the ARMv7-A/R Architecture Reference
 * Manual), as an SMMU or IOMMU walks it with TTBCR.N = 0, SCTLR.TRE = 1
 * (TEX remap through PRRR/NMRR) and SCTLR.AFE = 1 (the simplified access
 * permissions, AP[0] the access flag). Not from ptcore.
 *
 * Model levels: 0 the first-level table (4096 32-bit entries, 16 KiB,
 * indexed by VA[31:20]), 1 a second-level table (256 entries, 1 KiB,
 * VA[19:12]). First-level entries, bits 1:0: 00 fault, 01 a page table
 * (address 31:10, NS 3, domain 8:5), 10 a section (1M, address 31:20) or
 * with bit 18 a supersection (16M, address 31:24, PA[35:32] in 23:20 and
 * PA[39:36] in 8:5), 11 a section with PXN (or a fault where PXN is not
 * implemented). Second level: 01 a large page (64K, address 31:16, XN 15,
 * TEX 14:12), 1x a small page (4K, address 31:12, XN bit 0). Attributes:
 * B 2, C 3; AP[1:0], TEX, AP[2], S, nG from bit 10 (section) or bit 4
 * (page). A large page or supersection repeats in 16 aligned entries, each
 * holding its base address. The memory type is PRRR/NMRR's entry
 * {TEX[0], C, B}.
 *
 * Beyond what the walker faults on, the model refuses what ptcore must never
 * write: a domain other than 0, PXN, the IMPLEMENTATION DEFINED bit 9,
 * supersection address bits above 4 GiB, NS without PTCORE_FEAT_ARM_NS, and
 * a large page or supersection whose 16 entries differ.
 */
#include <linux/kernel.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/types.h>

#include "hw_walk_v7s.h"

#define V7_TYPE GENMASK_ULL(1, 0)
#define V7_L1_SUPER BIT_ULL(18)
#define V7_L1_NS BIT_ULL(19)
#define V7_L1_XN BIT_ULL(4)
#define V7_L1_NS_TABLE BIT_ULL(3)
#define V7_L1_PXN_TABLE BIT_ULL(2)
#define V7_DOMAIN GENMASK_ULL(8, 5)
#define V7_IMP BIT_ULL(9)
#define V7_B BIT_ULL(2)
#define V7_C BIT_ULL(3)
#define V7_RUN 16

/* the eight attribute bits above B/C: AP[1:0], TEX[2:0], AP[2], S, nG */
#define V7_AP0 BIT(0)
#define V7_AP1 BIT(1)
#define V7_TEX_SHIFT 2
#define V7_AP2 BIT(5)
#define V7_S BIT(6)
#define V7_NG BIT(7)

static unsigned int attr_shift(unsigned int level)
{
	return level ? 4 : 10;
}

int hw_v7s_init(struct hw_walk *w, const char **why)
{
	const struct ptcore_hw_info *hi = &w->hi;

	if (hi->ias > 32 || !hi->ias || hi->oas > 32 || !hi->oas) {
		*why = "the short descriptors translate 32-bit addresses";
		return -EINVAL;
	}
	if (hi->arm_tsz) {
		*why = "TTBCR.N must be 0 (a whole 16K first-level table)";
		return -EINVAL;
	}
	if (hi->n_roots != 1 || (hi->root[0] & (BIT_ULL(14) - 1)) || hi->root[0] >> 32) {
		*why = "TTBR0 holds a 16K-aligned table address below 4 GiB";
		return -EINVAL;
	}
	if (!(hi->arm_sh & 1)) {
		*why = "TTBR0.S clear: the walk would not be shareable";
		return -EINVAL;
	}
	w->v7s = true;
	w->pg_shift = 12;
	w->bpl = 8;
	w->ias = hi->ias;
	w->oas = hi->oas;
	w->pa_bits = hi->oas;
	w->start_level = 0;
	w->last_level = 1;
	w->levels = 2;
	w->root_bits = 12;
	w->n_roots = 1;
	w->ttbr_shift = 64;
	return 0;
}

u64 hw_v7s_addr_bits(u64 pa)
{
	return pa & GENMASK_ULL(31, 12);
}

enum hw_fault hw_v7s_decode(const struct hw_walk *w, u64 pte, unsigned int level,
			    enum hw_entry_kind *kind, u64 *addr)
{
	u64 type = pte & V7_TYPE;
	u32 attr = (pte >> attr_shift(level)) & 0xff;

	*kind = HW_ENTRY_INVALID;
	*addr = 0;
	if (pte >> 32)
		return HW_FAULT_MALFORMED;
	if (!type)
		return HW_OK;
	if (level == 0 && type == 1) {
		*kind = HW_ENTRY_TABLE;
		*addr = pte & GENMASK_ULL(31, 10);
		if (pte & (V7_DOMAIN | V7_IMP | V7_L1_PXN_TABLE | BIT_ULL(4)))
			return HW_FAULT_MALFORMED;
		if ((pte & V7_L1_NS_TABLE) && !(w->features & PTCORE_FEAT_ARM_NS))
			return HW_FAULT_MALFORMED;
		return HW_OK;
	}
	*kind = HW_ENTRY_LEAF;
	if (level == 0) {
		if (type == 3)
			return HW_FAULT_MALFORMED; /* PXN */
		if (pte & V7_IMP)
			return HW_FAULT_MALFORMED;
		if ((pte & V7_L1_NS) && !(w->features & PTCORE_FEAT_ARM_NS))
			return HW_FAULT_MALFORMED;
		if (pte & V7_L1_SUPER) {
			/* PA[35:32] and PA[39:36]: beyond the 32-bit output */
			if (pte & (GENMASK_ULL(23, 20) | V7_DOMAIN))
				return HW_FAULT_ADDRSIZE;
			*addr = pte & GENMASK_ULL(31, 24);
		} else {
			if (pte & V7_DOMAIN)
				return HW_FAULT_MALFORMED;
			*addr = pte & GENMASK_ULL(31, 20);
		}
	} else if (type == 1) {
		if (pte & GENMASK_ULL(8, 6))
			return HW_FAULT_MALFORMED; /* SBZ in a large page */
		*addr = pte & GENMASK_ULL(31, 16);
	} else {
		*addr = pte & GENMASK_ULL(31, 12);
	}
	if (*addr >> w->oas)
		return HW_FAULT_ADDRSIZE;
	if (!(attr & V7_AP0))
		return HW_FAULT_ACCESS;
	return HW_OK;
}

u64 hw_v7s_table_restrict(u64 pte)
{
	return pte & V7_L1_NS_TABLE;
}

/* PRRR TRn (0 strongly-ordered, 1 device, 2 normal) and NMRR IRn/ORn (1 write-back WA). */
static enum hw_memtype v7s_memtype(const struct hw_walk *w, unsigned int n, unsigned int *sh,
				   bool s)
{
	u32 prrr = (u32)w->hi.arm_mair, nmrr = (u32)(w->hi.arm_mair >> 32);
	unsigned int tr = (prrr >> (2 * n)) & 3, ir = (nmrr >> (2 * n)) & 3;
	unsigned int or = (nmrr >> (2 * n + 16)) & 3;

	*sh = 0;
	if (tr == 0 || tr == 1)
		return HW_MT_DEVICE;
	if (tr != 2)
		return HW_MT_OTHER;
	/* normal: S maps through PRRR.NS0/NS1, NOSn says inner (3) or outer (2) */
	if (prrr & BIT(s ? 19 : 18))
		*sh = (prrr & BIT(24 + n)) ? 3 : 2;
	if (ir == 0 && or == 0)
		return HW_MT_NORMAL_NC;
	if (ir == 1 && or == 1)
		return HW_MT_NORMAL_WB;
	return HW_MT_OTHER;
}

enum hw_fault hw_v7s_fill_leaf(const struct hw_walk *w, const u64 *tbl, u64 idx, u64 pte,
			       unsigned int level, u64 iova, u64 oa, u64 table_attrs,
			       struct hw_leaf *leaf)
{
	const u32 *t32 = (const u32 *)tbl;
	unsigned int shift = hw_walk_entry_shift(w, level), n = 1, tex, i;
	u32 attr = (pte >> attr_shift(level)) & 0xff;
	bool run, xn;
	u64 first;

	run = level == 0 ? (pte & V7_L1_SUPER) : !(pte & BIT_ULL(1));
	if (run) {
		n = V7_RUN;
		first = idx & ~(u64)(n - 1);
		for (i = 0; i < n; i++)
			if (READ_ONCE(t32[first + i]) != pte)
				return HW_FAULT_CONTIG;
	}
	leaf->pte = pte;
	leaf->level = level;
	leaf->index = idx;
	leaf->size = 1ULL << shift;
	leaf->iova = iova & ~(leaf->size - 1);
	leaf->run_size = leaf->size * n;
	leaf->run_iova = iova & ~(leaf->run_size - 1);
	leaf->run_oa = oa;
	leaf->oa = oa + (iova - leaf->run_iova);
	leaf->contig = run;
	/* a large page keeps XN in bit 15 and TEX in 14:12 */
	if (level == 1 && run) {
		xn = pte & BIT_ULL(15);
		tex = (pte >> 12) & 7;
	} else {
		xn = pte & (level ? BIT_ULL(0) : V7_L1_XN);
		tex = (attr >> V7_TEX_SHIFT) & 7;
	}
	leaf->read = true;
	leaf->write = !(attr & V7_AP2);
	leaf->priv_only = !(attr & V7_AP1);
	leaf->exec = !xn;
	leaf->ng = attr & V7_NG;
	leaf->ns = level ? (table_attrs & V7_L1_NS_TABLE) : (pte & V7_L1_NS);
	leaf->memtype = v7s_memtype(w, ((tex & 1) << 2) | ((pte & V7_C) ? 2 : 0) |
				    ((pte & V7_B) ? 1 : 0), &leaf->sh, attr & V7_S);
	leaf->cache = leaf->memtype == HW_MT_NORMAL_WB;
	leaf->sp_full = true;
	return HW_OK;
}

int hw_v7s_check_cfg(const struct hw_walk *w, const struct ptcore_cfg *cfg, const char **why)
{
	if (cfg->granule_lg2 && cfg->granule_lg2 != 12)
		*why = "the short descriptors have 4K pages only";
	else if (w->hi.levels != 2 || w->hi.granule_lg2 != 12 || w->hi.start_level)
		*why = "two levels from the first, 4K granule";
	else if (w->ias != cfg->ias || w->oas != cfg->oas)
		*why = "hw_info ias/oas are not the configuration's";
	else if (w->hi.arm_sh != ((cfg->features & PTCORE_FEAT_DMA_INCOHERENT) ? 1 : 3))
		*why = "TTBR S/NOS: both for a coherent walk, S only otherwise";
	return *why ? -EINVAL : 0;
}

/*
 * FORMATS.md / Linux 6.12: nG, S and AP[0] always, TEX[0] unless MMIO,
 * AP[1] unless PRIV, AP[2] without WRITE, XN with NOEXEC, B for MMIO, B|C
 * for CACHE; NS on sections with PTCORE_FEAT_ARM_NS.
 */
u64 hw_v7s_expected_leaf(const struct hw_walk *w, u32 prot, u64 oa, unsigned int level,
			 bool contig)
{
	u32 attr = V7_NG | V7_S | V7_AP0;
	bool xn = prot & PTCORE_PROT_NOEXEC;
	u64 pte;

	if (!(prot & PTCORE_PROT_MMIO))
		attr |= 1 << V7_TEX_SHIFT;
	if (!(prot & PTCORE_PROT_PRIV))
		attr |= V7_AP1;
	if (!(prot & PTCORE_PROT_WRITE))
		attr |= V7_AP2;
	if (level == 1 && contig) {
		/* large page: TEX to 14:12, XN to 15, type 01 */
		pte = (u64)(attr & ~(7 << V7_TEX_SHIFT)) << 4;
		pte |= (u64)((attr >> V7_TEX_SHIFT) & 7) << 12 | (xn ? BIT_ULL(15) : 0) | 1;
		pte |= oa & GENMASK_ULL(31, 16);
	} else {
		pte = (u64)attr << attr_shift(level) | 2;
		if (xn)
			pte |= level ? BIT_ULL(0) : V7_L1_XN;
		pte |= oa & GENMASK_ULL(31, level ? 12 : contig ? 24 : 20);
	}
	if (prot & PTCORE_PROT_MMIO)
		pte |= V7_B;
	else if (prot & PTCORE_PROT_CACHE)
		pte |= V7_B | V7_C;
	if (level == 0 && contig)
		pte |= V7_L1_SUPER;
	if (level == 0 && (w->features & PTCORE_FEAT_ARM_NS))
		pte |= V7_L1_NS;
	return pte;
}

u64 hw_v7s_expected_table(const struct hw_walk *w, u64 pa)
{
	return (pa & GENMASK_ULL(31, 10)) | 1 |
	       ((w->features & PTCORE_FEAT_ARM_NS) ? V7_L1_NS_TABLE : 0);
}
