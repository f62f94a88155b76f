package org.jntpd.proto;

/** NTP association modes (the header's 3-bit mode field). */
public final class NtpMode {
    public static final int SYMMETRIC_ACTIVE = 1;
    public static final int SYMMETRIC_PASSIVE = 2;
    public static final int CLIENT = 3;
    public static final int SERVER = 4;
    public static final int BROADCAST = 5;

    private NtpMode() {}
}
