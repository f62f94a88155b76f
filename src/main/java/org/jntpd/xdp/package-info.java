/**
 * The raw serving path: NTP answered through AF_XDP, past the kernel's UDP stack, with the serving logic of the
 * socket path ({@link org.jntpd.xdp.ServingLogic}, the one door into {@code org.jntpd.server}).
 *
 * <ul>
 * <li>{@link org.jntpd.xdp.ebpf.Asm}: an eBPF assembler; {@link org.jntpd.xdp.SteeringProgram}: the XDP program built
 * with it (UDP to the NTP port into an XSKMAP by RX queue, an RX stamp, a per-source flood filter, counters; all else
 * to the kernel, and so are symmetric and broadcast modes, whose sockets are the kernel's: a {@code peer}'s, requests
 * to a broadcast or multicast address, which a turned-around frame would answer from, and requests to an address not
 * served: {@link org.jntpd.xdp.ServedAddresses}); {@link org.jntpd.xdp.BpfProgram}, {@link org.jntpd.xdp.BpfMap},
 * {@link org.jntpd.xdp.XdpAttachment}: loading (verifier log on failure), maps, BPF link or rtnetlink attach.</li>
 * <li>{@link org.jntpd.xdp.XskSocket} and {@link org.jntpd.xdp.XskRing}: an AF_XDP socket, its UMEM and its four
 * mapped rings; {@link org.jntpd.xdp.RawWorker}: one pinned worker per queue answering in the frame the request came
 * in ({@link org.jntpd.xdp.FrameCodec} for the Ethernet/IP/UDP framing), allocation-free; a mode 6 (ntpq) request is
 * copied to a {@link org.jntpd.server.ControlHandoff} (the daemon's mode 6 thread, which replies through its
 * socket).</li>
 * <li>{@link org.jntpd.xdp.RawPath}: the path on one device (stale program replacement, native then generic XDP);
 * {@link org.jntpd.xdp.RawPathSettings}: the {@code rawpath} directive's words; {@link org.jntpd.xdp.RawPathService}:
 * the daemon's side (fallback to the sockets with one log line).</li>
 * <li>{@link org.jntpd.xdp.ReplyCounterProgram}: the XDP reply counter of {@code jntpc perf --raw}
 * ({@code org.jntpd.perf.RawLoad}, the AF_XDP sender of {@code bench/raw-vs-chronyd}).</li>
 * </ul>
 *
 * <p>May use: {@code time}, {@code platform}, {@code base} (the workers' loop runner; a log line at start),
 * {@code config}, {@code server}, {@code xdp.ebpf}. Must not: answer NTP with logic of its own (the server package decides every reply), allocate, lock or log per packet, or touch an XDP
 * program it did not load (a foreign program on the device is left alone).
 */
package org.jntpd.xdp;
