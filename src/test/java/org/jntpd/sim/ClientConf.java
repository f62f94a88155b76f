package org.jntpd.sim;

import java.util.ArrayList;
import java.util.List;
import org.jntpd.proto.AssociationConfig;
import org.jntpd.sync.SyncConfig;

/**
 * The simulated client's configuration: the subset of the ntp.conf dialect a scenario's {@code conf} lines may use,
 * mapped onto the core's settings (the daemon's config package does the same for real files).
 * <pre>
 * server|pool|peer NAME [minpoll N] [maxpoll N] [iburst] [burst] [prefer] [noselect] [pollcost X]
 * tos [minsane N] [minclock N] [maxclock N] [maxdist S]
 * tinker [step S] [stepout S] [panic S]
 * makestep THRESHOLD_S LIMIT
 * drift PPM
 * leapfile-entry UNIX_SECOND +1|-1
 * </pre>
 */
record ClientConf(SyncConfig sync, List<Peer> peers, List<long[]> leapEntries) {

    /** One association line. */
    record Peer(String name, AssociationConfig assoc, boolean prefer, boolean noselect) {}

    static ClientConf parse(String scenario, List<String> lines) {
        SyncConfig.Builder sync = SyncConfig.builder();
        List<Peer> peers = new ArrayList<>();
        List<long[]> leaps = new ArrayList<>();
        for (String line : lines) {
            String[] w = line.trim().split("\\s+");
            String where = scenario + ": conf \"" + line + "\": ";
            try {
                switch (w[0]) {
                    case "server", "pool", "peer" -> peers.add(peer(w));
                    case "tos" -> {
                        for (int i = 1; i < w.length; i += 2) {
                            switch (w[i]) {
                                case "minsane" -> sync.minSane(Integer.parseInt(w[i + 1]));
                                case "minclock" -> sync.minClock(Integer.parseInt(w[i + 1]));
                                case "maxclock" -> sync.maxClock(Integer.parseInt(w[i + 1]));
                                case "maxdist" -> sync.maxDistanceNs(ns(w[i + 1]));
                                default -> throw new IllegalArgumentException("expected minsane, minclock, maxclock or maxdist, got " + w[i]);
                            }
                        }
                    }
                    case "tinker" -> {
                        for (int i = 1; i < w.length; i += 2) {
                            switch (w[i]) {
                                case "step" -> sync.stepThresholdNs(ns(w[i + 1]));
                                case "stepout" -> sync.stepoutNs(ns(w[i + 1]));
                                case "panic" -> sync.panicThresholdNs(ns(w[i + 1]));
                                default -> throw new IllegalArgumentException("expected step, stepout or panic, got " + w[i]);
                            }
                        }
                    }
                    case "makestep" -> sync.stepThresholdNs(ns(w[1])).stepLimit(Integer.parseInt(w[2])).stepoutNs(0);
                    case "drift" -> sync.initialFrequencyPpm(Double.parseDouble(w[1]));
                    case "leapfile-entry" -> leaps.add(new long[] {Long.parseLong(w[1]), Integer.parseInt(w[2])});
                    default -> throw new IllegalArgumentException(
                            "expected server, pool, peer, tos, tinker, makestep, drift or leapfile-entry, got " + w[0]);
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(where + e.getMessage(), e);
            }
        }
        return new ClientConf(sync.build(), peers, leaps);
    }

    private static long ns(String seconds) {
        return Math.round(Double.parseDouble(seconds) * 1e9);
    }

    private static Peer peer(String[] w) {
        AssociationConfig a = w[0].equals("peer") ? AssociationConfig.peer() : AssociationConfig.server();
        a = a.withPool(w[0].equals("pool"));
        int min = a.minPollLog2();
        int max = a.maxPollLog2();
        boolean prefer = false;
        boolean noselect = false;
        for (int i = 2; i < w.length; i++) {
            switch (w[i]) {
                case "minpoll" -> min = Integer.parseInt(w[++i]);
                case "maxpoll" -> max = Integer.parseInt(w[++i]);
                case "iburst" -> a = a.withIburst(true);
                case "burst" -> a = a.withBurst(true);
                case "prefer" -> prefer = true;
                case "noselect" -> noselect = true;
                case "pollcost" -> a = a.withPollCost(Double.parseDouble(w[++i]));
                default -> throw new IllegalArgumentException(
                        "expected minpoll, maxpoll, iburst, burst, prefer, noselect or pollcost, got " + w[i]);
            }
        }
        return new Peer(w[1], a.withPoll(min, max), prefer, noselect);
    }
}
