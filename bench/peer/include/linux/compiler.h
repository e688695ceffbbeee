/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Userspace stand-in for <linux/compiler.h> (bench/peer). */
#ifndef PEER_LINUX_COMPILER_H
#define PEER_LINUX_COMPILER_H

#define likely(c)	__builtin_expect(!!(c), 1)
#define unlikely(c)	__builtin_expect(!!(c), 0)

/* One untorn access the compiler may neither drop nor repeat. */
#define READ_ONCE(v)		(*(const volatile __typeof__(v) *)&(v))
#define WRITE_ONCE(v, val)	do { *(volatile __typeof__(v) *)&(v) = (val); } while (0)

#define __init
#define __initdata
#define __initconst

#endif
