/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Userspace stand-in for the kernel headers that Linux 6.12's
 * drivers/iommu/amd/io_pgtable.c, amd_iommu_types.h and amd_iommu.h include
 * (bench/peer/amd). Everything lives in this one header; every other
 * <linux/...> and <asm/...> header of this directory includes it. Types the
 * AMD driver only embeds in structures io_pgtable.c never touches are empty
 * shells; what io_pgtable.c runs (seqcounts, cmpxchg, bit operations, the
 * domain lock, table pages) works as in the kernel, single-threaded.
 */
#ifndef PEER_AMD_KERNEL_H
#define PEER_AMD_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/errno.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef u64 phys_addr_t;
typedef u64 dma_addr_t;
typedef unsigned int gfp_t;
typedef unsigned int ioasid_t;
typedef unsigned __int128 u128;
typedef int irqreturn_t;

#define __iomem
#define __init
#define __user
#define __rcu
#define __aligned(x)		__attribute__((aligned(x)))
#define __packed		__attribute__((packed))
#define likely(c)		__builtin_expect(!!(c), 1)
#define unlikely(c)		__builtin_expect(!!(c), 0)
#define READ_ONCE(v)		(*(const volatile __typeof__(v) *)&(v))
#define WRITE_ONCE(v, val)	do { *(volatile __typeof__(v) *)&(v) = (val); } while (0)
#define barrier()		__asm__ __volatile__("" ::: "memory")
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)

#define GFP_KERNEL		0x1u
#define GFP_ATOMIC		0x4u
#define NUMA_NO_NODE		(-1)
#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)

#define BITS_PER_LONG		64
#define BIT(n)			(1UL << (n))
#define BIT_ULL(n)		(1ULL << (n))
#define GENMASK(hi, lo)		((~0UL >> (63 - (hi))) & (~0UL << (lo)))
#define GENMASK_ULL(hi, lo)	((~0ULL >> (63 - (hi))) & (~0ULL << (lo)))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define container_of(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))
#define FIELD_GET(mask, reg)	(((reg) & (mask)) >> __builtin_ctzll(mask))
#define FIELD_PREP(mask, val)	(((u64)(val) << __builtin_ctzll(mask)) & (mask))

#define SZ_4K			0x1000ULL
#define SZ_2M			0x200000ULL
#define SZ_1G			0x40000000ULL
#define SZ_512G			0x8000000000ULL

static inline unsigned long __ffs(unsigned long w)
{
	return (unsigned long)__builtin_ctzl(w);
}

static inline unsigned long ffz(unsigned long w)
{
	return (unsigned long)__builtin_ctzl(~w);
}

static inline bool is_power_of_2(unsigned long n)
{
	return n && !(n & (n - 1));
}

static inline bool test_bit(long nr, const volatile unsigned long *addr)
{
	return (__atomic_load_n(&addr[nr / BITS_PER_LONG], __ATOMIC_RELAXED) >>
		(nr % BITS_PER_LONG)) & 1;
}

static inline bool test_and_clear_bit(long nr, volatile unsigned long *addr)
{
	unsigned long m = 1UL << (nr % BITS_PER_LONG);

	return __atomic_fetch_and(&addr[nr / BITS_PER_LONG], ~m, __ATOMIC_SEQ_CST) & m;
}

#define cmpxchg64(p, old, new) ({					\
	u64 _cx_seen = (old);						\
	__atomic_compare_exchange_n((p), &_cx_seen, (u64)(new), false,	\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);	\
	_cx_seen;							\
})
#define try_cmpxchg64(p, oldp, new) \
	__atomic_compare_exchange_n((p), (oldp), (u64)(new), false, __ATOMIC_SEQ_CST, \
				    __ATOMIC_SEQ_CST)

void peer_amd_warn(const char *file, int line, const char *what);
#define WARN_ON(c) ({ int _wc = !!(c); if (unlikely(_wc)) peer_amd_warn(__FILE__, __LINE__, #c); _wc; })
#define WARN_ON_ONCE(c)		WARN_ON(c)
#define BUG_ON(c)		((void)WARN_ON(c))
#define BUG()			peer_amd_warn(__FILE__, __LINE__, "BUG")
#define pr_warn(...)		peer_amd_warn(__FILE__, __LINE__, "pr_warn")
#define pr_err(...)		peer_amd_warn(__FILE__, __LINE__, "pr_err")

/* lists: the kernel's layout, as page->lru freeing needs */
struct list_head {
	struct list_head *next, *prev;
};
#define LIST_HEAD(name)		struct list_head name = { &(name), &(name) }

static inline bool list_empty(const struct list_head *h)
{
	return h->next == h;
}

static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

#define list_for_each_entry(pos, head, member)					\
	for (pos = container_of((head)->next, __typeof__(*pos), member);	\
	     &pos->member != (head);						\
	     pos = container_of(pos->member.next, __typeof__(*pos), member))

struct llist_node { struct llist_node *next; };
struct llist_head { struct llist_node *first; };
struct hlist_node { struct hlist_node *next, **pprev; };

/* single-threaded locks and seqcounts */
typedef struct { int locked; } spinlock_t;
typedef struct { int locked; } raw_spinlock_t;
struct mutex { int locked; };
typedef struct { unsigned int sequence; } seqcount_t;
#define spin_lock_irqsave(l, f)		do { (f) = 0; (l)->locked++; } while (0)
#define spin_unlock_irqrestore(l, f)	do { (void)(f); (l)->locked--; } while (0)
#define seqcount_init(s)		((s)->sequence = 0)
#define read_seqcount_begin(s)		(READ_ONCE((s)->sequence))
#define read_seqcount_retry(s, v)	(READ_ONCE((s)->sequence) != (v))
#define write_seqcount_begin(s)		((s)->sequence++)
#define write_seqcount_end(s)		((s)->sequence++)

typedef struct { long counter; } atomic_t;
typedef struct { long long counter; } atomic64_t;
typedef struct { atomic_t refs; } refcount_t;

/* shells for what the AMD structures embed */
struct xarray { void *head; };
struct mmu_notifier { void *ops; };
struct ratelimit_state { int interval; };
struct msi_msg { u32 address_lo, address_hi, data; };
struct iommu_device { void *ops; };
struct mm_struct;
struct iommu_page_response;
struct iopf_fault;
#define dev_to_iommu_device(dev)	((struct iommu_device *)NULL)
struct device;
struct pci_bus;
struct pci_dev {
	struct pci_bus *bus;
	u16 vendor, device;
	unsigned int devfn;
};
#define PCI_VENDOR_ID_ATI		0x1002
#define PCI_DEVICE_ID_RD890_IOMMU	0x5a23
static inline int pci_domain_nr(struct pci_bus *bus)
{
	return 0;
}

static inline u16 pci_dev_id(struct pci_dev *pdev)
{
	return (u16)pdev->devfn;
}
struct irq_domain;
struct iommu_domain {
	unsigned int type;
	unsigned long pgsize_bitmap;
};

/* the C-bit: Linux 6.12's __sme_set() / __sme_clr() */
extern unsigned long sme_me_mask;
#define __sme_set(x)		((x) | sme_me_mask)
#define __sme_clr(x)		((x) & ~sme_me_mask)

/* table pages: one struct page per 4K frame, the CPU address is the physical one */
struct page {
	struct list_head lru;
};
struct page *peer_amd_virt_to_page(const void *va);
#define virt_to_page(va)	peer_amd_virt_to_page(va)
static inline u64 virt_to_phys(const void *va)
{
	return (u64)(uintptr_t)va;
}

static inline void *phys_to_virt(u64 pa)
{
	return (void *)(uintptr_t)pa;
}

#endif
