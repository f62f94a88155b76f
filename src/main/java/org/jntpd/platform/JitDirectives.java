package org.jntpd.platform;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.ObjectName;

/**
 * Makes errno-capturing downcalls allocation-free however the JIT's profiles turn out.
 *
 * <p>Each call of a handle linked with {@code captureCallState} slices the capture segment
 * ({@code SharedUtils.checkCaptureSegment}: a new 40-byte segment object) and hands the slice to
 * {@code SharedUtils.checkNative}. C2 removes that allocation only when it inlines checkNative (38 bytes, above
 * the 35-byte limit for call sites it does not consider hot). Inlined deep into a caller whose profile of the
 * wrapper was still young, the call site looks cold, and every call allocates 40 bytes for the life of that code:
 * measured here, UdpSocket.send allocated 40 B per call in every run, the receive paths none. With only
 * checkNative forced inline, one test run in three still allocated on every call for good (most likely the
 * inlining depth limit in a loop that had inlined everything down to the downcall).
 *
 * <p>The cure is a compiler directive for code compiled from org.jntpd classes: always inline checkNative, and
 * never inline the wrappers of the per-packet calls (recvmmsg, sendmmsg, recvmsg, sendmsg, poll, epoll_wait), so
 * each is compiled on its own, shallow enough for the inlining to hold; one more call per system call costs about
 * a nanosecond. It is installed through the DiagnosticCommand MBean (the runtime form of
 * {@code jcmd PID Compiler.directives_add}), once, before the packet path warms up: {@link #ensureInstalled()} runs
 * when the socket and poller classes initialise. It costs about 0.3 s (the platform MBean server starts).
 * Set {@value #PROP_NAME}=false to skip it.
 */
public final class JitDirectives {
    /** System property: "false" skips the directive. */
    public static final String PROP_NAME = "jntpd.jit.directives";
    /** The directive installed, in the JSON dialect of -XX:CompilerDirectivesFile. */
    public static final String DIRECTIVE = "[{ match: \"org/jntpd/*.*\", inline: ["
            + "\"+jdk/internal/foreign/abi/SharedUtils.checkNative\", "
            + "\"-org/jntpd/platform/Libc.recvmmsg\", \"-org/jntpd/platform/Libc.sendmmsg\", "
            + "\"-org/jntpd/platform/Libc.recvmsg\", \"-org/jntpd/platform/Libc.sendmsg\", "
            + "\"-org/jntpd/platform/Libc.poll\", \"-org/jntpd/platform/Libc.epollWait\"] }]";

    private static volatile String outcome;

    private JitDirectives() {
    }

    /** Installs the directive unless done or disabled; returns whether it is in place. Never throws. */
    public static synchronized boolean ensureInstalled() {
        if (outcome == null) {
            outcome = install();
        }
        return outcome.startsWith("installed");
    }

    /** What happened: "installed", "disabled ...", "failed: ..." or null before {@link #ensureInstalled()}. */
    public static String outcome() {
        return outcome;
    }

    private static String install() {
        if ("false".equalsIgnoreCase(System.getProperty(PROP_NAME))) {
            return "disabled by -D" + PROP_NAME + "=false";
        }
        try {
            Path file = Files.createTempFile("jntpd-jit-", ".json");
            try {
                Files.writeString(file, DIRECTIVE);
                Object reply = ManagementFactory.getPlatformMBeanServer().invoke(
                        new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                        new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
                String text = String.valueOf(reply).trim();
                return text.startsWith("1 compiler directives added") ? "installed" : "failed: " + text;
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (Exception | LinkageError e) {
            return "failed: " + e;
        }
    }
}
