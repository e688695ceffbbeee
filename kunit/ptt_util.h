/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Test support shared by ptcore's KUnit suites (kernel-compatible C: no libc).
 *
 * A struct ptt_ctx wraps one ptcore table with:
 *  - counting ops over ptcore_builtin_alloc_table/free_table (every table block
 *    tracked by physical address, optional failure of the Nth allocation);
 *  - a flush recorder: every ops->iotlb_flush is logged, and every table block
 *    is followed through its life: NEW (allocated) -> LIVE (reachable from the
 *    roots) -> UNLINKED (no longer reachable) -> FLUSHED (a flush with
 *    PTCORE_GATHER_TABLES covering its span happened after the unlink) ->
 *    FREED. Freeing a block that is LIVE or UNLINKED, or writing into it after
 *    the unlink, is reported; table_destroy may free anything;
 *  - the interval oracle (oracle.h) of what is mapped where (iova, size, pa,
 *    prot), one record per leaf that map_pages installed;
 *  - the hardware-walk model (hw_walk.h) over the raw table memory, and for
 *    PTCORE_FEAT_DMA_INCOHERENT a second model that reads a shadow copy holding
 *    only what ops->sync_table published (what a non-snooping walker sees).
 * ptt_map()/ptt_unmap()/ptt_sync() call ptcore, predict the result from the
 * oracle and ABI.md, and cross-check everything after each call: return
 * values, bytes, the gather, flushes, frees, every leaf and table entry of the
 * tree against the oracle (bit-exact against FORMATS.md), and iova_to_phys
 * against the model.
 *
 * Failures are reported with KUNIT_FAIL (an expectation), so a callback never
 * leaves ptcore through a longjmp.
 */
#ifndef PTCORE_KUNIT_PTT_UTIL_H
#define PTCORE_KUNIT_PTT_UTIL_H

#include <kunit/test.h>
#include <linux/types.h>
#include <ptcore.h>

#include "hw_walk.h"
#include "oracle.h"

/* ptt_ctx_create() flags */
#define PTT_CTX_NO_OPS 0x1 /* cfg.ops = NULL: built-in allocator, no callbacks, no tracking */
#define PTT_CTX_NO_FLUSH_OP 0x2 /* ops without iotlb_flush (NULL is allowed) */
#define PTT_CTX_MULTI_GATHER \
	0x4 /* the test holds several gathers: ptt_sync() allows pending tables */

#define PTT_FLUSH_LOG 128
#define PTT_TRACK_SLOTS 8192 /* power of two */
#define PTT_MAX_CTX 4

enum ptt_tstate {
	PTT_TS_EMPTY = 0,
	PTT_TS_NEW,
	PTT_TS_LIVE,
	PTT_TS_UNLINKED,
	PTT_TS_FLUSHED,
	PTT_TS_PARKED, /* replaced by a map's leaf and flushed; freed after that leaf's unmap */
	PTT_TS_FREED,
};

struct ptt_tracked {
	u64 pa;
	void *va;
	u64 size;
	u64 span_start, span_last; /* IOVA span while it was reachable */
	u64 csum; /* content when it was found unlinked */
	u8 *shadow; /* DMA_INCOHERENT: the walker's view */
	unsigned long *synced; /* DMA_INCOHERENT: entries synced since alloc */
	u64 n_synced;
	u32 seen_epoch;
	u32 unlinked_epoch; /* the scan that found it unlinked */
	u8 state; /* enum ptt_tstate */
	u8 level;
	bool span_known;
};

struct ptt_rng {
	u64 s;
};

struct ptt_ctx {
	struct kunit *test;
	struct ptcore_cfg cfg;
	struct ptcore_ops ops;
	struct ptcore_table *t;
	struct ptcore_hw_info hi;
	struct hw_walk w; /* reads live table memory */
	struct hw_walk w_shadow; /* DMA_INCOHERENT: reads what was synced */
	u32 flags;
	bool incoherent;

	/* the oracle (oracle.h), and the geometry its argument checks use */
	struct oracle o;
	struct orc_geom g;

	/* table blocks */
	struct ptt_tracked *trk;
	u32 epoch;
	u64 n_alloc, n_free, n_live, alloc_calls, fail_nth, n_alloc_failed;
	u64 first_alloc_size;
	u32 last_gfp;
	bool have_delta;
	long delta; /* va - pa of the blocks */

	/* callbacks seen */
	struct ptcore_gather flush_log[PTT_FLUSH_LOG];
	u64 n_flush;
	u64 n_sync_table, sync_table_bytes;
	bool in_destroy, destroyed;
	u64 violations;
};

/* Per-case state, in test->priv: contexts to clean up, allocator baseline. */
struct ptt_case_state {
	struct ptt_ctx *ctx[PTT_MAX_CTX];
	unsigned int n_ctx;
	struct ptcore_mem_stats mem0;
};

/* suite hooks: .init = ptt_case_init, .exit = ptt_case_exit (leak check in every case) */
int ptt_case_init(struct kunit *test);
void ptt_case_exit(struct kunit *test);

/* PRNG (splitmix64): deterministic, no libc */
void ptt_rng_seed(struct ptt_rng *r, u64 seed);
u64 ptt_rand(struct ptt_rng *r);
u64 ptt_rand_below(struct ptt_rng *r, u64 n);

/* A config with everything zero but what is given. */
struct ptcore_cfg ptt_cfg(u32 format, unsigned int granule_lg2, unsigned int ias, unsigned int oas,
			  u32 features, u64 pgsize_bitmap);

/* Create a checked table (asserts success). */
struct ptt_ctx *ptt_ctx_create(struct kunit *test, const struct ptcore_cfg *cfg, u32 flags);
/* Destroy it; checks every block came back. Idempotent. */
void ptt_ctx_destroy(struct ptt_ctx *ctx);

/* Checked operations: the return value is ptcore's. */
int ptt_map(struct ptt_ctx *ctx, u64 iova, u64 pa, u64 pgsize, u64 pgcount, u32 prot, u64 *mapped);
int ptt_unmap(struct ptt_ctx *ctx, u64 iova, u64 len, struct ptcore_gather *g, u64 *unmapped);
/* ptcore_cut(), the oracle taught the split as map_range would choose it, everything checked */
int ptt_cut(struct ptt_ctx *ctx, u64 iova, struct ptcore_gather *g);
/* ptt_unmap() through ptcore_unmap_collect(), the reported runs checked against the oracle */
int ptt_unmap_collect(struct ptt_ctx *ctx, u64 iova, u64 len, struct ptcore_gather *g,
		      u64 *unmapped);
void ptt_sync(struct ptt_ctx *ctx, struct ptcore_gather *g);
/* unmap + sync with a fresh gather; returns the unmap's result */
int ptt_unmap_sync(struct ptt_ctx *ctx, u64 iova, u64 len, u64 *unmapped);
/* Map [iova, iova+len) with the largest sizes that fit, as iommu_map() does. */
int ptt_map_range(struct ptt_ctx *ctx, u64 iova, u64 pa, u64 len, u32 prot);

/* iova_to_phys, the walk model and the oracle agree on @iova. */
void ptt_check_translation(struct ptt_ctx *ctx, u64 iova);
/* Whole-tree check plus translations of every oracle leaf (first, middle, last byte). */
void ptt_verify_all(struct ptt_ctx *ctx);
/* Whole-tree check against the oracle (no per-leaf translations). */
void ptt_scan(struct ptt_ctx *ctx);

/* The leaf / table entry FORMATS.md says ptcore writes. */
u64 ptt_expected_leaf(const struct ptt_ctx *ctx, u32 prot, u64 oa, unsigned int level, bool contig);
u64 ptt_expected_table(const struct ptt_ctx *ctx, u64 pa);
/* The errno ABI.md gives for these map arguments (0 when they are valid). */
int ptt_map_arg_errno(const struct ptt_ctx *ctx, u64 iova, u64 pa, u64 pgsize, u64 pgcount,
		      u32 prot);

/* Oracle queries */
const struct orc_leaf *ptt_oracle_find(const struct ptt_ctx *ctx, u64 iova);
bool ptt_oracle_overlaps(const struct ptt_ctx *ctx, u64 iova, u64 len);
/* Forget the records overlapping [iova, iova + len) (after a direct ptcore call). */
void ptt_oracle_remove(struct ptt_ctx *ctx, u64 iova, u64 len);

/* Blocks in a state, and the last flush. */
unsigned int ptt_count_state(const struct ptt_ctx *ctx, enum ptt_tstate state);
const struct ptcore_gather *ptt_last_flush(const struct ptt_ctx *ctx);
/* Tables reachable now (roots included). */
unsigned int ptt_count_tables(struct ptt_ctx *ctx);
/* The first runs a range callback reported (ptcore_read_and_clear_dirty()). */
struct ptt_ranges {
	struct ptcore_range r[8];
	unsigned int n;
};

/* A ptcore_range_fn for @arg a struct ptt_ranges: keeps the first eight runs. */
void ptt_ranges_add(void *arg, const struct ptcore_range *runs, u32 n);
/* Raw entry at @iova in the table of @level on its walk; 0 when the walk stops above. */
u64 ptt_raw_entry(struct ptt_ctx *ctx, u64 iova, unsigned int level);

/*
 * ptcore_table_create(@cfg) without ops: -EINVAL unless @ok; else a table
 * whose registers (*@hi) the walk model accepts with FORMATS.md's geometry.
 * Returns that table, for the caller to check further and destroy, or NULL.
 */
struct ptcore_table *ptt_create_checked(struct kunit *test, const struct ptcore_cfg *cfg, bool ok,
					struct ptcore_hw_info *hi);
/*
 * The argument checks every format shares, on an empty table of @ctx:
 * @bad_size is no page size, @big a page size above the smallest (which
 * must hold a 4K page at 0 once 0..8K is mapped).
 */
void ptt_case_bad_arguments(struct ptt_ctx *ctx, u64 bad_size, u64 big);

/* Sizes */
u64 ptt_smallest_pgsize(const struct ptt_ctx *ctx);
u64 ptt_largest_pgsize(const struct ptt_ctx *ctx);
/* ARM: every leaf size of the granule, its contiguous-hint sizes included (4K, 16K) */
u64 ptt_arm_contig_bitmap(unsigned int pg_shift);
bool ptt_is_root(const struct ptt_ctx *ctx, u64 pa);

static inline bool ptt_gather_empty(const struct ptcore_gather *g)
{
	return g->start > g->end;
}

#endif /* PTCORE_KUNIT_PTT_UTIL_H */
