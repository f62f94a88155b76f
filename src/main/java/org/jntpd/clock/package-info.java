/**
 * The clock the core steers, as an interface: {@link org.jntpd.clock.ClockControl} (read, step, set the frequency,
 * arm a leap second, report the sync status; positive = forward, faster), with {@link org.jntpd.clock.VirtualClock}
 * (a simulated oscillator for simulations and tests) and {@link org.jntpd.clock.SoftwareClock} (corrections in
 * software only, for {@code -x}); {@link org.jntpd.clock.ClockPrecision} measures a clock's reading precision. The
 * kernel's clocks are {@code clock.linux}.
 *
 * <p>May use: {@code time}. Must not: make FFM calls, start threads or read the system clock itself (a reading
 * function is passed in).
 */
package org.jntpd.clock;
