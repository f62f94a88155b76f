package org.jntpd.refclock.linux;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongSupplier;
import org.jntpd.config.Config;
import org.jntpd.config.ConfigParser;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.refclock.PhcSampler;
import org.jntpd.refclock.SystemReference;
import org.jntpd.rtc.RtcReader;
import org.jntpd.rtc.RtcReading;
import org.jntpd.rtc.RtcSetter;
import org.jntpd.rtc.RtcTracker;
import org.jntpd.rtc.linux.LinuxRtcDevice;
import org.jntpd.rtc.linux.RealtimeSleeper;

/**
 * Runs in a JVM whose libc is the device doubles (native/devices): SHM, PPS and PHC runners built from config lines
 * (the PPS locked to the SHM clock, the system clock unsynchronised: only the lock can number the pulses, across the
 * two runner threads), and meanwhile, on the main thread, the RTC adapter read, set and tracked. Prints what it measured as lines
 * "KIND key=value ..." for {@link DeviceDoublesTest} to hold against the doubles' truth.
 * Usage: DeviceDoublesProbe RUN_SECONDS RTC_MEASUREMENTS
 */
public final class DeviceDoublesProbe {
    private static final String CONFIG = """
            refclock shm 0 refid SHM poll 2
            refclock pps /dev/pps0 refid PPS poll 2 lock SHM
            refclock phc /dev/ptp0 refid PHC poll 1
            """;

    private DeviceDoublesProbe() {
    }

    public static void main(String[] args) throws Exception {
        long runNs = Long.parseLong(args[0]) * 1_000_000_000L;
        int rtcMeasurements = Integer.parseInt(args[1]);
        LongSupplier realtime = () -> Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
        Config config = ConfigParser.parse("probe.conf", CONFIG, Path.of("."));
        ConcurrentLinkedQueue<String> out = new ConcurrentLinkedQueue<>();
        long startNs = realtime.getAsLong();
        out.add("start ns=" + startNs);
        try (RefclockRunners runners = RefclockRunners.create(config.refclocks(), 1, realtime,
                SystemReference.UNSYNCHRONISED, (r, s) -> out.add(ProbeOutput.sample(r, s)))) {
            runners.start();
            rtc(realtime, rtcMeasurements, out);
            long leftNs = startNs + runNs - realtime.getAsLong();
            if (leftNs > 0) {
                Thread.sleep(leftNs / 1_000_000);
            }
            for (RefclockRunner r : runners.runners()) {
                out.add(ProbeOutput.counters(r, realtime.getAsLong()));
            }
        }
        phcMethods(out);
        out.forEach(System.out::println);
    }

    /** The RTC: where it is, set aligned, then its gain over {@code measurements} second boundaries. */
    private static void rtc(LongSupplier realtime, int measurements, ConcurrentLinkedQueue<String> out) {
        try (LinuxRtcDevice dev = LinuxRtcDevice.open("/dev/rtc0"); RealtimeSleeper sleeper = new RealtimeSleeper()) {
            RtcReader reader = new RtcReader(dev, realtime, null);
            RtcReading r = new RtcReading();
            boolean ok = reader.measure(r, RtcReader.defaultTimeoutNs());
            out.add("rtc_before ok=" + ok + " fast=" + r.fastNs() + " uncertainty=" + r.uncertaintyNs
                    + " interrupts=" + reader.interruptSupport());
            RtcSetter setter = new RtcSetter(dev, reader, realtime, sleeper, null, RtcSetter.CMOS_SET_OFFSET_NS,
                    RtcSetter.WriteBehaviour.RESTARTS);
            ok = setter.set(r);
            out.add("rtc_set ok=" + ok + " fast=" + r.fastNs() + " uncertainty=" + r.uncertaintyNs + " behaviour=" + setter.behaviour());
            RtcTracker tracker = new RtcTracker();
            for (int i = 0; i < measurements; i++) {
                if (reader.measure(r, RtcReader.defaultTimeoutNs())) {
                    tracker.addSample(r);
                }
            }
            out.add(String.format(Locale.ROOT, "rtc_track samples=%d gain_ppm=%.3f gain_sigma_ppm=%.3f fast=%.0f rms=%.0f",
                    tracker.samples(), tracker.gainPpm(), tracker.gainSigmaPpm(), tracker.fastNs(),
                    tracker.residualRmsNs()));
        }
    }

    /** Each comparison method of the PHC adapter once, directly. */
    private static void phcMethods(ConcurrentLinkedQueue<String> out) {
        try (LinuxPhcDevice dev = LinuxPhcDevice.open("/dev/ptp0")) {
            long[] precise = new long[2];
            out.add("phc_precise supported=" + dev.readPrecise(precise));
            long[] buf = new long[75];
            PhcSampler s = new PhcSampler(10, false);
            int n = dev.readExtended(10, buf);
            boolean ok = s.bestOfTriples(buf, n);
            out.add("phc_extended n=" + n + " ok=" + ok + " offset=" + s.offsetNs() + " interval=" + s.intervalNs()
                    + " sys=" + s.systemTimeNs());
            n = dev.readBasic(10, buf);
            out.add("phc_basic n=" + n + " first_offset=" + (buf[1] - buf[0]) + " last_sys_after=" + (buf[2 * n] - buf[0])
                    + " sys=" + buf[0]);
        }
    }
}
