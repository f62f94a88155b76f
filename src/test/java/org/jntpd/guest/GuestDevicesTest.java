package org.jntpd.guest;

import static org.jntpd.guest.GuestVm.GUEST_TOOL;
import static org.jntpd.guest.ProbeLines.firstLong;
import static org.jntpd.guest.ProbeLines.gaps;
import static org.jntpd.guest.ProbeLines.longs;
import static org.jntpd.guest.ProbeLines.median;
import static org.jntpd.guest.ProbeLines.records;
import static org.jntpd.time.Units.NS_PER_S;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The guest's devices are real kernel devices with the behaviour the daemon relies on, and disciplining the
 * guest clock leaves the host clock alone. One guest for the class, default modules (jntpd_pps: 1 s period,
 * phase 0, aligned to whole seconds; jntpd_ptp: offset 0, no drift). The clock-changing test runs last.
 */
@GuestTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuestDevicesTest {
    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(60);
    /** PPS stamps are the realtime of the intended raw edge: exact up to clock rounding, whatever the latency. */
    private static final long STAMP_TOLERANCE_NS = 1_000;
    private static final int ECHO_PORT = 12_300;

    @AutoClose
    private static GuestVm vm;
    private static Map<String, String> hostTimexBefore;
    private static long hostRealMinusMonoBeforeNs;

    @BeforeAll
    static void boot() throws Exception {
        hostTimexBefore = GuestVm.hostTimex();
        hostRealMinusMonoBeforeNs = hostRealMinusMonoNs();
        vm = GuestVm.builder().name("GuestDevicesTest").udpForward(ECHO_PORT).start();
        System.out.printf("guest booted: %d ms on the host, guest uptime %.2f s%n", vm.bootTime().toMillis(),
                vm.guestBootSeconds());
    }


    @Test
    @Order(1)
    void shouldReadRtcNearHostTimeAndDeliverUpdateInterruptsOneSecondApart() throws Exception {
        long hostBeforeS = System.currentTimeMillis() / 1000;
        String out = vm.exec(GUEST_TOOL + " rtc /dev/rtc0 4", JOB_TIMEOUT).requireSuccess().stdout();
        long hostAfterS = System.currentTimeMillis() / 1000;

        long rtcS = firstLong(out, "rtc_unix_s");
        assertTrue(rtcS >= hostBeforeS - 2 && rtcS <= hostAfterS + 2,
                "RTC " + rtcS + " s outside the host's [" + hostBeforeS + ", " + hostAfterS + "] s");
        long[] rawNs = longs(records(out, "uie", null), "raw_ns");
        assertEquals(4, rawNs.length, out);
        long[] gapsNs = gaps(rawNs);
        // Wake-up latency adds to single gaps; over the span only the first and last wake-ups count.
        assertEquals(NS_PER_S, (rawNs[3] - rawNs[0]) / 3, 30_000_000L, "mean update interrupt gap " + out);
        for (long gapNs : gapsNs) {
            assertEquals(NS_PER_S, gapNs, 500_000_000L, "update interrupt gap " + out);
        }
    }

    @Test
    @Order(2)
    void shouldDeliverPpsAssertsOnWholeSecondsOnePeriodApart() throws Exception {
        String out = vm.exec("""
                dev=$(%1$s find pps jntpd_pps)
                %1$s pps $dev 4
                echo "first_edge_real_ns=$(cat /sys/module/jntpd_pps/parameters/first_edge_real_ns)"
                """.formatted(GUEST_TOOL), JOB_TIMEOUT).requireSuccess().stdout();

        assertEquals("0x1133", records(out, "caps", null).getFirst().get("caps"), "PPS_GETCAP " + out);
        List<Map<String, String>> events = records(out, "assert_seq", null);
        long[] seq = longs(events, "assert_seq");
        long[] stampNs = longs(events, "assert_ns");
        long firstEdgeNs = firstLong(out, "first_edge_real_ns");
        assertEquals(0, firstEdgeNs % NS_PER_S, "aligned first edge");
        for (int i = 0; i < seq.length; i++) {
            if (i > 0) {
                assertEquals(seq[i - 1] + 1, seq[i], "consecutive asserts " + out);
            }
            // The guest clock is undisciplined here: realtime runs at the raw clock's rate.
            assertEquals(firstEdgeNs + (seq[i] - 1) * NS_PER_S, stampNs[i], STAMP_TOLERANCE_NS, "assert stamp " + out);
        }
    }

    @Test
    @Order(3)
    void shouldAnswerSysOffsetIoctlsAndFollowAdjfine() throws Exception {
        String out = vm.exec("""
                dev=$(%1$s find ptp jntpd_ptp)
                %1$s sysoff $dev 9
                %1$s adjfreq $dev 100
                %1$s sysoff $dev 9
                sleep 3
                %1$s sysoff $dev 9
                %1$s adjfreq $dev 0
                """.formatted(GUEST_TOOL), JOB_TIMEOUT).requireSuccess().stdout();

        List<Map<String, String>> extended = records(out, "kind", "extended");
        assertEquals(27, extended.size(), out);
        for (Map<String, String> s : extended) {
            long preNs = Long.parseLong(s.get("pre_ns"));
            long postNs = Long.parseLong(s.get("post_ns"));
            assertTrue(preNs <= postNs, "pre <= post " + s);
        }
        // At load the PHC reads CLOCK_REALTIME and neither was adjusted since: they agree to microseconds.
        long[] firstOffsetsNs = offsets(extended.subList(0, 9));
        assertEquals(0, median(firstOffsetsNs), 100_000, "PHC - realtime, PTP_SYS_OFFSET_EXTENDED " + out);
        assertEquals(0, median(offsets(records(out, "kind", "basic").subList(0, 9))), 100_000,
                "PHC - realtime, PTP_SYS_OFFSET " + out);

        // +100 ppm between the second and third round: exact through the cross timestamps, and visible in the
        // sampled offsets (3 s at 100 ppm = 300 us of growth).
        List<Map<String, String>> precise = records(out, "kind", "precise");
        double ratePpm = rateMinusOnePpm(precise.get(1), precise.get(2));
        assertEquals(100.0, ratePpm, 0.1, "PHC rate after adjfine +100 ppm " + out);
        double sampledPpm = (median(offsets(extended.subList(18, 27))) - median(offsets(extended.subList(9, 18))))
                / ((Long.parseLong(precise.get(2).get("realtime_ns")) - Long.parseLong(precise.get(1).get("realtime_ns")))
                / 1e6);
        assertEquals(100.0, sampledPpm, 10.0, "PHC rate from PTP_SYS_OFFSET_EXTENDED " + out);
    }

    @Test
    @Order(4)
    void shouldRunTheHostJdkInsideTheGuest() throws Exception {
        String javaHome = System.getProperty("java.home");
        GuestVm.Result r = vm.exec("""
                start=$(date +%%s%%N)
                %s/bin/java -version
                rc=$?
                echo "java_version_ms=$(( ($(date +%%s%%N) - start) / 1000000 ))"
                exit $rc
                """.formatted(javaHome), JOB_TIMEOUT).requireSuccess();
        assertTrue(r.stderr().contains("version \"25"), r.stderr());
        System.out.println("in the guest: " + r.stdout().strip());
    }

    @Test
    @Order(5)
    void shouldForwardUdpFromHostLoopbackToTheGuest() throws Exception {
        GuestVm.Job echo = vm.submit(GUEST_TOOL + " udp-echo " + ECHO_PORT + " 1 30");
        long deadlineNs = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!echo.stdoutSoFar().contains("listening") && System.nanoTime() - deadlineNs < 0) {
            Thread.sleep(20);
        }
        byte[] payload = "jntpd-guest-echo".getBytes(StandardCharsets.US_ASCII);
        byte[] reply = null;
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            socket.setSoTimeout(500);
            for (int attempt = 0; attempt < 20 && reply == null; attempt++) {
                socket.send(new DatagramPacket(payload, payload.length, InetAddress.getLoopbackAddress(),
                        vm.hostUdpPort(ECHO_PORT)));
                DatagramPacket in = new DatagramPacket(new byte[64], 64);
                try {
                    socket.receive(in);
                    reply = Arrays.copyOf(in.getData(), in.getLength());
                } catch (SocketTimeoutException retry) {
                    // slirp may drop the first datagram while it sets the flow up
                }
            }
        }
        assertArrayEquals(payload, reply, "echo through 127.0.0.1:" + vm.hostUdpPort(ECHO_PORT));
        assertEquals(0, echo.await(JOB_TIMEOUT).exitCode());
    }

    @Test
    @Order(6)
    void shouldDisciplineTheGuestClockWithoutTouchingTheHostClock() throws Exception {
        String out = vm.exec("""
                pps=$(%1$s find pps jntpd_pps)
                ptp=$(%1$s find ptp jntpd_ptp)
                %1$s sysoff $ptp 1
                %1$s step realtime 1000000000
                %1$s sysoff $ptp 1
                %1$s adjfreq realtime 12.5
                %1$s timex
                %1$s pps $pps 4
                %1$s adjfreq realtime 0
                %1$s tick 10500
                %1$s pps $pps 5
                %1$s tick 10000
                %1$s step realtime -1000000000
                """.formatted(GUEST_TOOL), JOB_TIMEOUT).requireSuccess().stdout();

        // The PHC runs on the raw clock: a +1 s step of CLOCK_REALTIME takes exactly 1 s off PHC - realtime.
        // (PTP_SYS_OFFSET_PRECISE reads both clocks from one clocksource read: no stall can blur this.)
        List<Map<String, String>> precise = records(out, "kind", "precise");
        assertEquals(-NS_PER_S, phcMinusRealtimeNs(precise.get(1)) - phcMinusRealtimeNs(precise.get(0)), 10_000, out);
        assertEquals("819200", records(out, "state", null).getFirst().get("freq"), "guest adjtimex freq " + out);
        // PPS edges stay on the raw clock; stamped in a realtime 12.5 ppm fast, they come 1.0000125 s apart.
        long[] stampNs = longs(records(out, "assert_seq", null), "assert_ns");
        assertEquals(9, stampNs.length, out);
        long[] gapsNs = gaps(stampNs);
        // Not gap 0: its first edge may still have been waiting for its timer when the rate changed, and the module
        // takes a lateness at the last period's rate (a starved guest, both cores loaded: -1.7 us, 12.5 ppm of 137 ms).
        for (int i = 1; i < 3; i++) {
            assertEquals(NS_PER_S + 12_500, gapsNs[i], STAMP_TOLERANCE_NS, "PPS stamp gap at +12.5 ppm " + out);
        }
        // With the tick at 10500 us realtime runs 5% fast, as under chronyd's fast slews: a late timer's lateness
        // must be taken at that rate (1:1 erred by 5% of the lateness's change, 2-20 us). Gap 4 spans the two
        // groups, gap 5 the change of rate itself.
        for (int i = 5; i < gapsNs.length; i++) {
            assertEquals(NS_PER_S * 21 / 20, gapsNs[i], STAMP_TOLERANCE_NS, "PPS stamp gap at +5% " + out);
        }

        GuestVm.requireHostClockUnchanged(hostTimexBefore);
        assertEquals(hostRealMinusMonoBeforeNs, hostRealMinusMonoNs(), 100_000_000L, "the host clock was stepped");
    }

    private static long hostRealMinusMonoNs() {
        Instant now = Instant.now();
        return now.getEpochSecond() * NS_PER_S + now.getNano() - System.nanoTime();
    }

    private static long phcMinusRealtimeNs(Map<String, String> precise) {
        return Long.parseLong(precise.get("phc_ns")) - Long.parseLong(precise.get("realtime_ns"));
    }

    /** PHC minus the midpoint of the system reads around it, per sample. */
    private static long[] offsets(List<Map<String, String>> samples) {
        return samples.stream().mapToLong(s -> Long.parseLong(s.get("phc_ns"))
                - (Long.parseLong(s.get("pre_ns")) + Long.parseLong(s.get("post_ns"))) / 2).toArray();
    }

    private static double rateMinusOnePpm(Map<String, String> a, Map<String, String> b) {
        double phcNs = Long.parseLong(b.get("phc_ns")) - Long.parseLong(a.get("phc_ns"));
        double realNs = Long.parseLong(b.get("realtime_ns")) - Long.parseLong(a.get("realtime_ns"));
        return (phcNs / realNs - 1) * 1e6;
    }
}
