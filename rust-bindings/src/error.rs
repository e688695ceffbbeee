// SPDX-License-Identifier: GPL-2.0 OR MIT
//! Errors: negative errno values with the Linux numbering, as the C core
//! returns them.
//!
//! [`Error`] has the shape of the kernel's `kernel::error::Error`: a copyable
//! newtype over a negative `c_int`, with [`Error::to_errno`]. Inside the
//! kernel tree this module is replaced by `kernel::error` (see
//! `Documentation/rust.rst`).

use core::ffi::c_int;
use core::fmt;

/// Largest errno value, as the kernel's `MAX_ERRNO`.
const MAX_ERRNO: c_int = 4095;

/// Error codes, as the kernel's `kernel::error::code`.
pub mod code {
    use super::Error;

    /// No such entry: the IOVA is not mapped (`-ENOENT`, 2).
    pub const ENOENT: Error = Error(-2);
    /// Out of memory for a table (`-ENOMEM`, 12).
    pub const ENOMEM: Error = Error(-12);
    /// Invalid argument (`-EINVAL`, 22).
    pub const EINVAL: Error = Error(-22);
    /// Address beyond the table's input or output size (`-ERANGE`, 34).
    pub const ERANGE: Error = Error(-34);
    /// Range wraps around the address space (`-EOVERFLOW`, 75).
    pub const EOVERFLOW: Error = Error(-75);
    /// Feature not supported by the format (`-EOPNOTSUPP`, 95).
    pub const EOPNOTSUPP: Error = Error(-95);
    /// Part of the range is already mapped (`-EADDRINUSE`, 98).
    pub const EADDRINUSE: Error = Error(-98);
}

/// A kernel-style error: a negative errno.
///
/// # Invariants
///
/// The value is a valid errno: `-MAX_ERRNO <= value < 0`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Error(c_int);

impl Error {
    /// `-ENOENT`: the IOVA is not mapped.
    pub const ENOENT: Error = code::ENOENT;
    /// `-ENOMEM`: a table could not be allocated.
    pub const ENOMEM: Error = code::ENOMEM;
    /// `-EINVAL`: an invalid argument or configuration.
    pub const EINVAL: Error = code::EINVAL;
    /// `-ERANGE`: beyond the input or output address size.
    pub const ERANGE: Error = code::ERANGE;
    /// `-EOVERFLOW`: the range wraps.
    pub const EOVERFLOW: Error = code::EOVERFLOW;
    /// `-EOPNOTSUPP`: the format lacks the feature.
    pub const EOPNOTSUPP: Error = code::EOPNOTSUPP;
    /// `-EADDRINUSE`: part of the range is already mapped.
    pub const EADDRINUSE: Error = code::EADDRINUSE;

    /// Builds an error from a C return value.
    ///
    /// Like the kernel's `Error::from_errno`, a value that is not a valid
    /// negative errno becomes `EINVAL`.
    pub const fn from_errno(errno: c_int) -> Error {
        if errno < -MAX_ERRNO || errno >= 0 {
            return code::EINVAL;
        }
        // INVARIANT: checked just above.
        Error(errno)
    }

    /// The negative errno value, as C returns it.
    pub const fn to_errno(self) -> c_int {
        self.0
    }

    /// The symbolic name of the errors ptcore returns (`None` for others).
    pub const fn name(self) -> Option<&'static str> {
        Some(match -self.0 {
            2 => "ENOENT",
            12 => "ENOMEM",
            22 => "EINVAL",
            34 => "ERANGE",
            75 => "EOVERFLOW",
            95 => "EOPNOTSUPP",
            98 => "EADDRINUSE",
            _ => return None,
        })
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "Error({})", self.0),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.0),
            None => write!(f, "errno {}", self.0),
        }
    }
}

impl core::error::Error for Error {}

/// A [`core::result::Result`] with [`Error`] as its error, as the kernel's
/// `kernel::error::Result`.
pub type Result<T = ()> = core::result::Result<T, Error>;

/// Converts a C return value (0 or a negative errno) into a [`Result`].
pub(crate) fn to_result(ret: c_int) -> Result {
    if ret == 0 {
        Ok(())
    } else {
        Err(Error::from_errno(ret))
    }
}
