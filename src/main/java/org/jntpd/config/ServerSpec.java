package org.jntpd.config;

/**
 * A network time source: a {@code server}, {@code pool} or {@code peer} line, or a broadcast server heard.
 *
 * @param host           host name or address literal, resolved later by the daemon (the parser does no DNS)
 * @param port           UDP port (123 unless {@code port N} is given)
 * @param family         address family to resolve to ({@code -4}/{@code -6})
 * @param minPollLog2    minimum poll interval, log2 seconds
 * @param maxPollLog2    maximum poll interval, log2 seconds
 * @param keyId          symmetric key id, 0 for none
 * @param ntsNoCertTimeCheck NTPsec's {@code nocerttimecheck}: this NTS source may bootstrap with the certificate's
 *                       dates unchecked while the clock is not trusted (re-verified once it is)
 * @param maxDelayNs     samples with a round-trip delay above this are rejected; 0 = no limit
 * @param biasNs         added to every offset measured from this source (positive = source treated as later)
 * @param maxSources     pool only: how many of its addresses to use at once
 */
public record ServerSpec(
        Kind kind,
        String host,
        int port,
        Family family,
        boolean iburst,
        boolean burst,
        int minPollLog2,
        int maxPollLog2,
        boolean prefer,
        boolean noselect,
        boolean trueChimer,
        int version,
        int keyId,
        boolean nts,
        boolean ntsNoValidate,
        boolean ntsNoCertTimeCheck,
        String ntsCa,
        int ntsPort,
        boolean xleave,
        long maxDelayNs,
        long biasNs,
        int maxSources,
        boolean preempt,
        Location location) {

    /** BROADCAST: no line, a broadcast or multicast server the daemon heard (its ephemeral association). */
    public enum Kind { SERVER, POOL, PEER, BROADCAST }

    public enum Family { ANY, IPV4, IPV6 }

    public static final int DEFAULT_PORT = 123;
    public static final int DEFAULT_MIN_POLL = 6;
    public static final int DEFAULT_MAX_POLL = 10;
    public static final int DEFAULT_NTS_KE_PORT = 4460;
    public static final int DEFAULT_POOL_MAX_SOURCES = 4;
}
