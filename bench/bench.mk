# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# bench/: the peer (io-pgtable-arm.c / io-pgtable-dart.c of Linux 6.1 and of
# Linux 6.12, both built in userspace against stand-in headers and linked
# side by side), the differential test against it, and the benchmark.
#
#   make check-peer   differential test, ptcore vs the peer (part of `make check`)
#   make bench        benchmark: table on stdout, $(BUILD)/bench/results.csv, ratios.png
#                     (BENCH_ARGS="-w concurrent" runs one group; bench -h lists them)
#
# The kernel sources are extracted once per version from Debian's
# linux-source-6.1 / linux-source-6.12 into $(BUILD)/peer/src-VERSION; they
# are never part of this repository.

PEER_VERSIONS := 6.1 6.12
PEER_BUILD    := $(BUILD)/peer
PEER_FILES    := io-pgtable-arm.c io-pgtable-arm.h io-pgtable-dart.c
BENCH_BUILD   := $(BUILD)/bench
# The symbol suffix of a version's objects: 6.12 -> v6_12 (see bench/peer/peer_kern.h).
peer_suffix    = v$(subst .,_,$(1))

# The peer is compiled with exactly the flags of the library it is compared with.
BENCH_OPT     ?= $(OPT) $(call vect_flags,$(CC))
# Our code: full warnings as errors. The stand-in kernel headers only for the peer's own files.
BENCH_CFLAGS  := -std=gnu11 $(BENCH_OPT) $(WARN) -Iinclude -Ibench/peer
PEER_CFLAGS   := $(BENCH_CFLAGS) -Ibench/peer/include
# The kernel files (included by peer_arm.c / peer_dart.c): warnings shown, never fatal.
PEER_KCFLAGS  := $(PEER_CFLAGS) -Wno-sign-compare -Wno-error

PEER_HDRS     := $(wildcard bench/peer/*.h bench/peer/include/*.h bench/peer/include/linux/*.h \
		   bench/peer/include/asm/*.h) include/ptcore.h
PEER_OBJS     := $(addprefix $(PEER_BUILD)/,peer.o peer_rt.o) \
		 $(foreach v,$(PEER_VERSIONS),$(PEER_BUILD)/$(v)/peer_arm.o $(PEER_BUILD)/$(v)/peer_dart.o)

.PHONY: bench-peer check-peer bench bench-run

# Per version: extract only the members needed, once (again only if the
# package is updated), and compile the two kernel files against them.
define peer_version_rules
$(PEER_BUILD)/src-$(1)/.extracted: $(wildcard /usr/src/linux-source-$(1).tar.xz) | deps-check-peer
	@test -r /usr/src/linux-source-$(1).tar.xz || { echo "bench: /usr/src/linux-source-$(1).tar.xz" \
		"is missing: apt-get install linux-source-$(1) (scripts/deps.sh does)"; exit 1; }
	@mkdir -p $(PEER_BUILD)/src-$(1)
	tar -xJf /usr/src/linux-source-$(1).tar.xz -C $(PEER_BUILD)/src-$(1) --strip-components=1 \
		$(addprefix linux-source-$(1)/drivers/iommu/,$(PEER_FILES))
	@touch $$@

$(PEER_BUILD)/$(1)/peer_arm.o $(PEER_BUILD)/$(1)/peer_dart.o: $(PEER_BUILD)/$(1)/%.o: bench/peer/%.c \
		$(PEER_BUILD)/src-$(1)/.extracted $(PEER_HDRS)
	@mkdir -p $$(dir $$@)
	$(CC) $(PEER_KCFLAGS) -DPEER_KSUFFIX=$(call peer_suffix,$(1)) \
		-I$(PEER_BUILD)/src-$(1)/drivers/iommu -c $$< -o $$@
endef
$(foreach v,$(PEER_VERSIONS),$(eval $(call peer_version_rules,$(v))))

$(PEER_BUILD)/peer.o $(PEER_BUILD)/peer_rt.o: $(PEER_BUILD)/%.o: bench/peer/%.c $(PEER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(PEER_CFLAGS) -c $< -o $@

$(PEER_BUILD)/difftest.o: bench/peer/difftest.c bench/peer/peer.h include/ptcore.h
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -c $< -o $@

$(PEER_BUILD)/difftest: $(PEER_BUILD)/difftest.o $(PEER_OBJS) $(BUILD)/libptcore.a
	$(CC) -o $@ $^ -lpthread

# ---- Linux 6.12's AMD IOMMU v2 table (amd/io_pgtable_v2.c) for PTCORE_FMT_X86_64 ----
# Extracted alone into a directory of its own, so that its quoted includes of the
# driver's headers find the stand-ins in bench/peer/include/amd_v2 (-iquote).
PEER_AMDV2_DIR := $(PEER_BUILD)/amd-v2-6.12

$(PEER_AMDV2_DIR)/.extracted: $(wildcard /usr/src/linux-source-6.12.tar.xz) | deps-check-peer
	@test -r /usr/src/linux-source-6.12.tar.xz || { echo "bench: /usr/src/linux-source-6.12.tar.xz" \
		"is missing: apt-get install linux-source-6.12 (scripts/deps.sh does)"; exit 1; }
	@mkdir -p $(PEER_AMDV2_DIR)
	tar -xJf /usr/src/linux-source-6.12.tar.xz -C $(PEER_AMDV2_DIR) --strip-components=4 \
		linux-source-6.12/drivers/iommu/amd/io_pgtable_v2.c
	@touch $@

$(PEER_BUILD)/peer_amd_v2.o: bench/peer/peer_amd_v2.c bench/peer/peer_amd_v2.h \
		$(PEER_AMDV2_DIR)/.extracted $(PEER_HDRS) $(wildcard bench/peer/include/amd_v2/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(PEER_KCFLAGS) -iquote bench/peer/include/amd_v2 -I$(PEER_AMDV2_DIR) -c $< -o $@

$(PEER_BUILD)/difftest_amd_v2.o: bench/peer/difftest_amd_v2.c bench/peer/peer_amd_v2.h \
		bench/peer/peer.h bench/peer/difftest_rng.h include/ptcore.h
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -c $< -o $@

$(PEER_BUILD)/difftest_amd_v2: $(PEER_BUILD)/difftest_amd_v2.o $(PEER_BUILD)/peer_amd_v2.o \
		$(PEER_BUILD)/peer_rt.o $(BUILD)/libptcore.a
	$(CC) -o $@ $^ -lpthread

bench-peer: $(PEER_OBJS)

# Differential test: every configuration against the peer of each version (6.1, 6.12),
# >= 10,000 random operations each, two workers.
check-peer: $(PEER_BUILD)/difftest $(PEER_BUILD)/difftest_amd_v2 | deps-check-peer
	$(PEER_BUILD)/difftest -j 2 -n 10000
	$(PEER_BUILD)/difftest_amd_v2 -n 10000

CHECK_STEPS += check-peer

# ---- benchmark ----

$(BENCH_BUILD)/bench.o: bench/bench.c bench/peer/peer.h bench/peer/peer_amd_v2.h include/ptcore.h \
		bench/peer/v7s/peer_v7s.h bench/peer/v7s/v7s_mem.h
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -c $< -o $@

# (V7SP_OBJS: the ARMv7s peer, mk/peer-v7s.mk)
$(BENCH_BUILD)/bench: $(BENCH_BUILD)/bench.o $(PEER_OBJS) $(PEER_BUILD)/peer_amd_v2.o \
		$(V7SP_OBJS) $(BUILD)/libptcore.a
	$(CC) -o $@ $^ -lpthread

# Its packages first (linux-source-6.1 and -6.12, gnuplot-nox, valgrind), then
# everything else in a new make, which sees the tarballs deps-bench may just have installed.
bench: | deps-bench
	@$(MAKE) --no-print-directory bench-run

bench-run: $(BENCH_BUILD)/bench
	$(BENCH_BUILD)/bench -o $(BENCH_BUILD)/results.csv $(BENCH_ARGS)
	@if command -v gnuplot >/dev/null; then \
		gnuplot -e "csv='$(BENCH_BUILD)/results.csv'; png='$(BENCH_BUILD)/ratios.png'" \
			bench/ratios.gp && echo "bench: plot in $(BENCH_BUILD)/ratios.png"; \
	else echo "bench: gnuplot not installed (apt-get install gnuplot-nox), no plot"; fi
