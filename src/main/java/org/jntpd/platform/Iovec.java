package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct iovec (sys/uio.h): one scatter/gather buffer.
 *
 * <pre>{@code
 * struct iovec {
 *     void  *iov_base;  // start address
 *     size_t iov_len;   // number of bytes
 * };
 * }</pre>
 */
public final class Iovec {
    /** The C layout; named "iovec" as in the headers (struct iovec). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ADDRESS.withName("iov_base"),
            JAVA_LONG.withName("iov_len"))
            .withName("iovec");

    public static final long IOV_BASE_OFFSET = offset("iov_base");
    public static final long IOV_LEN_OFFSET = offset("iov_len");

    private Iovec() {
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

    public static MemorySegment iov_base(MemorySegment s) {
        return s.get(ADDRESS, IOV_BASE_OFFSET);
    }

    public static void iov_base(MemorySegment s, MemorySegment v) {
        s.set(ADDRESS, IOV_BASE_OFFSET, v);
    }

    public static long iov_len(MemorySegment s) {
        return s.get(JAVA_LONG, IOV_LEN_OFFSET);
    }

    public static void iov_len(MemorySegment s, long v) {
        s.set(JAVA_LONG, IOV_LEN_OFFSET, v);
    }
}
