// SPDX-License-Identifier: GPL-2.0 OR MIT
/* What the ARM LPAE KUnit suites share: see ptt_arm.h. */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "ptt_arm.h"
#include "ptt_util.h"

const unsigned char arm_oas_list[7] = { 32, 36, 40, 42, 44, 48, 52 };

/* io-pgtable-arm's geometry, with 6.1's stage-2 concatenation */
struct arm_geom arm_expected_geom(u32 fmt, unsigned int pg_shift, unsigned int ias)
{
	struct arm_geom g;
	unsigned int va_bits = ias - pg_shift;

	g.bpl = pg_shift - 3;
	g.levels = DIV_ROUND_UP(va_bits, g.bpl);
	g.start_level = 4 - g.levels;
	g.pgd_bits = va_bits - g.bpl * (g.levels - 1);
	if (fmt == S2 && g.start_level == 0 && (1U << g.pgd_bits) <= 16) {
		g.pgd_bits += g.bpl;
		g.start_level++;
		g.levels--;
	}
	return g;
}

unsigned int arm_level_shift(unsigned int pg_shift, unsigned int level)
{
	return pg_shift + (3 - level) * (pg_shift - 3);
}

/* Leaf sizes of the granule (Linux's list), and the contiguous-hint sizes. */
u64 arm_base_sizes(unsigned int pg_shift, unsigned int oas)
{
	switch (pg_shift) {
	case 12:
		return SZ_4K | SZ_2M | SZ_1G;
	case 14:
		return SZ_16K | SZ_32M;
	case 16:
		return SZ_64K | SZ_512M | (oas > 48 ? (1ULL << 42) : 0);
	}
	return 0;
}

u64 arm_contig_sizes(unsigned int pg_shift)
{
	switch (pg_shift) {
	case 12:
		return SZ_64K | SZ_32M;
	case 14:
		return SZ_2M | SZ_1G;
	case 16:
		return SZ_2M | SZ_16G;
	}
	return 0;
}

/* sizes whose entries live at a level the walk has */
u64 arm_sizes_fitting(u64 sizes, unsigned int pg_shift, unsigned int start_level)
{
	u64 out = 0, b;

	for (b = sizes; b; b &= b - 1) {
		u64 sz = b & -b;
		unsigned int lg2 = __builtin_ctzll(sz), lvl;

		/* a contiguous size lives at the level of the base size below it */
		lvl = 3 - (lg2 - pg_shift) / (pg_shift - 3);
		if (lvl >= start_level)
			out |= sz;
	}
	return out;
}

unsigned int arm_ps(unsigned int oas)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(arm_oas_list); i++)
		if (arm_oas_list[i] == oas)
			return i;
	return 99;
}

static void *mini_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	struct mini_ops *m = cookie;
	void *va;

	if (m->fail_at && m->allocs + 1 == m->fail_at) {
		m->allocs++;
		return NULL;
	}
	va = ptcore_builtin_alloc_table(NULL, size, phys, gfp);
	if (va && !m->allocs) {
		m->first_size = size;
		m->first_pa = *phys;
	}
	m->allocs++;
	return va;
}

static void mini_free(void *cookie, void *va, uint64_t phys, size_t size)
{
	struct mini_ops *m = cookie;

	m->frees++;
	ptcore_builtin_free_table(NULL, va, phys, size);
}

void arm_mini_init(struct mini_ops *m, struct ptcore_cfg *cfg)
{
	memset(m, 0, sizeof(*m));
	m->ops.alloc_table = mini_alloc;
	m->ops.free_table = mini_free;
	cfg->ops = &m->ops;
	cfg->cookie = m;
}

const struct arm_variant arm_variants[6] = {
	{ S1, 12 }, { S1, 14 }, { S1, 16 }, { S2, 12 }, { S2, 14 }, { S2, 16 },
};

void arm_variant_desc(const struct arm_variant *v, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %uK", v->fmt == S1 ? "s1" : "s2",
		 1U << (v->pg_shift - 10));
}

void arm_iommu_cfg_desc(const struct iommu_cfg *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %uK ias %u oas %u", c->fmt == S1 ? "s1" : "s2",
		 1U << (c->pg_shift - 10), c->ias, c->oas);
}

struct geo arm_geo_of(const struct ptt_ctx *ctx)
{
	struct geo g;

	g.pg = 1ULL << ctx->hi.granule_lg2;
	g.blk = 1ULL << arm_level_shift(ctx->hi.granule_lg2, 2);
	g.tspan = g.blk;
	return g;
}

struct ptt_ctx *arm_iommu_ctx(struct kunit *test, u64 bitmap)
{
	const struct iommu_cfg *c = test->param_value;
	struct ptcore_cfg cfg = ptt_cfg(c->fmt, c->pg_shift, c->ias, c->oas, c->features, bitmap);

	return ptt_ctx_create(test, &cfg, 0);
}
