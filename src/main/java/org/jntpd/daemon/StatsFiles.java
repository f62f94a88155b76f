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
import org.jntpd.base.Log;
import org.jntpd.config.Config;

/**
 * ntpd's statistics files, in ntpd's line formats so its tools (and anyone's awk) read them: {@code loopstats} (one
 * line per clock update), {@code peerstats} (one per accepted sample), {@code clockstats} (one per reference clock
 * sample). Each line starts with the Modified Julian Day and the seconds of the day (UTC). Files follow the
 * {@code filegen} settings: a new file per day (".YYYYMMDD"), week, month or year, or one file, under {@code statsdir},
 * with a link by the plain name to the current one. Written on the synchronisation thread, a few lines a minute.
 */
public final class StatsFiles implements AutoCloseable {
    /** The files jntpd writes; other names in {@code statistics} are accepted and named as not written. */
    public static final Set<String> SUPPORTED = Set.of("loopstats", "peerstats", "clockstats");
    private static final long MJD_UNIX_EPOCH = 40_587;

    private final Path dir;
    private final Map<String, Config.Filegen> filegens = new HashMap<>();
    private final Set<String> enabled;
    private final Map<String, Open> open = new HashMap<>();

    private record Open(Path path, BufferedWriter out) {}

    public StatsFiles(Config.Stats stats) {
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
        write("loopstats", nowUnixNs, String.format(Locale.ROOT, "%.9f %.6f %.9f %.6f %d", offsetS, freqPpm, jitterS,
                wanderPpm, pollLog2));
    }

    /** peerstats: address, status word (hex), offset, delay, dispersion, jitter (s). */
    public void peer(long nowUnixNs, String address, int status, double offsetS, double delayS, double dispersionS,
            double jitterS) {
        write("peerstats", nowUnixNs, String.format(Locale.ROOT, "%s %04x %.9f %.9f %.9f %.9f", address, status, offsetS,
                delayS, dispersionS, jitterS));
    }

    /** clockstats: the reference clock and its sample (offset, dispersion, s). */
    public void clock(long nowUnixNs, String refclock, double offsetS, double dispersionS) {
        write("clockstats", nowUnixNs, String.format(Locale.ROOT, "%s %.9f %.9f", refclock, offsetS, dispersionS));
    }

    private void write(String name, long nowUnixNs, String fields) {
        if (!enabled.contains(name)) {
            return;
        }
        long unixS = Math.floorDiv(nowUnixNs, NS_PER_S);
        long day = Math.floorDiv(unixS, S_PER_DAY);
        double sod = (nowUnixNs - day * NS_PER_DAY) * 1e-9;
        String line = String.format(Locale.ROOT, "%d %.3f %s%n", day + MJD_UNIX_EPOCH, sod, fields);
        try {
            Open o = current(name, LocalDate.ofEpochDay(day));
            o.out().write(line);
            o.out().flush();
        } catch (IOException e) {
            Log.warn("cannot write " + name + " in " + dir + ": " + e);
            enabled.remove(name); // said once; the daemon goes on without this file
        }
    }

    private Open current(String name, LocalDate date) throws IOException {
        Config.Filegen f = filegens.get(name);
        String base = f == null ? name : f.file();
        String type = f == null ? "day" : f.type();
        String suffix = switch (type) {
            case "none" -> "";
            case "pid" -> "." + ProcessHandle.current().pid();
            case "week" -> String.format(Locale.ROOT, ".%04dW%02d", date.get(IsoFields.WEEK_BASED_YEAR),
                    date.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            case "month" -> String.format(Locale.ROOT, ".%04d%02d", date.getYear(), date.getMonthValue());
            case "year" -> String.format(Locale.ROOT, ".%04d", date.getYear());
            default -> String.format(Locale.ROOT, ".%04d%02d%02d", date.getYear(), date.getMonthValue(), date.getDayOfMonth());
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
