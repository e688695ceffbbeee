/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The hardware-walk model's x86-style walkers (hw_walk_x86.c): x86-64
 * paging as the AMD IOMMU v2 table and VT-d's first stage use it, and the
 * VT-d second stage. Private to the model (hw_walk.c, hw_walk_expect.c).
 *
 * Both are 512-entry radix trees over a 4K granule, with 2M and 1G leaves
 * marked by PS. Model levels count down from a 5-level walk: level 0 is
 * PML5, 1 PML4, 2 PDPT (1G leaves), 3 PD (2M leaves), 4 PT (4K); a 4-level
 * walk starts at 1 and a 3-level (VT-d) one at 2.
 */
#ifndef PTCORE_KUNIT_HW_WALK_X86_H
#define PTCORE_KUNIT_HW_WALK_X86_H

#include "hw_walk.h"

static inline bool hw_is_x86(u32 format)
{
	return format == PTCORE_FMT_X86_64 || format == PTCORE_FMT_VTDSS;
}

int hw_x86_init(struct hw_walk *w, const char **why);
enum hw_fault hw_x86_decode(const struct hw_walk *w, u64 pte, unsigned int level,
			    enum hw_entry_kind *kind, u64 *addr);
/* Restrictions a table entry puts on everything below it (accumulated by OR). */
u64 hw_x86_table_restrict(const struct hw_walk *w, u64 pte);
void hw_x86_leaf_fill(const struct hw_walk *w, u64 pte, u64 restrict_bits, struct hw_leaf *leaf);
u64 hw_x86_written_pte(const struct hw_walk *w, const struct hw_leaf *leaf);
u64 hw_x86_addr_mask(const struct hw_walk *w);

/* hw_walk_expect.c's part: geometry of a configuration, and ptcore's entries. */
int hw_x86_cfg_levels(const struct ptcore_cfg *cfg, unsigned int *levels, const char **why);
u64 hw_x86_expected_leaf(const struct hw_walk *w, u32 prot, u64 oa, unsigned int level);
u64 hw_x86_expected_table(const struct hw_walk *w, u64 pa);

#endif /* PTCORE_KUNIT_HW_WALK_X86_H */
