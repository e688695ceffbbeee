// SPDX-License-Identifier: GPL-2.0 OR MIT
//! A sample Arm SMMUv3 stage-1 driver on ptcore, against a device model.
//!
//! The driver builds the context descriptor (CD) from `hw_info`, maps a
//! scatter list, lets a device DMA through the tables, and unmaps with
//! batches whose flush becomes TLBI-by-VA range commands (leaf-only unless
//! the batch removed tables) followed by CMD_SYNC. The model shows that a
//! device keeps a stale translation until that flush, faults after it, and
//! that every table was freed only after the CMD_SYNC that made the walk
//! caches forget it. Not a line of this driver needs to opt out of Rust's
//! memory safety.
//!
//! Run: `make demo-rust`, or `cargo run --features model --example smmu`.

#![forbid(unsafe_code)]

use ptcore::model::{Access, Fault, Iotlb};
use ptcore::{ArmLpaeS1, Config, Driver, Flush, HwInfo, PageTable, Prot, TableBlock};
use std::sync::{Mutex, OnceLock};

const ASID: u16 = 1;

/// Stage-1 context descriptor fields (SMMUv3 CD words 0, 1 and 3).
#[derive(Clone, Copy, Debug)]
struct ContextDescriptor {
    t0sz: u8,
    tg0: u8,
    ir0: u8,
    or0: u8,
    sh0: u8,
    ips: u8,
    ttb0: u64,
    mair: u64,
}

impl ContextDescriptor {
    fn from_hw_info(hw: &HwInfo) -> Self {
        ContextDescriptor {
            t0sz: hw.arm_tsz(),
            tg0: hw.arm_tg(),
            ir0: hw.arm_irgn(),
            or0: hw.arm_orgn(),
            sh0: hw.arm_sh(),
            ips: hw.arm_ps(),
            ttb0: hw.roots()[0],
            mair: hw.arm_mair(),
        }
    }

    /// The CD as the SMMU reads it: word 0 (TCR, V, AA64, ASID), word 1
    /// (TTB0) and word 3 (MAIR).
    fn words(&self) -> [u64; 4] {
        let w0 = u64::from(self.t0sz & 0x3f)
            | u64::from(self.tg0 & 3) << 6
            | u64::from(self.ir0 & 3) << 8
            | u64::from(self.or0 & 3) << 10
            | u64::from(self.sh0 & 3) << 12
            | 1 << 30 // EPD1: no TTB1 walks
            | 1 << 31 // V
            | u64::from(self.ips & 7) << 32
            | 1 << 41 // AA64
            | 1 << 45 // R: record faults
            | 1 << 46 // A: abort faulting transactions
            | 1 << 47 // ASET
            | u64::from(ASID) << 48;
        let w1 = self.ttb0 & 0x000f_ffff_ffff_fff0;
        [w0, w1, 0, self.mair]
    }
}

/// One command queue entry.
#[derive(Clone, Copy, Debug)]
enum Command {
    /// CMD_TLBI_NH_VA with a range: (num + 1) << scale pages of the granule.
    TlbiNhVa {
        addr: u64,
        num: u8,
        scale: u8,
        leaf: bool,
        tg_lg2: u8,
    },
    /// CMD_TLBI_NH_ASID: everything of one address space.
    TlbiNhAsid,
    /// CMD_SYNC: completes every command before it.
    Sync,
}

/// The SMMU: its command queue, its IOTLB, and what happened to table memory.
struct Smmu {
    cd: OnceLock<ContextDescriptor>,
    granule_lg2: u8,
    cmdq: Mutex<Vec<Command>>,
    syncs: Mutex<u32>,
    iotlb: Mutex<Iotlb>,
    tables_live: Mutex<Vec<u64>>,
    log: Mutex<Vec<String>>,
    frees_while_cached: Mutex<u32>,
}

impl Smmu {
    fn new(granule_lg2: u8) -> Self {
        Smmu {
            cd: OnceLock::new(),
            granule_lg2,
            cmdq: Mutex::new(Vec::new()),
            syncs: Mutex::new(0),
            iotlb: Mutex::new(Iotlb::new()),
            tables_live: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            frees_while_cached: Mutex::new(0),
        }
    }

    fn say(&self, line: String) {
        println!("{line}");
        self.log.lock().unwrap().push(line);
    }

    /// Executes the queued commands on the model, then reports them.
    fn issue(&self, cmds: Vec<Command>) {
        let mut iotlb = self.iotlb.lock().unwrap();
        for cmd in &cmds {
            match *cmd {
                Command::TlbiNhVa {
                    addr,
                    num,
                    scale,
                    leaf,
                    tg_lg2,
                } => {
                    let len = (u64::from(num) + 1) << (u32::from(scale) + u32::from(tg_lg2));
                    iotlb.invalidate_range(addr, addr + len - 1, leaf);
                    self.say(format!(
                        "    CMDQ  TLBI_NH_VA asid={ASID} addr={addr:#x} num={num} scale={scale} tg={}K leaf={}  ({len:#x} bytes)",
                        1u32 << (tg_lg2 - 10),
                        u8::from(leaf)
                    ));
                }
                Command::TlbiNhAsid => {
                    iotlb.invalidate_all();
                    self.say(format!("    CMDQ  TLBI_NH_ASID asid={ASID}"));
                }
                Command::Sync => {
                    let mut n = self.syncs.lock().unwrap();
                    *n += 1;
                    self.say(format!("    CMDQ  CMD_SYNC #{n}"));
                }
            }
        }
        self.cmdq.lock().unwrap().extend(cmds);
    }

    /// A device access through the SMMU: IOTLB, else a walk from CD.TTB0.
    fn dma(
        &self,
        pt: &PageTable<'_, ArmLpaeS1, Smmu>,
        iova: u64,
        access: Access,
    ) -> Result<u64, Fault> {
        let ttb0 = self.cd.get().map_or(0, |cd| cd.ttb0);
        self.iotlb
            .lock()
            .unwrap()
            .translate(pt, &[ttb0], iova, access)
    }
}

impl Driver for Smmu {
    const TABLE_MEMORY_HOOKS: bool = true;

    fn iotlb_flush(&self, flush: &Flush) {
        let tg = u32::from(self.granule_lg2);
        let leaf = !flush.tables_removed();
        self.say(format!(
            "  flush [{:#x}, {:#x}] leaf sizes {:#x}, tables removed: {} ({} to free after this)",
            flush.start(),
            flush.last(),
            flush.leaf_sizes(),
            flush.tables_removed(),
            flush.tables_to_free()
        ));
        // Split the range into (num + 1) << scale page commands, num < 32.
        let mut cmds = Vec::new();
        let ias = self.cd.get().map_or(48, |cd| 64 - u32::from(cd.t0sz));
        if flush.size() >= 1u64 << ias {
            // The whole address space (the table is being destroyed).
            self.issue(vec![Command::TlbiNhAsid, Command::Sync]);
            return;
        }
        let mut addr = flush.start() & !((1u64 << tg) - 1);
        let mut pages = (flush.last() - addr + 1).div_ceil(1u64 << tg);
        while pages > 0 {
            let scale = pages.trailing_zeros().min(63);
            let num = (pages >> scale) & 31;
            cmds.push(Command::TlbiNhVa {
                addr,
                num: (num - 1) as u8,
                scale: scale as u8,
                leaf,
                tg_lg2: tg as u8,
            });
            addr += num << (scale + tg);
            pages -= num << scale;
        }
        cmds.push(Command::Sync);
        self.issue(cmds);
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
        self.tables_live
            .lock()
            .unwrap()
            .retain(|&p| p != block.phys());
        let syncs = *self.syncs.lock().unwrap();
        self.say(format!(
            "  free table {:#x} ({} bytes) after CMD_SYNC #{syncs}: walk caches {}",
            block.phys(),
            block.size(),
            if cached {
                "STILL POINT INTO IT"
            } else {
                "no longer reference it"
            }
        ));
    }
}

/// Maps a scatter list contiguously from `iova`, each chunk with the largest
/// page size its alignment allows, as iommu_map_sg does.
fn map_sg(
    pt: &PageTable<'_, ArmLpaeS1, Smmu>,
    mut iova: u64,
    sg: &[(u64, u64)],
    prot: Prot,
) -> Result<u64, ptcore::MapError> {
    let start = iova;
    let sizes = pt.hw_info().pgsize_bitmap();
    for &(mut pa, mut len) in sg {
        while len > 0 {
            let size = (0..64)
                .rev()
                .map(|b| 1u64 << b)
                .find(|s| sizes & s != 0 && iova % s == 0 && pa % s == 0 && len >= *s)
                .expect("chunks are granule aligned");
            let count = len / size;
            pt.map_pages(iova, pa, size, count, prot)?;
            println!(
                "  map   iova {iova:#012x} -> pa {pa:#012x}  {count} x {:>5}",
                human(size)
            );
            iova += size * count;
            pa += size * count;
            len -= size * count;
        }
    }
    Ok(iova - start)
}

fn human(size: u64) -> String {
    match size {
        s if s >= 1 << 30 => format!("{}G", s >> 30),
        s if s >= 1 << 20 => format!("{}M", s >> 20),
        s => format!("{}K", s >> 10),
    }
}

fn dma_show(
    smmu: &Smmu,
    pt: &PageTable<'_, ArmLpaeS1, Smmu>,
    iova: u64,
    access: Access,
) -> Result<u64, Fault> {
    let r = smmu.dma(pt, iova, access);
    match r {
        Ok(pa) => println!("  DMA {access:?} iova {iova:#x} -> pa {pa:#x}"),
        Err(f) => println!("  DMA {access:?} iova {iova:#x} -> FAULT: {f}"),
    }
    r
}

fn main() {
    println!("== SMMUv3 stage 1 on ptcore: 4K granule, 48-bit IOVA, 48-bit PA ==");
    let smmu = Smmu::new(12);
    let cfg = Config::<ArmLpaeS1>::new(48, 48);
    let mut pt = PageTable::new(&cfg, &smmu).expect("create the page table");
    let hw = pt.hw_info();
    let cd = ContextDescriptor::from_hw_info(&hw);
    smmu.cd.set(cd).expect("CD installed once");
    println!(
        "CD: T0SZ={} TG0={} IR0={} OR0={} SH0={} IPS={} TTB0={:#x} MAIR={:#x}",
        cd.t0sz, cd.tg0, cd.ir0, cd.or0, cd.sh0, cd.ips, cd.ttb0, cd.mair
    );
    let w = cd.words();
    println!(
        "CD words: [0]={:#018x} [1]={:#018x} [3]={:#018x}",
        w[0], w[1], w[3]
    );
    println!(
        "levels {} from level {}, page sizes {:#x}",
        hw.levels(),
        hw.start_level(),
        hw.pgsize_bitmap()
    );

    // A scatter list: (physical address, length).
    let sg = [
        (0x8000_0000, 0x20_0000), // 2M, 2M aligned: one block
        (0x8800_1000, 0x20_0000), // 2M at a 4K-aligned address: 512 pages, one full table
        (0x8123_4000, 0x4000),    // 16K
        (0x8300_0000, 0x1_0000),  // 64K
        (0x8400_0000, 0x1000),    // 4K
    ];
    println!("\n-- map a scatter list at iova 0x40000000 --");
    let iova = 0x4000_0000;
    let len = map_sg(&pt, iova, &sg, Prot::READ | Prot::WRITE | Prot::CACHE)
        .expect("map the scatter list");
    println!("  mapped {len:#x} bytes");

    println!("\n-- the device DMAs through the tables --");
    for off in [0x10, 0x20_0010, 0x3f_fff8, 0x40_0010, 0x40_4abc, 0x41_4000] {
        dma_show(&smmu, &pt, iova + off, Access::Write).expect("mapped");
    }
    dma_show(&smmu, &pt, iova + 0x40_4abc, Access::Read).expect("cached now");
    let (leaves, walks) = smmu.iotlb.lock().unwrap().len();
    println!("  IOTLB: {leaves} translations, {walks} walk-cache entries");

    println!("\n-- batch 1: unmap the three small chunks (leaves only) --");
    {
        let mut batch = pt.unmap_batch();
        let n = batch
            .unmap(iova + 0x40_0000, 0x1_5000)
            .expect("unmap small chunks");
        println!(
            "  unmapped {n:#x} bytes; pending: {:?}",
            batch.pending().expect("gathered")
        );
        println!("  before sync, the device still hits its IOTLB:");
        dma_show(&smmu, batch.table(), iova + 0x40_4abc, Access::Write).expect("stale IOTLB entry");
        batch.sync();
    }
    dma_show(&smmu, &pt, iova + 0x40_4abc, Access::Write).expect_err("unmapped and flushed");

    println!("\n-- batch 2: unmap the 2M block and the 2M of 4K pages (a table goes) --");
    let tables_before = smmu.tables_live.lock().unwrap().len();
    {
        let mut batch = pt.unmap_batch();
        let a = batch.unmap(iova, 0x20_0000).expect("unmap the block");
        let b = batch
            .unmap(iova + 0x20_0000, 0x20_0000)
            .expect("unmap a full table");
        println!(
            "  unmapped {a:#x} + {b:#x} bytes; pending: {:?}",
            batch.pending().expect("gathered")
        );
        println!(
            "  nothing freed yet: {} tables live",
            smmu.tables_live.lock().unwrap().len()
        );
        // Dropping the batch flushes, then frees.
    }
    let tables_after = smmu.tables_live.lock().unwrap().len();
    println!("  tables live: {tables_before} -> {tables_after}");
    dma_show(&smmu, &pt, iova + 0x3f_fff8, Access::Read).expect_err("unmapped and flushed");
    dma_show(&smmu, &pt, iova + 0x10, Access::Read).expect_err("unmapped and flushed");

    assert!(tables_after < tables_before, "the full table was freed");

    println!("\n-- detach and destroy the page table --");
    drop(pt);
    let live = smmu.tables_live.lock().unwrap().len();
    let cmds = smmu.cmdq.lock().unwrap().len();
    let stale = *smmu.frees_while_cached.lock().unwrap();
    let frees = smmu
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("free table"))
        .count();
    println!(
        "\nsummary: {cmds} commands queued, {frees} tables freed ({live} left), \
         {stale} freed while a walk cache pointed into them"
    );
    assert!(
        frees >= 2 && stale == 0 && live == 0,
        "every table is freed only after its flush"
    );
}
