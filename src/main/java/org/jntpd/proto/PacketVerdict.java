package org.jntpd.proto;

/** What an association made of the last packet it was given (RFC 5905 section 8 tests, KoD, and the filter). */
public enum PacketVerdict {
    /** Valid; the sample was accepted by the source filter. */
    ACCEPTED,
    /** Valid, but the source filter rejected the sample as a spike (popcorn). */
    SPIKE,
    /** The same transmit timestamp was seen before. */
    DUPLICATE,
    /** The origin timestamp does not match our last request (or no request is outstanding). */
    BOGUS,
    /** Unexpected mode for this association, or unsupported version. */
    INVALID_MODE,
    /** Zero transmit timestamp, or timestamps that give a negative delay. */
    INVALID_TIMESTAMPS,
    /** LI 3, or stratum 0 (not a kiss code we act on) or 16 and above: the server is not synchronised. */
    UNSYNCHRONISED,
    /** The server synchronises to us (its refid is our address): a loop. */
    LOOP,
    /** Root distance beyond maxdist. */
    DISTANCE_EXCEEDED,
    /** Round-trip delay beyond the association's maxdelay: an answer, but no sample. */
    MAX_DELAY_EXCEEDED,
    /** Kiss-o'-Death RATE: poll interval backed off. */
    KOD_RATE,
    /** Kiss-o'-Death DENY or RSTR: the association demobilises. */
    KOD_DENY,
    /** A broadcast client's mode 5 packet while the path's delay is still being measured: no sample yet. */
    CALIBRATING,
    /** A packet for a demobilised association. */
    DEMOBILISED
}
