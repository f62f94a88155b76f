package org.jntpd.sim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a scenario file (format in bench/README.md): one directive per line, {@code #} starts a comment.
 * Errors name file:line and what was expected.
 */
public final class ScenarioParser {
    private ScenarioParser() {}

    public static Scenario parse(Path file) throws IOException {
        return parse(file.toString(), Files.readAllLines(file));
    }

    public static Scenario parse(String name, List<String> lines) {
        String id = null;
        double limit = Double.NaN;
        double settle = Double.NaN;
        int seeds = 100;
        long epoch = 1_767_225_600L; // 2026-01-01T00:00:00Z
        double cOffset = 0.1;
        double cFreq = 1e-4;
        double cWander = 1e-9;
        List<Scenario.Step> freqSteps = new ArrayList<>();
        List<Scenario.Ramp> freqRamps = new ArrayList<>();
        List<Scenario.Sine> freqSines = new ArrayList<>();
        List<Scenario.Server> servers = new ArrayList<>();
        Scenario.Network network = Scenario.Network.ALWAYS;
        List<Scenario.Leap> leaps = new ArrayList<>();
        List<String> conf = new ArrayList<>();
        double syncOffset = 1e-3;
        double syncFreq = 5e-4;
        double falseticker = 0.01;
        String reference = null;
        for (int n = 0; n < lines.size(); n++) {
            String raw = lines.get(n);
            int hash = raw.indexOf('#');
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).trim();
            if (line.isEmpty()) {
                continue;
            }
            Tokens t = new Tokens(name, n + 1, line);
            String directive = t.word("a directive");
            switch (directive) {
                case "id" -> id = t.word("an identifier");
                case "limit" -> limit = t.number("LIMIT in seconds");
                case "settle" -> settle = t.number("SETTLE in seconds");
                case "seeds" -> seeds = (int) t.number("a number of seeds");
                case "epoch" -> epoch = (long) t.number("the Unix second of true time 0 (a UTC midnight)");
                case "sync-limits" -> {
                    syncOffset = t.number("the |offset| limit in seconds");
                    syncFreq = t.number("the |frequency error| limit");
                }
                case "falseticker-threshold" -> falseticker = t.number("seconds");
                case "reference" -> reference = t.word("the name of the server whose clock is the truth");
                case "client" -> {
                    while (t.more()) {
                        String key = t.word("offset, freq, wander, freqstep, freqramp or freqsine");
                        switch (key) {
                            case "offset" -> cOffset = t.number("the initial offset x(0) in seconds");
                            case "freq" -> cFreq = t.number("f0 (1e-4 = 100 ppm)");
                            case "wander" -> cWander = t.number("W per sqrt(second)");
                            case "freqramp" -> freqRamps.add(new Scenario.Ramp(t.number("the ramp's start in seconds"),
                                    t.number("the ramp's end in seconds"), t.number("the frequency change per second")));
                            case "freqsine" -> freqSines.add(new Scenario.Sine(t.number("the amplitude (1e-6 = 1 ppm)"),
                                    t.number("the period in seconds")));
                            case "freqstep" -> freqSteps.add(new Scenario.Step(t.number("the time in seconds"),
                                    t.number("the frequency change")));
                            default -> throw t.error("offset, freq, wander, freqstep, freqramp or freqsine", key);
                        }
                    }
                }
                case "server" -> servers.add(server(t));
                case "network" -> {
                    t.expect("up");
                    double up = t.number("seconds up per period");
                    t.expect("period");
                    network = new Scenario.Network(t.number("the period in seconds"), up);
                }
                case "leap" -> {
                    String kind = t.word("insert or delete");
                    if (!kind.equals("insert") && !kind.equals("delete")) {
                        throw t.error("insert or delete", kind);
                    }
                    leaps.add(new Scenario.Leap(t.number("the true time of the UTC midnight"), kind.equals("insert") ? 1 : -1));
                }
                case "conf" -> conf.add(t.rest());
                default -> throw t.error("id, limit, settle, seeds, epoch, sync-limits, falseticker-threshold, client, "
                        + "server, network, leap, reference or conf", directive);
            }
            if (!directive.equals("conf") && t.more()) {
                throw t.error("end of line", t.word(""));
            }
        }
        if (id == null || Double.isNaN(limit) || Double.isNaN(settle) || servers.isEmpty()) {
            throw new IllegalArgumentException(name + ": a scenario needs id, limit, settle and at least one server");
        }
        String ref = reference;
        if (ref != null && servers.stream().noneMatch(s -> s.name().equals(ref))) {
            throw new IllegalArgumentException(name + ": reference names server \"" + reference + "\", which it does not define");
        }
        if (conf.isEmpty()) {
            for (Scenario.Server s : servers) {
                conf.add("server " + s.name());
            }
        }
        return new Scenario(id, limit, settle, seeds, epoch, new Scenario.Client(cOffset, cFreq, cWander, freqSteps,
                freqRamps, freqSines),
                servers, network, leaps, conf, syncOffset, syncFreq, falseticker, reference);
    }

    private static Scenario.Server server(Tokens t) {
        String name = t.word("a server name");
        double offset = 0;
        double base = 1e-4;
        double jitter = 1e-4;
        double upJitter = Double.NaN;
        double downJitter = Double.NaN;
        double spikeProb = 0;
        double spike = 0;
        double loss = 0;
        double stampNoise = 0;
        List<Scenario.Step> steps = new ArrayList<>();
        List<Scenario.PathStep> pathSteps = new ArrayList<>();
        while (t.more()) {
            String key = t.word("a server option");
            switch (key) {
                case "offset" -> offset = t.number("the offset in seconds");
                case "delay" -> base = t.number("D0, the base one-way delay in seconds");
                case "jitter" -> jitter = t.number("J, the delay jitter scale in seconds");
                case "up-jitter" -> upJitter = t.number("J of the client-to-server direction");
                case "down-jitter" -> downJitter = t.number("J of the server-to-client direction");
                case "spike" -> {
                    spikeProb = t.number("the spike probability");
                    spike = t.number("the spike size in seconds");
                }
                case "loss" -> loss = t.number("the loss probability");
                case "stamp-noise" -> stampNoise = t.number("the timestamps' offset noise (standard deviation) in seconds");
                case "step" -> steps.add(new Scenario.Step(t.number("the time in seconds"), t.number("the new offset")));
                case "path-step" -> pathSteps.add(new Scenario.PathStep(t.number("the time in seconds"),
                        t.number("the request's added delay in seconds"), t.number("the reply's added delay in seconds")));
                default -> throw t.error("offset, delay, jitter, up-jitter, down-jitter, spike, loss, stamp-noise, step or path-step", key);
            }
        }
        Scenario.DelayLaw up = new Scenario.DelayLaw(base, Double.isNaN(upJitter) ? jitter : upJitter, spikeProb, spike);
        Scenario.DelayLaw down = new Scenario.DelayLaw(base, Double.isNaN(downJitter) ? jitter : downJitter, spikeProb, spike);
        return new Scenario.Server(name, offset, up, down, loss, steps, pathSteps, stampNoise);
    }

    /** Whitespace-separated tokens of one line, with errors that name file:line. */
    private static final class Tokens {
        private final String file;
        private final int line;
        private final String[] words;
        private int next;

        Tokens(String file, int line, String text) {
            this.file = file;
            this.line = line;
            this.words = text.split("\\s+");
        }

        boolean more() {
            return next < words.length;
        }

        String word(String expected) {
            if (!more()) {
                throw error(expected, "end of line");
            }
            return words[next++];
        }

        void expect(String keyword) {
            String w = word(keyword);
            if (!w.equals(keyword)) {
                throw error(keyword, w);
            }
        }

        double number(String expected) {
            String w = word(expected);
            try {
                return Double.parseDouble(w);
            } catch (NumberFormatException e) {
                throw error(expected, w);
            }
        }

        String rest() {
            StringBuilder b = new StringBuilder();
            while (more()) {
                b.append(b.isEmpty() ? "" : " ").append(words[next++]);
            }
            return b.toString();
        }

        IllegalArgumentException error(String expected, String got) {
            return new IllegalArgumentException(file + ":" + line + ": expected " + expected + ", got \"" + got + "\"");
        }
    }
}
