package org.jntpd.platform;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Linux capabilities of the calling thread (capget/capset, version 3: 64-bit masks, bit n = capability n) and the
 * daemon's privilege drop.
 *
 * <p>Capabilities are per thread. glibc's setuid/setgid/setgroups act on every thread of the process, but
 * PR_SET_KEEPCAPS and capset act on the calling thread only. So after {@link #dropPrivileges} the calling thread
 * holds exactly the kept capabilities, threads it starts afterwards inherit them, and every thread that existed
 * before (the JVM's own, others of the application) is left with none. Call it from the thread that goes on to
 * start the threads needing the capabilities (clock discipline: CAP_SYS_TIME; binding port 123:
 * CAP_NET_BIND_SERVICE), before starting them.
 */
public final class Capabilities {
    /** The three capability sets of a thread, as 64-bit masks. */
    public record Sets(long effective, long permitted, long inheritable) {
        public boolean hasEffective(int capability) {
            return (effective & bit(capability)) != 0;
        }
    }

    private Capabilities() {
    }

    /** The mask with bit {@code capability} set (e.g. {@link Sys#CAP_SYS_TIME}). */
    public static long bit(int capability) {
        if (capability < 0 || capability > 63) {
            throw new IllegalArgumentException("capability: expected 0..63, got " + capability);
        }
        return 1L << capability;
    }

    /** The mask of all {@code capabilities}. */
    public static long mask(int... capabilities) {
        long m = 0;
        for (int c : capabilities) {
            m |= bit(c);
        }
        return m;
    }

    /** The capability sets of the calling thread. */
    public static Sets current() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = header(arena);
            MemorySegment data = arena.allocate(CapUserData.LAYOUT, Sys._LINUX_CAPABILITY_U32S_3);
            Libc.check(Libc.capget(header, data), "capget");
            MemorySegment high = data.asSlice(CapUserData.sizeof());
            return new Sets(join(CapUserData.effective(data), CapUserData.effective(high)),
                    join(CapUserData.permitted(data), CapUserData.permitted(high)),
                    join(CapUserData.inheritable(data), CapUserData.inheritable(high)));
        }
    }

    /** Sets the calling thread's capabilities (a thread may only lower its permitted set). */
    public static void set(Sets sets) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = header(arena);
            MemorySegment data = arena.allocate(CapUserData.LAYOUT, Sys._LINUX_CAPABILITY_U32S_3);
            MemorySegment high = data.asSlice(CapUserData.sizeof());
            CapUserData.effective(data, (int) sets.effective());
            CapUserData.effective(high, (int) (sets.effective() >>> 32));
            CapUserData.permitted(data, (int) sets.permitted());
            CapUserData.permitted(high, (int) (sets.permitted() >>> 32));
            CapUserData.inheritable(data, (int) sets.inheritable());
            CapUserData.inheritable(high, (int) (sets.inheritable() >>> 32));
            Libc.check(Libc.capset(header, data), "capset");
        }
    }

    /**
     * Switches the process to {@code uid}/{@code gid} (no supplementary groups) while the calling thread keeps the
     * capabilities in {@code keepMask} (effective and permitted) and nothing else. Needs root (CAP_SETUID,
     * CAP_SETGID); irreversible. See the class comment for which threads hold the capabilities afterwards.
     */
    public static void dropPrivileges(int uid, int gid, long keepMask) {
        Libc.check(Libc.prctl(Sys.PR_SET_KEEPCAPS, 1, 0, 0, 0), "prctl(PR_SET_KEEPCAPS)");
        Libc.check(Libc.setgroups(0, MemorySegment.NULL), "setgroups");
        Libc.check(Libc.setgid(gid), "setgid");
        Libc.check(Libc.setuid(uid), "setuid");
        set(new Sets(keepMask, keepMask, 0));
        Libc.check(Libc.prctl(Sys.PR_SET_KEEPCAPS, 0, 0, 0, 0), "prctl(PR_SET_KEEPCAPS)");
        Sets now = current();
        if (now.effective() != keepMask || now.permitted() != keepMask) {
            throw new IllegalStateException("capabilities after the drop: expected effective and permitted 0x"
                    + Long.toHexString(keepMask) + ", got " + now);
        }
    }

    private static MemorySegment header(Arena arena) {
        MemorySegment header = arena.allocate(CapUserHeader.LAYOUT);
        CapUserHeader.version(header, Sys._LINUX_CAPABILITY_VERSION_3);
        CapUserHeader.pid(header, 0);
        return header;
    }

    private static long join(int low, int high) {
        return Integer.toUnsignedLong(low) | (long) high << 32;
    }
}
