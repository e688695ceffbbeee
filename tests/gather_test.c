// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Per-gather freelists (ABI.md "Concurrency, revised"), checked through an
 * instrumented allocator and flush callback that keep per-table
 * bookkeeping: allocated, unlinked by gather G, flushed by G's sync, freed.
 *
 * Violations, each a failure:
 *   - a table is freed before a flush of the gather that removed it, by
 *     another gather's sync, inside ptcore_unmap (an early flush) or
 *     inside a map (except a table the same map allocated and lost a
 *     publication race with);
 *   - iotlb_flush is called inside ptcore_unmap, or during a sync with a
 *     gather other than the one the caller passed;
 *   - a non-empty sync calls iotlb_flush other than exactly once, an empty
 *     one at all;
 *   - a sync returns with a table its gather removed still allocated;
 *   - anything leaks (allocator records and ptcore_mem_stats after destroy).
 *
 * Cases:
 *   stress N=2,4,8 (ARM 4K) and 4 (DART2 16K): N threads on 2 cores, each
 *     mapping and unmapping whole leaf tables (512 x 4K in one call, then
 *     one 2M unmap that removes the table; DART2: 2048 x 16K, 32M) and
 *     single pages in its own leaf-table slots, interleaved with the
 *     other threads' slots under shared upper-level tables; every unmap
 *     has its own gather and its own sync, up to three gathers are held at
 *     once and synced in random order, and some gathers are moved
 *     (memcpy'd) between their unmap and their sync. Once more with the
 *     built-in allocator (ptcore's own table metadata): there only the
 *     flushes are checked per call, and the leak check at the end. And with
 *     the syncs deferred to a flusher thread, as the DMA API's flush queue
 *     does: each gather is handed over (moved) and synced by another thread,
 *     and its slot is mapped again only after that sync.
 *     Every other unmap (in every case) is ptcore_unmap_collect(), whose
 *     runs must come in IOVA order, coalesced, with the right addresses,
 *     adding up to *unmapped.
 *   moved gather: a gather memcpy'd between its unmaps and its sync (the old
 *     copy freed and poisoned) still frees its tables at its sync.
 *   two gathers: the sync of one never frees the other's tables; unmapping
 *     into a second gather never flushes the first.
 *   replaced table: a table a map replaced by a block is not freed by
 *     unrelated syncs while the block is mapped; the unmap of the block
 *     (exactly, from its first page, or with the whole table above it)
 *     hands it to its own gather, whose sync frees it; the same for a whole
 *     subtree of empty tables replaced by a 1G block.
 *   gather of another table: an unmap or a sync on one table handle with a
 *     gather holding another handle's tables is refused and changes nothing;
 *     ptcore_gather_leaf_size() is the smallest leaf size gathered.
 *   free empty tables (PTCORE_FEAT_FREE_EMPTY_TABLES): the unmap that empties
 *     a table queues it (and the emptied tables above it) on its own gather;
 *     that gather's sync flushes and frees them, no other does.
 *   unsynced gather at destroy: the redesign documents that such a gather's
 *     tables leak (sync every gather before destroy), so whether destroy
 *     frees them is not asserted; checked: destroy frees nothing twice and
 *     every table that was on no gather. The test frees the rest itself.
 *
 * Built and run under ThreadSanitizer and under ASan + UBSan (clang).
 *
 * Usage: gather_test [-v | -vv] [-q]
 *   -vv: every violation; -q: fewer stress iterations
 */
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>

#include "model.h"

#define SZ_4K		0x1000ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL
#define PA_OFF		0x100000000000ULL	/* pa = iova + PA_OFF */
#define SLOTS_PER_THREAD 4
#define MAX_THREADS	8
#define MAX_HELD	3
#define RW		(PTCORE_PROT_READ | PTCORE_PROT_WRITE)

enum call { C_NONE, C_MAP, C_UNMAP, C_SYNC, C_DESTROY };
enum tstate { T_LIVE, T_UNLINKED, T_FLUSHED };

/* One allocated table block. */
struct rec {
	void *va;
	uint64_t pa;
	size_t size;
	enum tstate state;
	unsigned int gid;		/* the gather that removed it */
	uint64_t span_start, span_last;	/* IOVAs it translated */
	unsigned int alloc_tid;
	unsigned long alloc_call;
	uint64_t serial;		/* unique: a freed pa may be handed out again */
};

/* A test-side gather: ptcore's struct plus what the test expects it to hold. */
struct tgather {
	struct ptcore_gather g;
	unsigned int id;
	unsigned int n;
	uint64_t pa[8];			/* tables its unmaps removed */
	uint64_t serial[8];		/* and their allocation serials */
};

static struct {
	pthread_mutex_t lock;
	struct u64map recs;		/* pa -> struct rec * */
	unsigned long violations;
	char first[512];
	unsigned int next_gid;
	uint64_t next_serial;
	uint64_t allocs, frees, flushes, syncs, tables_removed;
	uint64_t map_flush_start, map_flush_end;	/* last flush from a map */
	unsigned long map_flushes;
} trk = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Per-thread: which ptcore call is running, for the callbacks. */
static __thread enum call tl_call;
static __thread unsigned int tl_tid;
static __thread unsigned long tl_seq;
static __thread struct tgather *tl_sync;
static __thread const struct ptcore_gather *tl_sync_ptr;
static __thread struct ptcore_gather tl_sync_copy;	/* the gather as passed to the sync */
static __thread unsigned int tl_flushes;

static void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Called with trk.lock held. */
static void violation(const char *fmt, ...)
{
	va_list ap;

	if (!trk.violations++) {
		va_start(ap, fmt);
		vsnprintf(trk.first, sizeof(trk.first), fmt, ap);
		va_end(ap);
	}
	if (tc_verbose > 1) {
		fputs("  violation: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
}

static struct rec *rec_get(uint64_t pa)
{
	uint64_t v;

	return u64map_get(&trk.recs, pa, &v) ? (struct rec *)(uintptr_t)v : NULL;
}

static unsigned int new_gid(void)
{
	return __atomic_add_fetch(&trk.next_gid, 1, __ATOMIC_RELAXED);
}

/* ---- ops ---- */

static void *t_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	void *va = ptcore_builtin_alloc_table(NULL, size, phys, gfp);
	struct rec *r;

	(void)cookie;
	if (!va)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	r->va = va;
	r->pa = *phys;
	r->size = size;
	r->state = T_LIVE;
	r->alloc_tid = tl_tid;
	r->alloc_call = tl_seq;
	pthread_mutex_lock(&trk.lock);
	r->serial = ++trk.next_serial;
	if (rec_get(*phys))
		violation("table %#" PRIx64 " handed out twice", *phys);
	u64map_put(&trk.recs, *phys, (uintptr_t)r);
	trk.allocs++;
	pthread_mutex_unlock(&trk.lock);
	return va;
}

static void t_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	struct rec *r;

	(void)cookie;
	pthread_mutex_lock(&trk.lock);
	trk.frees++;
	r = rec_get(phys);
	if (!r) {
		violation("free_table(%#" PRIx64 "): not an allocated table (double free?)", phys);
		pthread_mutex_unlock(&trk.lock);
		return;
	}
	if (r->size != size)
		violation("free_table(%#" PRIx64 ") size %zu, allocated %zu", phys, size, r->size);
	switch (tl_call) {
	case C_DESTROY:
		/* The caller detached and flushed the whole table before destroy. */
		break;
	case C_MAP:
		/* Only a table this very map allocated and never published. */
		if (r->alloc_tid != tl_tid || r->alloc_call != tl_seq || r->state != T_LIVE)
			violation("ptcore_map_pages freed table %#" PRIx64 " (state %d, gather %u)",
				  phys, r->state, r->gid);
		break;
	case C_UNMAP:
		violation("ptcore_unmap freed table %#" PRIx64 " (%s gather %u): an early flush and "
			  "free of another gather's tables", phys,
			  r->state == T_LIVE ? "not removed by any" : "removed by", r->gid);
		break;
	case C_SYNC:
		if (r->state == T_LIVE)
			violation("sync of gather %u freed table %#" PRIx64 ", which no unmap removed "
				  "(a table some map replaced?)", tl_sync->id, phys);
		else if (r->gid != tl_sync->id)
			violation("sync of gather %u freed table %#" PRIx64 " removed by gather %u",
				  tl_sync->id, phys, r->gid);
		else if (r->state != T_FLUSHED)
			violation("sync of gather %u freed table %#" PRIx64 " before a flush with "
				  "PTCORE_GATHER_TABLES covered [%#" PRIx64 ", %#" PRIx64 "]",
				  tl_sync->id, phys, r->span_start, r->span_last);
		break;
	default:
		violation("free_table(%#" PRIx64 ") outside any ptcore call", phys);
		break;
	}
	u64map_del(&trk.recs, phys);
	pthread_mutex_unlock(&trk.lock);
	free(r);
	ptcore_builtin_free_table(NULL, va, phys, size);
}

static void t_flush(void *cookie, const struct ptcore_gather *g)
{
	unsigned int i;

	(void)cookie;
	pthread_mutex_lock(&trk.lock);
	trk.flushes++;
	if (g->start > g->end)
		violation("iotlb_flush for an empty gather");
	switch (tl_call) {
	case C_SYNC:
		tl_flushes++;
		/* The caller's gather, or (if ptcore flushes a copy) one equal to it. */
		if (g != tl_sync_ptr && (g->start != tl_sync_copy.start ||
					 g->end != tl_sync_copy.end ||
					 g->pgsize != tl_sync_copy.pgsize ||
					 g->flags != tl_sync_copy.flags)) {
			violation("iotlb_flush during the sync of gather %u got another gather "
				  "[%#" PRIx64 ", %#" PRIx64 "]", tl_sync->id, g->start, g->end);
			break;
		}
		if (!(g->flags & PTCORE_GATHER_TABLES))
			break;
		for (i = 0; i < tl_sync->n; i++) {
			struct rec *r = rec_get(tl_sync->pa[i]);

			if (r && r->serial == tl_sync->serial[i] && r->state == T_UNLINKED &&
			    r->gid == tl_sync->id &&
			    g->start <= r->span_start && g->end >= r->span_last)
				r->state = T_FLUSHED;
		}
		break;
	case C_MAP:
		/* A map that replaced an empty table flushes its span itself. */
		if (!(g->flags & PTCORE_GATHER_TABLES))
			violation("a map flushed without PTCORE_GATHER_TABLES");
		trk.map_flushes++;
		trk.map_flush_start = g->start;
		trk.map_flush_end = g->end;
		break;
	case C_UNMAP:
		violation("iotlb_flush [%#" PRIx64 ", %#" PRIx64 "] inside ptcore_unmap: an early "
			  "flush (of another gather's tables?)", g->start, g->end);
		break;
	default:
		violation("iotlb_flush outside any ptcore call");
		break;
	}
	pthread_mutex_unlock(&trk.lock);
}

static const struct ptcore_ops t_ops = {
	.alloc_table = t_alloc, .free_table = t_free, .iotlb_flush = t_flush,
};

/* The built-in allocator (its own table metadata): flushes checked, frees not seen. */
static const struct ptcore_ops t_ops_builtin = { .iotlb_flush = t_flush };

/* ---- calls, with the bookkeeping around them ---- */

struct ctx {
	struct ptcore_table *t;
	struct ptcore_cfg cfg;
	struct tmodel m;
	uint64_t pg, span, npg;		/* page, leaf table span, pages per leaf table */
	uint64_t pa_off;		/* pa = iova + pa_off */
	bool builtin;			/* t_ops_builtin: no per-table records */
};

static int do_map(struct ctx *c, uint64_t iova, uint64_t pgsize, uint64_t count)
{
	uint64_t mapped = 0;
	int ret;

	tl_seq++;
	tl_call = C_MAP;
	ret = ptcore_map_pages(c->t, iova, iova + c->pa_off, pgsize, count, RW, 0, &mapped);
	tl_call = C_NONE;
	if (ret || mapped != pgsize * count) {
		pthread_mutex_lock(&trk.lock);
		violation("map(%#" PRIx64 ", %#" PRIx64 " x %" PRIu64 ") = %d, mapped %#" PRIx64,
			  iova, pgsize, count, ret, mapped);
		pthread_mutex_unlock(&trk.lock);
	}
	return ret;
}

/* The leaf table under @iova (the caller owns its 2M slot), or 0. */
static uint64_t leaf_table_of(const struct ctx *c, uint64_t iova)
{
	struct hw_leaf w;

	if (hw_walk_iova(&c->m.w, iova, &w) || w.level != c->m.w.last_level)
		return 0;
	return w.walk_table[w.level];
}

/*
 * ptcore_unmap_collect()'s runs: in IOVA order, without a gap, each mapped
 * to iova + pa_off, maximal (no run continues the previous one in both IOVA
 * and physical address).
 */
struct collect {
	const struct ctx *c;
	uint64_t next, prev_pa_end;
	const char *bad;
	bool any;
};

static void collect_runs(void *arg, const struct ptcore_range *runs, uint32_t n)
{
	struct collect *col = arg;
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (runs[i].iova != col->next)
			col->bad = "a run out of order or a gap";
		else if (runs[i].paddr != runs[i].iova + col->c->pa_off)
			col->bad = "a run with the wrong physical address";
		else if (col->any && runs[i].paddr == col->prev_pa_end)
			col->bad = "two runs that should be one";
		else if (!runs[i].size)
			col->bad = "an empty run";
		col->next = runs[i].iova + runs[i].size;
		col->prev_pa_end = runs[i].paddr + runs[i].size;
		col->any = true;
	}
}

/*
 * Unmap [iova, iova + len) into @tg. @whole: the range is a full leaf
 * table, which the unmap must remove (recorded before the call, so that a
 * concurrent early free of it is caught too).
 */
static void do_unmap(struct ctx *c, struct tgather *tg, uint64_t iova, uint64_t len, bool whole)
{
	uint64_t unmapped = 0, tpa = 0;
	int ret;

	if (whole && !c->builtin) {
		tpa = leaf_table_of(c, iova);
		pthread_mutex_lock(&trk.lock);
		{
			struct rec *r = rec_get(tpa);

			if (!r || r->state != T_LIVE || tg->n == TC_ARRAY_SIZE(tg->pa)) {
				violation("no live leaf table at %#" PRIx64, iova);
			} else {
				r->state = T_UNLINKED;
				r->gid = tg->id;
				r->span_start = iova;
				r->span_last = iova + len - 1;
				tg->serial[tg->n] = r->serial;
				tg->pa[tg->n++] = tpa;
				trk.tables_removed++;
			}
		}
		pthread_mutex_unlock(&trk.lock);
	}
	tl_seq++;
	tl_call = C_UNMAP;
	if (tl_seq & 1) {
		ret = ptcore_unmap(c->t, iova, len, &tg->g, &unmapped);
	} else {
		struct collect col = { .c = c, .next = iova };

		ret = ptcore_unmap_collect(c->t, iova, len, &tg->g, &unmapped, collect_runs, &col);
		if (col.bad || col.next != iova + unmapped) {
			pthread_mutex_lock(&trk.lock);
			violation("unmap_collect(%#" PRIx64 ", %#" PRIx64 "): %s (runs up to %#"
				  PRIx64 ", unmapped %#" PRIx64 ")", iova, len,
				  col.bad ? col.bad : "the runs do not add up", col.next, unmapped);
			pthread_mutex_unlock(&trk.lock);
		}
	}
	tl_call = C_NONE;
	if (ret || unmapped != len || (whole && leaf_table_of(c, iova))) {
		pthread_mutex_lock(&trk.lock);
		violation("unmap(%#" PRIx64 ", %#" PRIx64 ") = %d, unmapped %#" PRIx64 "%s", iova,
			  len, ret, unmapped, whole && leaf_table_of(c, iova) ?
			  ", the leaf table is still linked" : "");
		pthread_mutex_unlock(&trk.lock);
	}
}

static void do_sync(struct ctx *c, struct tgather *tg)
{
	bool empty = tg->g.start > tg->g.end;
	unsigned int i;

	tl_sync_copy = tg->g;
	tl_seq++;
	tl_sync = tg;
	tl_sync_ptr = &tg->g;
	tl_flushes = 0;
	tl_call = C_SYNC;
	ptcore_iotlb_sync(c->t, &tg->g);
	tl_call = C_NONE;
	pthread_mutex_lock(&trk.lock);
	trk.syncs++;
	if (tl_flushes != (empty ? 0u : 1u))
		violation("%s sync of gather %u called iotlb_flush %u times", empty ? "an empty" :
			  "a non-empty", tg->id, tl_flushes);
	for (i = 0; i < tg->n; i++) {
		struct rec *r = rec_get(tg->pa[i]);

		if (r && r->serial == tg->serial[i])
			violation("sync of gather %u returned with its table %#" PRIx64 " not freed",
				  tg->id, tg->pa[i]);
	}
	if (tg->g.start != UINT64_MAX || tg->g.end || tg->g.pgsize || tg->g.flags ||
	    tg->g.nr_tables || tg->g.freelist)
		violation("gather %u not re-initialised by its sync", tg->id);
	pthread_mutex_unlock(&trk.lock);
	tg->n = 0;
	tl_sync = NULL;
	tl_sync_ptr = NULL;
}

static void tg_init(struct tgather *tg)
{
	memset(tg, 0, sizeof(*tg));
	ptcore_gather_init(&tg->g);
	tg->id = new_gid();
}

/* Move a gather: memcpy it elsewhere and poison the old place. */
static void tg_move(struct tgather *dst, struct tgather *src)
{
	memcpy(dst, src, sizeof(*dst));
	memset(src, 0xa5, sizeof(*src));
}

/* ARM stage 1 4K (ias 48) by default; @dart: DART2 16K, three levels (ias 42). */
static int ctx_create_fmt(struct ctx *c, bool dart, bool builtin)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->builtin = builtin;
	if (dart) {
		c->cfg.format = PTCORE_FMT_APPLE_DART2;
		c->cfg.granule_lg2 = 14;
		c->cfg.ias = 42;
		c->cfg.oas = 42;
	} else {
		c->cfg.format = PTCORE_FMT_ARM64_LPAE_S1;
		c->cfg.granule_lg2 = 12;
		c->cfg.ias = 48;
		c->cfg.oas = 48;
		c->pa_off = PA_OFF;
	}
	c->cfg.ops = builtin ? &t_ops_builtin : &t_ops;
	c->pg = 1ULL << c->cfg.granule_lg2;
	c->npg = c->pg / 8;
	c->span = c->pg * c->npg;
	ret = ptcore_table_create(&c->cfg, &c->t);
	TC_CHECK(ret == 0, "create: %d", ret);
	if (!ret)
		tm_init(&c->m, c->t, &c->cfg);
	return ret;
}

static int ctx_create(struct ctx *c)
{
	return ctx_create_fmt(c, false, false);
}

static void ctx_destroy(struct ctx *c)
{
	tl_call = C_DESTROY;
	ptcore_table_destroy(c->t);
	tl_call = C_NONE;
	c->t = NULL;
}

/* Report the bookkeeping violations of the case (main thread only). */
static void report(const char *what)
{
	pthread_mutex_lock(&trk.lock);
	TC_CHECK(!trk.violations, "%s: %lu violations, the first: %s", what, trk.violations,
		 trk.first);
	trk.violations = 0;
	trk.first[0] = 0;
	pthread_mutex_unlock(&trk.lock);
}

static void check_no_leak(const char *what, const struct ptcore_mem_stats *s0)
{
	struct ptcore_mem_stats s1;

	ptcore_mem_stats(&s1);
	TC_CHECK(trk.recs.n == 0, "%s: %zu tables still allocated after destroy", what,
		 trk.recs.n);
	TC_CHECK(s1.tables_live == s0->tables_live && s1.bytes_live == s0->bytes_live,
		 "%s: ptcore_mem_stats: %" PRIu64 " tables live, %" PRIu64 " before", what,
		 s1.tables_live, s0->tables_live);
}

/* ---- the stress ---- */

enum slot_state { S_EMPTY, S_FULL, S_PAGES };

struct worker {
	struct ctx *c;
	unsigned int id, nthreads, iters;
	uint64_t base, rng;
	enum slot_state st[SLOTS_PER_THREAD];
	uint64_t first[SLOTS_PER_THREAD];	/* S_PAGES: first page index mapped */
	unsigned int npages[SLOTS_PER_THREAD];	/* and how many, one map call each */
	pthread_barrier_t *start;
	unsigned long lookup_errors;
	bool deferred;				/* a flusher thread syncs the gathers */
	int pending[SLOTS_PER_THREAD];		/* slot's gather not synced yet */
};

/*
 * Deferred syncs, as the DMA API's flush queue does them: the unmapping
 * thread hands its gather (moved into a queue entry) to a flusher thread,
 * and maps the slot again only after the flusher synced it.
 */
struct handoff {
	struct tgather tg;
	struct worker *w;
	unsigned int slot;
	struct handoff *next;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct handoff *head, **tail;
	bool stop;
	unsigned long synced;
} fq = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void fq_push(struct handoff *h)
{
	h->next = NULL;
	pthread_mutex_lock(&fq.lock);
	*fq.tail = h;
	fq.tail = &h->next;
	pthread_cond_signal(&fq.cond);
	pthread_mutex_unlock(&fq.lock);
}

static void *flusher(void *arg)
{
	struct ctx *c = arg;

	tl_tid = 100;
	pthread_mutex_lock(&fq.lock);
	for (;;) {
		struct handoff *h = fq.head;

		if (!h) {
			if (fq.stop)
				break;
			pthread_cond_wait(&fq.cond, &fq.lock);
			continue;
		}
		fq.head = h->next;
		if (!fq.head)
			fq.tail = &fq.head;
		pthread_mutex_unlock(&fq.lock);
		do_sync(c, &h->tg);
		__atomic_store_n(&h->w->pending[h->slot], 0, __ATOMIC_RELEASE);
		free(h);
		pthread_mutex_lock(&fq.lock);
		fq.synced++;
	}
	pthread_mutex_unlock(&fq.lock);
	return NULL;
}

static uint64_t slot_iova(const struct worker *w, unsigned int k)
{
	return w->base + (uint64_t)(w->id + w->nthreads * k) * w->c->span;
}

static void check_lookup(struct worker *w, uint64_t iova, bool mapped)
{
	uint64_t phys = 0;
	int ret = ptcore_iova_to_phys(w->c->t, iova + 0x123, &phys);

	if (mapped ? ret || phys != iova + w->c->pa_off + 0x123 : ret != -ENOENT)
		w->lookup_errors++;
}

/* Unmap everything a slot holds into @tg (its own sync comes later). */
static void slot_unmap(struct worker *w, unsigned int k, struct tgather *tg)
{
	uint64_t iova = slot_iova(w, k), pg = w->c->pg;

	if (w->st[k] == S_FULL) {
		do_unmap(w->c, tg, iova, w->c->span, true);
		check_lookup(w, iova + (tc_rand(&w->rng) % w->c->npg) * pg, false);
		w->st[k] = S_EMPTY;
	} else if (w->st[k] == S_PAGES) {
		iova += w->first[k] * pg;
		do_unmap(w->c, tg, iova, w->npages[k] * pg, false);
		check_lookup(w, iova + (w->npages[k] - 1) * pg, false);
		/* The leaf table stays (partly covered unmaps keep it): S_EMPTY with a table. */
		w->st[k] = S_EMPTY;
	}
}

static void slot_map(struct worker *w, unsigned int k)
{
	uint64_t iova = slot_iova(w, k), pg = w->c->pg;
	unsigned int i, n;

	if (tc_rand(&w->rng) & 1) {
		do_map(w->c, iova, pg, w->c->npg);
		check_lookup(w, iova + (tc_rand(&w->rng) % w->c->npg) * pg, true);
		w->st[k] = S_FULL;
		return;
	}
	/* A few single pages, one map call each, unmapped later by one call. */
	n = 1 + (unsigned int)(tc_rand(&w->rng) % 4);
	w->first[k] = tc_rand(&w->rng) % (w->c->npg - n);
	for (i = 0; i < n; i++) {
		uint64_t p = iova + (w->first[k] + i) * pg;

		do_map(w->c, p, pg, 1);
		check_lookup(w, p, true);
	}
	w->npages[k] = n;
	w->st[k] = S_PAGES;
}

static void *stress_thread(void *arg)
{
	struct worker *w = arg;
	struct tgather *held[MAX_HELD], *spare;
	unsigned int it, k, nheld, i, held_slot[MAX_HELD];

	tl_tid = w->id + 1;
	pthread_barrier_wait(w->start);
	for (k = 0; k < SLOTS_PER_THREAD; k++)
		slot_map(w, k);
	for (it = 0; it < w->iters; it++) {
		/* Unmap 1..MAX_HELD slots, each into its own gather. */
		nheld = 1 + (unsigned int)(tc_rand(&w->rng) % MAX_HELD);
		for (i = 0; i < nheld; i++) {
			held[i] = malloc(sizeof(*held[i]));
			if (!held[i])
				abort();
			tg_init(held[i]);
			k = (unsigned int)((it * MAX_HELD + i) % SLOTS_PER_THREAD);
			held_slot[i] = k;
			/* Deferred: wait until the flusher synced the slot's last gather. */
			while (__atomic_load_n(&w->pending[k], __ATOMIC_ACQUIRE))
				sched_yield();
			slot_unmap(w, k, held[i]);
		}
		/* Move some gathers between their unmaps and their syncs. */
		for (i = 0; i < nheld; i++) {
			if (tc_rand(&w->rng) % 3)
				continue;
			spare = malloc(sizeof(*spare));
			if (!spare)
				abort();
			tg_move(spare, held[i]);
			free(held[i]);
			held[i] = spare;
		}
		/* Or hand them all to the flusher (moved once more, into the queue). */
		if (w->deferred) {
			for (i = 0; i < nheld; i++) {
				struct handoff *h = malloc(sizeof(*h));

				if (!h)
					abort();
				h->w = w;
				h->slot = held_slot[i];
				if (held[i]->g.start <= held[i]->g.end)
					__atomic_store_n(&w->pending[h->slot], 1, __ATOMIC_RELAXED);
				tg_move(&h->tg, held[i]);
				free(held[i]);
				fq_push(h);
			}
			nheld = 0;
		}
		/* Sync in random order. */
		while (nheld) {
			i = (unsigned int)(tc_rand(&w->rng) % nheld);
			do_sync(w->c, held[i]);
			free(held[i]);
			held[i] = held[--nheld];
		}
		for (k = 0; k < SLOTS_PER_THREAD; k++) {
			if (w->st[k] != S_EMPTY)
				continue;
			while (__atomic_load_n(&w->pending[k], __ATOMIC_ACQUIRE))
				sched_yield();
			slot_map(w, k);
		}
	}
	/* Take everything down, one gather per slot. */
	for (k = 0; k < SLOTS_PER_THREAD; k++) {
		while (__atomic_load_n(&w->pending[k], __ATOMIC_ACQUIRE))
			sched_yield();
		struct tgather tg;

		tg_init(&tg);
		slot_unmap(w, k, &tg);
		do_sync(w->c, &tg);
	}
	return NULL;
}

static unsigned int stress_iters = 8000;

struct stress_arg {
	unsigned int threads;
	bool dart;
	bool builtin;
	bool deferred;
};

static void stress(void *arg)
{
	const struct stress_arg *sa = arg;
	unsigned int n = sa->threads, i;
	struct worker w[MAX_THREADS];
	pthread_t th[MAX_THREADS], fth;
	pthread_barrier_t start;
	struct ptcore_mem_stats s0;
	unsigned long errors = 0;
	struct ctx c;
	uint64_t removed0 = trk.tables_removed, syncs0 = trk.syncs, flushes0 = trk.flushes;

	ptcore_mem_stats(&s0);
	if (ctx_create_fmt(&c, sa->dart, sa->builtin))
		return;
	if (sa->deferred) {
		fq.head = NULL;
		fq.tail = &fq.head;
		fq.stop = false;
		pthread_create(&fth, NULL, flusher, &c);
	}
	pthread_barrier_init(&start, NULL, n);
	for (i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].c = &c;
		w[i].id = i;
		w[i].nthreads = n;
		w[i].iters = stress_iters * 2 / n / (sa->dart || sa->deferred ? 4 : 1);
		/* All threads' slots in one 1G: they share the level-1 and level-2 tables. */
		w[i].base = 5 * SZ_1G;
		w[i].rng = 0x5eed0000 + 97 * n + i;
		w[i].start = &start;
		w[i].deferred = sa->deferred;
		pthread_create(&th[i], NULL, stress_thread, &w[i]);
	}
	for (i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		errors += w[i].lookup_errors;
	}
	if (sa->deferred) {
		pthread_mutex_lock(&fq.lock);
		fq.stop = true;
		pthread_cond_signal(&fq.cond);
		pthread_mutex_unlock(&fq.lock);
		pthread_join(fth, NULL);
		TC_CHECK(fq.synced, "the flusher synced nothing");
	}
	pthread_barrier_destroy(&start);
	TC_CHECK(!errors, "%lu lookups in a thread's own range gave a wrong answer", errors);
	ctx_destroy(&c);
	if (tc_verbose)
		printf("  %" PRIu64 " tables removed (tracked), %" PRIu64 " syncs, %" PRIu64
		       " flushes\n", trk.tables_removed - removed0, trk.syncs - syncs0,
		       trk.flushes - flushes0);
	report("stress");
	check_no_leak("stress", &s0);
}

/* ---- single-threaded semantics ---- */

/* Two full leaf tables at slots 0 and 1 of a 1G region. */
static void map_two_tables(struct ctx *c, uint64_t base)
{
	do_map(c, base, SZ_4K, 512);
	do_map(c, base + SZ_2M, SZ_4K, 512);
}

static void moved_gather(void *arg)
{
	struct tgather *a, *b;
	struct ptcore_mem_stats s0;
	struct ctx c;
	uint64_t base = 3 * SZ_1G;

	(void)arg;
	ptcore_mem_stats(&s0);
	if (ctx_create(&c))
		return;
	map_two_tables(&c, base);
	do_map(&c, base + 4 * SZ_2M, SZ_4K, 8);
	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	if (!a || !b)
		abort();
	/* Moved between two unmaps, and again before the sync. */
	tg_init(a);
	do_unmap(&c, a, base, SZ_2M, true);
	tg_move(b, a);
	free(a);
	do_unmap(&c, b, base + SZ_2M, SZ_2M, true);
	do_unmap(&c, b, base + 4 * SZ_2M, SZ_4K, false);
	a = malloc(sizeof(*a));
	if (!a)
		abort();
	tg_move(a, b);
	free(b);
	do_sync(&c, a);
	free(a);
	ctx_destroy(&c);
	report("moved gather");
	check_no_leak("moved gather", &s0);
}

static void two_gathers(void *arg)
{
	struct tgather ga, gb;
	struct ptcore_mem_stats s0;
	struct ctx c;
	uint64_t base = 7 * SZ_1G, ta;

	(void)arg;
	ptcore_mem_stats(&s0);
	if (ctx_create(&c))
		return;
	map_two_tables(&c, base);
	tg_init(&ga);
	tg_init(&gb);
	ta = leaf_table_of(&c, base);
	do_unmap(&c, &ga, base, SZ_2M, true);
	/* Unmapping into gb must neither flush nor free ga's table. */
	do_unmap(&c, &gb, base + SZ_2M, SZ_2M, true);
	do_sync(&c, &gb);
	pthread_mutex_lock(&trk.lock);
	if (!rec_get(ta))
		violation("the sync of gather %u freed table %#" PRIx64 " of gather %u", gb.id, ta,
			  ga.id);
	pthread_mutex_unlock(&trk.lock);
	do_sync(&c, &ga);
	ctx_destroy(&c);
	report("two gathers");
	check_no_leak("two gathers", &s0);
}

/* Mark table @pa as one that @g's sync must free; @flushed: already flushed (by a map). */
static void expect_freed_by(struct tgather *g, uint64_t pa, uint64_t span_start, uint64_t span,
			    bool flushed)
{
	struct rec *r;

	pthread_mutex_lock(&trk.lock);
	r = rec_get(pa);
	if (!r || r->state != T_LIVE) {
		violation("table %#" PRIx64 " not live before the unmap that removes it", pa);
	} else {
		r->state = flushed ? T_FLUSHED : T_UNLINKED;
		r->gid = g->id;
		r->span_start = span_start;
		r->span_last = span_start + span - 1;
		g->serial[g->n] = r->serial;
		g->pa[g->n++] = pa;
	}
	pthread_mutex_unlock(&trk.lock);
}

enum { R_EXACT, R_FIRST_PAGE, R_WHOLE_TABLE_ABOVE, R_SUBTREE_1G };

/*
 * A table T that a map replaced by a 2M block: not freed by unrelated syncs
 * while the block is mapped; the unmap that removes the block (exactly,
 * from its first page only, or with the whole level-2 table above it)
 * hands T to its gather, and that gather's sync frees it.
 */
/*
 * A whole empty subtree (a level-2 table and two empty leaf tables below
 * it) replaced by a 1G block: parked whole, freed whole by the sync of the
 * block's unmap, and not before.
 */
static void replaced_subtree(void)
{
	struct tgather g, other;
	struct ptcore_mem_stats s0;
	struct ctx c;
	uint64_t base = 10 * SZ_1G, ubase = base + SZ_1G + 8 * SZ_2M, pa[3];
	struct hw_leaf w;
	unsigned int i;

	ptcore_mem_stats(&s0);
	if (ctx_create(&c))
		return;
	do_map(&c, base, SZ_4K, 1);
	do_map(&c, base + 5 * SZ_2M, SZ_4K, 1);
	TC_CHECK(!hw_walk_iova(&c.m.w, base, &w) && w.level == 3, "no page at %#" PRIx64, base);
	pa[0] = w.walk_table[2];
	pa[1] = w.walk_table[3];
	pa[2] = leaf_table_of(&c, base + 5 * SZ_2M);
	tg_init(&g);
	do_unmap(&c, &g, base, SZ_4K, false);
	do_unmap(&c, &g, base + 5 * SZ_2M, SZ_4K, false);
	do_sync(&c, &g);
	trk.map_flushes = 0;
	do_map(&c, base, SZ_1G, 1);
	TC_CHECK(trk.map_flushes == 1 && trk.map_flush_start <= base &&
		 trk.map_flush_end >= base + SZ_1G - 1, "the replacing map flushed %lu times",
		 trk.map_flushes);
	do_map(&c, ubase, SZ_4K, 1);
	tg_init(&other);
	do_unmap(&c, &other, ubase, SZ_4K, false);
	do_sync(&c, &other);
	pthread_mutex_lock(&trk.lock);
	for (i = 0; i < 3; i++)
		if (!rec_get(pa[i]))
			violation("table %#" PRIx64 " of a subtree replaced by a still mapped block "
				  "was freed by an unrelated sync", pa[i]);
	pthread_mutex_unlock(&trk.lock);
	tg_init(&g);
	expect_freed_by(&g, pa[0], base, SZ_1G, true);
	expect_freed_by(&g, pa[1], base, SZ_2M, true);
	expect_freed_by(&g, pa[2], base + 5 * SZ_2M, SZ_2M, true);
	do_unmap(&c, &g, base, SZ_1G, false);
	do_sync(&c, &g);
	ctx_destroy(&c);
	report("replaced subtree");
	check_no_leak("replaced subtree", &s0);
}

static void replaced_table(void *arg)
{
	int how = (int)(uintptr_t)arg;
	struct tgather g, other;
	struct ptcore_mem_stats s0;
	struct ctx c;
	uint64_t base = 9 * SZ_1G, ubase = base + SZ_1G + 8 * SZ_2M, tpa, phys = 0;
	struct hw_leaf w;
	int ret;

	if (how == R_SUBTREE_1G) {
		replaced_subtree();
		return;
	}
	ptcore_mem_stats(&s0);
	if (ctx_create(&c))
		return;
	/* An empty leaf table T at base: map a page, unmap it, sync. */
	do_map(&c, base, SZ_4K, 1);
	tpa = leaf_table_of(&c, base);
	tg_init(&g);
	do_unmap(&c, &g, base, SZ_4K, false);
	do_sync(&c, &g);
	/* Replace T by a 2M block (the map flushes T's span); then unrelated syncs. */
	trk.map_flushes = 0;
	do_map(&c, base, SZ_2M, 1);
	TC_CHECK(trk.map_flushes == 1 && trk.map_flush_start <= base &&
		 trk.map_flush_end >= base + SZ_2M - 1, "the replacing map flushed %lu times, "
		 "last [%#" PRIx64 ", %#" PRIx64 "]", trk.map_flushes, trk.map_flush_start,
		 trk.map_flush_end);
	ret = ptcore_iova_to_phys(c.t, base + 0x42, &phys);
	TC_CHECK(ret == 0 && phys == base + c.pa_off + 0x42, "block lookup %d %#" PRIx64, ret, phys);
	do_map(&c, ubase, SZ_4K, 2);
	tg_init(&g);
	do_sync(&c, &g);
	tg_init(&other);
	do_unmap(&c, &other, ubase, SZ_4K, false);
	do_sync(&c, &other);
	pthread_mutex_lock(&trk.lock);
	if (!rec_get(tpa))
		violation("table %#" PRIx64 " that a map replaced by a still mapped block was freed "
			  "by an unrelated sync", tpa);
	pthread_mutex_unlock(&trk.lock);
	/*
	 * The map already flushed T's span with PTCORE_GATHER_TABLES, so T
	 * counts as flushed: the sync needs no second walk-cache flush for it.
	 */
	tg_init(&g);
	expect_freed_by(&g, tpa, base, SZ_2M, true);
	switch (how) {
	case R_EXACT:
		do_unmap(&c, &g, base, SZ_2M, false);
		break;
	case R_FIRST_PAGE: {
		uint64_t unmapped = 0;

		/* A leaf is never split: the whole block goes. */
		tl_call = C_UNMAP;
		ret = ptcore_unmap(c.t, base, SZ_4K, &g.g, &unmapped);
		tl_call = C_NONE;
		TC_CHECK(ret == 0 && unmapped == SZ_2M, "unmap of the block's first page: %d, %#"
			 PRIx64, ret, unmapped);
		break;
	}
	case R_WHOLE_TABLE_ABOVE:
		/* The rest of the 1G as blocks: the level-2 table is full and goes whole. */
		do_map(&c, base + SZ_2M, SZ_2M, 511);
		TC_CHECK(!hw_walk_iova(&c.m.w, base, &w) && w.level == 2, "no block at %#" PRIx64, base);
		expect_freed_by(&g, w.walk_table[2], base, SZ_1G, false);
		do_unmap(&c, &g, base, SZ_1G, false);
		break;
	}
	do_sync(&c, &g);
	tg_init(&g);
	do_unmap(&c, &g, ubase + SZ_4K, SZ_4K, false);
	do_sync(&c, &g);
	ctx_destroy(&c);
	report("replaced table");
	check_no_leak("replaced table", &s0);
}

/*
 * PTCORE_FEAT_FREE_EMPTY_TABLES: the unmap that leaves a table with no valid
 * entry puts it on its own gather (and the tables above it that it empties,
 * up to but not including the top), whose sync flushes their spans with
 * PTCORE_GATHER_TABLES and frees them; an unmap that leaves the table
 * holding something frees nothing, and no other gather's sync does.
 */
static void free_empty_tables(void *arg)
{
	struct tgather ga, gb;
	struct ptcore_mem_stats s0;
	struct hw_leaf w;
	struct ctx c;
	uint64_t a = 600 * SZ_1G + 4 * SZ_2M, b = a + 7 * SZ_4K, pa[3];
	int ret;

	(void)arg;
	ptcore_mem_stats(&s0);
	memset(&c, 0, sizeof(c));
	c.cfg.format = PTCORE_FMT_ARM64_LPAE_S1;
	c.cfg.granule_lg2 = 12;
	c.cfg.ias = 48;
	c.cfg.oas = 48;
	c.cfg.features = PTCORE_FEAT_FREE_EMPTY_TABLES;
	c.cfg.ops = &t_ops;
	c.pa_off = PA_OFF;
	ret = ptcore_table_create(&c.cfg, &c.t);
	TC_CHECK(ret == 0, "create with FREE_EMPTY_TABLES: %d", ret);
	if (ret)
		return;
	tm_init(&c.m, c.t, &c.cfg);
	/* Two pages of one leaf table, alone under their level-1 and level-2 tables. */
	do_map(&c, a, SZ_4K, 1);
	do_map(&c, b, SZ_4K, 1);
	TC_CHECK(!hw_walk_iova(&c.m.w, a, &w) && w.level == 3, "no page at %#" PRIx64, a);
	pa[0] = w.walk_table[3];
	pa[1] = w.walk_table[2];
	pa[2] = w.walk_table[1];
	/* The first unmap leaves the leaf table holding b: nothing to free. */
	tg_init(&ga);
	do_unmap(&c, &ga, a, SZ_4K, false);
	/* The second empties it, and the two tables above: all three on gb. */
	tg_init(&gb);
	expect_freed_by(&gb, pa[0], a & ~(SZ_2M - 1), SZ_2M, false);
	expect_freed_by(&gb, pa[1], a & ~(SZ_1G - 1), SZ_1G, false);
	expect_freed_by(&gb, pa[2], a & ~(512 * SZ_1G - 1), 512 * SZ_1G, false);
	do_unmap(&c, &gb, b, SZ_4K, false);
	TC_CHECK(gb.g.flags & PTCORE_GATHER_TABLES, "emptied tables without GATHER_TABLES");
	TC_CHECK_EQ(gb.g.nr_tables, 3, "nr_tables of the gather that emptied three tables");
	TC_CHECK(!(ga.g.flags & PTCORE_GATHER_TABLES) && !ga.g.nr_tables,
		 "the unmap that emptied nothing gathered tables");
	do_sync(&c, &ga);
	pthread_mutex_lock(&trk.lock);
	if (!rec_get(pa[0]))
		violation("the sync of the other gather freed the emptied leaf table");
	pthread_mutex_unlock(&trk.lock);
	do_sync(&c, &gb);
	ret = ptcore_iova_to_phys(c.t, b, &pa[0]);
	TC_CHECK(ret == -ENOENT, "lookup after the tables went: %d", ret);
	/* And the same place again: new tables. */
	do_map(&c, a, SZ_4K, 1);
	tg_init(&ga);
	TC_CHECK(!hw_walk_iova(&c.m.w, a, &w) && w.level == 3, "no page at %#" PRIx64, a);
	expect_freed_by(&ga, w.walk_table[3], a & ~(SZ_2M - 1), SZ_2M, false);
	expect_freed_by(&ga, w.walk_table[2], a & ~(SZ_1G - 1), SZ_1G, false);
	expect_freed_by(&ga, w.walk_table[1], a & ~(512 * SZ_1G - 1), 512 * SZ_1G, false);
	do_unmap(&c, &ga, a, SZ_4K, false);
	do_sync(&c, &ga);
	ctx_destroy(&c);
	report("free empty tables");
	check_no_leak("free empty tables", &s0);
}

/*
 * A gather holding tables of one table handle, passed to another: the
 * unmap is refused (-EINVAL, nothing removed, the gather untouched) and so
 * is the sync (no flush, nothing freed); the right sync then works. And
 * ptcore_gather_leaf_size(): the smallest leaf size gathered, 0 for none.
 */
static void gather_of_another_table(void *arg)
{
	struct ptcore_mem_stats s0;
	struct tgather g, gb, before;
	struct ctx c1, c2;
	uint64_t base = 13 * SZ_1G, t2pa, unmapped = 1, phys = 0;
	int ret;

	(void)arg;
	ptcore_mem_stats(&s0);
	if (ctx_create(&c1))
		return;
	if (ctx_create(&c2)) {
		ctx_destroy(&c1);
		return;
	}
	do_map(&c1, base, SZ_4K, 512);
	do_map(&c2, base, SZ_4K, 512);
	t2pa = leaf_table_of(&c2, base);
	tg_init(&g);
	do_unmap(&c1, &g, base, SZ_2M, true);
	TC_CHECK_EQ(ptcore_gather_leaf_size(&g.g), SZ_4K, "leaf size of a gather of 4K pages");

	before = g;
	tl_call = C_UNMAP;
	ret = ptcore_unmap(c2.t, base, SZ_2M, &g.g, &unmapped);
	tl_call = C_NONE;
	TC_CHECK(ret == -EINVAL && unmapped == 0, "unmap on another table with a gather holding "
		 "tables: %d, unmapped %#" PRIx64 ", want -EINVAL and 0", ret, unmapped);
	TC_CHECK(!memcmp(&before.g, &g.g, sizeof(g.g)), "the refused unmap changed the gather");
	ret = ptcore_iova_to_phys(c2.t, base + 0x777, &phys);
	TC_CHECK(ret == 0 && phys == base + c2.pa_off + 0x777, "the refused unmap removed "
		 "something: %d %#" PRIx64, ret, phys);
	TC_CHECK(leaf_table_of(&c2, base) == t2pa, "the refused unmap changed the tables");

	/* The sync on the wrong table: refused, nothing flushed or freed. */
	tl_sync = &g;
	tl_sync_ptr = &g.g;
	tl_sync_copy = g.g;
	tl_flushes = 0;
	tl_call = C_SYNC;
	ptcore_iotlb_sync(c2.t, &g.g);
	tl_call = C_NONE;
	tl_sync = NULL;
	tl_sync_ptr = NULL;
	TC_CHECK(tl_flushes == 0, "a sync on another table flushed %u times", tl_flushes);
	pthread_mutex_lock(&trk.lock);
	if (!rec_get(g.pa[0]))
		violation("a sync on another table freed the gather's table %#" PRIx64, g.pa[0]);
	pthread_mutex_unlock(&trk.lock);
	/* Whether the refused sync re-initialised it is not specified: use the copy. */
	g.g = before.g;
	do_sync(&c1, &g);

	/* Leaf sizes: a block alone, a block with pages, nothing. */
	do_map(&c1, base + 4 * SZ_2M, SZ_2M, 1);
	do_map(&c1, base + 6 * SZ_2M, SZ_4K, 3);
	tg_init(&gb);
	TC_CHECK_EQ(ptcore_gather_leaf_size(&gb.g), 0, "leaf size of an empty gather");
	do_unmap(&c1, &gb, base + 4 * SZ_2M, SZ_2M, false);
	TC_CHECK_EQ(ptcore_gather_leaf_size(&gb.g), SZ_2M, "leaf size of a gather of one block");
	do_unmap(&c1, &gb, base + 6 * SZ_2M + SZ_4K, SZ_4K, false);
	TC_CHECK_EQ(ptcore_gather_leaf_size(&gb.g), SZ_4K, "leaf size of a block and a page");
	do_sync(&c1, &gb);
	TC_CHECK_EQ(ptcore_gather_leaf_size(&gb.g), 0, "leaf size after the sync");
	tg_init(&gb);
	do_unmap(&c2, &gb, base, SZ_2M, true);
	do_sync(&c2, &gb);
	ctx_destroy(&c1);
	ctx_destroy(&c2);
	report("gather of another table");
	check_no_leak("gather of another table", &s0);
}

/*
 * Destroy with a gather never synced: include/ptcore.h documents that its
 * tables leak (the caller must sync every gather first). Checked: destroy
 * frees nothing twice, nothing unknown, and every other table; the test
 * then frees the gather's tables itself.
 */
static void unsynced_at_destroy(void *arg)
{
	struct tgather g;
	struct ptcore_mem_stats s0;
	struct ctx c;
	uint64_t base = 11 * SZ_1G, va_pa[2][2];
	unsigned int i, leaked = 0;

	(void)arg;
	ptcore_mem_stats(&s0);
	if (ctx_create(&c))
		return;
	map_two_tables(&c, base);
	tg_init(&g);
	do_unmap(&c, &g, base, SZ_2M, true);
	do_unmap(&c, &g, base + SZ_2M, SZ_2M, true);
	ctx_destroy(&c);
	pthread_mutex_lock(&trk.lock);
	for (i = 0; i < g.n; i++) {
		struct rec *r = rec_get(g.pa[i]);

		va_pa[i][0] = r ? (uintptr_t)r->va : 0;
		va_pa[i][1] = g.pa[i];
		if (r) {
			leaked++;
			u64map_del(&trk.recs, g.pa[i]);
			free(r);
		}
	}
	TC_CHECK(trk.recs.n == 0, "destroy left %zu tables that were on no gather", trk.recs.n);
	pthread_mutex_unlock(&trk.lock);
	for (i = 0; i < g.n; i++)
		if (va_pa[i][0])
			ptcore_builtin_free_table(NULL, (void *)(uintptr_t)va_pa[i][0],
						  va_pa[i][1], SZ_4K);
	if (tc_verbose)
		printf("  destroy with an unsynced gather: %u of its %u tables left to the caller\n",
		       leaked, g.n);
	report("unsynced gather at destroy");
	check_no_leak("unsynced gather at destroy", &s0);
}

int main(int argc, char **argv)
{
	static const struct stress_arg sargs[] = {
		{ 2, false, false, false }, { 4, false, false, false }, { 8, false, false, false },
		{ 4, true, false, false }, { 4, false, true, false }, { 4, false, false, true },
		{ 3, false, true, true },
	};
	char name[96];
	size_t i;
	int a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-v"))
			tc_verbose = 1;
		else if (!strcmp(argv[a], "-vv"))
			tc_verbose = 2;
		else if (!strcmp(argv[a], "-q"))
			stress_iters = 100;
	}
	u64map_init(&trk.recs);
	tc_run("moved gather", moved_gather, NULL);
	tc_run("two gathers", two_gathers, NULL);
	tc_run("replaced table, its block unmapped", replaced_table, (void *)R_EXACT);
	tc_run("replaced table, its block unmapped from its first page", replaced_table,
	       (void *)R_FIRST_PAGE);
	tc_run("replaced table, the table above its block unmapped whole", replaced_table,
	       (void *)R_WHOLE_TABLE_ABOVE);
	tc_run("replaced subtree of empty tables, by a 1G block", replaced_table,
	       (void *)R_SUBTREE_1G);
	tc_run("unsynced gather at destroy", unsynced_at_destroy, NULL);
	tc_run("gather of another table; gather leaf size", gather_of_another_table, NULL);
	tc_run("free empty tables: the unmap that empties a table queues it", free_empty_tables,
	       NULL);
	for (i = 0; i < TC_ARRAY_SIZE(sargs); i++) {
		snprintf(name, sizeof(name), "stress %u threads, %s%s%s", sargs[i].threads,
			 sargs[i].dart ? "dart2-16k-42" : "arm-s1-4k-48",
			 sargs[i].builtin ? ", built-in allocator" : "",
			 sargs[i].deferred ? ", syncs deferred to a flusher thread" : "");
		tc_run(name, stress, (void *)&sargs[i]);
	}
	printf("gather: %" PRIu64 " tables allocated, %" PRIu64 " removed by unmaps, %" PRIu64
	       " syncs, %" PRIu64 " flushes\n", trk.allocs, trk.tables_removed, trk.syncs,
	       trk.flushes);
	u64map_free(&trk.recs);
	return tc_summary();
}
