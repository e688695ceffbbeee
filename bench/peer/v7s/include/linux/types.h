/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Stand-in (bench/peer/v7s): everything is in <linux/kernel.h>. */
#include <linux/kernel.h>
