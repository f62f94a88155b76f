package org.jntpd.platform;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Main class run in a forked JVM by the platform tests, for what must not happen in the test JVM. Prints
 * {@code key value} lines. Commands: clock (what Libc sees, under a shim), native (any libc call), mlock, drop UID GID.
 */
public final class PlatformProbe {
    private PlatformProbe() {
    }

    public static void main(String[] args) throws Exception {
        try {
            switch (args[0]) {
                case "clock" -> clock();
                case "native" -> System.out.println("pid " + Libc.getpid());
                case "mlock" -> mlock();
                case "drop" -> drop(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
                default -> throw new IllegalArgumentException("unknown probe " + args[0]);
            }
        } catch (Throwable t) {
            System.out.println("error");
            for (Throwable c = t; c != null; c = c.getCause()) {
                System.out.println("cause " + c);
            }
            System.exit(3);
        }
    }

    private static void clock() {
        System.out.println("shim " + Libc.shimPath());
        System.out.println("realtime " + Libc.clockGettimeNs(Clocks.CLOCK_REALTIME));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(Timespec.LAYOUT);
            Libc.clockGettimeCapturing(Clocks.CLOCK_REALTIME, ts);
            System.out.println("realtime_capturing " + Timespec.toNanos(ts));
            System.out.println("monotonic " + Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC));
            System.out.println("monotonic " + Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC));
            MemorySegment tm = arena.allocate(RtcTime.LAYOUT);
            int rc = Libc.ioctl(-1, Rtc.RTC_RD_TIME, tm);
            System.out.println("rtc_rd_time " + rc + " " + (rc == 0 ? 1900 + RtcTime.tm_year(tm) + "-"
                    + (RtcTime.tm_mon(tm) + 1) + "-" + RtcTime.tm_mday(tm) + "T" + RtcTime.tm_hour(tm) + ":"
                    + RtcTime.tm_min(tm) + ":" + RtcTime.tm_sec(tm) : "errno=" + Libc.errno()));
        }
    }

    private static void mlock() throws Exception {
        System.out.println("before " + status("/proc/self/status", "VmLck"));
        MemoryLock.lockAllOnFault();
        System.out.println("locked " + status("/proc/self/status", "VmLck"));
        MemoryLock.unlockAll();
        System.out.println("unlocked " + status("/proc/self/status", "VmLck"));
    }

    /**
     * Drops to uid/gid keeping CAP_SYS_TIME and CAP_NET_BIND_SERVICE on this thread, then reports this thread, a
     * thread that existed before the drop and one started after it.
     */
    private static void drop(int uid, int gid) throws Exception {
        CountDownLatch dropped = new CountDownLatch(1);
        CountDownLatch reported = new CountDownLatch(1);
        Thread before = Thread.ofPlatform().start(() -> {
            try {
                dropped.await();
                report("before");
            } catch (Exception e) {
                System.out.println("before_error " + e);
            } finally {
                reported.countDown();
            }
        });
        long keep = Capabilities.mask(Sys.CAP_SYS_TIME, Sys.CAP_NET_BIND_SERVICE);
        Capabilities.dropPrivileges(uid, gid, keep);
        dropped.countDown();
        reported.await();
        before.join();
        report("self");
        Thread after = Thread.ofPlatform().start(() -> {
            try {
                report("after");
            } catch (Exception e) {
                System.out.println("after_error " + e);
            }
        });
        after.join();
        int rc = Libc.setuid(0);
        System.out.println("setuid0 " + rc + " " + (rc < 0 ? Libc.errno() : 0));
    }

    private static synchronized void report(String who) throws Exception {
        System.out.println(who + "_uid " + Libc.getuid());
        System.out.println(who + "_gid " + Libc.getgid());
        System.out.println(who + "_groups " + status("/proc/thread-self/status", "Groups").trim());
        System.out.println(who + "_capeff " + status("/proc/thread-self/status", "CapEff"));
        System.out.println(who + "_capprm " + status("/proc/thread-self/status", "CapPrm"));
        System.out.println(who + "_bind " + bindLowPort());
    }

    /** errno of binding 127.0.0.1 to a free port below 1024 (0 = bound), trying at most 50 ports. */
    private static int bindLowPort() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sin = arena.allocate(SockaddrIn.LAYOUT);
            int errno = -1;
            for (int port = 600; port < 650; port++) {
                int fd = Libc.check(Libc.socket(Net.AF_INET, Net.SOCK_DGRAM | Net.SOCK_CLOEXEC, 0), "socket");
                SockaddrIn.sin_family(sin, Net.AF_INET);
                SockaddrIn.sin_addr(sin, 0x7f000001);
                SockaddrIn.sin_port(sin, port);
                int rc = Libc.bind(fd, sin, (int) SockaddrIn.sizeof());
                errno = rc == 0 ? 0 : Libc.errno();
                Libc.close(fd);
                if (errno != Errno.EADDRINUSE) {
                    return errno;
                }
            }
            return errno;
        }
    }

    private static String status(String file, String name) throws Exception {
        for (String line : Files.readAllLines(Path.of(file))) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return "?";
    }
}
