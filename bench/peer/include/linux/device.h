/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Userspace stand-in for <linux/device.h> (bench/peer). */
#ifndef PEER_LINUX_DEVICE_H
#define PEER_LINUX_DEVICE_H

#include <linux/gfp.h>

struct device {
	int numa_node;
};

static inline int dev_to_node(const struct device *dev)
{
	return dev ? dev->numa_node : NUMA_NO_NODE;
}

static inline void set_dev_node(struct device *dev, int node)
{
	dev->numa_node = node;
}

#endif
