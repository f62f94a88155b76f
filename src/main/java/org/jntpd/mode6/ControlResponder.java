package org.jntpd.mode6;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.security.SecureRandom;
import java.util.List;
import java.util.function.Supplier;
import org.jntpd.mode6.ControlSnapshot.Association;
import org.jntpd.mode6.ControlSnapshot.Variable;
import org.jntpd.time.Units;
import org.jntpd.wire.ControlMessage;
import org.jntpd.wire.ControlStatus;
import org.jntpd.wire.NtpPacket;

/**
 * Answers one mode 6 request from a {@link ControlSnapshot}, writing the reply fragments into caller-owned buffers:
 * READSTAT (association ids and status words, or one association's status word), READVAR of the system (association
 * 0) or of an association, all listed variables or the ones named, in ntpd's text form ({@code name=value} items
 * separated by {@code ", "}, a line break before an item that would pass 72 columns, {@code "\r\n"} at the end) and
 * ntpd's fragmentation (at most {@link ControlMessage#MAX_DATA_LENGTH} data bytes per fragment, items not split,
 * the More bit and offsets); READCLOCK of a reference clock's clock variables; REQ_NONCE and READ_MRU (the recent-client
 * list, {@link #readMru}). Errors as ntpd gives them: an unknown association, an unknown variable, a bad format or
 * value; every writing or configuring opcode is refused with a permission error; anything else (ordered lists, traps)
 * is a bad opcode.
 *
 * <p>No amplification: responses, fragments and requests with the More or Error bit are dropped (two servers never
 * answer each other), a reply has at most {@link #MAX_FRAGMENTS} fragments, the MRU list goes only to an asker that
 * proved it receives at its address (a nonce, {@link Nonces}), and a token bucket bounds the requests answered per
 * second over all clients (beyond it requests are dropped and counted). Who may ask at all is the server's restrict
 * list ({@code noquery}), decided before a request gets here; {@code nomrulist} is the caller's to pass in.
 *
 * <p>Not thread-safe: one instance on the one thread that answers mode 6. It allocates (text), so it runs off the
 * serving threads.
 */
public final class ControlResponder {
    /** Most fragments in one reply: the reply to a 12-byte request stays under 2 KB. */
    public static final int MAX_FRAGMENTS = 4;
    /** Bytes each fragment buffer must hold. */
    public static final int FRAGMENT_BYTES = ControlMessage.HEADER_LENGTH + ControlMessage.MAX_DATA_LENGTH;
    /** ntpd's MAXDATALINELEN: a text line is broken before an item that would make it this long. */
    static final int LINE_LENGTH = 72;
    public static final int DEFAULT_RATE_PER_S = 200;
    public static final int DEFAULT_BURST = 64;
    /** A clock's status word: CTL_PEER_STATUS(0, last event, current status) with both 0 (CTL_CLK_OKAY). */
    static final int CLOCK_STATUS_OK = 0;

    private static final byte[] SEPARATOR = {',', ' '};
    private static final byte[] LINE_BREAK = {',', '\r', '\n'};
    private static final byte[] END = {'\r', '\n'};

    private final ControlMessage request = new ControlMessage();
    private final ControlMessage reply = new ControlMessage();
    private final Nonces nonces;
    private final long costNs;
    private final long capacityNs;
    private long budgetNs;
    private long lastNs;
    private boolean started;

    /** Requests looked at, answered (with data or an error), dropped as malformed, dropped by the rate budget. */
    private long received;
    private long answered;
    private long errors;
    private long malformed;
    private long rateLimited;
    private long badNonces;

    public ControlResponder() {
        this(DEFAULT_RATE_PER_S, DEFAULT_BURST);
    }

    /** At most {@code ratePerS} requests answered per second on average, {@code burst} at once. */
    public ControlResponder(int ratePerS, int burst) {
        this(ratePerS, burst, new SecureRandom());
    }

    /** As above, the nonces' keys drawn from {@code random}. */
    ControlResponder(int ratePerS, int burst, SecureRandom random) {
        this.nonces = new Nonces(random);
        if (ratePerS < 1 || burst < 1) {
            throw new IllegalArgumentException("mode 6 rate and burst must be positive: " + ratePerS + ", " + burst);
        }
        this.costNs = Units.NS_PER_S / ratePerS;
        this.capacityNs = costNs * burst;
        this.budgetNs = capacityNs;
    }

    /**
     * Answers the {@code length} bytes at {@code offset} of {@code rx}, received at {@code nowNs} (any monotonic
     * ns; for the rate budget), {@code nowNtp64} the time the {@code clock} variable shows.
     *
     * @param live    system variables read at the time of the request (counters), readable by name
     * @param out     fragment buffers of at least {@link #FRAGMENT_BYTES} bytes each
     * @param lengths out: the length of each fragment
     * @return the number of fragments to send, 0 to send nothing
     */
    public int answer(MemorySegment rx, long offset, int length, ControlSnapshot snapshot, List<Variable> live,
            long nowNs, long nowNtp64, MemorySegment[] out, int[] lengths) {
        return answer(rx, offset, length, snapshot, live, List::of, 0, 0, 0, nowNs, nowNtp64, out, lengths);
    }

    /**
     * As above, for a request from client (hi, lo):port ({@code org.jntpd.server.ClientAddress} form), the MRU list
     * read from {@code mru} (oldest first) only when a READ_MRU with a good nonce asks for it; {@code mru} null: this
     * client may not read it ({@code restrict ... nomrulist}), and a READ_MRU gets a permission error, as from ntpd.
     */
    public int answer(MemorySegment rx, long offset, int length, ControlSnapshot snapshot, List<Variable> live,
            Supplier<List<MruEntry>> mru, long clientHi, long clientLo, int clientPort, long nowNs, long nowNtp64,
            MemorySegment[] out, int[] lengths) {
        received++;
        if (length < ControlMessage.HEADER_LENGTH) {
            malformed++;
            return 0;
        }
        request.wrap(rx, offset, length);
        int version = request.version();
        if (request.mode() != NtpPacket.MODE_CONTROL || version < 1 || version > NtpPacket.VERSION_4
                || (request.responseErrorMoreOpcode() & (ControlMessage.RESPONSE_BIT | ControlMessage.ERROR_BIT
                        | ControlMessage.MORE_BIT)) != 0) {
            malformed++;
            return 0;
        }
        if (!spend(nowNs)) {
            rateLimited++;
            return 0;
        }
        int opcode = request.opcode();
        int count = request.count();
        if (count > length - ControlMessage.HEADER_LENGTH || count > ControlMessage.MAX_DATA_LENGTH
                || request.dataOffset() != 0) {
            return error(ControlStatus.ERROR_BAD_FORMAT, snapshot, out, lengths);
        }
        return switch (opcode) {
            case ControlMessage.OP_READ_STATUS -> readStatus(snapshot, out, lengths);
            case ControlMessage.OP_READ_VARIABLES -> readVariables(snapshot, live, nowNtp64, out, lengths);
            case ControlMessage.OP_READ_CLOCK_VARIABLES -> readClock(snapshot, nowNtp64, out, lengths);
            case ControlMessage.OP_REQUEST_NONCE -> fragments(text(List.of(Variable.of("nonce",
                    nonces.issue(clientHi, clientLo, clientPort, nowNs))), nowNtp64), snapshot.systemStatus(), snapshot,
                    out, lengths);
            case ControlMessage.OP_READ_MRU -> readMru(snapshot, mru, clientHi, clientLo, clientPort, nowNs, nowNtp64,
                    out, lengths);
            case ControlMessage.OP_WRITE_VARIABLES, ControlMessage.OP_WRITE_CLOCK_VARIABLES,
                    ControlMessage.OP_SET_TRAP, ControlMessage.OP_UNSET_TRAP, ControlMessage.OP_CONFIGURE,
                    ControlMessage.OP_SAVE_CONFIG -> error(ControlStatus.ERROR_PERMISSION, snapshot, out, lengths);
            default -> error(ControlStatus.ERROR_BAD_OPCODE, snapshot, out, lengths);
        };
    }

    private boolean spend(long nowNs) {
        if (!started) {
            started = true;
        } else {
            long elapsedNs = nowNs - lastNs;
            if (elapsedNs > 0) {
                budgetNs = Math.min(capacityNs, budgetNs + elapsedNs);
            }
        }
        lastNs = nowNs;
        if (budgetNs < costNs) {
            return false;
        }
        budgetNs -= costNs;
        return true;
    }

    private int readStatus(ControlSnapshot snapshot, MemorySegment[] out, int[] lengths) {
        int associationId = request.associationId();
        if (associationId != 0) {
            Association a = snapshot.association(associationId);
            if (a == null) {
                return error(ControlStatus.ERROR_BAD_ASSOCIATION, snapshot, out, lengths);
            }
            return fragments(List.of(), a.status(), snapshot, out, lengths);
        }
        List<byte[]> items = new ArrayList<>(snapshot.associations().size());
        for (Association a : snapshot.associations()) {
            items.add(new byte[] {(byte) (a.id() >>> 8), (byte) a.id(), (byte) (a.status() >>> 8), (byte) a.status()});
        }
        return fragments(items, snapshot.systemStatus(), snapshot, out, lengths);
    }

    private int readVariables(ControlSnapshot snapshot, List<Variable> live, long nowNtp64, MemorySegment[] out,
            int[] lengths) {
        int associationId = request.associationId();
        List<Variable> variables;
        int status;
        if (associationId == 0) {
            variables = new ArrayList<>(snapshot.system());
            variables.addAll(live);
            status = snapshot.systemStatus();
        } else {
            Association a = snapshot.association(associationId);
            if (a == null) {
                return error(ControlStatus.ERROR_BAD_ASSOCIATION, snapshot, out, lengths);
            }
            variables = a.variables();
            status = a.status();
        }
        return chosen(variables, status, snapshot, nowNtp64, out, lengths);
    }

    /**
     * READCLOCK ({@code ntpq -c cv [&N]}): a reference clock's clock variables, by association id or, without one, the
     * system peer if it is a reference clock, else the first one (ntpd's rule); an association that is not a reference
     * clock, or none at all, is a bad association as in ntpd. The status word is the clock's (0: no fault).
     */
    private int readClock(ControlSnapshot snapshot, long nowNtp64, MemorySegment[] out, int[] lengths) {
        int associationId = request.associationId();
        Association a = associationId == 0 ? snapshot.defaultClock() : snapshot.association(associationId);
        if (a == null || a.clock() == null) {
            return error(ControlStatus.ERROR_BAD_ASSOCIATION, snapshot, out, lengths);
        }
        return chosen(a.clock(), CLOCK_STATUS_OK, snapshot, nowNtp64, out, lengths);
    }

    /** The variables the request names (all listed ones when it names none) as ntpd's text, or the error. */
    private int chosen(List<Variable> variables, int status, ControlSnapshot snapshot, long nowNtp64,
            MemorySegment[] out, int[] lengths) {
        List<String> names = names();
        if (names == null) {
            return error(ControlStatus.ERROR_BAD_FORMAT, snapshot, out, lengths);
        }
        List<Variable> chosen = new ArrayList<>();
        if (names.isEmpty()) {
            for (Variable v : variables) {
                if (v.listed()) {
                    chosen.add(v);
                }
            }
        } else {
            for (String name : names) {
                Variable found = null;
                for (Variable v : variables) {
                    if (v.name().equals(name)) {
                        found = v;
                        break;
                    }
                }
                if (found == null) {
                    return error(ControlStatus.ERROR_UNKNOWN_VARIABLE, snapshot, out, lengths);
                }
                chosen.add(found);
            }
        }
        return fragments(text(chosen, nowNtp64), status, snapshot, out, lengths);
    }

    /** ntpd's MRU_ROW_LIMIT and MRU_FRAGS_LIMIT: the largest limit= and frags= a READ_MRU may ask for. */
    static final int MRU_ROW_LIMIT = 256;
    static final int MRU_FRAGS_LIMIT = 128;
    /** Prior entries (last.N, addr.N) a READ_MRU may name, as ntpd. */
    static final int MRU_PRIORS = 16;

    /**
     * READ_MRU ({@code ntpq -c mrulist}), as ntpd's read_mru_list: nothing at all unless the request carries a nonce
     * this server gave the same address and port less than 16 s ago ({@link Nonces}); {@code frags=} or
     * {@code limit=} (one is required: BADVALUE otherwise); the entries oldest first, starting after the newest of the
     * prior entries ({@code last.N}, {@code addr.N}) still unchanged in the list (UNKNOWNVAR when none is: ntpq starts
     * over), confirmed as {@code last.older}/{@code addr.older}; each entry as {@code addr.N, last.N, first.N, ct.N,
     * mv.N, rs.N, dr.N}; a new nonce first; {@code now=} and {@code last.newest=} when the list is complete. Whole
     * entries only, as many as fit in the fragments allowed (at most {@link #MAX_FRAGMENTS}, fewer if frags= says so):
     * ntpq asks again from where the reply ended. Filters (mincount=, laddr= ...) are not applied.
     */
    private int readMru(ControlSnapshot snapshot, Supplier<List<MruEntry>> mru, long hi, long lo, int port, long nowNs,
            long nowNtp64, MemorySegment[] out, int[] lengths) {
        if (mru == null) {
            return error(ControlStatus.ERROR_PERMISSION, snapshot, out, lengths); // nomrulist, checked first as ntpd
        }
        List<String[]> params = items();
        if (params == null) {
            return error(ControlStatus.ERROR_BAD_FORMAT, snapshot, out, lengths);
        }
        String nonce = null;
        int frags = 0;
        long limit = 0;
        String[] priorAddress = new String[MRU_PRIORS];
        long[] priorLast = new long[MRU_PRIORS];
        boolean[] hasLast = new boolean[MRU_PRIORS];
        try {
            for (String[] p : params) {
                String name = p[0];
                String value = p[1] == null ? "" : p[1];
                if (name.equals("nonce")) {
                    nonce = value;
                } else if (name.equals("frags")) {
                    frags = Integer.parseInt(value);
                } else if (name.equals("limit")) {
                    limit = Long.parseLong(value);
                } else if (name.startsWith("last.") || name.startsWith("addr.")) {
                    int n = Integer.parseInt(name.substring(5));
                    if (n < 0 || n >= MRU_PRIORS) {
                        continue;
                    }
                    if (name.startsWith("last.")) {
                        priorLast[n] = Values.parseTimestamp(value);
                        hasLast[n] = true;
                    } else {
                        priorAddress[n] = value;
                    }
                }
            }
        } catch (IllegalArgumentException e) { // ntpd: a bad parameter drops the nonce, so nothing is answered
            badNonces++;
            return 0;
        }
        if (!nonces.valid(nonce, hi, lo, port, nowNs)) {
            badNonces++;
            return 0;
        }
        if ((frags == 0 && !(limit > 0 && limit <= MRU_ROW_LIMIT)) || frags < 0 || frags > MRU_FRAGS_LIMIT) {
            return error(ControlStatus.ERROR_BAD_VALUE, snapshot, out, lengths);
        }
        int maxFragments = Math.min(Math.min(MAX_FRAGMENTS, out.length), frags == 0 ? Integer.MAX_VALUE : frags);
        long maxEntries = limit == 0 ? Long.MAX_VALUE : limit;
        int priors = 0;
        while (priors < MRU_PRIORS && priorAddress[priors] != null && hasLast[priors]) {
            priors++;
        }
        List<MruEntry> entries = mru.get();
        int start = 0;
        MruEntry older = null;
        if (priors > 0) {
            for (int i = 0; i < priors && older == null; i++) {
                for (int e = 0; e < entries.size(); e++) {
                    MruEntry m = entries.get(e);
                    if (m.address().equals(priorAddress[i]) && m.lastNtp64() == priorLast[i]) {
                        older = m;
                        start = e + 1;
                        break;
                    }
                }
            }
            if (older == null) {
                return error(ControlStatus.ERROR_UNKNOWN_VARIABLE, snapshot, out, lengths); // ntpq starts over
            }
        }
        String newNonce = nonces.issue(hi, lo, port, nowNs);
        int remaining = entries.size() - start;
        int count = 0;
        List<byte[]> items = mruText(newNonce, older, entries, start, 0, remaining == 0, nowNtp64);
        while (count < remaining && count < maxEntries) {
            List<byte[]> more = mruText(newNonce, older, entries, start, count + 1, count + 1 == remaining, nowNtp64);
            if (fragmentsNeeded(more) > maxFragments) {
                break;
            }
            items = more;
            count++;
        }
        return fragments(items, snapshot.systemStatus(), snapshot, out, lengths);
    }

    private static List<byte[]> mruText(String nonce, MruEntry older, List<MruEntry> entries, int start, int count,
            boolean complete, long nowNtp64) {
        List<Variable> v = new ArrayList<>(3 + 7 * count);
        if (older != null) {
            v.add(Variable.of("last.older", Values.timestamp(older.lastNtp64())));
            v.add(Variable.of("addr.older", older.address()));
        }
        v.add(Variable.of("nonce", nonce));
        for (int i = 0; i < count; i++) {
            MruEntry m = entries.get(start + i);
            v.add(Variable.of("addr." + i, m.address()));
            v.add(Variable.of("last." + i, Values.timestamp(m.lastNtp64())));
            v.add(Variable.of("first." + i, Values.timestamp(m.firstNtp64())));
            v.add(Variable.of("ct." + i, Long.toString(m.count())));
            v.add(Variable.of("mv." + i, Integer.toString(m.modeVersion())));
            v.add(Variable.of("rs." + i, Values.hex(0)));
            v.add(Variable.of("dr." + i, Long.toString(m.dropped())));
        }
        if (complete) {
            v.add(Variable.of("now", Values.timestamp(nowNtp64)));
            if (count > 0) {
                v.add(Variable.of("last.newest", Values.timestamp(entries.get(start + count - 1).lastNtp64())));
            }
        }
        return text(v, nowNtp64);
    }

    /** How many fragments {@link #fragments} would need for {@code items} without a cap. */
    static int fragmentsNeeded(List<byte[]> items) {
        int fragments = 1;
        int used = 0;
        for (byte[] b : items) {
            if (b.length > ControlMessage.MAX_DATA_LENGTH) {
                return Integer.MAX_VALUE; // never for MRU items (a few dozen bytes each)
            }
            if (used + b.length > ControlMessage.MAX_DATA_LENGTH) {
                fragments++;
                used = 0;
            }
            used += b.length;
        }
        return fragments;
    }

    /** The request's items, {@code name} or {@code name=value} (value null), comma-separated; null if not text. */
    private List<String[]> items() {
        int count = request.count();
        byte[] data = new byte[count];
        MemorySegment.copy(request.segment(), ValueLayout.JAVA_BYTE, request.dataStart(), data, 0, count);
        List<String[]> items = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= count; i++) {
            if (i == count || data[i] == ',') {
                String item = new String(data, start, i - start, StandardCharsets.US_ASCII);
                int eq = item.indexOf('=');
                String name = (eq >= 0 ? item.substring(0, eq) : item).strip();
                if (!name.isEmpty()) {
                    items.add(new String[] {name, eq >= 0 ? item.substring(eq + 1).strip() : null});
                }
                start = i + 1;
            } else if (data[i] < 0 || (data[i] < ' ' && data[i] != '\r' && data[i] != '\n' && data[i] != '\t')) {
                return null;
            }
        }
        return items;
    }

    /** The variable names the request's data asks for ({@code name} or {@code name=value}, comma-separated); null if not text. */
    private List<String> names() {
        List<String[]> items = items();
        if (items == null) {
            return null;
        }
        List<String> names = new ArrayList<>(items.size());
        for (String[] item : items) {
            names.add(item[0]);
        }
        return names;
    }

    /** The items as ntpd lays out text: each with the separator before it, the last with "\r\n" after it. */
    static List<byte[]> text(List<Variable> variables, long nowNtp64) {
        List<byte[]> items = new ArrayList<>(variables.size());
        int lineLength = 0;
        for (int i = 0; i < variables.size(); i++) {
            Variable v = variables.get(i);
            String value = v.value() == null ? Values.timestamp(nowNtp64) : v.value();
            byte[] item = (v.name() + "=" + value).getBytes(StandardCharsets.US_ASCII);
            byte[] separator = new byte[0];
            if (i > 0) {
                // ntpd: the comma counts on the old line; a break when the item would reach the line limit
                boolean breakLine = item.length + lineLength + 2 >= LINE_LENGTH;
                separator = breakLine ? LINE_BREAK : SEPARATOR;
                lineLength = breakLine ? 0 : lineLength + 2;
            }
            lineLength += item.length;
            boolean last = i == variables.size() - 1;
            byte[] chunk = new byte[separator.length + item.length + (last ? END.length : 0)];
            System.arraycopy(separator, 0, chunk, 0, separator.length);
            System.arraycopy(item, 0, chunk, separator.length, item.length);
            if (last) {
                System.arraycopy(END, 0, chunk, chunk.length - END.length, END.length);
            }
            items.add(chunk);
        }
        return items;
    }

    /** Packs the items into fragments, none split unless longer than a fragment; at most {@link #MAX_FRAGMENTS}. */
    private int fragments(List<byte[]> items, int status, ControlSnapshot snapshot, MemorySegment[] out, int[] lengths) {
        int fragments = 0;
        int dataOffset = 0;
        int used = 0;
        int item = 0;
        int itemPos = 0;
        int max = Math.min(MAX_FRAGMENTS, out.length);
        while (fragments < max) {
            MemorySegment buf = out[fragments];
            long data = ControlMessage.DATA_OFFSET;
            used = 0;
            while (item < items.size()) {
                byte[] b = items.get(item);
                int left = b.length - itemPos;
                int room = ControlMessage.MAX_DATA_LENGTH - used;
                if (left <= room) {
                    MemorySegment.copy(b, itemPos, buf, ValueLayout.JAVA_BYTE, data + used, left);
                    used += left;
                    item++;
                    itemPos = 0;
                } else if (used == 0 || itemPos > 0) { // too long for any fragment: split it
                    MemorySegment.copy(b, itemPos, buf, ValueLayout.JAVA_BYTE, data + used, room);
                    used += room;
                    itemPos += room;
                    break;
                } else {
                    break;
                }
            }
            boolean more = item < items.size() && fragments + 1 < max;
            lengths[fragments] = header(buf, status, more, dataOffset, used, snapshot);
            dataOffset += used;
            fragments++;
            if (!more) {
                break;
            }
        }
        answered++;
        return fragments;
    }

    private int error(int code, ControlSnapshot snapshot, MemorySegment[] out, int[] lengths) {
        errors++;
        answered++;
        reply.wrap(out[0], 0, ControlMessage.HEADER_LENGTH);
        reply.leapVersionMode(ControlStatus.systemLeap(snapshot.systemStatus()), request.version(),
                        NtpPacket.MODE_CONTROL)
                .responseErrorMoreOpcode(ControlMessage.RESPONSE_BIT | ControlMessage.ERROR_BIT | request.opcode())
                .sequence(request.sequence()).status(ControlStatus.error(code))
                .associationId(request.associationId()).dataOffset(0).count(0);
        lengths[0] = ControlMessage.HEADER_LENGTH;
        return 1;
    }

    /** Writes a fragment's header and zero padding; returns its length. */
    private int header(MemorySegment buf, int status, boolean more, int dataOffset, int count, ControlSnapshot snapshot) {
        int length = ControlMessage.paddedLength(count);
        buf.asSlice(ControlMessage.DATA_OFFSET + count, length - ControlMessage.DATA_OFFSET - count).fill((byte) 0);
        reply.wrap(buf, 0, length);
        reply.leapVersionMode(ControlStatus.systemLeap(snapshot.systemStatus()), request.version(),
                        NtpPacket.MODE_CONTROL)
                .responseErrorMoreOpcode(ControlMessage.RESPONSE_BIT | (more ? ControlMessage.MORE_BIT : 0)
                        | request.opcode())
                .sequence(request.sequence()).status(status).associationId(request.associationId())
                .dataOffset(dataOffset).count(count);
        return length;
    }

    public long received() {
        return received;
    }

    public long answered() {
        return answered;
    }

    public long errors() {
        return errors;
    }

    public long malformed() {
        return malformed;
    }

    public long rateLimited() {
        return rateLimited;
    }

    /** READ_MRU requests dropped for a missing, forged, foreign or expired nonce (or a malformed parameter). */
    public long badNonces() {
        return badNonces;
    }
}
