package org.jntpd.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * systemd's side of sd_notify(3) for tests: a Unix datagram socket bound at a path (the JDK's channels do not speak
 * Unix datagrams, so python3 binds it, writable by any user as systemd's is) that records every datagram received.
 * Give its path to the daemon as NOTIFY_SOCKET. The listener ends by itself after {@value #MAX_LIFE_S} s and is
 * killed by PID on close.
 */
public final class NotifySocket implements AutoCloseable {
    private static final int MAX_LIFE_S = 120;
    private static final String SCRIPT = """
            import os, socket, sys, time
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind(sys.argv[1])
            os.chmod(sys.argv[1], 0o666)
            s.settimeout(0.5)
            end = time.monotonic() + float(sys.argv[2])
            print("bound", flush=True)
            while time.monotonic() < end:
                try:
                    print(s.recv(65536).hex(), flush=True)
                except socket.timeout:
                    pass
            """;

    private final Process process;
    private final Path path;
    private final Path output;

    private NotifySocket(Process process, Path path, Path output) {
        this.process = process;
        this.path = path;
        this.output = output;
    }

    /** True when python3 is on the PATH. */
    public static boolean available() {
        return ExternalProgram.find("python3").isPresent();
    }

    /** Binds a socket at {@code path} (at most 107 bytes) and returns once it is there. */
    public static NotifySocket bind(Path path) throws IOException {
        Path output = path.resolveSibling(path.getFileName() + ".received");
        Process p = new ProcessBuilder("python3", "-c", SCRIPT, path.toString(), Integer.toString(MAX_LIFE_S))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        NotifySocket socket = new NotifySocket(p, path, output);
        long deadlineNs = System.nanoTime() + 10_000_000_000L;
        while (!TestFiles.readOrExplain(output).startsWith("bound")) {
            if (!p.isAlive() || System.nanoTime() - deadlineNs > 0) {
                socket.close();
                throw new IOException("python3 could not bind " + path + ": " + TestFiles.readOrExplain(output));
            }
            JntpdProcess.sleepMs(10);
        }
        return socket;
    }

    public Path path() {
        return path;
    }

    /** The datagrams received so far, in order, as UTF-8 text (sd_notify's NAME=VALUE lines). */
    public List<String> messages() {
        List<String> messages = new ArrayList<>();
        List<String> lines = TestFiles.readOrExplain(output).lines().toList();
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            if (!line.isEmpty() && line.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                messages.add(new String(HexFormat.of().parseHex(line), StandardCharsets.UTF_8));
            }
        }
        return messages;
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(path);
            Files.deleteIfExists(output);
        } catch (IOException ignored) {
            // a leftover file in a temporary folder is harmless
        }
    }
}
