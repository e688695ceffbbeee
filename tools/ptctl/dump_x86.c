// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptctl: how the dump and info commands show the x86-style formats,
 * x86-64 paging (AMD IOMMU v2, VT-d first stage) and the VT-d second stage
 * (bit names from the architecture documents, see Documentation/formats.rst).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ptctl.h"

#define X86_RW		(1ULL << 1)
#define X86_US		(1ULL << 2)
#define X86_PWT		(1ULL << 3)
#define X86_PCD		(1ULL << 4)
#define X86_A		(1ULL << 5)
#define X86_D		(1ULL << 6)
#define X86_PS		(1ULL << 7)
#define X86_XD		(1ULL << 63)
#define VTD_R		(1ULL << 0)
#define VTD_W		(1ULL << 1)
#define VTD_X		(1ULL << 2)
#define VTD_PS		(1ULL << 7)
#define VTD_A		(1ULL << 8)
#define VTD_D		(1ULL << 9)
#define VTD_SNP		(1ULL << 11)

int fmt_is_x86(uint32_t fmt)
{
	return fmt == PTCORE_FMT_X86_64 || fmt == PTCORE_FMT_VTDSS;
}

static void add(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

void x86_attrs(uint32_t fmt, int table, uint64_t a, char *buf, size_t len)
{
	uint64_t known;

	buf[0] = 0;
	if (fmt == PTCORE_FMT_VTDSS) {
		known = VTD_R | VTD_W | VTD_X | VTD_PS | VTD_A | VTD_D | VTD_SNP;
		add(buf, len, " %c%c%s", (a & VTD_R) ? 'r' : '-', (a & VTD_W) ? 'w' : '-',
		    (a & VTD_X) ? "x" : "");
		if (!table && (a & VTD_PS))
			add(buf, len, " PS");
		if (a & VTD_SNP)
			add(buf, len, " SNP");
		if (a & VTD_A)
			add(buf, len, " A");
		if (a & VTD_D)
			add(buf, len, " D");
	} else {
		known = 1 | X86_RW | X86_US | X86_PWT | X86_PCD | X86_A | X86_D | X86_PS | X86_XD;
		add(buf, len, " P %s %s", (a & X86_RW) ? "rw" : "ro", (a & X86_US) ? "user" : "sup");
		if (!table && (a & X86_PS))
			add(buf, len, " PS");
		if (a & X86_PWT)
			add(buf, len, " PWT");
		if (a & X86_PCD)
			add(buf, len, " PCD");
		if (a & X86_A)
			add(buf, len, " A");
		if (a & X86_D)
			add(buf, len, " D");
		if (a & X86_XD)
			add(buf, len, " XD");
	}
	if (a & ~known)
		add(buf, len, " other=0x%" PRIx64, a & ~known);
}

void x86_info(const struct ptcore_hw_info *hw)
{
	if (hw->format == PTCORE_FMT_VTDSS)
		printf("  second stage: AW=%u (%u-level, %u-bit AGAW), SLPTPTR pa=0x%" PRIx64 "\n",
		       hw->mode, hw->mode + 2, 30 + 9 * hw->mode, hw->root[0]);
	else
		printf("  x86-64 paging: %u levels (mode %u, %u-bit input), root (GCR3/FLPTR) "
		       "pa=0x%" PRIx64 "\n", hw->levels, hw->mode, 12 + 9 * hw->levels,
		       hw->root[0]);
}
