# SPDX-License-Identifier: GPL-2.0 OR MIT
#
#   make check-layers   the core's floors run one way (scripts/layers.py): no
#                       file of c/ includes or calls a floor above its own, and
#                       the include graph has no cycle. Always gcc: the call
#                       graph comes from gcc's -fcallgraph-info.

.PHONY: check-layers
check-layers: | deps-check-layers
	@python3 scripts/layers.py --cc gcc $(CORE_SRCS)

CHECK_STEPS += check-layers
