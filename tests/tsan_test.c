// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Concurrency under ThreadSanitizer (ptcore is built with -fsanitize=thread
 * too). Per configuration and round:
 *   - mapper threads map interleaved single pages of the same leaf tables
 *     (and of two far regions, so upper tables are raced for as well);
 *   - lookup threads translate the same range at the same time: every
 *     answer must be -ENOENT or the exact physical address;
 *   - then two threads map the same range with different addresses (a
 *     caller bug ABI.md allows): every leaf is one of the two, tables stay
 *     well formed.
 * After joining: every leaf present and right (hardware-walk model), the
 * tables reachable from the roots are exactly the live ones counted by the
 * ops wrappers (no table lost, none linked twice, every race loser freed),
 * and nothing leaks after destroy. TSan reports make the run fail
 * (TSAN_OPTIONS=halt_on_error=1 exitcode=66).
 *
 * Usage: tsan_test [-v]
 */
#include <pthread.h>

#include "model.h"

#define MAPPERS		4
#define LOOKERS		2
#define ROUNDS		24

struct shared {
	struct ptcore_table *t;
	pthread_mutex_t lock;
	struct u64map live;
	uint64_t allocs, frees;
	unsigned long bad_free;
	uint64_t g, region[2], npages;
	uint64_t pa_base;
	int done;
	pthread_barrier_t start;
	unsigned long lookups, lookup_errors, map_errors;
};

static void *sh_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	struct shared *s = cookie;
	void *va = ptcore_builtin_alloc_table(NULL, size, phys, gfp);

	if (va) {
		pthread_mutex_lock(&s->lock);
		u64map_put(&s->live, *phys, size);
		s->allocs++;
		pthread_mutex_unlock(&s->lock);
	}
	return va;
}

static void sh_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	struct shared *s = cookie;

	pthread_mutex_lock(&s->lock);
	if (!u64map_del(&s->live, phys))
		s->bad_free++;
	s->frees++;
	pthread_mutex_unlock(&s->lock);
	ptcore_builtin_free_table(NULL, va, phys, size);
}

static void sh_flush(void *cookie, const struct ptcore_gather *g)
{
	(void)cookie;
	(void)g;
}

static const struct ptcore_ops sh_ops = {
	.alloc_table = sh_alloc, .free_table = sh_free, .iotlb_flush = sh_flush,
};

static uint64_t page_iova(const struct shared *s, uint64_t p)
{
	uint64_t half = s->npages / 2;

	return s->region[p / half] + (p % half) * s->g;
}

static uint64_t page_pa(const struct shared *s, uint64_t p)
{
	return s->pa_base + p * s->g;
}

struct worker {
	struct shared *s;
	unsigned int id;
	uint64_t rng;
};

static void *mapper(void *arg)
{
	struct worker *w = arg;
	struct shared *s = w->s;
	uint64_t p, mapped;

	pthread_barrier_wait(&s->start);
	for (p = w->id; p < s->npages; p += MAPPERS) {
		int ret = ptcore_map_pages(s->t, page_iova(s, p), page_pa(s, p), s->g, 1,
					   PTCORE_PROT_READ | PTCORE_PROT_WRITE, 0, &mapped);

		if (ret || mapped != s->g)
			__atomic_fetch_add(&s->map_errors, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *looker(void *arg)
{
	struct worker *w = arg;
	struct shared *s = w->s;
	unsigned long n = 0;

	pthread_barrier_wait(&s->start);
	while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE) || n < 1000) {
		uint64_t p = tc_rand(&w->rng) % s->npages, off = tc_rand(&w->rng) % s->g, phys = 0;
		int ret = ptcore_iova_to_phys(s->t, page_iova(s, p) + off, &phys);

		n++;
		if (!(ret == -ENOENT || (ret == 0 && phys == page_pa(s, p) + off)))
			__atomic_fetch_add(&s->lookup_errors, 1, __ATOMIC_RELAXED);
	}
	__atomic_fetch_add(&s->lookups, n, __ATOMIC_RELAXED);
	return NULL;
}

struct racer {
	struct shared *s;
	uint64_t iova, pa, count;
};

static void *race_same(void *arg)
{
	struct racer *r = arg;
	uint64_t k, mapped;

	pthread_barrier_wait(&r->s->start);
	for (k = 0; k < r->count; k++)
		ptcore_map_pages(r->s->t, r->iova + k * r->s->g, r->pa + k * r->s->g, r->s->g, 1,
				 PTCORE_PROT_READ, 0, &mapped);
	return NULL;
}

/* ---- single-threaded verification with the walk model ---- */

struct verify {
	struct shared *s;
	uint64_t tables, leaves, bad, unknown_tables;
	uint64_t race_iova, race_count, race_pa[2];
};

static int v_table(void *ctx, u64 pa, unsigned int depth, u64 va, u64 span, u64 bytes, u64 desc)
{
	struct verify *v = ctx;
	uint64_t have;

	(void)depth;
	(void)va;
	(void)span;
	(void)desc;
	v->tables++;
	if (!u64map_get(&v->s->live, pa, &have) || have != bytes)
		v->unknown_tables++;
	return 0;
}

static int v_leaf(void *ctx, const struct hw_leaf *leaf)
{
	struct verify *v = ctx;
	struct shared *s = v->s;
	uint64_t p, half = s->npages / 2;
	uint64_t va = leaf->run_iova, pa = leaf->run_oa, pte = leaf->pte;
	unsigned int lg2 = (unsigned int)__builtin_ctzll(leaf->run_size), depth = leaf->level;

	if (leaf->iova != leaf->run_iova)
		return 0;	/* a contiguous run counts once */
	(void)pte;
	(void)depth;
	v->leaves++;
	if (va >= v->race_iova && va < v->race_iova + v->race_count * s->g) {
		uint64_t k = (va - v->race_iova) / s->g;

		if (pa != v->race_pa[0] + k * s->g && pa != v->race_pa[1] + k * s->g)
			v->bad++;
		return 0;
	}
	if (lg2 != (unsigned int)__builtin_ctzll(s->g))
		v->bad++;
	p = va >= s->region[1] ? half + (va - s->region[1]) / s->g : (va - s->region[0]) / s->g;
	if (p >= s->npages || page_iova(s, p) != va || page_pa(s, p) != pa)
		v->bad++;
	return 0;
}

static int v_bad(void *ctx, u64 va, unsigned int depth, u64 pte, enum hw_fault f)
{
	const char *why = hw_fault_name(f);
	struct verify *v = ctx;

	TC_FAIL("IOVA %#" PRIx64 " level %u entry %#" PRIx64 ": %s", va, depth, pte, why);
	v->bad++;
	return 0;
}

static void verify(struct shared *s, const struct ptcore_cfg *cfg, struct verify *v,
		   const char *what)
{
	struct tmodel m;
	struct hw_visitor vis = { .table = v_table, .leaf = v_leaf, .bad = v_bad, .ctx = v };

	v->s = s;
	v->tables = v->leaves = v->bad = v->unknown_tables = 0;
	tm_init(&m, s->t, cfg);
	hw_walk_visit(&m.w, &vis);
	TC_CHECK(!v->bad, "%s: %" PRIu64 " wrong leaves", what, v->bad);
	TC_CHECK(!v->unknown_tables, "%s: %" PRIu64 " linked tables not allocated through ops", what,
		 v->unknown_tables);
	TC_CHECK(v->tables == s->live.n, "%s: %" PRIu64 " tables reachable, %zu allocated (lost or "
		 "duplicated tables)", what, v->tables, s->live.n);
	TC_CHECK(s->allocs - s->frees == s->live.n, "%s: allocation count mismatch", what);
	TC_CHECK(!s->bad_free, "%s: %lu frees of unknown tables", what, s->bad_free);
}

struct tconf {
	const char *name;
	struct ptcore_cfg cfg;
};

static const struct tconf confs[] = {
	{ "s1-4k-48", { .format = PTCORE_FMT_ARM64_LPAE_S1, .granule_lg2 = 12, .ias = 48, .oas = 48 } },
	{ "s2-16k-42", { .format = PTCORE_FMT_ARM64_LPAE_S2, .granule_lg2 = 14, .ias = 42, .oas = 42 } },
	{ "s1-64k-48", { .format = PTCORE_FMT_ARM64_LPAE_S1, .granule_lg2 = 16, .ias = 48, .oas = 48 } },
	{ "dart1-4k-32-4ttbr", { .format = PTCORE_FMT_APPLE_DART, .granule_lg2 = 12, .ias = 32, .oas = 36 } },
	{ "dart2-16k-42-3lvl", { .format = PTCORE_FMT_APPLE_DART2, .granule_lg2 = 14, .ias = 42, .oas = 42 } },
};

static unsigned long total_maps, total_lookups, total_tables, total_losers;

static void round_run(const struct tconf *tc, unsigned int round)
{
	struct ptcore_mem_stats s0, s1;
	struct ptcore_cfg cfg = tc->cfg;
	struct shared s;
	struct worker w[MAPPERS + LOOKERS];
	pthread_t th[MAPPERS + LOOKERS];
	struct racer rc[2];
	struct verify v = { 0 };
	struct ptcore_gather gather;
	unsigned int i, bpl;
	uint64_t span, unmapped;
	int ret;

	memset(&s, 0, sizeof(s));
	pthread_mutex_init(&s.lock, NULL);
	u64map_init(&s.live);
	cfg.ops = &sh_ops;
	cfg.cookie = &s;
	ptcore_mem_stats(&s0);
	ret = ptcore_table_create(&cfg, &s.t);
	TC_CHECK(ret == 0, "%s: create %d", tc->name, ret);
	if (ret)
		return;
	s.g = 1ULL << cfg.granule_lg2;
	bpl = cfg.granule_lg2 - 3;
	span = s.g << bpl;
	/* Two regions far apart, each over two leaf tables (four for 4K). */
	s.npages = 2 * (span / s.g) * (cfg.granule_lg2 == 12 ? 2 : 1);
	if (s.npages > 8192)
		s.npages = 8192;
	s.region[0] = span * (1 + round);
	s.region[1] = (1ULL << cfg.ias) / 2 + span * round;
	s.pa_base = 1ULL << 30;

	pthread_barrier_init(&s.start, NULL, MAPPERS + LOOKERS);
	for (i = 0; i < MAPPERS + LOOKERS; i++) {
		w[i].s = &s;
		w[i].id = i;
		w[i].rng = 77 * round + i;
		pthread_create(&th[i], NULL, i < MAPPERS ? mapper : looker, &w[i]);
	}
	for (i = 0; i < MAPPERS; i++)
		pthread_join(th[i], NULL);
	__atomic_store_n(&s.done, 1, __ATOMIC_RELEASE);
	for (i = MAPPERS; i < MAPPERS + LOOKERS; i++)
		pthread_join(th[i], NULL);
	TC_CHECK(!s.map_errors, "%s: %lu maps of disjoint pages failed", tc->name, s.map_errors);
	TC_CHECK(!s.lookup_errors, "%s: %lu lookups neither -ENOENT nor the mapped address",
		 tc->name, s.lookup_errors);
	v.race_count = 0;
	v.race_iova = UINT64_MAX;
	verify(&s, &cfg, &v, tc->name);
	TC_CHECK(v.leaves == s.npages, "%s: %" PRIu64 " leaves, want %" PRIu64, tc->name, v.leaves,
		 s.npages);
	total_maps += s.npages;
	total_losers += s.frees;	/* tables freed while mapping: lost publication races */
	total_lookups += s.lookups;
	total_tables += v.tables;

	/* Overlapping maps racing (a caller bug): tables stay well formed. */
	pthread_barrier_destroy(&s.start);
	pthread_barrier_init(&s.start, NULL, 2);
	for (i = 0; i < 2; i++) {
		rc[i].s = &s;
		rc[i].iova = (1ULL << cfg.ias) / 4 + span * round;
		rc[i].pa = (2ULL << 30) + ((uint64_t)i << 28);
		rc[i].count = 64;
		pthread_create(&th[i], NULL, race_same, &rc[i]);
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	v.race_iova = rc[0].iova;
	v.race_count = 64;
	v.race_pa[0] = rc[0].pa;
	v.race_pa[1] = rc[1].pa;
	verify(&s, &cfg, &v, tc->name);
	TC_CHECK(v.leaves == s.npages + 64, "%s: %" PRIu64 " leaves after the overlapping race",
		 tc->name, v.leaves);

	/* Take everything down; only the roots stay, then nothing. */
	ptcore_gather_init(&gather);
	ret = ptcore_unmap(s.t, s.region[0], s.npages / 2 * s.g, &gather, &unmapped);
	TC_CHECK(ret == 0 && unmapped == s.npages / 2 * s.g, "%s: unmap region 0: %d", tc->name, ret);
	ret = ptcore_unmap(s.t, s.region[1], s.npages / 2 * s.g, &gather, &unmapped);
	TC_CHECK(ret == 0, "%s: unmap region 1: %d", tc->name, ret);
	ret = ptcore_unmap(s.t, rc[0].iova, 64 * s.g, &gather, &unmapped);
	TC_CHECK(ret == 0, "%s: unmap raced range: %d", tc->name, ret);
	ptcore_iotlb_sync(s.t, &gather);
	v.race_count = 0;
	verify(&s, &cfg, &v, tc->name);
	TC_CHECK(v.leaves == 0, "%s: %" PRIu64 " leaves after unmapping everything", tc->name,
		 v.leaves);
	ptcore_table_destroy(s.t);
	ptcore_mem_stats(&s1);
	TC_CHECK(s.live.n == 0, "%s: %zu tables left after destroy", tc->name, s.live.n);
	TC_CHECK(s1.tables_live == s0.tables_live, "%s: mem_stats leak", tc->name);
	u64map_free(&s.live);
	pthread_barrier_destroy(&s.start);
	pthread_mutex_destroy(&s.lock);
}

int main(int argc, char **argv)
{
	char name[128];
	unsigned int r;
	size_t i;

	if (argc > 1 && !strcmp(argv[1], "-v"))
		tc_verbose = 1;
	for (i = 0; i < TC_ARRAY_SIZE(confs); i++)
		for (r = 0; r < ROUNDS; r++) {
			snprintf(name, sizeof(name), "%s round %u", confs[i].name, r);
			tc_case_begin();
			round_run(&confs[i], r);
			tc_case_end(name);
		}
	printf("tsan: %lu concurrent page maps, %lu concurrent lookups, %lu tables checked, "
	       "%lu table publications lost a race and were freed (%d mappers + %d lookup "
	       "threads)\n", total_maps, total_lookups, total_tables, total_losers, MAPPERS,
	       LOOKERS);
	return tc_summary();
}
