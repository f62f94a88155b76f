package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct termios (termios.h, glibc's: not the kernel's smaller one), the argument of tcgetattr / tcsetattr: 60 bytes.
 *
 * <pre>{@code
 * struct termios {
 *     tcflag_t c_iflag;     // input modes
 *     tcflag_t c_oflag;     // output modes
 *     tcflag_t c_cflag;     // control modes: speed code, character size, CREAD, CLOCAL
 *     tcflag_t c_lflag;     // local modes: ICANON, ECHO, ISIG
 *     cc_t c_line;          // line discipline
 *     cc_t c_cc[NCCS];      // control characters; VMIN and VTIME in raw mode
 *     speed_t c_ispeed;
 *     speed_t c_ospeed;
 * };
 * }</pre>
 */
public final class Termios {
    /** The C layout; named "termios" as in the headers (struct termios). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("c_iflag"),
            JAVA_INT.withName("c_oflag"),
            JAVA_INT.withName("c_cflag"),
            JAVA_INT.withName("c_lflag"),
            JAVA_BYTE.withName("c_line"),
            MemoryLayout.sequenceLayout(Serial.NCCS, JAVA_BYTE).withName("c_cc"),
            MemoryLayout.paddingLayout(3),
            JAVA_INT.withName("c_ispeed"),
            JAVA_INT.withName("c_ospeed"))
            .withName("termios");

    public static final long C_IFLAG_OFFSET = offset("c_iflag");
    public static final long C_OFLAG_OFFSET = offset("c_oflag");
    public static final long C_CFLAG_OFFSET = offset("c_cflag");
    public static final long C_LFLAG_OFFSET = offset("c_lflag");
    public static final long C_LINE_OFFSET = offset("c_line");
    public static final long C_CC_OFFSET = offset("c_cc");
    public static final long C_ISPEED_OFFSET = offset("c_ispeed");
    public static final long C_OSPEED_OFFSET = offset("c_ospeed");

    private Termios() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    private static long offset(String field) {
        return offsetIn(LAYOUT, field);
    }

    public static int c_iflag(MemorySegment s) {
        return s.get(JAVA_INT, C_IFLAG_OFFSET);
    }

    public static void c_iflag(MemorySegment s, int v) {
        s.set(JAVA_INT, C_IFLAG_OFFSET, v);
    }

    public static int c_oflag(MemorySegment s) {
        return s.get(JAVA_INT, C_OFLAG_OFFSET);
    }

    public static void c_oflag(MemorySegment s, int v) {
        s.set(JAVA_INT, C_OFLAG_OFFSET, v);
    }

    public static int c_cflag(MemorySegment s) {
        return s.get(JAVA_INT, C_CFLAG_OFFSET);
    }

    public static void c_cflag(MemorySegment s, int v) {
        s.set(JAVA_INT, C_CFLAG_OFFSET, v);
    }

    public static int c_lflag(MemorySegment s) {
        return s.get(JAVA_INT, C_LFLAG_OFFSET);
    }

    public static void c_lflag(MemorySegment s, int v) {
        s.set(JAVA_INT, C_LFLAG_OFFSET, v);
    }

    /** {@code c_cc[index]}, unsigned. */
    public static int c_cc(MemorySegment s, int index) {
        return Byte.toUnsignedInt(s.get(JAVA_BYTE, C_CC_OFFSET + index));
    }

    public static void c_cc(MemorySegment s, int index, int v) {
        s.set(JAVA_BYTE, C_CC_OFFSET + index, (byte) v);
    }

    public static int c_ispeed(MemorySegment s) {
        return s.get(JAVA_INT, C_ISPEED_OFFSET);
    }

    public static int c_ospeed(MemorySegment s) {
        return s.get(JAVA_INT, C_OSPEED_OFFSET);
    }
}
