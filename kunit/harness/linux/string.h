/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Userspace stand-in for <linux/string.h> (ptcore KUnit harness only). */
#ifndef PTCORE_HARNESS_LINUX_STRING_H
#define PTCORE_HARNESS_LINUX_STRING_H

#include <string.h>

#endif
