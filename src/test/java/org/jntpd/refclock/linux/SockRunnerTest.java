package org.jntpd.refclock.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jntpd.config.ConfigParser;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.Net;
import org.jntpd.platform.SockaddrUn;
import org.jntpd.refclock.RefclockSample;
import org.jntpd.refclock.SockSample;
import org.jntpd.refclock.SystemReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SOCK runner on a real Unix datagram socket, fed chrony's {@code struct sock_sample} datagrams as gpsd sends them,
 * with a system clock the test can step: samples arrive, malformed datagrams are counted, steps and drops posted from
 * another thread reach the held measurements, and the socket file is handled as chrony handles it.
 */
class SockRunnerTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    @TempDir
    Path dir;

    /** The test's system clock: the host's plus a step the test makes. */
    private final AtomicLong stepNs = new AtomicLong();
    private final BlockingQueue<RefclockSample> samples = new LinkedBlockingQueue<>();

    private long nowNs() {
        return Libc.clockGettimeNs(Clocks.CLOCK_REALTIME) + stepNs.get();
    }

    /** A started SOCK runner on {@code socket}. */
    private RefclockRunners runners(Path socket, int pollLog2) throws Exception {
        String conf = "refclock sock " + socket + " refid SOCK poll " + pollLog2 + "\n";
        RefclockRunners rs = RefclockRunners.create(ConfigParser.parse("sock.conf", conf, dir).refclocks(), 1,
                this::nowNs, SystemReference.UNSYNCHRONISED, (r, s) -> samples.add(s));
        rs.start();
        return rs;
    }

    /** The one runner, once its socket is bound. */
    private static RefclockRunner opened(RefclockRunners rs) throws InterruptedException {
        RefclockRunner r = rs.runners().getFirst();
        awaitOpen(r);
        return r;
    }

    @Test
    void shouldHandOverTheOffsetOfTheSamplesSent() throws Exception {
        Path socket = dir.resolve("gps.sock");
        try (RefclockRunners rs = runners(socket, 0)) {
            RefclockRunner r = opened(rs);
            awaitPoll(r); // start right after a poll
            long sentAtNs = 0;
            for (int i = 0; i < 3; i++) {
                sentAtNs = nowNs() - 10 * MS;
                send(socket, datagram(sentAtNs, 0.0012345, false));
                Thread.sleep(50);
            }
            RefclockSample s = samples.poll(3, TimeUnit.SECONDS);
            assertNotNull(s, "a sample within a poll");
            assertEquals(1_234_500, s.offsetNs(), "the offset gpsd measured, to the ns");
            assertTrue(Math.abs(s.localTimeNs() - (sentAtNs - 50 * MS)) < 100 * MS, s.toString());
            assertEquals(3, r.counters().measurements(), r.counters().toString());
        }
    }

    @Test
    void shouldCountDatagramsThatAreNoSockSample() throws Exception {
        Path socket = dir.resolve("gps.sock");
        try (RefclockRunners rs = runners(socket, 0)) {
            RefclockRunner r = opened(rs);
            send(socket, new byte[10]);
            byte[] badMagic = datagram(nowNs(), 0.001, false);
            badMagic[36] ^= 1;
            send(socket, badMagic);
            awaitTrue(() -> r.counters().badMessages() == 2, r);
            assertEquals(0, r.counters().measurements());
        }
    }

    @Test
    void shouldMoveHeldMeasurementsByAPostedClockStep() throws Exception {
        Path socket = dir.resolve("gps.sock");
        try (RefclockRunners rs = runners(socket, 1)) {
            RefclockRunner r = opened(rs);
            awaitPoll(r); // start right after a poll: 2 s until the next
            // The system clock is 1 s behind the reference...
            for (int i = 4; i > 0; i--) {
                send(socket, datagram(nowNs() - i * MS, 1.0, false));
            }
            awaitTrue(() -> r.counters().measurements() == 4, r);
            // ...until the daemon steps it forward and says so (from its own thread).
            stepNs.addAndGet(S);
            Thread sync = Thread.ofPlatform().start(() -> rs.onClockStep(S));
            sync.join();
            Thread.sleep(RefclockRunner.MAX_WAIT_NS / MS + 100);
            send(socket, datagram(nowNs(), 0.0, false));
            RefclockSample s = samples.poll(4, TimeUnit.SECONDS);
            assertNotNull(s);
            // Unmoved, the four held measurements would say +1 s and outvote the new one.
            assertTrue(Math.abs(s.offsetNs()) < MS, "all five agree after the step: " + s);
            assertEquals(3, s.samples(), "the filter combined the middle three of five: none was dropped " + s);
            assertEquals(5, r.counters().measurements(), r.counters().toString());
            assertEquals(0, r.counters().refused(), r.counters().toString());
        }
    }

    @Test
    void shouldNotMoveAMeasurementTakenAfterTheStep() throws Exception {
        Path socket = dir.resolve("gps.sock");
        try (RefclockRunners rs = runners(socket, 1)) {
            RefclockRunner r = opened(rs);
            awaitPoll(r); // 2 s until the next poll: the runner waits on the socket meanwhile
            stepNs.addAndGet(S);
            Thread sync = Thread.ofPlatform().start(() -> rs.onClockStep(S));
            sync.join();
            // Right after the daemon said so, a measurement of the stepped clock, which is on time. A step posted
            // to the waiting runner was applied after this measurement and moved it by -1 s (seen in a guest: PPS
            // samples 0.3 s wrong after the start-up step, and the clock driven 118 ms off).
            send(socket, datagram(nowNs(), 0.0, false));
            RefclockSample s = samples.poll(4, TimeUnit.SECONDS);
            assertNotNull(s);
            assertTrue(Math.abs(s.offsetNs()) < MS, "the measurement after the step stays as taken: " + s);
        }
    }

    @Test
    void shouldForgetHeldMeasurementsWhenTheClockJumpedUnknown() throws Exception {
        Path socket = dir.resolve("gps.sock");
        try (RefclockRunners rs = runners(socket, 1)) {
            RefclockRunner r = opened(rs);
            awaitPoll(r);
            send(socket, datagram(nowNs(), 0.5, false));
            awaitTrue(() -> r.counters().measurements() == 1, r);
            rs.dropSamples();
            long emptyBefore = r.counters().emptyPolls();
            awaitTrue(() -> r.counters().emptyPolls() > emptyBefore, r);
            assertNull(samples.poll(), "nothing was handed over");
        }
    }

    @Test
    void shouldReplaceAStaleSocketFileAndRemoveItsOwnOnClose() throws Exception {
        Path socket = dir.resolve("stale.sock");
        int fd = Libc.socket(Net.AF_UNIX, Net.SOCK_DGRAM, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(SockaddrUn.LAYOUT);
            assertEquals(0, Libc.bind(fd, addr, SockaddrUn.setPath(addr, socket.toString())));
        }
        Libc.close(fd); // a crashed daemon leaves the file behind
        assertTrue(Files.exists(socket));
        try (RefclockRunners rs = runners(socket, 0)) {
            RefclockRunner r = opened(rs);
            assertEquals(0, r.counters().deviceErrors());
            send(socket, datagram(nowNs(), 0.001, false));
            awaitTrue(() -> r.counters().measurements() == 1, r);
        }
        assertTrue(Files.notExists(socket), "closing removes the socket file");
    }

    @Test
    void shouldRefuseToReplaceAFileThatIsNoSocket() throws Exception {
        Path socket = dir.resolve("notes.txt");
        Files.writeString(socket, "keep me");
        try (RefclockRunners rs = runners(socket, 0)) {
            RefclockRunner r = rs.runners().getFirst();
            awaitTrue(() -> r.counters().deviceErrors() >= 1, r);
            assertTrue(r.counters().lastError().contains("is not a socket"), r.counters().toString());
            assertTrue(!r.counters().deviceOpen() && r.running(), "the runner waits to retry, alive");
        }
        assertEquals("keep me", Files.readString(socket));
    }

    static byte[] datagram(long systemNs, double offsetS, boolean pulse) {
        MemorySegment m = MemorySegment.ofArray(new byte[(int) SockSample.sizeof()]);
        SockSample.encode(m, Math.floorDiv(systemNs, S), Math.floorMod(systemNs, S) / 1000, offsetS, pulse, 0);
        return m.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    /** One datagram to a Unix socket path, as gpsd's chrony_send does. */
    static void send(Path socket, byte[] payload) {
        int fd = Libc.socket(Net.AF_UNIX, Net.SOCK_DGRAM | Net.SOCK_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(SockaddrUn.LAYOUT);
            Libc.check(Libc.connect(fd, addr, SockaddrUn.setPath(addr, socket.toString())), "connect");
            MemorySegment data = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, payload);
            assertEquals(payload.length, Libc.write(fd, data, payload.length));
        } finally {
            Libc.close(fd);
        }
    }

    /** Waits until the runner polled its clock once more. */
    static void awaitPoll(RefclockRunner r) throws InterruptedException {
        long polls = r.counters().samples() + r.counters().emptyPolls();
        awaitTrue(() -> r.counters().samples() + r.counters().emptyPolls() > polls, r);
    }

    static void awaitOpen(RefclockRunner r) throws InterruptedException {
        awaitTrue(() -> r.counters().deviceOpen(), r);
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, RefclockRunner r) throws InterruptedException {
        long deadline = System.nanoTime() + 5 * S;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out; counters " + r.counters());
            }
            Thread.sleep(10);
        }
    }
}
