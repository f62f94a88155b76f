package org.jntpd.nts;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Supplier;
import org.jntpd.auth.Aead;
import org.jntpd.auth.AesSiv;
import org.jntpd.wire.ExtensionFieldCursor;
import org.jntpd.wire.Malformation;

/**
 * The server side of NTS for NTPv4 (RFC 8915 section 5): checks a request's NTS fields, opens its cookie, verifies its
 * authenticator, and appends the Unique Identifier and a sealed authenticator with fresh cookies to the reply the
 * responder built. Pure and allocation-free per packet; one instance per serving thread.
 *
 * <pre>
 * int verdict = nts.open(rx, rxOffset, rxLength, rxUnixNs);
 * NOT_NTS -> serve as usual;  DROP -> count nts.reason() and drop;
 * NAK     -> build a kiss-o'-death with refid {@link #NAK_REFID} ("NTSN"), then length = nts.nak(tx, txOffset, 48, rxLength);
 * OK      -> build the 48-byte header (every field final: it is authenticated, so T3 goes in first),
 *            then length = nts.seal(tx, txOffset, 48, rxLength, nowUnixNs);
 * </pre>
 *
 * <p>Request rules: mode 3; exactly one Unique Identifier (at least 32 bytes) and one Cookie; any number of Cookie
 * Placeholders, each as long as the cookie (also inside the encrypted fields); the Authenticator last, with no MAC;
 * other fields ignored. A cookie that does not open (unknown key, forged) or an authenticator that does not verify
 * gets an NTS NAK. The reply echoes the Unique Identifier and carries one new cookie per cookie and placeholder sent
 * (at most 8), fewer if they would not fit: the reply is padded to exactly the request's length (as chrony does),
 * never longer, so NTS cannot amplify.
 *
 * <p>Client keys: a request's C2S/S2C keys come out of its cookie; the AES key schedules for them live in a
 * two-way set-associative cache of keyed instances (size a power of two; about 3 KB per entry). A client seen
 * recently costs no key setup and no allocation; a miss re-keys one entry: three AES key schedules (C2S MAC, S2C MAC
 * and CTR; the C2S CTR half only for a request with encrypted fields), each of which the JDK allocates (about 450
 * bytes). Hits and misses are counted.
 *
 * <p>JDK cipher calls per request (each costs far more than the AES inside it): the cookie is opened and its
 * replacements sealed in three ({@link CookieCodec#openAndReissue}), the request verified in three, the reply
 * sealed in three ({@link AesSiv#sealWithFreshNonce}): nine, plus on a miss three re-keys and four calls for the new
 * keys' CMAC subkeys and S2V starting values.
 */
public final class NtsServerCodec {
    /** {@link #open} verdicts. */
    public static final int NOT_NTS = 0;
    public static final int OK = 1;
    public static final int NAK = 2;
    public static final int DROP = 3;

    /** Reasons ({@link #reason()}) for DROP and NAK. */
    public static final int REASON_NONE = 0;
    public static final int REASON_MALFORMED = 1;
    public static final int REASON_MODE = 2;
    public static final int REASON_MISSING_FIELD = 3;
    public static final int REASON_DUPLICATE_FIELD = 4;
    public static final int REASON_AUTH_NOT_LAST = 5;
    public static final int REASON_PLACEHOLDER_LENGTH = 6;
    public static final int REASON_TOO_LONG = 7;
    public static final int REASON_COOKIE_UNKNOWN_KEY = 8;
    public static final int REASON_COOKIE_NOT_AUTHENTIC = 9;
    public static final int REASON_NOT_AUTHENTIC = 10;
    public static final int REASONS = 11;

    /** refid of an NTS NAK kiss-o'-death: "NTSN". */
    public static final int NAK_REFID = 0x4E54534E;
    /** Longest request handled. */
    public static final int MAX_PACKET = 2048;
    public static final int MAX_COOKIES = CookieCodec.MAX_REISSUE;
    /** An authenticator with a 16-byte nonce and no encrypted fields. */
    private static final int EMPTY_AUTH = NtsFields.HEADER + 4 + NtsFields.NONCE_LENGTH + AesSiv.TAG_LENGTH;

    private static final int HEADER = 48; // the NTPv4 header the responder writes

    private final CookieCodec cookies;
    private final NonceSource nonces;
    private final ExtensionFieldCursor cursor = new ExtensionFieldCursor();
    private final byte[] rq = new byte[MAX_PACKET];
    private final byte[] rp = new byte[MAX_PACKET];
    private final byte[] plain = new byte[MAX_PACKET]; // the request's encrypted fields
    private final byte[] replyPlain = new byte[MAX_COOKIES * NtsFields.fieldLength(CookieCodec.MAX_LENGTH)];
    private final byte[] keys = new byte[128];
    private final byte[] random = new byte[NtsFields.NONCE_LENGTH];

    private final int cacheMask;
    private final byte[] cacheRecent; // per set: the way used last
    private final AesSiv[] cacheC2s;
    private final AesSiv[] cacheS2c;
    private long cacheHits;
    private long cacheMisses;

    // state of the last open()
    private int reason;
    private int uidPosition;
    private int uidFieldLength;
    private int aead;
    private int entry;
    private int requested;
    private int issued; // new cookies already in replyPlain

    /**
     * @param keys       the current server key set (read on every packet; return the same instance until it changes)
     * @param nonces     this thread's nonce source
     * @param cacheSize  client key-schedule cache entries, a power of two (1024: about 3 MB)
     */
    public NtsServerCodec(Supplier<ServerKeySet> keys, NonceSource nonces, int cacheSize) {
        if (Integer.bitCount(cacheSize) != 1 || cacheSize < 2) {
            throw new IllegalArgumentException("cache size " + cacheSize + " is not a power of two of at least 2");
        }
        this.cookies = new CookieCodec(keys, nonces);
        this.nonces = nonces;
        AesSiv.Scratch scratch = new AesSiv.Scratch(MAX_PACKET, MAX_PACKET);
        cacheMask = cacheSize - 1;
        cacheRecent = new byte[cacheSize / 2];
        cacheC2s = new AesSiv[cacheSize];
        cacheS2c = new AesSiv[cacheSize];
        for (int i = 0; i < cacheSize; i++) {
            cacheC2s[i] = new AesSiv(scratch);
            cacheS2c[i] = new AesSiv(scratch);
        }
    }

    /** Why the last {@link #open} said DROP or NAK ({@code REASON_*}). */
    public int reason() {
        return reason;
    }

    public long cacheHits() {
        return cacheHits;
    }

    public long cacheMisses() {
        return cacheMisses;
    }

    /** The AEAD of the last request that opened. */
    public int aead() {
        return aead;
    }

    /**
     * Checks the well-formed packet of {@code length} bytes (see the class comment); on OK the new cookies for the
     * reply are made already, under the server key issuing at {@code nowUnixNs}.
     */
    public int open(MemorySegment rx, long offset, int length, long nowUnixNs) {
        reason = REASON_NONE;
        uidPosition = -1;
        int cookiePosition = -1;
        int cookieLength = 0;
        int authPosition = -1;
        int authLength = 0;
        int placeholders = 0;
        int placeholderLength = -1;
        boolean badPlaceholder = false;
        boolean afterAuth = false;
        boolean duplicate = false;
        cursor.wrap(rx, offset, length);
        while (cursor.next()) {
            int type = cursor.type();
            int position = cursor.fieldPosition();
            if (authPosition >= 0) {
                afterAuth = true;
            }
            switch (type) {
                case NtsFields.UNIQUE_IDENTIFIER -> {
                    duplicate |= uidPosition >= 0;
                    uidPosition = position;
                    uidFieldLength = cursor.fieldLength();
                }
                case NtsFields.COOKIE -> {
                    duplicate |= cookiePosition >= 0;
                    cookiePosition = position;
                    cookieLength = cursor.valueLength();
                }
                case NtsFields.COOKIE_PLACEHOLDER -> {
                    placeholders++;
                    badPlaceholder |= placeholderLength >= 0 && placeholderLength != cursor.valueLength();
                    placeholderLength = cursor.valueLength();
                }
                case NtsFields.AUTHENTICATOR -> {
                    duplicate |= authPosition >= 0;
                    authPosition = position;
                    authLength = cursor.fieldLength();
                }
                default -> {
                    // other fields are not ours to judge
                }
            }
        }
        if (cursor.malformation() != Malformation.OK) {
            return uidPosition < 0 && cookiePosition < 0 && authPosition < 0 ? NOT_NTS : drop(REASON_MALFORMED);
        }
        if (uidPosition < 0 && cookiePosition < 0 && authPosition < 0) {
            return NOT_NTS;
        }
        if ((rx.get(ValueLayout.JAVA_BYTE, offset) & 7) != 3) {
            return drop(REASON_MODE);
        }
        if (duplicate) {
            return drop(REASON_DUPLICATE_FIELD);
        }
        if (uidPosition < 0 || cookiePosition < 0 || authPosition < 0
                || uidFieldLength - NtsFields.HEADER < NtsFields.MIN_UID) {
            return drop(REASON_MISSING_FIELD);
        }
        if (afterAuth || cursor.macLength() > 0) {
            return drop(REASON_AUTH_NOT_LAST);
        }
        if (badPlaceholder || (placeholderLength >= 0 && placeholderLength != cookieLength)) {
            return drop(REASON_PLACEHOLDER_LENGTH);
        }
        if (length > MAX_PACKET) {
            return drop(REASON_TOO_LONG);
        }
        MemorySegment.copy(rx, ValueLayout.JAVA_BYTE, offset, rq, 0, length);
        // The cookies the reply will carry are sealed in the same calls that open this one: as many as were asked
        // for in clear and fit (placeholders in the encrypted fields, rarely sent, are added by seal()).
        int cookieField = NtsFields.fieldLength(cookieLength);
        int fit = (length - HEADER - uidFieldLength - EMPTY_AUTH) / cookieField;
        issued = Math.max(0, Math.min(Math.min(MAX_COOKIES, 1 + placeholders), fit));
        int opened = cookies.openAndReissue(rq, cookiePosition + NtsFields.HEADER, cookieLength, keys, 0,
                Math.floorDiv(nowUnixNs, 1_000_000_000L), issued, replyPlain, NtsFields.HEADER, cookieField);
        if (opened < 0) {
            reason = opened == CookieCodec.UNKNOWN_KEY ? REASON_COOKIE_UNKNOWN_KEY : REASON_COOKIE_NOT_AUTHENTIC;
            return NAK;
        }
        aead = opened;
        int keyLength = Aead.keyLength(aead);
        entry = lookup(keyLength);
        int plainLength = NtsFields.open(rq, authPosition, authLength, cacheC2s[entry], plain);
        if (plainLength < 0) {
            reason = REASON_NOT_AUTHENTIC;
            return NAK;
        }
        // Encrypted extension fields: placeholders there count too (RFC 8915 section 5.7).
        for (int at = 0; at < plainLength;) {
            if (plainLength - at < NtsFields.MIN_FIELD) {
                return drop(REASON_MALFORMED);
            }
            int fieldLength = NtsFields.u16(plain, at + 2);
            if (fieldLength < NtsFields.MIN_FIELD || (fieldLength & 3) != 0 || fieldLength > plainLength - at) {
                return drop(REASON_MALFORMED);
            }
            if (NtsFields.u16(plain, at) == NtsFields.COOKIE_PLACEHOLDER) {
                if (fieldLength - NtsFields.HEADER != cookieLength) {
                    return drop(REASON_PLACEHOLDER_LENGTH);
                }
                placeholders++;
            }
            at += fieldLength;
        }
        requested = Math.min(MAX_COOKIES, 1 + placeholders);
        return OK;
    }

    private int drop(int why) {
        reason = why;
        return DROP;
    }

    /**
     * Two-way set-associative: the set is picked by key bytes (random), the less recently used way is replaced. An
     * entry is the client's when its C2S instance holds the C2S key (the S2C key came out of the same cookie).
     */
    private int lookup(int keyLength) {
        int set = ((keys[0] & 0xFF) | (keys[1] & 0xFF) << 8 | (keys[2] & 0xFF) << 16) & cacheMask & ~1;
        for (int way = set; way <= set + 1; way++) {
            if (cacheC2s[way].hasKey(keys, 0, keyLength)) {
                cacheHits++;
                cacheRecent[set >>> 1] = (byte) (way - set);
                return way;
            }
        }
        cacheMisses++;
        int way = set + 1 - cacheRecent[set >>> 1];
        cacheRecent[set >>> 1] = (byte) (way - set);
        cacheC2s[way].key(keys, 0, keyLength); // S2C is keyed in seal(), only for requests that verified
        return way;
    }

    /**
     * After {@link #open} returned OK and the 48-byte header is final at {@code tx[txOffset]}: appends the Unique
     * Identifier and the authenticator with new cookies, the whole reply at most {@code maxLength} (the request's
     * length) and padded to it. Returns the reply's length, or -1 when not even an empty authenticator fits.
     */
    public int seal(MemorySegment tx, long txOffset, int headerLength, int maxLength, long nowUnixNs) {
        MemorySegment.copy(tx, ValueLayout.JAVA_BYTE, txOffset, rp, 0, headerLength);
        int at = headerLength;
        System.arraycopy(rq, uidPosition, rp, at, uidFieldLength);
        at += uidFieldLength;
        int cookieLength = CookieCodec.length(aead);
        int cookieField = NtsFields.HEADER + cookieLength;
        int n = requested;
        while (n > 0 && at + EMPTY_AUTH + n * cookieField > maxLength) {
            n--;
        }
        if (at + EMPTY_AUTH > maxLength || maxLength > MAX_PACKET) {
            return -1;
        }
        if (n > issued) {
            int more = n - issued;
            if (cookies.seal(aead, keys, 0, Math.floorDiv(nowUnixNs, 1_000_000_000L), more, replyPlain,
                    issued * cookieField + NtsFields.HEADER, cookieField) < 0) {
                n = issued;
            }
        }
        for (int i = 0; i < n; i++) {
            NtsFields.u16(replyPlain, i * cookieField, NtsFields.COOKIE);
            NtsFields.u16(replyPlain, i * cookieField + 2, cookieField);
        }
        nonces.next(random, 0, random.length);
        int keyLength = Aead.keyLength(aead);
        AesSiv s2c = cacheS2c[entry];
        s2c.key(keys, keyLength, keyLength); // a no-op unless this entry was just (re)filled
        int length = NtsFields.sealFresh(rp, at, s2c, random, 0, replyPlain, n * cookieField, maxLength - at);
        MemorySegment.copy(rp, headerLength, tx, ValueLayout.JAVA_BYTE, txOffset + headerLength, length - headerLength);
        return length;
    }

    /**
     * After {@link #open} returned NAK and a kiss-o'-death header with refid {@link #NAK_REFID} is at
     * {@code tx[txOffset]}: appends the request's Unique Identifier (nothing else: the client cannot authenticate a
     * NAK, RFC 8915 section 5.7) and returns the reply's length.
     */
    public int nak(MemorySegment tx, long txOffset, int headerLength) {
        MemorySegment.copy(rq, uidPosition, tx, ValueLayout.JAVA_BYTE, txOffset + headerLength, uidFieldLength);
        return headerLength + uidFieldLength;
    }
}
