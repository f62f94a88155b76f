package org.jntpd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InterleavedTableTest {
    @Test
    void shouldReturnTheSavedTransmitTimestampAndForgetItOnRemoval() {
        InterleavedTable t = new InterleavedTable(8);
        t.put(0xE000_0000_0000_0001L, 0xE000_0000_0100_0000L);
        assertEquals(0xE000_0000_0100_0000L, t.txFor(0xE000_0000_0000_0001L));
        assertEquals(0, t.txFor(0xE000_0000_0000_0003L));
        t.put(0xE000_0000_0000_0001L, 0xE000_0000_0100_0400L); // the kernel's later, better TX stamp
        assertEquals(0xE000_0000_0100_0400L, t.txFor(0xE000_0000_0000_0001L));
        t.remove(0xE000_0000_0000_0001L);
        assertEquals(0, t.txFor(0xE000_0000_0000_0001L));
    }

    @Test
    void shouldKeepRecentEntriesWithinAFixedSize() {
        InterleavedTable t = new InterleavedTable(6); // 64 entries
        long base = 0xE100_0000_0000_0001L;
        for (int i = 0; i < 10_000; i++) {
            t.put(base + ((long) i << 20), i + 1);
        }
        int recentHits = 0;
        for (int i = 10_000 - 16; i < 10_000; i++) {
            recentHits += t.txFor(base + ((long) i << 20)) == i + 1 ? 1 : 0;
        }
        assertTrue(recentHits >= 12, "the newest entries survive: " + recentHits + " of 16");
        assertEquals(0, t.txFor(base), "the oldest were replaced");
    }

    @Test
    void shouldNeverReturnATornPairUnderConcurrentWriters() throws InterruptedException {
        InterleavedTable t = new InterleavedTable(4); // tiny, so writers collide constantly
        AtomicLong torn = new AtomicLong();
        Runnable writer = () -> {
            for (long i = 1; i < 300_000; i++) {
                long rx = (i % 97) << 32 | 1;
                t.put(rx, rx * 3 + Thread.currentThread().threadId() % 2);
            }
        };
        Thread w1 = new Thread(writer);
        Thread w2 = new Thread(writer);
        w1.start();
        w2.start();
        long hits = 0;
        while (w1.isAlive() || w2.isAlive()) {
            for (long k = 0; k < 97; k++) {
                long rx = k << 32 | 1;
                long tx = t.txFor(rx);
                if (tx != 0) {
                    hits++;
                    if (tx != rx * 3 && tx != rx * 3 + 1) {
                        torn.incrementAndGet();
                    }
                }
            }
        }
        w1.join();
        w2.join();
        assertEquals(0, torn.get());
        assertTrue(hits > 0);
    }
}
