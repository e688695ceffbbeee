// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Translation unit for Linux 6.12's drivers/iommu/amd/io_pgtable.c (see
 * peer_amdv1.h): the file is included below, after it what the AMD driver
 * would supply (the page-size bitmap, the C-bit mask, the two flush calls),
 * the table pages with a struct page per frame (the file frees its tables
 * through page->lru), and the API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "io_pgtable.c"

#include "peer_amdv1.h"

/* The driver's defaults: every size from 4K but 512G, no memory encryption. */
unsigned long amd_iommu_pgsize_bitmap = AMD_IOMMU_PGSIZES;
unsigned long sme_me_mask;

static struct peer_amdv1_stats stats;

void amd_iommu_domain_flush_pages(struct protection_domain *domain, u64 address, size_t size)
{
	stats.flush_pages++;
}

void amd_iommu_update_and_flush_device_table(struct protection_domain *domain)
{
	stats.update_dte++;
}

void peer_amd_warn(const char *file, int line, const char *what)
{
	stats.warnings++;
	fprintf(stderr, "peer_amdv1: %s:%d: %s\n", file, line, what);
}

/* ---- table pages: an arena of 4K frames, a struct page for each ---- */

#define ARENA_PAGES	(1UL << 16)	/* 256M of address space, reserved lazily */

static char *arena;
static struct page *frames;
static void *free_frames;		/* freed frames, linked through their first word */
static unsigned long next_frame, live_frames;

void *peer_amd_page_alloc(void)
{
	void *va;

	if (!arena) {
		arena = mmap(NULL, ARENA_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		frames = calloc(ARENA_PAGES, sizeof(*frames));
		if (arena == MAP_FAILED || !frames)
			abort();
	}
	if (free_frames) {
		va = free_frames;
		free_frames = *(void **)va;
	} else if (next_frame < ARENA_PAGES) {
		va = arena + next_frame++ * PAGE_SIZE;
	} else {
		return NULL;
	}
	memset(va, 0, PAGE_SIZE);
	live_frames++;
	return va;
}

void peer_amd_page_free(void *va)
{
	*(void **)va = free_frames;
	free_frames = va;
	live_frames--;
}

struct page *peer_amd_virt_to_page(const void *va)
{
	return &frames[((const char *)va - arena) / PAGE_SIZE];
}

void iommu_put_pages_list(struct list_head *list)
{
	struct list_head *n = list->next, *next;

	for (; n != list; n = next) {
		struct page *pg = container_of(n, struct page, lru);

		next = n->next;
		peer_amd_page_free(arena + (pg - frames) * PAGE_SIZE);
	}
	list->next = list->prev = list;
}

/* ---- the API ---- */

struct peer_amdv1 {
	struct protection_domain dom;	/* the cfg the file sees is the one in dom.iop */
	struct io_pgtable_ops *ops;
};

struct peer_amdv1 *peer_amdv1_create(unsigned int mode)
{
	struct peer_amdv1 *p = calloc(1, sizeof(*p));
	struct io_pgtable *iop;

	if (!p || mode < PAGE_MODE_3_LEVEL || mode > PAGE_MODE_6_LEVEL)
		goto fail;
	p->dom.pd_mode = PD_MODE_V1;
	p->dom.iop.pgtbl.cfg.amd.nid = NUMA_NO_NODE;
	/* what alloc_io_pgtable_ops() does, with the domain's own cfg */
	iop = io_pgtable_amd_iommu_v1_init_fns.alloc(&p->dom.iop.pgtbl.cfg, p);
	if (!iop)
		goto fail;
	iop->fmt = AMD_IOMMU_V1;
	iop->cookie = p;
	p->ops = &iop->ops;
	while ((unsigned int)p->dom.iop.mode < mode)
		if (!increase_address_space(&p->dom.iop, PM_LEVEL_SIZE(p->dom.iop.mode) + 1, 0,
					    GFP_KERNEL))
			goto fail_free;
	return p;
fail_free:
	io_pgtable_amd_iommu_v1_init_fns.free(&p->dom.iop.pgtbl);
fail:
	free(p);
	return NULL;
}

void peer_amdv1_destroy(struct peer_amdv1 *p)
{
	if (!p)
		return;
	io_pgtable_amd_iommu_v1_init_fns.free(&p->dom.iop.pgtbl);
	free(p);
}

int peer_amdv1_map(struct peer_amdv1 *p, uint64_t iova, uint64_t pa, uint64_t pgsize,
		   uint64_t pgcount, uint32_t prot, uint64_t *mapped)
{
	size_t done = 0;
	int ret = 0;

	while (pgcount && !ret) {
		size_t now = 0;

		ret = p->ops->map_pages(p->ops, iova, pa, pgsize, pgcount, (int)prot, GFP_KERNEL,
					&now);
		if (!now && !ret)
			ret = -EINVAL;
		done += now;
		iova += now;
		pa += now;
		pgcount -= now / pgsize;
	}
	if (mapped)
		*mapped = done;
	return ret;
}

uint64_t peer_amdv1_unmap(struct peer_amdv1 *p, uint64_t iova, uint64_t pgsize,
			  uint64_t pgcount)
{
	struct iommu_iotlb_gather g = { .start = ~0UL };

	return p->ops->unmap_pages(p->ops, iova, pgsize, pgcount, &g);
}

uint64_t peer_amdv1_iova_to_phys(struct peer_amdv1 *p, uint64_t iova)
{
	return p->ops->iova_to_phys(p->ops, iova);
}

struct dirty_fwd {
	void (*record)(void *, uint64_t, uint64_t);
	void *arg;
};

static void dirty_fwd(void *arg, unsigned long iova, unsigned long length)
{
	struct dirty_fwd *f = arg;

	if (f->record)
		f->record(f->arg, iova, length);
}

int peer_amdv1_read_and_clear_dirty(struct peer_amdv1 *p, uint64_t iova, uint64_t size,
				    int no_clear, void (*record)(void *, uint64_t, uint64_t),
				    void *arg)
{
	struct dirty_fwd f = { record, arg };
	struct iommu_dirty_bitmap d = { .record = dirty_fwd, .arg = &f };

	return p->ops->read_and_clear_dirty(p->ops, iova, size,
					    no_clear ? IOMMU_DIRTY_NO_CLEAR : 0, &d);
}

uint64_t *peer_amdv1_root(const struct peer_amdv1 *p, unsigned int *mode)
{
	*mode = (unsigned int)p->dom.iop.mode;
	return p->dom.iop.root;
}

void peer_amdv1_cfg(const struct peer_amdv1 *p, uint64_t *pgsize_bitmap, unsigned int *ias,
		    unsigned int *oas)
{
	*pgsize_bitmap = p->dom.iop.pgtbl.cfg.pgsize_bitmap;
	*ias = p->dom.iop.pgtbl.cfg.ias;
	*oas = p->dom.iop.pgtbl.cfg.oas;
}

void peer_amdv1_stats(struct peer_amdv1_stats *s)
{
	*s = stats;
}

uint64_t peer_amdv1_pages(void)
{
	return live_frames;
}
