package org.jntpd.xdp;

import static org.jntpd.platform.Bpf.BPF_ADD;
import static org.jntpd.platform.Bpf.BPF_AND;
import static org.jntpd.platform.Bpf.BPF_B;
import static org.jntpd.platform.Bpf.BPF_DW;
import static org.jntpd.platform.Bpf.BPF_FUNC_ktime_get_tai_ns;
import static org.jntpd.platform.Bpf.BPF_FUNC_xdp_adjust_head;
import static org.jntpd.platform.Bpf.BPF_FUNC_map_lookup_elem;
import static org.jntpd.platform.Bpf.BPF_FUNC_map_update_elem;
import static org.jntpd.platform.Bpf.BPF_FUNC_redirect_map;
import static org.jntpd.platform.Bpf.BPF_FUNC_xdp_adjust_meta;
import static org.jntpd.platform.Bpf.BPF_H;
import static org.jntpd.platform.Bpf.BPF_JEQ;
import static org.jntpd.platform.Bpf.BPF_JGE;
import static org.jntpd.platform.Bpf.BPF_JGT;
import static org.jntpd.platform.Bpf.BPF_JLT;
import static org.jntpd.platform.Bpf.BPF_JNE;
import static org.jntpd.platform.Bpf.BPF_JSGE;
import static org.jntpd.platform.Bpf.BPF_LSH;
import static org.jntpd.platform.Bpf.BPF_SUB;
import static org.jntpd.platform.Bpf.BPF_W;
import static org.jntpd.platform.Bpf.XDP_DROP;
import static org.jntpd.platform.Bpf.XDP_PASS;
import static org.jntpd.platform.Bpf.XDP_REDIRECT;
import static org.jntpd.xdp.ebpf.Asm.R0;
import static org.jntpd.xdp.ebpf.Asm.R1;
import static org.jntpd.xdp.ebpf.Asm.R10;
import static org.jntpd.xdp.ebpf.Asm.R2;
import static org.jntpd.xdp.ebpf.Asm.R3;
import static org.jntpd.xdp.ebpf.Asm.R4;
import static org.jntpd.xdp.ebpf.Asm.R5;
import static org.jntpd.xdp.ebpf.Asm.R6;
import static org.jntpd.xdp.ebpf.Asm.R7;
import static org.jntpd.xdp.ebpf.Asm.R8;
import static org.jntpd.xdp.ebpf.Asm.R9;

import org.jntpd.platform.Clocks;
import org.jntpd.platform.XdpMd;
import org.jntpd.xdp.ebpf.Asm;

/**
 * The XDP program of the raw path, generated instruction by instruction: Ethernet (one 802.1Q tag allowed), then IPv4
 * (any header length, not a fragment) or IPv6 (UDP as the first next header), then UDP to one of the configured
 * ports. Such a frame is stamped, filtered and redirected into the XSKMAP slot of the queue it arrived on; every other
 * frame goes on to the kernel untouched (XDP_PASS), and so does an NTP frame whose queue has no socket, and one in a
 * mode only the kernel's sockets take (symmetric, broadcast: a configured peer's packets, see {@link #passKernelModes}),
 * one not addressed to this host alone (broadcast, multicast: see {@link #passNotUnicast}), and one whose destination
 * address is not one the raw path serves (routed through, or sent to the device's MAC with another host's address: see
 * {@link #passNotLocal}).
 *
 * <ul>
 * <li>Stamp: bpf_ktime_get_tai_ns() as the first thing done for an NTP frame, written into the frame's metadata area
 * ({@link #META_BYTES} bytes in front of the packet, which AF_XDP copies into the UMEM with the frame): u64 TAI ns,
 * u32 {@link #META_MAGIC}, u32 the clock id (CLOCK_TAI). CLOCK_TAI differs from CLOCK_REALTIME by whole seconds (the
 * kernel's TAI offset), which user space reads from the two clocks and removes exactly; a boot-time stamp would have
 * to be converted through a slewing clock.</li>
 * <li>Flood filter (optional): per source (an IPv4 address, an IPv6 /64) a GCRA bucket in an LRU hash map: one
 * "theoretical arrival time" per source; a request more than the burst window ahead of it is dropped here, before it
 * costs user space anything. No division, no loop: a compare and an add.</li>
 * <li>Counters: a per-CPU array of u64 indexed by {@link Counter}.</li>
 * </ul>
 */
public final class SteeringProgram {
    public static final String NAME = "jntpd_xdp";
    /** Bytes of metadata in front of a redirected frame. */
    public static final int META_BYTES = 16;
    /** Marks metadata written by this program ("NTPD"), so a frame without it is told apart. */
    public static final int META_MAGIC = 0x4E54_5044;
    /** Key bytes of the served-address map: an IPv6 address, or an IPv4 one as ::ffff:a.b.c.d (network order). */
    public static final int LOCAL_KEY_BYTES = 16;

    /**
     * Where the RX stamp travels. {@link #METADATA}: in the metadata area in front of the packet
     * (bpf_xdp_adjust_meta); the UMEM frame starts with the Ethernet header and the stamp sits in the
     * {@link #META_BYTES} before it. {@link #HEAD_PREFIX}: prepended to the frame itself (bpf_xdp_adjust_head), for
     * kernels that refuse bpf_xdp_adjust_meta to XDP programs (this project's VM kernel 6.18 does: "program of this
     * type cannot use helper bpf_xdp_adjust_meta#54"); the UMEM frame starts with the stamp, the Ethernet header
     * {@link #META_BYTES} later, and a frame the program hands to the kernel has the prefix taken off again.
     */
    public enum StampPlacement { METADATA, HEAD_PREFIX }

    /** The per-CPU counter array's slots. */
    public enum Counter {
        /** Not an NTP request on our ports: handed to the kernel. */
        PASSED,
        /** Redirected into a socket. */
        REDIRECTED,
        /** Dropped by the flood filter. */
        FLOOD_DROPPED,
        /** An NTP request on a queue without a socket: handed to the kernel. */
        NO_SOCKET,
        /** Redirected without a timestamp (the driver gave no metadata room). */
        NO_TIMESTAMP,
        /**
         * On our port in a mode the raw path does not answer but the kernel's sockets take (symmetric active or
         * passive: a configured peer's packets, for its socket on the server's port; broadcast): handed to the kernel.
         */
        MODE_PASSED,
        /**
         * On our port but not addressed to this host alone (a group destination MAC, an IPv4 multicast or broadcast
         * destination, an IPv6 multicast one): handed to the kernel, whose socket answers from a unicast address.
         */
        NOT_UNICAST,
        /**
         * On our port, unicast, but to an IP address not in the served-address map (not the device's, or not one the
         * server is bound to): handed to the kernel, which forwards it, drops it, or answers it through a socket as
         * without the raw path; turned around, the reply would come from an address this host does not own.
         */
        NOT_LOCAL
    }

    private static final int ETH_HLEN = 14;
    private static final int VLAN_HLEN = 4;
    // EtherTypes and the like as a little-endian u16 load of their network-order bytes sees them.
    private static final int ETH_P_8021Q_LE = 0x0081;
    private static final int ETH_P_IP_LE = 0x0008;
    private static final int ETH_P_IPV6_LE = 0xDD86;
    private static final int IP_FRAGMENT_MASK_LE = 0xFF3F; // MF and the fragment offset of the flags/offset field
    private static final int IPPROTO_UDP = 17;
    // The stack: the flood key (16 bytes), a new bucket value (8), a counter index (4), the destination address as
    // the served-address map's key (16: an IPv6 address, an IPv4 one as ::ffff:a.b.c.d).
    private static final int KEY = -16;
    private static final int NEW_VALUE = -24;
    private static final int COUNTER_KEY = -28;
    private static final int LOCAL_KEY = -48;
    /** Bytes 8..11 of an IPv4-mapped IPv6 address (0, 0, 0xFF, 0xFF) as a little-endian u32 store writes them. */
    private static final int V4_MAPPED_WORD_LE = 0xFFFF_0000;

    private int labelSeq;

    private SteeringProgram() {
    }

    /**
     * @param ports           UDP destination ports to steer (1..8 of them)
     * @param xskMapFd        the XSKMAP: RX queue index to socket
     * @param countersFd      a per-CPU array of u64 with {@code Counter.values().length} entries
     * @param localMapFd      a hash map whose keys are the destination addresses served ({@value #LOCAL_KEY_BYTES}
     *                        bytes: IPv6, or IPv4 as ::ffff:a.b.c.d; any value): see {@link ServedAddresses}
     * @param floodMapFd      an LRU hash (16-byte key, u64 value), or -1 for no flood filter
     * @param floodIntervalNs average spacing of one source's requests the filter allows
     * @param floodBurst      requests one source may send back to back
     */
    public static long[] build(StampPlacement stamp, int[] ports, int xskMapFd, int countersFd, int localMapFd,
            int floodMapFd, long floodIntervalNs, int floodBurst) {
        if (ports.length == 0 || ports.length > 8) {
            throw new IllegalArgumentException("1 to 8 ports, not " + ports.length);
        }
        if (localMapFd < 0) {
            throw new IllegalArgumentException("the served-address map is required");
        }
        return new SteeringProgram().emit(stamp, ports, xskMapFd, countersFd, localMapFd, floodMapFd, floodIntervalNs,
                floodBurst);
    }

    private long[] emit(StampPlacement stamp, int[] ports, int xskMapFd, int countersFd, int localMapFd,
            int floodMapFd, long floodIntervalNs, int floodBurst) {
        Asm a = new Asm();
        a.mov64Reg(R6, R1);
        a.load(BPF_W, R2, R6, (int) XdpMd.DATA_OFFSET);
        a.load(BPF_W, R3, R6, (int) XdpMd.DATA_END_OFFSET);
        a.mov64Reg(R4, R2).alu64(BPF_ADD, R4, ETH_HLEN).jumpReg(BPF_JGT, R4, R3, "pass");
        a.load(BPF_H, R5, R2, 12);
        a.mov64Reg(R9, R2).alu64(BPF_ADD, R9, ETH_HLEN);
        a.jump(BPF_JNE, R5, ETH_P_8021Q_LE, "l3");
        a.mov64Reg(R4, R2).alu64(BPF_ADD, R4, ETH_HLEN + VLAN_HLEN).jumpReg(BPF_JGT, R4, R3, "pass");
        a.load(BPF_H, R5, R2, 16);
        a.mov64Reg(R9, R2).alu64(BPF_ADD, R9, ETH_HLEN + VLAN_HLEN);
        a.label("l3");
        a.jump(BPF_JEQ, R5, ETH_P_IP_LE, "ipv4");
        a.jump(BPF_JEQ, R5, ETH_P_IPV6_LE, "ipv6");
        a.jump("pass");

        // IPv4: R9 = IP header
        a.label("ipv4");
        a.mov64Reg(R4, R9).alu64(BPF_ADD, R4, 20).jumpReg(BPF_JGT, R4, R3, "pass");
        a.load(BPF_B, R5, R9, 0);
        a.mov64Reg(R4, R5).alu64(BPF_AND, R4, 0xF0).jump(BPF_JNE, R4, 0x40, "pass");
        a.load(BPF_B, R4, R9, 9).jump(BPF_JNE, R4, IPPROTO_UDP, "pass");
        a.load(BPF_H, R4, R9, 6).alu64(BPF_AND, R4, IP_FRAGMENT_MASK_LE).jump(BPF_JNE, R4, 0, "pass");
        a.load(BPF_W, R8, R9, 12); // source address, for the flood key
        a.load(BPF_W, R7, R9, 16); // the destination (its first byte the u32's low one: 224 and up is a group)
        a.alu64(BPF_AND, R5, 0x0F).alu64(BPF_LSH, R5, 2).jump(BPF_JLT, R5, 20, "pass");
        a.alu64Reg(BPF_ADD, R9, R5); // R9 = UDP header
        a.mov64Reg(R4, R9).alu64(BPF_ADD, R4, 8).jumpReg(BPF_JGT, R4, R3, "pass");
        a.load(BPF_H, R4, R9, 2);
        matchPorts(a, ports, "ipv4_ntp");
        a.label("ipv4_ntp");
        a.mov64Reg(R4, R7).alu64(BPF_AND, R4, 0xFF).jump(BPF_JGE, R4, 224, "not_unicast");
        passNotUnicast(a);
        passKernelModes(a, 0);
        a.storeImm(BPF_W, R10, LOCAL_KEY, 0);
        a.storeImm(BPF_W, R10, LOCAL_KEY + 4, 0);
        a.storeImm(BPF_W, R10, LOCAL_KEY + 8, V4_MAPPED_WORD_LE);
        a.store(BPF_W, R10, LOCAL_KEY + 12, R7);
        passNotLocal(a, localMapFd);
        a.store(BPF_W, R10, KEY, R8);
        a.storeImm(BPF_W, R10, KEY + 4, 0);
        a.storeImm(BPF_W, R10, KEY + 8, 0);
        a.storeImm(BPF_W, R10, KEY + 12, 0xFFFF); // cannot be an IPv6 /64 key, whose last 8 bytes are 0
        a.jump("ntp");

        // IPv6: R9 = IP header; only UDP directly after the fixed header (extension headers go to the kernel)
        a.label("ipv6");
        a.mov64Reg(R4, R9).alu64(BPF_ADD, R4, 48).jumpReg(BPF_JGT, R4, R3, "pass");
        a.load(BPF_B, R4, R9, 6).jump(BPF_JNE, R4, IPPROTO_UDP, "pass");
        a.load(BPF_H, R4, R9, 40 + 2);
        matchPorts(a, ports, "ipv6_ntp");
        a.label("ipv6_ntp");
        a.load(BPF_B, R4, R9, 24).jump(BPF_JEQ, R4, 0xFF, "not_unicast"); // ff00::/8
        passNotUnicast(a);
        passKernelModes(a, 40);
        for (int w = 0; w < 16; w += 4) {
            a.load(BPF_W, R4, R9, 24 + w).store(BPF_W, R10, LOCAL_KEY + w, R4);
        }
        passNotLocal(a, localMapFd);
        a.load(BPF_W, R4, R9, 8).store(BPF_W, R10, KEY, R4);
        a.load(BPF_W, R4, R9, 12).store(BPF_W, R10, KEY + 4, R4);
        a.storeImm(BPF_W, R10, KEY + 8, 0);
        a.storeImm(BPF_W, R10, KEY + 12, 0);

        a.label("ntp");
        a.call(BPF_FUNC_ktime_get_tai_ns).mov64Reg(R7, R0);
        if (floodMapFd >= 0) {
            long burstWindowNs = (floodBurst - 1L) * floodIntervalNs;
            a.loadMapFd(R1, floodMapFd).mov64Reg(R2, R10).alu64(BPF_ADD, R2, KEY).call(BPF_FUNC_map_lookup_elem);
            a.jump(BPF_JEQ, R0, 0, "flood_new");
            a.load(BPF_DW, R1, R0, 0);
            a.jumpReg(BPF_JSGE, R1, R7, "flood_have");
            a.mov64Reg(R1, R7);
            a.label("flood_have");
            a.mov64Reg(R2, R1).alu64Reg(BPF_SUB, R2, R7);
            a.loadImm64(R3, burstWindowNs).jumpReg(BPF_JGT, R2, R3, "flood_drop");
            a.loadImm64(R3, floodIntervalNs).alu64Reg(BPF_ADD, R1, R3).store(BPF_DW, R0, 0, R1);
            a.jump("stamp");
            a.label("flood_new");
            a.loadImm64(R3, floodIntervalNs).mov64Reg(R1, R7).alu64Reg(BPF_ADD, R1, R3).store(BPF_DW, R10, NEW_VALUE, R1);
            a.loadMapFd(R1, floodMapFd).mov64Reg(R2, R10).alu64(BPF_ADD, R2, KEY);
            a.mov64Reg(R3, R10).alu64(BPF_ADD, R3, NEW_VALUE).mov64(R4, org.jntpd.platform.Bpf.BPF_ANY);
            a.call(BPF_FUNC_map_update_elem);
            a.jump("stamp");
            a.label("flood_drop");
            count(a, countersFd, Counter.FLOOD_DROPPED);
            a.ret(XDP_DROP);
        }

        a.label("stamp");
        if (stamp == StampPlacement.METADATA) {
            a.mov64Reg(R1, R6).mov64(R2, -META_BYTES).call(BPF_FUNC_xdp_adjust_meta);
            a.jump(BPF_JNE, R0, 0, "no_meta");
            a.load(BPF_W, R2, R6, (int) XdpMd.DATA_META_OFFSET);
            a.load(BPF_W, R3, R6, (int) XdpMd.DATA_OFFSET);
        } else {
            a.mov64Reg(R1, R6).mov64(R2, -META_BYTES).call(BPF_FUNC_xdp_adjust_head);
            a.jump(BPF_JNE, R0, 0, "no_meta");
            a.load(BPF_W, R2, R6, (int) XdpMd.DATA_OFFSET);
            a.load(BPF_W, R3, R6, (int) XdpMd.DATA_END_OFFSET);
        }
        a.mov64Reg(R4, R2).alu64(BPF_ADD, R4, META_BYTES).jumpReg(BPF_JGT, R4, R3, "no_meta");
        a.store(BPF_DW, R2, 0, R7);
        a.storeImm(BPF_W, R2, 8, META_MAGIC);
        a.storeImm(BPF_W, R2, 12, Clocks.CLOCK_TAI);
        a.mov64(R9, 1); // stamped
        a.jump("redirect");
        a.label("no_meta");
        count(a, countersFd, Counter.NO_TIMESTAMP);
        a.mov64(R9, 0);

        a.label("redirect");
        a.load(BPF_W, R2, R6, (int) XdpMd.RX_QUEUE_INDEX_OFFSET);
        a.loadMapFd(R1, xskMapFd).mov64(R3, XDP_PASS).call(BPF_FUNC_redirect_map);
        a.mov64Reg(R8, R0);
        a.jump(BPF_JNE, R8, XDP_REDIRECT, "no_socket");
        count(a, countersFd, Counter.REDIRECTED);
        a.mov64Reg(R0, R8).exit();
        a.label("no_socket");
        if (stamp == StampPlacement.HEAD_PREFIX) { // the kernel must see the frame as it came: take the prefix off
            a.jump(BPF_JEQ, R9, 0, "no_socket_count");
            a.mov64Reg(R1, R6).mov64(R2, META_BYTES).call(BPF_FUNC_xdp_adjust_head);
            a.label("no_socket_count");
        }
        count(a, countersFd, Counter.NO_SOCKET);
        a.ret(XDP_PASS);

        a.label("not_unicast");
        count(a, countersFd, Counter.NOT_UNICAST);
        a.ret(XDP_PASS);

        a.label("not_local");
        count(a, countersFd, Counter.NOT_LOCAL);
        a.ret(XDP_PASS);

        a.label("mode_pass");
        count(a, countersFd, Counter.MODE_PASSED);
        a.ret(XDP_PASS);

        a.label("pass");
        count(a, countersFd, Counter.PASSED);
        a.ret(XDP_PASS);
        return a.assemble();
    }

    /** {@code if (R4 == htons(port)) goto matched} for each port, else goto pass. */
    private static void matchPorts(Asm a, int[] ports, String matched) {
        for (int port : ports) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("no UDP port " + port);
            }
            a.jump(BPF_JEQ, R4, Short.toUnsignedInt(Short.reverseBytes((short) port)), matched);
        }
        a.jump("pass");
    }

    /**
     * {@code goto not_unicast} when the destination MAC (R2 the frame's start) is a group address: a request to a
     * broadcast or multicast address, which the worker would answer from that address (it turns the frame around). The
     * kernel's socket answers it, if at all, from a unicast address of the host, as without the raw path; the IP
     * destination is checked by the caller too (a group IP address in a unicast frame).
     */
    private static void passNotUnicast(Asm a) {
        a.load(BPF_B, R4, R2, 0).alu64(BPF_AND, R4, 0x01).jump(BPF_JNE, R4, 0, "not_unicast");
    }

    /**
     * {@code goto mode_pass} when the NTP mode (the low 3 bits of the payload's first byte; the UDP header at R9 +
     * {@code udpOffset}, R3 the packet's end) is 1, 2 or 5. The raw path answers only clients (mode 3, and hands mode
     * 6 on); a symmetric peer's packets must reach the association's own socket, which shares the server's port
     * (ClientSockets.peerSocket), and a stranger's symmetric-active packet then gets the socket path's answer. The
     * mode rather than a map of the configured peers' addresses: no map to keep in step with reloads and DNS, one
     * byte compared, and the socket path treats every such packet exactly as without the raw path. A payload too short
     * to have a mode goes on to the worker, which counts it malformed.
     */
    private void passKernelModes(Asm a, int udpOffset) {
        String served = "mode_served_" + labelSeq++;
        a.mov64Reg(R4, R9).alu64(BPF_ADD, R4, udpOffset + 9).jumpReg(BPF_JGT, R4, R3, served);
        a.load(BPF_B, R4, R9, udpOffset + 8).alu64(BPF_AND, R4, 0x07);
        a.jump(BPF_JEQ, R4, 1, "mode_pass").jump(BPF_JEQ, R4, 2, "mode_pass").jump(BPF_JEQ, R4, 5, "mode_pass");
        a.label(served);
    }

    /**
     * {@code goto not_local} when the destination address, written at {@link #LOCAL_KEY} on the stack, is not a key of
     * the served-address map (clobbers R0-R5; R9 stays a valid packet pointer: the lookup changes no packet data). A
     * frame to another address reached this device because it is routed through this host, or was sent to its MAC
     * on purpose; the kernel never hands such a frame to the server's sockets, and a turned-around reply would claim
     * an address this host does not own.
     */
    private static void passNotLocal(Asm a, int localMapFd) {
        a.loadMapFd(R1, localMapFd).mov64Reg(R2, R10).alu64(BPF_ADD, R2, LOCAL_KEY).call(BPF_FUNC_map_lookup_elem);
        a.jump(BPF_JEQ, R0, 0, "not_local");
    }

    /** counters[c]++ on this CPU (clobbers R0-R5). */
    private void count(Asm a, int countersFd, Enum<?> c) {
        String skip = "count_" + labelSeq++;
        a.storeImm(BPF_W, R10, COUNTER_KEY, c.ordinal());
        a.loadMapFd(R1, countersFd).mov64Reg(R2, R10).alu64(BPF_ADD, R2, COUNTER_KEY).call(BPF_FUNC_map_lookup_elem);
        a.jump(BPF_JEQ, R0, 0, skip);
        a.load(BPF_DW, R1, R0, 0).alu64(BPF_ADD, R1, 1).store(BPF_DW, R0, 0, R1);
        a.label(skip);
    }
}
