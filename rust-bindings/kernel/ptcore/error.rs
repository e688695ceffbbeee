// SPDX-License-Identifier: GPL-2.0 OR MIT
//! Errors: the kernel's [`kernel::error::Error`].
//!
//! ptcore returns negative errno values with the kernel's numbering. 6.12's
//! `kernel::error::code` has `ENOENT`, `ENOMEM`, `EINVAL` and `ERANGE`, but
//! not `EOVERFLOW`, `EOPNOTSUPP` or `EADDRINUSE`; [`code`] offers all seven
//! (the missing ones built with `Error::from_errno` from the kernel's own
//! `errno.h` values, through bindgen).

pub use kernel::error::{Error, Result};

/// The error codes ptcore returns.
pub mod code {
    use super::Error;
    use kernel::bindings;

    pub use kernel::error::code::{EINVAL, ENOENT, ENOMEM, ERANGE};

    fn errno(e: u32) -> Error {
        // The `errno.h` values are small positive constants: the cast is exact.
        Error::from_errno(-(e as core::ffi::c_int))
    }

    /// Range wraps around the address space (`-EOVERFLOW`).
    pub fn eoverflow() -> Error {
        errno(bindings::EOVERFLOW)
    }

    /// Feature not supported by the format (`-EOPNOTSUPP`).
    pub fn eopnotsupp() -> Error {
        errno(bindings::EOPNOTSUPP)
    }

    /// Part of the range is already mapped (`-EADDRINUSE`).
    pub fn eaddrinuse() -> Error {
        errno(bindings::EADDRINUSE)
    }
}

/// Converts a C return value (0 or a negative errno) into a [`Result`].
pub(crate) fn to_result(ret: core::ffi::c_int) -> Result {
    kernel::error::to_result(ret)
}
