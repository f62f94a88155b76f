package org.jntpd.mode6;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.jntpd.mode6.ControlSnapshot.Association;
import org.jntpd.mode6.ControlSnapshot.Variable;
import org.jntpd.wire.ControlMessage;
import org.jntpd.wire.ControlStatus;
import org.junit.jupiter.api.Test;

class ControlResponderTest {
    private static final long NOW_NTP64 = 0xEEC0_840F_CB73_611CL;
    private static final int SYSTEM_STATUS = ControlStatus.system(0, ControlStatus.SOURCE_NTP, 0, 0); // 0x0600
    private static final ControlSnapshot SNAPSHOT = new ControlSnapshot(SYSTEM_STATUS,
            List.of(Variable.of("version", "\"jntpd 0.1\""), Variable.of("stratum", "2"),
                    Variable.of("refid", "127.0.0.1"), new Variable("clock", null, true),
                    Variable.unlisted("rootdist", "0.003131")),
            List.of(new Association(1, ControlStatus.peer(0x90, ControlStatus.SELECT_CANDIDATE, 0, 0),
                            List.of(Variable.of("srcadr", "127.0.0.1"), Variable.of("reach", "0xff"))),
                    new Association(2, ControlStatus.peer(0x90, ControlStatus.SELECT_SYSTEM_PEER, 0, 0),
                            List.of(Variable.of("srcadr", "127.0.0.2")))));

    private final MemorySegment rx = MemorySegment.ofArray(new byte[1024]);
    private final MemorySegment[] out = new MemorySegment[ControlResponder.MAX_FRAGMENTS + 2];
    private final int[] lengths = new int[out.length];
    private long nowNs = 1_000_000_000L;

    ControlResponderTest() {
        for (int i = 0; i < out.length; i++) {
            out[i] = MemorySegment.ofArray(new byte[ControlResponder.FRAGMENT_BYTES]);
        }
    }

    /** A request as NTPsec's ntpq builds it: version 2, data padded to 4 bytes (not counted). */
    private int request(int remOpcode, int sequence, int associationId, String data) {
        byte[] d = data.getBytes(StandardCharsets.US_ASCII);
        int length = ControlMessage.paddedLength(d.length);
        rx.fill((byte) 0);
        new ControlMessage().wrap(rx, 0, length).leapVersionMode(0, 2, 6).responseErrorMoreOpcode(remOpcode)
                .sequence(sequence).status(0).associationId(associationId).dataOffset(0).count(d.length);
        MemorySegment.copy(MemorySegment.ofArray(d), 0, rx, ControlMessage.DATA_OFFSET, d.length);
        return length;
    }

    private List<byte[]> answer(ControlResponder r, int length, ControlSnapshot snapshot, List<Variable> live) {
        int n = r.answer(rx, 0, length, snapshot, live, nowNs, NOW_NTP64, out, lengths);
        List<byte[]> fragments = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fragments.add(out[i].asSlice(0, lengths[i]).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
        return fragments;
    }

    private List<byte[]> answer(int length) {
        return answer(new ControlResponder(), length, SNAPSHOT, List.of());
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void shouldListAssociationIdsAndPeerStatusWordsForReadStatus() {
        List<byte[]> reply = answer(request(ControlMessage.OP_READ_STATUS, 0x1234, 0, ""));
        assertEquals(1, reply.size());
        // v2 mode 6 | R + opcode 1 | seq | system status 0600 | assoc 0 | offset 0 | count 8 | (1, 9400) (2, 9600)
        assertArrayEquals(hex("16 81 1234 0600 0000 0000 0008 0001 9400 0002 9600"), reply.getFirst());
    }

    @Test
    void shouldAnswerOneAssociationsStatusWithoutData() {
        List<byte[]> reply = answer(request(ControlMessage.OP_READ_STATUS, 7, 2, ""));
        assertArrayEquals(hex("16 81 0007 9600 0002 0000 0000"), reply.getFirst());
    }

    @Test
    void shouldReadTheNamedSystemVariablesInNtpdsTextLayout() {
        List<byte[]> reply = answer(request(ControlMessage.OP_READ_VARIABLES, 3, 0, "stratum,refid"));
        byte[] text = "stratum=2, refid=127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII); // 28 bytes
        byte[] expected = new byte[12 + 28];
        System.arraycopy(hex("16 82 0003 0600 0000 0000 001c"), 0, expected, 0, 12);
        System.arraycopy(text, 0, expected, 12, 28);
        assertArrayEquals(expected, reply.getFirst());
    }

    @Test
    void shouldReadTheListedSystemVariablesWithTheClockAtTheTimeOfTheAnswer() {
        List<byte[]> reply = answer(request(ControlMessage.OP_READ_VARIABLES, 3, 0, ""));
        assertEquals("version=\"jntpd 0.1\", stratum=2, refid=127.0.0.1,\r\nclock=0xeec0840f.cb73611c\r\n",
                data(reply));
        assertEquals(0, data(answer(request(ControlMessage.OP_READ_VARIABLES, 3, 0, "rootdist"))).indexOf("rootdist=0.003131"),
                "an unlisted variable is read by name");
    }

    @Test
    void shouldReadAnAssociationsVariablesWithItsStatusWord() {
        List<byte[]> reply = answer(request(ControlMessage.OP_READ_VARIABLES, 9, 1, ""));
        byte[] f = reply.getFirst();
        assertArrayEquals(hex("16 82 0009 9400 0001 0000"), Arrays.copyOf(f, 10));
        assertEquals("srcadr=127.0.0.1, reach=0xff\r\n", data(reply));
        assertEquals(0, f.length % 4, "padded to 32 bits");
    }

    @Test
    void shouldPadToThirtyTwoBitsWithZeros() {
        List<byte[]> reply = answer(request(ControlMessage.OP_READ_VARIABLES, 3, 0, "stratum")); // 11 bytes of data
        assertArrayEquals(hex("16 82 0003 0600 0000 0000 000b") , Arrays.copyOf(reply.getFirst(), 12));
        assertEquals(24, reply.getFirst().length);
        assertEquals(0, reply.getFirst()[23]);
    }

    @Test
    void shouldRefuseAnUnknownVariableAssociationAndOpcodeAsNtpdDoes() {
        assertArrayEquals(hex("16 c2 0003 0500 0000 0000 0000"),
                answer(request(ControlMessage.OP_READ_VARIABLES, 3, 0, "stratum,nosuchvar")).getFirst());
        assertArrayEquals(hex("16 c2 0004 0400 0063 0000 0000"),
                answer(request(ControlMessage.OP_READ_VARIABLES, 4, 99, "")).getFirst());
        assertArrayEquals(hex("16 c1 0005 0400 0063 0000 0000"),
                answer(request(ControlMessage.OP_READ_STATUS, 5, 99, "")).getFirst());
        assertEquals(List.of(), answer(request(ControlMessage.OP_READ_MRU, 6, 0, "nonce=1")),
                "an MRU request without a nonce it was given: nothing, as ntpd");
        assertArrayEquals(hex("16 cb 0007 0300 0000 0000 0000"),
                answer(request(ControlMessage.OP_READ_ORDERED_LIST, 7, 0, "")).getFirst());
    }

    @Test
    void shouldRefuseEveryWritingOrConfiguringOpcodeWithAPermissionError() {
        for (int op : new int[] {ControlMessage.OP_WRITE_VARIABLES, ControlMessage.OP_WRITE_CLOCK_VARIABLES,
                ControlMessage.OP_SET_TRAP, ControlMessage.OP_UNSET_TRAP, ControlMessage.OP_CONFIGURE,
                ControlMessage.OP_SAVE_CONFIG}) {
            List<byte[]> reply = answer(request(op, 8, 0, "stratum=1"));
            assertEquals(1, reply.size());
            assertEquals(12, reply.getFirst().length);
            assertEquals((byte) (0xC0 | op), reply.getFirst()[1]);
            assertEquals(ControlStatus.ERROR_PERMISSION, reply.getFirst()[4], "opcode " + op);
        }
    }

    @Test
    void shouldDropResponsesFragmentsErrorsAndShortOrAlienPackets() {
        ControlResponder r = new ControlResponder();
        for (int bit : new int[] {ControlMessage.RESPONSE_BIT, ControlMessage.MORE_BIT, ControlMessage.ERROR_BIT}) {
            assertEquals(0, answer(r, request(bit | ControlMessage.OP_READ_VARIABLES, 1, 0, ""), SNAPSHOT, List.of())
                    .size(), "bit " + bit);
        }
        assertEquals(0, answer(r, 11, SNAPSHOT, List.of()).size());
        int length = request(ControlMessage.OP_READ_VARIABLES, 1, 0, "");
        rx.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 0x23); // mode 3
        assertEquals(0, answer(r, length, SNAPSHOT, List.of()).size());
        assertEquals(5, r.malformed());
    }

    @Test
    void shouldAnswerACountBeyondThePacketWithABadFormatError() {
        int length = request(ControlMessage.OP_READ_VARIABLES, 1, 0, "stratum");
        new ControlMessage().wrap(rx, 0, length).count(200);
        assertArrayEquals(hex("16 c2 0001 0200 0000 0000 0000"), answer(length).getFirst());
    }

    @Test
    void shouldFragmentAtItemBoundariesWithOffsetsAndTheMoreBit() {
        List<Variable> many = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            many.add(Variable.of("var" + i, "0.123456"));
        }
        ControlSnapshot big = new ControlSnapshot(SYSTEM_STATUS, many, List.of());
        List<byte[]> reply = answer(new ControlResponder(), request(ControlMessage.OP_READ_VARIABLES, 2, 0, ""), big,
                List.of());
        assertEquals(2, reply.size());
        ControlMessage m = new ControlMessage();
        int expectedOffset = 0;
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < reply.size(); i++) {
            byte[] f = reply.get(i);
            m.wrap(MemorySegment.ofArray(f), 0, f.length);
            assertEquals(i < reply.size() - 1, m.hasMore());
            assertEquals(expectedOffset, m.dataOffset());
            assertTrue(m.count() <= ControlMessage.MAX_DATA_LENGTH);
            assertEquals(ControlMessage.paddedLength(m.count()), f.length);
            String text = new String(f, 12, m.count(), StandardCharsets.US_ASCII);
            if (i > 0) {
                assertTrue(text.startsWith(",") && text.substring(2).startsWith("var") || text.startsWith(",\r\nvar"),
                        "a fragment starts at an item: " + text);
            }
            assertTrue(i == reply.size() - 1 || text.endsWith("0.123456"), "no item split: " + text);
            all.append(text);
            expectedOffset += m.count();
        }
        StringBuilder expected = new StringBuilder();
        int line = 0;
        for (int i = 0; i < 40; i++) {
            String item = "var" + i + "=0.123456";
            if (i > 0) {
                boolean br = item.length() + line + 2 >= 72;
                expected.append(br ? ",\r\n" : ", ");
                line = br ? 0 : line + 2;
            }
            expected.append(item);
            line += item.length();
        }
        assertEquals(expected + "\r\n", all.toString());
    }

    @Test
    void shouldNeverSendMoreThanTheFragmentCapWhateverTheRequest() {
        List<Association> associations = new ArrayList<>();
        List<Variable> many = new ArrayList<>();
        for (int i = 1; i <= 2000; i++) {
            associations.add(new Association(i, 0x9400, List.of()));
            many.add(Variable.of("v" + i, "1"));
        }
        ControlSnapshot huge = new ControlSnapshot(SYSTEM_STATUS, many, associations);
        List<byte[]> status = answer(new ControlResponder(), request(ControlMessage.OP_READ_STATUS, 1, 0, ""), huge,
                List.of());
        assertEquals(ControlResponder.MAX_FRAGMENTS, status.size());
        assertEquals(0, status.getLast()[1] & ControlMessage.MORE_BIT, "the last fragment sent ends the reply");
        SplittableRandom random = new SplittableRandom(12);
        ControlResponder r = new ControlResponder(1_000_000, 1_000_000);
        for (int i = 0; i < 5_000; i++) {
            byte[] junk = new byte[12 + random.nextInt(500)];
            random.nextBytes(junk);
            junk[0] = (byte) (junk[0] & ~0x7 | 6);
            junk[1] = (byte) (junk[1] & 0x1F);
            MemorySegment.copy(MemorySegment.ofArray(junk), 0, rx, 0, junk.length);
            int total = 0;
            for (byte[] f : answer(r, junk.length, huge, List.of())) {
                total += f.length;
            }
            assertTrue(total <= ControlResponder.MAX_FRAGMENTS * ControlResponder.FRAGMENT_BYTES, "reply " + total);
        }
    }

    @Test
    void shouldDropRequestsBeyondTheRateBudgetAndRecover() {
        ControlResponder r = new ControlResponder(10, 2); // 10 per second, 2 at once
        int length = request(ControlMessage.OP_READ_STATUS, 1, 0, "");
        assertEquals(1, answer(r, length, SNAPSHOT, List.of()).size());
        assertEquals(1, answer(r, length, SNAPSHOT, List.of()).size());
        assertEquals(0, answer(r, length, SNAPSHOT, List.of()).size());
        nowNs += 100_000_000L;
        assertEquals(1, answer(r, length, SNAPSHOT, List.of()).size());
        assertEquals(1, r.rateLimited());
    }

    @Test
    void shouldReadLiveVariablesByNameOnly() {
        ControlResponder r = new ControlResponder();
        List<Variable> live = List.of(Variable.unlisted("ss_uptime", "42"));
        assertEquals("ss_uptime=42\r\n", data(answer(r, request(ControlMessage.OP_READ_VARIABLES, 1, 0, "ss_uptime"),
                SNAPSHOT, live)));
        assertEquals(-1, data(answer(r, request(ControlMessage.OP_READ_VARIABLES, 1, 0, ""), SNAPSHOT, live))
                .indexOf("ss_uptime"));
    }

    @Test
    void shouldAnswerClockVariablesOfTheReferenceClockAndBadAssociationWithoutOne() {
        // no reference clock: cv and cv &1 (an NTP source) are refused as ntpd refuses them
        assertArrayEquals(hex("16 c4 0001 0400 0000 0000 0000"),
                answer(request(ControlMessage.OP_READ_CLOCK_VARIABLES, 1, 0, "")).getFirst());
        assertArrayEquals(hex("16 c4 0002 0400 0001 0000 0000"),
                answer(request(ControlMessage.OP_READ_CLOCK_VARIABLES, 2, 1, "")).getFirst());
        List<Variable> clock = List.of(Variable.of("name", "\"SHM\""), Variable.of("poll", "12"),
                Variable.of("fudgetime1", "0.500"), Variable.of("refid", "GPS0"));
        List<Association> withClock = new ArrayList<>(SNAPSHOT.associations());
        withClock.add(new Association(3, ControlStatus.peer(0x90, ControlStatus.SELECT_CANDIDATE, 0, 0),
                List.of(Variable.of("srcadr", "127.127.0.0")), clock));
        ControlSnapshot snapshot = new ControlSnapshot(SYSTEM_STATUS, SNAPSHOT.system(), withClock);
        ControlResponder r = new ControlResponder();
        for (int id : new int[] {0, 3}) { // without an id: the first reference clock (the system peer is NTP here)
            List<byte[]> reply = answer(r, request(ControlMessage.OP_READ_CLOCK_VARIABLES, 9, id, ""), snapshot,
                    List.of());
            assertEquals(1, reply.size());
            assertEquals(0x84, reply.getFirst()[1] & 0xFF, "response, no error, opcode 4");
            assertEquals(0, (reply.getFirst()[4] & 0xFF) << 8 | (reply.getFirst()[5] & 0xFF), "clock status: okay");
            assertEquals("name=\"SHM\", poll=12, fudgetime1=0.500, refid=GPS0\r\n", data(reply));
        }
        assertEquals("refid=GPS0, poll=12\r\n",
                data(answer(r, request(ControlMessage.OP_READ_CLOCK_VARIABLES, 10, 3, "refid,poll"), snapshot,
                        List.of())));
        assertArrayEquals(hex("16 c4 000b 0500 0003 0000 0000"),
                answer(r, request(ControlMessage.OP_READ_CLOCK_VARIABLES, 11, 3, "nosuch"), snapshot, List.of())
                        .getFirst());
    }

    // ------------------------------------------------------------------------------------------------ MRU list

    private static final long CLIENT_HI = 0;
    private static final long CLIENT_LO = 0x0000_FFFF_C633_0002L; // 198.51.0.2
    private static final int CLIENT_PORT = 40_000;

    /** {@code n} clients, the oldest first, one a second before now. */
    private static List<MruEntry> clients(int n) {
        List<MruEntry> m = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long last = NOW_NTP64 - ((long) (n - i) << 32);
            m.add(new MruEntry("192.0.2." + (i + 1) + ":" + (50_000 + i), last - (100L << 32), last, 10 + i, 0x23, i));
        }
        return m;
    }

    private List<byte[]> mru(ControlResponder r, String data, List<MruEntry> clients, long hi, long lo, int port) {
        int length = request(ControlMessage.OP_READ_MRU, 0x77, 0, data);
        int n = r.answer(rx, 0, length, SNAPSHOT, List.of(), () -> clients, hi, lo, port, nowNs, NOW_NTP64, out,
                lengths);
        List<byte[]> fragments = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fragments.add(out[i].asSlice(0, lengths[i]).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
        return fragments;
    }

    private String nonce(ControlResponder r, long hi, long lo, int port) {
        int length = request(ControlMessage.OP_REQUEST_NONCE, 0x55, 0, "");
        int n = r.answer(rx, 0, length, SNAPSHOT, List.of(), List::of, hi, lo, port, nowNs, NOW_NTP64, out, lengths);
        assertEquals(1, n);
        String text = data(List.of(out[0].asSlice(0, lengths[0]).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
        assertTrue(text.matches("nonce=[0-9a-f]{32}\r\n"), text);
        return text.strip();
    }

    /** The name=value items of a reply's text. */
    private static java.util.Map<String, String> items(String text) {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        for (String item : text.split(",\\s*|\r\n")) {
            if (!item.isBlank()) {
                int eq = item.indexOf('=');
                m.put(item.substring(0, eq).strip(), item.substring(eq + 1));
            }
        }
        return m;
    }

    @Test
    void shouldAnswerTheMruListOnlyWithAFreshNonceGivenToTheSameAddressAndPort() {
        ControlResponder r = new ControlResponder();
        List<MruEntry> clients = clients(3);
        String nonce = nonce(r, CLIENT_HI, CLIENT_LO, CLIENT_PORT);
        List<byte[]> reply = mru(r, nonce + ", frags=32", clients, CLIENT_HI, CLIENT_LO, CLIENT_PORT);
        assertEquals(1, reply.size());
        java.util.Map<String, String> m = items(data(reply));
        assertEquals("192.0.2.1:50000", m.get("addr.0"));
        assertEquals("192.0.2.3:50002", m.get("addr.2"));
        assertEquals(Values.timestamp(clients.get(2).lastNtp64()), m.get("last.2"));
        assertEquals(Values.timestamp(clients.get(0).firstNtp64()), m.get("first.0"));
        assertEquals("12", m.get("ct.2"));
        assertEquals("35", m.get("mv.2"));
        assertEquals(Values.timestamp(NOW_NTP64), m.get("now"), "complete: now=");
        assertEquals(m.get("last.2"), m.get("last.newest"));
        assertTrue(m.get("nonce").matches("[0-9a-f]{32}"), "a new nonce for the next request");
        // the same nonce from another port, another address; altered; no nonce; expired: nothing at all
        assertEquals(0, mru(r, nonce + ", frags=32", clients, CLIENT_HI, CLIENT_LO, CLIENT_PORT + 1).size());
        assertEquals(0, mru(r, nonce + ", frags=32", clients, CLIENT_HI, CLIENT_LO + 1, CLIENT_PORT).size());
        char last = nonce.charAt(nonce.length() - 1);
        String altered = nonce.substring(0, nonce.length() - 1) + (last == '0' ? '1' : '0');
        assertEquals(0, mru(r, altered + ", frags=32", clients, CLIENT_HI, CLIENT_LO, CLIENT_PORT).size());
        assertEquals(0, mru(r, "frags=32", clients, CLIENT_HI, CLIENT_LO, CLIENT_PORT).size());
        nowNs += Nonces.LIFETIME_NS;
        assertEquals(0, mru(r, nonce + ", frags=32", clients, CLIENT_HI, CLIENT_LO, CLIENT_PORT).size());
        assertEquals(5, r.badNonces());
    }

    @Test
    void shouldSendWholeEntriesWithinTheFragmentCapAndContinueAfterThePriorEntry() {
        ControlResponder r = new ControlResponder(1000, 1000);
        List<MruEntry> clients = clients(40);
        java.util.Map<String, MruEntry> received = new java.util.LinkedHashMap<>();
        String nonce = nonce(r, CLIENT_HI, CLIENT_LO, CLIENT_PORT);
        String priors = "";
        int rounds = 0;
        boolean complete = false;
        while (!complete && rounds++ < 40) {
            List<byte[]> reply = mru(r, nonce + ", frags=32" + priors, clients, CLIENT_HI, CLIENT_LO, CLIENT_PORT);
            assertTrue(reply.size() >= 1 && reply.size() <= ControlResponder.MAX_FRAGMENTS, "fragments " + reply.size());
            for (int f = 0; f < reply.size(); f++) {
                assertEquals(f < reply.size() - 1, (reply.get(f)[1] & 0x20) != 0, "the More bit");
                assertTrue(reply.get(f).length <= ControlResponder.FRAGMENT_BYTES);
            }
            java.util.Map<String, String> m = items(data(reply));
            nonce = "nonce=" + m.get("nonce");
            if (rounds > 1) {
                assertEquals(priors.substring(priors.indexOf("addr.0=") + 7, priors.indexOf(", last.0")),
                        m.get("addr.older"), "the prior entry confirmed");
            }
            int n = 0;
            while (m.containsKey("addr." + n)) {
                assertTrue(m.containsKey("dr." + n), "whole entries only: " + m);
                n++;
            }
            assertTrue(n > 0);
            for (int i = 0; i < n; i++) {
                MruEntry e = clients.get(received.size());
                assertEquals(e.address(), m.get("addr." + i), "oldest first, no gap, no repeat");
                received.put(e.address(), e);
            }
            complete = m.containsKey("now");
            String newest = m.get("addr." + (n - 1));
            priors = ", addr.0=" + newest + ", last.0=" + m.get("last." + (n - 1));
        }
        assertTrue(complete, "the list ended with now=");
        assertEquals(40, received.size());
        assertTrue(rounds > 2, "40 entries do not fit in " + ControlResponder.MAX_FRAGMENTS + " fragments: " + rounds);
        // frags=1: one fragment, still whole entries
        List<byte[]> one = mru(r, nonce + ", frags=1", clients, CLIENT_HI, CLIENT_LO, CLIENT_PORT);
        assertEquals(1, one.size());
        assertEquals(0, one.getFirst()[1] & 0x20);
    }

    @Test
    void shouldRefuseAnMruRequestWithoutALimitOneWhosePriorEntriesAreGoneAndOneFromANomrulistClient() {
        ControlResponder r = new ControlResponder();
        List<MruEntry> clients = clients(3);
        String nonce = nonce(r, CLIENT_HI, CLIENT_LO, CLIENT_PORT);
        assertArrayEquals(hex("16 ca 0077 0600 0000 0000 0000"),
                mru(r, nonce, clients, CLIENT_HI, CLIENT_LO, CLIENT_PORT).getFirst(), "BADVALUE: no frags= or limit=");
        assertArrayEquals(hex("16 ca 0077 0500 0000 0000 0000"),
                mru(r, nonce + ", frags=32, addr.0=192.0.2.9:1, last.0=" + Values.timestamp(NOW_NTP64), clients,
                        CLIENT_HI, CLIENT_LO, CLIENT_PORT).getFirst(), "UNKNOWNVAR: ntpq starts over");
        int length = request(ControlMessage.OP_READ_MRU, 0x78, 0, nonce + ", frags=32");
        assertEquals(1, r.answer(rx, 0, length, SNAPSHOT, List.of(), null, CLIENT_HI, CLIENT_LO, CLIENT_PORT, nowNs,
                NOW_NTP64, out, lengths));
        assertArrayEquals(hex("16 ca 0078 0100 0000 0000 0000"),
                out[0].asSlice(0, lengths[0]).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), "nomrulist: PERMISSION");
        java.util.Map<String, String> m = items(data(mru(r, nonce + ", limit=1", clients, CLIENT_HI, CLIENT_LO,
                CLIENT_PORT)));
        assertEquals("192.0.2.1:50000", m.get("addr.0"));
        assertEquals(null, m.get("addr.1"), "limit=1: one entry");
    }

    private static String data(List<byte[]> fragments) {
        StringBuilder b = new StringBuilder();
        for (byte[] f : fragments) {
            int count = (f[10] & 0xFF) << 8 | (f[11] & 0xFF);
            b.append(new String(f, 12, count, StandardCharsets.US_ASCII));
        }
        return b.toString();
    }
}
