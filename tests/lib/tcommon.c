// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Shared test framework: see tcommon.h. */
#include <stdarg.h>

#include "tcommon.h"

unsigned long tc_case_failures;
int tc_abort_on_fail;
int tc_quiet;
int tc_verbose;
unsigned long tc_passed, tc_failed;

static unsigned long case_base;

void tc_fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tc_case_failures++;
	if (tc_quiet && !tc_abort_on_fail)
		return;
	/* Keep a failing run readable: the first few failures of a case only. */
	if (tc_case_failures - case_base <= 8 || tc_abort_on_fail) {
		fprintf(stderr, "  FAILED at %s:%d: ", file, line);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	if (tc_abort_on_fail)
		abort();
}

void tc_case_begin(void)
{
	case_base = tc_case_failures;
}

void tc_case_end(const char *name)
{
	if (tc_case_failures == case_base) {
		tc_passed++;
		if (tc_verbose)
			printf("ok - %s\n", name);
	} else {
		tc_failed++;
		printf("FAIL - %s (%lu failed checks)\n", name, tc_case_failures - case_base);
	}
	fflush(stdout);
}

void tc_run(const char *name, void (*fn)(void *), void *arg)
{
	tc_case_begin();
	fn(arg);
	tc_case_end(name);
}

int tc_summary(void)
{
	printf("%lu passed, %lu failed\n", tc_passed, tc_failed);
	fflush(stdout);
	return tc_failed ? 1 : 0;
}

/* ---- u64map ---- */

#define U64MAP_EMPTY	UINT64_MAX

static size_t u64map_slot(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

void u64map_init(struct u64map *m)
{
	m->cap = 64;
	m->n = 0;
	m->keys = malloc(m->cap * sizeof(*m->keys));
	m->vals = malloc(m->cap * sizeof(*m->vals));
	if (!m->keys || !m->vals)
		abort();
	memset(m->keys, 0xff, m->cap * sizeof(*m->keys));
}

void u64map_free(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = m->vals = NULL;
	m->cap = m->n = 0;
}

void u64map_clear(struct u64map *m)
{
	memset(m->keys, 0xff, m->cap * sizeof(*m->keys));
	m->n = 0;
}

static void u64map_grow(struct u64map *m)
{
	struct u64map big = { 0 };
	size_t i;

	big.cap = m->cap * 2;
	big.keys = malloc(big.cap * sizeof(*big.keys));
	big.vals = malloc(big.cap * sizeof(*big.vals));
	if (!big.keys || !big.vals)
		abort();
	memset(big.keys, 0xff, big.cap * sizeof(*big.keys));
	for (i = 0; i < m->cap; i++)
		if (m->keys[i] != U64MAP_EMPTY)
			u64map_put(&big, m->keys[i], m->vals[i]);
	u64map_free(m);
	*m = big;
}

bool u64map_get(const struct u64map *m, uint64_t key, uint64_t *val)
{
	size_t i = u64map_slot(key, m->cap);

	while (m->keys[i] != U64MAP_EMPTY) {
		if (m->keys[i] == key) {
			if (val)
				*val = m->vals[i];
			return true;
		}
		i = (i + 1) & (m->cap - 1);
	}
	return false;
}

void u64map_put(struct u64map *m, uint64_t key, uint64_t val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		u64map_grow(m);
	i = u64map_slot(key, m->cap);
	while (m->keys[i] != U64MAP_EMPTY) {
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return;
		}
		i = (i + 1) & (m->cap - 1);
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
}

bool u64map_del(struct u64map *m, uint64_t key)
{
	size_t i = u64map_slot(key, m->cap), j, k;

	while (m->keys[i] != key) {
		if (m->keys[i] == U64MAP_EMPTY)
			return false;
		i = (i + 1) & (m->cap - 1);
	}
	/* Backward-shift deletion keeps probe chains intact. */
	j = i;
	for (;;) {
		j = (j + 1) & (m->cap - 1);
		if (m->keys[j] == U64MAP_EMPTY)
			break;
		k = u64map_slot(m->keys[j], m->cap);
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = U64MAP_EMPTY;
	m->n--;
	return true;
}

bool u64map_next(const struct u64map *m, size_t *pos, uint64_t *key, uint64_t *val)
{
	while (*pos < m->cap) {
		size_t i = (*pos)++;

		if (m->keys[i] != U64MAP_EMPTY) {
			*key = m->keys[i];
			if (val)
				*val = m->vals[i];
			return true;
		}
	}
	return false;
}
