/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The random numbers of the differential tests against the Linux peers:
 * splitmix64, so that a seed names one sequence of operations.
 */
#ifndef PTCORE_DIFFTEST_RNG_H
#define PTCORE_DIFFTEST_RNG_H

#include <stdint.h>

static inline uint64_t difftest_rnd(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [0, @n); 0 for n == 0. */
static inline uint64_t difftest_below(uint64_t *state, uint64_t n)
{
	return n ? difftest_rnd(state) % n : 0;
}

#endif /* PTCORE_DIFFTEST_RNG_H */
