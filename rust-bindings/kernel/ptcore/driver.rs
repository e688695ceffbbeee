// SPDX-License-Identifier: GPL-2.0 OR MIT
//! The driver side: IOTLB flushes and table memory, bridged to `ptcore_ops`.
//!
//! # Conventions in this file
//!
//! `D` is the driver type; `cookie` is the `ptcore_cfg.cookie` that ptcore
//! passes back to every callback, always the `&D` that
//! [`crate::ptcore::PageTable::new`] stored. The `tramp_*` functions are the
//! `extern "C"` trampolines, monomorphised per driver type. They contain no
//! panicking operation; kernel Rust is `panic = "abort"` anyway, so nothing
//! can unwind into C.

use core::ffi::c_void;
use core::ptr::NonNull;
use kernel::alloc::{flags, Flags};
use kernel::bindings as b;

/// What an IOTLB flush must invalidate: a view of the `ptcore_gather` that
/// ptcore passes to [`IommuOps::iotlb_flush`].
#[repr(transparent)]
pub struct Flush(b::ptcore_gather);

impl Flush {
    /// Views a raw gather as a [`Flush`].
    pub(crate) fn from_raw(g: &b::ptcore_gather) -> &Flush {
        // SAFETY: `Flush` is `repr(transparent)` over `ptcore_gather`: same
        // layout and alignment; the borrow's lifetime is kept.
        unsafe { &*(g as *const b::ptcore_gather).cast::<Flush>() }
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

    /// OR of the sizes of every leaf removed.
    pub fn leaf_sizes(&self) -> u64 {
        self.0.pgsize
    }

    /// Whether table entries were removed: walk caches must go too.
    pub fn tables_removed(&self) -> bool {
        self.0.flags & b::PTCORE_GATHER_TABLES != 0
    }

    /// Table blocks that will be freed once this flush has completed.
    pub fn tables_to_free(&self) -> u32 {
        self.0.nr_tables
    }
}

/// A block of table memory from ptcore's built-in allocator (the kernel's
/// page allocator behind `c/os/os_kernel.h`).
///
/// Only [`TableBlock::alloc`] creates one and dropping it frees it, so a
/// driver that wraps the allocator (to count, pool or refuse blocks) stays
/// in safe code. The memory itself is never reachable through it.
///
/// # Invariants
///
/// `va` points to `size` bytes from `ptcore_builtin_alloc_table` at physical
/// address `phys`, owned by this value alone.
pub struct TableBlock {
    va: NonNull<c_void>,
    phys: u64,
    size: usize,
}

// SAFETY: uniquely owned memory with no thread affinity; the page allocator
// may free it from any thread.
unsafe impl Send for TableBlock {}
// SAFETY: `&TableBlock` exposes only the address and size, never the memory.
unsafe impl Sync for TableBlock {}

/// The raw gfp value of `gfp` (6.12 keeps `Flags::as_raw` private to the
/// kernel crate, so the named flag sets are matched).
pub(crate) fn raw_gfp(gfp: Flags) -> u32 {
    let nowarn = gfp.contains(flags::__GFP_NOWARN);
    let base = if gfp.contains(flags::GFP_KERNEL_ACCOUNT) {
        b::GFP_KERNEL_ACCOUNT
    } else if gfp.contains(flags::GFP_KERNEL) {
        b::GFP_KERNEL
    } else if gfp.contains(flags::GFP_ATOMIC) {
        b::GFP_ATOMIC
    } else {
        b::GFP_NOWAIT
    };
    if nowarn {
        base | b::__GFP_NOWARN
    } else {
        base
    }
}

/// The typed form of a raw gfp value from C: the named set it is, and
/// `GFP_ATOMIC` (never sleeps) for anything else. ptcore's 0 is `GFP_KERNEL`.
pub(crate) fn typed_gfp(raw: u32) -> Flags {
    match raw {
        0 => flags::GFP_KERNEL,
        r if r == b::GFP_KERNEL => flags::GFP_KERNEL,
        r if r == b::GFP_KERNEL_ACCOUNT => flags::GFP_KERNEL_ACCOUNT,
        r if r == b::GFP_NOWAIT => flags::GFP_NOWAIT,
        _ => flags::GFP_ATOMIC,
    }
}

impl TableBlock {
    /// Allocates `size` bytes of zeroed table memory aligned to `size` (a
    /// power of two) from ptcore's built-in allocator.
    pub fn alloc(size: usize, gfp: Flags) -> Option<TableBlock> {
        let mut phys = 0u64;
        // SAFETY: `phys` is valid for a write; the built-in allocator ignores
        // the cookie.
        let va = unsafe {
            b::ptcore_builtin_alloc_table(core::ptr::null_mut(), size, &mut phys, raw_gfp(gfp))
        };
        // INVARIANT: a non-NULL return is a fresh block of `size` bytes at `phys`.
        NonNull::new(va).map(|va| TableBlock { va, phys, size })
    }

    /// Physical address of the block.
    pub fn phys(&self) -> u64 {
        self.phys
    }

    /// Size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    fn into_raw(self) -> (NonNull<c_void>, u64, usize) {
        let this = core::mem::ManuallyDrop::new(self);
        (this.va, this.phys, this.size)
    }
}

impl Drop for TableBlock {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the block came from the built-in
        // allocator with these values, and nobody else uses it.
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

/// An IOMMU driver, as ptcore sees it.
///
/// Implement [`IommuOps::iotlb_flush`]; the rest is optional. Callbacks take
/// `&self` and may run on any CPU (hence `Sync`), and in the context of the
/// call that triggered them, which may be atomic (a map with `GFP_ATOMIC`,
/// an unmap under a spinlock): they must not sleep unless the driver knows
/// its callers may. They must not call back into the same table.
pub trait IommuOps: Sync {
    /// Whether ptcore allocates table memory through
    /// [`IommuOps::alloc_table`] / [`IommuOps::free_table`].
    const TABLE_MEMORY_HOOKS: bool = false;

    /// Invalidates the IOTLB for `[flush.start(), flush.last()]`, walk caches
    /// too when [`Flush::tables_removed`]; complete on return (ptcore frees
    /// the removed tables right after).
    fn iotlb_flush(&self, flush: &Flush);

    /// A block of exactly `size` bytes (only with `TABLE_MEMORY_HOOKS`);
    /// `None` fails the map with `ENOMEM`.
    fn alloc_table(&self, size: usize, gfp: Flags) -> Option<TableBlock> {
        TableBlock::alloc(size, gfp)
    }

    /// Takes back a block ptcore no longer uses; dropping it frees it.
    fn free_table(&self, block: TableBlock) {
        drop(block)
    }
}

/// The `ptcore_ops` of driver type `D`.
pub(crate) struct Ops<D>(core::marker::PhantomData<D>);

impl<D: IommuOps> Ops<D> {
    /// The ops table, promoted to a `'static` constant per driver type.
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
        sync_table: None,
        iotlb_flush: Some(tramp_flush::<D>),
    };
}

/// `ptcore_ops.iotlb_flush` for `D`.
///
/// # Safety
///
/// `cookie` is the `&D` stored by `PageTable::new`, borrowed for the table's
/// life; `gather` is valid for the call.
unsafe extern "C" fn tramp_flush<D: IommuOps>(cookie: *mut c_void, gather: *const b::ptcore_gather) {
    // SAFETY: the cookie is a `&D` that outlives the table (see `# Safety`).
    let driver = unsafe { &*cookie.cast::<D>() };
    // SAFETY: ptcore passes a valid gather it does not change during the call.
    let gather = unsafe { &*gather };
    driver.iotlb_flush(Flush::from_raw(gather));
}

/// `ptcore_ops.alloc_table` for `D`.
///
/// # Safety
///
/// As [`tramp_flush`]; `phys` is valid for a write.
unsafe extern "C" fn tramp_alloc<D: IommuOps>(
    cookie: *mut c_void,
    size: usize,
    phys: *mut u64,
    gfp: u32,
) -> *mut c_void {
    // SAFETY: the cookie is a `&D` that outlives the table.
    let driver = unsafe { &*cookie.cast::<D>() };
    let Some(block) = driver.alloc_table(size, typed_gfp(gfp)) else {
        return core::ptr::null_mut();
    };
    // Exactly `size` bytes aligned to `size`, or nothing.
    if block.size() != size || !size.is_power_of_two() || block.phys() & (size as u64 - 1) != 0 {
        driver.free_table(block);
        return core::ptr::null_mut();
    }
    let (va, pa, len) = block.into_raw();
    // SAFETY: `va` is `len` bytes this block owned; ptcore owns them now and
    // must see them zeroed even if the driver recycled the block.
    unsafe { core::ptr::write_bytes(va.as_ptr().cast::<u8>(), 0, len) };
    // SAFETY: `phys` is valid for a write (see `# Safety`).
    unsafe { phys.write(pa) };
    va.as_ptr()
}

/// `ptcore_ops.free_table` for `D`.
///
/// # Safety
///
/// As [`tramp_flush`]; `(va, phys, size)` is a block [`tramp_alloc`] returned
/// for this table that ptcore no longer uses.
unsafe extern "C" fn tramp_free<D: IommuOps>(
    cookie: *mut c_void,
    va: *mut c_void,
    phys: u64,
    size: usize,
) {
    // SAFETY: the cookie is a `&D` that outlives the table.
    let driver = unsafe { &*cookie.cast::<D>() };
    let Some(va) = NonNull::new(va) else { return };
    // INVARIANT: `tramp_alloc` hands out only `TableBlock::alloc` blocks with
    // these values; ptcore gives ownership back here.
    driver.free_table(TableBlock { va, phys, size });
}
