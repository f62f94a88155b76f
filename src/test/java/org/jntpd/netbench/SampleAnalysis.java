package org.jntpd.netbench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.jntpd.testing.VirtualClockLog;

/**
 * Each sample a daemon took, held against what its router saw: the router knows every NTP packet's time in the
 * emulated network exactly (arrival stamp to release), so a sample's measured delay minus the router's up + down
 * delay is the part of the delay that the daemon's and the server's timestamps add (the plain forwarding path, a few
 * us, and wherever T1..T4 sit away from the wire), and its measured offset minus the network's own asymmetry
 * (up - down) / 2 and minus the clock's true error is its timestamps' offset error. The server is the same for both
 * daemons, so a difference between them is on the client side.
 *
 * <p>Daemon samples: jntpd's peerstats (offset, delay, at the clock's time of the sample), chronyd's measurements.log
 * (whole seconds only). A jntpd sample is matched to the last reply that left the router before the sample's time
 * (within 0.5 s), a chronyd sample to the exchange in its second whose router delay is nearest the measured delay.
 * chronyd measures against its "cooked" time (the system clock plus the slew it still has to do), so its offset
 * error includes its pending correction; its delay excess does not.
 *
 * <p>Run as {@code java ... SampleAnalysis RUN_DIR...} (a run folder of bench/network-vs-chronyd).
 */
public final class SampleAnalysis {
    private static final double MJD_UNIX_EPOCH = 40_587;

    /** One request/reply pair as the router saw it: true times (s) and the delays it added (s). */
    record Exchange(double requestArrivalS, double upS, double replyArrivalS, double downS) {
        double replyReleaseS() {
            return replyArrivalS + downS;
        }
    }

    /** A daemon's sample: its clock's time (s), offset (server minus client, s), delay (s). */
    record Sample(double timeS, double offsetS, double delayS, boolean wholeSecond) {}

    /** What a run's samples show for one daemon. */
    record Result(String daemon, int samples, int matched, double[] delayExcessUs, double[] offsetErrorUs,
            double[] asymmetryUs) {
        String line() {
            return String.format(Locale.ROOT, "%-7s samples %4d matched %4d | delay excess p10/p50/p90 %s us | "
                    + "offset error p10/p50/p90 %s us, mean %.1f | network (up-down)/2 mean %.1f us", daemon, samples,
                    matched, pcts(delayExcessUs), pcts(offsetErrorUs), mean(offsetErrorUs), mean(asymmetryUs));
        }
    }

    private SampleAnalysis() {}

    public static void main(String[] args) throws IOException {
        for (String a : args) {
            Path run = Path.of(a);
            System.out.println(run);
            for (Result r : analyse(run)) {
                System.out.println("  " + r.line());
            }
            for (int router = 1; router <= 2; router++) {
                System.out.println("  router " + router + ": " + server(run.resolve("router" + router + ".log")).line());
            }
        }
    }

    /**
     * Where the server's timestamps sit, from the replies' T2 and T3 (as the server sent them) and the router's
     * stamps: T3 lead = the reply's arrival at the router minus T3 (how long before the reply left the server its
     * T3 was taken; the server's veth hands the packet to the router's namespace at once), T2 lag = T2 minus the
     * request's release from the router (the forwarding path to the server's receive stamp), and the server's
     * turnaround T3 - T2.
     */
    record ServerTimes(double[] t3LeadUs, double[] t2LagUs, double[] turnaroundUs) {
        String line() {
            return String.format(Locale.ROOT, "server T3 lead p10/p50/p90 %s us, T2 lag %s us, T3-T2 %s us (%d replies)",
                    pcts(t3LeadUs), pcts(t2LagUs), pcts(turnaroundUs), t3LeadUs.length);
        }
    }

    static ServerTimes server(Path log) throws IOException {
        List<Double> lead = new ArrayList<>();
        List<Double> lag = new ArrayList<>();
        List<Double> turn = new ArrayList<>();
        if (Files.exists(log)) {
            List<String[]> rows = new ArrayList<>();
            for (String line : Files.readAllLines(log)) {
                String[] f = line.split(" ");
                if (f.length >= 11 && !f[8].contains("D")) {
                    rows.add(f);
                }
            }
            rows.sort((x, y) -> Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1])));
            double lastRelease = Double.NaN;
            for (String[] f : rows) {
                boolean up = f[0].equals("u");
                if (Integer.parseInt(up ? f[7] : f[6]) != 123) {
                    continue;
                }
                long arrival = Long.parseLong(f[1]);
                if (up) {
                    lastRelease = arrival + Long.parseLong(f[2]) + Long.parseLong(f[3]);
                    continue;
                }
                long t2 = Long.parseLong(f[9]);
                long t3 = Long.parseLong(f[10]);
                if (t2 == 0 || t3 == 0 || f[8].contains("M")) {
                    continue;
                }
                lead.add((arrival - t3) / 1e3);
                turn.add((t3 - t2) / 1e3);
                if (!Double.isNaN(lastRelease) && t2 - lastRelease < 10e6 && t2 > lastRelease - 1e6) {
                    lag.add((t2 - lastRelease) / 1e3);
                }
            }
        }
        return new ServerTimes(toArray(lead), toArray(lag), toArray(turn));
    }

    /** Both daemons of one run folder. */
    static List<Result> analyse(Path run) throws IOException {
        int jr = routerOf(run, "jntpd");
        int cr = 3 - jr;
        List<Result> out = new ArrayList<>();
        out.add(analyse("jntpd", jntpdSamples(run.resolve("jntpd/peerstats")), exchanges(run.resolve("router" + jr + ".log")),
                VirtualClockLog.read(run.resolve("jntpd/vclock.log"))));
        out.add(analyse("chronyd", chronydSamples(run.resolve("chronyd/measurements.log")),
                exchanges(run.resolve("router" + cr + ".log")), VirtualClockLog.read(run.resolve("chronyd/vclock.log"))));
        return out;
    }

    /** jntpd's router: from routers.txt, or from the run's number (jntpd is behind router 1 + k mod 2). */
    static int routerOf(Path run, String daemon) throws IOException {
        Path f = run.resolve("routers.txt");
        if (Files.exists(f)) {
            for (String l : Files.readAllLines(f)) {
                String[] w = l.split(" ");
                if (w[0].equals(daemon)) {
                    return Integer.parseInt(w[1]);
                }
            }
        }
        int k = Integer.parseInt(run.getFileName().toString().replace("run", ""));
        int jr = 1 + k % 2;
        return daemon.equals("jntpd") ? jr : 3 - jr;
    }

    static Result analyse(String daemon, List<Sample> samples, List<Exchange> exchanges, VirtualClockLog clock) {
        List<Double> excess = new ArrayList<>();
        List<Double> offsetError = new ArrayList<>();
        List<Double> asym = new ArrayList<>();
        int matched = 0;
        for (Sample s : samples) {
            Exchange best = null;
            double bestDiff = Double.MAX_VALUE;
            for (Exchange e : exchanges) {
                double release = e.replyReleaseS();
                if (s.wholeSecond()) {
                    // whole seconds of the daemon's clock: the exchange's second, the nearest delay within it
                    if (Math.floor(release + 1e-3) != s.timeS() && Math.floor(release - 1e-3) != s.timeS()) {
                        continue;
                    }
                    double diff = Math.abs(s.delayS() - (e.upS() + e.downS()));
                    if (diff < bestDiff) {
                        bestDiff = diff;
                        best = e;
                    }
                } else if (release <= s.timeS() + 1e-3 && s.timeS() - release < 0.5) {
                    best = e; // the last reply before the sample (exchanges are in time order)
                    bestDiff = Math.abs(s.delayS() - (e.upS() + e.downS()));
                }
            }
            if (best == null || bestDiff > 500e-6) {
                continue;
            }
            matched++;
            excess.add((s.delayS() - best.upS() - best.downS()) * 1e6);
            double a = (best.upS() - best.downS()) / 2;
            asym.add(a * 1e6);
            // theta = (up - down) / 2 - (e(T1) + e(T4)) / 2 + stamping error
            double clockErr = (errorAt(clock, best.requestArrivalS()) + errorAt(clock, best.replyReleaseS())) / 2;
            offsetError.add((s.offsetS() + clockErr - a) * 1e6);
        }
        return new Result(daemon, samples.size(), matched, toArray(excess), toArray(offsetError), toArray(asym));
    }

    /** V - T at true time t, linear between the shim's per-second lines (NaN outside the log). */
    static double errorAt(VirtualClockLog log, double t) {
        List<VirtualClockLog.Line> l = log.lines();
        for (int i = 1; i < l.size(); i++) {
            if (l.get(i).trueUnixS() >= t) {
                VirtualClockLog.Line a = l.get(i - 1);
                VirtualClockLog.Line b = l.get(i);
                double f = (t - a.trueUnixS()) / (b.trueUnixS() - a.trueUnixS());
                return a.offsetS() + f * (b.offsetS() - a.offsetS());
            }
        }
        return Double.NaN;
    }

    /** NTP exchanges from a router's packet log (port 123; a lost request or reply makes no exchange). */
    static List<Exchange> exchanges(Path log) throws IOException {
        List<double[]> ups = new ArrayList<>();
        List<Exchange> out = new ArrayList<>();
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        List<String[]> rows = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split(" ");
            if (f.length >= 9 && !f[8].contains("D")) {
                rows.add(f);
            }
        }
        rows.sort((x, y) -> Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]))); // by arrival
        for (String[] f : rows) {
            boolean up = f[0].equals("u");
            if (Integer.parseInt(up ? f[7] : f[6]) != 123) {
                continue;
            }
            double arrival = Long.parseLong(f[1]) * 1e-9;
            double held = (Long.parseLong(f[2]) + Long.parseLong(f[3])) * 1e-9;
            if (up) {
                ups.add(new double[] {arrival, held});
            } else {
                double[] req = null;
                for (int i = ups.size() - 1; i >= 0; i--) {
                    if (ups.get(i)[0] + ups.get(i)[1] < arrival) {
                        req = ups.get(i);
                        break;
                    }
                }
                if (req != null && arrival - (req[0] + req[1]) < 0.01) {
                    out.add(new Exchange(req[0], req[1], arrival, held));
                }
            }
        }
        return out;
    }

    static List<Sample> jntpdSamples(Path peerstats) throws IOException {
        List<Sample> out = new ArrayList<>();
        if (!Files.exists(peerstats)) {
            return out;
        }
        for (String l : Files.readAllLines(peerstats)) {
            String[] f = l.trim().split("\\s+");
            if (f.length < 6) {
                continue;
            }
            double t = (Double.parseDouble(f[0]) - MJD_UNIX_EPOCH) * 86400 + Double.parseDouble(f[1]);
            out.add(new Sample(t, Double.parseDouble(f[4]), Double.parseDouble(f[5]), false));
        }
        return out;
    }

    static List<Sample> chronydSamples(Path measurements) throws IOException {
        List<Sample> out = new ArrayList<>();
        if (!Files.exists(measurements)) {
            return out;
        }
        for (String l : Files.readAllLines(measurements)) {
            String[] f = l.trim().split("\\s+");
            if (f.length < 14 || !f[0].matches("\\d{4}-\\d\\d-\\d\\d")) {
                continue;
            }
            double t = java.time.LocalDateTime.parse(f[0] + "T" + f[1]).toEpochSecond(java.time.ZoneOffset.UTC);
            out.add(new Sample(t, Double.parseDouble(f[11]), Double.parseDouble(f[12]), true));
        }
        return out;
    }

    private static double[] toArray(List<Double> l) {
        return l.stream().mapToDouble(Double::doubleValue).filter(x -> !Double.isNaN(x)).toArray();
    }

    static String pcts(double[] v) {
        if (v.length == 0) {
            return "-";
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%.1f/%.1f/%.1f", s[(int) (0.1 * (s.length - 1))], s[(s.length - 1) / 2],
                s[(int) Math.ceil(0.9 * (s.length - 1))]);
    }

    static double mean(double[] v) {
        return v.length == 0 ? Double.NaN : Stream.of(v).flatMapToDouble(Arrays::stream).average().orElse(Double.NaN);
    }
}
