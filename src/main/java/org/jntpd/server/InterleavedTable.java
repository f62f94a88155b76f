package org.jntpd.server;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The server side of interleaved mode (RFC 9769, as chrony implements it): for recent replies, the receive timestamp
 * we sent (the key a client echoes back in its next request's origin field) and the transmit timestamp the kernel
 * reported after the reply left. Shared by all workers, because a client using a new source port per request may reach
 * any of them; lock-free and allocation-free.
 *
 * <p>Fixed size: a keyed hash of the RX timestamp picks a window of {@value #PROBE} slots; a new entry replaces the
 * oldest of the window (by the RX timestamp), so memory never grows. Each slot is {seq, rx, tx}: a writer takes the
 * slot by moving seq from even to odd with a CAS (another writer then skips it: losing an entry only costs one basic
 * reply), and readers retry nothing: they see a consistent pair or report a miss.
 */
public final class InterleavedTable {
    private static final int PROBE = 4;
    /** The smallest table: 16 replies. */
    public static final int MIN_CAPACITY_LOG2 = 4;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] slots; // 3 longs per slot
    private final int mask;

    /** @param capacityLog2 log2 of the number of remembered replies (16 = 65536 replies, 1.5 MiB) */
    public InterleavedTable(int capacityLog2) {
        if (capacityLog2 < MIN_CAPACITY_LOG2 || capacityLog2 > 24) {
            throw new IllegalArgumentException("interleaved table capacity 2^4..2^24");
        }
        slots = new long[3 << capacityLog2];
        mask = (1 << capacityLog2) - 1;
    }

    /** Number of remembered replies (fixed for the life of the table). */
    public int capacity() {
        return mask + 1;
    }

    private int window(long rxNtp64) {
        long h = rxNtp64 * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 40) & mask;
    }

    /** Remembers that the reply whose receive timestamp was {@code rxNtp64} left at {@code txNtp64}. */
    public void put(long rxNtp64, long txNtp64) {
        int base = window(rxNtp64);
        int victim = -1;
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < PROBE; i++) {
            int s = ((base + i) & mask) * 3;
            long rx = (long) LONGS.getAcquire(slots, s + 1);
            if (rx == rxNtp64 || rx == 0) {
                victim = s;
                break;
            }
            long age = rx - rxNtp64; // NTP timestamps compare modulo 2^64: the most negative is the oldest
            if (age < oldest) {
                oldest = age;
                victim = s;
            }
        }
        long seq = (long) LONGS.getAcquire(slots, victim);
        if ((seq & 1) != 0 || !LONGS.compareAndSet(slots, victim, seq, seq + 1)) {
            return; // another worker is writing this slot
        }
        LONGS.setOpaque(slots, victim + 1, rxNtp64);
        LONGS.setOpaque(slots, victim + 2, txNtp64);
        LONGS.setRelease(slots, victim, seq + 2);
    }

    /** The transmit timestamp saved for {@code rxNtp64}, or 0 when none is known. */
    public long txFor(long rxNtp64) {
        int base = window(rxNtp64);
        for (int i = 0; i < PROBE; i++) {
            int s = ((base + i) & mask) * 3;
            long seq = (long) LONGS.getAcquire(slots, s);
            long rx = (long) LONGS.getOpaque(slots, s + 1);
            if (rx != rxNtp64) {
                continue;
            }
            long tx = (long) LONGS.getOpaque(slots, s + 2);
            VarHandle.loadLoadFence();
            if ((seq & 1) == 0 && (long) LONGS.getAcquire(slots, s) == seq) {
                return tx;
            }
            return 0;
        }
        return 0;
    }

    /** Forgets the entry for {@code rxNtp64} (chrony does, once a reply interleaved with it: a replay gets nothing). */
    public void remove(long rxNtp64) {
        int base = window(rxNtp64);
        for (int i = 0; i < PROBE; i++) {
            int s = ((base + i) & mask) * 3;
            if ((long) LONGS.getAcquire(slots, s + 1) == rxNtp64) {
                long seq = (long) LONGS.getAcquire(slots, s);
                if ((seq & 1) == 0 && LONGS.compareAndSet(slots, s, seq, seq + 1)) {
                    if ((long) LONGS.getOpaque(slots, s + 1) == rxNtp64) {
                        LONGS.setOpaque(slots, s + 2, 0L);
                    }
                    LONGS.setRelease(slots, s, seq + 2);
                }
                return;
            }
        }
    }
}
