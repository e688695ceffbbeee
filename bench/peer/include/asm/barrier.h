/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Userspace stand-in for <asm/barrier.h> (bench/peer). On x86-64 stores are
 * not reordered with other stores, so the write barriers the io-pgtable code
 * asks for only have to stop the compiler, as the x86 kernel's do.
 */
#ifndef PEER_ASM_BARRIER_H
#define PEER_ASM_BARRIER_H

#define barrier()	__asm__ __volatile__("" ::: "memory")
#define mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb()		barrier()
#define wmb()		barrier()
#define dma_wmb()	barrier()
#define dma_rmb()	barrier()

#endif
