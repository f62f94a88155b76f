/*
 * Where does an RTC's second begin after RTC_SET_TIME? For each write phase (0.1 .. 0.9 s into a second of
 * CLOCK_REALTIME) it writes the current whole second and prints when the RTC next ticks, found by polling RTC_RD_TIME
 * and by update interrupts. Research behind RtcSetter's comment; it sets the RTC, so it runs only inside the jntpd
 * test guest (native/guest), never on a host:
 *   gcc -O2 -static -o JOB/rtc_set_phase native/refclock/rtc_set_phase.c && echo /job/rtc_set_phase > JOB/cmd
 *   native/guest/run-guest JOB
 * Seen with Linux 6.1 rtc_cmos under qemu 7.2: with -cpu qemu64 (AMD vendor: Linux leaves the MC146818 divider alone)
 * the ticks stay at their old phase whatever the write phase; with vendor=GenuineIntel the first tick comes 500.0 ms
 * after the write.
 */
#include <fcntl.h>
#include <linux/rtc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long long rtc_seconds(int fd)
{
	struct rtc_time r;
	struct tm tm;
	if (ioctl(fd, RTC_RD_TIME, &r)) {
		perror("RTC_RD_TIME");
		exit(1);
	}
	memset(&tm, 0, sizeof tm);
	tm.tm_sec = r.tm_sec; tm.tm_min = r.tm_min; tm.tm_hour = r.tm_hour;
	tm.tm_mday = r.tm_mday; tm.tm_mon = r.tm_mon; tm.tm_year = r.tm_year;
	return timegm(&tm);
}

static int in_guest(void)
{
	char line[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");
	if (f) {
		if (!fgets(line, sizeof line, f))
			line[0] = 0;
		fclose(f);
	}
	return getenv("JNTPD_GUEST") && strstr(line, "jntpd.guest=1");
}

int main(void)
{
	if (!in_guest()) {
		fprintf(stderr, "rtc_set_phase sets the RTC: it runs only inside the jntpd test guest\n");
		return 2;
	}
	int fd = open("/dev/rtc0", O_RDWR);
	if (fd < 0) {
		perror("/dev/rtc0");
		return 1;
	}
	for (int phase_ms = 100; phase_ms < 1000; phase_ms += 200) {
		long long target = (now_ns() / 1000000000LL + 2) * 1000000000LL + phase_ms * 1000000LL;
		struct timespec ts = { target / 1000000000LL, target % 1000000000LL };
		clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL);
		while (now_ns() < target)
			;
		long long w = now_ns();
		time_t s = w / 1000000000LL;
		struct tm tm;
		struct rtc_time r;
		gmtime_r(&s, &tm);
		memset(&r, 0, sizeof r);
		r.tm_sec = tm.tm_sec; r.tm_min = tm.tm_min; r.tm_hour = tm.tm_hour;
		r.tm_mday = tm.tm_mday; r.tm_mon = tm.tm_mon; r.tm_year = tm.tm_year;
		if (ioctl(fd, RTC_SET_TIME, &r)) {
			perror("RTC_SET_TIME");
			return 1;
		}
		long long first = rtc_seconds(fd), prev = now_ns(), tick = 0, value = 0;
		for (;;) {
			long long v = rtc_seconds(fd), t = now_ns();
			if (v != first) {
				tick = (prev + t) / 2;
				value = v;
				break;
			}
			prev = t;
			if (t - w > 3000000000LL)
				break;
		}
		unsigned long data;
		long long irq = 0;
		if (ioctl(fd, RTC_UIE_ON, 0) == 0 && read(fd, &data, sizeof data) > 0 && read(fd, &data, sizeof data) > 0)
			irq = now_ns();
		ioctl(fd, RTC_UIE_OFF, 0);
		printf("write_phase_ms=%lld first_tick_after_write_ms=%.1f tick_value_minus_written=%lld "
		       "irq_phase_ms=%lld\n", (w % 1000000000LL) / 1000000, (tick - w) / 1e6, value - (long long)s,
		       irq ? (irq % 1000000000LL) / 1000000 : -1);
	}
	return 0;
}
