package org.jntpd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jntpd.platform.JitDirectives;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/jntpd gives the JIT the inlining rules of {@link JitDirectives} as compile commands (so the daemon need not
 * start the platform MBean server): the two lists must stay the same, or the packet path may allocate again. It
 * lowers the packet paths' compile thresholds and compiles with C2 only when the daemon will serve (a client compiled
 * them for nothing, and C1 is enough for its few packets a second).
 */
class LauncherFlagsTest {
    private static final String SCALING = "-XX:CompileCommand=CompileThresholdScaling,";

    private static Path launcherPath() {
        return Path.of(System.getProperty("jntpd.projectDir", ".")).resolve("bin/jntpd");
    }

    private static String launcher() throws Exception {
        return Files.readString(launcherPath());
    }

    /** The arguments bin/jntpd gives java, run with a stand-in JDK 25 whose java prints them one a line. */
    private static List<String> javaArguments(Path dir, String... args) throws Exception {
        Path jdk = dir.resolve("jdk");
        Files.createDirectories(jdk.resolve("bin"));
        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"25\"\n");
        Path java = jdk.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> command = new ArrayList<>(List.of("bash", launcherPath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", jdk.toString());
        pb.environment().put("JNTPD_CLASSPATH", dir.toString()); // no build: the stand-in runs nothing
        pb.environment().remove("JNTPD_JAVA_OPTS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "bin/jntpd did not finish");
        assertEquals(0, p.exitValue(), out);
        return List.of(out.split("\n"));
    }

    private static long scaled(List<String> javaArgs) {
        return javaArgs.stream().filter(a -> a.startsWith(SCALING)).count();
    }

    @Test
    void shouldLowerThePacketPathsCompileThresholdsAndUseC2OnlyWhenTheDaemonServes(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("client.conf"), "port 0 # a client only\nserver 127.0.0.1 iburst\n");
        Files.writeString(dir.resolve("quoted.conf"), "PORT \"0\"\nserver 127.0.0.1\n");
        Files.writeString(dir.resolve("server.conf"), "port 123\nlocal stratum 1\n");
        Files.writeString(dir.resolve("default.conf"), "server 127.0.0.1\n");
        Files.writeString(dir.resolve("last.conf"), "port 0\nport 1123\n");
        Files.writeString(dir.resolve("includes.conf"), "port 0\nincludefile more.conf\n");
        Files.writeString(dir.resolve("peer.conf"), "port 0\npeer 127.0.0.2\n");

        List<String> server = javaArguments(dir, "-c", "server.conf", "-n", "-x");
        assertTrue(server.contains(SCALING + "org.jntpd.server.*::*,0.01"), String.join(" ", server));
        assertTrue(server.contains(SCALING + "jdk.internal.foreign.*::*,0.01"), String.join(" ", server));
        long all = scaled(server);
        assertEquals(all, scaled(javaArguments(dir, "-c", "default.conf")), "no port line: serves on 123");
        assertEquals(all, scaled(javaArguments(dir, "-c", "last.conf")), "the last port line counts");
        assertEquals(all, scaled(javaArguments(dir, "-c", "includes.conf")), "an include may serve: taken to serve");
        assertEquals(all, scaled(javaArguments(dir, "-c", "missing.conf")), "unreadable: taken to serve");
        assertEquals(all, scaled(javaArguments(dir, "-c", "peer.conf")), "a symmetric peer reads the T3 it sends");

        assertEquals(0, scaled(javaArguments(dir, "-c", "client.conf", "-n")), "port 0 serves nothing");
        assertEquals(0, scaled(javaArguments(dir, "-n", "-c", "quoted.conf")), "keywords are case-insensitive");
        assertEquals(0, scaled(javaArguments(dir, "-q", "-c", "server.conf")), "-q sets the clock once and exits");
        assertEquals(0, scaled(javaArguments(dir, "-c", "server.conf", "-Q")), "-Q prints the offset and exits");
        assertTrue(server.contains("-XX:-TieredCompilation"), "a server compiles with C2: " + String.join(" ", server));
        List<String> client = javaArguments(dir, "-c", "client.conf", "-n");
        assertTrue(client.contains("-XX:TieredStopAtLevel=1") && !client.contains("-XX:-TieredCompilation"),
                "a client compiles with C1: " + String.join(" ", client));
        assertTrue(client.contains("-XX:CompileCommand=dontinline,org.jntpd.platform.Libc::recvmmsg"),
                "the inlining rules stay: " + String.join(" ", client));
        assertEquals("org.jntpd.cli.Jntpd", client.get(client.size() - 4), String.join(" ", client));
    }

    @Test
    void shouldGiveTheJitTheSameInliningRulesAsJitDirectives() throws Exception {
        String script = launcher();
        TreeSet<String> wanted = new TreeSet<>();
        Matcher rule = Pattern.compile("\"([+-])([\\w/$]+)\\.(\\w+)\"").matcher(JitDirectives.DIRECTIVE);
        while (rule.find()) {
            wanted.add((rule.group(1).equals("+") ? "inline," : "dontinline,") + rule.group(2).replace('/', '.') + "::"
                    + rule.group(3));
        }
        assertFalse(wanted.isEmpty(), JitDirectives.DIRECTIVE);

        TreeSet<String> given = new TreeSet<>();
        Matcher command = Pattern.compile("-XX:CompileCommand=((?:dont)?inline,[\\w.$]+::)(\\w+|\\$f)").matcher(script);
        List<String> loop = loopWords(script);
        while (command.find()) {
            if (command.group(2).equals("$f")) {
                loop.forEach(f -> given.add(command.group(1) + f));
            } else {
                given.add(command.group(1) + command.group(2));
            }
        }
        assertEquals(wanted, given, "bin/jntpd's compile commands against JitDirectives.DIRECTIVE");
        assertTrue(script.contains("-XX:CompileCommand=quiet"), "the JVM would print every compile command");
        assertTrue(script.contains("-Djntpd.jit.directives=false"), "no MBean server for what the commands already did");
    }

    /** The words of the launcher's {@code for f in ...; do} loop. */
    private static List<String> loopWords(String script) {
        Matcher m = Pattern.compile("for f in ([\\w ]+); do").matcher(script);
        List<String> words = new ArrayList<>();
        if (m.find()) {
            words.addAll(List.of(m.group(1).trim().split("\\s+")));
        }
        return words;
    }
}
