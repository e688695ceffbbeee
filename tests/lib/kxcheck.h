/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A second, independent hardware-walk model: the KUnit suites' walker
 * (kunit/hw_walk.c, compiled in, not copied). The fixture asks it after
 * every call whether the tables it reads agree with the oracle, so two
 * models written separately from FORMATS.md must both agree with ptcore.
 * Without kunit/ in the tree, kxcheck_none.c stands in and checks nothing.
 */
#ifndef PTCORE_TESTS_KXCHECK_H
#define PTCORE_TESTS_KXCHECK_H

#include "oracle.h"

struct kx;

/*
 * NULL (with a test failure) when the model refuses the registers.
 * @table_ok(ctx, pa, bytes): is [pa, pa + bytes) inside a live table block?
 */
struct kx *kx_create(const struct ptcore_table *t, uint32_t features,
		     bool (*table_ok)(void *ctx, uint64_t pa, size_t bytes), void *ctx);
void kx_destroy(struct kx *k);
/* Compare every leaf the model finds with the oracle; returns the mismatches. */
unsigned long kx_check(struct kx *k, const struct oracle *o, char *msg, size_t len);
/* Translate: 0 and *pa, or the model's fault (> 0). */
int kx_translate(struct kx *k, uint64_t iova, uint64_t *pa);
/* Is the second model present? */
bool kx_available(void);

#endif /* PTCORE_TESTS_KXCHECK_H */
