/**
 * The time file: the daemon's true time with its error bound (TrueTime's earliest and latest) in 64 mapped bytes that
 * any process reads without a round trip to the daemon ({@link org.jntpd.timefile.TimeFile}; docs/TIMEFILE.md).
 *
 * <p>May use: the JDK only (an application may copy the reader as it is). Must not: block a reader on the writer (a
 * seqlock: readers retry), or change the layout without a new version number.
 */
package org.jntpd.timefile;
