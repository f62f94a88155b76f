package org.jntpd.nts.ke;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.jntpd.auth.Aead;
import org.jntpd.nts.BootstrapTrust;
import org.jntpd.nts.KeException;
import org.jntpd.nts.KeException.Problem;
import org.jntpd.nts.KeRecord;
import org.jntpd.nts.KeRequest;
import org.jntpd.nts.KeResponse;

/**
 * The NTS-KE client (RFC 8915 section 4) on the JDK's TLS 1.3: ALPN {@code ntske/1}, the server's certificate checked
 * against the name (or IP address) it was asked by, keys from the RFC 5705 exporter. One exchange per call, bounded
 * by a deadline: a watchdog closes the connection when it passes, whatever the server does.
 */
public final class NtsKeClient {
    /**
     * What NTS-KE gave: the AEAD, both keys, the cookies, and where NTP goes; and the validity windows of the server's
     * certificates and whether their dates were checked (false: a bootstrap with the clock not trusted).
     */
    public record Result(int aead, byte[] c2s, byte[] s2c, List<byte[]> cookies, String ntpServer, int ntpPort,
            List<BootstrapTrust.Window> windows, boolean datesChecked) {
        /** A result whose certificate was checked in full (or that needs none: keys restored from a dump file). */
        public Result(int aead, byte[] c2s, byte[] s2c, List<byte[]> cookies, String ntpServer, int ntpPort) {
            this(aead, c2s, s2c, cookies, ntpServer, ntpPort, List.of(), true);
        }
    }

    private static final int MAX_RESPONSE = 65536; // RFC 8915: clients should accept at least 64 KiB

    private NtsKeClient() {}

    /**
     * Runs NTS-KE with {@code host:port} offering {@code aeads} in that order of preference.
     *
     * @throws KeException with the reason (TLS failure, server error, no common AEAD, ...)
     */
    public static Result exchange(String host, int port, SSLContext context, List<Integer> aeads, long timeoutMs)
            throws KeException {
        return exchange(host, port, context, aeads, timeoutMs, null);
    }

    /** {@link #exchange} from the local address {@code bind} (null: the system picks). */
    public static Result exchange(String host, int port, SSLContext context, List<Integer> aeads, long timeoutMs,
            java.net.InetAddress bind) throws KeException {
        return exchange(host, null, port, context, aeads, timeoutMs, bind);
    }

    /**
     * {@link #exchange} with the server at {@code connectTo} (null: {@code host} looked up), its certificate checked
     * against {@code host}: one member of a pool, or a name already resolved.
     */
    public static Result exchange(String host, java.net.InetAddress connectTo, int port, SSLContext context,
            List<Integer> aeads, long timeoutMs, java.net.InetAddress bind) throws KeException {
        return exchange(host, connectTo, port, context, null, aeads, timeoutMs, bind);
    }

    /**
     * {@link #exchange} with the server's chain judged by {@code trust} (at the daemon's time, or with the dates
     * unchecked while bootstrapping); the result carries the chain's validity windows.
     */
    public static Result exchange(String host, java.net.InetAddress connectTo, int port, CertificateTrust trust,
            List<Integer> aeads, long timeoutMs, java.net.InetAddress bind) throws KeException {
        SSLContext context;
        try {
            context = trust.context();
        } catch (java.security.GeneralSecurityException e) {
            throw new KeException(Problem.TLS, "TLS: " + e.getMessage(), e);
        }
        return exchange(host, connectTo, port, context, trust, aeads, timeoutMs, bind);
    }

    private static Result exchange(String host, java.net.InetAddress connectTo, int port, SSLContext context,
            CertificateTrust trust, List<Integer> aeads, long timeoutMs, java.net.InetAddress bind) throws KeException {
        Socket raw = new Socket();
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(timeoutMs);
                raw.close();
            } catch (InterruptedException | IOException e) {
                // done in time, or closing failed: nothing to do
            }
        });
        try {
            if (bind != null) {
                raw.bind(new InetSocketAddress(bind, 0));
            }
            raw.connect(connectTo != null ? new InetSocketAddress(connectTo, port) : new InetSocketAddress(host, port),
                    (int) timeoutMs);
            raw.setSoTimeout((int) timeoutMs);
            SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(raw, host, port, true);
            SSLParameters parameters = ssl.getSSLParameters();
            parameters.setProtocols(new String[] {"TLSv1.3"});
            parameters.setApplicationProtocols(new String[] {KeRecord.ALPN});
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            if (!isIpLiteral(host)) {
                parameters.setServerNames(List.of(new SNIHostName(host)));
            }
            ssl.setSSLParameters(parameters);
            ssl.startHandshake();
            if (!KeRecord.ALPN.equals(ssl.getApplicationProtocol())) {
                throw new KeException(Problem.TLS, "the server did not agree to ALPN " + KeRecord.ALPN);
            }
            OutputStream out = ssl.getOutputStream();
            out.write(new KeRequest(List.of(KeRecord.PROTOCOL_NTPV4), aeads, null, -1).encode());
            out.flush();
            byte[] message = KeIo.readMessage(ssl.getInputStream(), MAX_RESPONSE);
            KeResponse response = KeResponse.parse(KeRecord.split(message), aeads);
            int aead = response.aead();
            if (!Aead.supported(aead)) {
                throw new KeException(Problem.NO_COMMON_AEAD, "the server chose " + Aead.name(aead));
            }
            int keyLength = Aead.keyLength(aead);
            ExtendedSSLSession session = (ExtendedSSLSession) ssl.getSession();
            byte[] c2s = session.exportKeyingMaterialData(KeRecord.EXPORTER_LABEL, KeRecord.exporterContext(aead, false),
                    keyLength);
            byte[] s2c = session.exportKeyingMaterialData(KeRecord.EXPORTER_LABEL, KeRecord.exporterContext(aead, true),
                    keyLength);
            ssl.close();
            return new Result(aead, c2s, s2c, new ArrayList<>(response.cookies()),
                    response.server() != null ? response.server() : host, response.port() >= 0 ? response.port() : 123,
                    trust == null ? List.of() : trust.windows(), trust == null || trust.datesChecked());
        } catch (SSLException e) {
            throw new KeException(Problem.TLS, "TLS with " + host + ":" + port + ": " + e.getMessage(), e);
        } catch (IOException e) {
            // the reason in words ("Connection refused"), not the exception's class: this goes to the log
            String why = e.getMessage() != null ? e.getMessage()
                    : e instanceof java.io.EOFException ? "the connection ended early" : e.getClass().getSimpleName();
            throw new KeException(Problem.TRUNCATED, "NTS-KE with " + host + ":" + port + ": " + why, e);
        } finally {
            watchdog.interrupt();
            try {
                raw.close();
            } catch (IOException ignored) {
                // closed already
            }
        }
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(ch -> ch == '.' || Character.isDigit(ch));
    }
}
