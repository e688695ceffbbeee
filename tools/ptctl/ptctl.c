// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptctl: a small CLI for driver authors. Creates a ptcore table of any
 * supported format, replays a script of map/unmap/sync/translate commands
 * and shows every result, gather, flush callback and table free as it
 * happens, plus a decoded dump of the tree and the hardware register fields.
 *
 * Exit status: 0 all good; 1 an `expect` line disagreed or ptcore broke a
 * rule of its ABI (a table freed before its flush, a leak, ...); 2 bad
 * script or usage.
 *
 * Only the public include/ptcore.h is used. The files, by concern:
 *   ptctl.c    options, main, the end-of-run checks
 *   script.c   script parsing
 *   cmd.c      running the commands, `expect`
 *   ops.c      the table ops handed to ptcore (tracking and checks)
 *   output.c   formatting and the output layout, errors
 *   dump.c     dump, info, reachability, translation: raw table memory read
 *              through the hardware-walk model (kunit/hw_walk.c)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptctl.h"

struct ptctl S;
int expects_passed;

static struct ptcore_mem_stats baseline;

void cleanup(void)
{
	struct ptcore_mem_stats ms;

	out_break();
	if (S.t) {
		printf("[end]\n");
		destroy_table(&S, "end of script");
	}
	ptcore_mem_stats(&ms);
	if (ms.tables_live != baseline.tables_live)
		violation(&S, "ptcore_mem_stats: %" PRIu64 " blocks live at exit, %" PRIu64 " at start",
			  ms.tables_live, baseline.tables_live);
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: ptctl [options] [SCRIPT | -]\n"
"Replays a ptcore script (file, or stdin for '-' or no argument) and prints\n"
"every result, gather, flush and table free; see tools/ptctl/README.md.\n"
"\n"
"  -f, --format F     arm-s1 (default), arm-s2, dart, dart2, amdv1, vtdss, x86-64, riscv64,\n"
"                     arm-v7s\n"
"  -g, --granule G    4k, 16k, 64k (default: 4k for ARM and the 4K formats; 16k for DART)\n"
"      --ias N        input address bits (default 48 ARM and AMD v1, 32 DART)\n"
"      --oas N        output address bits (default 48 ARM, 36 DART, 42 DART2, 52 AMD)\n"
"  -p, --pgsizes L    4K,2M,... | all (incl. ARM contiguous sizes) | default\n"
"  -F, --features L   ns, s2fwb, bbml2, incoherent, free-empty, dirty (comma list)\n"
"  -e, --exec CMD     run CMD (repeatable) instead of a script\n"
"  -v, --verbose      also print sync_table calls and frees at destroy\n"
"  -q, --quiet        print nothing but errors\n"
"  -h, --help\n"
"The table options apply until the script's first `table` command.\n"
"Exit status: 0 ok, 1 an expect failed or ptcore broke its ABI, 2 bad script/usage.\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "granule", required_argument, NULL, 'g' },
		{ "ias", required_argument, NULL, 'I' },
		{ "oas", required_argument, NULL, 'O' },
		{ "pgsizes", required_argument, NULL, 'p' },
		{ "features", required_argument, NULL, 'F' },
		{ "exec", required_argument, NULL, 'e' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct script sc;
	enum rkind lastk = R_NONE;
	static char *execbuf;
	size_t execlen = 0;
	const char *msg;
	int opt, quiet = 0;

	cmdline_cfg.cfg.format = PTCORE_FMT_ARM64_LPAE_S1;
	while ((opt = getopt_long(argc, argv, "f:g:p:F:e:vqh", lo, NULL)) != -1) {
		const char *key = NULL;

		switch (opt) {
		case 'f': key = "format"; break;
		case 'g': key = "granule"; break;
		case 'I': key = "ias"; break;
		case 'O': key = "oas"; break;
		case 'p': key = "pgsizes"; break;
		case 'F': key = "features"; break;
		case 'e': {
			size_t l = strlen(optarg);
			char *nb = realloc(execbuf, execlen + l + 2);

			if (!nb)
				return 2;
			execbuf = nb;
			memcpy(execbuf + execlen, optarg, l);
			execlen += l;
			execbuf[execlen++] = '\n';
			execbuf[execlen] = 0;
			break;
		}
		case 'v': S.verbose = 1; break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (key) {
			msg = apply_key(&cmdline_cfg, key, optarg);
			if (msg) {
				fprintf(stderr, "ptctl: --%s %s: %s\n", key, optarg, msg);
				return 2;
			}
		}
	}
	tcfg_finish(&cmdline_cfg);

	if (execbuf) {
		if (optind < argc) {
			fprintf(stderr, "ptctl: give either -e commands or a script, not both\n");
			return 2;
		}
		sc.file = "-e";
		parse_buffer(&sc, execbuf, 1, &lastk);
	} else {
		const char *name = optind < argc ? argv[optind] : "-";
		FILE *f = strcmp(name, "-") ? fopen(name, "r") : stdin;
		char *buf;

		if (optind + 1 < argc) {
			usage(stderr);
			return 2;
		}
		if (!f) {
			fprintf(stderr, "ptctl: %s: %s\n", name, strerror(errno));
			return 2;
		}
		sc.file = f == stdin ? "<stdin>" : name;
		buf = read_all(f, sc.file);
		if (f != stdin)
			fclose(f);
		parse_buffer(&sc, buf, 1, &lastk);
		free(buf);
	}

	if (quiet && !freopen("/dev/null", "w", stdout))
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	ptcore_mem_stats(&baseline);
	run(&S, &sc);
	cleanup();
	printf("summary: %zu commands, %d expect%s passed, %" PRIu64 " flush%s, tables allocated %"
	       PRIu64 " freed %" PRIu64 ", %d violation%s\n", sc.n, expects_passed,
	       expects_passed == 1 ? "" : "s", S.flushes, S.flushes == 1 ? "" : "es", S.allocs, S.frees,
	       S.violations, S.violations == 1 ? "" : "s");
	script_free(&sc);
	free(execbuf);
	free(S.recs);
	free(S.fl);
	return S.violations ? 1 : 0;
}
