# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# make qemu-smmuv3: ptcore serving io-pgtable to Linux's arm-smmu-v3 driver,
# in arm64 6.12 kernels under QEMU's SMMUv3 model (scripts/qemu_smmuv3.sh).
# QEMU_SMMUV3_GRANULES picks the kernels (default: 4k 16k 64k).
# Not part of make check: .ci/run runs it after make check, with the kernel
# builds cached in PTCORE_KERNEL_CACHE (see scripts/qemu_smmuv3.sh).

QEMU_SMMUV3_GRANULES ?=

.PHONY: qemu-smmuv3
qemu-smmuv3: | deps-qemu-smmuv3
	@BUILD=$(BUILD) JOBS=$(or $(JOBS),2) bash scripts/qemu_smmuv3.sh $(QEMU_SMMUV3_GRANULES)
