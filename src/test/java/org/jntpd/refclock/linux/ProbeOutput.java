package org.jntpd.refclock.linux;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jntpd.guest.ProbeLines;
import org.jntpd.refclock.RefclockSample;

/** The "KIND key=value ..." lines the probes print: written with {@link #sample} and {@link #counters}, read here. */
final class ProbeOutput {
    private final String text;

    ProbeOutput(String text) {
        this.text = text;
    }

    static String sample(RefclockRunner r, RefclockSample s) {
        return String.format(Locale.ROOT, "sample refid=%s local=%d offset=%d jitter=%d dispersion=%d n=%d leap=%d",
                r.refId(), s.localTimeNs(), s.offsetNs(), s.jitterNs(), s.dispersionNs(), s.samples(), s.leap());
    }

    static String counters(RefclockRunner r, long nowNs) {
        return "counters refid=" + r.refId() + " at=" + nowNs + " "
                + r.counters().toString().replaceAll("^Counters\\[|\\]$", "").replace(", ", " ");
    }

    List<Map<String, String>> samples(String refid) {
        return lines("sample").stream().filter(f -> refid.equals(f.get("refid"))).toList();
    }

    Map<String, String> counters(String refid) {
        return lines("counters").stream().filter(f -> refid.equals(f.get("refid"))).findFirst()
                .orElseThrow(() -> new AssertionError("no counters for " + refid + "\n" + text));
    }

    /** The first line of {@code kind} that has {@code key} (any, when null). */
    Map<String, String> line(String kind, String key) {
        return lines(kind).stream().filter(f -> key == null || f.containsKey(key)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " line" + (key == null ? "" : " with " + key)
                        + "\n" + text));
    }

    Map<String, String> line(String kind) {
        return line(kind, null);
    }

    List<Map<String, String>> lines(String kind) {
        return text.lines().filter(l -> l.startsWith(kind + " ")).map(ProbeLines::fields).toList();
    }

    @Override
    public String toString() {
        return text;
    }
}
