#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# ptcore under Linux's arm-smmu-v3 driver and QEMU's SMMUv3 model: arm64
# kernels cross-built from Debian's linux-source-6.12, with io-pgtable's
# ARM_64_LPAE_S1/S2 formats served by ptcore (kernel/io-pgtable-ptcore.c),
# booted under qemu-system-aarch64 -machine virt,iommu=smmuv3 with two
# virtio-blk-pci disks behind the SMMU, in strict and in lazy (DMA-FQ) mode.
#
# Usage: scripts/qemu_smmuv3.sh [granule...]    (default: 4k 16k 64k)
#
# Steps, each done only when needed:
#   - extract linux-source-6.12 once into $BUILD/linux-6.12 (linux_src.sh);
#   - place ptcore in it as lib/ptcore/ (symbolic links to this repository)
#     and hook the provider table of drivers/iommu/io-pgtable.c (a few
#     generated lines inside #ifdef CONFIG_IOMMU_IO_PGTABLE_PTCORE);
#   - per granule, an out-of-tree kernel in $BUILD/arm64/<granule>
#     from allnoconfig plus kernel/qemu-smmuv3.config;
#   - a static init (kernel/qemu/init.c), an uncompressed initramfs and
#     deterministic disk images;
#   - boots: each one's console log is checked on the host: both disks in
#     a DMA-translated IOMMU group of the expected type, vda's checksum equal
#     to the host's, vdb's write/read-back equal to the host's pattern (and
#     the image file after QEMU exits), ptcore named as the provider with
#     non-zero counters, an SMMU translation fault for the IOVA that was
#     deliberately left unmapped, and no kernel warning;
#   - one boot of the 4K kernel with KUnit enabled: ptcore's C suites and the
#     provider's suite (kernel/io-pgtable-ptcore-test.c), in that kernel.
#
# Ends with "qemu-smmuv3: N passed, 0 failed".
#
# Environment: BUILD (default build), JOBS (default 2), BOOT_TIMEOUT
# (seconds per boot, default 120), KUNIT_BOOT_TIMEOUT (default 900),
# PTCORE_KERNEL_CACHE: a directory outside the checkout that keeps the
# extracted tree and the kernel builds from one run (and one checkout) to
# the next, so that only ptcore's objects and the link are redone (CI sets
# it); runs that share it take turns. Default: both live in $BUILD.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${BUILD:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
jobs=${JOBS:-2}
boot_timeout=${BOOT_TIMEOUT:-120}
kunit_timeout=${KUNIT_BOOT_TIMEOUT:-900}
out=$build/qemu-smmuv3
# shellcheck source=scripts/kernel_cache.sh
. "$root/scripts/kernel_cache.sh"
kcache=$(kernel_cache_dir "$build")
kdirs=$kcache/arm64
cross=aarch64-linux-gnu-
granules=("$@")
[ ${#granules[@]} -eq 0 ] && granules=(4k 16k 64k)

passed=0
failed=0
failures=()
pass() { passed=$((passed + 1)); echo "  PASS    $*"; }
fail() { failed=$((failed + 1)); failures+=("$*"); echo "  FAIL    $*"; }

# The tree's lib/ptcore points at one checkout at a time: one run at a time.
kernel_cache_lock "$kcache/qemu-smmuv3.lock"
tree=$(LINUX_SOURCE_TARBALL=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.12.tar.xz} \
	bash "$root/scripts/linux_src.sh" "$kcache/linux-6.12")

# ---- ptcore in the tree (idempotent) ----
mkdir -p "$tree/lib/ptcore"
for f in Kbuild Kconfig c include kunit kernel; do
	if [ "$(readlink "$tree/lib/ptcore/$f" 2>/dev/null)" != "$root/$f" ]; then
		ln -sfn "$root/$f" "$tree/lib/ptcore/$f"
	fi
done
grep -qxF 'source "lib/ptcore/Kconfig"' "$tree/lib/Kconfig" ||
	printf '\nsource "lib/ptcore/Kconfig"\n' >>"$tree/lib/Kconfig"
grep -qxF 'obj-y += ptcore/' "$tree/lib/Makefile" ||
	printf '\nobj-y += ptcore/\n' >>"$tree/lib/Makefile"

# ---- the provider-table hook in drivers/iommu/io-pgtable.c ----
# Declarations before the table, and designated initialisers at its end
# that override the entries before them (io-pgtable.c is built with
# -Wno-override-init). Nothing changes without the Kconfig option.
iopgt=$tree/drivers/iommu/io-pgtable.c
if ! grep -q 'CONFIG_IOMMU_IO_PGTABLE_PTCORE' "$iopgt"; then
	awk '
	/^static const struct io_pgtable_init_fns \*$/ && !decl {
		print "#ifdef CONFIG_IOMMU_IO_PGTABLE_PTCORE"
		print "#include \"../../lib/ptcore/kernel/io-pgtable-ptcore.h\""
		print "#endif"
		decl = 1
	}
	/^io_pgtable_init_table\[/ { intable = 1 }
	intable && /^};$/ {
		print "#ifdef CONFIG_IOMMU_IO_PGTABLE_PTCORE"
		print "\t[ARM_64_LPAE_S1] = &ptcore_io_pgtable_arm_64_lpae_s1_init_fns,"
		print "\t[ARM_64_LPAE_S2] = &ptcore_io_pgtable_arm_64_lpae_s2_init_fns,"
		print "\t[APPLE_DART] = &ptcore_io_pgtable_apple_dart_init_fns,"
		print "\t[APPLE_DART2] = &ptcore_io_pgtable_apple_dart2_init_fns,"
		print "#endif"
		intable = 0
		hooked = 1
	}
	{ print }
	END { if (!decl || !hooked) exit 1 }
	' "$iopgt" >"$iopgt.ptcore" || {
		echo "qemu_smmuv3.sh: the provider table of $iopgt was not found" >&2
		exit 1
	}
	mv "$iopgt.ptcore" "$iopgt"
fi

# ---- kernels ----
kmake() {
	make -C "$tree" ARCH=arm64 CROSS_COMPILE=$cross O="$1" -j"$jobs" "${@:2}"
}

build_kernel() {
	local g=$1 dir=$kdirs/$1 frag=$kdirs/$1.config t0 t1 s
	mkdir -p "$dir"
	if ! cmp -s "$tree/.ptcore-stamp" "$dir/.ptcore-tree-stamp"; then
		find "$dir" -mindepth 1 -delete
		cp "$tree/.ptcore-stamp" "$dir/.ptcore-tree-stamp"
	fi
	kernel_cache_claim "$dir" "$root" lib/ptcore drivers/iommu/io-pgtable.o
	{
		cat "$root/kernel/qemu-smmuv3.config"
		case $g in
		4k) echo CONFIG_ARM64_4K_PAGES=y ;;
		16k) echo CONFIG_ARM64_16K_PAGES=y ;;
		64k) echo CONFIG_ARM64_64K_PAGES=y ;;
		esac
		# KUnit is built into every kernel and runs only with kunit.enable=1
		cat <<-EOF
		CONFIG_KUNIT=y
		# CONFIG_KUNIT_DEFAULT_ENABLED is not set
		CONFIG_PTCORE_KUNIT_TEST=y
		CONFIG_IOMMU_IO_PGTABLE_PTCORE_KUNIT_TEST=y
		EOF
	} >"$frag.new"
	if ! cmp -s "$frag.new" "$frag" || [ ! -f "$dir/.config" ]; then
		kmake "$dir" allnoconfig >/dev/null
		"$tree/scripts/kconfig/merge_config.sh" -m -O "$dir" "$dir/.config" "$frag.new" >/dev/null
		kmake "$dir" olddefconfig >/dev/null
		mv "$frag.new" "$frag"
	else
		rm -f "$frag.new"
	fi
	# every requested symbol survived
	while read -r s; do
		case $s in CONFIG_*=y) ;; *) continue ;; esac
		if ! grep -qxF "$s" "$dir/.config"; then
			echo "qemu_smmuv3.sh: $s did not survive olddefconfig ($g)" >&2
			return 1
		fi
	done <"$frag"
	echo "  KERNEL  arm64 $g in ${dir#"$root"/}"
	t0=$(date +%s)
	if ! kmake "$dir" Image >"$dir/build.log" 2>&1; then
		grep -E 'error|Error' "$dir/build.log" | head -n 30 >&2
		return 1
	fi
	t1=$(date +%s)
	if grep -E '(^|/)lib/ptcore/[^ ]*:[0-9]+:([0-9]+:)? (warning|error):' "$dir/build.log" >&2; then
		rm -rf "$dir/lib/ptcore"
		echo "qemu_smmuv3.sh: warnings in ptcore's sources ($g)" >&2
		return 1
	fi
	echo "  KERNEL  arm64 $g: $((t1 - t0))s"
}

# ---- init, initramfs, disks ----
mkdir -p "$out"
"${cross}gcc" -static -O2 -Wall -Wextra -Werror -Wl,--build-id=none \
	-o "$out/init" "$root/kernel/qemu/init.c"
python3 "$root/scripts/qemu_smmuv3_host.py" initramfs "$out/init" "$out/initramfs.cpio"
python3 "$root/scripts/qemu_smmuv3_host.py" disk "$out/vda.img"

boot() {
	local g=$1 mode=$2 dir=$kdirs/$1 log=$out/$1-$2.log cpu strict t0 t1 rc
	case $g in 16k) cpu=max,pauth-impdef=on ;; *) cpu=cortex-a57 ;; esac
	case $mode in strict) strict=1 ;; lazy) strict=0 ;; esac
	python3 "$root/scripts/qemu_smmuv3_host.py" blank "$out/vdb-$g-$mode.img"
	t0=$(date +%s.%N)
	rc=0
	timeout --foreground -k 5 "$boot_timeout" qemu-system-aarch64 \
		-machine virt,iommu=smmuv3,gic-version=3 -cpu "$cpu" -smp 1 -m 1G \
		-nographic -no-reboot -nic none -monitor none -serial stdio \
		-kernel "$dir/arch/arm64/boot/Image" -initrd "$out/initramfs.cpio" \
		-append "console=ttyAMA0 iommu.passthrough=0 iommu.strict=$strict panic=-1 rdinit=/init" \
		-drive if=none,file="$out/vda.img",format=raw,id=d0,readonly=on \
		-device virtio-blk-pci,drive=d0,iommu_platform=on,disable-legacy=on \
		-drive if=none,file="$out/vdb-$g-$mode.img",format=raw,id=d1 \
		-device virtio-blk-pci,drive=d1,iommu_platform=on,disable-legacy=on \
		</dev/null >"$log" 2>&1 || rc=$?
	t1=$(date +%s.%N)
	printf '  BOOT    arm64 %s %s: %.1fs (status %d), log %s\n' "$g" "$mode" \
		"$(echo "$t1 - $t0" | bc)" "$rc" "${log#"$root"/}"
	if python3 "$root/scripts/qemu_smmuv3_host.py" check "$log" "$mode" \
		"$out/vda.img" "$out/vdb-$g-$mode.img" | sed 's/^/    /'; then
		pass "boot $g $mode"
	else
		fail "boot $g $mode"
	fi
}

kunit_boot() {
	local g=$1 dir=$kdirs/$1 log=$out/$1-kunit.log cpu t0 t1 rc
	case $g in 16k) cpu=max,pauth-impdef=on ;; *) cpu=cortex-a57 ;; esac
	python3 "$root/scripts/qemu_smmuv3_host.py" blank "$out/vdb-$g-kunit.img"
	t0=$(date +%s)
	rc=0
	# the disks too: the provider's suite maps and unmaps in a virtio
	# device's live domain; QEMU traces the range invalidations it gets
	rm -f "$out/$g-kunit.trace"
	timeout --foreground -k 5 "$kunit_timeout" qemu-system-aarch64 \
		-machine virt,iommu=smmuv3,gic-version=3 -cpu "$cpu" -smp 1 -m 1G \
		-nographic -no-reboot -nic none -monitor none -serial stdio \
		-kernel "$dir/arch/arm64/boot/Image" -initrd "$out/initramfs.cpio" \
		-append "console=ttyAMA0 iommu.passthrough=0 iommu.strict=1 panic=-1 rdinit=/init kunit.enable=1" \
		-drive if=none,file="$out/vda.img",format=raw,id=d0,readonly=on \
		-device virtio-blk-pci,drive=d0,iommu_platform=on,disable-legacy=on \
		-drive if=none,file="$out/vdb-$g-kunit.img",format=raw,id=d1 \
		-device virtio-blk-pci,drive=d1,iommu_platform=on,disable-legacy=on \
		-trace smmuv3_s1_range_inval -D "$out/$g-kunit.trace" \
		</dev/null >"$log" 2>&1 || rc=$?
	t1=$(date +%s)
	echo "  KUNIT   arm64 $g: $((t1 - t0))s (status $rc), log ${log#"$root"/}"
	if python3 "$root/scripts/qemu_smmuv3_host.py" kunit "$log" "$out/$g-kunit.trace" |
	   sed 's/^/    /'; then
		pass "kunit $g"
	else
		fail "kunit $g"
	fi
}

for g in "${granules[@]}"; do
	case $g in 4k|16k|64k) ;; *) echo "qemu_smmuv3.sh: unknown granule '$g' (4k, 16k, 64k)" >&2; exit 2 ;; esac
	if ! build_kernel "$g"; then
		fail "kernel $g"
		continue
	fi
	boot "$g" strict
	boot "$g" lazy
	if [ "$g" = "${QEMU_SMMUV3_KUNIT:-4k}" ]; then
		kunit_boot "$g"
	fi
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "qemu-smmuv3: failed: ${failures[*]}"
fi
echo "qemu-smmuv3: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
