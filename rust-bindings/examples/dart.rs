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
//! Run: `make demo-rust`, or `cargo run --features model --example dart`.

#![forbid(unsafe_code)]

use ptcore::model::{Access, Fault, Iotlb};
use ptcore::{AppleDart, AppleDart2, Config, Driver, Flush, Format, PageTable, Prot, TableBlock};
use std::sync::Mutex;

const SID: u32 = 3;

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
    ttbr: Mutex<[u32; 4]>,
    iotlb: Mutex<Iotlb>,
    invalidations: Mutex<u32>,
    tables_live: Mutex<Vec<u64>>,
    frees: Mutex<u32>,
    frees_while_cached: Mutex<u32>,
}

impl Dart {
    fn new(kind: Kind) -> Self {
        Dart {
            kind,
            ttbr: Mutex::new([0; 4]),
            iotlb: Mutex::new(Iotlb::new()),
            invalidations: Mutex::new(0),
            tables_live: Mutex::new(Vec::new()),
            frees: Mutex::new(0),
            frees_while_cached: Mutex::new(0),
        }
    }

    fn write_reg(&self, name: &str, off: Option<u32>, val: u32) {
        let at = off.map_or(String::from("      "), |o| format!("@{o:#05x}"));
        println!("    reg   {name:<16} {at} <- {val:#010x}");
    }

    /// Programs the stream's TTBRs from hw_info.
    fn attach<F: Format>(&self, pt: &PageTable<'_, F, Dart>) {
        let hw = pt.hw_info();
        let mut ttbr = self.ttbr.lock().unwrap();
        for (i, &root) in hw.roots().iter().enumerate() {
            let v = self.kind.ttbr(root);
            ttbr[i] = v;
            // T8020/T6000: TTBR(sid, idx) at 0x200 + 16 * sid + 4 * idx.
            let off = (self.kind != Kind::T8110).then(|| 0x200 + 16 * SID + 4 * i as u32);
            self.write_reg(&format!("TTBR[{SID}][{i}]"), off, v);
            println!("          table at {root:#x}");
        }
    }

    /// A device access: the TLB, else a walk from the TTBRs the DART holds.
    fn dma<F: Format>(
        &self,
        pt: &PageTable<'_, F, Dart>,
        iova: u64,
        access: Access,
    ) -> Result<u64, Fault> {
        let roots: Vec<u64> = self
            .ttbr
            .lock()
            .unwrap()
            .iter()
            .map_while(|&v| self.kind.ttbr_to_pa(v))
            .collect();
        let r = self
            .iotlb
            .lock()
            .unwrap()
            .translate(pt, &roots, iova, access);
        match r {
            Ok(pa) => println!("  DMA {access:?} iova {iova:#x} -> pa {pa:#x}"),
            Err(f) => println!("  DMA {access:?} iova {iova:#x} -> FAULT: {f}"),
        }
        r
    }
}

impl Driver for Dart {
    const TABLE_MEMORY_HOOKS: bool = true;

    fn iotlb_flush(&self, flush: &Flush) {
        println!(
            "  flush [{:#x}, {:#x}] tables removed: {} ({} to free after this): whole-stream invalidation",
            flush.start(),
            flush.last(),
            flush.tables_removed(),
            flush.tables_to_free()
        );
        // The DART can only forget a whole stream.
        match self.kind {
            Kind::T8020 | Kind::T6000 => {
                self.write_reg("STREAM_SELECT", Some(0x34), 1 << SID);
                self.write_reg("STREAM_COMMAND", Some(0x20), 1 << 20); // INVALIDATE
                println!("    poll  STREAM_COMMAND bit 2 (busy) until clear");
            }
            Kind::T8110 => {
                println!("    reg   TLB_CMD          @0x080 <- FLUSH_SID, stream {SID}");
                println!("    poll  TLB_CMD busy until clear");
            }
        }
        self.iotlb.lock().unwrap().invalidate_all();
        *self.invalidations.lock().unwrap() += 1;
    }

    fn alloc_table(&self, size: usize, gfp: u32) -> Option<TableBlock> {
        let block = TableBlock::alloc(size, gfp)?;
        self.tables_live.lock().unwrap().push(block.phys());
        Some(block)
    }

    fn free_table(&self, block: TableBlock) {
        let cached = self.iotlb.lock().unwrap().caches_table(block.phys());
        if cached {
            *self.frees_while_cached.lock().unwrap() += 1;
        }
        *self.frees.lock().unwrap() += 1;
        self.tables_live
            .lock()
            .unwrap()
            .retain(|&p| p != block.phys());
        println!(
            "  free table {:#x} after invalidation #{}: TLB {}",
            block.phys(),
            *self.invalidations.lock().unwrap(),
            if cached {
                "STILL POINTS INTO IT"
            } else {
                "no longer references it"
            }
        );
    }
}

/// The same story on one DART generation and table format.
fn story<F: Format>(title: &str, kind: Kind, cfg: Config<F>) {
    println!("\n== {title}: {} ==", F::NAME);
    let dart = Dart::new(kind);
    let mut pt = PageTable::new(&cfg, &dart).expect("create the page table");
    let hw = pt.hw_info();
    let page = 1u64 << hw.granule_lg2();
    println!(
        "ias {} oas {}, {}K pages, {} levels below {} TTBR(s)",
        hw.ias(),
        hw.oas(),
        page >> 10,
        hw.levels(),
        hw.roots().len()
    );
    dart.attach(&pt);

    // One leaf table maps `span` bytes; map a full one plus scattered pages,
    // and a page under the last TTBR.
    let span = page << (hw.granule_lg2() - 3);
    let base = span; // the second leaf table
    let sg: [(u64, u64); 3] = [
        (0x8_0000_0000 % (1u64 << hw.oas()), span),
        (0x1234 * page, 2 * page),
        (0x4321 * page, page),
    ];
    println!("-- map a scatter list at iova {base:#x} --");
    let mut iova = base;
    for (pa, len) in sg {
        pt.map_pages(iova, pa, page, len / page, Prot::READ | Prot::WRITE)
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
    pt.map_pages(last, 0x4000_0000, page, 1, Prot::READ)
        .expect("map the last page");
    println!(
        "  map   iova {last:#x} -> pa 0x40000000  (TTBR {})",
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
    let before = dart.tables_live.lock().unwrap().len();
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
        dart.dma(batch.table(), base + 8, Access::Write)
            .expect("stale TLB entry");
        batch.sync();
    }
    let after = dart.tables_live.lock().unwrap().len();
    println!("  tables live: {before} -> {after}");
    dart.dma(&pt, base + 8, Access::Write)
        .expect_err("unmapped and flushed");
    dart.dma(&pt, end - 4, Access::Read)
        .expect_err("unmapped and flushed");
    dart.dma(&pt, last + 4, Access::Read).expect("still mapped");
    assert!(after < before, "the full leaf table was freed");

    drop(pt);
    let stale = *dart.frees_while_cached.lock().unwrap();
    let frees = *dart.frees.lock().unwrap();
    let live = dart.tables_live.lock().unwrap().len();
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
    );
    story(
        "T8110 DART2, 16K pages, 42-bit IOVA",
        Kind::T8110,
        Config::<AppleDart2>::new(42, 42),
    );
    story(
        "T8020 DART1, 16K pages",
        Kind::T8020,
        Config::<AppleDart>::new(32, 36),
    );
    story(
        "T8020 DART1, 4K pages",
        Kind::T8020,
        Config::<AppleDart>::new(32, 36).granule_lg2(12),
    );
}
