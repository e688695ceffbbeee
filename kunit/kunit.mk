# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# ptcore's KUnit suites in userspace: the same kunit/*.c files that build in
# a kernel, compiled against the userspace KUnit harness (kunit/harness/) and
# build/libptcore.a. The KTAP stream is saved and fed to the kernel's own
# parser (tools/testing/kunit/kunit.py from Debian's linux-source-6.1).
#
#   make check-kunit        suites + harness self-test, parsed by kunit.py
#   make check-kunit-asan   suites and core built with clang ASan+UBSan

KUNIT_DIR        := $(BUILD)/kunit
KUNIT_ASAN_DIR   := $(BUILD)/kunit-asan
KUNIT_RUNNER_SRC := kunit/harness/runner.c kunit/harness/kernel.c
KUNIT_SUPPORT    := kunit/ptt_util.c kunit/ptt_arm.c kunit/hw_walk.c kunit/hw_walk_expect.c \
                    kunit/hw_walk_riscv.c \
                    kunit/hw_walk_x86.c kunit/ptt_x86.c \
                    kunit/hw_walk_amdv1.c \
                    kunit/hw_walk_v7s.c \
                    kunit/oracle.c kunit/ptt_check.c
KUNIT_SUITES     := $(sort $(wildcard kunit/ptcore_*_test.c))
KUNIT_HDRS       := $(wildcard kunit/*.h kunit/harness/kunit/*.h kunit/harness/linux/*.h) \
                    include/ptcore.h
# The kernel does not build with -Wsign-compare; neither do the suites.
KUNIT_CFLAGS     := -std=gnu11 -O2 -g $(WARN) -Wno-sign-compare -Ikunit/harness -Iinclude -Ikunit
KUNIT_SAN        := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
KUNIT_ASAN_CC    ?= clang
# The harness self-test fails and skips on purpose; kunit.py must count exactly this.
KUNIT_SELFTEST_SUMMARY := Ran 13 tests: passed: 8, failed: 2, skipped: 3

.PHONY: check-kunit check-kunit-asan kunit-build

$(KUNIT_DIR)/ptcore_kunit: $(KUNIT_RUNNER_SRC) $(KUNIT_SUPPORT) $(KUNIT_SUITES) $(KUNIT_HDRS) \
		$(BUILD)/libptcore.a
	@mkdir -p $(@D)
	$(CC) $(KUNIT_CFLAGS) -o $@ $(KUNIT_RUNNER_SRC) $(KUNIT_SUPPORT) $(KUNIT_SUITES) \
		$(BUILD)/libptcore.a -lpthread

$(KUNIT_DIR)/harness_selftest: $(KUNIT_RUNNER_SRC) kunit/harness/selftest.c $(KUNIT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(KUNIT_CFLAGS) -o $@ $(KUNIT_RUNNER_SRC) kunit/harness/selftest.c

kunit-build: $(KUNIT_DIR)/ptcore_kunit $(KUNIT_DIR)/harness_selftest

# Run $(1) > $(2).ktap, parse it with kunit.py into $(2).parse; fail on any
# failure, crash or parse problem.
define kunit_run_and_parse
	@kunit_py=$$(sh scripts/kunit_tools.sh $(BUILD)) || exit 1; \
	rc=0; $(1) > $(2).ktap || rc=$$?; \
	prc=0; python3 "$$kunit_py" parse < $(2).ktap > $(2).parse 2>&1 || prc=$$?; \
	tail -n 1 $(2).parse; \
	if [ $$rc -ne 0 ] || [ $$prc -ne 0 ] || \
	   grep -q -e '\[ERROR\]' -e 'errors:' -e 'crashed:' -e '\[CRASHED\]' $(2).parse; then \
		grep -e 'FAILED' -e 'ERROR' -e 'CRASHED' -e '^\[[0-9:]*\] #' $(2).parse | head -n 60; \
		echo "$(1): runner exit $$rc, kunit.py exit $$prc (stream: $(2).ktap)"; exit 1; \
	fi
endef

check-kunit: kunit-build | deps-check-kunit
	@kunit_py=$$(sh scripts/kunit_tools.sh $(BUILD)) || exit 1; \
	rc=0; $(KUNIT_DIR)/harness_selftest > $(KUNIT_DIR)/selftest.ktap || rc=$$?; \
	prc=0; python3 "$$kunit_py" parse < $(KUNIT_DIR)/selftest.ktap \
		> $(KUNIT_DIR)/selftest.parse 2>&1 || prc=$$?; \
	if [ $$rc -ne 1 ] || [ $$prc -ne 1 ] || \
	   ! grep -q '$(KUNIT_SELFTEST_SUMMARY)' $(KUNIT_DIR)/selftest.parse; then \
		cat $(KUNIT_DIR)/selftest.parse; \
		echo "harness self-test: kunit.py did not see what the harness printed on purpose"; \
		exit 1; \
	fi; echo "kunit harness self-test: parser agrees ($(KUNIT_SELFTEST_SUMMARY))"
	$(call kunit_run_and_parse,$(KUNIT_DIR)/ptcore_kunit,$(KUNIT_DIR)/c)

# ---- ASan + UBSan: the suites and the core sources, built with clang ----

$(KUNIT_ASAN_DIR)/obj/%.o: %.c $(CORE_HDRS) | deps-check-kunit-asan
	@mkdir -p $(@D)
	$(KUNIT_ASAN_CC) $(CFLAGS_LIB) $(KUNIT_SAN) -c $< -o $@

$(KUNIT_ASAN_DIR)/ptcore_kunit: $(KUNIT_RUNNER_SRC) $(KUNIT_SUPPORT) $(KUNIT_SUITES) $(KUNIT_HDRS) \
		$(patsubst %.c,$(KUNIT_ASAN_DIR)/obj/%.o,$(CORE_SRCS)) | deps-check-kunit-asan
	@mkdir -p $(@D)
	$(KUNIT_ASAN_CC) $(KUNIT_CFLAGS) $(KUNIT_SAN) -o $@ $(KUNIT_RUNNER_SRC) $(KUNIT_SUPPORT) \
		$(KUNIT_SUITES) $(patsubst %.c,$(KUNIT_ASAN_DIR)/obj/%.o,$(CORE_SRCS)) -lpthread

check-kunit-asan: $(KUNIT_ASAN_DIR)/ptcore_kunit | deps-check-kunit-asan
	$(call kunit_run_and_parse,env ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(KUNIT_ASAN_DIR)/ptcore_kunit,$(KUNIT_ASAN_DIR)/c)

CHECK_STEPS += check-kunit check-kunit-asan
