package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct __user_cap_data_struct (linux/capability.h): capget/capset take two (version 3: capabilities 0-31, 32-63).
 *
 * <pre>{@code
 * typedef struct __user_cap_data_struct {
 *     __u32 effective;
 *     __u32 permitted;
 *     __u32 inheritable;
 * } *cap_user_data_t;
 * }</pre>
 */
public final class CapUserData {
    /** The C layout; named "__user_cap_data_struct" as in the headers (struct __user_cap_data_struct). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("effective"),
            JAVA_INT.withName("permitted"),
            JAVA_INT.withName("inheritable"))
            .withName("__user_cap_data_struct");

    public static final long EFFECTIVE_OFFSET = offset("effective");
    public static final long PERMITTED_OFFSET = offset("permitted");
    public static final long INHERITABLE_OFFSET = offset("inheritable");

    private CapUserData() {
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

    public static int effective(MemorySegment s) {
        return s.get(JAVA_INT, EFFECTIVE_OFFSET);
    }

    public static void effective(MemorySegment s, int v) {
        s.set(JAVA_INT, EFFECTIVE_OFFSET, v);
    }

    public static int permitted(MemorySegment s) {
        return s.get(JAVA_INT, PERMITTED_OFFSET);
    }

    public static void permitted(MemorySegment s, int v) {
        s.set(JAVA_INT, PERMITTED_OFFSET, v);
    }

    public static int inheritable(MemorySegment s) {
        return s.get(JAVA_INT, INHERITABLE_OFFSET);
    }

    public static void inheritable(MemorySegment s, int v) {
        s.set(JAVA_INT, INHERITABLE_OFFSET, v);
    }
}
