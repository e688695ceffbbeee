// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * PID 1 of the make qemu-smmuv3 boots: a static arm64 program that does
 * real DMA through the SMMU and prints what the host checks.
 *
 *   DISK <name> pci=<bdf> group=<n> type=<iommu group type>
 *   CHECKSUM vda bytes=<n> fnv1a64=<hex>      (O_DIRECT reads of the whole disk)
 *   WRITE vdb bytes=<n> fnv1a64=<hex> readback=ok|BAD
 *   PTCORE <line of debugfs ptcore/io-pgtable>
 *   FAULT armed / FAULT read returned <r> | FAULT read still blocked
 *   INIT done
 *
 * The write pattern is a 64-bit LCG, little endian, seeded with
 * QS_SEED; scripts/qemu_smmuv3.sh computes the same bytes and checksums on
 * the host and checks vdb's image after QEMU has exited.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define QS_SEED		0x70746f7265736d6dULL
#define QS_WRITE_BYTES	(4u << 20)
#define QS_CHUNK	(1u << 20)

static uint64_t fnv1a64(uint64_t h, const unsigned char *p, size_t n)
{
	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}
#define FNV_INIT 0xcbf29ce484222325ULL

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* The PCI function behind a disk, its IOMMU group and the group's type. */
static void describe_disk(const char *name)
{
	char path[PATH_MAX + 32], real[PATH_MAX], grp[PATH_MAX], type[64] = "none";
	char *bdf, *g = "none";
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/block/%s/device/..", name);
	if (!realpath(path, real)) {
		say("DISK %s missing\n", name);
		return;
	}
	bdf = basename(real);
	snprintf(path, sizeof(path), "%s/iommu_group", real);
	n = readlink(path, grp, sizeof(grp) - 1);
	if (n > 0) {
		grp[n] = 0;
		g = basename(grp);
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/type", g);
		if (read_line(path, type, sizeof(type)))
			strcpy(type, "unknown");
	}
	say("DISK %s pci=%s group=%s type=%s\n", name, bdf, g, type);
}

static void *xbuf(size_t n)
{
	void *p;

	if (posix_memalign(&p, 4096, n)) {
		say("INIT out of memory\n");
		exit(1);
	}
	return p;
}

/* Reads in several sizes, so that maps of many page counts happen. */
static int checksum_disk(const char *dev)
{
	static const size_t sizes[] = { 4096, 65536, QS_CHUNK, 12288 };
	unsigned char *buf = xbuf(QS_CHUNK);
	uint64_t h = FNV_INIT, total = 0;
	unsigned int i = 0;
	int fd = open(dev, O_RDONLY | O_DIRECT);

	if (fd < 0) {
		say("CHECKSUM %s open failed: %s\n", dev, strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t r = read(fd, buf, sizes[i++ % 4]);

		if (r < 0) {
			say("CHECKSUM %s read failed at %" PRIu64 ": %s\n", dev, total, strerror(errno));
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		h = fnv1a64(h, buf, (size_t)r);
		total += (uint64_t)r;
	}
	close(fd);
	free(buf);
	say("CHECKSUM %s bytes=%" PRIu64 " fnv1a64=%016" PRIx64 "\n", basename((char *)dev), total, h);
	return 0;
}

static void pattern(unsigned char *p, size_t n, uint64_t *x)
{
	size_t i, j;

	for (i = 0; i < n; i += 8) {
		*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
		for (j = 0; j < 8; j++)
			p[i + j] = (unsigned char)(*x >> (8 * j));
	}
}

static int write_readback(const char *dev)
{
	unsigned char *w = xbuf(QS_WRITE_BYTES), *r = xbuf(QS_WRITE_BYTES);
	uint64_t x = QS_SEED, h;
	size_t off;
	int fd, ok;

	pattern(w, QS_WRITE_BYTES, &x);
	h = fnv1a64(FNV_INIT, w, QS_WRITE_BYTES);
	fd = open(dev, O_RDWR | O_DIRECT | O_SYNC);
	if (fd < 0) {
		say("WRITE %s open failed: %s\n", dev, strerror(errno));
		return -1;
	}
	/* 1 MiB writes, then reads of 256 KiB */
	for (off = 0; off < QS_WRITE_BYTES; off += QS_CHUNK)
		if (pwrite(fd, w + off, QS_CHUNK, (off_t)off) != QS_CHUNK) {
			say("WRITE %s failed at %zu: %s\n", dev, off, strerror(errno));
			return -1;
		}
	if (fsync(fd))
		say("WRITE %s fsync: %s\n", dev, strerror(errno));
	memset(r, 0, QS_WRITE_BYTES);
	for (off = 0; off < QS_WRITE_BYTES; off += QS_CHUNK / 4)
		if (pread(fd, r + off, QS_CHUNK / 4, (off_t)off) != QS_CHUNK / 4) {
			say("WRITE %s read-back failed at %zu: %s\n", dev, off, strerror(errno));
			return -1;
		}
	close(fd);
	ok = !memcmp(w, r, QS_WRITE_BYTES);
	say("WRITE %s bytes=%u fnv1a64=%016" PRIx64 " readback=%s\n", basename((char *)dev),
	    QS_WRITE_BYTES, h, ok ? "ok" : "BAD");
	free(w);
	free(r);
	return ok ? 0 : -1;
}

static void ptcore_stats(void)
{
	char line[512];
	FILE *f = fopen("/sys/kernel/debug/ptcore/io-pgtable", "r");

	if (!f) {
		say("PTCORE no debugfs file: %s\n", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f))
		say("PTCORE %s", line);
	fclose(f);
}

/*
 * The next map leaves its first page out: the device's next DMA (virtio's
 * request header) hits an IOVA with no translation, and the SMMU reports
 * it. The read never completes: it runs in a child that is left behind.
 */
static void fault(const char *dev)
{
	int fd = open("/sys/kernel/debug/ptcore/fault_next_map", O_WRONLY);
	pid_t pid;
	int i, st;

	if (fd < 0 || write(fd, "1", 1) != 1) {
		say("FAULT cannot arm: %s\n", strerror(errno));
		return;
	}
	close(fd);
	say("FAULT armed\n");
	pid = fork();
	if (pid == 0) {
		unsigned char *b = xbuf(4096);
		int d = open(dev, O_RDONLY | O_DIRECT);
		ssize_t r = d < 0 ? -1 : pread(d, b, 4096, 0);

		say("FAULT read returned %zd\n", r);
		_exit(0);
	}
	for (i = 0; i < 30; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return;
		sleep_ms(100);
	}
	say("FAULT read still blocked\n");
}

int main(void)
{
	int i;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	say("INIT start\n");

	for (i = 0; i < 50 && (access("/dev/vda", F_OK) || access("/dev/vdb", F_OK)); i++)
		sleep_ms(100);
	describe_disk("vda");
	describe_disk("vdb");
	checksum_disk("/dev/vda");
	write_readback("/dev/vdb");
	ptcore_stats();
	fault("/dev/vdb");
	sleep_ms(300);
	ptcore_stats();
	say("INIT done\n");
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
