// SPDX-License-Identifier: GPL-2.0 OR MIT
//! A sample Apple DART driver on ptcore, against a simulated device.
//!
//! The driver programs the TTBRs from `hw_info` (one per 2^(ias - 2) of
//! IOVA space), maps a scatter list of 16K pages, and flushes the way DART
//! does: a whole-stream TLB invalidation, polled until the hardware says it
//! is done. Its table-memory hooks check that no walk-cache entry still
//! points into a table when ptcore frees it.

#![forbid(unsafe_code)]

use super::model::{Access, Fault, Iotlb};
use super::{expect_translates, map_sg, scatter_list};
use crate::in_kernel::kunit::{check, check_eq, Test};
use crate::{AppleDart, Config, Flush, Gfp, HwInfo, IommuOps, PageTable, Prot, TableBlock};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// TTBR valid bit (DART1) and the shift of the table address in it.
const TTBR_VALID: u64 = 1 << 31;
const TTBR_SHIFT: u32 = 12;

/// The DART: its stream's TTBRs, flush counter, IOTLB and table memory.
pub(crate) struct Dart {
    iotlb: Iotlb,
    stream_flushes: AtomicU64,
    tables_live: AtomicU64,
    frees: AtomicU64,
    frees_while_cached: AtomicU64,
    flushes_at_last_free: AtomicU64,
}

impl Dart {
    pub(crate) const fn new() -> Dart {
        Dart {
            iotlb: Iotlb::new(),
            stream_flushes: AtomicU64::new(0),
            tables_live: AtomicU64::new(0),
            frees: AtomicU64::new(0),
            frees_while_cached: AtomicU64::new(0),
            flushes_at_last_free: AtomicU64::new(0),
        }
    }

    /// The TTBR values of the stream, one per root table.
    pub(crate) fn attach(&self, hw: &HwInfo) -> [u64; 4] {
        let mut ttbr = [0u64; 4];
        for (reg, root) in ttbr.iter_mut().zip(hw.roots()) {
            *reg = TTBR_VALID | (root >> TTBR_SHIFT);
        }
        ttbr
    }
}

impl IommuOps for Dart {
    type Domain = ();
    const TABLE_MEMORY_HOOKS: bool = true;

    fn iotlb_flush(&self, _flush: &Flush<'_, ()>) {
        // DART invalidates a whole stream at once; the range is not used.
        self.iotlb.invalidate_all();
        self.stream_flushes.fetch_add(1, Relaxed);
    }

    fn alloc_table(&self, _domain: &(), size: usize, gfp: Gfp) -> Option<TableBlock> {
        let block = TableBlock::alloc(size, gfp)?;
        self.tables_live.fetch_add(1, Relaxed);
        Some(block)
    }

    fn free_table(&self, _domain: &(), block: TableBlock) {
        if self.iotlb.caches_table(block.phys()) {
            self.frees_while_cached.fetch_add(1, Relaxed);
        }
        self.flushes_at_last_free
            .store(self.stream_flushes.load(Relaxed), Relaxed);
        self.frees.fetch_add(1, Relaxed);
        self.tables_live.fetch_sub(1, Relaxed);
    }
}

/// The story: program the TTBRs, map, DMA, unmap, stale until the stream
/// flush, tables freed after it, fault after the sync, detach.
pub(crate) fn run(t: &mut Test) {
    let dart = Dart::new();
    {
        let Ok(mut pt) = PageTable::new(&Config::<AppleDart>::new(32, 36), &dart) else {
            check!(t, false);
            return;
        };
        let ttbr = dart.attach(&pt.hw_info());
        check!(t, ttbr[0] & TTBR_VALID != 0);
        check_eq!(t, pt.hw_info().granule_lg2(), 14);

        // A whole last-level table of 16K pages (32M), then three pages.
        let iova = 0x4000_0000u64;
        let sg = scatter_list([(0x8_0000_0000, 0x200_0000), (0x9_0000_4000, 0xc000)]);
        let total = 0x200_c000u64;
        check_eq!(
            t,
            map_sg(&mut pt, iova, &sg, Prot::READ | Prot::WRITE).ok(),
            Some(total)
        );
        expect_translates(t, pt.view(), &dart.iotlb, iova + 0x12_3456, 0x8_0012_3456);
        expect_translates(t, pt.view(), &dart.iotlb, iova + 0x200_4010, 0x9_0000_8010);
        check_eq!(
            t,
            dart.iotlb.dma(pt.view(), iova + total, Access::Read),
            Err(Fault::Translation)
        );

        let flushes = dart.stream_flushes.load(Relaxed);
        let mut batch = pt.unmap_batch();
        check_eq!(t, batch.unmap(iova, total).ok(), Some(total));
        check!(
            t,
            batch.pending().map(|f| f.tables_to_free() >= 1) == Some(true)
        );
        check_eq!(
            t,
            dart.iotlb.dma(batch.view(), iova + 0x12_3456, Access::Read),
            Ok(0x8_0012_3456)
        );
        check_eq!(t, dart.frees.load(Relaxed), 0);
        batch.sync();
        check_eq!(t, dart.stream_flushes.load(Relaxed), flushes + 1);
        check!(t, dart.frees.load(Relaxed) >= 1);
        check_eq!(t, dart.flushes_at_last_free.load(Relaxed), flushes + 1);
        check_eq!(t, dart.frees_while_cached.load(Relaxed), 0);
        check_eq!(
            t,
            dart.iotlb.dma(pt.view(), iova + 0x12_3456, Access::Read),
            Err(Fault::Translation)
        );
        check_eq!(
            t,
            dart.iotlb.dma(pt.view(), iova + 0x200_4010, Access::Write),
            Err(Fault::Translation)
        );
    }
    check_eq!(t, dart.tables_live.load(Relaxed), 0);
    check_eq!(t, dart.frees_while_cached.load(Relaxed), 0);
}
