/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The table floor (pt_mem.c): table memory and the caller's callbacks,
 * the metadata kept about each table, gathers and their freelists, the
 * tables maps replaced by leaves, and unmap_collect's batch of runs.
 *
 * What lies below a table on a freelist is the format's to know: this floor
 * only links the subtrees' tops; the algorithms walk and free them.
 */
#ifndef PTCORE_PT_MEM_H
#define PTCORE_PT_MEM_H

#include "pt_common.h"

/* ---- table memory and callbacks ---- */

static inline void pt_sync(const struct ptcore_table *t, void *va, size_t len)
{
	if (unlikely(pt_incoherent(t)) && t->ops && t->ops->sync_table)
		t->ops->sync_table(t->cookie, va, len);
}

/* The caller's IOTLB flush of @gather's range (and walk caches, with its tables). */
static inline void pt_flush(struct ptcore_table *t, const struct ptcore_gather *gather)
{
	if (t->ops && t->ops->iotlb_flush)
		t->ops->iotlb_flush(t->cookie, gather);
}

/* Table memory, metadata, gathers' freelists and parked tables: pt_mem.c. */
int pt_mem_init(struct ptcore_table *t);
void pt_mem_destroy(struct ptcore_table *t);
void *pt_alloc_table(struct ptcore_table *t, size_t bytes, uint64_t *pa, uint32_t gfp);
void *pt_alloc_table_to_fill(struct ptcore_table *t, size_t bytes, uint64_t *pa, uint32_t gfp);
void pt_free_table(struct ptcore_table *t, void *va, size_t bytes);
struct pt_meta *pt_meta(const struct ptcore_table *t, const void *table);

/* pt_meta.link: the next table, and this one's level in bits 1..3. */
#define PT_LINK_LEVEL_MASK	0xeUL

static inline uintptr_t pt_link(const void *next, unsigned int level)
{
	return (uintptr_t)next | ((uintptr_t)level << 1);
}

static inline void *pt_link_next(uintptr_t link)
{
	return (void *)(link & ~(uintptr_t)0x3f);
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
				   void *table, unsigned int level, uint32_t ntables)
{
	struct pt_meta *m = pt_meta(t, table);

	m->link = pt_link(gather->freelist, level);
	m->aux = (uintptr_t)t;
	gather->freelist = table;
	gather->nr_tables += ntables;
}

bool pt_gather_owned(const struct ptcore_table *t, const struct ptcore_gather *gather);

/* ---- tables replaced by maps ---- */

void pt_park(struct ptcore_table *t, void *first, struct pt_meta *last);
void pt_unpark(struct ptcore_table *t, struct ptcore_gather *gather, uint64_t start,
	       uint64_t end);
void *pt_parked_take(struct ptcore_table *t);

/* ---- unmap_collect ---- */

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

#endif /* PTCORE_PT_MEM_H */
