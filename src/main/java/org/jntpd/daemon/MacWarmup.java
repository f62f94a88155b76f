package org.jntpd.daemon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.jntpd.auth.MacEngine;
import org.jntpd.auth.MacType;
import org.jntpd.auth.SymmetricKey;
import org.jntpd.base.Log;
import org.jntpd.base.WarmupWindow;

/**
 * Runs the symmetric-key MAC path (sign, verify, sign like the request) with one key of each type the key file has,
 * on a scratch packet of a scratch engine, at the start, before anything is signed for real. A broadcast's T3 and a
 * signed reply's T3 are read before the MAC is computed: while the JDK's digest and cipher code still runs in the
 * interpreter (the launcher compiles only the daemon's own packet-path classes early, and without tiered compilation
 * the JDK's after 10,000 calls), that costs about 100 us between the reading and the packet's departure
 * (bench/broadcast-cold-mac: a signed reply's T3 a median 98-104 us before it left without this, 24-52 us with it),
 * which a broadcast client takes into its calibrated delay and its first offsets. The same compiled code then serves
 * every engine and thread.
 *
 * <p>Runs until the median time per round is a {@value #SPEED_UP}th of the first window's, as the serving warm-up does
 * (a compilation still queued when the calls stop is dropped as stale), or {@value #MAX_MS} ms, or
 * {@value #MAX_ROUNDS} rounds. No key, nothing to do.
 */
final class MacWarmup {
    /** System property: 0 turns the warm-up off (bench/broadcast-cold-mac's "cold" variant). */
    static final String ENABLED_PROP_NAME = "jntpd.macWarmup";
    static final int WINDOW = 64;
    /**
     * Done when a round is this many times faster than at first: interpreted 200-240 us (SHA1: three MACs), 36 us once
     * the daemon's classes are compiled (after a few hundred rounds, which a speed-up of 5 took for done), 7-11 us with
     * part of the JDK's digest (a speed-up of 20 stopped there, and signed replies still left 60 us after T3), 1-3 us
     * once all of it is (without tiered compilation, after about 10,000 calls): 0.4-1.2 s here.
     */
    static final int SPEED_UP = 100;
    static final int MIN_ROUNDS = 16 * WINDOW;
    static final int MAX_ROUNDS = 32_768;
    static final int MAX_MS = 3_000;
    private static final int PACKET = 48;
    private static final long TRANSMIT_OFFSET = 40;

    private MacWarmup() {
    }

    /**
     * What a warm-up did: rounds run, rounds in which a MAC did not sign and verify (a bug), and the median time per
     * round (ns) over the first and the last window.
     */
    record Outcome(int rounds, int failures, long firstMedianNs, long lastMedianNs) {
    }

    /** Warms the MAC path for the types of {@code keys}, unless {@value #ENABLED_PROP_NAME} is 0. */
    static Outcome run(List<SymmetricKey> keys) {
        if (keys.isEmpty() || Integer.getInteger(ENABLED_PROP_NAME, 1) == 0) {
            return new Outcome(0, 0, 0, 0);
        }
        // One key per type: the scratch engine trusts them all, so that verify runs to the digest comparison.
        Set<MacType> seen = EnumSet.noneOf(MacType.class);
        List<SymmetricKey> one = new ArrayList<>();
        for (SymmetricKey k : keys) {
            if (seen.add(k.type())) {
                one.add(k);
            }
        }
        MacEngine mac = new MacEngine(one, null);
        int[] keyIndex = new int[one.size()];
        for (int i = 0; i < keyIndex.length; i++) {
            keyIndex[i] = mac.keyIndex(one.get(i).wireId());
        }
        long startNs = System.nanoTime();
        WarmupWindow progress = new WarmupWindow(WINDOW, SPEED_UP, MIN_ROUNDS, MAX_ROUNDS, MAX_MS);
        int failures = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment packet = arena.allocate(MacEngine.MAX_PACKET);
            packet.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x25); // a broadcast's first byte; the rest zero
            boolean done = false;
            while (!done) {
                long beforeNs = System.nanoTime();
                for (int i = 0; i < keyIndex.length; i++) {
                    packet.set(ValueLayout.JAVA_LONG_UNALIGNED, TRANSMIT_OFFSET, beforeNs + i); // a new T3 each time
                    int length = mac.sign(packet, 0, PACKET, keyIndex[i], mac.type(keyIndex[i]).v4Length());
                    if (length < 0 || mac.verify(packet, 0, length) != MacEngine.OK
                            || mac.signLikeRequest(packet, 0, PACKET) != length) {
                        failures++;
                    }
                }
                done = progress.add(System.nanoTime() - beforeNs);
            }
        }
        int rounds = progress.steps();
        long firstMedianNs = progress.firstMedianNs();
        long lastMedianNs = progress.lastMedianNs();
        if (failures > 0) { // a bug, not a condition of the host: the real path would fail alike
            Log.warn("MAC warm-up: " + failures + " of " + rounds + " rounds did not sign and verify");
        }
        Log.debug("MAC warm-up (" + seen + "): " + rounds + " rounds in " + (System.nanoTime() - startNs) / 1_000_000
                + " ms; median per round " + firstMedianNs / 1000 + " us at first, " + lastMedianNs / 1000
                + " us at the end");
        return new Outcome(rounds, failures, firstMedianNs, lastMedianNs);
    }
}
