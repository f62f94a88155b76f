package org.jntpd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import org.jntpd.auth.Aead;
import org.jntpd.base.Agent;
import org.jntpd.base.IdleStrategy;
import org.jntpd.base.LoopRunner;
import org.jntpd.nts.ke.Tls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The NTS-KE client's thread under the loops' error policy: a failure inside the exchange (injected at the JDK's TLS
 * boundary, after a real TCP connect to a loopback listener) reaches the loop that owns the source. An exception is a
 * failed exchange the source retries with its back-off; an {@link Error} is rethrown on the owning loop, whose
 * {@link LoopRunner} then dies by the policy (death handler called), instead of being lost on a virtual thread while
 * the source waits for keys forever.
 */
class NtsClientAuthThreadTest {
    private static final long NOW_NS = 1_000_000_000_000L;

    @Test
    void shouldCountAnExceptionInTheExchangeAsAFailedExchangeAndRetry() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            NtsClientAuth auth = auth(listener, () -> new IllegalStateException("injected: TLS is broken"));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment tx = arena.allocate(2048);
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (auth.exchangesFailed == 0 && System.nanoTime() - deadline < 0) {
                    assertEquals(0, auth.request(tx, 2048, NOW_NS), "no keys: nothing to send");
                    Thread.sleep(10);
                }
            }
            assertEquals(1, auth.exchangesFailed);
            assertTrue(auth.lastKeError.contains("injected: TLS is broken"), auth.lastKeError);
        }
    }

    @Test
    void shouldRethrowAnErrorOfTheExchangeThreadOnTheOwningLoopSoThatItsRunnerDies() throws Exception {
        InternalError injected = new InternalError("injected: the TLS provider is broken");
        try (ServerSocket listener = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            NtsClientAuth auth = auth(listener, () -> injected);
            java.util.concurrent.CompletableFuture<Throwable> died = new java.util.concurrent.CompletableFuture<>();
            Arena arena = Arena.ofShared();
            MemorySegment tx = arena.allocate(2048);
            // the synchronisation loop's part: poll the source every pass
            Agent loop = new Agent() {
                @Override
                public String roleName() {
                    return "test sync loop";
                }

                @Override
                public int doWork() {
                    auth.request(tx, 2048, NOW_NS);
                    return 0;
                }
            };
            try (LoopRunner runner = new LoopRunner("test-sync", loop, IdleStrategy.park(10_000_000L),
                    LoopRunner.DEFAULT, (r, cause) -> died.complete(cause))) {
                runner.start();
                Throwable cause = died.get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals(LoopRunner.State.DEAD, runner.state());
                assertNotNull(cause.getCause(), cause.toString());
                assertSame(injected, cause.getCause(), "the exchange thread's Error, handed over");
                assertTrue(cause.getMessage().contains("test: the NTS-KE thread failed"), cause.getMessage());
            } finally {
                arena.close();
            }
        }
    }

    /**
     * A source whose KE connects to {@code listener}; its TLS (SSLContext TLSv1.3, made by the exchange) comes from a
     * provider put first that throws what {@code failure} gives, taken away again by {@link #restoreTls}.
     */
    private static NtsClientAuth auth(ServerSocket listener, Supplier<? extends Throwable> failure) throws Exception {
        Security.insertProviderAt(new FailingTlsProvider(failure), 1);
        NtsClientAuth.Settings settings = new NtsClientAuth.Settings(Tls.trustAnchors(List.of(), true), null,
                List.of(Aead.AES_SIV_CMAC_256), Long.MAX_VALUE / 2, 2_000, null, null);
        return new NtsClientAuth("test", "localhost", InetAddress.getLoopbackAddress(), listener.getLocalPort(),
                settings, null, false, NOW_NS);
    }

    @AfterEach
    void restoreTls() {
        Security.removeProvider(FailingTlsProvider.NAME);
    }

    /** Offers SSLContext TLSv1.3 whose every use fails. */
    private static final class FailingTlsProvider extends Provider {
        private static final long serialVersionUID = 1L;
        static final String NAME = "jntpd-test-failing-tls";

        FailingTlsProvider(Supplier<? extends Throwable> failure) {
            super(NAME, "1", "TLS that throws the injected failure");
            putService(new Service(this, "SSLContext", "TLSv1.3", FailingSpi.class.getName(), null, null) {
                @Override
                public Object newInstance(Object constructorParameter) {
                    return new FailingSpi(failure);
                }
            });
        }
    }

    /** TLS whose every use throws the injected failure. */
    private static final class FailingSpi extends SSLContextSpi {
        private final Supplier<? extends Throwable> failure;

        FailingSpi(Supplier<? extends Throwable> failure) {
            this.failure = failure;
        }

        private RuntimeException fail() {
            Throwable t = failure.get();
            if (t instanceof Error e) {
                throw e;
            }
            throw (RuntimeException) t;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {}

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            throw fail();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            throw fail();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            throw fail();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            throw fail();
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            throw fail();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            throw fail();
        }
    }
}
