package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.jntpd.platform.Structs.offsetIn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct nlattr (linux/netlink.h): a netlink attribute header, followed by its payload padded to 4 bytes; 4 bytes.
 *
 * <pre>{@code
 * struct nlattr {
 *     __u16 nla_len;    // header + payload, unpadded
 *     __u16 nla_type;   // NLA_F_NESTED | type
 * };
 * }</pre>
 */
public final class Nlattr {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("nla_len"),
            JAVA_SHORT.withName("nla_type"))
            .withName("nlattr");

    public static final long NLA_LEN_OFFSET = offsetIn(LAYOUT, "nla_len");
    public static final long NLA_TYPE_OFFSET = offsetIn(LAYOUT, "nla_type");

    private Nlattr() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long sizeof() {
        return LAYOUT.byteSize();
    }

    public static int nla_len(MemorySegment s, long at) {
        return Short.toUnsignedInt(s.get(JAVA_SHORT, at + NLA_LEN_OFFSET));
    }

    public static int nla_type(MemorySegment s, long at) {
        return Short.toUnsignedInt(s.get(JAVA_SHORT, at + NLA_TYPE_OFFSET));
    }

    /** Writes an attribute header at {@code at}; returns where its payload starts. */
    public static long put(MemorySegment s, long at, int type, int payloadLength) {
        s.set(JAVA_SHORT, at + NLA_LEN_OFFSET, (short) (LAYOUT.byteSize() + payloadLength));
        s.set(JAVA_SHORT, at + NLA_TYPE_OFFSET, (short) type);
        return at + LAYOUT.byteSize();
    }
}
