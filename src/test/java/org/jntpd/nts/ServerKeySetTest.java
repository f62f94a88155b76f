package org.jntpd.nts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Rotation of the server master keys and their file format. */
class ServerKeySetTest {
    private static final long T0 = 1_795_000_000L;
    private static final ServerKeySet.Rotation R = new ServerKeySet.Rotation(12 * 3600, 3600, 3);
    private final Random random = new Random(3);

    @Test
    void shouldPublishEachKeyAnHourAheadAndKeepTheNewestActive() {
        ServerKeySet set = ServerKeySet.empty().rotate(T0, R, random::nextBytes);
        assertEquals(1, set.keys().size());
        assertEquals(T0, set.keys().get(0).activationUnixS());
        assertSame(set, set.rotate(T0 + 10 * 3600, R, random::nextBytes), "nothing due before interval - lead");
        ServerKeySet next = set.rotate(T0 + 11 * 3600, R, random::nextBytes);
        assertEquals(2, next.keys().size());
        assertEquals(T0 + 12 * 3600, next.keys().get(1).activationUnixS(), "published an hour before it is used");
        assertEquals(0, next.issuing(T0 + 11 * 3600 + 1), "the old key issues until the new one activates");
        assertEquals(1, next.issuing(T0 + 12 * 3600));
        ServerKeySet s = next;
        for (long t = T0 + 12 * 3600; t <= T0 + 10 * 12 * 3600 + 11 * 3600; t += 3600) {
            s = s.rotate(t, R, random::nextBytes);
        }
        long now = T0 + 10 * 12 * 3600 + 11 * 3600; // an hour before the 11th key activates
        long active = s.keys().stream().filter(k -> k.activationUnixS() <= now).count();
        assertEquals(3, active, s.toString());
        assertEquals(4, s.keys().size(), "3 active and the one published ahead");
    }

    @Test
    void shouldCatchUpAfterBeingDownWithoutIssuingAnUnpublishedKey() {
        ServerKeySet set = ServerKeySet.empty().rotate(T0, R, random::nextBytes);
        ServerKeySet later = set.rotate(T0 + 100 * 3600, R, random::nextBytes);
        assertEquals(T0 + 101 * 3600, later.keys().get(1).activationUnixS(), "now + lead, not a time in the past");
        assertEquals(0, later.issuing(T0 + 100 * 3600));
    }

    @Test
    void shouldRoundTripTheFileFormat() {
        ServerKeySet set = ServerKeySet.empty().rotate(T0, R, random::nextBytes).rotate(T0 + 11 * 3600, R, random::nextBytes);
        String text = set.format();
        assertTrue(text.contains("\njntpd-nts-keys 1\n"), text);
        assertEquals(set, ServerKeySet.parse("keys", text.lines().toList()));
        assertEquals(2, text.lines().filter(l -> l.startsWith("key ")).count());
    }

    @Test
    void shouldNameFileAndLineOfErrors() {
        assertEquals("k:1: not a jntpd NTS key file (expected 'jntpd-nts-keys 1')",
                assertThrows(IllegalArgumentException.class, () -> ServerKeySet.parse("k", List.of("NKS0"))).getMessage());
        assertEquals("k:2: key file version 2, this jntpd reads 1", assertThrows(IllegalArgumentException.class,
                () -> ServerKeySet.parse("k", List.of("# c", "jntpd-nts-keys 2"))).getMessage());
        assertEquals("k:2: expected 'key <8 hex digits> <Unix seconds> <64 hex digits>'",
                assertThrows(IllegalArgumentException.class,
                        () -> ServerKeySet.parse("k", List.of("jntpd-nts-keys 1", "key 01 2 33"))).getMessage());
        String dup = "key 0000000a 5 " + "00".repeat(32);
        assertEquals("k: server key 0000000a appears twice", assertThrows(IllegalArgumentException.class,
                () -> ServerKeySet.parse("k", List.of("jntpd-nts-keys 1", dup, dup))).getMessage());
    }
}
