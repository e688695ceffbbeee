// SPDX-License-Identifier: GPL-2.0 OR MIT
//! The driver side: IOTLB flushes and table memory, bridged to `ptcore_ops`.
//!
//! # Conventions in this file
//!
//! `D` is the driver type; `cookie` is the `ptcore_cfg.cookie` ptcore passes
//! back to every callback, always a `&D` turned into a pointer by
//! [`crate::PageTable::new`]. The `tramp_*` functions are the
//! `extern "C"` trampolines, monomorphised per driver type.
//!
//! # Panics
//!
//! No panic crosses into C. The trampolines themselves contain no panicking
//! operation (no indexing, no unchecked arithmetic, no `unwrap`). A panic in
//! the driver's own callback cannot unwind through C either: since Rust 1.81
//! an unwind that reaches an `extern "C"` function aborts the process (and
//! this crate's own profiles, like the kernel, use `panic = "abort"`).

use crate::bindings as b;
use core::ffi::c_void;
use core::ptr::NonNull;

/// What an IOTLB flush must invalidate: a view of the `ptcore_gather` that
/// ptcore passes to [`Driver::iotlb_flush`].
#[repr(transparent)]
pub struct Flush(b::ptcore_gather);

impl Flush {
    /// Wraps a raw gather (used by tests and models; ptcore's own flushes come
    /// through the trampoline).
    pub(crate) fn from_raw(g: &b::ptcore_gather) -> &Flush {
        // SAFETY: `Flush` is `repr(transparent)` over `ptcore_gather`, so the
        // cast keeps layout, alignment and the lifetime of the borrow.
        unsafe { &*(g as *const b::ptcore_gather as *const Flush) }
    }

    /// First IOVA to invalidate.
    pub fn start(&self) -> u64 {
        self.0.start
    }

    /// Last IOVA to invalidate (inclusive).
    pub fn last(&self) -> u64 {
        self.0.end
    }

    /// Bytes in `[start, last]` (saturates at `u64::MAX` for the whole space).
    pub fn size(&self) -> u64 {
        self.0.end.wrapping_sub(self.0.start).saturating_add(1)
    }

    /// OR of the sizes of every leaf removed (a hint for range invalidation:
    /// its lowest set bit is the smallest leaf, the TLBI "granule").
    pub fn leaf_sizes(&self) -> u64 {
        self.0.pgsize
    }

    /// Whether table entries were removed: walk caches must be invalidated
    /// too, not only leaf entries (`PTCORE_GATHER_TABLES`).
    pub fn tables_removed(&self) -> bool {
        self.0.flags & b::PTCORE_GATHER_TABLES != 0
    }

    /// Table blocks that will be freed once this flush has completed.
    pub fn tables_to_free(&self) -> u32 {
        self.0.nr_tables
    }
}

impl core::fmt::Debug for Flush {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Flush")
            .field("start", &format_args!("{:#x}", self.start()))
            .field("last", &format_args!("{:#x}", self.last()))
            .field("leaf_sizes", &format_args!("{:#x}", self.leaf_sizes()))
            .field("tables_removed", &self.tables_removed())
            .field("tables_to_free", &self.tables_to_free())
            .finish()
    }
}

/// A block of table memory from ptcore's built-in allocator.
///
/// Only [`TableBlock::alloc`] creates one, and dropping it gives the memory
/// back, so a driver that wraps the allocator (to count blocks, to inject
/// failures, to keep a pool) stays in safe code. A driver may keep blocks it
/// receives in [`Driver::free_table`] and hand them out again: the trampoline
/// zeroes every block before ptcore sees it.
///
/// # Invariants
///
/// `va` points to `size` bytes from `ptcore_builtin_alloc_table`, physical
/// address `phys`, owned by this value alone (ptcore no longer uses them).
pub struct TableBlock {
    va: NonNull<c_void>,
    phys: u64,
    size: usize,
}

// SAFETY: a `TableBlock` is uniquely owned memory with no thread affinity: the
// built-in allocator may be called from any thread.
unsafe impl Send for TableBlock {}
// SAFETY: `&TableBlock` only exposes the address and size, never the memory.
unsafe impl Sync for TableBlock {}

impl TableBlock {
    /// Allocates `size` bytes of zeroed table memory, aligned to `size`, from
    /// ptcore's built-in allocator (`size` a power of two, 8 bytes to 1 MiB).
    pub fn alloc(size: usize, gfp: u32) -> Option<TableBlock> {
        let mut phys = 0u64;
        // SAFETY: `phys` is a valid place for the physical address; the cookie
        // is ignored by the built-in allocator.
        let va =
            unsafe { b::ptcore_builtin_alloc_table(core::ptr::null_mut(), size, &mut phys, gfp) };
        // INVARIANT: a non-NULL return is a fresh block of `size` bytes at `phys`.
        NonNull::new(va).map(|va| TableBlock { va, phys, size })
    }

    /// Physical (bus) address of the block.
    pub fn phys(&self) -> u64 {
        self.phys
    }

    /// Size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Gives ownership of the memory to ptcore.
    fn into_raw(self) -> (NonNull<c_void>, u64, usize) {
        let this = core::mem::ManuallyDrop::new(self);
        (this.va, this.phys, this.size)
    }
}

impl Drop for TableBlock {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the block came from the built-in
        // allocator with this address, physical address and size, and nobody
        // else uses it.
        unsafe {
            b::ptcore_builtin_free_table(
                core::ptr::null_mut(),
                self.va.as_ptr(),
                self.phys,
                self.size,
            )
        };
    }
}

impl core::fmt::Debug for TableBlock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "TableBlock({:#x}, {} bytes)", self.phys, self.size)
    }
}

/// An IOMMU driver, as ptcore sees it.
///
/// Implement [`Driver::iotlb_flush`]; the rest is optional. All callbacks take
/// `&self` and may run on any thread, and concurrently (concurrent
/// [`crate::PageTable::map_pages`] calls may each flush): hence `Sync`.
///
/// Callbacks must not panic. No panic can reach C (see the module docs: it
/// aborts the process instead), but an abort is still a crash.
pub trait Driver: Sync {
    /// Whether ptcore allocates table memory through
    /// [`Driver::alloc_table`] and [`Driver::free_table`] (otherwise it uses
    /// its built-in allocator directly and those are never called).
    const TABLE_MEMORY_HOOKS: bool = false;

    /// Whether ptcore calls [`Driver::sync_table`] (only with
    /// [`crate::Features::DMA_INCOHERENT`]).
    const SYNC_TABLE: bool = false;

    /// Invalidates the IOTLB for `[flush.start(), flush.last()]`, and the walk
    /// caches too when [`Flush::tables_removed`]. Must be complete on return:
    /// ptcore frees the removed tables right after.
    ///
    /// Called from [`crate::UnmapBatch::sync`] (or its drop), from a map that
    /// replaced an empty table by a larger leaf, and from a batch whose list of
    /// freed tables filled up. Never for an empty range. It may be called with
    /// a ptcore-internal lock held; it cannot call back into the same table
    /// for an unmap anyway (the batch holds the table exclusively).
    fn iotlb_flush(&self, flush: &Flush);

    /// Returns a block of table memory of exactly `size` bytes (only when
    /// [`Driver::TABLE_MEMORY_HOOKS`]). `None` makes the map fail with
    /// `ENOMEM`. The default takes it from the built-in allocator.
    fn alloc_table(&self, size: usize, gfp: u32) -> Option<TableBlock> {
        TableBlock::alloc(size, gfp)
    }

    /// Takes back a block ptcore no longer uses (only when
    /// [`Driver::TABLE_MEMORY_HOOKS`]). Dropping it frees it.
    fn free_table(&self, block: TableBlock) {
        drop(block)
    }

    /// Makes the table bytes at CPU address `[va, va + len)` visible to a
    /// walker that does not snoop caches (only when [`Driver::SYNC_TABLE`]).
    fn sync_table(&self, va: usize, len: usize) {
        let _ = (va, len);
    }
}

/// The `ptcore_ops` for driver type `D`.
pub(crate) struct Ops<D>(core::marker::PhantomData<D>);

impl<D: Driver> Ops<D> {
    /// The ops table; promoted to a `'static` constant per driver type.
    pub(crate) const OPS: b::ptcore_ops = b::ptcore_ops {
        alloc_table: if D::TABLE_MEMORY_HOOKS {
            Some(tramp_alloc::<D>)
        } else {
            None
        },
        free_table: if D::TABLE_MEMORY_HOOKS {
            Some(tramp_free::<D>)
        } else {
            None
        },
        sync_table: if D::SYNC_TABLE {
            Some(tramp_sync::<D>)
        } else {
            None
        },
        iotlb_flush: Some(tramp_flush::<D>),
    };
}

/// `ptcore_ops.iotlb_flush` for `D`.
///
/// # Safety
///
/// `cookie` is the `&D` that [`crate::PageTable::new`] stored, still borrowed
/// by the live table; `gather` points to a valid gather for the call.
unsafe extern "C" fn tramp_flush<D: Driver>(cookie: *mut c_void, gather: *const b::ptcore_gather) {
    // SAFETY: the cookie is a `&D` that outlives the table (see `# Safety`).
    let driver = unsafe { &*(cookie as *const D) };
    // SAFETY: ptcore passes a valid gather that it does not change during the call.
    let gather = unsafe { &*gather };
    driver.iotlb_flush(Flush::from_raw(gather));
}

/// `ptcore_ops.alloc_table` for `D`.
///
/// # Safety
///
/// As [`tramp_flush`]; `phys` is valid for a write.
unsafe extern "C" fn tramp_alloc<D: Driver>(
    cookie: *mut c_void,
    size: usize,
    phys: *mut u64,
    gfp: u32,
) -> *mut c_void {
    // SAFETY: the cookie is a `&D` that outlives the table.
    let driver = unsafe { &*(cookie as *const D) };
    let Some(block) = driver.alloc_table(size, gfp) else {
        return core::ptr::null_mut();
    };
    // ptcore needs exactly `size` bytes aligned to `size`: a recycled block of
    // another size is given back, not handed out.
    if block.size() != size || !size.is_power_of_two() || block.phys() & (size as u64 - 1) != 0 {
        driver.free_table(block);
        return core::ptr::null_mut();
    }
    let (va, pa, len) = block.into_raw();
    // SAFETY: `va` is `len` bytes of memory this block owned; ptcore owns it
    // now and must see it zeroed, even when the driver recycled it.
    unsafe { core::ptr::write_bytes(va.as_ptr() as *mut u8, 0, len) };
    // SAFETY: `phys` is valid for a write (see `# Safety`).
    unsafe { phys.write(pa) };
    va.as_ptr()
}

/// `ptcore_ops.free_table` for `D`.
///
/// # Safety
///
/// As [`tramp_flush`]; `(va, phys, size)` is a block [`tramp_alloc`] returned
/// for this table, which ptcore no longer uses.
unsafe extern "C" fn tramp_free<D: Driver>(
    cookie: *mut c_void,
    va: *mut c_void,
    phys: u64,
    size: usize,
) {
    // SAFETY: the cookie is a `&D` that outlives the table.
    let driver = unsafe { &*(cookie as *const D) };
    let Some(va) = NonNull::new(va) else { return };
    // INVARIANT: `tramp_alloc` only hands out blocks of `TableBlock::alloc`
    // (the only constructor), with this address, physical address and size;
    // ptcore gives back ownership here.
    driver.free_table(TableBlock { va, phys, size });
}

/// `ptcore_ops.sync_table` for `D`.
///
/// # Safety
///
/// As [`tramp_flush`].
unsafe extern "C" fn tramp_sync<D: Driver>(cookie: *mut c_void, va: *mut c_void, len: usize) {
    // SAFETY: the cookie is a `&D` that outlives the table.
    let driver = unsafe { &*(cookie as *const D) };
    driver.sync_table(va as usize, len);
}
