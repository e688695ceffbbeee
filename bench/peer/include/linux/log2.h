/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Userspace stand-in for <linux/log2.h> (bench/peer). */
#ifndef PEER_LINUX_LOG2_H
#define PEER_LINUX_LOG2_H

/* floor(log2(n)) for n > 0; a constant expression for constant n. */
#define ilog2(n)	((int)(63 - __builtin_clzll((unsigned long long)(n))))

#endif
