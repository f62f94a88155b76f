package org.jntpd.guest;

import static org.jntpd.guest.GuestVm.GUEST_TOOL;
import static org.jntpd.guest.ProbeLines.firstLong;
import static org.jntpd.guest.ProbeLines.gaps;
import static org.jntpd.guest.ProbeLines.longs;
import static org.jntpd.guest.ProbeLines.records;
import static org.jntpd.time.Units.NS_PER_S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The test modules' parameters do what native/guest/README.md says: a PPS reference 500 ppb slow with a
 * 250 ms phase and 100 ms pulses, and a PHC 300 ms ahead running 20 ppm fast that feeds its own PPS source.
 */
@GuestTest
class GuestModuleParametersTest {
    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(60);
    private static final long PERIOD_NS = NS_PER_S + 500;
    private static final long PHASE_NS = 250_000_000L;
    private static final long CLEAR_NS = 100_000_000L;
    private static final long PHC_OFFSET_NS = 300_000_000L;
    private static final int PHC_DRIFT_PPB = 20_000;
    private static final long STAMP_TOLERANCE_NS = 1_000;

    @AutoClose
    private static GuestVm vm;

    @BeforeAll
    static void boot() throws Exception {
        vm = GuestVm.builder().name("GuestModuleParametersTest")
                .modules("jntpd_pps period_ns=" + PERIOD_NS + " phase_ns=" + PHASE_NS + " clear_ns=" + CLEAR_NS,
                        "jntpd_ptp offset_ns=" + PHC_OFFSET_NS + " drift_ppb=" + PHC_DRIFT_PPB + " pps=1")
                .start();
    }


    @Test
    void shouldPlaceAssertsAndClearsOnTheConfiguredPeriodPhaseAndWidth() throws Exception {
        String out = vm.exec("""
                dev=$(%1$s find pps jntpd_pps)
                %1$s pps $dev 6 clear
                echo "first_edge_real_ns=$(cat /sys/module/jntpd_pps/parameters/first_edge_real_ns)"
                """.formatted(GUEST_TOOL), JOB_TIMEOUT).requireSuccess().stdout();

        long firstEdgeNs = firstLong(out, "first_edge_real_ns");
        assertEquals(PHASE_NS, firstEdgeNs % NS_PER_S, "first edge = whole second + phase_ns");
        List<Map<String, String>> events = records(out, "assert_seq", null);
        assertEquals(6, events.size(), out);
        Set<Long> clearsChecked = new HashSet<>();
        for (Map<String, String> e : events) {
            long assertSeq = Long.parseLong(e.get("assert_seq"));
            long assertNs = Long.parseLong(e.get("assert_ns"));
            // The undisciplined guest clock runs at the raw rate: assert n sits at first + (n - 1) periods.
            assertEquals(firstEdgeNs + (assertSeq - 1) * PERIOD_NS, assertNs, STAMP_TOLERANCE_NS, "assert " + e);
            // Clears count only from when the tool asked for them, so pair them by time: clear_ns after an edge.
            if (Long.parseLong(e.get("clear_seq")) > 0) {
                long clearNs = Long.parseLong(e.get("clear_ns"));
                assertEquals(CLEAR_NS, Math.floorMod(clearNs - firstEdgeNs, PERIOD_NS), STAMP_TOLERANCE_NS, "clear " + e);
                clearsChecked.add(clearNs);
            }
        }
        assertTrue(clearsChecked.size() >= 2, "clear events after their asserts: " + out);
    }

    @Test
    void shouldRunThePhcAtItsOffsetAndDriftAndFeedItsPpsSource() throws Exception {
        String out = vm.exec("""
                ptp=$(%1$s find ptp jntpd_ptp)
                pps=$(%1$s find pps ${ptp#/dev/})
                %1$s sysoff $ptp 1
                %1$s pps $pps 3
                %1$s sysoff $ptp 1
                """.formatted(GUEST_TOOL), JOB_TIMEOUT).requireSuccess().stdout();

        List<Map<String, String>> precise = records(out, "kind", "precise");
        long phcNs = Long.parseLong(precise.get(0).get("phc_ns"));
        long realNs = Long.parseLong(precise.get(0).get("realtime_ns"));
        // Ahead by offset_ns at load, plus 20 ppm of the few seconds since.
        assertEquals(PHC_OFFSET_NS, phcNs - realNs, 1_000_000, "PHC - realtime " + out);
        double rate = (double) (Long.parseLong(precise.get(1).get("phc_ns")) - phcNs)
                / (Long.parseLong(precise.get(1).get("realtime_ns")) - realNs);
        assertEquals(PHC_DRIFT_PPB / 1000.0, (rate - 1) * 1e6, 0.1, "PHC drift, ppm " + out);

        // The PHC's PPS marks its whole seconds: realtime fraction 1 s - offset (minus the drift since load),
        // spaced by 1 s of the PHC = 1 s / (1 + 20 ppm) of realtime.
        long[] stampNs = longs(records(out, "assert_seq", null), "assert_ns");
        assertEquals(3, stampNs.length, out);
        assertEquals(NS_PER_S - PHC_OFFSET_NS, Math.floorMod(stampNs[0], NS_PER_S), 2_000_000, "PHC PPS phase " + out);
        for (long gapNs : gaps(stampNs)) {
            assertEquals(Math.round(NS_PER_S / (1 + PHC_DRIFT_PPB * 1e-9)), gapNs, STAMP_TOLERANCE_NS, "PHC PPS gap " + out);
        }
    }
}
