// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Runs the fuzz target over files and directories without libFuzzer: the
 * committed seed corpus and every regression input (tests/fuzz/regress/).
 * Built with gcc for valgrind and with ASan+UBSan for `make check`.
 * Each input is one case; prints "N passed, M failed".
 */
#include <dirent.h>
#include <sys/stat.h>

#include "../lib/tcommon.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run_file(const char *path)
{
	static uint8_t buf[1 << 16];
	FILE *fp = fopen(path, "rb");
	size_t n;

	tc_case_begin();
	if (!fp) {
		TC_FAIL("cannot open %s", path);
		tc_case_end(path);
		return;
	}
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, n);
	tc_case_end(path);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_path(const char *path)
{
	struct stat st;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;
	DIR *d;

	if (stat(path, &st)) {
		fprintf(stderr, "replay: %s: no such file\n", path);
		tc_failed++;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	d = opendir(path);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "README"))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		names[n] = malloc(strlen(path) + strlen(de->d_name) + 2);
		sprintf(names[n++], "%s/%s", path, de->d_name);
	}
	if (d)
		closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp);
	for (i = 0; i < n; i++) {
		run_file(names[i]);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	int i;

	LLVMFuzzerInitialize(&argc, &argv);
	tc_abort_on_fail = 0;		/* count failing inputs instead of stopping */
	for (i = 1; i < argc; i++)
		run_path(argv[i]);
	return tc_summary();
}
