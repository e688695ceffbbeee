# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Reliability tests (tests/): differential fuzzing, the IOTLB model, fault
# injection, the bad-input matrix, ThreadSanitizer and valgrind.
# See Documentation/testing.rst.
#
#   make check-fuzz        short fuzz per format + seed corpus and regressions
#   make check-iotlb       IOTLB-model suite (with negative tests)
#   make check-faults      every table allocation of every scenario fails in turn
#   make check-badinput    every ABI function x every invalid argument class
#   make check-tsan        concurrent maps / lookups under ThreadSanitizer
#   make check-valgrind    memcheck over the test binaries (and the KUnit runner)
#   make check-races       forced interleavings: a sync racing a map that replaced a table
#   make check-gathers     per-gather freelists: N-thread unmap stress, moved gathers (TSan, ASan)
#   make check-disjoint    TSan: disjoint neighbouring maps/unmaps on fresh tables; allocator
#   make check-lookup-race ASan, TSan: lookups racing table-replacing maps and other gathers' syncs
#   make check-incoherent  shadow-copy DMA-incoherent walker, allocation failure in
#                          contiguous-hint maps; create refuses incoherent without sync_table
#   make check-reentry     ptcore called from inside each callback (no lock held across them)
#   make check-misuse      wrong-handle gather on a reused frame
#   make check-valgrind-ops   memcheck over incoherent, reentry and misuse tests
#   make fuzz FUZZ_SECONDS=N [FUZZ_FORMATS="arm-s1 dart2"]   longer fuzzing

T_BUILD      := $(BUILD)/tests
T_FUZZ_BUILD := $(BUILD)/fuzz
T_CLANG      ?= clang
# The hardware-walk model and the oracle are the KUnit suites' (kunit/hw_walk.c,
# kunit/oracle.c: the one model and the one oracle of every test); they are
# kernel-compatible C and build against the userspace stand-ins of the kernel
# headers in kunit/harness/.
T_CFLAGS      = -std=gnu11 -O1 -g $(WARN) -Wno-sign-compare -Iinclude -Itests/lib -Ikunit/harness \
                -Ikunit
T_LIB_SRCS   := tests/lib/tcommon.c tests/lib/model.c tests/lib/iotlb.c tests/lib/fixture.c \
                tests/lib/fixture_calls.c kunit/hw_walk.c kunit/hw_walk_expect.c kunit/hw_walk_x86.c \
                kunit/oracle.c kunit/harness/kernel.c kunit/hw_walk_riscv.c kunit/hw_walk_amdv1.c \
                kunit/hw_walk_v7s.c
T_LIB_HDRS   := $(wildcard tests/lib/*.h) kunit/hw_walk.h kunit/hw_walk_bits.h kunit/hw_walk_x86.h \
                kunit/oracle.h kunit/hw_walk_riscv.h kunit/hw_walk_v7s.h \
                include/ptcore.h

FUZZ_SECONDS       ?= 60
FUZZ_CHECK_SECONDS ?= 15
FUZZ_FORMATS       ?= arm-s1 arm-s2 dart1 dart2 amdv1 vtdss x86-64 riscv arm-v7s
T_FUZZ_SAN  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
T_TSAN      := -fsanitize=thread

# Core libraries built with clang and a sanitizer (the Makefile's corelib rule).
# Every clang-built rule waits for the deps-TARGET that installs clang and its
# runtimes (the sanitizer targets all need the same packages; the fuzzer's
# also need libFuzzer).
$(eval $(call corelib,$(T_FUZZ_BUILD)/core,$(T_CLANG),-fsanitize=fuzzer-no-link $(T_FUZZ_SAN),deps-fuzz))
$(eval $(call corelib,$(T_BUILD)/tsan/core,$(T_CLANG),$(T_TSAN),deps-check-tsan))

T_VALGRIND_BINS := $(T_BUILD)/iotlb_test $(T_BUILD)/fault_test $(T_BUILD)/badinput_test \
                   $(T_BUILD)/fuzz_replay

# ---- gcc builds against build/libptcore.a ----
$(T_BUILD)/%_test: tests/%_test.c $(T_LIB_SRCS) $(T_LIB_HDRS) $(BUILD)/libptcore.a
	@mkdir -p $(dir $@)
	$(CC) $(T_CFLAGS) -o $@ $< $(T_LIB_SRCS) $(BUILD)/libptcore.a -lpthread

$(T_BUILD)/fuzz_replay: tests/fuzz/replay.c tests/fuzz/fuzz_ptcore.c $(T_LIB_SRCS) $(T_LIB_HDRS) \
		$(BUILD)/libptcore.a
	@mkdir -p $(dir $@)
	$(CC) $(T_CFLAGS) -o $@ tests/fuzz/replay.c tests/fuzz/fuzz_ptcore.c $(T_LIB_SRCS) \
		$(BUILD)/libptcore.a -lpthread

# ---- libFuzzer (clang, ASan + UBSan) ----
# Only the core carries libFuzzer's coverage instrumentation (fuzzer-no-link):
# coverage of ptcore guides the search; instrumenting the models would only
# slow every execution down (comparison tracing in their loops).
T_FUZZ_OBJS := $(patsubst %.c,$(T_FUZZ_BUILD)/obj/%.o,tests/fuzz/fuzz_ptcore.c $(T_LIB_SRCS))

$(T_FUZZ_BUILD)/obj/%.o: %.c $(T_LIB_HDRS) | deps-fuzz
	@mkdir -p $(dir $@)
	$(T_CLANG) $(T_CFLAGS) $(T_FUZZ_SAN) -c $< -o $@

$(T_FUZZ_BUILD)/fuzz_ptcore: $(T_FUZZ_OBJS) $(T_FUZZ_BUILD)/core/libptcore.a | deps-fuzz
	$(T_CLANG) -fsanitize=fuzzer $(T_FUZZ_SAN) -o $@ $(T_FUZZ_OBJS) \
		$(T_FUZZ_BUILD)/core/libptcore.a -lpthread

# The same target without libFuzzer's main, under ASan + UBSan, for replaying inputs.
$(T_FUZZ_BUILD)/fuzz_replay_asan: $(T_FUZZ_BUILD)/obj/tests/fuzz/replay.o $(T_FUZZ_OBJS) \
		$(T_FUZZ_BUILD)/core/libptcore.a | deps-fuzz
	$(T_CLANG) $(T_FUZZ_SAN) -o $@ $^ -lpthread

# ---- ThreadSanitizer ----
$(T_BUILD)/tsan/tsan_test: tests/tsan_test.c $(T_LIB_SRCS) $(T_LIB_HDRS) \
		$(T_BUILD)/tsan/core/libptcore.a | deps-check-tsan
	@mkdir -p $(dir $@)
	$(T_CLANG) $(T_CFLAGS) $(T_TSAN) -o $@ tests/tsan_test.c $(T_LIB_SRCS) \
		$(T_BUILD)/tsan/core/libptcore.a -lpthread

.PHONY: check-races check-fuzz check-iotlb check-faults check-badinput check-tsan check-valgrind fuzz \
	tests-build

tests-build: $(T_VALGRIND_BINS) $(T_FUZZ_BUILD)/fuzz_ptcore $(T_FUZZ_BUILD)/fuzz_replay_asan \
	$(T_BUILD)/tsan/tsan_test

check-fuzz: $(T_FUZZ_BUILD)/fuzz_ptcore $(T_FUZZ_BUILD)/fuzz_replay_asan | deps-check-fuzz
	@echo "replay: seed corpus and regression inputs (ASan + UBSan)"
	@$(T_FUZZ_BUILD)/fuzz_replay_asan tests/fuzz/corpus tests/fuzz/regress
	@set -e; for f in $(FUZZ_FORMATS); do \
		bash tests/fuzz/run.sh $(T_FUZZ_BUILD)/fuzz_ptcore $(T_FUZZ_BUILD) $$f \
			$(FUZZ_CHECK_SECONDS); done
	@echo "fuzzing $(FUZZ_FORMATS) for $(FUZZ_CHECK_SECONDS) s each found nothing"
	@echo "$(words $(FUZZ_FORMATS)) passed, 0 failed"

fuzz: $(T_FUZZ_BUILD)/fuzz_ptcore | deps-fuzz
	@set -e; for f in $(FUZZ_FORMATS); do \
		bash tests/fuzz/run.sh $(T_FUZZ_BUILD)/fuzz_ptcore $(T_FUZZ_BUILD) $$f \
			$(FUZZ_SECONDS); done

check-iotlb: $(T_BUILD)/iotlb_test
	$(T_BUILD)/iotlb_test

check-faults: $(T_BUILD)/fault_test
	$(T_BUILD)/fault_test

check-badinput: $(T_BUILD)/badinput_test
	$(T_BUILD)/badinput_test

# Forced interleavings (tests/race_test.c): a concurrent sync must not free a
# table a running map replaced before that map's flush (a core bug it found).
check-races: $(T_BUILD)/race_test
	$(T_BUILD)/race_test

check-tsan: $(T_BUILD)/tsan/tsan_test | deps-check-tsan
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" $(T_BUILD)/tsan/tsan_test

# The userspace KUnit runner (kunit/kunit.mk builds it as $(KUNIT_DIR)/ptcore_kunit).
T_KUNIT_RUNNER := $(if $(KUNIT_DIR),$(KUNIT_DIR)/ptcore_kunit)
T_VALGRIND := valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect

check-valgrind: $(T_VALGRIND_BINS) $(T_KUNIT_RUNNER) | deps-check-valgrind
	$(T_VALGRIND) $(T_BUILD)/badinput_test
	$(T_VALGRIND) $(T_BUILD)/iotlb_test --quick
	$(T_VALGRIND) $(T_BUILD)/fault_test
	$(T_VALGRIND) $(T_BUILD)/fuzz_replay tests/fuzz/corpus tests/fuzz/regress
	$(if $(T_KUNIT_RUNNER),$(T_VALGRIND) $(T_KUNIT_RUNNER) > $(T_BUILD)/kunit-valgrind.ktap && \
		echo "KUnit runner under valgrind: clean ($$(grep -c '^ *ok ' \
		$(T_BUILD)/kunit-valgrind.ktap) ok lines)")

CHECK_STEPS += check-badinput check-iotlb check-faults check-races check-fuzz check-tsan check-valgrind

# ---- Concurrency and DMA-incoherent tests of the per-gather design ----
#   make check-gathers     N-thread unmap stress with per-table bookkeeping, and the
#                          gather semantics (moved gathers, one gather's sync
#                          never frees another's tables), under TSan and ASan
T_ASAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
$(eval $(call corelib,$(T_BUILD)/asan/core,$(T_CLANG),$(T_ASAN),deps-check-gathers))

$(T_BUILD)/tsan/%_test: tests/%_test.c $(T_LIB_SRCS) $(T_LIB_HDRS) \
		$(T_BUILD)/tsan/core/libptcore.a | deps-check-tsan
	@mkdir -p $(dir $@)
	$(T_CLANG) $(T_CFLAGS) $(T_TSAN) -o $@ $< $(T_LIB_SRCS) $(T_BUILD)/tsan/core/libptcore.a \
		-lpthread

$(T_BUILD)/asan/%_test: tests/%_test.c $(T_LIB_SRCS) $(T_LIB_HDRS) \
		$(T_BUILD)/asan/core/libptcore.a | deps-check-gathers
	@mkdir -p $(dir $@)
	$(T_CLANG) $(T_CFLAGS) $(T_ASAN) -o $@ $< $(T_LIB_SRCS) $(T_BUILD)/asan/core/libptcore.a \
		-lpthread

T_TSAN_RUN := TSAN_OPTIONS="halt_on_error=1 exitcode=66"
T_ASAN_RUN := ASAN_OPTIONS="detect_leaks=1 abort_on_error=0" UBSAN_OPTIONS="halt_on_error=1"

.PHONY: check-gathers
check-gathers: $(T_BUILD)/tsan/gather_test $(T_BUILD)/asan/gather_test | deps-check-gathers
	$(T_TSAN_RUN) $(T_BUILD)/tsan/gather_test
	$(T_ASAN_RUN) $(T_BUILD)/asan/gather_test

#   make check-disjoint    TSan: maps and unmaps of disjoint neighbouring ranges
#                          sharing fresh tables; concurrent built-in allocator
.PHONY: check-disjoint
check-disjoint: $(T_BUILD)/tsan/disjoint_test | deps-check-disjoint
	$(T_TSAN_RUN) $(T_BUILD)/tsan/disjoint_test neighbours
	$(T_TSAN_RUN) $(T_BUILD)/tsan/disjoint_test alloc

#   make check-lookup-race ASan: lookups racing maps that replace tables while
#                          a third thread syncs other gathers
.PHONY: check-lookup-race
check-lookup-race: $(T_BUILD)/asan/lookup_race_test $(T_BUILD)/tsan/lookup_race_test | \
		deps-check-lookup-race
	$(T_ASAN_RUN) $(T_BUILD)/asan/lookup_race_test 3
	$(T_TSAN_RUN) $(T_BUILD)/tsan/lookup_race_test 2

#   make check-incoherent  DMA-incoherent walker on a shadow copy, allocation
#                          failure at every allocation of contiguous-hint maps;
#                          create refuses DMA_INCOHERENT without sync_table
# ptcore's own heap allocations fail on demand through --wrap.
T_WRAP_ALLOC := -Wl,--wrap=malloc -Wl,--wrap=calloc

$(T_BUILD)/incoherent_test: tests/incoherent_test.c $(T_LIB_SRCS) $(T_LIB_HDRS) $(BUILD)/libptcore.a
	@mkdir -p $(dir $@)
	$(CC) $(T_CFLAGS) -o $@ $< $(T_LIB_SRCS) $(BUILD)/libptcore.a -lpthread $(T_WRAP_ALLOC)

$(T_BUILD)/asan/incoherent_test: tests/incoherent_test.c $(T_LIB_SRCS) $(T_LIB_HDRS) \
		$(T_BUILD)/asan/core/libptcore.a | deps-check-incoherent
	@mkdir -p $(dir $@)
	$(T_CLANG) $(T_CFLAGS) $(T_ASAN) -o $@ $< $(T_LIB_SRCS) $(T_BUILD)/asan/core/libptcore.a \
		-lpthread $(T_WRAP_ALLOC)

.PHONY: check-incoherent
check-incoherent: $(T_BUILD)/incoherent_test $(T_BUILD)/asan/incoherent_test | \
		deps-check-incoherent
	$(T_BUILD)/incoherent_test
	$(T_ASAN_RUN) $(T_BUILD)/asan/incoherent_test

#   make check-reentry     ptcore called back from inside every callback (no
#                          callback runs with a ptcore lock held)
.PHONY: check-reentry
check-reentry: $(T_BUILD)/reentry_test $(T_BUILD)/asan/reentry_test | deps-check-reentry
	$(T_BUILD)/reentry_test
	$(T_ASAN_RUN) $(T_BUILD)/asan/reentry_test

#   make check-misuse      a gather of one handle refused by another that shares the
#                          allocator and saw the same frame before
.PHONY: check-misuse
check-misuse: $(T_BUILD)/misuse_test
	$(T_BUILD)/misuse_test

#   make check-valgrind-ops   memcheck over the caller-ops tests (shadow walker,
#                             re-entry, misuse): caller allocators, directory
.PHONY: check-valgrind-ops
check-valgrind-ops: $(T_BUILD)/incoherent_test $(T_BUILD)/reentry_test $(T_BUILD)/misuse_test | \
		deps-check-valgrind-ops
	$(T_VALGRIND) $(T_BUILD)/incoherent_test
	$(T_VALGRIND) $(T_BUILD)/reentry_test
	$(T_VALGRIND) $(T_BUILD)/misuse_test

CHECK_STEPS += check-gathers check-disjoint check-lookup-race check-incoherent check-reentry \
               check-misuse check-valgrind-ops
