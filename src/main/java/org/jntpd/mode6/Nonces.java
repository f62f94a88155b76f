package org.jntpd.mode6;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The nonces of ntpd's MRU exchange (ntp_control.c generate_nonce/validate_nonce): {@code ntpq} first asks for a
 * nonce (REQ_NONCE) and must send it back with every READ_MRU, which proves that it receives what is sent to its
 * address, so the MRU list's many fragments cannot be aimed at someone else by a spoofed source address. A nonce is the
 * time it was given and a tag, HMAC-SHA256 under a secret key over that time and the client's address and port; it is
 * good from the same address and port for {@link #LIFETIME_NS} (ntpd's NONCE_TIMEOUT, 16 s). The key is random and
 * replaced every hour (the one before is still accepted, so a nonce given just before the change stays good).
 *
 * <p>The text is opaque to ntpq (it sends back what it got): 16 hex digits of the time, 16 of the tag. Not
 * thread-safe: the mode 6 thread's. Time comes in ({@code nowNs}, any monotonic ns).
 */
final class Nonces {
    /** ntpd's NONCE_TIMEOUT: how long a nonce may be used. */
    static final long LIFETIME_NS = 16_000_000_000L;
    /** How often the key changes (ntpd's salt: every hour). */
    static final long KEY_LIFETIME_NS = 3_600_000_000_000L;
    private static final int TEXT_LENGTH = 32;

    private final SecureRandom random;
    /**
     * Made at the first nonce, not with this object: Mac.getInstance loads the JCE (its providers, policy files and
     * regex: ~110 classes, bench/README.md "Footprint") into every server, though few are ever asked for a nonce.
     */
    private Mac mac;
    private byte[] key;
    private byte[] previousKey;
    private long keySinceNs;
    private boolean started;

    Nonces(SecureRandom random) {
        this.random = random;
    }

    /** A nonce for the client (hi, lo):port at {@code nowNs}: 32 hex digits. */
    String issue(long hi, long lo, int port, long nowNs) {
        rotate(nowNs);
        return String.format(Locale.ROOT, "%016x%016x", nowNs, tag(key, nowNs, hi, lo, port));
    }

    /** Whether {@code text} is a nonce this server gave the client (hi, lo):port less than 16 s before {@code nowNs}. */
    boolean valid(String text, long hi, long lo, int port, long nowNs) {
        rotate(nowNs);
        if (text == null || text.length() != TEXT_LENGTH) {
            return false;
        }
        long issuedNs;
        long tag;
        try {
            issuedNs = Long.parseUnsignedLong(text, 0, 16, 16);
            tag = Long.parseUnsignedLong(text, 16, 32, 16);
        } catch (NumberFormatException e) {
            return false;
        }
        long ageNs = nowNs - issuedNs;
        if (ageNs < 0 || ageNs >= LIFETIME_NS) {
            return false;
        }
        return tag == tag(key, issuedNs, hi, lo, port)
                || (previousKey != null && tag == tag(previousKey, issuedNs, hi, lo, port));
    }

    private void rotate(long nowNs) {
        if (!started || nowNs - keySinceNs >= KEY_LIFETIME_NS) {
            previousKey = key;
            key = new byte[32];
            random.nextBytes(key);
            keySinceNs = nowNs;
            started = true;
        }
    }

    private long tag(byte[] k, long issuedNs, long hi, long lo, int port) {
        try {
            if (mac == null) {
                mac = Mac.getInstance("HmacSHA256");
            }
            mac.init(new SecretKeySpec(k, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        byte[] d = mac.doFinal(ByteBuffer.allocate(28).putLong(issuedNs).putLong(hi).putLong(lo).putInt(port).array());
        return ByteBuffer.wrap(d).getLong();
    }
}
