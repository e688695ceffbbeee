# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Every target that needs packages installs them itself (scripts/deps.sh):
#
#   make deps-TARGET    what TARGET needs, installed only when missing (the
#                       Makefile's pattern rule; TARGET's own prerequisite)
#   make check-deps     each documented target knows its packages and installs
#                       them through its deps-TARGET step, which run alone
#                       installs nothing where all is there (scripts/check_deps.sh)

.PHONY: check-deps
check-deps:
	@MAKE="$(MAKE)" bash scripts/check_deps.sh "$(CHECK_STEPS)" "$(DEMO_STEPS)"

CHECK_STEPS += check-deps
