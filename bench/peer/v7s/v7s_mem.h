/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Table memory for the ARMv7s differential test (bench/peer/v7s): an arena
 * of power-of-two blocks, each aligned to its size, with "physical"
 * addresses in a window below 4 GiB (va - phys constant) and a second copy
 * of every byte, the device's view, which only a sync updates. Both sides
 * of the test get one arena each: Linux's io-pgtable-arm-v7s.c through the
 * stand-ins of its page, slab and DMA calls, ptcore through its ptcore_ops.
 *
 * A walker that does not snoop CPU caches reads the device view. So for a
 * DMA-incoherent table, every byte of table memory must equal its device
 * view whenever the walker may look (v7s_mem_stale() finds those that do
 * not), and a level-1 table entry must never reach the device before the
 * level-2 table it points to (v7s_mem_sync() checks that as it copies).
 * A block of 1K is a level-2 table; every larger block is a level 1.
 */
#ifndef PEER_V7S_MEM_H
#define PEER_V7S_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define V7S_MEM_MIN_LG2		10
#define V7S_MEM_MAX_LG2		20

/**
 * struct v7s_mem - one arena
 * @base: CPU view of the arena
 * @shadow: device view, byte for byte
 * @start: per 1K unit, 1 + the unit index of the live block covering it (0: free)
 * @l1: per 1K unit, whether its block is a level-1 table
 * @free: free blocks of each size, linked through their first word
 * @phys_base: "physical" address of @base
 * @size: bytes reserved
 * @next: first byte never handed out
 * @live: blocks handed out and not freed
 * @allocs: blocks handed out since init
 * @syncs: v7s_mem_sync() calls
 * @sync_bytes: bytes they copied
 * @early: level-1 table entries synced while their level-2 table's device
 *	view still differed from its memory
 * @bad_free: frees of something that is not a live block of that size
 * @bad_sync: syncs of memory outside any live block
 */
struct v7s_mem {
	uint8_t *base, *shadow;
	uint32_t *start;
	uint8_t *l1;
	void *free[V7S_MEM_MAX_LG2 + 1];
	uint64_t phys_base, size, next;
	uint64_t live, allocs, syncs, sync_bytes, early, bad_free, bad_sync;
};

/* Reserve @size bytes (lazily) whose physical addresses start at @phys_base. */
void v7s_mem_init(struct v7s_mem *m, uint64_t phys_base, uint64_t size);
void v7s_mem_fini(struct v7s_mem *m);
/* @size bytes (a power of two, 1K..1M) aligned to @size, zeroed; device view poisoned */
void *v7s_mem_alloc(struct v7s_mem *m, size_t size);
void v7s_mem_free(struct v7s_mem *m, void *va, size_t size);
/* Mark the live block at @va as a level-1 table (until it is freed). */
void v7s_mem_set_l1(struct v7s_mem *m, const void *va);
/* Its size, 0 when @va does not start a live block. */
size_t v7s_mem_block(const struct v7s_mem *m, const void *va);
uint64_t v7s_mem_v2p(const struct v7s_mem *m, const void *va);
/* NULL when @pa is not in a live block */
void *v7s_mem_p2v(const struct v7s_mem *m, uint64_t pa);
/* Copy [va, va + len) to the device view (the checks above run first). */
void v7s_mem_sync(struct v7s_mem *m, const void *va, size_t len);
/* Bytes of [va, va + len) whose device view differs from memory. */
size_t v7s_mem_stale(const struct v7s_mem *m, const void *va, size_t len);

#endif
