// SPDX-License-Identifier: GPL-2.0 OR MIT
//! [`PhysRange`]: physical memory a device may be given, as a capability.

use core::marker::PhantomData;

/// A range of physical memory that a device may access: the capability that
/// mapping needs.
///
/// Mapping lets a device read and write memory behind the CPU's back, so
/// safe code cannot map a bare `u64`. It maps a `PhysRange<'a>`, which
/// stands for memory that stays allocated to the device's use for `'a`, and
/// the table only accepts ranges whose `'a` outlives the table itself
/// (`PhysRange<'d>` for a `PageTable<'d, ..>`): no mapping can outlive the
/// memory behind it. Table memory never has a `PhysRange`: [`crate::TableBlock`]
/// only reveals its physical address as a number.
///
/// Safe code gets one from an owner of physical memory that lends it for
/// `'a` (in this crate, the hardware model's simulated DMA allocator,
/// `model::DmaAllocator`; in the kernel, for example, a coherent DMA
/// allocation), and splits or narrows it with [`PhysRange::split_at`] and
/// [`PhysRange::slice`]. Where physical addresses arrive from C and someone
/// else vouches for them (the kernel's `iommu_domain_ops::map_pages` glue: the
/// IOMMU core hands over memory its caller owns), [`PhysRange::new`] is the
/// one `unsafe` constructor.
///
/// `PhysRange` is `Copy`: mapping the same memory at several IOVAs is
/// allowed (the capability is to let devices use the memory at all).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PhysRange<'a> {
    start: u64,
    len: u64,
    _owner: PhantomData<&'a ()>,
}

impl<'a> PhysRange<'a> {
    /// Vouches for `[start, start + len)` as memory a device may access.
    ///
    /// # Safety
    ///
    /// For all of `'a`, and for as long as any mapping made from this value
    /// (or a piece of it) exists in a page table (until it is unmapped and
    /// the unmap's batch has synced, or the table is destroyed):
    ///
    /// - `[start, start + len)` is memory (or MMIO) that the device may read
    ///   and write as the mapping's `Prot` allows without breaking any Rust
    ///   or C invariant: no Rust reference relies on it staying unchanged,
    ///   and it is not freed or reused for anything else;
    /// - none of it is page-table memory of ptcore (or of anything else the
    ///   IOMMU walks);
    /// - `start + len` does not wrap.
    ///
    /// In the kernel glue this is the contract of `iommu_map()`: the IOMMU
    /// core's caller owns the pages until it unmaps them.
    pub const unsafe fn new(start: u64, len: u64) -> Self {
        PhysRange {
            start,
            len,
            _owner: PhantomData,
        }
    }

    /// First physical address.
    pub const fn start(&self) -> u64 {
        self.start
    }

    /// Length in bytes.
    pub const fn len(&self) -> u64 {
        self.len
    }

    /// Whether the range is empty.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first `mid` bytes and the rest; `None` when `mid > len`.
    #[must_use]
    pub const fn split_at(self, mid: u64) -> Option<(Self, Self)> {
        if mid > self.len {
            return None;
        }
        Some((
            PhysRange {
                start: self.start,
                len: mid,
                _owner: PhantomData,
            },
            PhysRange {
                start: self.start + mid,
                len: self.len - mid,
                _owner: PhantomData,
            },
        ))
    }

    /// `len` bytes from `offset`; `None` when that is not inside the range.
    #[must_use]
    pub const fn slice(self, offset: u64, len: u64) -> Option<Self> {
        match offset.checked_add(len) {
            Some(end) if end <= self.len => Some(PhysRange {
                start: self.start + offset,
                len,
                _owner: PhantomData,
            }),
            _ => None,
        }
    }
}

impl core::fmt::Debug for PhysRange<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PhysRange({:#x}, {:#x} bytes)", self.start, self.len)
    }
}
