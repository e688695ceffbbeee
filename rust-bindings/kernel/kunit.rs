// SPDX-License-Identifier: GPL-2.0 OR MIT
//! A tiny registration of Rust KUnit suites for Linux 6.12.
//!
//! 6.12 has no Rust KUnit API beyond the assertion macros its doctests use
//! (`kunit_unsafe_test_suite!` arrives in 6.14, `#[kunit_tests]` in 6.15).
//! What KUnit itself needs is plain data, so it is built here from 6.12's C
//! structures (`include/kunit/test.h`), through the kernel's bindings:
//!
//! - a `struct kunit_case` per test, `run_case` an `extern "C"` trampoline
//!   that calls a safe `fn(&mut Test)`, followed by an all-zero case that
//!   ends the array;
//! - one `struct kunit_suite` naming the suite (a 256-byte `char` array) and
//!   pointing at the cases;
//! - a pointer to the suite placed in the `.kunit_test_suites` section, which
//!   is exactly what C's `kunit_test_suites()` emits; built-in KUnit runs
//!   every suite listed there at boot.
//!
//! KUnit writes into both structures while it runs them (case status and
//! log, suite log and status comment), so they are `static mut`, touched by
//! Rust only through raw pointers taken at compile time.
//!
//! Checks do not abort the case (they are KUnit "expectations"): a failed
//! [`Test::expect`] reports the failure to KUnit with the condition's text
//! and location, and the case goes on, so destructors still run and a failing
//! case leaks nothing.

use kernel::bindings;
use kernel::ffi::c_char;
use kernel::str::CStr;

/// A `kunit_case` or `kunit_suite` as a `static`: KUnit owns its contents
/// after boot, Rust never reads them.
#[repr(transparent)]
pub(crate) struct Registered<T>(pub(crate) T);

// SAFETY: Rust code never touches the contents after initialisation; KUnit
// runs the suites of the kernel image one at a time, from its own thread.
unsafe impl<T> Sync for Registered<T> {}

/// The pointer to a suite that goes into `.kunit_test_suites`.
#[repr(transparent)]
pub(crate) struct SuiteRef(pub(crate) *mut bindings::kunit_suite);

// SAFETY: a pointer value that is only read, by KUnit's boot-time runner.
unsafe impl Sync for SuiteRef {}

/// A case as KUnit calls it.
pub(crate) type RunCase = unsafe extern "C" fn(*mut bindings::kunit);

/// One `struct kunit_case`: `run` under `name`, every other field zero
/// (no parameters, normal speed, status and log filled in by KUnit).
pub(crate) const fn case(name: &'static CStr, run: RunCase) -> bindings::kunit_case {
    // SAFETY: `kunit_case` holds only integers, raw pointers and `Option`s of
    // function pointers, for all of which all-zero bits are valid (0, NULL,
    // None): KUnit's own "{}" terminator.
    let mut c: bindings::kunit_case = unsafe { core::mem::zeroed() };
    c.run_case = Some(run);
    c.name = name.as_char_ptr();
    c
}

/// The all-zero `struct kunit_case` that ends a case array.
pub(crate) const fn end() -> bindings::kunit_case {
    // SAFETY: as in `case`: all-zero bits are a valid `kunit_case`.
    unsafe { core::mem::zeroed() }
}

/// One `struct kunit_suite` named `name` (truncated to 255 bytes) running the
/// null-terminated array `cases`; no init or exit hooks.
pub(crate) const fn suite(name: &str, cases: *mut bindings::kunit_case) -> bindings::kunit_suite {
    // SAFETY: `kunit_suite` holds only integers, `char` arrays, raw pointers
    // and `Option`s of function pointers: all-zero bits are valid.
    let mut s: bindings::kunit_suite = unsafe { core::mem::zeroed() };
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() && i + 1 < s.name.len() {
        s.name[i] = bytes[i] as c_char;
        i += 1;
    }
    s.test_cases = cases;
    s
}

/// Registers a suite: `kunit_suite!(SUITE_IDENT, "name", [case_fn, ...]);`
/// where each `case_fn` is a `fn(&mut Test)`; the case is named after it.
macro_rules! kunit_suite {
    ($suite:ident, $name:literal, [$($case:ident),+ $(,)?]) => {
        #[allow(non_upper_case_globals)]
        static mut $suite: $crate::in_kernel::kunit::Registered<
            [kernel::bindings::kunit_case; [$(stringify!($case)),+].len() + 1],
        > = $crate::in_kernel::kunit::Registered([
            $({
                /// KUnit's entry point for this case.
                ///
                /// # Safety
                ///
                /// `test` is the running `struct kunit` KUnit passes.
                unsafe extern "C" fn run(test: *mut kernel::bindings::kunit) {
                    // SAFETY: KUnit passes the live `struct kunit` of this case.
                    let mut t = unsafe { $crate::in_kernel::kunit::Test::from_raw(test) };
                    $case(&mut t);
                }
                $crate::in_kernel::kunit::case(kernel::c_str!(stringify!($case)), run)
            },)+
            $crate::in_kernel::kunit::end(),
        ]);

        const _: () = {
            static mut SUITE: $crate::in_kernel::kunit::Registered<kernel::bindings::kunit_suite> =
                $crate::in_kernel::kunit::Registered($crate::in_kernel::kunit::suite(
                    $name,
                    // The cases' address, taken at compile time, not a reference.
                    // SAFETY: `addr_of_mut!` creates no reference; KUnit owns the array.
                    unsafe { core::ptr::addr_of_mut!($suite.0) }.cast(),
                ));

            #[used]
            #[link_section = ".kunit_test_suites"]
            static SUITE_REF: $crate::in_kernel::kunit::SuiteRef =
                // SAFETY: as above: an address, no reference.
                $crate::in_kernel::kunit::SuiteRef(unsafe { core::ptr::addr_of_mut!(SUITE.0) });
        };
    };
}
pub(crate) use kunit_suite;

/// The running case, for its checks.
///
/// # Invariants
///
/// `raw` is the live `struct kunit` of the case running on this thread.
pub(crate) struct Test {
    raw: *mut bindings::kunit,
}

impl Test {
    /// # Safety
    ///
    /// `raw` is the `struct kunit` KUnit passed to the running case.
    pub(crate) unsafe fn from_raw(raw: *mut bindings::kunit) -> Test {
        // INVARIANT: the caller's promise.
        Test { raw }
    }

    /// A KUnit expectation: when `ok` is false, reports `what` (the checked
    /// condition) at `file:line` as failed; the case goes on.
    pub(crate) fn expect(&mut self, ok: bool, what: &CStr, file: &'static CStr, line: u32) -> bool {
        if ok {
            return true;
        }
        let loc = bindings::kunit_loc {
            file: file.as_char_ptr(),
            line: line as core::ffi::c_int,
        };
        let assert = bindings::kunit_unary_assert {
            assert: bindings::kunit_assert {},
            condition: what.as_char_ptr(),
            expected_true: true,
        };
        // SAFETY: `self.raw` is the running test (type invariant). `loc` and
        // `assert` are valid for the call, their strings NUL-terminated, and
        // KUnit formats them before returning (it keeps no pointer to them).
        // The formatter matches the assertion type; no extra message.
        unsafe {
            bindings::__kunit_do_failed_assertion(
                self.raw,
                &loc,
                bindings::kunit_assert_type_KUNIT_EXPECTATION,
                &assert.assert,
                Some(bindings::kunit_unary_assert_format),
                core::ptr::null(),
            )
        };
        false
    }
}

/// `check!(t, cond)`: a KUnit expectation on a boolean.
macro_rules! check {
    ($t:expr, $cond:expr $(,)?) => {
        $t.expect(
            $cond,
            kernel::c_str!(stringify!($cond)),
            kernel::c_str!(file!()),
            line!(),
        )
    };
}
pub(crate) use check;

/// `check_eq!(t, left, right)`: a KUnit expectation that `left == right`;
/// on failure the message shows both values (`{:?}`).
macro_rules! check_eq {
    ($t:expr, $left:expr, $right:expr $(,)?) => {{
        let (l, r) = (&$left, &$right);
        if *l == *r {
            true
        } else {
            let msg = kernel::str::CString::try_from_fmt(kernel::fmt!(
                "{} == {} (left {:?}, right {:?})",
                stringify!($left),
                stringify!($right),
                l,
                r
            ));
            match msg {
                Ok(m) => $t.expect(false, &m, kernel::c_str!(file!()), line!()),
                Err(_) => $t.expect(
                    false,
                    kernel::c_str!(stringify!($left == $right)),
                    kernel::c_str!(file!()),
                    line!(),
                ),
            }
        }
    }};
}
pub(crate) use check_eq;
