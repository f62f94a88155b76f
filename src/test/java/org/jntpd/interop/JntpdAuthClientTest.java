package org.jntpd.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.TamperingRelay;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real daemon (-x) as an authenticated client of chronyd 4.3 (-x, without CAP_SYS_TIME) on loopback: with each
 * kind of symmetric key (MD5, SHA1, AES128, SHA256) it selects chronyd, and a source whose key chronyd holds with
 * another secret is never reachable (chronyd does not answer it), and one whose replies a relay alters (the MAC's last
 * byte flipped) is never reachable either, its replies refused and counted in {@code jntpc authdata}.
 */
class JntpdAuthClientTest {
    private static Path chronyd;
    private Path dir;
    private Process chrony;

    @BeforeAll
    static void needsChrony() {
        chronyd = ExternalProgram.find("chronyd").orElse(null);
        assumeTrue(chronyd != null, "chronyd is not installed (package chrony)");
    }

    @BeforeEach
    void folder() throws IOException {
        dir = Files.createTempDirectory("jntpd-authclient");
        ChronyAuthClientTest.copyResource("/org/jntpd/auth/chrony.keys", dir.resolve("chrony.keys"));
    }

    @AfterEach
    void cleanUp() {
        if (chrony != null) {
            ExternalProgram.kill(chrony);
        }
        TestFiles.deleteTree(dir);
    }

    /** chronyd serving its clock at stratum 1 on every loopback address at a free port, plus {@code lines}. */
    private int startChronyd(List<String> lines) throws IOException {
        int port = JntpdProcess.freePort("127.0.0.1");
        List<String> all = new ArrayList<>(List.of("local stratum 1", "allow 127.0.0.0/8", "port " + port, "cmdport 0",
                "pidfile " + dir.resolve("chronyd.pid")));
        all.addAll(lines);
        if (lines.stream().noneMatch(l -> l.startsWith("bindcmdaddress "))) {
            all.add("bindcmdaddress /"); // no command socket
        }
        Path conf = dir.resolve("chronyd.conf");
        Files.write(conf, all);
        chrony = new ProcessBuilder(ExternalProgram.withoutSysTime(chronyd.toString(), "-x", "-d", "-f", conf.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("chronyd.log").toFile()).start();
        return port;
    }

    /**
     * chronyd as an NTS server with the test certificate (both files in {@link #dir}, which _chrony must read), plus
     * {@code lines}; returns its NTS-KE and NTP ports.
     */
    private int[] startNtsChronyd(List<String> lines) throws IOException {
        assumeTrue(ExternalProgram.isRoot(), "chronyd drops to _chrony and reads its certificate as such (needs root)");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        ChronyAuthClientTest.copyResource("/org/jntpd/nts/server.crt", dir.resolve("server.crt"));
        ChronyAuthClientTest.copyResource("/org/jntpd/nts/server.key", dir.resolve("server.key"));
        int kePort = JntpdProcess.freeTcpPort();
        List<String> all = new ArrayList<>(List.of("bindaddress 127.0.0.1", "ntsport " + kePort, "ntsserverkey "
                + dir.resolve("server.key"), "ntsservercert " + dir.resolve("server.crt"), "ntsprocesses 1"));
        all.addAll(lines);
        return new int[] {kePort, startChronyd(all)};
    }

    private String chronydLog() {
        return TestFiles.readOrExplain(dir.resolve("chronyd.log"));
    }

    /** The reach column of {@code name}'s line in jntpc sources, or -1. */
    static int reach(String sources, String name) {
        Matcher m = Pattern.compile("(?m)^\\S\\S (" + Pattern.quote(name) + ")\\s+\\d+\\s+-?\\d+\\s+(\\d+)\\s").matcher(sources);
        return m.find() ? Integer.parseInt(m.group(2), 8) : -1;
    }

    static boolean selected(String sources, String name) {
        return Pattern.compile("(?m)^\\^\\* " + Pattern.quote(name) + "\\s").matcher(sources).find();
    }

    @Test
    void shouldSelectChronydWithEveryKindOfKeyAndRefuseAWrongKey() throws Exception {
        // Key 5: one secret in chronyd's file, another in jntpd's: chronyd cannot verify our requests nor we its replies.
        List<String> keys = Files.readAllLines(dir.resolve("chrony.keys"));
        Path serverKeys = dir.resolve("server.keys");
        Path clientKeys = dir.resolve("client.keys");
        Files.write(serverKeys, append(keys, "5 MD5 HEX:00112233445566778899aabbccddeeff"));
        Files.write(clientKeys, append(keys, "5 MD5 HEX:ffeeddccbbaa99887766554433221100"));
        int port = startChronyd(List.of("keyfile " + serverKeys));
        List<String> config = new ArrayList<>(List.of("keyfile " + clientKeys, "controlsocket " + dir.resolve("control.sock")));
        for (int k = 1; k <= 5; k++) {
            config.add("server 127.0.0." + k + " port " + port + " key " + k + " iburst minpoll -2 maxpoll -2");
        }
        // chronyd does not answer a MAC it cannot verify; the relay shows what happens to a reply whose MAC is wrong.
        try (TamperingRelay relay = new TamperingRelay("127.0.0.6", new InetSocketAddress("127.0.0.1", port), length -> length - 1);
                JntpdProcess jntpd = JntpdProcess.builder().dir(dir).config(append(config,
                        "server 127.0.0.6 port " + relay.port() + " key 1 iburst minpoll -2 maxpoll -2").toArray(String[]::new))
                        .start()) {
            String[] seen = await(jntpd, 40, (src, auth) -> src.contains("^*") && allReached(src, 4)
                    && refused(auth, "127.0.0.6") > 0);
            String sources = seen[0];
            String authdata = seen[1];
            String where = where(seen, jntpd);
            assertTrue(allReached(sources, 4), "keys 1-4 (MD5, SHA1, AES128, SHA256) reach chronyd" + where);
            assertTrue(sources.contains("^*"), "one of them selected" + where);
            for (int k = 1; k <= 4; k++) {
                assertTrue(authenticated("127.0.0." + k, authdata) > 0, "key " + k + " authenticated" + where);
                assertEquals(0, refused(authdata, "127.0.0." + k), "nothing of key " + k + " refused" + where);
            }
            assertEquals(0, reach(sources, "127.0.0.5"), "the wrong key's source never reached" + where);
            assertEquals(0, authenticated("127.0.0.5", authdata), where);
            assertEquals(0, refused(authdata, "127.0.0.5"), "chronyd does not answer what it cannot verify" + where);
            assertTrue(relay.tampered() > 0, where);
            assertEquals(0, reach(sources, "127.0.0.6"), "the source whose replies are altered never reached" + where);
            assertEquals(0, authenticated("127.0.0.6", authdata), where);
            assertTrue(refused(authdata, "127.0.0.6") > 0, "the altered replies refused and counted" + where);
            assertTrue(authdata.contains("(last: bad MAC)"), where);
            // authdata -j: chronyc's columns, one field each (KeyID, Type as chronyc numbers it, KLen of the secret)
            Map<String, Map<String, Object>> rows = authRows(jntpd);
            long[][] expected = {{1, 1, 160}, {2, 2, 160}, {3, 13, 128}, {4, 3, 256}}; // MD5, SHA1, AES128, SHA256
            for (long[] e : expected) {
                Map<String, Object> row = rows.get("127.0.0." + e[0]);
                assertEquals("symmetric key", row.get("authentication"), row + where);
                assertEquals(e[0], row.get("key_id"), row.toString());
                assertEquals(e[1], row.get("type_id"), row.toString());
                assertEquals(e[2], row.get("key_length_bits"), row.toString());
                assertTrue((Long) row.get("authenticated") > 0 && (Long) row.get("refused") == 0, row.toString());
                assertEquals(null, row.get("cookies"), "no NTS field for a key: " + row);
            }
            assertEquals("AES128", rows.get("127.0.0.3").get("type"));
            assertEquals("bad MAC", rows.get("127.0.0.6").get("last_refusal"), rows.get("127.0.0.6").toString());
            assertTrue(authdata.matches("(?s).*\\n127\\.0\\.0\\.3 +SK +3 +13 +128 +- +0 +0 +0 +0\\n.*"),
                    "the chronyc-style row" + where);
        }
    }

    /** jntpc authdata -j's sources by name. */
    @SuppressWarnings("unchecked")
    private Map<String, Map<String, Object>> authRows(JntpdProcess jntpd) throws IOException {
        Map<String, Map<String, Object>> rows = new java.util.LinkedHashMap<>();
        for (Object o : (List<Object>) org.jntpd.cli.Jntpc.requestJson(dir.resolve("control.sock").toString(),
                "authdata").get("sources")) {
            Map<String, Object> row = (Map<String, Object>) o;
            rows.put((String) row.get("name"), row);
        }
        return rows;
    }

    /**
     * NTS with chronyd: its NTS-KE names 127.0.0.6 as the NTP server (ntsntpserver), where a relay passes its replies
     * on to us, first as they are, then twice each (replays), then with the last byte of the encrypted field flipped;
     * then the relay spoils our requests' cookies, so chronyd answers NTS NAKs and a new key exchange follows.
     */
    @Test
    void shouldSelectChronydOverNtsAndRefuseReplayedAndAlteredReplies() throws Exception {
        int[] ports = startNtsChronyd(List.of("ntsntpserver 127.0.0.6"));
        int kePort = ports[0];
        int port = ports[1];
        try (TamperingRelay relay = new TamperingRelay(new InetSocketAddress("127.0.0.6", port),
                new InetSocketAddress("127.0.0.1", port), length -> length - 1);
                JntpdProcess jntpd = JntpdProcess.builder().dir(dir).config(
                        "server 127.0.0.1 nts ntsport " + kePort + " iburst minpoll -2 maxpoll -2",
                        "ntstrustedcerts " + dir.resolve("server.crt"), "controlsocket " + dir.resolve("control.sock")).start()) {
            relay.mode(TamperingRelay.Mode.PASS);
            String[] seen = await(jntpd, 30, (src, auth) -> selected(src, "127.0.0.1") && authenticated("127.0.0.1", auth) >= 4);
            String where = where(seen, jntpd);
            assertTrue(selected(seen[0], "127.0.0.1"), "chronyd selected over NTS" + where);
            assertTrue(seen[1].matches("(?s).*client 127\\.0\\.0\\.1: nts 127\\.0\\.0\\.1 port " + kePort
                    + ", AES-SIV-CMAC-256, cookies [1-8], ke 1, ke failed \\d+, naks 0,.*"), where);
            assertEquals(0, refused(seen[1], "127.0.0.1"), where);
            // authdata -j as chronyc's columns: the first NTS-KE, AEAD 15 with a 256-bit key, chronyd's cookies
            Map<String, Object> nts = authRows(jntpd).get("127.0.0.1");
            assertEquals("nts", nts.get("authentication"), nts + where);
            assertEquals(1L, nts.get("key_id"), nts.toString());
            assertEquals("AES-SIV-CMAC-256", nts.get("type"), nts.toString());
            assertEquals(15L, nts.get("type_id"), nts.toString());
            assertEquals(256L, nts.get("key_length_bits"), nts.toString());
            assertEquals(0L, nts.get("ke_attempts"), nts.toString());
            assertEquals(false, nts.get("nak"), nts.toString());
            long cookies = (Long) nts.get("cookies");
            long cookieLength = (Long) nts.get("cookie_length_bytes");
            assertTrue(cookies >= 1 && cookies <= 8 && cookieLength > 0, nts.toString());
            double lastKeS = ((Number) nts.get("last_ke_ago_s")).doubleValue();
            assertTrue(lastKeS >= 0 && lastKeS < 30, nts.toString());

            relay.mode(TamperingRelay.Mode.REPLAY);
            long authenticatedBefore = authenticated("127.0.0.1", seen[1]);
            seen = await(jntpd, 20, (src, auth) -> refused(auth, "127.0.0.1") >= 4
                    && authenticated("127.0.0.1", auth) >= authenticatedBefore + 4);
            where = where(seen, jntpd);
            assertTrue(refused(seen[1], "127.0.0.1") >= 4, "replayed replies refused" + where);
            assertTrue(authenticated("127.0.0.1", seen[1]) >= authenticatedBefore + 4, "the first copies still count" + where);
            assertTrue(seen[1].contains("(last: no request outstanding (a replay?))"), where);

            relay.mode(TamperingRelay.Mode.FLIP);
            long refusedBefore = refused(seen[1], "127.0.0.1");
            long authenticatedAtFlip = authenticated("127.0.0.1", seen[1]);
            seen = await(jntpd, 20, (src, auth) -> refused(auth, "127.0.0.1") >= refusedBefore + 8);
            where = where(seen, jntpd);
            assertTrue(seen[1].contains("(last: not authentic)"), "altered replies refused" + where);
            assertTrue(refused(seen[1], "127.0.0.1") >= refusedBefore + 8, where);
            // (jntpc sources is published with each sample and the synchroniser's timer: its reach column lags here)
            assertTrue(authenticated("127.0.0.1", seen[1]) <= authenticatedAtFlip + 1,
                    "no altered reply authenticated (one in flight at the switch may be): " + authenticatedAtFlip + where);

            relay.mode(TamperingRelay.Mode.PASS); // the empty jar is refilled by a new key exchange
            long authenticatedAfterFlip = authenticated("127.0.0.1", seen[1]);
            seen = await(jntpd, 30, (src, auth) -> authenticated("127.0.0.1", auth) >= authenticatedAfterFlip + 4
                    && counter(auth, "127.0.0.1", "cookies") == 8);
            long exchanges = counter(seen[1], "127.0.0.1", "ke");
            where = where(seen, jntpd);
            assertTrue(authenticated("127.0.0.1", seen[1]) >= authenticatedAfterFlip + 4, "authenticated again" + where);

            relay.mode(TamperingRelay.Mode.SPOIL_COOKIE); // chronyd cannot open our cookies: NTS NAK
            seen = await(jntpd, 20, (src, auth) -> counter(auth, "127.0.0.1", "naks") > 0);
            relay.mode(TamperingRelay.Mode.PASS);
            long authenticatedAtNak = authenticated("127.0.0.1", seen[1]);
            seen = await(jntpd, 30, (src, auth) -> counter(auth, "127.0.0.1", "ke") > exchanges
                    && authenticated("127.0.0.1", auth) >= authenticatedAtNak + 4);
            where = where(seen, jntpd);
            assertTrue(counter(seen[1], "127.0.0.1", "naks") > 0, "chronyd's NTS NAK seen" + where);
            assertEquals(exchanges + 1, counter(seen[1], "127.0.0.1", "ke"), "one new NTS-KE" + where);
            assertEquals(exchanges + 1, authRows(jntpd).get("127.0.0.1").get("key_id"), "chronyc's KeyID counts it"
                    + where);
            assertTrue(authenticated("127.0.0.1", seen[1]) >= authenticatedAtNak + 4, "authenticated with new cookies" + where);
        }
    }

    /**
     * A certificate the client does not trust: NTS-KE fails with the TLS reason, counted and retried with back-off, and
     * no request is ever sent unauthenticated (the source stays unreachable).
     */
    @Test
    void shouldRefuseAnUntrustedNtsServer() throws Exception {
        int kePort = startNtsChronyd(List.of())[0];
        org.jntpd.testing.TestCertificates.create(dir, "other", null, 30); // a CA of the same names, another key
        try (JntpdProcess jntpd = JntpdProcess.builder().dir(dir).config(
                "server 127.0.0.1 nts ntsport " + kePort + " iburst minpoll -2 maxpoll -2",
                "ntstrustedcerts " + dir.resolve("other.crt"), "nosystemcert",
                "controlsocket " + dir.resolve("control.sock")).start()) {
            String[] seen = await(jntpd, 30, (src, auth) -> counter(auth, "127.0.0.1", "ke failed") >= 2
                    && auth.contains("last ke error: TLS"));
            String where = where(seen, jntpd);
            assertTrue(counter(seen[1], "127.0.0.1", "ke failed") >= 2, "retried after a failure" + where);
            assertEquals(0, counter(seen[1], "127.0.0.1", "ke"), where);
            assertTrue(seen[1].contains("last ke error: TLS with 127.0.0.1:" + kePort), "the reason shown" + where);
            assertEquals(0, authenticated("127.0.0.1", seen[1]), where);
            assertEquals(0, reach(seen[0], "127.0.0.1"), "never reached" + where);
            assertTrue(jntpd.log().contains("NTS-KE with 127.0.0.1 port " + kePort + " failed: TLS"), where);
        }
    }

    /**
     * ntsdumpdir: the keys and cookies are saved when the daemon stops and taken back when it starts, so the second
     * run authenticates chronyd without a key exchange: chronyd's "NTS-KE connections accepted" does not grow.
     */
    @Test
    void shouldKeepItsNtsCookiesAcrossARestart() throws Exception {
        Path chronyc = ExternalProgram.find("chronyc").orElse(null);
        assumeTrue(chronyc != null, "chronyc is not installed");
        Path socket = org.jntpd.testing.ChronyCommandDir.create(dir, "run").resolve("chronyd.sock");
        int kePort = startNtsChronyd(List.of("bindcmdaddress " + socket))[0];
        Path dump = dir.resolve("nts-dump");
        String[] config = {"server 127.0.0.1 nts ntsport " + kePort + " iburst minpoll -2 maxpoll -2",
                "ntstrustedcerts " + dir.resolve("server.crt"), "ntsdumpdir " + dump,
                "controlsocket " + dir.resolve("control.sock")};
        String firstLog;
        try (JntpdProcess jntpd = JntpdProcess.builder().dir(dir).config(config).start()) {
            String[] seen = await(jntpd, 30, (src, auth) -> authenticated("127.0.0.1", auth) >= 4);
            firstLog = jntpd.log();
            assertEquals(1, counter(seen[1], "127.0.0.1", "ke"), where(seen, jntpd));
        }
        long keAccepted = keAccepted(chronyc, socket);
        assertTrue(keAccepted >= 1, "chronyd counted our NTS-KE" + firstLog);
        List<Path> files;
        try (var s = Files.list(dump)) {
            files = s.toList();
        }
        assertEquals(1, files.size(), "one file for the one source: " + files + firstLog);
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(files.getFirst())), "the keys readable by the daemon's user only");
        assertTrue(Files.readString(files.getFirst()).matches("(?s)jntpd-nts-client 1\n.*aead 15\n.*cookie [0-9a-f]{200}\n.*"),
                Files.readString(files.getFirst()));

        try (JntpdProcess jntpd = JntpdProcess.builder().dir(dir).config(config).start()) {
            String[] seen = await(jntpd, 30, (src, auth) -> authenticated("127.0.0.1", auth) >= 4);
            String where = where(seen, jntpd) + "\n--- first run\n" + firstLog;
            assertTrue(authenticated("127.0.0.1", seen[1]) >= 4, "authenticated with the saved cookies" + where);
            assertEquals(0, counter(seen[1], "127.0.0.1", "ke"), "no NTS-KE after the restart" + where);
            assertTrue(jntpd.log().contains("no NTS-KE needed"), where);
            assertTrue(Files.notExists(files.getFirst()), "the file is gone once read: no cookie is used twice" + where);
        }
        assertEquals(keAccepted, keAccepted(chronyc, socket), "chronyd saw no NTS-KE after the restart");
    }

    /** chronyc serverstats' "NTS-KE connections accepted". */
    private static long keAccepted(Path chronyc, Path socket) {
        String out = ExternalProgram.run(java.time.Duration.ofSeconds(10), chronyc.toString(), "-h", socket.toString(),
                "serverstats").output();
        Matcher m = Pattern.compile("NTS-KE connections accepted\\s*: (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    private static boolean allReached(String sources, int n) {
        for (int k = 1; k <= n; k++) {
            if (reach(sources, "127.0.0." + k) <= 0) {
                return false;
            }
        }
        return true;
    }

    static long authenticated(String name, String authdata) {
        return counter(authdata, name, "authenticated");
    }

    static long refused(String authdata, String name) {
        return counter(authdata, name, "refused");
    }

    static long counter(String authdata, String name, String counter) {
        Matcher m = Pattern.compile("(?m)^client " + Pattern.quote(name) + ":.*?, " + counter + " (\\d+)").matcher(authdata);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private String where(String[] seen, JntpdProcess jntpd) {
        return "\n--- sources\n" + seen[0] + "\n--- authdata\n" + seen[1] + "\n--- chronyd\n" + chronydLog()
                + "\n--- jntpd\n" + jntpd.log();
    }

    /** Polls jntpc sources and authdata until {@code done} says so or {@code seconds} pass; returns the last of both. */
    private String[] await(JntpdProcess jntpd, int seconds, java.util.function.BiPredicate<String, String> done)
            throws InterruptedException {
        String[] seen = {"", ""};
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() - deadline < 0) {
            Thread.sleep(250);
            assertTrue(chrony.isAlive(), () -> "chronyd exited:\n" + chronydLog());
            seen[0] = jntpd.jntpc("sources");
            seen[1] = jntpd.jntpc("authdata");
            if (done.test(seen[0], seen[1])) {
                break;
            }
        }
        return seen;
    }

    private static List<String> append(List<String> lines, String line) {
        List<String> all = new ArrayList<>(lines);
        all.add(line);
        return all;
    }
}
