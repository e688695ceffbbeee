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
 *   fmt_make_table(t, pa)               table entry for a table at @pa
 *   fmt_leaf_oa(t, pte)                 output address of a leaf entry
 *   fmt_leaf_run_lg2(t, pte, level)     log2 of the entries that form the leaf
 *                                       (ARM contiguous hint; else 0)
 *   fmt_leaf_attrs(t, prot, level, run_lg2)   leaf bits except the address
 *   fmt_encode_oa(t, pa)                address bits of a leaf for @pa
 *   fmt_oa_linear(t)                    encode(pa + n) == encode(pa) + encode(n)
 *   fmt_plain_leaf(t, level, &mask, &val)   (pte & mask) == val exactly for a
 *                                       valid single-entry leaf at @level
 *
 * Conventions: see pt_common.h. Every walk is one descent that keeps its
 * position; nothing re-walks from the top per entry.
 */
#ifndef PT_FMT_OPS
#error "define PT_FMT_OPS before including pt_algo.h"
#endif

static inline uint64_t *pt_child(const struct ptcore_table *t, uint64_t pte)
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

static int pt_iova_to_phys(const struct ptcore_table *t, uint64_t iova, uint64_t *phys)
{
	const uint64_t *table = pt_root(t, iova);
	unsigned int level = t->geom.top_level;
	uint64_t pte;

	for (;;) {
		pte = os_pte_read_table(&table[table_index(t, iova, level)]);
		if (!fmt_valid(pte))
			return -ENOENT;
		if (!fmt_is_table(t, pte, level))
			break;
		table = pt_child(t, pte);
		level--;
	}
	*phys = fmt_leaf_oa(t, pte) | (iova & (PT_BIT(item_lg2(t, level)) - 1));
	return 0;
}

/* ---- freeing ---- */

static void pt_free_subtree(struct ptcore_table *t, uint64_t *table, unsigned int level)
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
	pt_free_table(t, table, table_bytes(t, level));
}

/*
 * True when a leaf lies somewhere below @table (a whole table at @level).
 * When there is none, *@ntables has grown by the tables of the subtree.
 */
static bool pt_subtree_has_leaf(const struct ptcore_table *t, const uint64_t *table,
				unsigned int level, uint32_t *ntables)
{
	unsigned int i, n = pt_entries(t, level);

	(*ntables)++;
	for (i = 0; i < n; i++) {
		uint64_t pte = os_pte_read_table(&table[i]);

		if (!fmt_valid(pte))
			continue;
		if (!fmt_is_table(t, pte, level) ||
		    pt_subtree_has_leaf(t, pt_child(t, pte), level - 1, ntables))
			return true;
	}
	return false;
}

/* ---- map ---- */

struct pt_map_state {
	struct ptcore_table *t;
	uint64_t iova;			/* next IOVA to map */
	uint64_t end;			/* end of the range, exclusive */
	uint64_t pa;			/* output address for iova */
	uint64_t attrs;			/* leaf entry bits but the address */
	unsigned int leaf_level;
	unsigned int run_lg2;		/* entries per leaf, log2 */
	uint32_t gfp;
	struct ptcore_gather flush;	/* what the map must flush before it returns */
	uint64_t *parked;		/* tables replaced by leaves, linked by pt_meta */
	struct pt_meta *parked_last;
};

/*
 * The entry at @ptep (a table at @level) is where a leaf must go. If its
 * subtree holds no leaf, swap it for @leaf; the map flushes its span before
 * returning and parks it (pt_mem.c) until an unmap removes @leaf. Never
 * allocates, so a run of entries cannot fail half way for want of memory.
 */
static int pt_replace_empty_table(struct pt_map_state *ms, uint64_t *ptep, uint64_t old,
				  unsigned int level, uint64_t leaf, uint64_t iova)
{
	struct ptcore_table *t = ms->t;
	uint64_t *child = pt_child(t, old);
	uint32_t ntables = 0;
	struct pt_meta *m;

	if (pt_subtree_has_leaf(t, child, level - 1, &ntables))
		return -EADDRINUSE;
	if (!os_pte_cmpxchg(ptep, &old, leaf))
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
static int pt_map_leaves(struct pt_map_state *ms, uint64_t *table, unsigned int level)
{
	struct ptcore_table *t = ms->t;
	unsigned int isz = item_lg2(t, level);
	unsigned int first = table_index(t, ms->iova, level);
	uint64_t nr = pt_entries(t, level) - first;
	uint64_t *start = table + first, *ptep = start, *stop;
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
		for (; ptep != stop; ptep++, pte += step) {
			uint64_t old = os_pte_read_table(ptep);

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
			os_pte_write(ptep, pte);
		}
	} else {
		/* Contiguous runs (or an address encoding that is not linear). */
		for (; ptep != stop; ptep += run) {
			uint64_t iova = ms->iova + ((uint64_t)(ptep - start) << isz);
			uint64_t pa = ms->pa + ((uint64_t)(ptep - start) << isz);

			for (i = 0; i < run; i++) {
				uint64_t old = os_pte_read_table(&ptep[i]);
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
				uint64_t old = os_pte_read_table(&ptep[i]);

				pte = ms->attrs | fmt_encode_oa(t, pa + ((uint64_t)i << isz));
				if (old) {
					ret = pt_replace_empty_table(ms, &ptep[i], old, level, pte,
								     iova + ((uint64_t)i << isz));
					if (ret)
						break;
				} else {
					os_pte_write(&ptep[i], pte);
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
					os_pte_write(&ptep[i], 0);
				if (written) {
					pt_sync(t, ptep, written * sizeof(*ptep));
					pt_gather_add(&ms->flush, iova,
						      iova + ((uint64_t)written << isz) - 1);
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
static uint64_t pt_install_table(struct pt_map_state *ms, uint64_t *ptep, unsigned int level)
{
	struct ptcore_table *t = ms->t;
	size_t bytes = table_bytes(t, level - 1);
	uint64_t pte = 0, new_pte, pa;
	uint64_t *child;

	child = pt_alloc_table(t, bytes, &pa, ms->gfp);
	if (!child)
		return 0;
	pt_sync(t, child, bytes);
	new_pte = fmt_make_table(t, pa);
	/*
	 * Publish with a release compare-and-swap: a concurrent map of a
	 * neighbouring range may install a table here too; the loser frees
	 * its copy, which nobody saw.
	 */
	if (os_pte_cmpxchg(ptep, &pte, new_pte)) {
		pt_sync(t, ptep, sizeof(*ptep));
		return new_pte;
	}
	pt_free_table(t, child, bytes);
	return pte;
}

/*
 * The entry at @ptep is empty and the next table down is the leaf level:
 * build that table privately (plain stores, nobody can see it yet) and
 * publish it whole. Returns 0 when done, 1 when a concurrent map installed a
 * table first (the caller then maps into that one), -ENOMEM.
 */
static int pt_map_fresh_leaf_table(struct pt_map_state *ms, uint64_t *ptep, unsigned int level)
{
	struct ptcore_table *t = ms->t;
	unsigned int isz = item_lg2(t, level);
	unsigned int n = pt_entries(t, level);
	unsigned int first = table_index(t, ms->iova, level);
	uint64_t nr = n - first, pte, step, old = 0, pa;
	size_t bytes = table_bytes(t, level);
	uint64_t *child, *p, *stop;

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

	if (!os_pte_cmpxchg(ptep, &old, fmt_make_table(t, pa))) {
		pt_free_table(t, child, bytes);
		return 1;
	}
	pt_sync(t, ptep, sizeof(*ptep));
	ms->iova += nr << isz;
	ms->pa += nr << isz;
	return 0;
}

static int pt_map(struct ptcore_table *t, uint64_t iova, uint64_t pa, unsigned int pgsize_lg2,
		  uint64_t pgcount, uint32_t prot, uint32_t gfp, uint64_t *mapped)
{
	struct pt_map_state ms = {
		.t = t,
		.iova = iova,
		.end = iova + (pgcount << pgsize_lg2),
		.pa = pa,
		.gfp = gfp,
		.leaf_level = t->leaf_level[pgsize_lg2],
	};
	const unsigned int top = t->geom.top_level;
	uint64_t *tables[PT_MAX_LEVELS];	/* the table walked at each level */
	unsigned int level = top;
	uint64_t *table = pt_root(t, iova);
	int ret;

	ms.run_lg2 = pgsize_lg2 - item_lg2(t, ms.leaf_level);
	if (likely(!ms.run_lg2 && ms.leaf_level < PT_LEAF_LEVELS))
		ms.attrs = t->leaf_attrs[ms.leaf_level][prot & PT_PROT_ALL];
	else
		ms.attrs = fmt_leaf_attrs(t, prot, ms.leaf_level, ms.run_lg2);
	pt_gather_init(&ms.flush);

	for (;;) {
		/* Down to the leaf level along ms.iova, creating tables as needed. */
		while (level > ms.leaf_level) {
			uint64_t *ptep = &table[table_index(t, ms.iova, level)];
			uint64_t pte = os_pte_read_acquire(ptep);

			if (unlikely(!pte) && level - 1 == ms.leaf_level && !ms.run_lg2 &&
			    fmt_oa_linear(t)) {
				tables[level] = table;
				ret = pt_map_fresh_leaf_table(&ms, ptep, level - 1);
				if (ret < 0)
					goto out;
				if (ret == 0) {
					level--;
					goto table_done;
				}
				pte = os_pte_read_acquire(ptep);
			}
			if (unlikely(!pte)) {
				pte = pt_install_table(&ms, ptep, level);
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
		ret = pt_map_leaves(&ms, table, level);
		if (ret)
			break;
table_done:
		if (ms.iova >= ms.end)
			break;
		/* Up to the lowest table that still covers ms.iova (or the next root). */
		while (level < top && !(ms.iova & (PT_BIT(item_lg2(t, level + 1)) - 1)))
			level++;
		table = level < top ? tables[level] : pt_root(t, ms.iova);
	}
out:
	/* Replaced tables (and a run taken back): out of every walk cache before return. */
	if (unlikely(!pt_gather_empty(&ms.flush))) {
		pt_flush(t, &ms.flush);
		if (ms.parked)
			pt_park(t, ms.parked, ms.parked_last);
	}
	*mapped = ms.iova - iova;
	return ret;
}

/* ---- unmap ---- */

/*
 * Is every leaf below @table (a whole table at @level) present? Reads only:
 * a table that passes is unlinked whole and its memory is not written again
 * before it is freed. Counts the tables and ORs the leaf sizes it saw.
 */
static bool pt_subtree_full(const struct ptcore_table *t, const uint64_t *table,
			    unsigned int level, uint64_t *pgsize, uint32_t *ntables)
{
	unsigned int i, n = pt_entries(t, level);
	uint64_t all = ~0ULL, any = 0;

	(*ntables)++;
	if (!level) {
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

/*
 * One walk over [iova, end): leaves are removed whole, wholly covered full
 * tables are unlinked with one store and queued on the gather, partly
 * covered tables are walked into. The walk never skips an IOVA, so what it
 * removed is exactly [start, iova) when it stops.
 */
static int pt_unmap(struct ptcore_table *t, uint64_t start, uint64_t end,
		    struct ptcore_gather *gather, uint64_t *unmapped)
{
	const unsigned int top = t->geom.top_level;
	uint64_t *tables[PT_MAX_LEVELS];	/* the table walked at each level */
	unsigned int level = top;
	uint64_t *table = pt_root(t, start);
	uint64_t iova = start, pgsize = 0;
	int ret = 0;

	/* Straight down while the whole range lies strictly inside one table item. */
	while (level) {
		uint64_t *ptep = &table[table_index(t, iova, level)];
		uint64_t pte = os_pte_read_table(ptep);
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
			uint64_t pte = os_pte_read_table(&table[idx]);
			uint64_t item = iova & ~item_mask;
			unsigned int run_lg2, first, stop;

			if (unlikely(!fmt_valid(pte))) {
				ret = -EINVAL;		/* a hole stops the walk */
				goto out;
			}
			if (fmt_is_table(t, pte, level)) {
				uint64_t *child = pt_child(t, pte);
				uint32_t ntables = 0;

				if (item == iova && end - item > item_mask &&
				    pt_subtree_full(t, child, level - 1, &pgsize, &ntables)) {
					/* Wholly covered and full: unlink; free after the flush. */
					os_pte_write(&table[idx], 0);
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
				os_pte_write(&table[idx], 0);
				for (idx++; idx < stop; idx++) {
					pte = os_pte_read(&table[idx]);
					if ((pte & mask) != val)
						break;
					os_pte_write(&table[idx], 0);
				}
			} else {
				for (idx = first; idx < first + (1u << run_lg2); idx++)
					os_pte_write(&table[idx], 0);
			}
			pt_sync(t, &table[first], (size_t)(idx - first) * sizeof(*table));
			iova = item + ((uint64_t)(idx - first) << isz);
		}
		if (iova >= end)
			break;
		/* Done here: up to the lowest table still covering iova, or the next root. */
		while (level < top && !(iova & (PT_BIT(item_lg2(t, level + 1)) - 1)))
			level++;
		table = level < top ? tables[level] : pt_root(t, iova);
next_table:
		;
	}
out:
	if (iova != start) {
		pt_gather_add(gather, start, iova - 1);
		gather->pgsize |= pgsize;
	}
	*unmapped = iova - start;
	return ret;
}

const struct pt_fmt_ops PT_FMT_OPS = {
	.map = pt_map,
	.unmap = pt_unmap,
	.iova_to_phys = pt_iova_to_phys,
	.free_subtree = pt_free_subtree,
};
