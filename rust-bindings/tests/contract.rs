// SPDX-License-Identifier: GPL-2.0 OR MIT
//! The safe API's contract, as libtest cases (`cargo test --features model`).
//! The same cases print KTAP through the `ktap` test target.

mod cases;
