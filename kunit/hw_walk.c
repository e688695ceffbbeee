// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The hardware-walk model: see hw_walk.h. Every rule here comes from the
 * architecture (Arm ARM VMSAv8-64 translation, stage 1 and stage 2) or from
 * design/FORMATS.md (Apple DART, and the entries ptcore writes), never from
 * ptcore.
 */
#include <linux/kernel.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include "hw_walk.h"
#include "hw_walk_amdv1.h"
#include "hw_walk_bits.h"
#include "hw_walk_riscv.h"
#include "hw_walk_v7s.h"
#include "hw_walk_x86.h"

static bool is_arm(u32 format)
{
	return format == PTCORE_FMT_ARM64_LPAE_S1 || format == PTCORE_FMT_ARM64_LPAE_S2;
}

const char *hw_fault_name(enum hw_fault f)
{
	switch (f) {
	case HW_OK:
		return "ok";
	case HW_FAULT_RANGE:
		return "input address out of range";
	case HW_FAULT_INVALID:
		return "translation fault (invalid descriptor)";
	case HW_FAULT_MALFORMED:
		return "malformed descriptor";
	case HW_FAULT_ADDRSIZE:
		return "address size fault";
	case HW_FAULT_ACCESS:
		return "access flag fault";
	case HW_FAULT_MEMORY:
		return "table address is not table memory";
	case HW_FAULT_CONTIG:
		return "inconsistent contiguous-hint run";
	}
	return "?";
}

/* ---- geometry ---- */

unsigned int hw_walk_entry_shift(const struct hw_walk *w, unsigned int level)
{
	return w->pg_shift + (w->last_level - level) * w->bpl;
}

u64 hw_walk_table_entries(const struct hw_walk *w, unsigned int level)
{
	if (level == w->start_level)
		return 1ULL << w->root_bits;
	return 1ULL << w->bpl;
}

unsigned int hw_walk_entry_bytes(const struct hw_walk *w)
{
	return w->v7s ? 4 : 8;
}

u64 hw_walk_table_entry(const struct hw_walk *w, const u64 *tbl, u64 idx)
{
	if (w->v7s)
		return READ_ONCE(((const u32 *)tbl)[idx]);
	return READ_ONCE(tbl[idx]);
}

u64 hw_walk_table_bytes(const struct hw_walk *w, unsigned int level)
{
	u64 bytes = hw_walk_entry_bytes(w) * hw_walk_table_entries(w, level);

	if (w->arm && level == w->start_level && bytes < 64)
		return 64;
	return bytes;
}

u64 hw_walk_root_iova(const struct hw_walk *w, unsigned int i)
{
	if (w->arm || w->ttbr_shift >= 64)
		return 0;
	return (u64)i << w->ttbr_shift;
}

unsigned int hw_walk_contig_entries(const struct hw_walk *w, unsigned int level)
{
	if (!w->arm)
		return 0;
	level -= w->lvl_bias; /* the architecture's level (a walk from -1 counts from 0) */
	switch (w->pg_shift) {
	case 12:
		return (level == 3 || level == 2) ? 16 : 0;
	case 14:
		return level == 3 ? 128 : level == 2 ? 32 : 0;
	case 16:
		return (level == 3 || level == 2) ? 32 : 0;
	}
	return 0;
}

static int arm_init(struct hw_walk *w, const char **why)
{
	const struct ptcore_hw_info *hi = &w->hi;
	static const unsigned char ps_bits[] = { 32, 36, 40, 42, 44, 48, 52 };
	unsigned int levels, max_ias;
	int root_bits;

	switch (hi->arm_tg) {
	case 0:
		w->pg_shift = 12;
		break;
	case 1:
		w->pg_shift = 16;
		break;
	case 2:
		w->pg_shift = 14;
		break;
	default:
		*why = "TG0 reserved";
		return -EINVAL;
	}
	w->bpl = w->pg_shift - 3;
	if (hi->arm_ps >= ARRAY_SIZE(ps_bits)) {
		*why = "PS reserved";
		return -EINVAL;
	}
	w->oas = ps_bits[hi->arm_ps];
	/* FEAT_LPA2: TCR.DS, which only the 4K and 16K granules have */
	w->ds = w->features & PTCORE_FEAT_ARM_LPA2;
	if (w->ds && w->pg_shift == 16) {
		*why = "TCR.DS with the 64K granule";
		return -EINVAL;
	}
	if (w->oas == 52 && w->pg_shift != 16 && !w->ds) {
		*why = "52-bit PA needs the 64K granule or FEAT_LPA2 (TCR.DS)";
		return -EINVAL;
	}
	if (hi->arm_tsz > 64 || hi->arm_tsz == 0) {
		*why = "T0SZ out of range";
		return -EINVAL;
	}
	w->ias = 64 - hi->arm_tsz;
	max_ias = (w->pg_shift == 16 || w->ds) ? 52 : 48;
	if (w->ias > max_ias || w->ias <= w->pg_shift) {
		*why = "T0SZ gives an unsupported input size";
		return -EINVAL;
	}
	w->arm = true;
	w->stage2 = hi->format == PTCORE_FMT_ARM64_LPAE_S2;
	w->pa_bits = w->oas;
	w->last_level = 3;
	w->n_roots = 1;
	if (!w->stage2) {
		/* Stage 1: the walk starts where the input size needs it to. */
		levels = DIV_ROUND_UP(w->ias - w->pg_shift, w->bpl);
		/* 4K with DS and more than 48 bits: from level -1, model level 0 */
		if (levels == 5) {
			w->lvl_bias = 1;
			w->last_level = 4;
		}
		w->start_level = 4 - levels + w->lvl_bias;
	} else {
		/* Stage 2: VTCR.SL0 names the start level; 4K counts from L2. */
		unsigned int sl0 = hi->arm_sl;

		if (w->pg_shift == 12) {
			if (sl0 > 2) {
				*why = "SL0 reserved for 4K";
				return -EINVAL;
			}
			w->start_level = 2 - sl0;
		} else {
			if (sl0 > 3 || (sl0 == 3 && w->pg_shift == 16)) {
				*why = "SL0 reserved";
				return -EINVAL;
			}
			w->start_level = 3 - sl0;
		}
	}
	root_bits = (int)w->ias - (int)hw_walk_entry_shift(w, w->start_level);
	if (root_bits < 1) {
		*why = "start level below the input size";
		return -EINVAL;
	}
	/* Stage 1 roots are at most one table; stage 2 may concatenate 16. */
	if (root_bits > (int)w->bpl + (w->stage2 ? 4 : 0)) {
		*why = "start level too high for the input size";
		return -EINVAL;
	}
	w->root_bits = root_bits;
	w->levels = w->last_level - w->start_level + 1;
	/* The base register wants at least 64-byte alignment, and the table's size. */
	if (hi->root[0] & (max_t(u64, 64, 8ULL << root_bits) - 1)) {
		*why = "root not aligned to its size";
		return -EINVAL;
	}
	if (hi->root[0] >> w->oas) {
		*why = "root beyond oas";
		return -EINVAL;
	}
	return 0;
}

static int dart_init(struct hw_walk *w, const char **why)
{
	const struct ptcore_hw_info *hi = &w->hi;
	unsigned int i;

	if (hi->granule_lg2 != 12 && hi->granule_lg2 != 14) {
		*why = "DART page size must be 4K or 16K";
		return -EINVAL;
	}
	w->pg_shift = hi->granule_lg2;
	w->bpl = w->pg_shift - 3;
	w->dart2 = hi->format == PTCORE_FMT_APPLE_DART2;
	if (w->dart2 && w->pg_shift != 14) {
		*why = "DART2 is 16K only";
		return -EINVAL;
	}
	if (hi->levels != 2 && hi->levels != 3) {
		*why = "DART walks 2 or 3 levels below the TTBR";
		return -EINVAL;
	}
	if (hi->n_roots < 1 || hi->n_roots > 4 || (hi->n_roots & (hi->n_roots - 1))) {
		*why = "1, 2 or 4 TTBRs";
		return -EINVAL;
	}
	/* the three-level walk of a 16K DART is t8110's (TCR four-level bit): one TTBR */
	if (hi->levels == 3 && w->pg_shift == 14 && hi->n_roots != 1) {
		*why = "a 16K DART walks three levels from one TTBR";
		return -EINVAL;
	}
	w->ias = hi->ias;
	w->oas = hi->oas;
	w->start_level = 0;
	w->last_level = hi->levels - 1;
	w->levels = hi->levels;
	w->root_bits = w->bpl;
	w->n_roots = hi->n_roots;
	w->ttbr_shift = w->pg_shift + w->levels * w->bpl;
	/* DART1 entries hold PA[35:12], DART2 entries PA[41:14] */
	w->pa_bits = min_t(unsigned int, w->oas, w->dart2 ? 42 : 36);
	for (i = 0; i < w->n_roots; i++) {
		if (hi->root[i] & ((1ULL << w->pg_shift) - 1)) {
			*why = "TTBR table not page aligned";
			return -EINVAL;
		}
		if (hi->root[i] >> (w->dart2 ? 42 : 36)) {
			*why = "TTBR table beyond the format's address reach";
			return -EINVAL;
		}
	}
	return 0;
}

int hw_walk_init(struct hw_walk *w, const struct ptcore_hw_info *hi, u32 features, hw_read_fn read,
		 void *read_ctx, const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	*why = NULL;
	memset(w, 0, sizeof(*w));
	w->hi = *hi;
	w->format = hi->format;
	w->features = features;
	w->read = read;
	w->read_ctx = read_ctx;
	if (is_arm(hi->format))
		return arm_init(w, why);
	if (hi->format == PTCORE_FMT_APPLE_DART || hi->format == PTCORE_FMT_APPLE_DART2)
		return dart_init(w, why);
	if (hi->format == PTCORE_FMT_RISCV64)
		return hw_riscv_init(w, why);
	if (hw_is_x86(hi->format))
		return hw_x86_init(w, why);
	if (hi->format == PTCORE_FMT_AMDV1)
		return hw_walk_amdv1_init(w, why);
	if (hi->format == PTCORE_FMT_ARM_V7S)
		return hw_v7s_init(w, why);
	*why = "format not modelled";
	return -EINVAL;
}

/* ---- ARM descriptors ---- */

static u64 arm_addr(const struct hw_walk *w, u64 pte)
{
	u64 pa = pte & GENMASK_ULL(47, w->pg_shift);

	if (w->ds) /* OA[49:pg_shift] in place, OA[51:50] in [9:8] */
		return (pte & GENMASK_ULL(49, w->pg_shift)) | ((pte >> 8) & 0x3) << 50;

	if (w->pg_shift == 16)
		pa |= ((pte >> 12) & 0xf) << 48; /* PA[51:48] in [15:12] */
	return pa;
}

static u64 arm_addr_bits(const struct hw_walk *w, u64 pa)
{
	u64 pte = pa & GENMASK_ULL(47, w->pg_shift);

	if (w->ds)
		return (pa & GENMASK_ULL(49, w->pg_shift)) | ((pa >> 50) & 0x3) << 8;

	if (w->pg_shift == 16)
		pte |= ((pa >> 48) & 0xf) << 12;
	return pte;
}

/* Table descriptor -> next table's PA. */
static enum hw_fault arm_table(const struct hw_walk *w, u64 pte, u64 *next)
{
	if (w->pg_shift == 14 && (pte & GENMASK_ULL(13, 12)))
		return HW_FAULT_MALFORMED; /* RES0 */
	if (pte & (w->ds ? GENMASK_ULL(51, 50) : GENMASK_ULL(51, 48)))
		return HW_FAULT_MALFORMED; /* RES0 (with DS, 49:48 hold the address) */
	if (w->stage2 && (pte & ARM_TABLE_ATTRS))
		return HW_FAULT_MALFORMED; /* no hierarchical attributes at stage 2 */
	*next = arm_addr(w, pte);
	if (*next >> w->oas)
		return HW_FAULT_ADDRSIZE;
	return HW_OK;
}

static bool arm_block_allowed(const struct hw_walk *w, unsigned int level)
{
	level -= w->lvl_bias;
	switch (w->pg_shift) {
	case 12: /* DS: 512G blocks at level 0 */
		return level == 1 || level == 2 || (w->ds && level == 0);
	case 14: /* DS: 64G blocks at level 1 */
		return level == 2 || (w->ds && level == 1);
	case 16:
		return level == 2 || (level == 1 && w->oas == 52);
	}
	return false;
}

static enum hw_fault arm_leaf_check(const struct hw_walk *w, u64 pte, unsigned int level, u64 *oa)
{
	unsigned int shift = hw_walk_entry_shift(w, level);

	if (level == w->last_level && (pte & ARM_TYPE_MASK) != ARM_TYPE_TABLE)
		return HW_FAULT_MALFORMED; /* 0b01 at level 3 is reserved */
	if (level < w->last_level && !arm_block_allowed(w, level))
		return HW_FAULT_MALFORMED;
	if (w->pg_shift == 14 && (pte & GENMASK_ULL(13, 12)))
		return HW_FAULT_MALFORMED;
	if (pte & (w->ds ? BIT_ULL(50) : GENMASK_ULL(50, 48)))
		return HW_FAULT_MALFORMED; /* RES0 / GP */
	if ((pte & ARM_CONT) && !hw_walk_contig_entries(w, level))
		return HW_FAULT_MALFORMED; /* no contiguous runs at this level */
	*oa = arm_addr(w, pte);
	if (*oa & ((1ULL << shift) - 1))
		return HW_FAULT_MALFORMED; /* block OA bits below the block size are RES0 */
	if (*oa >> w->oas)
		return HW_FAULT_ADDRSIZE;
	if (!(pte & ARM_AF))
		return HW_FAULT_ACCESS;
	return HW_OK;
}

static enum hw_memtype arm_s1_memtype(const struct hw_walk *w, u64 pte)
{
	unsigned int attr = (w->hi.arm_mair >> (8 * ARM_S1_ATTRINDX(pte))) & 0xff;

	if (!(attr & 0xf0))
		return HW_MT_DEVICE;
	if (attr == 0xff)
		return HW_MT_NORMAL_WB;
	if (attr == 0x44)
		return HW_MT_NORMAL_NC;
	return HW_MT_OTHER;
}

static enum hw_memtype arm_s2_memtype(const struct hw_walk *w, u64 pte)
{
	unsigned int ma = ARM_S2_MEMATTR(pte);

	if (w->features & PTCORE_FEAT_ARM_S2FWB) {
		/* FWB: MemAttr[2] clear = Device; else [1:0] 01 NC, 10 forced WB */
		if (!(ma & 0x4))
			return HW_MT_DEVICE;
		if ((ma & 0x3) == 0x1)
			return HW_MT_NORMAL_NC;
		if ((ma & 0x3) == 0x2)
			return HW_MT_NORMAL_WB;
		return HW_MT_OTHER;
	}
	/* MemAttr[3:2] outer (00 = Device), [1:0] inner */
	if (!(ma & 0xc))
		return HW_MT_DEVICE;
	if (ma == 0xf)
		return HW_MT_NORMAL_WB;
	if (ma == 0x5)
		return HW_MT_NORMAL_NC;
	return HW_MT_OTHER;
}

static void arm_leaf_fill(const struct hw_walk *w, u64 pte, u64 table_attrs, struct hw_leaf *leaf)
{
	leaf->contig = pte & ARM_CONT;
	/* with DS, bits 9:8 are OA[51:50]: the shareability is TCR.SH0's */
	leaf->sh = w->ds ? w->hi.arm_sh : ARM_SH(pte);
	leaf->table_attrs = table_attrs;
	leaf->sp_full = true;
	leaf->dbm = pte & ARM_DBM;
	if (!w->stage2) {
		leaf->read = true;
		/* writable-clean with DBM: a write is allowed and marks the entry dirty */
		leaf->write = (!(pte & ARM_S1_AP2) || leaf->dbm) && !(table_attrs & ARM_APTABLE1);
		leaf->dirty = leaf->dbm && !(pte & ARM_S1_AP2);
		leaf->priv_only = !(pte & ARM_S1_AP1) || (table_attrs & ARM_APTABLE0);
		leaf->exec = !(pte & (ARM_UXN | ARM_PXN)) &&
			     !(table_attrs & (ARM_UXNTABLE | ARM_PXNTABLE));
		leaf->ns = (pte & ARM_S1_NS) || (table_attrs & ARM_NSTABLE);
		leaf->ng = pte & ARM_NG;
		leaf->memtype = arm_s1_memtype(w, pte);
	} else {
		leaf->read = pte & ARM_S2_S2AP_R;
		leaf->write = (pte & ARM_S2_S2AP_W) || leaf->dbm;
		leaf->dirty = leaf->dbm && (pte & ARM_S2_S2AP_W);
		leaf->exec = !(pte & (ARM_UXN | ARM_PXN));
		leaf->memtype = arm_s2_memtype(w, pte);
	}
	leaf->cache = leaf->memtype == HW_MT_NORMAL_WB;
}

/* The bit that holds the dirty state of a DBM entry: S1 AP[2] (clear: dirty), S2 S2AP[1]. */
static u64 arm_dirty_bit(const struct hw_walk *w)
{
	return w->stage2 ? ARM_S2_S2AP_W : ARM_S1_AP2;
}

u64 hw_walk_written_pte(const struct hw_walk *w, const struct hw_leaf *leaf)
{
	if (w->riscv)
		return hw_riscv_written_pte(w, leaf);
	if (w->x86)
		return hw_x86_written_pte(w, leaf);
	if (w->amdv1)
		return hw_walk_amdv1_written_pte(w, leaf);
	if (w->v7s)
		return leaf->pte; /* no hardware dirty state */
	if (!w->arm || !leaf->dbm || leaf->dirty || !leaf->write)
		return leaf->pte;
	return leaf->pte ^ arm_dirty_bit(w);
}

/*
 * The contiguous run holding entry @idx of @tbl: every entry valid, hinted,
 * equal but for the output address, which goes up one entry at a time from
 * a first address aligned to the whole run. Sets *@first_oa.
 */
static enum hw_fault arm_check_run(const struct hw_walk *w, const u64 *tbl, u64 entries, u64 idx,
				   unsigned int level, u64 *first_oa)
{
	unsigned int n = hw_walk_contig_entries(w, level), shift = hw_walk_entry_shift(w, level);
	u64 base = idx & ~(u64)(n - 1), first, i, same;

	if (!n || entries < n)
		return HW_FAULT_CONTIG;
	first = READ_ONCE(tbl[base]);
	if (!(first & ARM_VALID) || !(first & ARM_CONT) ||
	    arm_leaf_check(w, first, level, first_oa))
		return HW_FAULT_CONTIG;
	if (*first_oa & ((1ULL << shift) * n - 1))
		return HW_FAULT_CONTIG;
	/* With DBM the SMMU marks only the entry it used dirty: that bit may differ. */
	same = ~hw_walk_addr_mask(w);
	if (first & ARM_DBM)
		same &= ~arm_dirty_bit(w);
	for (i = 1; i < n; i++) {
		u64 e = READ_ONCE(tbl[base + i]), oa;

		if ((e ^ first) & same)
			return HW_FAULT_CONTIG;
		if (arm_leaf_check(w, e, level, &oa) || oa != *first_oa + (i << shift))
			return HW_FAULT_CONTIG;
	}
	return HW_OK;
}

/* ---- DART descriptors ---- */

static u64 dart_addr(const struct hw_walk *w, u64 pte)
{
	if (w->dart2)
		return (pte & DART2_ADDR) << DART2_ADDR_SHIFT;
	return pte & DART1_ADDR;
}

static u64 dart_addr_bits(const struct hw_walk *w, u64 pa)
{
	if (w->dart2)
		return (pa >> DART2_ADDR_SHIFT) & DART2_ADDR;
	return pa & DART1_ADDR;
}

static enum hw_fault dart_table(const struct hw_walk *w, u64 pte, u64 *next)
{
	u64 addr_mask = w->dart2 ? DART2_ADDR : DART1_ADDR;

	if (pte & ~(addr_mask | DART_VALID))
		return HW_FAULT_MALFORMED;
	*next = dart_addr(w, pte);
	if (*next & ((1ULL << w->pg_shift) - 1))
		return HW_FAULT_MALFORMED;
	return HW_OK;
}

static enum hw_fault dart_leaf_check(const struct hw_walk *w, u64 pte, u64 *oa)
{
	u64 allowed;

	if (w->dart2)
		allowed = DART_VALID | DART2_ADDR | DART2_NO_READ | DART2_NO_WRITE |
			  DART2_NO_CACHE | DART_SP_FIELDS;
	else
		allowed = DART_VALID | DART1_ADDR | DART1_NO_READ | DART1_NO_WRITE | DART1_SP_DIS |
			  DART_SP_FIELDS;
	if (pte & ~allowed)
		return HW_FAULT_MALFORMED;
	*oa = dart_addr(w, pte);
	if (*oa & ((1ULL << w->pg_shift) - 1))
		return HW_FAULT_MALFORMED;
	if (*oa >> w->oas)
		return HW_FAULT_ADDRSIZE;
	return HW_OK;
}

static void dart_leaf_fill(const struct hw_walk *w, u64 pte, struct hw_leaf *leaf)
{
	leaf->sp_full = DART_SP_START(pte) == 0 && DART_SP_END(pte) == 0xfff;
	leaf->exec = true;
	if (w->dart2) {
		leaf->read = !(pte & DART2_NO_READ);
		leaf->write = !(pte & DART2_NO_WRITE);
		leaf->cache = !(pte & DART2_NO_CACHE);
	} else {
		leaf->read = !(pte & DART1_NO_READ);
		leaf->write = !(pte & DART1_NO_WRITE);
		leaf->sp_dis = pte & DART1_SP_DIS;
		leaf->cache = true;
	}
	leaf->memtype = leaf->cache ? HW_MT_NORMAL_WB : HW_MT_NORMAL_NC;
}

/* ---- one descriptor ---- */

enum hw_fault hw_walk_decode(const struct hw_walk *w, u64 pte, unsigned int level,
			     enum hw_entry_kind *kind, u64 *addr)
{
	if (w->riscv)
		return hw_riscv_decode(w, pte, level, kind, addr);
	if (w->x86)
		return hw_x86_decode(w, pte, level, kind, addr);
	if (w->amdv1)
		return hw_walk_amdv1_decode(w, pte, level, kind, addr);
	if (w->v7s)
		return hw_v7s_decode(w, pte, level, kind, addr);
	*kind = HW_ENTRY_INVALID;
	*addr = 0;
	if (!(pte & 1))
		return HW_OK;
	if (level < w->last_level && (!w->arm || (pte & ARM_TYPE_MASK) == ARM_TYPE_TABLE)) {
		*kind = HW_ENTRY_TABLE;
		return w->arm ? arm_table(w, pte, addr) : dart_table(w, pte, addr);
	}
	*kind = HW_ENTRY_LEAF;
	return w->arm ? arm_leaf_check(w, pte, level, addr) : dart_leaf_check(w, pte, addr);
}

u64 hw_walk_addr_mask(const struct hw_walk *w)
{
	if (w->riscv)
		return hw_riscv_addr_mask();
	if (w->x86)
		return hw_x86_addr_mask(w);
	if (w->amdv1)
		return GENMASK_ULL(51, 12);
	if (w->v7s)
		return GENMASK_ULL(31, 12);
	if (!w->arm)
		return w->dart2 ? DART2_ADDR : DART1_ADDR;
	if (w->ds)
		return GENMASK_ULL(49, w->pg_shift) | GENMASK_ULL(9, 8);
	return GENMASK_ULL(47, w->pg_shift) | (w->pg_shift == 16 ? GENMASK_ULL(15, 12) : 0);
}

u64 hw_walk_addr_bits(const struct hw_walk *w, u64 pa)
{
	if (w->riscv)
		return hw_riscv_addr_bits(pa);
	if (w->x86)
		return pa & hw_x86_addr_mask(w);
	if (w->amdv1)
		return pa & GENMASK_ULL(51, 12);
	if (w->v7s)
		return hw_v7s_addr_bits(pa);
	if (!w->arm)
		return dart_addr_bits(w, pa);
	return arm_addr_bits(w, pa);
}

/* Fill @leaf for the valid leaf @pte, entry @idx of @tbl at @level, translating @iova. */
static enum hw_fault fill_leaf(const struct hw_walk *w, const u64 *tbl, u64 idx, u64 pte,
			       unsigned int level, u64 iova, u64 oa, u64 table_attrs,
			       struct hw_leaf *leaf)
{
	unsigned int shift = hw_walk_entry_shift(w, level);

	if (w->amdv1)
		return hw_walk_amdv1_fill_leaf(w, tbl, idx, pte, level, iova, oa, table_attrs,
					       leaf);
	if (w->v7s)
		return hw_v7s_fill_leaf(w, tbl, idx, pte, level, iova, oa, table_attrs, leaf);
	leaf->pte = pte;
	leaf->level = level;
	leaf->size = 1ULL << shift;
	leaf->iova = iova & ~(leaf->size - 1);
	leaf->oa = oa | (iova & (leaf->size - 1));
	leaf->index = idx;
	leaf->run_iova = leaf->iova;
	leaf->run_size = leaf->size;
	leaf->run_oa = oa;
	if (w->riscv)
		return hw_riscv_leaf_fill(w, tbl, idx, pte, leaf);
	if (w->x86) {
		hw_x86_leaf_fill(w, pte, table_attrs, leaf);
		return HW_OK;
	}
	if (!w->arm) {
		dart_leaf_fill(w, pte, leaf);
		return HW_OK;
	}
	arm_leaf_fill(w, pte, table_attrs, leaf);
	if (pte & ARM_CONT) {
		enum hw_fault f;

		f = arm_check_run(w, tbl, hw_walk_table_entries(w, level), idx, level,
				  &leaf->run_oa);
		if (f)
			return f;
		leaf->run_size *= hw_walk_contig_entries(w, level);
		leaf->run_iova = iova & ~(leaf->run_size - 1);
	}
	return HW_OK;
}

/* ---- the walk ---- */

/* What a table entry passes down: ARM's hierarchical attributes, x86 restrictions. */
static u64 table_restrict(const struct hw_walk *w, u64 pte)
{
	if (w->arm)
		return pte & ARM_TABLE_ATTRS;
	if (w->x86)
		return hw_x86_table_restrict(w, pte);
	if (w->amdv1)
		return hw_walk_amdv1_denied(pte);
	if (w->v7s)
		return hw_v7s_table_restrict(pte);
	return 0;
}

static enum hw_fault walk(const struct hw_walk *w, u64 iova, unsigned int level, u64 pa,
			  struct hw_leaf *leaf)
{
	u64 table_attrs = 0;

	for (;; level++) {
		unsigned int shift = hw_walk_entry_shift(w, level);
		u64 entries = hw_walk_table_entries(w, level);
		u64 idx = (iova >> shift) & (entries - 1);
		const u64 *tbl;
		enum hw_entry_kind kind;
		enum hw_fault f;
		u64 pte, addr;

		if (level > w->last_level || level >= HW_MAX_LEVELS)
			return HW_FAULT_MALFORMED;
		tbl = w->read(w->read_ctx, pa, hw_walk_table_bytes(w, level));
		if (!tbl)
			return HW_FAULT_MEMORY;
		pte = hw_walk_table_entry(w, tbl, idx);
		leaf->table_pa = pa;
		leaf->index = idx;
		leaf->level = level;
		leaf->pte = pte;
		leaf->walk_levels |= 1U << level;
		leaf->walk_table[level] = pa;
		leaf->walk_entry[level] = pa + hw_walk_entry_bytes(w) * idx;
		leaf->walk_pte[level] = pte;
		f = hw_walk_decode(w, pte, level, &kind, &addr);
		if (f)
			return f;
		if (kind == HW_ENTRY_INVALID)
			return HW_FAULT_INVALID;
		if (kind == HW_ENTRY_TABLE) {
			leaf->walk_next[level] = addr;
			table_attrs |= table_restrict(w, pte);
			pa = addr;
			continue;
		}
		return fill_leaf(w, tbl, idx, pte, level, iova, addr, table_attrs, leaf);
	}
}

static bool iova_in_ias(const struct hw_walk *w, u64 iova)
{
	return w->ias >= 64 || !(iova >> w->ias);
}

enum hw_fault hw_walk_iova(const struct hw_walk *w, u64 iova, struct hw_leaf *leaf)
{
	u64 ttbr = 0;

	memset(leaf, 0, sizeof(*leaf));
	if (!iova_in_ias(w, iova))
		return HW_FAULT_RANGE;
	if (!w->arm && w->ttbr_shift < 64)
		ttbr = iova >> w->ttbr_shift;
	if (ttbr >= w->n_roots)
		return HW_FAULT_RANGE;
	return walk(w, iova, w->start_level, w->hi.root[ttbr], leaf);
}

enum hw_fault hw_walk_iova_from(const struct hw_walk *w, u64 iova, unsigned int level,
				u64 table_pa, struct hw_leaf *leaf)
{
	memset(leaf, 0, sizeof(*leaf));
	if (!iova_in_ias(w, iova))
		return HW_FAULT_RANGE;
	if (level < w->start_level || level > w->last_level)
		return HW_FAULT_MALFORMED;
	return walk(w, iova, level, table_pa, leaf);
}

int hw_walk_entry_at(const struct hw_walk *w, u64 iova, unsigned int level, u64 *pte)
{
	struct hw_leaf leaf;
	enum hw_fault f = hw_walk_iova(w, iova, &leaf);

	*pte = 0;
	if (f == HW_FAULT_RANGE)
		return -ERANGE;
	if (level >= HW_MAX_LEVELS || !(leaf.walk_levels & (1U << level)))
		return f == HW_FAULT_MEMORY ? -EFAULT : -ENOENT;
	*pte = leaf.walk_pte[level];
	return 0;
}

/* ---- visiting the whole tree ---- */

struct visit_state {
	const struct hw_walk *w;
	const struct hw_visitor *v;
	int first; /* negated fault of the first problem */
};

/* A problem at an entry: report it, or stop there without a bad callback. */
static int problem(struct visit_state *st, u64 iova, unsigned int level, u64 pte,
		   enum hw_fault f)
{
	if (!st->first)
		st->first = -(int)f;
	if (!st->v->bad)
		return -(int)f;
	return st->v->bad(st->v->ctx, iova, level, pte, f);
}

static int visit(struct visit_state *st, u64 pa, unsigned int level, u64 iova_base,
		 u64 table_attrs, u64 desc)
{
	const struct hw_walk *w = st->w;
	const struct hw_visitor *v = st->v;
	unsigned int shift = hw_walk_entry_shift(w, level);
	u64 entries = hw_walk_table_entries(w, level), bytes = hw_walk_table_bytes(w, level);
	const u64 *tbl;
	u64 idx;
	int ret;

	if (level > w->last_level || level >= HW_MAX_LEVELS)
		return problem(st, iova_base, level - 1, desc, HW_FAULT_MALFORMED);
	tbl = w->read(w->read_ctx, pa, bytes);
	if (!tbl)
		return problem(st, iova_base, level ? level - 1 : 0, desc, HW_FAULT_MEMORY);
	if (v->table) {
		ret = v->table(v->ctx, pa, level, iova_base, entries << shift, bytes, desc);
		if (ret)
			return ret;
	}
	for (idx = 0; idx < entries; idx++) {
		u64 pte = hw_walk_table_entry(w, tbl, idx), addr;
		u64 iova = iova_base + (idx << shift);
		enum hw_entry_kind kind;
		struct hw_leaf leaf;
		enum hw_fault f;

		f = hw_walk_decode(w, pte, level, &kind, &addr);
		if (!f && kind == HW_ENTRY_INVALID) {
			if (!pte || !v->bad)
				continue;
			f = HW_FAULT_INVALID;
		}
		if (!f && kind == HW_ENTRY_TABLE) {
			ret = visit(st, addr, level + 1, iova, table_attrs | table_restrict(w, pte),
				    pte);
			if (ret)
				return ret;
			continue;
		}
		if (!f) {
			memset(&leaf, 0, sizeof(leaf));
			leaf.table_pa = pa;
			f = fill_leaf(w, tbl, idx, pte, level, iova, addr, table_attrs, &leaf);
		}
		if (f) {
			ret = problem(st, iova, level, pte, f);
			if (ret)
				return ret;
			continue;
		}
		if (v->leaf) {
			ret = v->leaf(v->ctx, &leaf);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int hw_walk_visit(const struct hw_walk *w, const struct hw_visitor *v)
{
	struct visit_state st = { .w = w, .v = v };
	unsigned int i;
	int ret;

	for (i = 0; i < w->n_roots; i++) {
		ret = visit(&st, w->hi.root[i], w->start_level, hw_walk_root_iova(w, i), 0, 0);
		if (ret)
			return ret;
	}
	return st.first;
}

int hw_walk_for_each(const struct hw_walk *w, hw_table_fn table_fn, hw_leaf_fn leaf_fn, void *ctx)
{
	struct hw_visitor v = { .table = table_fn, .leaf = leaf_fn, .ctx = ctx };

	return hw_walk_visit(w, &v);
}
