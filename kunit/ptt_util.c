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
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ptt_internal.h"

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

u64 ptt_arm_contig_bitmap(unsigned int pg_shift)
{
	u64 g = 1ULL << pg_shift, blk = g << (pg_shift - 3);

	if (pg_shift == 12)
		return g | 16 * g | blk | 16 * blk | (blk << 9);
	return g | 128 * g | blk | 32 * blk;
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
u64 ptt_entry_size(const struct ptt_ctx *ctx, u64 pgsize)
{
	unsigned int lg2 = __builtin_ctzll(pgsize), g = ctx->w.pg_shift;

	if ((!is_arm(ctx->hi.format) && !ctx->w.amdv1 && !ctx->w.v7s && !ctx->w.riscv) ||
	    lg2 < g ||
	    (lg2 - g) % ctx->w.bpl == 0)
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

bool ptt_tracking(const struct ptt_ctx *ctx)
{
	return !(ctx->flags & PTT_CTX_NO_OPS);
}

unsigned int ptt_count_state(const struct ptt_ctx *ctx, enum ptt_tstate state)
{
	unsigned int i, n = 0;

	if (!ptt_tracking(ctx))
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

	if (!ptt_tracking(ctx))
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
	if (desc && desc != hw_walk_expected_table_at(&ctx->w, pa, level))
		violation(ctx, "table entry for %llx at level %u (iova %llx): %llx, expected %llx",
			  ptt_ull(pa), level - 1, ptt_ull(iova), ptt_ull(desc),
			  ptt_ull(hw_walk_expected_table_at(&ctx->w, pa, level)));
	if (!desc && !ptt_is_root(ctx, pa))
		violation(ctx, "walk started at %llx, not a root", ptt_ull(pa));
	if (!ptt_tracking(ctx))
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
		if (m->size != leaf->run_size)
			violation(ctx,
				  "mapping [%llx, +%llx) stored as entries of %llx at level %u",
				  ptt_ull(m->iova), ptt_ull(m->size), ptt_ull(leaf->size),
				  leaf->level);
	} else if (m->size != leaf->size) {
		violation(ctx, "mapping of %llx at %llx stored as a leaf of %llx", ptt_ull(m->size),
			  ptt_ull(m->iova), ptt_ull(leaf->size));
	}
	if (ctx->w.amdv1) /* every entry of a sized page holds its base and size */
		want = hw_walk_amdv1_leaf(&ctx->w, m->prot, m->pa, m->size);
	else
		want = ptt_expected_leaf(ctx, m->prot, m->pa + (leaf->iova - m->iova),
					 leaf->level, contig);
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
unsigned int ptt_do_scan(struct ptt_ctx *ctx, bool check_leaves)
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
	if (!ptt_tracking(ctx) || ret)
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
	ptt_do_scan(ctx, true);
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

unsigned int ptt_pending_blocks(const struct ptt_ctx *ctx)
{
	return ptt_count_state(ctx, PTT_TS_UNLINKED) + ptt_count_state(ctx, PTT_TS_FLUSHED);
}

/* DMA_INCOHERENT: at the end of a call every reachable table is published. */
void ptt_check_published(struct ptt_ctx *ctx)
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
	if ((off | len) & (hw_walk_entry_bytes(&ctx->w) - 1))
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
	ptt_do_scan(ctx, false);
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
void ptt_om_add(struct ptt_ctx *ctx, u64 iova, u64 pa, u64 pgsize, u64 count, u32 prot)
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
	if (ptt_tracking(ctx)) {
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
	if (ptt_tracking(ctx)) {
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
	if (ptt_tracking(ctx)) {
		for (i = 0; i < PTT_TRACK_SLOTS; i++) {
			struct ptt_tracked *s = &ctx->trk[i];

			if (s->state == PTT_TS_LIVE && ptcore_phys_to_virt(ctx->t, s->pa) != s->va)
				violation(ctx,
					  "ptcore_phys_to_virt(%llx) is not the block's address",
					  ptt_ull(s->pa));
		}
	}
}

struct ptcore_table *ptt_create_checked(struct kunit *test, const struct ptcore_cfg *cfg, bool ok,
					struct ptcore_hw_info *hi)
{
	struct ptcore_table *t = NULL;
	const char *why = NULL;
	struct hw_walk w;
	int ret = ptcore_table_create(cfg, &t);

	if (!ok) {
		KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "ias %u oas %u", cfg->ias, cfg->oas);
		if (!ret)
			ptcore_table_destroy(t);
		return NULL;
	}
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "ias %u oas %u", cfg->ias, cfg->oas);
	if (ret)
		return NULL;
	KUNIT_EXPECT_EQ(test, ptcore_hw_info(t, hi), 0);
	KUNIT_EXPECT_EQ(test, hi->format, cfg->format);
	KUNIT_EXPECT_EQ(test, hi->ias, cfg->ias);
	KUNIT_EXPECT_EQ(test, hi->oas, cfg->oas);
	ret = hw_walk_init(&w, hi, cfg->features, NULL, NULL, &why);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "ias %u oas %u: %s", cfg->ias, cfg->oas, why);
	if (!ret)
		KUNIT_EXPECT_EQ_MSG(test, hw_walk_check_cfg(&w, cfg, &why), 0, "ias %u oas %u: %s",
				    cfg->ias, cfg->oas, why);
	return t;
}

void ptt_case_bad_arguments(struct ptt_ctx *ctx, u64 bad_size, u64 big)
{
	const u32 rw = PTCORE_PROT_READ | PTCORE_PROT_WRITE;
	struct kunit *test = ctx->test;
	u64 top = 1ULL << ctx->hi.ias, phys;
	struct ptcore_gather ga;

	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, bad_size, 1, rw, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, SZ_4K, 0, rw, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, big / 2, 0, big, 1, rw, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, SZ_4K, big, 1, rw, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, SZ_4K, 1, PTCORE_PROT_NOEXEC, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, top, 0, SZ_4K, 1, rw, NULL), -ERANGE);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, top - SZ_4K, 0, SZ_4K, 2, rw, NULL), -ERANGE);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 1ULL << ctx->w.pa_bits, SZ_4K, 1, rw, NULL),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, U64_MAX - SZ_4K + 1, 0, SZ_4K, 2, rw, NULL),
			-EOVERFLOW);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, SZ_4K, 2, rw, NULL), 0);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, SZ_4K, 0, SZ_4K, 1, rw, NULL), -EADDRINUSE);
	KUNIT_EXPECT_EQ(test, ptt_map(ctx, 0, 0, big, 1, rw, NULL), -EADDRINUSE);
	ptcore_gather_init(&ga);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, 0, 0, &ga, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, top - SZ_4K, 2 * SZ_4K, &ga, NULL), -ERANGE);
	KUNIT_EXPECT_EQ(test, ptt_unmap(ctx, SZ_4K, U64_MAX, &ga, NULL), -EOVERFLOW);
	KUNIT_EXPECT_TRUE(test, ptt_gather_empty(&ga));
	KUNIT_EXPECT_EQ(test, ptcore_iova_to_phys(ctx->t, top, &phys), -ERANGE);
	ptt_sync(ctx, &ga);
	ptt_verify_all(ctx);
}

void ptt_ranges_add(void *arg, const struct ptcore_range *runs, u32 n)
{
	struct ptt_ranges *d = arg;
	u32 i;

	for (i = 0; i < n && d->n < ARRAY_SIZE(d->r); i++)
		d->r[d->n++] = runs[i];
}

u64 ptt_raw_entry(struct ptt_ctx *ctx, u64 iova, unsigned int level)
{
	u64 pte;

	return hw_walk_entry_at(&ctx->w, iova, level, &pte) ? 0 : pte;
}
