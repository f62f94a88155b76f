package org.jntpd.timefile;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The time file: the daemon's estimate of true time with its error bound, in 64 bytes any process on the machine can
 * map and read without asking the daemon (TrueTime's earliest/latest). Layout (little-endian, docs/TIMEFILE.md):
 *
 * <pre>
 *  0 u32 magic "JNTT"          4 u32 version (1)
 *  8 u64 sequence: odd while the daemon writes, even when the fields are whole (a seqlock)
 * 16 s64 CLOCK_REALTIME at the update (ns since 1970)     24 s64 CLOCK_MONOTONIC at the update (ns)
 * 32 s64 correction (ns): true time = CLOCK_REALTIME + correction (0 while jntpd steers the clock; its software
 *        correction under -x)
 * 40 s64 maximum error at the update (ns)                  48 u32 growth of the error (ppb of elapsed time)
 * 52 u32 flags: 1 synchronised, 2 leap second insertion at the end of the day, 4 deletion
 * 56 s64 estimated error at the update (ns)
 * </pre>
 *
 * A reader at CLOCK_MONOTONIC {@code m} and CLOCK_REALTIME {@code r} has true time within {@code r + correction ±
 * (maxError + (m - monotonic) * growth / 1e9)}. The writer is the daemon's synchronisation thread; readers are
 * anyone (lock-free: they retry while the sequence is odd or changed under them).
 */
public final class TimeFile {
    public static final int SIZE = 64;
    public static final int MAGIC = 'J' | 'N' << 8 | 'T' << 16 | 'T' << 24;
    public static final int VERSION = 1;
    public static final int FLAG_SYNCHRONISED = 1;
    public static final int FLAG_LEAP_INSERT = 2;
    public static final int FLAG_LEAP_DELETE = 4;
    /** RFC 5905's PHI, 15 ppm: how fast an unsynchronised estimate's error may grow. */
    public static final int GROWTH_PPB = 15_000;

    static final long OFF_MAGIC = 0;
    static final long OFF_VERSION = 4;
    static final long OFF_SEQUENCE = 8;
    static final long OFF_REALTIME = 16;
    static final long OFF_MONOTONIC = 24;
    static final long OFF_CORRECTION = 32;
    static final long OFF_MAX_ERROR = 40;
    static final long OFF_GROWTH = 48;
    static final long OFF_FLAGS = 52;
    static final long OFF_EST_ERROR = 56;

    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TimeFile() {}

    /** One reading of the file: the fields of one whole update. */
    public record Update(long realtimeNs, long monotonicNs, long correctionNs, long maxErrorNs, int growthPpb, int flags,
            long estErrorNs) {
        public boolean synchronised() {
            return (flags & FLAG_SYNCHRONISED) != 0;
        }

        /** The error bound at CLOCK_MONOTONIC {@code monotonicNowNs}: the maximum error grown since the update. */
        public long boundNsAt(long monotonicNowNs) {
            long elapsedNs = Math.max(0, monotonicNowNs - monotonicNs);
            return maxErrorNs + (long) (elapsedNs * (growthPpb * 1e-9));
        }

        /** The earliest true time at CLOCK_REALTIME {@code realtimeNowNs}, CLOCK_MONOTONIC {@code monotonicNowNs}. */
        public long earliestNs(long realtimeNowNs, long monotonicNowNs) {
            return realtimeNowNs + correctionNs - boundNsAt(monotonicNowNs);
        }

        /** The latest true time at CLOCK_REALTIME {@code realtimeNowNs}, CLOCK_MONOTONIC {@code monotonicNowNs}. */
        public long latestNs(long realtimeNowNs, long monotonicNowNs) {
            return realtimeNowNs + correctionNs + boundNsAt(monotonicNowNs);
        }
    }

    /** Writes {@code u} into {@code page} under the seqlock (one writer). */
    static void write(MemorySegment page, Update u) {
        long seq = page.get(LONG, OFF_SEQUENCE);
        page.set(LONG, OFF_SEQUENCE, seq | 1); // odd: being written
        VarHandle.fullFence();
        page.set(LONG, OFF_REALTIME, u.realtimeNs());
        page.set(LONG, OFF_MONOTONIC, u.monotonicNs());
        page.set(LONG, OFF_CORRECTION, u.correctionNs());
        page.set(LONG, OFF_MAX_ERROR, u.maxErrorNs());
        page.set(INT, OFF_GROWTH, u.growthPpb());
        page.set(INT, OFF_FLAGS, u.flags());
        page.set(LONG, OFF_EST_ERROR, u.estErrorNs());
        VarHandle.fullFence();
        page.set(LONG, OFF_SEQUENCE, (seq | 1) + 1); // even: whole
    }

    /** Reads one whole update from {@code page}; null when it is not a time file or no whole update came in 1000 tries. */
    static Update read(MemorySegment page) {
        if (page.byteSize() < SIZE || page.get(INT, OFF_MAGIC) != MAGIC || page.get(INT, OFF_VERSION) != VERSION) {
            return null;
        }
        for (int attempt = 0; attempt < 1000; attempt++) {
            long seq = page.get(LONG, OFF_SEQUENCE);
            VarHandle.fullFence();
            if ((seq & 1) != 0 || seq == 0) {
                Thread.onSpinWait();
                continue;
            }
            Update u = new Update(page.get(LONG, OFF_REALTIME), page.get(LONG, OFF_MONOTONIC),
                    page.get(LONG, OFF_CORRECTION), page.get(LONG, OFF_MAX_ERROR), page.get(INT, OFF_GROWTH),
                    page.get(INT, OFF_FLAGS), page.get(LONG, OFF_EST_ERROR));
            VarHandle.fullFence();
            if (page.get(LONG, OFF_SEQUENCE) == seq) {
                return u;
            }
        }
        return null;
    }

    /** The daemon's side: the file mapped read-write (mode 0644), written at each update. */
    public static final class Writer implements AutoCloseable {
        private final Arena arena = Arena.ofShared();
        private final MemorySegment page;

        /** Creates or reuses {@code path}; an existing file's last update stays readable until the first write. */
        public Writer(Path path) throws IOException {
            Path dir = path.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                if (ch.size() < SIZE) {
                    ch.truncate(0);
                    ch.write(java.nio.ByteBuffer.allocate(SIZE));
                }
                page = ch.map(FileChannel.MapMode.READ_WRITE, 0, SIZE, arena);
            }
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-r--r--"));
            page.set(INT, OFF_VERSION, VERSION);
            page.set(INT, OFF_MAGIC, MAGIC);
        }

        public void write(Update u) {
            TimeFile.write(page, u);
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    /** An application's side: the file mapped read-only. */
    public static final class Reader implements AutoCloseable {
        private final Arena arena = Arena.ofShared();
        private final MemorySegment page;

        public Reader(Path path) throws IOException {
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                if (ch.size() < SIZE) {
                    throw new IOException(path + " is not a time file (" + ch.size() + " bytes, expected " + SIZE + ")");
                }
                page = ch.map(FileChannel.MapMode.READ_ONLY, 0, SIZE, arena);
            }
        }

        /** The latest whole update, or null when the file holds none (not written yet, or not a time file). */
        public Update read() {
            return TimeFile.read(page);
        }

        @Override
        public void close() {
            arena.close();
        }
    }
}
