// SPDX-License-Identifier: GPL-2.0 OR MIT
//! Links the ptcore C library.
//!
//! `PTCORE_LIB_DIR` names the directory holding `libptcore.a` (the top-level
//! Makefile's `$(BUILD)`, as `rust.mk` sets it). Without it the build script
//! runs `make lib` in the repository root and uses its `build/` directory.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest
        .parent()
        .expect("crate lives in the repository")
        .to_path_buf();

    println!("cargo:rerun-if-env-changed=PTCORE_LIB_DIR");
    let dir = match env::var_os("PTCORE_LIB_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            let status = Command::new("make")
                .arg("-C")
                .arg(&root)
                .arg("--no-print-directory")
                .arg("lib")
                .status();
            match status {
                Ok(s) if s.success() => {}
                Ok(s) => println!("cargo:warning=`make lib` failed ({s}); linking will fail"),
                Err(e) => println!("cargo:warning=cannot run make ({e}); linking will fail"),
            }
            for d in ["c", "include"] {
                println!("cargo:rerun-if-changed={}", root.join(d).display());
            }
            root.join("build")
        }
    };
    let lib = dir.join("libptcore.a");
    if !lib.exists() {
        println!(
            "cargo:warning={} does not exist yet: only `cargo check` works",
            lib.display()
        );
    }
    println!("cargo:rerun-if-changed={}", lib.display());
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-lib=static=ptcore");
    println!("cargo:rustc-link-lib=pthread");
}
