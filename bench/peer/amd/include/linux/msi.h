/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Stand-in (bench/peer/amd): everything is in <linux/kernel.h>. */
#include <linux/kernel.h>
