package org.jntpd.sync;

/** Where a source stands after the last selection, ntpq's tally codes in brackets. */
public enum SourceState {
    /** No usable estimate yet, unreachable, unsynchronised, too far (maxdist), or noselect (space). */
    UNSELECTABLE,
    /** Selectable, but the sources formed no majority (nobody can be called a falseticker). */
    CANDIDATE,
    /** Outside the majority's intersection ('x'). */
    FALSETICKER,
    /** Agrees with the majority but was pruned by clustering ('-'). */
    OUTLIER,
    /** Survivor combined into the system offset ('+'). */
    COMBINED,
    /** Survivor left out of the combination because a preferred source survived ('-'; ntpd's backup in mode 6). */
    NOT_COMBINED,
    /** The survivor that defines stratum, refid and root distance ('*'). */
    SYSTEM_PEER
}
