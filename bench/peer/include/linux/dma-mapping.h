/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Userspace stand-in for <linux/dma-mapping.h> (bench/peer). The "device"
 * sees physical addresses directly (no translation, no bounce buffer), the
 * situation io-pgtable requires of its walker; cache maintenance is a
 * counted no-op (peer_dma_syncs) because x86 caches are coherent.
 */
#ifndef PEER_LINUX_DMA_MAPPING_H
#define PEER_LINUX_DMA_MAPPING_H

#include <linux/types.h>
#include <linux/device.h>
#include <asm/page.h>

enum dma_data_direction {
	DMA_BIDIRECTIONAL = 0,
	DMA_TO_DEVICE = 1,
	DMA_FROM_DEVICE = 2,
	DMA_NONE = 3,
};

#define DMA_MAPPING_ERROR	(~(dma_addr_t)0)

extern unsigned long peer_dma_syncs;

static inline dma_addr_t dma_map_single(struct device *dev, void *va, size_t size,
					enum dma_data_direction dir)
{
	(void)dev; (void)size; (void)dir;
	peer_dma_syncs++;
	return virt_to_phys(va);
}

static inline void dma_unmap_single(struct device *dev, dma_addr_t addr, size_t size,
				    enum dma_data_direction dir)
{
	(void)dev; (void)addr; (void)size; (void)dir;
}

static inline int dma_mapping_error(struct device *dev, dma_addr_t addr)
{
	(void)dev;
	return addr == DMA_MAPPING_ERROR;
}

static inline void dma_sync_single_for_device(struct device *dev, dma_addr_t addr,
					      size_t size, enum dma_data_direction dir)
{
	(void)dev; (void)addr; (void)size; (void)dir;
	peer_dma_syncs++;
}

#endif
