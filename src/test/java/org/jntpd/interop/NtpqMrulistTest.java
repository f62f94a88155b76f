package org.jntpd.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jntpd.testing.ExternalProgram;
import org.jntpd.testing.JntpdProcess;
import org.jntpd.testing.NetNamespace;
import org.jntpd.testing.Ntpsec;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.Test;

/**
 * NTPsec's real {@code ntpq -c mrulist} against the real daemon (-x) in a namespace (ntpq only talks to port 123), with
 * {@code ratelimit} on so that the rate limiter's table lists the clients: two NTP clients (198.18.0.2:40002 three
 * requests, 198.18.0.3:40003 one) show up with their ports, mode 3, version 4 and counts after ntpq's nonce exchange.
 * And the nonce is bound to the asker's address: a nonce fetched from 198.18.0.2 and sent back from 198.18.0.3 gets
 * no MRU reply at all (a spoofed source cannot aim the list at someone else), while from 198.18.0.2 it gets one.
 * With 42 clients the list takes ntpq several requests (a reply is at most 4 fragments), each continuing after the
 * newest entry it has, and every client is listed once; {@code restrict ... nomrulist} refuses the list (PERMISSION)
 * and nothing else. A second daemon with a SOCK reference clock answers {@code cv &1} with the clock's variables
 * (name, refid, fudgetime1 in ms, device) and {@code sysstats} with the server's counters.
 */
class NtpqMrulistTest {
    /** Sends NTP client requests, or runs the nonce exchange by hand; prints what it got. */
    private static final String CLIENT = """
            import socket, struct, sys
            def sock(addr, port):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind((addr, port))
                s.settimeout(1.5)
                return s
            def ntp(addr, port, n):
                s = sock(addr, port)
                got = 0
                for i in range(n):
                    s.sendto(b'\\x23' + bytes(47), ('127.0.0.1', 123))
                    try:
                        s.recvfrom(512)
                        got += 1
                    except socket.timeout:
                        pass
                print('ntp %s:%d %d/%d' % (addr, port, got, n))
            def control(s, opcode, seq, data):
                d = data.encode()
                pad = bytes((4 - len(d) % 4) % 4)
                s.sendto(struct.pack('!BBHHHHH', 0x16, opcode, seq, 0, 0, 0, len(d)) + d + pad, ('127.0.0.1', 123))
                try:
                    r, _ = s.recvfrom(2048)
                    return r[12:12 + struct.unpack('!H', r[10:12])[0]].decode()
                except socket.timeout:
                    return None
            if sys.argv[1] == 'ntp':
                ntp('198.18.0.2', 40002, 3)
                ntp('198.18.0.3', 40003, 1)
            elif sys.argv[1] == 'many':
                for i in range(40):
                    ntp('127.0.1.%d' % (i + 1), 42000, 1)
            else:
                a = sock('198.18.0.2', 41002)
                b = sock('198.18.0.3', 41003)
                nonce = control(a, 12, 1, '').strip()
                print('nonce', nonce)
                print('other address', control(b, 10, 2, nonce + ', frags=4'))
                print('same address', control(a, 10, 3, nonce + ', frags=4'))
            """;

    @Test
    void ntpqMrulistShouldListTheClientsAndTheNonceShouldBindTheAsker() throws Exception {
        assumeTrue(NetNamespace.available(), "needs root and ip to make a network namespace (ntpq only uses port 123)");
        Ntpsec.root(); // skips when NTPsec cannot be had
        Path dir = Files.createTempDirectory("jntpd-mrulist");
        try (NetNamespace ns = NetNamespace.create()) {
            ns.addLoopbackAddress("198.18.0.2");
            ns.addLoopbackAddress("198.18.0.3");
            ns.addLoopbackAddress("198.18.0.4");
            try (JntpdProcess jntpd = JntpdProcess.builder().commandPrefix("ip", "netns", "exec", ns.name()).port(123)
                    .bindAddress(null).dir(dir).config("local stratum 2", "controlsocket none",
                            "ratelimit interval -4 burst 16", "restrict 198.18.0.0 mask 255.255.255.0",
                            "restrict 198.18.0.4 nomrulist").start()) {
                jntpd.awaitLog("serving NTP", 20_000);
                String sent = python(ns, "ntp");
                assertTrue(sent.contains("ntp 198.18.0.2:40002 3/3") && sent.contains("ntp 198.18.0.3:40003 1/1"),
                        sent + jntpd.log());

                String out = Ntpsec.ntpq(ns, "-n", "-c", "mrulist", "127.0.0.1");
                List<String[]> rows = rows(out);
                assertEquals(2, rows.size(), out);
                // newest first: " lstint avgint rstr r m v  count    score   drop rport remote address"
                String[] b = rows.get(0);
                String[] a = rows.get(1);
                assertEquals(List.of("3", "4", "1", "40003", "198.18.0.3"),
                        List.of(b[4], b[5], b[6], b[9], b[10]), out);
                assertEquals(List.of("3", "4", "3", "40002", "198.18.0.2"),
                        List.of(a[4], a[5], a[6], a[9], a[10]), out);

                // 40 more clients: more than one reply holds (4 fragments), so ntpq asks again after its newest entry
                String many = python(ns, "many");
                assertEquals(40, many.lines().filter(l -> l.endsWith(" 1/1")).count(), many);
                String all = Ntpsec.ntpq(ns, "-n", "-c", "mrulist", "127.0.0.1");
                List<String[]> allRows = rows(all);
                assertEquals(42, allRows.size(), all);
                assertEquals(42, allRows.stream().map(r -> r[10]).distinct().count(), "each client once:\n" + all);
                for (int i = 1; i <= 40; i++) {
                    String address = "127.0.1." + i;
                    assertTrue(allRows.stream().anyMatch(r -> r[10].equals(address) && r[9].equals("42000")),
                            address + " in\n" + all);
                }

                // asked from 198.18.0.4 (restrict ... nomrulist): refused; everything else still answered
                String refused = Ntpsec.ntpq(ns, "-n", "-c", "timeout 500", "-c", "mrulist", "-c", "rv 0 stratum",
                        "198.18.0.4");
                assertTrue(refused.contains("stratum=") && !refused.contains("198.18.0.2"),
                        "nomrulist refuses the list only:\n" + refused);
                assertTrue(refused.contains("Server error code PERMISSION"), refused);

                String nonce = python(ns, "nonce");
                assertTrue(nonce.matches("(?s)nonce nonce=[0-9a-f]{32}\\n.*"), nonce);
                assertTrue(nonce.contains("other address None"), "a nonce from another address: no reply\n" + nonce);
                assertTrue(nonce.contains("addr.0=198.18.0.2:40002"), "from the address it was given to\n" + nonce);
            }
        } finally {
            TestFiles.deleteTree(dir);
        }
    }

    @Test
    void ntpqShouldReadClockVariablesOfAReferenceClockAndTheSystemCounters() throws Exception {
        assumeTrue(NetNamespace.available(), "needs root and ip to make a network namespace (ntpq only uses port 123)");
        Ntpsec.root();
        Path dir = Files.createTempDirectory("jntpd-cv");
        try (NetNamespace ns = NetNamespace.create()) {
            try (JntpdProcess jntpd = JntpdProcess.builder().commandPrefix("ip", "netns", "exec", ns.name()).port(123)
                    .bindAddress(null).dir(dir).config("local stratum 2", "controlsocket none",
                            "refclock sock " + dir.resolve("gps.sock") + " refid GPS0 offset 0.0025").start()) {
                jntpd.awaitLog("serving NTP", 20_000);
                python(ns, "ntp");
                String out = Ntpsec.ntpq(ns, "-n", "-c", "as", "-c", "cv &1", "-c", "sysstats", "127.0.0.1");
                assertTrue(out.contains("name=\"SOCK\""), out);
                assertTrue(out.contains("refid=GPS0"), out);
                assertTrue(out.contains("fudgetime1=2.5,"), "time1 in ms (ntpq trims the zeros):\n" + out);
                assertTrue(out.contains("device=\"" + dir.resolve("gps.sock")), out);
                assertTrue(out.contains("noreply="), out);
                long received = Long.parseLong(field(out, "packets received:"));
                assertTrue(received >= 4, "the 4 NTP requests counted:\n" + out);
                assertTrue(field(out, "uptime:").matches("\\d\\d:\\d\\d:\\d\\d"), out);
            }
        } finally {
            TestFiles.deleteTree(dir);
        }
    }

    private static String field(String out, String label) {
        return out.lines().filter(l -> l.startsWith(label)).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + label + "' in:\n" + out)).substring(label.length())
                .trim().split("\\s+")[0];
    }

    private static String python(NetNamespace ns, String what) {
        List<String> cmd = new ArrayList<>(ns.exec("python3", "-c", CLIENT, what));
        return ExternalProgram.run(Duration.ofSeconds(20), cmd).output();
    }

    /** The rows of ntpq's mrulist table, split into fields. */
    static List<String[]> rows(String out) {
        List<String[]> rows = new ArrayList<>();
        boolean table = false;
        for (String line : out.lines().toList()) {
            if (line.startsWith("====")) {
                table = true;
            } else if (table && !line.startsWith("#") && !line.isBlank()) {
                rows.add(line.trim().split("\\s+"));
            }
        }
        return rows;
    }
}
