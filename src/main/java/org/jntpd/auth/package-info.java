/**
 * Cryptography on the JDK alone and symmetric-key authentication (RFC 5905 section 7.3, RFC 8573). Pure: no I/O,
 * no clock; the verify and sign paths allocate nothing (one {@link org.jntpd.auth.MacEngine} per thread).
 *
 * <p>May use: {@code wire} (extension-field walk, MAC flyweight) and the JDK's {@code javax.crypto} and
 * {@code java.security}. Must not: touch sockets, threads, files or clocks (callers read key files and pass lines),
 * allocate per packet, compare secrets with anything but {@link org.jntpd.auth.ConstantTime}, or log a secret.
 *
 * <h2>Primitives</h2>
 * {@link org.jntpd.auth.AesCmac} (RFC 4493) chains on the JDK's {@code AES/CBC/NoPadding} with a zero IV, one call per
 * message; {@link org.jntpd.auth.AesSiv} (RFC 5297; AEAD 15 and 17) makes its CTR keystream with {@code AES/ECB}.
 * The JDK has no CMAC or SIV; its {@code AES/CTR} would need a {@code Cipher.init}, which allocates, for every IV.
 * Re-keying a JDK cipher allocates its key schedule, so callers keep keyed instances (one per key, or a cache).
 *
 * <h2>Key files</h2>
 * {@link org.jntpd.auth.KeyFile} reads NTPsec's {@code keys} file ({@code keyno type key}: case-insensitive OpenSSL
 * type names, M = MD5, keys of at most 20 characters ASCII and longer ones hex, IDs 1-65535, NTPsec's cut/padding of
 * CMAC keys reported as warnings) and chrony's {@code keyfile} ({@code id [type] key}: MD5 by default, {@code HEX:} and
 * {@code ASCII:}, IDs up to 2^32-1). jntpd's {@code keys} directive means the NTPsec dialect, {@code keyfile} chrony's;
 * {@code KeyFile.Dialect.detect} guesses for other callers. Errors name file:line and fail the whole file.
 *
 * <h2>SHA-256 (and SHA-384/512): jntpd's rule</h2>
 * chrony sends the whole 32-byte digest and switches the packet to NTPv3 (an NTPv4 MAC holds at most 20 bytes, RFC
 * 7822); NTPsec truncates to 20 bytes; neither accepts the other's form in every case (golden/auth). jntpd:
 * <ul>
 *   <li>accepts both: the full digest (NTPv1-3 only: in NTPv4 the wire layer reads more than 24 bytes after the header
 *       as an extension field, and refuses the packet, as chrony and NTPsec do) and the 20-byte truncation (any
 *       version); any other length is refused;</li>
 *   <li>as a server, answers in the form of the request (same key, same digest length; the version is the request's);</li>
 *   <li>as a client, sends NTPv4 with the 20-byte form, which both chronyd (it checks NTPv4 MACs truncated to 20) and
 *       NTPsec accept.</li>
 * </ul>
 */
package org.jntpd.auth;
