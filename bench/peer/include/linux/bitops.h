/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Userspace stand-in for <linux/bitops.h> and <linux/bits.h> (bench/peer). */
#ifndef PEER_LINUX_BITOPS_H
#define PEER_LINUX_BITOPS_H

#include <linux/types.h>

#define BITS_PER_LONG		64
#define BIT(n)			(1UL << (n))
#define BIT_ULL(n)		(1ULL << (n))
/* Bits lo..hi inclusive. */
#define GENMASK(hi, lo)		((~0UL >> (63 - (hi))) & (~0UL << (lo)))
#define GENMASK_ULL(hi, lo)	((~0ULL >> (63 - (hi))) & (~0ULL << (lo)))

/* Index of the lowest / highest set bit; undefined for 0, as in the kernel. */
static inline unsigned long __ffs(unsigned long w)
{
	return (unsigned long)__builtin_ctzl(w);
}

static inline unsigned long __fls(unsigned long w)
{
	return (unsigned long)(63 - __builtin_clzl(w));
}

/* Atomically set bit @nr of the bitmap at @addr. */
static inline void set_bit(unsigned long nr, volatile unsigned long *addr)
{
	__atomic_fetch_or(&addr[nr / BITS_PER_LONG], 1UL << (nr % BITS_PER_LONG),
			  __ATOMIC_RELAXED);
}

#include <linux/log2.h>

#endif
