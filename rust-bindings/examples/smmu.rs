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
//! The SMMU object is shared by its domains: each table has a
//! `ptcore::Context` whose domain (the ASID) every callback receives. The
//! callbacks may run in atomic context in the kernel, so they take only
//! spinlocks and atomics, and never print (`main` prints their log). The
//! scatter list comes from a simulated DMA allocator that hands out
//! `PhysRange`s: no physical address here is a bare number.
//!
//! Run: `make demo-rust`, or `cargo run --features model --example smmu`.

#![forbid(unsafe_code)]

use ptcore::model::{Access, DmaAllocator, Fault, Iotlb, SpinLock};
use ptcore::{
    ArmLpaeS1, Config, Context, Flush, Gfp, HwInfo, IommuOps, PageTable, PhysRange, Prot, Region,
    TableBlock, TableView,
};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

const ASID: u16 = 1;

/// One domain of the SMMU: what its flushes must name.
struct SmmuDomain {
    asid: u16,
}

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
        asid: u16,
        addr: u64,
        num: u8,
        scale: u8,
        leaf: bool,
        tg_lg2: u8,
    },
    /// CMD_TLBI_NH_ASID: everything of one address space.
    TlbiNhAsid { asid: u16 },
    /// CMD_SYNC: completes every command before it.
    Sync,
}

/// The SMMU: its command queue, its IOTLB, and what happened to table memory.
struct Smmu {
    cd: OnceLock<ContextDescriptor>,
    granule_lg2: u8,
    cmdq: SpinLock<Vec<Command>>,
    syncs: AtomicU32,
    iotlb: SpinLock<Iotlb>,
    tables_live: SpinLock<Vec<u64>>,
    /// Lines the callbacks logged and `main` has not printed yet.
    pending_log: SpinLock<Vec<String>>,
    frees: AtomicU32,
    frees_while_cached: AtomicU32,
}

impl Smmu {
    fn new(granule_lg2: u8) -> Self {
        Smmu {
            cd: OnceLock::new(),
            granule_lg2,
            cmdq: SpinLock::new(Vec::new()),
            syncs: AtomicU32::new(0),
            iotlb: SpinLock::new(Iotlb::new()),
            tables_live: SpinLock::new(Vec::new()),
            pending_log: SpinLock::new(Vec::new()),
            frees: AtomicU32::new(0),
            frees_while_cached: AtomicU32::new(0),
        }
    }

    /// Logs from a callback: no printing (stdout takes a sleeping lock).
    fn say(&self, line: String) {
        self.pending_log.lock().push(line);
    }

    /// Prints what the callbacks logged (called by `main`, never by a callback).
    fn print_log(&self) {
        let lines = std::mem::take(&mut *self.pending_log.lock());
        for line in lines {
            println!("{line}");
        }
    }

    /// Executes the queued commands on the model, then reports them.
    fn issue(&self, cmds: Vec<Command>) {
        let mut iotlb = self.iotlb.lock();
        for cmd in &cmds {
            match *cmd {
                Command::TlbiNhVa {
                    asid,
                    addr,
                    num,
                    scale,
                    leaf,
                    tg_lg2,
                } => {
                    let len = (u64::from(num) + 1) << (u32::from(scale) + u32::from(tg_lg2));
                    iotlb.invalidate_range(addr, addr + len - 1, leaf);
                    self.say(format!(
                        "    CMDQ  TLBI_NH_VA asid={asid} addr={addr:#x} num={num} scale={scale} tg={}K leaf={}  ({len:#x} bytes)",
                        1u32 << (tg_lg2 - 10),
                        u8::from(leaf)
                    ));
                }
                Command::TlbiNhAsid { asid } => {
                    iotlb.invalidate_all();
                    self.say(format!("    CMDQ  TLBI_NH_ASID asid={asid}"));
                }
                Command::Sync => {
                    let n = self.syncs.fetch_add(1, Ordering::SeqCst) + 1;
                    self.say(format!("    CMDQ  CMD_SYNC #{n}"));
                }
            }
        }
        drop(iotlb);
        self.cmdq.lock().extend(cmds);
    }

    /// A device access through the SMMU: IOTLB, else a walk from CD.TTB0.
    fn dma<'a>(
        &self,
        table: impl Into<TableView<'a>>,
        iova: u64,
        access: Access,
    ) -> Result<u64, Fault> {
        let ttb0 = self.cd.get().map_or(0, |cd| cd.ttb0);
        self.iotlb.lock().translate(table, &[ttb0], iova, access)
    }
}

/// Callbacks: spinlocks and atomics only (they may run in atomic context).
impl IommuOps for Smmu {
    type Domain = SmmuDomain;
    const TABLE_MEMORY_HOOKS: bool = true;

    fn iotlb_flush(&self, flush: &Flush<'_, SmmuDomain>) {
        let asid = flush.domain().asid;
        let tg = u32::from(self.granule_lg2);
        let leaf = !flush.tables_removed();
        self.say(format!(
            "  flush asid {asid} [{:#x}, {:#x}] leaf sizes {:#x}, tables removed: {} ({} to free after this)",
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
            self.issue(vec![Command::TlbiNhAsid { asid }, Command::Sync]);
            return;
        }
        let mut addr = flush.start() & !((1u64 << tg) - 1);
        let mut pages = (flush.last() - addr + 1).div_ceil(1u64 << tg);
        while pages > 0 {
            let scale = pages.trailing_zeros().min(63);
            let num = (pages >> scale) & 31;
            cmds.push(Command::TlbiNhVa {
                asid,
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

    fn alloc_table(&self, _: &SmmuDomain, size: usize, gfp: Gfp) -> Option<TableBlock> {
        let block = TableBlock::alloc(size, gfp)?;
        self.tables_live.lock().push(block.phys());
        Some(block)
    }

    fn free_table(&self, _: &SmmuDomain, block: TableBlock) {
        let cached = self.iotlb.lock().caches_table(block.phys());
        if cached {
            self.frees_while_cached.fetch_add(1, Ordering::SeqCst);
        }
        self.frees.fetch_add(1, Ordering::SeqCst);
        self.tables_live.lock().retain(|&p| p != block.phys());
        let syncs = self.syncs.load(Ordering::SeqCst);
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

/// Maps a scatter list contiguously from `iova`, as iommu_map_sg does: each
/// chunk with one `map_range`, which picks the largest page size the
/// alignment allows at each position (the split iommu_pgsize() makes), in
/// one walk of the table.
fn map_sg<'d>(
    pt: &mut PageTable<'d, ArmLpaeS1, Smmu>,
    mut iova: u64,
    sg: &[PhysRange<'d>],
    prot: Prot,
) -> Result<u64, ptcore::MapError> {
    let start = iova;
    for &chunk in sg {
        pt.map_range(iova, chunk, prot)?;
        println!(
            "  map_range iova {iova:#012x} -> pa {:#012x}  {:>5}",
            chunk.start(),
            human(chunk.len())
        );
        iova += chunk.len();
    }
    Ok(iova - start)
}

/// One CPU's DMA-API work in its own region: map a buffer as 4K pages (one
/// whole leaf table), let the device use it, unmap it (flush, then free).
fn cpu_work<'d>(
    smmu: &Smmu,
    region: &mut Region<'_, 'd, ArmLpaeS1, Smmu>,
    buf: PhysRange<'d>,
    iova: u64,
) -> u64 {
    region
        .map_pages(iova, buf, 0x1000, Prot::READ | Prot::WRITE)
        .expect("map in the region");
    smmu.dma(&*region, iova + 0x10, Access::Write)
        .expect("mapped");
    region.unmap(iova, buf.len()).expect("unmap in the region")
}

fn human(size: u64) -> String {
    match size {
        s if s >= 1 << 30 => format!("{}G", s >> 30),
        s if s >= 1 << 20 => format!("{}M", s >> 20),
        s => format!("{}K", s >> 10),
    }
}

fn dma_show<'a>(
    smmu: &Smmu,
    table: impl Into<TableView<'a>>,
    iova: u64,
    access: Access,
) -> Result<u64, Fault> {
    smmu.print_log();
    let r = smmu.dma(table, iova, access);
    match r {
        Ok(pa) => println!("  DMA {access:?} iova {iova:#x} -> pa {pa:#x}"),
        Err(f) => println!("  DMA {access:?} iova {iova:#x} -> FAULT: {f}"),
    }
    r
}

fn main() {
    println!("== SMMUv3 stage 1 on ptcore: 4K granule, 48-bit IOVA, 48-bit PA ==");
    let smmu = Smmu::new(12);
    // Simulated DMA memory; declared before the table, which must not
    // outlive the buffers it maps.
    let dma = DmaAllocator::new();
    let buf_2m = dma.alloc(0x20_0000, 0x20_0000).expect("DMA memory");
    let buf_2m_4k = dma.alloc(0x20_2000, 0x20_0000).expect("DMA memory");
    let buf_16k = dma.alloc(0x4000, 0x4000).expect("DMA memory");
    let buf_64k = dma.alloc(0x1_0000, 0x1_0000).expect("DMA memory");
    let buf_4k = dma.alloc(0x1000, 0x1000).expect("DMA memory");
    let cpu_bufs = [
        dma.alloc(0x20_0000, 0x1000).expect("DMA memory"),
        dma.alloc(0x20_0000, 0x1000).expect("DMA memory"),
    ];
    // The domain's context: ptcore keeps its address, so it is pinned.
    let ctx = std::pin::pin!(Context::new(&smmu, SmmuDomain { asid: ASID }));
    let cfg = Config::<ArmLpaeS1>::new(48, 48);
    let mut pt = PageTable::with_context(&cfg, ctx.into_ref()).expect("create the page table");
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

    // A scatter list of DMA buffers.
    let sg = [
        buf_2m.phys(),                                              // 2M, 2M aligned: one block
        buf_2m_4k.phys().slice(0x1000, 0x20_0000).expect("inside"), // 2M at a 4K-aligned address: 512 pages, one full table
        buf_16k.phys(),                                             // 16K
        buf_64k.phys(),                                             // 64K
        buf_4k.phys(),                                              // 4K
    ];
    println!("\n-- map a scatter list at iova 0x40000000 --");
    let iova = 0x4000_0000;
    let len = map_sg(&mut pt, iova, &sg, Prot::READ | Prot::WRITE | Prot::CACHE)
        .expect("map the scatter list");
    println!("  mapped {len:#x} bytes");

    println!("\n-- the device DMAs through the tables --");
    for off in [0x10, 0x20_0010, 0x3f_fff8, 0x40_0010, 0x40_4abc, 0x41_4000] {
        dma_show(&smmu, &pt, iova + off, Access::Write).expect("mapped");
    }
    dma_show(&smmu, &pt, iova + 0x40_4abc, Access::Read).expect("cached now");
    let (leaves, walks) = smmu.iotlb.lock().len();
    println!("  IOTLB: {leaves} translations, {walks} walk-cache entries");

    println!("\n-- batch 1: unmap the three small chunks (leaves only) --");
    {
        let mut batch = pt.unmap_batch();
        // unmap_collect says which physical pages went (what a driver
        // unpins), coalesced into runs, without a lookup per page.
        let mut runs = Vec::new();
        let n = batch
            .unmap_collect(iova + 0x40_0000, 0x1_5000, |r| runs.push(r))
            .expect("unmap small chunks");
        for r in &runs {
            println!(
                "  removed iova {:#012x} -> pa {:#012x}  {:>5}",
                r.iova,
                r.paddr,
                human(r.size)
            );
        }
        println!(
            "  unmapped {n:#x} bytes; pending: {:?}",
            batch.pending().expect("gathered")
        );
        println!("  before sync, the device still hits its IOTLB:");
        dma_show(&smmu, &batch, iova + 0x40_4abc, Access::Write).expect("stale IOTLB entry");
        batch.sync();
    }
    dma_show(&smmu, &pt, iova + 0x40_4abc, Access::Write).expect_err("unmapped and flushed");

    println!("\n-- cut the 2M block at +4K and +8K, then unmap the 4K page between --");
    {
        let mut batch = pt.unmap_batch();
        // No ARM_BBML2 here: each cut clears the block, flushes it, then
        // writes a table of smaller leaves (break-before-make).
        batch.cut(iova + 0x1000, Gfp::KERNEL).expect("cut at +4K");
        batch.cut(iova + 0x2000, Gfp::KERNEL).expect("cut at +8K");
        let n = batch
            .unmap(iova + 0x1000, 0x1000)
            .expect("unmap inside the former block");
        println!(
            "  unmapped {n:#x} bytes; pending: {:?}",
            batch.pending().expect("gathered")
        );
    }
    smmu.print_log();
    dma_show(&smmu, &pt, iova + 0x10, Access::Read).expect("still mapped");
    dma_show(&smmu, &pt, iova + 0x1010, Access::Read).expect_err("cut out");
    dma_show(&smmu, &pt, iova + 0x2010, Access::Read).expect("still mapped");

    println!(
        "\n-- batch 2: unmap the rest of the former block and the 2M of 4K pages (a table goes) --"
    );
    let tables_before = smmu.tables_live.lock().len();
    {
        let mut batch = pt.unmap_batch();
        let a = batch.unmap(iova, 0x1000).expect("unmap the first page")
            + batch
                .unmap(iova + 0x2000, 0x1f_e000)
                .expect("unmap the rest of the former block");
        let b = batch
            .unmap(iova + 0x20_0000, 0x20_0000)
            .expect("unmap a full table");
        println!(
            "  unmapped {a:#x} + {b:#x} bytes; pending: {:?}",
            batch.pending().expect("gathered")
        );
        println!(
            "  nothing freed yet: {} tables live",
            smmu.tables_live.lock().len()
        );
        // Dropping the batch flushes, then frees.
    }
    smmu.print_log();
    let tables_after = smmu.tables_live.lock().len();
    println!("  tables live: {tables_before} -> {tables_after}");
    dma_show(&smmu, &pt, iova + 0x3f_fff8, Access::Read).expect_err("unmapped and flushed");
    dma_show(&smmu, &pt, iova + 0x10, Access::Read).expect_err("unmapped and flushed");

    assert!(tables_after < tables_before, "the full table was freed");

    println!("\n-- two CPUs map and unmap at once, each in its own region --");
    let cpu_iova = [0x1_0000_0000u64, 0x1_4000_0000];
    let frees_before = smmu.frees.load(Ordering::SeqCst);
    let unmapped = pt
        .regions(|whole| {
            let (mut cpu0, mut cpu1) = whole
                .split_at(cpu_iova[1])
                .map_err(|(_, e)| e)
                .expect("split at 5G");
            println!(
                "  region 0 [{:#x}, {:#x}], region 1 [{:#x}, {:#x}]",
                cpu0.start(),
                cpu0.last(),
                cpu1.start(),
                cpu1.last()
            );
            std::thread::scope(|s| {
                let a = s.spawn(|| cpu_work(&smmu, &mut cpu0, cpu_bufs[0].phys(), cpu_iova[0]));
                let b = s.spawn(|| cpu_work(&smmu, &mut cpu1, cpu_bufs[1].phys(), cpu_iova[1]));
                [a.join().expect("cpu 0"), b.join().expect("cpu 1")]
            })
        })
        .expect("regions");
    smmu.print_log();
    let freed = smmu.frees.load(Ordering::SeqCst) - frees_before;
    println!(
        "  unmapped {:#x} + {:#x} bytes concurrently, {freed} leaf tables freed",
        unmapped[0], unmapped[1]
    );
    assert_eq!(
        freed, 2,
        "each CPU freed its own leaf table, after its flush"
    );

    println!("\n-- detach and destroy the page table --");
    drop(pt);
    smmu.print_log();
    let live = smmu.tables_live.lock().len();
    let cmds = smmu.cmdq.lock().len();
    let stale = smmu.frees_while_cached.load(Ordering::SeqCst);
    let frees = smmu.frees.load(Ordering::SeqCst);
    println!(
        "\nsummary: {cmds} commands queued, {frees} tables freed ({live} left), \
         {stale} freed while a walk cache pointed into them"
    );
    assert!(
        frees >= 2 && stale == 0 && live == 0,
        "every table is freed only after its flush"
    );
}
