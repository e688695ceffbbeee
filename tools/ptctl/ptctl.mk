# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# tools/ptctl: the driver author's CLI. Included by the top-level Makefile.
#   make $(BUILD)/ptctl   build it (part of `make`)
#   make demo-ptctl       run the bundled scenarios (part of `make demo`)
#   make check-ptctl      scenarios with expect lines, bad-script and failing-expect
#                         tests (part of `make check`)

PTCTL_SRCS   := tools/ptctl/ptctl.c tools/ptctl/script.c tools/ptctl/cmd.c tools/ptctl/ops.c \
                tools/ptctl/output.c tools/ptctl/dump.c tools/ptctl/dump_x86.c kunit/hw_walk.c \
                kunit/hw_walk_x86.c kunit/hw_walk_riscv.c kunit/hw_walk_amdv1.c \
                tools/ptctl/dump_v7s.c kunit/hw_walk_v7s.c \
                kunit/oracle.c kunit/harness/kernel.c
PTCTL_HDRS   := tools/ptctl/ptctl.h include/ptcore.h kunit/hw_walk.h kunit/hw_walk_bits.h \
                kunit/hw_walk_x86.h kunit/hw_walk_riscv.h kunit/hw_walk_v7s.h \
                kunit/oracle.h
# The dump walks through the hardware-walk model and maprange splits as the
# oracle does: kernel-compatible C from kunit/, built against the userspace
# stand-ins of the kernel headers (kunit/harness/).
PTCTL_CFLAGS := -std=gnu11 $(OPT) $(WARN) -Iinclude -Ikunit/harness -Ikunit $(EXTRA_CFLAGS)

# A few small files: compiled and linked in one step, no object directory.
$(BUILD)/ptctl: $(PTCTL_SRCS) $(PTCTL_HDRS) $(BUILD)/libptcore.a
	@mkdir -p $(dir $@)
	$(CC) $(PTCTL_CFLAGS) -o $@ $(PTCTL_SRCS) $(BUILD)/libptcore.a -lpthread

ALL_EXTRA += $(BUILD)/ptctl

.PHONY: ptctl demo-ptctl check-ptctl
ptctl: $(BUILD)/ptctl

demo-ptctl: $(BUILD)/ptctl
	$(BUILD)/ptctl tools/ptctl/demo.ptctl
	$(BUILD)/ptctl tools/ptctl/demo-dart.ptctl
	$(BUILD)/ptctl tools/ptctl/demo-free-empty.ptctl
	$(BUILD)/ptctl tools/ptctl/demo-riscv.ptctl

check-ptctl: $(BUILD)/ptctl
	@timeout 120 sh tools/ptctl/check.sh $(BUILD)/ptctl tools/ptctl

CHECK_STEPS += check-ptctl
DEMO_STEPS  += demo-ptctl
