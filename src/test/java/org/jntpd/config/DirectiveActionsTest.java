package org.jntpd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every word of every table of {@link Directives} reaches its table's action with a value of its argument's type: the
 * actions are switches on the word's name with casts, so a word the switch lacks, or a cast that does not fit the
 * argument, would fail only when a configuration first uses it. Each word is parsed here on a line of its own.
 */
class DirectiveActionsTest {
    /** A line that opens each grammar; the word's option is appended. */
    private static final Map<String, String> GRAMMAR_LINES = Map.ofEntries(
            Map.entry("server", "server 127.0.0.1"), Map.entry("pool", "pool pool.example.org"),
            Map.entry("peer", "peer 127.0.0.2"), Map.entry("refclock", "refclock shm 0"),
            Map.entry("fudge", "server 127.127.28.0\nfudge 127.127.28.0"), Map.entry("broadcast", "broadcast 224.0.1.1"),
            Map.entry("broadcastclient", "broadcastclient novolley"), Map.entry("multicastclient", "multicastclient"),
            Map.entry("restrict", "restrict default"), Map.entry("unrestrict", "unrestrict default"),
            Map.entry("interface", "interface listen all"), Map.entry("cpu", "cpu 0"),
            Map.entry("enable", "enable"), Map.entry("disable", "disable"), Map.entry("statistics", "statistics"),
            Map.entry("filegen", "filegen loopstats"), Map.entry("includefile", ""),
            Map.entry("trustedkey", "trustedkey 1 ( 2 ... 4 )"));
    /** Lines after each word's, for the checks across lines: a key file, an NTS server's files, a clock to lock to. */
    private static final String SUPPORT = String.join("\n", "", "keyfile /etc/jntpd/keys",
            "ntsservercert /etc/jntpd/cert.pem", "ntsserverkey /etc/jntpd/key.pem", "refclock shm 1 refid GPS");
    /** The server options that need {@code nts} on their line. */
    private static final List<String> NTS_OPTIONS = List.of("noval", "nocerttimecheck", "ca", "ntsport");

    @Test
    void shouldActOnEveryWordOfEveryTable() {
        List<String> lines = everyWord();
        assertTrue(lines.size() > 250, lines.size() + " lines");
        List<String> wrong = new ArrayList<>();
        for (String line : lines) {
            String refused = refusal(line);
            try {
                ConfigParser.parse("words.conf", line + SUPPORT, null);
                if (refused != null) {
                    wrong.add(line + ": accepted");
                }
            } catch (ConfigException e) {
                if (refused == null || !e.errors().toString().contains(refused)) {
                    wrong.add(line + ": " + e.errors());
                }
            } catch (RuntimeException e) { // the action's switch or a cast
                wrong.add(line + ": " + e);
            }
        }
        assertEquals(List.of(), wrong, String.join("\n", wrong));
    }

    /** What the line is refused for on purpose (the word's action or a check across lines), or null. */
    private static String refusal(String line) {
        String[] w = line.split(" ");
        if (w[0].matches("server|pool|peer") && w.length > 2) {
            if (w[2].equals("mode")) {
                return "'mode' applies to reference clocks only";
            }
            if (w[0].equals("peer") && w[2].equals("nts")) {
                return "NTS has no symmetric mode";
            }
            if (w[0].equals("peer") && NTS_OPTIONS.contains(w[2])) {
                return "needs 'nts'";
            }
        }
        return null;
    }

    @Test
    void shouldRefuseTheGpsdDriverWithWhatToUseInstead() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse("g.conf", "refclock gpsd 0", null));
        assertTrue(e.errors().getFirst().startsWith("g.conf:1: refclock gpsd (NTPsec's GPSD JSON driver) is not supported"),
                e.errors().toString());
    }

    @Test
    void shouldPutEachValueWhereItsWordSays() throws ConfigException {
        Config c = ConfigParser.parse("v.conf", String.join("\n",
                "server 127.0.0.1 iburst minpoll 3 maxpoll 5 maxdelay 0.25",
                "refclock pps /dev/pps0 refid PPS poll 0 prefer offset 0.002",
                "tos minsane 2 maxdist 3", "tinker step 0.5 panic 0", "makestep 0.1 3", "ratelimit interval 2 burst 4",
                "port 1123", "driftfile /var/lib/jntpd/drift", "controlsocket none", "enable ntp", "disable monitor",
                "statistics loopstats peerstats", "restrict default noquery nomodify", "rtcsync"), null);
        ServerSpec s = c.servers().getFirst();
        assertTrue(s.iburst());
        assertEquals(3, s.minPollLog2());
        assertEquals(5, s.maxPollLog2());
        RefclockSpec r = c.refclocks().getFirst();
        assertEquals("PPS", r.refId());
        assertEquals(0, r.pollLog2());
        assertTrue(r.prefer());
        assertEquals(2_000_000, r.offsetNs());
        assertEquals(2, c.tos().minSane());
        assertEquals(3_000_000_000L, c.tos().maxDistNs());
        assertEquals(100_000_000, c.tinker().stepBackNs());
        assertEquals(3, c.tinker().stepLimit());
        assertEquals(2, c.serving().rateLimit().intervalLog2());
        assertEquals(4, c.serving().rateLimit().burst());
        assertEquals(1123, c.serving().port());
        assertEquals("/var/lib/jntpd/drift", c.files().driftFile());
        assertEquals(null, c.files().controlSocket());
        assertEquals(Map.of("ntp", true, "monitor", false), c.systemFlags());
        assertTrue(c.stats().enabled().containsAll(List.of("loopstats", "peerstats")), c.stats().toString());
        assertFalse(c.restrictions().isEmpty());
    }

    /** One line per word: each directive, and each option or flag of every table a directive reads. */
    static List<String> everyWord() {
        List<String> lines = new ArrayList<>();
        for (Table.Entry<ConfigBuilder> d : Directives.DIRECTIVES.entries()) {
            for (String spelling : spellings(d)) {
                switch (d.syntax()) {
                    case Table.Flag<ConfigBuilder> f -> lines.add(spelling);
                    case Table.One<ConfigBuilder, ?> one -> lines.add(spelling + " " + value(one.arg()));
                    case Table.Two<ConfigBuilder, ?, ?> two -> lines.add(spelling + " " + value(two.first()) + " "
                            + value(two.second()));
                    case Table.Options<ConfigBuilder, ?> o -> words(o.options(), spelling, lines);
                    case Table.Grammar<ConfigBuilder> g -> {
                        String opening = GRAMMAR_LINES.get(d.name());
                        assertTrue(opening != null, "no opening line for " + d.name());
                        opening = opening.replaceFirst("^" + d.name(), spelling);
                        if (g.options() != null) {
                            words(g.options(), opening, lines);
                        } else if (!opening.isEmpty()) {
                            lines.add(opening);
                        }
                    }
                    case Table.Skip<ConfigBuilder> s -> lines.add(spelling + " anything at all");
                }
            }
        }
        for (Table.Entry<?> driver : Directives.REFCLOCK_DRIVERS.entries()) {
            if (!driver.name().equals("gpsd")) {
                lines.add("refclock " + driver.name() + (driver.name().equals("sock") ? " /run/chrony.ttyS0.sock" : " 0"));
            }
        }
        return lines;
    }

    private static List<String> spellings(Table.Entry<?> e) {
        List<String> s = new ArrayList<>(List.of(e.name()));
        e.aliases().forEach(a -> s.add(a.word()));
        return s;
    }

    /** {@code opening WORD [VALUE]} for each word of {@code t}, by every spelling. */
    private static void words(Table<?> t, String opening, List<String> lines) {
        for (Table.Entry<?> e : t.entries()) {
            for (String spelling : spellings(e)) {
                switch (e.syntax()) {
                    case Table.One<?, ?> one -> lines.add(opening + " " + spelling + " " + value(one.arg())
                            + ntsAfter(opening, e.name()));
                    case Table.Flag<?> f -> lines.add(opening + " " + spelling
                            + ntsAfter(opening, e.name()));
                    case Table.Grammar<?> g -> lines.add(opening + " " + spelling + " 1"); // server's 'mode' explains
                    default -> fail("an option of a kind no table has: " + e);
                }
            }
        }
    }

    /** " nts" after a server or pool line's option that needs it, else "". */
    private static String ntsAfter(String opening, String option) {
        return opening.matches("(server|pool) .*") && NTS_OPTIONS.contains(option) ? " nts" : "";
    }

    /** A value {@code arg} accepts. */
    private static String value(Arg<?> arg) {
        return switch (arg) {
            case Arg.Int i -> String.valueOf(i.min());
            case Arg.Real r -> String.valueOf(r.minOpen() ? r.max() : r.min());
            case Arg.Seconds s -> String.valueOf(s.seconds().min());
            case Arg.OneOf o -> String.valueOf(java.util.Collections.min(o.values())); // Set.of's order is not fixed
            case Arg.Choice<?> c -> java.util.Collections.min(c.choices().keySet());
            case Arg.FilePath p -> p.maxBytes() < 200 ? "/run/jntpd/test.sock" : "/var/lib/jntpd/test";
            case Arg.Word w -> "0";
            case Arg.RefId r -> "GPS";
            case Arg.Address a -> "127.0.0.1";
            case Arg.Endpoint e -> "127.0.0.1:9100";
        };
    }
}
