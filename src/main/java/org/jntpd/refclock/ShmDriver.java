package org.jntpd.refclock;

import java.lang.foreign.MemorySegment;

/**
 * The SHM driver (ntpd type 28, chrony {@code SHM}): once per driver poll, takes the sample gpsd (or any writer) left in
 * the segment and hands it to the {@link Refclock}. The segment is whatever the platform layer mapped
 * ({@code shmget(ShmTime.KEY_BASE + unit, ShmTime.sizeof(), IPC_CREAT | 0600)}, then {@code shmat}), reinterpreted
 * to {@link ShmTime#sizeof()} bytes; in tests a native segment from an {@code Arena} stands in.
 */
public final class ShmDriver {
    private static final ShmReader.Status[] STATUSES = ShmReader.Status.values();

    private final MemorySegment shm;
    private final Refclock clock;
    private final ShmReader reader = new ShmReader();
    private final ShmReader.Sample sample = new ShmReader.Sample();
    private final long[] statusCounts = new long[STATUSES.length];
    private final boolean consume;
    private Refclock.Verdict lastVerdict;

    public ShmDriver(MemorySegment shm, Refclock clock) {
        this(shm, clock, true);
    }

    /**
     * @param consume true: the ntpd protocol, which clears {@code valid} after each read; false: {@link ShmReader#peek},
     *                for reading a gpsd segment that another daemon consumes
     */
    public ShmDriver(MemorySegment shm, Refclock clock, boolean consume) {
        if (shm.byteSize() < ShmTime.sizeof()) {
            throw new IllegalArgumentException("SHM segment is " + shm.byteSize() + " bytes, expected at least " + ShmTime.sizeof());
        }
        this.shm = shm;
        this.clock = clock;
        this.consume = consume;
    }

    /**
     * Reads the segment once. On {@link ShmReader.Status#OK} the sample went to the clock, whose verdict
     * {@link #lastVerdict()} tells.
     */
    public ShmReader.Status poll(long nowNs) {
        ShmReader.Status s = consume ? reader.read(shm, sample) : reader.peek(shm, sample);
        statusCounts[s.ordinal()]++;
        if (s == ShmReader.Status.OK) {
            lastVerdict = clock.addSample(nowNs, sample.receiveTimeNs, sample.clockTimeNs, sample.leap, 0);
        }
        return s;
    }

    /** The clock's verdict on the last sample read; null before the first. */
    public Refclock.Verdict lastVerdict() {
        return lastVerdict;
    }

    /** The last sample read (valid after {@link #poll} returned OK). */
    public ShmReader.Sample lastSample() {
        return sample;
    }

    public long statusCount(ShmReader.Status status) {
        return statusCounts[status.ordinal()];
    }
}
