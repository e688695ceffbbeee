// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The hardware-walk model's knowledge of what ptcore must produce (see
 * hw_walk.h): the geometry FORMATS.md gives a configuration, and the exact
 * leaf and table entries each format holds. From design/FORMATS.md and the
 * architecture, never from ptcore.
 */
#include <linux/kernel.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/types.h>

#include "hw_walk.h"
#include "hw_walk_amdv1.h"
#include "hw_walk_bits.h"
#include "hw_walk_riscv.h"
#include "hw_walk_v7s.h"
#include "hw_walk_x86.h"

static bool is_arm(u32 format)
{
	return format == PTCORE_FMT_ARM64_LPAE_S1 || format == PTCORE_FMT_ARM64_LPAE_S2;
}

/* What FORMATS.md says a configuration's geometry is. */
struct cfg_geom {
	unsigned int pg_shift, levels, root_bits, n_roots;
};

static int cfg_geom(const struct ptcore_cfg *cfg, struct cfg_geom *g, const char **why)
{
	unsigned int va_bits, bpl;
	int tbl;

	if (is_arm(cfg->format)) {
		static const unsigned char oas_ok[] = { 32, 36, 40, 42, 44, 48, 52 };
		unsigned int i;

		g->pg_shift = cfg->granule_lg2 ? cfg->granule_lg2 : 12;
		for (i = 0; i < ARRAY_SIZE(oas_ok); i++)
			if (cfg->oas == oas_ok[i])
				break;
		if (i == ARRAY_SIZE(oas_ok) ||
		    (cfg->oas == 52 && g->pg_shift != 16 &&
		     !(cfg->features & PTCORE_FEAT_ARM_LPA2))) {
			*why = "an oas the architecture has no PS encoding for";
			return -EINVAL;
		}
		bpl = g->pg_shift - 3;
		va_bits = cfg->ias - g->pg_shift;
		g->levels = DIV_ROUND_UP(va_bits, bpl);
		g->root_bits = va_bits - bpl * (g->levels - 1);
		/*
		 * 6.1: a stage-2 level-0 root of at most 16 entries is concatenated
		 * into level 1 (LPA2: a level -1 root into level 0)
		 */
		if (cfg->format == PTCORE_FMT_ARM64_LPAE_S2 && g->levels >= 4 &&
		    (1U << g->root_bits) <= 16) {
			g->levels--;
			g->root_bits += bpl;
		}
		g->n_roots = 1;
		return 0;
	}
	if (cfg->format == PTCORE_FMT_RISCV64) {
		g->pg_shift = 12;
		g->root_bits = 9;
		g->n_roots = 1;
		return hw_riscv_cfg_levels(cfg, &g->levels, why);
	}
	if (hw_is_x86(cfg->format)) {
		g->pg_shift = 12;
		g->root_bits = 9;
		g->n_roots = 1;
		return hw_x86_cfg_levels(cfg, &g->levels, why);
	}
	g->pg_shift = cfg->granule_lg2 ? cfg->granule_lg2 : 14;
	bpl = g->pg_shift - 3;
	va_bits = cfg->ias - g->pg_shift;
	/*
	 * Two levels below the TTBR selection while that takes at most four
	 * TTBRs (Linux 6.1), else three (io-pgtable-dart's 4-level table).
	 */
	g->levels = 2;
	tbl = (int)va_bits - 2 * (int)bpl;
	if (tbl > 2) {
		g->levels = 3;
		tbl = (int)va_bits - 3 * (int)bpl;
	}
	if (tbl < 0)
		tbl = 0;
	if (tbl > 2) {
		*why = "a DART geometry that needs more than four TTBRs";
		return -EINVAL;
	}
	g->n_roots = 1U << tbl;
	g->root_bits = bpl;
	return 0;
}

int hw_walk_check_cfg(const struct hw_walk *w, const struct ptcore_cfg *cfg, const char **why)
{
	const char *dummy;
	struct cfg_geom g;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (cfg->format != w->format) {
		*why = "hw_info.format is not the configuration's";
		return -EINVAL;
	}
	if (w->amdv1)
		return hw_walk_amdv1_check_cfg(w, cfg, why);
	if (w->v7s)
		return hw_v7s_check_cfg(w, cfg, why);
	if (cfg_geom(cfg, &g, why))
		return -EINVAL;
	if (w->pg_shift != g.pg_shift || w->hi.granule_lg2 != g.pg_shift)
		*why = "granule (registers or hw_info.granule_lg2) is not the configuration's";
	else if (w->ias != cfg->ias)
		*why = "input size of the registers is not the configured ias";
	else if ((w->arm || w->x86) && w->oas != cfg->oas)
		*why = "output size of the registers is not the configured oas";
	else if (w->levels != g.levels || w->hi.levels != g.levels)
		*why = "levels (registers or hw_info.levels) differ from FORMATS.md";
	else if (w->root_bits != g.root_bits)
		*why = "root table size differs from FORMATS.md";
	else if (w->n_roots != g.n_roots || w->hi.n_roots != g.n_roots)
		*why = "TTBR count differs from FORMATS.md";
	else if (w->arm && w->hi.start_level != (u8)(w->start_level - w->lvl_bias))
		*why = "hw_info.start_level is not the registers' start level";
	return *why ? -EINVAL : 0;
}

/* ---- the entries ptcore writes (FORMATS.md) ---- */

u64 hw_walk_expected_leaf(const struct hw_walk *w, u32 prot, u64 oa, unsigned int level,
			  bool contig)
{
	u64 pte;

	if (w->x86)
		return hw_x86_expected_leaf(w, prot, oa, level);
	switch (w->format) {
	case PTCORE_FMT_ARM64_LPAE_S1:
		pte = ARM_AF | ARM_NG;
		if ((prot & PTCORE_PROT_READ) && !(prot & PTCORE_PROT_WRITE))
			pte |= ARM_S1_AP2;
		else if (w->features & PTCORE_FEAT_DIRTY_TRACKING)
			pte |= ARM_DBM; /* writable-dirty, as Linux 6.12's ARM_HD */
		if (!(prot & PTCORE_PROT_PRIV))
			pte |= ARM_S1_AP1;
		if (prot & PTCORE_PROT_MMIO)
			pte |= 2ULL << 2; /* AttrIndx 2: device */
		else if (prot & PTCORE_PROT_CACHE)
			pte |= 1ULL << 2; /* AttrIndx 1: write-back */
		if (w->features & PTCORE_FEAT_ARM_NS)
			pte |= ARM_S1_NS;
		break;
	case PTCORE_FMT_ARM64_LPAE_S2:
		pte = ARM_AF;
		if (prot & PTCORE_PROT_READ)
			pte |= ARM_S2_S2AP_R;
		if (prot & PTCORE_PROT_WRITE)
			pte |= ARM_S2_S2AP_W;
		if ((prot & PTCORE_PROT_WRITE) && (w->features & PTCORE_FEAT_DIRTY_TRACKING))
			pte |= ARM_DBM; /* writable-dirty */
		if (prot & PTCORE_PROT_MMIO)
			pte |= 0x1ULL << 2;
		else if (prot & PTCORE_PROT_CACHE)
			pte |= ((w->features & PTCORE_FEAT_ARM_S2FWB) ? 0x6ULL : 0xfULL) << 2;
		else
			pte |= 0x5ULL << 2;
		break;
	case PTCORE_FMT_APPLE_DART:
		pte = DART_VALID | DART1_SP_DIS | DART_SP_END_ALL | hw_walk_addr_bits(w, oa);
		if (!(prot & PTCORE_PROT_WRITE))
			pte |= DART1_NO_WRITE;
		if (!(prot & PTCORE_PROT_READ))
			pte |= DART1_NO_READ;
		return pte;
	case PTCORE_FMT_AMDV1: /* a level's own size; sized pages: hw_walk_amdv1_leaf() */
		return hw_walk_amdv1_leaf(w, prot, oa, 1ULL << hw_walk_entry_shift(w, level));
	case PTCORE_FMT_APPLE_DART2:
		pte = DART_VALID | DART_SP_END_ALL | hw_walk_addr_bits(w, oa);
		if (!(prot & PTCORE_PROT_WRITE))
			pte |= DART2_NO_WRITE;
		if (!(prot & PTCORE_PROT_READ))
			pte |= DART2_NO_READ;
		if (!(prot & PTCORE_PROT_CACHE))
			pte |= DART2_NO_CACHE;
		return pte;
	case PTCORE_FMT_RISCV64:
		return hw_riscv_expected_leaf(w, prot, oa, contig);
	case PTCORE_FMT_ARM_V7S:
		return hw_v7s_expected_leaf(w, prot, oa, level, contig);
	default:
		return 0;
	}
	/* ARM, both stages; with LPA2 (DS) bits 9:8 are OA[51:50], SH is TCR.SH0's */
	if (!w->ds)
		pte |= ((prot & PTCORE_PROT_CACHE) ? 3ULL : 2ULL) << 8; /* SH: inner or outer */
	if (prot & PTCORE_PROT_NOEXEC)
		pte |= ARM_PXN | ARM_UXN;
	if (contig)
		pte |= ARM_CONT;
	pte |= level == w->last_level ? ARM_TYPE_TABLE : ARM_TYPE_BLOCK;
	return pte | hw_walk_addr_bits(w, oa);
}

u64 hw_walk_expected_table(const struct hw_walk *w, u64 pa)
{
	if (w->x86)
		return hw_x86_expected_table(w, pa);
	switch (w->format) {
	case PTCORE_FMT_ARM64_LPAE_S1:
		return hw_walk_addr_bits(w, pa) | ARM_TYPE_TABLE |
		       ((w->features & PTCORE_FEAT_ARM_NS) ? ARM_NSTABLE : 0);
	case PTCORE_FMT_ARM64_LPAE_S2:
		return hw_walk_addr_bits(w, pa) | ARM_TYPE_TABLE;
	case PTCORE_FMT_APPLE_DART:
	case PTCORE_FMT_APPLE_DART2:
		return hw_walk_addr_bits(w, pa) | DART_VALID;
	case PTCORE_FMT_RISCV64:
		return hw_riscv_expected_table(w, pa);
	case PTCORE_FMT_ARM_V7S:
		return hw_v7s_expected_table(w, pa);
	}
	return 0;
}

u64 hw_walk_expected_table_at(const struct hw_walk *w, u64 pa, unsigned int level)
{
	if (w->amdv1)
		return hw_walk_amdv1_table(w, pa, level);
	return hw_walk_expected_table(w, pa);
}
