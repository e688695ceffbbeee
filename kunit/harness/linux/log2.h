/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Userspace stand-in for <linux/log2.h> (ptcore KUnit harness only). */
#ifndef PTCORE_HARNESS_LINUX_LOG2_H
#define PTCORE_HARNESS_LINUX_LOG2_H

#include <linux/types.h>

#define ilog2(n)	((int)(63 - __builtin_clzll((unsigned long long)(n))))

static inline bool is_power_of_2(unsigned long n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

#endif
