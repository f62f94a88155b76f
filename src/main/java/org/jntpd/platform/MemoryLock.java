package org.jntpd.platform;

/**
 * Keeps the process's memory out of swap. With MCL_ONFAULT pages lock as they are touched, so a JVM's large
 * reserved heap costs nothing up front (MCL_CURRENT|MCL_FUTURE alone took 0.66 s and locked the whole heap).
 */
public final class MemoryLock {
    private MemoryLock() {
    }

    /** mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT); needs CAP_IPC_LOCK or a large enough RLIMIT_MEMLOCK. */
    public static void lockAllOnFault() {
        Libc.check(Libc.mlockall(Sys.MCL_CURRENT | Sys.MCL_FUTURE | Sys.MCL_ONFAULT), "mlockall");
    }

    public static void unlockAll() {
        Libc.check(Libc.munlockall(), "munlockall");
    }
}
