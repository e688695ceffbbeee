// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ARM LPA2 (TCR.DS = 1, 4K and 16K granules, 52-bit input and output):
 * the algorithms instantiated once more with the ARM accessors in their
 * LPA2 form. pt_arm_lpae_init() configures the table for both.
 */
#define ARM_LPA2 1
#include "fmt/arm_lpae.h"

#define PT_FMT_ONE_ROOT
#define PT_FMT_GRANULES	(PT_BIT(12) | PT_BIT(14))
#define PT_FMT_OPS pt_arm_lpa2_ops
#include "pt_algo.h"

void pt_arm_lpa2_fill_leaf_attrs(struct ptcore_table *t)
{
	pt_fill_leaf_attrs(t);
}
