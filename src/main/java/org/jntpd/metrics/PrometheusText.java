package org.jntpd.metrics;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Prometheus's text exposition format, version 0.0.4: per family one {@code # HELP} and one {@code # TYPE} line, then
 * its samples, {@code name{label="value",...} value}. Label values escape backslash, double quote and line feed; help
 * text escapes backslash and line feed; values are Go floats ({@code NaN}, {@code +Inf}, {@code -Inf}). A family named
 * twice, or a sample outside the family just declared, is a programming error and throws.
 */
final class PrometheusText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    enum Type { COUNTER, GAUGE, HISTOGRAM, SUMMARY }

    private final StringBuilder b = new StringBuilder(16 * 1024);
    private final Set<String> families = new HashSet<>();
    private String family;
    private Type type;

    /** Starts the family {@code name}: its HELP and TYPE lines. */
    PrometheusText family(String name, Type t, String help) {
        if (!METRIC_NAME.matcher(name).matches() || !families.add(name)) {
            throw new IllegalArgumentException("metric family name invalid or repeated: " + name);
        }
        if (t == Type.COUNTER && !name.endsWith("_total")) {
            throw new IllegalArgumentException("a counter's name ends in _total: " + name);
        }
        family = name;
        type = t;
        b.append("# HELP ").append(name).append(' ');
        escape(help, false);
        b.append("\n# TYPE ").append(name).append(' ').append(t.name().toLowerCase(java.util.Locale.ROOT)).append('\n');
        return this;
    }

    /** A sample of the current family; {@code labels} are name, value, name, value ... */
    PrometheusText sample(double value, String... labels) {
        return sample("", format(value), labels);
    }

    /** An integer sample, exact beyond 2^53 (counters). */
    PrometheusText sample(long value, String... labels) {
        return sample("", Long.toString(value), labels);
    }

    /** A sample named family + {@code suffix} ({@code _bucket}, {@code _sum}, {@code _count} of histograms and summaries). */
    PrometheusText sample(String suffix, double value, String... labels) {
        return sample(suffix, format(value), labels);
    }

    private PrometheusText sample(String suffix, String value, String... labels) {
        if (family == null || !suffix.isEmpty() && type != Type.HISTOGRAM && type != Type.SUMMARY) {
            throw new IllegalStateException("a sample " + suffix + " outside a family that has it");
        }
        b.append(family).append(suffix);
        if (labels.length > 0) {
            b.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                if (!LABEL_NAME.matcher(labels[i]).matches() || labels[i].startsWith("__")) {
                    throw new IllegalArgumentException("label name: " + labels[i]);
                }
                b.append(i == 0 ? "" : ",").append(labels[i]).append("=\"");
                escape(labels[i + 1], true);
                b.append('"');
            }
            b.append('}');
        }
        b.append(' ').append(value).append('\n');
        return this;
    }

    /** A value as Go's ParseFloat reads it: integers without a fraction, NaN and the infinities by name. */
    static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    private void escape(String s, boolean quote) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '"' -> b.append(quote ? "\\\"" : "\"");
                default -> b.append(c);
            }
        }
    }

    @Override
    public String toString() {
        return b.toString();
    }
}
