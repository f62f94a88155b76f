package org.jntpd.guest;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses the "key=value ..." lines jntpd-guest-tool prints. */
public final class ProbeLines {
    private ProbeLines() {
    }

    /** The fields of one line, in order. */
    public static Map<String, String> fields(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String token : line.strip().split("\\s+")) {
            int eq = token.indexOf('=');
            if (eq > 0) {
                fields.put(token.substring(0, eq), token.substring(eq + 1));
            }
        }
        return fields;
    }

    /** The lines of the output whose fields include {@code key} (and, when given, {@code key=value}). */
    public static List<Map<String, String>> records(String output, String key, String value) {
        return output.lines().map(ProbeLines::fields)
                .filter(f -> f.containsKey(key) && (value == null || value.equals(f.get(key))))
                .toList();
    }

    /** The long value of {@code key} on the first line that has it. */
    public static long firstLong(String output, String key) {
        return Long.parseLong(records(output, key, null).getFirst().get(key));
    }

    /** One long field of every record. */
    public static long[] longs(List<Map<String, String>> records, String key) {
        return records.stream().mapToLong(r -> Long.parseLong(r.get(key))).toArray();
    }

    /** The median (upper median for an even count). */
    public static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** The differences of consecutive values. */
    public static long[] gaps(long[] values) {
        long[] gaps = new long[Math.max(0, values.length - 1)];
        for (int i = 1; i < values.length; i++) {
            gaps[i - 1] = values[i] - values[i - 1];
        }
        return gaps;
    }
}
