/**
 * Network Time Security for NTPv4 (RFC 8915), the pure part: NTS-KE records ({@link org.jntpd.nts.KeRecord},
 * {@link org.jntpd.nts.KeRequest}, {@link org.jntpd.nts.KeResponse}), the NTP extension fields for server
 * ({@link org.jntpd.nts.NtsServerCodec}) and client ({@link org.jntpd.nts.NtsClientCodec}), cookies
 * ({@link org.jntpd.nts.CookieCodec}) and the server master keys ({@link org.jntpd.nts.ServerKeySet}, whose comment
 * gives the key file format and how a fleet shares it). Time comes in as arguments; randomness as a seeded
 * {@link org.jntpd.nts.NonceSource}. Packet paths allocate nothing while a client's key schedule is cached.
 *
 * <p>May use: {@code wire}, {@code auth}. Must not: touch sockets, threads, files or clocks (the KE server, TLS and the
 * key file are in {@code nts.ke}), allocate per packet on the codecs' paths, or answer with more bytes than a request
 * carried.
 *
 * <h2>Hooks the serving loop needs (integration)</h2>
 * <ol>
 *   <li>Per worker: {@code new NtsServerCodec(keys::current, new NonceSource(seedFromSecureRandom), 1024)}.</li>
 *   <li>After the packet is classified well-formed and allowed, before the plain reply: {@code open(rx, off, len,
 *       rxUnixNs)}. NOT_NTS: the usual path (a packet with a MAC goes to {@code MacEngine}). DROP: count
 *       {@code reason()}. NAK: build a kiss-o'-death (stratum 0, refid {@code NAK_REFID}), then {@code nak(...)}.</li>
 *   <li>OK: build the header as for a plain reply (interleaved mode included), but write T3 before
 *       {@code seal(tx, off, 48, len, nowUnixNs)}: the header is authenticated, so the worker's "stamp transmit
 *       just before send" step must come first for NTS replies (the seal then costs T3 accuracy its run time, about
 *       a microsecond; interleaved mode corrects that as it does for plain replies).</li>
 *   <li>Counters: DROP/NAK reasons, {@code cacheHits()}/{@code cacheMisses()}.</li>
 * </ol>
 * The symmetric-key path is the same shape: {@code MacEngine.verify}, then the header, then
 * {@code MacEngine.signLikeRequest}.
 */
package org.jntpd.nts;
