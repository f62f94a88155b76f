package org.jntpd.sync;

/** Why the system process did (or did not) synchronise the clock on its last update, for logs and monitoring. */
public enum SyncStatus {
    /** Selection found a majority and the discipline corrected the clock. */
    SYNCHRONISED,
    /** No source is configured. */
    NO_SOURCES,
    /** No source is selectable: unreachable, no samples yet, unsynchronised (LI 3, stratum 0/16), or beyond maxdist. */
    NO_SELECTABLE_SOURCES,
    /** The largest group of sources whose intervals intersect is not more than half of the candidates. */
    NO_MAJORITY,
    /** Fewer sources agree than {@code tos minsane} requires. */
    TOO_FEW_SURVIVORS,
    /** The offset exceeds the panic threshold: the clock is left alone and an operator must look. */
    PANIC,
    /** The offset exceeds the step threshold and has not yet persisted for the stepout interval. */
    STEPOUT_WAIT
}
