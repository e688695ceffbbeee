// SPDX-License-Identifier: GPL-2.0 OR MIT
//! The Rust test suites as a KTAP v1 stream, the way the kernel prints KUnit
//! results, so that the kernel's `kunit.py parse` reads them together with the
//! C suites. A `harness = false` target: run it with
//! `cargo test --features model --test ktap`.
//!
//! Exits non-zero when a case fails.

mod cases;

use std::io::Write;

fn main() {
    let out = std::io::stdout();
    let mut out = out.lock();
    let mut failed_suites = 0;
    let (mut pass, mut fail) = (0usize, 0usize);
    let _ = writeln!(out, "KTAP version 1");
    let _ = writeln!(out, "1..{}", cases::SUITES.len());
    for (si, suite) in cases::SUITES.iter().enumerate() {
        let _ = writeln!(out, "    KTAP version 1");
        let _ = writeln!(out, "    # Subtest: {}", suite.name);
        let _ = writeln!(out, "    1..{}", suite.cases.len());
        let (mut sp, mut sf) = (0usize, 0usize);
        for (ci, case) in suite.cases.iter().enumerate() {
            match cases::run_case(case) {
                Ok(()) => {
                    sp += 1;
                    let _ = writeln!(out, "    ok {} {}", ci + 1, case.name);
                }
                Err(e) => {
                    sf += 1;
                    for line in e.lines() {
                        let _ = writeln!(out, "    # {}: {}", case.name, line);
                    }
                    let _ = writeln!(out, "    not ok {} {}", ci + 1, case.name);
                }
            }
        }
        pass += sp;
        fail += sf;
        let _ = writeln!(
            out,
            "# {}: pass:{} fail:{} skip:0 total:{}",
            suite.name,
            sp,
            sf,
            sp + sf
        );
        let _ = writeln!(
            out,
            "# Totals: pass:{} fail:{} skip:0 total:{}",
            sp,
            sf,
            sp + sf
        );
        let verdict = if sf == 0 { "ok" } else { "not ok" };
        if sf != 0 {
            failed_suites += 1;
        }
        let _ = writeln!(out, "{} {} {}", verdict, si + 1, suite.name);
    }
    let _ = out.flush();
    eprintln!("ktap: {} cases passed, {} failed", pass, fail);
    if failed_suites != 0 {
        std::process::exit(1);
    }
}
