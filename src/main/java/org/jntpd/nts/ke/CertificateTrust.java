package org.jntpd.nts.ke;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.KeyStore;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.jntpd.nts.BootstrapTrust;
import org.jntpd.nts.BootstrapTrust.Window;

/**
 * The NTS-KE client's judge of a server's certificate chain, at a time it is given rather than the JVM's clock: the
 * daemon's own clock (the one it disciplines, which may run on the virtual clock or a software correction), or, while
 * that clock is not trusted and bootstrapping is allowed, at no time at all ({@link #DATES_UNCHECKED}): then the chain
 * is checked at an instant inside every one of its certificates' validity windows, so that signatures, the path to a
 * trusted authority and the key usage are all checked and only the dates are not, and the windows are recorded for
 * the caller to check against the time the servers give (and against the real time once the clock is synchronised).
 *
 * <p>The trust manager is a plain {@link X509TrustManager} on purpose: the JDK wraps such a manager and checks the
 * server's name against the endpoint identification algorithm (HTTPS rules, as for the JDK's own manager) and the
 * algorithm constraints itself. One instance per handshake (it records that handshake's windows).
 */
public final class CertificateTrust implements X509TrustManager {
    /** {@code atUnixMs} meaning: check everything but the dates (bootstrap), and record the windows. */
    public static final long DATES_UNCHECKED = Long.MIN_VALUE;
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String ANY_EKU = "2.5.29.37.0";

    private final Set<TrustAnchor> anchors;
    private final long atUnixMs;
    private final List<Window> windows = new ArrayList<>();

    /**
     * @param anchors  the trusted authorities
     * @param atUnixMs the time to check the certificates' dates at (Unix ms), or {@link #DATES_UNCHECKED}
     */
    public CertificateTrust(Set<TrustAnchor> anchors, long atUnixMs) {
        this.anchors = anchors;
        this.atUnixMs = atUnixMs;
    }

    /** A TLS 1.3 client context whose only trust manager is this one. */
    public SSLContext context() throws GeneralSecurityException {
        SSLContext c = SSLContext.getInstance("TLSv1.3");
        c.init(null, new TrustManager[] {this}, null);
        return c;
    }

    /** Whether the dates were checked (false: bootstrap). */
    public boolean datesChecked() {
        return atUnixMs != DATES_UNCHECKED;
    }

    /** The validity windows of the chain the server presented (the last handshake's), leaf first. */
    public List<Window> windows() {
        return List.copyOf(windows);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the server presented no certificate");
        }
        windows.clear();
        for (X509Certificate c : chain) {
            windows.add(new Window(c.getSubjectX500Principal().getName(), c.getNotBefore().getTime(),
                    c.getNotAfter().getTime()));
        }
        long atMs = atUnixMs;
        if (atMs == DATES_UNCHECKED) {
            atMs = BootstrapTrust.commonInstantMs(windows);
            if (atMs == Long.MIN_VALUE) {
                throw new CertificateException("the validity periods of the server's certificates have no instant in "
                        + "common: " + windows);
            }
        } else {
            String outside = BootstrapTrust.outside(windows, atMs);
            if (outside != null) {
                throw new CertificateException(outside + " (clock " + java.time.Instant.ofEpochMilli(atMs) + ")");
            }
        }
        checkServerUsage(chain[0]);
        validatePath(chain, atMs);
    }

    /** RFC 5280's extended key usage: a leaf that lists any must allow TLS server authentication. */
    private static void checkServerUsage(X509Certificate leaf) throws CertificateException {
        List<String> eku;
        try {
            eku = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new CertificateException("unreadable extended key usage: " + e.getMessage(), e);
        }
        if (eku != null && !eku.contains(SERVER_AUTH) && !eku.contains(ANY_EKU)) {
            throw new CertificateException("the certificate is not for TLS servers (extended key usage " + eku + ")");
        }
    }

    /** PKIX: a path from the leaf to one of the anchors, signatures and constraints checked at {@code atMs}. */
    private void validatePath(X509Certificate[] chain, long atMs) throws CertificateException {
        for (TrustAnchor a : anchors) {
            if (a.getTrustedCert() != null && Arrays.equals(encoded(a.getTrustedCert()), encoded(chain[0]))) {
                return; // the leaf itself is trusted (a pinned, self-signed certificate); its dates were checked above
            }
        }
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(chain[0]);
            PKIXBuilderParameters p = new PKIXBuilderParameters(anchors, target);
            p.setRevocationEnabled(false); // as the JDK's own trust manager by default
            p.setDate(new Date(atMs));
            p.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(Arrays.asList(chain))));
            CertPathBuilder.getInstance("PKIX").build(p);
        } catch (InvalidAlgorithmParameterException e) {
            throw new CertificateException("no trusted certificate authority: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new CertificateException("no trusted path to the server's certificate: " + e.getMessage(), e);
        }
    }

    private static byte[] encoded(X509Certificate c) throws CertificateException {
        return c.getEncoded();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("an NTS-KE client does not authenticate clients");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        List<X509Certificate> out = new ArrayList<>();
        for (TrustAnchor a : anchors) {
            if (a.getTrustedCert() != null) {
                out.add(a.getTrustedCert());
            }
        }
        return out.toArray(X509Certificate[]::new);
    }

    /** The trust anchors of a {@link KeyStore} of trusted certificates, or the JDK's own authorities when null. */
    public static Set<TrustAnchor> anchors(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        Set<TrustAnchor> out = new HashSet<>();
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                for (X509Certificate c : x.getAcceptedIssuers()) {
                    out.add(new TrustAnchor(c, null));
                }
            }
        }
        return out;
    }
}
