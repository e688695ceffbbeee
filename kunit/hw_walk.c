// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Hardware-walk model for ptcore's tests: see hw_walk.h. Every rule here
 * comes from the architecture (Arm ARM VMSAv8-64 translation, stage 1 and
 * stage 2) or from design/FORMATS.md (Apple DART), never from ptcore.
 */
#include <linux/kernel.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include "hw_walk.h"

/* ARM descriptor bits (architecture names) */
#define ARM_VALID BIT_ULL(0)
#define ARM_TYPE_MASK 0x3ULL
#define ARM_TYPE_TABLE 0x3ULL /* table at L0-L2, page at L3 */
#define ARM_TYPE_BLOCK 0x1ULL
#define ARM_S1_ATTRINDX(p) (((p) >> 2) & 0x7)
#define ARM_S1_NS BIT_ULL(5)
#define ARM_S1_AP1 BIT_ULL(6) /* EL0 accessible */
#define ARM_S1_AP2 BIT_ULL(7) /* read-only */
#define ARM_S2_S2AP_R BIT_ULL(6)
#define ARM_S2_S2AP_W BIT_ULL(7)
#define ARM_S2_MEMATTR(p) (((p) >> 2) & 0xf)
#define ARM_SH(p) (((p) >> 8) & 0x3)
#define ARM_AF BIT_ULL(10)
#define ARM_NG BIT_ULL(11)
#define ARM_CONT BIT_ULL(52)
#define ARM_PXN BIT_ULL(53)
#define ARM_UXN BIT_ULL(54)
#define ARM_PXNTABLE BIT_ULL(59)
#define ARM_UXNTABLE BIT_ULL(60)
#define ARM_APTABLE0 BIT_ULL(61) /* no EL0 below */
#define ARM_APTABLE1 BIT_ULL(62) /* read-only below */
#define ARM_NSTABLE BIT_ULL(63)
#define ARM_TABLE_ATTRS GENMASK_ULL(63, 59)

/* Apple DART (FORMATS.md) */
#define DART_VALID BIT_ULL(0)
#define DART_SP_START(p) (((p) >> 52) & 0xfff)
#define DART_SP_END(p) (((p) >> 40) & 0xfff)
#define DART_SP_FIELDS (GENMASK_ULL(63, 52) | GENMASK_ULL(51, 40))
#define DART1_ADDR GENMASK_ULL(35, 12)
#define DART1_NO_READ BIT_ULL(8)
#define DART1_NO_WRITE BIT_ULL(7)
#define DART1_SP_DIS BIT_ULL(1)
#define DART2_ADDR GENMASK_ULL(37, 10)
#define DART2_ADDR_SHIFT 4
#define DART2_NO_READ BIT_ULL(3)
#define DART2_NO_WRITE BIT_ULL(2)
#define DART2_NO_CACHE BIT_ULL(1)

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
	}
	return "?";
}

unsigned int hw_walk_entry_shift(const struct hw_walk *w, unsigned int level)
{
	if (is_arm(w->format))
		return w->pg_shift + (3 - level) * w->bpl;
	return w->pg_shift + (w->last_level - level) * w->bpl;
}

u64 hw_walk_table_entries(const struct hw_walk *w, unsigned int level)
{
	if (level == w->start_level)
		return 1ULL << w->root_bits;
	return 1ULL << w->bpl;
}

unsigned int hw_walk_contig_entries(const struct hw_walk *w, unsigned int level)
{
	if (!is_arm(w->format))
		return 0;
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
	if (w->oas == 52 && w->pg_shift != 16) {
		*why = "52-bit PA needs the 64K granule";
		return -EINVAL;
	}
	if (hi->arm_tsz > 64 || hi->arm_tsz == 0) {
		*why = "T0SZ out of range";
		return -EINVAL;
	}
	w->ias = 64 - hi->arm_tsz;
	max_ias = w->pg_shift == 16 ? 52 : 48;
	if (w->ias > max_ias || w->ias <= w->pg_shift) {
		*why = "T0SZ gives an unsupported input size";
		return -EINVAL;
	}
	w->stage2 = hi->format == PTCORE_FMT_ARM64_LPAE_S2;
	w->last_level = 3;
	w->n_roots = 1;
	if (!w->stage2) {
		/* Stage 1: the walk starts where the input size needs it to. */
		levels = DIV_ROUND_UP(w->ias - w->pg_shift, w->bpl);
		w->start_level = 4 - levels;
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
	w->ias = hi->ias;
	w->oas = hi->oas;
	w->start_level = 0;
	w->last_level = hi->levels - 1;
	w->root_bits = w->bpl;
	w->n_roots = hi->n_roots;
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
	*why = "format not modelled";
	return -EINVAL;
}

/* ---- ARM ---- */

static u64 arm_addr(const struct hw_walk *w, u64 pte)
{
	u64 pa = pte & GENMASK_ULL(47, w->pg_shift);

	if (w->pg_shift == 16)
		pa |= ((pte >> 12) & 0xf) << 48; /* PA[51:48] in [15:12] */
	return pa;
}

/* Table descriptor -> next table's PA. */
static enum hw_fault arm_table(const struct hw_walk *w, u64 pte, u64 *next)
{
	if (w->pg_shift == 14 && (pte & GENMASK_ULL(13, 12)))
		return HW_FAULT_MALFORMED; /* RES0 */
	if (pte & GENMASK_ULL(51, 48))
		return HW_FAULT_MALFORMED; /* RES0 without FEAT_LPA2 */
	if (w->stage2 && (pte & ARM_TABLE_ATTRS))
		return HW_FAULT_MALFORMED; /* no hierarchical attributes at stage 2 */
	*next = arm_addr(w, pte);
	if (*next >> w->oas)
		return HW_FAULT_ADDRSIZE;
	return HW_OK;
}

static bool arm_block_allowed(const struct hw_walk *w, unsigned int level)
{
	switch (w->pg_shift) {
	case 12:
		return level == 1 || level == 2;
	case 14:
		return level == 2;
	case 16:
		return level == 2 || (level == 1 && w->oas == 52);
	}
	return false;
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

static enum hw_fault arm_leaf(const struct hw_walk *w, u64 pte, unsigned int level, u64 table_attrs,
			      struct hw_leaf *leaf)
{
	unsigned int shift = hw_walk_entry_shift(w, level);

	if (level == 3 && (pte & ARM_TYPE_MASK) != ARM_TYPE_TABLE)
		return HW_FAULT_MALFORMED; /* 0b01 at level 3 is reserved */
	if (level < 3 && !arm_block_allowed(w, level))
		return HW_FAULT_MALFORMED;
	if (w->pg_shift == 14 && (pte & GENMASK_ULL(13, 12)))
		return HW_FAULT_MALFORMED;
	if (pte & GENMASK_ULL(50, 48))
		return HW_FAULT_MALFORMED; /* RES0 / GP */
	leaf->oa = arm_addr(w, pte);
	if (leaf->oa & ((1ULL << shift) - 1))
		return HW_FAULT_MALFORMED; /* block OA bits below the block size are RES0 */
	if (leaf->oa >> w->oas)
		return HW_FAULT_ADDRSIZE;
	if (!(pte & ARM_AF))
		return HW_FAULT_ACCESS;
	leaf->pte = pte;
	leaf->level = level;
	leaf->size = 1ULL << shift;
	leaf->contig = pte & ARM_CONT;
	leaf->sh = ARM_SH(pte);
	leaf->table_attrs = table_attrs;
	leaf->sp_full = true;
	if (!w->stage2) {
		leaf->read = true;
		leaf->write = !(pte & ARM_S1_AP2) && !(table_attrs & ARM_APTABLE1);
		leaf->priv_only = !(pte & ARM_S1_AP1) || (table_attrs & ARM_APTABLE0);
		leaf->exec = !(pte & (ARM_UXN | ARM_PXN)) &&
			     !(table_attrs & (ARM_UXNTABLE | ARM_PXNTABLE));
		leaf->ns = (pte & ARM_S1_NS) || (table_attrs & ARM_NSTABLE);
		leaf->ng = pte & ARM_NG;
		leaf->memtype = arm_s1_memtype(w, pte);
	} else {
		leaf->read = pte & ARM_S2_S2AP_R;
		leaf->write = pte & ARM_S2_S2AP_W;
		leaf->exec = !(pte & (ARM_UXN | ARM_PXN));
		leaf->memtype = arm_s2_memtype(w, pte);
	}
	leaf->cache = leaf->memtype == HW_MT_NORMAL_WB;
	return HW_OK;
}

/* ---- DART ---- */

static u64 dart_addr(const struct hw_walk *w, u64 pte)
{
	if (w->dart2)
		return (pte & DART2_ADDR) << DART2_ADDR_SHIFT;
	return pte & DART1_ADDR;
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

static enum hw_fault dart_leaf(const struct hw_walk *w, u64 pte, unsigned int level,
			       struct hw_leaf *leaf)
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
	leaf->oa = dart_addr(w, pte);
	if (leaf->oa & ((1ULL << w->pg_shift) - 1))
		return HW_FAULT_MALFORMED;
	if (leaf->oa >> w->oas)
		return HW_FAULT_ADDRSIZE;
	leaf->pte = pte;
	leaf->level = level;
	leaf->size = 1ULL << w->pg_shift;
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
	return HW_OK;
}

/* ---- the walk ---- */

static bool entry_is_table(const struct hw_walk *w, u64 pte, unsigned int level)
{
	if (is_arm(w->format))
		return level < 3 && (pte & ARM_TYPE_MASK) == ARM_TYPE_TABLE;
	return level < w->last_level;
}

static enum hw_fault next_table(const struct hw_walk *w, u64 pte, u64 *next)
{
	return is_arm(w->format) ? arm_table(w, pte, next) : dart_table(w, pte, next);
}

static enum hw_fault decode_leaf(const struct hw_walk *w, u64 pte, unsigned int level,
				 u64 table_attrs, struct hw_leaf *leaf)
{
	return is_arm(w->format) ? arm_leaf(w, pte, level, table_attrs, leaf) :
				   dart_leaf(w, pte, level, leaf);
}

/* First table of the walk for @iova and its level. */
static enum hw_fault walk_root(const struct hw_walk *w, u64 iova, u64 *pa)
{
	if (w->ias < 64 && (iova >> w->ias))
		return HW_FAULT_RANGE;
	if (is_arm(w->format)) {
		*pa = w->hi.root[0];
	} else {
		unsigned int top = w->pg_shift + (w->last_level + 1) * w->bpl;
		u64 ttbr = top < 64 ? iova >> top : 0;

		if (ttbr >= w->n_roots)
			return HW_FAULT_RANGE;
		*pa = w->hi.root[ttbr];
	}
	return HW_OK;
}

enum hw_fault hw_walk_iova(const struct hw_walk *w, u64 iova, struct hw_leaf *leaf)
{
	unsigned int level = w->start_level;
	u64 table_attrs = 0, pa;
	enum hw_fault f;

	memset(leaf, 0, sizeof(*leaf));
	f = walk_root(w, iova, &pa);
	if (f)
		return f;
	for (;;) {
		unsigned int shift = hw_walk_entry_shift(w, level);
		u64 entries = hw_walk_table_entries(w, level);
		u64 idx = (iova >> shift) & (entries - 1);
		const u64 *tbl = w->read(w->read_ctx, pa, entries * 8);
		u64 pte;

		if (!tbl)
			return HW_FAULT_MEMORY;
		pte = READ_ONCE(tbl[idx]);
		leaf->table_pa = pa;
		leaf->index = idx;
		leaf->level = level;
		if (!(pte & 1))
			return HW_FAULT_INVALID;
		if (entry_is_table(w, pte, level)) {
			f = next_table(w, pte, &pa);
			if (f)
				return f;
			table_attrs |= pte & ARM_TABLE_ATTRS;
			level++;
			continue;
		}
		f = decode_leaf(w, pte, level, is_arm(w->format) ? table_attrs : 0, leaf);
		if (f)
			return f;
		leaf->table_pa = pa;
		leaf->index = idx;
		leaf->iova = iova & ~(leaf->size - 1);
		leaf->oa |= iova & (leaf->size - 1);
		return HW_OK;
	}
}

int hw_walk_entry_at(const struct hw_walk *w, u64 iova, unsigned int level, u64 *pte)
{
	unsigned int l = w->start_level;
	u64 pa;

	*pte = 0;
	if (walk_root(w, iova, &pa))
		return -ERANGE;
	for (;; l++) {
		unsigned int shift = hw_walk_entry_shift(w, l);
		u64 entries = hw_walk_table_entries(w, l);
		const u64 *tbl = w->read(w->read_ctx, pa, entries * 8);

		if (!tbl)
			return -EFAULT;
		*pte = READ_ONCE(tbl[(iova >> shift) & (entries - 1)]);
		if (l == level)
			return 0;
		if (!(*pte & 1) || !entry_is_table(w, *pte, l) || next_table(w, *pte, &pa)) {
			*pte = 0;
			return -ENOENT;
		}
	}
}

static int visit(const struct hw_walk *w, u64 pa, unsigned int level, u64 iova_base,
		 u64 table_attrs, u64 desc, hw_table_fn table_fn, hw_leaf_fn leaf_fn, void *ctx)
{
	unsigned int shift = hw_walk_entry_shift(w, level);
	u64 entries = hw_walk_table_entries(w, level);
	const u64 *tbl = w->read(w->read_ctx, pa, entries * 8);
	u64 idx;
	int ret;

	if (!tbl)
		return -HW_FAULT_MEMORY;
	if (table_fn) {
		ret = table_fn(ctx, pa, level, iova_base, entries << shift, entries * 8, desc);
		if (ret)
			return ret;
	}
	for (idx = 0; idx < entries; idx++) {
		u64 pte = READ_ONCE(tbl[idx]);
		u64 iova = iova_base + (idx << shift);
		struct hw_leaf leaf;
		enum hw_fault f;

		if (!(pte & 1))
			continue;
		if (entry_is_table(w, pte, level)) {
			u64 next;

			f = next_table(w, pte, &next);
			if (f)
				return -(int)f;
			ret = visit(w, next, level + 1, iova, table_attrs | (pte & ARM_TABLE_ATTRS),
				    pte, table_fn, leaf_fn, ctx);
			if (ret)
				return ret;
			continue;
		}
		memset(&leaf, 0, sizeof(leaf));
		f = decode_leaf(w, pte, level, is_arm(w->format) ? table_attrs : 0, &leaf);
		if (f)
			return -(int)f;
		leaf.iova = iova;
		leaf.table_pa = pa;
		leaf.index = idx;
		if (leaf_fn) {
			ret = leaf_fn(ctx, &leaf);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int hw_walk_for_each(const struct hw_walk *w, hw_table_fn table_fn, hw_leaf_fn leaf_fn, void *ctx)
{
	unsigned int i;
	int ret;

	if (is_arm(w->format))
		return visit(w, w->hi.root[0], w->start_level, 0, 0, 0, table_fn, leaf_fn, ctx);
	for (i = 0; i < w->n_roots; i++) {
		unsigned int top = w->pg_shift + (w->last_level + 1) * w->bpl;

		ret = visit(w, w->hi.root[i], 0, (u64)i << top, 0, 0, table_fn, leaf_fn, ctx);
		if (ret)
			return ret;
	}
	return 0;
}
