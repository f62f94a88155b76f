package org.jntpd.daemon;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jntpd.base.Log;
import org.jntpd.config.Config;
import org.jntpd.config.ServerSpec;
import org.jntpd.nts.BootstrapTrust;
import org.jntpd.platform.Adjtimex;
import org.jntpd.platform.Clocks;
import org.jntpd.platform.Libc;
import org.jntpd.platform.Timex;
import org.jntpd.sync.Source;
import org.jntpd.sync.SyncStatus;

/**
 * NTS with a clock that cannot judge certificates (a host without an RTC boots in 1970): the daemon's side of
 * {@link BootstrapTrust}, on the loop's thread. At start it decides whether the clock is trusted; while it is not, an
 * NTS source allowed to ({@code nocerttimecheck N} with N > 0, or NTPsec's {@code nocerttimecheck} on its line) runs
 * NTS-KE with everything but the certificate's dates checked, and its samples are held out of selection until enough
 * such servers agree on a time inside every validity window of their certificates. The synchroniser then sets the
 * clock, which is trusted from its first update; every session accepted with unchecked dates is then checked at the
 * real time, and one that fails is dropped, with its samples. The state is logged at each change and shown by jntpc.
 */
final class NtsBootstrap {
    private static final long NS_PER_MS = 1_000_000L;

    private final boolean allowedByDefault;
    /** Some source may bootstrap (nocerttimecheck): only then is the state shown and logged as a bootstrap. */
    private final boolean anyAllowed;
    private final int minAgree;
    private final boolean singleSource;
    private final List<NtsClientAuth> members = new ArrayList<>();
    /** Read by the key exchanges' threads. */
    private volatile boolean clockTrusted;
    /** The time the clock became trusted at (after the step that ended the bootstrap, if any). */
    private long trustedAtNs = Long.MIN_VALUE;
    private final String untrustedReason;
    private boolean accepted;
    private String lastReason;
    private volatile String summary;
    volatile long reverified;
    volatile long reverifyFailed;

    /**
     * @param untrustedReason why the clock cannot judge certificates at start, or null when it can
     */
    NtsBootstrap(Config.Nts nts, int ntsSources, String untrustedReason, boolean anyAllowed) {
        this.allowedByDefault = nts.noCertTimeCheckUpdates() > 0;
        this.anyAllowed = anyAllowed;
        this.singleSource = ntsSources < 2 && nts.bootstrapSources() == 0;
        this.minAgree = nts.bootstrapSources() > 0 ? nts.bootstrapSources() : Math.min(2, Math.max(1, ntsSources));
        this.untrustedReason = untrustedReason;
        this.clockTrusted = untrustedReason == null;
    }

    /** The daemon's view at start: the clock judged by {@link BootstrapTrust#untrustedBecause}, the NTS sources counted. */
    static NtsBootstrap start(Config config, long nowNs) {
        int ntsSources = 0;
        boolean anyAllowed = config.nts().noCertTimeCheckUpdates() > 0;
        for (ServerSpec s : config.servers()) {
            if (s.nts()) {
                ntsSources += s.kind() == ServerSpec.Kind.POOL ? Math.max(1, s.maxSources()) : 1;
                anyAllowed |= s.ntsNoCertTimeCheck();
            }
        }
        long notBeforeMs = BootstrapTrust.RELEASE_NOT_BEFORE_UNIX_MS;
        String drift = config.files().driftFile();
        try {
            if (drift != null && Files.exists(Path.of(drift))) {
                notBeforeMs = Math.max(notBeforeMs, Files.getLastModifiedTime(Path.of(drift)).toMillis());
            }
        } catch (IOException e) {
            Log.debug("no modification time of " + drift + ": " + e.getMessage());
        }
        String why = BootstrapTrust.untrustedBecause(Math.floorDiv(nowNs, NS_PER_MS), notBeforeMs, kernelUnsynchronised(),
                Files.exists(Path.of("/dev/rtc0")) || Files.exists(Path.of("/dev/rtc")));
        NtsBootstrap b = new NtsBootstrap(config.nts(), ntsSources, why, anyAllowed);
        if (why != null && anyAllowed) {
            b.lastReason = "waiting for " + b.minAgree + " NTS server" + (b.minAgree == 1 ? "" : "s") + " to agree";
            b.summary = "bootstrap, unverified certs (" + b.lastReason + ")";
            Log.warn("NTS bootstrap: " + why + "; NTS sources with nocerttimecheck exchange keys with their "
                    + "certificates' dates unchecked, and their time is used once " + b.minAgree + " of them agree"
                    + (b.singleSource ? " (one NTS source: trust rests on a single server)" : "")
                    + "; the certificates are checked again once the clock is synchronised");
        } else if (why != null) {
            Log.info("NTS: " + why + "; the certificates' dates are checked against it all the same (nocerttimecheck "
                    + "would allow a bootstrap)");
        }
        return b;
    }

    private static boolean kernelUnsynchronised() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment timex = arena.allocate(Timex.layout());
            if (Libc.clockAdjtime(Clocks.CLOCK_REALTIME, timex) < 0) {
                return false;
            }
            return (Timex.status(timex) & Adjtimex.STA_UNSYNC) != 0;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** Whether a key exchange of a source ({@code allowed}: its line's nocerttimecheck) leaves the dates unchecked now. */
    boolean datesUnchecked(boolean allowed) {
        return !clockTrusted && (allowed || allowedByDefault);
    }

    boolean clockTrusted() {
        return clockTrusted;
    }

    /** Why the clock was not trusted at start (for an exchange's error), or null. */
    String untrustedReason() {
        return clockTrusted ? null : untrustedReason;
    }

    void register(NtsClientAuth auth) {
        members.add(auth);
    }

    void unregister(NtsClientAuth auth) {
        members.remove(auth);
    }

    /** For jntpc tracking: the NTS trust state, or null when there never was a bootstrap. */
    String summary() {
        return summary;
    }

    /**
     * An NTS source took a sample (loop thread, before the synchroniser runs): while the bootstrap waits, judges the
     * held sources' time, and releases those whose time is believed.
     */
    void sampled(long nowNs) {
        if (clockTrusted || accepted || !anyAllowed) {
            return;
        }
        List<BootstrapTrust.Estimate> estimates = new ArrayList<>();
        for (NtsClientAuth a : members) {
            Source s = a.source;
            if (a.unverified() && s.samples() > 0 && s.reachable()) {
                estimates.add(new BootstrapTrust.Estimate(a.label(), s.offsetNs(nowNs), s.distanceNs(nowNs), a.windows()));
            }
        }
        BootstrapTrust.Verdict v = BootstrapTrust.judge(estimates, minAgree, nowNs);
        if (!v.accepted()) {
            if (!v.reason().equals(lastReason)) {
                lastReason = v.reason();
                summary = "bootstrap, unverified certs (" + v.reason() + ")";
                Log.notice("NTS bootstrap: not yet: " + v.reason());
            }
            return;
        }
        accepted = true;
        for (NtsClientAuth a : members) {
            if (v.agreed().contains(a.label())) {
                a.source.setHeld(false);
            }
        }
        String time = Instant.ofEpochMilli(Math.floorDiv(v.timeUnixNs(), NS_PER_MS)).toString();
        summary = "bootstrap, unverified certs (time " + time + " from " + String.join(", ", v.agreed())
                + ", certificates to be checked once synchronised)";
        Log.notice(String.format(Locale.ROOT, "NTS bootstrap: time %s (+/- %.6f s) accepted from %s%s, inside the "
                + "validity of their certificates, whose dates are not yet verified: they are checked once the clock "
                + "is synchronised%s", time, v.uncertaintyNs() * 1e-9, String.join(", ", v.agreed()),
                singleSource ? " (a single NTS server: nothing cross-checks it)" : "",
                v.reason() == null ? "" : "; " + v.reason()));
    }

    /**
     * After each run of the synchroniser (loop thread): its first synchronised update makes the clock trusted, and
     * every session accepted with unchecked dates is checked at the real time.
     */
    void published(SyncStatus status, long nowNs) {
        if (clockTrusted || status != SyncStatus.SYNCHRONISED) {
            return;
        }
        clockTrusted = true;
        trustedAtNs = nowNs;
        if (!anyAllowed) {
            return;
        }
        int ok = 0;
        int dropped = 0;
        for (NtsClientAuth a : List.copyOf(members)) {
            if (a.unverified()) {
                if (a.reverify(nowNs)) {
                    ok++;
                } else {
                    dropped++;
                }
            }
        }
        reverified += ok;
        reverifyFailed += dropped;
        String time = Instant.ofEpochMilli(Math.floorDiv(nowNs, NS_PER_MS)).toString();
        summary = "verified (bootstrap ended " + time + ": " + ok + " certificate" + (ok == 1 ? "" : "s") + " re-verified, "
                + dropped + " dropped)";
        Log.notice("NTS bootstrap over: the clock is synchronised (" + time + "); " + ok + " NTS session"
                + (ok == 1 ? "" : "s") + " accepted with unchecked dates re-verified, " + dropped + " dropped");
    }

    /**
     * A session obtained with unchecked dates finished after the clock became trusted: check it now. Not before the
     * trusted time: a loop pass that began before the bootstrap's step still holds its 1970 reading (seen: a valid
     * certificate dropped as "not valid before" at 1970-01-02, so one key exchange more).
     */
    boolean verifyLate(NtsClientAuth a, long nowNs) {
        boolean ok = a.reverify(Math.max(nowNs, trustedAtNs));
        if (ok) {
            reverified++;
        } else {
            reverifyFailed++;
        }
        return ok;
    }
}
