package org.jntpd.clock;

/**
 * A leap second armed in the clock, with the kernel's semantics (adjtimex STA_INS / STA_DEL): the clock itself
 * inserts or deletes the last second of the current UTC day when its own reading reaches midnight.
 */
public enum LeapMode {
    /** No leap second pending (the kernel's STA_INS and STA_DEL both clear). */
    NONE,
    /** Insert 23:59:60: at the clock's next UTC midnight it goes back one second (STA_INS). */
    INSERT,
    /** Delete 23:59:59: when the clock reaches 23:59:59 UTC it jumps to the next midnight (STA_DEL). */
    DELETE
}
