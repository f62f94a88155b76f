package org.jntpd.auth;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jntpd.wire.ExtensionFieldCursor;
import org.jntpd.wire.LegacyMac;
import org.jntpd.wire.Malformation;

/**
 * Verifies and writes symmetric-key MACs (RFC 5905 section 7.3, RFC 8573) of packets in segments, without allocating:
 * one instance per thread, holding its own MessageDigest per algorithm and AES-CMAC per key, built from the key file
 * once (rebuild on reload).
 *
 * <p>What is accepted, per key type ({@link MacType#acceptsLength}): the full digest, or for digests longer than 20
 * bytes also the 20-byte truncation. An NTPv4 packet cannot carry more than 20 bytes of digest (the wire layer reads a
 * longer remainder as an extension field and refuses it, as chrony does), so in practice: MD5 16, SHA1 20, AES-CMAC 16;
 * SHA-256 and up: 20 bytes in any version (NTPsec's form) or the whole digest in NTPv1-3 (chrony's form).
 * {@link #signLikeRequest} answers with the key and digest length of the last verified request, so each client
 * gets the form it sent. Digests are compared in constant time.
 */
public final class MacEngine {
    /** {@link #verify} results. */
    public static final int OK = 0;
    public static final int NO_MAC = 1;
    public static final int CRYPTO_NAK = 2;
    public static final int UNKNOWN_KEY = 3;
    public static final int UNTRUSTED_KEY = 4;
    public static final int BAD_DIGEST_LENGTH = 5;
    public static final int BAD_MAC = 6;
    public static final int MALFORMED = 7;
    public static final int TOO_LONG = 8;

    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** The longest packet (without MAC) this engine MACs. */
    public static final int MAX_PACKET = 2048;

    private final long[] ids; // sorted
    private final MacType[] types;
    private final byte[][] secrets;
    private final boolean[] trusted;
    private final MessageDigest[] digests; // per key, shared per type
    private final AesCmac[] cmacs; // per key, null for digest types
    private final byte[] packet = new byte[MAX_PACKET];
    private final byte[] computed = new byte[64];
    private final byte[] received = new byte[64];
    private final ExtensionFieldCursor cursor = new ExtensionFieldCursor();

    private int lastKeyIndex = -1;
    private int lastDigestLength;
    private int lastMacPosition = -1;

    /**
     * @param keys        the key file's keys
     * @param trustedIds  IDs allowed to authenticate ({@code trustedkey}); null trusts every key, as chrony does
     */
    public MacEngine(List<SymmetricKey> keys, Set<Long> trustedIds) {
        List<SymmetricKey> sorted = new ArrayList<>(keys);
        sorted.sort(Comparator.comparingLong(SymmetricKey::id));
        int n = sorted.size();
        ids = new long[n];
        types = new MacType[n];
        secrets = new byte[n][];
        trusted = new boolean[n];
        digests = new MessageDigest[n];
        cmacs = new AesCmac[n];
        Map<MacType, MessageDigest> byType = new EnumMap<>(MacType.class);
        for (int i = 0; i < n; i++) {
            SymmetricKey key = sorted.get(i);
            if (i > 0 && ids[i - 1] == key.id()) {
                throw new IllegalArgumentException("key " + key.id() + " given twice");
            }
            ids[i] = key.id();
            types[i] = key.type();
            secrets[i] = key.secret();
            trusted[i] = trustedIds == null || trustedIds.contains(key.id());
            if (key.type().isCmac()) {
                cmacs[i] = new AesCmac(MAX_PACKET);
                cmacs[i].key(secrets[i], 0, secrets[i].length);
            } else {
                digests[i] = byType.computeIfAbsent(key.type(), MacEngine::digest);
            }
        }
    }

    private static MessageDigest digest(MacType type) {
        try {
            return MessageDigest.getInstance(type.jdkName);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no " + type.jdkName, e);
        }
    }

    /** Index of the key with this ID (unsigned 32 bits, as in the packet), or -1. */
    public int keyIndex(int wireKeyId) {
        long id = Integer.toUnsignedLong(wireKeyId);
        int lo = 0;
        int hi = ids.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (ids[mid] < id) {
                lo = mid + 1;
            } else if (ids[mid] > id) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    public MacType type(int keyIndex) {
        return types[keyIndex];
    }

    /** The length of the key's secret, bytes. */
    public int keyLength(int keyIndex) {
        return secrets[keyIndex].length;
    }

    /**
     * Checks the MAC of the well-formed NTP packet of {@code length} bytes at {@code offset}: {@link #OK} or why not.
     * After OK, {@link #lastKeyIndex()}, {@link #lastDigestLength()} and {@link #lastMacPosition()} describe it.
     */
    public int verify(MemorySegment segment, long offset, int length) {
        lastKeyIndex = -1;
        lastMacPosition = -1;
        cursor.wrap(segment, offset, length);
        while (cursor.next()) {
            // walk past the extension fields to the MAC
        }
        if (cursor.malformation() != Malformation.OK) {
            return MALFORMED;
        }
        if (cursor.macLength() == 0) {
            return NO_MAC;
        }
        int macPosition = (int) (cursor.macOffset() - offset);
        int keyId = segment.get(BE_INT, cursor.macOffset());
        if (cursor.macLength() == LegacyMac.CRYPTO_NAK_LENGTH) {
            return CRYPTO_NAK;
        }
        int index = keyIndex(keyId);
        if (index < 0) {
            return UNKNOWN_KEY;
        }
        if (!trusted[index]) {
            return UNTRUSTED_KEY;
        }
        int digestLength = cursor.macLength() - LegacyMac.KEY_ID_LENGTH;
        if (!types[index].acceptsLength(digestLength)) {
            return BAD_DIGEST_LENGTH;
        }
        if (macPosition > MAX_PACKET) {
            return TOO_LONG;
        }
        compute(index, segment, offset, macPosition);
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, cursor.macOffset() + LegacyMac.DIGEST_OFFSET, received, 0,
                digestLength);
        if (!ConstantTime.equals(computed, 0, received, 0, digestLength)) {
            return BAD_MAC;
        }
        lastKeyIndex = index;
        lastDigestLength = digestLength;
        lastMacPosition = macPosition;
        return OK;
    }

    /** Key index of the last {@link #verify} that returned OK, else -1. */
    public int lastKeyIndex() {
        return lastKeyIndex;
    }

    /** Digest length the last verified packet carried. */
    public int lastDigestLength() {
        return lastDigestLength;
    }

    /** Where the last verified packet's MAC started, relative to the packet. */
    public int lastMacPosition() {
        return lastMacPosition;
    }

    /**
     * Appends key ID and a {@code digestLength}-byte MAC of the {@code lengthBeforeMac} bytes at {@code offset} to the
     * packet; returns the new packet length, or -1 when the digest length is not a form of the key's type or the
     * segment has no room.
     */
    public int sign(MemorySegment segment, long offset, int lengthBeforeMac, int keyIndex, int digestLength) {
        if (keyIndex < 0 || keyIndex >= ids.length || !types[keyIndex].acceptsLength(digestLength)
                || lengthBeforeMac > MAX_PACKET
                || offset + lengthBeforeMac + LegacyMac.KEY_ID_LENGTH + digestLength > segment.byteSize()) {
            return -1;
        }
        compute(keyIndex, segment, offset, lengthBeforeMac);
        long mac = offset + lengthBeforeMac;
        segment.set(BE_INT, mac, (int) ids[keyIndex]);
        MemorySegment.copy(computed, 0, segment, ValueLayout.JAVA_BYTE, mac + LegacyMac.DIGEST_OFFSET, digestLength);
        return lengthBeforeMac + LegacyMac.KEY_ID_LENGTH + digestLength;
    }

    /** {@link #sign} with the key and digest length of the last verified request (the server's answer in kind). */
    public int signLikeRequest(MemorySegment segment, long offset, int lengthBeforeMac) {
        return sign(segment, offset, lengthBeforeMac, lastKeyIndex, lastDigestLength);
    }

    private void compute(int index, MemorySegment segment, long offset, int length) {
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset, packet, 0, length);
        AesCmac cmac = cmacs[index];
        if (cmac != null) {
            cmac.mac(packet, 0, length, computed, 0);
            return;
        }
        MessageDigest md = digests[index];
        md.update(secrets[index]);
        md.update(packet, 0, length);
        try {
            md.digest(computed, 0, computed.length);
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
    }
}
