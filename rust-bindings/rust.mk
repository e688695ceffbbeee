# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Rust: the `ptcore` crate (rust-bindings/), its raw bindings, tests and
# sample drivers. Included by the top-level Makefile.
#
#   make bindings         regenerate rust-bindings/src/bindings_generated.rs
#   make check-bindings   fail if the checked-in bindings differ from bindgen's
#   make check-rust       cargo build, test (+ KTAP), clippy -D warnings, fmt, drift
#   make check-ktap       C and Rust KTAP streams through the kernel's kunit.py
#   make demo-rust        run the SMMUv3 and DART sample drivers
#   make rust-valgrind    the contract suite under valgrind (part of check-rust
#                         when valgrind is installed)

RUST_DIR    := rust-bindings
RUST_BUILD  := $(BUILD)/rust
CARGO       ?= cargo
BINDGEN     ?= bindgen
PYTHON      ?= python3

# Cargo never touches the network (the crate has no dependencies at all), and
# links the library this Makefile built.
RUST_ENV    := CARGO_NET_OFFLINE=true CARGO_TARGET_DIR=$(abspath $(RUST_BUILD)/target) \
               PTCORE_LIB_DIR=$(abspath $(BUILD))
CARGO_ARGS  := --manifest-path $(RUST_DIR)/Cargo.toml --offline
RUST_SRCS   := $(shell find $(RUST_DIR)/src $(RUST_DIR)/tests $(RUST_DIR)/examples -name '*.rs' 2>/dev/null) \
               $(RUST_DIR)/Cargo.toml $(RUST_DIR)/build.rs

# Rust-for-Linux's bindgen flags (rust/Makefile), restricted to ptcore's names.
BINDGEN_FLAGS := --use-core --with-derive-default --ctypes-prefix core::ffi --no-layout-tests \
                 --no-debug '.*' --size_t-is-usize --enable-function-attribute-detection \
                 --allowlist-function 'ptcore_.*' --allowlist-type 'ptcore_.*' \
                 --allowlist-var 'PTCORE_.*' --opaque-type ptcore_table
# bindgen formats its output with rustfmt: use the toolchain's, as cargo fmt does.
RUSTFMT     ?= $(shell command -v rustfmt 2>/dev/null)

# $(1): output file. The SPDX line goes first, above bindgen's own banner.
define run_bindgen
	@mkdir -p $(RUST_BUILD)
	RUSTFMT=$(RUSTFMT) $(BINDGEN) include/ptcore.h $(BINDGEN_FLAGS) -o $(RUST_BUILD)/bindgen.out -- -Iinclude
	{ echo '// SPDX-License-Identifier: GPL-2.0 OR MIT'; cat $(RUST_BUILD)/bindgen.out; } > $(1)
endef

.PHONY: bindings check-bindings check-rust check-ktap demo-rust rust-ktap rust-valgrind

bindings: | deps-bindings
	$(call run_bindgen,$(RUST_DIR)/src/bindings_generated.rs)

check-bindings: | deps-check-bindings
	$(call run_bindgen,$(RUST_BUILD)/bindings_generated.rs)
	@diff -u $(RUST_DIR)/src/bindings_generated.rs $(RUST_BUILD)/bindings_generated.rs || \
		{ echo "check-bindings: the raw bindings drifted from include/ptcore.h: run 'make bindings'"; exit 1; }
	@echo "check-bindings: raw bindings match include/ptcore.h"

# The Rust suites as KTAP v1 (the same cases `cargo test` runs).
rust-ktap: $(BUILD)/libptcore.a
	@mkdir -p $(RUST_BUILD)
	$(RUST_ENV) $(CARGO) test $(CARGO_ARGS) -q --features model --test ktap > $(RUST_BUILD)/rust.ktap; \
		st=$$?; grep -E '^(not )?ok ' $(RUST_BUILD)/rust.ktap; exit $$st

# The contract suite (stress tests included) under valgrind: no invalid access,
# no definite leak. Cargo runs the test binary through valgrind.
VALGRIND_RUNNER := target.'cfg(all())'.runner = ['valgrind', '-q', '--error-exitcode=9', \
                   '--leak-check=full', '--show-possibly-lost=no', '--errors-for-leak-kinds=definite']
rust-valgrind: $(BUILD)/libptcore.a
	$(RUST_ENV) $(CARGO) test $(CARGO_ARGS) -q --features model --test contract \
		--config "$(VALGRIND_RUNNER)" -- --test-threads=1

check-rust: $(BUILD)/libptcore.a check-bindings | deps-check-rust
	$(RUST_ENV) $(CARGO) build $(CARGO_ARGS)
	$(RUST_ENV) $(CARGO) build $(CARGO_ARGS) --features model --all-targets
	$(RUST_ENV) $(CARGO) test $(CARGO_ARGS) --features model --test contract
	$(RUST_ENV) $(CARGO) test $(CARGO_ARGS) --doc
	$(MAKE) --no-print-directory rust-ktap
	@if command -v valgrind >/dev/null; then $(MAKE) --no-print-directory rust-valgrind; \
		else echo "check-rust: valgrind not installed, skipping rust-valgrind"; fi
	$(RUST_ENV) $(CARGO) clippy $(CARGO_ARGS) --all-targets -- -D warnings
	$(RUST_ENV) $(CARGO) clippy $(CARGO_ARGS) --all-targets --features model -- -D warnings
	$(CARGO) fmt --manifest-path $(RUST_DIR)/Cargo.toml --check
	RUSTDOCFLAGS='-D warnings' $(RUST_ENV) $(CARGO) doc $(CARGO_ARGS) -q --no-deps --features model
	@if grep -nw unsafe $(RUST_DIR)/examples/*.rs; then \
		echo "check-rust: the sample drivers must not use unsafe"; exit 1; fi
	@if grep -nwE 'Mutex|RwLock|Condvar' $(RUST_DIR)/examples/*.rs; then \
		echo "check-rust: the sample drivers take no sleeping lock (callbacks may run in atomic context)"; exit 1; fi
	@echo "check-rust: passed"

# One cross-language report: the C KUnit stream (written by the kunit step)
# and the Rust one, merged and parsed by the kernel's own KTAP parser.
check-ktap: | deps-check-ktap
	@test -f $(BUILD)/kunit/c.ktap || \
		{ echo "check-ktap: $(BUILD)/kunit/c.ktap missing: run the C KUnit step first"; exit 1; }
	@test -f $(RUST_BUILD)/rust.ktap || $(MAKE) --no-print-directory rust-ktap
	$(PYTHON) scripts/ktap_merge.py -o $(RUST_BUILD)/all.ktap $(BUILD)/kunit/c.ktap $(RUST_BUILD)/rust.ktap
	@kunit_py=$$(sh scripts/kunit_tools.sh $(BUILD)) && \
		$(PYTHON) $$kunit_py parse < $(RUST_BUILD)/all.ktap

demo-rust: $(BUILD)/libptcore.a
	@$(RUST_ENV) $(CARGO) build $(CARGO_ARGS) -q --features model --examples
	@$(RUST_ENV) $(CARGO) run $(CARGO_ARGS) -q --features model --example smmu
	@$(RUST_ENV) $(CARGO) run $(CARGO_ARGS) -q --features model --example dart

CHECK_STEPS += check-rust check-ktap
DEMO_STEPS  += demo-rust
