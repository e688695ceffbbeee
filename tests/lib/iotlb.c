// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The IOTLB model: see iotlb.h. */
#include <stdarg.h>

#include "iotlb.h"

static void violation(struct iotlb *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void violation(struct iotlb *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->violations++) {
		va_start(ap, fmt);
		vsnprintf(c->first_violation, sizeof(c->first_violation), fmt, ap);
		va_end(ap);
	}
}

void iotlb_init(struct iotlb *c, const struct hw_walk *w, bool (*live)(void *, uint64_t), void *ctx,
		size_t cap_leaf, size_t cap_walk, uint64_t seed)
{
	memset(c, 0, sizeof(*c));
	c->w = w;
	c->live = live;
	c->live_ctx = ctx;
	c->cap_leaf = cap_leaf;
	c->cap_walk = cap_walk;
	c->leaf = calloc(cap_leaf, sizeof(*c->leaf));
	c->walk = calloc(cap_walk, sizeof(*c->walk));
	if (!c->leaf || !c->walk)
		abort();
	u64map_init(&c->leaf_idx);
	u64map_init(&c->walk_idx);
	c->rng = seed;
}

void iotlb_free(struct iotlb *c)
{
	free(c->leaf);
	free(c->walk);
	u64map_free(&c->leaf_idx);
	u64map_free(&c->walk_idx);
	c->leaf = NULL;
	c->walk = NULL;
}

static uint64_t walk_key(uint64_t span_va, unsigned int level)
{
	return span_va | level;
}

static void leaf_remove(struct iotlb *c, size_t i)
{
	u64map_del(&c->leaf_idx, c->leaf[i].va);
	if (i != --c->nleaf) {
		c->leaf[i] = c->leaf[c->nleaf];
		u64map_put(&c->leaf_idx, c->leaf[i].va, i);
	}
}

static void walk_remove(struct iotlb *c, size_t i)
{
	u64map_del(&c->walk_idx, walk_key(c->walk[i].span_va, c->walk[i].level));
	if (i != --c->nwalk) {
		c->walk[i] = c->walk[c->nwalk];
		u64map_put(&c->walk_idx, walk_key(c->walk[i].span_va, c->walk[i].level), i);
	}
}

static void fill_walk(struct iotlb *c, unsigned int level, uint64_t span_va, unsigned int span_lg2,
		      uint64_t entry_pa, uint64_t next_pa)
{
	uint64_t idx;
	struct iotlb_walk e = {
		.level = level, .span_va = span_va, .span_lg2 = span_lg2,
		.entry_pa = entry_pa, .next_pa = next_pa,
	};

	if (u64map_get(&c->walk_idx, walk_key(span_va, level), &idx)) {
		c->walk[idx] = e;
		return;
	}
	if (c->nwalk == c->cap_walk) {
		/* Evicting is always safe. */
		walk_remove(c, (size_t)(tc_rand(&c->rng) % c->nwalk));
		c->dropped++;
	}
	c->walk[c->nwalk] = e;
	u64map_put(&c->walk_idx, walk_key(span_va, level), c->nwalk);
	c->nwalk++;
}

static void fill_leaf(struct iotlb *c, uint64_t va, uint64_t pa, uint64_t pte, uint64_t entry_pa)
{
	if (c->nleaf == c->cap_leaf) {
		leaf_remove(c, (size_t)(tc_rand(&c->rng) % c->nleaf));
		c->dropped++;
	}
	c->leaf[c->nleaf] = (struct iotlb_leaf){ va, pa, pte, entry_pa };
	u64map_put(&c->leaf_idx, va, c->nleaf);
	c->nleaf++;
	c->fills++;
}

int iotlb_access(struct iotlb *c, uint64_t iova, uint64_t *pa)
{
	const struct hw_walk *w = c->w;
	uint64_t gmask = (1ULL << w->pg_shift) - 1, idx, start_pa = 0;
	unsigned int start = w->start_level, l;
	struct hw_leaf leaf;
	enum hw_fault f;
	int level;

	c->accesses++;
	if (w->ias < 64 && iova >> w->ias)
		return HW_FAULT_RANGE;
	if (u64map_get(&c->leaf_idx, iova & ~gmask, &idx)) {
		c->hits++;
		*pa = c->leaf[idx].pa + (iova & gmask);
		return 0;
	}
	/* The deepest cached table entry that translates this IOVA. */
	for (level = (int)w->last_level - 1; level >= (int)w->start_level; level--) {
		unsigned int lg2 = hw_walk_entry_shift(w, (unsigned int)level);
		uint64_t key = walk_key(iova & ~((1ULL << lg2) - 1), (unsigned int)level);

		if (u64map_get(&c->walk_idx, key, &idx)) {
			c->walk_hits++;
			start = (unsigned int)level + 1;
			start_pa = c->walk[idx].next_pa;
			if (!c->live(c->live_ctx, start_pa)) {
				violation(c, "walk at %#" PRIx64 " through the walk cache into freed table %#"
					  PRIx64 " (level %u)", iova, start_pa, start);
				return HW_FAULT_MEMORY;
			}
			break;
		}
	}
	if (start != w->start_level)
		f = hw_walk_iova_from(w, iova, start, start_pa, &leaf);
	else
		f = hw_walk_iova(w, iova, &leaf);
	if (f && f != HW_FAULT_INVALID)
		return f;
	/*
	 * The table entries read on the way are cached even when the walk
	 * ends at an invalid entry (walk caches hold intermediate levels);
	 * translation faults themselves are not cached.
	 */
	for (l = start; l < leaf.level; l++) {
		unsigned int lg2 = hw_walk_entry_shift(w, l);

		fill_walk(c, l, iova & ~((1ULL << lg2) - 1), lg2, leaf.walk_entry[l],
			  leaf.walk_next[l]);
	}
	if (f)
		return f;
	fill_leaf(c, iova & ~gmask, leaf.oa & ~gmask, leaf.pte, leaf.walk_entry[leaf.level]);
	*pa = leaf.oa;
	return 0;
}

int iotlb_write(struct iotlb *c, uint64_t iova, uint64_t *pa)
{
	const struct hw_walk *w = c->w;
	uint64_t gmask = (1ULL << w->pg_shift) - 1, idx, dirty;
	struct hw_leaf leaf;
	int ret = iotlb_access(c, iova, pa);

	if (ret || !u64map_get(&c->leaf_idx, iova & ~gmask, &idx))
		return ret;
	if (hw_walk_iova(w, iova, &leaf) || !leaf.dbm)
		return 0;
	dirty = hw_walk_written_pte(w, &leaf);
	if (c->leaf[idx].pte == dirty)
		return 0;	/* cached dirty: the SMMU does not look at memory */
	if (dirty != leaf.pte) {
		/* the table memory the model reads is the table itself */
		const u64 *tbl = w->read(w->read_ctx, leaf.table_pa,
					 hw_walk_table_bytes(w, leaf.level));

		if (!tbl)
			return 0;
		__atomic_store_n((uint64_t *)(uintptr_t)&tbl[leaf.index], dirty, __ATOMIC_RELAXED);
	}
	c->leaf[idx].pte = dirty;
	return 0;
}

static bool overlaps(uint64_t a, uint64_t a_last, uint64_t b, uint64_t b_last)
{
	return a <= b_last && b <= a_last;
}

void iotlb_invalidate(struct iotlb *c, const struct ptcore_gather *g)
{
	uint64_t gsz = (1ULL << c->w->pg_shift) - 1;
	size_t i;

	c->invalidations++;
	for (i = 0; i < c->nleaf;) {
		if (overlaps(c->leaf[i].va, c->leaf[i].va + gsz, g->start, g->end))
			leaf_remove(c, i);
		else
			i++;
	}
	if (!(g->flags & PTCORE_GATHER_TABLES))
		return;
	for (i = 0; i < c->nwalk;) {
		const struct iotlb_walk *e = &c->walk[i];

		if (overlaps(e->span_va, e->span_va + ((1ULL << e->span_lg2) - 1), g->start, g->end))
			walk_remove(c, i);
		else
			i++;
	}
}

void iotlb_check_free(struct iotlb *c, uint64_t pa, size_t bytes)
{
	uint64_t last = pa + bytes - 1;
	size_t i;

	for (i = 0; i < c->nwalk; i++) {
		const struct iotlb_walk *e = &c->walk[i];

		if (overlaps(e->next_pa, e->next_pa, pa, last))
			violation(c, "table %#" PRIx64 " freed while the walk cache points to it "
				  "(IOVA %#" PRIx64 ", level %u)", pa, e->span_va, e->level + 1);
		else if (overlaps(e->entry_pa, e->entry_pa, pa, last))
			violation(c, "table %#" PRIx64 " freed while the walk cache holds its entry "
				  "for IOVA %#" PRIx64, pa, e->span_va);
	}
	for (i = 0; i < c->nleaf; i++)
		if (overlaps(c->leaf[i].entry_pa, c->leaf[i].entry_pa, pa, last))
			violation(c, "table %#" PRIx64 " freed while the TLB holds its leaf for IOVA %#"
				  PRIx64, pa, c->leaf[i].va);
}

void iotlb_check_synced(struct iotlb *c, const struct oracle *o)
{
	const struct hw_walk *w = c->w;
	size_t i;

	for (i = 0; i < c->nleaf; i++) {
		const struct iotlb_leaf *e = &c->leaf[i];
		long k = orc_find(o, e->va);
		struct hw_leaf leaf;

		if (k < 0) {
			violation(c, "after sync the TLB still translates %#" PRIx64 " -> %#" PRIx64
				  ", which is unmapped", e->va, e->pa);
			continue;
		}
		if (o->v[k].pa + (e->va - o->v[k].iova) != e->pa) {
			violation(c, "after sync the TLB translates %#" PRIx64 " -> %#" PRIx64
				  ", the table says %#" PRIx64, e->va, e->pa,
				  o->v[k].pa + (e->va - o->v[k].iova));
			continue;
		}
		if (hw_walk_iova(w, e->va, &leaf) || leaf.pte != e->pte)
			violation(c, "after sync the TLB holds stale attributes for %#" PRIx64
				  " (%#" PRIx64 ", table %#" PRIx64 ")", e->va, e->pte, leaf.pte);
	}
	for (i = 0; i < c->nwalk; i++) {
		const struct iotlb_walk *e = &c->walk[i];
		struct hw_leaf leaf;

		if (!c->live(c->live_ctx, e->next_pa)) {
			violation(c, "after sync the walk cache points to freed table %#" PRIx64
				  " for IOVA %#" PRIx64, e->next_pa, e->span_va);
			continue;
		}
		hw_walk_iova(w, e->span_va, &leaf);
		if (leaf.level <= e->level || leaf.walk_entry[e->level] != e->entry_pa ||
		    leaf.walk_next[e->level] != e->next_pa)
			violation(c, "after sync the walk cache entry for IOVA %#" PRIx64
				  " level %u (-> %#" PRIx64 ") is no longer linked", e->span_va,
				  e->level, e->next_pa);
	}
}
