package org.jntpd.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The words of {@code rawpath xdp DEVICE [queues N ...] [zerocopy|copy] [floodlimit RATE BURST] [busypoll]}. */
class RawPathSettingsTest {
    @Test
    void shouldReadADeviceAloneAsEveryQueueInTheKernelsCopyModeWithoutAFloodFilter() {
        RawPathSettings s = RawPathSettings.parse(List.of("xdp", "eth0"));
        assertEquals("eth0", s.device());
        assertTrue(s.queues().isEmpty());
        assertEquals(XskSocket.CopyMode.AUTO, s.copyMode());
        assertEquals(0, s.floodRatePerS());
        assertEquals(0, s.floodIntervalNs());
        assertFalse(s.busyPoll());
        assertFalse(s.generic());
        assertEquals(RawPathSettings.RING_SIZE, s.ringSize());
    }

    @Test
    void shouldReadEveryOption() {
        RawPathSettings s = RawPathSettings.parse(List.of("xdp", "ens1f0", "queues", "0", "2", "3", "zerocopy",
                "floodlimit", "64", "256", "busypoll", "generic", "ring", "256"));
        assertEquals(List.of(0, 2, 3), s.queues());
        assertEquals(XskSocket.CopyMode.ZEROCOPY, s.copyMode());
        assertEquals(64, s.floodRatePerS());
        assertEquals(256, s.floodBurst());
        assertEquals(15_625_000L, s.floodIntervalNs());
        assertTrue(s.busyPoll());
        assertTrue(s.generic());
        assertEquals(256, s.ringSize());
        assertEquals(XskSocket.CopyMode.COPY, RawPathSettings.parse(List.of("xdp", "veth0", "copy")).copyMode());
    }

    @Test
    void shouldSayWhatWasExpected() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RawPathSettings.parse(List.of("dpdk", "eth0")))
                .getMessage().contains("expected 'xdp DEVICE"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RawPathSettings.parse(List.of("xdp")))
                .getMessage().contains("expected 'xdp DEVICE"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> RawPathSettings.parse(List.of("xdp", "eth0", "queues"))).getMessage().contains("at least one"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> RawPathSettings.parse(List.of("xdp", "eth0", "floodlimit", "10"))).getMessage()
                .contains("floodlimit RATE BURST"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> RawPathSettings.parse(List.of("xdp", "eth0", "turbo"))).getMessage()
                .contains("unknown option 'turbo'"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> RawPathSettings.parse(List.of("xdp", "eth0", "ring", "300"))).getMessage()
                .contains("ring N with N a power of two, 64..4096, got 300"));
    }
}
