// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * RISC-V IOMMU first stage (Sv39, Sv48, Sv57): configuration, geometry and
 * hw_info, and the algorithms instantiated with the RISC-V accessors.
 *
 * The mode is the smallest that covers ias. An Sv39/48/57 walk needs the
 * IOVA sign-extended from its bit 38/47/56; ptcore uses the lower half
 * only (as Linux's RISC-V IOMMU driver does), so ias is at most 38, 47 or
 * 56. Every table is one 4K page, the root too (iosatp.PPN names a page).
 */
#include "fmt/riscv.h"

#define PT_FMT_ONE_ROOT
#define PT_FMT_GRANULES	PT_BIT(12)
#define PT_FMT_OPS pt_riscv_ops
#include "pt_algo.h"

#define RISCV_BPL		9
#define RISCV_IOSATP_SV39	8

int pt_riscv_init(struct ptcore_table *t, const struct ptcore_cfg *cfg)
{
	uint64_t sizes = 0;
	unsigned int levels, level;

	if (cfg->features & (PTCORE_FEAT_ARM_NS | PTCORE_FEAT_ARM_S2FWB | PTCORE_FEAT_ARM_LPA2))
		return -EOPNOTSUPP;
	if (cfg->granule_lg2 && cfg->granule_lg2 != 12)
		return -EINVAL;
	if (cfg->ias < 21 || cfg->ias > 56 || cfg->oas < 32 || cfg->oas > 56)
		return -EINVAL;

	/* Sv39: 3 levels for 38 bits; each more level adds 9. */
	levels = 3;
	while (cfg->ias > 12 + RISCV_BPL * levels - 1)
		levels++;

	pt_geom_4k(t, levels);
	t->pa_bits = cfg->oas;
	/* No break-before-make rule: a cut replaces a leaf in place, hitless (as BBML2). */
	t->features |= PTCORE_FEAT_ARM_BBML2;

	/* A leaf at every level whose size fits below ias. */
	for (level = 0; level <= t->geom.top_level; level++)
		if (item_lg2(t, level) < cfg->ias)
			sizes |= PT_BIT(item_lg2(t, level));
	/* Svnapot's 64K only when asked for, as ARM's contiguous-hint sizes. */
	if (cfg->pgsize_bitmap & PT_BIT(12 + RISCV_NAPOT_LG2))
		sizes |= PT_BIT(12 + RISCV_NAPOT_LG2);
	t->pgsize_bitmap = cfg->pgsize_bitmap ? (sizes & cfg->pgsize_bitmap) : sizes;
	if (!t->pgsize_bitmap)
		return -EINVAL;
	pt_fill_leaf_attrs(t);
	return 0;
}

/* iosatp.MODE: Sv39 8, Sv48 9, Sv57 10. */
void pt_riscv_hw_info(const struct ptcore_table *t, struct ptcore_hw_info *info)
{
	info->mode = RISCV_IOSATP_SV39 + t->geom.top_level - 2;
}
