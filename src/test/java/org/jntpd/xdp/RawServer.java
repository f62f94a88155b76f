package org.jntpd.xdp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jntpd.platform.NativeBuild;

/**
 * {@link RawServeMain} in a JVM of its own inside a namespace: started, READY awaited (or UNAVAILABLE reported),
 * stopped through its stdin, its counters read. Bounded: 60 s at most.
 */
final class RawServer implements AutoCloseable {
    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> all = java.util.Collections.synchronizedList(new ArrayList<>());
    private String ready;
    private Map<String, Long> counters;

    private RawServer(Process process) {
        this.process = process;
        Thread.ofPlatform().daemon(true).start(this::pump);
    }

    /**
     * Starts the raw path in a namespace ({@code inNamespace}: the ip netns exec prefix): {@code jvmArgs} for the
     * child, then the rawpath words. Returns once it serves, or throws {@link Unavailable} with the reason when XDP
     * cannot attach.
     */
    static RawServer start(List<String> inNamespace, int port, List<String> jvmArgs, String... rawpathWords)
            throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(inNamespace);
        cmd.add(java);
        cmd.addAll(List.of("-Xmx256m", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", NativeBuild.buildDir().resolve("classes") + ":" + NativeBuild.buildDir()
                .resolve("test-classes"), RawServeMain.class.getName(), "60", Integer.toString(port)));
        cmd.addAll(List.of(rawpathWords));
        RawServer s = new RawServer(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() - deadline < 0) {
            String line = s.lines.poll(100, TimeUnit.MILLISECONDS);
            if (line == null) {
                if (!s.process.isAlive() && s.lines.isEmpty()) {
                    break;
                }
                continue;
            }
            if (line.startsWith("READY ")) {
                s.ready = line.substring(6);
                return s;
            }
            if (line.startsWith("UNAVAILABLE ")) {
                s.process.waitFor(5, TimeUnit.SECONDS);
                throw new Unavailable(line.substring(12));
            }
        }
        s.process.destroyForcibly();
        throw new IllegalStateException("raw server did not start:\n" + s.output());
    }

    /** XDP or AF_XDP refused: the test skips with this reason. */
    static final class Unavailable extends Exception {
        Unavailable(String reason) {
            super(reason);
        }
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                all.add(line);
                lines.add(line);
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    /** The describe() line the raw path logged. */
    String description() {
        return ready;
    }

    /** Stops the server and returns its counters ("raw.X", "ntp.X", "xdp.X"). */
    Map<String, Long> stop() throws Exception {
        if (counters != null) {
            return counters;
        }
        try (OutputStream in = process.getOutputStream()) {
            in.write('\n');
        } catch (IOException gone) {
            // already ended
        }
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        Thread.sleep(100); // the pump reads the last lines
        counters = new HashMap<>();
        synchronized (all) {
            for (String l : all) {
                String[] kv = l.split(" ");
                if (kv.length == 2 && kv[0].matches("(raw|ntp|xdp|mode6)\\.[A-Z_0-9]+")) {
                    counters.put(kv[0], Long.parseLong(kv[1]));
                }
            }
        }
        return counters;
    }

    String output() {
        synchronized (all) {
            return String.join("\n", all);
        }
    }

    @Override
    public void close() throws Exception {
        stop();
    }
}
