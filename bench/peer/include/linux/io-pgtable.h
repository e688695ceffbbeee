/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Userspace stand-in for <linux/io-pgtable.h> (bench/peer).
 *
 * Declares the io-pgtable interface as far as io-pgtable-arm.c and
 * io-pgtable-dart.c of Linux 6.1 and of Linux 6.12 use it: the format
 * enumeration, the configuration they read and fill in, the ops table they
 * return, the TLB callbacks they call, and the per-format init_fns they
 * export. One header serves both versions: it holds the union of what they
 * use (6.12 adds the custom allocator hooks, the HD quirk, read_and_clear_dirty
 * and the init_fns capabilities; 6.1 leaves those zero and never reads them).
 * Register fields are plain bytes here (the kernel packs them into
 * bitfields); the values are the same. The registry (the format's init_fns
 * per version) is bench/peer/peer.c.
 */
#ifndef PEER_LINUX_IO_PGTABLE_H
#define PEER_LINUX_IO_PGTABLE_H

#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/iommu.h>

struct device;

enum io_pgtable_fmt {
	ARM_32_LPAE_S1,
	ARM_32_LPAE_S2,
	ARM_64_LPAE_S1,
	ARM_64_LPAE_S2,
	ARM_V7S,
	ARM_MALI_LPAE,
	AMD_IOMMU_V1,
	AMD_IOMMU_V2,
	APPLE_DART,
	APPLE_DART2,
	IO_PGTABLE_NUM_FMTS,
};

/* TLB maintenance the page-table code asks of the IOMMU driver. */
struct iommu_flush_ops {
	void (*tlb_flush_all)(void *cookie);
	void (*tlb_flush_walk)(unsigned long iova, size_t size, size_t granule, void *cookie);
	void (*tlb_add_page)(struct iommu_iotlb_gather *gather, unsigned long iova,
			     size_t granule, void *cookie);
};

/* Quirk bits (io_pgtable_cfg.quirks). */
#define IO_PGTABLE_QUIRK_ARM_NS			BIT(0)
#define IO_PGTABLE_QUIRK_NO_PERMS		BIT(1)
#define IO_PGTABLE_QUIRK_ARM_MTK_EXT		BIT(3)
#define IO_PGTABLE_QUIRK_ARM_MTK_TTBR_EXT	BIT(4)
#define IO_PGTABLE_QUIRK_ARM_TTBR1		BIT(5)
#define IO_PGTABLE_QUIRK_ARM_OUTER_WBWA		BIT(6)
#define IO_PGTABLE_QUIRK_ARM_HD			BIT(7)	/* 6.12: stage-1 dirty tracking (DBM) */

/* Stage-1 TCR fields. */
struct peer_arm_tcr {
	u8 ips, tg, sh, orgn, irgn, tsz;
};

/* Stage-2 VTCR fields. */
struct peer_arm_vtcr {
	u8 ps, tg, sh, orgn, irgn, sl, tsz;
};

/*
 * Input to a format's alloc(): quirks, pgsize_bitmap, ias, oas,
 * coherent_walk, tlb and iommu_dev (6.12: optionally alloc/free, the
 * driver's own table allocator, called with the cookie). Output: possibly
 * narrowed pgsize_bitmap, ias and oas, and the register values in the
 * format's member of the union.
 */
struct io_pgtable_cfg {
	unsigned long quirks;
	unsigned long pgsize_bitmap;
	unsigned int ias;
	unsigned int oas;
	bool coherent_walk;
	const struct iommu_flush_ops *tlb;
	struct device *iommu_dev;
	void *(*alloc)(void *cookie, size_t size, gfp_t gfp);
	void (*free)(void *cookie, void *pages, size_t size);

	union {
		struct {
			u64 ttbr;
			struct peer_arm_tcr tcr;
			u64 mair;
		} arm_lpae_s1_cfg;
		struct {
			u64 vttbr;
			struct peer_arm_vtcr vtcr;
		} arm_lpae_s2_cfg;
		/* ARMv7s (bench/peer/v7s): TTBR0, TTBCR, NMRR and PRRR */
		struct {
			u32 ttbr;
			u32 tcr;
			u32 nmrr;
			u32 prrr;
		} arm_v7s_cfg;
		struct {
			u64 transtab;
			u64 memattr;
		} arm_mali_lpae_cfg;
		struct {
			u64 ttbr[4];
			u32 n_ttbrs;
		} apple_dart_cfg;
		struct {
			int nid;
		} amd;
	};
};

/* What a format hands back: the driver calls through these. */
struct io_pgtable_ops {
	int (*map)(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr,
		   size_t size, int prot, gfp_t gfp);
	int (*map_pages)(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr,
			 size_t pgsize, size_t pgcount, int prot, gfp_t gfp, size_t *mapped);
	size_t (*unmap)(struct io_pgtable_ops *ops, unsigned long iova, size_t size,
			struct iommu_iotlb_gather *gather);
	size_t (*unmap_pages)(struct io_pgtable_ops *ops, unsigned long iova, size_t pgsize,
			      size_t pgcount, struct iommu_iotlb_gather *gather);
	phys_addr_t (*iova_to_phys)(struct io_pgtable_ops *ops, unsigned long iova);
	/* 6.12, ARM stage 1 with IO_PGTABLE_QUIRK_ARM_HD: report (and clean) dirty leaves. */
	int (*read_and_clear_dirty)(struct io_pgtable_ops *ops, unsigned long iova, size_t size,
				    unsigned long flags, struct iommu_dirty_bitmap *dirty);
};

/* The common head of every format's private table structure. */
struct io_pgtable {
	enum io_pgtable_fmt fmt;
	void *cookie;
	struct io_pgtable_cfg cfg;
	struct io_pgtable_ops ops;
};

#define io_pgtable_ops_to_pgtable(o)	container_of((o), struct io_pgtable, ops)

static inline void io_pgtable_tlb_flush_all(struct io_pgtable *iop)
{
	if (iop->cfg.tlb && iop->cfg.tlb->tlb_flush_all)
		iop->cfg.tlb->tlb_flush_all(iop->cookie);
}

static inline void io_pgtable_tlb_flush_walk(struct io_pgtable *iop, unsigned long iova,
					     size_t size, size_t granule)
{
	if (iop->cfg.tlb && iop->cfg.tlb->tlb_flush_walk)
		iop->cfg.tlb->tlb_flush_walk(iova, size, granule, iop->cookie);
}

static inline void io_pgtable_tlb_add_page(struct io_pgtable *iop,
					   struct iommu_iotlb_gather *gather,
					   unsigned long iova, size_t granule)
{
	if (iop->cfg.tlb && iop->cfg.tlb->tlb_add_page)
		iop->cfg.tlb->tlb_add_page(gather, iova, granule, iop->cookie);
}

/* io_pgtable_init_fns.caps (6.12): the format calls cfg->alloc/free when set. */
#define IO_PGTABLE_CAP_CUSTOM_ALLOCATOR	BIT(0)

/* Per-format constructor and destructor. */
struct io_pgtable_init_fns {
	struct io_pgtable *(*alloc)(struct io_pgtable_cfg *cfg, void *cookie);
	void (*free)(struct io_pgtable *iop);
	u32 caps;
};

/*
 * The formats' init_fns (io_pgtable_arm_64_lpae_s1_init_fns, ...) are defined
 * by the kernel files, renamed per version (bench/peer/peer_kern.h); the
 * registry reaches them through the per-version descriptors, so they are
 * not declared here.
 */

#endif
