package org.jntpd.platform;

/**
 * rtnetlink constants (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h) for attaching an XDP program to an
 * interface and asking which one is attached. Checked against the headers by AbiTest.
 */
public final class Netlink {
    public static final int AF_NETLINK = 16;
    public static final int NETLINK_ROUTE = 0;

    public static final int RTM_NEWLINK = 16;
    public static final int RTM_GETLINK = 18;
    public static final int RTM_SETLINK = 19;

    public static final int NLM_F_REQUEST = 1;
    public static final int NLM_F_ACK = 4;
    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    public static final int NLA_F_NESTED = 0x8000;

    /** The nested attribute that carries an interface's XDP program. */
    public static final int IFLA_XDP = 43;
    public static final int IFLA_XDP_FD = 1;
    public static final int IFLA_XDP_ATTACHED = 2;
    public static final int IFLA_XDP_FLAGS = 3;
    public static final int IFLA_XDP_PROG_ID = 4;
    public static final int IFLA_XDP_DRV_PROG_ID = 5;
    public static final int IFLA_XDP_SKB_PROG_ID = 6;
    public static final int IFLA_XDP_EXPECTED_FD = 8;

    // IFLA_XDP_ATTACHED values
    public static final int XDP_ATTACHED_NONE = 0;
    public static final int XDP_ATTACHED_DRV = 1;
    public static final int XDP_ATTACHED_SKB = 2;
    public static final int XDP_ATTACHED_HW = 3;
    public static final int XDP_ATTACHED_MULTI = 4;

    private Netlink() {
    }

    /** NLMSG_ALIGN / NLA_ALIGN: netlink messages and attributes are padded to 4 bytes. */
    public static int align(int length) {
        return (length + 3) & ~3;
    }
}
