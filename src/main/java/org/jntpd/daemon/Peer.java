package org.jntpd.daemon;

import java.net.InetSocketAddress;
import org.jntpd.config.ServerSpec;
import org.jntpd.io.UdpSocket;
import org.jntpd.proto.Association;
import org.jntpd.server.ClientAddress;
import org.jntpd.sync.Source;

/**
 * A mobilised NTP association and where its packets go: its configuration line, the server's address, where its
 * requests go (the same, unless NTS-KE named another server or port; also as the two longs received packets are
 * matched by), the client socket of its family, its source, its authentication (null: none), the pool it came from
 * (null for a server or peer line), and the TX id and transmit field of its last request, which the kernel's TX
 * timestamp is matched by.
 */
final class Peer {
    final ServerSpec spec;
    final InetSocketAddress address;
    final UdpSocket socket;
    final Source source;
    final Association assoc;
    final ClientAuth auth;
    final NtpSources.Pool pool;
    private final long[] scratch = new long[2];
    InetSocketAddress target;
    long addrHi;
    long addrLo;
    int txId = -1;
    /** Taken offline by jntpc offline (loop thread): not polled until jntpc online. */
    boolean offline;
    long txXmtNtp64;

    Peer(ServerSpec spec, InetSocketAddress address, UdpSocket socket, Source source, Association assoc,
            ClientAuth auth, NtpSources.Pool pool) {
        this.spec = spec;
        this.address = address;
        this.socket = socket;
        this.source = source;
        this.assoc = assoc;
        this.auth = auth;
        this.pool = pool;
        retarget(address);
    }

    /** Requests go to {@code to} from now on, and replies are taken from there. */
    void retarget(InetSocketAddress to) {
        ClientAddress.fromBytes(to.getAddress().getAddress(), scratch);
        target = to;
        addrHi = scratch[0];
        addrLo = scratch[1];
    }

    boolean is(long hi, long lo, int port) {
        return addrHi == hi && addrLo == lo && target.getPort() == port;
    }
}
