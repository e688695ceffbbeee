// SPDX-License-Identifier: GPL-2.0 OR MIT
//! The Rust test cases, shared by the `contract` test (libtest, `cargo test`)
//! and the `ktap` test (harness = false, prints KTAP v1 like the kernel).
//!
//! Every case returns `Err(diagnostic)` on failure. Each runs alone (a global
//! lock) and is checked for table leaks with `ptcore_mem_stats`.

#![allow(dead_code)]

use ptcore::model::{self as hw, Access, Fault, Iotlb};
use ptcore::{
    AmdV1, AppleDart, AppleDart2, ArmLpaeS1, ArmLpaeS2, ArmV7s, Config, DirtyRun, Error, Features,
    Flush, Format, Gfp, IommuOps, MapError, PageTable, PhysRange, Prot, RiscV64, TableBlock,
    TableView, UnmapError, VtdSs, X86_64,
};
use std::string::String;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;

pub type TestResult = Result<(), String>;

macro_rules! ensure {
    ($c:expr, $($fmt:tt)+) => {
        if !$c {
            return Err(format!("{}:{}: {}", file!(), line!(), format!($($fmt)+)));
        }
    };
}

macro_rules! ensure_eq {
    ($a:expr, $b:expr, $msg:literal) => {{
        let (a, b) = (&$a, &$b);
        if a != b {
            return Err(format!(
                "{}:{}: {}: expected {} == {}, but {:?} != {:?}",
                file!(),
                line!(),
                $msg,
                stringify!($a),
                stringify!($b),
                a,
                b
            ));
        }
    }};
    ($a:expr, $b:expr) => {{
        let (a, b) = (&$a, &$b);
        if a != b {
            return Err(format!(
                "{}:{}: expected {} == {}, but {:?} != {:?}",
                file!(),
                line!(),
                stringify!($a),
                stringify!($b),
                a,
                b
            ));
        }
    }};
}

/// Unwraps a `Result` whose error is `Debug`, or fails the case.
macro_rules! check {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(err) => {
                return Err(format!(
                    "{}:{}: {} failed: {:?}",
                    file!(),
                    line!(),
                    stringify!($e),
                    err
                ))
            }
        }
    };
}

/// One test case.
pub struct Case {
    pub name: &'static str,
    pub run: fn() -> TestResult,
}

/// A suite of cases.
pub struct Suite {
    pub name: &'static str,
    pub cases: &'static [Case],
}

static SERIAL: Mutex<()> = Mutex::new(());

/// Runs one case alone, and fails it if it leaked table memory.
pub fn run_case(case: &Case) -> TestResult {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let before = ptcore::mem_stats();
    (case.run)()?;
    let after = ptcore::mem_stats();
    ensure!(
        after.tables_live == before.tables_live && after.bytes_live == before.bytes_live,
        "leak: {} tables ({} bytes) live before, {} ({}) after",
        before.tables_live,
        before.bytes_live,
        after.tables_live,
        after.bytes_live
    );
    Ok(())
}

macro_rules! suites {
    ($($suite:ident: [$($case:ident),* $(,)?]),* $(,)?) => {
        pub const SUITES: &[Suite] = &[$(Suite {
            name: concat!("ptcore_rust_", stringify!($suite)),
            cases: &[$(Case { name: stringify!($case), run: $suite::$case }),*],
        }),*];

        // libtest cases (compiled only into the `contract` test).
        mod libtest {
            $(mod $suite {
                $(#[test]
                fn $case() {
                    use super::super as cases;
                    let case = cases::Case { name: stringify!($case), run: cases::$suite::$case };
                    if let Err(e) = cases::run_case(&case) {
                        panic!("{e}");
                    }
                })*
            })*
        }
    };
}

suites! {
    api: [
        error_codes, config_errors, hw_info_arm_s1, hw_info_dart, geometry_matches_architecture,
        deprecated_driver_alias, hw_info_riscv, hw_info_arm_lpa2, x86_formats, hw_info_amdv1,
        hw_info_arm_v7s,
    ],
    map: [map_errors, map_partial_eaddrinuse, map_partial_enomem, iova_to_phys_offsets, concurrent_maps],
    unmap: [
        unmap_errors, unmap_hole_keeps_prefix, unmap_inside_leaf, unmap_end_inside_large_leaf,
        batch_flush_then_free, batch_drop_flushes, batch_forget_defers_flush, map_replaces_empty_table,
        drop_flushes_before_destroy, recycled_blocks_are_zeroed, no_leak_builtin, no_leak_hooks,
        amdv1_sized_pages,
    ],
    model: [
        cross_check_arm_s1, cross_check_arm_s2, cross_check_dart, permissions, random_ops_never_stale,
    ],
    region: [
        region_refuses_outside, region_split_alignment, region_boundary_inside_table,
        region_replaces_empty_table, region_walks_stay_inside, regions_sync_on_drop,
        regions_refuse_free_empty_tables,
        concurrent_unmap_2_threads, concurrent_unmap_4_threads, concurrent_unmap_8_threads,
    ],
    sound: [
        drop_panicking_flush_leaks_nothing, panic_with_open_batches_leaks_nothing,
        callback_lookups_reenter, pool_wrong_size_gets_fresh_block, flush_names_its_domain,
        gfp_reaches_alloc, gather_may_move, dma_buffers_are_not_table_memory,
        shared_batch_unmaps_concurrently,
    ],
    ranges: [
        map_range_equals_split, map_range_contiguous_hint_sizes, map_range_errors,
        map_range_in_regions, unmap_collect_runs, unmap_collect_many_runs, unmap_collect_random,
        free_empty_after_flush, free_empty_allocator_counters, free_empty_random_no_stale,
        cut_block_then_unmap_page, cut_errors, dirty_fresh_then_clean, dirty_stage2_and_regions,
        dirty_errors,
    ],
}

const K4: u64 = 0x1000;
const K16: u64 = 0x4000;
const M2: u64 = 0x20_0000;
const G1: u64 = 1 << 30;
const RW: Prot = Prot::READ.union(Prot::WRITE);

/// What the recording driver saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Flush {
        start: u64,
        last: u64,
        tables: bool,
        nr_tables: u32,
    },
    Alloc(u64),
    Free(u64),
}

/// A driver that records every callback, models an IOTLB, counts table
/// blocks and can refuse allocations.
pub struct Recorder {
    pub events: Mutex<Vec<Event>>,
    pub iotlb: Mutex<Iotlb>,
    /// Allocations still allowed (negative: unlimited).
    pub budget: AtomicI64,
    pub allocs: AtomicU64,
    pub frees: AtomicU64,
    /// Tables freed while the IOTLB's walk cache still pointed into them.
    pub stale_frees: AtomicU64,
}

impl Recorder {
    pub fn new() -> Self {
        Recorder {
            events: Mutex::new(Vec::new()),
            iotlb: Mutex::new(Iotlb::new()),
            budget: AtomicI64::new(-1),
            allocs: AtomicU64::new(0),
            frees: AtomicU64::new(0),
            stale_frees: AtomicU64::new(0),
        }
    }

    pub fn take_events(&self) -> Vec<Event> {
        std::mem::take(&mut *self.events.lock().unwrap())
    }

    pub fn flushes(&self) -> usize {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| matches!(e, Event::Flush { .. }))
            .count()
    }

    /// The device accesses `iova` through the IOTLB, using the table's roots
    /// as its registers.
    pub fn dma<'a>(
        &self,
        table: impl Into<TableView<'a>>,
        iova: u64,
        access: Access,
    ) -> Result<u64, Fault> {
        let view = table.into();
        let hw = view.hw_info();
        self.iotlb
            .lock()
            .unwrap()
            .translate(view, hw.roots(), iova, access)
    }
}

impl IommuOps for Recorder {
    type Domain = ();
    const TABLE_MEMORY_HOOKS: bool = true;

    fn iotlb_flush(&self, f: &Flush) {
        self.events.lock().unwrap().push(Event::Flush {
            start: f.start(),
            last: f.last(),
            tables: f.tables_removed(),
            nr_tables: f.tables_to_free(),
        });
        self.iotlb
            .lock()
            .unwrap()
            .invalidate_range(f.start(), f.last(), !f.tables_removed());
    }

    fn alloc_table(&self, _: &(), size: usize, gfp: Gfp) -> Option<TableBlock> {
        if self.budget.load(Ordering::SeqCst) == 0 {
            return None;
        }
        let block = TableBlock::alloc(size, gfp)?;
        let _ = self
            .budget
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| {
                (b > 0).then(|| b - 1)
            });
        self.allocs.fetch_add(1, Ordering::SeqCst);
        self.events.lock().unwrap().push(Event::Alloc(block.phys()));
        Some(block)
    }

    fn free_table(&self, _: &(), block: TableBlock) {
        if self.iotlb.lock().unwrap().caches_table(block.phys()) {
            self.stale_frees.fetch_add(1, Ordering::SeqCst);
        }
        self.frees.fetch_add(1, Ordering::SeqCst);
        self.events.lock().unwrap().push(Event::Free(block.phys()));
    }
}

/// A driver for walkers that do not snoop: counts `sync_table` calls.
pub struct Syncing {
    pub synced: AtomicU64,
}

impl IommuOps for Syncing {
    type Domain = ();
    const SYNC_TABLE: bool = true;
    fn iotlb_flush(&self, _f: &Flush) {}
    fn sync_table(&self, _: &(), _va: usize, _len: usize) {
        self.synced.fetch_add(1, Ordering::SeqCst);
    }
}

/// A physical range for the simulated devices of the tests.
pub fn ph(start: u64, pgsize: u64, count: u64) -> PhysRange<'static> {
    // SAFETY: the tests' devices are models that never access memory. Some
    // cases break the constructor's rules on purpose (ranges that wrap, or
    // overlap table memory) to check that C refuses or merely records them;
    // nothing ever dereferences these addresses.
    unsafe { PhysRange::new(start, pgsize.wrapping_mul(count)) }
}

/// A driver with no table-memory hooks: the built-in allocator directly.
pub struct Plain {
    pub flushes: AtomicU64,
}

impl IommuOps for Plain {
    type Domain = ();
    fn iotlb_flush(&self, _f: &Flush) {
        self.flushes.fetch_add(1, Ordering::SeqCst);
    }
}

fn s1_4k() -> Config<ArmLpaeS1> {
    Config::new(48, 48)
}

/// Small deterministic PRNG (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

mod api {
    use super::*;

    pub fn error_codes() -> TestResult {
        ensure_eq!(Error::EINVAL.to_errno(), -22);
        ensure_eq!(Error::ENOMEM.to_errno(), -12);
        ensure_eq!(Error::ERANGE.to_errno(), -34);
        ensure_eq!(Error::EADDRINUSE.to_errno(), -98);
        ensure_eq!(Error::ENOENT.to_errno(), -2);
        ensure_eq!(Error::EOVERFLOW.to_errno(), -75);
        ensure_eq!(Error::EOPNOTSUPP.to_errno(), -95);
        ensure_eq!(Error::from_errno(-98), Error::EADDRINUSE);
        // Not an errno: EINVAL, as the kernel's from_errno does.
        ensure_eq!(Error::from_errno(0), Error::EINVAL);
        ensure_eq!(Error::from_errno(7), Error::EINVAL);
        ensure_eq!(Error::from_errno(-5000), Error::EINVAL);
        ensure_eq!(Error::from_errno(-5).to_errno(), -5);
        ensure_eq!(format!("{:?}", Error::ERANGE), "ERANGE");
        ensure_eq!(format!("{}", Error::from_errno(-5)), "errno -5");
        let e: Error = MapError {
            mapped: 0,
            error: Error::ENOMEM,
        }
        .into();
        ensure_eq!(e, Error::ENOMEM);
        ensure_eq!(ptcore::ABI_VERSION, 1);
        Ok(())
    }

    /// `Driver` still works as a bound (deprecated: `IommuOps`).
    #[allow(deprecated)]
    fn flushes_through_old_name<D: ptcore::Driver<Domain = ()>>(d: &D) -> TestResult {
        let mut pt = check!(PageTable::new(&s1_4k(), d));
        check!(pt.map_pages(0, ph(0x3000_0000, K4, 1), K4, RW));
        ensure_eq!(pt.unmap(0, K4), Ok(K4));
        Ok(())
    }

    pub fn deprecated_driver_alias() -> TestResult {
        let d = Plain {
            flushes: AtomicU64::new(0),
        };
        flushes_through_old_name(&d)?;
        ensure!(d.flushes.load(Ordering::SeqCst) >= 1, "flushed");
        Ok(())
    }

    fn create_err<F: Format>(cfg: Config<F>) -> Option<Error> {
        let d = Plain {
            flushes: AtomicU64::new(0),
        };
        PageTable::new(&cfg, &d).err()
    }

    pub fn config_errors() -> TestResult {
        ensure_eq!(create_err(Config::<ArmLpaeS1>::new(48, 48)), None);
        ensure_eq!(
            create_err(Config::<ArmLpaeS1>::new(56, 48)),
            Some(Error::EINVAL)
        );
        ensure_eq!(
            create_err(Config::<ArmLpaeS1>::new(48, 47)),
            Some(Error::EINVAL)
        );
        ensure_eq!(
            create_err(Config::<ArmLpaeS1>::new(48, 48).granule_lg2(13)),
            Some(Error::EINVAL)
        );
        ensure_eq!(
            create_err(Config::<ArmLpaeS1>::new(48, 48).pgsize_bitmap(1 << 13)),
            Some(Error::EINVAL)
        );
        ensure_eq!(
            create_err(Config::<ArmLpaeS1>::new(48, 48).features(Features::from_bits(1 << 30))),
            Some(Error::EINVAL)
        );
        ensure_eq!(
            create_err(Config::<ArmLpaeS1>::new(48, 48).features(Features::FREE_EMPTY_TABLES)),
            None
        );
        ensure_eq!(create_err(Config::<ArmLpaeS2>::new(40, 40)), None);
        ensure_eq!(create_err(Config::<AppleDart>::new(32, 36)), None);
        ensure_eq!(create_err(Config::<AppleDart2>::new(32, 42)), None);
        ensure_eq!(
            create_err(Config::<AppleDart2>::new(32, 42).granule_lg2(12)),
            Some(Error::EINVAL)
        );
        ensure_eq!(
            create_err(Config::<AppleDart2>::new(32, 40)),
            Some(Error::EINVAL)
        );
        ensure_eq!(
            create_err(Config::<AppleDart>::new(40, 36)),
            Some(Error::EINVAL)
        );
        Ok(())
    }

    pub fn hw_info_arm_s1() -> TestResult {
        let d = Plain {
            flushes: AtomicU64::new(0),
        };
        let pt = check!(PageTable::new(&s1_4k(), &d));
        let hw = pt.hw_info();
        ensure_eq!(hw.format(), ArmLpaeS1::ID);
        ensure_eq!(hw.levels(), 4);
        ensure_eq!(hw.start_level(), 0);
        ensure_eq!(hw.pgsize_bitmap(), K4 | M2 | G1);
        ensure_eq!(hw.granule_lg2(), 12);
        ensure_eq!((hw.arm_tsz(), hw.arm_tg(), hw.arm_ps()), (16, 0, 5));
        ensure_eq!((hw.arm_sh(), hw.arm_irgn(), hw.arm_orgn()), (3, 1, 1));
        ensure_eq!(hw.arm_mair(), 0xf404_ff44);
        ensure_eq!(hw.roots().len(), 1);
        ensure!(
            hw.roots()[0] != 0 && hw.roots()[0] % 64 == 0,
            "root {:#x}",
            hw.roots()[0]
        );

        let cfg = Config::<ArmLpaeS1>::new(36, 40)
            .granule_lg2(16)
            .features(Features::DMA_INCOHERENT);
        // An incoherent walker needs the driver's sync_table.
        ensure_eq!(PageTable::new(&cfg, &d).err(), Some(Error::EINVAL));
        let syncing = Syncing {
            synced: AtomicU64::new(0),
        };
        let mut pt = check!(PageTable::new(&cfg, &syncing));
        ensure!(
            syncing.synced.load(Ordering::SeqCst) >= 1,
            "the root was synced"
        );
        check!(pt.map_pages(0, ph(0x1000_0000, 1 << 16, 1), 1 << 16, RW));
        ensure!(
            syncing.synced.load(Ordering::SeqCst) >= 3,
            "new tables synced"
        );
        let hw = pt.hw_info();
        ensure_eq!((hw.arm_tsz(), hw.arm_tg(), hw.arm_ps()), (28, 1, 2));
        ensure_eq!((hw.arm_sh(), hw.arm_irgn(), hw.arm_orgn()), (2, 0, 0));
        ensure_eq!(hw.pgsize_bitmap(), (1 << 16) | (1 << 29));
        Ok(())
    }

    pub fn hw_info_dart() -> TestResult {
        let d = Plain {
            flushes: AtomicU64::new(0),
        };
        let pt = check!(PageTable::new(&Config::<AppleDart2>::new(32, 42), &d));
        let hw = pt.hw_info();
        ensure_eq!(hw.pgsize_bitmap(), K16);
        ensure_eq!(hw.levels(), 2);
        ensure_eq!(hw.roots().len(), 1);
        let pt = check!(PageTable::new(
            &Config::<AppleDart>::new(32, 36).granule_lg2(12),
            &d
        ));
        let hw = pt.hw_info();
        ensure_eq!(hw.pgsize_bitmap(), K4);
        ensure_eq!(hw.roots().len(), 4);
        let mut roots = hw.roots().to_vec();
        roots.sort_unstable();
        roots.dedup();
        ensure_eq!(roots.len(), 4);
        let pt = check!(PageTable::new(&Config::<AppleDart2>::new(42, 42), &d));
        ensure_eq!(pt.hw_info().levels(), 3);
        ensure_eq!(pt.hw_info().roots().len(), 1);
        Ok(())
    }

    pub fn hw_info_riscv() -> TestResult {
        let d = Plain {
            flushes: AtomicU64::new(0),
        };
        // The smallest mode whose lower half holds ias: Sv39 38 bits, Sv48 47, Sv57 56.
        for (ias, levels) in [(32u8, 3u32), (38, 3), (39, 4), (47, 4), (48, 5), (56, 5)] {
            let pt = check!(PageTable::new(&Config::<RiscV64>::new(ias, 56), &d));
            let hw = pt.hw_info();
            ensure_eq!(hw.levels(), levels);
            ensure_eq!(hw.mode(), 8 + levels - 3);
            ensure_eq!(hw.granule_lg2(), 12);
            ensure_eq!(hw.roots().len(), 1);
            ensure_eq!(hw.pgsize_bitmap() & K4, K4);
            ensure_eq!(hw.pgsize_bitmap() & (1 << 16), 0);
        }
        ensure_eq!(
            create_err(Config::<RiscV64>::new(57, 56)),
            Some(Error::EINVAL)
        );
        ensure_eq!(
            create_err(Config::<RiscV64>::new(38, 56).features(Features::ARM_NS)),
            Some(Error::EOPNOTSUPP)
        );
        Ok(())
    }

    pub fn hw_info_arm_lpa2() -> TestResult {
        let d = Plain {
            flushes: AtomicU64::new(0),
        };
        // FEAT_LPA2: 4K with 52 bits walks 5 levels from level -1 (0xff).
        let lpa2 = Config::<ArmLpaeS1>::new(52, 52).features(Features::ARM_LPA2);
        let pt = check!(PageTable::new(&lpa2, &d));
        let hw = pt.hw_info();
        ensure_eq!(hw.levels(), 5);
        ensure_eq!(hw.start_level(), 0xff);
        ensure_eq!(hw.arm_tsz(), 12);
        ensure_eq!(hw.arm_ps(), 6);
        ensure_eq!(hw.pgsize_bitmap(), K4 | (1 << 21) | (1 << 30) | (1 << 39));
        let pt = check!(PageTable::new(
            &Config::<ArmLpaeS1>::new(52, 52)
                .granule_lg2(14)
                .features(Features::ARM_LPA2),
            &d
        ));
        ensure_eq!(pt.hw_info().levels(), 4);
        // Without the feature 52 bits stay 64K only.
        ensure_eq!(
            create_err(Config::<ArmLpaeS1>::new(52, 52)),
            Some(Error::EINVAL)
        );
        ensure_eq!(
            create_err(
                Config::<ArmLpaeS1>::new(52, 52)
                    .granule_lg2(16)
                    .features(Features::ARM_LPA2)
            ),
            Some(Error::EINVAL)
        );
        Ok(())
    }

    pub fn hw_info_amdv1() -> TestResult {
        let d = Plain {
            flushes: AtomicU64::new(0),
        };
        // DTE mode: the levels ias needs, three to six
        for (ias, mode) in [(32u8, 3u32), (39, 3), (40, 4), (48, 4), (52, 5), (63, 6)] {
            let pt = check!(PageTable::new(&Config::<AmdV1>::new(ias, 52), &d));
            let hw = pt.hw_info();
            ensure_eq!(hw.mode(), mode, "ias {ias}");
            ensure_eq!(hw.levels(), mode, "ias {ias}");
            ensure_eq!(hw.roots().len(), 1);
            ensure_eq!(hw.granule_lg2(), 12);
            ensure!(
                hw.pgsize_bitmap() & K16 != 0 && hw.pgsize_bitmap() & (1 << 39) == 0,
                "sizes"
            );
        }
        ensure_eq!(
            PageTable::new(&Config::<AmdV1>::new(48, 52).granule_lg2(14), &d).err(),
            Some(Error::EINVAL)
        );
        Ok(())
    }

    pub fn hw_info_arm_v7s() -> TestResult {
        let d = Plain {
            flushes: AtomicU64::new(0),
        };
        let pt = check!(PageTable::new(&Config::<ArmV7s>::new(32, 32), &d));
        let hw = pt.hw_info();
        ensure_eq!(hw.format(), 9);
        ensure_eq!(hw.levels(), 2);
        ensure_eq!(hw.granule_lg2(), 12);
        ensure_eq!(hw.roots().len(), 1);
        ensure!(
            hw.roots()[0] % 0x4000 == 0 && hw.roots()[0] >> 32 == 0,
            "16K-aligned, below 4G"
        );
        ensure_eq!(hw.pgsize_bitmap(), 0x0111_1000);
        // TTBR S|NOS, IRGN/RGN write-back: Linux's coherent arm_v7s_cfg.ttbr
        ensure_eq!((hw.arm_sh(), hw.arm_irgn(), hw.arm_orgn()), (3, 1, 1));
        ensure_eq!(hw.arm_mair(), 0x4000_4000_800b_8204);
        for (ias, oas) in [(33u8, 32u8), (32, 33), (0, 32)] {
            ensure_eq!(
                PageTable::new(&Config::<ArmV7s>::new(ias, oas), &d).err(),
                Some(Error::EINVAL),
                "ias {ias} oas {oas}"
            );
        }
        ensure_eq!(
            PageTable::new(&Config::<ArmV7s>::new(32, 32).pgsize_bitmap(0x10_0000), &d).err(),
            Some(Error::EINVAL)
        );
        ensure_eq!(
            PageTable::new(
                &Config::<ArmV7s>::new(32, 32).features(Features::DIRTY_TRACKING),
                &d
            )
            .err(),
            Some(Error::EOPNOTSUPP)
        );
        Ok(())
    }

    /// One x86-style table: levels and mode for @ias, a 2M leaf unmapped whole, never split.
    fn x86_case<F: Format>(ias: u8, levels: u32, mode: u32) -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&Config::<F>::new(ias, 52), &d));
        let hw = pt.hw_info();
        ensure_eq!(
            (hw.levels(), hw.mode(), hw.granule_lg2()),
            (levels, mode, 12)
        );
        ensure_eq!(hw.pgsize_bitmap(), K4 | M2 | G1);
        ensure_eq!(hw.roots().len(), 1);
        check!(pt.map_pages(M2, ph(0x4000_0000, M2, 1), M2, RW));
        ensure_eq!(pt.iova_to_phys(M2 + 0x1234), Some(0x4000_1234));
        let mut b = pt.unmap_batch();
        ensure_eq!(
            b.unmap(M2 + K4, K4),
            Err(UnmapError {
                unmapped: 0,
                error: Error::EINVAL
            })
        );
        b.sync();
        ensure_eq!(pt.unmap(M2, K4), Ok(M2));
        ensure_eq!(pt.iova_to_phys(M2), None);
        Ok(())
    }

    pub fn x86_formats() -> TestResult {
        x86_case::<X86_64>(48, 4, 4)?;
        x86_case::<X86_64>(57, 5, 5)?;
        x86_case::<VtdSs>(39, 3, 1)?;
        x86_case::<VtdSs>(48, 4, 2)?;
        x86_case::<VtdSs>(57, 5, 3)?;
        ensure_eq!(
            create_err(Config::<X86_64>::new(48, 52).granule_lg2(14)),
            Some(Error::EINVAL)
        );
        ensure_eq!(
            create_err(Config::<VtdSs>::new(58, 52)),
            Some(Error::EINVAL)
        );
        ensure_eq!(
            create_err(Config::<VtdSs>::new(48, 52).features(Features::DIRTY_TRACKING)),
            None
        );
        Ok(())
    }

    fn geo_case<F: Format>(ias: u8, oas: u8, g: u8) -> TestResult {
        let d = Plain {
            flushes: AtomicU64::new(0),
        };
        let pt = match PageTable::new(&Config::<F>::new(ias, oas).granule_lg2(g), &d) {
            Ok(pt) => pt,
            Err(e) => {
                return Err(format!(
                    "{} ias {ias} oas {oas} granule {g}: {e:?}",
                    F::NAME
                ))
            }
        };
        let hw = pt.hw_info();
        let geo = hw::geometry(F::ID, ias, g).ok_or("no geometry")?;
        ensure!(
            (hw.levels(), hw.start_level(), hw.roots().len() as u32) == (geo.levels, geo.start_level, geo.n_roots),
            "{} ias {ias} granule {g}: hw_info says {} levels from {} with {} roots, the architecture {:?}",
            F::NAME,
            hw.levels(),
            hw.start_level(),
            hw.roots().len(),
            geo
        );
        Ok(())
    }

    pub fn geometry_matches_architecture() -> TestResult {
        for g in [12u8, 14, 16] {
            for ias in [32u8, 36, 39, 40, 42, 44, 47, 48] {
                geo_case::<ArmLpaeS1>(ias, 48, g)?;
                geo_case::<ArmLpaeS2>(ias, 48, g)?;
            }
        }
        for ias in [24u8, 28, 32, 36] {
            geo_case::<AppleDart>(ias, 36, 14)?;
            geo_case::<AppleDart>(ias, 36, 12)?;
        }
        for ias in [32u8, 36, 40, 42] {
            geo_case::<AppleDart2>(ias, 42, 14)?;
        }
        Ok(())
    }
}

mod map {
    use super::*;

    pub fn map_errors() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        let einval = |mapped| {
            Err(MapError {
                mapped,
                error: Error::EINVAL,
            })
        };
        ensure_eq!(pt.map_pages(0, ph(0, 0x3000, 1), 0x3000, RW), einval(0));
        ensure_eq!(pt.map_pages(0, ph(0, K4, 0), K4, RW), einval(0));
        ensure_eq!(pt.map_pages(0x800, ph(0, K4, 1), K4, RW), einval(0));
        ensure_eq!(pt.map_pages(0, ph(0x800, K4, 1), K4, RW), einval(0));
        ensure_eq!(pt.map_pages(M2 + K4, ph(0, M2, 1), M2, RW), einval(0));
        ensure_eq!(
            pt.map_pages(0, ph(0, K4, 1), K4, Prot::CACHE | Prot::NOEXEC),
            einval(0)
        );
        let erange = Err(MapError {
            mapped: 0,
            error: Error::ERANGE,
        });
        ensure_eq!(pt.map_pages(1 << 48, ph(0, K4, 1), K4, RW), erange);
        ensure_eq!(pt.map_pages((1 << 48) - K4, ph(0, K4, 2), K4, RW), erange);
        ensure_eq!(pt.map_pages(0, ph(1 << 48, K4, 1), K4, RW), erange);
        let eoverflow = Err(MapError {
            mapped: 0,
            error: Error::EOVERFLOW,
        });
        ensure_eq!(
            pt.map_pages(u64::MAX - K4 + 1, ph(0, K4, 2), K4, RW),
            eoverflow
        );
        ensure_eq!(
            pt.map_pages(0, ph(u64::MAX - K4 + 1, K4, 2), K4, RW),
            eoverflow
        );
        // Nothing was written: no table below the root, nothing translates.
        ensure_eq!(d.allocs.load(Ordering::SeqCst), 1);
        ensure_eq!(pt.iova_to_phys(0), None);
        ensure_eq!(pt.iova_to_phys(1 << 50), None);
        ensure_eq!(d.flushes(), 0);
        Ok(())
    }

    pub fn map_partial_eaddrinuse() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.map_pages(0x10000, ph(0x8000_0000, K4, 4), K4, RW));
        let r = pt.map_pages(0xc000, ph(0x9000_0000, K4, 8), K4, RW);
        ensure_eq!(
            r,
            Err(MapError {
                mapped: 0x4000,
                error: Error::EADDRINUSE
            })
        );
        ensure_eq!(pt.iova_to_phys(0xc000), Some(0x9000_0000));
        ensure_eq!(pt.iova_to_phys(0xf123), Some(0x9000_3123));
        ensure_eq!(
            pt.iova_to_phys(0x10000),
            Some(0x8000_0000),
            "old leaves are never overwritten"
        );
        ensure_eq!(pt.iova_to_phys(0x14000), None);
        // A table that holds leaves is never replaced by a block.
        ensure_eq!(
            pt.map_pages(0, ph(0, M2, 1), M2, RW),
            Err(MapError {
                mapped: 0,
                error: Error::EADDRINUSE
            })
        );
        // The caller can unmap what the failed call mapped.
        ensure_eq!(pt.unmap(0xc000, 0x4000), Ok(0x4000));
        ensure_eq!(pt.iova_to_phys(0xc000), None);
        Ok(())
    }

    pub fn map_partial_enomem() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.map_pages(0, ph(0x1000_0000, K4, 1), K4, RW));
        // [2M - 8K, 2M) lies in the existing level-3 table; 2M and up needs a
        // new one, which the driver refuses.
        d.budget.store(0, Ordering::SeqCst);
        let r = pt.map_pages(M2 - 2 * K4, ph(0x2000_0000, K4, 4), K4, RW);
        ensure_eq!(
            r,
            Err(MapError {
                mapped: 2 * K4,
                error: Error::ENOMEM
            })
        );
        ensure_eq!(pt.iova_to_phys(M2 - K4), Some(0x2000_1000));
        ensure_eq!(pt.iova_to_phys(M2), None);
        d.budget.store(-1, Ordering::SeqCst);
        check!(pt.map_pages(M2, ph(0x2000_2000, K4, 2), K4, RW));
        ensure_eq!(pt.iova_to_phys(M2 + K4), Some(0x2000_3000));
        ensure_eq!(pt.unmap(M2 - 2 * K4, 4 * K4), Ok(4 * K4));
        Ok(())
    }

    pub fn iova_to_phys_offsets() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.map_pages(G1, ph(0x4000_0000, G1, 1), G1, RW));
        check!(pt.map_pages(M2, ph(0x8040_0000, M2, 1), M2, Prot::READ));
        check!(pt.map_pages(0x5000, ph(0x1234_5000, K4, 1), K4, Prot::WRITE));
        ensure_eq!(pt.iova_to_phys(G1 + 0x1234_5678), Some(0x5234_5678));
        ensure_eq!(pt.iova_to_phys(M2 + 0x1_2345), Some(0x8041_2345));
        ensure_eq!(pt.iova_to_phys(0x5fff), Some(0x1234_5fff));
        ensure_eq!(pt.iova_to_phys(0x6000), None);
        ensure_eq!(pt.iova_to_phys(2 * G1), None);
        Ok(())
    }

    pub fn concurrent_maps() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        let threads = 4u64;
        let per = 64u64;
        // Disjoint regions that share the level-1 and level-2 tables: the
        // threads race to install them.
        let results: Vec<Result<(), MapError>> = check!(pt.regions(|whole| {
            let mut regions = Vec::new();
            let mut rest = whole;
            for t in 1..threads {
                let (r, next) = rest.split_at(t * M2).map_err(|(_, e)| e).unwrap();
                regions.push(r);
                rest = next;
            }
            regions.push(rest);
            std::thread::scope(|s| {
                let handles: Vec<_> = regions
                    .into_iter()
                    .enumerate()
                    .map(|(t, mut r)| {
                        s.spawn(move || {
                            for i in 0..per {
                                let iova = t as u64 * M2 + i * K4;
                                r.map_pages(iova, ph(0x4000_0000 + iova, K4, 1), K4, RW)?;
                            }
                            Ok(())
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("thread"))
                    .collect()
            })
        }));
        for r in results {
            check!(r);
        }
        for t in 0..threads {
            for i in 0..per {
                let iova = t * M2 + i * K4;
                ensure_eq!(pt.iova_to_phys(iova), Some(0x4000_0000 + iova));
                ensure_eq!(check!(d.dma(&pt, iova, Access::Write)), 0x4000_0000 + iova);
            }
        }
        let mut batch = pt.unmap_batch();
        for t in 0..threads {
            ensure_eq!(batch.unmap(t * M2, per * K4), Ok(per * K4));
        }
        batch.sync();
        ensure_eq!(d.stale_frees.load(Ordering::SeqCst), 0);
        Ok(())
    }
}

mod unmap {
    use super::*;

    pub fn unmap_errors() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.map_pages(0, ph(0, K4, 4), K4, RW));
        let mut b = pt.unmap_batch();
        ensure_eq!(
            b.unmap(0, 0),
            Err(UnmapError {
                unmapped: 0,
                error: Error::EINVAL
            })
        );
        ensure_eq!(
            b.unmap(1 << 48, K4),
            Err(UnmapError {
                unmapped: 0,
                error: Error::ERANGE
            })
        );
        ensure_eq!(
            b.unmap((1 << 48) - K4, 2 * K4),
            Err(UnmapError {
                unmapped: 0,
                error: Error::ERANGE
            })
        );
        ensure_eq!(
            b.unmap(u64::MAX - K4 + 1, 2 * K4),
            Err(UnmapError {
                unmapped: 0,
                error: Error::EOVERFLOW
            })
        );
        ensure_eq!(
            b.unmap_pages(0, K4, u64::MAX),
            Err(UnmapError {
                unmapped: 0,
                error: Error::EOVERFLOW
            })
        );
        ensure!(b.pending().is_none(), "argument errors gather nothing");
        b.sync();
        ensure_eq!(d.flushes(), 0);
        ensure_eq!(pt.iova_to_phys(0x3000), Some(0x3000));
        Ok(())
    }

    pub fn unmap_hole_keeps_prefix() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.map_pages(0x10000, ph(0x10000, K4, 4), K4, RW));
        check!(pt.map_pages(0x16000, ph(0x16000, K4, 2), K4, RW));
        let mut b = pt.unmap_batch();
        ensure_eq!(
            b.unmap(0x10000, 0x8000),
            Err(UnmapError {
                unmapped: 0x4000,
                error: Error::EINVAL
            })
        );
        let p = b.pending().ok_or("prefix not gathered")?;
        ensure_eq!(
            (p.start(), p.last(), p.leaf_sizes(), p.tables_removed()),
            (0x10000, 0x13fff, K4, false)
        );
        ensure_eq!(b.view().iova_to_phys(0x13000), None);
        ensure_eq!(
            b.view().iova_to_phys(0x16000),
            Some(0x16000),
            "nothing after the hole is touched"
        );
        b.sync();
        ensure_eq!(
            d.take_events()
                .into_iter()
                .filter(|e| matches!(e, Event::Flush { .. }))
                .collect::<Vec<_>>(),
            vec![Event::Flush {
                start: 0x10000,
                last: 0x13fff,
                tables: false,
                nr_tables: 0
            }]
        );
        ensure_eq!(pt.unmap(0x16000, 2 * K4), Ok(2 * K4));
        Ok(())
    }

    pub fn unmap_inside_leaf() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.map_pages(M2, ph(0x4000_0000, M2, 1), M2, RW));
        let mut b = pt.unmap_batch();
        ensure_eq!(
            b.unmap(M2 + K4, K4),
            Err(UnmapError {
                unmapped: 0,
                error: Error::EINVAL
            })
        );
        ensure!(b.pending().is_none(), "nothing gathered");
        b.sync();
        ensure_eq!(pt.iova_to_phys(M2 + K4), Some(0x4000_1000));
        ensure_eq!(d.flushes(), 0);
        ensure_eq!(pt.unmap(M2, M2), Ok(M2));
        Ok(())
    }

    pub fn amdv1_sized_pages() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&Config::<AmdV1>::new(48, 52), &d));
        // a 16K page is one entry in four slots; every byte of it translates
        check!(pt.map_pages(M2, ph(0x4000_0000, K16, 1), K16, RW));
        ensure_eq!(pt.iova_to_phys(M2 + 3 * K4 + 5), Some(0x4000_3005));
        ensure_eq!(
            pt.map_pages(M2 + K4, ph(0, K4, 1), K4, RW)
                .map_err(|e| e.error),
            Err(Error::EADDRINUSE)
        );
        // unmap inside it: -EINVAL, nothing removed; at its start: all of it
        ensure_eq!(
            pt.unmap(M2 + K4, K4),
            Err(UnmapError {
                unmapped: 0,
                error: Error::EINVAL
            })
        );
        ensure_eq!(pt.unmap(M2, K4), Ok(K16));
        ensure_eq!(pt.iova_to_phys(M2), None);
        Ok(())
    }

    pub fn unmap_end_inside_large_leaf() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.map_pages(M2 - K4, ph(0x1000_0000 - K4, K4, 1), K4, RW));
        check!(pt.map_pages(M2, ph(0x4000_0000, M2, 1), M2, RW));
        check!(pt.map_pages(2 * M2, ph(0x4020_0000, K4, 1), K4, RW));
        let mut b = pt.unmap_batch();
        ensure_eq!(
            b.unmap(M2 - K4, 2 * K4),
            Ok(K4 + M2),
            "the 2M leaf is removed whole"
        );
        let p = b.pending().ok_or("nothing gathered")?;
        ensure_eq!(
            (p.start(), p.last(), p.leaf_sizes()),
            (M2 - K4, 2 * M2 - 1, K4 | M2)
        );
        ensure_eq!(p.smallest_leaf(), K4, "one size for TTL hints");
        b.sync();
        ensure_eq!(pt.iova_to_phys(2 * M2 - 1), None);
        ensure_eq!(
            pt.iova_to_phys(2 * M2),
            Some(0x4020_0000),
            "the next mapping stays"
        );
        Ok(())
    }

    /// Maps a full level-3 table at 2M (plus a page at 0 so that the level-2
    /// table stays), lets the device use it, and returns the level-3 table's
    /// physical address.
    fn full_l3(pt: &mut PageTable<'_, ArmLpaeS1, Recorder>, d: &Recorder) -> Result<u64, String> {
        check!(pt.map_pages(0, ph(0x3000_0000, K4, 1), K4, RW));
        check!(pt.map_pages(M2, ph(0x4000_0000, K4, 512), K4, RW));
        ensure_eq!(check!(d.dma(&*pt, M2 + 0x10, Access::Read)), 0x4000_0010);
        let w = check!(hw::walk(&*pt, pt.hw_info().roots(), M2));
        let l3 = w.tables().last().ok_or("no table")?.table;
        ensure!(
            d.iotlb.lock().unwrap().caches_table(l3),
            "the walk cache holds the level-3 table"
        );
        Ok(l3)
    }

    pub fn batch_flush_then_free() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        let l3 = full_l3(&mut pt, &d)?;
        d.take_events();
        let mut b = pt.unmap_batch();
        ensure_eq!(b.unmap(M2, M2), Ok(M2));
        let p = b.pending().ok_or("nothing gathered")?;
        ensure!(p.tables_removed() && p.tables_to_free() >= 1, "{p:?}");
        ensure_eq!(d.take_events(), vec![], "no flush and no free before sync");
        ensure_eq!(b.view().iova_to_phys(M2), None);
        // The device still translates through its stale IOTLB entry...
        ensure_eq!(d.dma(b.view(), M2 + 0x20, Access::Read), Ok(0x4000_0020));
        b.sync();
        // ...until the flush, which comes before the table is freed.
        let ev = d.take_events();
        ensure!(
            matches!(
                ev.first(),
                Some(Event::Flush {
                    start: M2,
                    tables: true,
                    ..
                })
            ),
            "{ev:?}"
        );
        ensure_eq!(
            ev.iter()
                .filter(|e| matches!(e, Event::Flush { .. }))
                .count(),
            1
        );
        ensure!(
            ev.contains(&Event::Free(l3)),
            "level-3 table {l3:#x} freed: {ev:?}"
        );
        ensure_eq!(d.stale_frees.load(Ordering::SeqCst), 0);
        ensure_eq!(
            d.dma(&pt, M2 + 0x20, Access::Read),
            Err(Fault::Translation {
                iova: M2 + 0x20,
                level: 2
            })
        );
        ensure_eq!(check!(d.dma(&pt, 0x10, Access::Read)), 0x3000_0010);
        Ok(())
    }

    pub fn batch_drop_flushes() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        let l3 = full_l3(&mut pt, &d)?;
        d.take_events();
        {
            let mut b = pt.unmap_batch();
            ensure_eq!(b.unmap(M2, M2), Ok(M2));
            ensure_eq!(b.unmap(0, K4), Ok(K4));
            // dropped here without sync()
        }
        let ev = d.take_events();
        ensure_eq!(
            ev.first(),
            Some(&Event::Flush {
                start: 0,
                last: 2 * M2 - 1,
                tables: true,
                nr_tables: 1
            })
        );
        ensure_eq!(&ev[1..], &[Event::Free(l3)]);
        ensure_eq!(d.stale_frees.load(Ordering::SeqCst), 0);
        ensure_eq!(
            d.dma(&pt, M2, Access::Read),
            Err(Fault::Translation { iova: M2, level: 2 })
        );
        Ok(())
    }

    pub fn batch_forget_defers_flush() -> TestResult {
        let d = Recorder::new();
        {
            let mut pt = check!(PageTable::new(&s1_4k(), &d));
            let l3 = full_l3(&mut pt, &d)?;
            d.take_events();
            let mut b = pt.unmap_batch();
            ensure_eq!(b.unmap(M2, M2), Ok(M2));
            std::mem::forget(b);
            ensure_eq!(
                d.take_events(),
                vec![],
                "forget: no flush, and above all no free"
            );
            // The next batch flushes what the forgotten one gathered.
            let mut b = pt.unmap_batch();
            ensure_eq!(b.unmap(0, K4), Ok(K4));
            b.sync();
            let ev = d.take_events();
            ensure_eq!(
                ev,
                vec![
                    Event::Flush {
                        start: 0,
                        last: 2 * M2 - 1,
                        tables: true,
                        nr_tables: 1
                    },
                    Event::Free(l3)
                ]
            );

            // Forgotten, then the table dropped: still flush first.
            check!(pt.map_pages(M2, ph(0x4000_0000, K4, 512), K4, RW));
            let l3 = check!(hw::walk(&pt, pt.hw_info().roots(), M2))
                .tables()
                .last()
                .ok_or("no table")?
                .table;
            d.take_events();
            let mut b = pt.unmap_batch();
            ensure_eq!(b.unmap(M2, M2), Ok(M2));
            std::mem::forget(b);
            drop(pt);
            let ev = d.take_events();
            ensure!(
                matches!(
                    ev.first(),
                    Some(Event::Flush {
                        start: M2,
                        tables: true,
                        ..
                    })
                ),
                "{ev:?}"
            );
            let pos = ev
                .iter()
                .position(|e| *e == Event::Free(l3))
                .ok_or("table not freed")?;
            ensure!(pos > 0, "freed after the flush");
        }
        ensure_eq!(
            d.allocs.load(Ordering::SeqCst),
            d.frees.load(Ordering::SeqCst)
        );
        ensure_eq!(d.stale_frees.load(Ordering::SeqCst), 0);
        Ok(())
    }

    pub fn map_replaces_empty_table() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.map_pages(M2, ph(0x4000_0000, K4, 1), K4, RW));
        check!(pt.map_pages(0, ph(0x5000_0000, K4, 1), K4, RW));
        ensure_eq!(check!(d.dma(&pt, M2, Access::Read)), 0x4000_0000);
        let l3 = check!(hw::walk(&pt, pt.hw_info().roots(), M2))
            .tables()
            .last()
            .ok_or("no table")?
            .table;
        ensure_eq!(pt.unmap(M2, K4), Ok(K4));
        // The level-3 table is empty but only partly covered: it stays.
        ensure!(
            !d.take_events().contains(&Event::Free(l3)),
            "partly covered table kept"
        );
        // A 2M block replaces it: map flushes the span, walk caches included.
        check!(pt.map_pages(M2, ph(0x6000_0000, M2, 1), M2, RW));
        let ev = d.take_events();
        ensure_eq!(
            ev,
            vec![Event::Flush {
                start: M2,
                last: 2 * M2 - 1,
                tables: true,
                nr_tables: 0
            }]
        );
        ensure_eq!(check!(d.dma(&pt, M2 + 5, Access::Read)), 0x6000_0005);
        // Never freed by map, nor by a sync of anything else (a lookup that
        // raced the map may still read it) ...
        pt.unmap_batch().sync();
        ensure_eq!(d.take_events(), vec![]);
        // ... but by the sync of the unmap that removes the block.
        let mut batch = pt.unmap_batch();
        ensure_eq!(batch.unmap(M2, M2), Ok(M2));
        batch.sync();
        ensure_eq!(
            d.take_events(),
            vec![
                Event::Flush {
                    start: M2,
                    last: 2 * M2 - 1,
                    tables: true,
                    nr_tables: 1
                },
                Event::Free(l3)
            ]
        );
        ensure_eq!(d.stale_frees.load(Ordering::SeqCst), 0);
        Ok(())
    }

    pub fn drop_flushes_before_destroy() -> TestResult {
        let d = Recorder::new();
        {
            let mut pt = check!(PageTable::new(&s1_4k(), &d));
            full_l3(&mut pt, &d)?;
            d.take_events();
        }
        let ev = d.take_events();
        ensure_eq!(
            ev.first(),
            Some(&Event::Flush {
                start: 0,
                last: (1 << 48) - 1,
                tables: true,
                nr_tables: 0
            })
        );
        ensure_eq!(ev.iter().filter(|e| matches!(e, Event::Free(_))).count(), 5);
        ensure_eq!(
            d.allocs.load(Ordering::SeqCst),
            d.frees.load(Ordering::SeqCst)
        );
        ensure_eq!(d.stale_frees.load(Ordering::SeqCst), 0);
        Ok(())
    }

    /// A driver that keeps freed blocks and hands them out again.
    struct Pool {
        blocks: Mutex<Vec<TableBlock>>,
        reused: AtomicU64,
    }

    impl IommuOps for Pool {
        type Domain = ();
        const TABLE_MEMORY_HOOKS: bool = true;
        fn iotlb_flush(&self, _: &Flush) {}
        fn alloc_table(&self, _: &(), size: usize, gfp: Gfp) -> Option<TableBlock> {
            let mut blocks = self.blocks.lock().unwrap();
            if let Some(i) = blocks.iter().position(|b| b.size() == size) {
                self.reused.fetch_add(1, Ordering::SeqCst);
                return Some(blocks.swap_remove(i));
            }
            TableBlock::alloc(size, gfp)
        }
        fn free_table(&self, _: &(), block: TableBlock) {
            self.blocks.lock().unwrap().push(block);
        }
    }

    pub fn recycled_blocks_are_zeroed() -> TestResult {
        let d = Pool {
            blocks: Mutex::new(Vec::new()),
            reused: AtomicU64::new(0),
        };
        {
            let mut pt = check!(PageTable::new(&s1_4k(), &d));
            for round in 0..4u64 {
                // Fill a level-3 table, unmap it whole (it is freed into the
                // pool), then map a sparse pattern into a recycled one.
                check!(pt.map_pages(M2, ph(0x4000_0000, K4, 512), K4, RW));
                ensure_eq!(pt.unmap(M2, M2), Ok(M2));
                check!(pt.map_pages(M2 + round * K4, ph(0x5000_0000, K4, 1), K4, RW));
                for i in 0..512 {
                    let want = (i == round).then_some(0x5000_0000);
                    ensure_eq!(pt.iova_to_phys(M2 + i * K4), want);
                }
                ensure_eq!(pt.unmap(M2 + round * K4, K4), Ok(K4));
            }
        }
        ensure!(d.reused.load(Ordering::SeqCst) >= 3, "blocks were recycled");
        d.blocks.lock().unwrap().clear();
        Ok(())
    }

    pub fn no_leak_builtin() -> TestResult {
        let before = ptcore::mem_stats();
        let d = Plain {
            flushes: AtomicU64::new(0),
        };
        {
            let mut pt = check!(PageTable::new(&Config::<ArmLpaeS1>::new(39, 40), &d));
            for i in 0..64 {
                check!(pt.map_pages(i * M2 + K4, ph(0x1000_0000, K4, 3), K4, RW));
            }
            check!(pt.map_pages(G1, ph(G1, G1, 1), G1, RW));
            let during = ptcore::mem_stats();
            ensure!(
                during.tables_live >= before.tables_live + 65,
                "{before:?} -> {during:?}"
            );
            let mut b = pt.unmap_batch();
            for i in 0..32 {
                ensure_eq!(b.unmap(i * M2 + K4, 3 * K4), Ok(3 * K4));
            }
            b.sync();
            // The rest is freed by the table's destruction.
        }
        let after = ptcore::mem_stats();
        ensure_eq!(after.tables_live, before.tables_live);
        ensure!(after.frees > before.frees, "{before:?} -> {after:?}");
        ensure!(d.flushes.load(Ordering::SeqCst) >= 1, "flushed");
        Ok(())
    }

    pub fn no_leak_hooks() -> TestResult {
        let d = Recorder::new();
        {
            let mut pt = check!(PageTable::new(&Config::<AppleDart2>::new(36, 42), &d));
            for i in 0..16u64 {
                check!(pt.map_pages(i << 25, ph(0x1000_0000 + (i << 14), K16, 4), K16, RW));
            }
            let mut b = pt.unmap_batch();
            for i in 0..8u64 {
                ensure_eq!(b.unmap(i << 25, 4 * K16), Ok(4 * K16));
            }
            b.sync();
        }
        let (a, f) = (
            d.allocs.load(Ordering::SeqCst),
            d.frees.load(Ordering::SeqCst),
        );
        ensure!(a > 16, "{a} allocations");
        ensure_eq!(a, f);
        Ok(())
    }
}

mod model {
    use super::*;

    /// Maps every leaf size at a few places, and checks that the hardware
    /// walker and iova_to_phys agree everywhere, before and after unmaps.
    fn cross_check<F: Format>(cfg: Config<F>, seed: u64) -> TestResult {
        let d = Recorder::new();
        let mut pt = match PageTable::new(&cfg, &d) {
            Ok(pt) => pt,
            Err(e) => return Err(format!("{} {cfg:?}: {e:?}", F::NAME)),
        };
        let hw = pt.hw_info();
        let ias = u32::from(hw.ias());
        let pa_bits = u32::from(hw.oas()).min(40);
        let mut rng = Rng::new(seed);
        let mut mapped: Vec<(u64, u64, u64)> = Vec::new();
        let sizes: Vec<u64> = (0..64)
            .map(|b| 1u64 << b)
            .filter(|s| hw.pgsize_bitmap() & s != 0)
            .collect();
        for &size in &sizes {
            if size >= (1u64 << ias) / 4 || size >= (1u64 << pa_bits) {
                continue;
            }
            for _ in 0..3 {
                let iova = rng.below((1u64 << ias) / size) * size;
                let pa = rng.below((1u64 << pa_bits) / size) * size;
                let count = 1 + rng.below(3).min(((1u64 << ias) - iova) / size - 1);
                match pt.map_pages(iova, ph(pa, size, count), size, RW) {
                    Ok(()) => mapped.push((iova, pa, size * count)),
                    Err(MapError { error, mapped: m }) if error == Error::EADDRINUSE => {
                        if m > 0 {
                            mapped.push((iova, pa, m));
                        }
                    }
                    Err(e) => {
                        return Err(format!(
                            "{}: map {iova:#x} {size:#x} x{count}: {e:?}",
                            F::NAME
                        ))
                    }
                }
            }
        }
        ensure!(!mapped.is_empty(), "mapped something");
        let agree = |pt: &PageTable<'_, F, Recorder>, iova: u64| -> TestResult {
            let hw_pa = hw::walk(pt, pt.hw_info().roots(), iova).ok().map(|w| w.pa);
            ensure_eq!(hw_pa, pt.iova_to_phys(iova));
            Ok(())
        };
        for &(iova, pa, len) in &mapped {
            for off in [0, len / 2 + 8, len - 1] {
                ensure_eq!(pt.iova_to_phys(iova + off), Some(pa + off));
                agree(&pt, iova + off)?;
            }
            if iova >= 8 {
                agree(&pt, iova - 8)?;
            }
            agree(&pt, iova + len)?;
        }
        let mut b = pt.unmap_batch();
        for (i, &(iova, _, len)) in mapped.iter().enumerate() {
            if i % 2 == 0 {
                ensure_eq!(b.unmap(iova, len), Ok(len));
            }
        }
        b.sync();
        for (i, &(iova, pa, len)) in mapped.iter().enumerate() {
            let want = (i % 2 != 0).then_some(pa + len - 1);
            ensure_eq!(pt.iova_to_phys(iova + len - 1), want);
            agree(&pt, iova)?;
            agree(&pt, iova + len - 1)?;
        }
        Ok(())
    }

    pub fn cross_check_arm_s1() -> TestResult {
        cross_check(Config::<ArmLpaeS1>::new(48, 48), 1)?;
        cross_check(Config::<ArmLpaeS1>::new(32, 40), 2)?;
        cross_check(Config::<ArmLpaeS1>::new(47, 48).granule_lg2(14), 3)?;
        cross_check(Config::<ArmLpaeS1>::new(36, 44).granule_lg2(14), 4)?;
        cross_check(Config::<ArmLpaeS1>::new(48, 48).granule_lg2(16), 5)?;
        cross_check(Config::<ArmLpaeS1>::new(42, 42).granule_lg2(16), 6)?;
        Ok(())
    }

    pub fn cross_check_arm_s2() -> TestResult {
        cross_check(Config::<ArmLpaeS2>::new(40, 40), 7)?; // concatenated root
        cross_check(Config::<ArmLpaeS2>::new(48, 48), 8)?;
        cross_check(Config::<ArmLpaeS2>::new(40, 40).granule_lg2(14), 9)?;
        cross_check(Config::<ArmLpaeS2>::new(42, 44).granule_lg2(16), 10)?;
        Ok(())
    }

    pub fn cross_check_dart() -> TestResult {
        cross_check(Config::<AppleDart>::new(32, 36), 11)?;
        cross_check(Config::<AppleDart>::new(32, 36).granule_lg2(12), 12)?;
        cross_check(Config::<AppleDart2>::new(32, 42), 13)?;
        cross_check(Config::<AppleDart2>::new(36, 36), 14)?;
        cross_check(Config::<AppleDart2>::new(42, 42), 15)?; // three levels
        Ok(())
    }

    fn perms<F: Format>(cfg: Config<F>, size: u64) -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&cfg, &d));
        check!(pt.map_pages(0, ph(0x1000_0000, size, 1), size, Prot::READ));
        check!(pt.map_pages(size, ph(0x2000_0000, size, 1), size, Prot::WRITE));
        check!(pt.map_pages(2 * size, ph(0x3000_0000, size, 1), size, RW | Prot::CACHE));
        ensure_eq!(d.dma(&pt, 8, Access::Read), Ok(0x1000_0008));
        ensure_eq!(
            d.dma(&pt, 8, Access::Write),
            Err(Fault::Permission {
                iova: 8,
                access: Access::Write
            })
        );
        ensure_eq!(d.dma(&pt, size + 8, Access::Write), Ok(0x2000_0008));
        ensure_eq!(d.dma(&pt, 2 * size, Access::Write), Ok(0x3000_0000));
        ensure_eq!(d.dma(&pt, 2 * size, Access::Read), Ok(0x3000_0000));
        Ok(())
    }

    pub fn permissions() -> TestResult {
        perms(Config::<ArmLpaeS2>::new(40, 40), K4)?;
        perms(Config::<AppleDart>::new(32, 36), K16)?;
        perms(Config::<AppleDart2>::new(32, 42), K16)?;
        // Stage 1 has no write-only encoding: WRITE alone is read-write.
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.map_pages(0, ph(0x1000_0000, K4, 1), K4, Prot::READ));
        ensure_eq!(
            d.dma(&pt, 8, Access::Write),
            Err(Fault::Permission {
                iova: 8,
                access: Access::Write
            })
        );
        ensure_eq!(d.dma(&pt, 8, Access::Read), Ok(0x1000_0008));
        Ok(())
    }

    /// Random maps, device accesses and batched unmaps: the device never
    /// walks a freed table and always faults on unmapped IOVAs after sync.
    fn random_ops<F: Format>(cfg: Config<F>, span: u64, seed: u64) -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&cfg, &d));
        let hw = pt.hw_info();
        let sizes: Vec<u64> = (0..40)
            .map(|b| 1u64 << b)
            .filter(|s| hw.pgsize_bitmap() & s != 0 && *s <= span / 4)
            .collect();
        let mut rng = Rng::new(seed);
        let mut live: Vec<(u64, u64)> = Vec::new();
        for _ in 0..40 {
            for _ in 0..8 {
                let size = sizes[rng.below(sizes.len() as u64) as usize];
                let iova = rng.below(span / size) * size;
                let count = 1 + rng.below(4).min((span - iova) / size - 1);
                match pt.map_pages(iova, ph(iova, size, count), size, RW) {
                    Ok(()) => live.push((iova, size * count)),
                    Err(MapError { mapped, error }) => {
                        ensure_eq!(error, Error::EADDRINUSE);
                        if mapped > 0 {
                            live.push((iova, mapped));
                        }
                    }
                }
            }
            for &(iova, len) in &live {
                ensure_eq!(d.dma(&pt, iova + len / 2, Access::Read), Ok(iova + len / 2));
            }
            let mut gone = Vec::new();
            let mut b = pt.unmap_batch();
            let mut i = 0;
            while i < live.len() {
                if rng.below(2) == 0 {
                    let (iova, len) = live.swap_remove(i);
                    ensure_eq!(b.unmap(iova, len), Ok(len));
                    gone.push(iova + len / 2);
                } else {
                    i += 1;
                }
            }
            b.sync();
            for iova in gone {
                let r = d.dma(&pt, iova, Access::Read);
                ensure!(
                    r.is_err(),
                    "DMA to unmapped {iova:#x} after sync gave {r:?}"
                );
            }
            ensure_eq!(d.stale_frees.load(Ordering::SeqCst), 0);
        }
        Ok(())
    }

    pub fn random_ops_never_stale() -> TestResult {
        random_ops(Config::<ArmLpaeS1>::new(32, 40), 1 << 32, 21)?;
        random_ops(
            Config::<ArmLpaeS1>::new(36, 40).granule_lg2(14),
            1 << 36,
            22,
        )?;
        random_ops(Config::<AppleDart2>::new(32, 42), 1 << 32, 23)?;
        random_ops(
            Config::<AppleDart>::new(32, 36).granule_lg2(12),
            1 << 32,
            24,
        )?;
        Ok(())
    }
}

/// Splits `whole` at every point of `at` (ascending).
fn split_all<'r, 'd, F: Format, D: IommuOps>(
    whole: ptcore::Region<'r, 'd, F, D>,
    at: &[u64],
) -> Result<Vec<ptcore::Region<'r, 'd, F, D>>, String> {
    let mut out = Vec::new();
    let mut rest = whole;
    for &mid in at {
        let (r, next) = rest
            .split_at(mid)
            .map_err(|(_, e)| format!("split at {mid:#x}: {e:?}"))?;
        out.push(r);
        rest = next;
    }
    out.push(rest);
    Ok(out)
}

mod region {
    use super::*;
    use ptcore::model::SpinLock;
    use std::cell::Cell;

    fn frees(ev: &[Event]) -> usize {
        ev.iter().filter(|e| matches!(e, Event::Free(_))).count()
    }

    pub fn region_refuses_outside() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.map_pages(G1, ph(0x1000_0000, K4, 1), K4, RW));
        check!(pt.regions(|whole| -> TestResult {
            let (mut lo, hi) = whole.split_at(G1).map_err(|(_, e)| format!("{e:?}"))?;
            d.take_events();
            let erange = Err(MapError {
                mapped: 0,
                error: Error::ERANGE,
            });
            // Straddling the end, or beyond it: refused before C.
            ensure_eq!(
                lo.map_pages(G1 - K4, ph(0x2000_0000, K4, 2), K4, RW),
                erange
            );
            ensure_eq!(lo.map_pages(G1, ph(0x2000_0000, K4, 1), K4, RW), erange);
            let erange = Err(UnmapError {
                unmapped: 0,
                error: Error::ERANGE,
            });
            ensure_eq!(lo.unmap(G1, K4), erange);
            ensure_eq!(lo.unmap(G1 - K4, 2 * K4), erange);
            ensure_eq!(lo.iova_to_phys(G1), Err(Error::ERANGE));
            ensure_eq!(
                d.take_events(),
                vec![],
                "no allocation, no flush: C never ran"
            );
            ensure_eq!(
                hi.iova_to_phys(G1),
                Ok(0x1000_0000),
                "the other region's page"
            );
            // Inside, everything works.
            check!(lo.map_pages(G1 - K4, ph(0x2000_0000, K4, 1), K4, RW));
            ensure_eq!(lo.iova_to_phys(G1 - 1), Ok(0x2000_0fff));
            ensure_eq!(lo.unmap(G1 - K4, K4), Ok(K4));
            ensure_eq!(lo.iova_to_phys(G1 - K4), Err(Error::ENOENT));
            Ok(())
        }))?;
        ensure_eq!(pt.iova_to_phys(G1), Some(0x1000_0000));
        Ok(())
    }

    pub fn region_split_alignment() -> TestResult {
        let d = Plain {
            flushes: AtomicU64::new(0),
        };
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.regions(|mut whole| -> TestResult {
            ensure_eq!(whole.split_at_mut(0x800).err(), Some(Error::EINVAL));
            ensure_eq!(whole.split_at_mut(0).err(), Some(Error::EINVAL));
            ensure_eq!(whole.split_at_mut(1 << 48).err(), Some(Error::EINVAL));
            // Only granule pages so far: any granule boundary will do.
            ensure!(whole.split_at_mut(M2 + K4).is_ok(), "granule split");
            let (mut lo, _) = check!(whole.split_at_mut(G1));
            ensure_eq!(lo.split_at_mut(G1).err(), Some(Error::EINVAL), "not inside");
            Ok(())
        }))?;
        check!(pt.map_pages(4 * M2, ph(0x4000_0000, M2, 1), M2, RW));
        check!(pt.regions(|mut whole| -> TestResult {
            // A 2M leaf exists somewhere: a boundary inside one could let an
            // unmap in one region remove a leaf of the other.
            ensure_eq!(
                whole.split_at_mut(4 * M2 + K4).err(),
                Some(Error::EINVAL),
                "2M alignment needed"
            );
            ensure!(whole.split_at_mut(3 * M2).is_ok(), "2M-aligned split");
            Ok(())
        }))?;
        ensure_eq!(pt.unmap(4 * M2, M2), Ok(M2));
        Ok(())
    }

    pub fn region_boundary_inside_table() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        let mid = M2 + 0x10_1000; // inside the leaf table of [2M, 4M)
        check!(pt.regions(|whole| -> TestResult {
            let (mut lo, mut hi) = whole.split_at(mid).map_err(|(_, e)| format!("{e:?}"))?;
            // Both halves fill the one leaf table they share.
            check!(lo.map_pages(M2, ph(0x1000_0000, K4, 0x101), K4, RW));
            check!(hi.map_pages(mid, ph(0x2000_0000, K4, 0xff), K4, RW));
            ensure_eq!(check!(d.dma(&lo, mid - K4, Access::Read)), 0x1010_0000);
            ensure_eq!(check!(d.dma(&hi, mid, Access::Read)), 0x2000_0000);
            d.take_events();
            // The table is full, but no region holds all of it: an unmap
            // of all of one half frees nothing, and the other half stays.
            ensure_eq!(lo.unmap(M2, mid - M2), Ok(mid - M2));
            ensure_eq!(frees(&d.take_events()), 0, "the shared table stays");
            ensure_eq!(hi.iova_to_phys(mid + K4), Ok(0x2000_1000));
            ensure_eq!(hi.unmap(mid, 2 * M2 - mid), Ok(2 * M2 - mid));
            ensure_eq!(frees(&d.take_events()), 0, "still partly covered");
            Ok(())
        }))?;
        ensure_eq!(pt.iova_to_phys(mid), None);
        ensure_eq!(d.stale_frees.load(Ordering::SeqCst), 0);
        Ok(())
    }

    pub fn region_replaces_empty_table() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.regions(|whole| -> TestResult {
            let (_lo, mut hi) = whole.split_at(3 * K4).map_err(|(_, e)| format!("{e:?}"))?;
            check!(hi.map_pages(M2 + K4, ph(0x1000_0000, K4, 1), K4, RW));
            let l3 = check!(hw::walk(&hi, hi.hw_info().roots(), M2 + K4))
                .tables()
                .last()
                .ok_or("no table")?
                .table;
            ensure_eq!(check!(d.dma(&hi, M2 + K4, Access::Read)), 0x1000_0000);
            ensure_eq!(hi.unmap(M2 + K4, K4), Ok(K4));
            d.take_events();
            // The empty table lies wholly inside the 2M map's range, which
            // lies inside the region: only then may map replace it.
            check!(hi.map_pages(M2, ph(0x4000_0000, M2, 1), M2, RW));
            ensure_eq!(
                d.take_events(),
                vec![Event::Flush {
                    start: M2,
                    last: 2 * M2 - 1,
                    tables: true,
                    nr_tables: 0
                }]
            );
            ensure_eq!(check!(d.dma(&hi, M2 + 8, Access::Read)), 0x4000_0008);
            ensure_eq!(hi.unmap(M2, M2), Ok(M2));
            let ev = d.take_events();
            let flush = ev
                .iter()
                .position(|e| matches!(e, Event::Flush { start: M2, .. }))
                .ok_or("flushed")?;
            let free = ev
                .iter()
                .position(|e| *e == Event::Free(l3))
                .ok_or("the replaced table is freed by a sync")?;
            ensure!(flush < free, "{ev:?}");
            Ok(())
        }))?;
        ensure_eq!(d.stale_frees.load(Ordering::SeqCst), 0);
        Ok(())
    }

    pub fn region_walks_stay_inside() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.regions(|whole| -> TestResult {
            let (mut lo, mut hi) = whole.split_at(M2).map_err(|(_, e)| format!("{e:?}"))?;
            check!(lo.map_pages(0, ph(0x1000_0000, K4, 1), K4, RW));
            check!(hi.map_pages(M2, ph(0x2000_0000, K4, 1), K4, RW));
            let roots = pt_roots(&lo);
            ensure_eq!(
                hw::walk(&lo, &roots, M2).err(),
                Some(Fault::NotHeld { iova: M2 })
            );
            ensure_eq!(check!(hw::walk(&hi, &roots, M2)).pa, 0x2000_0000);
            ensure_eq!(
                lo.view().iova_to_phys(M2),
                None,
                "a view covers its region only"
            );
            ensure_eq!(hi.view().iova_to_phys(M2), Some(0x2000_0000));
            ensure_eq!(lo.unmap(0, K4), Ok(K4));
            ensure_eq!(hi.unmap(M2, K4), Ok(K4));
            Ok(())
        }))?;
        Ok(())
    }

    pub fn regions_refuse_free_empty_tables() -> TestResult {
        // Such unmaps may free tables outside their range: no regions. (A
        // core without the feature refuses the table itself.)
        let d = Plain {
            flushes: AtomicU64::new(0),
        };
        let cfg = s1_4k().features(Features::FREE_EMPTY_TABLES);
        match PageTable::new(&cfg, &d) {
            Ok(mut pt) => ensure_eq!(pt.regions(|_| ()), Err(Error::EOPNOTSUPP)),
            Err(e) => ensure_eq!(e, Error::EOPNOTSUPP),
        }
        Ok(())
    }

    fn pt_roots<F: Format, D: IommuOps>(r: &ptcore::Region<'_, '_, F, D>) -> Vec<u64> {
        r.hw_info().roots().to_vec()
    }

    pub fn regions_sync_on_drop() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.map_pages(0, ph(0x3000_0000, K4, 1), K4, RW));
        check!(pt.map_pages(M2, ph(0x4000_0000, K4, 512), K4, RW));
        check!(pt.map_pages(4 * M2, ph(0x5000_0000, K4, 512), K4, RW));
        ensure_eq!(check!(d.dma(&pt, M2, Access::Read)), 0x4000_0000);
        ensure_eq!(check!(d.dma(&pt, 4 * M2, Access::Read)), 0x5000_0000);
        d.take_events();
        check!(pt.regions(|whole| -> TestResult {
            let mut whole = whole;
            {
                let mut b = whole.unmap_batch();
                ensure_eq!(b.unmap(M2, M2), Ok(M2));
                std::mem::forget(b); // the gather stays with the region
            }
            ensure_eq!(d.take_events(), vec![], "nothing before the sync");
            // Consuming split: the region's gather is synced first. (The
            // region moved with a pending gather: older cores free its table
            // at a later sync or at destroy, after a flush either way.)
            let (lo, mut hi) = whole.split_at(3 * M2).map_err(|(_, e)| format!("{e:?}"))?;
            let ev = d.take_events();
            ensure!(
                matches!(ev.first(), Some(Event::Flush { start: M2, .. })),
                "{ev:?}"
            );
            drop(lo);
            let mut b = hi.unmap_batch();
            ensure_eq!(b.unmap(4 * M2, M2), Ok(M2));
            std::mem::forget(b);
            // Older cores may flush the moved gather's table early here
            // (flush, then free); nothing of `hi`'s own is freed yet.
            let ev = d.take_events();
            let first_free = ev.iter().position(|e| matches!(e, Event::Free(_)));
            let first_flush = ev.iter().position(|e| matches!(e, Event::Flush { .. }));
            ensure!(first_free.is_none() || first_flush < first_free, "{ev:?}");
            ensure!(frees(&ev) <= 1, "{ev:?}");
            Ok(()) // `hi` is dropped here, in place: it syncs
        }))?;
        let ev = d.take_events();
        ensure!(
            matches!(ev.first(), Some(Event::Flush { start, .. }) if *start == 4 * M2)
                && frees(&ev) >= 1,
            "{ev:?}"
        );
        drop(pt);
        ensure_eq!(d.stale_frees.load(Ordering::SeqCst), 0);
        ensure_eq!(
            d.allocs.load(Ordering::SeqCst),
            d.frees.load(Ordering::SeqCst)
        );
        Ok(())
    }

    // ---- the concurrent stress test ----

    thread_local! {
        /// Flushes the current thread's callbacks made.
        static FLUSHES: Cell<u64> = const { Cell::new(0) };
        /// Range of the last flush on this thread.
        static LAST_FLUSH: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    }

    /// A driver for many threads: callbacks take a spinlock (never sleep).
    struct Stress {
        iotlb: SpinLock<Iotlb>,
        allocs: AtomicU64,
        frees: AtomicU64,
        stale_frees: AtomicU64,
        flushes: AtomicU64,
    }

    impl IommuOps for Stress {
        type Domain = ();
        const TABLE_MEMORY_HOOKS: bool = true;

        fn iotlb_flush(&self, f: &Flush) {
            self.iotlb
                .lock()
                .invalidate_range(f.start(), f.last(), !f.tables_removed());
            self.flushes.fetch_add(1, Ordering::Relaxed);
            FLUSHES.with(|c| c.set(c.get() + 1));
            LAST_FLUSH.with(|c| c.set((f.start(), f.last())));
        }

        fn alloc_table(&self, _: &(), size: usize, gfp: Gfp) -> Option<TableBlock> {
            self.allocs.fetch_add(1, Ordering::Relaxed);
            TableBlock::alloc(size, gfp)
        }

        fn free_table(&self, _: &(), block: TableBlock) {
            if self.iotlb.lock().caches_table(block.phys()) {
                self.stale_frees.fetch_add(1, Ordering::Relaxed);
            }
            self.frees.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn flushes_here() -> u64 {
        FLUSHES.with(|c| c.get())
    }

    #[derive(Default)]
    struct ThreadReport {
        syncs: u64,
        early_flushes: u64,
        tables_unmapped: u64,
    }

    /// One thread's work in its region: whole leaf tables, single pages at
    /// both ends (sharing leaf tables with the neighbours), and a 2M block
    /// over an emptied leaf table; every unmap in its own batch and sync.
    fn worker(
        d: &Stress,
        r: &mut ptcore::Region<'_, '_, ArmLpaeS1, Stress>,
        t: u64,
        rounds: u64,
    ) -> Result<ThreadReport, String> {
        let mut rep = ThreadReport::default();
        let roots = r.hw_info().roots().to_vec();
        let pa = 0x1_0000_0000 + t * 0x1000_0000;
        // Whole leaf-table spans inside the region.
        // (Not the spans holding the pages at the region's ends.)
        let first = r.start().div_ceil(M2) * M2 + M2;
        let spans: Vec<u64> = (0..)
            .map(|i| first + i * M2)
            .take_while(|&s| s + 2 * M2 - 1 <= r.last())
            .collect();
        ensure!(spans.len() >= 3, "region too small: {r:?}");
        for round in 0..rounds {
            let w = spans[(round as usize) % spans.len()];
            let edge_lo = r.start();
            let edge_hi = r.last() + 1 - K4;
            // A whole leaf table of 4K pages, and a page at each end.
            check!(r.map_pages(w, ph(pa, K4, 512), K4, RW));
            check!(r.map_pages(edge_lo, ph(pa + M2, K4, 1), K4, RW));
            check!(r.map_pages(edge_hi, ph(pa + M2 + K4, K4, 1), K4, RW));
            // The device walks the leaf table: the walk cache holds it.
            let table = {
                let view = r.view();
                let got = d
                    .iotlb
                    .lock()
                    .translate(view, &roots, w + 0x800, Access::Write);
                ensure_eq!(got, Ok(pa + 0x800));
                check!(hw::walk(view, &roots, w))
                    .tables()
                    .last()
                    .ok_or("no table")?
                    .table
            };
            ensure!(d.iotlb.lock().caches_table(table), "walk cached");
            let before = flushes_here();
            let mut b = r.unmap_batch();
            ensure_eq!(b.unmap(w, M2), Ok(M2));
            ensure_eq!(b.unmap(edge_lo, K4), Ok(K4));
            ensure_eq!(b.unmap(edge_hi, K4), Ok(K4));
            let pending = b.pending().ok_or("gathered")?;
            let range = (pending.start(), pending.last());
            ensure!(pending.tables_removed(), "the leaf table went");
            // Older cores may flush early (another gather's tables, under
            // their lock) during an unmap; a sync flushes exactly once.
            rep.early_flushes += flushes_here() - before;
            let before = flushes_here();
            b.sync();
            ensure_eq!(flushes_here() - before, 1, "one flush per non-empty sync");
            ensure_eq!(
                LAST_FLUSH.with(|c| c.get()),
                range,
                "the sync flushed its own gather"
            );
            rep.syncs += 1;
            rep.tables_unmapped += 1;
            ensure_eq!(r.iova_to_phys(w), Err(Error::ENOENT));

            // A 2M block over an emptied leaf table (map replaces it).
            let w2 = spans[(round as usize + 1) % spans.len()];
            check!(r.map_pages(w2 + K4, ph(pa, K4, 1), K4, RW));
            ensure_eq!(r.unmap(w2 + K4, K4), Ok(K4));
            check!(r.map_pages(w2, ph(pa, M2, 1), M2, RW));
            ensure_eq!(r.iova_to_phys(w2 + 0x1234), Ok(pa + 0x1234));
            let before = flushes_here();
            let mut b = r.unmap_batch();
            ensure_eq!(b.unmap(w2, M2), Ok(M2));
            rep.early_flushes += flushes_here() - before;
            let before = flushes_here();
            b.sync();
            ensure_eq!(flushes_here() - before, 1);
            rep.syncs += 2;
        }
        Ok(rep)
    }

    fn stress(threads: u64) -> TestResult {
        let d = Stress {
            iotlb: SpinLock::new(Iotlb::new()),
            allocs: AtomicU64::new(0),
            frees: AtomicU64::new(0),
            stale_frees: AtomicU64::new(0),
            flushes: AtomicU64::new(0),
        };
        // 39-bit IOVA, 4K: one root (1G entries) and one level-2 table shared
        // by every region; boundaries 4K-aligned but not on table spans, so
        // neighbours share leaf tables too.
        let cfg = Config::<ArmLpaeS1>::new(39, 40);
        let region = 16 * M2;
        let rounds = 200;
        let mut pt = check!(PageTable::new(&cfg, &d));
        let at: Vec<u64> = (1..threads)
            .map(|t| t * region + (t % 3) * 5 * K4)
            .collect();
        let start = std::sync::Barrier::new(threads as usize);
        let reports = check!(pt.regions(|whole| -> Result<Vec<ThreadReport>, String> {
            let regions = split_all(whole, &at)?;
            std::thread::scope(|s| {
                let handles: Vec<_> = regions
                    .into_iter()
                    .enumerate()
                    .map(|(t, mut r)| {
                        let (d, start) = (&d, &start);
                        s.spawn(move || {
                            start.wait(); // all threads at once
                            worker(d, &mut r, t as u64, rounds)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().map_err(|_| String::from("a thread panicked"))?)
                    .collect()
            })
        }))?;
        let syncs: u64 = reports.iter().map(|r| r.syncs).sum();
        let early: u64 = reports.iter().map(|r| r.early_flushes).sum();
        let tables: u64 = reports.iter().map(|r| r.tables_unmapped).sum();
        ensure_eq!(tables, threads * rounds);
        ensure_eq!(
            d.stale_frees.load(Ordering::SeqCst),
            0,
            "freed before a flush"
        );
        let flushes = d.flushes.load(Ordering::SeqCst);
        // Each gather holds its own tables: no unmap flushes (the core
        // before the per-gather freelists flushed other gathers' tables
        // early), and every flush is a sync's own or a map's replacement.
        ensure_eq!(early, 0, "an unmap flushed another gather's tables");
        ensure_eq!(
            flushes,
            syncs + threads * rounds,
            "one flush per non-empty sync, one per replaced table"
        );
        drop(pt);
        ensure_eq!(
            d.allocs.load(Ordering::SeqCst),
            d.frees.load(Ordering::SeqCst),
            "every table freed"
        );
        if std::env::var_os("PTCORE_STRESS_VERBOSE").is_some() {
            eprintln!(
                "stress {threads} threads: {tables} leaf tables unmapped, {syncs} syncs, \
                 {flushes} flushes"
            );
        }
        Ok(())
    }

    pub fn concurrent_unmap_2_threads() -> TestResult {
        stress(2)
    }

    pub fn concurrent_unmap_4_threads() -> TestResult {
        stress(4)
    }

    pub fn concurrent_unmap_8_threads() -> TestResult {
        stress(8)
    }
}

mod sound {
    use super::*;
    use ptcore::model::DmaAllocator;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::atomic::{AtomicBool, AtomicPtr};

    /// Runs `f` with the panic message silenced (the panic is expected).
    fn quietly<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let r = catch_unwind(AssertUnwindSafe(f));
        std::panic::set_hook(hook);
        r
    }

    /// Panics in the flush that precedes the table's destruction.
    struct PanicOnDestroy {
        armed: AtomicBool,
    }

    impl IommuOps for PanicOnDestroy {
        type Domain = ();
        fn iotlb_flush(&self, f: &Flush) {
            if self.armed.load(Ordering::SeqCst) && f.size() >= 1 << 48 {
                panic!("injected flush failure");
            }
        }
    }

    pub fn drop_panicking_flush_leaks_nothing() -> TestResult {
        let before = ptcore::mem_stats();
        let d = PanicOnDestroy {
            armed: AtomicBool::new(true),
        };
        let r = quietly(|| {
            let mut pt = PageTable::new(&s1_4k(), &d).expect("table");
            pt.map_pages(M2, ph(0x4000_0000, K4, 512), K4, RW)
                .expect("map");
            pt.map_pages(G1, ph(0x5000_0000, K4, 1), K4, RW)
                .expect("map");
            let mut b = pt.unmap_batch();
            b.unmap(M2, M2).expect("unmap");
            std::mem::forget(b); // a table waits on the gather too
            drop(pt); // the final flush panics
        });
        ensure!(r.is_err(), "the flush panicked");
        let after = ptcore::mem_stats();
        ensure_eq!(
            after.tables_live,
            before.tables_live,
            "destroyed despite the panic"
        );
        Ok(())
    }

    pub fn panic_with_open_batches_leaks_nothing() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        let r = quietly(|| {
            pt.regions(|whole| {
                let (mut lo, mut hi) = whole.split_at(G1).map_err(|(_, e)| e).unwrap();
                std::thread::scope(|s| {
                    let a = s.spawn(move || {
                        lo.map_pages(M2, ph(0x4000_0000, K4, 512), K4, RW).unwrap();
                        let mut b = lo.unmap_batch();
                        b.unmap(M2, M2).unwrap();
                        panic!("driver bug with a batch open");
                    });
                    let b = s.spawn(move || {
                        hi.map_pages(G1 + M2, ph(0x5000_0000, K4, 512), K4, RW)
                            .unwrap();
                        let mut b = hi.unmap_batch();
                        b.unmap(G1 + M2, M2).unwrap();
                        std::mem::forget(b); // left to the region's drop
                    });
                    let _ = b.join();
                    let _ = a.join();
                });
                panic!("and the caller panics too");
            })
        });
        ensure!(r.is_err(), "panicked");
        drop(pt);
        ensure_eq!(
            d.allocs.load(Ordering::SeqCst),
            d.frees.load(Ordering::SeqCst),
            "every table freed"
        );
        ensure_eq!(d.stale_frees.load(Ordering::SeqCst), 0);
        Ok(())
    }

    type ReenterTable<'a> = PageTable<'a, ArmLpaeS1, Reenter>;

    /// Looks up its own table from inside its callbacks.
    struct Reenter {
        table: AtomicPtr<()>,
        seen: Mutex<Vec<(&'static str, Option<u64>)>>,
    }

    impl Reenter {
        fn look(&self, from: &'static str) {
            let p = self.table.load(Ordering::SeqCst);
            if p.is_null() {
                return;
            }
            // SAFETY: the test stores a pointer to the live table before the
            // calls that reach here and clears it before the table goes; a
            // callback may use the table through `&PageTable` (lookups).
            let pt = unsafe { &*(p as *const ReenterTable<'_>) };
            self.seen
                .lock()
                .unwrap()
                .push((from, pt.iova_to_phys(0x10)));
        }
    }

    impl IommuOps for Reenter {
        type Domain = ();
        const TABLE_MEMORY_HOOKS: bool = true;
        fn iotlb_flush(&self, _: &Flush) {
            self.look("flush");
        }
        fn alloc_table(&self, _: &(), size: usize, gfp: Gfp) -> Option<TableBlock> {
            self.look("alloc");
            TableBlock::alloc(size, gfp)
        }
        fn free_table(&self, _: &(), block: TableBlock) {
            self.look("free");
            drop(block);
        }
    }

    pub fn callback_lookups_reenter() -> TestResult {
        let d = Reenter {
            table: AtomicPtr::new(std::ptr::null_mut()),
            seen: Mutex::new(Vec::new()),
        };
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.map_pages(0, ph(0x3000_0000, K4, 1), K4, RW));
        d.table
            .store(&pt as *const ReenterTable<'_> as *mut (), Ordering::SeqCst);
        // SAFETY: one thread; nothing else touches [1G, 1G + 2M).
        check!(unsafe {
            pt.map_pages_unchecked(G1, ph(0x4000_0000, K4, 512), K4, RW, Gfp::KERNEL)
        });
        let mut b = pt.shared_batch();
        // SAFETY: as above; the range holds only the leaves just mapped.
        ensure_eq!(unsafe { b.unmap(G1, M2) }, Ok(M2));
        b.sync();
        d.table.store(std::ptr::null_mut(), Ordering::SeqCst);
        let seen = d.seen.lock().unwrap().clone();
        for from in ["alloc", "flush", "free"] {
            ensure!(
                seen.iter().any(|&(f, _)| f == from),
                "a lookup from {from}: {seen:?}"
            );
        }
        ensure!(
            seen.iter().all(|&(_, pa)| pa == Some(0x3000_0010)),
            "{seen:?}"
        );
        Ok(())
    }

    /// Hands out blocks twice the size asked for, and takes them back.
    struct WrongSizePool {
        handed: AtomicU64,
        given_back: AtomicU64,
    }

    impl IommuOps for WrongSizePool {
        type Domain = ();
        const TABLE_MEMORY_HOOKS: bool = true;
        fn iotlb_flush(&self, _: &Flush) {}
        fn alloc_table(&self, _: &(), size: usize, gfp: Gfp) -> Option<TableBlock> {
            self.handed.fetch_add(1, Ordering::SeqCst);
            TableBlock::alloc(size * 2, gfp)
        }
        fn free_table(&self, _: &(), block: TableBlock) {
            self.given_back.fetch_add(1, Ordering::SeqCst);
            drop(block);
        }
    }

    pub fn pool_wrong_size_gets_fresh_block() -> TestResult {
        let d = WrongSizePool {
            handed: AtomicU64::new(0),
            given_back: AtomicU64::new(0),
        };
        {
            let mut pt = check!(PageTable::new(&s1_4k(), &d));
            check!(pt.map_pages(M2, ph(0x4000_0000, K4, 1), K4, RW));
            ensure_eq!(pt.iova_to_phys(M2), Some(0x4000_0000));
            // Root + 3 levels below it: every block was the wrong size.
            ensure_eq!(d.handed.load(Ordering::SeqCst), 4);
            ensure_eq!(d.given_back.load(Ordering::SeqCst), 4);
        }
        // ...and the fresh blocks came back at destruction.
        ensure_eq!(d.given_back.load(Ordering::SeqCst), 8);
        Ok(())
    }

    /// One ops object for many domains.
    struct Shared {
        log: Mutex<Vec<(u32, u64, u64)>>,
    }

    impl IommuOps for Shared {
        type Domain = u32;
        fn iotlb_flush(&self, f: &Flush<'_, u32>) {
            self.log
                .lock()
                .unwrap()
                .push((*f.domain(), f.start(), f.last()));
        }
    }

    pub fn flush_names_its_domain() -> TestResult {
        let ops = Shared {
            log: Mutex::new(Vec::new()),
        };
        let c1 = std::pin::pin!(ptcore::Context::new(&ops, 1u32));
        let c2 = std::pin::pin!(ptcore::Context::new(&ops, 2u32));
        {
            let mut a = check!(PageTable::with_context(&s1_4k(), c1.into_ref()));
            let mut b = check!(PageTable::with_context(&s1_4k(), c2.into_ref()));
            check!(a.map_pages(0, ph(0x3000_0000, K4, 1), K4, RW));
            check!(b.map_pages(M2, ph(0x4000_0000, K4, 1), K4, RW));
            ensure_eq!(*a.domain(), 1);
            let mut batch = b.unmap_batch();
            ensure_eq!(batch.unmap(M2, K4), Ok(K4));
            ensure_eq!(batch.pending().map(|p| *p.domain()), Some(2));
            batch.sync();
            ensure_eq!(a.unmap(0, K4), Ok(K4));
        }
        let log = ops.log.lock().unwrap().clone();
        let top = (1u64 << 48) - 1;
        ensure_eq!(
            log,
            vec![
                (2, M2, M2 + K4 - 1),
                (1, 0, K4 - 1),
                (2, 0, top), // b is dropped first
                (1, 0, top),
            ]
        );
        Ok(())
    }

    /// Records the gfp of every allocation.
    struct GfpLog {
        seen: Mutex<Vec<Gfp>>,
    }

    impl IommuOps for GfpLog {
        type Domain = ();
        const TABLE_MEMORY_HOOKS: bool = true;
        fn iotlb_flush(&self, _: &Flush) {}
        fn alloc_table(&self, _: &(), size: usize, gfp: Gfp) -> Option<TableBlock> {
            self.seen.lock().unwrap().push(gfp);
            TableBlock::alloc(size, gfp)
        }
    }

    pub fn gfp_reaches_alloc() -> TestResult {
        ensure!(
            Gfp::KERNEL.may_sleep() && !Gfp::ATOMIC.may_sleep(),
            "sleepable vs atomic"
        );
        ensure_eq!(Gfp::default(), Gfp::KERNEL);
        ensure_eq!(Gfp::KERNEL.bits(), 0, "the C ABI's GFP_KERNEL");
        let d = GfpLog {
            seen: Mutex::new(Vec::new()),
        };
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.map_pages(0, ph(0x3000_0000, K4, 1), K4, RW));
        check!(pt.map_pages_gfp(G1, ph(0x4000_0000, K4, 1), K4, RW, Gfp::ATOMIC));
        let seen = d.seen.lock().unwrap().clone();
        ensure_eq!(
            seen,
            vec![
                Gfp::KERNEL, // the root, at creation
                Gfp::KERNEL,
                Gfp::KERNEL,
                Gfp::KERNEL,
                Gfp::ATOMIC, // levels 2 and 3 under 1G
                Gfp::ATOMIC,
            ]
        );
        Ok(())
    }

    pub fn gather_may_move() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.map_pages(0, ph(0x3000_0000, K4, 1), K4, RW));
        check!(pt.map_pages(M2, ph(0x4000_0000, K4, 512), K4, RW));
        ensure_eq!(check!(d.dma(&pt, M2, Access::Read)), 0x4000_0000);
        let mut b = pt.unmap_batch();
        ensure_eq!(b.unmap(M2, M2), Ok(M2));
        std::mem::forget(b);
        // The table, and the gather inside it that holds a removed table,
        // move to the heap and back: C copes.
        let boxed = Box::new(pt);
        let mut pt = *boxed;
        ensure_eq!(pt.unmap(0, K4), Ok(K4));
        drop(pt);
        ensure_eq!(d.stale_frees.load(Ordering::SeqCst), 0, "flushed first");
        ensure_eq!(
            d.allocs.load(Ordering::SeqCst),
            d.frees.load(Ordering::SeqCst)
        );
        Ok(())
    }

    pub fn dma_buffers_are_not_table_memory() -> TestResult {
        let dma = DmaAllocator::new();
        let free = dma.free_bytes();
        let blocks: Vec<TableBlock> = (0..8)
            .map(|_| TableBlock::alloc(0x1000, Gfp::KERNEL))
            .collect::<Option<_>>()
            .ok_or("table blocks")?;
        {
            let bufs: Vec<_> = [0x1000u64, 0x20_0000, 0x4000, 0x1000]
                .iter()
                .map(|&len| dma.alloc(len, len))
                .collect::<Option<_>>()
                .ok_or("DMA buffers")?;
            let mut ranges: Vec<(u64, u64)> = bufs
                .iter()
                .map(|b| (b.phys().start(), b.phys().start() + b.phys().len()))
                .collect();
            ranges.extend(
                blocks
                    .iter()
                    .map(|b| (b.phys(), b.phys() + b.size() as u64)),
            );
            ranges.sort_unstable();
            for w in ranges.windows(2) {
                ensure!(w[0].1 <= w[1].0, "overlap: {ranges:x?}");
            }
            for b in &bufs {
                ensure!(b.start() % b.len() == 0, "aligned");
                ensure!(b.start() >= 1 << 32, "above the table arena");
            }
            let r = bufs[1].phys();
            ensure_eq!(r.split_at(r.len() + 1), None);
            ensure_eq!(r.slice(0x1000, r.len()), None);
            let (x, y) = r.split_at(0x1000).ok_or("split")?;
            ensure_eq!(
                (x.start(), x.len(), y.start()),
                (r.start(), 0x1000, r.start() + 0x1000)
            );
        }
        ensure_eq!(dma.free_bytes(), free, "buffers go back");
        Ok(())
    }

    pub fn shared_batch_unmaps_concurrently() -> TestResult {
        let d = Recorder::new();
        let pt = check!(PageTable::new(&s1_4k(), &d));
        // A DMA-API driver: each thread owns the IOVAs its allocator gave it.
        let results: Vec<TestResult> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4u64)
                .map(|t| {
                    let pt = &pt;
                    s.spawn(move || -> TestResult {
                        let base = G1 + t * 4 * M2;
                        for _ in 0..8 {
                            // SAFETY: [base, base + 2M) belongs to this
                            // thread alone, and no lookup of it runs.
                            check!(unsafe {
                                pt.map_pages_unchecked(
                                    base,
                                    ph(0x4000_0000, K4, 512),
                                    K4,
                                    RW,
                                    Gfp::ATOMIC,
                                )
                            });
                            let mut b = pt.shared_batch();
                            // SAFETY: as above; the range holds only this
                            // thread's leaves.
                            ensure_eq!(unsafe { b.unmap(base, M2) }, Ok(M2));
                            b.sync();
                        }
                        Ok(())
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        for r in results {
            r?;
        }
        drop(pt);
        ensure_eq!(d.stale_frees.load(Ordering::SeqCst), 0);
        ensure_eq!(
            d.allocs.load(Ordering::SeqCst),
            d.frees.load(Ordering::SeqCst)
        );
        Ok(())
    }
}

/// map_range, unmap_collect and free-empty-tables.
mod ranges {
    use super::*;
    use ptcore::RemovedRun;

    const K64: u64 = 0x1_0000;

    /// Linux's iommu_pgsize(): the page size and count of the next
    /// map_pages call of `__iommu_map()` for `size` bytes at (iova, paddr).
    fn iommu_pgsize(bitmap: u64, iova: u64, paddr: u64, size: u64) -> (u64, u64) {
        let fls = |v: u64| 63 - v.leading_zeros();
        let upto = |bit: u32| {
            if bit >= 63 {
                u64::MAX
            } else {
                (1u64 << (bit + 1)) - 1
            }
        };
        let addr_merge = iova | paddr;
        let mut pgsizes = bitmap & upto(fls(size));
        if addr_merge != 0 {
            pgsizes &= upto(addr_merge.trailing_zeros());
        }
        let pgsize_idx = fls(pgsizes);
        let pgsize = 1u64 << pgsize_idx;
        let mut count = size >> pgsize_idx;
        let bigger = bitmap & !upto(pgsize_idx);
        if bigger != 0 {
            let next = bigger & bigger.wrapping_neg();
            let offset = next - (addr_merge & (next - 1));
            if offset + pgsize <= size {
                count = offset >> pgsize_idx;
            }
        }
        (pgsize, count)
    }

    /// `__iommu_map()`: the range as a sequence of map_pages calls.
    fn map_split<'d, F: Format, D: IommuOps>(
        pt: &mut PageTable<'d, F, D>,
        iova: u64,
        phys: PhysRange<'d>,
        prot: Prot,
    ) -> Result<(), MapError> {
        let bitmap = pt.hw_info().pgsize_bitmap();
        let mut done = 0u64;
        while done < phys.len() {
            let (pgsize, count) =
                iommu_pgsize(bitmap, iova + done, phys.start() + done, phys.len() - done);
            let chunk = ph(phys.start() + done, pgsize, count);
            pt.map_pages(iova + done, chunk, pgsize, prot)
                .map_err(|e| MapError {
                    mapped: done + e.mapped,
                    error: e.error,
                })?;
            done += pgsize * count;
        }
        Ok(())
    }

    /// Every leaf of [iova, iova + len) the hardware model walks to, in
    /// order: (iova, pa, leaf size, level, readable, writable).
    fn leaves<F: Format, D: IommuOps>(
        pt: &PageTable<'_, F, D>,
        iova: u64,
        len: u64,
    ) -> Vec<(u64, u64, u64, u8, bool, bool)> {
        let roots = pt.hw_info().roots().to_vec();
        let (mut at, end) = (iova, iova + len);
        let min = pt.hw_info().pgsize_bitmap() & pt.hw_info().pgsize_bitmap().wrapping_neg();
        let mut out = Vec::new();
        while at < end {
            match hw::walk(pt, &roots, at) {
                Ok(w) => {
                    let base = at & !(w.leaf_size - 1);
                    out.push((at, w.pa, w.leaf_size, w.level, w.readable, w.writable));
                    at = base + w.leaf_size;
                }
                Err(_) => at += min,
            }
        }
        out
    }

    /// One configuration: map_range on one table, the map_pages split on a
    /// twin, and the two must agree leaf for leaf (the model's walks), in
    /// lookups and in the tables they allocated.
    fn twin<F: Format>(cfg: Config<F>, cases: &[(u64, u64, u64)]) -> TestResult {
        let (da, db) = (Recorder::new(), Recorder::new());
        let mut a = check!(PageTable::new(&cfg, &da));
        let mut b = check!(PageTable::new(&cfg, &db));
        let (ha, hb) = (a.hw_info(), b.hw_info());
        ensure_eq!(ha.pgsize_bitmap(), hb.pgsize_bitmap());
        ensure_eq!(ha.levels(), hb.levels());
        for &(iova, pa, len) in cases {
            let ra = a.map_range(iova, ph(pa, len, 1), RW);
            let rb = map_split(&mut b, iova, ph(pa, len, 1), RW);
            ensure_eq!(ra, rb, "map_range vs the map_pages split");
            ensure_eq!(
                da.allocs.load(Ordering::SeqCst),
                db.allocs.load(Ordering::SeqCst),
                "tables allocated"
            );
            ensure_eq!(leaves(&a, iova, len), leaves(&b, iova, len));
            for off in [0, len / 2, len - 1] {
                ensure_eq!(a.iova_to_phys(iova + off), b.iova_to_phys(iova + off));
                ensure_eq!(a.iova_to_phys(iova + off), Some(pa + off));
            }
        }
        for &(iova, _, len) in cases {
            ensure_eq!(a.unmap(iova, len), b.unmap(iova, len));
        }
        Ok(())
    }

    fn random_cases(hw_bitmap: u64, span_lg2: u32, pa_lg2: u32, seed: u64) -> Vec<(u64, u64, u64)> {
        let min = hw_bitmap & hw_bitmap.wrapping_neg();
        let mut rng = Rng::new(seed);
        let mut out = Vec::new();
        let slot = 1u64 << (span_lg2 - 3);
        for i in 0..8u64 {
            // Each case in its own slot, so they never overlap.
            // At most 4096 pages (the walks compare leaf by leaf).
            let len = (1 + rng.below((slot / min / 2).min(4096))) * min;
            let iova = i * slot + rng.below((slot - len) / min) * min;
            // The physical address shares a random part of the IOVA's
            // alignment, so that every size gets its turn.
            let pa = (rng.below((1u64 << pa_lg2) / slot) * slot)
                | (iova & (slot - 1) & !(rng.below(4) * min));
            out.push((iova, pa & !(min - 1), len));
        }
        out
    }

    pub fn map_range_equals_split() -> TestResult {
        let fixed = [
            (0, 0x8000_0000, M2 + 3 * K4),
            (G1 - K4, 0x1_0000_0000 - K4, 2 * K4 + 2 * M2 + G1),
            (4 * G1 + K4, 0x2_0000_1000, M2),
            (8 * G1, 0x3_0000_0000, G1 + M2 + K4),
        ];
        twin(s1_4k(), &fixed)?;
        for seed in 1..=4 {
            twin(s1_4k(), &random_cases(K4 | M2 | G1, 33, 40, seed))?;
            twin(
                Config::<ArmLpaeS2>::new(40, 40),
                &random_cases(K4 | M2 | G1, 33, 40, seed + 10),
            )?;
            twin(
                Config::<ArmLpaeS1>::new(47, 48).granule_lg2(14),
                &random_cases(K16 | (32 << 20), 36, 40, seed + 20),
            )?;
            twin(
                Config::<AppleDart>::new(32, 36),
                &random_cases(K16, 28, 36, seed + 30),
            )?;
            twin(
                Config::<AppleDart2>::new(32, 42),
                &random_cases(K16, 28, 40, seed + 40),
            )?;
        }
        Ok(())
    }

    pub fn map_range_contiguous_hint_sizes() -> TestResult {
        let cfg = s1_4k().pgsize_bitmap(K4 | K64 | M2 | (32 << 20) | G1);
        let d = Recorder::new();
        {
            let pt = check!(PageTable::new(&cfg, &d));
            ensure_eq!(pt.hw_info().pgsize_bitmap() & K64, K64, "64K offered");
        }
        twin(
            cfg,
            &[
                (K4 * 3, 0x8000_3000, K64 * 3 + K4 * 5),
                (G1, 0x1_0000_0000, (32 << 20) + M2 * 3 + K64 + K4),
            ],
        )?;
        for seed in 1..=3 {
            twin(cfg, &random_cases(K4 | K64 | M2 | (32 << 20), 30, 40, seed))?;
        }
        Ok(())
    }

    pub fn map_range_errors() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        let e = |mapped, error| Err(MapError { mapped, error });
        ensure_eq!(pt.map_range(0, ph(0, K4, 0), RW), e(0, Error::EINVAL));
        ensure_eq!(pt.map_range(0x800, ph(0, K4, 1), RW), e(0, Error::EINVAL));
        ensure_eq!(pt.map_range(0, ph(0x800, K4, 1), RW), e(0, Error::EINVAL));
        ensure_eq!(pt.map_range(0, ph(0, 0x1800, 1), RW), e(0, Error::EINVAL));
        ensure_eq!(
            pt.map_range(0, ph(0, K4, 1), Prot::CACHE | Prot::NOEXEC),
            e(0, Error::EINVAL)
        );
        ensure_eq!(pt.map_range(1 << 48, ph(0, K4, 1), RW), e(0, Error::ERANGE));
        ensure_eq!(
            pt.map_range((1 << 48) - K4, ph(0, K4, 2), RW),
            e(0, Error::ERANGE)
        );
        ensure_eq!(pt.map_range(0, ph(1 << 48, K4, 1), RW), e(0, Error::ERANGE));
        ensure_eq!(
            pt.map_range(u64::MAX - K4 + 1, ph(0, K4, 2), RW),
            e(0, Error::EOVERFLOW)
        );
        ensure_eq!(
            pt.map_range(0, ph(u64::MAX - K4 + 1, K4, 2), RW),
            e(0, Error::EOVERFLOW)
        );
        ensure_eq!(d.allocs.load(Ordering::SeqCst), 1, "nothing written");
        ensure_eq!(pt.iova_to_phys(0), None);
        // Overlap: what comes before the mapped page is mapped, with the
        // largest sizes.
        check!(pt.map_pages(M2 + 5 * K4, ph(0x9000_0000, K4, 1), K4, RW));
        ensure_eq!(
            pt.map_range(0, ph(0x8000_0000, M2 + 8 * K4, 1), RW),
            e(M2 + 5 * K4, Error::EADDRINUSE)
        );
        ensure_eq!(leaves(&pt, 0, K4)[0].2, M2, "a 2M block first");
        ensure_eq!(pt.iova_to_phys(M2 + 4 * K4), Some(0x8020_4000));
        ensure_eq!(pt.iova_to_phys(M2 + 5 * K4), Some(0x9000_0000));
        ensure_eq!(pt.unmap(0, M2 + 6 * K4), Ok(M2 + 6 * K4));
        // Out of memory part-way, as the split would be: a page below 1G
        // (level 1, 2 and 3 tables), a 2M block at 1G (a level-2 table),
        // then a page that needs a fifth table.
        let (d1, d2) = (Recorder::new(), Recorder::new());
        let mut one = check!(PageTable::new(&s1_4k(), &d1));
        let mut twin = check!(PageTable::new(&s1_4k(), &d2));
        d1.budget.store(4, Ordering::SeqCst);
        d2.budget.store(4, Ordering::SeqCst);
        let phys = ph(0x8000_0000 - K4, K4 * 2 + M2, 1);
        let r = one.map_range(G1 - K4, phys, RW);
        ensure_eq!(r, map_split(&mut twin, G1 - K4, phys, RW));
        ensure_eq!(r, e(K4 + M2, Error::ENOMEM));
        ensure_eq!(
            leaves(&one, G1 - K4, K4 + M2),
            leaves(&twin, G1 - K4, K4 + M2)
        );
        ensure_eq!(one.unmap(G1 - K4, K4 + M2), Ok(K4 + M2));
        ensure_eq!(twin.unmap(G1 - K4, K4 + M2), Ok(K4 + M2));
        Ok(())
    }

    pub fn map_range_in_regions() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.regions(|whole| -> TestResult {
            let mut whole = whole;
            let (mut lo, mut hi) = check!(whole.split_at_mut(G1));
            ensure_eq!(
                lo.map_range(G1 - K4, ph(0x8000_0000, K4, 2), RW),
                Err(MapError {
                    mapped: 0,
                    error: Error::ERANGE
                })
            );
            check!(lo.map_range(0, ph(0x8000_0000, M2 + K4, 1), RW));
            check!(hi.map_range(G1 + K4, ph(0x9000_1000, 2 * M2, 1), RW));
            ensure_eq!(lo.iova_to_phys(M2), Ok(0x8020_0000));
            ensure_eq!(hi.iova_to_phys(G1 + M2), Ok(0x9020_0000));
            let mut runs = Vec::new();
            let n = check!(hi
                .unmap_batch()
                .unmap_collect(G1 + K4, 2 * M2, |r| runs.push(r)));
            ensure_eq!(n, 2 * M2);
            ensure_eq!(
                runs,
                vec![RemovedRun {
                    iova: G1 + K4,
                    paddr: 0x9000_1000,
                    size: 2 * M2
                }]
            );
            ensure_eq!(lo.unmap_collect(0, M2 + K4, |_| ()), Ok(M2 + K4));
            Ok(())
        }))?;
        // map_range may have used 2M blocks: splits must respect them.
        check!(pt.map_range(0, ph(0x8000_0000, M2, 1), RW));
        check!(pt.regions(|whole| -> TestResult {
            let mut whole = whole;
            ensure_eq!(whole.split_at_mut(K4).err(), Some(Error::EINVAL));
            Ok(())
        }))?;
        ensure_eq!(pt.unmap(0, M2), Ok(M2));
        Ok(())
    }

    fn coalesce(leaves: &[(u64, u64, u64, u8, bool, bool)]) -> Vec<RemovedRun> {
        let mut out: Vec<RemovedRun> = Vec::new();
        for &(iova, pa, size, ..) in leaves {
            let base = iova & !(size - 1);
            let pa = pa - (iova - base);
            match out.last_mut() {
                Some(r) if r.iova + r.size == base && r.paddr + r.size == pa => r.size += size,
                _ => out.push(RemovedRun {
                    iova: base,
                    paddr: pa,
                    size,
                }),
            }
        }
        out
    }

    pub fn unmap_collect_runs() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        // One run from map_range's mix of sizes, a physical jump, a full
        // leaf table of pages, then a hole.
        check!(pt.map_range(M2 - K4, ph(0x8020_0000 - K4, K4 + 2 * M2 + K4, 1), RW));
        check!(pt.map_range(3 * M2 + K4, ph(0x5000_0000, M2 - K4, 1), RW));
        check!(pt.map_pages(4 * M2, ph(0x6000_0000, K4, 512), K4, RW));
        let want = vec![
            RemovedRun {
                iova: M2 - K4,
                paddr: 0x8020_0000 - K4,
                size: 2 * M2 + 2 * K4,
            },
            RemovedRun {
                iova: 3 * M2 + K4,
                paddr: 0x5000_0000,
                size: M2 - K4,
            },
            RemovedRun {
                iova: 4 * M2,
                paddr: 0x6000_0000,
                size: M2,
            },
        ];
        ensure_eq!(coalesce(&leaves(&pt, 0, 6 * M2)), want, "the model agrees");
        let mut runs = Vec::new();
        let mut batch = pt.unmap_batch();
        let r = batch.unmap_collect(M2 - K4, 6 * M2, |r| runs.push(r));
        // The hole at 5M: everything before it went.
        ensure_eq!(
            r,
            Err(UnmapError {
                unmapped: want.iter().map(|r| r.size).sum(),
                error: Error::EINVAL
            })
        );
        let unmapped = r.err().map_or(0, |e| e.unmapped);
        ensure_eq!(runs, want);
        ensure_eq!(runs.iter().map(|r| r.size).sum::<u64>(), unmapped);
        let p = batch.pending();
        ensure!(p.is_some_and(|f| f.tables_removed()), "a leaf table went");
        batch.sync();
        ensure_eq!(pt.iova_to_phys(4 * M2), None);
        Ok(())
    }

    pub fn unmap_collect_many_runs() -> TestResult {
        // More runs than one batch of ptcore's buffer: every other page.
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        for i in 0..100u64 {
            check!(pt.map_pages(i * K4, ph(0x8000_0000 + i * 2 * K4, K4, 1), K4, RW));
        }
        let mut runs = Vec::new();
        ensure_eq!(
            pt.unmap_collect(0, 100 * K4, |r| runs.push(r)),
            Ok(100 * K4)
        );
        ensure_eq!(runs.len(), 100);
        for (i, r) in runs.iter().enumerate() {
            let i = i as u64;
            ensure_eq!(
                *r,
                RemovedRun {
                    iova: i * K4,
                    paddr: 0x8000_0000 + i * 2 * K4,
                    size: K4
                }
            );
        }
        // An unmap that ends inside a large leaf reports the leaf whole.
        check!(pt.map_range(0, ph(0x4000_0000, M2, 1), RW));
        runs.clear();
        ensure_eq!(pt.unmap_collect(0, K4, |r| runs.push(r)), Ok(M2));
        ensure_eq!(
            runs,
            vec![RemovedRun {
                iova: 0,
                paddr: 0x4000_0000,
                size: M2
            }]
        );
        // Argument errors: nothing removed, the closure never runs.
        let mut called = false;
        ensure_eq!(
            pt.unmap_collect(0, 0, |_| called = true),
            Err(UnmapError {
                unmapped: 0,
                error: Error::EINVAL
            })
        );
        ensure_eq!(
            pt.unmap_collect(1 << 48, K4, |_| called = true)
                .map_err(|e| e.error),
            Err(Error::ERANGE)
        );
        ensure_eq!(
            pt.unmap_collect(u64::MAX - K4 + 1, 2 * K4, |_| called = true)
                .map_err(|e| e.error),
            Err(Error::EOVERFLOW)
        );
        ensure!(!called, "no run reported for an error");
        Ok(())
    }

    pub fn unmap_collect_random() -> TestResult {
        for seed in 1..=6u64 {
            let d = Recorder::new();
            let mut pt = check!(PageTable::new(&s1_4k(), &d));
            let mut rng = Rng::new(seed);
            let span = 64 * M2;
            for _ in 0..40 {
                let len = (1 + rng.below(600)) * K4;
                let iova = rng.below((span - len) / K4) * K4;
                let pa =
                    0x40_0000_0000 + rng.below(1 << 16) * M2 + (iova & (M2 - 1)) * rng.below(2);
                let _ = pt.map_range(iova, ph(pa, len, 1), RW);
            }
            for _ in 0..20 {
                let len = (1 + rng.below(2000)) * K4;
                let iova = rng.below((span - len) / K4) * K4;
                // What the model says will go: from iova to the first hole.
                let all = leaves(&pt, iova, len);
                let mut expect = Vec::new();
                let mut at = iova;
                for l in &all {
                    let base = l.0 & !(l.2 - 1);
                    if base != at {
                        break;
                    }
                    expect.push(*l);
                    at = base + l.2;
                }
                let inside = leaves(&pt, iova, K4)
                    .first()
                    .is_some_and(|l| l.0 & !(l.2 - 1) != iova);
                let mut runs = Vec::new();
                let r = pt.unmap_collect(iova, len, |r| runs.push(r));
                let unmapped = match r {
                    Ok(n) => n,
                    Err(e) => e.unmapped,
                };
                ensure_eq!(runs.iter().map(|r| r.size).sum::<u64>(), unmapped);
                if inside {
                    ensure_eq!(runs, vec![], "iova inside a leaf: nothing removed");
                    continue;
                }
                let want = coalesce(&expect);
                ensure!(
                    runs == want,
                    "seed {seed} unmap {iova:#x}+{len:#x}: {runs:x?} != {want:x?}"
                );
                ensure_eq!(r.is_ok(), at >= iova + len);
                for w in runs.windows(2) {
                    ensure!(
                        w[0].iova + w[0].size < w[1].iova || w[0].paddr + w[0].size != w[1].paddr,
                        "runs are maximal: {w:?}"
                    );
                }
            }
            ensure_eq!(d.stale_frees.load(Ordering::SeqCst), 0);
        }
        Ok(())
    }

    fn free_empty() -> Config<ArmLpaeS1> {
        s1_4k().features(Features::FREE_EMPTY_TABLES)
    }

    fn frees(ev: &[Event]) -> usize {
        ev.iter().filter(|e| matches!(e, Event::Free(_))).count()
    }

    pub fn free_empty_after_flush() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&free_empty(), &d));
        // Level-1, -2 and -3 tables below the root for one page each.
        check!(pt.map_pages(0, ph(0x8000_0000, K4, 2), K4, RW));
        check!(pt.map_pages(1 << 40, ph(0x9000_0000, K4, 1), K4, RW));
        ensure_eq!(d.allocs.load(Ordering::SeqCst), 7);
        ensure_eq!(check!(d.dma(&pt, K4, Access::Read)), 0x8000_1000);
        d.take_events();
        // The first page: its table keeps the second, nothing goes.
        ensure_eq!(pt.unmap(0, K4), Ok(K4));
        let ev = d.take_events();
        ensure_eq!(frees(&ev), 0, "{ev:?}");
        {
            let mut batch = pt.unmap_batch();
            ensure_eq!(batch.unmap(K4, K4), Ok(K4));
            let p = batch.pending();
            ensure!(p.is_some(), "gathered");
            let p = p.map(|f| (f.tables_removed(), f.tables_to_free(), f.start(), f.last()));
            // Three empty tables went: their spans are flushed.
            ensure_eq!(p, Some((true, 3, 0, (1 << 39) - 1)));
            ensure_eq!(
                d.frees.load(Ordering::SeqCst),
                0,
                "nothing freed before the flush"
            );
            batch.sync();
        }
        let ev = d.take_events();
        ensure_eq!(frees(&ev), 3, "{ev:?}");
        ensure!(
            matches!(
                ev.first(),
                Some(Event::Flush {
                    tables: true,
                    nr_tables: 3,
                    ..
                })
            ),
            "the flush first: {ev:?}"
        );
        ensure_eq!(d.stale_frees.load(Ordering::SeqCst), 0);
        ensure_eq!(pt.iova_to_phys(1 << 40), Some(0x9000_0000));
        ensure_eq!(check!(d.dma(&pt, 1 << 40, Access::Read)), 0x9000_0000);
        // Maps again from scratch; the last page takes its tables with it.
        check!(pt.map_range(0, ph(0x8000_0000, M2 + K4, 1), RW));
        ensure_eq!(pt.iova_to_phys(M2), Some(0x8020_0000));
        let mut runs = Vec::new();
        ensure_eq!(pt.unmap_collect(1 << 40, K4, |r| runs.push(r)), Ok(K4));
        ensure_eq!(frees(&d.take_events()), 3);
        ensure_eq!(runs.len(), 1);
        ensure_eq!(pt.unmap(0, M2 + K4), Ok(M2 + K4));
        Ok(())
    }

    pub fn free_empty_allocator_counters() -> TestResult {
        let d = Plain {
            flushes: AtomicU64::new(0),
        };
        for feature in [false, true] {
            let cfg = if feature { free_empty() } else { s1_4k() };
            let mut pt = check!(PageTable::new(&cfg, &d));
            let before = ptcore::mem_stats();
            for i in 0..8u64 {
                check!(pt.map_pages(i * G1 + K4, ph(0x8000_0000, K4, 1), K4, RW));
            }
            let mapped = ptcore::mem_stats();
            // One level-1 table, then a level-2 and a level-3 per GiB.
            ensure_eq!(mapped.tables_live - before.tables_live, 1 + 8 * 2);
            let mut batch = pt.unmap_batch();
            for i in 0..8u64 {
                ensure_eq!(batch.unmap(i * G1 + K4, K4), Ok(K4));
            }
            ensure_eq!(
                ptcore::mem_stats().tables_live,
                mapped.tables_live,
                "not before the sync"
            );
            batch.sync();
            let after = ptcore::mem_stats();
            let freed = mapped.tables_live - after.tables_live;
            let want = if feature { 1 + 8 * 2 } else { 0 };
            ensure!(
                freed == want,
                "feature {feature}: {freed} tables freed, not {want}"
            );
            ensure_eq!(after.frees - mapped.frees, freed);
        }
        Ok(())
    }

    pub fn free_empty_random_no_stale() -> TestResult {
        for seed in 1..=4u64 {
            let d = Recorder::new();
            let mut pt = check!(PageTable::new(&free_empty(), &d));
            let root = 1u64;
            let mut rng = Rng::new(seed);
            let mut live: Vec<(u64, u64)> = Vec::new();
            for step in 0..200 {
                if live.is_empty() || rng.below(3) != 0 {
                    let len = (1 + rng.below(600)) * K4;
                    let iova = rng.below((1 << 33) / K4 - 600) * K4;
                    match pt.map_range(iova, ph(0x8000_0000, len, 1), RW) {
                        Ok(()) => live.push((iova, len)),
                        Err(MapError { mapped, error }) => {
                            ensure_eq!(error, Error::EADDRINUSE);
                            if mapped > 0 {
                                live.push((iova, mapped));
                            }
                        }
                    }
                    let _ = d.dma(&pt, iova, Access::Read);
                } else {
                    let (iova, len) = live.swap_remove(rng.below(live.len() as u64) as usize);
                    let r = pt.unmap(iova, len);
                    ensure!(r == Ok(len), "step {step}: unmap {iova:#x}+{len:#x}: {r:?}");
                    ensure!(d.dma(&pt, iova, Access::Read).is_err(), "gone at {iova:#x}");
                }
                ensure_eq!(d.stale_frees.load(Ordering::SeqCst), 0);
            }
            for (iova, len) in live.drain(..) {
                ensure_eq!(pt.unmap(iova, len), Ok(len));
            }
            // Only the root is left.
            let allocs = d.allocs.load(Ordering::SeqCst);
            ensure_eq!(allocs - d.frees.load(Ordering::SeqCst), root);
        }
        Ok(())
    }

    /// A 2M block cut at 4K and 8K, then the 4K page between unmapped: every
    /// other translation stays, the device sees the hole; without ARM_BBML2
    /// each cut flushes the old block itself (break-before-make), with it
    /// only the batch's sync flushes.
    pub fn cut_block_then_unmap_page() -> TestResult {
        for bbml2 in [false, true] {
            let cfg = if bbml2 {
                s1_4k().features(Features::ARM_BBML2)
            } else {
                s1_4k()
            };
            let d = Recorder::new();
            let mut pt = check!(PageTable::new(&cfg, &d));
            let base = 0x4000_0000u64;
            let pa = 0x8_0000_0000u64;
            check!(pt.map_range(base, ph(pa, M2, 1), RW));
            ensure_eq!(leaves(&pt, base, M2).len(), 1, "one block");
            // The device caches the block.
            ensure_eq!(check!(d.dma(&pt, base + K4, Access::Read)), pa + K4);
            d.take_events();
            {
                let mut batch = pt.unmap_batch();
                check!(batch.cut(base + K4, Gfp::KERNEL));
                let during = d.flushes();
                ensure_eq!(
                    during,
                    if bbml2 { 0 } else { 1 },
                    "bbml2 {bbml2}: flushes in the cut"
                );
                let p = batch
                    .pending()
                    .map(|f| (f.start(), f.last(), f.leaf_sizes()));
                ensure_eq!(
                    p,
                    Some((base, base + M2 - 1, M2)),
                    "the old block is gathered"
                );
                check!(batch.cut(base + 2 * K4, Gfp::KERNEL));
                ensure_eq!(
                    d.flushes(),
                    during,
                    "8K is a boundary already: nothing to do"
                );
                ensure_eq!(batch.unmap(base + K4, K4), Ok(K4));
                batch.sync();
            }
            ensure_eq!(
                d.flushes(),
                if bbml2 { 1 } else { 2 },
                "bbml2 {bbml2}: flushes in all"
            );
            for off in (0..M2).step_by(K4 as usize) {
                let want = (off != K4).then_some(pa + off);
                ensure_eq!(pt.iova_to_phys(base + off), want, "at {off:#x}");
            }
            ensure!(
                d.dma(&pt, base + K4, Access::Read).is_err(),
                "the stale block is gone"
            );
            ensure_eq!(check!(d.dma(&pt, base, Access::Read)), pa);
            ensure_eq!(
                check!(d.dma(&pt, base + M2 - K4, Access::Read)),
                pa + M2 - K4
            );
            ensure_eq!(d.stale_frees.load(Ordering::SeqCst), 0);
            // The rest unmaps in two pieces around the hole.
            ensure_eq!(pt.unmap(base, K4), Ok(K4));
            ensure_eq!(pt.unmap(base + 2 * K4, M2 - 2 * K4), Ok(M2 - 2 * K4));
        }
        Ok(())
    }

    /// cut's refusals change nothing and gather nothing.
    pub fn cut_errors() -> TestResult {
        let d = Recorder::new();
        let mut pt = check!(PageTable::new(&s1_4k(), &d));
        check!(pt.map_range(0, ph(0x8000_0000, M2, 1), RW));
        d.take_events();
        {
            let mut batch = pt.unmap_batch();
            ensure_eq!(batch.cut(0x800, Gfp::KERNEL), Err(Error::EINVAL));
            ensure_eq!(batch.cut(1 << 48, Gfp::KERNEL), Err(Error::ERANGE));
            ensure!(batch.pending().is_none(), "nothing gathered");
            // A boundary already: nothing to do.
            check!(batch.cut(0, Gfp::KERNEL));
            check!(batch.cut(M2, Gfp::KERNEL));
            ensure!(batch.pending().is_none(), "nothing gathered");
        }
        ensure_eq!(leaves(&pt, 0, M2).len(), 1, "still one block");
        // Regions: the cut point and the old block's span must lie inside.
        let r = pt.regions(|whole| -> TestResult {
            let (mut lo, mut hi) = match whole.split_at(M2) {
                Ok(halves) => halves,
                Err((_, e)) => return Err(format!("split: {e:?}")),
            };
            ensure_eq!(hi.unmap_batch().cut(K4, Gfp::KERNEL), Err(Error::ERANGE));
            check!(lo.unmap_batch().cut(K4, Gfp::KERNEL));
            ensure_eq!(lo.iova_to_phys(0), Ok(0x8000_0000));
            ensure_eq!(lo.iova_to_phys(K4), Ok(0x8000_1000));
            Ok(())
        });
        check!(r)?;
        let l = leaves(&pt, 0, M2);
        ensure!(l.len() > 2 && l[0].2 == K4, "a 4K page and the rest: {l:?}");
        ensure_eq!(pt.unmap(0, K4), Ok(K4));
        Ok(())
    }

    pub fn dirty_fresh_then_clean() -> TestResult {
        let d = Recorder::new();
        let cfg = s1_4k().features(Features::DIRTY_TRACKING);
        let mut pt = check!(PageTable::new(&cfg, &d));
        check!(pt.map_range(M2 - K4, ph(0x8020_0000 - K4, K4 + M2, 1), RW));
        check!(pt.map_pages(4 * M2, ph(0x6000_0000, K4, 2), K4, Prot::READ));
        // A new writable mapping is dirty; the read-only pages have no dirty state.
        let want = vec![DirtyRun {
            iova: M2 - K4,
            paddr: 0x8020_0000 - K4,
            size: M2 + K4,
        }];
        let mut runs = Vec::new();
        let mut batch = pt.unmap_batch();
        check!(batch.read_dirty(0, 6 * M2, |r| runs.push(r)));
        ensure_eq!(runs, want, "report only");
        ensure!(batch.pending().is_none(), "report only gathers nothing");
        runs.clear();
        // From inside the block: the block whole, and the page before it not.
        check!(batch.read_and_clear_dirty(M2 + K4, K4, |r| runs.push(r)));
        ensure_eq!(
            runs,
            vec![DirtyRun {
                iova: M2,
                paddr: 0x8020_0000,
                size: M2
            }]
        );
        let p = batch.pending();
        ensure!(
            p.as_ref().map(|f| (f.start(), f.last())) == Some((M2, 2 * M2 - 1)),
            "the cleaned block is gathered: {:?}",
            p.as_ref().map(|f| (f.start(), f.last()))
        );
        batch.sync();
        ensure_eq!(d.flushes(), 1, "one flush for the batch");
        runs.clear();
        check!(pt.read_and_clear_dirty(0, 6 * M2, |r| runs.push(r)));
        ensure_eq!(
            runs,
            vec![DirtyRun {
                iova: M2 - K4,
                paddr: 0x8020_0000 - K4,
                size: K4
            }]
        );
        runs.clear();
        check!(pt.read_and_clear_dirty(0, 6 * M2, |r| runs.push(r)));
        ensure!(runs.is_empty(), "all clean now: {runs:?}");
        // Translations did not change.
        ensure_eq!(pt.iova_to_phys(M2 + K4), Some(0x8020_1000));
        ensure_eq!(pt.unmap(M2 - K4, M2 + K4), Ok(M2 + K4));
        ensure_eq!(pt.unmap(4 * M2, 2 * K4), Ok(2 * K4));
        Ok(())
    }

    pub fn dirty_stage2_and_regions() -> TestResult {
        let d = Recorder::new();
        let cfg = Config::<ArmLpaeS2>::new(40, 40).features(Features::DIRTY_TRACKING);
        let mut pt = check!(PageTable::new(&cfg, &d));
        check!(pt.map_range(0, ph(0x4000_0000, 2 * M2, 1), RW));
        check!(pt.regions(|whole| -> TestResult {
            let (mut lo, mut hi) = whole.split_at(M2).map_err(|(_, e)| format!("{e:?}"))?;
            let mut runs = Vec::new();
            let mut batch = hi.unmap_batch();
            ensure_eq!(
                batch.read_and_clear_dirty(0, K4, |r| runs.push(r)),
                Err(Error::ERANGE),
                "outside the region"
            );
            check!(batch.read_and_clear_dirty(M2, M2, |r| runs.push(r)));
            drop(batch);
            ensure_eq!(
                runs,
                vec![DirtyRun {
                    iova: M2,
                    paddr: 0x4020_0000,
                    size: M2
                }]
            );
            runs.clear();
            let mut batch = lo.unmap_batch();
            check!(batch.read_dirty(0, M2, |r| runs.push(r)));
            ensure_eq!(runs.len(), 1, "the low block is still dirty");
            Ok(())
        }))?;
        Ok(())
    }

    pub fn dirty_errors() -> TestResult {
        let d = Recorder::new();
        let mut plain = check!(PageTable::new(&s1_4k(), &d));
        check!(plain.map_range(0, ph(0x4000_0000, M2, 1), RW));
        let mut called = false;
        ensure_eq!(
            plain.read_and_clear_dirty(0, M2, |_| called = true),
            Err(Error::EOPNOTSUPP)
        );
        ensure_eq!(plain.unmap(0, M2), Ok(M2));
        let cfg = s1_4k().features(Features::DIRTY_TRACKING);
        let mut pt = check!(PageTable::new(&cfg, &d));
        check!(pt.map_range(0, ph(0x4000_0000, M2, 1), RW));
        ensure_eq!(
            pt.read_and_clear_dirty(0, 0, |_| called = true),
            Err(Error::EINVAL)
        );
        ensure_eq!(
            pt.read_and_clear_dirty(u64::MAX - K4 + 1, 2 * K4, |_| called = true),
            Err(Error::EOVERFLOW)
        );
        ensure_eq!(
            pt.read_and_clear_dirty(1 << 48, K4, |_| called = true),
            Err(Error::ERANGE)
        );
        ensure!(!called, "the closure never ran");
        let dart = Config::<AppleDart>::new(32, 36).features(Features::DIRTY_TRACKING);
        ensure_eq!(PageTable::new(&dart, &d).err(), Some(Error::EOPNOTSUPP));
        ensure_eq!(pt.unmap(0, M2), Ok(M2));
        Ok(())
    }
}
