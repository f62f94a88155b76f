package org.jntpd.xdp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code rawpath xdp DEVICE [queues N ...] [zerocopy|copy] [floodlimit RATE BURST] [busypoll] [generic]} asks for: serve
 * NTP on DEVICE through AF_XDP, on the listed RX queues (none listed: every RX queue the device has), in the given
 * copy mode (neither: the kernel's choice, zero copy when the driver can), with an optional per-source flood filter
 * in XDP (RATE requests per second on average, BURST back to back, per IPv4 address or IPv6 /64). {@code busypoll}:
 * the workers spin instead of sleeping in poll(2) (only with a core of their own: the NAPI thread must run too);
 * {@code generic}: generic (skb) XDP even where the driver has native XDP.
 *
 * @param floodRatePerS 0 = no flood filter
 */
public record RawPathSettings(String device, List<Integer> queues, XskSocket.CopyMode copyMode, int floodRatePerS,
        int floodBurst, boolean busyPoll, boolean generic, int ringSize) {
    /** The UMEM per queue: 4096 frames of 2 KiB (8 MiB); RX and TX rings of 2048 unless 'ring N'. */
    public static final int FRAME_COUNT = 4096;
    public static final int FRAME_BYTES = 2048;
    public static final int RING_SIZE = 2048;

    public RawPathSettings(String device, List<Integer> queues, XskSocket.CopyMode copyMode, int floodRatePerS,
            int floodBurst, boolean busyPoll, boolean generic) {
        this(device, queues, copyMode, floodRatePerS, floodBurst, busyPoll, generic, RING_SIZE);
    }

    public RawPathSettings {
        if (Integer.bitCount(ringSize) != 1 || ringSize < 64 || ringSize > FRAME_COUNT) {
            throw new IllegalArgumentException("rawpath xdp: ring N with N a power of two, 64.." + FRAME_COUNT
                    + ", got " + ringSize);
        }
        queues = List.copyOf(queues);
        if (device == null || device.isBlank()) {
            throw new IllegalArgumentException("rawpath xdp: a device name is required");
        }
        if (floodRatePerS < 0 || (floodRatePerS > 0 && floodBurst < 1)) {
            throw new IllegalArgumentException("rawpath xdp: floodlimit RATE BURST with RATE >= 1 and BURST >= 1");
        }
    }

    /**
     * Reads the words after {@code rawpath}: {@code xdp DEVICE [queues N ...] [zerocopy|copy] [floodlimit RATE BURST]
     * [busypoll] [generic] [ring N]}: N entries in the RX and TX rings (the requests a queue holds before the
     * kernel drops, as a socket's receive buffer does: 256 is what chronyd's default 208 KiB holds). Throws IllegalArgumentException with what was expected (the config parser adds file:line).
     */
    public static RawPathSettings parse(List<String> words) {
        if (words.size() < 2 || !words.get(0).equals("xdp")) {
            throw new IllegalArgumentException("rawpath: expected 'xdp DEVICE [queues N ...] [zerocopy|copy] "
                    + "[floodlimit RATE BURST] [busypoll]'");
        }
        String device = words.get(1);
        List<Integer> queues = new ArrayList<>();
        XskSocket.CopyMode mode = XskSocket.CopyMode.AUTO;
        int rate = 0;
        int burst = 0;
        boolean busy = false;
        boolean generic = false;
        int ring = RING_SIZE;
        for (int i = 2; i < words.size(); i++) {
            String w = words.get(i).toLowerCase(Locale.ROOT);
            switch (w) {
                case "queues" -> {
                    while (i + 1 < words.size() && words.get(i + 1).matches("\\d{1,4}")) {
                        queues.add(Integer.parseInt(words.get(++i)));
                    }
                    if (queues.isEmpty()) {
                        throw new IllegalArgumentException("rawpath xdp: 'queues' needs at least one queue number");
                    }
                }
                case "zerocopy" -> mode = XskSocket.CopyMode.ZEROCOPY;
                case "copy" -> mode = XskSocket.CopyMode.COPY;
                case "busypoll" -> busy = true;
                case "generic" -> generic = true;
                case "ring" -> {
                    if (i + 1 >= words.size() || !words.get(i + 1).matches("\\d{1,5}")) {
                        throw new IllegalArgumentException("rawpath xdp: ring N, a power of two 64.." + FRAME_COUNT);
                    }
                    ring = Integer.parseInt(words.get(++i));
                }
                case "floodlimit" -> {
                    if (i + 2 >= words.size()) {
                        throw new IllegalArgumentException("rawpath xdp: floodlimit RATE BURST");
                    }
                    try {
                        rate = Integer.parseInt(words.get(++i));
                        burst = Integer.parseInt(words.get(++i));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("rawpath xdp: floodlimit RATE BURST, integers");
                    }
                }
                default -> throw new IllegalArgumentException("rawpath xdp: unknown option '" + words.get(i)
                        + "' (expected queues, zerocopy, copy, floodlimit, busypoll, generic or ring)");
            }
        }
        return new RawPathSettings(device, queues, mode, rate, burst, busy, generic, ring);
    }

    /** The flood filter's per-source interval, ns. */
    public long floodIntervalNs() {
        return floodRatePerS == 0 ? 0 : 1_000_000_000L / floodRatePerS;
    }
}
