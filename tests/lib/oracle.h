/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The interval-map oracle: what must be mapped where, and what every
 * ptcore call must return, derived from ABI.md alone.
 *
 * It holds one record per leaf (a contiguous-hint run is one leaf), sorted
 * by IOVA, and predicts map (argument checks in the documented order,
 * -EADDRINUSE at the first leaf that overlaps) and unmap (never splits;
 * start inside a leaf -> -EINVAL with nothing removed; a leaf that starts
 * inside the range is removed whole; a hole stops with -EINVAL after the
 * prefix).
 */
#ifndef PTCORE_TESTS_ORACLE_H
#define PTCORE_TESTS_ORACLE_H

#include "tcommon.h"

struct orc_leaf {
	uint64_t iova;
	uint64_t size;
	uint64_t pa;
	uint32_t prot;
};

struct orc_geom {
	unsigned int ias;
	unsigned int pa_bits;		/* output addresses allowed: below 2^pa_bits */
	uint64_t pgsize_bitmap;
};

struct oracle {
	struct orc_leaf *v;
	size_t n, cap;
};

void orc_init(struct oracle *o);
void orc_free(struct oracle *o);
void orc_copy(struct oracle *dst, const struct oracle *src);

/* Index of the leaf containing @iova, or -1. */
long orc_find(const struct oracle *o, uint64_t iova);
/* Index of the first leaf ending after @iova (n when none). */
size_t orc_lower(const struct oracle *o, uint64_t iova);

/* map_pages' argument checks, in ABI order: 0 or a negative errno. */
int orc_map_args(const struct orc_geom *g, uint64_t iova, uint64_t pa, uint64_t pgsize,
		 uint64_t pgcount, uint32_t prot);
/* Leaves of @pgsize from @iova that can be installed before the first overlap. */
uint64_t orc_map_room(const struct oracle *o, uint64_t iova, uint64_t pgsize, uint64_t pgcount);
/* Record @count leaves (the caller checked there is room). */
void orc_insert(struct oracle *o, uint64_t iova, uint64_t pa, uint64_t pgsize, uint64_t count,
		uint32_t prot);

/* unmap's argument checks, in ABI order. */
int orc_unmap_args(const struct orc_geom *g, uint64_t iova, uint64_t len);

struct orc_unmap_result {
	int ret;
	uint64_t unmapped;
	uint64_t pgsize;		/* OR of removed leaf sizes */
	uint64_t first, last;		/* IOVA range removed (valid when unmapped) */
};
/* Predict and apply ptcore_unmap(). */
void orc_unmap(struct oracle *o, const struct orc_geom *g, uint64_t iova, uint64_t len,
	       struct orc_unmap_result *r);

#endif /* PTCORE_TESTS_ORACLE_H */
