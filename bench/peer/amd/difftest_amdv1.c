// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Differential test of ptcore's PTCORE_FMT_AMDV1 against Linux 6.12's
 * drivers/iommu/amd/io_pgtable.c (peer_amdv1.h): for every configuration,
 * the same random maps, unmaps, lookups and dirty-state reads on both, and
 * after them the two trees compared entry by entry from the roots (table
 * entries but their address, leaves exactly), the DTE mode against
 * hw_info.mode, and the configuration against io_pgtable_cfg.
 *
 * The mode: ptcore fixes its top level at create from ias; Linux starts at
 * mode 3 and raises it when a map reaches above. The harness raises the
 * peer to ptcore's mode first with the file's own increase_address_space()
 * (a new root whose entry 0 points to the old one, exactly what a map above
 * the space would do), so the trees have the same shape. The comparison
 * allows one difference: at IOVA 0, where ptcore's entry is empty, Linux's
 * may point to the empty old roots of those increases. Every comparison
 * re-reads the peer's root and mode, and a peer that moved on its own is a
 * failure. ptcore's modes 1 and 2 (ias up
 * to 30) have no 6.12 counterpart and are not compared.
 *
 * What is not compared, because the two differ by design (ABI.md): a map
 * over something mapped (Linux replaces it, ptcore refuses with
 * -EADDRINUSE: such a map goes to ptcore only), and unmaps that would cover
 * a whole table (ptcore frees it, Linux keeps it): every unmap here removes
 * one leaf, or starts at a leaf's first byte and is shorter (both remove the
 * whole leaf and count it whole).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ptcore.h>

#include "peer_amdv1.h"
#include "../difftest_rng.h"

#define PR		1ULL
#define HD		(1ULL << 6)
#define ADDR		0x000ffffffffff000ULL
#define NL(p)		(((p) >> 9) & 7)

struct leaf {
	uint64_t iova, size, pa;
};

struct run {
	struct ptcore_table *t;
	struct peer_amdv1 *p;
	struct ptcore_hw_info hi;
	struct leaf *v;
	size_t n, cap;
	uint64_t rng, window, top;
	unsigned int nsizes;
	unsigned int sizes[40];
	/* counts */
	uint64_t maps, maps_refused, unmaps, lookups, dirty_reads, dirty_spans, compares, entries;
	unsigned long fails;
	const char *name;
};

static uint64_t below(struct run *r, uint64_t n)
{
	return difftest_below(&r->rng, n);
}

#define FAIL(r, ...) do {						\
	if ((r)->fails++ < 10) {					\
		fprintf(stderr, "amdv1 %s: ", (r)->name);		\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

/* ---- the trees, entry by entry ---- */

/* Does Linux's table at @level hold a leaf anywhere below? */
static bool peer_has_leaf(const uint64_t *t, unsigned int level)
{
	unsigned int i;

	for (i = 0; i < 512; i++) {
		if (!(t[i] & PR))
			continue;
		if (level == 1 || !NL(t[i]) || NL(t[i]) == 7)
			return true;
		if (peer_has_leaf((const uint64_t *)(uintptr_t)(t[i] & ADDR), level - 1))
			return true;
	}
	return false;
}

static void cmp_table(struct run *r, const uint64_t *a, const uint64_t *b, unsigned int level,
		      uint64_t iova)
{
	unsigned int i, shift = 12 + 9 * (level - 1);

	for (i = 0; i < 512; i++) {
		uint64_t x = a[i], y = b[i], at = iova + ((uint64_t)i << shift);
		bool tx = level > 1 && (x & PR) && NL(x) && NL(x) != 7;
		bool ty = level > 1 && (y & PR) && NL(y) && NL(y) != 7;

		r->entries++;
		/*
		 * The one difference the mode increase leaves: entry 0 of each
		 * new root points to the old, empty root, where ptcore has
		 * nothing until it needs a table there.
		 */
		if (!x && ty && !i && !iova &&
		    !peer_has_leaf((const uint64_t *)(uintptr_t)(y & ADDR), level - 1))
			continue;
		if (tx && ty) {
			if ((x & ~ADDR) != (y & ~ADDR))
				FAIL(r, "table entry at iova %#" PRIx64 " level %u: %#" PRIx64
				     ", Linux %#" PRIx64, at, level, x, y);
			else
				cmp_table(r, ptcore_phys_to_virt(r->t, x & ADDR),
					  (const uint64_t *)(uintptr_t)(y & ADDR), level - 1, at);
			continue;
		}
		if (x != y)
			FAIL(r, "entry at iova %#" PRIx64 " level %u: %#" PRIx64 ", Linux %#" PRIx64,
			     at, level, x, y);
	}
}

static void compare(struct run *r)
{
	unsigned int mode;
	uint64_t *root = peer_amdv1_root(r->p, &mode);

	r->compares++;
	if (mode != r->hi.mode) {
		FAIL(r, "Linux's mode is %u, ptcore's hw_info.mode %u", mode, r->hi.mode);
		return;
	}
	cmp_table(r, ptcore_phys_to_virt(r->t, r->hi.root[0]), root, mode, 0);
}

/* ---- operations ---- */

static void forget(struct run *r, size_t i)
{
	r->v[i] = r->v[--r->n];
}

static bool overlaps(const struct run *r, uint64_t iova, uint64_t len)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (iova < r->v[i].iova + r->v[i].size && r->v[i].iova < iova + len)
			return true;
	return false;
}

static uint64_t pick_iova(struct run *r, uint64_t size)
{
	uint64_t iova = below(r, r->window / size) * size;

	return below(r, 4) ? iova : r->top - r->window + iova;
}

static void op_map(struct run *r)
{
	uint64_t size = 1ULL << r->sizes[below(r, r->nsizes)], count = 1 + below(r, 4);
	uint64_t iova = pick_iova(r, size), pa, done = 0, pdone = 0, k;
	static const uint32_t prots[] = { PTCORE_PROT_READ, PTCORE_PROT_WRITE,
					  PTCORE_PROT_READ | PTCORE_PROT_WRITE };
	uint32_t prot = prots[below(r, 3)];
	int ret, pret;

	if (iova + count * size > r->top || iova + count * size < iova)
		count = 1;
	pa = (1 + below(r, ((1ULL << 52) - count * size) / size - 1)) * size;
	r->maps++;
	ret = ptcore_map_pages(r->t, iova, pa, size, count, prot, 0, &done);
	if (ret && ret != -EADDRINUSE)
		FAIL(r, "ptcore map %#" PRIx64 " size %#" PRIx64 ": %d", iova, size, ret);
	if (ret == -EADDRINUSE && !overlaps(r, iova, count * size))
		FAIL(r, "ptcore map %#" PRIx64 ": -EADDRINUSE over nothing mapped", iova);
	if (ret)
		r->maps_refused++;
	if (!done)
		return;
	pret = peer_amdv1_map(r->p, iova, pa, size, done / size, prot, &pdone);
	if (pret || pdone != done)
		FAIL(r, "Linux map %#" PRIx64 " size %#" PRIx64 " x %" PRIu64 ": %d, %#" PRIx64,
		     iova, size, done / size, pret, pdone);
	for (k = 0; k < done / size; k++) {
		if (r->n == r->cap) {
			r->cap = r->cap ? 2 * r->cap : 1024;
			r->v = realloc(r->v, r->cap * sizeof(*r->v));
			if (!r->v)
				abort();
		}
		r->v[r->n++] = (struct leaf){ iova + k * size, size, pa + k * size };
	}
}

static void op_unmap(struct run *r)
{
	size_t i = below(r, r->n);
	struct leaf l = r->v[i];
	uint64_t len = l.size > 4096 && !below(r, 4) ? 4096 : l.size, done = 0, pdone;
	struct ptcore_gather g;
	int ret;

	r->unmaps++;
	ptcore_gather_init(&g);
	ret = ptcore_unmap(r->t, l.iova, len, &g, &done);
	ptcore_iotlb_sync(r->t, &g);
	pdone = peer_amdv1_unmap(r->p, l.iova, len, 1);
	if (ret || done != l.size || pdone != l.size)
		FAIL(r, "unmap %#" PRIx64 " len %#" PRIx64 " of a %#" PRIx64 " leaf: ptcore %d, %#"
		     PRIx64 ", Linux %#" PRIx64, l.iova, len, l.size, ret, done, pdone);
	forget(r, i);
}

static void op_lookup(struct run *r)
{
	uint64_t iova, phys = 0, lphys;
	int ret;

	if (r->n && below(r, 2)) {
		const struct leaf *l = &r->v[below(r, r->n)];

		iova = l->iova + below(r, l->size);
	} else {
		iova = pick_iova(r, 4096) + below(r, 4096);
	}
	r->lookups++;
	ret = ptcore_iova_to_phys(r->t, iova, &phys);
	lphys = peer_amdv1_iova_to_phys(r->p, iova);
	if ((ret ? 0 : phys) != lphys || (ret && ret != -ENOENT))
		FAIL(r, "iova_to_phys(%#" PRIx64 "): ptcore %d %#" PRIx64 ", Linux %#" PRIx64, iova,
		     ret, phys, lphys);
}

/* Spans reported dirty, as IOVA ranges merged where they touch. */
struct spans {
	uint64_t s[4096][2];
	unsigned int n;
	bool overflow;
};

static void span_add(struct spans *sp, uint64_t iova, uint64_t size)
{
	if (sp->n && sp->s[sp->n - 1][0] + sp->s[sp->n - 1][1] == iova) {
		sp->s[sp->n - 1][1] += size;
		return;
	}
	if (sp->n == 4096) {
		sp->overflow = true;
		return;
	}
	sp->s[sp->n][0] = iova;
	sp->s[sp->n++][1] = size;
}

static void ptcore_spans(void *arg, const struct ptcore_range *runs, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		span_add(arg, runs[i].iova, runs[i].size);
}

static void peer_spans(void *arg, uint64_t iova, uint64_t size)
{
	span_add(arg, iova, size);
}

/* The entry translating @iova at the leaf, in a tree from @root at @mode (NULL: none). */
static uint64_t *leaf_entry(struct run *r, uint64_t *table, unsigned int level, uint64_t iova,
			    bool mine)
{
	for (;;) {
		uint64_t *e = &table[(iova >> (12 + 9 * (level - 1))) & 511];

		if (!(*e & PR))
			return NULL;
		if (level == 1 || !NL(*e) || NL(*e) == 7)
			return e;
		table = mine ? ptcore_phys_to_virt(r->t, *e & ADDR) :
			       (uint64_t *)(uintptr_t)(*e & ADDR);
		level--;
	}
}

static void op_dirty(struct run *r)
{
	static struct spans a, b;
	unsigned int mode, k, marks = 1 + below(r, 3);
	uint64_t *proot = peer_amdv1_root(r->p, &mode), base;
	int no_clear = !below(r, 3), ret, pret;
	struct ptcore_gather g;

	/* the device writes through some entries (one replica of a sized page) */
	for (k = 0; k < marks && r->n; k++) {
		const struct leaf *l = &r->v[below(r, r->n)];
		uint64_t at = l->iova + below(r, l->size);
		uint64_t *x = leaf_entry(r, ptcore_phys_to_virt(r->t, r->hi.root[0]),
					 r->hi.mode, at, true);
		uint64_t *y = leaf_entry(r, proot, mode, at, false);

		if (x && y) {
			*x |= HD;
			*y |= HD;
		}
	}
	r->dirty_reads++;
	for (k = 0; k < 2; k++) {
		base = k ? r->top - r->window : 0;
		a.n = b.n = 0;
		ptcore_gather_init(&g);
		ret = ptcore_read_and_clear_dirty(r->t, base, r->window,
						  no_clear ? PTCORE_DIRTY_NO_CLEAR : 0,
						  no_clear ? NULL : &g, ptcore_spans, &a);
		if (!no_clear)
			ptcore_iotlb_sync(r->t, &g);
		pret = peer_amdv1_read_and_clear_dirty(r->p, base, r->window, no_clear, peer_spans,
						       &b);
		r->dirty_spans += a.n;
		if (ret || pret || a.n != b.n || a.overflow || b.overflow ||
		    memcmp(a.s, b.s, a.n * sizeof(a.s[0])))
			FAIL(r, "read_and_clear_dirty(%#" PRIx64 "): ptcore %d, %u spans (first %#"
			     PRIx64 "+%#" PRIx64 "), Linux %d, %u spans (first %#" PRIx64 "+%#"
			     PRIx64 ")", base, ret, a.n, a.n ? a.s[0][0] : 0, a.n ? a.s[0][1] : 0,
			     pret, b.n, b.n ? b.s[0][0] : 0, b.n ? b.s[0][1] : 0);
		if (r->window == r->top)
			break;
	}
}

/* ---- one configuration ---- */

static int run_config(unsigned int ias, uint32_t features, uint64_t ops, uint64_t seed,
		      struct run *tot)
{
	struct ptcore_cfg cfg = { .format = PTCORE_FMT_AMDV1, .features = features,
				  .ias = (uint8_t)ias, .oas = 52 };
	struct run r = { .rng = seed * 7919 + ias * 131 + features };
	uint64_t bitmap, want, i;
	unsigned int lias, loas, lg2, top_lg2;
	char name[64];
	int ret;

	snprintf(name, sizeof(name), "ias %u features %#x", ias, features);
	r.name = name;
	ret = ptcore_table_create(&cfg, &r.t);
	if (ret) {
		FAIL(&r, "create: %d", ret);
		return 1;
	}
	ptcore_hw_info(r.t, &r.hi);
	r.p = peer_amdv1_create(r.hi.mode);
	if (!r.p) {
		FAIL(&r, "Linux refused mode %u", r.hi.mode);
		ptcore_table_destroy(r.t);
		return 1;
	}
	/* hw_info against the peer's io_pgtable_cfg: the same sizes where ptcore's space has them */
	peer_amdv1_cfg(r.p, &bitmap, &lias, &loas);
	top_lg2 = ias < 51 ? ias : 51;
	if (top_lg2 > 12 + 9 * (r.hi.levels - 1) + 8)
		top_lg2 = 12 + 9 * (r.hi.levels - 1) + 8;
	want = bitmap & (~0ULL >> (63 - top_lg2));
	if (r.hi.pgsize_bitmap != want || loas != 52 || r.hi.oas != loas || lias < 52 ||
	    r.hi.levels != r.hi.mode)
		FAIL(&r, "hw_info: sizes %#" PRIx64 " (Linux %#" PRIx64 "), oas %u (%u), levels %u"
		     " mode %u", r.hi.pgsize_bitmap, want, r.hi.oas, loas, r.hi.levels, r.hi.mode);
	r.top = ias >= 64 ? 0 : 1ULL << ias;
	r.window = r.top / 2 < (1ULL << 33) ? r.top / 2 : 1ULL << 33;
	for (lg2 = 12; lg2 < 64; lg2++)
		if ((r.hi.pgsize_bitmap >> lg2) & 1 && (1ULL << lg2) <= r.window / 8 && lg2 <= 32)
			r.sizes[r.nsizes++] = lg2;
	compare(&r);
	for (i = 0; i < ops && !r.fails; i++) {
		uint64_t c = below(&r, 100);

		if (c < 50 || !r.n)
			op_map(&r);
		else if (c < 85)
			op_unmap(&r);
		else if (c < 96 || !(features & PTCORE_FEAT_DIRTY_TRACKING))
			op_lookup(&r);
		else
			op_dirty(&r);
		if (i % 256 == 255)
			compare(&r);
	}
	compare(&r);
	printf("amdv1 %-24s mode %u: %" PRIu64 " maps (%" PRIu64 " refused), %" PRIu64
	       " unmaps, %" PRIu64 " lookups, %" PRIu64 " dirty reads (%" PRIu64 " spans), %"
	       PRIu64 " compares of %" PRIu64 " entries: %s\n", name, r.hi.mode, r.maps,
	       r.maps_refused, r.unmaps, r.lookups, r.dirty_reads, r.dirty_spans, r.compares,
	       r.entries, r.fails ? "FAILED" : "ok");
	tot->maps += r.maps;
	tot->unmaps += r.unmaps;
	tot->lookups += r.lookups;
	tot->dirty_reads += r.dirty_reads;
	tot->dirty_spans += r.dirty_spans;
	tot->entries += r.entries;
	tot->compares += r.compares;
	ptcore_table_destroy(r.t);
	peer_amdv1_destroy(r.p);
	free(r.v);
	return r.fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const unsigned char ias_list[] = { 31, 32, 39, 40, 44, 48, 49, 52, 57, 58, 63 };
	static const uint32_t feats[] = { 0, PTCORE_FEAT_DIRTY_TRACKING };
	uint64_t ops = 10000, seed = 1;
	struct peer_amdv1_stats st;
	struct run tot = { 0 };
	unsigned int i, j, failed = 0, configs = 0;
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
	for (i = 0; i < sizeof(ias_list); i++)
		for (j = 0; j < 2; j++, configs++)
			failed += run_config(ias_list[i], feats[j], ops, seed, &tot);
	peer_amdv1_stats(&st);
	if (st.warnings)
		failed++;
	if (peer_amdv1_pages()) {
		fprintf(stderr, "amdv1: Linux's tables leaked %" PRIu64 " pages\n",
			peer_amdv1_pages());
		failed++;
	}
	printf("amdv1 difftest: %u configurations, %" PRIu64 " maps, %" PRIu64 " unmaps, %" PRIu64
	       " lookups, %" PRIu64 " dirty reads (%" PRIu64 " spans agreed), %" PRIu64
	       " tree compares (%" PRIu64 " entries); Linux: %" PRIu64 " flush_pages, %" PRIu64
	       " DTE updates, %" PRIu64 " warnings: %s\n", configs, tot.maps, tot.unmaps,
	       tot.lookups, tot.dirty_reads, tot.dirty_spans, tot.compares, tot.entries,
	       st.flush_pages, st.update_dte, st.warnings, failed ? "FAILED" : "ok");
	return failed ? 1 : 0;
}
