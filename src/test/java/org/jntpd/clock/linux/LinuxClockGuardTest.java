package org.jntpd.clock.linux;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.jntpd.clock.ClockInterferenceListener;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.junit.jupiter.api.Test;

/**
 * The JNTPD_FORBID_HOST_CLOCK guard. The construction test runs only where the build set the variable (surefire
 * does), and no shim is loaded in this JVM: there the guard throws before any clock_adjtime call, so the host clock
 * is never at risk. Without the variable it is skipped: constructing would then take control of the host clock.
 */
class LinuxClockGuardTest {
    @Test
    void shouldRefuseTheHostsSystemClocksWhenTheBuildForbidsIt() {
        assumeTrue("1".equals(System.getenv(LinuxClock.FORBID_HOST_CLOCK_ENV)),
                "only safe where " + LinuxClock.FORBID_HOST_CLOCK_ENV + "=1 (surefire sets it)");
        assertNull(Libc.shimPath(), "the test JVM uses libc itself");
        for (int clockId : new int[] {Clocks.CLOCK_REALTIME, Clocks.CLOCK_TAI}) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> LinuxClock.systemClock(clockId, ClockInterferenceListener.IGNORE, 500));
            assertTrue(e.getMessage().contains("JNTPD_FORBID_HOST_CLOCK=1: refusing to steer this machine's clock"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("libjntpd_vclock.so"), "says how to run it: " + e.getMessage());
        }
    }

    @Test
    void shouldAllowTheSystemClockUnderTheVirtualClockOrWithoutTheVariable() {
        assertDoesNotThrow(() -> LinuxClock.requireAllowed(Clocks.CLOCK_REALTIME, "1", true));
        assertDoesNotThrow(() -> LinuxClock.requireAllowed(Clocks.CLOCK_REALTIME, null, false));
        assertDoesNotThrow(() -> LinuxClock.requireAllowed(Clocks.CLOCK_REALTIME, "", false));
        assertDoesNotThrow(() -> LinuxClock.requireAllowed(Clocks.CLOCK_REALTIME, "0", false));
    }

    @Test
    void shouldTreatAnyOtherValueAsForbidding() {
        assertThrows(IllegalStateException.class, () -> LinuxClock.requireAllowed(Clocks.CLOCK_REALTIME, "yes", false));
        assertThrows(IllegalStateException.class, () -> LinuxClock.requireAllowed(Clocks.CLOCK_TAI, "true", false));
    }

    @Test
    void shouldAllowPtpHardwareClocks() {
        assertDoesNotThrow(() -> LinuxClock.requireAllowed(Clocks.phcClockId(7), "1", false));
    }

    @Test
    void shouldSplitACorrectionIntoTicksLikeChrony() {
        assertEquals(20, LinuxClock.tickFor(2000, 0));
        assertEquals(0, LinuxClock.tickFor(49.9, 0));
        assertEquals(1, LinuxClock.tickFor(50.1, 5), "far from the current tick: the nearest");
        assertEquals(20, LinuxClock.tickFor(2060, 20), "the nearest (21) is a neighbour: stay");
        assertEquals(20, LinuxClock.tickFor(1940, 20));
        assertEquals(22, LinuxClock.tickFor(2160, 20));
        assertEquals(-20, LinuxClock.tickFor(-2000, 0));
        assertEquals(999, LinuxClock.tickFor(100_000, 999), "a neighbour: stay (100 ppm residual)");
        assertEquals(1000, LinuxClock.tickFor(100_050, 0), "clamped to +10% of the nominal tick");
    }
}
