package org.jntpd.platform;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibcTest {
    private static final int LOOPBACK = 0x7f000001;

    @Test
    void shouldReadRealtimeBetweenTwoJavaClockReadings() {
        for (int i = 0; i < 5; i++) {
            Instant before = Instant.now();
            long critical = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
            long capturing;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment ts = arena.allocate(Timespec.LAYOUT);
                assertEquals(0, Libc.clockGettimeCapturing(Clocks.CLOCK_REALTIME, ts));
                capturing = Timespec.toNanos(ts);
                assertTrue(Timespec.tv_nsec(ts) >= 0 && Timespec.tv_nsec(ts) < 1_000_000_000L);
            }
            Instant after = Instant.now();
            long beforeNs = before.getEpochSecond() * 1_000_000_000L + before.getNano();
            long afterNs = after.getEpochSecond() * 1_000_000_000L + after.getNano();
            // Instant.now() is microsecond-granular here: allow 1 us at each end.
            assertTrue(beforeNs - 1_000 <= critical && critical <= capturing && capturing <= afterNs + 1_000,
                    "before " + beforeNs + " critical " + critical + " capturing " + capturing + " after " + afterNs);
        }
    }

    @Test
    void shouldReportEinvalForAnUnknownClock() {
        assertEquals(Long.MIN_VALUE, Libc.clockGettimeNs(12345));
        assertEquals(Errno.EINVAL, Libc.errno());
    }

    @Test
    void shouldReadMonotonicClocksThatNeverGoBack() {
        long mono = Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC);
        long raw = Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC_RAW);
        long boot = Libc.clockGettimeNs(Clocks.CLOCK_BOOTTIME);
        assertTrue(mono > 0 && raw > 0 && boot >= mono, mono + " " + raw + " " + boot);
        assertTrue(Libc.clockGettimeNs(Clocks.CLOCK_MONOTONIC) >= mono);
        // TAI is ahead of or equal to UTC (equal when no TAI offset was ever set).
        long tai = Libc.clockGettimeNs(Clocks.CLOCK_TAI);
        long utc = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
        assertTrue(tai - utc > -1_000_000 && tai - utc < 60_000_000_000L, "TAI - UTC = " + (tai - utc) + " ns");
    }

    @Test
    void shouldReadClockResolutions() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(Timespec.LAYOUT);
            assertEquals(0, Libc.clockGetres(Clocks.CLOCK_REALTIME, ts));
            long fine = Timespec.toNanos(ts);
            assertEquals(0, Libc.clockGetres(Clocks.CLOCK_REALTIME_COARSE, ts));
            long coarse = Timespec.toNanos(ts);
            // High-resolution timers: 1 ns; the coarse clock ticks with the scheduler (1-10 ms for HZ 1000..100).
            assertTrue(fine >= 1 && fine <= 1_000, "CLOCK_REALTIME resolution " + fine + " ns");
            assertTrue(coarse >= 1_000_000 && coarse <= 10_000_000,
                    "CLOCK_REALTIME_COARSE resolution " + coarse + " ns");
        }
    }

    /** Read-only (modes = 0): the kernel's fixed values prove the timex layout. */
    @Test
    void shouldReadTheKernelClockStateWithoutChangingIt() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment tx = arena.allocate(Timex.LAYOUT);
            Timex.modes(tx, 0);
            long before = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
            int state = Libc.clockAdjtime(Clocks.CLOCK_REALTIME, tx);
            long after = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
            assertTrue(state >= Adjtimex.TIME_OK && state <= Adjtimex.TIME_ERROR, "state " + state);
            // MAXFREQ_SCALED: 500 ppm << 16; precision 1 us; tick 10000 us at USER_HZ 100 (a daemon may trim it).
            assertEquals(500L << 16, Timex.tolerance(tx));
            assertEquals(1, Timex.precision(tx));
            assertTrue(Math.abs(Timex.tick(tx) - 10_000) <= 1_000, "tick " + Timex.tick(tx));
            assertTrue(Math.abs(Timex.freq(tx)) <= 500L << 16, "freq " + Timex.freq(tx));
            long sub = Timex.time_usec(tx) * ((Timex.status(tx) & Adjtimex.STA_NANO) != 0 ? 1 : 1_000);
            long timeNs = Timex.time_sec(tx) * 1_000_000_000L + sub;
            assertTrue(before - 1_000 <= timeNs && timeNs <= after, before + " <= " + timeNs + " <= " + after);
        }
    }

    @Test
    void shouldThrowNativeExceptionWithErrnoAndItsText() throws IOException {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                Arena arena = Arena.ofConfined()) {
            int fd = Libc.check(Libc.socket(Net.AF_INET, Net.SOCK_DGRAM | Net.SOCK_CLOEXEC, 0), "socket");
            try {
                MemorySegment sin = arena.allocate(SockaddrIn.LAYOUT);
                SockaddrIn.sin_family(sin, Net.AF_INET);
                SockaddrIn.sin_addr(sin, LOOPBACK);
                SockaddrIn.sin_port(sin, taken.getLocalPort());
                int rc = Libc.bind(fd, sin, (int) SockaddrIn.sizeof());
                NativeException e = assertThrows(NativeException.class, () -> Libc.check(rc, "bind"));
                assertEquals("bind", e.function());
                assertEquals(Errno.EADDRINUSE, e.errno());
                assertEquals("bind failed: errno 98 (Address already in use)", e.getMessage());
            } finally {
                assertEquals(0, Libc.close(fd));
            }
        }
        assertEquals(-1, Libc.socket(12345, Net.SOCK_DGRAM, 0));
        assertEquals(Errno.EAFNOSUPPORT, Libc.errno());
        assertEquals(-1, Libc.close(-1));
        assertEquals(Errno.EBADF, Libc.errno());
    }

    @Test
    void shouldKeepErrnoPerThread() throws Exception {
        assertEquals(-1, Libc.close(-1));
        Thread other = Thread.ofPlatform().start(() -> {
            Libc.socket(12345, Net.SOCK_DGRAM, 0);
        });
        other.join();
        assertEquals(Errno.EBADF, Libc.errno(), "another thread's EAFNOSUPPORT leaked into this thread");
    }

    @Test
    void shouldWriteAndReadAFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("data");
        byte[] bytes = "jntpd\0\1\2".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64);
            MemorySegment.copy(bytes, 0, buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
            int fd = Libc.check(Libc.open(arena.allocateFrom(file.toString()),
                    Sys.O_WRONLY | Sys.O_CREAT | Sys.O_TRUNC | Sys.O_CLOEXEC, 0600), "open");
            assertEquals(bytes.length, Libc.write(fd, buf, bytes.length));
            assertEquals(0, Libc.close(fd));
            assertArrayEquals(bytes, Files.readAllBytes(file));

            fd = Libc.check(Libc.open(file.toString(), Sys.O_RDONLY | Sys.O_CLOEXEC), "open");
            buf.fill((byte) 0);
            assertEquals(bytes.length, Libc.read(fd, buf, 64));
            assertArrayEquals(bytes, buf.asSlice(0, bytes.length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            assertEquals(0, Libc.read(fd, buf, 64), "end of file");
            assertEquals(0, Libc.close(fd));
        }
        assertEquals(-1, Libc.open(dir.resolve("missing").toString(), Sys.O_RDONLY));
        assertEquals(Errno.ENOENT, Libc.errno());
    }

    /** poll, getsockname and the variadic ioctl (FIONREAD) on a socket a Java DatagramSocket sends to. */
    @Test
    void shouldPollAndCountPendingBytesWithIoctl() throws IOException {
        try (Arena arena = Arena.ofConfined(); DatagramSocket sender = new DatagramSocket()) {
            int fd = Libc.check(Libc.socket(Net.AF_INET, Net.SOCK_DGRAM | Net.SOCK_CLOEXEC, 0), "socket");
            try {
                MemorySegment sin = arena.allocate(SockaddrIn.LAYOUT);
                SockaddrIn.sin_family(sin, Net.AF_INET);
                SockaddrIn.sin_addr(sin, LOOPBACK);
                Libc.check(Libc.bind(fd, sin, (int) SockaddrIn.sizeof()), "bind");
                MemorySegment len = arena.allocate(JAVA_INT);
                len.set(JAVA_INT, 0, (int) SockaddrIn.sizeof());
                sin.fill((byte) 0);
                Libc.check(Libc.getsockname(fd, sin, len), "getsockname");
                assertEquals(Net.AF_INET, SockaddrIn.sin_family(sin));
                assertEquals(LOOPBACK, SockaddrIn.sin_addr(sin));
                int port = SockaddrIn.sin_port(sin);
                assertTrue(port > 0);

                MemorySegment pfd = arena.allocate(PollFd.LAYOUT);
                PollFd.fd(pfd, fd);
                PollFd.events(pfd, (short) Net.POLLIN);
                assertEquals(0, Libc.poll(pfd, 1, 0), "nothing sent yet");

                sender.send(new DatagramPacket(new byte[123], 123, InetAddress.getLoopbackAddress(), port));
                assertEquals(1, Libc.poll(pfd, 1, 5_000));
                assertEquals(Net.POLLIN, PollFd.revents(pfd));
                MemorySegment count = arena.allocate(JAVA_INT);
                assertEquals(0, Libc.ioctl(fd, Net.FIONREAD, count));
                assertEquals(123, count.get(JAVA_INT, 0));
            } finally {
                Libc.close(fd);
            }
            // An ioctl number above 2^31 reaches the kernel intact: RTC_RD_TIME on a socket is "not a tty".
            int fd2 = Libc.check(Libc.socket(Net.AF_INET, Net.SOCK_DGRAM | Net.SOCK_CLOEXEC, 0), "socket");
            assertEquals(-1, Libc.ioctl(fd2, Rtc.RTC_RD_TIME, arena.allocate(RtcTime.LAYOUT)));
            assertEquals(Errno.ENOTTY, Libc.errno());
            Libc.close(fd2);
        }
    }

    @Test
    void shouldReportEventsThroughEpoll() {
        try (Arena arena = Arena.ofConfined()) {
            int ep = Libc.check(Libc.epollCreate1(Net.EPOLL_CLOEXEC), "epoll_create1");
            int fd = Libc.check(Libc.socket(Net.AF_INET, Net.SOCK_DGRAM | Net.SOCK_CLOEXEC, 0), "socket");
            try {
                MemorySegment ev = arena.allocate(EpollEvent.LAYOUT);
                EpollEvent.events(ev, Net.EPOLLOUT);
                EpollEvent.data(ev, 0x1234_5678_9abc_def0L);
                Libc.check(Libc.epollCtl(ep, Net.EPOLL_CTL_ADD, fd, ev), "epoll_ctl");
                MemorySegment out = arena.allocate(EpollEvent.sizeof() * 4);
                assertEquals(1, Libc.epollWait(ep, out, 4, 1_000), "a UDP socket is writable");
                assertEquals(Net.EPOLLOUT, EpollEvent.events(out));
                assertEquals(0x1234_5678_9abc_def0L, EpollEvent.data(out));
            } finally {
                Libc.close(fd);
                Libc.close(ep);
            }
        }
    }

    @Test
    void shouldKnowWhichProcessThreadAndUserItIs() throws IOException {
        assertEquals(ProcessHandle.current().pid(), Libc.getpid());
        int[] tid = new int[1];
        String[] link = new String[1];
        Thread t = Thread.ofPlatform().start(() -> {
            tid[0] = Libc.gettid();
            try {
                link[0] = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
            } catch (IOException e) {
                link[0] = e.toString();
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertEquals(Libc.getpid() + "/task/" + tid[0], link[0]);
        assertEquals(statusField("Uid").split("\\s+")[0], Integer.toString(Libc.getuid()));
        assertEquals(statusField("Gid").split("\\s+")[0], Integer.toString(Libc.getgid()));
    }

    @Test
    void shouldReadPrctlAndCapabilitiesLikeProc() throws IOException {
        assertEquals(Integer.parseInt(statusField("NoNewPrivs")), Libc.prctl(Sys.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
        assertEquals(0, Libc.prctl(Sys.PR_GET_KEEPCAPS, 0, 0, 0, 0));
        Capabilities.Sets caps = Capabilities.current();
        assertEquals(Long.parseUnsignedLong(threadStatusField("CapEff"), 16), caps.effective());
        assertEquals(Long.parseUnsignedLong(threadStatusField("CapPrm"), 16), caps.permitted());
        assertEquals(Long.parseUnsignedLong(threadStatusField("CapInh"), 16), caps.inheritable());
        assertEquals(1L << Sys.CAP_SYS_TIME | 1L << Sys.CAP_NET_BIND_SERVICE,
                Capabilities.mask(Sys.CAP_SYS_TIME, Sys.CAP_NET_BIND_SERVICE));
    }

    @Test
    void shouldPinANewThreadToOneCpu() throws Exception {
        int[] allowed = ThreadAffinity.currentThreadCpus();
        assertTrue(allowed.length >= 1);
        int target = allowed[allowed.length - 1];
        String[] seen = new String[2];
        Thread t = Thread.ofPlatform().start(() -> {
            ThreadAffinity.pinCurrentThread(target);
            seen[0] = Arrays.toString(ThreadAffinity.currentThreadCpus());
            try {
                seen[1] = threadStatusField("Cpus_allowed_list");
            } catch (IOException e) {
                seen[1] = e.toString();
            }
        });
        t.join();
        assertEquals("[" + target + "]", seen[0]);
        assertEquals(Integer.toString(target), seen[1]);
        assertArrayEquals(allowed, ThreadAffinity.currentThreadCpus(), "only the pinned thread changed");
        assertThrows(IllegalArgumentException.class, () -> ThreadAffinity.pinCurrentThread(-1));
    }

    @Test
    void shouldGiveErrnoText() {
        assertEquals("Address already in use", Libc.strerror(Errno.EADDRINUSE));
        assertEquals("No message of desired type", Libc.strerror(Errno.ENOMSG));
    }

    static String statusField(String name) throws IOException {
        return field(Path.of("/proc/self/status"), name);
    }

    static String threadStatusField(String name) throws IOException {
        return field(Path.of("/proc/thread-self/status"), name);
    }

    private static String field(Path file, String name) throws IOException {
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        throw new AssertionError(name + " not in " + file);
    }
}
