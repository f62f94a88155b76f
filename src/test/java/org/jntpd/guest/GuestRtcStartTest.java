package org.jntpd.guest;

import static org.jntpd.guest.GuestVm.GUEST_TOOL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code jntpd -s} on a real RTC (rtc_cmos in the guest): with the guest clock 30 s behind the RTC, jntpd sets it from
 * the RTC's second boundary before its loop starts; with the clock 30 s ahead and {@code tinker panic 10}, it refuses to
 * step back further than that and says so. The guest's RTC keeps the host's time at boot. Afterwards the RTC's update
 * interrupts are compared with the guest clock: its ticks fall on the clock's whole seconds once -s has set it.
 */
@GuestTest
class GuestRtcStartTest {
    private static final long S = 1_000_000_000L;
    private static final long OFF_S = 30;
    /** Where the RTC ticks on the guest clock after -s: the boundary was measured to the update interrupt's latency. */
    private static final long ALIGNED_NS = 100_000_000L;
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @AutoClose
    private static GuestVm vm;
    private static Run behind;
    private static Run ahead;

    /** jntpd's output, and the guest clock minus the RTC at each RTC tick afterwards, ns. */
    private record Run(String log, List<Long> clockMinusRtcNs) {
        long medianNs() {
            return clockMinusRtcNs.stream().sorted().toList().get(clockMinusRtcNs.size() / 2);
        }

        @Override
        public String toString() {
            return "clock - RTC at its ticks (ns): " + clockMinusRtcNs + "\njntpd:\n" + log;
        }
    }

    @BeforeAll
    static void run() throws Exception {
        Map<String, String> hostBefore = GuestVm.hostTimex();
        vm = GuestVm.builder().name("GuestRtcStartTest").start();
        behind = setFromRtc(-OFF_S, "", "system clock set from the");
        ahead = setFromRtc(OFF_S, "tinker panic 10", "may be stepped back");
        GuestVm.requireHostClockUnchanged(hostBefore);
        System.out.printf("GuestRtcStartTest: after -s from %d s behind, clock - RTC median %d ns; %d s ahead with panic"
                + " 10, %d ns%n", OFF_S, behind.medianNs(), OFF_S, ahead.medianNs());
    }

    /**
     * Steps the guest clock by offsetS from the RTC's time, runs jntpd -s (clock control on) until it logs its -s
     * decision ({@code decided}), stops it and reads the RTC's ticks against the guest clock.
     */
    private static Run setFromRtc(long offsetS, String extraConfig, String decided) throws Exception {
        // From the RTC's own time first (hwclock -s), so each run starts exactly offsetS off whatever the last one did.
        vm.exec("busybox hwclock -s -u && %s step realtime %d000000000".formatted(GUEST_TOOL, offsetS),
                Duration.ofSeconds(30)).requireSuccess();
        Files.writeString(vm.jobDir().resolve("rtc-start.conf"), """
                port 0
                controlsocket none
                rtconutc
                %s
                """.formatted(extraConfig));
        GuestProcess jntpd = GuestProcess.start(vm, "jntpd-s", GuestProcess.jntpd("-d -s -c /job/rtc-start.conf"));
        try {
            jntpd.awaitLog(decided, TIMEOUT);
        } finally {
            jntpd.stop(Duration.ofSeconds(30));
        }
        String probe = vm.exec(GUEST_TOOL + " rtc /dev/rtc0 3", Duration.ofSeconds(30)).requireSuccess().stdout();
        List<Long> diffs = ProbeLines.records(probe, "uie", null).stream()
                .map(r -> Long.parseLong(r.get("realtime_ns")) - Long.parseLong(r.get("rtc_unix_s")) * S)
                .toList();
        assertEquals(3, diffs.size(), probe);
        return new Run(jntpd.log(), diffs);
    }

    @Test
    void shouldSetAClockBehindTheRtcOnItsSecondBoundary() {
        assertTrue(behind.log().contains("system clock set from the uncorrected RTC"), behind.toString());
        // Each reading is the set error plus the probe's own interrupt latency (>= 0): the smallest is the best view of
        // the set error from above, the largest from below. On a busy host one late reading must not fail the run.
        long minNs = behind.clockMinusRtcNs().stream().mapToLong(Long::longValue).min().orElseThrow();
        long maxNs = behind.clockMinusRtcNs().stream().mapToLong(Long::longValue).max().orElseThrow();
        assertTrue(maxNs > -ALIGNED_NS && minNs < ALIGNED_NS, behind.toString());
    }

    @Test
    void shouldNotStepBackFurtherThanThePanicThreshold() {
        assertTrue(ahead.log().contains(" s behind the system clock, more than the 10 s it may be stepped back"),
                ahead.toString());
        assertEquals(OFF_S * S, ahead.medianNs(), ALIGNED_NS + S, "left 30 s ahead " + ahead);
    }
}
