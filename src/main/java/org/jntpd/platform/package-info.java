/**
 * The only FFM code: {@link org.jntpd.platform.Libc} binds each libc function once ({@code static final
 * MethodHandle}, errno captured per thread), one class per kernel struct in jextract's shape (offset constants,
 * static accessors, the C declaration quoted), ioctl numbers and flags, and {@link org.jntpd.platform.NativeException}.
 * {@code AbiTest} checks every layout and constant against the real headers ({@code native/abi.c}).
 *
 * <p>May use: the JDK only. Must not: hold policy (it says what the kernel said, raw: {@code int} results, errno),
 * allocate in a wrapper, or be bypassed: no other package links a native function (the architecture test checks).
 */
package org.jntpd.platform;
