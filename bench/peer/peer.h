/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * peer: Linux's io-pgtable-arm.c and io-pgtable-dart.c of two versions, 6.1
 * and 6.12, built in userspace against the stand-in headers in
 * bench/peer/include and linked side by side into one binary, behind a
 * small C API that speaks ptcore's vocabulary (format numbers, prot bits,
 * errno values). Each instance is one version's. The kernel sources are
 * extracted at build time from Debian's linux-source-6.1 and
 * linux-source-6.12 and never stored in this repository.
 *
 * Table memory comes from ptcore's built-in allocator
 * (ptcore_builtin_alloc_table), so both implementations pay the same for it
 * and ptcore_mem_stats() counts the peer's tables too.
 */
#ifndef PEER_H
#define PEER_H

#include <stddef.h>
#include <stdint.h>

struct peer;

/**
 * struct peer_info - what io-pgtable reported for a table
 * @format: ptcore format number (PTCORE_FMT_*)
 * @pgsize_bitmap: io_pgtable_cfg.pgsize_bitmap after alloc (what map accepts)
 * @ias: io_pgtable_cfg.ias after alloc
 * @oas: io_pgtable_cfg.oas after alloc
 * @granule_lg2: log2 of the translation granule
 * @start_level: ARM: level of the root table (ARM numbering); DART: 0
 * @levels: ARM: 4 - start_level; DART: 2 (TTBR selection not counted)
 * @root_entries: entries of one root table (ARM: 2^pgd_bits, concatenation
 *	included; DART: one granule)
 * @n_roots: ARM 1; DART io_pgtable_cfg.apple_dart_cfg.n_ttbrs
 * @root: ARM TTBR / VTTBR; DART ttbr[0..n_roots-1]
 * @tsz: ARM TCR.T0SZ / VTCR.T0SZ
 * @tg: ARM TG0 encoding
 * @sh: ARM SH0
 * @orgn: ARM ORGN0
 * @irgn: ARM IRGN0
 * @ps: ARM TCR.IPS / VTCR.PS
 * @sl: ARM stage 2 VTCR.SL0 (0 at stage 1)
 * @mair: ARM stage 1 MAIR (0 at stage 2)
 */
struct peer_info {
	uint32_t format;
	uint64_t pgsize_bitmap;
	uint32_t ias, oas, granule_lg2;
	uint32_t start_level, levels, root_entries;
	uint32_t n_roots;
	uint64_t root[4];
	uint8_t tsz, tg, sh, orgn, irgn, ps, sl;
	uint64_t mair;
};

/* Counters of callbacks and events, since peer_create(). */
struct peer_stats {
	uint64_t tlb_add_page;		/* iommu_flush_ops.tlb_add_page calls */
	uint64_t tlb_flush_walk;	/* iommu_flush_ops.tlb_flush_walk calls */
	uint64_t tlb_flush_all;		/* iommu_flush_ops.tlb_flush_all calls */
	uint64_t iotlb_sync;		/* peer_iotlb_sync() calls with a non-empty gather */
};

/* The kernel versions linked in. */
enum peer_version {
	PEER_6_1,
	PEER_6_12,
	PEER_NR_VERSIONS,
};

/* "6.1", "6.12"; NULL for a version that is not linked in. */
const char *peer_version_name(enum peer_version v);

/* peer_create_version() flags */
#define PEER_ARM_NS	0x1	/* IO_PGTABLE_QUIRK_ARM_NS */
#define PEER_INCOHERENT	0x2	/* io_pgtable_cfg.coherent_walk = false */
#define PEER_ARM_HD	0x4	/* IO_PGTABLE_QUIRK_ARM_HD: 6.12 ARM stage 1 only (6.1 refuses) */
#define PEER_LAZY	0x8	/* every gather of the instance is queued, see below */

/**
 * peer_create_version() - an io-pgtable instance of one kernel version
 * @v: PEER_6_1 or PEER_6_12
 * @format, @granule_lg2, @ias, @oas: as for peer_create()
 * @flags: PEER_ARM_NS, PEER_INCOHERENT, PEER_ARM_HD, PEER_LAZY
 *
 * PEER_LAZY: the gathers the instance unmaps into (its own and those of
 * peer_gather_alloc() used with it) are queued (iommu_iotlb_gather.queued),
 * as the DMA API's gathers are in its default DMA-FQ ("lazy") mode, where a
 * flush queue invalidates later: io-pgtable then makes no tlb_add_page call
 * per page (iommu_iotlb_gather_queued()), and a sync has nothing to flush.
 * Without it the gather is strict (the DMA API's strict mode): one
 * tlb_add_page per unmapped page, and a sync flushes the gathered range.
 *
 * Return: the instance, or NULL when io-pgtable refuses the configuration.
 */
struct peer *peer_create_version(enum peer_version v, uint32_t format, unsigned int granule_lg2,
				 unsigned int ias, unsigned int oas, uint32_t flags);

/**
 * peer_create() - an io-pgtable instance of Linux 6.1, strict gather
 * @format: PTCORE_FMT_ARM64_LPAE_S1, _S2, PTCORE_FMT_APPLE_DART or _DART2
 * @granule_lg2: 12, 14 or 16 (0: 12 for ARM, 14 for DART)
 * @ias: input address bits
 * @oas: output address bits
 * @ns_quirk: IO_PGTABLE_QUIRK_ARM_NS
 * @coherent: io_pgtable_cfg.coherent_walk
 *
 * ARM gets every leaf size of the granule (as arm-smmu does); DART exactly
 * the granule (as apple-dart does).
 *
 * Return: the instance, or NULL when io-pgtable refuses the configuration.
 */
struct peer *peer_create(uint32_t format, unsigned int granule_lg2, unsigned int ias,
			 unsigned int oas, int ns_quirk, int coherent);
void peer_destroy(struct peer *p);

/**
 * peer_map() - map as the IOMMU core's iommu_map() does
 *
 * Calls ops->map_pages until all @pgcount pages are mapped (io-pgtable maps
 * at most up to the end of one table per call).
 *
 * Return: 0, or a negative errno from io-pgtable (-EEXIST over a present
 * leaf). *@mapped (if not NULL) = bytes mapped.
 */
int peer_map(struct peer *p, uint64_t iova, uint64_t pa, uint64_t pgsize,
	     uint64_t pgcount, uint32_t prot, uint64_t *mapped);

/**
 * peer_unmap() - unmap as the IOMMU core's iommu_unmap() does
 *
 * Calls ops->unmap_pages until @pgsize * @pgcount bytes are unmapped or a
 * call unmaps nothing. Leaves are gathered into the instance's gather
 * (tlb_add_page) until peer_iotlb_sync().
 *
 * Return: bytes unmapped.
 */
uint64_t peer_unmap(struct peer *p, uint64_t iova, uint64_t pgsize, uint64_t pgcount);

/* The driver's iotlb_sync: "flush" the gathered range and empty the gather. */
void peer_iotlb_sync(struct peer *p);

/* The gathered range: 0 and [*start, *end] when not empty, -1 when empty. */
int peer_gather_range(const struct peer *p, uint64_t *start, uint64_t *end);

/* peer_read_and_clear_dirty() flags */
#define PEER_DIRTY_NO_CLEAR	0x1	/* IOMMU_DIRTY_NO_CLEAR */

/* Receives one span that io-pgtable recorded dirty (iommu_dirty_bitmap_record()). */
typedef void peer_dirty_fn(void *arg, uint64_t iova, uint64_t size);

/**
 * peer_read_and_clear_dirty() - ops->read_and_clear_dirty, as iommufd calls it
 * @p: a 6.12 ARM stage 1 instance created with PEER_ARM_HD
 * @iova, @size: the range to walk
 * @flags: PEER_DIRTY_NO_CLEAR or 0
 * @record: called for every span io-pgtable records (one leaf each, in the
 *	order of its walk, not coalesced), may be NULL
 * @arg: for @record
 *
 * The spans also widen the instance's gather (peer_gather_range(),
 * peer_iotlb_sync()), as the kernel's dirty bitmap widens the driver's.
 *
 * Return: io-pgtable's return value (0, or -EINVAL: not stage 1, size 0,
 * beyond ias, or a walk that met an entry it did not expect), or
 * -EOPNOTSUPP when the version has no read_and_clear_dirty (6.1).
 */
int peer_read_and_clear_dirty(struct peer *p, uint64_t iova, uint64_t size, uint32_t flags,
			      peer_dirty_fn *record, void *arg);

/* The version and flags the instance was created with. */
enum peer_version peer_version_of(const struct peer *p);
uint32_t peer_flags_of(const struct peer *p);

/* ops->iova_to_phys(): 0 when not mapped (io-pgtable's convention). */
uint64_t peer_iova_to_phys(struct peer *p, uint64_t iova);

void peer_info(const struct peer *p, struct peer_info *info);
void peer_stats(const struct peer *p, struct peer_stats *stats);

/*
 * Gathers of the caller's own, for unmaps that run on several threads at once
 * (as the DMA API's: every unmap call with its own gather and sync). The
 * instance's built-in gather (peer_unmap/peer_iotlb_sync) is for one thread.
 */
struct peer_gather;

/* A new, empty gather (on its own cache line); NULL when out of memory. */
struct peer_gather *peer_gather_alloc(void);
void peer_gather_free(struct peer_gather *g);

/* peer_unmap() into @g instead of the instance's gather. */
uint64_t peer_unmap_gather(struct peer *p, struct peer_gather *g, uint64_t iova,
			   uint64_t pgsize, uint64_t pgcount);

/* peer_iotlb_sync() of @g. */
void peer_iotlb_sync_gather(struct peer *p, struct peer_gather *g);

/*
 * From now on the callbacks of @p count into the calling thread's counters
 * (peer_thread_stats) instead of the instance's, so that threads unmapping
 * at once share no written cache line through the counters. Call before the
 * threads start.
 */
void peer_set_thread_stats(struct peer *p);

/* The calling thread's counters, summed over every instance it used in that mode. */
void peer_thread_stats(struct peer_stats *stats);

/*
 * Table pages of the peer that the calling thread allocates or frees from
 * now on go through @alloc / @free_fn (ptcore_ops.alloc_table/free_table
 * signatures, called with a NULL cookie) instead of straight to ptcore's
 * built-in allocator; NULL, NULL switches back. The blocks must still come
 * from the built-in allocator's arena (one linear map for __pa/__va), as
 * blocks cached from it do.
 */
typedef void *peer_alloc_fn(void *cookie, size_t size, uint64_t *phys, uint32_t gfp);
typedef void peer_free_fn(void *cookie, void *va, uint64_t phys, size_t size);
void peer_thread_page_allocator(peer_alloc_fn *alloc, peer_free_fn *free_fn);

/* CPU address of a table of the peer, from a root or a table entry's address. */
void *peer_phys_to_virt(const struct peer *p, uint64_t pa);

/* WARN_ON()s io-pgtable fired since start; @verbose prints each one to stderr. */
unsigned long peer_warnings(void);
void peer_set_verbose_warnings(int verbose);

#endif
