package org.jntpd.refclock.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.jntpd.config.ConfigException;
import org.jntpd.config.ConfigParser;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.refclock.SystemReference;
import org.junit.jupiter.api.Test;

/** Building the runners from {@code refclock} lines: problems by file:line, default devices, lock groups. */
class RefclockRunnersTest {
    private static RefclockRunners create(String conf) throws ConfigException {
        return RefclockRunners.create(ConfigParser.parse("test.conf", conf, Path.of(".")).refclocks(), 1,
                () -> Libc.clockGettimeNs(Clocks.CLOCK_REALTIME), SystemReference.UNSYNCHRONISED, (r, s) -> { });
    }

    @Test
    void shouldNameFileAndLineOfEveryProblem() {
        ConfigException e = assertThrows(ConfigException.class, () -> create("""
                refclock shm 0 refid GPS
                refclock gpsd unit 0
                refclock pps /dev/pps0 lock NMEA refid PPS
                refclock sock /run/%s.sock
                """.formatted("x".repeat(110))));
        List<String> errors = e.errors();
        assertEquals(3, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith("test.conf:2: refclock gpsd (NTPsec's GPSD JSON driver) is not supported"),
                errors.get(0));
        assertTrue(errors.get(1).startsWith("test.conf:4: refclock sock: the socket path is longer than 107 bytes"),
                errors.get(1));
        assertEquals("test.conf:3: refclock PPS: 'lock NMEA' names no other configured reference clock "
                + "(expected one of GPS)", errors.get(2));
    }

    @Test
    void shouldBuildTheShippedStratumOneExampleWithItsPpsLockedToTheShmClock() throws Exception {
        Path example = Path.of(System.getProperty("jntpd.projectDir", ".")).resolve("docs/examples/stratum1.conf");
        try (RefclockRunners rs = RefclockRunners.create(ConfigParser.parse(example).refclocks(), 1,
                () -> Libc.clockGettimeNs(Clocks.CLOCK_REALTIME), SystemReference.UNSYNCHRONISED, (r, s) -> { })) {
            List<RefclockRunner> runners = rs.runners();
            assertEquals(List.of("GPS", "PPS"), runners.stream().map(RefclockRunner::refId).toList());
            assertEquals("SHM unit 0", runners.get(0).device());
            assertEquals("/dev/pps0", runners.get(1).device());
            assertSame(runners.get(0).monitor(), runners.get(1).monitor(), "a locked PPS shares its coarse clock's monitor");
            assertEquals(120_000_000, runners.get(0).settings().offsetNs(), "time1");
            assertTrue(runners.get(1).location().endsWith("stratum1.conf:3"), runners.get(1).location());
        }
    }

    @Test
    void shouldGiveDefaultDevicesAndSkipTheLocalClock() throws Exception {
        try (RefclockRunners rs = create("""
                refclock phc unit 1
                refclock nmea unit 2
                refclock local
                refclock shm 3 mode 1
                """)) {
            List<RefclockRunner> runners = rs.runners();
            assertEquals(List.of("/dev/ptp1", "/dev/gps2", "SHM unit 3"),
                    runners.stream().map(RefclockRunner::device).toList());
            assertEquals(List.of("PHC0", "GPS1", "SHM2"), runners.stream().map(RefclockRunner::refId).toList(),
                    "chrony's default refids, numbered among the device clocks");
            assertNotSame(runners.get(0).monitor(), runners.get(1).monitor(), "independent clocks lock independently");
            assertEquals(0, runners.get(0).counters().samples());
            assertTrue(!runners.get(0).running(), "threads start with start()");
        }
    }

    @Test
    void shouldRefuseTime2AutoOutsideNmeaAndAnOffsetFileWithoutIt() {
        ConfigException e = assertThrows(ConfigException.class, () -> create("""
                refclock shm 0 time2 auto
                refclock nmea unit 1 offsetfile /tmp/x.offset
                refclock nmea unit 2 ppspath /dev/pps2 time2 auto offsetfile /tmp/y.offset
                """));
        assertEquals(List.of("test.conf:1: refclock shm: 'time2 auto' learns an NMEA sentence delay (refclock nmea only)",
                "test.conf:2: refclock nmea: 'offsetfile' saves a learnt delay: it needs 'time2 auto'"), e.errors());
    }

    @Test
    void shouldKeepNtpdsPermissionsOfSharedMemory() {
        assertEquals(0600, ShmSegment.permissionsFor(0, 0));
        assertEquals(0600, ShmSegment.permissionsFor(1, 0));
        assertEquals(0666, ShmSegment.permissionsFor(2, 0));
        assertEquals(0600, ShmSegment.permissionsFor(2, 1), "mode bit 0 keeps a unit above 1 private");
    }
}
