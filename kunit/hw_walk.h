/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * An independent model of the hardware table walkers ptcore serves.
 *
 * Written from the architecture descriptions (Arm VMSAv8-64 stage 1/2
 * translation, Apple DART as documented in design/FORMATS.md), NOT from
 * ptcore's code: it starts where the hardware starts (the registers ptcore
 * reports in struct ptcore_hw_info) and follows descriptors in raw table
 * memory, so a test that agrees with it agrees with the hardware.
 *
 * Conventions in this file: w is the walker configuration, pa a physical
 * address, "entry" or pte a raw 64-bit descriptor, level the architecture's
 * own level number (ARM: start_level..3; DART: 0..levels-1 below the TTBR).
 *
 * Kernel-compatible C (no libc).
 */
#ifndef PTCORE_KUNIT_HW_WALK_H
#define PTCORE_KUNIT_HW_WALK_H

#include <linux/types.h>
#include <ptcore.h>

/* Memory type the walker's attributes select. */
enum hw_memtype {
	HW_MT_DEVICE = 1,
	HW_MT_NORMAL_NC,
	HW_MT_NORMAL_WB,
	HW_MT_OTHER,
};

/* Why a walk produced no translation. */
enum hw_fault {
	HW_OK = 0,
	HW_FAULT_RANGE, /* input address outside the configured space */
	HW_FAULT_INVALID, /* an invalid descriptor: translation fault */
	HW_FAULT_MALFORMED, /* a descriptor real hardware rejects or ptcore must never write */
	HW_FAULT_ADDRSIZE, /* an output or table address beyond oas */
	HW_FAULT_ACCESS, /* ARM: AF clear */
	HW_FAULT_MEMORY, /* a table address that is not table memory */
};

/* Reads table memory: returns the CPU view of @bytes at @pa, or NULL. */
typedef const u64 *(*hw_read_fn)(void *ctx, u64 pa, u64 bytes);

struct hw_walk {
	u32 format;
	u32 features;
	struct ptcore_hw_info hi;
	hw_read_fn read;
	void *read_ctx;

	/* derived from the registers by hw_walk_init() */
	unsigned int pg_shift; /* granule */
	unsigned int bpl; /* index bits per level */
	unsigned int ias, oas;
	unsigned int start_level; /* ARM start level; DART 0 */
	unsigned int last_level; /* level of page entries */
	unsigned int root_bits; /* log2 of the root's entries (ARM: concatenation included) */
	unsigned int n_roots; /* DART TTBRs; 1 for ARM */
	bool stage2;
	bool dart2;
};

/* What one walk found. */
struct hw_leaf {
	u64 iova; /* first IOVA of the entry's span */
	u64 size; /* span of the entry (a contiguous run counts per entry) */
	u64 oa; /* output address of iova */
	u64 pte; /* the raw leaf entry */
	u64 table_pa; /* table holding it */
	unsigned int index; /* its index there */
	unsigned int level;
	/* decoded permissions and attributes */
	bool read, write, exec; /* exec: executable at EL0/unprivileged (ARM); DART true */
	bool priv_only; /* ARM S1: AP[1] clear */
	bool ns; /* ARM S1: NS bit (and NSTable on the way) */
	bool contig; /* ARM: contiguous bit */
	bool ng; /* ARM S1: nG */
	bool cache; /* DART2: NO_CACHE clear; ARM: normal write-back */
	bool sp_full; /* DART: sub-page range covers the whole page */
	bool sp_dis; /* DART1: SP_DIS */
	enum hw_memtype memtype;
	unsigned int sh; /* ARM shareability field */
	u64 table_attrs; /* ARM S1: OR of table descriptor bits 63:59 on the way */
};

/*
 * Table visitor: @pa, @level, first IOVA and span, size in bytes, and the raw
 * entry pointing to it (0 for roots).
 */
typedef int (*hw_table_fn)(void *ctx, u64 pa, unsigned int level, u64 iova, u64 span, u64 bytes,
			   u64 desc);
/* Leaf visitor, in increasing IOVA order. */
typedef int (*hw_leaf_fn)(void *ctx, const struct hw_leaf *leaf);

/*
 * Derive the walker from the hardware registers of @hi. ARM: granule from
 * TG0, input size from T0SZ, output size from (I)PS, start level from T0SZ
 * (stage 1) or SL0 (stage 2, concatenated root when SL0 says so), MAIR.
 * DART: granule, TTBR count and level count (the TCR's 4-level bit).
 * Returns 0, or -EINVAL when the registers describe something hardware
 * would refuse (with *@why set to a reason).
 */
int hw_walk_init(struct hw_walk *w, const struct ptcore_hw_info *hi, u32 features, hw_read_fn read,
		 void *read_ctx, const char **why);

/* Walk @iova. Returns HW_OK and fills @leaf, or the fault. */
enum hw_fault hw_walk_iova(const struct hw_walk *w, u64 iova, struct hw_leaf *leaf);

/*
 * Visit every reachable table (roots first, then depth first) and every valid
 * leaf entry, in increasing IOVA order. Stops early when a callback returns
 * non-zero or a descriptor is malformed; returns the callback's value or the
 * negated enum hw_fault.
 */
int hw_walk_for_each(const struct hw_walk *w, hw_table_fn table_fn, hw_leaf_fn leaf_fn, void *ctx);

/* Raw entry at @level on the walk of @iova: 0 and *@pte; -ENOENT if the walk stops above. */
int hw_walk_entry_at(const struct hw_walk *w, u64 iova, unsigned int level, u64 *pte);

/* Entries of a table at @level (the root's may be fewer or, concatenated, more). */
u64 hw_walk_table_entries(const struct hw_walk *w, unsigned int level);
/* Span of one entry at @level, log2. */
unsigned int hw_walk_entry_shift(const struct hw_walk *w, unsigned int level);
/* ARM: entries in one contiguous run at @level (0 when the level has none). */
unsigned int hw_walk_contig_entries(const struct hw_walk *w, unsigned int level);

const char *hw_fault_name(enum hw_fault f);

#endif /* PTCORE_KUNIT_HW_WALK_H */
