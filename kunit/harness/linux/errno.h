/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Userspace stand-in for <linux/errno.h> (ptcore KUnit harness only). */
#ifndef PTCORE_HARNESS_LINUX_ERRNO_H
#define PTCORE_HARNESS_LINUX_ERRNO_H

/* The uapi header has every errno value with the Linux numbering. */
#include_next <linux/errno.h>

#ifndef ENOTSUPP
#define ENOTSUPP	524
#endif

#endif
