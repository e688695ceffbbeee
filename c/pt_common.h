/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Format-independent state of a ptcore table: its geometry and the small
 * helpers every floor of the core uses.
 *
 * The floors, each calling and including only its own and those below it
 * (scripts/layers.py checks it):
 *
 *   ptcore.c              the ABI entry points: argument checks, dispatch
 *   pt_fmt.h, pt_algo.h   the algorithms, compiled per format in fmt/<format>.c
 *   fmt/<format>.h        one format's entry accessors
 *   pt_common.h, pt_mem.h, pt_mem.c   the table: state, memory, metadata,
 *                         gathers and their freelists, parked tables
 *   os/                   the environment
 *
 * Conventions in the core:
 *   t       the table handle (struct ptcore_table)
 *   level   internal level: 0 holds the smallest pages, geom.top_level is the
 *           top table. Item size at a level is item_lg2(t, level).
 *   pte     the value of one table entry, held in a uint64_t whatever the
 *           format's entry width (64 bits, or 32 with t->pte32: ARM v7s);
 *           ptep points at one in table memory (pt_algo.h: a pt_entry_t *)
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
struct pt_fmt_ops;			/* pt_fmt.h: only the dispatch follows it */

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
	/* 32-bit entries (ARM v7s; its PT_FMT_ENTRY_BYTES tells pt_algo.h), else 64-bit */
	uint8_t pte32;

	void *roots[PT_MAX_ROOTS];	/* top table(s): CPU address */
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
static inline void *pt_root(const struct ptcore_table *t, uint64_t iova)
{
	return t->roots[(iova >> t->geom.root_shift) & ((1u << t->geom.root_bits) - 1)];
}

/*
 * The bytes a table at @level takes, for entries of 4 bytes when @pte32
 * (a constant in pt_algo.h, t->pte32 elsewhere), else 8: at least
 * PT_MIN_TABLE_BYTES, and with 32-bit entries a table below the top fills
 * a whole PT_META_MIN_BYTES frame of its own, for its struct pt_meta (ARM
 * v7s: 1 KiB of entries in 4 KiB).
 */
static inline size_t __table_bytes(const struct ptcore_table *t, unsigned int level, bool pte32)
{
	size_t bytes = (pte32 ? sizeof(uint32_t) : sizeof(uint64_t)) << table_bits(t, level);

	if (pte32 && level != t->geom.top_level && bytes < PT_META_MIN_BYTES)
		return PT_META_MIN_BYTES;
	return bytes < PT_MIN_TABLE_BYTES ? PT_MIN_TABLE_BYTES : bytes;
}

static inline size_t table_bytes(const struct ptcore_table *t, unsigned int level)
{
	return __table_bytes(t, level, t->pte32);
}

static inline void *table_va(const struct ptcore_table *t, uint64_t pa)
{
	return (void *)(uintptr_t)(pa + t->va_minus_pa);
}

static inline uint64_t table_pa(const struct ptcore_table *t, const void *va)
{
	return (uint64_t)((uintptr_t)va - t->va_minus_pa);
}

/* Derive the per-level lookups from the format's geometry (formats' init calls it). */
static inline void pt_geom_finish(struct ptcore_table *t)
{
	struct pt_geom *g = &t->geom;
	unsigned int level;

	for (level = 0; level <= g->top_level; level++) {
		g->shift[level] = g->granule_lg2 + g->bpl * level;
		g->index_mask[level] = (1u << table_bits(t, level)) - 1;
	}
	level = g->shift[g->top_level] + table_bits(t, g->top_level);
	g->root_shift = level < 63 ? level : 63;
}

/* A tree of @levels tables, each one 4K page of 512 entries, the top one too. */
static inline void pt_geom_4k(struct ptcore_table *t, unsigned int levels)
{
	t->geom.granule_lg2 = 12;
	t->geom.bpl = 9;
	t->geom.top_level = levels - 1;
	t->geom.top_bits = 9;
	pt_geom_finish(t);
}

static inline bool pt_incoherent(const struct ptcore_table *t)
{
	return t->features & PTCORE_FEAT_DMA_INCOHERENT;
}

static inline unsigned int pt_ffs64(uint64_t v)
{
	return (unsigned int)__builtin_ctzll(v);
}

static inline unsigned int pt_fls64(uint64_t v)
{
	return 63u - (unsigned int)__builtin_clzll(v);
}

#endif /* PTCORE_PT_COMMON_H */
