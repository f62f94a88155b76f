package org.jntpd.platform;

/**
 * Kernel packet timestamping (linux/net_tstamp.h, linux/errqueue.h): SO_TIMESTAMPING flags, the error queue's
 * timestamp report, and NIC hardware timestamping modes. Checked against the headers by AbiTest.
 */
public final class Timestamping {
    public static final int SOF_TIMESTAMPING_TX_HARDWARE = 1 << 0;
    public static final int SOF_TIMESTAMPING_TX_SOFTWARE = 1 << 1;
    public static final int SOF_TIMESTAMPING_RX_HARDWARE = 1 << 2;
    public static final int SOF_TIMESTAMPING_RX_SOFTWARE = 1 << 3;
    public static final int SOF_TIMESTAMPING_SOFTWARE = 1 << 4;
    public static final int SOF_TIMESTAMPING_SYS_HARDWARE = 1 << 5;
    public static final int SOF_TIMESTAMPING_RAW_HARDWARE = 1 << 6;
    public static final int SOF_TIMESTAMPING_OPT_ID = 1 << 7;
    public static final int SOF_TIMESTAMPING_TX_SCHED = 1 << 8;
    public static final int SOF_TIMESTAMPING_TX_ACK = 1 << 9;
    public static final int SOF_TIMESTAMPING_OPT_CMSG = 1 << 10;
    public static final int SOF_TIMESTAMPING_OPT_TSONLY = 1 << 11;
    public static final int SOF_TIMESTAMPING_OPT_STATS = 1 << 12;
    public static final int SOF_TIMESTAMPING_OPT_PKTINFO = 1 << 13;
    public static final int SOF_TIMESTAMPING_OPT_TX_SWHW = 1 << 14;
    public static final int SOF_TIMESTAMPING_BIND_PHC = 1 << 15;

    // sock_extended_err.ee_info of a timestamp report: which point of the send path it stamps.
    public static final int SCM_TSTAMP_SND = 0;
    public static final int SCM_TSTAMP_SCHED = 1;
    public static final int SCM_TSTAMP_ACK = 2;

    // sock_extended_err.ee_origin.
    public static final int SO_EE_ORIGIN_NONE = 0;
    public static final int SO_EE_ORIGIN_LOCAL = 1;
    public static final int SO_EE_ORIGIN_ICMP = 2;
    public static final int SO_EE_ORIGIN_ICMP6 = 3;
    public static final int SO_EE_ORIGIN_TXSTATUS = 4;
    public static final int SO_EE_ORIGIN_TIMESTAMPING = SO_EE_ORIGIN_TXSTATUS;

    // hwtstamp_config.tx_type and rx_filter.
    public static final int HWTSTAMP_TX_OFF = 0;
    public static final int HWTSTAMP_TX_ON = 1;
    public static final int HWTSTAMP_FILTER_NONE = 0;
    public static final int HWTSTAMP_FILTER_ALL = 1;
    public static final int HWTSTAMP_FILTER_NTP_ALL = 15;

    private Timestamping() {
    }
}
