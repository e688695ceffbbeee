// SPDX-License-Identifier: GPL-2.0 OR MIT
//! A simulated device for the sample drivers: DMA through an IOTLB that
//! caches what the hardware walker (kunit/hw_walk.c, written from the
//! architecture, not from ptcore) found in the raw table memory.
//!
//! The IOTLB keeps a translation, and the table it came from (a walk-cache
//! entry), until the driver invalidates it; so after an unmap a device keeps
//! a stale translation until the flush and faults after it, and freeing a
//! table the walk cache still points to is visible ([`Iotlb::caches_table`]).

use crate::TableView;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

extern "C" {
    /// `rust-bindings/kernel/walk_shim.c`.
    fn ptcore_rust_hw_walk(
        t: *const kernel::bindings::ptcore_table,
        features: u32,
        iova: u64,
        oa: *mut u64,
        table_pa: *mut u64,
        perm: *mut u32,
    ) -> core::ffi::c_int;
}

/// A device access.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Access {
    /// DMA read.
    Read,
    /// DMA write.
    Write,
}

/// Why a DMA failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Fault {
    /// No translation: the walker found nothing.
    Translation,
    /// Translated, but not for this access.
    Permission,
}

/// What the walker found for one IOVA.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Walked {
    /// Output address.
    pub(crate) oa: u64,
    /// The table holding the leaf.
    pub(crate) table: u64,
    readable: bool,
    writable: bool,
}

/// Walks `iova` of the table `view` shows as the hardware does, from its
/// registers.
pub(crate) fn walk(view: TableView<'_>, iova: u64) -> Option<Walked> {
    let (mut oa, mut table, mut perm) = (0u64, 0u64, 0u32);
    // SAFETY: a `TableView` keeps its table alive and its range safe from
    // unmaps while it exists; the walker only reads table memory reached from
    // the roots. The outputs are valid for writes.
    let ret = unsafe { ptcore_rust_hw_walk(view.raw(), 0, iova, &mut oa, &mut table, &mut perm) };
    (ret == 0).then_some(Walked {
        oa,
        table,
        readable: perm & 1 != 0,
        writable: perm & 2 != 0,
    })
}

const ENTRIES: usize = 32;
const INVALID: u64 = u64::MAX;

/// A small fully associative IOTLB with a walk cache: per entry the page
/// (IOVA >> 12), its output page, permissions and the leaf's table.
pub(crate) struct Iotlb {
    page: [AtomicU64; ENTRIES],
    out: [AtomicU64; ENTRIES],
    table: [AtomicU64; ENTRIES],
    next: AtomicUsize,
    /// Accesses served from a cached entry.
    pub(crate) hits: AtomicU64,
}

impl Iotlb {
    pub(crate) const fn new() -> Iotlb {
        Iotlb {
            page: [const { AtomicU64::new(INVALID) }; ENTRIES],
            out: [const { AtomicU64::new(0) }; ENTRIES],
            table: [const { AtomicU64::new(0) }; ENTRIES],
            next: AtomicUsize::new(0),
            hits: AtomicU64::new(0),
        }
    }

    /// A device access to `iova` through this IOTLB and the tables of `view`:
    /// the output address, or the fault.
    pub(crate) fn dma(&self, view: TableView<'_>, iova: u64, access: Access) -> Result<u64, Fault> {
        let page = iova >> 12;
        for i in 0..ENTRIES {
            if self.page[i].load(Relaxed) == page {
                self.hits.fetch_add(1, Relaxed);
                // Permission bits live in the low bits of `out`.
                let out = self.out[i].load(Relaxed);
                if access == Access::Write && out & 2 == 0 {
                    return Err(Fault::Permission);
                }
                return Ok((out & !0xfff) | (iova & 0xfff));
            }
        }
        let w = walk(view, iova).ok_or(Fault::Translation)?;
        if !w.readable && !w.writable {
            return Err(Fault::Translation);
        }
        let slot = self.next.fetch_add(1, Relaxed) % ENTRIES;
        let perm = u64::from(w.readable) | u64::from(w.writable) << 1;
        self.out[slot].store((w.oa & !0xfff) | perm, Relaxed);
        self.table[slot].store(w.table, Relaxed);
        self.page[slot].store(page, Relaxed);
        if access == Access::Write && !w.writable {
            return Err(Fault::Permission);
        }
        Ok(w.oa)
    }

    /// Invalidates every entry for IOVAs in `[start, last]` (leaf and walk).
    pub(crate) fn invalidate(&self, start: u64, last: u64) {
        for i in 0..ENTRIES {
            let p = self.page[i].load(Relaxed);
            if p != INVALID && p >= start >> 12 && p <= last >> 12 {
                self.page[i].store(INVALID, Relaxed);
            }
        }
    }

    /// Invalidates everything.
    pub(crate) fn invalidate_all(&self) {
        self.invalidate(0, u64::MAX);
    }

    /// Whether a live entry still points into the table at `pa`: freeing that
    /// table now would let the device walk freed memory.
    pub(crate) fn caches_table(&self, pa: u64) -> bool {
        (0..ENTRIES)
            .any(|i| self.page[i].load(Relaxed) != INVALID && self.table[i].load(Relaxed) == pa)
    }
}
