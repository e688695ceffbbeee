/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Userspace stand-in for <linux/kernel.h> (bench/peer). */
#ifndef PEER_LINUX_KERNEL_H
#define PEER_LINUX_KERNEL_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/bitops.h>
#include <linux/log2.h>
#include <linux/printk.h>
#include <linux/errno.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

#define container_of(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

#define min(a, b)	({ __typeof__(a) _pa = (a); __typeof__(b) _pb = (b); _pa < _pb ? _pa : _pb; })
#define max(a, b)	({ __typeof__(a) _pa = (a); __typeof__(b) _pb = (b); _pa > _pb ? _pa : _pb; })
#define min_t(t, a, b)	({ t _ta = (t)(a); t _tb = (t)(b); _ta < _tb ? _ta : _tb; })
#define max_t(t, a, b)	({ t _ta = (t)(a); t _tb = (t)(b); _ta > _tb ? _ta : _tb; })

/*
 * WARN_ON() and friends: evaluate the condition once and hand it back, as in
 * the kernel. A fired warning is counted (the harness checks the count) and
 * printed only when the harness asked for verbose warnings.
 */
void peer_warn(const char *file, int line, const char *what);

#define WARN_ON(c) ({ int _wc = !!(c); if (unlikely(_wc)) peer_warn(__FILE__, __LINE__, #c); _wc; })
#define WARN(c, ...) WARN_ON(c)
#define WARN_ON_ONCE(c) WARN_ON(c)
#define VM_BUG_ON(c) ((void)WARN_ON(c))
#define BUG_ON(c) ((void)WARN_ON(c))

#endif
