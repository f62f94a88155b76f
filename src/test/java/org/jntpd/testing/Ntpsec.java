package org.jntpd.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * NTPsec 1.2.2 for system tests. It conflicts with chrony in apt, so it is not installed: {@code apt-get download
 * ntpsec python3-ntp ntpsec-ntpviz} and {@code dpkg-deb -x} unpack them once into {@code target/ntpsec/root} (PEERS.md), a cache the
 * next runs reuse (ntpq is Python on the python3-ntp module). Its ntpd has no setting for its ports (NTP 123, NTS-KE 4460): run it in a {@link NetNamespace}, under
 * {@code setpriv --bounding-set -sys_time} ({@link #ntpd}) so it cannot set the clock even though it tries.
 */
public final class Ntpsec {
    private static final Path PROJECT = Path.of(System.getProperty("jntpd.projectDir", "."));
    private static final Path CACHE = PROJECT.resolve("target/ntpsec");
    private static final Path ROOT = CACHE.resolve("root");
    private static final Duration FETCH_TIMEOUT = Duration.ofMinutes(3);
    private static final String NTP_MODULE = "usr/lib/python3/dist-packages/ntp";
    private static final String NTPVIZ = "usr/bin/ntpviz";
    private static String unavailable;

    private Ntpsec() {}

    /** The unpacked package's root; the test is skipped (with the reason) when it cannot be had. */
    public static synchronized Path root() {
        if (unpacked()) {
            return ROOT;
        }
        if (unavailable == null) {
            unavailable = fetch();
        }
        assumeTrue(unavailable.isEmpty(), unavailable);
        return ROOT;
    }

    /** Downloads and unpacks the package; "" when done, else why not. */
    private static String fetch() {
        if (ExternalProgram.find("apt-get").isEmpty() || ExternalProgram.find("dpkg-deb").isEmpty()) {
            return "NTPsec is fetched with apt-get download and dpkg-deb -x, and neither is here";
        }
        try {
            Files.createDirectories(CACHE);
            try (FileChannel lock = FileChannel.open(CACHE.resolve(".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); var held = lock.lock()) {
                if (unpacked()) {
                    return ""; // another test JVM unpacked it meanwhile
                }
                TestFiles.deleteTree(ROOT); // an older cache without python3-ntp or ntpviz
                Path tmp = CACHE.resolve("root.tmp");
                TestFiles.deleteTree(tmp);
                for (String pkg : List.of("ntpsec", "python3-ntp", "ntpsec-ntpviz")) {
                    Path deb = debIn(CACHE, pkg);
                    if (deb == null) {
                        ExternalProgram.Result r = ExternalProgram.run(FETCH_TIMEOUT, List.of("sh", "-c",
                                "cd '" + CACHE + "' && apt-get download " + pkg));
                        deb = debIn(CACHE, pkg);
                        if (deb == null) {
                            return "apt-get download " + pkg + " failed (no network or no apt lists?): " + r;
                        }
                    }
                    ExternalProgram.Result x = ExternalProgram.run(FETCH_TIMEOUT, "dpkg-deb", "-x", deb.toString(),
                            tmp.toString());
                    if (x.exitCode() != 0) {
                        return "dpkg-deb -x " + deb + " failed: " + x;
                    }
                }
                Files.move(tmp, ROOT);
                return "";
            }
        } catch (IOException e) {
            return "cannot unpack NTPsec into " + CACHE + ": " + e;
        }
    }

    private static boolean unpacked() {
        return Files.isExecutable(ROOT.resolve("usr/sbin/ntpd")) && Files.isDirectory(ROOT.resolve(NTP_MODULE))
                && Files.isRegularFile(ROOT.resolve(NTPVIZ));
    }

    private static Path debIn(Path dir, String pkg) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(pkg + "_") && p.toString().endsWith(".deb"))
                    .findFirst().orElse(null);
        }
    }

    /**
     * {@code ip netns exec NS setpriv --bounding-set -sys_time ntpd -n -c CONF -l LOG} (foreground, logging to a file):
     * start it with a ProcessBuilder and stop it with {@link ExternalProgram#kill}.
     */
    public static List<String> ntpd(NetNamespace ns, Path conf, Path log) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns.name()));
        cmd.addAll(ExternalProgram.withoutSysTime(root().resolve("usr/sbin/ntpd").toString(), "-n", "-c",
                conf.toString(), "-l", log.toString()));
        return cmd;
    }

    /**
     * NTPsec's ntpviz on the statistics files in {@code statsDir}, its web page and plots into {@code outDir} (it needs
     * gnuplot, package gnuplot-nox).
     */
    public static ExternalProgram.Result ntpviz(Path statsDir, Path outDir) {
        Path root = root();
        return ExternalProgram.run(Duration.ofMinutes(2), List.of("python3", root.resolve(NTPVIZ).toString(), "-d",
                statsDir.toString(), "-o", outDir.toString()), Map.of("PYTHONPATH",
                root.resolve("usr/lib/python3/dist-packages").toString()));
    }

    /** Runs NTPsec's ntpq in the namespace (its Python needs the unpacked modules and library). */
    public static String ntpq(NetNamespace ns, String... args) {
        Path root = root();
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns.name(), "python3",
                root.resolve("usr/bin/ntpq").toString()));
        cmd.addAll(List.of(args));
        return ExternalProgram.run(Duration.ofSeconds(15), cmd, Map.of(
                "PYTHONPATH", root.resolve("usr/lib/python3/dist-packages").toString(),
                "LD_LIBRARY_PATH", root.resolve("usr/lib/x86_64-linux-gnu/ntp").toString())).output();
    }
}
