package org.jntpd.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * chronyd 4.x as an NTP server on 127.0.0.1 for system tests: {@code chronyd -x -d} (never touches the clock, and
 * runs without CAP_SYS_TIME where setpriv exists) with {@code local stratum N}, a free port, and every file of its
 * own in a folder of the caller's (pid file, log); no command socket. Stopped by PID on close.
 */
public final class ChronyServer implements AutoCloseable {
    private static final long READY_TIMEOUT_MS = 15_000;

    private final Process process;
    private final Path log;
    private final InetSocketAddress address;

    private ChronyServer(Process process, Path log, InetSocketAddress address) {
        this.process = process;
        this.log = log;
        this.address = address;
    }

    /** The chronyd program, when installed. */
    public static Optional<Path> program() {
        return ExternalProgram.find("chronyd");
    }

    /** Starts chronyd serving its clock at {@code stratum}; returns once it answers a client request. */
    public static ChronyServer start(Path dir, int stratum) throws IOException {
        Path chronyd = program().orElseThrow(() -> new IOException("chronyd is not installed"));
        int port = JntpdProcess.freePort("127.0.0.1");
        Path conf = dir.resolve("chronyd.conf");
        Files.write(conf, List.of(
                "local stratum " + stratum,
                "allow 127.0.0.1",
                "port " + port,
                "bindaddress 127.0.0.1",
                "pidfile " + dir.resolve("chronyd.pid"),
                "cmdport 0",
                "bindcmdaddress /"));
        Path log = dir.resolve("chronyd.log");
        Process p = new ProcessBuilder(ExternalProgram.withoutSysTime(chronyd.toString(), "-x", "-d", "-f", conf.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ChronyServer server = new ChronyServer(p, log, new InetSocketAddress("127.0.0.1", port));
        try {
            server.awaitServing();
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private void awaitServing() throws IOException {
        long deadlineNs = System.nanoTime() + READY_TIMEOUT_MS * 1_000_000;
        try (UdpClient client = new UdpClient("127.0.0.1")) {
            while (System.nanoTime() - deadlineNs < 0) {
                if (!process.isAlive()) {
                    throw new IOException("chronyd exited with " + process.exitValue() + ":\n" + log());
                }
                UdpClient.Exchange e = client.query(address, 4, 200);
                if (e != null && e.reply().stratum() != 0 && e.reply().leap() != 3) {
                    return;
                }
            }
        }
        throw new IOException("chronyd did not serve within " + READY_TIMEOUT_MS + " ms:\n" + log());
    }

    public InetSocketAddress address() {
        return address;
    }

    public int port() {
        return address.getPort();
    }

    public String log() {
        return TestFiles.readOrExplain(log);
    }

    @Override
    public void close() {
        ExternalProgram.kill(process);
    }
}
