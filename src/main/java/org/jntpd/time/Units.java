package org.jntpd.time;

/** The time units every package counts in, defined once; times in the core are {@code long} nanoseconds. */
public final class Units {
    public static final long NS_PER_US = 1_000L;
    public static final long NS_PER_MS = 1_000_000L;
    public static final long NS_PER_S = 1_000_000_000L;
    public static final long S_PER_DAY = 86_400L;
    public static final long NS_PER_DAY = S_PER_DAY * NS_PER_S;

    private Units() {}

    /** 2^{@code log2S} seconds in ns (a poll interval, a rate limit's interval), exact down to 2^-29 s. */
    public static long log2ToNs(int log2S) {
        return log2S >= 0 ? NS_PER_S << log2S : NS_PER_S >> -log2S;
    }
}
