package org.jntpd.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jntpd.control.Json;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.wire.NtpPacket;

/**
 * {@code jntpc query HOST[:PORT]}: one NTP client exchange, like ntpdig: the server's offset from this host's clock
 * (positive: the server is ahead), the round-trip delay, and what the server says of itself. The request's transmit
 * field carries random bits (as chrony does), and a reply must echo them. The clock is only read, never set.
 */
final class QueryCommand {
    static final String USAGE = """
            usage: jntpc [-j] query HOST[:PORT] [TIMEOUT-S]
              one NTP exchange with the server (port 123 by default, [v6]:port for IPv6): its offset (positive: the
              server is ahead of this host), the round-trip delay, stratum, reference ID, root delay and dispersion.
              TIMEOUT-S defaults to 2. Exit status 0 with an answer, 1 without.
            """;

    private QueryCommand() {}

    static int run(List<String> args, boolean json, PrintStream out, PrintStream err) {
        if (args.isEmpty() || args.size() > 2) {
            err.print(USAGE);
            return 2;
        }
        InetSocketAddress server;
        double timeoutS;
        try {
            server = address(args.getFirst());
            timeoutS = args.size() > 1 ? Double.parseDouble(args.get(1)) : 2;
        } catch (UnknownHostException | IllegalArgumentException e) {
            err.println("jntpc: query: " + e.getMessage());
            return 2;
        }
        try {
            Map<String, Object> m = exchange(server, (long) (timeoutS * 1000));
            out.print(json ? Json.write(m) + "\n" : text(m));
            return 0;
        } catch (IOException e) {
            err.println("jntpc: query " + args.getFirst() + ": " + e.getMessage());
            return 1;
        }
    }

    static InetSocketAddress address(String hostPort) throws UnknownHostException {
        String host = hostPort;
        int port = 123;
        if (hostPort.startsWith("[")) {
            int end = hostPort.indexOf(']');
            if (end < 0) {
                throw new IllegalArgumentException("no ']' in " + hostPort);
            }
            host = hostPort.substring(1, end);
            if (hostPort.length() > end + 1) {
                port = Integer.parseInt(hostPort.substring(end + 2));
            }
        } else if (hostPort.indexOf(':') >= 0 && hostPort.indexOf(':') == hostPort.lastIndexOf(':')) {
            host = hostPort.substring(0, hostPort.indexOf(':'));
            port = Integer.parseInt(hostPort.substring(hostPort.indexOf(':') + 1));
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " out of range");
        }
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    private static long nowUnixNs() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** One request and its reply; the fields as {@code -j} prints them. */
    static Map<String, Object> exchange(InetSocketAddress server, long timeoutMs) throws IOException {
        byte[] cookie = new byte[8];
        new SecureRandom().nextBytes(cookie);
        ByteBuffer req = ByteBuffer.allocate(NtpPacket.HEADER_LENGTH);
        req.put(0, (byte) (0 << 6 | 4 << 3 | NtpPacket.MODE_CLIENT));
        req.put(40, cookie);
        try (DatagramChannel ch = DatagramChannel.open(); Selector selector = Selector.open()) {
            ch.connect(server);
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            long t1 = nowUnixNs();
            long mono1 = System.nanoTime();
            ch.write(req);
            ByteBuffer rx = ByteBuffer.allocate(1024);
            long deadlineNs = mono1 + timeoutMs * 1_000_000L;
            while (true) {
                long leftMs = (deadlineNs - System.nanoTime()) / 1_000_000L;
                if (leftMs <= 0) {
                    throw new SocketTimeoutException("no answer within " + timeoutMs + " ms");
                }
                selector.select(leftMs);
                selector.selectedKeys().clear();
                rx.clear();
                int n;
                try {
                    n = ch.read(rx);
                } catch (java.net.PortUnreachableException e) {
                    throw new IOException("nothing listens there (port unreachable)");
                }
                long mono4 = System.nanoTime();
                if (n < NtpPacket.HEADER_LENGTH || (rx.get(0) & 7) != NtpPacket.MODE_SERVER
                        || rx.getLong(24) != ByteBuffer.wrap(cookie).getLong()) {
                    continue; // not the answer to this request
                }
                long t4 = t1 + (mono4 - mono1); // this host's clock read once; the interval from the monotonic one
                long t2 = NtpTimestamp.toUnixNs(rx.getLong(32), t1);
                long t3 = NtpTimestamp.toUnixNs(rx.getLong(40), t1);
                int leap = (rx.get(0) & 0xFF) >>> 6;
                int stratum = rx.get(1) & 0xFF;
                int refId = rx.getInt(12);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("server", server.getAddress().getHostAddress());
                m.put("port", server.getPort());
                m.put("leap", leap);
                m.put("version", (rx.get(0) >>> 3) & 7);
                m.put("stratum", stratum);
                m.put("poll_log2", (int) rx.get(2));
                m.put("precision_log2", (int) rx.get(3));
                m.put("root_delay_s", (rx.getInt(4) & 0xFFFFFFFFL) / 65536.0);
                m.put("root_dispersion_s", (rx.getInt(8) & 0xFFFFFFFFL) / 65536.0);
                m.put("ref_id", String.format(Locale.ROOT, "%08X", refId));
                m.put("ref_id_text", NtpPacket.refIdText(refId, stratum));
                m.put("offset_s", ((t2 - t1) + (t3 - t4)) / 2 * 1e-9);
                m.put("delay_s", ((t4 - t1) - (t3 - t2)) * 1e-9);
                m.put("kiss_code", stratum == 0 ? NtpPacket.refIdText(refId, 0) : null);
                return m;
            }
        }
    }

    private static String text(Map<String, Object> m) {
        return String.format(Locale.ROOT, """
                Server          : %s port %d
                Stratum         : %d%s
                Reference ID    : %s (%s)
                Leap status     : %d
                Offset          : %+.9f seconds (positive: the server is ahead)
                Delay           : %.9f seconds
                Root delay      : %.9f seconds
                Root dispersion : %.9f seconds
                """, m.get("server"), (Integer) m.get("port"), (Integer) m.get("stratum"),
                m.get("kiss_code") == null ? "" : " (kiss-o'-death " + m.get("kiss_code") + ")", m.get("ref_id"),
                m.get("ref_id_text"), (Integer) m.get("leap"), (Double) m.get("offset_s"), (Double) m.get("delay_s"),
                (Double) m.get("root_delay_s"), (Double) m.get("root_dispersion_s"));
    }
}
