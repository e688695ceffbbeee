/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* ptcore's userspace environment: libc and the GCC/clang __atomic builtins. */
#ifndef PTCORE_OS_USER_H
#define PTCORE_OS_USER_H

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/cdefs.h>		/* __always_inline, as the kernel spells it */

#include "ptcore.h"

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif
#ifndef __aligned
#define __aligned(x)	__attribute__((__aligned__(x)))
#endif
#ifndef noinline
#define noinline	__attribute__((__noinline__))
#endif

#define OS_EXPORT(sym)
#define OS_API		__attribute__((visibility("default")))

static inline uint64_t os_pte_read(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline uint64_t os_pte_read_acquire(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* An entry that may point to a table another thread just published, and is followed. */
static inline uint64_t os_pte_read_table(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void os_pte_write(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline bool os_pte_cmpxchg(uint64_t *p, uint64_t *old, uint64_t new_pte)
{
	return __atomic_compare_exchange_n(p, old, new_pte, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

static inline void os_pte_update(uint64_t *p, uint64_t clear, uint64_t set)
{
	uint64_t old = __atomic_load_n(p, __ATOMIC_RELAXED);

	while (!__atomic_compare_exchange_n(p, &old, (old & ~clear) | set, true, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
}

/* The same for 32-bit entries (ARM v7s), with the same ordering. */
static inline uint32_t os_pte32_read(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline uint32_t os_pte32_read_acquire(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline uint32_t os_pte32_read_table(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void os_pte32_write(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline bool os_pte32_cmpxchg(uint32_t *p, uint32_t *old, uint32_t new_pte)
{
	return __atomic_compare_exchange_n(p, old, new_pte, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

static inline void os_pte32_update(uint32_t *p, uint32_t clear, uint32_t set)
{
	uint32_t old = __atomic_load_n(p, __ATOMIC_RELAXED);

	while (!__atomic_compare_exchange_n(p, &old, (old & ~clear) | set, true, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
}

static inline void *os_ptr_read_acquire(void **p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void *os_ptr_read(void *const *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void os_ptr_write_release(void **p, void *v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Publish *@p = @new_ptr if it is still NULL; release on success, acquire on failure. */
static inline void *os_ptr_publish(void **p, void *new_ptr)
{
	void *old = NULL;

	if (__atomic_compare_exchange_n(p, &old, new_ptr, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return new_ptr;
	return old;
}

static inline void os_wmb(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void *os_zalloc(size_t size, uint32_t gfp)
{
	(void)gfp;
	return calloc(1, size);
}

static inline void os_free(void *p)
{
	free(p);
}

/*
 * The lock of a table handle. In the kernel it is taken with interrupts
 * off (callers may run in hardirq or softirq context); userspace has no
 * interrupts, and the flags are unused.
 */
#define os_lock_t	pthread_mutex_t
#define os_irqflags_t	unsigned long

static inline void os_lock_init(os_lock_t *l)
{
	pthread_mutex_init(l, NULL);
}

static inline void os_lock_destroy(os_lock_t *l)
{
	pthread_mutex_destroy(l);
}

#define os_lock_irqsave(l, flags)	((void)(flags), pthread_mutex_lock(l))
#define os_unlock_irqrestore(l, flags)	((void)(flags), pthread_mutex_unlock(l))

/* A CPU address as the allocator handed it out, without a pointer tag. */
static inline void *os_untag(void *va)
{
	return va;
}

/* Give the CPU away between frees in long loops, where the caller may sleep. */
static inline void os_cond_resched(void)
{
}

/* ptcore_ops.alloc_table receives the gfp value the caller gave ptcore. */
static inline uint32_t os_gfp_abi(uint32_t gfp)
{
	return gfp;
}

/* The arena lies below 4 GiB already. */
static inline uint32_t os_gfp_dma32(uint32_t gfp)
{
	return gfp;
}

void os_warn(const char *file, int line, const char *cond);
#define OS_WARN_ON(cond) ({						\
	bool __os_warn = !!(cond);					\
	if (unlikely(__os_warn))					\
		os_warn(__FILE__, __LINE__, #cond);			\
	__os_warn;							\
})

struct pt_meta;
void os_refused(const char *what);
/* A caller's misuse that ptcore refuses: one line on stderr, yields @cond. */
#define OS_REFUSE(cond, what) ({					\
	bool __os_refuse = !!(cond);					\
	if (unlikely(__os_refuse))					\
		os_refused(what);					\
	__os_refuse;							\
})

void *os_table_alloc(size_t size, uint64_t *phys, uint32_t gfp);
void *os_table_alloc_nozero(size_t size, uint64_t *phys, uint32_t gfp);
void os_table_free(void *va, uint64_t phys, size_t size);
void os_mem_stats(struct ptcore_mem_stats *stats);
struct pt_meta *os_table_meta(void *va);

#endif /* PTCORE_OS_USER_H */
