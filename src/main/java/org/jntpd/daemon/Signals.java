package org.jntpd.daemon;

import org.jntpd.base.Log;
import org.jntpd.platform.Libc;

/**
 * SIGHUP for the daemon (reopen the log after logrotate, as ntpd and chronyd do, and reload the configuration), and
 * SIGTERM/SIGINT as a clean exit: the JVM's own handler runs the shutdown hooks but exits with 128 + the signal (143),
 * which systemd and scripts read as a failure. Uses the JDK's {@code sun.misc.Signal} (jdk.unsupported), the one way a Java program can catch a
 * signal without native code.
 */
final class Signals {
    private static final int SIGHUP = 1;

    private Signals() {}

    @SuppressWarnings("removal")
    static void onHangup(Runnable action) {
        try {
            if (Libc.unignoreSignal(SIGHUP)) {
                Log.info("SIGHUP was ignored (started under nohup?); restored so that it reopens the log and reloads");
            }
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> action.run());
        } catch (IllegalArgumentException e) {
            Log.warn("cannot catch SIGHUP (" + e.getMessage() + "); use jntpc reload, and restart to reopen logs");
        }
    }

    /** SIGTERM and SIGINT: {@code System.exit(exitCode)}, which runs the shutdown hooks that stop the daemon. */
    @SuppressWarnings("removal")
    static void exitOnTerminate(int exitCode) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> System.exit(exitCode));
            } catch (IllegalArgumentException e) {
                Log.warn("cannot catch SIG" + name + " (" + e.getMessage() + "); it stops the daemon with exit code 143");
            }
        }
    }
}
