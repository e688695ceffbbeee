// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Lookups racing maps that replace empty tables by blocks, while a third
 * thread syncs its own gathers on another range (include/ptcore.h:
 * iova_to_phys is safe concurrently with maps; a sync frees only what its
 * gather holds). Run under ASan: table memory comes from malloc (phys ==
 * va, which fits oas 48 on x86-64) and goes back to free() poisoned, so a
 * lookup that reads a table after it was freed is a heap-use-after-free
 * report, and without ASan a wrong answer.
 *
 * Each round, on a fresh 1G region:
 *   setup (lookups paused): map one page in each of NS 2M slots, unmap them
 *     all, sync: NS empty leaf tables;
 *   race: the mapper maps a 2M block over slot 0, 1, ... (each map replaces
 *     one empty table), announcing its progress; two lookup threads
 *     translate addresses in the slots just ahead of it (-ENOENT while the
 *     empty table is there, the block's address once it is replaced); the
 *     syncer maps, unmaps and syncs pages of its own range all along;
 *   teardown (lookups paused): unmap the blocks, sync.
 * Rounds run until RACE_SECONDS have passed (or MAX_ROUNDS); the run time
 * bounds the test, it is never a verdict. Leaks: LeakSanitizer at exit and
 * the table count after destroy. Also run under ThreadSanitizer (the
 * parked-table list, lookups and maps on shared tables).
 *
 * Usage: lookup_race_test [-v] [seconds]
 */
#include <pthread.h>
#include <time.h>

#include "tcommon.h"

#define SZ_4K		0x1000ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL
#define PA_OFF		0x100000000000ULL
#define NS		64
#define LOOKERS		2
#define MAX_ROUNDS	20000
#define RW		(PTCORE_PROT_READ | PTCORE_PROT_WRITE)

struct race {
	struct ptcore_table *t;
	pthread_barrier_t phase;	/* mapper + lookers */
	uint64_t region;		/* this round's 1G */
	unsigned int progress;		/* slots the mapper has started to replace */
	int stop;			/* no more rounds */
	int syncer_stop;
	unsigned long live_tables, allocs;
	unsigned long lookups, hits_table, hits_block, bad, map_errors, syncs, rounds;
	uint64_t bad_iova, bad_phys;
	int bad_ret;
};

static void *r_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	struct race *r = cookie;
	void *va = aligned_alloc(size, size);

	(void)gfp;
	if (!va)
		return NULL;
	memset(va, 0, size);
	*phys = (uint64_t)(uintptr_t)va;
	__atomic_fetch_add(&r->live_tables, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&r->allocs, 1, __ATOMIC_RELAXED);
	return va;
}

static void r_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	struct race *r = cookie;

	(void)phys;
	memset(va, 0x6b, size);		/* valid-looking garbage for a late reader */
	free(va);
	__atomic_fetch_sub(&r->live_tables, 1, __ATOMIC_RELAXED);
}

static void r_flush(void *cookie, const struct ptcore_gather *g)
{
	(void)cookie;
	(void)g;
}

static const struct ptcore_ops r_ops = {
	.alloc_table = r_alloc, .free_table = r_free, .iotlb_flush = r_flush,
};

static void unmap_sync(struct race *r, uint64_t iova, uint64_t len)
{
	struct ptcore_gather g;
	uint64_t unmapped = 0;
	int ret;

	ptcore_gather_init(&g);
	ret = ptcore_unmap(r->t, iova, len, &g, &unmapped);
	if (ret || unmapped != len)
		__atomic_fetch_add(&r->map_errors, 1, __ATOMIC_RELAXED);
	ptcore_iotlb_sync(r->t, &g);
}

static void map(struct race *r, uint64_t iova, uint64_t size)
{
	uint64_t mapped = 0;

	if (ptcore_map_pages(r->t, iova, iova + PA_OFF, size, 1, RW, 0, &mapped) ||
	    mapped != size)
		__atomic_fetch_add(&r->map_errors, 1, __ATOMIC_RELAXED);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double race_seconds = 3.0;

static void *mapper(void *arg)
{
	struct race *r = arg;
	double end = now() + race_seconds;
	struct ptcore_gather g;
	uint64_t unmapped;
	unsigned int round, s;

	for (round = 0; round < MAX_ROUNDS; round++) {
		uint64_t base = SZ_1G * (1 + round % 256);

		for (s = 0; s < NS; s++)
			map(r, base + s * SZ_2M + (s % 512) * SZ_4K, SZ_4K);
		/* One gather for the pages: NS empty leaf tables stay. */
		ptcore_gather_init(&g);
		for (s = 0; s < NS; s++)
			if (ptcore_unmap(r->t, base + s * SZ_2M + (s % 512) * SZ_4K, SZ_4K, &g,
					 &unmapped))
				__atomic_fetch_add(&r->map_errors, 1, __ATOMIC_RELAXED);
		ptcore_iotlb_sync(r->t, &g);
		__atomic_store_n(&r->region, base, __ATOMIC_RELAXED);
		__atomic_store_n(&r->progress, 0, __ATOMIC_RELEASE);
		pthread_barrier_wait(&r->phase);		/* race on */
		for (s = 0; s < NS; s++) {
			__atomic_store_n(&r->progress, s, __ATOMIC_RELEASE);
			map(r, base + s * SZ_2M, SZ_2M);
		}
		__atomic_store_n(&r->progress, NS, __ATOMIC_RELEASE);
		if (now() > end || round + 1 == MAX_ROUNDS)
			__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
		pthread_barrier_wait(&r->phase);		/* race off */
		unmap_sync(r, base, NS * SZ_2M);
		r->rounds++;
		if (__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
			break;
	}
	return NULL;
}

struct looker {
	struct race *r;
	uint64_t rng;
};

static void *looker(void *arg)
{
	struct looker *l = arg;
	struct race *r = l->r;
	unsigned long n = 0, ht = 0, hb = 0;

	for (;;) {
		uint64_t base;
		unsigned int p;

		pthread_barrier_wait(&r->phase);		/* race on */
		base = __atomic_load_n(&r->region, __ATOMIC_RELAXED);
		while ((p = __atomic_load_n(&r->progress, __ATOMIC_ACQUIRE)) < NS) {
			/* The slot just replaced (a block now) and the next ones (tables). */
			unsigned int s = p + (unsigned int)(tc_rand(&l->rng) % 4);
			uint64_t off = (tc_rand(&l->rng) % 512) * SZ_4K + 0x18;
			uint64_t iova, phys = 0;
			int ret;

			s = s ? s - 1 : 0;
			if (s >= NS)
				s = NS - 1;
			iova = base + s * SZ_2M + off;
			ret = ptcore_iova_to_phys(r->t, iova, &phys);
			n++;
			if (ret == -ENOENT) {
				ht++;
			} else if (ret == 0 && phys == iova + PA_OFF) {
				hb++;
			} else if (!__atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED)) {
				r->bad_iova = iova;
				r->bad_phys = phys;
				r->bad_ret = ret;
			}
		}
		pthread_barrier_wait(&r->phase);		/* race off */
		if (__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
			break;
	}
	__atomic_fetch_add(&r->lookups, n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&r->hits_table, ht, __ATOMIC_RELAXED);
	__atomic_fetch_add(&r->hits_block, hb, __ATOMIC_RELAXED);
	return NULL;
}

/* Maps, unmaps and syncs of its own range: every sync is "another gather". */
static void *syncer(void *arg)
{
	struct race *r = arg;
	uint64_t base = 300 * SZ_1G;
	unsigned long k = 0;

	while (!__atomic_load_n(&r->syncer_stop, __ATOMIC_ACQUIRE)) {
		uint64_t iova = base + (k % 1024) * SZ_4K;
		struct ptcore_gather g;

		map(r, iova, SZ_4K);
		unmap_sync(r, iova, SZ_4K);
		ptcore_gather_init(&g);
		ptcore_iotlb_sync(r->t, &g);
		k++;
	}
	__atomic_fetch_add(&r->syncs, 2 * k, __ATOMIC_RELAXED);
	return NULL;
}

static void lookups_vs_replacing_maps(void *arg)
{
	struct ptcore_cfg cfg = {
		.format = PTCORE_FMT_ARM64_LPAE_S1, .granule_lg2 = 12, .ias = 48, .oas = 48,
		.ops = &r_ops,
	};
	struct looker l[LOOKERS];
	pthread_t th[LOOKERS + 2];
	struct race r;
	unsigned int i;
	int ret;

	(void)arg;
	memset(&r, 0, sizeof(r));
	cfg.cookie = &r;
	ret = ptcore_table_create(&cfg, &r.t);
	TC_CHECK(ret == 0, "create: %d", ret);
	if (ret)
		return;
	pthread_barrier_init(&r.phase, NULL, LOOKERS + 1);
	pthread_create(&th[0], NULL, mapper, &r);
	pthread_create(&th[1], NULL, syncer, &r);
	for (i = 0; i < LOOKERS; i++) {
		l[i].r = &r;
		l[i].rng = 0x1005 + i;
		pthread_create(&th[2 + i], NULL, looker, &l[i]);
	}
	pthread_join(th[0], NULL);
	for (i = 0; i < LOOKERS; i++)
		pthread_join(th[2 + i], NULL);
	__atomic_store_n(&r.syncer_stop, 1, __ATOMIC_RELEASE);
	pthread_join(th[1], NULL);
	pthread_barrier_destroy(&r.phase);

	TC_CHECK(!r.bad, "%lu lookups neither -ENOENT nor the block's address; the first: %#"
		 PRIx64 " -> %d, %#" PRIx64 " (a lookup read a freed table?)", r.bad, r.bad_iova,
		 r.bad_ret, r.bad_phys);
	TC_CHECK(!r.map_errors, "%lu maps or unmaps failed", r.map_errors);
	TC_CHECK(r.hits_table && r.hits_block, "the lookups never raced a replacement (%lu saw "
		 "the empty table, %lu the block)", r.hits_table, r.hits_block);
	ptcore_table_destroy(r.t);
	TC_CHECK(r.live_tables == 0, "%lu tables leaked", r.live_tables);
	printf("lookup race: %lu rounds of %u replacing maps, %lu lookups (%lu before, %lu after "
	       "the replacement), %lu syncs of other gathers, %lu tables allocated\n", r.rounds, NS,
	       r.lookups, r.hits_table, r.hits_block, r.syncs, r.allocs);
}

int main(int argc, char **argv)
{
	int a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-v"))
			tc_verbose = 1;
		else
			race_seconds = atof(argv[a]);
	}
	tc_run("lookups racing maps that replace tables, syncs of other gathers",
	       lookups_vs_replacing_maps, NULL);
	return tc_summary();
}
