// SPDX-License-Identifier: GPL-2.0 OR MIT
//! [`PageTable`] and [`UnmapBatch`]: the safe API over one `ptcore_table`.

use crate::bindings as b;
use crate::driver::{Driver, Flush, Ops};
use crate::error::{to_result, Error, Result};
use crate::format::{Config, Format, Prot};
use core::ffi::c_void;
use core::marker::PhantomData;
use core::ptr::NonNull;

/// An IOMMU page table of format `F`, whose IOTLB is flushed by driver `D`.
///
/// # Safety model
///
/// - [`PageTable::map_pages`], [`PageTable::iova_to_phys`] and
///   [`PageTable::hw_info`] take `&self`. ptcore's concurrency contract says
///   that mapping and lookups never free table memory, so any number of them
///   may run at once on any ranges: the tables they read or extend stay
///   allocated. Overlapping maps are a caller bug that ptcore reports with
///   `EADDRINUSE`, never memory unsafety.
/// - Everything that frees table memory needs `&mut self`: unmapping goes
///   through an [`UnmapBatch`] (which holds `&mut PageTable`), and
///   destruction is `Drop`. The borrow checker therefore proves that no map,
///   lookup or hardware-model walk runs while tables are being freed.
/// - The gather lives inside the table and is only touched through `&mut`;
///   it never moves while tables are queued on it (the batch borrows the
///   table, which pins it in place for the batch's lifetime).
///
/// The driver is borrowed for `'d`: ptcore's callbacks receive it through the
/// `cookie`, which must outlive the table.
///
/// # Invariants
///
/// `raw` is a table created by `ptcore_table_create` with `ops =
/// Ops::<D>::OPS` and `cookie = driver`; it is destroyed only by `Drop`.
/// `gather` is initialised and only used with `raw`.
pub struct PageTable<'d, F: Format, D: Driver> {
    raw: NonNull<b::ptcore_table>,
    gather: b::ptcore_gather,
    driver: &'d D,
    _format: PhantomData<F>,
}

// SAFETY: a `ptcore_table` has no thread affinity (no thread-local state, its
// memory comes from an allocator callable from any thread), and the driver is
// `Sync` so `&D` may move with it. The gather's `freelist` pointer belongs to
// the table and moves with it.
unsafe impl<F: Format, D: Driver> Send for PageTable<'_, F, D> {}

// SAFETY: the only operations through `&PageTable` are `ptcore_map_pages`,
// `ptcore_iova_to_phys`, `ptcore_hw_info` and `ptcore_phys_to_virt` (and reads
// of table memory by the hardware model), which the C ABI declares safe to run
// concurrently with each other on any ranges because none of them frees table
// memory. The flush callbacks they may trigger go to `D: Sync`. The gather is
// only touched through `&mut PageTable`.
unsafe impl<F: Format, D: Driver> Sync for PageTable<'_, F, D> {}

/// A failed [`PageTable::map_pages`]: the error and how much was mapped first.
///
/// After `EADDRINUSE` or `ENOMEM` the first `mapped` bytes stay mapped; the
/// caller may unmap them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapError {
    /// Bytes mapped (from the start of the range) before the error.
    pub mapped: u64,
    /// What went wrong.
    pub error: Error,
}

/// A failed [`UnmapBatch::unmap`]: the error and how much was unmapped first.
///
/// The `unmapped` bytes before a hole (`EINVAL`) are removed and gathered:
/// the batch still flushes them.
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
    /// Levels a walk reads, root included (DART: TTBR selection not counted).
    pub fn levels(&self) -> u32 {
        self.0.levels
    }
    /// Leaf sizes [`PageTable::map_pages`] accepts.
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
    /// log2 of the translation granule.
    pub fn granule_lg2(&self) -> u8 {
        self.0.granule_lg2
    }
    /// ARM level (0..3) of the root table; 0 for DART.
    pub fn start_level(&self) -> u8 {
        self.0.start_level
    }
    /// Physical addresses of the top-level tables (one, or one per DART TTBR).
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
    /// ARM stage 2 VTCR.SL0 value.
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

impl core::fmt::Debug for HwInfo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HwInfo")
            .field("format", &self.format())
            .field("levels", &self.levels())
            .field(
                "pgsize_bitmap",
                &format_args!("{:#x}", self.pgsize_bitmap()),
            )
            .field("ias", &self.ias())
            .field("oas", &self.oas())
            .field("granule_lg2", &self.granule_lg2())
            .field("start_level", &self.start_level())
            .field("roots", &self.roots())
            .finish_non_exhaustive()
    }
}

/// Counters of ptcore's built-in table allocator (`struct ptcore_mem_stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemStats {
    /// Blocks allocated and not yet freed.
    pub tables_live: u64,
    /// Bytes allocated and not yet freed.
    pub bytes_live: u64,
    /// Blocks allocated since start.
    pub allocs: u64,
    /// Blocks freed since start.
    pub frees: u64,
}

/// Reads the built-in allocator's counters (process-wide).
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

impl<'d, F: Format, D: Driver> PageTable<'d, F, D> {
    /// Creates an empty table; the C core validates the whole configuration.
    ///
    /// Errors: `EINVAL` for a configuration the format cannot do, `EOPNOTSUPP`
    /// for a feature it lacks, `ENOMEM`.
    pub fn new(config: &Config<F>, driver: &'d D) -> Result<Self> {
        let mut cfg = config.to_raw();
        // The ops table is a constant promoted to `'static`.
        let ops: &'static b::ptcore_ops = &Ops::<D>::OPS;
        cfg.ops = ops;
        cfg.cookie = driver as *const D as *mut c_void;
        let mut raw: *mut b::ptcore_table = core::ptr::null_mut();
        // SAFETY: `cfg` and `raw` are valid for the call. The ops are
        // `'static`; the cookie is `driver`, which is borrowed for `'d`, as
        // long as the table lives, as the trampolines require.
        to_result(unsafe { b::ptcore_table_create(&cfg, &mut raw) })?;
        let raw = NonNull::new(raw).ok_or(Error::ENOMEM)?;
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

    /// Describes the table for the hardware (root addresses, translation
    /// control fields).
    pub fn hw_info(&self) -> HwInfo {
        let mut info = b::ptcore_hw_info::default();
        // SAFETY: `self.raw` is a live table (type invariant); `info` is writable.
        // ptcore_hw_info is lock-free and only reads the table.
        unsafe { b::ptcore_hw_info(self.raw.as_ptr(), &mut info) };
        HwInfo(info)
    }

    /// Maps `pgcount` leaves of `pgsize` bytes at `iova` -> `paddr`.
    ///
    /// Safe from many threads at once. Errors (with the bytes mapped before
    /// them): `EINVAL` (size not offered, count 0, misaligned, no READ or
    /// WRITE), `EOVERFLOW`, `ERANGE` (nothing mapped); `EADDRINUSE` (part of
    /// the range already mapped), `ENOMEM`.
    pub fn map_pages(
        &self,
        iova: u64,
        paddr: u64,
        pgsize: u64,
        pgcount: u64,
        prot: Prot,
    ) -> core::result::Result<(), MapError> {
        self.map_pages_gfp(iova, paddr, pgsize, pgcount, prot, 0)
    }

    /// [`PageTable::map_pages`] with allocation flags for new tables (the
    /// kernel's `gfp_t`; passed to [`Driver::alloc_table`]).
    pub fn map_pages_gfp(
        &self,
        iova: u64,
        paddr: u64,
        pgsize: u64,
        pgcount: u64,
        prot: Prot,
        gfp: u32,
    ) -> core::result::Result<(), MapError> {
        let mut mapped = 0u64;
        // SAFETY: `self.raw` is live (type invariant). Maps never free table
        // memory and may run concurrently with each other and with lookups (C
        // concurrency contract), which is all `&self` allows. `mapped` is
        // writable.
        let ret = unsafe {
            b::ptcore_map_pages(
                self.raw.as_ptr(),
                iova,
                paddr,
                pgsize,
                pgcount,
                prot.bits(),
                gfp,
                &mut mapped,
            )
        };
        to_result(ret).map_err(|error| MapError { mapped, error })
    }

    /// Translates `iova`; `None` when it is not mapped or beyond ias.
    pub fn iova_to_phys(&self, iova: u64) -> Option<u64> {
        let mut phys = 0u64;
        // SAFETY: `self.raw` is live; lookups are lock-free and safe with
        // concurrent maps; no unmap can run while `&self` exists.
        let ret = unsafe { b::ptcore_iova_to_phys(self.raw.as_ptr(), iova, &mut phys) };
        (ret == 0).then_some(phys)
    }

    /// Starts a batch of unmaps. The batch holds the table exclusively; its
    /// [`UnmapBatch::sync`] or drop flushes the IOTLB, then frees the tables
    /// the unmaps removed.
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

    /// The raw table, for the hardware model of this crate.
    #[cfg(feature = "model")]
    pub(crate) fn raw(&self) -> *const b::ptcore_table {
        self.raw.as_ptr()
    }

    fn sync_gather(&mut self) {
        // SAFETY: `self.raw` is live and we hold it exclusively; the gather was
        // only used with this table. ptcore flushes, then frees, then
        // re-initialises the gather.
        unsafe { b::ptcore_iotlb_sync(self.raw.as_ptr(), &mut self.gather) };
    }
}

impl<F: Format, D: Driver> Drop for PageTable<'_, F, D> {
    fn drop(&mut self) {
        // Tables left on the gather by a leaked batch get their flush first.
        if !gather_is_empty(&self.gather) {
            self.sync_gather();
        }
        // Destruction frees every table: the IOTLB and walk caches must forget
        // the whole address space first, even if the driver forgot to.
        let ias = self.hw_info().ias();
        let mut all = b::ptcore_gather {
            start: 0,
            end: if ias >= 64 {
                u64::MAX
            } else {
                (1u64 << ias) - 1
            },
            flags: b::PTCORE_GATHER_TABLES,
            ..Default::default()
        };
        all.pgsize = self.hw_info().pgsize_bitmap();
        self.driver.iotlb_flush(Flush::from_raw(&all));
        // SAFETY: we own the table and nothing else uses it any more; the
        // gather is empty, so no table is queued outside ptcore; the driver has
        // just flushed everything the table translated.
        unsafe { b::ptcore_table_destroy(self.raw.as_ptr()) };
    }
}

impl<F: Format, D: Driver> core::fmt::Debug for PageTable<'_, F, D> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PageTable")
            .field("format", &F::NAME)
            .field("hw_info", &self.hw_info())
            .finish()
    }
}

/// A batch of unmaps on one table, holding it exclusively.
///
/// Every [`UnmapBatch::unmap`] removes mappings and records, in the table's
/// `ptcore_gather`, the IOVA range the IOTLB must forget and the tables that
/// became garbage. [`UnmapBatch::sync`] — or dropping the batch — calls
/// [`Driver::iotlb_flush`] once for the whole batch and only then frees those
/// tables. As long as the batch lives nothing else can use the table, and no
/// safe code can reach the queued tables, so "flush before free" is a fact
/// of the types. Even `core::mem::forget` on a batch only delays the flush:
/// the next batch or the table's drop flushes before freeing.
#[must_use = "dropping the batch flushes the IOTLB now; keep it to batch more unmaps, or call sync()"]
pub struct UnmapBatch<'a, 'd, F: Format, D: Driver> {
    table: &'a mut PageTable<'d, F, D>,
}

impl<F: Format, D: Driver> UnmapBatch<'_, '_, F, D> {
    /// Removes the mappings in `[iova, iova + len)` (see `ptcore_unmap`):
    /// returns the bytes removed, which can exceed `len` when the range ends
    /// inside a large leaf (never split: removed whole).
    ///
    /// Errors, with the bytes removed before them: `EINVAL` for `len` 0, for
    /// `iova` inside a leaf (nothing removed), or at the first hole (the part
    /// before it removed and gathered); `EOVERFLOW`; `ERANGE`.
    pub fn unmap(&mut self, iova: u64, len: u64) -> core::result::Result<u64, UnmapError> {
        let mut unmapped = 0u64;
        // SAFETY: the table is live and held exclusively through `&mut`; the
        // gather belongs to it. Tables removed go on the gather and stay
        // allocated until `ptcore_iotlb_sync` after the flush.
        let ret = unsafe {
            b::ptcore_unmap(
                self.table.raw.as_ptr(),
                iova,
                len,
                &mut self.table.gather,
                &mut unmapped,
            )
        };
        match to_result(ret) {
            Ok(()) => Ok(unmapped),
            Err(error) => Err(UnmapError { unmapped, error }),
        }
    }

    /// Kernel-style unmap of `pgcount` pages of `pgsize`: the bytes removed
    /// (0 on invalid arguments).
    pub fn unmap_pages(&mut self, iova: u64, pgsize: u64, pgcount: u64) -> u64 {
        // SAFETY: as for `unmap`.
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
    pub fn table(&self) -> &PageTable<'_, F, D> {
        self.table
    }

    /// Flushes the IOTLB for everything gathered, then frees the removed
    /// tables. Same as dropping the batch, but explicit.
    pub fn sync(self) {
        // Drop does the work.
    }
}

impl<F: Format, D: Driver> Drop for UnmapBatch<'_, '_, F, D> {
    fn drop(&mut self) {
        self.table.sync_gather();
    }
}
