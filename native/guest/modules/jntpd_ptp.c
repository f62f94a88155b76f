// SPDX-License-Identifier: GPL-2.0
/*
 * jntpd_ptp: a software PTP hardware clock for the emulated-guest test tier.
 *
 * The clock is the guest's raw monotonic clock (CLOCK_MONOTONIC_RAW, which no adjtimex call steers) run
 * through its own offset and frequency:
 *     phc(raw) = anchor_phc_ns + (raw - anchor_raw_ns) * (1 + rate)
 * with rate = drift_ppb (the "oscillator" error, a parameter) plus what adjfine set. settime64, adjtime and
 * adjfine re-anchor, so a change never jumps the clock. gettimex64 serves PTP_SYS_OFFSET(_EXTENDED),
 * getcrosststamp serves PTP_SYS_OFFSET_PRECISE (realtime and raw come from one clocksource read there).
 * With pps=1 the PTP core also registers a PPS source fed on every whole second of the PHC, stamped with
 * the realtime of that instant (not the time the timer ran).
 */
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/ptp_clock_kernel.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>

#define NS_PER_S 1000000000LL
/* adjfine's unit: ppm with a 16-bit fraction; 1 means 2^-16 ppm. */
#define SCALED_PPM_PER_UNIT 65536000000ULL

static long offset_ns;
module_param(offset_ns, long, 0444);
MODULE_PARM_DESC(offset_ns, "PHC minus CLOCK_REALTIME at load, ns");

static int drift_ppb;
module_param(drift_ppb, int, 0444);
MODULE_PARM_DESC(drift_ppb, "PHC rate error against the raw clock before any adjfine, ppb (+ = fast)");

static int max_adj_ppb = 1000000;
module_param(max_adj_ppb, int, 0444);
MODULE_PARM_DESC(max_adj_ppb, "largest frequency adjustment the clock accepts, ppb");

static bool pps;
module_param(pps, bool, 0444);
MODULE_PARM_DESC(pps, "1: register a PPS source with an assert on every whole second of the PHC");

static DEFINE_SPINLOCK(lock);
static s64 anchor_raw_ns;
static s64 anchor_phc_ns;
static long rate_scaled_ppm; /* drift + adjfine, in 2^-16 ppm */

static struct ptp_clock *clock;
static struct hrtimer pps_timer;
static s64 pps_target_phc_ns; /* whole second of the PHC the next PPS event marks */
static bool pps_enabled = true;

static s64 scale(s64 delta_ns, long scaled_ppm)
{
	u64 mag = mul_u64_u64_div_u64(abs(delta_ns), abs(scaled_ppm), SCALED_PPM_PER_UNIT);

	return (delta_ns < 0) != (scaled_ppm < 0) ? -(s64)mag : (s64)mag;
}

/* Caller holds the lock. */
static s64 phc_at(s64 raw_ns)
{
	s64 elapsed_ns = raw_ns - anchor_raw_ns;

	return anchor_phc_ns + elapsed_ns + scale(elapsed_ns, rate_scaled_ppm);
}

/* Caller holds the lock: the raw instant the PHC reaches phc_ns (phc_ns not before the anchor). */
static s64 raw_at(s64 phc_ns)
{
	u64 ahead_ns = max_t(s64, phc_ns - anchor_phc_ns, 0);

	return anchor_raw_ns + mul_u64_u64_div_u64(ahead_ns, SCALED_PPM_PER_UNIT,
						   SCALED_PPM_PER_UNIT + rate_scaled_ppm);
}

static void reanchor(s64 raw_ns, s64 phc_ns)
{
	anchor_raw_ns = raw_ns;
	anchor_phc_ns = phc_ns;
}

static int jntpd_ptp_adjfine(struct ptp_clock_info *info, long scaled_ppm)
{
	unsigned long flags;
	s64 raw_ns;

	spin_lock_irqsave(&lock, flags);
	raw_ns = ktime_to_ns(ktime_get_raw());
	reanchor(raw_ns, phc_at(raw_ns));
	rate_scaled_ppm = scaled_ppm + div_s64((s64)drift_ppb * 65536, 1000);
	spin_unlock_irqrestore(&lock, flags);
	return 0;
}

static int jntpd_ptp_adjtime(struct ptp_clock_info *info, s64 delta_ns)
{
	unsigned long flags;
	s64 raw_ns;

	spin_lock_irqsave(&lock, flags);
	raw_ns = ktime_to_ns(ktime_get_raw());
	reanchor(raw_ns, phc_at(raw_ns) + delta_ns);
	spin_unlock_irqrestore(&lock, flags);
	return 0;
}

static int jntpd_ptp_settime64(struct ptp_clock_info *info, const struct timespec64 *ts)
{
	unsigned long flags;

	spin_lock_irqsave(&lock, flags);
	reanchor(ktime_to_ns(ktime_get_raw()), timespec64_to_ns(ts));
	spin_unlock_irqrestore(&lock, flags);
	return 0;
}

static int jntpd_ptp_gettimex64(struct ptp_clock_info *info, struct timespec64 *ts,
				struct ptp_system_timestamp *sts)
{
	unsigned long flags;
	s64 phc_ns;

	spin_lock_irqsave(&lock, flags);
	ptp_read_system_prets(sts);
	phc_ns = phc_at(ktime_to_ns(ktime_get_raw()));
	ptp_read_system_postts(sts);
	spin_unlock_irqrestore(&lock, flags);
	*ts = ns_to_timespec64(phc_ns);
	return 0;
}

static int jntpd_ptp_getcrosststamp(struct ptp_clock_info *info, struct system_device_crosststamp *cts)
{
	struct system_time_snapshot snap;
	unsigned long flags;

	spin_lock_irqsave(&lock, flags);
	ktime_get_snapshot(&snap);
	cts->device = ns_to_ktime(phc_at(ktime_to_ns(snap.raw)));
	spin_unlock_irqrestore(&lock, flags);
	cts->sys_realtime = snap.real;
	cts->sys_monoraw = snap.raw;
	return 0;
}

static int jntpd_ptp_enable(struct ptp_clock_info *info, struct ptp_clock_request *rq, int on)
{
	if (rq->type != PTP_CLK_REQ_PPS || !pps)
		return -EOPNOTSUPP;
	WRITE_ONCE(pps_enabled, !!on);
	return 0;
}

static struct ptp_clock_info jntpd_ptp_info = {
	.owner = THIS_MODULE,
	.name = "jntpd_ptp",
	.adjfine = jntpd_ptp_adjfine,
	.adjtime = jntpd_ptp_adjtime,
	.settime64 = jntpd_ptp_settime64,
	.gettimex64 = jntpd_ptp_gettimex64,
	.getcrosststamp = jntpd_ptp_getcrosststamp,
	.enable = jntpd_ptp_enable,
};

/* Caller holds the lock. hrtimers run on CLOCK_MONOTONIC: an early expiry is re-armed by pps_fire. */
static void pps_arm(void)
{
	s64 delta_ns = raw_at(pps_target_phc_ns) - ktime_to_ns(ktime_get_raw());

	hrtimer_set_expires(&pps_timer, ktime_add_ns(ktime_get(), max_t(s64, delta_ns, 0)));
}

static enum hrtimer_restart pps_fire(struct hrtimer *t)
{
	struct system_time_snapshot snap;
	struct ptp_clock_event ev;
	unsigned long flags;
	s64 phc_ns, late_ns;
	bool emit;

	spin_lock_irqsave(&lock, flags);
	ktime_get_snapshot(&snap);
	phc_ns = phc_at(ktime_to_ns(snap.raw));
	late_ns = phc_ns - pps_target_phc_ns;
	/* After a step (settime/adjtime) the target may be far off: skip to the next whole second. */
	emit = late_ns >= 0 && late_ns < NS_PER_S / 10;
	if (late_ns >= 0 || late_ns < -NS_PER_S - NS_PER_S / 10)
		pps_target_phc_ns = (div64_s64(phc_ns, NS_PER_S) + 1) * NS_PER_S;
	pps_arm();
	spin_unlock_irqrestore(&lock, flags);

	if (emit && READ_ONCE(pps_enabled)) {
		memset(&ev, 0, sizeof(ev));
		ev.type = PTP_CLOCK_PPSUSR;
		/* The realtime of the PHC's whole second; PHC and realtime rates differ by ppm only. */
		ev.pps_times.ts_real = ns_to_timespec64(ktime_to_ns(snap.real) - late_ns);
#ifdef CONFIG_NTP_PPS
		ev.pps_times.ts_raw = ns_to_timespec64(ktime_to_ns(snap.raw) - late_ns);
#endif
		ptp_clock_event(clock, &ev);
	}
	return HRTIMER_RESTART;
}

static int __init jntpd_ptp_init(void)
{
	struct system_time_snapshot snap;
	unsigned long flags;

	if (max_adj_ppb <= 0 || abs(drift_ppb) >= max_adj_ppb) {
		pr_err("jntpd_ptp: need max_adj_ppb > 0 and |drift_ppb| < max_adj_ppb\n");
		return -EINVAL;
	}
	jntpd_ptp_info.max_adj = max_adj_ppb;
	jntpd_ptp_info.pps = pps;

	ktime_get_snapshot(&snap);
	reanchor(ktime_to_ns(snap.raw), ktime_to_ns(snap.real) + offset_ns);
	rate_scaled_ppm = div_s64((s64)drift_ppb * 65536, 1000);

	clock = ptp_clock_register(&jntpd_ptp_info, NULL);
	if (IS_ERR(clock))
		return PTR_ERR(clock);
	if (pps) {
		hrtimer_init(&pps_timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
		pps_timer.function = pps_fire;
		spin_lock_irqsave(&lock, flags);
		pps_target_phc_ns = (div64_s64(phc_at(ktime_to_ns(ktime_get_raw())), NS_PER_S) + 1) * NS_PER_S;
		pps_arm();
		spin_unlock_irqrestore(&lock, flags);
		hrtimer_start_expires(&pps_timer, HRTIMER_MODE_ABS);
	}
	pr_info("jntpd_ptp: ptp%d, offset %ld ns, drift %d ppb, pps %d\n", ptp_clock_index(clock), offset_ns,
		drift_ppb, pps);
	return 0;
}

static void __exit jntpd_ptp_exit(void)
{
	if (pps)
		hrtimer_cancel(&pps_timer);
	ptp_clock_unregister(clock);
}

module_init(jntpd_ptp_init);
module_exit(jntpd_ptp_exit);
MODULE_DESCRIPTION("jntpd test PTP clock: the raw clock with its own offset and frequency");
MODULE_LICENSE("GPL");
