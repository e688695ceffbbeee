/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Userspace stand-in for <asm/page.h> (bench/peer). Page memory is ptcore's
 * built-in table arena, in which virtual minus physical is one constant:
 * peer_va_pa_offset, learnt from the arena's first block.
 */
#ifndef PEER_ASM_PAGE_H
#define PEER_ASM_PAGE_H

#include <linux/types.h>

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))

extern uintptr_t peer_va_pa_offset;

#define __pa(va)		((phys_addr_t)((uintptr_t)(va) - peer_va_pa_offset))
#define __va(pa)		((void *)((uintptr_t)(pa) + peer_va_pa_offset))
#define virt_to_phys(va)	__pa(va)
#define phys_to_virt(pa)	__va(pa)

/* Smallest order whose block of PAGE_SIZE << order holds @size bytes. */
static inline int get_order(unsigned long size)
{
	int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

#endif
