package org.jntpd.nts.ke;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/** What the NTS-KE server did with each connection, one counter per outcome (read by monitoring). */
public final class KeCounters {
    public enum Counter {
        ACCEPTED,
        SERVED,
        REFUSED_BUSY,
        REFUSED_ADDRESS_LIMIT,
        WRONG_ALPN,
        NO_ALPN,
        TLS_VERSION,
        TLS_HANDSHAKE_FAILED,
        TIMED_OUT,
        TRUNCATED,
        OVERSIZED,
        MALFORMED,
        BAD_REQUEST,
        UNRECOGNIZED_CRITICAL,
        NO_COMMON_PROTOCOL,
        NO_COMMON_AEAD,
        NO_SERVER_KEY,
        /** No usable certificate loaded (missing, expired, not yet valid, or not matching its key). */
        NO_CERTIFICATE,
        IO_ERROR
    }

    private static final Counter[] COUNTERS = Counter.values();
    private final AtomicLongArray values = new AtomicLongArray(COUNTERS.length);

    public void increment(Counter c) {
        values.incrementAndGet(c.ordinal());
    }

    public long get(Counter c) {
        return values.get(c.ordinal());
    }

    public Map<Counter, Long> snapshot() {
        Map<Counter, Long> out = new EnumMap<>(Counter.class);
        for (Counter c : COUNTERS) {
            out.put(c, values.get(c.ordinal()));
        }
        return out;
    }
}
