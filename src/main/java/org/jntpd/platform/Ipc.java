package org.jntpd.platform;

/** System V IPC constants (sys/ipc.h, sys/shm.h) for the shared-memory calls. Checked against the headers by AbiTest. */
public final class Ipc {
    public static final int IPC_PRIVATE = 0;
    public static final int IPC_CREAT = 0x200;
    public static final int IPC_EXCL = 0x400;
    public static final int IPC_NOWAIT = 0x800;
    public static final int IPC_RMID = 0;
    public static final int IPC_STAT = 2;
    /** shmat: map read-only. */
    public static final int SHM_RDONLY = 0x1000;

    private Ipc() {
    }
}
