/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Userspace stand-in for <linux/errno.h> (bench/peer): the UAPI header
 * (Debian's linux-libc-dev) has the kernel's numbers. The C library's
 * <errno.h> also includes <linux/errno.h>, hence the pass-through.
 */
#ifndef PEER_LINUX_ERRNO_H
#define PEER_LINUX_ERRNO_H

#include_next <linux/errno.h>

#endif
