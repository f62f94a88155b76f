package org.jntpd.clock.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.jntpd.platform.Adjtimex.ADJ_FREQUENCY;
import static org.jntpd.platform.Adjtimex.ADJ_NANO;
import static org.jntpd.platform.Adjtimex.ADJ_OFFSET_SINGLESHOT;
import static org.jntpd.platform.Adjtimex.ADJ_OFFSET_SS_READ;
import static org.jntpd.platform.Adjtimex.ADJ_SETOFFSET;
import static org.jntpd.platform.Adjtimex.ADJ_STATUS;
import static org.jntpd.platform.Adjtimex.STA_FLL;
import static org.jntpd.platform.Adjtimex.STA_PLL;
import static org.jntpd.time.Units.NS_PER_DAY;
import static org.jntpd.time.Units.NS_PER_S;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jntpd.clock.ClockInterferenceListener;
import org.jntpd.clock.LeapMode;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;
import org.jntpd.platform.Ptp;
import org.jntpd.platform.PtpClockTime;
import org.jntpd.platform.PtpSysOffsetPrecise;
import org.jntpd.platform.Timex;

/**
 * Runs {@link LinuxClock} against a clock it may steer, in a JVM of its own, and prints {@code key=value} lines
 * (see {@code org.jntpd.guest.ProbeLines}). Two settings only: under the vclock shim with JNTPD_VIRTUAL_CLOCK set
 * (scenarios frequency, tick, step, leap, sync, interference), and inside the emulated guest (scenario guest, on
 * the guest's CLOCK_REALTIME and a PHC). Raw clock_adjtime calls that change a clock (the "other program" of the
 * interference scenario) are refused anywhere else.
 */
public final class LinuxClockProbe {
    private static final int REALTIME = Clocks.CLOCK_REALTIME;

    private static final Arena ARENA = Arena.global();
    private static final MemorySegment TX = ARENA.allocate(Timex.LAYOUT);
    private static int reports;

    private LinuxClockProbe() {
    }

    public static void main(String[] args) {
        try {
            switch (args[0]) {
                case "frequency" -> frequency();
                case "tick" -> tick();
                case "step" -> step();
                case "leap" -> leap();
                case "sync" -> sync();
                case "interference" -> interference();
                case "guest" -> guest(args[1]);
                default -> throw new IllegalArgumentException("unknown scenario " + args[0]);
            }
            System.out.println("reports=" + reports);
        } catch (Throwable t) {
            System.out.println("error=" + t.toString().replace(' ', '_'));
            t.printStackTrace(System.out);
            System.exit(3);
        }
    }

    /** Prints every report: the tests count them and read their values. */
    private static final ClockInterferenceListener PRINTER = new ClockInterferenceListener() {
        @Override
        public void frequencyChanged(double expectedPpm, double foundPpm) {
            reports++;
            System.out.println("event=frequency expected_ppm=" + expectedPpm + " found_ppm=" + foundPpm);
        }

        @Override
        public void statusChanged(int expectedStatus, int foundStatus) {
            reports++;
            System.out.println("event=status expected=" + expectedStatus + " found=" + foundStatus);
        }

        @Override
        public void clockStepped(long stepNs) {
            reports++;
            System.out.println("event=step step_ns=" + stepNs);
        }
    };

    private static LinuxClock systemClock() {
        // The scenarios step and slew CLOCK_REALTIME: only the virtual clock's (the shim) or a guest's, never a host's.
        if (!Vclock.active() && !inGuest()) {
            throw new IllegalStateException("refusing to discipline CLOCK_REALTIME: neither virtual nor a guest's");
        }
        return LinuxClock.systemClock(REALTIME, PRINTER, LinuxClock.DEFAULT_RATE_TOLERANCE_PPM);
    }

    // ------------------------------------------------------------------------------------------ under the shim

    /** -50 ppm cancels the virtual oscillator's +50 ppm. */
    private static void frequency() throws Exception {
        try (LinuxClock clock = systemClock()) {
            System.out.println("phase=opened freq_ppm=" + clock.frequencyPpm() + " max_ppm=" + clock.maxFrequencyPpm());
            printVirtualRate("uncorrected");
            clock.setFrequencyPpm(-50);
            printTimex("corrected", REALTIME);
            printVirtualRate("corrected");
        }
    }

    /** Beyond 500 ppm through ADJ_TICK, with chrony's tick hysteresis, up to the +-100000 ppm range. */
    private static void tick() throws Exception {
        try (LinuxClock clock = systemClock()) {
            for (double ppm : new double[] {2000, 2060, 2160, -2000, 100_000, -100_000, 0}) {
                clock.setFrequencyPpm(ppm);
                printTimex("set_" + ppm, REALTIME);
                System.out.println("phase=set_" + ppm + " applied_ppm=" + clock.frequencyPpm());
                if (ppm == 2000 || ppm == -2000) {
                    printVirtualRate("rate_" + ppm);
                }
            }
            try {
                clock.setFrequencyPpm(100_000.5);
                System.out.println("beyond=accepted");
            } catch (IllegalArgumentException e) {
                System.out.println("beyond=rejected");
            }
        }
    }

    private static void step() {
        try (LinuxClock clock = systemClock()) {
            for (long stepNs : new long[] {-300_000_000L, 1_500_000_000L, -2_250_000_123L}) {
                long beforeNs = Vclock.offsetNs();
                clock.stepNs(stepNs);
                long afterNs = Vclock.offsetNs();
                System.out.println("step_ns=" + stepNs + " before_ns=" + beforeNs + " after_ns=" + afterNs);
            }
        }
    }

    private static void leap() throws Exception {
        try (LinuxClock clock = systemClock()) {
            leapAfterStep(clock);
        }
    }

    /**
     * Arms a leap second, steps the clock to 23:59:57 (a step makes the kernel forget the leap: the clock re-arms
     * it) and watches the clock repeat 23:59:59; then disarms it.
     */
    private static void leapAfterStep(LinuxClock clock) throws Exception {
        clock.setSyncStatus(true, 1_000, 100_000);
        clock.setLeap(LeapMode.INSERT);
        printTimex("armed", REALTIME);
        long nowNs = clock.nowNs();
        long midnightNs = Math.floorDiv(nowNs, NS_PER_DAY) * NS_PER_DAY + NS_PER_DAY;
        clock.stepNs(midnightNs - 3 * NS_PER_S - nowNs);
        List<Long> seconds = new ArrayList<>();
        long prevNs = clock.nowNs();
        long endNs = System.nanoTime() + 5_500_000_000L;
        while (System.nanoTime() - endNs < 0) {
            clock.checkInterference();
            long ns = clock.nowNs();
            long secondOfDay = Math.floorMod(Math.floorDiv(ns, NS_PER_S), 86_400L);
            boolean back = prevNs - ns > NS_PER_S / 2;
            if (seconds.isEmpty() || seconds.getLast() != secondOfDay || back) {
                seconds.add(secondOfDay);
            }
            if (back) {
                System.out.println("jump_from_ns=" + prevNs + " jump_to_ns=" + ns + " midnight_ns=" + midnightNs);
            }
            prevNs = ns;
            Thread.sleep(5);
        }
        System.out.println("seconds=" + seconds.toString().replace(" ", ""));
        printTimex("after_leap", REALTIME);
        clock.setLeap(LeapMode.NONE);
        printTimex("disarmed", REALTIME);
    }

    private static void sync() throws Exception {
        // Another daemon left the kernel PLL on and an adjtime() slew running.
        rawAdjtime(REALTIME, ADJ_STATUS, tx -> Timex.status(tx, STA_PLL | STA_FLL));
        rawAdjtime(REALTIME, ADJ_OFFSET_SINGLESHOT, tx -> Timex.offset(tx, 100_000));
        printTimex("before", REALTIME);
        try (LinuxClock clock = systemClock()) {
            printTimex("opened", REALTIME);
            Timex.modes(TX, ADJ_OFFSET_SS_READ); // reads the remaining adjtime() slew, changes nothing
            Libc.check(Libc.clockAdjtime(REALTIME, TX), "clock_adjtime");
            System.out.println("adjtime_remaining_us=" + Timex.offset(TX));
            clock.setSyncStatus(true, 2_500, 150_000);
            printTimex("synced", REALTIME);
            Thread.sleep(2_100);
            printTimex("synced_later", REALTIME);
            clock.setSyncStatus(true, 1_000, 16 * NS_PER_S);
            printTimex("bound_too_large", REALTIME);
            clock.setSyncStatus(false, 5_000, 100_000);
            printTimex("unsynced", REALTIME);
        }
    }

    private static void interference() throws Exception {
        try (LinuxClock clock = systemClock()) {
            // The clock's own adjustments are explained.
            clock.stepNs(-300_000_000L);
            clock.setFrequencyPpm(2000);
            Thread.sleep(500);
            clock.checkInterference();
            clock.setFrequencyPpm(-50);
            Thread.sleep(500);
            clock.checkInterference();
            System.out.println("phase=own reports=" + reports);
            // Another program changes the frequency, steps the clock, switches the kernel PLL on.
            rawAdjtime(REALTIME, ADJ_FREQUENCY, tx -> Timex.freq(tx, 100L << 16));
            clock.checkInterference();
            System.out.println("phase=frequency reports=" + reports);
            rawAdjtime(REALTIME, ADJ_SETOFFSET | ADJ_NANO, tx -> {
                Timex.time_sec(tx, 0);
                Timex.time_usec(tx, 5_000_000);
            });
            Thread.sleep(100);
            clock.setFrequencyPpm(-50);
            System.out.println("phase=step reports=" + reports);
            rawAdjtime(REALTIME, ADJ_STATUS, tx -> Timex.status(tx, STA_PLL));
            clock.checkInterference();
            System.out.println("phase=status reports=" + reports);
            clock.setSyncStatus(false, 0, 0); // writes the status: PLL off again
            printTimex("restored", REALTIME);
            clock.checkInterference();
            System.out.println("phase=end reports=" + reports);
        }
    }

    // ------------------------------------------------------------------------------------------ in the guest

    /** The guest's CLOCK_REALTIME (a real kernel) and its jntpd_ptp PHC, measured by cross timestamps. */
    private static void guest(String ptpDevice) throws Exception {
        try (LinuxClock phc = LinuxClock.phc(ptpDevice, PRINTER, LinuxClock.DEFAULT_RATE_TOLERANCE_PPM);
                Arena arena = Arena.ofConfined()) {
            MemorySegment precise = arena.allocate(PtpSysOffsetPrecise.LAYOUT);
            int fd = Libc.open(ptpDevice, 0);
            Libc.check(fd, "open", ptpDevice);
            System.out.println("phase=phc_opened max_ppm=" + phc.maxFrequencyPpm() + " freq_ppm=" + phc.frequencyPpm());
            phc.setFrequencyPpm(100);
            printPrecise("phc_rate_start", fd, precise);
            printBracket("phc_rate_start", phc.clockId());
            Thread.sleep(2_000);
            printPrecise("phc_rate_end", fd, precise);
            printBracket("phc_rate_end", phc.clockId());
            for (long stepNs : new long[] {1_500_000_000L, -250_000_000L}) {
                printPrecise("phc_step_before", fd, precise);
                phc.stepNs(stepNs);
                printPrecise("phc_step_after", fd, precise);
            }
            phc.setLeap(LeapMode.INSERT); // no-ops on a PHC
            phc.setSyncStatus(true, 1_000, 10_000);
            phc.checkInterference();
            System.out.println("phase=phc_own reports=" + reports);
            rawAdjtime(phc.clockId(), ADJ_FREQUENCY, tx -> Timex.freq(tx, 7L << 16));
            phc.checkInterference();
            System.out.println("phase=phc_frequency reports=" + reports);

            try (LinuxClock clock = systemClock()) {
                printTimex("rt_opened", REALTIME);
                clock.setFrequencyPpm(2000);
                printTimex("rt_2000", REALTIME);
                printPrecise("rt_rate_start", fd, precise);
                Thread.sleep(2_000);
                printPrecise("rt_rate_end", fd, precise);
                printPrecise("rt_step_before", fd, precise);
                clock.stepNs(-300_000_000L);
                printPrecise("rt_step_after", fd, precise);
                clock.setFrequencyPpm(0);
                System.out.println("phase=rt_own reports=" + reports);
                leapAfterStep(clock);
                System.out.println("phase=rt_leap reports=" + reports);
                rawAdjtime(REALTIME, ADJ_FREQUENCY, tx -> Timex.freq(tx, 7L << 16));
                clock.checkInterference();
                System.out.println("phase=rt_frequency reports=" + reports);
            } finally {
                Libc.close(fd);
            }
        }
    }

    /** PTP_SYS_OFFSET_PRECISE: the PHC, CLOCK_REALTIME and CLOCK_MONOTONIC_RAW from one clocksource read. */
    private static void printPrecise(String phase, int fd, MemorySegment precise) {
        Libc.check(Libc.ioctl(fd, Ptp.PTP_SYS_OFFSET_PRECISE, precise), "ioctl", "PTP_SYS_OFFSET_PRECISE");
        System.out.println("precise=" + phase
                + " phc_ns=" + PtpClockTime.toNanos(precise, PtpSysOffsetPrecise.DEVICE_OFFSET)
                + " realtime_ns=" + PtpClockTime.toNanos(precise, PtpSysOffsetPrecise.SYS_REALTIME_OFFSET)
                + " raw_ns=" + PtpClockTime.toNanos(precise, PtpSysOffsetPrecise.SYS_MONORAW_OFFSET));
    }

    /** clock_gettime of {@code clockId} between two raw readings: the narrowest of 50. */
    private static void printBracket(String phase, int clockId) {
        long bestWidthNs = Long.MAX_VALUE;
        long offsetNs = 0;
        long rawNs = 0;
        for (int i = 0; i < 50; i++) {
            long r1 = Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC_RAW);
            long c = Libc.clockGettimeNs(clockId);
            long r2 = Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC_RAW);
            if (r2 - r1 < bestWidthNs) {
                bestWidthNs = r2 - r1;
                rawNs = r1 + (r2 - r1) / 2;
                offsetNs = c - rawNs;
            }
        }
        System.out.println("bracket=" + phase + " raw_ns=" + rawNs + " offset_ns=" + offsetNs + " width_ns=" + bestWidthNs);
    }

    // ------------------------------------------------------------------------------------------ raw kernel access

    private static void printTimex(String phase, int clockId) {
        Timex.modes(TX, 0);
        int state = Libc.check(Libc.clockAdjtime(clockId, TX), "clock_adjtime");
        System.out.println("timex=" + phase + " state=" + state + " status=" + Timex.status(TX) + " freq="
                + Timex.freq(TX) + " tick=" + Timex.tick(TX) + " maxerror=" + Timex.maxerror(TX) + " esterror="
                + Timex.esterror(TX) + " offset=" + Timex.offset(TX));
    }

    /**
     * Another program's clock_adjtime: refused unless the clock is a PHC, virtual (the shim is loaded and
     * configured) or the guest's.
     */
    private static void rawAdjtime(int clockId, int modes, Consumer<MemorySegment> fill) {
        boolean phc = clockId < 0;
        if (!phc && !Vclock.active() && !inGuest()) {
            throw new IllegalStateException("refusing to change clock " + clockId + ": neither virtual nor a guest's");
        }
        Timex.modes(TX, 0);
        Libc.check(Libc.clockAdjtime(clockId, TX), "clock_adjtime");
        fill.accept(TX);
        Timex.modes(TX, modes);
        if (Libc.clockAdjtime(clockId, TX) < 0) {
            throw new NativeException("clock_adjtime", "modes 0x" + Integer.toHexString(modes), Libc.errno());
        }
    }

    private static boolean inGuest() {
        try {
            return "1".equals(System.getenv("JNTPD_GUEST"))
                    && Files.readString(Path.of("/proc/cmdline")).contains("jntpd.guest=1");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * Rate of the virtual clock against true time over 1 s, measured by the shim itself: each offset reading sits
     * between two readings of true time (at 2000 ppm, 10 us of skew between them would be 0.02 ppm of error).
     */
    private static void printVirtualRate(String phase) throws InterruptedException {
        long[] first = offsetAtTrueTime();
        Thread.sleep(1_000);
        long[] second = offsetAtTrueTime();
        System.out.println("rate=" + phase + " offset1_ns=" + first[0] + " true1_ns=" + first[1] + " offset2_ns="
                + second[0] + " true2_ns=" + second[1]);
    }

    /**
     * The offset at a true instant: of 50 bracketed reads, the one with the narrowest bracket. A preemption inside a
     * single bracket misplaces the instant by up to half its width, times the clock's rate (at 2000 ppm, a 10 us stall
     * is 10 ns: beyond the rate tests' tolerance over 1 s on a busy machine).
     */
    private static long[] offsetAtTrueTime() {
        long bestSpanNs = Long.MAX_VALUE;
        long[] best = null;
        for (int i = 0; i < 50; i++) {
            long t1 = Vclock.trueNs();
            long offsetNs = Vclock.offsetNs();
            long t2 = Vclock.trueNs();
            if (t2 - t1 < bestSpanNs) {
                bestSpanNs = t2 - t1;
                best = new long[] {offsetNs, t1 + (t2 - t1) / 2};
            }
        }
        return best;
    }

    /** The shim's control API (native/vclock/README.md), linked through the same library as {@link Libc}. */
    @SuppressWarnings("restricted")
    static final class Vclock {
        private static final MethodHandle OFFSET_NS;
        private static final MethodHandle TRUE_NS;

        static {
            String shim = Libc.shimPath();
            if (shim == null) {
                OFFSET_NS = null;
                TRUE_NS = null;
            } else {
                Linker linker = Linker.nativeLinker();
                SymbolLookup lookup = SymbolLookup.libraryLookup(Path.of(shim), ARENA);
                OFFSET_NS = linker.downcallHandle(lookup.find("jntpd_vclock_offset_ns").orElseThrow(),
                        FunctionDescriptor.of(JAVA_LONG));
                TRUE_NS = linker.downcallHandle(lookup.find("jntpd_vclock_true_ns").orElseThrow(),
                        FunctionDescriptor.of(JAVA_LONG));
            }
        }

        /** The shim is loaded and JNTPD_VIRTUAL_CLOCK switched the virtual clock on. */
        static boolean active() {
            return OFFSET_NS != null && Libc.defines(LinuxClock.VIRTUAL_CLOCK_SYMBOL)
                    && System.getenv("JNTPD_VIRTUAL_CLOCK") != null;
        }

        static long offsetNs() {
            try {
                return (long) OFFSET_NS.invokeExact();
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        static long trueNs() {
            try {
                return (long) TRUE_NS.invokeExact();
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }
}
