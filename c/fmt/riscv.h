/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * RISC-V Sv39/Sv48/Sv57 entries (the privileged architecture's page-based
 * virtual memory), as the RISC-V IOMMU's first stage walks them. Internal
 * level 0 is the architecture's level 0 (4K pages); the top is LEVELS - 1.
 *
 * A valid entry with R, W and X all clear points to the next table; any
 * other valid entry is a leaf, at any level. ptcore writes R on every leaf
 * (W without R is reserved), and presets A, and D on writable leaves: an
 * IOMMU without hardware A/D update (DC.tc.SADE clear) faults on a leaf
 * with A clear, or D clear for a write. Table entries are PPN | V only: the
 * A, D and U bits of a non-leaf entry are reserved, and so are PBMT and N.
 *
 * Svnapot, the one NAPOT size the privileged specification defines (and
 * every RISC-V IOMMU implements): a 64K leaf is 16 aligned level-0 entries,
 * each with N and the run's base, PPN[3:0] = 1000b; the walker replaces
 * PPN[3:0] by VPN[0][3:0]. Any other N encoding, and N above level 0, is
 * reserved. A replicated run: fmt_run_replicates().
 */
#ifndef PTCORE_FMT_RISCV_H
#define PTCORE_FMT_RISCV_H

#include "pt_common.h"

#define RISCV_V			PT_BIT(0)
#define RISCV_R			PT_BIT(1)
#define RISCV_W			PT_BIT(2)
#define RISCV_X			PT_BIT(3)
#define RISCV_U			PT_BIT(4)
#define RISCV_G			PT_BIT(5)
#define RISCV_A			PT_BIT(6)
#define RISCV_D			PT_BIT(7)
#define RISCV_PPN_MASK		PT_GENMASK(53, 10)	/* PA[55:12] */
#define RISCV_PPN_SHIFT		2			/* PA >> 12 << 10 */
#define RISCV_PBMT_MASK		PT_GENMASK(62, 61)
#define RISCV_N			PT_BIT(63)
#define RISCV_NAPOT_PPN		PT_GENMASK(13, 10)	/* PPN[3:0] of a NAPOT leaf */
#define RISCV_NAPOT_64K		PT_BIT(13)		/* PPN[3:0] = 1000b: 64K */
#define RISCV_NAPOT_LG2		4			/* 16 entries */
#define RISCV_RWX		(RISCV_R | RISCV_W | RISCV_X)

static inline bool fmt_valid(uint64_t pte)
{
	return pte & RISCV_V;
}

/* Level 0 has no tables: a non-leaf entry there is a page fault to the walker. */
static inline bool fmt_is_table(const struct ptcore_table *t, uint64_t pte, unsigned int level)
{
	return level && !(pte & RISCV_RWX);
}

static inline uint64_t fmt_encode_oa(const struct ptcore_table *t, uint64_t pa)
{
	return (pa >> RISCV_PPN_SHIFT) & RISCV_PPN_MASK;
}

static inline bool fmt_oa_linear(const struct ptcore_table *t)
{
	return true;
}

/* Every entry of a Svnapot run holds the run's base (PPN[3:0] the size, not an address). */
static inline bool fmt_run_replicates(const struct ptcore_table *t)
{
	return true;
}

static inline uint64_t fmt_table_pa(const struct ptcore_table *t, uint64_t pte)
{
	return (pte & RISCV_PPN_MASK) << RISCV_PPN_SHIFT;
}

static inline uint64_t fmt_make_table(const struct ptcore_table *t, uint64_t pa,
				      unsigned int level)
{
	return fmt_encode_oa(t, pa) | RISCV_V;
}

static inline uint64_t fmt_leaf_oa(const struct ptcore_table *t, uint64_t pte)
{
	uint64_t ppn = pte & RISCV_PPN_MASK;

	if (pte & RISCV_N)
		ppn &= ~RISCV_NAPOT_PPN;
	return ppn << RISCV_PPN_SHIFT;
}

/* A leaf with N (ptcore writes it at level 0 only) is 16 entries; any other is one. */
static inline unsigned int fmt_leaf_run_lg2(const struct ptcore_table *t, uint64_t pte,
					    unsigned int level)
{
	return (pte & RISCV_N) ? RISCV_NAPOT_LG2 : 0;
}

/* N and the size encoding of a run of 2^@run_lg2 entries (0 or 4). */
static inline uint64_t riscv_napot_bits(unsigned int run_lg2)
{
	return run_lg2 ? RISCV_N | RISCV_NAPOT_64K : 0;
}

/* Every leaf ptcore writes has V and R; a table entry has neither R nor N. */
static inline void fmt_plain_leaf(const struct ptcore_table *t, unsigned int level,
				  uint64_t *mask, uint64_t *val)
{
	*mask = RISCV_V | RISCV_R | RISCV_N;
	*val = RISCV_V | RISCV_R;
}

static inline uint64_t fmt_leaf_attrs(const struct ptcore_table *t, uint32_t prot,
				      unsigned int level, unsigned int run_lg2)
{
	uint64_t pte = RISCV_V | RISCV_R | RISCV_A;

	if (prot & PTCORE_PROT_WRITE)
		pte |= RISCV_W | RISCV_D;
	if (!(prot & PTCORE_PROT_NOEXEC))
		pte |= RISCV_X;
	if (!(prot & PTCORE_PROT_PRIV))
		pte |= RISCV_U;
	return pte | riscv_napot_bits(run_lg2);
}

/* Leaves look the same at every level: the address and the NAPOT encoding go. */
static inline uint64_t fmt_leaf_reattr(const struct ptcore_table *t, uint64_t pte,
				       unsigned int level, unsigned int run_lg2)
{
	return (pte & ~(RISCV_PPN_MASK | RISCV_N)) | riscv_napot_bits(run_lg2);
}

/*
 * Dirty state: D of a writable leaf. Cleaning clears D; an IOMMU with
 * hardware A/D update (capabilities.AMO_HWAD, DC.tc.SADE set) sets it again
 * on the next write, in whichever entry of a NAPOT run it read: the run is
 * one leaf, scanned and cleaned whole.
 */
static inline void fmt_dirty_state(const struct ptcore_table *t, uint64_t *mask, uint64_t *val)
{
	*mask = RISCV_V | RISCV_W | RISCV_D;
	*val = RISCV_V | RISCV_W | RISCV_D;
}

static inline void fmt_dirty_clean(const struct ptcore_table *t, uint64_t *ptep)
{
	os_pte_update(ptep, RISCV_D, 0);
}

/* RISC-V has no break-before-make rule: a cut replaces a leaf by a table in place. */
static inline bool fmt_cut_hitless(const struct ptcore_table *t)
{
	return true;
}

#endif /* PTCORE_FMT_RISCV_H */
