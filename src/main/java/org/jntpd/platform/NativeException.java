package org.jntpd.platform;

/**
 * A libc call failed: the function name, the errno it left and the C library's text for it.
 * The one exception type of the platform layer; thrown at setup time, never per packet.
 */
public final class NativeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String function;
    private final int errno;

    public NativeException(String function, int errno) {
        this(function, "", errno, Libc.strerror(errno));
    }

    /** {@code detail} says what the call was about, e.g. the address of a failed bind. */
    public NativeException(String function, String detail, int errno) {
        this(function, detail, errno, Libc.strerror(errno));
    }

    /** With the errno text given, so that building the message never calls back into native code. */
    public NativeException(String function, String detail, int errno, String errnoText) {
        super(function + (detail.isEmpty() ? "" : " " + detail) + " failed: errno " + errno + " (" + errnoText + ")");
        this.function = function;
        this.errno = errno;
    }

    /** The libc function that failed, e.g. {@code "bind"}. */
    public String function() {
        return function;
    }

    /** The errno value it left, e.g. {@link Errno#EADDRINUSE}. */
    public int errno() {
        return errno;
    }
}
