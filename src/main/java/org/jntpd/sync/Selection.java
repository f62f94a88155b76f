package org.jntpd.sync;

import java.util.List;
import org.jntpd.wire.NtpPacket;

/**
 * The system process's source selection (RFC 5905 section 11.2): interval intersection (Marzullo) to find the
 * largest group of sources that can all be telling the truth, clustering to drop the outliers among them, and
 * combining the survivors by the precision of their estimates. Results stay in this object until the next run;
 * the arrays are reused (no allocation once they have grown to the number of sources).
 */
final class Selection {
    /**
     * Each stratum further from the primary reference counts as this much more distance when the system peer is
     * chosen (chrony's {@code stratumweight}, 1 ms): a stratum-2 peer must be clearly better than a stratum-1
     * server to define this host's stratum, refid and root distance.
     */
    static final double STRATUM_WEIGHT_NS = 1e6;
    /** Added to a challenger's distance (chrony's {@code reselectdist}, 100 us): the current system peer is favoured. */
    static final double RESELECT_NS = 1e5;
    /**
     * A challenger replaces a surviving system peer once its score, the product over updates of the peer's distance
     * over its own, exceeds this (chrony's SCORE_LIMIT): twice as close takes about four updates, 10% closer about 24.
     */
    static final double SCORE_LIMIT = 10;
    private Source[] work = new Source[8];
    private double[] endpoints = new double[16];
    private int[] kinds = new int[16];
    private int[] order = new int[16];
    private double[] offsets = new double[8];
    private boolean[] alive = new boolean[8];
    private boolean[] inconsistent = new boolean[8];

    SyncStatus status = SyncStatus.NO_SOURCES;
    int candidates;
    /** Sources whose first sample is still expected (counted in the majority only before the first selection). */
    int pending;
    int agreeing;
    int survivors;
    /** Survivors combined into the offset and frequency (a preferred source's, or within the combine limit). */
    int combined;
    int unselectable;
    Source systemPeer;
    /** Combined offset (source minus local), s. */
    double offset;
    double offsetVariance;
    /** Combined frequency of the sources relative to the local clock, s/s. */
    double frequency;
    double frequencyVariance;
    /** Leap announced by a majority of survivors: 0, 1 (insert) or 2 (delete). */
    int leapVote;

    /** Local time of the previous run: sources with samples newer than it take part in the scoring. */
    private long lastRunNs = Long.MIN_VALUE;

    void run(List<Source> sources, long nowNs, SyncConfig cfg, boolean everSelected) {
        long previousRunNs = lastRunNs;
        lastRunNs = nowNs;
        int n = sources.size();
        grow(n);
        candidates = 0;
        pending = 0;
        agreeing = 0;
        survivors = 0;
        combined = 0;
        unselectable = 0;
        Source previousPeer = systemPeer;
        systemPeer = null;
        for (int i = 0; i < n; i++) {
            Source s = sources.get(i);
            if (s.selectable(nowNs, cfg.maxDistanceNs())) {
                work[candidates++] = s;
            } else {
                s.setState(SourceState.UNSELECTABLE);
                unselectable++;
                if (!everSelected && s.pending()) {
                    pending++;
                }
            }
        }
        if (n == 0) {
            status = SyncStatus.NO_SOURCES;
            return;
        }
        if (candidates == 0) {
            status = SyncStatus.NO_SELECTABLE_SOURCES;
            return;
        }
        intersect(nowNs);
        if (2 * agreeing <= candidates + pending) {
            status = SyncStatus.NO_MAJORITY;
            markAll(SourceState.CANDIDATE);
            return;
        }
        cluster(nowNs, cfg.minClock());
        if (survivors < cfg.minSane()) {
            status = SyncStatus.TOO_FEW_SURVIVORS;
            return;
        }
        setAsideInconsistent(nowNs);
        setAsideSuspects(previousPeer);
        combine(nowNs, previousPeer, previousRunNs);
        status = SyncStatus.SYNCHRONISED;
    }

    private void grow(int n) {
        if (work.length < n) {
            work = new Source[n];
            endpoints = new double[2 * n];
            kinds = new int[2 * n];
            order = new int[2 * n];
            offsets = new double[n];
            alive = new boolean[n];
            inconsistent = new boolean[n];
        }
    }

    private void markAll(SourceState state) {
        for (int i = 0; i < candidates; i++) {
            work[i].setState(state);
        }
    }

    /**
     * Marzullo's algorithm: sweep the interval endpoints in order, counting how many intervals cover each point;
     * the first region covered by the most intervals is the intersection, and the intervals covering it agree.
     */
    private void intersect(long nowNs) {
        int e = 0;
        for (int i = 0; i < candidates; i++) {
            Source s = work[i];
            double mid = s.offsetNs(nowNs);
            double half = s.distanceNs(nowNs);
            offsets[i] = mid;
            endpoints[e] = mid - half;
            kinds[e] = i; // low endpoint of interval i
            order[e] = e;
            e++;
            endpoints[e] = mid + half;
            kinds[e] = ~i; // high endpoint
            order[e] = e;
            e++;
        }
        // Insertion sort (a handful of sources); low endpoints before high ones at equal values: touching
        // intervals overlap.
        for (int k = 1; k < e; k++) {
            int idx = order[k];
            int j = k - 1;
            while (j >= 0 && before(idx, order[j])) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = idx;
        }
        int count = 0;
        int best = 0;
        double bestLow = 0;
        double bestHigh = 0;
        boolean open = false;
        for (int k = 0; k < e; k++) {
            int idx = order[k];
            if (kinds[idx] >= 0) {
                count++;
                if (count > best) {
                    best = count;
                    bestLow = endpoints[idx];
                    open = true;
                }
            } else {
                if (open) {
                    bestHigh = endpoints[idx];
                    open = false;
                }
                count--;
            }
        }
        agreeing = best;
        survivors = 0;
        for (int i = 0; i < candidates; i++) {
            Source s = work[i];
            double half = s.distanceNs(nowNs);
            boolean agrees = offsets[i] - half <= bestLow && offsets[i] + half >= bestHigh;
            alive[i] = agrees;
            if (agrees) {
                survivors++;
            }
            s.setState(agrees ? SourceState.COMBINED : SourceState.FALSETICKER);
        }
    }

    private boolean before(int a, int b) {
        int c = Double.compare(endpoints[a], endpoints[b]);
        return c < 0 || c == 0 && kinds[a] >= 0 && kinds[b] < 0;
    }

    /**
     * RFC 5905 clustering: while more than {@code minClock} survive, drop the survivor whose offsets differ most
     * from the others (selection jitter), unless that spread is already below the smallest source jitter.
     */
    private void cluster(long nowNs, int minClock) {
        while (survivors > Math.max(1, minClock)) {
            int worst = -1;
            double worstJitter = -1;
            double minPeerJitter = Double.MAX_VALUE;
            for (int i = 0; i < candidates; i++) {
                if (!alive[i]) {
                    continue;
                }
                double sum = 0;
                for (int j = 0; j < candidates; j++) {
                    if (alive[j]) {
                        double d = offsets[j] - offsets[i];
                        sum += d * d;
                    }
                }
                double jitter = Math.sqrt(sum / (survivors - 1));
                if (jitter > worstJitter && !work[i].config().prefer()) {
                    worstJitter = jitter;
                    worst = i;
                }
                minPeerJitter = Math.min(minPeerJitter, Math.max(work[i].jitterNs(), Math.sqrt(work[i].offsetVariance(nowNs)) * 1e9));
            }
            if (worst < 0 || worstJitter <= minPeerJitter) {
                return;
            }
            alive[worst] = false;
            work[worst].setState(SourceState.OUTLIER);
            survivors--;
        }
    }

    /**
     * Leaves suspect survivors (spiking or just stepped) out of the combination while steady ones exist: they
     * voted, but their estimate is in doubt. A suspect system peer keeps its role (a momentary spike does not hop
     * this host to another source, stratum and refid) but not its weight.
     */
    private boolean peerSetAside;

    private void setAsideSuspects(Source previousPeer) {
        peerSetAside = false;
        // A preferred survivor is combined alone (combine): a steady server must not stand in for a preferred PPS
        // that spikes, or the clock follows the server's milliseconds (the guest bench: 138 us off after three PPS
        // samples 70-300 ns out). So only steady preferred survivors can replace suspect preferred ones.
        boolean preferSurvives = false;
        for (int i = 0; i < candidates; i++) {
            preferSurvives |= alive[i] && work[i].config().prefer();
        }
        int steady = 0;
        for (int i = 0; i < candidates; i++) {
            if (alive[i] && !work[i].suspect() && (!preferSurvives || work[i].config().prefer())) {
                steady++;
            }
        }
        if (steady == 0) {
            return;
        }
        for (int i = 0; i < candidates; i++) {
            if (alive[i] && work[i].suspect()) {
                alive[i] = false;
                work[i].setState(SourceState.OUTLIER);
                survivors--;
                peerSetAside |= work[i] == previousPeer;
            }
        }
    }

    /**
     * Two survivors whose estimates differ by more than this many sigmas (of the difference, root distances
     * included) are inconsistent.
     */
    static final double INCONSISTENT_SIGMAS = 4;

    /**
     * Leaves out of the combination a survivor inconsistent with every other survivor (more than
     * {@link #INCONSISTENT_SIGMAS} from each, its nearest at m sigmas) when two others agree, within that or within
     * m / 2: the intersection admits a source whose interval is wide, one not heard from for an hour (its distance
     * grows by PHI, 15 us per second) whose estimate drifted with frequency corrections it never saw (the local
     * oscillator's frequency jumped and the others followed it); a falseticker 50 ms off, 4 polls lost in a row, was
     * combined that way. It still voted; it is only not averaged in. Suspect survivors count as witnesses (they are
     * set aside after). When no two agree better (one source following a change, one not yet, a falseticker),
     * nothing is left out: leaving out the one that already followed would leave the falseticker.
     */
    private void setAsideInconsistent(long nowNs) {
        if (survivors < 3) {
            return;
        }
        for (int i = 0; i < candidates; i++) {
            inconsistent[i] = false;
            if (!alive[i] || work[i].config().prefer()) {
                continue;
            }
            double nearest = Double.MAX_VALUE;
            for (int j = 0; j < candidates; j++) {
                if (j != i && alive[j]) {
                    nearest = Math.min(nearest, sigmasApart(i, j, nowNs));
                }
            }
            if (nearest <= INCONSISTENT_SIGMAS) {
                continue;
            }
            double agree = Math.max(INCONSISTENT_SIGMAS, nearest / 2);
            for (int j = 0; j < candidates && !inconsistent[i]; j++) {
                for (int k = j + 1; k < candidates && !inconsistent[i]; k++) {
                    inconsistent[i] = j != i && k != i && alive[j] && alive[k] && sigmasApart(j, k, nowNs) <= agree;
                }
            }
        }
        for (int i = 0; i < candidates; i++) {
            if (inconsistent[i]) {
                alive[i] = false;
                work[i].setState(SourceState.OUTLIER);
                survivors--;
            }
        }
    }

    /** How many sigmas of their difference two survivors' estimates are apart. */
    private double sigmasApart(int i, int j, long nowNs) {
        double d = Math.abs(offsets[i] - offsets[j]) * 1e-9;
        return d / Math.sqrt(combiningVariance(work[i], nowNs) + combiningVariance(work[j], nowNs));
    }

    /** The variance a source's offset is combined with, s^2: its estimate's and its root distance's (uniform). */
    private static double combiningVariance(Source s, long nowNs) {
        double bound = (s.rootDelayNs() / 2.0 + s.rootDispersionNs()) * 1e-9;
        return s.offsetVariance(nowNs) + bound * bound / 3;
    }

    /**
     * chrony's {@code combinelimit}: a survivor whose distance is more than this many times the system peer's is not
     * averaged in. Its weight would be small anyway, but a wide interval is what a source unheard for an hour has,
     * with an estimate that drifted with corrections it never saw: a falseticker 50 ms off, back in the intersection
     * by PHI, was combined at 1e-5 of the weight when {@link #setAsideInconsistent} found no agreeing pair (the
     * truechimers 4.5-9 sigmas apart while following a frequency jump).
     */
    static final double COMBINE_LIMIT = 3;

    /** The distance the system peer is chosen by: the source's distance plus its strata above the closest survivor's. */
    private static double selectionDistanceNs(Source s, long nowNs, int minStratum) {
        return s.distanceNs(nowNs) + (s.stratum() - minStratum) * STRATUM_WEIGHT_NS;
    }

    /**
     * Inverse-variance weighted offset and frequency of the survivors; picks the system peer. When a preferred source
     * survives, only the preferred survivors are combined (chrony's rule; ntpd uses the prefer peer alone): the
     * others still vote in the selection and the leap vote, but a PPS must not be pulled by a server a few
     * milliseconds off whose weight jumps whenever its root dispersion is reset. Nor is a survivor more than
     * {@link #COMBINE_LIMIT} times as far as the system peer.
     */
    private void combine(long nowNs, Source previousPeer, long previousRunNs) {
        boolean preferSurvives = false;
        for (int i = 0; i < candidates; i++) {
            preferSurvives |= alive[i] && work[i].config().prefer();
        }
        double wSum = 0;
        double oSum = 0;
        double fwSum = 0;
        double fSum = 0;
        int votesInsert = 0;
        int votesDelete = 0;
        int minStratum = Integer.MAX_VALUE;
        for (int i = 0; i < candidates; i++) {
            if (alive[i] && (!preferSurvives || work[i].config().prefer())) {
                minStratum = Math.min(minStratum, work[i].stratum());
            }
        }
        Source best = null;
        double bestDistance = Double.MAX_VALUE;
        double closestNs = Double.MAX_VALUE;
        boolean keepPrevious = peerSetAside;
        for (int i = 0; i < candidates; i++) {
            if (!alive[i]) {
                continue;
            }
            Source s = work[i];
            if (s.leap() == NtpPacket.LEAP_ADD_SECOND) {
                votesInsert++;
            } else if (s.leap() == NtpPacket.LEAP_DELETE_SECOND) {
                votesDelete++;
            }
            if (preferSurvives && !s.config().prefer()) {
                continue;
            }
            closestNs = Math.min(closestNs, s.distanceNs(nowNs));
            double d = selectionDistanceNs(s, nowNs, minStratum);
            boolean better = s.config().prefer() && (best == null || !best.config().prefer())
                    || (best == null || !best.config().prefer()) && d < bestDistance;
            if (better) {
                best = s;
                bestDistance = d;
            }
            keepPrevious |= s == previousPeer;
        }
        systemPeer = choosePeer(nowNs, previousPeer, previousRunNs, best, keepPrevious, preferSurvives, minStratum);
        // A peer kept while set aside is not combined; the limit then counts from the closest that is.
        double fromNs = peerSetAside && systemPeer == previousPeer ? closestNs : systemPeer.distanceNs(nowNs);
        double limitNs = COMBINE_LIMIT * fromNs;
        for (int i = 0; i < candidates; i++) {
            Source s = work[i];
            if (!alive[i]) {
                continue;
            }
            if (s != systemPeer && (preferSurvives && !s.config().prefer() || s.distanceNs(nowNs) > limitNs)) {
                s.setState(SourceState.NOT_COMBINED);
                continue;
            }
            double w = 1 / combiningVariance(s, nowNs);
            combined++;
            wSum += w;
            oSum += w * offsets[i] * 1e-9;
            double fw = 1 / s.frequencyVariance(nowNs);
            fwSum += fw;
            fSum += fw * s.frequency();
        }
        for (int i = 0; i < candidates; i++) {
            if (work[i] == systemPeer) {
                work[i].setState(SourceState.SYSTEM_PEER);
            }
        }
        offset = oSum / wSum;
        offsetVariance = 1 / wSum;
        frequency = fSum / fwSum;
        frequencyVariance = 1 / fwSum;
        leapVote = 2 * votesInsert > survivors ? NtpPacket.LEAP_ADD_SECOND
                : 2 * votesDelete > survivors ? NtpPacket.LEAP_DELETE_SECOND : NtpPacket.LEAP_NONE;
    }

    /**
     * chrony's reselection: the system peer stays while it survives; each update, every other combined source's
     * score is multiplied by the peer's selection distance over its own (plus {@link #RESELECT_NS}), for the sources
     * with a sample since the last run, and the first to exceed {@link #SCORE_LIMIT} takes over. So a source a
     * stratum further away (1 ms more) cannot win on one good sample and stay; and one that took over while the
     * peer was out wins it back as soon as it is consistently closer. A preferred source takes over at once.
     */
    private Source choosePeer(long nowNs, Source previousPeer, long previousRunNs, Source best, boolean keepPrevious,
            boolean preferSurvives, int minStratum) {
        if (!keepPrevious || best != null && best.config().prefer() && !previousPeer.config().prefer()) {
            resetScores();
            return best;
        }
        double peerDistance = selectionDistanceNs(previousPeer, nowNs, minStratum);
        boolean peerUpdated = previousPeer.lastSampleNs() - previousRunNs > 0;
        Source challenger = null;
        double top = SCORE_LIMIT;
        for (int i = 0; i < candidates; i++) {
            Source s = work[i];
            if (!alive[i] || s == previousPeer || preferSurvives && !s.config().prefer()) {
                continue;
            }
            if (peerUpdated || s.lastSampleNs() - previousRunNs > 0) {
                s.selectionScore = Math.max(1, s.selectionScore * peerDistance
                        / (selectionDistanceNs(s, nowNs, minStratum) + RESELECT_NS));
            }
            if (s.selectionScore > top) {
                top = s.selectionScore;
                challenger = s;
            }
        }
        if (challenger != null) {
            resetScores();
            return challenger;
        }
        return previousPeer;
    }

    private void resetScores() {
        for (int i = 0; i < candidates; i++) {
            work[i].selectionScore = 1;
        }
    }
}
