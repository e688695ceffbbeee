// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Translation unit for one kernel version's drivers/iommu/io-pgtable-arm.c
 * (PEER_KSUFFIX: v6_1 or v6_12, and that version's extracted source
 * directory on the include path), which is extracted at build time into the
 * build directory (never stored here) and included below. Its init_fns are
 * renamed per version first (see peer_kern.h); the descriptor after it gives
 * the registry the stage 1 and 2 formats and reads the format's private
 * geometry for the differential test. Its self-test
 * (CONFIG_IOMMU_IO_PGTABLE_LPAE_SELFTEST) stays disabled.
 */
#include "peer.h"
#include "peer_kern.h"

#define io_pgtable_arm_32_lpae_s1_init_fns	PEER_KSYM(io_pgtable_arm_32_lpae_s1_init_fns)
#define io_pgtable_arm_32_lpae_s2_init_fns	PEER_KSYM(io_pgtable_arm_32_lpae_s2_init_fns)
#define io_pgtable_arm_64_lpae_s1_init_fns	PEER_KSYM(io_pgtable_arm_64_lpae_s1_init_fns)
#define io_pgtable_arm_64_lpae_s2_init_fns	PEER_KSYM(io_pgtable_arm_64_lpae_s2_init_fns)
#define io_pgtable_arm_mali_lpae_init_fns	PEER_KSYM(io_pgtable_arm_mali_lpae_init_fns)

#include "io-pgtable-arm.c"

static int arm_geometry(struct io_pgtable_ops *ops, int *start_level, int *pgd_bits,
			int *bits_per_level)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);

	*start_level = data->start_level;
	*pgd_bits = data->pgd_bits;
	*bits_per_level = data->bits_per_level;
	return 0;
}

const struct peer_arm_kernel PEER_KSYM(peer_arm) = {
	.s1 = &io_pgtable_arm_64_lpae_s1_init_fns,
	.s2 = &io_pgtable_arm_64_lpae_s2_init_fns,
	.geometry = arm_geometry,
};
