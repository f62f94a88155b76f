package org.jntpd.server;

import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jntpd.auth.MacEngine;
import org.jntpd.auth.SymmetricKey;
import org.jntpd.nts.NonceSource;
import org.jntpd.nts.NtsServerCodec;
import org.jntpd.nts.ServerKeySet;

/**
 * What the serving side authenticates with, built once by the daemon: the symmetric keys (a {@link MacEngine} per
 * worker answers a keyed request with the client's key and digest length), and for NTS the current cookie-key set
 * (read through {@code ntsKeys} on every NTS packet: return the same instance until the set changes) with a source of
 * seeds for each worker's {@link NonceSource}. Pure: the caller reads the files and brings the randomness.
 *
 * @param keys         the key file's keys (empty: keyed requests are dropped)
 * @param trustedIds   the IDs that may authenticate; null = every key (chrony's rule)
 * @param ntsKeys      the server's NTS cookie keys; null = no NTS (an NTS request is then answered as plain NTP,
 *                     which its client refuses, as chrony without NTS does)
 * @param seeds        fills a 32-byte seed for a worker's nonces (SecureRandom's nextBytes)
 * @param ntsCacheSize client key schedules cached per worker, a power of two (NtsServerCodec)
 */
public record ServerAuth(List<SymmetricKey> keys, Set<Long> trustedIds, Supplier<ServerKeySet> ntsKeys,
        Consumer<byte[]> seeds, int ntsCacheSize) {
    /** No keys and no NTS: every keyed request is dropped, NTS requests get plain replies. */
    public static final ServerAuth NONE = new ServerAuth(List.of(), Set.of(), null, null, 2);
    /** Per worker: 1024 client key schedules, about 4 MB. */
    public static final int DEFAULT_NTS_CACHE = 1024;

    public ServerAuth {
        keys = List.copyOf(keys);
        trustedIds = trustedIds == null ? null : Set.copyOf(trustedIds);
        if (ntsKeys != null && seeds == null) {
            throw new IllegalArgumentException("NTS needs a source of seeds for its nonces");
        }
    }

    /** A MAC engine for one worker, or null without keys. */
    MacEngine newMacEngine() {
        return keys.isEmpty() ? null : new MacEngine(keys, trustedIds);
    }

    /** An NTS codec for one worker, or null without NTS. */
    NtsServerCodec newNtsCodec() {
        if (ntsKeys == null) {
            return null;
        }
        byte[] seed = new byte[32];
        seeds.accept(seed);
        return new NtsServerCodec(ntsKeys, new NonceSource(seed), ntsCacheSize);
    }
}
