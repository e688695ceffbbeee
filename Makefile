# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# ptcore: every entry point. `make` builds the userspace library and tools,
# `make demo` shows ptcore at work, `make check` runs every test.
#
# Each area adds its own rules in a fragment (kunit/kunit.mk, tools/ptctl/ptctl.mk,
# rust-bindings/rust.mk, bench/bench.mk, scripts/kernel.mk, ...) and appends
# its check target to CHECK_STEPS and its demo target to DEMO_STEPS.
#
# A target that needs packages beyond gcc, make and cargo installs them
# itself, only when missing: its prerequisite deps-TARGET runs
# scripts/deps.sh TARGET, which knows what each target needs.

CC       ?= cc
ifeq ($(origin CC),default)
CC       := gcc
endif
AR       ?= ar
BUILD    ?= build
PREFIX   ?= /usr/local
VERSION  := 1.0.0
SOVER    := 1

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter
OPT      ?= -O2 -g
# gcc's default -O2 vectoriser cost model leaves the loops that write and
# scan runs of entries scalar; clang's does not. (The kernel never uses SIMD.)
# $(call vect_flags,COMPILER); a rule asks when its recipe runs, not when make
# reads this file: by then a deps-TARGET prerequisite may have installed COMPILER.
vect_flags = $(if $(findstring clang,$(shell $(1) --version 2>/dev/null)),,-fvect-cost-model=dynamic)
# -fno-semantic-interposition: the ABI functions may call each other inline
# (nobody interposes one of them under the library).
CFLAGS_LIB := -std=gnu11 $(OPT) $(WARN) -fPIC -fvisibility=hidden -fno-semantic-interposition \
	      -Iinclude -Ic $(EXTRA_CFLAGS)

CORE_SRCS := c/ptcore.c c/pt_mem.c c/os/os_user.c c/fmt/arm_lpae.c c/fmt/dart.c \
             c/fmt/riscv.c c/fmt/arm_lpa2.c \
             c/fmt/vtdss.c c/fmt/x86_64.c c/fmt/amdv1.c \
             c/fmt/arm_v7s.c
CORE_HDRS := $(wildcard include/*.h c/*.h c/os/*.h c/fmt/*.h)

CHECK_STEPS :=
DEMO_STEPS  :=

.PHONY: all lib demo check deps install clean
all: lib

# ---- the core library (a build per compiler/flags set lives in its own dir) ----
define corelib
# $(1) = build dir, $(2) = compiler, $(3) = extra cflags, $(4) = the deps-TARGET
# that installs the compiler (order-only: make -j waits for it)
$(1)/obj/%.o: %.c $(CORE_HDRS) | $(4)
	@mkdir -p $$(dir $$@)
	$(2) $(CFLAGS_LIB) $$(call vect_flags,$(2)) $(3) -c $$< -o $$@
$(1)/libptcore.a: $(patsubst %.c,$(1)/obj/%.o,$(CORE_SRCS))
	@rm -f $$@
	$(AR) rcs $$@ $$^
endef
$(eval $(call corelib,$(BUILD),$(CC),))

$(BUILD)/libptcore.so.$(VERSION): $(patsubst %.c,$(BUILD)/obj/%.o,$(CORE_SRCS)) c/ptcore.map
	$(CC) -shared -Wl,-soname,libptcore.so.$(SOVER) -Wl,--version-script=c/ptcore.map \
		-o $@ $(filter %.o,$^) -lpthread
$(BUILD)/libptcore.so.$(SOVER): $(BUILD)/libptcore.so.$(VERSION)
	ln -sf libptcore.so.$(VERSION) $@
$(BUILD)/libptcore.so: $(BUILD)/libptcore.so.$(SOVER)
	ln -sf libptcore.so.$(SOVER) $@
$(BUILD)/ptcore.pc: c/ptcore.pc.in Makefile
	@mkdir -p $(BUILD)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

lib: $(BUILD)/libptcore.a $(BUILD)/libptcore.so $(BUILD)/ptcore.pc

# deps-TARGET: install what TARGET needs (scripts/deps.sh TARGET), only what is missing.
deps-%:
	@bash scripts/deps.sh $*

# What make check needs, in one apt-get (each step also installs its own).
deps:
	@bash scripts/deps.sh $(CHECK_STEPS)

-include $(sort $(wildcard mk/*.mk)) kunit/kunit.mk tools/ptctl/ptctl.mk rust-bindings/rust.mk \
	bench/bench.mk scripts/kernel.mk tests/tests.mk

all: $(ALL_EXTRA)

demo: lib
	@set -e; for s in $(DEMO_STEPS); do $(MAKE) --no-print-directory $$s; done

# Each step runs in turn; a failing step fails the check.
check: deps lib
	@set -e; for s in $(CHECK_STEPS); do \
		echo "=== make $$s"; $(MAKE) --no-print-directory $$s; done; \
	echo "=== make check: all steps passed ($(CHECK_STEPS))"; \
	echo "check: $(words $(CHECK_STEPS)) passed, 0 failed"

install: lib
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/ptcore.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(BUILD)/libptcore.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libptcore.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libptcore.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libptcore.so.$(SOVER)
	ln -sf libptcore.so.$(SOVER) $(DESTDIR)$(PREFIX)/lib/libptcore.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' c/ptcore.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/ptcore.pc

clean:
	rm -rf $(BUILD)
