package org.jntpd.sim;

import static org.jntpd.time.Units.NS_PER_S;

import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.jntpd.clock.VirtualClock;
import org.jntpd.proto.Association;
import org.jntpd.sync.Source;
import org.jntpd.sync.SourceConfig;
import org.jntpd.sync.SourceState;
import org.jntpd.sync.SyncStatus;
import org.jntpd.sync.Synchroniser;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;

/**
 * One run of a {@link Scenario} with one seed: a discrete-event loop that drives the real association, filter,
 * selection and discipline classes against a {@link VirtualClock} and a virtual network of stateless servers.
 * True time advances from event to event (packet arrivals, the associations' and the synchroniser's timers, and
 * every whole second, where x(k) is sampled); local timers are mapped to true time through the clock's current
 * rate and re-checked when they fire.
 */
public final class Simulation {
    private static final int SERVER_PRECISION = -24;
    private static final int SERVER_REFID = NtpPacket.asciiRefId("GPS");

    /** What a run measured. */
    public record Result(double rmsS, double maxS, double syncS, boolean falsetickerSelected, double freqRms,
            double freqMax, int steps, int noMajority, long samples, double packetsPerHour, double maxAtS, String status) {}

    /** A simulated server with the association and source that talk to it. */
    private final class Node {
        final Scenario.Server server;
        final SplittableRandom net;
        final Association assoc;
        final Source source;
        /** The server's offset when it answered the last sample the source accepted. */
        double offsetAtLastSampleS;

        Node(Scenario.Server server, ClientConf.Peer peer, int index) {
            this.server = server;
            this.net = new SplittableRandom(mix(seed, 1000 + index));
            this.source = sync.addSource(new SourceConfig(server.name(), 0xC612_0000 | (index + 1), peer.prefer(), peer.noselect()));
            this.assoc = new Association(peer.assoc(), source, daemonRandom, clock.nowNs());
            sync.addStepListener(assoc);
        }
    }

    private record Arrival(long trueNs, long seq, Node node, MemorySegment packet, double serverTimeS)
            implements Comparable<Arrival> {
        @Override
        public int compareTo(Arrival o) {
            int c = Long.compare(trueNs, o.trueNs);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final Scenario sc;
    private final long seed;
    private final long startNs;
    private final VirtualClock clock;
    private final Synchroniser sync;
    private final SplittableRandom daemonRandom;
    private final List<Node> nodes = new ArrayList<>();
    private final PriorityQueue<Arrival> arrivals = new PriorityQueue<>();
    private final NtpPacket request = new NtpPacket().wrap(MemorySegment.ofArray(new byte[NtpPacket.HEADER_LENGTH]), 0,
            NtpPacket.HEADER_LENGTH);
    private final NtpPacket received = new NtpPacket();
    private long seq;

    private boolean falsetickerSelected;
    private int noMajority;
    private long samples;
    /** Requests sent by every association, dropped ones included. */
    private long requests;
    private PrintStream trace;
    private double traceEveryS;

    public Simulation(Scenario sc, long seed) {
        this.sc = sc;
        this.seed = seed;
        this.startNs = sc.epochS() * NS_PER_S;
        this.clock = new VirtualClock(startNs, sc.client().offsetS() * 1e9, sc.client().freq(), sc.client().wander(),
                new SplittableRandom(mix(seed, 1)), 100_000);
        this.daemonRandom = new SplittableRandom(mix(seed, 2));
        ClientConf conf = ClientConf.parse(sc.id(), sc.conf());
        this.sync = new Synchroniser(clock, conf.sync());
        for (long[] e : conf.leapEntries()) {
            sync.leapSeconds().add(e[0], (int) e[1]);
        }
        for (ClientConf.Peer p : conf.peers()) {
            int index = -1;
            for (int i = 0; i < sc.servers().size(); i++) {
                if (sc.servers().get(i).name().equals(p.name())) {
                    index = i;
                }
            }
            if (index < 0) {
                throw new IllegalArgumentException(sc.id() + ": conf names server \"" + p.name() + "\", which the scenario does not define");
            }
            nodes.add(new Node(sc.servers().get(index), p, index));
        }
    }

    private static long mix(long seed, long stream) {
        long z = seed * 0x9E3779B97F4A7C15L + stream * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Prints x and the status every {@code everyS} seconds of the run. */
    public Simulation trace(PrintStream out, double everyS) {
        this.trace = out;
        this.traceEveryS = everyS;
        return this;
    }

    public VirtualClock clock() {
        return clock;
    }

    public Synchroniser synchroniser() {
        return sync;
    }

    public List<Association> associations() {
        return nodes.stream().map(n -> n.assoc).toList();
    }

    /** Runs the scenario to LIMIT and returns the metrics. */
    public Result run() {
        return runUntil(sc.limitS());
    }

    private double sumX2;
    private double maxX;
    private long maxAtS;
    private double sumF2;
    private double maxF;
    private long metricCount;
    private long lastBadS = -1;
    private long nextSampleS;
    private int nextFreqStep;

    /** Runs (or continues) to true time {@code untilS}, never beyond LIMIT. */
    public Result runUntil(double untilS) {
        long endNs = startNs + (long) (Math.min(untilS, sc.limitS()) * 1e9);
        while (true) {
            long tSample = startNs + nextSampleS * NS_PER_S;
            long tArrival = arrivals.isEmpty() ? Long.MAX_VALUE : arrivals.peek().trueNs;
            long tPoll = Long.MAX_VALUE;
            Node polling = null;
            for (Node n : nodes) {
                long t = trueAt(n.assoc.nextPollNs());
                if (t < tPoll) {
                    tPoll = t;
                    polling = n;
                }
            }
            long tSync = trueAt(sync.nextTimerNs());
            List<Scenario.Step> freqSteps = sc.client().freqSteps();
            long tFreqStep = nextFreqStep < freqSteps.size()
                    ? startNs + (long) (freqSteps.get(nextFreqStep).atS() * 1e9) : Long.MAX_VALUE;
            long t = Math.min(Math.min(Math.min(tSample, tArrival), Math.min(tPoll, tSync)), tFreqStep);
            if (t > endNs) {
                break;
            }
            clock.advanceTo(t);
            if (t == tFreqStep) {
                clock.changeOscillatorFrequency(freqSteps.get(nextFreqStep++).value());
            } else if (t == tSample) {
                sample();
            } else if (t == tArrival) {
                Arrival a = arrivals.poll();
                receive(a);
            } else if (t == tSync) {
                sync.onTimer(clock.nowNs());
            } else {
                poll(polling);
            }
        }
        return result();
    }

    private Result result() {
        double rms = Math.sqrt(sumX2 / Math.max(1, metricCount));
        double freqRms = Math.sqrt(sumF2 / Math.max(1, metricCount));
        int steps = clock.steps();
        double hours = Math.max(1, nextSampleS - 1) / 3600.0;
        return new Result(rms, maxX, lastBadS + 1, falsetickerSelected, freqRms, maxF, steps, noMajority, samples,
                requests / hours, maxAtS, sync.statusMessage());
    }

    /** The true time at which the local clock reads {@code localNs}, at the current rate; now if already past. */
    private long trueAt(long localNs) {
        if (localNs == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        long ahead = localNs - clock.nowNs();
        if (ahead <= 0) {
            return clock.trueNs();
        }
        return clock.trueNs() + (long) Math.ceil(ahead / (1 + clock.frequencyError())) + 1;
    }

    private boolean nearLeap(double tS) {
        for (Scenario.Leap leap : sc.leaps()) {
            double at = leap.sign() > 0 ? leap.atS() : leap.atS() - 1;
            if (Math.abs(tS - at) <= 1) {
                return true;
            }
        }
        return false;
    }

    private double leapOffsetS(double tS) {
        double l = 0;
        for (Scenario.Leap leap : sc.leaps()) {
            // An inserted second repeats the last UTC second of the day; a deleted one is skipped at 23:59:59.
            if (leap.sign() > 0 ? tS >= leap.atS() : tS >= leap.atS() - 1) {
                l += leap.sign();
            }
        }
        return l;
    }

    private void sample() {
        if (nextSampleS > 0) {
            // Ramps and sine waves of the oscillator move its frequency once per whole second (as clknetsim does).
            double delta = sc.client().profile(nextSampleS) - sc.client().profile(nextSampleS - 1);
            if (delta != 0) {
                clock.changeOscillatorFrequency(delta);
            }
        }
        double tS = nextSampleS;
        double x = clock.offsetNs() * 1e-9 + leapOffsetS(tS) - sc.referenceOffsetS(tS);
        if (nearLeap(tS)) {
            // UTC is discontinuous here: a clock a few microseconds from true time is on one side of the jump or
            // the other. Either reading names the same instant, so the error is the distance to the nearer one.
            x -= Math.rint(x);
        }
        double f = clock.frequencyError();
        if (Math.abs(x) > sc.syncOffsetLimitS() || Math.abs(f) > sc.syncFreqLimit()) {
            lastBadS = nextSampleS;
        }
        if (tS > sc.settleS()) {
            sumX2 += x * x;
            if (Math.abs(x) > maxX) {
                maxX = Math.abs(x);
                maxAtS = nextSampleS;
            }
            sumF2 += f * f;
            maxF = Math.max(maxF, Math.abs(f));
            metricCount++;
        }
        if (trace != null && Math.floorMod(nextSampleS, (long) traceEveryS) == 0) {
            trace.printf("t=%d x=%.3e f=%.3e freqcorr=%.4f ppm status=%s%n", nextSampleS, x, f, sync.frequencyPpm(),
                    sync.statusMessage());
        }
        nextSampleS++;
    }

    private void poll(Node n) {
        int flags = n.assoc.poll(clock.nowNs(), request, sync.state());
        if ((flags & Association.DEMOBILISE) != 0) {
            drop(n);
            return;
        }
        if ((flags & Association.SEND) == 0) {
            return;
        }
        requests++;
        // Draw both delays whatever happens, so that losses do not shift the random streams.
        long tSend = clock.trueNs();
        long up = delayNs(n.server.up(), n.net);
        long down = delayNs(n.server.down(), n.net);
        boolean lost = n.net.nextDouble() < n.server.lossProb() | n.net.nextDouble() < n.server.lossProb();
        if (!n.server.pathSteps().isEmpty()) {
            up += Math.round(n.server.pathDelayS(relS(tSend), false) * 1e9);
        }
        long tServer = tSend + up;
        if (lost || !sc.network().up(relS(tSend)) || !sc.network().up(relS(tServer))) {
            return;
        }
        double serverTimeS = relS(tServer);
        long serverClockNs = tServer + Math.round((n.server.offsetAt(serverTimeS) - leapOffsetS(serverTimeS)) * 1e9);
        if (n.server.stampNoiseS() > 0) { // drawn only then: the other scenarios' random streams stay as they were
            serverClockNs += Math.round(n.server.stampNoiseS() * n.net.nextGaussian() * 1e9);
        }
        long stamp = NtpTimestamp.fromUnixNs(serverClockNs);
        MemorySegment reply = MemorySegment.ofArray(new byte[NtpPacket.HEADER_LENGTH]);
        new NtpPacket().wrap(reply, 0, NtpPacket.HEADER_LENGTH)
                .leapVersionMode(leapIndicator(serverTimeS), 4, NtpPacket.MODE_SERVER).stratum(1).pollLog2(request.pollLog2())
                .precisionLog2(SERVER_PRECISION).refId(SERVER_REFID).referenceTs(NtpTimestamp.plusNs(stamp, -16 * NS_PER_S))
                .originTs(request.transmitTs()).receiveTs(stamp).transmitTs(stamp);
        if (!n.server.pathSteps().isEmpty()) {
            down += Math.round(n.server.pathDelayS(serverTimeS, true) * 1e9);
        }
        arrivals.add(new Arrival(tServer + down, seq++, n, reply, serverTimeS));
    }

    private int leapIndicator(double tS) {
        for (Scenario.Leap leap : sc.leaps()) {
            // Announced during the last UTC day before the leap.
            double at = leap.sign() > 0 ? leap.atS() : leap.atS() - 1;
            if (tS >= at - 86_400 && tS < at) {
                return leap.sign() > 0 ? 1 : 2;
            }
        }
        return 0;
    }

    private double relS(long trueNs) {
        return (trueNs - startNs) * 1e-9;
    }

    private static long delayNs(Scenario.DelayLaw law, SplittableRandom r) {
        double d = law.baseS() + law.jitterS() * r.nextExponential();
        if (law.spikeProb() > 0 && r.nextDouble() < law.spikeProb()) {
            d += law.spikeS();
        }
        return Math.round(d * 1e9);
    }

    private void receive(Arrival a) {
        if (!nodes.contains(a.node)) {
            return;
        }
        long rx = clock.nowNs();
        int flags = a.node.assoc.receive(received.wrap(a.packet, 0, NtpPacket.HEADER_LENGTH), rx);
        if ((flags & Association.DEMOBILISE) != 0) {
            drop(a.node);
            return;
        }
        if ((flags & Association.RESELECT) != 0) {
            sync.update(rx);
        }
        if ((flags & Association.SAMPLE) == 0) {
            return;
        }
        samples++;
        a.node.offsetAtLastSampleS = a.node.server.offsetAt(a.serverTimeS);
        SyncStatus status = sync.update(rx);
        if (status == SyncStatus.NO_MAJORITY) {
            noMajority++;
        }
        if (status == SyncStatus.SYNCHRONISED) {
            // Combining a source whose data came from a lying server (its last accepted sample) is selecting a
            // falseticker; a server that only starts lying after its last answer is not one yet.
            for (Node n : nodes) {
                SourceState s = n.source.state();
                boolean used = s == SourceState.COMBINED || s == SourceState.SYSTEM_PEER;
                if (used && n.source.samples() > 0 && Math.abs(n.offsetAtLastSampleS) > sc.falsetickerS()) {
                    falsetickerSelected = true;
                }
            }
        }
    }

    private void drop(Node n) {
        nodes.remove(n);
        sync.removeSource(n.source);
        sync.removeStepListener(n.assoc);
    }
}
