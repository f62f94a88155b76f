package org.jntpd.refclock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jntpd.refclock.ShmReader.Status;
import org.junit.jupiter.api.Test;

/** The SHM protocol against writers that behave like gpsd (mode 1) and old ntpd-style tools (mode 0). */
class ShmReaderTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * S;

    /** gpsd's {@code ntp_write}: valid = 0, count++, fields, count++, valid = 1, with barriers between. */
    static void gpsdWrite(MemorySegment shm, long clockNs, long receiveNs, int leap, int precision) {
        ShmTime.mode(shm, 1);
        ShmTime.validVolatile(shm, 0);
        ShmTime.countVolatile(shm, ShmTime.countVolatile(shm) + 1);
        VarHandle.fullFence();
        writeFields(shm, clockNs, receiveNs, leap, precision, true);
        VarHandle.fullFence();
        ShmTime.countVolatile(shm, ShmTime.countVolatile(shm) + 1);
        VarHandle.fullFence();
        ShmTime.validVolatile(shm, 1);
    }

    static void writeFields(MemorySegment shm, long clockNs, long receiveNs, int leap, int precision, boolean nsec) {
        ShmTime.clockSec(shm, Math.floorDiv(clockNs, S));
        ShmTime.clockUsec(shm, (int) (Math.floorMod(clockNs, S) / 1000));
        ShmTime.clockNsec(shm, nsec ? (int) Math.floorMod(clockNs, S) : 0);
        ShmTime.receiveSec(shm, Math.floorDiv(receiveNs, S));
        ShmTime.receiveUsec(shm, (int) (Math.floorMod(receiveNs, S) / 1000));
        ShmTime.receiveNsec(shm, nsec ? (int) Math.floorMod(receiveNs, S) : 0);
        ShmTime.leap(shm, leap);
        ShmTime.precision(shm, precision);
    }

    @Test
    void shouldReadAGpsdSampleToTheNanosecondAndConsumeIt() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment shm = arena.allocate(ShmTime.sizeof(), 8); // shmat's stand-in
            ShmReader r = new ShmReader();
            ShmReader.Sample s = new ShmReader.Sample();
            assertEquals(Status.NOT_READY, r.read(shm, s), "a fresh segment holds nothing");
            gpsdWrite(shm, T0 + 123_456_789, T0 + 98_765_432, 1, -20);
            assertEquals(Status.OK, r.read(shm, s));
            assertEquals(T0 + 123_456_789, s.clockTimeNs);
            assertEquals(T0 + 98_765_432, s.receiveTimeNs);
            assertTrue(s.nanoseconds);
            assertEquals(1, s.leap);
            assertEquals(-20, s.precision);
            assertEquals(1, s.mode);
            assertEquals(0, ShmTime.validVolatile(shm), "the reader clears valid");
            assertEquals(Status.NOT_READY, r.read(shm, s), "each sample is read once");
        }
    }

    @Test
    void shouldFallBackToMicrosecondsForAWriterWithoutNanosecondFields() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment shm = arena.allocate(ShmTime.sizeof(), 8);
            writeFields(shm, T0 + 500_123_999, T0 + 400_000_001, 0, -13, false); // an old mode-0 writer
            ShmTime.mode(shm, 0);
            ShmTime.validVolatile(shm, 1);
            ShmReader.Sample s = new ShmReader.Sample();
            assertEquals(Status.OK, new ShmReader().read(shm, s));
            assertFalse(s.nanoseconds);
            assertEquals(T0 + 500_123_000, s.clockTimeNs);
            assertEquals(T0 + 400_000_000, s.receiveTimeNs);

            // Stale ns fields that disagree with the us fields are not trusted either (chrony's rule).
            writeFields(shm, T0 + 2 * S + 7_000, T0 + 2 * S, 0, -13, false);
            ShmTime.clockNsec(shm, 999_999_999);
            ShmTime.validVolatile(shm, 1);
            assertEquals(Status.OK, new ShmReader().read(shm, s));
            assertEquals(T0 + 2 * S + 7_000, s.clockTimeNs);
        }
    }

    @Test
    void shouldRefuseSecondsWhoseTimeInNanosecondsOverflowsInsteadOfTakingAWrappedTime() {
        // Fuzzing found it (ShmTimeFuzzTestInputs/segment/crash-f5015289...): receiveTimeStampSec 4.5e15 made
        // seconds * 1e9 wrap to -5.2e18 ns; a crafted value can wrap to any time, "now" included.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment shm = arena.allocate(ShmTime.sizeof(), 8);
            ShmReader reader = new ShmReader();
            ShmReader.Sample sample = new ShmReader.Sample();
            gpsdWrite(shm, T0, T0, 0, -20);
            ShmTime.receiveSec(shm, 4_503_601_394_639_296L);
            assertEquals(ShmReader.Status.BAD_TIME, reader.read(shm, sample));
            assertEquals(0, ShmTime.validVolatile(shm), "consumed all the same");
            gpsdWrite(shm, T0, T0, 0, -20);
            ShmTime.clockSec(shm, -1);
            assertEquals(ShmReader.Status.BAD_TIME, reader.read(shm, sample), "before 1970");
            gpsdWrite(shm, T0, T0, 0, -20);
            ShmTime.clockSec(shm, Long.MAX_VALUE);
            assertEquals(ShmReader.Status.BAD_TIME, new ShmReader().peek(shm, sample), "peeked the same way");
            gpsdWrite(shm, T0 + 5, T0, 0, -20);
            assertEquals(ShmReader.Status.OK, reader.read(shm, sample));
            assertEquals(T0 + 5, sample.clockTimeNs);
        }
    }

    @Test
    void shouldDiscardAReadTornByAWriteInMode1() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment shm = arena.allocate(ShmTime.sizeof(), 8);
            ShmReader r = new ShmReader();
            ShmReader.Sample s = new ShmReader.Sample();
            gpsdWrite(shm, T0 + S, T0 + S - 5_000, 0, -20);
            assertEquals(Status.OK, r.begin(shm));
            gpsdWrite(shm, T0 + 2 * S, T0 + 2 * S - 5_000, 0, -20); // the writer runs while we copy
            assertEquals(Status.CLASH, r.finish(shm, s));

            // The writer has cleared valid and bumped count once, and is still writing: count looks unchanged to a
            // reader that started now, but valid gives the write away.
            gpsdWrite(shm, T0 + 3 * S, T0 + 3 * S - 5_000, 0, -20);
            assertEquals(Status.OK, r.begin(shm));
            ShmTime.validVolatile(shm, 0);
            assertEquals(Status.CLASH, r.finish(shm, s));
        }
    }

    @Test
    void shouldTakeAMode0SampleAsItIsBecauseMode0HasNoHandshake() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment shm = arena.allocate(ShmTime.sizeof(), 8);
            ShmReader r = new ShmReader();
            ShmReader.Sample s = new ShmReader.Sample();
            writeFields(shm, T0 + S, T0 + S - 5_000, 0, -20, true);
            ShmTime.mode(shm, 0);
            ShmTime.validVolatile(shm, 1);
            assertEquals(Status.OK, r.begin(shm));
            ShmTime.countVolatile(shm, 99); // a mode-0 writer does not promise anything about count
            assertEquals(Status.OK, r.finish(shm, s));
            assertEquals(T0 + S, s.clockTimeNs);
        }
    }

    @Test
    void shouldRefuseAnUnknownMode() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment shm = arena.allocate(ShmTime.sizeof(), 8);
            writeFields(shm, T0, T0, 0, 0, true);
            ShmTime.mode(shm, 2);
            ShmTime.validVolatile(shm, 1);
            assertEquals(Status.BAD_MODE, new ShmReader().read(shm, new ShmReader.Sample()));
        }
    }

    @Test
    void shouldNeverTakeAnInconsistentSampleFromAConcurrentGpsdWriter() throws Exception {
        // Each write i stores clock = T0 + i s + (i % 1000) us and receive = clock - 777 ns: a torn copy mixes fields
        // of two writes and breaks that relation. Bounded: until 3000 samples were read or 3 s passed.
        try (Arena arena = Arena.ofShared()) {
            MemorySegment shm = arena.allocate(ShmTime.sizeof(), 8);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong writes = new AtomicLong();
            Thread writer = Thread.ofPlatform().start(() -> {
                for (long i = 1; !stop.get() && i < 50_000_000; i++) {
                    long clock = T0 + i * S + (i % 1000) * 1000;
                    gpsdWrite(shm, clock, clock - 777, 0, -20);
                    writes.set(i);
                    if (i % 16 == 0) {
                        LockSupport.parkNanos(20_000); // leave the reader a core on a busy machine
                    } else {
                        long until = System.nanoTime() + (i % 7) * 500; // back-to-back and spaced writes
                        while (System.nanoTime() < until) {
                            Thread.onSpinWait();
                        }
                    }
                }
            });
            ShmReader r = new ShmReader();
            ShmReader.Sample s = new ShmReader.Sample();
            long ok = 0;
            long clashes = 0;
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (ok < 3000 && System.nanoTime() < deadline) {
                Status st = r.read(shm, s);
                if (st == Status.OK) {
                    ok++;
                    long i = Math.floorDiv(s.clockTimeNs - T0, S);
                    assertEquals(T0 + i * S + (i % 1000) * 1000, s.clockTimeNs, "clock fields from one write");
                    assertEquals(s.clockTimeNs - 777, s.receiveTimeNs, "receive fields from the same write");
                } else if (st == Status.CLASH) {
                    clashes++;
                }
            }
            stop.set(true);
            writer.join(5000);
            assertTrue(ok >= 300, "read " + ok + " samples of " + writes.get() + " writes (" + clashes + " clashes)");
        }
    }

    @Test
    void shouldFeedTheClockFromTheSegment() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment shm = arena.allocate(ShmTime.sizeof(), 8);
            Refclock c = new Refclock(RefclockSettings.defaults("shm", "SHM0"), SystemReference.UNSYNCHRONISED);
            ShmDriver d = new ShmDriver(shm, c);
            long receive = T0 + 100_000_000;
            gpsdWrite(shm, T0 + 150_000_000, receive, 0, -20); // local clock 50 ms behind
            assertEquals(Status.OK, d.poll(receive + 300_000_000));
            assertEquals(Refclock.Verdict.ACCEPTED, d.lastVerdict());
            assertEquals(Status.NOT_READY, d.poll(receive + 1_300_000_000));
            gpsdWrite(shm, T0 + S + 150_000_000, receive + S, 3, -20); // gpsd lost its fix: leap 3
            assertEquals(Status.OK, d.poll(receive + S + 300_000_000));
            assertEquals(Refclock.Verdict.BAD_LEAP, d.lastVerdict());
            assertEquals(50_000_000, c.poll().offsetNs());
            assertEquals(1, d.statusCount(Status.NOT_READY));
        }
    }

    @Test
    void shouldPeekEachGpsdSampleOnceWithoutClearingValid() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment shm = arena.allocate(ShmTime.sizeof(), 8);
            ShmReader reader = new ShmReader();
            ShmReader.Sample s = new ShmReader.Sample();
            assertEquals(Status.NOT_READY, reader.peek(shm, s), "never written: count 0");
            gpsdWrite(shm, T0, T0 + 200_000_123L, 0, -20);
            assertEquals(Status.OK, reader.peek(shm, s));
            assertEquals(T0, s.clockTimeNs);
            assertEquals(T0 + 200_000_123L, s.receiveTimeNs);
            assertEquals(1, ShmTime.validVolatile(shm), "a peek leaves valid for the reader that consumes");
            assertEquals(Status.NOT_READY, reader.peek(shm, s), "the same sample is taken once");
            assertEquals(Status.OK, new ShmReader().read(shm, s), "the consuming reader still gets it");
        }
    }

    @Test
    void shouldPeekASampleAnotherReaderConsumedFirst() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment shm = arena.allocate(ShmTime.sizeof(), 8);
            ShmReader peeker = new ShmReader();
            ShmReader.Sample s = new ShmReader.Sample();
            for (int i = 1; i <= 3; i++) {
                gpsdWrite(shm, T0 + i * S, T0 + i * S + 1_000, 0, -20);
                assertEquals(Status.OK, new ShmReader().read(shm, s), "chronyd takes it and clears valid");
                assertEquals(Status.OK, peeker.peek(shm, s), "sample " + i);
                assertEquals(T0 + i * S, s.clockTimeNs);
            }
        }
    }

    @Test
    void shouldNotPeekDuringAWriteOrAtAnotherWritersSegment() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment shm = arena.allocate(ShmTime.sizeof(), 8);
            ShmReader.Sample s = new ShmReader.Sample();
            gpsdWrite(shm, T0, T0 + 1_000, 0, -20);
            ShmTime.countVolatile(shm, ShmTime.countVolatile(shm) + 1); // gpsd began the next write
            assertEquals(Status.CLASH, new ShmReader().peek(shm, s), "odd count: the writer is busy");
            ShmTime.mode(shm, 0);
            ShmTime.countVolatile(shm, 8);
            assertEquals(Status.BAD_MODE, new ShmReader().peek(shm, s), "mode 0 writers have no count handshake");
        }
    }
}
