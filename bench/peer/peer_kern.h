/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Inside the peer: what each version's translation units (peer_arm.c and
 * peer_dart.c, compiled once per kernel version around that version's
 * io-pgtable-arm.c / io-pgtable-dart.c) hand to the registry in peer.c.
 *
 * Both versions are linked into one binary. The kernel files' only external
 * symbols are their io_pgtable_*_init_fns; peer_arm.c and peer_dart.c rename
 * them per version with PEER_KSYM() before the kernel file is included, so
 * the two copies never clash, and export one descriptor each (named
 * PEER_KSYM(peer_arm) / PEER_KSYM(peer_dart)). Everything else of the kernel
 * files is static.
 */
#ifndef PEER_KERN_H
#define PEER_KERN_H

struct io_pgtable_init_fns;
struct io_pgtable_ops;

/* PEER_KSUFFIX (v6_1, v6_12) comes from the command line of the per-version objects. */
#define PEER_KCAT2(a, b)	a##_##b
#define PEER_KCAT(a, b)		PEER_KCAT2(a, b)
#define PEER_KSYM(name)		PEER_KCAT(name, PEER_KSUFFIX)

struct peer_arm_kernel {
	struct io_pgtable_init_fns *s1, *s2;		/* ARM_64_LPAE_S1 / _S2 */
	int (*geometry)(struct io_pgtable_ops *ops, int *start_level, int *pgd_bits,
			int *bits_per_level);
};

struct peer_dart_kernel {
	struct io_pgtable_init_fns *dart;		/* APPLE_DART and APPLE_DART2 */
	int (*geometry)(struct io_pgtable_ops *ops, int *tbl_bits, int *bits_per_level);
};

extern const struct peer_arm_kernel peer_arm_v6_1, peer_arm_v6_12;
extern const struct peer_dart_kernel peer_dart_v6_1, peer_dart_v6_12;

#endif
