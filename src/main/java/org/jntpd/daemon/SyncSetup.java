package org.jntpd.daemon;

import java.nio.file.Path;
import java.util.Locale;
import org.jntpd.base.Log;
import org.jntpd.clock.ClockControl;
import org.jntpd.config.Config;
import org.jntpd.sync.SyncConfig;
import org.jntpd.sync.Synchroniser;

/**
 * The synchroniser as the configuration asks for it (chrony's reference module coming up): its settings from the
 * {@code tos} and {@code tinker} lines, its initial frequency from {@code tinker freq} or else the drift file, and
 * every clock step logged.
 */
final class SyncSetup {
    private SyncSetup() {}

    /** @param driftFile the drift file (null: none) */
    static Synchroniser create(Config config, ClockControl clock, Path driftFile, int precisionLog2) {
        Synchroniser sync = new Synchroniser(clock, syncConfig(config, initialFrequencyPpm(config, driftFile), precisionLog2));
        // (Locale) null: Locale.ROOT's digits, without the CLDR data a locale loads (mode6.Values).
        sync.addStepListener((nowNs, stepNs) ->
                Log.notice(String.format((Locale) null, "clock stepped by %+.9f s", stepNs * 1e-9)));
        return sync;
    }

    /** {@code tinker freq}, else the drift file's frequency, else NaN (none known). */
    private static double initialFrequencyPpm(Config config, Path driftFile) {
        if (!Double.isNaN(config.tinker().freqPpm())) {
            return config.tinker().freqPpm();
        }
        if (driftFile == null) {
            return Double.NaN;
        }
        DriftFile.ReadResult r = DriftFile.read(driftFile);
        if (r.drift() == null) {
            Log.info(r.problem());
            return Double.NaN;
        }
        Log.info(String.format((Locale) null, "frequency %.3f ppm from %s", r.drift().freqPpm(), driftFile));
        return r.drift().freqPpm();
    }

    private static SyncConfig syncConfig(Config config, double initialFreqPpm, int precisionLog2) {
        Config.Tos tos = config.tos();
        Config.Tinker t = config.tinker();
        return SyncConfig.builder()
                .minSane(tos.minSane())
                .minClock(tos.minClock())
                .maxClock(Math.max(tos.maxClock(), tos.minClock()))
                .maxDistanceNs(tos.maxDistNs())
                .stepThresholdNs(Math.max(t.stepBackNs(), t.stepFwdNs()))
                .stepoutNs(t.stepoutNs())
                .stepLimit(t.stepLimit())
                .panicThresholdNs(t.panicNs())
                .maxSlewRatePpm(t.maxSlewPpm())
                .initialFrequencyPpm(initialFreqPpm)
                .precisionLog2(precisionLog2)
                .build();
    }
}
