/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The algorithms, written once.
 *
 * A format's .c file includes its accessor header and then this file, which
 * defines every walk in terms of the accessors (all static inline, so the
 * compiler folds the format into each loop) and exports the format's
 * struct pt_fmt_ops as PT_FMT_OPS. The accessors a format provides:
 *
 *   fmt_valid(pte)                      the entry translates something
 *   fmt_is_table(t, pte, level)         a valid entry that points to a table
 *   fmt_table_pa(t, pte)                physical address of that table
 *   fmt_make_table(t, pa, level)        entry at @level for a table at @pa
 *   fmt_leaf_oa(t, pte)                 output address of a leaf entry
 *   fmt_leaf_run_lg2(t, pte, level)     log2 of the entries that form the leaf
 *                                       (ARM contiguous hint, AMD v1 sized
 *                                       leaf; else 0)
 *   fmt_run_replicates(t)               every entry of a run holds the run's
 *                                       base address (AMD v1 NextLevel 7,
 *                                       RISC-V Svnapot); false: entry k holds
 *                                       base + k items (ARM contiguous hint).
 *                                       A constant, so the other walks fold.
 *   fmt_leaf_attrs(t, prot, level, run_lg2)   leaf bits except the address
 *   fmt_encode_oa(t, pa)                address bits of a leaf for @pa
 *   fmt_oa_linear(t)                    encode(pa + n) == encode(pa) + encode(n)
 *   fmt_plain_leaf(t, level, &mask, &val)   (pte & mask) == val only for a
 *                                       valid single-entry leaf at @level (a
 *                                       format may match only some of them:
 *                                       the others take unmap's slow path)
 *   fmt_leaf_reattr(t, pte, level, run_lg2) leaf @pte's bits but the address,
 *                                       for a leaf at @level (contiguous: run_lg2)
 *   fmt_dirty_state(t, &mask, &val)     (pte & mask) == val for a writable-dirty leaf
 *   fmt_dirty_clean(t, ptep)            make that leaf writable-clean (atomically)
 *   fmt_cut_hitless(t)                  cut may replace a leaf by a table of the
 *                                       same translations with no break (ARM: BBML2)
 *
 * The width of an entry, and accessors a format may add, with their
 * defaults (defined before this file is included):
 *   PT_FMT_ENTRY_BYTES                  8, or 4 (ARM v7s): table memory is an
 *                                       array of pt_entry_t, uint64_t or
 *                                       uint32_t, read and written through
 *                                       pt_pte_read/_read_acquire/_read_table/
 *                                       _write/_cmpxchg (os_pte* or os_pte32*);
 *                                       entry values are uint64_t throughout.
 *                                       The format also sets t->pte32 at init,
 *                                       for the floors that are not compiled
 *                                       per format (table_bytes()).
 *   fmt_leaf_oa_at(t, pte, level)       fmt_leaf_oa() of a leaf at @level, for
 *                                       a format whose address field depends
 *                                       on the level (ARM v7s); default
 *                                       fmt_leaf_oa(), which it need not have
 *   fmt_leaf_relevel(t, pte, level)     leaf @pte of the level above @level in
 *                                       the layout of @level's leaves, for
 *                                       fmt_leaf_reattr() when cut puts a
 *                                       table of @level in its place; default
 *                                       @pte (the same layout at every level)
 *   PT_FMT_BPL(g)                       index bits of every table below the
 *                                       top at granule @g, for the fast
 *                                       paths; default g - 3 (a granule of
 *                                       8-byte entries)
 * and, for the fast paths, fmt_valid_table(), fmt_table_pa_g() and
 * PT_FMT_ONE_ROOT, listed where they are used below.
 *
 * Conventions: see pt_common.h. Every walk is one descent that keeps its
 * position; nothing re-walks from the top per entry.
 */
#ifndef PT_FMT_OPS
#error "define PT_FMT_OPS before including pt_algo.h"
#endif

#include "pt_fmt.h"

#ifndef PT_FMT_ENTRY_BYTES
#define PT_FMT_ENTRY_BYTES	8
#endif
#if PT_FMT_ENTRY_BYTES == 8
typedef uint64_t pt_entry_t;
#define pt_pte_read(p)		os_pte_read(p)
#define pt_pte_read_acquire(p)	os_pte_read_acquire(p)
#define pt_pte_read_table(p)	os_pte_read_table(p)
#define pt_pte_write(p, v)	os_pte_write(p, v)
#define pt_pte_cmpxchg(p, old, new_pte)	os_pte_cmpxchg(p, old, new_pte)
#elif PT_FMT_ENTRY_BYTES == 4
typedef uint32_t pt_entry_t;
#define pt_pte_read(p)		os_pte32_read(p)
#define pt_pte_read_acquire(p)	os_pte32_read_acquire(p)
#define pt_pte_read_table(p)	os_pte32_read_table(p)
#define pt_pte_write(p, v)	os_pte32_write(p, (uint32_t)(v))

/* A 64-bit value for *@old, as the 64-bit entries have it. */
static inline bool pt_pte_cmpxchg(pt_entry_t *p, uint64_t *old, uint64_t new_pte)
{
	uint32_t cur = (uint32_t)*old;
	bool ok = os_pte32_cmpxchg(p, &cur, (uint32_t)new_pte);

	*old = cur;
	return ok;
}
#else
#error "PT_FMT_ENTRY_BYTES is 8 or 4"
#endif

#ifndef fmt_leaf_oa_at
static inline uint64_t fmt_leaf_oa_at(const struct ptcore_table *t, uint64_t pte,
				      unsigned int level)
{
	return fmt_leaf_oa(t, pte);
}
#endif

#ifndef fmt_leaf_relevel
static inline uint64_t fmt_leaf_relevel(const struct ptcore_table *t, uint64_t pte,
					unsigned int level)
{
	return pte;
}
#endif

/* table_bytes() with the entry width a constant. */
static inline size_t pt_table_bytes(const struct ptcore_table *t, unsigned int level)
{
	return __table_bytes(t, level, PT_FMT_ENTRY_BYTES == 4);
}

/*
 * The walks ptcore.c dispatches to start on a 64-byte boundary, so that
 * where their short hot loops fall across cache lines depends on their own
 * code only, not on the size of whatever the linker put before them (a
 * change elsewhere once moved 256-page maps by half their time).
 */
#define __pt_walk	__aligned(64)

static inline pt_entry_t *pt_child(const struct ptcore_table *t, uint64_t pte)
{
	return table_va(t, fmt_table_pa(t, pte));
}

static inline unsigned int pt_entries(const struct ptcore_table *t, unsigned int level)
{
	return 1u << table_bits(t, level);
}

/* Every leaf's bits but the address, per level and prot, computed once at create. */
static void pt_fill_leaf_attrs(struct ptcore_table *t)
{
	unsigned int level, prot;

	for (level = 0; level < PT_LEAF_LEVELS && level <= t->geom.top_level; level++)
		for (prot = 0; prot <= PT_PROT_ALL; prot++)
			t->leaf_attrs[level][prot] = fmt_leaf_attrs(t, prot, level, 0);
}

/* ---- iova_to_phys ---- */

static int __pt_walk pt_iova_to_phys(const struct ptcore_table *t, uint64_t iova, uint64_t *phys)
{
	const pt_entry_t *table = pt_root(t, iova);
	unsigned int level = t->geom.top_level;
	uint64_t pte;

	for (;;) {
		pte = pt_pte_read_table(&table[table_index(t, iova, level)]);
		if (!fmt_valid(pte))
			return -ENOENT;
		if (!fmt_is_table(t, pte, level))
			break;
		table = pt_child(t, pte);
		level--;
	}
	/* A replicated run: every entry holds the run's base; the offset is into the run. */
	*phys = fmt_leaf_oa_at(t, pte, level) |
		(iova & (PT_BIT(item_lg2(t, level) +
				(fmt_run_replicates(t) ?
				 fmt_leaf_run_lg2(t, pte, level) : 0)) - 1));
	return 0;
}

/* ---- freeing ---- */

static void pt_free_subtree(struct ptcore_table *t, pt_entry_t *table, unsigned int level)
{
	unsigned int i, n = pt_entries(t, level);

	if (unlikely(t->destroying))
		os_cond_resched();
	if (level) {
		for (i = 0; i < n; i++) {
			uint64_t pte = table[i];

			if (fmt_valid(pte) && fmt_is_table(t, pte, level))
				pt_free_subtree(t, pt_child(t, pte), level - 1);
		}
	}
	pt_free_table(t, table, pt_table_bytes(t, level));
}

/* Free every subtree on a list linked through the tables' pt_meta, from @table on. */
static void pt_free_list(struct ptcore_table *t, void *table)
{
	while (table) {
		uintptr_t link = pt_meta(t, table)->link;

		pt_free_subtree(t, table, pt_link_level(link));
		table = pt_link_next(link);
	}
}

/* Destroy (or a create that failed): the roots with their subtrees, then the parked tables. */
static void pt_free_all(struct ptcore_table *t)
{
	unsigned int i;

	for (i = 0; i < PT_MAX_ROOTS; i++)
		if (t->roots[i])
			pt_free_subtree(t, t->roots[i], t->geom.top_level);
	pt_free_list(t, pt_parked_take(t));
}

/*
 * True when a leaf lies somewhere below @table (a whole table at @level).
 * When there is none, *@ntables has grown by the tables of the subtree.
 */
static bool pt_subtree_has_leaf(const struct ptcore_table *t, const pt_entry_t *table,
				unsigned int level, uint32_t *ntables)
{
	unsigned int i, n = pt_entries(t, level);

	(*ntables)++;
	for (i = 0; i < n; i++) {
		uint64_t pte = pt_pte_read_table(&table[i]);

		if (!fmt_valid(pte))
			continue;
		if (!fmt_is_table(t, pte, level) ||
		    pt_subtree_has_leaf(t, pt_child(t, pte), level - 1, ntables))
			return true;
	}
	return false;
}

/* ---- map ---- */

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

struct pt_map_state {
	struct ptcore_table *t;
	uint64_t iova;			/* next IOVA to map */
	uint64_t end;			/* end of the leaves of this size, exclusive */
	uint64_t range_end;		/* map_range: end of the whole range */
	uint64_t pa;			/* output address for iova */
	uint32_t prot;
	uint64_t attrs;			/* leaf entry bits but the address */
	unsigned int leaf_level;
	unsigned int run_lg2;		/* entries per leaf, log2 */
	uint32_t gfp;
	struct ptcore_gather flush;	/* what the map must flush before it returns */
	pt_entry_t *parked;		/* tables replaced by leaves, linked by pt_meta */
	struct pt_meta *parked_last;
};

/*
 * The entry at @ptep (a table at @level) is where a leaf must go. If its
 * subtree holds no leaf, swap it for @leaf; the map flushes its span before
 * returning and parks it (pt_mem.c) until an unmap removes @leaf. Never
 * allocates, so a run of entries cannot fail half way for want of memory.
 */
static int pt_replace_empty_table(struct pt_map_state *ms, pt_entry_t *ptep, uint64_t old,
				  unsigned int level, uint64_t leaf, uint64_t iova)
{
	struct ptcore_table *t = ms->t;
	pt_entry_t *child = pt_child(t, old);
	uint32_t ntables = 0;
	struct pt_meta *m;

	if (pt_subtree_has_leaf(t, child, level - 1, &ntables))
		return -EADDRINUSE;
	if (!pt_pte_cmpxchg(ptep, &old, leaf))
		return -EADDRINUSE;	/* an overlapping map changed the entry first */
	m = pt_meta(t, child);
	m->link = pt_link(ms->parked, level - 1);
	m->aux = (uintptr_t)iova | ntables;	/* ntables < the span iova is aligned to */
	if (!ms->parked)
		ms->parked_last = m;
	ms->parked = child;
	pt_gather_add(&ms->flush, iova, iova + PT_BIT(item_lg2(t, level)) - 1);
	ms->flush.pgsize |= PT_BIT(item_lg2(t, level));
	ms->flush.flags |= PTCORE_GATHER_TABLES;
	return 0;
}

/* Map leaves of @table (at the leaf level) from ms->iova on, up to the table's end. */
static __always_inline int pt_map_leaves(struct pt_map_state *ms, pt_entry_t *table,
					 unsigned int level)
{
	struct ptcore_table *t = ms->t;
	unsigned int isz = item_lg2(t, level);
	unsigned int first = table_index(t, ms->iova, level);
	uint64_t nr = pt_entries(t, level) - first;
	pt_entry_t *start = table + first, *ptep = start, *stop;
	uint64_t pte, step;
	unsigned int run = 1u << ms->run_lg2, i;
	int ret = 0;

	if (nr > (ms->end - ms->iova) >> isz)
		nr = (ms->end - ms->iova) >> isz;
	stop = start + nr;

	if (likely(run == 1 && fmt_oa_linear(t))) {
		/* The hot loop: one load and one store per entry. */
		pte = ms->attrs | fmt_encode_oa(t, ms->pa);
		step = fmt_encode_oa(t, PT_BIT(isz));
		/* Four at a time while all four are empty; anything else below. */
		for (; stop - ptep >= 4; ptep += 4, pte += 4 * step) {
			if (pt_pte_read_table(&ptep[0]) | pt_pte_read_table(&ptep[1]) |
			    pt_pte_read_table(&ptep[2]) | pt_pte_read_table(&ptep[3]))
				break;
			pt_pte_write(&ptep[0], pte);
			pt_pte_write(&ptep[1], pte + step);
			pt_pte_write(&ptep[2], pte + 2 * step);
			pt_pte_write(&ptep[3], pte + 3 * step);
		}
		for (; ptep != stop; ptep++, pte += step) {
			uint64_t old = pt_pte_read_table(ptep);

			if (unlikely(old)) {
				if (!fmt_valid(old) || !fmt_is_table(t, old, level)) {
					ret = -EADDRINUSE;
					break;
				}
				uint64_t iova = ms->iova + ((uint64_t)(ptep - start) << isz);

				ret = pt_replace_empty_table(ms, ptep, old, level, pte, iova);
				if (ret)
					break;
				continue;
			}
			pt_pte_write(ptep, pte);
		}
	} else {
		/* Contiguous runs (or an address encoding that is not linear). */
		for (; ptep != stop; ptep += run) {
			uint64_t iova = ms->iova + ((uint64_t)(ptep - start) << isz);
			uint64_t pa = ms->pa + ((uint64_t)(ptep - start) << isz);
			uint64_t any = 0;

			for (i = 0; i < run; i++)
				any |= pt_pte_read_table(&ptep[i]);
			if (likely(!any)) {
				/* All empty: the common case, no table to replace. */
				pte = ms->attrs | fmt_encode_oa(t, pa);
				for (i = 0; i < run; i++)
					pt_pte_write(&ptep[i], fmt_run_replicates(t) ? pte :
						     ms->attrs |
						     fmt_encode_oa(t, pa + ((uint64_t)i << isz)));
				continue;
			}
			for (i = 0; i < run; i++) {
				uint64_t old = pt_pte_read_table(&ptep[i]);
				uint32_t ntables = 0;

				if (old && (!fmt_valid(old) || !fmt_is_table(t, old, level) ||
					    pt_subtree_has_leaf(t, pt_child(t, old), level - 1,
								&ntables))) {
					ret = -EADDRINUSE;
					break;
				}
			}
			if (ret)
				break;
			for (i = 0; i < run; i++) {
				uint64_t old = pt_pte_read_table(&ptep[i]);

				pte = ms->attrs | fmt_encode_oa(t, fmt_run_replicates(t) ? pa :
								pa + ((uint64_t)i << isz));
				if (old) {
					ret = pt_replace_empty_table(ms, &ptep[i], old, level, pte,
								     iova + ((uint64_t)i << isz));
					if (ret)
						break;
				} else {
					pt_pte_write(&ptep[i], pte);
				}
			}
			if (ret) {
				/*
				 * Never leave half a run: take back what this run
				 * wrote, make that visible to the walker, and let
				 * the map's own flush cover the leaves it saw.
				 */
				unsigned int written = i;

				for (i = 0; i < written; i++)
					pt_pte_write(&ptep[i], 0);
				if (written) {
					/* a TLB may hold the run whole from one entry */
					pt_sync(t, ptep, written * sizeof(*ptep));
					pt_gather_add(&ms->flush, iova,
						      iova + PT_BIT(isz + ms->run_lg2) - 1);
					ms->flush.pgsize |= PT_BIT(isz + ms->run_lg2);
				}
				break;
			}
		}
	}

	if (ptep != start)
		pt_sync(t, start, (size_t)(ptep - start) * sizeof(*ptep));
	ms->iova += (uint64_t)(ptep - start) << isz;
	ms->pa += (uint64_t)(ptep - start) << isz;
	return ret;
}

/*
 * The entry at @ptep (in a table at @level) is empty: allocate the next
 * table down and publish it. Returns the entry now there, or 0 without memory.
 */
static __always_inline uint64_t pt_install_table(struct pt_map_state *ms, pt_entry_t *ptep,
						 unsigned int level)
{
	struct ptcore_table *t = ms->t;
	size_t bytes = pt_table_bytes(t, level - 1);
	uint64_t pte = 0, new_pte, pa;
	pt_entry_t *child;

	child = pt_alloc_table(t, bytes, &pa, ms->gfp);
	if (!child)
		return 0;
	pt_sync(t, child, bytes);
	new_pte = fmt_make_table(t, pa, level);
	/*
	 * Publish with a release compare-and-swap: a concurrent map of a
	 * neighbouring range may install a table here too; the loser frees
	 * its copy, which nobody saw.
	 */
	if (pt_pte_cmpxchg(ptep, &pte, new_pte)) {
		pt_sync(t, ptep, sizeof(*ptep));
		return new_pte;
	}
	pt_free_table(t, child, bytes);
	return pte;
}

/*
 * The entry at @ptep is empty and the next table down is the leaf level:
 * build that table privately (plain stores, nobody can see it yet) and
 * publish it whole. Returns 0 when done (*@table is the new table), 1 when a
 * concurrent map installed a table first (the caller then maps into that
 * one), -ENOMEM.
 */
static __always_inline int pt_map_fresh_leaf_table(struct pt_map_state *ms, pt_entry_t *ptep,
						   unsigned int level, pt_entry_t **table)
{
	struct ptcore_table *t = ms->t;
	unsigned int isz = item_lg2(t, level);
	unsigned int n = pt_entries(t, level);
	unsigned int first = table_index(t, ms->iova, level);
	uint64_t nr = n - first, pte, step, old = 0, pa;
	size_t bytes = pt_table_bytes(t, level);
	pt_entry_t *child, *p, *stop;

	if (nr > (ms->end - ms->iova) >> isz)
		nr = (ms->end - ms->iova) >> isz;
	if (first == 0 && nr == n && bytes == n * sizeof(*child))
		child = pt_alloc_table_to_fill(t, bytes, &pa, ms->gfp);
	else
		child = pt_alloc_table(t, bytes, &pa, ms->gfp);
	if (!child)
		return -ENOMEM;

	pte = ms->attrs | fmt_encode_oa(t, ms->pa);
	step = fmt_encode_oa(t, PT_BIT(isz));
	for (p = child + first, stop = p + nr; p != stop; p++, pte += step)
		*p = pte;
	pt_sync(t, child, bytes);

	if (!pt_pte_cmpxchg(ptep, &old, fmt_make_table(t, pa, level + 1))) {
		pt_free_table(t, child, bytes);
		return 1;
	}
	pt_sync(t, ptep, sizeof(*ptep));
	ms->iova += nr << isz;
	ms->pa += nr << isz;
	*table = child;
	return 0;
}

/* Leaves of 2^@pgsize_lg2 bytes from here on, up to ms->end. */
static inline void pt_map_set_size(struct pt_map_state *ms, unsigned int pgsize_lg2)
{
	const struct ptcore_table *t = ms->t;

	ms->leaf_level = t->leaf_level[pgsize_lg2];
	ms->run_lg2 = pgsize_lg2 - item_lg2(t, ms->leaf_level);
	if (likely(!ms->run_lg2 && ms->leaf_level < PT_LEAF_LEVELS))
		ms->attrs = t->leaf_attrs[ms->leaf_level][ms->prot & PT_PROT_ALL];
	else
		ms->attrs = fmt_leaf_attrs(t, ms->prot, ms->leaf_level, ms->run_lg2);
}

/* map_range: the size and end of the next part of the range, as Linux splits it. */
static inline void pt_map_next_part(struct pt_map_state *ms)
{
	uint64_t count;
	unsigned int lg2 = pt_range_pgsize(ms->t->pgsize_bitmap, ms->iova, ms->pa,
					   ms->range_end - ms->iova, &count);

	ms->end = ms->iova + (count << lg2);
	pt_map_set_size(ms, lg2);
}

/*
 * The one map walk: leaves of one size up to ms->end (map_pages), or with
 * @range one part after another up to ms->range_end, each of the size
 * Linux's splitting picks (map_range), without going back to the top.
 */
static __always_inline int pt_map_walk(struct ptcore_table *t, uint64_t iova, uint64_t pa,
				       uint64_t end, unsigned int pgsize_lg2, uint32_t prot,
				       uint32_t gfp, uint64_t *mapped, bool range)
{
	struct pt_map_state state;	/* field by field: no memset on the hot path */
	struct pt_map_state *ms = &state;
	const unsigned int top = t->geom.top_level;
	pt_entry_t *tables[PT_MAX_LEVELS];	/* the table walked at each level */
	unsigned int level = top;
	pt_entry_t *table = pt_root(t, iova);
	unsigned int from;
	int ret;

	ms->t = t;
	ms->iova = iova;
	ms->pa = pa;
	ms->prot = prot;
	ms->gfp = gfp;
	ms->parked = NULL;
	ms->parked_last = NULL;
	if (range) {
		ms->range_end = end;
		pt_map_next_part(ms);
	} else {
		ms->range_end = end;
		ms->end = end;
		pt_map_set_size(ms, pgsize_lg2);
	}
	pt_gather_init(&ms->flush);
	for (;;) {
		/* Down to the leaf level along ms->iova, creating tables as needed. */
		while (level > ms->leaf_level) {
			pt_entry_t *ptep = &table[table_index(t, ms->iova, level)];
			uint64_t pte = pt_pte_read_acquire(ptep);

			if (unlikely(!pte) && level - 1 == ms->leaf_level && !ms->run_lg2 &&
			    fmt_oa_linear(t)) {
				tables[level] = table;
				ret = pt_map_fresh_leaf_table(ms, ptep, level - 1, &table);
				if (ret < 0)
					goto out;
				if (ret == 0) {
					level--;
					goto table_done;
				}
				pte = pt_pte_read_acquire(ptep);
			}
			if (unlikely(!pte)) {
				pte = pt_install_table(ms, ptep, level);
				if (!pte) {
					ret = -ENOMEM;
					goto out;
				}
			}
			if (unlikely(!fmt_valid(pte) || !fmt_is_table(t, pte, level))) {
				ret = -EADDRINUSE;
				goto out;
			}
			tables[level] = table;
			table = pt_child(t, pte);
			level--;
		}
		ret = pt_map_leaves(ms, table, level);
		if (ret)
			break;
table_done:
		if (ms->iova >= ms->end) {
			if (!range || ms->iova >= ms->range_end)
				break;
			pt_map_next_part(ms);
		}
		/*
		 * Up to the lowest table that still covers ms->iova (or the next
		 * root); a larger next part starts on a boundary of its size, so
		 * this is at least its leaf level.
		 */
		from = level;
		while (level < top && !(ms->iova & (PT_BIT(item_lg2(t, level + 1)) - 1)))
			level++;
		if (level == top)
			table = pt_root(t, ms->iova);
		else if (level != from)
			table = tables[level];
	}
out:
	/* Replaced tables (and a run taken back): out of every walk cache before return. */
	if (unlikely(!pt_gather_empty(&ms->flush))) {
		pt_flush(t, &ms->flush);
		if (ms->parked)
			pt_park(t, ms->parked, ms->parked_last);
	}
	if (mapped)
		*mapped = ms->iova - iova;
	return ret;
}

static noinline int pt_map_pages_walk(struct ptcore_table *t, uint64_t iova, uint64_t pa,
				      unsigned int pgsize_lg2, uint64_t pgcount, uint32_t prot,
				      uint32_t gfp, uint64_t *mapped)
{
	return pt_map_walk(t, iova, pa, iova + (pgcount << pgsize_lg2), pgsize_lg2, prot, gfp,
			   mapped, false);
}

static int __pt_walk pt_map_range(struct ptcore_table *t, uint64_t iova, uint64_t pa,
				  uint64_t len, uint32_t prot, uint32_t gfp, uint64_t *mapped)
{
	return pt_map_walk(t, iova, pa, iova + len, 0, prot, gfp, mapped, true);
}

/* ---- unmap ---- */

/*
 * Is every leaf below @table (a whole table at @level) present? Reads only:
 * a table that passes is unlinked whole and its memory is not written again
 * before it is freed. Counts the tables and ORs the leaf sizes it saw.
 */
static bool pt_subtree_full(const struct ptcore_table *t, const pt_entry_t *table,
			    unsigned int level, uint64_t *pgsize, uint32_t *ntables)
{
	unsigned int i, n = pt_entries(t, level);
	uint64_t all = ~0ULL, any = 0;

	(*ntables)++;
	/* Replicated runs hold their size in address bits: an OR of entries tells nothing. */
	if (!level && !fmt_run_replicates(t)) {
		for (i = 0; i < n; i++) {
			uint64_t pte = table[i];

			all &= pte;
			any |= pte;
		}
		if (!fmt_valid(all))
			return false;
		/* Plain pages, contiguous runs, or both. */
		if (fmt_leaf_run_lg2(t, any, 0))
			*pgsize |= PT_BIT(item_lg2(t, 0) + fmt_leaf_run_lg2(t, any, 0));
		if (!fmt_leaf_run_lg2(t, all, 0))
			*pgsize |= PT_BIT(item_lg2(t, 0));
		return true;
	}
	for (i = 0; i < n; i++) {
		uint64_t pte = table[i];

		if (!fmt_valid(pte))
			return false;
		if (fmt_is_table(t, pte, level)) {
			if (!pt_subtree_full(t, pt_child(t, pte), level - 1, pgsize, ntables))
				return false;
		} else {
			*pgsize |= PT_BIT(item_lg2(t, level) + fmt_leaf_run_lg2(t, pte, level));
		}
	}
	return true;
}

/* Entry @idx of a replicated run at @level (@pte): its offset into the run's output. */
static inline uint64_t pt_replica_offset(const struct ptcore_table *t, uint64_t pte,
					 unsigned int level, unsigned int idx)
{
	unsigned int run = 1u << fmt_leaf_run_lg2(t, pte, level);

	return (uint64_t)(idx & (run - 1)) << item_lg2(t, level);
}

/* unmap_collect: report the leaves below a wholly covered table, in IOVA order. */
static void pt_subtree_collect(const struct ptcore_table *t, const pt_entry_t *table,
			       unsigned int level, uint64_t iova, struct pt_collect *c)
{
	unsigned int i, n = pt_entries(t, level), isz = item_lg2(t, level);

	for (i = 0; i < n; i++, iova += PT_BIT(isz)) {
		uint64_t pte = table[i];

		if (level && fmt_is_table(t, pte, level))
			pt_subtree_collect(t, pt_child(t, pte), level - 1, iova, c);
		else if (fmt_run_replicates(t))
			pt_collect_add(c, iova,
				       fmt_leaf_oa_at(t, pte, level) +
				       pt_replica_offset(t, pte, level, i),
				       PT_BIT(isz));
		else
			pt_collect_add(c, iova, fmt_leaf_oa_at(t, pte, level), PT_BIT(isz));
	}
}

static bool pt_table_empty(const struct ptcore_table *t, const pt_entry_t *table,
			   unsigned int level)
{
	unsigned int i, n = pt_entries(t, level);

	for (i = 0; i < n; i++)
		if (fmt_valid(pt_pte_read(&table[i])))
			return false;
	return true;
}

/*
 * PTCORE_FEAT_FREE_EMPTY_TABLES: the unmap is done with @table (at @level,
 * below the top, translating @iova): if it holds nothing any more, unlink
 * it from @parent and queue it on the gather like a wholly covered table.
 */
static bool pt_unlink_if_empty(const struct ptcore_table *t, struct ptcore_gather *gather,
			       pt_entry_t *parent, pt_entry_t *table, unsigned int level,
			       uint64_t iova)
{
	unsigned int lg2 = item_lg2(t, level + 1);
	pt_entry_t *ptep = &parent[table_index(t, iova, level + 1)];

	if (!pt_table_empty(t, table, level))
		return false;
	iova &= ~(PT_BIT(lg2) - 1);
	pt_pte_write(ptep, 0);
	pt_sync(t, ptep, sizeof(*ptep));
	pt_gather_add(gather, iova, iova + PT_BIT(lg2) - 1);
	gather->flags |= PTCORE_GATHER_TABLES;
	pt_gather_queue(t, gather, table, level, 1);
	return true;
}

/*
 * One walk over [iova, end): leaves are removed whole, wholly covered full
 * tables are unlinked with one store and queued on the gather, partly
 * covered tables are walked into. The walk never skips an IOVA, so what it
 * removed is exactly [start, iova) when it stops.
 *
 * Instantiated twice: pt_unmap() with neither extra, and pt_unmap_ext()
 * where @c (unmap_collect: report what goes) may be set and @free_empty
 * (PTCORE_FEAT_FREE_EMPTY_TABLES: also unlink the tables the walk leaves
 * empty, checked as it leaves each one) follows the table's features.
 */
static __always_inline int pt_unmap_walk(struct ptcore_table *t, uint64_t start, uint64_t end,
					 struct ptcore_gather *gather, uint64_t *unmapped,
					 struct pt_collect *c, bool free_empty)
{
	const unsigned int top = t->geom.top_level;
	pt_entry_t *tables[PT_MAX_LEVELS];	/* the table walked at each level */
	unsigned int level = top;
	pt_entry_t *table = pt_root(t, start);
	uint64_t iova = start, pgsize = 0;
	int ret = 0;

	/* Straight down while the whole range lies strictly inside one table item. */
	while (level) {
		pt_entry_t *ptep = &table[table_index(t, iova, level)];
		uint64_t pte = pt_pte_read_table(ptep);
		unsigned int isz = item_lg2(t, level);

		if (((iova ^ (end - 1)) >> isz) || !fmt_valid(pte) ||
		    !fmt_is_table(t, pte, level) || end - iova == PT_BIT(isz))
			break;
		tables[level] = table;
		table = pt_child(t, pte);
		level--;
	}

	for (;;) {
		unsigned int isz = item_lg2(t, level);
		uint64_t item_mask = PT_BIT(isz) - 1;
		unsigned int n = t->geom.index_mask[level] + 1;
		unsigned int idx = table_index(t, iova, level);

		while (idx < n && iova < end) {
			uint64_t pte = pt_pte_read_table(&table[idx]);
			uint64_t item = iova & ~item_mask;
			unsigned int run_lg2, first, stop;

			if (unlikely(!fmt_valid(pte))) {
				ret = -EINVAL;		/* a hole stops the walk */
				goto out;
			}
			if (fmt_is_table(t, pte, level)) {
				pt_entry_t *child = pt_child(t, pte);
				uint32_t ntables = 0;

				if (item == iova && end - item > item_mask &&
				    pt_subtree_full(t, child, level - 1, &pgsize, &ntables)) {
					/* Wholly covered and full: unlink; free after the flush. */
					if (c)
						pt_subtree_collect(t, child, level - 1, item, c);
					pt_pte_write(&table[idx], 0);
					pt_sync(t, &table[idx], sizeof(*table));
					gather->flags |= PTCORE_GATHER_TABLES;
					pt_gather_queue(t, gather, child, level - 1, ntables);
					iova = item + PT_BIT(isz);
					idx++;
					continue;
				}
				tables[level] = table;
				table = child;
				level--;
				goto next_table;
			}

			/* A leaf: never split; removed, counted and gathered whole. */
			run_lg2 = fmt_leaf_run_lg2(t, pte, level);
			first = idx & ~((1u << run_lg2) - 1);
			item = iova & ~(PT_BIT(isz + run_lg2) - 1);
			if (unlikely(item != iova)) {
				ret = -EINVAL;		/* the range starts inside this leaf */
				goto out;
			}
			pgsize |= PT_BIT(isz + run_lg2);
			if (likely(!run_lg2)) {
				/* The hot loop: plain leaves, one load and one store each. */
				uint64_t left = ((end - item - 1) >> isz) + 1;
				uint64_t mask, val;

				fmt_plain_leaf(t, level, &mask, &val);
				stop = left < n - idx ? idx + (unsigned int)left : n;
				if (c)
					pt_collect_add(c, item, fmt_leaf_oa_at(t, pte, level),
						       PT_BIT(isz));
				pt_pte_write(&table[idx], 0);
				/* Without a report: four at a time while all four are plain. */
				for (idx++; !c && stop - idx >= 4; idx += 4) {
					pt_entry_t *q = &table[idx];
					uint64_t d0 = pt_pte_read(&q[0]) ^ val;
					uint64_t d1 = pt_pte_read(&q[1]) ^ val;
					uint64_t d2 = pt_pte_read(&q[2]) ^ val;
					uint64_t d3 = pt_pte_read(&q[3]) ^ val;

					if ((d0 | d1 | d2 | d3) & mask)
						break;
					pt_pte_write(&q[0], 0);
					pt_pte_write(&q[1], 0);
					pt_pte_write(&q[2], 0);
					pt_pte_write(&q[3], 0);
				}
				for (; idx < stop; idx++) {
					pte = pt_pte_read(&table[idx]);
					if ((pte & mask) != val)
						break;
					if (c)
						pt_collect_add(c, item + ((uint64_t)(idx - first)
									  << isz),
							       fmt_leaf_oa_at(t, pte, level),
							       PT_BIT(isz));
					pt_pte_write(&table[idx], 0);
				}
			} else {
				if (c)
					pt_collect_add(c, item, fmt_leaf_oa_at(t, pte, level),
						       PT_BIT(isz + run_lg2));
				for (idx = first; idx < first + (1u << run_lg2); idx++)
					pt_pte_write(&table[idx], 0);
			}
			pt_sync(t, &table[first], (size_t)(idx - first) * sizeof(*table));
			iova = item + ((uint64_t)(idx - first) << isz);
		}
		if (iova >= end)
			break;
		/* Done here: up to the lowest table still covering iova, or the next root. */
		while (level < top && !(iova & (PT_BIT(item_lg2(t, level + 1)) - 1))) {
			if (free_empty)
				pt_unlink_if_empty(t, gather, tables[level + 1], table, level,
						   iova - 1);
			level++;
			table = tables[level];
		}
		if (level == top)
			table = pt_root(t, iova);
next_table:
		;
	}
out:
	/* Free-empty: the table the walk stopped in, and its ancestors, may be empty now. */
	if (free_empty) {
		uint64_t at = ret ? iova : iova - 1;

		while (level < top && pt_unlink_if_empty(t, gather, tables[level + 1], table, level,
							 at)) {
			level++;
			table = tables[level];
		}
	}
	if (iova != start) {
		pt_gather_add(gather, start, iova - 1);
		gather->pgsize |= pgsize;
	}
	if (c)
		pt_collect_finish(c);
	*unmapped = iova - start;
	return ret;
}

static noinline int pt_unmap_plain_walk(struct ptcore_table *t, uint64_t start, uint64_t end,
					struct ptcore_gather *gather, uint64_t *unmapped)
{
	return pt_unmap_walk(t, start, end, gather, unmapped, NULL, false);
}

/*
 * The single-page fast paths (the DMA API's commonest calls), compiled
 * once per granule the format lists in PT_FMT_GRANULES and per top
 * level, so that the descent is unrolled with constant shifts and
 * index masks below the top. Each goes straight down through tables that
 * are all there and declines (false, nothing done) anything else, which
 * the walks do and report.
 */
#ifndef PT_FMT_GRANULES
#error "a format sets PT_FMT_GRANULES (its granules, a mask) before including pt_algo.h"
#endif

/*
 * Optional accessors, for the fast paths, with their defaults:
 *   fmt_valid_table(t, pte, level)  fmt_valid() && fmt_is_table(), in one test
 *   fmt_table_pa_g(t, pte, g)       fmt_table_pa() for a table of granule @g,
 *                                   a constant
 *   PT_FMT_ONE_ROOT                 defined when the format has a single root
 *   PT_FMT_BPL(g)                   see the top of this file
 */
#ifndef PT_FMT_BPL
#define PT_FMT_BPL(g)	((g) - 3)	/* 8-byte entries, a granule per table */
#endif
#ifndef fmt_valid_table
static inline bool fmt_valid_table(const struct ptcore_table *t, uint64_t pte, unsigned int level)
{
	return fmt_valid(pte) && fmt_is_table(t, pte, level);
}
#endif
#ifndef fmt_table_pa_g
static inline uint64_t fmt_table_pa_g(const struct ptcore_table *t, uint64_t pte, unsigned int g)
{
	return fmt_table_pa(t, pte);
}
#endif

static inline pt_entry_t *pt_one_root(const struct ptcore_table *t, uint64_t iova)
{
#ifdef PT_FMT_ONE_ROOT
	return t->roots[0];
#else
	return pt_root(t, iova);
#endif
}

/*
 * Down from @top along @iova, through tables only, to the entry for @iova
 * of the level whose items are 2^@lg2 bytes: that entry, with its level in
 * *@level; NULL when an entry above it is not a table, or no level has
 * items of that size. @g is the granule, @top the top level: constants
 * (@top may be t->geom.top_level).
 */
static __always_inline pt_entry_t *pt_one_entry(const struct ptcore_table *t, uint64_t iova,
						unsigned int lg2, unsigned int *level,
						const unsigned int g, const unsigned int top)
{
	const unsigned int bpl = PT_FMT_BPL(g);
	unsigned int lvl = top, shift = g + bpl * top;
	pt_entry_t *ptep;
	uint64_t pte;

	if (g + bpl * top > 63)
		return NULL;		/* no such table */
	ptep = &pt_one_root(t, iova)[(iova >> shift) & t->geom.index_mask[top]];

#pragma GCC unroll 8
	while (shift > lg2) {
		pte = pt_pte_read_table(ptep);
		if (unlikely(!fmt_valid_table(t, pte, lvl)))
			return NULL;
		lvl--;
		shift -= bpl;
		ptep = (pt_entry_t *)table_va(t, fmt_table_pa_g(t, pte, g)) +
		       ((iova >> shift) & ((1u << bpl) - 1));
	}
	if (unlikely(shift != lg2))
		return NULL;
	*level = lvl;
	return ptep;
}

/* One page into an empty entry (as the walk's hot loop: one load, one store). */
static __always_inline bool pt_map_one_g(struct ptcore_table *t, uint64_t iova, uint64_t pa,
					 unsigned int pgsize_lg2, uint32_t prot,
					 const unsigned int g, const unsigned int top)
{
	unsigned int level;
	pt_entry_t *ptep = pt_one_entry(t, iova, pgsize_lg2, &level, g, top);

	if (unlikely(!ptep || level >= PT_LEAF_LEVELS || pt_pte_read_table(ptep)))
		return false;
	pt_pte_write(ptep, t->leaf_attrs[level][prot & PT_PROT_ALL] | fmt_encode_oa(t, pa));
	pt_sync(t, ptep, sizeof(*ptep));
	return true;
}

/* [iova, end) is exactly one single-entry leaf: it goes with one store. */
static __always_inline bool pt_unmap_one_g(struct ptcore_table *t, uint64_t iova, uint64_t end,
					   struct ptcore_gather *gather, const unsigned int g,
					   const unsigned int top)
{
	uint64_t len = end - iova, mask, val;
	pt_entry_t *ptep;
	unsigned int level;

	if (unlikely((len & (len - 1)) || (iova & (len - 1))))
		return false;
	ptep = pt_one_entry(t, iova, pt_ffs64(len), &level, g, top);
	if (unlikely(!ptep))
		return false;
	fmt_plain_leaf(t, level, &mask, &val);
	if (unlikely((pt_pte_read_table(ptep) & mask) != val))
		return false;
	pt_pte_write(ptep, 0);
	pt_sync(t, ptep, sizeof(*ptep));
	pt_gather_add(gather, iova, end - 1);
	gather->pgsize |= len;
	return true;
}

/* A copy of each fast path per top level, for granule @g. */
static __always_inline bool pt_map_one_top(struct ptcore_table *t, uint64_t iova, uint64_t pa,
					   unsigned int pgsize_lg2, uint32_t prot,
					   const unsigned int g)
{
	switch (t->geom.top_level) {
	case 0: return pt_map_one_g(t, iova, pa, pgsize_lg2, prot, g, 0);
	case 1: return pt_map_one_g(t, iova, pa, pgsize_lg2, prot, g, 1);
	case 2: return pt_map_one_g(t, iova, pa, pgsize_lg2, prot, g, 2);
	case 3: return pt_map_one_g(t, iova, pa, pgsize_lg2, prot, g, 3);
	case 4: return pt_map_one_g(t, iova, pa, pgsize_lg2, prot, g, 4);
	case 5: return pt_map_one_g(t, iova, pa, pgsize_lg2, prot, g, 5);
	}
	return false;
}

static __always_inline bool pt_unmap_one_top(struct ptcore_table *t, uint64_t iova, uint64_t end,
					     struct ptcore_gather *gather, const unsigned int g)
{
	switch (t->geom.top_level) {
	case 0: return pt_unmap_one_g(t, iova, end, gather, g, 0);
	case 1: return pt_unmap_one_g(t, iova, end, gather, g, 1);
	case 2: return pt_unmap_one_g(t, iova, end, gather, g, 2);
	case 3: return pt_unmap_one_g(t, iova, end, gather, g, 3);
	case 4: return pt_unmap_one_g(t, iova, end, gather, g, 4);
	case 5: return pt_unmap_one_g(t, iova, end, gather, g, 5);
	}
	return false;
}

/* And per granule of the format's PT_FMT_GRANULES (a mask of granules, log2). */
static __always_inline bool pt_map_one(struct ptcore_table *t, uint64_t iova, uint64_t pa,
				       unsigned int pgsize_lg2, uint32_t prot)
{
	switch (t->geom.granule_lg2) {
	case 12: return (PT_FMT_GRANULES & PT_BIT(12)) &&
			pt_map_one_top(t, iova, pa, pgsize_lg2, prot, 12);
	case 14: return (PT_FMT_GRANULES & PT_BIT(14)) &&
			pt_map_one_top(t, iova, pa, pgsize_lg2, prot, 14);
	case 16: return (PT_FMT_GRANULES & PT_BIT(16)) &&
			pt_map_one_top(t, iova, pa, pgsize_lg2, prot, 16);
	}
	return false;
}

static __always_inline bool pt_unmap_one(struct ptcore_table *t, uint64_t iova, uint64_t end,
					 struct ptcore_gather *gather)
{
	switch (t->geom.granule_lg2) {
	case 12: return (PT_FMT_GRANULES & PT_BIT(12)) &&
			pt_unmap_one_top(t, iova, end, gather, 12);
	case 14: return (PT_FMT_GRANULES & PT_BIT(14)) &&
			pt_unmap_one_top(t, iova, end, gather, 14);
	case 16: return (PT_FMT_GRANULES & PT_BIT(16)) &&
			pt_unmap_one_top(t, iova, end, gather, 16);
	}
	return false;
}

/* map_pages: one page by the fast path when it can, else the walk. */
static int __pt_walk pt_map(struct ptcore_table *t, uint64_t iova, uint64_t pa,
			    unsigned int pgsize_lg2, uint64_t pgcount, uint32_t prot, uint32_t gfp,
			    uint64_t *mapped)
{
	if (pgcount == 1 && pt_map_one(t, iova, pa, pgsize_lg2, prot)) {
		if (mapped)
			*mapped = PT_BIT(pgsize_lg2);
		return 0;
	}
	return pt_map_pages_walk(t, iova, pa, pgsize_lg2, pgcount, prot, gfp, mapped);
}

/* unmap without the extras: one leaf by the fast path when it can, else the walk. */
static int __pt_walk pt_unmap(struct ptcore_table *t, uint64_t start, uint64_t end,
			      struct ptcore_gather *gather, uint64_t *unmapped)
{
	if (pt_unmap_one(t, start, end, gather)) {
		*unmapped = end - start;
		return 0;
	}
	return pt_unmap_plain_walk(t, start, end, gather, unmapped);
}

static int __pt_walk pt_unmap_ext(struct ptcore_table *t, uint64_t start, uint64_t end,
				  struct ptcore_gather *gather, uint64_t *unmapped,
				  struct pt_collect *c)
{
	return pt_unmap_walk(t, start, end, gather, unmapped, c,
			     t->features & PTCORE_FEAT_FREE_EMPTY_TABLES);
}

/* ---- cut ---- */

/*
 * A private table at @level (nobody sees it until it is published) that
 * translates [iova, iova + its span) to @oa with the permissions of leaf
 * @pte, with no leaf across @cut: at each level the largest leaves (or
 * contiguous runs) of the page sizes that fit on either side of @cut, as
 * ptcore_map_range() would choose them, and a table further down for the
 * item that holds @cut or whose size is no page size. NULL without memory;
 * what it allocated is freed then.
 */
/*
 * Replicated runs (fmt_run_replicates()): the leaf ptcore_cut() puts at
 * entry @i of a table at @level (translating @at) when entries [@i, @end)
 * are to be filled: log2 of the entries of the largest page size that
 * starts aligned at @i, ends by @end and does not hold @cut inside; -1 when
 * not even one entry can be a leaf (it holds @cut inside, or its size is no
 * page size): then it becomes a table.
 */
static int pt_cut_run_lg2(const struct ptcore_table *t, unsigned int level, unsigned int i,
			  unsigned int end, uint64_t at, uint64_t cut)
{
	unsigned int isz = item_lg2(t, level);
	int r;

	for (r = t->geom.bpl - 1; r >= 0; r--) {
		uint64_t span = PT_BIT(isz + r);

		if ((i & ((1u << r) - 1)) || i + (1u << r) > end ||
		    !(t->pgsize_bitmap & span) || (cut > at && cut < at + span))
			continue;
		return r;
	}
	return -1;
}

static pt_entry_t *pt_cut_build(struct ptcore_table *t, unsigned int level, uint64_t iova,
				uint64_t oa, uint64_t pte, uint64_t cut, uint32_t gfp)
{
	unsigned int isz = item_lg2(t, level), n = pt_entries(t, level), i, k, run;
	size_t bytes = pt_table_bytes(t, level);
	pt_entry_t *table;
	uint64_t pa;

	/* @pte is a leaf of the level above: in the layout of this level's leaves. */
	pte = fmt_leaf_relevel(t, pte, level);
	table = pt_alloc_table(t, bytes, &pa, gfp);
	if (!table)
		return NULL;
	for (i = 0; i < n; i += run) {
		uint64_t at = iova + ((uint64_t)i << isz);
		unsigned int run_lg2 = level < 2 ? t->run_lg2[level] : 0, leaf_lg2 = isz;
		int r = 0;

		/* a contiguous run, where its size is a page size and @cut is not inside */
		run = 1;
		if (fmt_run_replicates(t)) {
			r = pt_cut_run_lg2(t, level, i, n, at, cut);
			run = r > 0 ? 1u << r : 1;
		} else if (run_lg2 && (t->pgsize_bitmap & PT_BIT(isz + run_lg2)) &&
			   !(i & ((1u << run_lg2) - 1)) &&
			   (cut <= at || cut >= at + PT_BIT(isz + run_lg2))) {
			run = 1u << run_lg2;
			leaf_lg2 = isz + run_lg2;
		}
		if (fmt_run_replicates(t) ? r < 0 :
		    ((cut > at && cut < at + PT_BIT(isz)) ||
		     !(t->pgsize_bitmap & PT_BIT(leaf_lg2)))) {
			pt_entry_t *child;

			child = OS_WARN_ON(!level) ? NULL :
				pt_cut_build(t, level - 1, at, oa + (at - iova), pte, cut, gfp);
			if (!child) {
				pt_free_subtree(t, table, level);
				return NULL;
			}
			table[i] = fmt_make_table(t, table_pa(t, child), level);
			continue;
		}
		for (k = 0; k < run; k++)
			table[i + k] = fmt_leaf_reattr(t, pte, level,
						       fmt_run_replicates(t) ? r : run > 1) |
				       fmt_encode_oa(t, oa + (at - iova) +
						     (fmt_run_replicates(t) ? 0 :
						      (uint64_t)k << isz));
	}
	pt_sync(t, table, bytes);
	return table;
}

/*
 * pt_cut_leaf() for a replicated run of 2^@run_lg2 entries at @first: each
 * side of @cut keeps the largest page sizes its alignment allows, and every
 * entry that cannot be a leaf becomes a table (pt_cut_build()). The tables
 * are built first, chained through their pt_meta in entry order, so that
 * nothing is written unless all of them could be had.
 */
static int pt_cut_replicated(struct ptcore_table *t, pt_entry_t *first, unsigned int level,
			     unsigned int run_lg2, uint64_t start, uint64_t cut, uint32_t gfp,
			     struct ptcore_gather *gather)
{
	unsigned int isz = item_lg2(t, level), n = 1u << run_lg2, k, j, step;
	uint64_t pte = pt_pte_read(first), oa = fmt_leaf_oa_at(t, pte, level);
	uint64_t span = PT_BIT(isz + run_lg2);
	pt_entry_t *head = NULL, *tail = NULL, *child;
	struct ptcore_gather g;
	int r;

	for (k = 0; k < n; k += step) {
		uint64_t at = start + ((uint64_t)k << isz);

		r = pt_cut_run_lg2(t, level, k, n, at, cut);
		step = r < 0 ? 1 : 1u << r;
		if (r >= 0)
			continue;
		child = OS_WARN_ON(!level) ? NULL :
			pt_cut_build(t, level - 1, at, oa + (at - start), pte, cut, gfp);
		if (!child) {
			for (; head; head = child) {
				child = pt_link_next(pt_meta(t, head)->link);
				pt_free_subtree(t, head, level - 1);
			}
			return -ENOMEM;
		}
		pt_meta(t, child)->link = pt_link(NULL, level - 1);
		if (tail)
			pt_meta(t, tail)->link = pt_link(child, level - 1);
		else
			head = child;
		tail = child;
	}
	/* Break before make, as pt_cut_leaf(). */
	for (k = 0; k < n; k++)
		pt_pte_write(&first[k], 0);
	pt_sync(t, first, n * sizeof(*first));
	pt_gather_init(&g);
	pt_gather_add(&g, start, start + span - 1);
	g.pgsize = span;
	pt_flush(t, &g);
	os_wmb();
	for (k = 0; k < n; k += step) {
		uint64_t at = start + ((uint64_t)k << isz), e;

		r = pt_cut_run_lg2(t, level, k, n, at, cut);
		step = r < 0 ? 1 : 1u << r;
		if (r < 0) {
			e = fmt_make_table(t, table_pa(t, head), level);
			head = pt_link_next(pt_meta(t, head)->link);
		} else {
			e = fmt_leaf_reattr(t, pte, level, r) |
			    fmt_encode_oa(t, oa + ((uint64_t)k << isz));
		}
		for (j = 0; j < step; j++)
			pt_pte_write(&first[k + j], e);
	}
	pt_sync(t, first, n * sizeof(*first));
	pt_gather_add(gather, start, start + span - 1);
	gather->pgsize |= span;
	return 0;
}

/*
 * The leaf at @first (@level, a run of 2^@run_lg2 entries) spans @cut,
 * which is not its first byte: rewrite its entries so that none does, with
 * the same translations (see ptcore_cut()). Everything that can fail comes
 * before the first write.
 */
static int pt_cut_leaf(struct ptcore_table *t, pt_entry_t *first, unsigned int level,
		       unsigned int run_lg2, uint64_t start, uint64_t cut, uint32_t gfp,
		       struct ptcore_gather *gather)
{
	unsigned int isz = item_lg2(t, level), n = 1u << run_lg2, k;
	unsigned int k_cut = (unsigned int)((cut - start) >> isz);
	uint64_t pte = pt_pte_read(first), oa = fmt_leaf_oa_at(t, pte, level);
	uint64_t span = PT_BIT(isz + run_lg2);
	pt_entry_t *child = NULL;

	/* The entry that holds @cut inside it becomes a table of smaller leaves. */
	if (cut & (PT_BIT(isz) - 1)) {
		uint64_t at = start + ((uint64_t)k_cut << isz);

		child = pt_cut_build(t, level - 1, at, oa + (at - start), pte, cut, gfp);
		if (!child)
			return -ENOMEM;
	}
	if (!fmt_cut_hitless(t)) {
		/*
		 * Break before make: no walker may see the old leaf and the new
		 * entries at once, so the old leaf goes out of every TLB first
		 * (a device access in between faults).
		 */
		struct ptcore_gather g;

		for (k = 0; k < n; k++)
			pt_pte_write(&first[k], 0);
		pt_sync(t, first, n * sizeof(*first));
		pt_gather_init(&g);
		pt_gather_add(&g, start, start + span - 1);
		g.pgsize = span;
		pt_flush(t, &g);
	}
	/*
	 * With BBML2 each store replaces a translation by the same one:
	 * hitless. The new tables are complete before an entry points to them.
	 */
	os_wmb();
	for (k = 0; k < n; k++)
		pt_pte_write(&first[k], child && k == k_cut ?
			     fmt_make_table(t, table_pa(t, child), level) :
			     fmt_leaf_reattr(t, pte, level, 0) |
			     fmt_encode_oa(t, oa + ((uint64_t)k << isz)));
	pt_sync(t, first, n * sizeof(*first));
	pt_gather_add(gather, start, start + span - 1);
	gather->pgsize |= span;
	return 0;
}

static int pt_cut(struct ptcore_table *t, uint64_t cut, uint32_t gfp,
		  struct ptcore_gather *gather)
{
	unsigned int level = t->geom.top_level;
	pt_entry_t *table = pt_root(t, cut);

	for (;;) {
		unsigned int idx = table_index(t, cut, level), run_lg2, first;
		uint64_t pte = pt_pte_read_table(&table[idx]), start;

		if (!fmt_valid(pte))
			return 0;			/* nothing mapped here: a boundary */
		if (fmt_is_table(t, pte, level)) {
			table = pt_child(t, pte);
			level--;
			continue;
		}
		run_lg2 = fmt_leaf_run_lg2(t, pte, level);
		start = cut & ~(PT_BIT(item_lg2(t, level) + run_lg2) - 1);
		if (start == cut)
			return 0;			/* already the first byte of a leaf */
		first = idx & ~((1u << run_lg2) - 1);
		if (fmt_run_replicates(t) && run_lg2)
			return pt_cut_replicated(t, &table[first], level, run_lg2, start, cut, gfp,
						 gather);
		return pt_cut_leaf(t, &table[first], level, run_lg2, start, cut, gfp, gather);
	}
}

/* ---- read_and_clear_dirty ---- */

struct pt_dirty {
	uint64_t mask, val;		/* fmt_dirty_state() */
	bool clear;			/* not PTCORE_DIRTY_NO_CLEAR */
	struct ptcore_gather *gather;	/* receives what was made clean */
	struct pt_collect *c;		/* receives what was dirty, or NULL */
};

/* A contiguous run holding entry @idx of @table: its first entry and its end. */
static inline void pt_dirty_run_bounds(const struct ptcore_table *t, const pt_entry_t *table,
				       unsigned int level, unsigned int idx, unsigned int *first,
				       unsigned int *last)
{
	uint64_t pte = pt_pte_read_table(&table[idx]);
	unsigned int run = 1;

	if (fmt_valid(pte) && !fmt_is_table(t, pte, level))
		run = 1u << fmt_leaf_run_lg2(t, pte, level);
	*first = idx & ~(run - 1);
	*last = *first + run;
}

/*
 * The leaf with a dirty entry at @idx, which translates @iova: report it
 * whole, clean it; returns the index after it.
 */
static unsigned int pt_dirty_leaf(const struct ptcore_table *t, pt_entry_t *table,
				  unsigned int level, unsigned int idx, uint64_t iova,
				  struct pt_dirty *d)
{
	unsigned int isz = item_lg2(t, level), first, last, i;
	uint64_t leaf, size;

	pt_dirty_run_bounds(t, table, level, idx, &first, &last);
	leaf = iova - ((uint64_t)(idx - first) << isz);
	size = (uint64_t)(last - first) << isz;
	if (d->c)
		pt_collect_add(d->c, leaf, fmt_leaf_oa_at(t, pt_pte_read(&table[first]), level),
			       size);
	if (d->clear) {
		for (i = first; i < last; i++)
			fmt_dirty_clean(t, &table[i]);
		pt_gather_add(d->gather, leaf, leaf + size - 1);
		d->gather->pgsize |= size;
	}
	return last;
}

/*
 * Every leaf in [iova, end) below @table (at @level): report each dirty one
 * whole, from its first byte, and make it clean. A contiguous run is one
 * leaf: the hardware may have marked any of its entries, so the runs at
 * both ends of the range are scanned whole. Holes are skipped. The scan
 * only loads and compares; its next entry never waits for the last one.
 */
static void pt_dirty_walk(const struct ptcore_table *t, pt_entry_t *table, unsigned int level,
			  uint64_t iova, uint64_t end, struct pt_dirty *d)
{
	const unsigned int isz = item_lg2(t, level), n = pt_entries(t, level);
	unsigned int idx = table_index(t, iova, level), stop, first, last;
	uint64_t item = iova & ~(PT_BIT(isz) - 1);
	uint64_t left = ((end - 1 - item) >> isz) + 1;
	const uint64_t base = item - ((uint64_t)idx << isz);	/* translated by entry 0 */

	stop = left < n - idx ? idx + (unsigned int)left : n;
	pt_dirty_run_bounds(t, table, level, idx, &first, &last);
	idx = first;
	pt_dirty_run_bounds(t, table, level, stop - 1, &first, &last);
	stop = last;

	for (; idx < stop; idx++) {
		uint64_t pte = pt_pte_read_table(&table[idx]);

		item = base + ((uint64_t)idx << isz);
		if (level && fmt_valid(pte) && fmt_is_table(t, pte, level)) {
			pt_dirty_walk(t, pt_child(t, pte), level - 1, item > iova ? item : iova,
				      end, d);
			continue;
		}
		if (likely((pte & d->mask) != d->val))
			continue;
		idx = pt_dirty_leaf(t, table, level, idx, item, d) - 1;
	}
}

static int pt_read_and_clear_dirty(struct ptcore_table *t, uint64_t iova, uint64_t end,
				   bool clear, struct ptcore_gather *gather, struct pt_collect *c)
{
	struct pt_dirty d = { .clear = clear, .gather = gather, .c = c };

	fmt_dirty_state(t, &d.mask, &d.val);
	/* One pass per top table (DART: one per TTBR); a walk stops at its table's end. */
	for (;;) {
		pt_dirty_walk(t, pt_root(t, iova), t->geom.top_level, iova, end, &d);
		iova = (iova | (PT_BIT(t->geom.root_shift) - 1)) + 1;
		if (iova >= end || !iova)
			break;
	}
	if (c)
		pt_collect_finish(c);
	return 0;
}

const struct pt_fmt_ops PT_FMT_OPS = {
	.map = pt_map,
	.map_range = pt_map_range,
	.unmap = pt_unmap,
	.unmap_ext = pt_unmap_ext,
	.cut = pt_cut,
	.iova_to_phys = pt_iova_to_phys,
	.read_and_clear_dirty = pt_read_and_clear_dirty,
	.free_list = pt_free_list,
	.free_all = pt_free_all,
};
