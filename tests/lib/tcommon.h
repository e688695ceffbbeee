/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Small test framework shared by ptcore's reliability tests: failure
 * reporting, a case runner that prints "N passed, M failed", a u64 hash
 * map and a deterministic PRNG.
 */
#ifndef PTCORE_TESTS_TCOMMON_H
#define PTCORE_TESTS_TCOMMON_H

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptcore.h"

#define TC_BIT(n)		(1ULL << (n))
#define TC_MASK(h, l)		((~0ULL >> (63 - (h))) & (~0ULL << (l)))
#define TC_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Failures of the running case. tc_abort_on_fail: the fuzzer wants a crash. */
extern unsigned long tc_case_failures;
extern int tc_abort_on_fail;
extern int tc_quiet;			/* count failures, print nothing (negative tests) */

void tc_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define TC_FAIL(...)		tc_fail_at(__FILE__, __LINE__, __VA_ARGS__)
#define TC_CHECK(cond, ...)	do { if (!(cond)) TC_FAIL(__VA_ARGS__); } while (0)
#define TC_CHECK_EQ(a, b, what)							\
	do {									\
		uint64_t __a = (uint64_t)(a), __b = (uint64_t)(b);		\
		if (__a != __b)							\
			TC_FAIL("%s: got %#" PRIx64 " (%" PRId64 "), want %#"	\
				PRIx64 " (%" PRId64 ")", what, __a, (int64_t)__a,	\
				__b, (int64_t)__b);				\
	} while (0)

/* Run one case: prints "ok - name" or "FAIL - name" and counts it. */
void tc_run(const char *name, void (*fn)(void *), void *arg);
/* Count a case whose checks already ran (failures since tc_case_begin). */
void tc_case_begin(void);
void tc_case_end(const char *name);
/* Print "N passed, M failed"; return the process exit status. */
int tc_summary(void);
extern unsigned long tc_passed, tc_failed;
extern int tc_verbose;

/* ---- u64 -> u64 hash map (open addressing, key UINT64_MAX reserved) ---- */
struct u64map {
	uint64_t *keys;
	uint64_t *vals;
	size_t cap;		/* power of two */
	size_t n;
};

void u64map_init(struct u64map *m);
void u64map_free(struct u64map *m);
void u64map_clear(struct u64map *m);
bool u64map_get(const struct u64map *m, uint64_t key, uint64_t *val);
void u64map_put(struct u64map *m, uint64_t key, uint64_t val);
bool u64map_del(struct u64map *m, uint64_t key);
/* Iterate: for (i = 0; u64map_next(m, &i, &k, &v); ) */
bool u64map_next(const struct u64map *m, size_t *pos, uint64_t *key, uint64_t *val);

/* ---- PRNG (splitmix64) ---- */
static inline uint64_t tc_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline const char *tc_fmt_name(uint32_t fmt)
{
	switch (fmt) {
	case PTCORE_FMT_ARM64_LPAE_S1: return "arm-s1";
	case PTCORE_FMT_ARM64_LPAE_S2: return "arm-s2";
	case PTCORE_FMT_APPLE_DART: return "dart1";
	case PTCORE_FMT_APPLE_DART2: return "dart2";
	case PTCORE_FMT_AMDV1: return "amdv1";
	case PTCORE_FMT_VTDSS: return "vtdss";
	case PTCORE_FMT_X86_64: return "x86-64";
	case PTCORE_FMT_RISCV64: return "riscv";
	case PTCORE_FMT_ARM_V7S: return "arm-v7s";
	default: return "fmt?";
	}
}

#endif /* PTCORE_TESTS_TCOMMON_H */
