package org.jntpd.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.jntpd.auth.KeyFile.Dialect;
import org.junit.jupiter.api.Test;

/**
 * The symmetric-key server path (verify a request's MAC, sign the reply with the client's key and digest length)
 * allocates nothing: the bytes this thread allocated over 100,000 golden requests after warm-up must be 0. The
 * requests (chronyd's MD5, SHA1, AES128 and NTPv3 SHA256 ones) sit in native memory, as received packets do.
 */
class MacEngineAllocationTest {
    @Test
    void shouldVerifyAndSignWithoutAllocating() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        MacEngine engine = new MacEngine(KeyFile.parse("chrony.keys", Golden.lines(getClass(), "chrony.keys"),
                Dialect.CHRONY).keys(), null);
        List<MemorySegment> requests = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        Arena arena = Arena.ofConfined();
        for (Golden.Packet p : Golden.capture(getClass(), "sym-chrony-client-to-chrony-server.hex")) {
            if (p.to().endsWith(":38124")) {
                MemorySegment s = arena.allocate(p.bytes().length);
                MemorySegment.copy(p.bytes(), 0, s, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, p.bytes().length);
                requests.add(s);
                lengths.add(p.bytes().length);
            }
        }
        MemorySegment[] rx = requests.toArray(MemorySegment[]::new);
        int[] len = lengths.stream().mapToInt(Integer::intValue).toArray();
        MemorySegment tx = arena.allocate(256);
        long ok = 0;
        for (int i = 0; i < 300_000; i++) {
            ok += serve(engine, rx[i % rx.length], len[i % rx.length], tx);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            ok += serve(engine, rx[i % rx.length], len[i % rx.length], tx);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(400_000, ok, "every request verified and answered");
        assertEquals(0, allocated, "bytes allocated over 100,000 verify+sign");
        arena.close();
    }

    private static int serve(MacEngine engine, MemorySegment rx, int length, MemorySegment tx) {
        if (engine.verify(rx, 0, length) != MacEngine.OK) {
            return 0;
        }
        MemorySegment.copy(rx, 0, tx, 0, 48); // stands in for the reply header
        return engine.signLikeRequest(tx, 0, 48) == length ? 1 : 0;
    }
}
