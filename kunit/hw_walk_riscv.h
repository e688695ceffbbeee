/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The RISC-V part of the hardware-walk model (hw_walk_riscv.c), private to
 * the model: hw_walk.c and hw_walk_expect.c call it for PTCORE_FMT_RISCV64.
 */
#ifndef PTCORE_KUNIT_HW_WALK_RISCV_H
#define PTCORE_KUNIT_HW_WALK_RISCV_H

#include "hw_walk.h"

int hw_riscv_init(struct hw_walk *w, const char **why);
enum hw_fault hw_riscv_decode(const struct hw_walk *w, u64 pte, unsigned int level,
			      enum hw_entry_kind *kind, u64 *addr);
/* Fill @leaf from @pte, entry @idx of @tbl; a NAPOT range is checked and reported as the run. */
enum hw_fault hw_riscv_leaf_fill(const struct hw_walk *w, const u64 *tbl, u64 idx, u64 pte,
				 struct hw_leaf *leaf);
u64 hw_riscv_addr_mask(void);
u64 hw_riscv_addr_bits(u64 pa);
u64 hw_riscv_written_pte(const struct hw_walk *w, const struct hw_leaf *leaf);
/* The mode a configuration gets (levels 3, 4, 5), or -EINVAL with *@why. */
int hw_riscv_cfg_levels(const struct ptcore_cfg *cfg, unsigned int *levels, const char **why);
u64 hw_riscv_expected_leaf(const struct hw_walk *w, u32 prot, u64 oa, bool napot);
u64 hw_riscv_expected_table(const struct hw_walk *w, u64 pa);

#endif /* PTCORE_KUNIT_HW_WALK_RISCV_H */
