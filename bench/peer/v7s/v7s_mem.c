// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The table arena of the ARMv7s differential test (see v7s_mem.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "v7s_mem.h"

#define UNIT		(1UL << V7S_MEM_MIN_LG2)
#define POISON		0xa5

void v7s_mem_init(struct v7s_mem *m, uint64_t phys_base, uint64_t size)
{
	memset(m, 0, sizeof(*m));
	m->size = size;
	m->phys_base = phys_base;
	/* one extra megabyte, to align the base to the largest block */
	m->base = mmap(NULL, size + (1UL << V7S_MEM_MAX_LG2), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	m->shadow = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	m->start = calloc(size / UNIT, sizeof(*m->start));
	m->l1 = calloc(size / UNIT, 1);
	if (m->base == MAP_FAILED || m->shadow == MAP_FAILED || !m->start || !m->l1) {
		fprintf(stderr, "v7s_mem: cannot reserve %llu bytes\n", (unsigned long long)size);
		abort();
	}
	m->base = (uint8_t *)(((uintptr_t)m->base + (1UL << V7S_MEM_MAX_LG2) - 1) &
			      ~(uintptr_t)((1UL << V7S_MEM_MAX_LG2) - 1));
}

void v7s_mem_fini(struct v7s_mem *m)
{
	/* the mappings stay: a later init reserves new ones */
	free(m->start);
	free(m->l1);
	m->start = NULL;
	m->l1 = NULL;
}

static unsigned int size_lg2(size_t size)
{
	unsigned int lg2 = V7S_MEM_MIN_LG2;

	while (lg2 < V7S_MEM_MAX_LG2 && (1UL << lg2) < size)
		lg2++;
	return lg2;
}

void *v7s_mem_alloc(struct v7s_mem *m, size_t size)
{
	unsigned int lg2 = size_lg2(size);
	uint64_t bytes = 1ULL << lg2, off, u;
	uint8_t *va;

	if (size > bytes || size & (size - 1))
		return NULL;
	if (m->free[lg2]) {
		va = m->free[lg2];
		m->free[lg2] = *(void **)va;
		off = (uint64_t)(va - m->base);
	} else {
		off = (m->next + bytes - 1) & ~(bytes - 1);
		if (off + bytes > m->size)
			return NULL;
		m->next = off + bytes;
		va = m->base + off;
	}
	for (u = 0; u < bytes / UNIT; u++)
		m->start[off / UNIT + u] = (uint32_t)(off / UNIT) + 1;
	memset(va, 0, bytes);
	memset(m->shadow + off, POISON, bytes);
	m->live++;
	m->allocs++;
	return va;
}

/* The unit index + 1 of the live block covering @va, 0 when there is none. */
static uint32_t block_of(const struct v7s_mem *m, const void *va)
{
	const uint8_t *p = va;

	if (!m->start || p < m->base || p >= m->base + m->next)
		return 0;
	return m->start[(uint64_t)(p - m->base) / UNIT];
}

static uint64_t block_bytes(const struct v7s_mem *m, uint32_t b)
{
	uint64_t u = b - 1, n = 1;

	while (u + n < m->next / UNIT && m->start[u + n] == b)
		n++;
	return n * UNIT;
}

void v7s_mem_free(struct v7s_mem *m, void *va, size_t size)
{
	uint32_t b = block_of(m, va);
	uint64_t bytes = 1ULL << size_lg2(size), u;

	if (!b || m->base + (uint64_t)(b - 1) * UNIT != va || block_bytes(m, b) != bytes) {
		m->bad_free++;
		return;
	}
	for (u = 0; u < bytes / UNIT; u++) {
		m->start[b - 1 + u] = 0;
		m->l1[b - 1 + u] = 0;
	}
	*(void **)va = m->free[size_lg2(size)];
	m->free[size_lg2(size)] = va;
	m->live--;
}

void v7s_mem_set_l1(struct v7s_mem *m, const void *va)
{
	uint32_t b = block_of(m, va);
	uint64_t u;

	if (!b || m->base + (uint64_t)(b - 1) * UNIT != va)
		return;
	for (u = 0; u < block_bytes(m, b) / UNIT; u++)
		m->l1[b - 1 + u] = 1;
}

size_t v7s_mem_block(const struct v7s_mem *m, const void *va)
{
	uint32_t b = block_of(m, va);

	if (!b || m->base + (uint64_t)(b - 1) * UNIT != va)
		return 0;
	return block_bytes(m, b);
}

uint64_t v7s_mem_v2p(const struct v7s_mem *m, const void *va)
{
	return m->phys_base + (uint64_t)((const uint8_t *)va - m->base);
}

void *v7s_mem_p2v(const struct v7s_mem *m, uint64_t pa)
{
	uint8_t *va;

	if (pa < m->phys_base || pa - m->phys_base >= m->next)
		return NULL;
	va = m->base + (pa - m->phys_base);
	return block_of(m, va) ? va : NULL;
}

void v7s_mem_sync(struct v7s_mem *m, const void *va, size_t len)
{
	uint32_t b = block_of(m, va), e;
	uint64_t off = (uint64_t)((const uint8_t *)va - m->base);
	size_t i;

	m->syncs++;
	m->sync_bytes += len;
	if (!b || !len || block_of(m, (const uint8_t *)va + len - 1) != b) {
		m->bad_sync++;
		return;
	}
	/* a level-1 table: each table entry's level 2 must already be on the device */
	for (i = m->l1[b - 1] ? (off & ~3ULL) : off + len; i < off + len; i += 4) {
		const uint8_t *child;

		memcpy(&e, m->base + i, sizeof(e));
		if ((e & 3) != 1)
			continue;
		child = v7s_mem_p2v(m, e & ~0x3ffU);
		if (!child || v7s_mem_stale(m, child, UNIT))
			m->early++;
	}
	memcpy(m->shadow + off, va, len);
}

size_t v7s_mem_stale(const struct v7s_mem *m, const void *va, size_t len)
{
	const uint8_t *p = va;
	uint64_t off = (uint64_t)(p - m->base);
	size_t i, n = 0;

	if (!memcmp(p, m->shadow + off, len))
		return 0;
	for (i = 0; i < len; i++)
		n += p[i] != m->shadow[off + i];
	return n;
}
