// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Callbacks that call back into ptcore (include/ptcore.h, struct
 * ptcore_ops: no callback runs with a ptcore lock held; a callback may call
 * ptcore for ranges of the same table that the interrupted call does not
 * hold, and ptcore_iova_to_phys()). This is what a driver does when its
 * free_table or iotlb_flush runs in an interrupt that lands in the middle
 * of its own ptcore call, and what the kernel's lockdep would flag if a
 * lock were held.
 *
 * From inside each callback in turn (alloc_table during a map, iotlb_flush
 * during a map that replaces a table and during a sync, free_table during
 * a sync, sync_table during a map and an unmap of a DMA-incoherent table),
 * the test maps pages, unmaps a whole leaf table and single pages and
 * syncs them, all in a range of its own, and translates addresses; then
 * checks every result, the outer call's result, the tables (hardware-walk
 * model), and that nothing leaks.
 *
 * A callback blocked on a lock its caller holds is a deadlock: every case
 * runs in a thread that the main thread waits for with a generous deadline
 * (a hang detector, 60 s; a passing case takes milliseconds), after which
 * the test reports the case as deadlocked and exits.
 *
 * Usage: reentry_test [-v]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include "model.h"

#define SZ_4K		0x1000ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL
#define RW		(PTCORE_PROT_READ | PTCORE_PROT_WRITE)
#define DEADLINE_S	60

enum hook { H_ALLOC, H_FLUSH_MAP, H_FLUSH_SYNC, H_FREE, H_SYNC_TABLE_MAP, H_SYNC_TABLE_UNMAP };

static const char *const hook_name[] = {
	[H_ALLOC] = "alloc_table during a map",
	[H_FLUSH_MAP] = "iotlb_flush during a map that replaces a table",
	[H_FLUSH_SYNC] = "iotlb_flush during a sync",
	[H_FREE] = "free_table during a sync",
	[H_SYNC_TABLE_MAP] = "sync_table during a map",
	[H_SYNC_TABLE_UNMAP] = "sync_table during an unmap",
};

enum { C_NONE, C_MAP, C_UNMAP, C_SYNC };

struct rt {
	struct ptcore_table *t;
	struct ptcore_cfg cfg;
	enum hook hook;
	int outer;			/* the outer call running */
	int armed;			/* re-enter once */
	int depth;			/* nested ptcore calls from a callback */
	uint64_t nested_base;		/* the callback's own range */
	unsigned long live, nested_runs;
	char err[256];
	unsigned long errors;
};

static void rt_err(struct rt *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rt_err(struct rt *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->errors++) {
		va_start(ap, fmt);
		vsnprintf(r->err, sizeof(r->err), fmt, ap);
		va_end(ap);
	}
}

/* From inside a callback: a whole round of calls on the callback's own range. */
static void nested(struct rt *r)
{
	uint64_t b = r->nested_base, mapped = 0, unmapped = 0, phys = 0;
	struct ptcore_gather g;
	int ret;

	r->depth++;
	/* A full leaf table, and pages in the next 2M. */
	ret = ptcore_map_pages(r->t, b, b, SZ_4K, 512, RW, 0, &mapped);
	if (ret || mapped != SZ_2M)
		rt_err(r, "nested map of a leaf table: %d", ret);
	ret = ptcore_map_pages(r->t, b + SZ_2M, b + SZ_2M, SZ_4K, 4, RW, 0, &mapped);
	if (ret)
		rt_err(r, "nested map of pages: %d", ret);
	ret = ptcore_iova_to_phys(r->t, b + 0x1234, &phys);
	if (ret || phys != b + 0x1234)
		rt_err(r, "nested lookup: %d %#" PRIx64, ret, phys);
	ptcore_gather_init(&g);
	ret = ptcore_unmap(r->t, b, SZ_2M, &g, &unmapped);
	if (ret || unmapped != SZ_2M)
		rt_err(r, "nested unmap of a leaf table: %d", ret);
	ret = ptcore_unmap(r->t, b + SZ_2M + SZ_4K, SZ_4K, &g, &unmapped);
	if (ret)
		rt_err(r, "nested unmap of a page: %d", ret);
	ptcore_iotlb_sync(r->t, &g);
	ret = ptcore_iova_to_phys(r->t, b + 0x1234, &phys);
	if (ret != -ENOENT)
		rt_err(r, "nested lookup after the unmap: %d", ret);
	/* Leave the rest mapped: the outer test unmaps it. */
	r->depth--;
	r->nested_runs++;
	r->nested_base += 4 * SZ_2M;
}

static bool fire(struct rt *r, enum hook h)
{
	if (r->depth || r->hook != h || !r->armed)
		return false;
	r->armed = 0;
	nested(r);
	return true;
}

static void *r_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	struct rt *r = cookie;
	void *va = ptcore_builtin_alloc_table(NULL, size, phys, gfp);

	if (va)
		r->live++;
	if (r->outer == C_MAP)
		fire(r, H_ALLOC);
	return va;
}

static void r_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	struct rt *r = cookie;

	ptcore_builtin_free_table(NULL, va, phys, size);
	r->live--;
	if (r->outer == C_SYNC)
		fire(r, H_FREE);
}

static void r_flush(void *cookie, const struct ptcore_gather *g)
{
	struct rt *r = cookie;

	(void)g;
	if (r->outer == C_MAP)
		fire(r, H_FLUSH_MAP);
	else if (r->outer == C_SYNC)
		fire(r, H_FLUSH_SYNC);
}

static void r_sync_table(void *cookie, void *va, size_t len)
{
	struct rt *r = cookie;

	(void)va;
	(void)len;
	if (r->outer == C_MAP)
		fire(r, H_SYNC_TABLE_MAP);
	else if (r->outer == C_UNMAP)
		fire(r, H_SYNC_TABLE_UNMAP);
}

static const struct ptcore_ops r_ops = {
	.alloc_table = r_alloc, .free_table = r_free, .sync_table = r_sync_table,
	.iotlb_flush = r_flush,
};

static void outer_map(struct rt *r, uint64_t iova, uint64_t size, uint64_t count)
{
	uint64_t mapped = 0;
	int ret;

	r->outer = C_MAP;
	ret = ptcore_map_pages(r->t, iova, iova, size, count, RW, 0, &mapped);
	r->outer = C_NONE;
	if (ret || mapped != size * count)
		rt_err(r, "outer map(%#" PRIx64 ", %#" PRIx64 " x %" PRIu64 "): %d", iova, size,
		       count, ret);
}

static void outer_unmap_sync(struct rt *r, uint64_t iova, uint64_t len)
{
	struct ptcore_gather g;
	uint64_t unmapped = 0;
	int ret;

	ptcore_gather_init(&g);
	r->outer = C_UNMAP;
	ret = ptcore_unmap(r->t, iova, len, &g, &unmapped);
	r->outer = C_SYNC;
	ptcore_iotlb_sync(r->t, &g);
	r->outer = C_NONE;
	if (ret || unmapped < len)
		rt_err(r, "outer unmap(%#" PRIx64 ", %#" PRIx64 "): %d, unmapped %#" PRIx64, iova,
		       len, ret, unmapped);
}

struct count {
	unsigned long leaves, bad;
};

static int c_leaf(void *ctx, const struct hw_leaf *leaf)
{
	struct count *c = ctx;
	uint64_t va = leaf->run_iova, pa = leaf->run_oa, pte = leaf->pte;
	unsigned int lg2 = (unsigned int)__builtin_ctzll(leaf->run_size), depth = leaf->level;

	if (leaf->iova != leaf->run_iova)
		return 0;	/* a contiguous run counts once */
	(void)lg2;
	(void)pte;
	(void)depth;
	if (va != pa)
		c->bad++;
	c->leaves++;
	return 0;
}

static int c_bad(void *ctx, u64 va, unsigned int depth, u64 pte, enum hw_fault f)
{
	const char *why = hw_fault_name(f);
	struct count *c = ctx;

	(void)va;
	(void)depth;
	(void)pte;
	(void)why;
	c->bad++;
	return 0;
}

/* The outer sequence: every callback kind gets its chance at the hook. */
static void *run_case(void *arg)
{
	struct rt *r = arg;
	const uint64_t a = 2 * SZ_1G;		/* the outer calls' range */
	struct tmodel m;
	struct count c = { 0 };
	struct hw_visitor v = { .leaf = c_leaf, .bad = c_bad, .ctx = &c };
	int ret;

	r->cfg.format = PTCORE_FMT_ARM64_LPAE_S1;
	r->cfg.granule_lg2 = 12;
	r->cfg.ias = 48;
	r->cfg.oas = 48;
	r->cfg.ops = &r_ops;
	r->cfg.cookie = r;
	if (r->hook == H_SYNC_TABLE_MAP || r->hook == H_SYNC_TABLE_UNMAP)
		r->cfg.features = PTCORE_FEAT_DMA_INCOHERENT;
	r->nested_base = 7 * SZ_1G;
	ret = ptcore_table_create(&r->cfg, &r->t);
	if (ret) {
		rt_err(r, "create: %d", ret);
		return NULL;
	}
	/* Outer maps that allocate tables, then an empty leaf table to replace. */
	r->armed = 1;
	outer_map(r, a, SZ_4K, 1);
	outer_unmap_sync(r, a, SZ_4K);
	r->armed = 1;
	outer_map(r, a, SZ_2M, 1);		/* replaces the empty table: flush */
	outer_map(r, a + SZ_2M, SZ_4K, 512);
	/* Unmaps and syncs that free tables. */
	r->armed = 1;
	outer_unmap_sync(r, a + SZ_2M, SZ_2M);
	r->armed = 1;
	outer_unmap_sync(r, a, SZ_2M);
	r->armed = 0;
	if (!r->nested_runs)
		rt_err(r, "the callback never ran");

	tm_init(&m, r->t, &r->cfg);
	hw_walk_visit(&m.w, &v);
	/* What the nested rounds left: 3 pages each. */
	if (c.bad || c.leaves != 3 * r->nested_runs)
		rt_err(r, "tables after the case: %lu leaves (want %lu), %lu bad", c.leaves,
		       3 * r->nested_runs, c.bad);
	ptcore_table_destroy(r->t);
	if (r->live)
		rt_err(r, "%lu tables leaked", r->live);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned int h;

	if (argc > 1 && !strcmp(argv[1], "-v"))
		tc_verbose = 1;
	for (h = 0; h < TC_ARRAY_SIZE(hook_name); h++) {
		struct rt *r = calloc(1, sizeof(*r));
		struct timespec deadline;
		char name[128];
		pthread_t th;

		if (!r)
			abort();
		r->hook = h;
		snprintf(name, sizeof(name), "ptcore called from %s", hook_name[h]);
		tc_case_begin();
		pthread_create(&th, NULL, run_case, r);
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += DEADLINE_S;
		if (pthread_timedjoin_np(th, NULL, &deadline)) {
			TC_FAIL("deadlock: a ptcore call from %s did not return within %d s (a "
				"callback run with a ptcore lock held?)", hook_name[h], DEADLINE_S);
			tc_case_end(name);
			tc_summary();
			fflush(NULL);
			_exit(1);
		}
		TC_CHECK(!r->errors, "%lu errors, the first: %s", r->errors, r->err);
		if (tc_verbose)
			printf("  %s: %lu nested rounds\n", hook_name[h], r->nested_runs);
		tc_case_end(name);
		free(r);
	}
	return tc_summary();
}
