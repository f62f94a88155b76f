/*
 * Tests libjntpd_vclock.so the way the JVM uses it: dlopen(RTLD_LAZY | RTLD_LOCAL) and dlsym on that handle.
 * Usage: test_vclock PATH/libjntpd_vclock.so
 *
 * Every scenario runs in its own forked child (the shim reads its environment when it is loaded), all in parallel.
 * Children that run the virtual clock carry a seccomp filter that kills them on clock_settime, settimeofday,
 * adjtimex and clock_adjtime: the shim must never reach the host clock. The parent compares the host's adjtimex state
 * before and after. Output: one "ok"/"FAIL" line per check, then "vclock: N scenarios, M failed"; exit status 0 when
 * nothing failed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/net_tstamp.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL
#define US 1000LL
#define MS 1000000LL

static const char *shim_path;
static const char *scenario = "main";
static int failures;

/* ---- reporting: one write() per line, so parallel children never interleave within a line ---- */

static void vline(const char *tag, const char *fmt, va_list ap)
{
    char buf[1024];
    int n = snprintf(buf, sizeof(buf), "%s %s: ", tag, scenario);
    n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
    if (n > (int)sizeof(buf) - 2)
        n = (int)sizeof(buf) - 2;
    buf[n++] = '\n';
    ssize_t w = write(STDOUT_FILENO, buf, (size_t)n);
    (void)w;
}

static void check(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(ok ? "ok  " : "FAIL", fmt, ap);
    va_end(ap);
    if (!ok)
        failures++;
}

static void check_near(const char *what, double value, double expected, double tolerance, const char *unit)
{
    check(value >= expected - tolerance && value <= expected + tolerance, "%s = %.4f %s (expected %.4f +- %.4f)",
            what, value, unit, expected, tolerance);
}

/* ---- the shim, resolved from its own handle as FFM's SymbolLookup.libraryLookup does ---- */

static struct {
    int (*clock_gettime)(clockid_t, struct timespec *);
    int (*clock_adjtime)(clockid_t, struct timex *);
    int (*clock_settime)(clockid_t, const struct timespec *);
    int (*adjtimex)(struct timex *);
    int (*adjtime)(const struct timeval *, struct timeval *);
    int (*settimeofday)(const struct timeval *, const void *);
    int (*gettimeofday)(struct timeval *, void *);
    ssize_t (*recvmsg)(int, struct msghdr *, int);
    int (*recvmmsg)(int, struct mmsghdr *, unsigned int, int, struct timespec *);
    int (*ntp_gettimex)(struct ntptimeval *);
    int64_t (*offset_ns)(void);
    int64_t (*true_ns)(void);
    int (*sendmmsg)(int, struct mmsghdr *, unsigned int, int);
    int (*faults_configure)(const char *);
    long (*faults_calls)(const char *);
} shim;

static void *must_sym(void *h, const char *name)
{
    void *p = dlsym(h, name);
    if (p == NULL) {
        check(false, "dlsym(%s): %s", name, dlerror());
        exit(1);
    }
    return p;
}

static void load_shim(void)
{
    void *h = dlopen(shim_path, RTLD_LAZY | RTLD_LOCAL);
    if (h == NULL) {
        check(false, "dlopen(%s): %s", shim_path, dlerror());
        exit(1);
    }
    shim.clock_gettime = must_sym(h, "clock_gettime");
    shim.clock_adjtime = must_sym(h, "clock_adjtime");
    shim.clock_settime = must_sym(h, "clock_settime");
    shim.adjtimex = must_sym(h, "adjtimex");
    shim.adjtime = must_sym(h, "adjtime");
    shim.settimeofday = must_sym(h, "settimeofday");
    shim.gettimeofday = must_sym(h, "gettimeofday");
    shim.recvmsg = must_sym(h, "recvmsg");
    shim.recvmmsg = must_sym(h, "recvmmsg");
    shim.ntp_gettimex = must_sym(h, "ntp_gettimex");
    shim.offset_ns = must_sym(h, "jntpd_vclock_offset_ns");
    shim.true_ns = must_sym(h, "jntpd_vclock_true_ns");
    shim.sendmmsg = must_sym(h, "sendmmsg");
    shim.faults_configure = must_sym(h, "jntpd_faults_configure");
    shim.faults_calls = must_sym(h, "jntpd_faults_calls");
}

/* ---- clocks ---- */

static int64_t ts_ns(const struct timespec *ts) { return (int64_t)ts->tv_sec * NS + ts->tv_nsec; }

static int64_t host_now(clockid_t id)  /* this program is not linked to the shim: libc's clock_gettime */
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts_ns(&ts);
}

static int64_t virt_now(clockid_t id)
{
    struct timespec ts;
    shim.clock_gettime(id, &ts);
    return ts_ns(&ts);
}

static void sleep_ns(int64_t ns)
{
    struct timespec ts = { .tv_sec = ns / NS, .tv_nsec = ns % NS };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* V - T with T bracketed by two host readings; the narrowest bracket of several wins (the VM stalls at times). */
struct sample {
    int64_t t;  /* host CLOCK_REALTIME = true time, ns */
    int64_t d;  /* virtual minus true, ns */
};

static struct sample sample_vt(void)
{
    struct sample best = { 0, 0 };
    int64_t best_width = INT64_MAX;
    for (int i = 0; i < 9; i++) {
        int64_t t1 = host_now(CLOCK_REALTIME);
        int64_t v = virt_now(CLOCK_REALTIME);
        int64_t t2 = host_now(CLOCK_REALTIME);
        if (t2 - t1 < best_width) {
            best_width = t2 - t1;
            best.t = t1 + (t2 - t1) / 2;
            best.d = v - best.t;
        }
    }
    return best;
}

/* Rate error of the virtual clock against true time over interval_ns, in ppm. */
static double measure_ppm(int64_t interval_ns)
{
    struct sample a = sample_vt();
    sleep_ns(interval_ns);
    struct sample b = sample_vt();
    return (double)(b.d - a.d) / (double)(b.t - a.t) * 1e6;
}

/* Sleeps until margin_ns after the next whole second of the virtual clock. */
static void sleep_past_virtual_second(int64_t margin_ns)
{
    int64_t v = virt_now(CLOCK_REALTIME);
    sleep_ns(NS - v % NS + margin_ns);
}

static int adj(struct timex *tx) { return shim.clock_adjtime(CLOCK_REALTIME, tx); }

static int adj_read(struct timex *tx)
{
    memset(tx, 0, sizeof(*tx));
    return adj(tx);
}

static int adj_freq_ppm(long ppm)
{
    struct timex tx = { .modes = ADJ_FREQUENCY, .freq = ppm * 65536 };
    return adj(&tx);
}

/* ---- the guard: no clock-changing syscall may leave a child running the shim ---- */

static void install_guard(bool allow_clock_adjtime)
{
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clock_settime, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_settimeofday, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_adjtimex, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clock_adjtime, allow_clock_adjtime ? 0 : 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    };
    struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
        check(false, "cannot install the seccomp guard: %s", strerror(errno));
        exit(1);
    }
}

/* The guard itself must bite, or the children's survival would prove nothing: this child must die by SIGSYS. */
static void scenario_guard(void)
{
    install_guard(false);
    struct timex tx = { .modes = 0 };
    syscall(SYS_adjtimex, &tx);
    check(false, "a read-only adjtimex survived the seccomp guard");
}

/* ---- scenarios ---- */

static void scenario_rate(void)
{
    int64_t before_load = host_now(CLOCK_REALTIME);
    load_shim();
    struct sample s = sample_vt();
    double since_load_s = (double)(s.t - before_load) / NS;
    check(s.d >= 300 * MS - 2 * US && s.d <= 300 * MS + (int64_t)(since_load_s * 50e3) + 2 * US,
            "initial V - T = %.9f s (configured 0.3 s, plus 50 ppm of the %.6f s since load)", (double)s.d / NS,
            since_load_s);
    check_near("rate error as configured", measure_ppm(500 * MS), 50.0, 1.0, "ppm");

    int64_t m1 = host_now(CLOCK_MONOTONIC), mv = virt_now(CLOCK_MONOTONIC), m2 = host_now(CLOCK_MONOTONIC);
    check(m1 <= mv && mv <= m2, "CLOCK_MONOTONIC passes through (%lld within [%lld, %lld])", (long long)mv,
            (long long)m1, (long long)m2);

    struct timex tx;
    int rc = adj_read(&tx);
    check(rc == TIME_ERROR && tx.status == STA_UNSYNC && tx.freq == 0 && tx.tick == 10000 && tx.constant == 2
                    && tx.maxerror == 16000000 && tx.esterror == 16000000 && tx.tolerance == 32768000
                    && tx.precision == 1 && tx.tai == 0 && tx.offset == 0,
            "boot state: rc %d status 0x%x freq %ld tick %ld constant %ld maxerror %ld tolerance %ld tai %d", rc,
            tx.status, tx.freq, tx.tick, tx.constant, tx.maxerror, tx.tolerance, tx.tai);

    rc = adj_freq_ppm(-50);
    adj_read(&tx);
    check(rc == TIME_ERROR && tx.freq == -50 * 65536, "ADJ_FREQUENCY -50 ppm: rc %d, reads back %ld", rc, tx.freq);
    check_near("rate error after ADJ_FREQUENCY -50 ppm", measure_ppm(500 * MS), -0.0025, 1.0, "ppm");
    adj_freq_ppm(600);
    adj_read(&tx);
    check(tx.freq == 500 * 65536, "ADJ_FREQUENCY 600 ppm is clamped to 500 ppm (%ld)", tx.freq);
    adj_freq_ppm(-50);

    tx = (struct timex){ .modes = ADJ_TICK, .tick = 10001 };
    rc = adj(&tx);
    check(rc == TIME_ERROR && tx.tick == 10001, "ADJ_TICK 10001: rc %d, tick %ld", rc, tx.tick);
    check_near("rate error with tick 10001 us", measure_ppm(500 * MS), 100.0, 1.0, "ppm");
    tx = (struct timex){ .modes = ADJ_TICK, .tick = 8999 };
    rc = adj(&tx);
    int e1 = errno;
    tx = (struct timex){ .modes = ADJ_TICK, .tick = 11001 };
    int rc2 = adj(&tx);
    check(rc == -1 && e1 == EINVAL && rc2 == -1 && errno == EINVAL, "ADJ_TICK outside 9000..11000 is EINVAL");
    tx = (struct timex){ .modes = ADJ_TICK, .tick = 10000 };
    adj(&tx);

    /* with the rate error cancelled to -0.0025 ppm, V - T moves by far less than 1 ns between two calls */
    struct sample a = sample_vt();
    int64_t d1 = shim.offset_ns();
    tx = (struct timex){ .modes = ADJ_SETOFFSET | ADJ_NANO, .time = { .tv_sec = 1, .tv_usec = 500000000 } };
    rc = adj(&tx);
    int64_t d2 = shim.offset_ns();
    int64_t pre = (int64_t)tx.time.tv_sec * NS + tx.time.tv_usec;
    check(rc == TIME_ERROR && llabs(pre - (a.t + a.d)) < 50 * MS,
            "ADJ_SETOFFSET returns the time before the step (%lld ns after the last reading)",
            (long long)(pre - (a.t + a.d)));
    check(llabs(d2 - d1 - 1500 * MS) <= 2, "ADJ_SETOFFSET|ADJ_NANO +1.5 s steps by %lld ns", (long long)(d2 - d1));
    tx = (struct timex){ .modes = ADJ_SETOFFSET, .time = { .tv_sec = -1, .tv_usec = 250001 } };
    rc = adj(&tx);
    int64_t d3 = shim.offset_ns();
    check(llabs(d3 - d2 + 749999 * US) <= 2, "ADJ_SETOFFSET (us) -0.749999 s steps by %lld ns", (long long)(d3 - d2));
    tx = (struct timex){ .modes = ADJ_SETOFFSET | ADJ_NANO, .time = { .tv_sec = 0, .tv_usec = 1000000000 } };
    rc = adj(&tx);
    e1 = errno;
    tx = (struct timex){ .modes = ADJ_SETOFFSET, .time = { .tv_sec = 0, .tv_usec = -1 } };
    rc2 = adj(&tx);
    check(rc == -1 && e1 == EINVAL && rc2 == -1 && errno == EINVAL,
            "ADJ_SETOFFSET with tv_usec out of range is EINVAL");

    tx = (struct timex){ .modes = ADJ_OFFSET, .offset = 5000 };
    adj(&tx);
    adj_read(&tx);
    check(tx.offset == 0 && tx.freq == -50 * 65536, "plain ADJ_OFFSET without STA_PLL is ignored (offset %ld)",
            tx.offset);

    struct sample b;
    a = sample_vt();
    tx = (struct timex){ .modes = ADJ_OFFSET_SINGLESHOT, .offset = 600 };
    rc = adj(&tx);
    check(rc == TIME_ERROR && tx.offset == 0, "ADJ_OFFSET_SINGLESHOT 600 us returns the previous slew (%ld)",
            tx.offset);
    sleep_past_virtual_second(50 * MS);
    check_near("rate during the adjtime() slew", measure_ppm(600 * MS), 500.0, 2.0, "ppm");
    tx = (struct timex){ .modes = ADJ_OFFSET_SS_READ };
    adj(&tx);
    check(tx.offset == 100, "ADJ_OFFSET_SS_READ after one second of slewing: %ld us left (expected 100)", tx.offset);
    sleep_past_virtual_second(50 * MS);  /* the last 100 us run in this second */
    sleep_past_virtual_second(50 * MS);
    b = sample_vt();
    /* as in the kernel, a slewed second ends after 1 s of the clock itself, i.e. early: 500 us then 100 us of
       slew gain 500 * (1 - 500e-6) + 100 * (1 - 100e-6) = 599.74 us against true time */
    check_near("phase gained by the whole slew", (double)(b.d - a.d) / US, 599.74, 1.0, "us");
    struct timeval delta = { .tv_sec = 0, .tv_usec = -300 }, old;
    int r1 = shim.adjtime(&delta, &old);
    int r2 = shim.adjtime(NULL, &old);
    check(r1 == 0 && r2 == 0 && old.tv_sec == 0 && old.tv_usec == -300, "adjtime() -300 us reads back %ld s %ld us",
            (long)old.tv_sec, (long)old.tv_usec);
    delta.tv_usec = 0;
    shim.adjtime(&delta, NULL);

    tx = (struct timex){ .modes = ADJ_TAI, .constant = 37 };
    adj(&tx);
    int64_t tai = virt_now(CLOCK_TAI), utc = virt_now(CLOCK_REALTIME);
    check(tai - utc > 37 * NS - MS && tai - utc <= 37 * NS, "CLOCK_TAI = virtual UTC + 37 s after ADJ_TAI (%lld ns)",
            (long long)(tai - utc));
    struct ntptimeval ntv;
    rc = shim.ntp_gettimex(&ntv);
    adj_read(&tx);  /* like glibc, ntp_gettimex copies timex.time verbatim: ns since an ADJ_NANO set STA_NANO */
    int64_t ntv_minus_v = (int64_t)ntv.time.tv_sec * NS + ntv.time.tv_usec * (tx.status & STA_NANO ? 1 : US)
            - virt_now(CLOCK_REALTIME);
    check(rc == TIME_ERROR && ntv.tai == 37 && ntv_minus_v <= 0 && ntv_minus_v > -MS,
            "ntp_gettimex reads the virtual clock (rc %d, tai %ld, %lld ns)", rc, ntv.tai, (long long)ntv_minus_v);
    tx = (struct timex){ .modes = ADJ_FREQUENCY };
    rc = shim.clock_adjtime(CLOCK_TAI, &tx);
    check(rc == -1 && errno == EOPNOTSUPP, "clock_adjtime(CLOCK_TAI) is EOPNOTSUPP, as in the kernel");
    tx = (struct timex){ .modes = ADJ_FREQUENCY };
    rc = shim.clock_adjtime(CLOCK_MONOTONIC, &tx);
    check(rc == -1 && errno == EPERM, "clock_adjtime(CLOCK_MONOTONIC, modes != 0) is refused with EPERM");

    struct timespec set = { .tv_sec = 1893456000, .tv_nsec = 250000000 };  /* 2030-01-01 00:00:00.25 */
    rc = shim.clock_settime(CLOCK_REALTIME, &set);
    int64_t now = virt_now(CLOCK_REALTIME) - ts_ns(&set);
    check(rc == 0 && now >= 0 && now < 50 * MS, "clock_settime(CLOCK_REALTIME) sets the virtual clock (+%lld ns)",
            (long long)now);
    struct timeval tv = { .tv_sec = 1924992000, .tv_usec = 0 };  /* 2031-01-01 */
    rc = shim.settimeofday(&tv, NULL);
    shim.gettimeofday(&tv, NULL);
    check(rc == 0 && tv.tv_sec == 1924992000, "settimeofday/gettimeofday on the virtual clock (%ld)", (long)tv.tv_sec);
    set.tv_sec = 1;
    rc = shim.clock_settime(CLOCK_REALTIME, &set);
    e1 = errno;
    rc2 = shim.clock_settime(CLOCK_MONOTONIC, &set);
    check(rc == -1 && e1 == EINVAL && rc2 == -1 && errno == EINVAL,
            "clock_settime below CLOCK_MONOTONIC, or of another clock, is EINVAL");
}

static void scenario_pll(void)
{
    load_shim();
    struct timex tx = { .modes = ADJ_STATUS | ADJ_NANO | ADJ_TIMECONST, .status = STA_PLL, .constant = 0 };
    int rc = adj(&tx);
    check(rc == TIME_OK && tx.status == (STA_PLL | STA_NANO) && tx.constant == 0,
            "STA_PLL, ADJ_NANO, time constant 0: rc %d status 0x%x constant %ld", rc, tx.status, tx.constant);
    tx = (struct timex){ .modes = ADJ_OFFSET, .offset = 1000000 };
    adj(&tx);
    long first_sec = tx.time.tv_sec;
    check(tx.offset == 1000000 && tx.freq == 0, "ADJ_OFFSET 1 ms under STA_PLL: offset %ld ns, freq %ld", tx.offset,
            tx.freq);
    sleep_past_virtual_second(50 * MS);
    adj_read(&tx);
    check(tx.offset == 750000, "one second later 3/4 of the phase is left: %ld ns", tx.offset);
    check_near("PLL phase slew in that second (1 ms / 4)", measure_ppm(800 * MS), 250.0, 2.0, "ppm");
    sleep_past_virtual_second(50 * MS);
    adj_read(&tx);
    check(tx.offset == 562500, "two seconds later: %ld ns left", tx.offset);
    tx = (struct timex){ .modes = ADJ_OFFSET, .offset = 1000000 };
    adj(&tx);
    long secs = tx.time.tv_sec - first_sec;
    /* kernel PLL: freq += offset * secs / 2^(2 * (SHIFT_PLL + 2 + tc)) ns/s = 1e6 * secs / 256 ns/s */
    check(secs >= 2 && labs(tx.freq - secs * 256000) <= 1,
            "PLL frequency update after %ld s: freq %ld (expected %ld scaled ppm)", secs, tx.freq, secs * 256000);
    tx = (struct timex){ .modes = ADJ_STATUS, .status = 0 };
    rc = adj(&tx);
    check(rc == TIME_OK && tx.status == 0, "clearing STA_PLL resets the status as the kernel does: rc %d status 0x%x",
            rc, tx.status);
}

/* Un-leaped reading U(T) = T + d0 against the virtual clock across the end of a UTC day with STA_INS or STA_DEL. */
static void scenario_leap(bool insert)
{
    load_shim();
    const int64_t midnight = insert ? 1435708800LL : 1459468800LL;  /* 2015-07-01, 2016-04-01 00:00:00 UTC */
    const int64_t start = midnight * NS - (insert ? 1200 : 2200) * MS;  /* 23:59:58.8 or 23:59:57.8 */
    struct timex tx = { .modes = ADJ_TAI, .constant = 35 };
    adj(&tx);
    struct sample a = sample_vt();
    int64_t delta = start - (a.t + a.d);
    tx = (struct timex){ .modes = ADJ_SETOFFSET | ADJ_NANO };
    tx.time.tv_sec = delta / NS - (delta % NS < 0);
    tx.time.tv_usec = delta - tx.time.tv_sec * NS;
    adj(&tx);
    /* a maxerror below the 16 s limit, or the next second sets STA_UNSYNC and every read says TIME_ERROR */
    tx = (struct timex){ .modes = ADJ_STATUS | ADJ_MAXERROR, .status = insert ? STA_INS : STA_DEL, .maxerror = 100000 };
    int rc = adj(&tx);
    check(rc == TIME_OK, "%s armed at 23:59:5%c.8: rc %d", insert ? "STA_INS" : "STA_DEL", insert ? '8' : '7', rc);
    int64_t d0 = shim.offset_ns();
    struct sample s0 = sample_vt();

    int64_t end_u = midnight * NS + (insert ? 1300 : 300) * MS;
    int64_t last_v = 0, last_d = 0;
    int states_seen = 0, bad_state = 0, bad_offset = 0, back_jumps = 0, steps = 0, bad_tai = 0;
    int64_t step = 0;
    bool saw_2359_59_after = false, saw_2359_59 = false;
    for (int i = 0; i < 3000; i++) {
        int64_t t1 = host_now(CLOCK_REALTIME);
        int64_t v = virt_now(CLOCK_REALTIME);
        int64_t vt = virt_now(CLOCK_TAI);
        struct timex r;
        int st = adj_read(&r);
        int64_t t2 = host_now(CLOCK_REALTIME);
        int64_t u = t1 + (t2 - t1) / 2 + s0.d;
        int64_t slack = (t2 - t1) / 2 + 200 * US;
        back_jumps += last_v != 0 && v < last_v;
        if (last_v != 0 && llabs(v - u - last_d) > 500 * MS) {  /* against the un-leaped time: stalls do not count */
            steps++;
            step = v - u - last_d;
        }
        last_v = v;
        last_d = v - u;
        if (v / NS == midnight - 1) {
            saw_2359_59 = true;
            if (u >= midnight * NS + slack)
                saw_2359_59_after = true;
        }
        /* expected state and clock for this un-leaped time, away from the second boundaries */
        int64_t leap_at = insert ? midnight * NS : (midnight - 1) * NS;
        int64_t expect_v = u < leap_at ? u : u + (insert ? -NS : NS);
        int expect_state = -1, expect_tai = u < leap_at ? 35 : insert ? 36 : 34;
        if (insert) {
            if (u > (midnight - 2) * NS + slack && u < (midnight - 1) * NS - slack)
                expect_state = TIME_OK;
            else if (u > (midnight - 1) * NS + slack && u < midnight * NS - slack)
                expect_state = TIME_INS;
            else if (u > midnight * NS + slack && u < (midnight + 1) * NS - slack)
                expect_state = TIME_OOP;
            else if (u > (midnight + 1) * NS + slack)
                expect_state = TIME_WAIT;
        } else {
            if (u > (midnight - 3) * NS + slack && u < (midnight - 2) * NS - slack)
                expect_state = TIME_OK;
            else if (u > (midnight - 2) * NS + slack && u < (midnight - 1) * NS - slack)
                expect_state = TIME_DEL;
            else if (u > (midnight - 1) * NS + slack)
                expect_state = TIME_WAIT;
        }
        if (expect_state >= 0) {
            states_seen |= 1 << expect_state;
            if (st != expect_state)
                bad_state++;
            if (llabs(v - expect_v) > slack)
                bad_offset++;
            if (r.tai != expect_tai || llabs(vt - (u + 35 * NS)) > slack)
                bad_tai++;
        }
        if (u > end_u)
            break;
        sleep_ns(2 * MS);
    }
    int64_t d1 = shim.offset_ns();
    int want_states = insert ? (1 << TIME_OK | 1 << TIME_INS | 1 << TIME_OOP | 1 << TIME_WAIT)
                             : (1 << TIME_OK | 1 << TIME_DEL | 1 << TIME_WAIT);
    check(states_seen == want_states && bad_state == 0, "clock_adjtime states %s in turn (%d wrong readings)",
            insert ? "TIME_OK, TIME_INS, TIME_OOP, TIME_WAIT" : "TIME_OK, TIME_DEL, TIME_WAIT", bad_state);
    check(bad_offset == 0, "virtual clock = un-leaped reading before, %s 1 s after (%d wrong readings)",
            insert ? "minus" : "plus", bad_offset);
    check(bad_tai == 0, "TAI offset 35 -> %d and CLOCK_TAI continuous across the leap (%d wrong readings)",
            insert ? 36 : 34, bad_tai);
    if (insert) {
        check(back_jumps == 1 && steps == 1 && llabs(step + NS) < MS && saw_2359_59_after,
                "23:59:59 repeats: the clock goes back once, by %lld ns, and reads 23:59:59 again after midnight",
                (long long)step);
    } else {
        check(back_jumps == 0 && steps == 1 && llabs(step - NS) < MS && !saw_2359_59,
                "23:59:59 is skipped: one step forward of %lld ns", (long long)step);
    }
    check(d1 - d0 == (insert ? -NS : NS), "virtual minus un-leaped time changed by exactly %lld ns",
            (long long)(d1 - d0));
    if (insert) {
        tx = (struct timex){ .modes = ADJ_STATUS, .status = 0 };
        rc = adj(&tx);
        sleep_past_virtual_second(50 * MS);
        int rc2 = adj_read(&tx);
        check(rc == TIME_WAIT && rc2 == TIME_OK, "clearing STA_INS: TIME_WAIT until the next second, then TIME_OK");
    }
}

static void scenario_insert(void) { scenario_leap(true); }
static void scenario_delete(void) { scenario_leap(false); }

/* ---- sockets ---- */

static int udp_socket(int opt, int value, struct sockaddr_in *addr)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || getsockname(fd, (struct sockaddr *)&a, &len) != 0
            || (opt != 0 && setsockopt(fd, SOL_SOCKET, opt, &value, sizeof(value)) != 0)) {
        check(false, "socket setup: %s", strerror(errno));
        exit(1);
    }
    struct timeval timeout = { .tv_sec = 2 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    if (addr != NULL)
        *addr = a;
    return fd;
}

/* The first stamp of the wanted type in a received message, in ns; 0 when absent. hw gets ts[2] of SCM_TIMESTAMPING. */
static int64_t find_stamp(struct msghdr *m, int type, int64_t *hw)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != type)
            continue;
        if (type == SCM_TIMESTAMP) {
            struct timeval tv;
            memcpy(&tv, CMSG_DATA(c), sizeof(tv));
            return (int64_t)tv.tv_sec * NS + tv.tv_usec * US;
        }
        struct timespec ts[3];
        memcpy(ts, CMSG_DATA(c), type == SCM_TIMESTAMPING ? sizeof(ts) : sizeof(ts[0]));
        if (hw != NULL && type == SCM_TIMESTAMPING)
            *hw = ts_ns(&ts[2]);
        return ts_ns(&ts[0]);
    }
    return 0;
}

struct rx {
    char data[64];
    char control[512];
    struct iovec iov;
    struct msghdr msg;
};

static struct msghdr *rx_reset(struct rx *r)
{
    r->iov = (struct iovec){ r->data, sizeof(r->data) };
    r->msg = (struct msghdr){ .msg_iov = &r->iov, .msg_iovlen = 1, .msg_control = r->control,
        .msg_controllen = sizeof(r->control) };
    return &r->msg;
}

/* Sends one datagram and returns in v1 the reading just before it. The RX stamp is taken in the receive softirq, which
   may run after sendto returns (ksoftirqd on a busy machine), so the reading that bounds it from above is taken once
   the datagram is seen queued: v2 comes from after_arrival. */
static void send_to(int fd, const struct sockaddr_in *to, int64_t *v1, clockid_t id, bool virt)
{
    *v1 = virt ? virt_now(id) : host_now(id);
    if (sendto(fd, "ntp", 3, 0, (const struct sockaddr *)to, sizeof(*to)) != 3)
        check(false, "sendto: %s", strerror(errno));
}

/* Waits (2 s at most) until rx_fd has a datagram queued, then reads the clock: no later than any queued RX stamp. */
static int64_t after_arrival(int rx_fd, clockid_t id, bool virt)
{
    struct pollfd p = { .fd = rx_fd, .events = POLLIN };
    if (poll(&p, 1, 2000) != 1)
        check(false, "no datagram arrived within 2 s");
    return virt ? virt_now(id) : host_now(id);
}

static void check_stamp(const char *what, int64_t stamp, int64_t v1, int64_t v2, int64_t resolution)
{
    check(stamp >= v1 - resolution && stamp <= v2,
            "%s stamp lies within the virtual readings around it (%+lld ns after the first, %+lld ns to the second)",
            what, (long long)(stamp - v1), (long long)(v2 - stamp));
}

/* One datagram over loopback to a fresh SO_TIMESTAMPNS socket, received through the shim: its stamp, and the
   virtual (or host) readings around the send. */
static int64_t loopback_stamp(bool virt, int64_t *before, int64_t *after)
{
    struct sockaddr_in to;
    int rx_fd = udp_socket(SO_TIMESTAMPNS, 1, &to);
    int tx_fd = udp_socket(0, 0, NULL);
    send_to(tx_fd, &to, before, CLOCK_REALTIME, virt);
    *after = after_arrival(rx_fd, CLOCK_REALTIME, virt);
    struct rx r;
    check(shim.recvmsg(rx_fd, rx_reset(&r), 0) == 3, "shim recvmsg");
    close(rx_fd);
    close(tx_fd);
    return find_stamp(&r.msg, SCM_TIMESTAMPNS, NULL);
}

static void scenario_sockets(void)
{
    load_shim();
    struct sockaddr_in a_ns, a_ing, a_tv;
    int rx_ns = udp_socket(SO_TIMESTAMPNS, 1, &a_ns);
    int rx_ing = udp_socket(SO_TIMESTAMPING, SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE, &a_ing);
    int rx_tv = udp_socket(SO_TIMESTAMP, 1, &a_tv);
    int tx = udp_socket(SO_TIMESTAMPING,
            SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_TSONLY, NULL);
    struct rx r;
    int64_t v1, v2, hw = -1;

    /* premise: libc's own recvmsg reports host time, about 1000 s away from the virtual clock */
    send_to(tx, &a_ns, &v1, CLOCK_REALTIME, false);
    v2 = after_arrival(rx_ns, CLOCK_REALTIME, false);
    check(recvmsg(rx_ns, rx_reset(&r), 0) == 3, "libc recvmsg");
    int64_t host_stamp = find_stamp(&r.msg, SCM_TIMESTAMPNS, NULL);
    check(host_stamp >= v1 && host_stamp <= v2, "premise: libc's recvmsg gives a host-time SCM_TIMESTAMPNS");
    while (recvmsg(tx, rx_reset(&r), MSG_ERRQUEUE | MSG_DONTWAIT) >= 0) {
    }

    send_to(tx, &a_ns, &v1, CLOCK_REALTIME, true);
    v2 = after_arrival(rx_ns, CLOCK_REALTIME, true);
    check(shim.recvmsg(rx_ns, rx_reset(&r), 0) == 3, "shim recvmsg returns the datagram");
    check_stamp("SCM_TIMESTAMPNS", find_stamp(&r.msg, SCM_TIMESTAMPNS, NULL), v1, v2, 0);
    check(shim.recvmsg(tx, rx_reset(&r), MSG_ERRQUEUE | MSG_DONTWAIT) >= 0, "TX timestamp on the error queue");
    check_stamp("MSG_ERRQUEUE SCM_TIMESTAMPING TX", find_stamp(&r.msg, SCM_TIMESTAMPING, &hw), v1, v2, 0);

    send_to(tx, &a_ing, &v1, CLOCK_REALTIME, true);
    v2 = after_arrival(rx_ing, CLOCK_REALTIME, true);
    check(shim.recvmsg(rx_ing, rx_reset(&r), 0) == 3, "shim recvmsg (SO_TIMESTAMPING)");
    check_stamp("SCM_TIMESTAMPING RX ts[0]", find_stamp(&r.msg, SCM_TIMESTAMPING, &hw), v1, v2, 0);
    check(hw == 0, "the raw hardware stamp ts[2] is left alone (zero on loopback)");
    while (shim.recvmsg(tx, rx_reset(&r), MSG_ERRQUEUE | MSG_DONTWAIT) >= 0) {
    }

    send_to(tx, &a_tv, &v1, CLOCK_REALTIME, true);
    v2 = after_arrival(rx_tv, CLOCK_REALTIME, true);
    check(shim.recvmsg(rx_tv, rx_reset(&r), 0) == 3, "shim recvmsg (SO_TIMESTAMP)");
    check_stamp("SCM_TIMESTAMP (us)", find_stamp(&r.msg, SCM_TIMESTAMP, NULL), v1, v2, US);
    while (shim.recvmsg(tx, rx_reset(&r), MSG_ERRQUEUE | MSG_DONTWAIT) >= 0) {
    }

    int64_t b1[2], b2[2];
    send_to(tx, &a_ns, &b1[0], CLOCK_REALTIME, true);
    send_to(tx, &a_ns, &b1[1], CLOCK_REALTIME, true);
    struct rx rr[4];
    struct mmsghdr vec[4];
    for (int i = 0; i < 4; i++)
        vec[i] = (struct mmsghdr){ .msg_hdr = *rx_reset(&rr[i]) };
    /* blocking for both (SO_RCVTIMEO bounds it): the second may still be in the softirq */
    int n = shim.recvmmsg(rx_ns, vec, 2, 0, NULL);
    b2[0] = b2[1] = virt_now(CLOCK_REALTIME);
    check(n == 2, "shim recvmmsg returns both datagrams (%d)", n);
    for (int i = 0; i < n && i < 2; i++)
        check_stamp("recvmmsg SCM_TIMESTAMPNS", find_stamp(&vec[i].msg_hdr, SCM_TIMESTAMPNS, NULL), b1[i], b2[i], 0);
    while (shim.recvmsg(tx, rx_reset(&r), MSG_ERRQUEUE | MSG_DONTWAIT) >= 0) {
    }

    /* a packet that arrived before a step keeps the virtual time of its arrival */
    send_to(tx, &a_ns, &v1, CLOCK_REALTIME, true);
    v2 = after_arrival(rx_ns, CLOCK_REALTIME, true);
    struct timex step = { .modes = ADJ_SETOFFSET, .time = { .tv_sec = 10 } };
    adj(&step);
    check(shim.recvmsg(rx_ns, rx_reset(&r), 0) == 3, "shim recvmsg after a step");
    check_stamp("pre-step SCM_TIMESTAMPNS", find_stamp(&r.msg, SCM_TIMESTAMPNS, NULL), v1, v2, 0);
}

/* JNTPD_VIRTUAL_CLOCK_TRUTH=raw: true time is CLOCK_MONOTONIC_RAW mapped to CLOCK_REALTIME at load. */
static void scenario_raw_truth(void)
{
    load_shim();
    struct sample s = sample_vt();
    int64_t truth = shim.true_ns() - host_now(CLOCK_REALTIME);
    check(llabs(s.d - 5 * NS) < MS && llabs(truth) < MS,
            "V - host realtime = %lld ns (configured 5 s), truth - host realtime = %lld ns", (long long)s.d,
            (long long)truth);
    int64_t v1, v2;
    int64_t stamp = loopback_stamp(true, &v1, &v2);
    check_stamp("SCM_TIMESTAMPNS (raw truth)", stamp, v1, v2, 0);
}

/* ---- the log ---- */

struct log_line {
    int64_t t, d;
    double ppm;
};

static int read_log(const char *path, struct log_line *lines, int max)
{
    FILE *f = fopen(path, "r");
    int n = 0;
    char buf[256];
    while (f != NULL && n < max && fgets(buf, sizeof(buf), f) != NULL) {
        long long ts, tn, ds, dn;
        char sign[2] = "";
        double ppm;
        if (sscanf(buf, "%lld.%9lld %1[-]%lld.%9lld %lf", &ts, &tn, sign, &ds, &dn, &ppm) == 6
                || sscanf(buf, "%lld.%9lld %lld.%9lld %lf", &ts, &tn, &ds, &dn, &ppm) == 5) {
            int64_t d = ds * NS + dn;
            lines[n++] = (struct log_line){ ts * NS + tn, sign[0] == '-' ? -d : d, ppm };
        } else {
            check(false, "log line %d does not read TRUE_UNIX_S VIRTUAL_MINUS_TRUE_S FREQ_PPM: %s", n + 1, buf);
        }
    }
    if (f != NULL)
        fclose(f);
    return n;
}

static char log_path[256];

static void scenario_log(void)
{
    int64_t before_load = host_now(CLOCK_REALTIME);
    load_shim();
    sleep_ns(1600 * MS);
    adj_freq_ppm(-50);
    struct sample after = sample_vt();
    sleep_ns(1800 * MS);
    struct log_line l[16];
    int n = read_log(log_path, l, 16);
    check(n >= 3 && n <= 5, "%d log lines over 3.4 s", n);
    if (n < 3)
        return;
    /* 0.3 s plus the 50 ppm gained between the load and the line (written in the constructor: microseconds, unless a
       busy machine stalls the loading thread): judged against the true time the line itself gives. */
    int64_t gained_max = (int64_t)((double)(l[0].t - before_load) * 50e-6) + 2;
    check(l[0].d >= 300 * MS - 2 && l[0].d <= 300 * MS + gained_max && fabs(l[0].ppm - 50.0) < 1e-6,
            "first line at load: %lld ns, %.6f ppm (at most %lld ns gained since the load)", (long long)l[0].d,
            l[0].ppm, (long long)gained_max);
    int bad_spacing = 0, bad_d = 0, before = 0, later = 0;
    for (int i = 1; i < n; i++) {
        if (l[i].t % NS > 200 * MS || l[i].t - l[i - 1].t > NS + 200 * MS)
            bad_spacing++;
        if (l[i].t < after.t) {
            before++;
            /* 50 ppm of the true time since the first line; the log rounds nothing */
            int64_t want = l[0].d + (int64_t)((double)(l[i].t - l[0].t) * 50e-6);
            if (llabs(l[i].d - want) > 2 || fabs(l[i].ppm - 50.0) > 1e-6)
                bad_d++;
        } else {
            later++;
            int64_t want = after.d + (int64_t)((double)(l[i].t - after.t) * -0.0025e-6);
            if (llabs(l[i].d - want) > 2 * US || fabs(l[i].ppm + 0.0025) > 1e-6)
                bad_d++;
        }
    }
    check(bad_spacing == 0, "lines come once per second of true time, just after the whole second");
    check(before >= 1 && later >= 1 && bad_d == 0,
            "V - T and FREQ_PPM follow the clock (%d lines at 50 ppm, %d at -0.0025 ppm, %d wrong)", before, later,
            bad_d);
}

/* Random-walk wander: deterministic per seed, visible in the log's FREQ_PPM. */
static void scenario_wander(void)
{
    load_shim();
    sleep_ns(2700 * MS);
    struct log_line l[16];
    int n = read_log(log_path, l, 16);
    int changes = 0, big = 0;
    for (int i = 1; i < n; i++) {
        changes += l[i].ppm != l[i - 1].ppm;
        big += fabs(l[i].ppm - l[i - 1].ppm) > 12.0;  /* 6 sigma of a 2 ppm step */
    }
    check(n >= 3 && changes >= n - 2 && big == 0, "FREQ_PPM wanders (%d lines, %d changes, %d beyond 6 sigma)", n,
            changes, big);
    char out[256];
    int k = snprintf(out, sizeof(out), "wander sequence:");
    for (int i = 0; i < n && i < 4; i++)
        k += snprintf(out + k, sizeof(out) - (size_t)k, " %.6f", l[i].ppm);
    check(true, "%s", out);
}

/* ---- many threads ---- */

static volatile bool adjusting = true;

static void *reader(void *arg)
{
    int *bad = arg;
    int64_t last = 0;
    for (int i = 0; i < 100000; i++) {
        int64_t v = virt_now(CLOCK_REALTIME);
        if (v < last)
            (*bad)++;
        last = v;
    }
    return NULL;
}

static void *adjuster(void *arg)
{
    unsigned seed = 7;
    int *count = arg;
    while (adjusting && *count < 20000) {
        adj_freq_ppm((long)(rand_r(&seed) % 1001) - 500);
        (*count)++;
    }
    return NULL;
}

static void scenario_threads(void)
{
    load_shim();
    pthread_t readers[3], adj_thread;
    int bad[3] = { 0 }, adjustments = 0;
    pthread_create(&adj_thread, NULL, adjuster, &adjustments);
    for (int i = 0; i < 3; i++)
        pthread_create(&readers[i], NULL, reader, &bad[i]);
    for (int i = 0; i < 3; i++)
        pthread_join(readers[i], NULL);
    adjusting = false;
    pthread_join(adj_thread, NULL);
    check(bad[0] + bad[1] + bad[2] == 0 && adjustments > 0,
            "3 x 100000 readings never go backwards while %d frequency changes run", adjustments);
}

/* ---- without JNTPD_VIRTUAL_CLOCK everything passes through, and nothing changes the host ---- */

static void scenario_passthrough(void)
{
    install_guard(true);  /* reads of the host's state use clock_adjtime(modes = 0) */
    load_shim();
    int64_t t1 = host_now(CLOCK_REALTIME), v = virt_now(CLOCK_REALTIME), t2 = host_now(CLOCK_REALTIME);
    check(t1 <= v && v <= t2 && shim.offset_ns() == 0, "clock_gettime(CLOCK_REALTIME) is the host's");
    struct timex host = { 0 }, seen = { 0 };
    int rc_host = clock_adjtime(CLOCK_REALTIME, &host);
    int rc = adj(&seen);
    check(rc == rc_host && seen.freq == host.freq && seen.status == host.status && seen.tick == host.tick
                    && seen.constant == host.constant && seen.tai == host.tai && seen.offset == host.offset,
            "clock_adjtime(modes = 0) reads the host's state (rc %d, status 0x%x)", rc, seen.status);
    struct timex tx = { .modes = ADJ_FREQUENCY, .freq = 1 };
    rc = adj(&tx);
    check(rc == -1 && errno == EPERM, "clock_adjtime(ADJ_FREQUENCY) is refused with EPERM");
    tx = (struct timex){ .modes = ADJ_OFFSET_SINGLESHOT, .offset = 1 };
    rc = shim.adjtimex(&tx);
    check(rc == -1 && errno == EPERM, "adjtimex(ADJ_OFFSET_SINGLESHOT) is refused with EPERM");
    struct timespec ts = { .tv_sec = 2000000000 };
    rc = shim.clock_settime(CLOCK_REALTIME, &ts);
    check(rc == -1 && errno == EPERM, "clock_settime is refused with EPERM");
    struct timeval tv = { .tv_sec = 2000000000 };
    rc = shim.settimeofday(&tv, NULL);
    check(rc == -1 && errno == EPERM, "settimeofday is refused with EPERM");
    rc = shim.adjtime(&tv, NULL);
    check(rc == -1 && errno == EPERM, "adjtime is refused with EPERM");

    int64_t h1, h2;
    int64_t stamp = loopback_stamp(false, &h1, &h2);
    check(stamp >= h1 && stamp <= h2, "SCM_TIMESTAMPNS is left in host time");
}

/* ---- LD_PRELOAD: the same library interposes on a whole program (e.g. a reference server) ---- */

static int run_preloaded(const char *spec, char *out, size_t out_size, char *err, size_t err_size)
{
    int po[2], pe[2];
    if (pipe(po) != 0 || pipe(pe) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(po[1], STDOUT_FILENO);
        dup2(pe[1], STDERR_FILENO);
        setenv("LD_PRELOAD", shim_path, 1);
        setenv("JNTPD_VIRTUAL_CLOCK", spec, 1);
        execlp("date", "date", "+%s.%N", (char *)NULL);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    ssize_t n = read(po[0], out, out_size - 1);
    out[n > 0 ? n : 0] = '\0';
    n = read(pe[0], err, err_size - 1);
    err[n > 0 ? n : 0] = '\0';
    close(po[0]);
    close(pe[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void scenario_preload(void)
{
    char out[128], err[512];
    int64_t t1 = host_now(CLOCK_REALTIME);
    int rc = run_preloaded("86400,0", out, sizeof(out), err, sizeof(err));
    int64_t t2 = host_now(CLOCK_REALTIME);
    double shown = atof(out);
    check(rc == 0 && shown >= (double)t1 / NS + 86400 - 0.001 && shown <= (double)t2 / NS + 86400 + 0.001,
            "LD_PRELOAD: date(1) shows the virtual clock one day ahead (exit %d, %.3f s ahead)", rc,
            shown - (double)t1 / NS);
    rc = run_preloaded("0.3;50", out, sizeof(out), err, sizeof(err));
    check(rc == 2 && strstr(err, "expected OFFSET_S,FREQ_PPM") != NULL,
            "a malformed JNTPD_VIRTUAL_CLOCK stops the program with a message naming the format (exit %d)", rc);
}

/* ---- the runner ---- */

/* ---- JNTPD_FAULTS: calls fail as the rules say, and a failed call does nothing ---- */

static void scenario_faults(void)
{
    load_shim();
    /* clock_adjtime=EPERM@2x3 (from the environment): 2 adjustments pass, 3 fail, then they pass again; reads pass */
    struct timex tx;
    int results[7];
    int reads_failed = 0;
    for (int i = 0; i < 7; i++) {
        memset(&tx, 0, sizeof(tx));
        tx.modes = ADJ_FREQUENCY;
        tx.freq = (long)(i + 1) * 65536;
        results[i] = adj(&tx) < 0 ? errno : 0;
        reads_failed += adj_read(&tx) < 0;
    }
    check(reads_failed == 0, "reads pass between faulted adjustments (%d failed)", reads_failed);
    check(results[0] == 0 && results[1] == 0 && results[2] == EPERM && results[3] == EPERM && results[4] == EPERM
            && results[5] == 0 && results[6] == 0, "clock_adjtime=EPERM@2x3: %d %d %d %d %d %d %d", results[0],
            results[1], results[2], results[3], results[4], results[5], results[6]);
    adj_read(&tx);
    check(tx.freq == 7 * 65536, "the last adjustment took effect, the refused ones did nothing (freq %ld)", tx.freq);
    check(shim.faults_calls("clock_adjtime") == 7, "7 adjustments counted, reads not (%ld)",
            shim.faults_calls("clock_adjtime"));

    /* sendmmsg=ENOBUFSx1 set in process: the first call fails whole, the second sends */
    check(shim.faults_configure("sendmmsg=ENOBUFSx1") == 0, "jntpd_faults_configure accepts a rule");
    check(shim.faults_configure("sendmmsg=ENOBUFS@x") != 0 && errno == EINVAL, "a malformed rule is refused");
    check(shim.faults_configure("sendmmsg=ENOBUFSx1") == 0, "and the rule is set again");
    struct sockaddr_in to;
    int rx = udp_socket(0, 0, &to);
    int tx_fd = socket(AF_INET, SOCK_DGRAM, 0);
    char payload[8] = "fault";
    struct iovec iov = { payload, sizeof(payload) };
    struct mmsghdr m = { .msg_hdr = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov, .msg_iovlen = 1 } };
    int r1 = shim.sendmmsg(tx_fd, &m, 1, 0);
    int e1 = errno;
    int r2 = shim.sendmmsg(tx_fd, &m, 1, 0);
    check(r1 == -1 && e1 == ENOBUFS && r2 == 1, "sendmmsg=ENOBUFSx1: %d (%s) then %d", r1, strerror(e1), r2);
    char buf[16];
    struct pollfd p = { .fd = rx, .events = POLLIN };
    int got = poll(&p, 1, 1000) == 1 ? (int)recv(rx, buf, sizeof(buf), MSG_DONTWAIT) : -1;
    int again = (int)recv(rx, buf, sizeof(buf), MSG_DONTWAIT);
    check(got == (int)sizeof(payload) && again < 0, "one datagram arrived (the refused call sent nothing)");
    close(rx);
    close(tx_fd);
    check(shim.faults_configure(NULL) == 0 && shim.faults_calls("sendmmsg") == 0, "rules cleared");
}

struct scenario {
    const char *name;
    void (*run)(void);
    const char *clock_spec;  /* JNTPD_VIRTUAL_CLOCK, or NULL */
    bool log;                /* JNTPD_VIRTUAL_CLOCK_LOG to a fresh file */
    const char *wander;      /* JNTPD_VIRTUAL_CLOCK_WANDER */
    const char *truth;       /* JNTPD_VIRTUAL_CLOCK_TRUTH */
    bool guard;              /* kill the child on any clock-changing syscall */
    const char *faults;      /* JNTPD_FAULTS */
    bool expect_sigsys;
};

static const struct scenario scenarios[] = {
    { .name = "guard", .run = scenario_guard, .expect_sigsys = true },
    { .name = "rate", .run = scenario_rate, .clock_spec = "0.3,50", .guard = true },
    { .name = "pll", .run = scenario_pll, .clock_spec = "0,0", .guard = true },
    { .name = "leap-insert", .run = scenario_insert, .clock_spec = "0,0", .guard = true },
    { .name = "leap-delete", .run = scenario_delete, .clock_spec = "0,0", .guard = true },
    { .name = "raw-truth", .run = scenario_raw_truth, .clock_spec = "5,0", .truth = "raw", .guard = true },
    { .name = "sockets", .run = scenario_sockets, .clock_spec = "-1000.25,20", .guard = true },
    { .name = "log", .run = scenario_log, .clock_spec = "0.3,50", .log = true, .guard = true },
    { .name = "wander-a", .run = scenario_wander, .clock_spec = "0.5,0", .log = true, .wander = "2,42", .guard = true },
    { .name = "wander-b", .run = scenario_wander, .clock_spec = "0.5,0", .log = true, .wander = "2,42", .guard = true },
    { .name = "threads", .run = scenario_threads, .clock_spec = "0,50", .guard = true },
    { .name = "passthrough", .run = scenario_passthrough },  /* installs its own, read-permitting guard */
    { .name = "preload", .run = scenario_preload, .guard = true },
    { .name = "faults", .run = scenario_faults, .clock_spec = "0,0", .faults = "clock_adjtime=EPERM@2x3", .guard = true },
};
#define SCENARIOS (int)(sizeof(scenarios) / sizeof(scenarios[0]))

static void run_child(const struct scenario *s, const char *tmpdir)
{
    scenario = s->name;
    unsetenv("JNTPD_VIRTUAL_CLOCK");
    unsetenv("JNTPD_VIRTUAL_CLOCK_LOG");
    unsetenv("JNTPD_VIRTUAL_CLOCK_WANDER");
    unsetenv("JNTPD_VIRTUAL_CLOCK_TRUTH");
    unsetenv("JNTPD_FAULTS");
    if (s->faults != NULL)
        setenv("JNTPD_FAULTS", s->faults, 1);
    if (s->clock_spec != NULL)
        setenv("JNTPD_VIRTUAL_CLOCK", s->clock_spec, 1);
    if (s->log) {
        snprintf(log_path, sizeof(log_path), "%s/%s.log", tmpdir, s->name);
        setenv("JNTPD_VIRTUAL_CLOCK_LOG", log_path, 1);
    }
    if (s->wander != NULL)
        setenv("JNTPD_VIRTUAL_CLOCK_WANDER", s->wander, 1);
    if (s->truth != NULL)
        setenv("JNTPD_VIRTUAL_CLOCK_TRUTH", s->truth, 1);
    if (s->guard)
        install_guard(false);
    s->run();
    exit(failures == 0 ? 0 : 1);
}

struct host_state {
    struct timex tx;
    int rc;
    int64_t real_minus_raw;
};

static struct host_state read_host(void)
{
    struct host_state h = { .tx = { .modes = 0 } };
    h.rc = clock_adjtime(CLOCK_REALTIME, &h.tx);
    h.real_minus_raw = host_now(CLOCK_REALTIME) - host_now(CLOCK_MONOTONIC_RAW);
    return h;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH/libjntpd_vclock.so\n", argv[0]);
        return 2;
    }
    shim_path = argv[1];
    setvbuf(stdout, NULL, _IONBF, 0);
    char tmpdir[] = "/tmp/jntpd-vclock-XXXXXX";
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 2;
    }
    struct host_state before = read_host();

    pid_t pids[SCENARIOS];
    for (int i = 0; i < SCENARIOS; i++) {
        pids[i] = fork();
        if (pids[i] == 0)
            run_child(&scenarios[i], tmpdir);
    }
    int64_t deadline = host_now(CLOCK_MONOTONIC) + 60 * NS;
    for (int i = 0; i < SCENARIOS; i++) {
        int status = 0;
        scenario = scenarios[i].name;
        while (waitpid(pids[i], &status, WNOHANG) == 0) {
            if (host_now(CLOCK_MONOTONIC) > deadline) {
                kill(pids[i], SIGKILL);
                waitpid(pids[i], &status, 0);
                check(false, "did not finish within 60 s");
                break;
            }
            sleep_ns(10 * MS);
        }
        bool sigsys = WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
        if (scenarios[i].expect_sigsys)
            check(sigsys, "the seccomp guard kills a child that calls adjtimex (status 0x%x)", status);
        else if (sigsys)
            check(false, "killed by the seccomp guard: a clock-changing syscall was made");
        else
            check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "scenario finished (status 0x%x)", status);
    }

    scenario = "wander";
    struct log_line la[16], lb[16];
    char pa[300], pb[300];
    snprintf(pa, sizeof(pa), "%s/wander-a.log", tmpdir);
    snprintf(pb, sizeof(pb), "%s/wander-b.log", tmpdir);
    int na = read_log(pa, la, 16), nb = read_log(pb, lb, 16);
    double fa = 0, fb = 0;
    for (int i = 0; i < na && fa == 0; i++)
        fa = la[i].ppm;
    for (int i = 0; i < nb && fb == 0; i++)
        fb = lb[i].ppm;
    check(fa != 0 && fa == fb, "the same seed gives the same first wander step (%.6f and %.6f ppm)", fa, fb);

    scenario = "host";
    struct host_state after = read_host();
    /* a host clock disciplined by another program changes by itself; then only the absence of steps can be checked */
    bool disciplined = (before.tx.status & STA_PLL) || !(before.tx.status & STA_UNSYNC);
    bool same = after.rc == before.rc && after.tx.freq == before.tx.freq && after.tx.offset == before.tx.offset
            && after.tx.status == before.tx.status && after.tx.tick == before.tx.tick
            && after.tx.constant == before.tx.constant && after.tx.tai == before.tx.tai;
    int64_t drift = after.real_minus_raw - before.real_minus_raw;
    if (disciplined) {
        check(true, "the host clock is disciplined by another program (status 0x%x): state and rate not compared",
                before.tx.status);
    } else {
        check(same, "host adjtimex state unchanged: rc %d freq %ld offset %ld status 0x%x tick %ld tai %d", after.rc,
                after.tx.freq, after.tx.offset, after.tx.status, after.tx.tick, after.tx.tai);
        check(llabs(drift) < MS, "host CLOCK_REALTIME - CLOCK_MONOTONIC_RAW moved %lld ns (no step, no slew)",
                (long long)drift);
    }
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    printf("vclock: %d scenarios, %d failed\n", SCENARIOS, failures);
    return failures == 0 ? 0 : 1;
}
