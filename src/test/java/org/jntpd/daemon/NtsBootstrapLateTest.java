package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.InetAddress;
import java.util.List;
import org.jntpd.auth.Aead;
import org.jntpd.clock.ReadOnlyClock;
import org.jntpd.config.Config;
import org.jntpd.nts.BootstrapTrust;
import org.jntpd.nts.ke.NtsKeClient;
import org.jntpd.sync.Source;
import org.jntpd.sync.SourceConfig;
import org.jntpd.sync.SyncConfig;
import org.jntpd.sync.SyncStatus;
import org.jntpd.sync.Synchroniser;
import org.junit.jupiter.api.Test;

/**
 * A key exchange begun with the certificates' dates unchecked (the clock in 1970) that ends after the bootstrap
 * stepped the clock is checked at the trusted time, even when the loop pass that takes it read its clock before the
 * step (seen under load: a valid certificate dropped as "not valid before" at 1970-01-02, one key exchange wasted).
 */
class NtsBootstrapLateTest {
    private static final long IN_1970_NS = 86_400_000_000_000L;
    private static final long NOW_NS = 1_796_630_400_000_000_000L; // 2026-12-07

    @Test
    void shouldCheckALateSessionAtTheTrustedTimeNotAtAStaleLoopReading() {
        Config.Nts nts = new Config.Nts(false, null, null, null, 4460, null, null, List.of(), false, null,
                Config.Nts.DEFAULT_ROTATE_S, Config.Nts.DEFAULT_REFRESH_S, null, 1, 2);
        NtsBootstrap boot = new NtsBootstrap(nts, 2, "the clock reads 1970", true);
        Synchroniser sync = new Synchroniser(new ReadOnlyClock(IN_1970_NS), SyncConfig.defaults());
        Source source = sync.addSource(new SourceConfig("ntp.example", 1, false, false));
        NtsClientAuth.Settings settings = new NtsClientAuth.Settings(null, "no TLS in this test",
                List.of(Aead.AES_SIV_CMAC_256), Long.MAX_VALUE / 2, 1000, null, boot);
        NtsClientAuth auth = new NtsClientAuth("ntp.example", "ntp.example", InetAddress.getLoopbackAddress(), 4460,
                settings, source, true, IN_1970_NS);

        boot.published(SyncStatus.SYNCHRONISED, NOW_NS); // the bootstrap's step is done: trusted from here
        long dayMs = 86_400_000L;
        List<BootstrapTrust.Window> valid = List.of(new BootstrapTrust.Window("CN=ntp.example",
                NOW_NS / 1_000_000 - dayMs, NOW_NS / 1_000_000 + 30 * dayMs));
        auth.install(new NtsKeClient.Result(Aead.AES_SIV_CMAC_256, new byte[32], new byte[32], List.of(new byte[100]),
                "ntp.example", 123, valid, false), null, IN_1970_NS);
        auth.acceptedUnchecked(valid, IN_1970_NS); // taken by a pass whose clock reading predates the step

        assertFalse(auth.unverified(), "checked at once");
        assertEquals(0, auth.certsDropped, "a certificate valid now is kept: " + auth.lastKeError);
        assertEquals(1, boot.reverified);

        NtsClientAuth expired = new NtsClientAuth("old.example", "old.example", InetAddress.getLoopbackAddress(), 4460,
                settings, sync.addSource(new SourceConfig("old.example", 2, false, false)), true, IN_1970_NS);
        List<BootstrapTrust.Window> past = List.of(new BootstrapTrust.Window("CN=old.example", 1_577_836_800_000L,
                1_580_515_200_000L));
        expired.acceptedUnchecked(past, IN_1970_NS);
        assertEquals(1, expired.certsDropped);
        assertEquals("certificate re-verification failed: the certificate CN=old.example expired at 2020-02-01T00:00:00Z",
                expired.lastKeError);
    }
}
