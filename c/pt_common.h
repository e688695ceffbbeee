/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Format-independent state of a ptcore table and small helpers.
 *
 * Conventions in the core:
 *   t       the table handle (struct ptcore_table)
 *   level   internal level: 0 holds the smallest pages, geom.top_level is the
 *           top table. Item size at a level is item_lg2(t, level).
 *   pte     one 64-bit table entry; ptep points at one in table memory
 *   table   CPU address of a table's first entry
 *   iova    input address; end is exclusive (ias <= 52 so it never wraps)
 */
#ifndef PTCORE_PT_COMMON_H
#define PTCORE_PT_COMMON_H

#include "os/os.h"

#define PT_MAX_LEVELS		6
#define PT_MIN_TABLE_BYTES	64
/* Every table below the top is this big at least; each has a struct pt_meta. */
#define PT_META_MIN_BYTES	4096
#define PT_MAX_ROOTS		4	/* DART: up to four TTBRs */
#define PT_LEAF_LEVELS		3	/* levels that can hold leaves (ARM 4K: 4K, 2M, 1G) */
#define PT_PROT_ALL		0x3f	/* every PTCORE_PROT_* bit */

#define PT_BIT(n)		(1ULL << (n))
#define PT_GENMASK(h, l)	((~0ULL >> (63 - (h))) & (~0ULL << (l)))

struct ptcore_table;
struct pt_collect;

/**
 * struct pt_fmt_ops - one format's instantiated algorithms
 * @map: ptcore_map_pages() after its argument checks
 * @map_range: ptcore_map_range() after its argument checks
 * @unmap: ptcore_unmap() of [iova, end) after its argument checks
 * @unmap_ext: the same with the extras: report the removed leaves to @c
 *	(unless NULL), free the tables left empty (PTCORE_FEAT_FREE_EMPTY_TABLES)
 * @cut: ptcore_cut() after its argument checks
 * @iova_to_phys: ptcore_iova_to_phys() after its argument check
 * @read_and_clear_dirty: ptcore_read_and_clear_dirty() of [iova, end) after
 *	its argument checks; @clear unless PTCORE_DIRTY_NO_CLEAR, @c unless
 *	the caller passed no callback
 * @free_subtree: free @table (at @level) and every table below it
 *
 * The only indirect calls in ptcore: one per API call, never per entry.
 */
struct pt_fmt_ops {
	int (*map)(struct ptcore_table *t, uint64_t iova, uint64_t pa, unsigned int pgsize_lg2,
		   uint64_t pgcount, uint32_t prot, uint32_t gfp, uint64_t *mapped);
	int (*map_range)(struct ptcore_table *t, uint64_t iova, uint64_t pa, uint64_t len,
			 uint32_t prot, uint32_t gfp, uint64_t *mapped);
	int (*unmap)(struct ptcore_table *t, uint64_t iova, uint64_t end,
		     struct ptcore_gather *gather, uint64_t *unmapped);
	int (*unmap_ext)(struct ptcore_table *t, uint64_t iova, uint64_t end,
			 struct ptcore_gather *gather, uint64_t *unmapped, struct pt_collect *c);
	int (*cut)(struct ptcore_table *t, uint64_t iova, uint32_t gfp,
		   struct ptcore_gather *gather);
	int (*iova_to_phys)(const struct ptcore_table *t, uint64_t iova, uint64_t *phys);
	int (*read_and_clear_dirty)(struct ptcore_table *t, uint64_t iova, uint64_t end, bool clear,
				    struct ptcore_gather *gather, struct pt_collect *c);
	void (*free_subtree)(struct ptcore_table *t, uint64_t *table, unsigned int level);
};

/**
 * struct pt_geom - the shape of the tree
 * @granule_lg2: log2 of the item size at level 0
 * @bpl: index bits of every table below the top
 * @top_level: internal level of the top table
 * @top_bits: index bits of the top table
 * @root_bits: IOVA bits above the top table that select one of several
 *	top tables (DART TTBRs); 0 for a single root
 * @root_shift: where those bits start
 * @shift: item size (log2) at each level
 * @index_mask: entries - 1 of a table at each level
 */
struct pt_geom {
	uint8_t granule_lg2;
	uint8_t bpl;
	uint8_t top_level;
	uint8_t top_bits;
	uint8_t root_bits;
	uint8_t root_shift;
	/* derived by pt_geom_finish(): per level, item size (log2) and index mask */
	uint8_t shift[PT_MAX_LEVELS];
	uint32_t index_mask[PT_MAX_LEVELS];
};

struct ptcore_table {
	const struct pt_fmt_ops *fops;
	struct pt_geom geom;
	uint32_t format;
	uint32_t features;
	uint64_t pgsize_bitmap;
	uint8_t leaf_level[64];		/* per pgsize_lg2 in pgsize_bitmap: its level */
	uint64_t leaf_attrs[PT_LEAF_LEVELS][PT_PROT_ALL + 1];	/* leaf bits but the address */
	uint8_t ias;
	uint8_t oas;
	uint8_t pa_bits;		/* output addresses the entry format can hold */

	/* format parameters, set once at create */
	uint8_t arm_stage;		/* 1 or 2; 0 for DART */
	uint8_t run_lg2[2];		/* ARM contiguous-hint entries per leaf at levels 0 and 1 */
	uint8_t dart_version;		/* 1 or 2; 0 for ARM */

	uint64_t *roots[PT_MAX_ROOTS];	/* top table(s): CPU address */
	uint64_t root_pa[PT_MAX_ROOTS];
	uintptr_t va_minus_pa;		/* constant for every table (modulo 2^bits) */

	const struct ptcore_ops *ops;
	void *cookie;
	bool caller_alloc;		/* ops->alloc_table: metadata in dir, not the allocator */
	bool destroying;		/* ptcore_table_destroy() is freeing: it may sleep */
	uint8_t dir_levels;		/* levels of dir above its leaves */
	void **dir;			/* pt_meta of a caller's tables, by physical frame */

	os_lock_t lock;			/* parked */
	void *parked;			/* tables maps replaced by leaves (pt_mem.c) */
};

/* ---- geometry ---- */

static inline unsigned int item_lg2(const struct ptcore_table *t, unsigned int level)
{
	return t->geom.shift[level];
}

static inline unsigned int table_bits(const struct ptcore_table *t, unsigned int level)
{
	return level == t->geom.top_level ? t->geom.top_bits : t->geom.bpl;
}

static inline unsigned int table_index(const struct ptcore_table *t, uint64_t iova,
				       unsigned int level)
{
	return (iova >> t->geom.shift[level]) & t->geom.index_mask[level];
}

/* The top table that translates @iova. */
static inline uint64_t *pt_root(const struct ptcore_table *t, uint64_t iova)
{
	return t->roots[(iova >> t->geom.root_shift) & ((1u << t->geom.root_bits) - 1)];
}

static inline size_t table_bytes(const struct ptcore_table *t, unsigned int level)
{
	size_t bytes = sizeof(uint64_t) << table_bits(t, level);

	return bytes < PT_MIN_TABLE_BYTES ? PT_MIN_TABLE_BYTES : bytes;
}

static inline uint64_t *table_va(const struct ptcore_table *t, uint64_t pa)
{
	return (uint64_t *)(uintptr_t)(pa + t->va_minus_pa);
}

static inline uint64_t table_pa(const struct ptcore_table *t, const void *va)
{
	return (uint64_t)((uintptr_t)va - t->va_minus_pa);
}

/* ---- table memory and callbacks ---- */

static inline bool pt_incoherent(const struct ptcore_table *t)
{
	return t->features & PTCORE_FEAT_DMA_INCOHERENT;
}

static inline void pt_sync(const struct ptcore_table *t, void *va, size_t len)
{
	if (unlikely(pt_incoherent(t)) && t->ops && t->ops->sync_table)
		t->ops->sync_table(t->cookie, va, len);
}

/* Table memory, metadata, gathers' freelists and parked tables: pt_mem.c. */
int pt_mem_init(struct ptcore_table *t);
void pt_mem_destroy(struct ptcore_table *t);
void *pt_alloc_table(struct ptcore_table *t, size_t bytes, uint64_t *pa, uint32_t gfp);
void *pt_alloc_table_to_fill(struct ptcore_table *t, size_t bytes, uint64_t *pa, uint32_t gfp);
void pt_free_table(struct ptcore_table *t, void *va, size_t bytes);
void pt_flush(struct ptcore_table *t, const struct ptcore_gather *gather);
struct pt_meta *pt_meta(const struct ptcore_table *t, const void *table);

/* pt_meta.link: the next table, and this one's level in bits 1..3. */
#define PT_LINK_LEVEL_MASK	0xeUL

static inline uintptr_t pt_link(const void *next, unsigned int level)
{
	return (uintptr_t)next | ((uintptr_t)level << 1);
}

static inline uint64_t *pt_link_next(uintptr_t link)
{
	return (uint64_t *)(link & ~(uintptr_t)0x3f);
}

static inline unsigned int pt_link_level(uintptr_t link)
{
	return (unsigned int)((link & PT_LINK_LEVEL_MASK) >> 1);
}

/* ---- gathers ---- */

static inline void pt_gather_init(struct ptcore_gather *g)
{
	g->start = UINT64_MAX;
	g->end = 0;
	g->pgsize = 0;
	g->flags = 0;
	g->nr_tables = 0;
	g->freelist = NULL;
}

static inline void pt_gather_add(struct ptcore_gather *g, uint64_t iova, uint64_t last)
{
	if (iova < g->start)
		g->start = iova;
	if (last > g->end)
		g->end = last;
}

static inline bool pt_gather_empty(const struct ptcore_gather *g)
{
	return g->start > g->end;
}

/*
 * Queue a subtree that an unmap unlinked on @gather (its freelist): no lock,
 * no allocation, nothing written to table memory.
 */
static inline void pt_gather_queue(const struct ptcore_table *t, struct ptcore_gather *gather,
				   uint64_t *table, unsigned int level, uint32_t ntables)
{
	struct pt_meta *m = pt_meta(t, table);

	m->link = pt_link(gather->freelist, level);
	m->aux = (uintptr_t)t;
	gather->freelist = table;
	gather->nr_tables += ntables;
}

/*
 * ptcore_unmap_collect(): the removed leaves, coalesced into runs that are
 * contiguous in IOVA and physical address; @run[0..n) wait for the
 * callback, @cur is the run still growing (size 0: none yet).
 */
#define PT_COLLECT_BATCH	16
struct pt_collect {
	ptcore_range_fn fn;
	void *arg;
	uint32_t n;
	struct ptcore_range cur;
	struct ptcore_range run[PT_COLLECT_BATCH];
};

void pt_collect_push(struct pt_collect *c);

static inline void pt_collect_add(struct pt_collect *c, uint64_t iova, uint64_t pa,
				  uint64_t size)
{
	if (c->cur.size && iova == c->cur.iova + c->cur.size &&
	    pa == c->cur.paddr + c->cur.size) {
		c->cur.size += size;
		return;
	}
	if (c->cur.size)
		pt_collect_push(c);
	c->cur.iova = iova;
	c->cur.paddr = pa;
	c->cur.size = size;
}

void pt_collect_finish(struct pt_collect *c);

bool pt_gather_owned(const struct ptcore_table *t, const struct ptcore_gather *gather);
void pt_gather_free(struct ptcore_table *t, struct ptcore_gather *gather);
void pt_park(struct ptcore_table *t, uint64_t *first, struct pt_meta *last);
void pt_unpark(struct ptcore_table *t, struct ptcore_gather *gather, uint64_t start,
	       uint64_t end);
void pt_free_parked(struct ptcore_table *t);

static inline unsigned int pt_ffs64(uint64_t v)
{
	return (unsigned int)__builtin_ctzll(v);
}

static inline unsigned int pt_fls64(uint64_t v)
{
	return 63u - (unsigned int)__builtin_clzll(v);
}

/*
 * The page size (log2) that Linux's iommu_pgsize() picks from @bitmap for
 * the next part of a range of @size bytes at @iova -> @pa, and in *@count
 * how many of them __iommu_map() maps in one call: the largest size that
 * fits and both addresses are aligned to, up to the next boundary of the
 * next larger size when the rest is big enough to use that one. @size is
 * a non-zero multiple of the smallest size, and so are @iova and @pa.
 */
static inline unsigned int pt_range_pgsize(uint64_t bitmap, uint64_t iova, uint64_t pa,
					   uint64_t size, uint64_t *count)
{
	uint64_t merge = iova | pa, sizes = bitmap & PT_GENMASK(pt_fls64(size), 0), bigger;
	unsigned int lg2;

	if (merge)
		sizes &= PT_GENMASK(pt_ffs64(merge), 0);
	lg2 = pt_fls64(sizes);
	bigger = lg2 < 63 ? bitmap & ~PT_GENMASK(lg2, 0) : 0;
	if (bigger) {
		uint64_t next = PT_BIT(pt_ffs64(bigger));
		uint64_t offset = next - (merge & (next - 1));

		if (!((iova ^ pa) & (next - 1)) && offset + next <= size)
			size = offset;
	}
	*count = size >> lg2;
	return lg2;
}

void pt_geom_finish(struct ptcore_table *t);

extern const struct pt_fmt_ops pt_arm_lpae_ops;
extern const struct pt_fmt_ops pt_dart_ops;

int pt_arm_lpae_init(struct ptcore_table *t, const struct ptcore_cfg *cfg);
void pt_arm_lpae_hw_info(const struct ptcore_table *t, struct ptcore_hw_info *info);
int pt_dart_init(struct ptcore_table *t, const struct ptcore_cfg *cfg);

#endif /* PTCORE_PT_COMMON_H */
