/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Descriptor bits the hardware-walk model (hw_walk.c, hw_walk_expect.c)
 * reads and writes, by their architecture names; private to the model.
 */
#ifndef PTCORE_KUNIT_HW_WALK_BITS_H
#define PTCORE_KUNIT_HW_WALK_BITS_H

#include <linux/bits.h>

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
#define ARM_DBM BIT_ULL(51) /* dirty bit modifier (FEAT_HAFDBS): hardware dirty state */
#define ARM_CONT BIT_ULL(52)
#define ARM_PXN BIT_ULL(53)
#define ARM_UXN BIT_ULL(54)
#define ARM_PXNTABLE BIT_ULL(59)
#define ARM_UXNTABLE BIT_ULL(60)
#define ARM_APTABLE0 BIT_ULL(61) /* no EL0 below */
#define ARM_APTABLE1 BIT_ULL(62) /* read-only below */
#define ARM_NSTABLE BIT_ULL(63)
#define ARM_TABLE_ATTRS GENMASK_ULL(63, 59)
/* the output address field of every granule (64K: PA[51:48] in [15:12]) */
#define ARM_ADDR_FIELD GENMASK_ULL(47, 12)

/* Apple DART (FORMATS.md) */
#define DART_VALID BIT_ULL(0)
#define DART_SP_START(p) (((p) >> 52) & 0xfff)
#define DART_SP_END(p) (((p) >> 40) & 0xfff)
#define DART_SP_FIELDS (GENMASK_ULL(63, 52) | GENMASK_ULL(51, 40))
#define DART_SP_END_ALL (0xfffULL << 40)
#define DART1_ADDR GENMASK_ULL(35, 12)
#define DART1_NO_READ BIT_ULL(8)
#define DART1_NO_WRITE BIT_ULL(7)
#define DART1_SP_DIS BIT_ULL(1)
#define DART2_ADDR GENMASK_ULL(37, 10)
#define DART2_ADDR_SHIFT 4
#define DART2_NO_READ BIT_ULL(3)
#define DART2_NO_WRITE BIT_ULL(2)
#define DART2_NO_CACHE BIT_ULL(1)

#endif /* PTCORE_KUNIT_HW_WALK_BITS_H */
