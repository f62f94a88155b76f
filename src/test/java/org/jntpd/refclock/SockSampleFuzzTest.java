package org.jntpd.refclock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;

/**
 * Fuzzes the SOCK refclock message decoder ({@link SockSample#decode}, chrony's {@code struct sock_sample}): any
 * datagram decodes or is refused by status, never throws, also when its claimed length exceeds the buffer; a decoded
 * sample's system time is exactly tv_sec s + tv_usec us (no overflow into a time that was not sent), its offset finite
 * and bounded; and re-encoded with {@link SockSample#encode} it decodes to the same sample. Seeds: samples as gpsd's
 * {@code chrony_send} writes them (full and pulse).
 */
class SockSampleFuzzTest {
    private static final BigInteger NS_PER_S = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger NS_PER_US = BigInteger.valueOf(1000L);
    private final SockSample sample = new SockSample();
    private final SockSample again = new SockSample();
    private final MemorySegment out = MemorySegment.ofArray(new long[(int) SockSample.sizeof() / Long.BYTES]);

    @FuzzTest
    void datagram(byte[] data) {
        MemorySegment d = MemorySegment.ofArray(data);
        if (data.length < SockSample.sizeof()) {
            assertEquals(SockSample.Status.BAD_SIZE, sample.decode(d, SockSample.sizeof()),
                    "a claimed length beyond the buffer is refused, not read");
        }
        SockSample.Status status = sample.decode(d, data.length);
        if (status != SockSample.Status.OK) {
            return;
        }
        assertEquals(SockSample.sizeof(), data.length);
        assertEquals(SockSample.MAGIC, d.get(ValueLayout.JAVA_INT_UNALIGNED, SockSample.MAGIC_OFFSET));
        long tvSec = d.get(ValueLayout.JAVA_LONG_UNALIGNED, SockSample.TV_SEC);
        long tvUsec = d.get(ValueLayout.JAVA_LONG_UNALIGNED, SockSample.TV_USEC);
        BigInteger exact = BigInteger.valueOf(tvSec).multiply(NS_PER_S).add(BigInteger.valueOf(tvUsec).multiply(NS_PER_US));
        assertEquals(exact, BigInteger.valueOf(sample.systemTimeNs()), "system time is tv_sec + tv_usec, not an overflow");
        double offset = sample.offsetSeconds();
        assertTrue(Double.isFinite(offset) && Math.abs(offset) <= 4.0e9, "offset " + offset);
        assertEquals(Math.round(offset * 1e9), sample.offsetNs());
        assertEquals(d.get(ValueLayout.JAVA_INT_UNALIGNED, SockSample.LEAP), sample.leap());

        SockSample.encode(out, tvSec, tvUsec, offset, sample.pulse(), sample.leap());
        assertEquals(SockSample.Status.OK, again.decode(out, SockSample.sizeof()));
        assertEquals(sample.systemTimeNs(), again.systemTimeNs());
        assertEquals(Double.doubleToRawLongBits(offset), Double.doubleToRawLongBits(again.offsetSeconds()));
        assertEquals(sample.pulse(), again.pulse());
        assertEquals(sample.leap(), again.leap());
    }
}
