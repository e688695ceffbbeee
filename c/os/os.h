/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The two environments ptcore builds in, behind one small set of names:
 *
 *   os_pte_read(p)                 relaxed 64-bit load of a table entry
 *   os_pte_read_acquire(p)         load that orders later loads of the table it points to
 *   os_pte_write(p, v)             relaxed 64-bit store of a table entry
 *   os_pte_cmpxchg(p, &old, new)   publish: release on success, acquire on failure;
 *                                  on failure *old holds the current value
 *   os_ptr_read_acquire(pp)        acquire load of a pointer (a list head others may push to)
 *   os_wmb()                       order table writes before the store that publishes them
 *   os_zalloc(size, gfp), os_free(p)            software (non-table) memory
 *   os_table_alloc(size, &phys, gfp)            built-in table allocator (zeroed, aligned to size)
 *   os_table_alloc_nozero(size, &phys, gfp)     the same, contents undefined (the caller fills it)
 *   os_table_free(va, phys, size)
 *   os_mem_stats(stats)                         its counters
 *   os_lock_t, os_lock_init/_destroy, os_lock, os_unlock
 *   OS_WARN_ON(cond)               report a broken invariant, evaluates to cond
 *   likely(x), unlikely(x)
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

#endif /* PTCORE_OS_H */
