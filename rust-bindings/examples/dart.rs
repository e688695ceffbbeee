// SPDX-License-Identifier: GPL-2.0 OR MIT
//! A sample Apple DART driver on ptcore, against a device model.
//!
//! For each DART generation the driver programs the TTBR registers from
//! `hw_info` (T8020/T6000: VALID bit 31 | PA >> 12; T8110: VALID bit 0 |
//! (PA >> 14) << 2), maps a scatter list of pages, lets a device DMA, and
//! unmaps with a batch whose flush is a whole-stream TLB invalidation
//! (T8020/T6000: STREAM_SELECT + STREAM_COMMAND INVALIDATE, polled; T8110:
//! TLB_CMD FLUSH_SID). The model shows the stale translation before the flush,
//! the fault after it, and that tables are freed only once the TLB forgot
//! them. The driver is written entirely in safe Rust.
//!
//! Callbacks may run in atomic context in the kernel: they take only
//! spinlocks and atomics and never print (`story` prints their log). Each
//! table's domain (the stream ID) reaches the callbacks through a pinned
//! `ptcore::Context`; the scatter list is DMA memory from a simulated
//! allocator, handed out as `PhysRange`s.
//!
//! Run: `make demo-rust`, or `cargo run --features model --example dart`.

#![forbid(unsafe_code)]

use ptcore::model::{Access, DmaAllocator, Fault, Iotlb, SpinLock};
use ptcore::{
    AppleDart, AppleDart2, Config, Context, Flush, Format, Gfp, IommuOps, PageTable, Prot,
    TableBlock, TableView,
};
use std::sync::atomic::{AtomicU32, Ordering};

const SID: u32 = 3;

/// One domain: the stream its flushes invalidate.
struct DartDomain {
    sid: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    T8020,
    T6000,
    T8110,
}

impl Kind {
    /// TTBR register value for a table at `pa`.
    fn ttbr(self, pa: u64) -> u32 {
        match self {
            Kind::T8020 | Kind::T6000 => (1 << 31) | (pa >> 12) as u32,
            Kind::T8110 => 1 | ((pa >> 14) << 2) as u32,
        }
    }

    /// The table address the hardware reads back from a TTBR value.
    fn ttbr_to_pa(self, v: u32) -> Option<u64> {
        match self {
            Kind::T8020 | Kind::T6000 => (v >> 31 == 1).then(|| u64::from(v & 0x7fff_ffff) << 12),
            Kind::T8110 => (v & 1 == 1).then(|| u64::from(v >> 2) << 14),
        }
    }
}

/// The DART: its registers (as a write log), its TLB, its table memory.
struct Dart {
    kind: Kind,
    ttbr: SpinLock<[u32; 4]>,
    iotlb: SpinLock<Iotlb>,
    invalidations: AtomicU32,
    tables_live: SpinLock<Vec<u64>>,
    frees: AtomicU32,
    frees_while_cached: AtomicU32,
    /// Lines the callbacks logged and `story` has not printed yet.
    pending_log: SpinLock<Vec<String>>,
}

impl Dart {
    fn new(kind: Kind) -> Self {
        Dart {
            kind,
            ttbr: SpinLock::new([0; 4]),
            iotlb: SpinLock::new(Iotlb::new()),
            invalidations: AtomicU32::new(0),
            tables_live: SpinLock::new(Vec::new()),
            frees: AtomicU32::new(0),
            frees_while_cached: AtomicU32::new(0),
            pending_log: SpinLock::new(Vec::new()),
        }
    }

    /// Logs from any context: no printing (stdout takes a sleeping lock).
    fn say(&self, line: String) {
        self.pending_log.lock().push(line);
    }

    /// Prints what was logged (never called from a callback).
    fn print_log(&self) {
        let lines = std::mem::take(&mut *self.pending_log.lock());
        for line in lines {
            println!("{line}");
        }
    }

    fn write_reg(&self, name: &str, off: Option<u32>, val: u32) {
        let at = off.map_or(String::from("      "), |o| format!("@{o:#05x}"));
        self.say(format!("    reg   {name:<16} {at} <- {val:#010x}"));
    }

    /// Programs the stream's TTBRs from hw_info.
    fn attach<F: Format>(&self, pt: &PageTable<'_, F, Dart>) {
        let hw = pt.hw_info();
        let mut ttbr = self.ttbr.lock();
        for (i, &root) in hw.roots().iter().enumerate() {
            let v = self.kind.ttbr(root);
            ttbr[i] = v;
            // T8020/T6000: TTBR(sid, idx) at 0x200 + 16 * sid + 4 * idx.
            let off = (self.kind != Kind::T8110).then(|| 0x200 + 16 * SID + 4 * i as u32);
            self.write_reg(&format!("TTBR[{SID}][{i}]"), off, v);
            self.say(format!("          table at {root:#x}"));
        }
        drop(ttbr);
        self.print_log();
    }

    /// A device access: the TLB, else a walk from the TTBRs the DART holds.
    fn dma<'a>(
        &self,
        table: impl Into<TableView<'a>>,
        iova: u64,
        access: Access,
    ) -> Result<u64, Fault> {
        self.print_log();
        let roots: Vec<u64> = self
            .ttbr
            .lock()
            .iter()
            .map_while(|&v| self.kind.ttbr_to_pa(v))
            .collect();
        let r = self.iotlb.lock().translate(table, &roots, iova, access);
        match r {
            Ok(pa) => println!("  DMA {access:?} iova {iova:#x} -> pa {pa:#x}"),
            Err(f) => println!("  DMA {access:?} iova {iova:#x} -> FAULT: {f}"),
        }
        r
    }
}

/// Callbacks: spinlocks and atomics only (they may run in atomic context).
impl IommuOps for Dart {
    type Domain = DartDomain;
    const TABLE_MEMORY_HOOKS: bool = true;

    fn iotlb_flush(&self, flush: &Flush<'_, DartDomain>) {
        let sid = flush.domain().sid;
        self.say(format!(
            "  flush stream {sid} [{:#x}, {:#x}] tables removed: {} ({} to free after this): whole-stream invalidation",
            flush.start(),
            flush.last(),
            flush.tables_removed(),
            flush.tables_to_free()
        ));
        // The DART can only forget a whole stream.
        match self.kind {
            Kind::T8020 | Kind::T6000 => {
                self.write_reg("STREAM_SELECT", Some(0x34), 1 << sid);
                self.write_reg("STREAM_COMMAND", Some(0x20), 1 << 20); // INVALIDATE
                self.say("    poll  STREAM_COMMAND bit 2 (busy) until clear".into());
            }
            Kind::T8110 => {
                self.say(format!(
                    "    reg   TLB_CMD          @0x080 <- FLUSH_SID, stream {sid}"
                ));
                self.say("    poll  TLB_CMD busy until clear".into());
            }
        }
        self.iotlb.lock().invalidate_all();
        self.invalidations.fetch_add(1, Ordering::SeqCst);
    }

    fn alloc_table(&self, _: &DartDomain, size: usize, gfp: Gfp) -> Option<TableBlock> {
        let block = TableBlock::alloc(size, gfp)?;
        self.tables_live.lock().push(block.phys());
        Some(block)
    }

    fn free_table(&self, _: &DartDomain, block: TableBlock) {
        let cached = self.iotlb.lock().caches_table(block.phys());
        if cached {
            self.frees_while_cached.fetch_add(1, Ordering::SeqCst);
        }
        self.frees.fetch_add(1, Ordering::SeqCst);
        self.tables_live.lock().retain(|&p| p != block.phys());
        self.say(format!(
            "  free table {:#x} after invalidation #{}: TLB {}",
            block.phys(),
            self.invalidations.load(Ordering::SeqCst),
            if cached {
                "STILL POINTS INTO IT"
            } else {
                "no longer references it"
            }
        ));
    }
}

/// The same story on one DART generation and table format.
fn story<F: Format>(title: &str, kind: Kind, cfg: Config<F>, page: u64) {
    println!("\n== {title}: {} ==", F::NAME);
    let dart = Dart::new(kind);
    let dma = DmaAllocator::new();
    // One leaf table maps `span` bytes; map a full one plus scattered pages,
    // and a page under the last TTBR. The buffers are allocated before the
    // table: it must not outlive what it maps (even when unwinding).
    let span = page << (page.trailing_zeros() - 3);
    let bufs = [
        dma.alloc(span, span).expect("DMA memory"),
        dma.alloc(2 * page, page).expect("DMA memory"),
        dma.alloc(page, page).expect("DMA memory"),
    ];
    let ro_buf = dma.alloc(page, page).expect("DMA memory");
    let ctx = std::pin::pin!(Context::new(&dart, DartDomain { sid: SID }));
    let mut pt = PageTable::with_context(&cfg, ctx.as_ref()).expect("create the page table");
    let hw = pt.hw_info();
    assert_eq!(page, 1u64 << hw.granule_lg2());
    println!(
        "ias {} oas {}, {}K pages, {} levels below {} TTBR(s)",
        hw.ias(),
        hw.oas(),
        page >> 10,
        hw.levels(),
        hw.roots().len()
    );
    dart.attach(&pt);

    let base = span; // the second leaf table
    println!("-- map a scatter list at iova {base:#x} --");
    let mut iova = base;
    for buf in &bufs {
        let (pa, len) = (buf.start(), buf.len());
        pt.map_pages(iova, buf.phys(), page, Prot::READ | Prot::WRITE)
            .expect("map a chunk");
        println!(
            "  map   iova {iova:#x} -> pa {pa:#x}  {} x {}K",
            len / page,
            page >> 10
        );
        iova += len;
    }
    let end = iova;
    let last = (1u64 << hw.ias()) - page;
    pt.map_pages(last, ro_buf.phys(), page, Prot::READ)
        .expect("map the last page");
    println!(
        "  map   iova {last:#x} -> pa {:#x}  (TTBR {})",
        ro_buf.start(),
        hw.roots().len() - 1
    );

    println!("-- the device DMAs --");
    for iova in [
        base + 8,
        base + span - 8,
        base + span + page + 0x10,
        end - 4,
    ] {
        dart.dma(&pt, iova, Access::Write).expect("mapped");
    }
    dart.dma(&pt, last + 4, Access::Read).expect("mapped");
    dart.dma(&pt, last + 4, Access::Write)
        .expect_err("read-only");

    println!("-- unmap everything but the last page in one batch --");
    let before = dart.tables_live.lock().len();
    {
        let mut batch = pt.unmap_batch();
        let n = batch
            .unmap(base, end - base)
            .expect("unmap the scatter list");
        println!(
            "  unmapped {n:#x} bytes; pending: {:?}",
            batch.pending().expect("gathered")
        );
        println!("  before the flush, the device still hits its TLB:");
        dart.dma(&batch, base + 8, Access::Write)
            .expect("stale TLB entry");
        batch.sync();
    }
    dart.print_log();
    let after = dart.tables_live.lock().len();
    println!("  tables live: {before} -> {after}");
    dart.dma(&pt, base + 8, Access::Write)
        .expect_err("unmapped and flushed");
    dart.dma(&pt, end - 4, Access::Read)
        .expect_err("unmapped and flushed");
    dart.dma(&pt, last + 4, Access::Read).expect("still mapped");
    assert!(after < before, "the full leaf table was freed");

    drop(pt);
    dart.print_log();
    let stale = dart.frees_while_cached.load(Ordering::SeqCst);
    let frees = dart.frees.load(Ordering::SeqCst);
    let live = dart.tables_live.lock().len();
    println!(
        "summary: {frees} tables freed ({live} left), {stale} while the TLB pointed into them"
    );
    assert!(
        stale == 0 && live == 0,
        "tables are freed only after the TLB forgot them"
    );
}

fn main() {
    println!("Apple DART drivers on ptcore");
    story(
        "T6000 DART2, 16K pages",
        Kind::T6000,
        Config::<AppleDart2>::new(32, 42),
        0x4000,
    );
    story(
        "T8110 DART2, 16K pages, 42-bit IOVA",
        Kind::T8110,
        Config::<AppleDart2>::new(42, 42),
        0x4000,
    );
    story(
        "T8020 DART1, 16K pages",
        Kind::T8020,
        Config::<AppleDart>::new(32, 36),
        0x4000,
    );
    story(
        "T8020 DART1, 4K pages",
        Kind::T8020,
        Config::<AppleDart>::new(32, 36).granule_lg2(12),
        0x1000,
    );
}
