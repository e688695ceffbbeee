/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Userspace stand-in for the kernel headers that Linux 6.12's
 * drivers/iommu/io-pgtable-arm-v7s.c and io-pgtable.c include
 * (bench/peer/v7s). Everything lives here; every other <linux/...> and
 * <asm/...> header of this directory includes it; <linux/io-pgtable.h> and
 * <linux/iommu.h> come from bench/peer/include. Table memory comes from the arena of v7s_mem.h: order-n pages
 * for the level-1 table, a kmem_cache of 1K objects, each 1K aligned, for
 * level 2, every "physical" address below 4 GiB; the DMA calls copy table
 * memory to the arena's device view. The kernel is single-threaded here.
 */
#ifndef PEER_V7S_KERNEL_H
#define PEER_V7S_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;
typedef u64 phys_addr_t;
typedef u64 dma_addr_t;
typedef unsigned int gfp_t;
typedef unsigned int slab_flags_t;

#define ENOMEM		12
#define EEXIST		17
#define EINVAL		22
#define ERANGE		34

/* phys_addr_t is 64-bit here, as on LPAE and 64-bit kernels */
#define CONFIG_PHYS_ADDR_T_64BIT	1
#define IS_ENABLED(option)		(option)
/* io-pgtable.c registers the v7s format alone */
#define CONFIG_IOMMU_IO_PGTABLE_ARMV7S	1

#define __init
#define __initdata
#define __initconst
#define __noipa
#define likely(c)		__builtin_expect(!!(c), 1)
#define unlikely(c)		__builtin_expect(!!(c), 0)
#define READ_ONCE(v)		(*(const volatile __typeof__(v) *)&(v))
#define WRITE_ONCE(v, val)	do { *(volatile __typeof__(v) *)&(v) = (val); } while (0)
#define wmb()			__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define dma_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define EXPORT_SYMBOL_GPL(s)
#define subsys_initcall(f)

#define BITS_PER_LONG		64
#define BIT(n)			(1UL << (n))
#define BIT_ULL(n)		(1ULL << (n))
#define upper_32_bits(n)	((u32)((u64)(n) >> 32))
#define container_of(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

#define SZ_4K			0x00001000UL
#define SZ_64K			0x00010000UL
#define SZ_1M			0x00100000UL
#define SZ_16M			0x01000000UL
#define SZ_1G			0x40000000UL
#define SZ_2G			0x80000000UL

#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)

/* relaxed compare-and-exchange of any width (the v7s entries are 32-bit) */
#define cmpxchg_relaxed(p, old, new) ({						\
	__typeof__(*(p)) _cx_seen = (old);					\
	__atomic_compare_exchange_n((p), &_cx_seen, (new), false,		\
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);	\
	_cx_seen;								\
})

void peer_v7s_warn(const char *file, int line, const char *what);
#define WARN_ON(c) ({ int _wc = !!(c); if (unlikely(_wc)) peer_v7s_warn(__FILE__, __LINE__, #c); _wc; })
#define WARN(c, ...)		WARN_ON(c)
#define pr_err(...)		peer_v7s_warn(__FILE__, __LINE__, "pr_err")
#define pr_info(...)		do { } while (0)
#define dev_err(dev, ...)	peer_v7s_warn(__FILE__, __LINE__, "dev_err")

/* single-threaded */
typedef struct { int locked; } spinlock_t;
#define spin_lock_init(l)		((l)->locked = 0)
#define spin_lock_irqsave(l, f)		do { (f) = 0; (l)->locked++; } while (0)
#define spin_unlock_irqrestore(l, f)	do { (void)(f); (l)->locked--; } while (0)

/* ---- memory: the arena of peer_v7s.c ---- */
#define GFP_KERNEL		0x01u
#define GFP_ATOMIC		0x02u
#define GFP_DMA			0x04u
#define __GFP_ZERO		0x100u
#define SLAB_CACHE_DMA		0x1u

struct device;
struct kmem_cache;

void *peer_v7s_kmalloc(size_t size);
void peer_v7s_kfree(const void *p);
void *peer_v7s_pages(unsigned int order, gfp_t gfp);
void peer_v7s_free_pages(void *va, unsigned int order);
struct kmem_cache *peer_v7s_cache_create(size_t size, size_t align, slab_flags_t flags);
void *peer_v7s_cache_zalloc(struct kmem_cache *c, gfp_t gfp);
void peer_v7s_cache_free(struct kmem_cache *c, void *va);
void peer_v7s_cache_destroy(struct kmem_cache *c);
u64 peer_v7s_virt_to_phys(const void *va);
void *peer_v7s_phys_to_virt(u64 pa);
void peer_v7s_dma_sync(const void *va, size_t size);

#define kmalloc(size, gfp)		peer_v7s_kmalloc(size)
#define kfree(p)			peer_v7s_kfree(p)
#define __get_free_pages(gfp, order)	((unsigned long)peer_v7s_pages((order), (gfp)))
#define free_pages(addr, order)		peer_v7s_free_pages((void *)(addr), (order))
#define kmem_cache_create(name, size, align, flags, ctor) \
	peer_v7s_cache_create((size), (align), (flags))
#define kmem_cache_zalloc(c, gfp)	peer_v7s_cache_zalloc((c), (gfp))
#define kmem_cache_free(c, va)		peer_v7s_cache_free((c), (va))
#define kmem_cache_destroy(c)		peer_v7s_cache_destroy(c)
#define kmemleak_ignore(p)		do { } while (0)
#define virt_to_phys(va)		peer_v7s_virt_to_phys(va)
#define phys_to_virt(pa)		peer_v7s_phys_to_virt(pa)

static inline int get_order(unsigned long size)
{
	int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

/* ---- DMA: the walker sees the arena's device view, updated only by these ---- */
enum dma_data_direction {
	DMA_BIDIRECTIONAL = 0,
	DMA_TO_DEVICE = 1,
};

#define DMA_MAPPING_ERROR	(~(dma_addr_t)0)

static inline dma_addr_t dma_map_single(struct device *dev, void *va, size_t size,
					enum dma_data_direction dir)
{
	peer_v7s_dma_sync(va, size);
	return peer_v7s_virt_to_phys(va);
}

static inline void dma_unmap_single(struct device *dev, dma_addr_t addr, size_t size,
				    enum dma_data_direction dir)
{
}

static inline int dma_mapping_error(struct device *dev, dma_addr_t addr)
{
	return addr == DMA_MAPPING_ERROR;
}

static inline void dma_sync_single_for_device(struct device *dev, dma_addr_t addr, size_t size,
					      enum dma_data_direction dir)
{
	peer_v7s_dma_sync(peer_v7s_phys_to_virt(addr), size);
}

#endif
