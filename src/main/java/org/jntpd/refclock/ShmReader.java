package org.jntpd.refclock;

import static org.jntpd.time.Units.NS_PER_S;
import static org.jntpd.time.Units.NS_PER_US;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * Reads the NTP shared-memory segment ({@link ShmTime}) the way ntpd's {@code shm_query} does, which is the protocol
 * gpsd writes to:
 * <ol>
 *   <li>nothing to do unless {@code valid} is set;</li>
 *   <li>read {@code count}, copy the whole struct, clear {@code valid};</li>
 *   <li>in mode 1, read {@code count} again: a different value means the writer was busy during the copy (a torn
 *       read, "clash"), and the copy is thrown away. Mode 0 has no such check.</li>
 * </ol>
 * One check beyond ntpd's: in mode 1 the copy is also thrown away when {@code valid} was cleared during it. gpsd clears
 * {@code valid} before it increments {@code count}, so a reader that saw {@code valid} just before a write began would
 * otherwise copy a half-written struct with an unchanged (odd) count and take it.
 * Times use the nanosecond fields only when they agree with the microsecond fields (chrony's rule: old writers leave
 * them 0 or stale), so both old and new writers are read right.
 *
 * <p>{@link #peek} is the passive alternative for sharing a segment with another reader.
 *
 * <p>The copy goes into a private heap buffer: allocation-free per read. {@link #begin} and {@link #finish} are the two
 * halves of {@link #read}, public so a test can write between them as a concurrent writer would.
 */
public final class ShmReader {
    /** ntpd's {@code segstat_t}. */
    public enum Status {
        OK,
        /** {@code valid} was 0: no new sample. */
        NOT_READY,
        /** A mode other than 0 or 1. */
        BAD_MODE,
        /** Mode 1 and {@code count} changed during the copy: a torn read, discarded. */
        CLASH,
        /** A seconds field before 1970 or after 2255: not a time in ns since 1970 (the sum would overflow). */
        BAD_TIME
    }

    /** One decoded sample. */
    public static final class Sample {
        /** Reference time, Unix ns. */
        public long clockTimeNs;
        /** System clock when the reference time was taken, Unix ns. */
        public long receiveTimeNs;
        public int leap;
        /** log2 seconds, as the writer claims. */
        public int precision;
        public int mode;
        /** Whether the nanosecond fields were used. */
        public boolean nanoseconds;
    }

    /** Latest seconds field taken (2255): the time in ns then fits a long, which 2262 overflows. */
    private static final long MAX_SEC = 9_000_000_000L;

    private final MemorySegment copy = MemorySegment.ofArray(new long[(int) (ShmTime.sizeof() / Long.BYTES)]);
    private int countBefore;
    private boolean peeked;
    private int lastPeekCount;

    /**
     * Step 1-2: checks {@code valid}, remembers {@code count} and copies the struct. Returns {@link Status#OK} when
     * {@link #finish} should follow, {@link Status#NOT_READY} otherwise.
     */
    public Status begin(MemorySegment shm) {
        if (ShmTime.validVolatile(shm) == 0) {
            return Status.NOT_READY;
        }
        countBefore = ShmTime.countVolatile(shm);
        VarHandle.fullFence();
        MemorySegment.copy(shm, 0, copy, 0, ShmTime.sizeof());
        return Status.OK;
    }

    /** Step 2-3: checks {@code count} (mode 1) and {@code valid}, clears {@code valid}, decodes the copy into {@code out}. */
    public Status finish(MemorySegment shm, Sample out) {
        VarHandle.fullFence();
        int mode = ShmTime.mode(copy);
        boolean stillValid = ShmTime.validVolatile(shm) != 0;
        boolean countMoved = ShmTime.countVolatile(shm) != countBefore;
        ShmTime.validVolatile(shm, 0);
        if (mode == 1 && (countMoved || !stillValid)) {
            return Status.CLASH;
        }
        if (mode != 0 && mode != 1) {
            return Status.BAD_MODE;
        }
        return decode(out);
    }

    /** Reads one sample if there is one. */
    public Status read(MemorySegment shm, Sample out) {
        Status s = begin(shm);
        return s == Status.OK ? finish(shm, out) : s;
    }

    /**
     * A passive read for a reader beside another consumer of the same segment (chronyd, ntpd): never clears
     * {@code valid}, which the other reader may already have cleared, and goes by {@code count} instead. A sample is
     * taken when {@code count} is even, did not move during the copy, and differs from the last one taken. That holds
     * for mode-1 writers that bump {@code count} before and after each update, as gpsd does (odd while it writes);
     * other segments are refused as {@link Status#BAD_MODE}. A segment never written ({@code count} 0) is
     * {@link Status#NOT_READY}.
     */
    public Status peek(MemorySegment shm, Sample out) {
        int count = ShmTime.countVolatile(shm);
        if (count == 0 || (peeked && count == lastPeekCount)) {
            return Status.NOT_READY;
        }
        VarHandle.fullFence();
        MemorySegment.copy(shm, 0, copy, 0, ShmTime.sizeof());
        VarHandle.fullFence();
        if (ShmTime.countVolatile(shm) != count || (count & 1) != 0) {
            return Status.CLASH; // the writer was busy: the next peek sees the finished update
        }
        if (ShmTime.mode(copy) != 1) {
            return Status.BAD_MODE;
        }
        peeked = true;
        lastPeekCount = count;
        return decode(out);
    }

    private Status decode(Sample out) {
        long clockSec = ShmTime.clockSec(copy);
        long receiveSec = ShmTime.receiveSec(copy);
        if (clockSec < 0 || clockSec > MAX_SEC || receiveSec < 0 || receiveSec > MAX_SEC) {
            return Status.BAD_TIME; // else seconds * 1e9 overflows into a time never written (fuzzing found it)
        }
        int clockUsec = ShmTime.clockUsec(copy);
        int receiveUsec = ShmTime.receiveUsec(copy);
        long clockNsec = Integer.toUnsignedLong(ShmTime.clockNsec(copy));
        long receiveNsec = Integer.toUnsignedLong(ShmTime.receiveNsec(copy));
        out.nanoseconds = clockNsec / 1000 == clockUsec && receiveNsec / 1000 == receiveUsec;
        out.clockTimeNs = clockSec * NS_PER_S + (out.nanoseconds ? clockNsec : clockUsec * NS_PER_US);
        out.receiveTimeNs = receiveSec * NS_PER_S + (out.nanoseconds ? receiveNsec : receiveUsec * NS_PER_US);
        out.leap = ShmTime.leap(copy);
        out.precision = ShmTime.precision(copy);
        out.mode = ShmTime.mode(copy);
        return Status.OK;
    }
}
