// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A gather used on the wrong table handle (include/ptcore.h: an unmap or a
 * sync given a gather that holds tables of another handle is refused with
 * a warning and changes nothing), when the two handles share one
 * caller-supplied allocator and the table on the gather sits at a frame
 * the other handle used before (allocators hand freed blocks out again):
 * the refusal must not depend on what the other handle remembers about
 * that frame from an earlier life of the block.
 *
 * Checked: the wrong handle's unmap returns -EINVAL and removes nothing;
 * its sync flushes nothing and frees nothing; the right handle's sync then
 * flushes once and frees the table through its own ops; nothing leaks.
 *
 * Usage: misuse_test [-v]
 */
#include "tcommon.h"

#define SZ_4K		0x1000ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL
#define RW		(PTCORE_PROT_READ | PTCORE_PROT_WRITE)

struct dom {
	const char *name;
	unsigned long frees, flushes, live;
};

static void *m_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	struct dom *d = cookie;
	void *va = ptcore_builtin_alloc_table(NULL, size, phys, gfp);

	if (va)
		d->live++;
	return va;
}

static void m_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	struct dom *d = cookie;

	d->frees++;
	d->live--;
	ptcore_builtin_free_table(NULL, va, phys, size);
}

static void m_flush(void *cookie, const struct ptcore_gather *g)
{
	struct dom *d = cookie;

	(void)g;
	d->flushes++;
}

static const struct ptcore_ops m_ops = {
	.alloc_table = m_alloc, .free_table = m_free, .iotlb_flush = m_flush,
};

static void reused_frame(void *arg)
{
	struct ptcore_cfg cfg = {
		.format = PTCORE_FMT_ARM64_LPAE_S1, .granule_lg2 = 12, .ias = 48, .oas = 48,
		.ops = &m_ops,
	};
	struct dom d1 = { .name = "t1" }, d2 = { .name = "t2" };
	struct ptcore_table *t1, *t2;
	struct ptcore_gather g, saved;
	struct ptcore_mem_stats s0, s1;
	uint64_t b = SZ_1G, mapped, unmapped, phys = 0;
	unsigned long nfrees, nflushes;
	int ret;

	(void)arg;
	ptcore_mem_stats(&s0);
	cfg.cookie = &d1;
	ret = ptcore_table_create(&cfg, &t1);
	cfg.cookie = &d2;
	ret |= ptcore_table_create(&cfg, &t2);
	TC_CHECK(ret == 0, "create: %d", ret);
	if (ret)
		return;
	/* t1's upper tables first, so that its next table is a leaf table. */
	ptcore_map_pages(t1, b + 2 * SZ_2M, b + 2 * SZ_2M, SZ_4K, 1, RW, 0, &mapped);
	/* t2: a full leaf table at b, removed and freed: t2 saw that frame. */
	ret = ptcore_map_pages(t2, b, b, SZ_4K, 512, RW, 0, &mapped);
	ptcore_gather_init(&g);
	ret |= ptcore_unmap(t2, b, SZ_2M, &g, &unmapped);
	ptcore_iotlb_sync(t2, &g);
	/* t1: a full leaf table at b (the freed block, handed out again), onto g. */
	ret |= ptcore_map_pages(t1, b, b, SZ_4K, 512, RW, 0, &mapped);
	ptcore_gather_init(&g);
	ret |= ptcore_unmap(t1, b, SZ_2M, &g, &unmapped);
	TC_CHECK(ret == 0 && g.freelist, "setup: %d", ret);
	/* A page of t2's own, and the misuse. */
	ret = ptcore_map_pages(t2, 3 * SZ_1G, 3 * SZ_1G, SZ_4K, 1, RW, 0, &mapped);
	TC_CHECK(ret == 0, "map on t2: %d", ret);
	saved = g;
	unmapped = 1;
	ret = ptcore_unmap(t2, 3 * SZ_1G, SZ_4K, &g, &unmapped);
	TC_CHECK(ret == -EINVAL && unmapped == 0, "t2's unmap with a gather of t1's tables: %d, "
		 "unmapped %#" PRIx64 " (want -EINVAL, 0)", ret, unmapped);
	TC_CHECK(!memcmp(&g, &saved, sizeof(g)), "t2's refused unmap changed the gather");
	ret = ptcore_iova_to_phys(t2, 3 * SZ_1G, &phys);
	TC_CHECK(ret == 0, "t2's refused unmap removed its page: %d", ret);
	g = saved;
	nfrees = d1.frees + d2.frees;
	nflushes = d1.flushes + d2.flushes;
	ptcore_iotlb_sync(t2, &g);
	TC_CHECK(d1.frees + d2.frees == nfrees, "t2's sync of t1's gather freed %lu tables (t2's "
		 "ops freed %lu) without t1's flush", d1.frees + d2.frees - nfrees, d2.frees);
	TC_CHECK(d1.flushes + d2.flushes == nflushes, "t2's sync of t1's gather flushed");
	/* The right sync, if the table is still there to free. */
	if (d1.frees + d2.frees == nfrees) {
		g = saved;
		ptcore_iotlb_sync(t1, &g);
		TC_CHECK(d1.frees == 1 && d1.flushes == 1, "t1's sync: %lu frees, %lu flushes",
			 d1.frees, d1.flushes);
	}
	ptcore_table_destroy(t1);
	ptcore_table_destroy(t2);
	ptcore_mem_stats(&s1);
	TC_CHECK(s1.tables_live == s0.tables_live, "%" PRIu64 " tables leaked",
		 s1.tables_live - s0.tables_live);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "-v"))
		tc_verbose = 1;
	tc_run("a gather used on another handle that shares the allocator and saw the frame",
	       reused_frame, NULL);
	return tc_summary();
}
