// SPDX-License-Identifier: GPL-2.0
/*
 * jntpd_pps: a PPS source for the emulated-guest test tier.
 *
 * Fires assert (and optionally clear) events from an hrtimer. The edges sit on the raw monotonic clock
 * (CLOCK_MONOTONIC_RAW), which no adjtimex call can steer, so they stay put while a daemon disciplines
 * CLOCK_REALTIME: an independent reference. Each event is stamped with the realtime of its intended raw
 * instant (realtime now minus the timer's lateness, converted at the realtime/raw rate of the last period),
 * so the 40 us..0.4 ms timer latency of a TCG guest, and its stalls of up to a second on a loaded host, do
 * not show up as jitter.
 *
 * Truth for a test: assert number n (the RFC 2783 assert_sequence, from 1) happens at raw time
 * first_edge_raw_ns + (n - 1) * period_ns. The reference claims that instant to be
 * first_edge_real_ns + (n - 1) * 1 s, so period_ns = 1e9 + X makes a reference that runs X ppb slow
 * against the guest's raw clock (its seconds are longer).
 */
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/pps_kernel.h>
#include <linux/timekeeping.h>

#define NS_PER_S 1000000000LL

static ulong period_ns = 1000000000UL;
module_param(period_ns, ulong, 0444);
MODULE_PARM_DESC(period_ns, "time between assert edges on the raw clock, ns (1e9 + X = a reference X ppb slow)");

static ulong phase_ns;
module_param(phase_ns, ulong, 0444);
MODULE_PARM_DESC(phase_ns, "first assert edge this long after the aligned start, ns (below period_ns)");

static ulong clear_ns;
module_param(clear_ns, ulong, 0444);
MODULE_PARM_DESC(clear_ns, "clear edge this long after each assert edge, ns; 0 = no clear events");

static bool align = true;
module_param(align, bool, 0444);
MODULE_PARM_DESC(align, "1: start at the next whole second of CLOCK_REALTIME at load; 0: start at load");

/* Read-only truth for tests (CLOCK_REALTIME and CLOCK_MONOTONIC_RAW read in one snapshot at load). */
static long load_real_ns;
module_param(load_real_ns, long, 0444);
MODULE_PARM_DESC(load_real_ns, "readout: CLOCK_REALTIME at load, ns");

static long load_raw_ns;
module_param(load_raw_ns, long, 0444);
MODULE_PARM_DESC(load_raw_ns, "readout: CLOCK_MONOTONIC_RAW at load, ns (same snapshot as load_real_ns)");

static long first_edge_raw_ns;
module_param(first_edge_raw_ns, long, 0444);
MODULE_PARM_DESC(first_edge_raw_ns, "readout: raw time of assert 1, ns");

static long first_edge_real_ns;
module_param(first_edge_real_ns, long, 0444);
MODULE_PARM_DESC(first_edge_real_ns, "readout: realtime the reference assigns to assert 1, ns");

static ulong asserts;
module_param(asserts, ulong, 0444);
MODULE_PARM_DESC(asserts, "readout: assert events fired");

static ulong clears;
module_param(clears, ulong, 0444);
MODULE_PARM_DESC(clears, "readout: clear events fired");

static ulong max_late_ns;
module_param(max_late_ns, ulong, 0444);
MODULE_PARM_DESC(max_late_ns, "readout: largest timer lateness seen, ns (corrected out of the stamps)");

static struct pps_device *pps;
static struct hrtimer timer;
static s64 prev_fire_real_ns; /* realtime and raw of the previous callback (one snapshot); 0 = none yet */
static s64 prev_fire_raw_ns;
static s64 next_edge_raw_ns; /* raw instant of the next event */
static bool next_is_clear;

/* Arms the timer for a raw instant. hrtimers run on CLOCK_MONOTONIC, which a daemon slews by up to
 * 500 ppm against raw; an early expiry is caught in the callback and re-armed. */
static void arm(s64 edge_raw_ns)
{
	s64 delta_ns = edge_raw_ns - ktime_to_ns(ktime_get_raw());

	hrtimer_set_expires(&timer, ktime_add_ns(ktime_get(), max_t(s64, delta_ns, 0)));
}

/*
 * The realtime that passed during late_ns of raw time. 1:1 errs by the lateness times the rate difference: a
 * daemon slewing at 500 ppm (adjtime) through a 0.5 s stall of the guest moved stamps by 250 us, and chronyd's
 * tick slews run at up to 8.3%. Within the last period a daemon's rate is mostly constant (it changes it once
 * an update, and adjtime and the kernel PLL change it at second boundaries), so that period's realtime/raw
 * ratio is used; 1:1 when there is none or it is no rate (a step fell in it).
 */
static s64 late_to_real_ns(s64 late_ns, const struct system_time_snapshot *snap)
{
	s64 raw_ns = ktime_to_ns(snap->raw) - prev_fire_raw_ns;
	s64 real_ns = ktime_to_ns(snap->real) - prev_fire_real_ns;

	if (prev_fire_raw_ns == 0 || raw_ns < NS_PER_S / 10 || raw_ns > 10 * NS_PER_S || late_ns > 5 * NS_PER_S
	    || real_ns < raw_ns - raw_ns / 8 || real_ns > raw_ns + raw_ns / 8)
		return late_ns;
	/* late_ns < 5e9 and real_ns < 1.2e10: the product fits in 64 bits. */
	return div64_s64(late_ns * real_ns, raw_ns);
}

static enum hrtimer_restart fire(struct hrtimer *t)
{
	struct system_time_snapshot snap;
	struct pps_event_time ev;
	s64 late_ns, stamp_ns;
	int event;

	ktime_get_snapshot(&snap);
	late_ns = ktime_to_ns(snap.raw) - next_edge_raw_ns;
	if (late_ns < 0) {
		arm(next_edge_raw_ns);
		return HRTIMER_RESTART;
	}
	if (late_ns > max_late_ns)
		max_late_ns = late_ns;
	stamp_ns = ktime_to_ns(snap.real) - late_to_real_ns(late_ns, &snap);
	prev_fire_real_ns = ktime_to_ns(snap.real);
	prev_fire_raw_ns = ktime_to_ns(snap.raw);
	memset(&ev, 0, sizeof(ev));
	ev.ts_real = ns_to_timespec64(stamp_ns);
#ifdef CONFIG_NTP_PPS
	ev.ts_raw = ns_to_timespec64(next_edge_raw_ns);
#endif
	if (next_is_clear) {
		event = PPS_CAPTURECLEAR;
		clears++;
		next_edge_raw_ns += period_ns - clear_ns;
		next_is_clear = false;
	} else {
		event = PPS_CAPTUREASSERT;
		asserts++;
		if (clear_ns) {
			next_edge_raw_ns += clear_ns;
			next_is_clear = true;
		} else {
			next_edge_raw_ns += period_ns;
		}
	}
	pps_event(pps, &ev, event, NULL);
	arm(next_edge_raw_ns);
	return HRTIMER_RESTART;
}

static int __init jntpd_pps_init(void)
{
	struct pps_source_info info = {
		.name = "jntpd_pps",
		.path = "",
		.mode = PPS_CAPTUREBOTH | PPS_OFFSETASSERT | PPS_OFFSETCLEAR | PPS_CANWAIT | PPS_TSFMT_TSPEC,
		.owner = THIS_MODULE,
	};
	struct system_time_snapshot snap;
	s64 start_real_ns;

	if (period_ns < 1000000UL || phase_ns >= period_ns || clear_ns >= period_ns) {
		pr_err("jntpd_pps: need period_ns >= 1e6, phase_ns < period_ns, clear_ns < period_ns\n");
		return -EINVAL;
	}
	pps = pps_register_source(&info, PPS_CAPTUREASSERT | PPS_OFFSETASSERT);
	if (IS_ERR(pps))
		return PTR_ERR(pps);

	ktime_get_snapshot(&snap);
	load_real_ns = ktime_to_ns(snap.real);
	load_raw_ns = ktime_to_ns(snap.raw);
	start_real_ns = load_real_ns;
	if (align)
		start_real_ns = (div64_s64(load_real_ns, NS_PER_S) + 1) * NS_PER_S;
	first_edge_real_ns = start_real_ns + phase_ns;
	first_edge_raw_ns = load_raw_ns + (first_edge_real_ns - load_real_ns);
	next_edge_raw_ns = first_edge_raw_ns;
	next_is_clear = false;

	hrtimer_init(&timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	timer.function = fire;
	arm(next_edge_raw_ns);
	hrtimer_start_expires(&timer, HRTIMER_MODE_ABS);
	pr_info("jntpd_pps: pps%d, period %lu ns, phase %lu ns, clear %lu ns, first edge at realtime %ld ns\n",
		pps->id, period_ns, phase_ns, clear_ns, first_edge_real_ns);
	return 0;
}

static void __exit jntpd_pps_exit(void)
{
	hrtimer_cancel(&timer);
	pps_unregister_source(pps);
}

module_init(jntpd_pps_init);
module_exit(jntpd_pps_exit);
MODULE_DESCRIPTION("jntpd test PPS source: hrtimer edges on the raw clock, stamped at their intended instant");
MODULE_LICENSE("GPL");
