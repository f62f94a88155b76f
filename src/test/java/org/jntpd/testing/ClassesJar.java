package org.jntpd.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A build directory's classes packed into a jar, for processes that drop privileges. A JVM opens its jars once at start
 * and reads classes through that descriptor, so classes loaded lazily after {@code -u nobody} still load; from
 * target/classes they are opened one file at a time and fail with NoClassDefFoundError when the checkout is not
 * readable by that user (a clone in root's home, mode 0700).
 */
public final class ClassesJar {
    private ClassesJar() {
    }

    /** {@code dir} (e.g. target/classes) as a jar beside it, made once per test JVM (they are compiled by then). */
    public static synchronized Path of(Path dir) {
        Path jar = dir.resolveSibling(dir.getFileName() + "-" + ProcessHandle.current().pid() + ".jar");
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        try {
            Path tmp = Files.createTempFile(dir.getParent(), "classes", ".jar.tmp");
            try (OutputStream out = Files.newOutputStream(tmp); JarOutputStream jar2 = new JarOutputStream(out);
                    Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    jar2.putNextEntry(new JarEntry(dir.relativize(f).toString().replace('\\', '/')));
                    Files.copy(f, jar2);
                    jar2.closeEntry();
                }
            }
            Files.move(tmp, jar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            jar.toFile().deleteOnExit();
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pack " + dir + " into a jar", e);
        }
    }

    /** The classpath of several build directories, each as its jar. */
    public static String classpath(List<Path> dirs) {
        return String.join(":", dirs.stream().map(d -> of(d).toString()).toList());
    }
}
