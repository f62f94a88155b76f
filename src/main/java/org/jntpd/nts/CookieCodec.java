package org.jntpd.nts;

import java.util.function.Supplier;
import org.jntpd.auth.Aead;
import org.jntpd.auth.AesSiv;

/**
 * jntpd's NTS cookies (RFC 8915 section 6 leaves the format to the server):
 * <pre>
 * key ID (4) | nonce (16) | AES-SIV-CMAC-256 under the server key: V (16) || E( AEAD id (2) | 0 (2) | C2S | S2C )
 * </pre>
 * with the key ID as associated data (S2V components: key ID, nonce, plaintext). 104 bytes for AEAD 15, 168 for 17:
 * the lengths NTPsec's cookies have, a multiple of 4 so that a cookie field needs no padding. The key ID picks the
 * key; the tag makes any change to ID, nonce or body fail.
 *
 * <p>One instance per thread: it keeps one keyed AES-SIV per server key, rebuilt (allocating, once per rotation)
 * when the supplier returns a different set. Sealing and opening allocate nothing.
 */
public final class CookieCodec {
    public static final int HEADER_LENGTH = 4 + 16;
    private static final int PLAINTEXT_PREFIX = 4;
    /** The longest cookie jntpd makes (AEAD 17). */
    public static final int MAX_LENGTH = length(Aead.AES_SIV_CMAC_512);

    /** {@link #open} results other than an AEAD id. */
    public static final int UNKNOWN_KEY = -1;
    public static final int NOT_AUTHENTIC = -2;
    public static final int BAD_LENGTH = -3;

    private final Supplier<ServerKeySet> keys;
    private final NonceSource nonces;
    private final AesSiv.Scratch scratch = new AesSiv.Scratch(64, 4 + 128);
    private final byte[] plaintext = new byte[PLAINTEXT_PREFIX + 128];
    private ServerKeySet current;
    private AesSiv[] sivs = new AesSiv[0];

    public CookieCodec(Supplier<ServerKeySet> keys, NonceSource nonces) {
        this.keys = keys;
        this.nonces = nonces;
    }

    /** Cookie length for an AEAD: header, tag, AEAD id with padding, and both keys. */
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
        ServerKeySet set = refresh();
        int index = set.issuing(nowUnixS);
        int keyLength = Aead.keyLength(aead);
        if (index < 0 || keyLength < 0) {
            return -1;
        }
        int id = set.keys().get(index).id();
        out[offset] = (byte) (id >>> 24);
        out[offset + 1] = (byte) (id >>> 16);
        out[offset + 2] = (byte) (id >>> 8);
        out[offset + 3] = (byte) id;
        nonces.next(out, offset + 4, 16);
        plaintext[0] = (byte) (aead >>> 8);
        plaintext[1] = (byte) aead;
        plaintext[2] = 0;
        plaintext[3] = 0;
        System.arraycopy(keyMaterial, keysOffset, plaintext, PLAINTEXT_PREFIX, 2 * keyLength);
        AesSiv siv = sivs[index];
        siv.begin();
        siv.component(out, offset, 4);
        siv.component(out, offset + 4, 16);
        siv.seal(plaintext, 0, PLAINTEXT_PREFIX + 2 * keyLength, out, offset + HEADER_LENGTH);
        return length(aead);
    }

    /**
     * Opens the {@code length}-byte cookie at {@code cookie[offset]}, writing C2S then S2C at {@code keysOut[keysOffset]};
     * returns the AEAD id, or {@link #UNKNOWN_KEY}, {@link #NOT_AUTHENTIC}, {@link #BAD_LENGTH}.
     */
    public int open(byte[] cookie, int offset, int length, byte[] keysOut, int keysOffset) {
        if (length != length(Aead.AES_SIV_CMAC_256) && length != length(Aead.AES_SIV_CMAC_512)) {
            return BAD_LENGTH;
        }
        ServerKeySet set = refresh();
        int id = (cookie[offset] & 0xFF) << 24 | (cookie[offset + 1] & 0xFF) << 16 | (cookie[offset + 2] & 0xFF) << 8
                | (cookie[offset + 3] & 0xFF);
        int index = set.indexOf(id);
        if (index < 0) {
            return UNKNOWN_KEY;
        }
        AesSiv siv = sivs[index];
        siv.begin();
        siv.component(cookie, offset, 4);
        siv.component(cookie, offset + 4, 16);
        int sealed = length - HEADER_LENGTH;
        if (!siv.open(cookie, offset + HEADER_LENGTH, sealed, plaintext, 0)) {
            return NOT_AUTHENTIC;
        }
        int aead = (plaintext[0] & 0xFF) << 8 | (plaintext[1] & 0xFF);
        int keyLength = Aead.keyLength(aead);
        if (keyLength < 0 || length != length(aead)) {
            return NOT_AUTHENTIC; // sealed by us, so never: but an AEAD we no longer support must not be used
        }
        System.arraycopy(plaintext, PLAINTEXT_PREFIX, keysOut, keysOffset, 2 * keyLength);
        return aead;
    }
}
