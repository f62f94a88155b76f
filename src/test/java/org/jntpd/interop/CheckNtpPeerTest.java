package org.jntpd.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jntpd.cli.Jntpc;
import org.jntpd.testing.ChronyServer;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.Test;

/**
 * The Nagios/monitoring-plugins check_ntp_peer way of reading a server over mode 6 (its documented steps, restated
 * here, since the plugin is not installed): READSTAT (version 2, sequence 1) collected over fragments; the peers whose
 * selection code is 6 (sync source; else at least 4); for each, READVAR of "stratum,offset,jitter" answered in one
 * datagram without the error bit; each value found as "name=" in the comma-separated text; offset in ms. Against the
 * real daemon on loopback (check_ntp_peer takes a port) with chronyd -x as its source, compared with jntpc.
 */
class CheckNtpPeerTest {
    private static final int PEER_SYNC_SOURCE = 6;
    private static final int PEER_INCLUDED = 4;

    @Test
    void checkNtpPeerShouldFindTheSyncSourceAndReadItsOffsetJitterAndStratum() throws Exception {
        assumeTrue(ChronyServer.program().isPresent(), "chronyd is not installed");
        Path dir = Files.createTempDirectory("jntpd-check-ntp-peer");
        try (ChronyServer chrony = ChronyServer.start(dir, 1)) {
            Path socket = dir.resolve("jntpd.sock");
            try (JntpdProcess jntpd = JntpdProcess.start("server 127.0.0.1 port " + chrony.port()
                    + " minpoll 2 maxpoll 2 iburst", "controlsocket " + socket);
                    DatagramSocket udp = new DatagramSocket()) {
                jntpd.awaitLog("synchronised to", 30_000);
                udp.connect(jntpd.address());
                udp.setSoTimeout(2_000);
                String last = "";
                for (int attempt = 0; attempt < 20; attempt++) {
                    String before = Jntpc.request(socket.toString(), "sources");
                    List<int[]> peers = readStatus(udp);
                    boolean syncSource = peers.stream().anyMatch(p -> selection(p[1]) >= PEER_SYNC_SOURCE);
                    assertTrue(syncSource, "a sync source among " + peers.size() + " associations");
                    int min = syncSource ? PEER_SYNC_SOURCE : PEER_INCLUDED;
                    List<String> answers = new ArrayList<>();
                    for (int[] p : peers) {
                        if (selection(p[1]) >= min) {
                            answers.add(readVariables(udp, p[0], "stratum,offset,jitter"));
                        }
                    }
                    String after = Jntpc.request(socket.toString(), "sources");
                    last = before + "\n" + answers;
                    if (!before.equals(after)) {
                        Thread.sleep(300);
                        continue; // a publication in between: look again
                    }
                    assertEquals(1, answers.size(), last);
                    String data = answers.getFirst();
                    String line = before.lines().filter(l -> l.startsWith("^*")).findFirst().orElseThrow();
                    String[] f = line.trim().split("\\s+");
                    double jntpcOffsetS = Double.parseDouble(f[f.length - 3]);
                    assertEquals(jntpcOffsetS, Double.parseDouble(extract(data, "offset")) / 1000, 1.01e-9, last);
                    assertEquals(f[f.length - 7], extract(data, "stratum"), last);
                    assertTrue(Double.parseDouble(extract(data, "jitter")) >= 0, last);
                    return;
                }
                throw new AssertionError("no quiet moment in 20 tries; last:\n" + last);
            }
        } finally {
            TestFiles.deleteTree(dir);
        }
    }

    private static int selection(int status) {
        return status >>> 8 & 0x7;
    }

    /** READSTAT, fragments collected until one comes without the More bit: (association id, status word) pairs. */
    private static List<int[]> readStatus(DatagramSocket udp) throws IOException {
        send(udp, 1, 1, 0, "");
        List<int[]> pairs = new ArrayList<>();
        ByteBuffer r;
        do {
            r = receive(udp);
            assertEquals(0, r.get(1) & 0x40, "no error bit");
            assertFalse((r.get(0) & 0xC0) == 0xC0, "LI alarm: the server says it is unsynchronised");
            int count = r.getShort(10) & 0xFFFF;
            for (int i = 0; i < count; i += 4) {
                pairs.add(new int[] {r.getShort(12 + i) & 0xFFFF, r.getShort(14 + i) & 0xFFFF});
            }
        } while ((r.get(1) & 0x20) != 0);
        return pairs;
    }

    /** READVAR of the names: the reply must be one datagram, no error, as check_ntp_peer reads it. */
    private static String readVariables(DatagramSocket udp, int associationId, String names) throws IOException {
        send(udp, 2, 2, associationId, names);
        ByteBuffer r = receive(udp);
        assertEquals(0, r.get(1) & 0x60, "neither error nor more fragments");
        int count = r.getShort(10) & 0xFFFF;
        return new String(r.array(), 12, count, StandardCharsets.US_ASCII);
    }

    private static void send(DatagramSocket udp, int opcode, int sequence, int associationId, String data)
            throws IOException {
        byte[] d = data.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(12 + d.length + 3 & ~3);
        b.put((byte) 0x16).put((byte) opcode).putShort((short) sequence).putShort((short) 0)
                .putShort((short) associationId).putShort((short) 0).putShort((short) d.length).put(d);
        udp.send(new DatagramPacket(b.array(), b.capacity()));
    }

    private static ByteBuffer receive(DatagramSocket udp) throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        udp.receive(p);
        assertTrue(p.getLength() >= 12 && p.getLength() % 4 == 0, "a padded control message");
        return ByteBuffer.wrap(p.getData(), 0, p.getLength());
    }

    /** check_ntp_peer's np_extract_ntpvar: the value after "name=" among the comma-separated items. */
    private static String extract(String data, String name) {
        for (String item : data.split(",")) {
            String t = item.strip();
            if (t.startsWith(name + "=")) {
                return t.substring(name.length() + 1).strip();
            }
        }
        assertNotNull(null, "no " + name + " in " + data);
        return null;
    }
}
