/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Userspace stand-in for <linux/slab.h> (ptcore KUnit harness only). */
#ifndef PTCORE_HARNESS_LINUX_SLAB_H
#define PTCORE_HARNESS_LINUX_SLAB_H

#include <linux/types.h>

#define __GFP_ZERO	0x100u
#define GFP_KERNEL	0xcc0u
#define GFP_ATOMIC	0xa20u
#define GFP_NOWAIT	0x800u

void *kmalloc(size_t size, gfp_t gfp);
void *kmalloc_array(size_t n, size_t size, gfp_t gfp);
void kfree(const void *ptr);

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	return kmalloc(size, gfp | __GFP_ZERO);
}

/* No vmalloc in userspace: the same heap. */
static inline void *kvmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	return kmalloc_array(n, size, gfp);
}

static inline void kvfree(const void *ptr)
{
	kfree(ptr);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	return kmalloc_array(n, size, gfp | __GFP_ZERO);
}

#endif
