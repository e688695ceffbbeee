// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * PTCORE_FEAT_DMA_INCOHERENT against a model of what a non-snooping walker
 * sees: ops->sync_table copies the synced bytes of table memory into a
 * shadow, and a walker reads only the shadow. With allocation failure
 * injected at every allocation inside maps that use ARM contiguous-hint
 * sizes (stages 1 and 2; granule 4K with 64K and 32M in cfg.pgsize_bitmap,
 * 16K with 2M and 1G, 64K with 2M and 16G) over ranges where empty leaf
 * tables have to be replaced, it checks:
 *
 *   - at the end of every call, every entry of every table the walker can
 *     reach in the shadow was synced and equals table memory (nothing
 *     written and left unsynced, nothing taken back without a sync);
 *   - no table is freed while the shadow still points at it, nor before a
 *     flush with PTCORE_GATHER_TABLES covered it after it was unlinked in
 *     the shadow;
 *   - every leaf that disappears from the shadow (a contiguous run: its
 *     whole span) is covered by a flush: by the end of the map that
 *     removed it, or by the sync that follows the unmap;
 *   - the same for a coherent walker: a leaf present in table memory at any
 *     callback during a map and gone at its end was covered by a flush
 *     after it was seen;
 *   - after -ENOMEM the rest of the map succeeds, everything unmaps, and
 *     nothing leaks.
 *
 * Allocations are the table allocator's (ops->alloc_table) and ptcore's
 * own heap allocations during the map (malloc/calloc, wrapped at link time
 * with --wrap).
 *
 * Every scenario maps once with ptcore_map_pages() and once, the same range,
 * with ptcore_map_range() (which picks the contiguous and block sizes
 * itself). Three of the configurations also have
 * PTCORE_FEAT_FREE_EMPTY_TABLES: every unmap of the scenarios then frees the
 * tables it empties, through its gather, under the same checks.
 *
 * ptcore_cut() under the same walker, for every granule, with and without
 * PTCORE_FEAT_ARM_BBML2, each allocation of the cut failing in turn: every
 * sampled translation stays the same in memory and in the shadow before,
 * during and after the cut and its sync; a failed cut changes nothing;
 * without BBML2 no new entry reaches the walker before the flush of the
 * leaf it replaces (break-before-make); and a page between two cuts unmaps.
 *
 * Also: ptcore_table_create() refuses PTCORE_FEAT_DMA_INCOHERENT without
 * ops or without ops->sync_table (-EINVAL, nothing allocated).
 *
 * Usage: incoherent_test [-v | -vv]   (-vv: every violation)
 */
#include <stdarg.h>

#include "model.h"

#define A_CONT		TC_BIT(52)
#define A_ADDR		TC_MASK(47, 12)
#define RW		(PTCORE_PROT_READ | PTCORE_PROT_WRITE)

/*
 * The geometry under test: every table (the root too, for the ias chosen)
 * has 2^bpl entries. 4K: ias 39, 3 levels; 16K: ias 47, 3 levels; 64K:
 * ias 42, 2 levels.
 */
static struct {
	unsigned int g, bpl, levels, n;
	size_t tbytes;
	uint64_t pg, blk, prun, crun;	/* page, block (a leaf table's span), their runs */
	unsigned int blk_depth;
	uint64_t base;			/* of the scenarios */
} G;

/* ---- heap allocation failure injection (ptcore's own malloc/calloc) ---- */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);

static struct {
	bool counting;			/* inside the map under test */
	bool in_cb;			/* inside a test callback: its own allocations */
	unsigned long n;		/* allocations counted */
	unsigned long fail_at;		/* 1-based; 0: none */
	unsigned long failed;
	void (*point)(void);		/* callback point (coherent snapshot) */
} inj;

/* Count an allocation; true when it must fail. */
static bool inj_fail(void)
{
	if (!inj.counting || inj.in_cb)
		return false;
	inj.n++;
	if (inj.point)
		inj.point();
	if (inj.n == inj.fail_at) {
		inj.failed++;
		return true;
	}
	return false;
}

void *__wrap_malloc(size_t size)
{
	return inj_fail() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return inj_fail() ? NULL : __real_calloc(n, size);
}

/* ---- the shadow ---- */

enum { C_NONE, C_MAP, C_UNMAP, C_SYNC, C_DESTROY };

struct stable {
	uint64_t pa;
	uint64_t *va;			/* table memory */
	uint64_t *shadow;		/* what the walker sees, G.n entries */
	bool *synced;
	bool linked;			/* some synced shadow entry pointed at it */
	int depth;			/* when linked */
	uint64_t span_va;
	bool need_flush;		/* unlinked in the shadow, no TABLES flush since */
};

/* A translation that disappeared from a walker's view, not yet flushed. */
struct pending {
	uint64_t start, last;
	bool table;			/* a table entry: needs PTCORE_GATHER_TABLES */
	int call;			/* the call that removed it */
	bool coherent;			/* seen in table memory, not the shadow */
	uint64_t leaf_va, leaf_pa;	/* coherent: the leaf */
	unsigned int leaf_lg2;
};

static struct {
	struct ptcore_table *t;
	struct ptcore_cfg cfg;
	struct tmodel m;
	struct u64map tables;		/* pa -> struct stable * */
	uint64_t root_pa;
	intptr_t va_minus_pa;
	int call;
	struct pending pend[16384];
	unsigned int npend;
	unsigned long violations;
	char first[512];
	unsigned long syncs, flushes, frees, frees_live, allocs, points;
	bool cutting;			/* inside ptcore_cut() */
} sh;

static void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void violation(const char *fmt, ...)
{
	va_list ap;

	if (!sh.violations++) {
		va_start(ap, fmt);
		vsnprintf(sh.first, sizeof(sh.first), fmt, ap);
		va_end(ap);
	}
	if (tc_verbose > 1) {
		fputs("  violation: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
}

static struct stable *st_get(uint64_t pa)
{
	uint64_t v;

	return u64map_get(&sh.tables, pa, &v) ? (struct stable *)(uintptr_t)v : NULL;
}

static unsigned int item_lg2(int depth)
{
	return G.g + G.bpl * (G.levels - 1 - depth);
}

/* Contiguous-hint entries per run at @depth, log2 (ARM, by granule and level). */
static unsigned int cont_lg2(int depth)
{
	unsigned int l = 4 - G.levels + depth;

	if (l == 3)
		return G.g == 12 ? 4 : G.g == 14 ? 7 : 5;
	if (l == 2)
		return G.g == 12 ? 4 : 5;
	return 0;
}

static bool is_table(uint64_t pte, int depth)
{
	return depth < (int)G.levels - 1 && (pte & 3) == 3;
}

static void pend_add(struct pending p)
{
	/* The entries of one run come one after the other: one record for them. */
	if (sh.npend && sh.pend[sh.npend - 1].start == p.start &&
	    sh.pend[sh.npend - 1].last == p.last && sh.pend[sh.npend - 1].table == p.table &&
	    sh.pend[sh.npend - 1].call == p.call)
		return;
	if (sh.npend == TC_ARRAY_SIZE(sh.pend)) {
		violation("too many unflushed removals");
		return;
	}
	sh.pend[sh.npend++] = p;
}

/* A synced entry of a linked table changes from @old: record what the walker may still cache. */
static void shadow_removed(const struct stable *s, unsigned int i, uint64_t old)
{
	unsigned int lg2 = item_lg2(s->depth);
	uint64_t va = s->span_va + ((uint64_t)i << lg2);
	struct pending p = { .call = sh.call };

	if (is_table(old, s->depth)) {
		struct stable *c = st_get(old & A_ADDR);

		if (c)
			c->need_flush = true;
		p.table = true;
		p.start = va;
		p.last = va + (1ULL << lg2) - 1;
	} else {
		/* A contiguous run may be cached whole: its whole span. */
		if (old & A_CONT)
			lg2 += cont_lg2(s->depth);
		p.start = va & ~((1ULL << lg2) - 1);
		p.last = p.start + (1ULL << lg2) - 1;
	}
	pend_add(p);
}

static void *s_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	struct stable *s;
	void *va;

	(void)cookie;
	if (inj_fail())
		return NULL;
	inj.in_cb = true;
	va = ptcore_builtin_alloc_table(NULL, size, phys, gfp);
	if (va) {
		s = calloc(1, sizeof(*s));
		if (!s)
			abort();
		s->shadow = malloc(G.n * sizeof(*s->shadow));
		s->synced = calloc(G.n, sizeof(*s->synced));
		if (!s->shadow || !s->synced)
			abort();
		if (size != G.tbytes)
			violation("table of %zu bytes", size);
		s->pa = *phys;
		s->va = va;
		/* Never synced: garbage for the walker (synced[] says so). */
		memset(s->shadow, 0xa5, G.n * sizeof(*s->shadow));
		if (st_get(*phys))
			violation("table %#" PRIx64 " handed out twice", *phys);
		u64map_put(&sh.tables, *phys, (uintptr_t)s);
		sh.va_minus_pa = (intptr_t)(uintptr_t)va - (intptr_t)*phys;
		sh.allocs++;
	}
	inj.in_cb = false;
	return va;
}

/* Is @pa reachable in the shadow from the root? */
static bool shadow_reaches(uint64_t tpa, uint64_t pa, int depth)
{
	const struct stable *s = st_get(tpa);
	unsigned int i;

	if (!s || depth == (int)G.levels - 1)
		return false;
	for (i = 0; i < G.n; i++) {
		uint64_t pte = s->shadow[i];

		if (!s->synced[i] || !(pte & 1) || !is_table(pte, depth))
			continue;
		if ((pte & A_ADDR) == pa || shadow_reaches(pte & A_ADDR, pa, depth + 1))
			return true;
	}
	return false;
}

static void s_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	struct stable *s = st_get(phys);

	(void)cookie;
	sh.frees++;
	if (!s) {
		violation("free_table(%#" PRIx64 "): not a live table", phys);
		return;
	}
	if (sh.call != C_DESTROY) {
		sh.frees_live++;
		if (phys == sh.root_pa || shadow_reaches(sh.root_pa, phys, 0))
			violation("table %#" PRIx64 " freed while the walker's shadow still points "
				  "at it", phys);
		else if (s->need_flush)
			violation("table %#" PRIx64 " freed before a flush with PTCORE_GATHER_TABLES "
				  "covered it after it was unlinked", phys);
	}
	u64map_del(&sh.tables, phys);
	free(s->shadow);
	free(s->synced);
	free(s);
	ptcore_builtin_free_table(NULL, va, phys, size);
}

/*
 * Break-before-make (a cut without BBML2): an entry that becomes valid where
 * a translation was removed must not be visible before the flush of the
 * old one.
 */
static void check_bbm(const struct stable *s, unsigned int i)
{
	unsigned int lg2 = item_lg2(s->depth), k;
	uint64_t va = s->span_va + ((uint64_t)i << lg2), last = va + (1ULL << lg2) - 1;

	for (k = 0; k < sh.npend; k++)
		if (!sh.pend[k].table && sh.pend[k].start <= last && va <= sh.pend[k].last) {
			violation("cut: a new entry for %#" PRIx64 " reached the walker before the "
				  "flush of the old leaf [%#" PRIx64 ", %#" PRIx64 "] (break-before-"
				  "make)", va, sh.pend[k].start, sh.pend[k].last);
			return;
		}
}

static void s_sync(void *cookie, void *va, size_t len)
{
	uint64_t pa = (uint64_t)((intptr_t)(uintptr_t)va - sh.va_minus_pa);
	uint64_t tpa = pa & ~(uint64_t)(G.tbytes - 1);
	struct stable *s = st_get(tpa);
	unsigned int i, first, n;

	(void)cookie;
	if (!s || (pa & 7) || (len & 7) || !len || pa + len > tpa + G.tbytes) {
		violation("sync_table(%#" PRIx64 ", %zu): not whole entries of one live table",
			  pa, len);
		return;
	}
	first = (unsigned int)((pa - tpa) / 8);
	n = (unsigned int)(len / 8);
	for (i = first; i < first + n; i++) {
		uint64_t old = s->shadow[i], new = __atomic_load_n(&s->va[i], __ATOMIC_RELAXED);

		if (s->linked && s->synced[i] && (old & 1) && old != new)
			shadow_removed(s, i, old);
		else if (sh.cutting && s->linked && (new & 1))
			check_bbm(s, i);
		s->shadow[i] = new;
		s->synced[i] = true;
		if (s->linked && (new & 1) && is_table(new, s->depth)) {
			struct stable *c = st_get(new & A_ADDR);

			if (!c) {
				violation("synced entry %#" PRIx64 " points to no live table", new);
				continue;
			}
			c->linked = true;
			c->depth = s->depth + 1;
			c->span_va = s->span_va + ((uint64_t)i << item_lg2(s->depth));
			c->need_flush = false;
		}
	}
}

/* ---- the coherent walker's view: leaves seen in table memory during a map ---- */

/* (va | lg2) -> pa of every leaf seen in table memory, not covered by a flush since */
static struct u64map seen;

/*
 * Every valid leaf entry in table memory, each on its own (a contiguous
 * run half written is still a descriptor a walker may use): its span, the
 * whole run's for an entry with the contiguous hint.
 */
static void mem_leaves(uint64_t pa, int depth, uint64_t span_va,
		       void (*fn)(void *ctx, uint64_t va, unsigned int lg2, uint64_t pa), void *ctx)
{
	const struct stable *s = st_get(pa);
	unsigned int i, lg2 = item_lg2(depth);

	if (!s)
		return;
	for (i = 0; i < G.n; i++) {
		uint64_t pte = __atomic_load_n(&s->va[i], __ATOMIC_RELAXED);
		uint64_t va = span_va + ((uint64_t)i << lg2);
		unsigned int run = cont_lg2(depth);

		if (!(pte & 1))
			continue;
		if (is_table(pte, depth)) {
			mem_leaves(pte & A_ADDR, depth + 1, va, fn, ctx);
			continue;
		}
		/* A run's entries are reported with the run's span and first address. */
		if (pte & A_CONT)
			fn(ctx, va & ~((1ULL << (lg2 + run)) - 1), lg2 + run,
			   (pte & A_ADDR) - (va & ((1ULL << (lg2 + run)) - 1)));
		else
			fn(ctx, va, lg2, pte & A_ADDR);
	}
}

static void seen_leaf(void *ctx, uint64_t va, unsigned int lg2, uint64_t pa)
{
	struct u64map *m = ctx;

	if (!u64map_get(m, va | lg2, NULL))
		u64map_put(m, va | lg2, pa);
}

/* A callback point inside the map: record every leaf of table memory. */
static void coherent_point(void)
{
	bool was = inj.in_cb;

	inj.in_cb = true;
	sh.points++;
	mem_leaves(sh.root_pa, 0, 0, seen_leaf, &seen);
	inj.in_cb = was;
}

static void s_flush(void *cookie, const struct ptcore_gather *g)
{
	unsigned int i;

	(void)cookie;
	sh.flushes++;
	if (sh.call == C_MAP)
		coherent_point();
	if (g->start > g->end)
		violation("iotlb_flush of an empty gather");
	for (i = 0; i < sh.npend;) {
		struct pending *p = &sh.pend[i];

		if (g->start <= p->start && g->end >= p->last &&
		    (!p->table || (g->flags & PTCORE_GATHER_TABLES))) {
			*p = sh.pend[--sh.npend];
			continue;
		}
		i++;
	}
	/* Tables unlinked in the shadow whose span this flush covers. */
	if (g->flags & PTCORE_GATHER_TABLES) {
		size_t it = 0;
		uint64_t k, v;

		while (u64map_next(&sh.tables, &it, &k, &v)) {
			struct stable *s = (struct stable *)(uintptr_t)v;
			uint64_t last = s->span_va + (1ULL << (item_lg2(s->depth) + G.bpl)) - 1;

			if (s->need_flush && g->start <= s->span_va && g->end >= last)
				s->need_flush = false;
		}
	}
	/* Leaves a coherent walker saw: this flush covers them from now on. */
	if (seen.n) {
		bool was = inj.in_cb;
		struct u64map keep;
		size_t it = 0;
		uint64_t k, v;

		inj.in_cb = true;
		u64map_init(&keep);
		while (u64map_next(&seen, &it, &k, &v)) {
			uint64_t va = k & ~(uint64_t)63, last = va + (1ULL << (k & 63)) - 1;

			if (!(g->start <= va && g->end >= last))
				u64map_put(&keep, k, v);
		}
		u64map_free(&seen);
		seen = keep;
		inj.in_cb = was;
	}
}

static const struct ptcore_ops s_ops = {
	.alloc_table = s_alloc, .free_table = s_free, .sync_table = s_sync,
	.iotlb_flush = s_flush,
};

/* ---- checks at the end of each call ---- */

static void check_table(uint64_t pa, int depth)
{
	struct stable *s = st_get(pa);
	unsigned int i;

	if (!s) {
		violation("the walker's shadow reaches %#" PRIx64 ", which is no live table", pa);
		return;
	}
	for (i = 0; i < G.n; i++) {
		uint64_t mem = __atomic_load_n(&s->va[i], __ATOMIC_RELAXED);

		if (!s->synced[i] || s->shadow[i] != mem) {
			violation("entry %u of table %#" PRIx64 " (depth %d, IOVA %#" PRIx64 "): memory "
				  "%#" PRIx64 ", the walker sees %s%#" PRIx64, i, pa, depth,
				  s->span_va + ((uint64_t)i << item_lg2(depth)), mem,
				  s->synced[i] ? "" : "never synced ", s->shadow[i]);
			return;
		}
		if ((mem & 1) && is_table(mem, depth))
			check_table(mem & A_ADDR, depth + 1);
	}
}


static void end_of_call(const char *what)
{
	unsigned int i;

	check_table(sh.root_pa, 0);
	if (sh.call == C_MAP || sh.call == C_SYNC) {
		for (i = 0; i < sh.npend; i++)
			if (sh.call == C_SYNC || sh.pend[i].call == C_MAP) {
				violation("%s returned with [%#" PRIx64 ", %#" PRIx64 "] gone from the "
					  "walker's shadow%s but never flushed", what,
					  sh.pend[i].start, sh.pend[i].last,
					  sh.pend[i].table ? " (a table entry)" : "");
				break;
			}
	}
	if (sh.call == C_MAP) {
		/* Coherent view: leaves seen during the map, gone now, never flushed. */
		struct u64map now;
		size_t it = 0;
		uint64_t k, v, pa;

		inj.in_cb = true;
		u64map_init(&now);
		mem_leaves(sh.root_pa, 0, 0, seen_leaf, &now);
		while (u64map_next(&seen, &it, &k, &v)) {
			if (!u64map_get(&now, k, &pa) || pa != v) {
				violation("%s: leaf %#" PRIx64 " -> %#" PRIx64 " (2^%u) was in table "
					  "memory during the call and is gone at its end, with no "
					  "flush", what, k & ~(uint64_t)63, v, (unsigned int)(k & 63));
				break;
			}
		}
		u64map_free(&now);
		u64map_clear(&seen);
		inj.in_cb = false;
	}
}

/* ---- calls ---- */

/* Map with ptcore_map_range() (the best mix of sizes) instead of ptcore_map_pages(). */
static bool use_range;

static int s_map(uint64_t iova, uint64_t size, uint64_t count, unsigned long fail_at,
		 uint64_t *mapped, unsigned long *nallocs)
{
	char what[96];
	int ret;

	sh.call = C_MAP;
	u64map_clear(&seen);
	inj.n = 0;
	inj.fail_at = fail_at;
	inj.counting = true;
	inj.point = coherent_point;
	if (use_range)
		ret = ptcore_map_range(sh.t, iova, iova, size * count, RW, 0, mapped);
	else
		ret = ptcore_map_pages(sh.t, iova, iova, size, count, RW, 0, mapped);
	inj.counting = false;
	inj.point = NULL;
	if (nallocs)
		*nallocs = inj.n;
	snprintf(what, sizeof(what), "map%s(%#" PRIx64 ", %#" PRIx64 " x %" PRIu64 ")",
		 use_range ? "_range" : "", iova, size, count);
	end_of_call(what);
	sh.call = C_NONE;
	return ret;
}

static void s_unmap_sync(uint64_t iova, uint64_t len)
{
	struct ptcore_gather g;
	uint64_t unmapped = 0;
	int ret;

	ptcore_gather_init(&g);
	sh.call = C_UNMAP;
	ret = ptcore_unmap(sh.t, iova, len, &g, &unmapped);
	end_of_call("unmap");
	TC_CHECK(ret == 0 && unmapped >= len, "unmap(%#" PRIx64 ", %#" PRIx64 ") = %d, unmapped %#"
		 PRIx64, iova, len, ret, unmapped);
	sh.call = C_SYNC;
	sh.syncs++;
	ptcore_iotlb_sync(sh.t, &g);
	end_of_call("sync");
	sh.call = C_NONE;
}

static void s_sync_empty(void)
{
	struct ptcore_gather g;

	ptcore_gather_init(&g);
	sh.call = C_SYNC;
	sh.syncs++;
	ptcore_iotlb_sync(sh.t, &g);
	end_of_call("empty sync");
	sh.call = C_NONE;
}

struct geo_cfg {
	uint32_t format;
	uint8_t g, ias, oas;
	uint32_t features;		/* besides PTCORE_FEAT_DMA_INCOHERENT */
};

static struct geo_cfg sh_geo;

/* Derive G from a configuration (ARM VMSAv8-64, FORMATS.md). */
static void geo_set(const struct geo_cfg *gc)
{
	unsigned int blk_level;

	sh_geo = *gc;
	G.g = gc->g;
	G.bpl = gc->g - 3;
	G.levels = (gc->ias - gc->g + G.bpl - 1) / G.bpl;
	G.n = 1u << G.bpl;
	G.tbytes = (size_t)8 << G.bpl;
	G.pg = 1ULL << G.g;
	G.blk_depth = G.levels - 2;		/* the level above pages: 2M, 32M, 512M */
	G.blk = 1ULL << item_lg2((int)G.blk_depth);
	G.prun = G.pg << cont_lg2((int)G.levels - 1);
	G.crun = G.blk << cont_lg2((int)G.blk_depth);
	blk_level = G.blk_depth;
	/*
	 * Two runs of blocks before a boundary of the level above the blocks
	 * (where there is one), so that the runs after it need new tables.
	 */
	if (blk_level)
		G.base = 3 * (1ULL << item_lg2((int)blk_level - 1)) - 2 * G.crun;
	else
		G.base = 8 * G.crun;
}

static uint32_t extra_features;		/* for the cut cases: PTCORE_FEAT_ARM_BBML2 */

static bool s_create(void)
{
	struct stable *root;
	int ret;

	memset(&sh.cfg, 0, sizeof(sh.cfg));
	sh.cfg.format = sh_geo.format;
	sh.cfg.granule_lg2 = sh_geo.g;
	sh.cfg.ias = sh_geo.ias;
	sh.cfg.oas = sh_geo.oas;
	sh.cfg.features = PTCORE_FEAT_DMA_INCOHERENT | sh_geo.features | extra_features;
	sh.cfg.pgsize_bitmap = G.pg | G.prun | G.blk | G.crun;
	sh.cfg.ops = &s_ops;
	sh.npend = 0;
	ret = ptcore_table_create(&sh.cfg, &sh.t);
	TC_CHECK(ret == 0, "create: %d", ret);
	if (ret)
		return false;
	tm_init(&sh.m, sh.t, &sh.cfg);
	TC_CHECK((sh.m.w.hi.pgsize_bitmap & (G.prun | G.crun)) == (G.prun | G.crun),
		 "hw_info.pgsize_bitmap %#" PRIx64 " lacks a contiguous size", sh.m.w.hi.pgsize_bitmap);
	TC_CHECK(sh.m.w.levels == G.levels, "levels %u, want %u", sh.m.w.levels, G.levels);
	sh.root_pa = sh.m.w.hi.root[0];
	root = st_get(sh.root_pa);
	TC_CHECK(root, "root not from ops->alloc_table");
	if (!root)
		return false;
	root->linked = true;
	root->depth = 0;
	root->span_va = 0;
	end_of_call("create");
	return true;
}

static void s_destroy(void)
{
	sh.call = C_DESTROY;
	ptcore_table_destroy(sh.t);
	sh.call = C_NONE;
	sh.t = NULL;
	TC_CHECK(sh.tables.n == 0, "%zu tables left after destroy", sh.tables.n);
}

static void report(const char *what)
{
	TC_CHECK(!sh.violations, "%s: %lu violations, the first: %s", what, sh.violations,
		 sh.first);
	sh.violations = 0;
	sh.first[0] = 0;
}

/* ---- scenarios: setup, then the map under test ---- */

enum { SC_RUN, SC_RUNS_ACROSS, SC_BLOCKS, SC_PRUNS_NEW, SC_PRUNS_EMPTY, SC_NR };

static const char *const scen_name[SC_NR] = {
	[SC_RUN] = "a run of contiguous blocks over empty leaf tables",
	[SC_RUNS_ACROSS] = "runs of contiguous blocks across a boundary of the level above",
	[SC_BLOCKS] = "blocks over empty leaf tables",
	[SC_PRUNS_NEW] = "runs of contiguous pages across new leaf tables",
	[SC_PRUNS_EMPTY] = "runs of contiguous pages into an empty leaf table and new ones",
};

struct scen {
	const char *name;
	uint64_t empty_slots;		/* bit i: the block-sized slot i from G.base */
	uint64_t iova_off;		/* of the map, from G.base */
	uint64_t size, count;
};

static struct scen scen_make(int k)
{
	unsigned int rn = (unsigned int)(G.crun / G.blk);	/* blocks per run: 16 or 32 */
	struct scen sc = { .name = scen_name[k] };

	switch (k) {
	case SC_RUN:
		/* [empty, T, T, empty, T, ...]: runs replace tables and fill holes. */
		sc = (struct scen){ scen_name[k], 0x8496, 0, G.crun, 1 };
		break;
	case SC_RUNS_ACROSS:
		/* Empty tables in the first run; the second needs new tables above. */
		sc = (struct scen){ scen_name[k], TC_BIT(rn) | TC_BIT(rn + 1) |
				    TC_BIT(rn + 3) | TC_BIT(rn + 6), G.crun, G.crun, 2 };
		break;
	case SC_BLOCKS:
		sc = (struct scen){ scen_name[k], 0x2d, 0, G.blk, 8 };
		break;
	case SC_PRUNS_NEW:
		sc = (struct scen){ scen_name[k], 0x1, G.blk - 8 * G.prun, G.prun,
				    2 * (G.blk / G.prun) + 16 };
		break;
	case SC_PRUNS_EMPTY:
		sc = (struct scen){ scen_name[k], 0x2, 2 * G.blk - 4 * G.prun, G.prun,
				    G.blk / G.prun + 8 };
		break;
	}
	return sc;
}

static void scen_setup(const struct scen *s)
{
	unsigned int i;
	uint64_t mapped;

	/* A page in each slot, then unmapped: the leaf table stays, empty. */
	for (i = 0; i < 64; i++) {
		uint64_t iova = G.base + i * G.blk + (i % 7) * G.pg;
		int ret;

		if (!(s->empty_slots & TC_BIT(i)))
			continue;
		ret = s_map(iova, G.pg, 1, 0, &mapped, NULL);
		TC_CHECK(ret == 0, "setup map: %d", ret);
		s_unmap_sync(iova, G.pg);
	}
}

static unsigned long fail_points, enomem_maps;

static void scen_run(const struct scen *s, unsigned long fail_at, unsigned long *nallocs)
{
	uint64_t iova = G.base + s->iova_off, len = s->size * s->count, mapped = 0, more;
	struct ptcore_mem_stats s0, s1;
	int ret;

	ptcore_mem_stats(&s0);
	if (!s_create())
		return;
	scen_setup(s);
	ret = s_map(iova, s->size, s->count, fail_at, &mapped, nallocs);
	if (!fail_at || !inj.failed) {
		TC_CHECK(ret == 0 && mapped == len, "%s: map = %d, mapped %#" PRIx64, s->name, ret,
			 mapped);
	} else {
		TC_CHECK(ret == 0 || ret == -ENOMEM, "%s: allocation %lu failed: map = %d", s->name,
			 fail_at, ret);
		TC_CHECK(mapped % (use_range ? G.pg : s->size) == 0 && mapped <= len,
			 "%s: mapped %#" PRIx64, s->name,
			 mapped);
		if (ret == -ENOMEM)
			enomem_maps++;
		/* An unrelated sync: frees nothing the walker can still reach. */
		s_sync_empty();
		if (mapped < len) {
			uint64_t unit = use_range ? G.pg : s->size;

			ret = s_map(iova + mapped, unit, (len - mapped) / unit, 0, &more, NULL);
			TC_CHECK(ret == 0 && more == len - mapped, "%s: the rest of the map after "
				 "-ENOMEM: %d, mapped %#" PRIx64, s->name, ret, more);
		}
	}
	inj.failed = 0;
	s_sync_empty();
	s_unmap_sync(iova, len);
	s_sync_empty();
	s_destroy();
	ptcore_mem_stats(&s1);
	TC_CHECK(s1.tables_live == s0.tables_live, "%s: %" PRIu64 " tables leaked", s->name,
		 s1.tables_live - s0.tables_live);
}

static void scen_case(void *arg)
{
	const struct scen sc = scen_make((int)(uintptr_t)arg), *s = &sc;
	unsigned long n = 0, k, nk;
	char what[200];
	int r;

	/* ptcore_map_pages(), then the same range by ptcore_map_range(). */
	for (r = 0; r < 2; r++) {
		use_range = r;
		scen_run(s, 0, &n);
		snprintf(what, sizeof(what), "%s%s, no failure", s->name,
			 r ? " (map_range)" : "");
		report(what);
		for (k = 1; k <= n; k++) {
			scen_run(s, k, &nk);
			fail_points++;
			snprintf(what, sizeof(what), "%s%s, allocation %lu of %lu fails", s->name,
				 r ? " (map_range)" : "", k, n);
			report(what);
		}
		if (tc_verbose)
			printf("  %s%s: %lu allocations in the map, each failed in turn\n", s->name,
			       r ? " (map_range)" : "", n);
	}
	use_range = false;
}

/* ---- ptcore_cut: translations never change, in memory or in the walker's copy ---- */

/* The walker's translation of @iova from the shadow: 0, or -1 (a fault). */
static int shadow_translate(uint64_t iova, uint64_t *pa)
{
	uint64_t tpa = sh.root_pa;
	int depth;

	for (depth = 0; depth < (int)G.levels; depth++) {
		const struct stable *s = st_get(tpa);
		unsigned int lg2 = item_lg2(depth);
		unsigned int i = (unsigned int)((iova >> lg2) & (G.n - 1));
		uint64_t pte;

		if (!s || !s->synced[i] || !(s->shadow[i] & 1))
			return -1;
		pte = s->shadow[i];
		if (is_table(pte, depth)) {
			tpa = pte & A_ADDR;
			continue;
		}
		*pa = (pte & A_ADDR) + (iova & ((1ULL << lg2) - 1));
		return 0;
	}
	return -1;
}

/* Every sampled IOVA of [@start, @end) translates to itself, both ways; @hole unmapped. */
static void check_identity(const char *what, uint64_t start, uint64_t end, uint64_t hole)
{
	uint64_t step = (end - start) / 64, iova, pa = 0;
	unsigned int k;

	for (k = 0; k < 64 + 3; k++) {
		int ret, sret;

		iova = k < 64 ? start + k * step + (k % 5) * G.pg : hole - G.pg + (k - 64) * G.pg;
		iova += 8 * k;
		if (iova < start || iova >= end)
			continue;
		ret = ptcore_iova_to_phys(sh.t, iova, &pa);
		if (hole != UINT64_MAX && iova >= hole && iova < hole + G.pg) {
			if (ret != -ENOENT)
				violation("%s: %#" PRIx64 " in the unmapped page translates: %d", what,
					  iova, ret);
			continue;
		}
		if (ret || pa != iova) {
			violation("%s: %#" PRIx64 " translates to %#" PRIx64 " (%d), not itself", what,
				  iova, pa, ret);
			return;
		}
		sret = shadow_translate(iova, &pa);
		if (sret || pa != iova) {
			violation("%s: the walker's copy translates %#" PRIx64 " to %#" PRIx64
				  " (%d), not itself", what, iova, pa, sret);
			return;
		}
	}
}

static int s_cut(uint64_t iova, struct ptcore_gather *g, unsigned long fail_at,
		 unsigned long *nallocs)
{
	int ret;

	sh.call = C_UNMAP;	/* what it takes away the gather's sync flushes */
	inj.n = 0;
	inj.fail_at = fail_at;
	inj.counting = true;
	sh.cutting = true;
	ret = ptcore_cut(sh.t, iova, 0, g);
	sh.cutting = false;
	inj.counting = false;
	if (nallocs)
		*nallocs = inj.n;
	end_of_call("cut");
	sh.call = C_NONE;
	return ret;
}

static void s_sync_gather(struct ptcore_gather *g)
{
	sh.call = C_SYNC;
	sh.syncs++;
	ptcore_iotlb_sync(sh.t, g);
	end_of_call("sync after cut");
	sh.call = C_NONE;
}

static unsigned long cut_points, cut_enomem;

/*
 * A run of contiguous blocks, a block, and runs of contiguous pages, all
 * mapped to themselves; a cut at @at (with allocation @fail_at failing),
 * then, when it worked, a second cut a page later and the unmap of that
 * page. Every step keeps every other translation, in memory and in the
 * walker's shadow.
 */
static void cut_run(uint64_t at, unsigned long fail_at, unsigned long *nallocs)
{
	uint64_t base = G.base, end = base + G.crun + G.blk + 4 * G.prun, mapped;
	struct ptcore_mem_stats s0, s1;
	struct ptcore_gather g, g0;
	int ret;

	ptcore_mem_stats(&s0);
	if (!s_create())
		return;
	ret = s_map(base, G.crun, 1, 0, &mapped, NULL);
	ret |= s_map(base + G.crun, G.blk, 1, 0, &mapped, NULL);
	ret |= s_map(base + G.crun + G.blk, G.prun, 4, 0, &mapped, NULL);
	TC_CHECK(ret == 0, "cut setup: %d", ret);
	check_identity("before the cut", base, end, UINT64_MAX);

	ptcore_gather_init(&g);
	ret = s_cut(at, &g, fail_at, nallocs);
	check_identity("after the cut", base, end, UINT64_MAX);
	ptcore_gather_init(&g0);
	if (inj.failed) {
		TC_CHECK(ret == 0 || ret == -ENOMEM, "cut at %#" PRIx64 " with allocation %lu "
			 "failing: %d", at, fail_at, ret);
		if (ret)
			TC_CHECK(!memcmp(&g, &g0, sizeof(g)), "a cut that failed changed the gather");
		cut_enomem += ret == -ENOMEM;
	} else {
		TC_CHECK(ret == 0, "cut at %#" PRIx64 ": %d", at, ret);
	}
	inj.failed = 0;
	s_sync_gather(&g);
	check_identity("after the cut's sync", base, end, UINT64_MAX);
	if (ret == 0) {
		ptcore_gather_init(&g);
		ret = s_cut(at + G.pg, &g, 0, NULL);
		TC_CHECK(ret == 0, "second cut at %#" PRIx64 ": %d", at + G.pg, ret);
		s_sync_gather(&g);
		s_unmap_sync(at, G.pg);
		check_identity("after the unmap between the cuts", base, end, at);
		if (at > base)
			s_unmap_sync(base, at - base);
		s_unmap_sync(at + G.pg, end - at - G.pg);
	} else {
		s_unmap_sync(base, end - base);
	}
	s_sync_empty();
	s_destroy();
	ptcore_mem_stats(&s1);
	TC_CHECK(s1.tables_live == s0.tables_live, "cut at %#" PRIx64 ": %" PRIu64
		 " tables leaked", at, s1.tables_live - s0.tables_live);
}

static void cut_case(void *arg)
{
	const uint64_t base = G.base;
	const uint64_t at[] = {
		base + 3 * G.blk + G.prun + 5 * G.pg,		/* in the run of blocks */
		base + G.crun + 2 * G.prun,			/* in the block */
		base + G.crun + G.blk + G.prun + 3 * G.pg,	/* in a run of pages */
		base + G.crun,					/* already a boundary */
	};
	unsigned long n, k;
	unsigned int i;
	char what[160];

	extra_features = arg ? PTCORE_FEAT_ARM_BBML2 : 0;
	for (i = 0; i < TC_ARRAY_SIZE(at); i++) {
		n = 0;
		cut_run(at[i], 0, &n);
		snprintf(what, sizeof(what), "cut %u", i);
		report(what);
		for (k = 1; k <= n; k++) {
			cut_run(at[i], k, NULL);
			cut_points++;
			snprintf(what, sizeof(what), "cut %u, allocation %lu of %lu fails", i, k, n);
			report(what);
		}
		if (tc_verbose)
			printf("  cut %u at %#" PRIx64 ": %lu allocations, each failed in turn\n", i,
			       at[i], n);
	}
	extra_features = 0;
}

/* ---- create: incoherent needs sync_table ---- */

static unsigned long c_allocs, c_syncs;

static void *c_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	(void)cookie;
	c_allocs++;
	return ptcore_builtin_alloc_table(NULL, size, phys, gfp);
}

static void c_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	(void)cookie;
	ptcore_builtin_free_table(NULL, va, phys, size);
}

static void c_sync(void *cookie, void *va, size_t len)
{
	(void)cookie;
	(void)va;
	(void)len;
	c_syncs++;
}

static void c_flush(void *cookie, const struct ptcore_gather *g)
{
	(void)cookie;
	(void)g;
}

static void sync_table_required(void *arg)
{
	static const struct ptcore_ops no_sync = {
		.alloc_table = c_alloc, .free_table = c_free, .iotlb_flush = c_flush,
	};
	static const struct ptcore_ops flush_only = { .iotlb_flush = c_flush };
	static const struct ptcore_ops sync_only = { .sync_table = c_sync };
	static const uint32_t fmts[] = { PTCORE_FMT_ARM64_LPAE_S1, PTCORE_FMT_ARM64_LPAE_S2 };
	struct ptcore_mem_stats s0, s1;
	struct ptcore_table *t;
	unsigned int i;
	int ret;

	(void)arg;
	for (i = 0; i < TC_ARRAY_SIZE(fmts); i++) {
		struct ptcore_cfg cfg = {
			.format = fmts[i], .granule_lg2 = 12, .ias = 40, .oas = 40,
			.features = PTCORE_FEAT_DMA_INCOHERENT,
		};
		const char *f = tc_fmt_name(fmts[i]);

		ptcore_mem_stats(&s0);
		t = (struct ptcore_table *)(uintptr_t)0x1;
		ret = ptcore_table_create(&cfg, &t);
		TC_CHECK(ret == -EINVAL, "%s: DMA_INCOHERENT with no ops: %d, want -EINVAL", f, ret);
		TC_CHECK(t == (struct ptcore_table *)(uintptr_t)0x1, "%s: *out written", f);
		if (!ret)
			ptcore_table_destroy(t);
		cfg.ops = &no_sync;
		c_allocs = 0;
		ret = ptcore_table_create(&cfg, &t);
		TC_CHECK(ret == -EINVAL, "%s: DMA_INCOHERENT with ops but no sync_table: %d, want "
			 "-EINVAL", f, ret);
		TC_CHECK(!c_allocs, "%s: refused create allocated %lu tables", f, c_allocs);
		if (!ret)
			ptcore_table_destroy(t);
		cfg.ops = &flush_only;
		ret = ptcore_table_create(&cfg, &t);
		TC_CHECK(ret == -EINVAL, "%s: DMA_INCOHERENT with only iotlb_flush: %d, want -EINVAL",
			 f, ret);
		if (!ret)
			ptcore_table_destroy(t);
		ptcore_mem_stats(&s1);
		TC_CHECK(s1.tables_live == s0.tables_live, "%s: refused creates leaked", f);
		/* Valid: sync_table with the built-in allocator. */
		cfg.ops = &sync_only;
		c_syncs = 0;
		ret = ptcore_table_create(&cfg, &t);
		TC_CHECK(ret == 0, "%s: DMA_INCOHERENT with sync_table: %d", f, ret);
		TC_CHECK(c_syncs, "%s: the new root was never synced", f);
		if (!ret)
			ptcore_table_destroy(t);
		/* Without the feature, no ops at all stays valid. */
		cfg.features = 0;
		cfg.ops = NULL;
		ret = ptcore_table_create(&cfg, &t);
		TC_CHECK(ret == 0, "%s: coherent with no ops: %d", f, ret);
		if (!ret)
			ptcore_table_destroy(t);
	}
	report("create");
}

int main(int argc, char **argv)
{
	static const struct geo_cfg geos[] = {
		{ PTCORE_FMT_ARM64_LPAE_S1, 12, 39, 44, 0 }, { PTCORE_FMT_ARM64_LPAE_S2, 12, 39, 44, 0 },
		{ PTCORE_FMT_ARM64_LPAE_S1, 14, 47, 48, 0 }, { PTCORE_FMT_ARM64_LPAE_S2, 14, 47, 48, 0 },
		{ PTCORE_FMT_ARM64_LPAE_S1, 16, 42, 42, 0 }, { PTCORE_FMT_ARM64_LPAE_S2, 16, 42, 42, 0 },
		/* Unmaps that also free the tables they leave empty, through the gather. */
		{ PTCORE_FMT_ARM64_LPAE_S1, 12, 39, 44, PTCORE_FEAT_FREE_EMPTY_TABLES },
		{ PTCORE_FMT_ARM64_LPAE_S2, 14, 47, 48, PTCORE_FEAT_FREE_EMPTY_TABLES },
		{ PTCORE_FMT_ARM64_LPAE_S1, 16, 42, 42, PTCORE_FEAT_FREE_EMPTY_TABLES },
	};
	char name[200];
	size_t f;
	int k;

	if (argc > 1 && !strcmp(argv[1], "-v"))
		tc_verbose = 1;
	if (argc > 1 && !strcmp(argv[1], "-vv"))
		tc_verbose = 2;
	u64map_init(&sh.tables);
	tc_run("create refuses DMA_INCOHERENT without sync_table", sync_table_required, NULL);
	u64map_init(&seen);
	for (f = 0; f < TC_ARRAY_SIZE(geos); f++) {
		geo_set(&geos[f]);
		for (k = 0; k < SC_NR; k++) {
			snprintf(name, sizeof(name), "shadow walker, %s %uK ias %u%s: %s",
				 tc_fmt_name(geos[f].format), 1u << (geos[f].g - 10), geos[f].ias,
				 geos[f].features ? " free-empty-tables" : "", scen_name[k]);
			tc_run(name, scen_case, (void *)(uintptr_t)k);
		}
		if (geos[f].features)
			continue;
		for (k = 0; k < 2; k++) {
			snprintf(name, sizeof(name), "shadow walker, %s %uK ias %u: cuts%s",
				 tc_fmt_name(geos[f].format), 1u << (geos[f].g - 10), geos[f].ias,
				 k ? " with BBML2 (hitless)" : " (break-before-make)");
			tc_run(name, cut_case, (void *)(uintptr_t)k);
		}
	}
	printf("cuts: %lu allocation failure points, %lu cuts returned -ENOMEM\n", cut_points,
	       cut_enomem);
	printf("incoherent: %lu allocation failure points, %lu maps returned -ENOMEM, %lu "
	       "callback points checked, %lu syncs, %lu flushes, %lu tables freed outside "
	       "destroy\n", fail_points, enomem_maps, sh.points, sh.syncs, sh.flushes,
	       sh.frees_live);
	u64map_free(&sh.tables);
	u64map_free(&seen);
	return tc_summary();
}
