package org.jntpd.timefile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The time file's bytes are docs/TIMEFILE.md's layout, its arithmetic is TrueTime's, and its seqlock holds. */
class TimeFileTest {
    private static final TimeFile.Update U = new TimeFile.Update(1_796_000_000_123_456_789L, 5_000_000_000L, -42_000L,
            250_000L, TimeFile.GROWTH_PPB, TimeFile.FLAG_SYNCHRONISED | TimeFile.FLAG_LEAP_INSERT, 3_000L);

    @Test
    void shouldWriteTheDocumentedLayout(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("run/time");
        try (TimeFile.Writer w = new TimeFile.Writer(f)) {
            w.write(U);
        }
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.put("JNTT".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(1).putLong(2) // one whole write
                .putLong(1_796_000_000_123_456_789L).putLong(5_000_000_000L).putLong(-42_000L).putLong(250_000L)
                .putInt(15_000).putInt(3).putLong(3_000L);
        assertArrayEquals(b.array(), Files.readAllBytes(f));
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        try (TimeFile.Reader r = new TimeFile.Reader(f)) {
            assertEquals(U, r.read());
        }
    }

    @Test
    void shouldGrowTheBoundAtFifteenPpmFromTheUpdate() {
        assertEquals(250_000L, U.boundNsAt(5_000_000_000L));
        assertEquals(250_000L, U.boundNsAt(4_000_000_000L), "a reading before the update does not shrink the bound");
        assertEquals(250_000L + 15_000L, U.boundNsAt(6_000_000_000L), "1 s later: +15 us");
        long r = 1_796_000_010_000_000_000L;
        assertEquals(r - 42_000L - 265_000L, U.earliestNs(r, 6_000_000_000L));
        assertEquals(r - 42_000L + 265_000L, U.latestNs(r, 6_000_000_000L));
        assertTrue(U.synchronised());
    }

    @Test
    void shouldReadNothingFromAFileWithoutAWholeUpdate(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("time");
        try (TimeFile.Writer w = new TimeFile.Writer(f); TimeFile.Reader r = new TimeFile.Reader(f)) {
            assertNull(r.read(), "sequence 0: never written");
            w.write(U);
            assertEquals(U, r.read());
        }
        byte[] bytes = Files.readAllBytes(f);
        bytes[8] = 3; // odd: a write in progress (a writer that died mid-update)
        Files.write(f, bytes);
        try (TimeFile.Reader r = new TimeFile.Reader(f)) {
            assertNull(r.read());
        }
        bytes[8] = 4;
        bytes[0] = 'X';
        Files.write(f, bytes);
        try (TimeFile.Reader r = new TimeFile.Reader(f)) {
            assertNull(r.read(), "not a time file");
        }
    }

    /** A writer and a reader on two threads: every update read is one the writer wrote whole (fields agree). */
    @Test
    void shouldNeverReadATornUpdate(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("time");
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<String> torn = new AtomicReference<>();
        AtomicLong reads = new AtomicLong();
        try (TimeFile.Writer w = new TimeFile.Writer(f); TimeFile.Reader r = new TimeFile.Reader(f)) {
            w.write(update(1));
            Thread reader = Thread.ofPlatform().start(() -> {
                while (!done.get()) {
                    TimeFile.Update u = r.read();
                    if (u != null) {
                        reads.incrementAndGet();
                        if (!u.equals(update(u.realtimeNs()))) {
                            torn.compareAndSet(null, u.toString());
                        }
                    }
                }
            });
            for (long k = 2; k < 300_000; k++) {
                w.write(update(k));
            }
            done.set(true);
            reader.join(10_000);
        }
        assertNull(torn.get(), "a torn update was read");
        assertTrue(reads.get() > 0);
    }

    private static TimeFile.Update update(long k) {
        return new TimeFile.Update(k, k * 3, -k, k * 7, (int) (k % 1000), (int) (k & 7), k * 11);
    }
}
