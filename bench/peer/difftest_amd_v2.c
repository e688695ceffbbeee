// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Differential test: ptcore's PTCORE_FMT_X86_64 against Linux 6.12's AMD
 * IOMMU v2 table (drivers/iommu/amd/io_pgtable_v2.c, bench/peer/peer_amd_v2.c),
 * side by side, bit for bit.
 *
 * For 4 and 5 levels (ptcore ias 48 and 57, oas 52): hw_info against the
 * v2 table's io_pgtable_cfg and driver fields (page sizes, oas, level
 * count = hw_info.mode, root), then thousands of random operations of mixed
 * page sizes: maps, exact unmaps of runs of leaves, unmaps that start at a
 * leaf and end inside it (both remove the whole leaf and count it whole),
 * unmaps that run into a hole (both stop there, after the same bytes),
 * overlapping-map probes (ptcore alone: -EADDRINUSE), and lookups. After
 * every step both trees must hold identical entries at every level, walked
 * from their roots through raw table memory (table entries compared without
 * their address, then followed), and iova_to_phys() of both must agree with
 * an interval oracle.
 *
 * Known, intended differences that the comparison tolerates, and only those:
 *   - a table that holds no leaf on the peer's side where ptcore has no
 *     entry: ptcore frees tables an unmap covers wholly, v2 never does;
 *   - cfg.ias: v2 reports 52 for 4 levels (IOMMU_IN_ADDR_BIT_SIZE), although
 *     the walk translates 48 bits; ptcore reports the 48 its walk covers;
 *   - v2 overwrites present leaves on map and removes a leaf that an unmap
 *     starts inside; ptcore refuses both (-EADDRINUSE, -EINVAL), so those
 *     operations go to ptcore alone and are checked there;
 *   - an unmap that runs into a hole: ptcore stops there with -EINVAL; v2
 *     stops only where a table is missing, and counts the empty 4K entries
 *     of a present page table as unmapped (its fetch_pte() does not check
 *     the last level's present bit), so the peer unmaps only up to the hole.
 * The SME C-bit (sme_me_mask) stays 0: ptcore has no C-bit of its own.
 *
 * Exit status 0 only when every configuration passed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptcore.h"
#include "peer.h"
#include "peer_amd_v2.h"
#include "difftest_rng.h"

#define MAX_MAPS	128
#define SZ_4K		0x1000ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL

struct mapping {
	uint64_t iova, pa, size;	/* one leaf */
	uint32_t prot;
};

struct state {
	unsigned int levels;
	struct ptcore_table *t;
	struct peer_amdv2 *p;
	struct ptcore_ops ops;
	uint64_t flushes;		/* ptcore's iotlb_flush calls */
	struct mapping m[MAX_MAPS];
	unsigned int n;
	uint64_t rng;
	/* counts */
	uint64_t ops_map, ops_unmap, ops_partial, ops_hole, ops_probe, lookups, entries;
	uint64_t by_size[3];
	int failed;
};

static uint64_t below(struct state *s, uint64_t n)
{
	return difftest_below(&s->rng, n);
}

static void fail(struct state *s, const char *what, uint64_t a, uint64_t b, uint64_t c)
{
	if (s->failed++ < 10)
		fprintf(stderr, "difftest-amd-v2 %u levels: %s (%#" PRIx64 ", %#" PRIx64 ", %#"
			PRIx64 ")\n", s->levels, what, a, b, c);
}

static void count_flush(void *cookie, const struct ptcore_gather *g)
{
	struct state *s = cookie;

	s->flushes++;
}

/* ---- the trees ---- */

#define X86_P		1ULL
#define X86_PS		(1ULL << 7)
#define X86_ADDR	0x000ffffffffff000ULL

/* True when no present leaf lies below the peer's table @pa at @level (0 = PT). */
static int peer_empty(struct state *s, uint64_t pa, unsigned int level)
{
	const uint64_t *tbl = ptcore_phys_to_virt(s->t, pa);
	unsigned int i;

	for (i = 0; i < 512; i++) {
		uint64_t e = tbl[i];

		if (!(e & X86_P))
			continue;
		if (!level || (e & X86_PS) || !peer_empty(s, e & X86_ADDR, level - 1))
			return 0;
	}
	return 1;
}

static void compare(struct state *s, uint64_t pa_c, uint64_t pa_p, unsigned int level,
		    uint64_t iova)
{
	const uint64_t *c = ptcore_phys_to_virt(s->t, pa_c), *p = ptcore_phys_to_virt(s->t, pa_p);
	unsigned int i, shift = 12 + 9 * level;

	for (i = 0; i < 512; i++) {
		uint64_t ec = c[i], ep = p[i], at = iova + ((uint64_t)i << shift);
		int tc = level && (ec & X86_P) && !(ec & X86_PS);
		int tp = level && (ep & X86_P) && !(ep & X86_PS);

		s->entries++;
		if (tc && tp) {
			if ((ec & ~X86_ADDR) != (ep & ~X86_ADDR))
				fail(s, "table entries differ", at, ec, ep);
			else
				compare(s, ec & X86_ADDR, ep & X86_ADDR, level - 1, at);
		} else if (!ec && tp) {
			if (!peer_empty(s, ep & X86_ADDR, level - 1))
				fail(s, "ptcore has no entry where the peer has leaves", at, ec, ep);
		} else if (tc && !ep) {
			fail(s, "ptcore has a table where the peer has nothing", at, ec, ep);
		} else if (ec != ep) {
			fail(s, "entries differ (ptcore, peer)", at, ec, ep);
		}
	}
}

static void compare_all(struct state *s)
{
	struct ptcore_hw_info hi;
	struct peer_amdv2_info pi;

	ptcore_hw_info(s->t, &hi);
	peer_amdv2_info(s->p, &pi);
	compare(s, hi.root[0], pi.root, s->levels - 1, 0);
}

/* ---- the oracle ---- */

static const struct mapping *find(const struct state *s, uint64_t iova)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (iova >= s->m[i].iova && iova - s->m[i].iova < s->m[i].size)
			return &s->m[i];
	return NULL;
}

static int overlaps(const struct state *s, uint64_t iova, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (iova < s->m[i].iova + s->m[i].size && s->m[i].iova < iova + len)
			return 1;
	return 0;
}

static void forget(struct state *s, uint64_t iova)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->m[i].iova == iova) {
			s->m[i] = s->m[--s->n];
			return;
		}
}

static void lookup(struct state *s, uint64_t iova)
{
	const struct mapping *m = find(s, iova);
	uint64_t want = m ? m->pa + (iova - m->iova) : 0, phys = 0, pp;
	int ret = ptcore_iova_to_phys(s->t, iova, &phys);

	pp = peer_amdv2_iova_to_phys(s->p, iova);
	s->lookups++;
	if (m ? (ret || phys != want) : ret != -ENOENT)
		fail(s, "ptcore iova_to_phys", iova, phys, want);
	if (pp != want)
		fail(s, "peer iova_to_phys", iova, pp, want);
}

/* ---- operations ---- */

static const uint64_t sizes[3] = { SZ_4K, SZ_2M, SZ_1G };

static void op_map(struct state *s, uint64_t window)
{
	unsigned int si = (unsigned int)below(s, 10);
	uint64_t sz = sizes[si < 6 ? 0 : si < 9 ? 1 : 2], count = 1 + below(s, si < 6 ? 16 : 3);
	uint64_t iova = below(s, window / sz) * sz, pa = below(s, (1ULL << 52) / sz) * sz;
	uint32_t prot = (uint32_t)(1 + below(s, 3)) | (uint32_t)(below(s, 4) << 2);
	uint64_t done = 0, pdone = 0, f0 = s->flushes, pf0, k;
	struct peer_amdv2_info pi;
	int ret, pret;

	if (below(s, 4) == 0)
		iova = (1ULL << (12 + 9 * s->levels)) - window + iova;
	if (iova + count * sz > (1ULL << (12 + 9 * s->levels)))
		count = 1;
	if (s->n + count > MAX_MAPS)
		return;
	if (overlaps(s, iova, sz * count)) {
		/* v2 would overwrite: ptcore alone, which refuses and writes nothing it did not map */
		ret = ptcore_map_pages(s->t, iova, pa, sz, count, prot, 0, &done);
		s->ops_probe++;
		if (ret != -EADDRINUSE)
			fail(s, "overlapping map not refused", iova, sz, (uint64_t)ret);
		if (done)
			ptcore_unmap_pages(s->t, iova, sz, done / sz, &(struct ptcore_gather){
				.start = UINT64_MAX });
		return;
	}
	peer_amdv2_info(s->p, &pi);
	pf0 = pi.flushes;
	ret = ptcore_map_pages(s->t, iova, pa, sz, count, prot, 0, &done);
	pret = peer_amdv2_map(s->p, iova, pa, sz, count, prot, &pdone);
	if (ret || pret || done != sz * count || pdone != done)
		fail(s, "map", iova, (uint64_t)ret, (uint64_t)pret);
	/*
	 * A map that replaced an empty table flushed on both sides (the peer
	 * also where ptcore had freed that table at the unmap that emptied it).
	 */
	peer_amdv2_info(s->p, &pi);
	if (s->flushes != f0 && pi.flushes == pf0)
		fail(s, "flush on map differs (peer, ptcore)", iova, pi.flushes - pf0,
		     s->flushes - f0);
	for (k = 0; k < count; k++)
		s->m[s->n++] = (struct mapping){ iova + k * sz, pa + k * sz, sz, prot };
	s->ops_map++;
	s->by_size[sz == SZ_4K ? 0 : sz == SZ_2M ? 1 : 2] += count;
}

/* Unmap from a mapped leaf: exactly, short of its end, or past it into a possible hole. */
static void op_unmap(struct state *s)
{
	const struct mapping *m = &s->m[below(s, s->n)];
	uint64_t iova = m->iova, sz = m->size, len, want = 0, at, unmapped = 0, pun;
	unsigned int kind = (unsigned int)below(s, 4);
	const struct mapping *x;
	struct ptcore_gather g;
	int ret;

	len = kind == 0 && sz > SZ_4K ? SZ_4K : sz * (1 + below(s, 4));
	if (iova + len > (1ULL << (12 + 9 * s->levels)))
		len = sz;
	/* what both must remove: whole leaves from iova on, up to a hole */
	for (at = iova; at < iova + len; at = x->iova + x->size) {
		x = find(s, at);
		if (!x)
			break;
		want += x->size;
	}
	ptcore_gather_init(&g);
	ret = ptcore_unmap(s->t, iova, len, &g, &unmapped);
	ptcore_iotlb_sync(s->t, &g);
	/*
	 * As iommu_unmap() splits it: 4K pages (v2 removes whole leaves
	 * anyway). A range with a hole goes to the peer only up to the hole.
	 */
	pun = peer_amdv2_unmap(s->p, iova, SZ_4K, (at < iova + len ? want : len) / SZ_4K);
	if (unmapped != want || pun != want)
		fail(s, "unmapped bytes (ptcore, peer, oracle)", unmapped, pun, want);
	if (ret != (at < iova + len ? -EINVAL : 0))
		fail(s, "unmap return", iova, len, (uint64_t)ret);
	if (at < iova + len)
		s->ops_hole++;
	else if (kind == 0 && sz > SZ_4K)
		s->ops_partial++;
	for (at = iova; at < iova + want;) {
		x = find(s, at);
		at = x->iova + x->size;
		forget(s, x->iova);
	}
	s->ops_unmap++;
}

/* Unmaps that start inside a leaf: ptcore alone (v2 would remove the leaf). */
static void op_inside(struct state *s)
{
	const struct mapping *m = &s->m[below(s, s->n)];
	struct ptcore_gather g;
	uint64_t unmapped = 1;
	int ret;

	if (m->size == SZ_4K)
		return;
	ptcore_gather_init(&g);
	ret = ptcore_unmap(s->t, m->iova + SZ_4K, SZ_4K, &g, &unmapped);
	ptcore_iotlb_sync(s->t, &g);
	if (ret != -EINVAL || unmapped)
		fail(s, "unmap inside a leaf", m->iova, (uint64_t)ret, unmapped);
	s->ops_probe++;
}

static int run(unsigned int levels, uint64_t nops, uint64_t seed)
{
	struct state *s = calloc(1, sizeof(*s));
	struct ptcore_cfg cfg;
	struct ptcore_hw_info hi;
	struct peer_amdv2_info pi;
	uint64_t i, window = 64 * SZ_1G;
	int failed;

	if (!s)
		return 1;
	s->levels = levels;
	s->rng = seed * 0x5851f42d4c957f2dULL + levels;
	s->ops.alloc_table = ptcore_builtin_alloc_table;
	s->ops.free_table = ptcore_builtin_free_table;
	s->ops.iotlb_flush = count_flush;
	memset(&cfg, 0, sizeof(cfg));
	cfg.format = PTCORE_FMT_X86_64;
	cfg.ias = levels == 5 ? 57 : 48;
	cfg.oas = 52;
	cfg.ops = &s->ops;
	cfg.cookie = s;
	s->p = peer_amdv2_create(levels);
	if (!s->p || ptcore_table_create(&cfg, &s->t)) {
		fprintf(stderr, "difftest-amd-v2: create failed\n");
		return 1;
	}
	ptcore_hw_info(s->t, &hi);
	peer_amdv2_info(s->p, &pi);
	if (hi.pgsize_bitmap != pi.pgsize_bitmap)
		fail(s, "pgsize_bitmap (ptcore, peer)", hi.pgsize_bitmap, pi.pgsize_bitmap, 0);
	if (hi.oas != pi.oas || hi.mode != pi.levels || hi.levels != pi.levels)
		fail(s, "oas / mode / levels", hi.oas, hi.mode, pi.levels);
	if (pi.ias != (levels == 5 ? 57 : 52) || hi.ias != 12 + 9 * levels)
		fail(s, "ias (ptcore, peer)", hi.ias, pi.ias, 0);
	compare_all(s);

	for (i = 0; i < nops && !s->failed; i++) {
		unsigned int r = (unsigned int)below(s, 100);

		if (r < 45 || !s->n)
			op_map(s, window);
		else if (r < 85)
			op_unmap(s);
		else if (r < 90)
			op_inside(s);
		else
			lookup(s, s->n && r & 1 ? s->m[below(s, s->n)].iova + below(s, SZ_2M) :
						  below(s, window));
		if (i % 16 == 0 || i + 1 == nops)
			compare_all(s);
	}
	/* everything off again; both trees must end with no leaf */
	while (s->n && !s->failed)
		op_unmap(s);
	compare_all(s);
	if (peer_warnings())
		fail(s, "WARN_ON()s in the peer", peer_warnings(), 0, 0);
	printf("difftest-amd-v2: x86-64 %u levels (ias %u) vs 6.12 amd/io_pgtable_v2.c: %s, "
	       "%" PRIu64 " ops (%" PRIu64 " maps: %" PRIu64 " 4K %" PRIu64 " 2M %" PRIu64
	       " 1G; %" PRIu64 " unmaps, %" PRIu64 " partial, %" PRIu64 " into holes; %" PRIu64
	       " ptcore-only probes; %" PRIu64 " lookups), %" PRIu64 " entries compared\n",
	       levels, hi.ias, s->failed ? "FAILED" : "ok", i, s->ops_map, s->by_size[0],
	       s->by_size[1], s->by_size[2], s->ops_unmap, s->ops_partial, s->ops_hole,
	       s->ops_probe, s->lookups, s->entries);
	failed = s->failed;
	ptcore_table_destroy(s->t);
	peer_amdv2_destroy(s->p);
	free(s);
	return failed != 0;
}

int main(int argc, char **argv)
{
	uint64_t nops = 10000, seed = 1;
	int i, bad = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			nops = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 0);
		} else {
			fprintf(stderr, "usage: %s [-n ops] [-s seed]\n", argv[0]);
			return 2;
		}
	}
	bad |= run(4, nops, seed);
	bad |= run(5, nops, seed);
	return bad;
}
