/*
 * jntpd-guest-tool: the small device probe the guest tier's tests run (built static, so it runs in the guest
 * and on the host alike). Output is one "key=value ..." line per sample, times in ns, for a test to parse.
 *
 *   timex                      adjtimex with modes=0 (read only): the clock state, on host or guest
 *   find pps|ptp NAME          the /dev path of the PPS source or PTP clock of that name (numbers vary)
 *   tsc-khz                    the TSC frequency measured against CLOCK_MONOTONIC_RAW over 200 ms, kHz
 *   clock CLOCK                CLOCK's time and CLOCK_REALTIME's, ns
 *   rtc DEV COUNT              RTC_RD_TIME, then COUNT update interrupts with the CLOCK_MONOTONIC_RAW and CLOCK_REALTIME
 *                              of each and the seconds the RTC then reads
 *   pps DEV COUNT [clear]      RFC 2783: caps, then COUNT events via PPS_FETCH (3 s timeout each)
 *   sysoff DEV COUNT           PTP_SYS_OFFSET_EXTENDED, PTP_SYS_OFFSET and PTP_SYS_OFFSET_PRECISE
 *   adjfreq CLOCK PPM          set CLOCK's frequency (guest only)
 *   step CLOCK NS              step CLOCK by NS (guest only)
 *   tick US                    set CLOCK_REALTIME's tick (10000 nominal, 9000..11000 = -10..+10%; guest only)
 *   udp-echo PORT COUNT SECS   echo COUNT UDP datagrams on 0.0.0.0:PORT, give up after SECS
 *
 * CLOCK is "realtime" or a PHC device path. Every command that changes a clock refuses to run unless the
 * kernel command line carries jntpd.guest=1 (set by native/guest/run-guest): the host clock is never touched.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/pps.h>
#include <linux/ptp_clock.h>
#include <linux/rtc.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_S 1000000000LL
#define FD_TO_CLOCKID(fd) ((clockid_t)((((unsigned int)~(fd)) << 3) | 3))

static int die(const char *what)
{
	fprintf(stderr, "jntpd-guest-tool: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int usage(void)
{
	fprintf(stderr, "usage: jntpd-guest-tool timex | find pps|ptp NAME | tsc-khz | clock CLOCK | rtc DEV COUNT | pps DEV COUNT [clear] |\n"
			"       sysoff DEV COUNT | adjfreq CLOCK PPM | step CLOCK NS | tick US |\n"
			"       udp-echo PORT COUNT SECS\n");
	return 2;
}

static long long now_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		die("clock_gettime");
	return ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* A clock named on the command line; a PHC stays open for the process's lifetime. */
static clockid_t clock_named(const char *name, int flags)
{
	int fd;

	if (strcmp(name, "realtime") == 0)
		return CLOCK_REALTIME;
	fd = open(name, flags);
	if (fd < 0)
		die(name);
	return FD_TO_CLOCKID(fd);
}

static void require_guest(void)
{
	char line[4096] = {0};
	FILE *f = fopen("/proc/cmdline", "r");

	if (f == NULL || fgets(line, sizeof(line), f) == NULL || strstr(line, "jntpd.guest=1") == NULL) {
		fprintf(stderr, "jntpd-guest-tool: refusing to change a clock outside the jntpd test guest\n");
		exit(3);
	}
	fclose(f);
}

static int cmd_timex(void)
{
	struct timex tx = {.modes = 0};
	int state = adjtimex(&tx);

	if (state < 0)
		die("adjtimex");
	printf("state=%d status=%d freq=%ld offset=%ld constant=%ld tick=%ld tai=%d maxerror=%ld esterror=%ld\n",
	       state, tx.status, tx.freq, tx.offset, tx.constant, tx.tick, tx.tai, tx.maxerror, tx.esterror);
	return 0;
}

static int cmd_find(const char *class, const char *name)
{
	char path[512], value[128];
	const char *attr = strcmp(class, "ptp") == 0 ? "clock_name" : "name";
	struct dirent *e;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/class/%s", class);
	dir = opendir(path);
	if (dir == NULL)
		die(path);
	while ((e = readdir(dir)) != NULL) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/%s/%s/%s", class, e->d_name, attr);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(value, sizeof(value), f) != NULL && strcmp(strtok(value, "\n"), name) == 0) {
			printf("/dev/%s\n", e->d_name);
			return 0;
		}
		fclose(f);
	}
	fprintf(stderr, "jntpd-guest-tool: no %s device named %s\n", class, name);
	return 1;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* A TSC reading and the raw clock at the same instant: the tightest of 20 brackets tsc, clock, tsc. */
static void tsc_and_raw(uint64_t *tsc, long long *raw_ns)
{
	uint64_t best_width = UINT64_MAX;

	for (int i = 0; i < 20; i++) {
		uint64_t before = rdtsc();
		long long ns = now_ns(CLOCK_MONOTONIC_RAW);
		uint64_t after = rdtsc();

		if (after - before < best_width) {
			best_width = after - before;
			*tsc = before + (after - before) / 2;
			*raw_ns = ns;
		}
	}
}

/* qemu's TCG hands the guest the host's TSC: the guest kernel gets this as tsc_early_khz instead of calibrating
 * against emulated timers, which a loaded host can skew by 10x (the refinement then rejects the right value as
 * more than 1 % off). */
static int cmd_tsc_khz(void)
{
	struct timespec pause = {.tv_nsec = 200000000};
	uint64_t tsc0, tsc1;
	long long raw0_ns, raw1_ns;

	tsc_and_raw(&tsc0, &raw0_ns);
	nanosleep(&pause, NULL);
	tsc_and_raw(&tsc1, &raw1_ns);
	printf("%.0f\n", (double)(tsc1 - tsc0) * 1e6 / (double)(raw1_ns - raw0_ns));
	return 0;
}

static int cmd_clock(const char *name)
{
	clockid_t id = clock_named(name, O_RDONLY);
	long long before = now_ns(CLOCK_REALTIME), t = now_ns(id), after = now_ns(CLOCK_REALTIME);

	printf("clock_ns=%lld realtime_before_ns=%lld realtime_after_ns=%lld\n", t, before, after);
	return 0;
}

static int cmd_rtc(const char *dev, int count)
{
	struct rtc_time tm;
	struct tm utc = {0};
	unsigned long data;
	int fd = open(dev, O_RDONLY);

	if (fd < 0)
		die(dev);
	if (ioctl(fd, RTC_RD_TIME, &tm) != 0)
		die("RTC_RD_TIME");
	utc.tm_sec = tm.tm_sec, utc.tm_min = tm.tm_min, utc.tm_hour = tm.tm_hour;
	utc.tm_mday = tm.tm_mday, utc.tm_mon = tm.tm_mon, utc.tm_year = tm.tm_year;
	printf("rtc_unix_s=%lld realtime_ns=%lld\n", (long long)timegm(&utc), now_ns(CLOCK_REALTIME));
	if (ioctl(fd, RTC_UIE_ON, 0) != 0)
		die("RTC_UIE_ON");
	for (int i = 0; i < count; i++) {
		long long raw, real;

		if (read(fd, &data, sizeof(data)) != sizeof(data))
			die("read rtc");
		raw = now_ns(CLOCK_MONOTONIC_RAW);
		real = now_ns(CLOCK_REALTIME);
		/* The seconds the RTC just ticked to: with realtime_ns, where its second begins on the system clock. */
		if (ioctl(fd, RTC_RD_TIME, &tm) != 0)
			die("RTC_RD_TIME");
		utc.tm_sec = tm.tm_sec, utc.tm_min = tm.tm_min, utc.tm_hour = tm.tm_hour;
		utc.tm_mday = tm.tm_mday, utc.tm_mon = tm.tm_mon, utc.tm_year = tm.tm_year;
		printf("uie=%d raw_ns=%lld irqs=%lu realtime_ns=%lld rtc_unix_s=%lld\n", i, raw, data >> 8, real,
		       (long long)timegm(&utc));
		fflush(stdout);
	}
	ioctl(fd, RTC_UIE_OFF, 0);
	return 0;
}

static long long pps_ns(const struct pps_ktime *t)
{
	return t->sec * NS_PER_S + t->nsec;
}

static int cmd_pps(const char *dev, int count, int clear)
{
	struct pps_kparams params;
	struct pps_fdata fd_data;
	int caps, fd = open(dev, O_RDWR);

	if (fd < 0)
		die(dev);
	if (ioctl(fd, PPS_GETCAP, &caps) != 0)
		die("PPS_GETCAP");
	if (ioctl(fd, PPS_GETPARAMS, &params) != 0)
		die("PPS_GETPARAMS");
	params.mode = PPS_CAPTUREASSERT | (clear ? PPS_CAPTURECLEAR : 0) | PPS_TSFMT_TSPEC;
	if (ioctl(fd, PPS_SETPARAMS, &params) != 0)
		die("PPS_SETPARAMS");
	printf("caps=0x%x api=%d\n", caps, params.api_version);
	for (int i = 0; i < count; i++) {
		memset(&fd_data, 0, sizeof(fd_data));
		fd_data.timeout.sec = 3;
		if (ioctl(fd, PPS_FETCH, &fd_data) != 0)
			die("PPS_FETCH");
		printf("assert_seq=%u assert_ns=%lld clear_seq=%u clear_ns=%lld realtime_ns=%lld\n",
		       fd_data.info.assert_sequence, pps_ns(&fd_data.info.assert_tu), fd_data.info.clear_sequence,
		       pps_ns(&fd_data.info.clear_tu), now_ns(CLOCK_REALTIME));
		fflush(stdout);
	}
	return 0;
}

static long long ptp_ns(const struct ptp_clock_time *t)
{
	return t->sec * NS_PER_S + t->nsec;
}

static int cmd_sysoff(const char *dev, int count)
{
	struct ptp_sys_offset_extended ext = {.n_samples = count};
	struct ptp_sys_offset basic = {.n_samples = count};
	struct ptp_sys_offset_precise precise;
	int fd = open(dev, O_RDONLY);

	if (fd < 0)
		die(dev);
	if (count < 1 || count > PTP_MAX_SAMPLES) {
		fprintf(stderr, "jntpd-guest-tool: COUNT must be 1..%d\n", PTP_MAX_SAMPLES);
		return 2;
	}
	if (ioctl(fd, PTP_SYS_OFFSET_EXTENDED, &ext) != 0)
		die("PTP_SYS_OFFSET_EXTENDED");
	for (int i = 0; i < count; i++)
		printf("kind=extended pre_ns=%lld phc_ns=%lld post_ns=%lld\n", ptp_ns(&ext.ts[i][0]),
		       ptp_ns(&ext.ts[i][1]), ptp_ns(&ext.ts[i][2]));
	if (ioctl(fd, PTP_SYS_OFFSET, &basic) != 0)
		die("PTP_SYS_OFFSET");
	for (int i = 0; i < count; i++)
		printf("kind=basic pre_ns=%lld phc_ns=%lld post_ns=%lld\n", ptp_ns(&basic.ts[2 * i]),
		       ptp_ns(&basic.ts[2 * i + 1]), ptp_ns(&basic.ts[2 * i + 2]));
	memset(&precise, 0, sizeof(precise));
	if (ioctl(fd, PTP_SYS_OFFSET_PRECISE, &precise) != 0)
		die("PTP_SYS_OFFSET_PRECISE");
	printf("kind=precise phc_ns=%lld realtime_ns=%lld raw_ns=%lld\n", ptp_ns(&precise.device),
	       ptp_ns(&precise.sys_realtime), ptp_ns(&precise.sys_monoraw));
	return 0;
}

static int cmd_adjfreq(const char *name, double ppm)
{
	struct timex tx = {.modes = ADJ_FREQUENCY, .freq = (long)(ppm * 65536.0)};

	require_guest();
	if (clock_adjtime(clock_named(name, O_RDWR), &tx) < 0)
		die("clock_adjtime(ADJ_FREQUENCY)");
	printf("freq=%ld\n", tx.freq);
	return 0;
}

static int cmd_step(const char *name, long long step)
{
	struct timex tx = {.modes = ADJ_SETOFFSET | ADJ_NANO};

	require_guest();
	tx.time.tv_sec = step / NS_PER_S;
	tx.time.tv_usec = step % NS_PER_S;
	if (tx.time.tv_usec < 0) {
		tx.time.tv_sec -= 1;
		tx.time.tv_usec += NS_PER_S;
	}
	if (clock_adjtime(clock_named(name, O_RDWR), &tx) < 0)
		die("clock_adjtime(ADJ_SETOFFSET)");
	printf("stepped_ns=%lld\n", step);
	return 0;
}

static int cmd_tick(long tick_us)
{
	struct timex tx = {.modes = ADJ_TICK, .tick = tick_us};

	require_guest();
	if (adjtimex(&tx) < 0)
		die("adjtimex(ADJ_TICK)");
	printf("tick=%ld\n", tx.tick);
	return 0;
}

static int cmd_udp_echo(int port, int count, int secs)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = INADDR_ANY};
	long long deadline = now_ns(CLOCK_MONOTONIC) + secs * NS_PER_S;
	char buf[2048];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
		die("udp bind");
	printf("listening port=%d\n", port);
	fflush(stdout);
	for (int echoed = 0; echoed < count;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		long long left = deadline - now_ns(CLOCK_MONOTONIC);
		struct sockaddr_in from;
		socklen_t from_len = sizeof(from);
		ssize_t n;

		if (left <= 0)
			return 4;
		if (poll(&p, 1, (int)(left / 1000000) + 1) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &from_len);
		if (n < 0)
			die("recvfrom");
		if (sendto(fd, buf, n, 0, (struct sockaddr *)&from, from_len) != n)
			die("sendto");
		printf("echoed bytes=%zd\n", n);
		fflush(stdout);
		echoed++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (strcmp(cmd, "timex") == 0 && argc == 2)
		return cmd_timex();
	if (strcmp(cmd, "find") == 0 && argc == 4)
		return cmd_find(argv[2], argv[3]);
	if (strcmp(cmd, "tsc-khz") == 0 && argc == 2)
		return cmd_tsc_khz();
	if (strcmp(cmd, "clock") == 0 && argc == 3)
		return cmd_clock(argv[2]);
	if (strcmp(cmd, "rtc") == 0 && argc == 4)
		return cmd_rtc(argv[2], atoi(argv[3]));
	if (strcmp(cmd, "pps") == 0 && (argc == 4 || (argc == 5 && strcmp(argv[4], "clear") == 0)))
		return cmd_pps(argv[2], atoi(argv[3]), argc == 5);
	if (strcmp(cmd, "sysoff") == 0 && argc == 4)
		return cmd_sysoff(argv[2], atoi(argv[3]));
	if (strcmp(cmd, "adjfreq") == 0 && argc == 4)
		return cmd_adjfreq(argv[2], atof(argv[3]));
	if (strcmp(cmd, "step") == 0 && argc == 4)
		return cmd_step(argv[2], atoll(argv[3]));
	if (strcmp(cmd, "tick") == 0 && argc == 3)
		return cmd_tick(atol(argv[2]));
	if (strcmp(cmd, "udp-echo") == 0 && argc == 5)
		return cmd_udp_echo(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	return usage();
}
