# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# The AMD IOMMU v1 peer (bench/peer/amd): Linux 6.12's
# drivers/iommu/amd/io_pgtable.c with the driver headers it includes,
# extracted from Debian's linux-source-6.12 into the build directory (never
# stored here), built in userspace against the stand-ins of bench/peer/amd,
# and its differential test against ptcore, part of `make check-peer`.
#
#   make check-peer-amdv1   the AMD v1 differential test alone

AMDP_BUILD   := $(BUILD)/peer/amd-6.12
AMDP_SRC     := $(AMDP_BUILD)/src/drivers/iommu/amd
AMDP_FILES   := io_pgtable.c amd_iommu_types.h amd_iommu.h
AMDP_HDRS    := $(wildcard bench/peer/amd/*.h bench/peer/amd/include/linux/*.h \
		  bench/peer/amd/include/asm/*.h) include/ptcore.h
AMDP_CFLAGS  := -std=gnu11 $(OPT) -Ibench/peer/amd/include -Ibench/peer/amd -I$(AMDP_SRC)
AMDP_DFLAGS  := -std=gnu11 $(OPT) $(WARN) -Iinclude -Ibench/peer/amd
# Number of random operations per configuration.
AMDP_OPS     ?= 10000

.PHONY: check-peer-amdv1

$(AMDP_BUILD)/.extracted: $(wildcard /usr/src/linux-source-6.12.tar.xz) | deps-check-peer
	@test -r /usr/src/linux-source-6.12.tar.xz || { echo "peer-amdv1:" \
		"/usr/src/linux-source-6.12.tar.xz is missing: apt-get install linux-source-6.12"; \
		exit 1; }
	@mkdir -p $(AMDP_BUILD)/src
	tar -xJf /usr/src/linux-source-6.12.tar.xz -C $(AMDP_BUILD)/src --strip-components=1 \
		$(addprefix linux-source-6.12/drivers/iommu/amd/,$(AMDP_FILES))
	@touch $@

# The kernel file: its warnings are shown, never fatal.
$(AMDP_BUILD)/peer_amdv1.o: bench/peer/amd/peer_amdv1.c $(AMDP_BUILD)/.extracted $(AMDP_HDRS)
	$(CC) $(AMDP_CFLAGS) -Wall -Wno-sign-compare -c $< -o $@

$(AMDP_BUILD)/difftest_amdv1: bench/peer/amd/difftest_amdv1.c $(AMDP_BUILD)/peer_amdv1.o \
		$(BUILD)/libptcore.a bench/peer/amd/peer_amdv1.h bench/peer/difftest_rng.h include/ptcore.h
	$(CC) $(AMDP_DFLAGS) -o $@ $< $(AMDP_BUILD)/peer_amdv1.o $(BUILD)/libptcore.a -lpthread

check-peer-amdv1: $(AMDP_BUILD)/difftest_amdv1 | deps-check-peer
	$(AMDP_BUILD)/difftest_amdv1 -n $(AMDP_OPS)

check-peer: check-peer-amdv1

# ---- the benchmark against the same peer: make bench-amdv1 (also part of make bench) ----

.PHONY: bench-amdv1

$(AMDP_BUILD)/bench_amdv1: bench/peer/amd/bench_amdv1.c $(AMDP_BUILD)/peer_amdv1.o \
		$(BUILD)/libptcore.a bench/peer/amd/peer_amdv1.h bench/peer/difftest_rng.h include/ptcore.h
	$(CC) $(AMDP_DFLAGS) -o $@ $< $(AMDP_BUILD)/peer_amdv1.o $(BUILD)/libptcore.a -lpthread

bench-amdv1: $(AMDP_BUILD)/bench_amdv1 | deps-check-peer
	@mkdir -p $(BUILD)/bench
	$(AMDP_BUILD)/bench_amdv1 -o $(BUILD)/bench/amdv1.csv $(AMDP_BENCH_ARGS)

bench-run: bench-amdv1
