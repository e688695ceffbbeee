// SPDX-License-Identifier: GPL-2.0 OR MIT
//! Hardware page-table walkers, written from the architecture.
//!
//! # Conventions in this file
//!
//! `g` is log2 of the granule, `bpl` the index bits per level (`g - 3`: one
//! granule of 8-byte entries), `shift` the lowest IOVA bit a level indexes,
//! `pte` a raw 64-bit entry. ARM levels use ARM numbering (0..3); DART levels
//! count the tables below the TTBR from 0.

use super::Fault;
use crate::bindings as b;
use crate::{HwInfo, TableView};
use core::marker::PhantomData;
use core::sync::atomic::{AtomicU64, Ordering};

/// The geometry the architecture (and Linux) gives a configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Levels a walk reads, root included (DART: TTBR selection not counted).
    pub levels: u32,
    /// ARM level of the root (0 for DART).
    pub start_level: u8,
    /// log2 of the number of entries of a root table.
    pub root_entries_lg2: u8,
    /// Number of root tables (DART TTBRs; 1 for ARM).
    pub n_roots: u32,
}

/// The geometry of `format` for `ias` input bits and granule `2^g`, computed
/// from the architecture's rules; `None` when there is none.
pub fn geometry(format: u32, ias: u8, g: u8) -> Option<Geometry> {
    let (ias, g) = (i32::from(ias), i32::from(g));
    if !(12..=16).contains(&g) || ias <= g || ias > 64 {
        return None;
    }
    let bpl = g - 3;
    match format {
        b::ptcore_format_PTCORE_FMT_ARM64_LPAE_S1 | b::ptcore_format_PTCORE_FMT_ARM64_LPAE_S2 => {
            let va_bits = ias - g;
            let mut levels = (va_bits + bpl - 1) / bpl;
            if levels > 4 {
                return None;
            }
            let mut pgd_bits = va_bits - bpl * (levels - 1);
            // Linux 6.1: a stage-2 walk that would start at level 0 with at
            // most 16 root entries starts one level lower, on concatenated
            // tables.
            if format == b::ptcore_format_PTCORE_FMT_ARM64_LPAE_S2 && levels == 4 && pgd_bits <= 4 {
                levels -= 1;
                pgd_bits += bpl;
            }
            Some(Geometry {
                levels: levels as u32,
                start_level: (4 - levels) as u8,
                root_entries_lg2: pgd_bits as u8,
                n_roots: 1,
            })
        }
        b::ptcore_format_PTCORE_FMT_APPLE_DART | b::ptcore_format_PTCORE_FMT_APPLE_DART2 => {
            let mut levels = 2;
            let mut tbl_bits = (ias - g - 2 * bpl).max(0);
            if tbl_bits > 2 {
                levels = 3;
                tbl_bits = (ias - g - 3 * bpl).max(0);
                if tbl_bits > 2 {
                    return None;
                }
            }
            Some(Geometry {
                levels,
                start_level: 0,
                root_entries_lg2: bpl as u8,
                n_roots: 1 << tbl_bits,
            })
        }
        _ => None,
    }
}

/// One table a walk read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableVisit {
    /// Physical address of the table.
    pub table: u64,
    /// First IOVA the table translates.
    pub base: u64,
    /// log2 of the IOVA span the table translates.
    pub span_lg2: u8,
    /// Whether it is a root table (never freed before the table's destruction).
    pub root: bool,
}

/// A successful walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Walk {
    /// The IOVA translated.
    pub iova: u64,
    /// The physical address.
    pub pa: u64,
    /// Size of the leaf (first IOVA of it: `iova & !(leaf_size - 1)`).
    pub leaf_size: u64,
    /// Level of the leaf.
    pub level: u8,
    /// The device may read.
    pub readable: bool,
    /// The device may write.
    pub writable: bool,
    visits: [TableVisit; 5],
    n_visits: usize,
}

impl Walk {
    /// The tables the walk read, root first.
    pub fn tables(&self) -> &[TableVisit] {
        self.visits.get(..self.n_visits).unwrap_or(&[])
    }

    fn visit(&mut self, v: TableVisit) {
        if let Some(slot) = self.visits.get_mut(self.n_visits) {
            *slot = v;
            self.n_visits += 1;
        }
    }
}

/// Read access to the table memory of one page table.
///
/// # Invariants
///
/// `raw` is a live `ptcore_table`, and for `'a` no operation can run that
/// frees a table translating an IOVA the view covers (it was created from a
/// [`TableView<'a>`], whose invariant that is).
struct TableMem<'a> {
    raw: *const b::ptcore_table,
    _borrow: PhantomData<&'a ()>,
}

impl<'a> TableMem<'a> {
    fn new(view: &TableView<'a>) -> Self {
        // INVARIANT: the view's own invariant.
        TableMem {
            raw: view.raw(),
            _borrow: PhantomData,
        }
    }

    /// Reads entry `index` of the table at physical address `table`.
    ///
    /// # Safety
    ///
    /// `table` is the physical address of a table of this page table that is
    /// live (a root, or reached through table entries from a root during this
    /// borrow, walking an IOVA the view covers), and `index` is below its
    /// number of entries.
    unsafe fn load(&self, table: u64, index: u64) -> u64 {
        // SAFETY: `self.raw` is live (type invariant) and `table` is one of its
        // tables (caller), so ptcore_phys_to_virt gives its CPU address.
        let base = unsafe { b::ptcore_phys_to_virt(self.raw, table) } as *mut u64;
        // SAFETY: `index` is inside the table (caller), which is 8-byte
        // aligned table memory that stays allocated for `'a` (type invariant):
        // only unmaps free tables, and none can run on the IOVAs the view
        // covers, so none of the tables on their walks. ptcore writes
        // entries with atomic 64-bit stores, so an atomic load is race-free
        // even against concurrent maps.
        unsafe { AtomicU64::from_ptr(base.add(index as usize)).load(Ordering::Acquire) }
    }
}

const fn mask(bits: i32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else if bits <= 0 {
        0
    } else {
        (1u64 << bits) - 1
    }
}

/// Walks `iova` as the hardware would, from the root table(s) whose physical
/// addresses the device registers hold: one for ARM, one per TTBR for DART.
///
/// A root that is not one of the table's own roots faults with
/// [`Fault::BadRoot`], and an IOVA the view does not cover (another
/// region's) with [`Fault::NotHeld`]: the model never reads memory it cannot
/// vouch for. Access permissions are reported in the [`Walk`], not checked.
///
/// `table` is a [`TableView`] or anything that gives one: `&PageTable`,
/// `&Region`, `&UnmapBatch`.
pub fn walk<'a>(table: impl Into<TableView<'a>>, roots: &[u64], iova: u64) -> Result<Walk, Fault> {
    let view = table.into();
    let hw = view.hw_info();
    let format = hw.format();
    let g = hw.granule_lg2();
    let geo = geometry(format, hw.ias(), g).ok_or(Fault::Geometry)?;
    if geo.levels != hw.levels()
        || geo.start_level != hw.start_level()
        || geo.n_roots as usize != hw.roots().len()
    {
        return Err(Fault::Geometry);
    }
    if u32::from(hw.ias()) < 64 && iova >> hw.ias() != 0 {
        return Err(Fault::AddressSize { iova });
    }
    if !view.covers(iova) {
        return Err(Fault::NotHeld { iova });
    }
    let mem = TableMem::new(&view);
    let mut w = Walk {
        iova,
        pa: 0,
        leaf_size: 0,
        level: 0,
        readable: false,
        writable: false,
        visits: [TableVisit::default(); 5],
        n_visits: 0,
    };
    match format {
        b::ptcore_format_PTCORE_FMT_ARM64_LPAE_S1 | b::ptcore_format_PTCORE_FMT_ARM64_LPAE_S2 => {
            walk_arm(
                &mem,
                &hw,
                &geo,
                roots,
                &mut w,
                format == b::ptcore_format_PTCORE_FMT_ARM64_LPAE_S2,
            )?
        }
        _ => walk_dart(
            &mem,
            &hw,
            &geo,
            roots,
            &mut w,
            format == b::ptcore_format_PTCORE_FMT_APPLE_DART2,
        )?,
    }
    Ok(w)
}

/// Checks the root the device uses against the table's own roots.
fn check_root(hw: &HwInfo, roots: &[u64], index: usize) -> Result<u64, Fault> {
    let wanted = hw.roots().get(index).copied();
    match (roots.get(index).copied(), wanted) {
        (Some(r), Some(w)) if r == w => Ok(r),
        (Some(r), _) => Err(Fault::BadRoot { root: r }),
        (None, _) => Err(Fault::BadRoot { root: 0 }),
    }
}

/// VMSAv8-64 output address of a descriptor (64K granule: PA[51:48] in
/// bits 15:12).
fn arm_oa(pte: u64, g: i32) -> u64 {
    let mut oa = pte & mask(48) & !mask(g);
    if g == 16 {
        oa |= ((pte >> 12) & 0xf) << 48;
    }
    oa
}

fn walk_arm(
    mem: &TableMem<'_>,
    hw: &HwInfo,
    geo: &Geometry,
    roots: &[u64],
    w: &mut Walk,
    s2: bool,
) -> Result<(), Fault> {
    let iova = w.iova;
    let g = i32::from(hw.granule_lg2());
    let bpl = g - 3;
    let ias = i32::from(hw.ias());
    let mut table = check_root(hw, roots, 0)?;
    let mut level = i32::from(geo.start_level);
    while level <= 3 {
        let shift = (4 - level) * bpl + 3;
        let root = level == i32::from(geo.start_level);
        let bits = if root { ias - shift } else { bpl };
        let index = (iova >> shift) & mask(bits);
        w.visit(TableVisit {
            table,
            base: iova & !mask(shift + bits),
            span_lg2: (shift + bits) as u8,
            root,
        });
        // SAFETY: `table` is the root the hardware registers name, checked to
        // be one of this table's roots, or the address in a table descriptor
        // of the level above, which ptcore wrote and which stays live under
        // the borrow. `index < 2^bits`, the table's number of entries: the
        // root has 2^(ias - shift) entries by the geometry checked against
        // hw_info, every other table one granule.
        let pte = unsafe { mem.load(table, index) };
        let fault = Fault::Translation {
            iova,
            level: level as u8,
        };
        if pte & 1 == 0 {
            return Err(fault);
        }
        let is_table = pte & 2 != 0;
        if level < 3 && is_table {
            table = arm_oa(pte, g);
            level += 1;
            continue;
        }
        if level == 3 && !is_table {
            return Err(fault); // reserved encoding at level 3
        }
        let block_ok = match g {
            12 => level >= 1,
            14 => level >= 2,
            _ => level >= 2 || (level == 1 && hw.oas() == 52),
        };
        if !block_ok {
            return Err(fault);
        }
        if pte & (1 << 10) == 0 {
            return Err(Fault::AccessFlag { iova });
        }
        let size_mask = mask(shift);
        w.pa = (arm_oa(pte, g) & !size_mask) | (iova & size_mask);
        if u32::from(hw.oas()) < 64 && w.pa >> hw.oas() != 0 {
            return Err(Fault::AddressSize { iova });
        }
        w.leaf_size = 1u64 << shift;
        w.level = level as u8;
        if s2 {
            w.readable = pte & (1 << 6) != 0;
            w.writable = pte & (1 << 7) != 0;
        } else {
            w.readable = true;
            w.writable = pte & (1 << 7) == 0;
        }
        return Ok(());
    }
    Err(Fault::Geometry)
}

/// DART output address of an entry.
fn dart_oa(pte: u64, dart2: bool) -> u64 {
    if dart2 {
        ((pte >> 10) & mask(28)) << 14
    } else {
        pte & mask(36) & !mask(12)
    }
}

fn walk_dart(
    mem: &TableMem<'_>,
    hw: &HwInfo,
    geo: &Geometry,
    roots: &[u64],
    w: &mut Walk,
    dart2: bool,
) -> Result<(), Fault> {
    let iova = w.iova;
    let g = i32::from(hw.granule_lg2());
    let bpl = g - 3;
    let levels = geo.levels as i32;
    let top = g + levels * bpl;
    let ttbr = if top >= 64 { 0 } else { iova >> top };
    let ttbr = usize::try_from(ttbr).map_err(|_| Fault::BadRoot { root: 0 })?;
    let mut table = check_root(hw, roots, ttbr)?;
    for level in 0..levels {
        let shift = g + (levels - 1 - level) * bpl;
        let index = (iova >> shift) & mask(bpl);
        w.visit(TableVisit {
            table,
            base: iova & !mask(shift + bpl),
            span_lg2: (shift + bpl).min(64) as u8,
            root: level == 0,
        });
        // SAFETY: `table` is the TTBR's root, checked against the table's own
        // roots, or the address in a table entry of the level above, which
        // ptcore wrote and which stays live under the borrow. Every DART table
        // is one granule: 2^bpl entries, and `index < 2^bpl`.
        let pte = unsafe { mem.load(table, index) };
        if pte & 1 == 0 {
            return Err(Fault::Translation {
                iova,
                level: level as u8,
            });
        }
        if level < levels - 1 {
            table = dart_oa(pte, dart2);
            continue;
        }
        let size_mask = mask(g);
        w.pa = (dart_oa(pte, dart2) & !size_mask) | (iova & size_mask);
        w.leaf_size = 1u64 << g;
        w.level = level as u8;
        let (no_read, no_write) = if dart2 {
            (1 << 3, 1 << 2)
        } else {
            (1 << 8, 1 << 7)
        };
        w.readable = pte & no_read == 0;
        w.writable = pte & no_write == 0;
        return Ok(());
    }
    Err(Fault::Geometry)
}
