// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Translation unit for Linux 6.12's io-pgtable.c and io-pgtable-arm-v7s.c
 * (see peer_v7s.h): both files are included below, their external symbols
 * renamed so that nothing here can clash with another peer; after them the
 * memory the stand-in kernel.h promises (the arena of v7s_mem.h), the flush
 * ops, and the API. <linux/io-pgtable.h> and <linux/iommu.h> are the ARM
 * and DART peers' (bench/peer/include, after bench/peer/v7s/include).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define alloc_io_pgtable_ops		peer_v7s_alloc_io_pgtable_ops
#define free_io_pgtable_ops		peer_v7s_free_io_pgtable_ops
#define io_pgtable_arm_v7s_init_fns	peer_v7s_init_fns

#include <linux/io-pgtable.h>

/* the registry's table names it before the v7s file defines it */
extern struct io_pgtable_init_fns io_pgtable_arm_v7s_init_fns;

#include "io-pgtable.c"
#include "io-pgtable-arm-v7s.c"

#include "peer_v7s.h"

/* 128M of table memory at "physical" 1G: every table below 4G, as v7s requires */
#define PEER_V7S_PHYS	0x40000000ULL
#define PEER_V7S_ARENA	(128ULL << 20)

static struct v7s_mem mem;
static bool mem_ready;
static uint64_t warnings, kmalloc_live, caches_live;
static bool quiet;

void peer_v7s_warn(const char *file, int line, const char *what)
{
	warnings++;
	if (!quiet)
		fprintf(stderr, "peer_v7s: %s:%d: %s\n", file, line, what);
}

void peer_v7s_expect_warnings(bool expect)
{
	quiet = expect;
}

struct v7s_mem *peer_v7s_mem(void)
{
	if (!mem_ready) {
		v7s_mem_init(&mem, PEER_V7S_PHYS, PEER_V7S_ARENA);
		mem_ready = true;
	}
	return &mem;
}

void *peer_v7s_kmalloc(size_t size)
{
	void *p = malloc(size);

	if (p)
		kmalloc_live++;
	return p;
}

void peer_v7s_kfree(const void *p)
{
	if (p)
		kmalloc_live--;
	free((void *)p);
}

void *peer_v7s_pages(unsigned int order, gfp_t gfp)
{
	/* the level 1 must come from low memory, and zeroed */
	if (!(gfp & GFP_DMA) || !(gfp & __GFP_ZERO))
		peer_v7s_warn(__FILE__, __LINE__, "level-1 pages without GFP_DMA | __GFP_ZERO");
	return v7s_mem_alloc(peer_v7s_mem(), PAGE_SIZE << order);
}

void peer_v7s_free_pages(void *va, unsigned int order)
{
	v7s_mem_free(peer_v7s_mem(), va, PAGE_SIZE << order);
}

struct kmem_cache {
	size_t size;
	uint64_t live;
};

struct kmem_cache *peer_v7s_cache_create(size_t size, size_t align, slab_flags_t flags)
{
	struct kmem_cache *c;

	/* the arena aligns every object to its size, which covers @align */
	if (align > size || size & (size - 1) || !(flags & SLAB_CACHE_DMA))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c) {
		c->size = size;
		caches_live++;
	}
	return c;
}

void *peer_v7s_cache_zalloc(struct kmem_cache *c, gfp_t gfp)
{
	void *va = v7s_mem_alloc(peer_v7s_mem(), c->size);

	if (va)
		c->live++;
	return va;
}

void peer_v7s_cache_free(struct kmem_cache *c, void *va)
{
	c->live--;
	v7s_mem_free(peer_v7s_mem(), va, c->size);
}

void peer_v7s_cache_destroy(struct kmem_cache *c)
{
	if (!c)
		return;
	/* the kernel complains about objects left in a cache it destroys */
	if (c->live)
		peer_v7s_warn(__FILE__, __LINE__, "kmem_cache_destroy with live objects");
	caches_live--;
	free(c);
}

u64 peer_v7s_virt_to_phys(const void *va)
{
	return v7s_mem_v2p(peer_v7s_mem(), va);
}

/* The linear map: arithmetic only (iova_to_phys converts leaf addresses too, unused). */
void *peer_v7s_phys_to_virt(u64 pa)
{
	struct v7s_mem *m = peer_v7s_mem();

	return m->base + (pa - m->phys_base);
}

void peer_v7s_dma_sync(const void *va, size_t size)
{
	v7s_mem_sync(peer_v7s_mem(), va, size);
}

uint64_t peer_v7s_warnings(void)
{
	return warnings;
}

uint64_t peer_v7s_kmalloc_live(void)
{
	return kmalloc_live;
}

uint64_t peer_v7s_caches_live(void)
{
	return caches_live;
}

/* ---- the flush ops: counted per instance ---- */

struct peer_v7s {
	struct io_pgtable_cfg cfg;
	struct io_pgtable_ops *ops;
	struct peer_v7s_stats st;
};

static void flush_all(void *cookie)
{
	((struct peer_v7s *)cookie)->st.tlb_flush_all++;
}

static void flush_walk(unsigned long iova, size_t size, size_t granule, void *cookie)
{
	((struct peer_v7s *)cookie)->st.tlb_flush_walk++;
}

static void add_page(struct iommu_iotlb_gather *gather, unsigned long iova, size_t granule,
		     void *cookie)
{
	((struct peer_v7s *)cookie)->st.tlb_add_page++;
	if (!gather)
		return;
	if (iova < gather->start)
		gather->start = iova;
	if (iova + granule - 1 > gather->end)
		gather->end = iova + granule - 1;
	gather->pgsize = granule;
}

static const struct iommu_flush_ops flush_ops = {
	.tlb_flush_all = flush_all,
	.tlb_flush_walk = flush_walk,
	.tlb_add_page = add_page,
};

/* ---- the API ---- */

struct peer_v7s *peer_v7s_create(uint64_t pgsize_bitmap, unsigned int ias, unsigned int oas,
				 unsigned int flags)
{
	struct peer_v7s *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->cfg.quirks = flags & PEER_V7S_NS ? IO_PGTABLE_QUIRK_ARM_NS : 0;
	p->cfg.pgsize_bitmap = pgsize_bitmap;
	p->cfg.ias = ias;
	p->cfg.oas = oas;
	p->cfg.coherent_walk = !(flags & PEER_V7S_INCOHERENT);
	p->cfg.tlb = &flush_ops;
	p->ops = alloc_io_pgtable_ops(ARM_V7S, &p->cfg, p);
	if (!p->ops) {
		free(p);
		return NULL;
	}
	/* the TTBR's table is the level 1 whose entries v7s_mem_sync() checks */
	v7s_mem_set_l1(peer_v7s_mem(), peer_v7s_phys_to_virt(p->cfg.arm_v7s_cfg.ttbr & ~0x7fU));
	return p;
}

void peer_v7s_destroy(struct peer_v7s *p)
{
	if (!p)
		return;
	free_io_pgtable_ops(p->ops);
	free(p);
}

int peer_v7s_map(struct peer_v7s *p, uint64_t iova, uint64_t pa, uint64_t pgsize,
		 uint64_t pgcount, uint32_t prot, uint64_t *mapped)
{
	size_t done = 0;
	int ret;

	ret = p->ops->map_pages(p->ops, iova, pa, pgsize, pgcount, (int)prot, GFP_KERNEL, &done);
	if (mapped)
		*mapped = done;
	return ret;
}

uint64_t peer_v7s_unmap_pages(struct peer_v7s *p, uint64_t iova, uint64_t pgsize,
			      uint64_t pgcount)
{
	struct iommu_iotlb_gather g = { .start = ~0UL };

	return p->ops->unmap_pages(p->ops, iova, pgsize, pgcount, &g);
}

uint64_t peer_v7s_unmap(struct peer_v7s *p, uint64_t iova, uint64_t len,
			uint64_t *walk_flushes)
{
	uint64_t bitmap = p->cfg.pgsize_bitmap, done = 0, walks = p->st.tlb_flush_walk;

	while (done < len) {
		uint64_t left = len - done, fit, pgsize, bigger, count;
		uint64_t got;

		/* the sizes no longer than what is left and no more aligned than the IOVA */
		fit = left >> 63 ? ~0ULL : (2ULL << (63 - __builtin_clzll(left))) - 1;
		fit &= bitmap;
		if (iova)
			fit &= (2ULL << __builtin_ctzll(iova)) - 1;
		if (!fit)
			break;
		pgsize = 1ULL << (63 - __builtin_clzll(fit));
		count = left / pgsize;
		/* stop where the next larger size could take over */
		bigger = bitmap & ~((pgsize << 1) - 1);
		if (bigger) {
			uint64_t next = bigger & -bigger, to = next - (iova & (next - 1));

			if (to + next <= left)
				count = to / pgsize;
		}
		got = peer_v7s_unmap_pages(p, iova, pgsize, count);
		if (!got)
			break;
		iova += got;
		done += got;
	}
	if (walk_flushes)
		*walk_flushes = p->st.tlb_flush_walk - walks;
	return done;
}

uint64_t peer_v7s_iova_to_phys(struct peer_v7s *p, uint64_t iova)
{
	return p->ops->iova_to_phys(p->ops, iova);
}

void peer_v7s_info(const struct peer_v7s *p, struct peer_v7s_info *info)
{
	const struct io_pgtable *iop = io_pgtable_ops_to_pgtable(p->ops);

	/* what alloc_io_pgtable_ops() wrote back into the caller's cfg */
	info->pgsize_bitmap = p->cfg.pgsize_bitmap;
	info->ias = p->cfg.ias;
	info->oas = p->cfg.oas;
	info->ttbr = p->cfg.arm_v7s_cfg.ttbr;
	info->tcr = p->cfg.arm_v7s_cfg.tcr;
	info->nmrr = p->cfg.arm_v7s_cfg.nmrr;
	info->prrr = p->cfg.arm_v7s_cfg.prrr;
	/* the copy the table code works with must agree */
	if (memcmp(&iop->cfg.arm_v7s_cfg, &p->cfg.arm_v7s_cfg, sizeof(p->cfg.arm_v7s_cfg)))
		peer_v7s_warn(__FILE__, __LINE__, "cfg copies disagree");
}

void peer_v7s_stats(const struct peer_v7s *p, struct peer_v7s_stats *s)
{
	*s = p->st;
}
