/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The interval-map oracle: what must be mapped where, and what every ptcore
 * call must return, derived from ABI.md alone. The one oracle of the KUnit
 * suites (ptt_util.c), the reliability tests and the fuzzer (tests/lib).
 *
 * It holds one record per leaf (a contiguous-hint run is one leaf), sorted
 * by IOVA, and predicts map (argument checks in the documented order,
 * -EADDRINUSE at the first leaf that overlaps), map_range and cut (Linux's
 * iommu_pgsize() split) and unmap (never splits; start inside a leaf ->
 * -EINVAL with nothing removed; a leaf that starts inside the range is
 * removed whole; a hole stops with -EINVAL after the prefix).
 *
 * Kernel-compatible C (no libc). It reports through return values only:
 * the callers decide how a disagreement is a test failure.
 */
#ifndef PTCORE_KUNIT_ORACLE_H
#define PTCORE_KUNIT_ORACLE_H

#include <linux/types.h>
#include <ptcore.h>

struct orc_leaf {
	u64 iova;
	u64 size;
	u64 pa;
	u32 prot;
};

/* What the argument checks depend on. */
struct orc_geom {
	unsigned int ias;
	unsigned int pa_bits; /* output addresses allowed: below 2^pa_bits */
	u64 pgsize_bitmap;
};

struct oracle {
	struct orc_leaf *v; /* sorted by IOVA, not overlapping */
	size_t n, cap;
	u64 bytes; /* sum of the sizes */
};

/* 0, or -ENOMEM. */
int orc_init(struct oracle *o);
void orc_free(struct oracle *o);
int orc_copy(struct oracle *dst, const struct oracle *src);

/* Index of the first leaf ending at or after @iova (n when none). */
size_t orc_lower(const struct oracle *o, u64 iova);
/* Index of the leaf containing @iova, or -1. */
long orc_find(const struct oracle *o, u64 iova);
/* Does a leaf overlap [iova, iova + len)? */
bool orc_overlaps(const struct oracle *o, u64 iova, u64 len);

/* map_pages' argument checks, in ABI order: 0 or a negative errno. */
int orc_map_args(const struct orc_geom *g, u64 iova, u64 pa, u64 pgsize, u64 pgcount, u32 prot);
/* Leaves of @pgsize from @iova that can be installed before the first overlap. */
u64 orc_map_room(const struct oracle *o, u64 iova, u64 pgsize, u64 pgcount);
/* Record @count leaves (the caller checked there is room): 0 or -ENOMEM. */
int orc_insert(struct oracle *o, u64 iova, u64 pa, u64 pgsize, u64 count, u32 prot);
/* Forget the leaves overlapping [iova, iova + len) (after a direct ptcore call). */
void orc_remove(struct oracle *o, u64 iova, u64 len);

/*
 * Linux's iommu_pgsize(): the page size of the next map_pages call
 * __iommu_map() makes for @size bytes at (@iova, @pa), and in *@count how
 * many. 0 when no size of @bitmap fits.
 */
u64 orc_pgsize(u64 bitmap, u64 iova, u64 pa, u64 size, u64 *count);
/*
 * Record [iova, iova + len) -> pa as those map_pages calls map it: 0,
 * -EINVAL when no page size fits somewhere, or -ENOMEM.
 */
int orc_insert_split(struct oracle *o, u64 bitmap, u64 iova, u64 pa, u64 len, u32 prot);

/* unmap's argument checks, in ABI order. */
int orc_unmap_args(const struct orc_geom *g, u64 iova, u64 len);

struct orc_unmap_result {
	int ret;
	u64 unmapped;
	u64 pgsize; /* OR of removed leaf sizes */
	u64 first, last; /* IOVA range removed (valid when unmapped) */
	size_t i0, i1; /* the removed leaves: [i0, i1) before the removal */
};

/* What ptcore_unmap() must do, without doing it. */
void orc_unmap_predict(const struct oracle *o, const struct orc_geom *g, u64 iova, u64 len,
		       struct orc_unmap_result *r);
/* Remove what the prediction @r removes. */
void orc_unmap_apply(struct oracle *o, const struct orc_unmap_result *r);
/* Predict and apply ptcore_unmap(). */
void orc_unmap(struct oracle *o, const struct orc_geom *g, u64 iova, u64 len,
	       struct orc_unmap_result *r);

#endif /* PTCORE_KUNIT_ORACLE_H */
