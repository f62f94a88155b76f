package org.jntpd.nts;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * NTS without trusted time (a host without an RTC boots in 1970, and every certificate looks not yet valid): the pure
 * decisions, with the time given as an argument. Whether the clock can be trusted to judge certificates at start
 * ({@link #untrustedBecause}); the validity windows of a chain and whether a time falls inside all of them
 * ({@link #outside}, {@link #commonInstantMs}); and whether the first time several NTS servers give, with the
 * certificates' dates unchecked, may be believed ({@link #judge}): enough of them agree within their error bounds
 * (an intersection, as selection does), they are a majority of those that answered, and the time they agree on lies
 * inside every validity window of every certificate of theirs that is used.
 */
public final class BootstrapTrust {
    /**
     * No certificate is judged by a clock earlier than this, 2026-12-01T00:00:00Z (this release): a clock that reads
     * earlier is wrong. Moved forward with each release, as chrony and systemd use their build dates.
     */
    public static final long RELEASE_NOT_BEFORE_UNIX_MS = 1_796_083_200_000L;

    private BootstrapTrust() {}

    /** One certificate's validity, Unix ms, both ends included (RFC 5280). */
    public record Window(String subject, long notBeforeUnixMs, long notAfterUnixMs) {
        public boolean contains(long unixMs) {
            return unixMs >= notBeforeUnixMs && unixMs <= notAfterUnixMs;
        }

        @Override
        public String toString() {
            return subject + " valid " + Instant.ofEpochMilli(notBeforeUnixMs) + " to " + Instant.ofEpochMilli(notAfterUnixMs);
        }
    }

    /**
     * Why the clock cannot judge certificates at start, or null when it can: it reads earlier than
     * {@code notBeforeUnixMs} (the release, or the drift file's last write), or the kernel says it is unsynchronised
     * (STA_UNSYNC) and no RTC set it at boot.
     */
    public static String untrustedBecause(long nowUnixMs, long notBeforeUnixMs, boolean kernelUnsynchronised,
            boolean rtcPresent) {
        if (nowUnixMs < notBeforeUnixMs) {
            return "the clock reads " + Instant.ofEpochMilli(nowUnixMs) + ", earlier than " + Instant.ofEpochMilli(
                    notBeforeUnixMs) + " (this release or the drift file's last write): it is wrong";
        }
        if (kernelUnsynchronised && !rtcPresent) {
            return "the kernel calls the clock unsynchronised (STA_UNSYNC) and there is no RTC to have set it";
        }
        return null;
    }

    /** Why {@code unixMs} is outside one of the windows ("CN=x expired at ..."), or null when inside all of them. */
    public static String outside(List<Window> windows, long unixMs) {
        for (Window w : windows) {
            if (unixMs > w.notAfterUnixMs()) {
                return "the certificate " + w.subject() + " expired at " + Instant.ofEpochMilli(w.notAfterUnixMs());
            }
            if (unixMs < w.notBeforeUnixMs()) {
                return "the certificate " + w.subject() + " is not valid before " + Instant.ofEpochMilli(w.notBeforeUnixMs());
            }
        }
        return null;
    }

    /** An instant inside every window (the middle of their intersection), or Long.MIN_VALUE when they have none. */
    public static long commonInstantMs(List<Window> windows) {
        long from = Long.MIN_VALUE + 1;
        long to = Long.MAX_VALUE;
        for (Window w : windows) {
            from = Math.max(from, w.notBeforeUnixMs());
            to = Math.min(to, w.notAfterUnixMs());
        }
        return from <= to ? from + (to - from) / 2 : Long.MIN_VALUE;
    }

    /**
     * What one NTS server says with its certificate's dates unchecked: the offset of its time from the local clock
     * (source minus local, ns), its error bound (ns, the root distance), and the windows of its certificates.
     */
    public record Estimate(String name, double offsetNs, double errorNs, List<Window> windows) {}

    /**
     * The outcome of {@link #judge}: accepted or not, the servers whose time is believed, the time they agree on (the
     * middle of the intersection, Unix ns at the local reading the offsets refer to) and its half-width, and why not.
     */
    public record Verdict(boolean accepted, List<String> agreed, long timeUnixNs, double uncertaintyNs, String reason) {}

    /**
     * Judges the first time from NTS servers whose certificates' dates could not be checked. Accepted when at least
     * {@code minAgree} of them, and more than half of {@code estimates}, have error intervals with a common part (the
     * largest such clique, Marzullo's intersection), and that common part, as true time, lies inside every validity
     * window of each of them that is counted; a server whose certificate does not cover it is not counted.
     *
     * @param nowUnixNs the local clock's reading the offsets refer to
     */
    public static Verdict judge(List<Estimate> estimates, int minAgree, long nowUnixNs) {
        int n = estimates.size();
        if (n < minAgree) {
            return new Verdict(false, List.of(), 0, 0, (n == 0 ? "no" : "only " + n) + " NTS server" + (n == 1 ? "" : "s")
                    + " with a sample yet, " + minAgree + " must agree");
        }
        double[] lo = new double[n];
        double[] hi = new double[n];
        double[][] ends = new double[2 * n][];
        for (int i = 0; i < n; i++) {
            Estimate e = estimates.get(i);
            double err = Math.max(0, e.errorNs());
            lo[i] = e.offsetNs() - err;
            hi[i] = e.offsetNs() + err;
            ends[2 * i] = new double[] {lo[i], -1}; // a start sorts before an end at the same place: touching agrees
            ends[2 * i + 1] = new double[] {hi[i], +1};
        }
        Arrays.sort(ends, (a, b) -> a[0] != b[0] ? Double.compare(a[0], b[0]) : Double.compare(a[1], b[1]));
        int count = 0;
        int best = 0;
        double from = 0;
        double to = 0;
        for (int k = 0; k < ends.length; k++) {
            if (ends[k][1] < 0) {
                count++;
                if (count > best) {
                    best = count;
                    from = ends[k][0];
                    to = ends[k + 1][0]; // the next end point closes the region of the most overlaps
                }
            } else {
                count--;
            }
        }
        if (best < minAgree || 2 * best <= n) {
            return new Verdict(false, List.of(), 0, 0, "only " + best + " of " + n + " NTS servers agree on the time"
                    + " within their error bounds; " + Math.max(minAgree, n / 2 + 1) + " must");
        }
        long fromUnixMs = Math.floorDiv(nowUnixNs + (long) from, 1_000_000L);
        long toUnixMs = Math.floorDiv(nowUnixNs + (long) to, 1_000_000L) + 1;
        List<String> agreed = new ArrayList<>();
        StringBuilder refused = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (lo[i] > from || hi[i] < to) {
                continue; // not in the intersection
            }
            Estimate e = estimates.get(i);
            String why = outside(e.windows(), fromUnixMs);
            if (why == null) {
                why = outside(e.windows(), toUnixMs);
            }
            if (why == null) {
                agreed.add(e.name());
            } else {
                refused.append(refused.isEmpty() ? "" : "; ").append(e.name()).append(": ").append(why);
            }
        }
        long timeUnixNs = nowUnixNs + (long) ((from + to) / 2);
        if (agreed.size() < minAgree || 2 * agreed.size() <= n) {
            return new Verdict(false, List.copyOf(agreed), timeUnixNs, (to - from) / 2, "the servers' time "
                    + Instant.ofEpochMilli(Math.floorDiv(timeUnixNs, 1_000_000L)) + " is outside a certificate's validity ("
                    + refused + "); " + agreed.size() + " of " + n + " servers remain, " + Math.max(minAgree, n / 2 + 1)
                    + " must agree");
        }
        return new Verdict(true, List.copyOf(agreed), timeUnixNs, (to - from) / 2,
                refused.isEmpty() ? null : "not counted: " + refused);
    }
}
