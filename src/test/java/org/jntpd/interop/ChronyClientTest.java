package org.jntpd.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jntpd.testing.ChronyCommandDir;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * chronyd 4.3, the reference client, measures and selects the real daemon, in basic and in interleaved mode.
 * chronyd always runs with -x (never touches the clock) and, where setpriv exists, without CAP_SYS_TIME.
 */
class ChronyClientTest {
    private static final Pattern WRONG_BY = Pattern.compile("System clock wrong by (-?[0-9.]+) seconds");
    private static final double MAX_OFFSET_S = 0.001;
    private static final int STRATUM = 3;
    /** Exchanges to see in interleaved mode (chronyd polls every 0.25 s with maxpoll -2): about 5 s. */
    private static final int MIN_EXCHANGES = 20;

    private static Path chronyd;
    private static Path chronyc;

    @BeforeAll
    static void needsChrony() {
        chronyd = ExternalProgram.find("chronyd").orElse(null);
        chronyc = ExternalProgram.find("chronyc").orElse(null);
        assumeTrue(chronyd != null && chronyc != null, "chrony is not installed (chronyd, chronyc)");
    }

    @Test
    void shouldBeMeasuredByChronydWithAnOffsetUnderOneMillisecond() throws Exception {
        try (JntpdProcess jntpd = JntpdProcess.start("local stratum " + STRATUM)) {
            Path conf = jntpd.dir().resolve("chrony-q.conf");
            // Own pidfile and no command sockets, so a chronyd elsewhere on the machine is neither seen nor disturbed.
            Files.write(conf, List.of(
                    "server 127.0.0.1 port " + jntpd.port() + " iburst maxsamples 4",
                    "pidfile " + jntpd.dir().resolve("chrony-q.pid"),
                    "cmdport 0",
                    "bindcmdaddress /"));
            ExternalProgram.Result r = ExternalProgram.run(Duration.ofSeconds(40),
                    ExternalProgram.withoutSysTime(chronyd.toString(), "-Q", "-f", conf.toString()));
            assertEquals(0, r.exitCode(), () -> r + "\n--- jntpd\n" + jntpd.log());
            Matcher m = WRONG_BY.matcher(r.output());
            assertTrue(m.find(), () -> "chronyd -Q printed no offset:\n" + r.output());
            double offset = Double.parseDouble(m.group(1));
            assertTrue(Math.abs(offset) < MAX_OFFSET_S, "chronyd measured " + offset + " s");
        }
    }

    @Test
    void shouldBeSelectedByChronydInInterleavedMode() throws Exception {
        assumeTrue(ExternalProgram.isRoot(), "the private chronyc socket folder must be given to _chrony (needs root)");
        UserPrincipalLookupService users = Path.of("/").getFileSystem().getUserPrincipalLookupService();
        Path sockDir = Files.createTempDirectory("jntpd-chronyc");
        Process chrony = null;
        try (JntpdProcess jntpd = JntpdProcess.start("local stratum " + STRATUM)) {
            // chronyd refuses a command socket in a folder others can reach: owner _chrony, mode 0770.
            Files.setPosixFilePermissions(sockDir, PosixFilePermissions.fromString("rwxrwx---"));
            try {
                Files.setOwner(sockDir, users.lookupPrincipalByName("_chrony"));
                Files.getFileAttributeView(sockDir, java.nio.file.attribute.PosixFileAttributeView.class)
                        .setGroup(users.lookupPrincipalByGroupName("_chrony"));
            } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
                assumeTrue(false, "no _chrony user (the chrony package makes it)");
            }
            Path socket = sockDir.resolve("chronyd.sock");
            Path conf = jntpd.dir().resolve("chrony-x.conf");
            Files.write(conf, List.of(
                    "server 127.0.0.1 port " + jntpd.port() + " xleave minpoll -2 maxpoll -2",
                    "pidfile " + sockDir.resolve("chronyd.pid"),
                    "port 0",
                    "cmdport 0",
                    "bindcmdaddress " + socket));
            Path chronyLog = jntpd.dir().resolve("chronyd.log");
            List<String> command = ExternalProgram.withoutSysTime(chronyd.toString(), "-x", "-d", "-f",
                    conf.toString());
            chrony = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(chronyLog.toFile()).start();

            // Poll until chronyd has selected the source and runs interleaved (20 exchanges at 4 a second), bounded.
            String ntpdata = "";
            String sources = "";
            long deadlineNs = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() - deadlineNs < 0) {
                Thread.sleep(1_000);
                assertTrue(chrony.isAlive(), () -> "chronyd exited:\n" + TestFiles.readOrExplain(chronyLog));
                ntpdata = ChronyCommandDir.chronyc(socket, "ntpdata");
                sources = ChronyCommandDir.chronyc(socket, "-n", "sources");
                if (ntpdata.matches("(?s).*Interleaved\\s*: Yes.*") && selected(sources)
                        && count(ntpdata, "Total RX") >= MIN_EXCHANGES) {
                    break;
                }
            }
            String where = "\n--- ntpdata\n" + ntpdata + "\n--- sources\n" + sources + "\n--- chronyd\n"
                    + TestFiles.readOrExplain(chronyLog) + "\n--- jntpd\n" + jntpd.log();
            assertTrue(ntpdata.matches("(?s).*Remote port\\s*: " + jntpd.port() + "\\b.*"), where);
            assertTrue(ntpdata.matches("(?s).*Interleaved\\s*: Yes.*"), where);
            assertTrue(ntpdata.matches("(?s).*Mode\\s*: Server.*"), where);
            assertTrue(ntpdata.matches("(?s).*Stratum\\s*: " + STRATUM + "\\b.*"), where);
            assertTrue(ntpdata.matches("(?s).*Reference ID\\s*: 4C4F434C.*"), "refid LOCL" + where);
            assertTrue(ntpdata.matches("(?s).*Leap status\\s*: Normal.*"), where);
            assertTrue(selected(sources), "source selected ('*')" + where);
            long rx = count(ntpdata, "Total RX");
            assertTrue(rx >= MIN_EXCHANGES, where);
            // chronyd counts a reply good when it passes all its tests: a wrong interleaved origin fails them for every
            // interleaved reply (all but the first), while a stall of a busy machine fails the delay test of a few
            // (3 of 20 seen at a load of 15 on two cores): at least three in four must pass.
            assertTrue(4 * count(ntpdata, "Total good RX") >= 3 * rx,
                    "the interleaved replies passed chronyd's tests" + where);
            // The last sample: the true offset (0, same clock) lies within its offset +/- half its delay.
            assertTrue(Math.abs(seconds(ntpdata, "Offset")) <= seconds(ntpdata, "Peer delay") / 2 + MAX_OFFSET_S, where);
        } finally {
            if (chrony != null) {
                ExternalProgram.kill(chrony);
            }
            TestFiles.deleteTree(sockDir);
        }
    }

    /** The 127.0.0.1 line of {@code chronyc -n sources} marked '*' (selected) with our stratum. */
    private static boolean selected(String sources) {
        return sources.lines().anyMatch(l -> l.matches("\\^\\*\\s+127\\.0\\.0\\.1\\s+" + STRATUM + "\\s.*"));
    }

    /** A "Name : X seconds" value of chronyc ntpdata; NaN when absent. */
    private static double seconds(String ntpdata, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\s*: ([-+0-9.]+) seconds").matcher(ntpdata);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** A "Name : N" count of chronyc ntpdata; -1 when absent. */
    private static long count(String ntpdata, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\s*: (\\d+)$").matcher(ntpdata);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

}
