// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ARM short descriptor (io-pgtable-arm-v7s): configuration, geometry and
 * hw_info, and the algorithms instantiated with its 32-bit accessors.
 *
 * Geometry: the first-level table is always the whole 16 KiB (4096
 * entries, 16K-aligned), which is what TTBCR.N = 0 (Linux's tcr of 0) makes
 * the walker index, whatever ias; Linux allocates only 2^(ias - 20)
 * entries of it, the same ones. Second-level tables hold 256 entries (1 KiB,
 * as Linux's); each has a 4 KiB frame of its own (the rest stays zero), for
 * ptcore's per-frame metadata: four times Linux's memory for them.
 * Every table lies below 4 GiB (32-bit table addresses).
 *
 * Features: NS as Linux's IO_PGTABLE_QUIRK_ARM_NS; the walk may be
 * incoherent; no hardware dirty state, stage 2, LPA2 or BBML2
 * (-EOPNOTSUPP). Linux's MediaTek quirks (ARM_MTK_EXT, ARM_MTK_TTBR_EXT)
 * and NO_PERMS have no ptcore feature: PAs and tables stay below 4 GiB.
 */
#include "fmt/arm_v7s.h"

#define PT_FMT_ENTRY_BYTES	4
#define PT_FMT_BPL(g)		8	/* second level: 256 entries */
#define PT_FMT_ONE_ROOT
#define PT_FMT_GRANULES		PT_BIT(12)
#define PT_FMT_OPS		pt_arm_v7s_ops
#include "pt_algo.h"

#define V7S_MAX_BITS		32
#define V7S_PGSIZES		(PT_BIT(12) | PT_BIT(16) | PT_BIT(20) | PT_BIT(24))

/* Linux's TEX-remap registers: index 1 device, 4 and 7 normal (7 write-back). */
#define V7S_PRRR		0x800b8204u
#define V7S_NMRR		0x40004000u

int pt_arm_v7s_init(struct ptcore_table *t, const struct ptcore_cfg *cfg)
{
	if (cfg->features & (PTCORE_FEAT_DIRTY_TRACKING | PTCORE_FEAT_ARM_S2FWB |
			     PTCORE_FEAT_ARM_BBML2 | PTCORE_FEAT_ARM_LPA2))
		return -EOPNOTSUPP;
	if (cfg->granule_lg2 && cfg->granule_lg2 != 12)
		return -EINVAL;
	if (!cfg->ias || cfg->ias > V7S_MAX_BITS || !cfg->oas || cfg->oas > V7S_MAX_BITS)
		return -EINVAL;

	t->geom.granule_lg2 = 12;
	t->geom.bpl = 8;
	t->geom.top_level = 1;
	t->geom.top_bits = 12;
	pt_geom_finish(t);
	t->pte32 = 1;
	t->pa_bits = cfg->oas;

	/* As Linux: supersections (and the others) only when the bitmap has them; 4K always. */
	t->pgsize_bitmap = cfg->pgsize_bitmap ? (cfg->pgsize_bitmap & V7S_PGSIZES) : V7S_PGSIZES;
	if (!(t->pgsize_bitmap & PT_BIT(12)))
		return -EINVAL;
	pt_fill_leaf_attrs(t);
	return 0;
}

/*
 * Linux's arm_v7s_cfg: TTBR0 = root | S (bit 1) | NOS (bit 5, coherent) |
 * IRGN (bits 6 and 0) | RGN (bits 4:3), both write-back write-allocate (1)
 * for a coherent walk, non-cacheable (0) otherwise; TTBCR 0; PRRR, NMRR.
 */
void pt_arm_v7s_hw_info(const struct ptcore_table *t, struct ptcore_hw_info *info)
{
	bool coherent = !pt_incoherent(t);

	info->arm_sh = coherent ? 3 : 1;	/* bit 0 TTBR.S, bit 1 TTBR.NOS */
	info->arm_irgn = coherent ? 1 : 0;
	info->arm_orgn = coherent ? 1 : 0;
	info->arm_mair = ((uint64_t)V7S_NMRR << 32) | V7S_PRRR;
}
