package org.jntpd.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigParserTest {
    private static Config parse(String text) throws ConfigException {
        return ConfigParser.parse("test.conf", text, null);
    }

    private static List<String> errorsOf(String text) {
        return assertThrows(ConfigException.class, () -> parse(text)).errors();
    }

    @Test
    void shouldReadDebiansNtpsecConfigurationUnchanged() throws Exception {
        Path file = Path.of(getClass().getResource("/config/ntpsec-debian12-ntp.conf").toURI());
        Config c = ConfigParser.parse(file);
        assertEquals("/var/lib/ntpsec/ntp.drift", c.files().driftFile());
        assertEquals("/usr/share/zoneinfo/leap-seconds.list", c.files().leapFile());
        assertEquals(11, c.tos().maxClock());
        assertEquals(4, c.tos().minClock());
        assertEquals(3, c.tos().minSane());
        assertEquals(4, c.servers().size());
        for (int i = 0; i < 4; i++) {
            ServerSpec s = c.servers().get(i);
            assertEquals(ServerSpec.Kind.POOL, s.kind());
            assertEquals(i + ".debian.pool.ntp.org", s.host());
            assertTrue(s.iburst());
            assertEquals(6, s.minPollLog2());
            assertEquals(10, s.maxPollLog2());
            assertEquals(123, s.port());
        }
        // "restrict default" without -4/-6 covers both families; then the two loopback hosts.
        assertEquals(4, c.restrictions().size());
        RestrictRule v4default = c.restrictions().get(0);
        assertTrue(v4default.isDefault());
        assertEquals(4, v4default.family());
        assertEquals(EnumSet.of(RestrictFlag.KOD, RestrictFlag.NOMODIFY, RestrictFlag.NOPEER, RestrictFlag.NOQUERY,
                RestrictFlag.LIMITED), v4default.flags());
        assertEquals(6, c.restrictions().get(1).family());
        assertArrayEquals(new byte[] {127, 0, 0, 1}, c.restrictions().get(2).address());
        assertEquals(32, c.restrictions().get(2).prefixLen());
        assertEquals(128, c.restrictions().get(3).prefixLen());
        assertTrue(c.restrictions().get(3).flags().isEmpty());
        assertEquals(List.of(), c.notices());
        assertEquals(37, c.servers().get(3).location().line(), "locations point at the pool lines");
    }

    @Test
    void shouldParseServerOptionsWithUnits() throws ConfigException {
        Config c = parse("server -6 [2001:db8::1]%eth0 port 1123 minpoll 4 maxpoll 8 prefer xleave maxdelay 0.05 bias -0.001 key 7 version 3\n"
                + "server time.example.org nts noval ntsport 4461\n"
                + "keyfile /etc/chrony.keys\n");
        ServerSpec s = c.servers().get(0);
        assertEquals("2001:db8::1%eth0", s.host());
        assertEquals(ServerSpec.Family.IPV6, s.family());
        assertEquals(1123, s.port());
        assertEquals(4, s.minPollLog2());
        assertEquals(8, s.maxPollLog2());
        assertTrue(s.prefer() && s.xleave());
        assertEquals(50_000_000L, s.maxDelayNs());
        assertEquals(-1_000_000L, s.biasNs());
        assertEquals(7, s.keyId());
        assertEquals(3, s.version());
        ServerSpec t = c.servers().get(1);
        assertTrue(t.nts() && t.ntsNoValidate());
        assertEquals(4461, t.ntsPort());
        assertEquals(new Location("test.conf", 2), t.location());
        assertEquals(new Config.FileRef("/etc/chrony.keys", new Location("test.conf", 3)), c.auth().keysFile());
        assertTrue(c.auth().chronyFormat() && c.auth().trusts(7), "chrony trusts every key of its key file");
    }

    @Test
    void shouldReadNtpsecsHostPortFormAsTheNtsKePort() throws ConfigException {
        Config c = parse("server localhost:14460 nts ca /etc/jntpd/ca.pem\nserver [2001:db8::1]:4461 nts\n");
        assertEquals("localhost", c.servers().get(0).host());
        assertEquals(14460, c.servers().get(0).ntsPort());
        assertEquals(123, c.servers().get(0).port(), "the NTP port comes from NTS-KE, 123 unless it says otherwise");
        assertEquals("/etc/jntpd/ca.pem", c.servers().get(0).ntsCa());
        assertEquals("2001:db8::1", c.servers().get(1).host());
        assertEquals(4461, c.servers().get(1).ntsPort());
        ConfigException e = assertThrows(ConfigException.class, () -> parse("server localhost:14460 iburst\n"));
        assertEquals(List.of("test.conf:1: HOST:PORT (NTPsec's form for the NTS-KE port) needs 'nts'"), e.errors());
    }

    @Test
    void shouldEnableTheNtsServerInEitherDialectOnlyWithCertificateAndKey() throws ConfigException {
        Config chrony = parse("ntsservercert /etc/c.pem\nntsserverkey /etc/k.pem\nntsport 14460\nntsrotate 0\n");
        assertTrue(chrony.nts().enable());
        assertEquals("/etc/c.pem", chrony.nts().certFile().path());
        assertEquals(new Location("test.conf", 2), chrony.nts().keyFile().location());
        assertEquals(14460, chrony.nts().kePort());
        assertEquals(0, chrony.nts().rotateS());
        Config ntpsec = parse("nts enable\nnts cert /etc/c.pem\nnts key /etc/k.pem\nnts cookie /var/lib/k\n");
        assertTrue(ntpsec.nts().enable());
        assertEquals("/var/lib/k", ntpsec.nts().cookieFile().path());
        assertFalse(parse("nts disable\nnts cert /etc/c.pem\nnts key /etc/k.pem\n").nts().enable());
        assertFalse(parse("ntstrustedcerts /etc/ca.pem\n").nts().enable(), "a client's settings start no server");
        ConfigException e = assertThrows(ConfigException.class, () -> parse("ntsservercert /etc/c.pem\n"));
        assertEquals(List.of("test.conf:1: the NTS server needs both a certificate and its private key (ntsserverkey or "
                + "'nts key' is missing)"), e.errors());
    }

    @Test
    void shouldTrustOnlyTrustedKeysOfAnNtpsecKeyFile() throws ConfigException {
        Config c = parse("keys /etc/ntp.keys\ntrustedkey 1 3\nserver 192.0.2.1 key 3\n");
        assertTrue(c.auth().trusts(1) && c.auth().trusts(3) && !c.auth().trusts(2));
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse("keys /etc/ntp.keys\ntrustedkey 1\nserver 192.0.2.1 key 2\n"));
        assertEquals(List.of("test.conf:3: server 192.0.2.1 key 2: the key is not trusted (add it to a 'trustedkey' line)"),
                e.errors());
    }

    @Test
    void shouldRaiseMaxpollWhenOnlyMinpollExceedsIt() throws ConfigException {
        ServerSpec s = parse("server 192.0.2.1 minpoll 12").servers().get(0);
        assertEquals(12, s.minPollLog2());
        assertEquals(12, s.maxPollLog2());
        assertEquals(List.of("test.conf:1: maxpoll 4 is below minpoll 6"), errorsOf("server 192.0.2.1 minpoll 6 maxpoll 4"));
    }

    @Test
    void shouldNameFileLineAndWhatWasExpected() {
        List<String> errors = errorsOf("""
                server 192.0.2.1 iburst
                servr 192.0.2.2
                server 192.0.2.3 minpoll fast
                tinker step -1
                restrict 10.0.0.0/33
                server 192.0.2.4 wobble
                """);
        assertEquals(5, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith("test.conf:2: unknown directive 'servr'"), errors.get(0));
        assertEquals("test.conf:3: minpoll: expected log2 seconds from -6 to 17, got 'fast'", errors.get(1));
        assertEquals("test.conf:4: step: expected seconds from 0.0 to 1000000.0, got '-1'", errors.get(2));
        assertEquals("test.conf:5: prefix length /33 is longer than the address (32 bits)", errors.get(3));
        assertTrue(errors.get(4).startsWith("test.conf:6: unknown option 'wobble' for server (expected iburst"), errors.get(4));
    }

    @Test
    void shouldRejectTrailingArgumentsAndBadHosts() {
        assertEquals(List.of("test.conf:1: unexpected 'extra' (expected the end of the line)"), errorsOf("driftfile /a extra"));
        assertEquals(List.of("test.conf:1: expected a host name or address, got 'bad host!'"), errorsOf("server \"bad host!\""));
        assertEquals(List.of("test.conf:1: expected an IP address, got '[2001:db8::zz]'"), errorsOf("server [2001:db8::zz]"));
        assertEquals(List.of("test.conf:1: expected a host name or address after 'server' at the end of the line"),
                errorsOf("server"));
    }

    @Test
    void shouldMaskRestrictAddressesAndAcceptMaskOrPrefix() throws ConfigException {
        Config c = parse("""
                restrict -4 default ignore
                restrict 192.168.7.9 mask 255.255.255.0 nomodify noquery
                restrict 2001:db8:1::/48 limited kod
                unrestrict 192.168.7.0/24 noquery
                """);
        assertEquals(4, c.restrictions().size());
        assertEquals(Set.of(RestrictFlag.IGNORE), c.restrictions().get(0).flags());
        RestrictRule lan = c.restrictions().get(1);
        assertArrayEquals(new byte[] {(byte) 192, (byte) 168, 7, 0}, lan.address());
        assertEquals(24, lan.prefixLen());
        assertEquals(48, c.restrictions().get(2).prefixLen());
        assertTrue(c.restrictions().get(3).remove());
        assertEquals(List.of("test.conf:1: mask 255.0.255.0 is not contiguous (expected leading ones, then zeros)"),
                errorsOf("restrict 10.1.2.3 mask 255.0.255.0"));
        assertEquals(List.of("test.conf:1: restrict: expected an IPv4 or IPv6 address literal, got 'example.org' "
                + "(host names are not resolved in access rules)"), errorsOf("restrict example.org"));
    }

    @Test
    void shouldParseRefclocksInNtpsecAndChronySyntax() throws ConfigException {
        Config c = parse("""
                refclock shm unit 0 refid GPS time1 0.1 flag1 1 minpoll 4
                refclock PPS /dev/pps1 lock GPS refid PPS prefer width 0.1 filter 5
                refclock SOCK /run/chrony.ttyS0.sock refid GPSD offset -0.05
                refclock pps unit 2
                refclock phc /dev/ptp0 poll 0 precision 1e-9 delay 1e-6
                """);
        RefclockSpec shm = c.refclocks().get(0);
        assertEquals("shm", shm.driver());
        assertEquals("GPS", shm.refId());
        assertEquals(100_000_000L, shm.offsetNs());
        assertTrue(shm.flag(1));
        assertFalse(shm.flag(2));
        assertEquals(4, shm.pollLog2());
        RefclockSpec pps = c.refclocks().get(1);
        assertEquals("/dev/pps1", pps.path());
        assertEquals("GPS", pps.lockRefId());
        assertEquals(100_000_000L, pps.widthNs());
        assertEquals(5, pps.filterSamples());
        assertTrue(pps.prefer());
        assertEquals(-50_000_000L, c.refclocks().get(2).offsetNs());
        assertEquals("/dev/pps2", c.refclocks().get(3).path(), "the unit names the PPS device");
        RefclockSpec phc = c.refclocks().get(4);
        assertEquals(1, phc.precisionNs());
        assertEquals(1000, phc.delayNs());
        assertEquals(0, phc.pollLog2());
        assertEquals(List.of("test.conf:1: unknown reference clock driver 'wwvb' (expected shm, sock, pps, nmea, phc, gpsd or local)"),
                errorsOf("refclock wwvb"));
        assertEquals(List.of("test.conf:1: refid: expected 1-4 printable ASCII characters, got 'TOOLONG'"),
                errorsOf("refclock shm refid TOOLONG"));
    }

    @Test
    void shouldLearnTheNmeaDelayWithTime2AutoAndKeepAGivenNumber() throws ConfigException {
        Config c = parse("""
                driftfile /var/lib/jntpd/drift
                refclock nmea unit 1 ppspath /dev/pps1 time2 auto
                refclock nmea /dev/ttyS0 ppspath /dev/pps0 time2 AUTO offsetfile /tmp/gps.offset
                refclock nmea unit 2 time2 0.25
                server 127.127.20.3
                fudge 127.127.20.3 time2 auto
                fudge 127.127.20.3 time2 -0.6
                """);
        RefclockSpec auto = c.refclocks().get(0);
        assertTrue(auto.time2Auto());
        assertEquals(0, auto.time2Ns());
        assertEquals("/var/lib/jntpd/nmea1.offset", auto.offsetFile(), "beside the drift file");
        assertEquals("/tmp/gps.offset", c.refclocks().get(1).offsetFile());
        RefclockSpec given = c.refclocks().get(2);
        assertFalse(given.time2Auto());
        assertEquals(250_000_000L, given.time2Ns());
        assertEquals(null, given.offsetFile());
        RefclockSpec fudged = c.refclocks().get(3);
        assertFalse(fudged.time2Auto(), "the last word wins: a number");
        assertEquals(-600_000_000L, fudged.time2Ns());
        assertEquals(null, parse("refclock nmea time2 auto ppspath /dev/pps0").refclocks().get(0).offsetFile(),
                "no drift file, no offset file named: learnt each run, not saved");
        assertEquals(List.of("test.conf:1: time2: expected seconds from -1000.0 to 1000.0, got 'often'"),
                errorsOf("refclock nmea time2 often"));
    }

    @Test
    void shouldMapLegacyRefclockAddressesAndFudge() throws ConfigException {
        Config c = parse("""
                server 127.127.28.1 minpoll 4 prefer
                fudge 127.127.28.1 time1 0.420 refid GPS stratum 1 flag4 1
                server 127.127.22.0
                """);
        RefclockSpec shm = c.refclocks().get(0);
        assertEquals("shm", shm.driver());
        assertEquals(1, shm.unit());
        assertEquals(420_000_000L, shm.offsetNs());
        assertEquals("GPS", shm.refId());
        assertEquals(1, shm.stratum());
        assertTrue(shm.flag(4) && shm.prefer());
        assertEquals("pps", c.refclocks().get(1).driver());
        assertTrue(c.servers().isEmpty());
        assertEquals(List.of("test.conf:1: fudge 127.127.28.0 comes before (or without) its 'server 127.127.28.0' line"),
                errorsOf("fudge 127.127.28.0 time1 1"));
    }

    @Test
    void shouldParseChronyStyleExtensions() throws ConfigException {
        Config c = parse("""
                port 11123
                bindaddress 127.0.0.1
                bindaddress ::1
                local stratum 3 orphan
                ratelimit interval 1 burst 16 leak 3
                cpu 0,1
                workeridle busypoll
                makestep 0.5 3
                maxslewrate 500
                clockcontrol no
                rtcfile /var/lib/jntpd/rtc
                rtcautotrim 30
                """);
        assertEquals(11123, c.serving().port());
        assertEquals(List.of("127.0.0.1", "0:0:0:0:0:0:0:1"), c.serving().bindAddresses());
        assertEquals(3, c.serving().localStratum());
        assertTrue(c.serving().localOrphan());
        assertEquals(new Config.RateLimit(1, 16, 3, true), c.serving().rateLimit());
        assertEquals(List.of(0, 1), c.serving().cpus());
        assertEquals(Config.Serving.Idle.BUSY_POLL, c.serving().idle());
        assertEquals(500_000_000L, c.tinker().stepBackNs());
        assertEquals(3, c.tinker().stepLimit());
        assertEquals(500.0, c.tinker().maxSlewPpm());
        assertFalse(c.clockControl());
        assertEquals(30_000_000_000L, c.rtc().autotrimNs());
    }

    @Test
    void shouldNameAcceptedButUnhonouredLines() throws ConfigException {
        Config c = parse("""
                logconfig =syncall +clockall
                tinker allan 12 step 0.2
                enable calibrate
                statistics loopstats peerstats
                filegen peerstats file peers type week nolink disable
                """);
        assertEquals(3, c.notices().size(), c.notices().toString());
        assertTrue(c.notices().get(0).startsWith("test.conf:1: 'logconfig' is accepted but not honoured"));
        assertEquals(200_000_000L, c.tinker().stepFwdNs());
        assertEquals(Set.of("loopstats"), c.stats().enabled());
        assertEquals("week", c.stats().filegens().get(0).type());
    }

    @Test
    void shouldIncludeFilesRelativeToTheIncludingFile(@TempDir Path dir) throws IOException, ConfigException {
        Files.createDirectories(dir.resolve("conf.d"));
        Files.writeString(dir.resolve("main.conf"), "includefile conf.d/servers.conf\ndriftfile /d\n");
        Files.writeString(dir.resolve("conf.d/servers.conf"), "server 192.0.2.10\nbogus line\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse(dir.resolve("main.conf")));
        assertEquals(1, e.errors().size());
        assertTrue(e.errors().get(0).startsWith(dir.resolve("conf.d/servers.conf") + ":2: unknown directive 'bogus'"),
                e.errors().get(0));
        Files.writeString(dir.resolve("conf.d/servers.conf"), "server 192.0.2.10\n");
        Config c = ConfigParser.parse(dir.resolve("main.conf"));
        assertEquals("192.0.2.10", c.servers().get(0).host());
        assertEquals("/d", c.files().driftFile());
    }

    @Test
    void shouldRefuseIncludeLoops(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.conf"), "includefile a.conf\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse(dir.resolve("a.conf")));
        assertTrue(e.errors().get(0).endsWith("includefile nested deeper than 5 levels"), e.errors().get(0));
    }

    @Test
    void shouldParseTrustedKeyRangesAndTos() throws ConfigException {
        Config c = parse("keys /etc/ntp.keys\ntrustedkey 1 ( 5 ... 7 ) 10\ncontrolkey 5\ntos orphan 8 maxdist 3 minsane 2\n");
        assertEquals(Set.of(1, 5, 6, 7, 10), c.auth().trustedKeys());
        assertEquals(5, c.auth().controlKey());
        assertEquals(8, c.tos().orphanStratum());
        assertEquals(3_000_000_000L, c.tos().maxDistNs());
        assertEquals(2, c.tos().minSane());
        assertNull(c.files().driftFile());
    }

    @Test
    void shouldTokenizeCommentsAndQuotes() {
        assertEquals(List.of("logfile", "/var/log/my file.log"),
                ConfigParser.tokenize("logfile \"/var/log/my file.log\" # comment", Location.BUILT_IN));
        assertEquals(List.of("server", "a"), ConfigParser.tokenize("  server\ta#b", Location.BUILT_IN));
        assertEquals(List.of(), ConfigParser.tokenize("# only a comment", Location.BUILT_IN));
    }

    @Test
    void shouldRefuseLimitsTheDaemonCannotStartWith() {
        // Each was accepted and then crashed the start with a stack trace (SyncConfig, RateLimiter).
        assertEquals(List.of("test.conf:1: maxslewrate: expected a rate in ppm above 0.0 up to 1000000.0, got '0'"),
                errorsOf("maxslewrate 0"));
        assertEquals(List.of("test.conf:1: average: expected packets per second from 2.5E-4 to 500000.0, got '1000000'"),
                errorsOf("limit average 1000000"));
        assertEquals(List.of("test.conf:1: average: expected packets per second from 2.5E-4 to 500000.0, got '0.0001'"),
                errorsOf("limit average 0.0001"));
    }

    @Test
    void shouldMapLimitAverageOntoTheLimitersWholeRange() throws ConfigException {
        assertEquals(12, parse("limit average 0.00025").serving().rateLimit().intervalLog2());
        assertEquals(-19, parse("limit average 500000").serving().rateLimit().intervalLog2());
        assertEquals(3, parse("limit average 0.125").serving().rateLimit().intervalLog2());
    }

    @Test
    void shouldNameEveryWordThatIsParsedButNotActedOn() throws ConfigException {
        // Before, these were parsed into Config and never read, and --check-config said "0 not honoured".
        Config c = parse("""
                tos ceiling 10 floor 2 mindist 0.01
                tinker huffpuff 7200
                trustedkey 1 2
                controlkey 1
                enable auth monitor
                local stratum 5 orphan
                refclock shm unit 0 maxpoll 6 subtype 1 trust
                statistics loopstats rawstats
                ntsport 4461
                rtcautotrim 30
                tinker stepback 1 stepfwd 2
                """);
        assertEquals(List.of(
                "test.conf:1: 'tos ceiling', 'tos floor', 'tos mindist' are accepted but not honoured by jntpd",
                "test.conf:2: 'tinker huffpuff' is accepted but not honoured by jntpd",
                "test.conf:4: 'controlkey' is accepted but not honoured by jntpd: its mode 6 responder answers read "
                        + "requests only, which need no key",
                "test.conf:5: 'enable monitor' is accepted but not honoured by jntpd: the rate limiter keeps its own table",
                "test.conf:6: 'local orphan' is accepted but not honoured by jntpd",
                "test.conf:7: 'refclock maxpoll', 'refclock subtype', 'refclock trust' are accepted but not honoured by "
                        + "jntpd: a reference clock polls at one rate (minpoll)",
                "test.conf:8: 'statistics rawstats' is accepted but not honoured by jntpd: only loopstats, peerstats, "
                        + "clockstats are written",
                "test.conf:10: 'rtcautotrim' is accepted but not honoured by jntpd: it needs an rtcfile (the RTC's offset "
                        + "is known only while it is tracked)",
                "test.conf:11: 'tinker stepback', 'tinker stepfwd' are accepted but not honoured as given: jntpd steps "
                        + "beyond the larger threshold (2.0 s) both ways"), c.notices());
        assertEquals(List.of(), parse("tos minsane 2 maxclock 8\ntinker step 0.5 stepout 60\nstatistics loopstats\n"
                + "refclock pps /dev/pps0 flag2 1 poll 4\n").notices());
    }

    @Test
    void shouldRefuseWhatTheStartWouldRefuse() {
        // Accepted by --check-config before, and then the start failed.
        assertEquals(List.of("test.conf:2: rtcfile (test.conf:1) cannot be used with rtcsync (test.conf:2): rtcsync leaves "
                + "the RTC to the kernel's 11-minute mode, rtcfile tracks it (chrony refuses the pair too); keep one"),
                errorsOf("rtcfile /var/lib/jntpd/rtc\nrtcsync\n"));
        assertEquals(List.of("test.conf:1: refclock gpsd (NTPsec's GPSD JSON driver) is not supported: use gpsd's shared "
                + "memory ('refclock shm 0') or its chrony socket ('refclock sock /run/chrony.DEVICE.sock')"),
                errorsOf("server 127.127.46.0"));
    }

    @Test
    void shouldLeaveOutCpusTheProcessMayNotRunOnAndSaySo() throws ConfigException {
        ConfigParser.Machine twoCpus = new ConfigParser.Machine(Set.of(0, 1));
        Config c = ConfigParser.parse("test.conf", "cpu 0,1\ncpu 5\n", null, twoCpus);
        assertEquals(List.of(0, 1), c.serving().cpus());
        assertEquals(List.of("test.conf:2: cpu 5 is not one this process may run on (it may use 0-1): no worker is "
                + "pinned there"), c.warnings());
        Config none = ConfigParser.parse("test.conf", "cpu 2,3\n", null, new ConfigParser.Machine(Set.of(0, 4, 5, 6)));
        assertEquals(List.of(), none.serving().cpus());
        assertEquals(List.of("test.conf:1: cpu 2 is not one this process may run on (it may use 0,4-6): no worker is "
                        + "pinned there",
                "test.conf:1: cpu 3 is not one this process may run on (it may use 0,4-6): no worker is pinned there; "
                        + "one unpinned worker serves"), none.warnings());
        assertEquals(List.of(2, 3), parse("cpu 2,3").serving().cpus(), "unchecked when the machine is not known");
    }

    @Test
    void shouldReportADuplicatedSourceWithBothLinesAndKeepOnlyTheFirst() throws ConfigException {
        // Before, the copy became a second association on the same address and port that never got a reply.
        Config c = parse("""
                server 192.0.2.1 iburst
                pool pool.ntp.org
                server 192.0.2.1 prefer
                pool Pool.NTP.org.
                peer [2001:db8:0::1]
                server 2001:db8::1
                server 192.0.2.1 port 124
                server -4 a.example
                server -6 a.example
                """);
        assertEquals(List.of("192.0.2.1", "pool.ntp.org", "2001:db8:0::1", "192.0.2.1", "a.example", "a.example"),
                c.servers().stream().map(ServerSpec::host).toList());
        assertTrue(c.servers().getFirst().iburst() && !c.servers().getFirst().prefer());
        assertEquals(List.of(
                "test.conf:3: server 192.0.2.1 duplicates the server line at test.conf:1: this line is ignored",
                "test.conf:4: pool Pool.NTP.org. duplicates the pool line at test.conf:2: this line is ignored",
                "test.conf:6: server 2001:db8::1 duplicates the peer line at test.conf:5: this line is ignored"),
                c.warnings());
    }

    /**
     * Found by ConfigParserFuzzTest (crash-d324b82b...): chrony's "refclock PPS 44444444444444444444" (the unit as a
     * parameter) threw NumberFormatException out of the parser, so the daemon died of its configuration file instead
     * of naming the line. The range is NTPsec's "unit N".
     */
    @Test
    void shouldRefuseARefclockUnitTooLargeWithItsLineInsteadOfANumberFormatException() {
        assertEquals(List.of("test.conf:2: refclock pps: expected a unit number from 0 to 255, got '44444444444444444444'",
                        "test.conf:3: refclock SHM: expected a unit number from 0 to 255, got '256'"),
                errorsOf("server 127.0.0.1\nrefclock pps 44444444444444444444 kernel\nrefclock SHM 256\n"));
    }
    @Test
    void shouldSizeTheClientLogAsChronysClientloglimitAndNtpdsMruSay() throws Exception {
        Config.ClientLog dflt = parse("").serving().clientLog();
        assertEquals(524_288, dflt.limitBytes(), "chrony's default");
        assertEquals(12, dflt.entriesLog2(), "4096 clients and replies at 88 bytes a client");
        assertEquals(Location.BUILT_IN, dflt.location());
        Config.ClientLog c = parse("port 123\nclientloglimit 1048576\n").serving().clientLog();
        assertEquals(13, c.entriesLog2(), "1 MiB / 88 = 11915: 8192");
        assertEquals(new Location("test.conf", 2), c.location());
        assertEquals(4, parse("clientloglimit 1408\n").serving().clientLog().entriesLog2(), "16 x 88: the least");
        assertEquals(18, parse("clientloglimit 33554432\n").serving().clientLog().entriesLog2(), "32 MiB, the most");
        // ntpd's mru: maxmem in kilobytes is the same limit; maxdepth counts entries (down to a power of two).
        assertEquals(13, parse("mru maxmem 1024\n").serving().clientLog().entriesLog2());
        assertEquals(1_048_576, parse("mru maxmem 1024\n").serving().clientLog().limitBytes());
        assertEquals(6, parse("mru maxdepth 100\n").serving().clientLog().entriesLog2());
        assertEquals(4, parse("mru maxdepth 1\n").serving().clientLog().entriesLog2(), "never fewer than 16");
        // The last size given wins, as in ntpd, across both spellings.
        assertEquals(12, parse("mru maxdepth 100 maxmem 512\n").serving().clientLog().entriesLog2());
        Config last = parse("clientloglimit 1048576\nmru maxdepth 20000 mindepth 600\n");
        assertEquals(14, last.serving().clientLog().entriesLog2());
        assertEquals(new Location("test.conf", 2), last.serving().clientLog().location());
        assertEquals(List.of("test.conf:2: 'mru mindepth' is accepted but not honoured by jntpd: jntpd's client table is "
                + "allocated whole at start (clientloglimit, maxmem or maxdepth size it) and a newcomer takes the slot "
                + "idle the longest"), last.notices());
        // An mru line that sizes nothing leaves the limit (and its location) as it was.
        Config kept = parse("clientloglimit 1048576\nmru maxage 64\n");
        assertEquals(13, kept.serving().clientLog().entriesLog2());
        assertEquals(new Location("test.conf", 1), kept.serving().clientLog().location());
        assertEquals(List.of(), parse("clientloglimit 1048576\nmru maxmem 64\n").notices());
    }

    @Test
    void shouldRefuseClientLogLimitsOutOfRangeNamingTheLine() {
        assertEquals(List.of("test.conf:1: clientloglimit: expected bytes from 1408 to 33554432, got '1407'"),
                errorsOf("clientloglimit 1407\n"));
        assertEquals(List.of("test.conf:2: clientloglimit: expected bytes from 1408 to 33554432, got '33554433'"),
                errorsOf("port 123\nclientloglimit 33554433\n"));
        assertEquals(List.of("test.conf:1: clientloglimit: expected bytes from 1408 to 33554432, got '512k'"),
                errorsOf("clientloglimit 512k\n"));
        assertEquals(List.of("test.conf:1: clientloglimit: expected bytes from 1408 to 33554432, got '-1'"),
                errorsOf("clientloglimit -1\n"));
        assertTrue(errorsOf("clientloglimit\n").getFirst().startsWith("test.conf:1: expected bytes after 'clientloglimit'"),
                errorsOf("clientloglimit\n").toString());
        assertTrue(errorsOf("clientloglimit 1048576 2\n").getFirst().startsWith("test.conf:1: "),
                errorsOf("clientloglimit 1048576 2\n").toString());
        assertEquals(List.of("test.conf:1: maxmem: expected kilobytes from 2 to 32768, got '1'"),
                errorsOf("mru maxmem 1\n"));
        assertEquals(List.of("test.conf:1: maxdepth: expected a number of entries from 1 to 262144, got '0'"),
                errorsOf("mru maxdepth 0\n"));
        assertTrue(errorsOf("mru\n").getFirst().startsWith("test.conf:1: expected at least one of maxmem N, maxdepth N"),
                errorsOf("mru\n").toString());
        assertTrue(errorsOf("mru frob 1\n").getFirst().startsWith("test.conf:1: unknown option 'frob' for mru"),
                errorsOf("mru frob 1\n").toString());
    }

    @Test
    void shouldShareTheClientsAmongWorkersAsPowersOfTwo() {
        Config.ClientLog c = Config.ClientLog.DEFAULT; // 4096
        assertEquals(12, c.rateEntriesLog2PerWorker(1));
        assertEquals(11, c.rateEntriesLog2PerWorker(2));
        assertEquals(10, c.rateEntriesLog2PerWorker(3));
        assertEquals(10, c.rateEntriesLog2PerWorker(4));
        assertEquals(9, c.rateEntriesLog2PerWorker(5));
        assertEquals(4, c.rateEntriesLog2PerWorker(1024), "never fewer than 16");
    }
}
