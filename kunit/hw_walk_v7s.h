/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The ARM short-descriptor part of the hardware-walk model
 * (hw_walk_v7s.c), private to the model: hw_walk.c and hw_walk_expect.c
 * call it for PTCORE_FMT_ARM_V7S.
 */
#ifndef PTCORE_KUNIT_HW_WALK_V7S_H
#define PTCORE_KUNIT_HW_WALK_V7S_H

#include "hw_walk.h"

int hw_v7s_init(struct hw_walk *w, const char **why);
enum hw_fault hw_v7s_decode(const struct hw_walk *w, u64 pte, unsigned int level,
			    enum hw_entry_kind *kind, u64 *addr);
enum hw_fault hw_v7s_fill_leaf(const struct hw_walk *w, const u64 *tbl, u64 idx, u64 pte,
			       unsigned int level, u64 iova, u64 oa, u64 table_attrs,
			       struct hw_leaf *leaf);
/* What a first-level table entry passes down: its NS bit. */
u64 hw_v7s_table_restrict(u64 pte);
u64 hw_v7s_addr_bits(u64 pa);
int hw_v7s_check_cfg(const struct hw_walk *w, const struct ptcore_cfg *cfg, const char **why);
/* The entry Linux's io-pgtable-arm-v7s writes for @prot at @oa (the leaf's base when @contig). */
u64 hw_v7s_expected_leaf(const struct hw_walk *w, u32 prot, u64 oa, unsigned int level,
			 bool contig);
u64 hw_v7s_expected_table(const struct hw_walk *w, u64 pa);

#endif /* PTCORE_KUNIT_HW_WALK_V7S_H */
