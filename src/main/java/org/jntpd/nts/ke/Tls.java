package org.jntpd.nts.ke;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS material for NTS-KE from the PEM files users have (chrony's {@code ntsservercert}/{@code ntsserverkey},
 * NTPsec's {@code nts cert}/{@code nts key}): a certificate chain, and a private key as PKCS#8 ({@code PRIVATE KEY}),
 * SEC1 ({@code EC PRIVATE KEY}) or PKCS#1 ({@code RSA PRIVATE KEY}). Only the JDK is used.
 */
public final class Tls {
    private static final char[] NO_PASSWORD = new char[0];

    private Tls() {}

    /**
     * The server's certificate chain and key as read and judged at one instant: a context to serve with, or the reason
     * it must not be used ({@link #problem()}: unreadable, no certificate, a key that is not the certificate's, expired
     * or not yet valid at the time given).
     */
    public record ServerMaterial(SSLContext context, List<X509Certificate> chain, String problem) {
        public boolean usable() {
            return problem == null;
        }

        /** The end-entity certificate, or null when none was read. */
        public X509Certificate leaf() {
            return chain.isEmpty() ? null : chain.getFirst();
        }

        /** When the first certificate of the chain expires (Unix ms), or Long.MAX_VALUE when none was read. */
        public long notAfterUnixMs() {
            long t = Long.MAX_VALUE;
            for (X509Certificate c : chain) {
                t = Math.min(t, c.getNotAfter().getTime());
            }
            return t;
        }
    }

    /**
     * Reads {@code certFile} and {@code keyFile} and judges them at {@code nowUnixMs}; never throws: a file that cannot
     * be used gives a {@link ServerMaterial} with the reason, naming the file.
     */
    public static ServerMaterial loadServer(Path certFile, Path keyFile, long nowUnixMs) {
        List<X509Certificate> chain;
        try {
            chain = certificates(certFile);
        } catch (IOException | GeneralSecurityException e) {
            return new ServerMaterial(null, List.of(), "cannot read certificate " + certFile + ": " + e.getMessage());
        }
        if (chain.isEmpty()) {
            return new ServerMaterial(null, chain, "no PEM certificate in " + certFile);
        }
        PrivateKey key;
        try {
            key = privateKey(keyFile);
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            return new ServerMaterial(null, chain, "cannot read private key " + keyFile + ": " + e.getMessage());
        }
        if (!matches(key, chain.getFirst())) {
            return new ServerMaterial(null, chain, "the private key in " + keyFile + " does not belong to the certificate "
                    + "in " + certFile + " (" + chain.getFirst().getSubjectX500Principal() + ")");
        }
        for (X509Certificate c : chain) {
            String who = c == chain.getFirst() ? "the certificate in " + certFile
                    : "the chain's certificate " + c.getSubjectX500Principal() + " in " + certFile;
            if (nowUnixMs > c.getNotAfter().getTime()) {
                return new ServerMaterial(null, chain, who + " expired on " + java.time.Instant.ofEpochMilli(
                        c.getNotAfter().getTime()) + " (now " + java.time.Instant.ofEpochMilli(nowUnixMs) + ")");
            }
            if (nowUnixMs < c.getNotBefore().getTime()) {
                return new ServerMaterial(null, chain, who + " is not valid before " + java.time.Instant.ofEpochMilli(
                        c.getNotBefore().getTime()) + " (now " + java.time.Instant.ofEpochMilli(nowUnixMs) + ")");
            }
        }
        try {
            return new ServerMaterial(serverContext(chain, key), chain, null);
        } catch (GeneralSecurityException | IOException e) {
            return new ServerMaterial(null, chain, "cannot use " + certFile + " with " + keyFile + ": " + e.getMessage());
        }
    }

    /** Whether {@code key} is the private half of the certificate's public key: a signature made with one, checked. */
    static boolean matches(PrivateKey key, X509Certificate cert) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null) {
            return true; // a kind we cannot sign with here: TLS itself will fail if they do not match
        }
        try {
            byte[] probe = new byte[32];
            new java.security.SecureRandom().nextBytes(probe);
            java.security.Signature signer = java.security.Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** A server context presenting the chain in {@code certFile} with the key in {@code keyFile}. */
    public static SSLContext serverContext(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
        List<X509Certificate> chain = certificates(certFile);
        if (chain.isEmpty()) {
            throw new GeneralSecurityException(certFile + ": no certificate");
        }
        return serverContext(chain, privateKey(keyFile));
    }

    private static SSLContext serverContext(List<X509Certificate> chain, PrivateKey key)
            throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("nts", key, NO_PASSWORD, chain.toArray(Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, NO_PASSWORD);
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }

    /** A client context trusting the certificates in the given PEM files, or the JDK's default trust when none. */
    public static SSLContext clientContext(List<Path> trustedCertFiles) throws IOException, GeneralSecurityException {
        return clientContext(trustedCertFiles, false);
    }

    /**
     * A client context trusting the certificates in the given PEM files, and with {@code alsoSystem} the JDK's
     * certificate authorities too (chrony's ntstrustedcerts without nosystemcert); the JDK's alone when none is given.
     */
    public static SSLContext clientContext(List<Path> trustedCertFiles, boolean alsoSystem)
            throws IOException, GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        if (trustedCertFiles.isEmpty()) {
            context.init(null, null, null);
            return context;
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trustStore(trustedCertFiles, alsoSystem));
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    /**
     * The authorities {@link #clientContext(List, boolean)} trusts, for a {@link CertificateTrust} that judges the
     * server's chain at a time of the daemon's choosing.
     */
    public static java.util.Set<java.security.cert.TrustAnchor> trustAnchors(List<Path> trustedCertFiles, boolean alsoSystem)
            throws IOException, GeneralSecurityException {
        return CertificateTrust.anchors(trustedCertFiles.isEmpty() ? null : trustStore(trustedCertFiles, alsoSystem));
    }

    private static KeyStore trustStore(List<Path> trustedCertFiles, boolean alsoSystem)
            throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int n = 0;
        if (alsoSystem) {
            TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            system.init((KeyStore) null);
            for (javax.net.ssl.TrustManager tm : system.getTrustManagers()) {
                if (tm instanceof javax.net.ssl.X509TrustManager x) {
                    for (X509Certificate c : x.getAcceptedIssuers()) {
                        store.setCertificateEntry("ca" + n++, c);
                    }
                }
            }
        }
        for (Path file : trustedCertFiles) {
            for (X509Certificate c : certificates(file)) {
                store.setCertificateEntry("ca" + n++, c);
            }
        }
        return store;
    }

    public static List<X509Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (Certificate c : factory.generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
        }
        return out;
    }

    public static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        for (String kind : List.of("PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY")) {
            byte[] der = pem(text, kind);
            if (der == null) {
                continue;
            }
            return switch (kind) {
                case "PRIVATE KEY" -> pkcs8(der);
                case "EC PRIVATE KEY" -> KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
                        pkcs8Wrap(concat(EC_PUBLIC_KEY_OID, sec1Curve(der)), der)));
                default -> KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(
                        pkcs8Wrap(concat(RSA_OID, new byte[] {0x05, 0x00}), der)));
            };
        }
        throw new GeneralSecurityException(file + ": no PEM private key (PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)");
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (String algorithm : List.of("EC", "RSA", "Ed25519", "EdDSA", "RSASSA-PSS")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw last;
    }

    static byte[] pem(String text, String kind) {
        String begin = "-----BEGIN " + kind + "-----";
        int from = text.indexOf(begin);
        if (from < 0) {
            return null;
        }
        int to = text.indexOf("-----END " + kind + "-----", from);
        if (to < 0) {
            return null;
        }
        return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
    }

    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
    private static final byte[] RSA_OID = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};

    /** The curve OID of a SEC1 ECPrivateKey (its [0] parameters). */
    private static byte[] sec1Curve(byte[] der) throws GeneralSecurityException {
        int[] seq = tlv(der, 0);
        int at = seq[1];
        int end = seq[1] + seq[2];
        while (at < end) {
            int[] f = tlv(der, at);
            if ((der[at] & 0xFF) == 0xA0) {
                return java.util.Arrays.copyOfRange(der, f[1], f[1] + f[2]);
            }
            at = f[1] + f[2];
        }
        throw new GeneralSecurityException("EC PRIVATE KEY without curve parameters");
    }

    /** {tag, value offset, value length} of the DER element at {@code at}. */
    private static int[] tlv(byte[] der, int at) throws GeneralSecurityException {
        if (at + 2 > der.length) {
            throw new GeneralSecurityException("truncated DER");
        }
        int length = der[at + 1] & 0xFF;
        int value = at + 2;
        if (length > 0x80) {
            int n = length & 0x7F;
            length = 0;
            for (int i = 0; i < n; i++) {
                length = length << 8 | (der[value + i] & 0xFF);
            }
            value += n;
        }
        if (value + length > der.length) {
            throw new GeneralSecurityException("truncated DER");
        }
        return new int[] {der[at] & 0xFF, value, length};
    }

    private static byte[] pkcs8Wrap(byte[] algorithm, byte[] key) {
        byte[] version = {0x02, 0x01, 0x00};
        return der(0x30, concat(version, der(0x30, algorithm), der(0x04, key)));
    }

    private static byte[] der(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = value.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >>> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >>> 16);
            out.write(n >>> 8);
            out.write(n);
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
