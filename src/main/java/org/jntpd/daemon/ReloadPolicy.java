package org.jntpd.daemon;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jntpd.config.Config;
import org.jntpd.config.Location;

/**
 * What a reload may change while the daemon runs, and what only a restart can (README, "Reloading the configuration").
 * Reloadable: the {@code server}/{@code pool}/{@code peer} lines with their options, {@code logfile}, {@code leapfile},
 * and the statistics ({@code statsdir}, {@code statistics}, {@code filegen}). Everything else is restart-only: a
 * setting that is not listed here is restart-only by default, so a new directive never changes half-applied.
 *
 * <p>Settings are compared by value, not by where they are written: a line that only moved (its file:line changed)
 * is the same line.
 */
final class ReloadPolicy {
    /** Config's components a reload applies (the servers; the notices and warnings are only reported). */
    private static final Set<String> RELOADABLE = Set.of("servers", "stats", "notices", "warnings",
            "files.logFile", "files.leapFile");

    /** The directives behind each restart-only component, for the operator (unlisted: the component's own name). */
    private static final Map<String, String> DIRECTIVES = Map.ofEntries(
            Map.entry("refclocks", "refclock"),
            Map.entry("restrictions", "restrict"),
            Map.entry("interfaces", "interface/nic"),
            Map.entry("tos", "tos"),
            Map.entry("tinker", "tinker/makestep"),
            Map.entry("serving.port", "port"),
            Map.entry("serving.bindAddresses", "bindaddress"),
            Map.entry("serving.localStratum", "local stratum"),
            Map.entry("serving.localOrphan", "local orphan"),
            Map.entry("serving.cpus", "cpu"),
            Map.entry("serving.idle", "workeridle"),
            Map.entry("serving.rateLimit", "ratelimit"),
            Map.entry("serving.clientLog", "clientloglimit"),
            Map.entry("files.driftFile", "driftfile"),
            Map.entry("files.pidFile", "pidfile"),
            Map.entry("files.controlSocket", "controlsocket"),
            Map.entry("files.timeFile", "timefile"),
            Map.entry("auth", "keys/keyfile/trustedkey/controlkey"),
            Map.entry("nts", "nts .../ntsserver*/ntstrustedcerts/ntsdumpdir/ntsport"),
            Map.entry("rtc", "rtcfile/rtcsync/rtcdevice/rtconutc/rtcautotrim"),
            Map.entry("metrics", "metrics"),
            Map.entry("broadcast", "broadcast/broadcastclient/multicastclient/broadcastdelay"),
            Map.entry("systemFlags", "enable/disable"),
            Map.entry("clockControl", "disable ntp / clock control"));

    private ReloadPolicy() {}

    /**
     * The restart-only settings that differ between the running configuration and {@code next}, as directive names
     * ("port", "cpu"), in Config's order; empty: a reload can apply {@code next} whole.
     */
    static List<String> restartOnlyChanges(Config running, Config next) {
        List<String> out = new ArrayList<>();
        diff("", running, next, out);
        return out;
    }

    private static void diff(String path, Record a, Record b, List<String> out) {
        for (RecordComponent c : a.getClass().getRecordComponents()) {
            String p = path.isEmpty() ? c.getName() : path + "." + c.getName();
            if (RELOADABLE.contains(p)) {
                continue;
            }
            Object x = get(c, a);
            Object y = get(c, b);
            if (x instanceof Record rx && y instanceof Record ry && rx.getClass() == ry.getClass()
                    && DIRECTIVES.keySet().stream().anyMatch(k -> k.startsWith(p + "."))) {
                diff(p, rx, ry, out); // a record whose parts are told apart (serving, files)
            } else if (!same(x, y)) {
                out.add(DIRECTIVES.getOrDefault(p, p));
            }
        }
    }

    /** Whether two configuration values are equal, ignoring every {@link Location} in them; arrays by content. */
    static boolean same(Object a, Object b) {
        if (a instanceof Location || b instanceof Location) {
            return a == null || b == null || a instanceof Location && b instanceof Location;
        }
        if (a == null || b == null) {
            return a == b;
        }
        if (a instanceof Record ra) {
            if (a.getClass() != b.getClass()) {
                return false;
            }
            for (RecordComponent c : ra.getClass().getRecordComponents()) {
                if (!same(get(c, a), get(c, b))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof List<?> la) {
            if (!(b instanceof List<?> lb)) {
                return false;
            }
            if (la.size() != lb.size()) {
                return false;
            }
            for (int i = 0; i < la.size(); i++) {
                if (!same(la.get(i), lb.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Set<?> sa) {
            if (!(b instanceof Set<?> sb)) {
                return false;
            }
            return sa.size() == sb.size() && sa.stream().allMatch(x -> sb.stream().anyMatch(y -> same(x, y)));
        }
        if (a instanceof Map<?, ?> ma) {
            if (!(b instanceof Map<?, ?> mb)) {
                return false;
            }
            if (ma.size() != mb.size()) {
                return false;
            }
            Iterator<? extends Map.Entry<?, ?>> it = ma.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                if (!mb.containsKey(e.getKey()) || !same(e.getValue(), mb.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof byte[] ba) {
            return b instanceof byte[] bb && Arrays.equals(ba, bb);
        }
        return a.equals(b);
    }

    private static Object get(RecordComponent c, Object of) {
        try {
            java.lang.reflect.Method m = c.getAccessor();
            m.setAccessible(true); // a record that is not public (this module's own) is compared too
            return m.invoke(of);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + c + " of a configuration", e);
        }
    }
}
