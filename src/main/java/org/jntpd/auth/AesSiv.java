package org.jntpd.auth;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;

/**
 * AES-SIV (RFC 5297) on the JDK's AES: S2V over AES-CMAC ({@link AesCmac}) with the first half of the key, CTR with
 * the second half. The CTR keystream is the JDK's {@code AES/ECB} over counter blocks built here, one call per
 * message (or per batch of messages): the JDK's {@code AES/CTR} would need a {@code Cipher.init} for every IV. Key of
 * 32 or 64 bytes: AEAD_AES_SIV_CMAC_256 / 512 (NTS AEAD ids 15 and 17).
 *
 * <p>Associated data are given as components before the last one (the plaintext), so nothing is concatenated:
 * <pre>
 * siv.begin();
 * siv.component(ad, 0, adLength);           // each associated-data string, in order
 * siv.component(nonce, 0, 16);              // NTS: the nonce is the last one before the plaintext
 * siv.seal(plaintext, 0, n, out, 0);        // out = V (16 bytes) || ciphertext (n bytes)
 * // or: boolean ok = siv.open(in, 0, 16 + n, plaintext, 0);
 * </pre>
 * That is one JDK call per component, one for the plaintext's MAC and one for CTR. D = CMAC(K1, zero block), where
 * every S2V starts, is computed once per key.
 *
 * <h2>Fewer calls where the caller lets us pick random bytes</h2>
 * An NTS server picks the reply's nonce and the nonce inside each cookie it makes; any uniformly random value will
 * do. {@link #sealWithFreshNonce} and {@link #sealFreshHeads} / {@link #openAndSealFreshHeads} pick them so that
 * their MAC rides in the same JDK call as the data before them ({@link AesCmac#queueFreeHead}): the value becomes
 * {@code r XOR x}, where {@code r} is 16 fresh random bytes the caller supplies and uses for nothing else and
 * {@code x} is a value fixed before {@code r} is drawn (a MAC output of this key, and K1 for a one-block nonce). For
 * every fixed {@code x}, {@code r -> r XOR x} is a bijection, so the value is exactly as uniform and as independent of
 * everything else as {@code r}: the output is the RFC 5297 output for a randomly drawn nonce, and nothing about
 * {@code x} leaks because {@code r} is never revealed. Tests check every such output against the plain API.
 *
 * <p>Allocation-free once keyed and once its CTR cipher exists (made on first use: a server never needs the CTR half
 * of a client's C2S key when requests carry no encrypted fields); not thread-safe. Instances of one thread share a
 * {@link Scratch}, which also holds the running S2V value: one S2V at a time per scratch.
 */
public final class AesSiv {
    public static final int TAG_LENGTH = 16;
    private static final int BLOCK = AesCmac.BLOCK;
    private static final byte[] ZERO = new byte[BLOCK];
    /** Most messages one batched call handles: a reply's eight cookies and the one that came in. */
    public static final int MAX_BATCH = 9;

    /**
     * Buffers as long as the longest message, shared by the instances one thread uses (a server keeps many keyed
     * instances: one per recent client), and the S2V state of the one S2V in progress.
     */
    public static final class Scratch {
        final AesCmac.Scratch mac;
        final byte[] counters;
        final byte[] stream;
        final int maxPlaintext;
        final byte[] d = new byte[BLOCK]; // the running S2V value
        final byte[] t = new byte[BLOCK];
        final byte[] v = new byte[BLOCK];
        // the CTR segments queued for one ECB call
        final byte[][] ctrIn = new byte[MAX_BATCH][];
        final byte[][] ctrOut = new byte[MAX_BATCH][];
        final int[] ctrInOffset = new int[MAX_BATCH];
        final int[] ctrOutOffset = new int[MAX_BATCH];
        final int[] ctrLength = new int[MAX_BATCH];
        int ctrSegments;
        int ctrFill;

        /**
         * @param maxComponent the longest associated-data component or plaintext, or for the batched calls the sum
         *                     over the batch of each message rounded up to whole blocks
         * @param maxPlaintext the longest plaintext, or for the batched calls their sum rounded up as above
         */
        public Scratch(int maxComponent, int maxPlaintext) {
            this.maxPlaintext = maxPlaintext;
            mac = new AesCmac.Scratch(AesCmac.scratchLength(Math.max(maxComponent, maxPlaintext)) + BLOCK);
            int blocks = (maxPlaintext + BLOCK - 1) / BLOCK;
            counters = new byte[Math.max(BLOCK, blocks * BLOCK)];
            stream = new byte[counters.length];
        }
    }

    private final AesCmac cmac;
    private final Scratch s;
    private Cipher ecb;
    private final byte[] d0 = new byte[BLOCK]; // CMAC(K1, zero block): where every S2V starts, once per key
    private final byte[] key = new byte[64];
    private int keyLength;
    private boolean ctrKeyed;

    /**
     * @param maxComponent the longest associated-data component or plaintext
     * @param maxPlaintext the longest plaintext
     */
    public AesSiv(int maxComponent, int maxPlaintext) {
        this(new Scratch(maxComponent, maxPlaintext));
    }

    public AesSiv(Scratch scratch) {
        this.s = scratch;
        this.cmac = new AesCmac(scratch.mac);
    }

    /**
     * Keys with {@code length} (32 or 64) bytes: MAC half first, CTR half second. No-op when unchanged. The CTR
     * half is installed when first used (an NTS request carries an empty plaintext, so a server never needs the C2S
     * CTR key of most clients).
     */
    public void key(byte[] k, int offset, int length) {
        if (length != 32 && length != 64) {
            throw new IllegalArgumentException("AES-SIV key of " + length + " bytes (32 or 64 expected)");
        }
        if (hasKey(k, offset, length)) {
            return;
        }
        cmac.key(k, offset, length / 2);
        cmac.mac(ZERO, 0, BLOCK, d0, 0);
        System.arraycopy(k, offset, key, 0, length);
        keyLength = length;
        ctrKeyed = false;
    }

    /** True when this instance is keyed with {@code length} bytes of {@code k} from {@code offset} (constant time). */
    public boolean hasKey(byte[] k, int offset, int length) {
        return length == keyLength && ConstantTime.equals(k, offset, key, 0, length);
    }

    /** The current key's length, 0 before the first {@link #key}. */
    public int keyLength() {
        return keyLength;
    }

    /** Starts S2V: D = CMAC(K1, zero block), computed when the key was set. */
    public void begin() {
        System.arraycopy(d0, 0, s.d, 0, BLOCK);
    }

    /** Adds one associated-data component: D = dbl(D) xor CMAC(K1, component). */
    public void component(byte[] c, int offset, int length) {
        byte[] d = s.d;
        cmac.mac(c, offset, length, s.t, 0);
        AesCmac.doubleBlock(d, d);
        xor(s.t, 0, d, 0);
    }

    /**
     * Encrypts {@code length} bytes of {@code plaintext} and writes V || C ({@code 16 + length} bytes) at
     * {@code out[outOffset]}. The output must not overlap the plaintext.
     */
    public void seal(byte[] plaintext, int offset, int length, byte[] out, int outOffset) {
        checkLength(length);
        finish(plaintext, offset, length, s.v);
        System.arraycopy(s.v, 0, out, outOffset, BLOCK);
        ctr(s.v, 0, plaintext, offset, length, out, outOffset + BLOCK);
    }

    /**
     * Decrypts V || C ({@code length} bytes of {@code in} from {@code offset}, at least 16) into
     * {@code out[outOffset]} and returns true when the tag is authentic; on false the output is zeroed.
     * The output must not overlap the input.
     */
    public boolean open(byte[] in, int offset, int length, byte[] out, int outOffset) {
        int n = length - TAG_LENGTH;
        if (n < 0) {
            return false;
        }
        checkLength(n);
        ctr(in, offset, in, offset + BLOCK, n, out, outOffset);
        finish(out, outOffset, n, s.v);
        if (ConstantTime.equals(s.v, 0, in, offset, BLOCK)) {
            return true;
        }
        java.util.Arrays.fill(out, outOffset, outOffset + n, (byte) 0);
        return false;
    }

    /**
     * {@code begin(); component(ad); component(nonce); seal(plaintext)} for a 16-byte nonce this method picks (see
     * the class comment): written at {@code nonceOut[nonceOffset]}, V || C at {@code out[outOffset]}. Two MAC calls
     * instead of three. {@code random}: 16 fresh unpredictable bytes from {@code randomOffset}, used for nothing else
     * and never revealed. The nonce and the output must not overlap the associated data or the plaintext.
     */
    public void sealWithFreshNonce(byte[] ad, int adOffset, int adLength, byte[] random, int randomOffset,
            byte[] nonceOut, int nonceOffset, byte[] plaintext, int offset, int length, byte[] out, int outOffset) {
        checkLength(length);
        int adTag = cmac.queue(ad, adOffset, adLength, null);
        int nonceTag = cmac.queueFreeHead(random, randomOffset, random, randomOffset, BLOCK, null);
        cmac.run();
        byte[] o = cmac.output();
        cmac.freeHead(nonceTag, random, randomOffset, nonceOut, nonceOffset);
        xor(cmac.k1, 0, nonceOut, nonceOffset); // a one-block message carries K1 in its only block
        byte[] d = s.d;
        AesCmac.doubleBlock(d0, d);
        xor(o, adTag, d, 0);
        AesCmac.doubleBlock(d, d);
        xor(o, nonceTag, d, 0);
        seal(plaintext, offset, length, out, outOffset);
    }

    /**
     * Seals {@code count} (at most {@link #MAX_BATCH}) plaintexts with no associated data (S2V over the plaintext
     * alone), each {@code template} ({@code length >= 32} bytes) with its first 16 bytes replaced by 16 bytes picked
     * here (see the class comment; {@code random} holds 16 fresh bytes per plaintext); V || C of plaintext i goes to
     * {@code out[outOffset + i * stride]}. One MAC call and one CTR call for all of them. The outputs must not overlap
     * the template.
     */
    public void sealFreshHeads(byte[] template, int offset, int length, byte[] random, int randomOffset, int count,
            byte[] out, int outOffset, int stride) {
        checkBatch(length, count);
        for (int i = 0; i < count; i++) {
            cmac.queueFreeHead(random, randomOffset + i * BLOCK, template, offset, length, d0);
        }
        cmac.run();
        finishFreeHeads(0, template, offset, length, random, randomOffset, count, out, outOffset, stride);
    }

    /**
     * {@link #open} of V || C sealed with no associated data, in the same calls as {@link #sealFreshHeads} of what it
     * holds: writes the plaintext at {@code plainOut[plainOffset]} and, when authentic, {@code count} copies with fresh
     * heads at {@code out[outOffset + i * stride]}, and returns true; on false the plaintext is zeroed and nothing is
     * sealed. Three JDK calls for the open and all the seals. The plaintext ({@code length - 16 >= 32} bytes) and the
     * outputs must not overlap the input or each other.
     */
    public boolean openAndSealFreshHeads(byte[] in, int offset, int length, byte[] plainOut, int plainOffset,
            byte[] random, int randomOffset, int count, byte[] out, int outOffset, int stride) {
        int n = length - TAG_LENGTH;
        checkBatch(n, count + 1);
        ctr(in, offset, in, offset + BLOCK, n, plainOut, plainOffset);
        int tag = cmac.queue(plainOut, plainOffset, n, d0);
        for (int i = 0; i < count; i++) {
            cmac.queueFreeHead(random, randomOffset + i * BLOCK, plainOut, plainOffset, n, d0);
        }
        cmac.run();
        if (!ConstantTime.equals(cmac.output(), tag, in, offset, BLOCK)) {
            java.util.Arrays.fill(plainOut, plainOffset, plainOffset + n, (byte) 0);
            return false;
        }
        finishFreeHeads(tag + BLOCK, plainOut, plainOffset, n, random, randomOffset, count, out, outOffset, stride);
        return true;
    }

    /** After the MAC call of free-head chains queued from {@code first}: writes V || C of each. */
    private void finishFreeHeads(int first, byte[] template, int offset, int length, byte[] random, int randomOffset,
            int count, byte[] out, int outOffset, int stride) {
        byte[] o = cmac.output();
        int chain = (length + BLOCK - 1) / BLOCK * BLOCK;
        for (int i = 0; i < count; i++) {
            int head = first + i * chain;
            int at = outOffset + i * stride;
            System.arraycopy(o, head + chain - BLOCK, out, at, BLOCK); // V
            System.arraycopy(template, offset, out, at + BLOCK, length); // the plaintext, encrypted in place below
            cmac.freeHead(head, random, randomOffset + i * BLOCK, out, at + BLOCK);
            ctrQueue(out, at, out, at + BLOCK, length, out, at + BLOCK);
        }
        ctrRun();
    }

    private void checkLength(int length) {
        if (length > s.maxPlaintext) {
            throw new IllegalArgumentException("plaintext of " + length + " bytes, at most " + s.maxPlaintext);
        }
    }

    private void checkBatch(int length, int count) {
        if (length < 2 * BLOCK || count < 0 || count > MAX_BATCH) {
            throw new IllegalArgumentException(count + " fresh-head plaintexts of " + length + " bytes");
        }
        checkLength(count * ((length + BLOCK - 1) / BLOCK * BLOCK));
    }

    /** Last S2V step over the plaintext into {@code into}. */
    private void finish(byte[] p, int offset, int length, byte[] into) {
        int at;
        if (length >= BLOCK) {
            at = cmac.queue(p, offset, length, s.d); // T = S xorend D
        } else {
            byte[] t = s.t;
            AesCmac.doubleBlock(s.d, t);
            for (int i = 0; i < BLOCK; i++) {
                int padded = i < length ? p[offset + i] : i == length ? 0x80 : 0;
                t[i] ^= (byte) padded;
            }
            at = cmac.queue(t, 0, BLOCK, null);
        }
        cmac.run();
        System.arraycopy(cmac.output(), at, into, 0, BLOCK);
    }

    private static void xor(byte[] mask, int maskOffset, byte[] b, int at) {
        AesCmac.xorBlock(mask, maskOffset, b, at);
    }

    /** CTR of one message; see {@link #ctrQueue}. */
    private void ctr(byte[] iv, int ivOffset, byte[] in, int inOffset, int length, byte[] out, int outOffset) {
        ctrQueue(iv, ivOffset, in, inOffset, length, out, outOffset);
        ctrRun();
    }

    /**
     * Queues CTR over {@code length} bytes with Q = the IV with bits 63 and 31 cleared; the cleared bits let the low 64
     * bits count without carry. Output may be the input at the same offset.
     */
    private void ctrQueue(byte[] iv, int ivOffset, byte[] in, int inOffset, int length, byte[] out, int outOffset) {
        if (length == 0) {
            return;
        }
        int blocks = (length + BLOCK - 1) / BLOCK;
        byte[] counters = s.counters;
        int start = s.ctrFill;
        if (blocks * BLOCK > counters.length - start || s.ctrSegments == MAX_BATCH) {
            throw new IllegalArgumentException("CTR over " + (start + blocks * BLOCK) + " bytes, at most " + counters.length);
        }
        long high = 0;
        long low = 0;
        for (int i = 0; i < 8; i++) {
            high = high << 8 | (iv[ivOffset + i] & 0xFF);
            low = low << 8 | (iv[ivOffset + 8 + i] & 0xFF);
        }
        low &= 0x7FFFFFFF_7FFFFFFFL;
        for (int b = 0; b < blocks; b++) {
            long counter = low + b;
            int at = start + b * BLOCK;
            for (int i = 0; i < 8; i++) {
                counters[at + i] = (byte) (high >>> (56 - 8 * i));
                counters[at + 8 + i] = (byte) (counter >>> (56 - 8 * i));
            }
        }
        int k = s.ctrSegments++;
        s.ctrIn[k] = in;
        s.ctrInOffset[k] = inOffset;
        s.ctrOut[k] = out;
        s.ctrOutOffset[k] = outOffset;
        s.ctrLength[k] = length;
        s.ctrFill = start + blocks * BLOCK;
    }

    /** One ECB call for every queued segment's keystream, then the XORs. */
    private void ctrRun() {
        int fill = s.ctrFill;
        if (fill == 0) {
            return;
        }
        try {
            ctrCipher().update(s.counters, 0, fill, s.stream, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        byte[] stream = s.stream;
        int at = 0;
        for (int k = 0; k < s.ctrSegments; k++) {
            byte[] in = s.ctrIn[k];
            byte[] out = s.ctrOut[k];
            int inOffset = s.ctrInOffset[k];
            int outOffset = s.ctrOutOffset[k];
            int length = s.ctrLength[k];
            for (int i = 0; i < length; i++) {
                out[outOffset + i] = (byte) (in[inOffset + i] ^ stream[at + i]);
            }
            at += (length + BLOCK - 1) / BLOCK * BLOCK;
            s.ctrIn[k] = null;
            s.ctrOut[k] = null;
        }
        s.ctrSegments = 0;
        s.ctrFill = 0;
    }

    private Cipher ctrCipher() throws GeneralSecurityException {
        if (ecb == null) {
            ecb = Cipher.getInstance("AES/ECB/NoPadding");
        }
        if (!ctrKeyed) {
            int half = keyLength / 2;
            RawKey raw = s.mac.rawKey;
            raw.set(key, half, half);
            try {
                ecb.init(Cipher.ENCRYPT_MODE, raw);
            } finally {
                raw.clear();
            }
            ctrKeyed = true;
        }
        return ecb;
    }
}
