package org.jntpd.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.NetNamespace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * NTPsec's ntpdig (the SNTP client of ntpsec-ntpdig) queries the real daemon. ntpdig only speaks to port 123, so the
 * daemon runs on 127.0.0.1:123 inside a network namespace made for the test.
 */
class NtpdigClientTest {
    private static final int STRATUM = 3;
    private static final int RUNS = 3;
    private static final double MAX_OFFSET_S = 0.001;

    @BeforeAll
    static void needsNtpdigAndNamespaces() {
        assumeTrue(ExternalProgram.find("ntpdig").isPresent(), "ntpdig is not installed (package ntpsec-ntpdig)");
        assumeTrue(NetNamespace.available(), "a network namespace (for port 123) needs root and iproute2");
    }

    @Test
    void shouldBeAcceptedByNtpdigWithTheConfiguredStratumAndAnOffsetUnderOneMillisecond() throws Exception {
        try (NetNamespace ns = NetNamespace.create();
                JntpdProcess jntpd = JntpdProcess.builder().port(123).bindAddress("127.0.0.1")
                        .commandPrefix(ns.exec().toArray(String[]::new)).config("local stratum " + STRATUM).start()) {
            assertTrue(jntpd.log().contains("127.0.0.1:123"), jntpd::log);
            List<Double> offsets = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                ExternalProgram.Result r = ExternalProgram.run(Duration.ofSeconds(20),
                        ns.exec(ExternalProgram.withoutSysTime("ntpdig", "-j", "-p", "4", "-t", "2", "127.0.0.1")
                                .toArray(String[]::new)));
                String where = r + "\n--- jntpd\n" + jntpd.log();
                assertEquals(0, r.exitCode(), where);
                String json = r.output().lines().filter(l -> l.startsWith("{")).findFirst().orElse("");
                assertEquals(Integer.toString(STRATUM), field(json, "stratum"), where);
                assertEquals("\"no-leap\"", field(json, "leap"), where);
                assertEquals("false", field(json, "adjusted"), "ntpdig must not have set the clock: " + where);
                assertEquals("\"127.0.0.1\"", field(json, "ip"), where);
                offsets.add(Double.parseDouble(field(json, "offset")));
            }
            double median = offsets.stream().sorted().toList().get(RUNS / 2);
            assertTrue(Math.abs(median) < MAX_OFFSET_S, "median offset " + median + " s of " + offsets);
        }
    }

    /**
     * An unsynchronised daemon (its only server is a port where nothing listens) answers LI 3 and stratum 0, the
     * RFC 5905 "unspecified" that ntpd and chronyd send, not the internal 16: ntpdig names it ("stratum 0, probable
     * KOD packet"; for 16 it said "stratum too high") and drops the reply, as it does for an unsynchronised ntpd.
     */
    @Test
    void shouldSeeAnUnsynchronisedDaemonAsStratum0() throws Exception {
        try (NetNamespace ns = NetNamespace.create();
                JntpdProcess jntpd = JntpdProcess.builder().port(123).bindAddress("127.0.0.1")
                        .commandPrefix(ns.exec().toArray(String[]::new)).config("server 127.0.0.1 port 9").start()) {
            ExternalProgram.Result r = ExternalProgram.run(Duration.ofSeconds(20),
                    ns.exec(ExternalProgram.withoutSysTime("ntpdig", "-p", "1", "-t", "2", "127.0.0.1")
                            .toArray(String[]::new)));
            String where = r + "\n--- jntpd\n" + jntpd.log();
            assertTrue(r.exitCode() != 0, where);
            assertTrue(r.output().contains("Response dropped: stratum 0"), where);
        }
    }

    /** The raw value of a top-level field of ntpdig's one-line JSON (strings keep their quotes). */
    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(\"[^\"]*\"|[^,}]+)").matcher(json);
        return m.find() ? m.group(1) : "(no " + name + " in '" + json + "')";
    }
}
