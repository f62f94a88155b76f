package org.jntpd.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * AES-CMAC against RFC 4493 section 4 and NIST SP 800-38B (AES-256), AES-SIV against RFC 5297 appendix A; vectors for
 * AES-SIV-CMAC-512 and for plaintext lengths around the block size come from an independent implementation (OpenSSL
 * through pyca/cryptography 48: {@code AESSIV(key).encrypt(p, [ad, nonce])}).
 */
class AesSivTest {
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] hex(String s) {
        return HEX.parseHex(s.replace(" ", ""));
    }

    private static String cmac(String key, String message) {
        AesCmac cmac = new AesCmac(64);
        byte[] k = hex(key);
        cmac.key(k, 0, k.length);
        byte[] m = hex(message);
        byte[] out = new byte[16];
        cmac.mac(m, 0, m.length, out, 0);
        return HEX.formatHex(out);
    }

    @Test
    void shouldMatchRfc4493Examples() {
        String k = "2b7e151628aed2a6abf7158809cf4f3c";
        assertEquals("bb1d6929e95937287fa37d129b756746", cmac(k, ""));
        assertEquals("070a16b46b4d4144f79bdd9dd04a287c", cmac(k, "6bc1bee22e409f96e93d7e117393172a"));
        assertEquals("dfa66747de9ae63030ca32611497c827",
                cmac(k, "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411"));
        assertEquals("51f0bebf7e3b9d92fc49741779363cfe", cmac(k, "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c"
                + "9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"));
    }

    @Test
    void shouldMatchNistAes256CmacExample() {
        assertEquals("28a7023f452e8f82bd4bf28d8c37c35c",
                cmac("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", "6bc1bee22e409f96e93d7e117393172a"));
    }

    @Test
    void shouldComputeRfc4493SubkeysThroughTheDoubling() {
        byte[] l = hex("7df76b0c1ab899b33e42f047b91b546f");
        byte[] k1 = new byte[16];
        byte[] k2 = new byte[16];
        AesCmac.doubleBlock(l, k1);
        AesCmac.doubleBlock(k1, k2);
        assertEquals("fbeed618357133667c85e08f7236a8de", HEX.formatHex(k1));
        assertEquals("f7ddac306ae266ccf90bc11ee46d513b", HEX.formatHex(k2));
    }

    @Test
    void shouldMatchRfc5297DeterministicExample() {
        AesSiv siv = keyed("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        byte[] ad = hex("101112131415161718191a1b1c1d1e1f2021222324252627");
        byte[] p = hex("112233445566778899aabbccddee");
        byte[] out = seal(siv, p, ad);
        assertEquals("85632d07c6e8f37f950acd320a2ecc9340c02b9690c4dc04daef7f6afe5c", HEX.formatHex(out));
        assertArrayEquals(hex("112233445566778899aabbccddee"), p, "plaintext restored after the in-place xorend");

        byte[] back = new byte[p.length];
        siv.begin();
        siv.component(ad, 0, ad.length);
        assertTrue(siv.open(out, 0, out.length, back, 0));
        assertArrayEquals(p, back);
    }

    @Test
    void shouldMatchRfc5297NonceBasedExample() {
        AesSiv siv = keyed("7f7e7d7c7b7a79787776757473727170404142434445464748494a4b4c4d4e4f");
        byte[] ad1 = hex("00112233445566778899aabbccddeeffdeaddadadeaddadaffeeddccbbaa99887766554433221100");
        byte[] ad2 = hex("102030405060708090a0");
        byte[] nonce = hex("09f911029d74e35bd84156c5635688c0");
        byte[] p = hex("7468697320697320736f6d6520706c61696e7465787420746f20656e6372797074207573696e67205349562d414553");
        byte[] out = seal(siv, p, ad1, ad2, nonce);
        assertEquals("7bdb6e3b432667eb06f4d14bff2fbd0fcb900f2fddbe404326601965c889bf17dba77ceb094fa663b7a3f748"
                + "ba8af829ea64ad544a272e9c485b62a3fd5c0d", HEX.formatHex(out));
    }

    @Test
    void shouldMatchOpenSslForAesSivCmac512() {
        byte[] key = new byte[64];
        for (int i = 0; i < 64; i++) {
            key[i] = (byte) i;
        }
        byte[] ad = range(100, 140);
        byte[] nonce = range(200, 216);
        byte[] p = range(0, 70);
        AesSiv siv = new AesSiv(128, 128);
        siv.key(key, 0, 64);
        byte[] out = seal(siv, p, ad, nonce);
        assertEquals("c38842cfd211ca2c4b5b8a13297d6f69f687b6d7335cdf5996653f698ff627a510f79664888a1c68d7f437ef1c9f137e"
                + "25467fadef7013a3fdccc03dafbd195d2717a4cb69db84596b2d2e935d8177c017779f1e25a0", HEX.formatHex(out));
    }

    @Test
    void shouldMatchOpenSslAroundTheBlockBoundary() {
        String[][] expected = {
            {"1", "adc3d2587bb2bafecc57bce0ad2c4c70e7"},
            {"15", "a667ca855049f5742e40268dab0eeabd42bde15c2524f3b8b34cb57178f4cd"},
            {"16", "b657829c6056a0fa1995a99753f7c5a94b4bb4cde6e8449de29e576b892659c7"},
            {"17", "e334caafa8a4034eea2ce677ca812e79f4e14fbb6e2d81b9a82b5f1c814f481f38"},
            {"31", "7f701cf219b96615ee7d02ccfda7623c7426a264942c3815b16f6666105fa501426e21b3eb71d7e2c1aed96613604d"},
            {"32", "5bc2a546bb5e1f7dbeff79a056e5135f87b2d935fb7d0f2ae7d030ee19df5dde0c3a4f4f9a1bb3ce2e7697f4c5edb976"},
            {"33", "72d2d44f42b6f0e37494c4153fe8ef8db565a29232f0c6a3dd58911589cc62cbb8979e48afafe52eb791ddc8888eb7113d"},
        };
        AesSiv siv = new AesSiv(64, 64);
        byte[] key = range(0, 32);
        siv.key(key, 0, 32);
        byte[] ad = range(0, 48);
        byte[] nonce = new byte[16];
        for (String[] row : expected) {
            byte[] out = seal(siv, range(0, Integer.parseInt(row[0])), ad, nonce);
            assertEquals(row[1], HEX.formatHex(out), "plaintext of " + row[0] + " bytes");
        }
    }

    @Test
    void shouldRejectAnyFlippedBitAndZeroThePlaintext() {
        AesSiv siv = new AesSiv(64, 64);
        byte[] key = range(0, 32);
        siv.key(key, 0, 32);
        byte[] ad = range(0, 20);
        byte[] p = range(1, 30);
        byte[] sealed = new byte[16 + p.length];
        siv.begin();
        siv.component(ad, 0, ad.length);
        siv.seal(p, 0, p.length, sealed, 0);
        byte[] out = new byte[p.length];
        for (int bit = 0; bit < sealed.length * 8; bit++) {
            byte[] bad = sealed.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            siv.begin();
            siv.component(ad, 0, ad.length);
            assertFalse(siv.open(bad, 0, bad.length, out, 0), "bit " + bit);
            assertArrayEquals(new byte[p.length], out);
        }
        byte[] badAd = ad.clone();
        badAd[19] ^= 1;
        siv.begin();
        siv.component(badAd, 0, badAd.length);
        assertFalse(siv.open(sealed, 0, sealed.length, out, 0), "associated data changed");
    }

    @Test
    void shouldRekeyOnlyWhenTheKeyChanges() {
        AesSiv siv = new AesSiv(64, 64);
        byte[] a = range(0, 32);
        byte[] b = range(1, 33);
        byte[] p = range(0, 5);
        byte[] outA = new byte[21];
        byte[] outB = new byte[21];
        siv.key(a, 0, 32);
        siv.begin();
        siv.seal(p, 0, 5, outA, 0);
        siv.key(b, 0, 32);
        siv.begin();
        siv.seal(p, 0, 5, outB, 0);
        assertFalse(java.util.Arrays.equals(outA, outB));
        siv.key(a, 0, 32);
        siv.begin();
        siv.seal(p, 0, 5, outB, 0);
        assertArrayEquals(outA, outB);
    }

    /** Fresh-nonce sealing gives the RFC 5297 output for the nonce it reports, and that nonce is r XOR a fixed value. */
    @Test
    void shouldSealWithAFreshNonceExactlyAsWithThatNonceGiven() {
        java.util.Random random = new java.util.Random(3);
        for (int keyLength : new int[] {32, 64}) {
            byte[] key = new byte[keyLength];
            random.nextBytes(key);
            AesSiv siv = new AesSiv(256, 256);
            siv.key(key, 0, keyLength);
            AesSiv reference = new AesSiv(256, 256);
            reference.key(key, 0, keyLength);
            AesCmac cmac = new AesCmac(256);
            cmac.key(key, 0, keyLength / 2);
            for (int length : new int[] {0, 1, 15, 16, 17, 31, 32, 33, 108, 216}) {
                for (int adLength : new int[] {0, 16, 84, 100}) {
                    byte[] ad = new byte[adLength];
                    byte[] p = new byte[length];
                    byte[] r = new byte[16];
                    random.nextBytes(ad);
                    random.nextBytes(p);
                    random.nextBytes(r);
                    byte[] pCopy = p.clone();
                    byte[] nonce = new byte[16];
                    byte[] out = new byte[16 + length];
                    siv.sealWithFreshNonce(ad, 0, adLength, r, 0, nonce, 0, p, 0, length, out, 0);
                    String what = keyLength + "-byte key, " + adLength + " bytes of AD, " + length + " of plaintext";
                    assertArrayEquals(pCopy, p, what + ": plaintext untouched");
                    assertArrayEquals(seal(reference, p, ad, nonce), out, what);
                    // nonce = r xor CMAC(K1, AD) xor K1: a bijection of r, so as uniform as r
                    byte[] expected = new byte[16];
                    cmac.mac(ad, 0, adLength, expected, 0);
                    for (int i = 0; i < 16; i++) {
                        expected[i] ^= (byte) (r[i] ^ cmac.k1[i]);
                    }
                    assertArrayEquals(expected, nonce, what + ": nonce");
                }
            }
        }
    }

    /** Fresh-head batches give the RFC 5297 output (no associated data) of the plaintexts they report. */
    @Test
    void shouldSealAndReopenBatchesWithFreshHeads() {
        java.util.Random random = new java.util.Random(4);
        for (int keyLength : new int[] {32, 64}) {
            byte[] key = new byte[keyLength];
            random.nextBytes(key);
            AesSiv.Scratch scratch = new AesSiv.Scratch(9 * 160, 9 * 160);
            AesSiv siv = new AesSiv(scratch);
            siv.key(key, 0, keyLength);
            AesSiv reference = new AesSiv(256, 256);
            reference.key(key, 0, keyLength);
            for (int length : new int[] {32, 33, 84, 148}) {
                for (int count = 1; count <= 8; count++) {
                    String what = keyLength + "-byte key, " + count + " x " + length + " bytes";
                    byte[] template = new byte[length];
                    random.nextBytes(template);
                    byte[] r = new byte[16 * 9];
                    random.nextBytes(r);
                    int stride = 16 + length + 3;
                    byte[] out = new byte[count * stride];
                    siv.sealFreshHeads(template, 0, length, r, 0, count, out, 0, stride);
                    java.util.Set<String> heads = new java.util.HashSet<>();
                    byte[] first = null;
                    for (int i = 0; i < count; i++) {
                        byte[] sealed = java.util.Arrays.copyOfRange(out, i * stride, i * stride + 16 + length);
                        byte[] p = new byte[length];
                        reference.begin();
                        assertTrue(reference.open(sealed, 0, sealed.length, p, 0), what + ": copy " + i + " opens");
                        assertArrayEquals(java.util.Arrays.copyOfRange(template, 16, length),
                                java.util.Arrays.copyOfRange(p, 16, length), what + ": all but the head kept");
                        assertTrue(heads.add(HEX.formatHex(p, 0, 16)), what + ": heads differ");
                        if (first == null) {
                            first = sealed;
                        }
                    }
                    // Open the first copy and reissue: the same in three calls.
                    byte[] plain = new byte[length];
                    byte[] again = new byte[count * stride];
                    random.nextBytes(r);
                    assertTrue(siv.openAndSealFreshHeads(first, 0, first.length, plain, 0, r, 0, count, again, 0, stride));
                    for (int i = 0; i < count; i++) {
                        byte[] sealed = java.util.Arrays.copyOfRange(again, i * stride, i * stride + 16 + length);
                        byte[] p = new byte[length];
                        reference.begin();
                        assertTrue(reference.open(sealed, 0, sealed.length, p, 0), what + ": reissued copy " + i);
                        assertArrayEquals(java.util.Arrays.copyOfRange(plain, 16, length),
                                java.util.Arrays.copyOfRange(p, 16, length));
                        assertTrue(heads.add(HEX.formatHex(p, 0, 16)), what + ": reissued heads differ");
                    }
                    // A flipped bit: refused, plaintext zeroed, nothing sealed.
                    first[20] ^= 1;
                    byte[] none = new byte[count * stride];
                    assertFalse(siv.openAndSealFreshHeads(first, 0, first.length, plain, 0, r, 0, count, none, 0, stride));
                    assertArrayEquals(new byte[length], plain);
                    assertArrayEquals(new byte[count * stride], none);
                }
            }
        }
    }

    /** The batched calls refuse what they cannot do rather than produce something else. */
    @Test
    void shouldRefuseBatchesItCannotHold() {
        AesSiv siv = new AesSiv(new AesSiv.Scratch(2 * 160, 2 * 160));
        siv.key(range(0, 32), 0, 32);
        byte[] r = new byte[16 * 9];
        byte[] out = new byte[2048];
        assertThrows(IllegalArgumentException.class, () -> siv.sealFreshHeads(new byte[31], 0, 31, r, 0, 1, out, 0, 64),
                "a head and a tail of at least a block each");
        assertThrows(IllegalArgumentException.class, () -> siv.sealFreshHeads(new byte[84], 0, 84, r, 0, 4, out, 0, 100),
                "more than the scratch holds");
        assertThrows(IllegalArgumentException.class, () -> siv.sealFreshHeads(new byte[84], 0, 84, r, 0, 10, out, 0, 100));
    }

    static AesSiv keyed(String key) {
        AesSiv siv = new AesSiv(64, 64);
        byte[] k = hex(key);
        siv.key(k, 0, k.length);
        return siv;
    }

    /** V || C of {@code p} with the associated-data components in order. */
    static byte[] seal(AesSiv siv, byte[] p, byte[]... components) {
        byte[] out = new byte[16 + p.length];
        siv.begin();
        for (byte[] c : components) {
            siv.component(c, 0, c.length);
        }
        siv.seal(p, 0, p.length, out, 0);
        return out;
    }

    static byte[] range(int from, int to) {
        byte[] b = new byte[to - from];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }
}
