package org.jntpd.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jntpd.auth.KeyFile;
import org.jntpd.auth.SymmetricKey;
import org.jntpd.base.Log;
import org.jntpd.base.TextFile;
import org.jntpd.config.Config;
import org.jntpd.config.ConfigException;
import org.jntpd.config.ServerSpec;

/**
 * The key file ({@code keys FILE} in NTPsec's format, {@code keyfile FILE} in chrony's), read once at start: the keys,
 * which of them are trusted, and a check that every {@code server ... key N} names a key the file has. Errors name
 * the file and line (of the key file, or of the configuration line that names a missing key).
 *
 * @param keys    every key of the file
 * @param trusted the IDs that may authenticate; null = all (chrony's key file without trustedkey)
 */
record SymmetricKeys(List<SymmetricKey> keys, Set<Long> trusted) {
    static final SymmetricKeys NONE = new SymmetricKeys(List.of(), Set.of());
    /** A key file is small; a bound, so that a FIFO or /dev/zero cannot stop the start. */
    private static final int MAX_KEY_FILE_BYTES = 1 << 20;

    static SymmetricKeys load(Config config) throws ConfigException {
        Config.Auth auth = config.auth();
        if (auth.keysFile() == null) {
            List<String> keyless = new ArrayList<>();
            for (Config.BroadcastTarget t : config.broadcast().targets()) {
                if (t.keyId() != 0) {
                    keyless.add(t.location() + ": broadcast " + t.address() + " key " + t.keyId() + ": no key file "
                            + "(keys FILE) is configured");
                }
            }
            if (!keyless.isEmpty()) {
                throw new ConfigException(keyless);
            }
            return NONE;
        }
        Config.FileRef ref = auth.keysFile();
        List<String> lines;
        try {
            lines = new String(TextFile.read(Path.of(ref.path()), MAX_KEY_FILE_BYTES), StandardCharsets.UTF_8).lines()
                    .toList();
        } catch (IOException e) {
            throw new ConfigException(List.of(ref.location() + ": cannot read " + (auth.chronyFormat() ? "keyfile " : "keys ")
                    + ref.path() + ": " + e.getMessage()));
        }
        KeyFile.Result result;
        try {
            result = KeyFile.parse(ref.path(), lines, auth.chronyFormat() ? KeyFile.Dialect.CHRONY : KeyFile.Dialect.NTPSEC);
        } catch (KeyFile.KeyFileException e) {
            throw new ConfigException(e.getMessage().lines().toList());
        }
        result.warnings().forEach(Log::warn);
        Set<Long> ids = new HashSet<>();
        result.keys().forEach(k -> ids.add(k.id()));
        List<String> errors = new ArrayList<>();
        for (ServerSpec s : config.servers()) {
            if (s.keyId() != 0 && !ids.contains((long) s.keyId())) {
                errors.add(s.location() + ": " + s.kind().name().toLowerCase(Locale.ROOT) + " " + s.host() + " key "
                        + s.keyId() + ": " + ref.path() + " has no key " + s.keyId());
            }
        }
        for (Config.BroadcastTarget t : config.broadcast().targets()) {
            if (t.keyId() != 0 && !ids.contains((long) t.keyId())) {
                errors.add(t.location() + ": broadcast " + t.address() + " key " + t.keyId() + ": " + ref.path()
                        + " has no key " + t.keyId());
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        Set<Long> trusted = null;
        if (!auth.allKeysTrusted()) {
            trusted = new HashSet<>();
            for (int id : auth.trustedKeys()) {
                trusted.add((long) id);
            }
        }
        Log.info("keys: " + result.keys().size() + " from " + ref.path() + (trusted == null ? ", all trusted"
                : ", trusted " + new java.util.TreeSet<>(trusted)));
        return new SymmetricKeys(result.keys(), trusted);
    }

    /** The key with this ID, or null. */
    SymmetricKey key(long id) {
        for (SymmetricKey k : keys) {
            if (k.id() == id) {
                return k;
            }
        }
        return null;
    }
}
