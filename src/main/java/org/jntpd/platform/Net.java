package org.jntpd.platform;

/**
 * Socket constants (sys/socket.h, netinet/in.h, poll.h, sys/epoll.h, linux/sockios.h; x86_64 values).
 * Timestamping flags are in {@link Timestamping}. Checked against the headers by AbiTest.
 */
public final class Net {
    public static final int AF_UNSPEC = 0;
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;

    public static final int IPPROTO_IP = 0;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_IPV6 = 41;

    // Socket option levels.
    public static final int SOL_SOCKET = 1;
    public static final int SOL_IP = 0;
    public static final int SOL_IPV6 = 41;

    // SOL_SOCKET options; the SCM_ names are the control message types they deliver.
    public static final int SO_REUSEADDR = 2;
    /** Lets a socket send to (and connect to) a broadcast address. */
    public static final int SO_BROADCAST = 6;
    public static final int SO_ERROR = 4;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_PRIORITY = 12;
    public static final int SO_REUSEPORT = 15;
    public static final int SO_TIMESTAMP = 29;
    public static final int SCM_TIMESTAMP = SO_TIMESTAMP;
    public static final int SO_TIMESTAMPNS = 35;
    public static final int SCM_TIMESTAMPNS = SO_TIMESTAMPNS;
    public static final int SO_TIMESTAMPING = 37;
    public static final int SCM_TIMESTAMPING = SO_TIMESTAMPING;
    public static final int SO_SELECT_ERR_QUEUE = 45;
    /** Microseconds a blocking receive busy-polls the device's NAPI; > 0 also lets non-blocking calls poll it once. */
    public static final int SO_BUSY_POLL = 46;
    /** Busy polling takes the NAPI instance from its softirq/thread (with the device's napi_defer_hard_irqs). */
    public static final int SO_PREFER_BUSY_POLL = 69;
    /** Packets one busy-poll pass may process. */
    public static final int SO_BUSY_POLL_BUDGET = 70;

    // SOL_IP / SOL_IPV6 options; IP_RECVERR and IPV6_RECVERR are also the error queue's control message types.
    public static final int IP_TOS = 1;
    public static final int IP_PKTINFO = 8;
    public static final int IP_RECVERR = 11;
    /** The interface (its address, a struct in_addr) multicasts leave by. */
    public static final int IP_MULTICAST_IF = 32;
    public static final int IP_MULTICAST_TTL = 33;
    /** Whether this host's own sockets get a copy of what it multicasts. */
    public static final int IP_MULTICAST_LOOP = 34;
    /** Joins a group (a struct ip_mreq). */
    public static final int IP_ADD_MEMBERSHIP = 35;
    /** The interface (its index, an int) IPv6 multicasts leave by. */
    public static final int IPV6_MULTICAST_IF = 17;
    /** The hop limit of IPv6 multicasts (IP_MULTICAST_TTL's counterpart). */
    public static final int IPV6_MULTICAST_HOPS = 18;
    public static final int IPV6_MULTICAST_LOOP = 19;
    /** Joins an IPv6 group (a struct ipv6_mreq); the headers' IPV6_ADD_MEMBERSHIP is the same number. */
    public static final int IPV6_JOIN_GROUP = 20;
    public static final int IPV6_RECVERR = 25;
    public static final int IPV6_V6ONLY = 26;
    public static final int IPV6_RECVPKTINFO = 49;
    public static final int IPV6_PKTINFO = 50;
    public static final int IPV6_TCLASS = 67;

    // recvmsg/sendmsg flags.
    public static final int MSG_CTRUNC = 0x8;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_ERRQUEUE = 0x2000;
    public static final int MSG_WAITFORONE = 0x10000;

    // poll(2) events.
    public static final int POLLIN = 0x1;
    public static final int POLLPRI = 0x2;
    public static final int POLLOUT = 0x4;
    public static final int POLLERR = 0x8;
    public static final int POLLHUP = 0x10;
    public static final int POLLNVAL = 0x20;

    // epoll(7).
    public static final int EPOLLIN = 0x1;
    public static final int EPOLLPRI = 0x2;
    public static final int EPOLLOUT = 0x4;
    public static final int EPOLLERR = 0x8;
    public static final int EPOLLHUP = 0x10;
    public static final int EPOLLET = 1 << 31;
    public static final int EPOLL_CLOEXEC = 0x80000;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;

    // ioctls on sockets.
    /** Bytes of the next pending datagram (int out). */
    public static final int FIONREAD = 0x541B;
    /** Set a NIC's hardware timestamping ({@link Ifreq} pointing at a {@link HwtstampConfig}). */
    public static final int SIOCSHWTSTAMP = 0x89b0;
    /** Read a NIC's hardware timestamping setup. */
    public static final int SIOCGHWTSTAMP = 0x89b1;
    public static final int IFNAMSIZ = 16;

    private Net() {
    }
}
