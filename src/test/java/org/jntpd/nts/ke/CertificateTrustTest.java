package org.jntpd.nts.ke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.TrustAnchor;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.jntpd.nts.KeException;
import org.jntpd.nts.ServerKeySet;
import org.jntpd.testing.TestCertificates;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Our NTS-KE client's certificate check against our NTS-KE server on loopback, at an injected time rather than the
 * JVM's clock: the server's certificate (keytool, valid for January 2020 only) is refused at 1970 and at the real time,
 * taken at a time inside its validity, and taken with its dates unchecked (a bootstrap) while its name and its
 * authority are still checked; the windows come back with the keys.
 */
class CertificateTrustTest {
    private static final long JAN_2020_MS = Instant.parse("2020-01-15T00:00:00Z").toEpochMilli();
    private static final long DAY_1970_MS = 86_400_000L;

    private Path dir;
    private NtsKeServer server;
    private int port;
    private Set<TrustAnchor> anchors;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("jntpd-certtrust");
        TestCertificates.create(dir, "jan2020", "2020/01/01 00:00:00", 31);
        SSLContext tls = Tls.serverContext(dir.resolve("jan2020.crt"), dir.resolve("jan2020.key"));
        long nowNs = JAN_2020_MS * 1_000_000L;
        AtomicReference<ServerKeySet> keys = new AtomicReference<>(ServerKeySet.empty()
                .rotate(nowNs / 1_000_000_000L, ServerKeySet.Rotation.DEFAULT, new Random(5)::nextBytes));
        server = new NtsKeServer(new NtsKeServer.Settings(new InetSocketAddress("127.0.0.1", 0), 8, 8, 5000, 1024, null,
                123, 8), () -> tls, keys::get, () -> nowNs, line -> { });
        port = server.localAddress().getPort();
        anchors = Tls.trustAnchors(List.of(dir.resolve("jan2020.crt")), false);
    }

    @AfterEach
    void stop() {
        server.close();
        TestFiles.deleteTree(dir);
    }

    private NtsKeClient.Result exchange(String name, Set<TrustAnchor> trusted, long atUnixMs) throws KeException {
        return NtsKeClient.exchange(name, InetAddress.getLoopbackAddress(), port, new CertificateTrust(trusted, atUnixMs),
                List.of(15), 10_000, null);
    }

    @Test
    void shouldJudgeTheDatesAtTheDaemonsTimeNotTheJvms() throws Exception {
        KeException in1970 = assertThrows(KeException.class, () -> exchange("127.0.0.1", anchors, DAY_1970_MS));
        assertTrue(in1970.getMessage().contains("is not valid before 2020-01-01T00:00:00Z"), in1970.getMessage());
        KeException now = assertThrows(KeException.class, () -> exchange("127.0.0.1", anchors, System.currentTimeMillis()));
        assertTrue(now.getMessage().contains("expired at 2020-02-01T00:00:00Z"), now.getMessage());
        NtsKeClient.Result r = exchange("127.0.0.1", anchors, JAN_2020_MS);
        assertEquals(8, r.cookies().size());
        assertTrue(r.datesChecked());
        assertEquals(1, r.windows().size());
        assertEquals(Instant.parse("2020-01-01T00:00:00Z").toEpochMilli(), r.windows().getFirst().notBeforeUnixMs());
    }

    @Test
    void shouldCheckEverythingButTheDatesWhileBootstrapping() throws Exception {
        NtsKeClient.Result r = exchange("127.0.0.1", anchors, CertificateTrust.DATES_UNCHECKED);
        assertFalse(r.datesChecked(), "the result says its dates were not checked");
        assertEquals(8, r.cookies().size());
        assertEquals("CN=localhost valid 2020-01-01T00:00:00Z to 2020-02-01T00:00:00Z", r.windows().getFirst().toString());
        assertEquals(8, exchange("localhost", anchors, CertificateTrust.DATES_UNCHECKED).cookies().size(), "its DNS name");

        KeException wrongName = assertThrows(KeException.class,
                () -> exchange("time.example.org", anchors, CertificateTrust.DATES_UNCHECKED));
        assertTrue(wrongName.getMessage().contains("TLS with time.example.org"), wrongName.getMessage());
        TestCertificates.create(dir, "other", "2020/01/01 00:00:00", 31); // the same names, another key: not the authority
        Set<TrustAnchor> other = Tls.trustAnchors(List.of(dir.resolve("other.crt")), false);
        KeException untrusted = assertThrows(KeException.class,
                () -> exchange("127.0.0.1", other, CertificateTrust.DATES_UNCHECKED));
        assertTrue(untrusted.getMessage().contains("no trusted path"), untrusted.getMessage());
    }
}
