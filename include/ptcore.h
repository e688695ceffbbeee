/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ptcore: an IOMMU page-table core.
 *
 * This header is the whole public ABI (version 1). Names, values and the
 * meaning of everything here are stable: the ABI only grows. It is
 * bindgen-clean: no unions, no bitfields, no inline or variadic functions,
 * macros only for integer constants, fixed-width integer types only.
 *
 * Errors are negative errno values with the Linux numbering.
 */
#ifndef PTCORE_H
#define PTCORE_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define PTCORE_ABI_VERSION 1

/**
 * enum ptcore_format - page-table formats
 * @PTCORE_FMT_ARM64_LPAE_S1: VMSAv8-64 stage 1 (ARM SMMU v2/v3 stage 1)
 * @PTCORE_FMT_ARM64_LPAE_S2: VMSAv8-64 stage 2
 * @PTCORE_FMT_APPLE_DART: Apple DART t8020/t8103 ("DART1")
 * @PTCORE_FMT_APPLE_DART2: Apple DART t6000/t8110/t602x ("DART2"). Both
 *	DARTs: two table levels below up to four TTBRs (as Linux 6.1), three
 *	where those do not reach ias (io-pgtable-dart's 4-level tables, the
 *	TTBRs counted as one level; the t8110 TCR four-level walk)
 * @PTCORE_FMT_AMDV1: AMD IOMMU v1 host table: 4K tables, every page size
 *	from 4K but 512G, levels fixed by ias (3..6 as Linux 6.12, also 1..2),
 *	DTE mode in &ptcore_hw_info.mode
 * @PTCORE_FMT_VTDSS: Intel VT-d second stage: 4K granule, 3, 4 or 5 levels
 *	(ias up to 39, 48, 57), leaves of 4K, 2M and 1G
 * @PTCORE_FMT_X86_64: x86-64 paging (AMD IOMMU v2, VT-d first stage): 4K
 *	granule, 4 or 5 levels (ias up to 48, 57), leaves of 4K, 2M and 1G
 * @PTCORE_FMT_RISCV64: RISC-V IOMMU first stage, Sv39/Sv48/Sv57: the smallest
 *	mode that covers ias (at most 38, 47, 56: the lower, not sign-extended
 *	half), hw_info.mode the iosatp MODE (8, 9, 10); 4K granule, leaves at
 *	every level (4K, 2M, 1G, 512G, 256T) below ias; oas 32..56. Leaves
 *	carry A, and D when writable (for an IOMMU without hardware A/D update).
 *	Svnapot 64K leaves (16 level-0 entries with N and the low PPN bits 1000b)
 *	only when &ptcore_cfg.pgsize_bitmap asks for 64K.
 * @PTCORE_FMT_ARM_V7S: ARM short descriptor (VMSAv7), as Linux 6.12's
 *	io-pgtable-arm-v7s: 32-bit entries, two levels (a 16 KiB first-level
 *	table of 4096 entries, 16K-aligned; second-level tables of 256 entries,
 *	each in a 4 KiB frame of its own), 4K granule, leaves of 4K, 64K (16
 *	replicated second-level entries), 1M and 16M (16 replicated first-level
 *	entries); ias and oas 1..32, every table below 4 GiB; pgsize_bitmap
 *	must hold 4K. Features: PTCORE_FEAT_ARM_NS, DMA_INCOHERENT and
 *	FREE_EMPTY_TABLES; the others -EOPNOTSUPP.
 *
 * ptcore_table_create() refuses an unknown format with -EINVAL.
 */
enum ptcore_format {
	PTCORE_FMT_ARM64_LPAE_S1 = 1,
	PTCORE_FMT_ARM64_LPAE_S2 = 2,
	PTCORE_FMT_APPLE_DART    = 3,
	PTCORE_FMT_APPLE_DART2   = 4,
	PTCORE_FMT_AMDV1         = 5,
	PTCORE_FMT_VTDSS         = 6,
	PTCORE_FMT_X86_64        = 7,
	PTCORE_FMT_RISCV64       = 8,
	PTCORE_FMT_ARM_V7S       = 9,
};

/* map() access flags: the same bit values as the kernel's IOMMU_* flags */
#define PTCORE_PROT_READ	0x01
#define PTCORE_PROT_WRITE	0x02
#define PTCORE_PROT_CACHE	0x04
#define PTCORE_PROT_NOEXEC	0x08
#define PTCORE_PROT_MMIO	0x10
#define PTCORE_PROT_PRIV	0x20

/* ptcore_cfg.features */
/* the walker does not snoop CPU caches: ops->sync_table after table writes */
#define PTCORE_FEAT_DMA_INCOHERENT	0x0001
/* unmap also frees the tables it leaves empty (the caller holds the whole table) */
#define PTCORE_FEAT_FREE_EMPTY_TABLES	0x0002
#define PTCORE_FEAT_DIRTY_TRACKING	0x0004	/* hardware dirty state */
/* ARM: NS / NSTABLE bits, as IO_PGTABLE_QUIRK_ARM_NS */
#define PTCORE_FEAT_ARM_NS		0x10000
#define PTCORE_FEAT_ARM_S2FWB		0x20000	/* ARM stage 2: FWB memory attributes */
/* ARM: the SMMU has break-before-make level 2: ptcore_cut() is hitless */
#define PTCORE_FEAT_ARM_BBML2		0x40000
/*
 * ARM, 4K and 16K granules: the FEAT_LPA2 descriptors (the driver sets
 * TCR.DS / VTCR.DS): ias and oas up to 52, OA[51:50] in bits 9:8 of every
 * entry, leaf shareability from TCR.SH0 (hw_info.arm_sh) instead of the
 * entry, 512G blocks at 4K level 0 and 64G blocks at 16K level 1; 4K with
 * ias above 48 walks 5 levels from level -1.
 */
#define PTCORE_FEAT_ARM_LPA2		0x80000

/* ptcore_read_and_clear_dirty() flags */
#define PTCORE_DIRTY_NO_CLEAR		0x1	/* report only; leave the dirty state as it is */

/* ptcore_gather.flags */
/* a table entry was removed: walk caches must be invalidated too */
#define PTCORE_GATHER_TABLES	0x1

/*
 * struct ptcore_table - a page table (opaque).
 * Created by ptcore_table_create(), freed by ptcore_table_destroy(). Its
 * layout, locks and format are private to ptcore.
 */
struct ptcore_table;

/**
 * struct ptcore_gather - what an unmap removed, to be flushed and freed
 * @start: first IOVA to invalidate; UINT64_MAX when nothing is gathered
 * @end: last IOVA to invalidate, inclusive; 0 when nothing is gathered
 * @pgsize: OR of the sizes of every leaf entry removed
 * @flags: PTCORE_GATHER_* bits
 * @nr_tables: table blocks waiting to be freed after the flush
 * @freelist: ptcore's own: the subtrees the unmaps removed, linked through
 *	metadata that ptcore keeps outside table memory; the caller only
 *	passes the gather back
 *
 * Owned by the caller (typically on its stack). Initialise it with
 * ptcore_gather_init(), pass it to any number of ptcore_unmap() calls on one
 * table, then hand it to ptcore_iotlb_sync() on the same table, which
 * flushes and only then frees the tables the unmaps removed. Each gather
 * holds its own tables: no unmap or sync ever flushes or frees another
 * gather's. ptcore knows a gather by its contents, so it may be copied or
 * moved between calls (the copy is then the gather; sync exactly one).
 * A gather that is dropped without a sync leaks the tables it holds:
 * ptcore_table_destroy() cannot find them.
 */
struct ptcore_gather {
	uint64_t start;
	uint64_t end;
	uint64_t pgsize;
	uint32_t flags;
	uint32_t nr_tables;
	void *freelist;
};

/**
 * struct ptcore_ops - callbacks from ptcore to its user
 * @alloc_table: return @size bytes of table memory, zeroed, aligned to @size,
 *	and store their physical (bus) address in *@phys; NULL when out of
 *	memory. Every table of one ptcore_table must satisfy
 *	(uintptr_t)va - phys == the same constant (a linear map). @gfp is the
 *	value the caller passed to ptcore_map_pages(), or 0 at creation; in
 *	the kernel a 0 arrives as GFP_KERNEL. Called in the context of the
 *	map (which may be atomic: then @gfp says so). PTCORE_FMT_ARM_V7S
 *	tables must lie below 4 GiB: ptcore gives a table above back through
 *	@free_table and fails as out of memory.
 * @free_table: give back a block from @alloc_table. Called from
 *	ptcore_iotlb_sync() (any context it is called in, hardirq and softirq
 *	included: it must not sleep), ptcore_map_pages() (a table it lost a
 *	race to install) and ptcore_table_destroy().
 *	@alloc_table and @free_table are both set, or both NULL for ptcore's
 *	built-in allocator.
 * @sync_table: PTCORE_FEAT_DMA_INCOHERENT only: make [va, va + len) of
 *	table memory visible to the walker. Required with that feature, may
 *	be NULL otherwise. Called in the context of the map or unmap.
 * @iotlb_flush: invalidate the IOTLB for [gather->start, gather->end], and
 *	the walk caches too when gather->flags has PTCORE_GATHER_TABLES.
 *	Complete before returning. Never called for an empty gather. Called
 *	from ptcore_iotlb_sync() and, for tables a map replaced by a leaf,
 *	from ptcore_map_pages(), in their context. May be NULL (nothing to
 *	invalidate).
 *
 * Every callback receives ptcore_cfg.cookie as @cookie. No callback runs
 * with a ptcore lock held. A callback may call ptcore for ranges of the same
 * table that the caller of the interrupted call does not hold (the contract
 * on ranges is the same as between threads), and ptcore_iova_to_phys().
 */
struct ptcore_ops {
	void *(*alloc_table)(void *cookie, size_t size, uint64_t *phys, uint32_t gfp);
	void (*free_table)(void *cookie, void *va, uint64_t phys, size_t size);
	void (*sync_table)(void *cookie, void *va, size_t len);
	void (*iotlb_flush)(void *cookie, const struct ptcore_gather *gather);
};

/**
 * struct ptcore_cfg - how to build a table
 * @format: enum ptcore_format
 * @features: PTCORE_FEAT_* bits
 * @pgsize_bitmap: leaf sizes allowed; 0 = every size the format has at this
 *	granule (ARM contiguous-hint sizes and RISC-V Svnapot 64K only when
 *	asked for explicitly).
 *	Sizes the format lacks are dropped; none left is -EINVAL.
 * @ias: input (IOVA) address bits
 * @oas: output (physical) address bits
 * @granule_lg2: 12, 14 or 16 where the format has a choice; 0 = format
 *	default (ARM: 12, DART: 14)
 * @reserved: must be zero
 * @ops: callbacks; may be NULL (built-in allocator, no flush callbacks)
 * @cookie: passed to every op
 */
struct ptcore_cfg {
	uint32_t format;
	uint32_t features;
	uint64_t pgsize_bitmap;
	uint8_t ias;
	uint8_t oas;
	uint8_t granule_lg2;
	uint8_t reserved[5];
	const struct ptcore_ops *ops;
	void *cookie;
};

/**
 * struct ptcore_hw_info - what the hardware needs to walk the table
 * @format: enum ptcore_format
 * @levels: levels a walk reads, root included (DART: TTBR selection not
 *	counted)
 * @pgsize_bitmap: leaf sizes ptcore_map_pages() accepts
 * @ias: input address bits
 * @oas: output address bits
 * @granule_lg2: log2 of the translation granule
 * @start_level: ARM numbering 0..3 of the root level, 0xff for level -1
 *	(PTCORE_FEAT_ARM_LPA2, 4K, ias above 48); 0 for DART, RISC-V and ARM
 *	v7s (the first level)
 * @n_roots: 1, or the number of DART TTBRs in use (1..4)
 * @root: physical address of each top-level table
 * @arm_tsz: ARM T0SZ / VTCR.T0SZ: 64 - ias
 * @arm_tg: ARM TG0 encoding: 4K = 0, 64K = 1, 16K = 2
 * @arm_sh: ARM SH0: 3 coherent walk, 2 DMA-incoherent. ARM v7s: TTBR0's
 *	S (bit 0 here, TTBR0 bit 1) and NOS (bit 1 here, TTBR0 bit 5): 3
 *	coherent walk, 1 DMA-incoherent
 * @arm_orgn: ARM ORGN0: 1 coherent walk, 0 DMA-incoherent. ARM v7s: the
 *	TTBR0.RGN value (TTBR0 bits 4:3), the same numbers (1 write-back
 *	write-allocate, 0 non-cacheable)
 * @arm_irgn: ARM IRGN0: 1 coherent walk, 0 DMA-incoherent. ARM v7s: the
 *	inner region value, 1 or 0 as @arm_orgn, which TTBR0 holds with its
 *	bit 0 in TTBR0 bit 6 and its bit 1 in TTBR0 bit 0.
 *	So Linux's arm_v7s_cfg.ttbr is the first @root | (arm_sh & 1) << 1 |
 *	(arm_sh & 2) << 4 | arm_orgn << 3 | (arm_irgn & 1) << 6 |
 *	(arm_irgn & 2) >> 1
 * @arm_ps: ARM IPS / PS encoding of oas
 * @arm_sl: ARM stage 2 VTCR.SL0 field value (0 at stage 1)
 * @arm_reserved: zero
 * @arm_mair: ARM stage 1 MAIR value (0 at stage 2). ARM v7s: the TEX-remap
 *	registers, (u64)NMRR << 32 | PRRR, with Linux's values
 *	(0x40004000800b8204: index 1 device, 4 normal non-cacheable, 7 normal
 *	write-back write-allocate inner shareable); TTBCR is 0 (@arm_tsz 0)
 * @mode: AMDv1 DTE mode (= @levels: 1..6, from ias), x86-64 levels (4 or 5),
 *	VT-d AW (levels - 2: 1, 2 or 3), RISC-V iosatp mode (0 for ARM and DART)
 * @reserved: zero
 *
 * Fields that do not apply to the format are zero.
 */
struct ptcore_hw_info {
	uint32_t format;
	uint32_t levels;
	uint64_t pgsize_bitmap;
	uint8_t ias, oas, granule_lg2, start_level;
	uint32_t n_roots;
	uint64_t root[4];
	uint8_t arm_tsz, arm_tg, arm_sh, arm_orgn, arm_irgn, arm_ps, arm_sl, arm_reserved;
	uint64_t arm_mair;
	uint32_t mode;
	uint32_t reserved;
};

/**
 * ptcore_table_create() - create an empty page table
 * @cfg: the configuration; read during the call only
 * @out: where to store the new table
 *
 * Validates the whole configuration, then allocates the top-level table(s)
 * and nothing else. ARM geometry is the one Linux io-pgtable-arm computes
 * (including 6.1's concatenated stage-2 roots); DART the one of
 * io-pgtable-dart, plus a three-level geometry for ias above what two
 * levels and four TTBRs cover.
 *
 * Context: process context; may sleep (allocates with GFP_KERNEL).
 * Return: 0 and *@out set; -EINVAL for an unknown or reserved format, an
 * unknown feature bit, an ias/oas/granule the format cannot do, a
 * pgsize_bitmap with no size of this granule, a non-zero reserved byte,
 * only one of alloc_table/free_table, or PTCORE_FEAT_DMA_INCOHERENT without
 * ops->sync_table; -EOPNOTSUPP for a feature the format
 * (or this version) lacks; -ENOMEM when out of memory. On error nothing is
 * allocated and *@out is not written.
 */
int ptcore_table_create(const struct ptcore_cfg *cfg, struct ptcore_table **out);

/**
 * ptcore_table_destroy() - free a table and every table below it
 * @t: the table, or NULL (no-op)
 *
 * The caller has already detached the table from the hardware and flushed.
 * Tables that maps replaced by leaves are freed too; tables on gathers that
 * were never synced are not (sync every gather first).
 *
 * Context: process context; may sleep between frees. No other call on @t
 * may run concurrently.
 */
void ptcore_table_destroy(struct ptcore_table *t);

/**
 * ptcore_hw_info() - describe the table for the hardware
 * @t: the table
 * @info: filled in completely (fields that do not apply are zero)
 *
 * Context: any; lock-free.
 * Return: 0.
 */
int ptcore_hw_info(const struct ptcore_table *t, struct ptcore_hw_info *info);

/**
 * ptcore_map_pages() - map consecutive pages of one size
 * @t: the table
 * @iova: first IOVA, aligned to @pgsize
 * @paddr: first physical address, aligned to @pgsize
 * @pgsize: leaf size, one of hw_info.pgsize_bitmap
 * @pgcount: number of leaves, at least 1
 * @prot: PTCORE_PROT_* bits, READ or WRITE at least
 * @gfp: allocation flags for new tables (kernel gfp_t; 0 = GFP_KERNEL;
 *	ignored in userspace)
 * @mapped: if not NULL, always set to the bytes this call mapped
 *
 * Installs exactly @pgcount leaves of @pgsize at @iova -> @paddr. Leaves
 * already present are never overwritten. A table that holds no leaf may be
 * replaced by a larger leaf: then ops->iotlb_flush is called for its span
 * (with PTCORE_GATHER_TABLES) before returning. Its memory stays allocated
 * (a lookup that raced the map may still read it) until the unmap that
 * removes that leaf, or a table above it, is synced, or until
 * ptcore_table_destroy().
 *
 * Context: any, hardirq and softirq included when @gfp does not sleep.
 * Concurrent with maps and unmaps of other ranges and with iova_to_phys;
 * the caller holds its range exclusively (overlapping maps at once are a
 * caller bug that ptcore does not defend against). Never frees table
 * memory but a table it lost a race to install, which nobody saw.
 * Return: 0 when all of it was mapped; -EINVAL for a @pgsize not in the
 * bitmap, @pgcount 0, @iova or @paddr not aligned to @pgsize, or @prot with
 * neither READ nor WRITE; -EOVERFLOW when the IOVA or physical range wraps;
 * -ERANGE when it exceeds ias or oas (all checked before anything is
 * written); -EADDRINUSE when part of the range is already mapped;
 * -ENOMEM when a table could not be allocated. After -EADDRINUSE or -ENOMEM
 * the first *@mapped bytes stay mapped.
 */
int ptcore_map_pages(struct ptcore_table *t, uint64_t iova, uint64_t paddr,
		     uint64_t pgsize, uint64_t pgcount, uint32_t prot, uint32_t gfp,
		     uint64_t *mapped);

/**
 * ptcore_unmap() - remove the mappings in a range
 * @t: the table
 * @iova: first IOVA of the range
 * @len: length of the range in bytes
 * @gather: receives what must be flushed and the tables to free after it
 * @unmapped: if not NULL, always set to the bytes of mappings removed
 *
 * One descent removes every leaf in [@iova, @iova + @len) and every table
 * whose whole span lies in the range, provided every leaf below it is
 * present. A leaf is never split: one that starts inside the range and ends
 * past it is removed, counted and gathered whole. Removed tables go on
 * @gather and are freed by ptcore_iotlb_sync() after the flush, never
 * before. Tables only partly covered stay, even when empty, unless the
 * table has PTCORE_FEAT_FREE_EMPTY_TABLES: then every table below the top
 * that the unmap leaves with no valid entry goes on @gather too (with
 * PTCORE_GATHER_TABLES, counted in nr_tables, its span gathered). Never
 * allocates memory, takes no lock that other unmaps share (only, while
 * some table replaced by a map is still parked, the handle's irq-safe
 * lock for a moment), and never flushes.
 *
 * Context: any, hardirq and softirq included. Concurrent with maps, unmaps
 * and lookups of other ranges, each unmap with its own gather; the caller
 * holds the range exclusively (with PTCORE_FEAT_FREE_EMPTY_TABLES, the
 * whole table: such an unmap may free tables beyond its range).
 * Return: 0 when everything in the range was removed; -EINVAL for @len 0,
 * when @iova lies inside a leaf (not at its first byte; nothing removed),
 * or at the first IOVA of the range that is not mapped (everything before
 * it removed and gathered, nothing after it touched); -EOVERFLOW when the
 * range wraps; -ERANGE when it exceeds ias. On argument errors nothing
 * changes and @gather is untouched; so too (and ptcore logs the misuse)
 * when @gather holds tables of another table handle.
 */
int ptcore_unmap(struct ptcore_table *t, uint64_t iova, uint64_t len,
		 struct ptcore_gather *gather, uint64_t *unmapped);

/**
 * ptcore_unmap_pages() - kernel-style unmap
 * @t: the table
 * @iova: first IOVA
 * @pgsize: size of one page
 * @pgcount: number of pages
 * @gather: as for ptcore_unmap()
 *
 * ptcore_unmap(@t, @iova, @pgsize * @pgcount, @gather, &unmapped).
 *
 * Context: as ptcore_unmap().
 * Return: the bytes unmapped; 0 on invalid arguments or when the product
 * overflows.
 */
uint64_t ptcore_unmap_pages(struct ptcore_table *t, uint64_t iova, uint64_t pgsize,
			    uint64_t pgcount, struct ptcore_gather *gather);

/**
 * ptcore_iova_to_phys() - translate one IOVA
 * @t: the table
 * @iova: the address to translate
 * @phys: receives the physical address, offset inside the leaf included
 *
 * Context: any; lock-free. Safe concurrently with maps of any range (even
 * one that replaces a table this walk is reading) and with unmaps of other
 * ranges. The range must not be unmapped concurrently.
 * Return: 0 and *@phys set; -ENOENT when not mapped; -ERANGE beyond ias.
 */
int ptcore_iova_to_phys(const struct ptcore_table *t, uint64_t iova, uint64_t *phys);

/**
 * ptcore_gather_init() - make a gather empty
 * @gather: the gather
 *
 * start = UINT64_MAX, end = 0, everything else 0.
 *
 * Context: any.
 */
void ptcore_gather_init(struct ptcore_gather *gather);

/**
 * ptcore_iotlb_sync() - flush, then free what the gather holds
 * @t: the table the gather was used with
 * @gather: the gather; re-initialised on return
 *
 * If the gather is not empty, calls ops->iotlb_flush once, then frees every
 * table queued on it (and only those). A gather holding tables of another
 * handle is refused (ptcore logs the misuse): nothing is flushed or freed.
 *
 * Context: any, hardirq and softirq included (ops->free_table then runs
 * there too); lock-free. The caller holds the gathered ranges exclusively.
 */
void ptcore_iotlb_sync(struct ptcore_table *t, struct ptcore_gather *gather);

/* ---- Additions to ABI v1 (the ABI only grows) ---- */

/**
 * ptcore_gather_leaf_size() - one leaf size for a gather
 * @gather: a gather
 *
 * The smallest leaf size among those the gather's unmaps removed (the
 * lowest bit of @gather->pgsize): a single-size view for drivers whose
 * invalidation takes one size (the SMMUv3 TTL and range hints). Always a
 * safe choice, as every removed leaf is a multiple of it.
 *
 * Context: any.
 * Return: that size, or 0 when the gather holds no leaf.
 */
uint64_t ptcore_gather_leaf_size(const struct ptcore_gather *gather);

/**
 * struct ptcore_mem_stats - counters of ptcore's built-in table allocator
 * @tables_live: blocks allocated and not yet freed
 * @bytes_live: bytes allocated and not yet freed
 * @allocs: blocks allocated since start
 * @frees: blocks freed since start
 */
struct ptcore_mem_stats {
	uint64_t tables_live;
	uint64_t bytes_live;
	uint64_t allocs;
	uint64_t frees;
};

/**
 * ptcore_mem_stats() - read the built-in allocator's counters
 * @stats: filled in
 *
 * Counts every block of the built-in allocator, whether it was reached
 * through cfg.ops == NULL or through ptcore_builtin_alloc_table(). Tests use
 * it to prove that nothing leaks.
 *
 * Context: any.
 */
void ptcore_mem_stats(struct ptcore_mem_stats *stats);

/**
 * ptcore_builtin_alloc_table() - the built-in table allocator
 * @cookie: ignored
 * @size: bytes, a power of two from 8 up to 1 MiB
 * @phys: receives the physical address
 * @gfp: as for ptcore_ops.alloc_table
 *
 * Has the signature of ptcore_ops.alloc_table so that a user's ops can wrap
 * it (to count, or to inject failures). In userspace the memory comes from
 * an arena whose physical addresses lie below 4 GiB (they fit every
 * format's oas) with va - phys constant.
 *
 * Context: may sleep when @gfp allows.
 * Return: zeroed memory aligned to @size, or NULL.
 */
void *ptcore_builtin_alloc_table(void *cookie, size_t size, uint64_t *phys, uint32_t gfp);

/**
 * ptcore_builtin_free_table() - free a block of ptcore_builtin_alloc_table()
 * @cookie: ignored
 * @va: the block
 * @phys: its physical address
 * @size: its size
 *
 * Context: any.
 */
void ptcore_builtin_free_table(void *cookie, void *va, uint64_t phys, size_t size);

/**
 * ptcore_phys_to_virt() - CPU address of table memory
 * @t: the table
 * @phys: physical address of a table of @t (from hw_info.root or a table
 *	entry)
 *
 * Lets tools and hardware models read raw table memory.
 *
 * Context: any.
 * Return: the CPU address (va - phys is constant for one table).
 */
void *ptcore_phys_to_virt(const struct ptcore_table *t, uint64_t phys);

/**
 * struct ptcore_range - one run of output addresses
 * @iova: first IOVA of the run
 * @paddr: physical address @iova translates to
 * @size: bytes; the run is contiguous in IOVA and in physical address
 *
 * See ptcore_unmap_collect().
 */
struct ptcore_range {
	uint64_t iova;
	uint64_t paddr;
	uint64_t size;
};

/*
 * ptcore_range_fn - receives @n runs at a time; it cannot fail and cannot
 * stop the walk. @arg is the caller's.
 */
typedef void (*ptcore_range_fn)(void *arg, const struct ptcore_range *runs, uint32_t n);

/**
 * ptcore_map_range() - map a range with the best mix of page sizes
 * @t: the table
 * @iova: first IOVA, aligned to the smallest page size
 * @paddr: first physical address, aligned to the smallest page size
 * @len: bytes, a multiple of the smallest page size
 * @prot: PTCORE_PROT_* bits, READ or WRITE at least
 * @gfp: as for ptcore_map_pages()
 * @mapped: if not NULL, always set to the bytes this call mapped
 *
 * Maps [@iova, @iova + @len) to [@paddr, @paddr + @len), choosing at each
 * position the largest size of hw_info.pgsize_bitmap that both addresses
 * are aligned to and that fits in what is left, exactly as Linux's
 * iommu_pgsize() and __iommu_map() split a range into map_pages() calls
 * (ARM contiguous-hint sizes count when they are in the bitmap). One
 * descent for the whole range: the walk keeps its position from one size
 * to the next. The tables it leaves are bit-identical to those that
 * sequence of ptcore_map_pages() calls leaves, and so is everything else:
 * replaced empty tables, flushes, errors.
 *
 * Context: as ptcore_map_pages().
 * Return: 0 when all of it was mapped; -EINVAL for @len 0, @iova, @paddr or
 * @len not aligned to the smallest page size, or @prot with neither READ
 * nor WRITE; -EOVERFLOW when the IOVA or physical range wraps; -ERANGE when
 * it exceeds ias or oas (all checked before anything is written);
 * -EADDRINUSE or -ENOMEM as ptcore_map_pages(), with the first *@mapped
 * bytes mapped.
 */
int ptcore_map_range(struct ptcore_table *t, uint64_t iova, uint64_t paddr, uint64_t len,
		     uint32_t prot, uint32_t gfp, uint64_t *mapped);

/**
 * ptcore_cut() - make an IOVA the boundary of a leaf
 * @t: the table
 * @iova: where no leaf may span after the call; aligned to the smallest
 *	page size
 * @gfp: allocation flags for the new tables (as for ptcore_map_pages())
 * @gather: receives the replaced leaf's whole span and size
 *
 * After a return of 0, no leaf spans @iova: a leaf (or ARM contiguous run)
 * that holds @iova but does not start there is replaced by a table of
 * smaller leaves with the same output addresses and permissions, down to
 * the size the cut needs; each side keeps the largest sizes its alignment
 * allows, as ptcore_map_range() would choose them. Every other entry stays
 * as it is, and an @iova that is already a boundary (nothing mapped there,
 * or the first byte of a leaf) changes nothing. Translations never change.
 * With PTCORE_FEAT_ARM_BBML2, and always on VT-d and x86-64, the new entries
 * replace the old in place (the new tables are complete before they are
 * linked): a device never faults.
 * Without it the ARM architecture needs break-before-make: the old entries
 * are cleared, ops->iotlb_flush is called for the old leaf's span, then the
 * new ones are written, and a device access in between faults. A RISC-V
 * Svnapot 64K leaf is cut that way too (the Svnapot chapter asks software to
 * invalidate NAPOT entries before it changes them). The gather
 * receives the old leaf's span and size, for the stale large TLB entry;
 * no table memory is freed. Afterwards ptcore_unmap() of a range between
 * two cut points succeeds even inside what was one large page.
 *
 * Context: as ptcore_map_pages(); the caller holds the old leaf's whole
 * span exclusively.
 * Return: 0; -EINVAL for @iova not aligned to the smallest page size;
 * -ERANGE beyond ias; -ENOMEM when a table could not be allocated
 * (nothing changed).
 */
int ptcore_cut(struct ptcore_table *t, uint64_t iova, uint32_t gfp, struct ptcore_gather *gather);

/**
 * ptcore_unmap_collect() - unmap, and say what was removed
 * @t: the table
 * @iova: first IOVA of the range
 * @len: length of the range in bytes
 * @gather: as for ptcore_unmap()
 * @unmapped: if not NULL, always set to the bytes of mappings removed
 * @removed: receives the removed leaves, or NULL
 * @arg: passed to @removed
 *
 * Exactly ptcore_unmap(), and in addition @removed receives every removed
 * leaf's IOVA, physical address and size, in IOVA order, coalesced into
 * maximal runs that are contiguous in both IOVA and physical address (a
 * driver or iommufd can unpin the pages without a lookup per page). Leaves
 * removed with a wholly covered table are reported too. The runs arrive in
 * batches from a buffer on ptcore's stack, during the call; the sizes add
 * up to *@unmapped.
 *
 * Context: as ptcore_unmap(); @removed runs in it and must not call
 * ptcore for @t.
 * Return: as ptcore_unmap().
 */
int ptcore_unmap_collect(struct ptcore_table *t, uint64_t iova, uint64_t len,
			 struct ptcore_gather *gather, uint64_t *unmapped,
			 ptcore_range_fn removed, void *arg);

/**
 * ptcore_read_and_clear_dirty() - report the leaves a device wrote, and make them clean
 * @t: the table (created with PTCORE_FEAT_DIRTY_TRACKING)
 * @iova: first IOVA of the range
 * @len: length of the range in bytes (any alignment)
 * @flags: 0 or PTCORE_DIRTY_NO_CLEAR
 * @gather: receives the span and size of every leaf made clean; may be NULL
 *	with PTCORE_DIRTY_NO_CLEAR
 * @dirty: receives the dirty leaves, or NULL (only clear)
 * @arg: passed to @dirty
 *
 * For every leaf that overlaps [@iova, @iova + @len) and whose hardware
 * dirty state is set, @dirty receives the whole leaf's IOVA, physical
 * address and size, in IOVA order, coalesced into runs contiguous in both
 * (from a buffer on ptcore's stack, during the call). Unless
 * PTCORE_DIRTY_NO_CLEAR, each such leaf is made writable-clean again and
 * added to @gather: sync it before trusting the dirty state read next time,
 * as the IOTLB may still hold the entry as dirty. Holes are skipped, not
 * errors. An ARM contiguous run, an AMD v1 sized page and a RISC-V Svnapot
 * 64K leaf are one leaf, dirty when any of their entries is.
 *
 * The dirty state: ARM stage 1 as Linux 6.12's io-pgtable-arm with
 * IO_PGTABLE_QUIRK_ARM_HD (writable leaves have DBM, bit 51, and AP2, bit
 * 7, clear: dirty; clean sets AP2 and a device write clears it again); ARM
 * stage 2 DBM with the S2AP write bit, bit 7 (set: dirty); RISC-V the D
 * bit of a writable leaf (clean clears it; an IOMMU with hardware A/D update
 * sets it again). A new writable mapping starts dirty; read-only leaves have
 * no dirty state. x86-64: the D bit, bit 6, of a writable leaf; leaves are
 * written with D set (as Linux 6.12's AMD v2 table), so a new writable
 * mapping starts dirty too. VT-d second stage: the D bit, bit 9, that the
 * walker sets with SSADE; a new mapping starts clean.
 *
 * Context: any; the range must not be unmapped meanwhile (maps, lookups
 * and unmaps of other ranges may run); @dirty must not call ptcore for @t.
 * Return: 0; -EOPNOTSUPP if @t was created without dirty tracking; -EINVAL
 * for @len 0, unknown @flags, no @gather without PTCORE_DIRTY_NO_CLEAR or a
 * gather of another table; -EOVERFLOW if the range wraps; -ERANGE beyond
 * ias. Nothing is changed on an error.
 */
int ptcore_read_and_clear_dirty(struct ptcore_table *t, uint64_t iova, uint64_t len, uint32_t flags,
				struct ptcore_gather *gather, ptcore_range_fn dirty, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* PTCORE_H */
