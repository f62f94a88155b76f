/**
 * The entry points: {@link org.jntpd.cli.Jntpd} ({@code bin/jntpd}, the jar's main class) and
 * {@link org.jntpd.cli.Jntpc} ({@code bin/jntpc}: the control socket's commands as text or JSON, {@code waitsync},
 * {@code query}, {@code perf}, {@code time}).
 *
 * <p>May use: every package. Must not: be used by any (it is the top), or hold more than argument handling and
 * the call into {@code daemon} or {@code perf}, and the text jntpc prints.
 */
package org.jntpd.cli;
