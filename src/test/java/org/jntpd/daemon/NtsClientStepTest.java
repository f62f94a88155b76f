package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.jntpd.auth.Aead;
import org.jntpd.nts.ke.NtsKeClient;
import org.junit.jupiter.api.Test;

/**
 * An NTS source's keys age on the clock the loop reads, which the discipline steps: the keys' time and the next
 * exchange's move with a step, as the association's poll times do. Before, the NTS bootstrap's step from 1970 made
 * every source's keys 56 years old, so each ran NTS-KE again right after it.
 */
class NtsClientStepTest {
    private static final long S = 1_000_000_000L;
    private static final long REFRESH_NS = 3600 * S;
    /** 1970-01-02, as a clock that lost its time reads (the bootstrap's case). */
    private static final long T0_NS = 86_400 * S;
    private static final long STEP_NS = 1_796_000_000L * S;

    private static NtsClientAuth keyedAt(long nowNs) {
        NtsClientAuth.Settings settings = new NtsClientAuth.Settings(null, "no TLS in this test",
                List.of(Aead.AES_SIV_CMAC_256), REFRESH_NS, 1000, null, null);
        InetAddress local = InetAddress.getLoopbackAddress();
        NtsClientAuth auth = new NtsClientAuth("test", "localhost", local, 4460, settings, null, false, nowNs);
        List<byte[]> cookies = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            cookies.add(new byte[100]);
        }
        auth.install(new NtsKeClient.Result(Aead.AES_SIV_CMAC_256, new byte[32], new byte[32], cookies, "localhost", 123),
                new InetSocketAddress(local, 123), nowNs);
        return auth;
    }

    /** Sends one request at {@code nowNs}; returns whether it started a key exchange. */
    private static boolean requestStartsExchange(NtsClientAuth auth, long nowNs) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment tx = arena.allocate(2048);
            assertTrue(auth.request(tx, 2048, nowNs) > 0, "the keys and cookies in hand are used");
            return auth.exchangeRunning();
        }
    }

    @Test
    void shouldNotTakeKeysForStaleAfterAForwardStep() {
        NtsClientAuth auth = keyedAt(T0_NS);
        auth.onClockStep(T0_NS + 10 * S + STEP_NS, STEP_NS);
        assertFalse(requestStartsExchange(auth, T0_NS + 20 * S + STEP_NS), "20 s old keys after the bootstrap's step");
    }

    @Test
    void shouldRefreshKeysByTheirAgeAcrossABackwardStep() {
        NtsClientAuth auth = keyedAt(T0_NS);
        auth.onClockStep(T0_NS + 60 * S - 1800 * S, -1800 * S);
        // 3610 s after the exchange, the clock reads only 1810 s later: the keys are still due for refresh.
        assertTrue(requestStartsExchange(auth, T0_NS + 3610 * S - 1800 * S), "keys older than ntsrefresh");
    }

    @Test
    void shouldRefreshKeysOlderThanNtsrefreshWithoutAStep() {
        NtsClientAuth auth = keyedAt(T0_NS);
        assertFalse(requestStartsExchange(auth, T0_NS + 3000 * S));
        assertTrue(requestStartsExchange(auth, T0_NS + 3610 * S));
    }
}
