package org.jntpd.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The packet path allocates nothing: classify a request, walk its extension fields and MAC, build a server reply
 * into a preallocated segment. Measured with the thread's allocation counter once the JIT has compiled the path
 * (the interpreter may allocate inside VarHandle plumbing; steady state must not).
 */
class WireAllocationTest {
    private static final int PACKETS = 100_000;

    private final NtpPacket request = new NtpPacket();
    private final NtpPacket reply = new NtpPacket();
    private final ExtensionFieldCursor cursor = new ExtensionFieldCursor();
    private final LegacyMac mac = new LegacyMac();
    private long sink;

    /** One packet: what a server does with a received request. Returns the reply length, or 0 to drop. */
    private int handle(MemorySegment in, int length, MemorySegment out, long nowNtp) {
        Malformation m = NtpPacketValidator.classify(in, 0, length);
        if (m != Malformation.OK) {
            return 0;
        }
        request.wrap(in, 0, length);
        cursor.wrap(in, 0, length);
        while (cursor.next()) {
            sink += cursor.type() + cursor.valueLength();
        }
        if (cursor.mac(mac)) {
            sink += mac.keyId();
        }
        reply.wrap(out, 0, NtpPacket.HEADER_LENGTH)
                .replyTo(request, NtpPacket.MODE_SERVER)
                .leap(NtpPacket.LEAP_NONE).stratum(2).precisionLog2(-24)
                .rootDelay(0x0000_0123).rootDispersion(0x0000_0456).refId(0xC0000201)
                .referenceTs(nowNtp - (16L << 32)).receiveTs(nowNtp).transmitTs(nowNtp + 1000);
        return NtpPacket.HEADER_LENGTH;
    }

    private long allocatedBytesOver(MemorySegment in, int length, MemorySegment out) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < PACKETS; i++) {
            sink += handle(in, length, out, 0xEEB1C19D_00000000L + i);
        }
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    private void assertNoAllocation(MemorySegment in, int length, MemorySegment out) {
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 10 && best > 0; round++) { // early rounds warm up the JIT
            best = Math.min(best, allocatedBytesOver(in, length, out));
        }
        assertTrue(best < 64, best + " bytes allocated for " + PACKETS + " packets");
    }

    @Test
    void shouldAllocateNothingPerPacketOnHeapSegments() {
        byte[] ntsRequest = Bytes.hex(GoldenCapture.text("/golden/auth/nts-pairs.txt").lines()
                .filter(l -> l.startsWith("request ")).findFirst().orElseThrow().substring(8).trim());
        MemorySegment in = MemorySegment.ofArray(ntsRequest);
        MemorySegment out = MemorySegment.ofArray(new byte[1024]);
        assertEquals(48, handle(in, ntsRequest.length, out, 1L));
        assertNoAllocation(in, ntsRequest.length, out);
    }

    @Test
    void shouldAllocateNothingPerPacketOnNativeSegments() {
        byte[] keyed = Bytes.hex("2300002000000000000000000000000000000000000000000000000000000000"
                + "0000000000000000c6062c7347d384fe000000036cd927d40d0d6f7c04f2c39b8832cdc0");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = Bytes.nativeCopy(arena, keyed);
            MemorySegment out = arena.allocate(1024);
            assertEquals(48, handle(in, keyed.length, out, 1L));
            assertEquals(3, mac.keyId());
            assertNoAllocation(in, keyed.length, out);
        }
    }
}
