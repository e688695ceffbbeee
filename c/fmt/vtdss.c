// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Intel VT-d second stage: configuration, geometry and hw_info, and the
 * algorithms instantiated with the VT-d accessors.
 *
 * Geometry: 4K granule, 512 entries in every table, the fewest levels of 3
 * (39-bit), 4 (48-bit) and 5 (57-bit) that cover ias; leaves of 4K, 2M, 1G.
 */
#include "fmt/vtdss.h"

#define PT_FMT_ONE_ROOT
#define PT_FMT_GRANULES	PT_BIT(12)
#define PT_FMT_OPS pt_vtdss_ops
#include "pt_algo.h"

/* 4K, 2M and 1G */
#define VTD_PGSIZES		(PT_BIT(12) | PT_BIT(21) | PT_BIT(30))

int pt_vtdss_init(struct ptcore_table *t, const struct ptcore_cfg *cfg)
{
	unsigned int levels;

	if (cfg->features & (PTCORE_FEAT_ARM_NS | PTCORE_FEAT_ARM_S2FWB | PTCORE_FEAT_ARM_BBML2))
		return -EOPNOTSUPP;
	if (cfg->granule_lg2 && cfg->granule_lg2 != 12)
		return -EINVAL;
	if (cfg->ias < 32 || cfg->ias > 57 || cfg->oas < 32 || cfg->oas > 52)
		return -EINVAL;
	levels = cfg->ias > 48 ? 5 : cfg->ias > 39 ? 4 : 3;

	pt_geom_4k(t, levels);
	t->pa_bits = cfg->oas;
	t->pgsize_bitmap = cfg->pgsize_bitmap ? (VTD_PGSIZES & cfg->pgsize_bitmap) : VTD_PGSIZES;
	if (!t->pgsize_bitmap)
		return -EINVAL;
	pt_fill_leaf_attrs(t);
	return 0;
}

/* hw_info.mode: the adjusted guest address width (AW/SAGAW encoding), levels - 2. */
void pt_vtdss_hw_info(const struct ptcore_table *t, struct ptcore_hw_info *info)
{
	info->mode = t->geom.top_level - 1;
}
