// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The test fixture: see fixture.h. */
#include "fixture.h"

#define SZ_4K	0x1000ULL
#define SZ_16K	0x4000ULL
#define SZ_64K	0x10000ULL
#define SZ_2M	0x200000ULL
#define SZ_32M	0x2000000ULL
#define SZ_512M	0x20000000ULL
#define SZ_1G	0x40000000ULL
#define SZ_16G	0x400000000ULL
#define SZ_4T	0x40000000000ULL

#define CFG(fmt_, g_, ias_, oas_, feat_, bm_) \
	{ .format = (fmt_), .granule_lg2 = (g_), .ias = (ias_), .oas = (oas_), \
	  .features = (feat_), .pgsize_bitmap = (bm_) }

const struct fx_config fx_configs[] = {
	{ "s1-4k-48", CFG(PTCORE_FMT_ARM64_LPAE_S1, 12, 48, 48, 0, 0) },
	{ "s1-4k-32", CFG(PTCORE_FMT_ARM64_LPAE_S1, 0, 32, 40, 0, 0) },
	{ "s1-4k-39-cont", CFG(PTCORE_FMT_ARM64_LPAE_S1, 12, 39, 44, 0,
			       SZ_4K | SZ_64K | SZ_2M | SZ_32M | SZ_1G) },
	{ "s1-4k-36-ns-incoherent", CFG(PTCORE_FMT_ARM64_LPAE_S1, 12, 36, 36,
					PTCORE_FEAT_ARM_NS | PTCORE_FEAT_DMA_INCOHERENT, 0) },
	{ "s1-16k-47", CFG(PTCORE_FMT_ARM64_LPAE_S1, 14, 47, 48, 0, 0) },
	{ "s1-16k-36-cont", CFG(PTCORE_FMT_ARM64_LPAE_S1, 14, 36, 40, 0,
				SZ_16K | SZ_2M | SZ_32M | SZ_1G) },
	{ "s1-64k-48", CFG(PTCORE_FMT_ARM64_LPAE_S1, 16, 48, 48, 0, 0) },
	{ "s1-64k-52", CFG(PTCORE_FMT_ARM64_LPAE_S1, 16, 52, 52, 0, 0) },
	{ "s1-64k-42-cont", CFG(PTCORE_FMT_ARM64_LPAE_S1, 16, 42, 42, 0,
				SZ_64K | SZ_2M | SZ_512M | SZ_16G) },
	{ "s2-4k-40-concat", CFG(PTCORE_FMT_ARM64_LPAE_S2, 12, 40, 40, 0, 0) },
	{ "s2-4k-48", CFG(PTCORE_FMT_ARM64_LPAE_S2, 12, 48, 48, 0, 0) },
	{ "s2-4k-32-fwb-cont", CFG(PTCORE_FMT_ARM64_LPAE_S2, 12, 32, 32, PTCORE_FEAT_ARM_S2FWB,
				   SZ_4K | SZ_64K | SZ_2M | SZ_32M | SZ_1G) },
	{ "s2-16k-48-concat", CFG(PTCORE_FMT_ARM64_LPAE_S2, 14, 48, 48, 0, 0) },
	{ "s2-16k-42", CFG(PTCORE_FMT_ARM64_LPAE_S2, 14, 42, 42, 0, 0) },
	{ "s2-64k-48", CFG(PTCORE_FMT_ARM64_LPAE_S2, 16, 48, 48, 0, 0) },
	{ "dart1-16k-32", CFG(PTCORE_FMT_APPLE_DART, 0, 32, 36, 0, 0) },
	{ "dart1-4k-32-4ttbr", CFG(PTCORE_FMT_APPLE_DART, 12, 32, 36, 0, 0) },
	{ "dart1-4k-36-3lvl", CFG(PTCORE_FMT_APPLE_DART, 12, 36, 36, 0, 0) },
	{ "dart1-16k-36-oas42", CFG(PTCORE_FMT_APPLE_DART, 14, 36, 42, 0, 0) },
	{ "dart2-16k-32", CFG(PTCORE_FMT_APPLE_DART2, 14, 32, 42, 0, 0) },
	{ "dart2-16k-38-4ttbr", CFG(PTCORE_FMT_APPLE_DART2, 14, 38, 42, 0, 0) },
	{ "dart2-16k-42-3lvl", CFG(PTCORE_FMT_APPLE_DART2, 14, 42, 42, 0, 0) },
	{ "dart2-16k-36-oas36", CFG(PTCORE_FMT_APPLE_DART2, 0, 36, 36, 0, 0) },
};
const size_t fx_nr_configs = TC_ARRAY_SIZE(fx_configs);

enum { OP_NONE, OP_MAP, OP_UNMAP, OP_SYNC, OP_CUT };

/* The oracle learns @count leaves (out of memory ends the test program). */
static void record(struct fx *f, uint64_t iova, uint64_t pa, uint64_t pgsize, uint64_t count,
		   uint32_t prot)
{
	if (orc_insert(&f->o, iova, pa, pgsize, count, prot))
		abort();
}

/* ---- ops wrappers ---- */

static void *fx_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	struct fx *f = cookie;
	intptr_t off;
	void *va;

	f->allocs++;
	if (f->opt.fail_alloc && f->allocs == f->opt.fail_alloc) {
		f->fails++;
		return NULL;
	}
	va = ptcore_builtin_alloc_table(NULL, size, phys, gfp);
	if (!va)
		return NULL;
	TC_CHECK(size >= 8 && !(size & (size - 1)), "alloc_table size %zu", size);
	TC_CHECK(!(*phys & (size - 1)), "table %#" PRIx64 " not aligned to %zu", *phys, size);
	TC_CHECK(!u64map_get(&f->live, *phys, NULL), "table %#" PRIx64 " handed out twice", *phys);
	off = (intptr_t)(uintptr_t)va - (intptr_t)*phys;
	if (f->have_offset)
		TC_CHECK(off == f->va_minus_pa, "va - pa not constant");
	f->va_minus_pa = off;
	f->have_offset = true;
	u64map_put(&f->live, *phys, size);
	return va;
}

static void fx_free_table(void *cookie, void *va, uint64_t pa, size_t size)
{
	struct fx *f = cookie;
	uint64_t bytes = 0, where;

	f->frees++;
	if (!u64map_get(&f->live, pa, &bytes)) {
		TC_FAIL("free_table(%#" PRIx64 "): not a live table (double free?)", pa);
		return;
	}
	TC_CHECK(bytes == size, "free_table(%#" PRIx64 ") size %zu, allocated %" PRIu64,
		 pa, size, bytes);
	TC_CHECK((uintptr_t)va - (uintptr_t)pa == (uintptr_t)f->va_minus_pa,
		 "free_table va/pa mismatch");
	if (!f->in_destroy) {
		bool linked = u64map_get(&f->info, pa, &where);
		uint64_t replaced = 0;

		if (u64map_get(&f->pending, pa, &replaced) && replaced)
			TC_FAIL("table %#" PRIx64 " replaced by a map was freed before an unmap of "
				"its range was synced (a lookup may still read it)", pa);
		if (linked && !u64map_get(&f->flushed, pa, NULL))
			TC_FAIL("table %#" PRIx64 " freed before a flush with TABLES covered its span",
				pa);
		if (f->opt.iotlb)
			iotlb_check_free(&f->tlb, pa, size);
	}
	u64map_del(&f->live, pa);
	u64map_del(&f->seen, pa);
	u64map_del(&f->info, pa);
	u64map_del(&f->pending, pa);
	u64map_del(&f->flushed, pa);
	ptcore_builtin_free_table(NULL, va, pa, size);
}

static void fx_sync_table(void *cookie, void *va, size_t len)
{
	struct fx *f = cookie;
	uint64_t pa = (uint64_t)((intptr_t)(uintptr_t)va - f->va_minus_pa), k, v;
	size_t it = 0;
	bool inside = false;

	TC_CHECK(f->cfg.features & PTCORE_FEAT_DMA_INCOHERENT, "sync_table on a coherent table");
	while (u64map_next(&f->live, &it, &k, &v))
		if (pa >= k && pa + len <= k + v)
			inside = true;
	TC_CHECK(inside, "sync_table(%#" PRIx64 ", %zu) outside every live table", pa, len);
}

/* Span of a table from its seen record. */
static void seen_span(const struct fx *f, uint64_t rec, uint64_t *va, uint64_t *last)
{
	unsigned int level = rec & 7;
	unsigned int lg2;

	*va = rec & ~7ULL;
	if (level == f->m.w.start_level)
		lg2 = f->m.w.arm ? f->m.w.ias : f->m.w.ttbr_shift;
	else
		lg2 = hw_walk_entry_shift(&f->m.w, level - 1);
	*last = *va + ((1ULL << lg2) - 1);
}

static void fx_flush(void *cookie, const struct ptcore_gather *g)
{
	struct fx *f = cookie;
	struct ptcore_gather eff = *g;
	uint64_t pa, rec, va, last;
	size_t it;

	f->flushes++;
	f->last_flush = *g;
	TC_CHECK(g->start <= g->end, "iotlb_flush for an empty gather [%#" PRIx64 ", %#" PRIx64 "]",
		 g->start, g->end);
	TC_CHECK(g->pgsize, "iotlb_flush with pgsize 0");

	switch (f->opt.flush_mode) {
	case FX_FLUSH_OK:
		break;
	case FX_FLUSH_SHRINK:
		if (f->cur_op == OP_SYNC && f->req_start <= f->req_last) {
			if (eff.start < f->req_start)
				eff.start = f->req_start;
			if (eff.end > f->req_last)
				eff.end = f->req_last;
		}
		break;
	case FX_FLUSH_NO_TABLES:
		eff.flags &= ~PTCORE_GATHER_TABLES;
		break;
	case FX_FLUSH_NONE:
		return;
	}
	if (eff.start > eff.end)
		return;
	if (eff.flags & PTCORE_GATHER_TABLES) {
		it = 0;
		while (u64map_next(&f->info, &it, &pa, &rec)) {
			seen_span(f, rec, &va, &last);
			if (va >= eff.start && last <= eff.end)
				u64map_put(&f->flushed, pa, 1);
		}
	}
	if (f->opt.iotlb)
		iotlb_invalidate(&f->tlb, &eff);
}

static bool fx_is_live(void *ctx, uint64_t pa)
{
	struct fx *f = ctx;

	return u64map_get(&f->live, pa, NULL);
}

static bool fx_table_ok(void *ctx, uint64_t pa, size_t bytes)
{
	struct fx *f = ctx;
	uint64_t have;

	return u64map_get(&f->live, pa, &have) && have == bytes;
}

/* ---- create / destroy ---- */

static void orc_geom_from(struct fx *f)
{
	f->g.ias = f->m.w.ias;
	f->g.pa_bits = f->m.w.pa_bits;
	f->g.pgsize_bitmap = f->m.w.hi.pgsize_bitmap;
}

int fx_create(struct fx *f, const struct ptcore_cfg *cfg, const struct fx_opts *opt)
{
	struct ptcore_mem_stats after;
	int ret;

	memset(f, 0, sizeof(*f));
	if (opt)
		f->opt = *opt;
	f->rng = f->opt.seed ^ 0x5eed;
	f->cfg = *cfg;
	f->ops.alloc_table = fx_alloc;
	f->ops.free_table = fx_free_table;
	f->ops.sync_table = fx_sync_table;
	f->ops.iotlb_flush = fx_flush;
	f->cfg.ops = &f->ops;
	f->cfg.cookie = f;
	u64map_init(&f->live);
	u64map_init(&f->seen);
	u64map_init(&f->pos);
	u64map_init(&f->pending);
	u64map_init(&f->info);
	u64map_init(&f->flushed);
	if (orc_init(&f->o))
		abort();
	ptcore_gather_init(&f->gather);
	f->want_start = UINT64_MAX;
	ptcore_mem_stats(&f->base);

	ret = ptcore_table_create(&f->cfg, &f->t);
	f->calls++;
	if (ret) {
		ptcore_mem_stats(&after);
		TC_CHECK(f->live.n == 0, "create failed (%d) and left %zu tables", ret, f->live.n);
		TC_CHECK(after.tables_live == f->base.tables_live, "create failed and leaked");
		if (ret == -ENOMEM)
			TC_CHECK(f->fails, "create: -ENOMEM without an allocation failure");
		fx_destroy(f);
		return ret;
	}
	f->created = true;
	TC_CHECK(!f->fails, "create succeeded although an allocation failed");
	tm_init(&f->m, f->t, &f->cfg);
	f->m.table_ok = fx_table_ok;
	f->m.table_ok_ctx = f;
	orc_geom_from(f);
	TC_CHECK(f->live.n == f->m.w.n_roots, "create allocated %zu tables, want the %u roots only",
		 f->live.n, f->m.w.n_roots);
	if (f->opt.iotlb)
		iotlb_init(&f->tlb, &f->m.w, fx_is_live, f, 4096, 1024, f->opt.seed);
	fx_check(f);
	return 0;
}

void fx_destroy(struct fx *f)
{
	struct ptcore_mem_stats after;

	if (f->created) {
		f->in_destroy = true;
		ptcore_table_destroy(f->t);
		f->calls++;
		f->t = NULL;
		TC_CHECK(f->live.n == 0, "destroy left %zu tables allocated", f->live.n);
		ptcore_mem_stats(&after);
		TC_CHECK(after.tables_live == f->base.tables_live,
			 "mem_stats: %" PRIu64 " tables live after destroy, %" PRIu64 " before create",
			 after.tables_live, f->base.tables_live);
		TC_CHECK(after.bytes_live == f->base.bytes_live, "mem_stats: bytes leaked");
		if (f->opt.iotlb)
			iotlb_free(&f->tlb);
	}
	f->created = false;
	u64map_free(&f->live);
	u64map_free(&f->seen);
	u64map_free(&f->pos);
	u64map_free(&f->pending);
	u64map_free(&f->info);
	u64map_free(&f->flushed);
	orc_free(&f->o);
}

uint64_t fx_min_pgsize(const struct fx *f)
{
	return f->m.w.hi.pgsize_bitmap & -f->m.w.hi.pgsize_bitmap;
}

uint64_t fx_max_pgsize(const struct fx *f)
{
	return 1ULL << (63 - __builtin_clzll(f->m.w.hi.pgsize_bitmap));
}

/* ---- the whole-table check ---- */

struct check_ctx {
	struct fx *f;
	struct u64map seen2, pos2;
	size_t cursor;
	unsigned long bad;
};

static int chk_table(void *ctx, u64 pa, unsigned int level, u64 span_va, u64 span, u64 bytes,
		     u64 desc)
{
	struct check_ctx *c = ctx;
	struct fx *f = c->f;
	uint64_t have, want = hw_walk_expected_table(&f->m.w, pa);

	if (!u64map_get(&f->live, pa, &have))
		TC_FAIL("linked table %#" PRIx64 " (level %u, IOVA %#" PRIx64 ") is not live",
			pa, level, span_va);
	else if (have != bytes)
		TC_FAIL("table %#" PRIx64 " has %" PRIu64 " bytes, level %u needs %" PRIu64, pa,
			have, level, bytes);
	/*
	 * Linux 6.1 marks the table entries it synced for a DMA-incoherent
	 * walker with software bit 55, which the walker ignores.
	 */
	if (desc && f->m.w.arm && (f->cfg.features & PTCORE_FEAT_DMA_INCOHERENT))
		desc &= ~TC_BIT(55);
	if (desc && desc != want) {
		TC_FAIL("table entry for %#" PRIx64 " (level %u, IOVA %#" PRIx64 "): %#" PRIx64
			", want %#" PRIx64, pa, level - 1, span_va, desc, want);
		c->bad++;
	}
	if (u64map_get(&c->seen2, pa, NULL))
		TC_FAIL("table %#" PRIx64 " linked twice", pa);
	u64map_put(&c->seen2, pa, span_va | level);
	u64map_put(&c->pos2, span_va | level, pa);
	return 0;
}

/* Every leaf entry; the first of a contiguous run stands for the run. */
static int chk_leaf(void *ctx, const struct hw_leaf *leaf)
{
	struct check_ctx *c = ctx;
	struct fx *f = c->f;
	const struct orc_leaf *l;
	uint64_t va = leaf->run_iova, pa = leaf->run_oa, want;

	if (leaf->iova != leaf->run_iova)
		return 0;
	if (c->cursor >= f->o.n || f->o.v[c->cursor].iova != va) {
		long k = orc_find(&f->o, va);

		TC_FAIL("table maps %#" PRIx64 " (size %#" PRIx64 " -> %#" PRIx64 "), the oracle %s",
			va, leaf->run_size, pa,
			k < 0 ? "has nothing there" : "has another leaf there");
		c->bad++;
		if (k >= 0 && f->o.v[k].iova == va)
			c->cursor = (size_t)k + 1;
		return 0;
	}
	l = &f->o.v[c->cursor++];
	if (l->size != leaf->run_size || l->pa != pa) {
		TC_FAIL("leaf %#" PRIx64 ": size %#" PRIx64 " pa %#" PRIx64 ", oracle size %#" PRIx64
			" pa %#" PRIx64, va, leaf->run_size, pa, l->size, l->pa);
		c->bad++;
		return 0;
	}
	want = hw_walk_expected_leaf(&f->m.w, l->prot, pa, leaf->level,
				     leaf->run_size > leaf->size);
	if (leaf->pte != want) {
		TC_FAIL("leaf %#" PRIx64 " prot %#x: entry %#" PRIx64 ", want %#" PRIx64, va, l->prot,
			leaf->pte, want);
		c->bad++;
	}
	return 0;
}

static int chk_bad(void *ctx, u64 va, unsigned int level, u64 pte, enum hw_fault why)
{
	struct check_ctx *c = ctx;

	TC_FAIL("IOVA %#" PRIx64 " level %u entry %#" PRIx64 ": %s%s", va, level, pte,
		hw_fault_name(why), why == HW_FAULT_INVALID ? " (not zero)" : "");
	c->bad++;
	return 0;
}

static void probe(struct fx *f, uint64_t iova)
{
	long k = orc_find(&f->o, iova);
	uint64_t phys = 0xdead, want;
	struct hw_leaf leaf;
	enum hw_fault hf;
	int ret;

	ret = ptcore_iova_to_phys(f->t, iova, &phys);
	f->calls++;
	if (f->m.w.ias < 64 && iova >> f->m.w.ias) {
		TC_CHECK(ret == -ERANGE, "iova_to_phys(%#" PRIx64 ") beyond ias: %d", iova, ret);
		return;
	}
	if (k < 0) {
		TC_CHECK(ret == -ENOENT, "iova_to_phys(%#" PRIx64 ") unmapped: %d (%#" PRIx64 ")",
			 iova, ret, phys);
		hf = hw_walk_iova(&f->m.w, iova, &leaf);
		TC_CHECK(hf == HW_FAULT_INVALID, "walk model translates unmapped %#" PRIx64 " (%s)",
			 iova, hw_fault_name(hf));
		return;
	}
	want = f->o.v[k].pa + (iova - f->o.v[k].iova);
	TC_CHECK(ret == 0 && phys == want, "iova_to_phys(%#" PRIx64 ") = %d, %#" PRIx64
		 ", want %#" PRIx64, iova, ret, phys, want);
	hf = hw_walk_iova(&f->m.w, iova, &leaf);
	TC_CHECK(hf == HW_OK && leaf.oa == want,
		 "walk model: %#" PRIx64 " -> %s pa %#" PRIx64 ", want %#" PRIx64,
		 iova, hw_fault_name(hf), leaf.oa, want);
}

void fx_check(struct fx *f)
{
	struct check_ctx c = { .f = f };
	struct hw_visitor v = { .table = chk_table, .leaf = chk_leaf, .bad = chk_bad, .ctx = &c };
	uint64_t pa, rec, gathered = 0;
	size_t it, i;

	u64map_init(&c.seen2);
	u64map_init(&c.pos2);
	hw_walk_visit(&f->m.w, &v);
	if (c.cursor < f->o.n && !c.bad)
		TC_FAIL("oracle leaf %#" PRIx64 " (size %#" PRIx64 ") is missing from the table",
			f->o.v[c.cursor].iova, f->o.v[c.cursor].size);

	/* Tables linked before and not now: unlinked by this call. */
	it = 0;
	while (u64map_next(&f->seen, &it, &pa, &rec)) {
		if (u64map_get(&c.seen2, pa, NULL) || !u64map_get(&f->live, pa, NULL))
			continue;
		u64map_put(&f->pending, pa, f->cur_op == OP_MAP);
		if (f->cur_op == OP_UNMAP && (f->cfg.features & PTCORE_FEAT_FREE_EMPTY_TABLES)) {
			uint64_t va, last;

			/* A freed empty table's span is gathered too (ABI.md). */
			seen_span(f, rec, &va, &last);
			if (va < f->want_start)
				f->want_start = va;
			if (last > f->want_end || f->want_start > f->want_end)
				f->want_end = last;
		}
		if (f->cur_op == OP_UNMAP)
			f->unlinked_since_sync++;
		else if (f->cur_op != OP_MAP)
			TC_FAIL("table %#" PRIx64 " unlinked by a call that must not unlink", pa);
	}
	/* Every live table is linked or waiting for its flush. */
	it = 0;
	while (u64map_next(&f->live, &it, &pa, &rec)) {
		uint64_t replaced;

		if (u64map_get(&c.seen2, pa, NULL))
			continue;
		if (!u64map_get(&f->pending, pa, &replaced))
			TC_FAIL("table %#" PRIx64 " is allocated but neither linked nor queued (leak)",
				pa);
		else if (!replaced)
			gathered++;
	}
	TC_CHECK(f->gather.nr_tables == gathered, "gather.nr_tables %u, %" PRIu64
		 " unlinked tables wait for the sync", f->gather.nr_tables, gathered);

	/* A flush only counts for the tables linked at the time. */
	it = 0;
	while (u64map_next(&c.seen2, &it, &pa, &rec)) {
		u64map_del(&f->flushed, pa);
		u64map_put(&f->info, pa, rec);
	}
	u64map_free(&f->seen);
	u64map_free(&f->pos);
	f->seen = c.seen2;
	f->pos = c.pos2;

	/* Translate a few addresses through ptcore and the walk model. */
	for (i = 0; i < 4 && f->o.n; i++) {
		const struct orc_leaf *l = &f->o.v[tc_rand(&f->rng) % f->o.n];

		probe(f, l->iova);
		probe(f, l->iova + l->size - 1);
		probe(f, l->iova + l->size);
	}
	probe(f, tc_rand(&f->rng) & ((1ULL << f->m.w.ias) - 1) & ~7ULL);
}

void fx_touch(struct fx *f, uint64_t iova, uint64_t len, unsigned int n)
{
	unsigned int i;
	uint64_t pa;

	if (!f->opt.iotlb)
		return;
	for (i = 0; len && i < n; i++) {
		uint64_t at = iova + (i == 0 ? 0 : i == 1 ? len - 1 : tc_rand(&f->rng) % len);

		if (f->m.w.ias < 64 && at >> f->m.w.ias)
			break;
		iotlb_access(&f->tlb, at, &pa);
	}
	for (i = 0; i < n && f->o.n; i++) {
		const struct orc_leaf *l = &f->o.v[tc_rand(&f->rng) % f->o.n];

		iotlb_access(&f->tlb, l->iova + tc_rand(&f->rng) % l->size, &pa);
	}
}

static void touch_after(struct fx *f, uint64_t iova, uint64_t len)
{
	if (f->opt.iotlb)
		fx_touch(f, iova, len, f->opt.touches ? f->opt.touches : 4);
}

/* ---- map ---- */

static unsigned int leaf_level(const struct fx *f, uint64_t pgsize)
{
	unsigned int lg2 = 63 - (unsigned int)__builtin_clzll(pgsize);
	unsigned int up = (lg2 - f->m.w.pg_shift) / f->m.w.bpl;

	return up >= f->m.w.levels ? f->m.w.start_level : f->m.w.last_level - up;
}

/*
 * Tables a map must allocate, in order, for its first @count leaves; with
 * @fail_at (1-based) the bytes mapped before that allocation. Tables exist
 * where the last check saw them (f->pos).
 */
static uint64_t predict_allocs_in(struct fx *f, struct u64map *fresh, uint64_t n0, uint64_t iova,
				  uint64_t pgsize, uint64_t count, uint64_t fail_at,
				  uint64_t *mapped_at_fail)
{
	unsigned int leaf = leaf_level(f, pgsize), l;
	uint64_t k, n = n0;

	*mapped_at_fail = UINT64_MAX;
	for (k = 0; k < count; k++) {
		uint64_t va = iova + k * pgsize;

		for (l = f->m.w.start_level + 1; l <= leaf; l++) {
			uint64_t key = (va & ~((1ULL << hw_walk_entry_shift(&f->m.w, l - 1)) - 1)) | l;

			if (u64map_get(&f->pos, key, NULL) || u64map_get(fresh, key, NULL))
				continue;
			u64map_put(fresh, key, 1);
			if (++n == fail_at && *mapped_at_fail == UINT64_MAX)
				*mapped_at_fail = k * pgsize;
		}
	}
	return n - n0;
}

static uint64_t predict_allocs(struct fx *f, uint64_t iova, uint64_t pgsize, uint64_t count,
			       uint64_t fail_at, uint64_t *mapped_at_fail)
{
	struct u64map fresh;
	uint64_t n;

	u64map_init(&fresh);
	n = predict_allocs_in(f, &fresh, 0, iova, pgsize, count, fail_at, mapped_at_fail);
	u64map_free(&fresh);
	return n;
}

int fx_map(struct fx *f, uint64_t iova, uint64_t pa, uint64_t pgsize, uint64_t pgcount,
	   uint32_t prot, uint64_t *mapped_out)
{
	uint64_t allocs0 = f->allocs, mapped = 0xbad, room = 0, need = 0, at_fail = UINT64_MAX;
	unsigned long flushes0 = f->flushes;
	uint64_t fail_j = 0;
	int want, ret;

	want = orc_map_args(&f->g, iova, pa, pgsize, pgcount, prot);
	if (!want) {
		room = orc_map_room(&f->o, iova, pgsize, pgcount);
		if (f->opt.fail_alloc > allocs0)
			fail_j = f->opt.fail_alloc - allocs0;
		need = predict_allocs(f, iova, pgsize, room, fail_j, &at_fail);
	}

	f->cur_op = OP_MAP;
	ret = ptcore_map_pages(f->t, iova, pa, pgsize, pgcount, prot, 0, &mapped);
	f->calls++;
	if (mapped_out)
		*mapped_out = mapped;

	if (want) {
		TC_CHECK(ret == want, "map(%#" PRIx64 ", %#" PRIx64 ", size %#" PRIx64 " x %" PRIu64
			 ", prot %#x) = %d, want %d", iova, pa, pgsize, pgcount, prot, ret, want);
		TC_CHECK(mapped == 0, "map with bad arguments: *mapped %#" PRIx64, mapped);
		TC_CHECK(f->allocs == allocs0, "map with bad arguments allocated");
	} else if (at_fail != UINT64_MAX) {
		TC_CHECK(ret == -ENOMEM, "map(%#" PRIx64 " size %#" PRIx64 " x %" PRIu64
			 ") with allocation %" PRIu64 " failing = %d, want -ENOMEM",
			 iova, pgsize, pgcount, fail_j, ret);
		TC_CHECK(mapped == at_fail, "map -ENOMEM: *mapped %#" PRIx64 ", want %#" PRIx64,
			 mapped, at_fail);
		TC_CHECK(f->allocs - allocs0 == fail_j, "map -ENOMEM: %" PRIu64
			 " allocations, want %" PRIu64, f->allocs - allocs0, fail_j);
		if (ret == -ENOMEM && mapped == at_fail)
			record(f, iova, pa, pgsize, at_fail / pgsize, prot);
	} else {
		int exp = room == pgcount ? 0 : -EADDRINUSE;

		TC_CHECK(ret == exp, "map(%#" PRIx64 ", %#" PRIx64 ", size %#" PRIx64 " x %" PRIu64
			 ", prot %#x) = %d, want %d", iova, pa, pgsize, pgcount, prot, ret, exp);
		TC_CHECK(mapped == room * pgsize, "map(%#" PRIx64 "): *mapped %#" PRIx64
			 ", want %#" PRIx64, iova, mapped, room * pgsize);
		TC_CHECK(f->allocs - allocs0 == need, "map(%#" PRIx64 " size %#" PRIx64 " x %" PRIu64
			 "): %" PRIu64 " table allocations, want %" PRIu64, iova, pgsize, pgcount,
			 f->allocs - allocs0, need);
		if (mapped == room * pgsize)
			record(f, iova, pa, pgsize, room, prot);
	}
	if (ret && ret != -EADDRINUSE && ret != -ENOMEM)
		TC_CHECK(f->flushes == flushes0, "a refused map called iotlb_flush");
	fx_check(f);
	f->cur_op = OP_NONE;
	if (!want)
		touch_after(f, iova, pgsize * (pgcount < 64 ? pgcount : 64));
	return ret;
}

uint64_t fx_split_leaves(const struct fx *f, uint64_t iova, uint64_t pa, uint64_t len)
{
	uint64_t done = 0, n = 0, count, pgsize;

	/* Ranges map_range refuses before it splits: no walk of the whole space. */
	if (!len || iova + (len - 1) < iova || pa + (len - 1) < pa ||
	    (f->m.w.ias < 64 && ((iova + (len - 1)) >> f->m.w.ias)))
		return UINT64_MAX;
	while (done < len) {
		count = 0;
		pgsize = orc_pgsize(f->g.pgsize_bitmap, iova + done, pa + done, len - done, &count);
		if (!pgsize || !count)
			return UINT64_MAX;
		n += count;
		done += pgsize * count;
	}
	return n;
}

int fx_map_range(struct fx *f, uint64_t iova, uint64_t pa, uint64_t len, uint32_t prot,
		 uint64_t *mapped_out)
{
	uint64_t allocs0 = f->allocs, mapped = 0xbad, min = fx_min_pgsize(f);
	uint64_t done = 0, need = 0, fail_j = 0, want_mapped = 0;
	unsigned long flushes0 = f->flushes;
	struct u64map fresh;
	int want, exp = 0, ret;

	/* map_pages' checks with len in place of pgsize * pgcount (ABI.md). */
	want = len % min ? -EINVAL : orc_map_args(&f->g, iova, pa, min, len / min, prot);
	if (f->opt.fail_alloc > allocs0)
		fail_j = f->opt.fail_alloc - allocs0;

	f->cur_op = OP_MAP;
	ret = ptcore_map_range(f->t, iova, pa, len, prot, 0, &mapped);
	f->calls++;
	if (mapped_out)
		*mapped_out = mapped;

	if (want) {
		TC_CHECK(ret == want, "map_range(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", prot %#x)"
			 " = %d, want %d", iova, pa, len, prot, ret, want);
		TC_CHECK(mapped == 0, "map_range with bad arguments: *mapped %#" PRIx64, mapped);
		TC_CHECK(f->allocs == allocs0, "map_range with bad arguments allocated");
		fx_check(f);
		f->cur_op = OP_NONE;
		return ret;
	}
	/* The map_pages calls of the split, one after the other, in the oracle. */
	u64map_init(&fresh);
	while (done < len) {
		uint64_t count = 0, room, at_fail, n;
		uint64_t pgsize = orc_pgsize(f->g.pgsize_bitmap, iova + done, pa + done,
					       len - done, &count);

		if (!pgsize || !count) {
			TC_FAIL("map_range: no page size for %#" PRIx64 " bytes at %#" PRIx64,
				len - done, iova + done);
			break;
		}
		room = orc_map_room(&f->o, iova + done, pgsize, count);
		n = predict_allocs_in(f, &fresh, need, iova + done, pgsize, room, fail_j, &at_fail);
		if (at_fail != UINT64_MAX) {
			exp = -ENOMEM;
			want_mapped = done + at_fail;
			need = fail_j;
			if (at_fail)
				record(f, iova + done, pa + done, pgsize, at_fail / pgsize, prot);
			break;
		}
		need += n;
		if (room)
			record(f, iova + done, pa + done, pgsize, room, prot);
		if (room < count) {
			exp = -EADDRINUSE;
			want_mapped = done + room * pgsize;
			break;
		}
		done += pgsize * count;
		want_mapped = done;
	}
	u64map_free(&fresh);
	TC_CHECK(ret == exp, "map_range(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", prot %#x) = %d,"
		 " the map_pages split gives %d", iova, pa, len, prot, ret, exp);
	TC_CHECK(mapped == want_mapped, "map_range(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 "): "
		 "*mapped %#" PRIx64 ", the split maps %#" PRIx64, iova, pa, len, mapped,
		 want_mapped);
	TC_CHECK(f->allocs - allocs0 == need, "map_range(%#" PRIx64 ", %#" PRIx64 "): %" PRIu64
		 " table allocations, the split makes %" PRIu64, iova, len, f->allocs - allocs0,
		 need);
	if (ret && ret != -EADDRINUSE && ret != -ENOMEM)
		TC_CHECK(f->flushes == flushes0, "a refused map_range called iotlb_flush");
	fx_check(f);
	f->cur_op = OP_NONE;
	touch_after(f, iova, len < 64 * min ? len : 64 * min);
	return ret;
}

/* ---- cut ---- */

static void check_gather(struct fx *f, const char *what);

/* Record [iova, iova + len) -> pa as the map_range split would map it. */
static void record_split(struct fx *f, uint64_t iova, uint64_t pa, uint64_t len, uint32_t prot)
{
	int ret = orc_insert_split(&f->o, f->g.pgsize_bitmap, iova, pa, len, prot);

	if (ret == -ENOMEM)
		abort();
	TC_CHECK(!ret, "cut: no page size for %#" PRIx64 " bytes at %#" PRIx64, len, iova);
}

int fx_cut(struct fx *f, uint64_t iova)
{
	uint64_t min = fx_min_pgsize(f), allocs0 = f->allocs, fails0 = f->fails;
	unsigned long flushes0 = f->flushes;
	struct ptcore_gather before = f->gather;
	struct orc_leaf old = { 0, 0, 0, 0 };
	bool splits = false;
	long k = -1;
	int want = 0, ret;

	if (iova % min)
		want = -EINVAL;
	else if (f->g.ias < 64 && iova >> f->g.ias)
		want = -ERANGE;
	if (!want) {
		k = orc_find(&f->o, iova);
		if (k >= 0 && f->o.v[k].iova != iova) {
			old = f->o.v[k];
			splits = true;
		}
	}

	f->cur_op = OP_CUT;
	ret = ptcore_cut(f->t, iova, 0, &f->gather);
	f->calls++;

	if (want || !splits) {
		TC_CHECK(ret == want, "cut(%#" PRIx64 ") = %d, want %d", iova, ret, want);
		TC_CHECK(f->allocs == allocs0, "cut(%#" PRIx64 ") that changes nothing allocated",
			 iova);
		TC_CHECK(f->flushes == flushes0, "cut(%#" PRIx64 ") that changes nothing flushed",
			 iova);
		TC_CHECK(!memcmp(&before, &f->gather, sizeof(before)),
			 "cut(%#" PRIx64 ") that changes nothing touched the gather", iova);
	} else if (ret == -ENOMEM) {
		TC_CHECK(f->fails > fails0, "cut(%#" PRIx64 ") = -ENOMEM with no failed allocation",
			 iova);
		TC_CHECK(!memcmp(&before, &f->gather, sizeof(before)),
			 "cut(%#" PRIx64 ") = -ENOMEM touched the gather", iova);
	} else {
		struct orc_unmap_result r;
		bool bbml2 = f->cfg.features & PTCORE_FEAT_ARM_BBML2;

		TC_CHECK(ret == 0, "cut(%#" PRIx64 ") inside a leaf of %#" PRIx64 " at %#" PRIx64
			 " = %d, want 0", iova, old.size, old.iova, ret);
		TC_CHECK(f->allocs - allocs0 <= 8, "cut(%#" PRIx64 "): %" PRIu64 " allocations",
			 iova, f->allocs - allocs0);
		TC_CHECK(f->flushes - flushes0 == (bbml2 ? 0u : 1u), "cut(%#" PRIx64 ") of a leaf: %lu"
			 " flushes, want %u (break-before-make %s)", iova, f->flushes - flushes0,
			 bbml2 ? 0u : 1u, bbml2 ? "off: BBML2" : "on");
		if (!bbml2 && f->flushes != flushes0)
			TC_CHECK(f->last_flush.start <= old.iova &&
				 f->last_flush.end >= old.iova + (old.size - 1),
				 "cut's break-before-make flush [%#" PRIx64 ", %#" PRIx64 "] misses "
				 "the old leaf [%#" PRIx64 ", +%#" PRIx64 ")", f->last_flush.start,
				 f->last_flush.end, old.iova, old.size);
		/* The oracle: the old leaf, replaced by the split of each side. */
		orc_unmap(&f->o, &f->g, old.iova, old.size, &r);
		TC_CHECK(r.ret == 0 && r.unmapped == old.size, "cut: the oracle lost its leaf");
		record_split(f, old.iova, old.pa, iova - old.iova, old.prot);
		record_split(f, iova, old.pa + (iova - old.iova), old.iova + old.size - iova,
				 old.prot);
		/* The gather widened by the old leaf's span and size. */
		if (old.iova < f->want_start || f->want_start > f->want_end)
			f->want_start = old.iova;
		if (old.iova + (old.size - 1) > f->want_end)
			f->want_end = old.iova + (old.size - 1);
		f->want_pgsize |= old.size;
		check_gather(f, "cut");
	}
	fx_check(f);
	f->cur_op = OP_NONE;
	if (!ret && splits)
		touch_after(f, old.iova, old.size < 64 * min ? old.size : 64 * min);
	return ret;
}

/* ---- unmap ---- */

static void check_gather(struct fx *f, const char *what)
{
	if (f->want_start > f->want_end) {
		TC_CHECK(f->gather.start == UINT64_MAX && f->gather.end == 0,
			 "%s: gather [%#" PRIx64 ", %#" PRIx64 "], want empty", what,
			 f->gather.start, f->gather.end);
	} else {
		TC_CHECK(f->gather.start == f->want_start && f->gather.end == f->want_end,
			 "%s: gather [%#" PRIx64 ", %#" PRIx64 "], want [%#" PRIx64 ", %#" PRIx64 "]",
			 what, f->gather.start, f->gather.end, f->want_start, f->want_end);
	}
	TC_CHECK(f->gather.pgsize == f->want_pgsize, "%s: gather pgsize %#" PRIx64 ", want %#"
		 PRIx64, what, f->gather.pgsize, f->want_pgsize);
	TC_CHECK(!!(f->gather.flags & PTCORE_GATHER_TABLES) == !!f->unlinked_since_sync,
		 "%s: gather flags %#x, %lu tables unlinked since the last sync", what,
		 f->gather.flags, f->unlinked_since_sync);
}

/*
 * Tables a map replaced stay parked until an unmap removes their whole span:
 * then they wait on that unmap's gather like the tables it unlinked.
 */
static void adopt_parked(struct fx *f, uint64_t iova, uint64_t bytes)
{
	uint64_t pa, v, rec, va, last;
	size_t it = 0;

	while (u64map_next(&f->pending, &it, &pa, &v)) {
		if (!v || !u64map_get(&f->info, pa, &rec))
			continue;
		seen_span(f, rec, &va, &last);
		if (va >= iova && last <= iova + (bytes - 1)) {
			u64map_put(&f->pending, pa, 0);
			/* a gather that holds tables says PTCORE_GATHER_TABLES */
			f->unlinked_since_sync++;
		}
	}
}

/* What ptcore_unmap_collect() reported. */
struct fx_runs {
	struct ptcore_range *v;
	size_t n, cap;
	unsigned long calls;
	bool bad_batch;
};

static void fx_collect(void *arg, const struct ptcore_range *runs, uint32_t n)
{
	struct fx_runs *c = arg;
	uint32_t i;

	c->calls++;
	if (!n || !runs)
		c->bad_batch = true;
	for (i = 0; i < n; i++) {
		if (c->n == c->cap) {
			size_t cap = c->cap ? 2 * c->cap : 64;
			struct ptcore_range *v = realloc(c->v, cap * sizeof(*v));

			if (!v)
				abort();
			c->v = v;
			c->cap = cap;
		}
		c->v[c->n++] = runs[i];
	}
}

/*
 * The runs unmap_collect must report: the leaves of @before that the
 * oracle's unmap removed (r.first..r.last, whole leaves), coalesced where
 * contiguous in IOVA and PA.
 */
static void check_runs(const struct oracle *before, const struct orc_unmap_result *r,
		       const struct fx_runs *got, uint64_t iova, uint64_t len)
{
	struct ptcore_range cur = { 0 };
	size_t i = r->unmapped ? orc_lower(before, r->first) : before->n, k = 0;
	uint64_t sum = 0;
	bool ok = true;

	TC_CHECK(!got->bad_batch, "unmap_collect(%#" PRIx64 ", %#" PRIx64 ") called back with 0 "
		 "runs", iova, len);
	for (; i < before->n && before->v[i].iova <= r->last; i++) {
		const struct orc_leaf *l = &before->v[i];

		if (cur.size && l->iova == cur.iova + cur.size && l->pa == cur.paddr + cur.size) {
			cur.size += l->size;
			continue;
		}
		if (cur.size) {
			ok = ok && k < got->n && !memcmp(&got->v[k], &cur, sizeof(cur));
			k++;
		}
		cur.iova = l->iova;
		cur.paddr = l->pa;
		cur.size = l->size;
	}
	if (cur.size) {
		ok = ok && k < got->n && !memcmp(&got->v[k], &cur, sizeof(cur));
		k++;
	}
	TC_CHECK(ok && k == got->n, "unmap_collect(%#" PRIx64 ", %#" PRIx64 "): %zu runs, the "
		 "oracle's removed leaves make %zu (first got [%#" PRIx64 " -> %#" PRIx64 " +%#"
		 PRIx64 "])", iova, len, got->n, k, got->n ? got->v[0].iova : 0,
		 got->n ? got->v[0].paddr : 0, got->n ? got->v[0].size : 0);
	for (i = 0; i < got->n; i++)
		sum += got->v[i].size;
	TC_CHECK(sum == r->unmapped, "unmap_collect(%#" PRIx64 ", %#" PRIx64 "): runs add up to %#"
		 PRIx64 ", unmapped %#" PRIx64, iova, len, sum, r->unmapped);
}

/* With FREE_EMPTY_TABLES: no table below the top that the unmap touched is left empty. */
static void check_no_empty(struct fx *f, const struct orc_unmap_result *r)
{
	uint64_t pa, rec, va, last;
	size_t it = 0, i;

	if (!(f->cfg.features & PTCORE_FEAT_FREE_EMPTY_TABLES) || !r->unmapped)
		return;
	while (u64map_next(&f->seen, &it, &pa, &rec)) {
		if ((rec & 7) == f->m.w.start_level)
			continue;			/* a top table */
		seen_span(f, rec, &va, &last);
		if (last < r->first || va > r->last)
			continue;
		i = orc_lower(&f->o, va);
		TC_CHECK(i < f->o.n && f->o.v[i].iova <= last, "free-empty: table %#" PRIx64
			 " [%#" PRIx64 ", %#" PRIx64 "] left linked with no leaf by unmap of [%#"
			 PRIx64 ", %#" PRIx64 "]", pa, va, last, r->first, r->last);
	}
}

static int do_unmap(struct fx *f, uint64_t iova, uint64_t len, bool pages, uint64_t pgsize,
		    uint64_t pgcount, bool collect, uint64_t *unmapped_out)
{
	struct ptcore_gather before = f->gather;
	struct orc_unmap_result r;
	uint64_t unmapped = 0xbad, allocs0 = f->allocs;
	struct oracle o0;
	struct fx_runs runs = { 0 };
	int ret = 0;

	if (collect)
		if (orc_copy(&o0, &f->o))
			abort();
	orc_unmap(&f->o, &f->g, iova, len, &r);
	f->req_start = iova;
	f->req_last = len ? iova + len - 1 : 0;
	f->cur_op = OP_UNMAP;
	if (pages) {
		unmapped = ptcore_unmap_pages(f->t, iova, pgsize, pgcount, &f->gather);
	} else if (collect) {
		ret = ptcore_unmap_collect(f->t, iova, len, &f->gather, &unmapped, fx_collect, &runs);
		TC_CHECK(ret == r.ret, "unmap_collect(%#" PRIx64 ", %#" PRIx64 ") = %d, want %d",
			 iova, len, ret, r.ret);
		check_runs(&o0, &r, &runs, iova, len);
		orc_free(&o0);
		free(runs.v);
	} else {
		ret = ptcore_unmap(f->t, iova, len, &f->gather, &unmapped);
		TC_CHECK(ret == r.ret, "unmap(%#" PRIx64 ", %#" PRIx64 ") = %d, want %d", iova, len,
			 ret, r.ret);
	}
	f->calls++;
	TC_CHECK(unmapped == r.unmapped, "unmap(%#" PRIx64 ", %#" PRIx64 "): unmapped %#" PRIx64
		 ", want %#" PRIx64, iova, len, unmapped, r.unmapped);
	TC_CHECK(f->allocs == allocs0, "unmap allocated a table");
	if (r.ret && !r.unmapped)
		TC_CHECK(!memcmp(&before, &f->gather, sizeof(before)),
			 "unmap(%#" PRIx64 ", %#" PRIx64 ") removed nothing but changed the gather",
			 iova, len);
	if (r.unmapped)
		adopt_parked(f, iova, r.unmapped);
	if (r.unmapped) {
		if (r.first < f->want_start)
			f->want_start = r.first;
		if (r.last > f->want_end || f->want_start > f->want_end)
			f->want_end = r.last;
		f->want_pgsize |= r.pgsize;
	}
	fx_check(f);
	f->cur_op = OP_NONE;
	check_no_empty(f, &r);
	check_gather(f, "unmap");
	if (unmapped_out)
		*unmapped_out = unmapped;
	if (!orc_unmap_args(&f->g, iova, len))
		touch_after(f, iova, len);
	return pages ? 0 : ret;
}

int fx_unmap(struct fx *f, uint64_t iova, uint64_t len, uint64_t *unmapped)
{
	return do_unmap(f, iova, len, false, 0, 0, false, unmapped);
}

int fx_unmap_collect(struct fx *f, uint64_t iova, uint64_t len, uint64_t *unmapped)
{
	return do_unmap(f, iova, len, false, 0, 0, true, unmapped);
}

uint64_t fx_unmap_pages(struct fx *f, uint64_t iova, uint64_t pgsize, uint64_t pgcount)
{
	struct ptcore_gather before = f->gather;
	uint64_t unmapped = 0;

	if (pgsize && pgcount > UINT64_MAX / pgsize) {
		unmapped = ptcore_unmap_pages(f->t, iova, pgsize, pgcount, &f->gather);
		f->calls++;
		TC_CHECK(unmapped == 0, "unmap_pages with an overflowing product returned %#" PRIx64,
			 unmapped);
		TC_CHECK(!memcmp(&before, &f->gather, sizeof(before)),
			 "unmap_pages with an overflowing product changed the gather");
		fx_check(f);
		return unmapped;
	}
	do_unmap(f, iova, pgsize * pgcount, true, pgsize, pgcount, false, &unmapped);
	return unmapped;
}

int fx_iova_to_phys(struct fx *f, uint64_t iova)
{
	uint64_t phys = 0;
	int ret;

	probe(f, iova);
	ret = ptcore_iova_to_phys(f->t, iova, &phys);
	f->calls++;
	return ret;
}

void fx_sync(struct fx *f)
{
	struct ptcore_gather before = f->gather;
	unsigned long flushes0 = f->flushes;
	uint64_t pa, v;
	size_t it = 0;

	f->cur_op = OP_SYNC;
	ptcore_iotlb_sync(f->t, &f->gather);
	f->calls++;
	if (before.start <= before.end) {
		TC_CHECK(f->flushes == flushes0 + 1, "sync of a gather made %lu flush calls",
			 f->flushes - flushes0);
		TC_CHECK(f->last_flush.start == before.start && f->last_flush.end == before.end &&
			 f->last_flush.pgsize == before.pgsize && f->last_flush.flags == before.flags,
			 "sync flushed another range than the gather's");
	} else {
		TC_CHECK(f->flushes == flushes0, "sync of an empty gather called iotlb_flush");
	}
	TC_CHECK(f->gather.start == UINT64_MAX && f->gather.end == 0 && !f->gather.pgsize &&
		 !f->gather.flags && !f->gather.nr_tables && !f->gather.freelist,
		 "sync did not re-initialise the gather");
	while (u64map_next(&f->pending, &it, &pa, &v))
		TC_CHECK(v, "table %#" PRIx64 " (unmapped) still allocated after the sync", pa);
	f->want_start = UINT64_MAX;
	f->want_end = 0;
	f->want_pgsize = 0;
	f->unlinked_since_sync = 0;
	f->req_start = 1;
	f->req_last = 0;
	fx_check(f);
	f->cur_op = OP_NONE;
	if (f->opt.iotlb)
		iotlb_check_synced(&f->tlb, &f->o);
}
