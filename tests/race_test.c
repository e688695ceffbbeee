// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Deterministic interleavings the concurrency contract allows, forced with
 * callbacks that pause one thread inside ptcore while another calls in.
 *
 * sync_vs_replacing_map: thread A maps two 2M blocks across a 1G boundary;
 * the first replaces an empty leaf table T (ptcore must flush T's span
 * before the map returns and free T only afterwards), the second needs a new
 * table, and A's alloc_table pauses there. Meanwhile thread B syncs an
 * empty gather of its own (another range: allowed concurrently with maps).
 * T must not be freed before a flush with PTCORE_GATHER_TABLES covered it:
 * a walker may still hold T in its walk cache. Nor may any sync but that of
 * the unmap that removes the block free it (a lookup of the block's range
 * that raced the map may still read T).
 *
 * Usage: race_test [-v]
 */
#include <pthread.h>
#include <semaphore.h>

#include "tcommon.h"

#define SZ_4K	0x1000ULL
#define SZ_2M	0x200000ULL
#define SZ_1G	0x40000000ULL

struct race {
	struct ptcore_table *t;
	sem_t paused, resume;
	int pause_armed;
	uint64_t t_pa;			/* the table the map replaces */
	int t_flushed, t_freed_before_flush, t_freed;
	uint64_t t_span_start, t_span_last;
};

static void *r_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	struct race *r = cookie;

	if (__atomic_exchange_n(&r->pause_armed, 0, __ATOMIC_ACQ_REL)) {
		sem_post(&r->paused);
		sem_wait(&r->resume);
	}
	return ptcore_builtin_alloc_table(NULL, size, phys, gfp);
}

static void r_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	struct race *r = cookie;

	if (phys == r->t_pa) {
		r->t_freed = 1;
		if (!__atomic_load_n(&r->t_flushed, __ATOMIC_ACQUIRE))
			r->t_freed_before_flush = 1;
	}
	ptcore_builtin_free_table(NULL, va, phys, size);
}

static void r_flush(void *cookie, const struct ptcore_gather *g)
{
	struct race *r = cookie;

	if ((g->flags & PTCORE_GATHER_TABLES) && g->start <= r->t_span_start &&
	    g->end >= r->t_span_last)
		__atomic_store_n(&r->t_flushed, 1, __ATOMIC_RELEASE);
}

static const struct ptcore_ops r_ops = {
	.alloc_table = r_alloc, .free_table = r_free, .iotlb_flush = r_flush,
};

static void *mapper(void *arg)
{
	struct race *r = arg;
	uint64_t mapped = 0;
	int ret;

	ret = ptcore_map_pages(r->t, SZ_1G - SZ_2M, 0, SZ_2M, 2, PTCORE_PROT_READ, 0, &mapped);
	TC_CHECK(ret == 0 && mapped == 2 * SZ_2M, "map across 1G: %d, mapped %#" PRIx64, ret, mapped);
	return NULL;
}

static void sync_vs_replacing_map(void *arg)
{
	struct ptcore_cfg cfg = { .format = PTCORE_FMT_ARM64_LPAE_S1, .ias = 48, .oas = 48,
				  .granule_lg2 = 12, .ops = &r_ops };
	struct ptcore_gather g;
	struct ptcore_mem_stats s0, s1;
	struct race r = { 0 };
	uint64_t mapped, unmapped, pte_pa;
	const uint64_t *l2;
	struct ptcore_hw_info hi;
	pthread_t th;
	int ret;

	(void)arg;
	ptcore_mem_stats(&s0);
	sem_init(&r.paused, 0, 0);
	sem_init(&r.resume, 0, 0);
	cfg.cookie = &r;
	ret = ptcore_table_create(&cfg, &r.t);
	TC_CHECK(ret == 0, "create: %d", ret);
	if (ret)
		return;
	/* An empty leaf table T at [1G - 2M, 1G): map a page there, unmap it. */
	ret = ptcore_map_pages(r.t, SZ_1G - SZ_2M, 0, SZ_4K, 1, PTCORE_PROT_READ, 0, &mapped);
	TC_CHECK(ret == 0, "map page: %d", ret);
	ptcore_gather_init(&g);
	ret = ptcore_unmap(r.t, SZ_1G - SZ_2M, SZ_4K, &g, &unmapped);
	TC_CHECK(ret == 0, "unmap page: %d", ret);
	ptcore_iotlb_sync(r.t, &g);
	/* Find T: level 0 -> level 1 -> level 2 entry 511 (raw tables). */
	ptcore_hw_info(r.t, &hi);
	l2 = ptcore_phys_to_virt(r.t, hi.root[0]);
	pte_pa = l2[0] & TC_MASK(47, 12);			/* L1 table of [0, 512G) */
	l2 = ptcore_phys_to_virt(r.t, pte_pa);
	pte_pa = l2[0] & TC_MASK(47, 12);			/* L2 table of [0, 1G) */
	l2 = ptcore_phys_to_virt(r.t, pte_pa);
	r.t_pa = l2[511] & TC_MASK(47, 12);
	TC_CHECK((l2[511] & 3) == 3 && r.t_pa, "no empty leaf table at 1G - 2M (%#" PRIx64 ")",
		 l2[511]);
	r.t_span_start = SZ_1G - SZ_2M;
	r.t_span_last = SZ_1G - 1;

	/* A replaces T by a block, then pauses allocating the L2 table of [1G, 2G). */
	__atomic_store_n(&r.pause_armed, 1, __ATOMIC_RELEASE);
	pthread_create(&th, NULL, mapper, &r);
	sem_wait(&r.paused);
	/* B: a sync of its own empty gather, on another range. */
	ptcore_gather_init(&g);
	ptcore_iotlb_sync(r.t, &g);
	sem_post(&r.resume);
	pthread_join(th, NULL);

	TC_CHECK(!r.t_freed_before_flush, "the replaced table %#" PRIx64 " was freed by a "
		 "concurrent ptcore_iotlb_sync() before the replacing map flushed it", r.t_pa);
	ptcore_gather_init(&g);
	ptcore_iotlb_sync(r.t, &g);
	TC_CHECK(!r.t_freed, "a sync of another gather freed the replaced table");
	ptcore_gather_init(&g);
	ret = ptcore_unmap(r.t, SZ_1G - SZ_2M, SZ_2M, &g, &unmapped);
	TC_CHECK(ret == 0 && g.nr_tables == 1, "unmap of the block: %d, nr_tables %u", ret,
		 g.nr_tables);
	TC_CHECK(!r.t_freed, "the unmap freed the replaced table before its sync");
	ptcore_iotlb_sync(r.t, &g);
	TC_CHECK(r.t_freed, "the sync of the block's unmap did not free the replaced table");
	ptcore_table_destroy(r.t);
	ptcore_mem_stats(&s1);
	TC_CHECK(s1.tables_live == s0.tables_live, "leak");
	sem_destroy(&r.paused);
	sem_destroy(&r.resume);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "-v"))
		tc_verbose = 1;
	tc_run("sync concurrent with a map that replaced a table", sync_vs_replacing_map, NULL);
	return tc_summary();
}
