package org.jntpd.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code jntpc waitsync}: asks the daemon's tracking every INTERVAL seconds until it is synchronised, its last offset
 * within MAX-CORRECTION and its frequency's error within MAX-SKEW, or TRIES asks went by (chronyc waitsync; 0 tries:
 * no limit, 0 for a bound: not checked). Exit status 0 once synchronised, 1 otherwise.
 */
final class WaitSync {
    static final String USAGE = """
            usage: jntpc [-s SOCKET] waitsync [TRIES [MAX-CORRECTION-S [MAX-SKEW-PPM [INTERVAL-S]]]]
              asks the daemon every INTERVAL-S seconds (default 10) until it is synchronised, its last offset is within
              MAX-CORRECTION-S seconds and its frequency's error within MAX-SKEW-PPM (0: not checked, the default),
              at most TRIES times (0, the default: no limit). Exit status 0 once synchronised, 1 otherwise.
            """;

    private WaitSync() {}

    static int run(String socket, List<String> args, PrintStream out) {
        long tries;
        double maxCorrectionS;
        double maxSkewPpm;
        double intervalS;
        try {
            tries = args.size() > 0 ? Long.parseLong(args.get(0)) : 0;
            maxCorrectionS = args.size() > 1 ? Double.parseDouble(args.get(1)) : 0;
            maxSkewPpm = args.size() > 2 ? Double.parseDouble(args.get(2)) : 0;
            intervalS = args.size() > 3 ? Double.parseDouble(args.get(3)) : 10;
        } catch (NumberFormatException e) {
            System.err.print("jntpc: waitsync: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }
        if (args.size() > 4 || tries < 0 || !(intervalS > 0) || intervalS > 86_400) {
            System.err.print(USAGE);
            return 2;
        }
        for (long i = 1; tries == 0 || i <= tries; i++) {
            try {
                Map<String, Object> t = Jntpc.requestJson(socket, "tracking");
                double correction = Math.abs(((Number) t.get("last_offset_s")).doubleValue());
                Object skewValue = t.get("frequency_sigma_ppm");
                double skew = skewValue == null ? Double.POSITIVE_INFINITY : ((Number) skewValue).doubleValue();
                boolean synced = Boolean.TRUE.equals(t.get("synchronised"));
                out.printf(Locale.ROOT, "try: %d, refid: %s, correction: %.9f, skew: %.3f%n", i, t.get("ref_id"),
                        correction, skew);
                if (synced && (maxCorrectionS <= 0 || correction <= maxCorrectionS)
                        && (maxSkewPpm <= 0 || skew <= maxSkewPpm)) {
                    return 0;
                }
            } catch (IOException e) {
                out.printf(Locale.ROOT, "try: %d, no answer (%s)%n", i, e.getMessage());
            }
            if (tries == 0 || i < tries) {
                LockSupport.parkNanos((long) (intervalS * 1e9));
            }
        }
        return 1;
    }
}
