/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A hardware-walk model for the reliability tests: walks raw table memory
 * from hw_info.root[] the way an SMMU or a DART would, following only the
 * architecture's rules (docs: FORMATS.md), never ptcore's code.
 *
 * Besides translating one IOVA, it reports the entry address it read at
 * every level (the IOTLB model caches those), enumerates every table and
 * leaf (oracle comparison, table snapshots) and computes the exact leaf
 * entry the format must hold for a prot (bit-exact attribute checks).
 *
 * Depth numbering: 0 is the root table (a DART TTBR's table), levels - 1
 * the last level.
 */
#ifndef PTCORE_TESTS_HWWALK_H
#define PTCORE_TESTS_HWWALK_H

#include "tcommon.h"

#define HWM_MAX_DEPTH	5

struct hwm {
	const struct ptcore_table *t;
	struct ptcore_hw_info hi;
	uint32_t format;
	uint32_t features;
	bool arm;
	unsigned int stage;		/* ARM: 1 or 2 */
	unsigned int dart;		/* DART: 1 or 2 */
	unsigned int g;			/* granule lg2 */
	unsigned int bpl;		/* index bits of a table below the root */
	unsigned int levels;		/* table levels a walk reads */
	unsigned int root_bits;		/* index bits of a root table */
	unsigned int n_roots;
	unsigned int ttbr_shift;	/* DART: iova >> ttbr_shift picks the TTBR */
	unsigned int ias;
	unsigned int pa_bits;		/* largest output address + 1, log2 */
	uint64_t root_pa[4];
	/*
	 * Optional: asked before a walk follows a table pointer; false stops
	 * the walk with HWM_F_TABLE instead of reading the memory.
	 */
	bool (*table_ok)(void *ctx, uint64_t pa, size_t bytes);
	void *table_ok_ctx;
};

enum hwm_fault {
	HWM_OK = 0,
	HWM_F_RANGE,		/* IOVA beyond ias */
	HWM_F_INVALID,		/* an invalid entry: translation fault */
	HWM_F_BADDESC,		/* a malformed descriptor (reserved type, RES0 bits, bad level) */
	HWM_F_CONT,		/* a contiguous-hint run that is not consistent */
	HWM_F_TABLE,		/* a table pointer that is not a table of this ptcore table */
};

struct hwm_walk {
	int fault;
	unsigned int depth;		/* depth of the last entry read */
	uint64_t pte;			/* last entry read (the leaf when fault == 0) */
	unsigned int entry_lg2;		/* size of one leaf entry */
	unsigned int leaf_lg2;		/* size of the TLB unit: entry times contiguous run */
	uint64_t leaf_va;		/* first IOVA of the TLB unit */
	uint64_t leaf_pa;		/* output address of the TLB unit's first byte */
	uint64_t pa;			/* the translation of the IOVA */
	uint64_t table_pa[HWM_MAX_DEPTH];	/* table read at each depth */
	uint64_t entry_pa[HWM_MAX_DEPTH];	/* entry read at each depth */
	uint64_t next_pa[HWM_MAX_DEPTH];	/* table an entry pointed to (depth < leaf) */
};

/*
 * Set up the model for @t created with @cfg. The geometry comes from the
 * configuration and FORMATS.md; it is checked against ptcore_hw_info().
 * Returns false (with a test failure) when hw_info disagrees.
 */
bool hwm_init(struct hwm *m, const struct ptcore_table *t, const struct ptcore_cfg *cfg);

static inline unsigned int hwm_shift(const struct hwm *m, unsigned int depth)
{
	return m->g + m->bpl * (m->levels - 1 - depth);
}

/* Table size in bytes at @depth. */
size_t hwm_table_bytes(const struct hwm *m, unsigned int depth);
/* Index bits of a table at @depth. */
unsigned int hwm_table_bits(const struct hwm *m, unsigned int depth);

/* Walk @iova from the root. */
int hwm_walk(const struct hwm *m, uint64_t iova, struct hwm_walk *w);
/* Walk @iova starting at @table_pa, a table at @depth (a cached walk). */
int hwm_walk_from(const struct hwm *m, uint64_t iova, unsigned int depth, uint64_t table_pa,
		  struct hwm_walk *w);

/* The exact entry the format must hold at @depth for output address @pa. */
uint64_t hwm_expected_leaf(const struct hwm *m, uint64_t pa, unsigned int depth, uint32_t prot,
			   bool cont);
/* Contiguous-hint entries per run at @depth (log2); 0 where there is none. */
unsigned int hwm_cont_lg2(const struct hwm *m, unsigned int depth);

/* Enumeration over every reachable table and leaf, in IOVA order. */
struct hwm_visitor {
	void *ctx;
	/* A table at @depth whose first IOVA is @span_va; @span_lg2 the span it covers. */
	void (*table)(void *ctx, uint64_t pa, size_t bytes, unsigned int depth, uint64_t span_va,
		      unsigned int span_lg2);
	/* A leaf (a whole contiguous run counts once). */
	void (*leaf)(void *ctx, uint64_t va, unsigned int lg2, uint64_t pa, uint64_t pte,
		     unsigned int depth);
	/* A malformed entry. */
	void (*bad)(void *ctx, uint64_t va, unsigned int depth, uint64_t pte, const char *why);
};
void hwm_enumerate(const struct hwm *m, const struct hwm_visitor *v);

/* Table memory of @pa (CPU address). */
static inline const uint64_t *hwm_table(const struct hwm *m, uint64_t pa)
{
	return ptcore_phys_to_virt(m->t, pa);
}

#endif /* PTCORE_TESTS_HWWALK_H */
