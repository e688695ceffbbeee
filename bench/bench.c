// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Benchmark: ptcore against Linux's io-pgtable (the peer, bench/peer) of 6.1
 * and of 6.12, each with a strict and with a lazy gather, in one process, on
 * identical workloads, interleaved round by round, pinned to one CPU. All
 * draw table memory from ptcore's built-in allocator.
 *
 * Peer configurations (peer_cfgs[]): 6.1-strict, 6.1-lazy, 6.12-strict,
 * 6.12-lazy (and for the formats with a peer of their own, 6.12-amd-v2 for
 * x86-64 and 6.12-v7s for the ARM short descriptors: run_peer_map_unmap()). Strict: the gather is not queued, io-pgtable calls tlb_add_page
 * for every unmapped page and the sync flushes the gathered range (the DMA
 * API's strict mode). Lazy: the gather is queued (the DMA API's default
 * DMA-FQ mode; iommu_iotlb_gather_queued()), io-pgtable skips tlb_add_page
 * and there is nothing to sync (the flush queue's later flush-all is not
 * part of the unmap). ptcore's unmap always includes its ptcore_iotlb_sync().
 *
 * Method (the generic page table's): per workload, a discarded warm-up, then
 * N rounds; every round maps the range and then unmaps it again (unmap
 * includes the flush: ptcore_iotlb_sync, or the peer's gather and sync), with
 * the tables already populated by the warm-up. Each phase of each round is
 * timed on its own with the fenced time stamp counter (calibrated against
 * CLOCK_MONOTONIC), minus the timer's own median cost; a row's figure is the
 * median (and minimum) over rounds, in ns per call. The order of the
 * implementations rotates every round.
 *
 * Batches: the time stamp counter of these virtual machines advances in
 * steps of about 10 ns, so every timed sample covers a batch of calls long
 * enough (BATCH_NS, from a calibration of the workload's fastest
 * implementation) that one step moves no median by more than 1%: single-page
 * workloads time a batch of calls on neighbouring pages, multi-page ones the
 * same call on a batch of ranges side by side (each in its own leaf tables),
 * group ops a batch of copies of its workload 512 GiB apart. Figures are per
 * call (per copy).
 *
 * limit_ns is the physical limit: a memset of the same number of PTE bytes
 * (8 per entry written), in the same (warm) cache state, timed the same way.
 *
 * Instruction counts: the VMs here expose no hardware counter
 * (perf_event_open(PERF_COUNT_HW_INSTRUCTIONS) fails), so after the timed
 * run the benchmark runs itself again under valgrind --tool=callgrind
 * (--icount, 20 rounds, collection on only inside the timed sections, one
 * profile part per section) and reads the instructions per call of every
 * row from the parts: instructions_ptcore, instructions_peer (user-space
 * instructions, deterministic, the stable figure on a noisy machine). -I
 * skips that pass; without valgrind the columns stay empty, with a message.
 *
 * Concurrent unmap (group "concurrent", see run_concurrent_unmap()): two
 * threads on two CPUs remove whole leaf tables from ranges that share their
 * upper-level tables; rows "unmap tables 1T LAYOUT [tcache]" and "unmap
 * tables 2T ..." give ns per table removed (the inverse of the throughput),
 * so 2-thread/1-thread scaling = the 1T row's ns / the 2T row's ns. These
 * rows have no physical limit ("-" in the table, 0.0 in the CSV) and come
 * last; a summary with throughput, scaling and callbacks follows the table.
 * They run against the lazy peers only (cu_peers[]), to bound the run time,
 * and have no instruction counts.
 *
 * Output: a table on stdout, and a CSV (-o FILE) with the header
 *   format,granule,workload,peer,ptcore_ns,peer_ns,limit_ns,ratio,instructions_ptcore,instructions_peer
 * where the ns columns are medians, ratio = ptcore_ns / peer_ns, and one
 * row per workload and peer configuration (ptcore's figures are the same in
 * the rows of one workload: one measurement, against every peer at once).
 * -w GROUP,... runs only some workload groups (map, bulk, lookup, ops, concurrent).
 *
 * Group "ops" (see run_ops()): ptcore_map_range() against the map_pages loop of
 * Linux's __iommu_map() split, and PTCORE_FEAT_FREE_EMPTY_TABLES on against
 * off; rows "map_range SPLIT", "map_pages SPLIT", "... fe-on", "... fe-off",
 * each against the peers, and a summary of the variant/variant ratios.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <valgrind/callgrind.h>

#include "ptcore.h"
#include "peer.h"
#include "peer_amd_v2.h"
#include "v7s/peer_v7s.h"

#define PTE_BYTES	8

/* ---- the peer configurations; implementation 0 is ptcore, k + 1 is peer_cfgs[k] ---- */

#define NPEER	4
#define NIMPL	(1 + NPEER)

static const struct {
	const char *name;
	enum peer_version version;
	uint32_t flags;
} peer_cfgs[NPEER + 2] = {
	{ "6.1-strict", PEER_6_1, 0 },
	{ "6.1-lazy", PEER_6_1, PEER_LAZY },
	{ "6.12-strict", PEER_6_12, 0 },
	{ "6.12-lazy", PEER_6_12, PEER_LAZY },
	/* not an io-pgtable configuration: the x86-64 rows' peer (run_peer_map_unmap()) */
	{ "6.12-amd-v2", PEER_6_12, 0 },
	/* nor this: the ARM short-descriptor rows' (io-pgtable-arm-v7s.c, bench/peer/v7s) */
	{ "6.12-v7s", PEER_6_12, 0 },
};
#define PEER_AMDV2	NPEER	/* its index in peer_cfgs[] */
#define PEER_V7S	(NPEER + 1)

/* A timed sample lasts at least this long: 10 ns of timer step is 0.5% of it. */
#define BATCH_NS	2000.0

static uint64_t timer_cost;	/* ticks */
static double ns_per_tick = 1.0;
static uint64_t flushes;	/* ptcore's iotlb_flush callback: counts, like the peer's */

static uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * The time stamp counter where there is one (x86-64: invariant, ~0.3 ns a
 * tick, fenced so that earlier work has completed), otherwise the clock.
 */
static inline uint64_t now_ticks(void)
{
#if defined(__x86_64__)
	uint32_t lo, hi;

	__asm__ __volatile__("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
#else
	return clock_ns();
#endif
}

static uint64_t elapsed(uint64_t t0, uint64_t t1)
{
	uint64_t d = t1 - t0;

	return d > timer_cost ? d - timer_cost : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct stat2 {
	double min, median;
};

/* Sorts @v (ticks); ns per operation when a sample covers @div operations. */
static struct stat2 stats_of(uint64_t *v, size_t n, double div)
{
	struct stat2 s;

	qsort(v, n, sizeof(*v), cmp_u64);
	s.min = (double)v[0] * ns_per_tick / div;
	s.median = (n & 1 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2) *
		   ns_per_tick / div;
	return s;
}

static void die(const char *what, long a, long b)
{
	fprintf(stderr, "bench: %s (%ld, %ld)\n", what, a, b);
	exit(1);
}

/* ---- the two implementations, behind one small interface ---- */

struct impl {
	struct ptcore_table *pt;
	struct peer *peer;
	struct peer_amdv2 *amdv2;	/* x86-64 rows: Linux 6.12's AMD v2 table */
	struct peer_v7s *v7s;		/* ARMv7s rows: Linux 6.12's io-pgtable-arm-v7s */
};

static void pt_flush_cb(void *cookie, const struct ptcore_gather *g)
{
	(void)cookie; (void)g;
	flushes++;
}

static const struct ptcore_ops pt_ops = { .iotlb_flush = pt_flush_cb };

/* @kind: 0 ptcore, k + 1 the peer configuration peer_cfgs[k] */
static void impl_create_ops(struct impl *im, int kind, uint32_t format, unsigned int g,
			    unsigned int ias, unsigned int oas, const struct ptcore_ops *ops)
{
	memset(im, 0, sizeof(*im));
	if (kind) {
		im->peer = peer_create_version(peer_cfgs[kind - 1].version, format, g, ias, oas,
					       peer_cfgs[kind - 1].flags);
		if (!im->peer)
			die("the peer refused a configuration", format, g);
	} else {
		struct ptcore_cfg c;
		int r;

		memset(&c, 0, sizeof(c));
		c.format = format;
		c.ias = (uint8_t)ias;
		c.oas = (uint8_t)oas;
		c.granule_lg2 = (uint8_t)g;
		c.ops = ops;
		r = ptcore_table_create(&c, &im->pt);
		if (r)
			die("ptcore_table_create failed", r, format);
	}
}

static void impl_create(struct impl *im, int kind, uint32_t format, unsigned int g,
			unsigned int ias, unsigned int oas)
{
	impl_create_ops(im, kind, format, g, ias, oas, &pt_ops);
}

static void impl_destroy(struct impl *im)
{
	if (im->pt)
		ptcore_table_destroy(im->pt);
	if (im->peer)
		peer_destroy(im->peer);
	if (im->amdv2)
		peer_amdv2_destroy(im->amdv2);
	if (im->v7s)
		peer_v7s_destroy(im->v7s);
}

static inline void impl_map(struct impl *im, uint64_t iova, uint64_t pa, uint64_t pgsize,
			    uint64_t count)
{
	uint64_t mapped = 0;
	int r;

	if (im->pt)
		r = ptcore_map_pages(im->pt, iova, pa, pgsize, count,
				     PTCORE_PROT_READ | PTCORE_PROT_WRITE | PTCORE_PROT_CACHE, 0, &mapped);
	else if (im->amdv2)
		r = peer_amdv2_map(im->amdv2, iova, pa, pgsize, count,
				   PTCORE_PROT_READ | PTCORE_PROT_WRITE | PTCORE_PROT_CACHE, &mapped);
	else if (im->v7s)
		r = peer_v7s_map(im->v7s, iova, pa, pgsize, count,
				 PTCORE_PROT_READ | PTCORE_PROT_WRITE | PTCORE_PROT_CACHE, &mapped);
	else
		r = peer_map(im->peer, iova, pa, pgsize, count,
			     PTCORE_PROT_READ | PTCORE_PROT_WRITE | PTCORE_PROT_CACHE, &mapped);
	if (r || mapped != pgsize * count)
		die(im->pt ? "ptcore map failed" : "peer map failed", r, (long)mapped);
}

/* Unmap and flush, as a driver's unmap + iotlb_sync. */
static inline void impl_unmap(struct impl *im, uint64_t iova, uint64_t pgsize, uint64_t count)
{
	uint64_t done;

	if (im->pt) {
		struct ptcore_gather g;

		ptcore_gather_init(&g);
		done = ptcore_unmap_pages(im->pt, iova, pgsize, count, &g);
		ptcore_iotlb_sync(im->pt, &g);
	} else if (im->amdv2) {
		/* the AMD driver flushes in its iotlb_sync, outside the page table: not timed */
		done = peer_amdv2_unmap(im->amdv2, iova, pgsize, count);
	} else if (im->v7s) {
		/* strict: tlb_add_page per page (counted), as the 6.12 peers' strict gather */
		done = peer_v7s_unmap_pages(im->v7s, iova, pgsize, count);
	} else {
		done = peer_unmap(im->peer, iova, pgsize, count);
		peer_iotlb_sync(im->peer);
	}
	if (done != pgsize * count)
		die(im->pt ? "ptcore unmap incomplete" : "peer unmap incomplete", (long)done, 0);
}

static inline uint64_t impl_lookup(struct impl *im, uint64_t iova)
{
	uint64_t pa = 0;

	if (im->pt) {
		if (ptcore_iova_to_phys(im->pt, iova, &pa))
			die("ptcore lookup failed", 0, 0);
		return pa;
	}
	return peer_iova_to_phys(im->peer, iova);
}

/* ---- results ---- */

/* Instruction-count phases of a workload's timed sections. */
enum { PH_MAP, PH_UNMAP, PH_BOTH, PH_NONE };	/* PH_BOTH: map + unmap */

struct row {
	const char *format;
	const char *granule;
	char workload[48];
	int peer;		/* index into peer_cfgs */
	struct stat2 pt, peer_t;
	double limit;
	int no_limit;		/* no physical limit: printed as "-" */
	int own_summary;	/* group ops: not in the overall ratio summary */
	int ic_group, ic_phase;	/* the timed sections the instructions come from */
	int ic_impl;		/* ptcore's implementation index in that group (ops: 0 or 1) */
	int ic_peer_impl;	/* the peer's */
	double ins_pt, ins_peer;	/* instructions per call; < 0: not counted */
};

static struct row rows[512];
static int nrows;

static struct row *new_row(const char *format, const char *granule, const char *workload,
			   int peer)
{
	struct row *r = &rows[nrows++];

	if (nrows > (int)(sizeof(rows) / sizeof(rows[0])))
		die("too many rows", nrows, 0);
	if (strchr(workload, ','))
		die("a workload name would break the CSV", 0, 0);
	memset(r, 0, sizeof(*r));
	r->format = format;
	r->granule = granule;
	r->peer = peer;
	r->ic_phase = PH_NONE;
	r->ins_pt = r->ins_peer = -1;
	snprintf(r->workload, sizeof(r->workload), "%s", workload);
	return r;
}

/* ---- instruction counts: the callgrind pass ---- */

static int icount_mode;		/* this process runs under callgrind for the counts */
static int ic_group;		/* the workload being run (same sequence in both passes) */

/* Start counting a timed section (only in the callgrind pass, after the warm-up). */
static inline void ic_on(int counted)
{
	if (icount_mode && counted)
		CALLGRIND_TOGGLE_COLLECT;
}

/* End it: one profile part named after group, implementation, phase and calls. */
static void ic_off(int counted, int impl, int phase, uint64_t calls)
{
	char label[64];

	if (!icount_mode || !counted)
		return;
	CALLGRIND_TOGGLE_COLLECT;
	snprintf(label, sizeof(label), "ic g%d i%d p%d n%" PRIu64, ic_group, impl, phase, calls);
	CALLGRIND_DUMP_STATS_AT(label);
}

/*
 * Rows for one workload: ptcore's samples @vpt against each peer's @vpeer[k]
 * (ns per call: samples / @div), all with the same @limit, instructions from
 * @phase of the current group.
 */
static struct row *add_rows_impl(const char *format, const char *granule, const char *name,
				 uint64_t *vpt, uint64_t *const *vpeer, unsigned int rounds,
				 double div, double limit, int phase, int pt_impl, int peer_impl0)
{
	struct stat2 pt = stats_of(vpt, rounds, div);
	struct row *first = NULL;
	int k;

	for (k = 0; k < NPEER; k++) {
		struct row *r = new_row(format, granule, name, k);

		r->pt = pt;
		r->peer_t = stats_of(vpeer[k], rounds, div);
		r->limit = limit;
		r->ic_group = ic_group;
		r->ic_phase = phase;
		r->ic_impl = pt_impl;
		r->ic_peer_impl = peer_impl0 + k;
		if (!first)
			first = r;
	}
	return first;
}

static void add_rows(const char *format, const char *granule, const char *name, uint64_t *vpt,
		     uint64_t *const *vpeer, unsigned int rounds, double div, double limit,
		     int phase)
{
	add_rows_impl(format, granule, name, vpt, vpeer, rounds, div, limit, phase, 0, 1);
}

/*
 * Warm-up rounds that calibrate the batch: 20, but at most half the warm-up,
 * so that every batch's ranges are populated before the counted rounds.
 */
static unsigned int calib_rounds(unsigned int warmup)
{
	unsigned int cal = warmup / 2 < 20 ? warmup / 2 : 20;

	return cal ? cal : 1;
}

/* Calls per batch so that @ns_per_call x batch >= BATCH_NS, at most @max. */
static unsigned int batch_for(double ns_per_call, unsigned int max)
{
	double b = ns_per_call > 0.5 ? BATCH_NS / ns_per_call : BATCH_NS / 0.5;
	unsigned int n = b >= (double)max ? max : (unsigned int)b + 1;

	return n ? n : 1;
}

/*
 * A workload's batch: from its calibration, except in the callgrind pass,
 * whose clock says nothing (every call looks slow there, which would give
 * batches of one, and count the timer reads and the collection toggles as
 * part of each call): there the largest batch, so that they vanish from the
 * count per call.
 */
static unsigned int workload_batch(double ns_per_call, unsigned int max)
{
	return icount_mode ? max : batch_for(ns_per_call, max);
}

/* ---- the physical limit: memset of the PTE bytes ---- */

static uint8_t *limit_buf;
#define LIMIT_BUF_BYTES	(4u << 20)

/* Timed in batches of BATCH_NS or more, like the workloads. */
static double memset_ns(size_t bytes, unsigned int rounds, double div)
{
	uint64_t *v = malloc(sizeof(*v) * rounds), t0;
	unsigned int i, k, reps;
	struct stat2 s;

	if (!v || bytes > LIMIT_BUF_BYTES)
		die("memset_ns", (long)bytes, 0);
	memset(limit_buf, 1, bytes);	/* warm, like the tables after the warm-up */
	t0 = now_ticks();
	for (k = 0; k < 64; k++) {
		memset(limit_buf, (int)(k & 0xff), bytes);
		__asm__ __volatile__("" : : "r"(limit_buf) : "memory");
	}
	reps = batch_for((double)elapsed(t0, now_ticks()) * ns_per_tick / 64, 1u << 16);
	for (i = 0; i < rounds; i++) {
		t0 = now_ticks();
		for (k = 0; k < reps; k++) {
			memset(limit_buf, (int)((i + k) & 0xff), bytes);
			__asm__ __volatile__("" : : "r"(limit_buf) : "memory");
		}
		v[i] = elapsed(t0, now_ticks());
	}
	s = stats_of(v, rounds, div * reps);
	free(v);
	return s.median;
}

/* ---- workloads ---- */

struct cfgdesc {
	const char *name;
	uint32_t format;
	unsigned int g, ias, oas;
	const char *gname;
};

static const char *size_name(uint64_t s, char *buf, size_t len)
{
	if (s >= (1ULL << 30))
		snprintf(buf, len, "%" PRIu64 "G", s >> 30);
	else if (s >= (1ULL << 20))
		snprintf(buf, len, "%" PRIu64 "M", s >> 20);
	else
		snprintf(buf, len, "%" PRIu64 "K", s >> 10);
	return buf;
}

/* Smallest power of two >= @x (x > 0). */
static uint64_t pow2_up(uint64_t x)
{
	return x <= 1 ? 1 : 1ULL << (64 - __builtin_clzll(x - 1));
}

/*
 * The timed loop of the map/unmap workloads: every round each of the @n
 * implementations maps @count pages of @pgsize at a batch of ranges @stride
 * apart and unmaps them, who goes first rotating; samples (ticks per batch)
 * in @vmap, @vunmap and @vboth[implementation][round]. The batch is sized
 * from a calibration (the first rounds of the warm-up) of the fastest
 * implementation, at most @bmax; returns it.
 */
static unsigned int time_map_unmap(struct impl *im, int n, uint64_t iova, uint64_t pa,
				   uint64_t stride, uint64_t pgsize, uint64_t count, unsigned int bmax,
				   unsigned int warmup, unsigned int rounds, uint64_t **vmap,
				   uint64_t **vunmap, uint64_t **vboth)
{
	const unsigned int cal = calib_rounds(warmup);
	unsigned int i, k, batch = 1;
	double fastest = 1e30;
	int s;

	for (i = 0; i < warmup + rounds; i++) {
		for (s = 0; s < n; s++) {
			int who = (int)((i + (unsigned int)s) % (unsigned int)n);
			int counted = i >= warmup;
			uint64_t t0, t1, t2;

			ic_on(counted);
			t0 = now_ticks();
			for (k = 0; k < batch; k++)
				impl_map(&im[who], iova + k * stride, pa + k * stride, pgsize, count);
			t1 = now_ticks();
			ic_off(counted, who, PH_MAP, batch);
			ic_on(counted);
			t2 = now_ticks();
			for (k = 0; k < batch; k++)
				impl_unmap(&im[who], iova + k * stride, pgsize, count);
			t2 = elapsed(t2, now_ticks());
			ic_off(counted, who, PH_UNMAP, batch);
			if (counted) {
				vmap[who][i - warmup] = elapsed(t0, t1);
				vunmap[who][i - warmup] = t2;
				vboth[who][i - warmup] = elapsed(t0, t1) + t2;
			}
			if (i < cal && batch == 1) {
				double ns = (double)(elapsed(t0, t1) < t2 ? elapsed(t0, t1) : t2) *
					    ns_per_tick;

				if (ns < fastest)
					fastest = ns;
			}
		}
		if (i + 1 == cal)
			batch = workload_batch(fastest, bmax);
	}
	return batch;
}

/*
 * count pages of pgsize at iova -> pa, mapped then unmapped every round.
 * count == 1: rows "1xS map+unmap", "1xS map", "1xS unmap"; a sample is a
 * batch of single-page calls on neighbouring pages (each unmap with its own
 * flush); otherwise rows "NxS map" and "NxS unmap", a sample the same call
 * on a batch of ranges side by side (each its own leaf tables: a stride of
 * the range rounded up to a power of two, at least one leaf table's span).
 * Figures per call; the timed loop is time_map_unmap().
 */
static void run_map_unmap(const struct cfgdesc *cd, uint64_t iova, uint64_t pa, uint64_t pgsize,
			  uint64_t count, unsigned int warmup, unsigned int rounds)
{
	struct impl im[NIMPL];
	uint64_t *vmap[NIMPL], *vunmap[NIMPL], *vboth[NIMPL], stride, span;
	unsigned int batch, bmax;
	int s;
	char sz[16], name[48];

	span = pgsize << (cd->g - 3);		/* of one leaf table */
	if (count == 1) {
		stride = pgsize;
		bmax = 1u << (cd->g - 3);	/* neighbours in one leaf table */
	} else {
		stride = pow2_up(pgsize * count);
		if (stride < span && pgsize < span)
			stride = span;
		bmax = (unsigned int)(((1ULL << cd->ias) - iova) / stride);
		if (bmax > 256)
			bmax = 256;
	}
	ic_group++;
	for (s = 0; s < NIMPL; s++) {
		impl_create(&im[s], s, cd->format, cd->g, cd->ias, cd->oas);
		vmap[s] = malloc(sizeof(uint64_t) * rounds);
		vunmap[s] = malloc(sizeof(uint64_t) * rounds);
		vboth[s] = malloc(sizeof(uint64_t) * rounds);
		if (!vmap[s] || !vunmap[s] || !vboth[s])
			die("out of memory", 0, 0);
	}
	batch = time_map_unmap(im, NIMPL, iova, pa, stride, pgsize, count, bmax, warmup, rounds,
			       vmap, vunmap, vboth);
	size_name(pgsize, sz, sizeof(sz));
	if (count == 1) {
		double l1 = memset_ns(PTE_BYTES, rounds, 1);

		snprintf(name, sizeof(name), "1x%s map+unmap", sz);
		add_rows(cd->name, cd->gname, name, vboth[0], &vboth[1], rounds, batch,
			 memset_ns(2 * PTE_BYTES, rounds, 1), PH_BOTH);
		snprintf(name, sizeof(name), "1x%s map", sz);
		add_rows(cd->name, cd->gname, name, vmap[0], &vmap[1], rounds, batch, l1, PH_MAP);
		snprintf(name, sizeof(name), "1x%s unmap", sz);
		add_rows(cd->name, cd->gname, name, vunmap[0], &vunmap[1], rounds, batch, l1,
			 PH_UNMAP);
	} else {
		double l = memset_ns(count * PTE_BYTES, rounds, 1);

		snprintf(name, sizeof(name), "%" PRIu64 "x%s map", count, sz);
		add_rows(cd->name, cd->gname, name, vmap[0], &vmap[1], rounds, batch, l, PH_MAP);
		snprintf(name, sizeof(name), "%" PRIu64 "x%s unmap", count, sz);
		add_rows(cd->name, cd->gname, name, vunmap[0], &vunmap[1], rounds, batch, l,
			 PH_UNMAP);
	}
	for (s = 0; s < NIMPL; s++) {
		impl_destroy(&im[s]);
		free(vmap[s]);
		free(vunmap[s]);
		free(vboth[s]);
	}
}

/*
 * A format with one peer of its own: run_map_unmap()'s method and rows,
 * ptcore and that peer, with one row each against peer_cfgs[@peer].
 * PEER_AMDV2: x86-64 (PTCORE_FMT_X86_64, 4 levels) against Linux 6.12's
 * AMD IOMMU v2 table (amd/io_pgtable_v2.c); the v2 table has no gather, its
 * unmap is the page table's part only (the driver's flush comes later, in
 * its iotlb_sync). PEER_V7S: the ARM short descriptors (PTCORE_FMT_ARM_V7S,
 * ias 32) against io-pgtable-arm-v7s.c, whose strict gather only counts its
 * tlb_add_page calls, as ptcore's flush callback counts; its 32-bit entries
 * (16 of them for a 64K or 16M leaf) set the limit, and the batch stays
 * below 4G.
 */
static void run_peer_map_unmap(int peer, uint64_t iova, uint64_t pa, uint64_t pgsize,
			       uint64_t count, unsigned int warmup, unsigned int rounds)
{
	uint64_t *vmap[2], *vunmap[2], *vboth[2], stride, pte_bytes = PTE_BYTES;
	unsigned int i, batch, bmax, table_bits = 9;
	double limit;
	struct impl im[2];
	char sz[16], name[48];
	struct row *r;
	int s, ph;

	if (peer == PEER_V7S) {
		table_bits = 8;
		pte_bytes = pgsize == (1ULL << 16) || pgsize == (1ULL << 24) ? 4 * 16 : 4;
	}
	stride = count == 1 ? pgsize : pow2_up(pgsize * count);
	if (count > 1 && stride < (pgsize << table_bits) && pgsize < (1ULL << 30))
		stride = pgsize << table_bits;	/* each range in its own leaf tables */
	bmax = count == 1 ? 512 : 256;
	ic_group++;
	memset(&im[1], 0, sizeof(im[1]));
	if (peer == PEER_V7S) {
		impl_create(&im[0], 0, PTCORE_FMT_ARM_V7S, 12, 32, 32);
		im[1].v7s = peer_v7s_create((1ULL << 12) | (1ULL << 16) | (1ULL << 20) |
					    (1ULL << 24), 32, 32, 0);
		if (!im[1].v7s)
			die("the v7s peer failed", 0, 0);
		/* the batch of ranges ends below 4G */
		while (bmax > 1 && iova + (uint64_t)bmax * stride > (1ULL << 32))
			bmax /= 2;
	} else {
		impl_create(&im[0], 0, PTCORE_FMT_X86_64, 12, 48, 52);
		im[1].amdv2 = peer_amdv2_create(4);
		if (!im[1].amdv2)
			die("the AMD v2 peer failed", 0, 0);
	}
	for (s = 0; s < 2; s++) {
		vmap[s] = malloc(sizeof(uint64_t) * rounds);
		vunmap[s] = malloc(sizeof(uint64_t) * rounds);
		vboth[s] = malloc(sizeof(uint64_t) * rounds);
		if (!vmap[s] || !vunmap[s] || !vboth[s])
			die("out of memory", 0, 0);
	}
	batch = time_map_unmap(im, 2, iova, pa, stride, pgsize, count, bmax, warmup, rounds, vmap,
			       vunmap, vboth);
	size_name(pgsize, sz, sizeof(sz));
	limit = memset_ns(count * pte_bytes, rounds, 1);
	/* rows as run_map_unmap(): 1xS map+unmap, map, unmap; NxS map, unmap */
	for (i = count == 1 ? 0 : 1; i < 3; i++) {
		uint64_t **v;

		ph = i == 0 ? PH_BOTH : i == 1 ? PH_MAP : PH_UNMAP;
		v = ph == PH_BOTH ? vboth : ph == PH_MAP ? vmap : vunmap;

		if (ph == PH_BOTH)
			snprintf(name, sizeof(name), "1x%s map+unmap", sz);
		else
			snprintf(name, sizeof(name), "%" PRIu64 "x%s %s", count, sz,
				 ph == PH_MAP ? "map" : "unmap");
		r = new_row(peer == PEER_V7S ? "ARM-V7S" : "X86-64", "4K", name, peer);
		r->pt = stats_of(v[0], rounds, batch);
		r->peer_t = stats_of(v[1], rounds, batch);
		r->limit = ph == PH_BOTH ? 2 * limit : limit;
		r->ic_group = ic_group;
		r->ic_phase = ph;
		r->ic_impl = 0;
		r->ic_peer_impl = 1;
	}
	for (s = 0; s < 2; s++) {
		impl_destroy(&im[s]);
		free(vmap[s]);
		free(vunmap[s]);
		free(vboth[s]);
	}
}

/* 1 GiB in 4K pages from an empty table (fresh table every round). */
static void run_bulk(const struct cfgdesc *cd, unsigned int warmup, unsigned int rounds)
{
	const uint64_t iova = 1ULL << 39, pa = 1ULL << 40, pgsize = 4096, count = 1ULL << 18;
	uint64_t *vmap[NIMPL], *vunmap[NIMPL];
	unsigned int i;
	int s;

	ic_group++;
	for (s = 0; s < NIMPL; s++) {
		vmap[s] = malloc(sizeof(uint64_t) * rounds);
		vunmap[s] = malloc(sizeof(uint64_t) * rounds);
		if (!vmap[s] || !vunmap[s])
			die("out of memory", 0, 0);
	}
	for (i = 0; i < warmup + rounds; i++) {
		for (s = 0; s < NIMPL; s++) {
			int who = (int)((i + (unsigned int)s) % NIMPL);
			int counted = i >= warmup;
			struct impl im;
			uint64_t t0, t1, t2;

			impl_create(&im, who, cd->format, cd->g, cd->ias, cd->oas);
			ic_on(counted);
			t0 = now_ticks();
			impl_map(&im, iova, pa, pgsize, count);
			t1 = now_ticks();
			ic_off(counted, who, PH_MAP, 1);
			ic_on(counted);
			t2 = now_ticks();
			impl_unmap(&im, iova, pgsize, count);
			t2 = elapsed(t2, now_ticks());
			ic_off(counted, who, PH_UNMAP, 1);
			impl_destroy(&im);
			if (counted) {
				vmap[who][i - warmup] = elapsed(t0, t1);
				vunmap[who][i - warmup] = t2;
			}
		}
	}
	add_rows(cd->name, cd->gname, "1GiB in 4K map (empty table)", vmap[0], &vmap[1], rounds, 1,
		 memset_ns(count * PTE_BYTES, rounds, 1), PH_MAP);
	add_rows(cd->name, cd->gname, "1GiB in 4K unmap", vunmap[0], &vunmap[1], rounds, 1,
		 rows[nrows - 1].limit, PH_UNMAP);
	for (s = 0; s < NIMPL; s++) {
		free(vmap[s]);
		free(vunmap[s]);
	}
}

/* iova_to_phys at random mapped addresses: 64 MiB of 4K pages, 256 lookups a round. */
static void run_lookup(const struct cfgdesc *cd, unsigned int warmup, unsigned int rounds)
{
	const uint64_t iova = 1ULL << 39, pa = 1ULL << 40, pgsize = 4096, count = 1ULL << 14;
	enum { PER_ROUND = 256 };
	uint64_t *addr = malloc(sizeof(uint64_t) * PER_ROUND * 64);
	uint64_t *v[NIMPL], rng = 0x1234567, sink = 0;
	struct impl im[NIMPL];
	unsigned int i, j;
	int s;

	if (!addr)
		die("out of memory", 0, 0);
	ic_group++;
	for (j = 0; j < PER_ROUND * 64; j++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		addr[j] = iova + rng % (pgsize * count);
	}
	for (s = 0; s < NIMPL; s++) {
		impl_create(&im[s], s, cd->format, cd->g, cd->ias, cd->oas);
		impl_map(&im[s], iova, pa, pgsize, count);
		v[s] = malloc(sizeof(uint64_t) * rounds);
		if (!v[s])
			die("out of memory", 0, 0);
	}
	for (i = 0; i < warmup + rounds; i++) {
		const uint64_t *a = &addr[(i % 64) * PER_ROUND];

		for (s = 0; s < NIMPL; s++) {
			int who = (int)((i + (unsigned int)s) % NIMPL);
			int counted = i >= warmup;
			uint64_t t0, t1;

			ic_on(counted);
			t0 = now_ticks();
			for (j = 0; j < PER_ROUND; j++)
				sink += impl_lookup(&im[who], a[j]);
			t1 = now_ticks();
			ic_off(counted, who, PH_MAP, PER_ROUND);
			if (counted)
				v[who][i - warmup] = elapsed(t0, t1);
		}
	}
	if (sink == 0)
		die("lookups found nothing", 0, 0);
	/* A walk reads one entry per level: 4 levels here. */
	add_rows(cd->name, cd->gname, "iova_to_phys (random in 64MiB of 4K)", v[0], &v[1], rounds,
		 PER_ROUND, memset_ns(4 * PTE_BYTES * PER_ROUND, rounds, PER_ROUND), PH_MAP);
	for (s = 0; s < NIMPL; s++) {
		impl_unmap(&im[s], iova, pgsize, count);
		impl_destroy(&im[s]);
		free(v[s]);
	}
	free(addr);
}

/*
 * ---- group "dirty": read_and_clear_dirty over 1 GiB of 4K pages, 1% dirty ----
 *
 * ptcore with PTCORE_FEAT_DIRTY_TRACKING against 6.12 with
 * IO_PGTABLE_QUIRK_ARM_HD (6.1 has no dirty tracking), ARM stage 1 4K. Both
 * map 1 GiB of writable 4K pages once. Every round, untimed, a device
 * "writes" 1% of the pages (the same 2621 pages every round, spread at
 * random: AP[2] cleared in their leaves, as the SMMU's HTTU does); then,
 * timed, read_and_clear_dirty of the whole GiB and the sync of its gather
 * (the peer's gather is iommufd's own, never queued: one row, 6.12-strict).
 * The first (warm-up) round also cleans the fresh mappings, which start dirty.
 */
#define DIRTY_PAGES	(1u << 18)
#define DIRTY_MARKED	(DIRTY_PAGES / 100)

static uint64_t dirty_seen;

static void dirty_pt_cb(void *arg, const struct ptcore_range *runs, uint32_t n)
{
	uint32_t i;

	(void)arg;
	for (i = 0; i < n; i++)
		dirty_seen += runs[i].size >> 12;
}

static void dirty_peer_cb(void *arg, uint64_t iova, uint64_t size)
{
	(void)arg; (void)iova;
	dirty_seen += size >> 12;
}

/* The 4K leaf of @iova in a 4-level ARM 4K table rooted at @root (CPU address). */
static uint64_t *arm4k_leaf(uint64_t *root, uint64_t iova, const struct impl *im)
{
	uint64_t *t = root;
	int shift;

	for (shift = 39; shift > 12; shift -= 9) {
		uint64_t e = t[(iova >> shift) & 511];

		if ((e & 3) != 3)
			die("dirty: no table on the walk", (long)iova, shift);
		t = im->pt ? ptcore_phys_to_virt(im->pt, e & 0xfffffffff000ULL) :
			     peer_phys_to_virt(im->peer, e & 0xfffffffff000ULL);
	}
	return &t[(iova >> 12) & 511];
}

static void run_dirty(unsigned int warmup, unsigned int rounds)
{
	const uint64_t iova = 1ULL << 39, pa = 1ULL << 40, len = (uint64_t)DIRTY_PAGES << 12;
	uint64_t *v[2], *leaves[2][DIRTY_MARKED], rng = 0x9e3779b9, expect = 0;
	struct impl im[2];
	struct ptcore_cfg c;
	struct ptcore_hw_info hi;
	struct peer_info pi;
	unsigned int i, j;
	int s, r;
	struct row *row;

	memset(&c, 0, sizeof(c));
	c.format = PTCORE_FMT_ARM64_LPAE_S1;
	c.features = PTCORE_FEAT_DIRTY_TRACKING;
	c.ias = 48;
	c.oas = 48;
	c.granule_lg2 = 12;
	c.ops = &pt_ops;
	memset(im, 0, sizeof(im));
	r = ptcore_table_create(&c, &im[0].pt);
	if (r)
		die("dirty: ptcore refused PTCORE_FEAT_DIRTY_TRACKING", r, 0);
	im[1].peer = peer_create_version(PEER_6_12, PTCORE_FMT_ARM64_LPAE_S1, 12, 48, 48,
					 PEER_ARM_HD);
	if (!im[1].peer)
		die("dirty: 6.12 refused IO_PGTABLE_QUIRK_ARM_HD", 0, 0);
	ic_group++;
	for (s = 0; s < 2; s++) {
		impl_map(&im[s], iova, pa, 4096, DIRTY_PAGES);
		v[s] = malloc(sizeof(uint64_t) * rounds);
		if (!v[s])
			die("out of memory", 0, 0);
	}
	ptcore_hw_info(im[0].pt, &hi);
	peer_info(im[1].peer, &pi);
	/* The pages (a few may repeat: both see the same ones). */
	for (j = 0; j < DIRTY_MARKED; j++) {
		uint64_t at;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		at = iova + (rng % DIRTY_PAGES) * 4096;
		leaves[0][j] = arm4k_leaf(ptcore_phys_to_virt(im[0].pt, hi.root[0]), at, &im[0]);
		leaves[1][j] = arm4k_leaf(peer_phys_to_virt(im[1].peer, pi.root[0]), at, &im[1]);
	}
	for (i = 0; i < warmup + rounds; i++) {
		for (s = 0; s < 2; s++) {
			int who = (int)((i + (unsigned int)s) & 1), counted = i >= warmup;
			uint64_t t0, t1;

			for (j = 0; j < DIRTY_MARKED; j++)
				*leaves[who][j] &= ~(1ULL << 7);	/* the device's write */
			dirty_seen = 0;
			ic_on(counted);
			t0 = now_ticks();
			if (who == 0) {
				struct ptcore_gather g;

				ptcore_gather_init(&g);
				r = ptcore_read_and_clear_dirty(im[0].pt, iova, len, 0, &g, dirty_pt_cb,
								NULL);
				ptcore_iotlb_sync(im[0].pt, &g);
			} else {
				r = peer_read_and_clear_dirty(im[1].peer, iova, len, 0, dirty_peer_cb,
							      NULL);
				peer_iotlb_sync(im[1].peer);
			}
			t1 = now_ticks();
			ic_off(counted, who ? 3 : 0, PH_MAP, 1);
			if (r)
				die("dirty: read_and_clear_dirty failed", r, who);
			if (i > 0 && s == 0)
				expect = dirty_seen;
			if (i > 0 && dirty_seen != expect)
				die("dirty: the two report different page counts", (long)dirty_seen,
				    (long)expect);
			if (counted)
				v[who][i - warmup] = elapsed(t0, t1);
		}
	}
	row = new_row("ARM-S1", "4K", "read_and_clear_dirty 1GiB 4K 1%", 2);
	row->pt = stats_of(v[0], rounds, 1);
	row->peer_t = stats_of(v[1], rounds, 1);
	row->limit = memset_ns((size_t)DIRTY_PAGES * PTE_BYTES, rounds, 1);
	row->ic_group = ic_group;
	row->ic_phase = PH_MAP;
	row->ic_impl = 0;
	row->ic_peer_impl = 3;
	row->own_summary = 1;	/* not in the per-peer ratio lines, which compare map/unmap */
	printf("dirty: %" PRIu64 " of %u pages reported dirty per round by both\n", expect,
	       DIRTY_PAGES);
	for (s = 0; s < 2; s++) {
		impl_unmap(&im[s], iova, 4096, DIRTY_PAGES);
		impl_destroy(&im[s]);
		free(v[s]);
	}
}

/*
 * ---- group "ops": map_range against the kernel's map_pages loop, and
 * PTCORE_FEAT_FREE_EMPTY_TABLES on against off ----
 *
 * Two ptcore variants (v = 0, 1) and the peers (v = 2 + k, peer_cfgs[k]) run
 * every workload, interleaved round by round (the order rotates with the
 * round). Each row is one ptcore variant against one peer (ratio = ptcore /
 * peer, as everywhere); the variant against variant ratios are printed in a
 * summary after the table. These rows are left out of the overall ratio
 * summary line, which stays over the rows it always covered. A sample is a
 * batch of copies of the workload, OPS_COPY apart (each with tables of its
 * own below the root), figures per copy.
 */
#define OPS_VARIANTS	(2 + NPEER)
#define OPS_PARTS	16
#define OPS_COPY	(1ULL << 39)
#define OPS_MAX_COPIES	64
#define SINGLES		16	/* free-empty workloads: single-page calls per copy */

struct ops_part {
	uint64_t pgsize, count;
};

/* Linux's iommu_pgsize() over a whole range, as __iommu_map() calls map_pages. */
static unsigned int kernel_split(uint64_t bitmap, uint64_t iova, uint64_t pa, uint64_t size,
				 struct ops_part *parts)
{
	unsigned int n = 0;

	while (size) {
		uint64_t merge = iova | pa, sizes, bigger, len = size;
		unsigned int idx;

		sizes = bitmap & (~0ULL >> (63 - (63 - __builtin_clzll(size))));
		if (merge)
			sizes &= ~0ULL >> (63 - __builtin_ctzll(merge));
		if (!sizes)
			die("kernel_split: no page size fits", (long)iova, (long)size);
		idx = 63 - (unsigned int)__builtin_clzll(sizes);
		bigger = idx < 63 ? bitmap & ~(~0ULL >> (63 - idx)) : 0;
		if (bigger) {
			uint64_t next = 1ULL << __builtin_ctzll(bigger);
			uint64_t offset = next - (merge & (next - 1));

			if (!((iova ^ pa) & (next - 1)) && offset + next <= len)
				len = offset;
		}
		if (n == OPS_PARTS)
			die("kernel_split: too many parts", (long)iova, (long)size);
		parts[n].pgsize = 1ULL << idx;
		parts[n].count = len >> idx;
		len = parts[n].count << idx;
		n++;
		iova += len;
		pa += len;
		size -= len;
	}
	return n;
}

/* "4K+2x2M+4K": the split, for a row's name. */
static void split_name(const struct ops_part *parts, unsigned int n, char *buf, size_t len)
{
	size_t at = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < n && at < len; i++) {
		char sz[16];

		size_name(parts[i].pgsize, sz, sizeof(sz));
		if (parts[i].count == 1)
			at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? "+" : "", sz);
		else
			at += (size_t)snprintf(buf + at, len - at, "%s%" PRIu64 "x%s", i ? "+" : "",
					       parts[i].count, sz);
	}
}

static void impl_create_pt(struct impl *im, const struct cfgdesc *cd, uint32_t features,
			   uint64_t pgsize_bitmap)
{
	struct ptcore_cfg c;
	int r;

	memset(im, 0, sizeof(*im));
	memset(&c, 0, sizeof(c));
	c.format = cd->format;
	c.features = features;
	c.pgsize_bitmap = pgsize_bitmap;
	c.ias = (uint8_t)cd->ias;
	c.oas = (uint8_t)cd->oas;
	c.granule_lg2 = (uint8_t)cd->g;
	c.ops = &pt_ops;
	r = ptcore_table_create(&c, &im->pt);
	if (r)
		die("ptcore_table_create failed", r, (long)features);
}

static uint64_t pt_bitmap(const struct impl *im)
{
	struct ptcore_hw_info hi;

	ptcore_hw_info(im->pt, &hi);
	return hi.pgsize_bitmap;
}

static struct {
	int valid;
	int n;
	struct {
		char what[64];
		double a, b;	/* medians, ns */
		const char *an, *bn;
	} r[24];
} ops_summary;

static void ops_note(const char *what, const char *an, double a, const char *bn, double b)
{
	int i = ops_summary.n++;

	if (i >= (int)(sizeof(ops_summary.r) / sizeof(ops_summary.r[0])))
		die("ops: too many summary lines", i, 0);
	ops_summary.valid = 1;
	snprintf(ops_summary.r[i].what, sizeof(ops_summary.r[i].what), "%s", what);
	ops_summary.r[i].an = an;
	ops_summary.r[i].a = a;
	ops_summary.r[i].bn = bn;
	ops_summary.r[i].b = b;
}

/* Rows of ptcore variant @v against every peer; the first of them. */
static struct row *ops_rows(const struct cfgdesc *cd, const char *name, int v, uint64_t **vs,
			    unsigned int rounds, double div, double limit, int phase)
{
	struct row *r = add_rows_impl(cd->name, cd->gname, name, vs[v], &vs[2], rounds, div,
				      limit, phase, v, 2);
	int k;

	for (k = 0; k < NPEER; k++)
		r[k].own_summary = 1;
	return r;
}

/*
 * map_range against the map_pages loop: [iova, iova + len) -> pa.
 * v 0: ptcore_map_range(), one call; v 1: ptcore_map_pages() once per part of
 * the kernel's split of ptcore's bitmap (what __iommu_map() would call);
 * v 2 + k: the peers' map_pages the same way, with their own bitmap
 * (peer_map() repeats a part's call where io-pgtable stops at the end of a
 * table, as __iommu_map() does). Only the map is timed; between rounds
 * everything is unmapped and synced (ptcore: one ptcore_unmap() of the range;
 * the peers: unmap_pages per part of the split, as iommu_unmap() calls it,
 * then sync).
 */
static void run_map_range(const struct cfgdesc *cd, uint64_t bitmap, uint64_t iova, uint64_t pa,
			  uint64_t len, unsigned int warmup, unsigned int rounds)
{
	const unsigned int cal = calib_rounds(warmup);
	struct impl im[OPS_VARIANTS];
	struct ops_part ppt[OPS_PARTS], ppeer[OPS_PARTS];
	unsigned int npt, npeer, i, k, j, copies = 1;
	uint64_t *v[OPS_VARIANTS], entries = 0;
	struct peer_info pi;
	char split[40], name[48], what[64];
	double fastest = 1e30, limit;
	struct row *r;
	int s;

	ic_group++;
	impl_create_pt(&im[0], cd, 0, bitmap);
	impl_create_pt(&im[1], cd, 0, bitmap);
	for (s = 2; s < OPS_VARIANTS; s++)
		impl_create(&im[s], s - 1, cd->format, cd->g, cd->ias, cd->oas);
	peer_info(im[2].peer, &pi);
	npt = kernel_split(pt_bitmap(&im[0]), iova, pa, len, ppt);
	npeer = kernel_split(pi.pgsize_bitmap, iova, pa, len, ppeer);
	for (k = 0; k < npt; k++)
		entries += ppt[k].count * (ppt[k].pgsize == (1ULL << 16) ? 16 : 1);
	for (s = 0; s < OPS_VARIANTS; s++) {
		v[s] = malloc(sizeof(uint64_t) * rounds);
		if (!v[s])
			die("out of memory", 0, 0);
	}
	for (i = 0; i < warmup + rounds; i++) {
		for (s = 0; s < OPS_VARIANTS; s++) {
			int who = (int)((i + (unsigned int)s) % OPS_VARIANTS);
			int counted = i >= warmup;
			struct impl *m = &im[who];
			uint64_t t0, t1, mapped = 0, off;
			int ret = 0;

			ic_on(counted);
			t0 = now_ticks();
			for (j = 0; j < copies && !ret; j++) {
				uint64_t at = iova + j * OPS_COPY, pat = pa + j * OPS_COPY;

				off = 0;
				if (who == 0) {
					ret = ptcore_map_range(m->pt, at, pat, len, PTCORE_PROT_READ |
							       PTCORE_PROT_WRITE | PTCORE_PROT_CACHE,
							       0, &mapped);
				} else if (who == 1) {
					for (k = 0; k < npt && !ret; k++) {
						ret = ptcore_map_pages(m->pt, at + off, pat + off,
								       ppt[k].pgsize, ppt[k].count,
								       PTCORE_PROT_READ |
								       PTCORE_PROT_WRITE |
								       PTCORE_PROT_CACHE, 0, &mapped);
						off += mapped;
					}
					mapped = off;
				} else {
					for (k = 0; k < npeer && !ret; k++) {
						ret = peer_map(m->peer, at + off, pat + off,
							       ppeer[k].pgsize, ppeer[k].count,
							       PTCORE_PROT_READ | PTCORE_PROT_WRITE |
							       PTCORE_PROT_CACHE, &mapped);
						off += mapped;
					}
					mapped = off;
				}
				if (!ret && mapped != len)
					ret = -EIO;
			}
			t1 = now_ticks();
			ic_off(counted, who, PH_MAP, copies);
			if (ret)
				die("ops: map_range workload failed", ret, who);
			for (j = 0; j < copies; j++) {
				uint64_t at = iova + j * OPS_COPY;

				if (who < 2) {
					struct ptcore_gather g;
					uint64_t done = 0;

					ptcore_gather_init(&g);
					ret = ptcore_unmap(m->pt, at, len, &g, &done);
					ptcore_iotlb_sync(m->pt, &g);
					if (ret || done != len)
						die("ops: ptcore unmap failed", ret, (long)done);
				} else {
					for (k = 0, off = 0; k < npeer; k++) {
						uint64_t part = ppeer[k].pgsize * ppeer[k].count;

						if (peer_unmap(m->peer, at + off, ppeer[k].pgsize,
							       ppeer[k].count) != part)
							die("ops: peer unmap incomplete", (long)k, 0);
						off += part;
					}
					peer_iotlb_sync(m->peer);
				}
			}
			if (counted)
				v[who][i - warmup] = elapsed(t0, t1);
			if (i < cal && (double)elapsed(t0, t1) * ns_per_tick < fastest)
				fastest = (double)elapsed(t0, t1) * ns_per_tick;
		}
		if (i + 1 == cal)
			copies = workload_batch(fastest, OPS_MAX_COPIES);
	}
	split_name(ppt, npt, split, sizeof(split));
	if ((bitmap & (1ULL << 16)) && !strstr(split, "64K"))
		snprintf(split + strlen(split), sizeof(split) - strlen(split), " (+64K)");
	limit = memset_ns(entries * PTE_BYTES, rounds, 1);
	snprintf(name, sizeof(name), "map_range %s", split);
	r = ops_rows(cd, name, 0, v, rounds, copies, limit, PH_MAP);
	snprintf(name, sizeof(name), "map_pages %s", split);
	ops_rows(cd, name, 1, v, rounds, copies, limit, PH_MAP);
	snprintf(what, sizeof(what), "%s", r->workload + strlen("map_range "));
	ops_note(what, "map_range", r->pt.median, "map_pages loop", rows[nrows - NPEER].pt.median);
	for (s = 0; s < OPS_VARIANTS; s++) {
		impl_destroy(&im[s]);
		free(v[s]);
	}
}

/*
 * PTCORE_FEAT_FREE_EMPTY_TABLES on (v 0) against off (v 1), the peer (v 2,
 * which never frees a table that is not wholly covered) as the reference.
 * Each round maps @count pages of 4K at each of @n places @stride apart, then
 * unmaps them again (each unmap with its own sync), timed per call:
 *   n = 16, stride 4K: the existing "1x4K" workload (neighbours in one leaf
 *	table; the 16th unmap empties it, and the tables above it);
 *   @keep_at 511 x 4K: the same with the last page of that leaf table mapped
 *	all along, so no table ever empties: the cost of the emptiness scan
 *	alone (the unmaps go in IOVA order, so the k-th one's scan stops at
 *	page k + 1, and the 16th reads 496 empty entries before the kept page);
 *   stride 2M, @keep_at 511 x 2M: every page (or run of 256) alone in its
 *	leaf table, and a page mapped all along in another leaf table under
 *	the same level-2 table: each unmap empties exactly one leaf table,
 *	each map refills it (with the feature: one table freed and one
 *	allocated every call);
 *   stride 2M, no page kept: the unmap empties the leaf table and the two
 *	tables above it (everything below the root), the map allocates three.
 */
static void run_free_empty(const struct cfgdesc *cd, const char *label, uint64_t iova, uint64_t pa,
			   uint64_t count, unsigned int n, uint64_t stride, uint64_t keep_at,
			   int both, unsigned int warmup, unsigned int rounds)
{
	static const char *const vname[2] = { "fe-on", "fe-off" };
	const unsigned int cal = calib_rounds(warmup);
	const uint64_t pgsize = 4096;
	struct impl im[OPS_VARIANTS];
	uint64_t *vmap[OPS_VARIANTS], *vunmap[OPS_VARIANTS], *vboth[OPS_VARIANTS];
	unsigned int i, k, j, copies = 1;
	char name[48], what[64];
	double lmap, lboth, fastest = 1e30;
	int s;

	ic_group++;
	impl_create_pt(&im[0], cd, PTCORE_FEAT_FREE_EMPTY_TABLES, 0);
	impl_create_pt(&im[1], cd, 0, 0);
	for (s = 2; s < OPS_VARIANTS; s++)
		impl_create(&im[s], s - 1, cd->format, cd->g, cd->ias, cd->oas);
	for (s = 0; s < OPS_VARIANTS; s++) {
		vmap[s] = malloc(sizeof(uint64_t) * rounds);
		vunmap[s] = malloc(sizeof(uint64_t) * rounds);
		vboth[s] = malloc(sizeof(uint64_t) * rounds);
		if (!vmap[s] || !vunmap[s] || !vboth[s])
			die("out of memory", 0, 0);
		if (keep_at)
			for (j = 0; j < OPS_MAX_COPIES; j++)
				impl_map(&im[s], iova + j * OPS_COPY + keep_at,
					 pa + j * OPS_COPY + keep_at, pgsize, 1);
	}
	for (i = 0; i < warmup + rounds; i++) {
		for (s = 0; s < OPS_VARIANTS; s++) {
			int who = (int)((i + (unsigned int)s) % OPS_VARIANTS);
			int counted = i >= warmup;
			uint64_t t0, t1, t2;

			ic_on(counted);
			t0 = now_ticks();
			for (j = 0; j < copies; j++)
				for (k = 0; k < n; k++)
					impl_map(&im[who], iova + j * OPS_COPY + k * stride,
						 pa + j * OPS_COPY + k * stride, pgsize, count);
			t1 = now_ticks();
			ic_off(counted, who, PH_MAP, (uint64_t)copies * n);
			ic_on(counted);
			t2 = now_ticks();
			for (j = 0; j < copies; j++)
				for (k = 0; k < n; k++)
					impl_unmap(&im[who], iova + j * OPS_COPY + k * stride, pgsize,
						   count);
			t2 = elapsed(t2, now_ticks());
			ic_off(counted, who, PH_UNMAP, (uint64_t)copies * n);
			if (counted) {
				vmap[who][i - warmup] = elapsed(t0, t1);
				vunmap[who][i - warmup] = t2;
				vboth[who][i - warmup] = elapsed(t0, t1) + t2;
			}
			if (i < cal) {
				double ns = (double)(elapsed(t0, t1) < t2 ? elapsed(t0, t1) : t2) *
					    ns_per_tick;

				if (ns < fastest)
					fastest = ns;
			}
		}
		if (i + 1 == cal)
			copies = workload_batch(fastest, OPS_MAX_COPIES);
	}
	lmap = memset_ns(count * PTE_BYTES, rounds, 1);
	lboth = memset_ns(2 * count * PTE_BYTES, rounds, 1);
	for (s = 0; s < 2; s++) {
		if (both) {
			snprintf(name, sizeof(name), "%s map+unmap %s", label, vname[s]);
			ops_rows(cd, name, s, vboth, rounds, (double)n * copies, lboth, PH_BOTH);
		}
		snprintf(name, sizeof(name), "%s map %s", label, vname[s]);
		ops_rows(cd, name, s, vmap, rounds, (double)n * copies, lmap, PH_MAP);
		snprintf(name, sizeof(name), "%s unmap %s", label, vname[s]);
		ops_rows(cd, name, s, vunmap, rounds, (double)n * copies, lmap, PH_UNMAP);
	}
	/* on/off: rows [-2k] (on) against [-k] (off), k workloads per variant, NPEER rows each */
	k = both ? 3 : 2;
	for (i = 0; i < k; i++) {
		const struct row *on = &rows[nrows - (2 * (int)k - (int)i) * NPEER];
		const struct row *off = &rows[nrows - ((int)k - (int)i) * NPEER];

		snprintf(what, sizeof(what), "%.*s", (int)(strlen(on->workload) - strlen(" fe-on")),
			 on->workload);
		ops_note(what, "fe-on", on->pt.median, "fe-off", off->pt.median);
	}
	for (s = 0; s < OPS_VARIANTS; s++) {
		if (keep_at)
			for (j = 0; j < OPS_MAX_COPIES; j++)
				impl_unmap(&im[s], iova + j * OPS_COPY + keep_at, pgsize, 1);
		impl_destroy(&im[s]);
		free(vmap[s]);
		free(vunmap[s]);
		free(vboth[s]);
	}
}

static void run_ops(unsigned int warmup, unsigned int rounds)
{
	static const struct cfgdesc cd = { "ARM-S1", PTCORE_FMT_ARM64_LPAE_S1, 12, 48, 48, "4K" };
	const uint64_t base = 1ULL << 39, pa = 1ULL << 40;
	const uint64_t plain = (1ULL << 12) | (1ULL << 21) | (1ULL << 30);
	const uint64_t cont = plain | (1ULL << 16);
	/* 4K below 2M + 2M (not 1G-aligned, so the 2M blocks cross a level-2 table) */
	const uint64_t near2m = base + (3ULL << 30) + (5ULL << 21) - 4096;
	int c;

	for (c = 0; c < 2; c++) {
		uint64_t bm = c ? cont : plain;

		/* 4K, 2 x 2M, 4K */
		run_map_range(&cd, bm, base + 0x1ff000, pa + 0x1ff000, 0x402000, warmup, rounds);
		/* 1 GiB + 8K from 4K below a 2M boundary: 4K, 512 x 2M, 4K */
		run_map_range(&cd, bm, near2m, pa + (near2m - base), (1ULL << 30) + 8192, warmup,
			      rounds);
		/* 3 x 64K + 4K below 2M to as far past 2M + 4M: 4K pages, or 4K, 64K runs, ... */
		run_map_range(&cd, bm, base + 0x1cf000, pa + 0x1cf000, 0x462000, warmup, rounds);
	}
	run_free_empty(&cd, "1x4K", base, pa, 1, SINGLES, 4096, 0, 1, warmup, rounds);
	run_free_empty(&cd, "1x4K kept", base, pa, 1, SINGLES, 4096, 511 << 12, 0, warmup, rounds);
	run_free_empty(&cd, "1x4K alone", base, pa, 1, SINGLES, 1ULL << 21, 511ULL << 21, 0,
		       warmup, rounds);
	run_free_empty(&cd, "256x4K alone", base, pa, 256, 1, 1ULL << 21, 511ULL << 21, 0, warmup,
		       rounds);
	run_free_empty(&cd, "256x4K alone 3 tables", base, pa, 256, 1, 1ULL << 21, 0, 0, warmup,
		       rounds);
}

static void print_ops_summary(void)
{
	int i;

	if (!ops_summary.valid)
		return;
	printf("\nops: ptcore variant against variant (medians, ns per call)\n");
	printf("%-36s %-15s %10s %-15s %10s %7s\n", "workload", "a", "a ns", "b", "b ns", "a / b");
	for (i = 0; i < ops_summary.n; i++)
		printf("%-36s %-15s %10.1f %-15s %10.1f %7.3f\n", ops_summary.r[i].what,
		       ops_summary.r[i].an, ops_summary.r[i].a, ops_summary.r[i].bn,
		       ops_summary.r[i].b, ops_summary.r[i].a / ops_summary.r[i].b);
	printf("map_range: one ptcore_map_range(); map_pages: one ptcore_map_pages() per part of "
	       "Linux's iommu_pgsize()\nsplit (the row's name; \"(+64K)\": 64K in the bitmap, "
	       "unused by this range); the peer row: its map_pages\nper part of the split of its "
	       "own bitmap (4K, 2M, 1G: 6.1 has no contiguous sizes). fe-on/fe-off:\n"
	       "PTCORE_FEAT_FREE_EMPTY_TABLES; \"kept\": a page of the leaf table stays mapped; "
	       "\"alone\": pages 2M apart,\neach unmap empties one "
	       "leaf table (freed with fe-on) and each map refills it; \"3 tables\": the leaf table "
	       "and\nthe two above it\n");
}

/*
 * ---- concurrent unmap: throughput of table removal, 1 and 2 threads ----
 *
 * ARM stage 1, 4K granule. Thread w owns K slices of 2 MiB in one 1 GiB
 * region, so every thread's leaf tables hang off the same level-2 table (and
 * the same level-1 and root tables). Layout "blocks": thread w owns slices
 * [w*K, (w+1)*K); layout "interleaved": slices 2j + w, so neighbouring
 * entries of the shared level-2 table (one cache line holds 8) belong to
 * different threads, as with a per-CPU IOVA allocator.
 *
 * A round of a phase (implementation x threads x layout): all threads wait at
 * a spinning barrier, each maps its K slices (512 x 4K each: one whole leaf
 * table per slice), waits at the barrier again, then unmaps its slices, one
 * call per slice with its own gather and its own sync (as the DMA API's
 * unmaps: iommu_unmap picks pgsize 2M, count 1 for a 2M-aligned 2M range,
 * and so does the bench for both implementations). Every unmap removes
 * exactly one leaf table. The unmap phase of a round lasts from the first
 * thread's start to the last thread's end (time stamp counter, invariant and
 * common to the CPUs); ns per table = that / tables removed in the round.
 *
 * Both threads run every phase; in a 1-thread phase the other one only takes
 * part in the barriers (which CPU works alternates every round). The phases
 * of a round run in an order that rotates with the round. The TLB callbacks
 * of both only count, into counters of the calling thread.
 *
 * Table memory, the same for both implementations in every phase: either
 * ptcore's built-in allocator (one arena behind one mutex; a free poisons the
 * block), or "tcache": a per-thread cache of 4K blocks in front of it (a free
 * keeps up to TC_MAX blocks on the freeing thread, an allocation takes one
 * back and zeroes it, the built-in allocator is called only when the cache is
 * empty or full), roughly what the kernel's per-CPU page lists give
 * free_page() and alloc_page(). ptcore gets the cache through its
 * caller-supplied allocator (cfg.ops->alloc_table/free_table), the peer
 * through peer_thread_page_allocator(); with "builtin" ptcore uses its
 * built-in allocator (cfg.ops without allocator) and the peer calls it
 * directly, as the other workloads do.
 */
#define CU_THREADS	2
#define CU_SLICE	(1ULL << 21)
#define CU_MAX_K	256		/* 2 x 256 slices fill one level-2 table */

enum { CU_BLOCKS, CU_INTERLEAVED, CU_LAYOUTS };
static const char *const cu_layout_name[CU_LAYOUTS] = { "blocks", "interleaved" };
enum { CU_BUILTIN, CU_TCACHE, CU_ALLOCS };
static const char *const cu_alloc_name[CU_ALLOCS] = { "builtin", "tcache" };

/* The implementations of the concurrent group: ptcore, then the lazy peers. */
#define CU_IMPLS	3
static const int cu_peers[CU_IMPLS - 1] = { 1, 3 };	/* into peer_cfgs: 6.1-lazy, 6.12-lazy */

static const char *cu_impl_name(int impl)
{
	return impl ? peer_cfgs[cu_peers[impl - 1]].name : "ptcore";
}

struct cu_phase {
	int peer;		/* 0: ptcore, i > 0: the peer peer_cfgs[cu_peers[i - 1]] */
	int nthreads;		/* 1 or 2 */
	int layout;
	int alloc;
};

#define CU_PHASES	(CU_IMPLS * CU_THREADS * CU_LAYOUTS * CU_ALLOCS)

struct cu_times {
	uint64_t map0, map1, unmap0, unmap1;
	int preempted;		/* involuntary context switches around the unmap phase */
	unsigned int sleeps;	/* voluntary ones (a sleeping lock's waits) */
};

struct cu_barrier {
	unsigned int count;
	unsigned int sense;
} __attribute__((aligned(64)));

struct cu_worker {
	int id;
	int cpu;		/* -1: not pinned */
	pthread_t thread;
	struct peer_gather *pg;
	uint64_t callbacks[CU_PHASES];	/* TLB callbacks made in its unmap phases */
	uint64_t tables[CU_PHASES];	/* tables it removed */
} __attribute__((aligned(64)));

static struct {
	struct impl im[CU_ALLOCS][CU_IMPLS];	/* [alloc][impl] */
	struct cu_phase phase[CU_PHASES];
	unsigned int k, rounds, warmup;
	struct cu_barrier barrier;
	struct cu_times *t;	/* [round][phase][worker] */
	struct cu_worker w[CU_THREADS];
} cu;

static __thread uint64_t cu_tl_flushes;	/* ptcore's iotlb_flush calls on this thread */

static void cu_flush_cb(void *cookie, const struct ptcore_gather *g)
{
	(void)cookie; (void)g;
	cu_tl_flushes++;
}

/* ---- the per-thread cache of 4K table blocks ("tcache") ---- */

#define TC_MAX	512

static __thread struct {
	unsigned int n;
	struct { void *va; uint64_t pa; } b[TC_MAX];
} tc;

static void *tc_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	void *va;

	if (size != 4096 || !tc.n)
		return ptcore_builtin_alloc_table(cookie, size, phys, gfp);
	tc.n--;
	va = tc.b[tc.n].va;
	*phys = tc.b[tc.n].pa;
	memset(va, 0, 4096);
	return va;
}

static void tc_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	if (size != 4096 || tc.n == TC_MAX) {
		ptcore_builtin_free_table(cookie, va, phys, size);
		return;
	}
	tc.b[tc.n].va = va;
	tc.b[tc.n].pa = phys;
	tc.n++;
}

/* Give the calling thread's cached blocks back to the built-in allocator. */
static void tc_drain(void)
{
	while (tc.n) {
		tc.n--;
		ptcore_builtin_free_table(NULL, tc.b[tc.n].va, tc.b[tc.n].pa, 4096);
	}
}

static const struct ptcore_ops cu_ops[CU_ALLOCS] = {
	[CU_BUILTIN] = { .iotlb_flush = cu_flush_cb },
	[CU_TCACHE] = { .alloc_table = tc_alloc, .free_table = tc_free,
			.iotlb_flush = cu_flush_cb },
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Sense-reversing spin barrier for the CU_THREADS workers; yields when kept waiting. */
static void cu_barrier_wait(unsigned int *sense)
{
	unsigned int s = !*sense;
	unsigned long spins = 0;

	*sense = s;
	if (__atomic_add_fetch(&cu.barrier.count, 1, __ATOMIC_ACQ_REL) == CU_THREADS) {
		__atomic_store_n(&cu.barrier.count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&cu.barrier.sense, s, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&cu.barrier.sense, __ATOMIC_ACQUIRE) != s) {
		if (++spins > 100000)
			sched_yield();
		else
			cpu_relax();
	}
}

static uint64_t cu_slice(int layout, int w, unsigned int j)
{
	return layout == CU_BLOCKS ? (uint64_t)w * cu.k + j : 2 * (uint64_t)j + (uint64_t)w;
}

static struct cu_times *cu_times_at(unsigned int round, int phase, int w)
{
	return &cu.t[((size_t)round * CU_PHASES + (size_t)phase) * CU_THREADS + (size_t)w];
}

static uint64_t cu_callbacks(void)
{
	struct peer_stats ps;

	peer_thread_stats(&ps);
	return cu_tl_flushes + ps.tlb_flush_walk + ps.tlb_add_page + ps.tlb_flush_all +
	       ps.iotlb_sync;
}

static void cu_unmap_slice(struct impl *im, struct peer_gather *pg, uint64_t iova)
{
	uint64_t done;

	if (im->pt) {
		struct ptcore_gather g;

		ptcore_gather_init(&g);
		done = ptcore_unmap_pages(im->pt, iova, CU_SLICE, 1, &g);
		ptcore_iotlb_sync(im->pt, &g);
	} else {
		done = peer_unmap_gather(im->peer, pg, iova, CU_SLICE, 1);
		peer_iotlb_sync_gather(im->peer, pg);
	}
	if (done != CU_SLICE)
		die(im->pt ? "ptcore concurrent unmap incomplete" : "peer concurrent unmap incomplete",
		    (long)done, 0);
}

static void *cu_worker_main(void *arg)
{
	struct cu_worker *w = arg;
	const uint64_t base = 1ULL << 39, pa = 1ULL << 40;
	unsigned int sense = 0, i, j;
	int k;

	if (w->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			w->cpu = -1;
	}
	for (i = 0; i < cu.warmup + cu.rounds; i++) {
		for (k = 0; k < CU_PHASES; k++) {
			int p = (int)((k + i) % CU_PHASES);
			const struct cu_phase *ph = &cu.phase[p];
			struct impl *im = &cu.im[ph->alloc][ph->peer];
			int active = ph->nthreads == CU_THREADS || (int)(i & 1) == w->id;
			struct cu_times tm = { 0, 0, 0, 0, 0, 0 };
			struct rusage ru0, ru1;
			uint64_t c0;

			if (ph->peer && ph->alloc == CU_TCACHE)
				peer_thread_page_allocator(tc_alloc, tc_free);
			else
				peer_thread_page_allocator(NULL, NULL);
			cu_barrier_wait(&sense);
			if (active) {
				tm.map0 = now_ticks();
				for (j = 0; j < cu.k; j++) {
					uint64_t s = cu_slice(ph->layout, w->id, j);

					impl_map(im, base + s * CU_SLICE, pa + s * CU_SLICE, 4096,
						 CU_SLICE / 4096);
				}
				tm.map1 = now_ticks();
			}
			if (active)
				getrusage(RUSAGE_THREAD, &ru0);
			cu_barrier_wait(&sense);
			if (active) {
				c0 = cu_callbacks();
				tm.unmap0 = now_ticks();
				for (j = 0; j < cu.k; j++)
					cu_unmap_slice(im, w->pg,
						       base + cu_slice(ph->layout, w->id, j) * CU_SLICE);
				tm.unmap1 = now_ticks();
				getrusage(RUSAGE_THREAD, &ru1);
				tm.preempted = ru1.ru_nivcsw != ru0.ru_nivcsw;
				tm.sleeps = (unsigned int)(ru1.ru_nvcsw - ru0.ru_nvcsw);
				w->callbacks[p] += cu_callbacks() - c0;
				w->tables[p] += cu.k;
			}
			if (i >= cu.warmup)
				*cu_times_at(i - cu.warmup, p, w->id) = tm;
		}
	}
	peer_thread_page_allocator(NULL, NULL);
	tc_drain();
	return NULL;
}

struct cu_result {
	struct stat2 unmap, map;	/* ns per table */
	double skew;			/* 2 threads: median |start difference|, ns */
	double callbacks;		/* TLB callbacks per table removed */
	unsigned int dropped;		/* rounds left out: a thread was preempted */
	double sleeps;			/* voluntary context switches per counted round */
	int all_rounds;			/* too many preempted: every round counted */
};

static void cu_reduce(int p, struct cu_result *res)
{
	uint64_t *vu = malloc(sizeof(uint64_t) * cu.rounds);
	uint64_t *vm = malloc(sizeof(uint64_t) * cu.rounds);
	uint64_t *vs = malloc(sizeof(uint64_t) * cu.rounds);
	uint64_t cb = 0, tables = 0, sleeps = 0;
	const struct cu_phase *ph = &cu.phase[p];
	unsigned int r, kept = 0, preempted = 0;
	int w;

	if (!vu || !vm || !vs)
		die("out of memory", 0, 0);
	for (r = 0; r < cu.rounds; r++)
		for (w = 0; w < CU_THREADS; w++)
			if (cu_times_at(r, p, w)->preempted) {
				preempted++;
				break;
			}
	/* Rounds in which the scheduler took a CPU away measure the machine. */
	res->all_rounds = preempted > cu.rounds / 2;
	res->dropped = res->all_rounds ? 0 : preempted;
	for (r = 0; r < cu.rounds; r++) {
		uint64_t u0 = UINT64_MAX, u1 = 0, m0 = UINT64_MAX, m1 = 0, s[CU_THREADS];
		int n = 0, skip = 0;

		for (w = 0; w < CU_THREADS; w++)
			skip |= cu_times_at(r, p, w)->preempted;
		if (skip && !res->all_rounds)
			continue;
		for (w = 0; w < CU_THREADS; w++) {
			const struct cu_times *tm = cu_times_at(r, p, w);

			if (!tm->unmap1)
				continue;	/* not active this round */
			sleeps += tm->sleeps;
			s[n++] = tm->unmap0;
			u0 = tm->unmap0 < u0 ? tm->unmap0 : u0;
			u1 = tm->unmap1 > u1 ? tm->unmap1 : u1;
			m0 = tm->map0 < m0 ? tm->map0 : m0;
			m1 = tm->map1 > m1 ? tm->map1 : m1;
		}
		if (n != ph->nthreads)
			die("concurrent: a round lost a thread", p, n);
		vu[kept] = elapsed(u0, u1);
		vm[kept] = elapsed(m0, m1);
		vs[kept] = n == 2 ? (s[0] > s[1] ? s[0] - s[1] : s[1] - s[0]) : 0;
		kept++;
	}
	res->unmap = stats_of(vu, kept, (double)cu.k * ph->nthreads);
	res->map = stats_of(vm, kept, (double)cu.k * ph->nthreads);
	res->skew = stats_of(vs, kept, 1).median;
	res->sleeps = (double)sleeps / kept;
	for (w = 0; w < CU_THREADS; w++) {
		cb += cu.w[w].callbacks[p];
		tables += cu.w[w].tables[p];
	}
	res->callbacks = tables ? (double)cb / (double)tables : 0;
	free(vu);
	free(vm);
	free(vs);
}

static struct {
	int valid;
	unsigned int k, rounds, warmup;
	int cpu[CU_THREADS];
	/* [alloc][layout][impl][threads - 1] */
	struct cu_result res[CU_ALLOCS][CU_LAYOUTS][CU_IMPLS][CU_THREADS];
	double paired[CU_ALLOCS][CU_LAYOUTS][CU_IMPLS];	/* [alloc][layout][impl] */
} cu_summary;

/* Round @r of phase @p: its unmap phase in ticks, 0 if a thread was preempted. */
static uint64_t cu_round_unmap(unsigned int r, int p)
{
	uint64_t u0 = UINT64_MAX, u1 = 0;
	int w;

	for (w = 0; w < CU_THREADS; w++) {
		const struct cu_times *tm = cu_times_at(r, p, w);

		if (tm->preempted)
			return 0;
		if (!tm->unmap1)
			continue;	/* not active this round */
		u0 = tm->unmap0 < u0 ? tm->unmap0 : u0;
		u1 = tm->unmap1 > u1 ? tm->unmap1 : u1;
	}
	return u1 > u0 ? u1 - u0 : 0;
}

/*
 * Scaling 2T/1T paired by round: the 1- and 2-thread phases of one round run
 * back to back, so their ratio cancels what changes slowly on a shared host
 * (other guests, frequency). Median over the rounds where neither phase was
 * preempted; 0 if there are none.
 */
static double cu_paired_scaling(int p1, int p2)
{
	uint64_t *v = malloc(sizeof(uint64_t) * cu.rounds);
	unsigned int r, n = 0;
	double med;

	if (!v)
		die("out of memory", 0, 0);
	for (r = 0; r < cu.rounds; r++) {
		uint64_t t1 = cu_round_unmap(r, p1), t2 = cu_round_unmap(r, p2);

		/* Tables per tick with 2 threads over that with 1, in thousandths. */
		if (t1 && t2)
			v[n++] = 2000 * t1 / t2;
	}
	med = n ? stats_of(v, n, 1000 * ns_per_tick).median : 0;	/* unitless */
	free(v);
	return med;
}

static int cu_find(int alloc, int layout, int peer, int nthreads)
{
	int p;

	for (p = 0; p < CU_PHASES; p++)
		if (cu.phase[p].peer == peer && cu.phase[p].nthreads == nthreads &&
		    cu.phase[p].layout == layout && cu.phase[p].alloc == alloc)
			return p;
	die("concurrent: no such phase", peer, nthreads);
	return -1;
}

/* CPUs the process may run on, as sampled at start (before main pins itself). */
static cpu_set_t start_cpus;

static void run_concurrent_unmap(unsigned int k, unsigned int warmup, unsigned int rounds)
{
	static const struct cfgdesc cd = { "ARM-S1", PTCORE_FMT_ARM64_LPAE_S1, 12, 48, 48, "4K" };
	struct cu_result res[CU_PHASES];
	int cpus[CU_THREADS], n, nt, cpu, p, w, layout, peer, a;

	memset(&cu, 0, sizeof(cu));
	cu.k = k < 1 ? 1 : k > CU_MAX_K ? CU_MAX_K : k;
	cu.rounds = rounds;
	cu.warmup = warmup;
	p = 0;
	for (a = 0; a < CU_ALLOCS; a++)
		for (layout = 0; layout < CU_LAYOUTS; layout++)
			for (peer = 0; peer < CU_IMPLS; peer++)
				for (nt = 1; nt <= CU_THREADS; nt++)
					cu.phase[p++] = (struct cu_phase){ peer, nt, layout, a };
	cu.t = calloc((size_t)rounds * CU_PHASES * CU_THREADS, sizeof(*cu.t));
	if (!cu.t)
		die("out of memory", 0, 0);

	for (a = 0; a < CU_ALLOCS; a++) {
		impl_create_ops(&cu.im[a][0], 0, cd.format, cd.g, cd.ias, cd.oas, &cu_ops[a]);
		for (peer = 1; peer < CU_IMPLS; peer++) {
			impl_create_ops(&cu.im[a][peer], 1 + cu_peers[peer - 1], cd.format, cd.g,
					cd.ias, cd.oas, NULL);
			peer_set_thread_stats(cu.im[a][peer].peer);
		}
	}

	for (n = 0, cpu = 0; cpu < CPU_SETSIZE && n < CU_THREADS; cpu++)
		if (CPU_ISSET(cpu, &start_cpus))
			cpus[n++] = cpu;
	for (w = 0; w < CU_THREADS; w++) {
		cu.w[w].id = w;
		cu.w[w].cpu = n == CU_THREADS ? cpus[w] : -1;
		cu.w[w].pg = peer_gather_alloc();
		if (!cu.w[w].pg)
			die("out of memory", 0, 0);
	}
	for (w = 0; w < CU_THREADS; w++)
		if (pthread_create(&cu.w[w].thread, NULL, cu_worker_main, &cu.w[w]))
			die("pthread_create failed", w, 0);
	for (w = 0; w < CU_THREADS; w++)
		pthread_join(cu.w[w].thread, NULL);

	for (p = 0; p < CU_PHASES; p++)
		cu_reduce(p, &res[p]);

	for (a = 0; a < CU_ALLOCS; a++)
		for (layout = 0; layout < CU_LAYOUTS; layout++)
			for (n = 1; n <= CU_THREADS; n++) {
				char name[48];
				struct row *r;

				snprintf(name, sizeof(name), "unmap tables %dT %s%s", n,
					 cu_layout_name[layout], a == CU_TCACHE ? " tcache" : "");
				for (peer = 1; peer < CU_IMPLS; peer++) {
					r = new_row(cd.name, cd.gname, name, cu_peers[peer - 1]);
					r->pt = res[cu_find(a, layout, 0, n)].unmap;
					r->peer_t = res[cu_find(a, layout, peer, n)].unmap;
					r->limit = 0;
					r->no_limit = 1;
				}
			}

	/* The summary printed after the main table. */
	cu_summary.valid = 1;
	cu_summary.k = cu.k;
	cu_summary.rounds = rounds;
	cu_summary.warmup = warmup;
	for (w = 0; w < CU_THREADS; w++)
		cu_summary.cpu[w] = cu.w[w].cpu;
	for (a = 0; a < CU_ALLOCS; a++)
		for (layout = 0; layout < CU_LAYOUTS; layout++)
			for (peer = 0; peer < CU_IMPLS; peer++) {
				for (n = 1; n <= CU_THREADS; n++)
					cu_summary.res[a][layout][peer][n - 1] =
						res[cu_find(a, layout, peer, n)];
				cu_summary.paired[a][layout][peer] =
					cu_paired_scaling(cu_find(a, layout, peer, 1),
							  cu_find(a, layout, peer, 2));
			}

	for (w = 0; w < CU_THREADS; w++)
		peer_gather_free(cu.w[w].pg);
	for (a = 0; a < CU_ALLOCS; a++)
		for (peer = 0; peer < CU_IMPLS; peer++)
			impl_destroy(&cu.im[a][peer]);
	tc_drain();		/* what destroy freed into this thread's cache */
	free(cu.t);
}

static void print_concurrent_summary(void)
{
	int a, layout, peer, n;

	if (!cu_summary.valid)
		return;
	printf("\nconcurrent unmap, ARM-S1 4K: each round every thread maps its %u slices of 2M "
	       "(512 x 4K, one leaf table each)\nin one 1G region, then unmaps them, one unmap + "
	       "gather + sync per table; threads ", cu_summary.k);
	if (cu_summary.cpu[0] >= 0)
		printf("pinned to CPUs %d and %d", cu_summary.cpu[0], cu_summary.cpu[1]);
	else
		printf("NOT pinned (fewer than 2 CPUs allowed)");
	printf("; %u rounds after %u warm-up; medians over rounds\n", cu_summary.rounds,
	       cu_summary.warmup);
	printf("%-8s %-12s %-11s %7s %10s %10s %10s %10s %10s %9s %8s %8s\n", "alloc", "layout",
	       "impl", "threads", "ns/table", "min", "Mtables/s", "map ns/tb", "callbk/tb", "skew ns",
	       "sleeps", "dropped");
	for (a = 0; a < CU_ALLOCS; a++)
		for (layout = 0; layout < CU_LAYOUTS; layout++) {
			const struct cu_result (*r)[CU_THREADS] = cu_summary.res[a][layout];
			double sc[CU_IMPLS];

			for (peer = 0; peer < CU_IMPLS; peer++)
				for (n = 1; n <= CU_THREADS; n++) {
					const struct cu_result *x = &r[peer][n - 1];

					char drop[16];

					if (x->all_rounds)
						snprintf(drop, sizeof(drop), "none!");
					else
						snprintf(drop, sizeof(drop), "%u", x->dropped);
					printf("%-8s %-12s %-11s %7d %10.1f %10.1f %10.2f %10.1f %10.2f "
					       "%9.1f %8.2f %8s\n", cu_alloc_name[a], cu_layout_name[layout],
					       cu_impl_name(peer), n, x->unmap.median, x->unmap.min,
					       1e3 / x->unmap.median, x->map.median, x->callbacks, x->skew,
					       x->sleeps, drop);
				}
			for (peer = 0; peer < CU_IMPLS; peer++)
				sc[peer] = r[peer][0].unmap.median / r[peer][1].unmap.median;
			for (peer = 1; peer < CU_IMPLS; peer++) {
				const char *pn = cu_impl_name(peer);

				printf("%-8s %-12s scaling 2T/1T: ptcore %.2fx, %s %.2fx (ptcore/peer "
				       "%.2f); throughput ptcore/peer: 1T %.2f, 2T %.2f\n",
				       cu_alloc_name[a], cu_layout_name[layout], sc[0], pn, sc[peer],
				       sc[0] / sc[peer], r[peer][0].unmap.median / r[0][0].unmap.median,
				       r[peer][1].unmap.median / r[0][1].unmap.median);
				printf("%-8s %-12s paired by round: ptcore %.2fx, %s %.2fx (ptcore/peer "
				       "%.2f)\n", cu_alloc_name[a], cu_layout_name[layout],
				       cu_summary.paired[a][layout][0], pn,
				       cu_summary.paired[a][layout][peer],
				       cu_summary.paired[a][layout][0] / cu_summary.paired[a][layout][peer]);
			}
		}
	printf("ns/table = unmap phase (first thread's start to last thread's end) / tables "
	       "removed; Mtables/s = 1000 / that;\ncallbk/tb = TLB callbacks per table removed "
	       "(ptcore iotlb_flush, peer tlb_flush_walk + tlb_add_page + syncs);\nskew = median "
	       "difference of the threads' starts; sleeps = voluntary context switches (waits in a "
	       "sleeping lock)\nper counted round; dropped = rounds left out because a thread was "
	       "preempted (involuntary context switch;\n\"none!\": more than half were, all counted: "
	       "a busy machine); alloc: see bench.c;\npaired by round = median over rounds of "
	       "the 1T/2T time ratio of the same round, x2 (see cu_paired_scaling)\n");
}
/* ---- the callgrind pass: instructions per call of every row ---- */

#define IC_GROUPS	128
#define IC_IMPLS	8

static struct {
	double ir[IC_GROUPS][IC_IMPLS][2];
	double calls[IC_GROUPS][IC_IMPLS][2];
} ic;

/* Instructions per call of @impl in @phase of @group (map+unmap: per pair), or -1. */
static double ic_per_call(int group, int impl, int phase)
{
	double ir = 0, calls = 0;
	int p;

	if (group <= 0 || group >= IC_GROUPS || impl < 0 || impl >= IC_IMPLS || phase == PH_NONE)
		return -1;
	for (p = PH_MAP; p <= PH_UNMAP; p++)
		if (phase == p || phase == PH_BOTH) {
			if (!ic.calls[group][impl][p])
				return -1;
			ir += ic.ir[group][impl][p];
			calls = ic.calls[group][impl][p];
		}
	return ir / calls;
}

/* Read the profile parts of the callgrind pass; 0 if there were any. */
static int ic_read(const char *file)
{
	FILE *f = fopen(file, "r");
	char line[512];
	int g = -1, im = -1, ph = -1, parts = 0;
	uint64_t n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long x;

		if (!strncmp(line, "desc: Trigger: Client Request: ic ", 34)) {
			if (sscanf(line + 34, "g%d i%d p%d n%" SCNu64, &g, &im, &ph, &n) != 4)
				g = -1;
		} else if (!strncmp(line, "summary: ", 9) && g > 0 && g < IC_GROUPS && im >= 0 &&
			   im < IC_IMPLS && (ph == PH_MAP || ph == PH_UNMAP)) {
			if (sscanf(line + 9, "%llu", &x) == 1) {
				ic.ir[g][im][ph] += (double)x;
				ic.calls[g][im][ph] += (double)n;
				parts++;
			}
			g = -1;
		}
	}
	fclose(f);
	return parts ? 0 : -1;
}

/*
 * Run this benchmark again under callgrind (a few rounds of the same
 * groups, without the concurrent one) and fill in every row's instruction
 * counts. Return: 0, or -1 with a message (the columns stay empty).
 */
static int icount_pass(const char *only)
{
	char file[256], groups[128], self[4096];
	const char *tmp = getenv("TMPDIR");
	ssize_t len;
	pid_t pid;
	int st = 0, i;

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return -1;
	self[len] = '\0';
	snprintf(file, sizeof(file), "%s/ptcore-bench-%d.callgrind", tmp ? tmp : "/tmp",
		 (int)getpid());
	snprintf(groups, sizeof(groups), "%s", only ? only : "map,bulk,lookup,ops,dirty");
	printf("\ninstruction counts: the workloads again under valgrind --tool=callgrind "
	       "(a few rounds; this VM has no hardware counter)...\n");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		char out[300];

		if (fd >= 0)
			dup2(fd, 1);
		snprintf(out, sizeof(out), "--callgrind-out-file=%s", file);
		execlp("valgrind", "valgrind", "-q", "--tool=callgrind", "--collect-atstart=no",
		       "--combine-dumps=yes", out, self, "--icount", "-r", "20", "-b", "3", "-w",
		       groups, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("instruction counts: the callgrind pass failed (%s); columns left empty\n",
		       WIFEXITED(st) && WEXITSTATUS(st) == 127 ?
		       "valgrind is not installed: apt-get install valgrind" : "see above");
		unlink(file);
		return -1;
	}
	if (ic_read(file)) {
		printf("instruction counts: no profile parts in %s; columns left empty\n", file);
		unlink(file);
		return -1;
	}
	unlink(file);
	for (i = 0; i < nrows; i++) {
		struct row *r = &rows[i];

		if (r->no_limit)
			continue;
		r->ins_pt = ic_per_call(r->ic_group, r->ic_impl, r->ic_phase);
		r->ins_peer = ic_per_call(r->ic_group, r->ic_peer_impl, r->ic_phase);
	}
	return 0;
}

static int pin_cpu(void)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (cpu = CPU_SETSIZE - 1; cpu >= 0; cpu--)
		if (CPU_ISSET(cpu, &set))
			break;
	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -1;
	return cpu;
}

static void calibrate_timer(void)
{
	uint64_t v[2001], c0, t0, c1, t1;
	unsigned int i;

	/* Ticks per ns, over 50 ms of the monotonic clock. */
	c0 = clock_ns();
	t0 = now_ticks();
	while (clock_ns() - c0 < 50000000ULL)
		;
	c1 = clock_ns();
	t1 = now_ticks();
	ns_per_tick = (double)(c1 - c0) / (double)(t1 - t0);

	for (i = 0; i < 2001; i++) {
		uint64_t a = now_ticks();

		v[i] = now_ticks() - a;
	}
	qsort(v, 2001, sizeof(v[0]), cmp_u64);
	timer_cost = v[1000];
}

/* Is @group in the comma-separated @list (NULL: every group)? */
static int wanted(const char *list, const char *group)
{
	size_t n = strlen(group);
	const char *p = list;

	if (!list)
		return 1;
	while (p && *p) {
		if (!strncmp(p, group, n) && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct cfgdesc s1_4k = { "ARM-S1", PTCORE_FMT_ARM64_LPAE_S1, 12, 48, 48, "4K" };
	static const struct cfgdesc s1_16k = { "ARM-S1", PTCORE_FMT_ARM64_LPAE_S1, 14, 48, 48, "16K" };
	static const struct cfgdesc s1_64k = { "ARM-S1", PTCORE_FMT_ARM64_LPAE_S1, 16, 48, 48, "64K" };
	static const struct cfgdesc dart2 = { "DART2", PTCORE_FMT_APPLE_DART2, 14, 32, 42, "16K" };
	const uint64_t base = 1ULL << 39, pa = 1ULL << 40;
	unsigned int rounds = 10000, warmup = 1000, bulk_rounds = 30;
	unsigned int cu_rounds = 2000, cu_k = 128;
	const char *csv = NULL, *only = NULL;
	struct ptcore_mem_stats m0, m1;
	static double ratios[512], sorted[512];
	int i, n, k, cpu, no_icount = 0;
	FILE *f;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			csv = argv[++i];
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			rounds = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-b") && i + 1 < argc)
			bulk_rounds = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-c") && i + 1 < argc)
			cu_rounds = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-k") && i + 1 < argc)
			cu_k = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-w") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "-I"))
			no_icount = 1;
		else if (!strcmp(argv[i], "--icount"))
			icount_mode = 1;	/* internal: the callgrind pass */
		else {
			fprintf(stderr, "usage: %s [-o results.csv] [-r ROUNDS] [-b BULK_ROUNDS]\n"
				"\t[-c CONCURRENT_ROUNDS] [-k TABLES_PER_THREAD] [-w GROUP,...] [-I]\n"
				"groups: map (map/unmap workloads), bulk, lookup, ops, dirty, concurrent; "
				"default: all\n-I: no instruction counts (no callgrind pass)\n", argv[0]);
			return 2;
		}
	}
	if (cu_rounds < 10)
		cu_rounds = 10;
	if (cu_k < 1 || cu_k > CU_MAX_K)
		die("-k: tables per thread must be 1..256", (long)cu_k, 0);
	if (rounds < 10)
		rounds = 10;
	if (bulk_rounds < 3)
		bulk_rounds = 3;
	warmup = rounds / 10;
	limit_buf = aligned_alloc(4096, LIMIT_BUF_BYTES);
	if (!limit_buf)
		die("out of memory", 0, 0);

	if (sched_getaffinity(0, sizeof(start_cpus), &start_cpus))
		CPU_ZERO(&start_cpus);
	cpu = pin_cpu();
	calibrate_timer();
	ptcore_mem_stats(&m0);
	if (icount_mode && !RUNNING_ON_VALGRIND)
		die("--icount is for the callgrind pass only", 0, 0);
	printf("ptcore vs Linux 6.1 and 6.12 io-pgtable (peers:");
	for (k = 0; k < NPEER; k++)
		printf(" %s", peer_cfgs[k].name);
	printf("): %u rounds after %u warm-up rounds (bulk: %u), "
	       "%s CPU %d, timer cost %.1f ns subtracted\n", rounds, warmup, bulk_rounds,
	       cpu >= 0 ? "pinned to" : "NOT pinned, on", cpu >= 0 ? cpu : sched_getcpu(),
	       (double)timer_cost * ns_per_tick);
	if (only)
		printf("workload groups: %s\n", only);
	fflush(stdout);

	if (wanted(only, "map")) {
		run_map_unmap(&s1_4k, base, pa, 1ULL << 12, 1, warmup, rounds);
		run_map_unmap(&s1_4k, base, pa, 1ULL << 12, 256, warmup, rounds);
		/* One whole leaf table: ptcore's unmap frees it, 6.1 keeps it. */
		run_map_unmap(&s1_4k, base, pa, 1ULL << 12, 512, warmup, rounds);
		run_map_unmap(&s1_4k, base, pa, 1ULL << 21, 256, warmup, rounds);
		run_map_unmap(&s1_4k, base, pa, 1ULL << 30, 256, warmup, rounds);
		run_map_unmap(&s1_16k, base, pa, 1ULL << 14, 1, warmup, rounds);
		run_map_unmap(&s1_16k, base, pa, 1ULL << 14, 256, warmup, rounds);
		run_map_unmap(&s1_16k, base, pa, 1ULL << 25, 256, warmup, rounds);
		run_map_unmap(&s1_64k, base, pa, 1ULL << 16, 1, warmup, rounds);
		run_map_unmap(&s1_64k, base, pa, 1ULL << 16, 256, warmup, rounds);
		run_map_unmap(&s1_64k, base, pa, 1ULL << 29, 256, warmup, rounds);
		run_map_unmap(&dart2, 1ULL << 30, 1ULL << 36, 1ULL << 14, 1, warmup, rounds);
		run_map_unmap(&dart2, 1ULL << 30, 1ULL << 36, 1ULL << 14, 256, warmup, rounds);
		run_peer_map_unmap(PEER_AMDV2, base, pa, 1ULL << 12, 1, warmup, rounds);
		run_peer_map_unmap(PEER_AMDV2, base, pa, 1ULL << 12, 256, warmup, rounds);
		run_peer_map_unmap(PEER_AMDV2, base, pa, 1ULL << 21, 256, warmup, rounds);
		run_peer_map_unmap(PEER_V7S, 1ULL << 28, 1ULL << 28, 1ULL << 12, 1, warmup, rounds);
		run_peer_map_unmap(PEER_V7S, 1ULL << 28, 1ULL << 28, 1ULL << 12, 256, warmup,
				   rounds);
		run_peer_map_unmap(PEER_V7S, 1ULL << 28, 1ULL << 28, 1ULL << 16, 16, warmup,
				   rounds);
		run_peer_map_unmap(PEER_V7S, 1ULL << 28, 1ULL << 28, 1ULL << 20, 16, warmup,
				   rounds);
	}
	if (wanted(only, "bulk"))
		run_bulk(&s1_4k, 2, bulk_rounds);
	if (wanted(only, "lookup"))
		run_lookup(&s1_4k, warmup, rounds);
	if (wanted(only, "ops"))
		run_ops(warmup, rounds);
	if (wanted(only, "dirty"))
		run_dirty(2, bulk_rounds);
	if (wanted(only, "concurrent") && !icount_mode)
		run_concurrent_unmap(cu_k, cu_rounds / 10, cu_rounds);
	if (!nrows)
		die("-w selected no workload", 0, 0);

	ptcore_mem_stats(&m1);
	if (m1.tables_live != m0.tables_live)
		die("table blocks leaked", (long)m0.tables_live, (long)m1.tables_live);

	if (icount_mode)
		return 0;	/* the callgrind pass: its profile parts are the output */
	if (no_icount)
		printf("\ninstruction counts: skipped (-I); columns left empty\n");
	else if (!wanted(only, "map") && !wanted(only, "bulk") && !wanted(only, "lookup") &&
		 !wanted(only, "ops") && !wanted(only, "dirty"))
		printf("\ninstruction counts: none for the groups run (concurrent has none)\n");
	else
		icount_pass(only);

	printf("\n%-7s %-4s %-36s %-11s %9s %9s %9s %9s %8s %7s %7s %8s %8s\n", "format", "gran",
	       "workload", "peer", "pt min", "pt med", "peer min", "peer med", "limit", "ratio",
	       "x limit", "ins pt", "ins peer");
	for (i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		char lim[16], xl[16], ip[16], iq[16];

		ratios[i] = r->pt.median / r->peer_t.median;
		if (r->no_limit) {
			snprintf(lim, sizeof(lim), "-");
			snprintf(xl, sizeof(xl), "-");
		} else {
			snprintf(lim, sizeof(lim), "%.1f", r->limit);
			snprintf(xl, sizeof(xl), "%.2f", r->limit > 0 ? r->pt.median / r->limit : 0.0);
		}
		snprintf(ip, sizeof(ip), r->ins_pt >= 0 ? "%.0f" : "-", r->ins_pt);
		snprintf(iq, sizeof(iq), r->ins_peer >= 0 ? "%.0f" : "-", r->ins_peer);
		printf("%-7s %-4s %-36s %-11s %9.1f %9.1f %9.1f %9.1f %8s %7.3f %7s %8s %8s\n",
		       r->format, r->granule, r->workload, peer_cfgs[r->peer].name, r->pt.min,
		       r->pt.median, r->peer_t.min, r->peer_t.median, lim, ratios[i], xl, ip, iq);
	}
	printf("ns per call (iova_to_phys: per lookup); ratio = ptcore median / peer median; "
	       "x limit = ptcore median / limit;\nins = instructions per call (callgrind; "
	       "map+unmap rows: per pair)\n");
	/* Per peer configuration, over the per-call rows (not ops, not concurrent), if any. */
	for (k = 0; k <= PEER_V7S; k++) {
		for (i = 0, n = 0; i < nrows; i++)
			if (rows[i].peer == k && !rows[i].no_limit && !rows[i].own_summary)
				sorted[n++] = ratios[i];
		if (!n)
			for (i = 0; i < nrows; i++)
				if (rows[i].peer == k)
					sorted[n++] = ratios[i];
		if (!n)
			continue;
		for (i = 1; i < n; i++) {		/* insertion sort, a handful of rows */
			double x = sorted[i];
			int j = i - 1;

			while (j >= 0 && sorted[j] > x) {
				sorted[j + 1] = sorted[j];
				j--;
			}
			sorted[j + 1] = x;
		}
		printf("ratio against %-11s min %.3f, median %.3f, max %.3f over %d rows\n",
		       peer_cfgs[k].name, sorted[0],
		       n & 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2, sorted[n - 1],
		       n);
	}
	printf("ptcore flush callbacks: %" PRIu64 "\n", flushes);
	print_ops_summary();
	print_concurrent_summary();

	if (csv) {
		f = fopen(csv, "w");
		if (!f) {
			perror(csv);
			return 1;
		}
		fprintf(f, "format,granule,workload,peer,ptcore_ns,peer_ns,limit_ns,ratio,"
			"instructions_ptcore,instructions_peer\n");
		for (i = 0; i < nrows; i++) {
			char ip[24] = "", iq[24] = "";

			if (rows[i].ins_pt >= 0)
				snprintf(ip, sizeof(ip), "%.0f", rows[i].ins_pt);
			if (rows[i].ins_peer >= 0)
				snprintf(iq, sizeof(iq), "%.0f", rows[i].ins_peer);
			fprintf(f, "%s,%s,%s,%s,%.1f,%.1f,%.1f,%.3f,%s,%s\n", rows[i].format,
				rows[i].granule, rows[i].workload, peer_cfgs[rows[i].peer].name,
				rows[i].pt.median, rows[i].peer_t.median, rows[i].limit, ratios[i], ip,
				iq);
		}
		if (fclose(f)) {
			perror(csv);
			return 1;
		}
		printf("wrote %s\n", csv);
	}
	return 0;
}
