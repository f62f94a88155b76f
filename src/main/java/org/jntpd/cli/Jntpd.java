package org.jntpd.cli;

/** Entry point of the daemon (bin/jntpd). */
public final class Jntpd {
    private Jntpd() {}

    public static void main(String[] args) {
        System.err.println("jntpd: not yet runnable");
        System.exit(1);
    }
}
