package org.jntpd.time;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class UnitsTest {
    @Test
    void shouldTurnLog2SecondsIntoNanoseconds() {
        assertEquals(1_000_000_000L, Units.log2ToNs(0));
        assertEquals(64_000_000_000L, Units.log2ToNs(6));
        assertEquals(131_072_000_000_000L, Units.log2ToNs(17));
        assertEquals(500_000_000L, Units.log2ToNs(-1));
        assertEquals(15_625_000L, Units.log2ToNs(-6));
        assertEquals(1L, Units.log2ToNs(-29), "2^-29 s = 1.86 ns, rounded down");
    }

    @Test
    void shouldGrowDispersionAtPhiAndNeverShrinkIt() {
        assertEquals(15_000L, Dispersion.grownNs(1_000_000_000L), "15 ppm of a second");
        assertEquals(1_296_000_000L, Dispersion.grownNs(Units.NS_PER_DAY), "1.296 s a day");
        assertEquals(0, Dispersion.grownNs(-5_000_000_000L), "a negative age adds nothing");
        assertEquals(Dispersion.PHI * 1e6, Dispersion.PHI_PPM, 1e-12);
    }
}
