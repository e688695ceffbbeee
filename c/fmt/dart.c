// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Apple DART: configuration and geometry, and the algorithms
 * instantiated with the DART accessors.
 *
 * Geometry: two table levels below the TTBR selection with up to four
 * TTBRs, as Linux 6.1 and 6.12; where two levels and four TTBRs do not
 * cover ias, three levels, as io-pgtable-dart's 4-level tables (Linux 2025,
 * the TTBR selection counted as a level; t602x: 16K, ias 42). That change
 * also gives 16K DARTs one TTBR, so that 16K ias 37 and 38 walk three
 * levels there; ptcore keeps 6.1's two levels below two or four TTBRs for
 * them, because it accepted those configurations so before (formats.rst).
 */
#include "fmt/dart.h"

#define PT_FMT_GRANULES	(PT_BIT(12) | PT_BIT(14))
#define PT_FMT_OPS pt_dart_ops
#include "pt_algo.h"

#define DART_MAX_TTBR_BITS	2	/* up to four TTBRs */

int pt_dart_init(struct ptcore_table *t, const struct ptcore_cfg *cfg)
{
	unsigned int g = cfg->granule_lg2 ? cfg->granule_lg2 : 14;
	unsigned int bpl, va_bits, levels;
	int tbl_bits;

	t->dart_version = t->format == PTCORE_FMT_APPLE_DART ? 1 : 2;
	if (cfg->features & (PTCORE_FEAT_DMA_INCOHERENT | PTCORE_FEAT_ARM_NS |
			     PTCORE_FEAT_ARM_S2FWB | PTCORE_FEAT_ARM_BBML2 | PTCORE_FEAT_ARM_LPA2 |
			     PTCORE_FEAT_DIRTY_TRACKING))
		return -EOPNOTSUPP;
	if (g != 14 && !(g == 12 && t->dart_version == 1))
		return -EINVAL;
	if (cfg->oas != 36 && cfg->oas != 42)
		return -EINVAL;
	if (cfg->ias > cfg->oas || cfg->ias <= g + 1)
		return -EINVAL;
	if (cfg->pgsize_bitmap && !(cfg->pgsize_bitmap & PT_BIT(g)))
		return -EINVAL;

	bpl = g - 3;
	va_bits = cfg->ias - g;
	levels = 2;
	tbl_bits = (int)va_bits - 2 * (int)bpl;
	if (tbl_bits > DART_MAX_TTBR_BITS) {
		levels = 3;
		tbl_bits = (int)va_bits - 3 * (int)bpl;
		if (tbl_bits > DART_MAX_TTBR_BITS)
			return -EINVAL;
	}
	if (tbl_bits < 0)
		tbl_bits = 0;

	t->geom.granule_lg2 = g;
	t->geom.bpl = bpl;
	t->geom.top_level = levels - 1;
	t->geom.top_bits = bpl;
	t->geom.root_bits = tbl_bits;		/* the TTBR selection */
	pt_geom_finish(t);
	/* DART1 holds PA[35:12] only, whatever oas says. */
	t->pa_bits = t->dart_version == 1 ? 36 : cfg->oas;
	t->pgsize_bitmap = PT_BIT(g);
	pt_fill_leaf_attrs(t);
	return 0;
}
