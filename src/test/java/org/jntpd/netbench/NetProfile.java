package org.jntpd.netbench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One profile of bench/network-vs-chronyd: the network each client's router makes (per-direction delay law, loss,
 * path changes), the server's step, both clients' poll settings and their virtual oscillator, and how long and how
 * often to run. Read from {@code bench/network/NAME.profile}, one directive per line, {@code #} starts a comment;
 * errors name file:line. Times are seconds from the clients' start, or a percentage of the run ({@code 50%}).
 *
 * <pre>
 * id LAN                       printed name (required)
 * describe TEXT                one line for the table
 * duration FULL [SHORT]        seconds per run (SHORT with --short; default FULL / 2)
 * settle T                     left out of the metrics at the start (default 25%)
 * runs N                       runs (default 3)
 * poll MIN MAX | poll default  minpoll and maxpoll of both clients (default: their own defaults)
 * clock OFFSET_S FREQ_PPM [WANDER_PPM]   the virtual oscillator of both clients (default 0.001 20 0)
 * up LAW, down LAW             client->server and server->client delay: const D | uniform A B | exp D0 J
 * loss P_UP P_DOWN             drop probability per direction (default 0 0)
 * path-step T UP_S DOWN_S      from T on, each direction's delay grows by UP_S and DOWN_S (repeatable)
 * server-step T STEP_S         from T on, the server's clock reads STEP_S more (replies rewritten by the routers)
 * </pre>
 */
public record NetProfile(String id, String describe, double durationS, double shortDurationS, Time settle, int runs,
        Integer minPoll, Integer maxPoll, double clockOffsetS, double clockFreqPpm, double wanderPpm, Law up, Law down,
        double lossUp, double lossDown, List<PathStep> pathSteps, ServerStep serverStep) {

    /** A time in a run: seconds, or a fraction of the run's duration. */
    public record Time(double value, boolean fraction) {
        double seconds(double durationS) {
            return fraction ? value * durationS : value;
        }

        @Override
        public String toString() {
            return fraction ? fmt(value * 100) + "%" : fmt(value) + " s";
        }
    }

    /** A delay law, seconds: const a, uniform [a, b], exp a + b Exp(1). */
    public record Law(String kind, double a, double b) {
        /** netdelay's spelling. */
        String arg() {
            return switch (kind) {
                case "const" -> "const:" + a;
                case "uniform" -> "uniform:" + a + ":" + b;
                default -> "exp:" + a + ":" + b;
            };
        }

        double meanS() {
            return switch (kind) {
                case "const" -> a;
                default -> kind.equals("uniform") ? (a + b) / 2 : a + b;
            };
        }

        @Override
        public String toString() {
            return switch (kind) {
                case "const" -> us(a);
                case "uniform" -> "U(" + us(a) + ", " + us(b) + ")";
                default -> us(a) + " + Exp(" + us(b) + ")";
            };
        }
    }

    public record PathStep(Time at, double upS, double downS) {}

    public record ServerStep(Time at, double stepS) {}

    public boolean defaultPoll() {
        return minPoll == null;
    }

    public double durationS(boolean quick) {
        return quick ? shortDurationS : durationS;
    }

    /** The options both clients' server line gets after the address. */
    public String serverOptions() {
        return defaultPoll() ? "iburst" : "iburst minpoll " + minPoll + " maxpoll " + maxPoll;
    }

    public static NetProfile read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String id = null;
        String describe = "";
        double duration = -1;
        double shortDuration = -1;
        Time settle = new Time(0.25, true);
        int runs = 3;
        Integer minPoll = null;
        Integer maxPoll = null;
        double offset = 0.001;
        double freq = 20;
        double wander = 0;
        Law up = new Law("const", 0, 0);
        Law down = new Law("const", 0, 0);
        double lossUp = 0;
        double lossDown = 0;
        List<PathStep> steps = new ArrayList<>();
        ServerStep serverStep = null;
        for (int i = 0; i < lines.size(); i++) {
            String where = file + ":" + (i + 1);
            String text = lines.get(i).replaceAll("#.*", "").strip();
            if (text.isEmpty()) {
                continue;
            }
            String[] w = text.split("\\s+");
            try {
                switch (w[0]) {
                    case "id" -> id = one(w, "a name");
                    case "describe" -> describe = text.substring(w[0].length()).strip();
                    case "duration" -> {
                        expect(w, 2, 3, "FULL_S [SHORT_S]");
                        duration = positive(w[1]);
                        shortDuration = w.length == 3 ? positive(w[2]) : duration / 2;
                    }
                    case "settle" -> settle = time(one(w, "seconds or a percentage"));
                    case "runs" -> runs = (int) positive(one(w, "a run count"));
                    case "poll" -> {
                        if (w.length == 2 && w[1].equals("default")) {
                            minPoll = null;
                            maxPoll = null;
                        } else {
                            expect(w, 3, 3, "MINPOLL MAXPOLL or 'default'");
                            minPoll = Integer.parseInt(w[1]);
                            maxPoll = Integer.parseInt(w[2]);
                            if (minPoll > maxPoll || minPoll < -6 || maxPoll > 17) {
                                throw new IllegalArgumentException("expected -6 <= MINPOLL <= MAXPOLL <= 17");
                            }
                        }
                    }
                    case "clock" -> {
                        expect(w, 3, 4, "OFFSET_S FREQ_PPM [WANDER_PPM]");
                        offset = Double.parseDouble(w[1]);
                        freq = Double.parseDouble(w[2]);
                        wander = w.length == 4 ? nonNegative(w[3]) : 0;
                    }
                    case "up" -> up = law(w);
                    case "down" -> down = law(w);
                    case "loss" -> {
                        expect(w, 3, 3, "P_UP P_DOWN");
                        lossUp = probability(w[1]);
                        lossDown = probability(w[2]);
                    }
                    case "path-step" -> {
                        expect(w, 4, 4, "T UP_S DOWN_S");
                        steps.add(new PathStep(time(w[1]), Double.parseDouble(w[2]), Double.parseDouble(w[3])));
                    }
                    case "server-step" -> {
                        expect(w, 3, 3, "T STEP_S");
                        serverStep = new ServerStep(time(w[1]), Double.parseDouble(w[2]));
                    }
                    default -> throw new IllegalArgumentException("unknown directive '" + w[0]
                            + "' (id, describe, duration, settle, runs, poll, clock, up, down, loss, path-step, server-step)");
                }
            } catch (IllegalArgumentException e) {
                throw new IOException(where + ": " + w[0] + ": " + e.getMessage());
            }
        }
        if (id == null || duration < 0) {
            throw new IOException(file + ": 'id' and 'duration' are required");
        }
        return new NetProfile(id, describe, duration, shortDuration, settle, runs, minPoll, maxPoll, offset, freq, wander,
                up, down, lossUp, lossDown, List.copyOf(steps), serverStep);
    }

    private static String one(String[] w, String expected) {
        expect(w, 2, 2, expected);
        return w[1];
    }

    private static void expect(String[] w, int min, int max, String expected) {
        if (w.length < min || w.length > max) {
            throw new IllegalArgumentException("expected " + expected);
        }
    }

    private static double positive(String s) {
        double v = Double.parseDouble(s);
        if (!(v > 0)) {
            throw new IllegalArgumentException("expected a positive number, got " + s);
        }
        return v;
    }

    private static double nonNegative(String s) {
        double v = Double.parseDouble(s);
        if (!(v >= 0)) {
            throw new IllegalArgumentException("expected a number >= 0, got " + s);
        }
        return v;
    }

    private static double probability(String s) {
        double v = nonNegative(s);
        if (v > 1) {
            throw new IllegalArgumentException("expected a probability 0..1, got " + s);
        }
        return v;
    }

    private static Time time(String s) {
        if (s.endsWith("%")) {
            double p = nonNegative(s.substring(0, s.length() - 1));
            if (p > 100) {
                throw new IllegalArgumentException("expected a percentage 0..100, got " + s);
            }
            return new Time(p / 100, true);
        }
        return new Time(nonNegative(s), false);
    }

    private static Law law(String[] w) {
        if (w.length >= 2) {
            switch (w[1]) {
                case "const" -> {
                    expect(w, 3, 3, "const D");
                    return new Law("const", nonNegative(w[2]), 0);
                }
                case "uniform" -> {
                    expect(w, 4, 4, "uniform A B");
                    double a = nonNegative(w[2]);
                    double b = nonNegative(w[3]);
                    if (b < a) {
                        throw new IllegalArgumentException("expected A <= B");
                    }
                    return new Law("uniform", a, b);
                }
                case "exp" -> {
                    expect(w, 4, 4, "exp D0 J");
                    return new Law("exp", nonNegative(w[2]), nonNegative(w[3]));
                }
                default -> { }
            }
        }
        throw new IllegalArgumentException("expected const D, uniform A B or exp D0 J (seconds)");
    }

    static String us(double s) {
        if (Math.abs(s) >= 1e-3) {
            return fmt(s * 1e3) + " ms";
        }
        return fmt(s * 1e6) + " us";
    }

    static String fmt(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }
}
