package org.jntpd.daemon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import org.jntpd.mode6.ControlSnapshot.Variable;
import org.jntpd.mode6.Values;
import org.jntpd.platform.Adjtimex;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.Timex;

/**
 * ntpd's kerninfo variables ({@code koffset}, {@code kfreq}, {@code kstflags} ...) for ntpq, from a read-only
 * {@code clock_adjtime(CLOCK_REALTIME)} (modes 0: it changes nothing) at the time of the request, in NTPsec's units
 * (ms, ppm). The kernel's loop is shown as it is, also under -x, where jntpd leaves it alone. One instance per thread.
 */
final class KernelVariables {
    private static final double SCALED_PPM = 65536.0;
    private static final String[] FLAG_NAMES = {"pll", "ppsfreq", "ppstime", "fll", "ins", "del", "unsync",
        "freqhold", "ppssignal", "ppsjitter", "ppswander", "ppserror", "clockerr", "nano", "mode=fll", "clk=B"};

    private final MemorySegment timex = Arena.ofAuto().allocate(Timex.layout());

    /** The variables (read by name only), or none when the kernel would not say. */
    List<Variable> read() {
        timex.fill((byte) 0); // modes 0: read only
        if (Libc.clockAdjtime(Clocks.CLOCK_REALTIME, timex) < 0) {
            return List.of();
        }
        int status = Timex.status(timex);
        double subUnitNs = (status & Adjtimex.STA_NANO) != 0 ? 1 : 1000; // offset and PPS jitter: ns or us
        List<Variable> v = new ArrayList<>();
        v.add(Variable.unlisted("koffset", Values.ms(Timex.offset(timex) * subUnitNs)));
        v.add(Variable.unlisted("kfreq", Values.ppm(Timex.freq(timex) / SCALED_PPM)));
        v.add(Variable.unlisted("kmaxerr", Values.ms(Timex.maxerror(timex) * 1000.0)));
        v.add(Variable.unlisted("kesterr", Values.ms(Timex.esterror(timex) * 1000.0)));
        v.add(Variable.unlisted("kstflags", Values.quoted(flags(status))));
        v.add(Variable.unlisted("ktimeconst", Long.toString(Timex.constant(timex))));
        v.add(Variable.unlisted("kprecis", Values.ms(Timex.precision(timex) * 1000.0)));
        v.add(Variable.unlisted("kfreqtol", Long.toString(Math.round(Timex.tolerance(timex) / SCALED_PPM))));
        v.add(Variable.unlisted("kppsfreq", Values.ppm(Timex.ppsfreq(timex) / SCALED_PPM)));
        v.add(Variable.unlisted("kppsstab", Values.ppm(Timex.stabil(timex) / SCALED_PPM)));
        v.add(Variable.unlisted("kppsjitter", Values.ms(Timex.jitter(timex) * subUnitNs)));
        v.add(Variable.unlisted("kppscalibdur", Long.toString(1L << Math.clamp(Timex.shift(timex), 0, 62))));
        v.add(Variable.unlisted("kppscalibs", Long.toString(Timex.calcnt(timex))));
        v.add(Variable.unlisted("kppsjitexc", Long.toString(Timex.jitcnt(timex))));
        v.add(Variable.unlisted("kppsstbexc", Long.toString(Timex.stbcnt(timex))));
        v.add(Variable.unlisted("kppscaliberrs", Long.toString(Timex.errcnt(timex))));
        return v;
    }

    /** The status bits by NTPsec's names (k_st_flags), space-separated. */
    static String flags(int status) {
        StringJoiner j = new StringJoiner(" ");
        for (int bit = 0; bit < FLAG_NAMES.length; bit++) {
            if ((status & 1 << bit) != 0) {
                j.add(FLAG_NAMES[bit]);
            }
        }
        return j.toString();
    }
}
