package org.jntpd.wire;

/**
 * Why {@link NtpPacketValidator#classify} accepted or refused some bytes. The first three constants are
 * well-formed packets; the rest name the first rule the bytes broke. Counting refusals by constant tells an
 * operator what the network sends.
 */
public enum Malformation {
    /** A well-formed NTP packet of mode 1-5 (or NTPv1 mode 0), with any extension fields and MAC in order. */
    OK,
    /** A well-formed mode 6 control message; whether to answer is the server's decision. */
    CONTROL,
    /** A mode 7 (ntpd private, "ntpdc") message of at least its 8-byte header; its content is not examined. */
    PRIVATE,
    /** Fewer bytes than the header of the packet's mode (48 for NTP, 12 for mode 6, 8 for mode 7). */
    TOO_SHORT,
    /** Length not a multiple of 4: extension fields, MACs and mode-6 padding are all whole 32-bit words. */
    UNALIGNED_LENGTH,
    /** Version 0 or 5-7 (versions 1-4 are served, RFC 5905 section 9.2). */
    BAD_VERSION,
    /** Mode 0 in a packet of version 2 or later (NTPv1's mode 0 is accepted as a client request). */
    BAD_MODE,
    /** An extension field whose length is under 16 or not a multiple of 4 (RFC 7822 section 3). */
    BAD_EXTENSION_LENGTH,
    /** An extension field whose length runs past the end of the packet. */
    EXTENSION_OVERRUNS,
    /**
     * Bytes after the header or the last extension field that cannot be a MAC: in NTPv4 anything of 24 bytes or
     * fewer is a MAC (RFC 7822 section 7.5) and must be 20 or 24 bytes, or 4 bytes of key ID 0 (crypto-NAK)
     * right after the header; in NTPv1-3 a MAC is 20 to 68 bytes (key ID and a 16-64 byte digest) or the NAK.
     */
    BAD_MAC_LENGTH,
    /** A mode 6 message whose count runs past the end of the packet. */
    BAD_CONTROL_COUNT,
    /** A mode 6 message with bytes after its data and padding that are not a 20- or 24-byte MAC. */
    TRAILING_BYTES;

    /** True for {@link #OK}, {@link #CONTROL} and {@link #PRIVATE}: the bytes are a packet the server may consider. */
    public boolean wellFormed() {
        return ordinal() <= PRIVATE.ordinal();
    }
}
