package org.jntpd.xdp;

import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongUnaryOperator;
import org.jntpd.config.Config;
import org.jntpd.server.ServerAuth;
import org.jntpd.server.ServerStateSource;

/**
 * The daemon's side of {@code rawpath}: opens the raw path the settings ask for, or says in one log line why it
 * cannot and lets the socket path serve alone. Until the configuration parser knows the directive, its words come
 * from the system property {@value #PROP_NAME} ({@code -Djntpd.rawpath=xdp,eth0,copy}: commas or spaces).
 */
public final class RawPathService {
    /** System property holding the words after {@code rawpath}, for as long as the parser has no directive. */
    public static final String PROP_NAME = "jntpd.rawpath";

    private RawPathService() {
    }

    /** The settings from {@value #PROP_NAME}, or null when it is not set. */
    public static RawPathSettings fromProperty() {
        String words = System.getProperty(PROP_NAME);
        if (words == null || words.isBlank()) {
            return null;
        }
        return RawPathSettings.parse(Arrays.asList(words.trim().split("[\\s,]+")));
    }

    /**
     * Opens the raw path (before the privilege drop: it needs CAP_NET_ADMIN, CAP_BPF and CAP_NET_RAW), or returns
     * null after logging through {@code warn} why not; the workers start with {@link RawPath#startWorkers()}.
     */
    public static RawPath open(RawPathSettings settings, Config config, ServerStateSource state,
            LongUnaryOperator kernelToServedNs, Consumer<String> warn) {
        return open(settings, config, state, kernelToServedNs, ServerAuth.NONE, warn);
    }

    /** As above, answering keyed and NTS requests with {@code auth}, as the socket path does. */
    public static RawPath open(RawPathSettings settings, Config config, ServerStateSource state,
            LongUnaryOperator kernelToServedNs, ServerAuth auth, Consumer<String> warn) {
        if (settings == null) {
            return null;
        }
        Config.Serving serving = config.serving();
        try {
            return RawPath.open(settings, new int[] {serving.port()}, serving.bindAddresses(), serving.cpus(),
                    serving.rateLimit(), serving.clientLog(), config.restrictions(), state, kernelToServedNs, auth);
        } catch (RawPath.UnavailableException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            warn.accept("rawpath xdp " + settings.device() + ": cannot attach (" + reason
                    + "); serving through the kernel's UDP sockets only");
            return null;
        }
    }

    /** The raw path's share of the server counters, for serverstats: counter name to total. */
    public static List<String> counterLines(RawPath raw) {
        List<String> lines = new java.util.ArrayList<>();
        for (RawCounters.Counter c : RawCounters.Counter.values()) {
            lines.add(String.format(java.util.Locale.ROOT, "%-22s: %d", "raw " + c.name().toLowerCase(
                    java.util.Locale.ROOT).replace('_', ' '), raw.total(c)));
        }
        for (SteeringProgram.Counter c : SteeringProgram.Counter.values()) {
            lines.add(String.format(java.util.Locale.ROOT, "%-22s: %d", "xdp " + c.name().toLowerCase(
                    java.util.Locale.ROOT).replace('_', ' '), raw.programCounter(c)));
        }
        return lines;
    }
}
