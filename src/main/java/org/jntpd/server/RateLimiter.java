package org.jntpd.server;

import org.jntpd.time.Units;

/**
 * Per-client rate limiting in bounded memory, chrony's {@code ratelimit interval I burst B leak L} meaning: on average
 * one reply per 2^I s per client, bursts of up to B, and one in 2^L limited requests answered anyway so a spoofed
 * flood cannot silence a real client completely.
 *
 * <p>Each client is one slot of a fixed open-addressed table (no growth, no allocation): a keyed hash of the address
 * picks a window of {@value #PROBE} slots; a newcomer that finds the window full takes the slot idle the longest. A flood
 * from many sources therefore recycles slots but never grows memory. The bucket is a GCRA: one "theoretical arrival
 * time" per client. IPv6 clients are keyed by their /64, the unit an attacker controls. Not thread-safe: one per worker
 * (SO_REUSEPORT sends a client's packets to the same worker).
 *
 * <p>The table is also the server's list of recent clients (ntpd's MRU list, {@code ntpq -c mrulist}): each slot keeps
 * the address and port of its last request, mode and version, the first and last arrival and the count of requests
 * and of those limited, and the kiss-o'-death replies it was sent. {@link #forEachClient} reads it from another thread
 * without stopping the worker (jntpc clients, ntpq mrulist).
 */
public final class RateLimiter {
    /** Answer normally. */
    public static final int ALLOW = 0;
    /** Drop silently. */
    public static final int DROP = 1;
    /** Answer with a kiss-o'-death RATE. */
    public static final int KOD = 2;

    private static final int PROBE = 8;

    // One cache line per client (8 longs at slot << 3), so a check touches one line: the bucket and the client list.
    private static final int STRIDE_LOG2 = 3;
    // keyed hash of the address in the high 48 bits (0: empty); bits 6..15 the KoD replies sent (saturating); bits 0..5
    // the last request's mode/version
    private static final int KEY = 0;
    private static final int TAT = 1;
    private static final int NEXT_KOD = 2;
    private static final int HI = 3; // the client list (written by check, read racily by forEachClient)
    private static final int LO = 4;
    private static final int FIRST = 5;
    private static final int LAST = 6;
    private static final int COUNTS = 7; // requests (32 bits) << 32 | limited (16, saturating) << 16 | port
    private static final long MODE_VERSION_MASK = 0x3F;
    private static final int KOD_SHIFT = 6;
    private static final long KOD_MASK = 0x3FFL << KOD_SHIFT;
    private static final long HASH_MASK = ~0xFFFFL;

    private final long[] slots;
    private final int mask;
    private final long intervalNs;
    private final long burstWindowNs;
    private final int leakMask;
    private final long hashSeed;
    private long rnd;

    /**
     * @param capacityLog2 log2 of the number of client slots (16 = 65536 slots of 64 bytes, 4 MiB)
     * @param intervalLog2 log2 of the average interval between replies to one client, in seconds (-19..12)
     * @param burst        replies allowed back to back
     * @param leakLog2     1 in 2^leakLog2 limited requests is answered anyway (1..4)
     * @param seed         secret for the slot hash (so an attacker cannot aim at one window) and the leak draws
     */
    public RateLimiter(int capacityLog2, int intervalLog2, int burst, int leakLog2, long seed) {
        if (capacityLog2 < 4 || capacityLog2 > 24 || burst < 1 || leakLog2 < 1 || leakLog2 > 4
                || intervalLog2 < -19 || intervalLog2 > 12) {
            throw new IllegalArgumentException("rate limiter: capacity 2^4..2^24, burst >= 1, leak 1..4, interval -19..12");
        }
        int capacity = 1 << capacityLog2;
        slots = new long[capacity << STRIDE_LOG2];
        mask = capacity - 1;
        intervalNs = Units.log2ToNs(intervalLog2);
        burstWindowNs = (burst - 1) * intervalNs;
        leakMask = (1 << leakLog2) - 1;
        hashSeed = seed | 1;
        rnd = seed ^ 0x9E37_79B9_7F4A_7C15L;
    }

    /**
     * Decides for one request from (hi, lo) at {@code nowNs} (any monotonic nanosecond clock).
     *
     * @param kodAllowed whether the client's restrict flags allow a KoD reply instead of silence
     * @return {@link #ALLOW}, {@link #DROP} or {@link #KOD}
     */
    public int check(long hi, long lo, long nowNs, boolean kodAllowed) {
        return check(hi, lo, 0, 0, nowNs, kodAllowed);
    }

    /**
     * As {@link #check(long, long, long, boolean)}, noting the request in the client list: from {@code port}, with
     * {@code modeVersion} (the header's low six bits: version << 3 | mode).
     */
    public int check(long hi, long lo, int port, int modeVersion, long nowNs, boolean kodAllowed) {
        boolean v4 = ClientAddress.isMappedIpv4(hi, lo);
        long key = mix(hi, v4 ? lo : 0);
        int b = slotFor(key, nowNs) << STRIDE_LOG2;
        long[] t = slots;
        t[b + KEY] = key | (t[b + KEY] & KOD_MASK) | (modeVersion & MODE_VERSION_MASK);
        t[b + HI] = hi;
        t[b + LO] = lo;
        long counts = t[b + COUNTS];
        counts = ((counts >>> 32) + 1 == 1L << 32 ? counts : counts + (1L << 32)) & ~0xFFFFL | (port & 0xFFFF);
        t[b + LAST] = nowNs; // before the counts: forEachClient checks neither changed while it read the slot
        long tat = t[b + TAT];
        if (tat - nowNs < 0) {
            tat = nowNs;
        }
        if (tat - nowNs <= burstWindowNs) {
            t[b + COUNTS] = counts;
            t[b + TAT] = tat + intervalNs;
            return ALLOW;
        }
        if ((nextRandom() & leakMask) == 0) {
            t[b + COUNTS] = counts;
            return ALLOW; // the leak: keeps a spoofed flood from silencing the real client
        }
        if ((counts >>> 16 & 0xFFFF) != 0xFFFF) {
            counts += 1L << 16;
        }
        t[b + COUNTS] = counts;
        if (kodAllowed && t[b + NEXT_KOD] - nowNs <= 0) {
            t[b + NEXT_KOD] = nowNs + intervalNs; // at most one KoD per interval per client
            if ((t[b + KEY] & KOD_MASK) != KOD_MASK) {
                t[b + KEY] += 1L << KOD_SHIFT;
            }
            return KOD;
        }
        return DROP;
    }

    /** One client of the list, as {@link #forEachClient} gives it. */
    @FunctionalInterface
    public interface ClientVisitor {
        /**
         * @param hi, lo      the address ({@link ClientAddress} form) and {@code port} of the last request
         * @param modeVersion version << 3 | mode of the last request (0 when not noted)
         * @param firstNs     the first request's arrival, {@code lastNs} the last one's (the limiter's monotonic clock)
         * @param count       requests seen, {@code limited} how many of them were limited (dropped or KoD; counted to
         *                    65535), {@code kod} how many of those were answered with a kiss-o'-death RATE (to 1023)
         */
        void client(long hi, long lo, int port, int modeVersion, long firstNs, long lastNs, long count, long limited,
                long kod);
    }

    /**
     * Visits every client in the table (any thread; for mode 6 and jntpc, not the packet path). The worker keeps
     * writing, with plain stores in no guaranteed order, while this reads: a slot whose key, last arrival or counts
     * change during its read is skipped (it was just seen, so it is the newest anyway), and so is one whose address
     * does not hash to its key (a slot taken over by a newcomer, read half old and half new). What is given is one
     * client's, its times and counts each as they were at one moment of the read. Returns the number visited.
     */
    public int forEachClient(ClientVisitor visitor) {
        long[] t = slots;
        int n = 0;
        for (int b = 0; b < t.length; b += 1 << STRIDE_LOG2) {
            long key = t[b + KEY];
            long last = t[b + LAST];
            long counts = t[b + COUNTS];
            if (key == 0 || counts >>> 32 == 0) {
                continue;
            }
            long hi = t[b + HI];
            long lo = t[b + LO];
            long first = t[b + FIRST];
            java.lang.invoke.VarHandle.acquireFence(); // the reads above before the re-reads below
            if (t[b + KEY] != key || t[b + LAST] != last || t[b + COUNTS] != counts
                    || mix(hi, ClientAddress.isMappedIpv4(hi, lo) ? lo : 0) != (key & HASH_MASK)) {
                continue;
            }
            visitor.client(hi, lo, (int) (counts & 0xFFFF), (int) (key & MODE_VERSION_MASK), first, last,
                    counts >>> 32, counts >>> 16 & 0xFFFF, (key & KOD_MASK) >>> KOD_SHIFT);
            n++;
        }
        return n;
    }

    private int slotFor(long key, long nowNs) {
        long[] t = slots;
        int base = (int) (key >>> 32) & mask;
        int victim = base;
        long victimAge = Long.MIN_VALUE;
        for (int i = 0; i < PROBE; i++) {
            int s = (base + i) & mask;
            long k = t[(s << STRIDE_LOG2) + KEY] & HASH_MASK;
            if (k == key) {
                return s;
            }
            if (k == 0) {
                return claim(s, key, nowNs);
            }
            long age = nowNs - t[(s << STRIDE_LOG2) + TAT]; // idle the longest = the oldest theoretical arrival time
            if (age > victimAge) {
                victimAge = age;
                victim = s;
            }
        }
        return claim(victim, key, nowNs);
    }

    private int claim(int s, long key, long nowNs) {
        int b = s << STRIDE_LOG2;
        slots[b + KEY] = key;
        slots[b + TAT] = nowNs;
        slots[b + NEXT_KOD] = nowNs;
        slots[b + FIRST] = nowNs;
        slots[b + COUNTS] = 0;
        return s;
    }

    private long mix(long hi, long lo) {
        long h = (hi * 0xC2B2_AE3D_27D4_EB4FL) ^ lo ^ hashSeed;
        h = (h ^ (h >>> 33)) * 0xFF51_AFD7_ED55_8CCDL;
        h = (h ^ (h >>> 33)) * 0xC4CE_B9FE_1A85_EC53L;
        h ^= h >>> 33;
        h &= HASH_MASK; // the low bits of a slot's key word hold the KoD count and the mode/version
        return h == 0 ? 1L << 16 : h; // 0 marks an empty slot
    }

    private long nextRandom() {
        rnd ^= rnd << 13;
        rnd ^= rnd >>> 7;
        rnd ^= rnd << 17;
        return rnd;
    }

    /** Number of slots (fixed for the life of the table). */
    public int capacity() {
        return slots.length >> STRIDE_LOG2;
    }

    /** Slots in use, for diagnostics (walks the table; not for the packet path). */
    public int occupied() {
        int n = 0;
        for (int b = 0; b < slots.length; b += 1 << STRIDE_LOG2) {
            if (slots[b + KEY] != 0) {
                n++;
            }
        }
        return n;
    }
}
