// SPDX-License-Identifier: GPL-2.0 OR MIT
//! Simulated DMA memory: where the sample drivers' scatter lists come from.

use crate::PhysRange;
use std::sync::Mutex;
use std::vec::Vec;

/// First simulated physical address: above the built-in table allocator's
/// arena (which lies below 4 GiB), so a buffer is never table memory, and
/// below 2^36, so that every format's oas reaches it.
const BASE: u64 = 0x8_0000_0000;
/// Size of the simulated DMA memory: `[32 GiB, 64 GiB)`.
const SIZE: u64 = 0x8_0000_0000;

/// A simulated DMA buffer allocator: hands out disjoint ranges of simulated
/// physical memory (no CPU memory behind them: only the device model uses
/// them) as [`DmaBuffer`]s, which lend [`PhysRange`]s to map.
///
/// A buffer borrows the allocator and its ranges borrow the buffer, so a
/// table that maps them cannot outlive either: the memory stays the
/// device's for as long as any mapping of it can exist.
#[derive(Debug)]
pub struct DmaAllocator {
    /// Free `[start, end)` ranges, sorted, disjoint.
    free: Mutex<Vec<(u64, u64)>>,
}

impl Default for DmaAllocator {
    fn default() -> Self {
        Self::new()
    }
}

impl DmaAllocator {
    /// An allocator owning simulated physical memory `[32 GiB, 64 GiB)`.
    pub fn new() -> Self {
        DmaAllocator {
            free: Mutex::new(std::vec![(BASE, BASE + SIZE)]),
        }
    }

    /// `len` bytes aligned to `align` (a power of two), first fit.
    pub fn alloc(&self, len: u64, align: u64) -> Option<DmaBuffer<'_>> {
        if len == 0 || !align.is_power_of_two() {
            return None;
        }
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        for i in 0..free.len() {
            let (s, e) = free[i];
            let start = s.checked_add(align - 1)? & !(align - 1);
            let Some(end) = start.checked_add(len) else {
                continue;
            };
            if end > e {
                continue;
            }
            free.remove(i);
            if end < e {
                free.insert(i, (end, e));
            }
            if s < start {
                free.insert(i, (s, start));
            }
            return Some(DmaBuffer {
                pool: self,
                start,
                len,
            });
        }
        None
    }

    fn give_back(&self, start: u64, len: u64) {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        let pos = free.partition_point(|&(s, _)| s < start);
        free.insert(pos, (start, start + len));
        // Coalesce touching neighbours.
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(free.len());
        for &(s, e) in free.iter() {
            match merged.last_mut() {
                Some(last) if last.1 == s => last.1 = e,
                _ => merged.push((s, e)),
            }
        }
        *free = merged;
    }

    /// Bytes not allocated.
    pub fn free_bytes(&self) -> u64 {
        let free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        free.iter().map(|&(s, e)| e - s).sum()
    }
}

/// A buffer of simulated DMA memory, owned until dropped.
///
/// # Invariants
///
/// `[start, start + len)` lies in the allocator's simulated memory and
/// belongs to this buffer alone until it is dropped.
#[derive(Debug)]
pub struct DmaBuffer<'a> {
    pool: &'a DmaAllocator,
    start: u64,
    len: u64,
}

impl DmaBuffer<'_> {
    /// The buffer as memory a device may be given, for as long as the buffer
    /// is borrowed (so: until every table that mapped it is gone).
    pub fn phys(&self) -> PhysRange<'_> {
        // SAFETY: the range belongs to this buffer (type invariant) for the
        // borrow; it is simulated memory that only the device model uses, so
        // device writes break no Rust or C invariant; it lies above 32 GiB,
        // so it is not table memory (ptcore's allocator, the only source of
        // table memory in safe code, stays below 4 GiB); it does not wrap.
        unsafe { PhysRange::new(self.start, self.len) }
    }

    /// First physical address.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// Length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the buffer is empty (never: the allocator refuses 0 bytes).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for DmaBuffer<'_> {
    fn drop(&mut self) {
        self.pool.give_back(self.start, self.len);
    }
}
