package org.jntpd.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * Self-signed EC P-256 certificates for NTS tests, made with the JDK's keytool (always there): names localhost and
 * 127.0.0.1, a CA (both chrony and NTPsec accept such a certificate, SECURITY.md), and validity as asked, so that
 * expired, not-yet-valid and soon-expiring certificates can be had. Written as PEM: {@code NAME.crt} and the PKCS#8
 * {@code NAME.key}.
 */
public final class TestCertificates {
    private TestCertificates() {}

    /**
     * Makes {@code dir/NAME.crt} and {@code dir/NAME.key}.
     *
     * @param start keytool's -startdate, e.g. "-1d" (a day ago) or "2020/01/01 00:00:00"; null = now
     * @param days  validity in days from the start
     */
    public static void create(Path dir, String name, String start, int days) throws IOException {
        Path store = dir.resolve(name + ".p12");
        Files.deleteIfExists(store);
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> cmd = new java.util.ArrayList<>(List.of(keytool.toString(), "-genkeypair", "-keystore",
                store.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-alias", "nts", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=localhost", "-validity", String.valueOf(days), "-ext",
                "SAN=dns:localhost,ip:127.0.0.1", "-ext", "BC:c=ca:true"));
        if (start != null) {
            cmd.addAll(List.of("-startdate", start));
        }
        ExternalProgram.Result r = ExternalProgram.run(Duration.ofSeconds(30), cmd);
        if (r.exitCode() != 0) {
            throw new IOException("keytool failed: " + r);
        }
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, "changeit".toCharArray());
            PrivateKey key = (PrivateKey) ks.getKey("nts", "changeit".toCharArray());
            Certificate cert = ks.getCertificate("nts");
            Files.writeString(dir.resolve(name + ".crt"), pem("CERTIFICATE", cert.getEncoded()));
            Files.writeString(dir.resolve(name + ".key"), pem("PRIVATE KEY", key.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        } finally {
            Files.deleteIfExists(store);
        }
    }

    private static String pem(String kind, byte[] der) {
        return "-----BEGIN " + kind + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + kind + "-----\n";
    }
}
