// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptcore's ABI entry points: argument checks, dispatch to the format's
 * instantiated algorithms (the only indirect call), gathers and sync.
 *
 * An unmap unlinks a wholly covered subtree by zeroing one entry and queues
 * only the subtree's top on the caller's gather, linked through metadata
 * outside table memory (pt_mem.c), so it never allocates, never writes into
 * unlinked memory and shares nothing with other unmaps; after the flush,
 * ptcore_iotlb_sync() walks and frees those subtrees.
 */
#include "pt_fmt.h"

#define PT_KNOWN_FEATURES (PTCORE_FEAT_DMA_INCOHERENT | PTCORE_FEAT_FREE_EMPTY_TABLES | \
			   PTCORE_FEAT_DIRTY_TRACKING | PTCORE_FEAT_ARM_NS | \
			   PTCORE_FEAT_ARM_S2FWB | PTCORE_FEAT_ARM_BBML2 | PTCORE_FEAT_ARM_LPA2)

static_assert(sizeof(struct ptcore_gather) == 40, "ptcore_gather layout");
static_assert(sizeof(uintptr_t) == sizeof(uint64_t), "pt_meta.aux holds an IOVA");
static_assert(sizeof(struct ptcore_cfg) == 40, "ptcore_cfg layout");
static_assert(sizeof(struct ptcore_hw_info) == 80, "ptcore_hw_info layout");
static_assert(sizeof(struct ptcore_ops) == 4 * sizeof(void *), "ptcore_ops layout");
static_assert(sizeof(struct ptcore_mem_stats) == 32, "ptcore_mem_stats layout");
static_assert(offsetof(struct ptcore_gather, flags) == 24 &&
	      offsetof(struct ptcore_gather, freelist) == 32, "ptcore_gather layout");
static_assert(offsetof(struct ptcore_cfg, ias) == 16 &&
	      offsetof(struct ptcore_cfg, reserved) == 19 &&
	      offsetof(struct ptcore_cfg, ops) == 24 &&
	      offsetof(struct ptcore_cfg, cookie) == 32, "ptcore_cfg layout");
static_assert(offsetof(struct ptcore_hw_info, n_roots) == 20 &&
	      offsetof(struct ptcore_hw_info, root) == 24 &&
	      offsetof(struct ptcore_hw_info, arm_tsz) == 56 &&
	      offsetof(struct ptcore_hw_info, arm_mair) == 64 &&
	      offsetof(struct ptcore_hw_info, mode) == 72, "ptcore_hw_info layout");

/* ---- create / destroy ---- */

/* The level each accepted page size is mapped at. */
static void pt_leaf_levels(struct ptcore_table *t)
{
	const struct pt_geom *g = &t->geom;
	unsigned int level, lg2;

	for (lg2 = 0; lg2 < 64; lg2++) {
		if (!(t->pgsize_bitmap & PT_BIT(lg2)))
			continue;
		level = 0;
		while (level < g->top_level && g->shift[level + 1] <= lg2)
			level++;
		t->leaf_level[lg2] = level;
	}
}

static int pt_alloc_roots(struct ptcore_table *t)
{
	size_t bytes = table_bytes(t, t->geom.top_level);
	unsigned int i;

	for (i = 0; i < (1u << t->geom.root_bits); i++) {
		t->roots[i] = pt_alloc_table(t, bytes, &t->root_pa[i], 0);
		if (!t->roots[i])
			return -ENOMEM;
		/* pt_alloc_table() hands out untagged addresses: one constant for all. */
		t->va_minus_pa = (uintptr_t)t->roots[i] - (uintptr_t)t->root_pa[i];
		pt_sync(t, t->roots[i], bytes);
	}
	return 0;
}

OS_API int ptcore_table_create(const struct ptcore_cfg *cfg, struct ptcore_table **out)
{
	struct ptcore_table *t;
	unsigned int i;
	int ret;

	if (!cfg || !out)
		return -EINVAL;
	for (i = 0; i < sizeof(cfg->reserved); i++)
		if (cfg->reserved[i])
			return -EINVAL;
	if (cfg->features & ~PT_KNOWN_FEATURES)
		return -EINVAL;
	if (cfg->ops && !cfg->ops->alloc_table != !cfg->ops->free_table)
		return -EINVAL;

	t = os_zalloc(sizeof(*t), 0);
	if (!t)
		return -ENOMEM;
	t->format = cfg->format;
	t->features = cfg->features;
	t->ias = cfg->ias;
	t->oas = cfg->oas;
	t->ops = cfg->ops;
	t->cookie = cfg->cookie;

	switch (cfg->format) {
	case PTCORE_FMT_ARM64_LPAE_S1:
	case PTCORE_FMT_ARM64_LPAE_S2:
		t->fops = &pt_arm_lpae_ops;
		ret = pt_arm_lpae_init(t, cfg);
		break;
	case PTCORE_FMT_APPLE_DART:
	case PTCORE_FMT_APPLE_DART2:
		t->fops = &pt_dart_ops;
		ret = pt_dart_init(t, cfg);
		break;
	case PTCORE_FMT_RISCV64:
		t->fops = &pt_riscv_ops;
		ret = pt_riscv_init(t, cfg);
		break;
	case PTCORE_FMT_VTDSS:
		t->fops = &pt_vtdss_ops;
		ret = pt_vtdss_init(t, cfg);
		break;
	case PTCORE_FMT_X86_64:
		t->fops = &pt_x86_64_ops;
		ret = pt_x86_64_init(t, cfg);
		break;
	case PTCORE_FMT_AMDV1:
		t->fops = &pt_amdv1_ops;
		ret = pt_amdv1_init(t, cfg);
		break;
	case PTCORE_FMT_ARM_V7S:
		t->fops = &pt_arm_v7s_ops;
		ret = pt_arm_v7s_init(t, cfg);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	/* An incoherent walker would read stale memory without sync_table. */
	if (!ret && (cfg->features & PTCORE_FEAT_DMA_INCOHERENT) &&
	    (!cfg->ops || !cfg->ops->sync_table))
		ret = -EINVAL;
	if (!ret)
		pt_leaf_levels(t);
	/* The dirty state is written by the walker: a stale copy would lose it. */
	if (!ret && (cfg->features & PTCORE_FEAT_DIRTY_TRACKING) &&
	    (cfg->features & PTCORE_FEAT_DMA_INCOHERENT))
		ret = -EOPNOTSUPP;
	if (ret) {
		os_free(t);
		return ret;
	}

	ret = pt_mem_init(t);
	if (!ret)
		ret = pt_alloc_roots(t);
	if (ret) {
		t->fops->free_all(t);
		pt_mem_destroy(t);
		os_free(t);
		return ret;
	}
	*out = t;
	return 0;
}
OS_EXPORT(ptcore_table_create);

OS_API void ptcore_table_destroy(struct ptcore_table *t)
{
	if (!t)
		return;
	t->destroying = true;
	t->fops->free_all(t);
	pt_mem_destroy(t);
	os_free(t);
}
OS_EXPORT(ptcore_table_destroy);

OS_API int ptcore_hw_info(const struct ptcore_table *t, struct ptcore_hw_info *info)
{
	unsigned int i;

	memset(info, 0, sizeof(*info));
	info->format = t->format;
	info->pgsize_bitmap = t->pgsize_bitmap;
	info->ias = t->ias;
	info->oas = t->oas;
	info->granule_lg2 = t->geom.granule_lg2;
	info->levels = t->geom.top_level + 1;
	info->n_roots = 1u << t->geom.root_bits;
	for (i = 0; i < info->n_roots; i++)
		info->root[i] = t->root_pa[i];
	/* DART has no translation-control fields: levels and roots say it all. */
	if (t->format == PTCORE_FMT_ARM64_LPAE_S1 || t->format == PTCORE_FMT_ARM64_LPAE_S2)
		pt_arm_lpae_hw_info(t, info);
	if (t->format == PTCORE_FMT_RISCV64)
		pt_riscv_hw_info(t, info);
	if (t->format == PTCORE_FMT_VTDSS)
		pt_vtdss_hw_info(t, info);
	if (t->format == PTCORE_FMT_X86_64)
		pt_x86_64_hw_info(t, info);
	if (t->format == PTCORE_FMT_AMDV1)
		pt_amdv1_hw_info(t, info);
	if (t->format == PTCORE_FMT_ARM_V7S)
		pt_arm_v7s_hw_info(t, info);
	return 0;
}
OS_EXPORT(ptcore_hw_info);

/* ---- map / unmap / translate ---- */

/* [addr, addr + len) fits in @bits of address; len > 0 and the range does not wrap. */
static bool pt_fits(uint64_t addr, uint64_t len, unsigned int bits)
{
	return !((addr + len - 1) >> bits);
}

OS_API int ptcore_map_pages(struct ptcore_table *t, uint64_t iova, uint64_t paddr,
			    uint64_t pgsize, uint64_t pgcount, uint32_t prot, uint32_t gfp,
			    uint64_t *mapped)
{
	uint64_t len;
	unsigned int lg2;

	if (mapped)
		*mapped = 0;
	/* pgsize not in the bitmap, pgcount 0, misaligned, or neither READ nor WRITE */
	if (unlikely(!(pgsize & t->pgsize_bitmap) || (pgsize & (pgsize - 1)) || !pgcount ||
		     ((iova | paddr) & (pgsize - 1)) ||
		     !(prot & (PTCORE_PROT_READ | PTCORE_PROT_WRITE))))
		return -EINVAL;
	lg2 = pt_ffs64(pgsize);
	if (likely(pgcount == 1)) {
		/* Aligned to pgsize, a power of two: one page cannot wrap. */
		if (unlikely((iova >> t->ias) | (paddr >> t->pa_bits)))
			return -ERANGE;
	} else {
		if (pgcount > (UINT64_MAX >> lg2))
			return -EOVERFLOW;
		len = pgcount << lg2;
		if (iova + len - 1 < iova || paddr + len - 1 < paddr)
			return -EOVERFLOW;
		if (!pt_fits(iova, len, t->ias) || !pt_fits(paddr, len, t->pa_bits))
			return -ERANGE;
	}
	return t->fops->map(t, iova, paddr, lg2, pgcount, prot, gfp, mapped);
}
OS_EXPORT(ptcore_map_pages);

OS_API int ptcore_map_range(struct ptcore_table *t, uint64_t iova, uint64_t paddr, uint64_t len,
			    uint32_t prot, uint32_t gfp, uint64_t *mapped)
{
	uint64_t done = 0, min = t->pgsize_bitmap & -t->pgsize_bitmap;
	int ret;

	if (mapped)
		*mapped = 0;
	if (unlikely(!len || ((iova | paddr | len) & (min - 1)) ||
		     !(prot & (PTCORE_PROT_READ | PTCORE_PROT_WRITE))))
		return -EINVAL;
	if (iova + len - 1 < iova || paddr + len - 1 < paddr)
		return -EOVERFLOW;
	if (!pt_fits(iova, len, t->ias) || !pt_fits(paddr, len, t->pa_bits))
		return -ERANGE;

	ret = t->fops->map_range(t, iova, paddr, len, prot, gfp, &done);
	if (mapped)
		*mapped = done;
	return ret;
}
OS_EXPORT(ptcore_map_range);

/* ptcore_unmap() and ptcore_unmap_collect(): checks, then the walk. */
static inline int pt_unmap_checked(struct ptcore_table *t, uint64_t iova, uint64_t len,
				   struct ptcore_gather *gather, uint64_t *unmapped,
				   struct pt_collect *c)
{
	uint64_t done = 0;
	int ret;

	if (unmapped)
		*unmapped = 0;
	if (!len)
		return -EINVAL;
	if (iova + len - 1 < iova)
		return -EOVERFLOW;
	if (!pt_fits(iova, len, t->ias))
		return -ERANGE;
	/* Tables of two handles on one gather would be flushed through the wrong ops. */
	if (unlikely(gather->freelist) &&
	    OS_REFUSE(!pt_gather_owned(t, gather), "unmap with a gather of another table"))
		return -EINVAL;

	if (likely(!c && !(t->features & PTCORE_FEAT_FREE_EMPTY_TABLES)))
		ret = t->fops->unmap(t, iova, iova + len, gather, &done);
	else
		ret = t->fops->unmap_ext(t, iova, iova + len, gather, &done, c);
	if (unlikely(os_ptr_read(&t->parked)) && done)
		pt_unpark(t, gather, iova, iova + done);
	if (unmapped)
		*unmapped = done;
	return ret;
}

OS_API int ptcore_unmap(struct ptcore_table *t, uint64_t iova, uint64_t len,
			struct ptcore_gather *gather, uint64_t *unmapped)
{
	return pt_unmap_checked(t, iova, len, gather, unmapped, NULL);
}
OS_EXPORT(ptcore_unmap);

OS_API int ptcore_unmap_collect(struct ptcore_table *t, uint64_t iova, uint64_t len,
				struct ptcore_gather *gather, uint64_t *unmapped,
				ptcore_range_fn removed, void *arg)
{
	struct pt_collect c = { .fn = removed, .arg = arg };

	return pt_unmap_checked(t, iova, len, gather, unmapped, removed ? &c : NULL);
}
OS_EXPORT(ptcore_unmap_collect);

OS_API uint64_t ptcore_unmap_pages(struct ptcore_table *t, uint64_t iova, uint64_t pgsize,
				   uint64_t pgcount, struct ptcore_gather *gather)
{
	uint64_t unmapped = 0, len;

	if (__builtin_mul_overflow(pgsize, pgcount, &len))
		return 0;
	pt_unmap_checked(t, iova, len, gather, &unmapped, NULL);
	return unmapped;
}
OS_EXPORT(ptcore_unmap_pages);

OS_API int ptcore_iova_to_phys(const struct ptcore_table *t, uint64_t iova, uint64_t *phys)
{
	if (!pt_fits(iova, 1, t->ias))
		return -ERANGE;
	return t->fops->iova_to_phys(t, iova, phys);
}
OS_EXPORT(ptcore_iova_to_phys);

OS_API int ptcore_cut(struct ptcore_table *t, uint64_t iova, uint32_t gfp,
		      struct ptcore_gather *gather)
{
	if (iova & ((t->pgsize_bitmap & -t->pgsize_bitmap) - 1))
		return -EINVAL;
	if (!pt_fits(iova, 1, t->ias))
		return -ERANGE;
	return t->fops->cut(t, iova, gfp, gather);
}
OS_EXPORT(ptcore_cut);

OS_API int ptcore_read_and_clear_dirty(struct ptcore_table *t, uint64_t iova, uint64_t len,
				       uint32_t flags, struct ptcore_gather *gather,
				       ptcore_range_fn dirty, void *arg)
{
	struct pt_collect c = { .fn = dirty, .arg = arg };
	bool clear = !(flags & PTCORE_DIRTY_NO_CLEAR);

	if (!(t->features & PTCORE_FEAT_DIRTY_TRACKING))
		return -EOPNOTSUPP;
	if (!len || (flags & ~PTCORE_DIRTY_NO_CLEAR) || (clear && !gather))
		return -EINVAL;
	if (iova + len - 1 < iova)
		return -EOVERFLOW;
	if (!pt_fits(iova, len, t->ias))
		return -ERANGE;
	if (clear && unlikely(gather->freelist) &&
	    OS_REFUSE(!pt_gather_owned(t, gather), "dirty clear with a gather of another table"))
		return -EINVAL;
	return t->fops->read_and_clear_dirty(t, iova, iova + len, clear, gather,
					     dirty ? &c : NULL);
}
OS_EXPORT(ptcore_read_and_clear_dirty);

/* ---- gathers ---- */

OS_API void ptcore_gather_init(struct ptcore_gather *gather)
{
	pt_gather_init(gather);
}
OS_EXPORT(ptcore_gather_init);

OS_API void ptcore_iotlb_sync(struct ptcore_table *t, struct ptcore_gather *gather)
{
	/* Refuse another handle's gather: its tables stay allocated (a leak, not a UAF). */
	if (unlikely(gather->freelist) &&
	    OS_REFUSE(!pt_gather_owned(t, gather), "sync of a gather of another table"))
		return;
	if (!pt_gather_empty(gather))
		pt_flush(t, gather);
	/* After the flush: free every subtree on the gather's freelist. */
	if (gather->freelist)
		t->fops->free_list(t, gather->freelist);
	pt_gather_init(gather);
}
OS_EXPORT(ptcore_iotlb_sync);

/* ---- additions ---- */

OS_API uint64_t ptcore_gather_leaf_size(const struct ptcore_gather *gather)
{
	return gather->pgsize & -gather->pgsize;
}
OS_EXPORT(ptcore_gather_leaf_size);

OS_API void ptcore_mem_stats(struct ptcore_mem_stats *stats)
{
	os_mem_stats(stats);
}
OS_EXPORT(ptcore_mem_stats);

OS_API void *ptcore_builtin_alloc_table(void *cookie, size_t size, uint64_t *phys, uint32_t gfp)
{
	return os_table_alloc(size, phys, gfp);
}
OS_EXPORT(ptcore_builtin_alloc_table);

OS_API void ptcore_builtin_free_table(void *cookie, void *va, uint64_t phys, size_t size)
{
	os_table_free(va, phys, size);
}
OS_EXPORT(ptcore_builtin_free_table);

OS_API void *ptcore_phys_to_virt(const struct ptcore_table *t, uint64_t phys)
{
	return table_va(t, phys);
}
OS_EXPORT(ptcore_phys_to_virt);
