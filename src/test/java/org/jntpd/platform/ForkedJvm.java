package org.jntpd.platform;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jntpd.testing.ClassesJar;

/**
 * Runs a test main class in a new JVM (the JDK running the tests, classpath target/classes + target/test-classes packed as jars),
 * for what must not happen in the test JVM: a libc test double chosen at class init, refused native access,
 * mlockall, dropping privileges. Bounded: 120 s.
 */
public final class ForkedJvm {
    /** What the child printed and how it ended. */
    public record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    private ForkedJvm() {
    }

    public static Result run(List<String> jvmArgs, Class<?> mainClass, String... args) throws Exception {
        return run(Map.of(), jvmArgs, mainClass, args);
    }

    /** As {@link #run(List, Class, String...)}, with {@code env} added to the inherited environment. */
    public static Result run(Map<String, String> env, List<String> jvmArgs, Class<?> mainClass, String... args)
            throws Exception {
        return run(List.of(), env, jvmArgs, mainClass, args);
    }

    /** As {@link #run(Map, List, Class, String...)}, the JVM started through {@code launcher} ("unshare", "--ipc"). */
    public static Result run(List<String> launcher, Map<String, String> env, List<String> jvmArgs, Class<?> mainClass,
            String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path build = NativeBuild.buildDir();
        List<String> cmd = new ArrayList<>(launcher);
        cmd.add(java);
        cmd.addAll(List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(jvmArgs);
        // From jars: a child that drops privileges still loads classes when the checkout is unreadable to that user.
        cmd.addAll(List.of("-cp", ClassesJar.classpath(List.of(build.resolve("classes"), build.resolve("test-classes"))),
                mainClass.getName()));
        cmd.addAll(List.of(args));
        Path errFile = Files.createTempFile(build, "forked", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(errFile.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("forked JVM did not finish in 120 s: " + cmd);
            }
            return new Result(p.exitValue(), out, Files.readString(errFile));
        } finally {
            Files.deleteIfExists(errFile);
        }
    }
}
