package org.jntpd.daemon;

/**
 * SIGHUP for the daemon (reopen the log after logrotate, as ntpd and chronyd do). SIGTERM and SIGINT need nothing here:
 * they run the JVM's shutdown hooks, which stop the daemon cleanly. Uses the JDK's {@code sun.misc.Signal}
 * (jdk.unsupported), the one way a Java program can catch a signal without native code.
 */
final class Signals {
    private Signals() {}

    @SuppressWarnings("removal")
    static void onHangup(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> action.run());
        } catch (IllegalArgumentException e) {
            Log.warn("cannot catch SIGHUP (" + e.getMessage() + "); send SIGTERM and restart to reopen logs");
        }
    }
}
