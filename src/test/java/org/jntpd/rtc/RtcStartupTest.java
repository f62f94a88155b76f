package org.jntpd.rtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jntpd.rtc.RtcStartup.Decision;
import org.junit.jupiter.api.Test;

class RtcStartupTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final long T0 = 1_700_000_000L * S;

    @Test
    void shouldSetTheClockFromTheRtcCorrectedForItsMeasuredDrift() {
        // The file: a week ago the RTC was 0.2 s ahead, gaining 10 ppm: now it is 0.2 + 6.048 s ahead.
        long week = 7 * 86_400L;
        RtcCoefficients file = new RtcCoefficients(true, T0 / S - week, 0.2, 10.0);
        long rtcReading = T0 + 500 * MS; // seconds read at an unknown point of the RTC's second: + 0.5 s
        Decision d = RtcStartup.decide(rtcReading, T0 - 3_600 * S, file, Long.MIN_VALUE, Long.MAX_VALUE);
        assertTrue(d.step());
        long trueNow = rtcReading - 200 * MS - 6_048 * MS;
        assertEquals(trueNow, d.rtcTimeNs());
        assertEquals(trueNow - (T0 - 3_600 * S), d.stepNs());
        assertTrue(d.reason().startsWith("system clock set from the RTC corrected by 6.248000 s of drift"), d.reason());
    }

    @Test
    void shouldLeaveTheClockAloneWhenTheRtcIsCloseOrUnbelievable() {
        Decision close = RtcStartup.decide(T0 + 500 * MS, T0 + 100 * MS, null, Long.MIN_VALUE, Long.MAX_VALUE);
        assertFalse(close.step(), "0.4 s off: slewed later, not stepped");
        assertTrue(close.reason().contains("within 1 s"), close.reason());

        long driftFileWritten = T0 + 86_400 * S;
        Decision flat = RtcStartup.decide(946_684_800L * S, T0, null, driftFileWritten, Long.MAX_VALUE);
        assertFalse(flat.step(), "an RTC reading 2000-01-01 after a flat battery");
        assertTrue(flat.reason().contains("before the last drift file update"), flat.reason());

        Decision back = RtcStartup.decide(T0 - 600 * S, T0, null, Long.MIN_VALUE, 60 * S);
        assertFalse(back.step());
        assertEquals("uncorrected RTC is 600 s behind the system clock, more than the 60 s it may be stepped back",
                back.reason());
        assertTrue(RtcStartup.decide(T0 - 30 * S, T0, null, Long.MIN_VALUE, 60 * S).step(), "30 s back is allowed");
        assertTrue(RtcStartup.decide(T0 + 600 * S, T0, null, Long.MIN_VALUE, 60 * S).step(), "forward is always fine");
    }

    @Test
    void shouldIgnoreCoefficientsChronyMarkedInvalid() {
        Decision d = RtcStartup.decide(T0, T0 - 10 * S, new RtcCoefficients(false, 0, 5.0, 100), Long.MIN_VALUE,
                Long.MAX_VALUE);
        assertEquals(10 * S, d.stepNs());
    }

    @Test
    void shouldComputeTheFineCorrectionOnceTheRtcIsMeasured() {
        RtcCoefficients file = new RtcCoefficients(true, T0 / S - 86_400, 0.1, -5.0); // predicts 0.1 - 0.432 s now
        RtcCoefficients measured = new RtcCoefficients(true, T0 / S, -0.2, 0); // RTC measured 0.2 s behind the system
        // True lead -0.332 s, measured -0.2 s: the system clock is 0.132 s behind truth.
        assertEquals(-200 * MS - (100 * MS - 432 * MS), RtcStartup.fineCorrectionNs(measured, file));
        assertEquals(132 * MS, RtcStartup.fineCorrectionNs(measured, file));
    }
}
