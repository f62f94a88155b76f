package org.jntpd.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How busy this machine is, for the few measurements that need a quiet one by nature (an emulated guest under TCG
 * timing its RTC's phase or every pulse): the 1-minute load average against the CPUs this JVM may use. A test takes
 * {@link #sample()} around what it measures and, past {@link #TOO_BUSY_PER_CPU}, skips that strict part with the
 * reason; the rest of the test still runs and asserts.
 */
public final class MachineLoad {
    /**
     * Runnable threads per CPU beyond which a TCG guest's timing is not the product's: at 5-10 per CPU (a load of 10-20
     * on two cores) a guest missed a PPS edge and its RTC write landed 326 ms off the RTC's phase.
     */
    public static final double TOO_BUSY_PER_CPU = 4.0;

    private double maxLoad;

    /** Starts with one sample. */
    public MachineLoad() {
        sample();
    }

    /** Takes the current 1-minute load average into the maximum; returns it. */
    public double sample() {
        double load = loadAverage();
        maxLoad = Math.max(maxLoad, load);
        return load;
    }

    /** The highest load average sampled, per CPU this JVM may use. */
    public double maxPerCpu() {
        return maxLoad / Runtime.getRuntime().availableProcessors();
    }

    /** Whether the samples stayed at or under {@link #TOO_BUSY_PER_CPU}. */
    public boolean quietEnough() {
        return maxPerCpu() <= TOO_BUSY_PER_CPU;
    }

    /** Why a strict measurement is skipped, or was not. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "load average up to %.1f on %d CPU(s) (%.1f per CPU; %.1f is too busy)",
                maxLoad, Runtime.getRuntime().availableProcessors(), maxPerCpu(), TOO_BUSY_PER_CPU);
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return 0; // not Linux's /proc: nothing known, nothing skipped
        }
    }
}
