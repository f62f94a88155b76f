package org.jntpd.daemon;

import java.net.InetSocketAddress;
import org.jntpd.config.ServerSpec;
import org.jntpd.io.UdpSocket;
import org.jntpd.proto.Association;
import org.jntpd.server.ClientAddress;
import org.jntpd.sync.Source;

/**
 * A mobilised NTP association and where its packets go: its configuration line, the server's address (also as the
 * two longs received packets are matched by), the client socket of its family, its source, the pool it came from
 * (null for a server or peer line), and the TX id and transmit field of its last request, which the kernel's TX
 * timestamp is matched by.
 */
final class Peer {
    final ServerSpec spec;
    final InetSocketAddress address;
    final long addrHi;
    final long addrLo;
    final UdpSocket socket;
    final Source source;
    final Association assoc;
    final NtpSources.Pool pool;
    int txId = -1;
    long txXmtNtp64;

    Peer(ServerSpec spec, InetSocketAddress address, UdpSocket socket, Source source, Association assoc,
            NtpSources.Pool pool) {
        this.spec = spec;
        this.address = address;
        long[] a = new long[2];
        ClientAddress.fromBytes(address.getAddress().getAddress(), a);
        this.addrHi = a[0];
        this.addrLo = a[1];
        this.socket = socket;
        this.source = source;
        this.assoc = assoc;
        this.pool = pool;
    }

    boolean is(long hi, long lo, int port) {
        return addrHi == hi && addrLo == lo && address.getPort() == port;
    }
}
