/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Userspace stand-in for <linux/types.h>, used only by ptcore's KUnit
 * harness so that the suites build unchanged in userspace and in a kernel.
 */
#ifndef PTCORE_HARNESS_LINUX_TYPES_H
#define PTCORE_HARNESS_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * u64 is uint64_t here (in a kernel uint64_t is u64), so pointers pass to
 * ptcore.h's uint64_t parameters in both worlds. Print with a cast to
 * unsigned long long and %llx / %llu.
 */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef unsigned int gfp_t;
typedef u64 phys_addr_t;
typedef u64 dma_addr_t;

#endif
