package org.jntpd.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of Prometheus's text exposition format 0.0.4, for tests: every line must be a HELP, a TYPE or a
 * sample; names and label names must match the format's patterns; label values may only escape backslash, double quote
 * and line feed; values are Go floats; a family's HELP and TYPE come once each, before its samples, and its lines stay
 * together; a sample belongs to the family just declared (with the suffixes its type allows); no series is repeated;
 * counters are not negative; a histogram's buckets rise to a +Inf bucket that equals its count. Any breach throws
 * {@link IllegalArgumentException} naming the line.
 */
final class PrometheusParser {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern FLOAT = Pattern.compile(
            "[+-]?(?:(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?|Inf|NaN)");
    private static final Pattern TIMESTAMP = Pattern.compile("-?[0-9]+");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    record Sample(String name, Map<String, String> labels, double value) {}

    record Family(String name, String type, String help, List<Sample> samples) {}

    private PrometheusParser() {}

    /** The families in order of appearance. */
    static Map<String, Family> parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the last line does not end with a line feed");
        }
        Map<String, Family> families = new LinkedHashMap<>();
        Map<String, String> helps = new LinkedHashMap<>();
        Set<String> series = new HashSet<>();
        Set<String> closed = new HashSet<>(); // families whose lines ended: they may not come back
        String current = null;
        String[] lines = text.split("\n", -1); // the last is the empty rest after the final line feed
        for (int n = 1; n < lines.length; n++) {
            String line = lines[n - 1];
            String where = "line " + n + " '" + line + "': ";
            if (line.isEmpty()) {
                throw new IllegalArgumentException(where + "empty line");
            }
            if (line.startsWith("#")) {
                String[] w = line.split(" ", 4);
                if (w.length < 3 || !w[0].equals("#") || !(w[1].equals("HELP") || w[1].equals("TYPE"))) {
                    throw new IllegalArgumentException(where + "a comment that is neither HELP nor TYPE");
                }
                String name = w[2];
                check(NAME, name, where + "metric name");
                if (!name.equals(current)) {
                    if (current != null) {
                        closed.add(current);
                    }
                    if (closed.contains(name)) {
                        throw new IllegalArgumentException(where + "family " + name + " again after other lines");
                    }
                    current = name;
                }
                if (w[1].equals("HELP")) {
                    if (helps.put(name, unescape(w.length > 3 ? w[3] : "", false, where)) != null) {
                        throw new IllegalArgumentException(where + "a second HELP");
                    }
                } else {
                    if (w.length != 4 || !TYPES.contains(w[3])) {
                        throw new IllegalArgumentException(where + "type");
                    }
                    Family f = families.get(name);
                    if (f != null) {
                        throw new IllegalArgumentException(where + (f.samples().isEmpty() ? "a second TYPE"
                                : "TYPE after its samples"));
                    }
                    families.put(name, new Family(name, w[3], helps.get(name), new ArrayList<>()));
                }
                continue;
            }
            Sample s = sample(line, where);
            Family f = current == null ? null : families.get(current);
            if (f == null) {
                throw new IllegalArgumentException(where + "a sample before its family's TYPE");
            }
            String suffix = s.name().substring(Math.min(s.name().length(), f.name().length()));
            if (!s.name().startsWith(f.name()) || !allowed(f.type(), suffix, s.labels())) {
                throw new IllegalArgumentException(where + "not a sample of the " + f.type() + " " + f.name());
            }
            if (!series.add(s.name() + new TreeMap<>(s.labels()))) {
                throw new IllegalArgumentException(where + "a repeated series");
            }
            if ((f.type().equals("counter") || !suffix.isEmpty()) && !(s.value() >= 0)) {
                throw new IllegalArgumentException(where + "a negative or NaN count");
            }
            f.samples().add(s);
        }
        for (Family f : families.values()) {
            if (f.help() == null) {
                throw new IllegalArgumentException("family " + f.name() + " without HELP");
            }
            if (f.type().equals("histogram")) {
                checkHistogram(f);
            }
        }
        return families;
    }

    private static boolean allowed(String type, String suffix, Map<String, String> labels) {
        return switch (type) {
            case "histogram" -> suffix.equals("_bucket") ? labels.containsKey("le")
                    : (suffix.equals("_sum") || suffix.equals("_count")) && !labels.containsKey("le");
            case "summary" -> suffix.isEmpty() ? labels.containsKey("quantile")
                    : (suffix.equals("_sum") || suffix.equals("_count")) && !labels.containsKey("quantile");
            default -> suffix.isEmpty();
        };
    }

    private static void checkHistogram(Family f) {
        Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
        Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
        for (Sample s : f.samples()) {
            Map<String, String> key = new TreeMap<>(s.labels());
            key.remove("le");
            if (s.name().endsWith("_bucket")) {
                buckets.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
            } else if (s.name().endsWith("_count")) {
                counts.put(key, s.value());
            }
        }
        for (Map.Entry<Map<String, String>, List<Sample>> e : buckets.entrySet()) {
            double prevLe = Double.NEGATIVE_INFINITY;
            double prev = 0;
            for (Sample b : e.getValue()) {
                double le = parseFloat(b.labels().get("le"), f.name() + " le");
                if (!(le > prevLe) || b.value() < prev) {
                    throw new IllegalArgumentException(f.name() + e.getKey() + ": buckets not rising at le=" + le);
                }
                prevLe = le;
                prev = b.value();
            }
            if (prevLe != Double.POSITIVE_INFINITY || !Double.valueOf(prev).equals(counts.get(e.getKey()))) {
                throw new IllegalArgumentException(f.name() + e.getKey() + ": no +Inf bucket equal to the count");
            }
        }
    }

    private static Sample sample(String line, String where) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        check(NAME, name, where + "metric name");
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                if (eq < 0) {
                    throw new IllegalArgumentException(where + "label without '='");
                }
                String label = line.substring(i, eq);
                check(LABEL_NAME, label, where + "label name");
                if (eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException(where + "label value not quoted");
                }
                int j = eq + 2;
                StringBuilder raw = new StringBuilder();
                while (j < line.length() && line.charAt(j) != '"') {
                    if (line.charAt(j) == '\\') {
                        raw.append(line.charAt(j++));
                    }
                    if (j >= line.length()) {
                        throw new IllegalArgumentException(where + "unterminated label value");
                    }
                    raw.append(line.charAt(j++));
                }
                if (j >= line.length()) {
                    throw new IllegalArgumentException(where + "unterminated label value");
                }
                if (labels.put(label, unescape(raw.toString(), true, where)) != null) {
                    throw new IllegalArgumentException(where + "label " + label + " twice");
                }
                i = j + 1;
                if (i < line.length() && line.charAt(i) == ',') {
                    i++;
                } else if (i >= line.length() || line.charAt(i) != '}') {
                    throw new IllegalArgumentException(where + "expected ',' or '}' after a label");
                }
            }
            i++;
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw new IllegalArgumentException(where + "expected one space before the value");
        }
        String[] rest = line.substring(i + 1).split(" ", -1);
        if (rest.length > 2 || rest.length == 2 && !TIMESTAMP.matcher(rest[1]).matches()) {
            throw new IllegalArgumentException(where + "expected a value and at most a timestamp");
        }
        return new Sample(name, labels, parseFloat(rest[0], where + "value"));
    }

    private static double parseFloat(String s, String what) {
        if (s == null || !FLOAT.matcher(s).matches()) {
            throw new IllegalArgumentException(what + ": not a float: " + s);
        }
        return switch (s) {
            case "NaN", "+NaN", "-NaN" -> Double.NaN;
            case "Inf", "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(s);
        };
    }

    private static String unescape(String s, boolean quotes, String where) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || quotes && c == '"') {
                throw new IllegalArgumentException(where + "unescaped " + (c == '"' ? "quote" : "line feed"));
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = ++i < s.length() ? s.charAt(i) : 0;
            switch (e) {
                case '\\' -> b.append('\\');
                case 'n' -> b.append('\n');
                case '"' -> {
                    if (!quotes) {
                        throw new IllegalArgumentException(where + "\\\" in HELP");
                    }
                    b.append('"');
                }
                default -> throw new IllegalArgumentException(where + "unknown escape \\" + e);
            }
        }
        return b.toString();
    }

    private static void check(Pattern p, String s, String what) {
        Matcher m = p.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException(what + " invalid: '" + s + "'");
        }
    }

    /** The value of the one sample named {@code family} (or family_bucket ...) with exactly {@code labels} (name, value, ...). */
    static double value(Map<String, Family> families, String family, String... labels) {
        Family f = familyOf(families, family);
        Map<String, String> want = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            want.put(labels[i], labels[i + 1]);
        }
        List<Sample> found = f.samples().stream().filter(s -> s.name().equals(family)
                && new TreeMap<>(s.labels()).equals(want)).toList();
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " samples of " + family + want + " in " + f.samples());
        }
        return found.getFirst().value();
    }

    /** The family a sample name belongs to: itself, or a histogram's or summary's with a suffix. */
    private static Family familyOf(Map<String, Family> families, String sampleName) {
        for (String suffix : List.of("", "_bucket", "_sum", "_count")) {
            if (sampleName.endsWith(suffix) && families.containsKey(sampleName.substring(0, sampleName.length() - suffix.length()))) {
                return families.get(sampleName.substring(0, sampleName.length() - suffix.length()));
            }
        }
        throw new AssertionError("no family of " + sampleName);
    }

    /** {@code labels} with one more label. */
    static String[] with(String[] labels, String name, String value) {
        String[] l = java.util.Arrays.copyOf(labels, labels.length + 2);
        l[labels.length] = name;
        l[labels.length + 1] = value;
        return l;
    }

    /** The sum of {@code family}'s samples whose labels include {@code labels}. */
    static double sum(Map<String, Family> families, String family, String... labels) {
        Family f = familyOf(families, family);
        double total = 0;
        for (Sample s : f.samples()) {
            boolean match = true;
            for (int i = 0; i < labels.length; i += 2) {
                match &= labels[i + 1].equals(s.labels().get(labels[i]));
            }
            total += match ? s.value() : 0;
        }
        return total;
    }
}
