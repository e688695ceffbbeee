/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The two environments ptcore builds in, behind one small set of names:
 *
 *   os_pte_read(p)                 relaxed 64-bit load of a table entry
 *   os_pte_read_acquire(p)         load that orders later loads of the table it points to
 *   os_pte_write(p, v)             relaxed 64-bit store of a table entry
 *   os_pte_cmpxchg(p, &old, new)   publish: release on success, acquire on failure;
 *                                  on failure *old holds the current value
 *   os_pte_update(p, clear, set)   atomically clear then set bits of a live entry
 *                                  (one the hardware may update at the same time)
 *   os_pte32_read/_read_acquire/_read_table/_write/_cmpxchg/_update(p, ...)
 *                                  the same for 32-bit entries (ARM v7s)
 *   os_ptr_read_acquire(pp)        acquire load of a pointer (a list head others may push to)
 *   os_wmb()                       order table writes before the store that publishes them
 *   os_zalloc(size, gfp), os_free(p)            software (non-table) memory
 *   os_table_alloc(size, &phys, gfp)            built-in table allocator (zeroed, aligned to size)
 *   os_table_alloc_nozero(size, &phys, gfp)     the same, contents undefined (the caller fills it)
 *   os_table_free(va, phys, size)
 *   os_mem_stats(stats)                         its counters
 *   os_table_meta(va)              struct pt_meta of a built-in table of 4 KiB or more
 *   os_pte_read_table(p)           load of an entry that may be a table published by
 *                                  another CPU and is then followed (acquire, or READ_ONCE
 *                                  with its address dependency in the kernel)
 *   os_ptr_read(pp), os_ptr_write_release(pp, v), os_ptr_publish(pp, new)
 *   os_lock_irqsave(l, flags), os_unlock_irqrestore(l, flags)   (irq-safe in the kernel)
 *   os_untag(va)                   a CPU address without its pointer tag (KASAN/MTE)
 *   os_cond_resched()              yield in long loops where sleeping is allowed
 *   os_gfp_abi(gfp)                the gfp value that ptcore_ops.alloc_table receives
 *   os_gfp_dma32(gfp)              @gfp asking for memory below 4 GiB (32-bit entries)
 *   os_lock_t, os_irqflags_t, os_lock_init/_destroy
 *   OS_WARN_ON(cond)               report a broken invariant, evaluates to cond
 *   OS_REFUSE(cond, what)          report a caller's misuse ptcore refuses, evaluates to cond
 *   likely(x), unlikely(x), __aligned(n), noinline
 *   OS_EXPORT(sym)                 export an ABI function
 *   errno values (EINVAL, ...)
 *
 * Nothing outside c/os/ knows which environment it is built for.
 */
#ifndef PTCORE_OS_H
#define PTCORE_OS_H

#ifdef __KERNEL__
#include "os_kernel.h"
#else
#include "os_user.h"
#endif

/**
 * struct pt_meta - what ptcore keeps about one table, outside its memory
 * @link: the next table on the same list (CPU address), ORed with this
 *	table's level shifted left by one (tables are aligned to at least 64
 *	bytes; bit 0 stays clear, as the kernel keeps this in struct page's
 *	lru, whose first word doubles as compound_head)
 * @aux: on a gather, the owning struct ptcore_table; parked by a map, the
 *	first IOVA the table translated ORed with the number of tables in
 *	its subtree
 *
 * Hardware never sees it. The built-in allocators provide it for every
 * table of 4 KiB or more (os_table_meta()), ptcore's directory for tables
 * of a caller's allocator.
 */
struct pt_meta {
	uintptr_t link;
	uintptr_t aux;
};

#endif /* PTCORE_OS_H */
