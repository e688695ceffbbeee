// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Translation unit for one kernel version's drivers/iommu/io-pgtable-dart.c
 * (PEER_KSUFFIX: v6_1 or v6_12, and that version's extracted source
 * directory on the include path), which is extracted at build time into the
 * build directory (never stored here) and included below. Its init_fns are
 * renamed per version first (see peer_kern.h); the descriptor after it gives
 * the registry the format and reads its private geometry for the
 * differential test.
 */
#include "peer.h"
#include "peer_kern.h"

#define io_pgtable_apple_dart_init_fns	PEER_KSYM(io_pgtable_apple_dart_init_fns)

#include "io-pgtable-dart.c"

static int dart_geometry(struct io_pgtable_ops *ops, int *tbl_bits, int *bits_per_level)
{
	struct dart_io_pgtable *data = io_pgtable_ops_to_data(ops);

	*tbl_bits = data->tbl_bits;
	*bits_per_level = data->bits_per_level;
	return 0;
}

const struct peer_dart_kernel PEER_KSYM(peer_dart) = {
	.dart = &io_pgtable_apple_dart_init_fns,
	.geometry = dart_geometry,
};
