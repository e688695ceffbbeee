/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Userspace stand-in for <linux/slab.h> (bench/peer): the C heap. */
#ifndef PEER_LINUX_SLAB_H
#define PEER_LINUX_SLAB_H

#include <stdlib.h>
#include <linux/types.h>
#include <linux/gfp.h>

static inline void *kmalloc(size_t size, gfp_t gfp)
{
	return (gfp & __GFP_ZERO) ? calloc(1, size) : malloc(size);
}

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	return calloc(1, size);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

#endif
