package org.jntpd.guest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * A long-running program in the guest (a daemon): started as a background job that records its PID and sends its
 * output to {@code /job/NAME.log}, stopped with SIGTERM by that PID.
 */
public final class GuestProcess {
    private static final Duration POLL = Duration.ofMillis(200);

    private final GuestVm vm;
    private final String name;
    private final GuestVm.Job job;

    private GuestProcess(GuestVm vm, String name, GuestVm.Job job) {
        this.vm = vm;
        this.name = name;
        this.job = job;
    }

    /** Runs {@code command} (a shell command line, exec'd so the PID is the program's) in the guest's background. */
    public static GuestProcess start(GuestVm vm, String name, String command) throws IOException {
        GuestVm.Job job = vm.submit("echo $$ > /job/" + name + ".pid\nexec " + command + " > /job/" + name + ".log 2>&1");
        return new GuestProcess(vm, name, job);
    }

    /**
     * The command line of the project's jntpd in the guest: bin/jntpd on target/classes, C1 only (under TCG, C2's
     * compiles cost more than they save in a run of a minute: start-up took 19-24 s with them, 8-11 s without), a JVM
     * crash report kept in the job folder.
     */
    public static String jntpd(String args) {
        Path project = Path.of(System.getProperty("jntpd.projectDir", System.getProperty("user.dir"))).toAbsolutePath();
        Path classes = Path.of(System.getProperty("jntpd.buildDir", "target")).toAbsolutePath().resolve("classes");
        return "env JNTPD_CLASSPATH=" + classes
                + " JNTPD_JAVA_OPTS='-XX:TieredStopAtLevel=1 -XX:ErrorFile=/job/hs_err_%p.log' "
                + project.resolve("bin/jntpd") + " " + args;
    }

    /** The program's output so far. */
    public String log() {
        try {
            return Files.readString(vm.jobDir().resolve(name + ".log"), StandardCharsets.UTF_8);
        } catch (IOException notYet) {
            return "";
        }
    }

    /** Waits until the output contains {@code text}; throws with the output when it does not in time or the program ended. */
    public void awaitLog(String text, Duration timeout) throws IOException, TimeoutException, InterruptedException {
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (!log().contains(text)) {
            if (ended()) {
                throw new IOException(name + " ended before logging '" + text + "':\n" + log());
            }
            if (System.nanoTime() - deadlineNs > 0) {
                throw new TimeoutException(name + " did not log '" + text + "' in " + timeout + ":\n" + log());
            }
            Thread.sleep(POLL);
        }
    }

    /** Whether the program has ended. */
    public boolean ended() {
        return job.done();
    }

    /** SIGTERM, then waits for the program to end; returns its exit code (143 when killed by the signal). */
    public int stop(Duration timeout) throws IOException, TimeoutException {
        vm.exec("kill -TERM $(cat /job/" + name + ".pid) 2>/dev/null || true", Duration.ofSeconds(30));
        return job.await(timeout).exitCode();
    }
}
