package org.jntpd.wire;

/**
 * Extension field types (RFC 7822; IANA "NTP Extension Field Types"). The 16-bit type is opaque to the parser:
 * a receiver skips types it does not know.
 */
public final class ExtensionFieldType {
    /** NTS Unique Identifier (RFC 8915 section 5.3): at least 32 random bytes, echoed by the server. */
    public static final int NTS_UNIQUE_IDENTIFIER = 0x0104;
    /** NTS Cookie (RFC 8915 section 5.4): one opaque cookie from NTS-KE or an earlier response. */
    public static final int NTS_COOKIE = 0x0204;
    /** NTS Cookie Placeholder (RFC 8915 section 5.5): asks for one more cookie; body of zeros, cookie-sized. */
    public static final int NTS_COOKIE_PLACEHOLDER = 0x0304;
    /** NTS Authenticator and Encrypted Extension Fields (RFC 8915 section 5.6): nonce and AEAD ciphertext. */
    public static final int NTS_AUTHENTICATOR = 0x0404;
    /** UDP Checksum Complement (RFC 7821): 4 bytes a transparent clock may change to keep the checksum valid. */
    public static final int CHECKSUM_COMPLEMENT = 0x2005;
    /** chrony's experimental monotonic-timestamp/root field (chrony 4.4+, body starts with magic 0xF5BEDD9A). */
    public static final int CHRONY_EXP_MONO_ROOT = 0xF323;
    /** chrony's experimental network-correction field (chrony 4.5-4.7, body starts with magic 0x07AC2CEB). */
    public static final int CHRONY_EXP_NET_CORRECTION = 0xF324;

    private ExtensionFieldType() {}

    /** A short name for tools and logs ({@code "0xABCD"} for types not listed here). */
    public static String name(int type) {
        return switch (type) {
            case NTS_UNIQUE_IDENTIFIER -> "NTS Unique Identifier";
            case NTS_COOKIE -> "NTS Cookie";
            case NTS_COOKIE_PLACEHOLDER -> "NTS Cookie Placeholder";
            case NTS_AUTHENTICATOR -> "NTS Authenticator";
            case CHECKSUM_COMPLEMENT -> "Checksum Complement";
            case CHRONY_EXP_MONO_ROOT -> "chrony experimental mono/root";
            case CHRONY_EXP_NET_CORRECTION -> "chrony experimental net correction";
            default -> String.format("0x%04X", type);
        };
    }
}
