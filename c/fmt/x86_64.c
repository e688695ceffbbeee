// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * x86-64 paging: configuration, geometry and hw_info, and the algorithms
 * instantiated with the x86-64 accessors.
 *
 * Geometry: 4K granule, 512 entries in every table, 4 levels for an ias up
 * to 48 and 5 levels (LA57) up to 57; leaves of 4K, 2M and 1G.
 */
#include "fmt/x86_64.h"

#define PT_FMT_ONE_ROOT
#define PT_FMT_GRANULES	PT_BIT(12)
#define PT_FMT_OPS pt_x86_64_ops
#include "pt_algo.h"

/* 4K, 2M and 1G */
#define X86_PGSIZES		(PT_BIT(12) | PT_BIT(21) | PT_BIT(30))

int pt_x86_64_init(struct ptcore_table *t, const struct ptcore_cfg *cfg)
{
	unsigned int levels;

	if (cfg->features & (PTCORE_FEAT_ARM_NS | PTCORE_FEAT_ARM_S2FWB | PTCORE_FEAT_ARM_BBML2))
		return -EOPNOTSUPP;
	if (cfg->granule_lg2 && cfg->granule_lg2 != 12)
		return -EINVAL;
	if (cfg->ias < 32 || cfg->ias > 57 || cfg->oas < 32 || cfg->oas > 52)
		return -EINVAL;
	levels = cfg->ias > 48 ? 5 : 4;

	pt_geom_4k(t, levels);
	t->pa_bits = cfg->oas;
	t->pgsize_bitmap = cfg->pgsize_bitmap ? (X86_PGSIZES & cfg->pgsize_bitmap) : X86_PGSIZES;
	if (!t->pgsize_bitmap)
		return -EINVAL;
	pt_fill_leaf_attrs(t);
	return 0;
}

/* hw_info.mode: the level count (AMD v2 GCR3 paging mode, CR4.LA57 or not). */
void pt_x86_64_hw_info(const struct ptcore_table *t, struct ptcore_hw_info *info)
{
	info->mode = t->geom.top_level + 1;
}
