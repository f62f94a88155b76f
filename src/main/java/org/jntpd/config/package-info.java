/**
 * The ntp.conf dialect (NTPsec's directives plus the chrony extensions users know) parsed into immutable records
 * ({@link org.jntpd.config.Config}); every error names file:line and what was expected
 * ({@link org.jntpd.config.ConfigException}); lines that parse but are not honoured are listed for
 * {@code --check-config}. The language is one table ({@code Directives}): each word with its spellings, its arguments
 * and their limits ({@code Arg}, the one place values are checked), where the value goes, and whether it is honoured.
 *
 * <p>May use: {@code time}, {@code base} (its {@code TextFile} reads the configuration files). Must not: resolve names (the daemon does DNS on its own thread), open sockets, or depend
 * on what reads the records: it sits low so that every layer may read its settings.
 */
package org.jntpd.config;
