package org.jntpd.refclock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jntpd.refclock.PpsDriver.Outcome;
import org.jntpd.wire.NtpPacket;
import org.junit.jupiter.api.Test;

class PpsDriverTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final long T0 = 1_700_000_000L * S;

    /**
     * An RFC 2783 source as the kernel keeps it: the latest assert and clear with their counters. The test moves
     * "now" and the device answers with what was captured up to then.
     */
    static final class FakePps implements PpsDevice {
        final int caps;
        int mode = -1;
        final List<long[]> asserts = new ArrayList<>(); // {time}
        final List<long[]> clears = new ArrayList<>();
        long now;
        int fetches;

        FakePps(int caps) {
            this.caps = caps;
        }

        @Override
        public int capabilities() {
            return caps;
        }

        @Override
        public void setCaptureMode(int captureMode) {
            if ((captureMode & ~caps) != 0) {
                throw new IllegalStateException("EINVAL");
            }
            mode = captureMode;
        }

        @Override
        public boolean fetch(long timeoutNs, PpsEvent out) {
            if (timeoutNs != 0) {
                throw new AssertionError("the driver polls without waiting");
            }
            fetches++;
            long[] a = latest(asserts, (mode & CAPTURE_ASSERT) != 0);
            long[] c = latest(clears, (mode & CAPTURE_CLEAR) != 0);
            out.set(a[0], a[1], c[0], c[1]);
            return true;
        }

        /** {count, time of the latest} of the events before now, or {0, 0}. */
        private long[] latest(List<long[]> events, boolean captured) {
            long count = 0;
            long time = 0;
            for (long[] e : events) {
                if (captured && e[0] <= now) {
                    count++;
                    time = e[0];
                }
            }
            return new long[] {count, time};
        }
    }

    private static Refclock clock(RefclockSettings s) {
        return new Refclock(s, SystemReference.fixed(MS, NtpPacket.LEAP_NONE));
    }

    @Test
    void shouldSayWhichEdgeTheSourceCannotCapture() {
        FakePps assertOnly = new FakePps(PpsDevice.CAPTURE_ASSERT);
        Refclock clearClock = clock(RefclockSettings.defaults("pps", "PPS").withPulses(1, 0, true));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new PpsDriver(assertOnly, clearClock, PulseMonitor.forSettings(clearClock.settings())).start());
        assertEquals("PPS source of refclock PPS cannot capture the clear edge (capabilities 0x1); drop flag2 to use "
                + "the assert edge", e.getMessage());
    }

    @Test
    void shouldDropTheFirstNewPulseAfterAStepWhichMayHaveBeenStampedBeforeIt() {
        FakePps dev = new FakePps(PpsDevice.CAPTURE_ASSERT | PpsDevice.CAN_WAIT);
        Refclock c = clock(RefclockSettings.defaults("pps", "PPS"));
        PpsDriver d = new PpsDriver(dev, c, PulseMonitor.forSettings(c.settings()));
        d.start();
        // The local clock is 0.3 s behind: the edge of second T0 is stamped T0 - 0.3 s.
        dev.asserts.add(new long[] {T0 - 300 * MS});
        dev.now = T0 + 100 * MS - 300 * MS;
        assertEquals(Outcome.ACCEPTED, d.poll(dev.now));
        // The next edge comes, unread; then the clock is stepped 0.3 s forward: that edge carries the old time.
        dev.asserts.add(new long[] {T0 + S - 300 * MS});
        c.onClockStep(300 * MS);
        d.monitor().onClockStep(300 * MS);
        d.skipNextPulse();
        dev.now = T0 + S + 100 * MS;
        assertEquals(Outcome.SKIPPED_AFTER_STEP, d.poll(dev.now), "read after the step, stamped before it");
        dev.asserts.add(new long[] {T0 + 2 * S});
        dev.now = T0 + 2 * S + 100 * MS;
        assertEquals(Outcome.ACCEPTED, d.poll(dev.now), "the next edge is stamped after the step");
        RefclockSample s = c.poll();
        assertEquals(2, s.samples(), s.toString());
        assertEquals(0, s.offsetNs(), "the held pulse moved with the step, the new one as taken: " + s);
    }

    @Test
    void shouldReadEachNewAssertOnceAndMakeSamplesOfThem() {
        FakePps dev = new FakePps(PpsDevice.CAPTURE_ASSERT | PpsDevice.CAPTURE_CLEAR | PpsDevice.CAN_WAIT);
        Refclock c = clock(RefclockSettings.defaults("pps", "PPS"));
        PpsDriver d = new PpsDriver(dev, c, PulseMonitor.forSettings(c.settings()));
        d.start();
        assertEquals(PpsDevice.CAPTURE_ASSERT, dev.mode, "no width configured: only the assert edge");
        assertFalse(d.checksWidth());
        for (int k = 0; k < 8; k++) {
            dev.asserts.add(new long[] {T0 + k * S + 3_000}); // local clock 3 us ahead
        }
        dev.now = T0 - 1;
        assertEquals(Outcome.NO_NEW_PULSE, d.poll(dev.now), "nothing captured yet");
        for (int k = 0; k < 8; k++) {
            dev.now = T0 + k * S + 400 * MS; // chrony polls once a second at some phase
            assertEquals(Outcome.ACCEPTED, d.poll(dev.now));
            assertEquals(Outcome.NO_NEW_PULSE, d.poll(dev.now + 100 * MS), "same pulse again");
        }
        RefclockSample s = c.poll();
        assertEquals(-3_000, s.offsetNs());
        assertEquals(8, d.monitor().goodPulses());
    }

    @Test
    void shouldCaptureBothEdgesToCheckTheWidthAndDropGlitches() {
        FakePps dev = new FakePps(PpsDevice.CAPTURE_ASSERT | PpsDevice.CAPTURE_CLEAR);
        Refclock c = clock(RefclockSettings.defaults("pps", "PPS").withPulses(1, 200 * MS, false));
        PpsDriver d = new PpsDriver(dev, c, PulseMonitor.forSettings(c.settings()));
        d.start();
        assertEquals(PpsDevice.CAPTURE_ASSERT | PpsDevice.CAPTURE_CLEAR, dev.mode);
        assertTrue(d.checksWidth());
        List<Outcome> outcomes = new ArrayList<>();
        for (int k = 0; k < 6; k++) {
            long edge = T0 + k * S;
            if (k == 3) { // a 3 ms glitch 300 ms into second 3, then the real pulse is missing
                dev.asserts.add(new long[] {edge + 300 * MS});
                dev.clears.add(new long[] {edge + 303 * MS});
                dev.now = edge + 500 * MS;
            } else {
                dev.asserts.add(new long[] {edge});
                dev.clears.add(new long[] {edge + 200 * MS});
                dev.now = edge + (k % 2 == 0 ? 100 : 600) * MS; // before (width unknown) or after this pulse's clear
            }
            outcomes.add(d.poll(dev.now));
        }
        assertEquals(List.of(Outcome.ACCEPTED, Outcome.ACCEPTED, Outcome.ACCEPTED, Outcome.SPURIOUS, Outcome.ACCEPTED,
                Outcome.ACCEPTED), outcomes);
        assertEquals(1, d.monitor().spuriousWidthPulses());
        assertEquals(1, d.monitor().missingPulses(), "second 3 had no real pulse");
    }

    @Test
    void shouldTimeTheClearEdgeWithFlag2() {
        FakePps dev = new FakePps(PpsDevice.CAPTURE_ASSERT | PpsDevice.CAPTURE_CLEAR);
        Refclock c = clock(RefclockSettings.defaults("pps", "PPS").withPulses(1, 0, true));
        PpsDriver d = new PpsDriver(dev, c, PulseMonitor.forSettings(c.settings()));
        d.start();
        assertEquals(PpsDevice.CAPTURE_CLEAR, dev.mode);
        // An inverted line: the assert comes 800 ms into the second, the clear marks the second (1 us late).
        dev.asserts.add(new long[] {T0 + 800 * MS});
        dev.clears.add(new long[] {T0 + S + 1_000});
        dev.now = T0 + S + 10 * MS;
        assertEquals(Outcome.ACCEPTED, d.poll(dev.now));
        assertEquals(-1_000, c.poll().offsetNs());
    }

    @Test
    void shouldLockAReplayedJitteryTrainToAnShmCoarseClock() {
        // Truth: the local clock is 1.25 s + 80 us behind and 12 ppm fast; PPS timestamps jitter by 2 us; the coarse
        // clock (NMEA via SHM) is right to 30 ms. Dropped and spurious pulses are in the train.
        List<PulseMonitorTest.Event> train = PulseMonitorTest.train(64, 12.0, 2000, Set.of(20, 21), 3, 5);
        FakePps dev = new FakePps(PpsDevice.CAPTURE_ASSERT);
        Refclock shm = clock(RefclockSettings.defaults("shm", "NMEA"));
        Refclock pps = clock(RefclockSettings.defaults("pps", "PPS").withPoll(6, 0).withLock("NMEA", 2, 0));
        assertTrue(Refclock.resolveLocks(List.of(shm, pps)).isEmpty());
        PpsDriver d = new PpsDriver(dev, pps, PulseMonitor.forSettings(pps.settings()));
        d.start();
        long behind = 1_250_080_000L;
        int accepted = 0;
        for (PulseMonitorTest.Event e : train) {
            long local = e.timeNs() - behind;
            dev.asserts.add(new long[] {local});
            dev.now = local + 50 * MS;
            if (!e.spurious()) { // the sentence of each real second, 30 ms off
                shm.addSample(dev.now, local + 40 * MS, local + 40 * MS + behind + 30 * MS, 0, 0);
            }
            Outcome o = d.poll(dev.now);
            assertEquals(e.spurious() ? Outcome.SPURIOUS : Outcome.ACCEPTED, o, "event " + e);
            accepted += o == Outcome.ACCEPTED ? 1 : 0;
        }
        assertEquals(62, accepted);
        RefclockSample s = pps.poll();
        double meanSecond = (s.localTimeNs() + behind - T0) / 1e9;
        long expected = behind - Math.round(meanSecond * 12_000); // the local clock gains 12 us per second
        assertTrue(Math.abs(s.offsetNs() - expected) < 1500, s + " expected " + expected);
        assertEquals(2, d.monitor().missingPulses());
        assertTrue(Math.abs(d.monitor().jitterNs() - 2000) < 700, "jitter " + d.monitor().jitterNs());
    }
}
