// SPDX-License-Identifier: GPL-2.0 OR MIT
//! Compile-time checks that the generated bindings have the ABI's layout.
//!
//! The same numbers are asserted on the C side with `_Static_assert`, so a
//! change of `include/ptcore.h` that moves a field breaks both builds.
//! Values for LP64 targets (x86-64, arm64).

use crate::bindings::{ptcore_cfg, ptcore_gather, ptcore_hw_info, ptcore_mem_stats, ptcore_ops};
use core::mem::{align_of, offset_of, size_of};

const _: () = assert!(
    size_of::<usize>() == 8,
    "ptcore's Rust layout checks assume LP64"
);

const _: () = {
    assert!(size_of::<ptcore_gather>() == 40);
    assert!(align_of::<ptcore_gather>() == 8);
    assert!(offset_of!(ptcore_gather, start) == 0);
    assert!(offset_of!(ptcore_gather, end) == 8);
    assert!(offset_of!(ptcore_gather, pgsize) == 16);
    assert!(offset_of!(ptcore_gather, flags) == 24);
    assert!(offset_of!(ptcore_gather, nr_tables) == 28);
    assert!(offset_of!(ptcore_gather, freelist) == 32);
};

const _: () = {
    assert!(size_of::<ptcore_ops>() == 32);
    assert!(offset_of!(ptcore_ops, alloc_table) == 0);
    assert!(offset_of!(ptcore_ops, free_table) == 8);
    assert!(offset_of!(ptcore_ops, sync_table) == 16);
    assert!(offset_of!(ptcore_ops, iotlb_flush) == 24);
};

const _: () = {
    assert!(size_of::<ptcore_cfg>() == 40);
    assert!(offset_of!(ptcore_cfg, format) == 0);
    assert!(offset_of!(ptcore_cfg, features) == 4);
    assert!(offset_of!(ptcore_cfg, pgsize_bitmap) == 8);
    assert!(offset_of!(ptcore_cfg, ias) == 16);
    assert!(offset_of!(ptcore_cfg, oas) == 17);
    assert!(offset_of!(ptcore_cfg, granule_lg2) == 18);
    assert!(offset_of!(ptcore_cfg, reserved) == 19);
    assert!(offset_of!(ptcore_cfg, ops) == 24);
    assert!(offset_of!(ptcore_cfg, cookie) == 32);
};

const _: () = {
    assert!(size_of::<ptcore_hw_info>() == 80);
    assert!(offset_of!(ptcore_hw_info, format) == 0);
    assert!(offset_of!(ptcore_hw_info, levels) == 4);
    assert!(offset_of!(ptcore_hw_info, pgsize_bitmap) == 8);
    assert!(offset_of!(ptcore_hw_info, ias) == 16);
    assert!(offset_of!(ptcore_hw_info, oas) == 17);
    assert!(offset_of!(ptcore_hw_info, granule_lg2) == 18);
    assert!(offset_of!(ptcore_hw_info, start_level) == 19);
    assert!(offset_of!(ptcore_hw_info, n_roots) == 20);
    assert!(offset_of!(ptcore_hw_info, root) == 24);
    assert!(offset_of!(ptcore_hw_info, arm_tsz) == 56);
    assert!(offset_of!(ptcore_hw_info, arm_tg) == 57);
    assert!(offset_of!(ptcore_hw_info, arm_sh) == 58);
    assert!(offset_of!(ptcore_hw_info, arm_orgn) == 59);
    assert!(offset_of!(ptcore_hw_info, arm_irgn) == 60);
    assert!(offset_of!(ptcore_hw_info, arm_ps) == 61);
    assert!(offset_of!(ptcore_hw_info, arm_sl) == 62);
    assert!(offset_of!(ptcore_hw_info, arm_reserved) == 63);
    assert!(offset_of!(ptcore_hw_info, arm_mair) == 64);
    assert!(offset_of!(ptcore_hw_info, mode) == 72);
    assert!(offset_of!(ptcore_hw_info, reserved) == 76);
};

const _: () = {
    assert!(size_of::<ptcore_mem_stats>() == 32);
    assert!(offset_of!(ptcore_mem_stats, tables_live) == 0);
    assert!(offset_of!(ptcore_mem_stats, bytes_live) == 8);
    assert!(offset_of!(ptcore_mem_stats, allocs) == 16);
    assert!(offset_of!(ptcore_mem_stats, frees) == 24);
};

// The constants the safe API re-exports have the values ABI.md fixes.
const _: () = {
    use crate::bindings as b;
    assert!(b::PTCORE_PROT_READ == 0x01 && b::PTCORE_PROT_WRITE == 0x02);
    assert!(b::PTCORE_PROT_CACHE == 0x04 && b::PTCORE_PROT_NOEXEC == 0x08);
    assert!(b::PTCORE_PROT_MMIO == 0x10 && b::PTCORE_PROT_PRIV == 0x20);
    assert!(b::PTCORE_GATHER_TABLES == 0x1);
    assert!(b::ptcore_format_PTCORE_FMT_ARM64_LPAE_S1 == 1);
    assert!(b::ptcore_format_PTCORE_FMT_ARM64_LPAE_S2 == 2);
    assert!(b::ptcore_format_PTCORE_FMT_APPLE_DART == 3);
    assert!(b::ptcore_format_PTCORE_FMT_APPLE_DART2 == 4);
};
