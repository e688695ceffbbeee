// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fault injection: for every scenario on every configuration, run it once
 * to count its table allocations (N), then N more times, failing the 1st,
 * 2nd, ... Nth allocation in turn (ops wrapping the built-in allocator).
 *
 * The fixture checks, at the call that meets the failure: -ENOMEM, and
 * *mapped exactly the bytes whose leaves precede the table that could not
 * be allocated (predicted from the tables present before the call); then
 * the tables against the oracle and the walk model. The scenario retries
 * the rest of the failed map, which must succeed (the table is still
 * usable), goes on, and destroys the table: nothing may leak.
 *
 * Usage: fault_test [--quick] [-v]
 */
#include "fixture.h"

static bool quick;
static unsigned long points, scenario_runs, enomem_maps, enomem_creates;

#define RW	(PTCORE_PROT_READ | PTCORE_PROT_WRITE)

/* Map, and after -ENOMEM map the rest again (must then succeed). */
static void fmap(struct fx *f, uint64_t iova, uint64_t pa, uint64_t size, uint64_t count,
		 uint32_t prot)
{
	uint64_t mapped = 0;
	int ret = fx_map(f, iova, pa, size, count, prot, &mapped);

	if (ret == -ENOMEM) {
		enomem_maps++;
		TC_CHECK(mapped % size == 0, "-ENOMEM with a partial leaf mapped");
		ret = fx_map(f, iova + mapped, pa + mapped, size, count - mapped / size, prot,
			     &mapped);
		TC_CHECK(ret == 0, "map retried after -ENOMEM: %d", ret);
	} else {
		TC_CHECK(ret == 0, "map(%#" PRIx64 ", size %#" PRIx64 " x %" PRIu64 ") = %d", iova,
			 size, count, ret);
	}
}

static uint64_t span_of(const struct fx *f)
{
	return 1ULL << (f->m.w.pg_shift + f->m.w.bpl);
}

/* Pages across a table boundary, far regions (new tables at every level), every size. */
static void scen_spread(struct fx *f)
{
	uint64_t g = 1ULL << f->m.w.pg_shift, span = span_of(f), top = 1ULL << f->m.w.ias, bm, s, un;
	unsigned int i = 0;

	fmap(f, span - 8 * g, 0, g, 16, RW);
	fmap(f, top / 3 & ~(span - 1), span, g, 3, PTCORE_PROT_READ);
	fmap(f, (top / 3 * 2) & ~(span - 1), 2 * span, g, 1, PTCORE_PROT_WRITE);
	fmap(f, top - 2 * span, 4 * span, g, 2, RW | PTCORE_PROT_CACHE);
	for (bm = f->m.w.hi.pgsize_bitmap; bm; bm &= bm - 1, i++) {
		s = bm & -bm;
		if ((uint64_t)(i + 4) * 2 * (s > span ? s : span) + s > top / 3)
			continue;
		fmap(f, (uint64_t)(i + 4) * 2 * (s > span ? s : span), 0, s, 1,
		     PTCORE_PROT_READ | PTCORE_PROT_NOEXEC);
	}
	fx_unmap(f, span - 8 * g, 16 * g, &un);
	fx_sync(f);
	fmap(f, span - 4 * g, 0, g, 8, RW);
	fx_sync(f);
}

/* Empty a table, map a larger leaf over it (no allocation), then pages elsewhere. */
static void scen_replace(struct fx *f)
{
	uint64_t g = 1ULL << f->m.w.pg_shift, span = span_of(f), un;
	unsigned int i;

	fmap(f, 3 * span, 0, g, 4, RW);
	for (i = 0; i < 4; i++)
		fx_unmap(f, 3 * span + i * g, g, &un);
	fx_sync(f);
	if (f->m.w.hi.pgsize_bitmap & span)
		fmap(f, 3 * span, span, span, 1, RW);
	fmap(f, 5 * span + g, 0, g, 2, RW);
	fx_unmap(f, 5 * span + g, 2 * g, &un);
	fx_sync(f);
	fmap(f, 5 * span, 0, g, 3, RW);
	fx_sync(f);
}

/* One large map of many pages over several leaf tables. */
static void scen_bulk(struct fx *f)
{
	uint64_t g = 1ULL << f->m.w.pg_shift, span = span_of(f), n = 3 * (span / g) + 5, un;

	if (n > 3000)
		n = 3000;
	fmap(f, 7 * span - 2 * g, 0, g, n, RW);
	fx_unmap(f, 7 * span - 2 * g, n * g, &un);
	fx_sync(f);
	fmap(f, 7 * span, 0, g, 2, RW);
	fx_sync(f);
}

static void scen_create(struct fx *f)
{
	(void)f;
}

struct scenario {
	const char *name;
	void (*run)(struct fx *f);
};

static const struct scenario scenarios[] = {
	{ "create", scen_create },
	{ "spread", scen_spread },
	{ "replace", scen_replace },
	{ "bulk", scen_bulk },
};

/* One run; returns the table allocations it made (0 when create failed). */
static uint64_t run_once(const struct fx_config *c, const struct scenario *s, uint64_t fail_at,
			 uint64_t *fails)
{
	struct fx_opts opt = { .fail_alloc = fail_at, .seed = fail_at };
	uint64_t allocs;
	struct fx f;
	int ret;

	scenario_runs++;
	ret = fx_create(&f, &c->cfg, &opt);
	if (ret) {
		TC_CHECK(ret == -ENOMEM && fail_at, "create %s: %d", c->name, ret);
		enomem_creates++;
		*fails = 1;
		return fail_at;
	}
	s->run(&f);
	allocs = f.allocs;
	*fails = f.fails;
	fx_destroy(&f);
	return allocs;
}

int main(int argc, char **argv)
{
	char name[160];
	size_t ci, si;
	int k;

	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--quick"))
			quick = true;
		else if (!strcmp(argv[k], "-v"))
			tc_verbose = 1;
	}
	for (ci = 0; ci < fx_nr_configs; ci++) {
		const struct fx_config *c = &fx_configs[ci];

		if (quick && ci % 6)
			continue;
		for (si = 0; si < TC_ARRAY_SIZE(scenarios); si++) {
			const struct scenario *s = &scenarios[si];
			uint64_t n, j, fails;

			tc_case_begin();
			n = run_once(c, s, 0, &fails);
			TC_CHECK(fails == 0, "dry run failed an allocation");
			snprintf(name, sizeof(name), "%s %s: dry run, %" PRIu64 " allocations",
				 c->name, s->name, n);
			tc_case_end(name);
			for (j = 1; j <= n; j++) {
				tc_case_begin();
				run_once(c, s, j, &fails);
				TC_CHECK(fails == 1, "allocation %" PRIu64 " of %" PRIu64
					 " failed %" PRIu64 " times", j, n, fails);
				points++;
				snprintf(name, sizeof(name), "%s %s: allocation %" PRIu64 "/%" PRIu64
					 " fails", c->name, s->name, j, n);
				tc_case_end(name);
			}
		}
	}
	printf("fault injection: %lu failure points in %lu scenario runs (%zu scenarios x %s "
	       "configurations): %lu maps and %lu creates met -ENOMEM\n", points, scenario_runs,
	       TC_ARRAY_SIZE(scenarios), quick ? "some" : "all", enomem_maps, enomem_creates);
	TC_CHECK(enomem_maps + enomem_creates == points, "only %lu of %lu failure points reached "
		 "a caller as -ENOMEM", enomem_maps + enomem_creates, points);
	return tc_summary();
}
