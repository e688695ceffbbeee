// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Differential fuzz target: decodes its input into a configuration and a
 * sequence of map / map_range / unmap / unmap_collect / unmap_pages /
 * iova_to_phys / sync calls with arbitrary (also invalid) arguments, and
 * checks every call against the interval oracle, the hardware-walk model
 * over raw table memory, the allocator tracking (no leak, no early free) and
 * the IOTLB model (tests/lib/fixture.c does the checking). map_range must
 * do what the map_pages calls of Linux's iommu_pgsize() split would;
 * unmap_collect's runs must be the oracle's removed leaves, coalesced.
 *
 * Input layout: byte 0 picks the configuration, byte 1 seeds the model's
 * random choices (bit 7: the table has PTCORE_FEAT_FREE_EMPTY_TABLES, and
 * the fixture checks that no table an unmap touched is left empty; bit 6 on
 * an ARM format: PTCORE_FEAT_ARM_BBML2, cuts without break-before-make), then
 * 12-byte records:
 *   [0] operation (low 3 bits); bit 3 turns op 2 (map) into map_range,
 *       ops 3/4 (unmap) into unmap_collect and op 6 (iova_to_phys) into cut
 *   [1] leaf size: an index into the sizes the table accepts, or an invalid size
 *   [2] IOVA scale (low 2 bits) and IOVA modifier (high 6 bits)
 *   [3..4] IOVA index      [5] count (0..247; 248..255: the product overflows)
 *   [6..7] PA index        [8] prot (bit 7: raw, else READ is added)
 *   [9] unmap length mode (low 4 bits), PA modifier (high 4 bits)
 *   [10] IOVA region, [11] PA region: added in units of a leaf table's span
 *
 * PTCORE_FUZZ_FORMAT=arm-s1|arm-s2|dart1|dart2|vtdss|x86-64|arm-v7s restricts the configurations
 * to one format (make fuzz / make check run one format at a time).
 */
#include "../lib/fixture.h"

#define MAX_OPS		96
#define MAX_LEAVES	8192
#define REC		12

static uint32_t only_format;
static int trace;			/* PTCORE_FUZZ_TRACE=1: print every operation */
static unsigned long n_inputs, n_ops, n_calls, n_map_range, n_collect, n_free_empty, n_cut;

static void print_stats(void)
{
	fprintf(stderr, "fuzz-stats: %lu inputs, %lu operations, %lu ptcore calls (%lu map_range,"
		" %lu unmap_collect, %lu cut; %lu inputs with free-empty tables)\n", n_inputs, n_ops,
		n_calls, n_map_range, n_collect, n_cut, n_free_empty);
}

static void pick_format(void)
{
	const char *s = getenv("PTCORE_FUZZ_FORMAT");
	uint32_t f;

	if (!s || !*s)
		return;
	for (f = PTCORE_FMT_ARM64_LPAE_S1; f <= PTCORE_FMT_ARM_V7S; f++)
		if (!strcmp(s, tc_fmt_name(f)))
			only_format = f;
	if (!only_format) {
		fprintf(stderr, "PTCORE_FUZZ_FORMAT=%s: unknown (arm-s1, arm-s2, dart1, dart2, amdv1, "
			"vtdss, x86-64, riscv, arm-v7s)\n", s);
		exit(2);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	pick_format();
	trace = getenv("PTCORE_FUZZ_TRACE") ? atoi(getenv("PTCORE_FUZZ_TRACE")) : 0;
	atexit(print_stats);
	tc_abort_on_fail = 1;		/* a failed check is a crash libFuzzer keeps */
	return 0;
}

static const struct fx_config *pick_config(uint8_t sel)
{
	size_t i, n = 0, want;

	for (i = 0; i < fx_nr_configs; i++)
		if (!only_format || fx_configs[i].cfg.format == only_format)
			n++;
	want = sel % n;
	for (i = 0; i < fx_nr_configs; i++)
		if (!only_format || fx_configs[i].cfg.format == only_format)
			if (!want--)
				return &fx_configs[i];
	return &fx_configs[0];
}

static uint64_t pick_size(const struct fx *f, uint8_t sel)
{
	uint64_t bm = f->m.w.hi.pgsize_bitmap, s;
	unsigned int n = (unsigned int)__builtin_popcountll(bm), k;
	static const uint64_t bad[] = { 0, 3, 0x800, 1ULL << 62, 0x1800, 1ULL << 63, 0x100 };

	if (sel >= 232)
		return bad[(sel - 232) % TC_ARRAY_SIZE(bad)];
	k = sel % n;
	for (s = bm; k--; s &= s - 1)
		;
	return s & -s;
}

static uint64_t pick_addr(const struct fx *f, unsigned int scale, unsigned int mod, uint64_t idx,
			  uint64_t region, uint64_t size, unsigned int bits)
{
	uint64_t lim = bits >= 64 ? UINT64_MAX : (1ULL << bits) - 1;
	unsigned int lg2 = size ? 63 - (unsigned int)__builtin_clzll(size) : f->m.w.pg_shift;
	unsigned int sh[4] = { f->m.w.pg_shift, f->m.w.pg_shift + 4, f->m.w.pg_shift + f->m.w.bpl, lg2 };
	uint64_t a = sh[scale & 3] < 64 ? idx << sh[scale & 3] : 0;

	a += region << (f->m.w.pg_shift + f->m.w.bpl);
	a &= lim;
	if (size && !(size & (size - 1)))
		a &= ~(size - 1);
	if (mod < 48)
		return a;
	if (mod < 52)
		return a + 1;				/* unaligned */
	if (mod < 54)
		return a + (1ULL << f->m.w.pg_shift) / 2 * (mod & 1 ? 1 : 3);
	if (mod < 56)
		return a | (bits < 64 ? 1ULL << bits : 0);	/* beyond ias / oas */
	if (mod < 57)					/* near 2^64: wraps */
		return (UINT64_MAX - (idx << f->m.w.pg_shift)) & ~(size && !(size & (size - 1)) ? size - 1 : 0);
	if (mod < 58)
		return UINT64_MAX - idx;
	if (mod < 60)					/* the last leaves below the limit */
		return size && size <= lim ? ((lim + 1) - ((idx & 3) + 1) * size) & lim : a;
	return idx;					/* small and raw */
}

static void run_op(struct fx *f, const uint8_t *r)
{
	unsigned int op = r[0] & 7;
	uint64_t size = pick_size(f, r[1]);
	uint64_t iova = pick_addr(f, r[2] & 3, r[2] >> 2, (uint64_t)r[3] << 8 | r[4], r[10], size,
				  f->m.w.ias);
	uint64_t count = r[5];
	static const unsigned int pa_mods[4] = { 48, 52, 54, 58 };
	unsigned int pm = r[9] >> 4;
	uint64_t pa = pick_addr(f, r[2] & 3, pm < 12 ? 0 : pa_mods[pm - 12],
				(uint64_t)r[6] << 8 | r[7], r[11], size, f->m.w.pa_bits);
	uint32_t prot = (r[8] & 0x80) ? (r[8] & 0x7f) : ((r[8] & 0x3f) | PTCORE_PROT_READ);
	uint64_t len, mapped = 0, unmapped = 0, pgcount;
	unsigned int gsz = 1u << f->m.w.pg_shift;
	int ret = 0;

	/* Counts up to 247; the top values overflow (or just fit) the product. */
	if (count >= 0xf8)
		count = size ? UINT64_MAX / size + (count & 1) : UINT64_MAX;

	n_ops++;
	if (trace > 1)
		printf("  op %u r0 %#x\n", op, r[0]);
	switch (r[9] & 15) {
	case 9: len = count << (f->m.w.pg_shift + f->m.w.bpl); break;	/* whole leaf tables */
	case 10: len = gsz; break;
	case 11: len = 1; break;
	case 12: len = size * count + gsz; break;
	case 13: len = UINT64_MAX; break;
	case 14: len = (f->m.w.ias < 64 ? (1ULL << f->m.w.ias) - iova : 0) + gsz; break;
	case 15: len = count * gsz; break;
	default: len = size * count; break;
	}
	if (op == 2 && (r[0] & 8)) {
		uint64_t leaves = fx_split_leaves(f, iova, pa, len);

		/* Bounded work: a valid range of more leaves than the oracle holds is skipped. */
		if (leaves != UINT64_MAX && !(len % fx_min_pgsize(f)) && f->o.n + leaves > MAX_LEAVES)
			return;
		ret = fx_map_range(f, iova, pa, len, prot, &mapped);
		n_map_range++;
		if (trace)
			printf("  map_range(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", %#x) = %d,"
			       " mapped %#" PRIx64 "\n", iova, pa, len, prot, ret, mapped);
		return;
	}
	if (op == 6 && (r[0] & 8)) {
		long k = orc_find(&f->o, iova);

		/* Bounded work: a cut that would need more leaves than the oracle holds is skipped. */
		if (k >= 0 && !(iova % fx_min_pgsize(f))) {
			const struct orc_leaf *l = &f->o.v[k];
			uint64_t a = iova > l->iova ? fx_split_leaves(f, l->iova, l->pa, iova - l->iova) : 0;
			uint64_t b = fx_split_leaves(f, iova, l->pa + (iova - l->iova),
						     l->iova + l->size - iova);

			if (a == UINT64_MAX || b == UINT64_MAX || f->o.n + a + b > MAX_LEAVES)
				return;
		}
		ret = fx_cut(f, iova);
		n_cut++;
		if (trace)
			printf("  cut(%#" PRIx64 ") = %d, gather [%#" PRIx64 ", %#" PRIx64 "] pgsize %#"
			       PRIx64 "\n", iova, ret, f->gather.start, f->gather.end, f->gather.pgsize);
		return;
	}
	switch (op) {
	case 0: case 1: case 2:
		if (f->o.n + (count < 256 ? count : 256) > MAX_LEAVES)
			break;
		ret = fx_map(f, iova, pa, size, count, prot, &mapped);
		if (trace)
			printf("  map(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 " x %" PRIu64 ", %#x) = %d,"
			       " mapped %#" PRIx64 "\n", iova, pa, size, count, prot, ret, mapped);
		break;
	case 3: case 4:
		if (r[0] & 8) {
			ret = fx_unmap_collect(f, iova, len, &unmapped);
			n_collect++;
		} else
			ret = fx_unmap(f, iova, len, &unmapped);
		if (trace)
			printf("  unmap%s(%#" PRIx64 ", %#" PRIx64 ") = %d, unmapped %#" PRIx64
			       ", gather [%#" PRIx64 ", %#" PRIx64 "] pgsize %#" PRIx64 " flags %u"
			       " tables %u\n", r[0] & 8 ? "_collect" : "", iova, len, ret, unmapped,
			       f->gather.start,
			       f->gather.end, f->gather.pgsize, f->gather.flags, f->gather.nr_tables);
		break;
	case 5:
		pgcount = (r[9] & 0x10) && size ? UINT64_MAX / size + 1 : count;
		unmapped = fx_unmap_pages(f, iova, size, pgcount);
		if (trace)
			printf("  unmap_pages(%#" PRIx64 ", %#" PRIx64 " x %#" PRIx64 ") = %#" PRIx64
			       "\n", iova, size, pgcount, unmapped);
		break;
	case 6:
		ret = fx_iova_to_phys(f, iova + (r[5] & 0x0f) * 8);
		if (trace)
			printf("  iova_to_phys(%#" PRIx64 ") = %d\n", iova + (r[5] & 0x0f) * 8, ret);
		break;
	default:
		fx_sync(f);
		if (trace)
			printf("  sync: %zu tables live, %zu leaves\n", f->live.n, f->o.n);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fx_opts opt = { .iotlb = true, .touches = 3 };
	const struct fx_config *c;
	struct ptcore_cfg cfg;
	struct fx f;
	size_t i, nops;

	if (size < 2)
		return 0;
	n_inputs++;
	c = pick_config(data[0]);
	opt.seed = data[1];
	cfg = c->cfg;
	if (data[1] & 0x80) {
		cfg.features |= PTCORE_FEAT_FREE_EMPTY_TABLES;
		n_free_empty++;
	}
	if ((data[1] & 0x40) && (cfg.format == PTCORE_FMT_ARM64_LPAE_S1 ||
				 cfg.format == PTCORE_FMT_ARM64_LPAE_S2))
		cfg.features |= PTCORE_FEAT_ARM_BBML2;
	if (fx_create(&f, &cfg, &opt)) {
		TC_FAIL("create %s failed", c->name);
		return 0;
	}
	if (trace)
		printf("config %s%s\n", c->name, data[1] & 0x80 ? " free-empty" : "");
	nops = (size - 2) / REC;
	if (nops > MAX_OPS)
		nops = MAX_OPS;
	for (i = 0; i < nops; i++)
		run_op(&f, data + 2 + i * REC);
	fx_sync(&f);
	if (f.opt.iotlb && f.tlb.violations)
		TC_FAIL("%s: IOTLB model: %lu violations, first: %s", c->name, f.tlb.violations,
			f.tlb.first_violation);
	n_calls += f.calls;
	fx_destroy(&f);
	return 0;
}
