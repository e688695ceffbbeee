// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptctl: reading raw table memory. Decodes every entry from the hardware
 * formats (ARM VMSAv8-64 LPAE stage 1/2, Apple DART1/DART2) independently of
 * ptcore's own code, prints the tree and the hw_info register fields, and
 * checks that every table linked in the tree is one our ops handed out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ptctl.h"

#define BIT(n)		((uint64_t)1 << (n))
#define GENMASK(h, l)	((~(uint64_t)0 >> (63 - (h))) & ~(((uint64_t)1 << (l)) - 1))

/* ARM descriptor bits */
#define ARM_NSTABLE	BIT(63)
#define ARM_XN_HI	BIT(54)	/* S1 UXN, S2 XN[1] */
#define ARM_XN_LO	BIT(53)	/* S1 PXN, S2 XN[0] */
#define ARM_CONT	BIT(52)
#define ARM_DBM		BIT(51)
#define ARM_NG		BIT(11)
#define ARM_AF		BIT(10)
#define ARM_NS		BIT(5)
#define ARM_SW		GENMASK(58, 55)

/* DART descriptor bits */
#define DART_VALID	BIT(0)
#define DART_SP_START	GENMASK(63, 52)
#define DART_SP_END	GENMASK(51, 40)
#define DART1_NO_READ	BIT(8)
#define DART1_NO_WRITE	BIT(7)
#define DART1_SP_DIS	BIT(1)
#define DART1_PA	GENMASK(35, 12)
#define DART2_NO_READ	BIT(3)
#define DART2_NO_WRITE	BIT(2)
#define DART2_NO_CACHE	BIT(1)
#define DART2_PA	GENMASK(37, 10)

int fmt_is_arm(uint32_t fmt)
{
	return fmt == PTCORE_FMT_ARM64_LPAE_S1 || fmt == PTCORE_FMT_ARM64_LPAE_S2;
}

int fmt_is_dart(uint32_t fmt)
{
	return fmt == PTCORE_FMT_APPLE_DART || fmt == PTCORE_FMT_APPLE_DART2;
}

/*
 * Geometry. Levels are numbered so that the leaf level is 3 for every format
 * (ARM numbering; a DART walk of n levels covers levels 4-n..3), so the
 * shift of level l is (4 - l) * bpl + granule_lg2 - bpl.
 */
int geom_bpl(const struct ptcore_hw_info *hw)
{
	return hw->granule_lg2 - 3;
}

int geom_shift(const struct ptcore_hw_info *hw, int level)
{
	return (3 - level) * geom_bpl(hw) + hw->granule_lg2;
}

int geom_top(const struct ptcore_hw_info *hw)
{
	if (fmt_is_dart(hw->format))
		return 4 - (int)hw->levels;
	return hw->start_level;
}

static int top_bits(const struct ptcore_hw_info *hw)
{
	int bits = (int)hw->ias - geom_shift(hw, geom_top(hw));

	if (bits < 0)
		bits = 0;
	/* a DART TTBR table holds one granule; the TTBR index takes the rest */
	if (fmt_is_dart(hw->format) && bits > geom_bpl(hw))
		bits = geom_bpl(hw);
	return bits;
}

unsigned geom_top_entries(const struct ptcore_hw_info *hw)
{
	return 1u << top_bits(hw);
}

uint64_t geom_root_base(const struct ptcore_hw_info *hw, unsigned i)
{
	if (!fmt_is_dart(hw->format))
		return 0;
	return (uint64_t)i << (geom_shift(hw, geom_top(hw)) + geom_bpl(hw));
}

static int sane_geometry(const struct ptcore_hw_info *hw)
{
	if (fmt_is_arm(hw->format)) {
		if (hw->granule_lg2 != 12 && hw->granule_lg2 != 14 && hw->granule_lg2 != 16)
			return 0;
		return hw->start_level <= 3 && hw->n_roots == 1 &&
		       geom_shift(hw, hw->start_level) <= hw->ias;
	}
	if (fmt_is_dart(hw->format))
		return (hw->granule_lg2 == 12 || hw->granule_lg2 == 14) &&
		       (hw->levels == 2 || hw->levels == 3) &&
		       hw->n_roots >= 1 && hw->n_roots <= 4;
	return 0;
}

/* Shown level number: ARM's own; DART counts from 1 below the TTBR. */
static int shown_level(const struct ptcore_hw_info *hw, int level)
{
	if (fmt_is_dart(hw->format))
		return level - geom_top(hw) + 1;
	return level;
}

void decode_pte(const struct ptctl *s, int level, uint64_t pte, struct pte_info *pi)
{
	const struct ptcore_hw_info *hw = &s->hw;
	uint64_t mask;

	memset(pi, 0, sizeof(*pi));
	if (!pte) {
		pi->kind = K_EMPTY;
		return;
	}
	if (fmt_is_dart(hw->format)) {
		if (hw->format == PTCORE_FMT_APPLE_DART) {
			mask = DART1_PA;
			pi->oa = pte & mask;
		} else {
			mask = DART2_PA;
			pi->oa = (pte & mask) << 4;
		}
		pi->attrs = pte & ~mask;
		if (!(pte & DART_VALID))
			pi->kind = K_INVALID;
		else
			pi->kind = level == 3 ? K_PAGE : K_TABLE;
		return;
	}
	mask = GENMASK(47, hw->granule_lg2);
	pi->oa = pte & mask;
	if (hw->granule_lg2 == 16) {
		mask |= GENMASK(15, 12);
		pi->oa |= ((pte >> 12) & 0xf) << 48;
	}
	pi->attrs = pte & ~mask;
	switch (pte & 3) {
	case 3:
		pi->kind = level == 3 ? K_PAGE : K_TABLE;
		break;
	case 1:
		pi->kind = level == 3 ? K_RESERVED : K_BLOCK;
		break;
	default:
		pi->kind = K_INVALID;
		break;
	}
}

static const char *mair_name(uint8_t b)
{
	switch (b) {
	case 0x00: return "Device-nGnRnE";
	case 0x04: return "Device-nGnRE";
	case 0x08: return "Device-nGRE";
	case 0x0c: return "Device-GRE";
	case 0x44: return "Normal-NC";
	case 0xbb: return "Normal-WT";
	case 0xff: return "Normal-WB-RWA";
	case 0xf4: return "Normal-oWB-iNC";
	default: return "Normal(other)";
	}
}

static const char *sh_name(unsigned sh)
{
	static const char *const n[] = { "NS", "res1", "OS", "IS" };

	return n[sh & 3];
}

static const char *s2_memattr_name(unsigned v, int fwb)
{
	if (fwb) {
		switch (v) {
		case 0x1: return "Device-nGnRE";
		case 0x5: return "Normal-NC";
		case 0x6: return "Normal-WB(FWB)";
		default: return "other";
		}
	}
	switch (v) {
	case 0x1: return "Device-nGnRE";
	case 0x5: return "Normal-NC";
	case 0xf: return "Normal-WB";
	default: return "other";
	}
}

/* Append to a fixed buffer. */
static void cat(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void cat(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static void arm_attrs(const struct ptctl *s, enum pte_kind kind, uint64_t a, char *buf, size_t len)
{
	const struct ptcore_hw_info *hw = &s->hw;
	int s2 = hw->format == PTCORE_FMT_ARM64_LPAE_S2;
	uint64_t known = 3;

	buf[0] = 0;
	if (kind == K_TABLE) {
		known |= ARM_NSTABLE | GENMASK(62, 59) | ARM_SW;
		if (a & ARM_NSTABLE)
			cat(buf, len, " NSTABLE");
		if (a & GENMASK(62, 61))
			cat(buf, len, " APTable=%u", (unsigned)((a >> 61) & 3));
		if (a & BIT(60))
			cat(buf, len, " UXNTable");
		if (a & BIT(59))
			cat(buf, len, " PXNTable");
	} else if (!s2) {
		unsigned idx = (a >> 2) & 7;
		uint8_t mair = (uint8_t)(hw->arm_mair >> (8 * idx));

		known |= GENMASK(11, 2) | ARM_DBM | ARM_CONT | ARM_XN_HI | ARM_XN_LO | ARM_SW;
		cat(buf, len, " AP=%s/%s", (a & BIT(7)) ? "ro" : "rw", (a & BIT(6)) ? "user" : "priv");
		cat(buf, len, " SH=%s", sh_name((a >> 8) & 3));
		cat(buf, len, " Attr%u(%s)", idx, mair_name(mair));
		if ((a & ARM_XN_HI) && (a & ARM_XN_LO))
			cat(buf, len, " XN");
		else if (a & ARM_XN_HI)
			cat(buf, len, " UXN");
		else if (a & ARM_XN_LO)
			cat(buf, len, " PXN");
		if (a & ARM_NG)
			cat(buf, len, " nG");
		if (a & ARM_AF)
			cat(buf, len, " AF");
		if (a & ARM_NS)
			cat(buf, len, " NS");
		if (a & ARM_DBM)
			cat(buf, len, " DBM");
	} else {
		unsigned ma = (a >> 2) & 0xf;

		known |= GENMASK(10, 2) | ARM_CONT | ARM_XN_HI | ARM_XN_LO | ARM_SW | ARM_DBM;
		cat(buf, len, " S2AP=%c%c", (a & BIT(6)) ? 'r' : '-', (a & BIT(7)) ? 'w' : '-');
		cat(buf, len, " SH=%s", sh_name((a >> 8) & 3));
		cat(buf, len, " MemAttr=0x%x(%s)", ma,
		    s2_memattr_name(ma, !!(s->cfg.features & PTCORE_FEAT_ARM_S2FWB)));
		if (a & (ARM_XN_HI | ARM_XN_LO))
			cat(buf, len, " XN=%u", (unsigned)((a >> 53) & 3));
		if (a & ARM_AF)
			cat(buf, len, " AF");
		if (a & ARM_DBM)
			cat(buf, len, " DBM");
	}
	if (kind != K_TABLE && (a & ARM_CONT))
		cat(buf, len, " CONT");
	/* bits 58:55 are ignored by the walker; io-pgtable-arm marks synced tables with bit 55 */
	if (kind == K_TABLE && (a & BIT(55)))
		cat(buf, len, " SW_SYNC");
	if ((a & ARM_SW) & ~(kind == K_TABLE ? BIT(55) : 0))
		cat(buf, len, " sw=0x%x", (unsigned)((a >> 55) & 0xf));
	if (a & ~known)
		cat(buf, len, " other=0x%" PRIx64, a & ~known);
}

static void dart_attrs(const struct ptctl *s, enum pte_kind kind, uint64_t a, char *buf, size_t len)
{
	int d1 = s->hw.format == PTCORE_FMT_APPLE_DART;
	uint64_t known = DART_VALID;

	buf[0] = 0;
	if (kind == K_PAGE) {
		unsigned sps = (unsigned)((a & DART_SP_START) >> 52);
		unsigned spe = (unsigned)((a & DART_SP_END) >> 40);

		known |= DART_SP_START | DART_SP_END;
		if (d1) {
			known |= DART1_NO_READ | DART1_NO_WRITE | DART1_SP_DIS;
			cat(buf, len, " %c%c", (a & DART1_NO_READ) ? '-' : 'r',
			    (a & DART1_NO_WRITE) ? '-' : 'w');
			if (a & DART1_NO_READ)
				cat(buf, len, " NO_READ");
			if (a & DART1_NO_WRITE)
				cat(buf, len, " NO_WRITE");
			if (a & DART1_SP_DIS)
				cat(buf, len, " SP_DIS");
		} else {
			known |= DART2_NO_READ | DART2_NO_WRITE | DART2_NO_CACHE;
			cat(buf, len, " %c%c", (a & DART2_NO_READ) ? '-' : 'r',
			    (a & DART2_NO_WRITE) ? '-' : 'w');
			if (a & DART2_NO_READ)
				cat(buf, len, " NO_READ");
			if (a & DART2_NO_WRITE)
				cat(buf, len, " NO_WRITE");
			if (a & DART2_NO_CACHE)
				cat(buf, len, " NO_CACHE");
		}
		if (sps == 0 && spe == 0xfff)
			cat(buf, len, " subpage=all");
		else
			cat(buf, len, " subpage=[0x%x..0x%x]", sps, spe);
	} else if (d1 && (a & DART1_SP_DIS)) {
		known |= DART1_SP_DIS;
		cat(buf, len, " SP_DIS");
	}
	if (a & ~known)
		cat(buf, len, " other=0x%" PRIx64, a & ~known);
}

static void attrs_str(const struct ptctl *s, enum pte_kind kind, uint64_t attrs, char *buf, size_t len)
{
	if (fmt_is_dart(s->hw.format))
		dart_attrs(s, kind, attrs, buf, len);
	else
		arm_attrs(s, kind, attrs, buf, len);
}

struct trec *rec_find(struct ptctl *s, uint64_t pa)
{
	size_t i;

	for (i = s->nrecs; i-- > 0;)
		if (s->recs[i].pa == pa && s->recs[i].live)
			return &s->recs[i];
	return NULL;
}

static size_t table_bytes(const struct ptcore_hw_info *hw, int level, unsigned *nent)
{
	unsigned n = level == geom_top(hw) ? geom_top_entries(hw) : 1u << geom_bpl(hw);

	*nent = n;
	return (size_t)n * 8;
}

/*
 * Find the CPU address of the table at @pa, checking that it is a live block
 * of our ops that is big enough, and that ptcore_phys_to_virt agrees with the
 * address the allocator returned. NULL (and a violation) otherwise.
 */
static const uint64_t *table_va(struct ptctl *s, uint64_t pa, size_t bytes, struct trec **recp)
{
	struct trec *r = rec_find(s, pa);
	void *va;

	if (!r) {
		violation(s, "a table entry points to pa=0x%" PRIx64 ", which is not a live table block", pa);
		return NULL;
	}
	if (r->size < bytes) {
		violation(s, "table pa=0x%" PRIx64 " is %zu bytes, the walk reads %zu", pa, r->size, bytes);
		return NULL;
	}
	va = ptcore_phys_to_virt(s->t, pa);
	if (va != r->va) {
		violation(s, "ptcore_phys_to_virt(0x%" PRIx64 ") = %p, allocator returned %p", pa, va, r->va);
		return NULL;
	}
	*recp = r;
	return va;
}

/* ---- generic walk over tables ---- */

typedef int (*table_fn)(struct ptctl *s, struct trec *r, int level, uint64_t base, uint64_t end,
			void *arg);

static int walk_tables(struct ptctl *s, uint64_t pa, int level, uint64_t base, table_fn fn, void *arg)
{
	const struct ptcore_hw_info *hw = &s->hw;
	unsigned nent, i;
	size_t bytes = table_bytes(hw, level, &nent);
	uint64_t esz = 1ULL << geom_shift(hw, level);
	const uint64_t *tbl;
	struct trec *r;
	int ret;

	tbl = table_va(s, pa, bytes, &r);
	if (!tbl)
		return 0;
	ret = fn(s, r, level, base, base + esz * nent - 1, arg);
	if (ret)
		return ret;
	if (level >= 3)
		return 0;
	for (i = 0; i < nent; i++) {
		struct pte_info pi;

		decode_pte(s, level, tbl[i], &pi);
		if (pi.kind != K_TABLE)
			continue;
		ret = walk_tables(s, pi.oa, level + 1, base + esz * i, fn, arg);
		if (ret)
			return ret;
	}
	return 0;
}

static int walk_all(struct ptctl *s, table_fn fn, void *arg)
{
	unsigned i;
	int ret;

	if (!s->t || !sane_geometry(&s->hw))
		return 0;
	for (i = 0; i < s->hw.n_roots && i < 4; i++) {
		ret = walk_tables(s, s->hw.root[i], geom_top(&s->hw), geom_root_base(&s->hw, i), fn, arg);
		if (ret)
			return ret;
	}
	return 0;
}

static int snap_fn(struct ptctl *s, struct trec *r, int level, uint64_t base, uint64_t end, void *arg)
{
	if (r->seen_seq == s->seq)
		violation(s, "table pa=0x%" PRIx64 " is linked twice in the tree", r->pa);
	r->seen = 1;
	r->level = level;
	r->span_start = base;
	r->span_end = end;
	r->seen_seq = s->seq;
	return 0;
}

int snapshot(struct ptctl *s)
{
	int before = s->violations;

	s->seq++;
	walk_all(s, snap_fn, NULL);
	return s->violations - before;
}

static int reach_fn(struct ptctl *s, struct trec *r, int level, uint64_t base, uint64_t end, void *arg)
{
	return r->pa == *(uint64_t *)arg;
}

int table_reachable(struct ptctl *s, uint64_t pa)
{
	return walk_all(s, reach_fn, &pa);
}

/* ---- dump ---- */

static int iova_width(const struct ptcore_hw_info *hw)
{
	int w = (hw->ias + 3) / 4;

	return w < 4 ? 4 : w;
}

static void dump_table(struct ptctl *s, const uint64_t *tbl, unsigned nent, int level,
		       uint64_t base, int indent);

static void print_range(struct ptctl *s, uint64_t a, uint64_t b)
{
	int w = iova_width(&s->hw);

	printf("0x%0*" PRIx64 "-0x%0*" PRIx64, w, a, w, b);
}

static void table_summary(struct ptctl *s, const uint64_t *tbl, unsigned nent, int level)
{
	unsigned i, tables = 0, leaves = 0, bad = 0;
	struct pte_info pi;

	for (i = 0; i < nent; i++) {
		decode_pte(s, level, tbl[i], &pi);
		if (pi.kind == K_TABLE)
			tables++;
		else if (pi.kind == K_BLOCK || pi.kind == K_PAGE)
			leaves++;
		else if (pi.kind != K_EMPTY)
			bad++;
	}
	printf("%u entries: %u table%s, %u lea%s", nent, tables, tables == 1 ? "" : "s",
	       leaves, leaves == 1 ? "f" : "ves");
	if (bad)
		printf(", %u invalid non-zero", bad);
	if (!tables && !leaves && !bad)
		printf(" (empty)");
}

static void dump_table(struct ptctl *s, const uint64_t *tbl, unsigned nent, int level,
		       uint64_t base, int indent)
{
	const struct ptcore_hw_info *hw = &s->hw;
	uint64_t esz = 1ULL << geom_shift(hw, level);
	int lv = shown_level(hw, level);
	char a[256], sz[32];
	unsigned i = 0, j;

	while (i < nent) {
		struct pte_info pi, pj;
		uint64_t iova = base + esz * i;
		char idx[48];

		decode_pte(s, level, tbl[i], &pi);
		if (pi.kind == K_EMPTY) {
			i++;
			continue;
		}
		attrs_str(s, pi.kind, pi.attrs, a, sizeof(a));
		if (pi.kind == K_TABLE) {
			unsigned cn;
			size_t cb = table_bytes(hw, level + 1, &cn);
			struct trec *r;
			const uint64_t *child = table_va(s, pi.oa, cb, &r);

			snprintf(idx, sizeof(idx), "L%d[%u]", lv, i);
			printf("%*s%-12s ", indent, "", idx);
			print_range(s, iova, iova + esz - 1);
			printf(" table -> 0x%" PRIx64 "%s: ", pi.oa, a);
			if (child) {
				table_summary(s, child, cn, level + 1);
				printf("\n");
				dump_table(s, child, cn, level + 1, iova, indent + 2);
			} else {
				printf("(not readable)\n");
			}
			i++;
			continue;
		}
		if (pi.kind != K_BLOCK && pi.kind != K_PAGE) {
			snprintf(idx, sizeof(idx), "L%d[%u]", lv, i);
			printf("%*s%-12s ", indent, "", idx);
			print_range(s, iova, iova + esz - 1);
			printf(" %s 0x%016" PRIx64 "\n",
			       pi.kind == K_RESERVED ? "RESERVED(0b01 at leaf level)" : "INVALID non-zero",
			       tbl[i]);
			i++;
			continue;
		}
		/* a run of leaves with the same attributes and consecutive output */
		for (j = i + 1; j < nent; j++) {
			decode_pte(s, level, tbl[j], &pj);
			if (pj.kind != pi.kind || pj.attrs != pi.attrs ||
			    pj.oa != pi.oa + esz * (j - i))
				break;
		}
		fmt_size(sz, sizeof(sz), esz);
		if (j - i == 1) {
			snprintf(idx, sizeof(idx), "L%d[%u]", lv, i);
			printf("%*s%-12s ", indent, "", idx);
			print_range(s, iova, iova + esz - 1);
			printf(" %s %s -> 0x%" PRIx64 "%s\n", pi.kind == K_BLOCK ? "block" : "page",
			       sz, pi.oa, a);
		} else {
			snprintf(idx, sizeof(idx), "L%d[%u..%u]", lv, i, j - 1);
			printf("%*s%-12s ", indent, "", idx);
			print_range(s, iova, base + esz * j - 1);
			printf(" %u %s %s -> 0x%" PRIx64 "..0x%" PRIx64 "%s\n", j - i,
			       pi.kind == K_BLOCK ? "blocks" : "pages", sz, pi.oa,
			       pi.oa + esz * (j - i) - 1, a);
		}
		i = j;
	}
}

void cmd_dump(struct ptctl *s)
{
	const struct ptcore_hw_info *hw = &s->hw;
	char sz[32];
	unsigned i;

	if (!sane_geometry(hw)) {
		printf("  dump: cannot walk format %u (levels %u, granule 2^%u)\n", hw->format,
		       hw->levels, hw->granule_lg2);
		return;
	}
	for (i = 0; i < hw->n_roots; i++) {
		int top = geom_top(hw);
		unsigned nent;
		size_t bytes = table_bytes(hw, top, &nent);
		uint64_t base = geom_root_base(hw, i);
		struct trec *r;
		const uint64_t *tbl = table_va(s, hw->root[i], bytes, &r);

		if (fmt_is_dart(hw->format))
			printf("  TTBR%u pa=0x%" PRIx64 " ", i, hw->root[i]);
		else
			printf("  root pa=0x%" PRIx64 " ", hw->root[i]);
		printf("L%d ", shown_level(hw, top));
		print_range(s, base, base + (1ULL << geom_shift(hw, top)) * nent - 1);
		if (fmt_is_arm(hw->format) && nent > (1u << geom_bpl(hw)))
			printf(" (%u concatenated %s tables)", nent >> geom_bpl(hw),
			       fmt_size(sz, sizeof(sz), 1ULL << hw->granule_lg2));
		printf(": ");
		if (!tbl) {
			printf("(not readable)\n");
			continue;
		}
		table_summary(s, tbl, nent, top);
		printf("\n");
		dump_table(s, tbl, nent, top, base, 4);
	}
}

/* ---- info ---- */

static const char *rgn_name(unsigned v)
{
	static const char *const n[] = { "NC", "WB-RA-WA", "WT-RA", "WB-RA" };

	return n[v & 3];
}

static int ps_bits(unsigned ps)
{
	static const int b[] = { 32, 36, 40, 42, 44, 48, 52 };

	return ps < 7 ? b[ps] : -1;
}

void cmd_info(struct ptctl *s)
{
	const struct ptcore_hw_info *hw = &s->hw;
	char buf[160], sz[32];
	unsigned i;

	printf("  format %s (%u), granule %s, ias %u, oas %u, features 0x%x\n",
	       format_name(hw->format), hw->format,
	       fmt_size(sz, sizeof(sz), 1ULL << hw->granule_lg2), hw->ias, hw->oas, s->cfg.features);
	printf("  pgsize_bitmap 0x%" PRIx64 " = %s\n", hw->pgsize_bitmap,
	       fmt_pgsizes(buf, sizeof(buf), hw->pgsize_bitmap));
	if (fmt_is_dart(hw->format)) {
		printf("  levels %u below the TTBR select (L1..L%u), %u TTBR%s, each covering %s\n",
		       hw->levels, hw->levels, hw->n_roots, hw->n_roots == 1 ? "" : "s",
		       fmt_size(sz, sizeof(sz), 1ULL << (geom_shift(hw, geom_top(hw)) + top_bits(hw))));
		for (i = 0; i < hw->n_roots && i < 4; i++) {
			printf("  TTBR%u table pa=0x%" PRIx64 "  T8020/T6000 reg = 0x%08" PRIx64
			       " (VALID bit 31 | pa >> 12)", i, hw->root[i],
			       BIT(31) | (hw->root[i] >> 12));
			if (hw->format == PTCORE_FMT_APPLE_DART2)
				printf("  T8110 reg = 0x%08" PRIx64 " (VALID bit 0 | (pa >> 14) << 2)",
				       BIT(0) | ((hw->root[i] >> 14) << 2));
			printf("\n");
		}
		return;
	}
	if (!fmt_is_arm(hw->format)) {
		printf("  levels %u, roots %u, mode %u\n", hw->levels, hw->n_roots, hw->mode);
		return;
	}
	printf("  levels %u, start level %u, root pa=0x%" PRIx64 " (%u entries)\n", hw->levels,
	       hw->start_level, hw->root[0], sane_geometry(hw) ? geom_top_entries(hw) : 0);
	printf("  T0SZ=%u (ias %d)  TG0=%u (%s)  SH0=%u (%s)  ORGN0=%u (%s)  IRGN0=%u (%s)\n",
	       hw->arm_tsz, 64 - hw->arm_tsz, hw->arm_tg,
	       hw->arm_tg == 0 ? "4K" : hw->arm_tg == 1 ? "64K" : hw->arm_tg == 2 ? "16K" : "?",
	       hw->arm_sh, sh_name(hw->arm_sh), hw->arm_orgn, rgn_name(hw->arm_orgn),
	       hw->arm_irgn, rgn_name(hw->arm_irgn));
	if (hw->format == PTCORE_FMT_ARM64_LPAE_S1) {
		uint64_t tcr = (uint64_t)(hw->arm_tsz & 0x3f) | (uint64_t)(hw->arm_irgn & 3) << 8 |
			       (uint64_t)(hw->arm_orgn & 3) << 10 | (uint64_t)(hw->arm_sh & 3) << 12 |
			       (uint64_t)(hw->arm_tg & 3) << 14 | (uint64_t)(hw->arm_ps & 7) << 32;

		printf("  IPS=%u (%d-bit PA)  TCR (TCR_EL1 layout, TTBR0 half) = 0x%" PRIx64 "\n",
		       hw->arm_ps, ps_bits(hw->arm_ps), tcr);
		printf("  MAIR = 0x%016" PRIx64 ":", hw->arm_mair);
		for (i = 0; i < 4; i++) {
			uint8_t b = (uint8_t)(hw->arm_mair >> (8 * i));

			printf(" [%u]=0x%02x %s", i, b, mair_name(b));
		}
		printf("\n  TTBR0 = 0x%" PRIx64 "\n", hw->root[0]);
	} else {
		uint64_t vtcr = (uint64_t)(hw->arm_tsz & 0x3f) | (uint64_t)(hw->arm_sl & 3) << 6 |
				(uint64_t)(hw->arm_irgn & 3) << 8 | (uint64_t)(hw->arm_orgn & 3) << 10 |
				(uint64_t)(hw->arm_sh & 3) << 12 | (uint64_t)(hw->arm_tg & 3) << 14 |
				(uint64_t)(hw->arm_ps & 7) << 16;

		printf("  PS=%u (%d-bit PA)  SL0=%u (start level %u)  VTCR = 0x%" PRIx64 "\n",
		       hw->arm_ps, ps_bits(hw->arm_ps), hw->arm_sl, hw->start_level, vtcr);
		printf("  VTTBR = 0x%" PRIx64 "\n", hw->root[0]);
	}
}

/* ---- translate by reading raw table memory (cross-check of iova_to_phys) ---- */

int walk_translate(struct ptctl *s, uint64_t iova, uint64_t *pa)
{
	const struct ptcore_hw_info *hw = &s->hw;
	int level = geom_top(hw);
	unsigned nent;
	uint64_t span, pa_tbl;

	if (!sane_geometry(hw))
		return -EOPNOTSUPP;
	if (hw->ias < 64 && (iova >> hw->ias))
		return -ERANGE;
	table_bytes(hw, level, &nent);
	span = (uint64_t)nent << geom_shift(hw, level);
	if (iova / span >= hw->n_roots)
		return -ENOENT;
	pa_tbl = hw->root[iova / span];
	for (;;) {
		size_t bytes = table_bytes(hw, level, &nent);
		int shift = geom_shift(hw, level);
		unsigned idx = (unsigned)((iova >> shift) & (nent - 1));
		struct trec *r;
		const uint64_t *tbl = table_va(s, pa_tbl, bytes, &r);
		struct pte_info pi;

		if (!tbl)
			return -EFAULT;
		decode_pte(s, level, tbl[idx], &pi);
		if (pi.kind == K_TABLE && level < 3) {
			pa_tbl = pi.oa;
			level++;
			continue;
		}
		if (pi.kind == K_BLOCK || pi.kind == K_PAGE) {
			*pa = pi.oa + (iova & ((1ULL << shift) - 1));
			return 0;
		}
		return -ENOENT;
	}
}
