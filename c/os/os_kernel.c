// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The kernel's built-in table allocator.
 *
 * Tables of a page or more come straight from the page allocator, whose
 * blocks are naturally aligned; smaller ones (power-of-two sizes, e.g. a
 * DART or stage-1 root with a short top level) from kmalloc(), which aligns
 * power-of-two sizes naturally too. Both lie in the direct map, so
 * va - phys (__pa()) is one constant for every table, as the ABI requires.
 * The memory is zeroed unless the core asks for a table it fills itself
 * (os_table_alloc_nozero()).
 *
 * The memory comes from the local NUMA node. A driver that wants its
 * IOMMU's node, DMA-able memory or a pool supplies ptcore_ops.alloc_table.
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>

#include "os.h"

/* The largest block: a concatenated stage-2 root of 16 64K tables. */
#define OS_TABLE_MAX	SZ_1M

static struct {
	atomic64_t tables_live;
	atomic64_t bytes_live;
	atomic64_t allocs;
	atomic64_t frees;
} os_stats;

static void *os_table_get(size_t size, u64 *phys, gfp_t flags)
{
	void *va;

	if (!size || !is_power_of_2(size) || size > OS_TABLE_MAX)
		return NULL;

	if (size >= PAGE_SIZE)
		va = (void *)__get_free_pages(flags, get_order(size));
	else
		va = kmalloc(size, flags);
	if (!va)
		return NULL;

	*phys = __pa(va);
	atomic64_inc(&os_stats.tables_live);
	atomic64_add(size, &os_stats.bytes_live);
	atomic64_inc(&os_stats.allocs);
	return va;
}

void *os_table_alloc(size_t size, u64 *phys, u32 gfp)
{
	return os_table_get(size, phys, os_gfp(gfp) | __GFP_ZERO);
}

void *os_table_alloc_nozero(size_t size, u64 *phys, u32 gfp)
{
	return os_table_get(size, phys, os_gfp(gfp));
}

void os_table_free(void *va, u64 phys, size_t size)
{
	if (!va)
		return;
	if (OS_WARN_ON(__pa(va) != phys || !is_power_of_2(size) ||
		       size > OS_TABLE_MAX))
		return;

	if (size >= PAGE_SIZE)
		free_pages((unsigned long)va, get_order(size));
	else
		kfree(va);

	atomic64_dec(&os_stats.tables_live);
	atomic64_sub(size, &os_stats.bytes_live);
	atomic64_inc(&os_stats.frees);
}

void os_mem_stats(struct ptcore_mem_stats *stats)
{
	stats->tables_live = atomic64_read(&os_stats.tables_live);
	stats->bytes_live = atomic64_read(&os_stats.bytes_live);
	stats->allocs = atomic64_read(&os_stats.allocs);
	stats->frees = atomic64_read(&os_stats.frees);
}

MODULE_DESCRIPTION("ptcore: IOMMU page-table core");
MODULE_LICENSE("Dual MIT/GPL");
