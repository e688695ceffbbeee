// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The out-of-line kernel helpers that the userspace stand-ins of the kernel
 * headers (kunit/harness/linux/) declare: linked into the KUnit runner and
 * into every userspace program that builds kunit/'s kernel-compatible C
 * (the walk model and the oracle in tests/, the fuzzer, ptctl).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>
#include <linux/slab.h>

void *kmalloc(size_t size, gfp_t gfp)
{
	void *p = malloc(size ? size : 1);

	if (p && (gfp & __GFP_ZERO))
		memset(p, 0, size);
	return p;
}

void *kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return kmalloc(n * size, gfp);
}

void kfree(const void *ptr)
{
	free((void *)ptr);
}

int scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!size)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	return (size_t)n >= size ? (int)size - 1 : n;
}
