package org.jntpd.daemon;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.jntpd.auth.MacEngine;
import org.jntpd.base.Log;
import org.jntpd.clock.ClockControl;
import org.jntpd.config.Config;
import org.jntpd.io.PacketBatch;
import org.jntpd.io.UdpSocket;
import org.jntpd.platform.NativeException;
import org.jntpd.server.BroadcastPacket;
import org.jntpd.server.ServerState;
import org.jntpd.server.ServerStateSource;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.time.Units;
import org.jntpd.wire.NtpPacket;

/**
 * The broadcast server ({@code broadcast ADDRESS ...} lines, RFC 5905 mode 5), on the synchronisation loop's thread:
 * every 2^minpoll s a packet carrying what the server serves ({@link BroadcastPacket}; nothing while unsynchronised)
 * goes to each address from the server's port (a socket bound beside the server's, SO_REUSEADDR, and connected to the
 * destination so that it receives nothing the server should), with SO_BROADCAST, and for a multicast group the line's
 * TTL and no copy to this host. T3 is read just before the MAC and the send. Nothing is allocated per packet.
 */
final class BroadcastSender implements AutoCloseable {
    /** One line's destination, socket and key; {@code nextNs} its next send time (loop thread). */
    private static final class Target {
        final Config.BroadcastTarget spec;
        final UdpSocket socket;
        final InetSocketAddress to;
        final int keyIndex;
        final int digestLength;
        final long intervalNs;
        long nextNs;
        boolean sending;

        Target(Config.BroadcastTarget spec, UdpSocket socket, InetSocketAddress to, int keyIndex, int digestLength) {
            this.spec = spec;
            this.socket = socket;
            this.to = to;
            this.keyIndex = keyIndex;
            this.digestLength = digestLength;
            this.intervalNs = Units.log2ToNs(spec.pollLog2());
        }
    }

    private final ClockControl clock;
    private final MacEngine mac;
    private final List<Target> targets = new ArrayList<>();
    private final PacketBatch tx = new PacketBatch(1, PacketBatch.MIN_DATA_BYTES);
    private final BroadcastPacket packet = new BroadcastPacket();
    private ServerStateSource served;
    private long sent;
    private long failed;

    /**
     * @param port          the port packets go from and to (the server's; 123 unless {@code port N})
     * @param bindAddresses the server's bind addresses: the family's first is the source, else the wildcard
     */
    BroadcastSender(Config config, ClockControl clock, SymmetricKeys keys, int port, List<String> bindAddresses,
            long nowNs) {
        this.clock = clock;
        this.mac = keys.keys().isEmpty() ? null : new MacEngine(keys.keys(), keys.trusted());
        InetAddress local = InetAddress.ofLiteral("0.0.0.0");
        for (String a : bindAddresses) {
            InetAddress bound = InetAddress.ofLiteral(a);
            if (bound instanceof Inet4Address) {
                local = bound;
                break;
            }
        }
        for (Config.BroadcastTarget t : config.broadcast().targets()) {
            InetSocketAddress to = new InetSocketAddress(InetAddress.ofLiteral(t.address()), port);
            UdpSocket s = null;
            try {
                s = UdpSocket.open(new InetSocketAddress(local, port), UdpSocket.Options.DEFAULT.withReuseAddress(true));
                s.broadcast(true);
                if (t.multicast()) {
                    s.multicastSending(t.ttl(), false, local.isAnyLocalAddress() ? null : local);
                }
                s.connect(to);
            } catch (NativeException e) {
                if (s != null) {
                    s.close();
                }
                Log.warn(t.location() + ": broadcast " + t.address() + ": " + e.getMessage() + "; not broadcasting there");
                continue;
            }
            int keyIndex = t.keyId() == 0 || mac == null ? -1 : mac.keyIndex(t.keyId());
            Target target = new Target(t, s, to, keyIndex, keyIndex < 0 ? 0 : mac.type(keyIndex).v4Length());
            target.nextNs = nowNs;
            targets.add(target);
            Log.info("broadcasting to " + t.address() + " port " + port + " every " + (1L << t.pollLog2()) + " s"
                    + (t.multicast() ? " (multicast, ttl " + t.ttl() + ")" : "")
                    + (keyIndex >= 0 ? ", key " + t.keyId() : ", unauthenticated"));
        }
    }

    /** What the server serves, which the broadcasts carry (before the loop starts). */
    void serveFrom(ServerStateSource served) {
        this.served = served;
    }

    /** Sends what is due at {@code nowNs}; returns when the next packet is due (Long.MAX_VALUE: none). */
    long runTimer(long nowNs) {
        long next = Long.MAX_VALUE;
        for (int i = 0; i < targets.size(); i++) {
            Target t = targets.get(i);
            if (nowNs - t.nextNs >= 0) {
                send(t, nowNs);
                // On schedule, or from now when the loop fell behind by more than an interval (a stall).
                t.nextNs = nowNs - t.nextNs >= t.intervalNs ? nowNs + t.intervalNs : t.nextNs + t.intervalNs;
            }
            next = Math.min(next, t.nextNs);
        }
        return next;
    }

    private void send(Target t, long nowNs) {
        ServerStateSource source = served;
        ServerState state = source == null ? null : source.current();
        boolean synced = state != null && packet.write(state, t.spec.version(), t.spec.pollLog2(), nowNs, tx.data(0), 0);
        if (synced != t.sending) {
            t.sending = synced;
            Log.info("broadcast " + t.spec.address() + ": " + (synced ? "sending" : "not sending while unsynchronised"));
        }
        if (!synced) {
            return;
        }
        long t3Ns = clock.nowNs(); // T3 as late as it can be: only the MAC and the send call after it
        packet.stampTransmit(tx.data(0), 0, NtpTimestamp.fromUnixNs(t3Ns));
        int length = NtpPacket.HEADER_LENGTH;
        if (t.keyIndex >= 0) {
            length = mac.sign(tx.data(0), 0, NtpPacket.HEADER_LENGTH, t.keyIndex, t.digestLength);
        }
        tx.length(0, length);
        tx.address(0, t.to);
        if (t.socket.sendOne(tx, 0) < 0) {
            failed++;
            Log.debug("broadcast to " + t.spec.address() + " failed");
        } else {
            sent++;
        }
    }

    /** Packets sent and sends refused so far (loop thread). */
    long sent() {
        return sent;
    }

    long failed() {
        return failed;
    }

    @Override
    public void close() {
        targets.forEach(t -> t.socket.close());
        tx.close();
    }
}
