package org.jntpd.cli;

/** Entry point of the control and query tool (bin/jntpc). */
public final class Jntpc {
    private Jntpc() {}

    public static void main(String[] args) {
        System.err.println("jntpc: not yet runnable");
        System.exit(1);
    }
}
