package org.jntpd.mode6;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ValuesTest {
    /** Values formats with no locale (no CLDR data loaded): the text must be what Locale.ROOT gave. */
    @Test
    void shouldWriteWhatLocaleRootWrites() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.forLanguageTag("de-DE")); // a decimal comma, were the default locale used
            SplittableRandom r = new SplittableRandom(6);
            double[] edges = {0.0, -0.0, -1e-12, 1e-12, 0.5e-6, -0.5e-6, 1.0000005, Double.NaN,
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MAX_VALUE, -Double.MIN_VALUE};
            for (int i = 0; i < 100_000 + edges.length; i++) {
                double v = i < edges.length ? edges[i] : (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(-12, 13));
                assertEquals(String.format(Locale.ROOT, "%.6f", v), Values.ppm(v), "ppm " + v);
                assertEquals(String.format(Locale.ROOT, "%.6f", v / 1e6), Values.ms(v), "ms " + v);
                long ntp64 = r.nextLong();
                assertEquals(String.format(Locale.ROOT, "0x%08x.%08x", ntp64 >>> 32, ntp64 & 0xFFFF_FFFFL),
                        Values.timestamp(ntp64));
            }
        } finally {
            Locale.setDefault(before);
        }
    }
}
