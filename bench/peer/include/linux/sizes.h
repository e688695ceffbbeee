/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Userspace stand-in for <linux/sizes.h> (bench/peer): powers of two by name. */
#ifndef PEER_LINUX_SIZES_H
#define PEER_LINUX_SIZES_H

#define SZ_1K		(1UL << 10)
#define SZ_4K		(1UL << 12)
#define SZ_16K		(1UL << 14)
#define SZ_32K		(1UL << 15)
#define SZ_64K		(1UL << 16)
#define SZ_1M		(1UL << 20)
#define SZ_2M		(1UL << 21)
#define SZ_32M		(1UL << 25)
#define SZ_512M		(1UL << 29)
#define SZ_1G		(1UL << 30)
#define SZ_2G		(1UL << 31)

#endif
