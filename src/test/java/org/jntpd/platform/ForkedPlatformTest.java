package org.jntpd.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Platform behaviour that needs a fresh JVM: the symbol lookup shim, refused native access, mlockall, setuid. */
class ForkedPlatformTest {
    private static final String ACCESS = Libc.NATIVE_ACCESS_FLAG;

    @Test
    void shouldLetAShimLibraryStandInForChosenLibcFunctions() throws Exception {
        NativeBuild.assumeGcc();
        Path shim = NativeBuild.compile("fixed_clock_shim.c", "libfixed_clock_shim.so", "-shared", "-fPIC", "-ldl");
        ForkedJvm.Result r = ForkedJvm.run(List.of(ACCESS, "-D" + Libc.SHIM_PROP_NAME + "=" + shim),
                PlatformProbe.class, "clock");
        assertEquals(0, r.exitCode(), r::toString);
        Map<String, String> out = lines(r.stdout());
        assertEquals(shim.toString(), out.get("shim"));
        // 2036-02-07T06:28:16.123456789Z from the shim, through both clock_gettime bindings.
        assertEquals("2085978496123456789", out.get("realtime"));
        assertEquals("2085978496123456789", out.get("realtime_capturing"));
        // ioctl's request arrives as the unsigned long 0x80247009, so the shim recognises RTC_RD_TIME.
        assertEquals("0 2036-2-7T6:28:16", out.get("rtc_rd_time"));
        // Other clocks go on to libc: the monotonic clock is real and moves.
        String[] mono = r.stdout().lines().filter(l -> l.startsWith("monotonic ")).map(l -> l.substring(10))
                .toArray(String[]::new);
        assertTrue(Long.parseLong(mono[0]) > 0 && Long.parseLong(mono[1]) > Long.parseLong(mono[0]), r::toString);
    }

    @Test
    void shouldUseLibcItselfWithoutAShim() throws Exception {
        long before = System.currentTimeMillis();
        ForkedJvm.Result r = ForkedJvm.run(List.of(ACCESS), PlatformProbe.class, "clock");
        long after = System.currentTimeMillis();
        assertEquals(0, r.exitCode(), r::toString);
        Map<String, String> out = lines(r.stdout());
        assertEquals("null", out.get("shim"));
        long realtimeMs = Long.parseLong(out.get("realtime")) / 1_000_000;
        assertTrue(before <= realtimeMs && realtimeMs <= after, before + " <= " + realtimeMs + " <= " + after);
        assertEquals("-1 errno=" + Errno.EBADF, out.get("rtc_rd_time"));
    }

    @Test
    void shouldNameTheJvmFlagWhenNativeAccessIsRefused() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(List.of("--illegal-native-access=deny"), PlatformProbe.class, "native");
        assertEquals(3, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("start java with --enable-native-access=ALL-UNNAMED"), r::toString);
    }

    @Test
    void shouldLockMemoryOnFaultAndUnlockIt() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(List.of(ACCESS), PlatformProbe.class, "mlock");
        Assumptions.assumeFalse(r.stdout().contains("errno " + Errno.EPERM + " "), "mlockall not permitted here");
        assertEquals(0, r.exitCode(), r::toString);
        Map<String, String> out = lines(r.stdout());
        assertEquals("0 kB", out.get("before"));
        assertNotEquals("0 kB", out.get("locked"));
        assertTrue(Long.parseLong(out.get("locked").split(" ")[0]) > 1024, r::toString);
        assertEquals("0 kB", out.get("unlocked"));
    }

    /** As root: the drop leaves CAP_SYS_TIME and CAP_NET_BIND_SERVICE, only on the dropping thread and its children. */
    @Test
    void shouldDropToAnotherUserKeepingTheDaemonsCapabilities() throws Exception {
        Assumptions.assumeTrue(Libc.getuid() == 0, "dropping privileges needs root");
        Capabilities.Sets caps = Capabilities.current();
        long needed = Capabilities.mask(Sys.CAP_SETUID, Sys.CAP_SETGID, Sys.CAP_SYS_TIME, Sys.CAP_NET_BIND_SERVICE);
        Assumptions.assumeTrue((caps.effective() & needed) == needed,
                "root without CAP_SETUID, CAP_SETGID, CAP_SYS_TIME or CAP_NET_BIND_SERVICE");
        ForkedJvm.Result r = ForkedJvm.run(List.of(ACCESS), PlatformProbe.class, "drop", "65534", "65534");
        assertEquals(0, r.exitCode(), r::toString);
        Map<String, String> out = lines(r.stdout());
        String kept = String.format("%016x", Capabilities.mask(Sys.CAP_SYS_TIME, Sys.CAP_NET_BIND_SERVICE));
        for (String who : List.of("self", "after", "before")) {
            assertEquals("65534", out.get(who + "_uid"), who);
            assertEquals("65534", out.get(who + "_gid"), who);
            assertEquals("", out.get(who + "_groups"), who);
        }
        assertEquals(kept, out.get("self_capeff"));
        assertEquals(kept, out.get("self_capprm"));
        assertEquals(kept, out.get("after_capeff"), "a thread started after the drop inherits the kept capabilities");
        assertEquals("0000000000000000", out.get("before_capeff"), "threads from before the drop keep nothing");
        assertEquals("0000000000000000", out.get("before_capprm"));
        assertEquals("0", out.get("self_bind"), "CAP_NET_BIND_SERVICE binds a port below 1024");
        assertEquals("0", out.get("after_bind"));
        if (Integer.parseInt(java.nio.file.Files.readString(
                Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start")).trim()) > 600) {
            assertEquals(Integer.toString(Errno.EACCES), out.get("before_bind"));
        }
        assertEquals("-1 " + Errno.EPERM, out.get("setuid0"), "root cannot be regained");
    }

    private static Map<String, String> lines(String stdout) {
        Map<String, String> m = new HashMap<>();
        stdout.lines().forEach(l -> {
            int sp = l.indexOf(' ');
            m.putIfAbsent(sp < 0 ? l : l.substring(0, sp), sp < 0 ? "" : l.substring(sp + 1));
        });
        return m;
    }
}
