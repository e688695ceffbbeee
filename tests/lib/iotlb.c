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

void iotlb_init(struct iotlb *c, const struct hwm *m, bool (*live)(void *, uint64_t), void *ctx,
		size_t cap_leaf, size_t cap_walk, uint64_t seed)
{
	memset(c, 0, sizeof(*c));
	c->m = m;
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

static uint64_t walk_key(uint64_t span_va, unsigned int depth)
{
	return span_va | depth;
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
	u64map_del(&c->walk_idx, walk_key(c->walk[i].span_va, c->walk[i].depth));
	if (i != --c->nwalk) {
		c->walk[i] = c->walk[c->nwalk];
		u64map_put(&c->walk_idx, walk_key(c->walk[i].span_va, c->walk[i].depth), i);
	}
}

static void fill_walk(struct iotlb *c, unsigned int depth, uint64_t span_va, unsigned int span_lg2,
		      uint64_t entry_pa, uint64_t next_pa)
{
	uint64_t idx;
	struct iotlb_walk e = {
		.depth = depth, .span_va = span_va, .span_lg2 = span_lg2,
		.entry_pa = entry_pa, .next_pa = next_pa,
	};

	if (u64map_get(&c->walk_idx, walk_key(span_va, depth), &idx)) {
		c->walk[idx] = e;
		return;
	}
	if (c->nwalk == c->cap_walk) {
		/* Evicting is always safe. */
		walk_remove(c, (size_t)(tc_rand(&c->rng) % c->nwalk));
		c->dropped++;
	}
	c->walk[c->nwalk] = e;
	u64map_put(&c->walk_idx, walk_key(span_va, depth), c->nwalk);
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
	const struct hwm *m = c->m;
	uint64_t gmask = (1ULL << m->g) - 1, idx;
	unsigned int start = 0, d;
	uint64_t start_pa = 0;
	struct hwm_walk w;
	int depth;

	c->accesses++;
	if (m->ias < 64 && iova >> m->ias)
		return HWM_F_RANGE;
	if (u64map_get(&c->leaf_idx, iova & ~gmask, &idx)) {
		c->hits++;
		*pa = c->leaf[idx].pa + (iova & gmask);
		return 0;
	}
	/* The deepest cached table entry that translates this IOVA. */
	for (depth = (int)m->levels - 2; depth >= 0; depth--) {
		unsigned int lg2 = hwm_shift(m, (unsigned int)depth);
		uint64_t key = walk_key(iova & ~((1ULL << lg2) - 1), (unsigned int)depth);

		if (u64map_get(&c->walk_idx, key, &idx)) {
			c->walk_hits++;
			start = (unsigned int)depth + 1;
			start_pa = c->walk[idx].next_pa;
			if (!c->live(c->live_ctx, start_pa)) {
				violation(c, "walk at %#" PRIx64 " through the walk cache into freed table %#"
					  PRIx64 " (depth %u)", iova, start_pa, start);
				return HWM_F_TABLE;
			}
			break;
		}
	}
	if (start)
		hwm_walk_from(m, iova, start, start_pa, &w);
	else
		hwm_walk(m, iova, &w);
	if (w.fault && w.fault != HWM_F_INVALID)
		return w.fault;
	/*
	 * The table entries read on the way are cached even when the walk
	 * ends at an invalid entry (walk caches hold intermediate levels);
	 * translation faults themselves are not cached.
	 */
	for (d = start; d < w.depth; d++) {
		unsigned int lg2 = hwm_shift(m, d);

		fill_walk(c, d, iova & ~((1ULL << lg2) - 1), lg2, w.entry_pa[d], w.next_pa[d]);
	}
	if (w.fault)
		return w.fault;
	fill_leaf(c, iova & ~gmask, w.pa & ~gmask, w.pte, w.entry_pa[w.depth]);
	*pa = w.pa;
	return 0;
}

static bool overlaps(uint64_t a, uint64_t a_last, uint64_t b, uint64_t b_last)
{
	return a <= b_last && b <= a_last;
}

void iotlb_invalidate(struct iotlb *c, const struct ptcore_gather *g)
{
	uint64_t gsz = (1ULL << c->m->g) - 1;
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
				  "(IOVA %#" PRIx64 ", depth %u)", pa, e->span_va, e->depth + 1);
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
	const struct hwm *m = c->m;
	size_t i;

	for (i = 0; i < c->nleaf; i++) {
		const struct iotlb_leaf *e = &c->leaf[i];
		long k = orc_find(o, e->va);
		struct hwm_walk w;

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
		if (hwm_walk(m, e->va, &w) || w.pte != e->pte)
			violation(c, "after sync the TLB holds stale attributes for %#" PRIx64
				  " (%#" PRIx64 ", table %#" PRIx64 ")", e->va, e->pte, w.pte);
	}
	for (i = 0; i < c->nwalk; i++) {
		const struct iotlb_walk *e = &c->walk[i];
		struct hwm_walk w;

		if (!c->live(c->live_ctx, e->next_pa)) {
			violation(c, "after sync the walk cache points to freed table %#" PRIx64
				  " for IOVA %#" PRIx64, e->next_pa, e->span_va);
			continue;
		}
		hwm_walk(m, e->span_va, &w);
		if (w.depth <= e->depth || w.entry_pa[e->depth] != e->entry_pa ||
		    w.next_pa[e->depth] != e->next_pa)
			violation(c, "after sync the walk cache entry for IOVA %#" PRIx64
				  " depth %u (-> %#" PRIx64 ") is no longer linked", e->span_va,
				  e->depth, e->next_pa);
	}
}
