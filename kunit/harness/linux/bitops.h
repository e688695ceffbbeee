/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Userspace stand-in for <linux/bitops.h> (ptcore KUnit harness only). */
#ifndef PTCORE_HARNESS_LINUX_BITOPS_H
#define PTCORE_HARNESS_LINUX_BITOPS_H

#include <linux/types.h>
#include <linux/bits.h>

#define BITS_TO_LONGS(nr)	(((nr) + BITS_PER_LONG - 1) / BITS_PER_LONG)

static inline unsigned int hweight64(u64 w)
{
	return (unsigned int)__builtin_popcountll(w);
}

/* index of the lowest set bit; undefined for 0 (as the kernel's) */
static inline unsigned int __ffs64(u64 w)
{
	return (unsigned int)__builtin_ctzll(w);
}

/* 1-based index of the highest set bit, 0 for 0 */
static inline int fls64(u64 w)
{
	return w ? 64 - __builtin_clzll(w) : 0;
}

#endif
