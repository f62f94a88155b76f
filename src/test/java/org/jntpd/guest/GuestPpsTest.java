package org.jntpd.guest;

import static org.jntpd.guest.GuestVm.GUEST_TOOL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real jntpd disciplining a real kernel clock from PPS, beside chronyd doing the same ({@link GuestPpsComparison}):
 * one guest, the jntpd_pps pulses, the host's jntpd -x as the coarse source, each daemon starting 0.3 s and 50 ppm off.
 * While jntpd runs, a host-side NTP client (python3-ntplib, through the forwarded port) sees it serve stratum 1 with
 * refid PPS, and with {@code rtcsync} the kernel copies the synchronised time into an RTC made 20 s wrong.
 * bench/guest-pps-vs-chronyd runs the comparison longer.
 */
@GuestTest
class GuestPpsTest {
    private static final int WINDOW_EDGES = 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    /**
     * jntpd no worse than chronyd: RMS at most chronyd's plus this. Both settle to about a microsecond on exact stamps; the
     * daemons' updates land at TCG-late times (timer lateness up to 10 ms at a slew of some ppm is tens of ns), and one
     * 20-edge window varies by a microsecond or two from run to run.
     */
    private static final double RMS_TOLERANCE_NS = 2_000;
    private static final long RTC_OFF_S = 20;
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @AutoClose
    private static GuestVm vm;
    @AutoClose
    private static HostTimeServer server;
    private static GuestPpsComparison.Result jntpd;
    private static GuestPpsComparison.Result chronyd;
    private static String served;
    private static Map<String, String> rtcAfter;

    @BeforeAll
    static void compare() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/chronyd")), "chrony is not installed (/usr/sbin/chronyd)");
        Map<String, String> hostBefore = GuestVm.hostTimex();
        long startNs = System.nanoTime();
        Path work = Path.of(System.getProperty("jntpd.buildDir", "target"), "guest").toAbsolutePath();
        Files.createDirectories(work);
        server = HostTimeServer.start(work, Duration.ofMillis(5), Duration.ofMillis(5));
        vm = GuestVm.builder().name("GuestPpsTest").modules("jntpd_pps").udpForward(123).start();
        GuestPpsComparison c = GuestPpsComparison.of(vm, server);
        // The RTC 20 s ahead of the system clock: rtcsync is seen working when the kernel has put it right.
        vm.exec("%1$s step realtime %2$d000000000 && busybox hwclock -w -u && %1$s step realtime -%2$d000000000"
                .formatted(GUEST_TOOL, RTC_OFF_S), Duration.ofSeconds(30)).requireSuccess();
        jntpd = c.runJntpd(WINDOW_EDGES, TIMEOUT, "rtcsync", () -> {
            served = queryFromHost(vm.hostUdpPort(123));
            rtcAfter = ProbeLines.fields(vm.exec(GUEST_TOOL + " rtc /dev/rtc0 0", Duration.ofSeconds(30))
                    .requireSuccess().stdout());
        });
        chronyd = runChronyd(c);
        GuestVm.requireHostClockUnchanged(hostBefore);
        System.out.printf("GuestPpsTest: %d s in all (guest boot %d ms)%n%s%s", TimeUnit.NANOSECONDS.toSeconds(
                System.nanoTime() - startNs), vm.bootTime().toMillis(), GuestPpsComparison.table(List.of(jntpd)),
                chronyd == null ? "chronyd  did not converge in two tries\n" : GuestPpsComparison.table(List.of(chronyd)));
    }

    /**
     * chronyd's run, a second time if the first does not converge; null when neither does. chronyd 4.3 in a loaded CI
     * guest once lost its PPS lock seconds after selecting it ("Can't synchronise: no majority") and free-ran for the
     * rest of the 3 minutes: that is the yardstick failing, not jntpd, which is then trivially no worse.
     */
    private static GuestPpsComparison.Result runChronyd(GuestPpsComparison c) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return c.runChronyd(WINDOW_EDGES, TIMEOUT, () -> { });
            } catch (AssertionError notConverged) {
                String why = notConverged.getMessage();
                System.out.printf("GuestPpsTest: chronyd attempt %d did not converge: %s%n", attempt,
                        why.substring(0, Math.min(why.length(), 2_000)));
                if (attempt == 2) {
                    return null;
                }
            }
        }
    }

    @Test
    void shouldDisciplineTheGuestClockFromPpsNoWorseThanChronyd() {
        String both = GuestPpsComparison.table(chronyd == null ? List.of(jntpd) : List.of(jntpd, chronyd))
                + "\njntpd log:\n" + jntpd.log();
        assertEquals(WINDOW_EDGES, jntpd.samples());
        // Converged means within 5 us; locked to exact stamps both should be within a few us at every edge.
        assertTrue(jntpd.maxAbsNs() < 10_000, both);
        if (chronyd != null) {
            assertEquals(WINDOW_EDGES, chronyd.samples());
            assertTrue(jntpd.rmsNs() <= chronyd.rmsNs() + RMS_TOLERANCE_NS, "jntpd no worse than chronyd\n" + both);
        }
        assertTrue(jntpd.log().contains("synchronised to PPS(" ), "the pulses are the system peer\n" + both);
    }

    @Test
    void shouldServeStratumOneWithRefidPpsToAHostClient() {
        assumeTrue(served != null, "python3-ntplib is not installed (" + PYTHON + " -c 'import ntplib')");
        Map<String, String> f = ProbeLines.fields(served);
        assertEquals("1", f.get("stratum"), served);
        assertEquals("PPS", f.get("refid"), served);
        assertEquals("0", f.get("leap"), "synchronised, no leap second " + served);
        // The guest locked to pulses on the host's seconds (to the few hundred us chronyd -q set them).
        assertTrue(Math.abs(Double.parseDouble(f.get("offset"))) < 0.01, served);
    }

    @Test
    void shouldLeaveTheRtcToTheKernelWithRtcsync() {
        long rtcS = Long.parseLong(rtcAfter.get("rtc_unix_s"));
        long realtimeNs = Long.parseLong(rtcAfter.get("realtime_ns"));
        // It was 20 s ahead; the kernel's sync (STA_UNSYNC clear) sets its seconds: within one of the system's.
        assertTrue(Math.abs(rtcS * 1_000_000_000L - realtimeNs) < 1_500_000_000L, rtcAfter.toString());
    }

    /** A real client on the host: python3-ntplib through the forwarded port; null when it is missing. */
    private static String queryFromHost(int port) throws Exception {
        if (!Files.isExecutable(PYTHON)) {
            return null;
        }
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", """
                import ntplib, struct, sys, time
                # qemu's user-mode network delays a busy guest's packets by tens of ms: the shortest of 5 exchanges
                replies = []
                for i in range(5):
                    try:
                        replies.append(ntplib.NTPClient().request('127.0.0.1', port=int(sys.argv[1]), version=4, timeout=5))
                    except ntplib.NTPException:
                        if i == 4 and not replies:
                            raise
                    time.sleep(0.2)
                r = min(replies, key=lambda x: x.delay)
                refid = struct.pack('!I', r.ref_id).rstrip(b'\\0').decode('ascii')  # ref_id_to_text describes 'PPS'
                print('stratum=%d refid=%s leap=%d offset=%.6f delay=%.6f' % (r.stratum, refid, r.leap, r.offset, r.delay))
                """, Integer.toString(port)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("ntplib query hung");
        }
        if (out.contains("No module named 'ntplib'")) {
            return null;
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("ntplib query failed: " + out);
        }
        return out;
    }
}
