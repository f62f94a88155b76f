/**
 * The kernel's clocks: {@link org.jntpd.clock.linux.LinuxClock} implements {@link org.jntpd.clock.ClockControl} on
 * CLOCK_REALTIME, CLOCK_TAI or a PHC with {@code clock_adjtime} (every adjustment through one method), notices when
 * another program changed the clock, and refuses the host's clock under {@code JNTPD_FORBID_HOST_CLOCK=1} unless the
 * virtual-clock shim stands in for libc (the test suite's safety).
 *
 * <p>May use: {@code time}, {@code clock}, {@code platform}. Must not: decide anything (the discipline in
 * {@code sync} does), or be used by the pure core, which sees only {@code ClockControl}.
 */
package org.jntpd.clock.linux;
