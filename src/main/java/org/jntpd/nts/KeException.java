package org.jntpd.nts;

/** An NTS-KE message or exchange that cannot proceed, with the reason as a {@link Problem} and words for the log. */
public final class KeException extends Exception {
    /** What went wrong; {@link #errorCode} is what a server answers (RFC 8915 section 4.1.3), -1 when nothing is sent. */
    public enum Problem {
        TRUNCATED(1),
        OVERSIZED(1),
        MALFORMED(1),
        BAD_REQUEST(1),
        UNRECOGNIZED_CRITICAL(0),
        SERVER_ERROR(-1),
        SERVER_WARNING(-1),
        NO_COMMON_PROTOCOL(-1),
        NO_COMMON_AEAD(-1),
        NO_COOKIES(-1),
        INTERNAL(2),
        TLS(-1);

        public final int errorCode;

        Problem(int errorCode) {
            this.errorCode = errorCode;
        }
    }

    private final Problem problem;

    public KeException(Problem problem, String message) {
        super(message);
        this.problem = problem;
    }

    public KeException(Problem problem, String message, Throwable cause) {
        super(message, cause);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
