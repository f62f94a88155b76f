package org.jntpd.nts.ke;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jntpd.nts.ServerKeySet;

/**
 * The server key file on disk ({@link ServerKeySet} describes the format): read, written atomically (a temporary file
 * of mode 0600 in the same folder, fsync, rename over the old one, fsync of the folder), and rotated under an
 * exclusive lock ({@code FILE.lock}, an fcntl lock, so several daemons on one machine, or on a file system with
 * working locks, take turns): the rotating writer re-reads the file under the lock, so a key another server already
 * added is not added twice. A reader that only serves calls {@link #load} when {@link #modified} changes.
 */
public final class ServerKeyStore {
    private static final Map<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path file;

    public ServerKeyStore(Path file) {
        this.file = file.toAbsolutePath().normalize();
    }

    public Path file() {
        return file;
    }

    /** The keys in the file; an empty set when there is no file. Errors name the file and line. */
    public ServerKeySet load() throws IOException {
        try {
            return ServerKeySet.parse(file.toString(), Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return ServerKeySet.empty();
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** When the file last changed, or null when there is none. */
    public FileTime modified() throws IOException {
        try {
            return Files.getLastModifiedTime(file);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Replaces the file with {@code set}, atomically: a reader sees the old file or the new one, never a part. */
    public void save(ServerKeySet set) throws IOException {
        Path dir = file.getParent();
        Path tmp = dir.resolve(file.getFileName() + ".tmp." + ProcessHandle.current().pid() + "." + Thread.currentThread().threadId());
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer data = ByteBuffer.wrap(set.format().getBytes(StandardCharsets.UTF_8));
                while (data.hasRemaining()) {
                    ch.write(data);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(file + ": cannot replace atomically in " + dir, e);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true); // the rename itself survives a crash
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Applies the rotation rule at {@code nowUnixS} to the file under its lock and returns the keys now in force
     * (written back only when they changed).
     */
    public ServerKeySet rotate(long nowUnixS, ServerKeySet.Rotation rotation, Consumer<byte[]> random) throws IOException {
        Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
        synchronized (JVM_LOCKS.computeIfAbsent(file, f -> new Object())) { // fcntl locks are per process
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = ch.lock(); // released when the channel closes
                assert lock.isValid();
                ServerKeySet current = load();
                ServerKeySet next = current.rotate(nowUnixS, rotation, random);
                if (next != current) {
                    save(next);
                }
                return next;
            }
        }
    }
}
