package org.jntpd.platform;

/**
 * Process-level constants: open(2) flags (fcntl.h), mlockall (sys/mman.h), prctl (linux/prctl.h), capabilities
 * (linux/capability.h), CPU sets (sched.h). Checked against the headers by AbiTest.
 */
public final class Sys {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0x40;
    public static final int O_NOCTTY = 0x100;
    public static final int O_TRUNC = 0x200;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;

    public static final int MCL_CURRENT = 1;
    public static final int MCL_FUTURE = 2;
    /** Lock pages as they are faulted in, not all at once (a JVM reserves far more than it touches). */
    public static final int MCL_ONFAULT = 4;

    public static final int PR_GET_KEEPCAPS = 7;
    public static final int PR_SET_KEEPCAPS = 8;
    public static final int PR_SET_NAME = 15;
    public static final int PR_GET_NAME = 16;
    public static final int PR_CAPBSET_READ = 23;
    public static final int PR_CAPBSET_DROP = 24;
    public static final int PR_SET_NO_NEW_PRIVS = 38;
    public static final int PR_GET_NO_NEW_PRIVS = 39;
    public static final int PR_CAP_AMBIENT = 47;
    public static final int PR_CAP_AMBIENT_IS_SET = 1;
    public static final int PR_CAP_AMBIENT_RAISE = 2;
    public static final int PR_CAP_AMBIENT_LOWER = 3;
    public static final int PR_CAP_AMBIENT_CLEAR_ALL = 4;

    public static final int _LINUX_CAPABILITY_VERSION_3 = 0x20080522;
    public static final int _LINUX_CAPABILITY_U32S_3 = 2;
    public static final int CAP_SETGID = 6;
    public static final int CAP_SETUID = 7;
    public static final int CAP_SETPCAP = 8;
    public static final int CAP_NET_BIND_SERVICE = 10;
    public static final int CAP_NET_ADMIN = 12;
    public static final int CAP_NET_RAW = 13;
    public static final int CAP_IPC_LOCK = 14;
    public static final int CAP_SYS_NICE = 23;
    public static final int CAP_SYS_RESOURCE = 24;
    public static final int CAP_SYS_TIME = 25;
    public static final int CAP_LAST_CAP = 40;

    public static final int CPU_SETSIZE = 1024;

    private Sys() {
    }
}
