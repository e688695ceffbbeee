// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The test fixture: see fixture.h. */
#include "fixture_internal.h"

#define SZ_4K	0x1000ULL
#define SZ_16K	0x4000ULL
#define SZ_64K	0x10000ULL
#define SZ_1M	0x100000ULL
#define SZ_16M	0x1000000ULL
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
	{ "riscv-sv39-38", CFG(PTCORE_FMT_RISCV64, 0, 38, 56, 0, 0) },
	{ "riscv-sv48-47-free-empty", CFG(PTCORE_FMT_RISCV64, 12, 47, 48,
					  PTCORE_FEAT_FREE_EMPTY_TABLES, 0) },
	{ "riscv-sv57-56-dirty", CFG(PTCORE_FMT_RISCV64, 12, 56, 56, PTCORE_FEAT_DIRTY_TRACKING, 0) },
	{ "s1-4k-52-lpa2", CFG(PTCORE_FMT_ARM64_LPAE_S1, 12, 52, 52, PTCORE_FEAT_ARM_LPA2, 0) },
	{ "s2-16k-52-lpa2", CFG(PTCORE_FMT_ARM64_LPAE_S2, 14, 52, 52, PTCORE_FEAT_ARM_LPA2, 0) },
	{ "riscv-sv39-32-incoherent", CFG(PTCORE_FMT_RISCV64, 12, 32, 40,
					  PTCORE_FEAT_DMA_INCOHERENT, 0) },
	{ "vtdss-39", CFG(PTCORE_FMT_VTDSS, 0, 39, 46, 0, 0) },
	{ "vtdss-48-2m", CFG(PTCORE_FMT_VTDSS, 12, 48, 52, 0, SZ_4K | SZ_2M) },
	{ "vtdss-57-incoherent", CFG(PTCORE_FMT_VTDSS, 0, 57, 52, PTCORE_FEAT_DMA_INCOHERENT, 0) },
	{ "x86-64-48", CFG(PTCORE_FMT_X86_64, 0, 48, 52, 0, 0) },
	{ "x86-64-57", CFG(PTCORE_FMT_X86_64, 12, 57, 52, 0, 0) },
	{ "x86-64-36-oas40", CFG(PTCORE_FMT_X86_64, 0, 36, 40, 0, 0) },
	/* AMD v1: every size from 4K to 512M (16K, 4M, ... replicated), to 1G; and a mix */
	{ "amdv1-32", CFG(PTCORE_FMT_AMDV1, 0, 32, 52, 0, 0x3ffff000ULL) },
	{ "amdv1-48-dirty", CFG(PTCORE_FMT_AMDV1, 12, 48, 48, PTCORE_FEAT_DIRTY_TRACKING,
				0x7ffff000ULL) },
	{ "amdv1-40-small", CFG(PTCORE_FMT_AMDV1, 0, 40, 52, 0,
				SZ_4K | 0x2000ULL | SZ_64K | SZ_2M | 0x400000ULL | SZ_1G) },
	/* ARM v7s: 4K, 64K and 16M replicated; one without large pages and supersections */
	{ "arm-v7s-32", CFG(PTCORE_FMT_ARM_V7S, 0, 32, 32, 0, SZ_4K | SZ_64K | SZ_1M | SZ_16M) },
	{ "arm-v7s-32-ns-free-empty", CFG(PTCORE_FMT_ARM_V7S, 12, 32, 32,
					  PTCORE_FEAT_ARM_NS | PTCORE_FEAT_FREE_EMPTY_TABLES,
					  SZ_4K | SZ_64K | SZ_1M | SZ_16M) },
	{ "arm-v7s-30-small", CFG(PTCORE_FMT_ARM_V7S, 0, 30, 31, 0, SZ_4K | SZ_1M) },
	/* RISC-V Svnapot: 64K leaves of 16 entries, when asked for */
	{ "riscv-sv48-47-napot", CFG(PTCORE_FMT_RISCV64, 12, 47, 48, 0,
				     SZ_4K | SZ_64K | SZ_2M | SZ_1G) },
	{ "riscv-sv39-38-napot-dirty", CFG(PTCORE_FMT_RISCV64, 0, 38, 56,
					   PTCORE_FEAT_DIRTY_TRACKING, SZ_4K | SZ_64K | SZ_2M) },
};
const size_t fx_nr_configs = TC_ARRAY_SIZE(fx_configs);

/* The oracle learns @count leaves (out of memory ends the test program). */
void fx_record(struct fx *f, uint64_t iova, uint64_t pa, uint64_t pgsize, uint64_t count,
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
	u64map_del(&f->parked_top, pa);
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

/* Span of a table from its seen fx_record. */
void fx_seen_span(const struct fx *f, uint64_t rec, uint64_t *va, uint64_t *last)
{
	unsigned int level = rec & 7;
	unsigned int lg2;

	*va = rec & ~7ULL;
	if (level == f->m.w.start_level)
		lg2 = (f->m.w.arm || f->m.w.riscv || f->m.w.x86 || f->m.w.v7s) ? f->m.w.ias :
		      f->m.w.ttbr_shift;
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
			fx_seen_span(f, rec, &va, &last);
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

/* A table block of @have bytes for what the walker reads as @bytes: the same, but v7s's 1K in 4K. */
static bool fx_table_size_ok(const struct fx *f, uint64_t have, uint64_t bytes)
{
	return have == bytes || (f->m.w.v7s && bytes == 1024 && have == 4096);
}

static bool fx_table_ok(void *ctx, uint64_t pa, size_t bytes)
{
	struct fx *f = ctx;
	uint64_t have;

	return u64map_get(&f->live, pa, &have) && fx_table_size_ok(f, have, bytes);
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
	u64map_init(&f->parked_top);
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
	u64map_free(&f->parked_top);
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
	uint64_t have, want = hw_walk_expected_table_at(&f->m.w, pa, level);

	if (!u64map_get(&f->live, pa, &have))
		TC_FAIL("linked table %#" PRIx64 " (level %u, IOVA %#" PRIx64 ") is not live",
			pa, level, span_va);
	else if (!fx_table_size_ok(f, have, bytes))
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
	/* what the walker decodes, not only the bits: write, and read where it can be off
	 * (ARM stage 1, ARM v7s and x86-64 leaves always read) */
	if (leaf->write != !!(l->prot & PTCORE_PROT_WRITE) ||
	    (f->m.w.format != PTCORE_FMT_ARM64_LPAE_S1 && f->m.w.format != PTCORE_FMT_RISCV64 &&
	     f->m.w.format != PTCORE_FMT_X86_64 && f->m.w.format != PTCORE_FMT_ARM_V7S &&
	     leaf->read != !!(l->prot & PTCORE_PROT_READ))) {	/* these always readable */
		TC_FAIL("leaf %#" PRIx64 " prot %#x: the walker reads %s%s", va, l->prot,
			leaf->read ? "r" : "-", leaf->write ? "w" : "-");
		c->bad++;
	}
	want = hw_walk_expected_leaf(&f->m.w, l->prot, pa, leaf->level,
				     leaf->run_size > leaf->size);
	/* AMD v1: written clean, the IOMMU sets HD; a sized page's entries hold its base */
	if (f->m.w.amdv1) {
		want = hw_walk_amdv1_leaf(&f->m.w, l->prot, pa, leaf->run_size);
		if ((leaf->pte & ~(1ULL << 6)) != want) {
			TC_FAIL("leaf %#" PRIx64 " prot %#x: entry %#" PRIx64 ", want %#" PRIx64,
				va, l->prot, leaf->pte, want);
			c->bad++;
		}
		return 0;
	}
	/* ptcore writes writable leaves dirty; clean ones only differ in the dirty state */
	if (hw_walk_written_pte(&f->m.w, leaf) != want) {
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

void fx_probe(struct fx *f, uint64_t iova)
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

/*
 * A map that replaced a table unlinked it with every table below it, and
 * ptcore parks that subtree as one unit: it waits for an unmap of the whole
 * span of its top. Record each table's top among the tables this map
 * unlinked (linked at the last check, not now).
 */
static void fx_find_parked_tops(struct fx *f, const struct u64map *linked_now)
{
	uint64_t pa, rec, top_pa, top_rec, va, last, tva, tlast;
	size_t it = 0, it2;

	while (u64map_next(&f->seen, &it, &pa, &rec)) {
		uint64_t best = rec, best_size;

		if (u64map_get(linked_now, pa, NULL) || !u64map_get(&f->live, pa, NULL))
			continue;
		fx_seen_span(f, rec, &va, &last);
		best_size = last - va;
		it2 = 0;
		while (u64map_next(&f->seen, &it2, &top_pa, &top_rec)) {
			if (u64map_get(linked_now, top_pa, NULL) ||
			    !u64map_get(&f->live, top_pa, NULL))
				continue;
			fx_seen_span(f, top_rec, &tva, &tlast);
			if (tva <= va && tlast >= last && tlast - tva > best_size) {
				best = top_rec;
				best_size = tlast - tva;
			}
		}
		u64map_put(&f->parked_top, pa, best);
	}
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
			fx_seen_span(f, rec, &va, &last);
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
	if (f->cur_op == OP_MAP)
		fx_find_parked_tops(f, &c.seen2);
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

		fx_probe(f, l->iova);
		fx_probe(f, l->iova + l->size - 1);
		fx_probe(f, l->iova + l->size);
	}
	fx_probe(f, tc_rand(&f->rng) & ((1ULL << f->m.w.ias) - 1) & ~7ULL);
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

void fx_touch_after(struct fx *f, uint64_t iova, uint64_t len)
{
	if (f->opt.iotlb)
		fx_touch(f, iova, len, f->opt.touches ? f->opt.touches : 4);
}
