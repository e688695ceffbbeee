// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptctl: the table ops ptctl hands to ptcore. They wrap the built-in
 * allocator, print every callback and check it against ABI.md (a table freed
 * while still linked or before a flush covered it, a flush of an empty
 * gather, ...).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptctl.h"

static struct trec *rec_new(struct ptctl *s)
{
	if (s->nrecs == s->caprecs) {
		size_t n = s->caprecs ? 2 * s->caprecs : 256;
		struct trec *r = realloc(s->recs, n * sizeof(*r));

		if (!r) {
			fprintf(stderr, "ptctl: out of memory\n");
			exit(2);
		}
		s->recs = r;
		s->caprecs = n;
	}
	memset(&s->recs[s->nrecs], 0, sizeof(s->recs[0]));
	return &s->recs[s->nrecs++];
}

uint64_t live_tables(struct ptctl *s)
{
	return s->allocs - s->frees;
}

void *op_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	struct ptctl *s = cookie;
	void *va = ptcore_builtin_alloc_table(NULL, size, phys, gfp);
	char b[32];
	struct trec *r;

	if (!va) {
		out_break();
		printf("      alloc table size=%s FAILED\n", fmt_size(b, sizeof(b), size));
		return NULL;
	}
	r = rec_new(s);
	r->pa = *phys;
	r->va = va;
	r->size = size;
	r->live = 1;
	s->allocs++;
	if (s->verbose || !s->in_destroy) {
		out_break();
		printf("      alloc table pa=0x%" PRIx64 " size=%s (live %" PRIu64 ")\n", *phys,
		       fmt_size(b, sizeof(b), size), live_tables(s));
	}
	return va;
}

/* Was the table @r flushed from the walk caches since it was last seen linked? */
static int flushed_since_seen(struct ptctl *s, const struct trec *r)
{
	size_t i;

	for (i = s->nfl; i-- > 0;) {
		const struct flushrec *f = &s->fl[i];

		if (f->seq <= r->seen_seq)
			break;
		if ((f->flags & PTCORE_GATHER_TABLES) && f->start <= r->span_start &&
		    f->end >= r->span_end)
			return 1;
	}
	return 0;
}

void op_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	struct ptctl *s = cookie;
	struct trec *r = rec_find(s, phys);
	char b[32];

	if (!r || r->va != va || r->size != size) {
		violation(s, "free_table(pa=0x%" PRIx64 ", size=%zu) of a block we did not hand out",
			  phys, size);
	} else if (!s->in_destroy) {
		/* the table must be unlinked and flushed from the walk caches already */
		if (table_reachable(s, phys))
			violation(s, "table pa=0x%" PRIx64 " freed while still linked in the tree", phys);
		else if (r->seen && !flushed_since_seen(s, r))
			violation(s, "table pa=0x%" PRIx64 " (span 0x%" PRIx64 "..0x%" PRIx64
				  ") freed before a flush with TABLES covered its span",
				  phys, r->span_start, r->span_end);
	}
	if (r)
		r->live = 0;
	s->frees++;
	s->sync_frees++;
	if (s->verbose || !s->in_destroy) {
		out_break();
		printf("      free table pa=0x%" PRIx64 " size=%s (live %" PRIu64 ")\n", phys,
		       fmt_size(b, sizeof(b), size), live_tables(s));
	}
	ptcore_builtin_free_table(NULL, va, phys, size);
}

void op_sync_table(void *cookie, void *va, size_t len)
{
	struct ptctl *s = cookie;
	size_t i;
	int ok = 0;

	s->table_syncs++;
	for (i = 0; i < s->nrecs; i++) {
		const struct trec *r = &s->recs[i];

		if (r->live && (char *)va >= (char *)r->va &&
		    (char *)va + len <= (char *)r->va + r->size) {
			ok = 1;
			if (s->verbose) {
				out_break();
				printf("      sync_table pa=0x%" PRIx64 " len=%zu\n",
				       r->pa + (uint64_t)((char *)va - (char *)r->va), len);
			}
			break;
		}
	}
	if (!ok)
		violation(s, "sync_table(%p, %zu) outside every live table", va, len);
}

void op_flush(void *cookie, const struct ptcore_gather *g)
{
	struct ptctl *s = cookie;
	struct flushrec *f;
	char b[160];

	if (s->nfl == s->capfl) {
		size_t n = s->capfl ? 2 * s->capfl : 256;
		struct flushrec *nf = realloc(s->fl, n * sizeof(*nf));

		if (!nf) {
			fprintf(stderr, "ptctl: out of memory\n");
			exit(2);
		}
		s->fl = nf;
		s->capfl = n;
	}
	f = &s->fl[s->nfl++];
	f->seq = ++s->seq;
	f->start = g->start;
	f->end = g->end;
	f->pgsize = g->pgsize;
	f->flags = g->flags;
	s->flushes++;
	out_break();
	printf("      flush [0x%" PRIx64 "..0x%" PRIx64 "] %s (pgsize %s, nr_tables %u)\n", g->start,
	       g->end, (g->flags & PTCORE_GATHER_TABLES) ? "leaf+walk" : "leaf",
	       fmt_pgsizes(b, sizeof(b), g->pgsize), g->nr_tables);
	if (g->start > g->end)
		violation(s, "iotlb_flush called with an empty gather");
}
