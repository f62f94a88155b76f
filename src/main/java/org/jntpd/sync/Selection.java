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
    private Source[] work = new Source[8];
    private double[] endpoints = new double[16];
    private int[] kinds = new int[16];
    private int[] order = new int[16];
    private double[] offsets = new double[8];
    private boolean[] alive = new boolean[8];

    SyncStatus status = SyncStatus.NO_SOURCES;
    int candidates;
    /** Sources whose first sample is still expected (counted in the majority only before the first selection). */
    int pending;
    int agreeing;
    int survivors;
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

    void run(List<Source> sources, long nowNs, SyncConfig cfg, boolean everSelected) {
        int n = sources.size();
        grow(n);
        candidates = 0;
        pending = 0;
        agreeing = 0;
        survivors = 0;
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
        setAsideSuspects();
        combine(nowNs, previousPeer);
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
     * voted, but their estimate is in doubt.
     */
    private void setAsideSuspects() {
        int steady = 0;
        for (int i = 0; i < candidates; i++) {
            if (alive[i] && !work[i].suspect()) {
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
            }
        }
    }

    /**
     * Inverse-variance weighted offset and frequency of the survivors; picks the system peer. When a preferred source
     * survives, only the preferred survivors are combined (chrony's rule; ntpd uses the prefer peer alone): the
     * others still vote in the selection and the leap vote, but a PPS must not be pulled by a server a few
     * milliseconds off whose weight jumps whenever its root dispersion is reset.
     */
    private void combine(long nowNs, Source previousPeer) {
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
        Source best = null;
        double bestWeight = -1;
        boolean keepPrevious = false;
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
                s.setState(SourceState.NOT_COMBINED);
                continue;
            }
            double bound = (s.rootDelayNs() / 2.0 + s.rootDispersionNs()) * 1e-9;
            double w = 1 / (s.offsetVariance(nowNs) + bound * bound / 3);
            wSum += w;
            oSum += w * offsets[i] * 1e-9;
            double fw = 1 / s.frequencyVariance(nowNs);
            fwSum += fw;
            fSum += fw * s.frequency();
            boolean better = s.config().prefer() && (best == null || !best.config().prefer())
                    || (best == null || !best.config().prefer()) && w > bestWeight;
            if (better) {
                best = s;
                bestWeight = w;
            }
            keepPrevious |= s == previousPeer;
        }
        // Keep the system peer while it survives (no clock hopping), unless a preferred source took over.
        systemPeer = keepPrevious && !(best != null && best.config().prefer() && best != previousPeer) ? previousPeer : best;
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
}
