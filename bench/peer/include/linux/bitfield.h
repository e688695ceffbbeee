/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Userspace stand-in for <linux/bitfield.h> (bench/peer). */
#ifndef PEER_LINUX_BITFIELD_H
#define PEER_LINUX_BITFIELD_H

#include <linux/bitops.h>

/* Place @val in the field described by the contiguous mask @mask. */
#define FIELD_PREP(mask, val)	\
	((((__typeof__(mask))(val)) << __builtin_ctzll(mask)) & (mask))
#define FIELD_GET(mask, reg)	\
	((__typeof__(mask))(((reg) & (mask)) >> __builtin_ctzll(mask)))

#endif
