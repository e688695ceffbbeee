// SPDX-License-Identifier: GPL-2.0 OR MIT
//! The sample drivers of `rust-bindings/examples/` as kernel Rust: an Arm
//! SMMUv3 stage-1 driver ([`smmu`]) and an Apple DART driver ([`dart`]),
//! each driving a simulated device ([`model`]), exercised by the KUnit suite
//! `ptcore_rust_samples`: map a scatter list, DMA through the walker, unmap,
//! see the stale translation until the flush, flush before any table is
//! freed, fault after the sync. The drivers contain no `unsafe`
//! (`#![forbid(unsafe_code)]`); the one `unsafe` is where physical addresses
//! arrive, as they would from the IOMMU core ([`scatter_list`]).

pub(crate) mod model;

mod dart;
mod smmu;

use crate::in_kernel::kunit::{check, check_eq, kunit_suite, Test};
use crate::{Format, IommuOps, MapError, PageTable, PhysRange, Prot, TableView};

/// Maps a scatter list contiguously from `iova`, each chunk in the largest
/// page size its alignment allows (as `iommu_map_sg`): the bytes mapped.
pub(crate) fn map_sg<'d, F: Format, D: IommuOps>(
    pt: &mut PageTable<'d, F, D>,
    mut iova: u64,
    sg: &[PhysRange<'d>],
    prot: Prot,
) -> Result<u64, MapError> {
    let start = iova;
    let sizes = pt.hw_info().pgsize_bitmap();
    for chunk in sg {
        let mut rest = *chunk;
        while !rest.is_empty() {
            let pa = rest.start();
            let size = (0..64u32)
                .rev()
                .map(|b| 1u64 << b)
                .find(|s| sizes & s != 0 && (iova | pa) & (s - 1) == 0 && rest.len() >= *s)
                .ok_or(MapError {
                    mapped: iova - start,
                    error: crate::code::EINVAL,
                })?;
            let count = rest.len() / size;
            let Some((head, tail)) = rest.split_at(size * count) else {
                break;
            };
            pt.map_pages(iova, head, size, prot).map_err(|e| MapError {
                mapped: iova - start + e.mapped,
                error: e.error,
            })?;
            iova += head.len();
            rest = tail;
        }
    }
    Ok(iova - start)
}

/// The boundary where physical addresses arrive: in a kernel driver, the
/// scatter list the DMA API built for a buffer, which the IOMMU core passes
/// to `iommu_domain_ops::map_pages`. Here the chunks are test numbers that no
/// real device ever accesses (the model only translates them).
pub(crate) fn scatter_list<const N: usize>(chunks: [(u64, u64); N]) -> [PhysRange<'static>; N] {
    chunks.map(|(pa, len)| {
        // SAFETY: the simulated device only translates these addresses, it
        // never reads or writes the memory behind them.
        unsafe { PhysRange::new(pa, len) }
    })
}

fn smmu_dma(t: &mut Test) {
    smmu::run(t);
}

fn dart_dma(t: &mut Test) {
    dart::run(t);
}

kunit_suite!(SAMPLE_CASES, "ptcore_rust_samples", [smmu_dma, dart_dma]);

/// Checks shared by both samples' stories.
pub(crate) fn expect_translates(
    t: &mut Test,
    view: TableView<'_>,
    iotlb: &model::Iotlb,
    iova: u64,
    pa: u64,
) {
    check_eq!(t, iotlb.dma(view, iova, model::Access::Read), Ok(pa));
    check!(t, model::walk(view, iova).map(|w| w.oa) == Some(pa));
}
