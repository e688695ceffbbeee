// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ThreadSanitizer stress of what ABI.md's concurrency contract allows,
 * where the tables are fresh: every round creates a new table, so the
 * upper and leaf tables the threads share are installed during the round,
 * by whichever thread gets there first.
 *
 * neighbours: THREADS threads, each owning every THREADS-th page of four
 *   neighbouring leaf tables and one 2M slot next to the other threads'
 *   slots (all under one fresh level-2 table). Each thread, with no
 *   ordering against the others:
 *     - unmaps its first page before mapping anything (a hole: -EINVAL,
 *       nothing removed), descending through tables another thread may
 *       have published an instant before;
 *     - looks its pages up (-ENOENT), maps them one by one, looks them up
 *       (exact addresses);
 *     - in its 2M slot: maps a page, unmaps and syncs it (an empty leaf
 *       table stays), maps a 2M block over it (the map replaces the empty
 *       table), unmaps the block and syncs, while the others sync their
 *       own gathers;
 *     - unmaps its pages one by one, each with its own gather and sync;
 *       probes its first page again.
 *   After the round: no leaf is left (hardware-walk model), the tree is
 *   well formed, and nothing leaks after destroy.
 *
 * alloc: THREADS threads allocating and freeing blocks of every size of
 *   ptcore_builtin_alloc_table() concurrently (blocks large enough that the
 *   arena keeps growing while others free), each block filled with its
 *   owner's pattern and checked before it is freed (no block handed out
 *   twice), aligned to its size, with one va - phys for all; the
 *   allocator's counters back to the start.
 *
 * Any ThreadSanitizer report fails the run (TSAN_OPTIONS=halt_on_error=1
 * exitcode=66): today's core races in both (relaxed loads followed into
 * freshly published tables, the replaced-table list head, the arena's
 * bounds read outside its lock).
 *
 * Usage: disjoint_test [-v] [neighbours|alloc]...   (default: both)
 */
#include <pthread.h>
#include <stdarg.h>

#include "model.h"

#define SZ_4K		0x1000ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL
#define PA_OFF		0x100000000000ULL
#define THREADS		4
#define ROUNDS		100
#define LEAF_TABLES	4
#define RW		(PTCORE_PROT_READ | PTCORE_PROT_WRITE)

struct shared {
	struct ptcore_table *t;
	uint64_t base;			/* the pages' four leaf tables */
	uint64_t slots;			/* the threads' 2M slots */
	pthread_barrier_t start;
	unsigned long flushes;
	unsigned long errors;
	char first[256];
	pthread_mutex_t lock;		/* first[] only, taken on failure */
};

struct worker {
	struct shared *s;
	unsigned int id;
	uint64_t rng;
};

static void err(struct shared *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void err(struct shared *s, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&s->lock);
	if (!s->errors++) {
		va_start(ap, fmt);
		vsnprintf(s->first, sizeof(s->first), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&s->lock);
}

static void n_flush(void *cookie, const struct ptcore_gather *g)
{
	struct shared *s = cookie;

	(void)g;
	/* Relaxed: counting must not order the threads for TSan. */
	__atomic_fetch_add(&s->flushes, 1, __ATOMIC_RELAXED);
}

static const struct ptcore_ops n_ops = { .iotlb_flush = n_flush };

static uint64_t page_iova(const struct shared *s, unsigned int id, unsigned int k)
{
	return s->base + (uint64_t)(id + THREADS * k) * SZ_4K;
}

#define PAGES_PER_THREAD (LEAF_TABLES * 512 / THREADS)

static void lookup(struct shared *s, uint64_t iova, bool mapped, uint64_t pa)
{
	uint64_t phys = 0;
	int ret = ptcore_iova_to_phys(s->t, iova + 8, &phys);

	if (mapped ? ret || phys != pa + 8 : ret != -ENOENT)
		err(s, "lookup %#" PRIx64 ": %d %#" PRIx64 " (want %s %#" PRIx64 ")", iova, ret,
		    phys, mapped ? "mapped" : "-ENOENT", pa);
}

static void unmap_sync(struct shared *s, uint64_t iova, uint64_t len, int want)
{
	struct ptcore_gather g;
	uint64_t unmapped = 1;
	int ret;

	ptcore_gather_init(&g);
	ret = ptcore_unmap(s->t, iova, len, &g, &unmapped);
	if (ret != want || unmapped != (want ? 0 : len))
		err(s, "unmap(%#" PRIx64 ", %#" PRIx64 ") = %d, unmapped %#" PRIx64 ", want %d",
		    iova, len, ret, unmapped, want);
	ptcore_iotlb_sync(s->t, &g);
}

static void map_one(struct shared *s, uint64_t iova, uint64_t size)
{
	uint64_t mapped = 0;
	int ret = ptcore_map_pages(s->t, iova, iova + PA_OFF, size, 1, RW, 0, &mapped);

	if (ret || mapped != size)
		err(s, "map(%#" PRIx64 ", %#" PRIx64 ") = %d", iova, size, ret);
}

static void *neighbour(void *arg)
{
	struct worker *w = arg;
	struct shared *s = w->s;
	uint64_t slot = s->slots + w->id * SZ_2M;
	unsigned int k, first = (unsigned int)(tc_rand(&w->rng) % PAGES_PER_THREAD);

	pthread_barrier_wait(&s->start);
	/* A hole: descends through whatever the others just published. */
	unmap_sync(s, page_iova(s, w->id, first), SZ_4K, -EINVAL);
	unmap_sync(s, slot, SZ_2M, -EINVAL);
	for (k = 0; k < PAGES_PER_THREAD; k += 37)
		lookup(s, page_iova(s, w->id, k), false, 0);
	for (k = 0; k < PAGES_PER_THREAD; k++) {
		unsigned int p = (first + k) % PAGES_PER_THREAD;

		map_one(s, page_iova(s, w->id, p), SZ_4K);
		if (!(k % 16))
			lookup(s, page_iova(s, w->id, p), true, page_iova(s, w->id, p) + PA_OFF);
	}
	/* The 2M slot: an empty leaf table, replaced by a block, unmapped. */
	map_one(s, slot + SZ_4K * w->id, SZ_4K);
	unmap_sync(s, slot + SZ_4K * w->id, SZ_4K, 0);
	map_one(s, slot, SZ_2M);
	lookup(s, slot + 0x1234, true, slot + PA_OFF + 0x1234);
	for (k = 0; k < PAGES_PER_THREAD; k += 29)
		lookup(s, page_iova(s, w->id, k), true, page_iova(s, w->id, k) + PA_OFF);
	unmap_sync(s, slot, SZ_2M, 0);
	for (k = 0; k < PAGES_PER_THREAD; k++)
		unmap_sync(s, page_iova(s, w->id, k), SZ_4K, 0);
	unmap_sync(s, page_iova(s, w->id, first), SZ_4K, -EINVAL);
	lookup(s, slot, false, 0);
	return NULL;
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
	(void)va;
	(void)lg2;
	(void)pa;
	(void)pte;
	(void)depth;
	c->leaves++;
	return 0;
}

static int c_bad(void *ctx, u64 va, unsigned int depth, u64 pte, enum hw_fault f)
{
	const char *why = hw_fault_name(f);
	struct count *c = ctx;

	if (!c->bad++)
		TC_FAIL("IOVA %#" PRIx64 " level %u entry %#" PRIx64 ": %s", va, depth, pte, why);
	return 0;
}

static void neighbours(void *arg)
{
	struct ptcore_cfg cfg = {
		.format = PTCORE_FMT_ARM64_LPAE_S1, .granule_lg2 = 12, .ias = 48, .oas = 48,
		.ops = &n_ops,
	};
	struct ptcore_mem_stats s0, s1;
	struct worker w[THREADS];
	pthread_t th[THREADS];
	unsigned int r, i;
	unsigned long flushes = 0;
	struct shared s;
	int ret;

	(void)arg;
	ptcore_mem_stats(&s0);
	for (r = 0; r < ROUNDS; r++) {
		struct tmodel m;
		struct count c = { 0 };
		struct hw_visitor v = { .leaf = c_leaf, .bad = c_bad, .ctx = &c };

		memset(&s, 0, sizeof(s));
		pthread_mutex_init(&s.lock, NULL);
		cfg.cookie = &s;
		ret = ptcore_table_create(&cfg, &s.t);
		TC_CHECK(ret == 0, "create: %d", ret);
		if (ret)
			return;
		/* Far apart per round: a new path of tables at every level. */
		s.base = (uint64_t)(r + 1) * 512 * SZ_1G + 3 * SZ_1G + 6 * SZ_2M;
		s.slots = s.base + 8 * SZ_2M;
		pthread_barrier_init(&s.start, NULL, THREADS);
		for (i = 0; i < THREADS; i++) {
			w[i].s = &s;
			w[i].id = i;
			w[i].rng = 1000 * r + i;
			pthread_create(&th[i], NULL, neighbour, &w[i]);
		}
		for (i = 0; i < THREADS; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&s.start);
		TC_CHECK(!s.errors, "round %u: %lu errors, the first: %s", r, s.errors, s.first);
		tm_init(&m, s.t, &cfg);
		hw_walk_visit(&m.w, &v);
		TC_CHECK(c.leaves == 0, "round %u: %lu leaves left after every unmap", r, c.leaves);
		flushes += __atomic_load_n(&s.flushes, __ATOMIC_RELAXED);
		ptcore_table_destroy(s.t);
		pthread_mutex_destroy(&s.lock);
		ptcore_mem_stats(&s1);
		TC_CHECK(s1.tables_live == s0.tables_live, "round %u: %" PRIu64 " tables leaked", r,
			 s1.tables_live - s0.tables_live);
		if (tc_case_failures)
			break;
	}
	if (tc_verbose)
		printf("  neighbours: %u rounds x %u threads, %lu flushes\n", ROUNDS, THREADS,
		       flushes);
}

/* ---- the built-in allocator ---- */

#define A_LIVE		8
#define A_OPS		400

struct ablock {
	uint8_t *va;
	uint64_t pa;
	size_t size;
};

struct aworker {
	unsigned int id;
	uint64_t rng;
	pthread_barrier_t *start;
	intptr_t off;			/* va - pa of the first block */
	unsigned long errors, grown;
	char first[160];
};

static void a_err(struct aworker *w, const char *what, const struct ablock *b)
{
	if (!w->errors++)
		snprintf(w->first, sizeof(w->first), "%s: block %p pa %#" PRIx64 " size %zu", what,
			 (void *)b->va, b->pa, b->size);
}

static bool a_check(struct aworker *w, const struct ablock *b)
{
	size_t i;

	/* Every 64th byte holds the owner's pattern (the whole block is too slow under TSan). */
	for (i = 0; i < b->size; i += 64)
		if (b->va[i] != (uint8_t)(0x10 + w->id))
			return false;
	return b->va[b->size - 1] == (uint8_t)(0x10 + w->id);
}

static void *allocator(void *arg)
{
	struct aworker *w = arg;
	struct ablock live[A_LIVE] = { 0 };
	unsigned int op, k;

	pthread_barrier_wait(w->start);
	for (op = 0; op < A_OPS; op++) {
		struct ablock *b;
		size_t i;

		k = (unsigned int)(tc_rand(&w->rng) % A_LIVE);
		b = &live[k];
		if (b->va) {
			if (!a_check(w, b))
				a_err(w, "block changed under its owner (handed out twice?)", b);
			ptcore_builtin_free_table(NULL, b->va, b->pa, b->size);
			b->va = NULL;
			continue;
		}
		/* Mostly large blocks: the arena keeps being carved while others free. */
		b->size = (size_t)1 << (tc_rand(&w->rng) % 3 ? 16 + tc_rand(&w->rng) % 5 :
					 6 + tc_rand(&w->rng) % 10);
		b->va = ptcore_builtin_alloc_table(NULL, b->size, &b->pa, 0);
		if (!b->va) {
			a_err(w, "allocation failed", b);
			continue;
		}
		if (b->pa & (b->size - 1))
			a_err(w, "block not aligned to its size", b);
		if (!w->off)
			w->off = (intptr_t)(uintptr_t)b->va - (intptr_t)b->pa;
		else if ((intptr_t)(uintptr_t)b->va - (intptr_t)b->pa != w->off)
			a_err(w, "va - pa not constant", b);
		for (i = 0; i < b->size; i += 64)
			if (b->va[i]) {
				a_err(w, "block not zeroed", b);
				break;
			}
		for (i = 0; i < b->size; i += 64)
			b->va[i] = (uint8_t)(0x10 + w->id);
		b->va[b->size - 1] = (uint8_t)(0x10 + w->id);
	}
	for (k = 0; k < A_LIVE; k++)
		if (live[k].va) {
			if (!a_check(w, &live[k]))
				a_err(w, "block changed under its owner (handed out twice?)", &live[k]);
			ptcore_builtin_free_table(NULL, live[k].va, live[k].pa, live[k].size);
		}
	return NULL;
}

static void alloc_free(void *arg)
{
	struct aworker w[THREADS];
	pthread_t th[THREADS];
	pthread_barrier_t start;
	struct ptcore_mem_stats s0, s1;
	unsigned int i, r;

	(void)arg;
	ptcore_mem_stats(&s0);
	for (r = 0; r < 4; r++) {
		pthread_barrier_init(&start, NULL, THREADS);
		for (i = 0; i < THREADS; i++) {
			memset(&w[i], 0, sizeof(w[i]));
			w[i].id = i;
			w[i].rng = 0xa110c + 31 * r + i;
			w[i].start = &start;
			pthread_create(&th[i], NULL, allocator, &w[i]);
		}
		for (i = 0; i < THREADS; i++) {
			pthread_join(th[i], NULL);
			TC_CHECK(!w[i].errors, "thread %u: %lu errors, the first: %s", i, w[i].errors,
				 w[i].first);
			if (i)
				TC_CHECK(w[i].off == w[0].off, "va - pa differs between threads");
		}
		pthread_barrier_destroy(&start);
	}
	ptcore_mem_stats(&s1);
	TC_CHECK(s1.tables_live == s0.tables_live && s1.bytes_live == s0.bytes_live,
		 "allocator counters: %" PRIu64 " blocks live, %" PRIu64 " before", s1.tables_live,
		 s0.tables_live);
	TC_CHECK(s1.allocs - s0.allocs == s1.frees - s0.frees, "allocs %" PRIu64 " != frees %"
		 PRIu64, s1.allocs - s0.allocs, s1.frees - s0.frees);
}

int main(int argc, char **argv)
{
	bool run_n = false, run_a = false;
	int a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-v"))
			tc_verbose = 1;
		else if (!strcmp(argv[a], "neighbours"))
			run_n = true;
		else if (!strcmp(argv[a], "alloc"))
			run_a = true;
	}
	if (!run_n && !run_a)
		run_n = run_a = true;
	if (run_n)
		tc_run("neighbours: maps and unmaps of disjoint ranges sharing fresh tables",
		       neighbours, NULL);
	if (run_a)
		tc_run("alloc: concurrent built-in table allocation and free", alloc_free, NULL);
	return tc_summary();
}
