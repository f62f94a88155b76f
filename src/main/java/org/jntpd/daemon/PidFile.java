package org.jntpd.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jntpd.base.AtomicFile;
import org.jntpd.base.Log;
import org.jntpd.base.TextFile;

/**
 * The {@code pidfile}: this process's id, written atomically at start (before the privilege drop, like chronyd) and
 * removed at exit, but only while it still names this process (a second instance may have taken it over).
 */
public final class PidFile {
    private final Path path;
    private final long pid;

    private PidFile(Path path, long pid) {
        this.path = path;
        this.pid = pid;
    }

    /** Writes the file (creating its folder) and removes it when the JVM exits. */
    public static PidFile write(Path path) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            Files.createDirectories(dir);
        }
        PidFile f = new PidFile(path, ProcessHandle.current().pid());
        AtomicFile.write(path, f.pid + "\n");
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("jntpd-pidfile").unstarted(f::remove));
        return f;
    }

    /** Removes the file if it still holds this process's id. */
    public void remove() {
        try {
            String held = new String(TextFile.read(path, 64), StandardCharsets.US_ASCII).trim();
            if (held.equals(Long.toString(pid))) {
                Files.delete(path);
            }
        } catch (IOException e) {
            // After -u the folder may no longer be ours to change (chronyd has the same limit).
            Log.debug("pidfile " + path + " not removed: " + TextFile.reason(e));
        }
    }
}
