package org.jntpd.daemon;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.jntpd.auth.MacEngine;
import org.jntpd.base.Log;
import org.jntpd.base.WarmupWindow;
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
 * TTL and no copy to this host; an IPv6 group (IPv6 has no broadcast) the line's TTL as the hop limit, no copy to this
 * host, and an interface ({@link #ipv6Interface}). T3 is the clock read just before the MAC and the send plus the
 * send latency, the median of the last {@value #LATENCIES} measured by the kernel's TX timestamps (from that reading to
 * the packet's departure): a broadcast cannot be corrected after it left, and on the loop's thread, which the JIT left
 * interpreted at one packet a poll, that latency was 160 us (a jntpd client then sat 130-190 us behind); the path is
 * now compiled at the start ({@link #warmUp}). Nothing is allocated per packet.
 */
final class BroadcastSender implements AutoCloseable {
    /** How many send latencies the T3 correction is the median of. */
    static final int LATENCIES = 8;
    /**
     * A latency beyond this (a stall, the first sends of a cold JVM, which took 1.2 ms here, a clock step between the
     * reading and the stamp) is not one to correct T3 by.
     */
    static final long MAX_LATENCY_NS = 1_000_000L;
    /** Latencies needed before T3 is corrected: one odd send must not move a broadcast (the median of 3 ignores it). */
    static final int MIN_LATENCIES = 3;
    /** System property: 0 turns the warm-up off (bench/broadcast-cold-mac's variants). */
    static final String WARMUP_PROP_NAME = "jntpd.broadcastWarmup";
    /** The warm-up ({@link #warmUp}): sends per median, the speed-up that ends it, and its bounds. */
    static final int WARMUP_WINDOW = 32;
    static final int WARMUP_SPEED_UP = 10;
    static final int WARMUP_MAX_SENDS = 4096;
    static final int WARMUP_MAX_MS = 2_000;

    /** One line's destination, socket and key; {@code nextNs} its next send time (loop thread). */
    private static final class Target {
        /** The last send latencies (ns), a ring; {@code count} of them valid. */
        final long[] latencies = new long[LATENCIES];
        int count;
        int next;
        /** The TX id and clock reading of the last packet sent, whose kernel TX timestamp gives its latency. */
        int txId = -1;
        long readNs;
        final Config.BroadcastTarget spec;
        final UdpSocket socket;
        final int keyIndex;
        final int digestLength;
        final long intervalNs;
        long nextNs;
        /** Whether the last send went out, and what the log last said of it (runTimer's notice). */
        boolean sending;
        boolean announced;

        Target(Config.BroadcastTarget spec, UdpSocket socket, int keyIndex, int digestLength) {
            this.spec = spec;
            this.socket = socket;
            this.keyIndex = keyIndex;
            this.digestLength = digestLength;
            this.intervalNs = Units.log2ToNs(spec.pollLog2());
        }
    }

    private final ClockControl clock;
    private final MacEngine mac;
    private final List<Target> targets = new ArrayList<>();
    private final PacketBatch tx = new PacketBatch(1, PacketBatch.MIN_DATA_BYTES);
    private final PacketBatch reports = new PacketBatch(4, PacketBatch.MIN_DATA_BYTES);
    private final long[] sorted = new long[LATENCIES];
    private final java.util.function.LongUnaryOperator kernelToClockNs;
    private final BroadcastPacket packet = new BroadcastPacket();
    private ServerStateSource served;
    private long sent;
    private long failed;

    /**
     * @param port          the port packets go from and to (the server's; 123 unless {@code port N})
     * @param bindAddresses the server's bind addresses: the family's first is the source, else the wildcard
     */
    BroadcastSender(Config config, ClockControl clock, java.util.function.LongUnaryOperator kernelToClockNs,
            SymmetricKeys keys, int port, List<String> bindAddresses, long nowNs) {
        this.clock = clock;
        this.kernelToClockNs = kernelToClockNs;
        tx.requestTxTimestamp(0, true);
        this.mac = keys.keys().isEmpty() ? null : new MacEngine(keys.keys(), keys.trusted());
        for (Config.BroadcastTarget t : config.broadcast().targets()) {
            InetAddress group = InetAddress.ofLiteral(t.address());
            boolean ipv6 = group instanceof Inet6Address;
            InetAddress local = InetAddress.ofLiteral(ipv6 ? "::" : "0.0.0.0");
            for (String a : bindAddresses) {
                InetAddress bound = InetAddress.ofLiteral(a);
                if (bound instanceof Inet6Address == ipv6) {
                    local = bound;
                    break;
                }
            }
            UdpSocket s = null;
            String via = "";
            try {
                s = UdpSocket.open(new InetSocketAddress(local, port), UdpSocket.Options.DEFAULT.withReuseAddress(true));
                InetSocketAddress to;
                if (ipv6) {
                    int ifIndex = ipv6Interface(t, local);
                    s.multicastSendingIpv6(t.ttl(), false, ifIndex);
                    // A link-local group's destination needs its scope (the interface) to be connected to.
                    to = new InetSocketAddress(ifIndex != 0 && needsScope(group)
                            ? Inet6Address.getByAddress(null, group.getAddress(), ifIndex) : group, port);
                    via = ifIndex == 0 ? "" : " on " + interfaceName(ifIndex);
                } else {
                    s.broadcast(true);
                    if (t.multicast()) {
                        s.multicastSending(t.ttl(), false, local.isAnyLocalAddress() ? null : local);
                    }
                    to = new InetSocketAddress(group, port);
                }
                s.connect(to);
            } catch (NativeException | java.net.UnknownHostException e) {
                if (s != null) {
                    s.close();
                }
                Log.warn(t.location() + ": broadcast " + t.address() + ": " + e.getMessage() + "; not broadcasting there");
                continue;
            }
            int keyIndex = t.keyId() == 0 || mac == null ? -1 : mac.keyIndex(t.keyId());
            Target target = new Target(t, s, keyIndex, keyIndex < 0 ? 0 : mac.type(keyIndex).v4Length());
            target.nextNs = nowNs;
            targets.add(target);
            Log.info("broadcasting to " + t.address() + via + " port " + port + " every " + (1L << t.pollLog2()) + " s"
                    + (t.multicast() ? " (multicast, " + (ipv6 ? "hop limit " : "ttl ") + t.ttl() + ")" : "")
                    + (keyIndex >= 0 ? ", key " + t.keyId() : ", unauthenticated"));
        }
        warmUp(nowNs);
    }

    /**
     * The interface an IPv6 group's packets leave by (IPV6_MULTICAST_IF, as ntpd sets it): the server's bind address's;
     * else, for a group of link or node scope (ff02::101), which no route leads to, the first interface that is up,
     * does multicast and has IPv6 (said when there are several: a bind address picks another); else 0, the route's
     * choice.
     */
    private static int ipv6Interface(Config.BroadcastTarget t, InetAddress local) {
        try {
            if (!local.isAnyLocalAddress()) {
                java.net.NetworkInterface ni = java.net.NetworkInterface.getByInetAddress(local);
                return ni == null ? 0 : ni.getIndex();
            }
            if (!needsScope(InetAddress.ofLiteral(t.address()))) {
                return 0;
            }
            List<java.net.NetworkInterface> candidates = ClientSockets.ipv6MulticastInterfaces();
            if (candidates.isEmpty()) {
                Log.warn(t.location() + ": broadcast " + t.address() + ": no interface is up with IPv6 and multicast");
                return 0;
            }
            if (candidates.size() > 1) {
                Log.warn(t.location() + ": broadcast " + t.address() + " goes out on " + candidates.getFirst().getName()
                        + " only (of " + candidates.size() + " interfaces; a bindaddress picks the interface)");
            }
            return candidates.getFirst().getIndex();
        } catch (java.net.SocketException e) {
            Log.warn(t.location() + ": broadcast " + t.address() + ": cannot list the interfaces (" + e.getMessage()
                    + ")");
            return 0;
        }
    }

    /** Whether an IPv6 group is scoped to one link or node, so that it needs an interface (ff01::/16, ff02::/16). */
    static boolean needsScope(InetAddress group) {
        return group.isMCLinkLocal() || group.isMCNodeLocal();
    }

    private static String interfaceName(int ifIndex) {
        try {
            java.net.NetworkInterface ni = java.net.NetworkInterface.getByIndex(ifIndex);
            return ni == null ? "interface " + ifIndex : ni.getName();
        } catch (java.net.SocketException e) {
            return "interface " + ifIndex;
        }
    }

    /**
     * Runs the send path (the served state's packet, the clock, the MAC, the send, the TX timestamps' latencies) of the
     * first line, with its key, into a sink on loopback until a send is {@value #WARMUP_SPEED_UP} times faster than at
     * first ({@value #WARMUP_MAX_MS} ms, {@value #WARMUP_MAX_SENDS} sends at most), so that the first broadcasts do not
     * leave from the interpreter: they go out before the T3 correction has its {@value #MIN_LATENCIES} latencies, and
     * the interpreted path read T3 145-190 us before the packet left with the MAC compiled (260-420 us without;
     * bench/broadcast-cold-mac), and its latency varied by tens of us from one broadcast to the next while the JIT
     * worked. The launcher compiles this class after 1% of the usual calls, as the serving path's. The last
     * {@value #LATENCIES} latencies measured here become every line's first T3 correction (the first broadcasts would
     * otherwise have none), which the line's own measurements then push out of the ring. Setup only; what it cannot
     * do (no loopback) is logged and skipped.
     */
    private void warmUp(long nowNs) {
        if (targets.isEmpty() || Integer.getInteger(WARMUP_PROP_NAME, 1) == 0) {
            return;
        }
        Target first = targets.getFirst();
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0);
        long startNs = System.nanoTime();
        WarmupWindow progress = new WarmupWindow(WARMUP_WINDOW, WARMUP_SPEED_UP, WARMUP_WINDOW, WARMUP_MAX_SENDS,
                WARMUP_MAX_MS);
        long sentBefore = sent;
        long failedBefore = failed;
        try (UdpSocket sink = UdpSocket.open(loopback, UdpSocket.Options.DEFAULT);
                UdpSocket socket = UdpSocket.open(loopback, UdpSocket.Options.DEFAULT)) {
            socket.connect(sink.localAddress());
            Target t = new Target(first.spec, socket, first.keyIndex, first.digestLength);
            ServerState state = ServerState.local(2, -20, nowNs, NtpTimestamp.fromUnixNs(nowNs));
            boolean done = false;
            while (!done) {
                if (progress.steps() % 16 == 0) { // as a line's first sends are: no latency measured yet
                    t.count = 0;
                }
                long beforeNs = System.nanoTime();
                // The served state ages as it does between real broadcasts (a path that never ran is a trap that
                // throws the compiled code away at the first real broadcast: seen with -XX:+PrintCompilation).
                send(t, state, nowNs + progress.steps() * 1_000_000_000L);
                done = progress.add(System.nanoTime() - beforeNs);
            }
            // One more for the last send's TX timestamp: the ring below is the compiled path's latencies.
            send(t, state, nowNs + progress.steps() * 1_000_000_000L);
            collectLatencies(t);
            if (t.count == LATENCIES) {
                for (Target real : targets) { // each line's own latencies replace these as its broadcasts measure them
                    System.arraycopy(t.latencies, 0, real.latencies, 0, LATENCIES);
                    real.count = LATENCIES;
                    real.next = t.next;
                }
            }
        } catch (NativeException e) {
            Log.warn("broadcast warm-up skipped (" + e.getMessage() + "): the first broadcasts' T3 may be early");
        } finally {
            sent = sentBefore;
            failed = failedBefore;
        }
        Log.debug("broadcast warm-up: " + progress.steps() + " sends in " + (System.nanoTime() - startNs) / 1_000_000
                + " ms; median per send " + progress.firstMedianNs() / 1000 + " us at first, "
                + progress.lastMedianNs() / 1000 + " us at the end; first T3 correction " + latencyNs(first) / 1000
                + " us");
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
                if (t.sending != t.announced) { // said here, outside send: a path its compiled code never took
                    t.announced = t.sending;
                    Log.info("broadcast " + t.spec.address() + ": " + (t.sending ? "sending"
                            : "not sending while unsynchronised"));
                }
                // On schedule, or from now when the loop fell behind by more than an interval (a stall).
                t.nextNs = nowNs - t.nextNs >= t.intervalNs ? nowNs + t.intervalNs : t.nextNs + t.intervalNs;
            }
            next = Math.min(next, t.nextNs);
        }
        return next;
    }

    private void send(Target t, long nowNs) {
        ServerStateSource source = served;
        send(t, source == null ? null : source.current(), nowNs);
    }

    private void send(Target t, ServerState state, long nowNs) {
        boolean synced = state != null && packet.write(state, t.spec.version(), t.spec.pollLog2(), nowNs, tx.data(0), 0);
        if (!synced) {
            t.sending = false;
            return;
        }
        collectLatencies(t); // the slot has no address: the socket is connected to the destination
        long readNs = clock.nowNs(); // as late as it can be: only the MAC and the send call after it
        packet.stampTransmit(tx.data(0), 0, NtpTimestamp.fromUnixNs(readNs + latencyNs(t)));
        int length = NtpPacket.HEADER_LENGTH;
        if (t.keyIndex >= 0) {
            length = mac.sign(tx.data(0), 0, NtpPacket.HEADER_LENGTH, t.keyIndex, t.digestLength);
        }
        tx.length(0, length);
        if (t.socket.sendOne(tx, 0) < 0) {
            failed++;
            Log.debug("broadcast to " + t.spec.address() + " failed");
        } else {
            sent++;
            t.txId = tx.txId(0);
            t.readNs = readNs;
        }
        t.sending = true;
    }

    /** The kernel's TX timestamp of the last packet sent to {@code t}, if it came: one more latency measured. */
    private void collectLatencies(Target t) {
        int n;
        while ((n = t.socket.receiveTxTimestamps(reports)) > 0) {
            for (int i = 0; i < n; i++) {
                if (reports.isTxTimestamp(i) && reports.txSoftwareNs(i) != 0 && reports.txId(i) == t.txId) {
                    long latencyNs = kernelToClockNs.applyAsLong(reports.txSoftwareNs(i)) - t.readNs;
                    if (latencyNs >= 0 && latencyNs <= MAX_LATENCY_NS) {
                        t.latencies[t.next] = latencyNs;
                        t.next = (t.next + 1) % LATENCIES;
                        t.count = Math.min(LATENCIES, t.count + 1);
                    }
                    t.txId = -1;
                }
            }
        }
    }

    /** The median of the latencies measured so far; 0 before {@link #MIN_LATENCIES} of them. */
    private long latencyNs(Target t) {
        if (t.count < MIN_LATENCIES) {
            return 0;
        }
        System.arraycopy(t.latencies, 0, sorted, 0, t.count);
        java.util.Arrays.sort(sorted, 0, t.count);
        return sorted[t.count / 2];
    }

    /** The T3 correction now in force for the {@code index}th broadcast line (ns; jntpc, tests). */
    long latencyNs(int index) {
        return latencyNs(targets.get(index));
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
        reports.close();
    }
}
