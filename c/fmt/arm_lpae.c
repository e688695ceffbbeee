// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ARM LPAE: configuration, geometry and hw_info, and the algorithms
 * instantiated with the ARM accessors (fmt/arm_lpa2.c: once more for LPA2).
 */
#include "fmt/arm_lpae.h"

#define PT_FMT_ONE_ROOT
#define PT_FMT_GRANULES	(PT_BIT(12) | PT_BIT(14) | PT_BIT(16))
#define PT_FMT_OPS pt_arm_lpae_ops
#include "pt_algo.h"

/* Contiguous-hint entries per run (log2) at internal levels 0 and 1, per granule. */
static void arm_run_sizes(unsigned int granule_lg2, uint8_t run_lg2[2])
{
	switch (granule_lg2) {
	case 12:
		run_lg2[0] = 4;		/* 16 x 4K = 64K */
		run_lg2[1] = 4;		/* 16 x 2M = 32M */
		break;
	case 14:
		run_lg2[0] = 7;		/* 128 x 16K = 2M */
		run_lg2[1] = 5;		/* 32 x 32M = 1G */
		break;
	default:
		run_lg2[0] = 5;		/* 32 x 64K = 2M */
		run_lg2[1] = 5;		/* 32 x 512M = 16G */
		break;
	}
}

static bool arm_oas_ok(unsigned int oas, unsigned int granule_lg2, bool lpa2)
{
	switch (oas) {
	case 32: case 36: case 40: case 42: case 44: case 48:
		return true;
	case 52:
		return granule_lg2 == 16 || lpa2;
	default:
		return false;
	}
}

int pt_arm_lpae_init(struct ptcore_table *t, const struct ptcore_cfg *cfg)
{
	unsigned int g = cfg->granule_lg2 ? cfg->granule_lg2 : 12;
	unsigned int bpl, va_bits, levels, top_bits, max_ias, level;
	bool lpa2 = cfg->features & PTCORE_FEAT_ARM_LPA2;
	uint64_t sizes = 0, allowed;

	/* LPA2 is the 52-bit form of 4K and 16K; 64K has its own (PA[51:48] in 15:12). */
	if ((g != 12 && g != 14 && g != 16) || (lpa2 && g == 16))
		return -EINVAL;
	bpl = g - 3;
	max_ias = (g == 16 || lpa2) ? 52 : 48;
	if (cfg->ias > max_ias || cfg->ias < 25 || cfg->ias <= g + bpl)
		return -EINVAL;
	if (!arm_oas_ok(cfg->oas, g, lpa2))
		return -EINVAL;

	if (t->format == PTCORE_FMT_ARM64_LPAE_S2) {
		if (cfg->features & PTCORE_FEAT_ARM_NS)
			return -EOPNOTSUPP;		/* Linux refuses NS at stage 2 */
	} else if (cfg->features & PTCORE_FEAT_ARM_S2FWB) {
		return -EOPNOTSUPP;
	}

	va_bits = cfg->ias - g;
	levels = (va_bits + bpl - 1) / bpl;
	top_bits = va_bits - bpl * (levels - 1);
	/* Linux 6.1: concatenate a small stage-2 level-0 (LPA2: -1) root one level down. */
	if (t->format == PTCORE_FMT_ARM64_LPAE_S2 && levels >= 4 && (1u << top_bits) <= 16) {
		levels--;
		top_bits += bpl;
	}

	t->geom.granule_lg2 = g;
	t->geom.bpl = bpl;
	t->geom.top_level = levels - 1;
	t->geom.top_bits = top_bits;
	pt_geom_finish(t);
	t->arm_stage = t->format == PTCORE_FMT_ARM64_LPAE_S2 ? 2 : 1;
	t->pa_bits = cfg->oas;
	arm_run_sizes(g, t->run_lg2);

	/*
	 * Leaf sizes: pages at level 0, blocks at levels 1 and 2 (4K) or 1 (16K,
	 * 64K); 4T at 64K with 52 bits; LPA2: 512G at 4K, 64G at 16K.
	 */
	for (level = 0; level <= t->geom.top_level && level < 4; level++) {
		bool block_ok = level == 0 || level == 1 || (level == 2 && g == 12) ||
				(level == 2 && g == 16 && cfg->oas > 48) ||
				(lpa2 && level == (g == 12 ? 3u : 2u));

		if (!block_ok)
			continue;
		sizes |= PT_BIT(item_lg2(t, level));
		if (level < 2)
			allowed = PT_BIT(item_lg2(t, level) + t->run_lg2[level]);
		else
			allowed = 0;
		/* Contiguous-hint sizes only when the caller asks for them. */
		if (cfg->pgsize_bitmap & allowed)
			sizes |= allowed;
	}
	t->pgsize_bitmap = cfg->pgsize_bitmap ? (sizes & cfg->pgsize_bitmap) : sizes;
	if (!t->pgsize_bitmap)
		return -EINVAL;
	if (lpa2) {
		t->fops = &pt_arm_lpa2_ops;
		pt_arm_lpa2_fill_leaf_attrs(t);
	} else {
		pt_fill_leaf_attrs(t);
	}
	return 0;
}

static uint8_t arm_ps(unsigned int oas)
{
	switch (oas) {
	case 32: return 0;
	case 36: return 1;
	case 40: return 2;
	case 42: return 3;
	case 44: return 4;
	case 48: return 5;
	default: return 6;
	}
}

void pt_arm_lpae_hw_info(const struct ptcore_table *t, struct ptcore_hw_info *info)
{
	unsigned int levels = t->geom.top_level + 1;
	bool coherent = !pt_incoherent(t);
	unsigned int sl;

	info->start_level = (uint8_t)(4 - (int)levels);	/* LPA2 level -1: 0xff */
	info->arm_tsz = 64 - t->ias;
	info->arm_tg = t->geom.granule_lg2 == 12 ? 0 : t->geom.granule_lg2 == 16 ? 1 : 2;
	info->arm_sh = coherent ? 3 : 2;
	info->arm_irgn = coherent ? 1 : 0;
	info->arm_orgn = coherent ? 1 : 0;
	info->arm_ps = arm_ps(t->oas);
	if (t->arm_stage == 1) {
		info->arm_mair = 0xf404ff44ULL;
	} else {
		sl = info->start_level + (t->geom.granule_lg2 == 12 ? 1 : 0);
		info->arm_sl = ~sl & 3;
	}
}
