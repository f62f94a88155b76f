package org.jntpd.proto;

/**
 * The 48-byte NTP header as decoded fields, a reusable mutable holder: the I/O layer decodes a received packet into
 * one (from the wire flyweight) and encodes a request an {@link Association} filled in. Raw values exactly as on
 * the wire: {@code rootDelay}/{@code rootDispersion} are ntpShort (16.16), the four timestamps ntp64.
 */
public final class HeaderFields {
    public int leap;
    public int version;
    public int mode;
    public int stratum;
    public int poll;
    public int precision;
    public int rootDelay;
    public int rootDispersion;
    public int refId;
    public long reference;
    public long origin;
    public long receive;
    public long transmit;

    /** Sets every field (returns this). */
    public HeaderFields set(int leap, int version, int mode, int stratum, int poll, int precision, int rootDelay,
            int rootDispersion, int refId, long reference, long origin, long receive, long transmit) {
        this.leap = leap;
        this.version = version;
        this.mode = mode;
        this.stratum = stratum;
        this.poll = poll;
        this.precision = precision;
        this.rootDelay = rootDelay;
        this.rootDispersion = rootDispersion;
        this.refId = refId;
        this.reference = reference;
        this.origin = origin;
        this.receive = receive;
        this.transmit = transmit;
        return this;
    }
}
