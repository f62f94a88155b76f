package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.nio.charset.StandardCharsets;

/**
 * struct sockaddr_un (sys/un.h): a Unix-domain socket address, 110 bytes.
 *
 * <pre>{@code
 * struct sockaddr_un {
 *     sa_family_t sun_family;  // AF_UNIX
 *     char sun_path[108];      // path, NUL-terminated (a leading NUL: Linux's abstract namespace)
 * };
 * }</pre>
 */
public final class SockaddrUn {
    /** The C layout; named "sockaddr_un" as in the headers (struct sockaddr_un). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sun_family"),
            MemoryLayout.sequenceLayout(108, JAVA_BYTE).withName("sun_path"))
            .withName("sockaddr_un");

    public static final long SUN_FAMILY_OFFSET = offset("sun_family");
    public static final long SUN_PATH_OFFSET = offset("sun_path");
    /** Longest path that fits with its NUL. */
    public static final int MAX_PATH_BYTES = 107;

    private SockaddrUn() {
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

    public static short sun_family(MemorySegment s) {
        return s.get(JAVA_SHORT, SUN_FAMILY_OFFSET);
    }

    public static void sun_family(MemorySegment s, short v) {
        s.set(JAVA_SHORT, SUN_FAMILY_OFFSET, v);
    }

    /**
     * Fills in AF_UNIX and a file-system path (setup code) and returns the address length to pass to bind/connect.
     *
     * @throws IllegalArgumentException when the path is empty or longer than {@value #MAX_PATH_BYTES} bytes
     */
    public static int setPath(MemorySegment s, String path) {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        if (p.length == 0 || p.length > MAX_PATH_BYTES) {
            throw new IllegalArgumentException("a Unix socket path of 1-" + MAX_PATH_BYTES + " bytes, got " + p.length
                    + ": '" + path + "'");
        }
        s.fill((byte) 0);
        sun_family(s, (short) Net.AF_UNIX);
        MemorySegment.copy(p, 0, s, JAVA_BYTE, SUN_PATH_OFFSET, p.length);
        return (int) SUN_PATH_OFFSET + p.length + 1;
    }
}
