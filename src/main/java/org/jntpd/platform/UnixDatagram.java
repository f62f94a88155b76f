package org.jntpd.platform;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * One datagram to a Unix-domain socket path (AF_UNIX, SOCK_DGRAM), for sd_notify(3): the JDK's channels speak only
 * stream Unix sockets. A path starting with '@' is Linux's abstract namespace. Setup-time code: allocates.
 */
public final class UnixDatagram {
    /** AF_UNIX (= AF_LOCAL). */
    public static final int AF_UNIX = Net.AF_UNIX;
    /** sizeof(struct sockaddr_un): sa_family_t (2 bytes) + sun_path[108]. */
    public static final int SOCKADDR_UN_SIZE = 110;
    private static final int SUN_PATH_OFFSET = 2;

    private UnixDatagram() {}

    /** Sends {@code message} to the socket at {@code path}; throws {@link NativeException} when it cannot. */
    public static void send(String path, String message) {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        if (p.length == 0 || p.length >= SOCKADDR_UN_SIZE - SUN_PATH_OFFSET) {
            throw new IllegalArgumentException("a Unix socket path of 1-107 bytes, got " + p.length);
        }
        boolean abstractName = p[0] == '@';
        int fd = Libc.check(Libc.socket(AF_UNIX, Net.SOCK_DGRAM | Net.SOCK_CLOEXEC, 0), "socket(AF_UNIX)");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(SOCKADDR_UN_SIZE);
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(p, 0, addr, ValueLayout.JAVA_BYTE, SUN_PATH_OFFSET, p.length);
            if (abstractName) {
                addr.set(ValueLayout.JAVA_BYTE, SUN_PATH_OFFSET, (byte) 0);
            }
            // Abstract names are not NUL-terminated: the length says where they end.
            int addrLen = SUN_PATH_OFFSET + p.length + (abstractName ? 0 : 1);
            byte[] m = message.getBytes(StandardCharsets.UTF_8);
            MemorySegment data = arena.allocate(Math.max(1, m.length));
            MemorySegment.copy(m, 0, data, ValueLayout.JAVA_BYTE, 0, m.length);
            MemorySegment iov = arena.allocate(Iovec.LAYOUT);
            Iovec.iov_base(iov, data);
            Iovec.iov_len(iov, m.length);
            MemorySegment msg = arena.allocate(Msghdr.LAYOUT);
            Msghdr.msg_name(msg, addr);
            Msghdr.msg_namelen(msg, addrLen);
            Msghdr.msg_iov(msg, iov);
            Msghdr.msg_iovlen(msg, 1);
            long rc = Libc.sendmsg(fd, msg, 0);
            if (rc < 0) {
                Libc.check(-1, "sendmsg", path);
            }
        } finally {
            Libc.close(fd);
        }
    }
}
