package org.jntpd.auth;

/** AEAD algorithm numbers (IANA "AEAD Algorithms", RFC 5116) that NTS uses, and their key lengths. */
public final class Aead {
    /** AEAD_AES_SIV_CMAC_256 (RFC 5297): 32-byte key; every NTS implementation must support it (RFC 8915). */
    public static final int AES_SIV_CMAC_256 = 15;
    /** AEAD_AES_SIV_CMAC_512 (RFC 5297): 64-byte key; NTPsec offers it. */
    public static final int AES_SIV_CMAC_512 = 17;

    private Aead() {}

    /** True for the algorithms jntpd implements. */
    public static boolean supported(int id) {
        return id == AES_SIV_CMAC_256 || id == AES_SIV_CMAC_512;
    }

    /** Key length in bytes of a supported algorithm, -1 otherwise. */
    public static int keyLength(int id) {
        return switch (id) {
            case AES_SIV_CMAC_256 -> 32;
            case AES_SIV_CMAC_512 -> 64;
            default -> -1;
        };
    }

    public static String name(int id) {
        return switch (id) {
            case AES_SIV_CMAC_256 -> "AES-SIV-CMAC-256";
            case AES_SIV_CMAC_512 -> "AES-SIV-CMAC-512";
            default -> "AEAD " + id;
        };
    }
}
