package org.jntpd.nts.ke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jntpd.nts.ServerKeySet;
import org.jntpd.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server key file: atomic, private, shared by several servers that rotate it at the same moments (four stores on
 * one file in this JVM, serialised by the store's JVM lock; between processes its fcntl lock does the same).
 */
class ServerKeyStoreTest {
    private static final long T0 = 1_795_000_000L;
    private static final ServerKeySet.Rotation R = new ServerKeySet.Rotation(3600, 600, 4);

    @TempDir
    Path dir;

    @AfterEach
    void noTemporaryFilesLeft() throws Exception {
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().contains(".tmp.")).toList());
        }
    }

    @Test
    void shouldCreateAPrivateFileAndReadItBack() throws Exception {
        ServerKeyStore store = new ServerKeyStore(dir.resolve("ntskeys"));
        assertTrue(store.load().isEmpty(), "no file: no keys");
        ServerKeySet set = store.rotate(T0, R, new SecureRandom()::nextBytes);
        assertEquals(1, set.keys().size());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file())));
        assertEquals(set, new ServerKeyStore(store.file()).load(), "another server reads the same keys");
    }

    @Test
    void shouldAddEachKeyOnceWhenSeveralServersRotateTogether() throws Exception {
        Path file = dir.resolve("shared-keys");
        int servers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(servers);
        try {
            for (long t = T0; t < T0 + 24 * 3600; t += 600) {
                long now = t;
                CountDownLatch go = new CountDownLatch(1);
                List<Future<ServerKeySet>> results = new ArrayList<>();
                for (int s = 0; s < servers; s++) {
                    ServerKeyStore store = new ServerKeyStore(file);
                    results.add(pool.submit(() -> {
                        go.await();
                        return store.rotate(now, R, new SecureRandom()::nextBytes);
                    }));
                }
                go.countDown();
                ServerKeySet first = results.get(0).get();
                for (Future<ServerKeySet> f : results) {
                    assertEquals(first, f.get(), "every server ends with the same keys at " + now);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        ServerKeySet end = new ServerKeyStore(file).load();
        // 24 h of hourly keys, 4 active kept, and the next one published 10 minutes ahead.
        assertEquals(5, end.keys().size(), end.toString());
        long lastActivation = end.keys().get(end.keys().size() - 1).activationUnixS();
        assertEquals(T0 + 24 * 3600, lastActivation);
    }

    @Test
    void shouldReportABrokenFileWithItsLine() throws Exception {
        Path file = dir.resolve("bad");
        Files.writeString(file, "jntpd-nts-keys 1\nkey zz 1 2\n");
        String message = assertThrows(java.io.IOException.class, () -> new ServerKeyStore(file).load()).getMessage();
        assertEquals(file + ":2: expected 'key <8 hex digits> <Unix seconds> <64 hex digits>'", message);
        TestFiles.deleteTree(file);
    }
}
