package org.jntpd.nts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.jntpd.nts.BootstrapTrust.Estimate;
import org.jntpd.nts.BootstrapTrust.Verdict;
import org.jntpd.nts.BootstrapTrust.Window;
import org.junit.jupiter.api.Test;

/**
 * The pure decisions of an NTS bootstrap, with the local clock at 1970-01-02 (a board without an RTC after boot) and
 * the servers' true time 2026-12-07: which clocks may judge certificates, which times fall inside a chain's validity,
 * and when the first time of several NTS servers is believed.
 */
class BootstrapTrustTest {
    private static final long LOCAL_1970_NS = 86_400L * 1_000_000_000L;
    private static final long TRUE_NS = Instant.parse("2026-12-07T04:00:00Z").toEpochMilli() * 1_000_000L;
    /** What a server whose clock is right measures: source minus local clock. */
    private static final double OFFSET_NS = TRUE_NS - LOCAL_1970_NS;
    private static final Window CURRENT = window("CN=current", "2026-12-01T00:00:00Z", "2027-03-01T00:00:00Z");
    private static final Window EXPIRED = window("CN=expired", "2020-01-01T00:00:00Z", "2020-01-31T00:00:00Z");
    private static final Window INTERMEDIATE = window("CN=intermediate", "2025-01-01T00:00:00Z", "2030-01-01T00:00:00Z");

    private static Window window(String subject, String from, String to) {
        return new Window(subject, Instant.parse(from).toEpochMilli(), Instant.parse(to).toEpochMilli());
    }

    /** The verdict on these servers' estimates with the local clock in 1970, {@code minAgree} of them required. */
    private static Verdict judge(int minAgree, Estimate... servers) {
        return BootstrapTrust.judge(List.of(servers), minAgree, LOCAL_1970_NS);
    }

    private static Estimate server(String name, double offsetErrorS, double boundS, Window... windows) {
        return new Estimate(name, OFFSET_NS + offsetErrorS * 1e9, boundS * 1e9, List.of(windows));
    }

    @Test
    void shouldNotTrustAClockBeforeTheReleaseOrUnsynchronisedWithoutAnRtc() {
        long may2027Ms = Instant.parse("2027-05-01T00:00:00Z").toEpochMilli();
        String why = BootstrapTrust.untrustedBecause(LOCAL_1970_NS / 1_000_000, BootstrapTrust.RELEASE_NOT_BEFORE_UNIX_MS,
                false, true);
        assertNotNull(why);
        assertTrue(why.contains("1970-01-02T00:00:00Z, earlier than 2026-12-01T00:00:00Z"), why);
        assertNull(BootstrapTrust.untrustedBecause(may2027Ms, BootstrapTrust.RELEASE_NOT_BEFORE_UNIX_MS, false, false));
        assertNull(BootstrapTrust.untrustedBecause(may2027Ms, BootstrapTrust.RELEASE_NOT_BEFORE_UNIX_MS, true, true),
                "an RTC set the clock at boot");
        assertTrue(BootstrapTrust.untrustedBecause(may2027Ms, BootstrapTrust.RELEASE_NOT_BEFORE_UNIX_MS, true, false)
                .contains("STA_UNSYNC"));
        assertNotNull(BootstrapTrust.untrustedBecause(may2027Ms, may2027Ms + 1, false, true), "before the drift file's write");
    }

    @Test
    void shouldSayWhichCertificateATimeFallsOutsideOf() {
        List<Window> chain = List.of(CURRENT, INTERMEDIATE);
        assertNull(BootstrapTrust.outside(chain, TRUE_NS / 1_000_000));
        assertEquals("the certificate CN=current is not valid before 2026-12-01T00:00:00Z",
                BootstrapTrust.outside(chain, LOCAL_1970_NS / 1_000_000));
        assertEquals("the certificate CN=expired expired at 2020-01-31T00:00:00Z",
                BootstrapTrust.outside(List.of(EXPIRED), TRUE_NS / 1_000_000));
        long common = BootstrapTrust.commonInstantMs(chain);
        assertTrue(CURRENT.contains(common) && INTERMEDIATE.contains(common), Instant.ofEpochMilli(common).toString());
        assertEquals(Long.MIN_VALUE, BootstrapTrust.commonInstantMs(List.of(CURRENT, EXPIRED)), "no instant in common");
    }

    @Test
    void shouldAcceptTheTimeOfTwoAgreeingServersInsideTheirCertificates() {
        Verdict v = judge(2, server("a", 0.010, 0.05, CURRENT, INTERMEDIATE), server("b", -0.020, 0.05, CURRENT));
        assertTrue(v.accepted(), v.reason());
        assertEquals(List.of("a", "b"), v.agreed());
        assertTrue(Math.abs(v.timeUnixNs() - TRUE_NS) < 50_000_000L,
                () -> Instant.ofEpochMilli(v.timeUnixNs() / 1_000_000).toString());
        assertTrue(v.uncertaintyNs() <= 0.05e9 && v.uncertaintyNs() > 0, "the intersection's half-width " + v.uncertaintyNs());
    }

    @Test
    void shouldRefuseATimeOutsideACertificatesValidity() {
        // Both servers agree on 2026, but their certificates were valid in January 2020 only: a key that may have been
        // exposed since (an expired certificate's key is no longer guarded) must not set the clock.
        Verdict v = judge(2, server("a", 0, 0.05, EXPIRED), server("b", 0, 0.05, EXPIRED));
        assertFalse(v.accepted());
        assertTrue(v.reason().contains("outside a certificate's validity"), v.reason());
        assertTrue(v.reason().contains("a: the certificate CN=expired expired at 2020-01-31T00:00:00Z"), v.reason());
        // One valid and one expired certificate: one server is not enough when two must agree.
        Verdict one = judge(2, server("a", 0, 0.05, CURRENT), server("b", 0, 0.05, EXPIRED));
        assertFalse(one.accepted(), one.reason());
        assertEquals(List.of("a"), one.agreed());
    }

    @Test
    void shouldRefuseServersThatDoNotAgreeWithinTheirErrorBounds() {
        Verdict v = judge(2, server("a", 0, 0.05, CURRENT), server("b", 3600, 0.05, CURRENT));
        assertFalse(v.accepted());
        assertTrue(v.reason().startsWith("only 1 of 2 NTS servers agree"), v.reason());
        Verdict waiting = judge(2, server("a", 0, 0.05, CURRENT));
        assertFalse(waiting.accepted());
        assertTrue(waiting.reason().contains("only 1 NTS server with a sample yet, 2 must agree"), waiting.reason());
    }

    @Test
    void shouldOutvoteAFalsetickerAndNotCountAnExpiredCertificate() {
        Verdict v = judge(2, server("a", 0.001, 0.02, CURRENT), server("liar", -86_400, 0.02, CURRENT),
                server("b", -0.001, 0.02, CURRENT));
        assertTrue(v.accepted(), v.reason());
        assertEquals(List.of("a", "b"), v.agreed());
        Verdict w = judge(2, server("a", 0, 0.05, CURRENT), server("old", 0, 0.05, EXPIRED), server("b", 0, 0.05, CURRENT));
        assertTrue(w.accepted(), w.reason());
        assertEquals(List.of("a", "b"), w.agreed());
        assertTrue(w.reason().startsWith("not counted: old: the certificate CN=expired expired"), w.reason());
        // Two of four is no majority, however good their certificates.
        Verdict x = judge(2, server("a", 0, 0.05, CURRENT), server("b", 0, 0.05, CURRENT), server("c", 100, 0.05, CURRENT),
                server("d", 200, 0.05, CURRENT));
        assertFalse(x.accepted(), x.reason());
    }

    @Test
    void shouldAcceptASingleServerOnlyWhenOneIsAllThatIsRequired() {
        Verdict v = judge(1, server("only", 0, 0.05, CURRENT));
        assertTrue(v.accepted(), v.reason());
        assertFalse(judge(1, server("only", 0, 0.05, EXPIRED)).accepted());
    }
}
