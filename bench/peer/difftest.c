// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Differential test: ptcore against Linux's io-pgtable (the "peer",
 * bench/peer) of 6.1 and of 6.12, side by side, bit for bit.
 *
 * For every kernel version and every configuration (ARM stage 1 and 2 at 4K/16K/64K and every
 * ias <= oas in {32,36,40,42,44,48}, 64K with oas 52 and ias up to 52, a few
 * NS and DMA-incoherent variants, DART1 and DART2):
 *   - ptcore_hw_info() must equal the register fields io-pgtable computed
 *     (TCR/VTCR fields, MAIR, levels, start level, TTBR count, root size);
 *   - Linux's io-pgtable self-test sequence (its partial unmap replaced by a
 *     check that ptcore refuses to split, see below), then
 *   - thousands of random map / exact-unmap operations of mixed page sizes
 *     plus overlapping-map probes,
 * are applied to both. After every step both trees must hold identical
 * entries at every level, walked from their roots through raw table memory
 * (table entries are compared without their address field, since the two
 * allocate different table pages, and then followed). iova_to_phys() of both
 * must agree with each other and with an interval oracle, unmap gathers must
 * cover exactly the unmapped range, and nothing may leak.
 *
 * Known, intended differences that the comparison tolerates (and only those),
 * per version of the peer:
 *   6.1:
 *   - a table that holds no leaf on one side where the other has no entry:
 *     ptcore frees tables an unmap covers wholly, 6.1 never does;
 *   - bit 1 of DART2 leaves: 6.1 sets DART1's SP_DIS there as well;
 *     ptcore's bit 1 is checked separately (NO_CACHE exactly when !CACHE);
 *   - MAIR bits 63:32 (attributes 4-7, never referenced by a PTE): 6.1
 *     computes 0xf4 << 24 in int and sign-extends it into them;
 *   - 6.1 splits a block on a partial unmap and ptcore never splits, so
 *     unmaps are exact; ptcore's refusal of a partial unmap is asserted instead.
 *   6.12: the same four, unchanged (its io-pgtable-arm.c and
 *     io-pgtable-dart.c still keep emptied tables, set SP_DIS in DART2 leaves,
 *     sign-extend the MAIR and split blocks on a partial unmap). Its other
 *     changes (custom allocator hooks, unmap clearing a run of leaves before
 *     the tlb_add_page calls, the HD quirk) leave identical tables; the HD
 *     quirk is not used by the configurations here.
 *
 * Exit status 0 only when every configuration that both accept passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ptcore.h"
#include "peer.h"

#define MAX_MAPS	64	/* live mappings at most (oracle size) */
#define LIVE_TARGET	40	/* above this, prefer unmapping */
#define MSG_LEN		1024

#define GENMASK64(h, l)	((~0ULL >> (63 - (h))) & (~0ULL << (l)))

/* ---- configurations ---- */

struct tcfg {
	uint32_t format;
	unsigned int granule_lg2, ias, oas;
	int ns, noncoh;
	enum peer_version version;	/* of the peer */
	int dirty;			/* ptcore FEAT_DIRTY_TRACKING against 6.12 with ARM_HD */
};

static const char *fmt_name(uint32_t f)
{
	switch (f) {
	case PTCORE_FMT_ARM64_LPAE_S1: return "ARM-S1";
	case PTCORE_FMT_ARM64_LPAE_S2: return "ARM-S2";
	case PTCORE_FMT_APPLE_DART: return "DART1";
	case PTCORE_FMT_APPLE_DART2: return "DART2";
	default: return "?";
	}
}

static void cfg_name(const struct tcfg *c, char *buf, size_t len)
{
	snprintf(buf, len, "%-4s %s %2uK ias %u oas %u%s%s%s", peer_version_name(c->version),
		 fmt_name(c->format),
		 (1u << c->granule_lg2) >> 10, c->ias, c->oas, c->ns ? " NS" : "",
		 c->noncoh ? " incoherent" : "", c->dirty ? " dirty" : "");
}

static int build_configs(struct tcfg *out, int max)
{
	static const unsigned int bits[] = { 32, 36, 40, 42, 44, 48 };
	static const unsigned int gran[] = { 12, 14, 16 };
	static const uint32_t arm[] = { PTCORE_FMT_ARM64_LPAE_S1, PTCORE_FMT_ARM64_LPAE_S2 };
	int n = 0;
	unsigned int f, g, i, o;

	for (f = 0; f < 2; f++)
		for (g = 0; g < 3; g++)
			for (i = 0; i < 6; i++)
				for (o = i; o < 6; o++)
					if (n < max)
						out[n++] = (struct tcfg){ arm[f], gran[g], bits[i], bits[o], 0, 0, PEER_6_1, 0 };
	/*
	 * 64K with 52-bit output (LPAE 52-bit PA: PA[51:48] in entry bits 15:12,
	 * random PAs up to 2^52), ias up to 52; both peers take 52 at 64K only.
	 */
	for (f = 0; f < 2; f++)
		for (i = 0; i < 7; i++)
			if (n < max)
				out[n++] = (struct tcfg){ arm[f], 16, i < 6 ? bits[i] : 52, 52, 0, 0,
							  PEER_6_1, 0 };
	/* NS quirk (stage 1 only in 6.1 and 6.12) and DMA-incoherent walkers. */
	for (g = 0; g < 3; g++) {
		if (n + 3 > max)
			break;
		out[n++] = (struct tcfg){ PTCORE_FMT_ARM64_LPAE_S1, gran[g], 48, 48, 1, 0, PEER_6_1, 0 };
		out[n++] = (struct tcfg){ PTCORE_FMT_ARM64_LPAE_S1, gran[g], 40, 44, 0, 1, PEER_6_1, 0 };
		out[n++] = (struct tcfg){ PTCORE_FMT_ARM64_LPAE_S2, gran[g], 40, 48, 0, 1, PEER_6_1, 0 };
	}
	/* DART: 6.1 and 6.12 have two levels below the TTBRs; ias beyond that is refused there. */
	if (n + 7 <= max) {
		out[n++] = (struct tcfg){ PTCORE_FMT_APPLE_DART, 12, 32, 36, 0, 0, PEER_6_1, 0 };
		out[n++] = (struct tcfg){ PTCORE_FMT_APPLE_DART, 14, 32, 36, 0, 0, PEER_6_1, 0 };
		out[n++] = (struct tcfg){ PTCORE_FMT_APPLE_DART, 12, 36, 36, 0, 0, PEER_6_1, 0 };
		out[n++] = (struct tcfg){ PTCORE_FMT_APPLE_DART, 14, 36, 36, 0, 0, PEER_6_1, 0 };
		out[n++] = (struct tcfg){ PTCORE_FMT_APPLE_DART2, 14, 32, 42, 0, 0, PEER_6_1, 0 };
		out[n++] = (struct tcfg){ PTCORE_FMT_APPLE_DART2, 14, 36, 42, 0, 0, PEER_6_1, 0 };
		out[n++] = (struct tcfg){ PTCORE_FMT_APPLE_DART2, 14, 42, 42, 0, 0, PEER_6_1, 0 };
	}
	return n;
}

/*
 * Every configuration once per kernel version of the peer, 6.1 first; then
 * the dirty-tracking ones (ARM stage 1 against 6.12 with IO_PGTABLE_QUIRK_ARM_HD).
 */
static int build_all_configs(struct tcfg *out, int max)
{
	static const unsigned int gran[] = { 12, 14, 16 };
	int n = build_configs(out, (max - 4) / PEER_NR_VERSIONS), v, i, t;

	for (v = 1; v < PEER_NR_VERSIONS; v++)
		for (i = 0; i < n; i++) {
			out[v * n + i] = out[i];
			out[v * n + i].version = (enum peer_version)v;
		}
	t = n * PEER_NR_VERSIONS;
	for (i = 0; i < 3; i++)
		out[t++] = (struct tcfg){ PTCORE_FMT_ARM64_LPAE_S1, gran[i], 48, 48, 0, 0, PEER_6_12, 1 };
	out[t++] = (struct tcfg){ PTCORE_FMT_ARM64_LPAE_S1, 12, 40, 44, 0, 0, PEER_6_12, 1 };
	return t;
}

/* ---- one implementation under test: ptcore, or the peer ---- */

struct flush_rec {
	uint64_t calls;
	uint64_t lo, hi;	/* union of flushed ranges since the last reset */
	uint32_t flags;
};

struct side {
	const char *name;
	struct ptcore_table *pt;	/* ptcore side */
	struct peer *peer;		/* peer side */
	struct ptcore_ops ops;
	struct flush_rec flush;
	uint32_t n_roots;
	uint64_t root[4];
};

static void rec_reset(struct flush_rec *r)
{
	r->lo = UINT64_MAX;
	r->hi = 0;
	r->flags = 0;
}

static void pt_flush(void *cookie, const struct ptcore_gather *g)
{
	struct flush_rec *r = cookie;

	r->calls++;
	if (g->start < r->lo)
		r->lo = g->start;
	if (g->end > r->hi)
		r->hi = g->end;
	r->flags |= g->flags;
}

static unsigned long sync_calls;

static void pt_sync_table(void *cookie, void *va, size_t len)
{
	(void)cookie; (void)va; (void)len;
	sync_calls++;
}

static const void *side_p2v(const struct side *s, uint64_t pa)
{
	return s->pt ? ptcore_phys_to_virt(s->pt, pa) : peer_phys_to_virt(s->peer, pa);
}

static int side_map(struct side *s, uint64_t iova, uint64_t pa, uint64_t pgsize,
		    uint64_t count, uint32_t prot, uint64_t *mapped)
{
	if (s->pt)
		return ptcore_map_pages(s->pt, iova, pa, pgsize, count, prot, 0, mapped);
	return peer_map(s->peer, iova, pa, pgsize, count, prot, mapped);
}

/* Unmap exactly, report the bytes and the range the gather (plus early flushes) covered. */
static uint64_t side_unmap(struct side *s, uint64_t iova, uint64_t pgsize, uint64_t count,
			   uint64_t *lo, uint64_t *hi, uint64_t *gpgsize, int *tables_bad,
			   uint64_t *tables_freed)
{
	struct ptcore_gather g;
	uint64_t done;

	*tables_bad = 0;
	if (!s->pt) {
		done = peer_unmap(s->peer, iova, pgsize, count);
		if (peer_gather_range(s->peer, lo, hi)) {
			*lo = UINT64_MAX;
			*hi = 0;
		}
		*gpgsize = pgsize;
		peer_iotlb_sync(s->peer);
		return done;
	}
	rec_reset(&s->flush);
	ptcore_gather_init(&g);
	done = ptcore_unmap_pages(s->pt, iova, pgsize, count, &g);
	*lo = g.start < s->flush.lo ? g.start : s->flush.lo;
	*hi = g.end > s->flush.hi ? g.end : s->flush.hi;
	*gpgsize = g.pgsize;
	if (g.nr_tables && !(g.flags & PTCORE_GATHER_TABLES))
		*tables_bad = 1;
	*tables_freed += g.nr_tables;
	ptcore_iotlb_sync(s->pt, &g);
	return done;
}

/* 0 and *pa, or -ENOENT. */
static int side_lookup(struct side *s, uint64_t iova, uint64_t *pa)
{
	if (s->pt)
		return ptcore_iova_to_phys(s->pt, iova, pa);
	*pa = peer_iova_to_phys(s->peer, iova);
	return *pa ? 0 : -ENOENT;
}

/* ---- the test of one configuration ---- */

struct mapping {
	uint64_t iova, pa, pgsize, count;
	uint32_t prot;
};

struct tctx {
	const struct tcfg *cfg;
	int self_mode;			/* both sides are peers (harness self-check) */
	struct side a, b;		/* a: ptcore, b: peer */
	/* geometry shared by both */
	int arm, dart2;
	unsigned int pg_shift, bpl, levels, start_level, root_entries;
	uint64_t addr_mask;
	uint64_t sizes[4];
	int nsizes;
	uint64_t centre, win_lo[4], win_hi[4];
	struct mapping maps[MAX_MAPS];
	int nmaps;
	uint64_t rng;
	uint64_t ops, entries, lookups;
	uint64_t maps_by_size[4], probes, tables_freed;
	uint64_t dirty_ops, dirty_ranges;	/* read_and_clear_dirty compared, ranges reported */
	unsigned long warn_allowed;	/* peer WARN_ON()s expected (overlap probes) */
	char step[200];
	char why[MSG_LEN];
	char note[128];
};

static uint64_t rnd(struct tctx *c)
{
	/* xorshift64* */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t rnd_below(struct tctx *c, uint64_t n)
{
	return n ? rnd(c) % n : 0;
}

static int fail(struct tctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct tctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->why[0])
		return -1;	/* keep the first failure */
	n = snprintf(c->why, sizeof(c->why), "after %s: ", c->step[0] ? c->step : "create");
	if (n < 0 || (size_t)n >= sizeof(c->why))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(c->why + n, sizeof(c->why) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void set_step(struct tctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_step(struct tctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->step, sizeof(c->step), fmt, ap);
	va_end(ap);
}

static uint64_t pte_pa(const struct tctx *c, uint64_t pte)
{
	uint64_t pa = pte & c->addr_mask;

	if (c->dart2)
		return pa << 4;
	if (c->arm && c->pg_shift == 16)	/* PA[51:48] live in PTE[15:12] */
		return (pa | (pa << 36)) & (GENMASK64(47, 12) << 4);
	return pa;
}

/* Depth d = 0 is the root; levels - 1 holds only leaves. */
static int is_table(const struct tctx *c, unsigned int d, uint64_t pte)
{
	if (d + 1 >= c->levels)
		return 0;
	return c->arm ? (pte & 3) == 3 : (pte & 1);
}

static unsigned int depth_shift(const struct tctx *c, unsigned int d)
{
	return c->pg_shift + (c->levels - 1 - d) * c->bpl;
}

static unsigned int level_number(const struct tctx *c, unsigned int d)
{
	return c->arm ? c->start_level + d : d + 1;
}

static int subtree_empty(struct tctx *c, const struct side *s, unsigned int d,
			 const uint64_t *t, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		if (!t[i])
			continue;
		if (!is_table(c, d, t[i]))
			return 0;
		if (!subtree_empty(c, s, d + 1, side_p2v(s, pte_pa(c, t[i])), 1ULL << c->bpl))
			return 0;
	}
	c->entries += n;
	return 1;
}

static int cmp_table(struct tctx *c, unsigned int d, const uint64_t *ta, const uint64_t *tb,
		     uint64_t n, uint64_t base)
{
	unsigned int shift = depth_shift(c, d);
	uint64_t i, leaf_mask = c->dart2 ? ~2ULL : ~0ULL;

	/* Leaf-only tables: equal memory is the common case. */
	if (d + 1 == c->levels && !c->dart2 && !memcmp(ta, tb, n * 8)) {
		c->entries += n;
		return 0;
	}
	for (i = 0; i < n; i++) {
		uint64_t ea = ta[i], eb = tb[i], iova = base + (i << shift);
		int tba = is_table(c, d, ea), tbb = is_table(c, d, eb);

		if (tba && tbb) {
			uint64_t aa = ea & ~c->addr_mask, ab = eb & ~c->addr_mask;

			if (aa != ab)
				return fail(c, "table entry attributes differ at level %u index %" PRIu64
					    " (iova %#" PRIx64 "): ptcore %#018" PRIx64 " peer %#018" PRIx64,
					    level_number(c, d), i, iova, ea, eb);
			if (cmp_table(c, d + 1, side_p2v(&c->a, pte_pa(c, ea)),
				      side_p2v(&c->b, pte_pa(c, eb)), 1ULL << c->bpl, iova))
				return -1;
			continue;
		}
		if ((tba && !eb) || (tbb && !ea)) {
			/* ptcore freed (or kept) a table the other side did not: only if empty. */
			const struct side *s = tba ? &c->a : &c->b;

			if (!subtree_empty(c, s, d + 1, side_p2v(s, pte_pa(c, tba ? ea : eb)),
					   1ULL << c->bpl))
				return fail(c, "level %u index %" PRIu64 " (iova %#" PRIx64 "): ptcore %#018"
					    PRIx64 " peer %#018" PRIx64 ", and the %s table is not empty",
					    level_number(c, d), i, iova, ea, eb, s->name);
			continue;
		}
		if ((ea & leaf_mask) != (eb & leaf_mask))
			return fail(c, "entries differ at level %u index %" PRIu64 " (iova %#" PRIx64
				    "): ptcore %#018" PRIx64 " peer %#018" PRIx64,
				    level_number(c, d), i, iova, ea, eb);
	}
	c->entries += n;
	return 0;
}

static int cmp_trees(struct tctx *c)
{
	unsigned int r;

	for (r = 0; r < c->a.n_roots; r++)
		if (cmp_table(c, 0, side_p2v(&c->a, c->a.root[r]), side_p2v(&c->b, c->b.root[r]),
			      c->root_entries, (uint64_t)r << (c->pg_shift + c->levels * c->bpl)))
			return -1;
	return 0;
}

static int tree_empty(struct tctx *c, const struct side *s)
{
	unsigned int r;

	for (r = 0; r < s->n_roots; r++)
		if (!subtree_empty(c, s, 0, side_p2v(s, s->root[r]), c->root_entries))
			return 0;
	return 1;
}

/* The leaf entry of @iova in @s, or NULL. */
static const uint64_t *find_leaf(struct tctx *c, const struct side *s, uint64_t iova)
{
	unsigned int d, r = c->arm ? 0 : (unsigned int)(iova >> (c->pg_shift + 2 * c->bpl));
	const uint64_t *t = side_p2v(s, s->root[r]);

	for (d = 0; d < c->levels; d++) {
		uint64_t n = d ? (1ULL << c->bpl) : c->root_entries;
		const uint64_t *p = &t[(iova >> depth_shift(c, d)) & (n - 1)];

		if (!*p)
			return NULL;
		if (!is_table(c, d, *p))
			return p;
		t = side_p2v(s, pte_pa(c, *p));
	}
	return NULL;
}

/* ---- oracle ---- */

static int oracle_find(const struct tctx *c, uint64_t iova)
{
	int i;

	for (i = 0; i < c->nmaps; i++) {
		const struct mapping *m = &c->maps[i];

		if (iova >= m->iova && iova - m->iova < m->pgsize * m->count)
			return i;
	}
	return -1;
}

static int oracle_free(const struct tctx *c, uint64_t iova, uint64_t len)
{
	int i;

	for (i = 0; i < c->nmaps; i++) {
		const struct mapping *m = &c->maps[i];

		if (iova < m->iova + m->pgsize * m->count && m->iova < iova + len)
			return 0;
	}
	return 1;
}

static int check_lookup(struct tctx *c, uint64_t iova)
{
	int i = oracle_find(c, iova), ra, rb;
	uint64_t pa = 0, pb = 0, want = 0;

	if (i >= 0)
		want = c->maps[i].pa + (iova - c->maps[i].iova);
	ra = side_lookup(&c->a, iova, &pa);
	rb = side_lookup(&c->b, iova, &pb);
	c->lookups++;
	if (i < 0) {
		if (ra != -ENOENT || rb != -ENOENT)
			return fail(c, "iova_to_phys(%#" PRIx64 ") of an unmapped iova: ptcore %d/%#" PRIx64
				    ", peer %#" PRIx64, iova, ra, pa, pb);
		return 0;
	}
	/* io-pgtable cannot tell physical address 0 from "not mapped". */
	if (!want && c->self_mode && ra == -ENOENT)
		ra = 0;		/* side a is a peer too */
	if (ra || pa != want || (want ? (rb || pb != want) : pb != 0))
		return fail(c, "iova_to_phys(%#" PRIx64 "): expected %#" PRIx64 ", ptcore %d/%#" PRIx64
			    ", peer %#" PRIx64, iova, want, ra, pa, pb);
	return 0;
}

static uint32_t random_prot(struct tctx *c)
{
	uint32_t p = (uint32_t)rnd(c) & 0x3f;

	if (!(p & (PTCORE_PROT_READ | PTCORE_PROT_WRITE)))
		p |= (rnd(c) & 1) ? PTCORE_PROT_READ : PTCORE_PROT_WRITE;
	return p;
}

static uint64_t random_pa(struct tctx *c, uint64_t pgsize, uint64_t len)
{
	uint64_t top = 1ULL << c->cfg->oas, pa = rnd(c) & (top - 1) & ~(pgsize - 1);

	if (pa + len > top)
		pa = top - len;
	return pa;
}

/* DART2: ptcore writes NO_CACHE (bit 1) exactly when PROT_CACHE is absent. */
static int check_dart2_bit1(struct tctx *c, uint64_t iova, uint32_t prot)
{
	const uint64_t *p;

	if (!c->dart2 || c->self_mode)
		return 0;
	p = find_leaf(c, &c->a, iova);
	if (!p)
		return fail(c, "DART2: no ptcore leaf at %#" PRIx64, iova);
	if (!!(*p & 2) != !(prot & PTCORE_PROT_CACHE))
		return fail(c, "DART2 leaf %#018" PRIx64 " at %#" PRIx64 ": bit 1 (NO_CACHE) wrong for prot %#x",
			    *p, iova, prot);
	return 0;
}

static int do_map(struct tctx *c, uint64_t iova, uint64_t pa, uint64_t pgsize, uint64_t count,
		  uint32_t prot, int expect_ok)
{
	uint64_t ma = 0, mb = 0, len = pgsize * count;
	unsigned long w0 = peer_warnings();
	int ra, rb, i;

	set_step(c, "map(iova %#" PRIx64 ", pa %#" PRIx64 ", pgsize %#" PRIx64 ", count %" PRIu64
		 ", prot %#x)", iova, pa, pgsize, count, prot);
	ra = side_map(&c->a, iova, pa, pgsize, count, prot, &ma);
	rb = side_map(&c->b, iova, pa, pgsize, count, prot, &mb);
	c->ops++;
	if (expect_ok) {
		if (ra || rb || ma != len || mb != len)
			return fail(c, "ptcore %d (%#" PRIx64 " bytes), peer %d (%#" PRIx64 " bytes)",
				    ra, ma, rb, mb);
		if (c->nmaps >= MAX_MAPS)
			return fail(c, "harness: oracle full");
		c->maps[c->nmaps++] = (struct mapping){ iova, pa, pgsize, count, prot };
		for (i = 0; i < c->nsizes; i++)
			if (c->sizes[i] == pgsize)
				c->maps_by_size[c->nsizes - 1 - i]++;
		if (peer_warnings() != w0)
			return fail(c, "the peer warned (WARN_ON) on a valid map");
		if (check_dart2_bit1(c, iova, prot) || check_dart2_bit1(c, iova + len - pgsize, prot))
			return -1;
	} else {
		/* Over an existing leaf: both refuse and write nothing. */
		if (ra != (c->self_mode ? -EEXIST : -EADDRINUSE) || rb != -EEXIST || ma || mb)
			return fail(c, "overlapping map: ptcore %d (%#" PRIx64 " bytes), peer %d (%#"
				    PRIx64 " bytes); both must refuse", ra, ma, rb, mb);
		c->warn_allowed += peer_warnings() - w0;
		c->probes++;
	}
	if (cmp_trees(c))
		return -1;
	if (check_lookup(c, iova) || check_lookup(c, iova + len - 1) ||
	    check_lookup(c, iova + rnd_below(c, len)))
		return -1;
	return 0;
}

static int do_unmap_idx(struct tctx *c, int i)
{
	struct mapping m = c->maps[i];
	uint64_t len = m.pgsize * m.count, ua, ub, alo, ahi, blo, bhi, apg, bpg;
	unsigned long w0 = peer_warnings();
	int abad, bbad;

	set_step(c, "unmap(iova %#" PRIx64 ", pgsize %#" PRIx64 ", count %" PRIu64 ")",
		 m.iova, m.pgsize, m.count);
	ua = side_unmap(&c->a, m.iova, m.pgsize, m.count, &alo, &ahi, &apg, &abad,
			&c->tables_freed);
	ub = side_unmap(&c->b, m.iova, m.pgsize, m.count, &blo, &bhi, &bpg, &bbad,
			&c->tables_freed);
	c->ops++;
	c->maps[i] = c->maps[--c->nmaps];
	if (ua != len || ub != len)
		return fail(c, "unmapped ptcore %#" PRIx64 ", peer %#" PRIx64 " bytes, expected %#" PRIx64,
			    ua, ub, len);
	if (alo != m.iova || ahi != m.iova + len - 1 || blo != m.iova || bhi != m.iova + len - 1)
		return fail(c, "gathered ranges: ptcore [%#" PRIx64 ", %#" PRIx64 "], peer [%#" PRIx64
			    ", %#" PRIx64 "], expected [%#" PRIx64 ", %#" PRIx64 "]",
			    alo, ahi, blo, bhi, m.iova, m.iova + len - 1);
	if (apg != m.pgsize || abad)
		return fail(c, "ptcore gather: pgsize %#" PRIx64 " (expected %#" PRIx64 ")%s", apg,
			    m.pgsize, abad ? ", tables queued without PTCORE_GATHER_TABLES" : "");
	if (peer_warnings() != w0)
		return fail(c, "the peer warned (WARN_ON) on an exact unmap");
	if (cmp_trees(c))
		return -1;
	if (check_lookup(c, m.iova) || check_lookup(c, m.iova + len - 1))
		return -1;
	return 0;
}

/* ---- geometry, hw_info ---- */

static int setup_geometry(struct tctx *c, const struct ptcore_hw_info *hw, const struct peer_info *pi)
{
	const struct tcfg *cfg = c->cfg;
	uint64_t common, s;
	unsigned int r, va_bits;

	c->arm = cfg->format == PTCORE_FMT_ARM64_LPAE_S1 || cfg->format == PTCORE_FMT_ARM64_LPAE_S2;
	c->dart2 = cfg->format == PTCORE_FMT_APPLE_DART2;
	c->pg_shift = pi->granule_lg2;
	c->bpl = c->pg_shift - 3;
	c->levels = pi->levels;
	c->start_level = pi->start_level;
	c->root_entries = pi->root_entries;
	if (c->arm)
		c->addr_mask = GENMASK64(47, 12);
	else
		c->addr_mask = c->dart2 ? GENMASK64(37, 10) : GENMASK64(35, 12);

	/* register fields, geometry */
	if (hw) {
#define HW_EQ(hf, pf, name) do {						\
		if ((uint64_t)(hf) != (uint64_t)(pf))				\
			return fail(c, "hw_info.%s = %#" PRIx64 ", io-pgtable %#" PRIx64, name, \
				    (uint64_t)(hf), (uint64_t)(pf));		\
	} while (0)
		HW_EQ(hw->format, pi->format, "format");
		HW_EQ(hw->ias, pi->ias, "ias");
		HW_EQ(hw->oas, pi->oas, "oas");
		HW_EQ(hw->granule_lg2, pi->granule_lg2, "granule_lg2");
		HW_EQ(hw->levels, pi->levels, "levels");
		HW_EQ(hw->start_level, pi->start_level, "start_level");
		HW_EQ(hw->n_roots, pi->n_roots, "n_roots (TTBRs)");
		HW_EQ(hw->arm_tsz, pi->tsz, "arm_tsz");
		HW_EQ(hw->arm_tg, pi->tg, "arm_tg");
		HW_EQ(hw->arm_sh, pi->sh, "arm_sh");
		HW_EQ(hw->arm_irgn, pi->irgn, "arm_irgn");
		HW_EQ(hw->arm_orgn, pi->orgn, "arm_orgn");
		HW_EQ(hw->arm_ps, pi->ps, "arm_ps (IPS/PS)");
		HW_EQ(hw->arm_sl, pi->sl, "arm_sl (SL0)");
		/*
		 * MAIR attributes 0-3 (the only ones a PTE references). 6.1 (and 6.12) build
		 * the value from int constants: 0xf4 << 24 is negative and sign
		 * extends into bits 63:32 (attributes 4-7 read 0xff there).
		 */
		HW_EQ(hw->arm_mair, pi->mair & 0xffffffffULL, "arm_mair (attributes 0-3)");
#undef HW_EQ
		if (c->arm) {
			/* Root size from ptcore's own geometry must be the peer's pgd. */
			va_bits = hw->ias - hw->granule_lg2;
			if ((1u << (va_bits - c->bpl * (hw->levels - 1))) != pi->root_entries)
				return fail(c, "root table: ptcore geometry gives %u entries, io-pgtable %u",
					    1u << (va_bits - c->bpl * (hw->levels - 1)), pi->root_entries);
		}
		for (r = 0; r < hw->n_roots; r++)
			if (!hw->root[r] || !pi->root[r] || (hw->root[r] & 7))
				return fail(c, "root[%u]: ptcore %#" PRIx64 ", io-pgtable %#" PRIx64,
					    r, hw->root[r], pi->root[r]);
		c->a.n_roots = hw->n_roots;
		memcpy(c->a.root, hw->root, sizeof(c->a.root));
	}
	c->b.n_roots = pi->n_roots;
	memcpy(c->b.root, pi->root, sizeof(c->b.root));

	/* Leaf sizes both accept (a difference is reported, not a failure). */
	if (hw && hw->pgsize_bitmap != pi->pgsize_bitmap)
		snprintf(c->note, sizeof(c->note), "leaf sizes differ: ptcore %#" PRIx64 ", %s %#" PRIx64,
			 hw->pgsize_bitmap, peer_version_name(c->cfg->version), pi->pgsize_bitmap);
	common = pi->pgsize_bitmap & (hw ? hw->pgsize_bitmap : ~0ULL);
	c->nsizes = 0;
	for (s = 1; s && c->nsizes < 4; s <<= 1)
		if (common & s)
			c->sizes[c->nsizes++] = s;
	if (!c->nsizes)
		return fail(c, "no leaf size in common: ptcore %#" PRIx64 ", io-pgtable %#" PRIx64,
			    hw ? hw->pgsize_bitmap : 0, pi->pgsize_bitmap);
	return 0;
}

/*
 * Working set: windows around one centre C that is as aligned as ias allows
 * (a boundary of the root level where possible), so mappings straddle table
 * boundaries at every level, while few tables are touched and comparing
 * whole trees after every step stays cheap. Largest size: 4 slots; each
 * smaller size: 4 slots of the next size (2 for the smallest).
 */
static void setup_windows(struct tctx *c)
{
	uint64_t top = 1ULL << c->cfg->ias, big = c->sizes[c->nsizes - 1], half, align;
	int k;

	if (c->nsizes == 1)
		half = 2 * (big << c->bpl);		/* DART: 4 leaf tables */
	else
		half = 2 * big;
	align = 1ULL << (c->arm ? depth_shift(c, 0) : c->pg_shift + 2 * c->bpl);
	while (align > half && (top / align) < 2)
		align >>= 1;
	if (align < half)
		align = half;
	/* C: a multiple of align with [C - half, C + half) inside [0, top). */
	c->centre = align * (1 + rnd_below(c, (top - half) / align > 1 ? (top - half) / align - 1 : 1));
	if (c->centre < half)
		c->centre = half;
	if (c->centre + half > top)
		c->centre = top - half;
	for (k = c->nsizes - 1; k >= 0; k--) {
		uint64_t h;

		if (c->nsizes == 1)
			h = half;
		else if (k == c->nsizes - 1)
			h = 2 * c->sizes[k];
		else if (k == 0)
			h = c->sizes[1];
		else
			h = 2 * c->sizes[k + 1];
		c->win_lo[k] = c->centre - h;
		c->win_hi[k] = c->centre + h;
	}
}

static int random_map(struct tctx *c)
{
	int tries, k = (int)rnd_below(c, (uint64_t)c->nsizes);
	uint64_t s = c->sizes[k], nslots = (c->win_hi[k] - c->win_lo[k]) / s;
	uint64_t cs = (c->centre - c->win_lo[k]) / s, tbl = 1ULL << c->bpl;

	for (tries = 0; tries < 16; tries++) {
		uint64_t count, start, off, r = rnd_below(c, 100);
		unsigned int lg;

		if (k == c->nsizes - 1 && c->nsizes > 1)
			count = 1 + rnd_below(c, 2);
		else if (r < 70)
			count = 1 + rnd_below(c, 8);
		else if (r < 90)
			count = 1 + rnd_below(c, 64);
		else
			count = 1 + rnd_below(c, nslots / 2);
		if (r >= 95 && nslots >= 2 * tbl && !(cs % tbl)) {
			/* Exactly one whole table, aligned: its exact unmap frees it in ptcore. */
			count = tbl;
			start = (rnd(c) & 1) ? cs : cs - tbl;
		} else {
			/* Log-uniform distance from the centre. */
			lg = (unsigned int)rnd_below(c, 64 - (uint64_t)__builtin_clzll(nslots / 2));
			off = rnd_below(c, 1ULL << lg);
			if (rnd(c) & 1)
				start = cs + off;
			else
				start = cs >= off + count ? cs - off - count : 0;
			if (start + count > nslots)
				start = nslots - count;
		}
		if (oracle_free(c, c->win_lo[k] + start * s, count * s))
			return do_map(c, c->win_lo[k] + start * s,
				      random_pa(c, s, count * s), s, count, random_prot(c), 1);
	}
	return 1;	/* nothing free found: not an operation */
}

/* Map one page over a present leaf: both must refuse. */
static int overlap_probe(struct tctx *c)
{
	const struct mapping *m = &c->maps[rnd_below(c, (uint64_t)c->nmaps)];
	int k, nk = 0;
	uint64_t s, iova, left;

	for (k = 0; k < c->nsizes && c->sizes[k] <= m->pgsize; k++)
		nk++;
	s = c->sizes[rnd_below(c, (uint64_t)nk)];
	iova = m->iova + rnd_below(c, m->pgsize * m->count / s) * s;
	left = (m->iova + m->pgsize * m->count - iova) / s;
	/* Stay inside the mapping: the first page already conflicts. */
	left = 1 + rnd_below(c, left < 3 ? left : 3);
	return do_map(c, iova, random_pa(c, s, s * left), s, left, PTCORE_PROT_READ, 0);
}

/*
 * Where the self-test maps its k-th size: k GiB up, as Linux's self-test,
 * rounded up to the size for a size above 1G (64K's 4T block with oas 52;
 * Linux's self-test never meets one, and io-pgtable leaves alignment to
 * the IOMMU core); UINT64_MAX when that does not fit below 2^ias.
 */
static uint64_t selftest_slot(const struct tctx *c, int k)
{
	uint64_t s = c->sizes[k], top = 1ULL << c->cfg->ias;
	uint64_t iova = ((uint64_t)k << 30) + s - 1;

	iova &= ~(s - 1);
	return iova < top && top - iova >= s ? iova : UINT64_MAX;
}

/* Linux's io-pgtable self-test sequence, step for step on both. */
static int selftest_sequence(struct tctx *c)
{
	const uint64_t G = 1ULL << 30;
	uint64_t iova, s, top = 1ULL << c->cfg->ias;
	uint64_t probes[3] = { 42, G + 42, 2 * G + 42 };
	int k, i;

	set_step(c, "self-test: empty table");
	for (i = 0; i < 3; i++)
		if (check_lookup(c, probes[i]))
			return -1;

	/* Distinct mappings of each size at 0, 1G, 2G, ...; overlaps fail. */
	for (k = 0; k < c->nsizes; k++) {
		s = c->sizes[k];
		iova = selftest_slot(c, k);
		if (iova == UINT64_MAX)
			continue;
		if (do_map(c, iova, iova, s, 1, PTCORE_PROT_READ | PTCORE_PROT_WRITE |
			   PTCORE_PROT_NOEXEC | PTCORE_PROT_CACHE, 1))
			return -1;
		if (do_map(c, iova, iova + s, s, 1, PTCORE_PROT_READ | PTCORE_PROT_NOEXEC, 0))
			return -1;
		if (check_lookup(c, iova + 42))
			return -1;
	}

	/*
	 * The self-test's "partial unmap" (the smallest size inside the block at 1G) splits
	 * the block; ptcore must refuse it (-EINVAL, nothing removed). The peer
	 * is not asked, so the trees must still be identical.
	 */
	if (c->nsizes > 1 && !c->self_mode) {
		struct ptcore_gather g;
		uint64_t un = 1;
		int r;

		set_step(c, "self-test: partial unmap at 1G + %#" PRIx64, c->sizes[0]);
		ptcore_gather_init(&g);
		r = ptcore_unmap(c->a.pt, G + c->sizes[0], c->sizes[0], &g, &un);
		ptcore_iotlb_sync(c->a.pt, &g);
		c->ops++;
		if (r != -EINVAL || un)
			return fail(c, "ptcore returned %d, unmapped %#" PRIx64
				    " (expected -EINVAL, 0: never split)", r, un);
		if (cmp_trees(c) || check_lookup(c, G + c->sizes[0] + 42))
			return -1;
	}

	/* Full unmap of each, then remap write-only. */
	for (k = 0; k < c->nsizes; k++) {
		int idx;

		iova = selftest_slot(c, k);
		if (iova == UINT64_MAX)
			continue;
		idx = oracle_find(c, iova);

		if (idx < 0)
			return fail(c, "harness: self-test mapping at %#" PRIx64 " lost", iova);
		if (do_unmap_idx(c, idx) || check_lookup(c, iova + 42))
			return -1;
		if (do_map(c, iova, iova, c->sizes[k], 1, PTCORE_PROT_WRITE, 1) ||
		    check_lookup(c, iova + 42))
			return -1;
	}

	/* The last largest page below 2^ias. */
	s = c->sizes[c->nsizes - 1];
	if (oracle_free(c, top - s, s)) {
		if (do_map(c, top - s, random_pa(c, s, s), s, 1, PTCORE_PROT_READ, 1) ||
		    check_lookup(c, top - 1))
			return -1;
		if (do_unmap_idx(c, oracle_find(c, top - s)))
			return -1;
	}
	while (c->nmaps)
		if (do_unmap_idx(c, c->nmaps - 1))
			return -1;
	return 0;
}

/* ---- the dirty differential: ptcore (FEAT_DIRTY_TRACKING) against 6.12 (ARM_HD) ---- */

#define ARM_AP_RDONLY	(1ULL << 7)	/* AP[2]: with DBM, set = writable-clean */
#define ARM_DBM		(1ULL << 51)

/* What a device write through the leaf of @iova does with HD: AP[2] cleared. */
static int device_write(struct tctx *c, const struct side *s, uint64_t iova)
{
	uint64_t *p = (uint64_t *)find_leaf(c, s, iova);

	if (!p || !(*p & ARM_DBM))
		return -1;	/* no dirty state: the write would fault */
	__atomic_fetch_and(p, ~ARM_AP_RDONLY, __ATOMIC_RELAXED);
	return 0;
}

/* Reported dirty IOVA ranges, merged where they touch (ptcore also coalesces by PA). */
#define IV_MAX	256
struct iv_log {
	unsigned int n, overflow;
	uint64_t lo[IV_MAX], hi[IV_MAX];	/* [lo, hi) */
};

static void iv_add(struct iv_log *l, uint64_t iova, uint64_t size)
{
	if (l->n && l->hi[l->n - 1] == iova) {
		l->hi[l->n - 1] = iova + size;
		return;
	}
	if (l->n == IV_MAX) {
		l->overflow = 1;
		return;
	}
	l->lo[l->n] = iova;
	l->hi[l->n] = iova + size;
	l->n++;
}

static void iv_from_ptcore(void *arg, const struct ptcore_range *runs, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		iv_add(arg, runs[i].iova, runs[i].size);
}

static void iv_from_peer(void *arg, uint64_t iova, uint64_t size)
{
	iv_add(arg, iova, size);
}

/*
 * One step: device writes at a few random pages of a random live mapping
 * (the same on both trees; a read-only leaf has no DBM on either side), then
 * read_and_clear_dirty of that mapping's range on both (wholly mapped,
 * starting on a leaf boundary: what 6.12 handles as ptcore does), with
 * NO_CLEAR one time in four. The reported ranges, the gathers and then both
 * trees must be identical.
 */
static int dirty_compare(struct tctx *c, uint64_t iova, uint64_t len, uint32_t flags);

static int dirty_step(struct tctx *c)
{
	const struct mapping *m = &c->maps[rnd_below(c, (uint64_t)c->nmaps)];
	uint64_t len = m->pgsize * m->count;
	uint32_t flags = rnd_below(c, 4) ? 0 : PTCORE_DIRTY_NO_CLEAR;
	unsigned int k, writes = (unsigned int)rnd_below(c, 4);

	set_step(c, "dirty: %u device writes, read_and_clear_dirty(iova %#" PRIx64 ", len %#" PRIx64
		 ", flags %#x)", writes, m->iova, len, flags);
	for (k = 0; k < writes; k++) {
		uint64_t at = m->iova + rnd_below(c, len);
		int wa = device_write(c, &c->a, at), wb = device_write(c, &c->b, at);

		if (wa != wb)
			return fail(c, "a device write at %#" PRIx64 " finds DBM on %s only", at,
				    wa ? "the peer" : "ptcore");
	}
	return dirty_compare(c, m->iova, len, flags);
}

/* read_and_clear_dirty of [iova, iova + len) on both: ranges, gathers, then the trees. */
static int dirty_compare(struct tctx *c, uint64_t iova, uint64_t len, uint32_t flags)
{
	uint64_t glo, ghi;
	struct iv_log la, lb;
	struct ptcore_gather g;
	unsigned long w0 = peer_warnings();
	int ra, rb, i;

	memset(&la, 0, sizeof(la));
	memset(&lb, 0, sizeof(lb));
	ptcore_gather_init(&g);
	if (c->a.pt) {
		ra = ptcore_read_and_clear_dirty(c->a.pt, iova, len, flags, &g, iv_from_ptcore, &la);
	} else {	/* --peer-vs-peer: the harness against itself */
		ra = peer_read_and_clear_dirty(c->a.peer, iova, len, flags, iv_from_peer, &la);
		if (!peer_gather_range(c->a.peer, &glo, &ghi)) {
			g.start = glo;
			g.end = ghi;
		}
	}
	rb = peer_read_and_clear_dirty(c->b.peer, iova, len, flags, iv_from_peer, &lb);
	c->ops++;
	c->dirty_ops++;
	if (ra || rb)
		return fail(c, "read_and_clear_dirty: ptcore %d, peer %d", ra, rb);
	if (peer_warnings() != w0)
		return fail(c, "the peer warned (WARN_ON) on a wholly mapped range");
	if (la.overflow || lb.overflow)
		return fail(c, "harness: more than %d dirty ranges", IV_MAX);
	if (la.n != lb.n)
		return fail(c, "dirty ranges: ptcore %u, peer %u (first: ptcore [%#" PRIx64 ", %#"
			    PRIx64 "), peer [%#" PRIx64 ", %#" PRIx64 "))", la.n, lb.n,
			    la.n ? la.lo[0] : 0, la.n ? la.hi[0] : 0, lb.n ? lb.lo[0] : 0,
			    lb.n ? lb.hi[0] : 0);
	for (i = 0; i < (int)la.n; i++)
		if (la.lo[i] != lb.lo[i] || la.hi[i] != lb.hi[i])
			return fail(c, "dirty range %d: ptcore [%#" PRIx64 ", %#" PRIx64 "), peer [%#"
				    PRIx64 ", %#" PRIx64 ")", i, la.lo[i], la.hi[i], lb.lo[i],
				    lb.hi[i]);
	c->dirty_ranges += la.n;
	/* A cleared leaf must be covered by the gather (both), before the sync. */
	if (la.n && !flags) {
		if (g.start > la.lo[0] || g.end < la.hi[la.n - 1] - 1)
			return fail(c, "ptcore gather [%#" PRIx64 ", %#" PRIx64 "] misses the cleared "
				    "[%#" PRIx64 ", %#" PRIx64 ")", g.start, g.end, la.lo[0],
				    la.hi[la.n - 1]);
		if (peer_gather_range(c->b.peer, &glo, &ghi) || glo > lb.lo[0] ||
		    ghi < lb.hi[lb.n - 1] - 1)
			return fail(c, "peer gather misses the cleared range");
	}
	if (c->a.pt)
		ptcore_iotlb_sync(c->a.pt, &g);
	else
		peer_iotlb_sync(c->a.peer);
	peer_iotlb_sync(c->b.peer);
	return cmp_trees(c);
}

static int random_ops(struct tctx *c, uint64_t nops)
{
	uint64_t end = c->ops + nops;
	int k, r;

	while (c->ops < end) {
		r = (int)rnd_below(c, 100);
		if (c->nmaps == 0 || (c->nmaps < LIVE_TARGET && r < 55)) {
			r = random_map(c);
			if (r < 0)
				return -1;
			if (r > 0 && c->nmaps && do_unmap_idx(c, (int)rnd_below(c, (uint64_t)c->nmaps)))
				return -1;
		} else if (r < 90 || c->nmaps >= MAX_MAPS - 1) {
			if (do_unmap_idx(c, (int)rnd_below(c, (uint64_t)c->nmaps)))
				return -1;
		} else if (overlap_probe(c)) {
			return -1;
		}
		if (c->cfg->dirty && c->nmaps && rnd_below(c, 2) && dirty_step(c))
			return -1;
		/* One more lookup anywhere in the working set. */
		k = (int)rnd_below(c, (uint64_t)c->nsizes);
		if (check_lookup(c, c->win_lo[k] + rnd_below(c, c->win_hi[k] - c->win_lo[k])))
			return -1;
	}
	set_step(c, "unmapping everything");
	while (c->nmaps)
		if (do_unmap_idx(c, c->nmaps - 1))
			return -1;
	if (!tree_empty(c, &c->a) || !tree_empty(c, &c->b))
		return fail(c, "a tree still holds a leaf after everything was unmapped");
	return 0;
}

/* ---- per-config driver ---- */

enum { R_PASS, R_FAIL, R_SKIP };

struct result {
	int status;
	uint64_t ops, entries, lookups;
	uint64_t maps_by_size[4], probes, tables_freed, walk_flushes;
	uint64_t dirty_ops, dirty_ranges;
	char msg[MSG_LEN];
};

struct opts {
	uint64_t nops;
	uint64_t seed;
	int jobs;
	int self_mode;
	int verbose;
	const char *only;
};

static int side_create_peer(struct side *s, const struct tcfg *cfg)
{
	s->name = "peer";
	s->peer = peer_create_version(cfg->version, cfg->format, cfg->granule_lg2, cfg->ias,
				      cfg->oas, (cfg->ns ? PEER_ARM_NS : 0) |
				      (cfg->noncoh ? PEER_INCOHERENT : 0) |
				      (cfg->dirty ? PEER_ARM_HD : 0));
	return s->peer ? 0 : -1;
}

static int side_create_ptcore(struct side *s, const struct tcfg *cfg)
{
	struct ptcore_cfg pc;
	int r;

	memset(&pc, 0, sizeof(pc));
	s->name = "ptcore";
	s->ops.iotlb_flush = pt_flush;
	s->ops.sync_table = pt_sync_table;
	pc.format = cfg->format;
	pc.features = (cfg->ns ? PTCORE_FEAT_ARM_NS : 0) |
		      (cfg->noncoh ? PTCORE_FEAT_DMA_INCOHERENT : 0) |
		      (cfg->dirty ? PTCORE_FEAT_DIRTY_TRACKING : 0);
	pc.pgsize_bitmap = 0;
	pc.ias = (uint8_t)cfg->ias;
	pc.oas = (uint8_t)cfg->oas;
	pc.granule_lg2 = (uint8_t)cfg->granule_lg2;
	pc.ops = &s->ops;
	pc.cookie = &s->flush;
	rec_reset(&s->flush);
	r = ptcore_table_create(&pc, &s->pt);
	return r;
}

static void destroy_sides(struct tctx *c)
{
	if (c->a.pt)
		ptcore_table_destroy(c->a.pt);
	if (c->a.peer)
		peer_destroy(c->a.peer);
	if (c->b.peer)
		peer_destroy(c->b.peer);
	c->a.pt = NULL;
	c->a.peer = c->b.peer = NULL;
}

static void run_config(const struct tcfg *cfg, int idx, const struct opts *o, struct result *res)
{
	struct tctx *c = calloc(1, sizeof(*c));
	struct ptcore_mem_stats m0, m1;
	struct ptcore_hw_info hw;
	struct peer_info pi;
	int ra, rb;

	memset(res, 0, sizeof(*res));
	if (!c) {
		res->status = R_FAIL;
		snprintf(res->msg, sizeof(res->msg), "out of memory");
		return;
	}
	c->cfg = cfg;
	c->self_mode = o->self_mode;
	c->rng = (o->seed ^ (0x9E3779B97F4A7C15ULL * (uint64_t)(idx + 1))) | 1;
	ptcore_mem_stats(&m0);

	rb = side_create_peer(&c->b, cfg);
	if (o->self_mode) {
		ra = side_create_peer(&c->a, cfg);
		c->a.name = "peer#2";
	} else {
		ra = side_create_ptcore(&c->a, cfg);
	}
	if (ra || rb) {
		res->status = R_SKIP;
		snprintf(res->msg, sizeof(res->msg), "%s", ra && rb ? "both refuse" :
			 ra ? "ptcore refuses (only the peer accepts)" : "the peer refuses");
		if (ra && !rb && !o->self_mode)
			snprintf(res->msg, sizeof(res->msg), "ptcore refuses with %d, %s accepts", ra,
				 peer_version_name(cfg->version));
		destroy_sides(c);
		free(c);
		return;
	}

	peer_info(c->b.peer, &pi);
	if (o->self_mode) {
		struct peer_info pa;

		peer_info(c->a.peer, &pa);
		c->a.n_roots = pa.n_roots;
		memcpy(c->a.root, pa.root, sizeof(c->a.root));
		ra = setup_geometry(c, NULL, &pi);
	} else {
		ptcore_hw_info(c->a.pt, &hw);
		ra = setup_geometry(c, &hw, &pi);
	}
	if (!ra) {
		setup_windows(c);
		set_step(c, "create");
		ra = cmp_trees(c);
	}
	if (!ra)
		ra = selftest_sequence(c);
	if (!ra)
		ra = random_ops(c, o->nops);

	res->ops = c->ops;
	res->entries = c->entries;
	res->lookups = c->lookups;
	memcpy(res->maps_by_size, c->maps_by_size, sizeof(res->maps_by_size));
	res->probes = c->probes;
	res->tables_freed = c->tables_freed;
	res->dirty_ops = c->dirty_ops;
	res->dirty_ranges = c->dirty_ranges;
	if (c->b.peer) {
		struct peer_stats ps;

		peer_stats(c->b.peer, &ps);
		res->walk_flushes = ps.tlb_flush_walk;
	}
	destroy_sides(c);
	ptcore_mem_stats(&m1);
	if (!ra && m1.tables_live != m0.tables_live) {
		fail(c, "table blocks live before %" PRIu64 ", after destroying both %" PRIu64,
		     m0.tables_live, m1.tables_live);
		ra = -1;
	}
	if (ra) {
		res->status = R_FAIL;
		snprintf(res->msg, sizeof(res->msg), "%s", c->why);
	} else {
		res->status = R_PASS;
		snprintf(res->msg, sizeof(res->msg), "%d sizes, centre %#" PRIx64 ", %u roots%s%s",
			 c->nsizes, c->centre, c->b.n_roots, c->note[0] ? "; " : "", c->note);
	}
	free(c);
}

/*
 * Harness self-check: the comparison must notice a changed leaf bit and a
 * non-empty table the other side lacks (two peers, identical work).
 */
static int comparer_selfcheck(enum peer_version v)
{
	const struct tcfg cfg = { PTCORE_FMT_ARM64_LPAE_S1, 12, 48, 48, 0, 0, v, 0 };
	struct tctx *c = calloc(1, sizeof(*c));
	struct peer_info pi, pa;
	uint64_t *leaf, save;
	int ok = 1;

	if (!c)
		return -1;
	c->cfg = &cfg;
	c->self_mode = 1;
	c->rng = 1;
	if (side_create_peer(&c->a, &cfg) || side_create_peer(&c->b, &cfg)) {
		destroy_sides(c);
		free(c);
		return -1;
	}
	peer_info(c->a.peer, &pa);
	peer_info(c->b.peer, &pi);
	c->a.n_roots = 1;
	c->a.root[0] = pa.root[0];
	setup_geometry(c, NULL, &pi);
	ok &= !do_map(c, 0x40000000, 0x1000, 4096, 3, PTCORE_PROT_READ, 1);
	ok &= !cmp_trees(c);
	leaf = (uint64_t *)find_leaf(c, &c->a, 0x40001000);
	ok &= leaf != NULL;
	if (leaf) {
		save = *leaf;
		*leaf ^= 1ULL << 54;
		c->why[0] = 0;
		ok &= cmp_trees(c) != 0 && strstr(c->why, "index 1 ") != NULL;
		*leaf = save;
		c->why[0] = 0;
		ok &= !cmp_trees(c);
	}
	/* Mapping only on one side: its non-empty table must be reported. */
	ok &= !side_map(&c->a, 0x80000000, 0x2000, 4096, 1, PTCORE_PROT_READ, NULL);
	c->why[0] = 0;
	ok &= cmp_trees(c) != 0;
	destroy_sides(c);
	free(c);
	return ok ? 0 : -1;
}

/* ---- dirty tracking: the 6.12 peer's IO_PGTABLE_QUIRK_ARM_HD ---- */

struct span_log {
	unsigned int n;
	uint64_t iova[16], size[16];
};

static void span_record(void *arg, uint64_t iova, uint64_t size)
{
	struct span_log *l = arg;

	if (l->n < 16) {
		l->iova[l->n] = iova;
		l->size[l->n] = size;
	}
	l->n++;
}

/*
 * read_and_clear_dirty over the two mapped stretches of dirty_peer_selfcheck()
 * (6.12 refuses a range with a hole), spans into @l.
 */
static int rcd2(struct peer *p, uint32_t flags, struct span_log *l)
{
	int r = peer_read_and_clear_dirty(p, 0x40000000, 5 * 4096, flags, span_record, l);

	return r ? r : peer_read_and_clear_dirty(p, 0x40200000, 1ULL << 21, flags, span_record, l);
}

/* The spans of @l must be exactly @n pairs (iova, size) of @want. */
static int spans_are(const struct span_log *l, unsigned int n, const uint64_t *want)
{
	unsigned int i;

	if (l->n != n)
		return 0;
	for (i = 0; i < n; i++)
		if (l->iova[i] != want[2 * i] || l->size[i] != want[2 * i + 1])
			return 0;
	return 1;
}

/*
 * The peer side of the dirty differential: 6.12 takes IO_PGTABLE_QUIRK_ARM_HD
 * on stage 1 and 6.1 refuses it; writable leaves get DBM with AP[2] clear
 * (dirty from the start), read-only ones neither; read_and_clear_dirty
 * reports every dirty leaf, leaves it dirty with NO_CLEAR, sets AP[2]
 * otherwise and widens the gather; a device write (AP[2] cleared) is
 * reported once. Also pins down two ways in which 6.12 differs from
 * ptcore's contract: a leaf that begins before the range is recorded from
 * the range's start, with the leaf's whole size, and the walk goes on from
 * that misaligned address (so in a following table the leaves before the
 * same offset are skipped; ptcore reports whole leaves from their own
 * start); and an empty entry inside the range is a
 * WARN_ON and -EINVAL, after the leaves before it were handled (ptcore skips
 * holes). iommufd only asks for mapped areas, so a differential compares
 * wholly mapped ranges that start on a leaf boundary.
 */
static int dirty_peer_selfcheck(char *why, size_t len)
{
	const struct tcfg cfg = { PTCORE_FMT_ARM64_LPAE_S1, 12, 48, 48, 0, 0, PEER_6_12, 1 };
	const uint64_t base = 0x40000000, M2 = 1ULL << 21;
	const uint64_t all[] = { base, 4096, base + 4096, 4096, base + 8192, 4096,
				 base + 12288, 4096, base + M2, M2 };
	const uint64_t two[] = { base + 8192, 4096, base + M2, M2 };
	const uint64_t mid[] = { base + M2 + 0x100000, M2 };
	struct tctx *c = calloc(1, sizeof(*c));
	struct span_log l;
	struct peer_info pi;
	struct peer *p61;
	uint64_t lo, hi, k;
	const uint64_t *e;
	unsigned long w0;
	int step = 0;

#define DCHECK(cond) do { step++; if (!(cond)) goto bad; } while (0)
	if (!c)
		return -1;
	c->cfg = &cfg;
	c->self_mode = 1;
	p61 = peer_create_version(PEER_6_1, cfg.format, 12, 48, 48, PEER_ARM_HD);
	DCHECK(!p61);
	c->b.name = "peer";
	c->b.peer = peer_create_version(PEER_6_12, cfg.format, 12, 48, 48, PEER_ARM_HD);
	DCHECK(c->b.peer);
	peer_info(c->b.peer, &pi);
	DCHECK(!setup_geometry(c, NULL, &pi));
	DCHECK(!peer_map(c->b.peer, base, 0x100000, 4096, 4, PTCORE_PROT_READ | PTCORE_PROT_WRITE,
			 NULL));
	DCHECK(!peer_map(c->b.peer, base + 0x4000, 0x200000, 4096, 1, PTCORE_PROT_READ, NULL));
	DCHECK(!peer_map(c->b.peer, base + M2, 0x400000, M2, 1,
			 PTCORE_PROT_READ | PTCORE_PROT_WRITE, NULL));
	for (k = 0; k < 4; k++) {
		e = find_leaf(c, &c->b, base + 4096 * k);
		DCHECK(e && (*e & ARM_DBM) && !(*e & ARM_AP_RDONLY));
	}
	e = find_leaf(c, &c->b, base + 0x4000);
	DCHECK(e && !(*e & ARM_DBM) && (*e & ARM_AP_RDONLY));
	e = find_leaf(c, &c->b, base + M2);
	DCHECK(e && (*e & ARM_DBM) && !(*e & ARM_AP_RDONLY));

	/* Fresh writable leaves are dirty; NO_CLEAR reports and keeps them so. */
	memset(&l, 0, sizeof(l));
	DCHECK(!rcd2(c->b.peer, PEER_DIRTY_NO_CLEAR, &l));
	DCHECK(spans_are(&l, 5, all));
	memset(&l, 0, sizeof(l));
	DCHECK(!rcd2(c->b.peer, 0, &l));
	DCHECK(spans_are(&l, 5, all));
	DCHECK(!peer_gather_range(c->b.peer, &lo, &hi) && lo == base && hi == base + 2 * M2 - 1);
	peer_iotlb_sync(c->b.peer);
	e = find_leaf(c, &c->b, base + M2);
	DCHECK(e && (*e & ARM_DBM) && (*e & ARM_AP_RDONLY));
	memset(&l, 0, sizeof(l));
	DCHECK(!rcd2(c->b.peer, 0, &l));
	DCHECK(l.n == 0);

	/* Device writes: exactly those leaves, once. */
	DCHECK(!device_write(c, &c->b, base + 8192 + 100));
	DCHECK(!device_write(c, &c->b, base + M2 + 0x12345));
	DCHECK(device_write(c, &c->b, base + 0x4000));	/* read-only: no DBM */
	memset(&l, 0, sizeof(l));
	DCHECK(!rcd2(c->b.peer, 0, &l));
	DCHECK(spans_are(&l, 2, two));
	memset(&l, 0, sizeof(l));
	DCHECK(!rcd2(c->b.peer, 0, &l));
	DCHECK(l.n == 0);

	/* A range starting inside the dirty 2M block: recorded from the range's start. */
	DCHECK(!device_write(c, &c->b, base + M2));
	memset(&l, 0, sizeof(l));
	DCHECK(!peer_read_and_clear_dirty(c->b.peer, base + M2 + 0x100000, 4096, 0, span_record,
					  &l));
	DCHECK(spans_are(&l, 1, mid));
	peer_iotlb_sync(c->b.peer);

	/* A hole in the range: 6.12 warns and stops with -EINVAL (ptcore skips holes). */
	w0 = peer_warnings();
	DCHECK(!device_write(c, &c->b, base));
	memset(&l, 0, sizeof(l));
	DCHECK(peer_read_and_clear_dirty(c->b.peer, base, 2 * M2, 0, span_record, &l) == -EINVAL);
	DCHECK(l.n == 1 && l.iova[0] == base && peer_warnings() == w0 + 1);
	peer_iotlb_sync(c->b.peer);

	/*
	 * The comparison of the differential against itself: a second HD peer
	 * with the same maps; a device write on one side only must be caught,
	 * then the same write on the other side must make them agree again.
	 */
	c->a.name = "peer#2";
	c->a.peer = peer_create_version(PEER_6_12, cfg.format, 12, 48, 48, PEER_ARM_HD);
	DCHECK(c->a.peer);
	peer_info(c->a.peer, &pi);
	c->a.n_roots = 1;
	c->a.root[0] = pi.root[0];
	DCHECK(!peer_map(c->a.peer, base, 0x100000, 4096, 4, PTCORE_PROT_READ | PTCORE_PROT_WRITE,
			 NULL));
	DCHECK(!peer_map(c->a.peer, base + 0x4000, 0x200000, 4096, 1, PTCORE_PROT_READ, NULL));
	DCHECK(!peer_map(c->a.peer, base + M2, 0x400000, M2, 1,
			 PTCORE_PROT_READ | PTCORE_PROT_WRITE, NULL));
	DCHECK(!peer_read_and_clear_dirty(c->a.peer, base, 5 * 4096, 0, NULL, NULL));
	DCHECK(!peer_read_and_clear_dirty(c->a.peer, base + M2, M2, 0, NULL, NULL));
	peer_iotlb_sync(c->a.peer);
	DCHECK(!peer_read_and_clear_dirty(c->b.peer, base, 5 * 4096, 0, NULL, NULL));
	peer_iotlb_sync(c->b.peer);
	DCHECK(!cmp_trees(c));
	DCHECK(!device_write(c, &c->a, base + 4096));
	c->why[0] = 0;
	DCHECK(dirty_compare(c, base, 5 * 4096, PTCORE_DIRTY_NO_CLEAR) &&
	       strstr(c->why, "dirty ranges"));
	DCHECK(!device_write(c, &c->b, base + 4096));
	c->why[0] = 0;
	DCHECK(!dirty_compare(c, base, 5 * 4096, 0));
	DCHECK(!dirty_compare(c, base, 5 * 4096, 0));	/* clean on both now */
	DCHECK(peer_unmap(c->a.peer, base, 4096, 5) == 5 * 4096);
	DCHECK(peer_unmap(c->a.peer, base + M2, M2, 1) == M2);
	peer_iotlb_sync(c->a.peer);
	peer_destroy(c->a.peer);
	c->a.peer = NULL;

	DCHECK(peer_unmap(c->b.peer, base, 4096, 5) == 5 * 4096);
	DCHECK(peer_unmap(c->b.peer, base + M2, M2, 1) == M2);
	peer_iotlb_sync(c->b.peer);
	peer_destroy(c->b.peer);
	free(c);
	return 0;
#undef DCHECK
bad:
	snprintf(why, len, "check %d failed (last report: %u spans, first %#" PRIx64 "+%#" PRIx64
		 ", last %#" PRIx64 "+%#" PRIx64 ")", step, l.n, l.iova[0], l.size[0],
		 l.n ? l.iova[(l.n - 1) % 16] : 0, l.n ? l.size[(l.n - 1) % 16] : 0);
	peer_destroy(p61);
	peer_destroy(c->a.peer);
	peer_destroy(c->b.peer);
	free(c);
	return -1;
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-n OPS] [-s SEED] [-j JOBS] [-o SUBSTRING] [-v] [--peer-vs-peer]\n"
		"  -n OPS   random operations per configuration (default 10000)\n"
		"  -s SEED  random seed (default 1)\n"
		"  -j JOBS  worker processes (default 2)\n"
		"  -o STR   only configurations whose name contains STR\n"
		"  --peer-vs-peer  compare the peer with itself (harness check)\n", argv0);
}

int main(int argc, char **argv)
{
	static struct tcfg cfgs[512];
	struct opts o = { .nops = 10000, .seed = 1, .jobs = 2 };
	struct result *res;
	struct vsum {
		int pass, failed, skipped;
		uint64_t ops, entries, lookups, by_size[4], probes, freed, walks;
		uint64_t dirty_ops, dirty_ranges;
		int dirty_cfgs;
	} vs[PEER_NR_VERSIONS];
	int ncfg, i, w, v, pass = 0, failed = 0;
	struct timespec t0, t1;
	char name[96];
	int *sel, nsel = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			o.nops = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			o.seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-j") && i + 1 < argc)
			o.jobs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			o.only = argv[++i];
		else if (!strcmp(argv[i], "-v"))
			o.verbose = 1;
		else if (!strcmp(argv[i], "--peer-vs-peer"))
			o.self_mode = 1;
		else {
			usage(argv[0]);
			return 2;
		}
	}
	if (o.jobs < 1)
		o.jobs = 1;
	peer_set_verbose_warnings(o.verbose);
	memset(vs, 0, sizeof(vs));
	clock_gettime(CLOCK_MONOTONIC, &t0);

	for (v = 0; v < PEER_NR_VERSIONS; v++)
		if (comparer_selfcheck((enum peer_version)v)) {
			printf("comparer self-check (%s): FAILED (the comparison misses differences)\n",
			       peer_version_name((enum peer_version)v));
			return 1;
		}
	printf("comparer self-check: ok for every version (a flipped leaf bit and a one-sided "
	       "table are caught)\n");
	{
		char why[128];

		if (dirty_peer_selfcheck(why, sizeof(why))) {
			printf("dirty self-check (6.12 HD peer): FAILED: %s\n", why);
			return 1;
		}
	}
	printf("dirty self-check (6.12 HD peer): ok (DBM on writable leaves, NO_CLEAR, clean, "
	       "device writes reported once; 6.1 refuses HD; a one-sided write is caught)\n");

	ncfg = build_all_configs(cfgs, (int)(sizeof(cfgs) / sizeof(cfgs[0])));
	sel = calloc((size_t)ncfg, sizeof(*sel));
	res = mmap(NULL, sizeof(*res) * (size_t)ncfg, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!sel || res == MAP_FAILED) {
		perror("difftest");
		return 1;
	}
	for (i = 0; i < ncfg; i++) {
		cfg_name(&cfgs[i], name, sizeof(name));
		if (!o.only || strstr(name, o.only))
			sel[nsel++] = i;
	}
	fflush(stdout);

	/* Workers take every jobs-th configuration; results go to shared memory. */
	for (w = 0; w < o.jobs; w++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			for (i = w; i < nsel; i += o.jobs)
				run_config(&cfgs[sel[i]], sel[i], &o, &res[sel[i]]);
			_exit(0);
		}
	}
	for (w = 0; w < o.jobs; w++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			printf("a worker died (status %#x)\n", st);
			failed++;
		}
	}

	printf("%-41s %-6s %9s %12s %9s  %s\n", "configuration", "result", "ops", "entries",
	       "lookups", "notes");
	for (i = 0; i < nsel; i++) {
		const struct result *r = &res[sel[i]];
		struct vsum *t = &vs[cfgs[sel[i]].version];

		cfg_name(&cfgs[sel[i]], name, sizeof(name));
		if (r->status == R_SKIP) {
			t->skipped++;
			printf("%-41s %-6s %9s %12s %9s  %s\n", name, "skip", "-", "-", "-", r->msg);
			continue;
		}
		printf("%-41s %-6s %9" PRIu64 " %12" PRIu64 " %9" PRIu64 "  %s\n", name,
		       r->status == R_PASS ? "ok" : "FAIL", r->ops, r->entries, r->lookups,
		       r->status == R_PASS && !o.verbose && !strstr(r->msg, "differ") ? "" : r->msg);
		if (r->status == R_PASS)
			t->pass++;
		else
			t->failed++;
		t->ops += r->ops;
		t->entries += r->entries;
		t->lookups += r->lookups;
		for (w = 0; w < 4; w++)
			t->by_size[w] += r->maps_by_size[w];
		t->probes += r->probes;
		t->freed += r->tables_freed;
		t->walks += r->walk_flushes;
		t->dirty_ops += r->dirty_ops;
		t->dirty_ranges += r->dirty_ranges;
		t->dirty_cfgs += cfgs[sel[i]].dirty;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (v = 0; v < PEER_NR_VERSIONS; v++) {
		const struct vsum *t = &vs[v];
		const char *vn = peer_version_name((enum peer_version)v);

		if (!t->pass && !t->failed && !t->skipped)
			continue;
		printf("\n%s: configurations: %d run, %d skipped (refused by one side, listed above)\n",
		       vn, t->pass + t->failed, t->skipped);
		printf("%s: operations: %" PRIu64 " (map, exact unmap, overlap probe), table entries "
		       "compared: %" PRIu64 ", iova_to_phys compared: %" PRIu64 "\n", vn, t->ops,
		       t->entries, t->lookups);
		printf("%s: maps by size (largest first): %" PRIu64 " / %" PRIu64 " / %" PRIu64
		       ", overlap probes refused by both: %" PRIu64 "\n", vn, t->by_size[0],
		       t->by_size[1], t->by_size[2], t->probes);
		printf("%s: tables freed by ptcore's unmap: %" PRIu64 ", tables the peer replaced by a "
		       "block: %" PRIu64 "\n", vn, t->freed, t->walks);
		if (t->dirty_cfgs)
			printf("%s: dirty tracking (%d configurations): read_and_clear_dirty compared: %"
			       PRIu64 ", dirty ranges reported by both: %" PRIu64 "\n", vn,
			       t->dirty_cfgs, t->dirty_ops, t->dirty_ranges);
		printf("%s: %d passed, %d failed\n", vn, t->pass, t->failed);
		pass += t->pass;
		failed += t->failed;
	}
	printf("\nall versions: %.1f s\n",
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (o.self_mode)
		printf("(peer-vs-peer mode: ptcore was not tested)\n");
	printf("%d passed, %d failed\n", pass, failed);
	return failed || !pass ? 1 : 0;
}
