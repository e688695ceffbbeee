/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The AMD IOMMU v1 part of the hardware-walk model (hw_walk_amdv1.c),
 * called by hw_walk.c and hw_walk_expect.c for PTCORE_FMT_AMDV1.
 */
#ifndef PTCORE_KUNIT_HW_WALK_AMDV1_H
#define PTCORE_KUNIT_HW_WALK_AMDV1_H

#include "hw_walk.h"

int hw_walk_amdv1_init(struct hw_walk *w, const char **why);
enum hw_fault hw_walk_amdv1_decode(const struct hw_walk *w, u64 pte, unsigned int level,
				   enum hw_entry_kind *kind, u64 *addr);
/* @denied: the OR of hw_walk_amdv1_denied() over the table entries on the way */
enum hw_fault hw_walk_amdv1_fill_leaf(const struct hw_walk *w, const u64 *tbl, u64 idx, u64 pte,
				      unsigned int level, u64 iova, u64 oa, u64 denied,
				      struct hw_leaf *leaf);
u64 hw_walk_amdv1_denied(u64 pde);
u64 hw_walk_amdv1_written_pte(const struct hw_walk *w, const struct hw_leaf *leaf);
int hw_walk_amdv1_check_cfg(const struct hw_walk *w, const struct ptcore_cfg *cfg,
			    const char **why);

#endif /* PTCORE_KUNIT_HW_WALK_AMDV1_H */
