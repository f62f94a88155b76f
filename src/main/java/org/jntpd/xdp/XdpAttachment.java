package org.jntpd.xdp;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jntpd.platform.Bpf;
import org.jntpd.platform.BpfAttrLinkCreate;
import org.jntpd.platform.Ifinfomsg;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;
import org.jntpd.platform.Net;
import org.jntpd.platform.Netlink;
import org.jntpd.platform.Nlattr;
import org.jntpd.platform.Nlmsghdr;
import org.jntpd.platform.SockaddrNl;
import org.jntpd.platform.Xdp;

/**
 * An XDP program on an interface. The normal way is a BPF link (BPF_LINK_CREATE, attach type BPF_XDP): the kernel
 * detaches the program when the link's fd closes, also when the process dies, so a crash leaves nothing behind.
 * Programs attached the older way, through rtnetlink (RTM_SETLINK with IFLA_XDP, as {@code ip link set dev D xdp}
 * does), stay until someone removes them: {@link #attachedProgram(int)} and {@link #detachNetlink(int, int)} find
 * and remove them, and {@link #attachNetlink} exists for kernels without XDP links and for tests.
 */
public final class XdpAttachment implements AutoCloseable {
    private final int linkFd; // -1 when attached by netlink
    private final int ifindex;
    private final int modeFlags;
    private boolean closed;

    private XdpAttachment(int linkFd, int ifindex, int modeFlags) {
        this.linkFd = linkFd;
        this.ifindex = ifindex;
        this.modeFlags = modeFlags;
    }

    /**
     * Attaches {@code program} to {@code ifindex} with a BPF link. {@code modeFlags}: {@link Bpf#XDP_FLAGS_DRV_MODE}
     * (native, in the driver), {@link Bpf#XDP_FLAGS_SKB_MODE} (generic, after the skb is built) or 0 (the driver's
     * if it has one). EBUSY: another program is attached (by netlink, or another link).
     */
    public static XdpAttachment link(BpfProgram program, int ifindex, int modeFlags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(BpfAttrLinkCreate.LAYOUT);
            BpfAttrLinkCreate.prog_fd(attr, program.fd());
            BpfAttrLinkCreate.target_ifindex(attr, ifindex);
            BpfAttrLinkCreate.attach_type(attr, Bpf.BPF_XDP);
            BpfAttrLinkCreate.flags(attr, modeFlags);
            int fd = Bpf.bpf(Bpf.BPF_LINK_CREATE, attr, BpfAttrLinkCreate.sizeof());
            Libc.check(fd, "bpf(BPF_LINK_CREATE)", "XDP program " + program.name() + " on ifindex " + ifindex
                    + " in " + modeName(modeFlags) + " mode");
            return new XdpAttachment(fd, ifindex, modeFlags);
        }
    }

    /**
     * Attaches through rtnetlink (survives the process: {@link #close()} detaches it). With
     * {@link Bpf#XDP_FLAGS_UPDATE_IF_NOEXIST} the kernel refuses (EBUSY) to replace another program.
     */
    public static XdpAttachment attachNetlink(BpfProgram program, int ifindex, int flags) {
        setXdp(ifindex, program.fd(), flags);
        return new XdpAttachment(-1, ifindex, flags & (Bpf.XDP_FLAGS_SKB_MODE | Bpf.XDP_FLAGS_DRV_MODE));
    }

    /** Removes whatever program rtnetlink attached to {@code ifindex} in the mode of {@code modeFlags}. */
    public static void detachNetlink(int ifindex, int modeFlags) {
        setXdp(ifindex, -1, modeFlags);
    }

    /** What is attached to an interface: how (IFLA_XDP_ATTACHED, XDP_ATTACHED_*) and the program's id (0 = none). */
    public record Attached(int mode, int programId) {
        public boolean none() {
            return programId == 0;
        }
    }

    /** Asks rtnetlink which XDP program {@code ifindex} runs (a link-attached one shows up too). */
    public static Attached attachedProgram(int ifindex) {
        try (Arena a = Arena.ofConfined(); NetlinkSocket nl = NetlinkSocket.open()) {
            MemorySegment msg = a.allocate(64, 8);
            int len = (int) (Nlmsghdr.sizeof() + Ifinfomsg.sizeof());
            Nlmsghdr.nlmsg_len(msg, 0, len);
            Nlmsghdr.nlmsg_type(msg, 0, Netlink.RTM_GETLINK);
            Nlmsghdr.nlmsg_flags(msg, 0, Netlink.NLM_F_REQUEST);
            Nlmsghdr.nlmsg_seq(msg, 0, 1);
            Ifinfomsg.ifi_index(msg, Nlmsghdr.sizeof(), ifindex);
            MemorySegment reply = nl.request(msg, len, a);
            int type = Nlmsghdr.nlmsg_type(reply, 0);
            if (type == Netlink.NLMSG_ERROR) {
                throw new NativeException("RTM_GETLINK", "ifindex " + ifindex, -reply.get(JAVA_INT, Nlmsghdr.sizeof()));
            }
            int total = Nlmsghdr.nlmsg_len(reply, 0);
            long at = Nlmsghdr.sizeof() + Ifinfomsg.sizeof();
            while (at + Nlattr.sizeof() <= total) {
                int alen = Nlattr.nla_len(reply, at);
                if (alen < Nlattr.sizeof()) {
                    break;
                }
                if ((Nlattr.nla_type(reply, at) & ~Netlink.NLA_F_NESTED) == Netlink.IFLA_XDP) {
                    return parseXdp(reply, at + Nlattr.sizeof(), at + alen);
                }
                at += Netlink.align(alen);
            }
            return new Attached(Netlink.XDP_ATTACHED_NONE, 0);
        }
    }

    private static Attached parseXdp(MemorySegment s, long from, long end) {
        int mode = Netlink.XDP_ATTACHED_NONE;
        int id = 0;
        long at = from;
        while (at + Nlattr.sizeof() <= end) {
            int alen = Nlattr.nla_len(s, at);
            if (alen < Nlattr.sizeof()) {
                break;
            }
            int type = Nlattr.nla_type(s, at);
            if (type == Netlink.IFLA_XDP_ATTACHED) {
                mode = Byte.toUnsignedInt(s.get(JAVA_BYTE, at + Nlattr.sizeof()));
            } else if (type == Netlink.IFLA_XDP_PROG_ID) {
                id = s.get(JAVA_INT, at + Nlattr.sizeof());
            }
            at += Netlink.align(alen);
        }
        return new Attached(mode, id);
    }

    private static void setXdp(int ifindex, int progFd, int flags) {
        try (Arena a = Arena.ofConfined(); NetlinkSocket nl = NetlinkSocket.open()) {
            MemorySegment msg = a.allocate(128, 8);
            long at = Nlmsghdr.sizeof();
            Ifinfomsg.ifi_index(msg, at, ifindex);
            at += Ifinfomsg.sizeof();
            long nest = at;
            at = Nlattr.put(msg, at, Netlink.IFLA_XDP | Netlink.NLA_F_NESTED, 0);
            long p = Nlattr.put(msg, at, Netlink.IFLA_XDP_FD, 4);
            msg.set(JAVA_INT, p, progFd);
            at = p + 4;
            p = Nlattr.put(msg, at, Netlink.IFLA_XDP_FLAGS, 4);
            msg.set(JAVA_INT, p, flags);
            at = p + 4;
            Nlattr.put(msg, nest, Netlink.IFLA_XDP | Netlink.NLA_F_NESTED, (int) (at - nest - Nlattr.sizeof()));
            int len = (int) at;
            Nlmsghdr.nlmsg_len(msg, 0, len);
            Nlmsghdr.nlmsg_type(msg, 0, Netlink.RTM_SETLINK);
            Nlmsghdr.nlmsg_flags(msg, 0, Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK);
            Nlmsghdr.nlmsg_seq(msg, 0, 2);
            MemorySegment reply = nl.request(msg, len, a);
            if (Nlmsghdr.nlmsg_type(reply, 0) == Netlink.NLMSG_ERROR) {
                int error = reply.get(JAVA_INT, Nlmsghdr.sizeof());
                if (error != 0) {
                    throw new NativeException("RTM_SETLINK IFLA_XDP", (progFd < 0 ? "detach from" : "attach to")
                            + " ifindex " + ifindex + " in " + modeName(flags) + " mode", -error);
                }
            }
        }
    }

    public static String modeName(int flags) {
        if ((flags & Bpf.XDP_FLAGS_DRV_MODE) != 0) {
            return "native (driver)";
        }
        if ((flags & Bpf.XDP_FLAGS_SKB_MODE) != 0) {
            return "generic (skb)";
        }
        return "default";
    }

    public int ifindex() {
        return ifindex;
    }

    public boolean isLink() {
        return linkFd >= 0;
    }

    public int modeFlags() {
        return modeFlags;
    }

    /** Detaches the program (closing the link, or through rtnetlink); once. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (linkFd >= 0) {
            Libc.close(linkFd);
        } else {
            detachNetlink(ifindex, modeFlags);
        }
    }

    /** One request, one reply, over a NETLINK_ROUTE socket. */
    private static final class NetlinkSocket implements AutoCloseable {
        private final int fd;

        private NetlinkSocket(int fd) {
            this.fd = fd;
        }

        static NetlinkSocket open() {
            int fd = Libc.check(Libc.socket(Netlink.AF_NETLINK, Xdp.SOCK_RAW | Net.SOCK_CLOEXEC, Netlink.NETLINK_ROUTE),
                    "socket(AF_NETLINK)");
            return new NetlinkSocket(fd);
        }

        MemorySegment request(MemorySegment msg, int len, Arena a) {
            MemorySegment kernel = a.allocate(SockaddrNl.LAYOUT);
            SockaddrNl.nl_family(kernel, Netlink.AF_NETLINK);
            Libc.check(Xdp.sendto(fd, msg, len, 0, kernel, (int) SockaddrNl.sizeof()), "sendto(netlink)");
            MemorySegment reply = a.allocate(32 << 10, 8);
            long n = Libc.check(Xdp.recv(fd, reply, reply.byteSize(), 0), "recv(netlink)");
            if (n < Nlmsghdr.sizeof()) {
                throw new NativeException("recv(netlink)", "short reply of " + n + " bytes", 0);
            }
            return reply;
        }

        @Override
        public void close() {
            Libc.close(fd);
        }
    }
}
