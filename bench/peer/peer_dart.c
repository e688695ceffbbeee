// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Translation unit for Linux 6.1's drivers/iommu/io-pgtable-dart.c, which is
 * extracted at build time into the build directory (never stored here) and
 * included below; the accessor after it reads the format's private geometry
 * for the differential test.
 */
#include "peer.h"
#include "io-pgtable-dart.c"

int peer_dart_geometry(struct io_pgtable_ops *ops, int *tbl_bits, int *bits_per_level)
{
	struct dart_io_pgtable *data = io_pgtable_ops_to_data(ops);

	*tbl_bits = data->tbl_bits;
	*bits_per_level = data->bits_per_level;
	return 0;
}
