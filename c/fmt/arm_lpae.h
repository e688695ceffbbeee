/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ARM VMSAv8-64 (LPAE) stage 1 and stage 2 entries, as io-pgtable-arm
 * writes them. Internal level 0 is the architecture's level 3.
 *
 * ARM_LPA2 1 (fmt/arm_lpa2.c, PTCORE_FEAT_ARM_LPA2): the FEAT_LPA2 form
 * (TCR.DS = 1) of the 4K and 16K granules, where descriptor bits 9:8 hold
 * OA[51:50] instead of SH (shareability then comes from TCR.SH0). It is a
 * second instantiation of the algorithms, so that the code of every other
 * ARM table is compiled exactly as without it.
 */
#ifndef PTCORE_FMT_ARM_LPAE_H
#define PTCORE_FMT_ARM_LPAE_H

#include "pt_common.h"

#ifndef ARM_LPA2
#define ARM_LPA2		0
#endif

#define ARM_VALID		PT_BIT(0)
#define ARM_TYPE_MASK		3ULL
#define ARM_TYPE_BLOCK		1ULL	/* levels 0-2 of the architecture */
#define ARM_TYPE_TABLE		3ULL	/* above the last level */
#define ARM_TYPE_PAGE		3ULL	/* at the last level */
#define ARM_ADDR_MASK		PT_GENMASK(47, 12)
#define ARM_LPA2_ADDR_MASK	(PT_GENMASK(49, 12) | PT_GENMASK(9, 8))	/* OA[51:50] in 9:8 */
#define ARM_DBM			PT_BIT(51)	/* dirty bit modifier: hardware dirty state */
#define ARM_NSTABLE		PT_BIT(63)
/* Software bit: Linux 6.1 marks synced table entries with it (incoherent walk). */
#define ARM_SW_SYNC		PT_BIT(55)
#define ARM_XN			(PT_BIT(54) | PT_BIT(53))
#define ARM_CONT		PT_BIT(52)
#define ARM_NG			PT_BIT(11)
#define ARM_AF			PT_BIT(10)
#define ARM_SH_OS		(2ULL << 8)
#define ARM_SH_IS		(3ULL << 8)
#define ARM_AP_RDONLY		PT_BIT(7)
#define ARM_AP_UNPRIV		PT_BIT(6)
#define ARM_S2AP_WRITE		PT_BIT(7)
#define ARM_S2AP_READ		PT_BIT(6)
#define ARM_NS			PT_BIT(5)
#define ARM_ATTRINDX(i)		((uint64_t)(i) << 2)
#define ARM_S2_MEMATTR(v)	((uint64_t)(v) << 2)

#define ARM_MAIR_IDX_NC		0
#define ARM_MAIR_IDX_CACHE	1
#define ARM_MAIR_IDX_DEV	2
#define ARM_S2_MEMATTR_DEV	0x1
#define ARM_S2_MEMATTR_NC	0x5
#define ARM_S2_MEMATTR_WB	0xf
#define ARM_S2_MEMATTR_FWB_WB	0x6

static inline bool fmt_valid(uint64_t pte)
{
	return pte & ARM_VALID;
}

static inline bool fmt_is_table(const struct ptcore_table *t, uint64_t pte, unsigned int level)
{
	return level && (pte & ARM_TYPE_MASK) == ARM_TYPE_TABLE;
}

/* A valid table entry: its type bits say both. */
static inline bool fmt_valid_table(const struct ptcore_table *t, uint64_t pte, unsigned int level)
{
	return fmt_is_table(t, pte, level);
}

/* With the 64K granule and 52-bit addresses, PA[51:48] sits in PTE[15:12]. */
static inline uint64_t arm_decode_addr_g(uint64_t pte, unsigned int granule_lg2)
{
	uint64_t addr = pte & ARM_ADDR_MASK;

	if (ARM_LPA2)
		return (pte & PT_GENMASK(49, 12)) | ((pte & PT_GENMASK(9, 8)) << 42);

	if (granule_lg2 < 16)
		return addr;
	return (addr | (addr << 36)) & (ARM_ADDR_MASK << 4);
}

static inline uint64_t fmt_table_pa_g(const struct ptcore_table *t, uint64_t pte,
				      unsigned int granule_lg2)
{
	return arm_decode_addr_g(pte, granule_lg2);
}

#define fmt_valid_table fmt_valid_table
#define fmt_table_pa_g fmt_table_pa_g

static inline uint64_t fmt_encode_oa(const struct ptcore_table *t, uint64_t pa)
{
	if (ARM_LPA2)
		return (pa & PT_GENMASK(49, 12)) | ((pa >> 42) & PT_GENMASK(9, 8));
	return (pa | (pa >> 36)) & ARM_ADDR_MASK;
}

static inline bool fmt_oa_linear(const struct ptcore_table *t)
{
	return t->pa_bits <= (ARM_LPA2 ? 50 : 48);
}

static inline uint64_t fmt_table_pa(const struct ptcore_table *t, uint64_t pte)
{
	return arm_decode_addr_g(pte, t->geom.granule_lg2);
}

static inline uint64_t fmt_make_table(const struct ptcore_table *t, uint64_t pa,
				      unsigned int level)
{
	uint64_t pte = fmt_encode_oa(t, pa) | ARM_TYPE_TABLE;

	if (t->features & PTCORE_FEAT_ARM_NS)
		pte |= ARM_NSTABLE;
	if (pt_incoherent(t))
		pte |= ARM_SW_SYNC;
	return pte;
}

static inline uint64_t fmt_leaf_oa(const struct ptcore_table *t, uint64_t pte)
{
	return arm_decode_addr_g(pte, t->geom.granule_lg2);
}

/* Entry k of a contiguous run holds the run's base + k items. */
static inline bool fmt_run_replicates(const struct ptcore_table *t)
{
	return false;
}

static inline unsigned int fmt_leaf_run_lg2(const struct ptcore_table *t, uint64_t pte,
					    unsigned int level)
{
	return (pte & ARM_CONT) && level < 2 ? t->run_lg2[level] : 0;
}

static inline void fmt_plain_leaf(const struct ptcore_table *t, unsigned int level,
				  uint64_t *mask, uint64_t *val)
{
	*mask = ARM_TYPE_MASK | ARM_CONT;
	*val = level ? ARM_TYPE_BLOCK : ARM_TYPE_PAGE;
}

static inline uint64_t fmt_leaf_attrs(const struct ptcore_table *t, uint32_t prot,
				      unsigned int level, unsigned int run_lg2)
{
	uint64_t pte = ARM_AF | (level ? ARM_TYPE_BLOCK : ARM_TYPE_PAGE);

	if (!ARM_LPA2)
		pte |= (prot & PTCORE_PROT_CACHE) ? ARM_SH_IS : ARM_SH_OS;
	if (prot & PTCORE_PROT_NOEXEC)
		pte |= ARM_XN;
	if (run_lg2)
		pte |= ARM_CONT;

	if (t->arm_stage == 1) {
		pte |= ARM_NG;
		if ((prot & PTCORE_PROT_READ) && !(prot & PTCORE_PROT_WRITE))
			pte |= ARM_AP_RDONLY;
		else if (t->features & PTCORE_FEAT_DIRTY_TRACKING)
			pte |= ARM_DBM;		/* writable-dirty: AP[2] clear */
		if (!(prot & PTCORE_PROT_PRIV))
			pte |= ARM_AP_UNPRIV;
		if (prot & PTCORE_PROT_MMIO)
			pte |= ARM_ATTRINDX(ARM_MAIR_IDX_DEV);
		else if (prot & PTCORE_PROT_CACHE)
			pte |= ARM_ATTRINDX(ARM_MAIR_IDX_CACHE);
		if (t->features & PTCORE_FEAT_ARM_NS)
			pte |= ARM_NS;
	} else {
		if (prot & PTCORE_PROT_READ)
			pte |= ARM_S2AP_READ;
		if (prot & PTCORE_PROT_WRITE)
			pte |= ARM_S2AP_WRITE;
		if ((prot & PTCORE_PROT_WRITE) && (t->features & PTCORE_FEAT_DIRTY_TRACKING))
			pte |= ARM_DBM;		/* writable-dirty: S2AP[1] set */
		if (prot & PTCORE_PROT_MMIO)
			pte |= ARM_S2_MEMATTR(ARM_S2_MEMATTR_DEV);
		else if (prot & PTCORE_PROT_CACHE)
			pte |= ARM_S2_MEMATTR((t->features & PTCORE_FEAT_ARM_S2FWB) ?
					      ARM_S2_MEMATTR_FWB_WB : ARM_S2_MEMATTR_WB);
		else
			pte |= ARM_S2_MEMATTR(ARM_S2_MEMATTR_NC);
	}
	return pte;
}

/* The bits of leaf @pte but its address, for a leaf at @level (contiguous when @run_lg2). */
static inline uint64_t fmt_leaf_reattr(const struct ptcore_table *t, uint64_t pte,
				       unsigned int level, unsigned int run_lg2)
{
	pte &= ~((ARM_LPA2 ? ARM_LPA2_ADDR_MASK : ARM_ADDR_MASK) | ARM_TYPE_MASK | ARM_CONT);
	pte |= level ? ARM_TYPE_BLOCK : ARM_TYPE_PAGE;
	return run_lg2 ? pte | ARM_CONT : pte;
}

/*
 * Hardware dirty state (DBM): a valid leaf is writable-dirty when (pte &
 * mask) == val. Stage 1 keeps it in AP[2] (clear: dirty), stage 2 in S2AP[1] (set:
 * dirty); a device write through a writable-clean entry flips that bit.
 */
static inline void fmt_dirty_state(const struct ptcore_table *t, uint64_t *mask, uint64_t *val)
{
	if (t->arm_stage == 1) {
		*mask = ARM_VALID | ARM_DBM | ARM_AP_RDONLY;
		*val = ARM_VALID | ARM_DBM;
	} else {
		*mask = ARM_VALID | ARM_DBM | ARM_S2AP_WRITE;
		*val = ARM_VALID | ARM_DBM | ARM_S2AP_WRITE;
	}
}

/* Make a writable-dirty leaf entry writable-clean. */
static inline void fmt_dirty_clean(const struct ptcore_table *t, uint64_t *ptep)
{
	if (t->arm_stage == 1)
		os_pte_update(ptep, 0, ARM_AP_RDONLY);
	else
		os_pte_update(ptep, ARM_S2AP_WRITE, 0);
}

/* Cut replaces a leaf by a table hitlessly only with BBML2 (else break-before-make). */
static inline bool fmt_cut_hitless(const struct ptcore_table *t)
{
	return t->features & PTCORE_FEAT_ARM_BBML2;
}

#endif /* PTCORE_FMT_ARM_LPAE_H */
