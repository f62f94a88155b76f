package org.jntpd.guest;

import static org.jntpd.guest.GuestVm.GUEST_TOOL;
import static org.jntpd.guest.ProbeLines.records;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tier carries a real daemon end to end: chronyd (the host's binary, run inside the guest with clock control
 * on) locks the guest's CLOCK_REALTIME to the jntpd_ptp clock, 5 ms ahead and 10 ppm fast, while the host's
 * clock state stays exactly as it was. This is the shape later jntpd tests take.
 */
@GuestTest
class GuestChronyTest {
    private static final Path CHRONYD = Path.of("/usr/sbin/chronyd");
    private static final double PHC_DRIFT_PPM = 10.0;

    @AutoClose
    private static GuestVm vm;

    @BeforeAll
    static void boot() throws Exception {
        assumeTrue(Files.isExecutable(CHRONYD), "chrony is not installed (" + CHRONYD + ")");
        vm = GuestVm.builder().name("GuestChronyTest")
                .modules("jntpd_ptp offset_ns=5000000 drift_ppb=" + Math.round(PHC_DRIFT_PPM * 1000))
                .start();
    }


    @Test
    void shouldLetChronydLockTheGuestClockToThePhcWithoutTouchingTheHostClock() throws Exception {
        Map<String, String> hostBefore = GuestVm.hostTimex();
        Files.writeString(vm.jobDir().resolve("chrony.conf"), """
                refclock PHC /dev/ptp0 poll 0 dpoll -2 refid PHC
                makestep 0.001 3
                """);
        vm.exec("""
                mkdir -p /run/chrony /var/lib/chrony
                timeout 120 %s -d -f /job/chrony.conf -u root >/job/chronyd.log 2>&1 &
                """.formatted(CHRONYD), Duration.ofSeconds(30)).requireSuccess();

        // Locked: PHC - realtime (an exact cross timestamp) within 20 us, and the guest clock running 10 ppm fast
        // like the PHC (adjtimex freq is ppm * 2^16). chronyd gets there in a few seconds.
        long offsetNs = Long.MAX_VALUE;
        double freqPpm = 0;
        String out = "";
        long deadlineNs = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while ((Math.abs(offsetNs) > 20_000 || Math.abs(freqPpm - PHC_DRIFT_PPM) > 0.5)
                && System.nanoTime() - deadlineNs < 0) {
            Thread.sleep(2_000);
            out = vm.exec("ptp=$(%1$s find ptp jntpd_ptp) && %1$s sysoff $ptp 1 && %1$s timex"
                    .formatted(GUEST_TOOL), Duration.ofSeconds(30)).requireSuccess().stdout();
            Map<String, String> precise = records(out, "kind", "precise").getFirst();
            offsetNs = Long.parseLong(precise.get("phc_ns")) - Long.parseLong(precise.get("realtime_ns"));
            freqPpm = Long.parseLong(records(out, "state", null).getFirst().get("freq")) / 65536.0;
        }
        String context = out + "\nchronyd log:\n" + Files.readString(vm.jobDir().resolve("chronyd.log"));
        assertEquals(0, offsetNs, 20_000, "PHC - guest realtime with chronyd locked\n" + context);
        assertEquals(PHC_DRIFT_PPM, freqPpm, 0.5, "guest adjtimex freq, ppm\n" + context);

        GuestVm.requireHostClockUnchanged(hostBefore);
    }
}
