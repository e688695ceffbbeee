// SPDX-License-Identifier: GPL-2.0 OR MIT
//! What safe code cannot do: each example below must fail to compile
//! (rustdoc `compile_fail` doctests, with the error code that proves the
//! reason), next to the form that compiles.
//!
//! The examples share this setup:
//!
//! ```
//! use ptcore::{ArmLpaeS1, Config, Flush, IommuOps, PageTable, PhysRange, Prot};
//! struct Ops;
//! impl IommuOps for Ops {
//!     type Domain = ();
//!     fn iotlb_flush(&self, _: &Flush) {}
//! }
//! // SAFETY: a doctest: no device ever accesses this memory.
//! let mem = unsafe { PhysRange::new(0x8_0000_0000, 0x40_0000) };
//! let (a, b) = mem.split_at(0x20_0000).unwrap();
//! let ops = Ops;
//! let mut pt = PageTable::new(&Config::<ArmLpaeS1>::new(48, 48), &ops).unwrap();
//! // Maps from two threads at once: through disjoint regions.
//! pt.regions(|whole| {
//!     let (mut lo, mut hi) = whole.split_at(0x4000_0000).unwrap();
//!     std::thread::scope(|s| {
//!         s.spawn(move || lo.map_pages(0, a, 0x1000, Prot::READ).unwrap());
//!         s.spawn(move || hi.map_pages(0x4000_0000, b, 0x20_0000, Prot::READ).unwrap());
//!     });
//! })
//! .unwrap();
//! assert_eq!(pt.iova_to_phys(0x4000_1000), Some(b.start() + 0x1000));
//! ```
//!
//! # Two threads cannot map into one table without regions
//!
//! Overlapping concurrent maps lose mappings and tables in C (the contract
//! makes them a caller bug), so a table shared between threads cannot map:
//!
//! ```compile_fail,E0499
//! # use ptcore::{ArmLpaeS1, Config, Flush, IommuOps, PageTable, PhysRange, Prot};
//! # struct Ops;
//! # impl IommuOps for Ops { type Domain = (); fn iotlb_flush(&self, _: &Flush) {} }
//! # let mem = unsafe { PhysRange::new(0x8_0000_0000, 0x40_0000) };
//! # let (a, b) = mem.split_at(0x20_0000).unwrap();
//! # let ops = Ops;
//! let mut pt = PageTable::new(&Config::<ArmLpaeS1>::new(48, 48), &ops).unwrap();
//! std::thread::scope(|s| {
//!     s.spawn(|| pt.map_pages(0, a, 0x20_0000, Prot::READ));
//!     s.spawn(|| pt.map_pages(0x1000, b, 0x1000, Prot::READ)); // overlaps
//! });
//! ```
//!
//! nor through a shared reference:
//!
//! ```compile_fail,E0596
//! # use ptcore::{ArmLpaeS1, Config, Flush, IommuOps, PageTable, PhysRange, Prot};
//! # struct Ops;
//! # impl IommuOps for Ops { type Domain = (); fn iotlb_flush(&self, _: &Flush) {} }
//! # let mem = unsafe { PhysRange::new(0x8_0000_0000, 0x40_0000) };
//! # let ops = Ops;
//! let pt = PageTable::new(&Config::<ArmLpaeS1>::new(48, 48), &ops).unwrap();
//! let shared = &pt;
//! std::thread::scope(|s| {
//!     s.spawn(move || shared.map_pages(0, mem, 0x20_0000, Prot::READ));
//! });
//! ```
//!
//! and regions never overlap: a region split in two is frozen while its
//! halves live.
//!
//! ```compile_fail,E0499
//! # use ptcore::{ArmLpaeS1, Config, Flush, IommuOps, PageTable, PhysRange, Prot};
//! # struct Ops;
//! # impl IommuOps for Ops { type Domain = (); fn iotlb_flush(&self, _: &Flush) {} }
//! # let mem = unsafe { PhysRange::new(0x8_0000_0000, 0x40_0000) };
//! # let (a, b) = mem.split_at(0x20_0000).unwrap();
//! # let ops = Ops;
//! # let mut pt = PageTable::new(&Config::<ArmLpaeS1>::new(48, 48), &ops).unwrap();
//! pt.regions(|mut whole| {
//!     let (mut lo, _hi) = whole.split_at_mut(0x4000_0000).unwrap();
//!     let _ = whole.map_pages(0, a, 0x20_0000, Prot::READ); // the parent again
//!     let _ = lo.map_pages(0x1000, b, 0x1000, Prot::READ);
//! });
//! ```
//!
//! # A region cannot be used after its split is gone
//!
//! Regions live inside the closure of `PageTable::regions`; each call gets a
//! fresh lifetime, so a region cannot be returned,
//!
//! ```compile_fail
//! # use ptcore::{ArmLpaeS1, Config, Flush, IommuOps, PageTable, PhysRange, Prot};
//! # struct Ops;
//! # impl IommuOps for Ops { type Domain = (); fn iotlb_flush(&self, _: &Flush) {} }
//! # let mem = unsafe { PhysRange::new(0x8_0000_0000, 0x40_0000) };
//! # let ops = Ops;
//! # let mut pt = PageTable::new(&Config::<ArmLpaeS1>::new(48, 48), &ops).unwrap();
//! let mut escaped = pt.regions(|whole| whole).unwrap();
//! let _ = escaped.map_pages(0, mem, 0x20_0000, Prot::READ);
//! ```
//!
//! kept past the split,
//!
//! ```compile_fail,E0499
//! # use ptcore::{ArmLpaeS1, Config, Flush, IommuOps, PageTable, PhysRange, Prot};
//! # struct Ops;
//! # impl IommuOps for Ops { type Domain = (); fn iotlb_flush(&self, _: &Flush) {} }
//! # let mem = unsafe { PhysRange::new(0x8_0000_0000, 0x40_0000) };
//! # let ops = Ops;
//! # let mut pt = PageTable::new(&Config::<ArmLpaeS1>::new(48, 48), &ops).unwrap();
//! pt.regions(|mut whole| {
//!     let mut kept = None;
//!     {
//!         let (lo, _hi) = whole.split_at_mut(0x4000_0000).unwrap();
//!         kept = Some(lo);
//!     }
//!     let _ = whole.unmap(0, 0x1000); // the split is gone...
//!     let _ = kept.unwrap().map_pages(0, mem, 0x20_0000, Prot::READ); // ...and its half with it
//! });
//! ```
//!
//! or stored where a driver callback could reach it, not even with a leaked,
//! `'static` driver and table (so a callback can never re-enter the table that
//! called it):
//!
//! ```compile_fail
//! # use ptcore::{ArmLpaeS1, Config, Flush, IommuOps, PageTable, Region};
//! # use std::sync::Mutex;
//! struct Reentrant<'a> {
//!     slot: Mutex<Option<Region<'a, 'a, ArmLpaeS1, Reentrant<'a>>>>,
//! }
//! impl IommuOps for Reentrant<'_> {
//!     type Domain = ();
//!     fn iotlb_flush(&self, _: &Flush) {
//!         if let Some(r) = self.slot.lock().unwrap().as_mut() {
//!             let _ = r.unmap(0, 0x1000);
//!         }
//!     }
//! }
//! let ops: &'static Reentrant<'static> = Box::leak(Box::new(Reentrant { slot: Mutex::new(None) }));
//! let pt = Box::leak(Box::new(PageTable::new(&Config::<ArmLpaeS1>::new(48, 48), ops).unwrap()));
//! pt.regions(|whole| *ops.slot.lock().unwrap() = Some(whole)).unwrap();
//! ```
//!
//! # A raw `u64` cannot be mapped
//!
//! ```compile_fail,E0308
//! # use ptcore::{ArmLpaeS1, Config, Flush, IommuOps, PageTable, Prot};
//! # struct Ops;
//! # impl IommuOps for Ops { type Domain = (); fn iotlb_flush(&self, _: &Flush) {} }
//! # let ops = Ops;
//! let mut pt = PageTable::new(&Config::<ArmLpaeS1>::new(48, 48), &ops).unwrap();
//! let root = pt.hw_info().roots()[0]; // the table's own memory
//! let _ = pt.map_pages(0, root, 0x1000, Prot::WRITE);
//! ```
//!
//! and a [`crate::PhysRange`] cannot be made up without `unsafe`:
//!
//! ```compile_fail,E0133
//! # use ptcore::PhysRange;
//! let forged = PhysRange::new(0x4000_0000, 0x1000);
//! ```
//!
//! # A mapping cannot outlive the memory it maps
//!
//! ```compile_fail,E0597
//! # use ptcore::{ArmLpaeS1, Config, Flush, IommuOps, PageTable, PhysRange, Prot};
//! # struct Ops;
//! # impl IommuOps for Ops { type Domain = (); fn iotlb_flush(&self, _: &Flush) {} }
//! # struct Buffer(u64);
//! # impl Buffer {
//! #     fn phys(&self) -> PhysRange<'_> { unsafe { PhysRange::new(self.0, 0x1000) } }
//! # }
//! # let ops = Ops;
//! let mut pt = PageTable::new(&Config::<ArmLpaeS1>::new(48, 48), &ops).unwrap();
//! {
//!     let buffer = Buffer(0x8_0000_0000); // owns the memory
//!     pt.map_pages(0, buffer.phys(), 0x1000, Prot::WRITE).unwrap();
//! } // the buffer is freed here, while the table still maps it
//! drop(pt);
//! ```
//!
//! # A value that matters cannot be dropped unnoticed
//!
//! A table block dropped at once, or a batch dropped (flushing at once)
//! where more unmaps were meant to be gathered, is flagged by
//! `#[must_use]` (here made an error):
//!
//! ```compile_fail
//! #![deny(unused_must_use)]
//! ptcore::TableBlock::alloc(4096, ptcore::Gfp::KERNEL);
//! ```
//!
//! ```compile_fail
//! #![deny(unused_must_use)]
//! # use ptcore::{ArmLpaeS1, Config, Flush, IommuOps, PageTable};
//! # struct Ops;
//! # impl IommuOps for Ops { type Domain = (); fn iotlb_flush(&self, _: &Flush) {} }
//! # fn f(pt: &mut PageTable<'_, ArmLpaeS1, Ops>) {
//! pt.unmap_batch();
//! # }
//! ```
//!
//! # An unmap_collect closure cannot reach its table
//!
//! The closure runs inside ptcore's unmap walk, which must not be re-entered
//! for the range it is removing. The batch borrows the table mutably for the
//! call, so the closure can neither look up nor map through it:
//!
//! ```compile_fail,E0502
//! # use ptcore::{ArmLpaeS1, Config, Flush, IommuOps, PageTable, PhysRange, Prot};
//! # struct Ops;
//! # impl IommuOps for Ops { type Domain = (); fn iotlb_flush(&self, _: &Flush) {} }
//! # let ops = Ops;
//! let mut pt = PageTable::new(&Config::<ArmLpaeS1>::new(48, 48), &ops).unwrap();
//! let mut batch = pt.unmap_batch();
//! let _ = batch.unmap_collect(0, 0x1000, |r| {
//!     let _ = pt.iova_to_phys(r.iova); // the table is borrowed by the batch
//! });
//! batch.sync();
//! ```
//!
//! ```compile_fail,E0499
//! # use ptcore::{ArmLpaeS1, Config, Flush, IommuOps, PageTable, PhysRange, Prot};
//! # struct Ops;
//! # impl IommuOps for Ops { type Domain = (); fn iotlb_flush(&self, _: &Flush) {} }
//! # let ops = Ops;
//! # let mem = unsafe { PhysRange::new(0x8_0000_0000, 0x1000) };
//! let mut pt = PageTable::new(&Config::<ArmLpaeS1>::new(48, 48), &ops).unwrap();
//! let _ = pt.unmap_collect(0, 0x1000, |_| {
//!     let _ = pt.map_range(0, mem, Prot::READ);
//! });
//! ```
//!
//! A region's closure cannot reach its own region either (the same
//! borrows); it can reach only other regions, which hold other IOVAs:
//!
//! ```compile_fail,E0502
//! # use ptcore::{ArmLpaeS1, Config, Flush, IommuOps, PageTable, PhysRange, Prot};
//! # struct Ops;
//! # impl IommuOps for Ops { type Domain = (); fn iotlb_flush(&self, _: &Flush) {} }
//! # let ops = Ops;
//! let mut pt = PageTable::new(&Config::<ArmLpaeS1>::new(48, 48), &ops).unwrap();
//! pt.regions(|mut r| {
//!     let mut batch = r.unmap_batch();
//!     let _ = batch.unmap_collect(0, 0x1000, |run| {
//!         let _ = r.iova_to_phys(run.iova); // the region is borrowed by its batch
//!     });
//! })
//! .unwrap();
//! ```
