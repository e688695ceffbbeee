// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Runtime behind the stand-in kernel headers of bench/peer/include: page
 * allocation from ptcore's built-in table allocator, the linear-map offset
 * used by __pa()/__va(), and the WARN_ON() counter.
 */
#include <stdio.h>
#include <stdlib.h>

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/gfp.h>
#include <linux/dma-mapping.h>

#include "ptcore.h"
#include "peer.h"

uintptr_t peer_va_pa_offset;
unsigned long peer_dma_syncs;

static int offset_known;
static __thread peer_alloc_fn *tl_alloc;
static __thread peer_free_fn *tl_free;
static unsigned long warnings;
static int verbose_warnings;

void *peer_page_alloc(unsigned int order, gfp_t gfp)
{
	size_t size = PAGE_SIZE << order;
	uint64_t pa;
	void *va = tl_alloc ? tl_alloc(NULL, size, &pa, 0) : ptcore_builtin_alloc_table(NULL, size, &pa, 0);
	uintptr_t off;

	(void)gfp;		/* the built-in allocator always zeroes */
	if (!va)
		return NULL;
	off = (uintptr_t)va - (uintptr_t)pa;
	if (!offset_known) {
		peer_va_pa_offset = off;
		offset_known = 1;
	} else if (off != peer_va_pa_offset) {
		/* __pa()/__va() would be wrong for this block: stop at once. */
		fprintf(stderr, "peer: table arena is not one linear map (va %p pa %#llx)\n",
			va, (unsigned long long)pa);
		abort();
	}
	return va;
}

void peer_page_free(void *va, unsigned int order)
{
	if (tl_free)
		tl_free(NULL, va, __pa(va), PAGE_SIZE << order);
	else
		ptcore_builtin_free_table(NULL, va, __pa(va), PAGE_SIZE << order);
}

void peer_thread_page_allocator(peer_alloc_fn *alloc, peer_free_fn *free_fn)
{
	tl_alloc = alloc;
	tl_free = free_fn;
}

void peer_warn(const char *file, int line, const char *what)
{
	warnings++;
	if (verbose_warnings)
		fprintf(stderr, "peer: WARN_ON(%s) at %s:%d\n", what, file, line);
}

unsigned long peer_warnings(void)
{
	return warnings;
}

void peer_set_verbose_warnings(int verbose)
{
	verbose_warnings = verbose;
}
