package org.jntpd.wire;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The packets of a tshark field dump in src/test/resources/golden (see the README there). */
final class GoldenCapture {
    /** One UDP payload as captured: {@code epochNs} is the capture time (kernel clock of the capturing host). */
    record Packet(int line, long epochNs, String source, int sourcePort, String destination, int destinationPort, byte[] payload) {}

    private GoldenCapture() {}

    /**
     * Lines {@code epoch.nanos src sport dst dport udpLength payloadHex}. {@code udpLength} counts the 8-byte UDP
     * header, and is checked against the payload so a truncated line fails loudly.
     */
    static List<Packet> load(String resource) {
        List<Packet> packets = new ArrayList<>();
        int n = 0;
        for (String line : text(resource).split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            n++;
            String[] f = line.trim().split(" ");
            String[] t = f[0].split("\\.");
            long epochNs = Long.parseLong(t[0]) * 1_000_000_000L + Long.parseLong((t[1] + "000000000").substring(0, 9));
            byte[] payload = Bytes.hex(f[6]);
            if (Integer.parseInt(f[5]) != payload.length + 8) {
                throw new IllegalStateException(resource + " line " + n + ": UDP length " + f[5] + " but " + payload.length + " payload bytes");
            }
            packets.add(new Packet(n, epochNs, f[1], Integer.parseInt(f[2]), f[3], Integer.parseInt(f[4]), payload));
        }
        return packets;
    }

    static String text(String resource) {
        try (InputStream in = GoldenCapture.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
