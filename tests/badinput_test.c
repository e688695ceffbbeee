// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The bad-input matrix: every ABI function (map_range and unmap_collect
 * included) against every invalid argument
 * class of ABI.md, on every configuration, with the table holding pages,
 * blocks and a pending gather. Each case checks the documented errno, that
 * *mapped / *unmapped are 0, that the gather is untouched, that no
 * callback ran (no allocation, free or flush), and that every table is
 * byte-identical before and after (snapshot of every table reachable from
 * hw_info.root[]). The order of the checks is tested by combining two
 * faults where ABI.md says which one wins.
 *
 * NULL pointers the contract forbids are a documented precondition and
 * not tested; NULL *mapped / *unmapped (allowed) and destroy(NULL) are.
 *
 * Usage: badinput_test [-v]
 */
#include "fixture.h"

static unsigned long n_cases;

/* ---- table snapshots ---- */

struct snap {
	uint8_t *buf;
	size_t len, cap;
};

/* Append the table's address, size and contents. */
static void snap_table(struct snap *s, uint64_t pa, size_t bytes, const void *mem)
{
	uint64_t b = bytes;

	while (s->len + bytes + 16 > s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1 << 16;
		s->buf = realloc(s->buf, s->cap);
		if (!s->buf)
			abort();
	}
	memcpy(s->buf + s->len, &pa, 8);
	memcpy(s->buf + s->len + 8, &b, 8);
	memcpy(s->buf + s->len + 16, mem, bytes);
	s->len += 16 + bytes;
}

struct snap_ctx {
	struct snap s;
	const struct tmodel *m;
};

static int snap_cb(void *ctx, u64 pa, unsigned int depth, u64 va, u64 span, u64 bytes, u64 desc)
{
	struct snap_ctx *c = ctx;

	(void)depth;
	(void)va;
	(void)span;
	(void)desc;
	snap_table(&c->s, pa, bytes, tm_table(c->m, pa));
	return 0;
}

static void take_snapshot(const struct fx *f, struct snap_ctx *c)
{
	struct hw_visitor v = { .table = snap_cb, .ctx = c };

	memset(c, 0, sizeof(*c));
	c->m = &f->m;
	hw_walk_visit(&f->m.w, &v);
}

/* ---- the case harness ---- */

struct probe_state {
	struct snap_ctx snap;
	struct ptcore_gather gather;
	uint64_t allocs, frees;
	unsigned long flushes;
	struct ptcore_mem_stats stats;
};

static void before(struct fx *f, struct probe_state *p)
{
	take_snapshot(f, &p->snap);
	p->gather = f->gather;
	p->allocs = f->allocs;
	p->frees = f->frees;
	p->flushes = f->flushes;
	ptcore_mem_stats(&p->stats);
}

static void after(struct fx *f, struct probe_state *p, const char *what)
{
	struct snap_ctx now;
	struct ptcore_mem_stats st;

	take_snapshot(f, &now);
	TC_CHECK(now.s.len == p->snap.s.len && !memcmp(now.s.buf, p->snap.s.buf, now.s.len),
		 "%s: table memory changed", what);
	TC_CHECK(!memcmp(&f->gather, &p->gather, sizeof(f->gather)), "%s: gather changed", what);
	TC_CHECK(f->allocs == p->allocs && f->frees == p->frees,
		 "%s: %" PRIu64 " allocations, %" PRIu64 " frees", what, f->allocs - p->allocs,
		 f->frees - p->frees);
	TC_CHECK(f->flushes == p->flushes, "%s: iotlb_flush called", what);
	ptcore_mem_stats(&st);
	TC_CHECK(st.tables_live == p->stats.tables_live, "%s: mem_stats changed", what);
	free(now.s.buf);
	free(p->snap.s.buf);
}

static void map_case(struct fx *f, const char *cfg, const char *what, uint64_t iova, uint64_t pa,
		     uint64_t size, uint64_t count, uint32_t prot, int want)
{
	struct probe_state p;
	uint64_t mapped = 0x5a5a;
	char name[200];
	int ret;

	tc_case_begin();
	before(f, &p);
	ret = ptcore_map_pages(f->t, iova, pa, size, count, prot, 0, &mapped);
	TC_CHECK(ret == want, "map %s: %d, want %d", what, ret, want);
	TC_CHECK(mapped == 0, "map %s: *mapped %#" PRIx64, what, mapped);
	after(f, &p, what);
	/* The same with mapped == NULL. */
	before(f, &p);
	ret = ptcore_map_pages(f->t, iova, pa, size, count, prot, 0, NULL);
	TC_CHECK(ret == want, "map %s (mapped NULL): %d, want %d", what, ret, want);
	after(f, &p, what);
	n_cases++;
	snprintf(name, sizeof(name), "%s: map %s -> %d", cfg, what, want);
	tc_case_end(name);
}

static void unmap_case(struct fx *f, const char *cfg, const char *what, uint64_t iova,
		       uint64_t len, int want)
{
	struct probe_state p;
	uint64_t unmapped = 0x5a5a;
	char name[200];
	int ret;

	tc_case_begin();
	before(f, &p);
	ret = ptcore_unmap(f->t, iova, len, &f->gather, &unmapped);
	TC_CHECK(ret == want, "unmap %s: %d, want %d", what, ret, want);
	TC_CHECK(unmapped == 0, "unmap %s: *unmapped %#" PRIx64, what, unmapped);
	after(f, &p, what);
	before(f, &p);
	ret = ptcore_unmap(f->t, iova, len, &f->gather, NULL);
	TC_CHECK(ret == want, "unmap %s (unmapped NULL): %d, want %d", what, ret, want);
	after(f, &p, what);
	n_cases++;
	snprintf(name, sizeof(name), "%s: unmap %s -> %d", cfg, what, want);
	tc_case_end(name);
}

static void map_range_case(struct fx *f, const char *cfg, const char *what, uint64_t iova,
			   uint64_t pa, uint64_t len, uint32_t prot, int want)
{
	struct probe_state p;
	uint64_t mapped = 0x5a5a;
	char name[200];
	int ret;

	tc_case_begin();
	before(f, &p);
	ret = ptcore_map_range(f->t, iova, pa, len, prot, 0, &mapped);
	TC_CHECK(ret == want, "map_range %s: %d, want %d", what, ret, want);
	TC_CHECK(mapped == 0, "map_range %s: *mapped %#" PRIx64, what, mapped);
	after(f, &p, what);
	before(f, &p);
	ret = ptcore_map_range(f->t, iova, pa, len, prot, 0, NULL);
	TC_CHECK(ret == want, "map_range %s (mapped NULL): %d, want %d", what, ret, want);
	after(f, &p, what);
	n_cases++;
	snprintf(name, sizeof(name), "%s: map_range %s -> %d", cfg, what, want);
	tc_case_end(name);
}

static void count_runs(void *arg, const struct ptcore_range *runs, uint32_t n)
{
	(void)runs;
	*(unsigned long *)arg += n + 1;
}

static void unmap_collect_case(struct fx *f, const char *cfg, const char *what, uint64_t iova,
			       uint64_t len, int want)
{
	struct probe_state p;
	uint64_t unmapped = 0x5a5a;
	unsigned long calls = 0;
	char name[200];
	int ret;

	tc_case_begin();
	before(f, &p);
	ret = ptcore_unmap_collect(f->t, iova, len, &f->gather, &unmapped, count_runs, &calls);
	TC_CHECK(ret == want, "unmap_collect %s: %d, want %d", what, ret, want);
	TC_CHECK(unmapped == 0, "unmap_collect %s: *unmapped %#" PRIx64, what, unmapped);
	TC_CHECK(calls == 0, "unmap_collect %s: the callback ran", what);
	after(f, &p, what);
	/* unmapped NULL, and no callback: both allowed. */
	before(f, &p);
	ret = ptcore_unmap_collect(f->t, iova, len, &f->gather, NULL, count_runs, &calls);
	TC_CHECK(ret == want, "unmap_collect %s (unmapped NULL): %d, want %d", what, ret, want);
	TC_CHECK(calls == 0, "unmap_collect %s (unmapped NULL): the callback ran", what);
	after(f, &p, what);
	before(f, &p);
	ret = ptcore_unmap_collect(f->t, iova, len, &f->gather, &unmapped, NULL, NULL);
	TC_CHECK(ret == want, "unmap_collect %s (no callback): %d, want %d", what, ret, want);
	after(f, &p, what);
	n_cases++;
	snprintf(name, sizeof(name), "%s: unmap_collect %s -> %d", cfg, what, want);
	tc_case_end(name);
}

static void cut_case(struct fx *f, const char *cfg, const char *what, uint64_t iova, int want)
{
	struct probe_state p;
	char name[200];
	int ret;

	tc_case_begin();
	before(f, &p);
	ret = ptcore_cut(f->t, iova, 0, &f->gather);
	TC_CHECK(ret == want, "cut %s: %d, want %d", what, ret, want);
	after(f, &p, what);
	n_cases++;
	snprintf(name, sizeof(name), "%s: cut %s -> %d", cfg, what, want);
	tc_case_end(name);
}

static void unmap_pages_case(struct fx *f, const char *cfg, const char *what, uint64_t iova,
			     uint64_t size, uint64_t count)
{
	struct probe_state p;
	char name[200];
	uint64_t r;

	tc_case_begin();
	before(f, &p);
	r = ptcore_unmap_pages(f->t, iova, size, count, &f->gather);
	TC_CHECK(r == 0, "unmap_pages %s: %#" PRIx64 ", want 0", what, r);
	after(f, &p, what);
	n_cases++;
	snprintf(name, sizeof(name), "%s: unmap_pages %s -> 0", cfg, what);
	tc_case_end(name);
}

static void lookup_case(struct fx *f, const char *cfg, const char *what, uint64_t iova, int want)
{
	struct probe_state p;
	uint64_t phys = 0;
	char name[200];
	int ret;

	tc_case_begin();
	before(f, &p);
	ret = ptcore_iova_to_phys(f->t, iova, &phys);
	TC_CHECK(ret == want, "iova_to_phys %s (%#" PRIx64 "): %d, want %d", what, iova, ret, want);
	after(f, &p, what);
	n_cases++;
	snprintf(name, sizeof(name), "%s: iova_to_phys %s -> %d", cfg, what, want);
	tc_case_end(name);
}

/* ---- map / unmap / lookup matrix on one configuration ---- */

static void matrix(const struct fx_config *c)
{
	struct fx f;
	uint64_t g, big, top, patop, notin = 0, s, mapped, un, base;
	const char *n = c->name;

	tc_case_begin();
	if (fx_create(&f, &c->cfg, NULL)) {
		tc_case_end(n);
		return;
	}
	g = fx_min_pgsize(&f);
	big = fx_max_pgsize(&f);
	top = 1ULL << f.m.w.ias;
	patop = 1ULL << f.m.w.pa_bits;
	for (s = g << 1; s && s < (1ULL << 62); s <<= 1)
		if (!(f.m.w.hi.pgsize_bitmap & s)) {
			notin = s;
			break;
		}
	/* Content: pages, a large leaf, a pending unmap in the gather. */
	base = 8 * big;
	if (base + 2 * big > top)
		base = 0;
	fx_map(&f, base, 0, g, 8, PTCORE_PROT_READ, &mapped);
	if (big != g)
		fx_map(&f, base + big, big, big, 1, PTCORE_PROT_WRITE, &mapped);
	fx_map(&f, top - 4 * g, 0, g, 4, PTCORE_PROT_READ | PTCORE_PROT_WRITE, &mapped);
	fx_unmap(&f, base + 6 * g, 2 * g, &un);
	tc_case_end(n);

	/* map, in the order ABI.md checks */
	map_case(&f, n, "pgsize 0", 0, 0, 0, 1, PTCORE_PROT_READ, -EINVAL);
	map_case(&f, n, "pgsize not a power of two", 0, 0, g * 3, 1, PTCORE_PROT_READ, -EINVAL);
	if (notin)
		map_case(&f, n, "pgsize not in the bitmap", 0, 0, notin, 1, PTCORE_PROT_READ, -EINVAL);
	map_case(&f, n, "pgsize 2^63", 0, 0, 1ULL << 63, 1, PTCORE_PROT_READ, -EINVAL);
	map_case(&f, n, "pgsize below the granule", 0, 0, g >> 1, 1, PTCORE_PROT_READ, -EINVAL);
	map_case(&f, n, "pgcount 0", 0, 0, g, 0, PTCORE_PROT_READ, -EINVAL);
	map_case(&f, n, "bad pgsize before pgcount 0", 0, 0, g * 3, 0, PTCORE_PROT_READ, -EINVAL);
	map_case(&f, n, "iova unaligned", g / 2, 0, g, 1, PTCORE_PROT_READ, -EINVAL);
	map_case(&f, n, "iova unaligned by 1", 1, 0, g, 1, PTCORE_PROT_READ, -EINVAL);
	map_case(&f, n, "paddr unaligned", 0, 8, g, 1, PTCORE_PROT_READ, -EINVAL);
	if (big != g)
		map_case(&f, n, "iova unaligned to a block", g, 0, big, 1, PTCORE_PROT_READ, -EINVAL);
	map_case(&f, n, "prot 0", 0, 0, g, 1, 0, -EINVAL);
	map_case(&f, n, "prot without READ/WRITE", 0, 0, g, 1,
		 PTCORE_PROT_CACHE | PTCORE_PROT_NOEXEC | PTCORE_PROT_MMIO | PTCORE_PROT_PRIV, -EINVAL);
	map_case(&f, n, "pgcount 0 before unaligned", 1, 0, g, 0, PTCORE_PROT_READ, -EINVAL);
	map_case(&f, n, "unaligned before wrap", UINT64_MAX - 5, 0, g, 4, PTCORE_PROT_READ, -EINVAL);
	map_case(&f, n, "prot before range", top, 0, g, 1, 0, -EINVAL);
	map_case(&f, n, "iova + len wraps", (UINT64_MAX - g + 1), 0, g, 2, PTCORE_PROT_READ,
		 -EOVERFLOW);
	map_case(&f, n, "paddr + len wraps", 0, UINT64_MAX - g + 1, g, 2, PTCORE_PROT_READ,
		 -EOVERFLOW);
	map_case(&f, n, "pgsize * pgcount overflows", 0, 0, g, UINT64_MAX / g + 1,
		 PTCORE_PROT_READ, -EOVERFLOW);
	map_case(&f, n, "pgcount UINT64_MAX", 0, 0, g, UINT64_MAX, PTCORE_PROT_READ, -EOVERFLOW);
	map_case(&f, n, "wrap before range", UINT64_MAX - g + 1, 0, g, 2, PTCORE_PROT_READ,
		 -EOVERFLOW);
	map_case(&f, n, "iova at 2^ias", top, 0, g, 1, PTCORE_PROT_READ, -ERANGE);
	map_case(&f, n, "iova range crosses 2^ias", top - g, 0, g, 2, PTCORE_PROT_READ, -ERANGE);
	map_case(&f, n, "iova at 2^63", 1ULL << 63, 0, g, 1, PTCORE_PROT_READ, -ERANGE);
	map_case(&f, n, "paddr at 2^oas", 0, patop, g, 1, PTCORE_PROT_READ, -ERANGE);
	map_case(&f, n, "paddr range crosses 2^oas", 0, patop - g, g, 2, PTCORE_PROT_READ,
		 -ERANGE);
	if (f.m.w.format == PTCORE_FMT_APPLE_DART && c->cfg.oas > 36)
		map_case(&f, n, "DART1 paddr above 2^36 with oas 42", 0, 1ULL << 36, g, 1,
			 PTCORE_PROT_READ, -ERANGE);
	map_case(&f, n, "first page already mapped", base, 0, g, 4, PTCORE_PROT_READ, -EADDRINUSE);
	if (big != g)
		map_case(&f, n, "inside a block", base + big + g, 0, g, 1, PTCORE_PROT_READ,
			 -EADDRINUSE);
	map_case(&f, n, "large leaf over pages", base & ~(big - 1), 0, big, 1, PTCORE_PROT_READ,
		 -EADDRINUSE);

	/* unmap */
	unmap_case(&f, n, "len 0", base, 0, -EINVAL);
	unmap_case(&f, n, "len 0 before range", top, 0, -EINVAL);
	unmap_case(&f, n, "wraps", g, UINT64_MAX, -EOVERFLOW);
	unmap_case(&f, n, "wraps at the top", UINT64_MAX, 2, -EOVERFLOW);
	unmap_case(&f, n, "wrap before range", top, UINT64_MAX - top + 2, -EOVERFLOW);
	unmap_case(&f, n, "iova at 2^ias", top, g, -ERANGE);
	unmap_case(&f, n, "range crosses 2^ias", top - g, 2 * g, -ERANGE);
	unmap_case(&f, n, "iova 2^63", 1ULL << 63, g, -ERANGE);
	unmap_case(&f, n, "starts inside a page", base + 8, g, -EINVAL);
	if (big != g)
		unmap_case(&f, n, "starts inside a block", base + big + g, g, -EINVAL);
	unmap_case(&f, n, "starts at a hole", base + 16 * g, g, -EINVAL);
	unmap_case(&f, n, "starts at a gathered hole", base + 6 * g, 2 * g, -EINVAL);

	/* map_range: map_pages' checks with len in place of pgsize * pgcount, same order */
	map_range_case(&f, n, "len 0", 0, 0, 0, PTCORE_PROT_READ, -EINVAL);
	map_range_case(&f, n, "len below the granule", 0, 0, g / 2, PTCORE_PROT_READ, -EINVAL);
	map_range_case(&f, n, "len not a multiple of the granule", 0, 0, g + g / 2,
		       PTCORE_PROT_READ, -EINVAL);
	map_range_case(&f, n, "len 1", 0, 0, 1, PTCORE_PROT_READ, -EINVAL);
	map_range_case(&f, n, "iova unaligned", g / 2, 0, g, PTCORE_PROT_READ, -EINVAL);
	map_range_case(&f, n, "iova unaligned by 1", 1, 0, g, PTCORE_PROT_READ, -EINVAL);
	map_range_case(&f, n, "paddr unaligned", 0, 8, g, PTCORE_PROT_READ, -EINVAL);
	map_range_case(&f, n, "prot 0", 0, 0, g, 0, -EINVAL);
	map_range_case(&f, n, "prot without READ/WRITE", 0, 0, g,
		       PTCORE_PROT_CACHE | PTCORE_PROT_NOEXEC | PTCORE_PROT_MMIO | PTCORE_PROT_PRIV,
		       -EINVAL);
	map_range_case(&f, n, "len 0 before unaligned", 1, 0, 0, PTCORE_PROT_READ, -EINVAL);
	map_range_case(&f, n, "unaligned before wrap", UINT64_MAX - 5, 0, 4 * g, PTCORE_PROT_READ,
		       -EINVAL);
	map_range_case(&f, n, "unaligned len before wrap", UINT64_MAX - g + 1, 0, g + 1,
		       PTCORE_PROT_READ, -EINVAL);
	map_range_case(&f, n, "prot before range", top, 0, g, 0, -EINVAL);
	map_range_case(&f, n, "iova + len wraps", UINT64_MAX - g + 1, 0, 2 * g, PTCORE_PROT_READ,
		       -EOVERFLOW);
	map_range_case(&f, n, "paddr + len wraps", 0, UINT64_MAX - g + 1, 2 * g, PTCORE_PROT_READ,
		       -EOVERFLOW);
	map_range_case(&f, n, "len 2^64 - granule from 2 granules", 2 * g, 0, 0 - g,
		       PTCORE_PROT_READ, -EOVERFLOW);
	map_range_case(&f, n, "wrap before range", UINT64_MAX - g + 1, patop, 2 * g,
		       PTCORE_PROT_READ, -EOVERFLOW);
	map_range_case(&f, n, "len 2^64 - granule from a granule", g, 0, 0 - g, PTCORE_PROT_READ,
		       -ERANGE);
	map_range_case(&f, n, "iova at 2^ias", top, 0, g, PTCORE_PROT_READ, -ERANGE);
	map_range_case(&f, n, "iova range crosses 2^ias", top - g, 0, 2 * g, PTCORE_PROT_READ,
		       -ERANGE);
	map_range_case(&f, n, "iova at 2^63", 1ULL << 63, 0, g, PTCORE_PROT_READ, -ERANGE);
	map_range_case(&f, n, "paddr at 2^oas", 0, patop, g, PTCORE_PROT_READ, -ERANGE);
	map_range_case(&f, n, "paddr range crosses 2^oas", 0, patop - g, 2 * g, PTCORE_PROT_READ,
		       -ERANGE);
	if (f.m.w.format == PTCORE_FMT_APPLE_DART && c->cfg.oas > 36)
		map_range_case(&f, n, "DART1 paddr above 2^36 with oas 42", 0, 1ULL << 36, g,
			       PTCORE_PROT_READ, -ERANGE);
	map_range_case(&f, n, "first page already mapped", base, 0, 4 * g, PTCORE_PROT_READ,
		       -EADDRINUSE);
	if (big != g) {
		map_range_case(&f, n, "inside a block", base + big + g, 0, g, PTCORE_PROT_READ,
			       -EADDRINUSE);
		map_range_case(&f, n, "large leaf over pages", base & ~(big - 1), 0, big,
			       PTCORE_PROT_READ, -EADDRINUSE);
	}

	/* cut: a misaligned iova, an iova beyond ias; nothing changed, gather untouched */
	cut_case(&f, n, "iova unaligned", base + g / 2, -EINVAL);
	cut_case(&f, n, "iova unaligned by 1", base + 1, -EINVAL);
	cut_case(&f, n, "iova unaligned at UINT64_MAX", UINT64_MAX, -EINVAL);
	if (big != g)
		cut_case(&f, n, "unaligned inside a block", base + big + 8, -EINVAL);
	cut_case(&f, n, "iova at 2^ias", top, -ERANGE);
	cut_case(&f, n, "iova a granule above 2^ias", top + g, -ERANGE);
	cut_case(&f, n, "iova 2^63", 1ULL << 63, -ERANGE);
	cut_case(&f, n, "iova at the last granule of 2^64", 0 - (uint64_t)g, -ERANGE);

	/* unmap_collect: exactly unmap's errors, and the callback never runs */
	unmap_collect_case(&f, n, "len 0", base, 0, -EINVAL);
	unmap_collect_case(&f, n, "len 0 before range", top, 0, -EINVAL);
	unmap_collect_case(&f, n, "wraps", g, UINT64_MAX, -EOVERFLOW);
	unmap_collect_case(&f, n, "wraps at the top", UINT64_MAX, 2, -EOVERFLOW);
	unmap_collect_case(&f, n, "wrap before range", top, UINT64_MAX - top + 2, -EOVERFLOW);
	unmap_collect_case(&f, n, "iova at 2^ias", top, g, -ERANGE);
	unmap_collect_case(&f, n, "range crosses 2^ias", top - g, 2 * g, -ERANGE);
	unmap_collect_case(&f, n, "iova 2^63", 1ULL << 63, g, -ERANGE);
	unmap_collect_case(&f, n, "starts inside a page", base + 8, g, -EINVAL);
	if (big != g)
		unmap_collect_case(&f, n, "starts inside a block", base + big + g, g, -EINVAL);
	unmap_collect_case(&f, n, "starts at a hole", base + 16 * g, g, -EINVAL);
	unmap_collect_case(&f, n, "starts at a gathered hole", base + 6 * g, 2 * g, -EINVAL);

	/* unmap_pages: 0 on every invalid argument */
	unmap_pages_case(&f, n, "product overflows", base, g, UINT64_MAX / g + 1);
	unmap_pages_case(&f, n, "product overflows (2^32 x 2^32)", base, 1ULL << 32, 1ULL << 32);
	unmap_pages_case(&f, n, "pgcount 0", base, g, 0);
	unmap_pages_case(&f, n, "pgsize 0", base, 0, 4);
	unmap_pages_case(&f, n, "beyond ias", top, g, 1);
	unmap_pages_case(&f, n, "wraps", UINT64_MAX - g + 1, g, 2);
	unmap_pages_case(&f, n, "inside a page", base + 8, g, 1);

	/* iova_to_phys */
	lookup_case(&f, n, "at 2^ias", top, -ERANGE);
	lookup_case(&f, n, "UINT64_MAX", UINT64_MAX, -ERANGE);
	lookup_case(&f, n, "2^63", 1ULL << 63, -ERANGE);
	lookup_case(&f, n, "unmapped", base + 16 * g, -ENOENT);
	lookup_case(&f, n, "unmapped (gathered)", base + 6 * g, -ENOENT);
	lookup_case(&f, n, "unmapped low", base ? 0 : top / 2, -ENOENT);
	lookup_case(&f, n, "mapped", base + g + 5, 0);

	/* sync of an empty gather: no flush, nothing freed */
	{
		struct ptcore_gather empty;
		struct probe_state p;

		tc_case_begin();
		fx_sync(&f);		/* the pending unmap first */
		ptcore_gather_init(&empty);
		before(&f, &p);
		ptcore_iotlb_sync(f.t, &empty);
		after(&f, &p, "sync of an empty gather");
		TC_CHECK(empty.start == UINT64_MAX && empty.end == 0, "empty gather changed");
		n_cases++;
		tc_case_end("sync of an empty gather");
	}
	tc_case_begin();
	fx_destroy(&f);
	tc_case_end(n);
}

/* ---- create ---- */

static int counted_allocs;

static void *count_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	counted_allocs++;
	return ptcore_builtin_alloc_table(cookie, size, phys, gfp);
}

static void count_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	ptcore_builtin_free_table(cookie, va, phys, size);
}

static const struct ptcore_ops ops_both = { .alloc_table = count_alloc, .free_table = count_free };
static const struct ptcore_ops ops_alloc_only = { .alloc_table = count_alloc };
static const struct ptcore_ops ops_free_only = { .free_table = count_free };

static void sync_nothing(void *cookie, void *va, size_t len)
{
}

static const struct ptcore_ops ops_incoherent = { .alloc_table = count_alloc,
						  .free_table = count_free,
						  .sync_table = sync_nothing };

static void create_case(const char *what, const struct ptcore_cfg *base, int want)
{
	struct ptcore_table *t = (struct ptcore_table *)(uintptr_t)0x1234;
	struct ptcore_mem_stats s0, s1;
	struct ptcore_cfg cfg = *base;
	char name[200];
	int ret;

	tc_case_begin();
	if (!cfg.ops)
		cfg.ops = &ops_both;
	counted_allocs = 0;
	ptcore_mem_stats(&s0);
	ret = ptcore_table_create(&cfg, &t);
	ptcore_mem_stats(&s1);
	TC_CHECK(ret == want, "create %s: %d, want %d", what, ret, want);
	if (ret) {
		TC_CHECK(t == (struct ptcore_table *)(uintptr_t)0x1234, "create %s wrote *out", what);
		TC_CHECK(counted_allocs == 0, "create %s allocated %d tables", what, counted_allocs);
		TC_CHECK(s1.tables_live == s0.tables_live, "create %s leaked", what);
	} else {
		ptcore_table_destroy(t);
	}
	n_cases++;
	snprintf(name, sizeof(name), "create %s -> %d", what, want);
	tc_case_end(name);
}

static void create_matrix(void)
{
	const struct ptcore_cfg s1 = { .format = PTCORE_FMT_ARM64_LPAE_S1, .ias = 48, .oas = 48 };
	const struct ptcore_cfg s2 = { .format = PTCORE_FMT_ARM64_LPAE_S2, .ias = 40, .oas = 40 };
	const struct ptcore_cfg d1 = { .format = PTCORE_FMT_APPLE_DART, .ias = 32, .oas = 36 };
	const struct ptcore_cfg d2 = { .format = PTCORE_FMT_APPLE_DART2, .ias = 32, .oas = 42 };
	const struct ptcore_cfg vt = { .format = PTCORE_FMT_VTDSS, .ias = 48, .oas = 52 };
	const struct ptcore_cfg x8 = { .format = PTCORE_FMT_X86_64, .ias = 48, .oas = 52 };
	const struct ptcore_cfg amd = { .format = PTCORE_FMT_AMDV1, .ias = 48, .oas = 52 };
	const struct ptcore_cfg v7s = { .format = PTCORE_FMT_ARM_V7S, .ias = 32, .oas = 32 };
	const struct ptcore_cfg *all[] = { &s1, &s2, &d1, &d2, &vt, &x8, &amd, &v7s };
	static const uint32_t bad_formats[] = { 0, 10, 0x100, 0xffffffff };
	static const uint32_t bad_feats[] = { 0x8, 0x10, 0x100, 0x8000, 0x100000, 0x80000000 };
	struct ptcore_cfg c;
	char what[128];
	size_t i, k;

	/* Control: every base configuration is valid. */
	for (i = 0; i < TC_ARRAY_SIZE(all); i++) {
		snprintf(what, sizeof(what), "%s valid", tc_fmt_name(all[i]->format));
		create_case(what, all[i], 0);
	}
	for (i = 0; i < TC_ARRAY_SIZE(bad_formats); i++) {
		c = s1;
		c.format = bad_formats[i];
		snprintf(what, sizeof(what), "format %u", bad_formats[i]);
		create_case(what, &c, -EINVAL);
	}
	for (k = 0; k < TC_ARRAY_SIZE(all); k++) {
		const char *fn = tc_fmt_name(all[k]->format);

		for (i = 0; i < TC_ARRAY_SIZE(bad_feats); i++) {
			c = *all[k];
			c.features = bad_feats[i];
			snprintf(what, sizeof(what), "%s unknown feature %#x", fn, bad_feats[i]);
			create_case(what, &c, -EINVAL);
		}
		/* DART and v7s have no dirty state; a walker with stale copies would lose it. */
		c = *all[k];
		c.features = PTCORE_FEAT_DIRTY_TRACKING;
		snprintf(what, sizeof(what), "%s DIRTY_TRACKING", fn);
		create_case(what, &c, c.format == PTCORE_FMT_APPLE_DART ||
				 c.format == PTCORE_FMT_APPLE_DART2 ||
				 c.format == PTCORE_FMT_ARM_V7S ? -EOPNOTSUPP : 0);
		c.features |= PTCORE_FEAT_DMA_INCOHERENT;
		c.ops = &ops_incoherent;
		snprintf(what, sizeof(what), "%s DIRTY_TRACKING with DMA_INCOHERENT", fn);
		create_case(what, &c, -EOPNOTSUPP);
		for (i = 0; i < 5; i++) {
			c = *all[k];
			c.reserved[i] = (uint8_t)(1u << i);
			snprintf(what, sizeof(what), "%s reserved[%zu] set", fn, i);
			create_case(what, &c, -EINVAL);
		}
		c = *all[k];
		c.ops = &ops_alloc_only;
		snprintf(what, sizeof(what), "%s alloc_table without free_table", fn);
		create_case(what, &c, -EINVAL);
		c.ops = &ops_free_only;
		snprintf(what, sizeof(what), "%s free_table without alloc_table", fn);
		create_case(what, &c, -EINVAL);
		for (i = 0; i < 6; i++) {
			static const uint8_t gs[] = { 11, 13, 15, 17, 20, 255 };

			c = *all[k];
			c.granule_lg2 = gs[i];
			snprintf(what, sizeof(what), "%s granule_lg2 %u", fn, gs[i]);
			create_case(what, &c, -EINVAL);
		}
	}
	/* Features a format lacks. */
	c = s2;
	c.features = PTCORE_FEAT_ARM_NS;
	create_case("arm-s2 ARM_NS", &c, -EOPNOTSUPP);
	c = s1;
	c.features = PTCORE_FEAT_ARM_S2FWB;
	create_case("arm-s1 ARM_S2FWB", &c, -EOPNOTSUPP);
	for (k = 2; k < 4; k++) {
		static const uint32_t arm_only[] = { PTCORE_FEAT_DMA_INCOHERENT, PTCORE_FEAT_ARM_NS,
						     PTCORE_FEAT_ARM_S2FWB };

		for (i = 0; i < TC_ARRAY_SIZE(arm_only); i++) {
			c = *all[k];
			c.features = arm_only[i];
			snprintf(what, sizeof(what), "%s feature %#x", tc_fmt_name(c.format),
				 arm_only[i]);
			create_case(what, &c, -EOPNOTSUPP);
		}
	}
	/* ARM ias / oas / granule */
	{
		static const struct { uint8_t g, ias, oas; const char *why; } arm_bad[] = {
			{ 12, 49, 48, "4K ias 49" }, { 14, 49, 48, "16K ias 49" },
			{ 16, 53, 52, "64K ias 53" }, { 12, 0, 48, "ias 0" },
			{ 12, 21, 48, "4K ias 21 (one level)" }, { 12, 255, 48, "ias 255" },
			{ 12, 48, 33, "oas 33" }, { 12, 48, 0, "oas 0" }, { 12, 48, 52, "4K oas 52" },
			{ 14, 48, 52, "16K oas 52" }, { 12, 48, 64, "oas 64" },
			{ 16, 48, 50, "64K oas 50" },
		};

		for (k = 0; k < 2; k++)
			for (i = 0; i < TC_ARRAY_SIZE(arm_bad); i++) {
				c = *all[k];
				c.granule_lg2 = arm_bad[i].g;
				c.ias = arm_bad[i].ias;
				c.oas = arm_bad[i].oas;
				snprintf(what, sizeof(what), "%s %s", tc_fmt_name(c.format),
					 arm_bad[i].why);
				create_case(what, &c, -EINVAL);
			}
		/* pgsize_bitmap with no size of the granule */
		c = s1;
		c.pgsize_bitmap = 0x4000 | (1ULL << 36);	/* 16K sizes on a 4K table */
		create_case("arm-s1 4K, bitmap of 16K sizes", &c, -EINVAL);
		c.pgsize_bitmap = 0x2000000;		/* 32M: a 4K contiguous-hint size */
		create_case("arm-s1 4K, bitmap 32M only (valid)", &c, 0);
		c.granule_lg2 = 16;
		c.pgsize_bitmap = 0x1000 | 0x40000000;	/* 4K and 1G on a 64K table */
		create_case("arm-s1 64K, bitmap of 4K sizes", &c, -EINVAL);
		c = s2;
		c.pgsize_bitmap = 1ULL << 63;
		create_case("arm-s2 bitmap 2^63", &c, -EINVAL);
		c.pgsize_bitmap = 0x1000;
		create_case("arm-s2 bitmap 4K only (valid)", &c, 0);
	}
	/* DART */
	{
		static const struct { uint32_t fmt; uint8_t g, ias, oas; const char *why; } dart_bad[] = {
			{ PTCORE_FMT_APPLE_DART, 16, 32, 36, "64K granule" },
			{ PTCORE_FMT_APPLE_DART2, 12, 32, 42, "DART2 4K granule" },
			{ PTCORE_FMT_APPLE_DART, 14, 32, 40, "oas 40" },
			{ PTCORE_FMT_APPLE_DART2, 14, 32, 48, "oas 48" },
			{ PTCORE_FMT_APPLE_DART, 14, 40, 36, "ias > oas" },
			{ PTCORE_FMT_APPLE_DART2, 14, 43, 42, "ias > oas 42" },
			{ PTCORE_FMT_APPLE_DART, 14, 0, 36, "ias 0" },
			{ PTCORE_FMT_APPLE_DART, 14, 15, 36, "ias 15" },
		};

		for (i = 0; i < TC_ARRAY_SIZE(dart_bad); i++) {
			c = dart_bad[i].fmt == PTCORE_FMT_APPLE_DART ? d1 : d2;
			c.granule_lg2 = dart_bad[i].g;
			c.ias = dart_bad[i].ias;
			c.oas = dart_bad[i].oas;
			snprintf(what, sizeof(what), "%s %s", tc_fmt_name(c.format), dart_bad[i].why);
			create_case(what, &c, -EINVAL);
		}
		c = d2;
		c.pgsize_bitmap = 0x1000;
		create_case("dart2 bitmap 4K", &c, -EINVAL);
		c = d1;
		c.pgsize_bitmap = 0x4000 | 0x1000;
		create_case("dart1 bitmap 16K|4K (valid)", &c, 0);
	}
	/* VT-d second stage and x86-64: 4K granule, ias 32..57, oas 32..52, no ARM feature */
	{
		static const struct { uint8_t g, ias, oas; uint32_t feat; uint64_t bm; int err;
				      const char *why; } x86_bad[] = {
			{ 14, 48, 52, 0, 0, -EINVAL, "16K granule" },
			{ 16, 48, 52, 0, 0, -EINVAL, "64K granule" },
			{ 0, 31, 52, 0, 0, -EINVAL, "ias 31" },
			{ 0, 58, 52, 0, 0, -EINVAL, "ias 58" },
			{ 0, 48, 31, 0, 0, -EINVAL, "oas 31" },
			{ 0, 48, 53, 0, 0, -EINVAL, "oas 53" },
			{ 0, 48, 52, 0, 0x4000, -EINVAL, "bitmap 16K" },
			{ 0, 48, 52, 0, 0x200000 | 0x4000, 0, "bitmap 2M|16K (valid)" },
			{ 0, 48, 52, PTCORE_FEAT_ARM_NS, 0, -EOPNOTSUPP, "ARM_NS" },
			{ 0, 48, 52, PTCORE_FEAT_ARM_S2FWB, 0, -EOPNOTSUPP, "ARM_S2FWB" },
			{ 0, 48, 52, PTCORE_FEAT_ARM_BBML2, 0, -EOPNOTSUPP, "ARM_BBML2" },
			{ 12, 32, 32, 0, 0, 0, "ias 32 oas 32 (valid)" },
			{ 0, 57, 52, 0, 0, 0, "ias 57 (valid)" },
		};

		for (k = 0; k < 2; k++)
			for (i = 0; i < TC_ARRAY_SIZE(x86_bad); i++) {
				c = k ? x8 : vt;
				c.granule_lg2 = x86_bad[i].g;
				c.ias = x86_bad[i].ias;
				c.oas = x86_bad[i].oas;
				c.features = x86_bad[i].feat;
				c.pgsize_bitmap = x86_bad[i].bm;
				snprintf(what, sizeof(what), "%s %s", tc_fmt_name(c.format),
					 x86_bad[i].why);
				create_case(what, &c, x86_bad[i].err);
			}
	}
	/* AMD v1 */
	{
		static const struct { uint32_t feat; uint8_t g, ias, oas; int err; const char *why; }
		amd_bad[] = {
			{ 0, 14, 48, 52, -EINVAL, "16K granule" },
			{ 0, 0, 20, 52, -EINVAL, "ias 20" },
			{ 0, 0, 64, 52, -EINVAL, "ias 64" },
			{ 0, 0, 48, 53, -EINVAL, "oas 53" },
			{ 0, 0, 48, 31, -EINVAL, "oas 31" },
			{ PTCORE_FEAT_DMA_INCOHERENT, 0, 48, 52, -EOPNOTSUPP, "DMA_INCOHERENT" },
			{ PTCORE_FEAT_ARM_NS, 0, 48, 52, -EOPNOTSUPP, "ARM_NS" },
			{ PTCORE_FEAT_ARM_BBML2, 0, 48, 52, -EOPNOTSUPP, "ARM_BBML2" },
			{ 0, 0, 21, 32, 0, "ias 21 (valid, mode 1)" },
			{ 0, 0, 63, 52, 0, "ias 63 (valid, mode 6)" },
		};

		for (i = 0; i < TC_ARRAY_SIZE(amd_bad); i++) {
			c = amd;
			c.features = amd_bad[i].feat;
			c.ops = amd_bad[i].feat == PTCORE_FEAT_DMA_INCOHERENT ? &ops_incoherent : NULL;
			c.granule_lg2 = amd_bad[i].g;
			c.ias = amd_bad[i].ias;
			c.oas = amd_bad[i].oas;
			snprintf(what, sizeof(what), "amdv1 %s", amd_bad[i].why);
			create_case(what, &c, amd_bad[i].err);
		}
		c = amd;
		c.pgsize_bitmap = 1ULL << 39;
		create_case("amdv1 bitmap 512G", &c, -EINVAL);
		c.pgsize_bitmap = 0x4000;
		create_case("amdv1 bitmap 16K (valid)", &c, 0);
	}
	/* ARM v7s: 4K granule, ias and oas 1..32, 4K in the bitmap, NS and coherency only */
	{
		static const struct { uint32_t feat; uint8_t g, ias, oas; uint64_t bm; int err;
				      const char *why; } v7s_bad[] = {
			{ 0, 14, 32, 32, 0, -EINVAL, "16K granule" },
			{ 0, 0, 0, 32, 0, -EINVAL, "ias 0" },
			{ 0, 0, 33, 32, 0, -EINVAL, "ias 33" },
			{ 0, 0, 32, 0, 0, -EINVAL, "oas 0" },
			{ 0, 0, 32, 33, 0, -EINVAL, "oas 33" },
			{ 0, 0, 32, 32, 0x100000 | 0x1000000, -EINVAL, "bitmap 1M|16M (no 4K)" },
			{ 0, 0, 32, 32, 0x200000, -EINVAL, "bitmap 2M" },
			{ 0, 0, 32, 32, 0x1000 | 0x200000, 0, "bitmap 4K|2M (valid: 4K)" },
			{ PTCORE_FEAT_ARM_S2FWB, 0, 32, 32, 0, -EOPNOTSUPP, "ARM_S2FWB" },
			{ PTCORE_FEAT_ARM_BBML2, 0, 32, 32, 0, -EOPNOTSUPP, "ARM_BBML2" },
			{ PTCORE_FEAT_ARM_LPA2, 0, 32, 32, 0, -EOPNOTSUPP, "ARM_LPA2" },
			{ PTCORE_FEAT_ARM_NS, 12, 32, 32, 0, 0, "ARM_NS (valid)" },
			{ PTCORE_FEAT_DMA_INCOHERENT, 0, 32, 32, 0, 0, "DMA_INCOHERENT (valid)" },
			{ 0, 0, 1, 1, 0, 0, "ias 1 oas 1 (valid)" },
		};

		for (i = 0; i < TC_ARRAY_SIZE(v7s_bad); i++) {
			c = v7s;
			c.features = v7s_bad[i].feat;
			c.ops = v7s_bad[i].feat == PTCORE_FEAT_DMA_INCOHERENT ? &ops_incoherent : NULL;
			c.granule_lg2 = v7s_bad[i].g;
			c.ias = v7s_bad[i].ias;
			c.oas = v7s_bad[i].oas;
			c.pgsize_bitmap = v7s_bad[i].bm;
			snprintf(what, sizeof(what), "arm-v7s %s", v7s_bad[i].why);
			create_case(what, &c, v7s_bad[i].err);
		}
	}
	tc_case_begin();
	ptcore_table_destroy(NULL);
	n_cases++;
	tc_case_end("destroy(NULL)");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc > 1 && !strcmp(argv[1], "-v"))
		tc_verbose = 1;
	create_matrix();
	for (i = 0; i < fx_nr_configs; i++)
		matrix(&fx_configs[i]);
	printf("bad-input matrix: %lu cases\n", n_cases);
	return tc_summary();
}
