package org.jntpd.config;

import java.util.Set;

/**
 * One {@code restrict} or {@code unrestrict} line.
 *
 * @param address   network address bytes (4 or 16), or null for {@code default} of {@code family}
 * @param family    4 or 6; for {@code default} without -4/-6 the rule exists twice, once per family
 * @param prefixLen bits that must match (32/128 for a host)
 * @param flags     the restriction flags named on the line (empty = full access)
 * @param remove    true for {@code unrestrict}: clears these flags (or the whole rule when none are named)
 */
public record RestrictRule(byte[] address, int family, int prefixLen, Set<RestrictFlag> flags, boolean remove,
        Location location) {

    public boolean isDefault() {
        return address == null;
    }
}
