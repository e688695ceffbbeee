/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The hardware-walk model (kunit/hw_walk.h, the one model every test uses)
 * bound to a ptcore table for the reliability tests: it reads table memory
 * through ptcore_phys_to_virt(), optionally only where @table_ok says a live
 * table of exactly the walker's size is, and reports through TC_FAIL.
 */
#ifndef PTCORE_TESTS_MODEL_H
#define PTCORE_TESTS_MODEL_H

#include "tcommon.h"
#include <linux/types.h>
#include "hw_walk.h"

struct tmodel {
	struct hw_walk w;
	const struct ptcore_table *t;
	/*
	 * Optional: asked before the walk reads a table; false makes the
	 * walk fault with HW_FAULT_MEMORY instead of reading the memory.
	 */
	bool (*table_ok)(void *ctx, uint64_t pa, size_t bytes);
	void *table_ok_ctx;
};

/*
 * Set up the model for @t created with @cfg: from its registers, checked
 * against the geometry FORMATS.md gives @cfg and against the root
 * alignment. Returns false (with a test failure) when they disagree.
 */
bool tm_init(struct tmodel *m, const struct ptcore_table *t, const struct ptcore_cfg *cfg);

/* Table memory at @pa (CPU address). */
static inline const uint64_t *tm_table(const struct tmodel *m, uint64_t pa)
{
	return ptcore_phys_to_virt(m->t, pa);
}

#endif /* PTCORE_TESTS_MODEL_H */
