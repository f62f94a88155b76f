/**
 * Reference clocks: drivers that measure a reference against the system clock and hand over samples; the sync core's
 * selection and discipline decide what to do with them (chrony's {@code refclock.c} model). Pure: no FFM calls, no
 * threads, no clock reads; time comes in as arguments.
 *
 * <h2>What the sync core gets</h2>
 * {@link org.jntpd.refclock.Refclock#poll()} once every 2^{@code pollLog2} s returns one
 * {@link org.jntpd.refclock.RefclockSample} (local time, offset = reference minus local, delay, dispersion, jitter,
 * leap, sample count) or null. The core supplies {@link org.jntpd.refclock.SystemReference} (root distance and leap of
 * the system clock, for PPS without a locked coarse clock) and tells every clock about steps
 * ({@link org.jntpd.refclock.Refclock#onClockStep}) or unknown jumps ({@link org.jntpd.refclock.Refclock#dropSamples}).
 * {@link org.jntpd.refclock.Refclock#resolveLocks} connects {@code lock REFID} at start.
 *
 * <h2>What the platform layer implements</h2>
 * <ul>
 *   <li>{@link org.jntpd.refclock.PpsDevice}: {@code PPS_GETCAP}, {@code PPS_SETPARAMS}, {@code PPS_FETCH} into a
 *       {@link org.jntpd.refclock.PpsEvent};</li>
 *   <li>{@link org.jntpd.refclock.PhcDevice}: {@code PTP_SYS_OFFSET_PRECISE / _EXTENDED / PTP_SYS_OFFSET};</li>
 *   <li>SHM: a {@code MemorySegment} from {@code shmget(ShmTime.KEY_BASE + unit, 96, IPC_CREAT | 0600)} and
 *       {@code shmat}, given to {@link org.jntpd.refclock.ShmDriver};</li>
 *   <li>SOCK: a bound Unix datagram socket whose datagrams go to {@link org.jntpd.refclock.SockDriver#onDatagram};</li>
 *   <li>NMEA: a serial port (baud, raw mode, VMIN 1) whose reads go to
 *       {@link org.jntpd.refclock.NmeaAssembler#accept} with the time each read returned.</li>
 * </ul>
 *
 * <p>May use: {@code time}, {@code wire} (the leap indicator's values), {@code config} (the {@code refclock} line).
 * Must not: open devices, start threads or read clocks (that is {@code refclock.linux}), or steer the clock.
 */
package org.jntpd.refclock;
