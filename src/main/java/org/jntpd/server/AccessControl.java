package org.jntpd.server;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.jntpd.config.RestrictRule;
import org.jntpd.config.RestrictFlag;

/**
 * The ntp.conf {@code restrict} list compiled for the packet path: the most specific matching rule (longest prefix;
 * an {@code ntpport} rule before a plain one of the same prefix) gives the flags, as ntpd does. Rules for the same
 * address and prefix merge their flags; {@code unrestrict} clears flags (or the whole rule when it names none).
 *
 * <p>Safe defaults: a family with no {@code restrict default} gets {@code noquery nomodify} (time for everybody, no
 * mode 6 for strangers), and the loopback addresses get {@code nomodify} unless a rule names them, so a local ntpq works.
 * Lookups allocate nothing; the rule list is immutable once built and may be shared by every worker.
 */
public final class AccessControl {
    /** Bit masks of {@link RestrictFlag} ordinals, for the packet path. */
    public static final int IGNORE = bit(RestrictFlag.IGNORE);
    public static final int NOQUERY = bit(RestrictFlag.NOQUERY);
    public static final int NOMODIFY = bit(RestrictFlag.NOMODIFY);
    public static final int NOSERVE = bit(RestrictFlag.NOSERVE);
    public static final int LIMITED = bit(RestrictFlag.LIMITED);
    public static final int KOD = bit(RestrictFlag.KOD);
    public static final int NOPEER = bit(RestrictFlag.NOPEER);
    public static final int NOMRULIST = bit(RestrictFlag.NOMRULIST);
    public static final int NOTRUST = bit(RestrictFlag.NOTRUST);
    public static final int VERSION = bit(RestrictFlag.VERSION);

    private static final int NTP_PORT = 123;
    private static final Set<RestrictFlag> DEFAULT_FLAGS = EnumSet.of(RestrictFlag.NOQUERY, RestrictFlag.NOMODIFY);
    private static final Set<RestrictFlag> LOOPBACK_FLAGS = EnumSet.of(RestrictFlag.NOMODIFY);

    private final long[] netHi;
    private final long[] netLo;
    private final long[] maskHi;
    private final long[] maskLo;
    private final int[] flags;
    private final boolean[] ntpPortOnly;

    private AccessControl(List<Entry> entries) {
        int n = entries.size();
        netHi = new long[n];
        netLo = new long[n];
        maskHi = new long[n];
        maskLo = new long[n];
        flags = new int[n];
        ntpPortOnly = new boolean[n];
        for (int i = 0; i < n; i++) {
            Entry e = entries.get(i);
            maskHi[i] = maskHalf(e.prefix128, 0);
            maskLo[i] = maskHalf(e.prefix128, 64);
            netHi[i] = e.hi & maskHi[i];
            netLo[i] = e.lo & maskLo[i];
            flags[i] = e.flags;
            ntpPortOnly[i] = e.ntpPort;
        }
    }

    private static int bit(RestrictFlag f) {
        return 1 << f.ordinal();
    }

    private static long maskHalf(int prefix128, int start) {
        int bits = Math.clamp(prefix128 - start, 0, 64);
        return bits == 0 ? 0L : -1L << (64 - bits);
    }

    /** Compiles a configuration's restrict lines (in file order) with the safe defaults described above. */
    public static AccessControl compile(List<RestrictRule> rules) {
        List<Entry> entries = new ArrayList<>();
        long[] addr = new long[2];
        for (RestrictRule r : rules) {
            boolean ntpPort = r.flags().contains(RestrictFlag.NTPPORT);
            long hi;
            long lo;
            int prefix128;
            if (r.isDefault()) {
                hi = 0;
                lo = r.family() == 4 ? ClientAddress.mappedLo(0) : 0;
                prefix128 = r.family() == 4 ? 96 : 0;
            } else {
                ClientAddress.fromBytes(r.address(), addr);
                hi = addr[0];
                lo = addr[1];
                prefix128 = r.family() == 4 ? 96 + r.prefixLen() : r.prefixLen();
            }
            Entry existing = find(entries, hi, lo, prefix128, ntpPort);
            int f = toBits(r.flags());
            if (r.remove()) {
                if (existing != null) {
                    if (r.flags().isEmpty() || (r.flags().size() == 1 && ntpPort)) {
                        entries.remove(existing);
                    } else {
                        existing.flags &= ~f;
                    }
                }
            } else if (existing != null) {
                existing.flags |= f;
            } else {
                entries.add(new Entry(hi, lo, prefix128, f, ntpPort));
            }
        }
        if (find(entries, 0, ClientAddress.mappedLo(0), 96, false) == null) {
            entries.add(new Entry(0, ClientAddress.mappedLo(0), 96, toBits(DEFAULT_FLAGS), false));
        }
        if (find(entries, 0, 0, 0, false) == null) {
            entries.add(new Entry(0, 0, 0, toBits(DEFAULT_FLAGS), false));
        }
        if (find(entries, 0, ClientAddress.mappedLo(0x7F00_0001), 128, false) == null) {
            entries.add(new Entry(0, ClientAddress.mappedLo(0x7F00_0001), 128, toBits(LOOPBACK_FLAGS), false));
        }
        if (find(entries, 0, 1, 128, false) == null) {
            entries.add(new Entry(0, 1, 128, toBits(LOOPBACK_FLAGS), false));
        }
        // Most specific first; at equal prefix the ntpport-qualified rule is the more specific one.
        entries.sort(Comparator.comparingInt((Entry e) -> -e.prefix128).thenComparing(e -> !e.ntpPort));
        return new AccessControl(entries);
    }

    private static Entry find(List<Entry> entries, long hi, long lo, int prefix128, boolean ntpPort) {
        long mh = maskHalf(prefix128, 0);
        long ml = maskHalf(prefix128, 64);
        for (Entry e : entries) {
            if (e.prefix128 == prefix128 && e.ntpPort == ntpPort && (e.hi & mh) == (hi & mh) && (e.lo & ml) == (lo & ml)) {
                return e;
            }
        }
        return null;
    }

    private static int toBits(Set<RestrictFlag> set) {
        int f = 0;
        for (RestrictFlag x : set) {
            if (x != RestrictFlag.NTPPORT) {
                f |= bit(x);
            }
        }
        return f;
    }

    /** The flags for a client (address in the two-long form, source port); the default rule always matches. */
    public int flags(long hi, long lo, int srcPort) {
        for (int i = 0; i < flags.length; i++) {
            if ((hi & maskHi[i]) == netHi[i] && (lo & maskLo[i]) == netLo[i] && (!ntpPortOnly[i] || srcPort == NTP_PORT)) {
                return flags[i];
            }
        }
        return 0; // unreachable: the ::/0 default rule matches everything
    }

    /** Number of compiled rules, defaults included. */
    public int size() {
        return flags.length;
    }

    private static final class Entry {
        final long hi;
        final long lo;
        final int prefix128;
        final boolean ntpPort;
        int flags;

        Entry(long hi, long lo, int prefix128, int flags, boolean ntpPort) {
            this.hi = hi;
            this.lo = lo;
            this.prefix128 = prefix128;
            this.flags = flags;
            this.ntpPort = ntpPort;
        }
    }
}
