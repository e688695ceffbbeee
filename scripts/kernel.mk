# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# ptcore as kernel code (included by the top-level Makefile):
#   make kbuild        ptcore.ko and ptcore_kunit.ko against Debian's linux-headers-amd64,
#                      W=1 and sparse, no warning allowed
#   make kunit-uml     every KUnit suite in User Mode Linux 6.1, built with gcc and with clang
#   make lint          checkpatch.pl --strict and kernel-doc on c/, include/, kunit/
#   make check-kernel  all three
#   make kunit-rust    the C and Rust KUnit suites in one Rust-enabled UML 6.12 kernel
# Debian's linux-source-6.1 is extracted once into $(BUILD)/linux-6.1 and reused,
# linux-source-6.12 into $(BUILD)/linux-6.12.
# See Documentation/kernel.rst and Documentation/rust.rst.

.PHONY: kbuild kunit-uml kunit-uml-gcc kunit-uml-clang lint check-kernel kunit-rust

# Each installs its packages first (deps-TARGET, scripts/deps.sh).
kbuild: | deps-kbuild
	@BUILD=$(BUILD) bash scripts/kbuild.sh

kunit-uml: | deps-kunit-uml
	@BUILD=$(BUILD) bash scripts/kunit_uml.sh gcc clang

kunit-uml-gcc kunit-uml-clang: %: | deps-%
	@BUILD=$(BUILD) bash scripts/kunit_uml.sh $(patsubst kunit-uml-%,%,$@)

lint: | deps-lint
	@BUILD=$(BUILD) bash scripts/lint.sh

# linux-source-6.12, rustc-web and friends: only this target (and make check) needs them.
kunit-rust: | deps-kunit-rust
	@BUILD=$(BUILD) bash scripts/kunit_rust.sh

# In turn (-j cannot interleave them), and all three even when one fails, so
# that one run shows every problem.
check-kernel: | deps-check-kernel
	@rc=0; \
	$(MAKE) --no-print-directory kbuild || rc=1; \
	$(MAKE) --no-print-directory lint || rc=1; \
	$(MAKE) --no-print-directory kunit-uml || rc=1; \
	exit $$rc

CHECK_STEPS += check-kernel kunit-rust
