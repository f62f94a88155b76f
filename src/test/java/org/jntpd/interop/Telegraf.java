package org.jntpd.interop;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The rules by which telegraf's ntpq input (plugins/inputs/ntpq, run as {@code ntpq -p [-n]}) reads the peers table,
 * restated from its documentation and source for tests: a leading tally character among {@code *#o+x.-} becomes the
 * tag {@code state_prefix} (all leading ones are cut); {@code " (..."} runs are cut; lines of fewer than two fields
 * are skipped; the first remaining line is the header, whose column names place the tags (remote, refid, st as
 * stratum, t as type), the floats (delay, offset, jitter) and the integers (when, poll, reach; "-" = absent, when and
 * poll may end in m, h or d); a row with another number of fields than the header is skipped. An empty line is an
 * error here: telegraf reads its first character unchecked.
 */
final class Telegraf {
    private static final Pattern PAREN_RUN = Pattern.compile("\\s+\\(\\S*");
    private static final String TALLY = "*#o+x.-";
    private static final Map<String, String> TAGS = Map.of("remote", "remote", "refid", "refid", "st", "stratum",
            "t", "type");
    private static final List<String> FLOATS = List.of("delay", "offset", "jitter");
    private static final List<String> INTS = List.of("when", "poll", "reach");

    record Row(Map<String, String> tags, Map<String, Double> floats, Map<String, Long> ints) {}

    private Telegraf() {}

    /** The metrics telegraf would make of these lines; throws on anything it would report as an error. */
    static List<Row> parse(List<String> lines) {
        List<Row> rows = new ArrayList<>();
        Map<String, Integer> columns = null;
        int numColumns = 0;
        for (String raw : lines) {
            if (raw.isEmpty()) {
                throw new AssertionError("an empty line: telegraf indexes line[0] and panics");
            }
            String line = raw;
            Map<String, String> tags = new LinkedHashMap<>();
            if (TALLY.indexOf(line.charAt(0)) >= 0) {
                tags.put("state_prefix", String.valueOf(line.charAt(0)));
                int i = 0;
                while (i < line.length() && TALLY.indexOf(line.charAt(i)) >= 0) {
                    i++;
                }
                line = line.substring(i);
            }
            line = PAREN_RUN.matcher(line).replaceAll("");
            String[] fields = line.trim().split("\\s+");
            if (line.isBlank() || fields.length < 2) {
                continue;
            }
            if (columns == null) {
                columns = new LinkedHashMap<>();
                numColumns = fields.length;
                for (int i = 0; i < fields.length; i++) {
                    columns.put(fields[i], i);
                }
                continue;
            }
            if (fields.length != numColumns) {
                continue;
            }
            Map<String, Double> floats = new LinkedHashMap<>();
            Map<String, Long> ints = new LinkedHashMap<>();
            for (Map.Entry<String, String> t : TAGS.entrySet()) {
                Integer i = columns.get(t.getKey());
                if (i != null) {
                    tags.put(t.getValue(), fields[i]);
                }
            }
            for (String name : INTS) {
                Integer i = columns.get(name);
                if (i == null || fields[i].equals("-")) {
                    continue;
                }
                String v = fields[i];
                long unit = 1;
                if (name.equals("when") || name.equals("poll")) {
                    if (v.endsWith("h")) {
                        unit = 3600;
                    } else if (v.endsWith("d")) {
                        unit = 86400;
                    } else if (v.endsWith("m")) {
                        unit = 60;
                    }
                    if (unit != 1) {
                        v = v.substring(0, v.length() - 1);
                    }
                }
                try {
                    ints.put(name, Long.parseLong(v) * unit);
                } catch (NumberFormatException e) {
                    throw new AssertionError("error ntpq: parsing " + name + " as int: " + fields[i]);
                }
            }
            for (String name : FLOATS) {
                Integer i = columns.get(name);
                if (i == null || fields[i].equals("-")) {
                    continue;
                }
                try {
                    floats.put(name, Double.parseDouble(fields[i]));
                } catch (NumberFormatException e) {
                    throw new AssertionError("error ntpq: parsing float: " + fields[i]);
                }
            }
            rows.add(new Row(tags, floats, ints));
        }
        return rows;
    }
}
