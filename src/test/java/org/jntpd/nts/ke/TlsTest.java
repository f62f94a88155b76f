package org.jntpd.nts.ke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.jntpd.testing.ExternalProgram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEM keys in the three forms openssl writes (PKCS#8, SEC1 "EC PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY"). */
class TlsTest {
    @TempDir
    Path dir;

    @Test
    void shouldLoadTheGoldenPkcs8EcKeyMatchingItsCertificate() throws Exception {
        assertMatches(NtsKeLoopbackTest.resource("server.key"), NtsKeLoopbackTest.resource("server.crt"), "EC");
    }

    @Test
    void shouldLoadSec1AndPkcs1KeysMadeByOpenssl() throws Exception {
        Path openssl = ExternalProgram.find("openssl").orElse(null);
        assumeTrue(openssl != null, "openssl is not installed");
        for (String[] kind : List.of(new String[] {"EC", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"},
                new String[] {"RSA", "rsa:2048", "-pkeyopt", "rsa_keygen_bits:2048"})) {
            Path key = dir.resolve(kind[0] + ".key");
            Path crt = dir.resolve(kind[0] + ".crt");
            run(openssl.toString(), "req", "-x509", "-newkey", kind[1], kind[2], kind[3], "-nodes", "-keyout", key.toString(), "-out",
                    crt.toString(), "-days", "2", "-subj", "/CN=localhost");
            Path traditional = dir.resolve(kind[0] + "-trad.key");
            if (kind[0].equals("EC")) {
                run(openssl.toString(), "ec", "-in", key.toString(), "-out", traditional.toString()); // SEC1
            } else {
                run(openssl.toString(), "rsa", "-in", key.toString(), "-out", traditional.toString(), "-traditional");
            }
            String pem = Files.readString(traditional);
            assertTrue(pem.contains("BEGIN " + kind[0] + " PRIVATE KEY"), pem.lines().findFirst().orElse(""));
            assertMatches(key, crt, kind[0]);
            assertMatches(traditional, crt, kind[0]);
            Tls.serverContext(crt, traditional);
        }
    }

    private static void run(String... command) {
        ExternalProgram.Result r = ExternalProgram.run(Duration.ofSeconds(60), command);
        assertEquals(0, r.exitCode(), r::toString);
    }

    private static void assertMatches(Path keyFile, Path certFile, String algorithm) throws Exception {
        PrivateKey key = Tls.privateKey(keyFile);
        assertEquals(algorithm, key.getAlgorithm());
        X509Certificate cert = Tls.certificates(certFile).get(0);
        String scheme = algorithm.equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        Signature s = Signature.getInstance(scheme);
        s.initSign(key);
        s.update(new byte[] {1, 2, 3});
        byte[] signature = s.sign();
        Signature v = Signature.getInstance(scheme);
        v.initVerify(cert.getPublicKey());
        v.update(new byte[] {1, 2, 3});
        assertTrue(v.verify(signature), keyFile + " is the key of " + certFile);
    }
}
