package org.jntpd.sim;

import java.util.List;

/**
 * One simulated world (shared/SCENARIOS.md), read from a scenario file by {@link ScenarioParser}. Times are true
 * seconds since the start of the run, which is the Unix second {@code epochS} (a UTC midnight).
 *
 * @param id               name printed in the results
 * @param limitS           LIMIT: the run ends at this true time
 * @param settleS          SETTLE: the metrics use x(k) for whole seconds k in (SETTLE, LIMIT]
 * @param seeds            default number of seeds (runs use seeds 1..N)
 * @param epochS           Unix second of true time 0
 * @param client           the disciplined clock
 * @param servers          the simulated servers
 * @param network          availability of the network
 * @param leaps            UTC leap seconds (+1 insert, -1 delete) at true times
 * @param conf             client configuration lines (ntp.conf dialect subset); empty = "server NAME" per server
 * @param syncOffsetLimitS |x| limit of "synchronised" (chrony's check_sync: 1 ms)
 * @param syncFreqLimit    |frequency error| limit of "synchronised" (5e-4)
 * @param falsetickerS     a server further than this from true time is lying (a falseticker) while it is
 */
public record Scenario(String id, double limitS, double settleS, int seeds, long epochS, Client client,
        List<Server> servers, Network network, List<Leap> leaps, List<String> conf, double syncOffsetLimitS,
        double syncFreqLimit, double falsetickerS, String reference) {
    public Scenario(String id, double limitS, double settleS, int seeds, long epochS, Client client, List<Server> servers,
            Network network, List<Leap> leaps, List<String> conf, double syncOffsetLimitS, double syncFreqLimit,
            double falsetickerS) {
        this(id, limitS, settleS, seeds, epochS, client, servers, network, leaps, conf, syncOffsetLimitS, syncFreqLimit,
                falsetickerS, null);
    }

    /** The reference's offset from true time at {@code tS}: 0, or the offset of the server named by {@code reference}. */
    double referenceOffsetS(double tS) {
        if (reference != null) {
            for (Server s : servers) {
                if (s.name().equals(reference)) {
                    return s.offsetAt(tS);
                }
            }
        }
        return 0;
    }

    /**
     * The client clock: x(0), f0, wander W and optional frequency steps, ramps and sine waves of the oscillator (a
     * temperature that changes steadily or cycles), the latter two applied once per whole second as clknetsim does.
     */
    public record Client(double offsetS, double freq, double wander, List<Step> freqSteps, List<Ramp> freqRamps,
            List<Sine> freqSines) {
        public Client(double offsetS, double freq, double wander, List<Step> freqSteps) {
            this(offsetS, freq, wander, freqSteps, List.of(), List.of());
        }

        /** The ramps' and sines' part of the oscillator's frequency at whole second {@code k}. */
        double profile(long k) {
            double f = 0;
            for (Ramp r : freqRamps) {
                f += r.ratePerS() * Math.max(0, Math.min(k, r.toS()) - r.fromS());
            }
            for (Sine s : freqSines) {
                f += s.amplitude() * Math.sin(2 * Math.PI * k / s.periodS());
            }
            return f;
        }
    }

    /** The frequency changes by {@code ratePerS} every second from {@code fromS} to {@code toS} (then stays). */
    public record Ramp(double fromS, double toS, double ratePerS) {}

    /** The frequency swings by {@code amplitude} around its course, with period {@code periodS}. */
    public record Sine(double amplitude, double periodS) {}

    /** A change at true time {@code atS}: a frequency step (delta) or a server clock step (new offset). */
    public record Step(double atS, double value) {}

    /** A path change at true time {@code atS}: from then on each direction's delay grows by {@code upS} / {@code downS} (added to earlier ones). */
    public record PathStep(double atS, double upS, double downS) {}

    /** One direction's delay law: D0 + J * Exp(1), plus a spike of {@code spikeS} with probability {@code spikeProb}. */
    public record DelayLaw(double baseS, double jitterS, double spikeProb, double spikeS) {}

    /**
     * A stratum-1 server whose clock reads true time + offset (changed by steps), answering like an NTP server
     * (T2 = T3 from its own clock, no processing time). {@code stampNoiseS}: each reply's T2 and T3 are both off by
     * one N(0, stampNoiseS) draw, an offset error its delay does not show (timestamps away from the wire, as on the
     * network bench; 0 = exact stamps).
     */
    public record Server(String name, double offsetS, DelayLaw up, DelayLaw down, double lossProb, List<Step> steps,
            List<PathStep> pathSteps, double stampNoiseS) {
        public Server(String name, double offsetS, DelayLaw up, DelayLaw down, double lossProb, List<Step> steps) {
            this(name, offsetS, up, down, lossProb, steps, List.of(), 0);
        }

        public Server(String name, double offsetS, DelayLaw up, DelayLaw down, double lossProb, List<Step> steps,
                List<PathStep> pathSteps) {
            this(name, offsetS, up, down, lossProb, steps, pathSteps, 0);
        }

        /** What the path adds to the request's (the reply's when {@code reply}) delay at true time {@code tS}, s. */
        double pathDelayS(double tS, boolean reply) {
            double d = 0;
            for (PathStep p : pathSteps) {
                if (tS >= p.atS()) {
                    d += reply ? p.downS() : p.upS();
                }
            }
            return d;
        }

        /** The server's offset at true time {@code tS}. */
        double offsetAt(double tS) {
            double o = offsetS;
            for (Step s : steps) {
                if (tS >= s.atS()) {
                    o = s.value();
                }
            }
            return o;
        }
    }

    /** Packets sent when (t mod periodS) >= upS are dropped (each direction judged at its own send time). */
    public record Network(double periodS, double upS) {
        static final Network ALWAYS = new Network(0, 0);

        boolean up(double tS) {
            return periodS <= 0 || tS - Math.floor(tS / periodS) * periodS < upS;
        }
    }

    /** A UTC leap second at true time {@code atS} (must be a UTC midnight): +1 inserts 23:59:60, -1 deletes 23:59:59. */
    public record Leap(double atS, int sign) {}
}
