/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ptcore's kernel environment: the names of os.h on top of linux/.
 *
 * Table entries are read and written as whole 64-bit words with
 * READ_ONCE()/WRITE_ONCE(); a new table is published with a fully ordered
 * try_cmpxchg64() (so its zeroed contents are visible before the entry that
 * points to it), and the loser of a race gets acquire ordering before it
 * walks the winner's table. Table memory comes from os_kernel.c.
 */
#ifndef PTCORE_OS_KERNEL_H
#define PTCORE_OS_KERNEL_H

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/kasan.h>
#include <linux/limits.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/barrier.h>

#include "ptcore.h"

/* OS_EXPORT(sym): exported GPL-only, for IOMMU drivers in C and Rust. */
#define OS_EXPORT	EXPORT_SYMBOL_GPL
#define OS_API

/* <stdint.h> limits the core shares with userspace; the kernel spells them U*_MAX. */
#ifndef UINT64_MAX
#define UINT64_MAX	U64_MAX
#endif
#ifndef UINT32_MAX
#define UINT32_MAX	U32_MAX
#endif

/* likely(), unlikely() and static_assert() come from linux/ too. */

/* A gfp of 0 from the ABI means GFP_KERNEL. */
static inline gfp_t os_gfp(u32 gfp)
{
	return gfp ? (__force gfp_t)gfp : GFP_KERNEL;
}

/* uint64_t and u64 are one type in the kernel; kernel-only code spells it u64. */
static inline u64 os_pte_read(const u64 *p)
{
	return READ_ONCE(*p);
}

static inline u64 os_pte_read_acquire(const u64 *p)
{
	/* Pairs with the release of os_pte_cmpxchg() that published the table. */
	return smp_load_acquire(p);
}

/*
 * An entry that may point to a table another CPU just published, and is
 * followed: the address dependency orders the loads from that table after
 * this one (as the kernel's own page-table walkers rely on).
 */
static inline u64 os_pte_read_table(const u64 *p)
{
	return READ_ONCE(*p);
}

static inline void *os_ptr_read_acquire(void **p)
{
	/* Pairs with the release (an unlock) that published the pointer. */
	return smp_load_acquire(p);
}

static inline void *os_ptr_read(void *const *p)
{
	return READ_ONCE(*p);
}

static inline void os_ptr_write_release(void **p, void *v)
{
	/* What *v points to is complete before another CPU can find it. */
	smp_store_release(p, v);
}

/* Publish *@p = @new_ptr if it is still NULL; returns what is there now. */
static inline void *os_ptr_publish(void **p, void *new_ptr)
{
	void *old = cmpxchg(p, NULL, new_ptr);

	if (!old)
		return new_ptr;
	smp_acquire__after_ctrl_dep();
	return old;
}

static inline void os_pte_write(u64 *p, u64 v)
{
	WRITE_ONCE(*p, v);
}

/* The hardware may set bits (access flag, dirty state) of the entry meanwhile. */
static inline void os_pte_update(u64 *p, u64 clear, u64 set)
{
	u64 old = READ_ONCE(*p);

	while (!try_cmpxchg64(p, &old, (old & ~clear) | set))
		;
}

static inline bool os_pte_cmpxchg(u64 *p, u64 *old, u64 new_pte)
{
	/* A successful try_cmpxchg64() is fully ordered, which includes release. */
	if (try_cmpxchg64(p, old, new_pte))
		return true;
	/*
	 * A failed one is unordered; the caller is about to walk the table
	 * *old points to, so upgrade the load to acquire.
	 */
	smp_acquire__after_ctrl_dep();
	return false;
}

/* The same for 32-bit entries (ARM v7s), with the same ordering. */
static inline u32 os_pte32_read(const u32 *p)
{
	return READ_ONCE(*p);
}

static inline u32 os_pte32_read_acquire(const u32 *p)
{
	/* Pairs with the release of os_pte32_cmpxchg() that published the table. */
	return smp_load_acquire(p);
}

static inline u32 os_pte32_read_table(const u32 *p)
{
	return READ_ONCE(*p);
}

static inline void os_pte32_write(u32 *p, u32 v)
{
	WRITE_ONCE(*p, v);
}

static inline void os_pte32_update(u32 *p, u32 clear, u32 set)
{
	u32 old = READ_ONCE(*p);

	while (!try_cmpxchg(p, &old, (old & ~clear) | set))
		;
}

static inline bool os_pte32_cmpxchg(u32 *p, u32 *old, u32 new_pte)
{
	if (try_cmpxchg(p, old, new_pte))
		return true;
	smp_acquire__after_ctrl_dep();
	return false;
}

static inline void os_wmb(void)
{
	/* Table memory is read by the IOMMU as well as by other CPUs. */
	dma_wmb();
}

static inline void *os_zalloc(size_t size, u32 gfp)
{
	return kzalloc(size, os_gfp(gfp));
}

static inline void os_free(void *p)
{
	kfree(p);
}

/*
 * A plain alias rather than a typedef: the type is spinlock_t, nothing new.
 * It is always taken with interrupts off: the DMA API unmaps from softirq
 * and hardirq context, which must not find it held on their own CPU.
 */
#define os_lock_t	spinlock_t
#define os_irqflags_t	unsigned long

static inline void os_lock_init(os_lock_t *l)
{
	spin_lock_init(l);
}

static inline void os_lock_destroy(os_lock_t *l)
{
}

#define os_lock_irqsave(l, flags)	spin_lock_irqsave(l, flags)
#define os_unlock_irqrestore(l, flags)	spin_unlock_irqrestore(l, flags)

/*
 * va - pa must be one constant for every table: with tag-based KASAN (and
 * arm64 MTE) every allocation carries its own pointer tag, so compute it,
 * and every address derived from it, on untagged pointers (the match-all
 * tag, which kfree() and free_pages() accept).
 */
static inline void *os_untag(void *va)
{
	return kasan_reset_tag(va);
}

static inline void os_cond_resched(void)
{
	cond_resched();
}

/* ptcore_ops.alloc_table receives a real gfp_t: 0 from the ABI becomes GFP_KERNEL. */
static inline u32 os_gfp_abi(u32 gfp)
{
	return (__force u32)os_gfp(gfp);
}

/* Tables that 32-bit entries point to: ZONE_DMA32 (ZONE_NORMAL where there is none). */
static inline u32 os_gfp_dma32(u32 gfp)
{
	return (__force u32)(os_gfp(gfp) | GFP_DMA32);
}

/* Broken invariants get a backtrace; the expression still yields @cond. */
#define OS_WARN_ON(cond)	WARN_ON(cond)

/* A caller's misuse that ptcore refuses: one line in the log, yields @cond. */
#define OS_REFUSE(cond, what) ({					\
	bool __os_refuse = !!(cond);					\
	if (unlikely(__os_refuse))					\
		pr_err_ratelimited("ptcore: refused: %s\n", what);	\
	__os_refuse;							\
})

struct pt_meta;
void *os_table_alloc(size_t size, u64 *phys, u32 gfp);
void *os_table_alloc_nozero(size_t size, u64 *phys, u32 gfp);
void os_table_free(void *va, u64 phys, size_t size);
void os_mem_stats(struct ptcore_mem_stats *stats);
struct pt_meta *os_table_meta(void *va);

#endif /* PTCORE_OS_KERNEL_H */
