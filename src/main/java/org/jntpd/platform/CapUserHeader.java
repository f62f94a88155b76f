package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct __user_cap_header_struct (linux/capability.h), the header of capget/capset: 8 bytes.
 *
 * <pre>{@code
 * typedef struct __user_cap_header_struct {
 *     __u32 version;  // _LINUX_CAPABILITY_VERSION_3
 *     int pid;        // 0 = the calling thread
 * } *cap_user_header_t;
 * }</pre>
 */
public final class CapUserHeader {
    /** The C layout; named "__user_cap_header_struct" as in the headers (struct __user_cap_header_struct). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("version"),
            JAVA_INT.withName("pid"))
            .withName("__user_cap_header_struct");

    public static final long VERSION_OFFSET = offset("version");
    public static final long PID_OFFSET = offset("pid");

    private CapUserHeader() {
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

    public static int version(MemorySegment s) {
        return s.get(JAVA_INT, VERSION_OFFSET);
    }

    public static void version(MemorySegment s, int v) {
        s.set(JAVA_INT, VERSION_OFFSET, v);
    }

    public static int pid(MemorySegment s) {
        return s.get(JAVA_INT, PID_OFFSET);
    }

    public static void pid(MemorySegment s, int v) {
        s.set(JAVA_INT, PID_OFFSET, v);
    }
}
