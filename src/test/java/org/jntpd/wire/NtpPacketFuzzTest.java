package org.jntpd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.jntpd.config.ConfigParser;
import org.jntpd.server.AccessControl;
import org.jntpd.server.ClientAddress;
import org.jntpd.server.InterleavedTable;
import org.jntpd.server.Responder;
import org.jntpd.server.ServerCounters;
import org.jntpd.server.ServerState;
import org.jntpd.time.NtpShort;
import org.jntpd.time.NtpTimestamp;

/**
 * Fuzzes the NTP header parse: {@link NtpPacketValidator#classify}, the {@link NtpPacket} flyweight (its
 * getters and setters round-trip every field to the same bytes), and the server's {@link Responder} on the same bytes (never
 * throws, never answers with more bytes than it was sent, answers only well-formed requests with a well-formed reply).
 * Seeds: requests and replies of chronyd, NTPsec and ntpdig (src/test/resources/golden, ../shared/golden).
 */
class NtpPacketFuzzTest {
    private static final long T0 = 1_795_000_000_000_000_000L;
    private static final ServerState STATE = new ServerState(0, 2, -24, NtpShort.fromNs(1_500_000), 2_000_000, 15.0,
            0xC0000263, NtpTimestamp.fromUnixNs(T0 - 10_000_000_000L), T0 - 10_000_000_000L);
    private static final Responder RESPONDER = responder();
    private static final MemorySegment TX = MemorySegment.ofArray(new byte[2048]);

    private static Responder responder() {
        try {
            AccessControl ac = AccessControl.compile(ConfigParser.parse("fuzz", "", null).restrictions());
            return new Responder(ac, null, false, new InterleavedTable(8), new ServerCounters());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest
    void packet(byte[] data) {
        MemorySegment rx = MemorySegment.ofArray(data); // exactly the packet: a read past its end throws
        Malformation m = NtpPacketValidator.classify(rx, 0, data.length);
        byte[] shifted = new byte[data.length + 3];
        System.arraycopy(data, 0, shifted, 3, data.length);
        assertEquals(m, NtpPacketValidator.classify(MemorySegment.ofArray(shifted), 3, data.length),
                "the verdict does not depend on where the packet sits");
        if (m == Malformation.OK) {
            headerRoundTrip(rx, data);
        }

        int verdict = RESPONDER.respond(rx, 0, data.length, 0, ClientAddress.mappedLo(0xC000_0201), 40000, T0, STATE, TX, 0);
        switch (verdict) {
            case Responder.NONE -> assertEquals(0, RESPONDER.replyLength);
            case Responder.CONTROL -> assertEquals(Malformation.CONTROL, m);
            case Responder.REPLY -> {
                assertEquals(Malformation.OK, m, "only a well-formed request is answered");
                int n = RESPONDER.replyLength;
                assertTrue(n >= NtpPacket.HEADER_LENGTH && n <= data.length, "no amplification: " + n + " for " + data.length);
                assertEquals(Malformation.OK, NtpPacketValidator.classify(TX, 0, n), "the reply is well-formed");
                NtpPacket reply = new NtpPacket().wrap(TX, 0, n);
                assertTrue(reply.mode() == NtpPacket.MODE_SERVER || reply.mode() == NtpPacket.MODE_SYMMETRIC_PASSIVE);
                assertEquals(new NtpPacket().wrap(rx, 0, data.length).version(), reply.version());
            }
            default -> throw new AssertionError("unknown verdict " + verdict);
        }
    }

    private static void headerRoundTrip(MemorySegment rx, byte[] data) {
        NtpPacket p = new NtpPacket().wrap(rx, 0, data.length);
        assertTrue(p.version() >= 1 && p.version() <= 4);
        assertTrue(p.effectiveMode() >= 1 && p.effectiveMode() <= 5,
                "an OK packet is of mode 1-5 (NTPv1's 0 reads as 3): " + p.effectiveMode());
        // Every field read through the flyweight and written through its setters into a fresh header: the same bytes.
        MemorySegment out = MemorySegment.ofArray(new byte[NtpPacket.HEADER_LENGTH]);
        NtpPacket q = new NtpPacket().wrap(out, 0, NtpPacket.HEADER_LENGTH).leapVersionMode(p.leap(), p.version(), p.mode())
                .stratum(p.stratum()).pollLog2(p.pollLog2()).precisionLog2(p.precisionLog2()).rootDelay(p.rootDelay())
                .rootDispersion(p.rootDispersion()).refId(p.refId()).referenceTs(p.referenceTs()).originTs(p.originTs())
                .receiveTs(p.receiveTs()).transmitTs(p.transmitTs());
        assertEquals(fields(p), fields(q), "read, write, read agree");
        assertArrayEquals(Arrays.copyOf(data, NtpPacket.HEADER_LENGTH), out.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        assertEquals(Malformation.OK, NtpPacketValidator.classify(out, 0, NtpPacket.HEADER_LENGTH));
    }

    private static String fields(NtpPacket h) {
        return h.leap() + " " + h.version() + " " + h.mode() + " " + h.stratum() + " " + h.pollLog2() + " "
                + h.precisionLog2() + " " + h.rootDelay() + " " + h.rootDispersion() + " " + h.refId() + " "
                + h.referenceTs() + " " + h.originTs() + " " + h.receiveTs() + " " + h.transmitTs();
    }
}
