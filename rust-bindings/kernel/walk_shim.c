// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A narrow C entry into kunit/hw_walk.c, the independent model of the
 * hardware table walkers, for the Rust sample drivers' simulated devices:
 * one function with plain integer arguments, so that Rust needs no copy of
 * struct hw_walk's layout.
 */
#include <linux/errno.h>
#include <linux/types.h>
#include <ptcore.h>
#include "hw_walk.h"

int ptcore_rust_hw_walk(const struct ptcore_table *t, u32 features, u64 iova, u64 *oa,
			u64 *table_pa, u32 *perm);

static const u64 *read_table(void *ctx, u64 pa, u64 bytes)
{
	return ptcore_phys_to_virt(ctx, pa);
}

/**
 * ptcore_rust_hw_walk() - walk @iova of @t as the hardware would
 * @t: the table, its registers taken from ptcore_hw_info()
 * @features: the ptcore_cfg.features it was created with
 * @iova: input address
 * @oa: output address of @iova
 * @table_pa: physical address of the table that holds the leaf
 * @perm: bit 0 readable, bit 1 writable
 *
 * Context: the table must not be unmapped or destroyed concurrently.
 * Return: 0 and the outputs, -EFAULT when the walk faults, -EINVAL when the
 * registers describe a walk hardware would refuse.
 */
int ptcore_rust_hw_walk(const struct ptcore_table *t, u32 features, u64 iova, u64 *oa,
			u64 *table_pa, u32 *perm)
{
	struct ptcore_hw_info hi;
	struct hw_walk w;
	struct hw_leaf leaf;

	if (ptcore_hw_info(t, &hi))
		return -EINVAL;
	if (hw_walk_init(&w, &hi, features, read_table, (void *)t, NULL))
		return -EINVAL;
	if (hw_walk_iova(&w, iova, &leaf) != HW_OK)
		return -EFAULT;
	*oa = leaf.oa;
	*table_pa = leaf.table_pa;
	*perm = (leaf.read ? 1 : 0) | (leaf.write ? 2 : 0);
	return 0;
}
