package org.jntpd.daemon;

import static org.jntpd.time.Units.NS_PER_DAY;
import static org.jntpd.time.Units.NS_PER_S;
import static org.jntpd.time.Units.S_PER_DAY;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.temporal.IsoFields;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.jntpd.base.Log;
import org.jntpd.base.RateLimitedLog;
import org.jntpd.config.Config;

/**
 * ntpd's statistics files, in ntpd's line formats so its tools (and anyone's awk) read them: {@code loopstats} (one
 * line per clock update), {@code peerstats} (one per accepted sample), {@code clockstats} (one per reference clock
 * sample). Each line starts with the Modified Julian Day and the seconds of the day (UTC). Files follow the
 * {@code filegen} settings: a new file per day (".YYYYMMDD"), week, month or year, or one file, under {@code statsdir},
 * with a link by the plain name to the current one. Written on the synchronisation thread, a few lines a minute.
 *
 * <p>A file that cannot be written (a full disk, a folder that went away) is not given up: its lines are dropped and
 * counted, it is opened again at the first line after {@link #RETRY_NS}, and the log says so once (then at most every
 * ten minutes) and once more when writing works again.
 */
public final class StatsFiles implements AutoCloseable {
    /** The files jntpd writes; other names in {@code statistics} are accepted and named as not written. */
    public static final Set<String> SUPPORTED = Set.of("loopstats", "peerstats", "clockstats");
    private static final long MJD_UNIX_EPOCH = 40_587;

    private Path dir;
    private final Map<String, Config.Filegen> filegens = new HashMap<>();
    private Set<String> enabled;
    private Config.Stats configured;
    private final Map<String, Open> open = new HashMap<>();
    private final Map<String, Failing> failing = new HashMap<>();
    private final LongSupplier monotonicNs;
    private final long retryNs;

    /** How long a file that could not be written is left alone before the next attempt. */
    public static final long RETRY_NS = 60_000_000_000L;
    /** For tests only: that wait in ms instead of {@link #RETRY_NS}. Not a configuration option. */
    public static final String RETRY_PROP_NAME = "jntpd.statsRetryMs";

    private record Open(Path path, BufferedWriter out) {}

    /** A file in trouble: when to try again, and the lines lost since it failed. */
    private static final class Failing {
        final RateLimitedLog log;
        long retryAtNs;
        long lost;

        Failing(String name) {
            this.log = new RateLimitedLog("statistics " + name + ": ");
        }
    }

    public StatsFiles(Config.Stats stats) {
        this(stats, System::nanoTime, Long.getLong(RETRY_PROP_NAME, RETRY_NS / 1_000_000L) * 1_000_000L);
    }

    /** @param monotonicNs the clock the retry waits on; {@code retryNs} how long it waits (tests) */
    StatsFiles(Config.Stats stats, LongSupplier monotonicNs, long retryNs) {
        this.monotonicNs = monotonicNs;
        this.retryNs = retryNs;
        configure(stats);
    }

    /**
     * A reload: the files {@code stats} names from now on (those open are closed and the new ones opened as written);
     * nothing happens when it is the same as before.
     */
    public void reconfigure(Config.Stats stats) {
        if (ReloadPolicy.same(configured, stats)) {
            return;
        }
        close();
        failing.clear();
        filegens.clear();
        configure(stats);
    }

    private void configure(Config.Stats stats) {
        this.configured = stats;
        this.dir = Path.of(stats.statsDir() == null ? "/var/log/jntpd" : stats.statsDir());
        this.enabled = new java.util.HashSet<>(stats.enabled());
        for (Config.Filegen f : stats.filegens()) {
            filegens.put(f.name(), f);
        }
        for (String name : enabled) {
            if (!SUPPORTED.contains(name)) {
                Log.info("statistics " + name + " is accepted but not written by jntpd (it writes "
                        + String.join(", ", SUPPORTED.stream().sorted().toList()) + ")");
            }
        }
    }

    /** Whether any file is to be written. */
    public boolean active() {
        return enabled.stream().anyMatch(SUPPORTED::contains);
    }

    /** loopstats: offset (s), frequency (ppm), jitter (s), wander (ppm), poll interval (log2 s). */
    public void loop(long nowUnixNs, double offsetS, double freqPpm, double jitterS, double wanderPpm, int pollLog2) {
        // (Locale) null: Locale.ROOT's digits, without the CLDR data a locale loads (mode6.Values).
        write("loopstats", nowUnixNs, String.format((Locale) null, "%.9f %.6f %.9f %.6f %d", offsetS, freqPpm, jitterS,
                wanderPpm, pollLog2));
    }

    /** peerstats: address, status word (hex), offset, delay, dispersion, jitter (s). */
    public void peer(long nowUnixNs, String address, int status, double offsetS, double delayS, double dispersionS,
            double jitterS) {
        write("peerstats", nowUnixNs, String.format((Locale) null, "%s %04x %.9f %.9f %.9f %.9f", address, status, offsetS,
                delayS, dispersionS, jitterS));
    }

    /** clockstats: the reference clock and its sample (offset, dispersion, s). */
    public void clock(long nowUnixNs, String refclock, double offsetS, double dispersionS) {
        write("clockstats", nowUnixNs, String.format((Locale) null, "%s %.9f %.9f", refclock, offsetS, dispersionS));
    }

    private void write(String name, long nowUnixNs, String fields) {
        if (!enabled.contains(name)) {
            return;
        }
        long unixS = Math.floorDiv(nowUnixNs, NS_PER_S);
        long day = Math.floorDiv(unixS, S_PER_DAY);
        double sod = (nowUnixNs - day * NS_PER_DAY) * 1e-9;
        String line = String.format((Locale) null, "%d %.3f %s%n", day + MJD_UNIX_EPOCH, sod, fields);
        Failing f = failing.get(name);
        if (f != null && monotonicNs.getAsLong() - f.retryAtNs < 0) {
            f.lost++;
            return;
        }
        try {
            Open o = current(name, LocalDate.ofEpochDay(day));
            o.out().write(line);
            o.out().flush();
            if (f != null) {
                failing.remove(name);
                f.log.recovered("writing in " + dir + " again (" + f.lost + " line(s) lost)");
            }
        } catch (IOException e) {
            if (f == null) {
                f = new Failing(name);
                failing.put(name, f);
            }
            f.lost++;
            f.retryAtNs = monotonicNs.getAsLong() + retryNs;
            f.log.warn("cannot write in " + dir + " (" + e + "); its lines are dropped, trying again every "
                    + retryNs / 1_000_000_000L + " s");
            Open o = open.remove(name); // reopened at the next attempt: a writer that failed may hold a torn line
            if (o != null) {
                try {
                    o.out().close();
                } catch (IOException ignored) {
                    // its buffer could not be written either
                }
            }
        }
    }

    private Open current(String name, LocalDate date) throws IOException {
        Config.Filegen f = filegens.get(name);
        String base = f == null ? name : f.file();
        String type = f == null ? "day" : f.type();
        String suffix = switch (type) {
            case "none" -> "";
            case "pid" -> "." + ProcessHandle.current().pid();
            case "week" -> String.format((Locale) null, ".%04dW%02d", date.get(IsoFields.WEEK_BASED_YEAR),
                    date.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            case "month" -> String.format((Locale) null, ".%04d%02d", date.getYear(), date.getMonthValue());
            case "year" -> String.format((Locale) null, ".%04d", date.getYear());
            default -> String.format((Locale) null, ".%04d%02d%02d", date.getYear(), date.getMonthValue(), date.getDayOfMonth());
        };
        Path path = dir.resolve(base + suffix);
        Open o = open.get(name);
        if (o != null && o.path().equals(path)) {
            return o;
        }
        if (o != null) {
            o.out().close();
        }
        Files.createDirectories(dir);
        BufferedWriter out = Files.newBufferedWriter(path, StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        o = new Open(path, out);
        open.put(name, o);
        if (!suffix.isEmpty() && (f == null || f.link())) {
            Path link = dir.resolve(base);
            if (Files.isSymbolicLink(link) || !Files.exists(link)) {
                Files.deleteIfExists(link);
                Files.createSymbolicLink(link, path.getFileName());
            }
        }
        return o;
    }

    @Override
    public void close() {
        for (Open o : open.values()) {
            try {
                o.out().close();
            } catch (IOException e) {
                Log.debug("closing " + o.path() + ": " + e.getMessage());
            }
        }
        open.clear();
    }
}
