/*
 * libjntpd_devices.so: device test doubles for org.jntpd.platform.Libc (chosen with -Djntpd.native.shim=PATH).
 * It stands in for open/close/read/ioctl/poll on fake /dev/ppsN, /dev/rtcN and /dev/ptpN paths and for
 * shmget/shmat/shmdt on one fake NTP shared-memory unit; every other path, descriptor, key and function goes to libc.
 * Each device follows a model with known truth, read from the environment of the process that loads the library:
 *
 *   JNTPD_FAKE_PPS="phase_ns=P,jitter_ns=J,miss_every=M,spurious_every=S,seed=N"
 *       An assert edge on every whole second k of CLOCK_REALTIME, stamped k s + P + noise (Gaussian, sigma J,
 *       clipped at 4 sigma, the same for every run with one seed). No edge when k % M == 0; an extra (spurious) edge at
 *       k s + 0.5 s + P when k % S == 0 (M, S = 0: never). RFC 2783 ioctls with the kernel's semantics: PPS_FETCH
 *       waits for an edge after the call began, in 4 ms jiffies, ETIMEDOUT after the timeout.
 *   JNTPD_FAKE_RTC="fast_ns=F,drift_ppm=D,set_offset_ns=O"
 *       An RTC F ns ahead of CLOCK_REALTIME at open that gains D ppm; update interrupts on each of its ticks
 *       (RTC_UIE_ON/OFF, blocking read and poll). RTC_SET_TIME of second S: the RTC reads S and ticks to S + 1
 *       O ns (of its own time) later, as rtc_cmos (O = 5e8).
 *   JNTPD_FAKE_PTP="offset_ns=X,drift_ppb=R,precise=0|1,extended=0|1,basic=0|1,read_ns=T"
 *       A PHC X ns ahead of CLOCK_REALTIME at open, gaining R ppb; PTP_SYS_OFFSET_PRECISE / _EXTENDED / PTP_SYS_OFFSET
 *       answer when enabled, else EOPNOTSUPP. Each simulated PHC read takes T ns, plus T ns more on every third reading,
 *       and samples the PHC in the middle of its system-clock bracket.
 *   JNTPD_FAKE_SHM="unit=U,phase_ns=P,jitter_ns=J,seed=N"
 *       shmget of key 0x4e545030 + U and shmat give a private segment that a thread writes as gpsd does (mode 1, count
 *       bumped before and after, valid set last) once a second: clock time k s, receive time k s + P + noise (sigma J).
 *
 * A variable that is not set leaves that device to libc. Truth for the tests: PPS offset (reference - local) = -P,
 * jitter J; RTC gain D ppm; PHC offset (PHC - system) X + R * elapsed; SHM offset -P, jitter J.
 *
 * Build: gcc -O2 -shared -fPIC -o libjntpd_devices.so devices.c -ldl -lpthread -lm
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <linux/pps.h>
#include <linux/ptp_clock.h>
#include <linux/rtc.h>

#define EXPORT __attribute__((visibility("default")))
#define NS 1000000000LL
#define JIFFY_NS 4000000LL /* HZ = 250 */
#define MAX_FDS 4096
#define SHM_KEY_BASE 0x4e545030
#define FAKE_SHMID 0x6a6e7400

/* ---------------------------------------------------------------------------------------------- libc */

static int (*real_open)(const char *, int, ...);
static int (*real_close)(int);
static ssize_t (*real_read)(int, void *, size_t);
static int (*real_ioctl)(int, unsigned long, ...);
static int (*real_poll)(struct pollfd *, nfds_t, int);
static int (*real_shmget)(key_t, size_t, int);
static void *(*real_shmat)(int, const void *, int);
static int (*real_shmdt)(const void *);
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *libc_symbol(const char *name)
{
    static void *libc;
    if (!libc)
        libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    void *f = libc ? dlsym(libc, name) : NULL;
    return f ? f : dlsym(RTLD_NEXT, name);
}

/* ---------------------------------------------------------------------------------------------- helpers */

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * NS + t.tv_nsec;
}

static void sleep_until(int64_t t)
{
    struct timespec ts = {.tv_sec = t / NS, .tv_nsec = t % NS};
    while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static uint64_t splitmix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* A Gaussian deviate fixed by (seed, k), clipped at 4 sigma. */
static double gauss(uint64_t seed, int64_t k)
{
    uint64_t a = splitmix(seed * 0x100000001b3ULL ^ (uint64_t)k);
    uint64_t b = splitmix(a);
    double u1 = ((a >> 11) + 1.0) / 9007199254740993.0;
    double u2 = (b >> 11) / 9007199254740992.0;
    double g = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
    return g > 4 ? 4 : g < -4 ? -4 : g;
}

/* "key=value,key=value": the value of key as a number, or dflt. */
static double paramd(const char *spec, const char *key, double dflt)
{
    size_t n = strlen(key);
    for (const char *p = spec; p && *p;) {
        if (strncmp(p, key, n) == 0 && p[n] == '=')
            return strtod(p + n + 1, NULL);
        p = strchr(p, ',');
        if (p)
            p++;
    }
    return dflt;
}

static int64_t param(const char *spec, const char *key, int64_t dflt)
{
    return (int64_t)llround(paramd(spec, key, (double)dflt));
}

/* ---------------------------------------------------------------------------------------------- devices */

enum kind { NONE, PPS, RTC, PTP };

struct pps_model {
    int64_t phase, jitter, miss_every, spurious_every;
    uint64_t seed;
    int mode;                 /* PPS_SETPARAMS */
    int64_t next_k;           /* second of the next event */
    int next_spurious;        /* 0: the next event is second next_k's assert, 1: its spurious edge */
    uint32_t seq;             /* events so far */
    int64_t last_ns;          /* stamp of the latest event, 0 = none */
};

struct rtc_model {
    int64_t drift_ppm_e3;     /* ppm * 1000 */
    int64_t set_offset;
    int64_t anchor_t, anchor_r; /* R(t) = anchor_r + (t - anchor_t) * (1 + drift) */
    int uie;
    int64_t delivered;        /* last RTC second whose tick a read() returned */
};

struct ptp_model {
    int64_t offset, drift_ppb, read_ns;
    int precise, extended, basic;
    int64_t open_t;
};

struct dev {
    enum kind kind;
    struct pps_model pps;
    struct rtc_model rtc;
    struct ptp_model ptp;
};

static struct dev *devs[MAX_FDS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void init(void)
{
    real_open = (int (*)(const char *, int, ...))libc_symbol("open");
    real_close = (int (*)(int))libc_symbol("close");
    real_read = (ssize_t(*)(int, void *, size_t))libc_symbol("read");
    real_ioctl = (int (*)(int, unsigned long, ...))libc_symbol("ioctl");
    real_poll = (int (*)(struct pollfd *, nfds_t, int))libc_symbol("poll");
    real_shmget = (int (*)(key_t, size_t, int))libc_symbol("shmget");
    real_shmat = (void *(*)(int, const void *, int))libc_symbol("shmat");
    real_shmdt = (int (*)(const void *))libc_symbol("shmdt");
}

static struct dev *fake(int fd)
{
    return fd >= 0 && fd < MAX_FDS ? devs[fd] : NULL;
}

static enum kind kind_of(const char *path, const char **spec)
{
    static const struct { const char *prefix, *env; enum kind kind; } kinds[] = {
        {"/dev/pps", "JNTPD_FAKE_PPS", PPS}, {"/dev/rtc", "JNTPD_FAKE_RTC", RTC}, {"/dev/ptp", "JNTPD_FAKE_PTP", PTP}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strncmp(path, kinds[i].prefix, strlen(kinds[i].prefix)) == 0 && (*spec = getenv(kinds[i].env)) != NULL)
            return kinds[i].kind;
    }
    return NONE;
}

/* RTC reading in ns of its own time scale at true time t. */
static int64_t rtc_r(const struct rtc_model *m, int64_t t)
{
    return m->anchor_r + (t - m->anchor_t) + (int64_t)((__int128)(t - m->anchor_t) * m->drift_ppm_e3 / 1000000000LL);
}

/* True time at which the RTC reads r. */
static int64_t rtc_t(const struct rtc_model *m, int64_t r)
{
    return m->anchor_t + (int64_t)((__int128)(r - m->anchor_r) * 1000000000LL / (1000000000LL + m->drift_ppm_e3));
}

static int64_t ptp_at(const struct ptp_model *m, int64_t t)
{
    return t + m->offset + (int64_t)((__int128)(t - m->open_t) * m->drift_ppb / NS);
}

EXPORT int open(const char *path, int flags, ...)
{
    pthread_once(&once, init);
    va_list ap;
    va_start(ap, flags);
    mode_t mode = va_arg(ap, mode_t);
    va_end(ap);
    const char *spec = NULL;
    enum kind k = kind_of(path, &spec);
    if (k == NONE)
        return real_open(path, flags, mode);
    int fd = real_open("/dev/null", O_RDONLY | (flags & O_CLOEXEC));
    if (fd < 0 || fd >= MAX_FDS) {
        if (fd >= 0)
            real_close(fd);
        errno = EMFILE;
        return -1;
    }
    struct dev *d = calloc(1, sizeof *d);
    d->kind = k;
    int64_t t = now_ns();
    if (k == PPS) {
        struct pps_model *m = &d->pps;
        m->phase = param(spec, "phase_ns", 0);
        m->jitter = param(spec, "jitter_ns", 0);
        m->miss_every = param(spec, "miss_every", 0);
        m->spurious_every = param(spec, "spurious_every", 0);
        m->seed = (uint64_t)param(spec, "seed", 1);
        m->mode = PPS_CAPTUREASSERT | PPS_TSFMT_TSPEC;
        m->next_k = floor_div(t, NS);
        m->next_spurious = 0;
    } else if (k == RTC) {
        struct rtc_model *m = &d->rtc;
        m->drift_ppm_e3 = (int64_t)llround(paramd(spec, "drift_ppm", 0) * 1000);
        m->set_offset = param(spec, "set_offset_ns", 500000000LL);
        m->anchor_t = t;
        m->anchor_r = t + param(spec, "fast_ns", 0);
    } else {
        struct ptp_model *m = &d->ptp;
        m->offset = param(spec, "offset_ns", 0);
        m->drift_ppb = param(spec, "drift_ppb", 0);
        m->read_ns = param(spec, "read_ns", 500);
        m->precise = (int)param(spec, "precise", 0);
        m->extended = (int)param(spec, "extended", 1);
        m->basic = (int)param(spec, "basic", 1);
        m->open_t = t;
    }
    pthread_mutex_lock(&mu);
    devs[fd] = d;
    pthread_mutex_unlock(&mu);
    return fd;
}

EXPORT int close(int fd)
{
    pthread_once(&once, init);
    pthread_mutex_lock(&mu);
    struct dev *d = fake(fd);
    if (d) {
        devs[fd] = NULL;
        free(d);
    }
    pthread_mutex_unlock(&mu);
    return real_close(fd);
}

/* ---- PPS */

static int64_t pps_event_time(const struct pps_model *m, int64_t k, int spurious)
{
    int64_t base = k * NS + m->phase;
    return spurious ? base + NS / 2 : base + (int64_t)llround(gauss(m->seed, k) * (double)m->jitter);
}

/* Moves the cursor to the next event that exists. */
static void pps_skip_absent(struct pps_model *m)
{
    for (;;) {
        if (!m->next_spurious && !(m->miss_every > 0 && m->next_k % m->miss_every == 0))
            return;
        if (m->next_spurious && m->spurious_every > 0 && m->next_k % m->spurious_every == 0)
            return;
        if (m->next_spurious) {
            m->next_spurious = 0;
            m->next_k++;
        } else {
            m->next_spurious = 1;
        }
    }
}

static int64_t pps_next_time(struct pps_model *m)
{
    pps_skip_absent(m);
    return pps_event_time(m, m->next_k, m->next_spurious);
}

/* Takes every event up to t. */
static void pps_advance(struct pps_model *m, int64_t t)
{
    for (;;) {
        int64_t e = pps_next_time(m);
        if (e > t)
            return;
        m->seq++;
        m->last_ns = e;
        if (m->next_spurious) {
            m->next_spurious = 0;
            m->next_k++;
        } else {
            m->next_spurious = 1;
        }
    }
}

static int pps_ioctl(struct dev *d, unsigned long req, void *arg)
{
    struct pps_model *m = &d->pps;
    const int caps = PPS_CAPTUREBOTH | PPS_OFFSETASSERT | PPS_OFFSETCLEAR | PPS_CANWAIT | PPS_TSFMT_TSPEC;
    switch (req) {
    case PPS_GETCAP:
        *(int *)arg = caps;
        return 0;
    case PPS_GETPARAMS: {
        struct pps_kparams *p = arg;
        memset(p, 0, sizeof *p);
        p->api_version = PPS_API_VERS;
        p->mode = m->mode;
        return 0;
    }
    case PPS_SETPARAMS: {
        struct pps_kparams *p = arg;
        if ((p->mode & ~caps) != 0) {
            errno = EINVAL;
            return -1;
        }
        m->mode = p->mode | PPS_CANWAIT;
        return 0;
    }
    case PPS_FETCH: {
        struct pps_fdata *f = arg;
        int64_t entry = now_ns();
        pthread_mutex_lock(&mu);
        pps_advance(m, entry);
        uint32_t seq0 = m->seq;
        int64_t next = pps_next_time(m);
        pthread_mutex_unlock(&mu);
        int forever = f->timeout.flags & PPS_TIME_INVALID;
        int64_t timeout = f->timeout.sec * NS + f->timeout.nsec;
        int timed_out = 0;
        if (forever || timeout >= JIFFY_NS) {
            int64_t deadline = entry + (timeout / JIFFY_NS) * JIFFY_NS;
            if (forever || next <= deadline) {
                sleep_until(next);
            } else {
                sleep_until(deadline);
                timed_out = 1;
            }
        }
        pthread_mutex_lock(&mu);
        pps_advance(m, now_ns());
        if (timed_out && m->seq == seq0) {
            pthread_mutex_unlock(&mu);
            errno = ETIMEDOUT;
            return -1;
        }
        memset(&f->info, 0, sizeof f->info);
        f->info.assert_sequence = m->seq;
        f->info.assert_tu.sec = m->last_ns / NS;
        f->info.assert_tu.nsec = (int32_t)(m->last_ns % NS);
        f->info.current_mode = m->mode;
        pthread_mutex_unlock(&mu);
        return 0;
    }
    default:
        errno = ENOTTY;
        return -1;
    }
}

/* ---- RTC */

static int rtc_ioctl(struct dev *d, unsigned long req, void *arg)
{
    struct rtc_model *m = &d->rtc;
    int64_t t = now_ns();
    switch (req) {
    case RTC_RD_TIME: {
        time_t s = (time_t)floor_div(rtc_r(m, t), NS);
        struct tm tm;
        gmtime_r(&s, &tm);
        struct rtc_time *r = arg;
        memset(r, 0, sizeof *r);
        r->tm_sec = tm.tm_sec;
        r->tm_min = tm.tm_min;
        r->tm_hour = tm.tm_hour;
        r->tm_mday = tm.tm_mday;
        r->tm_mon = tm.tm_mon;
        r->tm_year = tm.tm_year;
        r->tm_wday = tm.tm_wday;
        r->tm_yday = tm.tm_yday;
        return 0;
    }
    case RTC_SET_TIME: {
        struct rtc_time *r = arg;
        struct tm tm = {.tm_sec = r->tm_sec, .tm_min = r->tm_min, .tm_hour = r->tm_hour, .tm_mday = r->tm_mday,
                        .tm_mon = r->tm_mon, .tm_year = r->tm_year};
        int64_t s = (int64_t)timegm(&tm);
        pthread_mutex_lock(&mu);
        m->anchor_t = t;
        m->anchor_r = s * NS + NS - m->set_offset;
        m->delivered = floor_div(m->anchor_r, NS);
        pthread_mutex_unlock(&mu);
        return 0;
    }
    case RTC_UIE_ON:
        pthread_mutex_lock(&mu);
        m->uie = 1;
        m->delivered = floor_div(rtc_r(m, t), NS);
        pthread_mutex_unlock(&mu);
        return 0;
    case RTC_UIE_OFF:
        m->uie = 0;
        return 0;
    default:
        errno = ENOTTY;
        return -1;
    }
}

/* True time of the first tick not yet delivered; the RTC's current second in *current. */
static int64_t rtc_pending_tick(struct rtc_model *m, int64_t t, int64_t *current)
{
    *current = floor_div(rtc_r(m, t), NS);
    return rtc_t(m, (m->delivered + 1) * NS);
}

/* ---- PTP */

static void put(struct ptp_clock_time *c, int64_t ns)
{
    c->sec = floor_div(ns, NS);
    c->nsec = (uint32_t)(ns - c->sec * NS);
    c->reserved = 0;
}

/* One simulated PHC read: the system clock before and after, the PHC in the middle. */
static void ptp_read(const struct ptp_model *m, int i, int64_t *sys1, int64_t *phc, int64_t *sys2)
{
    int64_t took = m->read_ns * (i % 3 == 2 ? 2 : 1);
    *sys1 = now_ns();
    *phc = ptp_at(m, *sys1 + took / 2);
    *sys2 = *sys1 + took;
    while (now_ns() < *sys2) {
    }
}

static int ptp_ioctl(struct dev *d, unsigned long req, void *arg)
{
    struct ptp_model *m = &d->ptp;
    if (req == PTP_SYS_OFFSET_PRECISE && m->precise) {
        struct ptp_sys_offset_precise *p = arg;
        int64_t t = now_ns();
        memset(p, 0, sizeof *p);
        put(&p->device, ptp_at(m, t));
        put(&p->sys_realtime, t);
        return 0;
    }
    if (req == PTP_SYS_OFFSET_EXTENDED && m->extended) {
        struct ptp_sys_offset_extended *p = arg;
        if (p->n_samples == 0 || p->n_samples > PTP_MAX_SAMPLES) {
            errno = EINVAL;
            return -1;
        }
        for (unsigned i = 0; i < p->n_samples; i++) {
            int64_t a, b, c;
            ptp_read(m, (int)i, &a, &b, &c);
            put(&p->ts[i][0], a);
            put(&p->ts[i][1], b);
            put(&p->ts[i][2], c);
        }
        return 0;
    }
    if (req == PTP_SYS_OFFSET && m->basic) {
        struct ptp_sys_offset *p = arg;
        if (p->n_samples == 0 || p->n_samples > PTP_MAX_SAMPLES) {
            errno = EINVAL;
            return -1;
        }
        int64_t a, b, c;
        for (unsigned i = 0; i < p->n_samples; i++) {
            ptp_read(m, (int)i, &a, &b, &c);
            put(&p->ts[2 * i], a);
            put(&p->ts[2 * i + 1], b);
        }
        put(&p->ts[2 * p->n_samples], c);
        return 0;
    }
    if (req == PTP_SYS_OFFSET_PRECISE || req == PTP_SYS_OFFSET_EXTENDED || req == PTP_SYS_OFFSET) {
        errno = EOPNOTSUPP;
        return -1;
    }
    errno = ENOTTY;
    return -1;
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
    pthread_once(&once, init);
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    struct dev *d = fake(fd);
    if (!d)
        return real_ioctl(fd, req, arg);
    switch (d->kind) {
    case PPS:
        return pps_ioctl(d, req, arg);
    case RTC:
        return rtc_ioctl(d, req, arg);
    case PTP:
        return ptp_ioctl(d, req, arg);
    default:
        errno = ENOTTY;
        return -1;
    }
}

/* A read of the RTC waits for its next update interrupt (or returns a pending one) and returns the count. */
EXPORT ssize_t read(int fd, void *buf, size_t count)
{
    pthread_once(&once, init);
    struct dev *d = fake(fd);
    if (!d)
        return real_read(fd, buf, count);
    if (d->kind != RTC || !d->rtc.uie || count < sizeof(unsigned long)) {
        errno = EINVAL;
        return -1;
    }
    struct rtc_model *m = &d->rtc;
    int64_t current;
    pthread_mutex_lock(&mu);
    int64_t tick = rtc_pending_tick(m, now_ns(), &current);
    pthread_mutex_unlock(&mu);
    if (current <= m->delivered)
        sleep_until(tick);
    pthread_mutex_lock(&mu);
    int64_t now_second = floor_div(rtc_r(m, now_ns()), NS);
    unsigned long n = (unsigned long)(now_second - m->delivered);
    m->delivered = now_second;
    pthread_mutex_unlock(&mu);
    unsigned long data = (n << 8) | RTC_UF | RTC_IRQF;
    memcpy(buf, &data, sizeof data);
    return sizeof data;
}

/* poll() of one fake RTC waits for its next update interrupt; anything else goes to libc. */
EXPORT int poll(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
    pthread_once(&once, init);
    struct dev *d = nfds == 1 ? fake(fds[0].fd) : NULL;
    if (!d)
        return real_poll(fds, nfds, timeout_ms);
    int64_t t = now_ns();
    fds[0].revents = 0;
    if (d->kind != RTC) {
        fds[0].revents = POLLIN; /* the kernel's PPS poll: always readable */
        return 1;
    }
    struct rtc_model *m = &d->rtc;
    int64_t current;
    pthread_mutex_lock(&mu);
    int64_t tick = rtc_pending_tick(m, t, &current);
    int uie = m->uie;
    pthread_mutex_unlock(&mu);
    if (uie && (current > m->delivered || timeout_ms < 0 || tick <= t + timeout_ms * 1000000LL)) {
        if (current <= m->delivered)
            sleep_until(tick);
        fds[0].revents = POLLIN;
        return 1;
    }
    if (timeout_ms > 0)
        sleep_until(t + timeout_ms * 1000000LL);
    return 0;
}

/* ---------------------------------------------------------------------------------------------- SHM */

struct shm_time {
    int mode;
    volatile int count;
    time_t clockTimeStampSec;
    int clockTimeStampUSec;
    time_t receiveTimeStampSec;
    int receiveTimeStampUSec;
    int leap;
    int precision;
    int nsamples;
    volatile int valid;
    unsigned clockTimeStampNSec;
    unsigned receiveTimeStampNSec;
    int dummy[8];
};

static struct shm_time shm_seg __attribute__((aligned(64)));
static pthread_once_t shm_once = PTHREAD_ONCE_INIT;

static int shm_unit(void)
{
    const char *spec = getenv("JNTPD_FAKE_SHM");
    return spec ? (int)param(spec, "unit", 0) : -1;
}

/* gpsd's ntp_write, once a second: clock k s, receive k s + phase + noise, written once the receive time passed. */
static void *shm_writer(void *unused)
{
    (void)unused;
    const char *spec = getenv("JNTPD_FAKE_SHM");
    int64_t phase = param(spec, "phase_ns", 200000000LL);
    int64_t jitter = param(spec, "jitter_ns", 0);
    uint64_t seed = (uint64_t)param(spec, "seed", 1);
    for (int64_t k = floor_div(now_ns(), NS) + 1;; k++) {
        int64_t receive = k * NS + phase + (int64_t)llround(gauss(seed, k) * (double)jitter);
        sleep_until(receive + 1000000);
        shm_seg.mode = 1;
        shm_seg.valid = 0;
        shm_seg.count++;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        shm_seg.clockTimeStampSec = (time_t)k;
        shm_seg.clockTimeStampUSec = 0;
        shm_seg.clockTimeStampNSec = 0;
        shm_seg.receiveTimeStampSec = (time_t)floor_div(receive, NS);
        shm_seg.receiveTimeStampNSec = (unsigned)(receive - floor_div(receive, NS) * NS);
        shm_seg.receiveTimeStampUSec = (int)(shm_seg.receiveTimeStampNSec / 1000);
        shm_seg.leap = 0;
        shm_seg.precision = -20;
        shm_seg.nsamples = 3;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        shm_seg.count++;
        shm_seg.valid = 1;
    }
    return NULL;
}

static void shm_start(void)
{
    pthread_t t;
    pthread_create(&t, NULL, shm_writer, NULL);
    pthread_detach(t);
}

EXPORT int shmget(key_t key, size_t size, int flags)
{
    pthread_once(&once, init);
    int unit = shm_unit();
    if (unit < 0 || key != SHM_KEY_BASE + unit)
        return real_shmget(key, size, flags);
    if (size > sizeof shm_seg) {
        errno = EINVAL;
        return -1;
    }
    return FAKE_SHMID + unit;
}

EXPORT void *shmat(int id, const void *addr, int flags)
{
    pthread_once(&once, init);
    int unit = shm_unit();
    if (unit < 0 || id != FAKE_SHMID + unit)
        return real_shmat(id, addr, flags);
    pthread_once(&shm_once, shm_start);
    return &shm_seg;
}

EXPORT int shmdt(const void *addr)
{
    pthread_once(&once, init);
    if (addr == &shm_seg)
        return 0;
    return real_shmdt(addr);
}
