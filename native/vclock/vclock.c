/*
 * libjntpd_vclock.so: a libc test double that turns CLOCK_REALTIME into a virtual clock, so a real NTP daemon can
 * discipline a clock in CI without touching the host's. See README.md in this folder for the contract.
 *
 * Layout of this file:
 *   1. the Linux kernel's NTP state machine (kernel/time/ntp.c and the adjtimex parts of timekeeping.c), ported with
 *      one NTP interval per second (NTP_INTERVAL_FREQ = 1 instead of HZ: the same arithmetic, finer rounding);
 *   2. the virtual clock: piecewise-linear segments of (true time -> virtual time), one per virtual second and per
 *      adjustment, kept in a ring so socket timestamps taken before a step still translate as they happened;
 *   3. the exported libc stand-ins, the socket-timestamp rewriting, the log thread and the environment parsing.
 *
 * Safety: this library never resolves the host's clock_settime, settimeofday, adjtimex or adjtime, and calls the real
 * clock_adjtime only with a private copy of struct timex whose modes field it set to 0 (read-only).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* glibc declares some of these arguments nonnull; the kernel accepts NULL, so the checks stay (the build also passes
   -fno-delete-null-pointer-checks). */
#pragma GCC diagnostic ignored "-Wnonnull-compare"

typedef __int128 i128;
typedef unsigned __int128 u128;

#define NSEC_PER_SEC 1000000000LL
#define NSEC_PER_USEC 1000LL
#define USEC_PER_SEC 1000000LL

/* ---- 1. The kernel's NTP state machine (constants from include/linux/timex.h and kernel/time/ntp.c) ---- */

#define NTP_SCALE_SHIFT 32
#define USER_HZ 100
#define SHIFT_PLL 2
#define SHIFT_FLL 2
#undef MAXTC /* glibc's sys/timex.h still has the old 6 */
#define MAXTC 10
#define MINSEC 256
#define MAXSEC 2048
#define MAXPHASE 500000000L                                   /* ns */
#define MAXFREQ 500000L                                       /* ns/s: 500 ppm */
#define MAXFREQ_SCALED ((int64_t)MAXFREQ << NTP_SCALE_SHIFT)
#define NTP_PHASE_LIMIT ((MAXPHASE / NSEC_PER_USEC) << 5)     /* us: 16 s */
#define SHIFT_USEC 16
#define PPM_SCALE ((int64_t)NSEC_PER_USEC << (NTP_SCALE_SHIFT - SHIFT_USEC))
#define PPM_SCALE_INV_SHIFT 19
#define PPM_SCALE_INV ((1LL << (PPM_SCALE_INV_SHIFT + NTP_SCALE_SHIFT)) / PPM_SCALE + 1)
#define MAX_TICKADJ 500LL                                     /* us per second of adjtime() slew */
#define MAX_TICKADJ_SCALED ((MAX_TICKADJ * NSEC_PER_USEC) << NTP_SCALE_SHIFT)
#define MAX_TAI_OFFSET 100000
#define SECS_PER_DAY 86400
#define TIME64_MAX INT64_MAX
#define ADJ_ADJTIME 0x8000
#define ADJ_OFFSET_READONLY 0x2000
/* timespec64_valid_settod(): KTIME_SEC_MAX minus 30 years of uptime */
#define TIME_SETTOD_SEC_MAX (INT64_MAX / NSEC_PER_SEC - 30LL * 365 * SECS_PER_DAY)

/* The kernel's shift_right(): rounds towards zero for negative values. */
static inline int64_t shift_right(int64_t x, int s) { return x < 0 ? -(-x >> s) : x >> s; }
static inline int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

struct ntp {
    long tick_usec;        /* USER_HZ period in us, nominal 10000 */
    int64_t time_freq;     /* frequency correction, (ns/s) << 32 */
    int64_t tick_delta;    /* this second's extra length from the PLL phase chunk and adjtime(), (ns/s) << 32 */
    int time_state;        /* TIME_OK .. TIME_WAIT */
    int time_status;       /* STA_* */
    int64_t time_offset;   /* PLL phase adjustment still to apply, ns << 32 */
    long time_constant;
    long time_maxerror;    /* us */
    long time_esterror;    /* us */
    int64_t time_reftime;  /* virtual seconds at the last ADJ_OFFSET */
    long time_adjust;      /* adjtime() slew still to apply, us */
    int64_t next_leap_sec; /* virtual second of the pending leap, or TIME64_MAX */
};

/* The state right after boot, as the host shows it before any daemon ran (adjtimex returns TIME_ERROR). */
static void ntp_init(struct ntp *n)
{
    memset(n, 0, sizeof(*n));
    n->tick_usec = 1000000 / USER_HZ;
    n->time_state = TIME_OK;
    n->time_status = STA_UNSYNC;
    n->time_constant = 2;
    n->time_maxerror = NTP_PHASE_LIMIT;
    n->time_esterror = NTP_PHASE_LIMIT;
    n->next_leap_sec = TIME64_MAX;
}

/* Length of one second of this clock in its own oscillator's nanoseconds, << 32, without this second's phase slew. */
static int64_t ntp_second_length_base(const struct ntp *n)
{
    return ((int64_t)n->tick_usec * NSEC_PER_USEC * USER_HZ << NTP_SCALE_SHIFT) + n->time_freq;
}

static bool ntp_is_error_status(int status) { return status & (STA_UNSYNC | STA_CLOCKERR); }

/* kernel: second_overflow(). secs is the virtual second just begun; returns the leap (-1 insert, +1 delete). */
static int ntp_second_overflow(struct ntp *n, int64_t secs)
{
    int leap = 0;
    int64_t rem;

    switch (n->time_state) {
    case TIME_OK:
        if (n->time_status & STA_INS) {
            n->time_state = TIME_INS;
            rem = secs % SECS_PER_DAY;
            n->next_leap_sec = secs + SECS_PER_DAY - rem;
        } else if (n->time_status & STA_DEL) {
            n->time_state = TIME_DEL;
            rem = (secs + 1) % SECS_PER_DAY;
            n->next_leap_sec = secs + SECS_PER_DAY - rem;
        }
        break;
    case TIME_INS:
        if (!(n->time_status & STA_INS)) {
            n->next_leap_sec = TIME64_MAX;
            n->time_state = TIME_OK;
        } else if (secs == n->next_leap_sec) {
            leap = -1;
            n->time_state = TIME_OOP;
        }
        break;
    case TIME_DEL:
        if (!(n->time_status & STA_DEL)) {
            n->next_leap_sec = TIME64_MAX;
            n->time_state = TIME_OK;
        } else if (secs == n->next_leap_sec) {
            leap = 1;
            n->next_leap_sec = TIME64_MAX;
            n->time_state = TIME_WAIT;
        }
        break;
    case TIME_OOP:
        n->next_leap_sec = TIME64_MAX;
        n->time_state = TIME_WAIT;
        break;
    case TIME_WAIT:
        if (!(n->time_status & (STA_INS | STA_DEL)))
            n->time_state = TIME_OK;
        break;
    }

    n->time_maxerror += MAXFREQ / NSEC_PER_USEC;
    if (n->time_maxerror > NTP_PHASE_LIMIT) {
        n->time_maxerror = NTP_PHASE_LIMIT;
        n->time_status |= STA_UNSYNC;
    }

    int64_t delta = shift_right(n->time_offset, SHIFT_PLL + (int)n->time_constant);
    n->time_offset -= delta;
    n->tick_delta = delta;

    if (n->time_adjust > MAX_TICKADJ) {
        n->time_adjust -= MAX_TICKADJ;
        n->tick_delta += MAX_TICKADJ_SCALED;
    } else if (n->time_adjust < -MAX_TICKADJ) {
        n->time_adjust += MAX_TICKADJ;
        n->tick_delta -= MAX_TICKADJ_SCALED;
    } else if (n->time_adjust != 0) {
        n->tick_delta += (int64_t)n->time_adjust * NSEC_PER_USEC * ((int64_t)1 << NTP_SCALE_SHIFT);
        n->time_adjust = 0;
    }
    return leap;
}

/* kernel: ntp_update_offset_fll() */
static int64_t ntp_update_offset_fll(struct ntp *n, int64_t offset64, long secs)
{
    n->time_status &= ~STA_MODE;
    if (secs < MINSEC)
        return 0;
    if (!(n->time_status & STA_FLL) && secs <= MAXSEC)
        return 0;
    n->time_status |= STA_MODE;
    return offset64 * ((int64_t)1 << (NTP_SCALE_SHIFT - SHIFT_FLL)) / secs;
}

/* kernel: ntp_update_offset(), the PLL/FLL of plain ADJ_OFFSET. now_sec = the virtual clock's seconds. */
static void ntp_update_offset(struct ntp *n, long offset, int64_t now_sec)
{
    if (!(n->time_status & STA_PLL))
        return;
    if (!(n->time_status & STA_NANO)) {
        offset = clamp64(offset, -USEC_PER_SEC, USEC_PER_SEC);
        offset *= NSEC_PER_USEC;
    }
    offset = clamp64(offset, -MAXPHASE, MAXPHASE);

    long secs = (long)(now_sec - n->time_reftime);
    if (n->time_status & STA_FREQHOLD)
        secs = 0;
    n->time_reftime = now_sec;

    int64_t offset64 = offset;
    int64_t freq_adj = ntp_update_offset_fll(n, offset64, secs);
    if (secs > 1L << (SHIFT_PLL + 1 + n->time_constant))
        secs = 1L << (SHIFT_PLL + 1 + n->time_constant);
    /* the kernel's left shift of a signed product, written as a multiplication */
    freq_adj += offset64 * secs * ((int64_t)1 << (NTP_SCALE_SHIFT - 2 * (SHIFT_PLL + 2 + n->time_constant)));
    freq_adj = freq_adj + n->time_freq < MAXFREQ_SCALED ? freq_adj + n->time_freq : MAXFREQ_SCALED;
    n->time_freq = freq_adj > -MAXFREQ_SCALED ? freq_adj : -MAXFREQ_SCALED;
    n->time_offset = offset64 * ((int64_t)1 << NTP_SCALE_SHIFT);
}

/* kernel: process_adj_status() */
static void ntp_process_status(struct ntp *n, const struct timex *txc, int64_t now_sec)
{
    if ((n->time_status & STA_PLL) && !(txc->status & STA_PLL)) {
        n->time_state = TIME_OK;
        n->time_status = STA_UNSYNC;
        n->next_leap_sec = TIME64_MAX;
    }
    if (!(n->time_status & STA_PLL) && (txc->status & STA_PLL))
        n->time_reftime = now_sec;
    n->time_status &= STA_RONLY;
    n->time_status |= txc->status & ~STA_RONLY;
}

/* kernel: process_adjtimex_modes() */
static void ntp_process_modes(struct ntp *n, const struct timex *txc, int *tai, int64_t now_sec)
{
    if (txc->modes & ADJ_STATUS)
        ntp_process_status(n, txc, now_sec);
    if (txc->modes & ADJ_NANO)
        n->time_status |= STA_NANO;
    if (txc->modes & ADJ_MICRO)
        n->time_status &= ~STA_NANO;
    if (txc->modes & ADJ_FREQUENCY)
        n->time_freq = clamp64(txc->freq * PPM_SCALE, -MAXFREQ_SCALED, MAXFREQ_SCALED);
    if (txc->modes & ADJ_MAXERROR)
        n->time_maxerror = clamp64(txc->maxerror, 0, NTP_PHASE_LIMIT);
    if (txc->modes & ADJ_ESTERROR)
        n->time_esterror = clamp64(txc->esterror, 0, NTP_PHASE_LIMIT);
    if (txc->modes & ADJ_TIMECONST) {
        n->time_constant = clamp64(txc->constant, 0, MAXTC);
        if (!(n->time_status & STA_NANO))
            n->time_constant += 4;
        n->time_constant = clamp64(n->time_constant, 0, MAXTC);
    }
    if ((txc->modes & ADJ_TAI) && txc->constant >= 0 && txc->constant <= MAX_TAI_OFFSET)
        *tai = (int)txc->constant;
    if (txc->modes & ADJ_OFFSET)
        ntp_update_offset(n, txc->offset, now_sec);
    if (txc->modes & ADJ_TICK)
        n->tick_usec = txc->tick;
    /* ntp_update_frequency() keeps this second's phase slew: here the base is derived, tick_delta stays. */
}

/* kernel: ntp_adjtimex(). ts = the clock before an ADJ_SETOFFSET of the same call, as the kernel reads it. */
static int ntp_adjtimex(struct ntp *n, struct timex *txc, const struct timespec *ts, int *tai, int64_t now_sec)
{
    int result;

    if (txc->modes & ADJ_ADJTIME) {
        long save_adjust = n->time_adjust;
        if (!(txc->modes & ADJ_OFFSET_READONLY))
            n->time_adjust = txc->offset;
        txc->offset = save_adjust;
    } else {
        if (txc->modes)
            ntp_process_modes(n, txc, tai, now_sec);
        txc->offset = shift_right(n->time_offset, NTP_SCALE_SHIFT);
        if (!(n->time_status & STA_NANO))
            txc->offset = txc->offset / NSEC_PER_USEC;
    }

    result = n->time_state;
    if (ntp_is_error_status(n->time_status))
        result = TIME_ERROR;

    txc->freq = shift_right((n->time_freq >> PPM_SCALE_INV_SHIFT) * PPM_SCALE_INV, NTP_SCALE_SHIFT);
    txc->maxerror = n->time_maxerror;
    txc->esterror = n->time_esterror;
    txc->status = n->time_status;
    txc->constant = n->time_constant;
    txc->precision = 1;
    txc->tolerance = MAXFREQ_SCALED / PPM_SCALE;
    txc->tick = n->tick_usec;
    txc->tai = *tai;
    txc->ppsfreq = txc->jitter = txc->stabil = txc->jitcnt = txc->calcnt = txc->errcnt = txc->stbcnt = 0;
    txc->shift = 0;

    txc->time.tv_sec = ts->tv_sec;
    txc->time.tv_usec = ts->tv_nsec;
    if (!(n->time_status & STA_NANO))
        txc->time.tv_usec = ts->tv_nsec / NSEC_PER_USEC;

    /* the kernel's leap handling for a tick that has not yet processed the leap; kept for fidelity */
    if (ts->tv_sec >= n->next_leap_sec) {
        if (n->time_state == TIME_INS && (n->time_status & STA_INS)) {
            result = TIME_OOP;
            txc->tai++;
            txc->time.tv_sec--;
        }
        if (n->time_state == TIME_DEL && (n->time_status & STA_DEL)) {
            result = TIME_WAIT;
            txc->tai--;
            txc->time.tv_sec++;
        }
        if (n->time_state == TIME_OOP && ts->tv_sec == n->next_leap_sec)
            result = TIME_WAIT;
    }
    return result;
}

/* kernel: timekeeping_validate_timex(), without the CAP_SYS_TIME checks (the virtual clock belongs to the caller). */
static int validate_timex(const struct timex *txc)
{
    if (txc->modes & ADJ_ADJTIME) {
        if (!(txc->modes & ADJ_OFFSET_SINGLESHOT))
            return -EINVAL;
    } else if ((txc->modes & ADJ_TICK) && (txc->tick < 900000 / USER_HZ || txc->tick > 1100000 / USER_HZ)) {
        return -EINVAL;
    }
    if (txc->modes & ADJ_SETOFFSET) {
        if (txc->time.tv_usec < 0)
            return -EINVAL;
        if (txc->time.tv_usec >= ((txc->modes & ADJ_NANO) ? NSEC_PER_SEC : USEC_PER_SEC))
            return -EINVAL;
    }
    if ((txc->modes & ADJ_FREQUENCY) && (LLONG_MIN / PPM_SCALE > txc->freq || LLONG_MAX / PPM_SCALE < txc->freq))
        return -EINVAL;
    return 0;
}

/* ---- 2. The virtual clock ---- */

/* Virtual time is kept in ns << 32 (i128); a segment's rate in virtual ns per true ns << 64 (u128). */
#define SEC_Q ((i128)NSEC_PER_SEC << 32)
#define ONE_Q62 ((int64_t)1 << 62)
#define HISTORY 256
#define MAX_FREQ_ERROR 0.1 /* +-10%, the same bound the kernel puts on ADJ_TICK */

struct segment {
    int64_t t0;  /* true ns where the segment starts */
    i128 v0;     /* virtual ns << 32 at t0 */
    u128 mult;   /* virtual ns per true ns << 64 */
};

static struct {
    pthread_mutex_t lock;
    bool enabled;
    struct ntp ntp;
    int tai;
    int64_t osc_q62;        /* (1 + freq_error) << 62: the rate of the virtual clock's own "oscillator" */
    double wander_ppm;      /* random-walk step of freq_error per virtual second, ppm */
    uint64_t rng;
    struct segment ring[HISTORY];
    unsigned head, count;
} vc = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Where true time comes from: the host's CLOCK_REALTIME (default) or CLOCK_MONOTONIC_RAW plus its offset at load. */
static clockid_t truth_clock = CLOCK_REALTIME;
static int64_t truth_offset_ns;

static int (*real_clock_gettime)(clockid_t, struct timespec *);
static int (*real_clock_getres)(clockid_t, struct timespec *);
static int (*real_clock_adjtime)(clockid_t, struct timex *);
static int (*real_gettimeofday)(struct timeval *, void *);
static ssize_t (*real_recvmsg)(int, struct msghdr *, int);
static int (*real_recvmmsg)(int, struct mmsghdr *, unsigned int, int, struct timespec *);

static inline int64_t ts_ns(const struct timespec *ts) { return (int64_t)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec; }

static int64_t host_ns(clockid_t id)
{
    struct timespec ts;
    real_clock_gettime(id, &ts);
    return ts_ns(&ts);
}

static int64_t true_now_ns(void) { return host_ns(truth_clock) + truth_offset_ns; }

/* floor(dt * mult / 2^32): virtual ns << 32 elapsed in dt true ns (dt may be negative). */
static i128 mul_rate(int64_t dt, u128 mult)
{
    i128 hi = (i128)(mult >> 32), lo = (i128)(mult & 0xffffffffu);
    return (i128)dt * hi + (((i128)dt * lo) >> 32);
}

static u128 current_mult(void)
{
    int64_t second_q32 = ntp_second_length_base(&vc.ntp) + vc.ntp.tick_delta;
    u128 p = (u128)(uint64_t)vc.osc_q62 * (uint64_t)second_q32;  /* 2^-94 units, < 2^125 */
    return (p >> 30) / NSEC_PER_SEC;
}

/* Rate error of the virtual clock against true time from its frequency settings, ppm (phase slews excluded). */
static double effective_ppm(void)
{
    long double osc = (long double)vc.osc_q62 / ONE_Q62;
    long double second = (long double)ntp_second_length_base(&vc.ntp) / 4294967296.0L / NSEC_PER_SEC;
    return (double)((osc * second - 1.0L) * 1e6L);
}

/* Starts a new segment at true time t0 and virtual time v0 with the current rate. */
static void push_segment(int64_t t0, i128 v0)
{
    struct segment *s = &vc.ring[vc.head];
    if (vc.count == 0 || s->t0 != t0) {
        vc.head = (vc.head + 1) % HISTORY;
        if (vc.count < HISTORY)
            vc.count++;
        s = &vc.ring[vc.head];
    }
    s->t0 = t0;
    s->v0 = v0;
    s->mult = current_mult();
}

static double next_gaussian(void)
{
    double u[2];
    for (int i = 0; i < 2; i++) {  /* xorshift64*, 53-bit uniform in (0, 1] */
        vc.rng ^= vc.rng >> 12;
        vc.rng ^= vc.rng << 25;
        vc.rng ^= vc.rng >> 27;
        u[i] = ((vc.rng * 2685821657736338717ULL >> 11) + 1) * 0x1.0p-53;
    }
    return sqrt(-2.0 * log(u[0])) * cos(2.0 * M_PI * u[1]);
}

static void wander_step(void)
{
    if (vc.wander_ppm <= 0)
        return;
    double fe = (double)(vc.osc_q62 - ONE_Q62) / ONE_Q62 + vc.wander_ppm * 1e-6 * next_gaussian();
    fe = fmax(-MAX_FREQ_ERROR, fmin(MAX_FREQ_ERROR, fe));
    vc.osc_q62 = ONE_Q62 + (int64_t)llround(fe * ONE_Q62);
}

/* Runs the kernel's once-per-second processing for every virtual second boundary up to true time t. */
static void advance_to(int64_t t)
{
    for (;;) {
        struct segment *s = &vc.ring[vc.head];
        if (t <= s->t0)
            return;
        i128 vt = s->v0 + mul_rate(t - s->t0, s->mult);
        i128 whole = s->v0 / SEC_Q - (s->v0 % SEC_Q < 0);  /* floor, should V ever be before 1970 */
        i128 boundary = (whole + 1) * SEC_Q;
        if (vt < boundary)
            return;
        int64_t dtb = (int64_t)((((u128)(boundary - s->v0) << 32) + s->mult - 1) / s->mult);
        int64_t tb = s->t0 + dtb;
        i128 vb = s->v0 + mul_rate(dtb, s->mult);
        if (tb > t) {  /* rounding: the boundary lies within the last ns */
            tb = t;
            vb = vt;
        }
        int leap = ntp_second_overflow(&vc.ntp, (int64_t)(whole + 1));
        if (leap) {
            vb += leap * SEC_Q;
            vc.tai -= leap;
        }
        wander_step();
        push_segment(tb, vb);
    }
}

/* Virtual time (ns << 32) at true time t: current for t >= now, from the history for an earlier timestamp. */
static i128 virtual_at(int64_t t)
{
    advance_to(t);
    unsigned i = vc.head;
    for (unsigned n = 1; n < vc.count && vc.ring[i].t0 > t; n++)
        i = (i + HISTORY - 1) % HISTORY;
    const struct segment *s = &vc.ring[i];
    return s->v0 + mul_rate(t - s->t0, s->mult);
}

static struct timespec q_to_timespec(i128 vq)
{
    int64_t ns = (int64_t)(vq >> 32);
    struct timespec ts = { .tv_sec = ns / NSEC_PER_SEC, .tv_nsec = ns % NSEC_PER_SEC };
    if (ts.tv_nsec < 0) {
        ts.tv_nsec += NSEC_PER_SEC;
        ts.tv_sec--;
    }
    return ts;
}

static void lock(void) { pthread_mutex_lock(&vc.lock); }
static void unlock(void) { pthread_mutex_unlock(&vc.lock); }

/* The virtual clock may not be set below the host's CLOCK_MONOTONIC (the kernel's wall_to_monotonic check). */
static bool settable(i128 vq)
{
    i128 ns = vq >> 32;
    return ns >= host_ns(CLOCK_MONOTONIC) && ns / NSEC_PER_SEC < TIME_SETTOD_SEC_MAX;
}

/* (Re)starts the virtual clock: kernel boot state, V - T = offset_ns, oscillator freq_ppm fast. Under the lock. */
static void start_clock(int64_t offset_ns, double freq_ppm)
{
    ntp_init(&vc.ntp);
    vc.tai = 0;
    vc.osc_q62 = ONE_Q62 + (int64_t)llround(freq_ppm * 1e-6 * ONE_Q62);
    vc.head = 0;
    vc.count = 0;
    int64_t t = true_now_ns();
    push_segment(t, (i128)(t + offset_ns) << 32);
    __atomic_store_n(&vc.enabled, true, __ATOMIC_RELEASE);
}

static int vclock_adjtime(struct timex *txc)
{
    int err = validate_timex(txc);
    if (err) {
        errno = -err;
        return -1;
    }
    lock();
    int64_t t = true_now_ns();
    i128 v = virtual_at(t);
    struct timespec before = q_to_timespec(v);
    if (txc->modes & ADJ_SETOFFSET) {
        i128 delta_ns = (i128)txc->time.tv_sec * NSEC_PER_SEC
                + (txc->modes & ADJ_NANO ? txc->time.tv_usec : txc->time.tv_usec * NSEC_PER_USEC);
        i128 stepped = v + delta_ns * ((i128)1 << 32);
        if (!settable(stepped)) {
            unlock();
            errno = EINVAL;
            return -1;
        }
        v = stepped;
        push_segment(t, v);
    }
    int64_t now_sec = q_to_timespec(v).tv_sec;
    int result = ntp_adjtimex(&vc.ntp, txc, &before, &vc.tai, now_sec);
    if (txc->modes)
        push_segment(t, v);  /* the new rate applies from now on */
    unlock();
    return result;
}

static int vclock_set(const struct timespec *ts)
{
    if (ts->tv_sec < 0 || ts->tv_sec >= TIME_SETTOD_SEC_MAX || ts->tv_nsec < 0 || ts->tv_nsec >= NSEC_PER_SEC) {
        errno = EINVAL;
        return -1;
    }
    i128 v = (i128)ts_ns(ts) << 32;
    lock();
    if (!settable(v)) {
        unlock();
        errno = EINVAL;
        return -1;
    }
    int64_t t = true_now_ns();
    advance_to(t);
    push_segment(t, v);
    unlock();
    return 0;
}

static struct timespec vclock_now(clockid_t id)
{
    lock();
    i128 v = virtual_at(true_now_ns());
    if (id == CLOCK_TAI)
        v += (i128)vc.tai * SEC_Q;
    unlock();
    return q_to_timespec(v);
}

/* ---- 3. Exported libc stand-ins ---- */

/* Read without the lock on every call; jntpd_vclock_configure() may flip it from another thread. */
static bool enabled(void) { return __atomic_load_n(&vc.enabled, __ATOMIC_ACQUIRE); }

static bool is_virtual(clockid_t id)
{
    return enabled() && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE || id == CLOCK_TAI);
}

/* Internal callers use these static versions: a call to an exported name from inside a dlopen()ed library binds to
   libc's definition (the global scope comes first), not to this library's. */
static int shim_clock_gettime(clockid_t id, struct timespec *ts)
{
    if (!is_virtual(id))
        return real_clock_gettime(id, ts);
    if (ts == NULL) {
        errno = EFAULT;
        return -1;
    }
    *ts = vclock_now(id);
    return 0;
}

EXPORT int clock_gettime(clockid_t id, struct timespec *ts) { return shim_clock_gettime(id, ts); }

EXPORT int clock_getres(clockid_t id, struct timespec *res) { return real_clock_getres(id, res); }

EXPORT int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    if (!enabled())
        return real_gettimeofday(tv, tz);
    if (tz != NULL) {
        struct timeval ignored;
        real_gettimeofday(&ignored, tz);
    }
    if (tv != NULL) {
        struct timespec ts = vclock_now(CLOCK_REALTIME);
        tv->tv_sec = ts.tv_sec;
        tv->tv_usec = ts.tv_nsec / NSEC_PER_USEC;
    }
    return 0;
}

EXPORT time_t time(time_t *out)
{
    struct timespec ts;
    shim_clock_gettime(CLOCK_REALTIME, &ts);
    if (out != NULL)
        *out = ts.tv_sec;
    return ts.tv_sec;
}

EXPORT int timespec_get(struct timespec *ts, int base)
{
    if (base != TIME_UTC)
        return 0;
    shim_clock_gettime(CLOCK_REALTIME, ts);
    return base;
}

/* ---- Fault injection for tests of the daemon's error policy: JNTPD_FAULTS ----
 *
 * JNTPD_FAULTS="RULE;RULE..." with RULE = FUNC=ERRNO[@AFTER][xCOUNT]: calls of FUNC fail with ERRNO (a name such as
 * EPERM, or a number), after AFTER calls that pass (default 0), COUNT times (default: from then on). FUNC is one of
 *   clock_adjtime  calls that change a clock (modes != 0); reads pass
 *   sendmmsg       the whole call fails, as when its first message fails
 *   recvmmsg       receives of data (MSG_ERRQUEUE reads of TX timestamps pass)
 *   sendmsg, recvmsg
 * Example: "clock_adjtime=EPERM@20" lets 20 adjustments through, then refuses every one. A failed call does nothing
 * (no clock change, nothing sent or read). */
enum { F_CLOCK_ADJTIME, F_SENDMMSG, F_RECVMMSG, F_SENDMSG, F_RECVMSG, F_COUNT };
static const char *const fault_names[F_COUNT] = { "clock_adjtime", "sendmmsg", "recvmmsg", "sendmsg", "recvmsg" };
static struct fault {
    int err;           /* 0 = no fault */
    long after;
    long count;        /* -1 = for ever */
    long calls;        /* atomic */
} faults[F_COUNT];

static const struct { const char *name; int value; } errno_names[] = {
    { "EPERM", EPERM }, { "EINTR", EINTR }, { "EIO", EIO }, { "EBADF", EBADF }, { "EAGAIN", EAGAIN },
    { "ENOMEM", ENOMEM }, { "EACCES", EACCES }, { "EFAULT", EFAULT }, { "ENODEV", ENODEV }, { "EINVAL", EINVAL },
    { "ENOSPC", ENOSPC }, { "ENOTSOCK", ENOTSOCK }, { "EMSGSIZE", EMSGSIZE }, { "EOPNOTSUPP", EOPNOTSUPP },
    { "ENETDOWN", ENETDOWN }, { "ENETUNREACH", ENETUNREACH }, { "ENOBUFS", ENOBUFS },
    { "EHOSTUNREACH", EHOSTUNREACH }, { "ECONNREFUSED", ECONNREFUSED },
};

/* The errno this call of fault `which` fails with, 0 = none. */
static int fault_now(int which)
{
    struct fault *f = &faults[which];
    int err = __atomic_load_n(&f->err, __ATOMIC_ACQUIRE);
    if (err == 0)
        return 0;
    long n = __atomic_fetch_add(&f->calls, 1, __ATOMIC_RELAXED);
    if (n < f->after || (f->count >= 0 && n - f->after >= f->count))
        return 0;
    return err;
}

static int parse_errno(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
        if (strlen(errno_names[i].name) == len && strncmp(errno_names[i].name, s, len) == 0)
            return errno_names[i].value;
    char buf[16];
    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    long v = strtol(buf, &end, 10);
    return *end == '\0' && v > 0 && v < 4096 ? (int)v : -1;
}

/* Replaces every rule with those of `spec` (NULL or "": none); 0, or -1 with EINVAL for a malformed spec. */
static int configure_faults(const char *spec)
{
    struct fault next[F_COUNT];
    memset(next, 0, sizeof(next));
    for (const char *r = spec; r != NULL && *r != '\0';) {
        const char *end = strpbrk(r, ";,");
        size_t len = end != NULL ? (size_t)(end - r) : strlen(r);
        const char *eq = memchr(r, '=', len);
        if (eq == NULL)
            goto bad;
        int which = -1;
        for (int i = 0; i < F_COUNT; i++)
            if (strlen(fault_names[i]) == (size_t)(eq - r) && strncmp(fault_names[i], r, eq - r) == 0)
                which = i;
        if (which < 0)
            goto bad;
        const char *v = eq + 1, *stop = r + len;
        const char *mark = v;
        while (mark < stop && *mark != '@' && *mark != 'x')
            mark++;
        int err = parse_errno(v, mark - v);
        if (err < 0)
            goto bad;
        long after = 0, count = -1;
        while (mark < stop) {
            char kind = *mark++;
            char *num_end;
            long n = strtol(mark, &num_end, 10);
            if (num_end == mark || num_end > stop || n < 0)
                goto bad;
            if (kind == '@')
                after = n;
            else
                count = n;
            mark = num_end;
        }
        next[which] = (struct fault){ .err = err, .after = after, .count = count, .calls = 0 };
        r = end != NULL ? end + 1 : NULL;
    }
    for (int i = 0; i < F_COUNT; i++) {
        __atomic_store_n(&faults[i].err, 0, __ATOMIC_RELEASE);
        faults[i].after = next[i].after;
        faults[i].count = next[i].count;
        __atomic_store_n(&faults[i].calls, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&faults[i].err, next[i].err, __ATOMIC_RELEASE);
    }
    return 0;
bad:
    errno = EINVAL;
    return -1;
}

/* In-process tests: replaces the fault rules as JNTPD_FAULTS=spec would at load. */
EXPORT int jntpd_faults_configure(const char *spec) { return configure_faults(spec); }

/* How many calls of FUNC the rules have seen (passed or failed); -1 for an unknown name. */
EXPORT long jntpd_faults_calls(const char *func)
{
    for (int i = 0; i < F_COUNT; i++)
        if (strcmp(fault_names[i], func) == 0)
            return __atomic_load_n(&faults[i].calls, __ATOMIC_RELAXED);
    return -1;
}

/* Reads the host's state with a private copy whose modes is 0: the only call of the real clock_adjtime. */
static int host_adjtime_read(clockid_t id, struct timex *txc)
{
    struct timex copy = *txc;
    copy.modes = 0;
    int rc = real_clock_adjtime(id, &copy);
    if (rc >= 0) {
        copy.modes = txc->modes;
        *txc = copy;
    }
    return rc;
}

static int shim_clock_adjtime(clockid_t id, struct timex *txc)
{
    if (txc == NULL) {
        errno = EFAULT;
        return -1;
    }
    if (txc->modes != 0) {
        int err = fault_now(F_CLOCK_ADJTIME);  /* JNTPD_FAULTS */
        if (err != 0) {
            errno = err;
            return -1;
        }
    }
    if (enabled() && id == CLOCK_REALTIME)
        return vclock_adjtime(txc);
    if (enabled() && id == CLOCK_TAI) {  /* as the kernel: CLOCK_TAI cannot be adjusted */
        errno = EOPNOTSUPP;
        return -1;
    }
    if (txc->modes != 0) {  /* never change a host clock */
        errno = EPERM;
        return -1;
    }
    return host_adjtime_read(id, txc);
}

EXPORT int clock_adjtime(clockid_t id, struct timex *txc) { return shim_clock_adjtime(id, txc); }
EXPORT int adjtimex(struct timex *txc) { return shim_clock_adjtime(CLOCK_REALTIME, txc); }
EXPORT int ntp_adjtime(struct timex *txc) { return shim_clock_adjtime(CLOCK_REALTIME, txc); }

/* glibc's ntp_gettimex() and the symbol ntp_gettime (its older, shorter struct without tai): read-only. */
struct ntptimeval_v1 {
    struct timeval time;
    long maxerror;
    long esterror;
};

EXPORT int ntp_gettimex(struct ntptimeval *ntv)
{
    struct timex tx = { .modes = 0 };
    int rc = shim_clock_adjtime(CLOCK_REALTIME, &tx);
    if (rc >= 0)
        *ntv = (struct ntptimeval){ .time = tx.time, .maxerror = tx.maxerror, .esterror = tx.esterror, .tai = tx.tai };
    return rc;
}

/* sys/timex.h redirects the C name ntp_gettime to ntp_gettimex; the exported symbol is the old one. */
EXPORT int ntp_gettime_v1(struct ntptimeval_v1 *ntv) __asm__("ntp_gettime");
EXPORT int ntp_gettime_v1(struct ntptimeval_v1 *ntv)
{
    struct timex tx = { .modes = 0 };
    int rc = shim_clock_adjtime(CLOCK_REALTIME, &tx);
    if (rc >= 0)
        *ntv = (struct ntptimeval_v1){ .time = tx.time, .maxerror = tx.maxerror, .esterror = tx.esterror };
    return rc;
}

/* glibc's adjtime() on top of ADJ_OFFSET_SINGLESHOT, with its range checks. */
EXPORT int adjtime(const struct timeval *delta, struct timeval *olddelta)
{
    struct timex tx = { 0 };
    if (delta != NULL) {
        long sec = delta->tv_sec + delta->tv_usec / USEC_PER_SEC;
        long usec = delta->tv_usec % USEC_PER_SEC;
        if (sec > LONG_MAX / USEC_PER_SEC - 2 || sec < LONG_MIN / USEC_PER_SEC + 2) {
            errno = EINVAL;
            return -1;
        }
        tx.offset = usec + sec * USEC_PER_SEC;
        tx.modes = ADJ_OFFSET_SINGLESHOT;
    } else {
        tx.modes = ADJ_OFFSET_SS_READ;
    }
    if (shim_clock_adjtime(CLOCK_REALTIME, &tx) < 0)
        return -1;
    if (olddelta != NULL) {
        olddelta->tv_sec = tx.offset / USEC_PER_SEC;  /* C division truncates, as glibc's sign-split code */
        olddelta->tv_usec = tx.offset % USEC_PER_SEC;
    }
    return 0;
}

EXPORT int clock_settime(clockid_t id, const struct timespec *ts)
{
    if (!enabled()) {
        errno = EPERM;
        return -1;
    }
    if (id != CLOCK_REALTIME) {
        errno = EINVAL;
        return -1;
    }
    if (ts == NULL) {
        errno = EFAULT;
        return -1;
    }
    return vclock_set(ts);
}

EXPORT int settimeofday(const struct timeval *tv, const struct timezone *tz)
{
    (void)tz;  /* the kernel's timezone is not virtualised; ignoring it changes nothing on the host */
    if (!enabled()) {
        errno = EPERM;
        return -1;
    }
    if (tv == NULL)
        return 0;
    if (tv->tv_usec < 0 || tv->tv_usec >= USEC_PER_SEC) {
        errno = EINVAL;
        return -1;
    }
    struct timespec ts = { .tv_sec = tv->tv_sec, .tv_nsec = tv->tv_usec * NSEC_PER_USEC };
    return vclock_set(&ts);
}

/* ---- Socket timestamps ---- */

#ifndef SO_TIMESTAMP_OLD
#define SO_TIMESTAMP_OLD 29
#define SO_TIMESTAMPNS_OLD 35
#define SO_TIMESTAMPING_OLD 37
#endif
#ifndef SO_TIMESTAMP_NEW
#define SO_TIMESTAMP_NEW 63
#define SO_TIMESTAMPNS_NEW 64
#define SO_TIMESTAMPING_NEW 65
#endif

/* Host CLOCK_REALTIME ns -> virtual ns. Under the lock. */
static int64_t stamp_to_virtual(int64_t host_realtime_ns, int64_t realtime_to_truth_ns)
{
    return (int64_t)(virtual_at(host_realtime_ns + realtime_to_truth_ns) >> 32);
}

/* 64-bit x86 layout of timeval/timespec in control messages: two 64-bit words, old and new variants alike. */
struct stamp64 {
    int64_t sec;
    int64_t frac;
};

static void rewrite_stamp(unsigned char *p, int64_t unit_ns, int64_t shift_ns)
{
    struct stamp64 s;
    memcpy(&s, p, sizeof(s));
    if (s.sec == 0 && s.frac == 0)  /* an absent stamp (SCM_TIMESTAMPING without software stamps) */
        return;
    int64_t v = stamp_to_virtual(s.sec * NSEC_PER_SEC + s.frac * unit_ns, shift_ns);
    int64_t unit_per_sec = NSEC_PER_SEC / unit_ns;
    s.sec = v / NSEC_PER_SEC;
    s.frac = v % NSEC_PER_SEC / unit_ns;
    if (s.frac < 0) {
        s.frac += unit_per_sec;
        s.sec--;
    }
    memcpy(p, &s, sizeof(s));
}

static void rewrite_control(struct msghdr *msg, int64_t shift_ns)
{
    if (msg->msg_control == NULL || msg->msg_controllen < sizeof(struct cmsghdr))
        return;
    unsigned char *end = (unsigned char *)msg->msg_control + msg->msg_controllen;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
        unsigned char *data = CMSG_DATA(c);
        if (c->cmsg_level != SOL_SOCKET || (unsigned char *)c + c->cmsg_len > end || c->cmsg_len < CMSG_LEN(0))
            continue;
        size_t len = c->cmsg_len - CMSG_LEN(0);
        switch (c->cmsg_type) {
        case SO_TIMESTAMP_OLD:
        case SO_TIMESTAMP_NEW:
            if (len >= sizeof(struct stamp64))
                rewrite_stamp(data, NSEC_PER_USEC, shift_ns);
            break;
        case SO_TIMESTAMPNS_OLD:
        case SO_TIMESTAMPNS_NEW:
            if (len >= sizeof(struct stamp64))
                rewrite_stamp(data, 1, shift_ns);
            break;
        case SO_TIMESTAMPING_OLD:
        case SO_TIMESTAMPING_NEW:
            /* ts[0] software; ts[1] legacy (zero); ts[2] raw hardware: a NIC clock's own timescale, left alone */
            if (len >= 3 * sizeof(struct stamp64))
                rewrite_stamp(data, 1, shift_ns);
            break;
        default:
            break;
        }
    }
}

/* Offset from host CLOCK_REALTIME to true time right now (0 unless the truth is CLOCK_MONOTONIC_RAW). */
static int64_t realtime_to_truth_ns(void)
{
    if (truth_clock == CLOCK_REALTIME)
        return 0;
    /* Bracket the truth reading between two realtime readings and keep the tightest of a few tries: a preemption
       between two plain readings (VM stalls of microseconds) would shift every translated stamp by its length. */
    int64_t best = 0, best_width = INT64_MAX;
    for (int i = 0; i < 4; i++) {
        int64_t r0 = host_ns(CLOCK_REALTIME), t = true_now_ns(), r1 = host_ns(CLOCK_REALTIME);
        if (r1 - r0 < best_width) {
            best_width = r1 - r0;
            best = t - (r0 + (r1 - r0) / 2);
        }
    }
    return best;
}

static int (*real_sendmmsg)(int, struct mmsghdr *, unsigned int, int);
static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);

EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
    int err = fault_now(F_SENDMMSG);
    if (err != 0) {
        errno = err;
        return -1;
    }
    return real_sendmmsg(fd, vec, vlen, flags);
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    int err = fault_now(F_SENDMSG);
    if (err != 0) {
        errno = err;
        return -1;
    }
    return real_sendmsg(fd, msg, flags);
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    int err = (flags & MSG_ERRQUEUE) ? 0 : fault_now(F_RECVMSG);
    if (err != 0) {
        errno = err;
        return -1;
    }
    ssize_t n = real_recvmsg(fd, msg, flags);
    if (n >= 0 && enabled() && msg != NULL) {
        int saved = errno;
        lock();
        rewrite_control(msg, realtime_to_truth_ns());
        unlock();
        errno = saved;
    }
    return n;
}

EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags, struct timespec *timeout)
{
    int err = (flags & MSG_ERRQUEUE) ? 0 : fault_now(F_RECVMMSG);
    if (err != 0) {
        errno = err;
        return -1;
    }
    int n = real_recvmmsg(fd, vec, vlen, flags, timeout);
    if (n > 0 && enabled()) {
        int saved = errno;
        lock();
        int64_t shift = realtime_to_truth_ns();
        for (int i = 0; i < n; i++)
            rewrite_control(&vec[i].msg_hdr, shift);
        unlock();
        errno = saved;
    }
    return n;
}

/* ---- Control API for in-process tests (FFM can call these through the same lookup) ---- */

/* Parses "OFFSET_S,FREQ_PPM"; 0 on success. */
static int parse_spec(const char *spec, int64_t *offset_ns, double *freq_ppm)
{
    char *end;
    errno = 0;
    double offset_s = strtod(spec, &end);
    if (end == spec || *end != ',' || errno != 0 || !isfinite(offset_s) || fabs(offset_s) > 4e9)
        return -1;
    const char *f = end + 1;
    double ppm = strtod(f, &end);
    if (end == f || *end != '\0' || errno != 0 || !isfinite(ppm) || fabs(ppm) > MAX_FREQ_ERROR * 1e6)
        return -1;
    *offset_ns = llround(offset_s * 1e9);
    *freq_ppm = ppm;
    return 0;
}

static int configure(const char *spec)
{
    int64_t offset_ns;
    double ppm;
    if (spec != NULL && parse_spec(spec, &offset_ns, &ppm) != 0) {
        errno = EINVAL;
        return -1;
    }
    lock();
    if (spec == NULL)
        __atomic_store_n(&vc.enabled, false, __ATOMIC_RELEASE);
    else
        start_clock(offset_ns, ppm);
    unlock();
    return 0;
}

/* Restarts the virtual clock as JNTPD_VIRTUAL_CLOCK=spec would at load; NULL switches to pass-through. */
EXPORT int jntpd_vclock_configure(const char *spec) { return configure(spec); }

/* True time in ns (the host's CLOCK_REALTIME unless JNTPD_VIRTUAL_CLOCK_TRUTH=raw). */
EXPORT int64_t jntpd_vclock_true_ns(void) { return true_now_ns(); }

/* Virtual minus true time in ns now; 0 in pass-through. */
EXPORT int64_t jntpd_vclock_offset_ns(void)
{
    lock();
    int64_t t = true_now_ns();
    int64_t d = enabled() ? (int64_t)(virtual_at(t) >> 32) - t : 0;
    unlock();
    return d;
}

/* ---- Log thread: TRUE_UNIX_S VIRTUAL_MINUS_TRUE_S FREQ_PPM, once per second of true time ---- */

static void format_ns(char *buf, size_t size, int64_t ns)
{
    uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    snprintf(buf, size, "%s%llu.%09llu", ns < 0 ? "-" : "", (unsigned long long)(a / NSEC_PER_SEC),
            (unsigned long long)(a % NSEC_PER_SEC));
}

static FILE *log_out;

/* JNTPD_VIRTUAL_CLOCK_STEP=WHEN,STEP_S: "another program" steps V by STEP_S once (as clock_settime would), WHEN being
   AFTER_S s of true time after load, or /PATH: once that file exists. For tests of the daemon's interference
   warnings; the log thread does it. */
static bool foreign_step_pending;
static char foreign_step_file[512];
static int64_t foreign_step_at_true_ns;
static int64_t foreign_step_ns;

static void foreign_step(void)
{
    lock();
    int64_t t = true_now_ns();
    if (enabled()) {
        advance_to(t);
        i128 v = virtual_at(t) + (i128)foreign_step_ns * ((i128)1 << 32);
        if (settable(v))
            push_segment(t, v);
    }
    unlock();
}

static void write_log_line(FILE *out)
{
    lock();
    int64_t t = true_now_ns();
    int64_t d = enabled() ? (int64_t)(virtual_at(t) >> 32) - t : 0;
    double ppm = enabled() ? effective_ppm() : 0.0;
    unlock();
    char ts[32], ds[32];
    format_ns(ts, sizeof(ts), t);
    format_ns(ds, sizeof(ds), d);
    fprintf(out, "%s %s %.6f\n", ts, ds, ppm);
    fflush(out);
}

/* The line at load is written by start_log itself; this thread writes one just after each whole second. */
static void *log_main(void *arg)
{
    FILE *out = arg;
    for (;;) {
        int64_t wait = NSEC_PER_SEC - (true_now_ns() % NSEC_PER_SEC + NSEC_PER_SEC) % NSEC_PER_SEC;
        struct timespec rq = { .tv_sec = wait / NSEC_PER_SEC, .tv_nsec = wait % NSEC_PER_SEC };
        while (clock_nanosleep(CLOCK_MONOTONIC, 0, &rq, &rq) == EINTR) {
        }
        if (foreign_step_pending && (foreign_step_file[0] != '\0' ? access(foreign_step_file, F_OK) == 0
                : true_now_ns() - foreign_step_at_true_ns >= 0)) {
            foreign_step_pending = false;
            foreign_step();
        }
        write_log_line(out);
    }
    return NULL;
}

/* A last line at exit, so even a run shorter than a second leaves its end state in the log. */
__attribute__((destructor)) static void log_at_exit(void)
{
    if (log_out != NULL)
        write_log_line(log_out);
}

static void start_log(const char *path)
{
    FILE *out = fopen(path, "ae");
    if (out == NULL) {
        fprintf(stderr, "jntpd vclock: JNTPD_VIRTUAL_CLOCK_LOG=%s: cannot open for appending: %s\n", path,
                strerror(errno));
        _exit(2);
    }
    /* The first line in the constructor, not in the new thread: a busy machine ran the thread 96 ms after the load,
       and the line "at load" then showed 4.8 us of the oscillator's 50 ppm already gained. */
    write_log_line(out);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);  /* the thread inherits a mask that keeps the host's signals away */
    pthread_t thread;
    int rc = pthread_create(&thread, NULL, log_main, out);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        fprintf(stderr, "jntpd vclock: cannot start the log thread: %s\n", strerror(rc));
        _exit(2);
    }
    pthread_detach(thread);
    log_out = out;
}

/* ---- Load ---- */

static void *resolve(void *libc, const char *name)
{
    /* dlopen()ed with RTLD_LOCAL, the libc handle and RTLD_NEXT both find libc's own definition; under LD_PRELOAD
       only they do (RTLD_DEFAULT would find this library). */
    void *p = libc != NULL ? dlsym(libc, name) : NULL;
    if (p == NULL)
        p = dlsym(RTLD_NEXT, name);
    if (p == NULL) {
        fprintf(stderr, "jntpd vclock: cannot find libc's %s\n", name);
        _exit(2);
    }
    return p;
}

static void fail_config(const char *name, const char *value, const char *expected)
{
    fprintf(stderr, "jntpd vclock: %s=\"%s\" is invalid: expected %s\n", name, value, expected);
    _exit(2);
}

static void before_fork(void) { lock(); }
static void after_fork(void) { unlock(); }

__attribute__((constructor)) static void vclock_load(void)
{
    void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
    real_clock_gettime = resolve(libc, "clock_gettime");
    real_clock_getres = resolve(libc, "clock_getres");
    real_clock_adjtime = resolve(libc, "clock_adjtime");
    real_gettimeofday = resolve(libc, "gettimeofday");
    real_recvmsg = resolve(libc, "recvmsg");
    real_recvmmsg = resolve(libc, "recvmmsg");
    real_sendmmsg = resolve(libc, "sendmmsg");
    real_sendmsg = resolve(libc, "sendmsg");
    pthread_atfork(before_fork, after_fork, after_fork);

    const char *truth = getenv("JNTPD_VIRTUAL_CLOCK_TRUTH");
    if (truth != NULL && strcmp(truth, "raw") == 0) {
        int64_t r0 = host_ns(CLOCK_REALTIME), raw = host_ns(CLOCK_MONOTONIC_RAW), r1 = host_ns(CLOCK_REALTIME);
        truth_clock = CLOCK_MONOTONIC_RAW;
        truth_offset_ns = r0 + (r1 - r0) / 2 - raw;
    } else if (truth != NULL && strcmp(truth, "realtime") != 0) {
        fail_config("JNTPD_VIRTUAL_CLOCK_TRUTH", truth, "realtime or raw");
    }

    const char *wander = getenv("JNTPD_VIRTUAL_CLOCK_WANDER");
    vc.rng = 0x9e3779b97f4a7c15ULL;
    if (wander != NULL) {
        char *end;
        vc.wander_ppm = strtod(wander, &end);
        if (end == wander || !(vc.wander_ppm >= 0 && vc.wander_ppm <= 1000) || (*end != '\0' && *end != ','))
            fail_config("JNTPD_VIRTUAL_CLOCK_WANDER", wander, "PPM_PER_SQRT_S[,SEED] with 0 <= PPM_PER_SQRT_S <= 1000");
        if (*end == ',') {
            const char *s = end + 1;
            unsigned long long seed = strtoull(s, &end, 10);
            if (end == s || *end != '\0')
                fail_config("JNTPD_VIRTUAL_CLOCK_WANDER", wander, "PPM_PER_SQRT_S[,SEED] with an unsigned SEED");
            vc.rng ^= seed * 0xbf58476d1ce4e5b9ULL;
        }
        if (vc.rng == 0)
            vc.rng = 1;
    }

    const char *spec = getenv("JNTPD_VIRTUAL_CLOCK");
    if (spec != NULL && configure(spec) != 0)
        fail_config("JNTPD_VIRTUAL_CLOCK", spec,
                "OFFSET_S,FREQ_PPM such as 0.3,50 (|OFFSET_S| <= 4e9, |FREQ_PPM| <= 100000)");

    const char *fault_spec = getenv("JNTPD_FAULTS");
    if (fault_spec != NULL && configure_faults(fault_spec) != 0)
        fail_config("JNTPD_FAULTS", fault_spec, "FUNC=ERRNO[@AFTER][xCOUNT];... with FUNC one of clock_adjtime, "
                "sendmmsg, recvmmsg, sendmsg, recvmsg and ERRNO a name such as EPERM or a number");

    const char *log = getenv("JNTPD_VIRTUAL_CLOCK_LOG");
    const char *step = getenv("JNTPD_VIRTUAL_CLOCK_STEP");
    if (step != NULL) {
        char *end;
        double after_s = 0;
        double step_s = 0;
        const char *comma = strrchr(step, ',');
        bool ok;
        if (step[0] == '/') {
            size_t len = comma == NULL ? 0 : (size_t)(comma - step);
            ok = len > 0 && len < sizeof(foreign_step_file);
            if (ok)
                memcpy(foreign_step_file, step, len);
            end = (char *)comma;
        } else {
            after_s = strtod(step, &end);
            ok = end != step && *end == ',' && after_s >= 0 && after_s <= 1e6;
        }
        if (ok) {
            const char *s2 = end + 1;
            step_s = strtod(s2, &end);
            ok = end != s2 && *end == '\0' && step_s >= -1e6 && step_s <= 1e6;
        }
        if (!ok || log == NULL || *log == '\0')
            fail_config("JNTPD_VIRTUAL_CLOCK_STEP", step, "WHEN,STEP_S such as 20,2 or /tmp/go,2 (WHEN: "
                    "0 <= AFTER_S <= 1e6 or a file's path; |STEP_S| <= 1e6), with JNTPD_VIRTUAL_CLOCK_LOG set (its thread "
                    "makes the step)");
        foreign_step_at_true_ns = true_now_ns() + (int64_t)llround(after_s * 1e9);
        foreign_step_ns = (int64_t)llround(step_s * 1e9);
        foreign_step_pending = true;
    }
    if (log != NULL && *log != '\0')
        start_log(log);
}
