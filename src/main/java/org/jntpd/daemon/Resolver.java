package org.jntpd.daemon;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jntpd.base.Log;
import org.jntpd.config.ServerSpec;

/**
 * Name resolution for server and pool lines on its own thread (DNS blocks; the synchronisation loop must not).
 * A failed lookup is retried with a growing delay (2 s doubling to 10 min), as ntpd and chrony keep trying.
 * Results are handed to a consumer (the synchronisation loop's queue).
 */
public final class Resolver implements AutoCloseable {
    private static final long FIRST_RETRY_MS = 2_000;
    private static final long MAX_RETRY_MS = 600_000;

    /** The addresses found for a line (literal addresses resolve at once, without DNS). */
    public record Resolution(ServerSpec spec, List<InetAddress> addresses) {}

    private final DelayQueue<Request> queue = new DelayQueue<>();
    private final Consumer<Resolution> results;
    /** Started by the first request: a server without server or pool lines keeps no thread for it (its stack). */
    private Thread thread;
    private volatile boolean running = true;
    /** Lines a reload removed (by identity: a line added again later is a new object): never looked up again. */
    private final Set<ServerSpec> cancelled = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

    public Resolver(Consumer<Resolution> results) {
        this.results = results;
    }

    private synchronized void startOnce() {
        if (thread == null && running) {
            thread = Thread.ofPlatform().name("jntpd-resolver").daemon(true).start(this::run);
        }
    }

    /** Asks for {@code spec}'s addresses as soon as possible. */
    public void resolve(ServerSpec spec) {
        queue.add(new Request(spec, System.currentTimeMillis(), FIRST_RETRY_MS));
        startOnce();
    }

    /** Asks again after {@code delayMs} (a pool wanting fresh members). */
    public void resolveLater(ServerSpec spec, long delayMs) {
        queue.add(new Request(spec, System.currentTimeMillis() + delayMs, FIRST_RETRY_MS));
        startOnce();
    }

    /** Stops looking up {@code spec} (a line a reload removed): its queued and retried lookups are dropped. */
    public void cancel(ServerSpec spec) {
        cancelled.add(spec);
        queue.removeIf(r -> r.spec == spec);
    }

    private void run() {
        while (running) {
            Request r;
            try {
                r = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (r == null || cancelled.contains(r.spec)) {
                continue;
            }
            List<InetAddress> found = lookup(r.spec);
            if (cancelled.contains(r.spec)) {
                continue; // removed while it was looked up
            }
            if (found.isEmpty()) {
                long next = Math.min(MAX_RETRY_MS, r.retryMs * 2);
                queue.add(new Request(r.spec, System.currentTimeMillis() + r.retryMs, next));
            } else {
                results.accept(new Resolution(r.spec, found));
            }
        }
    }

    /** The addresses of {@code spec}'s host of its family, in the resolver's order; empty (and logged) on failure. */
    static List<InetAddress> lookup(ServerSpec spec) {
        String host = spec.host();
        String zone = null;
        int pct = host.indexOf('%');
        if (pct >= 0) {
            zone = host.substring(pct + 1);
            host = host.substring(0, pct);
        }
        List<InetAddress> out = new ArrayList<>();
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                boolean v4 = a instanceof Inet4Address;
                if (spec.family() == ServerSpec.Family.IPV4 && !v4 || spec.family() == ServerSpec.Family.IPV6 && v4) {
                    continue;
                }
                if (zone != null && a instanceof Inet6Address) {
                    a = Inet6Address.getByAddress(null, a.getAddress(), java.net.NetworkInterface.getByName(zone));
                }
                out.add(a);
            }
            if (out.isEmpty()) {
                Log.warn(spec.location() + ": " + spec.host() + " has no address of the requested family; retrying later");
            }
        } catch (UnknownHostException e) {
            Log.warn(spec.location() + ": cannot resolve " + spec.host() + " (" + e.getMessage() + "); retrying later");
        } catch (java.net.SocketException e) {
            Log.warn(spec.location() + ": no interface " + zone + " for " + spec.host() + "; retrying later");
        }
        return out;
    }

    @Override
    public synchronized void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    private record Request(ServerSpec spec, long dueMs, long retryMs) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueMs - System.currentTimeMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(dueMs, ((Request) o).dueMs);
        }
    }
}
