// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * AMD IOMMU v1: configuration, geometry and hw_info, and the algorithms
 * instantiated with the AMD v1 accessors.
 *
 * Geometry: 4K tables of 512 entries at every level, the top one chosen at
 * create from ias (Linux 6.12 starts at three levels and adds one whenever a
 * map reaches above them; ptcore never moves its root, so the DTE mode in
 * hw_info.mode stays what create reports).
 */
#include "fmt/amdv1.h"

#define PT_FMT_ONE_ROOT
#define PT_FMT_GRANULES	PT_BIT(12)
#define PT_FMT_OPS pt_amdv1_ops
#include "pt_algo.h"

#define AMDV1_MIN_IAS		21	/* one level: DTE mode 1 */
#define AMDV1_MAX_IAS		63	/* six levels; ends of ranges never wrap */
#define AMDV1_MAX_PA		52
/* Linux 6.12's AMD_IOMMU_PGSIZES: every power of two from 4K to 2^51 but 512G. */
#define AMDV1_PGSIZES		(PT_GENMASK(51, 12) & ~PT_BIT(39))

int pt_amdv1_init(struct ptcore_table *t, const struct ptcore_cfg *cfg)
{
	unsigned int levels, top_lg2;
	uint64_t sizes;

	/* The IOMMU snoops its tables; the other features are ARM's. */
	if (cfg->features & (PTCORE_FEAT_DMA_INCOHERENT | PTCORE_FEAT_ARM_NS |
			     PTCORE_FEAT_ARM_S2FWB | PTCORE_FEAT_ARM_BBML2))
		return -EOPNOTSUPP;
	if (cfg->granule_lg2 && cfg->granule_lg2 != 12)
		return -EINVAL;
	if (cfg->ias < AMDV1_MIN_IAS || cfg->ias > AMDV1_MAX_IAS)
		return -EINVAL;
	if (cfg->oas < 32 || cfg->oas > AMDV1_MAX_PA)
		return -EINVAL;

	levels = (cfg->ias - 12 + 8) / 9;
	pt_geom_4k(t, levels);
	t->pa_bits = cfg->oas;

	/* Sizes that fit the input space and the top table (a sized leaf stays in its table). */
	top_lg2 = cfg->ias < 51 ? cfg->ias : 51;
	if (top_lg2 > item_lg2(t, t->geom.top_level) + 8)
		top_lg2 = item_lg2(t, t->geom.top_level) + 8;
	sizes = AMDV1_PGSIZES & PT_GENMASK(top_lg2, 12);
	t->pgsize_bitmap = cfg->pgsize_bitmap ? (sizes & cfg->pgsize_bitmap) : sizes;
	if (!t->pgsize_bitmap)
		return -EINVAL;
	pt_fill_leaf_attrs(t);
	return 0;
}

void pt_amdv1_hw_info(const struct ptcore_table *t, struct ptcore_hw_info *info)
{
	info->mode = t->geom.top_level + 1;	/* DTE Mode: the levels of the walk */
}
