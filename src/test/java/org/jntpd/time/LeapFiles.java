package org.jntpd.time;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** leap-seconds.list files for tests: the tzdata copy, and crafted ones with a valid #h line (so only content is wrong). */
public final class LeapFiles {
    private LeapFiles() {}

    /** tzdata 2025b's file (expired 2026-06-28). */
    public static String tzdata2025b() throws IOException {
        try (InputStream in = LeapFiles.class.getResourceAsStream("/leap-seconds-2025b.list")) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    /**
     * The tzdata file with one more entry (from {@code startUnixS} on, TAI-UTC = {@code taiOffsetS}), expiring at
     * {@code expiresUnixS}, and the #h line its data hashes to.
     */
    public static String withEntry(long startUnixS, int taiOffsetS, long expiresUnixS) throws IOException {
        long epoch = NtpTimestamp.UNIX_EPOCH_NTP_S;
        String text = tzdata2025b().replaceFirst("(?m)^#@\\s+\\d+", "#@\t" + (expiresUnixS + epoch))
                .replaceFirst("(?m)^(3692217600\\s+37.*)$", "$1\n" + (startUnixS + epoch) + "\t" + taiOffsetS
                        + "\t# crafted");
        return rehash(text);
    }

    /** {@code text} with its #h line made to match its data (the IERS rule: the digits of #$, #@ and each entry). */
    public static String rehash(String text) {
        StringBuilder digits = new StringBuilder();
        for (String line : text.split("\r?\n")) {
            if (line.startsWith("#$") || line.startsWith("#@")) {
                digits.append(line.substring(2).trim());
            } else if (!line.isBlank() && !line.startsWith("#")) {
                String[] f = line.split("#")[0].trim().split("\\s+");
                digits.append(f[0]).append(f[1]);
            }
        }
        byte[] sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1").digest(digits.toString().getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        String hex = HexFormat.of().formatHex(sha1);
        String words = String.join(" ", hex.substring(0, 8), hex.substring(8, 16), hex.substring(16, 24),
                hex.substring(24, 32), hex.substring(32, 40));
        return text.replaceFirst("(?m)^#h.*$", "#h\t" + words);
    }
}
