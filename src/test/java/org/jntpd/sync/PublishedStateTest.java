package org.jntpd.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.jntpd.clock.VirtualClock;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

/**
 * What the synchroniser publishes (and the server therefore serves) follows what is known, by RFC 5905's rules: no
 * "synchronised" while the clock is refused a correction beyond the panic threshold, no root dispersion made of the
 * jump a source recovered from, no "synchronised at stratum 16".
 */
class PublishedStateTest {
    private static final long S = 1_000_000_000L;
    private static final long POLL = 16 * S;

    private final VirtualClock clock = new VirtualClock(1_782_777_600L * S, 0, 0, 0, new SplittableRandom(1), 100_000);
    private final Synchroniser sync = new Synchroniser(clock, SyncConfig.defaults());
    private final Sample sample = new Sample();
    private final SplittableRandom noise = new SplittableRandom(3);
    private long trueNs = clock.trueNs();

    /** One poll interval of the daemon's loop (the synchroniser's timer when due), then a sample and an update. */
    private SyncStatus poll(Source s, long upstreamErrorNs, int stratum) {
        long end = trueNs + POLL;
        while (trueNs < end) {
            trueNs = Math.min(end, trueNs + 250_000_000L);
            clock.advanceTo(trueNs);
            if (clock.nowNs() - sync.nextTimerNs() >= 0) {
                sync.onTimer(clock.nowNs());
            }
        }
        long offsetNs = -Math.round(clock.offsetNs()) + upstreamErrorNs + (long) (noise.nextGaussian() * 50_000);
        s.accumulate(sample.set(clock.nowNs(), offsetNs, 200_000, 1_000, 1_000_000, 2_000_000, stratum, 0x47505300,
                NtpPacket.LEAP_NONE, -24));
        return sync.update(clock.nowNs());
    }

    private Source source(String name) {
        Source s = sync.addSource(SourceConfig.of(name, 0xC0000201));
        s.setReachable(true);
        return s;
    }

    @Test
    void shouldSayUnsynchronisedWhileRefusingAJumpBeyondThePanicThresholdAndServeASmallDispersionAfter() {
        Source upstream = source("upstream");
        for (int i = 0; i < 60; i++) {
            assertEquals(SyncStatus.SYNCHRONISED, poll(upstream, 0, 1));
        }
        assertTrue(sync.state().synced());
        // The upstream jumps 2000 s (beyond tinker panic's 1000 s) for 20 polls, then comes back.
        boolean panicked = false;
        for (int i = 0; i < 20; i++) {
            if (poll(upstream, 2000 * S, 1) == SyncStatus.PANIC) {
                panicked = true;
                SystemState s = sync.state();
                assertFalse(s.synced(), "panic at poll " + i + ": the clock is not corrected, so it is not known good");
                assertEquals(NtpPacket.LEAP_UNSYNCHRONIZED, s.leapIndicator());
                assertEquals(NtpPacket.STRATUM_UNSYNCHRONIZED, s.stratum());
                assertFalse(clock.synced(), "the kernel is told too");
            }
        }
        assertTrue(panicked, "the jump was refused");
        assertTrue(Math.abs(clock.offsetNs()) < 1_000_000, "the clock was left alone: " + clock.offsetNs() + " ns");
        long worstDispersionNs = 0;
        int synced = 0;
        for (int i = 0; i < 10; i++) {
            if (poll(upstream, 0, 1) == SyncStatus.SYNCHRONISED) {
                synced++;
                worstDispersionNs = Math.max(worstDispersionNs, sync.state().rootDispersionNs(clock.nowNs()));
            }
        }
        assertTrue(synced >= 7, "synchronised again: " + synced + " of 10 polls");
        // Before: 40 to 124 s for the first polls, ~7% less each poll (the jump's innovations in the jitter).
        assertTrue(worstDispersionNs < 50_000_000L, "root dispersion after the recovery: " + worstDispersionNs + " ns");
    }

    @Test
    void shouldNotSynchroniseToAStratum15SourceWhichWouldMakeItStratum16() {
        Source fifteen = source("fifteen");
        for (int i = 0; i < 8; i++) {
            assertEquals(SyncStatus.NO_SELECTABLE_SOURCES, poll(fifteen, 0, 15));
        }
        SystemState s = sync.state();
        assertFalse(s.synced());
        assertEquals(NtpPacket.LEAP_UNSYNCHRONIZED, s.leapIndicator());
        // Stratum 14 is fine: this host is 15.
        Source fourteen = source("fourteen");
        assertEquals(SyncStatus.SYNCHRONISED, poll(fourteen, 0, 14));
        assertEquals(15, sync.state().stratum());
        assertEquals(NtpPacket.LEAP_NONE, sync.state().leapIndicator());
    }
}
