package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct rtc_time (linux/rtc.h), the argument of RTC_RD_TIME / RTC_SET_TIME: 36 bytes.
 *
 * <pre>{@code
 * struct rtc_time {
 *     int tm_sec;
 *     int tm_min;
 *     int tm_hour;
 *     int tm_mday;
 *     int tm_mon;    // 0-based
 *     int tm_year;   // years since 1900
 *     int tm_wday;
 *     int tm_yday;
 *     int tm_isdst;
 * };
 * }</pre>
 */
public final class RtcTime {
    /** The C layout; named "rtc_time" as in the headers (struct rtc_time). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("tm_sec"),
            JAVA_INT.withName("tm_min"),
            JAVA_INT.withName("tm_hour"),
            JAVA_INT.withName("tm_mday"),
            JAVA_INT.withName("tm_mon"),
            JAVA_INT.withName("tm_year"),
            JAVA_INT.withName("tm_wday"),
            JAVA_INT.withName("tm_yday"),
            JAVA_INT.withName("tm_isdst"))
            .withName("rtc_time");

    public static final long TM_SEC_OFFSET = offset("tm_sec");
    public static final long TM_MIN_OFFSET = offset("tm_min");
    public static final long TM_HOUR_OFFSET = offset("tm_hour");
    public static final long TM_MDAY_OFFSET = offset("tm_mday");
    public static final long TM_MON_OFFSET = offset("tm_mon");
    public static final long TM_YEAR_OFFSET = offset("tm_year");
    public static final long TM_WDAY_OFFSET = offset("tm_wday");
    public static final long TM_YDAY_OFFSET = offset("tm_yday");
    public static final long TM_ISDST_OFFSET = offset("tm_isdst");

    private RtcTime() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    private static long offset(String field) {
        return offsetIn(LAYOUT, field);
    }

    public static int tm_sec(MemorySegment s) {
        return s.get(JAVA_INT, TM_SEC_OFFSET);
    }

    public static void tm_sec(MemorySegment s, int v) {
        s.set(JAVA_INT, TM_SEC_OFFSET, v);
    }

    public static int tm_min(MemorySegment s) {
        return s.get(JAVA_INT, TM_MIN_OFFSET);
    }

    public static void tm_min(MemorySegment s, int v) {
        s.set(JAVA_INT, TM_MIN_OFFSET, v);
    }

    public static int tm_hour(MemorySegment s) {
        return s.get(JAVA_INT, TM_HOUR_OFFSET);
    }

    public static void tm_hour(MemorySegment s, int v) {
        s.set(JAVA_INT, TM_HOUR_OFFSET, v);
    }

    public static int tm_mday(MemorySegment s) {
        return s.get(JAVA_INT, TM_MDAY_OFFSET);
    }

    public static void tm_mday(MemorySegment s, int v) {
        s.set(JAVA_INT, TM_MDAY_OFFSET, v);
    }

    public static int tm_mon(MemorySegment s) {
        return s.get(JAVA_INT, TM_MON_OFFSET);
    }

    public static void tm_mon(MemorySegment s, int v) {
        s.set(JAVA_INT, TM_MON_OFFSET, v);
    }

    public static int tm_year(MemorySegment s) {
        return s.get(JAVA_INT, TM_YEAR_OFFSET);
    }

    public static void tm_year(MemorySegment s, int v) {
        s.set(JAVA_INT, TM_YEAR_OFFSET, v);
    }

    public static int tm_wday(MemorySegment s) {
        return s.get(JAVA_INT, TM_WDAY_OFFSET);
    }

    public static void tm_wday(MemorySegment s, int v) {
        s.set(JAVA_INT, TM_WDAY_OFFSET, v);
    }

    public static int tm_yday(MemorySegment s) {
        return s.get(JAVA_INT, TM_YDAY_OFFSET);
    }

    public static void tm_yday(MemorySegment s, int v) {
        s.set(JAVA_INT, TM_YDAY_OFFSET, v);
    }

    public static int tm_isdst(MemorySegment s) {
        return s.get(JAVA_INT, TM_ISDST_OFFSET);
    }

    public static void tm_isdst(MemorySegment s, int v) {
        s.set(JAVA_INT, TM_ISDST_OFFSET, v);
    }
}
