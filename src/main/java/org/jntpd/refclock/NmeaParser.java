package org.jntpd.refclock;

import static org.jntpd.time.Units.NS_PER_DAY;
import static org.jntpd.time.Units.NS_PER_S;

/**
 * Reads the time out of the NMEA sentences a GPS receiver sends once a second: RMC (time, status, date with a two-digit
 * year), ZDA (time, full date) and GGA (time and fix quality, no date), from any talker (GP, GN, GL, GA, BD ...).
 * Works on the assembler's buffer in place; allocation-free.
 *
 * <p>Dates: RMC's two-digit year is placed in 1980..2079 (GPS time began in 1980). GGA has no date: the day is the one
 * that puts the time of day nearest the system clock (ntpd's {@code kludge_day}), so the system clock must be right
 * to within 12 hours. A seconds field of 60 (a leap second) maps to the first second of the next minute, as Unix time
 * repeats it. A date before 1970 or after 2262 (ZDA has four-digit years) is MALFORMED: Unix ns cannot hold it.
 *
 * <p>Validity: RMC needs status {@code A} and, where the receiver sends the NMEA 2.3 mode field, a mode other than
 * {@code N}; GGA needs a fix quality other than 0; ZDA has no status and counts as valid.
 */
public final class NmeaParser {
    /** The sentence types this parser knows. */
    public enum Kind {
        RMC,
        GGA,
        ZDA,
        /** A well-formed sentence of another type. */
        OTHER,
        /** A known type whose time or date could not be read. */
        MALFORMED
    }

    private static final int MAX_FIELDS = 32;
    /** Last day (2262-04-10) whose times in Unix ns a long holds: a ZDA year beyond would wrap (fuzzing found it). */
    private static final long MAX_DAY = Long.MAX_VALUE / NS_PER_DAY - 1;

    private final int[] fieldStart = new int[MAX_FIELDS];
    private final int[] fieldEnd = new int[MAX_FIELDS];
    private int fields;
    private byte[] s;

    private long timeOfDayNs;
    private long referenceTimeNs;
    private boolean valid;
    private Kind kind;

    /**
     * Parses one checksum-verified sentence.
     *
     * @param sentence {@code $...*hh}, as {@link NmeaAssembler} delivers it
     * @param length   bytes of it
     * @param nowNs    system clock (Unix ns): gives GGA its date
     * @return the kind; for RMC, GGA and ZDA {@link #referenceTimeNs()} and {@link #valid()} are then set
     */
    public Kind parse(byte[] sentence, int length, long nowNs) {
        this.s = sentence;
        valid = false;
        split(length);
        kind = kindOf();
        if (kind == Kind.OTHER || kind == Kind.MALFORMED) {
            return kind; // a known type with too few fields was read by GGA's rules, and could come out valid
        }
        timeOfDayNs = parseTimeOfDay(1);
        if (timeOfDayNs < 0) {
            return kind = Kind.MALFORMED;
        }
        long day;
        switch (kind) {
            case RMC -> {
                day = rmcDay();
                valid = field(2) == 'A' && (fields <= 12 || fieldLength(12) == 0 || field(12) != 'N');
            }
            case ZDA -> {
                day = dayOf(number(4, 4), number(3, 2), number(2, 2));
                valid = true;
            }
            default -> { // GGA
                day = Math.floorDiv(nowNs - timeOfDayNs + NS_PER_DAY / 2, NS_PER_DAY);
                valid = fieldLength(6) == 1 && field(6) != '0';
            }
        }
        if (day < 0 || day > MAX_DAY) { // also Long.MIN_VALUE, a date that does not exist
            valid = false;
            return kind = Kind.MALFORMED;
        }
        referenceTimeNs = day * NS_PER_DAY + timeOfDayNs;
        return kind;
    }

    /** UTC of the sentence, Unix ns (valid after RMC, GGA or ZDA was returned). */
    public long referenceTimeNs() {
        return referenceTimeNs;
    }

    /** Whether the receiver vouches for the time (see the class comment). */
    public boolean valid() {
        return valid;
    }

    /** Time of day, ns after UTC midnight. */
    public long timeOfDayNs() {
        return timeOfDayNs;
    }

    public Kind kind() {
        return kind;
    }

    private void split(int length) {
        int end = length;
        for (int i = length - 1; i > 0; i--) {
            if (s[i] == '*') {
                end = i;
                break;
            }
        }
        fields = 0;
        int start = 1; // after '$'
        for (int i = 1; i <= end && fields < MAX_FIELDS; i++) {
            if (i == end || s[i] == ',') {
                fieldStart[fields] = start;
                fieldEnd[fields] = i;
                fields++;
                start = i + 1;
            }
        }
    }

    private Kind kindOf() {
        if (fields < 2 || fieldLength(0) != 5 || !upper(s[fieldStart[0]]) || !upper(s[fieldStart[0] + 1])) {
            return Kind.OTHER;
        }
        int p = fieldStart[0] + 2;
        if (is(p, 'R', 'M', 'C')) {
            return fields >= 10 ? Kind.RMC : Kind.MALFORMED;
        }
        if (is(p, 'G', 'G', 'A')) {
            return fields >= 7 ? Kind.GGA : Kind.MALFORMED;
        }
        if (is(p, 'Z', 'D', 'A')) {
            return fields >= 5 ? Kind.ZDA : Kind.MALFORMED;
        }
        return Kind.OTHER;
    }

    /** hhmmss[.f...] in field {@code f} as ns after midnight; -1 when malformed. */
    private long parseTimeOfDay(int f) {
        if (fieldLength(f) < 6) {
            return -1;
        }
        int hh = number(f, 0, 2);
        int mm = number(f, 2, 2);
        int ss = number(f, 4, 2);
        if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) {
            return -1;
        }
        long fraction = 0;
        int p = fieldStart[f] + 6;
        int end = fieldEnd[f];
        if (p < end) {
            if (s[p] != '.') {
                return -1;
            }
            long scale = NS_PER_S;
            for (p++; p < end; p++) {
                int d = s[p] - '0';
                if (d < 0 || d > 9) {
                    return -1;
                }
                scale /= 10;
                fraction += d * scale; // digits beyond ns add 0
            }
        }
        return ((hh * 60L + mm) * 60 + ss) * NS_PER_S + fraction;
    }

    private long rmcDay() {
        if (fieldLength(9) != 6) {
            return Long.MIN_VALUE;
        }
        int yy = number(9, 4, 2);
        if (yy < 0) {
            return Long.MIN_VALUE;
        }
        return dayOf(yy < 80 ? 2000 + yy : 1900 + yy, number(9, 2, 2), number(9, 0, 2));
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date; Long.MIN_VALUE when the date does not exist. */
    static long dayOf(int year, int month, int day) {
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
            return Long.MIN_VALUE;
        }
        // Howard Hinnant's days_from_civil.
        long y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }

    private static int daysInMonth(int year, int month) {
        return switch (month) {
            case 2 -> (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    private int fieldLength(int f) {
        return f < fields ? fieldEnd[f] - fieldStart[f] : 0;
    }

    private int field(int f) {
        return fieldLength(f) > 0 ? s[fieldStart[f]] : -1;
    }

    /** The whole field {@code f} as a number of exactly {@code digits} digits; -1 otherwise. */
    private int number(int f, int digits) {
        return fieldLength(f) == digits ? number(f, 0, digits) : -1;
    }

    /** {@code digits} decimal digits at {@code offset} in field {@code f}; -1 if any is not a digit. */
    private int number(int f, int offset, int digits) {
        if (offset + digits > fieldLength(f)) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < digits; i++) {
            int d = s[fieldStart[f] + offset + i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    private boolean is(int p, char a, char b, char c) {
        return s[p] == a && s[p + 1] == b && s[p + 2] == c;
    }

    private static boolean upper(byte b) {
        return b >= 'A' && b <= 'Z';
    }
}
