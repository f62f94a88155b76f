package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.RawNtp;
import org.jntpd.testing.UdpClient;
import org.junit.jupiter.api.Test;

/**
 * No amplification and no crash on real sockets: the real daemon gets malformed packets of every kind (too short, bad
 * version, bad mode, bad extension and MAC lengths, mode 7, mode 6 from a source the default restrictions refuse
 * queries to, datagrams larger than its receive buffer, seeded random garbage and mutations of valid requests).
 * After each packet the same socket sends a valid probe; everything that arrives before the probe's reply is the
 * answer to that packet (one worker, one socket: replies leave in order). Checked: no reply is longer than its
 * request, mode 7 and refused mode 6 get nothing, packets broken by a stated rule get nothing, and the daemon
 * keeps serving.
 */
class MalformedPacketsTest {
    /** 127.0.0.2 is not loopback for the access defaults (only 127.0.0.1 and ::1 are): mode 6 from it is refused. */
    private static final String STRANGER = "127.0.0.2";
    private static final long REPLY_TIMEOUT_MS = 3_000;
    private static final int RANDOM_PACKETS = 1_500;
    private static final int MUTATED_PACKETS = 1_500;

    private enum Expect {
        /** No datagram at all. */
        NOTHING,
        /** One 48-byte server (mode 4) reply echoing the request's version and transmit timestamp. */
        SERVER_REPLY,
        /** One 48-byte symmetric passive (mode 2) reply. */
        PASSIVE_REPLY,
        /** Anything not longer than the request (no rule decides it here). */
        NOT_LONGER
    }

    private record Case(String name, byte[] bytes, Expect expect) {}

    private long nextTransmit = 0x1000_0000_0000_0000L;

    @Test
    void shouldNeverAmplifyNorAnswerMode7NorStopServing() throws Exception {
        try (JntpdProcess jntpd = JntpdProcess.start("local stratum 3");
                UdpClient stranger = new UdpClient(STRANGER);
                UdpClient local = new UdpClient("127.0.0.1")) {
            int replies = 0;
            for (Case c : craftedCases()) {
                replies += check(jntpd, stranger, c);
            }
            for (Case c : mode7Cases()) { // mode 7 is refused before any access rule: also from 127.0.0.1
                replies += check(jntpd, local, c);
            }
            SplittableRandom random = new SplittableRandom(20_261_125L);
            for (int i = 0; i < RANDOM_PACKETS; i++) {
                replies += check(jntpd, stranger, garbage(random, i));
            }
            for (int i = 0; i < MUTATED_PACKETS; i++) {
                replies += check(jntpd, stranger, mutation(random, i));
            }
            assertTrue(replies > 0, "some valid packets were answered");

            // Still serving, correctly, from either address.
            for (UdpClient client : List.of(stranger, local)) {
                UdpClient.Exchange e = client.query(jntpd.address(), 4, REPLY_TIMEOUT_MS);
                assertNotNull(e, () -> "no answer after the malformed packets\n" + jntpd.log());
                assertEquals(3, e.reply().stratum());
                assertEquals(RawNtp.MODE_SERVER, e.reply().mode());
                // Same clock on both sides: the measured offset is 0 give or take half the delay (a stall widens it).
                assertTrue(Math.abs(e.offsetNs()) <= e.delayNs() / 2 + 1_000_000,
                        "offset " + e.offsetNs() + " ns, delay " + e.delayNs() + " ns");
            }
            assertTrue(jntpd.isAlive());
            String log = jntpd.log();
            assertFalse(log.contains("Exception") || log.contains(" ERROR "), log);
        }
    }

    /** Sends the case and a probe; checks what came back before the probe's reply. Returns the replies counted. */
    private int check(JntpdProcess jntpd, UdpClient client, Case c) throws IOException {
        long probeTs = nextTransmit();
        client.send(c.bytes(), jntpd.address());
        client.send(RawNtp.request(4, probeTs), jntpd.address());
        List<byte[]> answers = new ArrayList<>();
        while (true) {
            byte[] b = client.receive(REPLY_TIMEOUT_MS);
            if (b == null) {
                fail("no reply to the probe after " + c.name() + " (" + c.bytes().length + " bytes): has jntpd stopped "
                        + "serving?\n" + jntpd.log());
            }
            RawNtp.Header h = RawNtp.Header.parse(b, b.length);
            if (h != null && h.originTs() == probeTs && h.mode() == RawNtp.MODE_SERVER) {
                break;
            }
            answers.add(b);
        }
        int requestMode = c.bytes().length > 0 ? c.bytes()[0] & 7 : -1;
        for (byte[] a : answers) {
            assertTrue(a.length <= c.bytes().length, () -> c.name() + ": a " + a.length + "-byte reply to a "
                    + c.bytes().length + "-byte request (amplification)");
        }
        if (requestMode == 7 || requestMode == 6) {
            assertEquals(0, answers.size(), () -> c.name() + ": mode " + requestMode + " from " + client.localAddress()
                    + " must get no answer, got " + answers.size());
        }
        switch (c.expect()) {
            case NOTHING -> assertEquals(0, answers.size(), () -> c.name() + ": expected no reply");
            case SERVER_REPLY, PASSIVE_REPLY -> {
                assertEquals(1, answers.size(), () -> c.name() + ": expected one reply");
                RawNtp.Header h = RawNtp.Header.parse(answers.getFirst(), answers.getFirst().length);
                assertNotNull(h, c.name());
                assertEquals(RawNtp.HEADER_BYTES, h.length(), c.name());
                assertEquals(c.expect() == Expect.SERVER_REPLY ? RawNtp.MODE_SERVER : RawNtp.MODE_SYMMETRIC_PASSIVE,
                        h.mode(), c.name());
                assertEquals((c.bytes()[0] >>> 3) & 7, h.version(), c.name() + ": version echoed");
                assertEquals(ByteBuffer.wrap(c.bytes()).getLong(40), h.originTs(), c.name() + ": origin = our transmit");
            }
            case NOT_LONGER -> assertTrue(answers.size() <= 1, () -> c.name() + ": " + answers.size() + " replies");
        }
        return answers.size();
    }

    private long nextTransmit() {
        nextTransmit += 2; // even: never mistaken for an interleaved origin
        return nextTransmit;
    }

    /** {@code length} bytes: first byte {@code lvm}, and a fresh transmit timestamp when there is room for one. */
    private byte[] packet(int lvm, int length) {
        byte[] b = new byte[length];
        if (length > 0) {
            b[0] = (byte) lvm;
        }
        if (length >= RawNtp.HEADER_BYTES) {
            ByteBuffer.wrap(b).putLong(40, nextTransmit());
        }
        return b;
    }

    private static int lvm(int version, int mode) {
        return version << 3 | mode;
    }

    /** A v4 client request followed by extension fields of these {@code (type, declared length, real length)}. */
    private byte[] withFields(int[]... fields) {
        int total = RawNtp.HEADER_BYTES;
        for (int[] f : fields) {
            total += f[2];
        }
        byte[] b = packet(lvm(4, 3), total);
        ByteBuffer buf = ByteBuffer.wrap(b);
        int at = RawNtp.HEADER_BYTES;
        for (int[] f : fields) {
            buf.putShort(at, (short) f[0]).putShort(at + 2, (short) f[1]);
            at += f[2];
        }
        return b;
    }

    /** A v4 client request, {@code efLength} bytes of one unknown extension field, then a MAC of key 1. */
    private byte[] withMac(int version, int efLength, int macLength) {
        byte[] b = packet(lvm(version, 3), RawNtp.HEADER_BYTES + efLength + macLength);
        ByteBuffer buf = ByteBuffer.wrap(b);
        if (efLength > 0) {
            buf.putShort(RawNtp.HEADER_BYTES, (short) 0x2005).putShort(RawNtp.HEADER_BYTES + 2, (short) efLength);
        }
        buf.putInt(RawNtp.HEADER_BYTES + efLength, 1); // key id 1, digest zeros
        return b;
    }

    private List<Case> craftedCases() {
        List<Case> cases = new ArrayList<>();
        // Too short for any mode.
        cases.add(new Case("empty datagram", new byte[0], Expect.NOTHING));
        cases.add(new Case("1 byte", packet(lvm(4, 3), 1), Expect.NOTHING));
        cases.add(new Case("12-byte v4 client", packet(lvm(4, 3), 12), Expect.NOTHING));
        cases.add(new Case("47-byte v4 client", packet(lvm(4, 3), 47), Expect.NOTHING));
        cases.add(new Case("11-byte mode 6", packet(lvm(2, 6), 11), Expect.NOTHING));
        // Versions outside 1..4.
        for (int v : new int[] {0, 5, 6, 7}) {
            cases.add(new Case("version " + v + " client", packet(lvm(v, 3), 48), Expect.NOTHING));
        }
        // Modes a server does not answer, and mode 0 of NTPv2-4.
        for (int v = 2; v <= 4; v++) {
            cases.add(new Case("mode 0 of version " + v, packet(lvm(v, 0), 48), Expect.NOTHING));
        }
        cases.add(new Case("mode 2 (symmetric passive)", packet(lvm(4, 2), 48), Expect.NOTHING));
        cases.add(new Case("mode 4 (server)", packet(lvm(4, 4), 48), Expect.NOTHING));
        cases.add(new Case("mode 5 (broadcast)", packet(lvm(4, 5), 48), Expect.NOTHING));
        // What is answered: every version's client request, NTPv1's mode 0, a symmetric active peer, leap bits set.
        for (int v = 1; v <= 4; v++) {
            cases.add(new Case("version " + v + " client", packet(lvm(v, 3), 48), Expect.SERVER_REPLY));
        }
        cases.add(new Case("NTPv1 mode 0 from a high port", packet(lvm(1, 0), 48), Expect.SERVER_REPLY));
        cases.add(new Case("v4 client with LI 3", packet(0xC0 | lvm(4, 3), 48), Expect.SERVER_REPLY));
        cases.add(new Case("mode 1 (symmetric active)", packet(lvm(4, 1), 48), Expect.PASSIVE_REPLY));
        // Lengths that are not whole words, MACs of impossible lengths.
        for (int extra : new int[] {1, 2, 3, 5}) {
            cases.add(new Case("v4 client + " + extra + " bytes", packet(lvm(4, 3), 48 + extra), Expect.NOTHING));
        }
        for (int extra : new int[] {8, 12, 16}) {
            cases.add(new Case("v4 client + " + extra + "-byte MAC", packet(lvm(4, 3), 48 + extra), Expect.NOTHING));
        }
        cases.add(new Case("v3 client + 72-byte MAC", packet(lvm(3, 3), 48 + 72), Expect.NOTHING));
        // Extension fields with bad lengths.
        cases.add(new Case("extension field of length 0", withFields(new int[] {0x2005, 0, 28}), Expect.NOTHING));
        cases.add(new Case("extension field of length 12", withFields(new int[] {0x2005, 12, 28}), Expect.NOTHING));
        cases.add(new Case("extension field of length 18", withFields(new int[] {0x2005, 18, 28}), Expect.NOTHING));
        cases.add(new Case("extension field overrunning", withFields(new int[] {0x2005, 64, 28}), Expect.NOTHING));
        cases.add(new Case("extension field of length 65532", withFields(new int[] {0x2005, 65532, 28}),
                Expect.NOTHING));
        cases.add(new Case("second extension field overrunning",
                withFields(new int[] {0x2005, 16, 16}, new int[] {0x2006, 40, 28}), Expect.NOTHING));
        cases.add(new Case("extension field then 8 stray bytes",
                withFields(new int[] {0x2005, 28, 28}, new int[] {0, 0, 8}), Expect.NOTHING));
        // Well-formed extension fields are skipped: the reply is the 48-byte header.
        cases.add(new Case("unknown 28-byte extension field", withFields(new int[] {0x2005, 28, 28}),
                Expect.SERVER_REPLY));
        cases.add(new Case("two unknown extension fields", withFields(new int[] {0x2005, 16, 16},
                new int[] {0x2006, 28, 28}), Expect.SERVER_REPLY));
        cases.add(new Case("1400-byte extension field", withFields(new int[] {0x2005, 1400, 1400}),
                Expect.SERVER_REPLY));
        // Authenticated requests are for the authentication layer; the basic server answers none of them.
        cases.add(new Case("v4 client + 20-byte MAC", withMac(4, 0, 20), Expect.NOTHING));
        cases.add(new Case("v4 client + 24-byte MAC", withMac(4, 0, 24), Expect.NOTHING));
        cases.add(new Case("v3 client + 20-byte MAC", withMac(3, 0, 20), Expect.NOTHING));
        cases.add(new Case("v4 client + crypto-NAK", packet(lvm(4, 3), 52), Expect.NOTHING));
        cases.add(new Case("v4 client + extension field + MAC", withMac(4, 28, 24), Expect.NOTHING));
        // Larger than the server's receive buffer: what it reads is a prefix; a MAC past the cut must not vanish.
        cases.add(new Case("2000-byte extension field + MAC (2072 bytes)", withMac(4, 2000, 24), Expect.NOTHING));
        cases.add(new Case("65504-byte datagram", withFields(new int[] {0x2005, 65456, 65456}), Expect.NOT_LONGER));
        cases.add(new Case("1472 bytes of 0xFF", filled(1472, 0xFF), Expect.NOTHING)); // version 7
        // Mode 6 from a stranger (noquery by default): readstat, readvar, mrulist, with a MAC, malformed.
        cases.add(new Case("mode 6 readstat", control(1, ""), Expect.NOTHING));
        cases.add(new Case("mode 6 readvar", control(2, ""), Expect.NOTHING));
        cases.add(new Case("mode 6 readvar with names", control(2, "version,stratum,refid"), Expect.NOTHING));
        cases.add(new Case("mode 6 mrulist", control(10, "nonce=0123456789abcdef, frags=32"), Expect.NOTHING));
        byte[] keyed = new byte[12 + 24];
        System.arraycopy(control(2, ""), 0, keyed, 0, 12);
        cases.add(new Case("mode 6 readvar with a MAC", keyed, Expect.NOTHING));
        byte[] badCount = control(2, "");
        badCount[11] = 100;
        cases.add(new Case("mode 6 with a count past the end", badCount, Expect.NOTHING));
        cases.add(new Case("mode 6 of 13 bytes", java.util.Arrays.copyOf(control(1, ""), 13), Expect.NOTHING));
        cases.addAll(mode7Cases());
        return cases;
    }

    /** Mode 7 (ntpdc) requests, the monlist amplification request among them. */
    private List<Case> mode7Cases() {
        List<Case> cases = new ArrayList<>();
        for (int v = 1; v <= 4; v++) {
            byte[] monlist = new byte[8];
            monlist[0] = (byte) lvm(v, 7);
            monlist[2] = 3; // implementation XNTPD
            monlist[3] = 42; // REQ_MON_GETLIST_1
            cases.add(new Case("mode 7 monlist v" + v, monlist, Expect.NOTHING));
            cases.add(new Case("mode 7 monlist v" + v + " padded to 48", java.util.Arrays.copyOf(monlist, 48),
                    Expect.NOTHING));
        }
        cases.add(new Case("4-byte mode 7", packet(lvm(2, 7), 4), Expect.NOTHING));
        cases.add(new Case("192-byte mode 7 with the request bit", packet(0x80 | lvm(2, 7), 192), Expect.NOTHING));
        return cases;
    }

    /** A mode 6 request: version 2, opcode, sequence 1, association 0, the data padded to 32 bits. */
    private static byte[] control(int opcode, String data) {
        byte[] d = data.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] b = new byte[12 + (d.length + 3) / 4 * 4];
        ByteBuffer buf = ByteBuffer.wrap(b);
        buf.put(0, (byte) lvm(2, 6)).put(1, (byte) opcode).putShort(2, (short) 1).putShort(10, (short) d.length);
        buf.put(12, d);
        return b;
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }

    /** Random bytes of a random length up to 600. */
    private static Case garbage(SplittableRandom random, int i) {
        byte[] b = new byte[random.nextInt(601)];
        random.nextBytes(b);
        return new Case("random packet " + i + " (first byte " + (b.length > 0 ? b[0] & 0xFF : -1) + ")", b,
                Expect.NOT_LONGER);
    }

    /** A valid request (48 bytes, or with a 28-byte extension field) with 1-4 random bytes changed and maybe cut. */
    private Case mutation(SplittableRandom random, int i) {
        byte[] b = random.nextBoolean() ? packet(lvm(4, 3), 48) : withFields(new int[] {0x2005, 28, 28});
        int flips = 1 + random.nextInt(4);
        for (int f = 0; f < flips; f++) {
            int at = random.nextInt(10) < 4 ? 0 : random.nextInt(b.length); // often the mode/version byte
            b[at] = (byte) random.nextInt(256);
        }
        if (random.nextInt(8) == 0) {
            b = java.util.Arrays.copyOf(b, random.nextInt(b.length + 1));
        }
        return new Case("mutation " + i, b, Expect.NOT_LONGER);
    }
}
