package org.jntpd.proto;

/** Kiss-o'-Death codes (RFC 5905 section 7.4): stratum 0, the refid holds four ASCII characters. */
public final class KissCode {
    public static final int RATE = ascii("RATE");
    public static final int DENY = ascii("DENY");
    public static final int RSTR = ascii("RSTR");

    private KissCode() {}

    /** The refid of four ASCII characters, first character in the high byte (as on the wire, big-endian). */
    public static int ascii(String code) {
        if (code.length() > 4) {
            throw new IllegalArgumentException("a kiss code or refid has at most 4 characters, got \"" + code + "\"");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v = (v << 8) | (i < code.length() ? code.charAt(i) & 0xFF : 0);
        }
        return v;
    }
}
