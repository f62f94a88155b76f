package org.jntpd.auth;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the captures of ../shared/golden/auth copied under src/test/resources (see SECURITY.md). */
public final class Golden {
    private static final Pattern CAPTURE = Pattern.compile("^\\S+ (\\S+) > (\\S+) len=(\\d+) ([0-9a-f]+)$");

    /** One captured UDP payload. */
    public record Packet(String from, String to, byte[] bytes) {
        public MemorySegment segment() {
            MemorySegment s = Arena.ofAuto().allocate(bytes.length + 256);
            MemorySegment.copy(bytes, 0, s, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
            return s;
        }
    }

    private Golden() {}

    public static List<String> lines(Class<?> near, String name) {
        try (InputStream in = near.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The packets of a {@code *.hex} capture ({@code time src > dst len=N hex}), in order. */
    public static List<Packet> capture(Class<?> near, String name) {
        List<Packet> packets = new ArrayList<>();
        for (String line : lines(near, name)) {
            Matcher m = CAPTURE.matcher(line.strip());
            if (!m.matches()) {
                throw new IllegalStateException(name + ": unexpected line " + line);
            }
            byte[] bytes = hex(m.group(4));
            if (bytes.length != Integer.parseInt(m.group(3))) {
                throw new IllegalStateException(name + ": length mismatch in " + line);
            }
            packets.add(new Packet(m.group(1), m.group(2), bytes));
        }
        return packets;
    }

    public static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.strip());
    }

    /** The hex word after {@code label} on a line (e.g. "request" in "  request  a > b (68 bytes): 23..."). */
    public static String lastWord(String line) {
        String[] words = line.strip().split("\\s+");
        return words[words.length - 1];
    }
}
