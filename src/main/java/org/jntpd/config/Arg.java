package org.jntpd.config;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The kind of one argument of a directive or option, with its limits: the one place where a value of the
 * configuration is read and checked. A value out of its limits is a {@link ConfigParser.LineError} saying what was
 * expected ("minpoll: expected log2 seconds from -6 to 17, got '18'"), which the parser turns into "file:line: ...".
 *
 * @param <T> the type of the value read
 */
sealed interface Arg<T> {
    long NS_PER_S = 1_000_000_000L;

    /** What the argument is, for messages ("log2 seconds", "a path"). */
    String expected();

    /** How a list of words shows the argument: "N", "S" (seconds), "PATH". */
    default String placeholder() {
        return switch (this) {
            case Int i -> "N";
            case Real r -> "N";
            case OneOf o -> "N";
            case Seconds s -> "S";
            case FilePath p -> "PATH";
            case RefId r -> "ID";
            case Address a -> "ADDRESS";
            case Endpoint e -> "[ADDRESS:]PORT";
            case Choice<?> c -> c.placeholder();
            case Word w -> "X";
        };
    }

    /** Reads the value from one token; {@code what} names the directive or option in messages. */
    T parse(String token, String what);

    /** Reads the next token of the line. */
    default T read(ConfigParser.Line l, String what) {
        return parse(l.next(expected() + " after '" + what + "'"), what);
    }

    /** The one form of the message for a value out of its kind or limits: "minpoll: expected ..., got '18'". */
    static ConfigParser.LineError wrong(String what, String expected, String token) {
        return new ConfigParser.LineError(what + ": expected " + expected + ", got '" + ConfigParser.printable(token) + "'");
    }

    /** An integer from {@code min} to {@code max}. */
    static Int integer(String expected, int min, int max) {
        return new Int(expected, min, max);
    }

    /** A decimal number from {@code min} to {@code max}. */
    static Real real(String expected, double min, double max) {
        return new Real(expected, min, false, max);
    }

    /** A decimal number above {@code min} (exclusive) up to {@code max}. */
    static Real above(String expected, double min, double max) {
        return new Real(expected, min, true, max);
    }

    /** A duration in decimal seconds from {@code minS} to {@code maxS}, as nanoseconds. */
    static Seconds seconds(double minS, double maxS) {
        return new Seconds(new Real("seconds", minS, false, maxS));
    }

    /** One word of {@code choices} (case-insensitive), as its value; lists show it as {@code placeholder}. */
    static <T> Choice<T> choice(String placeholder, String expected, Map<String, T> choices) {
        return new Choice<>(placeholder, expected, choices);
    }

    /** yes/no, on/off, true/false, 1/0. */
    static Choice<Boolean> yesNo() {
        Map<String, Boolean> m = new LinkedHashMap<>();
        for (String y : List.of("yes", "on", "true", "1")) {
            m.put(y, true);
        }
        for (String n : List.of("no", "off", "false", "0")) {
            m.put(n, false);
        }
        return new Choice<>("yes|no", "yes or no", m);
    }

    /** A file's path (PATH_MAX is 4096 bytes with its NUL). */
    FilePath PATH = new FilePath(4095, "path");
    /** A Unix socket's path (sun_path is 108 bytes with its NUL). */
    FilePath SOCKET_PATH = new FilePath(107, "socket path");
    Word WORD = new Word("a value");
    RefId REFID = new RefId();
    Address ADDRESS = new Address();
    Endpoint ENDPOINT = new Endpoint();

    /** An integer with limits. */
    record Int(String expected, int min, int max) implements Arg<Integer> {
        @Override
        public Integer parse(String t, String what) {
            try {
                int v = Integer.parseInt(t);
                if (v >= min && v <= max) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // the message below says what was expected
            }
            throw wrong(what, expected + " from " + min + " to " + max, t);
        }
    }

    /** A finite decimal number with limits (the lower one exclusive when {@code minOpen}). */
    record Real(String expected, double min, boolean minOpen, double max) implements Arg<Double> {
        @Override
        public Double parse(String t, String what) {
            try {
                double v = Double.parseDouble(t);
                if (Double.isFinite(v) && (minOpen ? v > min : v >= min) && v <= max) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // the message below says what was expected
            }
            throw wrong(what, expected + (minOpen ? " above " + min + " up to " : " from " + min + " to ") + max, t);
        }
    }

    /** Decimal seconds with limits, read as nanoseconds. */
    record Seconds(Real seconds) implements Arg<Long> {
        @Override
        public String expected() {
            return seconds.expected();
        }

        @Override
        public Long parse(String t, String what) {
            return Math.round(seconds.parse(t, what) * NS_PER_S);
        }
    }

    /** One of a few words, case-insensitive. */
    record Choice<T>(String placeholder, String expected, Map<String, T> choices) implements Arg<T> {
        @Override
        public T parse(String t, String what) {
            T v = choices.get(t.toLowerCase(Locale.ROOT));
            if (v == null) {
                throw wrong(what, expected, t);
            }
            return v;
        }
    }

    /** A path of at most {@code maxBytes} bytes in UTF-8, without NUL (the kernel would cut it there). */
    record FilePath(int maxBytes, String kind) implements Arg<String> {
        @Override
        public String expected() {
            return "a path";
        }

        @Override
        public String parse(String t, String what) {
            if (t.indexOf('\0') >= 0) {
                throw new ConfigParser.LineError(what + ": the path contains a NUL character");
            }
            int bytes = t.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > maxBytes) {
                throw new ConfigParser.LineError(what + ": the " + kind + " is longer than " + maxBytes + " bytes ("
                        + bytes + " bytes)");
            }
            return t;
        }
    }

    /** Any one token. */
    record Word(String expected) implements Arg<String> {
        @Override
        public String parse(String t, String what) {
            return t;
        }
    }

    /** A reference id: one to four printable ASCII characters. */
    record RefId() implements Arg<String> {
        @Override
        public String expected() {
            return "a reference id of 1-4 characters";
        }

        @Override
        public String parse(String t, String what) {
            if (t.isEmpty() || t.length() > 4 || !t.chars().allMatch(c -> c > 32 && c < 127)) {
                throw wrong(what, "1-4 printable ASCII characters", t);
            }
            return t;
        }
    }

    /** An IPv4 or IPv6 address literal (IPv6 optionally in brackets), as its canonical text. */
    record Address() implements Arg<String> {
        @Override
        public String expected() {
            return "an address";
        }

        @Override
        public String parse(String t, String what) {
            try {
                String a = t.startsWith("[") && t.endsWith("]") ? t.substring(1, t.length() - 1) : t;
                return InetAddress.ofLiteral(a).getHostAddress();
            } catch (IllegalArgumentException e) {
                throw wrong(what, "an IPv4 or IPv6 address literal", t);
            }
        }
    }

    /**
     * A TCP endpoint to listen on: {@code PORT} (on {@link Config.Metrics#DEFAULT_ADDRESS}), {@code IPV4:PORT} or
     * {@code [IPV6]:PORT}; an IPv6 address needs its brackets (otherwise its last group would read as the port).
     */
    record Endpoint() implements Arg<Config.Metrics> {
        private static final Int PORT = integer("a TCP port", 1, 65535);

        @Override
        public String expected() {
            return "PORT, IPV4:PORT or [IPV6]:PORT";
        }

        @Override
        public Config.Metrics parse(String t, String what) {
            int colon = t.lastIndexOf(':');
            if (colon < 0) {
                return new Config.Metrics(Config.Metrics.DEFAULT_ADDRESS, PORT.parse(t, what));
            }
            String host = t.substring(0, colon);
            boolean bracketed = host.startsWith("[") && host.endsWith("]");
            if (!bracketed && host.indexOf(':') >= 0 || host.isEmpty()) {
                throw wrong(what, expected(), t);
            }
            String address = ADDRESS.parse(host, what);
            return new Config.Metrics(address, PORT.parse(t.substring(colon + 1), what));
        }
    }

    /** An integer of a fixed set (serial speeds). */
    record OneOf(String expected, Set<Integer> values) implements Arg<Integer> {
        @Override
        public Integer parse(String t, String what) {
            try {
                int v = Integer.parseInt(t);
                if (values.contains(v)) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // the message below says what was expected
            }
            throw wrong(what, expected, t);
        }
    }
}
