package org.jntpd.mode6;

import java.util.List;
import org.jntpd.wire.ControlStatus;

/**
 * What mode 6 shows, as of one update of the daemon: the system status word and variables (association 0) and every
 * association with its status word and variables, the values already formatted as ntpd sends them ({@link Values}).
 * Immutable: built on the daemon's loop thread, read by the thread that answers ntpq.
 *
 * @param systemStatus the system status word ({@link org.jntpd.wire.ControlStatus#system})
 */
public record ControlSnapshot(int systemStatus, List<Variable> system, List<Association> associations) {

    /**
     * One variable: {@code name=value} on the wire, or the bare name when {@code value} is null.
     *
     * @param listed whether a read without names returns it (ntpd's default list); unlisted ones are read by name
     */
    public record Variable(String name, String value, boolean listed) {
        public Variable {
            if (name.isEmpty() || name.chars().anyMatch(c -> c <= ' ' || c >= 0x7F || c == ',' || c == '=')) {
                throw new IllegalArgumentException("bad mode 6 variable name: " + name);
            }
        }

        public static Variable of(String name, String value) {
            return new Variable(name, value, true);
        }

        public static Variable unlisted(String name, String value) {
            return new Variable(name, value, false);
        }
    }

    /**
     * One association: its id (1..65535), peer status word ({@link org.jntpd.wire.ControlStatus#peer}) and variables.
     *
     * @param clock a reference clock's clock variables ({@code ntpq -c cv}: name, timecode, poll, noreply ...), null
     *              for an association that is not a reference clock
     */
    public record Association(int id, int status, List<Variable> variables, List<Variable> clock) {
        public Association {
            if (id < 1 || id > 0xFFFF) {
                throw new IllegalArgumentException("association id out of 1..65535: " + id);
            }
            variables = List.copyOf(variables);
            clock = clock == null ? null : List.copyOf(clock);
        }

        /** An association that is not a reference clock. */
        public Association(int id, int status, List<Variable> variables) {
            this(id, status, variables, null);
        }
    }

    public ControlSnapshot {
        system = List.copyOf(system);
        associations = List.copyOf(associations);
    }

    /** The snapshot before the daemon's first update. */
    public static final ControlSnapshot EMPTY = new ControlSnapshot(0xC000, List.of(), List.of());

    /**
     * The reference clock {@code ntpq -c cv} means without an association id (ntpd's rule): the system peer if it is
     * one, else the first reference clock; null when there is none.
     */
    public Association defaultClock() {
        Association first = null;
        for (Association a : associations) {
            if (a.clock() != null) {
                if (ControlStatus.peerSelection(a.status()) == ControlStatus.SELECT_SYSTEM_PEER) {
                    return a;
                }
                if (first == null) {
                    first = a;
                }
            }
        }
        return first;
    }

    /** The association with {@code id}, or null. */
    public Association association(int id) {
        for (Association a : associations) {
            if (a.id() == id) {
                return a;
            }
        }
        return null;
    }
}
