/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The test fixture: one ptcore table driven through ops wrappers that
 * track every table block (live set, allocation count, failure injection,
 * flush log), an oracle predicting every result, the hardware-walk model
 * checking the raw tables after every call, and optionally the IOTLB model.
 *
 * Every fx_* call predicts the result from the oracle, runs ptcore, checks
 * the return value, *mapped / *unmapped, the gather, the number of tables
 * allocated, and then the whole table (fx_check). Failures are reported
 * through tc_fail (tcommon.h).
 */
#ifndef PTCORE_TESTS_FIXTURE_H
#define PTCORE_TESTS_FIXTURE_H

#include "iotlb.h"
#include "model.h"
#include "oracle.h"

enum fx_flush_mode {
	FX_FLUSH_OK,		/* invalidate exactly what the gather says */
	FX_FLUSH_SHRINK,	/* broken: clip the gather to the range the caller asked to unmap */
	FX_FLUSH_NO_TABLES,	/* broken: ignore PTCORE_GATHER_TABLES */
	FX_FLUSH_NONE,		/* broken: invalidate nothing */
};

struct fx_opts {
	bool iotlb;			/* run the IOTLB model */
	unsigned int touches;		/* device accesses after each call (IOTLB model) */
	uint64_t fail_alloc;		/* 1-based index of the table allocation to fail; 0 none */
	enum fx_flush_mode flush_mode;
	uint64_t seed;
};

struct fx {
	struct ptcore_cfg cfg;
	struct ptcore_ops ops;
	struct ptcore_table *t;
	struct fx_opts opt;
	struct tmodel m;
	struct orc_geom g;
	struct oracle o;
	struct ptcore_gather gather;
	uint64_t want_start, want_end, want_pgsize;	/* the gather the oracle expects */
	unsigned long unlinked_since_sync;

	struct u64map live;		/* table pa -> bytes (allocator wrapper) */
	struct u64map seen;		/* table pa -> span_va | level, linked at the last check */
	struct u64map pos;		/* span_va | level -> pa, at the last check */
	struct u64map info;		/* pa -> span_va | level of every table ever seen linked */
	struct u64map pending;		/* unlinked, not yet freed: pa -> 1 replaced by map, 0 unmap */
	struct u64map parked_top;	/* replaced by map: pa -> span_va | level of the top of the
					 * subtree that map unlinked with it (one parked unit) */
	struct u64map flushed;		/* pa -> 1: a TABLES flush covered its span since last seen */
	intptr_t va_minus_pa;
	bool have_offset;

	uint64_t allocs, frees, fails;
	unsigned long flushes;
	struct ptcore_gather last_flush;
	uint64_t req_start, req_last;	/* the range the caller asked to unmap (FX_FLUSH_SHRINK) */
	int cur_op;
	bool in_destroy;
	bool created;

	struct iotlb tlb;
	struct ptcore_mem_stats base;
	uint64_t rng;
	unsigned long calls;		/* ptcore calls made */
};

/* Create the table; returns what ptcore_table_create() returned (checked against @want). */
int fx_create(struct fx *f, const struct ptcore_cfg *cfg, const struct fx_opts *opt);
/* Destroy it; checks that every table was freed. */
void fx_destroy(struct fx *f);

int fx_map(struct fx *f, uint64_t iova, uint64_t pa, uint64_t pgsize, uint64_t pgcount,
	   uint32_t prot, uint64_t *mapped);
/* ptcore_map_range(), predicted as the map_pages calls of Linux's iommu_pgsize() split. */
int fx_map_range(struct fx *f, uint64_t iova, uint64_t pa, uint64_t len, uint32_t prot,
		 uint64_t *mapped);
/* Leaves that split makes (UINT64_MAX: no size fits). */
uint64_t fx_split_leaves(const struct fx *f, uint64_t iova, uint64_t pa, uint64_t len);
/* ptcore_cut(): the oracle's leaf holding @iova replaced by the map_range split of each side. */
int fx_cut(struct fx *f, uint64_t iova);
int fx_unmap(struct fx *f, uint64_t iova, uint64_t len, uint64_t *unmapped);
/* ptcore_unmap_collect(): fx_unmap, and the runs against the oracle's removed leaves. */
int fx_unmap_collect(struct fx *f, uint64_t iova, uint64_t len, uint64_t *unmapped);
uint64_t fx_unmap_pages(struct fx *f, uint64_t iova, uint64_t pgsize, uint64_t pgcount);
int fx_iova_to_phys(struct fx *f, uint64_t iova);
void fx_sync(struct fx *f);
/* The whole-table check (also run after every call). */
void fx_check(struct fx *f);
/* Device accesses in [iova, iova + len) and at random mapped addresses (IOTLB model). */
void fx_touch(struct fx *f, uint64_t iova, uint64_t len, unsigned int n);

/* Largest and smallest leaf sizes the table accepts. */
uint64_t fx_min_pgsize(const struct fx *f);
uint64_t fx_max_pgsize(const struct fx *f);

/* The configurations every test runs: all formats, granules, 2- and 3-level DART. */
struct fx_config {
	const char *name;
	struct ptcore_cfg cfg;
};
extern const struct fx_config fx_configs[];
extern const size_t fx_nr_configs;

#endif /* PTCORE_TESTS_FIXTURE_H */
