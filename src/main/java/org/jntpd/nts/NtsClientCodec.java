package org.jntpd.nts;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jntpd.auth.Aead;
import org.jntpd.auth.AesSiv;
import org.jntpd.wire.ExtensionFieldCursor;
import org.jntpd.wire.Malformation;

/**
 * The client side of NTS for NTPv4 (RFC 8915 section 5): appends Unique Identifier, Cookie, Cookie Placeholders and
 * an authenticator (empty plaintext) to a request header, in the order chrony writes them; checks a response's
 * Unique Identifier and authenticator and moves the cookies it carries into the {@link CookieJar}. One instance per
 * association, keyed with the C2S/S2C keys from NTS-KE; allocation-free per packet.
 */
public final class NtsClientCodec {
    /** {@link #response} results. */
    public static final int OK = 0;
    /** An NTS NAK (kiss-o'-death "NTSN" echoing our Unique Identifier): our cookie was refused; cannot be authenticated. */
    public static final int NAK = 1;
    public static final int NO_AUTHENTICATOR = 2;
    public static final int UID_MISMATCH = 3;
    public static final int NOT_AUTHENTIC = 4;
    public static final int MALFORMED = 5;

    public static final int MAX_PACKET = 2048;

    private final AesSiv c2s;
    private final AesSiv s2c;
    private final byte[] pkt = new byte[MAX_PACKET];
    private final byte[] plain = new byte[MAX_PACKET];
    private final ExtensionFieldCursor cursor = new ExtensionFieldCursor();
    private int aead;

    public NtsClientCodec() {
        AesSiv.Scratch scratch = new AesSiv.Scratch(MAX_PACKET, MAX_PACKET);
        c2s = new AesSiv(scratch);
        s2c = new AesSiv(scratch);
    }

    /** Keys from NTS-KE: {@code aead} and the C2S and S2C keys ({@link Aead#keyLength} bytes each). */
    public void keys(int aead, byte[] c2sKey, byte[] s2cKey) {
        int length = Aead.keyLength(aead);
        if (length < 0 || c2sKey.length != length || s2cKey.length != length) {
            throw new IllegalArgumentException(Aead.name(aead) + " with keys of " + c2sKey.length + "/" + s2cKey.length + " bytes");
        }
        this.aead = aead;
        c2s.key(c2sKey, 0, length);
        s2c.key(s2cKey, 0, length);
    }

    public int aead() {
        return aead;
    }

    /**
     * Appends the NTS fields to the request whose {@code headerLength}-byte header is at {@code tx[offset]}: the
     * {@code uidLength}-byte Unique Identifier (at least 32 bytes, fresh per request), the cookie, {@code placeholders}
     * placeholders of the cookie's length (to get that many more cookies back), and an authenticator with the
     * {@code nonceLength}-byte nonce (16 fresh bytes). Returns the request's length, or -1 when it exceeds
     * {@code capacity}.
     */
    public int request(MemorySegment tx, long offset, int capacity, int headerLength, byte[] uid, int uidLength,
            byte[] cookie, int cookieLength, int placeholders, byte[] nonce, int nonceLength) {
        int cookieField = NtsFields.fieldLength(cookieLength);
        int needed = headerLength + NtsFields.fieldLength(uidLength) + (1 + placeholders) * cookieField
                + NtsFields.HEADER + 4 + Math.max(NtsFields.MIN_PADDED_NONCE, NtsFields.padded(nonceLength))
                + AesSiv.TAG_LENGTH;
        if (uidLength < NtsFields.MIN_UID || needed > Math.min(capacity, MAX_PACKET)) {
            return -1;
        }
        MemorySegment.copy(tx, ValueLayout.JAVA_BYTE, offset, pkt, 0, headerLength);
        int at = headerLength;
        int n = NtsFields.field(pkt, at, NtsFields.UNIQUE_IDENTIFIER, uidLength);
        System.arraycopy(uid, 0, pkt, at + NtsFields.HEADER, uidLength);
        at += n;
        n = NtsFields.field(pkt, at, NtsFields.COOKIE, cookieLength);
        System.arraycopy(cookie, 0, pkt, at + NtsFields.HEADER, cookieLength);
        at += n;
        for (int i = 0; i < placeholders; i++) {
            at += NtsFields.field(pkt, at, NtsFields.COOKIE_PLACEHOLDER, cookieLength);
        }
        int length = NtsFields.seal(pkt, at, c2s, nonce, 0, nonceLength, plain, 0, 0);
        MemorySegment.copy(pkt, headerLength, tx, ValueLayout.JAVA_BYTE, offset + headerLength, length - headerLength);
        return length;
    }

    /** Where the last response checked held a Unique Identifier of the expected length, or -1. */
    private int lastUidPosition = -1;

    /**
     * Whether the last response {@link #response} found {@link #UID_MISMATCH} for carries {@code uid} instead (a reply
     * to an earlier request). Nothing in it is authenticated: it only tells a late reply from a stranger's.
     */
    public boolean lastUidWas(byte[] uid, int uidLength) {
        return lastUidPosition >= 0 && java.util.Arrays.equals(pkt, lastUidPosition + NtsFields.HEADER,
                lastUidPosition + NtsFields.HEADER + uidLength, uid, 0, uidLength);
    }

    /**
     * Checks the response of {@code length} bytes at {@code rx[offset]} against the request's Unique Identifier;
     * on {@link #OK} the cookies it carried are in {@code jar}. Only the header and fields before the authenticator
     * are authenticated; a field after it makes the response {@link #MALFORMED}.
     */
    public int response(MemorySegment rx, long offset, int length, byte[] uid, int uidLength, CookieJar jar) {
        lastUidPosition = -1;
        if (length > MAX_PACKET) {
            return MALFORMED;
        }
        int uidPosition = -1;
        int uidValueLength = 0;
        int authPosition = -1;
        int authLength = 0;
        boolean afterAuth = false;
        cursor.wrap(rx, offset, length);
        while (cursor.next()) {
            if (authPosition >= 0) {
                afterAuth = true;
            }
            int type = cursor.type();
            if (type == NtsFields.UNIQUE_IDENTIFIER) {
                if (uidPosition >= 0) {
                    return MALFORMED;
                }
                uidPosition = cursor.fieldPosition();
                uidValueLength = cursor.valueLength();
            } else if (type == NtsFields.AUTHENTICATOR) {
                if (authPosition >= 0) {
                    return MALFORMED;
                }
                authPosition = cursor.fieldPosition();
                authLength = cursor.fieldLength();
            }
        }
        if (cursor.malformation() != Malformation.OK || afterAuth || cursor.macLength() > 0) {
            return MALFORMED;
        }
        MemorySegment.copy(rx, ValueLayout.JAVA_BYTE, offset, pkt, 0, length);
        lastUidPosition = uidPosition < 0 || NtsFields.padded(uidLength) != uidValueLength ? -1 : uidPosition;
        if (uidPosition < 0 || NtsFields.padded(uidLength) != uidValueLength
                || !java.util.Arrays.equals(pkt, uidPosition + NtsFields.HEADER, uidPosition + NtsFields.HEADER + uidLength,
                        uid, 0, uidLength)) {
            return UID_MISMATCH;
        }
        if (authPosition < 0) {
            boolean kiss = (pkt[1] & 0xFF) == 0 && NtsFields.u16(pkt, 12) == 0x4E54 && NtsFields.u16(pkt, 14) == 0x534E;
            return kiss ? NAK : NO_AUTHENTICATOR;
        }
        int plainLength = NtsFields.open(pkt, authPosition, authLength, s2c, plain);
        if (plainLength < 0) {
            return NOT_AUTHENTIC;
        }
        for (int at = 0; at < plainLength;) {
            if (plainLength - at < NtsFields.HEADER) {
                return MALFORMED;
            }
            int fieldLength = NtsFields.u16(plain, at + 2);
            if (fieldLength < NtsFields.HEADER || (fieldLength & 3) != 0 || fieldLength > plainLength - at) {
                return MALFORMED;
            }
            if (NtsFields.u16(plain, at) == NtsFields.COOKIE) {
                jar.add(plain, at + NtsFields.HEADER, fieldLength - NtsFields.HEADER);
            }
            at += fieldLength;
        }
        return OK;
    }
}
