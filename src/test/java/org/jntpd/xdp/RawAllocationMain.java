package org.jntpd.xdp;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.jntpd.config.Config;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.server.ServerState;
import org.jntpd.time.NtpTimestamp;
import org.jntpd.xdp.RawCounters.Counter;

/**
 * The raw path's worker, measured: args "DEVICE WARMUP MEASURED". Serves (with a rate limiter that refuses nobody, so
 * it runs on every request) until WARMUP frames came, then reads the worker thread's allocated bytes over up to five
 * windows of MEASURED frames, and prints "READY" at the start, then "ALLOCATED least-bytes FRAMES n REPLIED r WINDOWS
 * b1,b2,..." (the window that allocated least); or "TIMEOUT".
 */
public final class RawAllocationMain {
    public static void main(String[] args) throws Exception {
        long warmup = Long.parseLong(args[1]);
        long measured = Long.parseLong(args[2]);
        long now = Libc.clockGettimeNs(Clocks.CLOCK_REALTIME);
        ServerState state = new ServerState(0, 2, -20, 0x100, 1_000_000, 15.0, 0xC612_0063,
                NtpTimestamp.fromUnixNs(now), now);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // ratelimit interval 2^-19 s burst 255 for everyone: the limiter runs on every request and refuses none
        Config.RateLimit rl = new Config.RateLimit(-19, 255, 4, true);
        try (RawPath raw = RawPath.open(RawPathSettings.parse(List.of("xdp", args[0])), new int[] {123}, List.of(), rl,
                List.of(), () -> state, x -> x)) {
            raw.startWorkers();
            long tid = raw.workerThreadIds()[0];
            System.out.println("READY " + raw.describe());
            System.out.flush();
            // Bounded, and long enough for a sender that a busy machine slows to a few thousand a second (at a load of
            // 15 on two cores the sender's 30 s gave a window 70,837 of its 100,000 frames).
            long deadline = System.nanoTime() + 150_000_000_000L;
            while (raw.total(Counter.FRAMES_RECEIVED) < warmup && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            // Up to five windows of MEASURED frames; the first that allocates nothing ends it. On a busy machine the
            // JIT may still be compiling (or deoptimise once) after the warm-up, and code that is not yet C2's
            // allocates what escape analysis later removes; a steady allocation shows in every window.
            StringBuilder windows = new StringBuilder();
            long best = Long.MAX_VALUE;
            long frames = 0;
            long replied = 0;
            long lastFrames = 0; // of the window that ran out of time, for the TIMEOUT line
            for (int w = 0; w < 5 && best != 0; w++) {
                long frames0 = raw.total(Counter.FRAMES_RECEIVED);
                long replied0 = raw.total(org.jntpd.server.ServerCounters.Counter.REPLIED);
                long bytes0 = mx.getThreadAllocatedBytes(tid);
                while (raw.total(Counter.FRAMES_RECEIVED) < frames0 + measured && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                long bytes = mx.getThreadAllocatedBytes(tid) - bytes0;
                long f = raw.total(Counter.FRAMES_RECEIVED) - frames0;
                lastFrames = f;
                if (f < measured) {
                    break;
                }
                windows.append(w == 0 ? "" : ",").append(bytes);
                if (bytes < best) {
                    best = bytes;
                    frames = f;
                    replied = raw.total(org.jntpd.server.ServerCounters.Counter.REPLIED) - replied0;
                }
            }
            System.out.println(best == Long.MAX_VALUE ? "TIMEOUT frames " + lastFrames
                    : "ALLOCATED " + best + " FRAMES " + frames + " REPLIED " + replied + " WINDOWS " + windows);
        } catch (RawPath.UnavailableException e) {
            System.out.println("UNAVAILABLE " + e.getMessage());
            System.exit(3);
        }
    }
}
