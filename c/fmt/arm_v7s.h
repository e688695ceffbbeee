/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ARM short-descriptor (VMSAv7) entries, as Linux 6.12's
 * io-pgtable-arm-v7s writes them: 32-bit entries, TEX remap with the
 * simplified access permissions (AP[2:1], AP[0] the access flag), one
 * domain (0). Internal level 1 is the architecture's first level (4096
 * entries, 1M each), level 0 its second (256 entries, 4K each).
 *
 * First level: bits 1:0 are 01 for a pointer to a second-level table (its
 * address in 31:10, NS in bit 3), 10 for a section (1M, address 31:20) or,
 * with bit 18 set, a supersection (16M, address 31:24, the same entry in
 * 16 aligned slots). The memory attributes of a section are bits 17:10
 * (AP[1:0], TEX[2:0], AP[2], S, nG), XN bit 4, C bit 3, B bit 2, NS 19.
 * Second level: bit 1 set is a small page (4K, address 31:12, XN bit 0),
 * bits 1:0 = 01 a large page (64K, address 31:16, the same entry in 16
 * aligned slots, XN in bit 15 and TEX in 14:12); the attributes are the
 * same eight bits in 11:4 (the large page's TEX moved to 14:12).
 */
#ifndef PTCORE_FMT_ARM_V7S_H
#define PTCORE_FMT_ARM_V7S_H

#include "pt_common.h"

#define V7S_TYPE_MASK		3ULL
#define V7S_L1_TABLE		1ULL
#define V7S_L1_SECTION		2ULL
#define V7S_L1_SUPER		PT_BIT(18)
#define V7S_L1_XN		PT_BIT(4)
#define V7S_L1_NS_TABLE		PT_BIT(3)
#define V7S_L1_NS		PT_BIT(19)
#define V7S_L2_SMALL		PT_BIT(1)
#define V7S_L2_LARGE		1ULL
#define V7S_L2_XN		PT_BIT(0)
#define V7S_L2_LARGE_XN		PT_BIT(15)
#define V7S_L2_TEX		PT_GENMASK(8, 6)
#define V7S_L2_LARGE_TEX	PT_GENMASK(14, 12)
#define V7S_B			PT_BIT(2)
#define V7S_C			PT_BIT(3)
#define V7S_TABLE_ADDR		PT_GENMASK(31, 10)
#define V7S_PAGE_ADDR		PT_GENMASK(31, 12)

/* The eight attribute bits, from bit 10 (first level) or bit 4 (second level) */
#define V7S_AF			PT_BIT(0)	/* AP[0] */
#define V7S_AP_UNPRIV		PT_BIT(1)	/* AP[1] */
#define V7S_TEX0		PT_BIT(2)	/* TEX[0]: the normal-memory remap indices */
#define V7S_AP_RDONLY		PT_BIT(5)	/* AP[2] */
#define V7S_S			PT_BIT(6)
#define V7S_NG			PT_BIT(7)

static inline unsigned int v7s_attr_shift(unsigned int level)
{
	return level ? 10 : 4;
}

static inline bool fmt_valid(uint64_t pte)
{
	return pte & V7S_TYPE_MASK;
}

static inline bool fmt_is_table(const struct ptcore_table *t, uint64_t pte, unsigned int level)
{
	return level && (pte & V7S_TYPE_MASK) == V7S_L1_TABLE;
}

static inline uint64_t fmt_encode_oa(const struct ptcore_table *t, uint64_t pa)
{
	return pa & V7S_PAGE_ADDR;
}

static inline bool fmt_oa_linear(const struct ptcore_table *t)
{
	return true;
}

static inline uint64_t fmt_table_pa(const struct ptcore_table *t, uint64_t pte)
{
	return pte & V7S_TABLE_ADDR;
}

/* Only first-level entries point to tables; NS as Linux's ARM_NS quirk sets it. */
static inline uint64_t fmt_make_table(const struct ptcore_table *t, uint64_t pa,
				      unsigned int level)
{
	uint64_t pte = (pa & V7S_TABLE_ADDR) | V7S_L1_TABLE;

	if (t->features & PTCORE_FEAT_ARM_NS)
		pte |= V7S_L1_NS_TABLE;
	return pte;
}

/* Supersection and large page: one entry replicated over 16 slots. */
static inline bool fmt_run_replicates(const struct ptcore_table *t)
{
	return true;
}

static inline unsigned int fmt_leaf_run_lg2(const struct ptcore_table *t, uint64_t pte,
					    unsigned int level)
{
	if (level)
		return pte & V7S_L1_SUPER ? 4 : 0;
	return pte & V7S_L2_SMALL ? 0 : 4;
}

/* The address field of a leaf depends on its level and kind. */
static inline uint64_t fmt_leaf_oa_at(const struct ptcore_table *t, uint64_t pte,
				      unsigned int level)
{
	unsigned int lg2 = (level ? 20 : 12) + 4 * !!fmt_leaf_run_lg2(t, pte, level);

	return pte & PT_GENMASK(31, lg2);
}

#define fmt_leaf_oa_at fmt_leaf_oa_at

static inline void fmt_plain_leaf(const struct ptcore_table *t, unsigned int level,
				  uint64_t *mask, uint64_t *val)
{
	*mask = level ? V7S_TYPE_MASK | V7S_L1_SUPER : V7S_L2_SMALL;
	*val = level ? V7S_L1_SECTION : V7S_L2_SMALL;
}

/* A second-level small page in the large-page layout, and back. */
static inline uint64_t v7s_small_to_large(uint64_t pte)
{
	uint64_t xn = pte & V7S_L2_XN, tex = pte & V7S_L2_TEX;

	pte &= ~(xn | tex | V7S_TYPE_MASK);
	return pte | (xn ? V7S_L2_LARGE_XN : 0) | (tex << 6) | V7S_L2_LARGE;
}

static inline uint64_t v7s_large_to_small(uint64_t pte)
{
	uint64_t xn = pte & V7S_L2_LARGE_XN, tex = pte & V7S_L2_LARGE_TEX;

	pte &= ~(xn | tex | V7S_TYPE_MASK);
	return pte | (xn ? V7S_L2_XN : 0) | (tex >> 6) | V7S_L2_SMALL;
}

/*
 * Linux: nG and S always; TEX[0] (normal memory) unless MMIO; AP[0] (the
 * access flag) always, AP[1] unless PRIV, AP[2] unless WRITE; XN with
 * NOEXEC; B for MMIO, B and C for CACHE. With TEX remap, {TEX[0], C, B}
 * index PRRR/NMRR: 1 device, 4 normal non-cacheable, 7 normal write-back.
 */
static inline uint64_t fmt_leaf_attrs(const struct ptcore_table *t, uint32_t prot,
				      unsigned int level, unsigned int run_lg2)
{
	uint64_t attr = V7S_NG | V7S_S | V7S_AF, pte;

	if (!(prot & PTCORE_PROT_MMIO))
		attr |= V7S_TEX0;
	if (!(prot & PTCORE_PROT_PRIV))
		attr |= V7S_AP_UNPRIV;
	if (!(prot & PTCORE_PROT_WRITE))
		attr |= V7S_AP_RDONLY;
	pte = attr << v7s_attr_shift(level);
	if (prot & PTCORE_PROT_NOEXEC)
		pte |= level ? V7S_L1_XN : V7S_L2_XN;
	if (prot & PTCORE_PROT_MMIO)
		pte |= V7S_B;
	else if (prot & PTCORE_PROT_CACHE)
		pte |= V7S_B | V7S_C;
	pte |= level ? V7S_L1_SECTION : V7S_L2_SMALL;
	if (level && (t->features & PTCORE_FEAT_ARM_NS))
		pte |= V7S_L1_NS;
	if (run_lg2)
		pte = level ? pte | V7S_L1_SUPER : v7s_small_to_large(pte);
	return pte;
}

/* The bits of leaf @pte but its address, for a leaf at @level of 2^@run_lg2 entries. */
static inline uint64_t fmt_leaf_reattr(const struct ptcore_table *t, uint64_t pte,
				       unsigned int level, unsigned int run_lg2)
{
	if (level) {
		pte &= ~(PT_GENMASK(31, 20) | V7S_L1_SUPER);
		return run_lg2 ? pte | V7S_L1_SUPER : pte;
	}
	if (!(pte & V7S_L2_SMALL))
		pte = v7s_large_to_small(pte);
	pte &= ~V7S_PAGE_ADDR;
	return run_lg2 ? v7s_small_to_large(pte) : pte;
}

/* A first-level leaf in the second level's layout (NS comes from the table entry there). */
static inline uint64_t fmt_leaf_relevel(const struct ptcore_table *t, uint64_t pte,
					unsigned int level)
{
	if (level)
		return pte;
	return (((pte >> 10) & 0xff) << 4) | (pte & (V7S_B | V7S_C)) |
	       (pte & V7S_L1_XN ? V7S_L2_XN : 0) | V7S_L2_SMALL;
}

#define fmt_leaf_relevel fmt_leaf_relevel

/* No hardware dirty state in the short descriptors: no entry ever matches. */
static inline void fmt_dirty_state(const struct ptcore_table *t, uint64_t *mask, uint64_t *val)
{
	*mask = 0;
	*val = 1;
}

static inline void fmt_dirty_clean(const struct ptcore_table *t, uint32_t *ptep)
{
}

/* Break before make: VMSAv7 has no relaxation of it. */
static inline bool fmt_cut_hitless(const struct ptcore_table *t)
{
	return false;
}

#endif /* PTCORE_FMT_ARM_V7S_H */
