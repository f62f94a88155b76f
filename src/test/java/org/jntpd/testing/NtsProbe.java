package org.jntpd.testing;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.jntpd.nts.CookieJar;
import org.jntpd.nts.KeException;
import org.jntpd.nts.NtsClientCodec;
import org.jntpd.nts.ke.NtsKeClient;
import org.jntpd.nts.ke.Tls;

/**
 * A minimal NTS client for tests: NTS-KE with our KE client (trusting the given certificates), then NTP exchanges
 * with the cookies it got ({@link #exchange}: the client codec's verdict on the answer).
 */
public final class NtsProbe {
    private final NtsKeClient.Result ke;
    private final NtsClientCodec codec = new NtsClientCodec();
    private final CookieJar jar = new CookieJar();
    private final SecureRandom random = new SecureRandom();

    private NtsProbe(NtsKeClient.Result ke) {
        this.ke = ke;
        codec.keys(ke.aead(), ke.c2s(), ke.s2c());
        for (byte[] c : ke.cookies()) {
            jar.add(c, 0, c.length);
        }
    }

    /** NTS-KE with {@code host:kePort} trusting {@code trusted} (PEM files). */
    public static NtsProbe keyExchange(String host, int kePort, List<Path> trusted) throws KeException, IOException,
            GeneralSecurityException {
        SSLContext tls = Tls.clientContext(trusted);
        return new NtsProbe(NtsKeClient.exchange(host, kePort, tls, List.of(15), 5000));
    }

    public NtsKeClient.Result ke() {
        return ke;
    }

    public int cookies() {
        return jar.size();
    }

    /**
     * One request to the NTP server NTS-KE named (at {@code host}), with a cookie and a placeholder: the client codec's
     * verdict on the reply ({@code NtsClientCodec.OK}, {@code NAK} ...), or -1 when nothing came within 2 s.
     */
    public int exchange(String host) throws IOException {
        byte[] cookie = new byte[CookieJar.MAX_COOKIE];
        int cookieLength = jar.take(cookie, 0);
        if (cookieLength < 0) {
            throw new IllegalStateException("no cookie left");
        }
        byte[] uid = new byte[32];
        byte[] nonce = new byte[16];
        random.nextBytes(uid);
        random.nextBytes(nonce);
        MemorySegment tx = MemorySegment.ofArray(new byte[1024]);
        tx.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x23);
        tx.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 40, random.nextLong());
        int n = codec.request(tx, 0, 1024, 48, uid, 32, cookie, cookieLength, 1, nonce, 16);
        try (DatagramChannel udp = DatagramChannel.open()) {
            udp.connect(new InetSocketAddress(host, ke.ntpPort()));
            udp.configureBlocking(false);
            udp.write(ByteBuffer.wrap(tx.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)));
            ByteBuffer in = ByteBuffer.allocate(2048);
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() - deadline < 0) {
                if (udp.read(in) > 0) {
                    return codec.response(MemorySegment.ofArray(java.util.Arrays.copyOf(in.array(), in.position())), 0,
                            in.position(), uid, 32, jar);
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            }
            return -1;
        }
    }
}
