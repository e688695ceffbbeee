// SPDX-License-Identifier: GPL-2.0 OR MIT
//! ptcore's Rust side inside Linux 6.12: the safe abstraction as kernel Rust
//! ([`ptcore`]), and KUnit suites that exercise it in the kernel, next to
//! ptcore's C suites. Built in (`CONFIG_PTCORE_RUST_KUNIT_TEST=y`); see
//! `Documentation/rust.rst`.

pub mod ptcore;

mod kunit;
mod samples;
mod tests;
