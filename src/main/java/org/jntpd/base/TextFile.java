package org.jntpd.base;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads the small files the daemon is given by name (configuration, drift, leap seconds): only a regular file, and
 * only up to a bound, so that a FIFO cannot hang the start and /dev/zero or a 3 GB file cannot exhaust the heap. A
 * failure is an {@link IOException} whose message is the reason alone, as strerror says it ("No such file or
 * directory", "Permission denied", "is a directory"), for "cannot read X: reason".
 */
public final class TextFile {
    private static final int S_IFMT = 0170000;

    private TextFile() {}

    /** The bytes of {@code file}, a regular file of at most {@code maxBytes}. */
    public static byte[] read(Path file, int maxBytes) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new IOException(reason(e), e);
        }
        if (a.isDirectory()) {
            throw new IOException("is a directory");
        }
        if (!a.isRegularFile()) {
            throw new IOException("is " + kind(file) + ", not a regular file");
        }
        if (a.size() > maxBytes) {
            throw new IOException("is larger than " + maxBytes + " bytes (" + a.size() + " bytes)");
        }
        // Opened only now that it is known to be a regular file: opening a FIFO would wait for a writer.
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(maxBytes + 1);
        } catch (IOException e) {
            throw new IOException(reason(e), e);
        }
        if (bytes.length > maxBytes) {
            throw new IOException("is larger than " + maxBytes + " bytes"); // it grew since it was looked at
        }
        return bytes;
    }

    /** What a failed file operation means, in the words of strerror(3). */
    public static String reason(IOException e) {
        return switch (e) {
            case NoSuchFileException n -> "No such file or directory";
            case AccessDeniedException d -> "Permission denied";
            case NotDirectoryException d -> "Not a directory";
            case FileAlreadyExistsException x -> x.getFile() + " exists and is not a directory";
            case FileSystemException f when f.getReason() != null -> f.getReason();
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
    }

    /** "a FIFO", "a character device" ...: what a file that is not a regular file is. */
    private static String kind(Path file) {
        try {
            int mode = (Integer) Files.getAttribute(file, "unix:mode");
            return switch (mode & S_IFMT) {
                case 0010000 -> "a FIFO";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0140000 -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "a special file";
        }
    }
}
