/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Userspace stand-in for <linux/gfp.h> (bench/peer). Pages come from
 * ptcore's built-in table allocator (bench/peer/peer_rt.c), so the peer and
 * ptcore draw table memory from the same place at the same cost. A
 * struct page * here is simply the block's virtual address.
 */
#ifndef PEER_LINUX_GFP_H
#define PEER_LINUX_GFP_H

#include <linux/types.h>
#include <asm/page.h>

#define __GFP_ZERO	0x100u
#define __GFP_HIGHMEM	0x2u
#define GFP_KERNEL	0x1u
#define GFP_ATOMIC	0x4u

#define NUMA_NO_NODE	(-1)

struct page;

/* Zeroed block of PAGE_SIZE << order bytes, or NULL. */
void *peer_page_alloc(unsigned int order, gfp_t gfp);
void peer_page_free(void *va, unsigned int order);

static inline struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	return (struct page *)peer_page_alloc(order, gfp);
}

static inline struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order)
{
	(void)nid;
	return alloc_pages(gfp, order);
}

static inline void *page_address(const struct page *p)
{
	return (void *)p;
}

static inline void __free_pages(struct page *p, unsigned int order)
{
	peer_page_free((void *)p, order);
}

static inline void free_pages(unsigned long addr, unsigned int order)
{
	if (addr)
		peer_page_free((void *)addr, order);
}

#endif
