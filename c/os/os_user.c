// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The userspace built-in table allocator.
 *
 * One arena of address space, reserved once and populated lazily by the
 * kernel, stands in for physical memory: phys = va - arena + ARENA_PHYS, so
 * va - phys is one constant and every physical address lies below 4 GiB,
 * which fits the oas of every format (DART1 has 36 bits).
 *
 * Blocks are powers of two from 64 bytes to 1 MiB, aligned to their size.
 * Each size has a free list; an empty list is refilled by splitting a block
 * of the next size, and 1 MiB blocks are carved from the arena in order.
 * Freed blocks are poisoned (0x6b, as the kernel's slab poison) so that a
 * walker or test reading freed table memory sees garbage, not zeros.
 *
 * Every 4 KiB of the arena has a struct pt_meta in a side array (reserved
 * with the arena, populated lazily too): the metadata of the table that
 * starts there, which is what the kernel keeps in struct page.
 */
#include <stdio.h>
#include <sys/mman.h>

#include "os.h"

#define ARENA_PHYS	0x40000000ULL		/* 1 GiB */
#define ARENA_SIZE	(2ULL << 30)		/* phys up to 3 GiB */
#define MIN_LG2		6
#define MAX_LG2		20
#define NR_CLASSES	(MAX_LG2 - MIN_LG2 + 1)
#define POISON		0x6b
#define META_SHIFT	12

struct free_block {
	struct free_block *next;
};

static struct {
	pthread_mutex_t lock;
	uint8_t *base;			/* aligned to 1 MiB */
	size_t used;			/* bytes carved from the arena */
	struct pt_meta *meta;		/* one per 4 KiB of the arena */
	struct free_block *free[NR_CLASSES];
	struct ptcore_mem_stats stats;
} arena = { .lock = PTHREAD_MUTEX_INITIALIZER };

void os_warn(const char *file, int line, const char *cond)
{
	fprintf(stderr, "ptcore: WARNING at %s:%d: %s\n", file, line, cond);
}

void os_refused(const char *what)
{
	fprintf(stderr, "ptcore: refused: %s\n", what);
}

static unsigned int size_class(size_t size)
{
	unsigned int lg2 = MIN_LG2;

	while (((size_t)1 << lg2) < size)
		lg2++;
	return lg2;
}

static bool arena_reserve(void)
{
	size_t align = (size_t)1 << MAX_LG2;
	size_t meta_bytes = (ARENA_SIZE >> META_SHIFT) * sizeof(struct pt_meta);
	uint8_t *p;
	void *meta;

	meta = mmap(NULL, meta_bytes, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (meta == MAP_FAILED)
		return false;
	p = mmap(NULL, ARENA_SIZE + align, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		munmap(meta, meta_bytes);
		return false;
	}
	arena.meta = meta;
	arena.base = (uint8_t *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	return true;
}

/* Called with the lock held. */
static void *take_block(unsigned int lg2)
{
	struct free_block *b = arena.free[lg2 - MIN_LG2];
	uint8_t *big;

	if (b) {
		arena.free[lg2 - MIN_LG2] = b->next;
		return b;
	}
	if (lg2 == MAX_LG2) {
		if (!arena.base && !arena_reserve())
			return NULL;
		if (arena.used + ((size_t)1 << MAX_LG2) > ARENA_SIZE)
			return NULL;
		big = arena.base + arena.used;
		arena.used += (size_t)1 << MAX_LG2;
		return big;
	}
	big = take_block(lg2 + 1);
	if (!big)
		return NULL;
	/* Keep the lower half, put the upper half on this size's list. */
	b = (struct free_block *)(big + ((size_t)1 << lg2));
	b->next = NULL;
	arena.free[lg2 - MIN_LG2] = b;
	return big;
}

void *os_table_alloc_nozero(size_t size, uint64_t *phys, uint32_t gfp)
{
	unsigned int lg2;
	void *va;

	(void)gfp;
	if (!size || size > ((size_t)1 << MAX_LG2) || (size & (size - 1)))
		return NULL;
	lg2 = size_class(size);
	pthread_mutex_lock(&arena.lock);
	va = take_block(lg2);
	if (va) {
		arena.stats.tables_live++;
		arena.stats.bytes_live += (size_t)1 << lg2;
		arena.stats.allocs++;
	}
	pthread_mutex_unlock(&arena.lock);
	if (!va)
		return NULL;
	*phys = (uint64_t)((uint8_t *)va - arena.base) + ARENA_PHYS;
	return va;
}

void *os_table_alloc(size_t size, uint64_t *phys, uint32_t gfp)
{
	void *va = os_table_alloc_nozero(size, phys, gfp);

	if (va)
		memset(va, 0, (size_t)1 << size_class(size));
	return va;
}

void os_table_free(void *va, uint64_t phys, size_t size)
{
	unsigned int lg2 = size_class(size);
	struct free_block *b = va;
	bool bad;

	if (!va)
		return;
	/* base and used change under the lock while other threads allocate. */
	pthread_mutex_lock(&arena.lock);
	bad = (uint8_t *)va < arena.base || (uint8_t *)va >= arena.base + arena.used ||
	      phys != (uint64_t)((uint8_t *)va - arena.base) + ARENA_PHYS;
	pthread_mutex_unlock(&arena.lock);
	if (OS_WARN_ON(bad))
		return;
	memset(va, POISON, (size_t)1 << lg2);
	pthread_mutex_lock(&arena.lock);
	b->next = arena.free[lg2 - MIN_LG2];
	arena.free[lg2 - MIN_LG2] = b;
	arena.stats.tables_live--;
	arena.stats.bytes_live -= (size_t)1 << lg2;
	arena.stats.frees++;
	pthread_mutex_unlock(&arena.lock);
}

/*
 * The metadata of a built-in table of 4 KiB or more; NULL outside the
 * arena. The caller owns the table, so the allocation that set arena.base
 * happened before this, and arena.used only grows.
 */
struct pt_meta *os_table_meta(void *va)
{
	uintptr_t off = (uintptr_t)va - (uintptr_t)arena.base;

	if ((uintptr_t)va < (uintptr_t)arena.base || off >= ARENA_SIZE)
		return NULL;
	return &arena.meta[off >> META_SHIFT];
}

void os_mem_stats(struct ptcore_mem_stats *stats)
{
	pthread_mutex_lock(&arena.lock);
	*stats = arena.stats;
	pthread_mutex_unlock(&arena.lock);
}
