package org.jntpd.xdp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jntpd.platform.Bpf;
import org.jntpd.platform.BpfAttrObjInfo;
import org.jntpd.platform.BpfAttrProgLoad;
import org.jntpd.platform.BpfProgInfo;
import org.jntpd.platform.Errno;
import org.jntpd.platform.Libc;

/** A loaded BPF program held by its fd. */
public final class BpfProgram implements AutoCloseable {
    /** Verifier log buffer for a failed load: the log of a few hundred instructions fits easily. */
    private static final int LOG_BYTES = 4 << 20;

    private final int fd;
    private final String name;

    private BpfProgram(int fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    /** The verifier refused the program (or the kernel the load): errno and the verifier's log. */
    public static final class LoadException extends RuntimeException {
        private final int errno;
        private final String verifierLog;

        LoadException(String name, int errno, String verifierLog) {
            super("bpf(BPF_PROG_LOAD) of " + name + ": " + Libc.strerror(errno) + " (errno " + errno + ")"
                    + (verifierLog.isBlank() ? "" : "\nverifier log:\n" + tail(verifierLog)));
            this.errno = errno;
            this.verifierLog = verifierLog;
        }

        public int errno() {
            return errno;
        }

        public String verifierLog() {
            return verifierLog;
        }

        private static String tail(String log) {
            return log.length() <= 8000 ? log : "...\n" + log.substring(log.length() - 8000);
        }
    }

    /**
     * BPF_PROG_LOAD of {@code insns} (struct bpf_insn values, {@link org.jntpd.xdp.ebpf.Asm#assemble()}). The first
     * try runs without a log; when it fails, a second with the verifier log at level 1 gives the reason, which the
     * exception carries.
     */
    public static BpfProgram load(long[] insns, String name, int progType, int expectedAttachType) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment code = a.allocate(ValueLayout.JAVA_LONG, insns.length);
            MemorySegment.copy(insns, 0, code, ValueLayout.JAVA_LONG, 0, insns.length);
            MemorySegment license = a.allocateFrom("GPL"); // ktime_get_tai_ns and friends are GPL-only helpers
            MemorySegment attr = a.allocate(BpfAttrProgLoad.LAYOUT);
            BpfAttrProgLoad.prog_type(attr, progType);
            BpfAttrProgLoad.insn_cnt(attr, insns.length);
            BpfAttrProgLoad.insns(attr, code);
            BpfAttrProgLoad.license(attr, license);
            BpfAttrProgLoad.prog_name(attr, name);
            BpfAttrProgLoad.expected_attach_type(attr, expectedAttachType);
            int fd = Bpf.bpf(Bpf.BPF_PROG_LOAD, attr, BpfAttrProgLoad.sizeof());
            if (fd >= 0) {
                return new BpfProgram(fd, name);
            }
            int firstErrno = Libc.errno();
            MemorySegment log = a.allocate(LOG_BYTES);
            BpfAttrProgLoad.log_level(attr, 1);
            BpfAttrProgLoad.log_size(attr, LOG_BYTES);
            BpfAttrProgLoad.log_buf(attr, log);
            fd = Bpf.bpf(Bpf.BPF_PROG_LOAD, attr, BpfAttrProgLoad.sizeof());
            if (fd >= 0) { // loaded the second time (a transient ENOMEM or EAGAIN): keep it
                return new BpfProgram(fd, name);
            }
            int errno = Libc.errno() == Errno.ENOSPC ? firstErrno : Libc.errno();
            throw new LoadException(name, errno, log.getString(0));
        }
    }

    public int fd() {
        return fd;
    }

    public String name() {
        return name;
    }

    /** The kernel's id of this program (what netlink reports as attached). */
    public int id() {
        return info(fd).id;
    }

    /** Type, id and name of a loaded program, by fd. */
    public record Info(int type, int id, String name) {}

    static Info info(int progFd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(BpfProgInfo.LAYOUT);
            MemorySegment attr = a.allocate(BpfAttrObjInfo.LAYOUT);
            BpfAttrObjInfo.bpf_fd(attr, progFd);
            BpfAttrObjInfo.info_len(attr, (int) BpfProgInfo.sizeof());
            BpfAttrObjInfo.info(attr, info);
            Libc.check(Bpf.bpf(Bpf.BPF_OBJ_GET_INFO_BY_FD, attr, BpfAttrObjInfo.sizeof()), "bpf(BPF_OBJ_GET_INFO_BY_FD)");
            return new Info(BpfProgInfo.type(info), BpfProgInfo.id(info), BpfProgInfo.name(info));
        }
    }

    /** Type, id and name of the loaded program {@code id}, or null when there is none (any more). */
    static Info infoById(int id) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(BpfAttrObjInfo.LAYOUT);
            BpfAttrObjInfo.prog_id(attr, id);
            int fd = Bpf.bpf(Bpf.BPF_PROG_GET_FD_BY_ID, attr, BpfAttrObjInfo.sizeof());
            if (fd < 0) {
                return null;
            }
            try {
                return info(fd);
            } finally {
                Libc.close(fd);
            }
        }
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
