/**
 * The ntp.conf dialect (NTPsec's directives plus the chrony extensions users know) parsed into immutable records
 * ({@link org.jntpd.config.Config}); every error names file:line and what was expected
 * ({@link org.jntpd.config.ConfigException}); lines that parse but are not honoured are listed for
 * {@code --check-config}.
 *
 * <p>May use: {@code time}. Must not: resolve names (the daemon does DNS on its own thread), open sockets, or depend
 * on what reads the records: it sits low so that every layer may read its settings.
 */
package org.jntpd.config;
