// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptcore_walk_model: the hardware-walk model (hw_walk.h) and the oracle
 * (oracle.h) on tables and records written by hand, not by ptcore. Every
 * other suite trusts them to find what ptcore gets wrong; these cases show
 * that they do: a contiguous run that disagrees, an invalid entry that is
 * not zero, a malformed descriptor, a geometry that is not FORMATS.md's, and
 * that a walk reports what it read at each level and resumes from a cached
 * table.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "hw_walk.h"
#include "oracle.h"

#define NTABLES 4
#define TPA(i) (0x40000000ULL + (u64)(i) * SZ_4K) /* "physical" address of table i */

/* ARM bits, written here from the architecture for the hand-made tables */
#define A_TABLE 0x3ULL
#define A_PAGE 0x3ULL
#define A_AF BIT_ULL(10)
#define A_CONT BIT_ULL(52)
#define A_AP_RO BIT_ULL(7)
#define A_DBM BIT_ULL(51)

struct mem {
	u64 (*t)[512]; /* NTABLES 4K tables */
};

static const u64 *mem_read(void *ctx, u64 pa, u64 bytes)
{
	struct mem *m = ctx;
	u64 i = (pa - TPA(0)) / SZ_4K;

	if (pa < TPA(0) || i >= NTABLES || (pa & (SZ_4K - 1)) || bytes > SZ_4K)
		return NULL;
	return m->t[i];
}

/* ARM stage 1, 4K granule, 48-bit input and output: four levels, root = table 0. */
static void s1_4k_48(struct kunit *test, struct mem *m, struct hw_walk *w)
{
	struct ptcore_hw_info hi;
	const char *why = NULL;

	m->t = kunit_kzalloc(test, NTABLES * SZ_4K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->t);
	memset(&hi, 0, sizeof(hi));
	hi.format = PTCORE_FMT_ARM64_LPAE_S1;
	hi.granule_lg2 = 12;
	hi.ias = 48;
	hi.oas = 48;
	hi.levels = 4;
	hi.start_level = 0;
	hi.n_roots = 1;
	hi.root[0] = TPA(0);
	hi.arm_tg = 0;
	hi.arm_tsz = 16;
	hi.arm_ps = 5;
	hi.arm_mair = 0xff00; /* AttrIndx 1: normal write-back */
	KUNIT_ASSERT_EQ_MSG(test, hw_walk_init(w, &hi, 0, mem_read, m, &why), 0, "%s", why);
	/* 0 -> 1 -> 2 -> 3: the tables for IOVA 0..2M */
	m->t[0][0] = TPA(1) | A_TABLE;
	m->t[1][0] = TPA(2) | A_TABLE;
	m->t[2][0] = TPA(3) | A_TABLE;
}

static u64 page(u64 oa)
{
	return oa | A_PAGE | A_AF | (1ULL << 2) | (3ULL << 8);
}

/* A walk reports the table, entry address, entry and next table at every level. */
static void walk_reports_every_level_and_resumes(struct kunit *test)
{
	struct hw_leaf l, r;
	struct hw_walk w;
	struct mem m;
	unsigned int lvl;

	s1_4k_48(test, &m, &w);
	m.t[3][5] = page(0x80005000ULL);
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&w, 5 * SZ_4K + 0x123, &l), HW_OK);
	KUNIT_EXPECT_EQ(test, l.oa, 0x80005123ULL);
	KUNIT_EXPECT_EQ(test, l.level, 3);
	KUNIT_EXPECT_EQ(test, l.walk_levels, 0xfU);
	for (lvl = 0; lvl < 4; lvl++) {
		KUNIT_EXPECT_EQ(test, l.walk_table[lvl], TPA(lvl));
		KUNIT_EXPECT_EQ(test, l.walk_entry[lvl], TPA(lvl) + (lvl == 3 ? 5 * 8 : 0));
		if (lvl < 3)
			KUNIT_EXPECT_EQ(test, l.walk_next[lvl], TPA(lvl + 1));
	}
	KUNIT_EXPECT_TRUE(test, l.read && l.write && l.priv_only); /* AP[1] clear */
	KUNIT_EXPECT_EQ(test, l.memtype, HW_MT_NORMAL_WB);
	/* from the level-2 table a walk cache holds: the same leaf */
	KUNIT_ASSERT_EQ(test, hw_walk_iova_from(&w, 5 * SZ_4K + 0x123, 3, TPA(3), &r), HW_OK);
	KUNIT_EXPECT_EQ(test, r.oa, l.oa);
	KUNIT_EXPECT_EQ(test, r.pte, l.pte);
	KUNIT_EXPECT_EQ(test, r.walk_levels, 1U << 3);
	/* an invalid entry: the fault, and where the walk stopped */
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, 6 * SZ_4K, &l), HW_FAULT_INVALID);
	KUNIT_EXPECT_EQ(test, l.level, 3);
	KUNIT_EXPECT_EQ(test, l.walk_entry[3], TPA(3) + 6 * 8);
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, 1ULL << 48, &l), HW_FAULT_RANGE);
	/* a table entry to memory that is not a table */
	m.t[2][1] = 0x7000000ULL | A_TABLE;
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, SZ_2M, &l), HW_FAULT_MEMORY);
}

/* A contiguous run: aligned, complete, every entry alike but for its address. */
static void contig_run_must_be_consistent(struct kunit *test)
{
	struct hw_leaf l;
	struct hw_walk w;
	struct mem m;
	unsigned int i;

	s1_4k_48(test, &m, &w);
	for (i = 0; i < 16; i++)
		m.t[3][16 + i] = page(0x80010000ULL + i * SZ_4K) | A_CONT;
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&w, 20 * SZ_4K + 8, &l), HW_OK);
	KUNIT_EXPECT_EQ(test, l.run_size, (u64)SZ_64K);
	KUNIT_EXPECT_EQ(test, l.run_iova, 16ULL * SZ_4K);
	KUNIT_EXPECT_EQ(test, l.run_oa, 0x80010000ULL);
	KUNIT_EXPECT_EQ(test, l.oa, 0x80014008ULL);
	/* one entry read-only: the run disagrees */
	m.t[3][25] |= A_AP_RO;
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, 20 * SZ_4K, &l), HW_FAULT_CONTIG);
	m.t[3][25] &= ~A_AP_RO;
	/* one entry without the hint */
	m.t[3][31] &= ~A_CONT;
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, 20 * SZ_4K, &l), HW_FAULT_CONTIG);
	m.t[3][31] |= A_CONT;
	/* addresses that do not follow each other */
	m.t[3][17] += SZ_4K;
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, 20 * SZ_4K, &l), HW_FAULT_CONTIG);
	m.t[3][17] -= SZ_4K;
	/* a run whose output is not aligned to the run */
	for (i = 0; i < 16; i++)
		m.t[3][16 + i] += SZ_4K;
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, 20 * SZ_4K, &l), HW_FAULT_CONTIG);
	/* the hint at level 1 of a 4K granule: no such run */
	m.t[1][1] = 0x40000000ULL | 0x1 | A_AF | A_CONT;
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, SZ_1G, &l), HW_FAULT_MALFORMED);
}

/*
 * Dirty state (DBM): writable-clean is writable, a write makes only the entry
 * it went through dirty, and a run may then differ in that bit alone.
 */
static void dbm_write_marks_one_entry_dirty(struct kunit *test)
{
	struct hw_leaf l;
	struct hw_walk w;
	struct mem m;
	unsigned int i;

	s1_4k_48(test, &m, &w);
	for (i = 0; i < 16; i++)
		m.t[3][16 + i] = page(0x80010000ULL + i * SZ_4K) | A_CONT | A_DBM | A_AP_RO;
	m.t[3][40] = page(0x80100000ULL) | A_AP_RO;	/* read-only, no DBM */
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&w, 20 * SZ_4K, &l), HW_OK);
	KUNIT_EXPECT_TRUE(test, l.dbm && l.write && !l.dirty);
	m.t[3][20] = hw_walk_written_pte(&w, &l);
	KUNIT_EXPECT_EQ(test, m.t[3][20], page(0x80014000ULL) | A_CONT | A_DBM); /* AP[2] cleared */
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&w, 20 * SZ_4K, &l), HW_OK);
	KUNIT_EXPECT_TRUE(test, l.dirty);
	KUNIT_EXPECT_EQ(test, hw_walk_written_pte(&w, &l), l.pte);	/* dirty stays dirty */
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&w, 21 * SZ_4K, &l), HW_OK);
	KUNIT_EXPECT_FALSE(test, l.dirty);
	/* without DBM the same difference is an inconsistent run */
	for (i = 0; i < 16; i++)
		m.t[3][16 + i] &= ~A_DBM;
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, 21 * SZ_4K, &l), HW_FAULT_CONTIG);
	/* read-only without DBM: not writable, a write changes nothing */
	KUNIT_ASSERT_EQ(test, hw_walk_iova(&w, 40 * SZ_4K, &l), HW_OK);
	KUNIT_EXPECT_FALSE(test, l.write || l.dbm || l.dirty);
	KUNIT_EXPECT_EQ(test, hw_walk_written_pte(&w, &l), l.pte);
}

struct seen {
	unsigned int leaves, bad, invalid;
};

static int count_leaf(void *ctx, const struct hw_leaf *leaf)
{
	((struct seen *)ctx)->leaves++;
	return 0;
}

static int count_bad(void *ctx, u64 iova, unsigned int level, u64 pte, enum hw_fault f)
{
	struct seen *s = ctx;

	s->bad++;
	if (f == HW_FAULT_INVALID)
		s->invalid++;
	return 0;
}

/* The visitor reports what the walker cannot use, and invalid entries that are not zero. */
static void visit_reports_malformed_and_nonzero_invalid(struct kunit *test)
{
	struct seen s = { 0 };
	struct hw_visitor v = { .leaf = count_leaf, .bad = count_bad, .ctx = &s };
	struct hw_walk w;
	struct mem m;

	s1_4k_48(test, &m, &w);
	m.t[3][0] = page(0x80000000ULL);
	m.t[3][1] = 0x80001000ULL; /* valid bit clear, not zero */
	m.t[3][2] = 0x80002000ULL | 0x1 | A_AF; /* block type at level 3: reserved */
	m.t[3][3] = page(0x80003000ULL);
	KUNIT_EXPECT_EQ(test, hw_walk_visit(&w, &v), -(int)HW_FAULT_INVALID);
	KUNIT_EXPECT_EQ(test, s.leaves, 2);
	KUNIT_EXPECT_EQ(test, s.bad, 2);
	KUNIT_EXPECT_EQ(test, s.invalid, 1);
	/* without a bad callback the first malformed entry stops the walk */
	memset(&s, 0, sizeof(s));
	KUNIT_EXPECT_EQ(test, hw_walk_for_each(&w, NULL, count_leaf, &s), -(int)HW_FAULT_MALFORMED);
	KUNIT_EXPECT_EQ(test, s.leaves, 1);
}

/* The registers' geometry against FORMATS.md's for a configuration. */
static void check_cfg_rejects_other_geometry(struct kunit *test)
{
	struct ptcore_cfg cfg = {
		.format = PTCORE_FMT_ARM64_LPAE_S1, .granule_lg2 = 12, .ias = 48, .oas = 48,
	};
	const char *why = NULL;
	struct hw_walk w;
	struct mem m;

	s1_4k_48(test, &m, &w);
	KUNIT_EXPECT_EQ_MSG(test, hw_walk_check_cfg(&w, &cfg, &why), 0, "%s", why);
	cfg.ias = 39;
	KUNIT_EXPECT_EQ(test, hw_walk_check_cfg(&w, &cfg, &why), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, why);
	cfg.ias = 48;
	cfg.granule_lg2 = 14;
	KUNIT_EXPECT_EQ(test, hw_walk_check_cfg(&w, &cfg, &why), -EINVAL);
	cfg.granule_lg2 = 12;
	cfg.format = PTCORE_FMT_ARM64_LPAE_S2;
	KUNIT_EXPECT_EQ(test, hw_walk_check_cfg(&w, &cfg, &why), -EINVAL);
	cfg.format = PTCORE_FMT_ARM64_LPAE_S1;
	w.hi.levels = 3; /* hw_info disagrees with its own registers */
	KUNIT_EXPECT_EQ(test, hw_walk_check_cfg(&w, &cfg, &why), -EINVAL);
}

/* DART2: a table entry with bits beyond its address is malformed; TTBRs split the space. */
static void dart2_table_entry_holds_only_an_address(struct kunit *test)
{
	enum hw_entry_kind kind;
	struct ptcore_hw_info hi;
	const char *why = NULL;
	u64 desc, next;
	struct hw_leaf l;
	struct hw_walk w;
	struct mem m;

	m.t = kunit_kzalloc(test, NTABLES * SZ_4K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m.t);
	memset(&hi, 0, sizeof(hi));
	hi.format = PTCORE_FMT_APPLE_DART2;
	hi.granule_lg2 = 14;
	hi.ias = 36;
	hi.oas = 42;
	hi.levels = 2;
	hi.n_roots = 1;
	hi.root[0] = 0x40000000ULL; /* 16K aligned; the tables of mem_read() are 4K */
	KUNIT_ASSERT_EQ_MSG(test, hw_walk_init(&w, &hi, 0, mem_read, &m, &why), 0, "%s", why);
	KUNIT_EXPECT_EQ(test, w.ttbr_shift, 36);
	/* a 16K table is 2048 entries: more than mem_read hands out */
	KUNIT_EXPECT_EQ(test, hw_walk_iova(&w, 0, &l), HW_FAULT_MEMORY);
	KUNIT_EXPECT_EQ(test, hw_walk_expected_table(&w, 0x123454000ULL),
			((0x123454000ULL >> 4) & GENMASK_ULL(37, 10)) | 1);
	desc = hw_walk_expected_table(&w, 0x40004000ULL);
	KUNIT_EXPECT_EQ(test, hw_walk_decode(&w, desc, 0, &kind, &next), HW_OK);
	KUNIT_EXPECT_EQ(test, kind, HW_ENTRY_TABLE);
	KUNIT_EXPECT_EQ(test, next, 0x40004000ULL);
	KUNIT_EXPECT_EQ(test, hw_walk_decode(&w, desc | 0x4, 0, &kind, &next), HW_FAULT_MALFORMED);
}

/* The oracle: unmap never splits; Linux's iommu_pgsize() split. */
static void oracle_unmap_and_split_follow_abi(struct kunit *test)
{
	struct orc_geom g = { .ias = 48, .pa_bits = 48, .pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G };
	struct orc_unmap_result r;
	struct oracle o;
	u64 count;

	KUNIT_ASSERT_EQ(test, orc_init(&o), 0);
	KUNIT_EXPECT_EQ(test, orc_map_args(&g, SZ_4K, 0, SZ_2M, 1, PTCORE_PROT_READ), -EINVAL);
	KUNIT_EXPECT_EQ(test, orc_map_args(&g, 0, 0, SZ_4K, 1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, orc_map_args(&g, 1ULL << 48, 0, SZ_4K, 1, PTCORE_PROT_READ), -ERANGE);
	KUNIT_ASSERT_EQ(test, orc_insert(&o, SZ_2M, SZ_1G, SZ_2M, 1, PTCORE_PROT_READ), 0);
	KUNIT_ASSERT_EQ(test, orc_insert(&o, 2 * SZ_2M, 0, SZ_4K, 2, PTCORE_PROT_READ), 0);
	KUNIT_EXPECT_EQ(test, o.bytes, (u64)SZ_2M + 2 * SZ_4K);
	KUNIT_EXPECT_EQ(test, orc_map_room(&o, 0, SZ_4K, 1024), (u64)SZ_2M / SZ_4K);
	/* a start inside a leaf removes nothing */
	orc_unmap(&o, &g, SZ_2M + SZ_4K, SZ_4K, &r);
	KUNIT_EXPECT_EQ(test, r.ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, r.unmapped, 0);
	/* an end inside a leaf removes it whole */
	orc_unmap(&o, &g, SZ_2M, SZ_4K, &r);
	KUNIT_EXPECT_EQ(test, r.ret, 0);
	KUNIT_EXPECT_EQ(test, r.unmapped, (u64)SZ_2M);
	/* a hole after the prefix */
	orc_unmap(&o, &g, 2 * SZ_2M, 3 * SZ_4K, &r);
	KUNIT_EXPECT_EQ(test, r.ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, r.unmapped, 2ULL * SZ_4K);
	KUNIT_EXPECT_EQ(test, o.n, 0);
	/* 0xfef80000..0xfef9ffff: 4K pages, no 2M page fits */
	KUNIT_EXPECT_EQ(test, orc_pgsize(g.pgsize_bitmap, 0xfef80000ULL, 0x208b95d000ULL,
					 0x20000, &count), (u64)SZ_4K);
	KUNIT_EXPECT_EQ(test, count, 0x20);
	/* 4K pages up to the 2M boundary, then 2M */
	KUNIT_EXPECT_EQ(test, orc_pgsize(g.pgsize_bitmap, SZ_2M - SZ_4K, SZ_2M - SZ_4K,
					 SZ_2M + SZ_4K, &count), (u64)SZ_4K);
	KUNIT_EXPECT_EQ(test, count, 1);
	KUNIT_EXPECT_EQ(test, orc_insert_split(&o, g.pgsize_bitmap, SZ_2M - SZ_4K, SZ_2M - SZ_4K,
					       SZ_2M + SZ_4K, PTCORE_PROT_READ), 0);
	KUNIT_EXPECT_EQ(test, o.n, 2);
	orc_free(&o);
}

static struct kunit_case model_cases[] = {
	KUNIT_CASE(walk_reports_every_level_and_resumes),
	KUNIT_CASE(contig_run_must_be_consistent),
	KUNIT_CASE(dbm_write_marks_one_entry_dirty),
	KUNIT_CASE(visit_reports_malformed_and_nonzero_invalid),
	KUNIT_CASE(check_cfg_rejects_other_geometry),
	KUNIT_CASE(dart2_table_entry_holds_only_an_address),
	KUNIT_CASE(oracle_unmap_and_split_follow_abi),
	{}
};

static struct kunit_suite model_suite = {
	.name = "ptcore_walk_model",
	.test_cases = model_cases,
};

kunit_test_suites(&model_suite);

MODULE_DESCRIPTION("KUnit tests of the hardware-walk model and the oracle the suites rely on");
MODULE_LICENSE("Dual MIT/GPL");
