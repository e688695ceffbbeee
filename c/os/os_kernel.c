// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The kernel's built-in table allocator.
 *
 * Tables of 4 KiB or more come straight from the page allocator (a block
 * of at least one page, naturally aligned), so that each has a struct page
 * for its metadata (os_table_meta(): the freelist link ptcore keeps outside
 * table memory, as iommu-pages does) and is counted as IOMMU memory in
 * NR_IOMMU_PAGES and NR_SECONDARY_PAGETABLE where the kernel has them.
 * Smaller ones (power-of-two sizes: a DART or stage-1 root with a short top
 * level, never freed before the table is destroyed) come from kmalloc(),
 * which aligns power-of-two sizes naturally too, and are hidden from
 * kmemleak, since only the hardware's physical address refers to them.
 * Both lie in the direct map, so va - phys (__pa()) is one constant for
 * every table, as the ABI requires. The memory is zeroed unless the core
 * asks for a table it fills itself (os_table_alloc_nozero()).
 *
 * The memory comes from the local NUMA node: the ABI does not tell ptcore
 * which device walks the table. A driver that wants its IOMMU's node,
 * DMA-able memory or a pool supplies ptcore_ops.alloc_table.
 */
#include <linux/kmemleak.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/sizes.h>

#include "os.h"

/* The largest block: a concatenated stage-2 root of 16 64K tables. */
#define OS_TABLE_MAX	SZ_1M
/* The smallest table that can be unlinked and queued: one of 4K granule. */
#define OS_TABLE_PAGED	SZ_4K

static_assert(sizeof(struct pt_meta) == sizeof(struct list_head));

/*
 * Count table pages as iommu-pages does. Both counters arrived in 6.11;
 * Kbuild defines PTCORE_HAVE_NR_IOMMU_PAGES when the kernel has them.
 */
static void os_account(struct page *page, int pages)
{
#ifdef PTCORE_HAVE_NR_IOMMU_PAGES
	mod_node_page_state(page_pgdat(page), NR_IOMMU_PAGES, pages);
	mod_lruvec_page_state(page, NR_SECONDARY_PAGETABLE, pages);
#endif
}

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

	if (size >= OS_TABLE_PAGED) {
		struct page *page = alloc_pages(flags, get_order(size));

		if (!page)
			return NULL;
		va = page_address(page);
		os_account(page, 1 << get_order(size));
	} else {
		va = kmalloc(size, flags);
		if (!va)
			return NULL;
		kmemleak_ignore(va);
	}

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

	if (size >= OS_TABLE_PAGED) {
		os_account(virt_to_page(va), -(1 << get_order(size)));
		free_pages((unsigned long)va, get_order(size));
	} else {
		kfree(va);
	}

	atomic64_dec(&os_stats.tables_live);
	atomic64_sub(size, &os_stats.bytes_live);
	atomic64_inc(&os_stats.frees);
}

/*
 * The metadata of a built-in table of 4 KiB or more lives in the lru field
 * of its (first) struct page, which the page allocator leaves to the owner
 * of an allocated page.
 */
struct pt_meta *os_table_meta(void *va)
{
	return (struct pt_meta *)&virt_to_page(va)->lru;
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
