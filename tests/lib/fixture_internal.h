/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What fixture.c (ops wrappers, create, the whole-table check) and
 * fixture_calls.c (the checked map, cut, unmap and sync) share.
 */
#ifndef PTCORE_TESTS_FIXTURE_INTERNAL_H
#define PTCORE_TESTS_FIXTURE_INTERNAL_H

#include "fixture.h"

/* The call being checked (struct fx.cur_op). */
enum { OP_NONE, OP_MAP, OP_UNMAP, OP_SYNC, OP_CUT };

/* The oracle learns @count leaves (out of memory ends the test program). */
void fx_record(struct fx *f, uint64_t iova, uint64_t pa, uint64_t pgsize, uint64_t count,
	       uint32_t prot);
/* Span [*va, *last] of a table from its seen record (span_va | level). */
void fx_seen_span(const struct fx *f, uint64_t rec, uint64_t *va, uint64_t *last);
/* iova_to_phys and the walk model against the oracle at @iova. */
void fx_probe(struct fx *f, uint64_t iova);
/* Device accesses after a call (IOTLB model). */
void fx_touch_after(struct fx *f, uint64_t iova, uint64_t len);

#endif /* PTCORE_TESTS_FIXTURE_INTERNAL_H */
