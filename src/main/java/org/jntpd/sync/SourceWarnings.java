package org.jntpd.sync;

import static org.jntpd.time.Units.NS_PER_S;
import static org.jntpd.time.Units.S_PER_DAY;

import java.time.LocalDate;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jntpd.wire.NtpPacket;

/**
 * Warnings about the sources that selection cannot give an operator, found from the sources' offsets against the
 * majority of the others (so whatever the local clock does, a leap second or a step, cancels out):
 * <ul>
 * <li><b>Leap smear.</b> In the hours around a leap second (from the leap second table, or announced by most sources'
 * leap indicators for the end of the month) a source whose offset against the others ramps steadily the way a
 * smear goes (an insertion: it falls behind, Google's smear by 1 s over 24 h noon to noon, others over 10-20 h), or
 * that does not step at the leap when the others do (+1 s against them after an insertion, -1 s after a deletion).
 * Named once per leap second. Selection is left to handle it (a smearing source soon becomes a falseticker).</li>
 * <li><b>Timescales.</b> A source a whole number of seconds away from the others for 5 minutes: named with the likely
 * cause (TAI 37 s ahead of UTC, GPS time 18 s, a time zone, a whole-second error).</li>
 * </ul>
 * Pure: fed with the sources' offsets and the time ({@link #observe}), it reports through a {@link Sink}. Not
 * thread-safe (the synchronisation loop's thread). Offsets are source minus local clock, ns, as {@link Source}'s.
 */
public final class SourceWarnings {
    /** Where warnings go (the daemon logs a new one once and lists the active ones for jntpc). */
    public interface Sink {
        /** Condition {@code key} holds; {@code text} says so (may be called again while it holds). */
        void raise(String key, String text, long nowNs);

        /** Condition {@code key} no longer holds. */
        void clear(String key);
    }

    /** Key prefixes of the warnings raised here. */
    public static final String SMEAR_KEY = "smear:";
    public static final String TIMESCALE_KEY = "timescale:";

    static final long HOUR_NS = 3_600 * NS_PER_S;
    /** Offsets are kept and judged this long either side of a leap second. */
    static final long LEAP_WINDOW_NS = 36 * HOUR_NS;
    /** A ramp is looked for from this long before the leap (a 24 h smear centred on it starts 12 h before). */
    static final long RAMP_FROM_NS = 30 * HOUR_NS;
    /** The step at the leap is looked for this long after it (a source polled every 1024 s, spikes gated). */
    static final long JUMP_WITHIN_NS = 12 * HOUR_NS;
    static final long STORE_EVERY_NS = 120 * NS_PER_S;
    static final int CAPACITY = (int) (2 * LEAP_WINDOW_NS / (STORE_EVERY_NS)) + 16;
    /** The ramp is fitted over the last 3 h (at least 1.5 h and 10 points). */
    static final long FIT_SPAN_NS = 3 * HOUR_NS;
    static final long MIN_FIT_SPAN_NS = 3 * HOUR_NS / 2;
    static final int MIN_FIT_POINTS = 10;
    /**
     * Smear rates: 1 s over 40 h (6.9 ppm) to 1 s over 2 h (139 ppm); the lower bound halved, since a smearer that is
     * half the sources pulls the majority's reference half way with it.
     */
    static final double MIN_SMEAR_RATE = 3e-6;
    static final double MAX_SMEAR_RATE = 150e-6;
    /** The slope must stand this many standard errors above the noise of the fit. */
    static final double SLOPE_SIGMAS = 4;
    /** A ramp is named once it has moved the source this far from where it was before. */
    static final double MIN_RAMP_NS = 0.1e9;
    /** The step a source failed to make at the leap, against the others: about 1 s (half when it is half of them). */
    static final double MIN_JUMP_NS = 0.4e9;
    static final double MAX_JUMP_NS = 1.3e9;
    /** Sources within this of one another agree; the largest group, if a strict majority, is the reference. */
    static final double AGREE_NS = 0.1e9;
    /** A whole number of seconds, give or take this. */
    static final double WHOLE_TOLERANCE_NS = 0.1e9;
    /** ... held this long, moving less than {@link #WHOLE_SPREAD_NS} (a source drifting through it is not one). */
    static final long WHOLE_HOLD_NS = 300 * NS_PER_S;
    static final double WHOLE_SPREAD_NS = 0.05e9;
    static final int DEFAULT_TAI_MINUS_UTC_S = 37;
    static final int TAI_MINUS_GPS_S = 19;

    private final Sink sink;
    private final LeapSeconds table;
    private final Map<String, Track> tracks = new LinkedHashMap<>();
    private int taiMinusUtcS = DEFAULT_TAI_MINUS_UTC_S;
    /** The leap second judged: its midnight (Unix s) and sign, or MIN_VALUE. */
    private long leapS = Long.MIN_VALUE;
    private int leapSign;
    private double[] scratch = new double[16];
    private boolean excludeSmearing;
    /** The sources of the last {@link #observe(long, List)}, by name; those excluded as smearing. */
    private final Map<String, Source> byName = new LinkedHashMap<>();
    private final Set<Source> excluded = new HashSet<>();

    /** One source's record: its offsets against the others around a leap, and the timescale test's state. */
    private static final class Track {
        final String name;
        long[] t;
        double[] rel;
        int head;
        int count;
        long lastStoredNs;
        boolean smearRaised;
        long wholeSeconds;
        long wholeSinceNs;
        double wholeMinNs;
        double wholeMaxNs;
        long notWholeSinceNs = Long.MIN_VALUE;
        boolean timescaleRaised;
        boolean seen;

        Track(String name) {
            this.name = name;
        }

        void store(long nowNs, double relNs) {
            if (t == null) {
                t = new long[CAPACITY];
                rel = new double[CAPACITY];
            }
            t[head] = nowNs;
            rel[head] = relNs;
            head = (head + 1) % CAPACITY;
            count = Math.min(count + 1, CAPACITY);
            lastStoredNs = nowNs;
        }

        /** The i-th stored point, oldest first. */
        int at(int i) {
            return Math.floorMod(head - count + i, CAPACITY);
        }

        void forgetHistory() {
            t = null;
            rel = null;
            head = 0;
            count = 0;
        }
    }

    /**
     * @param table the leap seconds known from the leap-second file (the synchroniser's); null: only the sources'
     *              announcements tell of a leap second
     */
    public SourceWarnings(Sink sink, LeapSeconds table) {
        this.sink = sink;
        this.table = table;
    }

    /** TAI - UTC now (the leap-second file's), to recognise TAI and GPS time; 37 s until told. */
    public void taiMinusUtcS(int s) {
        this.taiMinusUtcS = s;
    }

    /**
     * Whether a source found to smear a leap second is excluded from selection until the leap second is over
     * ({@code enable smearexclude}); by default it is only named, and selection deals with it as with any other.
     */
    public void excludeSmearing(boolean exclude) {
        this.excludeSmearing = exclude;
    }

    /** One round over the synchroniser's sources: those reachable and with an estimate count. Allocates a little. */
    public void observe(long nowNs, List<Source> sources) {
        byName.clear();
        for (Source s : sources) {
            byName.put(s.name(), s);
        }
        int n = sources.size();
        String[] names = new String[n];
        double[] offsets = new double[n];
        int[] leaps = new int[n];
        for (int i = 0; i < n; i++) {
            Source s = sources.get(i);
            names[i] = s.name();
            boolean usable = s.samples() > 0 && s.reachable() && !s.answersUnsynchronised();
            offsets[i] = usable ? s.offsetNs(nowNs) : Double.NaN;
            leaps[i] = s.leap();
        }
        observe(nowNs, names, offsets, leaps);
    }

    /**
     * One round: every source's name, its offset estimate at {@code nowNs} (NaN: none) and its leap indicator.
     */
    public void observe(long nowNs, String[] names, double[] offsetsNs, int[] leaps) {
        updateLeap(nowNs, offsetsNs, leaps);
        double refNs = majorityReference(offsetsNs);
        boolean nearLeap = leapS != Long.MIN_VALUE;
        for (Track tr : tracks.values()) {
            tr.seen = false;
        }
        for (int i = 0; i < names.length; i++) {
            Track tr = tracks.computeIfAbsent(names[i], Track::new);
            tr.seen = true;
            if (Double.isNaN(offsetsNs[i]) || Double.isNaN(refNs)) {
                continue;
            }
            double relNs = offsetsNs[i] - refNs;
            timescale(tr, relNs, nowNs, nearLeap);
            if (nearLeap && (tr.count == 0 || nowNs - tr.lastStoredNs >= STORE_EVERY_NS)) {
                tr.store(nowNs, relNs);
                if (!tr.smearRaised) {
                    smear(tr, nowNs);
                }
            }
        }
        for (Iterator<Track> it = tracks.values().iterator(); it.hasNext();) {
            Track tr = it.next();
            if (!tr.seen) { // a source removed: its warnings go with it
                if (tr.timescaleRaised) {
                    sink.clear(TIMESCALE_KEY + tr.name);
                }
                if (tr.smearRaised) {
                    sink.clear(SMEAR_KEY + tr.name);
                }
                it.remove();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ the reference

    /**
     * The median of the largest group of offsets that agree within {@link #AGREE_NS} of one member, when that group
     * is a strict majority of at least 2; ties go to the group nearest the local clock. NaN: no majority.
     */
    private double majorityReference(double[] offsetsNs) {
        int n = 0;
        if (scratch.length < offsetsNs.length) {
            scratch = new double[offsetsNs.length];
        }
        for (double o : offsetsNs) {
            if (!Double.isNaN(o)) {
                scratch[n++] = o;
            }
        }
        Arrays.sort(scratch, 0, n);
        int bestFrom = -1;
        int bestTo = -1;
        for (int i = 0; i < n; i++) {
            // The group around member i: everyone within AGREE_NS of it (sorted: a contiguous run).
            int from = i;
            while (from > 0 && scratch[i] - scratch[from - 1] <= AGREE_NS) {
                from--;
            }
            int to = i;
            while (to + 1 < n && scratch[to + 1] - scratch[i] <= AGREE_NS) {
                to++;
            }
            int size = to - from + 1;
            int bestSize = bestTo - bestFrom + 1;
            if (bestFrom < 0 || size > bestSize
                    || size == bestSize && Math.abs(median(from, to)) < Math.abs(median(bestFrom, bestTo))) {
                bestFrom = from;
                bestTo = to;
            }
        }
        int size = bestTo - bestFrom + 1;
        if (bestFrom < 0 || size < 2 || 2 * size <= n) {
            return Double.NaN;
        }
        return median(bestFrom, bestTo);
    }

    private double median(int from, int to) {
        int mid = (from + to) / 2;
        return (to - from) % 2 == 0 ? scratch[mid] : (scratch[mid] + scratch[mid + 1]) / 2;
    }

    // ------------------------------------------------------------------------------------------------ leap smear

    /** Which leap second is near, if any: the table's, else most sources' announcement for the end of this month. */
    private void updateLeap(long nowNs, double[] offsetsNs, int[] leaps) {
        long nowS = Math.floorDiv(nowNs, NS_PER_S);
        long windowS = LEAP_WINDOW_NS / NS_PER_S;
        if (leapS != Long.MIN_VALUE && Math.abs(nowS - leapS) > windowS) {
            endLeap();
        }
        if (table != null) {
            long m = table.nearestS(nowS, windowS);
            if (m != Long.MIN_VALUE && m != leapS) {
                endLeap();
                leapS = m;
                leapSign = table.signAt(m);
                return;
            }
        }
        if (leapS != Long.MIN_VALUE) {
            return;
        }
        int voters = 0;
        int inserts = 0;
        int deletes = 0;
        for (int i = 0; i < leaps.length; i++) {
            if (!Double.isNaN(offsetsNs[i]) && leaps[i] != NtpPacket.LEAP_UNSYNCHRONIZED) {
                voters++;
                inserts += leaps[i] == NtpPacket.LEAP_ADD_SECOND ? 1 : 0;
                deletes += leaps[i] == NtpPacket.LEAP_DELETE_SECOND ? 1 : 0;
            }
        }
        int sign = 2 * inserts > voters ? 1 : 2 * deletes > voters ? -1 : 0;
        if (sign != 0) {
            long endOfMonthS = LocalDate.ofEpochDay(Math.floorDiv(nowS, S_PER_DAY)).withDayOfMonth(1).plusMonths(1)
                    .toEpochDay() * S_PER_DAY;
            if (endOfMonthS - nowS <= windowS) { // servers may announce all month; judge only the last hours
                leapS = endOfMonthS;
                leapSign = sign;
            }
        }
    }

    /** The leap second is past (or replaced): its warnings end, its offsets are forgotten. */
    private void endLeap() {
        for (Track tr : tracks.values()) {
            if (tr.smearRaised) {
                sink.clear(SMEAR_KEY + tr.name);
                tr.smearRaised = false;
            }
            tr.forgetHistory();
        }
        for (Source s : excluded) {
            s.excludeAsSmearing(false);
        }
        excluded.clear();
        leapS = Long.MIN_VALUE;
        leapSign = 0;
    }

    /** Looks for a smear ramp before the leap, or the step not made after it (insertion: u = rel; deletion: -rel). */
    private void smear(Track tr, long nowNs) {
        long leapNs = leapS * NS_PER_S;
        if (nowNs - leapNs <= 0 && leapNs - nowNs <= RAMP_FROM_NS) {
            ramp(tr, nowNs, leapNs);
        } else if (nowNs - leapNs > 0 && nowNs - leapNs <= JUMP_WITHIN_NS) {
            jump(tr, nowNs, leapNs);
        }
    }

    private void ramp(Track tr, long nowNs, long leapNs) {
        long fromNs = Math.max(nowNs - FIT_SPAN_NS, leapNs - RAMP_FROM_NS);
        // Least squares over the points since fromNs: u = a + k (t - nowNs).
        int points = 0;
        double st = 0;
        double su = 0;
        long firstNs = Long.MAX_VALUE;
        for (int i = 0; i < tr.count; i++) {
            int j = tr.at(i);
            if (tr.t[j] - fromNs >= 0) {
                points++;
                st += (tr.t[j] - nowNs);
                su += leapSign * tr.rel[j];
                firstNs = Math.min(firstNs, tr.t[j]);
            }
        }
        if (points < MIN_FIT_POINTS || nowNs - firstNs < MIN_FIT_SPAN_NS) {
            return;
        }
        double mt = st / points;
        double mu = su / points;
        double stt = 0;
        double stu = 0;
        for (int i = 0; i < tr.count; i++) {
            int j = tr.at(i);
            if (tr.t[j] - fromNs >= 0) {
                double dt = (tr.t[j] - nowNs) - mt;
                stt += dt * dt;
                stu += dt * (leapSign * tr.rel[j] - mu);
            }
        }
        double k = stu / stt;
        double sse = 0;
        for (int i = 0; i < tr.count; i++) {
            int j = tr.at(i);
            if (tr.t[j] - fromNs >= 0) {
                double r = leapSign * tr.rel[j] - (mu + k * ((tr.t[j] - nowNs) - mt));
                sse += r * r;
            }
        }
        double slopeSe = Math.sqrt(sse / Math.max(1, points - 2) / stt);
        // An insertion: the smearer's clock runs slow, it falls behind the others (u decreases).
        if (!(k <= -MIN_SMEAR_RATE && k >= -MAX_SMEAR_RATE && -k >= SLOPE_SIGMAS * slopeSe)) {
            return;
        }
        double nowU = mu + k * (0 - mt);
        double baseline = baseline(tr, leapNs - RAMP_FROM_NS, fromNs);
        double movedNs = nowU - baseline;
        if (movedNs > -MIN_RAMP_NS) {
            return;
        }
        tr.smearRaised = true;
        sink.raise(SMEAR_KEY + tr.name, String.format(Locale.ROOT, "source %s appears to smear the leap second of %s: "
                + "its offset against the other sources moved %+.3f s over the last %.1f h (%+.1f ppm) while theirs "
                + "did not; %s", tr.name, leapDay(), leapSign * movedNs * 1e-9, (nowNs - firstNs) / (double) HOUR_NS,
                leapSign * k * 1e6, action(tr)), nowNs);
    }

    /** The median of u over the points in [fromNs, toNs) (before the ramp), or 0 with fewer than 5 of them. */
    private double baseline(Track tr, long fromNs, long toNs) {
        double[] u = new double[tr.count];
        int n = 0;
        for (int i = 0; i < tr.count; i++) {
            int j = tr.at(i);
            if (tr.t[j] - fromNs >= 0 && tr.t[j] - toNs < 0) {
                u[n++] = leapSign * tr.rel[j];
            }
        }
        if (n < 5) {
            return 0;
        }
        Arrays.sort(u, 0, n);
        return n % 2 == 1 ? u[n / 2] : (u[n / 2 - 1] + u[n / 2]) / 2;
    }

    private void jump(Track tr, long nowNs, long leapNs) {
        double before = Double.NaN;
        double after = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < tr.count; i++) {
            int j = tr.at(i);
            double u = leapSign * tr.rel[j];
            if (tr.t[j] - leapNs <= 0) {
                before = leapNs - tr.t[j] <= FIT_SPAN_NS ? u : Double.NaN; // the last one before, if recent
            } else {
                after = Math.max(after, u);
            }
        }
        double jumpNs = after - before;
        if (Double.isNaN(jumpNs) || jumpNs < MIN_JUMP_NS || jumpNs > MAX_JUMP_NS) {
            return;
        }
        tr.smearRaised = true;
        sink.raise(SMEAR_KEY + tr.name, String.format(Locale.ROOT, "source %s did not step with the other sources at "
                + "the leap second of %s (%+.3f s against them since): it smears leap seconds or ignores them; %s",
                tr.name, leapDay(), leapSign * jumpNs * 1e-9, action(tr)), nowNs);
    }

    /** What is done about a smearing source: excluded until the leap second is over, or left to selection. */
    private String action(Track tr) {
        Source s = byName.get(tr.name);
        if (excludeSmearing && s != null) {
            s.excludeAsSmearing(true);
            excluded.add(s);
            return "it is excluded from selection until "
                    + java.time.Instant.ofEpochSecond(leapS + LEAP_WINDOW_NS / NS_PER_S) + " (enable smearexclude)";
        }
        return "it is not excluded (selection will treat it as a falseticker once it disagrees; 'enable smearexclude' "
                + "excludes such a source)";
    }

    /** "2016-12-31 (insertion)": the UTC day the leap second ends. */
    private String leapDay() {
        return LocalDate.ofEpochDay(leapS / S_PER_DAY - 1) + (leapSign > 0 ? " (insertion)" : " (deletion)");
    }

    // ------------------------------------------------------------------------------------------------ timescales

    private void timescale(Track tr, double relNs, long nowNs, boolean nearLeap) {
        long whole = Math.round(relNs / NS_PER_S);
        // Around a leap second, 1 s is the smear test's business (a source that has not stepped yet).
        boolean isWhole = whole != 0 && Math.abs(relNs - whole * (double) NS_PER_S) <= WHOLE_TOLERANCE_NS
                && !(nearLeap && Math.abs(whole) == 1);
        if (!isWhole) {
            tr.wholeSeconds = 0;
            if (tr.notWholeSinceNs == Long.MIN_VALUE) {
                tr.notWholeSinceNs = nowNs;
            }
            if (tr.timescaleRaised && nowNs - tr.notWholeSinceNs >= WHOLE_HOLD_NS) {
                tr.timescaleRaised = false;
                sink.clear(TIMESCALE_KEY + tr.name);
            }
            return;
        }
        tr.notWholeSinceNs = Long.MIN_VALUE;
        if (whole != tr.wholeSeconds || Math.max(tr.wholeMaxNs, relNs) - Math.min(tr.wholeMinNs, relNs) > WHOLE_SPREAD_NS) {
            tr.wholeSeconds = whole; // a new value, or one still moving: the hold starts again
            tr.wholeSinceNs = nowNs;
            tr.wholeMinNs = relNs;
            tr.wholeMaxNs = relNs;
            return;
        }
        tr.wholeMinNs = Math.min(tr.wholeMinNs, relNs);
        tr.wholeMaxNs = Math.max(tr.wholeMaxNs, relNs);
        if (!tr.timescaleRaised && nowNs - tr.wholeSinceNs >= WHOLE_HOLD_NS) {
            tr.timescaleRaised = true;
            sink.raise(TIMESCALE_KEY + tr.name, String.format(Locale.ROOT, "source %s is %.3f s %s the other sources: %s",
                    tr.name, Math.abs(relNs) * 1e-9, relNs > 0 ? "ahead of" : "behind", likelyCause(whole)), nowNs);
        }
    }

    /** Why a source would be {@code s} whole seconds ahead of the others (negative: behind). */
    String likelyCause(long s) {
        int gpsMinusUtc = taiMinusUtcS - TAI_MINUS_GPS_S;
        if (s == taiMinusUtcS) {
            return "it likely serves TAI, not UTC (TAI - UTC = " + taiMinusUtcS + " s)";
        }
        if (s == -taiMinusUtcS) {
            return "it likely serves UTC while they serve TAI (TAI - UTC = " + taiMinusUtcS + " s)";
        }
        if (s == gpsMinusUtc) {
            return "it likely serves GPS time, not UTC (GPS - UTC = " + gpsMinusUtc + " s)";
        }
        if (s == -gpsMinusUtc) {
            return "it likely serves UTC while they serve GPS time (GPS - UTC = " + gpsMinusUtc + " s)";
        }
        if (Math.abs(s) == TAI_MINUS_GPS_S) {
            return "it and they are likely on TAI and GPS time (TAI - GPS = " + TAI_MINUS_GPS_S + " s)";
        }
        if (s % 900 == 0) {
            return String.format(Locale.ROOT, "a time zone offset of %s%d:%02d: it likely serves local time, not UTC",
                    s > 0 ? "+" : "-", Math.abs(s) / 3600, Math.abs(s) % 3600 / 60);
        }
        return "a whole-second error (a leap second count or UTC offset wrong at its reference?)";
    }

    /** The names of the sources a warning is raised for now (tests). */
    Set<String> raisedFor() {
        Set<String> s = new HashSet<>();
        for (Track tr : tracks.values()) {
            if (tr.smearRaised || tr.timescaleRaised) {
                s.add(tr.name);
            }
        }
        return s;
    }
}
