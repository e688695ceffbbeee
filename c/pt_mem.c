// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Table memory, the metadata ptcore keeps about each table, the freelists
 * of gathers, and the tables that maps replaced by leaves.
 *
 * Metadata (struct pt_meta) lives outside table memory, so that nothing a
 * walker may still read is ever written after it was unlinked: for the
 * built-in allocator the environment keeps it (the kernel in struct page,
 * userspace in a side array of its arena); for a caller's allocator ptcore
 * keeps a directory of it, indexed by physical frame like a small page table
 * of its own, whose nodes are allocated when map allocates a table (map may
 * allocate; unmap never does, it only looks the metadata up).
 *
 * A gather's freelist is the most recently queued subtree top; each
 * table's pt_meta links to the next. So every gather holds its own
 * subtrees, unmaps share no lock, and a gather may move between calls.
 * Only the format knows what lies below a table: the algorithms free the
 * subtrees (pt_algo.h), this file only links their tops.
 *
 * A table that a map replaced by a leaf was flushed by that map, but a
 * lookup that raced the map may still be reading it. It is parked on the
 * handle until an unmap removes the leaf that replaced it (or a table above
 * that leaf): that unmap owns the range, no lookup of it may run, and its
 * gather frees the parked table after its flush.
 */
#include "pt_mem.h"

#define PT_META_SHIFT	12
#define PT_DIR_BITS	8
#define PT_DIR_SIZE	((unsigned int)PT_BIT(PT_DIR_BITS))

/* ---- the directory of a caller's tables ---- */

/* Level 0 holds the metadata itself; the levels above it, pointers. */
static size_t pt_dir_node_bytes(unsigned int level)
{
	return level ? PT_DIR_SIZE * sizeof(void *) : PT_DIR_SIZE * sizeof(struct pt_meta);
}

/*
 * The metadata of the table at @pa. With @create, missing directory nodes
 * are allocated with @gfp and published as map publishes tables. NULL when
 * out of memory, or without @create for a frame ptcore never allocated.
 */
static struct pt_meta *pt_dir_slot(struct ptcore_table *t, uint64_t pa, uint32_t gfp,
				   bool create)
{
	uint64_t frame = pa >> PT_META_SHIFT;
	void **node = t->dir;
	unsigned int level;

	for (level = t->dir_levels; level; level--) {
		void **slot = &node[(frame >> (PT_DIR_BITS * level)) & (PT_DIR_SIZE - 1)];
		void *next = os_ptr_read_acquire(slot);

		if (unlikely(!next)) {
			void *fresh;

			if (!create)
				return NULL;
			fresh = os_zalloc(pt_dir_node_bytes(level - 1), gfp);
			if (!fresh)
				return NULL;
			next = os_ptr_publish(slot, fresh);
			if (next != fresh)
				os_free(fresh);
		}
		node = next;
	}
	return &((struct pt_meta *)node)[frame & (PT_DIR_SIZE - 1)];
}

static void pt_dir_free(void **node, unsigned int level)
{
	unsigned int i;

	for (i = 0; level && i < PT_DIR_SIZE; i++)
		if (node[i])
			pt_dir_free(node[i], level - 1);
	os_free(node);
}

/* Set up what the table's memory needs before its roots are allocated. */
int pt_mem_init(struct ptcore_table *t)
{
	unsigned int frame_bits = t->pa_bits > PT_META_SHIFT ? t->pa_bits - PT_META_SHIFT : 0;
	unsigned int level;

	t->caller_alloc = t->ops && t->ops->alloc_table;
	os_lock_init(&t->lock);
	if (!t->caller_alloc)
		return 0;
	t->dir_levels = 1;
	while (PT_DIR_BITS * (t->dir_levels + 1u) < frame_bits)
		t->dir_levels++;
	t->dir = os_zalloc(pt_dir_node_bytes(t->dir_levels), 0);
	for (level = 0; level + 1 < t->geom.top_level + 1u; level++)
		OS_WARN_ON(table_bytes(t, level) < PT_META_MIN_BYTES);
	return t->dir ? 0 : -ENOMEM;
}

void pt_mem_destroy(struct ptcore_table *t)
{
	if (t->dir)
		pt_dir_free(t->dir, t->dir_levels);
	os_lock_destroy(&t->lock);
}

/* ---- table memory ---- */

static void *pt_alloc(struct ptcore_table *t, size_t bytes, uint64_t *pa, uint32_t gfp,
		      bool zero)
{
	void *va;

	/*
	 * 32-bit entries (ARM v7s) point to tables below 4 GiB only: the
	 * built-in allocator asks for such memory; a caller's allocator gets
	 * the map's gfp unchanged and must know it (ptcore.h).
	 */
	if (!t->caller_alloc) {
		if (t->pte32)
			gfp = os_gfp_dma32(gfp);
		va = zero ? os_table_alloc(bytes, pa, gfp) : os_table_alloc_nozero(bytes, pa, gfp);
	} else {
		va = t->ops->alloc_table(t->cookie, bytes, pa, os_gfp_abi(gfp));
	}
	if (!va)
		return NULL;
	/* Beyond what a 32-bit entry can point to: no table at all. */
	if (unlikely(t->pte32 && (*pa >> 32))) {
		if (t->caller_alloc)
			t->ops->free_table(t->cookie, va, *pa, bytes);
		else
			os_table_free(va, *pa, bytes);
		return NULL;
	}
	if (t->caller_alloc && bytes >= PT_META_MIN_BYTES && !pt_dir_slot(t, *pa, gfp, true)) {
		t->ops->free_table(t->cookie, va, *pa, bytes);
		return NULL;
	}
	return os_untag(va);
}

void *pt_alloc_table(struct ptcore_table *t, size_t bytes, uint64_t *pa, uint32_t gfp)
{
	return pt_alloc(t, bytes, pa, gfp, true);
}

/* For a table the caller writes completely before anyone can see it. */
void *pt_alloc_table_to_fill(struct ptcore_table *t, size_t bytes, uint64_t *pa, uint32_t gfp)
{
	return pt_alloc(t, bytes, pa, gfp, false);
}

void pt_free_table(struct ptcore_table *t, void *va, size_t bytes)
{
	uint64_t pa = table_pa(t, va);

	/*
	 * Forget the table: a stale owner would let a gather that still (or
	 * again) points here pass for one of this handle's.
	 */
	if (bytes >= PT_META_MIN_BYTES) {
		struct pt_meta *m = pt_meta(t, va);

		if (m) {
			m->link = 0;
			m->aux = 0;
		}
	}
	if (t->caller_alloc)
		t->ops->free_table(t->cookie, va, pa, bytes);
	else
		os_table_free(va, pa, bytes);
}

/* The metadata of a table below the top; NULL for memory ptcore does not know. */
struct pt_meta *pt_meta(const struct ptcore_table *t, const void *table)
{
	if (t->caller_alloc)
		return pt_dir_slot((struct ptcore_table *)t, table_pa(t, table), 0, false);
	return os_table_meta((void *)table);
}

/* ---- gathers ---- */

/* The tables on @gather, if any, are @t's. */
bool pt_gather_owned(const struct ptcore_table *t, const struct ptcore_gather *gather)
{
	const struct pt_meta *m;

	if (!gather->freelist)
		return true;
	m = pt_meta(t, gather->freelist);
	return m && m->aux == (uintptr_t)t;
}

/* ---- unmap_collect ---- */

/* The growing run is complete: into the batch, and the batch to the callback when full. */
void pt_collect_push(struct pt_collect *c)
{
	c->run[c->n++] = c->cur;
	if (c->n == PT_COLLECT_BATCH) {
		c->fn(c->arg, c->run, c->n);
		c->n = 0;
	}
}

void pt_collect_finish(struct pt_collect *c)
{
	if (c->cur.size)
		pt_collect_push(c);
	c->cur.size = 0;
	if (c->n)
		c->fn(c->arg, c->run, c->n);
	c->n = 0;
}

/* ---- tables replaced by maps ---- */

/* Park a chain of replaced tables (linked through their pt_meta) from @first to @last. */
void pt_park(struct ptcore_table *t, void *first, struct pt_meta *last)
{
	os_irqflags_t flags;

	os_lock_irqsave(&t->lock, flags);
	last->link = pt_link(t->parked, pt_link_level(last->link));
	os_ptr_write_release(&t->parked, first);
	os_unlock_irqrestore(&t->lock, flags);
}

/*
 * An unmap removed [start, end): move the parked tables that lie wholly
 * inside it to its gather. Only called while some table is parked.
 */
void pt_unpark(struct ptcore_table *t, struct ptcore_gather *gather, uint64_t start,
	       uint64_t end)
{
	struct pt_meta *prev = NULL;	/* of the parked table before @table */
	void *table, *next;
	os_irqflags_t flags;

	os_lock_irqsave(&t->lock, flags);
	for (table = t->parked; table; table = next) {
		struct pt_meta *m = pt_meta(t, table);
		unsigned int level = pt_link_level(m->link);
		uint64_t span = PT_BIT(item_lg2(t, level + 1));
		uint64_t iova = m->aux & ~(span - 1);

		next = pt_link_next(m->link);
		if (iova < start || iova + span > end) {
			prev = m;
			continue;
		}
		if (prev)
			prev->link = pt_link(next, pt_link_level(prev->link));
		else
			os_ptr_write_release(&t->parked, next);
		pt_gather_queue(t, gather, table, level, (uint32_t)(m->aux & (span - 1)));
		/*
		 * Its walk caches went at the map's flush, and nothing has
		 * reached it since; but a gather that holds tables says so.
		 */
		gather->flags |= PTCORE_GATHER_TABLES;
	}
	os_unlock_irqrestore(&t->lock, flags);
}

/* Destroy: take the parked tables off the handle, for the algorithms to free. */
void *pt_parked_take(struct ptcore_table *t)
{
	void *first = t->parked;

	t->parked = NULL;
	return first;
}
