package org.jntpd.xdp;

import java.util.Arrays;
import java.util.List;
import org.jntpd.config.Config;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.server.ServerCounters;
import org.jntpd.server.ServerState;
import org.jntpd.server.linux.ControlQueueProbe;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.xdp.RawCounters.Counter;

/**
 * Serves the raw path alone (no sockets) for a test, in the namespace it is started in: args "SECONDS PORT rawpath
 * words..."; a synchronised stratum-2 state. Prints "READY <describe>" once attached, the counters at the end as
 * "name value" lines, or "UNAVAILABLE <reason>" (exit 3). -Dmode6=undrained hands mode 6 to queues nobody drains and
 * prints what they dropped and held. -DprogramOnly=ADDRESS puts ADDRESS in the XDP program's served-address map but
 * not in the workers' set (their own check must refuse what the program steers to them).
 */
public final class RawServeMain {
    public static void main(String[] args) throws Exception {
        long seconds = Long.parseLong(args[0]);
        int port = Integer.parseInt(args[1]);
        RawPathSettings settings = RawPathSettings.parse(Arrays.asList(args).subList(2, args.length));
        long now = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
        ServerState state = new ServerState(0, 2, -20, 0x0000_0100, 1_000_000, 15.0, 0xC612_0063,
                NtpTimestamp.fromUnixNs(now), now);
        Config.RateLimit rl = Boolean.getBoolean("limit") ? new Config.RateLimit(0, 4, 4, true)
                : Config.RateLimit.DEFAULT;
        // -Dignore=A.B.C.D: 'restrict A.B.C.D ignore' (the restrict list the socket path uses); -Dquery=A.B.C.D:
        // 'restrict A.B.C.D' (mode 6 allowed to it; everybody else has the default noquery)
        List<org.jntpd.config.RestrictRule> restrictions = new java.util.ArrayList<>();
        for (String[] rule : new String[][] {{"ignore", "IGNORE"}, {"query", null}}) {
            String address = System.getProperty(rule[0]);
            if (address != null) {
                restrictions.add(new org.jntpd.config.RestrictRule(java.net.InetAddress.ofLiteral(address).getAddress(),
                        4, 32, rule[1] == null ? java.util.EnumSet.noneOf(org.jntpd.config.RestrictFlag.class)
                                : java.util.EnumSet.of(org.jntpd.config.RestrictFlag.valueOf(rule[1])), false,
                        org.jntpd.config.Location.BUILT_IN));
            }
        }
        try (RawPath raw = RawPath.open(settings, new int[] {port}, List.of(), rl, restrictions, () -> state,
                x -> x)) {
            // -Dmode6=undrained: mode 6 goes to one queue per worker that nobody drains (it fills, then drops)
            List<org.jntpd.server.linux.ControlQueue> queues = new java.util.ArrayList<>();
            if ("undrained".equals(System.getProperty("mode6"))) {
                raw.handControlTo(() -> {
                    org.jntpd.server.linux.ControlQueue q = ControlQueueProbe.undrained();
                    queues.add(q);
                    return q;
                });
            }
            String programOnly = System.getProperty("programOnly");
            if (programOnly != null) {
                raw.servedAddresses().putInProgramOnly(java.net.InetAddress.ofLiteral(programOnly).getAddress());
            }
            raw.startWorkers();
            System.out.println("READY " + raw.describe());
            System.out.flush();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < end && System.in.available() == 0) {
                Thread.sleep(20);
            }
            for (Counter c : Counter.values()) {
                System.out.println("raw." + c.name() + " " + raw.total(c));
            }
            for (ServerCounters.Counter c : ServerCounters.Counter.values()) {
                System.out.println("ntp." + c.name() + " " + raw.total(c));
            }
            long latencies = 0; // replies in the RX->TX latency histogram, all buckets of all workers
            for (RawWorker w : raw.workers()) {
                for (int b = 0; b < ServerCounters.LATENCY_BUCKETS; b++) {
                    latencies += w.logic().counters().latencyBucket(b);
                }
            }
            System.out.println("ntp.LATENCY_COUNT " + latencies);
            if (!queues.isEmpty()) {
                long dropped = 0;
                long[] taken = new long[2];
                for (org.jntpd.server.linux.ControlQueue q : queues) {
                    dropped += q.dropped();
                    long[] t = ControlQueueProbe.take(q, 0xC612_0001, 12); // READSTAT requests to 198.18.0.1
                    taken[0] += t[0];
                    taken[1] += t[1];
                }
                System.out.println("mode6.DROPPED " + dropped);
                System.out.println("mode6.QUEUED " + taken[0]);
                System.out.println("mode6.QUEUED_READSTAT_TO_SERVER_V4 " + taken[1]);
            }
            for (SteeringProgram.Counter c : SteeringProgram.Counter.values()) {
                System.out.println("xdp." + c.name() + " " + raw.programCounter(c));
            }
        } catch (RawPath.UnavailableException e) {
            System.out.println("UNAVAILABLE " + e.getMessage());
            System.exit(3);
        }
    }
}
