// SPDX-License-Identifier: GPL-2.0 OR MIT
//! Physical addresses as a capability.
//!
//! Mapping lets a device read or write memory, so safe code cannot map a
//! number it made up: a map takes a [`PhysRange`], and the only way to get
//! one is the `unsafe` [`PhysRange::new`], used once at the boundary where
//! physical addresses arrive from C (the kernel's `iommu_domain_ops` glue,
//! where the IOMMU core vouches for them, or a scatter list the DMA API
//! built). Driver code only passes the values on. Table memory is never
//! handed out as a `PhysRange`.

/// A range of physical (bus) memory that may be mapped for a device.
///
/// # Invariants
///
/// `[start, start + len)` does not wrap, and whoever built the value
/// promised that the memory may be made accessible to the device for as long
/// as any mapping of it exists (see [`PhysRange::new`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PhysRange {
    start: u64,
    len: u64,
}

impl PhysRange {
    /// Vouches for `[start, start + len)`.
    ///
    /// Returns `None` when the range wraps.
    ///
    /// # Safety
    ///
    /// The memory must be memory the device may access (as the DMA API
    /// grants it): owned by the caller or its user for at least as long as a
    /// mapping of it exists, not ptcore's table memory, and not memory the
    /// kernel relies on the device not to touch.
    pub unsafe fn new(start: u64, len: u64) -> Option<PhysRange> {
        start.checked_add(len)?;
        // INVARIANT: no wrap (checked); the rest is the caller's promise.
        Some(PhysRange { start, len })
    }

    /// The empty range: it maps nothing, so anyone may have it.
    pub const fn empty() -> PhysRange {
        // INVARIANT: an empty range at 0 does not wrap and covers no memory.
        PhysRange { start: 0, len: 0 }
    }

    /// First physical address.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// Length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the range is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The sub-range `[start + offset, start + offset + len)`, if inside.
    pub fn sub(&self, offset: u64, len: u64) -> Option<PhysRange> {
        let end = offset.checked_add(len)?;
        if end > self.len {
            return None;
        }
        // INVARIANT: inside a range that was vouched for, so no wrap either.
        Some(PhysRange {
            start: self.start + offset,
            len,
        })
    }

    /// Splits the range in two at `mid` bytes (as `slice::split_at`).
    pub fn split_at(&self, mid: u64) -> Option<(PhysRange, PhysRange)> {
        Some((self.sub(0, mid)?, self.sub(mid, self.len.checked_sub(mid)?)?))
    }
}
