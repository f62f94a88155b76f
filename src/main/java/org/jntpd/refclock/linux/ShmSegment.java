package org.jntpd.refclock.linux;

import java.lang.foreign.MemorySegment;
import org.jntpd.platform.Ipc;
import org.jntpd.platform.Libc;
import org.jntpd.platform.NativeException;
import org.jntpd.refclock.ShmTime;

/**
 * The NTP shared-memory segment of one SHM unit, mapped into the process: {@code shmget(ShmTime.KEY_BASE + unit,
 * 96, IPC_CREAT | perm)} and {@code shmat}, as ntpd and chrony do, so the segment exists for gpsd whichever side
 * starts first. Closing detaches it; the segment itself stays for the writer (the kernel removes it only when asked).
 */
public final class ShmSegment implements AutoCloseable {
    /** ntpd's permissions: owner only for units 0 and 1 (gpsd's root-written units), world-writable above. */
    public static final int PRIVATE_PERMISSIONS = 0600;
    public static final int PUBLIC_PERMISSIONS = 0666;

    private final int unit;
    private final MemorySegment mapped;
    private boolean closed;

    private ShmSegment(int unit, MemorySegment mapped) {
        this.unit = unit;
        this.mapped = mapped;
    }

    /** ntpd's rule: units 0 and 1 are private; above, mode bit 0 ({@code SHM_MODE_PRIVATE}) keeps them private. */
    public static int permissionsFor(int unit, int mode) {
        return unit < 2 || (mode & 1) != 0 ? PRIVATE_PERMISSIONS : PUBLIC_PERMISSIONS;
    }

    /**
     * Creates (when missing) and maps the segment of {@code unit}.
     *
     * @throws NativeException from shmget (EINVAL: a segment of another size has the key) or shmat
     */
    public static ShmSegment attach(int unit, int permissions) {
        int key = ShmTime.KEY_BASE + unit;
        int id = Libc.shmget(key, ShmTime.sizeof(), Ipc.IPC_CREAT | permissions);
        if (id < 0) {
            throw new NativeException("shmget", "SHM unit " + unit + " (key 0x" + Integer.toHexString(key) + ")",
                    Libc.errno());
        }
        MemorySegment at = Libc.shmat(id, ShmTime.sizeof(), 0);
        if (at == null) {
            throw new NativeException("shmat", "SHM unit " + unit + " (id " + id + ")", Libc.errno());
        }
        return new ShmSegment(unit, at);
    }

    public int unit() {
        return unit;
    }

    /** The mapped {@code struct shmTime}, {@link ShmTime#sizeof()} bytes; invalid after {@link #close()}. */
    public MemorySegment segment() {
        return mapped;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.shmdt(mapped);
        }
    }

    @Override
    public String toString() {
        return "SHM unit " + unit;
    }
}
