/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Userspace stand-in for <linux/module.h> (ptcore KUnit harness only). */
#ifndef PTCORE_HARNESS_LINUX_MODULE_H
#define PTCORE_HARNESS_LINUX_MODULE_H

#include <linux/compiler.h>

#define MODULE_LICENSE(x)	struct __UNIQUE_ID(module_license)
#define MODULE_DESCRIPTION(x)	struct __UNIQUE_ID(module_description)
#define MODULE_AUTHOR(x)	struct __UNIQUE_ID(module_author)
#define EXPORT_SYMBOL(x)	struct __UNIQUE_ID(export_symbol)
#define EXPORT_SYMBOL_GPL(x)	struct __UNIQUE_ID(export_symbol)

#endif
