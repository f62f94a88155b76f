package org.jntpd.io;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import org.jntpd.platform.Cmsghdr;
import org.jntpd.platform.Errno;
import org.jntpd.platform.In6Pktinfo;
import org.jntpd.platform.InPktinfo;
import org.jntpd.platform.Iovec;
import org.jntpd.platform.Mmsghdr;
import org.jntpd.platform.Msghdr;
import org.jntpd.platform.Net;
import org.jntpd.platform.ScmTimestamping;
import org.jntpd.platform.SockExtendedErr;
import org.jntpd.platform.SockaddrIn;
import org.jntpd.platform.SockaddrIn6;
import org.jntpd.platform.Timespec;
import org.jntpd.platform.Timestamping;

/**
 * A preallocated batch of datagram slots for {@link UdpSocket}: each slot has a data buffer, peer address storage
 * (sockaddr_in6-sized), a control buffer, and what the last receive or send left in it: length, flags, RX software
 * and raw hardware timestamps, TX timestamp id and TX timestamps. The native vectors (mmsghdr, iovec) are wired up
 * once, so recvmmsg/sendmmsg run on it directly.
 *
 * <p>A slot asks for a TX timestamp of its next sends with {@link #requestTxTimestamp(int, boolean)}: the send then
 * carries an SO_TIMESTAMPING control message (as chrony asks only for the stamps it keeps), so the kernel clones only
 * those datagrams onto the error queue, and only they take a TX id.
 *
 * <p>Nothing here allocates after construction: accessors read the native memory or plain arrays, addresses are
 * numbers (IPv4 as an int, IPv6 as two longs), copying an address between batches is a memory copy. Times are Unix
 * nanoseconds (CLOCK_REALTIME) for software stamps, the NIC's clock for raw hardware stamps; 0 = no stamp.
 *
 * <p>One batch belongs to one thread at a time. Slot indexes are not range-checked beyond Java's array checks.
 */
public final class PacketBatch implements AutoCloseable {
    /** Data bytes per slot unless told otherwise: an NTP packet with extension fields (NTS) stays below. */
    public static final int DEFAULT_DATA_BYTES = 2048;
    /** Smallest data buffer accepted: NTP packets with extension fields can be about 1 KB. */
    public static final int MIN_DATA_BYTES = 1024;
    /** Address bytes per slot (sockaddr_in6; a sockaddr_in uses the first 16). */
    public static final int ADDRESS_BYTES = (int) SockaddrIn6.sizeof();
    /** Control bytes per slot: a timestamp (64 B) plus an error report with its offender address (64 B), twice. */
    public static final int CONTROL_BYTES = 256;
    /** After a send of a slot that asked for no TX timestamp: {@link #txId(int)} holds this and means nothing. */
    public static final int NO_TX_ID = -1;

    private static final long ADDRESS_STRIDE = 32;
    private static final long IPV4_MAPPED_LOW = 0x0000_ffff_0000_0000L;
    private static final long MMSGHDR_BYTES = Mmsghdr.sizeof();
    /** The control message asking for a TX timestamp: SO_TIMESTAMPING with the u32 SOF_TIMESTAMPING_TX_* flags. */
    private static final long TX_REQUEST_LEN = Cmsghdr.len(Integer.BYTES);
    private static final long TX_REQUEST_SPACE = Cmsghdr.space(Integer.BYTES);
    /** The control messages choosing a reply's source address: IP_PKTINFO and IPV6_PKTINFO. */
    private static final long PKTINFO4_LEN = Cmsghdr.len(InPktinfo.sizeof());
    private static final long PKTINFO4_SPACE = Cmsghdr.space(InPktinfo.sizeof());
    private static final long PKTINFO6_LEN = Cmsghdr.len(In6Pktinfo.sizeof());
    private static final long PKTINFO6_SPACE = Cmsghdr.space(In6Pktinfo.sizeof());

    private final Arena arena;
    private final int capacity;
    private final int dataBytes;
    private final MemorySegment vector;
    private final MemorySegment[] header;
    private final MemorySegment[] iov;
    private final MemorySegment[] address;
    private final MemorySegment[] control;
    private final MemorySegment[] data;

    private final int[] length;
    private final int[] addressLength;
    private final int[] flags;
    private final long[] rxSoftwareNs;
    private final long[] rxHardwareNs;
    private final int[] txId;
    private final long[] txSoftwareNs;
    private final long[] txHardwareNs;
    private final boolean[] txTimestamp;
    private final boolean[] txRequested;
    private final boolean[] txIdValid;
    private final int[] errorErrno;
    // The local end of a received datagram (IP_PKTINFO / IPV6_PKTINFO), or for a send the source to use:
    // family AF_UNSPEC = none (the kernel picks by route).
    private final int[] localFamily;
    private final int[] localIpv4;
    private final long[] localHigh;
    private final long[] localLow;
    private final int[] localIfIndex;
    // Slots [0, dirtySlots) may hold what a receive or a send left in their headers: a receive resets those only, so
    // an empty poll of a busy-polling loop does not rewrite every header of the batch.
    private int dirtySlots;

    /** A batch of {@code capacity} slots of {@link #DEFAULT_DATA_BYTES}. */
    public PacketBatch(int capacity) {
        this(capacity, DEFAULT_DATA_BYTES);
    }

    public PacketBatch(int capacity, int dataBytes) {
        if (capacity < 1 || capacity > 1024) {
            throw new IllegalArgumentException("capacity: expected 1..1024 slots (UIO_MAXIOV), got " + capacity);
        }
        if (dataBytes < MIN_DATA_BYTES || dataBytes > 65536) {
            throw new IllegalArgumentException("dataBytes: expected " + MIN_DATA_BYTES + "..65536, got " + dataBytes);
        }
        this.capacity = capacity;
        this.dataBytes = dataBytes;
        // Shared: a batch may be built on one thread and used on the pinned I/O thread.
        arena = Arena.ofShared();
        vector = arena.allocate(MMSGHDR_BYTES * capacity, 8);
        MemorySegment iovs = arena.allocate(Iovec.sizeof() * capacity, 8);
        MemorySegment addresses = arena.allocate(ADDRESS_STRIDE * capacity, 8);
        MemorySegment controls = arena.allocate((long) CONTROL_BYTES * capacity, 8);
        MemorySegment datas = arena.allocate((long) dataBytes * capacity, 64);
        header = new MemorySegment[capacity];
        iov = new MemorySegment[capacity];
        address = new MemorySegment[capacity];
        control = new MemorySegment[capacity];
        data = new MemorySegment[capacity];
        for (int i = 0; i < capacity; i++) {
            header[i] = vector.asSlice(MMSGHDR_BYTES * i, MMSGHDR_BYTES);
            iov[i] = iovs.asSlice(Iovec.sizeof() * i, Iovec.sizeof());
            address[i] = addresses.asSlice(ADDRESS_STRIDE * i, ADDRESS_STRIDE);
            control[i] = controls.asSlice((long) CONTROL_BYTES * i, CONTROL_BYTES);
            data[i] = datas.asSlice((long) dataBytes * i, dataBytes);
            Iovec.iov_base(iov[i], data[i]);
            Iovec.iov_len(iov[i], dataBytes);
            Msghdr.msg_name(header[i], address[i]);
            Msghdr.msg_iov(header[i], iov[i]);
            Msghdr.msg_iovlen(header[i], 1);
            Msghdr.msg_control(header[i], control[i]);
        }
        length = new int[capacity];
        addressLength = new int[capacity];
        flags = new int[capacity];
        rxSoftwareNs = new long[capacity];
        rxHardwareNs = new long[capacity];
        txId = new int[capacity];
        txSoftwareNs = new long[capacity];
        txHardwareNs = new long[capacity];
        txTimestamp = new boolean[capacity];
        txRequested = new boolean[capacity];
        txIdValid = new boolean[capacity];
        errorErrno = new int[capacity];
        localFamily = new int[capacity];
        localIpv4 = new int[capacity];
        localHigh = new long[capacity];
        localLow = new long[capacity];
        localIfIndex = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            prepareReceive(i);
        }
    }

    public int capacity() {
        return capacity;
    }

    /** Bytes of each slot's data buffer. */
    public int dataBytes() {
        return dataBytes;
    }

    // ---------------------------------------------------------------------------------------------- data

    /** The slot's whole data buffer ({@link #dataBytes()}): read {@link #length(int)} bytes, or fill it to send. */
    public MemorySegment data(int slot) {
        return data[slot];
    }

    /** Bytes received into the slot (at most {@link #dataBytes()}), or set to send. */
    public int length(int slot) {
        return length[slot];
    }

    /** Sets how many bytes of the slot's data the next send takes. */
    public void length(int slot, int bytes) {
        if (bytes < 0 || bytes > dataBytes) {
            throw new IllegalArgumentException("length: expected 0.." + dataBytes + ", got " + bytes);
        }
        length[slot] = bytes;
    }

    /** The msg_flags the kernel returned for the slot (MSG_TRUNC, MSG_CTRUNC, MSG_ERRQUEUE). */
    public int flags(int slot) {
        return flags[slot];
    }

    /** The datagram was longer than the data buffer: only {@link #length(int)} bytes of it arrived. */
    public boolean truncated(int slot) {
        return (flags[slot] & Net.MSG_TRUNC) != 0;
    }

    // ---------------------------------------------------------------------------------------------- timestamps

    /**
     * Kernel software receive time (Unix ns, CLOCK_REALTIME) of the slot's datagram; 0 when none was given. Expect
     * some 0s: the kernel switches RX stamping on through deferred work when the system's first timestamping socket
     * opens, so packets of the first moments may come unstamped (fall back to a clock reading after receive).
     */
    public long rxSoftwareNs(int slot) {
        return rxSoftwareNs[slot];
    }

    /** Raw hardware receive time (the NIC's clock, ns) when the interface stamps packets; else 0. */
    public long rxHardwareNs(int slot) {
        return rxHardwareNs[slot];
    }

    /**
     * Whether sends of this slot ask the kernel for a TX timestamp (off until set; it stays as set). A socket without
     * SO_TIMESTAMPING ({@link UdpSocket#txTimestampFlags()} 0) ignores it.
     */
    public void requestTxTimestamp(int slot, boolean on) {
        txRequested[slot] = on;
    }

    /** See {@link #requestTxTimestamp(int, boolean)}. */
    public boolean txTimestampRequested(int slot) {
        return txRequested[slot];
    }

    /**
     * After a send: the id the kernel gives the slot's datagram in its TX timestamp (SOF_TIMESTAMPING_OPT_ID), or
     * {@link #NO_TX_ID} when no stamp was asked for (ids count only the datagrams that ask, modulo 2^32).
     * After {@link UdpSocket#receiveTxTimestamps}: the id the timestamp in this slot belongs to.
     */
    public int txId(int slot) {
        return txId[slot];
    }

    /** Whether the slot's last send took a TX id (it asked for a timestamp on a TIMESTAMPING socket). */
    public boolean hasTxId(int slot) {
        return txIdValid[slot];
    }

    /** After {@link UdpSocket#receiveTxTimestamps}: the slot holds a TX timestamp report (else another error). */
    public boolean isTxTimestamp(int slot) {
        return txTimestamp[slot];
    }

    /** Kernel software send time (Unix ns) of datagram {@link #txId(int)}; 0 when this report has none. */
    public long txSoftwareNs(int slot) {
        return txSoftwareNs[slot];
    }

    /** Raw hardware send time (NIC clock) of datagram {@link #txId(int)}; 0 when this report has none. */
    public long txHardwareNs(int slot) {
        return txHardwareNs[slot];
    }

    /** For an error-queue slot that is not a timestamp: the errno it reports (an ICMP error, a local error). */
    public int errorErrno(int slot) {
        return errorErrno[slot];
    }

    /**
     * The slot in [0, count) whose sent datagram has TX id {@code id}, or -1. When every slot of a send asked for a
     * stamp their ids are consecutive, so this is one subtraction; else a scan.
     */
    public int slotOfTxId(int id, int count) {
        int guess = id - txId[0];
        if (guess >= 0 && guess < count && txIdValid[guess] && txId[guess] == id) {
            return guess;
        }
        for (int i = 0; i < count; i++) {
            if (txIdValid[i] && txId[i] == id) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Copies the TX timestamps of {@code reports[0..reportCount)} (read by {@link UdpSocket#receiveTxTimestamps})
     * into the slots of this batch that were sent with their ids, among slots [0, count). A software and a
     * hardware stamp of one datagram arrive as separate reports; each fills its own field. Returns the number of
     * reports that matched a slot.
     */
    public int applyTxTimestamps(PacketBatch reports, int reportCount, int count) {
        int matched = 0;
        for (int r = 0; r < reportCount; r++) {
            if (!reports.txTimestamp[r]) {
                continue;
            }
            int slot = slotOfTxId(reports.txId[r], count);
            if (slot >= 0) {
                if (reports.txSoftwareNs[r] != 0) {
                    txSoftwareNs[slot] = reports.txSoftwareNs[r];
                }
                if (reports.txHardwareNs[r] != 0) {
                    txHardwareNs[slot] = reports.txHardwareNs[r];
                }
                matched++;
            }
        }
        return matched;
    }

    // ---------------------------------------------------------------------------------------------- addresses

    /** AF_INET, AF_INET6, or AF_UNSPEC when the slot has no address (connected send, error report). */
    public int family(int slot) {
        return addressLength[slot] < 2 ? Net.AF_UNSPEC : SockaddrIn.sin_family(address[slot]);
    }

    /** The peer port (same offset in sockaddr_in and sockaddr_in6). */
    public int port(int slot) {
        return SockaddrIn.sin_port(address[slot]);
    }

    /** The IPv4 peer address as an int (127.0.0.1 = 0x7f000001); meaningful when family is AF_INET. */
    public int ipv4(int slot) {
        return SockaddrIn.sin_addr(address[slot]);
    }

    /** The first 8 bytes of the IPv6 peer address, big-endian (the /64 prefix); when family is AF_INET6. */
    public long ipv6High(int slot) {
        return SockaddrIn6.sin6_addr_high(address[slot]);
    }

    /** The last 8 bytes of the IPv6 peer address, big-endian. */
    public long ipv6Low(int slot) {
        return SockaddrIn6.sin6_addr_low(address[slot]);
    }

    /** The IPv6 peer's scope (its interface, for a link-local address; 0 otherwise or for IPv4). */
    public int ipv6ScopeId(int slot) {
        return family(slot) == Net.AF_INET6 ? SockaddrIn6.sin6_scope_id(address[slot]) : 0;
    }

    /**
     * The peer address as 128 bits, high half: IPv6 as it is, IPv4 as the IPv4-mapped {@code ::ffff:a.b.c.d}
     * (high 0), so tables keyed by (high, low) serve both families alike.
     */
    public long addressHigh(int slot) {
        return family(slot) == Net.AF_INET6 ? ipv6High(slot) : 0L;
    }

    /** Low half of {@link #addressHigh(int)}'s form: {@code 0x0000ffff_aabbccdd} for IPv4 a.b.c.d. */
    public long addressLow(int slot) {
        return family(slot) == Net.AF_INET6 ? ipv6Low(slot) : IPV4_MAPPED_LOW | Integer.toUnsignedLong(ipv4(slot));
    }

    /**
     * A 64-bit hash of the peer address (not the port), in the (high, low) form, so an IPv4 client hashes the same
     * over an IPv4 socket and as a mapped address over a dual-stack one. Keyed with {@code seed} so that outsiders
     * cannot aim collisions at rate-limiting and client tables (pick a random seed at start).
     */
    public long addressHash(int slot, long seed) {
        return mix(seed ^ mix(addressHigh(slot) ^ mix(addressLow(slot))));
    }

    /** splitmix64's finaliser: every input bit reaches every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /**
     * Copies the peer address of {@code from}'s slot into {@code toSlot} here, and its local address when the socket
     * reported one: reply to where a request came from, from the address it was sent to. (A socket bound to a
     * wildcard address would otherwise answer from the address the route picks, which a client that checks the
     * source, or sits behind a stateful firewall, drops.)
     */
    public void copyAddress(PacketBatch from, int fromSlot, int toSlot) {
        MemorySegment.copy(from.address[fromSlot], 0, address[toSlot], 0, ADDRESS_BYTES);
        addressLength[toSlot] = from.addressLength[fromSlot];
        localFamily[toSlot] = from.localFamily[fromSlot];
        localIpv4[toSlot] = from.localIpv4[fromSlot];
        localHigh[toSlot] = from.localHigh[fromSlot];
        localLow[toSlot] = from.localLow[fromSlot];
        localIfIndex[toSlot] = from.localIfIndex[fromSlot];
    }

    /**
     * The family of the slot's local address: after a receive on a socket with packet info, where the datagram came
     * in (AF_INET or AF_INET6); AF_UNSPEC when unknown or, for a send, when the kernel is to pick the source.
     */
    public int localFamily(int slot) {
        return localFamily[slot];
    }

    /**
     * IPv4: the local address a reply should come from (the kernel's ipi_spec_dst: the address the datagram was sent
     * to, or for a broadcast the receiving interface's address), as an int.
     */
    public int localIpv4(int slot) {
        return localIpv4[slot];
    }

    /** IPv6: the datagram's destination address, first 8 bytes big-endian. */
    public long localIpv6High(int slot) {
        return localHigh[slot];
    }

    /** IPv6: the datagram's destination address, last 8 bytes big-endian. */
    public long localIpv6Low(int slot) {
        return localLow[slot];
    }

    /** The interface the datagram came in on (0 = unknown). */
    public int localIfIndex(int slot) {
        return localIfIndex[slot];
    }

    /** Sets an IPv4 destination (address as an int, 127.0.0.1 = 0x7f000001). */
    public void ipv4Address(int slot, int ipv4, int port) {
        MemorySegment a = address[slot];
        a.fill((byte) 0);
        SockaddrIn.sin_family(a, Net.AF_INET);
        SockaddrIn.sin_port(a, port);
        SockaddrIn.sin_addr(a, ipv4);
        addressLength[slot] = (int) SockaddrIn.sizeof();
        localFamily[slot] = Net.AF_UNSPEC;
    }

    /** Sets an IPv6 destination (address as two big-endian longs). */
    public void ipv6Address(int slot, long high, long low, int port) {
        MemorySegment a = address[slot];
        a.fill((byte) 0);
        SockaddrIn6.sin6_family(a, Net.AF_INET6);
        SockaddrIn6.sin6_port(a, port);
        SockaddrIn6.sin6_addr(a, high, low);
        addressLength[slot] = ADDRESS_BYTES;
        localFamily[slot] = Net.AF_UNSPEC;
    }

    /**
     * Makes a send of the slot leave from IPv4 address {@code ipv4} (IP_PKTINFO), as {@link #copyAddress} does for a
     * received request; for a request that came in elsewhere (the raw path). Set the peer first: it clears this.
     */
    public void localIpv4(int slot, int ipv4) {
        localFamily[slot] = Net.AF_INET;
        localIpv4[slot] = ipv4;
        localIfIndex[slot] = 0;
    }

    /** {@link #localIpv4(int, int)} for IPv6 (IPV6_PKTINFO): the address as two big-endian longs, its interface. */
    public void localIpv6(int slot, long high, long low, int ifIndex) {
        localFamily[slot] = Net.AF_INET6;
        localHigh[slot] = high;
        localLow[slot] = low;
        localIfIndex[slot] = ifIndex;
    }

    /** Sets the destination from a Java address (setup code: allocates). */
    public void address(int slot, InetSocketAddress to) {
        addressLength[slot] = SocketAddresses.write(address[slot], to);
        localFamily[slot] = Net.AF_UNSPEC;
    }

    /** No destination: the send goes to the socket's connected peer. */
    public void clearAddress(int slot) {
        addressLength[slot] = 0;
        localFamily[slot] = Net.AF_UNSPEC;
    }

    /** The slot's peer as a Java address (logging, tests: allocates), or null when it has none. */
    public InetSocketAddress socketAddress(int slot) {
        return SocketAddresses.read(address[slot], addressLength[slot]);
    }

    // ---------------------------------------------------------------------------------------------- for UdpSocket

    MemorySegment vector() {
        return vector;
    }

    /** The slot's mmsghdr (its msghdr comes first): one message, or the start of a vector of the following slots. */
    MemorySegment msghdr(int slot) {
        return header[slot];
    }

    /** {@link #prepareReceive(int)} for slots [0, count), skipping those no receive or send has touched since. */
    void prepareReceives(int count) {
        int end = Math.min(count, dirtySlots);
        for (int i = 0; i < end; i++) {
            prepareReceive(i);
        }
        if (dirtySlots <= count) {
            dirtySlots = 0;
        }
    }

    private void markDirty(int slotsEnd) {
        if (slotsEnd > dirtySlots) {
            dirtySlots = Math.min(slotsEnd, capacity);
        }
    }

    /** Resets what the kernel rewrites, so the slot can receive a whole datagram, address and control data. */
    void prepareReceive(int slot) {
        MemorySegment h = header[slot];
        Iovec.iov_len(iov[slot], dataBytes);
        Msghdr.msg_namelen(h, ADDRESS_BYTES);
        Msghdr.msg_controllen(h, CONTROL_BYTES);
        Msghdr.msg_flags(h, 0);
    }

    /**
     * Points the slot's header at its length and address, with a TX timestamp request carrying {@code txFlags}
     * (SOF_TIMESTAMPING_TX_*) when the slot asks for one and the flags are not 0, else with no control data.
     */
    void prepareSend(int slot, int txFlags) {
        MemorySegment h = header[slot];
        Iovec.iov_len(iov[slot], length[slot]);
        Msghdr.msg_namelen(h, addressLength[slot]);
        Msghdr.msg_flags(h, 0);
        markDirty(slot + 1);
        MemorySegment c = control[slot];
        long at = 0;
        if (txRequested[slot] && txFlags != 0) {
            Cmsghdr.header(c, 0, TX_REQUEST_LEN, Net.SOL_SOCKET, Net.SO_TIMESTAMPING);
            c.set(JAVA_INT, Cmsghdr.dataOffset(0), txFlags);
            at = TX_REQUEST_SPACE;
        }
        if (localFamily[slot] == Net.AF_INET) {
            Cmsghdr.header(c, at, PKTINFO4_LEN, Net.SOL_IP, Net.IP_PKTINFO);
            InPktinfo.setForSend(c, Cmsghdr.dataOffset(at), localIpv4[slot]);
            at += PKTINFO4_SPACE;
        } else if (localFamily[slot] == Net.AF_INET6) {
            Cmsghdr.header(c, at, PKTINFO6_LEN, Net.SOL_IPV6, Net.IPV6_PKTINFO);
            In6Pktinfo.set(c, Cmsghdr.dataOffset(at), localHigh[slot], localLow[slot], localIfIndex[slot]);
            at += PKTINFO6_SPACE;
        }
        Msghdr.msg_controllen(h, at);
    }

    /** Records a sent slot: its TX id, or {@link #NO_TX_ID} when it asked for no stamp. */
    void sent(int slot, int id, boolean stamped) {
        txId[slot] = stamped ? id : NO_TX_ID;
        txIdValid[slot] = stamped;
        txSoftwareNs[slot] = 0;
        txHardwareNs[slot] = 0;
    }

    /** Records a received datagram (or error report) of {@code bytes} and reads its control messages. */
    void received(int slot, int bytes) {
        MemorySegment h = header[slot];
        markDirty(slot + 2); // and the next one, in case a failed receive of it wrote anything
        length[slot] = bytes;
        addressLength[slot] = Msghdr.msg_namelen(h);
        flags[slot] = Msghdr.msg_flags(h);
        rxSoftwareNs[slot] = 0;
        rxHardwareNs[slot] = 0;
        txTimestamp[slot] = false;
        errorErrno[slot] = 0;
        localFamily[slot] = Net.AF_UNSPEC;
        long controlLen = Msghdr.msg_controllen(h);
        MemorySegment c = control[slot];
        for (long at = controlLen >= Cmsghdr.sizeof() ? 0 : -1; at >= 0 && Cmsghdr.fits(c, at, controlLen);
                at = Cmsghdr.next(c, at, controlLen)) {
            readControlMessage(slot, c, at);
        }
    }

    /** Length of the received datagram the kernel reported for slot i of a recvmmsg. */
    int receivedLength(int slot) {
        return Mmsghdr.msg_len(header[slot]);
    }

    private void readControlMessage(int slot, MemorySegment c, long at) {
        int level = c.get(JAVA_INT, at + Cmsghdr.CMSG_LEVEL_OFFSET);
        int type = c.get(JAVA_INT, at + Cmsghdr.CMSG_TYPE_OFFSET);
        long dataAt = Cmsghdr.dataOffset(at);
        if (level == Net.SOL_SOCKET && type == Net.SCM_TIMESTAMPING) {
            long software = ScmTimestamping.tsNanos(c, dataAt, ScmTimestamping.SOFTWARE);
            long hardware = ScmTimestamping.tsNanos(c, dataAt, ScmTimestamping.RAW_HARDWARE);
            if ((flags[slot] & Net.MSG_ERRQUEUE) != 0) {
                txSoftwareNs[slot] = software;
                txHardwareNs[slot] = hardware;
            } else {
                rxSoftwareNs[slot] = software;
                rxHardwareNs[slot] = hardware;
            }
        } else if (level == Net.SOL_SOCKET && type == Net.SCM_TIMESTAMPNS) {
            rxSoftwareNs[slot] = Timespec.toNanos(c, dataAt);
        } else if (level == Net.SOL_IP && type == Net.IP_PKTINFO) {
            localFamily[slot] = Net.AF_INET;
            localIpv4[slot] = InPktinfo.ipi_spec_dst(c, dataAt);
            localIfIndex[slot] = InPktinfo.ipi_ifindex(c, dataAt);
        } else if (level == Net.SOL_IPV6 && type == Net.IPV6_PKTINFO) {
            long high = In6Pktinfo.ipi6_addr_high(c, dataAt);
            // A multicast destination is no source address: leave the choice to the kernel.
            localFamily[slot] = (high >>> 56) == 0xff ? Net.AF_UNSPEC : Net.AF_INET6;
            localHigh[slot] = high;
            localLow[slot] = In6Pktinfo.ipi6_addr_low(c, dataAt);
            localIfIndex[slot] = In6Pktinfo.ipi6_ifindex(c, dataAt);
        } else if ((level == Net.SOL_IP && type == Net.IP_RECVERR)
                || (level == Net.SOL_IPV6 && type == Net.IPV6_RECVERR)) {
            int errno = c.get(JAVA_INT, dataAt + SockExtendedErr.EE_ERRNO_OFFSET);
            int origin = Byte.toUnsignedInt(c.get(JAVA_BYTE, dataAt + SockExtendedErr.EE_ORIGIN_OFFSET));
            if (errno == Errno.ENOMSG && origin == Timestamping.SO_EE_ORIGIN_TIMESTAMPING) {
                txTimestamp[slot] = true;
                txId[slot] = c.get(JAVA_INT, dataAt + SockExtendedErr.EE_DATA_OFFSET);
            } else {
                errorErrno[slot] = errno;
            }
        }
    }

    /** Frees the native memory; the batch must not be used afterwards. */
    @Override
    public void close() {
        arena.close();
    }
}
