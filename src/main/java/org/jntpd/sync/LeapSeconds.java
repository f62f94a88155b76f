package org.jntpd.sync;

import static org.jntpd.time.Units.NS_PER_S;
import static org.jntpd.time.Units.S_PER_DAY;

import java.util.Arrays;
import org.jntpd.wire.NtpPacket;

/**
 * Leap seconds known from a leap-second file (or configuration): "a leap second of +1 (insert) or -1 (delete)
 * ending at Unix second S", where S is the UTC midnight that follows the inserted 23:59:60 (or the deleted 23:59:59),
 * e.g. 1483228800 for the insertion at the end of 2016-12-31. Without an entry for a day, a leap announced by a
 * majority of the survivors is honoured on June 30 and December 31 only (RFC 5905 servers announce during the
 * whole month or day; ITU-R TF.460 prefers these two dates).
 */
public final class LeapSeconds {
    private long[] midnights = new long[0];
    private int[] signs = new int[0];

    /** Adds (or replaces) the leap second ending at Unix second {@code unixSecond} (a UTC midnight). */
    public void add(long unixSecond, int sign) {
        if (Math.floorMod(unixSecond, S_PER_DAY) != 0) {
            throw new IllegalArgumentException("a leap second ends at a UTC midnight (a multiple of 86400), got " + unixSecond);
        }
        if (sign != 1 && sign != -1) {
            throw new IllegalArgumentException("a leap second is +1 (insert) or -1 (delete), got " + sign);
        }
        int i = Arrays.binarySearch(midnights, unixSecond);
        if (i >= 0) {
            signs[i] = sign;
            return;
        }
        int at = -i - 1;
        midnights = insert(midnights, at, unixSecond);
        int[] s = new int[signs.length + 1];
        System.arraycopy(signs, 0, s, 0, at);
        s[at] = sign;
        System.arraycopy(signs, at, s, at + 1, signs.length - at);
        signs = s;
    }

    private static long[] insert(long[] a, int at, long v) {
        long[] r = new long[a.length + 1];
        System.arraycopy(a, 0, r, 0, at);
        r[at] = v;
        System.arraycopy(a, at, r, at + 1, a.length - at);
        return r;
    }

    /**
     * The leap (0, 1 insert, 2 delete, as the leap indicator) due at the end of the UTC day that contains
     * {@code unixNs}: from the table if it has that midnight, else {@code vote} on June 30 and December 31.
     */
    public int dueToday(long unixNs, int vote) {
        long dayStartS = Math.floorDiv(Math.floorDiv(unixNs, NS_PER_S), S_PER_DAY) * S_PER_DAY;
        int i = Arrays.binarySearch(midnights, dayStartS + S_PER_DAY);
        if (i >= 0) {
            return signs[i] > 0 ? NtpPacket.LEAP_ADD_SECOND : NtpPacket.LEAP_DELETE_SECOND;
        }
        return vote != NtpPacket.LEAP_NONE && isJuneOrDecemberEnd(dayStartS / S_PER_DAY) ? vote : NtpPacket.LEAP_NONE;
    }

    /**
     * The leap second of the table nearest to Unix second {@code unixS} within {@code withinS} either side: its
     * midnight (Unix s), or {@link Long#MIN_VALUE} when there is none; {@link #signAt(long)} gives its sign.
     */
    public long nearestS(long unixS, long withinS) {
        long best = Long.MIN_VALUE;
        for (long m : midnights) {
            if (Math.abs(m - unixS) <= withinS && (best == Long.MIN_VALUE || Math.abs(m - unixS) < Math.abs(best - unixS))) {
                best = m;
            }
        }
        return best;
    }

    /** The sign (+1 insert, -1 delete) of the table's leap second ending at {@code midnightS}; 0 when none. */
    public int signAt(long midnightS) {
        int i = Arrays.binarySearch(midnights, midnightS);
        return i >= 0 ? signs[i] : 0;
    }

    /** Whether day number {@code epochDay} (days since 1970-01-01) is June 30 or December 31. */
    static boolean isJuneOrDecemberEnd(long epochDay) {
        // Civil date from day number (H. Hinnant's algorithm), without allocating.
        long z = epochDay + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        long day = doy - (153 * mp + 2) / 5 + 1;
        long month = mp < 10 ? mp + 3 : mp - 9;
        return month == 6 && day == 30 || month == 12 && day == 31;
    }
}
