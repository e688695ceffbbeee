/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The hardware-walk model: one independent model of the table walkers
 * ptcore serves, used by the KUnit suites, the reliability tests (tests/),
 * the fuzzer, ptctl's dump and the Rust sample drivers.
 *
 * Written from the architecture descriptions (Arm VMSAv8-64 stage 1/2
 * translation, Apple DART as documented in design/FORMATS.md), NOT from
 * ptcore's code, and it includes nothing of c/: it starts where the hardware
 * starts (the registers ptcore reports in struct ptcore_hw_info) and follows
 * descriptors in raw table memory, so a test that agrees with it agrees with
 * the hardware. Besides the walk, it knows the geometry FORMATS.md gives a
 * configuration (hw_walk_check_cfg()) and the exact entries ptcore must
 * write (hw_walk_expected_leaf(), hw_walk_expected_table()).
 *
 * Beyond what a walker faults on, it rejects what ptcore must never write:
 * a contiguous-hint run whose entries disagree, a hint where the granule has
 * none, and (with a visitor's bad callback) invalid entries that are not zero.
 *
 * Conventions in this file: w is the walker configuration, pa a physical
 * address, "entry" or pte a raw 64-bit descriptor, level the architecture's
 * own level number (ARM: start_level..3, but with a 5-level LPA2 walk every
 * level one up, 0..4 for -1..3: see lvl_bias; DART: 0..levels-1 below the TTBR;
 * x86-64 and VT-d second stage: 5 - the architecture's level, PML5 0 to PT 4,
 * see hw_walk_x86.h; ARM short descriptor: 0 the first level, 1 the second).
 * Table memory is read through hw_walk_table_entry(): the short
 * descriptors are 32 bits wide, every other format's 64.
 * A "run" is the unit a TLB caches: a whole contiguous-hint run, else one
 * entry.
 *
 * Kernel-compatible C (no libc); reports through return values only.
 */
#ifndef PTCORE_KUNIT_HW_WALK_H
#define PTCORE_KUNIT_HW_WALK_H

#include <linux/types.h>
#include <ptcore.h>

/* Levels a walk can read (ARM 0..3, LPA2 0..4; DART at most 3; RISC-V, x86 5; AMD v1 6). */
#define HW_MAX_LEVELS 6

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
	HW_FAULT_CONTIG, /* ARM: a contiguous-hint run that is not consistent */
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
	unsigned int pa_bits; /* output addresses the entries can hold: below 2^pa_bits */
	unsigned int start_level; /* ARM start level; DART 0 */
	unsigned int last_level; /* level of page entries */
	unsigned int levels; /* levels a walk reads */
	unsigned int root_bits; /* log2 of the root's entries (ARM: concatenation included) */
	unsigned int n_roots; /* DART TTBRs; 1 for ARM */
	unsigned int ttbr_shift; /* DART: iova >> ttbr_shift selects the TTBR */
	bool arm;
	bool stage2;
	bool dart2;
	bool riscv; /* hw_walk_riscv.c: levels counted from the root, 0 */
	bool ds; /* ARM FEAT_LPA2, TCR.DS = 1 (PTCORE_FEAT_ARM_LPA2): OA[51:50] in bits 9:8 */
	unsigned int lvl_bias; /* ARM: model level - architecture level (1 from level -1) */
	bool x86; /* x86-64 or VT-d second stage (hw_walk_x86.c) */
	bool vtd; /* VT-d second stage */
	bool amdv1;
	bool v7s; /* ARM short descriptor (hw_walk_v7s.c): 32-bit entries, levels from the first */
};

/* What one walk found. */
struct hw_leaf {
	u64 iova; /* first IOVA of the entry's span */
	u64 size; /* span of the entry (a contiguous run counts per entry) */
	u64 oa; /* output address of iova */
	u64 pte; /* the raw leaf entry (on a fault: the last entry read) */
	u64 table_pa; /* table holding it */
	unsigned int index; /* its index there */
	unsigned int level; /* its level (on a fault: the level of the last entry read) */
	/* the run it belongs to: a whole contiguous-hint run, else the entry */
	u64 run_iova, run_size, run_oa;
	/* decoded permissions and attributes */
	bool read, write, exec; /* exec: executable at EL0/unprivileged (ARM); DART true */
	bool priv_only; /* ARM S1: AP[1] clear */
	bool ns; /* ARM S1: NS bit (and NSTable on the way) */
	bool contig; /* ARM: contiguous bit */
	bool dbm; /* ARM: hardware dirty state (DBM); .write then includes writable-clean */
	bool dirty; /* ARM: DBM and writable-dirty (S1: AP[2] clear; S2: S2AP[1] set) */
	bool ng; /* ARM S1: nG */
	bool cache; /* DART2: NO_CACHE clear; ARM: normal write-back */
	bool sp_full; /* DART: sub-page range covers the whole page */
	bool sp_dis; /* DART1: SP_DIS */
	enum hw_memtype memtype;
	unsigned int sh; /* ARM shareability field */
	u64 table_attrs; /* ARM S1: OR of table descriptor bits 63:59 on the way */
	/*
	 * The walk, per level from where it started to .level (bit l of
	 * walk_levels: level l was read): the table read, the address and
	 * value of the entry read in it, and for a table entry the table it
	 * points to (what a walk cache holds).
	 */
	unsigned int walk_levels;
	u64 walk_table[HW_MAX_LEVELS];
	u64 walk_entry[HW_MAX_LEVELS];
	u64 walk_pte[HW_MAX_LEVELS];
	u64 walk_next[HW_MAX_LEVELS];
};

/* What hw_walk_decode() makes of one descriptor. */
enum hw_entry_kind {
	HW_ENTRY_INVALID,
	HW_ENTRY_TABLE,
	HW_ENTRY_LEAF,
};

/*
 * Table visitor: @pa, @level, first IOVA and span, size in bytes, and the raw
 * entry pointing to it (0 for roots).
 */
typedef int (*hw_table_fn)(void *ctx, u64 pa, unsigned int level, u64 iova, u64 span, u64 bytes,
			   u64 desc);
/* Leaf visitor, in increasing IOVA order: every valid leaf entry. */
typedef int (*hw_leaf_fn)(void *ctx, const struct hw_leaf *leaf);
/* An entry the walk cannot use (@pte at @level translating @iova), and why. */
typedef int (*hw_bad_fn)(void *ctx, u64 iova, unsigned int level, u64 pte, enum hw_fault f);

struct hw_visitor {
	hw_table_fn table;
	hw_leaf_fn leaf;
	/*
	 * Optional. With it, every malformed entry and every invalid entry
	 * that is not zero is reported and skipped; without it, the first
	 * malformed entry stops the walk.
	 */
	hw_bad_fn bad;
	void *ctx;
};

/*
 * Derive the walker from the hardware registers of @hi. ARM: granule from
 * TG0, input size from T0SZ, output size from (I)PS, start level from T0SZ
 * (stage 1) or SL0 (stage 2, concatenated root when SL0 says so), MAIR.
 * DART: granule, TTBR count and level count (the TCR's 4-level bit).
 * RISC-V: levels from iosatp.MODE (hw_info.mode), root from iosatp.PPN.
 * x86-64: levels from hi->mode (4 or 5); VT-d: from the AW field (mode + 2).
 * Returns 0, or -EINVAL when the registers describe something hardware
 * would refuse (with *@why set to a reason).
 */
int hw_walk_init(struct hw_walk *w, const struct ptcore_hw_info *hi, u32 features, hw_read_fn read,
		 void *read_ctx, const char **why);

/*
 * The geometry FORMATS.md gives @cfg (granule, levels, root size, TTBRs,
 * io-pgtable 6.1's stage-2 concatenation) against what hw_walk_init() read
 * from the registers, and the registers' own level and root fields.
 * Returns 0, or -EINVAL with *@why set.
 */
int hw_walk_check_cfg(const struct hw_walk *w, const struct ptcore_cfg *cfg, const char **why);

/* Walk @iova from its root. Returns HW_OK and fills @leaf, or the fault. */
enum hw_fault hw_walk_iova(const struct hw_walk *w, u64 iova, struct hw_leaf *leaf);
/*
 * Walk @iova from @table_pa, a table at @level (a walk that resumes from a
 * walk cache). Hierarchical attributes of the levels above are not applied.
 */
enum hw_fault hw_walk_iova_from(const struct hw_walk *w, u64 iova, unsigned int level,
				u64 table_pa, struct hw_leaf *leaf);

/*
 * Visit every reachable table (roots first, then depth first) and every valid
 * leaf entry, in increasing IOVA order. Returns the first non-zero callback
 * value, else the negated enum hw_fault of the first problem (reported to
 * @v->bad when set), else 0.
 */
int hw_walk_visit(const struct hw_walk *w, const struct hw_visitor *v);
/* hw_walk_visit() without a bad callback. */
int hw_walk_for_each(const struct hw_walk *w, hw_table_fn table_fn, hw_leaf_fn leaf_fn, void *ctx);

/* Raw entry at @level on the walk of @iova: 0 and *@pte; -ENOENT if the walk stops above. */
int hw_walk_entry_at(const struct hw_walk *w, u64 iova, unsigned int level, u64 *pte);

/*
 * One descriptor at @level: HW_OK with its kind and *@addr (the next table,
 * or the entry's output address), or the fault that makes it unusable.
 */
enum hw_fault hw_walk_decode(const struct hw_walk *w, u64 pte, unsigned int level,
			     enum hw_entry_kind *kind, u64 *addr);
/* The descriptor bits that hold an address. */
u64 hw_walk_addr_mask(const struct hw_walk *w);
/* The address field of an entry that points to (or maps) @pa. */
u64 hw_walk_addr_bits(const struct hw_walk *w, u64 pa);

/* Entries of a table at @level (the root's may be fewer or, concatenated, more). */
u64 hw_walk_table_entries(const struct hw_walk *w, unsigned int level);
/* Bytes of one entry in table memory: 8, or 4 for the ARM short descriptors. */
unsigned int hw_walk_entry_bytes(const struct hw_walk *w);
/* Entry @idx of the table memory @tbl (as hw_read_fn returned it). */
u64 hw_walk_table_entry(const struct hw_walk *w, const u64 *tbl, u64 idx);
/* Bytes a table at @level takes: an ARM root at least 64 (its base register's alignment). */
u64 hw_walk_table_bytes(const struct hw_walk *w, unsigned int level);
/* Span of one entry at @level, log2. */
unsigned int hw_walk_entry_shift(const struct hw_walk *w, unsigned int level);
/* First IOVA root @i translates (DART: its TTBR's slice). */
u64 hw_walk_root_iova(const struct hw_walk *w, unsigned int i);
/* ARM: entries in one contiguous run at @level (0 when the level has none). */
unsigned int hw_walk_contig_entries(const struct hw_walk *w, unsigned int level);

/*
 * The leaf entry @leaf found as a device write through it leaves it: with
 * DBM, a writable-clean entry becomes writable-dirty (only this entry, also
 * in a contiguous run); otherwise unchanged.
 */
u64 hw_walk_written_pte(const struct hw_walk *w, const struct hw_leaf *leaf);

/* hw_walk_expect.c: the leaf entry ptcore writes for @prot at output address @oa (FORMATS.md). */
u64 hw_walk_expected_leaf(const struct hw_walk *w, u32 prot, u64 oa, unsigned int level,
			  bool contig);
/* The table entry ptcore writes for the table at @pa. */
u64 hw_walk_expected_table(const struct hw_walk *w, u64 pa);
/* The same for the table at @pa at @level (AMD v1's entries name the level). */
u64 hw_walk_expected_table_at(const struct hw_walk *w, u64 pa, unsigned int level);

/* hw_walk_amdv1.c: the AMD v1 leaf of @size (a sized page when not a level's size) at @pa */
u64 hw_walk_amdv1_leaf(const struct hw_walk *w, u32 prot, u64 pa, u64 size);
/* AMD v1: the table entry pointing to the table at @pa at model level @level */
u64 hw_walk_amdv1_table(const struct hw_walk *w, u64 pa, unsigned int level);

const char *hw_fault_name(enum hw_fault f);

#endif /* PTCORE_KUNIT_HW_WALK_H */
