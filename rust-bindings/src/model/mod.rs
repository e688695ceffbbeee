// SPDX-License-Identifier: GPL-2.0 OR MIT
//! A hardware model, for tests and sample drivers (feature `model`).
//!
//! - [`walk`]: a page-table walker per format, written from the architecture
//!   (see `FORMATS.md`), not from ptcore's code. It starts at the root address
//!   the device's registers hold and reads raw table memory, as an SMMU or a
//!   DART would.
//! - [`Iotlb`]: a translation cache in front of the walker. It keeps
//!   translations (and, as a walk cache, the physical addresses of the tables
//!   a walk went through) until the driver invalidates them, so a device keeps
//!   using a stale translation after an unmap until the flush, exactly like
//!   hardware. [`Iotlb::caches_table`] tells whether some cached walk still
//!   points into a table: a table freed while that is true is the
//!   use-after-free that "flush before free" prevents.
//!
//! - [`DmaAllocator`]: simulated physical memory for devices, handing out
//!   [`crate::PhysRange`]s (the sample drivers' scatter lists come from it).
//! - [`SpinLock`]: a lock that never sleeps, for driver callbacks (which may
//!   run in atomic context in the kernel).
//!
//! Reading table memory needs `unsafe` (`ptcore_phys_to_virt` and a raw
//! load); it is wrapped here, and sound because a walk only starts at one of
//! the table's own roots, follows table entries ptcore wrote, stays inside each
//! table's bounds, and walks only IOVAs that its [`crate::TableView`] holds
//! against unmaps (a `&PageTable`, or a `&Region` containing the IOVA).

mod dma;
mod iotlb;
mod spin;
mod walk;

pub use dma::{DmaAllocator, DmaBuffer};
pub use iotlb::{Iotlb, IotlbStats};
pub use spin::{SpinGuard, SpinLock};
pub use walk::{geometry, walk, Geometry, TableVisit, Walk};

/// A device access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The device reads memory.
    Read,
    /// The device writes memory.
    Write,
}

/// Why a device access faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The root address the device uses is not a root of this table (a
    /// driver programmed a wrong register), or no TTBR covers the IOVA.
    BadRoot {
        /// The address the device used (0 when no TTBR covers the IOVA).
        root: u64,
    },
    /// The view the walk was given does not hold this IOVA (it belongs to
    /// another region): the model does not walk it.
    NotHeld {
        /// The IOVA.
        iova: u64,
    },
    /// The IOVA is beyond the input address size.
    AddressSize {
        /// The faulting IOVA.
        iova: u64,
    },
    /// hw_info describes a geometry the architecture does not give for this
    /// configuration (a ptcore bug): the walker refuses to read.
    Geometry,
    /// No valid entry at `level` (translation fault).
    Translation {
        /// The faulting IOVA.
        iova: u64,
        /// The level (ARM numbering; DART: 0 is the first table below the TTBR).
        level: u8,
    },
    /// A leaf without the access flag (ARM).
    AccessFlag {
        /// The faulting IOVA.
        iova: u64,
    },
    /// The leaf forbids this access.
    Permission {
        /// The faulting IOVA.
        iova: u64,
        /// The access.
        access: Access,
    },
}

impl core::fmt::Display for Fault {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Fault::BadRoot { root } => write!(f, "bad root table {root:#x}"),
            Fault::NotHeld { iova } => write!(f, "{iova:#x} is not held by this view"),
            Fault::AddressSize { iova } => write!(f, "address size fault at {iova:#x}"),
            Fault::Geometry => write!(f, "table geometry differs from the architecture"),
            Fault::Translation { iova, level } => {
                write!(f, "translation fault at {iova:#x}, level {level}")
            }
            Fault::AccessFlag { iova } => write!(f, "access flag fault at {iova:#x}"),
            Fault::Permission { iova, access } => {
                write!(f, "permission fault at {iova:#x} ({access:?})")
            }
        }
    }
}
