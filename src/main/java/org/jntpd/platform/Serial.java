package org.jntpd.platform;

/**
 * Terminal constants (termios.h, x86_64 glibc): tcsetattr actions, {@link Termios} flag bits, {@code c_cc} indexes and
 * the {@code B...} speed codes. Checked against the headers by AbiTest.
 */
public final class Serial {
    public static final int TCSANOW = 0;
    public static final int TCSADRAIN = 1;
    public static final int TCSAFLUSH = 2;

    /** Length of {@code c_cc} in glibc's struct termios. */
    public static final int NCCS = 32;
    /** {@code c_cc} index: with ICANON off, a read returns once this many bytes are there. */
    public static final int VMIN = 6;
    /** {@code c_cc} index: with ICANON off, the inter-byte timeout in tenths of a second (0 = none). */
    public static final int VTIME = 5;

    // c_cflag
    public static final int CBAUD = 0x100f;
    public static final int CBAUDEX = 0x1000;
    public static final int CSIZE = 0x30;
    public static final int CS8 = 0x30;
    public static final int CSTOPB = 0x40;
    public static final int CREAD = 0x80;
    public static final int PARENB = 0x100;
    public static final int HUPCL = 0x400;
    /** Ignore the modem control lines (a GPS has no carrier to wait for). */
    public static final int CLOCAL = 0x800;
    public static final int CRTSCTS = 0x80000000;
    // c_lflag
    public static final int ISIG = 0x1;
    public static final int ICANON = 0x2;
    public static final int ECHO = 0x8;
    // c_iflag, c_oflag
    public static final int ICRNL = 0x100;
    public static final int IXON = 0x400;
    public static final int OPOST = 0x1;

    // Speed codes (not bit/s).
    public static final int B0 = 0;
    public static final int B1200 = 0x9;
    public static final int B2400 = 0xb;
    public static final int B4800 = 0xc;
    public static final int B9600 = 0xd;
    public static final int B19200 = 0xe;
    public static final int B38400 = 0xf;
    public static final int B57600 = 0x1001;
    public static final int B115200 = 0x1002;
    public static final int B230400 = 0x1003;
    public static final int B460800 = 0x1004;
    public static final int B921600 = 0x1007;

    private Serial() {
    }

    /** The speed code for {@code bitsPerSecond}, or -1 when termios has none. */
    public static int speedCode(int bitsPerSecond) {
        return switch (bitsPerSecond) {
            case 1200 -> B1200;
            case 2400 -> B2400;
            case 4800 -> B4800;
            case 9600 -> B9600;
            case 19200 -> B19200;
            case 38400 -> B38400;
            case 57600 -> B57600;
            case 115200 -> B115200;
            case 230400 -> B230400;
            case 460800 -> B460800;
            case 921600 -> B921600;
            default -> -1;
        };
    }
}
