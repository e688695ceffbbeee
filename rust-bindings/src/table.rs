// SPDX-License-Identifier: GPL-2.0 OR MIT
//! [`PageTable`], [`Region`], the unmap batches and [`TableView`]: the safe
//! API over one `ptcore_table`.
//!
//! # Who may touch which IOVAs
//!
//! ptcore's C contract: a map or unmap needs its IOVA range exclusively, a
//! lookup needs its IOVA not to be unmapped concurrently, and only unmap,
//! sync and destroy free table memory. This module turns that into borrows:
//!
//! - `&mut PageTable` holds every IOVA: maps, unmaps (through an
//!   [`UnmapBatch`]) and the split into regions.
//! - A [`Region`] holds `[start, last]`: maps, unmaps and lookups outside it
//!   are refused with `ERANGE` before C is called. Regions come from
//!   [`PageTable::regions`] and split further like `slice::split_at_mut`, so
//!   no two live regions overlap. An unmap frees only tables whose whole span
//!   lies inside its range (hence inside its region), and a map replaces
//!   only an empty table whose span lies inside its own range, so a map,
//!   unmap or lookup in another region never enters a table this region
//!   frees, even when region boundaries do not fall on table boundaries and
//!   upper-level tables are shared. What could break that is a leaf that
//!   straddles a boundary (an unmap removes a leaf whole); so a split point
//!   must be aligned to every leaf size ever mapped in the table (a fresh
//!   table: to the granule), and maps in a region stay inside it.
//! - `&PageTable` (and [`TableView`]) only looks up: lock-free, and no
//!   operation that frees tables can run while it exists.
//! - The `unsafe` forms ([`PageTable::map_pages_unchecked`],
//!   [`SharedBatch::unmap`]) are for DMA-API drivers whose IOVA allocator
//!   already hands out exclusive ranges.

use crate::bindings as b;
use crate::driver::{ByContext, ByOps, Context, CookieKind, Flush, Gfp, IommuOps, Ops};
use crate::error::{to_result, Error, Result};
use crate::format::{Config, Features, Format, Prot};
use crate::phys::PhysRange;
use core::ffi::c_void;
use core::marker::PhantomData;
use core::pin::Pin;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU64, Ordering};

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

/// One run of mappings an [`UnmapBatch::unmap_collect`] removed (`struct
/// ptcore_range`): `size` bytes from `iova`, contiguous in IOVA and in
/// physical address, starting at `paddr`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RemovedRun {
    /// First IOVA of the run.
    pub iova: u64,
    /// The physical address `iova` translated to.
    pub paddr: u64,
    /// Bytes in the run.
    pub size: u64,
}

/// A run of dirty leaves [`UnmapBatch::read_and_clear_dirty`] reports: the
/// same three fields.
pub type DirtyRun = RemovedRun;

/// The `ptcore_range_fn` of [`UnmapBatch::unmap_collect`] and
/// [`UnmapBatch::read_and_clear_dirty`]: hands each run to the closure `arg`
/// points to.
///
/// # Safety
///
/// `arg` is a `&mut C` that is live and not otherwise used for the call;
/// `runs` points to `n` initialised ranges (or `n` is 0).
unsafe extern "C" fn tramp_removed<C: FnMut(RemovedRun)>(
    arg: *mut c_void,
    runs: *const b::ptcore_range,
    n: u32,
) {
    if arg.is_null() || runs.is_null() || n == 0 {
        return;
    }
    // SAFETY: `arg` is the `&mut C` `Core::unmap_collect` or
    // `Core::read_and_clear_dirty` passed, exclusive for the call (caller).
    let f = unsafe { &mut *(arg as *mut C) };
    // SAFETY: ptcore passes `n` initialised runs from its stack, valid for
    // this call (caller).
    let runs = unsafe { core::slice::from_raw_parts(runs, n as usize) };
    for r in runs {
        f(RemovedRun {
            iova: r.iova,
            paddr: r.paddr,
            size: r.size,
        });
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
    /// The format's mode field: AMD IOMMU v1 the DTE's Mode (the levels of
    /// the walk); x86-64 the level count; VT-d second stage the AW field
    /// (levels - 2); RISC-V the iosatp MODE (Sv39 8, Sv48 9, Sv57 10); 0 for
    /// ARM and DART.
    pub fn mode(&self) -> u32 {
        self.0.mode
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

/// A `ptcore_gather` owned by Rust: one per unmap batch owner.
///
/// # Invariants
///
/// Initialised; used with one table only; `freelist` is only ever passed
/// back to ptcore, never dereferenced by Rust.
pub(crate) struct Gather(b::ptcore_gather);

// SAFETY: the gather's fields are plain integers and an opaque `freelist`
// token that only ptcore interprets; ptcore knows a gather by its contents
// (or, in older cores, copes with a gather that moved), so it may move to
// and be used from any thread.
unsafe impl Send for Gather {}
// SAFETY: `&Gather` only reads the integer fields.
unsafe impl Sync for Gather {}

impl Gather {
    fn new() -> Gather {
        let mut g = b::ptcore_gather::default();
        // SAFETY: `g` is a valid, writable gather.
        unsafe { b::ptcore_gather_init(&mut g) };
        Gather(g)
    }

    fn is_empty(&self) -> bool {
        let g = &self.0;
        g.start > g.end && g.nr_tables == 0 && g.freelist.is_null()
    }

    fn has_range(&self) -> bool {
        self.0.start <= self.0.end
    }
}

/// What a table and all its regions share: the C table, the driver and what
/// the split rules need.
///
/// # Invariants
///
/// `raw` is a table created by `ptcore_table_create` with the ops of `D` and
/// a cookie that yields `ops` and `domain`; it is destroyed only by
/// `PageTable`'s `Drop`. `leaf_sizes` has a bit set for every page size any
/// map was ever asked to install.
pub(crate) struct Core<'d, D: IommuOps> {
    raw: NonNull<b::ptcore_table>,
    ops: &'d D,
    domain: &'d D::Domain,
    leaf_sizes: AtomicU64,
    min_page: u64,
    pgsize_bitmap: u64,
    last: u64,
    features: u32,
}

// SAFETY: a `ptcore_table` has no thread affinity (no thread-local state; its
// memory comes from allocators callable from any thread); `ops` and `domain`
// are `&` of `Sync` types.
unsafe impl<D: IommuOps> Send for Core<'_, D> {}

// SAFETY: what `&Core` allows without `unsafe`: `ptcore_iova_to_phys`,
// `ptcore_hw_info` and `ptcore_phys_to_virt`, which are lock-free and safe
// concurrently with each other and with maps and unmaps of other IOVAs (the
// C contract), and atomic updates of `leaf_sizes`. Maps, unmaps and syncs
// through `&Core` are `unsafe fn`s whose callers hold the range exclusively:
// a `&mut PageTable`, a `Region` borrowed mutably, or an `unsafe` caller's
// promise. The callbacks go to `D: Sync` with a `&D::Domain: Sync`.
unsafe impl<D: IommuOps> Sync for Core<'_, D> {}

fn range_last(iova: u64, len: u64) -> Result<u64> {
    if len == 0 {
        return Err(Error::EINVAL);
    }
    iova.checked_add(len - 1).ok_or(Error::EOVERFLOW)
}

impl<'d, D: IommuOps> Core<'d, D> {
    fn hw_info(&self) -> HwInfo {
        let mut info = b::ptcore_hw_info::default();
        // SAFETY: `self.raw` is a live table (type invariant); `info` is writable.
        // ptcore_hw_info is lock-free and only reads the table.
        unsafe { b::ptcore_hw_info(self.raw.as_ptr(), &mut info) };
        HwInfo(info)
    }

    fn lookup(&self, iova: u64) -> Option<u64> {
        let mut phys = 0u64;
        // SAFETY: `self.raw` is live; lookups are lock-free; every holder of
        // `&Core` that can unmap holds the unmapped range exclusively, and
        // the callers of this function hold `iova` against unmaps (a
        // `&PageTable`, a `&Region` containing it, or a batch view).
        let ret = unsafe { b::ptcore_iova_to_phys(self.raw.as_ptr(), iova, &mut phys) };
        (ret == 0).then_some(phys)
    }

    /// Maps `phys` at `iova` with leaves of `pgsize`, after checking that the
    /// range lies in `[start, last]`.
    ///
    /// # Safety
    ///
    /// The caller holds `[iova, iova + phys.len())` exclusively for the call
    /// (no other map, unmap or lookup of it runs), and is not a callback of
    /// this table.
    unsafe fn map(
        &self,
        bounds: (u64, u64),
        iova: u64,
        phys: PhysRange<'d>,
        pgsize: u64,
        prot: Prot,
        gfp: Gfp,
    ) -> core::result::Result<(), MapError> {
        let err = |error| MapError { mapped: 0, error };
        let len = phys.len();
        if pgsize == 0 || len == 0 || len % pgsize != 0 {
            return Err(err(Error::EINVAL));
        }
        let last = range_last(iova, len).map_err(err)?;
        if iova < bounds.0 || last > bounds.1 {
            return Err(err(Error::ERANGE));
        }
        // Recorded before the leaves exist, so that a later split sees it.
        self.leaf_sizes.fetch_or(pgsize, Ordering::Relaxed);
        let mut mapped = 0u64;
        // SAFETY: `self.raw` is live (type invariant); the caller holds the
        // range exclusively, as ptcore_map_pages requires; `mapped` is
        // writable. The physical range is a capability valid for `'d`, which
        // outlives the table and so every mapping in it.
        let ret = unsafe {
            b::ptcore_map_pages(
                self.raw.as_ptr(),
                iova,
                phys.start(),
                pgsize,
                len / pgsize,
                prot.bits(),
                gfp.bits(),
                &mut mapped,
            )
        };
        to_result(ret).map_err(|error| MapError { mapped, error })
    }

    /// Maps `phys` at `iova` with the largest page sizes the alignment
    /// allows at each position (`ptcore_map_range`), after checking that the
    /// range lies in `[start, last]`.
    ///
    /// # Safety
    ///
    /// As for [`Core::map`].
    unsafe fn map_range(
        &self,
        bounds: (u64, u64),
        iova: u64,
        phys: PhysRange<'d>,
        prot: Prot,
        gfp: Gfp,
    ) -> core::result::Result<(), MapError> {
        let err = |error| MapError { mapped: 0, error };
        let len = phys.len();
        let last = range_last(iova, len).map_err(err)?;
        if iova < bounds.0 || last > bounds.1 {
            return Err(err(Error::ERANGE));
        }
        // Every size the split could choose: at most `len`, and one at which
        // `iova` and the physical address can be aligned together (they
        // advance by the same amounts). Recorded before the leaves exist.
        let phase = iova ^ phys.start();
        let mut sizes = 0u64;
        let mut rest = self.pgsize_bitmap;
        while rest != 0 {
            let size = rest & rest.wrapping_neg();
            rest &= rest - 1;
            if size <= len && phase & (size - 1) == 0 {
                sizes |= size;
            }
        }
        self.leaf_sizes.fetch_or(sizes, Ordering::Relaxed);
        let mut mapped = 0u64;
        // SAFETY: as in `map`: the table is live, the caller holds the range
        // exclusively, `mapped` is writable, and the physical range is a
        // capability valid for `'d`, which outlives every mapping in it.
        let ret = unsafe {
            b::ptcore_map_range(
                self.raw.as_ptr(),
                iova,
                phys.start(),
                len,
                prot.bits(),
                gfp.bits(),
                &mut mapped,
            )
        };
        to_result(ret).map_err(|error| MapError { mapped, error })
    }

    /// Unmaps `[iova, iova + len)` into `gather`, after checking that the
    /// range lies in `[start, last]`.
    ///
    /// # Safety
    ///
    /// The caller holds `[iova, iova + len)` exclusively for the call, and
    /// `gather` is only used with this table.
    unsafe fn unmap(
        &self,
        bounds: (u64, u64),
        gather: &mut Gather,
        iova: u64,
        len: u64,
    ) -> core::result::Result<u64, UnmapError> {
        // SAFETY: the caller's promises, passed on; no callback.
        unsafe { self.unmap_with(bounds, gather, iova, len, None, core::ptr::null_mut()) }
    }

    /// [`Core::unmap`] that hands every removed run to `f`, during the call.
    ///
    /// # Safety
    ///
    /// As for [`Core::unmap`].
    unsafe fn unmap_collect<C: FnMut(RemovedRun)>(
        &self,
        bounds: (u64, u64),
        gather: &mut Gather,
        iova: u64,
        len: u64,
        f: &mut C,
    ) -> core::result::Result<u64, UnmapError> {
        let arg = f as *mut C as *mut c_void;
        // SAFETY: the caller's promises, passed on; `arg` is a `&mut C`
        // that outlives the call, and `tramp_removed::<C>` reads it as one.
        unsafe { self.unmap_with(bounds, gather, iova, len, Some(tramp_removed::<C>), arg) }
    }

    /// # Safety
    ///
    /// As for [`Core::unmap`]; `removed`, when set, may be called with `arg`
    /// during the call.
    unsafe fn unmap_with(
        &self,
        bounds: (u64, u64),
        gather: &mut Gather,
        iova: u64,
        len: u64,
        removed: b::ptcore_range_fn,
        arg: *mut c_void,
    ) -> core::result::Result<u64, UnmapError> {
        let err = |error| UnmapError { unmapped: 0, error };
        let last = range_last(iova, len).map_err(err)?;
        if iova < bounds.0 || last > bounds.1 {
            return Err(err(Error::ERANGE));
        }
        let mut unmapped = 0u64;
        // SAFETY: the table is live; the caller holds the range exclusively;
        // the gather belongs to this table. Tables removed go on the gather
        // and stay allocated until `ptcore_iotlb_sync` after the flush.
        // `removed` (if any) runs during the call with no ptcore lock held.
        let ret = unsafe {
            match removed {
                None => b::ptcore_unmap(self.raw.as_ptr(), iova, len, &mut gather.0, &mut unmapped),
                Some(_) => b::ptcore_unmap_collect(
                    self.raw.as_ptr(),
                    iova,
                    len,
                    &mut gather.0,
                    &mut unmapped,
                    removed,
                    arg,
                ),
            }
        };
        match to_result(ret) {
            Ok(()) => Ok(unmapped),
            Err(error) => Err(UnmapError { unmapped, error }),
        }
    }

    /// Hands `f` every dirty leaf overlapping `[iova, iova + len)`, whole
    /// (`ptcore_read_and_clear_dirty`), and unless `keep` makes it clean
    /// again into `gather`, after checking that the range lies in
    /// `[start, last]`.
    ///
    /// # Safety
    ///
    /// The caller holds `[start, last]` against unmaps for the call, and
    /// `gather` is only used with this table.
    unsafe fn read_and_clear_dirty<C: FnMut(DirtyRun)>(
        &self,
        bounds: (u64, u64),
        gather: &mut Gather,
        iova: u64,
        len: u64,
        keep: bool,
        f: &mut C,
    ) -> Result {
        let last = range_last(iova, len)?;
        if iova < bounds.0 || last > bounds.1 {
            return Err(Error::ERANGE);
        }
        let flags = if keep { b::PTCORE_DIRTY_NO_CLEAR } else { 0 };
        let arg = f as *mut C as *mut c_void;
        // SAFETY: the table is live; nothing unmaps the range meanwhile
        // (caller); the gather belongs to this table. A leaf overlapping the
        // range lies inside the bounds, as every map checked its own range
        // against them. Only dirty state changes: no output address, no
        // table memory freed. `arg` is a `&mut C` that outlives the call,
        // and `tramp_removed::<C>` reads it as one.
        let ret = unsafe {
            b::ptcore_read_and_clear_dirty(
                self.raw.as_ptr(),
                iova,
                len,
                flags,
                &mut gather.0,
                Some(tramp_removed::<C>),
                arg,
            )
        };
        to_result(ret)
    }

    /// Cuts the leaf that spans `iova` (`ptcore_cut`) into `gather`, after
    /// checking that `iova`, and the span of any leaf that could hold it, lie
    /// in `[start, last]`.
    ///
    /// # Safety
    ///
    /// The caller holds `[start, last]` exclusively for the call (the old
    /// leaf lies inside it), and `gather` is only used with this table.
    unsafe fn cut(&self, bounds: (u64, u64), gather: &mut Gather, iova: u64, gfp: Gfp) -> Result {
        if iova < bounds.0 || iova > bounds.1 {
            return Err(Error::ERANGE);
        }
        if iova % self.min_page != 0 {
            return Err(Error::EINVAL);
        }
        // The old leaf is at most the largest size ever mapped, aligned to
        // it: that whole window must lie in the bounds (conservative: a
        // smaller leaf there would have fitted).
        let sizes = self.leaf_sizes.load(Ordering::Relaxed) | self.min_page;
        let largest = 1u64 << (63 - sizes.leading_zeros());
        let first = iova & !(largest - 1);
        let last = first.checked_add(largest - 1).ok_or(Error::EOVERFLOW)?;
        if first < bounds.0 || last > bounds.1 {
            return Err(Error::ERANGE);
        }
        // SAFETY: the table is live; the caller holds the old leaf's span
        // exclusively, as ptcore_cut requires; the gather belongs to this
        // table. The new leaves keep the old output addresses, so no new
        // physical memory becomes reachable; no table is freed.
        let ret = unsafe { b::ptcore_cut(self.raw.as_ptr(), iova, gfp.bits(), &mut gather.0) };
        to_result(ret)
    }

    /// Flushes what `gather` holds, then frees its tables.
    ///
    /// # Safety
    ///
    /// `gather` was only used with this table, by callers that held the
    /// ranges they unmapped exclusively.
    unsafe fn sync(&self, gather: &mut Gather) {
        // SAFETY: the table is live and the gather is this table's (caller).
        // ptcore flushes, then frees the gather's tables (and tables maps
        // replaced, which were flushed then), then re-initialises the gather.
        unsafe { b::ptcore_iotlb_sync(self.raw.as_ptr(), &mut gather.0) };
    }

    /// Whether `[start, mid)` and `[mid, last]` are valid halves.
    fn check_split(&self, start: u64, last: u64, mid: u64) -> Result {
        let sizes = self.leaf_sizes.load(Ordering::Relaxed) | self.min_page | 1;
        let align = 1u64 << (63 - sizes.leading_zeros());
        if mid <= start || mid > last || mid % align != 0 {
            return Err(Error::EINVAL);
        }
        Ok(())
    }

    fn view(&self, start: u64, last: u64) -> TableView<'_> {
        // INVARIANT: the callers hold `[start, last]` against unmaps for the
        // borrow of `self` they pass.
        TableView {
            raw: self.raw,
            hw: self.hw_info(),
            start,
            last,
            _borrow: PhantomData,
        }
    }
}

/// An IOMMU page table of format `F`, whose IOTLB is flushed by `D`.
///
/// # Safety model
///
/// - Maps need exclusivity of their range: [`PageTable::map_pages`] takes
///   `&mut self`; for concurrency, split the table into [`Region`]s with
///   [`PageTable::regions`]; DMA-API drivers whose IOVA allocator already
///   guarantees exclusive ranges use [`PageTable::map_pages_unchecked`].
/// - What maps need is a [`PhysRange`], never a bare physical address.
/// - Unmapping goes into a gather owned by an [`UnmapBatch`] (or a region's,
///   or a [`SharedBatch`]); its sync, or its drop, flushes through
///   [`IommuOps::iotlb_flush`] and only then frees the removed tables.
/// - `&PageTable` only looks up ([`PageTable::iova_to_phys`], the hardware
///   model), which ptcore allows concurrently; nothing that frees table
///   memory can run while a `&PageTable` exists.
/// - The gather may move (a `PageTable` may be moved after an
///   [`UnmapBatch`] was leaked with `mem::forget`): ptcore knows a gather by
///   its contents, and older cores flush such tables themselves before
///   freeing them. What C keeps the address of is the cookie: the `&'d D`
///   or the pinned [`Context`], borrowed for `'d`.
///
/// # Invariants
///
/// `core` is live until `Drop`; `gather` is only used with it.
pub struct PageTable<'d, F: Format, D: IommuOps> {
    core: Core<'d, D>,
    gather: Gather,
    _format: PhantomData<F>,
}

impl<'d, F: Format, D: IommuOps<Domain = ()>> PageTable<'d, F, D> {
    /// Creates an empty table whose callbacks go to `ops` (a per-domain ops
    /// object: its domain is `()`). The C core validates the configuration.
    ///
    /// Errors: `EINVAL` for a configuration the format cannot do (or
    /// [`Features::DMA_INCOHERENT`] without [`IommuOps::SYNC_TABLE`]),
    /// `EOPNOTSUPP` for a feature it lacks, `ENOMEM`.
    pub fn new(config: &Config<F>, ops: &'d D) -> Result<Self> {
        let cookie = ops as *const D as *mut c_void;
        // SAFETY: the cookie is `ops`, borrowed for `'d` (the table's life),
        // and of kind `ByOps`.
        unsafe { Self::create::<ByOps>(config, cookie, ops, &()) }
    }
}

impl<'d, F: Format, D: IommuOps> PageTable<'d, F, D> {
    /// Creates an empty table for the driver and domain of `ctx`, which the
    /// table borrows (pinned: ptcore keeps its address) for its whole life.
    pub fn with_context(config: &Config<F>, ctx: Pin<&'d Context<'d, D>>) -> Result<Self> {
        let cookie = ctx.cookie();
        let ctx = ctx.get_ref();
        // SAFETY: the cookie is the pinned context, borrowed for `'d`, and of
        // kind `ByContext`.
        unsafe { Self::create::<ByContext>(config, cookie, ctx.ops(), ctx.domain()) }
    }

    /// # Safety
    ///
    /// `cookie` is of kind `K`, yields `ops` and `domain`, and stays valid
    /// for `'d`.
    unsafe fn create<K: CookieKind<D>>(
        config: &Config<F>,
        cookie: *mut c_void,
        ops: &'d D,
        domain: &'d D::Domain,
    ) -> Result<Self> {
        // A walker that does not snoop needs every table write synced: the
        // driver must say how (cores since the per-gather freelists refuse
        // this too; older ones silently skipped the sync).
        if config.features_raw().contains(Features::DMA_INCOHERENT) && !D::SYNC_TABLE {
            return Err(Error::EINVAL);
        }
        let mut cfg = config.to_raw();
        // The ops table is a constant promoted to `'static`.
        let table_ops: &'static b::ptcore_ops = &Ops::<D, K>::OPS;
        cfg.ops = table_ops;
        cfg.cookie = cookie;
        let mut raw: *mut b::ptcore_table = core::ptr::null_mut();
        // SAFETY: `cfg` and `raw` are valid for the call. The ops are
        // `'static`; the cookie stays valid for `'d`, as long as the table
        // lives, as the trampolines of kind `K` require (caller).
        to_result(unsafe { b::ptcore_table_create(&cfg, &mut raw) })?;
        let raw = NonNull::new(raw).ok_or(Error::ENOMEM)?;
        let mut core = Core {
            raw,
            ops,
            domain,
            leaf_sizes: AtomicU64::new(0),
            min_page: 0,
            pgsize_bitmap: 0,
            last: 0,
            features: config.features_raw().bits(),
        };
        let hw = core.hw_info();
        let bitmap = hw.pgsize_bitmap();
        core.min_page = bitmap & bitmap.wrapping_neg();
        core.pgsize_bitmap = bitmap;
        core.last = if hw.ias() >= 64 {
            u64::MAX
        } else {
            (1u64 << hw.ias()) - 1
        };
        // INVARIANT: created just above with the ops of `D` and the cookie.
        Ok(PageTable {
            core,
            gather: Gather::new(),
            _format: PhantomData,
        })
    }

    /// The driver's ops this table calls back.
    pub fn ops(&self) -> &'d D {
        self.core.ops
    }

    /// The domain this table's callbacks receive.
    pub fn domain(&self) -> &'d D::Domain {
        self.core.domain
    }

    /// Describes the table for the hardware (root addresses, translation
    /// control fields).
    #[must_use]
    pub fn hw_info(&self) -> HwInfo {
        self.core.hw_info()
    }

    /// A read-only view of the whole table (lookups, the hardware model).
    #[must_use]
    pub fn view(&self) -> TableView<'_> {
        self.core.view(0, self.core.last)
    }

    /// Maps `phys` at `iova` with leaves of `pgsize` bytes (`phys.len() /
    /// pgsize` of them), allocating new tables with [`Gfp::KERNEL`].
    ///
    /// Errors (with the bytes mapped before them): `EINVAL` (size not
    /// offered, `phys` empty or not a multiple of `pgsize`, misaligned, no
    /// READ or WRITE), `EOVERFLOW`, `ERANGE` (nothing mapped); `EADDRINUSE`
    /// (part of the range already mapped), `ENOMEM`.
    pub fn map_pages(
        &mut self,
        iova: u64,
        phys: PhysRange<'d>,
        pgsize: u64,
        prot: Prot,
    ) -> core::result::Result<(), MapError> {
        self.map_pages_gfp(iova, phys, pgsize, prot, Gfp::KERNEL)
    }

    /// [`PageTable::map_pages`] with allocation flags for new tables (passed
    /// to [`IommuOps::alloc_table`]).
    pub fn map_pages_gfp(
        &mut self,
        iova: u64,
        phys: PhysRange<'d>,
        pgsize: u64,
        prot: Prot,
        gfp: Gfp,
    ) -> core::result::Result<(), MapError> {
        // SAFETY: `&mut self` holds every IOVA of the table, and no callback
        // can reach a `&mut PageTable` that is in use.
        unsafe {
            self.core
                .map((0, self.core.last), iova, phys, pgsize, prot, gfp)
        }
    }

    /// Maps `phys` at `iova` with the best mix of page sizes (see
    /// `ptcore_map_range`): at each position the largest size of
    /// [`HwInfo::pgsize_bitmap`] that both addresses are aligned to and that
    /// fits in what is left, exactly as Linux's `iommu_pgsize()` would split
    /// the range into [`PageTable::map_pages`] calls, and leaving the same
    /// tables; but in one walk. New tables are allocated with
    /// [`Gfp::KERNEL`].
    ///
    /// Errors (with the bytes mapped before them): `EINVAL` (`phys` empty,
    /// `iova`, its start or its length not aligned to the smallest page
    /// size, no READ or WRITE), `EOVERFLOW`, `ERANGE` (nothing mapped);
    /// `EADDRINUSE`, `ENOMEM`.
    pub fn map_range(
        &mut self,
        iova: u64,
        phys: PhysRange<'d>,
        prot: Prot,
    ) -> core::result::Result<(), MapError> {
        self.map_range_gfp(iova, phys, prot, Gfp::KERNEL)
    }

    /// [`PageTable::map_range`] with allocation flags for new tables.
    pub fn map_range_gfp(
        &mut self,
        iova: u64,
        phys: PhysRange<'d>,
        prot: Prot,
        gfp: Gfp,
    ) -> core::result::Result<(), MapError> {
        // SAFETY: `&mut self` holds every IOVA of the table, and no callback
        // can reach a `&mut PageTable` that is in use.
        unsafe {
            self.core
                .map_range((0, self.core.last), iova, phys, prot, gfp)
        }
    }

    /// [`PageTable::map_pages_gfp`] through a shared reference, for drivers
    /// whose IOVA allocator already guarantees exclusive ranges (the DMA
    /// API: `iommu_map()` callers own the IOVAs they map).
    ///
    /// # Safety
    ///
    /// For the duration of the call, no other map, unmap or lookup
    /// (including [`PageTable::iova_to_phys`] and hardware-model walks) of
    /// any IOVA in `[iova, iova + phys.len())` runs, on any thread; and the
    /// call is not made from inside a callback of this table. (Maps and
    /// unmaps of other ranges may run concurrently.)
    pub unsafe fn map_pages_unchecked(
        &self,
        iova: u64,
        phys: PhysRange<'d>,
        pgsize: u64,
        prot: Prot,
        gfp: Gfp,
    ) -> core::result::Result<(), MapError> {
        // SAFETY: the caller holds the range exclusively (`# Safety`).
        unsafe {
            self.core
                .map((0, self.core.last), iova, phys, pgsize, prot, gfp)
        }
    }

    /// Translates `iova`; `None` when it is not mapped or beyond ias.
    #[must_use]
    pub fn iova_to_phys(&self, iova: u64) -> Option<u64> {
        self.core.lookup(iova)
    }

    /// Starts a batch of unmaps. The batch holds the table exclusively; its
    /// [`UnmapBatch::sync`] or drop flushes the IOTLB, then frees the tables
    /// the unmaps removed.
    pub fn unmap_batch(&mut self) -> UnmapBatch<'_, 'd, D> {
        UnmapBatch {
            core: &self.core,
            gather: &mut self.gather,
            start: 0,
            last: self.core.last,
        }
    }

    /// Unmaps `[iova, iova + len)` and flushes at once: a batch of one.
    pub fn unmap(&mut self, iova: u64, len: u64) -> core::result::Result<u64, UnmapError> {
        let mut batch = self.unmap_batch();
        let ret = batch.unmap(iova, len);
        batch.sync();
        ret
    }

    /// [`UnmapBatch::unmap_collect`] in a batch of one (flushed, and the
    /// removed tables freed, before it returns).
    pub fn unmap_collect(
        &mut self,
        iova: u64,
        len: u64,
        removed: impl FnMut(RemovedRun),
    ) -> core::result::Result<u64, UnmapError> {
        let mut batch = self.unmap_batch();
        let ret = batch.unmap_collect(iova, len, removed);
        batch.sync();
        ret
    }

    /// [`UnmapBatch::read_and_clear_dirty`] in a batch of one (flushed before
    /// it returns, so the next read sees only writes made after this one).
    pub fn read_and_clear_dirty(
        &mut self,
        iova: u64,
        len: u64,
        dirty: impl FnMut(DirtyRun),
    ) -> Result {
        let mut batch = self.unmap_batch();
        let ret = batch.read_and_clear_dirty(iova, len, dirty);
        batch.sync();
        ret
    }

    /// A batch with its own gather for [`SharedBatch::unmap`], the `unsafe`
    /// concurrent unmap of DMA-API drivers.
    pub fn shared_batch(&self) -> SharedBatch<'_, 'd, D> {
        SharedBatch {
            core: &self.core,
            gather: Gather::new(),
        }
    }

    /// Runs `f` with the whole table as one [`Region`], to be split into
    /// disjoint regions (with [`Region::split_at_mut`] or
    /// [`Region::split_at`]) that may be used from different threads at
    /// once, each with its own unmap batch.
    ///
    /// The regions cannot leave `f` (each call gets its own, fresh region
    /// lifetime), so no driver callback can ever reach one. Every region is
    /// synced when dropped, at the latest when `f` returns.
    ///
    /// Errors: `EOPNOTSUPP` for a table with
    /// [`Features::FREE_EMPTY_TABLES`], whose unmaps may free tables outside
    /// their range.
    pub fn regions<R>(&mut self, f: impl for<'r> FnOnce(Region<'r, 'd, F, D>) -> R) -> Result<R> {
        if self.core.features & Features::FREE_EMPTY_TABLES.bits() != 0 {
            return Err(Error::EOPNOTSUPP);
        }
        let whole = Region {
            core: &self.core,
            gather: Gather::new(),
            start: 0,
            last: self.core.last,
            _format: PhantomData,
        };
        Ok(f(whole))
    }
}

/// Destroys the table when dropped, even while unwinding.
struct DestroyGuard(NonNull<b::ptcore_table>);

impl Drop for DestroyGuard {
    fn drop(&mut self) {
        // SAFETY: the guard is made only by `PageTable::drop`, which owns the
        // table, after which nothing uses it; every Rust gather of it has
        // been synced (regions sync on drop, the table's own just before),
        // and the driver was asked to flush the whole address space.
        unsafe { b::ptcore_table_destroy(self.0.as_ptr()) };
    }
}

impl<F: Format, D: IommuOps> Drop for PageTable<'_, F, D> {
    fn drop(&mut self) {
        // From here on the table is destroyed even if a callback panics.
        let _destroy = DestroyGuard(self.core.raw);
        // Tables left on the gather by a leaked batch get their flush first.
        if !self.gather.is_empty() {
            // SAFETY: we own the table; the gather is its own.
            unsafe { self.core.sync(&mut self.gather) };
        }
        // Destruction frees every table: the IOTLB and walk caches must forget
        // the whole input address space first, even if the driver forgot to.
        let all = b::ptcore_gather {
            start: 0,
            end: self.core.last,
            pgsize: self.core.hw_info().pgsize_bitmap(),
            flags: b::PTCORE_GATHER_TABLES,
            ..Default::default()
        };
        self.core
            .ops
            .iotlb_flush(&Flush::new(&all, self.core.domain));
    }
}

impl<F: Format, D: IommuOps> core::fmt::Debug for PageTable<'_, F, D> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PageTable")
            .field("format", &F::NAME)
            .field("hw_info", &self.hw_info())
            .finish()
    }
}

/// An exclusive IOVA range `[start, last]` of a [`PageTable`], with its own
/// unmap batch: the unit of concurrency.
///
/// Made by [`PageTable::regions`] and split like `slice::split_at_mut`;
/// `Send` (move it to a thread) and `Sync` (lookups). Maps, unmaps and
/// lookups outside the region are refused with `ERANGE` before C is called.
/// Dropping the region syncs its batch.
///
/// Region boundaries need not be aligned to table spans: regions may share
/// upper-level (and leaf) tables. They must be aligned to every leaf size
/// mapped in the table so far (see [`Region::split_at_mut`]), so that no
/// leaf straddles a boundary.
pub struct Region<'r, 'd, F: Format, D: IommuOps> {
    core: &'r Core<'d, D>,
    gather: Gather,
    start: u64,
    last: u64,
    _format: PhantomData<F>,
}

impl<'r, 'd, F: Format, D: IommuOps> Region<'r, 'd, F, D> {
    /// First IOVA of the region.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// Last IOVA of the region (inclusive).
    pub fn last(&self) -> u64 {
        self.last
    }

    /// Whether `[iova, iova + len)` lies in the region.
    pub fn contains(&self, iova: u64, len: u64) -> bool {
        matches!(range_last(iova, len), Ok(l) if iova >= self.start && l <= self.last)
    }

    /// The table's hardware description.
    #[must_use]
    pub fn hw_info(&self) -> HwInfo {
        self.core.hw_info()
    }

    /// A read-only view of the region (lookups, the hardware model).
    #[must_use]
    pub fn view(&self) -> TableView<'_> {
        self.core.view(self.start, self.last)
    }

    /// Splits at `mid` into `[start, mid)` and `[mid, last]`, which borrow
    /// this region (usable again once they are gone). The halves start with
    /// empty batches; this region's pending batch stays with it.
    ///
    /// Errors: `EINVAL` when `mid` is not strictly inside the region or not
    /// aligned to the largest leaf size ever mapped in the table (the
    /// granule, for a table that only ever mapped granule-sized pages).
    pub fn split_at_mut(
        &mut self,
        mid: u64,
    ) -> Result<(Region<'_, 'd, F, D>, Region<'_, 'd, F, D>)> {
        self.core.check_split(self.start, self.last, mid)?;
        Ok((
            Region {
                core: self.core,
                gather: Gather::new(),
                start: self.start,
                last: mid - 1,
                _format: PhantomData,
            },
            Region {
                core: self.core,
                gather: Gather::new(),
                start: mid,
                last: self.last,
                _format: PhantomData,
            },
        ))
    }

    /// Splits at `mid` like [`Region::split_at_mut`], consuming the region:
    /// its batch is synced first. On error the region comes back unchanged.
    pub fn split_at(self, mid: u64) -> core::result::Result<(Self, Self), (Self, Error)> {
        if let Err(e) = self.core.check_split(self.start, self.last, mid) {
            return Err((self, e));
        }
        let (core, start, last) = (self.core, self.start, self.last);
        drop(self); // syncs
        Ok((
            Region {
                core,
                gather: Gather::new(),
                start,
                last: mid - 1,
                _format: PhantomData,
            },
            Region {
                core,
                gather: Gather::new(),
                start: mid,
                last,
                _format: PhantomData,
            },
        ))
    }

    /// Maps `phys` at `iova` (see [`PageTable::map_pages`]); `ERANGE` when
    /// `[iova, iova + phys.len())` is not inside the region.
    pub fn map_pages(
        &mut self,
        iova: u64,
        phys: PhysRange<'d>,
        pgsize: u64,
        prot: Prot,
    ) -> core::result::Result<(), MapError> {
        self.map_pages_gfp(iova, phys, pgsize, prot, Gfp::KERNEL)
    }

    /// [`Region::map_pages`] with allocation flags.
    pub fn map_pages_gfp(
        &mut self,
        iova: u64,
        phys: PhysRange<'d>,
        pgsize: u64,
        prot: Prot,
        gfp: Gfp,
    ) -> core::result::Result<(), MapError> {
        // SAFETY: `&mut self` holds `[start, last]` exclusively (regions never
        // overlap), the range is checked to lie inside it before C is called,
        // and no callback can reach a region.
        unsafe {
            self.core
                .map((self.start, self.last), iova, phys, pgsize, prot, gfp)
        }
    }

    /// Maps `phys` at `iova` with the best mix of page sizes (see
    /// [`PageTable::map_range`]); `ERANGE` when `[iova, iova + phys.len())`
    /// is not inside the region.
    pub fn map_range(
        &mut self,
        iova: u64,
        phys: PhysRange<'d>,
        prot: Prot,
    ) -> core::result::Result<(), MapError> {
        self.map_range_gfp(iova, phys, prot, Gfp::KERNEL)
    }

    /// [`Region::map_range`] with allocation flags.
    pub fn map_range_gfp(
        &mut self,
        iova: u64,
        phys: PhysRange<'d>,
        prot: Prot,
        gfp: Gfp,
    ) -> core::result::Result<(), MapError> {
        // SAFETY: as in `map_pages_gfp`: `&mut self` holds the region, and
        // the range is checked to lie inside it before C is called.
        unsafe {
            self.core
                .map_range((self.start, self.last), iova, phys, prot, gfp)
        }
    }

    /// Translates `iova`: `ENOENT` when not mapped, `ERANGE` outside the
    /// region.
    pub fn iova_to_phys(&self, iova: u64) -> Result<u64> {
        if iova < self.start || iova > self.last {
            return Err(Error::ERANGE);
        }
        self.core.lookup(iova).ok_or(Error::ENOENT)
    }

    /// Starts a batch of unmaps in the region's own gather.
    pub fn unmap_batch(&mut self) -> UnmapBatch<'_, 'd, D> {
        UnmapBatch {
            core: self.core,
            gather: &mut self.gather,
            start: self.start,
            last: self.last,
        }
    }

    /// Unmaps `[iova, iova + len)` and syncs: a batch of one.
    pub fn unmap(&mut self, iova: u64, len: u64) -> core::result::Result<u64, UnmapError> {
        let mut batch = self.unmap_batch();
        let ret = batch.unmap(iova, len);
        batch.sync();
        ret
    }

    /// [`UnmapBatch::unmap_collect`] in a batch of one (synced before it
    /// returns).
    pub fn unmap_collect(
        &mut self,
        iova: u64,
        len: u64,
        removed: impl FnMut(RemovedRun),
    ) -> core::result::Result<u64, UnmapError> {
        let mut batch = self.unmap_batch();
        let ret = batch.unmap_collect(iova, len, removed);
        batch.sync();
        ret
    }
}

impl<F: Format, D: IommuOps> Drop for Region<'_, '_, F, D> {
    fn drop(&mut self) {
        if !self.gather.is_empty() {
            // SAFETY: the gather was only used for unmaps inside this
            // region, which we hold exclusively.
            unsafe { self.core.sync(&mut self.gather) };
        }
    }
}

impl<F: Format, D: IommuOps> core::fmt::Debug for Region<'_, '_, F, D> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Region")
            .field("format", &F::NAME)
            .field("start", &format_args!("{:#x}", self.start))
            .field("last", &format_args!("{:#x}", self.last))
            .finish()
    }
}

/// A batch of unmaps in one gather: of a whole table (from
/// [`PageTable::unmap_batch`]) or of a region ([`Region::unmap_batch`]).
///
/// Every [`UnmapBatch::unmap`] removes mappings and records, in the gather,
/// the IOVA range the IOTLB must forget and the tables that became garbage.
/// [`UnmapBatch::sync`] — or dropping the batch — calls
/// [`IommuOps::iotlb_flush`] once for the whole batch and only then frees
/// those tables. The batch holds its table or region exclusively, and no
/// safe code can reach the queued tables, so "flush before free" is a fact
/// of the types. `core::mem::forget` on a batch only delays the flush: the
/// gather stays with its owner, whose next batch or drop flushes before
/// freeing.
#[must_use = "dropping the batch flushes the IOTLB now; keep it to batch more unmaps, or call sync()"]
pub struct UnmapBatch<'a, 'd, D: IommuOps> {
    core: &'a Core<'d, D>,
    gather: &'a mut Gather,
    start: u64,
    last: u64,
}

impl<'d, D: IommuOps> UnmapBatch<'_, 'd, D> {
    /// Removes the mappings in `[iova, iova + len)` (see `ptcore_unmap`):
    /// returns the bytes removed, which can exceed `len` when the range ends
    /// inside a large leaf (never split: removed whole).
    ///
    /// Errors, with the bytes removed before them: `EINVAL` for `len` 0, for
    /// `iova` inside a leaf (nothing removed), or at the first hole (the part
    /// before it removed and gathered); `EOVERFLOW`; `ERANGE` (beyond ias, or
    /// outside the region; nothing removed).
    pub fn unmap(&mut self, iova: u64, len: u64) -> core::result::Result<u64, UnmapError> {
        // SAFETY: the batch holds its table or region exclusively, and the
        // range is checked against its bounds before C is called.
        unsafe {
            self.core
                .unmap((self.start, self.last), self.gather, iova, len)
        }
    }

    /// [`UnmapBatch::unmap`] that also hands `removed` every mapping it
    /// takes away (see `ptcore_unmap_collect`), as [`RemovedRun`]s in IOVA
    /// order, coalesced into maximal runs contiguous in IOVA and physical
    /// address; leaves of wholly removed tables too. The sizes add up to the
    /// bytes removed, also when the unmap stops at a hole.
    ///
    /// `removed` runs during the call, from inside ptcore's walk, and cannot
    /// reach this batch's table or region: the batch borrows it mutably for
    /// the call (it may use other regions, which hold other IOVAs, as another
    /// thread could). It cannot fail or stop the walk; a panic in it aborts.
    ///
    /// ```
    /// # use ptcore::{ArmLpaeS1, Config, Flush, IommuOps, PageTable, PhysRange, Prot, RemovedRun};
    /// # struct Ops;
    /// # impl IommuOps for Ops { type Domain = (); fn iotlb_flush(&self, _: &Flush) {} }
    /// # let ops = Ops;
    /// let mut pt = PageTable::new(&Config::<ArmLpaeS1>::new(48, 48), &ops)?;
    /// // SAFETY: a doctest: no device ever accesses this memory.
    /// let buf = unsafe { PhysRange::new(0x8_0000_0000, 0x20_2000) };
    /// pt.map_range(0, buf, Prot::READ)?; // one 2M block, two 4K pages
    /// let mut runs = Vec::new();
    /// let mut batch = pt.unmap_batch();
    /// batch.unmap_collect(0, 0x20_2000, |r| runs.push(r))?;
    /// batch.sync();
    /// assert_eq!(runs, [RemovedRun { iova: 0, paddr: 0x8_0000_0000, size: 0x20_2000 }]);
    /// # Ok::<(), ptcore::Error>(())
    /// ```
    pub fn unmap_collect(
        &mut self,
        iova: u64,
        len: u64,
        mut removed: impl FnMut(RemovedRun),
    ) -> core::result::Result<u64, UnmapError> {
        // SAFETY: as in `unmap`; the closure cannot reach the table or
        // region, which `self` borrows mutably.
        unsafe {
            self.core.unmap_collect(
                (self.start, self.last),
                self.gather,
                iova,
                len,
                &mut removed,
            )
        }
    }

    /// Makes `iova` the boundary of a leaf (see `ptcore_cut`): a leaf that
    /// spans it is replaced by smaller leaves with the same translations, so
    /// that an unmap between two cut points succeeds even inside what was one
    /// large page. The gather gets the old leaf's span and size, and the
    /// batch's sync flushes the stale large IOTLB entry. Without
    /// [`Features::ARM_BBML2`] the core also flushes the old span itself,
    /// between clearing the old entries and writing the new
    /// (break-before-make); with it the cut is hitless.
    ///
    /// Errors (nothing changed, nothing gathered): `EINVAL` for `iova` not
    /// aligned to the smallest page size; `ERANGE` beyond ias, or when
    /// `iova`, or the span of a leaf of the largest size ever mapped at
    /// `iova`, is not inside the batch's table or region; `ENOMEM`.
    ///
    /// ```
    /// # use ptcore::{ArmLpaeS1, Config, Flush, Gfp, IommuOps, PageTable, PhysRange, Prot};
    /// # struct Ops;
    /// # impl IommuOps for Ops { type Domain = (); fn iotlb_flush(&self, _: &Flush) {} }
    /// # let ops = Ops;
    /// let mut pt = PageTable::new(&Config::<ArmLpaeS1>::new(48, 48), &ops)?;
    /// // SAFETY: a doctest: no device ever accesses this memory.
    /// let buf = unsafe { PhysRange::new(0x8_0000_0000, 0x20_0000) };
    /// pt.map_range(0, buf, Prot::READ)?; // one 2M block
    /// let mut batch = pt.unmap_batch();
    /// batch.cut(0x1000, Gfp::KERNEL)?;
    /// batch.cut(0x2000, Gfp::KERNEL)?;
    /// assert_eq!(batch.unmap(0x1000, 0x1000), Ok(0x1000));
    /// batch.sync();
    /// assert_eq!(pt.iova_to_phys(0x1000), None);
    /// assert_eq!(pt.iova_to_phys(0x2000), Some(0x8_0000_2000));
    /// # Ok::<(), ptcore::Error>(())
    /// ```
    pub fn cut(&mut self, iova: u64, gfp: Gfp) -> Result {
        // SAFETY: the batch holds its table or region exclusively; `iova`
        // and the old leaf's span are checked against its bounds before C
        // is called; the gather is this batch owner's.
        unsafe {
            self.core
                .cut((self.start, self.last), self.gather, iova, gfp)
        }
    }

    /// Hands `dirty` every leaf overlapping `[iova, iova + len)` that a
    /// device wrote since it was last made clean (see
    /// `ptcore_read_and_clear_dirty`), whole and in IOVA order, coalesced
    /// into runs contiguous in IOVA and physical address, and makes each one
    /// clean again; the batch's sync flushes them, so that the next read
    /// reports only writes made after it. A new writable mapping starts
    /// dirty. Holes are skipped.
    ///
    /// Errors (nothing changed): `EOPNOTSUPP` without
    /// [`Features::DIRTY_TRACKING`]; `EINVAL` for `len` 0; `EOVERFLOW`;
    /// `ERANGE` beyond ias or outside the batch's table or region.
    ///
    /// ```
    /// # use ptcore::{ArmLpaeS1, Config, DirtyRun, Features, Flush, IommuOps, PageTable, PhysRange, Prot};
    /// # struct Ops;
    /// # impl IommuOps for Ops { type Domain = (); fn iotlb_flush(&self, _: &Flush) {} }
    /// # let ops = Ops;
    /// let cfg = Config::<ArmLpaeS1>::new(48, 48).features(Features::DIRTY_TRACKING);
    /// let mut pt = PageTable::new(&cfg, &ops)?;
    /// // SAFETY: a doctest: no device ever accesses this memory.
    /// let buf = unsafe { PhysRange::new(0x8_0000_0000, 0x20_0000) };
    /// pt.map_range(0x20_0000, buf, Prot::READ | Prot::WRITE)?; // one 2M block
    /// let mut runs = Vec::new();
    /// pt.read_and_clear_dirty(0x20_1000, 0x1000, |r| runs.push(r))?;
    /// assert_eq!(runs, [DirtyRun { iova: 0x20_0000, paddr: 0x8_0000_0000, size: 0x20_0000 }]);
    /// runs.clear();
    /// pt.read_and_clear_dirty(0, 1 << 30, |r| runs.push(r))?; // clean now
    /// assert!(runs.is_empty());
    /// # Ok::<(), ptcore::Error>(())
    /// ```
    pub fn read_and_clear_dirty(
        &mut self,
        iova: u64,
        len: u64,
        mut dirty: impl FnMut(DirtyRun),
    ) -> Result {
        // SAFETY: the batch holds its table or region exclusively (no unmap
        // of it runs), the range is checked against its bounds before C is
        // called, and the gather is this batch owner's. The closure cannot
        // reach the table or region, which `self` borrows mutably.
        unsafe {
            self.core.read_and_clear_dirty(
                (self.start, self.last),
                self.gather,
                iova,
                len,
                false,
                &mut dirty,
            )
        }
    }

    /// [`UnmapBatch::read_and_clear_dirty`] that leaves the dirty state as
    /// it is (`PTCORE_DIRTY_NO_CLEAR`): nothing is gathered.
    pub fn read_dirty(&mut self, iova: u64, len: u64, mut dirty: impl FnMut(DirtyRun)) -> Result {
        // SAFETY: as in `read_and_clear_dirty`; nothing changes.
        unsafe {
            self.core.read_and_clear_dirty(
                (self.start, self.last),
                self.gather,
                iova,
                len,
                true,
                &mut dirty,
            )
        }
    }

    /// Kernel-style unmap of `pgcount` pages of `pgsize`: the bytes removed,
    /// or the error with the bytes removed before it (`EOVERFLOW` when the
    /// product overflows).
    pub fn unmap_pages(
        &mut self,
        iova: u64,
        pgsize: u64,
        pgcount: u64,
    ) -> core::result::Result<u64, UnmapError> {
        let len = pgsize.checked_mul(pgcount).ok_or(UnmapError {
            unmapped: 0,
            error: Error::EOVERFLOW,
        })?;
        self.unmap(iova, len)
    }

    /// What the flush will cover so far (`None` when nothing is gathered).
    #[must_use]
    pub fn pending(&self) -> Option<Flush<'_, D::Domain>> {
        self.gather
            .has_range()
            .then(|| Flush::new(&self.gather.0, self.core.domain))
    }

    /// A read-only view of what the batch holds, for lookups (and the
    /// hardware model) while the batch is open.
    #[must_use]
    pub fn view(&self) -> TableView<'_> {
        self.core.view(self.start, self.last)
    }

    /// Flushes the IOTLB for everything gathered, then frees the removed
    /// tables. Same as dropping the batch, but explicit.
    pub fn sync(self) {
        // Drop does the work.
    }
}

impl<D: IommuOps> Drop for UnmapBatch<'_, '_, D> {
    fn drop(&mut self) {
        // SAFETY: the gather was only used for unmaps this batch's owner held
        // exclusively.
        unsafe { self.core.sync(self.gather) };
    }
}

/// A gather of its own for concurrent, `unsafe` unmaps through a shared
/// [`PageTable`] (DMA-API drivers). Sync or drop flushes, then frees.
///
/// ```
/// # use ptcore::{ArmLpaeS1, Config, Flush, Gfp, IommuOps, PageTable, PhysRange, Prot};
/// # struct Ops;
/// # impl IommuOps for Ops { type Domain = (); fn iotlb_flush(&self, _: &Flush) {} }
/// # let ops = Ops;
/// let pt = PageTable::new(&Config::<ArmLpaeS1>::new(48, 48), &ops)?;
/// // SAFETY: a doctest: no device ever accesses this memory.
/// let buf = unsafe { PhysRange::new(0x8_0000_0000, 0x20_0000) };
/// // SAFETY: this thread owns [0, 2M) (as an IOVA allocator would say).
/// unsafe { pt.map_pages_unchecked(0, buf, 0x1000, Prot::READ, Gfp::ATOMIC) }?;
/// let mut batch = pt.shared_batch();
/// // SAFETY: as above.
/// assert_eq!(unsafe { batch.unmap(0, 0x20_0000) }, Ok(0x20_0000));
/// batch.sync(); // flush, then free (dropping it does the same)
/// # Ok::<(), ptcore::Error>(())
/// ```
#[must_use = "dropping the batch flushes the IOTLB now; keep it to batch more unmaps, or call sync()"]
pub struct SharedBatch<'a, 'd, D: IommuOps> {
    core: &'a Core<'d, D>,
    gather: Gather,
}

impl<D: IommuOps> SharedBatch<'_, '_, D> {
    /// Removes the mappings in `[iova, iova + len)` into this batch (see
    /// [`UnmapBatch::unmap`]).
    ///
    /// # Safety
    ///
    /// For the duration of the call, and until this batch has synced, no
    /// other map, unmap or lookup (including [`PageTable::iova_to_phys`] and
    /// hardware-model walks) of any IOVA in `[iova, iova + len)` runs, on any
    /// thread; every leaf the range touches lies wholly inside IOVAs the
    /// caller owns (an unmap removes a leaf whole); the table does not have
    /// [`Features::FREE_EMPTY_TABLES`]; and the call is not made from inside
    /// a callback of this table.
    pub unsafe fn unmap(&mut self, iova: u64, len: u64) -> core::result::Result<u64, UnmapError> {
        // SAFETY: the caller holds the range exclusively (`# Safety`).
        unsafe {
            self.core
                .unmap((0, self.core.last), &mut self.gather, iova, len)
        }
    }

    /// What the flush will cover so far (`None` when nothing is gathered).
    #[must_use]
    pub fn pending(&self) -> Option<Flush<'_, D::Domain>> {
        self.gather
            .has_range()
            .then(|| Flush::new(&self.gather.0, self.core.domain))
    }

    /// Flushes, then frees the removed tables (same as dropping the batch).
    pub fn sync(self) {}
}

impl<D: IommuOps> Drop for SharedBatch<'_, '_, D> {
    fn drop(&mut self) {
        if !self.gather.is_empty() {
            // SAFETY: the gather holds only what this batch's unmaps removed,
            // whose callers hold those ranges until now (`unmap`'s contract).
            unsafe { self.core.sync(&mut self.gather) };
        }
    }
}

/// A read-only view of a table, or of the IOVAs of one region or batch:
/// lookups and the hardware model's walks.
///
/// # Invariants
///
/// `raw` is live for `'a`, and for `'a` no operation that frees a table
/// translating an IOVA in `[start, last]` can run (the view was made from a
/// `&PageTable`, `&Region` or `&UnmapBatch` that holds those IOVAs).
#[derive(Clone, Copy)]
pub struct TableView<'a> {
    raw: NonNull<b::ptcore_table>,
    hw: HwInfo,
    start: u64,
    last: u64,
    _borrow: PhantomData<&'a ()>,
}

// SAFETY: a view only offers lock-free lookups and reads of table memory
// that stays allocated for `'a` (type invariant), from any thread.
unsafe impl Send for TableView<'_> {}
// SAFETY: as for `Send`.
unsafe impl Sync for TableView<'_> {}

impl<'a> TableView<'a> {
    /// The table's hardware description.
    pub fn hw_info(&self) -> HwInfo {
        self.hw
    }

    /// Whether the view covers `iova`.
    pub fn covers(&self, iova: u64) -> bool {
        iova >= self.start && iova <= self.last
    }

    /// Translates `iova`; `None` when not mapped or not covered by the view.
    #[must_use]
    pub fn iova_to_phys(&self, iova: u64) -> Option<u64> {
        if !self.covers(iova) {
            return None;
        }
        let mut phys = 0u64;
        // SAFETY: `raw` is live and `iova` is held against unmaps for `'a`
        // (type invariant); lookups are lock-free.
        let ret = unsafe { b::ptcore_iova_to_phys(self.raw.as_ptr(), iova, &mut phys) };
        (ret == 0).then_some(phys)
    }

    /// The raw table, for the hardware model.
    #[cfg(any(feature = "model", ptcore_kernel))]
    pub(crate) fn raw(&self) -> *const b::ptcore_table {
        self.raw.as_ptr()
    }
}

impl<'a, F: Format, D: IommuOps> From<&'a PageTable<'_, F, D>> for TableView<'a> {
    fn from(pt: &'a PageTable<'_, F, D>) -> Self {
        pt.view()
    }
}

impl<'a, F: Format, D: IommuOps> From<&'a Region<'_, '_, F, D>> for TableView<'a> {
    fn from(r: &'a Region<'_, '_, F, D>) -> Self {
        r.view()
    }
}

impl<'a, D: IommuOps> From<&'a UnmapBatch<'_, '_, D>> for TableView<'a> {
    fn from(b: &'a UnmapBatch<'_, '_, D>) -> Self {
        b.view()
    }
}
