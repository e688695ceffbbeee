/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * An IOTLB model: a cache of leaf translations and of table walks, filled
 * by simulated device accesses through the hardware-walk model and
 * invalidated only through the driver's iotlb_flush (the gather's range;
 * walk-cache entries only with PTCORE_GATHER_TABLES).
 *
 * Like real SMMUs it may hold a large leaf as granule-sized pieces
 * ("fractured" entries): invalidating part of a block leaves the rest
 * cached, so a gather that does not cover a whole removed leaf is caught.
 *
 * Violations:
 *   - a table is freed while a cached entry still references it (a walk
 *     entry pointing to it or read from it, a leaf read from it);
 *   - a cached walk leads into freed table memory;
 *   - after a sync, a cached translation that the oracle says is gone or
 *     different, or a cached walk entry that is no longer linked.
 */
#ifndef PTCORE_TESTS_IOTLB_H
#define PTCORE_TESTS_IOTLB_H

#include "model.h"
#include "oracle.h"

struct iotlb_leaf {
	uint64_t va;			/* granule-aligned piece of a leaf */
	uint64_t pa;
	uint64_t pte;
	uint64_t entry_pa;		/* where the walk read the leaf */
};

struct iotlb_walk {
	unsigned int level;		/* level of the entry read */
	uint64_t span_va;		/* IOVAs this entry translates */
	unsigned int span_lg2;
	uint64_t entry_pa;
	uint64_t next_pa;		/* the table it points to */
};

struct iotlb {
	const struct hw_walk *w;
	/* is @pa the start of a live table? (the fixture's allocator tracking) */
	bool (*live)(void *ctx, uint64_t pa);
	void *live_ctx;

	struct iotlb_leaf *leaf;
	size_t nleaf, cap_leaf;
	struct u64map leaf_idx;		/* va -> index */
	struct iotlb_walk *walk;
	size_t nwalk, cap_walk;
	struct u64map walk_idx;		/* span_va | level -> index */
	uint64_t rng;

	unsigned long violations;
	char first_violation[256];
	unsigned long accesses, hits, fills, walk_hits, invalidations, dropped;
};

void iotlb_init(struct iotlb *c, const struct hw_walk *w, bool (*live)(void *, uint64_t), void *ctx,
		size_t cap_leaf, size_t cap_walk, uint64_t seed);
void iotlb_free(struct iotlb *c);

/* A device access at @iova: 0 and *pa, or a walk fault (nothing cached then). */
int iotlb_access(struct iotlb *c, uint64_t iova, uint64_t *pa);
/*
 * A device write at @iova: an access, and with hardware dirty state (DBM)
 * what an SMMU does to the entry unless the TLB already holds it dirty: the
 * entry in memory becomes writable-dirty (hw_walk_written_pte()) and so
 * does the cached copy. A TLB entry left dirty over a clean one therefore
 * lets writes go unrecorded, which iotlb_check_synced() reports.
 */
int iotlb_write(struct iotlb *c, uint64_t iova, uint64_t *pa);
/* The driver's invalidation, exactly as iotlb_flush received it. */
void iotlb_invalidate(struct iotlb *c, const struct ptcore_gather *g);
/* Table memory [pa, pa + bytes) is about to be freed. */
void iotlb_check_free(struct iotlb *c, uint64_t pa, size_t bytes);
/* After a sync: every cached entry must agree with the oracle and the tables. */
void iotlb_check_synced(struct iotlb *c, const struct oracle *o);

#endif /* PTCORE_TESTS_IOTLB_H */
