// SPDX-License-Identifier: GPL-2.0 OR MIT
//! The driver side: IOTLB flushes and table memory, bridged to `ptcore_ops`.
//!
//! # Conventions in this file
//!
//! `D` is the driver's [`IommuOps`] type; `cookie` is the `ptcore_cfg.cookie`
//! ptcore passes back to every callback. It is either a `&D` (tables made by
//! [`crate::PageTable::new`], whose domain is `()`) or a `&Context<D>`
//! ([`crate::PageTable::with_context`]); a [`CookieKind`] type says which, so
//! that the `tramp_*` functions (the `extern "C"` trampolines, monomorphised
//! per driver and cookie kind) know how to read it.
//!
//! # Panics
//!
//! No panic crosses into C. The trampolines themselves contain no panicking
//! operation (no indexing, no unchecked arithmetic, no `unwrap`). A panic in
//! the driver's own callback cannot unwind through C either: since Rust 1.81
//! an unwind that reaches an `extern "C"` function aborts the process (and
//! this crate's own profiles, like the kernel, use `panic = "abort"`). The
//! one callback Rust calls directly, the whole-space flush in
//! [`crate::PageTable`]'s `Drop`, may unwind: a drop guard still destroys the
//! table, so nothing leaks.

use crate::bindings as b;
use core::ffi::c_void;
use core::marker::{PhantomData, PhantomPinned};
use core::pin::Pin;
use core::ptr::NonNull;

/// What an IOTLB flush must invalidate, and for which domain: a view of the
/// `ptcore_gather` that ptcore passes to [`IommuOps::iotlb_flush`], together
/// with the [`IommuOps::Domain`] of the table it belongs to.
pub struct Flush<'a, T: ?Sized = ()> {
    gather: &'a b::ptcore_gather,
    domain: &'a T,
}

impl<'a, T: ?Sized> Flush<'a, T> {
    pub(crate) fn new(gather: &'a b::ptcore_gather, domain: &'a T) -> Self {
        Flush { gather, domain }
    }

    /// The domain (table) this flush is for: the [`IommuOps::Domain`] value
    /// given at creation (ASID, VMID, stream IDs...).
    pub fn domain(&self) -> &'a T {
        self.domain
    }

    /// First IOVA to invalidate.
    pub fn start(&self) -> u64 {
        self.gather.start
    }

    /// Last IOVA to invalidate (inclusive).
    pub fn last(&self) -> u64 {
        self.gather.end
    }

    /// Bytes in `[start, last]` (saturates at `u64::MAX` for the whole space).
    pub fn size(&self) -> u64 {
        self.gather
            .end
            .wrapping_sub(self.gather.start)
            .saturating_add(1)
    }

    /// OR of the sizes of every leaf removed (a hint for range invalidation:
    /// its lowest set bit is the smallest leaf, the TLBI "granule").
    pub fn leaf_sizes(&self) -> u64 {
        self.gather.pgsize
    }

    /// The smallest leaf size removed (`ptcore_gather_leaf_size`): one size
    /// for invalidations that take a single size (SMMUv3 TTL and range
    /// hints); every removed leaf is a multiple of it. 0 when no leaf was
    /// removed (the flush of a map that replaced an empty table, or the
    /// whole-space flush before destruction, carry the sizes they cover).
    pub fn smallest_leaf(&self) -> u64 {
        // SAFETY: `self.gather` is a valid gather for the borrow; the call only
        // reads it.
        unsafe { b::ptcore_gather_leaf_size(self.gather) }
    }

    /// Whether table entries were removed: walk caches must be invalidated
    /// too, not only leaf entries (`PTCORE_GATHER_TABLES`).
    pub fn tables_removed(&self) -> bool {
        self.gather.flags & b::PTCORE_GATHER_TABLES != 0
    }

    /// Table blocks this flush's sync frees afterwards (`nr_tables`).
    ///
    /// A count, not a mirror of [`Flush::tables_removed`]:
    /// - the flush of a map that replaced an empty table by a larger leaf
    ///   reports 0 although [`Flush::tables_removed`] is true: ptcore parks the
    ///   replaced table and frees it at the sync of the unmap that later
    ///   removes the leaf (whose flush then counts it, possibly without
    ///   `tables_removed`, the walk caches having forgotten it already);
    ///   the core before the per-gather freelists freed it at any later sync;
    /// - with that older core, tables another gather's unmap flushed and
    ///   freed early stay counted here;
    /// - the whole-space flush before a table's destruction reports 0.
    pub fn tables_to_free(&self) -> u32 {
        self.gather.nr_tables
    }
}

impl<T: ?Sized> core::fmt::Debug for Flush<'_, T> {
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

/// Allocation flags for table memory: the kernel's `gfp_t`, typed.
///
/// Only two values matter to an IOMMU driver: [`Gfp::KERNEL`] (the caller
/// may sleep: the default of every map) and [`Gfp::ATOMIC`] (the caller holds
/// a spinlock or runs in interrupt context: the allocator must not sleep).
/// The values are Linux 6.1's `GFP_KERNEL` (which the C ABI writes as 0) and
/// `GFP_ATOMIC`; the userspace allocator ignores them. In the kernel tree
/// this type becomes `kernel::alloc::Flags`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Gfp(u32);

impl Gfp {
    /// May sleep (`GFP_KERNEL`; 0 in the C ABI).
    pub const KERNEL: Gfp = Gfp(0);
    /// Must not sleep (`GFP_ATOMIC` = `__GFP_HIGH | __GFP_ATOMIC |
    /// __GFP_KSWAPD_RECLAIM` in Linux 6.1).
    #[cfg(not(ptcore_kernel))]
    pub const ATOMIC: Gfp = Gfp(0x20 | 0x200 | 0x800);
    /// Must not sleep: the kernel's own `GFP_ATOMIC` (6.12 dropped
    /// `__GFP_ATOMIC`, 0x200).
    #[cfg(ptcore_kernel)]
    pub const ATOMIC: Gfp = Gfp(b::GFP_ATOMIC);

    /// Whether an allocation with these flags may sleep.
    pub const fn may_sleep(self) -> bool {
        self.0 == 0 || self.0 & 0x400 != 0 // __GFP_DIRECT_RECLAIM
    }

    /// The raw value passed to C.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// The flags C passed back (to `alloc_table`): 0 is `GFP_KERNEL`.
    pub(crate) const fn from_c(bits: u32) -> Gfp {
        Gfp(bits)
    }
}

impl Default for Gfp {
    fn default() -> Self {
        Gfp::KERNEL
    }
}

impl core::fmt::Debug for Gfp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Gfp::KERNEL => f.write_str("GFP_KERNEL"),
            Gfp::ATOMIC => f.write_str("GFP_ATOMIC"),
            Gfp(v) => write!(f, "Gfp({v:#x})"),
        }
    }
}

/// A block of table memory from ptcore's built-in allocator.
///
/// Only [`TableBlock::alloc`] creates one, and dropping it gives the memory
/// back, so a driver that wraps the allocator (to count blocks, to inject
/// failures, to keep a pool) stays in safe code. A driver may keep blocks it
/// receives in [`IommuOps::free_table`] and hand them out again: the
/// trampoline zeroes every block before ptcore sees it, and a block of the
/// wrong size is given back to the driver and replaced by a fresh one.
///
/// Safe code never sees a block's CPU address, so table memory can neither
/// be read nor written, nor (having no [`crate::PhysRange`]) mapped for a
/// device, outside ptcore.
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
    #[must_use = "dropping the block frees it at once"]
    pub fn alloc(size: usize, gfp: Gfp) -> Option<TableBlock> {
        let mut phys = 0u64;
        // SAFETY: `phys` is a valid place for the physical address; the cookie
        // is ignored by the built-in allocator.
        let va = unsafe {
            b::ptcore_builtin_alloc_table(core::ptr::null_mut(), size, &mut phys, gfp.bits())
        };
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

    /// Whether ptcore can use the block for a table of `size` bytes.
    fn fits(&self, size: usize) -> bool {
        self.size == size && size.is_power_of_two() && self.phys & (size as u64 - 1) == 0
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

/// An IOMMU driver's page-table operations, as ptcore calls them.
///
/// Implement [`IommuOps::iotlb_flush`]; the rest is optional. One value of
/// the implementing type may serve many tables (domains): each table carries
/// its own [`IommuOps::Domain`] value (see [`crate::Context`]), and every
/// callback receives it. Drivers whose ops object is already per domain use
/// `type Domain = ();` and [`crate::PageTable::new`].
///
/// # Context
///
/// Callbacks run in the context of the ptcore call that triggers them, which
/// in the kernel may be atomic: the DMA API maps and unmaps under spinlocks
/// and from softirq context, and ptcore may hold an internal spinlock around
/// a flush. So a callback must not sleep: no sleeping mutex, no blocking
/// allocation unless `gfp` allows it ([`Gfp::may_sleep`]), no waiting for
/// another thread. Use atomics, spinlocks or lock-free structures (the
/// sample drivers do). Callbacks may run on any thread and concurrently (maps
/// and unmaps of disjoint [`crate::Region`]s each flush): hence `Sync`.
///
/// # Re-entry
///
/// A callback never re-enters the table that called it with an operation
/// that changes it: safe code cannot even express that. Maps and unmaps need
/// `&mut PageTable` or a [`crate::Region`], which is exclusively borrowed by
/// the operation running the callback; sibling regions exist only inside the
/// closure of [`crate::PageTable::regions`], so no driver (whose type is
/// fixed before the closure runs) can store one; and the `unsafe` forms
/// forbid it in their `# Safety`. Lookups through `&PageTable`
/// ([`crate::PageTable::iova_to_phys`], the hardware model's walker) are
/// lock-free and may be called from a callback.
///
/// # Panics
///
/// Callbacks should not panic. One called from C aborts the process (no
/// unwind crosses C); the final flush of [`crate::PageTable`]'s `Drop` is
/// called from Rust and may unwind, and the table is still destroyed.
pub trait IommuOps: Sync {
    /// The per-table (per-domain) state each callback receives, e.g. the
    /// ASID or VMID and stream IDs to invalidate. `()` when the ops object
    /// is itself per domain.
    type Domain: Sync;

    /// Whether ptcore allocates table memory through
    /// [`IommuOps::alloc_table`] and [`IommuOps::free_table`] (otherwise it
    /// uses its built-in allocator directly and those are never called).
    const TABLE_MEMORY_HOOKS: bool = false;

    /// Whether ptcore calls [`IommuOps::sync_table`] (only with
    /// [`crate::Features::DMA_INCOHERENT`]).
    const SYNC_TABLE: bool = false;

    /// Invalidates the IOTLB of `flush.domain()` for `[flush.start(),
    /// flush.last()]`, and the walk caches too when
    /// [`Flush::tables_removed`]. Must be complete on return: ptcore may free
    /// the removed tables right after.
    ///
    /// Called from a batch's sync (or its drop), from a map that replaced an
    /// empty table by a larger leaf, from older ptcore cores' early flushes
    /// (possibly under an internal lock), and for the whole address space
    /// before the table is destroyed. Never for an empty range.
    fn iotlb_flush(&self, flush: &Flush<'_, Self::Domain>);

    /// Returns a block of table memory of exactly `size` bytes (only when
    /// [`IommuOps::TABLE_MEMORY_HOOKS`]). `None` makes the map fail with
    /// `ENOMEM`. A block of another size is given back through
    /// [`IommuOps::free_table`] and replaced by a fresh one from the
    /// built-in allocator. The default takes it from the built-in allocator.
    fn alloc_table(&self, domain: &Self::Domain, size: usize, gfp: Gfp) -> Option<TableBlock> {
        let _ = domain;
        TableBlock::alloc(size, gfp)
    }

    /// Takes back a block ptcore no longer uses (only when
    /// [`IommuOps::TABLE_MEMORY_HOOKS`]). Dropping it frees it.
    fn free_table(&self, domain: &Self::Domain, block: TableBlock) {
        let _ = domain;
        drop(block)
    }

    /// Makes the table bytes at CPU address `[va, va + len)` visible to a
    /// walker that does not snoop caches (only when [`IommuOps::SYNC_TABLE`]).
    fn sync_table(&self, domain: &Self::Domain, va: usize, len: usize) {
        let _ = (domain, va, len);
    }
}

/// The old name of [`IommuOps`]: it collided with `kernel::driver::Driver`.
#[deprecated(since = "1.1.0", note = "renamed `IommuOps`")]
pub trait Driver: IommuOps {}

#[allow(deprecated)]
impl<T: IommuOps + ?Sized> Driver for T {}

/// What ptcore keeps the address of for one table: the driver's ops and the
/// table's [`IommuOps::Domain`]. ptcore passes its address to every callback,
/// so it is pinned (`PhantomPinned`): pin it (for example with
/// [`core::pin::pin!`]) and hand it to [`crate::PageTable::with_context`],
/// which borrows it for the table's whole life. In the kernel tree this
/// becomes a pin-initialised field of the domain.
pub struct Context<'a, D: IommuOps> {
    ops: &'a D,
    domain: D::Domain,
    _pin: PhantomPinned,
}

impl<'a, D: IommuOps> Context<'a, D> {
    /// A context for one table of `ops`, identified by `domain`.
    pub const fn new(ops: &'a D, domain: D::Domain) -> Self {
        Context {
            ops,
            domain,
            _pin: PhantomPinned,
        }
    }

    /// The driver's ops.
    pub fn ops(&self) -> &'a D {
        self.ops
    }

    /// The table's domain.
    pub fn domain(&self) -> &D::Domain {
        &self.domain
    }

    /// The cookie for `ptcore_cfg`: the context's (pinned) address.
    pub(crate) fn cookie(self: Pin<&Self>) -> *mut c_void {
        self.get_ref() as *const Self as *mut c_void
    }
}

/// How the trampolines read the cookie.
///
/// # Safety
///
/// `resolve` must only be given cookies of the kind the implementation
/// describes.
pub(crate) unsafe trait CookieKind<D: IommuOps>: 'static {
    /// The driver and domain behind `cookie`.
    ///
    /// # Safety
    ///
    /// `cookie` is the cookie of a live table of this kind, valid for `'a`.
    unsafe fn resolve<'a>(cookie: *mut c_void) -> (&'a D, &'a D::Domain);
}

/// The cookie is a `&D` and the domain is `()`.
pub(crate) enum ByOps {}

// SAFETY: `resolve` reads the cookie as the `&D` that `PageTable::new` stored.
unsafe impl<D: IommuOps<Domain = ()>> CookieKind<D> for ByOps {
    unsafe fn resolve<'a>(cookie: *mut c_void) -> (&'a D, &'a ()) {
        // SAFETY: the cookie is a `&D` that outlives the table (caller).
        (unsafe { &*(cookie as *const D) }, &())
    }
}

/// The cookie is a pinned `&Context<D>`.
pub(crate) enum ByContext {}

// SAFETY: `resolve` reads the cookie as the pinned `&Context<D>` that
// `PageTable::with_context` stored.
unsafe impl<D: IommuOps> CookieKind<D> for ByContext {
    unsafe fn resolve<'a>(cookie: *mut c_void) -> (&'a D, &'a D::Domain) {
        // SAFETY: the cookie is a pinned `&Context<D>` borrowed for the
        // table's life (caller); the context's own lifetime is at least that
        // long, so shortening it to `'a` is sound.
        let ctx = unsafe { &*(cookie as *const Context<'a, D>) };
        (ctx.ops, &ctx.domain)
    }
}

/// The `ptcore_ops` for driver type `D` and cookie kind `K`.
pub(crate) struct Ops<D, K>(PhantomData<(D, K)>);

impl<D: IommuOps, K: CookieKind<D>> Ops<D, K> {
    /// The ops table; promoted to a `'static` constant per driver type.
    pub(crate) const OPS: b::ptcore_ops = b::ptcore_ops {
        alloc_table: if D::TABLE_MEMORY_HOOKS {
            Some(tramp_alloc::<D, K>)
        } else {
            None
        },
        free_table: if D::TABLE_MEMORY_HOOKS {
            Some(tramp_free::<D, K>)
        } else {
            None
        },
        sync_table: if D::SYNC_TABLE {
            Some(tramp_sync::<D, K>)
        } else {
            None
        },
        iotlb_flush: Some(tramp_flush::<D, K>),
    };
}

/// `ptcore_ops.iotlb_flush` for `D`.
///
/// # Safety
///
/// `cookie` is the cookie of kind `K` that the table was created with, still
/// borrowed by the live table; `gather` points to a valid gather for the call.
unsafe extern "C" fn tramp_flush<D: IommuOps, K: CookieKind<D>>(
    cookie: *mut c_void,
    gather: *const b::ptcore_gather,
) {
    // SAFETY: the cookie is of kind `K` and outlives the call (see `# Safety`).
    let (ops, domain) = unsafe { K::resolve(cookie) };
    // SAFETY: ptcore passes a valid gather that it does not change during the call.
    let gather = unsafe { &*gather };
    ops.iotlb_flush(&Flush::new(gather, domain));
}

/// `ptcore_ops.alloc_table` for `D`.
///
/// # Safety
///
/// As [`tramp_flush`]; `phys` is valid for a write.
unsafe extern "C" fn tramp_alloc<D: IommuOps, K: CookieKind<D>>(
    cookie: *mut c_void,
    size: usize,
    phys: *mut u64,
    gfp: u32,
) -> *mut c_void {
    // SAFETY: the cookie is of kind `K` and outlives the call.
    let (ops, domain) = unsafe { K::resolve(cookie) };
    let gfp = Gfp::from_c(gfp);
    let Some(mut block) = ops.alloc_table(domain, size, gfp) else {
        return core::ptr::null_mut();
    };
    // ptcore needs exactly `size` bytes aligned to `size`: a recycled block of
    // another size goes back to the driver, and a fresh block replaces it.
    if !block.fits(size) {
        ops.free_table(domain, block);
        match TableBlock::alloc(size, gfp) {
            Some(fresh) if fresh.fits(size) => block = fresh,
            _ => return core::ptr::null_mut(),
        }
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
unsafe extern "C" fn tramp_free<D: IommuOps, K: CookieKind<D>>(
    cookie: *mut c_void,
    va: *mut c_void,
    phys: u64,
    size: usize,
) {
    // SAFETY: the cookie is of kind `K` and outlives the call.
    let (ops, domain) = unsafe { K::resolve(cookie) };
    let Some(va) = NonNull::new(va) else { return };
    // INVARIANT: `tramp_alloc` only hands out blocks of `TableBlock::alloc`
    // (the only constructor), with this address, physical address and size;
    // ptcore gives back ownership here.
    ops.free_table(domain, TableBlock { va, phys, size });
}

/// `ptcore_ops.sync_table` for `D`.
///
/// # Safety
///
/// As [`tramp_flush`].
unsafe extern "C" fn tramp_sync<D: IommuOps, K: CookieKind<D>>(
    cookie: *mut c_void,
    va: *mut c_void,
    len: usize,
) {
    // SAFETY: the cookie is of kind `K` and outlives the call.
    let (ops, domain) = unsafe { K::resolve(cookie) };
    ops.sync_table(domain, va as usize, len);
}
