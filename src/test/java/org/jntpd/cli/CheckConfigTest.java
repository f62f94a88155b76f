package org.jntpd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** `jntpd --check-config` on every configuration the project ships, the built-in one, and broken ones. */
class CheckConfigTest {
    private static final Path PROJECT = Path.of(System.getProperty("jntpd.projectDir", "."));

    record Run(int exit, String out, String err) {}

    private static synchronized Run check(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = Jntpd.run(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    static Stream<Path> shippedConfigs() throws IOException {
        try (Stream<Path> s = Files.list(PROJECT.resolve("docs/examples"))) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
            assertTrue(files.size() >= 4, "client, server, stratum-1 and LAN peer examples: " + files);
            return files.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("shippedConfigs")
    void shouldValidateEveryShippedExample(Path file) {
        Run r = check("--check-config", "-c", file.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains(file + " is valid"), r.out());
    }

    @Test
    void shouldValidateTheBuiltInConfigurationAndDebiansNtpsecFile() throws Exception {
        Path builtIn = Files.createTempFile("jntpd-builtin", ".conf");
        try {
            Files.writeString(builtIn, Jntpd.builtIn());
            assertEquals(0, check("--check-config", "-c", builtIn.toString()).exit());
        } finally {
            Files.delete(builtIn);
        }
        Path ntpsec = PROJECT.resolve("src/test/resources/config/ntpsec-debian12-ntp.conf");
        Run r = check("--check-config", "-c", ntpsec.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("4 server/pool/peer, 0 refclock, 0 not honoured"), r.out());
    }

    @Test
    void shouldFailNamingFileAndLine(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "server 192.0.2.1 iburst\nserver 192.0.2.2 minpoll x\nfrobnicate\nclientloglimit 1000\n");
        Run r = check("--check-config", "-c", bad.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains(bad + ":2: minpoll: expected log2 seconds"), r.err());
        assertTrue(r.err().contains(bad + ":3: unknown directive 'frobnicate'"), r.err());
        assertTrue(r.err().contains(bad + ":4: clientloglimit: expected bytes from 1408 to 33554432, got '1000'"),
                r.err());
    }

    @Test
    void shouldNameWhatIsNotHonoured(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("legacy.conf");
        Files.writeString(f, "server 192.0.2.1\nlogconfig =syncall\nmru maxdepth 100 maxage 3600\nclientloglimit 1048576\n");
        Run r = check("--check-config", "-c", f.toString());
        assertEquals(0, r.exit());
        assertTrue(r.out().contains(f + ":2: 'logconfig' is accepted but not honoured"), r.out());
        // mru's size is honoured (the client table), how ntpd's list ages is not; clientloglimit is honoured.
        assertTrue(r.out().contains(f + ":3: 'mru maxage' is accepted but not honoured"), r.out());
        assertFalse(r.out().contains(f + ":4:"), r.out());
        assertTrue(r.out().contains("2 not honoured"), r.out());
    }

    @Test
    void shouldAnswerHelpVersionAndBadOptions() {
        assertTrue(check("--help").out().contains("--check-config"));
        assertEquals("jntpd " + Jntpd.VERSION + "\n", check("--version").out());
        Run r = check("--frob");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("unknown option '--frob'"), r.err());
    }

    @Test
    void shouldWarnOfACpuThisProcessCannotUse(@TempDir Path dir) throws IOException {
        // Before: accepted silently, and at the start that worker died with a stack trace, its socket still bound.
        Path f = dir.resolve("cpu.conf");
        Files.writeString(f, "server 192.0.2.1\ncpu 1023\n");
        Run r = check("--check-config", "-c", f.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("jntpd: warning: " + f + ":2: cpu 1023 is not one this process may run on (it may use "),
                r.out());
        assertTrue(r.out().contains("0 not honoured, 1 warning)"), r.out());
    }
}
