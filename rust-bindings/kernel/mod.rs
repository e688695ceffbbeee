// SPDX-License-Identifier: GPL-2.0 OR MIT
//! ptcore inside Linux 6.12: the crate's own source (`rust-bindings/src`)
//! compiled as kernel Rust (`--cfg ptcore_kernel`), with its KUnit suites and
//! the sample drivers. See `Documentation/rust.rst`.
//!
//! The differences from the userspace crate are few and all behind
//! `cfg(ptcore_kernel)`: the raw bindings are `kernel::bindings` (the
//! kernel's bindgen rules run on `include/ptcore.h`), `Gfp::ATOMIC` is the
//! kernel's `GFP_ATOMIC`, and this module adds the conversions to and from
//! the kernel's types below.
//!
//! Errors stay the crate's errno newtype, whose values are the kernel's, and
//! convert losslessly into [`kernel::error::Error`]: the crate needs its
//! errors as constants (`Error::EADDRINUSE`, ...), and 6.12's
//! `kernel::error::code` has no `EADDRINUSE`, `EOPNOTSUPP` or `EOVERFLOW`,
//! and no `const` way to make them.

pub(crate) mod kunit;
mod samples;
mod tests;

use crate::{Error, Gfp};
use kernel::alloc::{flags, Flags};

impl From<Error> for kernel::error::Error {
    fn from(e: Error) -> kernel::error::Error {
        kernel::error::Error::from_errno(e.to_errno())
    }
}

impl From<Flags> for Gfp {
    /// The kernel's allocation flags as ptcore's: `GFP_KERNEL` (and
    /// `GFP_KERNEL_ACCOUNT`) may sleep; every other set must not. (6.12 keeps
    /// `Flags::as_raw` private to the kernel crate, so the sets are matched.)
    fn from(gfp: Flags) -> Gfp {
        if gfp.contains(flags::GFP_KERNEL) {
            Gfp::KERNEL
        } else {
            Gfp::ATOMIC
        }
    }
}
