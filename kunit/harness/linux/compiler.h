/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Userspace stand-in for <linux/compiler.h> (ptcore KUnit harness only). */
#ifndef PTCORE_HARNESS_LINUX_COMPILER_H
#define PTCORE_HARNESS_LINUX_COMPILER_H

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define __printf(a, b)		__attribute__((format(printf, a, b)))
#define __always_unused		__attribute__((unused))
#define __maybe_unused		__attribute__((unused))
#define __used			__attribute__((used))
#define __force
#define __noreturn		__attribute__((noreturn))
#define __aligned(x)		__attribute__((aligned(x)))
#define __section(s)		__attribute__((section(s)))
#define __PASTE_(a, b)		a##b
#define __PASTE(a, b)		__PASTE_(a, b)
#define __UNIQUE_ID(prefix)	__PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)
/* Relaxed atomics, not volatile: ThreadSanitizer sees them as the kernel means them. */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, val)	__atomic_store_n(&(x), (val), __ATOMIC_RELAXED)
#define BUILD_BUG_ON(cond)	_Static_assert(!(cond), "BUILD_BUG_ON(" #cond ")")

#endif
