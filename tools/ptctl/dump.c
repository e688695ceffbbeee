// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptctl: reading raw table memory. The walk, the geometry and the decoding of
 * every entry are the hardware-walk model's (kunit/hw_walk.c, written from
 * the architecture, independently of ptcore's code); this file prints the
 * tree and the hw_info register fields, and checks that every table linked
 * in the tree is one our ops handed out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ptctl.h"
#include <linux/types.h>
#include "hw_walk.h"

#define BIT(n)		((uint64_t)1 << (n))
#define GENMASK(h, l)	((~(uint64_t)0 >> (63 - (h))) & ~(((uint64_t)1 << (l)) - 1))

/* ARM descriptor bits, for printing */
#define ARM_NSTABLE	BIT(63)
#define ARM_XN_HI	BIT(54)	/* S1 UXN, S2 XN[1] */
#define ARM_XN_LO	BIT(53)	/* S1 PXN, S2 XN[0] */
#define ARM_CONT	BIT(52)
#define ARM_DBM		BIT(51)
#define ARM_NG		BIT(11)
#define ARM_AF		BIT(10)
#define ARM_NS		BIT(5)
#define ARM_SW		GENMASK(58, 55)

/* DART descriptor bits, for printing */
#define DART_VALID	BIT(0)
#define DART_SP_START	GENMASK(63, 52)
#define DART_SP_END	GENMASK(51, 40)
#define DART1_NO_READ	BIT(8)
#define DART1_NO_WRITE	BIT(7)
#define DART1_SP_DIS	BIT(1)
#define DART2_NO_READ	BIT(3)
#define DART2_NO_WRITE	BIT(2)
#define DART2_NO_CACHE	BIT(1)

int fmt_is_arm(uint32_t fmt)
{
	return fmt == PTCORE_FMT_ARM64_LPAE_S1 || fmt == PTCORE_FMT_ARM64_LPAE_S2;
}

int fmt_is_dart(uint32_t fmt)
{
	return fmt == PTCORE_FMT_APPLE_DART || fmt == PTCORE_FMT_APPLE_DART2;
}

/* Decoded entry kinds. */
enum pte_kind { K_EMPTY, K_INVALID, K_TABLE, K_BLOCK, K_PAGE, K_MALFORMED };

struct pte_info {
	enum pte_kind kind;
	enum hw_fault fault;	/* K_MALFORMED: why */
	uint64_t oa;		/* output address, or the next table's PA */
	uint64_t attrs;		/* the entry without its address field */
};

static const u64 *read_table(void *ctx, u64 pa, u64 bytes);

/* The model for the table's registers; false when it cannot walk them (*@why). */
static bool model(struct ptctl *s, struct hw_walk *w, const char **why)
{
	return s->t && !hw_walk_init(w, &s->hw, s->cfg.features, read_table, s, why);
}

static unsigned int min_u(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

/*
 * Shown level number: ARM's own (-1 for LPA2's extra level); DART counts from
 * 1 below the TTBR; RISC-V's own, LEVELS - 1 at the root down to 0; x86's
 * own, PT is 1; AMD v1 down to 1.
 */
static int shown_level(const struct hw_walk *w, unsigned int level)
{
	if (w->riscv)
		return (int)(w->last_level - level);
	if (w->x86)
		return (int)(w->last_level + 1 - level);
	if (w->amdv1)
		return (int)(w->levels - level);
	if (w->v7s)
		return (int)level + 1;	/* first and second level */
	return w->arm ? (int)level - (int)w->lvl_bias : (int)level + 1;
}

static void decode_pte(const struct hw_walk *w, unsigned int level, uint64_t pte,
		       struct pte_info *pi)
{
	enum hw_entry_kind kind;

	memset(pi, 0, sizeof(*pi));
	pi->attrs = pte & ~hw_walk_addr_mask(w);
	if (!pte) {
		pi->kind = K_EMPTY;
		return;
	}
	pi->fault = hw_walk_decode(w, pte, level, &kind, &pi->oa);
	if (pi->fault)
		pi->kind = K_MALFORMED;
	else if (kind == HW_ENTRY_INVALID)
		pi->kind = K_INVALID;
	else if (kind == HW_ENTRY_TABLE)
		pi->kind = K_TABLE;
	else
		pi->kind = level == w->last_level ? K_PAGE : K_BLOCK;
	/* v7s: the address field depends on the kind of entry */
	if (w->v7s && !pi->fault)
		pi->attrs = pte & ~pi->oa;
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
		if (s->cfg.features & PTCORE_FEAT_ARM_LPA2)	/* bits 9:8 are OA[51:50] */
			cat(buf, len, " SH=TCR");
		else
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
		if (s->cfg.features & PTCORE_FEAT_ARM_LPA2)	/* bits 9:8 are OA[51:50] */
			cat(buf, len, " SH=TCR");
		else
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

/* RISC-V (privileged spec names): V R W X U G A D, PBMT, N; the rest in hex. */
static void riscv_attrs(enum pte_kind kind, uint64_t attrs, char *buf, size_t len)
{
	static const char *const names[] = { "V", "R", "W", "X", "U", "G", "A", "D" };
	size_t used = 0;
	unsigned int i;

	buf[0] = 0;
	if (kind == K_TABLE && attrs == BIT(0))
		return;				/* PPN | V: nothing more to say */
	for (i = 0; i < 8; i++)
		if (attrs & BIT(i))
			used += snprintf(buf + used, used < len ? len - used : 0, " %s", names[i]);
	if (attrs & ~(uint64_t)0xff)
		snprintf(buf + used, used < len ? len - used : 0, " other=0x%" PRIx64,
			 attrs & ~(uint64_t)0xff);
}

/* AMD v1: PR, NextLevel, HD (and A), FC, IR/IW; a sized page's size is in its address */
static void amdv1_attrs(enum pte_kind kind, uint64_t a, char *buf, size_t len)
{
	uint64_t known = BIT(0) | GENMASK(11, 9) | BIT(5) | BIT(6) | BIT(60) | BIT(61) | BIT(62);
	unsigned int nl = (unsigned int)((a >> 9) & 7);

	buf[0] = 0;
	cat(buf, len, " %c%c NextLevel=%u%s", (a & BIT(61)) ? 'r' : '-', (a & BIT(62)) ? 'w' : '-',
	    nl, kind != K_TABLE && nl == 7 ? "(sized)" : "");
	if (a & BIT(60))
		cat(buf, len, " FC");
	if (a & BIT(6))
		cat(buf, len, " D");
	if (a & BIT(5))
		cat(buf, len, " A");
	if (a & ~known)
		cat(buf, len, " other=0x%" PRIx64, a & ~known);
}

static void attrs_str(const struct ptctl *s, enum pte_kind kind, uint64_t attrs, char *buf, size_t len)
{
	if (s->hw.format == PTCORE_FMT_AMDV1)
		amdv1_attrs(kind, attrs, buf, len);
	else if (s->hw.format == PTCORE_FMT_ARM_V7S)
		v7s_attrs(kind != K_PAGE, kind == K_TABLE, attrs, buf, len);
	else if (fmt_is_dart(s->hw.format))
		dart_attrs(s, kind, attrs, buf, len);
	else if (s->hw.format == PTCORE_FMT_RISCV64)
		riscv_attrs(kind, attrs, buf, len);
	else if (fmt_is_x86(s->hw.format))
		x86_attrs(s->hw.format, kind == K_TABLE, attrs, buf, len);
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

/* The model reads table memory only through table_va(). */
static const u64 *read_table(void *ctx, u64 pa, u64 bytes)
{
	struct trec *r;

	return table_va(ctx, pa, (size_t)bytes, &r);
}

/* ---- every reachable table ---- */

struct tables {
	struct ptctl *s;
	uint64_t find;		/* table_reachable(): the table looked for */
};

static int snap_fn(void *ctx, u64 pa, unsigned int level, u64 iova, u64 span, u64 bytes, u64 desc)
{
	struct tables *t = ctx;
	struct ptctl *s = t->s;
	struct trec *r = rec_find(s, pa);

	if (!r)
		return 0;
	if (r->seen_seq == s->seq)
		violation(s, "table pa=0x%" PRIx64 " is linked twice in the tree", r->pa);
	r->seen = 1;
	r->level = (int)level;
	r->span_start = iova;
	r->span_end = iova + (span - 1);
	r->seen_seq = s->seq;
	return 0;
}

/* Entries the walk cannot follow are shown by dump; the walk goes on. */
static int skip_bad(void *ctx, u64 iova, unsigned int level, u64 pte, enum hw_fault f)
{
	return 0;
}

int snapshot(struct ptctl *s)
{
	struct tables t = { .s = s };
	struct hw_visitor v = { .table = snap_fn, .bad = skip_bad, .ctx = &t };
	int before = s->violations;
	struct hw_walk w;

	s->seq++;
	if (model(s, &w, NULL))
		hw_walk_visit(&w, &v);
	return s->violations - before;
}

static int reach_fn(void *ctx, u64 pa, unsigned int level, u64 iova, u64 span, u64 bytes, u64 desc)
{
	struct tables *t = ctx;

	return pa == t->find;
}

int table_reachable(struct ptctl *s, uint64_t pa)
{
	struct tables t = { .s = s, .find = pa };
	struct hw_visitor v = { .table = reach_fn, .bad = skip_bad, .ctx = &t };
	struct hw_walk w;

	return model(s, &w, NULL) && hw_walk_visit(&w, &v) > 0;
}

/* ---- dump ---- */

static int iova_width(const struct ptcore_hw_info *hw)
{
	int w = (hw->ias + 3) / 4;

	return w < 4 ? 4 : w;
}

static void print_range(struct ptctl *s, uint64_t a, uint64_t b)
{
	int w = iova_width(&s->hw);

	printf("0x%0*" PRIx64 "-0x%0*" PRIx64, w, a, w, b);
}

static void table_summary(const struct hw_walk *w, const uint64_t *tbl, unsigned int nent,
			  unsigned int level)
{
	unsigned int i, tables = 0, leaves = 0, bad = 0;
	struct pte_info pi;

	for (i = 0; i < nent; i++) {
		decode_pte(w, level, hw_walk_table_entry(w, tbl, i), &pi);
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
		printf(", %u invalid non-zero or malformed", bad);
	if (!tables && !leaves && !bad)
		printf(" (empty)");
}

static void dump_table(struct ptctl *s, const struct hw_walk *w, const uint64_t *tbl,
		       unsigned int nent, unsigned int level, uint64_t base, int indent)
{
	uint64_t esz = 1ULL << hw_walk_entry_shift(w, level);
	int lv = shown_level(w, level);
	char a[256], sz[32];
	unsigned int i = 0, j;
	bool rep;

	while (i < nent) {
		struct pte_info pi, pj;
		uint64_t iova = base + esz * i;
		char idx[48];

		decode_pte(w, level, hw_walk_table_entry(w, tbl, i), &pi);
		if (pi.kind == K_EMPTY) {
			i++;
			continue;
		}
		attrs_str(s, pi.kind, pi.attrs, a, sizeof(a));
		if (pi.kind == K_TABLE) {
			unsigned int cn = (unsigned int)hw_walk_table_entries(w, level + 1);
			size_t cb = (size_t)hw_walk_table_bytes(w, level + 1);
			struct trec *r;
			const uint64_t *child = table_va(s, pi.oa, cb, &r);

			snprintf(idx, sizeof(idx), "L%d[%u]", lv, i);
			printf("%*s%-12s ", indent, "", idx);
			print_range(s, iova, iova + esz - 1);
			printf(" table -> 0x%" PRIx64 "%s: ", pi.oa, a);
			if (child) {
				table_summary(w, child, cn, level + 1);
				printf("\n");
				dump_table(s, w, child, cn, level + 1, iova, indent + 2);
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
			if (pi.kind == K_MALFORMED)
				printf(" MALFORMED(%s)", hw_fault_name(pi.fault));
			else
				printf(" INVALID non-zero");
			printf(" 0x%016" PRIx64 "\n", hw_walk_table_entry(w, tbl, i));
			i++;
			continue;
		}
		/*
		 * a run of leaves with the same attributes and consecutive output
		 * (v7s large pages and supersections: entries that all hold its base)
		 */
		rep = w->v7s && (level ? !(hw_walk_table_entry(w, tbl, i) & BIT(1)) :
				 (hw_walk_table_entry(w, tbl, i) & BIT(18)));
		for (j = i + 1; j < nent; j++) {
			decode_pte(w, level, hw_walk_table_entry(w, tbl, j), &pj);
			if (pj.kind != pi.kind || pj.attrs != pi.attrs ||
			    pj.oa != pi.oa + (rep ? 0 : esz * (j - i)))
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
	const char *why = NULL;
	struct hw_walk w;
	char sz[32];
	unsigned int i;

	if (!model(s, &w, &why)) {
		printf("  dump: cannot walk format %u (levels %u, granule 2^%u): %s\n", hw->format,
		       hw->levels, hw->granule_lg2, why ? why : "no table");
		return;
	}
	for (i = 0; i < w.n_roots; i++) {
		unsigned int top = w.start_level, nent = (unsigned int)hw_walk_table_entries(&w, top);
		unsigned int shift = hw_walk_entry_shift(&w, top);

		/* a DART TTBR table below the input size: only the entries ias reaches */
		if (!w.arm && w.ias < shift + w.bpl)
			nent = 1u << (w.ias > shift ? w.ias - shift : 0);
		uint64_t base = hw_walk_root_iova(&w, i);
		struct trec *r;
		const uint64_t *tbl = table_va(s, hw->root[i], hw_walk_table_bytes(&w, top), &r);

		if (!w.arm && !w.x86 && !w.amdv1 && !w.v7s)
			printf("  TTBR%u pa=0x%" PRIx64 " ", i, hw->root[i]);
		else
			printf("  root pa=0x%" PRIx64 " ", hw->root[i]);
		printf("L%d ", shown_level(&w, top));
		print_range(s, base, base + (1ULL << hw_walk_entry_shift(&w, top)) * nent - 1);
		if (w.arm && nent > (1u << w.bpl))
			printf(" (%u concatenated %s tables)", nent >> w.bpl,
			       fmt_size(sz, sizeof(sz), 1ULL << w.pg_shift));
		printf(": ");
		if (!tbl) {
			printf("(not readable)\n");
			continue;
		}
		table_summary(&w, tbl, nent, top);
		printf("\n");
		dump_table(s, &w, tbl, nent, top, base, 4);
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
	struct hw_walk w;
	bool ok = model(s, &w, NULL);

	printf("  format %s (%u), granule %s, ias %u, oas %u, features 0x%x\n",
	       format_name(hw->format), hw->format,
	       fmt_size(sz, sizeof(sz), 1ULL << hw->granule_lg2), hw->ias, hw->oas, s->cfg.features);
	printf("  pgsize_bitmap 0x%" PRIx64 " = %s\n", hw->pgsize_bitmap,
	       fmt_pgsizes(buf, sizeof(buf), hw->pgsize_bitmap));
	if (fmt_is_dart(hw->format)) {
		printf("  levels %u below the TTBR select (L1..L%u), %u TTBR%s, each covering %s\n",
		       hw->levels, hw->levels, hw->n_roots, hw->n_roots == 1 ? "" : "s",
		       fmt_size(sz, sizeof(sz), ok ? 1ULL << min_u(w.ttbr_shift, w.ias) : 0));
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
	if (hw->format == PTCORE_FMT_RISCV64) {
		printf("  levels %u (Sv%u), root pa=0x%" PRIx64 "  iosatp = 0x%016" PRIx64
		       " (MODE %u << 60 | PPN)\n", hw->levels, 12 + 9 * hw->levels, hw->root[0],
		       (uint64_t)hw->mode << 60 | hw->root[0] >> 12, hw->mode);
		return;
	}
	if (fmt_is_x86(hw->format)) {
		x86_info(hw);
		return;
	}
	if (hw->format == PTCORE_FMT_AMDV1) {
		printf("  levels %u, DTE Mode=%u, root pa=0x%" PRIx64 " (DTE[51:12] = pa >> 12)\n",
		       hw->levels, hw->mode, hw->root[0]);
		return;
	}
	if (hw->format == PTCORE_FMT_ARM_V7S) {
		v7s_info(hw);
		return;
	}
	if (!fmt_is_arm(hw->format)) {
		printf("  levels %u, roots %u, mode %u\n", hw->levels, hw->n_roots, hw->mode);
		return;
	}
	printf("  levels %u, start level %d, root pa=0x%" PRIx64 " (%u entries)\n", hw->levels,
	       (int8_t)hw->start_level, hw->root[0],
	       ok ? (unsigned int)hw_walk_table_entries(&w, w.start_level) : 0);
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
	struct hw_leaf leaf;
	struct hw_walk w;

	if (!model(s, &w, NULL))
		return -EOPNOTSUPP;
	switch (hw_walk_iova(&w, iova, &leaf)) {
	case HW_OK:
		*pa = leaf.oa;
		return 0;
	case HW_FAULT_RANGE:
		return -ERANGE;
	case HW_FAULT_INVALID:
		return -ENOENT;
	default:
		return -EFAULT;	/* a table that is not ours, or an entry hardware rejects */
	}
}
