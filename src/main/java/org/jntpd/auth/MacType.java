package org.jntpd.auth;

import java.util.Locale;

/**
 * Symmetric-key MAC algorithms (RFC 5905 section 7.3 digests, RFC 8573 AES-CMAC). A digest MAC is
 * {@code H(key || packet)}; a CMAC is {@code AES-CMAC(key, packet)}.
 *
 * <p>Digests longer than 20 bytes (SHA-256 and up) have two wire forms, because an NTPv4 MAC holds at most 20 bytes
 * (RFC 7822): NTPsec truncates to 20 bytes; chrony sends the whole digest and switches the packet to NTPv3.
 * jntpd accepts both forms, answers in the form the request used, and sends NTPv4 with the 20-byte form
 * (both chrony and NTPsec accept that one). See {@link MacEngine}.
 */
public enum MacType {
    MD5("MD5", 16, 0),
    SHA1("SHA-1", 20, 0),
    SHA256("SHA-256", 32, 0),
    SHA384("SHA-384", 48, 0),
    SHA512("SHA-512", 64, 0),
    AES128("AES-CMAC", 16, 16),
    AES256("AES-CMAC", 16, 32);

    /** The truncated length of digests longer than an NTPv4 MAC allows (RFC 7822 section 7.5). */
    public static final int TRUNCATED_LENGTH = 20;

    /** JDK MessageDigest name, or "AES-CMAC". */
    public final String jdkName;
    /** Full digest length in bytes. */
    public final int digestLength;
    /** Required key length for CMAC types; 0 for digests (any length). */
    public final int cmacKeyLength;

    MacType(String jdkName, int digestLength, int cmacKeyLength) {
        this.jdkName = jdkName;
        this.digestLength = digestLength;
        this.cmacKeyLength = cmacKeyLength;
    }

    public boolean isCmac() {
        return cmacKeyLength > 0;
    }

    /** Digest length to send in NTPv4: the full digest up to 20 bytes, else the 20-byte truncation. */
    public int v4Length() {
        return Math.min(digestLength, TRUNCATED_LENGTH);
    }

    /** True when a received digest of {@code length} bytes is a form this type produces (full, or truncated to 20). */
    public boolean acceptsLength(int length) {
        return length == digestLength || (digestLength > TRUNCATED_LENGTH && length == TRUNCATED_LENGTH);
    }

    /**
     * The type named in a chrony key file (case-sensitive, as chrony: MD5, SHA1, SHA256, SHA384, SHA512, AES128,
     * AES256), or null.
     */
    public static MacType fromChronyName(String name) {
        return switch (name) {
            case "MD5" -> MD5;
            case "SHA1" -> SHA1;
            case "SHA256" -> SHA256;
            case "SHA384" -> SHA384;
            case "SHA512" -> SHA512;
            case "AES128" -> AES128;
            case "AES256" -> AES256;
            default -> null;
        };
    }

    /**
     * The type named in an NTPsec keys file (case-insensitive OpenSSL names, as NTPsec: md5, sha1, sha256, sha384,
     * sha512 and their SHA-1/SHA2-256 spellings; aes-128, aes, aes128cmac, aes128 for AES-128-CMAC; aes-256, aes256;
     * and NTPsec's old rule that any other name starting with M means MD5), or null.
     */
    public static MacType fromNtpsecName(String name) {
        String u = name.toUpperCase(Locale.ROOT);
        return switch (u) {
            case "AES", "AES128CMAC", "AES-128", "AES128" -> AES128;
            case "AES-256", "AES256" -> AES256;
            case "MD5" -> MD5;
            case "SHA1", "SHA-1" -> SHA1;
            case "SHA256", "SHA-256", "SHA2-256" -> SHA256;
            case "SHA384", "SHA-384", "SHA2-384" -> SHA384;
            case "SHA512", "SHA-512", "SHA2-512" -> SHA512;
            default -> u.startsWith("M") ? MD5 : null;
        };
    }
}
