// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Test support shared by ptcore's KUnit suites: see ptt_util.h.
 *
 * Conventions in this file: ctx is the checked table (struct ptt_ctx), t the
 * ptcore table, om the oracle's records, slot a tracked table block, g a
 * gather. "Violation" = something ABI.md or FORMATS.md forbids, reported with
 * KUNIT_FAIL.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ptt_util.h"

#define MAX_REPORTS 12

/* the gfp the checked maps pass: ptcore takes the kernel's gfp_t bits as a u32 */
#define PTT_GFP ((__force u32)GFP_KERNEL)

#define violation(ctx_, fmt, ...)                                                 \
	do {                                                                      \
		struct ptt_ctx *__vc = (ctx_);                                    \
		__vc->violations++;                                               \
		if (__vc->violations <= MAX_REPORTS)                              \
			KUNIT_FAIL(__vc->test, fmt, ##__VA_ARGS__);               \
		else if (__vc->violations == MAX_REPORTS + 1)                     \
			KUNIT_FAIL(__vc->test, "(further violations not shown)"); \
	} while (0)

#define ptt_ull(x) ((unsigned long long)(x))

static bool is_arm(u32 format)
{
	return format == PTCORE_FMT_ARM64_LPAE_S1 || format == PTCORE_FMT_ARM64_LPAE_S2;
}

/* ---- PRNG ---- */

void ptt_rng_seed(struct ptt_rng *r, u64 seed)
{
	r->s = seed;
}

u64 ptt_rand(struct ptt_rng *r)
{
	u64 z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

u64 ptt_rand_below(struct ptt_rng *r, u64 n)
{
	return n ? ptt_rand(r) % n : 0;
}

/* ---- configuration helpers ---- */

struct ptcore_cfg ptt_cfg(u32 format, unsigned int granule_lg2, unsigned int ias, unsigned int oas,
			  u32 features, u64 pgsize_bitmap)
{
	struct ptcore_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.format = format;
	cfg.granule_lg2 = granule_lg2;
	cfg.ias = ias;
	cfg.oas = oas;
	cfg.features = features;
	cfg.pgsize_bitmap = pgsize_bitmap;
	return cfg;
}

u64 ptt_smallest_pgsize(const struct ptt_ctx *ctx)
{
	return ctx->hi.pgsize_bitmap & -ctx->hi.pgsize_bitmap;
}

u64 ptt_largest_pgsize(const struct ptt_ctx *ctx)
{
	u64 b = ctx->hi.pgsize_bitmap;

	return b ? 1ULL << (63 - __builtin_clzll(b)) : 0;
}

bool ptt_is_root(const struct ptt_ctx *ctx, u64 pa)
{
	unsigned int i;

	for (i = 0; i < ctx->hi.n_roots && i < 4; i++)
		if (ctx->hi.root[i] == pa)
			return true;
	return false;
}

/* Size of one hardware entry of a leaf of @pgsize (contiguous runs: the base size). */
static u64 ptt_entry_size(const struct ptt_ctx *ctx, u64 pgsize)
{
	unsigned int lg2 = __builtin_ctzll(pgsize), g = ctx->w.pg_shift;

	if (!is_arm(ctx->hi.format) || lg2 < g || (lg2 - g) % ctx->w.bpl == 0)
		return pgsize;
	/* contiguous-hint size: the largest base size below it */
	return 1ULL << (g + ((lg2 - g) / ctx->w.bpl) * ctx->w.bpl);
}

/* ---- expected entries (FORMATS.md, from the walk model) ---- */

u64 ptt_expected_leaf(const struct ptt_ctx *ctx, u32 prot, u64 oa, unsigned int level, bool contig)
{
	return hw_walk_expected_leaf(&ctx->w, prot, oa, level, contig);
}

u64 ptt_expected_table(const struct ptt_ctx *ctx, u64 pa)
{
	return hw_walk_expected_table(&ctx->w, pa);
}

int ptt_map_arg_errno(const struct ptt_ctx *ctx, u64 iova, u64 pa, u64 pgsize, u64 pgcount,
		      u32 prot)
{
	return orc_map_args(&ctx->g, iova, pa, pgsize, pgcount, prot);
}

/* ---- tracked table blocks ---- */

static u32 trk_hash(u64 pa)
{
	return (u32)(((pa >> 3) * 0x9e3779b97f4a7c15ULL) >> 40) & (PTT_TRACK_SLOTS - 1);
}

static struct ptt_tracked *trk_find(const struct ptt_ctx *ctx, u64 pa)
{
	u32 i = trk_hash(pa), n;

	for (n = 0; n < PTT_TRACK_SLOTS; n++, i = (i + 1) & (PTT_TRACK_SLOTS - 1)) {
		struct ptt_tracked *s = &ctx->trk[i];

		if (s->state == PTT_TS_EMPTY)
			return NULL;
		if (s->pa == pa)
			return s;
	}
	return NULL;
}

static struct ptt_tracked *trk_insert(struct ptt_ctx *ctx, u64 pa)
{
	u32 i = trk_hash(pa), n;

	for (n = 0; n < PTT_TRACK_SLOTS; n++, i = (i + 1) & (PTT_TRACK_SLOTS - 1)) {
		struct ptt_tracked *s = &ctx->trk[i];

		if (s->state == PTT_TS_EMPTY || s->pa == pa)
			return s;
	}
	return NULL;
}

static bool slot_allocated(const struct ptt_tracked *s)
{
	return s && s->state != PTT_TS_EMPTY && s->state != PTT_TS_FREED;
}

static u64 block_csum(const void *va, u64 size)
{
	const u64 *p = va;
	u64 h = 0xcbf29ce484222325ULL, i;

	for (i = 0; i < size / 8; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static bool tracking(const struct ptt_ctx *ctx)
{
	return !(ctx->flags & PTT_CTX_NO_OPS);
}

unsigned int ptt_count_state(const struct ptt_ctx *ctx, enum ptt_tstate state)
{
	unsigned int i, n = 0;

	if (!tracking(ctx))
		return 0;
	for (i = 0; i < PTT_TRACK_SLOTS; i++)
		if (ctx->trk[i].state == state)
			n++;
	return n;
}

const struct ptcore_gather *ptt_last_flush(const struct ptt_ctx *ctx)
{
	if (!ctx->n_flush)
		return NULL;
	return &ctx->flush_log[(ctx->n_flush - 1) % PTT_FLUSH_LOG];
}

/* ---- memory views for the walk model ---- */

static const u64 *read_live(void *c, u64 pa, u64 bytes)
{
	struct ptt_ctx *ctx = c;
	struct ptt_tracked *s;

	if (!tracking(ctx))
		return ptcore_phys_to_virt(ctx->t, pa);
	s = trk_find(ctx, pa);
	if (!slot_allocated(s) || s->size < bytes)
		return NULL;
	return s->va;
}

static const u64 *read_shadow(void *c, u64 pa, u64 bytes)
{
	struct ptt_ctx *ctx = c;
	struct ptt_tracked *s = trk_find(ctx, pa);

	if (!slot_allocated(s) || s->size < bytes || !s->shadow)
		return NULL;
	return (const u64 *)s->shadow;
}

/* ---- the tree scan ---- */

struct scan_state {
	struct ptt_ctx *ctx;
	bool check_leaves;
	unsigned int oi;
	u64 bytes;
	unsigned int n_tables;
	u64 last_leaf_end;
};

static int scan_table(void *c, u64 pa, unsigned int level, u64 iova, u64 span, u64 bytes, u64 desc)
{
	struct scan_state *st = c;
	struct ptt_ctx *ctx = st->ctx;
	struct ptt_tracked *s;

	st->n_tables++;
	/*
	 * Linux 6.1 marks table entries it has synced for a DMA-incoherent
	 * walker with software bit 55 (ARM_LPAE_PTE_SW_SYNC), which the
	 * hardware ignores: allow it there.
	 */
	if (desc && ctx->incoherent && is_arm(ctx->hi.format))
		desc &= ~BIT_ULL(55);
	if (desc && desc != ptt_expected_table(ctx, pa))
		violation(ctx, "table entry for %llx at level %u (iova %llx): %llx, expected %llx",
			  ptt_ull(pa), level - 1, ptt_ull(iova), ptt_ull(desc),
			  ptt_ull(ptt_expected_table(ctx, pa)));
	if (!desc && !ptt_is_root(ctx, pa))
		violation(ctx, "walk started at %llx, not a root", ptt_ull(pa));
	if (!tracking(ctx))
		return 0;
	s = trk_find(ctx, pa);
	if (!slot_allocated(s)) {
		violation(ctx, "walker reaches %llx (level %u, iova %llx): not a table block",
			  ptt_ull(pa), level, ptt_ull(iova));
		return 1;
	}
	if (s->size < bytes)
		violation(ctx, "table %llx holds %llu bytes, the walker reads %llu", ptt_ull(pa),
			  ptt_ull(s->size), ptt_ull(bytes));
	if (s->state == PTT_TS_UNLINKED || s->state == PTT_TS_FLUSHED)
		violation(ctx, "table %llx is reachable again after it was unlinked", ptt_ull(pa));
	s->seen_epoch = ctx->epoch;
	s->state = PTT_TS_LIVE;
	s->level = level;
	s->span_start = iova;
	s->span_last = iova + span - 1;
	s->span_known = true;
	return 0;
}

static int scan_leaf(void *c, const struct hw_leaf *leaf)
{
	struct scan_state *st = c;
	struct ptt_ctx *ctx = st->ctx;
	const struct orc_leaf *m;
	bool contig;
	u64 want;

	if (!st->check_leaves)
		return 0;
	while (st->oi < ctx->o.n && ctx->o.v[st->oi].iova + ctx->o.v[st->oi].size <= leaf->iova)
		st->oi++;
	if (st->oi >= ctx->o.n || ctx->o.v[st->oi].iova > leaf->iova) {
		violation(ctx, "leaf at iova %llx (size %llx, pte %llx) that was never mapped",
			  ptt_ull(leaf->iova), ptt_ull(leaf->size), ptt_ull(leaf->pte));
		return 0;
	}
	m = &ctx->o.v[st->oi];
	if (leaf->iova + leaf->size > m->iova + m->size) {
		violation(ctx, "leaf at iova %llx size %llx overruns the mapping [%llx, +%llx)",
			  ptt_ull(leaf->iova), ptt_ull(leaf->size), ptt_ull(m->iova),
			  ptt_ull(m->size));
		return 0;
	}
	contig = m->size > leaf->size;
	if (contig) {
		unsigned int n = hw_walk_contig_entries(&ctx->w, leaf->level);

		if (!n || m->size != n * leaf->size)
			violation(ctx,
				  "mapping [%llx, +%llx) stored as entries of %llx at level %u",
				  ptt_ull(m->iova), ptt_ull(m->size), ptt_ull(leaf->size),
				  leaf->level);
	} else if (m->size != leaf->size) {
		violation(ctx, "mapping of %llx at %llx stored as a leaf of %llx", ptt_ull(m->size),
			  ptt_ull(m->iova), ptt_ull(leaf->size));
	}
	want = ptt_expected_leaf(ctx, m->prot, m->pa + (leaf->iova - m->iova), leaf->level, contig);
	if (leaf->pte != want)
		violation(ctx,
			  "leaf at iova %llx level %u: pte %llx, expected %llx (pa %llx prot %x)",
			  ptt_ull(leaf->iova), leaf->level, ptt_ull(leaf->pte), ptt_ull(want),
			  ptt_ull(m->pa + (leaf->iova - m->iova)), m->prot);
	st->bytes += leaf->size;
	return 0;
}

/* An entry the walker cannot use, or an invalid entry that is not zero. */
static int scan_bad(void *c, u64 iova, unsigned int level, u64 pte, enum hw_fault f)
{
	struct scan_state *st = c;

	violation(st->ctx, "entry %llx at level %u (iova %llx): %s", ptt_ull(pte), level,
		  ptt_ull(iova), hw_fault_name(f));
	return 0;
}

/* Tables only (inside callbacks) or tables and leaves; returns blocks newly unlinked. */
static unsigned int do_scan(struct ptt_ctx *ctx, bool check_leaves)
{
	struct scan_state st = { .ctx = ctx, .check_leaves = check_leaves };
	struct hw_visitor v = {
		.table = scan_table, .leaf = scan_leaf, .bad = scan_bad, .ctx = &st,
	};
	unsigned int i, newly = 0;
	int ret;

	ctx->epoch++;
	ret = hw_walk_visit(&ctx->w, &v);
	if (check_leaves && ret == 0 && st.bytes != ctx->o.bytes)
		violation(ctx, "the tree maps %llx bytes, the oracle %llx", ptt_ull(st.bytes),
			  ptt_ull(ctx->o.bytes));
	if (!tracking(ctx) || ret)
		return 0;
	for (i = 0; i < PTT_TRACK_SLOTS; i++) {
		struct ptt_tracked *s = &ctx->trk[i];

		if (s->state == PTT_TS_LIVE && s->seen_epoch != ctx->epoch) {
			s->state = PTT_TS_UNLINKED;
			s->unlinked_epoch = ctx->epoch;
			s->csum = block_csum(s->va, s->size);
			newly++;
		}
	}
	return newly;
}

void ptt_scan(struct ptt_ctx *ctx)
{
	do_scan(ctx, true);
}

static int count_table(void *c, u64 pa, unsigned int level, u64 iova, u64 span, u64 bytes, u64 desc)
{
	(*(unsigned int *)c)++;
	return 0;
}

unsigned int ptt_count_tables(struct ptt_ctx *ctx)
{
	unsigned int n = 0;

	if (hw_walk_for_each(&ctx->w, count_table, NULL, &n) < 0)
		violation(ctx, "hardware walk of the tree failed");
	return n;
}

static unsigned int pending_blocks(const struct ptt_ctx *ctx)
{
	return ptt_count_state(ctx, PTT_TS_UNLINKED) + ptt_count_state(ctx, PTT_TS_FLUSHED);
}

/* DMA_INCOHERENT: at the end of a call every reachable table is published. */
static void check_published(struct ptt_ctx *ctx)
{
	unsigned int i;

	if (!ctx->incoherent)
		return;
	for (i = 0; i < PTT_TRACK_SLOTS; i++) {
		struct ptt_tracked *s = &ctx->trk[i];

		if (s->state != PTT_TS_LIVE || !s->shadow)
			continue;
		if (s->n_synced != s->size / 8)
			violation(ctx,
				  "reachable table %llx: only %llu of %llu entries ever synced",
				  ptt_ull(s->pa), ptt_ull(s->n_synced), ptt_ull(s->size / 8));
		else if (memcmp(s->shadow, s->va, s->size))
			violation(ctx, "table %llx has writes that were never synced to the walker",
				  ptt_ull(s->pa));
	}
}

/* ---- ops callbacks ---- */

static void *ptt_op_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	struct ptt_ctx *ctx = cookie;
	struct ptt_tracked *s;
	void *va;

	ctx->alloc_calls++;
	ctx->last_gfp = gfp;
	if (ctx->fail_nth && ctx->alloc_calls == ctx->fail_nth) {
		ctx->n_alloc_failed++;
		return NULL;
	}
	va = ptcore_builtin_alloc_table(NULL, size, phys, gfp);
	if (!va)
		return NULL;
	if (size < 8 || (size & (size - 1)))
		violation(ctx, "table block of %llu bytes", ptt_ull(size));
	if (*phys & (size - 1))
		violation(ctx, "built-in allocator: %llx not aligned to %llu", ptt_ull(*phys),
			  ptt_ull(size));
	if (!ctx->have_delta) {
		ctx->have_delta = true;
		ctx->delta = (long)((uintptr_t)va - (uintptr_t)*phys);
	} else if ((long)((uintptr_t)va - (uintptr_t)*phys) != ctx->delta) {
		violation(ctx, "va - pa not constant");
	}
	s = trk_insert(ctx, *phys);
	if (!s) {
		violation(ctx, "tracker full");
		ptcore_builtin_free_table(NULL, va, *phys, size);
		return NULL;
	}
	if (slot_allocated(s))
		violation(ctx, "block %llx handed out twice", ptt_ull(*phys));
	memset(s, 0, sizeof(*s));
	s->pa = *phys;
	s->va = va;
	s->size = size;
	s->state = PTT_TS_NEW;
	if (ctx->incoherent) {
		s->shadow = kmalloc(size, GFP_KERNEL);
		s->synced = kcalloc(BITS_TO_LONGS(size / 8), sizeof(unsigned long), GFP_KERNEL);
		if (s->shadow)
			memset(s->shadow, 0xa5, size); /* stale memory the walker would see */
	}
	if (!ctx->n_alloc)
		ctx->first_alloc_size = size;
	ctx->n_alloc++;
	ctx->n_live++;
	return va;
}

static void ptt_op_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	struct ptt_ctx *ctx = cookie;
	struct ptt_tracked *s = trk_find(ctx, phys);

	if (!slot_allocated(s)) {
		violation(ctx, "free of %llx which is not an allocated block (double free?)",
			  ptt_ull(phys));
		return;
	}
	if (s->va != va || s->size != size)
		violation(ctx, "free of %llx with va/size not as allocated (%llu vs %llu)",
			  ptt_ull(phys), ptt_ull(size), ptt_ull(s->size));
	if (!ctx->in_destroy) {
		switch (s->state) {
		case PTT_TS_LIVE:
			violation(ctx,
				  "table %llx (L%u, %llx..%llx) freed: unlinked, never flushed",
				  ptt_ull(phys), s->level, ptt_ull(s->span_start),
				  ptt_ull(s->span_last));
			break;
		case PTT_TS_UNLINKED:
			/* without an iotlb_flush op there is nothing to wait for */
			if (!ctx->ops.iotlb_flush)
				break;
			violation(ctx, "table %llx (L%u, %llx..%llx) freed before a covering flush",
				  ptt_ull(phys), s->level, ptt_ull(s->span_start),
				  ptt_ull(s->span_last));
			break;
		case PTT_TS_FLUSHED:
			if (block_csum(va, size) != s->csum)
				violation(ctx, "table %llx was written after it was unlinked",
					  ptt_ull(phys));
			break;
		case PTT_TS_PARKED:
			/* a lookup that raced the replacing map may still read it */
			violation(ctx,
				  "replaced table %llx (L%u, %llx..%llx) freed before the unmap of its range was synced",
				  ptt_ull(phys), s->level, ptt_ull(s->span_start),
				  ptt_ull(s->span_last));
			break;
		default:
			break;
		}
	}
	kfree(s->shadow);
	kfree(s->synced);
	s->shadow = NULL;
	s->synced = NULL;
	s->state = PTT_TS_FREED;
	ctx->n_free++;
	ctx->n_live--;
	ptcore_builtin_free_table(NULL, va, phys, size);
}

static int shadow_table(void *c, u64 pa, unsigned int level, u64 iova, u64 span, u64 bytes,
			u64 desc)
{
	struct ptt_ctx *ctx = c;
	struct ptt_tracked *s = trk_find(ctx, pa);

	if (!slot_allocated(s)) {
		violation(ctx, "the walker (synced view) reaches %llx, not a table block",
			  ptt_ull(pa));
		return 1;
	}
	if (s->n_synced != s->size / 8) {
		violation(ctx, "walker reaches table %llx (L%u, %llx) before it was synced",
			  ptt_ull(pa), level, ptt_ull(iova));
		return 1;
	}
	return 0;
}

static void ptt_op_sync(void *cookie, void *va, size_t len)
{
	struct ptt_ctx *ctx = cookie;
	struct ptt_tracked *s = NULL;
	u64 pa, off, e, sz;
	int ret;

	ctx->n_sync_table++;
	ctx->sync_table_bytes += len;
	if (!ctx->incoherent) {
		violation(ctx, "sync_table called without PTCORE_FEAT_DMA_INCOHERENT");
		return;
	}
	pa = (u64)((uintptr_t)va - ctx->delta);
	for (sz = 8; sz <= (1ULL << 24); sz <<= 1) {
		s = trk_find(ctx, pa & ~(sz - 1));
		if (slot_allocated(s) && s->size == sz)
			break;
		s = NULL;
	}
	if (!s || pa + len > s->pa + s->size || !len) {
		violation(ctx, "sync_table(%llx, %llu) is not inside one table block", ptt_ull(pa),
			  ptt_ull(len));
		return;
	}
	off = pa - s->pa;
	if ((off | len) & 7)
		violation(ctx, "sync_table(%llx, %llu) not in whole entries", ptt_ull(pa),
			  ptt_ull(len));
	if (!s->shadow || !s->synced)
		return;
	memcpy(s->shadow + off, (u8 *)s->va + off, len);
	for (e = off / 8; e < (off + len + 7) / 8; e++) {
		if (!(s->synced[e / BITS_PER_LONG] & (1UL << (e % BITS_PER_LONG)))) {
			s->synced[e / BITS_PER_LONG] |= 1UL << (e % BITS_PER_LONG);
			s->n_synced++;
		}
	}
	/* What the walker can reach now must be fully published. */
	ret = hw_walk_for_each(&ctx->w_shadow, shadow_table, NULL, ctx);
	if (ret < 0)
		violation(ctx, "walk of the synced view: %s", hw_fault_name(-ret));
}

static void ptt_op_flush(void *cookie, const struct ptcore_gather *g)
{
	struct ptt_ctx *ctx = cookie;
	unsigned int i;

	ctx->flush_log[ctx->n_flush % PTT_FLUSH_LOG] = *g;
	ctx->n_flush++;
	if (ptt_gather_empty(g)) {
		violation(ctx, "iotlb_flush called with an empty gather");
		return;
	}
	/* Which blocks are unreachable now: those this flush may cover. */
	do_scan(ctx, false);
	for (i = 0; i < PTT_TRACK_SLOTS; i++) {
		struct ptt_tracked *s = &ctx->trk[i];

		if (s->state != PTT_TS_UNLINKED || !s->span_known)
			continue;
		if ((g->flags & PTCORE_GATHER_TABLES) && g->start <= s->span_start &&
		    s->span_last <= g->end)
			s->state = PTT_TS_FLUSHED;
	}
}

/* ---- oracle ---- */

const struct orc_leaf *ptt_oracle_find(const struct ptt_ctx *ctx, u64 iova)
{
	long i = orc_find(&ctx->o, iova);

	return i < 0 ? NULL : &ctx->o.v[i];
}

bool ptt_oracle_overlaps(const struct ptt_ctx *ctx, u64 iova, u64 len)
{
	return orc_overlaps(&ctx->o, iova, len);
}

void ptt_oracle_remove(struct ptt_ctx *ctx, u64 iova, u64 len)
{
	orc_remove(&ctx->o, iova, len);
}

/* Record @count leaves of @pgsize; an oracle out of memory is a failure. */
static void om_add(struct ptt_ctx *ctx, u64 iova, u64 pa, u64 pgsize, u64 count, u32 prot)
{
	if (orc_insert(&ctx->o, iova, pa, pgsize, count, prot))
		violation(ctx, "oracle: out of memory");
}

/* ---- case hooks ---- */

int ptt_case_init(struct kunit *test)
{
	struct ptt_case_state *cs = kunit_kzalloc(test, sizeof(*cs), GFP_KERNEL);

	if (!cs)
		return -ENOMEM;
	ptcore_mem_stats(&cs->mem0);
	test->priv = cs;
	return 0;
}

void ptt_case_exit(struct kunit *test)
{
	struct ptt_case_state *cs = test->priv;
	struct ptcore_mem_stats now;
	unsigned int i;

	if (!cs)
		return;
	for (i = 0; i < cs->n_ctx; i++)
		ptt_ctx_destroy(cs->ctx[i]);
	ptcore_mem_stats(&now);
	KUNIT_EXPECT_EQ_MSG(test, now.tables_live, cs->mem0.tables_live,
			    "table blocks leaked by this case");
	KUNIT_EXPECT_EQ_MSG(test, now.bytes_live, cs->mem0.bytes_live,
			    "table bytes leaked by this case");
	KUNIT_EXPECT_EQ_MSG(test, now.allocs - cs->mem0.allocs, now.frees - cs->mem0.frees,
			    "allocations and frees of this case differ");
}

/* ---- create / destroy ---- */

struct ptt_ctx *ptt_ctx_create(struct kunit *test, const struct ptcore_cfg *cfg, u32 flags)
{
	struct ptt_case_state *cs = test->priv;
	struct ptt_ctx *ctx;
	const char *why = NULL;
	int ret;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->test = test;
	ctx->flags = flags;
	ctx->cfg = *cfg;
	ctx->incoherent = cfg->features & PTCORE_FEAT_DMA_INCOHERENT;
	if (!(flags & PTT_CTX_NO_OPS)) {
		ctx->trk = kunit_kzalloc(test, PTT_TRACK_SLOTS * sizeof(*ctx->trk), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, ctx->trk);
		ctx->ops.alloc_table = ptt_op_alloc;
		ctx->ops.free_table = ptt_op_free;
		if (!(flags & PTT_CTX_NO_FLUSH_OP))
			ctx->ops.iotlb_flush = ptt_op_flush;
		ctx->ops.sync_table = ptt_op_sync;
		ctx->cfg.ops = &ctx->ops;
		ctx->cfg.cookie = ctx;
	} else {
		ctx->cfg.ops = NULL;
		ctx->cfg.cookie = NULL;
		KUNIT_ASSERT_FALSE(test, ctx->incoherent);
	}
	ret = ptcore_table_create(&ctx->cfg, &ctx->t);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "create fmt %u granule %u ias %u oas %u feat %x",
			    cfg->format, cfg->granule_lg2, cfg->ias, cfg->oas, cfg->features);
	KUNIT_ASSERT_NOT_NULL(test, ctx->t);
	if (cs && cs->n_ctx < PTT_MAX_CTX)
		cs->ctx[cs->n_ctx++] = ctx;
	KUNIT_ASSERT_EQ(test, ptcore_hw_info(ctx->t, &ctx->hi), 0);
	ret = hw_walk_init(&ctx->w, &ctx->hi, cfg->features, read_live, ctx, &why);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "hardware would refuse these registers: %s", why);
	ret = hw_walk_check_cfg(&ctx->w, cfg, &why);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "geometry is not FORMATS.md's: %s", why);
	KUNIT_ASSERT_EQ(test, orc_init(&ctx->o), 0);
	ctx->g.ias = ctx->hi.ias;
	ctx->g.pa_bits = ctx->w.pa_bits;
	ctx->g.pgsize_bitmap = ctx->hi.pgsize_bitmap;
	if (ctx->incoherent) {
		ret = hw_walk_init(&ctx->w_shadow, &ctx->hi, cfg->features, read_shadow, ctx, &why);
		KUNIT_ASSERT_EQ(test, ret, 0);
	}
	if (tracking(ctx)) {
		unsigned int i;

		for (i = 0; i < ctx->hi.n_roots; i++) {
			struct ptt_tracked *s = trk_find(ctx, ctx->hi.root[i]);

			KUNIT_EXPECT_TRUE_MSG(test, slot_allocated(s),
					      "root %u (%llx) was not allocated through ops", i,
					      ptt_ull(ctx->hi.root[i]));
			if (slot_allocated(s)) {
				KUNIT_EXPECT_PTR_EQ(test, ptcore_phys_to_virt(ctx->t, s->pa),
						    s->va);
				if (ctx->incoherent)
					KUNIT_EXPECT_EQ_MSG(test, s->n_synced, s->size / 8,
							    "root %u not synced before first use",
							    i);
			}
		}
		/* create allocates the top-level table(s) and nothing else */
		KUNIT_EXPECT_EQ(test, ctx->n_alloc, (u64)ctx->hi.n_roots);
		KUNIT_EXPECT_EQ(test, ctx->n_flush, 0);
	}
	ptt_scan(ctx);
	return ctx;
}

void ptt_ctx_destroy(struct ptt_ctx *ctx)
{
	unsigned int i;

	if (!ctx || ctx->destroyed)
		return;
	ctx->in_destroy = true;
	ptcore_table_destroy(ctx->t);
	ctx->in_destroy = false;
	ctx->destroyed = true;
	ctx->t = NULL;
	if (tracking(ctx)) {
		KUNIT_EXPECT_EQ_MSG(ctx->test, ctx->n_live, 0, "table blocks not freed by destroy");
		KUNIT_EXPECT_EQ(ctx->test, ctx->n_alloc, ctx->n_free);
		for (i = 0; i < PTT_TRACK_SLOTS; i++) {
			kfree(ctx->trk[i].shadow);
			kfree(ctx->trk[i].synced);
			ctx->trk[i].shadow = NULL;
			ctx->trk[i].synced = NULL;
		}
	}
	orc_free(&ctx->o);
}

/* ---- translations ---- */

void ptt_check_translation(struct ptt_ctx *ctx, u64 iova)
{
	const struct orc_leaf *m = ptt_oracle_find(ctx, iova);
	struct hw_leaf leaf;
	enum hw_fault f;
	u64 phys = 0xdead;
	int ret;

	ret = ptcore_iova_to_phys(ctx->t, iova, &phys);
	f = hw_walk_iova(&ctx->w, iova, &leaf);
	if (ctx->hi.ias < 64 && (iova >> ctx->hi.ias)) {
		if (ret != -ERANGE)
			violation(ctx, "iova_to_phys(%llx) beyond ias: %d, expected -ERANGE",
				  ptt_ull(iova), ret);
		return;
	}
	if (m) {
		u64 want = m->pa + (iova - m->iova);

		if (ret != 0 || phys != want)
			violation(ctx, "iova_to_phys(%llx) = %d, %llx; mapped to %llx",
				  ptt_ull(iova), ret, ptt_ull(phys), ptt_ull(want));
		if (f != HW_OK || leaf.oa != want)
			violation(ctx, "hardware walk of %llx: %s, %llx; mapped to %llx",
				  ptt_ull(iova), hw_fault_name(f), ptt_ull(leaf.oa), ptt_ull(want));
	} else {
		if (ret != -ENOENT)
			violation(ctx,
				  "iova_to_phys(%llx) = %d (%llx), not mapped: expected -ENOENT",
				  ptt_ull(iova), ret, ptt_ull(phys));
		if (f != HW_FAULT_INVALID)
			violation(ctx, "hardware walk of unmapped %llx: %s (oa %llx)",
				  ptt_ull(iova), hw_fault_name(f), ptt_ull(leaf.oa));
	}
}

void ptt_verify_all(struct ptt_ctx *ctx)
{
	unsigned int i;

	ptt_scan(ctx);
	for (i = 0; i < ctx->o.n; i++) {
		const struct orc_leaf *m = &ctx->o.v[i];

		ptt_check_translation(ctx, m->iova);
		ptt_check_translation(ctx, m->iova + m->size / 2 + 42);
		ptt_check_translation(ctx, m->iova + m->size - 1);
		if (m->iova && !ptt_oracle_find(ctx, m->iova - 1))
			ptt_check_translation(ctx, m->iova - 1);
	}
	if (tracking(ctx)) {
		for (i = 0; i < PTT_TRACK_SLOTS; i++) {
			struct ptt_tracked *s = &ctx->trk[i];

			if (s->state == PTT_TS_LIVE && ptcore_phys_to_virt(ctx->t, s->pa) != s->va)
				violation(ctx,
					  "ptcore_phys_to_virt(%llx) is not the block's address",
					  ptt_ull(s->pa));
		}
	}
}

u64 ptt_raw_entry(struct ptt_ctx *ctx, u64 iova, unsigned int level)
{
	u64 pte;

	return hw_walk_entry_at(&ctx->w, iova, level, &pte) ? 0 : pte;
}

/* ---- checked map ---- */

/* LIVE non-root blocks whose span lies in [start, start + len) and is at most @max_span */
static unsigned int tables_within(const struct ptt_ctx *ctx, u64 start, u64 len, u64 max_span)
{
	unsigned int i, n = 0;

	if (!tracking(ctx) || !len)
		return 0;
	for (i = 0; i < PTT_TRACK_SLOTS; i++) {
		const struct ptt_tracked *s = &ctx->trk[i];

		if (s->state != PTT_TS_LIVE || !s->span_known || ptt_is_root(ctx, s->pa))
			continue;
		if (s->span_start >= start && s->span_last <= start + (len - 1) &&
		    s->span_last - s->span_start < max_span)
			n++;
	}
	return n;
}

/*
 * PARKED blocks whose span lies in [start, start + len): an unmap that
 * removed that range takes them over. With @adopt they become FLUSHED
 * (pending on the unmap's gather).
 */
static unsigned int parked_within(struct ptt_ctx *ctx, u64 start, u64 len, bool adopt)
{
	unsigned int i, n = 0;

	if (!tracking(ctx) || !len)
		return 0;
	for (i = 0; i < PTT_TRACK_SLOTS; i++) {
		struct ptt_tracked *s = &ctx->trk[i];

		if (s->state != PTT_TS_PARKED || s->span_start < start ||
		    s->span_last > start + (len - 1))
			continue;
		n++;
		if (adopt)
			s->state = PTT_TS_FLUSHED;
	}
	return n;
}

/* Blocks a map unlinked (scans after @epoch0) and flushed: they are parked now. */
static void park_replaced(struct ptt_ctx *ctx, u32 epoch0)
{
	unsigned int i;

	for (i = 0; tracking(ctx) && i < PTT_TRACK_SLOTS; i++) {
		struct ptt_tracked *s = &ctx->trk[i];

		if (s->state == PTT_TS_FLUSHED && s->unlinked_epoch > epoch0)
			s->state = PTT_TS_PARKED;
	}
}

int ptt_map(struct ptt_ctx *ctx, u64 iova, u64 pa, u64 pgsize, u64 pgcount, u32 prot,
	    u64 *mapped_out)
{
	u32 epoch0 = ctx->epoch;
	u64 n_free0 = ctx->n_free, n_flush0 = ctx->n_flush, calls0 = ctx->alloc_calls;
	u64 mapped = 0xdeadbeef, k = 0, len = 0;
	unsigned int replaced = 0, unl0 = ptt_count_state(ctx, PTT_TS_UNLINKED);
	unsigned int pending0 = pending_blocks(ctx);
	int want, ret;

	want = ptt_map_arg_errno(ctx, iova, pa, pgsize, pgcount, prot);
	if (!want) {
		len = pgsize * pgcount;
		/* the leaves before the first that would overlap something mapped */
		k = orc_map_room(&ctx->o, iova, pgsize, pgcount);
		if (k < pgcount)
			want = -EADDRINUSE;
		replaced = tables_within(ctx, iova, k * pgsize, ptt_entry_size(ctx, pgsize));
	}

	ret = ptcore_map_pages(ctx->t, iova, pa, pgsize, pgcount, prot, PTT_GFP, &mapped);

	if (ret != want && !(ret == -ENOMEM && ctx->n_alloc_failed && want != -EINVAL &&
			     want != -EOVERFLOW && want != -ERANGE))
		violation(ctx, "map(%llx, pa %llx, sz %llx, n %llu, prot %x) = %d, want %d",
			  ptt_ull(iova), ptt_ull(pa), ptt_ull(pgsize), ptt_ull(pgcount), prot, ret,
			  want);
	if (mapped == 0xdeadbeef) {
		violation(ctx, "map did not write *mapped");
		mapped = 0;
	}
	if (want == -EINVAL || want == -EOVERFLOW || want == -ERANGE) {
		if (mapped)
			violation(ctx, "map with bad arguments reports %llx mapped",
				  ptt_ull(mapped));
		if (ctx->alloc_calls != calls0 || ctx->n_flush != n_flush0)
			violation(ctx, "map with bad arguments allocated or flushed");
		mapped = 0;
	} else {
		if (pgsize && mapped % pgsize)
			violation(ctx, "map reports %llx bytes, not whole pages of %llx",
				  ptt_ull(mapped), ptt_ull(pgsize));
		if (ret == 0 && mapped != len)
			violation(ctx, "map succeeded but reports %llx of %llx bytes",
				  ptt_ull(mapped), ptt_ull(len));
		if (mapped > k * pgsize) {
			violation(ctx, "map reports %llx mapped, past the first conflict at %llx",
				  ptt_ull(mapped), ptt_ull(k * pgsize));
			mapped = k * pgsize;
		}
		if (mapped)
			om_add(ctx, iova, pa, pgsize, mapped / pgsize, prot);
		if (ctx->alloc_calls != calls0 && ctx->last_gfp != PTT_GFP)
			violation(ctx, "alloc_table got gfp %x, map was given %x", ctx->last_gfp,
				  PTT_GFP);
	}
	if (ctx->n_free != n_free0)
		violation(ctx, "map freed %llu table blocks (map never frees)",
			  ptt_ull(ctx->n_free - n_free0));

	do_scan(ctx, true);
	if (tracking(ctx)) {
		unsigned int unl1 = ptt_count_state(ctx, PTT_TS_UNLINKED);
		unsigned int unlinked = pending_blocks(ctx) - pending0;

		if (unl1 > unl0)
			violation(ctx, "map unlinked %u table(s) without a covering flush",
				  unl1 - unl0);
		if (ret == 0 && unlinked != replaced)
			violation(ctx, "map(%llx, sz %llx, n %llu) unlinked %u table(s), want %u",
				  ptt_ull(iova), ptt_ull(pgsize), ptt_ull(pgcount), unlinked,
				  replaced);
		if (unlinked && ctx->n_flush == n_flush0 && ctx->ops.iotlb_flush)
			violation(ctx, "map replaced a table without calling iotlb_flush");
		park_replaced(ctx, epoch0);
	}
	check_published(ctx);
	if (mapped) {
		ptt_check_translation(ctx, iova);
		ptt_check_translation(ctx, iova + 42 < iova + mapped ? iova + 42 : iova);
		ptt_check_translation(ctx, iova + mapped - 1);
	}
	if (mapped_out)
		*mapped_out = mapped;
	return ret;
}

int ptt_map_range(struct ptt_ctx *ctx, u64 iova, u64 pa, u64 len, u32 prot)
{
	while (len) {
		u64 count, mapped;
		u64 pgsize = orc_pgsize(ctx->hi.pgsize_bitmap, iova, pa, len, &count);
		int ret;

		if (!pgsize) {
			violation(ctx, "map_range: no page size for %llx/%llx len %llx",
				  ptt_ull(iova), ptt_ull(pa), ptt_ull(len));
			return -EINVAL;
		}
		ret = ptt_map(ctx, iova, pa, pgsize, count, prot, &mapped);
		if (ret)
			return ret;
		iova += mapped;
		pa += mapped;
		len -= mapped;
	}
	return 0;
}

/* ---- checked cut ---- */

/* The oracle learns [iova, iova + len) -> pa as map_range would split it. */
static void om_add_split(struct ptt_ctx *ctx, u64 iova, u64 pa, u64 len, u32 prot)
{
	if (orc_insert_split(&ctx->o, ctx->hi.pgsize_bitmap, iova, pa, len, prot))
		violation(ctx, "oracle: no page size or no memory for %llx+%llx", ptt_ull(iova),
			  ptt_ull(len));
}

int ptt_cut(struct ptt_ctx *ctx, u64 iova, struct ptcore_gather *g)
{
	const struct orc_leaf *m = ptt_oracle_find(ctx, iova);
	u64 n_free0 = ctx->n_free, n_flush0 = ctx->n_flush, min = ptt_smallest_pgsize(ctx);
	struct ptcore_gather g0 = *g;
	struct orc_leaf old = { 0 };
	bool split = false;
	int want = 0, ret;

	if (iova & (min - 1)) {
		want = -EINVAL;
	} else if (ctx->hi.ias < 64 && (iova >> ctx->hi.ias)) {
		want = -ERANGE;
	} else if (m && m->iova != iova) {
		split = true;
		old = *m;
	}
	ret = ptcore_cut(ctx->t, iova, PTT_GFP, g);
	if (ret != want && !(ret == -ENOMEM && ctx->n_alloc_failed && split))
		violation(ctx, "cut(%llx) = %d, want %d", ptt_ull(iova), ret, want);
	if (ctx->n_free != n_free0)
		violation(ctx, "cut(%llx) freed table memory", ptt_ull(iova));
	if (ret == 0 && split) {
		u64 last = old.iova + old.size - 1;
		bool bbml2 = ctx->cfg.features & PTCORE_FEAT_ARM_BBML2;
		const struct ptcore_gather *f = ptt_last_flush(ctx);

		ptt_oracle_remove(ctx, old.iova, old.size);
		om_add_split(ctx, old.iova, old.pa, iova - old.iova, old.prot);
		om_add_split(ctx, iova, old.pa + (iova - old.iova), last + 1 - iova, old.prot);
		if (g->start > old.iova || g->end < last || g->pgsize != (g0.pgsize | old.size) ||
		    g->flags != g0.flags || g->nr_tables != g0.nr_tables)
			violation(ctx, "cut(%llx): gather [%llx, %llx] %llx, old leaf %llx+%llx",
				  ptt_ull(iova), ptt_ull(g->start), ptt_ull(g->end),
				  ptt_ull(g->pgsize), ptt_ull(old.iova), ptt_ull(old.size));
		if (ctx->ops.iotlb_flush && ctx->n_flush != n_flush0 + (bbml2 ? 0 : 1))
			violation(ctx, "cut(%llx): %llu flushes, BBML2 %d", ptt_ull(iova),
				  ptt_ull(ctx->n_flush - n_flush0), bbml2);
		if (ctx->ops.iotlb_flush && !bbml2 && f &&
		    (f->start > old.iova || f->end < last || f->pgsize != old.size))
			violation(ctx, "cut(%llx): break-before-make flushed [%llx, %llx]",
				  ptt_ull(iova), ptt_ull(f->start), ptt_ull(f->end));
	} else if (memcmp(&g0, g, sizeof(g0)) || ctx->n_flush != n_flush0) {
		violation(ctx, "cut(%llx) = %d changed nothing but the gather or flushed",
			  ptt_ull(iova), ret);
	}
	do_scan(ctx, true);	/* the tree is the oracle's, leaf for leaf */
	check_published(ctx);
	if (split) {
		ptt_check_translation(ctx, old.iova);
		ptt_check_translation(ctx, iova - min);
		ptt_check_translation(ctx, iova);
		ptt_check_translation(ctx, old.iova + old.size - 1);
	}
	return ret;
}

/* ---- checked unmap ---- */

struct unmap_expect {
	struct orc_unmap_result r;
	int ret;
	u64 bytes, gstart, glast, pgsize, stop;
	size_t i0, i1;
};

/* The oracle's prediction, with the gather bounds of an unmap that removed nothing. */
static void expect_unmap(const struct ptt_ctx *ctx, u64 iova, u64 len, struct unmap_expect *e)
{
	memset(e, 0, sizeof(*e));
	orc_unmap_predict(&ctx->o, &ctx->g, iova, len, &e->r);
	e->ret = e->r.ret;
	e->bytes = e->r.unmapped;
	e->gstart = e->r.unmapped ? e->r.first : U64_MAX;
	e->glast = e->r.unmapped ? e->r.last : 0;
	e->pgsize = e->r.pgsize;
	e->stop = iova + e->r.unmapped;
	e->i0 = e->r.i0;
	e->i1 = e->r.i1;
}

/* ptcore_unmap_collect()'s callback: the runs as they arrive. */
struct collect_log {
	struct ptcore_range *runs;
	unsigned int n, cap, calls;
	bool overflow, bad_batch;
};

static void collect_cb(void *arg, const struct ptcore_range *runs, uint32_t n)
{
	struct collect_log *cl = arg;
	uint32_t i;

	cl->calls++;
	if (!n)
		cl->bad_batch = true;
	for (i = 0; i < n; i++) {
		if (cl->n == cl->cap) {
			cl->overflow = true;
			return;
		}
		cl->runs[cl->n++] = runs[i];
	}
}

/*
 * The runs unmap_collect must report: the oracle's leaves in [i0, i1),
 * merged where they continue each other in IOVA and physical address.
 */
static void check_collected(struct ptt_ctx *ctx, const struct orc_leaf *om, unsigned int n,
			    const struct collect_log *cl, u64 unmapped)
{
	unsigned int i, r = 0;
	u64 sum = 0;

	if (cl->overflow || cl->bad_batch)
		violation(ctx, "unmap_collect: more runs than leaves, or an empty batch");
	for (i = 0; i < cl->n; i++)
		sum += cl->runs[i].size;
	if (sum != unmapped)
		violation(ctx, "unmap_collect: runs add up to %llx, unmapped %llx", ptt_ull(sum),
			  ptt_ull(unmapped));
	for (i = 0; i < n && !cl->overflow; r++) {
		struct ptcore_range want = { om[i].iova, om[i].pa, om[i].size };

		for (i++; i < n && om[i].iova == want.iova + want.size &&
		     om[i].pa == want.paddr + want.size; i++)
			want.size += om[i].size;
		if (r >= cl->n) {
			violation(ctx, "unmap_collect: run %u (%llx -> %llx, %llx) not reported", r,
				  ptt_ull(want.iova), ptt_ull(want.paddr), ptt_ull(want.size));
			return;
		}
		if (memcmp(&want, &cl->runs[r], sizeof(want)))
			violation(ctx, "unmap_collect: run %u %llx->%llx (%llx), want %llx (%llx)",
				  r, ptt_ull(cl->runs[r].iova), ptt_ull(cl->runs[r].paddr),
				  ptt_ull(cl->runs[r].size), ptt_ull(want.paddr),
				  ptt_ull(want.size));
	}
	if (r != cl->n)
		violation(ctx, "unmap_collect: %u runs reported, %u expected", cl->n, r);
}

static bool free_empty(const struct ptt_ctx *ctx)
{
	return ctx->cfg.features & PTCORE_FEAT_FREE_EMPTY_TABLES;
}

static int nonempty_table(void *c, u64 pa, unsigned int level, u64 iova, u64 span, u64 bytes,
			  u64 desc)
{
	struct ptt_ctx *ctx = c;
	const u64 *e = ptcore_phys_to_virt(ctx->t, pa);
	u64 i;

	if (ptt_is_root(ctx, pa))
		return 0;
	for (i = 0; i < bytes / 8; i++)
		if (e[i])
			return 0;
	violation(ctx, "free-empty: table %llx (%llx, span %llx) is empty and still linked",
		  ptt_ull(pa), ptt_ull(iova), ptt_ull(span));
	return 0;
}

/*
 * Free-empty: the tables this unmap unlinked (found by the scan just done)
 * are wholly inside the removed range or hold nothing; counts them and
 * widens [*ws, *we] by their spans.
 */
static unsigned int check_unlinked_empty(struct ptt_ctx *ctx, u64 start, u64 stop, u64 *ws,
					 u64 *we)
{
	unsigned int i, n = 0;

	for (i = 0; tracking(ctx) && i < PTT_TRACK_SLOTS; i++) {
		struct ptt_tracked *s = &ctx->trk[i];
		const u64 *e = s->va;
		u64 k;

		if (s->state != PTT_TS_UNLINKED || s->unlinked_epoch != ctx->epoch)
			continue;
		n++;
		if (s->span_start < *ws)
			*ws = s->span_start;
		if (s->span_last > *we)
			*we = s->span_last;
		if (s->span_start >= start && s->span_last <= stop - 1)
			continue;
		for (k = 0; k < s->size / 8; k++)
			if (e[k])
				break;
		if (k < s->size / 8)
			violation(ctx, "free-empty: unlinked table %llx (%llx..%llx) not empty",
				  ptt_ull(s->pa),
				  ptt_ull(s->span_start), ptt_ull(s->span_last));
	}
	return n;
}

static int do_ptt_unmap(struct ptt_ctx *ctx, u64 iova, u64 len, struct ptcore_gather *g,
			u64 *unmapped_out, bool collect)
{
	struct collect_log cl = { 0 };
	struct ptcore_gather g0 = *g;
	struct unmap_expect e;
	u64 n_free0 = ctx->n_free, n_flush0 = ctx->n_flush, calls0 = ctx->alloc_calls;
	u64 unmapped = 0xdeadbeef, first_removed = 0, last_removed = 0;
	unsigned int tables = 0, parked = 0, unlinked, freed_now, pending0 = pending_blocks(ctx);
	bool flushed;
	int ret;

	expect_unmap(ctx, iova, len, &e);
	if (e.i1 > e.i0) {
		first_removed = ctx->o.v[e.i0].iova;
		last_removed = ctx->o.v[e.i1 - 1].iova + ctx->o.v[e.i1 - 1].size - 1;
		tables = tables_within(ctx, iova, e.stop - iova, U64_MAX);
		parked = parked_within(ctx, iova, e.stop - iova, false);
	}

	if (collect) {
		cl.cap = e.i1 - e.i0 + 1;
		cl.runs = kcalloc(cl.cap, sizeof(*cl.runs), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(ctx->test, cl.runs);
		ret = ptcore_unmap_collect(ctx->t, iova, len, g, &unmapped, collect_cb, &cl);
		check_collected(ctx, e.i1 > e.i0 ? ctx->o.v + e.i0 : NULL, e.i1 - e.i0, &cl,
				unmapped);
		kfree(cl.runs);
	} else {
		ret = ptcore_unmap(ctx->t, iova, len, g, &unmapped);
	}
	if (free_empty(ctx)) {
		/* Which tables went: only whole ones and empty ones may have. */
		u64 ws = min_t(u64, g0.start, e.gstart), we = max_t(u64, g0.end, e.glast);
		unsigned int went;

		do_scan(ctx, false);
		went = check_unlinked_empty(ctx, iova, e.stop, &ws, &we);
		if (tracking(ctx) && g->nr_tables != g0.nr_tables + went + parked)
			violation(ctx, "free-empty unmap(%llx, %llx): nr_tables %u, %u tables went",
				  ptt_ull(iova), ptt_ull(len), g->nr_tables, went + parked);
		if (went && !(g->flags & PTCORE_GATHER_TABLES))
			violation(ctx, "free-empty unmap: %u tables went, no TABLES flag", went);
		if (went && (g->start > ws || g->end < we))
			violation(ctx, "free-empty unmap: gather [%llx, %llx] misses [%llx, %llx]",
				  ptt_ull(g->start), ptt_ull(g->end), ptt_ull(ws), ptt_ull(we));
		tables = went;
		hw_walk_for_each(&ctx->w, nonempty_table, NULL, ctx);
	}

	if (ret != e.ret)
		violation(ctx, "unmap(%llx, %llx) = %d, expected %d", ptt_ull(iova), ptt_ull(len),
			  ret, e.ret);
	if (unmapped != e.bytes)
		violation(ctx, "unmap(%llx, %llx) unmapped %llx, expected %llx", ptt_ull(iova),
			  ptt_ull(len), ptt_ull(unmapped), ptt_ull(e.bytes));
	if (ctx->alloc_calls != calls0)
		violation(ctx, "unmap allocated memory");
	flushed = ctx->n_flush != n_flush0;
	freed_now = (unsigned int)(ctx->n_free - n_free0);
	if (flushed || freed_now)
		violation(ctx, "unmap(%llx, %llx) flushed (%llu) or freed (%u): only sync may",
			  ptt_ull(iova), ptt_ull(len), ptt_ull(ctx->n_flush - n_flush0), freed_now);
	if (e.ret == -EOVERFLOW || e.ret == -ERANGE || !len || e.bytes == 0) {
		if (memcmp(&g0, g, sizeof(g0)))
			violation(ctx, "unmap(%llx, %llx) that removed nothing changed the gather",
				  ptt_ull(iova), ptt_ull(len));
	} else if (!free_empty(ctx)) {
		u64 ws = min_t(u64, g0.start, e.gstart), we = max_t(u64, g0.end, e.glast);
		u32 wflags = g0.flags | (tables || parked ? PTCORE_GATHER_TABLES : 0);

		/* without tracking the removed tables are unknown: take ptcore's word */
		if (!tracking(ctx))
			wflags |= g->flags & PTCORE_GATHER_TABLES;

		if (g->start != ws || g->end != we)
			violation(ctx,
				  "unmap(%llx, %llx): gather [%llx, %llx], expected [%llx, %llx]",
				  ptt_ull(iova), ptt_ull(len), ptt_ull(g->start), ptt_ull(g->end),
				  ptt_ull(ws), ptt_ull(we));
		if (g->pgsize != (g0.pgsize | e.pgsize))
			violation(ctx, "unmap(%llx, %llx): gather pgsize %llx, expected %llx",
				  ptt_ull(iova), ptt_ull(len), ptt_ull(g->pgsize),
				  ptt_ull(g0.pgsize | e.pgsize));
		if (g->flags != wflags)
			violation(ctx, "unmap(%llx, %llx): gather flags %x, want %x (%u tables)",
				  ptt_ull(iova), ptt_ull(len), g->flags, wflags, tables);
		if (tracking(ctx) && g->nr_tables != g0.nr_tables + tables + parked)
			violation(ctx,
				  "unmap(%llx, %llx): gather nr_tables %u, expected %u (%u parked)",
				  ptt_ull(iova), ptt_ull(len), g->nr_tables,
				  g0.nr_tables + tables + parked, parked);
	}
	orc_unmap_apply(&ctx->o, &e.r);

	do_scan(ctx, true);
	parked_within(ctx, iova, e.stop - iova, true);
	unlinked = pending_blocks(ctx) + freed_now - pending0;
	if (tracking(ctx) && unlinked != tables + parked)
		violation(ctx, "unmap(%llx, %llx) unlinked or took over %u table(s), want %u",
			  ptt_ull(iova), ptt_ull(len), unlinked, tables + parked);
	check_published(ctx);
	if (e.i1 > e.i0) {
		ptt_check_translation(ctx, first_removed);
		ptt_check_translation(ctx, last_removed);
	}
	ptt_check_translation(ctx, iova);
	if (e.ret == -EINVAL && e.stop != iova)
		ptt_check_translation(ctx, e.stop);
	if (unmapped_out)
		*unmapped_out = unmapped;
	return ret;
}

int ptt_unmap(struct ptt_ctx *ctx, u64 iova, u64 len, struct ptcore_gather *g, u64 *unmapped_out)
{
	return do_ptt_unmap(ctx, iova, len, g, unmapped_out, false);
}

int ptt_unmap_collect(struct ptt_ctx *ctx, u64 iova, u64 len, struct ptcore_gather *g,
		      u64 *unmapped_out)
{
	return do_ptt_unmap(ctx, iova, len, g, unmapped_out, true);
}

/* The last flush saw exactly the gather @g0. */
static void check_flush_saw(struct ptt_ctx *ctx, const struct ptcore_gather *g0)
{
	const struct ptcore_gather *f = ptt_last_flush(ctx);

	if (f->start != g0->start || f->end != g0->end)
		violation(ctx, "flush range [%llx, %llx], gather [%llx, %llx]", ptt_ull(f->start),
			  ptt_ull(f->end), ptt_ull(g0->start), ptt_ull(g0->end));
	if (f->pgsize != g0->pgsize || f->flags != g0->flags || f->nr_tables != g0->nr_tables)
		violation(ctx, "flush pgsize %llx flags %x nr %u, gather %llx %x %u",
			  ptt_ull(f->pgsize), f->flags, f->nr_tables, ptt_ull(g0->pgsize),
			  g0->flags, g0->nr_tables);
}

void ptt_sync(struct ptt_ctx *ctx, struct ptcore_gather *g)
{
	struct ptcore_gather g0 = *g;
	u64 n_flush0 = ctx->n_flush;
	bool nonempty = !ptt_gather_empty(g);

	ptcore_iotlb_sync(ctx->t, g);

	if (ctx->ops.iotlb_flush) {
		if (ctx->n_flush - n_flush0 != (nonempty ? 1 : 0))
			violation(ctx, "iotlb_sync of a%s gather made %llu flush call(s)",
				  nonempty ? " non-empty" : "n empty",
				  ptt_ull(ctx->n_flush - n_flush0));
		if (nonempty && ctx->n_flush == n_flush0 + 1)
			check_flush_saw(ctx, &g0);
	}
	if (g->start != U64_MAX || g->end != 0 || g->pgsize || g->flags || g->nr_tables ||
	    g->freelist)
		violation(ctx, "iotlb_sync did not re-initialise the gather");
	do_scan(ctx, true);
	if (tracking(ctx) && !(ctx->flags & PTT_CTX_MULTI_GATHER)) {
		unsigned int pending = ptt_count_state(ctx, PTT_TS_UNLINKED) +
				       ptt_count_state(ctx, PTT_TS_FLUSHED);

		if (pending)
			violation(ctx,
				  "%u unlinked table block(s) still not freed after iotlb_sync",
				  pending);
	}
	check_published(ctx);
}

int ptt_unmap_sync(struct ptt_ctx *ctx, u64 iova, u64 len, u64 *unmapped)
{
	struct ptcore_gather g;
	int ret;

	ptcore_gather_init(&g);
	ret = ptt_unmap(ctx, iova, len, &g, unmapped);
	ptt_sync(ctx, &g);
	return ret;
}
