package org.jntpd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The parser's whole output, kept as text: every case of {@code config/cases.conf}, every shipped example, the built-in
 * configuration and the configurations of the test resources, parsed and written out field by field (or their errors).
 * {@code config/cases.golden} was captured from the hand-written parser before the table replaced it; every later
 * difference is a deliberate change, made in the commit that explains it. Regenerate with
 * {@code -Djntpd.updateGolden=true} and read the diff.
 */
class ConfigGoldenTest {
    private static final Path PROJECT = Path.of(System.getProperty("jntpd.projectDir", "."));
    private static final Path CASES = PROJECT.resolve("src/test/resources/config/cases.conf");
    private static final Path GOLDEN = PROJECT.resolve("src/test/resources/config/cases.golden");

    @Test
    void shouldParseEveryCaseExampleAndResourceAsCaptured() throws IOException {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String> c : inputs().entrySet()) {
            out.append("### ").append(c.getKey()).append('\n').append(result(c.getKey(), c.getValue()));
        }
        String actual = out.toString();
        if (Boolean.getBoolean("jntpd.updateGolden")) {
            Files.writeString(GOLDEN, actual, StandardCharsets.UTF_8);
        }
        String expected = Files.readString(GOLDEN, StandardCharsets.UTF_8);
        assertEquals(expected, actual, "the parser's output changed (regenerate with -Djntpd.updateGolden=true and read the diff)");
    }

    /** Cases by name, in order: those of cases.conf, then the files the project ships or tests with. */
    static Map<String, String> inputs() throws IOException {
        Map<String, String> cases = new LinkedHashMap<>();
        String name = null;
        StringBuilder text = new StringBuilder();
        for (String line : Files.readAllLines(CASES, StandardCharsets.UTF_8)) {
            if (line.startsWith("### ")) {
                if (name != null) {
                    cases.put(name, text.toString());
                }
                name = line.substring(4).trim();
                text.setLength(0);
            } else if (name != null) {
                text.append(line).append(name.equals("crlf") ? "\r\n" : "\n");
            }
        }
        if (name != null) {
            cases.put(name, text.toString());
        }
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(PROJECT.resolve("docs/examples"))) {
            s.filter(p -> p.toString().endsWith(".conf")).sorted().forEach(files::add);
        }
        files.add(PROJECT.resolve("src/main/resources/org/jntpd/config/default.conf"));
        files.add(PROJECT.resolve("src/test/resources/config/ntpsec-debian12-ntp.conf"));
        try (Stream<Path> s = Files.list(PROJECT.resolve("src/test/resources/golden/peers"))) {
            s.filter(p -> p.toString().endsWith(".conf")).sorted().forEach(files::add);
        }
        assertTrue(files.size() >= 10, files.toString());
        for (Path f : files) {
            cases.put(PROJECT.relativize(f).toString(), Files.readString(f, StandardCharsets.UTF_8));
        }
        return cases;
    }

    private static String result(String name, String text) {
        try {
            return dump(ConfigParser.parse(name, text, null));
        } catch (ConfigException e) {
            StringBuilder b = new StringBuilder("errors:\n");
            e.errors().forEach(err -> b.append("  ").append(err).append('\n'));
            return b.toString();
        }
    }

    /** Every field of {@code c}, one item a line, in a stable order (sets of flags sorted, addresses in hex). */
    static String dump(Config c) {
        StringBuilder b = new StringBuilder();
        c.servers().forEach(s -> b.append("server ").append(s).append('\n'));
        c.refclocks().forEach(r -> b.append("refclock ").append(r).append('\n'));
        for (RestrictRule r : c.restrictions()) {
            b.append("restrict ").append(r.address() == null ? "default" : HexFormat.of().formatHex(r.address()))
                    .append(" family=").append(r.family()).append(" prefix=").append(r.prefixLen())
                    .append(" flags=").append(r.flags().stream().sorted().toList())
                    .append(" remove=").append(r.remove()).append(" at ").append(r.location()).append('\n');
        }
        c.interfaces().forEach(i -> b.append("interface ").append(i).append('\n'));
        b.append(c.tos()).append('\n').append(c.tinker()).append('\n').append(c.serving()).append('\n')
                .append(c.files()).append('\n').append(c.stats()).append('\n').append(c.auth()).append('\n')
                .append(c.nts()).append('\n').append(c.rtc()).append('\n').append("systemFlags=")
                .append(c.systemFlags()).append('\n').append("clockControl=").append(c.clockControl()).append('\n');
        if (c.metrics() != null) { // only when set: the cases without it stay as captured
            b.append("metrics ").append(c.metrics()).append('\n');
        }
        if (!c.broadcast().equals(Config.Broadcast.NONE)) {
            b.append(c.broadcast()).append('\n');
        }
        c.notices().forEach(n -> b.append("notice ").append(n).append('\n'));
        c.warnings().forEach(w -> b.append("warning ").append(w).append('\n'));
        return b.toString();
    }
}
