package org.jntpd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jntpd.testing.ExternalProgram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration file itself: what is read, what is refused, and the reason given. */
class ConfigFilesTest {
    @TempDir
    Path dir;

    private static List<String> errorsOf(Path file) {
        return assertThrows(ConfigException.class, () -> ConfigParser.parse(file)).errors();
    }

    @Test
    void shouldIgnoreBytesThatAreNotUtf8InAComment() throws Exception {
        Path f = dir.resolve("latin1.conf");
        // ISO-8859-1 in comments: before, the whole file failed with "Input length = N" and no line.
        Files.write(f, "# serveur du caf\u00e9\nserver 192.0.2.1 # r\u00e9seau\n".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals("192.0.2.1", ConfigParser.parse(f).servers().getFirst().host());
    }

    @Test
    void shouldNameTheLineAndByteThatIsNotUtf8InAWord() throws IOException {
        Path f = dir.resolve("latin1.conf");
        Files.write(f, "server 192.0.2.1\ndriftfile /var/lib/caf\u00e9/drift\n".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(List.of(f + ":2: byte 0xE9 at column 23 is not UTF-8 (write the file in UTF-8)"), errorsOf(f));
    }

    @Test
    void shouldSkipAByteOrderMark() throws Exception {
        Path f = dir.resolve("bom.conf");
        Files.write(f, "\uFEFFserver 192.0.2.1\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("192.0.2.1", ConfigParser.parse(f).servers().getFirst().host());
        assertEquals("192.0.2.1", ConfigParser.parse("t", "\uFEFFserver 192.0.2.1", null).servers().getFirst().host());
    }

    @Test
    void shouldShowInvisibleCharactersInMessages() {
        List<String> errors = assertThrows(ConfigException.class,
                () -> ConfigParser.parse("t", "dri\u200Bftfile /x", null)).errors();
        assertEquals(1, errors.size());
        assertEquals(true, errors.getFirst().startsWith("t:1: unknown directive 'dri\\u200Bftfile'"), errors.getFirst());
    }

    @Test
    void shouldSayWhyAFileCannotBeRead() throws IOException {
        Path missing = dir.resolve("missing.conf");
        assertEquals(List.of("cannot read configuration file " + missing + ": No such file or directory"), errorsOf(missing));
        assertEquals(List.of("cannot read configuration file " + dir + ": is a directory"), errorsOf(dir));
        Path main = dir.resolve("main.conf");
        Files.writeString(main, "server 192.0.2.1\nincludefile missing.conf\n");
        assertEquals(List.of(main + ":2: cannot read configuration file " + missing + ": No such file or directory"),
                errorsOf(main));
    }

    @Test
    void shouldSayPermissionDeniedToAnUnprivilegedUser() throws Exception {
        assumeTrue(ExternalProgram.isRoot(), "running the check as another user needs root");
        Path secret = dir.resolve("secret.conf");
        Files.writeString(secret, "server 192.0.2.1\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path classes = Path.of(System.getProperty("jntpd.buildDir", "target"), "classes").toAbsolutePath();
        ExternalProgram.Result r = ExternalProgram.run(Duration.ofSeconds(60), List.of("setpriv", "--reuid=65534",
                "--regid=65534", "--clear-groups", java, "--enable-native-access=ALL-UNNAMED", "-cp", classes.toString(),
                "org.jntpd.cli.Jntpd", "--check-config", "-c", secret.toString()), Map.of());
        assumeTrue(!r.output().contains("ClassNotFoundException") && !r.output().contains("Could not find or load"),
                "the classes are not readable by nobody here: " + r.output());
        assertEquals(1, r.exitCode(), r.output());
        assertEquals("jntpd: cannot read configuration file " + secret + ": Permission denied\n", r.output());
    }

    @Test
    void shouldRefuseAFileTooLargeWithoutReadingIt() throws Exception {
        Path huge = dir.resolve("huge.conf");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(3L << 30); // sparse: 3 GiB that take no disk
        }
        List<String> errors = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> errorsOf(huge));
        assertEquals(List.of("cannot read configuration file " + huge + ": is larger than 1048576 bytes (3221225472 bytes)"),
                errors);
    }

    @Test
    void shouldRefuseAFifoAndADeviceWithoutWaiting() throws Exception {
        Path fifo = dir.resolve("fifo.conf");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        List<String> errors = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> errorsOf(fifo));
        assertEquals(List.of("cannot read configuration file " + fifo + ": is a FIFO, not a regular file"), errors);
        Path zero = Path.of("/dev/zero");
        assertEquals(List.of("cannot read configuration file /dev/zero: is a character device, not a regular file"),
                assertTimeoutPreemptively(Duration.ofSeconds(10), () -> errorsOf(zero)));
    }

    @Test
    void shouldBoundWhatIncludesRead() throws IOException {
        Path empty = dir.resolve("empty.conf");
        Files.writeString(empty, "");
        Path main = dir.resolve("main.conf");
        Files.writeString(main, "includefile empty.conf\n".repeat(1200));
        List<String> errors = errorsOf(main);
        assertEquals(201, errors.size(), errors.subList(0, 3).toString());
        assertEquals(main + ":1000: cannot read configuration file " + empty + ": more than 1000 files are included",
                errors.getFirst());
    }
}
