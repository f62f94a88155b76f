package org.jntpd.nts;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The server master keys, immutable, oldest first: rotation returns a new set. Pure: the file is read and written by
 * {@code org.jntpd.nts.ke.ServerKeyStore}; randomness comes in as an argument.
 *
 * <h2>Rotation</h2>
 * Cookies are issued under the newest key whose activation time has passed ({@link #issuing}); every key in the set
 * opens cookies. {@link #rotate} adds a key when the next one is due within {@code leadS} (activation = the newest
 * key's + {@code intervalS}, never earlier than now + lead), so a new key is in the file at least {@code leadS} before
 * it is used, and drops all but the {@code keep} newest active keys (future keys stay). A cookie outlives its key by
 * up to {@code keep x interval}; a client holding only older cookies gets an NTS NAK and runs NTS-KE again.
 *
 * <h2>File format ({@link #format}, {@link #parse})</h2>
 * <pre>
 * # comment lines and blank lines are ignored
 * jntpd-nts-keys 1
 * key 1a2b3c4d 1765000000 00112233...    (ID: 8 hex digits; activation: Unix seconds; AES-SIV-CMAC-256 key: 64 hex)
 * </pre>
 * The first non-comment line names the format and its version; one {@code key} line per key, in any order. The file
 * is secret (mode 0600). A fleet shares it: one server rotates and writes it (or a tool does), the others re-read
 * it; because a key is published {@code leadS} before anyone issues cookies under it, every server already knows a
 * key when the first cookie under it comes back, as long as the file reaches them within the lead time.
 */
public final class ServerKeySet {
    public static final String MAGIC = "jntpd-nts-keys";
    public static final int VERSION = 1;

    /** When to add and drop keys. */
    public record Rotation(long intervalS, long leadS, int keep) {
        /** A new key every 12 hours, published an hour ahead; the 8 newest active keys kept (4 days of cookies). */
        public static final Rotation DEFAULT = new Rotation(12 * 3600, 3600, 8);

        public Rotation {
            if (intervalS < 60 || leadS < 0 || leadS >= intervalS || keep < 1) {
                throw new IllegalArgumentException("rotation every " + intervalS + " s, lead " + leadS + " s, keep " + keep);
            }
        }
    }

    private static final ServerKeySet EMPTY = new ServerKeySet(List.of());

    private final List<ServerKey> keys;

    private ServerKeySet(List<ServerKey> keys) {
        List<ServerKey> sorted = new ArrayList<>(keys);
        sorted.sort(Comparator.comparingLong(ServerKey::activationUnixS));
        Set<Integer> ids = new HashSet<>();
        for (ServerKey k : sorted) {
            if (!ids.add(k.id())) {
                throw new IllegalArgumentException(String.format("server key %08x appears twice", k.id()));
            }
        }
        this.keys = List.copyOf(sorted);
    }

    public static ServerKeySet of(List<ServerKey> keys) {
        return new ServerKeySet(keys);
    }

    public static ServerKeySet empty() {
        return EMPTY;
    }

    /** The keys, oldest activation first. */
    public List<ServerKey> keys() {
        return keys;
    }

    public boolean isEmpty() {
        return keys.isEmpty();
    }

    /** Index of the key with this ID, or -1. */
    public int indexOf(int id) {
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i).id() == id) {
                return i;
            }
        }
        return -1;
    }

    /** Index of the key to issue cookies under at {@code nowUnixS}: the newest active one (the oldest if none is). */
    public int issuing(long nowUnixS) {
        int index = 0;
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i).activationUnixS() <= nowUnixS) {
                index = i;
            }
        }
        return keys.isEmpty() ? -1 : index;
    }

    /** The set after the rotation rule at {@code nowUnixS}; {@code this} when nothing changes. */
    public ServerKeySet rotate(long nowUnixS, Rotation rotation, Consumer<byte[]> random) {
        List<ServerKey> next = new ArrayList<>(keys);
        boolean changed = false;
        if (next.isEmpty()) {
            next.add(newKey(nowUnixS, next, random));
            changed = true;
        } else {
            long newest = next.get(next.size() - 1).activationUnixS();
            if (newest + rotation.intervalS() - rotation.leadS() <= nowUnixS) {
                long activation = Math.max(newest + rotation.intervalS(), nowUnixS + rotation.leadS());
                next.add(newKey(activation, next, random));
                changed = true;
            }
        }
        int active = 0;
        for (ServerKey k : next) {
            if (k.activationUnixS() <= nowUnixS) {
                active++;
            }
        }
        int drop = Math.max(0, active - rotation.keep());
        if (drop > 0) {
            next.subList(0, drop).clear();
            changed = true;
        }
        return changed ? new ServerKeySet(next) : this;
    }

    private static ServerKey newKey(long activationUnixS, List<ServerKey> existing, Consumer<byte[]> random) {
        byte[] secret = new byte[ServerKey.SECRET_LENGTH];
        random.accept(secret);
        byte[] idBytes = new byte[4];
        int id;
        do {
            random.accept(idBytes);
            id = (idBytes[0] & 0xFF) << 24 | (idBytes[1] & 0xFF) << 16 | (idBytes[2] & 0xFF) << 8 | (idBytes[3] & 0xFF);
        } while (containsId(existing, id));
        return new ServerKey(id, activationUnixS, secret);
    }

    private static boolean containsId(List<ServerKey> keys, int id) {
        for (ServerKey k : keys) {
            if (k.id() == id) {
                return true;
            }
        }
        return false;
    }

    /** The file text (see the class comment). */
    public String format() {
        StringBuilder out = new StringBuilder();
        out.append("# jntpd NTS server keys: secret (mode 0600); share only among the servers of one service.\n");
        out.append(MAGIC).append(' ').append(VERSION).append('\n');
        out.append("# key <id> <activation, Unix seconds> <AES-SIV-CMAC-256 key>\n");
        HexFormat hex = HexFormat.of();
        for (ServerKey k : keys) {
            out.append(String.format("key %08x %d %s%n", k.id(), k.activationUnixS(), hex.formatHex(k.secretUnsafe())));
        }
        return out.toString();
    }

    /** Parses file text; errors name {@code name:line}. */
    public static ServerKeySet parse(String name, List<String> lines) {
        List<ServerKey> keys = new ArrayList<>();
        boolean header = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = name + ":" + (i + 1) + ": ";
            String[] w = line.split("\\s+");
            if (!header) {
                if (w.length != 2 || !w[0].equals(MAGIC)) {
                    throw new IllegalArgumentException(where + "not a jntpd NTS key file (expected '" + MAGIC + " " + VERSION + "')");
                }
                if (!w[1].equals(String.valueOf(VERSION))) {
                    throw new IllegalArgumentException(where + "key file version " + w[1] + ", this jntpd reads " + VERSION);
                }
                header = true;
                continue;
            }
            if (w.length != 4 || !w[0].equals("key") || w[1].length() != 8 || w[3].length() != 2 * ServerKey.SECRET_LENGTH) {
                throw new IllegalArgumentException(where + "expected 'key <8 hex digits> <Unix seconds> <64 hex digits>'");
            }
            try {
                int id = (int) Long.parseLong(w[1], 16);
                long activation = Long.parseLong(w[2]);
                keys.add(new ServerKey(id, activation, HexFormat.of().parseHex(w[3])));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + "bad key line: " + e.getMessage());
            }
        }
        if (!header) {
            throw new IllegalArgumentException(name + ": empty, expected '" + MAGIC + " " + VERSION + "'");
        }
        try {
            return new ServerKeySet(keys);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServerKeySet s && s.keys.equals(keys);
    }

    @Override
    public int hashCode() {
        return keys.hashCode();
    }

    @Override
    public String toString() {
        return "ServerKeySet" + keys;
    }
}
