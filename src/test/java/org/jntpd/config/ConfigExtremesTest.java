package org.jntpd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.RawNtp;
import org.jntpd.testing.UdpClient;
import org.junit.jupiter.api.Test;

/**
 * What --check-config accepts starts: every numeric argument of the table, at its lowest and at its highest, in one
 * configuration each, checked by the parser and then run by the real daemon (-x) for a few seconds, each server line a
 * source answered by another jntpd on loopback (so associations, filters and selection get samples), and asked for
 * the time (through the rate limiter). Nothing may end it or print a stack trace.
 */
class ConfigExtremesTest {
    /** Set by the test harness itself (port, bindaddress) or so that the daemon still runs here (cpu, clock control). */
    private static final Set<String> LEFT_OUT = Set.of("port", "bindaddress", "cpu");
    private static final long RUN_MS = 6_000;

    @Test
    void shouldStartWithEveryNumericArgumentAtItsLowestValue() throws Exception {
        runWithExtremes(false);
    }

    @Test
    void shouldStartWithEveryNumericArgumentAtItsHighestValue() throws Exception {
        runWithExtremes(true);
    }

    private static void runWithExtremes(boolean highest) throws Exception {
        // On the wildcard: every 127.x.y.z reaches it, so each server line below is a source of its own.
        try (JntpdProcess upstream = JntpdProcess.builder().bindAddress(null).config("local stratum 1").start()) {
            Path dir = Files.createTempDirectory("jntpd-extremes");
            try {
                List<String> lines = extremeLines(highest, dir, upstream.port());
                lines.add("restrict default limited kod");
                lines.add("controlsocket " + dir.resolve("control.sock"));
                Config parsed = ConfigParser.parse("extremes.conf", String.join("\n", lines), dir);
                assertTrue(parsed.servers().size() > 10, parsed.servers().toString());
                try (JntpdProcess jntpd = JntpdProcess.builder().config(lines.toArray(String[]::new)).start()) {
                    long deadline = System.nanoTime() + RUN_MS * 1_000_000;
                    while (System.nanoTime() - deadline < 0 && jntpd.isAlive()) {
                        Thread.sleep(100);
                    }
                    try (UdpClient client = new UdpClient("127.0.0.1")) {
                        assertEquals(RawNtp.MODE_SERVER, client.query(jntpd.address(), 4, 2_000).reply().mode());
                    }
                    String log = jntpd.log();
                    assertTrue(jntpd.isAlive(), "the daemon ended:\n" + String.join("\n", lines) + "\n" + log);
                    assertFalse(log.contains("Exception") || log.contains("\tat org.jntpd"), log);
                    assertTrue(log.contains("added source 127.0.1.1 "), log);
                    assertEquals(0, jntpd.terminate(10_000), log);
                }
            } finally {
                try (var s = Files.walk(dir)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** One line per numeric argument of every directive and option, at one end of its range. */
    static List<String> extremeLines(boolean highest, Path dir, int upstreamPort) {
        List<String> lines = new ArrayList<>();
        int[] n = {0};
        for (Table.Entry<ConfigBuilder> d : Directives.DIRECTIVES.entries()) {
            if (LEFT_OUT.contains(d.name())) {
                continue;
            }
            switch (d.syntax()) {
                case Table.One<ConfigBuilder, ?> one -> {
                    String v = extreme(one.arg(), highest);
                    if (v != null) {
                        lines.add(d.name() + " " + v);
                    }
                }
                case Table.Two<ConfigBuilder, ?, ?> two -> lines.add(d.name() + " " + extreme(two.first(), highest) + " "
                        + extreme(two.second(), highest));
                case Table.Options<ConfigBuilder, ?> o -> options(o.options(), d.name(), highest, lines);
                case Table.Grammar<ConfigBuilder> g when g.options() != null -> {
                    // Each option on a line of its own: distinct hosts and sockets, so no line duplicates another.
                    for (Table.Entry<?> e : g.options().entries()) {
                        if (!(e.syntax() instanceof Table.One<?, ?> one) || extreme(one.arg(), highest) == null) {
                            continue;
                        }
                        String v = extreme(one.arg(), highest);
                        switch (d.name()) {
                            // key N needs a key file holding N; ntsport needs nts (its KE then fails and is retried),
                            // which a peer cannot have (NTS has no symmetric mode)
                            case "server", "peer", "pool" -> {
                                if (!(d.name().equals("peer") && e.name().equals("ntsport"))) {
                                    lines.add(d.name() + " 127.0.1." + (++n[0]) + " port " + upstreamPort + " iburst "
                                            + e.name() + " " + v + (e.name().equals("ntsport") ? " nts" : ""));
                                }
                            }
                            case "refclock" -> lines.add("refclock sock " + dir.resolve("r" + (++n[0]) + ".sock") + " "
                                    + e.name() + " " + v);
                            default -> { }
                        }
                    }
                }
                default -> { }
            }
        }
        if (lines.stream().anyMatch(l -> l.matches(".* key [0-9]+"))) {
            Path keys = dir.resolve("chrony.keys");
            try {
                java.nio.file.Files.write(keys, List.of("1 SHA1 HEX:0102030405060708090a0b0c0d0e0f1011121314",
                        "65535 SHA1 HEX:0102030405060708090a0b0c0d0e0f1011121314"));
            } catch (java.io.IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
            lines.add("keyfile " + keys);
        }
        return lines;
    }

    private static void options(Table<?> t, String directive, boolean highest, List<String> lines) {
        for (Table.Entry<?> e : t.entries()) {
            if (e.syntax() instanceof Table.One<?, ?> one && extreme(one.arg(), highest) != null) {
                lines.add(directive + " " + e.name() + " " + extreme(one.arg(), highest));
            }
        }
    }

    /** The lowest or highest value {@code arg} accepts, as written; null for an argument that is not a number. */
    private static String extreme(Arg<?> arg, boolean highest) {
        return switch (arg) {
            case Arg.Int i -> String.valueOf(highest ? i.max() : i.min());
            case Arg.Real r -> number(highest ? r.max() : r.minOpen() ? Math.nextUp(r.min()) : r.min());
            case Arg.Seconds s -> number(highest ? s.seconds().max() : s.seconds().min());
            case Arg.OneOf o -> String.valueOf(highest ? o.values().stream().mapToInt(x -> x).max().orElseThrow()
                    : o.values().stream().mapToInt(x -> x).min().orElseThrow());
            default -> null;
        };
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%s", v);
    }
}
