/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The algorithms floor as ptcore.c sees it: what each format's
 * instantiation of pt_algo.h (fmt/<format>.c) exports, the table of its
 * algorithms and its configuration entry points.
 */
#ifndef PTCORE_PT_FMT_H
#define PTCORE_PT_FMT_H

#include "pt_mem.h"

/**
 * struct pt_fmt_ops - one format's instantiated algorithms
 * @map: ptcore_map_pages() after its argument checks (@mapped may be NULL)
 * @map_range: ptcore_map_range() after its argument checks
 * @unmap: ptcore_unmap() of [iova, end) after its argument checks
 * @unmap_ext: the same with the extras: report the removed leaves to @c
 *	(unless NULL), free the tables left empty (PTCORE_FEAT_FREE_EMPTY_TABLES)
 * @cut: ptcore_cut() after its argument checks
 * @iova_to_phys: ptcore_iova_to_phys() after its argument check
 * @read_and_clear_dirty: ptcore_read_and_clear_dirty() of [iova, end) after
 *	its argument checks; @clear unless PTCORE_DIRTY_NO_CLEAR, @c unless
 *	the caller passed no callback
 * @free_list: after the flush, free every subtree on a list linked through
 *	the tables' struct pt_meta (a gather's freelist), from @first on
 * @free_all: free the whole tree, roots first, then every parked table
 *	(ptcore_table_destroy(), and a ptcore_table_create() that failed)
 *
 * The only indirect calls from ptcore to ptcore: one per API call, never
 * per entry, and only from ptcore.c (the floors below never call up).
 */
struct pt_fmt_ops {
	int (*map)(struct ptcore_table *t, uint64_t iova, uint64_t pa, unsigned int pgsize_lg2,
		   uint64_t pgcount, uint32_t prot, uint32_t gfp, uint64_t *mapped);
	int (*map_range)(struct ptcore_table *t, uint64_t iova, uint64_t pa, uint64_t len,
			 uint32_t prot, uint32_t gfp, uint64_t *mapped);
	int (*unmap)(struct ptcore_table *t, uint64_t iova, uint64_t end,
		     struct ptcore_gather *gather, uint64_t *unmapped);
	int (*unmap_ext)(struct ptcore_table *t, uint64_t iova, uint64_t end,
			 struct ptcore_gather *gather, uint64_t *unmapped, struct pt_collect *c);
	int (*cut)(struct ptcore_table *t, uint64_t iova, uint32_t gfp,
		   struct ptcore_gather *gather);
	int (*iova_to_phys)(const struct ptcore_table *t, uint64_t iova, uint64_t *phys);
	int (*read_and_clear_dirty)(struct ptcore_table *t, uint64_t iova, uint64_t end, bool clear,
				    struct ptcore_gather *gather, struct pt_collect *c);
	void (*free_list)(struct ptcore_table *t, void *first);
	void (*free_all)(struct ptcore_table *t);
};

extern const struct pt_fmt_ops pt_arm_lpae_ops;
extern const struct pt_fmt_ops pt_dart_ops;
/* ARM with PTCORE_FEAT_ARM_LPA2 (fmt/arm_lpa2.c); pt_arm_lpae_init() picks it */
extern const struct pt_fmt_ops pt_arm_lpa2_ops;

extern const struct pt_fmt_ops pt_riscv_ops;

extern const struct pt_fmt_ops pt_amdv1_ops;

int pt_arm_lpae_init(struct ptcore_table *t, const struct ptcore_cfg *cfg);
void pt_arm_lpae_hw_info(const struct ptcore_table *t, struct ptcore_hw_info *info);
void pt_arm_lpa2_fill_leaf_attrs(struct ptcore_table *t);
int pt_dart_init(struct ptcore_table *t, const struct ptcore_cfg *cfg);
int pt_amdv1_init(struct ptcore_table *t, const struct ptcore_cfg *cfg);
void pt_amdv1_hw_info(const struct ptcore_table *t, struct ptcore_hw_info *info);

int pt_riscv_init(struct ptcore_table *t, const struct ptcore_cfg *cfg);
void pt_riscv_hw_info(const struct ptcore_table *t, struct ptcore_hw_info *info);

extern const struct pt_fmt_ops pt_vtdss_ops;
int pt_vtdss_init(struct ptcore_table *t, const struct ptcore_cfg *cfg);
void pt_vtdss_hw_info(const struct ptcore_table *t, struct ptcore_hw_info *info);

extern const struct pt_fmt_ops pt_x86_64_ops;
int pt_x86_64_init(struct ptcore_table *t, const struct ptcore_cfg *cfg);
void pt_x86_64_hw_info(const struct ptcore_table *t, struct ptcore_hw_info *info);

extern const struct pt_fmt_ops pt_arm_v7s_ops;
int pt_arm_v7s_init(struct ptcore_table *t, const struct ptcore_cfg *cfg);
void pt_arm_v7s_hw_info(const struct ptcore_table *t, struct ptcore_hw_info *info);

#endif /* PTCORE_PT_FMT_H */
