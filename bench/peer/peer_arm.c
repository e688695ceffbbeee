// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Translation unit for Linux 6.1's drivers/iommu/io-pgtable-arm.c, which is
 * extracted at build time into the build directory (never stored here) and
 * included below; the accessor after it reads the format's private geometry
 * for the differential test. Its self-test (CONFIG_IOMMU_IO_PGTABLE_LPAE_SELFTEST)
 * stays disabled.
 */
#include "peer.h"
#include "io-pgtable-arm.c"

int peer_arm_geometry(struct io_pgtable_ops *ops, int *start_level, int *pgd_bits,
		      int *bits_per_level)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);

	*start_level = data->start_level;
	*pgd_bits = data->pgd_bits;
	*bits_per_level = data->bits_per_level;
	return 0;
}
