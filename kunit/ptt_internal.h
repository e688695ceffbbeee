/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What ptt_util.c (the checked table: tracking, scans, ops, translations)
 * and ptt_check.c (the checked map, cut, unmap and sync) share; private to
 * the two.
 */
#ifndef PTCORE_KUNIT_PTT_INTERNAL_H
#define PTCORE_KUNIT_PTT_INTERNAL_H

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

/* Size of one hardware entry of a leaf of @pgsize (contiguous runs: the base size). */
u64 ptt_entry_size(const struct ptt_ctx *ctx, u64 pgsize);
/* Are table blocks tracked (ops given)? */
bool ptt_tracking(const struct ptt_ctx *ctx);
/* Tables only (inside callbacks) or tables and leaves; returns blocks newly unlinked. */
unsigned int ptt_do_scan(struct ptt_ctx *ctx, bool check_leaves);
/* Blocks unlinked and not yet freed. */
unsigned int ptt_pending_blocks(const struct ptt_ctx *ctx);
/* DMA_INCOHERENT: at the end of a call every reachable table is published. */
void ptt_check_published(struct ptt_ctx *ctx);
/* Record @count leaves of @pgsize; an oracle out of memory is a failure. */
void ptt_om_add(struct ptt_ctx *ctx, u64 iova, u64 pa, u64 pgsize, u64 count, u32 prot);

#endif /* PTCORE_KUNIT_PTT_INTERNAL_H */
