// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Differential test of ptcore's PTCORE_FMT_ARM_V7S against Linux 6.12's
 * io-pgtable-arm-v7s.c (peer_v7s.h): for every configuration (page-size
 * subset, coherent or DMA-incoherent walk, NS quirk, ias), the same random
 * maps (random prot bits), unmaps and lookups on both, and every 256
 * operations the two trees compared entry by entry from the roots: each
 * level-1 entry, and for two table entries (their addresses differ) their
 * other bits and the 256 entries of both level 2s, leaves exactly. Both
 * sides' tables live in arenas with a device view (v7s_mem.h): with an
 * incoherent walk every byte a walker can reach must have been synced,
 * and no table entry synced before its table; with a coherent one nothing
 * is synced at all. hw_info is compared with io_pgtable_cfg (sizes, the
 * level-1 address and the TTBR walk attributes, PRRR/NMRR), return values,
 * byte counts and iova_to_phys with each other and with a model of what is
 * mapped.
 *
 * What is not compared, because the two differ by design (ABI.md): a map
 * over something mapped (Linux replaces a table, ptcore refuses one that
 * holds leaves: such a map goes to ptcore only, which must refuse it
 * exactly where the model says it overlaps), and unmaps that would split a
 * leaf (6.12 splits, and loses the address of a split section; ptcore
 * never splits): every unmap here covers whole leaves, with no hole, and
 * goes to Linux cut into the calls iommu_unmap() would make. With 1M in
 * the page sizes those remove a level-2 table exactly when ptcore does;
 * without it, Linux keeps an emptied table ptcore frees, which the
 * comparison accepts (and counts) only there.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ptcore.h>

#include "peer_v7s.h"
#include "../difftest_rng.h"

#define SZ_4K		(1ULL << 12)
#define SZ_64K		(1ULL << 16)
#define SZ_1M		(1ULL << 20)
#define SZ_16M		(1ULL << 24)
#define ALL_SIZES	(SZ_4K | SZ_64K | SZ_1M | SZ_16M)
#define L1_ENTRIES	4096
#define L2_ENTRIES	256
#define TABLE_ADDR	0xfffffc00U
#define IS_TABLE(e)	(((e) & 3) == 1)

/* ptcore's tables: an arena of its own, phys from 2G (below 4G, apart from Linux's) */
#define PT_PHYS		0x80000000ULL
#define PT_ARENA	(256ULL << 20)

/* TTBR0 walk attributes (short descriptors): IRGN[1] 0, S 1, RGN 4:3, NOS 5, IRGN[0] 6 */
#define TTBR_ATTRS	0x7fU

struct run {
	const char *name;
	struct ptcore_table *t;
	struct peer_v7s *p;
	struct ptcore_hw_info hi;
	struct peer_v7s_info li;
	struct v7s_mem mem;		/* ptcore's tables */
	uint64_t bitmap, top, window, rng;
	unsigned int nsizes, sizes[4], l1_entries;
	bool incoherent, ns;
	bool tolerate;			/* Linux may keep an emptied level 2 ptcore freed */
	bool builtin;			/* ptcore's own allocator (cfg.ops NULL), not the arena */
	/* the model: per 4K page, lg2 of the leaf covering it (0: none); per leaf start, its PA */
	uint8_t *lg2;
	uint32_t *pa4k;
	/* leaf starts (4K page numbers), for a random pick; pos[page] = index + 1 */
	uint32_t *leaves, *pos;
	uint32_t nleaves;
	/* ptcore's callbacks; in_unmap: inside ptcore_unmap(), flushed: the sync has flushed */
	uint64_t flushes, table_flushes, bad_alloc, early_frees;
	bool in_unmap, flushed;
	/* counts */
	uint64_t maps, maps_refused, maps_bad, unmaps, unmapped, lookups, compares, entries;
	uint64_t unmaps_inside, unmaps_short;
	uint64_t l2_compared, empty_tolerated, walk_flushes, tables_replaced;
	unsigned long fails;
};

static uint64_t below(struct run *r, uint64_t n)
{
	return difftest_below(&r->rng, n);
}

#define FAIL(r, ...) do {						\
	if ((r)->fails++ < 10) {					\
		fprintf(stderr, "v7s %s: ", (r)->name);			\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

/* ---- ptcore's ops: its tables in the arena ---- */

static void *pt_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	struct run *r = cookie;
	void *va = v7s_mem_alloc(&r->mem, size);

	/* a 16K level 1, level 2s of 1K of entries in at most a 4K frame */
	if (size != 16384 && size != 1024 && size != 4096)
		r->bad_alloc++;
	if (va)
		*phys = v7s_mem_v2p(&r->mem, va);
	return va;
}

static void pt_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	struct run *r = cookie;

	if (v7s_mem_v2p(&r->mem, va) != phys)
		r->bad_alloc++;
	/* an unmap frees nothing; its sync frees only after the flush */
	if (r->in_unmap || !r->flushed)
		r->early_frees++;
	v7s_mem_free(&r->mem, va, size);
}

static void pt_sync(void *cookie, void *va, size_t len)
{
	v7s_mem_sync(&((struct run *)cookie)->mem, va, len);
}

static void pt_flush(void *cookie, const struct ptcore_gather *g)
{
	struct run *r = cookie;

	r->flushes++;
	r->flushed = true;
	if (g->flags & PTCORE_GATHER_TABLES)
		r->table_flushes++;
}

static const struct ptcore_ops pt_ops = {
	.alloc_table = pt_alloc,
	.free_table = pt_free,
	.sync_table = pt_sync,
	.iotlb_flush = pt_flush,
};

/* ---- the model ---- */

static void model_add(struct run *r, uint64_t iova, uint64_t size, uint64_t pa)
{
	uint64_t pg = iova >> 12, n = size >> 12, i;

	for (i = 0; i < n; i++)
		r->lg2[pg + i] = (uint8_t)__builtin_ctzll(size);
	r->pa4k[pg] = (uint32_t)(pa >> 12);
	r->leaves[r->nleaves++] = (uint32_t)pg;
	r->pos[pg] = r->nleaves;
}

static void model_del(struct run *r, uint64_t pg)
{
	uint32_t i = r->pos[pg] - 1, last = r->leaves[--r->nleaves];

	memset(&r->lg2[pg], 0, 1ULL << (r->lg2[pg] - 12));
	r->leaves[i] = last;
	r->pos[last] = i + 1;
	r->pos[pg] = 0;
}

static bool model_busy(const struct run *r, uint64_t iova, uint64_t len)
{
	uint64_t pg;

	for (pg = iova >> 12; pg < (iova + len) >> 12; pg++)
		if (r->lg2[pg])
			return true;
	return false;
}

/* ---- the trees, entry by entry ---- */

/* Every byte a walker reads, synced? (Incoherent walks only.) */
static void check_device_view(struct run *r, struct v7s_mem *m, const void *table, size_t bytes,
			      const char *who, uint64_t iova)
{
	size_t stale = v7s_mem_stale(m, table, bytes);

	if (stale)
		FAIL(r, "%s: %zu bytes of the table at iova %#" PRIx64 " not synced", who, stale,
		     iova);
}

/* ptcore's table at @pa: from the arena, NULL when no live block is there */
static const uint32_t *pt_table(const struct run *r, uint64_t pa)
{
	if (r->builtin)
		return ptcore_phys_to_virt(r->t, pa);
	return v7s_mem_p2v(&r->mem, pa);
}

static bool l2_empty(const uint32_t *t)
{
	unsigned int i;

	for (i = 0; i < L2_ENTRIES; i++)
		if (t[i])
			return false;
	return true;
}

static void compare(struct run *r)
{
	struct v7s_mem *lm = peer_v7s_mem();
	const uint32_t *a = pt_table(r, r->hi.root[0]);
	const uint32_t *b = v7s_mem_p2v(lm, r->li.ttbr & ~TTBR_ATTRS);
	unsigned int i, j;

	r->compares++;
	if (!a || !b) {
		FAIL(r, "no level 1: ptcore root %#" PRIx64 ", Linux TTBR %#x", r->hi.root[0],
		     r->li.ttbr);
		return;
	}
	if (r->incoherent) {
		check_device_view(r, &r->mem, a, L1_ENTRIES * 4, "ptcore", 0);
		check_device_view(r, lm, b, r->l1_entries * 4, "Linux", 0);
	}
	for (i = 0; i < L1_ENTRIES; i++) {
		uint32_t x = a[i], y = i < r->l1_entries ? b[i] : 0;
		uint64_t at = (uint64_t)i << 20;
		const uint32_t *ta, *tb;

		r->entries++;
		if (IS_TABLE(x) && IS_TABLE(y)) {
			if ((x & ~TABLE_ADDR) != (y & ~TABLE_ADDR)) {
				FAIL(r, "level-1 table entry at iova %#" PRIx64
				     ": %#x, Linux %#x", at, x, y);
				continue;
			}
			ta = pt_table(r, x & TABLE_ADDR);
			tb = v7s_mem_p2v(lm, y & TABLE_ADDR);
			if (!ta || !tb) {
				FAIL(r, "level-1 entry at iova %#" PRIx64
				     " points to no table: %#x, Linux %#x", at, x, y);
				continue;
			}
			if (r->incoherent) {
				check_device_view(r, &r->mem, ta, L2_ENTRIES * 4, "ptcore", at);
				check_device_view(r, lm, tb, L2_ENTRIES * 4, "Linux", at);
			}
			r->l2_compared++;
			for (j = 0; j < L2_ENTRIES; j++) {
				r->entries++;
				if (ta[j] != tb[j])
					FAIL(r, "level-2 entry at iova %#" PRIx64
					     ": %#x, Linux %#x", at + ((uint64_t)j << 12),
					     ta[j], tb[j]);
			}
			continue;
		}
		/*
		 * Without 1M pages, iommu_unmap() never hands Linux a whole
		 * table: it empties a level 2 that ptcore removes; with
		 * PTCORE_FEAT_FREE_EMPTY_TABLES ptcore frees every table an
		 * unmap empties, Linux none but those it is handed whole.
		 */
		if (!x && IS_TABLE(y) && r->tolerate) {
			tb = v7s_mem_p2v(lm, y & TABLE_ADDR);
			if (tb && l2_empty(tb)) {
				r->empty_tolerated++;
				continue;
			}
		}
		if (x != y)
			FAIL(r, "level-1 entry at iova %#" PRIx64 ": %#x, Linux %#x", at, x, y);
	}
	if (r->mem.early || lm->early)
		FAIL(r, "table entries synced before their tables: ptcore %" PRIu64 ", Linux %"
		     PRIu64, r->mem.early, lm->early);
	if (r->mem.bad_sync || r->mem.bad_free || r->bad_alloc || r->early_frees)
		FAIL(r, "ptcore's table memory: %" PRIu64 " syncs outside tables, %" PRIu64
		     " bad frees, %" PRIu64 " odd blocks, %" PRIu64 " freed before the flush",
		     r->mem.bad_sync, r->mem.bad_free, r->bad_alloc, r->early_frees);
}

/* ---- operations ---- */

/* Mostly in the lowest window of the space, else in the highest; aligned to @size. */
static uint64_t pick_iova(struct run *r, uint64_t size)
{
	uint64_t window = r->window < size ? size : r->window;
	uint64_t iova = below(r, window / size) * size;

	return below(r, 4) ? iova : ((r->top - window) & ~(size - 1)) + iova;
}

static uint32_t pick_prot(struct run *r)
{
	uint32_t prot = (uint32_t)below(r, 64);

	/* one in 64 has neither READ nor WRITE: both refuse it */
	if (!(prot & 3) && below(r, 8))
		prot |= 1 + (uint32_t)below(r, 3);
	return prot;
}

static void op_map(struct run *r)
{
	uint64_t size = 1ULL << r->sizes[below(r, r->nsizes)], count = 1 + below(r, 4);
	uint64_t iova = pick_iova(r, size), pa, done = 0, pdone = 0, k, flushes = r->table_flushes;
	uint32_t prot = pick_prot(r);
	struct peer_v7s_stats before, after;
	int ret, pret;

	/* now and then, 4K pages up to the end of their 1M, often all of it: a whole level 2 */
	if (size == SZ_4K && !below(r, 4)) {
		if (below(r, 2))
			iova &= ~(SZ_1M - 1);
		count = (SZ_1M - (iova & (SZ_1M - 1))) / SZ_4K;
	}
	if (iova + count * size > r->top)
		count = (r->top - iova) / size;
	pa = (1 + below(r, ((1ULL << 32) - count * size) / size - 1)) * size;
	r->maps++;
	ret = ptcore_map_pages(r->t, iova, pa, size, count, prot, 0, &done);
	if (!(prot & 3)) {
		/* refused by both, before anything is written */
		pret = peer_v7s_map(r->p, iova, pa, size, count, prot, &pdone);
		r->maps_bad++;
		if (ret != -EINVAL || pret != -EINVAL || done || pdone)
			FAIL(r, "map with prot %#x: ptcore %d (%#" PRIx64 "), Linux %d (%#"
			     PRIx64 ")", prot, ret, done, pret, pdone);
		return;
	}
	if (ret && ret != -EADDRINUSE)
		FAIL(r, "ptcore map %#" PRIx64 " size %#" PRIx64 " x %" PRIu64 ": %d", iova, size,
		     count, ret);
	/* ptcore must stop exactly at the first leaf the model has in the way */
	for (k = 0; k < count && !model_busy(r, iova + k * size, size); k++)
		;
	if (done != k * size || (ret == -EADDRINUSE) != (k < count))
		FAIL(r, "ptcore map %#" PRIx64 " size %#" PRIx64 " x %" PRIu64 ": %d after %#"
		     PRIx64 ", the model has the first overlap at leaf %" PRIu64, iova, size,
		     count, ret, done, k);
	if (ret)
		r->maps_refused++;
	if (!done)
		return;
	peer_v7s_stats(r->p, &before);
	pret = peer_v7s_map(r->p, iova, pa, size, done / size, prot, &pdone);
	peer_v7s_stats(r->p, &after);
	if (pret || pdone != done)
		FAIL(r, "Linux map %#" PRIx64 " size %#" PRIx64 " x %" PRIu64 ": %d, %#" PRIx64,
		     iova, size, done / size, pret, pdone);
	/* a leaf that replaced an (empty) table: ptcore flushed the walk caches, so did Linux */
	if (r->table_flushes != flushes && after.tlb_flush_walk == before.tlb_flush_walk)
		FAIL(r, "map %#" PRIx64 " size %#" PRIx64 ": ptcore flushed a replaced table, Linux"
		     " freed none", iova, size);
	r->tables_replaced += r->table_flushes != flushes;
	for (k = 0; k < done / size; k++)
		model_add(r, iova + k * size, size, pa + k * size);
}

/*
 * An unmap both treat alike: from the first byte of a random leaf (or of
 * its 1M, when the leaves before it reach back there without a hole), over
 * the leaves that follow it without a hole, up to a random count of them
 * or to the next 1M or 16M boundary.
 */
static void op_unmap(struct run *r)
{
	uint64_t pg = r->leaves[below(r, r->nleaves)], iova = pg << 12, end = iova, len;
	uint64_t want = 1 + below(r, 8), goal = 0, n = 0, done = 0, pdone, walks, c = below(r, 4);
	struct ptcore_gather g;
	bool mixed = false;
	uint64_t last, at, sizes = 0;
	int ret;

	/* now and then, an unmap from inside a leaf: ptcore refuses it, touching nothing */
	if (r->lg2[pg] > 12 && !below(r, 16)) {
		uint64_t in = iova + SZ_4K * (1 + below(r, (1ULL << (r->lg2[pg] - 12)) - 1));
		/* (not past the top of the space: that is -ERANGE, checked first) */
		uint64_t l = in + SZ_4K < r->top ? SZ_4K << below(r, 2) : SZ_4K;

		r->unmaps_inside++;
		ptcore_gather_init(&g);
		ret = ptcore_unmap(r->t, in, l, &g, &done);
		if (ret != -EINVAL || done || g.start != UINT64_MAX || g.nr_tables)
			FAIL(r, "unmap from %#" PRIx64 ", inside the leaf at %#" PRIx64 ": %d, %#"
			     PRIx64 " unmapped", in, iova, ret, done);
		return;
	}

	if (c < 2 && below(r, 2)) {
		uint64_t from = iova & ~(SZ_1M - 1);

		for (at = from; at < iova && r->lg2[at >> 12]; at += SZ_4K)
			;
		/* (leaves are aligned: a 16M one would cover @iova too) */
		if (at == iova)
			iova = end = from;
	}
	if (c == 0)
		goal = (iova | (SZ_1M - 1)) + 1;
	else if (c == 1)
		goal = (iova | (SZ_16M - 1)) + 1;
	while (end < r->top && r->lg2[end >> 12]) {
		if (r->lg2[end >> 12] != r->lg2[iova >> 12])
			mixed = true;
		end += 1ULL << r->lg2[end >> 12];
		n++;
		if (goal ? end >= goal : n >= want)
			break;
	}
	len = end - iova;
	last = 1ULL << r->lg2[(end - 1) >> 12];
	for (at = iova; at < end; at += 1ULL << r->lg2[at >> 12])
		sizes |= 1ULL << r->lg2[at >> 12];
	r->unmaps++;
	ptcore_gather_init(&g);
	r->in_unmap = true;
	/* leaves of one size: half of the time as the kernel calls it, by pages */
	if (!mixed && below(r, 2)) {
		done = ptcore_unmap_pages(r->t, iova, 1ULL << r->lg2[iova >> 12], n, &g);
		ret = 0;
	} else if (last >= SZ_1M && below(r, 2)) {
		/*
		 * A range that ends inside a section or supersection: ptcore
		 * removes and counts it whole, as Linux does with all of it.
		 */
		r->unmaps_short++;
		ret = ptcore_unmap(r->t, iova, len - SZ_4K * (1 + below(r, last / SZ_4K - 1)), &g,
				   &done);
	} else {
		ret = ptcore_unmap(r->t, iova, len, &g, &done);
	}
	r->in_unmap = false;
	pdone = peer_v7s_unmap(r->p, iova, len, &walks);
	if (g.pgsize != sizes)
		FAIL(r, "unmap %#" PRIx64 " len %#" PRIx64 ": the gather's sizes %#" PRIx64
		     ", the leaves' %#" PRIx64, iova, len, g.pgsize, sizes);
	if (ret || done != len || pdone != len)
		FAIL(r, "unmap %#" PRIx64 " len %#" PRIx64 " (%" PRIu64 " leaves): ptcore %d, %#"
		     PRIx64 ", Linux %#" PRIx64, iova, len, n, ret, done, pdone);
	if (done && (g.start > iova || g.end < iova + len - 1))
		FAIL(r, "unmap %#" PRIx64 " len %#" PRIx64 ": the gather holds %#" PRIx64 "..%#"
		     PRIx64, iova, len, g.start, g.end);
	/*
	 * Linux freed a table: ptcore removed it too and must have the walk
	 * caches flushed. (Not the converse: ptcore also flags the table a
	 * map replaced, which Linux freed at the map.)
	 */
	if (walks && !(g.flags & PTCORE_GATHER_TABLES))
		FAIL(r, "unmap %#" PRIx64 " len %#" PRIx64 ": Linux flushed %" PRIu64 " walks,"
		     " ptcore's gather flags %#x", iova, len, walks, g.flags);
	r->walk_flushes += walks;
	r->flushed = false;
	ptcore_iotlb_sync(r->t, &g);
	r->flushed = true;
	r->unmapped += done;
	for (end = iova; end < iova + len; ) {
		uint64_t size = 1ULL << r->lg2[end >> 12];

		model_del(r, end >> 12);
		end += size;
	}
}

static void op_lookup(struct run *r)
{
	uint64_t iova, phys = 0, lphys, want = 0, pg;
	int ret;

	if (r->nleaves && below(r, 2)) {
		pg = r->leaves[below(r, r->nleaves)];
		iova = (pg << 12) + below(r, 1ULL << r->lg2[pg]);
	} else {
		iova = pick_iova(r, SZ_4K) + below(r, SZ_4K);
	}
	pg = iova >> 12;
	if (r->lg2[pg]) {
		uint64_t start = pg & ~((1ULL << (r->lg2[pg] - 12)) - 1);

		want = ((uint64_t)r->pa4k[start] << 12) + (iova - (start << 12));
	}
	r->lookups++;
	ret = ptcore_iova_to_phys(r->t, iova, &phys);
	lphys = peer_v7s_iova_to_phys(r->p, iova);
	if ((ret ? 0 : phys) != lphys || (ret && ret != -ENOENT) || lphys != want)
		FAIL(r, "iova_to_phys(%#" PRIx64 "): ptcore %d %#" PRIx64 ", Linux %#" PRIx64
		     ", the model %#" PRIx64, iova, ret, phys, lphys, want);
}

/* ---- one configuration ---- */

static void check_hw_info(struct run *r)
{
	const struct ptcore_hw_info *h = &r->hi;
	const struct peer_v7s_info *l = &r->li;
	/* the TTBR attributes that hw_info spells: S and NOS in arm_sh, the RGNs */
	uint32_t attrs = (h->arm_sh & 1 ? 1U << 1 : 0) | (h->arm_sh & 2 ? 1U << 5 : 0) |
			 ((uint32_t)(h->arm_irgn & 1) << 6) | ((uint32_t)(h->arm_irgn >> 1) & 1) |
			 ((uint32_t)(h->arm_orgn & 3) << 3);
	uint64_t mair = ((uint64_t)l->nmrr << 32) | l->prrr;

	if (h->format != PTCORE_FMT_ARM_V7S || h->levels != 2 || h->granule_lg2 != 12 ||
	    h->n_roots != 1 || h->start_level || h->ias != l->ias || h->oas != l->oas ||
	    h->pgsize_bitmap != l->pgsize_bitmap)
		FAIL(r, "hw_info: format %u levels %u granule %u roots %u ias %u (Linux %u) oas %u"
		     " (%u) sizes %#" PRIx64 " (%#" PRIx64 ")", h->format, h->levels,
		     h->granule_lg2, h->n_roots, h->ias, l->ias, h->oas, l->oas, h->pgsize_bitmap,
		     l->pgsize_bitmap);
	if (h->root[0] >= (1ULL << 32) || (h->root[0] & 0x3fff) ||
	    (!r->builtin && v7s_mem_block(&r->mem, v7s_mem_p2v(&r->mem, h->root[0])) != 16384))
		FAIL(r, "hw_info.root[0] %#" PRIx64 " is not a 16K-aligned 16K level 1 below 4G",
		     h->root[0]);
	/* TTBCR: Linux's is 0 (N = 0: TTBR0 for everything), which arm_tsz 0 says */
	if (attrs != (l->ttbr & TTBR_ATTRS) || h->arm_mair != mair || l->tcr || h->arm_tsz)
		FAIL(r, "hw_info: TTBR attributes %#x (sh %u irgn %u orgn %u), Linux %#x; mair %#"
		     PRIx64 ", Linux NMRR:PRRR %#" PRIx64 "; Linux TTBCR %#x", attrs, h->arm_sh,
		     h->arm_irgn, h->arm_orgn, l->ttbr & TTBR_ATTRS, h->arm_mair, mair, l->tcr);
}

static int run_config(uint64_t bitmap, unsigned int ias, bool incoherent, bool ns,
		      bool free_empty, bool builtin, uint64_t ops, uint64_t seed, struct run *tot)
{
	struct ptcore_cfg cfg = {
		.format = PTCORE_FMT_ARM_V7S, .pgsize_bitmap = bitmap, .ias = (uint8_t)ias,
		.oas = 32, .granule_lg2 = 12, .ops = &pt_ops,
		.features = (incoherent ? PTCORE_FEAT_DMA_INCOHERENT : 0) |
			    (ns ? PTCORE_FEAT_ARM_NS : 0) |
			    (free_empty ? PTCORE_FEAT_FREE_EMPTY_TABLES : 0),
	};
	struct run *r = calloc(1, sizeof(*r));
	uint64_t lsyncs = peer_v7s_mem()->syncs, i, pages, pg;
	char name[96];
	unsigned int lg2;
	int ret;

	if (!r)
		abort();
	struct ptcore_mem_stats ms0, ms1;

	snprintf(name, sizeof(name), "sizes %#" PRIx64 " ias %u %s%s%s%s", bitmap, ias,
		 incoherent ? "incoherent" : "coherent", ns ? " NS" : "",
		 free_empty ? " free-empty" : "", builtin ? " builtin" : "");
	r->name = name;
	r->bitmap = bitmap;
	r->tolerate = !(bitmap & SZ_1M) || free_empty;
	r->builtin = builtin;
	r->flushed = true;		/* frees outside a sync (destroy) are fine */
	r->incoherent = incoherent;
	r->ns = ns;
	r->rng = seed * 7919 + bitmap * 31 + ias * 131 + incoherent * 17 + ns + free_empty * 3 +
		 builtin * 5;
	r->top = 1ULL << ias;
	r->window = r->top / 4 < (64ULL << 20) ? r->top / 4 : 64ULL << 20;
	r->l1_entries = 1U << (ias - 20);
	for (lg2 = 12; lg2 <= 24; lg2++)
		if ((bitmap >> lg2) & 1)
			r->sizes[r->nsizes++] = lg2;
	pages = r->top >> 12;
	r->lg2 = calloc(pages, 1);
	r->pa4k = calloc(pages, sizeof(*r->pa4k));
	r->pos = calloc(pages, sizeof(*r->pos));
	r->leaves = calloc(pages, sizeof(*r->leaves));
	if (!r->lg2 || !r->pa4k || !r->pos || !r->leaves)
		abort();
	v7s_mem_init(&r->mem, PT_PHYS, PT_ARENA);
	cfg.cookie = r;
	if (builtin)
		cfg.ops = NULL;		/* (a coherent walk only: incoherent needs sync_table) */
	ptcore_mem_stats(&ms0);

	ret = ptcore_table_create(&cfg, &r->t);
	if (ret) {
		FAIL(r, "ptcore_table_create: %d", ret);
		goto out;
	}
	ptcore_hw_info(r->t, &r->hi);
	if (!builtin)
		v7s_mem_set_l1(&r->mem, v7s_mem_p2v(&r->mem, r->hi.root[0]));
	r->p = peer_v7s_create(bitmap, ias, 32, (incoherent ? PEER_V7S_INCOHERENT : 0) |
			       (ns ? PEER_V7S_NS : 0));
	if (!r->p) {
		FAIL(r, "alloc_io_pgtable_ops refused it");
		goto out;
	}
	peer_v7s_info(r->p, &r->li);
	check_hw_info(r);
	compare(r);
	for (i = 0; i < ops && !r->fails; i++) {
		uint64_t c = below(r, 100);

		if (c < 50 || !r->nleaves)
			op_map(r);
		else if (c < 80)
			op_unmap(r);
		else
			op_lookup(r);
		if (i % 256 == 255)
			compare(r);
	}
	compare(r);
	/* a coherent walk syncs nothing, on either side */
	if (!incoherent && (r->mem.syncs || peer_v7s_mem()->syncs != lsyncs))
		FAIL(r, "coherent walk synced: ptcore %" PRIu64 " times, Linux %" PRIu64,
		     r->mem.syncs, peer_v7s_mem()->syncs - lsyncs);
	if (incoherent && (!r->mem.syncs || peer_v7s_mem()->syncs == lsyncs))
		FAIL(r, "incoherent walk never synced");
	/* unmap what is left, then both must hold only their level 1 */
	while (r->nleaves && !r->fails) {
		pg = r->leaves[0];
		{
			struct ptcore_gather g;
			uint64_t size = 1ULL << r->lg2[pg], done = 0, pdone;

			ptcore_gather_init(&g);
			r->in_unmap = true;
			ret = ptcore_unmap(r->t, pg << 12, size, &g, &done);
			r->in_unmap = false;
			r->flushed = false;
			ptcore_iotlb_sync(r->t, &g);
			r->flushed = true;
			pdone = peer_v7s_unmap(r->p, pg << 12, size, NULL);
			if (ret || done != size || pdone != size)
				FAIL(r, "final unmap %#" PRIx64 ": ptcore %d %#" PRIx64 ", Linux %#"
				     PRIx64, pg << 12, ret, done, pdone);
			model_del(r, pg);
		}
	}
	compare(r);
out:
	printf("v7s %-36s %" PRIu64 " maps (%" PRIu64 " refused, %" PRIu64 " bad prot, %"
	       PRIu64 " over a table), %" PRIu64 " unmaps (%" PRIu64 " MiB, %" PRIu64
	       " tables, %" PRIu64 " ending inside a leaf, %" PRIu64 " refused from inside one), %"
	       PRIu64 " lookups, %" PRIu64 " compares of %" PRIu64 " entries (%"
	       PRIu64 " level 2s, %" PRIu64 " emptied Linux tables), %" PRIu64 "/%" PRIu64
	       " syncs: %s\n", name, r->maps, r->maps_refused, r->maps_bad, r->tables_replaced,
	       r->unmaps, r->unmapped >> 20, r->walk_flushes, r->unmaps_short, r->unmaps_inside,
	       r->lookups, r->compares, r->entries,
	       r->l2_compared, r->empty_tolerated, r->mem.syncs, peer_v7s_mem()->syncs - lsyncs,
	       r->fails ? "FAILED" : "ok");
	ptcore_table_destroy(r->t);
	peer_v7s_destroy(r->p);
	ptcore_mem_stats(&ms1);
	if (ms1.tables_live != ms0.tables_live)
		FAIL(r, "ptcore's built-in allocator holds %" PRIu64 " blocks more than before",
		     ms1.tables_live - ms0.tables_live);
	if (r->mem.live || r->mem.bad_free)
		FAIL(r, "ptcore left %" PRIu64 " table blocks (%" PRIu64 " bad frees)", r->mem.live,
		     r->mem.bad_free);
	tot->maps += r->maps;
	tot->unmaps += r->unmaps;
	tot->lookups += r->lookups;
	tot->compares += r->compares;
	tot->entries += r->entries;
	tot->empty_tolerated += r->empty_tolerated;
	ret = r->fails ? 1 : 0;
	v7s_mem_fini(&r->mem);
	free(r->lg2);
	free(r->pa4k);
	free(r->pos);
	free(r->leaves);
	free(r);
	return ret;
}

int main(int argc, char **argv)
{
	static const uint64_t bitmaps[] = {
		ALL_SIZES, SZ_4K, SZ_4K | SZ_64K, SZ_4K | SZ_1M, SZ_4K | SZ_16M,
		SZ_4K | SZ_64K | SZ_1M,
	};
	uint64_t ops = 10000, seed = 1;
	struct run tot = { 0 };
	unsigned int b, k, failed = 0, configs = 0;
	int c;

	for (c = 1; c < argc; c++) {
		if (!strcmp(argv[c], "-n") && c + 1 < argc)
			ops = strtoull(argv[++c], NULL, 0);
		else if (!strcmp(argv[c], "-s") && c + 1 < argc)
			seed = strtoull(argv[++c], NULL, 0);
		else {
			fprintf(stderr, "usage: %s [-n ops per configuration] [-s seed]\n",
				argv[0]);
			return 2;
		}
	}
	/* every size subset, with a coherent and an incoherent walk, with and without NS */
	for (b = 0; b < sizeof(bitmaps) / sizeof(bitmaps[0]); b++)
		for (k = 0; k < 4; k++, configs++)
			failed += run_config(bitmaps[b], 32, k & 1, k & 2, false, false, ops,
					     seed, &tot);
	/* a smaller input space: Linux's level 1 shrinks, ptcore's stays 16K */
	for (k = 0; k < 2; k++, configs++)
		failed += run_config(ALL_SIZES, 30, k & 1, false, false, false, ops, seed, &tot);
	failed += run_config(ALL_SIZES, 25, false, true, false, false, ops, seed, &tot);
	configs++;
	/* ptcore freeing every table its unmaps empty */
	for (k = 0; k < 2; k++, configs++)
		failed += run_config(ALL_SIZES, 32, k & 1, false, true, false, ops, seed, &tot);
	/* ptcore's own allocator (cfg.ops NULL): its tables below 4G, nothing left after */
	for (k = 0; k < 2; k++, configs++)
		failed += run_config(ALL_SIZES, 32, false, k & 1, k & 1, true, ops, seed, &tot);
	if (peer_v7s_warnings()) {
		fprintf(stderr, "v7s: Linux warned %" PRIu64 " times\n", peer_v7s_warnings());
		failed++;
	}
	if (peer_v7s_mem()->live || peer_v7s_kmalloc_live() || peer_v7s_caches_live()) {
		fprintf(stderr, "v7s: Linux leaked %" PRIu64 " tables, %" PRIu64 " objects, %"
			PRIu64 " caches\n", peer_v7s_mem()->live, peer_v7s_kmalloc_live(),
			peer_v7s_caches_live());
		failed++;
	}
	printf("v7s difftest: %u configurations, %" PRIu64 " maps, %" PRIu64 " unmaps, %" PRIu64
	       " lookups, %" PRIu64 " tree compares (%" PRIu64 " entries, %" PRIu64
	       " emptied Linux tables accepted): %s\n", configs, tot.maps, tot.unmaps,
	       tot.lookups, tot.compares, tot.entries, tot.empty_tolerated,
	       failed ? "FAILED" : "ok");
	return failed ? 1 : 0;
}
