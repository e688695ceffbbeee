/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Userspace stand-in for drivers/iommu/amd/amd_iommu_types.h (bench/peer),
 * for Linux 6.12's amd/io_pgtable_v2.c only: the constants, structures and
 * helpers that file uses, with 6.12's values, and nothing of the rest of the
 * driver. peer_amd_v2.c includes the kernel file from a directory of its
 * own, so its quoted includes of "amd_iommu_types.h" and "amd_iommu.h" fall
 * back to this directory (-iquote).
 */
#ifndef PEER_AMD_V2_IOMMU_TYPES_H
#define PEER_AMD_V2_IOMMU_TYPES_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/sizes.h>
#include <linux/io-pgtable.h>

/* Address spaces and the page sizes of the v2 (guest) table */
#define IOMMU_IN_ADDR_BIT_SIZE	52
#define IOMMU_OUT_ADDR_BIT_SIZE	52
#define AMD_IOMMU_PGSIZES_V2	(PAGE_SIZE | (1ULL << 21) | (1ULL << 30))

#define PAGE_MODE_1_LEVEL	1
#define PAGE_MODE_2_LEVEL	2
#define PAGE_MODE_3_LEVEL	3
#define PAGE_MODE_4_LEVEL	4
#define PAGE_MODE_5_LEVEL	5

/* Index of @a in a table at level @x (0 the last), 9 bits per level above 4K */
#define PM_LEVEL_SHIFT(x)	(12 + ((x) * 9))
#define PM_LEVEL_INDEX(x, a)	(((a) >> PM_LEVEL_SHIFT((x))) & 0x1ffULL)
#define PM_ADDR_MASK		0x000ffffffffff000ULL
#define PAGE_SIZE_ALIGN(address, pagesize)	((address) & ~((pagesize) - 1))

#define IOMMU_PTE_PR		BIT_ULL(0)
#define IOMMU_PTE_PRESENT(pte)	((pte) & IOMMU_PTE_PR)

#define IOMMU_PROT_MASK		0x03
#define IOMMU_PROT_IR		0x01
#define IOMMU_PROT_IW		0x02

/* The driver's lock around its flushes: the differential test is single-threaded. */
typedef struct {
	int unused;
} spinlock_t;

#define spin_lock_irqsave(l, f)		((void)(l), (f) = 0)
#define spin_unlock_irqrestore(l, f)	((void)(l), (void)(f))

/* The v2 table's private data, after the io_pgtable head as in the driver. */
struct amd_io_pgtable {
	struct io_pgtable pgtbl;
	int mode;
	u64 *root;
	u64 *pgd;
};

/*
 * The driver's domain: the code finds it from the io_pgtable_cfg it was
 * given, so that cfg must be the one embedded here. @flushes counts
 * amd_iommu_domain_flush_pages() (the stub in peer_amd_v2.c).
 */
struct protection_domain {
	spinlock_t lock;
	struct amd_io_pgtable iop;
	u64 flushes, flushed_bytes;
};

#define io_pgtable_ops_to_data(x) \
	container_of(io_pgtable_ops_to_pgtable(x), struct amd_io_pgtable, pgtbl)
#define io_pgtable_ops_to_domain(x) \
	container_of(io_pgtable_ops_to_data(x), struct protection_domain, iop)
#define io_pgtable_cfg_to_data(x) \
	container_of((x), struct amd_io_pgtable, pgtbl.cfg)

/* try_cmpxchg64() and cmpxchg64(), full barriers as on x86 */
#define try_cmpxchg64(p, oldp, new) \
	__atomic_compare_exchange_n((p), (oldp), (u64)(new), false, __ATOMIC_SEQ_CST, \
				    __ATOMIC_SEQ_CST)
#define cmpxchg64(p, old, new) ({					\
	u64 _cx_seen = (old);						\
	__atomic_compare_exchange_n((p), &_cx_seen, (u64)(new), false,	\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);	\
	_cx_seen;							\
})

#endif
