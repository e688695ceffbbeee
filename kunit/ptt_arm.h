/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What the ARM LPAE KUnit suites (kunit/ptcore_arm_*_test.c) share: the
 * FORMATS.md formulas they compute expectations with, counting ops for
 * create-only checks, and their parameter tables. Kernel-compatible C.
 */
#ifndef PTCORE_KUNIT_PTT_ARM_H
#define PTCORE_KUNIT_PTT_ARM_H

#include <kunit/test.h>
#include <linux/types.h>
#include <ptcore.h>

#define S1 PTCORE_FMT_ARM64_LPAE_S1
#define S2 PTCORE_FMT_ARM64_LPAE_S2
#define RW (PTCORE_PROT_READ | PTCORE_PROT_WRITE)
#define ptt_ull(x) ((unsigned long long)(x))

/* The output sizes (PS/IPS encodings 0..6) in bits. */
extern const unsigned char arm_oas_list[7];

struct arm_geom {
	unsigned int bpl, levels, start_level, pgd_bits;
};

/* io-pgtable-arm's geometry, with 6.1's stage-2 concatenation */
struct arm_geom arm_expected_geom(u32 fmt, unsigned int pg_shift, unsigned int ias);
/* log2 of the span of one entry at @level */
unsigned int arm_level_shift(unsigned int pg_shift, unsigned int level);
/* Leaf sizes of the granule (Linux's list), and the contiguous-hint sizes. */
u64 arm_base_sizes(unsigned int pg_shift, unsigned int oas);
u64 arm_contig_sizes(unsigned int pg_shift);
/* sizes whose entries live at a level the walk has */
u64 arm_sizes_fitting(u64 sizes, unsigned int pg_shift, unsigned int start_level);
/* The PS encoding of @oas (99 when there is none). */
unsigned int arm_ps(unsigned int oas);

/* Counting ops for create-only checks (no ptt_ctx). */
struct mini_ops {
	struct ptcore_ops ops;
	unsigned int allocs, frees, fail_at;
	u64 first_size, first_pa;
};

void arm_mini_init(struct mini_ops *m, struct ptcore_cfg *cfg);

/* Every format x granule. */
struct arm_variant {
	u32 fmt;
	unsigned int pg_shift;
};

extern const struct arm_variant arm_variants[6];
void arm_variant_desc(const struct arm_variant *v, char *desc);

/* One table configuration of the IOMMU and unmap suites. */
struct iommu_cfg {
	u32 fmt;
	unsigned char pg_shift, ias, oas;
	u32 features;
};

void arm_iommu_cfg_desc(const struct iommu_cfg *c, char *desc);

struct geo {
	u64 pg, blk, tspan; /* page, block (level 2 entry), span of a level-3 table */
};

struct ptt_ctx;
struct geo arm_geo_of(const struct ptt_ctx *ctx);
/* A checked table for the struct iommu_cfg parameter of @test, with @bitmap. */
struct ptt_ctx *arm_iommu_ctx(struct kunit *test, u64 bitmap);

#endif /* PTCORE_KUNIT_PTT_ARM_H */
