/*
 * libc test double for org.jntpd.platform.Libc (selected with -Djntpd.native.shim=PATH): CLOCK_REALTIME reads a
 * fixed time, ioctl(RTC_RD_TIME) on any descriptor returns a fixed RTC time; every other call goes on to libc
 * (dlsym(RTLD_NEXT)). The RTC_RD_TIME match compares the full unsigned long request, so it only fires when the
 * Java side passes 0x80247009 without sign extension.
 *
 * Build: gcc -shared -fPIC -o libfixed_clock_shim.so fixed_clock_shim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <linux/rtc.h>

#define FIXED_SEC 2085978496L /* 2036-02-07T06:28:16Z, NTP era 1 begins */
#define FIXED_NSEC 123456789L

int clock_gettime(clockid_t clock, struct timespec *ts) {
    static int (*next)(clockid_t, struct timespec *);
    if (clock == CLOCK_REALTIME) {
        ts->tv_sec = FIXED_SEC;
        ts->tv_nsec = FIXED_NSEC;
        return 0;
    }
    if (!next) {
        next = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    }
    return next(clock, ts);
}

int ioctl(int fd, unsigned long request, ...) {
    static int (*next)(int, unsigned long, ...);
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (request == (unsigned long)RTC_RD_TIME) {
        struct rtc_time *tm = arg;
        memset(tm, 0, sizeof *tm);
        tm->tm_year = 136; /* 2036 */
        tm->tm_mon = 1;    /* February */
        tm->tm_mday = 7;
        tm->tm_hour = 6;
        tm->tm_min = 28;
        tm->tm_sec = 16;
        return 0;
    }
    if (!next) {
        next = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
    }
    return next(fd, request, arg);
}
