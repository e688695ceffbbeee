/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * io-pgtable formats served by ptcore (CONFIG_IOMMU_IO_PGTABLE_PTCORE).
 * drivers/iommu/io-pgtable.c points its provider table at these; see
 * kernel/io-pgtable-ptcore.c.
 */
#ifndef PTCORE_IO_PGTABLE_H
#define PTCORE_IO_PGTABLE_H

#include <linux/io-pgtable.h>

struct ptcore_table;

extern struct io_pgtable_init_fns ptcore_io_pgtable_arm_64_lpae_s1_init_fns;
extern struct io_pgtable_init_fns ptcore_io_pgtable_arm_64_lpae_s2_init_fns;
extern struct io_pgtable_init_fns ptcore_io_pgtable_apple_dart_init_fns;
extern struct io_pgtable_init_fns ptcore_io_pgtable_apple_dart2_init_fns;

/* The ptcore table behind io_pgtable_ops this provider made (tests only). */
struct ptcore_table *ptcore_io_pgtable_table(struct io_pgtable_ops *ops);
/* Walk flushes of every live domain together (tests only). */
u64 ptcore_io_pgtable_walk_flushes(void);

#endif /* PTCORE_IO_PGTABLE_H */
