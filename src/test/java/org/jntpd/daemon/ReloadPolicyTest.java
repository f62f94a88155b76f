package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jntpd.config.Config;
import org.jntpd.config.ConfigException;
import org.jntpd.config.ConfigParser;
import org.junit.jupiter.api.Test;

/** Which differences a reload applies and which need a restart, over configurations parsed as the daemon parses them. */
class ReloadPolicyTest {
    private static final String BASE = """
            port 123
            bindaddress 127.0.0.1
            server 127.0.0.2 iburst
            pool pool.example.org
            restrict default kod limited
            restrict 192.0.2.0 mask 255.255.255.0 noquery
            logfile /var/log/jntpd.log
            """;

    private static Config parse(String text) throws ConfigException {
        return ConfigParser.parse("test.conf", text, null);
    }

    private static List<String> changes(String next) throws ConfigException {
        return ReloadPolicy.restartOnlyChanges(parse(BASE), parse(next));
    }

    @Test
    void shouldApplySourcesLogfileLeapfileAndStatisticsWithoutARestart() throws ConfigException {
        assertEquals(List.of(), changes(BASE.replace("server 127.0.0.2 iburst", "server 127.0.0.3 minpoll 4\npeer 127.0.0.9")
                + "leapfile /usr/share/zoneinfo/leap-seconds.list\nstatsdir /tmp/s\nstatistics loopstats peerstats\n"
                + "filegen peerstats type week\n").stream().toList());
        assertEquals(List.of(), changes(BASE.replace("logfile /var/log/jntpd.log", "logfile /tmp/other.log")));
    }

    @Test
    void shouldIgnoreWhereALineIsWritten() throws ConfigException {
        // Every line one further down: the restrict rules (with their byte[] addresses) and the rest are the same.
        assertEquals(List.of(), changes("# a comment first\n" + BASE));
    }

    @Test
    void shouldNameEachRestartOnlySettingThatDiffers() throws ConfigException {
        assertEquals(List.of("port"), changes(BASE.replace("port 123", "port 1123")));
        assertEquals(List.of("bindaddress"), changes(BASE.replace("127.0.0.1", "127.0.0.5")));
        assertEquals(List.of("restrict"), changes(BASE.replace("noquery", "nomodify")));
        assertEquals(List.of("tos", "driftfile"), changes(BASE + "tos minclock 1\ndriftfile /var/lib/jntpd/drift\n"));
        assertEquals(List.of("controlsocket", "metrics"), changes(BASE + "controlsocket /tmp/x.sock\nmetrics 9975\n"));
    }

    @Test
    void shouldCompareValuesNotObjects() {
        assertTrue(ReloadPolicy.same(new byte[] {1, 2}, new byte[] {1, 2}));
        assertFalse(ReloadPolicy.same(new byte[] {1, 2}, new byte[] {1, 3}));
        assertTrue(ReloadPolicy.same(List.of(1, 2), new java.util.ArrayList<>(List.of(1, 2))));
        assertFalse(ReloadPolicy.same(List.of(1, 2), List.of(2, 1)));
        assertTrue(ReloadPolicy.same(java.util.Set.of("a", "b"), new java.util.TreeSet<>(List.of("b", "a"))));
        assertTrue(ReloadPolicy.same(Double.NaN, Double.NaN));
    }
}
