/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Userspace stand-in for <linux/printk.h> (bench/peer): messages are dropped. */
#ifndef PEER_LINUX_PRINTK_H
#define PEER_LINUX_PRINTK_H

/* Type-check the arguments, print nothing. */
static inline __attribute__((format(printf, 1, 2))) int peer_no_printk(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

#define pr_err(...)	peer_no_printk(__VA_ARGS__)
#define pr_warn(...)	peer_no_printk(__VA_ARGS__)
#define pr_info(...)	peer_no_printk(__VA_ARGS__)
#define pr_debug(...)	peer_no_printk(__VA_ARGS__)
#define dev_err(dev, ...)	((void)(dev), peer_no_printk(__VA_ARGS__))

#endif
