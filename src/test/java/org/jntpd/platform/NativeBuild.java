package org.jntpd.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Compiles the C under native/ with gcc into target/native/ for tests; tests skip (with the reason) without gcc. */
public final class NativeBuild {
    private NativeBuild() {
    }

    public static Path projectDir() {
        return Path.of(System.getProperty("jntpd.projectDir", ".")).toAbsolutePath();
    }

    public static Path buildDir() {
        return Path.of(System.getProperty("jntpd.buildDir", "target")).toAbsolutePath();
    }

    public static boolean gccAvailable() {
        try {
            Process p = new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start();
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Skips the calling test when gcc cannot be run. */
    public static void assumeGcc() {
        Assumptions.assumeTrue(gccAvailable(), "gcc is not on the PATH: the native test programs cannot be built");
    }

    /** Builds native/{@code source} into target/native/{@code output} (an executable, or a .so with -shared). */
    public static synchronized Path compile(String source, String output, String... gccArgs) throws Exception {
        Path src = projectDir().resolve("native").resolve(source);
        Path out = buildDir().resolve("native").resolve(output);
        Files.createDirectories(out.getParent());
        if (Files.exists(out) && Files.getLastModifiedTime(out).compareTo(Files.getLastModifiedTime(src)) > 0) {
            return out;
        }
        List<String> cmd = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-Wextra", "-Werror"));
        List<String> libraries = new ArrayList<>();
        for (String a : gccArgs) {
            (a.startsWith("-l") ? libraries : cmd).add(a);
        }
        cmd.addAll(List.of("-o", out.toString(), src.toString()));
        cmd.addAll(libraries); // after the source, or --as-needed drops them
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("gcc failed: " + String.join(" ", cmd) + "\n" + log);
        }
        return out;
    }

    /** Runs a program (bounded: 60 s) and returns its stdout; fails on a non-zero exit. */
    public static String run(Path program) throws Exception {
        Process p = new ProcessBuilder(program.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(program + " did not finish in 60 s");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(program + " exited with " + p.exitValue());
        }
        return out;
    }
}
