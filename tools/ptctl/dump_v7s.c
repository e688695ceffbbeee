// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptctl: how the dump and info commands show the ARM short descriptor
 * (PTCORE_FMT_ARM_V7S), with the bit names of the ARMv7 Architecture
 * Reference Manual (see Documentation/formats.rst).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ptctl.h"

static void add(char *buf, size_t len, const char *s)
{
	size_t used = strlen(buf);

	if (used < len)
		snprintf(buf + used, len - used, "%s", s);
}

/*
 * @attrs: the entry without its address. @first: a first-level entry
 * (page-table pointer, section, supersection), else a small or large page.
 */
void v7s_attrs(int first, int table, uint64_t attrs, char *buf, size_t len)
{
	unsigned int shift = first ? 10 : 4, a = (unsigned int)(attrs >> shift) & 0xff, tex;
	int large = !first && !(attrs & 2), xn;
	char tmp[64];

	buf[0] = 0;
	if (table) {
		if (attrs & (1u << 3))
			add(buf, len, " NS");
		return;
	}
	tex = large ? (unsigned int)(attrs >> 12) & 7 : (a >> 2) & 7;
	xn = first ? !!(attrs & (1u << 4)) : large ? !!(attrs & (1u << 15)) : (int)(attrs & 1);
	snprintf(tmp, sizeof(tmp), " %s%s AP=%u%u%u TEX=%u%s%s%s%s%s",
		 first ? (attrs & (1u << 18) ? "supersection" : "section") :
			 large ? "large" : "small",
		 xn ? " XN" : "", !!(a & 0x20), !!(a & 2), a & 1, tex,
		 attrs & 8 ? " C" : "", attrs & 4 ? " B" : "", a & 0x40 ? " S" : "",
		 a & 0x80 ? " nG" : "", first && (attrs & (1u << 19)) ? " NS" : "");
	add(buf, len, tmp);
}

/* TTBR0 as Linux's arm_v7s_cfg.ttbr (see struct ptcore_hw_info), TTBCR, PRRR and NMRR. */
void v7s_info(const struct ptcore_hw_info *hw)
{
	uint64_t ttbr = hw->root[0] | (uint64_t)(hw->arm_sh & 1) << 1 |
			(uint64_t)(hw->arm_sh & 2) << 4 | (uint64_t)(hw->arm_orgn & 3) << 3 |
			(uint64_t)(hw->arm_irgn & 1) << 6 | (uint64_t)(hw->arm_irgn & 2) >> 1;

	printf("  levels %u (first 4096 x 1M, second 256 x 4K), root pa=0x%" PRIx64 "\n",
	       hw->levels, hw->root[0]);
	printf("  TTBR0 = 0x%08" PRIx64 " (S=%u NOS=%u RGN=%u IRGN=%u)  TTBCR = 0 (N=0)\n",
	       ttbr, hw->arm_sh & 1, (hw->arm_sh >> 1) & 1, hw->arm_orgn, hw->arm_irgn);
	printf("  PRRR = 0x%08" PRIx32 "  NMRR = 0x%08" PRIx32 "\n", (uint32_t)hw->arm_mair,
	       (uint32_t)(hw->arm_mair >> 32));
}
