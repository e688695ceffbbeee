// SPDX-License-Identifier: GPL-2.0 OR MIT
//! Formats, configuration and flag types.

use crate::bindings as b;
use core::marker::PhantomData;
use core::ops::{BitAnd, BitOr, BitOrAssign};

mod sealed {
    /// Only this crate implements [`super::Format`].
    pub trait Sealed {}
}

/// A page-table format the C core implements.
///
/// Sealed: the marker types of this crate are the only implementations, one
/// per format of `enum ptcore_format` that the core supports. They are
/// uninhabited `enum`s: types only, never values.
pub trait Format: sealed::Sealed + Send + Sync + 'static {
    /// The `enum ptcore_format` value.
    const ID: u32;
    /// A short human-readable name.
    const NAME: &'static str;
}

macro_rules! formats {
    ($($(#[$doc:meta])* $name:ident = $id:path, $pretty:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub enum $name {}
        impl sealed::Sealed for $name {}
        impl Format for $name {
            const ID: u32 = $id;
            const NAME: &'static str = $pretty;
        }
    )*};
}

formats! {
    /// VMSAv8-64 stage 1 (ARM SMMU v2/v3 stage 1): granule 4K (default), 16K
    /// or 64K; geometry and descriptors as Linux io-pgtable-arm.
    ArmLpaeS1 = b::ptcore_format_PTCORE_FMT_ARM64_LPAE_S1, "ARM LPAE stage 1";
    /// VMSAv8-64 stage 2, with Linux 6.1's concatenated roots.
    ArmLpaeS2 = b::ptcore_format_PTCORE_FMT_ARM64_LPAE_S2, "ARM LPAE stage 2";
    /// Apple DART t8020/t8103 ("DART1"): granule 16K (default) or 4K, oas 36.
    AppleDart = b::ptcore_format_PTCORE_FMT_APPLE_DART, "Apple DART1";
    /// Apple DART t6000/t8110/t602x ("DART2"): granule 16K, oas 36 or 42.
    AppleDart2 = b::ptcore_format_PTCORE_FMT_APPLE_DART2, "Apple DART2";
    /// AMD IOMMU v1 host table: 4K tables, every page size from 4K but 512G
    /// (sized pages replicated over their entries), the levels fixed by ias
    /// (DTE mode in [`HwInfo::mode`](crate::HwInfo::mode)); entries as Linux
    /// 6.12's amd/io_pgtable.c.
    AmdV1 = b::ptcore_format_PTCORE_FMT_AMDV1, "AMD IOMMU v1";
    /// Intel VT-d second stage: 4K granule, 3, 4 or 5 levels (ias up to 39,
    /// 48, 57), 2M and 1G leaves, SNP with [`Prot::CACHE`], the D bit as
    /// dirty state; `HwInfo::mode` is the AW field (levels - 2).
    VtdSs = b::ptcore_format_PTCORE_FMT_VTDSS, "Intel VT-d second stage";
    /// x86-64 paging (AMD IOMMU v2, VT-d first stage): 4K granule, 4 or 5
    /// levels (ias up to 48, 57), 2M and 1G leaves, entries as Linux 6.12's
    /// amd/io_pgtable_v2.c; `HwInfo::mode` is the level count.
    X86_64 = b::ptcore_format_PTCORE_FMT_X86_64, "x86-64";
    /// RISC-V IOMMU first stage, Sv39/Sv48/Sv57 (the smallest mode that holds
    /// ias, at most 56): granule 4K, leaves at every level.
    RiscV64 = b::ptcore_format_PTCORE_FMT_RISCV64, "RISC-V Sv39/48/57";
    /// ARM short descriptor (VMSAv7), as Linux 6.12's io-pgtable-arm-v7s:
    /// 32-bit entries, two levels, 4K/64K/1M/16M leaves (64K and 16M
    /// replicated over 16 entries), ias and oas up to 32, tables below 4 GiB;
    /// the TTBR attributes in `arm_sh`/`arm_irgn`/`arm_orgn` and
    /// `NMRR << 32 | PRRR` in `arm_mair` (see `struct ptcore_hw_info`).
    ArmV7s = b::ptcore_format_PTCORE_FMT_ARM_V7S, "ARM short descriptor (v7s)";
}

macro_rules! flags {
    ($(#[$tdoc:meta])* $ty:ident { $($(#[$doc:meta])* $name:ident = $val:expr;)* }) => {
        $(#[$tdoc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
        pub struct $ty(u32);

        impl $ty {
            $($(#[$doc])* pub const $name: $ty = $ty($val);)*
            /// No flag set.
            pub const EMPTY: $ty = $ty(0);

            /// The raw bits, as the C ABI takes them.
            pub const fn bits(self) -> u32 {
                self.0
            }

            /// Builds the value from raw bits (unknown bits are kept: the C side
            /// refuses them with `EINVAL`).
            pub const fn from_bits(bits: u32) -> Self {
                $ty(bits)
            }

            /// Whether every bit of `other` is set in `self`.
            pub const fn contains(self, other: $ty) -> bool {
                self.0 & other.0 == other.0
            }

            /// The union of `self` and `other` (usable in `const`).
            pub const fn union(self, other: $ty) -> $ty {
                $ty(self.0 | other.0)
            }
        }

        impl BitOr for $ty {
            type Output = $ty;
            fn bitor(self, rhs: $ty) -> $ty {
                $ty(self.0 | rhs.0)
            }
        }

        impl BitOrAssign for $ty {
            fn bitor_assign(&mut self, rhs: $ty) {
                self.0 |= rhs.0;
            }
        }

        impl BitAnd for $ty {
            type Output = $ty;
            fn bitand(self, rhs: $ty) -> $ty {
                $ty(self.0 & rhs.0)
            }
        }
    };
}

flags! {
    /// Access flags for [`crate::PageTable::map_pages`]; the bit values of the
    /// kernel's `IOMMU_*` flags. READ or WRITE must be present.
    Prot {
        /// Readable by the device.
        READ = b::PTCORE_PROT_READ;
        /// Writable by the device.
        WRITE = b::PTCORE_PROT_WRITE;
        /// Cacheable, coherent memory.
        CACHE = b::PTCORE_PROT_CACHE;
        /// Not executable.
        NOEXEC = b::PTCORE_PROT_NOEXEC;
        /// Device (MMIO) memory.
        MMIO = b::PTCORE_PROT_MMIO;
        /// Privileged accesses only.
        PRIV = b::PTCORE_PROT_PRIV;
    }
}

flags! {
    /// Table features (`ptcore_cfg.features`).
    Features {
        /// The walker does not snoop CPU caches: [`crate::IommuOps::sync_table`]
        /// runs after table writes.
        DMA_INCOHERENT = b::PTCORE_FEAT_DMA_INCOHERENT;
        /// Unmap also frees the tables it leaves with no valid entry (below
        /// the top), through the batch: after the flush, like wholly removed
        /// tables. Such an unmap may free tables beyond its range, so a table
        /// with this feature cannot be split into [`crate::Region`]s.
        FREE_EMPTY_TABLES = b::PTCORE_FEAT_FREE_EMPTY_TABLES;
        /// Hardware dirty state (ARM: DBM): writable leaves start dirty, and
        /// [`crate::UnmapBatch::read_and_clear_dirty`] reports and cleans
        /// them. Not with DART or [`Features::DMA_INCOHERENT`].
        DIRTY_TRACKING = b::PTCORE_FEAT_DIRTY_TRACKING;
        /// ARM: NS / NSTABLE bits.
        ARM_NS = b::PTCORE_FEAT_ARM_NS;
        /// ARM stage 2: FWB memory attributes.
        ARM_S2FWB = b::PTCORE_FEAT_ARM_S2FWB;
        /// ARM: the SMMU has break-before-make level 2, so
        /// [`crate::UnmapBatch::cut`] replaces a large leaf in place, without
        /// the flush in between that break-before-make needs otherwise.
        ARM_BBML2 = b::PTCORE_FEAT_ARM_BBML2;
        /// ARM, 4K and 16K granules: the FEAT_LPA2 descriptors (TCR.DS set):
        /// ias and oas up to 52, OA\[51:50\] in descriptor bits 9:8.
        ARM_LPA2 = b::PTCORE_FEAT_ARM_LPA2;
    }
}

/// How to build a [`crate::PageTable`] of format `F`.
///
/// A plain builder: nothing is checked here; [`crate::PageTable::new`] hands
/// the whole configuration to the C core, which validates all of it and
/// answers `EINVAL` (or `EOPNOTSUPP` for a feature the format lacks).
pub struct Config<F: Format> {
    ias: u8,
    oas: u8,
    granule_lg2: u8,
    pgsize_bitmap: u64,
    features: Features,
    _format: PhantomData<fn() -> F>,
}

impl<F: Format> Clone for Config<F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F: Format> Copy for Config<F> {}

impl<F: Format> core::fmt::Debug for Config<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Config")
            .field("format", &F::NAME)
            .field("ias", &self.ias)
            .field("oas", &self.oas)
            .field("granule_lg2", &self.granule_lg2)
            .field("pgsize_bitmap", &self.pgsize_bitmap)
            .field("features", &self.features)
            .finish()
    }
}

impl<F: Format> Config<F> {
    /// A configuration with `ias` input (IOVA) bits and `oas` output bits, the
    /// format's default granule, every page size and no feature.
    pub const fn new(ias: u8, oas: u8) -> Self {
        Config {
            ias,
            oas,
            granule_lg2: 0,
            pgsize_bitmap: 0,
            features: Features::EMPTY,
            _format: PhantomData,
        }
    }

    /// Sets the translation granule, as log2 of its size (12, 14 or 16; 0 is
    /// the format's default).
    pub const fn granule_lg2(mut self, lg2: u8) -> Self {
        self.granule_lg2 = lg2;
        self
    }

    /// Restricts the leaf sizes (0: every size the format has at this granule;
    /// ARM contiguous-hint sizes only when asked for here).
    pub const fn pgsize_bitmap(mut self, bitmap: u64) -> Self {
        self.pgsize_bitmap = bitmap;
        self
    }

    /// Sets the features.
    pub const fn features(mut self, features: Features) -> Self {
        self.features = features;
        self
    }

    /// Input address bits.
    pub const fn ias(&self) -> u8 {
        self.ias
    }

    /// Output address bits.
    pub const fn oas(&self) -> u8 {
        self.oas
    }

    /// The features asked for.
    pub(crate) const fn features_raw(&self) -> Features {
        self.features
    }

    /// The raw configuration, without ops and cookie.
    pub(crate) fn to_raw(self) -> b::ptcore_cfg {
        b::ptcore_cfg {
            format: F::ID,
            features: self.features.bits(),
            pgsize_bitmap: self.pgsize_bitmap,
            ias: self.ias,
            oas: self.oas,
            granule_lg2: self.granule_lg2,
            ..Default::default()
        }
    }
}
