package org.jntpd.nts;

import java.util.function.Supplier;
import org.jntpd.auth.Aead;
import org.jntpd.auth.AesSiv;

/**
 * jntpd's NTS cookies (RFC 8915 section 6 leaves the format to the server):
 * <pre>
 * key ID (4) | AES-SIV-CMAC-256 under the server key, no associated data: V (16) || E( nonce (16) | AEAD id (2) | 0 (2) | C2S | S2C )
 * </pre>
 * 104 bytes for AEAD 15, 168 for 17: the lengths NTPsec's cookies have, a multiple of 4 so that a cookie field needs
 * no padding. The key ID picks the key; the tag makes any change to the body fail, and a changed key ID opens the
 * body under another key, which fails too. The nonce (16 unpredictable bytes per cookie) makes every cookie of a
 * client look unrelated to the others (RFC 8915 section 6: unlinkability); inside the plaintext rather than as
 * associated data it costs no MAC call of its own: sealing is one MAC call and one CTR call, and so is opening.
 *
 * <p>{@link #openAndReissue} opens a cookie and seals the new ones for the reply in three JDK calls in all
 * ({@link AesSiv#openAndSealFreshHeads}) when they go under the key that opened it.
 *
 * <p>One instance per thread: it keeps one keyed AES-SIV per server key, rebuilt (allocating, once per rotation)
 * when the supplier returns a different set. Sealing and opening allocate nothing.
 */
public final class CookieCodec {
    /** Key ID. */
    public static final int HEADER_LENGTH = 4;
    private static final int NONCE = 16;
    /** Nonce, AEAD id and padding before the keys in the plaintext. */
    private static final int PLAINTEXT_PREFIX = NONCE + 4;
    /** The longest cookie jntpd makes (AEAD 17). */
    public static final int MAX_LENGTH = length(Aead.AES_SIV_CMAC_512);
    /** Most new cookies {@link #openAndReissue} makes at once. */
    public static final int MAX_REISSUE = AesSiv.MAX_BATCH - 1;
    private static final int MAX_PLAINTEXT = PLAINTEXT_PREFIX + 128;
    private static final int MAX_CHAIN = (MAX_PLAINTEXT + 15) / 16 * 16;

    /** {@link #open} results other than an AEAD id. */
    public static final int UNKNOWN_KEY = -1;
    public static final int NOT_AUTHENTIC = -2;
    public static final int BAD_LENGTH = -3;

    private final Supplier<ServerKeySet> keys;
    private final NonceSource nonces;
    private final AesSiv.Scratch scratch = new AesSiv.Scratch(AesSiv.MAX_BATCH * MAX_CHAIN, AesSiv.MAX_BATCH * MAX_CHAIN);
    private final byte[] plaintext = new byte[MAX_PLAINTEXT];
    private final byte[] random = new byte[AesSiv.MAX_BATCH * NONCE];
    private ServerKeySet current;
    private AesSiv[] sivs = new AesSiv[0];

    public CookieCodec(Supplier<ServerKeySet> keys, NonceSource nonces) {
        this.keys = keys;
        this.nonces = nonces;
    }

    /** Cookie length for an AEAD: header, tag, nonce, AEAD id with padding, and both keys. */
    public static int length(int aead) {
        return HEADER_LENGTH + AesSiv.TAG_LENGTH + PLAINTEXT_PREFIX + 2 * Aead.keyLength(aead);
    }

    private ServerKeySet refresh() {
        ServerKeySet set = keys.get();
        if (set != current) {
            AesSiv[] next = new AesSiv[set.keys().size()];
            for (int i = 0; i < next.length; i++) {
                next[i] = new AesSiv(scratch);
                next[i].key(set.keys().get(i).secretUnsafe(), 0, ServerKey.SECRET_LENGTH);
            }
            sivs = next;
            current = set;
        }
        return set;
    }

    /**
     * Writes a cookie holding the AEAD id and keys ({@code keyMaterial}: C2S then S2C, each {@link Aead#keyLength} long)
     * at {@code out[offset]}; returns its length, or -1 when there is no server key or the AEAD is unknown.
     */
    public int seal(int aead, byte[] keyMaterial, int keysOffset, long nowUnixS, byte[] out, int offset) {
        return seal(aead, keyMaterial, keysOffset, nowUnixS, 1, out, offset, 0);
    }

    /**
     * Writes {@code count} (at most {@link #MAX_REISSUE}) cookies holding the same AEAD and keys, cookie i at
     * {@code out[offset + i * stride]}, in one MAC and one CTR call; returns the length of each, or -1 as
     * {@link #seal(int, byte[], int, long, byte[], int)}.
     */
    public int seal(int aead, byte[] keyMaterial, int keysOffset, long nowUnixS, int count, byte[] out, int offset,
            int stride) {
        ServerKeySet set = refresh();
        int index = set.issuing(nowUnixS);
        int keyLength = Aead.keyLength(aead);
        if (index < 0 || keyLength < 0 || count < 1 || count > MAX_REISSUE) {
            return -1;
        }
        plaintext[NONCE] = (byte) (aead >>> 8);
        plaintext[NONCE + 1] = (byte) aead;
        plaintext[NONCE + 2] = 0;
        plaintext[NONCE + 3] = 0;
        System.arraycopy(keyMaterial, keysOffset, plaintext, PLAINTEXT_PREFIX, 2 * keyLength);
        nonces.next(random, 0, count * NONCE);
        sivs[index].sealFreshHeads(plaintext, 0, PLAINTEXT_PREFIX + 2 * keyLength, random, 0, count, out,
                offset + HEADER_LENGTH, stride);
        int id = set.keys().get(index).id();
        for (int i = 0; i < count; i++) {
            writeId(id, out, offset + i * stride);
        }
        return length(aead);
    }

    private static void writeId(int id, byte[] out, int at) {
        out[at] = (byte) (id >>> 24);
        out[at + 1] = (byte) (id >>> 16);
        out[at + 2] = (byte) (id >>> 8);
        out[at + 3] = (byte) id;
    }

    /**
     * Opens the {@code length}-byte cookie at {@code cookie[offset]}, writing C2S then S2C at {@code keysOut[keysOffset]};
     * returns the AEAD id, or {@link #UNKNOWN_KEY}, {@link #NOT_AUTHENTIC}, {@link #BAD_LENGTH}.
     */
    public int open(byte[] cookie, int offset, int length, byte[] keysOut, int keysOffset) {
        return openAndReissue(cookie, offset, length, keysOut, keysOffset, 0, 0, null, 0, 0);
    }

    /**
     * {@link #open}, and when it succeeds, {@code count} (0 to {@link #MAX_REISSUE}) new cookies with the same keys at
     * {@code out[outOffset + i * stride]}, each {@code length} bytes (the AEAD decides it, so the caller knows it from
     * the cookie's length). Three JDK calls in all when the key issuing at {@code nowUnixS} is the one that opened the
     * cookie, five otherwise. The output must not overlap the cookie.
     */
    public int openAndReissue(byte[] cookie, int offset, int length, byte[] keysOut, int keysOffset, long nowUnixS,
            int count, byte[] out, int outOffset, int stride) {
        if (length != length(Aead.AES_SIV_CMAC_256) && length != length(Aead.AES_SIV_CMAC_512)) {
            return BAD_LENGTH;
        }
        if (count < 0 || count > MAX_REISSUE) {
            throw new IllegalArgumentException(count + " cookies to reissue");
        }
        ServerKeySet set = refresh();
        int id = (cookie[offset] & 0xFF) << 24 | (cookie[offset + 1] & 0xFF) << 16 | (cookie[offset + 2] & 0xFF) << 8
                | (cookie[offset + 3] & 0xFF);
        int index = set.indexOf(id);
        if (index < 0) {
            return UNKNOWN_KEY;
        }
        int sealed = length - HEADER_LENGTH;
        int issuing = count > 0 ? set.issuing(nowUnixS) : -1;
        AesSiv siv = sivs[index];
        boolean authentic;
        if (issuing == index) {
            nonces.next(random, 0, count * NONCE);
            authentic = siv.openAndSealFreshHeads(cookie, offset + HEADER_LENGTH, sealed, plaintext, 0, random, 0,
                    count, out, outOffset + HEADER_LENGTH, stride);
        } else {
            siv.begin();
            authentic = siv.open(cookie, offset + HEADER_LENGTH, sealed, plaintext, 0);
        }
        if (!authentic) {
            return NOT_AUTHENTIC;
        }
        int aead = (plaintext[NONCE] & 0xFF) << 8 | (plaintext[NONCE + 1] & 0xFF);
        int keyLength = Aead.keyLength(aead);
        if (keyLength < 0 || length != length(aead)) {
            return NOT_AUTHENTIC; // sealed by us, so never: but an AEAD we no longer support must not be used
        }
        System.arraycopy(plaintext, PLAINTEXT_PREFIX, keysOut, keysOffset, 2 * keyLength);
        if (count > 0) {
            if (issuing == index) {
                for (int i = 0; i < count; i++) {
                    writeId(id, out, outOffset + i * stride);
                }
            } else if (seal(aead, keysOut, keysOffset, nowUnixS, count, out, outOffset, stride) < 0) {
                return NOT_AUTHENTIC; // no issuing key: cannot happen while the opening key exists
            }
        }
        return aead;
    }
}
