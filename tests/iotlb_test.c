// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * IOTLB-model suite. A model IOTLB (tests/lib/iotlb.c) caches leaf
 * translations (as granule-sized pieces) and table-walk entries per level,
 * is filled by simulated device accesses after every call, and is
 * invalidated only through the driver's iotlb_flush. After every sync no
 * cached entry may reference freed table memory or a translation the
 * oracle says is gone; no table may be freed while cached.
 *
 * Positive cases: every configuration, directed scenarios (partial unmap
 * of blocks and contiguous runs, full tables, replaced empty tables, more
 * freed tables on one gather than the old batch held) and seeded random
 * sequences: no violation.
 * Negative cases: deliberately broken flush callbacks must be caught:
 *   - a flush that clips the gather to the range the caller asked to unmap
 *     (Linux CVE-2026-31735: the rest of a large leaf stays in the TLB);
 *   - a flush that ignores PTCORE_GATHER_TABLES (walk caches keep freed tables);
 *   - no flush at all;
 *   - dirty tracking: a clean whose gather is never synced (the TLB keeps
 *     dirty entries over clean ones and later writes go unrecorded).
 *
 * Usage: iotlb_test [--quick] [-v]
 */
#include "fixture.h"

static bool quick;

static uint64_t span_of(const struct fx *f)
{
	/* What one leaf table maps. */
	return 1ULL << (f->m.w.pg_shift + f->m.w.bpl);
}

/* Sizes the table accepts, ascending. */
static unsigned int sizes_of(const struct fx *f, uint64_t *out)
{
	uint64_t bm = f->m.w.hi.pgsize_bitmap;
	unsigned int n = 0;

	for (; bm; bm &= bm - 1)
		out[n++] = bm & -bm;
	return n;
}

static void touch_range(struct fx *f, uint64_t iova, uint64_t len, unsigned int n)
{
	uint64_t pa, i;

	for (i = 0; i < n; i++)
		iotlb_access(&f->tlb, iova + (len / n) * i, &pa);
	iotlb_access(&f->tlb, iova + len - 1, &pa);
}

static void expect_clean(struct fx *f, const char *what)
{
	TC_CHECK(!f->tlb.violations, "%s: IOTLB model reports %lu violations, first: %s", what,
		 f->tlb.violations, f->tlb.first_violation);
}

/* ---- positive: directed scenario on every configuration ---- */

static void directed(void *arg)
{
	const struct fx_config *c = arg;
	struct fx_opts opt = { .iotlb = true, .touches = 6, .seed = 1 };
	uint64_t sz[16], span, base, mapped, unmapped;
	unsigned int n, i;
	struct fx f;

	if (fx_create(&f, &c->cfg, &opt))
		return;
	n = sizes_of(&f, sz);
	span = span_of(&f);

	/* Every size, then the first granule of each unmapped: whole leaves go. */
	for (i = 0; i < n; i++) {
		base = (uint64_t)(i + 1) * (sz[i] > span ? sz[i] : span) * 2;
		if (base + 2 * sz[i] > (1ULL << f.m.w.ias))
			continue;
		fx_map(&f, base, base / 2, sz[i], 2, PTCORE_PROT_READ | PTCORE_PROT_WRITE, &mapped);
		touch_range(&f, base, 2 * sz[i], 16);
		fx_unmap(&f, base, 1ULL << f.m.w.pg_shift, &unmapped);
		TC_CHECK(unmapped == sz[i], "%s: partial unmap of a %#" PRIx64 " leaf removed %#"
			 PRIx64, c->name, sz[i], unmapped);
		touch_range(&f, base, 2 * sz[i], 16);
		fx_sync(&f);
		fx_unmap(&f, base + sz[i], sz[i], &unmapped);
		fx_sync(&f);
	}

	/* A full leaf table removed by one unmap, a partly covered one kept. */
	base = 64 * span;
	fx_map(&f, base, 0, 1ULL << f.m.w.pg_shift, span >> f.m.w.pg_shift, PTCORE_PROT_READ, &mapped);
	fx_map(&f, base + span, span, 1ULL << f.m.w.pg_shift, 8, PTCORE_PROT_WRITE, &mapped);
	touch_range(&f, base, 2 * span, 64);
	fx_unmap(&f, base, span + (4ULL << f.m.w.pg_shift), &unmapped);
	TC_CHECK(f.gather.flags & PTCORE_GATHER_TABLES, "%s: full table removed without TABLES",
		 c->name);
	touch_range(&f, base, 2 * span, 64);
	fx_sync(&f);

	/* Empty a table page by page, then map a larger leaf over it (replace). */
	if (n > 1 && sz[1] == span) {
		base = 96 * span;
		fx_map(&f, base, 0, 1ULL << f.m.w.pg_shift, 4, PTCORE_PROT_READ, &mapped);
		for (i = 0; i < 4; i++)
			fx_unmap(&f, base + ((uint64_t)i << f.m.w.pg_shift), 1ULL << f.m.w.pg_shift, &unmapped);
		fx_sync(&f);
		touch_range(&f, base, span, 8);
		fx_map(&f, base, span * 3, span, 1, PTCORE_PROT_READ, &mapped);
		touch_range(&f, base, span, 8);
		fx_sync(&f);
	}

	/* Many freed subtrees on one gather: one flush at the sync, none before. */
	if (!quick && (128 + 70) * span <= (1ULL << f.m.w.ias) && span <= (4ULL << 20)) {
		base = 128 * span;
		for (i = 0; i < 70; i++)
			fx_map(&f, base + i * span, 0, 1ULL << f.m.w.pg_shift, span >> f.m.w.pg_shift, PTCORE_PROT_READ,
			       &mapped);
		touch_range(&f, base, 70 * span, 256);
		fx_unmap(&f, base, 70 * span, &unmapped);
		TC_CHECK(unmapped == 70 * span, "%s: unmapped %#" PRIx64, c->name, unmapped);
		touch_range(&f, base, 70 * span, 256);
		fx_sync(&f);
	}
	expect_clean(&f, c->name);
	fx_destroy(&f);
}

/* ---- positive: seeded random sequences ---- */

struct rnd_arg {
	const struct fx_config *c;
	uint64_t seed;
};

static void random_seq(void *arg)
{
	const struct rnd_arg *a = arg;
	struct fx_opts opt = { .iotlb = true, .touches = 4, .seed = a->seed };
	uint64_t sz[16], rng = a->seed, span, window, mapped, unmapped;
	unsigned int n, i, steps = quick ? 60 : 300;
	struct fx f;

	if (fx_create(&f, &a->c->cfg, &opt))
		return;
	n = sizes_of(&f, sz);
	span = span_of(&f);
	window = 16 * (span > sz[n - 1] ? span : sz[n - 1]);
	if (window > (1ULL << f.m.w.ias))
		window = 1ULL << f.m.w.ias;
	for (i = 0; i < steps; i++) {
		uint64_t s = sz[tc_rand(&rng) % n];
		uint64_t iova = (tc_rand(&rng) % window) & ~(s - 1);
		uint64_t cnt = 1 + tc_rand(&rng) % (s == sz[0] ? 24 : 2);
		unsigned int op = (unsigned int)(tc_rand(&rng) % 10);

		if (iova + cnt * s > window)
			cnt = 1;
		if (iova + cnt * s > window)
			continue;
		if (op < 5) {
			fx_map(&f, iova, (tc_rand(&rng) % window) & ~(s - 1), s, cnt,
			       PTCORE_PROT_READ | (uint32_t)(tc_rand(&rng) & 0x3e), &mapped);
		} else if (op < 8) {
			uint64_t len = (op == 7 ? 1 + tc_rand(&rng) % (2 * s) : cnt * s);
			uint64_t g = (1ULL << f.m.w.pg_shift) - 1;

			fx_unmap(&f, iova, (len + g) & ~g, &unmapped);
		} else {
			fx_sync(&f);
		}
		if (tc_case_failures)
			break;
	}
	fx_sync(&f);
	expect_clean(&f, a->c->name);
	fx_destroy(&f);
}

/* ---- negative: broken flush callbacks must be detected ---- */

static const struct fx_config *find_config(const char *name)
{
	size_t i;

	for (i = 0; i < fx_nr_configs; i++)
		if (!strcmp(fx_configs[i].name, name))
			return &fx_configs[i];
	return NULL;
}

/*
 * Map a leaf of @size at @iova, let the device use all of it, unmap only
 * its first granule (ptcore removes it whole), sync with @mode.
 * Returns the IOTLB model's violations; *fixture_failures: the fixture's own.
 */
static unsigned long partial_unmap_run(const struct fx_config *c, uint64_t size,
				       enum fx_flush_mode mode, unsigned long *fixture_failures,
				       char *msg, size_t msglen)
{
	struct fx_opts opt = { .iotlb = true, .touches = 1, .flush_mode = mode, .seed = 3 };
	unsigned long before = tc_case_failures, v;
	uint64_t mapped, unmapped, iova;
	struct fx f;

	tc_quiet = mode != FX_FLUSH_OK;
	if (fx_create(&f, &c->cfg, &opt)) {
		tc_quiet = 0;
		return 0;
	}
	iova = 4 * size;
	fx_map(&f, iova, 2 * size, size, 1, PTCORE_PROT_READ | PTCORE_PROT_WRITE, &mapped);
	touch_range(&f, iova, size, 32);
	fx_unmap(&f, iova, 1ULL << f.m.w.pg_shift, &unmapped);
	fx_sync(&f);
	v = f.tlb.violations;
	snprintf(msg, msglen, "%s", f.tlb.first_violation);
	fx_destroy(&f);
	tc_quiet = 0;
	*fixture_failures = tc_case_failures - before;
	tc_case_failures = before;	/* expected in a negative run */
	return v;
}

struct cve_arg {
	const char *config;
	uint64_t size;
};

static void cve_shrunk_gather(void *arg)
{
	const struct cve_arg *a = arg;
	const struct fx_config *c = find_config(a->config);
	unsigned long ff, good, bad;
	char msg[256];

	if (!c) {
		TC_FAIL("no configuration %s", a->config);
		return;
	}
	good = partial_unmap_run(c, a->size, FX_FLUSH_OK, &ff, msg, sizeof(msg));
	TC_CHECK(good == 0 && ff == 0, "%s: correct flush: %lu violations (%s)", a->config, good,
		 msg);
	bad = partial_unmap_run(c, a->size, FX_FLUSH_SHRINK, &ff, msg, sizeof(msg));
	TC_CHECK(bad > 0, "%s: a flush clipped to the requested range was NOT detected "
		 "(leaf %#" PRIx64 ")", a->config, a->size);
	TC_CHECK(strstr(msg, "unmapped") != NULL, "%s: unexpected first violation: %s", a->config,
		 msg);
	if (tc_verbose)
		printf("  %s, %#" PRIx64 " leaf, clipped flush: %lu stale entries, first: %s\n",
		       a->config, a->size, bad, msg);
}

/*
 * cut: a cached large leaf, cut one page in and that page unmapped; after the
 * sync no IOTLB entry still holds the old leaf's PTE, the other pages
 * translate as before, and the cut page faults. With and without BBML2.
 */
static void cut_run(const struct cve_arg *a, bool bbml2)
{
	const struct fx_config *c = find_config(a->config);
	struct fx_opts opt = { .iotlb = true, .touches = 1, .seed = 9 };
	uint64_t base, min, mapped, unmapped, pa;
	struct ptcore_cfg cfg;
	struct hw_leaf w;
	size_t i;
	struct fx f;

	if (!c) {
		TC_FAIL("no configuration %s", a->config);
		return;
	}
	cfg = c->cfg;
	if (bbml2)
		cfg.features |= PTCORE_FEAT_ARM_BBML2;
	if (fx_create(&f, &cfg, &opt)) {
		TC_FAIL("%s: create failed", a->config);
		return;
	}
	min = fx_min_pgsize(&f);
	base = 4 * a->size;
	fx_map_range(&f, base, 2 * a->size, a->size, PTCORE_PROT_READ | PTCORE_PROT_WRITE, &mapped);
	TC_CHECK(mapped == a->size, "%s: map_range mapped %#" PRIx64, a->config, mapped);
	TC_CHECK(!hw_walk_iova(&f.m.w, base + min, &w), "%s: not mapped", a->config);
	touch_range(&f, base, a->size, 16);
	TC_CHECK(!iotlb_access(&f.tlb, base + min, &pa) && pa == 2 * a->size + min,
		 "%s: the device reads through the old leaf", a->config);
	TC_CHECK(fx_cut(&f, base + min) == 0, "%s: cut at +%#" PRIx64, a->config, min);
	TC_CHECK(fx_unmap(&f, base + min, min, &unmapped) == 0 && unmapped == min,
		 "%s: the page after the cut unmaps alone", a->config);
	fx_sync(&f);
	for (i = 0; i < f.tlb.nleaf; i++)
		TC_CHECK(f.tlb.leaf[i].pte != w.pte || f.tlb.leaf[i].va < base ||
			 f.tlb.leaf[i].va >= base + a->size,
			 "%s: the old leaf's IOTLB entry at %#" PRIx64 " survived the sync", a->config,
			 f.tlb.leaf[i].va);
	TC_CHECK(iotlb_access(&f.tlb, base + min, &pa) != 0, "%s: the cut page still translates",
		 a->config);
	TC_CHECK(!iotlb_access(&f.tlb, base, &pa) && pa == 2 * a->size, "%s: first page",
		 a->config);
	TC_CHECK(!iotlb_access(&f.tlb, base + a->size - min, &pa) &&
		 pa == 2 * a->size + a->size - min, "%s: last page", a->config);
	TC_CHECK(f.tlb.violations == 0, "%s: IOTLB model: %lu violations, first: %s", a->config,
		 f.tlb.violations, f.tlb.first_violation);
	fx_destroy(&f);
}

static void cut_stale_block(void *arg)
{
	cut_run(arg, false);
	cut_run(arg, true);
}

/* Free a whole leaf table through the gather, with a broken flush. */
static void table_free_run(const struct fx_config *c, enum fx_flush_mode mode,
			   unsigned long *violations, unsigned long *fixture_failures, char *msg,
			   size_t msglen)
{
	struct fx_opts opt = { .iotlb = true, .touches = 1, .flush_mode = mode, .seed = 5 };
	unsigned long before = tc_case_failures;
	uint64_t mapped, unmapped, span;
	struct fx f;

	tc_quiet = mode != FX_FLUSH_OK;
	if (fx_create(&f, &c->cfg, &opt)) {
		tc_quiet = 0;
		return;
	}
	span = span_of(&f);
	fx_map(&f, 2 * span, 0, 1ULL << f.m.w.pg_shift, span >> f.m.w.pg_shift, PTCORE_PROT_READ, &mapped);
	touch_range(&f, 2 * span, span, 8);
	fx_unmap(&f, 2 * span, span, &unmapped);
	fx_sync(&f);
	*violations = f.tlb.violations;
	snprintf(msg, msglen, "%s", f.tlb.first_violation);
	fx_destroy(&f);
	tc_quiet = 0;
	*fixture_failures = tc_case_failures - before;
	tc_case_failures = before;
}

static void broken_flush_tables(void *arg)
{
	const struct fx_config *c = arg;
	unsigned long v, ff;
	char msg[256];

	table_free_run(c, FX_FLUSH_OK, &v, &ff, msg, sizeof(msg));
	TC_CHECK(v == 0 && ff == 0, "%s: correct flush: %lu violations, %lu failures (%s)",
		 c->name, v, ff, msg);
	table_free_run(c, FX_FLUSH_NO_TABLES, &v, &ff, msg, sizeof(msg));
	TC_CHECK(v > 0, "%s: a flush ignoring PTCORE_GATHER_TABLES was NOT detected by the model",
		 c->name);
	TC_CHECK(ff > 0, "%s: a flush ignoring PTCORE_GATHER_TABLES was NOT detected by the "
		 "fixture's free check", c->name);
	if (tc_verbose)
		printf("  %s, flush without TABLES: %lu violations, first: %s\n", c->name, v, msg);
	table_free_run(c, FX_FLUSH_NONE, &v, &ff, msg, sizeof(msg));
	TC_CHECK(v > 0 && ff > 0, "%s: a missing flush was NOT detected", c->name);
}

/* ---- dirty tracking: a clean made without its sync loses writes ---- */

static void dirty_count(void *arg, const struct ptcore_range *runs, uint32_t n)
{
	uint64_t *bytes = arg;
	uint32_t i;

	for (i = 0; i < n; i++)
		*bytes += runs[i].size;
}

/*
 * Map, let the device write everything (the TLB holds the entries dirty),
 * clean with read_and_clear_dirty into the fixture's gather and sync it,
 * write again: every leaf written must read dirty, and no cached entry may
 * disagree with memory. Then the negative control: the same clean into a
 * gather nobody syncs leaves the TLB dirty over clean entries, the writes
 * are not recorded, and the model must say so.
 */
static void dirty_clean_needs_its_sync(void *arg)
{
	const struct fx_config *c = arg;
	struct fx_opts opt = { .iotlb = true, .seed = 7 };
	struct ptcore_cfg cfg = c->cfg;
	uint64_t g, len, mapped, pa, bytes, i;
	struct ptcore_gather lost;
	struct fx f;

	cfg.features |= PTCORE_FEAT_DIRTY_TRACKING;
	if (fx_create(&f, &cfg, &opt)) {
		TC_FAIL("%s: no table with dirty tracking", c->name);
		return;
	}
	g = 1ULL << f.m.w.pg_shift;
	len = 64 * g;
	TC_CHECK(fx_map_range(&f, 0, 1ULL << 30, len, PTCORE_PROT_READ | PTCORE_PROT_WRITE,
			      &mapped) == 0, "%s: map_range failed", c->name);
	for (i = 0; i < len; i += g)
		iotlb_write(&f.tlb, i, &pa);
	TC_CHECK(ptcore_read_and_clear_dirty(f.t, 0, len, 0, &f.gather, NULL, NULL) == 0,
		 "%s: read_and_clear_dirty failed", c->name);
	fx_sync(&f);
	expect_clean(&f, c->name);
	for (i = 0; i < len; i += 2 * g)
		iotlb_write(&f.tlb, i, &pa);
	bytes = 0;
	TC_CHECK(ptcore_read_and_clear_dirty(f.t, 0, len, PTCORE_DIRTY_NO_CLEAR, NULL, dirty_count,
					     &bytes) == 0, "%s: read failed", c->name);
	/* each write dirtied its leaf; a leaf larger than 2 granules holds several writes */
	TC_CHECK(bytes > 0 && bytes <= len, "%s: %#" PRIx64 " bytes dirty", c->name, bytes);
	fx_check(&f);
	expect_clean(&f, c->name);

	/* The same granules again, each still cached dirty: none of these writes is recorded. */
	ptcore_gather_init(&lost);
	TC_CHECK(ptcore_read_and_clear_dirty(f.t, 0, len, 0, &lost, NULL, NULL) == 0,
		 "%s: read_and_clear_dirty failed", c->name);
	for (i = 0; i < len; i += 2 * g)
		iotlb_write(&f.tlb, i, &pa);
	bytes = 0;
	ptcore_read_and_clear_dirty(f.t, 0, len, PTCORE_DIRTY_NO_CLEAR, NULL, dirty_count, &bytes);
	TC_CHECK(bytes == 0, "%s: writes through stale dirty TLB entries were recorded (%#"
		 PRIx64 ")", c->name, bytes);
	fx_sync(&f);
	TC_CHECK(f.tlb.violations > 0, "%s: a clean whose gather nobody synced was NOT detected",
		 c->name);
	f.tlb.violations = 0;
	ptcore_iotlb_sync(f.t, &lost);
	fx_destroy(&f);
}

int main(int argc, char **argv)
{
	static const struct cve_arg cve[] = {
		{ "s1-4k-48", 0x200000 },		/* 2M block */
		{ "s1-4k-48", 0x40000000 },		/* 1G block */
		{ "s1-4k-39-cont", 0x10000 },		/* 64K contiguous run */
		{ "s1-4k-39-cont", 0x2000000 },		/* 32M contiguous run of blocks */
		{ "s1-16k-36-cont", 0x200000 },		/* 2M contiguous run of 16K pages */
		{ "s1-64k-48", 0x20000000 },		/* 512M block */
		{ "s2-4k-40-concat", 0x200000 },
		{ "s2-16k-42", 0x2000000 },		/* 32M block */
	};
	struct rnd_arg ra;
	char name[128];
	size_t i;
	int k;

	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--quick"))
			quick = true;
		else if (!strcmp(argv[k], "-v"))
			tc_verbose = 1;
	}
	for (i = 0; i < fx_nr_configs; i++) {
		snprintf(name, sizeof(name), "directed %s", fx_configs[i].name);
		tc_run(name, directed, (void *)&fx_configs[i]);
	}
	for (i = 0; i < fx_nr_configs; i++) {
		for (k = 0; k < (quick ? 1 : 3); k++) {
			ra.c = &fx_configs[i];
			ra.seed = 1000 + 7 * i + (uint64_t)k;
			snprintf(name, sizeof(name), "random %s seed %" PRIu64, fx_configs[i].name,
				 ra.seed);
			tc_run(name, random_seq, &ra);
		}
	}
	for (i = 0; i < TC_ARRAY_SIZE(cve); i++) {
		snprintf(name, sizeof(name), "negative: clipped gather (CVE-2026-31735) %s %#" PRIx64,
			 cve[i].config, cve[i].size);
		tc_run(name, cve_shrunk_gather, (void *)&cve[i]);
	}
	for (i = 0; i < TC_ARRAY_SIZE(cve); i++) {
		snprintf(name, sizeof(name), "cut: the stale large entry goes at the sync %s %#" PRIx64,
			 cve[i].config, cve[i].size);
		tc_run(name, cut_stale_block, (void *)&cve[i]);
	}
	for (i = 0; i < fx_nr_configs; i++) {
		if (quick && i % 4)
			continue;
		snprintf(name, sizeof(name), "negative: flush without TABLES %s", fx_configs[i].name);
		tc_run(name, broken_flush_tables, (void *)&fx_configs[i]);
	}
	for (i = 0; i < fx_nr_configs; i++) {
		const struct ptcore_cfg *cfg = &fx_configs[i].cfg;

		/* dirty state: ARM and RISC-V, with a coherent walker */
		if ((cfg->format != PTCORE_FMT_ARM64_LPAE_S1 &&
		     cfg->format != PTCORE_FMT_ARM64_LPAE_S2 && cfg->format != PTCORE_FMT_RISCV64) ||
		    (cfg->features & PTCORE_FEAT_DMA_INCOHERENT))
			continue;
		snprintf(name, sizeof(name), "dirty: a clean needs its sync %s", fx_configs[i].name);
		tc_run(name, dirty_clean_needs_its_sync, (void *)&fx_configs[i]);
	}
	return tc_summary();
}
