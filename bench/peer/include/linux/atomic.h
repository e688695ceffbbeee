/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Userspace stand-in for <linux/atomic.h> (bench/peer). */
#ifndef PEER_LINUX_ATOMIC_H
#define PEER_LINUX_ATOMIC_H

#include <linux/types.h>
#include <linux/compiler.h>

/*
 * cmpxchg64_relaxed(): if *p == old store new; return what *p held before.
 * GCC's builtin writes the value it found back into its "expected" operand.
 */
#define cmpxchg64_relaxed(p, old, new) ({				\
	u64 _cx_seen = (old);						\
	__atomic_compare_exchange_n((p), &_cx_seen, (u64)(new), false,	\
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);	\
	_cx_seen;							\
})

#endif
