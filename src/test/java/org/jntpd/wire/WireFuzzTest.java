package org.jntpd.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated bytes through classify, the extension-field cursor and the mode-6 MAC rule, in segments sized
 * exactly to the input (heap and native): a read past the given length throws IndexOutOfBoundsException and fails
 * the test, as would any other exception. The classifier and the cursor must also agree on every input.
 */
class WireFuzzTest {
    private static final int RUNS = 1_000_000;

    private final ExtensionFieldCursor cursor = new ExtensionFieldCursor();
    private final LegacyMac mac = new LegacyMac();
    private final ControlMessage control = new ControlMessage();

    /** Real packets of every shape as seeds for mutation. */
    private static List<byte[]> seeds() {
        List<byte[]> seeds = new ArrayList<>();
        for (GoldenCapture.Packet p : GoldenCapture.load("/golden/peers/capture.txt")) {
            seeds.add(p.payload());
        }
        for (String line : GoldenCapture.text("/golden/auth/nts-pairs.txt").split("\n")) {
            if (line.startsWith("request ") || line.startsWith("response ")) {
                seeds.add(Bytes.hex(line.substring(line.indexOf(' ')).trim()));
            }
        }
        for (String line : GoldenCapture.text("/golden/auth/sym-pairs.txt").split("\n")) {
            int colon = line.indexOf("): ");
            if (colon > 0) {
                seeds.add(Bytes.hex(line.substring(colon + 3).trim()));
            }
        }
        return seeds;
    }

    @Test
    void shouldNeverThrowNorReadOutsideTheGivenBytes() {
        SplittableRandom random = new SplittableRandom(0x4E5450);
        List<byte[]> seeds = seeds();
        assertTrue(seeds.size() > 60, "seeds loaded: " + seeds.size());
        Map<Malformation, Integer> seen = new EnumMap<>(Malformation.class);
        for (int run = 0; run < RUNS; run++) {
            byte[] input = run % 4 == 0 ? randomBytes(random) : mutate(seeds.get(random.nextInt(seeds.size())), random);
            Malformation m;
            if (run % 2 == 0) {
                m = exercise(MemorySegment.ofArray(input), input.length);
            } else {
                try (Arena arena = Arena.ofConfined()) {
                    m = exercise(Bytes.nativeCopy(arena, input), input.length);
                }
            }
            seen.merge(m, 1, Integer::sum);
        }
        // Every outcome the classifier has must have been reached, or the fuzzer is not exploring.
        for (Malformation m : Malformation.values()) {
            assertTrue(seen.getOrDefault(m, 0) > 0, m + " never produced; seen " + seen);
        }
    }

    private Malformation exercise(MemorySegment segment, int length) {
        Malformation m = NtpPacketValidator.classify(segment, 0, length);
        assertNotNull(m);
        cursor.wrap(segment, 0, length);
        int fields = 0;
        while (cursor.next()) {
            fields++;
            cursor.type();
            assertTrue(cursor.valueOffset() + cursor.valueLength() <= length);
        }
        if (cursor.mac(mac)) {
            mac.keyId();
            assertEquals(length, mac.offset() + mac.length());
        }
        if (m == Malformation.OK) {
            assertEquals(Malformation.OK, cursor.malformation(), "classify OK but the cursor stopped");
        } else if (length >= NtpPacket.HEADER_LENGTH && (segment.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0) & 7) <= 5
                && m != Malformation.BAD_VERSION && m != Malformation.BAD_MODE) {
            assertEquals(m, cursor.malformation(), "classify and cursor disagree after " + fields + " fields");
        }
        if (m == Malformation.CONTROL) {
            control.wrap(segment, 0, length);
            int position = control.macPosition();
            assertTrue(position == ControlMessage.NO_MAC || position >= ControlMessage.HEADER_LENGTH + control.count());
            if (position > 0) {
                mac.wrap(segment, position, length - position).keyId();
            }
            control.sequence();
            control.status();
        }
        return m;
    }

    private static byte[] randomBytes(SplittableRandom random) {
        byte[] b = new byte[random.nextInt(130)];
        random.nextBytes(b);
        if (b.length > 0 && random.nextBoolean()) {
            b[0] = (byte) (b[0] & 0xC7 | (1 + random.nextInt(4)) << 3); // a valid version half the time
        }
        return b;
    }

    private static byte[] mutate(byte[] seed, SplittableRandom random) {
        byte[] b = seed.clone();
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits; e++) {
            switch (random.nextInt(6)) {
                case 0 -> { // truncate
                    b = java.util.Arrays.copyOf(b, random.nextInt(b.length + 1));
                }
                case 1 -> { // extend with random bytes
                    byte[] longer = java.util.Arrays.copyOf(b, b.length + 1 + random.nextInt(40));
                    for (int i = b.length; i < longer.length; i++) {
                        longer[i] = (byte) random.nextInt(256);
                    }
                    b = longer;
                }
                case 2 -> { // flip a bit
                    if (b.length > 0) {
                        b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 3 -> { // an interesting 16-bit value at a field-length-like position
                    if (b.length >= 52) {
                        int at = 48 + 4 * random.nextInt((b.length - 48) / 4) + 2;
                        int[] values = {0, 4, 12, 16, 20, 24, 28, 0xFFFC, 0xFFFF, b.length - 48, b.length - 46};
                        int v = values[random.nextInt(values.length)];
                        if (at + 1 < b.length) {
                            b[at] = (byte) (v >>> 8);
                            b[at + 1] = (byte) v;
                        }
                    }
                }
                case 4 -> { // change version and mode
                    if (b.length > 0) {
                        b[0] = (byte) random.nextInt(256);
                    }
                }
                default -> { // mode 6 count
                    if (b.length >= 12) {
                        int count = random.nextInt(b.length);
                        b[10] = (byte) (count >>> 8);
                        b[11] = (byte) count;
                    }
                }
            }
        }
        return b;
    }
}
