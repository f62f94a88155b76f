package org.jntpd.refclock;

/**
 * An RFC 2783 pulse-per-second source, {@code /dev/ppsN}: what the platform layer implements with the
 * {@code PPS_GETCAP}, {@code PPS_SETPARAMS} and {@code PPS_FETCH} ioctls. Failures of the device itself
 * (the file vanished, an ioctl errno other than a timeout) surface as the platform layer's unchecked exception.
 */
public interface PpsDevice {
    /** {@code PPS_CAPTUREASSERT}: time the assert edge. */
    int CAPTURE_ASSERT = 0x01;
    /** {@code PPS_CAPTURECLEAR}: time the clear edge. */
    int CAPTURE_CLEAR = 0x02;
    /** {@code PPS_CANWAIT}: {@link #fetch} can block until the next event. */
    int CAN_WAIT = 0x100;

    /** {@code PPS_GETCAP}: the mode bits the source supports. */
    int capabilities();

    /**
     * {@code PPS_SETPARAMS}: capture the edges in {@code captureMode} ({@link #CAPTURE_ASSERT}, {@link #CAPTURE_CLEAR}
     * or both), timestamps as {@code struct timespec}, no kernel offsets.
     */
    void setCaptureMode(int captureMode);

    /**
     * {@code PPS_FETCH}: the latest timestamps and sequence numbers into {@code out}.
     *
     * @param timeoutNs 0 = answer at once with whatever was captured last (chrony polls this way); &gt; 0 = wait up to
     *                  that long for a new event (needs {@link #CAN_WAIT}); &lt; 0 = wait without limit
     * @return false when the wait timed out (ETIMEDOUT) or was interrupted (EINTR): {@code out} is then unchanged
     */
    boolean fetch(long timeoutNs, PpsEvent out);
}
