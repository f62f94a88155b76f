package org.jntpd.daemon;

import java.lang.foreign.MemorySegment;
import org.jntpd.auth.MacEngine;
import org.jntpd.auth.MacType;
import org.jntpd.wire.NtpPacket;

/**
 * {@code server HOST key N}: every request carries key N's MAC (the 20-byte form of digests longer than 20 bytes, which
 * chrony and NTPsec both accept in NTPv4, see {@link MacType}), and a reply counts only with a valid MAC by that same
 * key; a crypto-NAK, no MAC, another key or a wrong digest is refused.
 */
final class KeyedClientAuth extends ClientAuth {
    private final MacEngine mac;
    private final int keyIndex;
    private final long keyId;
    private final int digestLength;

    /** @param mac the loop's engine, holding every key of the key file */
    KeyedClientAuth(String name, MacEngine mac, long keyId) {
        super(name);
        this.mac = mac;
        this.keyId = keyId;
        this.keyIndex = mac.keyIndex((int) keyId);
        if (keyIndex < 0) {
            throw new IllegalArgumentException("no key " + keyId);
        }
        this.digestLength = mac.type(keyIndex).v4Length();
    }

    @Override
    int request(MemorySegment tx, int capacity, long nowNs) {
        requests++;
        return Math.max(0, mac.sign(tx, 0, NtpPacket.HEADER_LENGTH, keyIndex, digestLength));
    }

    @Override
    boolean check(MemorySegment rx, long offset, int length, long nowNs) {
        return switch (mac.verify(rx, offset, length)) {
            case MacEngine.OK -> mac.lastKeyIndex() == keyIndex ? accept() : refuse("MAC by another key");
            case MacEngine.NO_MAC -> refuse("no MAC");
            case MacEngine.CRYPTO_NAK -> refuse("crypto-NAK");
            case MacEngine.UNKNOWN_KEY, MacEngine.UNTRUSTED_KEY -> refuse("MAC by another key");
            case MacEngine.BAD_MAC, MacEngine.BAD_DIGEST_LENGTH -> refuse("bad MAC");
            default -> refuse("malformed");
        };
    }

    @Override
    void fields(java.util.Map<String, Object> m) {
        super.fields(m);
        MacType type = mac.type(keyIndex);
        m.put("authentication", "symmetric key");
        m.put("key_id", keyId);
        m.put("type", type.name());
        m.put("type_id", chronyTypeId(type));
        m.put("key_length_bits", mac.keyLength(keyIndex) * 8);
    }

    /** chronyc authdata's Type number of a key type (its hash and cipher identifiers). */
    static int chronyTypeId(MacType type) {
        return switch (type) {
            case MD5 -> 1;
            case SHA1 -> 2;
            case SHA256 -> 3;
            case SHA384 -> 4;
            case SHA512 -> 5;
            case AES128 -> 13;
            case AES256 -> 14;
        };
    }

    @Override
    void status(StringBuilder b) {
        b.append("client ").append(name).append(": key ").append(keyId).append(' ').append(mac.type(keyIndex));
        counters(b);
        b.append('\n');
    }
}
