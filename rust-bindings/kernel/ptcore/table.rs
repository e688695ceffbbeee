// SPDX-License-Identifier: GPL-2.0 OR MIT
//! [`PageTable`] and [`UnmapBatch`]: the safe API over one `ptcore_table`.

use super::driver::{raw_gfp, Flush, IommuOps, Ops};
use super::error::{to_result, Error, Result};
use super::format::{Config, Format, Prot};
use super::phys::PhysRange;
use core::ffi::c_void;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::alloc::Flags;
use kernel::bindings as b;

/// An IOMMU page table of format `F`, whose IOTLB driver `D` flushes.
///
/// # Safety model
///
/// - Maps take `&mut self`: two maps of overlapping ranges can never run at
///   once (the C contract leaves that undefined), and they take a
///   [`PhysRange`], never a raw address.
/// - [`PageTable::iova_to_phys`] and [`PageTable::hw_info`] take `&self`: the
///   C core allows them concurrently with each other, and no unmap or free
///   can run while a `&PageTable` exists.
/// - Everything that frees table memory needs `&mut self`: unmaps through an
///   [`UnmapBatch`], destruction through `Drop`. The gather lives inside the
///   table and is reached only through `&mut`, so it never moves while tables
///   are queued on it, and no safe code can free a queued table before the
///   flush, or skip the flush.
///
/// # Invariants
///
/// `raw` was created by `ptcore_table_create` with `Ops::<D>::OPS` and
/// `cookie = driver`; only `Drop` destroys it. `gather` is initialised and
/// used only with `raw`.
pub struct PageTable<'d, F: Format, D: IommuOps> {
    raw: NonNull<b::ptcore_table>,
    gather: b::ptcore_gather,
    driver: &'d D,
    _format: PhantomData<F>,
}

// SAFETY: a `ptcore_table` has no thread affinity (no per-CPU or thread
// state; its memory comes from the page allocator), and `D: Sync` lets `&D`
// move with it. The gather's freelist belongs to the table and moves with it.
unsafe impl<F: Format, D: IommuOps> Send for PageTable<'_, F, D> {}

// SAFETY: through `&PageTable` only `ptcore_iova_to_phys` and
// `ptcore_hw_info` run, which the C contract allows concurrently with each
// other; maps, unmaps and the gather need `&mut`.
unsafe impl<F: Format, D: IommuOps> Sync for PageTable<'_, F, D> {}

/// A failed map: the error, and how much was mapped before it.
///
/// After `EADDRINUSE` or `ENOMEM` the first `mapped` bytes stay mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapError {
    /// Bytes mapped (from the start of the range) before the error.
    pub mapped: u64,
    /// What went wrong.
    pub error: Error,
}

/// A failed unmap: the error, and how much was removed before it (gathered,
/// so the batch still flushes it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnmapError {
    /// Bytes of mappings removed before the error.
    pub unmapped: u64,
    /// What went wrong.
    pub error: Error,
}

impl From<MapError> for Error {
    fn from(e: MapError) -> Error {
        e.error
    }
}

impl From<UnmapError> for Error {
    fn from(e: UnmapError) -> Error {
        e.error
    }
}

/// What the hardware needs to walk a table (`struct ptcore_hw_info`).
#[derive(Clone, Copy)]
pub struct HwInfo(b::ptcore_hw_info);

impl HwInfo {
    /// The `enum ptcore_format` value.
    pub fn format(&self) -> u32 {
        self.0.format
    }
    /// Levels a walk reads, root included.
    pub fn levels(&self) -> u32 {
        self.0.levels
    }
    /// Leaf sizes a map accepts.
    pub fn pgsize_bitmap(&self) -> u64 {
        self.0.pgsize_bitmap
    }
    /// Input address bits.
    pub fn ias(&self) -> u8 {
        self.0.ias
    }
    /// Output address bits.
    pub fn oas(&self) -> u8 {
        self.0.oas
    }
    /// log2 of the granule.
    pub fn granule_lg2(&self) -> u8 {
        self.0.granule_lg2
    }
    /// ARM level (0..3) of the root table; 0 for DART.
    pub fn start_level(&self) -> u8 {
        self.0.start_level
    }
    /// Physical addresses of the top-level tables.
    pub fn roots(&self) -> &[u64] {
        let n = (self.0.n_roots as usize).min(self.0.root.len());
        self.0.root.get(..n).unwrap_or(&[])
    }
    /// ARM T0SZ: 64 - ias.
    pub fn arm_tsz(&self) -> u8 {
        self.0.arm_tsz
    }
    /// ARM TG0 encoding (4K = 0, 64K = 1, 16K = 2).
    pub fn arm_tg(&self) -> u8 {
        self.0.arm_tg
    }
    /// ARM SH0.
    pub fn arm_sh(&self) -> u8 {
        self.0.arm_sh
    }
    /// ARM ORGN0.
    pub fn arm_orgn(&self) -> u8 {
        self.0.arm_orgn
    }
    /// ARM IRGN0.
    pub fn arm_irgn(&self) -> u8 {
        self.0.arm_irgn
    }
    /// ARM IPS / PS encoding of oas.
    pub fn arm_ps(&self) -> u8 {
        self.0.arm_ps
    }
    /// ARM stage 2 VTCR.SL0.
    pub fn arm_sl(&self) -> u8 {
        self.0.arm_sl
    }
    /// ARM stage 1 MAIR.
    pub fn arm_mair(&self) -> u64 {
        self.0.arm_mair
    }
    /// The raw structure.
    pub fn raw(&self) -> &b::ptcore_hw_info {
        &self.0
    }
}

/// Counters of ptcore's built-in table allocator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemStats {
    /// Blocks allocated and not yet freed.
    pub tables_live: u64,
    /// Bytes allocated and not yet freed.
    pub bytes_live: u64,
    /// Blocks allocated since boot.
    pub allocs: u64,
    /// Blocks freed since boot.
    pub frees: u64,
}

/// Reads the built-in allocator's counters (kernel-wide).
pub fn mem_stats() -> MemStats {
    let mut s = b::ptcore_mem_stats::default();
    // SAFETY: `s` is a valid, writable `ptcore_mem_stats`.
    unsafe { b::ptcore_mem_stats(&mut s) };
    MemStats {
        tables_live: s.tables_live,
        bytes_live: s.bytes_live,
        allocs: s.allocs,
        frees: s.frees,
    }
}

fn empty_gather() -> b::ptcore_gather {
    let mut g = b::ptcore_gather::default();
    // SAFETY: `g` is a valid, writable gather.
    unsafe { b::ptcore_gather_init(&mut g) };
    g
}

fn gather_is_empty(g: &b::ptcore_gather) -> bool {
    g.start > g.end && g.nr_tables == 0 && g.freelist.is_null()
}

impl<'d, F: Format, D: IommuOps> PageTable<'d, F, D> {
    /// Creates an empty table. Errors: `EINVAL` (a configuration the format
    /// cannot do), `EOPNOTSUPP` (a feature it lacks), `ENOMEM`.
    pub fn new(config: &Config<F>, driver: &'d D) -> Result<Self> {
        let mut cfg = config.to_raw();
        let ops: &'static b::ptcore_ops = &Ops::<D>::OPS;
        cfg.ops = ops;
        cfg.cookie = (driver as *const D).cast_mut().cast::<c_void>();
        let mut raw: *mut b::ptcore_table = core::ptr::null_mut();
        // SAFETY: `cfg` and `raw` are valid for the call; the ops are
        // `'static`; the cookie is `driver`, borrowed for `'d`, which the
        // table cannot outlive, as the trampolines require.
        to_result(unsafe { b::ptcore_table_create(&cfg, &mut raw) })?;
        let raw = NonNull::new(raw).ok_or(super::code::ENOMEM)?;
        // INVARIANT: created just above with `Ops::<D>::OPS` and `driver`.
        Ok(PageTable {
            raw,
            gather: empty_gather(),
            driver,
            _format: PhantomData,
        })
    }

    /// The driver this table calls back.
    pub fn driver(&self) -> &'d D {
        self.driver
    }

    /// Describes the table for the hardware.
    pub fn hw_info(&self) -> HwInfo {
        let mut info = b::ptcore_hw_info::default();
        // SAFETY: `self.raw` is live (type invariant), `info` is writable;
        // `ptcore_hw_info` only reads the table.
        unsafe { b::ptcore_hw_info(self.raw.as_ptr(), &mut info) };
        HwInfo(info)
    }

    /// Maps `phys` at `iova` in leaves of `pgsize` bytes (`phys.len()` must
    /// be a multiple of `pgsize`), with `gfp` for new tables.
    ///
    /// Errors, with the bytes mapped before them: `EINVAL` (size not
    /// offered, empty or uneven range, misaligned, no READ or WRITE),
    /// `EOVERFLOW`, `ERANGE` (nothing mapped); `EADDRINUSE`, `ENOMEM`.
    pub fn map_pages(
        &mut self,
        iova: u64,
        phys: PhysRange,
        pgsize: u64,
        prot: Prot,
        gfp: Flags,
    ) -> core::result::Result<(), MapError> {
        let bad = MapError {
            mapped: 0,
            error: super::code::EINVAL,
        };
        if phys.len().checked_rem(pgsize) != Some(0) {
            return Err(bad);
        }
        let mut mapped = 0u64;
        // SAFETY: `self.raw` is live and held exclusively (`&mut self`), so
        // no other map, unmap or lookup of any range runs. `phys` is memory
        // the device may access (`PhysRange` invariant). `mapped` is writable.
        let ret = unsafe {
            b::ptcore_map_pages(
                self.raw.as_ptr(),
                iova,
                phys.start(),
                pgsize,
                phys.len() / pgsize,
                prot.bits(),
                raw_gfp(gfp),
                &mut mapped,
            )
        };
        to_result(ret).map_err(|error| MapError { mapped, error })
    }

    /// Translates `iova`: `ENOENT` when not mapped, `ERANGE` beyond ias.
    pub fn iova_to_phys(&self, iova: u64) -> Result<u64> {
        let mut phys = 0u64;
        // SAFETY: `self.raw` is live; lookups are lock-free, and no unmap can
        // run while `&self` exists.
        to_result(unsafe { b::ptcore_iova_to_phys(self.raw.as_ptr(), iova, &mut phys) })?;
        Ok(phys)
    }

    /// Starts a batch of unmaps, holding the table exclusively; its
    /// [`UnmapBatch::sync`] or drop flushes, then frees removed tables.
    pub fn unmap_batch(&mut self) -> UnmapBatch<'_, 'd, F, D> {
        UnmapBatch { table: self }
    }

    /// Unmaps `[iova, iova + len)` and flushes at once: a batch of one.
    pub fn unmap(&mut self, iova: u64, len: u64) -> core::result::Result<u64, UnmapError> {
        let mut batch = self.unmap_batch();
        let ret = batch.unmap(iova, len);
        batch.sync();
        ret
    }

    /// The raw table, for the hardware-walk model of the sample drivers'
    /// simulated devices: valid while `&self` is (no unmap or destroy can run).
    pub(crate) fn as_raw(&self) -> *const b::ptcore_table {
        self.raw.as_ptr()
    }

    fn sync_gather(&mut self) {
        // SAFETY: `self.raw` is live and held exclusively; the gather was only
        // used with it. ptcore flushes, then frees, then re-initialises it.
        unsafe { b::ptcore_iotlb_sync(self.raw.as_ptr(), &mut self.gather) };
    }
}

impl<F: Format, D: IommuOps> Drop for PageTable<'_, F, D> {
    fn drop(&mut self) {
        // What a forgotten batch left gets its flush before anything is freed.
        if !gather_is_empty(&self.gather) {
            self.sync_gather();
        }
        // Destroy frees every table: the IOTLB and walk caches must forget
        // the whole input space first, even if the driver forgot to.
        let info = self.hw_info();
        let all = b::ptcore_gather {
            start: 0,
            end: u64::MAX.checked_shr(64u32.saturating_sub(u32::from(info.ias()))).unwrap_or(u64::MAX),
            pgsize: info.pgsize_bitmap(),
            flags: b::PTCORE_GATHER_TABLES,
            ..Default::default()
        };
        self.driver.iotlb_flush(Flush::from_raw(&all));
        // SAFETY: we own the table and nothing uses it any more; the gather is
        // empty; the driver has just flushed everything the table translated.
        unsafe { b::ptcore_table_destroy(self.raw.as_ptr()) };
    }
}

/// A batch of unmaps on one table, holding it exclusively.
///
/// Every [`UnmapBatch::unmap`] removes mappings and records in the table's
/// gather what the IOTLB must forget and which tables became garbage;
/// [`UnmapBatch::sync`] (or drop) flushes once for the batch and only then
/// frees those tables. `core::mem::forget` only delays the flush: the next
/// batch or the table's drop flushes before freeing.
#[must_use = "dropping the batch flushes now; keep it to batch unmaps, or call sync()"]
pub struct UnmapBatch<'a, 'd, F: Format, D: IommuOps> {
    table: &'a mut PageTable<'d, F, D>,
}

impl<'d, F: Format, D: IommuOps> UnmapBatch<'_, 'd, F, D> {
    /// Removes the mappings in `[iova, iova + len)`: the bytes removed, more
    /// than `len` when the range ends inside a large leaf (removed whole).
    ///
    /// Errors, with the bytes removed before them: `EINVAL` for `len` 0, for
    /// `iova` inside a leaf (nothing removed) or at the first hole (the part
    /// before it removed and gathered); `EOVERFLOW`; `ERANGE`.
    pub fn unmap(&mut self, iova: u64, len: u64) -> core::result::Result<u64, UnmapError> {
        let mut unmapped = 0u64;
        // SAFETY: the table is live and held exclusively; the gather is its
        // own. Removed tables go on the gather and stay allocated until
        // `ptcore_iotlb_sync`, after the flush.
        let ret = unsafe {
            b::ptcore_unmap(
                self.table.raw.as_ptr(),
                iova,
                len,
                &mut self.table.gather,
                &mut unmapped,
            )
        };
        to_result(ret).map(|()| unmapped).map_err(|error| UnmapError { unmapped, error })
    }

    /// Kernel-style unmap of `pgcount` pages of `pgsize`: the bytes removed
    /// (0 on invalid arguments).
    pub fn unmap_pages(&mut self, iova: u64, pgsize: u64, pgcount: u64) -> u64 {
        // SAFETY: as for `unmap`: the table is live and held exclusively, and
        // removed tables wait on its own gather for the flush.
        unsafe {
            b::ptcore_unmap_pages(
                self.table.raw.as_ptr(),
                iova,
                pgsize,
                pgcount,
                &mut self.table.gather,
            )
        }
    }

    /// What the flush will cover so far (`None` when nothing is gathered).
    pub fn pending(&self) -> Option<&Flush> {
        let g = &self.table.gather;
        (g.start <= g.end).then(|| Flush::from_raw(g))
    }

    /// The table, for lookups while the batch is open.
    pub fn table(&self) -> &PageTable<'d, F, D> {
        self.table
    }

    /// Flushes the IOTLB for everything gathered, then frees the removed
    /// tables; the same as dropping the batch, but explicit.
    pub fn sync(self) {}
}

impl<F: Format, D: IommuOps> Drop for UnmapBatch<'_, '_, F, D> {
    fn drop(&mut self) {
        self.table.sync_gather();
    }
}
