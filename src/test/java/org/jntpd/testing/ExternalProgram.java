package org.jntpd.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a third-party program (chronyd, ntpdig, python3, ip ...) to completion with a time bound, output captured in a
 * temporary file so a chatty program never blocks on a full pipe. On timeout the process (and anything it started) is
 * killed by PID.
 */
public final class ExternalProgram {
    /** How a run ended: exit code (-1 = killed at the timeout) and stdout+stderr interleaved. */
    public record Result(int exitCode, String output) {
        public boolean timedOut() {
            return exitCode == -1;
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- output\n" + output;
        }
    }

    private ExternalProgram() {}

    /** The program's path if it is executable at {@code path} or, for a bare name, on the PATH. */
    public static Optional<Path> find(String nameOrPath) {
        if (nameOrPath.contains("/")) {
            Path p = Path.of(nameOrPath);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        String pathVar = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : (pathVar + ":/usr/sbin:/sbin").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, nameOrPath))) {
                return Optional.of(Path.of(dir, nameOrPath));
            }
        }
        return Optional.empty();
    }

    /** True when running as root (network namespaces, chown to _chrony). */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // the effective uid
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /**
     * {@code command} under {@code setpriv --bounding-set -sys_time} when setpriv exists, so it cannot set the clock
     * even if it tried (for third-party daemons; they also run with their own clock control off).
     */
    public static List<String> withoutSysTime(String... command) {
        List<String> cmd = new ArrayList<>();
        find("setpriv").ifPresent(p -> cmd.addAll(List.of(p.toString(), "--bounding-set", "-sys_time")));
        cmd.addAll(List.of(command));
        return cmd;
    }

    public static Result run(Duration timeout, String... command) {
        return run(timeout, List.of(command));
    }

    /** Runs {@code command}; never longer than {@code timeout}. */
    public static Result run(Duration timeout, List<String> command) {
        return run(timeout, command, Map.of());
    }

    /** Runs {@code command} with these variables added to the environment; never longer than {@code timeout}. */
    public static Result run(Duration timeout, List<String> command, Map<String, String> environment) {
        Path out = null;
        try {
            out = Files.createTempFile("jntpd-ext", ".out");
            ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            pb.environment().putAll(environment);
            Process p = pb.start();
            int exit;
            if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                exit = p.exitValue();
            } else {
                kill(p);
                exit = -1;
            }
            return new Result(exit, Files.readString(out));
        } catch (IOException e) {
            return new Result(127, "cannot run " + command + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }

    /** SIGTERM to the process and its descendants (by PID), SIGKILL after 3 s for whatever is left. */
    public static void kill(Process p) {
        List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
        tree.add(p.toHandle());
        tree.forEach(ProcessHandle::destroy);
        long deadlineNs = System.nanoTime() + 3_000_000_000L;
        for (ProcessHandle h : tree) {
            long leftMs = Math.max(1, (deadlineNs - System.nanoTime()) / 1_000_000);
            try {
                h.onExit().get(leftMs, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                h.destroyForcibly();
            } catch (InterruptedException e) {
                h.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
