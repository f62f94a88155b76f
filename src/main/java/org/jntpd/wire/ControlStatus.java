package org.jntpd.wire;

/**
 * The 16-bit status words of mode 6 messages (RFC 9327 section 2.2; ntpd's ntp_control.h), packed and unpacked.
 *
 * <pre>
 * system:  LI(2) | clock source(6) | event counter(4) | last event code(4)        association ID 0
 * peer:    status bits(5) | selection(3) | event counter(4) | last event code(4)  per association
 * clock:   clock status(8) | last event code(8)                                   reference clocks
 * error:   error code(8) | 0(8)                                                   with the E bit set
 * </pre>
 */
public final class ControlStatus {
    // System status word: clock source (what the system peer is).
    public static final int SOURCE_UNSPECIFIED = 0;
    public static final int SOURCE_PPS = 1;
    public static final int SOURCE_LF_RADIO = 2;
    public static final int SOURCE_HF_RADIO = 3;
    public static final int SOURCE_UHF_RADIO = 4;
    public static final int SOURCE_LOCAL = 5;
    public static final int SOURCE_NTP = 6;
    public static final int SOURCE_OTHER = 7;
    public static final int SOURCE_WRISTWATCH = 8;
    public static final int SOURCE_TELEPHONE = 9;

    // Peer status word: status bits (the high 5 bits of the high byte).
    public static final int PEER_CONFIGURED = 0x80;
    public static final int PEER_AUTH_ENABLED = 0x40;
    public static final int PEER_AUTHENTIC = 0x20;
    public static final int PEER_REACHABLE = 0x10;
    public static final int PEER_BROADCAST = 0x08;
    // Peer status word: selection (low 3 bits of the high byte), with ntpq's tally character.
    public static final int SELECT_REJECT = 0;      // ' '
    public static final int SELECT_FALSETICK = 1;   // 'x'
    public static final int SELECT_EXCESS = 2;      // '.'
    public static final int SELECT_OUTLIER = 3;     // '-'
    public static final int SELECT_CANDIDATE = 4;   // '+'
    public static final int SELECT_BACKUP = 5;      // '#'
    public static final int SELECT_SYSTEM_PEER = 6; // '*'
    public static final int SELECT_PPS_PEER = 7;    // 'o'

    // Error codes (with the E bit).
    public static final int ERROR_UNSPECIFIED = 0;
    public static final int ERROR_PERMISSION = 1;
    public static final int ERROR_BAD_FORMAT = 2;
    public static final int ERROR_BAD_OPCODE = 3;
    public static final int ERROR_BAD_ASSOCIATION = 4;
    public static final int ERROR_UNKNOWN_VARIABLE = 5;
    public static final int ERROR_BAD_VALUE = 6;
    public static final int ERROR_RESTRICTED = 7;

    private ControlStatus() {}

    public static int system(int leap, int source, int eventCount, int eventCode) {
        return (leap & 0x3) << 14 | (source & 0x3F) << 8 | (eventCount & 0xF) << 4 | (eventCode & 0xF);
    }

    public static int systemLeap(int status) {
        return status >>> 14 & 0x3;
    }

    public static int systemSource(int status) {
        return status >>> 8 & 0x3F;
    }

    /** Event counter of a system or peer status word. */
    public static int eventCount(int status) {
        return status >>> 4 & 0xF;
    }

    /** Last event code of a system or peer status word. */
    public static int eventCode(int status) {
        return status & 0xF;
    }

    /** {@code statusBits} is an OR of the PEER_ constants. */
    public static int peer(int statusBits, int selection, int eventCount, int eventCode) {
        return (statusBits & 0xF8 | selection & 0x7) << 8 | (eventCount & 0xF) << 4 | (eventCode & 0xF);
    }

    public static int peerStatusBits(int status) {
        return status >>> 8 & 0xF8;
    }

    public static int peerSelection(int status) {
        return status >>> 8 & 0x7;
    }

    public static int clock(int clockStatus, int eventCode) {
        return (clockStatus & 0xFF) << 8 | (eventCode & 0xFF);
    }

    public static int error(int errorCode) {
        return (errorCode & 0xFF) << 8;
    }

    public static int errorCode(int status) {
        return status >>> 8 & 0xFF;
    }
}
