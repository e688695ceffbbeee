# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# The ABI only grows: libptcore.so against a committed baseline, by abidiff
# (Debian's abigail-tools). Included by the top-level Makefile.
#
#   make abi-check      abidiff abi/libptcore.so.1.abi against build/libptcore.so:
#                       additions pass, anything incompatible fails
#   make abi-baseline   rewrite the baseline from this build (after an addition
#                       has been reviewed; abi-check must pass first)
#
# abidiff's exit status is a bit set: 4 = the ABI changed, 8 = incompatibly.

ABI_BASELINE := abi/libptcore.so.1.abi
ABI_BUILD    := $(BUILD)/abi
# No paths of the build machine and no source locations in the XML: the
# baseline must not change when a header line moves.
ABIDW_FLAGS  := --no-corpus-path --no-comp-dir-path --no-show-locs --type-id-style hash \
                --drop-private-types --headers-dir include

.PHONY: abi-check abi-baseline

$(ABI_BUILD)/libptcore.so.1.abi: $(BUILD)/libptcore.so.$(VERSION) include/ptcore.h | deps-abi-check
	@mkdir -p $(@D)
	abidw $(ABIDW_FLAGS) --out-file $@ $<

abi-check: $(ABI_BUILD)/libptcore.so.1.abi | deps-abi-check
	@rc=0; abidiff $(ABI_BASELINE) $< > $(ABI_BUILD)/abidiff.txt || rc=$$?; \
	sed 's/^/  /' $(ABI_BUILD)/abidiff.txt; \
	if [ $$((rc & 8)) -ne 0 ] || [ $$((rc & 3)) -ne 0 ]; then \
		echo "abi-check: libptcore.so breaks the ABI of $(ABI_BASELINE) (abidiff status $$rc)"; \
		exit 1; fi; \
	if [ $$rc -eq 4 ]; then \
		rrc=0; abidiff $< $(ABI_BASELINE) > /dev/null || rrc=$$?; \
		if [ $$((rrc & 8)) -eq 0 ]; then \
			echo "abi-check: abidiff does not see the additions as removals the other way round"; \
			exit 1; fi; \
		echo "abi-check: the ABI grew (compatible); 'make abi-baseline' records it"; \
	else echo "abi-check: the ABI is exactly the baseline's"; fi; \
	echo "abi-check: 1 passed, 0 failed"

abi-baseline: abi-check | deps-abi-baseline
	cp $(ABI_BUILD)/libptcore.so.1.abi $(ABI_BASELINE)

CHECK_STEPS += abi-check
