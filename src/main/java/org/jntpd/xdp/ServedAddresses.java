package org.jntpd.xdp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jntpd.platform.Bpf;

/**
 * The destination addresses the raw path answers for: the device's own addresses, those the server is bound to when
 * {@code bindaddress} names any (a wildcard bind address takes every address of its family). Kept twice, in step:
 * in the XDP program's hash map (a frame to any other address goes on to the kernel, see
 * {@link SteeringProgram.Counter#NOT_LOCAL}) and as an array the queue workers check again before they answer (a frame
 * the program let through by mistake is dropped, counted as {@link RawCounters.Counter#NOT_LOCAL}).
 *
 * <p>Addresses are in the form {@link FrameCodec} gives the server's address: two longs, IPv4 as ::ffff:a.b.c.d.
 * {@link #refresh} re-reads the device (the raw path calls it every {@value RawPath#ADDRESS_REFRESH_MS} ms, off the
 * packet path): an address added is served from then on, one removed is no longer answered for. {@link #contains}
 * is the workers': one volatile read, a scan of a few longs, nothing allocated.
 */
public final class ServedAddresses {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** Pairs (hi, lo); replaced whole on a change (never written in place), so a reader sees one set or the next. */
    private volatile long[] pairs = new long[0];
    private final List<byte[]> bindAddresses;
    private final BpfMap map; // null: the array alone (tests of the pure part)

    /**
     * @param bindAddresses the server's bind addresses as configured (literals; empty: every address)
     * @param map           the XDP program's served-address map, or null
     */
    ServedAddresses(List<String> bindAddresses, BpfMap map) {
        this.bindAddresses = bindAddresses.stream().map(a -> InetAddress.ofLiteral(a).getAddress()).toList();
        this.map = map;
    }

    /** Whether the raw path answers requests sent to (hi, lo) (allocation-free; any thread). */
    public boolean contains(long hi, long lo) {
        long[] p = pairs;
        for (int i = 0; i < p.length; i += 2) {
            if (p[i + 1] == lo && p[i] == hi) {
                return true;
            }
        }
        return false;
    }

    /** The addresses served now, for the log. */
    public List<String> describe() {
        long[] p = pairs;
        List<String> out = new ArrayList<>();
        for (int i = 0; i < p.length; i += 2) {
            out.add(text(p[i], p[i + 1]));
        }
        return out;
    }

    /**
     * Reads the device's addresses again and brings the array and the map to them (an address kept never leaves
     * either); returns whether anything changed. One thread at a time.
     */
    synchronized boolean refresh(String device) throws SocketException {
        NetworkInterface ni = NetworkInterface.getByName(device);
        List<byte[]> now = new ArrayList<>();
        if (ni != null) {
            for (InterfaceAddress ia : ni.getInterfaceAddresses()) {
                now.add(ia.getAddress().getAddress());
            }
        }
        return update(now);
    }

    /** {@link #refresh} with the device's addresses given (raw bytes, 4 or 16 each). */
    synchronized boolean update(List<byte[]> deviceAddresses) {
        Set<Pair> next = new java.util.TreeSet<>(Pair.ORDER); // IPv4 (::ffff:0:0/96) first, then IPv6, in order
        for (byte[] a : deviceAddresses) {
            if (served(a)) {
                next.add(Pair.of(a));
            }
        }
        if (map != null && next.size() > map.maxEntries()) {
            List<Pair> kept = new ArrayList<>(next).subList(0, map.maxEntries()); // the rest go to the kernel
            next = new java.util.TreeSet<>(Pair.ORDER);
            next.addAll(kept);
        }
        Set<Pair> before = new LinkedHashSet<>();
        long[] old = pairs;
        for (int i = 0; i < old.length; i += 2) {
            before.add(new Pair(old[i], old[i + 1]));
        }
        if (before.equals(next)) {
            return false;
        }
        long[] fresh = new long[next.size() * 2];
        int i = 0;
        for (Pair p : next) {
            fresh[i++] = p.hi;
            fresh[i++] = p.lo;
        }
        // The workers first: they answer for a new address before the program steers it to them, and stop answering
        // for a removed one at once (frames steered in between are dropped and counted, not answered).
        pairs = fresh;
        if (map != null) {
            for (Pair p : next) {
                if (!before.contains(p)) {
                    p.put(map);
                }
            }
            for (Pair p : before) {
                if (!next.contains(p)) {
                    p.remove(map);
                }
            }
        }
        return true;
    }

    /**
     * Puts {@code address} in the XDP program's map only, as a program and workers out of step would have it: what
     * the workers' own check is for (tests).
     */
    synchronized void putInProgramOnly(byte[] address) {
        Pair.of(address).put(map);
    }

    /** A device address is served when nothing is bound, or a bind address is it or its family's wildcard. */
    private boolean served(byte[] address) {
        if (bindAddresses.isEmpty()) {
            return true;
        }
        for (byte[] b : bindAddresses) {
            if (Arrays.equals(b, address) || (b.length == address.length && isZero(b))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /** (hi, lo) as an address literal. */
    static String text(long hi, long lo) {
        byte[] b = new byte[16];
        MemorySegment s = MemorySegment.ofArray(b);
        s.set(U64, 0, hi);
        s.set(U64, 8, lo);
        try {
            return InetAddress.getByAddress(b).getHostAddress(); // a mapped IPv4 address comes back as IPv4
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private record Pair(long hi, long lo) {
        static final java.util.Comparator<Pair> ORDER = (x, y) -> x.hi != y.hi ? Long.compareUnsigned(x.hi, y.hi)
                : Long.compareUnsigned(x.lo, y.lo);

        static Pair of(byte[] a) {
            byte[] b = new byte[16];
            if (a.length == 4) {
                b[10] = (byte) 0xFF;
                b[11] = (byte) 0xFF;
                System.arraycopy(a, 0, b, 12, 4);
            } else {
                System.arraycopy(a, 0, b, 0, 16);
            }
            MemorySegment s = MemorySegment.ofArray(b);
            return new Pair(s.get(U64, 0), s.get(U64, 8));
        }

        private MemorySegment key(Arena arena) {
            MemorySegment k = arena.allocate(SteeringProgram.LOCAL_KEY_BYTES);
            k.set(U64, 0, hi);
            k.set(U64, 8, lo);
            return k;
        }

        void put(BpfMap map) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment v = a.allocate(1);
                org.jntpd.platform.Libc.check(map.update(key(a), v, Bpf.BPF_ANY), "bpf(BPF_MAP_UPDATE_ELEM)",
                        "served address " + text(hi, lo));
            }
        }

        void remove(BpfMap map) {
            try (Arena a = Arena.ofConfined()) {
                map.delete(key(a));
            }
        }
    }
}
