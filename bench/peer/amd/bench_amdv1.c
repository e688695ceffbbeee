// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Benchmark: ptcore's PTCORE_FMT_AMDV1 against Linux 6.12's
 * drivers/iommu/amd/io_pgtable.c (peer_amdv1.h), in one process, the same
 * workloads interleaved round by round (who goes first alternates), with the
 * tables already populated by a discarded warm-up, as bench/bench.c measures
 * ARM and DART. Each sample times a batch of calls; the figures are ns per
 * call (min and median over the rounds) and the ratio ptcore / Linux of the
 * medians. Timing is reported, never asserted.
 *
 * Usage: bench_amdv1 [-r rounds] [-o file.csv]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ptcore.h>

#include "peer_amdv1.h"

#define RW	(PTCORE_PROT_READ | PTCORE_PROT_WRITE)

struct impl {
	struct ptcore_table *t;
	struct peer_amdv1 *p;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, long a)
{
	fprintf(stderr, "bench_amdv1: %s (%ld)\n", what, a);
	exit(1);
}

static void impl_map(struct impl *im, uint64_t iova, uint64_t pa, uint64_t size, uint64_t n)
{
	uint64_t mapped = 0;
	int r = im->t ? ptcore_map_pages(im->t, iova, pa, size, n, RW, 0, &mapped) :
			peer_amdv1_map(im->p, iova, pa, size, n, RW, &mapped);

	if (r || mapped != size * n)
		die(im->t ? "ptcore map failed" : "Linux map failed", r);
}

static void impl_unmap(struct impl *im, uint64_t iova, uint64_t size, uint64_t n)
{
	uint64_t done;

	if (im->t) {
		struct ptcore_gather g;

		ptcore_gather_init(&g);
		done = ptcore_unmap_pages(im->t, iova, size, n, &g);
		ptcore_iotlb_sync(im->t, &g);
	} else {
		done = peer_amdv1_unmap(im->p, iova, size, n);
	}
	if (done != size * n)
		die(im->t ? "ptcore unmap incomplete" : "Linux unmap incomplete", (long)done);
}

static uint64_t impl_lookup(struct impl *im, uint64_t iova)
{
	uint64_t pa = 0;

	if (im->t)
		return ptcore_iova_to_phys(im->t, iova, &pa) ? 0 : pa;
	return peer_amdv1_iova_to_phys(im->p, iova);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct stat2 {
	double min, med;
};

static struct stat2 stats(uint64_t *v, unsigned int n, double per)
{
	struct stat2 s;

	qsort(v, n, sizeof(*v), cmp_u64);
	s.min = (double)v[0] / per;
	s.med = (double)v[n / 2] / per;
	return s;
}

static FILE *csv;

static void row(const char *name, uint64_t *v[2], unsigned int rounds, double per)
{
	struct stat2 a = stats(v[0], rounds, per), b = stats(v[1], rounds, per);

	printf("amdv1  %-22s ptcore %9.1f / %9.1f ns   Linux 6.12 %9.1f / %9.1f ns   ratio %5.2f\n",
	       name, a.min, a.med, b.min, b.med, a.med / b.med);
	if (csv)
		fprintf(csv, "amdv1,4K,%s,6.12,%.1f,%.1f,%.3f\n", name, a.med, b.med, a.med / b.med);
}

/*
 * @batch ranges of @n pages of @size, @stride apart from @iova: map and
 * unmap them per round; rows "N x S map" and "... unmap".
 */
static void map_unmap(const char *label, uint64_t iova, uint64_t size, uint64_t n,
		      uint64_t stride, unsigned int batch, unsigned int warmup, unsigned int rounds)
{
	struct impl im[2] = { { 0 } };
	struct ptcore_cfg cfg = { .format = PTCORE_FMT_AMDV1, .ias = 48, .oas = 52 };
	uint64_t *vm[2], *vu[2];
	unsigned int i, k, s;
	char name[48];

	if (ptcore_table_create(&cfg, &im[0].t))
		die("ptcore_table_create", 0);
	im[1].p = peer_amdv1_create(4);
	if (!im[1].p)
		die("peer_amdv1_create", 4);
	for (s = 0; s < 2; s++) {
		vm[s] = calloc(rounds, sizeof(uint64_t));
		vu[s] = calloc(rounds, sizeof(uint64_t));
		if (!vm[s] || !vu[s])
			die("out of memory", 0);
	}
	for (i = 0; i < warmup + rounds; i++) {
		for (s = 0; s < 2; s++) {
			struct impl *m = &im[(i + s) % 2];
			unsigned int who = (i + s) % 2;
			uint64_t t0, t1, t2;

			t0 = now_ns();
			for (k = 0; k < batch; k++)
				impl_map(m, iova + k * stride, (1ULL << 40) + k * stride, size, n);
			t1 = now_ns();
			for (k = 0; k < batch; k++)
				impl_unmap(m, iova + k * stride, size, n);
			t2 = now_ns();
			if (i >= warmup) {
				vm[who][i - warmup] = t1 - t0;
				vu[who][i - warmup] = t2 - t1;
			}
		}
	}
	snprintf(name, sizeof(name), "%s map", label);
	row(name, vm, rounds, batch);
	snprintf(name, sizeof(name), "%s unmap", label);
	row(name, vu, rounds, batch);
	for (s = 0; s < 2; s++) {
		free(vm[s]);
		free(vu[s]);
	}
	ptcore_table_destroy(im[0].t);
	peer_amdv1_destroy(im[1].p);
}

/* iova_to_phys of every page of 1024 4K pages and of 64 16K sized pages. */
static void lookups(unsigned int warmup, unsigned int rounds)
{
	struct impl im[2] = { { 0 } };
	struct ptcore_cfg cfg = { .format = PTCORE_FMT_AMDV1, .ias = 48, .oas = 52 };
	uint64_t *v[2], sum = 0;
	unsigned int i, k, s;

	if (ptcore_table_create(&cfg, &im[0].t))
		die("ptcore_table_create", 0);
	im[1].p = peer_amdv1_create(4);
	if (!im[1].p)
		die("peer_amdv1_create", 4);
	for (s = 0; s < 2; s++) {
		impl_map(&im[s], 1ULL << 30, 1ULL << 41, 4096, 1024);
		impl_map(&im[s], (1ULL << 30) + (1ULL << 22), (1ULL << 41) + (1ULL << 22), 16384,
			 64);
		v[s] = calloc(rounds, sizeof(uint64_t));
		if (!v[s])
			die("out of memory", 0);
	}
	for (i = 0; i < warmup + rounds; i++) {
		for (s = 0; s < 2; s++) {
			unsigned int who = (i + s) % 2;
			uint64_t t0 = now_ns();

			for (k = 0; k < 1280; k++)
				sum += impl_lookup(&im[who], (1ULL << 30) + (uint64_t)k * 4096 + 42);
			if (i >= warmup)
				v[who][i - warmup] = now_ns() - t0;
		}
	}
	if (!sum)
		die("lookups found nothing", 0);
	row("iova_to_phys", v, rounds, 1280);
	for (s = 0; s < 2; s++) {
		impl_unmap(&im[s], 1ULL << 30, 4096, 1024);
		impl_unmap(&im[s], (1ULL << 30) + (1ULL << 22), 16384, 64);
		free(v[s]);
	}
	ptcore_table_destroy(im[0].t);
	peer_amdv1_destroy(im[1].p);
}

int main(int argc, char **argv)
{
	unsigned int rounds = 2000, warmup, c;

	for (c = 1; c < (unsigned int)argc; c++) {
		if (!strcmp(argv[c], "-r") && c + 1 < (unsigned int)argc) {
			rounds = (unsigned int)strtoul(argv[++c], NULL, 0);
		} else if (!strcmp(argv[c], "-o") && c + 1 < (unsigned int)argc) {
			csv = fopen(argv[++c], "w");
			if (!csv)
				die("cannot write the CSV", 0);
			fprintf(csv, "format,granule,workload,peer,ptcore_ns,peer_ns,ratio\n");
		} else {
			fprintf(stderr, "usage: %s [-r rounds] [-o file.csv]\n", argv[0]);
			return 2;
		}
	}
	if (rounds < 10)
		rounds = 10;
	warmup = rounds / 10;
	printf("AMD IOMMU v1, ias 48 (mode 4), figures min / median per call, %u rounds\n",
	       rounds);
	map_unmap("1x4K", 1ULL << 32, 4096, 1, 4096, 64, warmup, rounds);
	map_unmap("256x4K", 1ULL << 32, 4096, 256, 1ULL << 21, 8, warmup, rounds);
	map_unmap("64x16K", 1ULL << 32, 16384, 64, 1ULL << 21, 8, warmup, rounds);
	map_unmap("256x2M", 1ULL << 33, 1ULL << 21, 256, 1ULL << 30, 4, warmup, rounds);
	map_unmap("16x4M", 1ULL << 33, 1ULL << 22, 16, 1ULL << 30, 8, warmup, rounds);
	lookups(warmup, rounds);
	if (csv)
		fclose(csv);
	return 0;
}
