// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The test fixture's checked calls (see fixture.h): each predicts its result
 * from the oracle, calls ptcore, checks the return value, the bytes, the
 * gather and the tables allocated, then the whole table (fx_check()).
 */
#include "fixture_internal.h"

/* ---- map ---- */

static unsigned int leaf_level(const struct fx *f, uint64_t pgsize)
{
	unsigned int lg2 = 63 - (unsigned int)__builtin_clzll(pgsize);
	unsigned int up = (lg2 - f->m.w.pg_shift) / f->m.w.bpl;

	return up >= f->m.w.levels ? f->m.w.start_level : f->m.w.last_level - up;
}

/*
 * Tables a map must allocate, in order, for its first @count leaves; with
 * @fail_at (1-based) the bytes mapped before that allocation. Tables exist
 * where the last check saw them (f->pos).
 */
static uint64_t predict_allocs_in(struct fx *f, struct u64map *fresh, uint64_t n0, uint64_t iova,
				  uint64_t pgsize, uint64_t count, uint64_t fail_at,
				  uint64_t *mapped_at_fail)
{
	unsigned int leaf = leaf_level(f, pgsize), l;
	uint64_t k, n = n0;

	*mapped_at_fail = UINT64_MAX;
	for (k = 0; k < count; k++) {
		uint64_t va = iova + k * pgsize;

		for (l = f->m.w.start_level + 1; l <= leaf; l++) {
			uint64_t key = (va & ~((1ULL << hw_walk_entry_shift(&f->m.w, l - 1)) - 1)) | l;

			if (u64map_get(&f->pos, key, NULL) || u64map_get(fresh, key, NULL))
				continue;
			u64map_put(fresh, key, 1);
			if (++n == fail_at && *mapped_at_fail == UINT64_MAX)
				*mapped_at_fail = k * pgsize;
		}
	}
	return n - n0;
}

static uint64_t predict_allocs(struct fx *f, uint64_t iova, uint64_t pgsize, uint64_t count,
			       uint64_t fail_at, uint64_t *mapped_at_fail)
{
	struct u64map fresh;
	uint64_t n;

	u64map_init(&fresh);
	n = predict_allocs_in(f, &fresh, 0, iova, pgsize, count, fail_at, mapped_at_fail);
	u64map_free(&fresh);
	return n;
}

int fx_map(struct fx *f, uint64_t iova, uint64_t pa, uint64_t pgsize, uint64_t pgcount,
	   uint32_t prot, uint64_t *mapped_out)
{
	uint64_t allocs0 = f->allocs, mapped = 0xbad, room = 0, need = 0, at_fail = UINT64_MAX;
	unsigned long flushes0 = f->flushes;
	uint64_t fail_j = 0;
	int want, ret;

	want = orc_map_args(&f->g, iova, pa, pgsize, pgcount, prot);
	if (!want) {
		room = orc_map_room(&f->o, iova, pgsize, pgcount);
		if (f->opt.fail_alloc > allocs0)
			fail_j = f->opt.fail_alloc - allocs0;
		need = predict_allocs(f, iova, pgsize, room, fail_j, &at_fail);
	}

	f->cur_op = OP_MAP;
	ret = ptcore_map_pages(f->t, iova, pa, pgsize, pgcount, prot, 0, &mapped);
	f->calls++;
	if (mapped_out)
		*mapped_out = mapped;

	if (want) {
		TC_CHECK(ret == want, "map(%#" PRIx64 ", %#" PRIx64 ", size %#" PRIx64 " x %" PRIu64
			 ", prot %#x) = %d, want %d", iova, pa, pgsize, pgcount, prot, ret, want);
		TC_CHECK(mapped == 0, "map with bad arguments: *mapped %#" PRIx64, mapped);
		TC_CHECK(f->allocs == allocs0, "map with bad arguments allocated");
	} else if (at_fail != UINT64_MAX) {
		TC_CHECK(ret == -ENOMEM, "map(%#" PRIx64 " size %#" PRIx64 " x %" PRIu64
			 ") with allocation %" PRIu64 " failing = %d, want -ENOMEM",
			 iova, pgsize, pgcount, fail_j, ret);
		TC_CHECK(mapped == at_fail, "map -ENOMEM: *mapped %#" PRIx64 ", want %#" PRIx64,
			 mapped, at_fail);
		TC_CHECK(f->allocs - allocs0 == fail_j, "map -ENOMEM: %" PRIu64
			 " allocations, want %" PRIu64, f->allocs - allocs0, fail_j);
		if (ret == -ENOMEM && mapped == at_fail)
			fx_record(f, iova, pa, pgsize, at_fail / pgsize, prot);
	} else {
		int exp = room == pgcount ? 0 : -EADDRINUSE;

		TC_CHECK(ret == exp, "map(%#" PRIx64 ", %#" PRIx64 ", size %#" PRIx64 " x %" PRIu64
			 ", prot %#x) = %d, want %d", iova, pa, pgsize, pgcount, prot, ret, exp);
		TC_CHECK(mapped == room * pgsize, "map(%#" PRIx64 "): *mapped %#" PRIx64
			 ", want %#" PRIx64, iova, mapped, room * pgsize);
		TC_CHECK(f->allocs - allocs0 == need, "map(%#" PRIx64 " size %#" PRIx64 " x %" PRIu64
			 "): %" PRIu64 " table allocations, want %" PRIu64, iova, pgsize, pgcount,
			 f->allocs - allocs0, need);
		if (mapped == room * pgsize)
			fx_record(f, iova, pa, pgsize, room, prot);
	}
	if (ret && ret != -EADDRINUSE && ret != -ENOMEM)
		TC_CHECK(f->flushes == flushes0, "a refused map called iotlb_flush");
	fx_check(f);
	f->cur_op = OP_NONE;
	if (!want)
		fx_touch_after(f, iova, pgsize * (pgcount < 64 ? pgcount : 64));
	return ret;
}

uint64_t fx_split_leaves(const struct fx *f, uint64_t iova, uint64_t pa, uint64_t len)
{
	uint64_t done = 0, n = 0, count, pgsize;

	/* Ranges map_range refuses before it splits: no walk of the whole space. */
	if (!len || iova + (len - 1) < iova || pa + (len - 1) < pa ||
	    (f->m.w.ias < 64 && ((iova + (len - 1)) >> f->m.w.ias)))
		return UINT64_MAX;
	while (done < len) {
		count = 0;
		pgsize = orc_pgsize(f->g.pgsize_bitmap, iova + done, pa + done, len - done, &count);
		if (!pgsize || !count)
			return UINT64_MAX;
		n += count;
		done += pgsize * count;
	}
	return n;
}

int fx_map_range(struct fx *f, uint64_t iova, uint64_t pa, uint64_t len, uint32_t prot,
		 uint64_t *mapped_out)
{
	uint64_t allocs0 = f->allocs, mapped = 0xbad, min = fx_min_pgsize(f);
	uint64_t done = 0, need = 0, fail_j = 0, want_mapped = 0;
	unsigned long flushes0 = f->flushes;
	struct u64map fresh;
	int want, exp = 0, ret;

	/* map_pages' checks with len in place of pgsize * pgcount (ABI.md). */
	want = len % min ? -EINVAL : orc_map_args(&f->g, iova, pa, min, len / min, prot);
	if (f->opt.fail_alloc > allocs0)
		fail_j = f->opt.fail_alloc - allocs0;

	f->cur_op = OP_MAP;
	ret = ptcore_map_range(f->t, iova, pa, len, prot, 0, &mapped);
	f->calls++;
	if (mapped_out)
		*mapped_out = mapped;

	if (want) {
		TC_CHECK(ret == want, "map_range(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", prot %#x)"
			 " = %d, want %d", iova, pa, len, prot, ret, want);
		TC_CHECK(mapped == 0, "map_range with bad arguments: *mapped %#" PRIx64, mapped);
		TC_CHECK(f->allocs == allocs0, "map_range with bad arguments allocated");
		fx_check(f);
		f->cur_op = OP_NONE;
		return ret;
	}
	/* The map_pages calls of the split, one after the other, in the oracle. */
	u64map_init(&fresh);
	while (done < len) {
		uint64_t count = 0, room, at_fail, n;
		uint64_t pgsize = orc_pgsize(f->g.pgsize_bitmap, iova + done, pa + done,
					       len - done, &count);

		if (!pgsize || !count) {
			TC_FAIL("map_range: no page size for %#" PRIx64 " bytes at %#" PRIx64,
				len - done, iova + done);
			break;
		}
		room = orc_map_room(&f->o, iova + done, pgsize, count);
		n = predict_allocs_in(f, &fresh, need, iova + done, pgsize, room, fail_j, &at_fail);
		if (at_fail != UINT64_MAX) {
			exp = -ENOMEM;
			want_mapped = done + at_fail;
			need = fail_j;
			if (at_fail)
				fx_record(f, iova + done, pa + done, pgsize, at_fail / pgsize, prot);
			break;
		}
		need += n;
		if (room)
			fx_record(f, iova + done, pa + done, pgsize, room, prot);
		if (room < count) {
			exp = -EADDRINUSE;
			want_mapped = done + room * pgsize;
			break;
		}
		done += pgsize * count;
		want_mapped = done;
	}
	u64map_free(&fresh);
	TC_CHECK(ret == exp, "map_range(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", prot %#x) = %d,"
		 " the map_pages split gives %d", iova, pa, len, prot, ret, exp);
	TC_CHECK(mapped == want_mapped, "map_range(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 "): "
		 "*mapped %#" PRIx64 ", the split maps %#" PRIx64, iova, pa, len, mapped,
		 want_mapped);
	TC_CHECK(f->allocs - allocs0 == need, "map_range(%#" PRIx64 ", %#" PRIx64 "): %" PRIu64
		 " table allocations, the split makes %" PRIu64, iova, len, f->allocs - allocs0,
		 need);
	if (ret && ret != -EADDRINUSE && ret != -ENOMEM)
		TC_CHECK(f->flushes == flushes0, "a refused map_range called iotlb_flush");
	fx_check(f);
	f->cur_op = OP_NONE;
	fx_touch_after(f, iova, len < 64 * min ? len : 64 * min);
	return ret;
}

/* ---- cut ---- */

static void check_gather(struct fx *f, const char *what);

/* Record [iova, iova + len) -> pa as the map_range split would map it. */
static void record_split(struct fx *f, uint64_t iova, uint64_t pa, uint64_t len, uint32_t prot)
{
	int ret = orc_insert_split(&f->o, f->g.pgsize_bitmap, iova, pa, len, prot);

	if (ret == -ENOMEM)
		abort();
	TC_CHECK(!ret, "cut: no page size for %#" PRIx64 " bytes at %#" PRIx64, len, iova);
}

int fx_cut(struct fx *f, uint64_t iova)
{
	uint64_t min = fx_min_pgsize(f), allocs0 = f->allocs, fails0 = f->fails;
	unsigned long flushes0 = f->flushes;
	struct ptcore_gather before = f->gather;
	struct orc_leaf old = { 0, 0, 0, 0 };
	bool splits = false;
	long k = -1;
	int want = 0, ret;

	if (iova % min)
		want = -EINVAL;
	else if (f->g.ias < 64 && iova >> f->g.ias)
		want = -ERANGE;
	if (!want) {
		k = orc_find(&f->o, iova);
		if (k >= 0 && f->o.v[k].iova != iova) {
			old = f->o.v[k];
			splits = true;
		}
	}

	f->cur_op = OP_CUT;
	ret = ptcore_cut(f->t, iova, 0, &f->gather);
	f->calls++;

	if (want || !splits) {
		TC_CHECK(ret == want, "cut(%#" PRIx64 ") = %d, want %d", iova, ret, want);
		TC_CHECK(f->allocs == allocs0, "cut(%#" PRIx64 ") that changes nothing allocated",
			 iova);
		TC_CHECK(f->flushes == flushes0, "cut(%#" PRIx64 ") that changes nothing flushed",
			 iova);
		TC_CHECK(!memcmp(&before, &f->gather, sizeof(before)),
			 "cut(%#" PRIx64 ") that changes nothing touched the gather", iova);
	} else if (ret == -ENOMEM) {
		TC_CHECK(f->fails > fails0, "cut(%#" PRIx64 ") = -ENOMEM with no failed allocation",
			 iova);
		TC_CHECK(!memcmp(&before, &f->gather, sizeof(before)),
			 "cut(%#" PRIx64 ") = -ENOMEM touched the gather", iova);
	} else {
		struct orc_unmap_result r;
		/*
		 * No break-before-make on RISC-V, x86-64 and VT-d: their cuts are
		 * hitless, but for a RISC-V Svnapot 64K leaf (the privileged
		 * specification asks to invalidate NAPOT entries before changing them)
		 */
		bool bbml2 = (f->cfg.features & PTCORE_FEAT_ARM_BBML2) ||
			     (f->cfg.format == PTCORE_FMT_RISCV64 && old.size != 0x10000) ||
			     f->m.w.x86;

		TC_CHECK(ret == 0, "cut(%#" PRIx64 ") inside a leaf of %#" PRIx64 " at %#" PRIx64
			 " = %d, want 0", iova, old.size, old.iova, ret);
		TC_CHECK(f->allocs - allocs0 <= 8, "cut(%#" PRIx64 "): %" PRIu64 " allocations",
			 iova, f->allocs - allocs0);
		TC_CHECK(f->flushes - flushes0 == (bbml2 ? 0u : 1u), "cut(%#" PRIx64 ") of a leaf: %lu"
			 " flushes, want %u (break-before-make %s)", iova, f->flushes - flushes0,
			 bbml2 ? 0u : 1u, bbml2 ? "off: BBML2" : "on");
		if (!bbml2 && f->flushes != flushes0)
			TC_CHECK(f->last_flush.start <= old.iova &&
				 f->last_flush.end >= old.iova + (old.size - 1),
				 "cut's break-before-make flush [%#" PRIx64 ", %#" PRIx64 "] misses "
				 "the old leaf [%#" PRIx64 ", +%#" PRIx64 ")", f->last_flush.start,
				 f->last_flush.end, old.iova, old.size);
		/* The oracle: the old leaf, replaced by the split of each side. */
		orc_unmap(&f->o, &f->g, old.iova, old.size, &r);
		TC_CHECK(r.ret == 0 && r.unmapped == old.size, "cut: the oracle lost its leaf");
		record_split(f, old.iova, old.pa, iova - old.iova, old.prot);
		record_split(f, iova, old.pa + (iova - old.iova), old.iova + old.size - iova,
				 old.prot);
		/* The gather widened by the old leaf's span and size. */
		if (old.iova < f->want_start || f->want_start > f->want_end)
			f->want_start = old.iova;
		if (old.iova + (old.size - 1) > f->want_end)
			f->want_end = old.iova + (old.size - 1);
		f->want_pgsize |= old.size;
		check_gather(f, "cut");
	}
	fx_check(f);
	f->cur_op = OP_NONE;
	if (!ret && splits)
		fx_touch_after(f, old.iova, old.size < 64 * min ? old.size : 64 * min);
	return ret;
}

/* ---- unmap ---- */

static void check_gather(struct fx *f, const char *what)
{
	if (f->want_start > f->want_end) {
		TC_CHECK(f->gather.start == UINT64_MAX && f->gather.end == 0,
			 "%s: gather [%#" PRIx64 ", %#" PRIx64 "], want empty", what,
			 f->gather.start, f->gather.end);
	} else {
		TC_CHECK(f->gather.start == f->want_start && f->gather.end == f->want_end,
			 "%s: gather [%#" PRIx64 ", %#" PRIx64 "], want [%#" PRIx64 ", %#" PRIx64 "]",
			 what, f->gather.start, f->gather.end, f->want_start, f->want_end);
	}
	TC_CHECK(f->gather.pgsize == f->want_pgsize, "%s: gather pgsize %#" PRIx64 ", want %#"
		 PRIx64, what, f->gather.pgsize, f->want_pgsize);
	TC_CHECK(!!(f->gather.flags & PTCORE_GATHER_TABLES) == !!f->unlinked_since_sync,
		 "%s: gather flags %#x, %lu tables unlinked since the last sync", what,
		 f->gather.flags, f->unlinked_since_sync);
}

/*
 * Tables a map replaced stay parked until an unmap removes the whole span of
 * the subtree they were parked with: then they wait on that unmap's gather
 * like the tables it unlinked.
 */
static void adopt_parked(struct fx *f, uint64_t iova, uint64_t bytes)
{
	uint64_t pa, v, rec, va, last;
	size_t it = 0;

	while (u64map_next(&f->pending, &it, &pa, &v)) {
		if (!v || !u64map_get(&f->parked_top, pa, &rec))
			continue;
		fx_seen_span(f, rec, &va, &last);
		if (va >= iova && last <= iova + (bytes - 1)) {
			u64map_put(&f->pending, pa, 0);
			/* a gather that holds tables says PTCORE_GATHER_TABLES */
			f->unlinked_since_sync++;
		}
	}
}

/* What ptcore_unmap_collect() reported. */
struct fx_runs {
	struct ptcore_range *v;
	size_t n, cap;
	unsigned long calls;
	bool bad_batch;
};

static void fx_collect(void *arg, const struct ptcore_range *runs, uint32_t n)
{
	struct fx_runs *c = arg;
	uint32_t i;

	c->calls++;
	if (!n || !runs)
		c->bad_batch = true;
	for (i = 0; i < n; i++) {
		if (c->n == c->cap) {
			size_t cap = c->cap ? 2 * c->cap : 64;
			struct ptcore_range *v = realloc(c->v, cap * sizeof(*v));

			if (!v)
				abort();
			c->v = v;
			c->cap = cap;
		}
		c->v[c->n++] = runs[i];
	}
}

/*
 * The runs unmap_collect must report: the leaves of @before that the
 * oracle's unmap removed (r.first..r.last, whole leaves), coalesced where
 * contiguous in IOVA and PA.
 */
static void check_runs(const struct oracle *before, const struct orc_unmap_result *r,
		       const struct fx_runs *got, uint64_t iova, uint64_t len)
{
	struct ptcore_range cur = { 0 };
	size_t i = r->unmapped ? orc_lower(before, r->first) : before->n, k = 0;
	uint64_t sum = 0;
	bool ok = true;

	TC_CHECK(!got->bad_batch, "unmap_collect(%#" PRIx64 ", %#" PRIx64 ") called back with 0 "
		 "runs", iova, len);
	for (; i < before->n && before->v[i].iova <= r->last; i++) {
		const struct orc_leaf *l = &before->v[i];

		if (cur.size && l->iova == cur.iova + cur.size && l->pa == cur.paddr + cur.size) {
			cur.size += l->size;
			continue;
		}
		if (cur.size) {
			ok = ok && k < got->n && !memcmp(&got->v[k], &cur, sizeof(cur));
			k++;
		}
		cur.iova = l->iova;
		cur.paddr = l->pa;
		cur.size = l->size;
	}
	if (cur.size) {
		ok = ok && k < got->n && !memcmp(&got->v[k], &cur, sizeof(cur));
		k++;
	}
	TC_CHECK(ok && k == got->n, "unmap_collect(%#" PRIx64 ", %#" PRIx64 "): %zu runs, the "
		 "oracle's removed leaves make %zu (first got [%#" PRIx64 " -> %#" PRIx64 " +%#"
		 PRIx64 "])", iova, len, got->n, k, got->n ? got->v[0].iova : 0,
		 got->n ? got->v[0].paddr : 0, got->n ? got->v[0].size : 0);
	for (i = 0; i < got->n; i++)
		sum += got->v[i].size;
	TC_CHECK(sum == r->unmapped, "unmap_collect(%#" PRIx64 ", %#" PRIx64 "): runs add up to %#"
		 PRIx64 ", unmapped %#" PRIx64, iova, len, sum, r->unmapped);
}

/* With FREE_EMPTY_TABLES: no table below the top that the unmap touched is left empty. */
static void check_no_empty(struct fx *f, const struct orc_unmap_result *r)
{
	uint64_t pa, rec, va, last;
	size_t it = 0, i;

	if (!(f->cfg.features & PTCORE_FEAT_FREE_EMPTY_TABLES) || !r->unmapped)
		return;
	while (u64map_next(&f->seen, &it, &pa, &rec)) {
		if ((rec & 7) == f->m.w.start_level)
			continue;			/* a top table */
		fx_seen_span(f, rec, &va, &last);
		if (last < r->first || va > r->last)
			continue;
		i = orc_lower(&f->o, va);
		TC_CHECK(i < f->o.n && f->o.v[i].iova <= last, "free-empty: table %#" PRIx64
			 " [%#" PRIx64 ", %#" PRIx64 "] left linked with no leaf by unmap of [%#"
			 PRIx64 ", %#" PRIx64 "]", pa, va, last, r->first, r->last);
	}
}

static int do_unmap(struct fx *f, uint64_t iova, uint64_t len, bool pages, uint64_t pgsize,
		    uint64_t pgcount, bool collect, uint64_t *unmapped_out)
{
	struct ptcore_gather before = f->gather;
	struct orc_unmap_result r;
	uint64_t unmapped = 0xbad, allocs0 = f->allocs;
	struct oracle o0;
	struct fx_runs runs = { 0 };
	int ret = 0;

	if (collect)
		if (orc_copy(&o0, &f->o))
			abort();
	orc_unmap(&f->o, &f->g, iova, len, &r);
	f->req_start = iova;
	f->req_last = len ? iova + len - 1 : 0;
	f->cur_op = OP_UNMAP;
	if (pages) {
		unmapped = ptcore_unmap_pages(f->t, iova, pgsize, pgcount, &f->gather);
	} else if (collect) {
		ret = ptcore_unmap_collect(f->t, iova, len, &f->gather, &unmapped, fx_collect, &runs);
		TC_CHECK(ret == r.ret, "unmap_collect(%#" PRIx64 ", %#" PRIx64 ") = %d, want %d",
			 iova, len, ret, r.ret);
		check_runs(&o0, &r, &runs, iova, len);
		orc_free(&o0);
		free(runs.v);
	} else {
		ret = ptcore_unmap(f->t, iova, len, &f->gather, &unmapped);
		TC_CHECK(ret == r.ret, "unmap(%#" PRIx64 ", %#" PRIx64 ") = %d, want %d", iova, len,
			 ret, r.ret);
	}
	f->calls++;
	TC_CHECK(unmapped == r.unmapped, "unmap(%#" PRIx64 ", %#" PRIx64 "): unmapped %#" PRIx64
		 ", want %#" PRIx64, iova, len, unmapped, r.unmapped);
	TC_CHECK(f->allocs == allocs0, "unmap allocated a table");
	if (r.ret && !r.unmapped)
		TC_CHECK(!memcmp(&before, &f->gather, sizeof(before)),
			 "unmap(%#" PRIx64 ", %#" PRIx64 ") removed nothing but changed the gather",
			 iova, len);
	if (r.unmapped)
		adopt_parked(f, iova, r.unmapped);
	if (r.unmapped) {
		if (r.first < f->want_start)
			f->want_start = r.first;
		if (r.last > f->want_end || f->want_start > f->want_end)
			f->want_end = r.last;
		f->want_pgsize |= r.pgsize;
	}
	fx_check(f);
	f->cur_op = OP_NONE;
	check_no_empty(f, &r);
	check_gather(f, "unmap");
	if (unmapped_out)
		*unmapped_out = unmapped;
	if (!orc_unmap_args(&f->g, iova, len))
		fx_touch_after(f, iova, len);
	return pages ? 0 : ret;
}

int fx_unmap(struct fx *f, uint64_t iova, uint64_t len, uint64_t *unmapped)
{
	return do_unmap(f, iova, len, false, 0, 0, false, unmapped);
}

int fx_unmap_collect(struct fx *f, uint64_t iova, uint64_t len, uint64_t *unmapped)
{
	return do_unmap(f, iova, len, false, 0, 0, true, unmapped);
}

uint64_t fx_unmap_pages(struct fx *f, uint64_t iova, uint64_t pgsize, uint64_t pgcount)
{
	struct ptcore_gather before = f->gather;
	uint64_t unmapped = 0;

	if (pgsize && pgcount > UINT64_MAX / pgsize) {
		unmapped = ptcore_unmap_pages(f->t, iova, pgsize, pgcount, &f->gather);
		f->calls++;
		TC_CHECK(unmapped == 0, "unmap_pages with an overflowing product returned %#" PRIx64,
			 unmapped);
		TC_CHECK(!memcmp(&before, &f->gather, sizeof(before)),
			 "unmap_pages with an overflowing product changed the gather");
		fx_check(f);
		return unmapped;
	}
	do_unmap(f, iova, pgsize * pgcount, true, pgsize, pgcount, false, &unmapped);
	return unmapped;
}

int fx_iova_to_phys(struct fx *f, uint64_t iova)
{
	uint64_t phys = 0;
	int ret;

	fx_probe(f, iova);
	ret = ptcore_iova_to_phys(f->t, iova, &phys);
	f->calls++;
	return ret;
}

void fx_sync(struct fx *f)
{
	struct ptcore_gather before = f->gather;
	unsigned long flushes0 = f->flushes;
	uint64_t pa, v;
	size_t it = 0;

	f->cur_op = OP_SYNC;
	ptcore_iotlb_sync(f->t, &f->gather);
	f->calls++;
	if (before.start <= before.end) {
		TC_CHECK(f->flushes == flushes0 + 1, "sync of a gather made %lu flush calls",
			 f->flushes - flushes0);
		TC_CHECK(f->last_flush.start == before.start && f->last_flush.end == before.end &&
			 f->last_flush.pgsize == before.pgsize && f->last_flush.flags == before.flags,
			 "sync flushed another range than the gather's");
	} else {
		TC_CHECK(f->flushes == flushes0, "sync of an empty gather called iotlb_flush");
	}
	TC_CHECK(f->gather.start == UINT64_MAX && f->gather.end == 0 && !f->gather.pgsize &&
		 !f->gather.flags && !f->gather.nr_tables && !f->gather.freelist,
		 "sync did not re-initialise the gather");
	while (u64map_next(&f->pending, &it, &pa, &v))
		TC_CHECK(v, "table %#" PRIx64 " (unmapped) still allocated after the sync", pa);
	f->want_start = UINT64_MAX;
	f->want_end = 0;
	f->want_pgsize = 0;
	f->unlinked_since_sync = 0;
	f->req_start = 1;
	f->req_last = 0;
	fx_check(f);
	f->cur_op = OP_NONE;
	if (f->opt.iotlb)
		iotlb_check_synced(&f->tlb, &f->o);
}
