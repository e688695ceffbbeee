# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# The ARMv7s peer (bench/peer/v7s): Linux 6.12's io-pgtable-arm-v7s.c with
# 6.12's io-pgtable.c as its registry, extracted from Debian's
# linux-source-6.12 into the build directory (never stored here), built in
# userspace against the stand-ins of bench/peer/v7s; its self-check, and
# its differential test against ptcore's PTCORE_FMT_ARM_V7S, both part of
# `make check-peer`.
#
#   make check-peer-v7s   the peer's self-check, then the differential test
#                         (V7SP_OPS random operations per configuration)

V7SP_BUILD   := $(BUILD)/peer/v7s-6.12
V7SP_SRC     := $(V7SP_BUILD)/src
V7SP_FILES   := io-pgtable.c io-pgtable-arm-v7s.c
V7SP_HDRS    := $(wildcard bench/peer/v7s/*.h bench/peer/v7s/include/linux/*.h \
		  bench/peer/v7s/include/asm/*.h) bench/peer/include/linux/io-pgtable.h \
		bench/peer/include/linux/iommu.h
# The v7s stand-ins first; io-pgtable.h and iommu.h are the ARM peer's.
V7SP_CFLAGS  := -std=gnu11 $(OPT) -Ibench/peer/v7s/include -Ibench/peer/include \
		-Ibench/peer/v7s -I$(V7SP_SRC)
V7SP_DFLAGS  := -std=gnu11 $(OPT) $(WARN) -Iinclude -Ibench/peer/v7s
V7SP_OBJS    := $(V7SP_BUILD)/peer_v7s.o $(V7SP_BUILD)/v7s_mem.o
# Number of random operations per configuration.
V7SP_OPS     ?= 10000

.PHONY: check-peer-v7s

$(V7SP_BUILD)/.extracted: $(wildcard /usr/src/linux-source-6.12.tar.xz) | deps-check-peer
	@test -r /usr/src/linux-source-6.12.tar.xz || { echo "peer-v7s:" \
		"/usr/src/linux-source-6.12.tar.xz is missing: apt-get install linux-source-6.12"; \
		exit 1; }
	@mkdir -p $(V7SP_SRC)
	tar -xJf /usr/src/linux-source-6.12.tar.xz -C $(V7SP_SRC) --strip-components=3 \
		$(addprefix linux-source-6.12/drivers/iommu/,$(V7SP_FILES))
	@touch $@

# The kernel files: their warnings are shown, never fatal. The flags of the
# library (the vectoriser's cost model too): make bench times this object.
$(V7SP_BUILD)/peer_v7s.o: bench/peer/v7s/peer_v7s.c $(V7SP_BUILD)/.extracted $(V7SP_HDRS)
	$(CC) $(V7SP_CFLAGS) $(call vect_flags,$(CC)) -Wall -Wno-sign-compare -c $< -o $@

$(V7SP_BUILD)/v7s_mem.o: bench/peer/v7s/v7s_mem.c bench/peer/v7s/v7s_mem.h
	@mkdir -p $(dir $@)
	$(CC) $(V7SP_DFLAGS) -c $< -o $@

$(V7SP_BUILD)/selfcheck_v7s: bench/peer/v7s/selfcheck_v7s.c $(V7SP_OBJS) $(V7SP_HDRS)
	$(CC) $(V7SP_DFLAGS) -o $@ $< $(V7SP_OBJS)

$(V7SP_BUILD)/difftest_v7s: bench/peer/v7s/difftest_v7s.c $(V7SP_OBJS) $(BUILD)/libptcore.a \
		$(V7SP_HDRS) bench/peer/difftest_rng.h include/ptcore.h
	$(CC) $(V7SP_DFLAGS) -o $@ $< $(V7SP_OBJS) $(BUILD)/libptcore.a -lpthread

# The differential test needs ptcore's format (c/fmt/arm_v7s.c); a tree
# without it builds the test and says that it did not run it.
check-peer-v7s: $(V7SP_BUILD)/selfcheck_v7s $(V7SP_BUILD)/difftest_v7s | deps-check-peer
	$(V7SP_BUILD)/selfcheck_v7s
ifneq ($(wildcard c/fmt/arm_v7s.c),)
	$(V7SP_BUILD)/difftest_v7s -n $(V7SP_OPS)
else
	@echo "check-peer-v7s: difftest_v7s built, not run: this tree has no c/fmt/arm_v7s.c"
endif

check-peer: check-peer-v7s
