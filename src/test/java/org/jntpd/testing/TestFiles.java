package org.jntpd.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Small file helpers for system tests: read for a failure message, delete a temporary folder. */
public final class TestFiles {
    private TestFiles() {}

    /** The file's text, or a note saying why it cannot be read (for assertion messages). */
    public static String readOrExplain(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(" + file + " unreadable: " + e.getMessage() + ")";
        }
    }

    /** Deletes {@code root} and everything under it; leftovers in /tmp are harmless, so failures are ignored. */
    public static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
