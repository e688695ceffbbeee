// SPDX-License-Identifier: GPL-2.0 OR MIT
//! The contract suites, in Rust, through the kernel-Rust abstraction.
//!
//! The same cases run for four formats: ARM LPAE stage 1 (4K granule, 48-bit
//! spaces) as `ptcore_rust_arm`, stage 2 (4K, 40 bits, concatenated roots) as
//! `ptcore_rust_arm_s2`, Apple DART1 (16K granule, 32-bit IOVA, 36-bit
//! output) as `ptcore_rust_dart` and DART2 (16K, 32/42 bits) as
//! `ptcore_rust_dart2`: errors, partial-map reporting
//! (`EADDRINUSE` and an injected `ENOMEM`), flush-before-free ordering, a
//! batch dropped without `sync()` (and one forgotten) still flushing before
//! anything is freed, no leak, and the seed's unmap semantics: a hole gives
//! `EINVAL` with the prefix removed and gathered, a start inside a leaf gives
//! `EINVAL` with nothing removed, an end inside a large leaf removes and
//! gathers the whole leaf, and wholly covered tables are freed only after the
//! flush while partly covered ones stay.
//!
//! # Conventions in this file
//!
//! `t` is the running KUnit case, `pt` a page table, `ops` the recording
//! driver [`Rec`], `pg` the format's page (granule) size, `blk` the span of
//! one last-level table (a table full of pages), `big` the large leaf the
//! unmap cases use (ARM: a 2M block; DART has page leaves only, so its page).
//! Physical addresses are test numbers: no device walks these tables, so
//! vouching for them (`PhysRange::new`) is sound.

use crate::in_kernel::kunit::{check, check_eq, kunit_suite, Test};
use crate::{
    code, mem_stats, AppleDart, AppleDart2, ArmLpaeS1, ArmLpaeS2, Config, Error, Flush, Format,
    Gfp, IommuOps, MapError, PageTable, PhysRange, Prot, TableBlock,
};
use core::sync::atomic::{AtomicI64, AtomicU64, Ordering::SeqCst};
use kernel::alloc::flags::GFP_KERNEL;

/// A driver that records what ptcore asks of it.
///
/// Flushes and frees are counted, and every free records how many flushes
/// had completed by then (`flushes_at_last_free`), so a case can tell that
/// the tables an unmap removed were freed only after the flush that made the
/// hardware forget them. `budget` injects `ENOMEM` after that many table
/// allocations.
pub(crate) struct Rec {
    flushes: AtomicU64,
    allocs: AtomicU64,
    frees: AtomicU64,
    /// Flushes counted when the last block was freed.
    flushes_at_last_free: AtomicU64,
    last_start: AtomicU64,
    last_end: AtomicU64,
    last_tables: AtomicU64,
    /// Allocations still allowed (negative: no limit).
    budget: AtomicI64,
}

impl Rec {
    pub(crate) const fn new() -> Rec {
        Rec {
            flushes: AtomicU64::new(0),
            allocs: AtomicU64::new(0),
            frees: AtomicU64::new(0),
            flushes_at_last_free: AtomicU64::new(0),
            last_start: AtomicU64::new(0),
            last_end: AtomicU64::new(0),
            last_tables: AtomicU64::new(0),
            budget: AtomicI64::new(-1),
        }
    }

    fn flushes(&self) -> u64 {
        self.flushes.load(SeqCst)
    }

    fn frees(&self) -> u64 {
        self.frees.load(SeqCst)
    }

    fn allocs(&self) -> u64 {
        self.allocs.load(SeqCst)
    }
}

impl IommuOps for Rec {
    type Domain = ();
    const TABLE_MEMORY_HOOKS: bool = true;

    fn iotlb_flush(&self, flush: &Flush<'_, ()>) {
        self.last_start.store(flush.start(), SeqCst);
        self.last_end.store(flush.last(), SeqCst);
        self.last_tables
            .store(u64::from(flush.tables_removed()), SeqCst);
        self.flushes.fetch_add(1, SeqCst);
    }

    fn alloc_table(&self, _domain: &(), size: usize, gfp: Gfp) -> Option<TableBlock> {
        let left = self.budget.load(SeqCst);
        if left == 0 {
            return None;
        }
        if left > 0 {
            self.budget.store(left - 1, SeqCst);
        }
        let block = TableBlock::alloc(size, gfp)?;
        self.allocs.fetch_add(1, SeqCst);
        Some(block)
    }

    fn free_table(&self, _domain: &(), block: TableBlock) {
        self.flushes_at_last_free.store(self.flushes(), SeqCst);
        self.frees.fetch_add(1, SeqCst);
        drop(block);
    }
}

/// A driver that only flushes: ptcore's built-in allocator, counted by
/// `mem_stats()`.
struct Plain;

impl IommuOps for Plain {
    type Domain = ();
    fn iotlb_flush(&self, _flush: &Flush<'_, ()>) {}
}

/// The geometry a case needs, per format.
trait Geometry: Format + Sized {
    /// The configuration under test.
    fn config() -> Config<Self>;
    /// Page (granule) size.
    const PG: u64;
    /// The large leaf of the unmap cases.
    const BIG: u64;
    /// A base IOVA far from 0, aligned to many last-level tables.
    const BASE: u64;
    /// An IOVA beyond ias.
    const BEYOND: u64;
    /// A physical address beyond oas.
    const PA_BEYOND: u64;
    /// Span of one last-level table: a table full of pages.
    const BLK: u64 = Self::PG * (Self::PG / 8);
}

impl Geometry for ArmLpaeS1 {
    fn config() -> Config<Self> {
        Config::new(48, 48)
    }
    const PG: u64 = 0x1000;
    const BIG: u64 = 0x20_0000;
    const BASE: u64 = 0x40_0000_0000;
    const BEYOND: u64 = 1 << 48;
    const PA_BEYOND: u64 = 1 << 48;
}

impl Geometry for ArmLpaeS2 {
    fn config() -> Config<Self> {
        Config::new(40, 40)
    }
    const PG: u64 = 0x1000;
    const BIG: u64 = 0x20_0000;
    const BASE: u64 = 0x40_0000_0000;
    const BEYOND: u64 = 1 << 40;
    const PA_BEYOND: u64 = 1 << 40;
}

impl Geometry for AppleDart2 {
    fn config() -> Config<Self> {
        Config::new(32, 42)
    }
    const PG: u64 = 0x4000;
    const BIG: u64 = 0x4000;
    const BASE: u64 = 0x4000_0000;
    const BEYOND: u64 = 1 << 32;
    const PA_BEYOND: u64 = 1 << 42;
}

impl Geometry for AppleDart {
    fn config() -> Config<Self> {
        Config::new(32, 36)
    }
    const PG: u64 = 0x4000;
    const BIG: u64 = 0x4000;
    const BASE: u64 = 0x4000_0000;
    const BEYOND: u64 = 1 << 32;
    const PA_BEYOND: u64 = 1 << 36;
}

/// Test memory: see the file's conventions.
fn phys<'a>(pa: u64, len: u64) -> PhysRange<'a> {
    // SAFETY: no device walks the tables of these tests; their physical
    // addresses are only translated, never accessed.
    unsafe { PhysRange::new(pa, len) }
}

/// A map's error as `(errno, mapped)`, `None` for success.
fn merr(r: Result<(), MapError>) -> Option<(i32, u64)> {
    r.err().map(|e| (e.error.to_errno(), e.mapped))
}

const PA: u64 = 0x8_0000_0000;
const RW: Prot = Prot::from_bits(Prot::READ.bits() | Prot::WRITE.bits());

/// The errno of `e`, through the kernel's own error type.
fn errno(e: Error) -> i32 {
    kernel::error::Error::from(e).to_errno()
}

/// Every call's argument errors, in the order the ABI checks them.
fn errors<F: Geometry>(t: &mut Test) {
    let ops = Rec::new();
    // Creation: ias beyond the format, oas below ias, a bad granule.
    check!(
        t,
        PageTable::new(&Config::<F>::new(65, 48), &ops).err() == Some(code::EINVAL)
    );
    check!(
        t,
        PageTable::new(&F::config().granule_lg2(13), &ops).err() == Some(code::EINVAL)
    );
    let Ok(mut pt) = PageTable::new(&F::config(), &ops) else {
        check!(t, false);
        return;
    };
    let (pg, base) = (F::PG, F::BASE);
    let einval = errno(code::EINVAL);
    // pgsize not offered, empty or uneven range, misaligned IOVA and PA, no READ/WRITE.
    let e = merr(pt.map_pages(base, phys(PA, pg * 3), pg * 3, RW));
    check_eq!(t, e, Some((einval, 0)));
    let e = merr(pt.map_pages(base, phys(PA, 0), pg, RW)).map(|e| e.0);
    check_eq!(t, e, Some(einval));
    let e = merr(pt.map_pages(base, phys(PA, pg + 8), pg, RW)).map(|e| e.0);
    check_eq!(t, e, Some(einval));
    let e = merr(pt.map_pages(base + 8, phys(PA, pg), pg, RW)).map(|e| e.0);
    check_eq!(t, e, Some(einval));
    let e = merr(pt.map_pages(base, phys(PA + 8, pg), pg, RW)).map(|e| e.0);
    check_eq!(t, e, Some(einval));
    let e = merr(pt.map_pages(base, phys(PA, pg), pg, Prot::NOEXEC)).map(|e| e.0);
    check_eq!(t, e, Some(einval));
    // Wrap, beyond ias, beyond oas.
    let e = merr(pt.map_pages(0u64.wrapping_sub(pg), phys(PA, 2 * pg), pg, RW)).map(|e| e.0);
    check_eq!(t, e, Some(errno(code::EOVERFLOW)));
    let e = merr(pt.map_pages(F::BEYOND, phys(PA, pg), pg, RW)).map(|e| e.0);
    check_eq!(t, e, Some(errno(code::ERANGE)));
    let e = merr(pt.map_pages(base, phys(F::PA_BEYOND, pg), pg, RW)).map(|e| e.0);
    check_eq!(t, e, Some(errno(code::ERANGE)));
    // Lookups and unmaps of nothing.
    check!(t, pt.iova_to_phys(base).is_none());
    check!(t, pt.iova_to_phys(F::BEYOND).is_none());
    let mut batch = pt.unmap_batch();
    check_eq!(
        t,
        batch
            .unmap(base, 0)
            .map_err(|e| (errno(e.error), e.unmapped)),
        Err((einval, 0))
    );
    check_eq!(
        t,
        batch
            .unmap(0u64.wrapping_sub(pg), 2 * pg)
            .map_err(|e| errno(e.error)),
        Err(errno(code::EOVERFLOW))
    );
    check_eq!(
        t,
        batch.unmap(F::BEYOND, pg).map_err(|e| errno(e.error)),
        Err(errno(code::ERANGE))
    );
    check!(t, batch.pending().is_none());
    batch.sync();
    // Nothing was mapped: no flush but the destroy's.
    check_eq!(t, ops.flushes(), 0);
}

/// `EADDRINUSE` and `ENOMEM` report how much was mapped before them.
fn partial_map<F: Geometry>(t: &mut Test) {
    let (pg, base) = (F::PG, F::BASE);
    let ops = Rec::new();
    {
        let Ok(mut pt) = PageTable::new(&F::config(), &ops) else {
            check!(t, false);
            return;
        };
        check!(t, pt.map_pages(base + 2 * pg, phys(PA, pg), pg, RW).is_ok());
        let e = merr(pt.map_pages(base, phys(PA, 4 * pg), pg, RW));
        check_eq!(t, e, Some((errno(code::EADDRINUSE), 2 * pg)));
        check!(t, pt.iova_to_phys(base + pg + 5) == Some(PA + pg + 5));
        // The page already there is untouched.
        check!(t, pt.iova_to_phys(base + 2 * pg) == Some(PA));
    }
    // Tables one page needs, then the same allocations only for a map that
    // crosses into the next last-level table: ENOMEM after the first page.
    let first = {
        let probe = Rec::new();
        let Ok(mut pt) = PageTable::new(&F::config(), &probe) else {
            check!(t, false);
            return;
        };
        let before = probe.allocs();
        check!(
            t,
            pt.map_pages(base + F::BLK - pg, phys(PA, pg), pg, RW)
                .is_ok()
        );
        probe.allocs() - before
    };
    let ops = Rec::new();
    {
        let Ok(mut pt) = PageTable::new(&F::config(), &ops) else {
            check!(t, false);
            return;
        };
        ops.budget.store(first as i64, SeqCst);
        let gfp = Gfp::from(GFP_KERNEL);
        let e = merr(pt.map_pages_gfp(base + F::BLK - pg, phys(PA, 2 * pg), pg, RW, gfp));
        check_eq!(t, e, Some((errno(code::ENOMEM), pg)));
        check!(t, pt.iova_to_phys(base + F::BLK - pg) == Some(PA));
        check!(t, pt.iova_to_phys(base + F::BLK).is_none());
    }
    check_eq!(t, ops.allocs(), ops.frees());
}

/// Maps one whole last-level table's worth of pages at `iova`.
fn fill_table<F: Geometry, D: IommuOps>(t: &mut Test, pt: &mut PageTable<'_, F, D>, iova: u64) {
    check!(t, pt.map_pages(iova, phys(PA, F::BLK), F::PG, RW).is_ok());
}

/// Wholly covered tables are queued, flushed, and only then freed; partly
/// covered tables stay.
fn flush_before_free<F: Geometry>(t: &mut Test) {
    let base = F::BASE;
    let ops = Rec::new();
    {
        let Ok(mut pt) = PageTable::new(&F::config(), &ops) else {
            check!(t, false);
            return;
        };
        fill_table(t, &mut pt, base);
        fill_table(t, &mut pt, base + F::BLK);
        let (flushes, frees) = (ops.flushes(), ops.frees());
        let mut batch = pt.unmap_batch();
        // Half a table: its pages go, the table stays.
        check_eq!(
            t,
            batch.unmap(base + F::BLK, F::BLK / 2).ok(),
            Some(F::BLK / 2)
        );
        check!(t, batch.pending().map(|f| f.tables_to_free()) == Some(0));
        // A whole table: queued on the gather, not freed.
        check_eq!(t, batch.unmap(base, F::BLK).ok(), Some(F::BLK));
        let queued = batch.pending().map(|f| f.tables_to_free()).unwrap_or(0);
        check!(t, queued >= 1);
        check!(t, batch.pending().map(|f| f.tables_removed()) == Some(true));
        check_eq!(t, (ops.flushes(), ops.frees()), (flushes, frees));
        batch.sync();
        // One flush for the batch, covering both unmaps; then the frees.
        check_eq!(t, ops.flushes(), flushes + 1);
        check_eq!(t, ops.frees(), frees + u64::from(queued));
        check_eq!(t, ops.flushes_at_last_free.load(SeqCst), flushes + 1);
        check_eq!(
            t,
            (ops.last_start.load(SeqCst), ops.last_end.load(SeqCst)),
            (base, base + F::BLK + F::BLK / 2 - 1)
        );
        check_eq!(t, ops.last_tables.load(SeqCst), 1);
        check!(t, pt.iova_to_phys(base).is_none());
        check!(
            t,
            pt.iova_to_phys(base + F::BLK + F::BLK / 2) == Some(PA + F::BLK / 2)
        );
    }
    check_eq!(t, ops.allocs(), ops.frees());
}

/// A batch dropped without `sync()` flushes, then frees; a forgotten batch
/// leaves its tables to the table's drop, which flushes first.
fn drop_without_sync<F: Geometry>(t: &mut Test) {
    let base = F::BASE;
    let ops = Rec::new();
    {
        let Ok(mut pt) = PageTable::new(&F::config(), &ops) else {
            check!(t, false);
            return;
        };
        fill_table(t, &mut pt, base);
        let (flushes, frees) = (ops.flushes(), ops.frees());
        {
            let mut batch = pt.unmap_batch();
            check_eq!(t, batch.unmap(base, F::BLK).ok(), Some(F::BLK));
            // Dropped here, without sync().
        }
        check_eq!(t, ops.flushes(), flushes + 1);
        check!(t, ops.frees() > frees);
        check_eq!(t, ops.flushes_at_last_free.load(SeqCst), flushes + 1);

        fill_table(t, &mut pt, base);
        let (flushes, frees) = (ops.flushes(), ops.frees());
        let mut batch = pt.unmap_batch();
        check_eq!(t, batch.unmap(base, F::BLK).ok(), Some(F::BLK));
        core::mem::forget(batch);
        // Nothing flushed, nothing freed: the tables wait on the gather.
        check_eq!(t, (ops.flushes(), ops.frees()), (flushes, frees));
        check!(t, pt.iova_to_phys(base).is_none());
    }
    // The table's drop flushed what the forgotten batch left before any free.
    check!(t, ops.flushes_at_last_free.load(SeqCst) >= 1);
    check!(t, ops.flushes() >= 2);
    check_eq!(t, ops.allocs(), ops.frees());
}

/// ptcore's built-in allocator gets every block back.
fn no_leak<F: Geometry>(t: &mut Test) {
    let before = mem_stats();
    {
        let ops = Plain;
        let Ok(mut pt) = PageTable::new(&F::config(), &ops) else {
            check!(t, false);
            return;
        };
        for i in 0..4 {
            fill_table(t, &mut pt, F::BASE + i * F::BLK);
        }
        check!(t, mem_stats().tables_live > before.tables_live);
        check_eq!(t, pt.unmap(F::BASE, 2 * F::BLK).ok(), Some(2 * F::BLK));
        // The rest goes with the table.
    }
    let after = mem_stats();
    check_eq!(t, after.tables_live, before.tables_live);
    check_eq!(t, after.bytes_live, before.bytes_live);
    check!(t, after.allocs > before.allocs);
}

/// A hole stops the unmap with `EINVAL`; the prefix before it is removed and
/// gathered, nothing after it is touched.
fn unmap_hole<F: Geometry>(t: &mut Test) {
    let (pg, base) = (F::PG, F::BASE);
    let ops = Rec::new();
    let Ok(mut pt) = PageTable::new(&F::config(), &ops) else {
        check!(t, false);
        return;
    };
    check!(t, pt.map_pages(base, phys(PA, pg), pg, RW).is_ok());
    check!(
        t,
        pt.map_pages(base + 2 * pg, phys(PA + 2 * pg, pg), pg, RW)
            .is_ok()
    );
    let mut batch = pt.unmap_batch();
    let r = batch
        .unmap(base, 3 * pg)
        .map_err(|e| (errno(e.error), e.unmapped));
    check_eq!(t, r, Err((errno(code::EINVAL), pg)));
    check!(
        t,
        batch.pending().map(|f| (f.start(), f.last())) == Some((base, base + pg - 1))
    );
    check!(t, batch.view().iova_to_phys(base).is_none());
    check!(
        t,
        batch.view().iova_to_phys(base + 2 * pg) == Some(PA + 2 * pg)
    );
    batch.sync();
    check_eq!(
        t,
        (ops.last_start.load(SeqCst), ops.last_end.load(SeqCst)),
        (base, base + pg - 1)
    );
}

/// An unmap that starts inside a leaf removes nothing.
fn unmap_inside_leaf<F: Geometry>(t: &mut Test) {
    let base = F::BASE;
    let ops = Rec::new();
    let Ok(mut pt) = PageTable::new(&F::config(), &ops) else {
        check!(t, false);
        return;
    };
    check!(t, pt.map_pages(base, phys(PA, F::BIG), F::BIG, RW).is_ok());
    let mut batch = pt.unmap_batch();
    let r = batch
        .unmap(base + 0x1000, F::BIG)
        .map_err(|e| (errno(e.error), e.unmapped));
    check_eq!(t, r, Err((errno(code::EINVAL), 0)));
    check!(t, batch.pending().is_none());
    batch.sync();
    check!(t, pt.iova_to_phys(base + 0x1000) == Some(PA + 0x1000));
    check_eq!(t, ops.flushes(), 0);
}

/// An unmap that ends inside a large leaf removes the whole leaf, reports its
/// whole size and gathers its whole span.
fn unmap_end_in_leaf<F: Geometry>(t: &mut Test) {
    let base = F::BASE;
    let ops = Rec::new();
    let Ok(mut pt) = PageTable::new(&F::config(), &ops) else {
        check!(t, false);
        return;
    };
    check!(t, pt.map_pages(base, phys(PA, F::BIG), F::BIG, RW).is_ok());
    check!(
        t,
        pt.map_pages(base + F::BIG, phys(PA, F::BIG), F::BIG, RW)
            .is_ok()
    );
    let mut batch = pt.unmap_batch();
    check_eq!(t, batch.unmap(base, 0x1000).ok(), Some(F::BIG));
    check!(
        t,
        batch
            .pending()
            .map(|f| (f.start(), f.last(), f.leaf_sizes()))
            == Some((base, base + F::BIG - 1, F::BIG))
    );
    batch.sync();
    check!(t, pt.iova_to_phys(base + F::BIG - 1).is_none());
    // The next leaf is untouched.
    check!(t, pt.iova_to_phys(base + F::BIG) == Some(PA));
    check_eq!(t, ops.last_end.load(SeqCst), base + F::BIG - 1);
}

macro_rules! format_suite {
    ($cases:ident, $name:literal, $fmt:ty, $modname:ident) => {
        mod $modname {
            use super::*;
            pub(super) fn errors(t: &mut Test) {
                super::errors::<$fmt>(t)
            }
            pub(super) fn partial_map(t: &mut Test) {
                super::partial_map::<$fmt>(t)
            }
            pub(super) fn flush_before_free(t: &mut Test) {
                super::flush_before_free::<$fmt>(t)
            }
            pub(super) fn drop_without_sync(t: &mut Test) {
                super::drop_without_sync::<$fmt>(t)
            }
            pub(super) fn no_leak(t: &mut Test) {
                super::no_leak::<$fmt>(t)
            }
            pub(super) fn unmap_hole(t: &mut Test) {
                super::unmap_hole::<$fmt>(t)
            }
            pub(super) fn unmap_inside_leaf(t: &mut Test) {
                super::unmap_inside_leaf::<$fmt>(t)
            }
            pub(super) fn unmap_end_in_leaf(t: &mut Test) {
                super::unmap_end_in_leaf::<$fmt>(t)
            }
            kunit_suite!(
                $cases,
                $name,
                [
                    errors,
                    partial_map,
                    flush_before_free,
                    drop_without_sync,
                    no_leak,
                    unmap_hole,
                    unmap_inside_leaf,
                    unmap_end_in_leaf,
                ]
            );
        }
    };
}

format_suite!(ARM_CASES, "ptcore_rust_arm", ArmLpaeS1, arm);
format_suite!(DART_CASES, "ptcore_rust_dart", AppleDart, dart);
format_suite!(ARM_S2_CASES, "ptcore_rust_arm_s2", ArmLpaeS2, arm_s2);
format_suite!(DART2_CASES, "ptcore_rust_dart2", AppleDart2, dart2);
