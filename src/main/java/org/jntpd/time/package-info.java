/**
 * Time and its NTP formats: the units every package counts in ({@link org.jntpd.time.Units}), RFC 5905's PHI and the
 * dispersion it grows ({@link org.jntpd.time.Dispersion}), the 64-bit timestamp with its era arithmetic
 * ({@link org.jntpd.time.NtpTimestamp}), the 32-bit short format ({@link org.jntpd.time.NtpShort}), and the IERS/NIST
 * {@code leap-seconds.list} ({@link org.jntpd.time.LeapSecondsFile}).
 *
 * <p>May use: the JDK only; it is the bottom of the house. Must not: read any clock, do I/O, or allocate in the
 * conversions (they run per packet).
 */
package org.jntpd.time;
