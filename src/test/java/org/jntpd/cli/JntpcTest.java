package org.jntpd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class JntpcTest {
    @Test
    void shouldDispatchPerfAndRefuseUnknownCommands() {
        assertEquals(0, Jntpc.run(new String[] {"--help"}));
        assertEquals(2, Jntpc.run(new String[] {}));
        assertEquals(2, Jntpc.run(new String[] {"frobnicate"}));
        assertEquals(0, Jntpc.run(new String[] {"perf", "--help"}));
        assertEquals(2, Jntpc.run(new String[] {"perf", "--rate", "many", "127.0.0.1"}));
        assertEquals(1, Jntpc.run(new String[] {"perf", "192.0.2.1"})); // not loopback: refused before any packet
    }
}
