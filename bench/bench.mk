# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# bench/: the peer (Linux 6.1 io-pgtable-arm.c / io-pgtable-dart.c built in
# userspace against stand-in headers), the differential test against it, and
# the benchmark.
#
#   make check-peer   differential test, ptcore vs the peer (part of `make check`)
#   make bench        benchmark: table on stdout, $(BUILD)/bench/results.csv, ratios.png
#                     (BENCH_ARGS="-w concurrent" runs one group; bench -h lists them)
#
# The kernel sources are extracted once from Debian's linux-source-6.1 into
# $(BUILD)/peer/src; they are never part of this repository.

PEER_TARBALL  ?= /usr/src/linux-source-6.1.tar.xz
PEER_BUILD    := $(BUILD)/peer
PEER_KSRC     := $(PEER_BUILD)/src/drivers/iommu
PEER_STAMP    := $(PEER_BUILD)/src/.extracted
PEER_MEMBERS  := $(addprefix linux-source-6.1/drivers/iommu/,io-pgtable-arm.c io-pgtable-arm.h io-pgtable-dart.c)
BENCH_BUILD   := $(BUILD)/bench

# The peer is compiled with exactly the flags of the library it is compared with.
BENCH_OPT     ?= $(OPT) $(call vect_flags,$(CC))
# Our code: full warnings as errors. The stand-in kernel headers only for the peer's own files.
BENCH_CFLAGS  := -std=gnu11 $(BENCH_OPT) $(WARN) -Iinclude -Ibench/peer
PEER_CFLAGS   := $(BENCH_CFLAGS) -Ibench/peer/include
# The two kernel files (included by peer_arm.c / peer_dart.c): warnings shown, never fatal.
PEER_KCFLAGS  := $(PEER_CFLAGS) -Wno-sign-compare -Wno-error -I$(PEER_KSRC)

PEER_HDRS     := $(wildcard bench/peer/*.h bench/peer/include/linux/*.h bench/peer/include/asm/*.h) \
		 include/ptcore.h
PEER_OBJS     := $(addprefix $(PEER_BUILD)/,peer.o peer_rt.o peer_arm.o peer_dart.o)

.PHONY: bench-peer check-peer bench bench-run

# Extract only the members needed, once (again only if the package is updated).
$(PEER_STAMP): $(wildcard $(PEER_TARBALL)) | deps-check-peer
	@test -r $(PEER_TARBALL) || { echo "bench: $(PEER_TARBALL) is missing:" \
		"apt-get install linux-source-6.1 (scripts/deps.sh does)"; exit 1; }
	@mkdir -p $(PEER_BUILD)/src
	tar -xJf $(PEER_TARBALL) -C $(PEER_BUILD)/src --strip-components=1 $(PEER_MEMBERS)
	@touch $@

$(PEER_BUILD)/peer_arm.o $(PEER_BUILD)/peer_dart.o: $(PEER_BUILD)/%.o: bench/peer/%.c $(PEER_STAMP) $(PEER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(PEER_KCFLAGS) -c $< -o $@

$(PEER_BUILD)/peer.o $(PEER_BUILD)/peer_rt.o: $(PEER_BUILD)/%.o: bench/peer/%.c $(PEER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(PEER_CFLAGS) -c $< -o $@

$(PEER_BUILD)/difftest.o: bench/peer/difftest.c bench/peer/peer.h include/ptcore.h
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -c $< -o $@

$(PEER_BUILD)/difftest: $(PEER_BUILD)/difftest.o $(PEER_OBJS) $(BUILD)/libptcore.a
	$(CC) -o $@ $^ -lpthread

bench-peer: $(PEER_OBJS)

# Differential test: every configuration, >= 10,000 random operations each, two workers.
check-peer: $(PEER_BUILD)/difftest | deps-check-peer
	$(PEER_BUILD)/difftest -j 2 -n 10000

CHECK_STEPS += check-peer

# ---- benchmark ----

$(BENCH_BUILD)/bench.o: bench/bench.c bench/peer/peer.h include/ptcore.h
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -c $< -o $@

$(BENCH_BUILD)/bench: $(BENCH_BUILD)/bench.o $(PEER_OBJS) $(BUILD)/libptcore.a
	$(CC) -o $@ $^ -lpthread

# Its packages first (linux-source-6.1, gnuplot-nox), then everything else in a
# new make, which sees the tarball that deps-bench may just have installed.
bench: | deps-bench
	@$(MAKE) --no-print-directory bench-run

bench-run: $(BENCH_BUILD)/bench
	$(BENCH_BUILD)/bench -o $(BENCH_BUILD)/results.csv $(BENCH_ARGS)
	@if command -v gnuplot >/dev/null; then \
		gnuplot -e "csv='$(BENCH_BUILD)/results.csv'; png='$(BENCH_BUILD)/ratios.png'" \
			bench/ratios.gp && echo "bench: plot in $(BENCH_BUILD)/ratios.png"; \
	else echo "bench: gnuplot not installed (apt-get install gnuplot-nox), no plot"; fi
