/**
 * The system process: per-source estimation of offset and frequency ({@link org.jntpd.sync.Source}, a Kalman filter
 * bank), selection, clustering and combining ({@link org.jntpd.sync.Selection}), the discipline
 * ({@link org.jntpd.sync.Discipline}), the poll policy, leap seconds, and what the host then serves
 * ({@link org.jntpd.sync.SystemState}); {@link org.jntpd.sync.Synchroniser} runs them on the daemon's sync thread.
 *
 * <p>May use: {@code time}, {@code wire} (the protocol's values only), {@code clock} (the interface). Must not: do
 * I/O, read the system clock, start threads or allocate per sample: time comes in as {@code nowNs}, samples from
 * whatever produced them (an association, a reference clock).
 */
package org.jntpd.sync;
