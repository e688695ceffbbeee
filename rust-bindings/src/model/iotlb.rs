// SPDX-License-Identifier: GPL-2.0 OR MIT
//! An IOTLB with a walk cache, in front of the hardware walker.

use super::{walk, Access, Fault, Walk};
use crate::TableView;
use std::vec::Vec;

/// A cached translation: one leaf.
#[derive(Clone, Copy, Debug)]
struct TlbEntry {
    iova: u64,
    size: u64,
    pa: u64,
    readable: bool,
    writable: bool,
}

/// A cached walk step: the table translating `[base, base + 2^span_lg2)`.
#[derive(Clone, Copy, Debug)]
struct WalkEntry {
    base: u64,
    span_lg2: u8,
    table: u64,
}

fn overlaps(base: u64, size_lg2: u8, start: u64, last: u64) -> bool {
    let end = if size_lg2 >= 64 {
        u64::MAX
    } else {
        base | ((1u64 << size_lg2) - 1)
    };
    base <= last && start <= end
}

/// Counters of an [`Iotlb`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IotlbStats {
    /// Translations served from the cache.
    pub hits: u64,
    /// Translations that needed a walk.
    pub walks: u64,
    /// Faults reported to the device.
    pub faults: u64,
    /// Leaf entries dropped by invalidations.
    pub leaf_invalidated: u64,
    /// Walk-cache entries dropped by invalidations.
    pub walk_invalidated: u64,
}

/// A translation cache: leaf translations and walk-cache entries stay until
/// the driver invalidates them, as in hardware.
///
/// A range invalidation drops the leaf entries it overlaps; it drops walk
/// cache entries too unless it is leaf-only (as a `TLBI ... leaf` / SMMU
/// `CMD_TLBI_NH_VA` with `Leaf=1`). [`Iotlb::invalidate_all`] drops everything
/// (a DART stream flush).
#[derive(Debug, Default)]
pub struct Iotlb {
    leaves: Vec<TlbEntry>,
    walks: Vec<WalkEntry>,
    stats: IotlbStats,
}

impl Iotlb {
    /// An empty IOTLB.
    pub fn new() -> Self {
        Self::default()
    }

    /// Translates a device access: from the cache, or by a walk whose result
    /// is then cached. `roots` are the root addresses the device registers
    /// hold.
    pub fn translate<'a>(
        &mut self,
        table: impl Into<TableView<'a>>,
        roots: &[u64],
        iova: u64,
        access: Access,
    ) -> Result<u64, Fault> {
        let hit = self
            .leaves
            .iter()
            .find(|e| iova >= e.iova && iova - e.iova < e.size)
            .copied();
        let entry = match hit {
            Some(e) => {
                self.stats.hits += 1;
                e
            }
            None => {
                self.stats.walks += 1;
                let w = match walk(table, roots, iova) {
                    Ok(w) => w,
                    Err(f) => {
                        self.stats.faults += 1;
                        return Err(f);
                    }
                };
                self.fill(&w)
            }
        };
        let allowed = match access {
            Access::Read => entry.readable,
            Access::Write => entry.writable,
        };
        if !allowed {
            self.stats.faults += 1;
            return Err(Fault::Permission { iova, access });
        }
        Ok(entry.pa + (iova - entry.iova))
    }

    fn fill(&mut self, w: &Walk) -> TlbEntry {
        let base = w.iova & !(w.leaf_size - 1);
        let e = TlbEntry {
            iova: base,
            size: w.leaf_size,
            pa: w.pa - (w.iova - base),
            readable: w.readable,
            writable: w.writable,
        };
        self.leaves.push(e);
        for v in w.tables().iter().filter(|v| !v.root) {
            if !self
                .walks
                .iter()
                .any(|c| c.table == v.table && c.base == v.base)
            {
                self.walks.push(WalkEntry {
                    base: v.base,
                    span_lg2: v.span_lg2,
                    table: v.table,
                });
            }
        }
        e
    }

    /// Invalidates `[start, last]`; walk caches too unless `leaf_only`.
    pub fn invalidate_range(&mut self, start: u64, last: u64, leaf_only: bool) {
        let before = self.leaves.len();
        self.leaves.retain(|e| {
            let end = e.iova + (e.size - 1);
            !(e.iova <= last && start <= end)
        });
        self.stats.leaf_invalidated += (before - self.leaves.len()) as u64;
        if !leaf_only {
            let before = self.walks.len();
            self.walks
                .retain(|c| !overlaps(c.base, c.span_lg2, start, last));
            self.stats.walk_invalidated += (before - self.walks.len()) as u64;
        }
    }

    /// Invalidates everything.
    pub fn invalidate_all(&mut self) {
        self.stats.leaf_invalidated += self.leaves.len() as u64;
        self.stats.walk_invalidated += self.walks.len() as u64;
        self.leaves.clear();
        self.walks.clear();
    }

    /// Whether a cached walk still points into the table at `table`: freeing
    /// that table now would let the device walk freed memory.
    pub fn caches_table(&self, table: u64) -> bool {
        self.walks.iter().any(|c| c.table == table)
    }

    /// Whether a translation of `iova` is cached.
    pub fn caches_iova(&self, iova: u64) -> bool {
        self.leaves
            .iter()
            .any(|e| iova >= e.iova && iova - e.iova < e.size)
    }

    /// Cached leaf and walk entries.
    pub fn len(&self) -> (usize, usize) {
        (self.leaves.len(), self.walks.len())
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.leaves.is_empty() && self.walks.is_empty()
    }

    /// The counters.
    pub fn stats(&self) -> IotlbStats {
        self.stats
    }
}
