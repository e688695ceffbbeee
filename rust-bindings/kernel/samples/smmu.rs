// SPDX-License-Identifier: GPL-2.0 OR MIT
//! A sample Arm SMMUv3 stage-1 driver on ptcore, against a simulated device.
//!
//! The driver builds the context descriptor from `hw_info`, maps a scatter
//! list, and turns every flush into CMD_TLBI_NH_VA range commands (leaf-only
//! unless the batch removed tables) followed by CMD_SYNC, or one
//! CMD_TLBI_NH_ASID for the whole space; its table-memory hooks check that
//! no walk-cache entry still points into a table when ptcore frees it.

#![forbid(unsafe_code)]

use super::model::{Access, Fault, Iotlb};
use super::{expect_translates, map_sg, scatter_list};
use crate::in_kernel::kunit::{check, check_eq, Test};
use crate::{ArmLpaeS1, Config, Flush, Gfp, HwInfo, IommuOps, PageTable, Prot, TableBlock};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

const ASID: u64 = 1;

/// The SMMU: its command queue counters, its IOTLB, and its table memory.
pub(crate) struct Smmu {
    iotlb: Iotlb,
    ias: AtomicU64,
    tlbi_va: AtomicU64,
    tlbi_va_leaf: AtomicU64,
    tlbi_asid: AtomicU64,
    syncs: AtomicU64,
    tables_live: AtomicU64,
    frees: AtomicU64,
    frees_while_cached: AtomicU64,
    syncs_at_last_free: AtomicU64,
}

impl Smmu {
    pub(crate) const fn new() -> Smmu {
        Smmu {
            iotlb: Iotlb::new(),
            ias: AtomicU64::new(48),
            tlbi_va: AtomicU64::new(0),
            tlbi_va_leaf: AtomicU64::new(0),
            tlbi_asid: AtomicU64::new(0),
            syncs: AtomicU64::new(0),
            tables_live: AtomicU64::new(0),
            frees: AtomicU64::new(0),
            frees_while_cached: AtomicU64::new(0),
            syncs_at_last_free: AtomicU64::new(0),
        }
    }

    /// Context descriptor words 0, 1 and 3 (TCR/V/AA64/ASID, TTB0, MAIR).
    pub(crate) fn attach(&self, hw: &HwInfo) -> [u64; 3] {
        self.ias.store(u64::from(hw.ias()), Relaxed);
        let w0 = u64::from(hw.arm_tsz() & 0x3f)
            | u64::from(hw.arm_tg() & 3) << 6
            | u64::from(hw.arm_irgn() & 3) << 8
            | u64::from(hw.arm_orgn() & 3) << 10
            | u64::from(hw.arm_sh() & 3) << 12
            | 1 << 30 // EPD1
            | 1 << 31 // V
            | u64::from(hw.arm_ps() & 7) << 32
            | 1 << 41 // AA64
            | ASID << 48;
        let ttb0 = hw.roots().first().copied().unwrap_or(0) & 0x000f_ffff_ffff_fff0;
        [w0, ttb0, hw.arm_mair()]
    }

    fn tlbi_range(&self, start: u64, last: u64, leaf: bool) {
        // (num + 1) << scale pages of 4K per command, num < 32.
        let mut addr = start & !0xfff;
        let mut pages = ((last - addr) >> 12) + 1;
        while pages > 0 {
            let scale = pages.trailing_zeros().min(63);
            let num = ((pages >> scale) & 31).max(1);
            self.tlbi_va.fetch_add(1, Relaxed);
            if leaf {
                self.tlbi_va_leaf.fetch_add(1, Relaxed);
            }
            let len = num << (scale + 12);
            self.iotlb.invalidate(addr, addr + len - 1);
            addr += len;
            pages -= num << scale;
        }
    }
}

impl IommuOps for Smmu {
    type Domain = ();
    const TABLE_MEMORY_HOOKS: bool = true;

    fn iotlb_flush(&self, flush: &Flush<'_, ()>) {
        let ias = self.ias.load(Relaxed);
        if ias < 64 && flush.size() >= 1u64 << ias {
            self.tlbi_asid.fetch_add(1, Relaxed);
            self.iotlb.invalidate_all();
        } else {
            self.tlbi_range(flush.start(), flush.last(), !flush.tables_removed());
        }
        // CMD_SYNC: everything before it has completed.
        self.syncs.fetch_add(1, Relaxed);
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
        self.syncs_at_last_free
            .store(self.syncs.load(Relaxed), Relaxed);
        self.frees.fetch_add(1, Relaxed);
        self.tables_live.fetch_sub(1, Relaxed);
    }
}

/// The story: attach, map a scatter list, DMA, unmap, stale until the
/// flush, tables freed after CMD_SYNC, fault after the sync, detach.
pub(crate) fn run(t: &mut Test) {
    let smmu = Smmu::new();
    {
        let Ok(mut pt) = PageTable::new(&Config::<ArmLpaeS1>::new(48, 48), &smmu) else {
            check!(t, false);
            return;
        };
        let cd = smmu.attach(&pt.hw_info());
        check_eq!(t, cd[0] & 0x3f, 16); // T0SZ = 64 - 48
        check!(
            t,
            cd[1] != 0 && pt.hw_info().roots().first() == Some(&cd[1])
        );

        // A 2M block, a whole last-level table of 4K pages, three more pages.
        let iova = 0x4000_0000u64;
        let sg = scatter_list([
            (0x8000_0000, 0x20_0000),
            (0x9000_1000, 0x20_0000),
            (0xa000_0000, 0x3000),
        ]);
        let total = 0x40_3000u64;
        check_eq!(
            t,
            map_sg(&mut pt, iova, &sg, Prot::READ | Prot::WRITE).ok(),
            Some(total)
        );
        expect_translates(t, pt.view(), &smmu.iotlb, iova + 0x1234, 0x8000_1234);
        expect_translates(
            t,
            pt.view(),
            &smmu.iotlb,
            iova + 0x20_0000 + 0x5678,
            0x9000_6678,
        );
        expect_translates(t, pt.view(), &smmu.iotlb, iova + 0x40_2010, 0xa000_2010);
        check_eq!(
            t,
            smmu.iotlb.dma(pt.view(), iova + 0x40_3000, Access::Read),
            Err(Fault::Translation)
        );

        let syncs = smmu.syncs.load(Relaxed);
        let mut batch = pt.unmap_batch();
        check_eq!(t, batch.unmap(iova, total).ok(), Some(total));
        check!(
            t,
            batch.pending().map(|f| f.tables_to_free() >= 1) == Some(true)
        );
        // Before the flush the device still translates through its IOTLB.
        check_eq!(
            t,
            smmu.iotlb
                .dma(batch.view(), iova + 0x20_0000 + 0x5678, Access::Write),
            Ok(0x9000_6678)
        );
        check_eq!(t, smmu.frees.load(Relaxed), 0);
        batch.sync();
        // Tables removed: range TLBIs that also drop walk caches, one CMD_SYNC,
        // and only then the frees, with no walk-cache entry left on them.
        check_eq!(t, smmu.syncs.load(Relaxed), syncs + 1);
        check!(t, smmu.tlbi_va.load(Relaxed) >= 1);
        check_eq!(t, smmu.tlbi_va_leaf.load(Relaxed), 0);
        check!(t, smmu.frees.load(Relaxed) >= 1);
        check_eq!(t, smmu.syncs_at_last_free.load(Relaxed), syncs + 1);
        check_eq!(t, smmu.frees_while_cached.load(Relaxed), 0);
        // After the sync the device faults.
        check_eq!(
            t,
            smmu.iotlb
                .dma(pt.view(), iova + 0x20_0000 + 0x5678, Access::Read),
            Err(Fault::Translation)
        );
        check_eq!(
            t,
            smmu.iotlb.dma(pt.view(), iova + 0x1234, Access::Read),
            Err(Fault::Translation)
        );

        // A read-only mapping refuses writes.
        let ro = scatter_list([(0xb000_0000, 0x1000)]);
        check!(t, map_sg(&mut pt, iova, &ro, Prot::READ).is_ok());
        check_eq!(
            t,
            smmu.iotlb.dma(pt.view(), iova, Access::Write),
            Err(Fault::Permission)
        );
    }
    // Detach: the table's drop invalidated the whole ASID before destroying.
    check_eq!(t, smmu.tlbi_asid.load(Relaxed), 1);
    check_eq!(t, smmu.tables_live.load(Relaxed), 0);
    check_eq!(t, smmu.frees_while_cached.load(Relaxed), 0);
}
